"""Blocks of the internal audit programme (9.2) and the management review (9.3).

The programme is a three-year cycle of six audits, one every six months from the second month after the set
takes effect: every year audits all of clauses 4 to 10 (4 to 7 in the first half, 8 to 10 in the second) and
a sixth of the applicable Annex A controls, so each applicable control, and so each theme, is audited once
in the cycle; the controls still being put in place for risks above the acceptance threshold are brought
forward into the first year. No auditor audits a control they have a part in (see `runs`). The first
management review is due within twelve months, after the first two audits.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from assistant.documents.markdown import add_months
from assistant.drafting.blocks import BlockContext, acceptance_threshold, person, table
from assistant.ids import ROLE_NAMES, control_sort_key

# Further roles invited to the management review: those with a part in the ISMS.
ISMS_ROLE = re.compile(
    r"audit|complian|officer|protection|security|risk|regulat|resilien|continuity|director|managing", re.I
)
AUDITS_IN_CYCLE = 6
MONTHS_BETWEEN_AUDITS = 6
CLAUSE_HALVES = (("4", "5", "6", "7"), ("8", "9", "10"))
# What the standard roles run, so that none of them audits it.
RUNS: dict[str, tuple[str, ...]] = {
    "legal_lead": ("A.5.5", "A.5.31", "A.5.32", "A.5.33", "A.5.34", "A.5.35", "A.5.36"),
    "dpo": ("A.5.34",),
    "hr_lead": ("A.6.1", "A.6.2", "A.6.4", "A.6.5"),
    "finance_lead": (),
}


@dataclass(frozen=True)
class Audit:
    ref: str
    month: date
    clauses: tuple[str, ...]
    controls: tuple[str, ...]
    auditor: str
    focus: tuple[str, ...] = ()  # controls of risks above the threshold, brought forward


def applicable_controls(ctx: BlockContext) -> list[str]:
    excluded = {e.control for e in ctx.profile.scope.exclusions}
    return sorted((c for c in ctx.corpus.controls if c not in excluded), key=control_sort_key)


def runs(ctx: BlockContext, name: str) -> set[str]:
    """The controls a person has a part in: those of the roles they hold, of the risks they own or act on,
    and of the incident notifications they send."""
    roles = ctx.profile.roles
    held = [role for role, _label, p in roles.every_role() if p.name == name]
    found = {c for role in held for c in RUNS.get(role, ())}
    if any(n.notifier in held for n in ctx.profile.notifications):
        found |= {"A.5.5", "A.5.24", "A.5.26"}
    if ctx.register is not None:
        for r in ctx.register.risks:
            people = {person(ctx, r.owner), person(ctx, r.action_owner) if r.action_owner else ""}
            if name in people:
                found |= set(r.controls)
    return found


def focus_controls(ctx: BlockContext) -> list[str]:
    """Controls not yet fully in place that treat a risk above the acceptance threshold: audited first."""
    if ctx.register is None:
        return []
    applicable = set(applicable_controls(ctx))
    status = ctx.profile.implementation
    found = {
        c
        for r in ctx.register.above(acceptance_threshold(ctx))
        for c in r.controls
        if c in applicable and status.get(c) != "implemented"
    }
    return sorted(found, key=control_sort_key)


def audit_cycle(ctx: BlockContext) -> list[Audit]:
    start = add_months(date(ctx.today.year, ctx.today.month, 1), 2)
    controls = applicable_controls(ctx)
    size = -(-len(controls) // AUDITS_IN_CYCLE)
    leads = [p.name for _r, p in ctx.profile.roles.auditors()]
    candidates = (
        leads + [p.name for _r, p in ctx.profile.roles.stand_ins() if p.name not in leads] if leads else []
    )
    conflicts = {name: runs(ctx, name) for name in candidates}
    focus = focus_controls(ctx)
    halves = (focus[: (len(focus) + 1) // 2], focus[(len(focus) + 1) // 2 :])
    fallback = f"an auditor independent of them, appointed by {ctx.profile.roles.isms_owner.name}"
    audits = []
    for i in range(AUDITS_IN_CYCLE):
        part = tuple(controls[i * size : (i + 1) * size])
        extra = tuple(c for c in halves[i] if c not in part) if i < 2 else ()
        audits.append(
            Audit(
                ref=f"IA-{i + 1}",
                month=add_months(start, MONTHS_BETWEEN_AUDITS * i),
                clauses=CLAUSE_HALVES[i % 2],
                controls=part,
                auditor=_assign(set(part) | set(extra), candidates, conflicts, fallback),
                focus=extra,
            )
        )
    return audits


def _assign(scope: set[str], candidates: list[str], conflicts: dict[str, set[str]], fallback: str) -> str:
    """The lead auditor, and for the controls they have a part in, the first candidate who has none."""
    if not candidates:
        return "to be appointed (see the decisions needed)"
    lead = candidates[0]
    own = sorted(scope & conflicts[lead], key=control_sort_key)
    if not own:
        return lead
    other = next((c for c in candidates[1:] if not set(own) & conflicts[c]), fallback)
    return f"{lead}; {', '.join(own)}: {other}"


def first_review_due(ctx: BlockContext) -> date:
    return add_months(ctx.today, 12)


def _span(controls: tuple[str, ...], applicable: list[str]) -> str:
    if not controls:
        return "-"
    first, last = controls[0], controls[-1]
    skipped = [c for c in sorted(_between(first, last), key=control_sort_key) if c not in applicable]
    text = f"{first} to {last}" if first != last else first
    return text + (f" (not {', '.join(skipped)}: excluded)" if skipped else "")


def _between(first: str, last: str) -> list[str]:
    """Every control id between two ids of the same or consecutive themes."""
    from assistant.ids import THEMES

    out = []
    for _name, (section, count) in THEMES.items():
        out += [f"A.{section}.{n}" for n in range(1, count + 1)]
    lo, hi = control_sort_key(first), control_sort_key(last)
    return [c for c in out if lo <= control_sort_key(c) <= hi]


def _month(day: date) -> str:
    return day.strftime("%B %Y")


def audit_schedule(ctx: BlockContext) -> str:
    applicable = applicable_controls(ctx)
    rows = [
        [
            a.ref,
            _month(a.month),
            "Clauses " + ", ".join(a.clauses),
            _span(a.controls, applicable)
            + (f"; first, for risks above the threshold: {', '.join(a.focus)}" if a.focus else ""),
            a.auditor,
        ]
        for a in audit_cycle(ctx)
    ]
    return table(["Audit", "Planned month", "Clauses", "Annex A controls", "Auditor"], rows)


def audit_plan_template(ctx: BlockContext) -> str:
    rows = [
        ["Audit reference and dates", "from the programme above; dates agreed with the auditees"],
        ["Objective", "whether the audited clauses and controls conform and are effectively implemented"],
        ["Scope", "the clauses, controls, sites and processes of the programme entry"],
        ["Criteria", "ISO/IEC 27001:2022 and the ISMS documents that govern the scope"],
        ["Auditor and independence", "named auditor, confirmed not to run or own anything in the scope"],
        ["Auditees", "the owners of the processes and controls in scope"],
        ["Method and sample", "interviews, observation and records sampled (how many, from which period)"],
        ["Report", "due within two weeks of the audit, to the ISMS owner and the auditees"],
    ]
    return table(["Audit plan item", "To complete for each audit"], rows)


def audit_results(ctx: BlockContext) -> str:
    rows = [
        [a.ref, _month(a.month), "to be recorded", "to be recorded", "to be recorded", "to be recorded"]
        for a in audit_cycle(ctx)
    ]
    return table(
        ["Audit", "Planned month", "Date held", "Nonconformities", "Observations", "Report reference"], rows
    )


def attendees(ctx: BlockContext) -> str:
    """Who is invited; attendance is recorded at the meeting, never presumed."""
    holders = {
        p.name: p
        for role, label, p in ctx.profile.roles.every_role()
        if not p.organisation and (role in ROLE_NAMES or ISMS_ROLE.search(label))
    }
    rows = [[p.name, p.title, "to be recorded"] for p in holders.values()]
    top = ctx.profile.roles.top_management
    when = table(
        ["Item", "Detail"],
        [
            [
                "Planned",
                f"no later than {first_review_due(ctx).isoformat()}, after the first internal audits",
            ],
            ["Chair", f"{top.name} ({top.title})"],
            ["Date held", "to be recorded at the meeting"],
        ],
    )
    return when + "\n\n" + table(["Invited", "Title", "Attended or apologies"], rows)


def review_agenda(ctx: BlockContext) -> str:
    """The agenda of the first review: every input 9.3.2 asks for, with what the ISMS holds on it today."""
    p, roles = ctx.profile, ctx.profile.roles
    owner, lead = roles.isms_owner.name, roles.security_lead.name
    legal = roles.holder("legal_lead").name
    issues, parties = p.context.issues, p.context.interested_parties
    audits = audit_cycle(ctx)
    from assistant.drafting.record_blocks import measures

    measured = measures(ctx)
    first_results = min((add_months(ctx.today, m[5] or 3) for m in measured), default=None)
    rows = [
        [
            "1",
            "Status of actions from previous management reviews",
            "none: this is the first management review",
            owner,
        ],
        [
            "2",
            "Changes in external and internal issues",
            f"{len(issues)} issues recorded in the ISMS Scope Statement on {ctx.today.isoformat()}; "
            "changes since then to be reported"
            if issues
            else "issues to be recorded in the ISMS Scope Statement",
            owner,
        ],
        [
            "3",
            "Changes in the needs and expectations of interested parties",
            f"{len(parties)} interested parties with {sum(len(x.requirements) for x in parties)} requirements, and "
            f"{len(p.obligations)} entries in the Legal, Regulatory and Contractual Requirements Register",
            legal,
        ],
        [
            "4",
            "Nonconformities and corrective actions",
            "none recorded yet in the Nonconformity and Corrective Action Register",
            owner,
        ],
        [
            "5",
            "Monitoring and measurement results",
            f"{len(measured)} measures in the Monitoring and Measurement Report"
            + (f"; first results due by {first_results.isoformat()}" if first_results else ""),
            lead,
        ],
        [
            "6",
            "Audit results",
            f"internal audits {audits[0].ref} ({_month(audits[0].month)}) and {audits[1].ref} "
            f"({_month(audits[1].month)}) planned before the review; results to be presented",
            owner,
        ],
        ["7", "Fulfilment of information security objectives", _objectives_status(ctx), owner],
        [
            "8",
            "Feedback from interested parties",
            "customer questionnaires and complaints, supplier notices and regulator letters received before the "
            "meeting: to be presented",
            lead,
        ],
        ["9", "Results of risk assessment and status of the risk treatment plan", _risk_status(ctx), owner],
        [
            "10",
            "Opportunities for continual improvement",
            "proposals sent to the ISMS owner before the meeting: to be presented",
            owner,
        ],
    ]
    return table(["Item", "Input", "What the ISMS holds now", "Presented by"], rows)


def _objectives_status(ctx: BlockContext) -> str:
    objectives = ctx.profile.objectives
    if not objectives:
        return "objectives to be set in the Information Security Objectives and Plan"
    listed = "; ".join(f"{o.what} (due {o.due.isoformat()})" for o in objectives)
    return f"{len(objectives)} objectives: {listed}; progress to be reported"


def _risk_status(ctx: BlockContext) -> str:
    register = ctx.register
    if register is None:
        return "no risk register yet"
    threshold = acceptance_threshold(ctx)
    above = register.above(threshold)
    states: dict[str, int] = {}
    for r in register.risks:
        if r.actions:
            key = (r.status or "open").replace("_", " ")
            states[key] = states.get(key, 0) + 1
    accepted = [r for r in register.risks if r.treatment == "accept"]
    text = f"{len(register.risks)} risks, {len(above)} above the acceptance threshold of {threshold}"
    if states:
        text += "; treatment actions: " + ", ".join(f"{n} {s}" for s, n in sorted(states.items()))
    if accepted:
        text += f"; {len(accepted)} accepted"
    return text


def review_outputs(ctx: BlockContext) -> str:
    """The outputs 9.3.3 asks for, as a record to complete at the meeting."""
    rows = [
        [
            output,
            "to be recorded at the meeting",
            "to be recorded at the meeting",
            "to be recorded at the meeting",
        ]
        for output in (
            "Decisions on opportunities for continual improvement",
            "Changes needed to the ISMS (scope, policy, objectives, risk criteria)",
            "Resources needed",
        )
    ]
    return table(["Output", "Decision or action", "Owner", "Due date"], rows)
