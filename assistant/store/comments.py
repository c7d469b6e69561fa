"""Comments on a section of a version (or on the whole document): open until someone resolves them.

A comment is written once and changes once, from open to resolved (the triggers in `schema.py` hold that
for hand-run SQL too). Adding and resolving each append an audit entry whose detail repeats the comment's
words (`added_detail`, `resolved_detail`), so the hash chain covers them and `verify` can tell a comment
edited outside isms from the one that was written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from assistant.errors import InputError
from assistant.store import chain
from assistant.store.schema import CommentRow, VersionRow, now

ADDED = "comment-added"  # the audit actions
RESOLVED = "comment-resolved"
STATUSES = ("open", "resolved")
WHOLE_DOCUMENT = ""  # the section of a comment on the document as a whole
ADDED_ID = re.compile(r"^comment (\d+) on ")  # the comment an ADDED entry's detail names
RESOLVED_ID = re.compile(r"^resolved comment (\d+) of ")


class CommentRefused(InputError):
    """A comment that cannot be added or resolved (no text, unknown version or comment, resolved already)."""


@dataclass(frozen=True)
class Comment:
    id: int
    document_id: str
    version_id: int
    version_number: int
    section: str  # a heading of the version ("## ..."), or "" for the whole document
    author: str
    text: str
    status: str  # open | resolved
    resolved_by: str
    resolution: str
    created_at: datetime
    resolved_at: datetime | None

    @property
    def is_open(self) -> bool:
        return self.status == "open"


def where(section: str) -> str:
    return f"section '{section}'" if section else "the whole document"


def added_detail(comment_id: int, section: str, text: str) -> str:
    return f"comment {comment_id} on {where(section)}: {text}"


def resolved_detail(comment_id: int, author: str, note: str) -> str:
    return f"resolved comment {comment_id} of {author}" + (f": {note}" if note else "")


def sections(content: str) -> list[str]:
    """The section headings of a version's Markdown (its `## ` lines), as the document parser reads them."""
    return [line[3:].strip() for line in content.splitlines() if line.startswith("## ")]


def add(session: Session, doc_id: str, version_id: int, section: str, author: str, text: str) -> Comment:
    """Add an open comment and its audit entry. The session holds the write lock."""
    author, text, section = author.strip(), text.strip(), " ".join(section.split())
    if not author:
        raise CommentRefused("say who is commenting (author name)")
    if not text:
        raise CommentRefused("a comment needs text: say what should change or be checked")
    version = session.get(VersionRow, version_id)
    if version is None:
        raise CommentRefused(f"no version {version_id}: a comment belongs to a version of the document")
    if version.document_id != doc_id:
        raise CommentRefused(
            f"version {version_id} is version {version.number} of {version.document_id}, not of {doc_id}"
        )
    if section:
        headings = sections(version.content)
        found = {" ".join(h.split()).lower(): h for h in headings}.get(section.lower())
        if found is None:
            listed = "; ".join(headings[:12]) + (" ..." if len(headings) > 12 else "")
            raise CommentRefused(
                f"{section!r} is not a section of version {version.number} of {doc_id}; its sections are: "
                f"{listed or 'none'} (or comment on the whole document)"
            )
        section = found
    row = CommentRow(
        document_id=doc_id,
        version_id=version_id,
        section=section,
        author=author,
        text=text,
        status="open",
        resolved_by="",
        resolution="",
        created_at=now(),
    )
    session.add(row)
    session.flush()
    chain.append(
        session,
        actor=author,
        action=ADDED,
        document_id=doc_id,
        version_id=version_id,
        detail=added_detail(row.id, section, text),
    )
    session.flush()
    return _comment(row, version.number)


def resolve(session: Session, comment_id: int, actor: str, note: str = "") -> Comment:
    """Resolve an open comment, saying who and (optionally) how; its audit entry goes with it."""
    actor, note = actor.strip(), note.strip()
    if not actor:
        raise CommentRefused("say who is resolving the comment (a name)")
    row = session.get(CommentRow, comment_id)
    if row is None:
        raise CommentRefused(f"no comment {comment_id}")
    if row.status != "open":
        raise CommentRefused(
            f"comment {comment_id} on {row.document_id} was resolved already by {row.resolved_by} "
            f"({row.resolved_at:%Y-%m-%d %H:%M} UTC)"
        )
    row.status, row.resolved_by, row.resolution, row.resolved_at = "resolved", actor, note, now()
    session.flush()
    chain.append(
        session,
        actor=actor,
        action=RESOLVED,
        document_id=row.document_id,
        version_id=row.version_id,
        detail=resolved_detail(row.id, row.author, note),
    )
    session.flush()
    return _comment(row, _number(session, row.version_id))


def listed(session: Session, doc_id: str, *, open_only: bool = False) -> list[Comment]:
    """The document's comments, oldest first (only the open ones with `open_only`)."""
    query = (
        select(CommentRow, VersionRow.number)
        .join(VersionRow, VersionRow.id == CommentRow.version_id)
        .where(CommentRow.document_id == doc_id)
        .order_by(CommentRow.id)
    )
    if open_only:
        query = query.where(CommentRow.status == "open")
    return [_comment(row, number) for row, number in session.execute(query).all()]


def open_counts(session: Session) -> dict[str, int]:
    """How many comments are open, by document (documents with none are left out): one query."""
    query = (
        select(CommentRow.document_id, func.count())
        .where(CommentRow.status == "open")
        .group_by(CommentRow.document_id)
    )
    return {doc_id: int(n) for doc_id, n in session.execute(query).all()}


def _number(session: Session, version_id: int) -> int:
    return int(session.scalar(select(VersionRow.number).where(VersionRow.id == version_id)) or 0)


def _comment(row: CommentRow, version_number: int) -> Comment:
    return Comment(
        id=row.id,
        document_id=row.document_id,
        version_id=row.version_id,
        version_number=version_number,
        section=row.section,
        author=row.author,
        text=row.text,
        status=row.status,
        resolved_by=row.resolved_by,
        resolution=row.resolution,
        created_at=row.created_at,
        resolved_at=row.resolved_at,
    )
