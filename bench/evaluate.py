"""Benchmark `isms eval`: the whole evaluation of one generated set, per example workspace.

    .venv/bin/python bench/evaluate.py [--example kestrel-saas ...]

Target (Evaluation v2): the whole evaluation of one set <= 5 s. Each example is generated offline into a
temporary copy first (not timed), then evaluated in-process (loading the set, the corpus phrases and
every check: the part that grows with the set) and as the command a user runs (process start included).
Also prints what the checks measure: the share of sentences that are not document text, sections without
substance and findings per check.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from assistant.inputs.profile import load_profile  # noqa: E402
from assistant.inputs.risks import load_risks  # noqa: E402
from assistant.knowledge.loader import load_corpus  # noqa: E402
from eval.docset import load_document_set  # noqa: E402
from eval.harness import evaluate  # noqa: E402

ISMS = str(Path(sys.executable).with_name("isms"))
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}


def bench(example: str, root: Path) -> None:
    ws = root / example
    shutil.copytree(REPO / "examples" / example, ws, ignore=shutil.ignore_patterns(".isms", "out"))
    out = ws / "out"
    subprocess.run(
        [ISMS, "generate", "--workspace", str(ws), "--out", str(out), "--provider", "offline"],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
    )
    started = time.perf_counter()
    register = load_risks(ws / "risks.csv")
    ds = load_document_set(out, load_corpus(), load_profile(ws / "profile.yaml"), register, docs=ws / "docs")
    report = evaluate(ds)
    in_process = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run(
        [ISMS, "eval", str(out), "--workspace", str(ws), "--json"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=ENV,
        check=False,
    )
    command = time.perf_counter() - started
    checks = {c.id: c for c in report.checks}
    units = sum(len(ds.units(d)) for d in ds.documents)
    print(f"{example}: {len(ds.documents)} documents, {units} sentences, rows and items")
    print(f"  evaluation in process   {in_process:6.2f} s   (target <= 5 s)")
    print(f"  isms eval (command)     {command:6.2f} s   (process start included)")
    print(f"  register share          {checks['register'].metrics['share']:6.1%}   (gate 2%)")
    print(
        f"  sections w/o substance  {checks['substance'].metrics['without_substance']:>4} of "
        f"{checks['substance'].metrics['sections']}"
    )
    print("  findings: " + ", ".join(f"{c.id} {len(c.findings)}" for c in report.checks if c.findings))
    prose = [u for d in ds.documents for u in ds.units(d) if u.kind != "row"]
    specific = sum(1 for u in prose if ds.org_terms.mentioned_in(u.text))
    print(
        f"  sentences with an organisation fact {specific / max(1, len(prose)):6.1%}   (drafting target >= 40%)"
    )
    print(f"  passed: {report.passed}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--example", action="append", help="example workspace name (default: all)")
    args = parser.parse_args()
    names = args.example or sorted(
        p.name for p in (REPO / "examples").iterdir() if (p / "profile.yaml").exists()
    )
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            bench(name, Path(tmp))


if __name__ == "__main__":
    main()
