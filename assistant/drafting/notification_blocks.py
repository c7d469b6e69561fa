"""Blocks of incident notification duties and of recovery objectives per service."""

from __future__ import annotations

from assistant.drafting.blocks import BlockContext, table
from assistant.drafting.facts import hours_text


def notification_duties(ctx: BlockContext) -> str:
    """Who must be told of an incident, of what, by when and who tells them."""
    duties = ctx.profile.notifications
    if not duties:
        return ""
    names = {o.id: o.name for o in ctx.profile.obligations}
    rows = [
        [
            n.party,
            n.trigger,
            hours_text(n.deadline_hours),
            ctx.profile.roles.holder(n.notifier).name,
            names.get(n.obligation or "", "-"),
        ]
        for n in sorted(ctx.profile.notifications, key=lambda n: n.deadline_hours)
    ]
    return table(["Notify", "What", "Deadline", "Who notifies", "Required by"], rows)


def recovery_objectives(ctx: BlockContext) -> str:
    services = ctx.profile.services
    if not services:
        return ""
    rows = [
        [
            s.service,
            hours_text(s.rto_hours),
            hours_text(s.rpo_hours) if s.rpo_hours else "no data loss",
            s.notes or "-",
        ]
        for s in services
    ]
    return table(["Service", "Recovery time objective", "Recovery point objective", "Notes"], rows)
