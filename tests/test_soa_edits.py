"""Issue 15, bug 7: an edit of the SoA grid is a version of the Statement of Applicability; it re-renders the
document, its Word file, soa.csv and soa.xlsx; an exclusion needs a reason that says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from docx import Document
from openpyxl import load_workbook
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from assistant.cli.loading import load_inputs
from assistant.documents.soa_csv import read_soa_csv
from assistant.documents.soa_word import first_sentence
from assistant.drafting.engine import SOA_DOC
from assistant.drafting.soa import bases
from assistant.errors import InputError
from assistant.generation.doctor import check_workspace
from assistant.soa_edits import NothingChanged, current_rows, grid_rows, save_soa_edit
from assistant.store import StaleEdit
from assistant.workflow import store_for
from tests.conftest import REPO, invoke
from tests.helpers import generate_example, private_copy

FREE = "A.7.6"  # Working in secure areas: no register risk names it
REASON = (
    "Kestrel Analytics has no secure areas: no servers, network equipment or paper records are kept at the "
    "co-working office, and production runs in AWS."
)
FILES = [
    "statement-of-applicability.md",
    "statement-of-applicability.docx",
    "soa.csv",
    "soa.xlsx",
    "manifest.json",
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "soa-edits")


@pytest.fixture
def ws(generated: Path, tmp_path: Path) -> Path:
    return private_copy(generated, tmp_path)


def _grid(ws: Path) -> tuple[Any, list[dict[str, str]], int]:
    data = load_inputs(ws)
    rows, latest = current_rows(data.workspace, data.corpus, data.profile)
    assert latest is not None
    return data, grid_rows(rows), latest.id


def _edit(grid: list[dict[str, str]], cid: str, **cells: str) -> list[dict[str, str]]:
    return [{**r, **cells} if r["control_id"] == cid else dict(r) for r in grid]


def _snapshot(ws: Path) -> dict[str, bytes]:
    return {name: (ws / "out" / name).read_bytes() for name in FILES}


def _save(ws: Path, grid: list[dict[str, str]], base: int, author: str = "Claire Whitfield") -> Any:
    data = load_inputs(ws)
    return save_soa_edit(data.workspace, data.corpus, data.profile, data.register, grid, author, base)


def test_an_exclusion_is_a_new_version_and_every_file_shows_it(ws: Path) -> None:
    data, grid, base = _grid(ws)
    assert not next(b for b in bases(data.corpus, data.profile, data.register) if b.control.id == FREE).risks
    saved = _save(ws, _edit(grid, FREE, applicable="no", justification=REASON), base)
    store = store_for(data.workspace)
    latest = store.latest(SOA_DOC)
    assert latest is not None and latest.id == saved.version.id and latest.based_on == base
    assert latest.source == "edited" and latest.author == "Claire Whitfield" and latest.status == "draft"
    assert saved.changes == [f"{FREE} excluded"] and f"SoA grid: {FREE} excluded" in latest.note
    out = ws / "out"
    md = (out / f"{SOA_DOC}.md").read_text(encoding="utf-8")
    assert md == latest.content and "status: draft" in md
    assert f"| [{FREE}] | Working in secure areas | no | not implemented | " in md and REASON in md
    assert f"- [{FREE}] Working in secure areas: {REASON}" in md
    assert "| all | 93 | 90 | 3 |" in md  # the summary counts follow the rows
    word = Document(str(out / f"{SOA_DOC}.docx"))
    cells = [[c.text for c in row.cells] for t in word.tables for row in t.rows]
    reason = "Excluded: " + first_sentence(REASON)  # the compact Word table's one-line reason
    assert any(FREE in line[0] and "no" in line and reason in line for line in cells)
    [row] = [r for r in read_soa_csv(out / "soa.csv") if r.control_id == FREE]
    assert (row.applicable, row.justification, row.implementation_status) == ("no", REASON, "not_implemented")
    sheet = load_workbook(out / "soa.xlsx").worksheets[0]
    [cells_x] = [[c.value for c in line] for line in sheet.iter_rows(min_row=2) if line[0].value == FREE]
    assert cells_x[3] == "no" and cells_x[4] == REASON
    assert any(a == "soa-edited" and FREE in d for _t, _who, a, _doc, d in _audit(store))
    assert check_workspace(out, store, repair=False, verify=True).problems == []
    result = invoke(CliRunner(), "doctor", "--verify", "--workspace", str(ws))
    assert result.exit_code == 0, result.output
    _data, again, _base = _grid(ws)  # the grid starts from what was saved
    assert next(r for r in again if r["control_id"] == FREE)["justification"] == REASON


def _audit(store: Any) -> list[tuple[Any, str, str, str, str]]:
    return [(t, who, action, doc, detail) for t, who, action, doc, detail in store.audit_log()]


def _applicable_text(grid: list[dict[str, str]], cid: str) -> str:
    return next(r for r in grid if r["control_id"] == cid)["justification"]


BAD = {
    "empty": (lambda g: "", "needs a justification"),
    "short": (lambda g: "Not needed here.", "under 6 words"),
    "the row's applicable text": (lambda g: _applicable_text(g, FREE), "text of an applicable row"),
    "another row's text": (lambda g: _applicable_text(g, "A.7.5"), "text of an applicable row"),
    "applicable wording": (
        lambda g: (
            "Working in secure areas is applicable because Kestrel Analytics has an office in Manchester."
        ),
        "reads like an applicable row",
    ),
    "in place": (
        lambda g: "Screening visitors to the Manchester office is already in place and reviewed every year.",
        "reads like an applicable row",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_a_poor_exclusion_reason_is_refused_and_nothing_is_written(ws: Path, case: str) -> None:
    data, grid, base = _grid(ws)
    reason, message = BAD[case]
    before, versions = _snapshot(ws), len(store_for(data.workspace).versions(SOA_DOC))
    with pytest.raises(InputError) as caught:
        _save(ws, _edit(grid, FREE, applicable="no", justification=reason(grid)), base)
    assert any(d.startswith(f"{FREE}: ") and message in d for d in caught.value.details), caught.value.details
    assert _snapshot(ws) == before and len(store_for(data.workspace).versions(SOA_DOC)) == versions


def test_naming_a_risk_the_control_treats_is_refused(ws: Path) -> None:
    _data, grid, base = _grid(ws)
    reason = "Tailgating into the co-working office (R-022) is handled by the building operator, not Kestrel."
    with pytest.raises(InputError) as caught:
        _save(ws, _edit(grid, "A.7.3", applicable="no", justification=reason), base)
    assert any(d.startswith("A.7.3: ") and "names R-022" in d for d in caught.value.details)


def test_a_control_treating_a_high_risk_cannot_be_excluded(ws: Path) -> None:
    data, grid, base = _grid(ws)
    high = next(b for b in bases(data.corpus, data.profile, data.register) if b.must_apply).control.id
    before = _snapshot(ws)
    with pytest.raises(InputError) as caught:
        _save(ws, _edit(grid, high, applicable="no", justification=REASON), base)
    assert any(d.startswith(f"{high}: cannot be excluded: it treats") for d in caught.value.details)
    assert _snapshot(ws) == before


def test_an_applicable_row_needs_a_justification_and_ids_are_fixed(ws: Path) -> None:
    _data, grid, base = _grid(ws)
    bad = _edit(_edit(grid, "A.5.8", justification=" "), "A.5.9", title="Something else")
    with pytest.raises(InputError) as caught:
        _save(ws, bad[:-1], base)
    details = caught.value.details
    assert "A.5.8: an applicable control needs a justification" in details
    assert "A.5.9: title cannot be changed in the grid" in details
    assert any(d.startswith("A.8.34: missing from the grid") for d in details)
    with pytest.raises(NothingChanged):
        _save(ws, grid, base)


def test_a_stale_base_raises_and_keeps_the_newer_version(ws: Path) -> None:
    data, grid, base = _grid(ws)
    _save(ws, _edit(grid, "A.5.8", implementation_status="implemented"), base, author="Daniel Okafor")
    before = _snapshot(ws)
    with pytest.raises(StaleEdit) as caught:
        _save(ws, _edit(grid, FREE, applicable="no", justification=REASON), base)
    assert "Daniel Okafor saved version 2" in caught.value.message
    assert _snapshot(ws) == before


def test_regeneration_keeps_the_exclusion_in_every_file(ws: Path) -> None:
    _data, grid, base = _grid(ws)
    _save(ws, _edit(grid, FREE, applicable="no", justification=REASON), base)
    risks = ws / "risks.csv"
    risks.write_text(
        risks.read_text(encoding="utf-8").replace("Intrusion goes undetected", "Intrusion unseen")
    )
    result = invoke(CliRunner(), "generate", "--workspace", str(ws), "--provider", "offline")
    assert result.exit_code == 0, result.output
    out = ws / "out"
    md = (out / f"{SOA_DOC}.md").read_text(encoding="utf-8")
    assert "Intrusion unseen" in md and f"- [{FREE}] Working in secure areas: {REASON}" in md
    rows = {r.control_id: r for r in read_soa_csv(out / "soa.csv")}
    assert (rows[FREE].applicable, rows[FREE].justification) == ("no", REASON)
    assert "Intrusion unseen" in rows["A.5.7"].justification  # the new draft's rows, the person's exclusion
    doctor = invoke(CliRunner(), "doctor", "--verify", "--workspace", str(ws))
    assert doctor.exit_code == 0, doctor.output


def test_the_soa_page_saves_an_edit_as_a_version(ws: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISMS_WORKSPACE", str(ws))
    _data, grid, base = _grid(ws)
    at = AppTest.from_file(str(REPO / "ui" / "app.py"), default_timeout=60)
    at.session_state["acting-person"] = "Priya Raman"
    at.run()
    at.switch_page("pages/soa.py").run()
    assert not at.exception and not at.error, (at.exception, [e.value for e in at.error])
    # AppTest cannot type into a data editor: the grid starts from rows with the edit already made.
    at.session_state["soa-start"] = (base, _edit(grid, FREE, applicable="no", justification="Not needed."))
    at.run()
    at.button(key="soa-save").click().run()
    assert not at.exception
    assert any(FREE in e.value and "under 6 words" in e.value for e in at.error), [e.value for e in at.error]
    at.session_state["soa-start"] = (base, _edit(grid, FREE, applicable="no", justification=REASON))
    at.run()
    at.button(key="soa-save").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert any(
        f"saved version 2 of the Statement of Applicability: {FREE} excluded" in s.value for s in at.success
    )
    latest = store_for(load_inputs(ws).workspace).latest(SOA_DOC)
    assert (
        latest is not None
        and latest.number == 2
        and latest.author == "Priya Raman"
        and REASON in latest.content
    )
