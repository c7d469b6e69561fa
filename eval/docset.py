"""A document set as the harness sees it: the output folder's Markdown, its soa.csv, and the organisation."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path

from assistant.documents.cells import unescape_record
from assistant.documents.files import SET_FILES
from assistant.documents.markdown import ANNEX_HEADING, DocumentFile, read_document
from assistant.documents.segments import Unit, segment
from assistant.drafting.factcheck import FactChecker
from assistant.drafting.org_terms import OrgTerms
from assistant.drafting.register import CorpusPhrases, Register
from assistant.errors import InputError
from assistant.index.ingest import folder_text
from assistant.inputs.profile import Profile
from assistant.inputs.risks import RiskRegister
from assistant.knowledge.loader import Corpus

SOA_DOC = "statement-of-applicability"


@dataclass
class DocumentSet:
    folder: Path
    corpus: Corpus
    profile: Profile
    register: RiskRegister | None
    documents: dict[str, DocumentFile]
    unreadable: dict[str, str] = field(default_factory=dict)
    soa_header: list[str] | None = None
    soa_rows: list[dict[str, str]] | None = None
    soa_problem: str = ""
    docs_text: str = ""  # the text of the workspace's docs/ (the organisation's existing documents)
    today: date = field(default_factory=date.today)

    def body(self, doc_id: str) -> str:
        """The whole Markdown body: preamble, every section and the annex."""
        doc = self.documents[doc_id]
        return doc.content or "\n\n".join([doc.preamble] + [s.text for s in doc.sections])

    def units(self, doc_id: str) -> list[Unit]:
        """Sentences, list items and table rows of the whole document, each with its section."""
        cached = self._units.get(doc_id)
        if cached is None:
            cached = self._units[doc_id] = segment(self.body(doc_id))
        return cached

    _units: dict[str, list[Unit]] = field(default_factory=dict, repr=False)

    @cached_property
    def org_text(self) -> str:
        """Everything the organisation itself says: profile, risk register and docs/."""
        parts = [self.profile.model_dump_json()]
        if self.register:
            parts.extend(r.model_dump_json() for r in self.register.risks)
        parts.append(self.docs_text)
        return "\n".join(parts)

    def effective_date(self, doc_id: str) -> date | None:
        try:
            return date.fromisoformat(str(self.documents[doc_id].meta.get("effective_date")))
        except ValueError:
            return None

    @staticmethod
    def in_annex(unit: Unit) -> bool:
        return unit.section == ANNEX_HEADING

    def policies(self) -> dict[str, DocumentFile]:
        """Everything but the SoA itself, which cites every control by design."""
        return {k: v for k, v in self.documents.items() if k != SOA_DOC}

    @property
    def threshold(self) -> int:
        return self.profile.risk_criteria.acceptance_threshold

    @cached_property
    def org_terms(self) -> OrgTerms:
        names = [self.profile.identity.name, self.profile.identity.legal_name]
        risk_ids = [r.id for r in self.register.risks] if self.register else []
        return OrgTerms(self.org_text, names, self.corpus, risk_ids)

    @cached_property
    def register_rules(self) -> Register:
        return Register(CorpusPhrases.of(self.corpus), self.profile, self.org_terms)

    @cached_property
    def factcheck(self) -> FactChecker:
        risks = [f"{r.title}. {r.description}" for r in self.register.risks] if self.register else []
        return FactChecker(self.profile, also_from=risks)


def load_document_set(
    folder: Path,
    corpus: Corpus,
    profile: Profile,
    register: RiskRegister | None,
    docs: Path | None = None,
    today: date | None = None,
) -> DocumentSet:
    """Read an output folder. `docs` is the workspace's folder of existing documents: what they name is the
    organisation's own (a tool named only there is not foreign)."""
    if not folder.exists():
        raise InputError(f"{folder}: document folder not found")
    if not folder.is_dir():
        raise InputError(f"{folder}: expected the output folder of `isms generate`")
    documents: dict[str, DocumentFile] = {}
    unreadable: dict[str, str] = {}
    for path in sorted(folder.glob("*.md")):
        if path.name in SET_FILES:
            continue  # lists about the set (decisions needed, evidence guide), not documents of the ISMS
        try:
            documents[path.stem] = read_document(path)
        except InputError as exc:
            unreadable[path.stem] = exc.message
        except Exception as exc:  # a hand-edited file with broken front matter is a finding, not a crash
            unreadable[path.stem] = f"{path}: cannot be parsed ({exc.__class__.__name__})"
    docs_text = folder_text(docs, docs.parent) if docs is not None else ""
    ds = DocumentSet(folder, corpus, profile, register, documents, unreadable, docs_text=docs_text)
    if today is not None:
        ds.today = today
    soa = folder / "soa.csv"
    if soa.exists():
        try:
            with soa.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                ds.soa_header = list(reader.fieldnames or [])
                ds.soa_rows = [unescape_record(r) for r in reader]  # the writer's `'` taken off
        except (UnicodeDecodeError, csv.Error) as exc:
            ds.soa_problem = f"soa.csv cannot be read ({exc.__class__.__name__})"
    else:
        ds.soa_problem = "soa.csv is missing"
    return ds
