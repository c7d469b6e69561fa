"""Tables (SQLAlchemy 2.0) and the triggers that keep them honest.

Versions are append-only and an approved one never changes; reviews and the audit log are append-only;
a version becomes approved only with an approve review; a comment changes only once, from open to resolved. The triggers hold even for a hand-run SQL
statement (`INSERT OR REPLACE` included); the hashes (`content_hash`, the audit log's chain, see
`chain.py`) show an edit made by someone who dropped the triggers first (`verify.py`).
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DDL, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# PRAGMA user_version: 0 = the store before hashes and the append-only triggers, 1 = before comments.
SCHEMA_VERSION = 2

# Set on every connection the service opens. recursive_triggers makes REPLACE's implicit delete fire the
# delete triggers; the BEFORE INSERT triggers below refuse a REPLACE even on a connection without it.
PRAGMAS: dict[str, str | int] = {
    "journal_mode": "wal",
    "busy_timeout": 5000,
    "foreign_keys": 1,
    "recursive_triggers": 1,
}


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0, tzinfo=None)  # stored as naive UTC by SQLite


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _content_sha256(context: Any) -> str:
    return sha256_text(context.get_current_parameters()["content"])


class Base(DeclarativeBase):
    pass


class DocumentRow(Base):
    __tablename__ = "documents"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=now)


class VersionRow(Base):
    __tablename__ = "versions"
    __table_args__ = (UniqueConstraint("document_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3 ... per document
    label: Mapped[str] = mapped_column(String(20))  # the front matter version, e.g. 0.3
    content: Mapped[str] = mapped_column(Text)
    author: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(String(20))  # generated | edited | imported
    inputs_hash: Mapped[str] = mapped_column(String(64), default="")
    status: Mapped[str] = mapped_column(
        String(30), default="draft"
    )  # draft|in_review|changes_requested|approved
    based_on: Mapped[int | None] = mapped_column(Integer, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    content_hash: Mapped[str] = mapped_column(String(64), default=_content_sha256, server_default="")


class ReviewRow(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(30))  # approve | request_changes
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now)


class AuditRow(Base):
    """One entry of the hash chain: written only through `chain.append`, which sets both hashes."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=now)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    document_id: Mapped[str] = mapped_column(String(120), default="")
    version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64), server_default="")
    entry_hash: Mapped[str] = mapped_column(String(64), server_default="")


class CommentRow(Base):
    """A reviewer's comment on a section of one version ("" = the whole document); open until resolved."""

    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("documents.id"), index=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"))
    section: Mapped[str] = mapped_column(String(300), default="")
    author: Mapped[str] = mapped_column(String(200))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open | resolved
    resolved_by: Mapped[str] = mapped_column(String(200), default="")
    resolution: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    resolved_at: Mapped[datetime | None] = mapped_column(nullable=True)


# Columns added after the first release: (table, column, DDL type) for the migration of older stores.
ADDED_COLUMNS = (
    ("versions", "content_hash", "VARCHAR(64) NOT NULL DEFAULT ''"),
    ("audit_log", "prev_hash", "VARCHAR(64) NOT NULL DEFAULT ''"),
    ("audit_log", "entry_hash", "VARCHAR(64) NOT NULL DEFAULT ''"),
)

_IMMUTABLE = "SELECT RAISE(ABORT, 'approved versions are immutable');"


def _refuse(message: str) -> str:
    return f"SELECT RAISE(ABORT, '{message}');"


# name -> (table, statement). The names are part of the store's format: `verify` checks each is present
# and unchanged, the migration drops and recreates them.
TRIGGERS: dict[str, tuple[str, str]] = {
    "approved_versions_immutable": (
        "versions",
        "CREATE TRIGGER IF NOT EXISTS approved_versions_immutable BEFORE UPDATE ON versions "
        f"WHEN OLD.status = 'approved' BEGIN {_IMMUTABLE} END;",
    ),
    "approved_versions_kept": (
        "versions",
        "CREATE TRIGGER IF NOT EXISTS approved_versions_kept BEFORE DELETE ON versions "
        f"WHEN OLD.status = 'approved' BEGIN {_IMMUTABLE} END;",
    ),
    # INSERT OR REPLACE deletes the row it collides with; without recursive_triggers no delete trigger fires.
    "approved_versions_not_replaced": (
        "versions",
        "CREATE TRIGGER IF NOT EXISTS approved_versions_not_replaced BEFORE INSERT ON versions "
        "WHEN EXISTS (SELECT 1 FROM versions WHERE status = 'approved' AND (id = NEW.id OR "
        f"(document_id = NEW.document_id AND number = NEW.number))) BEGIN {_IMMUTABLE} END;",
    ),
    "versions_start_unapproved": (
        "versions",
        "CREATE TRIGGER IF NOT EXISTS versions_start_unapproved BEFORE INSERT ON versions "
        "WHEN NEW.status = 'approved' "
        f"BEGIN {_refuse('a version is approved by an approve review, never inserted approved')} END;",
    ),
    "approval_needs_review": (
        "versions",
        "CREATE TRIGGER IF NOT EXISTS approval_needs_review BEFORE UPDATE OF status ON versions "
        "WHEN NEW.status = 'approved' AND NOT EXISTS "
        "(SELECT 1 FROM reviews WHERE version_id = NEW.id AND decision = 'approve') "
        f"BEGIN {_refuse('a version is approved only with an approve review')} END;",
    ),
    "version_content_fixed": (
        "versions",
        "CREATE TRIGGER IF NOT EXISTS version_content_fixed BEFORE UPDATE OF content, content_hash ON versions "
        f"BEGIN {_refuse('version content never changes; save a new version')} END;",
    ),
    # Only the status of a version changes; renumbering one could also REPLACE an approved version away.
    "version_fields_fixed": (
        "versions",
        "CREATE TRIGGER IF NOT EXISTS version_fields_fixed BEFORE UPDATE OF id, document_id, number, label, "
        "author, source, inputs_hash, based_on, note, created_at ON versions "
        f"BEGIN {_refuse('versions are append-only; only their status changes')} END;",
    ),
    "reviews_not_updated": (
        "reviews",
        "CREATE TRIGGER IF NOT EXISTS reviews_not_updated BEFORE UPDATE ON reviews "
        f"BEGIN {_refuse('reviews are append-only')} END;",
    ),
    "reviews_not_deleted": (
        "reviews",
        "CREATE TRIGGER IF NOT EXISTS reviews_not_deleted BEFORE DELETE ON reviews "
        f"BEGIN {_refuse('reviews are append-only')} END;",
    ),
    "reviews_not_replaced": (
        "reviews",
        "CREATE TRIGGER IF NOT EXISTS reviews_not_replaced BEFORE INSERT ON reviews "
        "WHEN EXISTS (SELECT 1 FROM reviews WHERE id = NEW.id) "
        f"BEGIN {_refuse('reviews are append-only')} END;",
    ),
    "audit_log_not_updated": (
        "audit_log",
        "CREATE TRIGGER IF NOT EXISTS audit_log_not_updated BEFORE UPDATE ON audit_log "
        f"BEGIN {_refuse('the audit log is append-only')} END;",
    ),
    "audit_log_not_deleted": (
        "audit_log",
        "CREATE TRIGGER IF NOT EXISTS audit_log_not_deleted BEFORE DELETE ON audit_log "
        f"BEGIN {_refuse('the audit log is append-only')} END;",
    ),
    "audit_log_not_replaced": (
        "audit_log",
        "CREATE TRIGGER IF NOT EXISTS audit_log_not_replaced BEFORE INSERT ON audit_log "
        "WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) "
        f"BEGIN {_refuse('the audit log is append-only')} END;",
    ),
    "comments_start_open": (
        "comments",
        "CREATE TRIGGER IF NOT EXISTS comments_start_open BEFORE INSERT ON comments "
        "WHEN NEW.status <> 'open' OR NEW.resolved_by <> '' OR NEW.resolved_at IS NOT NULL "
        f"BEGIN {_refuse('a comment is resolved by resolving it, never inserted resolved')} END;",
    ),
    "comments_not_replaced": (
        "comments",
        "CREATE TRIGGER IF NOT EXISTS comments_not_replaced BEFORE INSERT ON comments "
        "WHEN EXISTS (SELECT 1 FROM comments WHERE id = NEW.id) "
        f"BEGIN {_refuse('comments are append-only; they change only by being resolved')} END;",
    ),
    "comments_fields_fixed": (
        "comments",
        "CREATE TRIGGER IF NOT EXISTS comments_fields_fixed BEFORE UPDATE OF id, document_id, version_id, "
        "section, author, text, created_at ON comments "
        f"BEGIN {_refuse('comments are append-only; they change only by being resolved')} END;",
    ),
    # The one change a comment sees: open -> resolved, saying who resolved it and when; never back.
    "comments_resolved_once": (
        "comments",
        "CREATE TRIGGER IF NOT EXISTS comments_resolved_once BEFORE UPDATE ON comments "
        "WHEN OLD.status <> 'open' OR NEW.status <> 'resolved' OR trim(NEW.resolved_by) = '' "
        "OR NEW.resolved_at IS NULL "
        f"BEGIN {_refuse('a comment changes only once, from open to resolved')} END;",
    ),
    "comments_not_deleted": (
        "comments",
        "CREATE TRIGGER IF NOT EXISTS comments_not_deleted BEFORE DELETE ON comments "
        f"BEGIN {_refuse('comments are append-only; they change only by being resolved')} END;",
    ),
}

for _name, (_on, _statement) in TRIGGERS.items():
    event.listen(Base.metadata.tables[_on], "after_create", DDL(_statement))
