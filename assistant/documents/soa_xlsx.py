"""soa.xlsx: the SoA for people who work in Excel: friendly headers, filterable, validated on the whole column,
a Summary of live formulas, a document-control sheet, and pages that print one wide with a footer.

soa.csv keeps the field names; `HEADERS` and `field_for` map between them and this workbook's headers in
both directions, so a reader of soa.xlsx (`isms import`) accepts either."""

from __future__ import annotations

import io
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from assistant.documents.cells import append_text_row
from assistant.documents.files import write_atomic
from assistant.documents.soa_csv import COLUMNS, row_values
from assistant.documents.xlsx_layout import (
    DEFAULT_CLASSIFICATION,
    page_header,
    print_setup,
    set_widths,
    style_header,
    wrap_and_fit_rows,
)
from assistant.drafting.models import Soa
from assistant.ids import THEMES

SOA_SHEET = "Statement of Applicability"
SUMMARY_SHEET = "Summary"
CONTROL_SHEET = "Document control"
SOA_TITLE = "Statement of Applicability"
SOA_REFERENCE = "statement-of-applicability"
LAST_ROW = 1048576  # the last row of a sheet: validation and the Summary cover rows added later
STATUSES = ["implemented", "partial", "planned", "not_implemented"]
HEADERS = {
    "control_id": "Control",
    "title": "Title",
    "theme": "Theme",
    "applicable": "Applicable",
    "justification": "Justification",
    "drivers": "Drivers",
    "implementation_status": "Implementation status",
    "owner": "Owner",
    "documents": "Documents",
    "evidence": "Evidence",
}
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


def _key(header: str) -> str:
    return " ".join(header.replace("_", " ").split()).lower()


_FIELDS = {_key(name): name for name in COLUMNS} | {_key(label): name for name, label in HEADERS.items()}


def field_for(header: object) -> str | None:
    """The soa.csv field of a soa.xlsx header ("Implementation status" or "implementation_status"), or None."""
    return _FIELDS.get(_key(str(header))) if header is not None else None


def column_letter(field: str) -> str:
    return get_column_letter(COLUMNS.index(field) + 1)


def column_range(field: str, absolute: bool = False) -> str:
    """The SoA sheet's cells of `field` below the header, to the last row of the sheet."""
    letter = column_letter(field)
    return f"${letter}$2:${letter}${LAST_ROW}" if absolute else f"{letter}2:{letter}{LAST_ROW}"


def render_soa_xlsx(
    soa: Soa,
    organisation: str,
    *,
    classification: str | None = None,
    front_matter: Mapping[str, Any] | None = None,
    generated: date | None = None,
) -> bytes:
    """The workbook's bytes. `front_matter` (the SoA document's) fills the document-control sheet; the
    classification is `classification`, else the front matter's, else "Internal"."""
    meta = dict(front_matter or {})
    label = str(classification or meta.get("classification") or DEFAULT_CLASSIFICATION)
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = SOA_SHEET
    _soa_sheet(sheet, soa, label)
    _summary(book.create_sheet(SUMMARY_SHEET), organisation, label)
    _document_control(book.create_sheet(CONTROL_SHEET), soa, organisation, label, meta, generated)
    reference = str(meta.get("reference") or "")
    version = f"version {meta['version']}" if meta.get("version") else ""
    draft = str(meta.get("status", "draft")).strip().lower() != "approved"
    for ws in book.worksheets:  # who, what and which version on every printed page; DRAFT until approved
        page_header(ws, organisation, SOA_TITLE, reference, version, draft)
    book.active = 0
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _soa_sheet(sheet: Worksheet, soa: Soa, classification: str) -> None:
    sheet.append([HEADERS[name] for name in COLUMNS])
    for row in soa.rows:
        append_text_row(sheet, row_values(row, separator="; "))  # organisation text is never a formula
    style_header(sheet)
    set_widths(sheet, [WIDTHS[name] for name in COLUMNS])
    wrap_and_fit_rows(sheet)
    sheet.row_dimensions[1].height = 30
    sheet.freeze_panes = "B2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(soa.rows) + 1}"
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
    applicable.add(column_range("applicable"))
    status.add(column_range("implementation_status"))
    print_setup(sheet, classification)


def _countifs(*pairs: tuple[str, str]) -> str:
    """`=COUNTIFS(...)` over the SoA sheet's columns: each pair a field and a criterion (a cell or a quoted
    value). Our own formula, set on the cell directly: never organisation text."""
    parts = [f"'{SOA_SHEET}'!{column_range(field, absolute=True)},{criterion}" for field, criterion in pairs]
    return "=COUNTIFS(" + ",".join(parts) + ")"


def _summary(ws: Worksheet, organisation: str, classification: str) -> None:
    append_text_row(ws, [f"{organisation}: Statement of Applicability summary"])
    ws.append([])
    labels = ["Implemented", "Partial", "Planned", "Not implemented"]
    header = ["Theme", "Controls", "Applicable", "Excluded", *labels]
    ws.append(header)
    first = 4
    for offset, theme in enumerate(THEMES):
        at = first + offset
        theme_cell = ("theme", f"$A{at}")
        ws.append(
            [
                theme,
                _countifs(theme_cell),
                _countifs(theme_cell, ("applicable", '"yes"')),
                _countifs(theme_cell, ("applicable", '"no"')),
                *[
                    _countifs(theme_cell, ("applicable", '"yes"'), ("implementation_status", f'"{s}"'))
                    for s in STATUSES
                ],
            ]
        )
    last = first + len(THEMES) - 1
    ws.append(["all", *[f"=SUM({c}{first}:{c}{last})" for c in "BCDEFGH"]])
    ws["A1"].font = Font(bold=True, size=13)
    style_header(ws, 3)
    set_widths(ws, [18, *[14] * (len(header) - 1)])
    for cell in ws[last + 1]:
        cell.font = Font(bold=True)
    note = "Counts are formulas over the Statement of Applicability sheet: they follow its edits."
    ws.cell(row=last + 3, column=1, value=note).font = Font(italic=True)
    print_setup(ws, classification, title_rows="3:3")


def _document_control(
    ws: Worksheet,
    soa: Soa,
    organisation: str,
    classification: str,
    meta: Mapping[str, Any],
    generated: date | None,
) -> None:
    def value(key: str, default: str = "") -> str:
        found = meta.get(key)
        return default if found is None or str(found).strip() == "" else str(found)

    excluded = sum(r.applicable == "no" for r in soa.rows)
    rows = [
        ["Document reference", value("reference") or value("id", SOA_REFERENCE)],
        ["Title", value("title", SOA_TITLE)],
        ["Organisation", organisation],
        ["Version", value("version", "not yet versioned")],
        ["Status", value("status", "draft").replace("_", " ").capitalize()],
        ["Owner", value("owner", "not stated")],
        ["Approver", value("approver", "not stated")],
        ["Classification", classification],
        ["Generated", (generated or date.today()).isoformat()],
        ["Controls", f"{len(soa.rows)} Annex A controls, {excluded} excluded"],
        ["Canonical file", "soa.csv (field names); this workbook shows the same rows"],
        [
            "Editing",
            "Change Applicable, Implementation status and Justification on the SoA sheet, then record it as "
            "a new version: isms import soa.xlsx --as statement-of-applicability",
        ],
    ]
    ws.append(["Field", "Value"])
    for line in rows:
        append_text_row(ws, line)  # front matter and organisation text are never formulas
    style_header(ws)
    set_widths(ws, [22, 90])
    wrap_and_fit_rows(ws)
    for cell in ws["A"][1:]:
        cell.font = Font(bold=True)
    print_setup(ws, classification)


def write_soa_xlsx(
    path: Path,
    soa: Soa,
    organisation: str,
    *,
    classification: str | None = None,
    front_matter: Mapping[str, Any] | None = None,
    generated: date | None = None,
) -> None:
    data = render_soa_xlsx(
        soa, organisation, classification=classification, front_matter=front_matter, generated=generated
    )
    write_atomic(path, data)
