"""Response cache in the workspace: an unchanged prompt never reaches the model twice.

Keyed by provider, model, prompt version and the rendered prompt; one JSON file per entry, written
atomically, so concurrent drafting threads and interrupted runs never leave a half-written entry.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any


class ResponseCache:
    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @staticmethod
    def key(provider: str, model: str, prompt_version: str, messages: list[dict[str, str]]) -> str:
        payload = json.dumps([provider, model, prompt_version, messages], sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(payload.encode("utf-8")).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.json"

    def get(self, key: str) -> dict[str, Any] | None:
        path = self._path(key)
        try:
            data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            return None
        return data

    def put(self, key: str, value: dict[str, Any]) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(value, handle, ensure_ascii=False)
        os.replace(tmp, path)
