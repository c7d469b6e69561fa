"""The review workflow over the store: versions, edits, reviews and approvals, with an audit trail.

Invariants: versions are append-only; an approved version never changes; regenerating or editing adds a
draft version; an edit made on a stale version is refused (the caller keeps the text); only the
profile's approvers may approve; a document with an open change request (a `request_changes` review
newer than its last approval or resolution) is approved only once the request is resolved (a `resolve`
review) or with an explicit override and a comment, both recorded in the audit log. Every write runs
under SQLite's write lock (BEGIN IMMEDIATE) so the audit log's hash chain is extended by one writer at a
time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path

import frontmatter
from sqlalchemy import create_engine, event, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from assistant.errors import InputError
from assistant.store import chain, comments
from assistant.store.comments import Comment
from assistant.store.opening import check_file, prepare, sqlite_errors
from assistant.store.schema import PRAGMAS, AuditRow, DocumentRow, ReviewRow, VersionRow, sha256_text

STATUSES = ("draft", "in_review", "changes_requested", "approved")
DECISIONS = ("approve", "request_changes", "resolve")
STORE_FILE = "store.sqlite"  # inside the workspace's state folder (.isms/)
RESOLVED = "change-request-resolved"  # the audit action of a `resolve` review
# The start of the audit detail of an approval that overrode an open change request; `approvals` reads it
# back (a plain approval's detail starts "approve:" or is "approve", so a comment cannot forge it).
OVERRIDE = "approve overriding"


class StaleEdit(InputError):
    """The edit was made on a version that is no longer the newest; nothing was saved or overwritten."""

    def __init__(self, message: str, latest: Version) -> None:
        super().__init__(message)
        self.latest = latest


class ApprovalRefused(InputError):
    """The reviewer may not approve, or the version cannot be approved."""


@dataclass(frozen=True)
class Version:
    id: int
    document_id: str
    number: int
    label: str
    content: str
    author: str
    source: str
    inputs_hash: str
    status: str
    based_on: int | None
    note: str
    created_at: datetime

    @classmethod
    def of(cls, row: VersionRow) -> Version:
        return cls(
            row.id,
            row.document_id,
            row.number,
            row.label,
            row.content,
            row.author,
            row.source,
            row.inputs_hash,
            row.status,
            row.based_on,
            row.note,
            row.created_at,
        )


@dataclass(frozen=True)
class Review:
    version_id: int
    reviewer: str
    decision: str
    comment: str
    created_at: datetime


APPROVAL_COLUMNS = ("document", "version", "label", "approver", "approved_at", "comment", "override")


@dataclass(frozen=True)
class Approval:
    """One approval: who approved which version of which document, when, and whether it overrode an open
    change request."""

    document_id: str
    version_id: int
    version_number: int
    version_label: str
    approver: str
    approved_at: datetime
    comment: str
    override: bool

    def cells(self) -> list[str]:
        """The approval as text, in the order of APPROVAL_COLUMNS (`isms approvals --csv`, the audit pack's
        approvals.csv and the Audit log page)."""
        return [
            self.document_id,
            str(self.version_number),
            self.version_label,
            self.approver,
            self.approved_at.isoformat(sep=" "),
            self.comment,
            "yes" if self.override else "no",
        ]


@dataclass(frozen=True)
class DocumentStatus:
    id: str
    title: str
    latest: Version
    last_approved: Version | None


def _label(content: str) -> str:
    try:
        return str(frontmatter.loads(content).metadata.get("version", ""))
    except Exception:  # hand-edited content with broken front matter is still a version
        return ""


class DocumentStore:
    def __init__(self, path: Path) -> None:
        """Open (or create) the store at path; a damaged, foreign or read-only file raises InputError."""
        check_file(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InputError(
                f"{path.parent}: cannot create the folder for the version store ({exc.strerror})"
            ) from None
        self.path = path
        self._engine: Engine = create_engine(f"sqlite:///{path}", future=True)
        event.listen(self._engine, "connect", _pragmas)
        try:
            prepare(self._engine, path)
        except BaseException:
            self._engine.dispose()
            raise
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    @classmethod
    def for_workspace(cls, state_dir: Path) -> DocumentStore:
        """One store (and one SQLAlchemy engine) per database file per process: pages ask for it often."""
        return _open(str(cls.file_for(state_dir).resolve()))

    @staticmethod
    def file_for(state_dir: Path) -> Path:
        """Where a workspace's store lives (it may not exist yet: opening it creates it)."""
        return state_dir / STORE_FILE

    @property
    def engine(self) -> Engine:
        return self._engine

    def close(self) -> None:
        """Close the pooled connections (the file can then be copied or moved); the next call reopens them."""
        self._engine.dispose()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with sqlite_errors(self.path), self._sessions.begin() as session:
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A session holding the write lock from its first statement: reads in it see the newest rows."""
        with sqlite_errors(self.path), self._sessions.begin() as session:
            session.connection().exec_driver_sql("BEGIN IMMEDIATE")
            yield session

    # -- writing -----------------------------------------------------------------------------------------

    def record(
        self,
        doc_id: str,
        title: str,
        content: str,
        *,
        author: str,
        source: str,
        inputs_hash: str = "",
        based_on: int | None = None,
        note: str = "",
        if_latest: int | None = None,
    ) -> Version:
        """Add a version unless the content equals the newest one (then that one is returned). With
        `if_latest`, only while that version is still the newest (StaleEdit otherwise): checked under the
        write lock, so of two editors who started from the same version exactly one saves."""
        if source not in ("generated", "edited", "imported"):
            raise ValueError(f"unknown source {source!r}")
        with self._writing() as s:
            if s.get(DocumentRow, doc_id) is None:
                s.add(DocumentRow(id=doc_id, title=title))
            latest = _latest(s, doc_id)
            if if_latest is not None and latest is not None and latest.id != if_latest:
                raise _stale(s, doc_id, if_latest, latest)
            if latest is not None and latest.content == content:
                return Version.of(latest)
            number = (latest.number if latest else 0) + 1
            row = VersionRow(
                document_id=doc_id,
                number=number,
                label=_label(content) or f"0.{number}",
                content=content,
                author=author,
                source=source,
                inputs_hash=inputs_hash,
                status="draft",
                based_on=based_on if based_on is not None else (latest.id if latest else None),
                note=note,
                content_hash=sha256_text(content),
            )
            s.add(row)
            s.flush()
            chain.append(
                s,
                actor=author,
                action=f"version-{source}",
                document_id=doc_id,
                version_id=row.id,
                detail=note or f"version {number}",
            )
            return Version.of(row)

    def save_edit(
        self, doc_id: str, content: str, *, author: str, base_version_id: int, note: str = ""
    ) -> Version:
        """An edit of the newest version; refused (and nothing written) when someone saved in between."""
        if not author.strip():
            raise InputError("say who is editing (author name)")
        if self.latest(doc_id) is None:
            raise InputError(f"{doc_id} has no version to edit yet")
        return self.record(
            doc_id,
            self._title(doc_id),
            content,
            author=author,
            source="edited",
            based_on=base_version_id,
            note=note or "edited",
            if_latest=base_version_id,
        )

    def submit(self, version_id: int, actor: str) -> Version:
        return self._set_status(version_id, "in_review", actor, "submitted for review")

    def review(
        self,
        version_id: int,
        *,
        reviewer: str,
        decision: str,
        comment: str,
        approvers: list[str],
        override: bool = False,
    ) -> Version:
        """Approve, request changes or resolve the document's open change requests.

        Only the profile's approvers may approve, and only the newest version. While a change request on
        the document is open, approving is refused unless `override` is set with a comment saying why (the
        audit log records the override; with nothing open, an override is a plain approval, but still needs
        its comment). `resolve` closes every open change request of the document: it
        needs a comment and is made by one of the approvers or the person who asked for the changes."""
        if decision not in DECISIONS:
            raise InputError(f"decision must be one of {', '.join(DECISIONS)}, found {decision!r}")
        reviewer = reviewer.strip()
        if not reviewer:
            raise ApprovalRefused("give the reviewer's name")
        if decision == "approve" and override and not comment.strip():
            raise ApprovalRefused("an override of an open change request needs a comment saying why")
        if decision == "resolve" and not comment.strip():
            raise InputError("say how the change request was resolved (a comment is needed)")
        detail = f"{decision}: {comment}".strip(": ")
        # One transaction under the write lock: the checks see what is committed, the review row goes in
        # first (the approval trigger looks for it), then the status and its audit entry; a refusal
        # leaves nothing behind.
        with self._writing() as s:
            from assistant.store.decisions import decide  # it builds on this module's rows and helpers

            return decide(
                s, version_id, reviewer=reviewer, decision=decision, comment=comment, approvers=approvers,
                override=override, detail=detail,
            )  # fmt: skip

    def add_comment(self, doc_id: str, version_id: int, section: str, author: str, text: str) -> Comment:
        """An open comment on a section of a version ("" = the whole document), logged (see comments.py)."""
        with self._writing() as s:
            return comments.add(s, doc_id, version_id, section, author, text)

    def resolve_comment(self, comment_id: int, actor: str, note: str = "") -> Comment:
        """Resolve an open comment, with who and an optional note; logged. A resolved one is refused."""
        with self._writing() as s:
            return comments.resolve(s, comment_id, actor, note)

    def comments(self, doc_id: str, *, open_only: bool = False) -> list[Comment]:
        with self._session() as s:
            return comments.listed(s, doc_id, open_only=open_only)

    def open_comment_counts(self) -> dict[str, int]:
        with self._session() as s:
            return comments.open_counts(s)

    def audit(self, actor: str, action: str, document_id: str = "", detail: str = "") -> None:
        with self._writing() as s:
            chain.append(s, actor=actor, action=action, document_id=document_id, detail=detail)

    def _set_status(self, version_id: int, status: str, actor: str, detail: str) -> Version:
        with self._writing() as s:
            return _set_status(s, _changeable(s, version_id), status, actor, detail)

    # -- reading -----------------------------------------------------------------------------------------

    def get(self, version_id: int) -> Version:
        with self._session() as s:
            row = s.get(VersionRow, version_id)
            if row is None:
                raise InputError(f"no version {version_id}")
            return Version.of(row)

    def latest(self, doc_id: str) -> Version | None:
        with self._session() as s:
            row = _latest(s, doc_id)
            return Version.of(row) if row else None

    def last_approved(self, doc_id: str) -> Version | None:
        with self._session() as s:
            row = s.scalars(
                select(VersionRow)
                .where(VersionRow.document_id == doc_id, VersionRow.status == "approved")
                .order_by(VersionRow.number.desc())
            ).first()
            return Version.of(row) if row else None

    def versions(self, doc_id: str) -> list[Version]:
        with self._session() as s:
            rows = s.scalars(
                select(VersionRow).where(VersionRow.document_id == doc_id).order_by(VersionRow.number)
            ).all()
            return [Version.of(r) for r in rows]

    def reviews(self, doc_id: str) -> list[Review]:
        with self._session() as s:
            rows = (
                s.execute(
                    select(ReviewRow)
                    .join(VersionRow, VersionRow.id == ReviewRow.version_id)
                    .where(VersionRow.document_id == doc_id)
                    .order_by(ReviewRow.id)
                )
                .scalars()
                .all()
            )
            return [Review(r.version_id, r.reviewer, r.decision, r.comment, r.created_at) for r in rows]

    def open_change_requests(self, doc_id: str) -> list[Review]:
        """The document's `request_changes` reviews newer than its last approval or resolution."""
        with self._session() as s:
            return [
                Review(r.version_id, r.reviewer, r.decision, r.comment, r.created_at)
                for r in _open_change_requests(s, doc_id)
            ]

    def approvals(self, doc_id: str | None = None) -> list[Approval]:
        """Every approval (of one document, or of all), oldest first: version, approver, time, comment and
        whether it overrode an open change request (read from the hash-chained audit log)."""
        with self._session() as s:
            query = (
                select(ReviewRow, VersionRow)
                .join(VersionRow, VersionRow.id == ReviewRow.version_id)
                .where(ReviewRow.decision == "approve")
                .order_by(ReviewRow.id)
            )
            if doc_id is not None:
                query = query.where(VersionRow.document_id == doc_id)
            rows = s.execute(query).all()
            overridden = set(
                s.scalars(
                    select(AuditRow.version_id).where(
                        AuditRow.action == "approved",
                        AuditRow.version_id.in_([v.id for _, v in rows]),
                        AuditRow.detail.startswith(OVERRIDE, autoescape=True),
                    )
                )
            )
            return [
                Approval(
                    document_id=v.document_id,
                    version_id=v.id,
                    version_number=v.number,
                    version_label=v.label,
                    approver=r.reviewer,
                    approved_at=r.created_at,
                    comment=r.comment,
                    override=v.id in overridden,
                )
                for r, v in rows
            ]

    def has_document(self, doc_id: str) -> bool:
        with self._session() as s:
            return s.get(DocumentRow, doc_id) is not None

    def audit_log(self, limit: int = 200) -> list[tuple[datetime, str, str, str, str]]:
        with self._session() as s:
            rows = s.scalars(select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)).all()
            return [(r.at, r.actor, r.action, r.document_id, r.detail) for r in rows]

    def overview(self) -> list[DocumentStatus]:
        """Every document with its newest and last approved version, in two queries (the UI's pages run this
        on every load)."""
        from assistant.store.queries import newest_and_approved

        with self._session() as s:
            titles, latest, last = newest_and_approved(s)
        return [
            DocumentStatus(doc_id, titles.get(doc_id, doc_id), version, last.get(doc_id))
            for doc_id, version in sorted(latest.items())
        ]

    def _title(self, doc_id: str) -> str:
        with self._session() as s:
            row = s.get(DocumentRow, doc_id)
            return row.title if row else doc_id


@lru_cache(maxsize=32)
def _open(path: str) -> DocumentStore:
    return DocumentStore(Path(path))


def _latest(session: Session, doc_id: str) -> VersionRow | None:
    number = session.scalar(select(func.max(VersionRow.number)).where(VersionRow.document_id == doc_id))
    if number is None:
        return None
    return session.scalars(
        select(VersionRow).where(VersionRow.document_id == doc_id, VersionRow.number == number)
    ).first()


def _stale(session: Session, doc_id: str, base_id: int, latest: VersionRow) -> StaleEdit:
    base = session.get(VersionRow, base_id)
    return StaleEdit(
        f"{doc_id} changed while you were editing: you edited version {base.number if base else 0}, "
        f"the newest is version {latest.number} by {latest.author}. Your text is kept; compare it with "
        "the newest version and save again.",
        Version.of(latest),
    )


def _open_change_requests(session: Session, doc_id: str) -> list[ReviewRow]:
    """`request_changes` reviews on any version of the document newer than its last approve or resolve."""
    reviews = select(ReviewRow).join(VersionRow, VersionRow.id == ReviewRow.version_id)
    closed = session.scalar(
        select(func.max(ReviewRow.id))
        .join(VersionRow, VersionRow.id == ReviewRow.version_id)
        .where(VersionRow.document_id == doc_id, ReviewRow.decision.in_(("approve", "resolve")))
    )
    return list(
        session.scalars(
            reviews.where(
                VersionRow.document_id == doc_id,
                ReviewRow.decision == "request_changes",
                ReviewRow.id > (closed or 0),
            ).order_by(ReviewRow.id)
        )
    )


def _requesters(requests: list[ReviewRow]) -> str:
    return ", ".join(dict.fromkeys(r.reviewer for r in requests))


def _changeable(session: Session, version_id: int) -> VersionRow:
    row = session.get(VersionRow, version_id)
    if row is None:
        raise InputError(f"no version {version_id}")
    if row.status == "approved":
        raise ApprovalRefused(f"version {row.number} of {row.document_id} is approved and cannot change")
    return row


def _set_status(session: Session, row: VersionRow, status: str, actor: str, detail: str) -> Version:
    row.status = status
    session.flush()
    chain.append(
        session, actor=actor, action=status, document_id=row.document_id, version_id=row.id, detail=detail
    )
    session.flush()
    return Version.of(row)


def _pragmas(connection: object, _record: object) -> None:
    cursor = connection.cursor()  # type: ignore[attr-defined]
    for name, value in PRAGMAS.items():
        cursor.execute(f"PRAGMA {name}={value}")
    cursor.close()
