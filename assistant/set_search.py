"""Search the current document set: one query finds sentences of the generated documents (by section),
the documents themselves, and the controls and clauses the question is about.

Sentences come from the Markdown files in the workspace's out/ folder, cut by the shared segmenter and
ranked lexically (bm25s, English stop words, Snowball stemming), so "how long are logs kept" finds the
sentence "Logs are kept for 400 days". The index is built once per state of the folder (file names, sizes
and modification times) and reused by every later query. Controls and clauses come from the workspace
index when one has been built (`isms index build`), else from a small lexical index of the corpus. A control
or clause hit lists the documents of the set that cite it (`[A.8.15]` in their text).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import frontmatter
import yaml

from assistant.documents.markdown import ANNEX_HEADING
from assistant.documents.segments import segment
from assistant.errors import IsmsError
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import Corpus
from assistant.settings import Settings

CITATION = re.compile(r"\[((?:A\.)?\d+(?:\.\d+)+)\]")
_ID_IN_QUERY = re.compile(r"(?<![\w.])((?:[Aa]\.)?\d{1,2}(?:\.\d{1,2})+)(?!\w)")
_ONLY_CITATIONS = re.compile(r"^(?:\[(?:A\.)?\d+(?:\.\d+)+\]\s*)+$")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-.!|$~])")
ID_BONUS = 1000.0  # a sentence citing an id the query names ranks above every word match
TITLE_BOOST = 0.25  # per query word in its document's title: the topic's own document says it first


@dataclass(frozen=True)
class SentenceHit:
    """One sentence (or list item, or table row) of a document in the set."""

    doc_id: str
    title: str
    section: str  # the "## " heading it stands under ("" before the first one)
    text: str
    score: float


@dataclass(frozen=True)
class DocumentHit:
    """A document of the set whose title or section headings match the query."""

    doc_id: str
    title: str
    score: float


@dataclass(frozen=True)
class Citation:
    """Where a document of the set cites a control or clause: the first section that does."""

    doc_id: str
    title: str
    section: str


@dataclass(frozen=True)
class EntryHit:
    """A control or clause of the standard, with the documents of the set that cite it."""

    id: str
    kind: str  # "control" or "clause"
    title: str
    score: float
    cited_by: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Results:
    """Everything one query found, best first in each group."""

    query: str
    sentences: list[SentenceHit]
    documents: list[DocumentHit]
    entries: list[EntryHit]
    entries_from: str  # "index" (the workspace index) or "corpus" (the lexical fallback)


@dataclass(frozen=True)
class _Unit:
    doc_id: str
    section: str
    text: str
    cites: frozenset[str]


@dataclass
class SetIndex:
    """The sentences of one state of the output folder, ready to be searched."""

    titles: dict[str, str]  # document id -> title, in file name order
    headings: dict[str, list[str]]  # document id -> its section headings, in order
    units: list[_Unit]
    citations: dict[str, list[Citation]]  # control or clause id -> documents citing it
    title_stems: dict[str, set[str]] = field(default_factory=dict)  # document id -> its title's stems
    _bm25: Any = field(default=None, repr=False)
    _documents_bm25: Any = field(default=None, repr=False)
    _terms: Any = field(default=None, repr=False)  # the query normaliser over this set's words

    def normalise(self, query: str, corpus_dir: Path) -> str:
        """The query with its short forms spelled out and one-slip misspellings of the set's words mended
        (`assistant/index/query_terms.py`), as the guidance search reads it."""
        if self._terms is None:
            from assistant.index.query_terms import QueryTerms, load_abbreviations

            self._terms = QueryTerms((u.text for u in self.units), load_abbreviations(corpus_dir))
        return str(self._terms.normalise(query))


# The words of a question about where something is said, which no sentence answers by repeating.
QUESTION_WORDS = tuple(
    "where how what who whom whose when which why do does did we our us you your say says said mention mentioned".split()
)


def _tokenize(texts: list[str]) -> Any:
    import bm25s
    from bm25s.stopwords import STOPWORDS_EN

    words = [*STOPWORDS_EN, *QUESTION_WORDS]
    return bm25s.tokenize(texts, stopwords=words, stemmer=_stemmer(), show_progress=False)


_STEMMER: list[Any] = []


def _stemmer() -> Any:
    """One Snowball stemmer per process (PyStemmer)."""
    if not _STEMMER:
        import Stemmer

        _STEMMER.append(Stemmer.Stemmer("english"))
    return _STEMMER[0]


def _bm25_over(texts: list[str]) -> Any:
    import bm25s

    model = bm25s.BM25()
    if texts:
        model.index(_tokenize(texts), show_progress=False)
    return model


def _ranked(model: Any, size: int, query: str, k: int) -> list[tuple[int, float]]:
    """(position, score) of the texts `model` holds that share a word with `query`, best first."""
    tokens = _tokenize([query])
    if not size or not tokens.ids or not tokens.ids[0]:
        return []
    docs, scores = model.retrieve(tokens, k=min(k, size), show_progress=False)
    return [(int(i), float(s)) for i, s in zip(docs[0], scores[0], strict=True) if s > 0]


def read_set(out_dir: Path) -> SetIndex:
    """Read every document of the set (`<id>.md` with front matter naming its id) in `out_dir`."""
    titles: dict[str, str] = {}
    headings: dict[str, list[str]] = {}
    units: list[_Unit] = []
    for path in sorted(out_dir.glob("*.md")) if out_dir.is_dir() else []:
        parsed = _read_markdown(path)
        if parsed is None:
            continue
        doc_id, title, body = parsed
        titles[doc_id], headings[doc_id] = title, []
        for unit in segment(body):
            if unit.section == ANNEX_HEADING:
                continue
            if unit.section and unit.section not in headings[doc_id]:
                headings[doc_id].append(unit.section)
            _add(units, _Unit(doc_id, unit.section, unit.labelled(), frozenset(CITATION.findall(unit.text))))
    index = SetIndex(titles, headings, units, _citations(units, titles))
    index.title_stems = {d: query_stems(title) for d, title in titles.items()}
    index._bm25 = _bm25_over([f"{u.text} {u.section} {titles[u.doc_id]}" for u in units])
    index._documents_bm25 = _bm25_over([f"{titles[d]} {titles[d]} {' '.join(headings[d])}" for d in titles])
    return index


def _add(units: list[_Unit], unit: _Unit) -> None:
    """Append `unit`; a citation standing alone ("[A.8.15]" after a full stop) joins the sentence before."""
    last = units[-1] if units else None
    if (
        _ONLY_CITATIONS.match(unit.text)
        and last
        and (last.doc_id, last.section) == (unit.doc_id, unit.section)
    ):
        units[-1] = _Unit(last.doc_id, last.section, f"{last.text} {unit.text}", last.cites | unit.cites)
    else:
        units.append(unit)


def _read_markdown(path: Path) -> tuple[str, str, str] | None:
    """(id, title, body) of a document file; None for other Markdown (decisions.md) or an unreadable file."""
    try:
        post = frontmatter.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError):
        return None
    doc_id = post.metadata.get("id") if isinstance(post.metadata, dict) else None
    if not isinstance(doc_id, str) or not doc_id:
        return None
    title = str(post.metadata.get("title") or doc_id)
    return doc_id, title, post.content


def _citations(units: list[_Unit], titles: dict[str, str]) -> dict[str, list[Citation]]:
    found: dict[str, list[Citation]] = {}
    for unit in units:
        for cited in unit.cites:
            citing = found.setdefault(cited, [])
            if all(c.doc_id != unit.doc_id for c in citing):
                citing.append(Citation(unit.doc_id, titles[unit.doc_id], unit.section))
    return found


_SETS: dict[str, tuple[tuple[tuple[str, int, int], ...], SetIndex]] = {}
_LOCK = threading.Lock()


def _signature(out_dir: Path) -> tuple[tuple[str, int, int], ...]:
    """Changes when a Markdown file of the folder is added, removed or written."""
    if not out_dir.is_dir():
        return ()
    found = []
    for path in sorted(out_dir.glob("*.md")):
        try:
            stat = path.stat()
        except OSError:
            continue
        found.append((path.name, stat.st_mtime_ns, stat.st_size))
    return tuple(found)


def set_index(out_dir: Path) -> SetIndex:
    """The set's index, built on first use and again only when the folder's Markdown files change."""
    key, signature = str(out_dir.resolve()), _signature(out_dir)
    with _LOCK:
        cached = _SETS.get(key)
        if cached is not None and cached[0] == signature:
            return cached[1]
    index = read_set(out_dir)
    with _LOCK:
        _SETS[key] = (signature, index)
    return index


def named_ids(query: str, corpus: Corpus) -> list[str]:
    """Control and clause ids the query names ("A.8.15", "a.8.15", "8.15" for the control, "9.2")."""
    found: list[str] = []
    for raw in _ID_IN_QUERY.findall(query):
        candidate = raw.upper() if raw[:1] in "aA" else raw
        if candidate not in corpus.controls and candidate not in corpus.clauses:
            candidate = f"A.{raw}" if not raw.upper().startswith("A.") else candidate
        if (candidate in corpus.controls or candidate in corpus.clauses) and candidate not in found:
            found.append(candidate)
    return found


# Question idioms a sentence rarely repeats, said the way documents say them ("how long" -> "kept for
# 400 days", "retention period"); added to the query's own words.
_IDIOMS = (
    (re.compile(r"\bhow long\b", re.I), "period days months years retention"),
    (re.compile(r"\bhow often\b", re.I), "frequency every daily weekly monthly quarterly annually"),
    (re.compile(r"\b(?:kept|keep|keeps|store|stored|retain|retained)\b", re.I), "kept retained retention"),
    (re.compile(r"\bwho\b", re.I), "owner responsible"),
)


def _without_ids(query: str) -> str:
    return _ID_IN_QUERY.sub(" ", query)


def expanded(query: str) -> str:
    """The query's words (ids left out) and the document words its question idioms stand for."""
    words = _without_ids(query)
    extra = [more for pattern, more in _IDIOMS if pattern.search(words)]
    return " ".join([words, *extra])


def search_sentences(index: SetIndex, query: str, ids: Sequence[str] = (), k: int = 10) -> list[SentenceHit]:
    """Sentences of the set, best first: those citing an id the query names, then word matches."""
    scores: dict[int, float] = {}
    stems = query_stems(_without_ids(query))
    boost = {d: 1.0 + TITLE_BOOST * len(stems & index.title_stems[d]) for d in index.titles}
    for position, score in _ranked(index._bm25, len(index.units), expanded(query), max(k * 5, 50)):
        scores[position] = score * boost[index.units[position].doc_id]
    if ids:
        for position, unit in enumerate(index.units):
            if unit.cites.intersection(ids):
                scores[position] = scores.get(position, 0.0) + ID_BONUS
    ordered = sorted(scores.items(), key=lambda item: (-item[1], item[0]))[:k]
    return [_sentence_hit(index, position, score) for position, score in ordered]


def _sentence_hit(index: SetIndex, position: int, score: float) -> SentenceHit:
    unit = index.units[position]
    return SentenceHit(unit.doc_id, index.titles[unit.doc_id], unit.section, unit.text, round(score, 4))


def search_documents(index: SetIndex, query: str, k: int = 5) -> list[DocumentHit]:
    """Documents of the set whose title shares a word with the query, ranked by title and headings."""
    ids, stems = list(index.titles), query_stems(_without_ids(query))
    ranked = _ranked(index._documents_bm25, len(ids), _without_ids(query), len(ids))
    named = [(ids[position], score) for position, score in ranked if stems & index.title_stems[ids[position]]]
    return [DocumentHit(doc_id, index.titles[doc_id], round(score, 4)) for doc_id, score in named[:k]]


_CORPUS: dict[tuple[str, int, int], tuple[list[tuple[str, str, str]], list[set[str]], Any]] = {}


def _corpus_index(corpus: Corpus) -> tuple[list[tuple[str, str, str]], list[set[str]], Any]:
    """(id, kind, title) of every control and clause, their titles' stems, and a bm25 index of their
    titles, keywords and purpose; built once per corpus."""
    key = (str(corpus.root), len(corpus.controls), len(corpus.clauses))
    with _LOCK:
        if key in _CORPUS:
            return _CORPUS[key]
    entries: list[tuple[str, str, str]] = []
    texts: list[str] = []
    for control in corpus.ordered_controls():
        entries.append((control.id, "control", control.title))
        texts.append(f"{control.title} {' '.join(control.keywords)} {control.purpose}")
    for clause in corpus.ordered_clauses():
        entries.append((clause.id, "clause", clause.title))
        texts.append(f"{clause.title} {clause.requires}")
    built = (entries, [query_stems(title) for _id, _kind, title in entries], _bm25_over(texts))
    with _LOCK:
        _CORPUS[key] = built
    return built


def corpus_entries(corpus: Corpus, query: str, k: int = 5) -> list[tuple[str, str, str, float]]:
    """(id, kind, title, score) of controls and clauses by the words of the query (no index needed); an
    entry whose title holds a query word counts double per such word."""
    entries, title_stems, model = _corpus_index(corpus)
    stems = query_stems(query)
    ranked = [
        (position, score * (1 + len(stems & title_stems[position])))
        for position, score in _ranked(model, len(entries), expanded(query), len(entries))
    ]
    ranked.sort(key=lambda item: (-item[1], item[0]))
    return [(*entries[position], round(score, 4)) for position, score in ranked[:k]]


def index_entries(retriever: Any, query: str, k: int = 5) -> list[tuple[str, str, str, float]]:
    """(id, kind, title, score) of controls and clauses from the workspace index's retriever; a retriever
    whose embedding model cannot be loaded answers lexically."""
    from assistant.index.search import Filters

    filters = Filters(kinds=("control", "clause"))
    try:
        hits = retriever.search(query, k=k, filters=filters)
    except Exception:  # the dense half failed (no model, no collection): the index's own lexical ranking
        hits = retriever.search(query, k=k, filters=filters, mode="lexical")
    return [(h.id, h.kind, h.title, round(h.score, 6)) for h in hits]


def search_entries(
    corpus: Corpus, index: SetIndex, query: str, retriever: Any = None, k: int = 5
) -> list[EntryHit]:
    """Controls and clauses: those the query names first, then the retriever's (or the corpus's) ranking;
    each with the documents of the set that cite it."""
    found: dict[str, tuple[str, str, float]] = {}
    for cid in named_ids(query, corpus):
        found[cid] = (_kind(cid, corpus), _entry_title(cid, corpus), ID_BONUS)
    words = _without_ids(query).strip()
    if words:
        ranked = (
            index_entries(retriever, query, k) if retriever is not None else corpus_entries(corpus, words, k)
        )
        for cid, kind, title, score in ranked:
            found.setdefault(cid, (kind, title, score))
    hits = [
        EntryHit(cid, kind, title, score, tuple(index.citations.get(cid, ())))
        for cid, (kind, title, score) in found.items()
    ]
    return hits[: max(k, len(named_ids(query, corpus)))]


def _kind(cid: str, corpus: Corpus) -> str:
    return "control" if cid in corpus.controls else "clause"


def _entry_title(cid: str, corpus: Corpus) -> str:
    entry = corpus.controls.get(cid) or corpus.clauses.get(cid)
    return entry.title if entry is not None else cid


def search(out_dir: Path, corpus: Corpus, query: str, retriever: Any = None, k: int = 10) -> Results:
    """Everything the query finds in the set in `out_dir` and in the standard (see the module's note)."""
    index = set_index(out_dir)
    ids = named_ids(query, corpus)
    return Results(
        query=query,
        sentences=search_sentences(index, index.normalise(query, corpus.root), ids, k),
        documents=search_documents(index, query, 5),
        entries=search_entries(corpus, index, query, retriever, 5),
        entries_from="index" if retriever is not None else "corpus",
    )


def query_stems(query: str) -> set[str]:
    """The stems of the query's words, stop words left out (what `bolded` marks)."""
    tokens = _tokenize([query.lower()])
    vocab = {index: word for word, index in tokens.vocab.items()}
    return {vocab[i] for i in (tokens.ids[0] if tokens.ids else [])}


def bolded(text: str, query: str) -> str:
    """`text` as Markdown with every word sharing a stem with a query word in bold (and control or clause
    ids the query names); everything else escaped so it shows as written."""
    stems = query_stems(_without_ids(query))
    ids = {m.upper() for m in _ID_IN_QUERY.findall(query)} | {f"A.{m}" for m in _ID_IN_QUERY.findall(query)}
    pieces: list[str] = []
    last = 0
    for match in re.finditer(r"(?:A\.)?\d+(?:\.\d+)+|\w+", text):
        pieces.append(escape_markdown(text[last : match.start()]))
        word = match.group(0)
        hit = word.upper() in ids if "." in word else _stemmer().stemWord(word.lower()) in stems
        pieces.append(f"**{escape_markdown(word)}**" if hit else escape_markdown(word))
        last = match.end()
    pieces.append(escape_markdown(text[last:]))
    return "".join(pieces)


def escape_markdown(text: str) -> str:
    """`text` shown as written by Streamlit's Markdown (no emphasis, links, LaTeX or HTML)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


_RETRIEVERS: dict[str, tuple[int, Any]] = {}


def workspace_retriever(ws: Workspace, settings: Settings) -> Any | None:
    """The workspace index's retriever, opened once per build of the index; None when there is no index or
    it cannot be opened with these settings (then the corpus answers instead)."""
    from assistant.index.store import MANIFEST
    from assistant.index.workspace_index import index_dir, open_retriever

    manifest = index_dir(ws) / MANIFEST
    try:
        stamp = manifest.stat().st_mtime_ns
    except OSError:
        return None
    key = str(manifest)
    with _LOCK:
        cached = _RETRIEVERS.get(key)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    try:
        retriever = open_retriever(ws, settings)
    except IsmsError:
        return None
    with _LOCK:
        _RETRIEVERS[key] = (stamp, retriever)
    return retriever
