"""Is the store as isms left it? `verify` recomputes the hashes and checks the guards, and lists every
sign of an edit made outside isms (typically by someone who dropped the triggers first)."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from sqlalchemy import exc as sa_exc
from sqlalchemy import select
from sqlalchemy.engine import Connection

from assistant.store import chain, comments
from assistant.store.schema import PRAGMAS, SCHEMA_VERSION, TRIGGERS, Base, ReviewRow, sha256_text

if TYPE_CHECKING:
    from assistant.store.service import DocumentStore

GUARD_PRAGMAS = ("journal_mode", "foreign_keys", "recursive_triggers")


def verify(store: DocumentStore) -> list[str]:
    """Every problem found, one line each naming the store file; an empty list means the store is intact.

    Checked: SQLite's quick check, the pragmas on the store's connections, every trigger present and
    unchanged (and no others), each version's
    content against its content_hash, each approved version against an approve review and an approval in
    the audit log, each comment against the audit entries that wrote and resolved it, and the audit log's
    hash chain link by link."""
    where = str(store.path)
    try:
        with store.engine.connect() as conn:
            problems = _guards(conn) + _versions(conn) + _comments(conn) + _chain(conn)
    except (sa_exc.DatabaseError, sqlite3.DatabaseError) as exc:
        problems = [f"cannot be read to the end ({getattr(exc, 'orig', None) or exc})"]
    return [f"{where}: {p}" for p in problems]


def _normal(sql: str) -> str:
    return " ".join(sql.replace("IF NOT EXISTS", "").split()).rstrip(";").strip().lower()


def _guards(conn: Connection) -> list[str]:
    problems = []
    for name in GUARD_PRAGMAS:
        found = str(conn.exec_driver_sql(f"PRAGMA {name}").scalar()).lower()
        if found != str(PRAGMAS[name]).lower():
            problems.append(f"PRAGMA {name} is {found} on the store's connections, expected {PRAGMAS[name]}")
    damage = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check").fetchall()]
    if damage != ["ok"]:
        problems.append(f"SQLite's integrity check found: {'; '.join(damage[:3])}")
    format_ = int(conn.exec_driver_sql("PRAGMA user_version").scalar() or 0)
    if format_ != SCHEMA_VERSION:
        problems.append(f"store format {format_}, expected {SCHEMA_VERSION} (the migration did not run)")
    present = {
        name: sql or ""
        for name, sql in conn.exec_driver_sql("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
    }
    for name, (table, statement) in TRIGGERS.items():
        if name not in present:
            problems.append(f"trigger {name} on {table} is missing: the table is not protected against edits")
        elif _normal(present[name]) != _normal(statement):
            problems.append(
                f"trigger {name} on {table} differs from the one isms creates: it may not protect"
            )
    for name in sorted(set(present) - set(TRIGGERS)):  # e.g. one that rewrites rows as they are written
        problems.append(f"trigger {name} is not one isms creates: check what it does, then drop it")
    return problems


def _versions(conn: Connection) -> list[str]:
    problems = []
    approve_reviews = set(
        conn.scalars(select(ReviewRow.version_id).where(ReviewRow.decision == "approve").distinct())
    )
    audit = Base.metadata.tables["audit_log"]
    logged = set(conn.scalars(select(audit.c.version_id).where(audit.c.version_id.is_not(None)).distinct()))
    logged_approvals = set(
        conn.scalars(select(audit.c.version_id).where(audit.c.action == "approved").distinct())
    )
    versions = Base.metadata.tables["versions"]
    rows = conn.execute(
        select(
            versions.c.id,
            versions.c.document_id,
            versions.c.number,
            versions.c.status,
            versions.c.content,
            versions.c.content_hash,
        ).order_by(versions.c.id)
    )
    for id_, doc_id, number, status, content, content_hash in rows:
        name = f"version {number} of {doc_id} (id {id_})"
        if sha256_text(content) != content_hash:
            problems.append(f"{name}: its content no longer matches its content_hash (edited outside isms)")
        if id_ not in logged:
            problems.append(
                f"{name}: no audit log entry records it (inserted outside isms, or entries deleted)"
            )
        if status == "approved":
            if id_ not in approve_reviews:
                problems.append(f"{name} is approved but has no approve review (approval forged)")
            if id_ not in logged_approvals:
                problems.append(f"{name} is approved but the audit log records no approval of it")
    return problems


def _comments(conn: Connection) -> list[str]:
    """Each comment as its audit entries wrote it: the chain covers the entries, so a comment written,
    edited, reopened or deleted outside isms no longer matches them."""
    audit = Base.metadata.tables["audit_log"]
    logged = {
        (row.action, row.actor, row.document_id, row.version_id, row.detail)
        for row in conn.execute(select(audit).where(audit.c.action.in_((comments.ADDED, comments.RESOLVED))))
    }
    resolved_ids = {
        int(match.group(1))
        for action, *_, detail in logged
        if action == comments.RESOLVED and (match := comments.RESOLVED_ID.match(detail))
    }
    table = Base.metadata.tables["comments"]
    problems, seen = [], set()
    for row in conn.execute(select(table).order_by(table.c.id)):
        seen.add(row.id)
        name = f"comment {row.id} on {row.document_id}"
        added = comments.added_detail(row.id, row.section, row.text)
        if (comments.ADDED, row.author, row.document_id, row.version_id, added) not in logged:
            problems.append(
                f"{name}: no audit log entry wrote it as it is now (written or edited outside isms)"
            )
        resolved = comments.resolved_detail(row.id, row.author, row.resolution)
        resolution = (comments.RESOLVED, row.resolved_by, row.document_id, row.version_id, resolved)
        if row.status == "resolved" and resolution not in logged:
            problems.append(
                f"{name}: resolved, but no audit log entry records that resolution (edited outside isms)"
            )
        if row.status != "resolved" and row.id in resolved_ids:
            problems.append(
                f"{name}: the audit log records it resolved, but it is open (reopened outside isms)"
            )
    for entry in logged:
        match = comments.ADDED_ID.match(entry[4]) if entry[0] == comments.ADDED else None
        if match and int(match.group(1)) not in seen:
            problems.append(
                f"comment {match.group(1)} on {entry[2]}: the audit log records it, but it is gone"
            )
    return problems


def _chain(conn: Connection) -> list[str]:
    versions = Base.metadata.tables["versions"]
    digests = {
        id_: sha256_text(content) for id_, content in conn.execute(select(versions.c.id, versions.c.content))
    }
    audit = Base.metadata.tables["audit_log"]
    problems = []
    prev_hash, prev_id = chain.GENESIS, None
    for row in conn.execute(select(audit).order_by(audit.c.id)):
        entry = f"audit log entry {row.id} ({row.action} by {row.actor})"
        if row.prev_hash != prev_hash:
            after = f"entry {prev_id}" if prev_id is not None else "the start of the log"
            problems.append(
                f"{entry} does not link to {after}: an entry was deleted or inserted between them, "
                "or the one before was rewritten"
            )
        version_sha = digests.get(row.version_id) if row.version_id is not None else None
        if chain.entry_hash(row, row.prev_hash, version_sha) != row.entry_hash:
            cause = "it was edited after it was written"
            if row.version_id is not None:
                cause += (
                    f", or version id {row.version_id} it records no longer exists"
                    if version_sha is None
                    else f", or the content of version id {row.version_id} it records was changed"
                )
            problems.append(f"{entry} no longer matches its entry_hash: {cause}")
        prev_hash, prev_id = row.entry_hash, row.id
    return problems
