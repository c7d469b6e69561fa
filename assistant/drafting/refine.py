"""Refining a section without a model: substitutions and stated facts, applied literally.

Supported instruction forms, separated by ';' or new lines:
- "use X instead of Y", "X, not Y", "X not Y", "replace Y with X", "change Y to X", "Y -> X": every Y becomes X;
- "remove: TEXT" drops sentences that contain TEXT;
- anything else is a fact the reviewer states, added to the section as a sentence.
"""

from __future__ import annotations

import re

from assistant.errors import InputError

SUBSTITUTIONS = [
    re.compile(r"^(?:we )?use (?P<new>.+?) instead of (?P<old>.+)$", re.I),
    re.compile(r"^replace (?P<old>.+?) with (?P<new>.+)$", re.I),
    re.compile(r"^change (?P<old>.+?) to (?P<new>.+)$", re.I),
    re.compile(r"^(?P<old>.+?)\s*->\s*(?P<new>.+)$"),
    re.compile(r"^(?:we (?:use|have) )?(?P<new>[^,]+?),? not (?P<old>[^,]+)$", re.I),
]
REMOVE = re.compile(r"^remove:\s*(?P<text>.+)$", re.I)


def offline_redraft(text: str, instruction: str) -> str:
    clauses = [c.strip().rstrip(".") for c in re.split(r"[;\n]+", instruction) if c.strip()]
    if not clauses:
        raise InputError("the instruction is empty")
    added: list[str] = []
    for clause in clauses:
        removal = REMOVE.match(clause)
        if removal:
            target = removal.group("text").strip().lower()
            kept = [s for s in re.split(r"(?<=[.!?])\s+", text) if target not in s.lower()]
            if len(kept) == len(re.split(r"(?<=[.!?])\s+", text)):
                raise InputError(f"nothing in the section contains {removal.group('text')!r}")
            text = " ".join(kept)
            continue
        for pattern in SUBSTITUTIONS:
            match = pattern.match(clause)
            if match:
                old, new = match.group("old").strip(), match.group("new").strip()
                if re.search(re.escape(old), text, re.I):
                    text = re.sub(re.escape(old), new, text, flags=re.I)
                    break
        else:
            added.append(clause[:1].upper() + clause[1:] + ".")
    if added:
        text = text.rstrip() + "\n\n" + " ".join(added)
    return text
