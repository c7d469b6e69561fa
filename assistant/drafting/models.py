"""What every drafting step returns: validated pydantic models with citations and usage."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from assistant.inputs.profile import ImplementationStatus


class SectionDraft(BaseModel):
    """One drafted section, as a model must return it."""

    model_config = ConfigDict(extra="forbid")

    heading: str = Field(description="The section heading, exactly as requested")
    text: str = Field(description="The section body in Markdown: paragraphs, bullet lists, tables")
    cited_ids: list[str] = Field(
        default_factory=list,
        description="Every control (A.x.y) and clause id the text cites, e.g. A.5.15, 6.1.2",
    )
    decisions: list[str] = Field(default_factory=list, description="Leave empty.")


class SoaRowDraft(BaseModel):
    """A model's proposal for one SoA row; rules are enforced in code afterwards."""

    model_config = ConfigDict(extra="forbid")

    control_id: str
    applicable: bool
    justification: str = Field(
        description="Why the control is included or excluded, specific to the organisation"
    )
    implementation_status: ImplementationStatus
    evidence: str = Field(default="", description="Evidence an auditor can be shown")


class SoaBatchDraft(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rows: list[SoaRowDraft]


class Usage(BaseModel):
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    cached_calls: int = 0
    cost_usd: float = 0.0
    tokenizer: str = ""

    def add(self, other: Usage) -> None:
        self.prompt_tokens += other.prompt_tokens
        self.completion_tokens += other.completion_tokens
        self.calls += other.calls
        self.cached_calls += other.cached_calls
        self.cost_usd += other.cost_usd
        self.tokenizer = self.tokenizer or other.tokenizer


class DraftedSection(BaseModel):
    heading: str
    text: str
    cited_ids: list[str]
    decisions: list[str] = Field(default_factory=list)  # questions recorded because a fact was missing
    controls: list[str] = Field(default_factory=list)
    clauses: list[str] = Field(default_factory=list)
    carried_from: list[str] = Field(default_factory=list)  # files in docs/ whose rules the section keeps


class Draft(BaseModel):
    """A complete document: the catalogue entry's sections, drafted and validated."""

    doc_id: str
    title: str
    sections: list[DraftedSection]
    provider: str
    model: str
    prompt_version: str
    inputs_hash: str
    inputs_parts: dict[str, str] = Field(default_factory=dict)  # named input hashes (input_parts.py)
    usage: Usage = Field(default_factory=Usage)
    seconds: float = 0.0

    carried_decisions: list[str] = Field(default_factory=list)  # from the file a refinement started from

    @property
    def decisions(self) -> list[str]:
        """The document's open questions, each once, in section order."""
        found = [q for s in self.sections for q in s.decisions]
        return list(dict.fromkeys([*found, *self.carried_decisions]))

    @property
    def carried_from(self) -> list[str]:
        """The organisation's current documents whose rules this draft carries over."""
        return sorted({f for s in self.sections for f in s.carried_from})


class SoaRow(BaseModel):
    """A row of the canonical soa.csv."""

    control_id: str
    title: str
    theme: str
    applicable: Literal["yes", "no"]
    justification: str
    drivers: list[str]
    implementation_status: ImplementationStatus
    owner: str
    documents: list[str]
    evidence: str


class Soa(BaseModel):
    rows: list[SoaRow]
    provider: str
    model: str
    prompt_version: str
    inputs_hash: str
    usage: Usage = Field(default_factory=Usage)
    notes: list[str] = Field(default_factory=list)
