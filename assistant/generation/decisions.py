"""Decisions needed: the questions generation recorded instead of inventing a fact, across the set.

Each document keeps its own in its front matter (`decisions:`) and its manifest entry; `decisions.md` in
the output folder lists them all for the security lead, who answers them in the profile (or by refining a
section); `isms decisions` prints them.
"""

from __future__ import annotations

from pathlib import Path

from assistant.documents.files import write_atomic
from assistant.generation.manifest import Manifest

DECISIONS_FILE = "decisions.md"


def collect(out_dir: Path) -> dict[str, list[str]]:
    """Document id -> its open questions, from the manifest (documents without any are left out)."""
    manifest = Manifest(out_dir)
    found = {
        doc_id: [str(q) for q in entry.get("decisions") or []] for doc_id, entry in manifest.documents.items()
    }
    return {doc_id: questions for doc_id, questions in sorted(found.items()) if questions}


def render(decisions: dict[str, list[str]], titles: dict[str, str], organisation: str) -> str:
    total = sum(len(q) for q in decisions.values())
    lines = [
        f"# Decisions needed: {organisation}",
        "",
        f"{total} question(s) in {len(decisions)} document(s). Each is a fact the documents need and the "
        "profile does not give; generation left it out rather than invent it. Answer it in profile.yaml "
        "(or refine the section) and generate again.",
    ]
    for doc_id, questions in decisions.items():
        lines += ["", f"## {titles.get(doc_id, doc_id)}", ""]
        lines += [f"- [ ] {q}" for q in questions]
    return "\n".join(lines) + "\n"


def write_decisions(out_dir: Path, titles: dict[str, str], organisation: str) -> Path:
    path = out_dir / DECISIONS_FILE
    text = render(collect(out_dir), titles, organisation)
    if not path.exists() or path.read_text(encoding="utf-8") != text:  # an unchanged run touches nothing
        write_atomic(path, text)
    return path
