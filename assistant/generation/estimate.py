"""What a run would cost before it starts: the model writer asked for every section of every document the run
would redraft, with a recording client in place of the endpoint. The prompts are the exact ones the run
sends (rendered, fitted to the budget and redacted by the same code), so their tokens are counted, not
guessed; an answer's tokens are estimated from the offline wording of the same plan, which a model
rewords; a prompt already in the response cache costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant.drafting.models import SectionDraft, SoaBatchDraft, Usage
from assistant.tokens import count_tokens

if TYPE_CHECKING:
    from assistant.drafting.engine import Engine, Inputs

ANSWER_OVERHEAD = 1.15  # JSON quoting and the cited ids around the text of an answer


@dataclass
class Estimate:
    """The requests, tokens and cost a run would need, per document."""

    model: str
    priced: bool
    calls: int = 0
    cached: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    documents: dict[str, dict[str, float]] = field(default_factory=dict)


class _Recorder:
    """Stands in for the chat client: keeps what would be sent and answers with an empty reply."""

    def __init__(self, settings: Any, redact: Any, cache: Any, name: str) -> None:
        self.settings, self.redact, self.cache, self.name = settings, redact, cache, name
        self.asked: list[tuple[int, int, bool]] = []  # (prompt tokens, answer allowance, cached)
        self.answer_tokens = 0  # the offline wording's tokens, set by the caller before each request

    def structured(
        self, schema: type, system: str, user: str, prompt_version: str, *_a: Any, **_k: Any
    ) -> Any:
        from assistant.drafting.cache import ResponseCache

        system, user = self.redact(system), self.redact(user)
        messages = [{"role": "system", "content": system}, {"role": "user", "content": user}]
        key = ResponseCache.key(self.name, self.settings.model, prompt_version, messages)
        cached = self.cache is not None and self.cache.get(key) is not None
        tokens = count_tokens(system, self.settings.model) + count_tokens(user, self.settings.model)
        self.asked.append((tokens, self.answer_tokens, cached))
        empty = SoaBatchDraft(rows=[]) if schema is SoaBatchDraft else SectionDraft(heading="", text="")
        return empty, Usage()


def estimate_run(inputs: Inputs, engine: Engine, doc_ids: list[str]) -> Estimate:
    """The cost of drafting `doc_ids` with the configured model writer (nothing is sent or written)."""
    from assistant.drafting.cache import ResponseCache
    from assistant.drafting.chat_writer import SOA_DOC
    from assistant.drafting.offline import OfflineWriter, render_plan
    from assistant.drafting.soa import bases
    from assistant.redact import redactor_for

    settings = inputs.settings
    writer: Any = engine.writer
    price = settings.prices.get(settings.model)
    result = Estimate(model=settings.model, priced=price is not None)
    if not getattr(writer, "reads_context", False) or not hasattr(writer, "_chat"):
        return result  # the offline writer asks no model
    state = inputs.workspace.state_dir
    cache = ResponseCache(state / "cache" / "llm")
    recorder = _Recorder(settings, redactor_for(settings, inputs.profile), cache, writer.name)
    writer._chat = recorder
    for doc_id in doc_ids:
        before = len(recorder.asked)
        if doc_id == SOA_DOC:
            all_bases = bases(inputs.corpus, inputs.profile, inputs.register)
            for basis in all_bases:  # as the run prepares them (see Engine._build_soa)
                basis.practice = engine.planner.control_statements(basis.control)
            offline = OfflineWriter(inputs)
            rows, _ = offline.write_soa(all_bases, lambda *_: [])
            per_row = [count_tokens(f"{r.justification} {r.evidence}", settings.model) + 30 for r in rows]
            recorder.answer_tokens = int(sum(per_row) / max(1, len(per_row)) * 12)
            writer.write_soa(all_bases, lambda *_: [])
        else:
            doc = inputs.corpus.documents[doc_id]
            for section in doc.sections:
                plan = engine.plan(doc_id, section.heading)
                recorder.answer_tokens = int(
                    count_tokens(render_plan(plan).text, settings.model) * ANSWER_OVERHEAD
                )
                writer.write_section(plan, lambda _d: [])
        asked = recorder.asked[before:]
        sent = [(p, c) for p, c, hit in asked if not hit]
        prompt, completion = sum(p for p, _ in sent), sum(c for _, c in sent)
        cost = (prompt * price.prompt + completion * price.completion) / 1_000_000 if price else 0.0
        result.documents[doc_id] = {"calls": len(sent), "cached": len(asked) - len(sent), "prompt_tokens": prompt,
                                    "completion_tokens": completion, "cost_usd": cost}  # fmt: skip
        result.calls += len(sent)
        result.cached += len(asked) - len(sent)
        result.prompt_tokens += prompt
        result.completion_tokens += completion
        result.cost_usd += cost
    return result


__all__ = ["Estimate", "estimate_run"]
