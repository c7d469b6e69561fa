"""Tables (SQLAlchemy 2.0). Versions are append-only; approved ones are protected by a trigger as well."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import DDL, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0, tzinfo=None)  # stored as naive UTC by SQLite


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


class ReviewRow(Base):
    __tablename__ = "reviews"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id"), index=True)
    reviewer: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(30))  # approve | request_changes
    comment: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=now)


class AuditRow(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(default=now)
    actor: Mapped[str] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(60))
    document_id: Mapped[str] = mapped_column(String(120), default="")
    version_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    detail: Mapped[str] = mapped_column(Text, default="")


# Defence in depth: even a bug or a hand-run SQL statement cannot change or delete an approved version.
event.listen(
    VersionRow.__table__,
    "after_create",
    DDL(
        "CREATE TRIGGER IF NOT EXISTS approved_versions_immutable BEFORE UPDATE ON versions "
        "WHEN OLD.status = 'approved' BEGIN SELECT RAISE(ABORT, 'approved versions are immutable'); END;"
    ),
)
event.listen(
    VersionRow.__table__,
    "after_create",
    DDL(
        "CREATE TRIGGER IF NOT EXISTS approved_versions_kept BEFORE DELETE ON versions "
        "WHEN OLD.status = 'approved' BEGIN SELECT RAISE(ABORT, 'approved versions are immutable'); END;"
    ),
)
event.listen(
    VersionRow.__table__,
    "after_create",
    DDL(
        "CREATE TRIGGER IF NOT EXISTS version_content_fixed BEFORE UPDATE OF content ON versions "
        "BEGIN SELECT RAISE(ABORT, 'version content never changes; save a new version'); END;"
    ),
)
