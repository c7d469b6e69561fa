"""`isms corpus check` and `isms corpus export --json`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from assistant.cli.common import WorkspaceOpt, console, err_console, handles_errors
from assistant.errors import CheckFailed, InputError
from assistant.knowledge.checks import check_corpus
from assistant.knowledge.export import corpus_to_json
from assistant.knowledge.loader import load_corpus
from assistant.settings import load_settings

corpus_app = typer.Typer(help="Validate or export the ISO 27001:2022 knowledge corpus.", no_args_is_help=True)
CorpusOpt = Annotated[
    Path | None, typer.Option("--corpus", help="Corpus folder (default: the bundled corpus/).")
]


@corpus_app.command("check")
@handles_errors
def corpus_check(workspace: WorkspaceOpt = Path("."), corpus: CorpusOpt = None) -> None:
    """Validate the corpus schema and invariants; print counts; exit 1 listing every problem."""
    settings = load_settings(workspace=workspace)
    loaded = load_corpus(corpus or settings.corpus_dir)
    report = check_corpus(loaded)
    # The catalogues beside the guidance: `isms init`'s obligations, starter risks and countries, and the
    # short forms search understands (each raises naming its file and entry).
    from assistant.index.query_terms import load_abbreviations
    from assistant.inputs.starter_catalogues import load_starter_catalogues

    counts = dict(report.counts)
    if (loaded.root / "obligations.yaml").exists():  # a corpus of one's own may leave `isms init` out
        counts["obligations (isms init)"] = len(load_starter_catalogues(loaded.root).obligations)
    counts["search short forms"] = len(load_abbreviations(loaded.root))
    table = Table(title=f"corpus {loaded.root}", show_header=False, title_justify="left")
    for key, value in counts.items():
        table.add_row(key, str(value))
    console.print(table)
    if not report.ok:
        raise CheckFailed(f"{len(report.problems)} corpus problem(s)", details=report.problems)
    console.print("[green]corpus OK[/]")


@corpus_app.command("export")
@handles_errors
def corpus_export(
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the corpus as JSON (the only format).")
    ] = False,
    workspace: WorkspaceOpt = Path("."),
    corpus: CorpusOpt = None,
) -> None:
    """Print clauses, controls and documents as the JSON contract of ARCHITECTURE.md."""
    if not as_json:
        raise InputError("only JSON export exists: use `isms corpus export --json`")
    settings = load_settings(workspace=workspace)
    data = corpus_to_json(load_corpus(corpus or settings.corpus_dir))
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    err_console.print(
        f"exported {len(data['clauses'])} clauses, {len(data['controls'])} controls, "
        f"{len(data['documents'])} documents"
    )
