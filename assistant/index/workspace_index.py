"""Index a workspace: gather every source, build incrementally, open a retriever."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.errors import InputError
from assistant.index import store
from assistant.index.chunks import Chunk, corpus_chunks, document_chunks, profile_chunks, risk_chunks
from assistant.index.embeddings import (
    OFFLINE_MODEL,
    CachedEmbedder,
    Embedder,
    OpenAIEmbedder,
    offline_embedder,
)
from assistant.index.ingest import ingest_folder
from assistant.index.search import Mode, Retriever
from assistant.inputs.profile import load_profile
from assistant.inputs.risks import load_risks
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import Corpus, load_corpus
from assistant.settings import Settings

OPENAI_EMBEDDING_MODEL = "text-embedding-3-small"


@dataclass
class SourcesReport:
    chunks: list[Chunk]
    documents: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


def index_dir(ws: Workspace) -> Path:
    return ws.state_dir / "index"


def embedder_for(settings: Settings, cache_dir: Path | None = None) -> tuple[str, Callable[[], Embedder]]:
    """The offline MiniLM model by default; the OpenAI embeddings API when the openai provider is in use.

    API embeddings are cached on disk under `cache_dir`, so an unchanged re-run sends no request.
    """
    if settings.resolved_provider == "openai":
        key = settings.api_key.get_secret_value() if settings.api_key else None
        name = f"openai/{OPENAI_EMBEDDING_MODEL}"

        def make() -> Embedder:
            api = OpenAIEmbedder(OPENAI_EMBEDDING_MODEL, key, settings.base_url, settings.timeout_seconds)
            return CachedEmbedder(api, cache_dir) if cache_dir is not None else api

        return name, make
    return f"sentence-transformers/{OFFLINE_MODEL}", offline_embedder


def gather(ws: Workspace, corpus: Corpus, docs_dir: Path | None = None) -> SourcesReport:
    """Chunks from the corpus, the profile, the risk register and `docs/` (bad files skipped, with reasons)."""
    chunks = corpus_chunks(corpus)
    if ws.profile_path.exists() or ws.profile_override:
        profile = load_profile(ws.profile_path)
        chunks += profile_chunks(profile, _relative(ws, ws.profile_path))
    risks_path = ws.risks_path
    if risks_path is not None:
        chunks += risk_chunks(load_risks(risks_path), _relative(ws, risks_path))
    folder = docs_dir or ws.docs_dir
    if docs_dir is not None and not docs_dir.is_dir():
        raise InputError(f"{docs_dir}: documents folder not found")
    ingested = ingest_folder(folder, ws.root)
    for document in ingested.documents:
        chunks += document_chunks(document)
    return SourcesReport(chunks=chunks, documents=len(ingested.documents), skipped=ingested.skipped)


def build_workspace_index(
    ws: Workspace,
    settings: Settings,
    *,
    docs_dir: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[store.BuildReport, SourcesReport]:
    started = time.perf_counter()
    corpus = load_corpus(settings.corpus_dir)
    sources = gather(ws, corpus, docs_dir)
    name, make = embedder_for(settings, ws.state_dir / "cache" / "embeddings")
    report = store.build(index_dir(ws), sources.chunks, name, make, progress=progress)
    report.seconds = time.perf_counter() - started
    return report, sources


def open_retriever(ws: Workspace, settings: Settings, mode: Mode = "hybrid") -> Retriever:
    manifest = store.read_manifest(index_dir(ws))
    if manifest is None:
        raise InputError(
            f"{ws.root}: the workspace has no index yet; run `isms index build --workspace {ws.root}`"
        )
    name, make = embedder_for(settings, ws.state_dir / "cache" / "embeddings")
    if manifest["settings"]["embedder"] != name:
        raise InputError(
            f"the index was built with {manifest['settings']['embedder']} but the settings use {name}; "
            "run `isms index build` again"
        )
    return Retriever(index_dir(ws), make, mode=mode)


def _relative(ws: Workspace, path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ws.root)) if resolved.is_relative_to(ws.root) else str(path)
