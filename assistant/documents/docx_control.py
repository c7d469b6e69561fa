"""The control pages of a Word document: document control (reference, version, status, owner, approver,
approval date, classification, distribution, dates), the approval block with its signature lines, and a
table of contents for long documents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.documents.docx_body import Body
from assistant.documents.docx_package import attr, run
from assistant.documents.docx_properties import ApprovalEntry

TOC_MIN_PAGES = 4  # documents longer than this get a table of contents
CHARS_PER_PAGE = 2300  # body text of a portrait A4 page with our styles (measured in LibreOffice)
STATUS_LABELS = {"draft": "Draft", "in_review": "In review", "changes_requested": "Changes requested",
                 "approved": "Approved"}  # fmt: skip


def current_approval(meta: dict[str, Any], approvals: Sequence[ApprovalEntry]) -> ApprovalEntry | None:
    """The approval of the version this file is (its label), if that version was approved."""
    version = str(meta.get("version", ""))
    matching = [a for a in approvals if a.version_label == version]
    return matching[-1] if matching else None


def control_table(body: Body, meta: dict[str, Any], approvals: Sequence[ApprovalEntry]) -> None:
    body.heading("Document control", 2)
    status = str(meta.get("status", ""))
    approved = current_approval(meta, approvals)
    approval_date = f"{approved.approved_at:%Y-%m-%d}" if approved else "Not yet approved"
    rows = [
        ["Document reference", str(meta.get("reference", "") or meta.get("id", ""))],
        ["Version", str(meta.get("version", ""))],
        ["Status", STATUS_LABELS.get(status, status)],
        ["Owner", str(meta.get("owner", ""))],
        ["Approver", str(meta.get("approver", ""))],
        ["Approval date", approval_date],
        ["Classification", str(meta.get("classification", ""))],
        ["Distribution", str(meta.get("distribution", ""))],
        ["Effective date", str(meta.get("effective_date", ""))],
        ["Next review", str(meta.get("next_review", ""))],
    ]
    body.table(["Field", "Value"], [r for r in rows if r[1] or r[0] == "Distribution"])


def approval_block(body: Body, meta: dict[str, Any], approvals: Sequence[ApprovalEntry]) -> None:
    """Who prepared and who approves this version, with the approval recorded in the tool when there is one
    and lines to sign on paper otherwise."""
    body.heading("Approval", 2)
    approved = current_approval(meta, approvals)
    version = str(meta.get("version", ""))
    if approved is not None:
        signed = f"Approved in the ISMS document register, version {version}"
        named = str(meta.get("approver", ""))  # "Priya Raman (Chief Executive Officer)": with the role
        approver = named if named.startswith(approved.approver) else approved.approver
        when = f"{approved.approved_at:%Y-%m-%d}"
    else:
        signed, approver, when = "", str(meta.get("approver", "")), ""
    rows = [
        ["Owner", str(meta.get("owner", "")), "", ""],
        ["Approved by", approver, signed, when],
    ]
    body.table(["Role", "Name", "Signature", "Date"], rows)


def estimated_pages(text: str) -> float:
    return len(text) / CHARS_PER_PAGE + 1  # the title and control page


def table_of_contents(body: Body, headings: list[str]) -> None:
    """A Word TOC field over headings 1-2, filled with the section headings so the list shows before the
    field is updated; Word updates it (with page numbers) when the file is opened."""
    body.heading("Contents", 2)
    entry_style = body.style("toc 1") or body.style("TOC 1")
    style = f'<w:pStyle w:val="{attr(entry_style)}"/>' if entry_style else ""
    begin = (
        '<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
    )
    end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    entries = headings or [""]
    for index, heading in enumerate(entries):
        lead = begin if index == 0 else ""
        last = index == len(entries) - 1
        tail = end if last else ""
        keep = "" if last else "<w:keepNext/>"  # the contents stay on one page
        body.parts.append(f"<w:p><w:pPr>{style}{keep}</w:pPr>{lead}{run(heading)}{tail}</w:p>")


__all__ = [
    "approval_block",
    "control_table",
    "current_approval",
    "estimated_pages",
    "table_of_contents",
    "TOC_MIN_PAGES",
]
