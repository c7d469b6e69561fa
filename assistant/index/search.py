"""Hybrid retrieval: dense (chromadb) and lexical (bm25s) rankings fused by reciprocal rank."""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from assistant.index.chunks import Chunk
from assistant.index.embeddings import Embedder
from assistant.index.store import COLLECTION, chroma_client, load_chunks, read_manifest

Mode = Literal["hybrid", "dense", "lexical"]
GUIDANCE_KINDS = ("control", "clause", "document")
# A question about the organisation's own practice ("how long do we keep logs?", "our MFA") asks for its
# facts, risks and documents first; any other question asks for the guidance first. The other group's
# entries stay in the ranking with their score scaled by OTHER_INTENT.
OWN_PRACTICE = re.compile(r"\b(?:we|we're|we've|our|ours|us)\b", re.I)
OTHER_INTENT = 0.5
RRF_K = 60
CANDIDATES = 150  # chunks each ranking passes to the fusion (every entry with a fair chance)
EXACT_LIMIT = 5000  # up to this many stored vectors, search them all (exact, deterministic) instead of HNSW


@dataclass(frozen=True)
class ChunkHit:
    chunk: Chunk
    score: float


@dataclass(frozen=True)
class Hit:
    """A search result at the level of an entry: a control, a clause, a document or an organisation fact."""

    id: str
    kind: str
    title: str
    score: float
    chunks: tuple[ChunkHit, ...]

    def as_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "title": self.title, "score": round(self.score, 6)}


@dataclass(frozen=True)
class Filters:
    kinds: tuple[str, ...] = ()
    themes: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()

    def accepts(self, chunk: Chunk) -> bool:
        return (
            (not self.kinds or chunk.kind in self.kinds)
            and (not self.themes or chunk.metadata.get("theme") in self.themes)
            and (not self.ids or chunk.ref in self.ids)
        )

    def where(self) -> dict[str, Any] | None:
        clauses: list[dict[str, Any]] = []
        if self.kinds:
            clauses.append({"kind": {"$in": list(self.kinds)}})
        if self.themes:
            clauses.append({"theme": {"$in": list(self.themes)}})
        if self.ids:
            clauses.append({"ref": {"$in": list(self.ids)}})
        if not clauses:
            return None
        return clauses[0] if len(clauses) == 1 else {"$and": clauses}


class Retriever:
    """Loads the index once; answers many queries (the embedding model is loaded on first dense query)."""

    def __init__(
        self,
        index_dir: Path,
        make_embedder: Callable[[], Embedder],
        mode: Mode = "hybrid",
        abbreviations: dict[str, str] | None = None,
    ) -> None:
        import bm25s
        import Stemmer

        from assistant.index.query_terms import QueryTerms

        self.index_dir = index_dir
        self.mode = mode
        self.manifest = read_manifest(index_dir)
        self.chunks = load_chunks(index_dir)
        self._by_id = {c.chunk_id: c for c in self.chunks}
        self._make_embedder = make_embedder
        self._embedder: Embedder | None = None
        self._collection: Any = None
        self._exact: tuple[list[str], Any] | None = None  # (chunk ids sorted, unit vectors) for exact search
        self._open_lock = threading.Lock()
        self._stemmer = Stemmer.Stemmer("english")
        self._bm25 = bm25s.BM25()
        self._bm25.index(self._tokenize([f"{c.title} {c.text}" for c in self.chunks]), show_progress=False)
        # Short forms and one-slip misspellings read as the index's own words, before either ranking.
        self.terms = QueryTerms((f"{c.title} {c.text}" for c in self.chunks), abbreviations or {})

    def _tokenize(self, texts: list[str]) -> Any:
        import bm25s

        return bm25s.tokenize(texts, stopwords="en", stemmer=self._stemmer, show_progress=False)

    def warm(self) -> None:
        """Load the embedding model and open the collection now rather than on the first query."""
        if self.mode != "lexical":
            self._dense_ranking("warm up", Filters())

    def search_chunks(
        self, query: str, k: int = 20, filters: Filters | None = None, mode: Mode | None = None
    ) -> list[ChunkHit]:
        filters = filters or Filters()
        mode = mode or self.mode
        query = self.terms.normalise(query)
        rankings: list[list[str]] = []
        if mode in ("hybrid", "dense"):
            rankings.append(self._dense_ranking(query, filters))
        if mode in ("hybrid", "lexical"):
            rankings.append(self._lexical_ranking(query, filters))
        fused = _rrf(rankings)
        ordered = sorted(fused.items(), key=lambda kv: -kv[1])[:k]
        return [ChunkHit(self._by_id[cid], score) for cid, score in ordered]

    def search(
        self, query: str, k: int = 5, filters: Filters | None = None, mode: Mode | None = None
    ) -> list[Hit]:
        """Entries (not chunks) ranked by their best chunk, routed by the question's intent (see
        OWN_PRACTICE) unless `filters` names the kinds."""
        hits = self.search_chunks(query, k=CANDIDATES, filters=filters, mode=mode)
        grouped: dict[str, list[ChunkHit]] = {}
        for hit in hits:
            grouped.setdefault(hit.chunk.ref, []).append(hit)
        own = OWN_PRACTICE.search(query) is not None
        routed = not (filters and filters.kinds)  # kinds asked for explicitly are ranked as they come

        def weight(kind: str) -> float:
            wanted = (kind not in GUIDANCE_KINDS) if own else (kind in GUIDANCE_KINDS)
            return 1.0 if wanted or not routed else OTHER_INTENT

        entries = [
            Hit(
                id=ref,
                kind=group[0].chunk.kind,
                title=group[0].chunk.title,
                score=(group[0].score + 0.1 * sum(h.score for h in group[1:])) * weight(group[0].chunk.kind),
                chunks=tuple(group),
            )
            for ref, group in grouped.items()
        ]
        entries.sort(key=lambda h: -h.score)
        return entries[:k]

    def _dense_ranking(self, query: str, filters: Filters) -> list[str]:
        return [cid for cid, _score in self.dense_scores(query, filters)]

    def dense_scores(self, query: str, filters: Filters | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity), best first. Under EXACT_LIMIT stored vectors every vector is
        compared (numpy, ties broken by chunk id), so identical indexes give identical rankings; a larger
        index uses chromadb's approximate HNSW search."""
        filters = filters or Filters()
        with self._open_lock:  # drafting threads share one model and one chromadb client
            if self._embedder is None:
                self._embedder = self._make_embedder()
            if self._collection is None:
                self._collection = chroma_client(self.index_dir / "chroma").get_collection(COLLECTION)
                if self._collection.count() <= EXACT_LIMIT:
                    self._exact = _load_vectors(self._collection)
        vector = self._embedder.embed([query])[0]
        if self._exact is not None:
            return self._exact_scores(vector, filters)
        result = self._collection.query(
            query_embeddings=[vector],
            n_results=min(CANDIDATES, len(self.chunks)),
            where=filters.where(),
            include=["distances"],
        )
        return [
            (cid, 1.0 - float(d)) for cid, d in zip(result["ids"][0], result["distances"][0], strict=True)
        ]

    def _exact_scores(self, vector: list[float], filters: Filters) -> list[tuple[str, float]]:
        import numpy as np

        assert self._exact is not None
        ids, matrix = self._exact
        if not ids:
            return []
        query = np.asarray(vector, dtype=np.float64)
        norm = float(np.linalg.norm(query)) or 1.0
        scores = matrix @ (query / norm)
        ranked = sorted(
            (
                (cid, float(score))
                for cid, score in zip(ids, scores, strict=True)
                if cid in self._by_id and filters.accepts(self._by_id[cid])
            ),
            key=lambda pair: (-round(pair[1], 9), pair[0]),
        )
        return ranked[:CANDIDATES]

    def _lexical_ranking(self, query: str, filters: Filters) -> list[str]:
        tokens = self._tokenize([query])
        if not tokens.ids or not tokens.ids[0]:
            return []
        n = len(self.chunks)
        docs, scores = self._bm25.retrieve(
            tokens,
            k=n if filters.kinds or filters.themes or filters.ids else min(CANDIDATES, n),
            show_progress=False,
        )
        ranked = [self.chunks[int(i)] for i, s in zip(docs[0], scores[0], strict=True) if s > 0]
        return [c.chunk_id for c in ranked if filters.accepts(c)][:CANDIDATES]


def _load_vectors(collection: Any) -> tuple[list[str], Any]:
    """Every stored vector, normalised, in chunk id order."""
    import numpy as np

    got = collection.get(include=["embeddings"])
    pairs = sorted(zip(got["ids"], got["embeddings"], strict=True), key=lambda p: p[0])
    if not pairs:
        return [], np.zeros((0, 0))
    matrix = np.asarray([v for _cid, v in pairs], dtype=np.float64)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return [cid for cid, _v in pairs], matrix / norms


def _rrf(rankings: Iterable[list[str]]) -> dict[str, float]:
    scores: dict[str, float] = {}
    for ranking in rankings:
        for rank, cid in enumerate(ranking, start=1):
            scores[cid] = scores.get(cid, 0.0) + 1.0 / (RRF_K + rank)
    return scores
