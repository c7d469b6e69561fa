"""A document set as the harness sees it: the output folder's Markdown, its soa.csv, and the organisation."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

import frontmatter

from assistant.documents.cells import unescape_record
from assistant.documents.files import SET_FILES
from assistant.documents.markdown import ANNEX_HEADING, DocumentFile, read_document
from assistant.documents.segments import Unit, segment
from assistant.drafting.factcheck import FactChecker
from assistant.drafting.org_terms import OrgTerms
from assistant.drafting.register import CorpusPhrases, Register
from assistant.errors import InputError, IsmsError
from assistant.index.ingest import folder_text
from assistant.inputs.profile import Profile
from assistant.inputs.risks import RiskRegister
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import Corpus

if TYPE_CHECKING:
    from assistant.store.service import Version

SOA_DOC = "statement-of-applicability"


@dataclass(frozen=True)
class StoredStatus:
    """What the workspace's version store says about a document file. `number`, `label` and `status` are
    those of the version whose text the file is (else, when the file matches no version, the newest).
    `approved_by` names who approved the approved version whose text the file is, the front matter's
    `status` aside (publishing an approval writes `status: approved` into the file); "" when none."""

    number: int
    label: str
    status: str
    matched: bool
    approved_by: str = ""


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
    # The workspace's version store, when it has one (None: no store, statuses are the files' own). Status
    # is the store's, not the file's: `stored` holds what it says per document (absent: no version of it).
    store_path: Path | None = None
    stored: dict[str, StoredStatus] = field(default_factory=dict)
    store_problem: str = ""  # the store exists but cannot be read

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
    state_dir: Path | None = None,
) -> DocumentSet:
    """Read an output folder. `docs` is the workspace's folder of existing documents: what they name is the
    organisation's own (a tool named only there is not foreign). `state_dir` is the workspace's `.isms/`
    (default: that of the workspace holding `docs`): when it holds a version store, each document's status
    is read from there."""
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
    if state_dir is None and docs is not None:
        state_dir = Workspace(root=docs.parent).state_dir
    if state_dir is not None:
        _read_store(ds, state_dir)
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


def _read_store(ds: DocumentSet, state_dir: Path) -> None:
    """Fill `ds.stored` from the workspace's version store; nothing when there is none (none is created)."""
    from assistant.store import DocumentStore

    path = DocumentStore.file_for(state_dir)
    if not path.exists():
        return
    ds.store_path = path
    try:
        store = DocumentStore.for_workspace(state_dir)
        for doc_id in ds.documents:
            versions = store.versions(doc_id)
            if not versions:
                continue
            text = (ds.folder / f"{doc_id}.md").read_text(encoding="utf-8", errors="replace")
            approvers = {a.version_id: a.approver for a in store.approvals(doc_id)}
            ds.stored[doc_id] = _status_of(text, versions, approvers)
    except (IsmsError, OSError) as exc:
        ds.store_problem = getattr(exc, "message", None) or str(exc)
        ds.stored.clear()


def _status_of(text: str, versions: list[Version], approvers: dict[int, str]) -> StoredStatus:
    """The store's word on a file: the newest version with exactly its text, else the newest whose text is
    the file's but for the status field, else the newest version; and whether an approved version is it."""
    newest_first = versions[::-1]
    key = _without_status(text)
    keys: dict[int, tuple[dict[str, Any], str] | None] = {}

    def same_but_status(version: Version) -> bool:
        if key is None:
            return False
        if version.id not in keys:
            keys[version.id] = _without_status(version.content)
        return keys[version.id] == key

    same = next((v for v in newest_first if v.content == text), None) or next(
        (v for v in newest_first if same_but_status(v)), None
    )
    shown = same or newest_first[0]
    approved = next(
        (v for v in newest_first if v.status == "approved" and (v.content == text or same_but_status(v))),
        None,
    )
    approved_by = approvers.get(approved.id, "an unrecorded approver") if approved is not None else ""
    return StoredStatus(shown.number, shown.label, shown.status, same is not None, approved_by)


def _without_status(text: str) -> tuple[dict[str, Any], str] | None:
    """A document's front matter without its status field, and its body; None when it cannot be parsed."""
    try:
        post = frontmatter.loads(text)
    except Exception:  # a hand-edited file with broken front matter matches only by its exact text
        return None
    return {k: v for k, v in post.metadata.items() if k != "status"}, post.content
