"""Benchmark `isms generate`: offline cold and warm, unchanged re-run, and the LLM path's concurrency.

    .venv/bin/python bench/generate.py [--latency 0.3] [--skip-llm]

Targets (issue 12): offline whole set <= 5 s warm (the workspace state exists: corpus cache, rules
carried over from docs/) on 2 cores, measured into a fresh output folder and with --force over an
existing set; unchanged re-run <= 2 s with zero model calls. Drafting reads no search index, so a cold
workspace (no state at all) is measured too. LLM path against a loopback server with latency L: wall
phase (from the first request to the last document written, after the warm-up that loads the client and
plans every section) <= 1.2 x floor at concurrency 4, 1.15 x at 8 and 1.3 x at 16 (issue 17), where floor =
ceil(calls / concurrency) x L. The whole generation (warm-up included) and the process are printed too.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.openai_server import FakeOpenAI  # noqa: E402

ISMS = str(Path(sys.executable).with_name("isms"))


def run(*args: str, env: dict[str, str] | None = None) -> float:
    started = time.perf_counter()
    subprocess.run(
        [ISMS, *args],
        check=False,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "COLUMNS": "200", **(env or {})},
    )
    return time.perf_counter() - started


def manifest_run(out: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((out / "manifest.json").read_text())["run"]
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workspace", type=Path, default=REPO / "examples" / "kestrel-saas")
    parser.add_argument("--latency", type=float, default=0.4)
    parser.add_argument("--skip-llm", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / args.workspace.name
        shutil.copytree(args.workspace, ws, ignore=shutil.ignore_patterns(".isms", "out"))
        out = ws / "out"
        offline = {"ISMS_PROVIDER": "offline"}
        cold_s = run("generate", "--workspace", str(ws), env=offline)
        cold = manifest_run(out)
        shutil.rmtree(out)
        fresh_s = run("generate", "--workspace", str(ws), env=offline)
        warm_s = run("generate", "--workspace", str(ws), "--force", env=offline)
        again_s = run("generate", "--workspace", str(ws), env=offline)
        again = manifest_run(out)
        print(f"workspace {args.workspace.name}, {os.cpu_count()} cores, {cold['written']} documents")
        print(f"offline cold (no workspace state):               {cold_s:6.2f} s")
        print(f"offline warm, whole set into a fresh folder:     {fresh_s:6.2f} s  target <= 5 s")
        print(f"offline warm, whole set with --force:            {warm_s:6.2f} s  target <= 5 s")
        print(
            f"unchanged re-run:                                {again_s:6.2f} s  target <= 2 s; "
            f"written {again['written']}, unchanged {again['unchanged']}, model calls 0 (offline)"
        )
        if not args.skip_llm:
            llm(ws, args.latency)
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(f"peak memory of a generate process: {peak:.0f} MB")


TARGETS = {8: 1.15, 16: 1.3}  # issue 17: the LLM phase against the floor, by concurrency


def llm(ws: Path, latency: float) -> None:
    with FakeOpenAI() as server:
        env = {
            "ISMS_PROVIDER": "openai",
            "ISMS_BASE_URL": server.base_url,
            "OPENAI_API_KEY": "sk-bench-loopback",
            "ISMS_REQUESTS_PER_MINUTE": "100000",
        }
        server.latency = latency
        for concurrency in (4, 8, 16):
            shutil.rmtree(ws / ".isms" / "cache" / "llm", ignore_errors=True)
            before = len(server.chat_requests)
            process = run(
                "generate", "--workspace", str(ws), "--force", "--concurrency", str(concurrency), env=env
            )
            summary = manifest_run(ws / "out")
            phase, warmup = float(summary["drafting_seconds"]), float(summary["warmup_seconds"])
            calls = len(server.chat_requests) - before
            floor = math.ceil(calls / concurrency) * latency
            print(
                f"LLM path, latency {latency:.2f}s, concurrency {concurrency:2d}: {calls} calls, floor {floor:5.1f} s, "
                f"LLM phase {phase:5.1f} s, ratio {phase / floor:.2f} (target <= "
                f"{TARGETS.get(concurrency, 1.2):.2f}); warm-up {warmup:.1f} s, whole generation "
                f"{phase + warmup:.1f} s, process {process:.1f} s"
            )
        before = len(server.chat_requests)
        again = run("generate", "--workspace", str(ws), env=env)
        print(f"LLM path unchanged re-run: {again:.2f} s, {len(server.chat_requests) - before} model calls")


if __name__ == "__main__":
    main()
