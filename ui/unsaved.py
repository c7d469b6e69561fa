"""Unsaved editor text kept on the server, per person and document, so neither a page switch (Streamlit
drops a widget's state when its page is left) nor a browser refresh (a new session) loses typed work.

Kept in `.isms/unsaved/<person>/<doc>.json` as {"text", "base"}: the text and the version it started from;
removed when the text is saved or discarded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from assistant.documents.files import write_atomic


def _path(state_dir: Path, person: str, doc_id: str) -> Path:
    who = re.sub(r"[^a-z0-9]+", "-", person.lower()).strip("-") or "someone"
    return state_dir / "unsaved" / who / f"{doc_id}.json"


def remember(state_dir: Path, person: str, doc_id: str, text: str, base_id: int) -> None:
    path = _path(state_dir, person, doc_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, json.dumps({"text": text, "base": base_id}, ensure_ascii=False))


def recall(state_dir: Path, person: str, doc_id: str) -> tuple[str, int] | None:
    try:
        data = json.loads(_path(state_dir, person, doc_id).read_text(encoding="utf-8"))
        return str(data["text"]), int(data["base"])
    except (OSError, ValueError, KeyError, TypeError):  # none kept, or a damaged file: nothing to restore
        return None


def forget(state_dir: Path, person: str, doc_id: str) -> None:
    _path(state_dir, person, doc_id).unlink(missing_ok=True)
