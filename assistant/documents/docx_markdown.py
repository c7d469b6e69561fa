"""Markdown blocks to Word: paragraphs, headings, nested lists, tables and code, written into a `Body`."""

from __future__ import annotations

from markdown_it.token import Token

from assistant.documents.docx_body import MD, Body, inline_runs


def write_markdown(document: Body, text: str) -> None:
    tokens = MD.parse(text)
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
            document.heading("", level, runs=inline_runs(tokens[index + 1].children or []))
            index += 2
        elif token.type == "paragraph_open":
            style = _list_style(document, list_styles)
            document.paragraph("", style, runs=inline_runs(tokens[index + 1].children or []))
            index += 2
        elif token.type == "table_open":
            index = _markdown_table(document, tokens, index)
            continue
        elif token.type in ("fence", "code_block"):
            document.code(token.content.rstrip())
        index += 1


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
