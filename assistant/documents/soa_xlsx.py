"""soa.xlsx: the SoA for people who work in Excel: styled, filterable, validated, with a summary sheet."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from assistant.documents.cells import append_text_row
from assistant.documents.files import write_atomic
from assistant.documents.soa_csv import COLUMNS, row_values
from assistant.drafting.models import Soa
from assistant.ids import THEMES

STATUSES = ["implemented", "partial", "planned", "not_implemented"]
WIDTHS = {
    "control_id": 10,
    "title": 34,
    "theme": 15,
    "applicable": 11,
    "justification": 70,
    "drivers": 26,
    "implementation_status": 18,
    "owner": 28,
    "documents": 34,
    "evidence": 45,
}
HEADER_FILL = PatternFill("solid", fgColor="1F3A5F")
HEADER_FONT = Font(bold=True, color="FFFFFF")


def render_soa_xlsx(soa: Soa, organisation: str) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Statement of Applicability"
    sheet.append(COLUMNS)
    for row in soa.rows:
        append_text_row(sheet, row_values(row, separator="; "))  # organisation text is never a formula
    for index, name in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS[name]
    wrap = Alignment(vertical="top", wrap_text=True)
    for cells in sheet.iter_rows(min_row=2):
        for cell in cells:
            cell.alignment = wrap
    last = len(soa.rows) + 1
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{last}"
    applicable = DataValidation(
        type="list",
        formula1='"yes,no"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Applicable",
        error="Choose yes or no",
    )
    status = DataValidation(
        type="list",
        formula1='"' + ",".join(STATUSES) + '"',
        allow_blank=False,
        showErrorMessage=True,
        errorTitle="Implementation status",
        error="Choose one of: " + ", ".join(STATUSES),
    )
    sheet.add_data_validation(applicable)
    sheet.add_data_validation(status)
    applicable.add(f"D2:D{last}")
    status.add(f"G2:G{last}")
    _summary(book.create_sheet("Summary"), soa, organisation)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _summary(ws: Worksheet, soa: Soa, organisation: str) -> None:
    append_text_row(ws, [f"{organisation}: Statement of Applicability summary"])
    ws.append([])
    header = ["Theme", "Controls", "Applicable", "Excluded", *STATUSES]
    ws.append(header)
    for theme in [*THEMES, "all"]:
        rows = [r for r in soa.rows if theme == "all" or r.theme == theme]
        status: Counter[str] = Counter(r.implementation_status for r in rows if r.applicable == "yes")
        applicable = sum(r.applicable == "yes" for r in rows)
        excluded = sum(r.applicable == "no" for r in rows)
        ws.append([theme, len(rows), applicable, excluded, *[status[s] for s in STATUSES]])
    ws["A1"].font = Font(bold=True, size=13)
    for index in range(1, len(header) + 1):
        cell = ws.cell(row=3, column=index)
        cell.fill, cell.font = HEADER_FILL, HEADER_FONT
        ws.column_dimensions[get_column_letter(index)].width = 16


def write_soa_xlsx(path: Path, soa: Soa, organisation: str) -> None:
    write_atomic(path, render_soa_xlsx(soa, organisation))
