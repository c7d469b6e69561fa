"""Blocks by the name a catalogue section gives under `blocks:`; a block with no data to show returns ""."""

from __future__ import annotations

from collections.abc import Callable

from assistant.drafting.audit_blocks import (
    attendees,
    audit_plan_template,
    audit_results,
    audit_schedule,
    review_agenda,
    review_outputs,
)
from assistant.drafting.blocks import (
    BlockContext,
    accepted_table,
    asset_classes,
    boundaries,
    document_register,
    exclusions,
    existing_documents,
    interfaces,
    obligations_table,
    risk_table,
    roles_table,
    scales,
    suppliers_table,
    topic_policies,
    treatment_table,
)
from assistant.drafting.notification_blocks import notification_duties, recovery_objectives
from assistant.drafting.record_blocks import (
    awareness_calendar,
    competence_table,
    metrics_table,
    nonconformity_columns,
    objectives_table,
    operations_calendar,
    risk_owner_signoff,
)
from assistant.drafting.scope_blocks import (
    context_issues,
    interested_parties,
    out_of_scope,
    process_map,
    scope_units,
)


def _legal(ctx: BlockContext) -> str:
    return obligations_table(ctx, kinds=("legal", "regulatory"))


def _contractual(ctx: BlockContext) -> str:
    return obligations_table(ctx, kinds=("contractual", "business"))


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
    "interested_parties": interested_parties,
    "context_issues": context_issues,
    "scope_units": scope_units,
    "out_of_scope": out_of_scope,
    "process_map": process_map,
    "risk_owner_signoff": risk_owner_signoff,
    "awareness_calendar": awareness_calendar,
    "audit_plan_template": audit_plan_template,
    "review_agenda": review_agenda,
    "review_outputs": review_outputs,
    "notification_duties": notification_duties,
    "recovery_objectives": recovery_objectives,
    "legal_obligations": _legal,
    "contractual_obligations": _contractual,
    "supplier_register": suppliers_table,
    "document_register": document_register,
    "existing_documents": existing_documents,
    "competence_table": competence_table,
    "objectives_table": objectives_table,
    "measurement_table": metrics_table,
    "audit_schedule": audit_schedule,
    "audit_results": audit_results,
    "operations_calendar": operations_calendar,
    "nonconformity_register": nonconformity_columns,
    "review_attendees": attendees,
    "asset_classes": asset_classes,
}


def blocks_for(ctx: BlockContext) -> list[str]:
    """The blocks the catalogue section declares, rendered from the organisation's data."""
    return [text for name in ctx.section.blocks if (text := BLOCKS[name](ctx).strip())]
