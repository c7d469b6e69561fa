"""Score retrieval on the labelled set in dense, lexical and hybrid modes.

python -m eval.retrieval.score [--workspace examples/kestrel-saas] [--json]
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
from eval.retrieval.metrics import Scores, load_queries, score

MODES: tuple[Mode, ...] = ("dense", "lexical", "hybrid")
# The labelled set is about guidance, so organisation facts and catalogue entries are filtered out.
GUIDANCE = Filters(kinds=("control", "clause"))


def evaluate(workspace: Path, modes: tuple[Mode, ...] = MODES) -> dict[str, Scores]:
    settings = load_settings(workspace=workspace, provider="offline")
    ws = Workspace.open(workspace)
    build_workspace_index(ws, settings)
    retriever = open_retriever(ws, settings)
    queries = load_queries()
    results: dict[str, Scores] = {}
    for mode in modes:
        rankings = [
            [h.id for h in retriever.search(q.text, k=10, filters=GUIDANCE, mode=mode)] for q in queries
        ]
        results[mode] = score(rankings, [q.relevant for q in queries])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workspace", type=Path, default=Path("examples/kestrel-saas"))
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    results = evaluate(args.workspace)
    if args.json:
        print(json.dumps({mode: s.as_dict() for mode, s in results.items()}, indent=1))
        return
    table = Table(title=f"retrieval on eval/retrieval/queries.tsv ({time.perf_counter() - started:.1f}s)")
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


if __name__ == "__main__":
    main()
