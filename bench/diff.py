"""Benchmark the review diff on a 130 KB document: changed lines, redline and side by side.

    .venv/bin/python bench/diff.py [--out DIR] [--old] [--repeat 5]

The pair is built from the repository's examples, offline: kestrel-saas is generated into a temporary
folder with the offline provider (or --out names a folder of generated Markdown), and the Statement of
Applicability is followed by the bodies of the next largest documents until the text reaches 130 KB. The
new version has 40 edits spread through the body (words replaced, sentences added, table cells and rows
changed, lines deleted and inserted), two front matter fields changed, a section moved, one added and
one removed. A second pair, "rewrite", sets the same old text against a different 130 KB text: the worst
case for pairing lines.

Target (issue 15): the review page's diff (changed lines + redline + side by side) <= 1 s for 130 KB.
--old also times the code this replaced (kept below as a reference): its redline ran one SequenceMatcher
over every word and space of both texts without autojunk (about 108 s on the edit pair on this machine;
the issue measured 12.5 s on its own pair), and its side by side was difflib.HtmlDiff (6.3 s on the
rewrite pair).
"""

from __future__ import annotations

import argparse
import difflib
import html
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.documents.diff import (  # noqa: E402
    changed_lines,
    review_diff,
    split_front_matter,
)
from assistant.documents.diff_html import redline, side_by_side  # noqa: E402

TARGET_BYTES = 130_000


def old_redline(old: str, new: str) -> str:
    """The redline before issue 15, kept as the reference the new one is measured against."""
    a, b = re.findall(r"\S+|\s+", old), re.findall(r"\S+|\s+", new)
    parts: list[str] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            parts.append(html.escape("".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            parts.append(f"<del>{html.escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            parts.append(f"<ins>{html.escape(''.join(b[j1:j2]))}</ins>")
    return "<div>" + "".join(parts) + "</div>"


def old_side_by_side(old: str, new: str, old_label: str, new_label: str) -> str:
    """The side by side before issue 15 (difflib.HtmlDiff), kept as the reference."""
    table: str = difflib.HtmlDiff(wrapcolumn=70).make_table(
        old.splitlines(), new.splitlines(), old_label, new_label, context=True, numlines=2
    )
    return table


def generate(workspace: Path, tmp: Path) -> Path:
    ws = tmp / workspace.name
    shutil.copytree(workspace, ws, ignore=shutil.ignore_patterns(".isms", "out"))
    isms = Path(sys.executable).with_name("isms")
    subprocess.run(
        [str(isms), "generate", "--workspace", str(ws)],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ISMS_PROVIDER": "offline", "HF_HUB_OFFLINE": "1", "COLUMNS": "200"},
    )
    return ws / "out"


def concatenate(docs: list[Path]) -> str:
    """The first document whole, then the bodies of the others, until the text reaches 130 KB."""
    parts = [docs[0].read_text(encoding="utf-8")]
    for doc in docs[1:]:
        if len("\n".join(parts).encode()) >= TARGET_BYTES:
            break
        parts.append(split_front_matter(doc.read_text(encoding="utf-8"))[1])
    return "\n".join(parts)


def sections_of(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if line.startswith("## ")]


def edit(old: str, edits: int = 40, seed: int = 15) -> str:
    """The reviewer's version: edits spread through the body, front matter changed, sections moved/added/removed."""
    rng = random.Random(seed)
    lines = old.split("\n")
    body_start = lines.index("---", 1) + 1
    # a section moved: the first "## " section after the first third goes after the last third's
    heads = [i for i in sections_of(lines) if i > body_start]
    third = len(heads) // 3
    a0, a1 = heads[third], heads[third + 1]
    block = lines[a0:a1]
    del lines[a0:a1]
    heads = sections_of(lines)
    at = heads[2 * len(heads) // 3]
    lines[at:at] = block
    # a section removed and a section added
    heads = sections_of(lines)
    r0, r1 = heads[len(heads) // 2], heads[len(heads) // 2 + 1]
    del lines[r0:r1]
    heads = sections_of(lines)
    added = ["## Reviewer's notes", "", "The reviewer added this section to record open points.", ""]
    lines[heads[-3] : heads[-3]] = added
    # word-level and line-level edits spread through the body
    candidates = [
        i for i in range(body_start, len(lines)) if len(lines[i].split()) > 6 and not lines[i].startswith("#")
    ]
    for n, i in enumerate(sorted(rng.sample(candidates, edits), reverse=True)):
        line = lines[i]
        row = line.startswith("|")
        kind = n % 5
        if kind == 0:  # a word replaced
            words = line.split(" ")
            k = rng.randrange(1, len(words))
            if words[k] not in ("|", ""):
                words[k] = "reviewed"
            lines[i] = " ".join(words)
        elif kind == 1:  # a sentence added, in the last cell for a table row
            if row:
                cells = line.split(" | ")
                cells[-2] += " Checked by the reviewer."
                lines[i] = " | ".join(cells)
            else:
                lines[i] = line + " The reviewer added this sentence."
        elif kind == 2:  # a line deleted
            del lines[i]
        elif kind == 3:  # a line inserted after it: a row in a table, a sentence elsewhere
            width = line.count("|") - 1
            new = "| " + " | ".join(["new row"] * width) + " |" if row else "A line the reviewer inserted."
            lines.insert(i + 1, new)
        else:  # a table cell changed, or a phrase rewritten
            if row:
                cells = line.split(" | ")
                cells[min(2, len(cells) - 2)] = "changed"
                lines[i] = " | ".join(cells)
            else:
                lines[i] = line.replace(" the ", " this ", 1)
    new = "\n".join(lines)
    new = new.replace("version: '0.1'", "version: '0.2'", 1).replace("status: draft", "status: in_review", 1)
    return new


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", type=Path, default=REPO / "examples" / "kestrel-saas")
    parser.add_argument("--out", type=Path, help="a folder of generated Markdown (default: generate one)")
    parser.add_argument("--old", action="store_true", help="also time the replaced code (minutes)")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = args.out or generate(args.workspace, Path(tmp))
        docs = sorted(out.glob("*.md"), key=lambda p: (-p.stat().st_size, p.name))
        soa = out / "statement-of-applicability.md"
        docs = [soa] + [d for d in docs if d != soa]
        old = concatenate(docs)
        new = edit(old)
        rewrite = concatenate([soa] + list(reversed(docs[1:])))
    diff = review_diff(old, new)
    print(
        f"edit pair: {len(old.encode()) / 1000:.0f} KB -> {len(new.encode()) / 1000:.0f} KB, "
        f"{len(diff.sections)} sections, {len(diff.changed_sections)} changed, "
        f"{len(diff.front_matter)} front matter field(s)"
    )
    print(f"rewrite pair: {len(old.encode()) / 1000:.0f} KB -> {len(rewrite.encode()) / 1000:.0f} KB")
    for name, other in (("edit", new), ("rewrite", rewrite)):
        lines = best(partial(changed_lines, old, other), args.repeat)
        red = best(partial(redline, old, other), args.repeat)
        side = best(partial(side_by_side, old, other, "old", "new"), args.repeat)
        print(f"{name:8} changed_lines {lines:6.3f} s")
        print(f"{name:8} redline       {red:6.3f} s")
        print(f"{name:8} side_by_side  {side:6.3f} s")
        print(f"{name:8} review page   {lines + red + side:6.3f} s  target <= 1 s")
    if args.old:
        for name, other in (("edit", new), ("rewrite", rewrite)):
            side = best(partial(old_side_by_side, old, other, "old", "new"), 1)
            print(f"{name:8} side_by_side before issue 15 {side:8.3f} s", flush=True)
            red = best(partial(old_redline, old, other), 1)
            print(f"{name:8} redline before issue 15      {red:8.3f} s", flush=True)


if __name__ == "__main__":
    main()
