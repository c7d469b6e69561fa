"""`isms import soa.xlsx`: an SoA edited in Excel (or LibreOffice) comes back as a new version of the
Statement of Applicability, checked by the same rules as the UI grid (`assistant.soa_edits.save_soa_edit`).
Every problem names the file and the row (and control) to fix; nothing is written unless all rows pass."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

from assistant.documents.soa_csv import COLUMNS
from assistant.documents.soa_xlsx import HEADERS, SOA_SHEET, field_for
from assistant.errors import InputError
from assistant.inputs.profile import Profile
from assistant.inputs.risks import RiskRegister
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import Corpus
from assistant.soa_checks import FIXED
from assistant.soa_edits import NothingChanged, SoaSaved, current_rows, grid_rows, save_soa_edit
from assistant.store import StaleEdit

REQUIRED = ("control_id", "applicable", "implementation_status", "justification")
LISTS = ("drivers", "documents")  # joined with "; " in soa.xlsx and with ";" in the grid
_LEAD_ID = re.compile(r"^(A\.\d+\.\d+)\b")


def _cell(value: Any) -> str:
    return "" if value is None else str(value).strip()


def read_soa_workbook(source: Path) -> list[tuple[int, dict[str, str]]]:
    """(sheet row number, row by soa.csv field) for every non-empty row of the SoA sheet of `source`. The
    headers may be soa.xlsx's ("Implementation status") or soa.csv's ("implementation_status")."""
    from openpyxl import load_workbook

    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"{source}: not an Excel workbook (.xlsx) that can be read: {exc}") from None
    try:
        if SOA_SHEET in book.sheetnames:
            sheet = book[SOA_SHEET]
        elif len(book.sheetnames) == 1:
            sheet = book.worksheets[0]
        else:
            raise InputError(
                f"{source}: no sheet named {SOA_SHEET!r} (found {', '.join(book.sheetnames)}); "
                "import the workbook that `isms generate` wrote (out/soa.xlsx)"
            )
        lines = sheet.iter_rows(values_only=True)
        header = next(lines, None) or ()
        fields = [field_for(h) for h in header]
        missing = [HEADERS[f] for f in REQUIRED if f not in fields]
        if missing:
            raise InputError(
                f"{source}: sheet {sheet.title!r} has no column {', '.join(repr(m) for m in missing)} in "
                f"its first row; the header row needs {', '.join(HEADERS[f] for f in REQUIRED)}"
            )
        rows = []
        for number, line in enumerate(lines, start=2):
            record = {f: _cell(v) for f, v in zip(fields, line, strict=False) if f is not None}
            if any(record.values()):
                rows.append((number, record))
        return rows
    finally:
        book.close()


def _grid_row(record: dict[str, str], current: dict[str, str] | None) -> dict[str, str]:
    """A workbook row in the grid's form: values as the engine writes them, list cells joined with `;`, and
    the engine's columns the workbook leaves out taken from the current SoA (the checks refuse other changes
    to them, as in the grid)."""
    row = {c: record.get(c, "") for c in COLUMNS}
    for name in FIXED:
        if name not in record and current is not None:
            row[name] = current[name]
    for name in LISTS:
        if name in record:
            row[name] = ";".join(p.strip() for p in record[name].split(";") if p.strip())
    row["applicable"] = row["applicable"].lower()
    row["implementation_status"] = "_".join(row["implementation_status"].lower().split())
    return row


def _located(problem: str, rows_by_id: dict[str, list[int]]) -> str:
    found = _LEAD_ID.match(problem)
    numbers = rows_by_id.get(found.group(1), []) if found else []
    if not numbers:
        return problem
    where = "row " + ", ".join(str(n) for n in numbers)
    return f"{where}: {problem}"


def import_soa_xlsx(
    ws: Workspace,
    corpus: Corpus,
    profile: Profile,
    register: RiskRegister | None,
    source: Path,
    author: str,
) -> SoaSaved:
    """Save the SoA sheet of `source` as a new draft version of the Statement of Applicability (and publish
    its Word file, soa.csv and soa.xlsx). InputError, naming the file and each row and control, when the
    workbook cannot be read or a row breaks the SoA rules; nothing is written then."""
    records = read_soa_workbook(source)
    if not records:
        raise InputError(f"{source}: the {SOA_SHEET!r} sheet has no rows below its header")
    nameless = [n for n, r in records if not r.get("control_id")]
    if nameless:
        raise InputError(
            f"{source}: row {', '.join(map(str, nameless))} has no control id in the Control column; "
            "put it back or delete the row"
        )
    current, latest = current_rows(ws, corpus, profile)
    if latest is None:
        raise InputError("statement-of-applicability has no version yet; generate the document set first")
    shown = {r["control_id"]: r for r in grid_rows(current)}
    rows = [_grid_row(r, shown.get(r["control_id"])) for _n, r in records]
    rows_by_id: dict[str, list[int]] = {}
    for number, record in records:
        rows_by_id.setdefault(record["control_id"], []).append(number)
    try:
        return save_soa_edit(ws, corpus, profile, register, rows, author, latest.id)
    except NothingChanged as exc:
        raise NothingChanged(f"{source}: {exc.message}") from None
    except StaleEdit:
        raise
    except InputError as exc:
        details = [_located(d, rows_by_id) for d in exc.details]
        raise InputError(f"{source}: {exc.message}", details=details) from None
