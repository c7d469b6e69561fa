"""A document set as the harness sees it: the output folder's Markdown, its soa.csv, and the organisation."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from assistant.documents.markdown import DocumentFile, read_document
from assistant.drafting.factcheck import FactChecker
from assistant.errors import InputError
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

    def body(self, doc_id: str) -> str:
        doc = self.documents[doc_id]
        return "\n\n".join([doc.preamble] + [s.text for s in doc.sections])

    def policies(self) -> dict[str, DocumentFile]:
        """Everything but the SoA itself, which cites every control by design."""
        return {k: v for k, v in self.documents.items() if k != SOA_DOC}

    @property
    def threshold(self) -> int:
        return self.profile.risk_criteria.acceptance_threshold

    @property
    def factcheck(self) -> FactChecker:
        return FactChecker(self.profile)


def load_document_set(
    folder: Path, corpus: Corpus, profile: Profile, register: RiskRegister | None
) -> DocumentSet:
    if not folder.exists():
        raise InputError(f"{folder}: document folder not found")
    if not folder.is_dir():
        raise InputError(f"{folder}: expected the output folder of `isms generate`")
    documents: dict[str, DocumentFile] = {}
    unreadable: dict[str, str] = {}
    for path in sorted(folder.glob("*.md")):
        try:
            documents[path.stem] = read_document(path)
        except InputError as exc:
            unreadable[path.stem] = exc.message
        except Exception as exc:  # a hand-edited file with broken front matter is a finding, not a crash
            unreadable[path.stem] = f"{path}: cannot be parsed ({exc.__class__.__name__})"
    ds = DocumentSet(folder, corpus, profile, register, documents, unreadable)
    soa = folder / "soa.csv"
    if soa.exists():
        try:
            with soa.open(encoding="utf-8", newline="") as handle:
                reader = csv.DictReader(handle)
                ds.soa_header = list(reader.fieldnames or [])
                ds.soa_rows = [dict(r) for r in reader]
        except (UnicodeDecodeError, csv.Error) as exc:
            ds.soa_problem = f"soa.csv cannot be read ({exc.__class__.__name__})"
    else:
        ds.soa_problem = "soa.csv is missing"
    return ds
