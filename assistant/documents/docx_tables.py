"""Table layout for Word: column widths from the content, and rows that repeat (header) or never split.

Every table is laid out fixed with its widths on the grid and on every cell (LibreOffice reads the cells'
widths, Word the grid's): a column gets room in proportion to its longest text, never less than its
longest word (so words do not break mid-word), and a justification column about 40% of the width.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

CHAR_TWIPS = 105  # an average character of the 10.5-11 pt body text
CELL_PADDING = 230  # the cell's left and right margins (108 twips each) and a little air
MIN_COLUMN = 600  # about 1 cm: even an empty column stays readable
LONG_TEXT = 90  # characters beyond which a cell wraps anyway: longer text earns no more width
PINNED_SHARES = {"justification": 0.40, "signature": 0.26}  # header word -> share of the table width

HEADER_ROW_PROPS = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>"
ROW_PROPS = "<w:trPr><w:cantSplit/></w:trPr>"

_MARKUP = re.compile(r"[*_`\\]|\[|\]\([^)]*\)")


def _visible(text: str) -> str:
    return _MARKUP.sub("", text)


def _longest_word(text: str) -> int:
    return max((len(word) for word in _visible(text).split()), default=0)


def column_widths(
    header: Sequence[str], rows: Sequence[Sequence[str]], total: int, char_scale: float = 1.0
) -> list[int]:
    """Widths in twips, summing to `total`, for a table with this header and these rows; `char_scale` is
    the table's text size against the body's (0.8 for 9 pt text)."""
    char = int(CHAR_TWIPS * char_scale)
    cols = max(1, len(header))
    cells = [list(header), *[(list(r) + [""] * cols)[:cols] for r in rows]]
    pinned: dict[int, int] = {}
    for index, name in enumerate(header):
        share = next((s for word, s in PINNED_SHARES.items() if word in name.lower()), None)
        if share is not None and cols > 1:
            pinned[index] = int(total * share)
    free = [i for i in range(cols) if i not in pinned]
    room = total - sum(pinned.values())
    floors, wants = [], []
    for i in free:
        body_words = max((_longest_word(row[i]) for row in cells[1:]), default=0)
        words = max(body_words, math.ceil(_longest_word(cells[0][i]) * 1.1))  # the header is bold
        longest = max(len(_visible(row[i])) for row in cells)
        floors.append(max(MIN_COLUMN, min(words, 24) * char + CELL_PADDING))
        wants.append(max(MIN_COLUMN, min(longest, LONG_TEXT) * char + CELL_PADDING))
    widths = dict(zip(free, _share(room, floors, wants), strict=True)) if free else {}
    widths.update(pinned)
    result = [widths[i] for i in range(cols)]
    result[-1] += total - sum(result)  # rounding lands on the last column
    return result


def _share(room: int, floors: list[int], wants: list[int]) -> list[int]:
    """`room` split between columns: each its floor first (scaled down if even the floors do not fit),
    then what remains in proportion to how much more each wants."""
    if sum(floors) >= room:
        return [max(1, f * room // sum(floors)) for f in floors]
    if sum(wants) <= room:  # everything fits on one line: widen in proportion to the content
        return [w * room // sum(wants) for w in wants]
    extra = [w - f for w, f in zip(wants, floors, strict=True)]
    spare = room - sum(floors)
    total_extra = sum(extra) or 1
    return [f + e * spare // total_extra for f, e in zip(floors, extra, strict=True)]


def table_properties(style_id: str | None, total: int) -> str:
    """A table's tblPr: its style, its fixed width and layout, and the look that marks the header row."""
    style = f'<w:tblStyle w:val="{style_id}"/>' if style_id else ""
    look = (
        '<w:tblLook w:firstRow="1" w:lastRow="0" w:firstColumn="1" w:lastColumn="0" w:noHBand="0" '
        'w:noVBand="1" w:val="04A0"/>'
    )
    return (
        f'<w:tblPr>{style}<w:tblW w:type="dxa" w:w="{total}"/><w:tblLayout w:type="fixed"/>{look}</w:tblPr>'
    )


def table_grid(widths: Sequence[int]) -> str:
    return "<w:tblGrid>" + "".join(f'<w:gridCol w:w="{w}"/>' for w in widths) + "</w:tblGrid>"


__all__ = ["HEADER_ROW_PROPS", "ROW_PROPS", "column_widths", "table_grid", "table_properties", "widest_table"]


_RULE = re.compile(r"^\|?\s*:?-{3,}")


def widest_table(markdown: str) -> int:
    """The number of columns of the widest Markdown table in `markdown` (0 when it has none)."""
    lines = markdown.splitlines()
    widest = 0
    for above, line in zip(lines, lines[1:], strict=False):
        if above.lstrip().startswith("|") and _RULE.match(line.strip()):
            widest = max(widest, len(re.split(r"(?<!\\)\|", above.strip().strip("|"))))
    return widest
