"""Structured blocks (tables and lists) built from the organisation's data, for the sections that need them.

Each block is chosen by the document and the words of the section it belongs to, so a scope statement lists
the real boundaries and a risk report carries the real register.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from assistant.inputs.profile import Profile
from assistant.inputs.risks import RiskRegister
from assistant.knowledge.loader import Corpus
from assistant.knowledge.models import DocumentSpec, Section


@dataclass(frozen=True)
class BlockContext:
    corpus: Corpus
    profile: Profile
    register: RiskRegister | None
    doc: DocumentSpec
    section: Section
    today: date

    @property
    def words(self) -> str:
        return f"{self.section.heading} {self.section.establishes}".lower()

    @property
    def heading(self) -> str:
        return self.section.heading.lower()


def table(header: list[str], rows: list[list[str]]) -> str:
    def cell(value: str) -> str:
        return value.replace("|", "/").replace("\n", " ").strip()

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def _threshold(ctx: BlockContext) -> int:
    return ctx.profile.risk_criteria.acceptance_threshold


def scales(ctx: BlockContext) -> str:
    rc = ctx.profile.risk_criteria
    rows = [[str(level), rc.likelihood_scale[level], rc.impact_scale[level]] for level in range(1, 6)]
    return (
        table(["Level", "Likelihood", "Impact"], rows)
        + f"\n\nRisk score = likelihood x impact (1 to 25). Scores above {rc.acceptance_threshold} exceed "
        f"the acceptance criteria and must be treated; scores of {rc.acceptance_threshold} or less may be "
        f"accepted by the risk owner. Every risk is reassessed at least every {rc.review_months} months."
    )


def risk_table(ctx: BlockContext) -> str:
    assert ctx.register is not None
    rows = [
        [
            r.id,
            r.title,
            r.owner,
            str(r.likelihood),
            str(r.impact),
            str(r.score),
            "above" if r.score > _threshold(ctx) else "within",
            r.treatment,
        ]
        for r in sorted(ctx.register.risks, key=lambda r: (-r.score, r.id))
    ]
    return table(["Risk", "Title", "Owner", "L", "I", "Score", "Acceptance criteria", "Treatment"], rows)


def treatment_table(ctx: BlockContext) -> str:
    assert ctx.register is not None
    status = ctx.profile.implementation
    rows = []
    for r in sorted(ctx.register.risks, key=lambda r: (-r.score, r.id)):
        if r.treatment == "accept" and r.score <= _threshold(ctx):
            continue
        controls = (
            ", ".join(f"{c} ({status.get(c, 'planned').replace('_', ' ')})" for c in r.controls) or "none"
        )
        rows.append([r.id, r.title, str(r.score), r.treatment, controls, r.owner])
    return table(["Risk", "Title", "Score", "Treatment", "Controls (status)", "Owner"], rows)


def accepted_table(ctx: BlockContext) -> str:
    assert ctx.register is not None
    rows = [[r.id, r.title, str(r.score), r.owner] for r in ctx.register.risks if r.treatment == "accept"]
    if not rows:
        return "No risk is currently retained without treatment."
    return "Risks retained (accepted) by their owners:\n\n" + table(["Risk", "Title", "Score", "Owner"], rows)


def roles_table(ctx: BlockContext) -> str:
    rows = [[role.replace("_", " "), p.name, p.title] for role, p in ctx.profile.roles.people().items()]
    return (
        table(["Role", "Holder", "Title"], rows)
        + f"\n\nDocuments are approved by {', '.join(ctx.profile.roles.approvers)}."
    )


def boundaries(ctx: BlockContext) -> str:
    s = ctx.profile.scope
    parts = [("Organisational", s.organisational), ("Physical", s.physical), ("Technology", s.technology)]
    return "\n".join(f"- **{label}:** " + "; ".join(items) for label, items in parts)


def interfaces(ctx: BlockContext) -> str:
    items = ctx.profile.scope.interfaces or [f"{s.name}: {s.service}" for s in ctx.profile.suppliers]
    return "\n".join(f"- {item}" for item in items)


def exclusions(ctx: BlockContext) -> str:
    excluded = ctx.profile.scope.exclusions
    if not excluded:
        return "No Annex A control is excluded from the scope."
    titles = {c.id: c.title for c in ctx.corpus.controls.values()}
    return "\n".join(f"- **{e.control} {titles.get(e.control, '')}:** {e.justification}" for e in excluded)


def obligations_table(ctx: BlockContext, kinds: tuple[str, ...] = ()) -> str:
    rows = [
        [o.driver_tag, o.name, o.kind, o.summary, ", ".join(o.controls) or "see the SoA"]
        for o in ctx.profile.obligations
        if not kinds or o.kind in kinds
    ]
    if not rows:
        return f"{ctx.profile.identity.name} has recorded no {' or '.join(kinds)} requirements of this kind."
    return table(["Tag", "Requirement", "Kind", "What it requires", "Controls"], rows)


def suppliers_table(ctx: BlockContext) -> str:
    rows = [
        [
            s.name,
            s.service,
            s.criticality,
            ", ".join(s.data_shared) or "none",
            ", ".join(s.assurance) or "none",
        ]
        for s in ctx.profile.suppliers
    ]
    return table(["Supplier", "Service", "Criticality", "Data shared", "Assurance held"], rows)


def document_register(ctx: BlockContext) -> str:
    docs = sorted(ctx.corpus.documents.values(), key=lambda d: (not d.mandatory, d.title))
    rows = [
        [
            d.id,
            d.title,
            "mandatory" if d.mandatory else "supporting",
            d.owner_role.replace("_", " "),
            f"{d.review_cycle_months} months",
        ]
        for d in docs
    ]
    return table(["Id", "Document", "Type", "Owner", "Review"], rows)


def topic_policies(ctx: BlockContext) -> str:
    docs = sorted((d for d in ctx.corpus.documents.values() if not d.mandatory), key=lambda d: d.title)
    return "\n".join(
        f"- {d.title} (`{d.id}`), owned by the {d.owner_role.replace('_', ' ')}, reviewed every "
        f"{d.review_cycle_months} months"
        for d in docs
    )


def competence_table(ctx: BlockContext) -> str:
    months = ctx.profile.people.training_cadence_months
    rows = [
        [role.replace("_", " "), p.name, _competence_for(role), f"awareness every {months} months"]
        for role, p in ctx.profile.roles.people().items()
    ]
    return table(["Role", "Person", "Competence required", "Training"], rows)


def _competence_for(role: str) -> str:
    return {
        "top_management": "ISMS leadership, risk acceptance, management review",
        "isms_owner": "ISO/IEC 27001 implementation, internal audit coordination",
        "security_lead": "security operations, incident handling, risk assessment",
        "dpo": "data protection law, DPIAs, breach notification",
        "it_lead": "endpoint and identity administration, backup and recovery",
        "engineering_lead": "secure development, change management, cloud security",
        "hr_lead": "screening, onboarding and offboarding, disciplinary process",
        "facilities_lead": "physical access, visitor management, site safety",
        "legal_lead": "contracts, regulatory requirements, intellectual property",
        "finance_lead": "payment controls, supplier contracts, insurance",
    }.get(role, "information security responsibilities of the role")


def objectives_table(ctx: BlockContext) -> str:
    pr, people = ctx.profile.practices, ctx.profile.people
    roles = ctx.profile.roles
    rows = [
        [
            "Patch critical vulnerabilities quickly",
            f"critical patches within {pr.patch_days.get('critical', 14)} days",
            roles.security_lead.name,
            "monthly",
        ],
        [
            "Keep access to what people need",
            f"access reviews completed every {pr.access_review_months} months",
            roles.security_lead.name,
            f"every {pr.access_review_months} months",
        ],
        [
            "Security-aware workforce",
            f"100% of staff trained every {people.training_cadence_months} months",
            roles.holder("hr_lead").name,
            "quarterly",
        ],
        [
            "Prompt incident reporting",
            f"suspected incidents reported within {pr.incident_report_hours} hours",
            roles.security_lead.name,
            "per incident",
        ],
        [
            "Recoverable services",
            "every scheduled restore test passes",
            roles.holder("it_lead").name,
            "per test",
        ],
    ]
    if ctx.register is not None:
        above = len(ctx.register.above(_threshold(ctx)))
        rows.append(
            [
                "Reduce risks above appetite",
                f"{above} risks above the threshold today; each treated by its plan's due date",
                roles.isms_owner.name,
                "quarterly",
            ]
        )
    return table(["Objective", "Measure and target", "Owner", "Measured"], rows)


def metrics_table(ctx: BlockContext) -> str:
    pr = ctx.profile.practices
    rows = [
        [
            "Critical patch time",
            f"<= {pr.patch_days.get('critical', 14)} days",
            "vulnerability scans, tickets",
        ],
        ["Access review completion", f"every {pr.access_review_months} months", "review records"],
        ["Training completion", "100%", "training platform"],
        ["Incident reporting time", f"<= {pr.incident_report_hours} hours", "incident records"],
        ["Log retention", f"{pr.log_retention_days} days", "logging configuration"],
        ["Backup restore tests", "all passed", "restore test records"],
    ]
    return table(["Measure", "Target", "Source"], rows)


def audit_schedule(ctx: BlockContext) -> str:
    year = ctx.today.year
    quarters = [
        (f"Q1 {year}", "Clauses 4 to 6 (context, leadership, risk)", "A.5.1-A.5.14"),
        (f"Q2 {year}", "Clauses 7 and 8 (support, operation)", "A.5.15-A.5.37, A.6.1-A.6.8"),
        (f"Q3 {year}", "Clause 9.1 (monitoring and measurement)", "A.7.1-A.7.14, A.8.1-A.8.17"),
        (f"Q4 {year}", "Clauses 9.3 and 10 (review, improvement)", "A.8.18-A.8.34"),
    ]
    rows = [[q, clauses, controls, ctx.profile.roles.isms_owner.name] for q, clauses, controls in quarters]
    return table(["When", "Clauses", "Annex A controls", "Coordinator"], rows)


def nonconformity_columns(ctx: BlockContext) -> str:
    return table(
        [
            "Ref",
            "Date raised",
            "Source",
            "Description",
            "Root cause",
            "Correction",
            "Corrective action",
            "Owner",
            "Due",
            "Effectiveness check",
            "Status",
        ],
        [],
    )


def attendees(ctx: BlockContext) -> str:
    people = ctx.profile.roles.people()
    wanted = [
        "top_management",
        "isms_owner",
        "security_lead",
        "dpo",
        "it_lead",
        "engineering_lead",
        "hr_lead",
    ]
    return "\n".join(f"- {people[r].name}, {people[r].title}" for r in wanted if r in people)


def review_inputs(ctx: BlockContext) -> str:
    lines = []
    if ctx.register is not None:
        lines.append(
            f"- Risk register: {len(ctx.register.risks)} risks, "
            f"{len(ctx.register.above(_threshold(ctx)))} above the acceptance threshold."
        )
    status = ctx.profile.implementation
    if status:
        done = sum(1 for s in status.values() if s == "implemented")
        lines.append(f"- Annex A implementation: {done} of {len(status)} assessed controls implemented.")
    lines.append(f"- Obligations in force: {', '.join(o.name for o in ctx.profile.obligations)}.")
    lines.append(
        f"- Suppliers: {len(ctx.profile.suppliers)}, of which "
        f"{sum(1 for s in ctx.profile.suppliers if s.criticality in ('high', 'critical'))} high or critical."
    )
    return "\n".join(lines)


def asset_classes(ctx: BlockContext) -> str:
    t = ctx.profile.technology
    rows = [
        ["Endpoints", ", ".join(t.endpoints.operating_systems), t.endpoints.device_management],
        ["Cloud platforms", ", ".join(t.cloud_providers) or "none", "cloud account inventory"],
        [
            "Business applications",
            ", ".join(t.business_systems + t.email_collaboration),
            "application register",
        ],
    ]
    if t.code_hosting:
        rows.append(["Source code", t.code_hosting, "repository list"])
    return table(["Asset class", "What", "Inventory source"], rows)


Rule = tuple[Callable[[BlockContext], bool], Callable[[BlockContext], str]]


def _doc(*ids: str) -> Callable[[BlockContext], bool]:
    return lambda ctx: ctx.doc.id in ids


def _has_register(ctx: BlockContext) -> bool:
    return ctx.register is not None


RULES: list[Rule] = [
    (lambda c: "likelihood" in c.words and "scale" in c.words, scales),
    (
        lambda c: _has_register(c) and c.doc.id == "risk-assessment-report" and "result" in c.heading,
        risk_table,
    ),
    (
        lambda c: _has_register(c) and c.doc.id == "risk-treatment-plan" and "action" in c.heading,
        treatment_table,
    ),
    (
        lambda c: _has_register(c) and c.doc.id == "risk-treatment-plan" and "residual" in c.heading,
        accepted_table,
    ),
    (lambda c: "role" in c.heading and c.doc.id == "information-security-policy", roles_table),
    (lambda c: "topic-specific" in c.heading and c.doc.id == "information-security-policy", topic_policies),
    (lambda c: c.doc.id == "isms-scope" and "boundar" in c.heading, boundaries),
    (lambda c: c.doc.id == "isms-scope" and "interface" in c.heading, interfaces),
    (lambda c: c.doc.id == "isms-scope" and "exclusion" in c.heading, exclusions),
    (lambda c: c.doc.id == "isms-scope" and "interested" in c.heading, obligations_table),
    (
        lambda c: c.doc.id == "legal-and-regulatory-requirements-register" and "legal" in c.heading,
        lambda c: obligations_table(c, kinds=("legal", "regulatory")),
    ),
    (
        lambda c: c.doc.id == "legal-and-regulatory-requirements-register" and "contractual" in c.heading,
        lambda c: obligations_table(c, kinds=("contractual", "business")),
    ),
    (lambda c: c.doc.id == "supplier-security-policy" and "register" in c.heading, suppliers_table),
    (lambda c: c.doc.id == "documented-information-procedure" and "register" in c.heading, document_register),
    (lambda c: c.doc.id == "competence-records" and "requirements" in c.heading, competence_table),
    (
        lambda c: c.doc.id == "information-security-objectives" and "objectives for" in c.heading,
        objectives_table,
    ),
    (lambda c: c.doc.id == "monitoring-and-measurement-report" and "framework" in c.heading, metrics_table),
    (lambda c: c.doc.id == "internal-audit-programme" and c.heading == "audit programme", audit_schedule),
    (
        lambda c: c.doc.id == "nonconformity-and-corrective-action-register" and "field" in c.heading,
        nonconformity_columns,
    ),
    (lambda c: c.doc.id == "management-review-minutes" and "attend" in c.heading, attendees),
    (lambda c: c.doc.id == "management-review-minutes" and "performance" in c.heading, review_inputs),
    (lambda c: c.doc.id == "asset-management-policy" and "inventor" in c.heading, asset_classes),
]


def blocks_for(ctx: BlockContext) -> list[str]:
    return [render(ctx) for applies, render in RULES if applies(ctx)]
