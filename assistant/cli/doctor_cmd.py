"""`isms doctor`: check (and repair) a workspace: output files, manifest and version store agree."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import WorkspaceOpt, console, err_console, handles_errors
from assistant.errors import CheckFailed
from assistant.inputs.workspace import Workspace


def doctor(
    out: Annotated[Path | None, typer.Option("--out", help="Output folder (default: WORKSPACE/out).")] = None,
    verify: Annotated[
        bool, typer.Option("--verify", help="Also check the store's hash chain for edits made outside isms.")
    ] = False,
    check_only: Annotated[bool, typer.Option("--check", help="Report only; repair nothing.")] = False,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Check that out/, manifest.json and the version store agree; finish an interrupted run's writes."""
    from assistant.generation.doctor import check_workspace
    from assistant.workspace_lock import writing

    ws = Workspace.open(workspace, out=out)
    from assistant.store import DocumentStore

    # A missing store is created and rebuilt from the versions in out/ (when repairing).
    store = DocumentStore.for_workspace(ws.state_dir) if ws.out_dir.is_dir() and not check_only else None
    if store is None and (ws.state_dir / "store.sqlite").exists():
        store = DocumentStore.for_workspace(ws.state_dir)
    with writing(ws.state_dir, "doctor", on_wait=lambda m: err_console.print(m, highlight=False)):
        result = check_workspace(ws.out_dir, store, repair=not check_only, verify=verify)
    for line in result.repaired:
        console.print(f"[yellow]repaired:[/] {line}", highlight=False)
    if result.problems:
        raise CheckFailed(
            f"{len(result.problems)} problem(s) in {ws.root} ({result.checked} document(s) checked)",
            details=result.problems,
        )
    console.print(f"{ws.root}: {result.checked} document(s) checked; files, manifest and store agree.")


doctor_cmd = handles_errors(doctor)
