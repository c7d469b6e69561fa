"""The evidence guide: for every applicable control, what to show the auditor, who owns it and where it
lives. Evidence lists belong here, for audit preparation, never in the policies themselves."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.table import Table, TableStyleInfo

from assistant.documents.cells import append_text_row
from assistant.documents.files import write_atomic
from assistant.documents.xlsx_layout import print_setup, wrap_and_fit_rows
from assistant.drafting.models import Soa
from assistant.knowledge.loader import Corpus

GUIDE_MD = "evidence-guide.md"
GUIDE_XLSX = "evidence-guide.xlsx"
# Guidance evidence items carry examples in brackets ("(AWS Config, Azure Policy)"): not this organisation's.
EXAMPLES_IN_BRACKETS = re.compile(r"\s*\([^)]*\)")
HEADER = ["Control", "Title", "Status", "Owner", "Evidence to show", "Where it lives"]


def guide_rows(soa: Soa, corpus: Corpus, known_text: str = "") -> list[list[str]]:
    """`known_text`: the organisation's own inputs; evidence naming a product it does not use is left out."""
    rows = []
    for row in soa.rows:
        if row.applicable != "yes":
            continue
        control = corpus.controls[row.control_id]
        where = "; ".join(corpus.documents[d].title for d in row.documents if d in corpus.documents)
        rows.append(
            [
                row.control_id,
                row.title,
                row.implementation_status.replace("_", " "),
                row.owner,
                "; ".join(
                    e.rstrip(".") for e in control.evidence if not corpus.vendors.foreign(e, known_text)
                ),
                where or "Statement of Applicability",
            ]
        )
    return rows


def write_evidence_guide(
    out_dir: Path,
    soa: Soa,
    corpus: Corpus,
    organisation: str,
    known_text: str = "",
    *,
    classification: str | None = None,
) -> list[Path]:
    """evidence-guide.md and .xlsx; the workbook prints landscape, one page wide, with the header row on every
    page and `classification` (default "Internal") and the page numbers in its footer."""
    rows = guide_rows(soa, corpus, known_text)
    lines = [
        f"# Evidence guide: {organisation}",
        "",
        f"What to show the auditor for each of the {len(rows)} applicable Annex A controls, who owns it and "
        "which document sets out the control. Prepared for audit readiness; not part of the policy set.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---" for _ in HEADER) + "|",
    ]
    lines += ["| " + " | ".join(c.replace("|", "/") for c in r) + " |" for r in rows]
    md = out_dir / GUIDE_MD
    write_atomic(md, "\n".join(lines) + "\n")
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Evidence guide"
    sheet.append(HEADER)
    for r in rows:
        append_text_row(sheet, r)  # owners, titles and evidence are text, never formulas
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDEF", (10, 40, 14, 30, 80, 45), strict=True):
        sheet.column_dimensions[column].width = width
    wrap_and_fit_rows(sheet)
    sheet.freeze_panes = "A2"
    print_setup(sheet, classification)
    if rows:
        grid = Table(displayName="EvidenceGuide", ref=f"A1:F{len(rows) + 1}")
        grid.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        sheet.add_table(grid)
    xlsx = out_dir / GUIDE_XLSX
    buffer = BytesIO()
    book.save(buffer)
    write_atomic(xlsx, buffer.getvalue())
    return [md, xlsx]
