"""Word rendering of a Markdown document: title block, document control, numbered sections, annex.

The body Markdown is walked as markdown-it tokens and written as WordprocessingML (paragraphs, lists,
tables); styles, numbering and theme come from the bundled template or the user's own branded template,
whose package is read once and reused for every document: only the body, header, footer and their
relationships are written per document (parsing and re-serialising a 800 KB style sheet per document made
Word export most of a generation run).
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from xml.sax.saxutils import escape

from lxml import etree
from markdown_it import MarkdownIt
from markdown_it.token import Token

from assistant.documents.files import write_atomic
from assistant.documents.markdown import ANNEX_HEADING, DocumentFile
from assistant.errors import InputError
from assistant.knowledge.loader import Corpus

BUNDLED_TEMPLATE = Path(__file__).resolve().parents[1] / "data" / "isms-template.docx"
_MD = MarkdownIt("commonmark").enable("table")


W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
CONTENT_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
HEADER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.header+xml"
FOOTER_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footer+xml"
HEADER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/header"
FOOTER_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/footer"
REQUIRED_STYLES = ("Title", "Subtitle", "Heading 1", "Heading 2", "List Bullet", "Table Grid")
MARGIN_TWIPS = 1134  # 2 cm


@dataclass(frozen=True)
class _Template:
    """A Word template read once: its parts, where the main document is, its styles and page setup."""

    parts: dict[str, bytes]
    document_part: str  # e.g. word/document.xml
    document_open: str  # the main document's root start tag, with its namespace declarations
    sect_pr: Any  # the template's section properties element
    styles: dict[str, str]  # style name -> style id

    def style(self, name: str) -> str | None:
        return self.styles.get(name) or self.styles.get(name.lower())


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


def render_docx(
    file: DocumentFile,
    corpus: Corpus,
    organisation: str,
    history: list[dict[str, str]],
    template: Path | None = None,
    landscape: bool = False,
    approvals: Sequence[ApprovalEntry] = (),
) -> bytes:
    """The Word file of a parsed document: `history` fills the change history table and `approvals` (the
    store's record of the document, oldest first) an "Approval record" table after it, when there is one."""
    tpl = _open_template(template)
    meta = file.meta
    sect = _section_properties(tpl, landscape)
    body = _Body(tpl, _text_width(sect))
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
    header, footer = _header_footer(tpl, organisation, file.title, meta)
    return _package(tpl, document, header, footer)


def write_docx(path: Path, data: bytes) -> None:
    write_atomic(path, data)


def check_template(template: Path | None) -> None:
    """Fail early, before anything is drafted or written, when a user's Word template is unusable."""
    if template is None:
        return
    if not template.is_file():
        raise InputError(f"{template}: Word template not found (ISMS_DOCX_TEMPLATE)")
    tpl = _open_template(template)
    missing = [name for name in REQUIRED_STYLES if tpl.style(name) is None]
    if missing:
        raise InputError(f"{template}: the Word template lacks the styles {', '.join(missing)}")


def _open_template(template: Path | None) -> _Template:
    source = (template or BUNDLED_TEMPLATE).resolve()
    try:
        stat = source.stat()
    except OSError:
        raise InputError(f"{source}: the Word template cannot be opened (not found)") from None
    return _read_template(str(source), stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=4)
def _read_template(source: str, _size: int, _mtime: int) -> _Template:
    """The template's package, read and checked once per run (and again only if the file changes)."""
    try:
        with zipfile.ZipFile(source) as archive:
            parts = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
        rels = etree.fromstring(parts["_rels/.rels"])
        main = next(
            r.get("Target").lstrip("/")
            for r in rels.iter(f"{{{PKG_REL}}}Relationship")
            if r.get("Type", "").endswith("/officeDocument")
        )
        root = etree.fromstring(parts[main])
        body = root.find(f"{{{W}}}body")
        sect_pr = body.find(f"{{{W}}}sectPr") if body is not None else None
        if sect_pr is None:
            sect_pr = etree.fromstring(
                f'<w:sectPr xmlns:w="{W}"><w:pgSz w:w="11906" w:h="16838"/>'
                '<w:pgMar w:top="1440" w:right="1440" w:bottom="1440" w:left="1440" w:header="708" '
                'w:footer="708" w:gutter="0"/></w:sectPr>'
            )
        text = parts[main].decode("utf-8")
        start = re.search(r"<w:document\b[^>]*>", text)
        if start is None:
            raise ValueError("no w:document element")
        styles: dict[str, str] = {}
        folder = main.rsplit("/", 1)[0]
        if f"{folder}/styles.xml" in parts:
            for style in etree.fromstring(parts[f"{folder}/styles.xml"]).iter(f"{{{W}}}style"):
                name = style.find(f"{{{W}}}name")
                if name is not None and style.get(f"{{{W}}}styleId"):
                    styles.setdefault(name.get(f"{{{W}}}val", ""), style.get(f"{{{W}}}styleId", ""))
                    styles.setdefault(name.get(f"{{{W}}}val", "").lower(), style.get(f"{{{W}}}styleId", ""))
    except (zipfile.BadZipFile, KeyError, StopIteration, ValueError, etree.XMLSyntaxError, OSError) as exc:
        raise InputError(f"{source}: the Word template cannot be opened ({exc.__class__.__name__})") from None
    return _Template(parts, main, start.group(0), sect_pr, styles)


def _section_properties(tpl: _Template, landscape: bool) -> Any:
    sect = copy.deepcopy(tpl.sect_pr)
    for ref in [*sect.findall(f"{{{W}}}headerReference"), *sect.findall(f"{{{W}}}footerReference")]:
        sect.remove(ref)
    footer = etree.Element(f"{{{W}}}footerReference", nsmap={"w": W, "r": R})
    footer.set(f"{{{W}}}type", "default")
    footer.set(f"{{{R}}}id", "rIdIsmsFooter")
    header = etree.Element(f"{{{W}}}headerReference", nsmap={"w": W, "r": R})
    header.set(f"{{{W}}}type", "default")
    header.set(f"{{{R}}}id", "rIdIsmsHeader")
    sect.insert(0, footer)
    sect.insert(0, header)
    size = sect.find(f"{{{W}}}pgSz")
    if size is not None and landscape:
        width, height = size.get(f"{{{W}}}w"), size.get(f"{{{W}}}h")
        if width and height and int(width) < int(height):
            size.set(f"{{{W}}}w", height)
            size.set(f"{{{W}}}h", width)
        size.set(f"{{{W}}}orient", "landscape")
    margins = sect.find(f"{{{W}}}pgMar")
    if margins is not None:
        margins.set(f"{{{W}}}left", str(MARGIN_TWIPS))
        margins.set(f"{{{W}}}right", str(MARGIN_TWIPS))
    return sect


def _text_width(sect: Any) -> int:
    size = sect.find(f"{{{W}}}pgSz")
    width = int(size.get(f"{{{W}}}w", "11906")) if size is not None else 11906
    return max(2000, width - 2 * MARGIN_TWIPS)


def _header_footer(tpl: _Template, organisation: str, title: str, meta: dict[str, Any]) -> tuple[str, str]:
    classification = str(meta.get("classification", ""))
    head = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

    def style(name: str, extra: str = "") -> str:
        sid = tpl.style(name)
        inner = (f'<w:pStyle w:val="{_attr(sid)}"/>' if sid else "") + extra
        return f"<w:pPr>{inner}</w:pPr>" if inner else ""

    def field(instruction: str) -> str:
        return (
            '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve">{instruction}</w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        )

    header_text = _run(f"{organisation} | {title} | {classification.upper()}")
    header = f'{head}<w:hdr xmlns:w="{W}" xmlns:r="{R}"><w:p>{style("Header")}{header_text}</w:p></w:hdr>'
    centred = style("Footer", '<w:jc w:val="center"/>')
    version = str(meta.get("version", ""))
    footer_runs = (
        _run(f"{classification} | version {version} | page ")
        + field("PAGE")
        + _run(" of ")
        + field("NUMPAGES")
    )
    footer = f'{head}<w:ftr xmlns:w="{W}" xmlns:r="{R}"><w:p>{centred}{footer_runs}</w:p></w:ftr>'
    return header, footer


def _package(tpl: _Template, document: str, header: str, footer: str) -> bytes:
    folder = tpl.document_part.rsplit("/", 1)[0]
    rels_name = f"{folder}/_rels/{tpl.document_part.rsplit('/', 1)[1]}.rels"
    rels = etree.fromstring(tpl.parts.get(rels_name, f'<Relationships xmlns="{PKG_REL}"/>'.encode()))
    for rel in list(rels):
        if rel.get("Id") in ("rIdIsmsHeader", "rIdIsmsFooter"):
            rels.remove(rel)
    for rid, kind, target in (
        ("rIdIsmsHeader", HEADER_REL, "isms-header.xml"),
        ("rIdIsmsFooter", FOOTER_REL, "isms-footer.xml"),
    ):
        etree.SubElement(rels, f"{{{PKG_REL}}}Relationship", Id=rid, Type=kind, Target=target)
    types = etree.fromstring(tpl.parts["[Content_Types].xml"])
    for name, kind in (
        (f"/{folder}/isms-header.xml", HEADER_TYPE),
        (f"/{folder}/isms-footer.xml", FOOTER_TYPE),
    ):
        if not any(o.get("PartName") == name for o in types):
            etree.SubElement(types, f"{{{CONTENT_TYPES}}}Override", PartName=name, ContentType=kind)
    replaced = {
        "[Content_Types].xml": etree.tostring(types, xml_declaration=True, encoding="UTF-8", standalone=True),
        rels_name: etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True),
        tpl.document_part: document.encode("utf-8"),
        f"{folder}/isms-header.xml": header.encode("utf-8"),
        f"{folder}/isms-footer.xml": footer.encode("utf-8"),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", replaced.pop("[Content_Types].xml"))
        for name, data in tpl.parts.items():
            if name != "[Content_Types].xml":
                archive.writestr(name, replaced.pop(name, data))
        for name, data in replaced.items():
            archive.writestr(name, data)
    return buffer.getvalue()


class _Body:
    """The document body as WordprocessingML, built as text and parsed once: python-docx's object API
    (a lookup and an element per run and cell) made Word export most of a generation run."""

    def __init__(self, template: _Template, width: int) -> None:
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
        cols = max(1, len(header))
        width = self.width // cols
        grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in range(cols))
        look = '<w:tblLook w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" w:noVBand="1" w:val="04A0"/>'
        grid_style = self.style("Table Grid")
        table_style = f'<w:tblStyle w:val="{_attr(grid_style)}"/>' if grid_style else ""
        out = [
            f"<w:tbl><w:tblPr>{table_style}"
            f'<w:tblW w:type="auto" w:w="0"/>{look}</w:tblPr><w:tblGrid>{grid}</w:tblGrid>'
        ]
        shade = '<w:shd w:val="clear" w:color="auto" w:fill="DCE6F0"/>'
        out.append(
            "<w:tr>"
            + "".join(
                f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{shade}</w:tcPr>'
                f"<w:p>{_run(text, bold=True)}</w:p></w:tc>"
                for text in header
            )
            + "</w:tr>"
        )
        for values in rows:
            cells = (list(values) + [""] * cols)[:cols]
            out.append(
                "<w:tr>"
                + "".join(
                    f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr><w:p>{_cell_runs(text)}</w:p></w:tc>'
                    for text in cells
                )
                + "</w:tr>"
            )
        out.append("</w:tbl>")
        self.parts.append("".join(out))

    def code(self, text: str) -> None:
        props = '<w:rPr><w:rFonts w:ascii="Consolas" w:hAnsi="Consolas"/><w:sz w:val="18"/></w:rPr>'
        self.parts.append(f'<w:p><w:r>{props}<w:t xml:space="preserve">{_text(text)}</w:t></w:r></w:p>')


_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _text(text: str) -> str:
    return escape(_INVALID_XML.sub("", text))


def _attr(value: str) -> str:
    return escape(value, {'"': "&quot;"})


def _run(text: str, bold: bool = False, italic: bool = False) -> str:
    props = ("<w:b/>" if bold else "") + ("<w:i/>" if italic else "")
    props = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{props}<w:t xml:space="preserve">{_text(text)}</w:t></w:r>'


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
    rows = [[h.get("version", ""), h.get("date", ""), h.get("change", "")] for h in history]
    document.table(["Version", "Date", "Change"], rows or [["", "", ""]])


def approval_rows(approvals: Sequence[ApprovalEntry]) -> list[list[str]]:
    """The approval record's rows: version, approved by, date (UTC), comment."""
    rows = []
    for a in approvals:
        comment = ("Override of an open change request. " if a.override else "") + a.comment
        version = f"{a.version_label} (#{a.version_number})" if a.version_label else f"#{a.version_number}"
        rows.append([version, a.approver, f"{a.approved_at:%Y-%m-%d %H:%M} UTC", comment])
    return rows


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
            style = list_styles[-1] if list_styles else None
            document.paragraph("", style, runs=_inline(tokens[index + 1].children or []))
            index += 2
        elif token.type == "table_open":
            index = _markdown_table(document, tokens, index)
            continue
        elif token.type in ("fence", "code_block"):
            document.code(token.content.rstrip())
        index += 1


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


__all__ = ["ANNEX_HEADING", "render_docx", "write_docx"]
