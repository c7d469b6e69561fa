"""dates (gating): planned dates (audits, reviews, objectives, treatment actions) fall on or after the
document's effective date and within its planning horizon; nothing recorded as done is dated in the
future."""

from __future__ import annotations

import re
from datetime import date

from assistant.documents.markdown import add_months
from assistant.documents.segments import Unit
from assistant.drafting.factcheck import clip
from eval.datespans import Span, find_dates
from eval.docset import DocumentSet
from eval.result import CheckResult, result

DATE_COLUMN = re.compile(r"date|when|due|planned|quarter|deadline|next|schedul", re.I)
PLANNING = re.compile(
    r"\b(?:plan(?:ned)?|schedul\w*|due|by|will|next|target|deadline|until|to be (?:held|completed)|is to|"
    r"are to|starting|begins?|from|no later than|on or before)\b",
    re.I,
)
DONE = re.compile(
    r"(?<!to be )(?<!be )\b(?:completed|done|closed|held on|took place|carried out on|issued on|signed on)\b",
    re.I,
)


STATUS_COLUMN = re.compile(r"status|result|held|done|outcome|closed", re.I)


def _planned(unit: Unit) -> list[Span]:
    """Dates the unit plans: a date column of a table row, or a date in a sentence about a plan."""
    if unit.kind == "row":
        spans: list[Span] = []
        for column, cell in zip(unit.header, unit.cells, strict=False):
            if DATE_COLUMN.search(column):
                spans.extend(find_dates(cell))
        return spans
    return find_dates(unit.text) if PLANNING.search(unit.text) else []


def _done(unit: Unit) -> bool:
    """A sentence that reports something done; a row whose status or result column says so."""
    if unit.kind != "row":
        return bool(DONE.search(unit.text))
    return any(
        DONE.search(cell)
        for column, cell in zip(unit.header, unit.cells, strict=False)
        if STATUS_COLUMN.search(column)
    )


def input_dates(ds: DocumentSet) -> set[date]:
    """Dates the organisation set itself (objectives' due dates, treatment actions' due dates): a document
    may carry them beyond its own cycle."""
    found = {o.due for o in ds.profile.objectives}
    found |= {r.next_due for r in ds.profile.recurring if r.next_due is not None}
    if ds.register is not None:
        found |= {r.due for r in ds.register.risks if r.due is not None}
    return found


def check(ds: DocumentSet) -> CheckResult:
    findings: list[str] = []
    checked = 0
    given = input_dates(ds)
    for doc_id in sorted(ds.documents):
        effective = ds.effective_date(doc_id)
        if effective is None:
            continue  # document-control reports a missing or unreadable effective date
        spec = ds.corpus.documents.get(doc_id)
        horizon = spec.planning_horizon_months if spec else 12
        limit = add_months(effective, horizon)
        for unit in ds.units(doc_id):
            done = _done(unit)
            for span in _planned(unit) if not done else []:
                checked += 1
                if span.end < effective:
                    findings.append(
                        f"{doc_id}: plans {span.text}, before the document's effective date {effective}: "
                        f'"{clip(unit.text)}"'
                    )
                elif span.start > limit and not (span.start == span.end and span.start in given):
                    findings.append(
                        f"{doc_id}: plans {span.text}, beyond its {horizon}-month cycle (to {limit}): "
                        f'"{clip(unit.text)}"'
                    )
            if done:
                for span in find_dates(unit.text):
                    checked += 1
                    if span.start > ds.today:
                        findings.append(
                            f"{doc_id}: records {span.text} as done, but that date has not come: "
                            f'"{clip(unit.text)}"'
                        )
    return result("dates", findings, max(1, checked), dates=checked)
