"""`isms import FILE --as DOC_ID`: bring an existing policy into the versioning and approval flow; an edited
soa.xlsx comes back as a new version of the Statement of Applicability."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import WorkspaceOpt, console, handles_errors
from assistant.errors import InputError
from assistant.inputs.profile import load_profile
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import load_corpus
from assistant.settings import load_settings

SOA_DOC = "statement-of-applicability"
SPREADSHEETS = (".xlsx", ".xlsm")


def import_document(
    source: Annotated[
        Path,
        typer.Argument(
            help="A DOCX, Markdown, text or PDF file, e.g. docs/old-policy.docx; or an edited soa.xlsx."
        ),
    ],
    doc_id: Annotated[
        str | None,
        typer.Option(
            "--as",
            help="The catalogue document it is a version of (an .xlsx is the Statement of Applicability).",
        ),
    ] = None,
    author: Annotated[str, typer.Option("--author", help="Who is importing it.")] = "import",
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """Record an existing document as the next draft version of a catalogue document and write it to out/
    (Markdown and Word). A Word file exported by `isms` comes back with its structure; its generated title
    block, document control, change history, approval record and annex are left out (see `isms ui` Review)."""
    ws = Workspace.open(workspace)
    if not source.exists():
        raise InputError(f"{source}: file not found")
    if source.suffix.lower() in SPREADSHEETS:
        if doc_id not in (None, SOA_DOC):
            raise InputError(
                f"{source}: a spreadsheet imports only as {SOA_DOC} (the SoA workbook), not as {doc_id!r}"
            )
        _import_soa(source, author, workspace)
        return
    if doc_id is None:
        raise InputError(f"{source}: say which catalogue document it is a version of with --as DOC_ID")
    from assistant.workflow import import_existing  # the version store: loaded only when needed

    corpus = load_corpus(load_settings(workspace=workspace).corpus_dir)
    if doc_id not in corpus.documents:
        raise InputError(f"{source}: cannot import as {doc_id!r}: unknown document id")
    profile = load_profile(ws.profile_path) if ws.profile_path.exists() else None
    version = import_existing(ws, corpus, source, doc_id, author, profile=profile)
    where = f"; written to {ws.out_dir / (doc_id + '.md')}" if profile is not None else ""
    console.print(
        f"{doc_id}: version {version.label} (#{version.number}) imported from {source.name} "
        f"({version.source}){where}",
        highlight=False,
    )


def _import_soa(source: Path, author: str, workspace: Path) -> None:
    """The SoA sheet of `source` saved as a new version of the SoA, checked as the UI grid checks it."""
    from assistant.cli.loading import load_inputs
    from assistant.documents.files import numpy_hidden

    inputs = load_inputs(workspace)
    with numpy_hidden():
        from assistant.soa_import import import_soa_xlsx

    saved = import_soa_xlsx(inputs.workspace, inputs.corpus, inputs.profile, inputs.register, source, author)
    console.print(
        f"{SOA_DOC}: version {saved.version.number} imported from {source.name}: " + "; ".join(saved.changes),
        highlight=False,
    )
    console.print("written: " + ", ".join(saved.written), highlight=False)


import_cmd = handles_errors(import_document)
