"""The offline drafter: complete, grounded sections composed from the corpus and the organisation's facts.

Deterministic (same inputs, same text), no network and no model. Each section states the catalogue's
requirements in the organisation's voice, the facts of its profile that bear on them, the practices from
the control guidance, the risks from the register that the section treats, and the evidence it keeps.
"""

from __future__ import annotations

import re
from datetime import date

from assistant.drafting.block_registry import blocks_for
from assistant.drafting.blocks import BlockContext
from assistant.drafting.factcheck import FactChecker
from assistant.drafting.facts import Fact, profile_facts, select_facts, topic_weights
from assistant.drafting.models import SectionDraft
from assistant.drafting.phrasing import EXAMPLE_PAREN, Voice, sentences
from assistant.drafting.statements import render_statements
from assistant.drafting.validate import unknown_vendors
from assistant.inputs.profile import Profile
from assistant.inputs.risks import RiskRegister
from assistant.knowledge.loader import Corpus
from assistant.knowledge.models import Control, DocumentSpec, Section

OFFLINE_VERSION = "offline-drafter.v6"  # bump whenever the drafter writes differently
MAX_RULES_PER_CONTROL = 3
MAX_FACTS = 6
MAX_RISKS = 5
FACT_HOMES = 4  # documents in which each profile fact is stated
MIN_SECTION_WORDS = 45  # below this, a section gets its topic facts and control purposes as well


def templated(doc: DocumentSpec) -> bool:
    """A document whose catalogue entry carries its own text (statements) rather than instructions only."""
    return any(s.statements or s.decisions for s in doc.sections)


class OfflineDrafter:
    """Writes sections without a model. `known_text` is what the organisation's facts name."""

    name = "offline"
    model = "offline-drafter"
    prompt_version = OFFLINE_VERSION

    def __init__(self, corpus: Corpus, profile: Profile, register: RiskRegister | None, today: date) -> None:
        self.corpus = corpus
        self.profile = profile
        self.register = register
        self.today = today
        self.voice = Voice(profile)
        self.facts = profile_facts(profile)
        self.known_text = profile.model_dump_json()
        self.factcheck = FactChecker(profile)
        self.fact_homes = self._plan_facts()
        self.primary = self._primary_documents()

    def allowed_ids(self, doc: DocumentSpec, section: Section) -> set[str]:
        return set(section.controls) | set(section.clauses) | set(doc.clauses)

    def draft_section(
        self, doc: DocumentSpec, section: Section, used_facts: set[str] | None = None
    ) -> SectionDraft:
        """One section; `used_facts` (shared across a document's sections) keeps facts from repeating."""
        if templated(doc):
            return self._from_statements(doc, section)
        used = used_facts if used_facts is not None else set()
        controls = [self.corpus.controls[c] for c in section.controls]
        named: set[str] = set()
        parts: list[str] = [self._lead(doc, section, named)]
        clause_line = self._clauses(doc, section, used)
        if clause_line:
            parts.append(clause_line)
        blocks = blocks_for(BlockContext(self.corpus, self.profile, self.register, doc, section, self.today))
        parts.extend(blocks)
        shown = "\n".join(blocks)
        facts = [
            f
            for f in self._facts(doc, section, controls)
            if f.key not in used
            and doc.id in self.fact_homes.get(f.key, ())
            and f.text.split(": ", 1)[-1].rstrip(".")[:60] not in shown
        ][:MAX_FACTS]
        if not facts and not blocks:
            # Every section says something true of this organisation: its most relevant fact, even if an
            # earlier section of the document stated it too.
            ranked = self._facts(doc, section, controls)
            facts = [f for f in ranked if doc.id in self.fact_homes.get(f.key, ()) and f.key not in used][:1]
            if not facts:
                parts.append(self._ownership(doc, section))
        used.update(f.key for f in facts)
        if facts:
            parts.append(
                f"How this applies at {self.profile.identity.name}:\n\n"
                + "\n".join(f"- {f.text}" for f in facts)
            )
        for control in controls:
            if self.primary.get(control.id, doc.id) == doc.id:
                parts.append(self._control(control, section, named, used))
            else:
                parts.append(self._cross_reference(control, section))
        risks = self._risks(section, used)
        if risks:
            parts.append(risks)
        if sum(len(p.split()) for p in parts) < MIN_SECTION_WORDS:
            # Too thin after de-duplication: state the facts on this section's topics even if another
            # document also states them, then the purpose of its controls.
            extra: list[Fact] = []
            homed = (
                f
                for f in self._facts(doc, section, controls)
                if f.key not in used and doc.id in self.fact_homes.get(f.key, ())
            )
            for fact in homed:
                if (
                    sum(len(p.split()) for p in parts) + sum(len(f.text.split()) for f in extra)
                    >= MIN_SECTION_WORDS
                ):
                    break
                extra.append(fact)
            used.update(f.key for f in extra)
            if extra:
                parts.append("\n".join(f"- {f.text}" for f in extra))
            for control in controls:
                purpose = " ".join(x for x in sentences(control.purpose) if self._known(x))
                parts.append(f"Why this matters [{control.id}]: {self.voice.organisation(purpose)}")
            if sum(len(p.split()) for p in parts) < MIN_SECTION_WORDS:
                parts.append(self._ownership(doc, section))
        text = "\n\n".join(p for p in parts if p.strip())
        cited = sorted(set(re.findall(r"\[([A0-9][\w.]*)\]", text)) & self.allowed_ids(doc, section))
        return SectionDraft(heading=section.heading, text=text, cited_ids=cited)

    def _from_statements(self, doc: DocumentSpec, section: Section) -> SectionDraft:
        """The section's statements rendered from the profile, then its blocks: the document text itself,
        with nothing from the guidance. Missing facts become decisions, never sentences."""
        rendered = render_statements(list(section.statements), self.profile, list(section.decisions))
        lines = [line for line in rendered.lines if self._known(line)]
        ids = [*section.controls, *section.clauses] or list(doc.clauses[:1])
        cite = " " + " ".join(f"[{i}]" for i in ids) if ids else ""
        parts: list[str] = []
        if lines:
            first = lines[0].rstrip(".") + "." + cite
            body = [first, *lines[1:]]
            parts.append(body[0] if len(body) == 1 else "\n".join(f"- {line}" for line in body))
        blocks = blocks_for(BlockContext(self.corpus, self.profile, self.register, doc, section, self.today))
        parts.extend(blocks)
        if not lines and blocks and cite:
            parts.insert(0, f"{section.heading}{cite}:")  # the table's caption carries the citation
        text = "\n\n".join(parts)
        cited = sorted(set(re.findall(r"\[([A0-9][\w.]*)\]", text)) & self.allowed_ids(doc, section))
        return SectionDraft(heading=section.heading, text=text, cited_ids=cited, decisions=rendered.decisions)

    def _lead(self, doc: DocumentSpec, section: Section, named: set[str]) -> str:
        statements = []
        for sentence in sentences(section.establishes):
            rewritten = self.voice.instruction(sentence, doc.kind)
            if rewritten and self._known(rewritten):
                statements.append(rewritten.rstrip(".") + ".")
        lead = self.voice.people(" ".join(statements), named)
        cite = section.controls[:1] or section.clauses[:1] or doc.clauses[:1]
        return lead + (f" [{cite[0]}]" if cite else "")

    def _ownership(self, doc: DocumentSpec, section: Section) -> str:
        owner = self.profile.roles.holder(doc.owner_role)
        approver = self.profile.roles.holder(self.profile.document_control.approver)
        return (
            f"At {self.profile.identity.name}, {owner.name} ({owner.title}) owns what this section sets out on "
            f"{section.heading.lower()}, keeps its records for the ISMS and brings changes to {approver.name} "
            f"for approval."
        )

    def _plan_facts(self) -> dict[str, tuple[str, ...]]:
        """Each fact is stated in the few documents most about it, not in every document that touches it."""
        scores: dict[str, list[tuple[float, str]]] = {f.key: [] for f in self.facts}
        for doc in self.corpus.documents.values():
            best: dict[str, float] = {}
            for section in doc.sections:
                controls = [self.corpus.controls[c] for c in section.controls]
                text = f"{section.heading} {section.heading} {section.establishes}"
                if not section.controls:
                    text += f" {doc.title}"
                weights = topic_weights(text, controls)
                for fact in self.facts:
                    score = sum(weights.get(t, 0) for t in fact.topics) / len(fact.topics)
                    if score > best.get(fact.key, 0):
                        best[fact.key] = score
            for key, score in best.items():
                scores[key].append((score, doc.id))
        return {
            key: tuple(d for _s, d in sorted(ranked, key=lambda x: (-x[0], x[1]))[:FACT_HOMES])
            for key, ranked in scores.items()
        }

    def _primary_documents(self) -> dict[str, str]:
        """The document that sets a control out in full: the one whose title shares most words with the
        control's title, then the most focused one (fewest controls)."""

        def words(text: str) -> set[str]:
            return {w[:6] for w in re.findall(r"[a-z]{4,}", text.lower())}

        primary: dict[str, str] = {}
        for cid, control in self.corpus.controls.items():
            homes = [d for d in self.corpus.documents.values() if cid in d.controls]
            if homes:
                best = min(
                    homes, key=lambda d: (-len(words(control.title) & words(d.title)), len(d.controls), d.id)
                )
                primary[cid] = best.id
        return primary

    def _cross_reference(self, control: Control, section: Section) -> str:
        home = self.corpus.documents[self.primary[control.id]]
        return f"**{control.title} [{control.id}]:** set out in the {home.title}."

    def _clauses(self, doc: DocumentSpec, section: Section, used: set[str]) -> str:
        """What a clause requires, stated once per document where its sections first meet it."""
        ids = section.clauses or ([] if section.controls or not doc.mandatory else doc.clauses[:1])
        ids = [cid for cid in ids if f"clause:{cid}" not in used]
        used.update(f"clause:{cid}" for cid in ids)
        lines = []
        for cid in ids:
            clause = self.corpus.clauses.get(cid)
            if clause:
                first = sentences(clause.requires)[0]
                lines.append(
                    f"This meets clause {cid} ({clause.title}) [{cid}]: {self.voice.organisation(first)}"
                )
        return " ".join(lines)

    def _facts(self, doc: DocumentSpec, section: Section, controls: list[Control]) -> list[Fact]:
        text = f"{section.heading} {section.heading} {section.establishes}"
        if not section.controls:
            text += f" {doc.title}"
        return select_facts(self.facts, topic_weights(text, controls), limit=MAX_FACTS + 4)[: MAX_FACTS + 4]

    def _control(self, control: Control, section: Section, named: set[str], used: set[str]) -> str:
        """The control in full the first time a document meets it; later sections add only unused practices."""
        first = f"control:{control.id}" not in used
        used.add(f"control:{control.id}")
        focus = set(re.findall(r"[a-z]{4,}", section.establishes.lower()))
        candidates = []
        for index, sentence in enumerate(sentences(control.guidance)):
            rule = self.voice.guidance(sentence)
            if rule is None or not self._known(rule) or f"rule:{rule}" in used:
                continue
            overlap = len(focus & set(re.findall(r"[a-z]{4,}", rule.lower())))
            candidates.append((-overlap, index, rule))
        chosen = [rule for _, _, rule in sorted(candidates)[:MAX_RULES_PER_CONTROL]]
        chosen.sort(key=lambda rule: next(i for _, i, r in candidates if r == rule))
        used.update(f"rule:{rule}" for rule in chosen)
        if not first:
            heading = f"**{control.title} [{control.id}], continued:**"
            if not chosen:  # every practice was used above: show what evidence this part produces instead
                rest = [EXAMPLE_PAREN.sub("", e).rstrip(".") for e in control.evidence if self._known(e)][3:]
                chosen = [f"Keep as evidence: {e}." for e in rest[:2]] or [
                    f"Apply the practices set out above for {control.title.lower()} to this part of the "
                    f"{self.profile.identity.name} ISMS as well, and keep their records with it."
                ]
            body = "\n".join(f"- {self.voice.people(rule, named)}" for rule in chosen)
            return f"{heading}\n\n{body}"
        purpose = " ".join(s for s in sentences(control.purpose) if self._known(s))
        lines = [f"**{control.title} [{control.id}].** {self.voice.organisation(purpose)}".rstrip()]
        if chosen:
            lines.append("\n".join(f"- {self.voice.people(rule, named)}" for rule in chosen))
        evidence = [EXAMPLE_PAREN.sub("", e).rstrip(".") for e in control.evidence if self._known(e)][:3]
        if evidence:
            lines.append("Evidence kept: " + "; ".join(evidence) + ".")
        return "\n\n".join(lines)

    def _known(self, text: str) -> bool:
        """True when the text names no tool the organisation does not use and states no fact against its profile."""
        return not unknown_vendors(
            text, self.known_text, self.corpus.vendors
        ) and not self.factcheck.contradictions(text)

    def _risks(self, section: Section, used: set[str]) -> str:
        """Register risks the section treats, each listed once per document."""
        if self.register is None or not section.controls:
            return ""
        threshold = self.profile.risk_criteria.acceptance_threshold
        wanted = set(section.controls)
        risks = [r for r in self.register.risks if wanted & set(r.controls) and f"risk:{r.id}" not in used]
        used.update(f"risk:{r.id}" for r in risks[:MAX_RISKS])
        risks.sort(key=lambda r: (-r.score, r.id))
        if not risks:
            return ""
        lines = []
        for r in risks[:MAX_RISKS]:
            level = "above" if r.score > threshold else "within"
            treats = ", ".join(f"[{c}]" for c in r.controls if c in wanted)
            lines.append(
                f"- {r.id} {r.title}: score {r.score}, {level} the acceptance threshold of {threshold}; "
                f"treatment {r.treatment}, owner {r.owner}; treated here by {treats}."
            )
        return "Register risks treated here:\n\n" + "\n".join(lines)
