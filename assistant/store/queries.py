"""Read-only queries the review workspace runs on every page load, each a fixed number of SQL statements
however many documents the store holds."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.store.schema import DocumentRow, VersionRow
from assistant.store.service import Version


def _numbered(session: Session, approved_only: bool) -> dict[str, Version]:
    """Each document's highest-numbered version (of the approved ones with `approved_only`)."""
    top = select(VersionRow.document_id, func.max(VersionRow.number).label("n"))
    if approved_only:
        top = top.where(VersionRow.status == "approved")
    best = top.group_by(VersionRow.document_id).subquery()
    rows = session.scalars(
        select(VersionRow).join(
            best, (VersionRow.document_id == best.c.document_id) & (VersionRow.number == best.c.n)
        )
    )
    return {r.document_id: Version.of(r) for r in rows}


def newest_and_approved(session: Session) -> tuple[dict[str, str], dict[str, Version], dict[str, Version]]:
    """(titles, newest version, last approved version), each by document id."""
    titles = {doc_id: title for doc_id, title in session.execute(select(DocumentRow.id, DocumentRow.title))}
    return titles, _numbered(session, False), _numbered(session, True)
