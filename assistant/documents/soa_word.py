"""The Statement of Applicability in Word: a compact control table (one short row per control) that keeps
93 controls within about a dozen landscape pages, and the full justifications in an optional annex.

The Markdown document keeps every justification in its table (it is the source of truth and what the SoA
grid edits); only the Word rendering is compacted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SOA_ID = "statement-of-applicability"
COMPACT_HEADER = ["Control", "Title", "Applicable", "Reason", "Status", "Owner", "Documents"]
COMPACT_TEXT_SIZE = 18  # half-points: the control table in 9 pt
REASON_CHARS = 140  # about one line of the reason column on a landscape page

_PIPE = re.compile(r"(?<!\\)\|")
_SENTENCE = re.compile(r"(?<=[.;])\s+(?=[A-Z(])")


@dataclass(frozen=True)
class ControlRow:
    control: str  # "A.5.1"
    title: str
    applicable: str
    status: str
    justification: str


def _cells(line: str) -> list[str]:
    return [c.strip() for c in _PIPE.split(line.strip())[1:-1]]


def _is_rule(line: str) -> bool:
    return bool(re.fullmatch(r"\|?(\s*:?-{3,}:?\s*\|)+\s*:?-*:?\s*\|?", line.strip()))


def first_sentence(text: str, limit: int = REASON_CHARS) -> str:
    """The first sentence of `text`, cut at a word boundary with an ellipsis when it is longer than `limit`."""
    sentence = _SENTENCE.split(text.strip(), maxsplit=1)[0].strip()
    if len(sentence) <= limit:
        return sentence
    cut = sentence[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _reason(cells: dict[str, str]) -> str:
    """A row's one-line reason: what drives an applicable control, why an excluded one is out."""
    applicable = cells.get("applicable", "").strip().lower()
    drivers = cells.get("drivers", "").strip()
    if applicable == "no":
        why = re.sub(r"^excluded:\s*", "", cells.get("justification", ""), flags=re.IGNORECASE)
        return "Excluded: " + first_sentence(why)
    if drivers:
        return drivers
    return first_sentence(cells.get("justification", ""))


def compact_control_table(text: str) -> tuple[str, list[ControlRow]]:
    """`text` (the control table section) with its table in the compact columns, and the table's rows with
    their full justifications. Text without a control table comes back as it was, with no rows."""
    lines = text.splitlines()
    start = next((i for i, line in enumerate(lines) if re.match(r"^\|\s*Control\s*\|", line)), None)
    if start is None:
        return text, []
    header = [h.lower() for h in _cells(lines[start])]
    if "justification" not in header:
        return text, []
    end = start + 1
    while end < len(lines) and lines[end].lstrip().startswith("|"):
        end += 1
    out_rows: list[str] = []
    rows: list[ControlRow] = []
    for line in lines[start + 1 : end]:
        if _is_rule(line):
            continue
        cells = dict(zip(header, _cells(line), strict=False))
        control = cells.get("control", "").strip("[] ")
        rows.append(
            ControlRow(
                control, cells.get("title", ""), cells.get("applicable", ""), cells.get("status", ""),
                cells.get("justification", ""),
            )
        )  # fmt: skip
        compact = [
            control,  # A.5.1, not the citation tag [A.5.1]
            cells.get("title", ""),
            cells.get("applicable", ""),
            _reason(cells).replace("|", "\\|"),
            cells.get("status", ""),
            _short_owner(cells.get("owner", "")),
            cells.get("documents", ""),
        ]
        out_rows.append("| " + " | ".join(compact) + " |")
    table = ["| " + " | ".join(COMPACT_HEADER) + " |", "|" + "---|" * len(COMPACT_HEADER), *out_rows]
    return "\n".join([*lines[:start], *table, *lines[end:]]), rows


def _short_owner(owner: str) -> str:
    """ "Chief Operating Officer (Claire Whitfield)" -> "Claire Whitfield": the person, not the title."""
    found = re.fullmatch(r"\s*(.+?)\s*\(([^()]+)\)\s*", owner)
    if not found:
        return owner
    first, second = found.group(1), found.group(2)
    titled = re.compile(r"\b(officer|head|director|manager|lead|chief|owner|engineer|counsel)\b", re.I)
    return second if titled.search(first) and not titled.search(second) else first


def detail_paragraphs(rows: list[ControlRow]) -> list[tuple[str, str]]:
    """(lead, justification) per control for the annex of full justifications."""
    out = []
    for row in rows:
        state = "applicable" if row.applicable.lower() == "yes" else "excluded"
        status = f", {row.status}" if row.applicable.lower() == "yes" and row.status else ""
        out.append((f"{row.control} {row.title} ({state}{status}). ", row.justification))
    return out


__all__ = [
    "COMPACT_HEADER",
    "SOA_ID",
    "ControlRow",
    "compact_control_table",
    "detail_paragraphs",
    "first_sentence",
]
