"""Adding a risk to the register (the UI's "Add a risk" form): validated like `isms risks check`, the next
free id, the file rewritten whole with the previous one kept, nothing written on a bad value."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from assistant.errors import InputError
from assistant.inputs.profile import load_profile
from assistant.inputs.risk_entry import add_risk, next_risk_id
from assistant.inputs.risks import COLUMNS, load_risks
from assistant.inputs.workspace import Workspace
from tests.helpers import kestrel_copy

NEW = {
    "title": "Loss of the office door access controller",
    "description": "The co-working building's badge system fails and the private office stays unlocked.",
    "owner": "it_lead",
    "likelihood": "2",
    "impact": "3",
    "treatment": "mitigate",
    "controls": "A.7.2, A.7.1",
}


@pytest.fixture
def ws(tmp_path: Path) -> Workspace:
    return Workspace.open(kestrel_copy(tmp_path))


def test_a_risk_is_added_with_the_next_id_and_the_old_file_kept(ws: Workspace) -> None:
    before = load_risks(ws.root / "risks.csv")
    profile = load_profile(ws.profile_path)
    risk = add_risk(ws, NEW, profile)
    assert risk.id == next_risk_id(before) == f"R-{len(before.risks) + 1:03d}"
    after = load_risks(ws.root / "risks.csv")
    assert [r.id for r in after.risks] == [*(r.id for r in before.risks), risk.id]
    added = after.by_id()[risk.id]
    assert added.controls == ("A.7.2", "A.7.1") and added.score == 6 and added.owner == "it_lead"
    rows = list(csv.reader((ws.root / "risks.csv").open(encoding="utf-8")))
    assert rows[0][: len(COLUMNS)] == COLUMNS  # the file's own header, kept
    assert len(list((ws.state_dir / "register-history").glob("*-risks.csv"))) == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"likelihood": "7"}, "likelihood"),
        ({"controls": "A.5.99"}, "controls"),
        ({"controls": "A.12.1.1"}, "controls"),
        ({"owner": "chief_wizard"}, "owner"),
        ({"treatment": "ignore"}, "treatment"),
        ({"title": ""}, "title"),
        ({"id": "R-001"}, "R-001"),
    ],
)
def test_a_bad_value_is_named_and_nothing_is_written(
    ws: Workspace, change: dict[str, str], named: str
) -> None:
    original = (ws.root / "risks.csv").read_bytes()
    with pytest.raises(InputError) as raised:
        add_risk(ws, {**NEW, **change}, load_profile(ws.profile_path))
    assert named in str(raised.value) + " ".join(raised.value.details)
    assert (ws.root / "risks.csv").read_bytes() == original


def test_an_xlsx_register_gets_the_row_too(ws: Workspace) -> None:
    from openpyxl import Workbook

    rows = list(csv.reader((ws.root / "risks.csv").open(encoding="utf-8")))
    book = Workbook()
    for row in rows:
        book.active.append([int(c) if c.isdigit() else c for c in row])
    book.save(ws.root / "risks.xlsx")
    (ws.root / "risks.csv").unlink()
    risk = add_risk(ws, NEW, load_profile(ws.profile_path))
    after = load_risks(ws.root / "risks.xlsx")
    assert after.risks[-1].id == risk.id and len(after.risks) == len(rows)


def test_a_workspace_without_a_register_gets_one(tmp_path: Path) -> None:
    ws = Workspace.open(kestrel_copy(tmp_path))
    (ws.root / "risks.csv").unlink()
    risk = add_risk(ws, NEW)
    assert risk.id == "R-001" and load_risks(ws.root / "risks.csv").risks[0].title == NEW["title"]
