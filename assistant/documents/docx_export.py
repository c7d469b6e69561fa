"""Word rendering of a Markdown document: title block, document control, numbered sections, annex.

The body Markdown is walked as markdown-it tokens and written as WordprocessingML (paragraphs, lists,
tables); styles, numbering and theme come from the bundled template or the user's own branded template,
whose package is read once and reused for every document: only the body, header, footer and their
relationships are written per document (parsing and re-serialising a 800 KB style sheet per document made
Word export most of a generation run).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.token import Token

from assistant.documents.docx_layout import page_locale, section_properties, text_width
from assistant.documents.docx_package import (
    BUNDLED_TEMPLATE,
    Template,
    check_template,
    header_footer,
    localised,
)
from assistant.documents.docx_package import attr as _attr
from assistant.documents.docx_package import open_template as _open_template
from assistant.documents.docx_package import package as _package
from assistant.documents.docx_package import run as _run
from assistant.documents.docx_package import xml_text as _text
from assistant.documents.docx_properties import ApprovalEntry, approval_rows, core_properties, history_rows
from assistant.documents.docx_tables import (
    HEADER_ROW_PROPS,
    ROW_PROPS,
    column_widths,
    table_grid,
    table_properties,
)
from assistant.documents.files import write_atomic
from assistant.documents.markdown import ANNEX_HEADING, DocumentFile
from assistant.knowledge.loader import Corpus

_MD = MarkdownIt("commonmark").enable("table")


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
) -> bytes:
    """The Word file of a parsed document: `history` fills the change history table and `approvals` (the
    store's record of the document, oldest first) an "Approval record" table after it, when there is one.
    `country` (the organisation's) sets the paper (A4, Letter in the US and Canada) and the language; a
    document not approved carries a DRAFT watermark; the file properties name the organisation."""
    tpl = _open_template(template)
    meta = file.meta
    locale = page_locale(country)
    sect = section_properties(tpl.sect_pr, landscape, locale)
    body = _Body(tpl, text_width(sect))
    body.paragraph(file.title, "Title")
    body.paragraph(organisation, "Subtitle")
    _control_table(body, meta)
    _history_table(body, history)
    if approvals:
        _approval_table(body, approvals)
    if file.preamble:
        _markdown(body, file.preamble)
    for number, sec in enumerate(file.sections, start=1):
        body.heading(f"{number}. {sec.heading}", 1)
        _markdown(body, sec.text)
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


class _Body:
    """The document body as WordprocessingML, built as text and parsed once: python-docx's object API
    (a lookup and an element per run and cell) made Word export most of a generation run."""

    def __init__(self, template: Template, width: int) -> None:
        self.template = template
        self.parts: list[str] = []
        self.width = width  # twips

    def style(self, name: str) -> str | None:
        return self.template.style(name)

    def paragraph(self, text: str = "", style: str | None = None, runs: str | None = None) -> None:
        sid = self.style(style) if style else None
        props = f'<w:pPr><w:pStyle w:val="{_attr(sid)}"/></w:pPr>' if sid else ""
        content = runs if runs is not None else (_run(text) if text else "")
        self.parts.append(f"<w:p>{props}{content}</w:p>")

    def heading(self, text: str, level: int, runs: str | None = None) -> None:
        self.paragraph(text, "Title" if level == 0 else f"Heading {level}", runs)

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        """A table whose header row repeats on every page, whose rows never split across pages, and whose
        columns are as wide as their content needs (see docx_tables)."""
        cols = max(1, len(header))
        widths = column_widths(header, rows, self.width)
        grid_style = self.style("Table Grid")
        out = [f"<w:tbl>{table_properties(_attr(grid_style) if grid_style else None, self.width)}"]
        out.append(table_grid(widths))
        shade = '<w:shd w:val="clear" w:color="auto" w:fill="DCE6F0"/>'
        out.append(
            f"<w:tr>{HEADER_ROW_PROPS}"
            + "".join(
                f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{shade}</w:tcPr>'
                f"<w:p>{_run(text, bold=True)}</w:p></w:tc>"
                for text, width in zip((list(header) + [""] * cols)[:cols], widths, strict=True)
            )
            + "</w:tr>"
        )
        for values in rows:
            cells = (list(values) + [""] * cols)[:cols]
            out.append(
                f"<w:tr>{ROW_PROPS}"
                + "".join(
                    f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr><w:p>{_cell_runs(text)}</w:p></w:tc>'
                    for text, width in zip(cells, widths, strict=True)
                )
                + "</w:tr>"
            )
        out.append("</w:tbl>")
        self.parts.append("".join(out))

    def code(self, text: str) -> None:
        props = '<w:rPr><w:rFonts w:ascii="Consolas" w:hAnsi="Consolas"/><w:sz w:val="18"/></w:rPr>'
        self.parts.append(f'<w:p><w:r>{props}<w:t xml:space="preserve">{_text(text)}</w:t></w:r></w:p>')


def _cell_runs(text: str) -> str:
    if not text:
        return ""
    if not _MARKUP.search(text):  # plain text needs no Markdown parse
        return _run(text)
    return _inline(_MD.parseInline(text)[0].children or [])


_MARKUP = re.compile(r"[*_`\\\[<&]")


def _control_table(document: _Body, meta: dict[str, Any]) -> None:
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


def _history_table(document: _Body, history: list[dict[str, str]]) -> None:
    document.heading("Change history", 2)
    header, rows = history_rows(history)
    document.table(header, rows)


def _approval_table(document: _Body, approvals: Sequence[ApprovalEntry]) -> None:
    document.heading("Approval record", 2)
    document.table(["Version", "Approved by", "Date", "Comment"], approval_rows(approvals))


def _annex(document: _Body, file: DocumentFile, corpus: Corpus) -> None:
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


def _markdown(document: _Body, text: str) -> None:
    tokens = _MD.parse(text)
    index = 0
    list_styles: list[str] = []
    while index < len(tokens):
        token = tokens[index]
        if token.type == "bullet_list_open":
            list_styles.append("List Bullet")
        elif token.type == "ordered_list_open":
            list_styles.append("List Number")
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_styles.pop()
        elif token.type == "heading_open":
            level = min(int(token.tag[1]) + 1, 3)
            document.heading("", level, runs=_inline(tokens[index + 1].children or []))
            index += 2
        elif token.type == "paragraph_open":
            style = _list_style(document, list_styles)
            document.paragraph("", style, runs=_inline(tokens[index + 1].children or []))
            index += 2
        elif token.type == "table_open":
            index = _markdown_table(document, tokens, index)
            continue
        elif token.type in ("fence", "code_block"):
            document.code(token.content.rstrip())
        index += 1


def _list_style(document: _Body, open_lists: list[str]) -> str | None:
    """A list item's style: "List Bullet", "List Bullet 2", "List Number 3" ... by how deeply it is nested
    (Word's built-in styles go to level 3); the level-one style where a template lacks the deeper one."""
    if not open_lists:
        return None
    depth = min(len(open_lists), 3)
    nested = f"{open_lists[-1]} {depth}"
    return nested if depth > 1 and document.style(nested) else open_lists[-1]


def _markdown_table(document: _Body, tokens: list[Token], index: int) -> int:
    rows: list[list[str]] = []
    current: list[str] | None = None
    while tokens[index].type != "table_close":
        token = tokens[index]
        if token.type == "tr_open":
            current = []
        elif token.type == "inline" and current is not None:
            current.append(token.content)
        elif token.type == "tr_close" and current is not None:
            rows.append(current)
        index += 1
    if rows:
        document.table(rows[0], rows[1:])
        document.paragraph()
    return index + 1


def _inline(children: list[Token]) -> str:
    """Runs for a paragraph's inline tokens: bold and italic kept, breaks as spaces."""
    runs = []
    bold = italic = False
    for child in children:
        if child.type == "strong_open":
            bold = True
        elif child.type == "strong_close":
            bold = False
        elif child.type == "em_open":
            italic = True
        elif child.type == "em_close":
            italic = False
        elif child.type in ("text", "code_inline"):
            runs.append(_run(child.content, bold, italic))
        elif child.type in ("softbreak", "hardbreak"):
            runs.append(_run(" "))
    return "".join(runs)


__all__ = [
    "ANNEX_HEADING",
    "BUNDLED_TEMPLATE",
    "approval_rows",
    "check_template",
    "render_docx",
    "write_docx",
]
