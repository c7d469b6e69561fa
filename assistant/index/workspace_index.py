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
    RedactingEmbedder,
    offline_embedder,
)
from assistant.index.ingest import ingest_folder
from assistant.index.search import Mode, Retriever
from assistant.inputs.profile import Profile, load_profile
from assistant.inputs.risks import load_risks
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import Corpus, load_corpus
from assistant.redact import check_local_only, redactor_for
from assistant.settings import Settings

EMBEDDING_SETTINGS = "ISMS_EMBEDDING_PROVIDER, ISMS_EMBEDDING_MODEL, ISMS_EMBEDDING_BASE_URL"


@dataclass
class SourcesReport:
    chunks: list[Chunk]
    documents: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)


def index_dir(ws: Workspace) -> Path:
    return ws.state_dir / "index"


def embedder_for(
    settings: Settings, cache_dir: Path | None = None, *, profile: Profile | None = None
) -> tuple[str, Callable[[], Embedder]]:
    """The offline MiniLM model unless ISMS_EMBEDDING_PROVIDER=openai, whatever the chat provider is.

    The name (recorded in the index manifest) says provider and model, so a switch rebuilds the index
    instead of mixing vectors. Remote texts are redacted first (secrets always; personal data
    per ISMS_REDACT_PII, naming `profile`'s people as known), ISMS_LOCAL_ONLY is checked before any
    request, and vectors are cached on disk under `cache_dir`, so an unchanged re-run sends nothing.
    """
    if settings.embedding_provider != "openai":
        if settings.embedding_model != OFFLINE_MODEL:
            raise InputError(
                f"ISMS_EMBEDDING_MODEL: the offline embedding provider has only {OFFLINE_MODEL}, found "
                f"{settings.embedding_model!r}; set ISMS_EMBEDDING_PROVIDER=openai to use another model"
            )
        return f"sentence-transformers/{OFFLINE_MODEL}", offline_embedder
    model = settings.resolved_embedding_model
    url = settings.resolved_embedding_base_url
    what = "indexing (ISMS_EMBEDDING_PROVIDER=openai)"
    check_local_only(settings, url, what)
    key = settings.api_key.get_secret_value() if settings.api_key else None
    name = f"openai/{model}"

    def make() -> Embedder:
        check_local_only(settings, url, what)
        api = OpenAIEmbedder(model, key, url, settings.timeout_seconds, name=name)
        guarded = RedactingEmbedder(
            api, redactor_for(settings, profile, url), lambda: check_local_only(settings, url, what)
        )
        return CachedEmbedder(guarded, cache_dir) if cache_dir is not None else guarded

    return name, make


def _embedder(settings: Settings, ws: Workspace) -> tuple[str, Callable[[], Embedder]]:
    cache = ws.state_dir / "cache" / "embeddings"
    if settings.embedding_provider != "openai":
        return embedder_for(settings, cache)  # no text leaves the machine: no profile needed
    return embedder_for(settings, cache, profile=_profile_or_none(ws))


def _profile_or_none(ws: Workspace) -> Profile | None:
    """The profile names the people whose addresses are kept; without one, every address is redacted."""
    try:
        return load_profile(ws.profile_path) if ws.profile_path.exists() else None
    except InputError:
        return None


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
    name, make = _embedder(settings, ws)
    report = store.build(index_dir(ws), sources.chunks, name, make, progress=progress)
    report.seconds = time.perf_counter() - started
    return report, sources


def open_retriever(ws: Workspace, settings: Settings, mode: Mode = "hybrid") -> Retriever:
    manifest = store.read_manifest(index_dir(ws))
    if manifest is None:
        raise InputError(
            f"{ws.root}: the workspace has no index yet; run `isms index build --workspace {ws.root}`"
        )
    name, make = _embedder(settings, ws)
    if manifest["settings"]["embedder"] != name:
        raise InputError(
            f"the index was built with {manifest['settings']['embedder']} but the embedding settings "
            f"({EMBEDDING_SETTINGS}) give {name}; run `isms index build` again to rebuild it"
        )
    from assistant.index.query_terms import load_abbreviations

    return Retriever(index_dir(ws), make, mode=mode, abbreviations=load_abbreviations(settings.corpus_dir))


def _relative(ws: Workspace, path: Path) -> str:
    resolved = path.resolve()
    return str(resolved.relative_to(ws.root)) if resolved.is_relative_to(ws.root) else str(path)
