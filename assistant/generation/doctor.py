"""`isms doctor`: does the workspace agree with itself? The output folder's files, the manifest and the
version store are checked against each other; what an interrupted run left half-done is finished; with
`verify`, the store's hash chain shows any edit made outside the tool."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.generation.journal import pending, recover
from assistant.generation.manifest import Manifest
from assistant.generation.outputs import file_hash


@dataclass
class Checkup:
    repaired: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    checked: int = 0


def check_workspace(
    out_dir: Path, store: Any | None, *, repair: bool = True, verify: bool = False
) -> Checkup:
    """Check every document the manifest records: its files exist and match the hashes recorded when they
    were written, and the Markdown is a version in the store (a missing one is added back when repairing)."""
    result = Checkup()
    if not out_dir.is_dir():
        result.problems.append(f"{out_dir}: no output folder yet (run `isms generate`)")
        return result
    manifest = Manifest(out_dir)
    if repair:
        result.repaired += recover(out_dir, manifest)
    elif pending(out_dir):
        result.problems.append(
            f"{out_dir}: an interrupted write is waiting to be finished (run `isms doctor`)"
        )
    for doc_id, entry in sorted(manifest.documents.items()):
        if entry.get("status") == "failed":
            continue
        result.checked += 1
        for name, recorded in (entry.get("files") or {}).items():
            path = out_dir / name
            if not path.is_file():
                result.problems.append(f"{path}: recorded in the manifest but missing (generate again)")
            elif recorded and file_hash(path.read_bytes()) != recorded:
                result.problems.append(
                    f"{path}: changed since isms wrote it (edit documents through `isms import` or the "
                    "review workspace, or generate again)"
                )
        md = out_dir / f"{doc_id}.md"
        if store is not None and md.is_file():
            text = md.read_text(encoding="utf-8", errors="replace")
            # Publishing an approval rewrites only the status field of the file: compare without it.
            if not any(_without_status(v.content) == _without_status(text) for v in store.versions(doc_id)):
                if repair:
                    store.record(doc_id, doc_id, text, author="isms doctor", source="edited",
                                 note="added by isms doctor: the file was in out/ but not in the store")  # fmt: skip
                    result.repaired.append(f"{doc_id}: the version in out/ was added to the store")
                else:
                    result.problems.append(f"{md}: this version is not in the store (run `isms doctor`)")
    if verify and store is not None:
        from assistant.store import verify as verify_store

        result.problems += verify_store(store)
    return result


def _without_status(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.startswith("status:"))
