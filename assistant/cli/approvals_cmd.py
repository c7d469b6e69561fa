"""`isms approvals`: the approval record, who approved which version of which document, from the store."""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from assistant.cli.common import WorkspaceOpt, console, handles_errors
from assistant.documents.cells import safe_cell
from assistant.errors import InputError
from assistant.inputs.workspace import Workspace
from assistant.store import DocumentStore
from assistant.store.service import APPROVAL_COLUMNS

COLUMNS = APPROVAL_COLUMNS


def list_approvals(
    as_csv: Annotated[bool, typer.Option("--csv", help="Print the record as CSV.")] = False,
    doc: Annotated[str | None, typer.Option("--doc", help="Only this document (its id).")] = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """List every approval: document, version, approver, time (UTC), comment, and whether it overrode an
    open change request."""
    ws = Workspace.open(workspace)
    if not DocumentStore.file_for(ws.state_dir).exists():
        raise InputError(
            f"{ws.root}: no version store yet ({DocumentStore.file_for(ws.state_dir)}); run `isms generate`"
        )
    store = DocumentStore.for_workspace(ws.state_dir)
    if doc is not None and not store.has_document(doc):
        raise InputError(f"{doc}: no such document in the version store of {ws.root}")
    approvals = store.approvals(doc)
    if as_csv:
        writer = csv.writer(sys.stdout)  # \r\n line ends: a cell holding a lone \r is quoted too
        writer.writerow(COLUMNS)
        for approval in approvals:
            writer.writerow([safe_cell(c) for c in approval.cells()])
        return
    if not approvals:
        console.print(
            f"no approvals yet{f' of {doc}' if doc else ''} in {ws.root}", highlight=False, markup=False
        )
        return
    table = Table(title=f"approvals ({len(approvals)})", title_justify="left")
    for column in COLUMNS:
        table.add_column(column.replace("_", " "), overflow="fold")
    for approval in approvals:
        table.add_row(*(Text(c) for c in approval.cells()))  # organisation text is never markup
    console.print(table)


approvals_cmd = handles_errors(list_approvals)
