"""register (gating): the share of sentences that instruct the writer, describe the document, give a
control's rationale, list evidence to keep or use internal codes. Limit: 2% of the set's sentences."""

from __future__ import annotations

from collections import Counter

from assistant.drafting.factcheck import clip
from eval.docset import DocumentSet
from eval.result import CheckResult

LIMIT = 0.02


def check(ds: DocumentSet) -> CheckResult:
    register = ds.register_rules
    findings: list[str] = []
    kinds: Counter[str] = Counter()
    per_doc: dict[str, float] = {}
    total = flagged = 0
    for doc_id in sorted(ds.documents):
        units = ds.units(doc_id)
        bad = 0
        for unit in units:
            kind = register.classify(unit)
            if kind:
                bad += 1
                kinds[kind.split(" (")[0].split(" '")[0]] += 1
                findings.append(f'{doc_id}: {kind}: "{clip(unit.text)}"')
        total += len(units)
        flagged += bad
        per_doc[doc_id] = round(bad / len(units), 3) if units else 0.0
    share = flagged / total if total else 0.0
    passed = share <= LIMIT
    if not passed:
        worst = sorted(per_doc.items(), key=lambda kv: -kv[1])[:3]
        findings.insert(
            0,
            f"documents: {share:.1%} of {total} sentences are not document text (limit {LIMIT:.0%}); "
            "most: " + ", ".join(f"{d} {s:.0%}" for d, s in worst),
        )
    return CheckResult(
        "register",
        passed,
        max(0.0, 1.0 - share),
        findings,
        {
            "share": round(share, 4),
            "limit": LIMIT,
            "sentences": total,
            "flagged": flagged,
            "by_kind": dict(kinds),
        },
    )
