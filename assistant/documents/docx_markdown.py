"""Markdown blocks to Word: paragraphs, headings, nested lists (each numbered list restarting at its own
start), block quotes, tables and code, written into a `Body`."""

from __future__ import annotations

from markdown_it.token import Token

from assistant.documents.docx_body import MD, Body, inline_runs

QUOTE_FALLBACK = '<w:ind w:left="720"/>'  # with italic runs: a quote where the template has no Quote style


def write_markdown(document: Body, text: str) -> None:
    tokens = MD.parse(text)
    index = 0
    lists: list[tuple[str, str]] = []  # the open lists, outermost first: (style, numPr of a numbered list)
    quotes = 0
    while index < len(tokens):
        token = tokens[index]
        if token.type in ("bullet_list_open", "ordered_list_open"):
            base = "List Bullet" if token.type == "bullet_list_open" else "List Number"
            style = _list_style(document, [*(s for s, _ in lists), base]) or base
            start = int(token.attrs.get("start", 1) or 0)
            lists.append((style, document.new_list(style, start) if base == "List Number" else ""))
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif token.type in ("blockquote_open", "blockquote_close"):
            quotes += 1 if token.type == "blockquote_open" else -1
        elif token.type == "heading_open":
            level = min(int(token.tag[1]) + 1, 3)
            document.heading("", level, runs=inline_runs(tokens[index + 1].children or [], document))
            index += 2
        elif token.type == "paragraph_open":
            _paragraph(document, tokens[index + 1].children or [], lists, quotes > 0)
            index += 2
        elif token.type == "table_open":
            index = _markdown_table(document, tokens, index)
            continue
        elif token.type in ("fence", "code_block"):
            document.code(token.content.rstrip())
        index += 1


def _paragraph(document: Body, children: list[Token], lists: list[tuple[str, str]], quoted: bool) -> None:
    if lists:
        style, numbering = lists[-1]
        document.paragraph("", style, runs=inline_runs(children, document), props=numbering)
    elif quoted and document.style("Quote"):
        document.paragraph("", "Quote", runs=inline_runs(children, document))
    elif quoted:
        document.paragraph("", None, runs=inline_runs(children, document, italic=True), props=QUOTE_FALLBACK)
    else:
        document.paragraph("", None, runs=inline_runs(children, document))


def _list_style(document: Body, open_lists: list[str]) -> str | None:
    """A list item's style: "List Bullet", "List Bullet 2", "List Number 3" ... by how deeply it is nested
    (Word's built-in styles go to level 3); the level-one style where a template lacks the deeper one."""
    if not open_lists:
        return None
    depth = min(len(open_lists), 3)
    nested = f"{open_lists[-1]} {depth}"
    return nested if depth > 1 and document.style(nested) else open_lists[-1]


def _markdown_table(document: Body, tokens: list[Token], index: int) -> int:
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


__all__ = ["write_markdown"]
