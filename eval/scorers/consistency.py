"""consistency: facts stated in several documents agree with each other and with the profile (review
cycles, MFA, retention periods, incident reporting and notification times, patch deadlines, training)."""

from __future__ import annotations

from datetime import date

from eval.docset import DocumentSet
from eval.result import CheckResult, result


def _months_between(start: date, end: date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month


def check(ds: DocumentSet) -> CheckResult:
    findings: list[str] = []
    factcheck = ds.factcheck
    for doc_id in sorted(ds.documents):
        for problem in factcheck.contradictions(ds.body(doc_id)):
            findings.append(f"{doc_id}: {problem}")
        spec = ds.corpus.documents.get(doc_id)
        meta = ds.documents[doc_id].meta
        try:
            effective = date.fromisoformat(str(meta.get("effective_date")))
            review = date.fromisoformat(str(meta.get("next_review")))
        except ValueError:
            continue  # document-control reports unreadable dates
        if spec is not None and _months_between(effective, review) != spec.review_cycle_months:
            findings.append(
                f"{doc_id}: review cycle is {_months_between(effective, review)} months in its front "
                f"matter but {spec.review_cycle_months} months in the document register"
            )
    return result("consistency", findings, max(1, len(ds.documents) * 2))
