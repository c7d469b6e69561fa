"""One document's files change together or not at all.

A document's outputs (Markdown, Word, and for the SoA its CSV and Excel files) are first written to
temporary files of ours in the output folder; the version is recorded in the store; a journal naming the
renames and the manifest entry is written; the files are renamed into place; the manifest is updated; the
journal is removed. After a crash (kill -9, power loss) at any point, `recover` finishes what a journal
started (roll forward) and removes temporary files no journal names (their document is as before), so the
Markdown, Word files, store and manifest always agree.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.documents.files import DISK_ERRORS, TMP_PREFIX, disk_error, write_atomic, write_temp
from assistant.generation.manifest import Manifest

JOURNAL_PREFIX = ".isms-journal-"


@dataclass
class Staged:
    """Files written under temporary names, waiting to be renamed into place together."""

    out_dir: Path
    doc_id: str
    pairs: list[tuple[Path, Path]] = field(default_factory=list)  # (temporary, final)

    def add(self, name: str, data: bytes | str) -> None:
        try:
            tmp = write_temp(self.out_dir, name, data)
        except BaseException:
            self.discard()
            raise
        self.pairs.append((tmp, self.out_dir / name))

    def discard(self) -> None:
        for tmp, _final in self.pairs:
            tmp.unlink(missing_ok=True)
        self.pairs.clear()

    def commit(self, manifest: Manifest, entry: dict[str, Any], change: str | None, date: str) -> None:
        """Journal, rename every file into place, record the manifest entry, drop the journal."""
        journal = self.out_dir / f"{JOURNAL_PREFIX}{self.doc_id}.json"
        record = {
            "doc_id": self.doc_id,
            "renames": [[tmp.name, final.name] for tmp, final in self.pairs],
            "entry": entry,
            "change": change,
            "date": date,
        }
        try:
            write_atomic(journal, json.dumps(record, ensure_ascii=False))
        except BaseException:
            self.discard()
            raise
        _apply(self.out_dir, record, manifest)
        journal.unlink(missing_ok=True)
        self.pairs.clear()


def _apply(out_dir: Path, record: dict[str, Any], manifest: Manifest) -> None:
    for tmp_name, final_name in record["renames"]:
        tmp, final = out_dir / tmp_name, out_dir / final_name
        if tmp.exists():
            try:
                os.replace(tmp, final)
            except OSError as exc:
                if exc.errno in DISK_ERRORS:
                    raise disk_error(final, exc) from None
                raise
    manifest.record(record["entry"], change=record.get("change"), date=record.get("date", ""))


def pending(out_dir: Path) -> list[Path]:
    return sorted(out_dir.glob(f"{JOURNAL_PREFIX}*.json")) if out_dir.is_dir() else []


def recover(out_dir: Path, manifest: Manifest) -> list[str]:
    """Finish every journalled change and remove temporary files of ours; return what was done."""
    done: list[str] = []
    for journal in pending(out_dir):
        try:
            record = json.loads(journal.read_text(encoding="utf-8"))
            ok = isinstance(record, dict) and {"doc_id", "renames", "entry"} <= set(record)
        except (OSError, ValueError):
            ok = False
        if ok:
            _apply(out_dir, record, manifest)
            done.append(f"{record['doc_id']}: finished an interrupted write")
        else:
            done.append(f"{journal.name}: unreadable journal removed (its files stay as they were)")
        journal.unlink(missing_ok=True)
    for tmp in sorted(out_dir.glob(f"{TMP_PREFIX}*")) if out_dir.is_dir() else []:
        tmp.unlink(missing_ok=True)
        done.append(f"{tmp.name}: temporary file of an interrupted run removed")
    return done
