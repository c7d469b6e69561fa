"""Structured blocks (tables and lists) built from the organisation's data, for the sections that need them.

Each block is chosen by the document and the words of the section it belongs to, so a scope statement lists
the real boundaries and a risk report carries the real register.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from assistant.documents.markdown import add_months
from assistant.ids import ROLE_LABELS, ROLE_NAMES
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


def _person(ctx: BlockContext, role: str) -> str:
    """A role id as the person who holds it ("Daniel Okafor"); other owner names as written."""
    if role in ROLE_NAMES:
        return ctx.profile.roles.holder(role).name
    return role


def _short(text: str) -> str:
    """A tool's name without its description: "Linear" of "Linear (engineering requests)"."""
    for mark in (" (", ";", ",", ":", " - ", ". "):
        text = text.split(mark)[0]
    return text.strip()


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
    if ctx.register is None:
        return ""
    rows = [
        [
            r.id,
            r.title,
            _person(ctx, r.owner),
            str(r.likelihood),
            str(r.impact),
            str(r.score),
            "above" if r.score > _threshold(ctx) else "within",
            r.treatment,
        ]
        for r in sorted(ctx.register.risks, key=lambda r: (-r.score, r.id))
    ]
    return table(
        ["Risk", "Title", "Owner", "Likelihood", "Impact", "Score", "Acceptance criteria", "Treatment"], rows
    )


def treatment_table(ctx: BlockContext) -> str:
    """Every risk to treat, its actions (the controls it names and their status), owner and due date."""
    if ctx.register is None:
        return ""
    status = ctx.profile.implementation
    due = add_months(ctx.today, ctx.doc.planning_horizon_months // 2).isoformat()
    rows = []
    for r in sorted(ctx.register.risks, key=lambda r: (-r.score, r.id)):
        if r.treatment == "accept" and r.score <= _threshold(ctx):
            continue
        open_controls = [c for c in r.controls if status.get(c) != "implemented"]
        action = (
            "complete "
            + ", ".join(f"{c} ({status.get(c, 'not started').replace('_', ' ')})" for c in open_controls)
            if open_controls
            else "keep " + ", ".join(r.controls) + " operating"
            if r.controls
            else "to be decided by the owner"
        )
        when = due if open_controls else "in operation"
        rows.append([f"{r.id} {r.title}", str(r.score), r.treatment, action, _person(ctx, r.owner), when])
    return table(["Risk", "Score", "Treatment", "Action", "Owner", "Due date"], rows)


def accepted_table(ctx: BlockContext) -> str:
    if ctx.register is None:
        return ""
    rows = [
        [
            r.id,
            r.title,
            str(r.score),
            _person(ctx, r.owner),
            r.accepted_by or "to be signed by the risk owner",
        ]
        for r in ctx.register.risks
        if r.treatment == "accept"
    ]
    if not rows:
        return "No risk is retained without treatment."
    return table(["Risk", "Title", "Score", "Risk owner", "Accepted by"], rows)


def roles_table(ctx: BlockContext) -> str:
    rows = [[ROLE_LABELS[role], p.name, p.title] for role, p in ctx.profile.roles.people().items()]
    return table(["Role", "Holder", "Title"], rows)


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
        [o.name, o.kind, o.summary, ", ".join(o.controls) or "see the Statement of Applicability"]
        for o in ctx.profile.obligations
        if not kinds or o.kind in kinds
    ]
    if not rows:
        return f"{ctx.profile.identity.name} has recorded no {' or '.join(kinds)} requirements of this kind."
    return table(["Requirement", "Kind", "What it requires", "Controls"], rows)


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
            d.title,
            "required by ISO/IEC 27001" if d.mandatory else "determined by the organisation",
            _person(ctx, d.owner_role),
            f"{d.review_cycle_months} months",
        ]
        for d in docs
    ]
    return table(["Document", "Type", "Owner", "Review cycle"], rows)


def topic_policies(ctx: BlockContext) -> str:
    docs = sorted((d for d in ctx.corpus.documents.values() if not d.mandatory), key=lambda d: d.title)
    rows = [[d.title, _person(ctx, d.owner_role), f"{d.review_cycle_months} months"] for d in docs]
    return table(["Policy or procedure", "Owner", "Review cycle"], rows)


def competence_table(ctx: BlockContext) -> str:
    months = ctx.profile.people.training_cadence_months
    rows = [
        [
            f"{ROLE_LABELS[role]} ({p.title})",
            p.name,
            _competence_for(role),
            f"security awareness every {months} months; evidence of competence to be recorded",
        ]
        for role, p in ctx.profile.roles.people().items()
    ]
    return table(["Role", "Person", "Competence required", "Evidence held"], rows)


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
    """Objectives drawn from the profile's own commitments; due within the document's cycle."""
    pr, people, tech = ctx.profile.practices, ctx.profile.people, ctx.profile.technology
    roles = ctx.profile.roles
    due = add_months(ctx.today, ctx.doc.planning_horizon_months).isoformat()
    review = "reported at each management review"
    rows = []
    if "critical" in pr.patch_days:
        rows.append(
            [
                "Fix critical vulnerabilities on time",
                f"every critical finding fixed within {pr.patch_days['critical']} days",
                roles.security_lead.name,
                _short(pr.vulnerability_scanning),
                due,
                f"scanner and ticket records, {review}",
            ]
        )
    rows.append(
        [
            "Keep access limited to need",
            f"every user access review completed every {pr.access_review_months} months",
            roles.security_lead.name,
            _short(tech.identity.provider),
            due,
            f"review sign-offs, {review}",
        ]
    )
    rows.append(
        [
            "Security-aware staff",
            f"every member of staff completes awareness training every {people.training_cadence_months} months",
            roles.holder("hr_lead").name,
            _short(people.training_platform or "the training platform"),
            due,
            f"training records, {review}",
        ]
    )
    rows.append(
        [
            "Recoverable services",
            "every scheduled restore test succeeds",
            roles.holder("it_lead").name,
            _short(tech.backup.tool),
            due,
            f"restore test records, {review}",
        ]
    )
    if ctx.register is not None:
        above = len(ctx.register.above(_threshold(ctx)))
        rows.append(
            [
                "Bring risks within the acceptance criteria",
                f"each of the {above} risks above the threshold treated as the risk treatment plan sets out",
                roles.isms_owner.name,
                "the risk owners' time and budget",
                due,
                f"risk treatment plan status, {review}",
            ]
        )
    return table(["Objective", "Target", "Owner", "Resources", "Due date", "How measured"], rows)


def metrics_table(ctx: BlockContext) -> str:
    pr, tech, roles = ctx.profile.practices, ctx.profile.technology, ctx.profile.roles
    at_review = "for each management review"
    rows = [
        [
            "Critical vulnerabilities fixed on time",
            "scanner findings and tickets",
            at_review,
            roles.security_lead.name,
        ],
        [
            "User access reviews completed",
            "review sign-offs",
            f"every {pr.access_review_months} months",
            roles.security_lead.name,
        ],
        [
            "Awareness training completed",
            _short(ctx.profile.people.training_platform or "training records"),
            at_review,
            roles.holder("hr_lead").name,
        ],
        ["Suspected incidents reported in time", "incident records", at_review, roles.security_lead.name],
        ["Restore tests passed", _short(tech.backup.tool), at_review, roles.holder("it_lead").name],
    ]
    return table(["Measure", "Method", "Frequency", "Owner"], rows) + (
        "\n\n"
        + table(
            ["Measure", "Result for the period", "Analysed by"],
            [[r[0], "to be recorded", roles.isms_owner.name] for r in rows],
        )
    )


def audit_schedule(ctx: BlockContext) -> str:
    """Four audits covering clauses 4 to 10 and all of Annex A, one a quarter from the next quarter on,
    each led by someone independent of the area (the legal lead; the finance lead where the legal lead has
    a part)."""
    start = add_months(date(ctx.today.year, (ctx.today.month - 1) // 3 * 3 + 1, 1), 3)
    roles = ctx.profile.roles
    lead, second = roles.legal_lead, roles.finance_lead
    independent = f"an auditor independent of the area, appointed by {roles.isms_owner.name}"
    lead_name = lead.name if lead is not None else independent
    # The legal lead does not audit compliance (A.5.31 to A.5.36) or the audit process (9.2) they run.
    other = second.name if second is not None else independent
    scopes = [
        ("Context, leadership and risk", "Clauses 4 to 6; A.5.1 to A.5.14", lead_name),
        (
            "Support and operation",
            "Clauses 7 and 8; A.5.15 to A.5.37, A.6.1 to A.6.8",
            f"{lead_name}; A.5.31 to A.5.36: {other}" if lead is not None else lead_name,
        ),
        ("Physical and technological controls", "Clause 9.1; A.7.1 to A.7.14, A.8.1 to A.8.17", lead_name),
        ("Review and improvement", "Clauses 9.2, 9.3 and 10; A.8.18 to A.8.34", other),
    ]
    rows = []
    for i, (name, scope, auditor) in enumerate(scopes):
        quarter = add_months(start, 3 * i)
        rows.append([name, scope, auditor, f"Q{(quarter.month - 1) // 3 + 1} {quarter.year}"])
    return table(["Audit", "Scope", "Auditor", "Planned quarter"], rows)


def audit_results(ctx: BlockContext) -> str:
    names = ["Context, leadership and risk", "Support and operation", "Physical and technological controls"]
    names.append("Review and improvement")
    return table(
        ["Audit", "Date held", "Auditor", "Findings"],
        [[name, "to be recorded", "to be recorded", "to be recorded after the audit"] for name in names],
    )


def review_decisions(ctx: BlockContext) -> str:
    return table(
        ["Decision or action", "Owner", "Due date"],
        [["to be recorded at the meeting", "to be recorded at the meeting", "to be recorded at the meeting"]],
    )


def operations_calendar(ctx: BlockContext) -> str:
    """The recurring activities whose cadence the profile gives, with their owners."""
    p, roles = ctx.profile, ctx.profile.roles
    pr = p.practices
    rows = [
        ["User access review", roles.security_lead.name, f"every {pr.access_review_months} months"],
        ["Risk reassessment", roles.isms_owner.name, f"every {p.risk_criteria.review_months} months"],
        [
            "Security awareness training",
            roles.holder("hr_lead").name,
            f"every {p.people.training_cadence_months} months",
        ],
        [
            "Independent penetration test",
            roles.security_lead.name,
            f"every {pr.penetration_test_months} months",
        ],
        [
            "Internal audit",
            roles.isms_owner.name,
            "one audit a quarter, as the Internal Audit Programme plans",
        ],
        [
            "Document review",
            "each document's owner",
            f"every {p.document_control.review_cycle_months} months",
        ],
    ]
    if p.technology.backup.tested:
        rows.append(["Restore test", roles.holder("it_lead").name, _short(p.technology.backup.tested)])
    latest = add_months(ctx.today, 12).isoformat()
    rows.append(["Management review", roles.top_management.name, f"no later than {latest}"])
    return table(["Activity", "Owner", "When"], rows)


def nonconformity_columns(ctx: BlockContext) -> str:
    return table(
        [
            "Ref",
            "Date raised",
            "Source",
            "Nonconformity",
            "Correction and corrective action",
            "Owner",
            "Due date",
            "Status",
        ],
        [
            [
                "none yet",
                "-",
                "-",
                "no nonconformity recorded yet",
                "-",
                ctx.profile.roles.isms_owner.name,
                "-",
                "-",
            ]
        ],
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
    rows = [[people[r].name, people[r].title, "invited"] for r in wanted if r in people]
    latest = add_months(ctx.today, ctx.doc.planning_horizon_months).isoformat()
    when = table(
        ["Item", "Detail"],
        [
            ["Planned", f"no later than {latest}"],
            ["Chair", f"{people['top_management'].name} ({people['top_management'].title})"],
            ["Attendance and apologies", "to be completed at the meeting"],
        ],
    )
    return when + "\n\n" + table(["Invited", "Title", "Attendance"], rows)


def review_inputs(ctx: BlockContext) -> str:
    """The 9.3.2 performance inputs, where each comes from and who presents it."""
    roles = ctx.profile.roles
    rows = [
        [
            "Nonconformities and corrective actions",
            "Nonconformity and Corrective Action Register",
            roles.isms_owner.name,
        ],
        ["Monitoring and measurement results", "Monitoring and Measurement Report", roles.security_lead.name],
        ["Audit results", "Internal Audit Programme and Results", roles.isms_owner.name],
        [
            "Fulfilment of information security objectives",
            "Information Security Objectives",
            roles.isms_owner.name,
        ],
    ]
    if ctx.register is not None:
        above = len(ctx.register.above(_threshold(ctx)))
        rows.append(
            [
                "Risk assessment results and risk treatment plan status",
                f"Risk Assessment Report ({len(ctx.register.risks)} risks, {above} above the acceptance threshold) "
                "and Risk Treatment Plan",
                roles.isms_owner.name,
            ]
        )
    return table(["Input", "Source", "Presented by"], rows)


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


def _legal(ctx: BlockContext) -> str:
    return obligations_table(ctx, kinds=("legal", "regulatory"))


def _contractual(ctx: BlockContext) -> str:
    return obligations_table(ctx, kinds=("contractual", "business"))


# Blocks by the name a catalogue section gives under `blocks:`. A block with no data to show returns "".
BLOCKS: dict[str, Callable[[BlockContext], str]] = {
    "likelihood_impact_scales": scales,
    "risk_register_extract": risk_table,
    "treatment_actions": treatment_table,
    "accepted_risks": accepted_table,
    "role_table": roles_table,
    "topic_policies": topic_policies,
    "scope_boundaries": boundaries,
    "scope_interfaces": interfaces,
    "scope_exclusions": exclusions,
    "interested_parties": obligations_table,
    "legal_obligations": _legal,
    "contractual_obligations": _contractual,
    "supplier_register": suppliers_table,
    "document_register": document_register,
    "competence_table": competence_table,
    "objectives_table": objectives_table,
    "measurement_table": metrics_table,
    "audit_schedule": audit_schedule,
    "audit_results": audit_results,
    "review_decisions": review_decisions,
    "operations_calendar": operations_calendar,
    "nonconformity_register": nonconformity_columns,
    "review_attendees": attendees,
    "review_inputs": review_inputs,
    "asset_classes": asset_classes,
}


def blocks_for(ctx: BlockContext) -> list[str]:
    """The blocks the catalogue section declares, rendered from the organisation's data."""
    return [text for name in ctx.section.blocks if (text := BLOCKS[name](ctx).strip())]
