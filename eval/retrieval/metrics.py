"""Ranking metrics for a labelled query set: recall@k, MRR and nDCG@k with binary relevance."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import InputError
from assistant.ids import is_clause_id, is_control_id

QUERIES_FILE = Path(__file__).with_name("queries.tsv")
# Harder queries (paraphrase, auditor, scenario, confusable, terse, typo) with a third `category` column;
# the frozen copy is the regression baseline and must stay identical.
HARD_QUERIES_FILE = Path(__file__).with_name("hard_queries.tsv")
HARD_QUERIES_FROZEN = Path(__file__).with_name("hard_queries.frozen.tsv")
QUERY_SETS: dict[str, Path] = {"labelled": QUERIES_FILE, "hard": HARD_QUERIES_FILE}


@dataclass(frozen=True)
class LabelledQuery:
    text: str
    relevant: frozenset[str]
    line: int
    category: str = ""
    ordered: tuple[str, ...] = ()  # the relevant ids as written, the best first


def load_queries(path: Path = QUERIES_FILE) -> list[LabelledQuery]:
    out: list[LabelledQuery] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [h.strip() for h in lines[0].split("\t")] if lines else []
    categorised = header[2:3] == ["category"]
    columns = 3 if categorised else 2
    expected = "query<TAB>ids<TAB>category" if categorised else "query<TAB>ids"
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != columns:
            raise InputError(f"{path}:{number}: expected '{expected}', found {len(parts)} column(s)")
        ordered = tuple(dict.fromkeys(i.strip() for i in parts[1].split(";") if i.strip()))
        ids = frozenset(ordered)
        bad = [i for i in ids if not (is_control_id(i) or is_clause_id(i))]
        if not ids or bad:
            raise InputError(
                f"{path}:{number}: relevant ids must be A.x.y controls or clauses, found {sorted(bad)}"
            )
        category = parts[2].strip() if categorised else ""
        if categorised and not category:
            raise InputError(f"{path}:{number}: empty category")
        out.append(LabelledQuery(parts[0].strip(), ids, number, category, ordered))
    return out


@dataclass(frozen=True)
class Scores:
    recall_at_1: float
    recall_at_5: float
    mrr: float
    ndcg_at_5: float
    n: int

    def as_dict(self) -> dict[str, float]:
        return {
            "recall@1": self.recall_at_1,
            "recall@5": self.recall_at_5,
            "MRR": self.mrr,
            "nDCG@5": self.ndcg_at_5,
            "queries": self.n,
        }


def score(rankings: list[list[str]], labels: list[frozenset[str]]) -> Scores:
    """Recall@k counts a query as found when any acceptable id is in the top k (hit rate)."""
    r1 = r5 = rr = ndcg = 0.0
    for ranked, relevant in zip(rankings, labels, strict=True):
        first = next((i for i, ref in enumerate(ranked, start=1) if ref in relevant), None)
        r1 += 1.0 if first == 1 else 0.0
        r5 += 1.0 if first is not None and first <= 5 else 0.0
        rr += 1.0 / first if first is not None else 0.0
        dcg = sum(1.0 / math.log2(i + 1) for i, ref in enumerate(ranked[:5], start=1) if ref in relevant)
        ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(relevant), 5) + 1))
        ndcg += dcg / ideal
    n = len(labels) or 1
    return Scores(r1 / n, r5 / n, rr / n, ndcg / n, len(labels))


def score_by_category(rankings: list[list[str]], queries: list[LabelledQuery]) -> dict[str, Scores]:
    """`score` per category, in the order the categories first appear in the set."""
    groups: dict[str, tuple[list[list[str]], list[frozenset[str]]]] = {}
    for ranked, query in zip(rankings, queries, strict=True):
        ranks, labels = groups.setdefault(query.category, ([], []))
        ranks.append(ranked)
        labels.append(query.relevant)
    return {category: score(ranks, labels) for category, (ranks, labels) in groups.items()}
