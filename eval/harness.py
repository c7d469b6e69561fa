"""Run every scorer over a document set; a failed scorer is a finding, never a crash."""

from __future__ import annotations

from collections import Counter

from eval.docset import DocumentSet
from eval.result import CheckResult, Report
from eval.scorers import SCORERS

STATUSES = ("implemented", "partial", "planned", "not_implemented")


def evaluate(ds: DocumentSet) -> Report:
    checks: list[CheckResult] = []
    for scorer in SCORERS:
        name = (scorer.__module__ or "").rsplit(".", 1)[-1].replace("_", "-")
        try:
            checks.append(scorer(ds))
        except Exception as exc:  # noqa: BLE001 - a scorer bug must not hide the other results
            checks.append(CheckResult(name, False, 0.0, [f"{name}: the check itself failed ({exc!r})"]))
    return Report(checks, coverage=coverage(ds))


def coverage(ds: DocumentSet) -> dict[str, dict[str, int]]:
    """Controls per theme by implementation status (and excluded), from soa.csv."""
    table: dict[str, dict[str, int]] = {}
    for row in ds.soa_rows or []:
        theme = row.get("theme", "unknown")
        status = "excluded" if row.get("applicable") == "no" else row.get("implementation_status", "unknown")
        table.setdefault(theme, Counter())[status] += 1  # type: ignore[index]
    return {theme: dict(counts) for theme, counts in table.items()}
