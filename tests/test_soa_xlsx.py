"""Issue 16, Excel: soa.xlsx prints (landscape, one page wide, header repeated, footer with pages and the
classification), has friendly headers, a Summary of formulas, whole-column validation and a document-control
sheet; an edited soa.xlsx comes back with `isms import` as a new version of the SoA, checked as the grid is."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from typer.testing import CliRunner

from assistant.cli.loading import load_inputs
from assistant.documents.cells import unsafe_prefix
from assistant.documents.soa_csv import COLUMNS, read_soa_csv
from assistant.documents.soa_xlsx import HEADERS, field_for, render_soa_xlsx
from assistant.drafting.engine import SOA_DOC
from assistant.drafting.models import Soa, SoaRow
from assistant.drafting.soa import bases
from assistant.ids import THEMES
from assistant.workflow import store_for
from tests.conftest import invoke
from tests.helpers import generate_example, private_copy

FREE = "A.7.6"  # Working in secure areas: no register risk names it
REASON = (
    "Kestrel Analytics has no secure areas: no servers, network equipment or paper records are kept at the "
    "co-working office, and production runs in AWS."
)
FRONT = {
    "id": SOA_DOC,
    "title": "Statement of Applicability",
    "version": "0.3",
    "status": "in_review",
    "owner": "Claire Whitfield (CEO)",
    "approver": "Daniel Okafor (Head of Security)",
    "classification": "Confidential",
}


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "soa-xlsx")


@pytest.fixture
def ws(generated: Path, tmp_path: Path) -> Path:
    return private_copy(generated, tmp_path)


def _book(data: bytes) -> Any:
    return load_workbook(io.BytesIO(data))


def _soa(generated: Path) -> Soa:
    rows = read_soa_csv(generated / "out" / "soa.csv")
    return Soa(rows=rows, provider="offline", model="none", prompt_version="t", inputs_hash="h")


def _countifs(sheet: Worksheet, formula: str, summary: Worksheet) -> int:
    """A COUNTIFS of ours, evaluated over `sheet` (criteria: a Summary cell or a quoted value)."""
    pairs = re.findall(r"'[^']+'!\$([A-Z])\$2:\$[A-Z]\$1048576,(\$A\d+|\"[^\"]*\")", formula)
    assert pairs and formula.startswith("=COUNTIFS(")
    wanted = [(c, summary[v.replace("$", "")].value if v.startswith("$") else v.strip('"')) for c, v in pairs]
    return sum(all(sheet[f"{c}{n}"].value == v for c, v in wanted) for n in range(2, sheet.max_row + 1))


def test_every_sheet_prints_landscape_one_page_wide_with_footer(generated: Path) -> None:
    book = _book(render_soa_xlsx(_soa(generated), "Kestrel", front_matter=FRONT))
    assert book.sheetnames == ["Statement of Applicability", "Summary", "Document control"]
    for sheet in book.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.fitToWidth, setup.fitToHeight) == ("landscape", 1, 0), sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        assert sheet.oddFooter.right.text == "Page &P of &N" and sheet.oddFooter.left.text == "Confidential"
    assert book["Statement of Applicability"].print_title_rows == "$1:$1"
    assert book["Summary"].print_title_rows == "$3:$3"
    plain = _book(render_soa_xlsx(_soa(generated), "Kestrel"))  # the generator's call: no front matter
    assert plain.worksheets[0].oddFooter.left.text == "Internal"
    assert _book(render_soa_xlsx(_soa(generated), "K", classification="R&D")).worksheets[
        0
    ].oddFooter.left.text == ("R&&D")


def test_headers_are_friendly_and_map_back_to_the_csv_fields(generated: Path) -> None:
    sheet = _book(render_soa_xlsx(_soa(generated), "Kestrel")).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:7] == [
        "Control",
        "Title",
        "Theme",
        "Applicable",
        "Justification",
        "Drivers",
        "Implementation status",
    ]
    assert [field_for(h) for h in header] == COLUMNS and [field_for(c) for c in COLUMNS] == COLUMNS
    assert field_for("  implementation STATUS ") == "implementation_status" and field_for("nope") is None
    assert sheet["E2"].alignment.wrap_text and sheet.column_dimensions["E"].width >= 60
    assert all((sheet.row_dimensions[n].height or 0) >= 15 for n in range(2, sheet.max_row + 1))
    assert sheet.freeze_panes == "B2" and sheet.auto_filter.ref == "A1:J94"
    assert list(HEADERS) == COLUMNS


def test_validation_covers_the_whole_column(generated: Path) -> None:
    sheet = _book(render_soa_xlsx(_soa(generated), "Kestrel")).worksheets[0]
    ranges = {str(v.sqref): v.formula1 for v in sheet.data_validations.dataValidation}
    assert ranges["D2:D1048576"] == '"yes,no"'
    assert ranges["G2:G1048576"] == '"implemented,partial,planned,not_implemented"'


def test_the_summary_is_formulas_that_count_the_rows(generated: Path) -> None:
    soa = _soa(generated)
    book = _book(render_soa_xlsx(soa, "Kestrel"))
    sheet, summary = book.worksheets[0], book["Summary"]
    table = {r[0].value: r for r in summary.iter_rows(min_row=4, max_row=8)}
    assert list(table) == [*THEMES, "all"]
    for theme in THEMES:
        cells = table[theme][1:]
        assert all(c.data_type == "f" and str(c.value).startswith("=COUNTIFS") for c in cells), theme
        counted = [_countifs(sheet, str(c.value), summary) for c in cells]
        rows = [r for r in soa.rows if r.theme == theme]
        applicable = [r for r in rows if r.applicable == "yes"]
        statuses = ["implemented", "partial", "planned", "not_implemented"]
        expected = [len(rows), len(applicable), len(rows) - len(applicable)]
        expected += [sum(r.implementation_status == s for r in applicable) for s in statuses]
        assert counted == expected, theme
    assert [c.value for c in table["all"][1:3]] == ["=SUM(B4:B7)", "=SUM(C4:C7)"]


def test_document_control_sheet(generated: Path) -> None:
    book = _book(render_soa_xlsx(_soa(generated), "Kestrel Analytics Ltd", front_matter=FRONT))
    for (
        sheet
    ) in book.worksheets:  # every printed page says whose, what, which version, and DRAFT until approved
        assert sheet.oddHeader.left.text == "Kestrel Analytics Ltd | Statement of Applicability"
        assert sheet.oddHeader.right.text == "version 0.3" and sheet.oddHeader.center.text == "DRAFT"
    referenced = _book(
        render_soa_xlsx(
            _soa(generated), "K", front_matter={**FRONT, "reference": "ISMS-STM-002", "status": "approved"}
        )
    )
    control = {r[0]: r[1] for r in referenced["Document control"].iter_rows(min_row=2, values_only=True)}
    assert control["Document reference"] == "ISMS-STM-002" and control["Status"] == "Approved"
    assert referenced.worksheets[0].oddHeader.right.text == "ISMS-STM-002 | version 0.3"
    assert not referenced.worksheets[0].oddHeader.center.text
    fields = {r[0]: r[1] for r in book["Document control"].iter_rows(min_row=2, values_only=True)}
    assert fields["Document reference"] == SOA_DOC and fields["Title"] == "Statement of Applicability"
    assert fields["Organisation"] == "Kestrel Analytics Ltd" and fields["Version"] == "0.3"
    assert fields["Status"] == "In review" and fields["Owner"] == "Claire Whitfield (CEO)"
    assert (
        fields["Approver"] == "Daniel Okafor (Head of Security)"
        and fields["Classification"] == "Confidential"
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d", str(fields["Generated"]))
    plain = _book(render_soa_xlsx(_soa(generated), "K"))["Document control"]
    assert {r[0]: r[1] for r in plain.iter_rows(min_row=2, values_only=True)}["Classification"] == "Internal"


def test_only_our_summary_cells_are_formulas(generated: Path) -> None:
    soa = _soa(generated)
    hostile = soa.model_copy(
        update={
            "rows": [soa.rows[0].model_copy(update={"justification": "=1+1", "owner": "@cmd"}), *soa.rows[1:]]
        }
    )
    book = _book(render_soa_xlsx(hostile, "=Evil Org", front_matter={**FRONT, "owner": "+SUM(A1)"}))
    formulas = [
        (s.title, c.coordinate)
        for s in book.worksheets
        for line in s.iter_rows()
        for c in line
        if c.data_type == "f"
    ]
    assert {t for t, _c in formulas} == {"Summary"}
    assert {c for _t, c in formulas} == {f"{col}{n}" for col in "BCDEFGH" for n in range(4, 9)}
    texts = [c for s in book.worksheets for line in s.iter_rows() for c in line if c.data_type != "f"]
    unsafe = [c for c in texts if isinstance(c.value, str) and unsafe_prefix(c.value)]
    assert {c.value for c in unsafe} >= {"=1+1", "@cmd", "=Evil Org", "+SUM(A1)"}
    assert all(c.data_type == "s" and c.quotePrefix for c in unsafe)


def _edited(ws: Path, target: Path, cid: str, **cells: str) -> Path:
    book = load_workbook(ws / "out" / "soa.xlsx")
    sheet = book["Statement of Applicability"]
    columns = {field_for(c.value): c.column for c in sheet[1]}
    [row] = [line[0].row for line in sheet.iter_rows(min_row=2) if line[0].value == cid]
    for name, value in cells.items():
        sheet.cell(row=row, column=columns[name], value=value)
    book.save(target)
    return target


def test_an_edited_workbook_imports_as_a_new_version(ws: Path) -> None:
    data = load_inputs(ws)
    basis = next(b for b in bases(data.corpus, data.profile, data.register) if b.control.id == FREE)
    assert not basis.must_apply and not basis.risks
    before = store_for(data.workspace).latest(SOA_DOC)
    assert before is not None
    source = _edited(ws, ws / "soa-edited.xlsx", FREE, applicable="no", justification=REASON)
    result = invoke(
        CliRunner(), "import", str(source), "--author", "Claire Whitfield", "--workspace", str(ws)
    )
    assert result.exit_code == 0, result.output
    assert f"{FREE} excluded" in " ".join(result.output.split())
    latest = store_for(data.workspace).latest(SOA_DOC)
    assert latest is not None and latest.number == before.number + 1 and latest.based_on == before.id
    assert (
        latest.author == "Claire Whitfield"
        and f"- [{FREE}] Working in secure areas: {REASON}" in latest.content
    )
    [row] = [r for r in read_soa_csv(ws / "out" / "soa.csv") if r.control_id == FREE]
    assert (row.applicable, row.justification, row.implementation_status) == ("no", REASON, "not_implemented")
    sheet = load_workbook(ws / "out" / "soa.xlsx").worksheets[0]
    [line] = [[c.value for c in r] for r in sheet.iter_rows(min_row=2) if r[0].value == FREE]
    assert line[3] == "no" and line[4] == REASON
    again = invoke(
        CliRunner(), "import", str(ws / "out" / "soa.xlsx"), "--as", SOA_DOC, "--workspace", str(ws)
    )
    assert again.exit_code == 2 and "nothing to save" in " ".join(
        again.output.split()
    )  # the published workbook is the SoA


def _files(ws: Path) -> dict[str, bytes]:
    out = ws / "out"
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file()}


def test_a_bad_justification_names_the_file_row_and_control_and_writes_nothing(ws: Path) -> None:
    source = _edited(ws, ws / "bad.xlsx", FREE, applicable="no", justification="not needed")
    before = _files(ws)
    latest = store_for(load_inputs(ws).workspace).latest(SOA_DOC)
    result = invoke(CliRunner(), "import", str(source), "--workspace", str(ws))
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert (
        "bad.xlsx" in text
        and FREE in text
        and "under 6 words" in text
        and re.search(r"row \d+: A\.7\.6", text)
    )
    assert _files(ws) == before
    after = store_for(load_inputs(ws).workspace).latest(SOA_DOC)
    assert after is not None and latest is not None and after.id == latest.id


def test_a_workbook_without_the_soa_sheet_or_a_column_is_refused(ws: Path, tmp_path: Path) -> None:
    book = load_workbook(ws / "out" / "soa.xlsx")
    book["Statement of Applicability"].title = "Sheet1"
    book.save(tmp_path / "renamed.xlsx")
    result = invoke(CliRunner(), "import", str(tmp_path / "renamed.xlsx"), "--workspace", str(ws))
    text = " ".join(result.output.split())
    assert result.exit_code == 2 and "no sheet named" in text and "renamed.xlsx" in text
    book = load_workbook(ws / "out" / "soa.xlsx")
    book["Statement of Applicability"].delete_cols(5)  # Justification
    book.save(tmp_path / "short.xlsx")
    result = invoke(CliRunner(), "import", str(tmp_path / "short.xlsx"), "--workspace", str(ws))
    assert result.exit_code == 2 and "'Justification'" in " ".join(result.output.split())
    shutil.copy(ws / "out" / "soa.xlsx", tmp_path / "soa.xlsx")
    other = invoke(
        CliRunner(),
        "import",
        str(tmp_path / "soa.xlsx"),
        "--as",
        "access-control-policy",
        "--workspace",
        str(ws),
    )
    assert other.exit_code == 2 and "only as statement-of-applicability" in " ".join(other.output.split())


def test_a_changed_engine_column_is_refused_like_the_grid(ws: Path) -> None:
    row: SoaRow = next(r for r in read_soa_csv(ws / "out" / "soa.csv") if r.control_id == FREE)
    source = _edited(ws, ws / "title.xlsx", FREE, title=row.title + " (renamed)")
    result = invoke(CliRunner(), "import", str(source), "--workspace", str(ws))
    assert result.exit_code == 2 and "title cannot be changed" in " ".join(result.output.split())


def test_the_evidence_guide_prints_one_page_wide_with_footer(generated: Path, tmp_path: Path) -> None:
    from assistant.generation.evidence_guide import GUIDE_XLSX, write_evidence_guide

    inputs = load_inputs(generated)
    write_evidence_guide(tmp_path, _soa(generated), inputs.corpus, "Kestrel", classification="Confidential")
    sheet = load_workbook(tmp_path / GUIDE_XLSX).worksheets[0]
    assert (sheet.page_setup.orientation, sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight) == (
        "landscape",
        1,
        0,
    )
    assert sheet.print_title_rows == "$1:$1" and sheet.oddFooter.left.text == "Confidential"
    assert sheet.oddFooter.right.text == "Page &P of &N" and sheet["E2"].alignment.wrap_text
    assert (sheet.row_dimensions[2].height or 0) >= 15
