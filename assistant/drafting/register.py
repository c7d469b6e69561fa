"""What kind of sentence is this? The register rules of WRITING.md: a document holds rules, facts of the
organisation, tables built from its data and honestly marked records; never instructions to the writer,
the document describing itself, a control's rationale, evidence checklists or internal codes.

Restated instructions, rationale and evidence lists are found by overlap with the corpus's own text (the
catalogue's section instructions, the control guidance, purposes and evidence lists), not only by word
lists: a drafter that rewrites "State who..." into "This policy states who..." keeps the corpus's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.documents.segments import Unit, split_sentences
from assistant.drafting.org_terms import OrgTerms
from assistant.ids import ROLE_NAMES
from assistant.inputs.profile import Profile
from assistant.knowledge.loader import Corpus

NGRAM = 3
MIN_NGRAMS = 5  # sentences shorter than 7 words are judged by the patterns alone
OVERLAP = 0.5  # share of a sentence's word trigrams found in the corpus's writer-facing text

_DOC_NOUNS = (
    r"policy|procedure|document|plan|register|section|report|record|statement|programme|minutes|"
    r"methodology|annex|table"
)
_SELF_VERBS = (
    r"names?|states?|sets? out|describes?|explains?|defines?|lists?|records?|provides?|notes?|covers?|"
    r"establishes|outlines?|summari[sz]es?|gives?|addresses|meets|documents|captures|specifies|"
    r"identifies|presents|details|shows|contains|includes|is intended|aims"
)
PATTERNS: dict[str, list[re.Pattern[str]]] = {
    "instruction": [
        re.compile(
            r"^(?:State|Describe|Explain|Outline|Summari[sz]e|Mention|Set out|Specify|Name (?:who|the|any|each)|"
            r"Refer to|Make clear|Have top management|Give (?:two|three|an? example|examples)|"
            r"Use a (?:short|simple)|Decide (?:who|what|how|whether)|Write down|Consider|Think about)\b"
        ),
        re.compile(r"\((?:name|state|list|e\.g\. name|describe|insert)\b[^)]*\)", re.I),
        re.compile(r"\b(?:use a short raci|state where the|explain how the|describe how the)\b", re.I),
    ],
    "self-description": [
        re.compile(rf"\b(?:this|the present) (?:{_DOC_NOUNS})\b(?: \w+){{0,2}}? (?:{_SELF_VERBS})\b", re.I),
        re.compile(r"\bthis meets clause\b|\bhow this applies\b|\bwhat this section\b", re.I),
        re.compile(rf"\bthis (?:{_DOC_NOUNS}) (?:is about|is where|is the place)\b", re.I),
    ],
    "rationale": [
        re.compile(r"\bthis control\b|\bthis clause\b|\bthe control exists\b|\bwhy it matters\b", re.I),
        re.compile(
            r"\bauditors (?:will |often |routinely |usually |typically |may )?(?:ask|look for|expect|want|notice)\b",
            re.I,
        ),
    ],
    "evidence list": [
        re.compile(r"\bevidence kept\b|\bkeep as evidence\b|^evidence\s*:|\bevidence to keep\b", re.I),
        re.compile(r"\bevidence (?:includes|could include|might include|such as)\b", re.I),
    ],
}
_TAG = re.compile(r"(?<![\w/.-])(?:legal|contract|business):[a-z0-9][a-z0-9-]*\b")
_ROLE_CODES = re.compile(r"(?<![\w-])(?:" + "|".join(ROLE_NAMES) + r")(?![\w-])")
# Role ids with the underscore dropped but still lower case: "the it lead", "the isms owner".
_ROLE_SLIPS = re.compile(r"\b(?:it lead|isms owner|hr lead|dpo)\b")


def words(text: str) -> list[str]:
    text = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", text.lower())
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)


def ngrams(tokens: list[str], n: int = NGRAM) -> set[tuple[str, ...]]:
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


@dataclass
class CorpusPhrases:
    """Word trigrams of the corpus text written for people, never for documents."""

    instruction: set[tuple[str, ...]]
    rationale: set[tuple[str, ...]]
    evidence: set[tuple[str, ...]]
    slugs: re.Pattern[str]

    @classmethod
    def of(cls, corpus: Corpus) -> CorpusPhrases:
        def grams(texts: list[str]) -> set[tuple[str, ...]]:
            out: set[tuple[str, ...]] = set()
            for text in texts:
                for sentence in split_sentences(" ".join(text.split())):
                    out |= ngrams(words(_generic(sentence)))
            return out

        instruction = [s.establishes for d in corpus.documents.values() for s in d.sections]
        instruction += [
            t for c in corpus.controls.values() for t in (c.guidance, c.cloud_notes, c.remote_notes)
        ]
        rationale = [c.purpose for c in corpus.controls.values()]
        rationale += [d.purpose for d in corpus.documents.values()]
        rationale += [c.requires for c in corpus.clauses.values()]
        evidence = [e for c in corpus.controls.values() for e in c.evidence]
        slugs = re.compile(
            r"(?<![\w/.-])(?:"
            + "|".join(sorted(map(re.escape, corpus.documents), key=len, reverse=True))
            + r")(?![\w-])"
        )
        return cls(grams(instruction), grams(rationale), grams(evidence), slugs)


def _generic(text: str) -> str:
    return re.sub(r"\b(?:the|your|an?) organi[sz]ation'?s?\b", "the organisation", text, flags=re.I)


class Register:
    """Classifies units; `None` means the unit may stand in an approvable document."""

    def __init__(self, phrases: CorpusPhrases, profile: Profile, org_terms: OrgTerms) -> None:
        self.phrases = phrases
        self.org_terms = org_terms
        names = {profile.identity.name, profile.identity.legal_name}
        self._org = re.compile("|".join(re.escape(n) for n in sorted(names, key=len, reverse=True)))
        self._seen: dict[Unit, str | None] = {}

    def overlap(self, text: str) -> tuple[str, float] | None:
        tokens = words(self._org.sub("the organisation", text))
        grams = ngrams(tokens)
        if len(grams) < MIN_NGRAMS:
            return None
        scores = {
            "instruction": len(grams & self.phrases.instruction) / len(grams),
            "rationale": len(grams & self.phrases.rationale) / len(grams),
            "evidence list": len(grams & self.phrases.evidence) / len(grams),
        }
        kind, score = max(scores.items(), key=lambda kv: kv[1])
        return (kind, score) if score >= OVERLAP else None

    def classify(self, unit: Unit) -> str | None:
        if unit not in self._seen:
            self._seen[unit] = self._classify(unit)
        return self._seen[unit]

    def _classify(self, unit: Unit) -> str | None:
        text = unit.text
        code = self.internal_code(text)
        if code:
            return f"internal code {code!r}"
        if unit.kind == "row":
            return None  # a table row is the organisation's data; its cells are checked for codes above
        for kind, patterns in PATTERNS.items():
            if any(p.search(text) for p in patterns):
                return kind
        if self.org_terms.mentioned_in(re.sub(r"\([^)]*\)", " ", text)):
            return None  # guidance words carrying the organisation's own facts make a rule of its own
        found = self.overlap(text)
        if found:
            return f"{found[0]} (restates the corpus, {found[1]:.0%} of its phrases)"
        return None

    def internal_code(self, text: str) -> str | None:
        for pattern in (_TAG, _ROLE_CODES, self.phrases.slugs, _ROLE_SLIPS):
            match = pattern.search(text)
            if match:
                return match.group(0)
        return None
