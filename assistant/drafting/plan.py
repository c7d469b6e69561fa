"""plan → write → check: what one section must say, decided once, whichever writer then writes it.

A `SectionPlan` holds the section's rules (its statements rendered from the profile, and the rules carried
over from the organisation's current documents), its tables (blocks, kept verbatim by every writer), the
decisions recorded for missing facts, and the context a model needs to word it well (organisation facts,
register risks, our guidance passages, passages of its own documents in docs/ over a relevance floor, allowed
citations). The offline writer renders the plan as it is; a
chat writer words it for the organisation but keeps every rule and figure.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from assistant.drafting.block_registry import blocks_for
from assistant.drafting.blocks import BlockContext
from assistant.drafting.carry import Carried, CarriedRule
from assistant.drafting.factcheck import FactChecker
from assistant.drafting.facts import Fact, select_facts, topic_weights
from assistant.drafting.statements import render_statements
from assistant.drafting.validate import fact_problems
from assistant.inputs.profile import Profile
from assistant.inputs.risks import RiskRegister
from assistant.knowledge.loader import Corpus
from assistant.knowledge.models import Control, DocumentSpec, Section

FORBIDS = re.compile(r"\b(?:never|must not|not permitted|not allowed|prohibited|may not|do not)\b", re.I)
PLAN_VERSION = 9  # bump whenever planning changes what a section holds: every document is then redrafted
MAX_FACTS = 10
MAX_RISKS = 8
PROMPT_BUDGET = 6000  # tokens of one section's prompt
# Documents about the risk register itself: a model writing them sees every risk, not the top few.
WHOLE_REGISTER = frozenset(
    {"risk-assessment-report", "risk-treatment-plan", "risk-assessment-and-treatment-methodology"}
)
MAX_DOC_PASSAGES = 3  # passages of the organisation's current documents (docs/) per section
DOC_PASSAGE_WORDS = 120
MIN_DOC_SHARED = 3  # content words a docs/ passage must share with the section's query (the relevance floor)
MIN_DOC_TOPIC = 2  # ... of which this many from the heading and the section's controls, not the title alone
TOPIC = "\x1f"  # separates a query's document title from its section words


@dataclass(frozen=True)
class Passage:
    id: str
    title: str
    text: str
    source: str = ""  # the docs/ file it was taken from; "" for our guidance
    hash: str = ""  # content hash of a docs/ passage (what the document's inputs hash records)


@dataclass(frozen=True)
class SectionPlan:
    doc_id: str
    doc_title: str
    doc_kind: str
    doc_purpose: str
    heading: str
    establishes: str
    controls: tuple[str, ...]
    clauses: tuple[str, ...]
    statements: tuple[str, ...]  # the section's rules, rendered from the profile
    carried: tuple[CarriedRule, ...]  # rules from the organisation's current documents
    blocks: tuple[str, ...]  # Markdown tables built from data, kept verbatim
    decisions: tuple[str, ...]  # questions recorded because a fact is missing or contradicted
    cite: tuple[str, ...]  # the ids the section cites
    allowed_ids: tuple[str, ...]
    facts: tuple[str, ...]  # organisation facts on the section's topics (context for a model)
    risks: tuple[str, ...]  # register risks the section treats (context for a model)
    passages: tuple[Passage, ...]  # our guidance, for understanding only: never pasted into documents
    risks_compact: tuple[str, ...] = field(default=(), compare=False)  # the whole register, one line a risk
    whole_register: bool = False  # every risk stays in the prompt (risk documents); only its wording shrinks

    @property
    def rules(self) -> list[str]:
        """Every rule the section must keep, statements first."""
        return [*self.statements, *(c.text for c in self.carried)]

    def trimmed(self, passages: int, facts: int, risks: int, words: int | None = None) -> SectionPlan:
        """A smaller context for a model with a token budget; the rules and blocks are never trimmed."""
        kept = self.passages[:passages]
        if words is not None:
            kept = tuple(replace(p, text=" ".join(p.text.split()[:words])) for p in kept)
        if self.whole_register:
            risks_kept = self.risks if words is None else self.risks_compact or self.risks
            return replace(self, passages=kept, facts=self.facts[:facts], risks=risks_kept)
        return replace(self, passages=kept, facts=self.facts[:facts], risks=self.risks[:risks])

    def rendered(self) -> dict[str, Any]:
        """Everything the plan holds, as JSON values: what a document's inputs hash records."""
        return {
            "doc": self.doc_id,
            "heading": self.heading,
            "establishes": self.establishes,
            "statements": list(self.statements),
            "carried": [[c.source, c.where, c.text] for c in self.carried],
            "blocks": list(self.blocks),
            "decisions": list(self.decisions),
            "cite": list(self.cite),
            "allowed_ids": list(self.allowed_ids),
            "facts": list(self.facts),
            "risks": list(self.risks),
            "risks_compact": list(self.risks_compact),
            "passages": [[p.id, p.title, p.text, p.source, p.hash] for p in self.passages],
        }

    def variables(self) -> dict[str, Any]:
        """What prompt templates see."""
        return {
            "plan": self,
            "rules": self.rules,
            "facts": list(self.facts),
            "risks": list(self.risks),
            "passages": [_shown(p) for p in self.passages],
            "allowed_ids": list(self.allowed_ids),
        }


def _shown(passage: Passage) -> dict[str, str]:
    """A passage as a prompt shows it: text of docs/ inside a <quoted> fence naming its file (data, never
    instructions; its own angle brackets were replaced when it was read)."""
    shown = dict(passage.__dict__)
    if passage.source:
        shown["text"] = f'<quoted source="{passage.source}">{passage.text}</quoted>'
    return shown


def fit_plan(
    plan: SectionPlan, render: Callable[[SectionPlan], tuple[str, str]], budget: int = PROMPT_BUDGET
) -> tuple[str, str]:
    """Render the prompt, shrinking the context (never the rules) until it fits the token budget."""
    from assistant.tokens import count_tokens

    n = len(plan.passages)
    steps = [
        plan,
        plan.trimmed(n, MAX_FACTS, MAX_RISKS, words=120),
        plan.trimmed(n, 6, 4, words=60),
        plan.trimmed(min(n, 3), 4, 3, words=40),
        plan.trimmed(1, 3, 2, words=30),
        plan.trimmed(0, 2, 1),
    ]
    for step in steps:
        system, user = render(step)
        if count_tokens(system) + count_tokens(user) <= budget:
            break
    return system, user


def _topic(heading: str) -> str:
    """A heading as words within a sentence: "Segregation of networks" -> "segregation of networks"."""
    first = heading.split(" ", 1)[0]
    return (
        heading
        if first.isupper() or any(c.isupper() for c in first[1:])
        else heading[:1].lower() + heading[1:]
    )


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text.endswith((".", "!", "?")) else text + "."


def _confirm(carried: list[CarriedRule]) -> list[str]:
    """Rules carried over are shown to the security lead to confirm: they come from an older document and
    may no longer be what the organisation wants, or may clash with a rule elsewhere in the new set."""
    by_source: dict[str, list[str]] = {}
    for rule in carried:
        by_source.setdefault(rule.source, []).append(rule.text)
    return [
        (
            f"Do these rules carried over from {source.rsplit('/', 1)[-1]} still apply as written: "
            if len(texts) > 1
            else f"Does this rule carried over from {source.rsplit('/', 1)[-1]} still apply as written: "
        )
        + "; ".join(f"“{t.rstrip('.')}”" for t in texts)
        + "?"
        for source, texts in by_source.items()
    ]


class Planner:
    """Builds the plan of every section from the corpus, the profile, the register and `docs/`."""

    def __init__(
        self,
        corpus: Corpus,
        profile: Profile,
        register: RiskRegister | None,
        today: date,
        facts: list[Fact],
        carried: Carried | None = None,
        factcheck: FactChecker | None = None,
        docs: DocsPassages | None = None,
    ) -> None:
        self.docs = docs  # passages of docs/ a model reads (None: the writer reads no context)
        self.corpus = corpus
        self.profile = profile
        self.register = register
        self.today = today
        self.facts = facts
        self.carried = carried or Carried()
        self.known_text = profile.model_dump_json()
        self.factcheck = factcheck or FactChecker(profile)
        self.verdicts: dict[str, str | None] = {}  # text -> why it cannot stand (None: it can)

    def problem(self, text: str) -> str | None:
        """Why a sentence cannot stand in this organisation's documents, or None (remembered per text)."""
        if text not in self.verdicts:
            found = fact_problems(text, self.known_text, self.corpus.vendors, self.factcheck)
            self.verdicts[text] = "; ".join(found) or None
        return self.verdicts[text]

    def carry_verdict(self, text: str) -> tuple[str, str | None]:
        """Whether a rule from docs/ can be carried: see `carry_rules`."""
        vendors = self.corpus.vendors
        foreign = vendors.foreign(text, self.known_text)
        if foreign:
            ours = {vendors.category(name) for name in vendors.named_in(self.known_text)}
            replaced = {name for name in foreign if vendors.category(name) in ours}
            if FORBIDS.search(text) or replaced == set(foreign):
                return "skip", f"the profile has replaced {', '.join(sorted(foreign))}"
        reason = self.problem(text)
        return ("ask", reason) if reason else ("ok", None)

    def rendered(self, doc: DocumentSpec, section: Section) -> list[str]:
        lines = render_statements(list(section.statements), self.profile, []).lines
        return [line for line in lines if self.problem(line) is None]

    def control_statements(self, control: Control) -> list[str]:
        """How the organisation implements a control, in its voice (for SoA justifications)."""
        lines = render_statements(list(control.statements), self.profile, []).lines
        return [line for line in lines if self.problem(line) is None]

    def plan(self, doc: DocumentSpec, section: Section, context: bool = True) -> SectionPlan:
        """The section's plan; `context=False` leaves out what only a model reads (facts, risks, guidance)."""
        rendered = render_statements(list(section.statements), self.profile, list(section.decisions))
        carried = tuple(self.carried.for_section(doc.id, section.heading))
        blocks = blocks_for(
            BlockContext(self.corpus, self.profile, self.register, doc, section, self.today, self.carried)
        )
        lines = [line for line in rendered.lines if self.problem(line) is None]
        open_rule = not lines and not blocks and not carried  # no fact of the profile answers this section
        asked = list(
            dict.fromkeys(
                [
                    *rendered.decisions,
                    *([self.open_question(section)] if open_rule else []),
                    *self.carried.questions_for(doc.id, section.heading),
                    *_confirm(list(carried)),
                ]
            )
        )
        answers = [(q, self.profile.answer_for(q)) for q in asked]
        answered = [_sentence(a.answer) for _q, a in answers if a is not None and a.answer]
        statements = tuple(line for line in [*lines, *answered] if self.problem(line) is None)
        if not statements and open_rule:
            statements = (self.open_rule(section),)
        cite = tuple([*section.controls, *section.clauses] or list(doc.clauses[:1]) or list(doc.controls[:1]))
        passages = self._passages(doc, section) if context else []
        allowed = sorted(
            {*section.controls, *section.clauses, *doc.clauses, *cite, *(p.id for p in passages)}
        )
        if context and self.docs is not None:  # never citable: the organisation's text, for understanding
            passages += self.docs.for_section(self.query(doc, section))
        risks = self._risks(doc, section) if context else []
        whole = context and doc.id in WHOLE_REGISTER and self.register is not None
        return SectionPlan(
            doc_id=doc.id,
            doc_title=doc.title,
            doc_kind=doc.kind,
            doc_purpose=" ".join(doc.purpose.split()),
            heading=section.heading,
            establishes=" ".join(section.establishes.split()),
            controls=tuple(section.controls),
            clauses=tuple(section.clauses),
            statements=statements,
            carried=carried,
            blocks=tuple(blocks),
            decisions=tuple(q for q, a in answers if a is None),
            cite=cite,
            allowed_ids=tuple(allowed),
            facts=tuple(self._facts(doc, section)) if context else (),
            risks=tuple(risks),
            passages=tuple(passages),
            risks_compact=tuple(self._risks(doc, section, compact=True)) if whole else (),
            whole_register=whole,
        )

    def open_question(self, section: Section) -> str:
        """The decision a section needs when none of the profile's facts gives it a rule (an organisation
        unlike those the catalogue's statements were written for): answered, the answer is its rule."""
        return f"What is {self.profile.identity.name}'s rule for {_topic(section.heading)}?"

    def open_rule(self, section: Section) -> str:
        """What the section states until that decision is answered: the gap, and who owns it."""
        owner = self.profile.roles.isms_owner
        return (
            f"{self.profile.identity.name} has not yet decided its rule for {_topic(section.heading)}; "
            f"{owner.name}, {owner.title}, owns this decision."
        )

    def query(self, doc: DocumentSpec, section: Section) -> str:
        """What a section's passages of docs/ are looked up by: the document title, the section heading
        and the keywords of the section's controls."""
        controls = [self.corpus.controls[c] for c in section.controls if c in self.corpus.controls]
        keywords = dict.fromkeys(k for c in controls for k in c.keywords)
        return f"{doc.title}{TOPIC}{' '.join([section.heading, *keywords])}"

    def _facts(self, doc: DocumentSpec, section: Section) -> list[str]:
        """How the organisation does each of the section's controls (the controls' own statements), then
        the profile facts on the section's topics."""
        controls = [self.corpus.controls[c] for c in section.controls]
        practice = [
            f"{c.title} at {self.profile.identity.name}: {line}"
            for c in controls
            for line in self.control_statements(c)[:2]
        ]
        weights = topic_weights(
            f"{section.heading} {section.heading} {section.establishes} {doc.title}", controls
        )
        return practice + [f.text for f in select_facts(self.facts, weights, limit=MAX_FACTS)]

    def _risks(self, doc: DocumentSpec, section: Section, compact: bool = False) -> list[str]:
        if self.register is None:
            return []
        threshold = self.profile.risk_criteria.acceptance_threshold
        wanted = set(section.controls)
        whole = doc.id in WHOLE_REGISTER
        found = []
        for r in sorted(self.register.risks, key=lambda r: (-r.score, r.id)):
            if whole or wanted & set(r.controls) or (not wanted and doc.id.startswith("risk")):
                level = "above" if r.score > threshold else "within"
                if compact:
                    found.append(
                        f"{r.id} {r.title}: score {r.score} ({level} {threshold}), {r.treatment}, "
                        f"{r.owner}, {', '.join(r.controls)}."
                    )
                    continue
                found.append(
                    f"{r.id} {r.title}: {r.description} Score {r.score} ({level} threshold {threshold}), "
                    f"treatment {r.treatment}, owner {r.owner}, controls {', '.join(r.controls)}."
                )
        return found if whole else found[:MAX_RISKS]

    def _passages(self, doc: DocumentSpec, section: Section) -> list[Passage]:
        refs = list(section.controls) + list(section.clauses or ([] if section.controls else doc.clauses))
        passages = []
        for ref in refs:
            if ref in self.corpus.controls:
                c = self.corpus.controls[ref]
                passages.append(Passage(ref, c.title, " ".join(f"{c.purpose} {c.guidance}".split())))
            elif ref in self.corpus.clauses:
                cl = self.corpus.clauses[ref]
                passages.append(Passage(ref, cl.title, " ".join(cl.requires.split())))
        return passages


class DocsPassages:
    """The organisation's current documents (docs/), split into passages, ranked for a section by the words
    they share with its query (weighted by how rare each word is among the passages). A passage that shares
    fewer than MIN_DOC_SHARED content words with the query, or fewer than MIN_DOC_TOPIC with the section's
    own heading and control keywords, is dropped: a document about everything lands nowhere. Deterministic:
    the same docs/ give the same passages in the same order."""

    def __init__(self, passages: list[Passage]) -> None:
        from assistant.drafting.carry import words

        self._words = words
        self.passages = passages
        self._bags = [words(f"{p.title} {p.text}") for p in passages]
        n = len(passages)
        df: dict[str, int] = {}
        for bag in self._bags:
            for w in bag:
                df[w] = df.get(w, 0) + 1
        self._idf = {w: math.log(1 + n / d) for w, d in df.items()}

    @classmethod
    def of_folder(cls, docs_dir: Path, workspace_root: Path) -> DocsPassages:
        from assistant.drafting.injection import instruction_like
        from assistant.index.chunks import document_chunks
        from assistant.index.ingest import ingest_folder

        passages = []
        for document in ingest_folder(docs_dir, workspace_root).documents:
            for chunk in document_chunks(document):
                sentences = re.split(r"(?<=[.!?])\s+", " ".join(chunk.text.split()))
                # a line that speaks to a drafting tool is data, never shown to the model as guidance
                kept = [t for t in sentences if instruction_like(t) is None]
                text = (
                    " ".join(" ".join(kept).split()[:DOC_PASSAGE_WORDS]).replace("<", "‹").replace(">", "›")
                )
                if not text:
                    continue
                digest = hashlib.sha256(chunk.text.encode("utf-8")).hexdigest()[:12]
                location = chunk.metadata.get("location", "")
                ident = f"{document.relative}#{location}" if location else document.relative
                part = chunk.chunk_id.rsplit(":", 1)[-1]
                ident += f" part {int(part) + 1}" if part.isdigit() and part != "0" else ""
                passages.append(Passage(ident, document.title, text, document.relative, digest))
        return cls(passages)

    def ranked(self, query: str) -> list[tuple[Passage, float, int]]:
        """Every passage with its score and shared word count, best first (before the floor)."""
        wanted = self._words(query)
        scored = []
        for passage, bag in zip(self.passages, self._bags, strict=True):
            shared = wanted & bag
            scored.append((passage, sum(self._idf[w] for w in shared), len(shared)))
        scored.sort(key=lambda t: (-round(t[1], 9), t[0].id))
        return scored

    def for_section(self, query: str) -> list[Passage]:
        """The passages over the relevance floor, best first, at most MAX_DOC_PASSAGES. `query` is
        "<title>TOPIC<heading and control keywords>" (`Planner.query`)."""
        _title, _, rest = query.partition(TOPIC)
        topic = self._words(rest or query)
        found = []
        for passage, score, shared in self.ranked(query.replace(TOPIC, " ")):
            if score <= 0 or shared < MIN_DOC_SHARED:
                continue
            if len(topic & self._words(f"{passage.title} {passage.text}")) < MIN_DOC_TOPIC:
                continue
            found.append(passage)
            if len(found) == MAX_DOC_PASSAGES:
                break
        return found
