"""Benchmark the retrieval index: cold build, unchanged rebuild, warm query latency, peak memory.

    .venv/bin/python bench/index.py [--workspace examples/meridian-payments]

Targets (issue 4): cold build <= 30 s on 2 cores, unchanged rebuild <= 3 s, warm query p50/p95 <= 50 ms.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.index.workspace_index import open_retriever  # noqa: E402
from assistant.inputs.workspace import Workspace  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from eval.retrieval.metrics import load_queries  # noqa: E402


def _run_build(ws: Path) -> tuple[float, str]:
    isms = Path(sys.executable).with_name("isms")
    started = time.perf_counter()
    done = subprocess.run(
        [str(isms), "index", "build", "--workspace", str(ws)],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "ISMS_PROVIDER": "offline", "COLUMNS": "200"},
    )
    return time.perf_counter() - started, done.stdout.strip().splitlines()[-1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", type=Path, default=REPO / "examples" / "meridian-payments")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / args.workspace.name
        shutil.copytree(args.workspace, ws, ignore=shutil.ignore_patterns(".isms", "out"))
        cold, cold_line = _run_build(ws)
        warm, warm_line = _run_build(ws)
        child_peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        settings = load_settings(workspace=ws, provider="offline")
        started = time.perf_counter()
        retriever = open_retriever(Workspace.open(ws), settings)
        retriever.warm()
        load_seconds = time.perf_counter() - started
        latencies = []
        for query in load_queries():
            t0 = time.perf_counter()
            retriever.search(query.text, k=5)
            latencies.append((time.perf_counter() - t0) * 1000)
        latencies.sort()
        p50 = statistics.median(latencies)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        self_peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"workspace: {args.workspace.name}, {os.cpu_count()} cores")
    print(f"cold build (process start to finish):  {cold:6.2f} s   target <= 30 s   | {cold_line}")
    print(f"unchanged rebuild (whole process):     {warm:6.2f} s   target <= 3 s    | {warm_line}")
    print(f"retriever load + model warm-up:        {load_seconds:6.2f} s")
    print(
        f"warm query latency over {len(latencies)} queries:  p50 {p50:5.1f} ms, p95 {p95:5.1f} ms   target <= 50 ms"
    )
    print(f"peak memory: build process {child_peak_mb:.0f} MB, query process {self_peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
