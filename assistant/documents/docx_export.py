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

from lxml import etree

from assistant.documents.docx_body import Body
from assistant.documents.docx_control import (
    TOC_MIN_PAGES,
    approval_block,
    control_table,
    estimated_pages,
    table_of_contents,
)
from assistant.documents.docx_layout import page_locale, section_properties, text_width
from assistant.documents.docx_markdown import write_markdown
from assistant.documents.docx_package import (
    BUNDLED_TEMPLATE,
    check_template,
    header_footer,
    localised,
    run,
)
from assistant.documents.docx_package import open_template as _open_template
from assistant.documents.docx_package import package as _package
from assistant.documents.docx_properties import ApprovalEntry, approval_rows, core_properties, history_rows
from assistant.documents.docx_tables import widest_table
from assistant.documents.files import write_atomic
from assistant.documents.markdown import ANNEX_HEADING, DocumentFile
from assistant.documents.soa_word import (
    COMPACT_TEXT_SIZE,
    SOA_ID,
    ControlRow,
    compact_control_table,
    detail_paragraphs,
)
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
    # A register or plan whose table has many columns is printed landscape, as the SoA is.
    landscape = landscape or widest_table(file.content) >= LANDSCAPE_COLUMNS
    sect = section_properties(tpl.sect_pr, landscape, locale)
    body = Body(tpl, text_width(sect))
    body.paragraph(file.title, "Title")
    body.paragraph(organisation, "Subtitle")
    control_table(body, meta, approvals)
    approval_block(body, meta, approvals)
    _history_table(body, history)
    if approvals:
        _approval_table(body, approvals)
    headings = [f"{number}. {sec.heading}" for number, sec in enumerate(file.sections, start=1)]
    if estimated_pages(file.content) > TOC_MIN_PAGES:
        table_of_contents(
            body, [*headings, *(["Annex A. Control mapping"] if meta.get("id") != SOA_ID else [])]
        )
    if file.preamble:
        write_markdown(body, file.preamble)
    details: list[ControlRow] = []
    for heading, sec in zip(headings, file.sections, strict=True):
        body.heading(heading, 1)
        text = sec.text
        if meta.get("id") == SOA_ID:  # the SoA's control table in compact form (see soa_word)
            text, rows = compact_control_table(text)
            details += rows
            body.cell_size = COMPACT_TEXT_SIZE if rows else None
        write_markdown(body, text)
        body.cell_size = None
    if meta.get("id") != SOA_ID:  # the SoA's control table is its mapping
        body.heading("Annex A. Control mapping", 1)
        _annex(body, file, corpus)
    if soa_detail and details:
        _justifications(body, details)
    sect_xml = etree.tostring(sect, encoding="unicode")
    document = (
        "<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n"
        f"{tpl.document_open}<w:body>{''.join(body.parts)}{sect_xml}</w:body></w:document>"
    )
    draft = str(meta.get("status", "")).strip().lower() != "approved"
    header, footer = header_footer(tpl, organisation, file.title, meta, draft)
    parts = localised(tpl, locale.language)
    core = core_properties(meta, file.title, organisation, now or datetime.now(UTC))
    return _package(tpl, document, header, footer, {**parts, **body.package_parts()}, core, body.links)


LANDSCAPE_COLUMNS = 8  # a table this wide makes its document landscape


def write_docx(path: Path, data: bytes) -> None:
    write_atomic(path, data)


def _justifications(body: Body, rows: list[ControlRow]) -> None:
    body.heading("Annex B. Control justifications", 1)
    for lead, justification in detail_paragraphs(rows):
        body.paragraph("", None, runs=run(lead, bold=True) + run(justification))


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
