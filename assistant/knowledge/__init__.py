"""The corpus: clauses 4-10, the 93 Annex A controls and the document catalogue, in our own words."""

from assistant.knowledge.loader import Corpus, load_corpus

__all__ = ["Corpus", "load_corpus"]
