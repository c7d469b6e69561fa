"""The persistent index in the workspace's `.isms/index/`: chromadb for vectors, a JSONL for lexical search.

Builds are incremental (a content hash per chunk) and crash-safe: changes are applied to a staging copy
that replaces the live index with two renames, so a failure mid-build leaves the previous index usable.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.errors import InputError, IsmsError
from assistant.index.chunks import Chunk, chunking_settings
from assistant.index.embeddings import Embedder

COLLECTION = "isms-chunks"
MANIFEST = "manifest.json"
CHUNKS_FILE = "chunks.jsonl"
FORMAT_VERSION = 1


@dataclass
class BuildReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    total: int = 0
    rebuilt: bool = False
    reason: str = ""
    seconds: float = 0.0


def chroma_client(path: Path) -> Any:
    import chromadb
    from chromadb.config import Settings

    return chromadb.PersistentClient(path=str(path), settings=Settings(anonymized_telemetry=False))


def release_clients() -> None:
    """Forget cached chromadb systems so a swapped folder is reopened fresh."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def read_manifest(index_dir: Path) -> dict[str, Any] | None:
    recover(index_dir)
    path = index_dir / MANIFEST
    if not path.exists():
        return None
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError):
        return None
    return data if data.get("format") == FORMAT_VERSION else None


def recover(index_dir: Path) -> None:
    """Finish or undo a swap that a crash interrupted."""
    old = index_dir.with_name(index_dir.name + ".old")
    if not index_dir.exists() and old.exists():
        old.rename(index_dir)
    elif old.exists():
        shutil.rmtree(old, ignore_errors=True)


def build(
    index_dir: Path,
    chunks: list[Chunk],
    embedder_name: str,
    make_embedder: Callable[[], Embedder],
    *,
    progress: Callable[[str], None] | None = None,
) -> BuildReport:
    """Bring the index at `index_dir` in line with `chunks`, embedding only what changed."""
    started = time.perf_counter()
    say = progress or (lambda _msg: None)
    wanted = {c.chunk_id: c for c in chunks}
    if len(wanted) != len(chunks):
        raise IsmsError("internal error: duplicate chunk ids")
    settings = {"embedder": embedder_name, "chunking": chunking_settings()}
    manifest = read_manifest(index_dir)
    rebuild = manifest is None or manifest.get("settings") != settings
    old_hashes: dict[str, str] = {} if rebuild or manifest is None else manifest["chunks"]
    new_hashes = {cid: c.content_hash for cid, c in wanted.items()}
    to_add = [cid for cid in wanted if cid not in old_hashes]
    to_update = [cid for cid in wanted if cid in old_hashes and old_hashes[cid] != new_hashes[cid]]
    to_remove = [cid for cid in old_hashes if cid not in wanted]
    report = BuildReport(
        added=len(to_add),
        updated=len(to_update),
        removed=len(to_remove),
        unchanged=len(wanted) - len(to_add) - len(to_update),
        total=len(wanted),
        rebuilt=rebuild,
        reason=_reason(manifest, settings),
    )
    if not (to_add or to_update or to_remove or rebuild):
        report.seconds = time.perf_counter() - started
        return report

    staging = index_dir.with_name(index_dir.name + ".staging")
    shutil.rmtree(staging, ignore_errors=True)
    if index_dir.exists() and not rebuild:
        shutil.copytree(index_dir, staging)
    else:
        staging.mkdir(parents=True)
    try:
        changed = [cid for cid in to_add + to_update if wanted[cid].dense]
        lexical_only = [cid for cid in to_update if not wanted[cid].dense]
        vectors: list[list[float]] = []
        if changed:
            say(f"embedding {len(changed)} chunk(s) with {embedder_name}")
            vectors = make_embedder().embed([wanted[cid].text for cid in changed])
        client = chroma_client(staging / "chroma")
        collection = client.get_or_create_collection(
            COLLECTION, embedding_function=None, metadata={"hnsw:space": "cosine"}
        )
        if to_remove or lexical_only:
            collection.delete(ids=to_remove + lexical_only)
        for start in range(0, len(changed), 500):
            batch = changed[start : start + 500]
            collection.upsert(
                ids=batch,
                embeddings=vectors[start : start + 500],  # type: ignore[arg-type]
                documents=[wanted[cid].text for cid in batch],
                metadatas=[_metadata(wanted[cid]) for cid in batch],
            )
        _write_json(
            staging / MANIFEST,
            {"format": FORMAT_VERSION, "settings": settings, "chunks": new_hashes, "built_at": time.time()},
        )
        _write_chunks(staging / CHUNKS_FILE, chunks)
        del collection, client
        release_clients()
        _swap(staging, index_dir)
    except BaseException:
        release_clients()
        shutil.rmtree(staging, ignore_errors=True)
        raise
    report.seconds = time.perf_counter() - started
    return report


def load_chunks(index_dir: Path) -> list[Chunk]:
    path = index_dir / CHUNKS_FILE
    if read_manifest(index_dir) is None or not path.exists():
        raise InputError(f"{index_dir}: no index here yet; run `isms index build` first")
    chunks = []
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            record = json.loads(line)
            chunks.append(Chunk(**record))
    return chunks


def _metadata(chunk: Chunk) -> dict[str, str]:
    return {"kind": chunk.kind, "ref": chunk.ref, "title": chunk.title, **chunk.metadata}


def _reason(manifest: dict[str, Any] | None, settings: dict[str, Any]) -> str:
    if manifest is None:
        return "no previous index"
    if manifest.get("settings") != settings:
        return "embedding model or chunking settings changed"
    return ""


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(tmp, path)


def _write_chunks(path: Path, chunks: list[Chunk]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as handle:
        for chunk in chunks:
            handle.write(json.dumps(asdict(chunk), ensure_ascii=False) + "\n")
    os.replace(tmp, path)


def _swap(staging: Path, live: Path) -> None:
    old = live.with_name(live.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if live.exists():
        live.rename(old)
    staging.rename(live)
    shutil.rmtree(old, ignore_errors=True)
