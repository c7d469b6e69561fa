"""consistency: every quantitative fact a document states agrees with the organisation's profile
(reporting and notification times per party, review and test cadences per area, retention periods, patch
deadlines per severity, recovery objectives, training cycles, MFA), tables and annex included; a number
of a kind the profile does not give is a finding too. Review cycles agree with the document register."""

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
        for unit in ds.units(doc_id):
            for problem in factcheck.unit_contradictions(unit):
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
