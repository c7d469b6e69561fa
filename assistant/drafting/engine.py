"""One interface over both drafting paths: draft a document, the SoA, or refine one section."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date
from typing import Any

from assistant.drafting.cache import ResponseCache
from assistant.drafting.context import SectionContext, build_context, fit_budget
from assistant.drafting.factcheck import FactChecker
from assistant.drafting.facts import profile_facts
from assistant.drafting.llm import ChatModel, DraftStepFailed
from assistant.drafting.models import Draft, DraftedSection, SectionDraft, Soa, SoaBatchDraft, SoaRow, Usage
from assistant.drafting.offline import OfflineDrafter, templated
from assistant.drafting.prompts import load_prompt
from assistant.drafting.refine import offline_redraft
from assistant.drafting.soa import OfflineSoaWriter, bases, finalise
from assistant.drafting.soa_document import soa_sections
from assistant.drafting.validate import check_section, unknown_vendors
from assistant.errors import InputError
from assistant.ids import LEGACY_CONTROL_REF
from assistant.index.search import Retriever
from assistant.inputs.profile import Profile
from assistant.inputs.risks import RiskRegister
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import Corpus
from assistant.knowledge.models import DocumentSpec, Section
from assistant.settings import Settings

SOA_DOC = "statement-of-applicability"
SOA_BATCH = 12
RISK_DOCS = {
    "risk-assessment-report",
    "risk-treatment-plan",
    "risk-assessment-and-treatment-methodology",
    "information-security-objectives",
    "management-review-minutes",
    SOA_DOC,
}


@dataclass
class Inputs:
    """Everything a draft depends on, loaded and validated once."""

    workspace: Workspace
    settings: Settings
    corpus: Corpus
    profile: Profile
    register: RiskRegister | None
    today: date


class Engine:
    def __init__(self, inputs: Inputs, retriever: Retriever | None = None) -> None:
        self.inputs = inputs
        self.provider = inputs.settings.resolved_provider
        self.facts = profile_facts(inputs.profile)
        self.known_ids = set(inputs.corpus.controls) | set(inputs.corpus.clauses)
        self.known_text = inputs.profile.model_dump_json()
        self.factcheck = FactChecker(inputs.profile)
        self._retriever = retriever
        self._soa: Soa | None = None
        self._retriever_lock = threading.Lock()
        self._soa_lock = threading.Lock()
        self.offline = OfflineDrafter(inputs.corpus, inputs.profile, inputs.register, inputs.today)
        self.chat: ChatModel | None = None
        if self.provider == "openai":
            cache = ResponseCache(inputs.workspace.state_dir / "cache" / "llm")
            self.chat = ChatModel(inputs.settings, cache)

    @property
    def model(self) -> str:
        return self.chat.model if self.chat else self.offline.model

    def prompt_version(self, doc_id: str) -> str:
        if self.chat is None:
            return self.offline.prompt_version
        chain = "soa_batch" if doc_id == SOA_DOC else "draft_section"
        return load_prompt(self.inputs.settings.prompts_dir, chain).version_id

    def inputs_hash(self, doc_id: str) -> str:
        """Changes when anything this document is drafted from changes."""
        corpus, doc = self.inputs.corpus, self.inputs.corpus.documents[doc_id]
        controls = [corpus.controls[c].model_dump(mode="json") for c in doc.controls]
        clauses = [corpus.clauses[c].model_dump(mode="json") for c in doc.clauses if c in corpus.clauses]
        register = self.inputs.register
        if register is None:
            risks: list[Any] = []
        elif doc_id in RISK_DOCS:
            risks = [r.model_dump(mode="json") for r in register.risks]
        else:
            risks = [r.model_dump(mode="json") for r in register.risks if set(r.controls) & set(doc.controls)]
        if doc_id == SOA_DOC:
            controls = [c.model_dump(mode="json") for c in corpus.ordered_controls()]
            catalogue = {d.id: d.controls for d in corpus.documents.values()}
        else:
            catalogue = {}
        payload = [
            doc.model_dump(mode="json"),
            controls,
            clauses,
            catalogue,
            self.inputs.profile.model_dump(mode="json"),
            risks,
            self.provider,
            self.model,
            self.prompt_version(doc_id),
        ]
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()[:16]

    def retriever(self) -> Retriever:
        with self._retriever_lock:
            if self._retriever is None:
                from assistant.index.workspace_index import build_workspace_index, open_retriever

                build_workspace_index(self.inputs.workspace, self.inputs.settings)
                self._retriever = open_retriever(self.inputs.workspace, self.inputs.settings)
            return self._retriever

    @property
    def soa_ready(self) -> bool:
        return self._soa is not None

    # -- documents ---------------------------------------------------------------------------------------

    def draft(self, doc_id: str) -> Draft:
        corpus = self.inputs.corpus
        if doc_id not in corpus.documents:
            raise InputError(
                f"unknown document id {doc_id!r}; see `isms corpus export --json` for the catalogue"
            )
        doc = corpus.documents[doc_id]
        started = time.perf_counter()
        usage = Usage()
        if doc_id == SOA_DOC:
            soa = self.soa()
            usage.add(soa.usage)
            titles = {d.id: d.title for d in corpus.documents.values()}
            sections = soa_sections(doc, soa, self.inputs.profile, titles)
        else:
            if self.chat is None:
                used_facts: set[str] = set()  # offline sections share it so facts are not repeated
                drafted = [self._section(doc, section, used_facts) for section in doc.sections]
            else:
                # Sections are independent for a model: draft them side by side (the chat model bounds
                # how many requests are in flight), so a long document is not a sequential tail.
                failed = threading.Event()

                def one(section: Section) -> tuple[DraftedSection, Usage]:
                    if failed.is_set():
                        raise DraftStepFailed(f"{doc.id}: not drafted after an earlier section failed")
                    try:
                        return self._section(doc, section, set())
                    except BaseException:
                        failed.set()
                        raise

                with ThreadPoolExecutor(max_workers=self.inputs.settings.concurrency) as pool:
                    drafted = list(pool.map(one, doc.sections))
            sections = []
            for section, used in drafted:
                usage.add(used)
                sections.append(section)
        return Draft(
            doc_id=doc.id,
            title=doc.title,
            sections=sections,
            provider=self.provider,
            model=self.model,
            prompt_version=self.prompt_version(doc_id),
            inputs_hash=self.inputs_hash(doc_id),
            usage=usage,
            seconds=time.perf_counter() - started,
        )

    def _section(
        self, doc: DocumentSpec, section: Section, used_facts: set[str]
    ) -> tuple[DraftedSection, Usage]:
        if self.chat is None:
            result = self.offline.draft_section(doc, section, used_facts)
            allowed = self.offline.allowed_ids(doc, section)
            # Statements are reviewed like code in the corpus: a short section of real rules is complete.
            problems = self._check(section, result, allowed, min_words=1 if templated(doc) else 40)
            if problems:
                raise DraftStepFailed(
                    f"offline draft of {doc.id} / {section.heading} failed validation", details=problems
                )
            usage = Usage()
        else:
            result, usage = self._llm_section(doc, section)
        return DraftedSection(
            heading=section.heading,
            text=result.text.strip(),
            cited_ids=sorted(set(result.cited_ids)),
            controls=list(section.controls),
            clauses=list(section.clauses),
            decisions=list(result.decisions) if self.chat is None else [],
        ), usage

    def _check(
        self,
        section: Section,
        result: SectionDraft,
        allowed: set[str],
        instruction: str | None = None,
        min_words: int = 40,
    ) -> list[str]:
        """Validate a drafted section. A reviewer's instruction is trusted: it may name new tools and change
        facts the profile states, so a refinement is checked against the profile plus the instruction and
        without the fact checker."""
        return check_section(
            heading=result.heading,
            expected_heading=section.heading,
            text=result.text,
            declared=result.cited_ids,
            known_ids=self.known_ids,
            allowed_ids=allowed,
            known_text=self.known_text if instruction is None else f"{self.known_text} {instruction}",
            vendors=self.inputs.corpus.vendors,
            facts=self.factcheck if instruction is None else None,
            min_words=min_words,
        )

    def _context(self, doc: DocumentSpec, section: Section) -> SectionContext:
        i = self.inputs
        return build_context(i.corpus, i.profile, self.facts, i.register, self.retriever(), doc, section)

    def _llm_section(self, doc: DocumentSpec, section: Section) -> tuple[SectionDraft, Usage]:
        assert self.chat is not None
        prompt = load_prompt(self.inputs.settings.prompts_dir, "draft_section")
        context = self._context(doc, section)
        schema = json.dumps(SectionDraft.model_json_schema())

        def render(ctx: Any) -> tuple[str, str]:
            return prompt.render(
                org_name=self.inputs.profile.identity.name,
                document=doc,
                section=section,
                schema=schema,
                **ctx.variables(),
            )

        system, user = fit_budget(context, render)
        allowed = set(context.allowed_ids)
        return self.chat.structured(
            SectionDraft,
            system,
            user,
            prompt.version_id,
            lambda parsed: self._check(section, parsed, allowed),
        )

    # -- Statement of Applicability -----------------------------------------------------------------------

    def soa(self) -> Soa:
        with self._soa_lock:
            if self._soa is None:
                self._soa = self._build_soa()
            return self._soa

    def _build_soa(self) -> Soa:
        inputs = self.inputs
        all_bases = bases(inputs.corpus, inputs.profile, inputs.register)
        usage = Usage()
        notes = [n for b in all_bases for n in b.notes]
        rows: list[SoaRow] = []
        if self.chat is None:
            writer = OfflineSoaWriter(
                inputs.profile, {d.id: d.title for d in inputs.corpus.documents.values()}
            )
            drafts = [writer.draft(b) for b in all_bases]
        else:
            batches = [all_bases[i : i + SOA_BATCH] for i in range(0, len(all_bases), SOA_BATCH)]
            with ThreadPoolExecutor(max_workers=inputs.settings.concurrency) as pool:
                answers = list(pool.map(self._llm_soa_batch, batches))
            drafts = []
            for batch_rows, used in answers:
                drafts += batch_rows
                usage.add(used)
        for basis, draft in zip(all_bases, drafts, strict=True):
            row, corrections = finalise(basis, draft)
            rows.append(row)
            notes += corrections
        return Soa(
            rows=rows,
            provider=self.provider,
            model=self.model,
            prompt_version=self.prompt_version(SOA_DOC),
            inputs_hash=self.inputs_hash(SOA_DOC),
            usage=usage,
            notes=notes,
        )

    def _llm_soa_batch(self, batch: list[Any]) -> tuple[list[Any], Usage]:
        assert self.chat is not None
        prompt = load_prompt(self.inputs.settings.prompts_dir, "soa_batch")
        profile = self.inputs.profile
        controls = [
            {
                "id": b.control.id,
                "title": b.control.title,
                "theme": b.control.theme,
                "purpose": b.control.purpose.strip(),
                "risks": "; ".join(f"{r.id} {r.title} (score {r.score}, {r.treatment})" for r in b.risks),
                "obligations": ", ".join(b.obligations),
                "status": b.status or "",
                "excluded": b.exclusion or "",
            }
            for b in batch
        ]
        system, user = prompt.render(
            org_name=profile.identity.name,
            threshold=profile.risk_criteria.acceptance_threshold,
            schema=json.dumps(SoaBatchDraft.model_json_schema()),
            facts=[f.text for f in self.facts[:25]],
            controls=controls,
        )
        wanted = [b.control.id for b in batch]

        def validate(parsed: SoaBatchDraft) -> list[str]:
            problems = []
            got = [r.control_id for r in parsed.rows]
            if got != wanted:
                problems.append(f"rows must be exactly these controls in this order: {', '.join(wanted)}")
            texts = [r.justification.strip() for r in parsed.rows]
            if len(set(texts)) != len(texts):
                problems.append("each row needs its own justification; do not repeat a sentence across rows")
            for r in parsed.rows:
                if not r.justification.strip():
                    problems.append(f"{r.control_id}: the justification is empty")
                if LEGACY_CONTROL_REF.search(r.justification):
                    problems.append(f"{r.control_id}: use 2022 control ids only")
                vendors = unknown_vendors(r.justification, self.known_text, self.inputs.corpus.vendors)
                if vendors:
                    problems.append(
                        f"{r.control_id}: the organisation's facts do not name {', '.join(sorted(vendors))}"
                    )
            return problems

        parsed, usage = self.chat.structured(SoaBatchDraft, system, user, prompt.version_id, validate)
        return parsed.rows, usage

    # -- refinement ------------------------------------------------------------------------------------------

    def redraft_section(self, draft: Draft, heading: str, instruction: str) -> tuple[DraftedSection, Usage]:
        """A new version of one section only, following a reviewer's instruction."""
        doc = self.inputs.corpus.documents[draft.doc_id]
        current = _find_section(draft, heading)
        spec = (
            next(s for s in doc.sections if s.heading == current.heading)
            if any(s.heading == current.heading for s in doc.sections)
            else Section(
                heading=current.heading,
                establishes="Revise this section as instructed by the reviewer.",
                controls=current.controls,
                clauses=current.clauses,
            )
        )
        if not instruction.strip():
            raise InputError("the instruction is empty")
        if self.chat is None:
            text = offline_redraft(current.text, instruction)
            return current.model_copy(update={"text": text}), Usage()
        prompt = load_prompt(self.inputs.settings.prompts_dir, "redraft_section")
        context = self._context(doc, spec)
        allowed = set(context.allowed_ids) | set(current.cited_ids)
        schema = json.dumps(SectionDraft.model_json_schema())

        def render(ctx: Any) -> tuple[str, str]:
            variables = ctx.variables()
            variables["allowed_ids"] = sorted(set(variables["allowed_ids"]) | set(current.cited_ids))
            return prompt.render(
                org_name=self.inputs.profile.identity.name,
                document=doc,
                section=spec,
                current_text=current.text,
                instruction=instruction,
                schema=schema,
                **variables,
            )

        system, user = fit_budget(context, render)

        parsed, usage = self.chat.structured(
            SectionDraft,
            system,
            user,
            prompt.version_id,
            lambda p: self._check(spec, p, allowed, instruction),
        )
        return current.model_copy(
            update={"text": parsed.text.strip(), "cited_ids": sorted(set(parsed.cited_ids))}
        ), usage


def _find_section(draft: Draft, heading: str) -> DraftedSection:
    wanted = heading.strip().lower()
    for index, section in enumerate(draft.sections, start=1):
        if section.heading.lower() == wanted or wanted == str(index):
            return section
    names = "; ".join(f"{i}. {s.heading}" for i, s in enumerate(draft.sections, start=1))
    raise InputError(f"{draft.doc_id} has no section {heading!r}; sections: {names}")
