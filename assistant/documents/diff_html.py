"""The review diff as HTML: `redline` (the document as rendered Markdown, front matter changes in a table of
their own, unchanged sections collapsed, every change numbered with a link to the next one) and
`side_by_side`. The differences themselves come from `assistant.documents.diff`."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from typing import Literal

from assistant.documents.diff import (
    _CELL_SPLIT,
    _DEL_CLOSE,
    _DEL_OPEN,
    _DROP_MARKERS,
    _EMPTY_SPAN,
    _ID,
    _INS_CLOSE,
    _INS_OPEN,
    _MARK,
    _MARKER_SPLIT,
    _MD,
    _NO_MARKERS,
    _OPEN_TAG,
    _PREFIX,
    _STRUCTURAL,
    _TAG_SPLIT,
    PREAMBLE_OPEN_LINES,
    DocumentDiff,
    LineKind,
    SectionDiff,
    _line_changes,
    review_diff,
    word_changes,
)

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
