"""`isms gaps`: the prioritised to-do list before a Stage 1 audit, on real generated sets and edge cases."""

from __future__ import annotations

import csv
import json
import re
import shutil
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from assistant.gaps import find_gaps
from assistant.generation.decisions import collect
from assistant.ids import all_control_ids
from assistant.inputs.profile import load_profile
from assistant.inputs.risks import OPTIONAL_COLUMNS, load_risks
from assistant.knowledge.loader import load_corpus
from tests.conftest import EXAMPLES, copy_example, invoke
from tests.helpers import example_profile_data, write_yaml

COLUMNS = ["id", "title", "description", "owner", "likelihood", "impact", "treatment", "controls"]


def _generate(ws: Path) -> Path:
    out = ws / "out"
    result = invoke(
        CliRunner(), "generate", "--workspace", str(ws), "--out", str(out), "--provider", "offline"
    )
    assert result.exit_code == 0, result.output
    return out


def _gaps_json(ws: Path, *extra: str) -> dict[str, Any]:
    result = invoke(CliRunner(), "gaps", "--workspace", str(ws), "--json", *extra)
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


@pytest.fixture(scope="module")
def kestrel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the Kestrel example with its set generated offline (once for the module)."""
    ws = copy_example("kestrel-saas", tmp_path_factory.mktemp("kestrel") / "ws")
    _generate(ws)
    return ws


def test_kestrel_lists_untreated_controls_and_open_decisions(kestrel: Path) -> None:
    data = _gaps_json(kestrel)
    gaps, counts = data["gaps"], data["counts"]
    assert set(data) == {"gaps", "upcoming", "counts"}
    assert counts == {p: sum(1 for g in gaps if str(g["priority"]) == p) for p in ("1", "2", "3")}
    assert all(set(g) == {"priority", "ref", "area", "item", "action", "document"} for g in gaps)

    profile = load_profile(kestrel / "profile.yaml")
    register = load_risks(kestrel / "risks.csv")
    excluded = {e.control for e in profile.scope.exclusions}
    acted_on = {c for r in register.risks if r.actions.strip() for c in r.controls}
    expected = [
        c
        for c in all_control_ids()
        if c not in excluded
        and c not in acted_on
        and profile.implementation.get(c) in (None, "planned", "not_implemented")
    ]
    assert expected, "the example has controls still to put in place"
    by_ref = {g["ref"]: g for g in gaps if g["area"] == "Control"}
    assert sorted(by_ref, key=all_control_ids().index) == expected
    for control_id in expected:
        status = profile.implementation.get(control_id)
        word = {"planned": "planned", "not_implemented": "not implemented"}.get(
            status or "", "no implementation"
        )
        assert control_id in by_ref[control_id]["item"] and word in by_ref[control_id]["item"]
    if profile.implementation.get("A.5.8") == "planned" and "A.5.8" not in acted_on:
        assert "Information security in project management" in by_ref["A.5.8"]["item"]
    assert not {g["ref"] for g in gaps} & excluded

    # Every open question of the set is one item, on its document.
    asked = collect(kestrel / "out")
    decisions = [g for g in gaps if g["area"] == "Decision"]
    assert len(decisions) == sum(len(q) for q in asked.values())
    for gap in decisions:
        assert any(q in gap["item"] for q in asked[gap["document"]])
        assert gap["priority"] in (1, 2)

    # Sorted by priority, then clauses before controls.
    keys = [(g["priority"], g["ref"].startswith("A.")) for g in gaps]
    assert keys == sorted(keys)
    # The records' planned audits and review lie ahead of the day of generation.
    assert data["upcoming"] and all(u["ref"] in ("9.2", "9.3") for u in data["upcoming"])

    human = invoke(CliRunner(), "gaps", "--workspace", str(kestrel))
    assert human.exit_code == 0
    assert f"{len(gaps)} gaps: {counts['1']} priority 1, {counts['2']} priority 2" in human.stdout
    assert "Coming up" in human.stdout


def test_overdue_records_are_gaps_and_filled_ones_are_not(kestrel: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    shutil.copytree(kestrel / "out", out)
    profile = load_profile(kestrel / "profile.yaml")
    register = load_risks(kestrel / "risks.csv")
    corpus = load_corpus()
    later = date.today() + timedelta(days=3 * 366)
    report = find_gaps(profile, register, corpus, out, later)
    records = [g for g in report.gaps if g.area == "Records"]
    assert not report.upcoming
    assert {g.document for g in records} == {"internal-audit-programme", "management-review-minutes"}
    assert all(g.priority == 2 for g in records)
    audits = [g for g in records if g.document == "internal-audit-programme"]
    assert len(audits) >= 2 and all(g.ref == "9.2" for g in audits)
    assert [g.ref for g in records if g.document == "management-review-minutes"] == ["9.3"]

    # Results recorded for one audit: that audit is no longer a gap, the others still are.
    label = re.search(r"“(.+?)”", audits[0].item)
    assert label is not None
    path = out / "internal-audit-programme.md"
    lines = path.read_text(encoding="utf-8").splitlines()
    filled = [
        re.sub(r"to be recorded[a-z ]*", "2 minor nonconformities", line, flags=re.I)
        if line.startswith(f"| {label.group(1)} |")
        else line
        for line in lines
    ]
    assert filled != lines
    path.write_text("\n".join(filled) + "\n", encoding="utf-8")
    again = find_gaps(profile, register, corpus, out, later)
    remaining = [g for g in again.gaps if g.document == "internal-audit-programme" and g.area == "Records"]
    assert len(remaining) == len(audits) - 1 and not any(label.group(0) in g.item for g in remaining)


def _complete_profile(data: dict[str, Any], today: date) -> dict[str, Any]:
    excluded = {e["control"] for e in data["scope"].get("exclusions", [])}
    data["implementation"] = {c: "implemented" for c in all_control_ids() if c not in excluded}
    data["context"] = {
        "issues": [
            {
                "kind": "external",
                "issue": "Enterprise customers ask for independent security assurance",
                "effect": "The ISMS aims at certification within the year",
            }
        ],
        "interested_parties": [
            {
                "party": "Customers",
                "requirements": ["Security of their data"],
                "addressed_by": "The security schedule and the controls in the SoA",
            }
        ],
    }
    data["objectives"] = [
        {
            "id": "patch-on-time",
            "what": "Patch critical vulnerabilities on time",
            "target": "95% of critical patches within the deadline",
            "owner": "security_lead",
            "resources": "Engineering time",
            "due": (today + timedelta(days=365)).isoformat(),
            "measured_by": "Monthly vulnerability report",
        }
    ]
    data["services"] = [{"service": "Analytics platform", "rto_hours": 24, "rpo_hours": 1}]
    data["practices"]["reviews"].update({"privileged_access": 3, "physical_zones": 12, "suppliers": 12})
    if not data.get("notifications"):
        data["notifications"] = [
            {
                "party": "Data protection supervisory authority",
                "kind": "personal_data_breach",
                "trigger": "A personal data breach that must be reported",
                "deadline_hours": 72,
                "notifier": "security_lead",
            }
        ]
    return data


def _treated_register(source: Path, target: Path, today: date) -> None:
    with source.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    with target.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS + OPTIONAL_COLUMNS)
        writer.writeheader()
        for row in rows:
            row = {k: row.get(k, "") for k in COLUMNS}
            row.update(
                residual_likelihood="1",
                residual_impact="1",
                actions="Complete the rollout of the named controls",
                action_owner="security_lead",
                due=(today + timedelta(days=180)).isoformat(),
                status="in_progress",
            )
            if row["treatment"] == "accept":
                row.update(accepted_by="Priya Raman", accepted_on=today.isoformat())
            writer.writerow(row)


def test_a_complete_workspace_has_no_gaps(tmp_path: Path) -> None:
    today = date.today()
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    shutil.rmtree(ws / "docs", ignore_errors=True)  # no existing documents: no carried rules to confirm
    data = _complete_profile(example_profile_data("kestrel-saas"), today)
    write_yaml(ws / "profile.yaml", data)
    _treated_register(ws / "risks.csv", ws / "risks.csv", today)

    out = _generate(ws)
    asked = collect(out)
    assert asked, "the first generation asks questions the answers then settle"
    data["answers"] = [{"question": q} for questions in asked.values() for q in questions]
    write_yaml(ws / "profile.yaml", data)
    _generate(ws)
    assert collect(out) == {}

    report = _gaps_json(ws)
    assert report["gaps"] == [], [g["item"] for g in report["gaps"]]
    assert report["counts"] == {"1": 0, "2": 0, "3": 0}
    human = invoke(CliRunner(), "gaps", "--workspace", str(ws))
    assert human.exit_code == 0 and "0 gaps" in human.stdout


def _workspace(tmp_path: Path, *risk_rows: str) -> Path:
    ws = tmp_path / "ws"
    ws.mkdir()
    shutil.copy(EXAMPLES / "kestrel-saas" / "profile.yaml", ws / "profile.yaml")
    if risk_rows:
        header = ",".join(COLUMNS + ["accepted_by", "accepted_on"])
        (ws / "risks.csv").write_text("\n".join([header, *risk_rows]) + "\n", encoding="utf-8")
    return ws


def test_an_accepted_risk_above_the_threshold_needs_a_sign_off(tmp_path: Path) -> None:
    ws = _workspace(
        tmp_path,
        "R-900,Ransomware on laptops,Laptops encrypted by ransomware,it_lead,4,4,accept,A.8.7,,",
        "R-901,Signed-off outage,A long outage of the platform,it_lead,4,4,accept,A.5.30,Priya Raman,2026-01-05",
        "R-902,Small accepted risk,Minor inconvenience only,it_lead,1,2,accept,A.5.30,,",
    )
    gaps = _gaps_json(ws)["gaps"]
    accepted = [g for g in gaps if "accepted without" in g["item"]]
    assert len(accepted) == 1
    gap = accepted[0]
    assert gap["priority"] == 1 and gap["ref"] == "6.1.3" and gap["area"] == "Risk register"
    assert "R-900" in gap["item"] and "R-900" in gap["action"] and "accepted_by" in gap["action"]
    # No generated set yet: one priority-1 item says to generate, and the input gaps are still listed.
    generate = [g for g in gaps if "isms generate" in g["action"]]
    assert len(generate) == 1 and generate[0]["priority"] == 1


def test_no_register_is_a_risk_assessment_gap(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    gaps = _gaps_json(ws)["gaps"]
    missing = [g for g in gaps if g["ref"] == "6.1.2"]
    assert len(missing) == 1 and missing[0]["priority"] == 1 and "risks.csv" in missing[0]["action"]
    assert any(g["area"] == "Control" for g in gaps)


def test_bad_workspace_or_profile_is_bad_input(tmp_path: Path) -> None:
    result = invoke(CliRunner(), "gaps", "--workspace", str(tmp_path / "nowhere"))
    assert result.exit_code == 2 and "workspace folder not found" in result.output
    assert "Traceback" not in result.output
    (tmp_path / "profile.yaml").write_text("identity: [unclosed\n", encoding="utf-8")
    result = invoke(CliRunner(), "gaps", "--workspace", str(tmp_path))
    assert result.exit_code == 2 and "profile.yaml" in result.output and "Traceback" not in result.output
