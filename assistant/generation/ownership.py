"""The output folder belongs to the set: isms writes only there, only files it writes, and never into a folder
of someone else's files unless told to (and even then never over a file it did not write)."""

from __future__ import annotations

import json
from pathlib import Path

from assistant.documents.files import SET_FILES
from assistant.errors import InputError
from assistant.generation.manifest import MANIFEST

SET_OUTPUTS = frozenset({*SET_FILES, "evidence-guide.xlsx", "soa.csv", "soa.xlsx", MANIFEST})


def planned_names(doc_ids: list[str]) -> list[str]:
    return [f"{d}{suffix}" for d in doc_ids for suffix in (".md", ".docx")] + sorted(SET_OUTPUTS)


def owned(out_dir: Path) -> bool:
    """True when the folder holds a manifest isms wrote; InputError when something else sits there."""
    path = out_dir / MANIFEST
    if not path.exists():
        return False
    if path.is_dir():
        raise InputError(f"{path}: a folder where isms keeps its manifest; move it aside")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        data = None
    if not isinstance(data, dict) or not isinstance(data.get("documents", []), list):
        raise InputError(
            f"{path}: not a manifest written by isms; move it aside or choose another output folder with --out"
        )
    return True


def claim_out_dir(out_dir: Path, doc_ids: list[str], force: bool) -> None:
    """Refuse before any drafting when writing the set would touch files isms did not write."""
    if not out_dir.exists():
        return
    if not out_dir.is_dir():
        raise InputError(f"{out_dir}: the output path exists and is not a folder")
    ours = owned(out_dir)
    names = planned_names(doc_ids)
    for name in names:
        path = out_dir / name
        if path.is_dir():
            raise InputError(f"{path}: a folder is in the way of a file isms writes; move it aside")
    if ours:
        return
    present = [p.name for p in out_dir.iterdir()]
    if present and not force:
        raise InputError(
            f"{out_dir}: the folder is not empty and is not an isms output folder (no {MANIFEST}); "
            "choose an empty or new folder with --out, or pass --force to add the set beside the files "
            "there (isms never changes a file it did not write)"
        )
    clashes = sorted(set(present) & set(names))
    if clashes:
        raise InputError(
            f"{out_dir}: {len(clashes)} file(s) there have the names of files isms writes and were not "
            "written by it; move them aside",
            details=clashes[:10],
        )
