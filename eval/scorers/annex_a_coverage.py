"""annex-a-coverage: every applicable control is addressed by a policy or procedure in the set."""

from __future__ import annotations

from assistant.drafting.validate import cited_ids
from eval.docset import DocumentSet
from eval.result import CheckResult, result


def applicable_controls(ds: DocumentSet) -> list[str]:
    """From soa.csv when present, else every control the scope does not exclude."""
    if ds.soa_rows:
        return [r.get("control_id", "") for r in ds.soa_rows if r.get("applicable") == "yes"]
    excluded = {e.control for e in ds.profile.scope.exclusions}
    return [c for c in ds.corpus.controls if c not in excluded]


def addressed(ds: DocumentSet) -> dict[str, list[str]]:
    where: dict[str, list[str]] = {}
    for doc_id, doc in ds.policies().items():
        ids = {str(c) for c in doc.meta.get("controls") or []} | cited_ids(ds.body(doc_id))
        for cid in ids:
            where.setdefault(cid, []).append(doc_id)
    return where


def check(ds: DocumentSet) -> CheckResult:
    wanted = applicable_controls(ds)
    where = addressed(ds)
    findings = [
        f"{cid}: applicable but no policy or procedure in the set addresses it"
        for cid in wanted
        if cid in ds.corpus.controls and not where.get(cid)
    ]
    return result(
        "annex-a-coverage",
        findings,
        len(wanted),
        applicable=len(wanted),
        addressed=len(wanted) - len(findings),
    )
