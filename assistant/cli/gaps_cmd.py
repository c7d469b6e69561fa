"""`isms gaps`: the prioritised to-do list a security lead works through before a Stage 1 audit."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from assistant.cli.common import ProfileOpt, RisksOpt, WorkspaceOpt, console, handles_errors
from assistant.errors import InputError
from assistant.gaps import PRIORITIES, Gap, GapReport, find_gaps
from assistant.inputs.profile import load_profile
from assistant.inputs.risks import load_risks
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import Corpus, load_corpus_cached
from assistant.settings import load_settings


def list_gaps(
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: WORKSPACE/out).")] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help='Print {"gaps": [...], "upcoming": [...], "counts": {...}}.')
    ] = False,
    profile: ProfileOpt = None,
    risks: RisksOpt = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """List what the set still lacks before a Stage 1 audit, by priority, per clause and per control:
    open decisions, applicable controls not in place, register gaps, missing profile inputs, overdue records."""
    ws = Workspace.open(workspace, profile=profile, risks=risks, out=out)
    settings = load_settings(workspace=workspace)
    if not ws.profile_path.exists():
        raise InputError(f"{ws.profile_path}: organisation profile not found (pass --profile or --workspace)")
    loaded = load_profile(ws.profile_path)
    register = load_risks(ws.risks_path) if ws.risks_path is not None else None
    corpus = load_corpus_cached(settings.corpus_dir, ws.state_dir / "cache")
    report = find_gaps(loaded, register, corpus, ws.out_dir, date.today())
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), indent=1, ensure_ascii=False) + "\n")
        return
    _show(report, corpus, loaded.identity.name, ws.out_dir)


def _show(report: GapReport, corpus: Corpus, organisation: str, out_dir: Path) -> None:
    counts = report.counts()
    total = len(report.gaps)
    console.print(
        f"[bold]{total} gap{'' if total == 1 else 's'}[/]: "
        + ", ".join(f"{counts[str(p)]} priority {p}" for p in PRIORITIES)
        + f" ({escape(organisation)}; generated set: {escape(str(out_dir)) if report.generated else 'none'})",
        highlight=False,
    )
    if not report.gaps:
        console.print("Nothing is missing: the set is ready for the Stage 1 audit.", highlight=False)
    for priority, meaning in PRIORITIES.items():
        gaps = [g for g in report.gaps if g.priority == priority]
        if not gaps:
            continue
        console.print(f"\n[bold]Priority {priority}[/] ({meaning}): {len(gaps)}", highlight=False)
        ref = None
        for gap in gaps:
            if gap.ref != ref:
                ref = gap.ref
                console.print(f"  [bold]{escape(ref)}[/] {escape(_title(corpus, ref))}", highlight=False)
            _item(gap)
    if report.upcoming:
        console.print(f"\n[bold]Coming up[/]: {len(report.upcoming)}", highlight=False)
        for gap in report.upcoming:
            _item(gap)


def _item(gap: Gap) -> None:
    console.print(f"    - {escape(gap.area)}: {escape(gap.item)}", highlight=False)
    console.print(f"      [dim]→ {escape(gap.action)}[/]", highlight=False)


def _title(corpus: Corpus, ref: str) -> str:
    if ref in corpus.clauses:
        return corpus.clauses[ref].title
    if ref in corpus.controls:
        return corpus.controls[ref].title
    spec = corpus.documents.get(ref)
    return spec.title if spec is not None else ""


gaps_cmd = handles_errors(list_gaps)
