"""A query as a security lead types it, made searchable: short forms gain the words they stand for
(`corpus/search-terms.yaml`: "MDM" adds "mobile device management ...") and a word the index has never
seen is read as the index word one slip of the keyboard away ("pasword" is "password", "encrpytion" is
"encryption"), the most frequent such word when there are several.

Only words of six letters or more are corrected, and only to words the index holds at least twice, so
ordinary words the guidance happens not to use are left alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from assistant.errors import InputError
from assistant.yamlio import load_yaml

TERMS_FILE = "search-terms.yaml"
WORD = re.compile(r"[A-Za-z][A-Za-z0-9/+-]*[A-Za-z0-9]|[A-Za-z]")
LETTERS = "abcdefghijklmnopqrstuvwxyz"
MIN_CORRECTED = 6  # shorter words are too often right and merely absent
MIN_SEEN = 2  # a correction must be a word the index uses more than once


def load_abbreviations(corpus_dir: Path) -> dict[str, str]:
    """The short forms of `corpus/search-terms.yaml`, keyed in lower case; none when the file is absent."""
    path = corpus_dir / TERMS_FILE
    if not path.exists():
        return {}
    data, _lines = load_yaml(path, what="search terms")
    table = (data or {}).get("abbreviations") if isinstance(data, dict) else None
    if not isinstance(table, dict) or not all(
        isinstance(k, str | int) and isinstance(v, str) and v.strip() for k, v in table.items()
    ):
        raise InputError(f"{path}: `abbreviations:` must map each short form to the words it stands for")
    return {str(k).lower(): " ".join(v.split()) for k, v in table.items()}


class QueryTerms:
    def __init__(self, texts: Iterable[str], abbreviations: dict[str, str]) -> None:
        self.seen: Counter[str] = Counter(w.lower() for text in texts for w in WORD.findall(text))
        self.abbreviations = abbreviations

    def normalise(self, query: str) -> str:
        """The query with its misspelt words corrected and the meaning of its short forms appended."""
        added: list[str] = []
        out: list[str] = []
        last = 0
        for match in WORD.finditer(query):
            word = match.group()
            lower = word.lower()
            expansion = self.abbreviations.get(lower)
            if expansion is not None:
                if expansion not in added:
                    added.append(expansion)
                continue
            fixed = self.correct(lower)
            if fixed != lower:
                out += [query[last : match.start()], fixed]
                last = match.end()
        out.append(query[last:])
        text = "".join(out)
        return f"{text} ({'; '.join(added)})" if added else text

    def correct(self, word: str) -> str:
        if len(word) < MIN_CORRECTED or word in self.seen or not word.isalpha():
            return word
        candidates = [(self.seen[c], c) for c in _one_slip(word) if self.seen.get(c, 0) >= MIN_SEEN]
        return max(candidates)[1] if candidates else word


def _one_slip(word: str) -> set[str]:
    """Every string one deletion, swap of neighbours, replacement or insertion away from `word`."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    swaps = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in LETTERS}
    inserts = {a + c + b for a, b in splits for c in LETTERS}
    return deletes | swaps | replaces | inserts
