"""`isms export --pdf` (PDFs of the approved documents, or every current one) and `isms pack` (the audit pack:
one zip for the auditor)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from assistant.cli.common import WorkspaceOpt, console, err_console, handles_errors
from assistant.cli.draft_cmds import OutOpt
from assistant.errors import InputError

if TYPE_CHECKING:
    from assistant.generation.pdf_export import PdfReport

DraftsOpt = Annotated[
    bool,
    typer.Option(
        "--drafts", help="Every current document, drafts included (default: only approved versions)."
    ),
]
SoaDetailOpt = Annotated[
    bool, typer.Option("--soa-detail", help="The SoA's Word/PDF with every column of the workbook.")
]


def export(
    pdf: Annotated[
        bool, typer.Option("--pdf", help="Write a PDF of each document and of the SoA workbook.")
    ] = False,
    drafts: DraftsOpt = False,
    soa_detail: SoaDetailOpt = False,
    dest: Annotated[
        Path | None, typer.Option("--dest", help="Folder for the PDFs (default: OUT/pdf).")
    ] = None,
    out: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """PDFs of the approved version of every approved document (with --drafts, of every current document) and
    of the SoA workbook, through LibreOffice."""
    from assistant.cli.loading import load_inputs
    from assistant.generation.pdf_export import export_pdfs

    if not pdf:
        raise InputError("say which export: `--pdf` (the PDF of each document) is the export available")
    inputs = load_inputs(workspace, out=out)
    ws = inputs.workspace
    target = dest or ws.out_dir / "pdf"
    _starting(drafts)
    report = export_pdfs(
        ws,
        inputs.corpus,
        inputs.profile,
        drafts=drafts,
        soa_detail=soa_detail,
        dest=target,
        on_converted=_done,
    )
    _summary(report, f"PDF export ({report.dest})")


def pack(
    drafts: DraftsOpt = False,
    soa_detail: SoaDetailOpt = False,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", help="The zip to write (default: OUT/audit-pack-<organisation>-<date>.zip)."
        ),
    ] = None,
    out: OutOpt = None,
    workspace: WorkspaceOpt = Path("."),
) -> None:
    """The audit pack: one zip with the PDF of each approved document (with --drafts, each current one), the SoA
    workbook and its PDF, the approval record, the evidence guide and an index (index.html, index.md)."""
    from assistant.cli.loading import load_inputs
    from assistant.generation.audit_pack import build_pack

    inputs = load_inputs(workspace, out=out)
    if output is not None and output.is_dir():
        raise InputError(f"{output}: is a folder; --output names the zip file to write")
    _starting(drafts)
    report = build_pack(
        inputs.workspace, inputs.corpus, inputs.profile, drafts=drafts, soa_detail=soa_detail, output=output,
        on_converted=_done,
    )  # fmt: skip
    _summary(report.pdfs, f"audit pack ({report.path})")
    for note in report.notes:
        err_console.print(f"[yellow]note:[/] {note}", highlight=False, markup=False)
    console.print(f"wrote {report.path} ({len(report.names)} files)", highlight=False, markup=False)


def _starting(drafts: bool) -> None:
    from assistant.documents.pdf_render import find_soffice

    find_soffice()  # a missing LibreOffice is said before any work starts
    what = "every current document" if drafts else "the approved documents"
    err_console.print(f"rendering {what} and converting them with LibreOffice ...", highlight=False)


def _done(source: Path) -> None:
    err_console.print(f"  converted {source.name}", highlight=False, markup=False)


def _summary(report: PdfReport, title: str) -> None:
    table = Table(title=f"{title}: {len(report.items)} PDF(s), {report.seconds:.1f}s", title_justify="left")
    for column in ("pdf", "version", "status", "approver", "pages"):
        table.add_column(column, overflow="fold")
    for item in report.items:
        name = item.pdf.name if item.pdf is not None else item.doc_id
        table.add_row(
            *(Text(c) for c in (name, item.version, item.status, item.approver)),
            str(item.pages) if item.pages is not None else "?",
        )
    console.print(table)
    if report.skipped:
        skipped = Table(title=f"skipped ({len(report.skipped)})", title_justify="left")
        skipped.add_column("document", overflow="fold")
        skipped.add_column("why", overflow="fold")
        for left in report.skipped:
            skipped.add_row(Text(left.doc_id), Text(left.reason))
        console.print(skipped)
    if not report.items:
        console.print("no PDF written: nothing is approved yet; `--drafts` exports every current document")


export_cmd = handles_errors(export)
pack_cmd = handles_errors(pack)
