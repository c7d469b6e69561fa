"""The harder labelled retrieval set (eval/retrieval/hard_queries.tsv): shape, labels and honesty checks.

No index is built here; `python -m eval.retrieval.score --set hard` measures the search on it.
"""

from __future__ import annotations

import re
from collections import Counter

import pytest

from assistant.knowledge.loader import Corpus, load_corpus
from eval.retrieval.metrics import (
    HARD_QUERIES_FILE,
    HARD_QUERIES_FROZEN,
    QUERIES_FILE,
    LabelledQuery,
    load_queries,
)

CATEGORIES = {"paraphrase", "auditor", "scenario", "confusable", "terse", "typo"}
STOPWORDS = frozenset(
    """a an the and or but of to in on at by for from with without as is are was were be been being
    it its this that these those there their they them we our us you your i me my he she his her
    do does did done how what which who whom when where why can could should would will shall may
    might must not no nor so if then than too very just only all any both each some such own same
    about after before into over under up down out off again once here have has had get got""".split()
)


def content_words(text: str) -> set[str]:
    """Lower-cased words minus stopwords and single letters, each also without a plural -s."""
    found: set[str] = set()
    for word in re.findall(r"[^\W_]+", text.lower()):
        if len(word) < 2 or word in STOPWORDS:
            continue
        found.add(word)
        if len(word) > 3 and word.endswith("s"):
            found.add(word[:-1])
    return found


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    return load_corpus()


@pytest.fixture(scope="module")
def hard() -> list[LabelledQuery]:
    return load_queries(HARD_QUERIES_FILE)


def test_hard_set_and_frozen_copy_parse_and_are_identical(hard: list[LabelledQuery]) -> None:
    assert HARD_QUERIES_FILE.read_bytes() == HARD_QUERIES_FROZEN.read_bytes()
    assert load_queries(HARD_QUERIES_FROZEN) == hard
    assert HARD_QUERIES_FILE.read_text(encoding="utf-8").splitlines()[0].split("\t") == [
        "query",
        "relevant",
        "category",
    ]


def test_hard_set_is_large_balanced_and_unique(hard: list[LabelledQuery]) -> None:
    assert len(hard) >= 110
    counts = Counter(q.category for q in hard)
    assert set(counts) == CATEGORIES
    assert min(counts.values()) >= 18, counts
    texts = [q.text.lower() for q in hard]
    assert len(set(texts)) == len(texts)
    for q in hard:
        assert 1 <= len(q.ordered) <= 3, q.line
        assert q.ordered[0] in q.relevant


def test_every_label_exists_in_the_corpus(hard: list[LabelledQuery], corpus: Corpus) -> None:
    known = set(corpus.controls) | set(corpus.clauses)
    unknown = [(q.line, i) for q in hard for i in q.ordered if i not in known]
    assert unknown == []


def test_no_query_repeats_the_labelled_set(hard: list[LabelledQuery]) -> None:
    labelled = {q.text.strip().lower() for q in load_queries(QUERIES_FILE)}
    repeated = [q.text for q in hard if q.text.strip().lower() in labelled]
    assert repeated == []


def test_paraphrases_share_no_content_word_with_their_target(
    hard: list[LabelledQuery], corpus: Corpus
) -> None:
    leaks: list[tuple[int, str, list[str]]] = []
    for q in hard:
        if q.category != "paraphrase":
            continue
        best = q.ordered[0]
        entry = corpus.controls.get(best) or corpus.clauses[best]
        vocabulary = " ".join([entry.title, *getattr(entry, "keywords", [])])
        shared = content_words(q.text) & content_words(vocabulary)
        if shared:
            leaks.append((q.line, best, sorted(shared)))
    assert leaks == []


def test_content_words_ignores_stopwords_and_plurals() -> None:
    assert content_words("Who checks the Laptops?") == {"checks", "check", "laptops", "laptop"}
