"""`isms decisions`: the questions the last generation recorded instead of inventing a fact."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import WorkspaceOpt, console, handles_errors
from assistant.errors import InputError
from assistant.generation.decisions import collect
from assistant.inputs.workspace import Workspace


def list_decisions(
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: WORKSPACE/out).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help='Print {"doc-id": ["question", ...]}.')] = False,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """List the decisions needed, by document: facts the documents need that the profile does not give."""
    folder = Workspace.open(workspace, out=out).out_dir
    if not (folder / "manifest.json").exists():
        raise InputError(
            f"{folder}: no generated set here (manifest.json missing); run `isms generate` first"
        )
    decisions = collect(folder)
    if as_json:
        sys.stdout.write(json.dumps(decisions, indent=1, ensure_ascii=False) + "\n")
        return
    total = sum(len(q) for q in decisions.values())
    console.print(f"{total} decision(s) needed in {len(decisions)} document(s) ({folder / 'decisions.md'})")
    for doc_id, questions in decisions.items():
        console.print(f"\n[bold]{doc_id}[/]", highlight=False)
        for question in questions:
            console.print(f"  - {question}", highlight=False)


decisions_cmd = handles_errors(list_decisions)
