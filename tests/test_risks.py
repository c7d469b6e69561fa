from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook

from assistant.errors import InputError
from assistant.inputs.profile import load_profile
from assistant.inputs.risks import COLUMNS, load_risks
from tests.conftest import ALL_EXAMPLES, EXAMPLES, invoke
from tests.helpers import RISK_HEADER, write_risks

GOOD = "R-001,Laptop theft,Unencrypted laptop stolen from a car,security_lead,3,4,mitigate,A.8.1;A.7.9"


@pytest.mark.parametrize("name", ALL_EXAMPLES)
def test_examples_validate(name: str) -> None:
    register = load_risks(EXAMPLES / name / "risks.csv")
    profile = load_profile(EXAMPLES / name / "profile.yaml")
    assert 15 <= len(register.risks) <= 30
    assert register.above(profile.risk_criteria.acceptance_threshold), "examples need risks above threshold"
    assert all(r.controls for r in register.risks if r.treatment == "mitigate")


def test_score_is_likelihood_times_impact(tmp_path: Path) -> None:
    register = load_risks(write_risks(tmp_path / "r.csv", GOOD))
    risk = register.risks[0]
    assert risk.score == 12
    assert risk.controls == ("A.8.1", "A.7.9")
    assert register.treating("A.8.1") == [risk]


def _error(path: Path) -> str:
    with pytest.raises(InputError) as info:
        load_risks(path)
    return str(info.value)


def test_out_of_range_scores_name_line_and_column(tmp_path: Path) -> None:
    path = write_risks(tmp_path / "r.csv", GOOD, "R-002,Flood,Office flood,it_lead,6,0,accept,")
    text = _error(path)
    assert f"{path}:3: risk R-002: column likelihood" in text
    assert f"{path}:3: risk R-002: column impact" in text
    assert "found '6'" in text


def test_non_numeric_score(tmp_path: Path) -> None:
    text = _error(write_risks(tmp_path / "r.csv", "R-001,Theft,x,it_lead,high,3,mitigate,A.8.1"))
    assert "column likelihood" in text and "'high'" in text


def test_duplicate_id(tmp_path: Path) -> None:
    text = _error(write_risks(tmp_path / "r.csv", GOOD, GOOD))
    assert "duplicate risk id R-001 (first on line 2)" in text


@pytest.mark.parametrize("bad", ["A.9.2.3", "5.15", "A.8", "A.8.35", "AC-2"])
def test_malformed_control_id(tmp_path: Path, bad: str) -> None:
    text = _error(write_risks(tmp_path / "r.csv", f"R-001,Theft,x,it_lead,3,3,mitigate,A.8.1;{bad}"))
    assert "column controls" in text and bad in text


def test_bad_treatment(tmp_path: Path) -> None:
    text = _error(write_risks(tmp_path / "r.csv", "R-001,Theft,x,it_lead,3,3,ignore,A.8.1"))
    assert "column treatment" in text and "'ignore'" in text


def test_missing_and_unknown_columns(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("id,title,owner,likelihood,impact,treatment,controls,severity\n", encoding="utf-8")
    text = _error(path)
    assert "missing column(s) description" in text and "unknown column(s) severity" in text


def test_empty_and_header_only(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    assert "empty" in _error(empty)
    header = tmp_path / "header.csv"
    header.write_text(RISK_HEADER, encoding="utf-8")
    assert "no risks" in _error(header)


def test_binary_csv(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"PK\x03\x04\x00\x00binary")
    assert "binary" in _error(path)


def test_xlsx_first_sheet(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    sheet.append(
        ["R-010", "Ransomware", "Encrypts file shares", "it_lead", 4, 5, "mitigate", "A.8.7; A.8.13"]
    )
    book.create_sheet("Notes").append(["ignored"])
    path = tmp_path / "risks.xlsx"
    book.save(path)
    register = load_risks(path)
    assert register.risks[0].id == "R-010" and register.risks[0].score == 20
    assert register.risks[0].controls == ("A.8.7", "A.8.13")


def test_xlsx_bad_row_names_row(tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(COLUMNS)
    sheet.append(["R-010", "Ransomware", "x", "it_lead", 9, 5, "mitigate", "A.8.7"])
    path = tmp_path / "risks.xlsx"
    book.save(path)
    assert f"{path}:2: risk R-010: column likelihood" in _error(path)


def test_corrupt_xlsx(tmp_path: Path) -> None:
    path = tmp_path / "risks.xlsx"
    path.write_bytes(b"this is not a zip file at all")
    assert "not a readable XLSX" in _error(path)


def test_warnings_for_mitigate_without_controls_and_accept_above_threshold(tmp_path: Path) -> None:
    register = load_risks(
        write_risks(
            tmp_path / "r.csv", "R-001,Aaa,x,it_lead,3,3,mitigate,", "R-002,Bbb,x,it_lead,5,5,accept,"
        )
    )
    warnings = register.warnings(threshold=8)
    assert any("R-001" in w and "no controls" in w for w in warnings)
    assert any("R-002" in w and "above the acceptance threshold 8" in w for w in warnings)


def test_cli_risks_check_ok(runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "risks", "check", "--workspace", str(EXAMPLES / "meridian-payments"))
    assert result.exit_code == 0, result.output
    assert "above the acceptance threshold" in result.output


def test_cli_bad_register_exit_2(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    path = write_risks(tmp_path / "r.csv", GOOD, GOOD)
    result = invoke(runner, "risks", "check", str(path))
    assert result.exit_code == 2
    assert "duplicate risk id" in result.output
    assert "Traceback" not in result.output


def test_cli_no_register_in_workspace(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    result = invoke(runner, "risks", "check", "--workspace", str(tmp_path))
    assert result.exit_code == 2
    assert "no risks.csv" in result.output


TREATED = "id,title,description,owner,likelihood,impact,treatment,controls," + (
    "residual_likelihood,residual_impact,actions,action_owner,due,status,accepted_by,accepted_on"
)


def test_treatment_columns_are_read(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        f"{TREATED}\n"
        "R-1,Laptop theft,Stolen from a car,security_lead,3,4,mitigate,A.8.1,2,2,Enforce disk encryption,"
        "Liam Doyle,2027-03-31,In progress,,\n"
        "R-2,Flood,Office flood,it_lead,2,2,accept,,,,,,,,Priya Raman,2027-01-10\n",
        encoding="utf-8",
    )
    first, second = load_risks(path).risks
    assert first.residual_score == 4 and first.status == "in_progress" and str(first.due) == "2027-03-31"
    assert first.actions == "Enforce disk encryption" and first.action_owner == "Liam Doyle"
    assert second.residual_score is None and second.status is None and str(second.accepted_on) == "2027-01-10"


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ("3,4,mitigate,A.8.1,2,,x,y,2027-03-31,open,,", "give both residual_likelihood and residual_impact"),
        ("3,4,mitigate,A.8.1,5,4,x,y,2027-03-31,open,,", "residual score 20 is higher than the score"),
        ("3,4,mitigate,A.8.1,9,1,x,y,2027-03-31,open,,", "column residual_likelihood"),
        ("3,4,mitigate,A.8.1,1,1,x,y,31/03/2027,open,,", "column due: expected a date as YYYY-MM-DD"),
        ("3,4,mitigate,A.8.1,1,1,x,y,2027-03-31,finished,,", "column status"),
        ("3,4,accept,,,,,,,,Priya Raman,soon", "column accepted_on: expected a date"),
    ],
)
def test_bad_treatment_columns_name_line_and_column(tmp_path: Path, row: str, expected: str) -> None:
    path = tmp_path / "r.csv"
    path.write_text(f"{TREATED}\nR-1,Laptop theft,Stolen,security_lead,{row}\n", encoding="utf-8")
    text = _error(path)
    assert f"{path}:2: risk R-1" in text and expected in text, text


def test_warnings_for_excluded_controls_and_actions_without_owner(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        f"{TREATED}\nR-1,Camera gap,No CCTV,security_lead,4,4,mitigate,A.7.4,,,Install cameras,,,open,,\n",
        encoding="utf-8",
    )
    warnings = load_risks(path).warnings(8, excluded=["A.7.4"])
    assert any("A.7.4, which the profile's scope excludes" in w for w in warnings)
    assert any("need an action_owner and a due date" in w for w in warnings)


def test_cli_risks_check_warns_about_excluded_controls(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    import shutil

    ws = tmp_path / "k"
    shutil.copytree(EXAMPLES / "kestrel-saas", ws, ignore=shutil.ignore_patterns(".isms", "out"))
    excluded = load_profile(ws / "profile.yaml").scope.exclusions[0].control
    with (ws / "risks.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"R-900,Excluded control risk,Something,security_lead,2,2,mitigate,{excluded}\n")
    result = invoke(runner, "risks", "check", "--workspace", str(ws))
    assert result.exit_code == 0, result.output
    assert f"treated by {excluded}, which the profile's scope excludes" in " ".join(result.output.split())
