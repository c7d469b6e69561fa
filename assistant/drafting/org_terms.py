"""Words that only this organisation's inputs use: its people, tools, suppliers, places and risks. A
sentence naming one (or a number with a unit, a date or a risk id) states a fact of the organisation."""

from __future__ import annotations

import re

from assistant.knowledge.loader import Corpus

_CAPITALISED = re.compile(r"\b[A-Z][A-Za-z0-9&+-]{1,}\b")
_QUANTITY = re.compile(
    r"\b\d+(?:[.,]\d+)?\s*(?:%|h\b|hours?|days?|working days?|weeks?|months?|years?|people|staff|"
    r"employees|minutes?|GB|TB)|\b20\d\d-\d\d-\d\d\b|\bQ[1-4] 20\d\d\b",
    re.I,
)
_NOT_ORG = {"ISMS", "ISO", "IEC", "Annex", "SoA", "The", "This", "All", "Each", "Every"}


class OrgTerms:
    def __init__(self, org_text: str, org_names: list[str], corpus: Corpus, risk_ids: list[str]) -> None:
        common = set(re.findall(r"\b[a-z][a-z0-9-]+\b", _corpus_text(corpus)))
        own = {w for name in org_names for w in name.split()}
        self.terms = {
            w
            for w in _CAPITALISED.findall(org_text)
            if w.lower() not in common and w not in own and w not in _NOT_ORG
        }
        self.risk_ids = set(risk_ids)

    def mentioned_in(self, text: str) -> bool:
        if _QUANTITY.search(text):
            return True
        return any(w in self.terms or w in self.risk_ids for w in re.findall(r"[\w&+-]+", text))


def _corpus_text(corpus: Corpus) -> str:
    parts = [s.establishes for d in corpus.documents.values() for s in d.sections]
    parts += [c.guidance + " " + c.purpose for c in corpus.controls.values()]
    parts += [c.requires for c in corpus.clauses.values()]
    return " ".join(parts)
