"""The evaluation harness: its JSON contract, the form checks on generated sets, and every check failing on
its planted defect. Today's offline sets fail the substance checks (register, substance, dates,
consistency); the drafting issue is measured by them."""

from __future__ import annotations

import csv
import html
import io
import json
import shutil
from pathlib import Path

import frontmatter
import pytest
from typer.testing import CliRunner

from tests.conftest import EXAMPLE_NAMES, EXAMPLES, copy_example, invoke

CHECKS = [
    "mandatory-documents",
    "annex-a-coverage",
    "soa-complete",
    "soa-risk-alignment",
    "citations",
    "specificity",
    "document-control",
    "consistency",
    "register",
    "substance",
    "dates",
    "foreign-facts",
    "grammar",
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = {}
    for name in EXAMPLE_NAMES:
        ws = copy_example(name, tmp_path_factory.mktemp(name) / "ws")
        folder = ws / "out"
        result = invoke(
            CliRunner(),
            "generate",
            "--workspace",
            str(ws),
            "--out",
            str(folder),
            "--provider",
            "offline",
        )
        assert result.exit_code == 0, result.output
        out[name] = folder
    return out


def _eval(folder: Path, name: str = "kestrel-saas", *extra: str) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = invoke(CliRunner(), "eval", str(folder), "--workspace", str(EXAMPLES / name), "--json", *extra)
    return result.exit_code, json.loads(result.stdout)


@pytest.fixture
def copy(generated: dict[str, Path], tmp_path: Path) -> Path:
    target = tmp_path / "set"
    shutil.copytree(generated["kestrel-saas"], target)
    return target


def _failing(report: dict, check: str) -> list[str]:  # type: ignore[type-arg]
    entry = next(c for c in report["checks"] if c["id"] == check)
    assert entry["passed"] is False, f"{check} should fail"
    findings: list[str] = entry["findings"]
    return findings


def _passing(report: dict) -> list[str]:  # type: ignore[type-arg]
    return [c["id"] for c in report["checks"] if c["passed"]]


@pytest.mark.parametrize("name", EXAMPLE_NAMES)
def test_generated_sets_pass_every_check(generated: dict[str, Path], name: str) -> None:
    code, report = _eval(generated[name], name)
    assert [c["id"] for c in report["checks"]] == CHECKS
    assert all(set(c) >= {"id", "passed", "score", "findings"} for c in report["checks"])
    assert code == 0, [c for c in report["checks"] if not c["passed"]]
    assert report["passed"] is True
    register = next(c for c in report["checks"] if c["id"] == "register")
    assert register["metrics"]["share"] <= 0.02
    substance = next(c for c in report["checks"] if c["id"] == "substance")
    assert substance["metrics"]["without_substance"] == 0


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def test_mandatory_document_missing_or_incomplete(copy: Path) -> None:
    (copy / "isms-scope.md").unlink()
    _edit(copy / "risk-treatment-plan.md", "## Residual risk and acceptance", "## Other notes")
    code, report = _eval(copy)
    findings = _failing(report, "mandatory-documents")
    assert code == 1
    assert any(f.startswith("isms-scope: mandatory document missing") for f in findings)
    assert any("risk-treatment-plan: required section 'Residual risk and acceptance'" in f for f in findings)


def test_applicable_control_not_addressed(copy: Path) -> None:
    for path in copy.glob("*.md"):
        if path.stem == "statement-of-applicability":
            continue
        post = frontmatter.load(path)
        post["controls"] = [c for c in post.get("controls", []) if c != "A.8.24"]
        post.content = post.content.replace("[A.8.24]", "")
        path.write_text(frontmatter.dumps(post))
    findings = _failing(_eval(copy)[1], "annex-a-coverage")
    assert findings == ["A.8.24: applicable but no policy or procedure in the set addresses it"]


def _soa(copy: Path) -> list[dict[str, str]]:
    with (copy / "soa.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write_soa(copy: Path, rows: list[dict[str, str]]) -> None:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    (copy / "soa.csv").write_text(buffer.getvalue(), encoding="utf-8")


def test_soa_incomplete(copy: Path) -> None:
    rows = _soa(copy)
    pasted = "This control is applicable because it is important for information security at our company."
    for row in rows[:5]:
        row["justification"] = pasted
    rows[6]["implementation_status"] = "done"
    rows[7]["owner"] = ""
    rows[8]["title"] = "Something else"
    del rows[-1]
    _write_soa(copy, rows)
    findings = _failing(_eval(copy)[1], "soa-complete")
    assert any(
        f.startswith(f"{rows[0]['control_id']}: the same justification is pasted into 5 rows")
        for f in findings
    )
    assert any(f.startswith(f"{rows[6]['control_id']}: implementation_status 'done'") for f in findings)
    assert any(f.startswith(f"{rows[7]['control_id']}: no owner") for f in findings)
    assert any(f.startswith(f"{rows[8]['control_id']}: title") for f in findings)
    assert "A.8.34: missing from the SoA" in findings


def test_soa_disagrees_with_the_register(copy: Path) -> None:
    from assistant.inputs.profile import load_profile
    from assistant.inputs.risks import load_risks

    threshold = load_profile(EXAMPLES / "kestrel-saas" / "profile.yaml").risk_criteria.acceptance_threshold
    risk = next(
        r
        for r in load_risks(EXAMPLES / "kestrel-saas" / "risks.csv").risks
        if r.score > threshold and r.treatment == "mitigate"
    )
    rows = _soa(copy)
    for row in rows:
        if row["control_id"] == risk.controls[0]:
            row["applicable"] = "no"
        if row["control_id"] == "A.5.2":
            row["drivers"] = row["drivers"] + ";R-999;legal:made-up"
    _write_soa(copy, rows)
    findings = _failing(_eval(copy)[1], "soa-risk-alignment")
    assert any(f.startswith(f"{risk.controls[0]}: excluded, but it treats {risk.id}") for f in findings)
    assert "A.5.2: driver R-999 is not a risk in the register" in findings
    assert "A.5.2: driver legal:made-up is not an obligation in the profile" in findings


def test_bad_citations(copy: Path) -> None:
    _edit(copy / "cryptography-policy.md", "[A.8.24]", "[A.8.24] [A.10.1.1] [A.5.99] [A.4.3] [5.15] [11.2]")
    findings = _failing(_eval(copy)[1], "citations")
    assert any("cryptography-policy: cites A.10.1.1, an ISO 27001:2013 id" in f for f in findings)
    assert "cryptography-policy: [A.5.99] is not an Annex A control of ISO 27001:2022" in findings
    assert "cryptography-policy: [A.4.3] writes clause 4.3 as a control; cite it as [4.3]" in findings
    assert "cryptography-policy: [5.15] writes control A.5.15 as a clause; cite it as [A.5.15]" in findings
    assert "cryptography-policy: [11.2] is not a clause of ISO 27001:2022" in findings


def test_placeholders_and_generic_text(copy: Path) -> None:
    _edit(copy / "acceptable-use-policy.md", "## Purpose", "[Company Name] staff. Owner: TBD.\n\n## Purpose")
    path = copy / "clear-desk-and-screen-policy.md"
    path.write_text(path.read_text().replace("Kestrel Analytics", "the company"))
    _edit(copy / "access-control-policy.md", "Okta", "the identity provider", count=100)
    findings = _failing(_eval(copy)[1], "specificity")
    assert "acceptable-use-policy: placeholder '[Company Name]'" in findings
    assert "acceptable-use-policy: placeholder 'TBD'" in findings
    assert any(f.startswith("clear-desk-and-screen-policy: never names the organisation") for f in findings)
    assert any(f.startswith("access-control-policy: does not state the identity provider") for f in findings)


def test_boilerplate_repeated_across_documents(copy: Path) -> None:
    boiler = " ".join(
        f"Sentence {i} of the standard boilerplate text that every policy in this set repeats."
        for i in range(60)
    )
    for path in copy.glob("*-policy.md"):
        _edit(path, "## Purpose", f"{boiler}\n\n## Purpose")
    findings = _failing(_eval(copy)[1], "specificity")
    assert any("of sentences are repeated across documents" in f for f in findings)


def test_document_control_defects(copy: Path) -> None:
    post = frontmatter.load(copy / "cryptography-policy.md")
    post["next_review"] = "2020-01-01"
    post["version"] = "draft-1"
    post["status"] = "final"
    del post["owner"]
    (copy / "cryptography-policy.md").write_text(frontmatter.dumps(post))
    findings = _failing(_eval(copy)[1], "document-control")
    assert any(f.startswith("cryptography-policy: next_review 2020-01-01 is not after") for f in findings)
    assert "cryptography-policy: version 'draft-1' is not of the form 1.2" in findings
    assert any(f.startswith("cryptography-policy: status 'final'") for f in findings)
    assert "cryptography-policy: front matter field 'owner' is missing or empty" in findings


def test_inconsistent_facts(copy: Path) -> None:
    _edit(
        copy / "incident-management-procedure.md",
        "## Purpose",
        "Staff must report a suspected incident within 48 hours. MFA is optional for contractors.\n\n## Purpose",
    )
    _edit(
        copy / "backup-and-recovery-procedure.md", "## Purpose", "Backups are kept for 90 days.\n\n## Purpose"
    )
    post = frontmatter.load(copy / "cryptography-policy.md")
    post["next_review"] = "2099-01-01"
    (copy / "cryptography-policy.md").write_text(frontmatter.dumps(post))
    findings = _failing(_eval(copy)[1], "consistency")
    assert any(
        f.startswith("incident-management-procedure: states 48 hours for the time for staff to report")
        for f in findings
    )
    assert any(f.startswith("incident-management-procedure: presents MFA as optional") for f in findings)
    assert any(
        f.startswith("backup-and-recovery-procedure: states 90 days for the backup retention")
        for f in findings
    )
    assert any(f.startswith("cryptography-policy: review cycle is") for f in findings)


def test_html_report_is_self_contained(copy: Path, tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    _edit(
        copy / "internal-audit-programme.md",
        "## Annex: control mapping",
        "| Audit | Planned quarter |\n|---|---|\n| Extra | Q1 2020 |\n\n## Annex: control mapping",
    )
    code, data = _eval(copy, "kestrel-saas", "--html", str(report))
    assert code == 1
    text = report.read_text()
    assert "<svg" in text and "organizational" in text and "Kestrel Analytics Ltd" in text
    # findings listed by document, each with its check and the quoted sentence
    assert "<summary><b>internal-audit-programme</b>" in text
    quote = next(
        f
        for c in data["checks"]
        if c["id"] == "dates"
        for f in c["findings"]
        if "internal-audit-programme" in f
    )
    assert html.escape(quote.partition(": ")[2]) in text
    assert "http://" not in text.replace('xmlns="http://www.w3.org/2000/svg"', "")  # no external assets


def test_bad_input_exit_2(tmp_path: Path) -> None:
    result = invoke(
        CliRunner(), "eval", str(tmp_path / "missing"), "--workspace", str(EXAMPLES / "kestrel-saas")
    )
    assert result.exit_code == 2 and "not found" in result.output
    bad = tmp_path / "profile.yaml"
    bad.write_text("identity: [\n")
    result = invoke(CliRunner(), "eval", str(tmp_path), "--profile", str(bad), "--workspace", str(tmp_path))
    assert result.exit_code == 2 and "YAML syntax error" in result.output


def test_empty_folder_fails_checks_without_crashing(tmp_path: Path) -> None:
    code, report = _eval(tmp_path)
    assert code == 1 and not report["passed"]
    assert "soa.csv: soa.csv is missing" in _failing(report, "soa-complete")


def test_treated_risk_below_threshold_naming_an_excluded_control(copy: Path, tmp_path: Path) -> None:
    ws = copy_example("kestrel-saas", tmp_path / "ws")
    register = (ws / "risks.csv").read_text(encoding="utf-8").rstrip("\n")
    register += "\nR-090,Courier loses a returned laptop,Loss in transit.,it_lead,2,2,transfer,A.7.10;A.8.1"
    register += "\nR-091,Leaked board pack,Printed pack left on a train.,top_management,3,4,accept,A.7.7"
    (ws / "risks.csv").write_text(register + "\n", encoding="utf-8")
    rows = _soa(copy)
    for row in rows:
        if row["control_id"] == "A.7.10":
            row["applicable"] = "no"
    _write_soa(copy, rows)
    _edit(
        copy / "isms-scope.md",
        "## Annex: control mapping",
        "52 of 84 applicable controls are implemented.\n\n## Annex: control mapping",
    )
    result = invoke(CliRunner(), "eval", str(copy), "--workspace", str(ws), "--json")
    findings = _failing(json.loads(result.stdout), "soa-risk-alignment")
    assert any(f.startswith("A.7.10: excluded, but it treats R-090 (transfer, score 4") for f in findings), (
        findings
    )
    assert any(f.startswith("R-091: accepted with score 12") and "accepted_by" in f for f in findings)
    assert any(f.startswith("isms-scope: quotes '52 of 84 applicable controls'") for f in findings)


def test_acceptance_recorded_in_the_register_satisfies_the_check(tmp_path: Path) -> None:
    from assistant.inputs.risks import load_risks

    path = tmp_path / "risks.csv"
    path.write_text(
        "id,title,description,owner,likelihood,impact,treatment,controls,accepted_by,accepted_on\n"
        "R-1,Leaked board pack,Printed pack left on a train.,top_management,3,4,accept,A.7.7,Priya Raman,2027-01-10\n",
        encoding="utf-8",
    )
    risk = load_risks(path).risks[0]
    assert risk.accepted_by == "Priya Raman" and str(risk.accepted_on) == "2027-01-10"
    assert load_risks(path).warnings(8) == []
