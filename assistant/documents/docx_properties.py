"""A Word document's file properties (docProps/core.xml) and its change history as readers see it.

The properties say who the document belongs to (the organisation), what it is and when it was made, not
what the template was made with: the template's own author, description and 2013 dates never show.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any, Protocol
from xml.sax.saxutils import escape

from lxml import etree

PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CORE_REL = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
CORE_TYPE = "application/vnd.openxmlformats-package.core-properties+xml"
STANDARD = "ISO/IEC 27001:2022"


def core_part_name(parts: dict[str, bytes]) -> str | None:
    """Where the template keeps its core properties, if it has them."""
    rels = parts.get("_rels/.rels")
    if rels is None:
        return None
    for rel in etree.fromstring(rels).iter(f"{{{PKG_REL}}}Relationship"):
        if rel.get("Type") == CORE_REL:
            return str(rel.get("Target", "")).lstrip("/")
    return None


def with_core_relationship(rels: bytes | None) -> bytes:
    """The package relationships with one to docProps/core.xml (for a template without properties)."""
    root = etree.fromstring(rels or f'<Relationships xmlns="{PKG_REL}"/>'.encode())
    etree.SubElement(
        root, f"{{{PKG_REL}}}Relationship", Id="rIdIsmsCore", Type=CORE_REL, Target="docProps/core.xml"
    )
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def created_at(meta: dict[str, Any], now: datetime) -> datetime:
    """The document's date: its effective date from the front matter, else now."""
    value = meta.get("effective_date")
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime(value.year, value.month, value.day, tzinfo=UTC)
    try:
        day = date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        day = None
    return datetime(day.year, day.month, day.day, tzinfo=UTC) if day else now


def core_properties(meta: dict[str, Any], title: str, author: str, now: datetime | None = None) -> bytes:
    """docProps/core.xml for one document: author and last editor the organisation, title, subject,
    keywords with the document id, created on the document's date and modified now (UTC), revision 1."""
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    created = min(created_at(meta, moment), moment) if meta.get("effective_date") else moment
    doc_id = str(meta.get("id", ""))
    version, status = str(meta.get("version", "")), str(meta.get("status", ""))
    keywords = "; ".join(k for k in (STANDARD, "ISMS", doc_id) if k)
    description = ", ".join(p for p in (f"version {version}" if version else "", status) if p)
    stamp = "%Y-%m-%dT%H:%M:%SZ"

    def text(value: str) -> str:
        return escape(value)

    xml = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{text(title)}</dc:title>"
        f"<dc:subject>{text(f'{STANDARD} – {title}')}</dc:subject>"
        f"<dc:creator>{text(author)}</dc:creator>"
        f"<cp:keywords>{text(keywords)}</cp:keywords>"
        f"<dc:description>{text(description)}</dc:description>"
        f"<cp:lastModifiedBy>{text(author)}</cp:lastModifiedBy>"
        "<cp:revision>1</cp:revision>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{created.strftime(stamp)}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{moment.strftime(stamp)}</dcterms:modified>'
        f"<cp:category>{text('ISMS documentation')}</cp:category>"
        f"<cp:contentStatus>{text(status)}</cp:contentStatus>"
        "</cp:coreProperties>"
    )
    return xml.encode("utf-8")


# "(offline, offline-drafter)", "(openai, gpt-4o-mini)": the provider and model a draft was written with.
_PROVIDER = re.compile(r"\s*\(\s*[A-Za-z][\w.-]*\s*,\s*[\w.:/@+-]+\s*\)")


def without_internals(text: str) -> str:
    """A change note or author without the drafting tool's provider and model."""
    return re.sub(r"\s{2,}", " ", _PROVIDER.sub("", text)).strip()


def history_rows(history: list[dict[str, str]]) -> tuple[list[str], list[list[str]]]:
    """The change history table: version, date, (author when known) and the change, tool internals left out."""
    with_author = any(h.get("author") for h in history)
    header = ["Version", "Date", *(["Author"] if with_author else []), "Change"]
    rows = []
    for h in history:
        author = [without_internals(h.get("author", ""))] if with_author else []
        rows.append(
            [h.get("version", ""), h.get("date", ""), *author, without_internals(h.get("change", ""))]
        )
    return header, rows or [[""] * len(header)]


class ApprovalEntry(Protocol):
    """What the approval record shows of one approval (the store's `Approval` has these fields)."""

    @property
    def version_number(self) -> int: ...
    @property
    def version_label(self) -> str: ...
    @property
    def approver(self) -> str: ...
    @property
    def approved_at(self) -> datetime: ...
    @property
    def comment(self) -> str: ...
    @property
    def override(self) -> bool: ...


def approval_rows(approvals: Sequence[ApprovalEntry]) -> list[list[str]]:
    """The approval record's rows: version, approved by, date (UTC), comment."""
    rows = []
    for a in approvals:
        comment = ("Override of an open change request. " if a.override else "") + a.comment
        version = a.version_label or f"draft {a.version_number}"
        rows.append([version, a.approver, f"{a.approved_at:%Y-%m-%d %H:%M} UTC", comment])
    return rows


__all__ = [
    "ApprovalEntry",
    "approval_rows",
    "core_part_name",
    "core_properties",
    "history_rows",
    "with_core_relationship",
    "without_internals",
]
