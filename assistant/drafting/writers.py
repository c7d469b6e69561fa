"""Writers turn section plans into text; each provider is one module and one line in `assistant/providers.py`.

A writer is built from the loaded inputs and must provide:

- `name`, `model`, `parallel` (whether sections may be written side by side: such a writer also has
  `requests`, the `RequestPool` they are written on) and `reads_context` (whether it reads the plan's
  organisation facts, risks and guidance, which are then gathered for it);
- `prompt_version(doc_id)`: what the manifest records, so a change of prompt regenerates the document;
- `write_section(plan, check)`: a `SectionDraft` that keeps every rule and block of the plan. `check(draft)`
  is the one checker every writer's output must pass (citations, placeholders, tools and figures against the
  profile); a writer may re-ask a model with its problems, and the engine checks the result again;
- `write_soa(bases, check)`: one `SoaRowDraft` per control basis (rules are enforced afterwards in code);
- `redraft(plan, current, instruction, check)`: one section revised as a reviewer asked.

A writer may also have `warm()` (made ready before the first request of a run) and `close()`.

A writer that can show a section as it is written sets `streams = True`; `write_section` and `redraft` then
also take `on_text` (see `assistant/drafting/streaming.py`). Other writers' sections are shown when done.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import TYPE_CHECKING, Any, Protocol

from assistant.drafting.models import DraftedSection, SectionDraft, SoaRowDraft, Usage
from assistant.drafting.plan import SectionPlan
from assistant.errors import InputError
from assistant.providers import PROVIDERS, provider_names

if TYPE_CHECKING:
    from assistant.drafting.engine import Inputs
    from assistant.drafting.soa import ControlBasis as Basis

Check = Callable[[SectionDraft], list[str]]
RowsCheck = Callable[[list["Basis"], list[SoaRowDraft]], list[str]]


class Writer(Protocol):
    name: str
    model: str
    parallel: bool
    reads_context: bool

    def prompt_version(self, doc_id: str) -> str: ...

    def write_section(self, plan: SectionPlan, check: Check) -> tuple[SectionDraft, Usage]: ...

    def write_soa(self, bases: list[Basis], check: RowsCheck) -> tuple[list[SoaRowDraft], Usage]: ...

    def redraft(
        self, plan: SectionPlan, current: DraftedSection, instruction: str, check: Check
    ) -> tuple[SectionDraft, Usage]: ...


def make_writer(provider: str, inputs: Inputs) -> Writer:
    """The writer registered under `provider`."""
    target = PROVIDERS.get(provider)
    if target is None:
        raise InputError(f"unknown provider {provider!r}; choose one of: auto, {', '.join(provider_names())}")
    module, _, name = target.partition(":")
    factory: Any = getattr(import_module(module), name)
    writer: Writer = factory(inputs)
    return writer


def with_blocks(plan: SectionPlan, draft: SectionDraft) -> SectionDraft:
    """A model words the rules; the plan's tables go in as they are."""
    if not plan.blocks:
        return draft
    text = "\n\n".join([draft.text.strip(), *plan.blocks])
    return draft.model_copy(update={"text": text})
