"""Which documents the next `isms generate` would redraft, and why, before anything is redrafted.

Each generated document's manifest entry keeps a short hash of every input it was drafted from, by name
(`assistant/drafting/input_parts.py`); comparing them with the inputs as they are now names what changed:
"profile: practices", "risk R-03 changed", "existing documents in docs/".
"""

from __future__ import annotations

from dataclasses import dataclass

from assistant.drafting.engine import Engine, Inputs
from assistant.drafting.input_parts import PROFILE, part_hashes
from assistant.generation.manifest import Manifest

NOT_GENERATED = "not generated yet"
_PLAIN = {
    "plan": "this version of isms drafts it differently",
    "docs": "existing documents in docs/ changed",
    "catalogue entry": "the document's catalogue entry changed",
    "catalogue": "the document catalogue changed",
    "control guidance": "control guidance in corpus/ changed",
    "clause guidance": "clause guidance in corpus/ changed",
    "provider": "a different provider drafts it",
    "model": "a different model drafts it",
    "prompt": "its prompts changed",
}


@dataclass(frozen=True)
class Stale:
    doc_id: str
    title: str
    reasons: tuple[str, ...]


def _changes(before: dict[str, str], now: dict[str, str]) -> list[str]:
    """Plain reasons, profile sections and risks grouped: 'profile changed: practices, notifications'."""
    profile = sorted(
        k.split(": ", 1)[1]
        for k in set(before) | set(now)
        if k.startswith(f"{PROFILE}: ") and before.get(k) != now.get(k)
    )
    risks: dict[str, list[str]] = {"changed": [], "added": [], "removed": []}
    for key in sorted(set(before) | set(now)):
        if not key.startswith("risk ") or before.get(key) == now.get(key):
            continue
        kind = "added" if key not in before else "removed" if key not in now else "changed"
        risks[kind].append(key.removeprefix("risk "))
    reasons = [f"profile changed: {', '.join(profile)}"] if profile else []
    listed = [f"{', '.join(ids)} {kind}" for kind, ids in risks.items() if ids]
    if listed:
        reasons.append(f"risk register: {'; '.join(listed)}")
    for name, plain in _PLAIN.items():
        if before.get(name) != now.get(name):
            reasons.append(plain)
    return reasons


def stale_documents(inputs: Inputs, engine: Engine, doc_ids: list[str]) -> list[Stale]:
    """The documents of `doc_ids` that `isms generate` would draft again, each with why."""
    from assistant.generation.runner import is_unchanged

    manifest = Manifest(inputs.workspace.out_dir)
    found = []
    for doc_id in doc_ids:
        title = inputs.corpus.documents[doc_id].title
        entry = manifest.documents.get(doc_id)
        if entry is None or "inputs_hash" not in entry:
            found.append(Stale(doc_id, title, (NOT_GENERATED,)))
            continue
        if is_unchanged(inputs, engine, doc_id) is not None:
            continue
        before = entry.get("inputs_parts")
        if entry.get("inputs_hash") == engine.inputs_hash(doc_id):
            reasons = ["an output file is missing or damaged"]
        elif isinstance(before, dict) and before:
            reasons = _changes(before, part_hashes(engine.inputs_parts(doc_id))) or ["its inputs changed"]
        else:  # generated before inputs were recorded by name
            reasons = ["its inputs changed since it was generated"]
        found.append(Stale(doc_id, title, tuple(reasons)))
    return found
