"""What a model sees for one section: guidance passages, organisation facts and risks, within a token budget."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from assistant.drafting.facts import Fact, select_facts, topic_weights
from assistant.index.chunks import Chunk
from assistant.index.search import Filters, Retriever
from assistant.inputs.profile import Profile
from assistant.inputs.risks import RiskRegister
from assistant.knowledge.loader import Corpus
from assistant.knowledge.models import DocumentSpec, Section
from assistant.tokens import count_tokens

PROMPT_BUDGET = 6000
MAX_FACTS = 10
MAX_ORG_PASSAGES = 5


@dataclass
class SectionContext:
    facts: list[str]
    risks: list[str]
    passages: list[dict[str, str]]
    org_passages: list[dict[str, str]] = field(default_factory=list)

    @property
    def allowed_ids(self) -> list[str]:
        return sorted({p["id"] for p in self.passages})

    def variables(self) -> dict[str, Any]:
        return {
            "facts": self.facts,
            "risks": self.risks,
            "passages": self.passages + self.org_passages,
            "allowed_ids": self.allowed_ids,
        }


def build_context(
    corpus: Corpus,
    profile: Profile,
    facts: list[Fact],
    register: RiskRegister | None,
    retriever: Retriever | None,
    doc: DocumentSpec,
    section: Section,
) -> SectionContext:
    controls = [corpus.controls[c] for c in section.controls]
    weights = topic_weights(
        f"{section.heading} {section.heading} {section.establishes} {doc.title}", controls
    )
    chosen = [f.text for f in select_facts(facts, weights, limit=MAX_FACTS)]
    risks = []
    if register is not None:
        threshold = profile.risk_criteria.acceptance_threshold
        wanted = set(section.controls)
        for r in sorted(register.risks, key=lambda r: -r.score):
            if wanted & set(r.controls) or (not wanted and doc.id.startswith("risk")):
                level = "above" if r.score > threshold else "within"
                risks.append(
                    f"{r.id} {r.title}: {r.description} Score {r.score} ({level} threshold {threshold}), "
                    f"treatment {r.treatment}, owner {r.owner}, controls {', '.join(r.controls)}."
                )
    passages: list[dict[str, str]] = []
    by_ref: dict[str, list[Chunk]] = {}
    if retriever is not None:
        for chunk in retriever.chunks:
            by_ref.setdefault(chunk.ref, []).append(chunk)
    for ref in list(section.controls) + list(section.clauses or ([] if section.controls else doc.clauses)):
        chunks = by_ref.get(ref)
        if chunks:
            passages += [{"id": ref, "title": c.title, "text": c.text} for c in chunks]
        elif ref in corpus.controls:
            c = corpus.controls[ref]
            passages.append({"id": ref, "title": c.title, "text": f"{c.purpose} {c.guidance}"})
        elif ref in corpus.clauses:
            cl = corpus.clauses[ref]
            passages.append({"id": ref, "title": cl.title, "text": cl.requires})
    org: list[dict[str, str]] = []
    if retriever is not None:
        hits = retriever.search_chunks(
            f"{section.heading}. {section.establishes}", k=MAX_ORG_PASSAGES, filters=Filters(kinds=("org",))
        )
        org = [
            {"id": h.chunk.ref, "title": h.chunk.title, "text": h.chunk.text}
            for h in hits
            if h.chunk.ref.startswith("file:")
        ]
    return SectionContext(chosen, risks[:8], passages, org)


def fit_budget(context: SectionContext, render: Any, budget: int = PROMPT_BUDGET) -> tuple[str, str]:
    """Render, dropping the least needed passages until the prompt fits the budget."""
    while True:
        system, user = render(context)
        if count_tokens(system) + count_tokens(user) <= budget:
            return system, user
        if context.org_passages:
            context.org_passages.pop()
        elif len(context.risks) > 3:
            context.risks.pop()
        elif len(context.passages) > len({p["id"] for p in context.passages}):
            seen: set[str] = set()
            drop = None
            for index in range(len(context.passages) - 1, -1, -1):
                pid = context.passages[index]["id"]
                if sum(1 for p in context.passages if p["id"] == pid) > 1 and pid not in seen:
                    drop = index
                    break
            if drop is None:
                return system, user
            context.passages.pop(drop)
        elif len(context.facts) > 4:
            context.facts.pop()
        else:
            return system, user
