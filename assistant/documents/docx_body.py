"""The body of a Word document as WordprocessingML text: paragraphs, headings, tables and their inline runs.

Built as text and parsed once by Word: python-docx's object API (a lookup and an element per run and cell)
made Word export most of a generation run.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from assistant.documents.docx_numbering import ListNumbering
from assistant.documents.docx_package import Template
from assistant.documents.docx_package import attr as _attr
from assistant.documents.docx_package import run as _run
from assistant.documents.docx_package import xml_text as _text
from assistant.documents.docx_tables import (
    HEADER_ROW_PROPS,
    ROW_PROPS,
    column_widths,
    table_grid,
    table_properties,
)

CELL_PARAGRAPH = '<w:pPr><w:spacing w:before="0" w:after="40"/></w:pPr>'  # table text sits close
KEEP_PARAGRAPH = '<w:pPr><w:keepNext/><w:spacing w:before="0" w:after="40"/></w:pPr>'  # with the next row
KEEP_TOGETHER_ROWS = 12  # tables up to this many rows are kept on one page when they fit
WIDE_TABLE_COLUMNS = 6  # tables this wide are set in smaller text
WIDE_TABLE_SIZE = 17  # half-points: 8.5 pt
BODY_SIZE = 22  # half-points: the template's 11 pt body text
MD = MarkdownIt("commonmark").enable("table")


class Body:
    """The document body being written, part by part, at a text width in twips."""

    def __init__(self, template: Template, width: int) -> None:
        self.template = template
        self.parts: list[str] = []
        self.width = width  # twips
        self.links: list[tuple[str, str]] = []  # (relationship id, URL) of the body's hyperlinks
        self.numbering = ListNumbering(template.parts, template.document_part)
        self.cell_size: int | None = None  # table text size in half-points (None: the body's)

    def style(self, name: str) -> str | None:
        return self.template.style(name)

    def paragraph(
        self, text: str = "", style: str | None = None, runs: str | None = None, props: str = ""
    ) -> None:
        """A paragraph in `style`; `props` are further paragraph properties (numPr, ind), in schema order."""
        sid = self.style(style) if style else None
        inner = (f'<w:pStyle w:val="{_attr(sid)}"/>' if sid else "") + props
        ppr = f"<w:pPr>{inner}</w:pPr>" if inner else ""
        content = runs if runs is not None else (_run(text) if text else "")
        self.parts.append(f"<w:p>{ppr}{content}</w:p>")

    def new_list(self, style: str, start: int) -> str:
        """The numPr of a new numbered list in `style` restarting at `start` ("" where the template does not
        number that style: the style's own numbering then continues, as Word would)."""
        return self.numbering.restart(self.style(style), start)

    def link(self, url: str) -> str:
        """The relationship id of a hyperlink to `url` (one per URL; the package adds the relationships)."""
        for rid, known in self.links:
            if known == url:
                return rid
        rid = f"rIdIsmsLink{len(self.links) + 1}"
        self.links.append((rid, url))
        return rid

    def package_parts(self) -> dict[str, bytes]:
        """Parts this body adds to or changes in the template's package (its numbering)."""
        return self.numbering.package_parts()

    def heading(self, text: str, level: int, runs: str | None = None) -> None:
        self.paragraph(text, "Title" if level == 0 else f"Heading {level}", runs)

    def table(self, header: list[str], rows: list[list[str]]) -> None:
        """A table whose header row repeats on every page, whose rows never split across pages, and whose
        columns are as wide as their content needs (see docx_tables)."""
        cols = max(1, len(header))
        size = self.cell_size or (WIDE_TABLE_SIZE if cols >= WIDE_TABLE_COLUMNS else None)
        saved, self.cell_size = self.cell_size, size
        scale = size / BODY_SIZE if size else 1.0
        widths = column_widths(header, rows, self.width, char_scale=scale)
        together = len(rows) <= KEEP_TOGETHER_ROWS  # a short table moves to the next page whole
        grid_style = self.style("Table Grid")
        out = [f"<w:tbl>{table_properties(_attr(grid_style) if grid_style else None, self.width)}"]
        out.append(table_grid(widths))
        shade = '<w:shd w:val="clear" w:color="auto" w:fill="DCE6F0"/>'
        out.append(
            f"<w:tr>{HEADER_ROW_PROPS}"
            + "".join(
                f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/>{shade}</w:tcPr>'
                f"<w:p>{KEEP_PARAGRAPH if together and rows else CELL_PARAGRAPH}"
                f"{self._sized(_run(text, bold=True))}</w:p></w:tc>"
                for text, width in zip((list(header) + [""] * cols)[:cols], widths, strict=True)
            )
            + "</w:tr>"
        )
        for index, values in enumerate(rows):
            cells = (list(values) + [""] * cols)[:cols]
            props = KEEP_PARAGRAPH if together and index < len(rows) - 1 else CELL_PARAGRAPH
            out.append(
                f"<w:tr>{ROW_PROPS}"
                + "".join(
                    f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{width}"/></w:tcPr>'
                    f"<w:p>{props}{self._sized(self._cell_runs(text))}</w:p></w:tc>"
                    for text, width in zip(cells, widths, strict=True)
                )
                + "</w:tr>"
            )
        out.append("</w:tbl>")
        self.parts.append("".join(out))
        self.cell_size = saved

    def _sized(self, runs: str) -> str:
        """`runs` at the table text size, when one is set: w:sz goes before w:u in a run's properties."""
        if self.cell_size is None or not runs:
            return runs
        size = f'<w:sz w:val="{self.cell_size}"/><w:szCs w:val="{self.cell_size}"/>'
        runs = re.sub(
            r"<w:r><w:rPr>(.*?)(<w:u |</w:rPr>)",
            lambda m: f"<w:r><w:rPr>{m.group(1)}{size}{m.group(2)}",
            runs,
        )
        return re.sub(r"<w:r>(?!<w:rPr>)", f"<w:r><w:rPr>{size}</w:rPr>", runs)

    def code(self, text: str) -> None:
        props = f'<w:rPr>{MONO}<w:sz w:val="18"/></w:rPr>'
        self.parts.append(f'<w:p><w:r>{props}<w:t xml:space="preserve">{_text(text)}</w:t></w:r></w:p>')

    def _cell_runs(self, text: str) -> str:
        if not text:
            return ""
        if not _MARKUP.search(text):  # plain text needs no Markdown parse
            return _run(text)
        return inline_runs(MD.parseInline(text)[0].children or [], self)


_MARKUP = re.compile(r"[*_`\\\[<&]")
MONO = '<w:rFonts w:ascii="Consolas" w:hAnsi="Consolas" w:cs="Consolas"/>'
LINK_FALLBACK = (
    '<w:color w:val="0563C1"/><w:u w:val="single"/>'  # Word's Hyperlink style, where a template lacks it
)
R_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def inline_runs(children: list[Token], body: Body | None = None, *, italic: bool = False) -> str:
    """Runs for a paragraph's inline tokens: bold, italic and strikethrough kept, code spans monospace,
    links as Word hyperlinks (through `body`, which records their URLs; their text alone without one),
    images as their alternative text, inline HTML as its text, breaks as spaces (`<br>` as a line break).
    `italic` sets the whole paragraph italic (a block quote where the template has no Quote style)."""
    out: list[str] = []
    link: list[str] | None = None  # the runs of the open hyperlink
    rid = ""
    state = {"bold": False, "italic": italic, "strike": False}
    toggles = {"strong": "bold", "em": "italic", "s": "strike"}

    def add(text: str, mono: bool = False, br: bool = False) -> None:
        if not text and not br:
            return
        style, tail = _link_props(body) if link is not None else ("", "")
        (link if link is not None else out).append(_styled(text, state, style, mono, tail, br))

    for child in children:
        kind, _, edge = child.type.rpartition("_")
        if kind in toggles and edge in ("open", "close"):
            state[toggles[kind]] = edge == "open"
            if kind == "em" and italic:  # emphasis inside an italic quote stays italic
                state["italic"] = True
        elif child.type == "link_open":
            href = str(child.attrs.get("href", "") or "")
            if body is not None and href:
                link, rid = [], body.link(href)
        elif child.type == "link_close":
            if link is not None:
                declare = (
                    ""
                    if "xmlns:r=" in (body.template.document_open if body else "")
                    else f' xmlns:r="{R_NS}"'
                )
                out.append(f'<w:hyperlink{declare} r:id="{rid}" w:history="1">{"".join(link)}</w:hyperlink>')
            link = None
        elif child.type == "code_inline":
            add(child.content, mono=True)
        elif child.type in ("softbreak", "hardbreak"):
            add(" ")
        elif child.type == "html_inline" and re.fullmatch(r"<br\s*/?>", child.content.strip(), re.IGNORECASE):
            add("", br=True)
        elif child.type == "image":
            add("".join(c.content for c in child.children or [] if c.type in ("text", "code_inline")))
        elif child.content:  # text, html_inline and whatever else carries text
            add(child.content)
    if link:  # an unclosed link keeps its text
        out.extend(link)
    return "".join(out)


def _link_props(body: Body | None) -> tuple[str, str]:
    """A hyperlink run's character style, or the look of one (colour, underline) where there is none."""
    sid = body.style("Hyperlink") if body is not None else None
    return (f'<w:rStyle w:val="{_attr(sid)}"/>', "") if sid else ("", LINK_FALLBACK)


def _styled(
    text: str, state: dict[str, bool], style: str = "", mono: bool = False, tail: str = "", br: bool = False
) -> str:
    """A run, its properties in schema order: rStyle, rFonts, b, i, strike, then `tail` (color, u)."""
    props = (
        style
        + (MONO if mono else "")
        + ("<w:b/>" if state["bold"] else "")
        + ("<w:i/>" if state["italic"] else "")
        + ("<w:strike/>" if state["strike"] else "")
        + tail
    )
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    content = "<w:br/>" if br else f'<w:t xml:space="preserve">{_text(text)}</w:t>'
    return f"<w:r>{rpr}{content}</w:r>"


__all__ = ["MD", "Body", "inline_runs"]
