"""The Profile page of a workspace with no profile: the questionnaire of `isms init` as a form (issue 18),
with the same checks (the reason is shown) and the same files written; other pages point to it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from streamlit.testing.v1 import AppTest

from assistant.inputs.profile import load_profile
from assistant.inputs.questionnaire import complete, flatten, questions
from assistant.inputs.risks import load_risks
from assistant.inputs.starter_catalogues import load_starter_catalogues
from tests.conftest import REPO

APP = str(REPO / "ui" / "app.py")
MEDTECH = REPO / "tests" / "fixtures" / "init" / "medtech-answers.yaml"
CATALOGUES = load_starter_catalogues(REPO / "corpus")


@pytest.fixture
def empty(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    ws = tmp_path / "new-org"
    ws.mkdir()
    monkeypatch.setenv("ISMS_WORKSPACE", str(ws))
    return ws


def _profile_page(answers: dict[str, object] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["acting-person"] = "Anna Keller"
    if answers is not None:
        at.session_state["init-answers"] = answers
    at.run()
    at.switch_page("pages/profile.py").run()
    assert not at.exception, at.exception
    return at


def _field(at: AppTest, starts: str):  # type: ignore[no-untyped-def]
    return next(t for t in at.text_input if t.label.startswith(starts))


def test_other_pages_point_to_the_questionnaire(empty: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["acting-person"] = "Anna Keller"
    at.run()
    assert not at.exception and any("has no organisation profile yet" in w.value for w in at.warning)


def test_a_bad_answer_is_shown_with_its_reason_and_a_good_part_moves_on(empty: Path) -> None:
    at = _profile_page()
    assert any(s.value == "Organisation and sector" for s in at.subheader)
    given = {q.key: v for q in questions({}, CATALOGUES) if q.section == "identity"
             for k, v in flatten(yaml.safe_load(MEDTECH.read_text())).items() if k == q.key}  # fmt: skip
    for t in at.text_input:
        key = next((q.key for q in questions({}, CATALOGUES) if t.label.startswith(q.prompt)), None)
        if key in given:
            value = given[key]
            t.set_value("; ".join(value) if isinstance(value, list) else str(value))
    _field(at, "How many people").set_value("-5")
    next(b for b in at.button if b.label == "Next").click().run()
    assert any(e.value.startswith("How many people") for e in at.error), [e.value for e in at.error]
    assert any(s.value == "Organisation and sector" for s in at.subheader)  # asked again
    _field(at, "How many people").set_value("18")
    next(b for b in at.button if b.label == "Next").click().run()
    assert not at.error, [e.value for e in at.error]
    assert not any(s.value == "Organisation and sector" for s in at.subheader)  # the next part
    assert at.session_state["init-answers"]["identity.headcount"] == 18
    assert not (empty / "profile.yaml").exists()  # nothing written before the last step


def test_the_last_part_writes_a_valid_workspace(empty: Path) -> None:
    outcome = complete(flatten(yaml.safe_load(MEDTECH.read_text())), CATALOGUES, source="medtech")
    answers = {k: v for k, v in outcome.answers.items() if not k.startswith("documents.")}
    at = _profile_page(answers)
    assert any(s.value == "Existing documents to import" for s in at.subheader)
    next(b for b in at.button if b.label == "Next").click().run()
    assert any(s.value == "Write the workspace" for s in at.subheader)
    next(b for b in at.button if b.label.startswith("Write profile.yaml")).click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    profile = load_profile(empty / "profile.yaml")
    assert profile.identity.headcount == outcome.answers["identity.headcount"]
    assert load_risks(empty / "risks.csv").suggested()  # the starter register, marked for review
    assert (empty / "docs").is_dir()
    assert any("profile.yaml written" in s.value for s in at.success)
    assert any(s.value == "Identity" for s in at.subheader)  # the ordinary Profile page now
