"""document-control: complete front matter, a review date after the effective date, valid version/status."""

from __future__ import annotations

import re
from datetime import date

from assistant.documents.markdown import FRONT_MATTER_FIELDS
from eval.docset import DocumentSet
from eval.result import CheckResult, result

STATUSES = {"draft", "in_review", "changes_requested", "approved"}
VERSION = re.compile(r"^\d+\.\d+$")


def _date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def check(ds: DocumentSet) -> CheckResult:
    findings: list[str] = [f"{d}: {reason}" for d, reason in ds.unreadable.items()]
    levels = ds.profile.document_control.classification_levels
    for doc_id, doc in sorted(ds.documents.items()):
        meta = doc.meta
        for key in FRONT_MATTER_FIELDS:
            if key not in meta or meta[key] in (None, ""):
                findings.append(f"{doc_id}: front matter field '{key}' is missing or empty")
        if meta.get("id") not in (None, doc_id):
            findings.append(f"{doc_id}: front matter id {meta.get('id')!r} does not match the file name")
        if "version" in meta and not VERSION.match(str(meta["version"])):
            findings.append(f"{doc_id}: version {meta['version']!r} is not of the form 1.2")
        if "status" in meta and meta["status"] not in STATUSES:
            findings.append(
                f"{doc_id}: status {meta['status']!r} is not one of {', '.join(sorted(STATUSES))}"
            )
        if meta.get("classification") and meta["classification"] not in levels:
            findings.append(
                f"{doc_id}: classification {meta['classification']!r} is not one of {', '.join(levels)}"
            )
        effective, review = _date(meta.get("effective_date")), _date(meta.get("next_review"))
        if "effective_date" in meta and effective is None:
            findings.append(f"{doc_id}: effective_date {meta.get('effective_date')!r} is not a date")
        if "next_review" in meta and review is None:
            findings.append(f"{doc_id}: next_review {meta.get('next_review')!r} is not a date")
        if effective and review and review <= effective:
            findings.append(f"{doc_id}: next_review {review} is not after effective_date {effective}")
    return result("document-control", findings, max(1, len(ds.documents) * 4))
