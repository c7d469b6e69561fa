"""Load `corpus/` (YAML, one entry per file) into validated, cross-linked objects."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TypeVar

from pydantic import BaseModel

from assistant.errors import CheckFailed, InputError
from assistant.ids import clause_sort_key, control_sort_key
from assistant.knowledge.models import Clause, Control, DocumentSpec
from assistant.knowledge.vendors import Vendors, load_vendors
from assistant.resources import data_dir
from assistant.yamlio import UnreadableFile, validate_yaml_file

DEFAULT_CORPUS_DIR = data_dir("corpus")

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class Corpus:
    """Clauses, controls and catalogue documents, keyed by id, each with its source file."""

    root: Path
    clauses: dict[str, Clause]
    controls: dict[str, Control]
    documents: dict[str, DocumentSpec]
    sources: dict[str, Path] = field(default_factory=dict)
    vendors: Vendors = field(default_factory=lambda: Vendors(()))

    @cached_property
    def documents_for_control(self) -> dict[str, list[str]]:
        """Control id -> catalogue documents that address it (derived from the catalogue)."""
        mapping: dict[str, list[str]] = {cid: [] for cid in self.controls}
        for doc in self.documents.values():
            for cid in doc.controls:
                mapping.setdefault(cid, []).append(doc.id)
        return mapping

    def ordered_controls(self) -> list[Control]:
        return sorted(self.controls.values(), key=lambda c: control_sort_key(c.id))

    def ordered_clauses(self) -> list[Clause]:
        return sorted(self.clauses.values(), key=lambda c: clause_sort_key(c.id))

    def mandatory_documents(self) -> list[DocumentSpec]:
        return [d for d in self.documents.values() if d.mandatory]


def _yaml_files(folder: Path) -> Iterator[Path]:
    if not folder.is_dir():
        raise InputError(f"{folder}: corpus folder not found")
    yield from sorted(p for p in folder.iterdir() if p.suffix in {".yaml", ".yml"})


def _load_kind(
    folder: Path,
    model: type[M],
    what: str,
    sources: dict[str, Path],
    problems: list[str],
    unreadable: list[str],
) -> dict[str, M]:
    entries: dict[str, M] = {}
    for path in _yaml_files(folder):
        try:
            entry = validate_yaml_file(path, model, what=what)
        except UnreadableFile as exc:
            unreadable.append(exc.message)
            continue
        except InputError as exc:
            problems.extend(exc.details or [exc.message])
            continue
        entry_id = entry.id  # type: ignore[attr-defined]
        if entry_id in entries:
            problems.append(f"{path}: duplicate {what} id {entry_id} (also in {sources[entry_id]})")
            continue
        entries[entry_id] = entry
        sources[entry_id] = path
    return entries


def load_corpus(root: Path | None = None) -> Corpus:
    """Read and validate every corpus file.

    Unreadable files (YAML syntax, encoding) raise InputError; schema problems raise CheckFailed listing
    every problem with its file and line.
    """
    root = root or DEFAULT_CORPUS_DIR
    sources: dict[str, Path] = {}
    problems: list[str] = []
    unreadable: list[str] = []
    clauses = _load_kind(root / "clauses", Clause, "clause", sources, problems, unreadable)
    controls = _load_kind(root / "controls", Control, "control", sources, problems, unreadable)
    documents = _load_kind(root / "documents", DocumentSpec, "document", sources, problems, unreadable)
    if unreadable:
        raise InputError(f"{root}: {len(unreadable)} corpus file(s) cannot be read", details=unreadable)
    if problems:
        raise CheckFailed(f"{root}: {len(problems)} corpus schema problem(s)", details=problems)
    return Corpus(
        root=root,
        clauses=dict(sorted(clauses.items(), key=lambda kv: clause_sort_key(kv[0]))),
        controls=dict(sorted(controls.items(), key=lambda kv: control_sort_key(kv[0]))),
        documents=documents,
        sources=sources,
        vendors=load_vendors(root / "vendors.yaml"),
    )


def load_corpus_cached(root: Path, cache_dir: Path) -> Corpus:
    """`load_corpus`, kept as a pickle in the workspace state and reused while no corpus file (and no line
    of the code that reads it) has changed: validating 160 YAML files is most of a quick command's time."""
    import hashlib
    import json
    import pickle

    from assistant.documents.files import fingerprint, write_atomic

    code = Path(__file__).parent
    key = hashlib.sha256(json.dumps(fingerprint(root, code)).encode("utf-8")).hexdigest()[:20]
    cache = cache_dir / f"corpus-{key}.pickle"
    try:
        with cache.open("rb") as handle:
            corpus = pickle.load(handle)
        if isinstance(corpus, Corpus):
            return corpus
    except Exception:  # a missing, stale or damaged cache is rebuilt, never trusted
        pass
    corpus = load_corpus(root)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        for old in cache_dir.glob("corpus-*.pickle"):
            old.unlink(missing_ok=True)
        write_atomic(cache, pickle.dumps(corpus, protocol=pickle.HIGHEST_PROTOCOL))
    except OSError:
        pass
    return corpus
