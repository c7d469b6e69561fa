"""Rules the organisation already has: read from its current documents (`docs/`) and carried into the sections
they concern.

A rule that a section's statements already say is not repeated. A rule that names a tool the profile does not
use, or states a figure the profile contradicts, is not carried: the profile wins and a decision is recorded
for the security lead (the old rule may still be what people do). Every carried rule keeps its source, so the
document's change history can say where it came from.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from assistant.drafting.injection import instruction_like
from assistant.index.ingest import SourceDocument, ingest_folder
from assistant.knowledge.loader import Corpus
from assistant.knowledge.models import DocumentSpec, Section

CARRY_VERSION = 6  # bump when the matching changes, so cached results are recomputed
MAX_PER_SECTION = 3
MIN_SHARED = 3  # content words a rule must share with a section to belong to it
MIN_TOPIC = 3  # words a rule must share with a control's title and keywords
COVERED = 0.5  # share of a rule's words already in one statement: the document says it already
RULE = re.compile(
    r"\b(must|must not|never|may not|may only|not permitted|not allowed|are required|is required|"
    r"only (?:via|through|with|by|from|if|when)|prohibited|are not allowed|is not allowed)\b",
    re.I,
)
# Sentences that start with an order to the reader ("Use your own account only.") become rules for staff.
IMPERATIVE = {
    "do", "never", "always", "only", "use", "keep", "lock", "store", "turn", "report", "tell", "install",
    "return", "treat", "delete", "avoid", "work", "take", "be", "change", "check",
}  # fmt: skip
PRONOUNS = [
    (re.compile(r"\byourself\b"), "themselves"),
    (re.compile(r"\bYour\b"), "Their"),
    (re.compile(r"\byour\b"), "their"),
    (re.compile(r"\bYou\b"), "They"),
    (re.compile(r"\byou\b"), "they"),
]
NOT_A_RULE = re.compile(
    r"\?|\||^\s*(?:owner|version|approved|document|classification|effective)\b"
    r"|\bthis (?:checklist|policy|procedure|document|guideline|runbook|form|section)\b|\b(?:below|above)\b"
    r"|^(?:they|it|this|these|those|he|she|such|then|if)\b",
    re.I,
)  # questions, table rows, metadata, and sentences that point into their own document
WORD = re.compile(r"[a-z][a-z0-9-]{3,}")
STOP = {
    "must", "never", "only", "with", "from", "that", "this", "they", "their", "them", "have", "will", "when",
    "where", "which", "each", "every", "other", "into", "than", "then", "there", "these", "those", "also",
    "after", "before", "about", "such", "more", "most", "within", "without", "being", "been", "were",
    "staff", "policy", "procedure", "rules", "rule", "company", "organisation", "information", "security",
    "used", "using", "make", "made", "does", "done", "should", "shall", "what", "some", "through", "your",
}  # fmt: skip


@dataclass(frozen=True)
class CarriedRule:
    text: str  # in the document's voice
    source: str  # the file, relative to the workspace
    where: str  # the heading of the source section


@dataclass(frozen=True)
class SourceFile:
    relative: str
    title: str
    version: str
    carried_into: tuple[str, ...]  # catalogue document ids its rules went to
    replaced_by: str | None  # the catalogue document with the same subject, which supersedes it
    rulebook: bool = False  # a policy or guideline (superseded by the new set), not a working document


@dataclass
class Carried:
    """Rules per (document id, section heading), the questions raised, and what each source file became."""

    rules: dict[tuple[str, str], list[CarriedRule]] = field(default_factory=dict)
    questions: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    files: list[SourceFile] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)

    def for_section(self, doc_id: str, heading: str) -> list[CarriedRule]:
        return self.rules.get((doc_id, heading), [])

    def questions_for(self, doc_id: str, heading: str) -> list[str]:
        return self.questions.get((doc_id, heading), [])

    def sources(self, doc_id: str) -> list[str]:
        found = [r.source for (d, _h), rules in self.rules.items() if d == doc_id for r in rules]
        return list(dict.fromkeys(found))


def to_json(carried: Carried) -> dict[str, Any]:
    return {
        "rules": [[d, h, [r.__dict__ for r in rules]] for (d, h), rules in carried.rules.items()],
        "questions": [[d, h, qs] for (d, h), qs in carried.questions.items()],
        "files": [{**f.__dict__, "carried_into": list(f.carried_into)} for f in carried.files],
        "skipped": [list(s) for s in carried.skipped],
    }


def from_json(data: dict[str, Any]) -> Carried:
    return Carried(
        rules={(d, h): [CarriedRule(**r) for r in rules] for d, h, rules in data["rules"]},
        questions={(d, h): list(qs) for d, h, qs in data["questions"]},
        files=[SourceFile(**{**f, "carried_into": tuple(f["carried_into"])}) for f in data["files"]],
        skipped=[(a, b) for a, b in data["skipped"]],
    )


def words(text: str) -> set[str]:
    """Content words, cut to six letters so that "reported", "reporting" and "reports" meet."""
    return {w[:6] for w in WORD.findall(text.lower()) if w not in STOP}


RULEBOOK = re.compile(r"polic|guideline|richtlinie|standard|handbook|regulations", re.I)
WORKING = re.compile(r"procedure|runbook|checklist|form\b|flow|plan\b|instruction", re.I)
ITEM = re.compile(r"^\s*(?:[-*]|\d+\.)\s+")


def logical_lines(text: str) -> list[str]:
    """Paragraphs and list items as single lines (Markdown wraps them over several)."""
    lines: list[str] = []
    joinable = False
    for raw in text.splitlines():
        if not raw.strip() or raw.lstrip().startswith(("|", "#")):
            joinable = False
            continue
        if ITEM.match(raw) or not joinable:
            lines.append(ITEM.sub("", raw).strip())
        else:
            lines[-1] += " " + raw.strip()
        joinable = True
    return lines


def rule_lines(source: SourceDocument) -> Iterable[tuple[str, str]]:
    """(section heading, rule sentence) for every line of a source document that states a rule."""
    for section in source.sections:
        for line in logical_lines(section.text):
            for sentence in re.split(r"(?<=[.!])\s+(?=[A-Z])", line):
                sentence = sentence.strip().replace("**", "").replace("`", "")
                n = len(sentence.split())
                if n < 6 or n > 45 or NOT_A_RULE.search(sentence):
                    continue
                first = sentence.split()[0].lower().strip(",")
                if RULE.search(sentence) or first in IMPERATIVE:
                    yield section.heading, sentence


def in_document_voice(sentence: str) -> str:
    """ "Do not share passwords." -> "Staff must not share passwords." ; "you/your" -> "they/their"."""
    text = sentence.rstrip()
    first, _, rest = text.partition(" ")
    key = first.lower().strip(",")
    if key == "do" and rest.lower().startswith("not "):
        text = f"Staff must not {rest[4:]}"
    elif key in IMPERATIVE and key != "do":
        text = f"Staff must {key} {rest}"
    for pattern, replacement in PRONOUNS:
        text = pattern.sub(replacement, text)
    text = re.sub(r"\be\.g\.,?\s*", "for example ", text)
    text = re.sub(r"\bi\.e\.,?\s*", "that is, ", text)
    return text if text.endswith((".", "!")) else text + "."


def _section_words(section: Section) -> set[str]:
    templates = " ".join(s.text for s in section.statements)
    return words(f"{section.heading} {section.heading} {section.establishes} {templates}")


def carry_rules(
    corpus: Corpus,
    docs_dir: Path,
    workspace_root: Path,
    rendered: Callable[[DocumentSpec, Section], list[str]],
    judge: Callable[[str], tuple[str, str | None]],
) -> Carried:
    """Match every rule of the organisation's documents to the catalogue section it concerns.

    `rendered(doc, section)` gives the section's statements as the organisation's set will state them;
    `judge(text)` says whether a rule can be carried: ("ok", None), ("skip", why) when the profile has
    replaced what it names (another product of the same kind) or names it only as a forbidden example,
    or ("ask", why) when it names a tool, person or figure the profile contradicts or does not know.
    """
    result = Carried()
    ingested = ingest_folder(docs_dir, workspace_root)
    result.skipped = list(ingested.skipped)
    targets = [
        (doc, section, _section_words(section))
        for doc in corpus.documents.values()
        if doc.kind in {"policy", "procedure", "plan"}
        for section in doc.sections
        if section.statements
    ]
    topics = {cid: words(f"{c.title} {' '.join(c.keywords)}") for cid, c in corpus.controls.items()}
    for source in ingested.documents:
        went: list[str] = []
        title = words(source.title)
        same = [d.id for d in corpus.documents.values() if title and title <= words(d.title)]
        for heading, sentence in rule_lines(source):
            phrase = instruction_like(sentence)
            if phrase is not None:  # a line that speaks to a drafting tool is data, never a rule to carry
                result.skipped.append(
                    (
                        source.relative,
                        f"a line reads as an instruction to a drafting tool ({phrase!r}); not carried",
                    )
                )
                continue
            rule_words = words(sentence)
            best = _home(rule_words, same[0] if same else None, topics, targets)
            if best is None:
                continue
            doc, section, _ = best
            key = (doc.id, section.heading)
            said = [line for other in doc.sections for line in rendered(doc, other)]
            if any(len(rule_words & words(line)) >= COVERED * len(rule_words) for line in said):
                continue  # the document says this already
            text = in_document_voice(sentence)
            verdict, reason = judge(text)
            if verdict == "skip":
                continue
            if verdict == "ask":
                name = Path(source.relative).name
                question = (
                    f"{name} says “{sentence.rstrip('.')}”, but {reason}; this draft follows the profile. "
                    "Is the old rule withdrawn, or should the profile change?"
                )
                result.questions.setdefault(key, []).append(question)
                continue
            chosen = result.rules.setdefault(key, [])
            if len(chosen) < MAX_PER_SECTION and all(c.text != text for c in chosen):
                chosen.append(CarriedRule(text=text, source=source.relative, where=heading))
                went.append(doc.id)
        into = tuple(dict.fromkeys(sorted(went, key=went.count, reverse=True)))
        rulebook = bool(RULEBOOK.search(source.title)) and not WORKING.search(source.title)
        result.files.append(
            SourceFile(
                source.relative, source.title, _version(source), into, same[0] if same else None, rulebook
            )
        )
    return result


def _home(
    rule: set[str],
    replaced_by: str | None,
    topics: dict[str, set[str]],
    targets: list[tuple[DocumentSpec, Section, set[str]]],
) -> tuple[DocumentSpec, Section, set[str]] | None:
    """The section a rule belongs in. A rule of a document the set replaces (an old acceptable use policy)
    goes to the replacing document when one of its sections shares enough words; otherwise each section
    scores what it shares with the rule plus, twice, what its controls' titles and keywords share with it.
    None when no section is clearly about the rule."""
    if replaced_by:
        own = [t for t in targets if t[0].id == replaced_by]
        best = max(own, key=lambda t: len(rule & t[2]), default=None)
        if best is not None and len(rule & best[2]) >= MIN_SHARED + 1:
            return best

    def score(target: tuple[DocumentSpec, Section, set[str]]) -> tuple[int, int, int]:
        topic = max((len(rule & topics[c]) for c in target[1].controls if c in topics), default=0)
        shared = len(rule & target[2])
        return (shared + 2 * topic if topic >= MIN_TOPIC else 0, topic, -len(target[2]))

    best = max(targets, key=score, default=None)
    if best is None or score(best)[1] < MIN_TOPIC or len(rule & best[2]) < MIN_SHARED:
        return None
    return best


def _version(source: SourceDocument) -> str:
    head = " ".join(s.text for s in source.sections[:2])[:600]
    match = re.search(r"\bVersion\s+([0-9][0-9.]*)", head, re.I) or re.search(
        r"-v(\d+(?:\.\d+)*)$", Path(source.relative).stem
    )
    return match.group(1).rstrip(".") if match else ""
