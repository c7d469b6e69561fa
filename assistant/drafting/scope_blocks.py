"""Blocks of the scope statement (4.1 to 4.4): issues, interested parties, entities and sites in and out of
scope, equipment at other parties' sites, and the map of the ISMS processes."""

from __future__ import annotations

from assistant.drafting.blocks import BlockContext, obligations_table, table


def context_issues(ctx: BlockContext) -> str:
    issues = ctx.profile.context.issues
    if not issues:
        return ""
    rows = [
        [issue.kind.capitalize(), issue.issue, issue.effect]
        for issue in sorted(issues, key=lambda i: i.kind != "external")
    ]
    return table(["Kind", "Issue", "What it means for the ISMS"], rows)


def interested_parties(ctx: BlockContext) -> str:
    """The parties with their requirements; without them in the profile, its obligations."""
    parties = ctx.profile.context.interested_parties
    if not parties:
        return obligations_table(ctx)
    names = {o.id: o.name for o in ctx.profile.obligations}
    rows = [
        [
            p.party,
            "; ".join(p.requirements),
            p.addressed_by,
            ", ".join(names[o] for o in p.obligations) or "-",
        ]
        for p in parties
    ]
    return table(["Interested party", "Requirements", "How the ISMS addresses them", "Register entry"], rows)


def scope_units(ctx: BlockContext) -> str:
    """Legal entities and sites, each in or out of scope, and equipment kept at other parties' sites."""
    p = ctx.profile
    parts: list[str] = []
    if p.identity.legal_entities:
        parts.append(
            table(
                ["Legal entity", "Country", "Relationship", "In scope"],
                [
                    [e.name, e.country, e.relationship or "-", "yes" if e.in_scope else f"no: {e.reason}"]
                    for e in p.identity.legal_entities
                ],
            )
        )
    sites = [
        [o.name, f"{o.city}, {o.country}", "yes" if o.in_scope else f"no: {o.scope_reason}"]
        for o in p.locations.offices
    ]
    sites += [[d.name, d.location, "yes (hosting of in-scope services)"] for d in p.locations.data_centres]
    if sites:
        parts.append(table(["Site", "Location", "In scope"], sites))
    elsewhere = p.locations.equipment_elsewhere
    if elsewhere:
        parts.append(
            table(
                ["Equipment at another party's site", "Where", "Party", "How it is protected"],
                [[e.what, e.where, e.party, e.protection or "to be recorded"] for e in elsewhere],
            )
        )
    return "\n\n".join(parts)


def out_of_scope(ctx: BlockContext) -> str:
    """Entities and sites left out of the ISMS, each with its reason."""
    p = ctx.profile
    rows = [[e.name, "legal entity", e.reason or ""] for e in p.identity.legal_entities if not e.in_scope]
    rows += [[o.name, "site", o.scope_reason or ""] for o in p.locations.offices if not o.in_scope]
    if not rows:
        return ""
    return table(["Left out", "Kind", "Reason"], rows)


def process_map(ctx: BlockContext) -> str:
    """The ISMS processes (4.4): who owns each, what feeds it, what it produces and where it is recorded."""
    roles = ctx.profile.roles
    owner, top, lead = roles.isms_owner.name, roles.top_management.name, roles.security_lead.name
    people = roles.holder("hr_lead").name
    rows = [
        [
            "Context and scope",
            "4.1 to 4.4",
            owner,
            "issues, interested parties' requirements",
            "ISMS Scope Statement",
        ],
        [
            "Leadership and policy",
            "5.1 to 5.3",
            top,
            "scope, objectives, risk results",
            "Information Security Policy, roles",
        ],
        [
            "Risk assessment",
            "6.1.1, 6.1.2, 8.2",
            owner,
            "scope, assets, threats, incidents",
            "Risk Assessment Report",
        ],
        [
            "Risk treatment",
            "6.1.3, 8.3",
            owner,
            "risk assessment results",
            "Risk Treatment Plan, Statement of Applicability",
        ],
        [
            "Objectives and planning of changes",
            "6.2, 6.3",
            owner,
            "policy, risk results, review decisions",
            "Information Security Objectives and Plan",
        ],
        [
            "Resources, competence, awareness, communication",
            "7.1 to 7.4",
            people,
            "roles, objectives, training needs",
            "Competence and Awareness Record",
        ],
        [
            "Documented information",
            "7.5",
            owner,
            "new and changed documents",
            "document register, approved versions",
        ],
        [
            "Operation of controls",
            "8.1",
            lead,
            "policies, treatment plan, calendar",
            "ISMS Operational Plan, tickets and logs",
        ],
        [
            "Monitoring and measurement",
            "9.1",
            owner,
            "objectives, control records",
            "Monitoring and Measurement Report",
        ],
        [
            "Internal audit",
            "9.2",
            owner,
            "audit programme, all ISMS records",
            "Internal Audit Programme and Results",
        ],
        ["Management review", "9.3", top, "the inputs 9.3.2 lists", "Management Review Minutes"],
        [
            "Nonconformity, corrective action, improvement",
            "10.1, 10.2",
            owner,
            "audit findings, incidents, measurement results",
            "Nonconformity and Corrective Action Register",
        ],
    ]
    return table(["Process", "Clauses", "Owner", "Takes in", "Produces and records in"], rows)
