"""Blocks of the clause 6 to 10 records: competence and awareness, objectives, measurement, the ISMS calendar,
the risk owners' sign-off and the nonconformity register. Each shows what the organisation's data gives and
marks what is not yet known as to be recorded; dates are planned from the day the set is generated."""

from __future__ import annotations

import re

from assistant.documents.markdown import add_months
from assistant.drafting.blocks import (
    BlockContext,
    acceptance_threshold,
    every_months,
    person,
    short_name,
    table,
)
from assistant.drafting.statements import unbracket
from assistant.inputs.profile import Person

ROLE_COMPETENCE = {
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
}
ROLE_EVIDENCE = {
    "top_management": "ISMS leadership briefing record; management review minutes",
    "isms_owner": "ISO/IEC 27001 implementer or lead auditor course certificate, or a record of equivalent experience",
    "security_lead": "security qualification or a record of equivalent experience; incident exercise records",
    "dpo": "data protection qualification or a record of equivalent experience",
    "it_lead": "administrator training or certification for the managed platforms",
    "engineering_lead": "secure development and cloud security training records",
    "hr_lead": "screening and employment-law training records",
    "facilities_lead": "site security and access-control training records",
    "legal_lead": "professional qualification; regulatory update training records",
    "finance_lead": "professional qualification; payment fraud awareness training",
}


# A control measure is left out when an objective already measures the same thing.
COVERED_BY_OBJECTIVE = {
    "A.8.8": ("vulnerab", "patch"),
    "A.5.18": ("user access review", "access review"),
    "A.6.3": ("awareness", "training"),
    "A.5.24": ("incidents reported", "report suspected"),
    "A.8.13": ("restore",),
    "A.8.2": ("privileged access",),
    "A.5.22": ("supplier review", "suppliers reviewed", "supplier assurance"),
}


def _hr_system(ctx: BlockContext) -> str:
    for system in ctx.profile.technology.business_systems:
        if any(word in system for word in ("HR", "HRIS", "Personio", "HiBob", "Workday", "BambooHR")):
            return short_name(system)
    return "the personnel files"


def _training_platform(ctx: BlockContext) -> str:
    return short_name(ctx.profile.people.training_platform or "the training records")


def _competence_for(role: str, label: str, title: str = "") -> str:
    if role == "engineering_lead" and re.search(r"\bOT\b|manufactur|operational technology", title, re.I):
        return "operational technology security, change control on production systems, supplier remote access"
    found = ROLE_COMPETENCE.get(role)
    if found:
        return found
    lowered = label.lower()
    if "data protection" in lowered or "privacy" in lowered:
        return ROLE_COMPETENCE["dpo"]
    if "audit" in lowered:
        return "internal auditing of management systems, independence from the areas audited"
    if "regulat" in lowered or "compliance" in lowered:
        return "the regulations that apply, regulator reporting, compliance monitoring"
    return "the information security duties of the role in the Information Security Policy"


def competence_table(ctx: BlockContext) -> str:
    """The role competence matrix: every role, its holder, what it needs, the evidence and where it is kept."""
    hr, platform = _hr_system(ctx), _training_platform(ctx)
    rows = []
    for role, label, holder in ctx.profile.roles.every_role():
        competence = _competence_for(role, label, holder.title)
        if holder.organisation:
            evidence = (
                f"contract with {holder.organisation} naming the service and the qualifications of the person"
            )
            kept = "the contract records"
        else:
            evidence = ROLE_EVIDENCE.get(role, "training or experience records for the role")
            kept = f"{hr}; awareness completion in {platform}"
        rows.append([label, _holder(holder), competence, evidence, kept])
    return table(["Role", "Holder", "Competence required", "Evidence needed", "Where it is kept"], rows)


def _holder(p: Person) -> str:
    title = unbracket(p.title)
    return f"{p.name} ({title}, {p.organisation})" if p.organisation else f"{p.name} ({title})"


def awareness_calendar(ctx: BlockContext) -> str:
    """The awareness programme (7.3): what each group receives and when, the first cycle dated."""
    people, roles = ctx.profile.people, ctx.profile.roles
    hr, isms = roles.holder("hr_lead").name, roles.isms_owner.name
    platform = _training_platform(ctx)
    months = people.training_cadence_months
    rows = [
        [
            "Security induction and acknowledgement of the Acceptable Use Policy",
            "new staff and contractors",
            "before access is granted or in the first week",
            hr,
            platform,
        ],
        [
            "Security awareness course",
            "all staff and contractors",
            f"every {months} months; first cycle complete by {add_months(ctx.today, months).isoformat()}",
            hr,
            platform,
        ],
    ]
    text = (people.training_platform or "").lower()
    if "phishing" in text:
        when = "monthly" if "monthly" in text else "through the year"
        rows.append(["Phishing simulations", "all staff", when, roles.security_lead.name, platform])
    rows.append(
        [
            "Role training named in the competence matrix",
            "holders of the roles above",
            "on taking up the role and after a major change to it",
            isms,
            _hr_system(ctx),
        ]
    )
    rows.append(
        [
            "Notice of new or changed policies",
            "all staff, or the teams a change affects",
            "when a policy is approved",
            isms,
            "the document register",
        ]
    )
    return table(["Activity", "Audience", "When", "Owner", "Record kept in"], rows)


def objectives_table(ctx: BlockContext) -> str:
    """The organisation's objectives with the plan for each (6.2); without them, the profile's commitments."""
    objectives = ctx.profile.objectives
    roles = ctx.profile.roles
    if objectives:
        rows = [
            [
                o.what,
                o.target,
                roles.holder(o.owner).name,
                o.resources,
                o.due.isoformat(),
                f"{o.measured_by}; progress checked {every_months(o.measured_every_months)}",
                "; ".join(o.actions) or "to be set by the owner",
            ]
            for o in objectives
        ]
        return table(["Objective", "Target", "Owner", "Resources", "Due date", "How measured", "Plan"], rows)
    return _derived_objectives(ctx)


def _derived_objectives(ctx: BlockContext) -> str:
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
            f"every user access review completed every {pr.reviews.user_access} months",
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
    return table(["Objective", "Target", "Owner", "Resources", "Due date", "How measured"], rows)


def measures(ctx: BlockContext) -> list[tuple[str, str, str, str, str, int]]:
    """(measure, source, method, who measures, who analyses, every N months; 0: after each event) from the
    objectives and the controls whose cadence the profile gives."""
    p, roles = ctx.profile, ctx.profile.roles
    owner, top = roles.isms_owner.name, roles.top_management.name

    def analyst(who: str) -> str:  # nobody analyses their own results
        return top if who == owner else owner

    out = []
    for o in p.objectives:
        who = roles.holder(o.owner).name
        out.append(
            (o.target, f"objective: {o.what}", o.measured_by, who, analyst(who), o.measured_every_months)
        )
    objective_text = " ".join(f"{o.what} {o.target}" for o in p.objectives).lower()
    pr, tech, lead = p.practices, p.technology, roles.security_lead.name
    excluded = {e.control for e in p.scope.exclusions}
    controls = [
        (
            "A.8.8",
            f"critical vulnerabilities fixed within {pr.patch_days.get('critical', 'the set')} days",
            "scanner findings against fix tickets",
            lead,
            3,
        ),
        (
            "A.5.18",
            f"user access reviews completed every {pr.reviews.user_access} months",
            "review sign-offs in the tickets",
            lead,
            pr.reviews.user_access,
        ),
        (
            "A.6.3",
            f"staff completing awareness training within {p.people.training_cadence_months} months",
            f"completion report of {_training_platform(ctx)}",
            roles.holder("hr_lead").name,
            3,
        ),
        (
            "A.5.24",
            f"suspected incidents reported within {pr.incident_report_hours} hours",
            "incident tickets: time noticed against time reported",
            lead,
            3,
        ),
        (
            "A.8.13",
            "scheduled restore tests passed",
            f"restore test records of {short_name(tech.backup.tool)}",
            roles.holder("it_lead").name,
            0,
        ),
    ]
    if pr.reviews.privileged_access:
        controls.append(
            (
                "A.8.2",
                f"privileged access reviews completed every {pr.reviews.privileged_access} months",
                "review sign-offs in the tickets",
                lead,
                pr.reviews.privileged_access,
            )
        )
    if pr.reviews.suppliers:
        controls.append(
            (
                "A.5.22",
                f"critical suppliers reviewed every {pr.reviews.suppliers} months",
                "supplier review records",
                lead,
                pr.reviews.suppliers,
            )
        )
    titles = {c.id: c.title for c in ctx.corpus.controls.values()}
    out += [
        (measure, f"control {cid} {titles.get(cid, '')}".strip(), method, who, analyst(who), every)
        for cid, measure, method, who, every in controls
        if cid not in excluded and not any(word in objective_text for word in COVERED_BY_OBJECTIVE[cid])
    ]
    return out


def metrics_table(ctx: BlockContext) -> str:
    rows = measures(ctx)
    framework = table(
        ["Measure", "From", "Method", "When", "Who measures", "Who analyses"],
        [
            [m, src, method, every_months(n) if n else "after each test", who, analyst]
            for m, src, method, who, analyst, n in rows
        ],
    )
    results = table(
        ["Measure", "First period", "Result", "Analysed by"],
        [
            [
                m,
                f"{ctx.today.isoformat()} to {add_months(ctx.today, n or 3).isoformat()}",
                "to be recorded",
                analyst,
            ]
            for m, _src, _method, _who, analyst, n in rows
        ],
    )
    return framework + "\n\n" + results


def operations_calendar(ctx: BlockContext) -> str:
    """The ISMS calendar (8.1): every recurring activity whose cadence the profile gives, its owner and when
    it is first due counted from the day the set takes effect."""
    from assistant.drafting.audit_blocks import audit_cycle, first_review_due

    p, roles = ctx.profile, ctx.profile.roles
    pr, today = p.practices, ctx.today
    excluded = {e.control for e in p.scope.exclusions}

    horizon = ctx.doc.planning_horizon_months
    # Yearly activities fall a month before the management review at the latest, so that it sees them.
    before_review = add_months(first_review_due(ctx), -1)

    def every(months: int) -> tuple[str, str]:
        if months > horizon:
            return every_months(months), f"not due in the {horizon} months this plan covers"
        return every_months(months), min(add_months(today, months), before_review).isoformat()

    rows: list[list[str]] = []

    def add(activity: str, owner: str, cadence: tuple[str, str]) -> None:
        rows.append([activity, owner, cadence[0], cadence[1]])

    add("User access review", roles.security_lead.name, every(pr.reviews.user_access))
    if pr.reviews.privileged_access:
        add("Privileged access review", roles.security_lead.name, every(pr.reviews.privileged_access))
    if pr.reviews.physical_zones and "A.7.2" not in excluded:
        owner = roles.holder("facilities_lead" if roles.facilities_lead else "it_lead").name
        add("Review of physical access rights (keys, fobs, badges)", owner, every(pr.reviews.physical_zones))
    if pr.reviews.suppliers:
        add(
            "Supplier security review of critical suppliers",
            roles.security_lead.name,
            every(pr.reviews.suppliers),
        )
    add("Risk reassessment", roles.isms_owner.name, every(p.risk_criteria.review_months))
    add("Security awareness course", roles.holder("hr_lead").name, every(p.people.training_cadence_months))
    add("Independent penetration test", roles.security_lead.name, every(pr.penetration_test_months))
    if p.technology.backup.tested:
        months = cadence_months(p.technology.backup.tested)
        what = f"Restore test: {short_name(p.technology.backup.tested)}"
        if months:
            add(what, roles.holder("it_lead").name, every(months))
        else:
            rows.append(
                [what, roles.holder("it_lead").name, "as the Backup and Recovery Procedure sets", "-"]
            )
    for o in p.objectives:
        add(
            f"Progress check of the objective: {o.what}",
            roles.holder(o.owner).name,
            every(o.measured_every_months),
        )
    for r in p.recurring:
        cadence = every(r.every_months)
        due = r.next_due.isoformat() if r.next_due else cadence[1]
        rows.append([r.activity, roles.holder(r.owner).name, cadence[0], due])
    audits = audit_cycle(ctx)
    if audits:
        rows.append(
            [
                "Internal audit",
                roles.isms_owner.name,
                "twice a year, as the Internal Audit Programme plans",
                audits[0].month.isoformat(),
            ]
        )
    rows.append(
        [
            "Management review",
            roles.top_management.name,
            "at least every 12 months",
            f"no later than {first_review_due(ctx).isoformat()}",
        ]
    )
    add("Document review", "each document's owner", every(p.document_control.review_cycle_months))
    return table(["Activity", "Owner", "Cadence", "First due"], rows)


CADENCE_WORDS = (
    (r"\bweekly\b|\bevery week\b", 1),  # shown monthly at the finest: a calendar of months
    (r"\bmonthly\b|\bevery month\b", 1),
    (r"\bquarterly\b|\bevery quarter\b", 3),
    (r"\bsemi-annual|\bsix-monthly\b|\btwice a year\b|\bhalf-yearly\b", 6),
    (r"\bannual|\byearly\b|\bevery year\b|\bonce a year\b", 12),
)


def cadence_months(text: str) -> int:
    """The cadence a sentence opens with ("Quarterly restore of ...": 3); 0 when it gives none."""
    first = re.split(r"[;,.]", text, maxsplit=1)[0]
    for pattern, months in CADENCE_WORDS:
        if re.search(pattern, first, re.I):
            return months
    return 0


def risk_owner_signoff(ctx: BlockContext) -> str:
    """The risk owners' approval of the plan and of the residual risk of the risks they own (6.1.3 f), and
    top management's decision on any residual risk left above the acceptance threshold."""
    if ctx.register is None:
        return ""
    threshold = acceptance_threshold(ctx)
    owned: dict[str, list[str]] = {}
    above: list[str] = []
    for r in sorted(ctx.register.risks, key=lambda r: r.id):
        if r.treatment != "accept" and (r.score > threshold or r.actions):
            owned.setdefault(person(ctx, r.owner), []).append(r.id)
            if r.residual_score is not None and r.residual_score > threshold:
                above.append(r.id)
    rows = [
        [owner, ", ".join(ids), "treatment plan and residual risk", "to be signed", "to be dated"]
        for owner, ids in owned.items()
    ]
    if above:
        top = ctx.profile.roles.top_management.name
        rows.append(
            [
                top,
                ", ".join(above),
                "accepting residual risk above the threshold",
                "to be signed",
                "to be dated",
            ]
        )
    if not rows:
        return ""
    return table(["Risk owner", "Risks", "Approves", "Signature", "Date"], rows)


def nonconformity_columns(ctx: BlockContext) -> str:
    """The register an auditor samples: one row per nonconformity, from detection to verified closure."""
    header = [
        "Ref",
        "Date raised",
        "Source",
        "Clause or control",
        "Nonconformity",
        "Grade",
        "Correction",
        "Root cause",
        "Corrective action",
        "Owner",
        "Due date",
        "Effectiveness check",
        "Status",
    ]
    first = [
        "none yet",
        "-",
        "-",
        "-",
        "no nonconformity recorded yet",
        "-",
        "-",
        "-",
        "-",
        ctx.profile.roles.isms_owner.name,
        "-",
        "-",
        "-",
    ]
    return table(header, [first])
