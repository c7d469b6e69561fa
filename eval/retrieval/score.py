"""Score retrieval on the labelled set in dense, lexical and hybrid modes.

python -m eval.retrieval.score [--workspace examples/kestrel-saas] [--set labelled|hard] [--json]

`--set hard` scores eval/retrieval/hard_queries.tsv and adds recall@5 and MRR per category.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from assistant.index.search import Filters, Mode
from assistant.index.workspace_index import build_workspace_index, open_retriever
from assistant.inputs.workspace import Workspace
from assistant.settings import load_settings
from eval.retrieval.metrics import QUERY_SETS, LabelledQuery, Scores, load_queries, score, score_by_category

MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")
# The labelled set is about guidance, so organisation facts and catalogue entries are filtered out.
GUIDANCE = Filters(kinds=("control", "clause"))


def rankings_by_mode(
    workspace: Path, queries: list[LabelledQuery], modes: tuple[Mode, ...] = MODES
) -> dict[str, list[list[str]]]:
    settings = load_settings(workspace=workspace, provider="offline")
    ws = Workspace.open(workspace)
    build_workspace_index(ws, settings)
    retriever = open_retriever(ws, settings)
    return {
        mode: [[h.id for h in retriever.search(q.text, k=10, filters=GUIDANCE, mode=mode)] for q in queries]
        for mode in modes
    }


def evaluate(
    workspace: Path, modes: tuple[Mode, ...] = MODES, query_set: str = "labelled"
) -> dict[str, Scores]:
    queries = load_queries(QUERY_SETS[query_set])
    rankings = rankings_by_mode(workspace, queries, modes)
    return {mode: score(ranked, [q.relevant for q in queries]) for mode, ranked in rankings.items()}


def evaluate_by_category(
    workspace: Path, modes: tuple[Mode, ...] = MODES, query_set: str = "hard"
) -> tuple[dict[str, Scores], dict[str, dict[str, Scores]]]:
    """Overall scores per mode, and per mode the scores of each category."""
    queries = load_queries(QUERY_SETS[query_set])
    rankings = rankings_by_mode(workspace, queries, modes)
    overall = {mode: score(ranked, [q.relevant for q in queries]) for mode, ranked in rankings.items()}
    return overall, {mode: score_by_category(ranked, queries) for mode, ranked in rankings.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", type=Path, default=Path("examples/kestrel-saas"))
    parser.add_argument("--set", dest="query_set", choices=sorted(QUERY_SETS), default="labelled")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    by_category: dict[str, dict[str, Scores]] = {}
    if args.query_set == "labelled":
        results = evaluate(args.workspace)
    else:
        results, by_category = evaluate_by_category(args.workspace, query_set=args.query_set)
    if args.json:
        payload: dict[str, object] = {mode: s.as_dict() for mode, s in results.items()}
        if by_category:
            payload["by_category"] = {
                mode: {c: s.as_dict() for c, s in cats.items()} for mode, cats in by_category.items()
            }
        print(json.dumps(payload, indent=1))
        return
    source = QUERY_SETS[args.query_set].name
    table = Table(title=f"retrieval on eval/retrieval/{source} ({time.perf_counter() - started:.1f}s)")
    for column in ("mode", "recall@1", "recall@5", "MRR", "nDCG@5", "queries"):
        table.add_column(column)
    for mode, s in results.items():
        table.add_row(
            mode,
            f"{s.recall_at_1:.3f}",
            f"{s.recall_at_5:.3f}",
            f"{s.mrr:.3f}",
            f"{s.ndcg_at_5:.3f}",
            str(s.n),
        )
    Console().print(table)
    if by_category:
        categories = list(next(iter(by_category.values())))
        per = Table(title="recall@5 / MRR per category")
        per.add_column("category")
        per.add_column("queries")
        for mode in by_category:
            per.add_column(mode)
        for category in categories:
            cells = [
                f"{by_category[mode][category].recall_at_5:.3f} / {by_category[mode][category].mrr:.3f}"
                for mode in by_category
            ]
            per.add_row(category, str(next(iter(by_category.values()))[category].n), *cells)
        Console().print(per)


if __name__ == "__main__":
    main()
