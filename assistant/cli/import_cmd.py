"""`isms import FILE --as DOC_ID`: bring an existing policy into the versioning and approval flow."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import WorkspaceOpt, console, handles_errors
from assistant.errors import InputError
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import load_corpus
from assistant.settings import load_settings


def import_document(
    source: Annotated[
        Path, typer.Argument(help="A DOCX, Markdown, text or PDF file, e.g. docs/old-policy.docx.")
    ],
    doc_id: Annotated[str, typer.Option("--as", help="The catalogue document it is a version of.")],
    author: Annotated[str, typer.Option("--author", help="Who is importing it.")] = "import",
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Record an existing document as a new draft version of a catalogue document (see `isms ui` Review)."""
    from assistant.workflow import import_existing  # the version store: loaded only when needed

    ws = Workspace.open(workspace)
    if not source.exists():
        raise InputError(f"{source}: file not found")
    corpus = load_corpus(load_settings(workspace=workspace).corpus_dir)
    version = import_existing(ws, corpus, source, doc_id, author)
    console.print(
        f"{doc_id}: version {version.number} imported from {source.name} ({version.source})", highlight=False
    )


import_cmd = handles_errors(import_document)
