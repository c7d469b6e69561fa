"""Word rendering of a Markdown document: title block, document control, numbered sections, annex.

The body Markdown is walked as markdown-it tokens and turned into python-docx paragraphs, lists and
tables; styles come from the bundled template or the user's own branded template.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from markdown_it import MarkdownIt
from markdown_it.token import Token

from assistant.documents.files import write_atomic
from assistant.documents.markdown import ANNEX_HEADING, DocumentFile
from assistant.errors import InputError
from assistant.knowledge.loader import Corpus

BUNDLED_TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "isms-template.docx"
_MD = MarkdownIt("commonmark").enable("table")


def render_docx(
    file: DocumentFile,
    corpus: Corpus,
    organisation: str,
    history: list[dict[str, str]],
    template: Path | None = None,
    landscape: bool = False,
) -> bytes:
    document = _open_template(template)
    meta = file.meta
    section = document.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = section.page_height, section.page_width
    for margin in ("left_margin", "right_margin"):
        setattr(section, margin, Cm(2))
    _header_footer(document, organisation, file.title, meta)
    _paragraph(document, file.title, "Title")
    _paragraph(document, organisation, "Subtitle")
    _control_table(document, meta)
    _history_table(document, history)
    if file.preamble:
        _markdown(document, file.preamble)
    for number, sec in enumerate(file.sections, start=1):
        _heading(document, f"{number}. {sec.heading}", 1)
        _markdown(document, sec.text)
    _heading(document, "Annex A. Control mapping", 1)
    _annex(document, file, corpus)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx(path: Path, data: bytes) -> None:
    write_atomic(path, data)


def check_template(template: Path | None) -> None:
    """Fail early, before anything is drafted or written, when a user's Word template is unusable."""
    if template is None:
        return
    if not template.is_file():
        raise InputError(f"{template}: Word template not found (ISMS_DOCX_TEMPLATE)")
    document = _open_template(template)
    missing = [
        name
        for name in ("Title", "Subtitle", "Heading 1", "Heading 2", "List Bullet", "Table Grid")
        if name not in [style.name for style in document.styles]
    ]
    if missing:
        raise InputError(f"{template}: the Word template lacks the styles {', '.join(missing)}")


def _open_template(template: Path | None) -> Any:
    source = template or BUNDLED_TEMPLATE
    try:
        return docx.Document(str(source))
    except Exception as exc:  # python-docx raises several types for a bad package
        raise InputError(f"{source}: the Word template cannot be opened ({exc.__class__.__name__})") from None


def _field(paragraph: Any, instruction: str) -> None:
    run = paragraph.add_run()
    begin, text, end = OxmlElement("w:fldChar"), OxmlElement("w:instrText"), OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    end.set(qn("w:fldCharType"), "end")
    run._r.append(begin)
    run._r.append(text)
    run._r.append(end)


def _style_id(document: Any, name: str) -> str:
    """A style's id, looked up once per document: python-docx scans every style on each lookup by name,
    which made Word export most of a generation run."""
    cache: dict[str, str] = document.__dict__.setdefault("_isms_style_ids", {})
    if name not in cache:
        cache[name] = document.styles[name].style_id
    return cache[name]


def _paragraph(document: Any, text: str = "", style: str | None = None) -> Any:
    paragraph = document.add_paragraph()
    if text:
        paragraph.add_run(text)
    if style:
        paragraph._p.style = _style_id(document, style)
    return paragraph


def _heading(document: Any, text: str, level: int) -> Any:
    return _paragraph(document, text, "Title" if level == 0 else f"Heading {level}")


def _header_footer(document: Any, organisation: str, title: str, meta: dict[str, Any]) -> None:
    section = document.sections[0]
    classification = str(meta.get("classification", ""))
    header = section.header.paragraphs[0]
    header.text = f"{organisation} | {title} | {classification.upper()}"
    header.style = document.styles["Header"]
    footer = section.footer.paragraphs[0]
    footer.style = document.styles["Footer"]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.add_run(f"{classification} | version {meta.get('version', '')} | page ")
    _field(footer, "PAGE")
    footer.add_run(" of ")
    _field(footer, "NUMPAGES")


def _table(document: Any, header: list[str], rows: list[list[str]]) -> Any:
    table = document.add_table(rows=1, cols=len(header))
    table.style = document.styles["Table Grid"]
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = ""
        run = cell.paragraphs[0].add_run(text)
        run.bold = True
        _shade(cell, "DCE6F0")
    for values in rows:
        cells = table.add_row().cells
        for cell, text in zip(cells, values, strict=False):
            cell.text = ""
            _inline(cell.paragraphs[0], _MD.parseInline(text)[0].children or [] if text else [])
    return table


def _shade(cell: Any, colour: str) -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), colour)
    cell._tc.get_or_add_tcPr().append(shading)


def _control_table(document: Any, meta: dict[str, Any]) -> None:
    _heading(document, "Document control", 2)
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
    _table(document, ["Field", "Value"], rows)


def _history_table(document: Any, history: list[dict[str, str]]) -> None:
    _heading(document, "Change history", 2)
    rows = [[h.get("version", ""), h.get("date", ""), h.get("change", "")] for h in history]
    _table(document, ["Version", "Date", "Change"], rows or [["", "", ""]])


def _annex(document: Any, file: DocumentFile, corpus: Corpus) -> None:
    where: dict[str, list[str]] = {}
    for number, sec in enumerate(file.sections, start=1):
        for cid in sec.cited_ids:
            if cid.startswith("A."):
                where.setdefault(cid, []).append(f"{number}. {sec.heading}")
    for cid in file.meta.get("controls") or []:
        where.setdefault(str(cid), [])
    if not where:
        clauses = ", ".join(str(c) for c in file.meta.get("clauses") or [])
        document.add_paragraph(
            f"This document addresses clauses of the standard ({clauses}) rather than Annex A controls."
        )
        return
    rows = []
    for cid in sorted(where, key=lambda c: tuple(int(x) for x in c[2:].split("."))):
        title = corpus.controls[cid].title if cid in corpus.controls else ""
        rows.append([cid, title, "; ".join(where[cid]) or "whole document"])
    _table(document, ["Control", "Title", "Where this document covers it"], rows)


def _markdown(document: Any, text: str) -> None:
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
            paragraph = _heading(document, "", level)
            _inline(paragraph, tokens[index + 1].children or [])
            index += 2
        elif token.type == "paragraph_open":
            style = list_styles[-1] if list_styles else None
            paragraph = _paragraph(document, "", style)
            _inline(paragraph, tokens[index + 1].children or [])
            index += 2
        elif token.type == "table_open":
            index = _markdown_table(document, tokens, index)
            continue
        elif token.type in ("fence", "code_block"):
            paragraph = document.add_paragraph()
            run = paragraph.add_run(token.content.rstrip())
            run.font.name = "Consolas"
            run.font.size = Pt(9)
        index += 1


def _markdown_table(document: Any, tokens: list[Token], index: int) -> int:
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
        _table(document, rows[0], rows[1:])
        document.add_paragraph()
    return index + 1


def _inline(paragraph: Any, children: list[Token]) -> None:
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
            run = paragraph.add_run(child.content)
            run.bold, run.italic = bold or None, italic or None
        elif child.type in ("softbreak", "hardbreak"):
            paragraph.add_run(" ")


__all__ = ["ANNEX_HEADING", "render_docx", "write_docx"]
