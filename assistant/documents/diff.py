"""Differences between two versions of a document: changed lines, side by side, and an inline redline."""

from __future__ import annotations

import difflib
import html
import re


def changed_lines(old: str, new: str) -> list[str]:
    """Unified-diff lines (+/-) without the headers."""
    return [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def side_by_side(old: str, new: str, old_label: str, new_label: str) -> str:
    """An HTML table of the two texts, changed lines highlighted."""
    table: str = difflib.HtmlDiff(wrapcolumn=70).make_table(
        old.splitlines(), new.splitlines(), old_label, new_label, context=True, numlines=2
    )
    style = (
        "<style>table.diff{font-size:13px;font-family:monospace;border-collapse:collapse}"
        ".diff_add{background:#d4f7d4}.diff_chg{background:#fff3b0}.diff_sub{background:#ffd6d6}"
        "td{vertical-align:top;padding:0 4px}</style>"
    )
    return style + table


def redline(old: str, new: str) -> str:
    """Inline word-level redline: deletions struck through in red, additions underlined in green."""
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(html.escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(
                f'<del style="color:#b00020;background:#ffe3e3">{html.escape("".join(a[i1:i2]))}</del>'
            )
        if op in ("insert", "replace"):
            parts.append(
                f'<ins style="color:#1b5e20;background:#dcf5dc">{html.escape("".join(b[j1:j2]))}</ins>'
            )
    return (
        '<div style="white-space:pre-wrap;font-family:system-ui;font-size:14px">' + "".join(parts) + "</div>"
    )
