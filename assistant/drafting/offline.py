"""The offline writer: renders a section plan as it is, with no network and no model.

Deterministic (same inputs, same text). A section is its rules, the statements of the catalogue filled from
the profile and the rules carried over from the organisation's current documents, then its tables. Nothing
from the guidance is pasted and nothing is invented: a fact that is missing became a decision in the plan.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from assistant.drafting.models import DraftedSection, SectionDraft, SoaRowDraft, Usage
from assistant.drafting.plan import SectionPlan
from assistant.drafting.refine import offline_redraft
from assistant.drafting.soa import OfflineSoaWriter

if TYPE_CHECKING:
    from assistant.drafting.engine import Inputs
    from assistant.drafting.soa import ControlBasis
    from assistant.drafting.writers import Check, RowsCheck

OFFLINE_VERSION = "offline-drafter.v8"  # bump whenever the writer writes differently
CITATION = re.compile(r"\[([A0-9][\w.]*)\]")


def render_plan(plan: SectionPlan) -> SectionDraft:
    """The rules as a list (one rule reads as a sentence), the first carrying the section's citations,
    then the blocks."""
    rules = plan.rules
    cite = " " + " ".join(f"[{i}]" for i in plan.cite) if plan.cite else ""
    parts: list[str] = []
    if rules:
        body = [rules[0].rstrip(".") + "." + cite, *rules[1:]]
        parts.append(body[0] if len(body) == 1 else "\n".join(f"- {line}" for line in body))
    parts.extend(plan.blocks)
    if not rules and plan.blocks and cite:
        parts.insert(0, f"{plan.heading}{cite}:")  # the table's caption carries the citation
    text = "\n\n".join(parts)
    cited = sorted(set(CITATION.findall(text)) & set(plan.allowed_ids))
    return SectionDraft(heading=plan.heading, text=text, cited_ids=cited, decisions=list(plan.decisions))


class OfflineWriter:
    name = "offline"
    model = "offline-drafter"
    reads_context = False
    parallel = False

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs

    def prompt_version(self, doc_id: str) -> str:
        return OFFLINE_VERSION

    def write_section(self, plan: SectionPlan, check: Check) -> tuple[SectionDraft, Usage]:
        return render_plan(plan), Usage()

    def write_soa(self, bases: list[ControlBasis], check: RowsCheck) -> tuple[list[SoaRowDraft], Usage]:
        inputs = self.inputs
        writer = OfflineSoaWriter(inputs.profile, {d.id: d.title for d in inputs.corpus.documents.values()})
        return [writer.draft(b) for b in bases], Usage()

    def redraft(
        self, plan: SectionPlan, current: DraftedSection, instruction: str, check: Check
    ) -> tuple[SectionDraft, Usage]:
        text = offline_redraft(current.text, instruction)
        return SectionDraft(heading=current.heading, text=text, cited_ids=list(current.cited_ids)), Usage()
