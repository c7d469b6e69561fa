"""`isms init`: the questionnaire, its catalogues and the workspace it writes."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from assistant.errors import InputError
from assistant.inputs.profile import load_profile
from assistant.inputs.questionnaire import AnswerError, Question, check_answer, complete, flatten
from assistant.inputs.risks import load_risks
from assistant.inputs.starter_catalogues import load_obligations, load_starter_catalogues
from tests.conftest import REPO, invoke
from tests.helpers import write_yaml

FIXTURES = REPO / "tests" / "fixtures" / "init"
MEDTECH = FIXTURES / "medtech-answers.yaml"
ARCHITECTS = FIXTURES / "architects-answers.yaml"
CATALOGUES = load_starter_catalogues(REPO / "corpus")


def _answers(path: Path = MEDTECH) -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return data


def _flat(result: Any) -> str:
    return " ".join(result.output.split())


def _init(runner: CliRunner, folder: Path, answers: dict[str, Any], *more: str) -> Any:
    file = write_yaml(folder.parent / f"{folder.name}-answers.yaml", answers)
    return invoke(runner, "init", str(folder), "--answers", str(file), *more)


# -- the catalogues --------------------------------------------------------------------------------------


def test_obligations_catalogue_validates() -> None:
    obligations = CATALOGUES.obligations
    assert {"uk-gdpr", "eu-gdpr", "nis2", "dora", "pci-dss", "hipaa", "soc2-commitments", "iso-13485"} <= set(
        obligations
    )
    assert (
        obligations["uk-gdpr"].notifications[0].party_for("United Kingdom")
        == "Information Commissioner's Office (ICO)"
    )
    gdpr = obligations["eu-gdpr"].notifications[0]
    assert "Autoriteit Persoonsgegevens" in (gdpr.party_for("Netherlands") or "")
    assert gdpr.party_for("Germany") is None  # the Land's authority: asked, never guessed
    assert (
        obligations["nis2"]
        .notifications[0]
        .party_for(
            "Germany",
        )
        .startswith("Bundesamt")
    )  # type: ignore[union-attr]
    assert CATALOGUES.risks and CATALOGUES.country("NL") == "Netherlands"


def test_obligations_catalogue_rejects_bad_entries(tmp_path: Path) -> None:
    bad = write_yaml(
        tmp_path / "obligations.yaml",
        {
            "obligations": [
                {
                    "id": "made-up",
                    "kind": "legal",
                    "name": "Made-up law",
                    "summary": "A law that drives a control of the 2013 numbering.",
                    "controls": ["A.12.4"],
                }
            ]
        },
    )
    with pytest.raises(InputError) as info:
        load_obligations(bad)
    assert "obligations.yaml" in str(info.value) and "controls" in str(info.value)


# -- answers, checked without a terminal ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "value", "reason"),
    [
        (Question("h", "Hours", kind="int", minimum=1, maximum=168), "-4", "too small"),
        (Question("h", "Hours", kind="int", minimum=1, maximum=168), "9999", "too large"),
        (Question("h", "Hours", kind="int", minimum=1, maximum=168), "soon", "whole number"),
        (Question("d", "Due", kind="date"), "01/05/2027", "YYYY-MM-DD"),
        (Question("c", "Country", kind="country"), "Atlantis", "not a country"),
        (Question("n", "Name", required=True), "  ", "cannot be left open"),
    ],
)
def test_bad_answers_give_the_reason(question: Question, value: str, reason: str) -> None:
    with pytest.raises(AnswerError, match=reason):
        check_answer(question, value, {}, CATALOGUES)


def test_answers_are_normalised() -> None:
    countries = Question("j", "Jurisdictions", kind="countries")
    assert check_answer(countries, "NL, eu", {}, CATALOGUES) == ["Netherlands", "European Union"]
    assert check_answer(Question("o", "Optional"), "", {}, CATALOGUES) is None


def test_description_must_name_the_organisation() -> None:
    """Documents quote the description as a sentence of its own, so it needs the organisation as subject."""
    from assistant.inputs.questionnaire import questions

    answers = {"identity.name": "Lumiq Medical", "identity.country": "Germany"}
    question = next(q for q in questions(answers, CATALOGUES) if q.key == "identity.description")
    with pytest.raises(AnswerError, match="subject"):
        check_answer(question, "Develops software for cardiology practices.", answers, CATALOGUES)
    assert check_answer(question, "Lumiq Medical develops ECG software.", answers, CATALOGUES)


def test_questions_are_listed_for_an_answers_file(runner: CliRunner) -> None:
    result = invoke(runner, "init", "--questions")
    assert result.exit_code == 0
    assert "identity.legal_name" in result.output and "eu-gdpr" in _flat(result)


def test_unknown_obligation_is_refused() -> None:
    answers = flatten(_answers())
    answers["obligations"] = ["eu-gdpr", "sox"]
    with pytest.raises(InputError, match="obligations: .*sox"):
        complete(answers, CATALOGUES, source="answers.yaml")


# -- the command ---------------------------------------------------------------------------------------


def test_init_from_answers_passes_the_checks_and_the_evaluation(runner: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "lumiq"
    result = invoke(runner, "init", str(ws), "--answers", str(MEDTECH))
    assert result.exit_code == 0, result.output
    said = _flat(result)
    assert "left open" in said and "technology.endpoints.edr" in said

    text = (ws / "profile.yaml").read_text(encoding="utf-8")
    assert "# Who the organisation is" in text and "# The scope of the ISMS" in text
    profile = load_profile(ws / "profile.yaml")
    assert profile.technology.endpoints.edr is None  # not known: left out, never invented
    assert profile.roles.it_lead is not None and profile.roles.it_lead.name == "Felix Braun"  # the default
    parties = {n.party for n in profile.notifications}
    assert any("Baden-Württemberg" in p for p in parties)
    assert any("BfArM" in p for p in parties)
    assert (ws / "docs").is_dir()

    assert invoke(runner, "profile", "check", "--workspace", str(ws)).exit_code == 0
    checked = invoke(runner, "risks", "check", "--workspace", str(ws))
    assert checked.exit_code == 0, checked.output
    assert "suggested risk(s) still await review" in _flat(checked)
    register = load_risks(ws / "risks.csv")
    assert register.suggested() == register.risks
    titles = {r.title for r in register.risks}
    assert "Personal data breach" in titles and "Cardholder data exposure" not in titles

    assert [(x.name, x.criticality) for x in profile.suppliers][:2] == [
        ("Amazon Web Services", "critical"),
        ("Google Workspace", "high"),
    ]

    generated = invoke(runner, "generate", "--workspace", str(ws), "--provider", "offline")
    assert generated.exit_code == 0, generated.output
    register = (ws / "out" / "supplier-security-policy.md").read_text(encoding="utf-8")
    assert "| Amazon Web Services | hosting of the ECG analysis platform | critical |" in register
    evaluated = invoke(runner, "eval", str(ws / "out"), "--workspace", str(ws))
    assert evaluated.exit_code == 0, evaluated.output


def test_second_organisation_generates_with_open_decisions_where_no_rule_fits(
    runner: CliRunner, tmp_path: Path
) -> None:
    ws = tmp_path / "architects"
    assert invoke(runner, "init", str(ws), "--answers", str(ARCHITECTS)).exit_code == 0
    profile = load_profile(ws / "profile.yaml")
    assert [o.in_scope for o in profile.locations.offices] == [True, False]
    assert "Antwerp" in profile.scope.statement and "outside the scope" in profile.scope.statement
    assert profile.notifications[0].party.startswith("Autoriteit Persoonsgegevens")
    assert invoke(runner, "risks", "check", "--workspace", str(ws)).exit_code == 0
    # No catalogue statement fits a practice with one office network and no software of its own: such a
    # section states the open decision and who owns it (it never comes out empty, nor fails the set), and
    # the answer, once given, is its rule.
    generated = invoke(runner, "generate", "--workspace", str(ws), "--provider", "offline")
    assert generated.exit_code == 0, generated.output
    policy = (ws / "out" / "network-security-policy.md").read_text(encoding="utf-8")
    section = policy.split("## Segregation of networks", 1)[1].split("\n## ", 1)[0]
    assert "Vos Lindqvist Architecten has not yet decided its rule for segregation of networks" in section
    assert "[A.8.22]" in section
    question = "What is Vos Lindqvist Architecten's rule for segregation of networks?"
    asked = invoke(runner, "decisions", "--workspace", str(ws), "--json")
    assert question in asked.stdout
    from assistant.inputs.profile_yaml import record_answer
    from assistant.inputs.workspace import Workspace

    rule = "The office network gives internet access only, and the file server sits on its own VLAN."
    record_answer(Workspace.open(ws), question, rule, "Jonas Lindqvist")
    assert invoke(runner, "generate", "--workspace", str(ws), "--provider", "offline").exit_code == 0
    policy = (ws / "out" / "network-security-policy.md").read_text(encoding="utf-8")
    section = policy.split("## Segregation of networks", 1)[1].split("\n## ", 1)[0]
    assert rule.rstrip(".") in section and "has not yet decided" not in section


def test_existing_files_are_not_overwritten(runner: CliRunner, tmp_path: Path) -> None:
    ws = tmp_path / "lumiq"
    ws.mkdir()
    (ws / "profile.yaml").write_text("# mine\n", encoding="utf-8")
    result = _init(runner, ws, _answers())
    assert result.exit_code == 2
    assert "profile.yaml" in _flat(result) and "--overwrite" in _flat(result)
    assert (ws / "profile.yaml").read_text(encoding="utf-8") == "# mine\n"
    assert not (ws / "risks.csv").exists()
    assert _init(runner, ws, _answers(), "--overwrite").exit_code == 0
    assert load_profile(ws / "profile.yaml").identity.name == "Lumiq Medical"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        (lambda a: a["identity"].update(headcount=-3), "identity.headcount"),
        (
            lambda a: a["practices"].update(next_penetration_test="01/05/2027"),
            "practices.next_penetration_test",
        ),
        (lambda a: a["identity"].update(country="Atlantis"), "identity.country"),
        (lambda a: a.update(obligations=["eu-gdpr", "sox"]), "obligations"),
        (lambda a: a["technology"]["identity"].pop("mfa"), "technology.identity.mfa"),
        (lambda a: a["identity"].update(nmae="typo"), "identity.nmae"),
    ],
)
def test_a_bad_or_missing_answer_names_its_key(
    runner: CliRunner, tmp_path: Path, change: Any, named: str
) -> None:
    answers = _answers()
    change(answers)
    result = _init(runner, tmp_path / "ws", answers)
    assert result.exit_code == 2, result.output
    assert named in _flat(result) and "Traceback" not in result.output
    assert not (tmp_path / "ws" / "profile.yaml").exists()


def test_interactive_run_asks_before_replacing_files(runner: CliRunner, tmp_path: Path) -> None:
    from assistant.cli.main import app

    ws = tmp_path / "ws"
    ws.mkdir()
    (ws / "risks.csv").write_text("mine\n", encoding="utf-8")
    args = ["init", str(ws), "--answers", str(MEDTECH), "--ask"]
    kept = runner.invoke(app, args, input="n\n")
    assert kept.exit_code == 2 and "kept as they are" in _flat(kept)
    assert (ws / "risks.csv").read_text(encoding="utf-8") == "mine\n"
    replaced = runner.invoke(app, args, input="y\n" + "\n" * 100)  # then Enter to every other question
    assert replaced.exit_code == 0, replaced.output
    assert load_risks(ws / "risks.csv").suggested()


def test_documents_named_are_copied_into_docs(runner: CliRunner, tmp_path: Path) -> None:
    existing = tmp_path / "old-it-policy.md"
    existing.write_text("# IT policy\n\nLaptops are encrypted with FileVault.\n", encoding="utf-8")
    answers = _answers()
    answers["documents"] = {"import": [str(existing)]}
    assert _init(runner, tmp_path / "ws", answers).exit_code == 0
    assert (
        (tmp_path / "ws" / "docs" / "old-it-policy.md").read_text(encoding="utf-8").startswith("# IT policy")
    )


def test_interactive_questions_reask_with_the_reason(runner: CliRunner, tmp_path: Path) -> None:
    """The first questions asked in the terminal (one empty, one absurd, one unknown country), the rest from
    a partial answers file; what neither gives takes the default shown or is left open."""
    answers = _answers()
    for key in ("name", "headcount", "country"):
        answers["identity"].pop(key)
    file = write_yaml(tmp_path / "partial.yaml", answers)
    typed = "\n".join(["", "Lumiq Medical", "-5", "18", "Atlantis", "DE"]) + "\n" * 200
    from assistant.cli.main import app

    result = runner.invoke(app, ["init", str(tmp_path / "ws"), "--answers", str(file), "--ask"], input=typed)
    assert result.exit_code == 0, result.output
    said = _flat(result)
    assert "cannot be left open" in said
    assert "too small" in said
    assert "not a country this tool knows" in said
    profile = load_profile(tmp_path / "ws" / "profile.yaml")
    assert (profile.identity.name, profile.identity.headcount) == ("Lumiq Medical", 18)
    assert profile.practices.patch_days["critical"] == 14  # Enter took the default shown


def test_offices_are_asked_one_by_one_with_the_reason_when_out_of_scope(
    runner: CliRunner, tmp_path: Path
) -> None:
    from assistant.cli.main import app

    every = complete(
        flatten(_answers()), CATALOGUES, source="answers"
    ).answers  # defaults taken, open left open
    del every["locations.offices"]
    file = write_yaml(tmp_path / "all-but-offices.yaml", every)
    typed = [
        *("y", "Freiburg office", "Freiburg", "Germany", "y"),  # in scope: no reason asked
        *("y", "Munich desk", "Munich", "Germany", "n", ""),  # out of scope without a reason: asked again
        *("Munich desk", "Munich", "DE", "n", "a hot desk used by one salesperson, no company files"),
        "n",
    ]
    result = runner.invoke(
        app, ["init", str(tmp_path / "ws"), "--answers", str(file), "--ask"], input="\n".join(typed) + "\n"
    )
    assert result.exit_code == 0, result.output
    assert "please give this entry again" in _flat(result)
    offices = load_profile(tmp_path / "ws" / "profile.yaml").locations.offices
    assert [(o.name, o.in_scope, o.scope_reason) for o in offices] == [
        ("Freiburg office", True, None),
        ("Munich desk", False, "a hot desk used by one salesperson, no company files"),
    ]


def test_input_ending_early_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    from assistant.cli.main import app

    result = runner.invoke(app, ["init", str(tmp_path / "ws")], input="Lumiq Medical\n")
    assert result.exit_code == 2
    assert "nothing was written" in _flat(result) and "Traceback" not in result.output


# -- the register's `source` column ---------------------------------------------------------------------


def test_suggested_column_is_read_from_csv_and_xlsx(tmp_path: Path) -> None:
    from openpyxl import Workbook

    header = [
        "id",
        "title",
        "description",
        "owner",
        "likelihood",
        "impact",
        "treatment",
        "controls",
        "source",
    ]
    rows = [
        ["R-001", "Phishing", "", "security_lead", "4", "3", "mitigate", "A.6.3", "suggested"],
        ["R-002", "Ransomware", "", "security_lead", "3", "4", "mitigate", "A.8.7", ""],
    ]
    path = tmp_path / "risks.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in [header, *rows]:
        sheet.append(row)
    book.save(tmp_path / "risks.xlsx")
    for name in ("risks.csv", "risks.xlsx"):
        register = load_risks(tmp_path / name)
        assert [r.id for r in register.suggested()] == ["R-001"]
    rows[1][-1] = "maybe"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows([header, *rows])
    with pytest.raises(InputError) as info:
        load_risks(path)
    assert "source" in str(info.value)
