"""Differences between two versions of a document: changed lines, side by side, and an inline redline.

The review diff scales with the document (issue 15). A document is its front matter and its body; the body
is split into sections on its `## ` headings. Front matter is compared field by field and shown apart.
Sections are matched by heading (in order first, then anywhere, so a moved section is recognised; a
renamed heading pairs with a section of similar text in the same place), and only sections whose text
differs are compared line by line. Within a block of changed lines, old and new lines are paired by
word overlap in a bounded window, and only paired lines of bounded length are compared word by word.
No step compares the whole text character by character or word by word, which is what made the
redline quadratic: one `SequenceMatcher` over every word and space of both texts, without autojunk.

`review_diff` gives the result as data; `redline` renders it: the document as rendered Markdown, front
matter changes in a table of their own, unchanged sections collapsed, and every change numbered with a
link to the next one.
"""

from __future__ import annotations

import difflib
import html
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


# --- the redline -------------------------------------------------------------------------------------


def _is_row(line: str) -> bool:
    return line.lstrip().startswith("|")


class _Marker:
    """Builds Markdown with private change markers; each change (a run of changed lines) is numbered once."""

    def __init__(self) -> None:
        self.pending = False

    def start(self) -> None:
        self.pending = True

    def wrap(self, text: str, kind: Literal["delete", "insert"]) -> str:
        text = text.translate(_NO_MARKERS)
        if not text.strip():
            return text
        core = text.strip()
        lead, trail = text[: len(text) - len(text.lstrip())], text[len(text.rstrip()) :]
        opening, closing = (_DEL_OPEN, _DEL_CLOSE) if kind == "delete" else (_INS_OPEN, _INS_CLOSE)
        mark = _MARK if self.pending else ""
        self.pending = False
        return f"{lead}{mark}{opening}{core}{closing}{trail}"

    def line(self, line: str, kind: Literal["delete", "insert"]) -> str:
        """A whole line deleted or inserted, its Markdown structure (list marker, table pipes) kept."""
        if not line.strip() or _STRUCTURAL.match(line):
            return line.translate(_NO_MARKERS)
        if _is_row(line):
            return "|".join(self.wrap(cell, kind) for cell in _CELL_SPLIT.split(line))
        prefix = _PREFIX.match(line)
        cut = prefix.end() if prefix else 0
        return line[:cut] + self.wrap(line[cut:], kind)

    def words(self, old: str, new: str) -> str:
        out = []
        for op, text in word_changes(old, new):
            out.append(text.translate(_NO_MARKERS) if op == "equal" else self.wrap(text, op))
        return "".join(out)

    def edited(self, old: str, new: str) -> str:
        """An old line and its new one as one line, word changes marked; apart when the structure differs."""
        if _is_row(old) and _is_row(new):
            cells_a, cells_b = _CELL_SPLIT.split(old), _CELL_SPLIT.split(new)
            if len(cells_a) == len(cells_b):
                return "|".join(self.words(x, y) for x, y in zip(cells_a, cells_b, strict=True))
        elif not _is_row(old) and not _is_row(new):
            pa, pb = _PREFIX.match(old), _PREFIX.match(new)
            cut_a, cut_b = (pa.end() if pa else 0), (pb.end() if pb else 0)
            if old[:cut_a] == new[:cut_b] and not _STRUCTURAL.match(old) and not _STRUCTURAL.match(new):
                return old[:cut_a] + self.words(old[cut_a:], new[cut_b:])
        return self.line(old, "delete") + "\n" + self.line(new, "insert")


def _section_markdown(section: SectionDiff, marker: _Marker, heading: bool = True) -> str:
    """The section's Markdown with its changes marked, its heading line first unless told otherwise."""
    out: list[str] = []
    whole = section.status in ("added", "removed")
    if whole:
        marker.start()  # a section added or removed whole is one change
    if heading and section.heading is not None:
        if whole:
            out.append(
                "## " + marker.wrap(section.heading, "insert" if section.status == "added" else "delete")
            )
        elif section.renamed and section.old_heading is not None:
            marker.start()
            out.append("## " + marker.words(section.old_heading, section.heading))
        elif section.moved:
            out.append(f"## {_MARK}{section.heading.translate(_NO_MARKERS)}")
        else:
            out.append("## " + section.heading.translate(_NO_MARKERS))
    previous: LineKind = "equal"
    for line in section.lines:
        if line.kind != "equal" and previous == "equal" and not whole:
            marker.start()
        previous = line.kind
        if line.kind == "equal":
            out.append((line.new or "").translate(_NO_MARKERS))
        elif line.kind == "delete":
            out.append(marker.line(line.old or "", "delete"))
        elif line.kind == "insert":
            out.append(marker.line(line.new or "", "insert"))
        else:
            out.append(marker.edited(line.old or "", line.new or ""))
    return "\n".join(out)


def _tags(rendered: str) -> str:
    """Rendered HTML with its private delete/insert markers turned into tags; change markers stay for `_number`."""
    out: list[str] = []
    open_: str | None = None
    for piece in _TAG_SPLIT.split(rendered):
        if piece.startswith("<"):  # rendered text never holds a bare "<": this is a tag
            piece = piece.translate(_DROP_MARKERS)
            # marks never straddle an element: close before a tag and reopen after it
            out.append(piece if open_ is None else f"</{open_}>{piece}{_OPEN_TAG[open_]}")
            continue
        for bit in _MARKER_SPLIT.split(piece):
            if bit in (_DEL_OPEN, _INS_OPEN):
                if open_ is not None:
                    out.append(f"</{open_}>")
                open_ = "del" if bit == _DEL_OPEN else "ins"
                out.append(_OPEN_TAG[open_])
            elif bit in (_DEL_CLOSE, _INS_CLOSE):
                if open_ is not None:
                    out.append(f"</{open_}>")
                open_ = None
            elif bit:
                out.append(bit)
    if open_ is not None:
        out.append(f"</{open_}>")
    return _EMPTY_SPAN.sub(r"\2", "".join(out))


def _number(page: str) -> tuple[str, int]:
    """Each change marker, in page order, becomes its number linking to the next change (the last: the top)."""
    total = page.count(_MARK)
    count = 0

    def link(_match: re.Match[str]) -> str:
        nonlocal count
        count += 1
        target = f"{_ID}-c{count + 1}" if count < total else f"{_ID}-top"
        return (
            f'<a class="isms-n" id="{_ID}-c{count}" href="#{target}" '
            f'title="change {count} of {total}: go to the next change">{count}&#8595;</a>'
        )

    return re.sub(_MARK, link, page), total


_STYLE = (
    "<style>"
    ".isms-redline{font-family:system-ui,sans-serif;font-size:14px;line-height:1.5}"
    ".isms-redline table{border-collapse:collapse;font-size:13px;margin:6px 0}"
    ".isms-redline th,.isms-redline td{border:1px solid #ddd;padding:2px 6px;vertical-align:top}"
    ".isms-redline details.isms-same{margin:2px 0;color:#555}"
    ".isms-redline details.isms-same>summary{cursor:pointer;font-weight:600}"
    ".isms-redline .isms-chg{border-left:3px solid #e0a800;padding-left:10px;margin:10px 0}"
    ".isms-redline .isms-badge{font-size:12px;color:#6b5500;background:#fff3b0;border-radius:3px;"
    "padding:1px 6px}"
    ".isms-redline .isms-nav{background:#f6f8fa;border:1px solid #ddd;"
    "border-radius:4px;padding:6px 10px;margin-bottom:10px}"
    ".isms-redline a.isms-n{font-size:11px;vertical-align:super;text-decoration:none;color:#fff;"
    "background:#6b5500;border-radius:8px;padding:0 5px;margin:0 2px}"
    ".isms-redline [id]{scroll-margin-top:5rem}"
    ".isms-redline pre{white-space:pre-wrap;margin:0}"
    "</style>"
)


def _front_matter_html(diff: DocumentDiff) -> str:
    if not diff.old_front_matter and not diff.new_front_matter:
        return ""
    if not diff.front_matter:
        return (
            '<details class="isms-same"><summary>Document control (front matter) '
            '<span class="isms-badge">unchanged</span></summary>'
            f"<pre>{html.escape(diff.new_front_matter)}</pre></details>"
        )
    marker = _Marker()
    rows = []
    for change in diff.front_matter:
        key = change.key or "(comments)"
        if change.old is None or change.new is None:
            marker.start()
            key = marker.wrap(key, "insert" if change.old is None else "delete")
        else:
            key = _MARK + key.translate(_NO_MARKERS)
        old_lines = [] if change.old is None else change.old.splitlines()
        new_lines = [] if change.new is None else change.new.splitlines()
        value: list[str] = []
        for line in _line_changes(old_lines, new_lines):
            if line.kind == "equal":
                value.append((line.new or "").translate(_NO_MARKERS))
            elif line.kind == "delete":
                value.append(marker.wrap(line.old or "", "delete"))
            elif line.kind == "insert":
                value.append(marker.wrap(line.new or "", "insert"))
            else:
                value.append(marker.words(line.old or "", line.new or ""))
        text = html.escape("\n".join(value))
        rows.append(_tags(f"<tr><td><code>{html.escape(key)}</code></td><td><pre>{text}</pre></td></tr>"))
    return (
        f'<div class="isms-chg" id="{_ID}-fm"><span class="isms-badge">Document control (front matter): '
        f"{len(diff.front_matter)} field(s) changed</span>"
        f"<table><tr><th>Field</th><th>Change</th></tr>{''.join(rows)}</table></div>"
    )


def redline(old: str, new: str) -> str:
    """The new version rendered, with deletions struck through in red and additions underlined in green.

    Front matter changes come first, apart; sections whose text did not change are collapsed; every
    change carries a number that links to the next one, and a bar at the top links to each changed section.
    """
    diff = review_diff(old, new)
    blocks = [_front_matter_html(diff)]
    links = [f'<a href="#{_ID}-fm">Document control (front matter)</a>'] if diff.front_matter else []
    old_titles = {
        s.old_position: (s.old_heading if s.status != "removed" else s.heading) or "the opening"
        for s in diff.sections
        if s.old_position is not None
    }
    for k, section in enumerate(diff.sections):
        title = html.escape(section.heading or "Opening")
        if section.status == "unchanged" and not section.moved:
            if section.heading is None and len(section.lines) <= PREAMBLE_OPEN_LINES:
                blocks.append(_MD.render(_section_markdown(section, _Marker())))
                continue
            body = _MD.render(_section_markdown(section, _Marker(), heading=False))
            blocks.append(
                f'<details class="isms-same"><summary>{title} <span class="isms-badge">unchanged · '
                f"{len(section.lines)} line(s)</span></summary>{body}</details>"
            )
            continue
        if section.status == "unchanged":  # moved, text unchanged: the heading shows, the text folds
            folded = _MD.render(_section_markdown(section, _Marker(), heading=False))
            body = _MD.render(f"## {_MARK}{(section.heading or '').translate(_NO_MARKERS)}")
            body += (
                f'<details class="isms-same"><summary>text unchanged · {len(section.lines)} line(s)</summary>'
            )
            body += f"{folded}</details>"
        else:
            body = _tags(_MD.render(_section_markdown(section, _Marker())))
        changes = body.count(_MARK)
        notes: list[str] = [] if section.status == "unchanged" else [section.status]
        if section.renamed:
            notes.append(f"heading was “{html.escape(section.old_heading or '')}”")
        if section.moved:
            before = old_titles.get((section.old_position or 0) - 1)
            notes += ["moved", f"was after “{html.escape(before)}”" if before else "was first"]
            notes += ["text unchanged"] if section.status == "unchanged" else []
        notes.append(f"{max(changes, 1)} change(s)")
        links.append(f'<a href="#{_ID}-s{k}">{title}</a> ({", ".join(notes)})')
        badge = ("" if changes else _MARK) + " · ".join(
            notes
        )  # a change the rendering hid still gets a number
        blocks.append(
            f'<div class="isms-chg" id="{_ID}-s{k}"><span class="isms-badge">{badge}</span>{body}</div>'
        )
    page, total = _number("".join(blocks))
    if total:
        where = f"{len(links) - bool(diff.front_matter)} section(s)"
        where += " and the front matter" if diff.front_matter else ""
        summary = f'{total} change(s) in {where} · <a href="#{_ID}-c1">first change &#8595;</a>'
    else:
        summary = "No changes."
    nav = f'<div class="isms-nav">{summary}' + ("<br>" + " · ".join(links) if links else "") + "</div>"
    return f'{_STYLE}<div class="isms-redline" id="{_ID}-top">{nav}{page}</div>'


# --- side by side ------------------------------------------------------------------------------------


def _side_rows(a: list[str], b: list[str]) -> Iterator[tuple[int | None, str, int | None, str, str]]:
    """(old number, old cell, new number, new cell, kind) for every line, aligned."""
    i = j = 0
    for change in _line_changes(a, b):
        if change.kind == "equal":
            i, j = i + 1, j + 1
            yield i, html.escape(change.old or ""), j, html.escape(change.new or ""), "equal"
        elif change.kind == "delete":
            i += 1
            yield i, f'<span class="diff_sub">{html.escape(change.old or "")}</span>', None, "", "delete"
        elif change.kind == "insert":
            j += 1
            yield None, "", j, f'<span class="diff_add">{html.escape(change.new or "")}</span>', "insert"
        else:
            i, j = i + 1, j + 1
            left, right = [], []
            for op, text in word_changes(change.old or "", change.new or ""):
                piece = html.escape(text)
                if op == "equal":
                    left.append(piece)
                    right.append(piece)
                elif op == "delete":
                    left.append(f'<span class="diff_chg">{piece}</span>')
                else:
                    right.append(f'<span class="diff_chg">{piece}</span>')
            yield i, "".join(left), j, "".join(right), "replace"


def side_by_side(old: str, new: str, old_label: str, new_label: str) -> str:
    """An HTML table of the two texts, changed lines highlighted, two lines of context around each change.

    The table keeps difflib.HtmlDiff's shape (class "diff", six column groups, a next-change column and
    line numbers beside each text) but wraps long lines, and lines are aligned and compared the bounded
    way `review_diff` does, not with HtmlDiff's quadratic pairing of changed lines.
    """
    rows = list(_side_rows(old.splitlines(), new.splitlines()))
    context = 2
    keep = [False] * len(rows)
    starts: list[int] = []
    for n, row in enumerate(rows):
        if row[4] != "equal":
            if n == 0 or rows[n - 1][4] == "equal":
                starts.append(n)
            for m in range(max(0, n - context), min(len(rows), n + context + 1)):
                keep[m] = True
    groups: list[list[str]] = [[]]
    hidden = 0

    def skipped() -> str:
        return (
            f'<tr><td class="diff_next"></td><td class="diff_header"></td><td class="diff_skip">'
            f'… {hidden} unchanged line(s)</td><td class="diff_next"></td><td class="diff_header"></td>'
            f'<td class="diff_skip">… {hidden} unchanged line(s)</td></tr>'
        )

    for n, (i, left, j, right, _kind) in enumerate(rows):
        if not keep[n]:
            hidden += 1
            continue
        if hidden:
            groups[-1].append(skipped())
            groups.append([])
            hidden = 0
        link = ""
        if n in starts:
            k = starts.index(n) + 1
            target = f"isms-sbs-c{k + 1}" if k < len(starts) else "isms-sbs-top"
            link = f'<a id="isms-sbs-c{k}" href="#{target}" title="change {k}: next change">n</a>'
        groups[-1].append(
            f'<tr><td class="diff_next">{link}</td><td class="diff_header">{i or ""}</td><td>{left}</td>'
            f'<td class="diff_next"></td><td class="diff_header">{j or ""}</td><td>{right}</td></tr>'
        )
    if hidden:
        groups[-1].append(skipped())
    if not starts:
        groups = [
            [
                '<tr><td class="diff_next"></td><td class="diff_header"></td><td>No differences found</td>'
                '<td class="diff_next"></td><td class="diff_header"></td><td></td></tr>'
            ]
        ]
    table = (
        '<table class="diff" id="isms-sbs-top">'
        + "<colgroup></colgroup>" * 6
        + f'<thead><tr><th class="diff_next"><br></th><th colspan="2" class="diff_header">'
        f'{html.escape(old_label)}</th><th class="diff_next"><br></th>'
        f'<th colspan="2" class="diff_header">{html.escape(new_label)}</th></tr></thead>'
        + "".join(f"<tbody>{''.join(group)}</tbody>" for group in groups if group)
        + "</table>"
    )
    style = (
        "<style>table.diff{font-size:13px;font-family:monospace;border-collapse:collapse;width:100%;"
        "table-layout:fixed}"
        ".diff_add{background:#d4f7d4}.diff_chg{background:#fff3b0}.diff_sub{background:#ffd6d6}"
        "td{vertical-align:top;padding:0 4px}"
        "table.diff td{white-space:pre-wrap;overflow-wrap:anywhere}"
        "table.diff colgroup:nth-of-type(3n+1){width:1.5em}table.diff colgroup:nth-of-type(3n+2){width:3.5em}"
        "table.diff .diff_header{color:#888;text-align:right}table.diff td.diff_skip{color:#888;"
        "background:#f6f8fa}table.diff tbody{border-top:1px solid #ddd}</style>"
    )
    return style + table
