"""One interface over both drafting paths: draft a document, the SoA, or refine one section."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from assistant.documents.files import fingerprint, write_atomic
from assistant.drafting.carry import CARRY_VERSION, Carried, carry_rules, from_json, to_json
from assistant.drafting.factcheck import FactChecker
from assistant.drafting.facts import profile_facts
from assistant.drafting.input_parts import part_hashes
from assistant.drafting.inputs_hash import docs_used, document_inputs
from assistant.drafting.llm import DraftStepFailed
from assistant.drafting.models import Draft, DraftedSection, SectionDraft, Soa, SoaRow, SoaRowDraft, Usage
from assistant.drafting.plan import DocsPassages, Planner, SectionPlan
from assistant.drafting.soa import ControlBasis, bases, finalise
from assistant.drafting.soa_document import soa_sections
from assistant.drafting.streaming import OnText, TextStream
from assistant.drafting.validate import check_section, unknown_vendors
from assistant.drafting.writers import make_writer
from assistant.errors import InputError
from assistant.ids import LEGACY_CONTROL_REF
from assistant.inputs.profile import Profile
from assistant.inputs.risks import RiskRegister
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import Corpus
from assistant.knowledge.models import DocumentSpec, Section
from assistant.settings import Settings

SOA_DOC = "statement-of-applicability"


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
    """Plans every section once, has the provider's writer write it, and checks what comes back."""

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.provider = inputs.settings.resolved_provider
        self.facts = profile_facts(inputs.profile)
        self.known_ids = set(inputs.corpus.controls) | set(inputs.corpus.clauses)
        self.known_text = inputs.profile.model_dump_json()
        self.profile_json = inputs.profile.model_dump(mode="json")
        self.factcheck = FactChecker(inputs.profile)
        self._soa: Soa | None = None
        self._carried: Carried | None = None
        self._verdicts_loaded = 0
        self._register_rules: Any = None
        self._soa_lock = threading.Lock()
        self._plan_lock = threading.Lock()
        self._plans: dict[tuple[str, str], SectionPlan] = {}  # (document id, heading) -> its plan
        self._parts: dict[str, dict[str, Any]] = {}
        self.writer = make_writer(self.provider, inputs)
        self._planner = Planner(
            inputs.corpus, inputs.profile, inputs.register, inputs.today, self.facts, factcheck=self.factcheck
        )

    @property
    def model(self) -> str:
        return self.writer.model

    def prompt_version(self, doc_id: str) -> str:
        return self.writer.prompt_version(doc_id)

    @property
    def planner(self) -> Planner:
        """The planner, with the rules of the organisation's current documents (read once, when first needed)."""
        if self._carried is not None:  # loaded: no lock on the drafting threads' path
            return self._planner
        with self._plan_lock:
            if self._carried is None:
                self._load_verdicts()
                carried = self._carry()
                self._planner.carried = carried
                if self.writer.reads_context:  # a model reads passages of docs/; the offline writer none
                    ws = self.inputs.workspace
                    self._planner.docs = DocsPassages.of_folder(ws.docs_dir, ws.root)
                self._carried = carried  # last: other threads use the planner once this is set
            return self._planner

    def _problems_cache(self) -> Path:
        """Where the verdicts on statements are kept: keyed by the profile, the corpus files (vendor
        dictionary) and the checking code, so any change to what a verdict rests on starts afresh."""
        from assistant.drafting import fact_kinds, factcheck, org_terms, register, validate
        from assistant.knowledge import vendors

        modules = (factcheck, fact_kinds, validate, vendors, register, org_terms)
        code = [Path(m.__file__ or "").stat().st_mtime_ns for m in modules]
        risk_register = self.inputs.register
        risks = [r.model_dump(mode="json") for r in risk_register.risks] if risk_register else []
        key = hashlib.sha256(
            json.dumps(
                [code, fingerprint(self.inputs.settings.corpus_dir), self.profile_json, risks],
                sort_keys=True,
            ).encode("utf-8")
        ).hexdigest()[:20]
        return self.inputs.workspace.state_dir / "cache" / f"verdicts-{key}.json"

    def save_caches(self) -> None:
        """Keep this run's verdicts on statements for the next run (a warm run then checks none again)."""
        known = self._planner.verdicts
        if len(known) == self._verdicts_loaded:
            return
        path = self._problems_cache()
        try:
            for old in path.parent.glob("verdicts-*.json"):
                old.unlink(missing_ok=True)
            write_atomic(path, json.dumps(known, ensure_ascii=False))
        except OSError:
            pass

    def _load_verdicts(self) -> None:
        try:
            data = json.loads(self._problems_cache().read_text(encoding="utf-8"))
            if isinstance(data, dict):
                self._planner.verdicts.update(data)
        except (OSError, ValueError):
            pass
        self._verdicts_loaded = len(self._planner.verdicts)

    def _carry(self) -> Carried:
        """The rules of docs/, matched to sections; cached in the workspace state, keyed by everything the
        match rests on (docs/ files, the corpus files, the profile), so an unchanged run reads no document."""
        ws, settings = self.inputs.workspace, self.inputs.settings
        key = hashlib.sha256(
            json.dumps(
                [CARRY_VERSION, fingerprint(ws.docs_dir, settings.corpus_dir), self.profile_json],
                sort_keys=True,
            ).encode("utf-8")
        ).hexdigest()[:20]
        cache = ws.state_dir / "cache" / f"carried-{key}.json"
        try:
            return from_json(json.loads(cache.read_text(encoding="utf-8")))
        except (OSError, ValueError, KeyError, TypeError):
            pass
        carried = carry_rules(
            self.inputs.corpus, ws.docs_dir, ws.root, self._planner.rendered, self._planner.carry_verdict
        )
        try:
            cache.parent.mkdir(parents=True, exist_ok=True)
            for old in cache.parent.glob("carried-*.json"):
                old.unlink(missing_ok=True)
            write_atomic(cache, json.dumps(to_json(carried), ensure_ascii=False))
        except OSError:
            pass  # a read-only workspace state still drafts; it only recomputes next time
        return carried

    @property
    def carried(self) -> Carried:
        return self.planner.carried

    def plan(self, doc_id: str, heading: str) -> SectionPlan:
        doc = self.inputs.corpus.documents[doc_id]
        section = next(s for s in doc.sections if s.heading == heading)
        return self.planner.plan(doc, section)

    def section_plan(self, doc: DocumentSpec, section: Section) -> SectionPlan:
        """The plan the writer drafts a section from (made once per run: the inputs hash records it)."""
        key = (doc.id, section.heading)
        plan = self._plans.get(key)
        if plan is None:
            plan = self.planner.plan(doc, section, context=self.writer.reads_context)
            self._plans[key] = plan
        return plan

    def _section_plans(self, doc_id: str) -> list[SectionPlan]:
        if doc_id == SOA_DOC:  # the SoA is drafted from its rows (controls, profile, register), not plans
            return []
        doc = self.inputs.corpus.documents[doc_id]
        return [self.section_plan(doc, s) for s in doc.sections]

    def docs_used(self, doc_id: str) -> list[str]:
        """The files of docs/ whose passages or rules the document was drafted from."""
        return docs_used(self._section_plans(doc_id))

    def inputs_parts(self, doc_id: str) -> dict[str, Any]:
        """What this document is drafted from, by name (staleness explains a change with these names)."""
        with self._plan_lock:
            cached = self._parts.get(doc_id)
        if cached is not None:
            return cached
        parts = document_inputs(self, doc_id, self._section_plans(doc_id))
        with self._plan_lock:
            self._parts[doc_id] = parts
        return parts

    def inputs_hash(self, doc_id: str) -> str:
        """Changes when anything this document is drafted from changes: its inputs, the plan of every
        section (passages of docs/ included) and, for a model, the text of its prompt templates."""
        payload = list(self.inputs_parts(doc_id).values())
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode("utf-8")).hexdigest()[:16]

    def warm(self, doc_ids: list[str]) -> None:
        """Before the first request: make what every drafting thread would otherwise wait for on its first
        one (the model client and its libraries, the checkers, the rules carried over from docs/) and plan
        every section of `doc_ids`, so the requests start together and carry only their own work."""
        warm_writer = getattr(self.writer, "warm", None)
        if warm_writer is not None:
            warm_writer()
        self._register()
        for doc_id in doc_ids:
            self.inputs_parts(doc_id)

    def spent(self) -> Usage | None:
        """Every answer the model gave in this run, failed documents' included (None: no model was asked)."""
        total = getattr(getattr(self.writer, "_chat", None), "total", None)
        return total if isinstance(total, Usage) else None

    def close(self) -> None:
        """Drop the drafting tasks still queued (Ctrl-C); running requests finish."""
        close = getattr(self.writer, "close", None)
        if close is not None:
            close()

    @property
    def soa_ready(self) -> bool:
        return self._soa is not None

    # -- documents ---------------------------------------------------------------------------------------

    def draft(self, doc_id: str, on_text: OnText | None = None) -> Draft:
        """The document drafted; with `on_text` each section is shown as it is written (one at a time)."""
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
            if on_text is not None:
                for shown in sections:
                    TextStream(on_text, shown.heading).done(shown.text)
        else:
            if self.writer.parallel and on_text is None:
                # Sections are independent for a model: write them side by side (the writer bounds how
                # many requests are in flight), so a long document is not a sequential tail.
                first_failure: list[BaseException] = []

                def one(section: Section) -> tuple[DraftedSection, Usage]:
                    if first_failure:  # the document has failed: its other sections fail the same way
                        raise first_failure[0]
                    try:
                        return self._section(doc, section)
                    except BaseException as exc:
                        first_failure.append(exc)
                        raise

                drafted = self.writer.requests.map(one, doc.sections)  # type: ignore[attr-defined]
            else:
                drafted = [self._section(doc, section, on_text) for section in doc.sections]
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
            inputs_parts=part_hashes(self.inputs_parts(doc_id)),
            usage=usage,
            seconds=time.perf_counter() - started,
        )

    def _section(
        self, doc: DocumentSpec, section: Section, on_text: OnText | None = None
    ) -> tuple[DraftedSection, Usage]:
        plan = self.section_plan(doc, section)
        allowed = set(plan.allowed_ids)

        def check(result: SectionDraft) -> list[str]:
            return self._check(section, result, allowed)

        stream = TextStream(on_text, section.heading) if on_text is not None else None
        if stream is not None and getattr(self.writer, "streams", False):
            result, usage = self.writer.write_section(plan, check, on_text=stream)  # type: ignore[call-arg]
        else:
            result, usage = self.writer.write_section(plan, check)
        problems = check(result)
        if problems:
            raise DraftStepFailed(
                f"{self.writer.name} draft of {doc.id} / {section.heading} failed validation",
                details=problems,
            )
        if stream is not None:
            stream.done(result.text.strip())
        return DraftedSection(
            heading=section.heading,
            text=result.text.strip(),
            cited_ids=sorted(set(result.cited_ids)),
            controls=list(section.controls),
            clauses=list(section.clauses),
            decisions=list(plan.decisions),
            carried_from=sorted({c.source for c in plan.carried}),
        ), usage

    def _check(
        self,
        section: Section,
        result: SectionDraft,
        allowed: set[str],
        instruction: str | None = None,
        min_words: int = 1,
    ) -> list[str]:
        """Validate a drafted section. A reviewer's instruction is trusted: it may name new tools and change
        facts the profile states, so a refinement is checked against the profile plus the instruction and
        without the fact checker."""
        problems = check_section(
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
        return problems + self._register_problems(result.text)

    def _register_problems(self, text: str) -> list[str]:
        """The evaluation's register rules (WRITING.md): no instructions to the writer, no document
        describing itself, no rationale, evidence lists or internal codes."""
        from assistant.documents.segments import segment

        verdicts = self._planner.verdicts  # kept between runs with the statement verdicts
        problems = []
        for unit in segment(text):
            key = f"register\x00{unit.kind}\x00{unit.section}\x00{'|'.join(unit.header)}\x00{unit.text}"
            if key not in verdicts:
                verdicts[key] = self._register().classify(unit)
            kind = verdicts[key]
            if kind:
                sentence = unit.text if len(unit.text) <= 160 else unit.text[:157] + "..."
                problems.append(
                    f"this is a drafting note ({kind}), not a rule or fact of "
                    f'{self.inputs.profile.identity.name}: "{sentence}"; state the rule itself'
                )
        return problems

    def _register(self) -> Any:
        with self._plan_lock:
            if self._register_rules is None:
                from assistant.drafting.org_terms import OrgTerms
                from assistant.drafting.register import CorpusPhrases, Register

                inputs = self.inputs
                text = [self.known_text]
                if inputs.register is not None:
                    text += [r.model_dump_json() for r in inputs.register.risks]
                names = [inputs.profile.identity.name, inputs.profile.identity.legal_name]
                risk_ids = [r.id for r in inputs.register.risks] if inputs.register else []
                terms = OrgTerms("\n".join(text), names, inputs.corpus, risk_ids)
                self._register_rules = Register(CorpusPhrases.of(inputs.corpus), inputs.profile, terms)
            return self._register_rules

    # -- Statement of Applicability -----------------------------------------------------------------------

    def soa(self) -> Soa:
        with self._soa_lock:
            if self._soa is None:
                self._soa = self._build_soa()
            return self._soa

    def _build_soa(self) -> Soa:
        inputs = self.inputs
        all_bases = bases(inputs.corpus, inputs.profile, inputs.register)
        for basis in all_bases:
            basis.practice = self.planner.control_statements(basis.control)
        usage = Usage()
        notes = [n for b in all_bases for n in b.notes]
        rows: list[SoaRow] = []
        drafts, used = self.writer.write_soa(all_bases, self._soa_problems)
        usage.add(used)
        if len(drafts) != len(all_bases):
            raise DraftStepFailed(f"{self.writer.name}: {len(drafts)} SoA rows for {len(all_bases)} controls")
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

    def _soa_problems(self, batch: list[ControlBasis], rows: list[SoaRowDraft]) -> list[str]:
        """The checker of SoA rows: one per control asked for, in order, each justified in its own words."""
        wanted = [b.control.id for b in batch]
        problems = []
        got = [r.control_id for r in rows]
        if got != wanted:
            problems.append(f"rows must be exactly these controls in this order: {', '.join(wanted)}")
        texts = [r.justification.strip() for r in rows]
        if len(set(texts)) != len(texts):
            problems.append("each row needs its own justification; do not repeat a sentence across rows")
        for r in rows:
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

    # -- refinement ------------------------------------------------------------------------------------------

    def redraft_section(
        self, draft: Draft, heading: str, instruction: str, on_text: OnText | None = None
    ) -> tuple[DraftedSection, Usage]:
        """A new version of one section only, following a reviewer's instruction (shown as it is written
        with `on_text`)."""
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
        plan = self.planner.plan(doc, spec)
        allowed = set(plan.allowed_ids) | set(current.cited_ids)

        def check(p: SectionDraft) -> list[str]:
            return self._check(spec, p, allowed, instruction)

        stream = TextStream(on_text, current.heading) if on_text is not None else None
        if stream is not None and getattr(self.writer, "streams", False):
            parsed, usage = self.writer.redraft(plan, current, instruction, check, on_text=stream)  # type: ignore[call-arg]
        else:
            parsed, usage = self.writer.redraft(plan, current, instruction, check)
        if stream is not None:
            stream.done(parsed.text.strip())
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
