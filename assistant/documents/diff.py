"""Differences between two versions of a document: changed lines, side by side, and an inline redline.

The review diff scales with the document (issue 15). A document is its front matter and its body; the body
is split into sections on its `## ` headings. Front matter is compared field by field and shown apart.
Sections are matched by heading (in order first, then anywhere, so a moved section is recognised; a
renamed heading pairs with a section of similar text in the same place), and only sections whose text
differs are compared line by line. Within a block of changed lines, old and new lines are paired by
word overlap in a bounded window, and only paired lines of bounded length are compared word by word.
No step compares the whole text character by character or word by word, which is what made the
redline quadratic: one `SequenceMatcher` over every word and space of both texts, without autojunk.

`review_diff` gives the result as data; `diff_html` renders it (`redline`, `side_by_side`).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Literal

from markdown_it import MarkdownIt

LineKind = Literal["equal", "delete", "insert", "replace"]
SectionStatus = Literal["unchanged", "changed", "added", "removed"]

PAIR_WINDOW = 8  # how far ahead in a changed block a new line is looked for to pair with an old one
PAIR_MIN_SIMILARITY = 0.5  # share of words two lines have in common to be shown as one edited line
PAIR_MAX_BLOCK = 400  # a changed block longer than this on either side is a rewrite: no pairing
EXACT_LINE_DIFF_COST = 200_000  # lines of a section compared exactly while (equal-line pairs) stays below
WORD_DIFF_MAX_TOKENS = 2000  # a line with more words than this is shown deleted and inserted whole
RENAME_MAX_PAIRS = 2500  # old x new sections compared to find renamed headings in one changed stretch
PREAMBLE_OPEN_LINES = 12  # an unchanged opening (title) this short stays open

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_FIELD = re.compile(r"^([^\s#:][^:]*):(?:[ \t]|$)")
_HEADING = re.compile(r"^ {0,3}##[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_TOKEN = re.compile(r"\s*\S+|\s+")
_PREFIX = re.compile(r"^[ \t]*(?:(?:[-*+]|\d{1,9}[.)]|>)(?:[ \t]+|$)|#{1,6}(?:[ \t]+|$))*")
_STRUCTURAL = re.compile(
    r"^[ \t]*(?:`{3,}.*|~{3,}.*|(?:[-*_][ \t]*){3,}|\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?)$"
)
_CELL_SPLIT = re.compile(r"(?<!\\)\|")

# Private markers carried through the Markdown renderer and turned into tags after it. They are symbols
# (Unicode category So) so Markdown treats them like punctuation next to emphasis markers; the texts
# compared never carry them (any occurrence is replaced before rendering).
_DEL_OPEN, _DEL_CLOSE, _INS_OPEN, _INS_CLOSE, _MARK = "\u2ff0", "\u2ff1", "\u2ff2", "\u2ff3", "\u2ff4"
_NO_MARKERS = str.maketrans(dict.fromkeys(map(ord, "\u2ff0\u2ff1\u2ff2\u2ff3\u2ff4"), "\ufffd"))
_DROP_MARKERS = str.maketrans(dict.fromkeys(map(ord, "\u2ff0\u2ff1\u2ff2\u2ff3\u2ff4")))
_MARKER_SPLIT = re.compile("([\u2ff0-\u2ff4])")
_TAG_SPLIT = re.compile(r"(<[^>]*>)")
_EMPTY_SPAN = re.compile(r"<(del|ins)\b[^>]*>(\s*)</\1>")
_DEL_TAG = '<del style="color:#b00020;background:#ffe3e3">'
_INS_TAG = '<ins style="color:#1b5e20;background:#dcf5dc">'
_OPEN_TAG = {"del": _DEL_TAG, "ins": _INS_TAG}
_MD = MarkdownIt("commonmark", {"html": False}).enable("table")
_ID = "isms-rl"


def changed_lines(old: str, new: str) -> list[str]:
    """Unified-diff lines (+/-) without the headers."""
    return [
        line
        for line in difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


# --- the diff as data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class LineChange:
    """One line of a section: unchanged, deleted, inserted, or edited (an old line paired with its new one)."""

    kind: LineKind
    old: str | None = None
    new: str | None = None


@dataclass(frozen=True)
class FieldChange:
    """A front matter field added, removed or changed; values are the field's YAML text."""

    key: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class SectionDiff:
    """One `## ` section (heading None: the text before the first one) and its lines, old against new."""

    heading: str | None  # the new heading; the old one when the section was removed
    status: SectionStatus
    lines: tuple[LineChange, ...] = ()  # every body line (heading excluded) with what happened to it
    old_heading: str | None = None  # the old heading, when the section was matched
    old_position: int | None = None  # index among the old document's sections
    new_position: int | None = None  # index among the new document's sections
    moved: bool = False  # matched by heading out of its old order

    @property
    def renamed(self) -> bool:
        return self.status == "changed" and self.old_heading != self.heading

    @property
    def collapsed(self) -> bool:
        """Shown folded in the redline: its text did not change (it may still have moved)."""
        return self.status == "unchanged"

    @property
    def hunks(self) -> int:
        """Runs of consecutive changed lines."""
        runs, inside = 0, False
        for line in self.lines:
            if line.kind != "equal" and not inside:
                runs += 1
            inside = line.kind != "equal"
        return runs

    @property
    def changes(self) -> list[LineChange]:
        return [line for line in self.lines if line.kind != "equal"]


@dataclass(frozen=True)
class DocumentDiff:
    front_matter: tuple[FieldChange, ...]  # changed fields only, in the new document's order
    sections: tuple[SectionDiff, ...]  # new order; removed sections where they stood in the old one
    old_front_matter: str = ""
    new_front_matter: str = ""

    @property
    def changed(self) -> bool:
        return bool(self.front_matter) or any(s.status != "unchanged" or s.moved for s in self.sections)

    @property
    def changed_sections(self) -> list[SectionDiff]:
        return [s for s in self.sections if s.status != "unchanged" or s.moved]


@dataclass(frozen=True)
class _Section:
    heading: str | None
    lines: tuple[str, ...]

    @property
    def key(self) -> str:
        return "" if self.heading is None else " ".join(self.heading.split()).casefold()

    @cached_property
    def words(self) -> Counter[str]:
        return Counter(word for line in self.lines for word in line.split())


def split_front_matter(text: str) -> tuple[str, str]:
    """(front matter without its fences, body); front matter is '' when the text has none."""
    match = _FRONT_MATTER.match(text)
    if match is None:
        return "", text
    return match.group(1), text[match.end() :]


def _fields(front_matter: str) -> dict[str, str]:
    """Top-level YAML keys with their text (continuation lines included), without parsing the YAML."""
    fields: dict[str, list[str]] = {}
    key = ""
    for line in front_matter.splitlines():
        match = _FIELD.match(line)
        if match and not line.startswith("-"):
            key = match.group(1).strip()
            fields.setdefault(key, []).append(line[match.end() :].strip())
        else:
            fields.setdefault(key, []).append(line)
    return {k: "\n".join(v).strip("\n") for k, v in fields.items()}


def _field_changes(old: str, new: str) -> tuple[FieldChange, ...]:
    if old == new:
        return ()
    a, b = _fields(old), _fields(new)
    changes = [FieldChange(k, a.get(k), v) for k, v in b.items() if a.get(k) != v]
    changes += [FieldChange(k, v, None) for k, v in a.items() if k not in b]
    return tuple(changes)


def _trim(lines: list[str]) -> tuple[str, ...]:
    """A section's lines without the blank lines around them, which no rendering shows."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return tuple(lines[start:end])


def _sections(body: str) -> list[_Section]:
    sections: list[_Section] = []
    heading: str | None = None
    lines: list[str] = []
    fence = ""
    for line in body.splitlines():
        found = _FENCE.match(line)
        if found:
            mark = found.group(1)
            if not fence:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = ""
        elif not fence:
            match = _HEADING.match(line)
            if match:
                if heading is not None or _trim(lines):  # no empty opening before a first heading
                    sections.append(_Section(heading, _trim(lines)))
                heading, lines = match.group(1).strip(), []
                continue
        lines.append(line)
    if heading is not None or _trim(lines) or not sections:
        sections.append(_Section(heading, _trim(lines)))
    return sections


def _keys(sections: list[_Section]) -> list[tuple[str, int]]:
    """Heading keys made unique by occurrence, so two "Approval" sections match in order."""
    seen: Counter[str] = Counter()
    keys = []
    for section in sections:
        keys.append((section.key, seen[section.key]))
        seen[section.key] += 1
    return keys


def _similarity(a: Counter[str], b: Counter[str]) -> float:
    total = a.total() + b.total()
    if not total:
        return 1.0
    if 2 * min(a.total(), b.total()) / total < PAIR_MIN_SIMILARITY:
        return 0.0
    return 2 * (a & b).total() / total


def _pair(a: list[str], b: list[str]) -> Iterator[LineChange]:
    """A changed block: old lines paired with similar new ones in order (bounded), the rest deleted/inserted."""
    if len(a) > PAIR_MAX_BLOCK or len(b) > PAIR_MAX_BLOCK:
        yield from (LineChange("delete", old=x) for x in a)
        yield from (LineChange("insert", new=y) for y in b)
        return
    words_a = [Counter(x.split()) for x in a]
    words_b = [Counter(y.split()) for y in b]
    j = 0
    for i, x in enumerate(a):
        best, best_score = -1, 0.0
        for k in range(j, min(j + PAIR_WINDOW, len(b))):
            if not x.strip() or not b[k].strip():
                continue
            score = _similarity(words_a[i], words_b[k])
            if score >= PAIR_MIN_SIMILARITY and score > best_score:
                best, best_score = k, score
                if score == 1.0:
                    break
        if best < 0:
            yield LineChange("delete", old=x)
            continue
        yield from (LineChange("insert", new=y) for y in b[j:best])
        yield LineChange("equal" if x == b[best] else "replace", old=x, new=b[best])
        j = best + 1
    yield from (LineChange("insert", new=y) for y in b[j:])


def _line_changes(a: list[str], b: list[str]) -> list[LineChange]:
    # Exact matching (no autojunk) unless lines repeat so much that it would cost too much: autojunk then
    # ignores lines found in more than 1% of a long text (blank lines, say) when it looks for anchors.
    count_a, count_b = Counter(a), Counter(b)
    cost = sum(n * count_b[line] for line, n in count_a.items())
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=cost > EXACT_LINE_DIFF_COST)
    changes: list[LineChange] = []
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            changes.extend(LineChange("equal", old=x, new=x) for x in a[i1:i2])
        elif op == "delete":
            changes.extend(LineChange("delete", old=x) for x in a[i1:i2])
        elif op == "insert":
            changes.extend(LineChange("insert", new=y) for y in b[j1:j2])
        else:
            changes.extend(_pair(a[i1:i2], b[j1:j2]))
    return changes


def _section_diff(
    old: _Section | None, new: _Section | None, i: int | None, j: int | None, moved: bool = False
) -> SectionDiff:
    if old is None:
        assert new is not None
        return SectionDiff(
            new.heading, "added", tuple(LineChange("insert", new=y) for y in new.lines), new_position=j
        )
    if new is None:
        return SectionDiff(
            old.heading, "removed", tuple(LineChange("delete", old=x) for x in old.lines), old_position=i
        )
    if old.lines == new.lines:
        lines = tuple(LineChange("equal", old=x, new=x) for x in new.lines)
    else:
        lines = tuple(_line_changes(list(old.lines), list(new.lines)))
    same = old.lines == new.lines and old.heading == new.heading
    return SectionDiff(
        new.heading,
        "unchanged" if same else "changed",
        lines,
        old_heading=old.heading,
        old_position=i,
        new_position=j,
        moved=moved,
    )


def _text_similarity(a: _Section, b: _Section) -> float:
    return _similarity(a.words, b.words)


def review_diff(old: str, new: str) -> DocumentDiff:
    """Front matter field by field; the body section by section, then line by line, in the new order."""
    old_fm, old_body = split_front_matter(old)
    new_fm, new_body = split_front_matter(new)
    a, b = _sections(old_body), _sections(new_body)
    ka, kb = _keys(a), _keys(b)
    opcodes = difflib.SequenceMatcher(None, ka, kb, autojunk=False).get_opcodes()
    in_order: dict[int, int] = {}  # new index -> old index, matched in order
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            in_order.update(zip(range(j1, j2), range(i1, i2), strict=True))
    matched_old = set(in_order.values())
    by_key = {k: i for i, k in enumerate(ka) if i not in matched_old}
    moved: dict[int, int] = {}  # new index -> old index, matched by heading out of order
    for j, k in enumerate(kb):
        if j not in in_order and k in by_key:
            moved[j] = by_key.pop(k)
    taken = matched_old | set(moved.values())
    renamed: dict[int, int] = {}  # new index -> old index, same place and similar text, other heading
    for op, i1, i2, j1, j2 in opcodes:
        if op != "replace":
            continue
        olds = [i for i in range(i1, i2) if i not in taken]
        news = [j for j in range(j1, j2) if j not in moved]
        if len(olds) * len(news) > RENAME_MAX_PAIRS:  # a rewrite: sections removed and added
            continue
        for j in news:
            scores = {i: _text_similarity(a[i], b[j]) for i in olds}
            best = max(olds, key=scores.__getitem__, default=None)
            if best is not None and scores[best] >= PAIR_MIN_SIMILARITY:
                renamed[j] = best
                olds.remove(best)
        taken |= set(renamed.values())
    sections: list[SectionDiff] = []
    for op, i1, i2, j1, j2 in opcodes:
        if op == "equal":
            sections.extend(
                _section_diff(a[i], b[j], i, j) for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            )
            continue
        sections.extend(_section_diff(a[i], None, i, None) for i in range(i1, i2) if i not in taken)
        for j in range(j1, j2):
            if j in moved:
                sections.append(_section_diff(a[moved[j]], b[j], moved[j], j, moved=True))
            elif j in renamed:
                sections.append(_section_diff(a[renamed[j]], b[j], renamed[j], j))
            else:
                sections.append(_section_diff(None, b[j], None, j))
    return DocumentDiff(_field_changes(old_fm, new_fm), tuple(sections), old_fm, new_fm)


def word_changes(old: str, new: str) -> list[tuple[Literal["equal", "delete", "insert"], str]]:
    """One line against another, word by word: (op, text) runs; a very long line is replaced whole."""
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    if len(a) > WORD_DIFF_MAX_TOKENS or len(b) > WORD_DIFF_MAX_TOKENS:
        return [("delete", old), ("insert", new)]
    start = 0
    while start < min(len(a), len(b)) and a[start] == b[start]:
        start += 1
    end = 0
    while end < min(len(a), len(b)) - start and a[-1 - end] == b[-1 - end]:
        end += 1
    runs: list[tuple[Literal["equal", "delete", "insert"], str]] = [("equal", "".join(a[:start]))]
    middle_a, middle_b = a[start : len(a) - end], b[start : len(b) - end]
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, middle_a, middle_b, autojunk=False).get_opcodes():
        if op == "equal":
            runs.append(("equal", "".join(middle_a[i1:i2])))
            continue
        gone, came = "".join(middle_a[i1:i2]), "".join(middle_b[j1:j2])
        if gone and came:  # a shared leading space stays outside the marks
            lead = len(gone) - len(gone.lstrip())
            lead = min(lead, len(came) - len(came.lstrip()))
            if lead and gone[:lead] == came[:lead]:
                runs.append(("equal", gone[:lead]))
                gone, came = gone[lead:], came[lead:]
        runs += [("delete", gone), ("insert", came)]
    runs.append(("equal", "".join(a[len(a) - end :])))
    merged: list[tuple[Literal["equal", "delete", "insert"], str]] = []
    for op, text in runs:
        if not text:
            continue
        if merged and merged[-1][0] == op:
            merged[-1] = (op, merged[-1][1] + text)
        else:
            merged.append((op, text))
    return merged
