"""soa.csv: the canonical Statement of Applicability, one row per Annex A control."""

from __future__ import annotations

import csv
from pathlib import Path

from assistant.documents.cells import csv_text, unescape_record
from assistant.documents.files import write_atomic
from assistant.drafting.models import Soa, SoaRow

COLUMNS = [
    "control_id",
    "title",
    "theme",
    "applicable",
    "justification",
    "drivers",
    "implementation_status",
    "owner",
    "documents",
    "evidence",
]


def row_values(row: SoaRow, separator: str = ";") -> list[str]:
    """One SoA row in the order of COLUMNS; list cells joined with `separator`."""
    return [
        row.control_id,
        row.title,
        row.theme,
        row.applicable,
        row.justification,
        separator.join(row.drivers),
        row.implementation_status,
        row.owner,
        separator.join(row.documents),
        row.evidence,
    ]


def soa_csv_text(soa: Soa) -> str:
    return csv_text(COLUMNS, (row_values(row) for row in soa.rows))  # no cell a spreadsheet would run


def write_soa_csv(path: Path, soa: Soa) -> None:
    write_atomic(path, soa_csv_text(soa))


def read_soa_csv(path: Path) -> list[SoaRow]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = (unescape_record(r) for r in csv.DictReader(handle))
        return [
            SoaRow(
                control_id=r["control_id"],
                title=r["title"],
                theme=r["theme"],
                applicable=r["applicable"],
                justification=r["justification"],
                drivers=[d for d in r["drivers"].split(";") if d],
                implementation_status=r["implementation_status"],
                owner=r["owner"],
                documents=[d for d in r["documents"].split(";") if d],
                evidence=r["evidence"],
            )
            for r in reader
        ]
