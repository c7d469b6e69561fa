"""Word rendering of a Markdown document: title block, document control, numbered sections, annex.

The body Markdown is walked as markdown-it tokens and written as WordprocessingML (paragraphs, lists,
tables); styles, numbering and theme come from the bundled template or the user's own branded template,
whose package is read once and reused for every document: only the body, header, footer and their
relationships are written per document (parsing and re-serialising a 800 KB style sheet per document made
Word export most of a generation run).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree

from assistant.documents.docx_body import Body
from assistant.documents.docx_layout import page_locale, section_properties, text_width
from assistant.documents.docx_markdown import write_markdown
from assistant.documents.docx_package import (
    BUNDLED_TEMPLATE,
    check_template,
    header_footer,
    localised,
)
from assistant.documents.docx_package import open_template as _open_template
from assistant.documents.docx_package import package as _package
from assistant.documents.docx_properties import ApprovalEntry, approval_rows, core_properties, history_rows
from assistant.documents.files import write_atomic
from assistant.documents.markdown import ANNEX_HEADING, DocumentFile
from assistant.knowledge.loader import Corpus


def render_docx(
    file: DocumentFile,
    corpus: Corpus,
    organisation: str,
    history: list[dict[str, str]],
    template: Path | None = None,
    landscape: bool = False,
    approvals: Sequence[ApprovalEntry] = (),
    *,
    country: str | None = None,
    now: datetime | None = None,
    soa_detail: bool = False,
) -> bytes:
    """The Word file of a parsed document: `history` fills the change history table and `approvals` (the
    store's record of the document, oldest first) an "Approval record" table after it, when there is one.
    `country` (the organisation's) sets the paper (A4, Letter in the US and Canada) and the language; a
    document not approved carries a DRAFT watermark; the file properties name the organisation."""
    tpl = _open_template(template)
    meta = file.meta
    locale = page_locale(country)
    sect = section_properties(tpl.sect_pr, landscape, locale)
    body = Body(tpl, text_width(sect))
    body.paragraph(file.title, "Title")
    body.paragraph(organisation, "Subtitle")
    _control_table(body, meta)
    _history_table(body, history)
    if approvals:
        _approval_table(body, approvals)
    if file.preamble:
        write_markdown(body, file.preamble)
    for number, sec in enumerate(file.sections, start=1):
        body.heading(f"{number}. {sec.heading}", 1)
        write_markdown(body, sec.text)
    body.heading("Annex A. Control mapping", 1)
    _annex(body, file, corpus)
    sect_xml = etree.tostring(sect, encoding="unicode")
    document = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f"{tpl.document_open}<w:body>{''.join(body.parts)}{sect_xml}</w:body></w:document>"
    )
    draft = str(meta.get("status", "")).strip().lower() != "approved"
    header, footer = header_footer(tpl, organisation, file.title, meta, draft)
    parts = localised(tpl, locale.language)
    core = core_properties(meta, file.title, organisation, now or datetime.now(UTC))
    return _package(tpl, document, header, footer, parts, core)


def write_docx(path: Path, data: bytes) -> None:
    write_atomic(path, data)


def _control_table(document: Body, meta: dict[str, Any]) -> None:
    document.heading("Document control", 2)
    rows = [
        ["Document id", str(meta.get("id", ""))],
        ["Version", str(meta.get("version", ""))],
        ["Status", str(meta.get("status", ""))],
        ["Owner", str(meta.get("owner", ""))],
        ["Approver", str(meta.get("approver", ""))],
        ["Classification", str(meta.get("classification", ""))],
        ["Effective date", str(meta.get("effective_date", ""))],
        ["Next review", str(meta.get("next_review", ""))],
    ]
    document.table(["Field", "Value"], rows)


def _history_table(document: Body, history: list[dict[str, str]]) -> None:
    document.heading("Change history", 2)
    header, rows = history_rows(history)
    document.table(header, rows)


def _approval_table(document: Body, approvals: Sequence[ApprovalEntry]) -> None:
    document.heading("Approval record", 2)
    document.table(["Version", "Approved by", "Date", "Comment"], approval_rows(approvals))


def _annex(document: Body, file: DocumentFile, corpus: Corpus) -> None:
    where: dict[str, list[str]] = {}
    for number, sec in enumerate(file.sections, start=1):
        for cid in sec.cited_ids:
            if cid.startswith("A."):
                where.setdefault(cid, []).append(f"{number}. {sec.heading}")
    for cid in file.meta.get("controls") or []:
        where.setdefault(str(cid), [])
    if not where:
        clauses = ", ".join(str(c) for c in file.meta.get("clauses") or [])
        document.paragraph(
            f"This document addresses clauses of the standard ({clauses}) rather than Annex A controls."
        )
        return
    rows = []
    for cid in sorted(where, key=lambda c: tuple(int(x) for x in c[2:].split("."))):
        title = corpus.controls[cid].title if cid in corpus.controls else ""
        rows.append([cid, title, "; ".join(where[cid]) or "whole document"])
    document.table(["Control", "Title", "Where this document covers it"], rows)


__all__ = [
    "ANNEX_HEADING",
    "BUNDLED_TEMPLATE",
    "approval_rows",
    "check_template",
    "render_docx",
    "write_docx",
]
