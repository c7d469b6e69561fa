"""The body of a Word document as WordprocessingML text: paragraphs, headings, tables and their inline runs.

Built as text and parsed once by Word: python-docx's object API (a lookup and an element per run and cell)
made Word export most of a generation run.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

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

MD = MarkdownIt("commonmark").enable("table")


class Body:
    """The document body being written, part by part, at a text width in twips."""

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
    return inline_runs(MD.parseInline(text)[0].children or [])


_MARKUP = re.compile(r"[*_`\\\[<&]")


def inline_runs(children: list[Token]) -> str:
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


__all__ = ["MD", "Body", "inline_runs"]
