"""The audit log as a hash chain: each entry's hash covers the entry before it, so an edited, deleted or
inserted row breaks the chain at that point.

entry_hash = sha256(prev_hash + canonical JSON of the row's fields). A row that names a version also
covers the sha256 of that version's content, so an approval stays bound to the text that was approved.
There is no secret: someone who rewrites every hash from the edit onwards is caught only by comparing
the newest entry_hash with a copy kept elsewhere.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from assistant.store.schema import AuditRow, VersionRow, now, sha256_text

GENESIS = "0" * 64  # the prev_hash of the first entry


def payload(
    *,
    id: int,
    at: datetime | str,
    actor: str,
    action: str,
    document_id: str,
    version_id: int | None,
    detail: str,
    version_sha256: str | None,
) -> str:
    """The canonical JSON of an audit entry: sorted keys, no spaces, UTF-8 kept as is."""
    fields: dict[str, Any] = {
        "id": id,
        "at": at.isoformat(sep=" ") if isinstance(at, datetime) else str(at),
        "actor": actor,
        "action": action,
        "document_id": document_id,
        "version_id": version_id,
        "detail": detail,
        "version_sha256": version_sha256,
    }
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link(prev_hash: str, canonical: str) -> str:
    return hashlib.sha256((prev_hash + canonical).encode("utf-8")).hexdigest()


def entry_hash(row: Any, prev_hash: str, version_sha256: str | None) -> str:
    """The hash a row (an AuditRow or a result row with its columns) should carry after prev_hash."""
    return link(
        prev_hash,
        payload(
            id=row.id,
            at=row.at,
            actor=row.actor,
            action=row.action,
            document_id=row.document_id,
            version_id=row.version_id,
            detail=row.detail,
            version_sha256=version_sha256,
        ),
    )


def append(
    session: Session,
    *,
    actor: str,
    action: str,
    document_id: str = "",
    version_id: int | None = None,
    detail: str = "",
) -> AuditRow:
    """Add the next entry of the chain. The session must hold the write lock (BEGIN IMMEDIATE), so no
    other writer can append between reading the last entry and adding this one."""
    last = session.execute(
        select(AuditRow.id, AuditRow.entry_hash).order_by(AuditRow.id.desc()).limit(1)
    ).first()
    prev_hash = last.entry_hash if last is not None else GENESIS
    version_sha256 = None
    if version_id is not None:
        version = session.get(VersionRow, version_id)
        version_sha256 = sha256_text(version.content) if version is not None else None
    row = AuditRow(
        id=(last.id + 1) if last is not None else 1,
        at=now(),
        actor=actor,
        action=action,
        document_id=document_id,
        version_id=version_id,
        detail=detail,
        prev_hash=prev_hash,
    )
    row.entry_hash = entry_hash(row, prev_hash, version_sha256)
    session.add(row)
    return row
