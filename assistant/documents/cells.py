"""Spreadsheet safety for every CSV and XLSX we write: organisation text (risk titles, justifications,
owners) that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is never a live formula.

CSV: such a cell gets one leading `'` (OWASP, CSV injection) and `unescape_cell` takes it off on reading.
XLSX: such a cell is stored as a string (inline string, quote-prefixed), never as a formula."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # openpyxl loads numpy: the CSV writers and readers do not need it
    from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def unsafe_prefix(text: str) -> bool:
    """True when a spreadsheet could read `text` as a formula."""
    return text.startswith(FORMULA_STARTS)


def _quoted(text: str) -> bool:
    # Quotes already in front of a formula start are escaped too (`'=x` -> `''=x`): the round trip
    # `unescape_cell(safe_cell(t)) == t` then holds for every text.
    return unsafe_prefix(text.lstrip("'"))


def safe_cell(text: str) -> str:
    """A CSV cell: one `'` in front of text that a spreadsheet would evaluate."""
    return "'" + text if _quoted(text) else text


def unescape_cell(text: str) -> str:
    """The inverse of `safe_cell`: the one `'` it added, taken off; any other text unchanged."""
    return text[1:] if text.startswith("'") and _quoted(text) else text


def safe_row(values: Iterable[str]) -> list[str]:
    """A CSV row with every cell made safe."""
    return [safe_cell(v) for v in values]


def csv_text(header: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """A CSV file of our own (`\n` line ends, minimal quoting) with every cell made safe. A row with a
    carriage return in a cell is quoted in full: Python's csv writer leaves a lone `\r` unquoted when the
    line end is `\n`, and a reader would split the row there."""
    buffer = io.StringIO()
    plain = csv.writer(buffer, lineterminator="\n")
    quoted = csv.writer(buffer, lineterminator="\n", quoting=csv.QUOTE_ALL)
    plain.writerow(safe_row(header))
    for row in rows:
        cells = safe_row(row)
        (quoted if any("\r" in c for c in cells) else plain).writerow(cells)
    return buffer.getvalue()


def unescape_record(record: dict[str, Any]) -> dict[str, Any]:
    """A `csv.DictReader` row with every string cell unescaped (None, for a short row, stays None)."""
    return {k: unescape_cell(v) if isinstance(v, str) else v for k, v in record.items()}


def append_text_row(sheet: Worksheet, values: Iterable[Any]) -> None:
    """`sheet.append(values)`, with text that would be a formula stored as a (quote-prefixed) string."""
    from openpyxl.cell.cell import Cell

    row: list[Any] = []
    for value in values:
        if isinstance(value, str) and unsafe_prefix(value):
            cell = Cell(sheet, value=value)
            cell.data_type = "s"  # openpyxl makes text that starts with "=" a formula ("f")
            cell.quotePrefix = True  # Excel and LibreOffice keep it text when someone edits the cell
            value = cell
        row.append(value)
    sheet.append(row)
