"""Print and screen layout shared by the workbooks we write: landscape pages one page wide, the header row
repeated on every page, a footer with the page numbers and the classification, wrapped text and row heights
that show it (Excel does not grow a row for wrapped text by itself; LibreOffice does)."""

from __future__ import annotations

import math
from collections.abc import Mapping

from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

DEFAULT_CLASSIFICATION = "Internal"
PAGE_FOOTER = "Page &P of &N"
HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
HEADER_FONT = Font(bold=True, color="FFFFFF")
WRAP = Alignment(vertical="top", wrap_text=True)
LINE_HEIGHT = 14.0  # points per line of 11 pt Calibri (Carlito in LibreOffice: 13.4)
MAX_HEIGHT = 409.0  # Excel's highest row
MAX_LINES = 40  # a longer cell scrolls rather than making a row taller than a page


def footer_text(text: str) -> str:
    """Text for a header or footer: `&` starts a code there, so a literal one is doubled."""
    return text.replace("&", "&&")


def print_setup(sheet: Worksheet, classification: str | None = None, title_rows: str | None = "1:1") -> None:
    """Landscape A4, fit to one page wide (as many pages down as it needs), `title_rows` repeated on every
    page, and a footer: the classification on the left, "Page n of m" on the right."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_options.gridLines = True
    sheet.page_margins.left = sheet.page_margins.right = 0.5
    if title_rows:
        sheet.print_title_rows = title_rows
    label = footer_text((classification or "").strip() or DEFAULT_CLASSIFICATION)
    for footer in (sheet.oddFooter, sheet.evenFooter, sheet.firstFooter):
        footer.left.text = label
        footer.right.text = PAGE_FOOTER


def page_header(
    sheet: Worksheet, organisation: str, title: str, reference: str, version: str, draft: bool
) -> None:
    """The printed page header: organisation and title on the left, reference and version on the right,
    DRAFT in the centre until the document is approved."""
    left = footer_text(" | ".join(p for p in (organisation, title) if p))
    right = footer_text(" | ".join(p for p in (reference, version) if p))
    for header in (sheet.oddHeader, sheet.evenHeader, sheet.firstHeader):
        header.left.text = left
        header.right.text = right
        if draft:
            header.center.text = "DRAFT"
            header.center.font = "Calibri,Bold"
            header.center.color = "C00000"


def style_header(sheet: Worksheet, row: int = 1) -> None:
    """The header row: white bold on dark blue, wrapped, centred vertically."""
    for cell in sheet[row]:
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(vertical="center", wrap_text=True)


def set_widths(sheet: Worksheet, widths: Mapping[int, float] | list[float]) -> None:
    """Column widths by 1-based index (a list: from column A on)."""
    items = widths.items() if isinstance(widths, Mapping) else enumerate(widths, start=1)
    for index, width in items:
        sheet.column_dimensions[get_column_letter(index)].width = width


def _lines(value: object, width: float) -> int:
    if value is None:
        return 1
    chars = max(int(width * 1.3) - 1, 1)  # about 1.3 characters of 11 pt prose per unit of width
    return sum(max(math.ceil(len(part) / chars), 1) for part in str(value).split("\n"))


def wrap_and_fit_rows(sheet: Worksheet, first_row: int = 2, default_width: float = 13.0) -> None:
    """Wrap every cell from `first_row` on and give each row the height its longest cell needs."""
    widths = {
        column: sheet.column_dimensions[get_column_letter(column)].width or default_width
        for column in range(1, sheet.max_column + 1)
    }
    for cells in sheet.iter_rows(min_row=first_row):
        lines = 1
        for cell in cells:
            cell.alignment = WRAP
            if cell.data_type != "f":  # a formula shows its number, not its text
                lines = max(lines, _lines(cell.value, widths.get(cell.column or 1, default_width)))
        if cells:
            height = min(LINE_HEIGHT * min(lines, MAX_LINES) + 3, MAX_HEIGHT)
            sheet.row_dimensions[cells[0].row].height = height
