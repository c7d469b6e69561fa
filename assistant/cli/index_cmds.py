"""`isms index build` and `isms search`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape
from rich.table import Table

from assistant.cli.common import (
    ProfileOpt,
    RisksOpt,
    WorkspaceOpt,
    check_corpus_dir,
    console,
    err_console,
    handles_errors,
)
from assistant.errors import InputError
from assistant.inputs.workspace import Workspace
from assistant.settings import load_settings

if TYPE_CHECKING:
    from assistant.index.search import Mode

index_app = typer.Typer(help="Build the retrieval index of a workspace.", no_args_is_help=True)


@index_app.command("build")
@handles_errors
def index_build(
    profile: ProfileOpt = None,
    risks: RisksOpt = None,
    docs: Annotated[
        Path | None, typer.Option("--docs", help="Existing documents (default: WORKSPACE/docs).")
    ] = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 2 when any file in docs/ is skipped.")
    ] = False,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Index the corpus, the profile, the risk register and docs/; only changed chunks are re-embedded."""
    settings = load_settings(workspace=workspace)
    check_corpus_dir(settings)
    ws = Workspace.open(workspace, profile=profile, risks=risks)
    from assistant.workspace_lock import writing

    with (
        writing(ws.state_dir, "index build", on_wait=lambda m: err_console.print(m, highlight=False)),
        console.status("indexing...") as status,
    ):
        from assistant.index.workspace_index import build_workspace_index  # chromadb: loaded when used

        report, sources = build_workspace_index(ws, settings, docs_dir=docs, progress=status.update)
    for name, reason in sources.skipped:
        err_console.print(
            f"[yellow]warning:[/] skipped {escape(name)}: {escape(reason)}", highlight=False, soft_wrap=True
        )
    verb = "rebuilt" if report.rebuilt else "updated"
    if not (report.added or report.updated or report.removed or report.rebuilt):
        verb = "unchanged"
    console.print(
        f"index {verb}: {report.added} added, {report.updated} updated, {report.removed} removed, "
        f"{report.unchanged} unchanged ({report.total} chunks from {sources.documents} existing document(s); "
        f"{len(sources.skipped)} file(s) skipped) in {report.seconds:.2f}s"
        + (f" [{report.reason}]" if report.rebuilt else ""),
        highlight=False,
    )
    if strict and sources.skipped:
        raise InputError(f"{len(sources.skipped)} file(s) in docs/ were skipped (--strict)")


def search(
    query: Annotated[str | None, typer.Argument(help="What to look for, in your own words.")] = None,
    k: Annotated[int, typer.Option("--k", min=1, max=100, help="How many results.")] = 5,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output (one list per query).")] = False,
    queries: Annotated[Path | None, typer.Option("--queries", help="File with one query per line.")] = None,
    kind: Annotated[
        list[str] | None, typer.Option("--kind", help="control, clause, document or org.")
    ] = None,
    theme: Annotated[list[str] | None, typer.Option("--theme", help="organizational, people, ...")] = None,
    mode: Annotated[str, typer.Option("--mode", help="hybrid, dense or lexical.")] = "hybrid",
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Search the workspace index: controls, clauses, catalogue documents and organisation facts."""
    if (query is None) == (queries is None):
        raise InputError("give either QUERY or --queries FILE")
    if mode not in ("hybrid", "dense", "lexical"):
        raise InputError(f"--mode must be hybrid, dense or lexical, found {mode!r}")
    for value in kind or []:
        if value not in ("control", "clause", "document", "org"):
            raise InputError(f"--kind must be control, clause, document or org, found {value!r}")
    lines = [query] if query is not None else _read_queries(queries)  # type: ignore[arg-type]
    settings = load_settings(workspace=workspace)
    from assistant.index.search import Filters
    from assistant.index.workspace_index import open_retriever

    retriever = open_retriever(Workspace.open(workspace), settings, mode=_mode(mode))
    filters = Filters(kinds=tuple(kind or ()), themes=tuple(theme or ()))
    for line in lines:
        hits = retriever.search(line, k=k, filters=filters)
        if as_json:
            sys.stdout.write(json.dumps([h.as_json() for h in hits]) + "\n")
            continue
        table = Table(title=line, title_justify="left")
        for column in ("id", "kind", "title", "score"):
            table.add_column(column)
        for hit in hits:
            table.add_row(hit.id, hit.kind, hit.title, f"{hit.score:.4f}")
        console.print(table)


def _mode(value: str) -> Mode:
    return "dense" if value == "dense" else "lexical" if value == "lexical" else "hybrid"


def _read_queries(path: Path) -> list[str]:
    from assistant.yamlio import read_text_file

    text = read_text_file(path, what="queries file")
    return [line.strip() for line in text.splitlines() if line.strip()]


search_cmd = handles_errors(search)
