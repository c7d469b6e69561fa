"""Structured blocks (tables and lists) built from the organisation's data, for the sections that need them.

Each block is chosen by the document and the words of the section it belongs to, so a scope statement lists
the real boundaries and a risk report carries the real register.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from assistant.drafting.carry import Carried
from assistant.ids import ROLE_NAMES
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
    carried: Carried | None = None  # what the organisation's current documents (docs/) became

    @property
    def words(self) -> str:
        return f"{self.section.heading} {self.section.establishes}".lower()

    @property
    def heading(self) -> str:
        return self.section.heading.lower()


_ONE_UNIT = re.compile(r"\b1 (minute|hour|day|week|month|year)s\b")
_EVERY_ONE = re.compile(r"\bevery 1 (minute|hour|day|week|month|year)\b")


def singular(text: str) -> str:
    """ "every 1 months" reads "every month", "within 1 hours" reads "within 1 hour"."""
    return _EVERY_ONE.sub(r"every \1", _ONE_UNIT.sub(r"1 \1", text))


def every_months(n: int) -> str:
    return singular(f"every {n} months")


def table(header: list[str], rows: list[list[str]]) -> str:
    def cell(value: str) -> str:
        return singular(value.replace("|", "/").replace("\n", " ").strip())

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


def person(ctx: BlockContext, role: str) -> str:
    """A role id as the person who holds it ("Daniel Okafor"); other owner names as written."""
    if role in ROLE_NAMES or role in ctx.profile.roles.role_ids():
        return ctx.profile.roles.holder(role).name
    return role


def short_name(text: str) -> str:
    """A tool's name without its description: "Linear" of "Linear (engineering requests)"."""
    for mark in (" (", ";", ",", ":", " - ", ". "):
        text = text.split(mark)[0]
    return text.strip()


def acceptance_threshold(ctx: BlockContext) -> int:
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
            person(ctx, r.owner),
            str(r.likelihood),
            str(r.impact),
            str(r.score),
            "above" if r.score > acceptance_threshold(ctx) else "within",
            r.treatment,
        ]
        for r in sorted(ctx.register.risks, key=lambda r: (-r.score, r.id))
    ]
    return table(
        ["Risk", "Title", "Owner", "Likelihood", "Impact", "Score", "Acceptance criteria", "Treatment"], rows
    )


def treatment_table(ctx: BlockContext) -> str:
    """Every risk above the acceptance threshold, and every risk the register gives treatment actions for:
    its controls, the register's actions, who does them, by when, how far they are and the rating after
    treatment. What the register does not give is left for the risk owner to set, never filled in."""
    if ctx.register is None:
        return ""
    status = ctx.profile.implementation
    threshold = acceptance_threshold(ctx)
    rows = []
    for r in sorted(ctx.register.risks, key=lambda r: (-r.score, r.id)):
        if r.treatment == "accept" or (r.score <= threshold and not r.actions):
            continue
        controls = ", ".join(
            f"{c} ({status.get(c, 'status not given').replace('_', ' ')})" for c in r.controls
        )
        if r.actions:
            action, owner = r.actions, person(ctx, r.action_owner or r.owner)
            when = r.due.isoformat() if r.due else "to be set by the risk owner"
            state = STATUS_WORDS.get(r.status or "open", (r.status or "").replace("_", " "))
        else:
            action, owner = "to be set by the risk owner", person(ctx, r.owner)
            when, state = "to be set by the risk owner", "not started"
        if r.residual_score is None:
            residual = "to be assessed after treatment"
        elif r.residual_score <= threshold:
            residual = f"{r.residual_score} (within the threshold of {threshold})"
        else:
            top = ctx.profile.roles.top_management.name
            residual = f"{r.residual_score} (above the threshold of {threshold}: for acceptance by {top})"
        rows.append(
            [
                f"{r.id} {r.title}",
                str(r.score),
                r.treatment,
                controls or "-",
                action,
                owner,
                when,
                state,
                residual,
            ]
        )
    return table(
        ["Risk", "Score", "Treatment", "Controls", "Action", "Owner", "Due date", "Status", "Residual score"],
        rows,
    )


# The register's statuses in the plan's words.
STATUS_WORDS = {
    "open": "not started",
    "in_progress": "in progress",
    "in progress": "in progress",
    "done": "done",
}


def accepted_table(ctx: BlockContext) -> str:
    if ctx.register is None:
        return ""
    rows = [
        [
            r.id,
            r.title,
            str(r.score),
            person(ctx, r.owner),
            person(ctx, r.accepted_by) if r.accepted_by else "to be signed by the risk owner",
            r.accepted_on.isoformat() if r.accepted_on else "to be dated",
        ]
        for r in ctx.register.risks
        if r.treatment == "accept"
    ]
    if not rows:
        return "No risk is retained without treatment."
    return table(["Risk", "Title", "Score", "Risk owner", "Accepted by", "Accepted on"], rows)


def roles_table(ctx: BlockContext) -> str:
    rows = [
        [label, p.name, f"{p.title}, {p.organisation}" if p.organisation else p.title]
        for _role, label, p in ctx.profile.roles.every_role()
    ]
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
            person(ctx, d.owner_role),
            f"{d.review_cycle_months} months",
        ]
        for d in docs
    ]
    return table(["Document", "Type", "Owner", "Review cycle"], rows)


def existing_documents(ctx: BlockContext) -> str:
    """Every file of the organisation's current documents and what becomes of it."""
    if ctx.carried is None or not ctx.carried.files:
        return ""
    titles = {d.id: d.title for d in ctx.corpus.documents.values()}
    rows = []
    for f in ctx.carried.files:
        into = ", ".join(titles[d] for d in f.carried_into if d != f.replaced_by)
        if f.replaced_by:
            fate = f"Superseded by the {titles[f.replaced_by]} from its approval"
            if f.replaced_by in f.carried_into:
                fate += "; its rules that still apply are carried into it"
            if into:
                fate += f"; rules also carried into: {into}"
        elif f.rulebook:
            fate = "Withdrawn when the ISMS policies are approved"
            if into:
                fate += f"; its rules that still apply are carried into: {into}"
        elif into:
            fate = f"Stays in use as a working document; its rules carried into: {into}"
        else:
            fate = "Stays in use as a working document, controlled under this procedure"
        rows.append([f.relative.removeprefix("docs/"), f.title, f.version or "not stated", fate])
    for name, reason in ctx.carried.skipped:
        rows.append([name.removeprefix("docs/"), "could not be read", "", f"Review by hand ({reason})"])
    return table(["File", "Title", "Version", "What happens to it"], rows)


def topic_policies(ctx: BlockContext) -> str:
    docs = sorted((d for d in ctx.corpus.documents.values() if not d.mandatory), key=lambda d: d.title)
    rows = [[d.title, person(ctx, d.owner_role), f"{d.review_cycle_months} months"] for d in docs]
    return table(["Policy or procedure", "Owner", "Review cycle"], rows)


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
