"""Ranking metrics for a labelled query set: recall@k, MRR and nDCG@k with binary relevance."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import InputError
from assistant.ids import is_clause_id, is_control_id

QUERIES_FILE = Path(__file__).with_name("queries.tsv")


@dataclass(frozen=True)
class LabelledQuery:
    text: str
    relevant: frozenset[str]
    line: int


def load_queries(path: Path = QUERIES_FILE) -> list[LabelledQuery]:
    out: list[LabelledQuery] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    for number, line in enumerate(lines[1:], start=2):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            raise InputError(f"{path}:{number}: expected 'query<TAB>ids', found {len(parts)} column(s)")
        ids = frozenset(i.strip() for i in parts[1].split(";") if i.strip())
        bad = [i for i in ids if not (is_control_id(i) or is_clause_id(i))]
        if not ids or bad:
            raise InputError(
                f"{path}:{number}: relevant ids must be A.x.y controls or clauses, found {sorted(bad)}"
            )
        out.append(LabelledQuery(parts[0].strip(), ids, number))
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
