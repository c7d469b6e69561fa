"""Blocks of the clause 4-10 records: audit schedule and results, management review, objectives,
measurement, competence, the operational calendar, the nonconformity register. Each shows what the
organisation's data gives and marks what is not yet known as to be recorded."""

from __future__ import annotations

from datetime import date

from assistant.documents.markdown import add_months
from assistant.drafting.blocks import BlockContext, acceptance_threshold, short_name, table
from assistant.ids import ROLE_LABELS


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
                short_name(pr.vulnerability_scanning),
                due,
                f"scanner and ticket records, {review}",
            ]
        )
    rows.append(
        [
            "Keep access limited to need",
            f"every user access review completed every {pr.access_review_months} months",
            roles.security_lead.name,
            short_name(tech.identity.provider),
            due,
            f"review sign-offs, {review}",
        ]
    )
    rows.append(
        [
            "Security-aware staff",
            f"every member of staff completes awareness training every {people.training_cadence_months} months",
            roles.holder("hr_lead").name,
            short_name(people.training_platform or "the training platform"),
            due,
            f"training records, {review}",
        ]
    )
    rows.append(
        [
            "Recoverable services",
            "every scheduled restore test succeeds",
            roles.holder("it_lead").name,
            short_name(tech.backup.tool),
            due,
            f"restore test records, {review}",
        ]
    )
    if ctx.register is not None:
        above = len(ctx.register.above(acceptance_threshold(ctx)))
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
            short_name(ctx.profile.people.training_platform or "training records"),
            at_review,
            roles.holder("hr_lead").name,
        ],
        ["Suspected incidents reported in time", "incident records", at_review, roles.security_lead.name],
        ["Restore tests passed", short_name(tech.backup.tool), at_review, roles.holder("it_lead").name],
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
        rows.append(["Restore test", roles.holder("it_lead").name, short_name(p.technology.backup.tested)])
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
    # Everyone who holds an ISMS role is invited, each person once: presenters and auditors included.
    holders = {p.name: p for p in ctx.profile.roles.people().values()}
    rows = [[p.name, p.title, "invited"] for p in holders.values()]
    people = ctx.profile.roles.people()
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
        above = len(ctx.register.above(acceptance_threshold(ctx)))
        rows.append(
            [
                "Risk assessment results and risk treatment plan status",
                f"Risk Assessment Report ({len(ctx.register.risks)} risks, {above} above the acceptance threshold) "
                "and Risk Treatment Plan",
                roles.isms_owner.name,
            ]
        )
    return table(["Input", "Source", "Presented by"], rows)
