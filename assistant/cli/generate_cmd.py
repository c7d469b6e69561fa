"""`isms generate`: the whole document set, with a live progress table and a summary."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.live import Live
from rich.table import Table

from assistant.cli.common import ProfileOpt, RisksOpt, WorkspaceOpt, console, err_console, handles_errors
from assistant.cli.draft_cmds import BaseUrlOpt, ModelOpt, OutOpt, ProviderOpt
from assistant.cli.loading import describe_provider, load_inputs
from assistant.errors import CheckFailed

if TYPE_CHECKING:
    from assistant.drafting.engine import Inputs
    from assistant.generation.runner import DocResult, RunReport

STYLE = {
    "queued": "dim",
    "drafting": "yellow",
    "written": "green",
    "unchanged": "cyan",
    "failed": "bold red",
    "needs merge": "bold magenta",
}


def generate(
    profile: ProfileOpt = None,
    risks: RisksOpt = None,
    out: OutOpt = None,
    provider: ProviderOpt = None,
    model: ModelOpt = None,
    base_url: BaseUrlOpt = None,
    concurrency: Annotated[
        int | None, typer.Option("--concurrency", min=1, max=64, help="Documents at once.")
    ] = None,
    only: Annotated[
        str | None, typer.Option("--only", help="Catalogue ids to generate, comma-separated.")
    ] = None,
    force: Annotated[
        bool,
        typer.Option(
            "--force",
            help="Regenerate even when nothing changed; write the new draft over a person's edits (without it "
            "they are merged onto the new draft); also write into a non-empty folder that is not an isms "
            "output folder (files isms did not write are never changed).",
        ),
    ] = False,
    dry_run: Annotated[
        bool,
        typer.Option(
            "--dry-run",
            help="Say which documents would be drafted again and why, and with a model what it would cost "
            "(requests, tokens, US dollars); send and write nothing.",
        ),
    ] = False,
    max_cost: Annotated[
        float | None,
        typer.Option(
            "--max-cost",
            min=0.0,
            help="US dollars this run may spend: a run estimated above it does not start (nothing is sent), "
            "and a run stops before a request that could take it over (finished documents are kept).",
        ),
    ] = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Generate every catalogue document and the SoA (Markdown, Word, Excel, CSV) into the output folder."""
    from assistant.generation.runner import prepare_out_dir, select_documents

    inputs = load_inputs(
        workspace,
        profile=profile,
        risks=risks,
        out=out,
        provider=provider,
        model=model,
        base_url=base_url,
        concurrency=concurrency,
        max_cost=max_cost,
    )
    doc_ids = select_documents(inputs, only)
    if dry_run:
        _dry_run(inputs, doc_ids)
        return
    if inputs.settings.max_cost is not None:  # --max-cost or ISMS_MAX_COST
        _within_budget(inputs, doc_ids, inputs.settings.max_cost, force)
    if inputs.settings.docx_template is not None:
        from assistant.documents.docx_export import check_template  # python-docx: only for a user template

        check_template(inputs.settings.docx_template)
    from assistant.workspace_lock import writing

    with writing(
        inputs.workspace.state_dir, "generate", on_wait=lambda m: err_console.print(m, highlight=False)
    ):
        repaired = prepare_out_dir(inputs.workspace.out_dir, doc_ids, force)
        repaired += _after_unfinished_run(inputs)
        for line in repaired:
            err_console.print(f"[yellow]repaired:[/] {line}", highlight=False)
        _run(inputs, doc_ids, force)


def _dry_run(inputs: Inputs, doc_ids: list[str]) -> None:
    """What the next run would redraft, with why (the Overview page's stale flags); nothing is written."""
    from assistant.drafting.engine import Engine
    from assistant.generation.staleness import stale_documents

    engine = Engine(inputs)
    stale = stale_documents(inputs, engine, doc_ids)
    console.print(f"{len(stale)} of {len(doc_ids)} document(s) would be drafted again", highlight=False)
    for item in stale:
        console.print(f"  {item.doc_id}: {'; '.join(item.reasons)}", highlight=False)
    if stale and engine.writer.reads_context:
        _print_estimate(inputs, _estimate(inputs, engine, [s.doc_id for s in stale]))


def _estimate(inputs: Inputs, engine: object, doc_ids: list[str]) -> object:
    from assistant.generation.estimate import estimate_run

    return estimate_run(inputs, engine, doc_ids)  # type: ignore[arg-type]


def _print_estimate(inputs: Inputs, estimate: object) -> None:
    from assistant.generation.estimate import Estimate

    assert isinstance(estimate, Estimate)
    cost = f"${estimate.cost_usd:.4f}" if estimate.priced else "unknown"
    console.print(
        f"estimate with {estimate.model}: {estimate.calls} request(s) ({estimate.cached} answered from the cache), "
        f"{estimate.prompt_tokens} prompt + about {estimate.completion_tokens} completion tokens, cost {cost}",
        highlight=False,
    )
    if not estimate.priced:
        _warn_unpriced(inputs)


def _warn_unpriced(inputs: Inputs) -> None:
    err_console.print(
        f"[yellow]warning:[/] no price is known for model {inputs.settings.model!r}, so costs show as unknown; "
        'set ISMS_PRICES, e.g. {"'
        + inputs.settings.model
        + '": {"prompt": 0.15, "completion": 0.6}} (US dollars '
        "per million tokens)",
        highlight=False,
    )


def _within_budget(inputs: Inputs, doc_ids: list[str], max_cost: float, force: bool) -> None:
    """Refuse to start a run whose estimate is over `max_cost` (exit 2, nothing sent or written)."""
    from assistant.drafting.engine import Engine
    from assistant.errors import InputError
    from assistant.generation.estimate import Estimate
    from assistant.generation.staleness import stale_documents

    engine = Engine(inputs)
    if not engine.writer.reads_context:
        return  # the offline writer costs nothing
    todo = doc_ids if force else [s.doc_id for s in stale_documents(inputs, engine, doc_ids)]
    estimate = _estimate(inputs, engine, todo)
    assert isinstance(estimate, Estimate)
    if not estimate.priced:
        raise InputError(
            f"--max-cost needs a price for model {inputs.settings.model!r}: set ISMS_PRICES "
            '(e.g. {"' + inputs.settings.model + '": {"prompt": 0.15, "completion": 0.6}})'
        )
    if estimate.cost_usd > max_cost:
        raise InputError(
            f"this run would cost about ${estimate.cost_usd:.4f} ({estimate.calls} request(s), "
            f"{estimate.prompt_tokens} prompt + about {estimate.completion_tokens} completion tokens with "
            f"{estimate.model}), over --max-cost ${max_cost:.4f}; nothing was sent. Narrow it with --only or "
            "raise --max-cost"
        )


def _after_unfinished_run(inputs: Inputs) -> list[str]:
    """When the previous run never finished (killed, crashed), check files, manifest and store agree."""
    from assistant.generation.doctor import check_workspace
    from assistant.generation.manifest import Manifest

    if not Manifest(inputs.workspace.out_dir).unfinished:
        return []
    from assistant.store import DocumentStore

    store = DocumentStore.for_workspace(inputs.workspace.state_dir)
    return check_workspace(inputs.workspace.out_dir, store, repair=True).repaired


def _run(inputs: Inputs, doc_ids: list[str], force: bool) -> None:
    from assistant.drafting.engine import Engine
    from assistant.generation.runner import Generator

    engine = Engine(inputs)
    err_console.print(
        f"{describe_provider(inputs)}; concurrency {inputs.settings.concurrency}; "
        f"{len(doc_ids)} document(s) into {inputs.workspace.out_dir}",
        highlight=False,
    )
    display = _Display(doc_ids)
    generator = Generator(inputs, engine, force=force, on_change=display.update)
    try:
        with Live(display.table(), console=console, refresh_per_second=4, transient=False) as live:
            display.live = live
            report = generator.run(doc_ids)
    except KeyboardInterrupt:
        err_console.print(
            "interrupted: every finished document is saved; run the same command to complete the set"
        )
        raise typer.Exit(130) from None
    console.print()
    _summary(report, inputs.workspace.out_dir)
    for note in report.notes:
        err_console.print(f"[yellow]SoA rule applied:[/] {note}", highlight=False)
    for r in report.results.values():
        if r.status == "needs merge":
            err_console.print(
                f"[magenta]needs merge:[/] {r.id}: {r.reason}; merge by hand in the review workspace, or "
                "`--force` to replace the person's version with the new draft",
                highlight=False,
            )
    if report.stopped:
        err_console.print(
            f"[red]stopped:[/] {report.stopped}. Every finished document is saved and every answer received is "
            "cached; raise --max-cost and run the same command to complete the set",
            highlight=False,
        )
    if report.failed:
        raise CheckFailed(
            f"{len(report.failed)} document(s) failed; the others were written",
            details=[f"{r.id}: {r.reason}" for r in report.failed],
        )


class _Display:
    def __init__(self, doc_ids: list[str]) -> None:
        from assistant.generation.runner import DocResult

        self.results = {d: DocResult(d) for d in doc_ids}
        self.started = time.perf_counter()
        self.live: Live | None = None
        self._lock = threading.Lock()

    def update(self, result: DocResult) -> None:
        with self._lock:
            self.results[result.id] = result
            if self.live is not None:
                self.live.update(self.table())

    def table(self) -> Table:
        done = sum(1 for r in self.results.values() if r.status in ("written", "unchanged", "failed"))
        table = Table(
            title=f"generating: {done}/{len(self.results)} done, {time.perf_counter() - self.started:.1f}s",
            title_justify="left",
        )
        for column in ("document", "state", "version", "tokens", "seconds"):
            table.add_column(column)
        for r in self.results.values():
            tokens = f"{r.prompt_tokens + r.completion_tokens}" if r.prompt_tokens else ""
            table.add_row(
                r.id,
                f"[{STYLE[r.status]}]{r.status}[/]",
                r.version,
                tokens,
                f"{r.seconds:.2f}" if r.seconds else "",
            )
        return table


def _summary(report: RunReport, out_dir: Path) -> None:
    table = Table(title=f"summary ({out_dir})", show_header=False, title_justify="left")
    table.add_row("written", str(report.count("written")))
    table.add_row("unchanged (skipped)", str(report.count("unchanged")))
    table.add_row("failed", str(report.count("failed")))
    if report.count("needs merge"):
        table.add_row("needs merge (human edits kept)", str(report.count("needs merge")))
    calls, prompt, completion, cost = report.totals()
    table.add_row("model calls", str(calls))
    table.add_row("tokens (prompt + completion)", f"{prompt} + {completion}")
    table.add_row("estimated cost", f"${cost:.4f}")
    table.add_row("wall time", f"{report.seconds:.2f}s")
    console.print(table)


generate_cmd = handles_errors(generate)
