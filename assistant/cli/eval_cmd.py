"""`isms eval DIR`: is the document set audit-ready? (wires the core to the harness in eval/)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.common import ProfileOpt, RisksOpt, WorkspaceOpt, console, handles_errors
from assistant.documents.files import write_atomic
from assistant.errors import CheckFailed, InputError
from assistant.inputs.profile import load_profile
from assistant.inputs.risks import load_risks
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import load_corpus
from assistant.settings import load_settings


def evaluate_cmd(
    folder: Annotated[
        Path, typer.Argument(help="The output folder of `isms generate` (or edited documents).")
    ],
    profile: ProfileOpt = None,
    risks: RisksOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    html_file: Annotated[
        Path | None, typer.Option("--html", help="Also write a self-contained HTML report.")
    ] = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Check a document set: mandatory documents, Annex A coverage, SoA, risk alignment, citations,
    specificity, document control and consistency. Exit 1 when a check fails."""
    from eval.docset import load_document_set
    from eval.harness import evaluate
    from eval.html_report import render_html

    settings = load_settings(workspace=workspace)
    ws = Workspace.open(workspace, profile=profile, risks=risks)
    if not ws.profile_path.exists():
        raise InputError(f"{ws.profile_path}: organisation profile not found (pass --profile or --workspace)")
    loaded = load_profile(ws.profile_path)
    register = load_risks(ws.risks_path) if ws.risks_path else None
    ds = load_document_set(folder, load_corpus(settings.corpus_dir), loaded, register, docs=ws.docs_dir)
    report = evaluate(ds)
    if html_file is not None:
        write_atomic(html_file, render_html(report, loaded.identity.legal_name, str(folder)))
    if as_json:
        sys.stdout.write(json.dumps(report.as_json(), indent=1) + "\n")
    else:
        table = Table(title=f"evaluation of {folder} ({len(ds.documents)} documents)", title_justify="left")
        for column in ("check", "result", "score", "findings"):
            table.add_column(column, overflow="fold")
        for check in report.checks:
            shown = "; ".join(check.findings[:3]) + (
                f" (+{len(check.findings) - 3} more)" if len(check.findings) > 3 else ""
            )
            table.add_row(
                check.id,
                "[green]pass[/]" if check.passed else "[bold red]FAIL[/]",
                f"{check.score:.2f}",
                shown,
            )
        console.print(table)
        if html_file is not None:
            console.print(f"HTML report: {html_file}")
    if not report.passed:
        failed = [c.id for c in report.checks if not c.passed]
        raise CheckFailed(f"{len(failed)} check(s) failed: {', '.join(failed)}")


eval_cmd = handles_errors(evaluate_cmd)
