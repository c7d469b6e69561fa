"""Organisation text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`, tab, carriage return) is
text in every CSV and XLSX we write, and our own readers give the original text back."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest
import yaml
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest

from assistant.cli.loading import load_inputs
from assistant.documents.cells import safe_cell, unescape_cell, unsafe_prefix
from assistant.documents.soa_csv import COLUMNS, read_soa_csv, soa_csv_text, write_soa_csv
from assistant.documents.soa_xlsx import field_for, render_soa_xlsx, write_soa_xlsx
from assistant.drafting.models import Soa, SoaRow
from assistant.drafting.soa import OfflineSoaWriter, bases, finalise
from assistant.generation.evidence_guide import GUIDE_XLSX, write_evidence_guide
from eval.docset import load_document_set
from tests.conftest import REPO, copy_example
from tests.helpers import RISK_HEADER

HYPERLINK = '=HYPERLINK("http://x","y")'
PAYLOADS = [HYPERLINK, "+SUM(A1)", "@cmd", "-2+3", "\tcmd", "\rcmd"]


def _soa(rows: list[SoaRow]) -> Soa:
    return Soa(rows=rows, provider="offline", model="none", prompt_version="t", inputs_hash="h")


def _row(control_id: str, **fields: object) -> SoaRow:
    values: dict[str, object] = {
        "control_id": control_id,
        "title": "Policies for information security",
        "theme": "organizational",
        "applicable": "yes",
        "justification": "Applicable because it treats R-001.",
        "drivers": ["R-001"],
        "implementation_status": "planned",
        "owner": "Head of Security (Daniel Okafor)",
        "documents": ["information-security-policy"],
        "evidence": "Approved policy",
    }
    return SoaRow.model_validate({**values, **fields})


@pytest.fixture
def hostile() -> Soa:
    return _soa(
        [
            _row("A.5.1", title=HYPERLINK, justification="+SUM(A1)", owner="@cmd", evidence="-2+3"),
            _row("A.5.2", justification="@cmd", drivers=["=1+1", "R-002"], evidence="\tcmd"),
            _row("A.5.3", justification="-2+3", owner="\rcmd", documents=["+doc"]),
            _row("A.5.4", justification="'=already quoted", evidence="'plain quote"),
        ]
    )


def _formulas(xlsx: bytes | Path) -> list[str]:
    """Every formula in any sheet of the workbook but our own Summary counts (COUNTIFS/SUM over the SoA
    sheet, in the second sheet): organisation text must never become one."""
    source = xlsx if isinstance(xlsx, Path) else io.BytesIO(xlsx)
    found = []
    with zipfile.ZipFile(source) as book:
        sheets = [n for n in book.namelist() if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        for name in sheets:
            for tag, body in re.findall(r"<((?:\w+:)?f)(?:\s[^>]*)?>(.*?)</\1>", book.read(name).decode()):
                ours = name.endswith("sheet2.xml") and re.match(r"(COUNTIFS|SUM)\(", body)
                if not ours:
                    found.append(f"{name}: {tag} {body}")
            found += [
                f"{name}: empty formula" for _ in re.findall(r"<(?:\w+:)?f\s*/>", book.read(name).decode())
            ]
    return found


@pytest.mark.parametrize(
    "text",
    [*PAYLOADS, "", "plain", "'plain", "'=x", "''@y", "'", "a=b", "2024-01-01", "-", "=", "'\t"],
)
def test_the_cell_rule_round_trips_every_text(text: str) -> None:
    escaped = safe_cell(text)
    assert not unsafe_prefix(escaped)
    assert unescape_cell(escaped) == text
    assert escaped == ("'" + text if unsafe_prefix(text.lstrip("'")) else text)


def test_csv_cells_are_quoted_and_read_back_as_written(hostile: Soa, tmp_path: Path) -> None:
    text = soa_csv_text(hostile)
    rows = list(csv.DictReader(io.StringIO(text, newline="")))  # as a spreadsheet sees the file
    assert rows[0]["title"] == "'" + HYPERLINK and rows[0]["justification"] == "'+SUM(A1)"
    assert rows[0]["owner"] == "'@cmd" and rows[0]["evidence"] == "'-2+3"
    assert rows[1]["drivers"] == "'=1+1;R-002" and rows[1]["evidence"] == "'\tcmd"
    assert rows[2]["owner"] == "'\rcmd" and rows[2]["documents"] == "'+doc"
    assert rows[3]["justification"] == "''=already quoted" and rows[3]["evidence"] == "'plain quote"
    assert not [c for r in rows for c in r.values() if unsafe_prefix(c)]
    path = tmp_path / "soa.csv"
    write_soa_csv(path, hostile)
    assert read_soa_csv(path) == hostile.rows


def test_xlsx_cells_are_strings_never_formulas(hostile: Soa, tmp_path: Path) -> None:
    data = render_soa_xlsx(hostile, "=Evil Org")
    assert _formulas(data) == []
    path = tmp_path / "soa.xlsx"
    write_soa_xlsx(path, hostile, "=Evil Org")
    book = load_workbook(path)
    sheet = book.worksheets[0]
    assert [field_for(c.value) for c in sheet[1]] == COLUMNS
    cells = {c.coordinate: c for line in sheet.iter_rows(min_row=2) for c in line}
    expected = {"B2": HYPERLINK, "E2": "+SUM(A1)", "H2": "@cmd", "J2": "-2+3", "E3": "@cmd"}
    for coordinate, text in expected.items():
        assert cells[coordinate].value == text and cells[coordinate].data_type == "s", coordinate
        assert cells[coordinate].quotePrefix, coordinate
    assert cells["F3"].value == "=1+1; R-002" and cells["F3"].data_type == "s"
    assert cells["E5"].value == "'=already quoted"  # XLSX needs no escaping of its own: text is text
    assert all(c.data_type != "f" for c in cells.values())
    summary = book["Summary"]["A1"]
    assert summary.value == "=Evil Org: Statement of Applicability summary" and summary.data_type == "s"


@pytest.fixture
def hostile_workspace(tmp_path: Path) -> Path:
    """Kestrel, with a risk titled like a formula and role titles that lead the SoA's owner cells."""
    ws = copy_example("kestrel-saas", tmp_path / "kestrel")
    profile = yaml.safe_load((ws / "profile.yaml").read_text(encoding="utf-8"))
    for key, title in {"isms_owner": "@cmd", "security_lead": "+SUM(A1)", "it_lead": "-2+3"}.items():
        profile["roles"][key]["title"] = title
    (ws / "profile.yaml").write_text(yaml.safe_dump(profile, sort_keys=False), encoding="utf-8")
    with (ws / "risks.csv").open("w", encoding="utf-8", newline="") as handle:
        handle.write(RISK_HEADER)
        risk = ["R-001", HYPERLINK, "Phishing of staff credentials.", "security_lead", 4, 4, "mitigate"]
        csv.writer(handle, lineterminator="\n").writerow([*risk, "A.5.15"])
    return ws


def _generated_soa(ws: Path) -> Soa:
    inputs = load_inputs(ws)
    titles = {d: doc.title for d, doc in inputs.corpus.documents.items()}
    writer = OfflineSoaWriter(inputs.profile, titles)
    basis = bases(inputs.corpus, inputs.profile, inputs.register)
    return _soa([finalise(b, writer.draft(b))[0] for b in basis])


def test_profile_and_register_text_is_safe_in_every_file(hostile_workspace: Path) -> None:
    inputs = load_inputs(hostile_workspace)
    assert inputs.register is not None and inputs.register.risks[0].title == HYPERLINK
    soa = _generated_soa(hostile_workspace)
    leading = {r.owner for r in soa.rows if unsafe_prefix(r.owner)}
    assert leading >= {"@cmd (Claire Whitfield)", "+SUM(A1) (Daniel Okafor)"}
    out = hostile_workspace / "out"
    out.mkdir()
    write_soa_csv(out / "soa.csv", soa)
    write_soa_xlsx(out / "soa.xlsx", soa, inputs.profile.identity.legal_name)
    write_evidence_guide(out, soa, inputs.corpus, inputs.profile.identity.name)
    for path in (out / "soa.xlsx", out / GUIDE_XLSX):
        assert _formulas(path) == [], path
        cells = [c for s in load_workbook(path).worksheets for line in s.iter_rows() for c in line]
        texts = [
            c for c in cells if isinstance(c.value, str) and unsafe_prefix(c.value) and c.data_type != "f"
        ]
        assert texts and all(c.data_type == "s" for c in texts), path
    raw = list(csv.DictReader((out / "soa.csv").open(encoding="utf-8", newline="")))
    assert all(r["owner"].startswith("'") for r in raw if r["owner"].lstrip("'")[0] in "=+-@")
    assert read_soa_csv(out / "soa.csv") == soa.rows
    ds = load_document_set(out, inputs.corpus, inputs.profile, inputs.register)
    assert ds.soa_rows is not None and [r["owner"] for r in ds.soa_rows] == [r.owner for r in soa.rows]


def test_the_soa_page_shows_the_text_and_saves_it_escaped(
    hostile_workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from assistant.soa_edits import grid_rows, save_soa_edit
    from assistant.workflow import store_for
    from tests.conftest import invoke

    ws = hostile_workspace
    assert invoke(CliRunner(), "generate", "--workspace", str(ws), "--provider", "offline").exit_code == 0
    out = ws / "out"
    soa = read_soa_csv(out / "soa.csv")
    assert any(unsafe_prefix(r.owner) for r in soa)
    monkeypatch.setenv("ISMS_WORKSPACE", str(ws))
    at = AppTest.from_file(str(REPO / "ui" / "app.py"), default_timeout=60)
    at.session_state["acting-person"] = "Daniel Okafor"
    at.run()
    at.switch_page("pages/soa.py").run()
    assert not at.exception, at.exception
    shown = at.dataframe[0].value  # the grid shows the organisation's text, not the file's escaping
    assert list(shown["owner"]) == [r.owner for r in soa]

    # A saved cell that starts like a formula is text in soa.csv and soa.xlsx, and reads back as typed.
    inputs = load_inputs(ws)
    free = next(
        b.control.id for b in bases(inputs.corpus, inputs.profile, inputs.register) if not b.must_apply
    )
    reason = "-No software is developed in house: every system is bought as a service from a supplier."
    rows = [
        {**r, "applicable": "no", "justification": reason} if r["control_id"] == free else r
        for r in grid_rows(soa)
    ]
    latest = store_for(inputs.workspace).latest("statement-of-applicability")
    assert latest is not None
    save_soa_edit(
        inputs.workspace, inputs.corpus, inputs.profile, inputs.register, rows, "Daniel Okafor", latest.id
    )
    raw = {r["control_id"]: r for r in csv.DictReader((out / "soa.csv").open(encoding="utf-8", newline=""))}
    assert raw[free]["justification"] == "'" + reason
    assert next(r for r in read_soa_csv(out / "soa.csv") if r.control_id == free).justification == reason
    assert _formulas(out / "soa.xlsx") == []
