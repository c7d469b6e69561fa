"""PDFs of the document set: each approved version (the version an auditor may rely on), or with `drafts` each
current version, rendered to Word from the store's text and converted by LibreOffice in one run."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

import frontmatter

from assistant.drafting.engine import SOA_DOC
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import Corpus
from assistant.store import DocumentStore

SOA_XLSX = "soa.xlsx"


@dataclass
class PdfItem:
    """One file of the export: a document's version (or the SoA workbook) and the PDF made of it."""

    doc_id: str
    title: str
    version: str
    status: str
    reference: str = ""
    approver: str = ""
    approved_at: str = ""
    source: Path | None = None  # the Word or Excel file converted
    pdf: Path | None = None
    pages: int | None = None


@dataclass
class Skipped:
    doc_id: str
    title: str
    reason: str


@dataclass
class PdfReport:
    dest: Path
    drafts: bool
    items: list[PdfItem] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    seconds: float = 0.0


def export_pdfs(
    ws: Workspace,
    corpus: Corpus,
    profile: Any,
    *,
    drafts: bool,
    soa_detail: bool,
    dest: Path,
    on_converted: Callable[[Path], None] | None = None,
) -> PdfReport:
    """Write `dest/<doc>.pdf` for every approved document (its approved version, even when a newer draft
    exists), or with `drafts` for every current document; and `dest/soa.pdf` of the SoA workbook. Documents
    left out are in the report's `skipped`, with why. Raises InputError before writing anything when
    LibreOffice is missing."""
    from assistant.documents.pdf_render import find_soffice, page_count, to_pdf

    started = time.perf_counter()
    soffice = find_soffice()  # before any work: a missing LibreOffice writes nothing
    report = PdfReport(dest=dest, drafts=drafts)
    store = open_store(ws)
    with tempfile.TemporaryDirectory(prefix="isms-pdf-") as tmp:
        folder = Path(tmp)
        for doc_id in document_ids(ws, corpus, store):
            _render(ws, corpus, profile, store, doc_id, folder, report, drafts=drafts, soa_detail=soa_detail)
        _workbook(ws, store, report, drafts)
        sources = [item.source for item in report.items if item.source is not None]
        pdfs = to_pdf(sources, dest, soffice=soffice, on_converted=on_converted)
    for item, pdf in zip(report.items, pdfs, strict=True):
        item.pdf, item.pages = pdf, page_count(pdf)
    for skipped in report.skipped:
        if (dest / f"{skipped.doc_id}.pdf").exists():
            skipped.reason += f"; the older {skipped.doc_id}.pdf in {dest} was left as it was"
    report.seconds = time.perf_counter() - started
    return report


def open_store(ws: Workspace) -> DocumentStore:
    """The workspace's version store; an InputError when there is none yet."""
    from assistant.errors import InputError

    if not DocumentStore.file_for(ws.state_dir).exists():
        raise InputError(
            f"{ws.root}: no version store yet ({DocumentStore.file_for(ws.state_dir)}); run `isms generate`"
        )
    return DocumentStore.for_workspace(ws.state_dir)


def document_ids(ws: Workspace, corpus: Corpus, store: DocumentStore) -> list[str]:
    """The documents of the set: the catalogue's (in its order) that the store or the output folder holds,
    then any other document of the store."""
    stored = [status.id for status in store.overview()]
    listed = [d for d in corpus.documents if d in stored or (ws.out_dir / f"{d}.md").is_file()]
    return listed + sorted(d for d in stored if d not in corpus.documents)


def _render(
    ws: Workspace,
    corpus: Corpus,
    profile: Any,
    store: DocumentStore,
    doc_id: str,
    folder: Path,
    report: PdfReport,
    *,
    drafts: bool,
    soa_detail: bool,
) -> None:
    """Render the version to export as Word into `folder`, and list it in the report (or as skipped)."""
    from assistant.documents.docx_layout import organisation_country
    from assistant.generation.word_file import version_docx
    from assistant.settings import load_settings

    spec = corpus.documents.get(doc_id)
    title = spec.title if spec is not None else doc_id
    version = None
    if store.has_document(doc_id):
        version = store.latest(doc_id) if drafts else store.last_approved(doc_id)
    if version is None and not drafts:
        report.skipped.append(Skipped(doc_id, title, "no approved version (approve it, or use --drafts)"))
        return
    if version is not None:
        text, label, status = version.content, version.label, version.status
    else:  # not in the store: the output folder's file is the current document
        text = (ws.out_dir / f"{doc_id}.md").read_text(encoding="utf-8")
        label, status = "", ""
    approval = _approval(store, doc_id, version.id) if version is not None else None
    text, meta = _with_status(text, "approved" if approval is not None else None)
    item = PdfItem(
        doc_id=doc_id,
        title=str(meta.get("title") or title),
        version=label or str(meta.get("version", "")),
        status=status or str(meta.get("status", "")),
        reference=str(meta.get("reference", "") or meta.get("id", "") or ""),  # as the Word file's
        approver=approval.approver if approval is not None else "",
        approved_at=approval.approved_at.date().isoformat() if approval is not None else "",
    )
    data = version_docx(
        text, doc_id, corpus, profile.identity.legal_name,
        cast(DocumentStore, _AsOf(store, version.number)) if version is not None else store,
        template=load_settings(workspace=ws.root).docx_template, country=organisation_country(profile),
        soa_detail=soa_detail,
    )  # fmt: skip
    if data is None:
        report.skipped.append(Skipped(doc_id, title, "no front matter: not a document the Word export reads"))
        return
    item.source = folder / f"{doc_id}.docx"
    item.source.write_bytes(data)
    report.items.append(item)


class _AsOf:
    """The store as the Word file of a version reads it: the change history and approval record up to that
    version (an approved version's PDF never lists the drafts saved after it)."""

    def __init__(self, store: DocumentStore, number: int) -> None:
        self.store, self.number = store, number

    def versions(self, doc_id: str) -> list[Any]:
        return [v for v in self.store.versions(doc_id) if v.number <= self.number]

    def approvals(self, doc_id: str | None = None) -> list[Any]:
        return [a for a in self.store.approvals(doc_id) if a.version_number <= self.number]


def _approval(store: DocumentStore, doc_id: str, version_id: int) -> Any:
    """The latest approval of this version; None when it is not approved."""
    found = [a for a in store.approvals(doc_id) if a.version_id == version_id]
    return max(found, key=lambda a: a.approved_at) if found else None


def _with_status(text: str, status: str | None) -> tuple[str, dict[str, Any]]:
    """The text with its front matter's status set (as the output folder shows an approved version), and the
    front matter; the text unchanged when it has none that parses."""
    try:
        post = frontmatter.loads(text)
    except Exception:
        return text, {}
    if status is None or not post.metadata:
        return text, dict(post.metadata)
    post["status"] = status
    return frontmatter.dumps(post, sort_keys=False) + "\n", dict(post.metadata)


def _workbook(ws: Workspace, store: DocumentStore, report: PdfReport, drafts: bool) -> None:
    """The SoA workbook of the output folder, when it shows the version being exported."""
    path = ws.out_dir / SOA_XLSX
    title = "Statement of Applicability (workbook)"
    if not path.is_file():
        report.skipped.append(Skipped("soa", title, f"no {SOA_XLSX} in {ws.out_dir}; run `isms generate`"))
        return
    soa = next((i for i in report.items if i.doc_id == SOA_DOC), None)
    latest = store.latest(SOA_DOC) if store.has_document(SOA_DOC) else None
    if not drafts and (soa is None or latest is None or latest.status != "approved"):
        report.skipped.append(
            Skipped("soa", title, f"{SOA_XLSX} shows the current SoA, which is not its approved version")
        )
        return
    report.items.append(
        PdfItem(
            doc_id="soa",
            title=title,
            version=soa.version if soa is not None else "",
            status=soa.status if soa is not None else "",
            reference=soa.reference if soa is not None else "",
            approver=soa.approver if soa is not None else "",
            approved_at=soa.approved_at if soa is not None else "",
            source=path,
        )
    )
