"""The review diff by section (issue 15): changes stay in their section, unchanged sections fold, front
matter is compared apart, moved/added/removed/renamed sections are named, and every change links to the
next. Behaviour only; bench/diff.py measures the time."""

from __future__ import annotations

import re

from assistant.documents.diff import (
    PAIR_MAX_BLOCK,
    WORD_DIFF_MAX_TOKENS,
    LineChange,
    changed_lines,
    review_diff,
    word_changes,
)
from assistant.documents.diff_html import redline, side_by_side

FRONT = """---
id: cryptography-policy
title: Cryptography Policy
version: '0.1'
status: draft
clauses:
- '5.2'
---
"""

BODY = """
# Cryptography Policy

## Purpose

This policy sets how Kestrel protects information with cryptography.

## Key management

Keys rotate every two years.
Owner: IT.

| Control | Status |
|---|---|
| A.8.24 | partial |
| A.5.31 | implemented |

## Approval

Approved by Priya Raman.
"""

DOC = FRONT + BODY


def blocks(page: str) -> dict[str, str]:
    """The redline's blocks by heading: changed sections and folded ones."""
    found: dict[str, str] = {}
    for block in re.findall(
        r'<div class="isms-chg" id="isms-rl-s\d+">.*?</div>(?=<div|<details|</div>$)', page, re.S
    ):
        heading = re.search(r"<h2>(.*?)</h2>", block, re.S)
        text = re.sub(r'<a class="isms-n".*?</a>', "", heading.group(1)) if heading else ""
        found[re.sub(r"<[^>]+>", "", text)] = block
    for block in re.findall(r'<details class="isms-same"><summary>(.*?) <span.*?</details>', page, re.S):
        found[block] = "folded"
    return found


def test_identical_documents_have_no_changes() -> None:
    diff = review_diff(DOC, DOC)
    assert not diff.changed and diff.front_matter == () and diff.changed_sections == []
    assert [s.heading for s in diff.sections] == [None, "Purpose", "Key management", "Approval"]
    assert all(s.status == "unchanged" and s.collapsed and s.hunks == 0 for s in diff.sections)
    page = redline(DOC, DOC)
    assert (
        "No changes." in page and "<del" not in page and "<ins" not in page and 'class="isms-n"' not in page
    )
    assert page.count('<details class="isms-same">') == 4  # the front matter and the three sections
    assert changed_lines(DOC, DOC) == []
    assert "No differences found" in side_by_side(DOC, DOC, "a", "b")


def test_a_changed_line_shows_in_its_section_only() -> None:
    new = DOC.replace("Keys rotate every two years.", "Keys rotate every year.")
    diff = review_diff(DOC, new)
    assert [(s.heading, s.status) for s in diff.changed_sections] == [("Key management", "changed")]
    section = diff.changed_sections[0]
    assert section.hunks == 1 and not section.collapsed
    assert section.changes == [
        LineChange("replace", "Keys rotate every two years.", "Keys rotate every year.")
    ]
    assert [s.heading for s in diff.sections if s.collapsed] == [None, "Purpose", "Approval"]
    page = redline(DOC, new)
    found = blocks(page)
    assert found["Purpose"] == "folded" and found["Approval"] == "folded"
    changed = found["Key management"]
    assert "<del" in changed and "two" in changed and "<ins" in changed
    # word level: the unchanged words of the line stay outside the marks
    assert re.search(
        r"Keys rotate every\s*<a[^>]*>1&#8595;</a><del[^>]*>two years\.</del><ins[^>]*>year\.</ins>", changed
    )
    assert page.count("<del") == 1 and page.count("<ins") == 1
    assert "1 change(s) in 1 section(s)" in page


def test_unchanged_sections_are_collapsed_and_the_title_stays() -> None:
    new = DOC.replace("Approved by Priya Raman.", "Approved by Priya Raman (CEO).")
    page = redline(DOC, new)
    assert "<h1>Cryptography Policy</h1>" in page  # the short opening stays open
    summaries = re.findall(r'<details class="isms-same"><summary>(.*?) <span', page)
    assert summaries == ["Document control (front matter)", "Purpose", "Key management"]
    assert [s.heading for s in review_diff(DOC, new).sections if not s.collapsed] == ["Approval"]


def test_front_matter_change_is_reported_apart() -> None:
    new = DOC.replace("version: '0.1'", "version: '0.2'").replace("status: draft", "status: in_review")
    new = new.replace("clauses:\n- '5.2'\n", "clauses:\n- '5.2'\n- 6.1.3\nowner: Claire\n")
    diff = review_diff(DOC, new)
    assert [(f.key, f.old, f.new) for f in diff.front_matter] == [
        ("version", "'0.1'", "'0.2'"),
        ("status", "draft", "in_review"),
        ("clauses", "- '5.2'", "- '5.2'\n- 6.1.3"),
        ("owner", None, "Claire"),
    ]
    assert diff.changed and diff.changed_sections == []  # the body did not change
    page = redline(DOC, new)
    front = page[page.index('id="isms-rl-fm"') : page.index("<h1>")]
    assert "4 field(s) changed" in front and "<del" in front and "0.1" in front and "in_review" in front
    assert "<del" not in page[page.index("<h1>") :] and "<ins" not in page[page.index("<h1>") :]
    assert "and the front matter" in page


def test_front_matter_removed_field() -> None:
    new = DOC.replace("status: draft\n", "")
    assert [(f.key, f.old, f.new) for f in review_diff(DOC, new).front_matter] == [("status", "draft", None)]


PURPOSE = "## Purpose\n\nThis policy sets how Kestrel protects information with cryptography.\n\n"


def test_moved_section() -> None:
    new = DOC.replace(PURPOSE, "") + "\n" + PURPOSE  # from first to last, past two sections
    diff = review_diff(DOC, new)
    assert [s.heading for s in diff.sections] == [None, "Key management", "Approval", "Purpose"]
    moved = [s for s in diff.sections if s.moved]
    assert [(s.heading, s.status, s.old_position, s.new_position) for s in moved] == [
        ("Purpose", "unchanged", 1, 3)
    ]
    assert moved[0].changes == [] and diff.changed and diff.changed_sections == moved
    page = redline(DOC, new)
    assert "moved · was after “the opening” · text unchanged" in page
    assert "<del" not in page and "<ins" not in page
    assert re.findall(r'id="isms-rl-c(\d+)"', page) == ["1"]  # the move is a change to jump to


def test_moved_and_edited_section() -> None:
    new = DOC.replace(PURPOSE, "") + "\n" + PURPOSE.replace("protects", "encrypts")
    section = next(s for s in review_diff(DOC, new).sections if s.heading == "Purpose")
    assert section.moved and section.status == "changed" and section.hunks == 1
    page = redline(DOC, new)
    assert "changed · moved · was after" in page and "<del" in page and "protects" in page


def test_added_and_removed_sections() -> None:
    new = DOC.replace(
        "## Purpose\n\nThis policy sets how Kestrel protects information with cryptography.\n\n", ""
    )
    new = new.replace("## Approval", "## Exceptions\n\nNone are allowed.\n\n## Approval")
    diff = review_diff(DOC, new)
    assert [(s.heading, s.status) for s in diff.sections] == [
        (None, "unchanged"),
        ("Purpose", "removed"),
        ("Key management", "unchanged"),
        ("Exceptions", "added"),
        ("Approval", "unchanged"),
    ]
    removed, added = diff.sections[1], diff.sections[3]
    assert {c.kind for c in removed.changes} == {"delete"} and removed.old_position == 1
    assert [c.new for c in added.changes if c.new] == ["None are allowed."]
    found = blocks(redline(DOC, new))
    assert "<del" in found["Purpose"] and "<ins" not in found["Purpose"]
    assert "<ins" in found["Exceptions"] and "None are allowed." in found["Exceptions"]
    assert found["Key management"] == "folded" and found["Approval"] == "folded"


def test_renamed_heading_pairs_with_its_text() -> None:
    new = DOC.replace("## Key management", "## Managing keys")
    diff = review_diff(DOC, new)
    section = diff.sections[2]
    assert (section.heading, section.old_heading, section.status, section.renamed) == (
        "Managing keys",
        "Key management",
        "changed",
        True,
    )
    assert section.changes == []  # the text is the same: only the heading changed
    assert "heading was “Key management”" in redline(DOC, new)


def test_repeated_headings_match_in_order() -> None:
    doc = "## Notes\n\nfirst\n\n## Notes\n\nsecond\n\n## Notes\n\nthird\n"
    new = doc.replace("second", "second, edited")
    diff = review_diff(doc, new)
    assert [(s.old_position, s.status) for s in diff.sections] == [
        (0, "unchanged"),
        (1, "changed"),
        (2, "unchanged"),
    ]


def test_table_cell_change_keeps_the_table() -> None:
    new = DOC.replace("| A.8.24 | partial |", "| A.8.24 | implemented |")
    page = redline(DOC, new)
    assert re.search(
        r"<td><a [^>]*>1&#8595;</a><del[^>]*>partial</del><ins[^>]*>implemented</ins></td>", page
    )
    assert page.count("<table>") == 1 and "| A.8.24" not in page


def test_table_row_added_is_a_row() -> None:
    new = DOC.replace("| A.5.31 | implemented |\n", "| A.5.31 | implemented |\n| A.8.13 | planned |\n")
    page = redline(DOC, new)
    assert re.search(
        r"<tr>\s*<td><a [^>]*>1&#8595;</a><ins[^>]*>A\.8\.13</ins></td>\s*<td><ins[^>]*>planned</ins></td>",
        page,
    )


def test_list_item_change_keeps_the_list() -> None:
    doc = "## Rules\n\n- Use TLS 1.2 or later.\n- Rotate keys yearly.\n"
    new = doc.replace("1.2", "1.3")
    page = redline(doc, new)
    assert page.count("<li>") == 2 and "<li>Use TLS <a" in page and "<del" in page


def test_each_change_links_to_the_next_and_the_last_to_the_top() -> None:
    new = (
        DOC.replace("version: '0.1'", "version: '0.2'")
        .replace("protects", "guards")
        .replace("two years", "year")
        .replace("Priya Raman", "Priya Raman (CEO)")
    )
    page = redline(DOC, new)
    links = re.findall(r'<a class="isms-n" id="isms-rl-c(\d+)" href="#([^"]+)"', page)
    assert links == [("1", "isms-rl-c2"), ("2", "isms-rl-c3"), ("3", "isms-rl-c4"), ("4", "isms-rl-top")]
    assert 'href="#isms-rl-c1">first change' in page and 'id="isms-rl-top"' in page
    assert "4 change(s) in 3 section(s) and the front matter" in page
    # the bar at the top links to each changed section
    nav = page[page.index('class="isms-nav"') : page.index('id="isms-rl-fm"')]
    assert nav.count('href="#isms-rl-s') == 3 and 'href="#isms-rl-fm"' in nav


def test_headings_inside_code_fences_do_not_split_sections() -> None:
    doc = "## Example\n\n```\n## not a heading\n```\n\ntext\n"
    assert [s.heading for s in review_diff(doc, doc).sections] == ["Example"]


def test_document_text_is_escaped_and_private_markers_are_not_trusted() -> None:
    doc = "## A\n\nplain\n"
    new = "## A\n\nplain <script>alert(1)</script> \u2ff0x\u2ff1 <b onclick=x>y</b>\n"
    page = redline(doc, new)
    assert "<script>" not in page and "&lt;script&gt;" in page and "<b " not in page
    assert page.count("<ins") == 1 and "\ufffdx\ufffd" in page  # marker-like characters are neutralised


def test_documents_without_headings_or_front_matter() -> None:
    old = "# T\n\nKeys rotate every two years.\nOwner: IT.\n"
    new = "# T\n\nKeys rotate every year.\nOwner: IT.\n"
    diff = review_diff(old, new)
    assert [(s.heading, s.status) for s in diff.sections] == [(None, "changed")] and diff.front_matter == ()
    assert changed_lines(old, new) == ["-Keys rotate every two years.", "+Keys rotate every year."]


def test_many_sections_one_change() -> None:
    doc = "".join(f"## Section {n}\n\nLine {n} of the policy says something.\n\n" for n in range(300))
    new = doc.replace("Line 150 of", "Line 150, amended, of")
    diff = review_diff(doc, new)
    assert [s.heading for s in diff.changed_sections] == ["Section 150"]
    assert sum(s.collapsed for s in diff.sections) == 299
    assert redline(doc, new).count('<details class="isms-same">') == 299


def test_word_changes_are_bounded() -> None:
    assert word_changes("a b c", "a x c") == [
        ("equal", "a "),
        ("delete", "b"),
        ("insert", "x"),
        ("equal", " c"),
    ]
    long_old = " ".join(f"w{n}" for n in range(WORD_DIFF_MAX_TOKENS + 1))
    long_new = long_old.replace("w7 ", "w7x ")
    assert word_changes(long_old, long_new) == [("delete", long_old), ("insert", long_new)]


def test_a_rewrite_is_deleted_and_inserted_without_pairing() -> None:
    old = "## A\n\n" + "\n".join(f"old line {n} about keys" for n in range(PAIR_MAX_BLOCK + 1)) + "\n"
    new = "## A\n\n" + "\n".join(f"new line {n} about keys" for n in range(PAIR_MAX_BLOCK + 1)) + "\n"
    kinds = {c.kind for c in review_diff(old, new).sections[0].changes}
    assert kinds == {"delete", "insert"}
    small_old = "## A\n\n" + "\n".join(f"old line {n} about keys" for n in range(5)) + "\n"
    small_new = small_old.replace("old line", "new line")
    assert {c.kind for c in review_diff(small_old, small_new).sections[0].changes} == {"replace"}


def test_side_by_side_highlights_and_folds() -> None:
    body = "\n".join(f"line {n}" for n in range(40))
    new = body.replace("line 20", "line twenty")
    table = side_by_side(body, new, "v1 <old>", "v2")
    assert "v1 &lt;old&gt;" in table and "<table" in table
    assert '<span class="diff_chg">20</span>' in table and '<span class="diff_chg">twenty</span>' in table
    # lines 18 to 22 shown (two of context each side); 0-17 and 23-39 folded, on both sides
    assert table.count("… 18 unchanged line(s)") == 2 and table.count("… 17 unchanged line(s)") == 2
    assert ">line 18<" in table and ">line 17<" not in table


def test_blank_lines_around_sections_are_no_change() -> None:
    old = "## A\n\ntext\n\n## B\n\nmore\n"
    new = "\n\n## A\ntext\n\n\n\n## B\n\nmore"
    diff = review_diff(old, new)
    assert not diff.changed and [s.heading for s in diff.sections] == ["A", "B"]
