"""One review decision inside the store's write transaction (`DocumentStore.review` checks its arguments
first): approve the newest version, request changes, or resolve the open change requests, each with its
review row and its audit entry; a refusal raises before anything is written."""

from __future__ import annotations

from sqlalchemy.orm import Session

from assistant.errors import InputError
from assistant.store import chain
from assistant.store.schema import ReviewRow, VersionRow
from assistant.store.service import (
    OVERRIDE,
    RESOLVED,
    ApprovalRefused,
    Version,
    _latest,
    _open_change_requests,
    _requesters,
    _set_status,
)


def decide(
    s: Session,
    version_id: int,
    *,
    reviewer: str,
    decision: str,
    comment: str,
    approvers: list[str],
    override: bool,
    detail: str,
) -> Version:
    row = s.get(VersionRow, version_id)
    if row is None:
        raise InputError(f"no version {version_id}")
    if row.status == "approved":
        raise ApprovalRefused(f"version {row.number} of {row.document_id} is already approved")
    open_requests = _open_change_requests(s, row.document_id)
    if decision == "resolve":
        if not open_requests:
            raise InputError(f"{row.document_id} has no open change request to resolve")
        requesters = {r.reviewer.lower() for r in open_requests}
        allowed = {a.lower() for a in approvers}
        if reviewer.lower() not in allowed and requesters != {reviewer.lower()}:
            raise ApprovalRefused(
                f"{reviewer} may not resolve the change request of {_requesters(open_requests)}; "
                f"that is for whoever asked for the changes or one of the profile's approvers "
                f"({', '.join(approvers)})"
            )
        s.add(ReviewRow(version_id=version_id, reviewer=reviewer, decision=decision, comment=comment))
        s.flush()
        chain.append(
            s,
            actor=reviewer,
            action=RESOLVED,
            document_id=row.document_id,
            version_id=row.id,
            detail=f"resolved the change request of {_requesters(open_requests)}: {comment}",
        )
        s.flush()
        return Version.of(row)
    if decision == "approve":
        if reviewer.lower() not in {a.lower() for a in approvers}:
            raise ApprovalRefused(
                f"{reviewer} may not approve documents; the profile's approvers are {', '.join(approvers)}"
            )
        latest = _latest(s, row.document_id)
        if latest is not None and latest.id != row.id:
            raise ApprovalRefused(
                f"version {row.number} is not the newest ({latest.number}); review that one"
            )
        if open_requests:
            if not override:
                newest = open_requests[-1]
                raise ApprovalRefused(
                    f"{row.document_id} has an open change request by {newest.reviewer} "
                    f"({newest.created_at:%Y-%m-%d}): {newest.comment or 'no comment'}. Resolve it "
                    "first, or approve with an override and a comment saying why"
                )
            detail = f"{OVERRIDE} the open change request of {_requesters(open_requests)}: {comment}"
    status = "approved" if decision == "approve" else "changes_requested"
    s.add(ReviewRow(version_id=version_id, reviewer=reviewer, decision=decision, comment=comment))
    s.flush()
    return _set_status(s, row, status, reviewer, detail)
