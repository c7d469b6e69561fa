"""Invariants of the corpus that no schema can express: counts, cross references, numbering."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

from assistant.ids import CONTROL_REF, LEGACY_CONTROL_REF, THEMES, all_control_ids, theme_of
from assistant.knowledge.loader import Corpus

TITLES_FILE = Path(__file__).resolve().parents[1] / "data" / "annex-a-2022-titles.tsv"
NEW_IN_2022 = {
    "A.5.7",
    "A.5.23",
    "A.5.30",
    "A.7.4",
    "A.8.9",
    "A.8.10",
    "A.8.11",
    "A.8.12",
    "A.8.16",
    "A.8.23",
    "A.8.28",
}
REQUIRED_CLAUSES = [
    "4.1",
    "4.2",
    "4.3",
    "4.4",
    "5.1",
    "5.2",
    "5.3",
    "6.1",
    "6.1.1",
    "6.1.2",
    "6.1.3",
    "6.2",
    "6.3",
    "7.1",
    "7.2",
    "7.3",
    "7.4",
    "7.5",
    "7.5.1",
    "7.5.2",
    "7.5.3",
    "8.1",
    "8.2",
    "8.3",
    "9.1",
    "9.2",
    "9.2.1",
    "9.2.2",
    "9.3",
    "9.3.1",
    "9.3.2",
    "9.3.3",
    "10.1",
    "10.2",
]
# The mandatory documented information of ISO/IEC 27001:2022 (clause -> what must be documented).
MANDATORY_ITEMS = {
    "4.3": "scope",
    "5.2": "information security policy",
    "6.1.2": "risk assessment process",
    "6.1.3": "risk treatment process and Statement of Applicability",
    "6.2": "objectives",
    "7.2": "evidence of competence",
    "7.5.1": "documented information determined necessary",
    "8.1": "operational planning and control",
    "8.2": "risk assessment results",
    "8.3": "risk treatment results",
    "9.1": "monitoring and measurement results",
    "9.2.2": "audit programme and results",
    "9.3.3": "management review results",
    "10.2": "nonconformities and corrective actions",
}
LEGACY_2013_ID = re.compile(r"^A\.(?:[5-9]|1[0-8])\.\d{1,2}\.\d{1,2}$")
CLAUSE_MENTION = re.compile(r"\b[Cc]lauses?\s+((?:10|[4-9])(?:\.\d+){0,2})")
GUIDANCE_WORDS = (150, 350)
REQUIRES_WORDS = (60, 200)
NEAR_DUPLICATE_JACCARD = 0.35


@dataclass(frozen=True)
class CorpusReport:
    counts: dict[str, int]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def official_titles() -> dict[str, str]:
    titles: dict[str, str] = {}
    for line in TITLES_FILE.read_text(encoding="utf-8").splitlines():
        if line.strip():
            cid, title = line.split("\t", 1)
            titles[cid.strip()] = title.strip()
    return titles


def words(text: str) -> int:
    return len(text.split())


def check_corpus(corpus: Corpus) -> CorpusReport:
    problems: list[str] = []
    src = corpus.sources
    problems += _check_controls(corpus)
    problems += _check_clauses(corpus)
    problems += _check_documents(corpus)
    for prose_id, field, text in _prose(corpus):
        for legacy in LEGACY_CONTROL_REF.findall(text):
            problems.append(f"{src[prose_id]}: {prose_id} {field} cites {legacy}, a 2013-style id")
        for cited in CONTROL_REF.findall(text):
            if cited not in corpus.controls:
                problems.append(f"{src[prose_id]}: {prose_id} {field} cites unknown control {cited}")
        for clause in CLAUSE_MENTION.findall(text):
            if clause not in corpus.clauses and clause not in {"4", "5", "6", "7", "8", "9", "10"}:
                problems.append(
                    f"{src[prose_id]}: {prose_id} {field} mentions clause {clause}, not a 2022 clause"
                )
    problems += [
        f"near-duplicate guidance: {a} and {b} share {s:.0%} of their phrasing"
        for a, b, s in near_duplicates(corpus)
    ]
    problems += _check_vendors(corpus)
    problems += _check_content(corpus)
    counts = {
        "clauses": len(corpus.clauses),
        "controls": len(corpus.controls),
        "documents": len(corpus.documents),
        "mandatory documents": len(corpus.mandatory_documents()),
        "records with a structure": sum(1 for d in corpus.documents.values() if d.record is not None),
        "vendor products": len(corpus.vendors.products),
    }
    for theme in THEMES:
        counts[f"controls:{theme}"] = sum(1 for c in corpus.controls.values() if c.theme == theme)
    return CorpusReport(counts=counts, problems=problems)


def _check_content(corpus: Corpus) -> list[str]:
    """Every statement names real profile fields and readable conditions; every block exists."""
    from assistant.drafting.block_registry import BLOCKS
    from assistant.drafting.statements import CONDITION, schema_paths, unknown_fields

    known = schema_paths()
    problems: list[str] = []
    for doc in corpus.documents.values():
        where = corpus.sources.get(doc.id, doc.id)
        for section in doc.sections:
            for name in section.blocks:
                if name not in BLOCKS:
                    problems.append(f"{where}: {section.heading}: unknown block {name!r}")
            for decision in section.decisions:
                for part in (decision.when or "x").split("&&"):
                    match = CONDITION.match(part)
                    if match is None:
                        problems.append(
                            f"{where}: {section.heading}: unreadable decision condition {decision.when!r}"
                        )
                    elif decision.when:
                        for path in unknown_fields("{" + match.group(2) + "}", known):
                            problems.append(
                                f"{where}: {section.heading}: decision condition names unknown field {path}"
                            )
                if decision.unless:
                    for path in unknown_fields("{" + decision.unless + "}", known):
                        problems.append(f"{where}: {section.heading}: decision names unknown field {path}")
            problems += _statement_problems(f"{where}: {section.heading}", section.statements, known)
    for control in corpus.controls.values():
        where = corpus.sources.get(control.id, control.id)
        problems += _statement_problems(str(where), control.statements, known)
    return problems


def _statement_problems(where: str, statements: list[Any], known: set[str]) -> list[str]:
    from assistant.drafting.statements import CONDITION, TemplateError, unknown_fields

    problems = []
    for statement in statements:
        for path in unknown_fields(statement.text, known):
            problems.append(f"{where}: statement names unknown profile field {{{path}}}")
        for part in (statement.when or "").split("&&") if statement.when else []:
            match = CONDITION.match(part)
            if not match:
                problems.append(f"{where}: {TemplateError.__name__}: {statement.when!r}")
            else:
                for path in unknown_fields("{" + match.group(2) + "}", known):
                    problems.append(f"{where}: condition names unknown field {path}")
    return problems


def _check_vendors(corpus: Corpus) -> list[str]:
    """An alias names one product only; a dictionary that cannot say which product a name is, misleads."""
    seen: dict[str, str] = {}
    problems = []
    for product in corpus.vendors.products:
        for alias in product.aliases:
            if alias in seen and seen[alias] != product.name:
                problems.append(f"vendors.yaml: alias {alias!r} names both {seen[alias]} and {product.name}")
            seen[alias] = product.name
    return problems


def _check_controls(corpus: Corpus) -> list[str]:
    problems: list[str] = []
    titles = official_titles()
    expected = all_control_ids()
    missing = [cid for cid in expected if cid not in corpus.controls]
    if missing:
        problems.append(f"controls missing: {', '.join(missing)}")
    for theme, (_section, count) in THEMES.items():
        found = sum(1 for c in corpus.controls.values() if c.theme == theme)
        if found != count:
            problems.append(f"theme {theme}: expected {count} controls, found {found}")
    for control in corpus.controls.values():
        where = f"{corpus.sources[control.id]}: {control.id}"
        if control.id not in titles:
            problems.append(f"{where}: not an ISO/IEC 27001:2022 Annex A control")
            continue
        if control.title != titles[control.id]:
            problems.append(f"{where}: title {control.title!r} differs from {titles[control.id]!r}")
        if control.theme != theme_of(control.id):
            problems.append(f"{where}: theme {control.theme} but the id belongs to {theme_of(control.id)}")
        if control.new_in_2022 != (control.id in NEW_IN_2022):
            problems.append(f"{where}: new_in_2022 should be {control.id in NEW_IN_2022}")
        if control.new_in_2022 and control.iso2013:
            problems.append(f"{where}: a control new in 2022 has no 2013 predecessor")
        if not control.new_in_2022 and not control.iso2013:
            problems.append(f"{where}: iso2013 predecessor ids are missing")
        for old in control.iso2013:
            if not LEGACY_2013_ID.match(old):
                problems.append(f"{where}: iso2013 id {old!r} is not of the 2013 form A.x.y.z")
        n = words(control.guidance)
        if not GUIDANCE_WORDS[0] <= n <= GUIDANCE_WORDS[1]:
            problems.append(
                f"{where}: guidance has {n} words, expected {GUIDANCE_WORDS[0]}-{GUIDANCE_WORDS[1]}"
            )
        for rel in control.related:
            if rel == control.id:
                problems.append(f"{where}: lists itself as related")
            elif rel not in corpus.controls:
                problems.append(f"{where}: related control {rel} does not exist")
        if not corpus.documents_for_control.get(control.id):
            problems.append(f"{where}: no catalogue document addresses this control")
    return problems


def _check_clauses(corpus: Corpus) -> list[str]:
    problems: list[str] = []
    for cid in REQUIRED_CLAUSES:
        if cid not in corpus.clauses:
            problems.append(f"clause {cid} is missing")
    for clause in corpus.clauses.values():
        where = f"{corpus.sources[clause.id]}: clause {clause.id}"
        if clause.parent and clause.parent not in corpus.clauses:
            problems.append(f"{where}: parent {clause.parent} does not exist")
        n = words(clause.requires)
        if not REQUIRES_WORDS[0] <= n <= REQUIRES_WORDS[1]:
            problems.append(
                f"{where}: 'requires' has {n} words, expected {REQUIRES_WORDS[0]}-{REQUIRES_WORDS[1]}"
            )
        for item in clause.documented_information:
            if item.mandatory and not item.document:
                problems.append(f"{where}: mandatory item {item.item!r} names no catalogue document")
            if item.document:
                doc = corpus.documents.get(item.document)
                if doc is None:
                    problems.append(f"{where}: item {item.item!r} names unknown document {item.document}")
                elif item.mandatory and not doc.mandatory:
                    problems.append(f"{where}: {item.document} fulfils a mandatory item but is not mandatory")
    for clause_id, label in MANDATORY_ITEMS.items():
        mapped = corpus.clauses.get(clause_id)
        if mapped and not any(i.mandatory and i.document for i in mapped.documented_information):
            problems.append(f"clause {clause_id}: mandatory documented information ({label}) is not mapped")
    return problems


def _check_documents(corpus: Corpus) -> list[str]:
    problems: list[str] = []
    for doc in corpus.documents.values():
        where = f"{corpus.sources[doc.id]}: {doc.id}"
        if corpus.sources[doc.id].stem != doc.id:
            problems.append(f"{where}: file name should be {doc.id}.yaml")
        for cid in doc.clauses:
            if cid not in corpus.clauses:
                problems.append(f"{where}: clause {cid} does not exist")
        for cid in doc.controls:
            if cid not in corpus.controls:
                problems.append(f"{where}: control {cid} does not exist")
        dupes = [cid for cid, n in Counter(doc.controls).items() if n > 1]
        if dupes:
            problems.append(f"{where}: controls listed twice: {', '.join(dupes)}")
        headings = Counter(s.heading.lower() for s in doc.sections)
        for heading, n in headings.items():
            if n > 1:
                problems.append(f"{where}: section heading {heading!r} appears {n} times")
        for section in doc.sections:
            for cid in section.controls:
                if cid not in doc.controls:
                    problems.append(
                        f"{where}: section {section.heading!r} cites {cid}, not in the document's controls"
                    )
            for cid in section.clauses:
                if cid not in corpus.clauses:
                    problems.append(f"{where}: section {section.heading!r} cites unknown clause {cid}")
        if doc.controls:
            uncovered = set(doc.controls) - {c for s in doc.sections for c in s.controls}
            if uncovered:
                problems.append(f"{where}: no section covers {', '.join(sorted(uncovered))}")
    return problems


def _prose(corpus: Corpus) -> list[tuple[str, str, str]]:
    out: list[tuple[str, str, str]] = []
    for c in corpus.controls.values():
        for field in ("purpose", "guidance", "cloud_notes", "remote_notes"):
            out.append((c.id, field, getattr(c, field)))
        out.append((c.id, "evidence", " ".join(c.evidence)))
        out.append(
            (c.id, "applicability", " ".join(c.applicability.triggers + c.applicability.exclusion_reasons))
        )
    for cl in corpus.clauses.values():
        out.append((cl.id, "requires", cl.requires))
        out.append((cl.id, "auditor_asks", " ".join(cl.auditor_asks + cl.common_nonconformities)))
    for d in corpus.documents.values():
        out.append((d.id, "purpose", d.purpose))
        out.append((d.id, "sections", " ".join(s.establishes for s in d.sections)))
    return out


def _shingles(text: str, size: int = 5) -> set[tuple[str, ...]]:
    tokens = re.findall(r"[a-z0-9]+", text.lower())
    return {tuple(tokens[i : i + size]) for i in range(max(0, len(tokens) - size + 1))}


def near_duplicates(
    corpus: Corpus, threshold: float = NEAR_DUPLICATE_JACCARD
) -> list[tuple[str, str, float]]:
    """Pairs of controls whose guidance shares too many five-word phrases (copied filler)."""
    texts = {
        c.id: _shingles(" ".join([c.guidance, c.cloud_notes, c.remote_notes]))
        for c in corpus.controls.values()
    }
    pairs: list[tuple[str, str, float]] = []
    for a, b in combinations(texts, 2):
        sa, sb = texts[a], texts[b]
        if not sa or not sb:
            continue
        score = len(sa & sb) / len(sa | sb)
        if score >= threshold:
            pairs.append((a, b, score))
    return pairs
