"""Issue 15 in the review workspace: the Profile page keeps comments; the Decisions page answers into the profile."""

from __future__ import annotations

import difflib
import hashlib
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.generation.decisions import collect
from assistant.inputs.profile import load_profile, question_key
from assistant.inputs.workspace import Workspace
from assistant.workflow import store_for
from tests.conftest import REPO
from tests.helpers import generate_example, private_copy

APP = str(REPO / "ui" / "app.py")
ACTOR = "Priya Raman"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "ui-decisions")


@pytest.fixture
def ws(generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = private_copy(generated, tmp_path)
    monkeypatch.setenv("ISMS_WORKSPACE", str(target))
    return target


def _page(page: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["acting-person"] = ACTOR
    at.run()
    at.switch_page(page).run()
    _ok(at)
    return at


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _changed(before: str, after: str) -> list[str]:
    diff = difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
    return [line for line in diff if line[:1] in "+-" and line[:3] not in ("+++", "---")]


def _save(at: AppTest) -> None:
    next(b for b in at.button if b.label == "Validate and save").click().run()


# Profile page ---------------------------------------------------------------------------------------------


def test_the_profile_page_saves_a_threshold_change_keeping_comments(ws: Path) -> None:
    before = (ws / "profile.yaml").read_text(encoding="utf-8")
    at = _page("pages/profile.py")
    labels = [t.label for t in at.text_area]
    assert {"identity", "risk_criteria", "implementation"} <= set(labels)
    risk = next(t for t in at.text_area if t.label == "risk_criteria")
    assert "acceptance_threshold: 8" in risk.value
    assert any(t.value.startswith("# ") for t in at.text_area)  # sections show the comments above them
    next(n for n in at.number_input if n.label.startswith("Acceptance threshold")).set_value(12)
    _save(at)
    _ok(at)
    assert any("profile saved (risk_criteria.acceptance_threshold)" in s.value for s in at.success)
    after = (ws / "profile.yaml").read_text(encoding="utf-8")
    assert _changed(before, after) == ["-  acceptance_threshold: 8", "+  acceptance_threshold: 12"]
    assert list((ws / ".isms" / "profile-history").glob("profile-*.yaml"))
    # the page now shows the saved file
    assert "acceptance_threshold: 12" in next(t for t in at.text_area if t.label == "risk_criteria").value


def test_the_profile_page_saves_a_section_with_its_comment_and_refuses_a_bad_one(ws: Path) -> None:
    before = (ws / "profile.yaml").read_text(encoding="utf-8")
    at = _page("pages/profile.py")
    area = next(t for t in at.text_area if t.label == "document_control")
    area.set_value(area.value.replace("document_control:", "document_control:\n  # agreed in March", 1))
    _save(at)
    _ok(at)
    after = (ws / "profile.yaml").read_text(encoding="utf-8")
    assert _changed(before, after) == ["+  # agreed in March"]

    area = next(t for t in at.text_area if t.label == "risk_criteria")
    area.set_value(area.value + "  review_months: [12\n")
    _save(at)
    assert any("section `risk_criteria`" in e.value for e in at.error), [e.value for e in at.error]
    assert not at.exception
    assert (ws / "profile.yaml").read_text(encoding="utf-8") == after
    assert not [p for p in ws.iterdir() if p.name.startswith(".isms-tmp-")]


def _audit_log(ws: Path) -> list[tuple[str, str, str, str]]:
    store = store_for(Workspace.open(ws))
    return [(actor, action, doc, detail) for _at, actor, action, doc, detail in store.audit_log()]


# Decisions page -------------------------------------------------------------------------------------------


def _key(doc_id: str, question: str) -> str:
    return f"answer-{doc_id}-{hashlib.sha256(question_key(question).encode()).hexdigest()[:12]}"


def _answer(at: AppTest, key: str, text: str) -> None:
    areas = [t for t in at.text_area if str(t.key).startswith("answer-")]
    buttons = [b for b in at.button if b.label == "Record the answer"]
    assert len(areas) == len(buttons)
    index = next(i for i, t in enumerate(areas) if t.key == key)
    areas[index].set_value(text)
    buttons[index].click().run()


def test_the_decisions_page_lists_questions_and_records_an_answer(ws: Path) -> None:
    asked = collect(ws / "out")
    doc_id, question = next((d, q) for d, qs in asked.items() for q in qs if "generative AI" in q)
    at = _page("pages/decisions.py")
    assert len(at.selectbox(key="decisions-doc").options) == len(asked)  # one document at a time
    for other in asked:
        at.selectbox(key="decisions-doc").set_value(other).run()
        keys = {str(t.key) for t in at.text_area}
        assert {_key(other, q) for q in asked[other]} == keys - {""}
    at.selectbox(key="decisions-doc").set_value(doc_id).run()
    assert any("No answers yet" in c.value for c in at.caption)

    _answer(at, _key(doc_id, question), "   ")
    assert any("no answer given" in e.value for e in at.error)
    assert "answers:" not in (ws / "profile.yaml").read_text(encoding="utf-8")

    answer = "Only ChatGPT Enterprise, for information up to Internal."
    _answer(at, _key(doc_id, question), answer)
    _ok(at)
    assert any("Answer recorded in profile.yaml" in s.value for s in at.success)
    recorded = load_profile(ws / "profile.yaml").answer_for(question)
    assert recorded is not None and recorded.answer == answer
    assert f"# answered by {ACTOR}" in (ws / "profile.yaml").read_text(encoding="utf-8")
    log = _audit_log(ws)
    assert (ACTOR, "decision-answered", doc_id, question) in log
    # answered: gone from the open questions, listed apart until the next generation writes it in
    assert _key(doc_id, question) not in {str(t.key) for t in at.text_area}
    assert any("written in at the next generation" in m.value for m in at.markdown)
