"""The Word file of a stored version: its text with the store's change history and approval record."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from assistant.drafting.engine import SOA_DOC

if TYPE_CHECKING:
    from assistant.store import DocumentStore

TOOL_AUTHOR = "Drafting assistant"  # who wrote a generated draft, as the change history shows it


def history_author(author: str) -> str:
    """A version's author as a reader of the change history sees it: a person's name, or the drafting
    assistant for generated drafts and merges (never the provider or model)."""
    name = author.strip()
    return TOOL_AUTHOR if not name or name.lower().startswith("isms") else name


def store_history(store: DocumentStore, doc_id: str) -> list[dict[str, str]]:
    """The change history of a document from its versions in the store, oldest first; versions saved one
    after another under the same label (drafts regenerated before the label moved on) are one row, the
    newest."""
    rows: list[dict[str, str]] = []
    for v in store.versions(doc_id):
        row = {
            "version": v.label,
            "date": v.created_at.date().isoformat(),
            "author": history_author(v.author),
            "change": v.note or v.source,
        }
        if rows and rows[-1]["version"] == v.label:
            rows[-1] = row
        else:
            rows.append(row)
    return rows


def version_docx(
    text: str,
    doc_id: str,
    corpus: Any,
    organisation: str,
    store: DocumentStore,
    *,
    template: Path | None = None,
    country: str | None = None,
    soa_detail: bool = False,
    path: str = "",
) -> bytes | None:
    """The Word file of `text` (a version of `doc_id`), or None when the text is not a document the Word
    export can read (a hand-made file without front matter)."""
    from assistant.documents.docx_export import render_docx
    from assistant.documents.markdown import parse_document
    from assistant.errors import InputError

    try:
        parsed = parse_document(text, path or f"{doc_id}.md")
    except InputError:
        return None
    return render_docx(
        parsed, corpus, organisation, store_history(store, doc_id), template=template,
        approvals=store.approvals(doc_id), landscape=doc_id == SOA_DOC, country=country,
        soa_detail=soa_detail,
    )  # fmt: skip


__all__ = ["TOOL_AUTHOR", "history_author", "store_history", "version_docx"]
