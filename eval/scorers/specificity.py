"""specificity: no placeholders; the organisation and its facts appear where they belong; little
boilerplate repeated across documents."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

from assistant.drafting.validate import PLACEHOLDERS
from eval.docset import SOA_DOC, DocumentSet
from eval.result import CheckResult, result

# Share of a document's distinct sentences that stand word for word in at least one other document. A set
# drafted from a template and left generic is well above this; facts restated where they belong are not.
BOILERPLATE_DOCUMENTS = 2
MAX_REPEATED_SHARE = 0.30
GENERIC = {"Microsoft", "Google", "Amazon", "Apple", "The", "And", "With", "For", "All", "Cloud"}


def key_terms(value: str) -> list[str]:
    """The distinctive word of a tool name: 'Okta Workforce Identity' -> ['Okta'], 'Microsoft Entra ID' -> ['Entra']."""
    head = re.split(r"[(,;:]", value)[0]
    words = [w for w in re.findall(r"[A-Z0-9][\w-]{1,}", head) if w not in GENERIC]
    return words[:1] or [head.strip()]


Expectation = tuple[str, str, Callable[[DocumentSet], list[str]]]  # (document, what, acceptable strings)
EXPECTED: list[Expectation] = [
    (
        "access-control-policy",
        "the identity provider",
        lambda ds: key_terms(ds.profile.technology.identity.provider),
    ),
    (
        "access-control-policy",
        "the access review cadence",
        lambda ds: [f"{ds.profile.practices.reviews.user_access} months"],
    ),
    (
        "incident-management-procedure",
        "the incident reporting time",
        lambda ds: [f"{ds.profile.practices.incident_report_hours} hour"],
    ),
    (
        "backup-and-recovery-procedure",
        "the backup tool",
        lambda ds: key_terms(ds.profile.technology.backup.tool),
    ),
    ("supplier-security-policy", "a named supplier", lambda ds: [s.name for s in ds.profile.suppliers]),
    (
        "physical-security-policy",
        "an office or data centre",
        lambda ds: (
            [o.city for o in ds.profile.locations.offices]
            + [d.name for d in ds.profile.locations.data_centres]
        ),
    ),
    (
        "isms-scope",
        "the scope's locations",
        lambda ds: [o.city for o in ds.profile.locations.offices] + list(ds.profile.locations.cloud_regions),
    ),
    (
        "information-security-policy",
        "top management by name",
        lambda ds: [ds.profile.roles.top_management.name],
    ),
    (
        "remote-working-and-endpoint-policy",
        "the device management tool",
        lambda ds: key_terms(ds.profile.technology.endpoints.device_management),
    ),
    (
        "logging-and-monitoring-policy",
        "the logging tools",
        lambda ds: [t for tool in ds.profile.technology.logging_monitoring for t in key_terms(tool)],
    ),
    (
        "hr-security-policy",
        "the training cycle",
        lambda ds: [f"{ds.profile.people.training_cadence_months} months"],
    ),
    (
        "legal-and-regulatory-requirements-register",
        "the obligations",
        lambda ds: [o.name for o in ds.profile.obligations],
    ),
]


def _sentences(text: str) -> list[str]:
    prose = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("|"))
    parts = re.split(r"(?<=[.!?])\s+|\n+", prose)
    return [" ".join(p.lower().split()) for p in parts if len(p.split()) >= 8]


def repeated_share(ds: DocumentSet, documents: int = BOILERPLATE_DOCUMENTS) -> tuple[float, dict[str, float]]:
    """Share of sentences (8+ words, outside tables) that stand word for word in `documents` or more documents."""
    per_doc = {d: sorted(set(_sentences(ds.body(d)))) for d in ds.documents if d != SOA_DOC}
    seen = Counter(s for sentences in per_doc.values() for s in set(sentences))
    total = sum(len(s) for s in per_doc.values()) or 1
    repeated = sum(1 for sentences in per_doc.values() for s in sentences if seen[s] >= documents)
    by_doc = {
        d: (sum(1 for s in ss if seen[s] >= documents) / len(ss) if ss else 0.0) for d, ss in per_doc.items()
    }
    return repeated / total, by_doc


def check(ds: DocumentSet) -> CheckResult:
    findings: list[str] = []
    names = (ds.profile.identity.name, ds.profile.identity.legal_name)
    for doc_id in sorted(ds.documents):
        body = ds.body(doc_id)
        for pattern in PLACEHOLDERS:
            for match in sorted(set(pattern.findall(body))):
                findings.append(f"{doc_id}: placeholder {match!r}")
        if not any(n in body for n in names):
            findings.append(f"{doc_id}: never names the organisation ({names[0]})")
    for doc_id, what, values in EXPECTED:
        if doc_id in ds.documents:
            wanted = [v for v in values(ds) if v]
            body = ds.body(doc_id)
            if wanted and not any(v in body or v.replace(" ", "-") in body for v in wanted):
                findings.append(f"{doc_id}: does not state {what} ({', '.join(wanted[:3])})")
    for risk in ds.register.risks if ds.register else []:
        if "risk-assessment-report" in ds.documents and risk.id not in ds.body("risk-assessment-report"):
            findings.append(f"risk-assessment-report: {risk.id} from the register is not reported")
    share, by_doc = repeated_share(ds)
    if share > MAX_REPEATED_SHARE:
        worst = sorted(by_doc.items(), key=lambda kv: -kv[1])[:3]
        findings.append(
            f"documents: {share:.0%} of sentences are repeated across documents "
            f"(limit {MAX_REPEATED_SHARE:.0%}); most: " + ", ".join(f"{d} {s:.0%}" for d, s in worst)
        )
    checked = len(ds.documents) * 2 + len(EXPECTED) + 1
    return result("specificity", findings, checked, repeated_share=round(share, 4), limit=MAX_REPEATED_SHARE)
