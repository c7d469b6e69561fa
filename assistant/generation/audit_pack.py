"""The audit pack: one zip for the auditor with the PDF of each approved document (or each current one), the
SoA workbook and its PDF, the approval record, the evidence guide and an index saying what is in it."""

from __future__ import annotations

import csv
import html
import io
import re
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from assistant.documents.cells import safe_cell
from assistant.generation.evidence_guide import GUIDE_MD, GUIDE_XLSX
from assistant.generation.pdf_export import SOA_XLSX, PdfReport, export_pdfs, open_store
from assistant.inputs.workspace import Workspace
from assistant.knowledge.loader import Corpus
from assistant.store.service import APPROVAL_COLUMNS

INDEX_COLUMNS = ("Document", "Reference", "Version", "Status", "Approver", "Approved", "File")


@dataclass
class PackReport:
    path: Path
    pdfs: PdfReport
    names: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-") or "organisation"


def default_pack_path(ws: Workspace, organisation: str, today: date) -> Path:
    return ws.out_dir / f"audit-pack-{slug(organisation)}-{today.isoformat()}.zip"


def build_pack(
    ws: Workspace,
    corpus: Corpus,
    profile: Any,
    *,
    drafts: bool,
    soa_detail: bool,
    output: Path | None = None,
    today: date | None = None,
    on_converted: Callable[[Path], None] | None = None,
) -> PackReport:
    """Write the pack (atomically: a finished zip or none); its report. LibreOffice missing or failing
    raises before anything is written."""
    from assistant.documents.files import write_atomic

    today = today or date.today()
    organisation = profile.identity.legal_name
    path = output or default_pack_path(ws, organisation, today)
    store = open_store(ws)
    with tempfile.TemporaryDirectory(prefix="isms-pack-") as tmp:
        pdfs = export_pdfs(
            ws,
            corpus,
            profile,
            drafts=drafts,
            soa_detail=soa_detail,
            dest=Path(tmp),
            on_converted=on_converted,
        )
        report = PackReport(path=path, pdfs=pdfs)
        files: dict[str, bytes] = {}
        for item in pdfs.items:
            assert item.pdf is not None
            files[f"pdf/{item.pdf.name}"] = item.pdf.read_bytes()
    if any(item.doc_id == "soa" for item in pdfs.items):
        files[SOA_XLSX] = (ws.out_dir / SOA_XLSX).read_bytes()
    files["approvals.csv"] = _approvals_csv(store.approvals()).encode("utf-8")
    for name in (GUIDE_XLSX, GUIDE_MD):
        if (ws.out_dir / name).is_file():
            files[name] = (ws.out_dir / name).read_bytes()
        else:
            report.notes.append(
                f"{name} is not in {ws.out_dir}: run `isms generate` to write the evidence guide"
            )
    index_md = _index_md(organisation, today, pdfs, report.notes)
    files["index.md"] = index_md.encode("utf-8")
    files["index.html"] = _index_html(organisation, today, pdfs, report.notes).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files, key=lambda n: (not n.startswith("index."), n)):
            info = zipfile.ZipInfo(name, date_time=(today.year, today.month, today.day, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, files[name])
    write_atomic(path, buffer.getvalue())
    report.names = sorted(files)
    return report


def _approvals_csv(approvals: list[Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)  # \r\n line ends, as `isms approvals --csv`
    writer.writerow(APPROVAL_COLUMNS)
    for approval in approvals:
        writer.writerow([safe_cell(c) for c in approval.cells()])
    return out.getvalue()


def _rows(pdfs: PdfReport) -> list[list[str]]:
    return [
        [item.title, item.reference, item.version, item.status, item.approver, item.approved_at,
         f"pdf/{item.pdf.name}" if item.pdf is not None else ""]
        for item in pdfs.items
    ]  # fmt: skip


def _what(pdfs: PdfReport) -> str:
    return "current version of each document (drafts included)" if pdfs.drafts else "approved documents"


def _index_md(organisation: str, today: date, pdfs: PdfReport, notes: list[str]) -> str:
    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = [
        f"# Audit pack: {cell(organisation)}",
        "",
        f"Date: {today.isoformat()}  ",
        f"Contents: {_what(pdfs)}; the Statement of Applicability workbook ({SOA_XLSX}) and its PDF; the "
        f"approval record (approvals.csv); the evidence guide ({GUIDE_XLSX}, {GUIDE_MD}).",
        "",
        "## Documents",
        "",
        "| " + " | ".join(INDEX_COLUMNS) + " |",
        "|" + "---|" * len(INDEX_COLUMNS),
    ]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in _rows(pdfs)]
    if pdfs.skipped:
        lines += ["", "## Not in this pack", ""]
        lines += [f"- {cell(s.title)} ({s.doc_id}): {cell(s.reason)}" for s in pdfs.skipped]
    if notes:
        lines += ["", "## Notes", ""] + [f"- {cell(n)}" for n in notes]
    return "\n".join(lines) + "\n"


def _index_html(organisation: str, today: date, pdfs: PdfReport, notes: list[str]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(c)}</th>" for c in INDEX_COLUMNS)
    body = []
    for row in _rows(pdfs):
        cells = [f"<td>{e(c)}</td>" for c in row[:-1]]
        cells.append(f'<td><a href="{e(row[-1])}">{e(row[-1])}</a></td>' if row[-1] else "<td></td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Audit pack: {e(organisation)}</title>",
        "<style>body{font-family:Carlito,Calibri,sans-serif;margin:2em}table{border-collapse:collapse}"
        "th,td{border:1px solid #999;padding:4px 8px;text-align:left}th{background:#eee}</style>",
        "</head><body>",
        f"<h1>Audit pack: {e(organisation)}</h1>",
        f"<p>Date: {e(today.isoformat())}<br>Contents: {e(_what(pdfs))}; the Statement of Applicability "
        f'workbook (<a href="{SOA_XLSX}">{SOA_XLSX}</a>) and its PDF; the approval record '
        f'(<a href="approvals.csv">approvals.csv</a>); the evidence guide (<a href="{GUIDE_XLSX}">{GUIDE_XLSX}</a>, '
        f'<a href="{GUIDE_MD}">{GUIDE_MD}</a>).</p>',
        "<h2>Documents</h2>",
        f"<table><thead><tr>{head}</tr></thead><tbody>",
        *body,
        "</tbody></table>",
    ]
    if pdfs.skipped:
        parts += ["<h2>Not in this pack</h2>", "<ul>"]
        parts += [f"<li>{e(s.title)} ({e(s.doc_id)}): {e(s.reason)}</li>" for s in pdfs.skipped]
        parts.append("</ul>")
    if notes:
        parts += ["<h2>Notes</h2>", "<ul>", *(f"<li>{e(n)}</li>" for n in notes), "</ul>"]
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
