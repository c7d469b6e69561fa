"""Add one risk to the workspace's register (the UI's "Add a risk" form), checked like `isms risks check`.

The new row gets the next free id (R-001 style, following the register's own prefix and width), is
validated with the register's own rules (and its owner against the roles the profile staffs), and the
register is rewritten whole or not at all, under the workspace lock, with the file it replaces kept in
`.isms/register-history/`. A CSV keeps its columns and line endings; an XLSX its first sheet's formatting.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from assistant.documents.files import write_atomic
from assistant.errors import InputError
from assistant.inputs.profile import Profile
from assistant.inputs.risks import COLUMNS, OPTIONAL_COLUMNS, Risk, RiskRegister, load_risks
from assistant.inputs.workspace import Workspace
from assistant.workspace_lock import writing
from assistant.yamlio import format_loc

HISTORY_DIR = "register-history"
_NUMBERED = re.compile(r"^(?P<prefix>.*?)(?P<number>\d+)$")


def next_risk_id(register: RiskRegister | None) -> str:
    """One past the highest numbered id, in the register's own style (R-007 -> R-008); R-001 to start."""
    best: tuple[int, str, int] | None = None
    for risk in register.risks if register else []:
        match = _NUMBERED.match(risk.id)
        if match and (best is None or int(match["number"]) > best[0]):
            best = (int(match["number"]), match["prefix"], len(match["number"]))
    if best is None:
        return "R-001"
    number, prefix, width = best
    taken = {r.id for r in register.risks} if register else set()
    candidate = number + 1
    while f"{prefix}{candidate:0{width}d}" in taken:
        candidate += 1
    return f"{prefix}{candidate:0{width}d}"


def new_risk(values: dict[str, Any], register: RiskRegister | None, profile: Profile | None) -> Risk:
    """The risk as the register would read it, or InputError naming each field that is wrong."""
    record = {
        k: ("" if v is None else str(v).strip()) for k, v in values.items() if k in COLUMNS + OPTIONAL_COLUMNS
    }
    record["id"] = record.get("id") or next_risk_id(register)
    controls = re.split(r"[;,\s]+", record.get("controls", ""))
    record["controls"] = ";".join(c for c in controls if c)
    try:
        risk = Risk.model_validate({k: v for k, v in record.items() if v != "" or k in COLUMNS})
    except ValidationError as exc:
        problems = [
            f"{format_loc(tuple(e['loc'][:1])) if e['loc'] else 'risk'}: {str(e['msg']).removeprefix('Value error, ')}"
            for e in exc.errors()
        ]
        raise InputError("the risk cannot be added", details=problems) from None
    if register is not None and risk.id in register.by_id():
        raise InputError(
            f"the register already has a risk {risk.id}; leave the id empty for the next free one"
        )
    if profile is not None:
        staffed = profile.roles.role_ids()
        for column in ("owner", "action_owner"):
            role = getattr(risk, column)
            if role and role not in staffed:
                raise InputError(
                    f"{column}: {role!r} is not a role the profile staffs; choose one of {', '.join(sorted(staffed))}"
                )
    return risk


def add_risk(ws: Workspace, values: dict[str, Any], profile: Profile | None = None) -> Risk:
    """Append a new risk to the workspace's register (a new risks.csv when there is none yet)."""
    with writing(ws.state_dir, "risk register save"):
        path = ws.risks_path or ws.root / "risks.csv"
        register = load_risks(path) if path.exists() else None
        risk = new_risk(values, register, profile)
        if path.suffix.lower() in {".xlsx", ".xlsm"}:
            data: bytes | str = _xlsx_with(path, risk)
        else:
            data = _csv_with(path, risk)
        if path.exists():
            _keep_history(ws, path)
        write_atomic(path, data)
        try:
            load_risks(path)  # what was written reads back as a register
        except InputError:
            _restore_last(ws, path)
            raise
    return risk


def _cells(risk: Risk, header: list[str]) -> list[str]:
    values = risk.model_dump(mode="json")
    out = []
    for column in header:
        value = values.get(column.strip().lower())
        if column.strip().lower() == "controls":
            value = ";".join(risk.controls)
        out.append("" if value in (None, "") else str(value))
    return out


def _csv_with(path: Path, risk: Risk) -> str:
    if not path.exists():
        header = COLUMNS + OPTIONAL_COLUMNS
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([header, _cells(risk, header)])
        return buffer.getvalue()
    raw = path.read_bytes().decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in raw else "\n"
    header = next(csv.reader(io.StringIO(raw)))
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator=newline).writerow(_cells(risk, header))
    text = raw if raw.endswith(("\n", "\r")) or not raw else raw + newline
    return text + buffer.getvalue()


def _xlsx_with(path: Path, risk: Risk) -> bytes:
    from openpyxl import load_workbook

    book = load_workbook(path)
    sheet = book.worksheets[0]
    header = [str(c.value or "") for c in next(sheet.iter_rows(min_row=1, max_row=1))]
    last = max((r for r in range(1, sheet.max_row + 1) if any(c.value for c in sheet[r])), default=1)
    for column, value in enumerate(_cells(risk, header), start=1):
        cell = sheet.cell(row=last + 1, column=column, value=_typed(value))
        cell.number_format = sheet.cell(row=last, column=column).number_format
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _typed(value: str) -> Any:
    return int(value) if value.isdigit() else (value or None)


def _keep_history(ws: Workspace, path: Path) -> None:
    folder = ws.state_dir / HISTORY_DIR
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(path, folder / f"{datetime.now():%Y%m%dT%H%M%S%f}-{path.name}")


def _restore_last(ws: Workspace, path: Path) -> None:
    kept = sorted((ws.state_dir / HISTORY_DIR).glob(f"*-{path.name}"))
    if kept:
        write_atomic(path, kept[-1].read_bytes())
