"""A provider for tests, added the way any provider is: this module and one entry in PROVIDERS.

It writes each section from its plan as a numbered list of the plan's rules, so a test can tell its output
from the offline writer's, and proposes SoA rows the engine's rules then correct.
"""

from __future__ import annotations

from typing import Any

from assistant.drafting.models import DraftedSection, SectionDraft, SoaRowDraft, Usage
from assistant.drafting.plan import SectionPlan
from assistant.drafting.writers import with_blocks


class FakeWriter:
    name = "fake"
    model = "fake-model-1"
    reads_context = True
    parallel = False

    def __init__(self, inputs: Any) -> None:
        self.inputs = inputs
        self.plans: list[SectionPlan] = []

    def prompt_version(self, doc_id: str) -> str:
        return "fake.v1"

    def write_section(self, plan: SectionPlan, check: Any) -> tuple[SectionDraft, Usage]:
        self.plans.append(plan)
        cite = " ".join(f"[{c}]" for c in plan.cite)
        lines = [f"{n}. {rule}" for n, rule in enumerate(plan.rules, start=1)] or [plan.heading + ":"]
        lines[0] += f" {cite}"
        draft = SectionDraft(heading=plan.heading, text="\n".join(lines), cited_ids=list(plan.cite))
        return with_blocks(plan, draft), Usage(calls=1)

    def write_soa(self, bases: list[Any], check: Any) -> tuple[list[SoaRowDraft], Usage]:
        rows = [
            SoaRowDraft(
                control_id=b.control.id,
                applicable=True,
                justification=f"{b.control.title}: " + (b.practice[0] if b.practice else "baseline."),
                implementation_status=b.status or "planned",
                evidence="records",
            )
            for b in bases
        ]
        return rows, Usage(calls=1)

    def redraft(self, plan: SectionPlan, current: DraftedSection, instruction: str, check: Any) -> Any:
        return SectionDraft(heading=current.heading, text=f"{current.text}\n\n{instruction}."), Usage()
