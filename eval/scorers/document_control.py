"""document-control: complete front matter, a reference no other document has, a review date after the effective date, valid version/status.

With a version store in the workspace, status is the store's, not the file's: a file saying approved must
be an approved version's text (the status field aside), approved by one of the profile's approvers, and
name one of them as its approver."""

from __future__ import annotations

import re
from datetime import date

from assistant.documents.markdown import FRONT_MATTER_FIELDS
from eval.docset import DocumentSet
from eval.result import CheckResult, result

STATUSES = {"draft", "in_review", "changes_requested", "approved"}
VERSION = re.compile(r"^\d+\.\d+$")


def _date(value: object) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def check(ds: DocumentSet) -> CheckResult:
    findings: list[str] = [f"{d}: {reason}" for d, reason in ds.unreadable.items()]
    levels = ds.profile.document_control.classification_levels
    holders: dict[str, list[str]] = {}
    for doc_id, doc in sorted(ds.documents.items()):
        meta = doc.meta
        if meta.get("reference"):
            holders.setdefault(str(meta["reference"]), []).append(doc_id)
        for key in FRONT_MATTER_FIELDS:
            if key not in meta or meta[key] in (None, ""):
                findings.append(f"{doc_id}: front matter field '{key}' is missing or empty")
        if meta.get("id") not in (None, doc_id):
            findings.append(f"{doc_id}: front matter id {meta.get('id')!r} does not match the file name")
        if "version" in meta and not VERSION.match(str(meta["version"])):
            findings.append(f"{doc_id}: version {meta['version']!r} is not of the form 1.2")
        if "status" in meta and meta["status"] not in STATUSES:
            findings.append(
                f"{doc_id}: status {meta['status']!r} is not one of {', '.join(sorted(STATUSES))}"
            )
        if meta.get("classification") and meta["classification"] not in levels:
            findings.append(
                f"{doc_id}: classification {meta['classification']!r} is not one of {', '.join(levels)}"
            )
        effective, review = _date(meta.get("effective_date")), _date(meta.get("next_review"))
        if "effective_date" in meta and effective is None:
            findings.append(f"{doc_id}: effective_date {meta.get('effective_date')!r} is not a date")
        if "next_review" in meta and review is None:
            findings.append(f"{doc_id}: next_review {meta.get('next_review')!r} is not a date")
        if effective and review and review <= effective:
            findings.append(f"{doc_id}: next_review {review} is not after effective_date {effective}")
        if ds.store_path is not None and meta.get("status") == "approved":
            findings += _approval(ds, doc_id, meta.get("approver"))
    for reference, docs in sorted(holders.items()):
        if len(docs) > 1:
            findings.append(f"{', '.join(docs)}: share the document reference {reference}")
    return result("document-control", findings, max(1, len(ds.documents) * 4))


def _named(person: object, approvers: list[str]) -> bool:
    """The front matter's approver ("Priya Raman (CEO)" or "Priya Raman") is one of the approvers."""
    text = str(person or "").strip().lower()
    return any(text == a.lower() or text.startswith(a.lower() + " (") for a in approvers)


def _approval(ds: DocumentSet, doc_id: str, approver: object) -> list[str]:
    """Findings for a file whose front matter says approved, judged by the workspace's version store."""
    approvers = ds.profile.roles.approvers
    listed = ", ".join(approvers)
    if ds.store_problem:
        return [
            f"{doc_id}: says approved, but the version store cannot be read to confirm it ({ds.store_problem})"
        ]
    stored = ds.stored.get(doc_id)
    if stored is None:
        return [
            f"{doc_id}: says approved, but the version store has no version of it (approve it in the store)"
        ]
    findings = []
    if not stored.approved_by:
        which = (
            f"this text is version {stored.number} ({stored.label}), {stored.status.replace('_', ' ')}"
            if stored.matched
            else f"this text is no version in the store; the newest, version {stored.number} "
            f"({stored.label}), is {stored.status.replace('_', ' ')}"
        )
        findings.append(
            f"{doc_id}: says approved, but the version store does not: {which} (status is set by an approval "
            "in the store, not by editing the file)"
        )
    elif stored.approved_by.lower() not in {a.lower() for a in approvers}:
        findings.append(
            f"{doc_id}: approved in the version store by {stored.approved_by}, who is not one of the "
            f"profile's approvers ({listed})"
        )
    if not _named(approver, approvers):
        findings.append(
            f"{doc_id}: says approved with approver {str(approver or '')!r}, who is not one of the profile's "
            f"approvers ({listed})"
        )
    return findings
