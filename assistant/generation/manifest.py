"""manifest.json in the output folder: what each document was generated from, by what, at what cost."""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any

from assistant.documents.files import write_atomic

MANIFEST = "manifest.json"


class Manifest:
    """Per-document records, saved atomically after every change so an interrupted run loses nothing."""

    def __init__(self, out_dir: Path) -> None:
        self.path = out_dir / MANIFEST
        self._lock = threading.Lock()
        self.documents: dict[str, dict[str, Any]] = {}
        self.run: dict[str, Any] = {}
        if self.path.is_file():
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError):
                data = None
            if isinstance(data, dict):  # anything else is not ours: the output folder check refuses it
                docs = data.get("documents", [])
                self.documents = {
                    d["id"]: d
                    for d in (docs if isinstance(docs, list) else [])
                    if isinstance(d, dict) and "id" in d
                }
                run = data.get("run", {})
                self.run = run if isinstance(run, dict) else {}

    def history(self, doc_id: str) -> list[dict[str, str]]:
        return list(self.documents.get(doc_id, {}).get("history", []))

    def record(
        self, entry: dict[str, Any], change: str | None = None, date: str = "", save: bool = True
    ) -> None:
        """Record a document's entry; `save=False` leaves writing the file to `finish` (unchanged ones)."""
        with self._lock:
            previous = self.documents.get(entry["id"], {})
            history = list(previous.get("history", []))
            if change and (not history or history[-1].get("version") != entry.get("version")):
                history.append({"version": str(entry.get("version", "")), "date": date, "change": change})
            self.documents[entry["id"]] = {**previous, **entry, "history": history}
            if save:
                self._save()

    @property
    def unfinished(self) -> bool:
        """The last run started and never finished (killed, crashed, power lost)."""
        return self.run.get("finished") is False

    def start(self, date: str) -> None:
        with self._lock:
            self.run = {**self.run, "finished": False, "started": date}
            self._save()

    def finish(self, run: dict[str, Any]) -> None:
        with self._lock:
            self.run = {**run, "finished": True}
            self._save()

    def _save(self) -> None:
        data = {"run": self.run, "documents": [self.documents[k] for k in sorted(self.documents)]}
        # One document per line: readable, and written by json's C encoder (an indented dump is pure Python,
        # and this file is saved after every document).
        lines = ",\n".join(json.dumps(d, ensure_ascii=False, sort_keys=True) for d in data["documents"])
        run = json.dumps(data["run"], ensure_ascii=False, sort_keys=True)
        write_atomic(self.path, f'{{"run": {run},\n"documents": [\n{lines}\n]}}\n')
