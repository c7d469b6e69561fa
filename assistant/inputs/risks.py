"""The risk register (CSV, or the first sheet of an XLSX): typed rows with located errors."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from assistant.errors import InputError
from assistant.ids import CONTROL_ID, all_control_ids
from assistant.limits import (
    REGISTER_BYTES,
    REGISTER_CELL_CHARS,
    REGISTER_COLUMNS,
    REGISTER_ROWS,
    Deadline,
    LimitExceeded,
    check_ooxml_package,
    read_bounded,
)
from assistant.yamlio import format_loc, read_text_file

COLUMNS = ["id", "title", "description", "owner", "likelihood", "impact", "treatment", "controls"]
# Optional columns: the treatment plan of a risk (residual rating after treatment, the actions, who does
# them, by when, how far they are) and who accepted a risk and when (an acceptance above the threshold
# needs both).
OPTIONAL_COLUMNS = [
    "residual_likelihood",
    "residual_impact",
    "actions",
    "action_owner",
    "due",
    "status",
    "accepted_by",
    "accepted_on",
    "source",
]
# `source` is `suggested` on a risk `isms init` proposed and nobody has reviewed yet; the owner clears it
# once the rating, treatment and controls are theirs.
SUGGESTED = "suggested"
Treatment = Literal["mitigate", "accept", "transfer", "avoid"]
ActionStatus = Literal["open", "in_progress", "done"]
MAX_REGISTER_BYTES = REGISTER_BYTES.default
# Blank rows in a sheet (spacing, a formatted but empty range) are allowed beyond the row budget.
_BLANK_ROWS_ALLOWED = 10_000
KNOWN_CONTROLS = frozenset(all_control_ids())


class Risk(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    title: str = Field(min_length=3)
    description: str = ""
    owner: str = Field(min_length=2)
    likelihood: int = Field(ge=1, le=5)
    impact: int = Field(ge=1, le=5)
    treatment: Treatment
    controls: tuple[str, ...] = ()
    residual_likelihood: int | None = Field(default=None, ge=1, le=5)
    residual_impact: int | None = Field(default=None, ge=1, le=5)
    actions: str = ""
    action_owner: str = ""
    due: date | None = None
    status: ActionStatus | None = None
    accepted_by: str = ""
    accepted_on: date | None = None
    # Left out of model_dump (like `line`): the mark says who wrote the row, not what it says, so clearing it
    # must not make the generated documents look stale.
    source: Literal["suggested"] | None = Field(default=None, exclude=True)
    line: int = Field(default=0, exclude=True)

    @field_validator(
        "residual_likelihood", "residual_impact", "due", "status", "accepted_on", "source", mode="before"
    )
    @classmethod
    def _empty_is_none(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            if not value:
                return None
        return value

    @field_validator("status", "source", mode="before")
    @classmethod
    def _status(cls, value: Any) -> Any:
        return value.lower().replace(" ", "_").replace("-", "_") if isinstance(value, str) else value

    @field_validator("due", "accepted_on", mode="before")
    @classmethod
    def _iso_date(cls, value: Any) -> Any:
        if isinstance(value, str) and value:
            try:
                return date.fromisoformat(value[:10] if len(value) > 10 and value[10] in " T" else value)
            except ValueError:
                raise ValueError("expected a date as YYYY-MM-DD") from None
        return value

    @model_validator(mode="after")
    def _residual(self) -> Risk:
        if (self.residual_likelihood is None) != (self.residual_impact is None):
            raise ValueError("give both residual_likelihood and residual_impact, or neither")
        if self.residual_score is not None and self.residual_score > self.score:
            raise ValueError(
                f"the residual score {self.residual_score} is higher than the score before treatment {self.score}"
            )
        return self

    @property
    def residual_score(self) -> int | None:
        """Likelihood × impact after treatment, when the register gives it."""
        if self.residual_likelihood is None or self.residual_impact is None:
            return None
        return self.residual_likelihood * self.residual_impact

    @field_validator("controls", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:
        if value is None:
            return ()
        if isinstance(value, str):
            return tuple(part.strip() for part in value.replace(",", ";").split(";") if part.strip())
        return value

    @field_validator("controls")
    @classmethod
    def _control_ids(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        for value in values:
            if not CONTROL_ID.match(value):
                raise ValueError(f"expected ISO 27001:2022 Annex A ids like A.8.13, found {value!r}")
            if value not in KNOWN_CONTROLS:
                raise ValueError(f"{value} is not one of the 93 Annex A controls of ISO 27001:2022")
        return values

    @property
    def score(self) -> int:
        return self.likelihood * self.impact


@dataclass(frozen=True)
class RiskRegister:
    path: Path
    risks: list[Risk]

    def suggested(self) -> list[Risk]:
        """Risks `isms init` suggested that still await their owner's review."""
        return [r for r in self.risks if r.source == SUGGESTED]

    def by_id(self) -> dict[str, Risk]:
        return {r.id: r for r in self.risks}

    def above(self, threshold: int) -> list[Risk]:
        return [r for r in self.risks if r.score > threshold]

    def treating(self, control_id: str) -> list[Risk]:
        return [r for r in self.risks if control_id in r.controls]

    def warnings(self, threshold: int | None, excluded: Iterable[str] = ()) -> list[str]:
        """Things an auditor would question that are not outright errors. `excluded`: the controls the
        profile's scope excludes."""
        out: list[str] = []
        excluded = set(excluded)
        for r in self.risks:
            dropped = [c for c in r.controls if c in excluded]
            if dropped:
                out.append(
                    f"{self.path}:{r.line}: {r.id}: treated by {', '.join(dropped)}, which the profile's scope "
                    "excludes; keep the control or change the treatment"
                )
            if r.treatment == "mitigate" and r.score > (threshold or 0) and threshold is not None:
                if r.actions and not (r.action_owner and r.due):
                    out.append(
                        f"{self.path}:{r.line}: {r.id}: treatment actions need an action_owner and a due date"
                    )
            if r.treatment == "mitigate" and not r.controls:
                out.append(f"{self.path}:{r.line}: {r.id}: treatment is mitigate but no controls are listed")
            if (
                threshold is not None
                and r.treatment == "accept"
                and r.score > threshold
                and not r.accepted_by
            ):
                out.append(
                    f"{self.path}:{r.line}: {r.id}: accepted with score {r.score}, above the acceptance "
                    f"threshold {threshold}; record top management's sign-off"
                )
        return out


def load_risks(path: Path) -> RiskRegister:
    """Read a register from CSV or XLSX; raise InputError naming the file, row and column."""
    if path.suffix.lower() in {".xlsx", ".xlsm"}:
        rows = _xlsx_rows(path)
    else:
        rows = _csv_rows(path)
    return _parse(path, rows)


def _csv_rows(path: Path) -> list[tuple[int, list[str]]]:
    text = read_text_file(path, what="risk register", limit=REGISTER_BYTES)
    rows: list[tuple[int, list[str]]] = []
    reader = csv.reader(io.StringIO(text))
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, _bounded_row(path, reader.line_num, row, len(rows))))
    except csv.Error as exc:
        raise InputError(f"{path}:{reader.line_num}: not a readable CSV line: {exc}") from None
    return rows


def _bounded_row(path: Path, line: int, cells: list[str], rows_so_far: int) -> list[str]:
    """Refuse a register beyond the row, column and cell budgets, naming the line."""
    if rows_so_far >= REGISTER_ROWS.value + 1:  # the header and the risks
        raise InputError(
            f"{path}:{line}: the risk register has more than {REGISTER_ROWS.value} rows ({REGISTER_ROWS.env})"
        )
    while cells and not cells[-1].strip():
        cells.pop()
    if len(cells) > REGISTER_COLUMNS.value:
        raise InputError(
            f"{path}:{line}: the row has {len(cells)} columns; the limit is {REGISTER_COLUMNS.value} "
            f"({REGISTER_COLUMNS.env})"
        )
    for number, cell in enumerate(cells, start=1):
        if len(cell) > REGISTER_CELL_CHARS.value:
            raise InputError(
                f"{path}:{line}: column {number} holds {len(cell):,} characters; the limit is "
                f"{REGISTER_CELL_CHARS.value:,} ({REGISTER_CELL_CHARS.env})"
            )
    return cells


def _xlsx_rows(path: Path) -> list[tuple[int, list[str]]]:
    """The first sheet's rows. The file is checked as a zip before openpyxl sees it (zip bombs, DTDs,
    truncation), read from memory (no second open of the path) and walked within the row, column and
    time budgets."""
    from openpyxl import load_workbook

    if not path.exists():
        raise InputError(f"{path}: risk register not found")
    if path.is_dir():
        raise InputError(f"{path}: expected a risk register file, found a directory")
    deadline = Deadline()
    try:
        data = read_bounded(path, REGISTER_BYTES.value, REGISTER_BYTES.env)
        if not data:
            raise InputError(f"{path}: the risk register is empty")
        check_ooxml_package(data, kind="XLSX", deadline=deadline)
    except LimitExceeded as exc:
        raise InputError(f"{path}: not a readable XLSX workbook: {exc}") from None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl and its XML parsers raise many types for malformed parts
        raise InputError(f"{path}: not a readable XLSX workbook ({_describe(exc)})") from None
    max_columns = REGISTER_COLUMNS.value
    rows: list[tuple[int, list[str]]] = []
    try:
        if not book.worksheets:
            raise InputError(f"{path}: the workbook has no worksheet")
        sheet = book.worksheets[0]
        # Ignore the sheet's declared size (a formatted column makes it 1,048,576 rows or 16,384 columns
        # wide): read the rows present, one column past the budget to notice a wider table.
        reset = getattr(sheet, "reset_dimensions", None)
        if reset is not None:
            reset()
        values = sheet.iter_rows(min_row=1, max_col=max_columns + 1, values_only=True)
        for number, row in enumerate(values, start=1):
            deadline.check()
            if number > REGISTER_ROWS.value + 1 + _BLANK_ROWS_ALLOWED:
                raise InputError(
                    f"{path}: the first sheet goes on past row {number - 1:,}; the limit is "
                    f"{REGISTER_ROWS.value:,} risks and {_BLANK_ROWS_ALLOWED:,} blank rows ({REGISTER_ROWS.env})"
                )
            cells = ["" if v is None else str(v).strip() for v in row]
            if any(cells):
                rows.append((number, _bounded_row(path, number, cells, len(rows))))
    except LimitExceeded as exc:
        raise InputError(f"{path}: the risk register cannot be read: {exc}") from None
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{path}: not a readable XLSX workbook ({_describe(exc)})") from None
    finally:
        book.close()
    return rows


def _describe(exc: Exception) -> str:
    text = str(exc).strip()
    text = text if len(text) <= 160 else text[:157] + "..."
    return f"{exc.__class__.__name__}: {text}" if text else exc.__class__.__name__


def _parse(path: Path, rows: list[tuple[int, list[str]]]) -> RiskRegister:
    if not rows:
        raise InputError(f"{path}: the risk register is empty")
    header_line, header = rows[0]
    header = [h.strip().lower() for h in header]
    while header and not header[-1]:
        header.pop()
    missing = [c for c in COLUMNS if c not in header]
    extra = [c for c in header if c not in COLUMNS and c not in OPTIONAL_COLUMNS]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unknown column(s) {', '.join(extra)}")
        raise InputError(
            f"{path}:{header_line}: header has {'; '.join(parts)}; expected {','.join(COLUMNS)} "
            f"(optionally {','.join(OPTIONAL_COLUMNS)})"
        )
    if len(rows) == 1:
        raise InputError(f"{path}: the risk register has a header but no risks")
    problems: list[str] = []
    risks: list[Risk] = []
    first_line: dict[str, int] = {}
    for line, cells in rows[1:]:
        record = {col: (cells[i].strip() if i < len(cells) else "") for i, col in enumerate(header)}
        try:
            risk = Risk.model_validate({**record, "line": line})
        except ValidationError as exc:
            for err in exc.errors():
                message = str(err["msg"]).removeprefix("Value error, ")
                if not err["loc"]:  # a rule across columns (residual rating)
                    problems.append(f"{path}:{line}: risk {record.get('id') or '?'}: {message}")
                    continue
                column = format_loc(tuple(err["loc"][:1]))
                found = record.get(str(err["loc"][0]), "") if err["loc"] else ""
                ident = record.get("id") or "?"
                problems.append(f"{path}:{line}: risk {ident}: column {column}: {message}; found {found!r}")
            continue
        if risk.id in first_line:
            problems.append(
                f"{path}:{line}: duplicate risk id {risk.id} (first on line {first_line[risk.id]})"
            )
            continue
        first_line[risk.id] = line
        risks.append(risk)
    if problems:
        raise InputError(
            f"{path}: the risk register is not valid ({len(problems)} problem(s))", details=problems
        )
    return RiskRegister(path=path, risks=risks)
