"""The Streamlit review workspace under AppTest: every page opens; edits and approvals go through the core."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.cli.loading import load_inputs
from assistant.workflow import store_for
from tests.conftest import REPO
from tests.helpers import generate_example, private_copy

APP = str(REPO / "ui" / "app.py")
PAGES = [
    "pages/search.py",
    "pages/document.py",
    "pages/review.py",
    "pages/soa.py",
    "pages/profile.py",
    "pages/decisions.py",
    "pages/evaluation.py",
    "pages/audit_log.py",
]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "ui")


@pytest.fixture
def ws(generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = private_copy(generated, tmp_path)
    monkeypatch.setenv("ISMS_WORKSPACE", str(target))
    return target


def _app() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["acting-person"] = "Daniel Okafor"  # chosen once per session (ui/identity.py)
    at.run()
    assert not at.exception, at.exception
    return at


def _select_doc(at: AppTest, doc_id: str) -> None:
    box = next(s for s in at.selectbox if any(doc_id in str(o) for o in s.options))
    box.set_value(doc_id).run()


def test_every_page_opens_without_error(ws: Path) -> None:
    at = _app()
    assert any("ISMS document set" in t.value for t in at.title)
    assert len(at.dataframe) >= 1
    summary = [s.value for s in (*at.success, *at.warning)]  # the evaluation summary, passing or not
    assert any(v.startswith(("All checks pass", "Checks failing")) for v in summary)
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])


def test_edit_in_the_document_page_makes_a_new_version(ws: Path) -> None:
    at = _app()
    at.switch_page("pages/document.py").run()
    _select_doc(at, "cryptography-policy")
    area = at.text_area(key="edit-cryptography-policy")
    area.set_value(
        area.value.replace("## Purpose and scope", "A reviewer's addition.\n\n## Purpose and scope", 1)
    )
    at.button(key="save-edit").click().run()
    assert not at.exception and any("saved version 2" in s.value for s in at.success)
    latest = store_for(load_inputs(ws).workspace).latest("cryptography-policy")
    assert latest is not None and latest.number == 2 and "A reviewer's addition." in latest.content


def test_approve_in_the_review_page(ws: Path) -> None:
    at = _app()
    at.switch_page("pages/review.py").run()
    _select_doc(at, "cryptography-policy")
    approve = next(b for b in at.button if b.label == "Approve")
    approve.click().run()
    assert any("Daniel Okafor may not approve" in e.value for e in at.error)
    at.session_state["acting-person"] = "Priya Raman"
    at.run()
    next(b for b in at.button if b.label == "Approve").click().run()
    assert any("approved by Priya Raman" in s.value for s in at.success)
    store = store_for(load_inputs(ws).workspace)
    assert store.last_approved("cryptography-policy") is not None


def test_add_a_risk_on_the_profile_page(ws: Path) -> None:
    at = _app()
    at.switch_page("pages/profile.py").run()
    before = len(load_inputs(ws, provider="offline").register.risks)  # type: ignore[union-attr]
    title = next(t for t in at.text_input if t.label == "Title")
    title.set_value("Loss of the office door access controller")
    next(s for s in at.selectbox if s.label.startswith("Owner")).set_value("it_lead")
    next(s for s in at.selectbox if s.label == "Likelihood").set_value(2)
    next(s for s in at.selectbox if s.label == "Impact").set_value(3)
    next(m for m in at.multiselect if m.label.startswith("Controls")).set_value(["A.7.2"])
    next(b for b in at.button if b.label == "Add the risk").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    register = load_inputs(ws, provider="offline").register
    assert register is not None and len(register.risks) == before + 1
    added = register.risks[-1]
    assert added.title == "Loss of the office door access controller" and added.controls == ("A.7.2",)
    assert any(f"{added.id} added to risks.csv" in s.value for s in at.success)
    next(b for b in at.button if b.label == "Add the risk").click().run()  # an empty title: named, not added
    assert any("title" in e.value for e in at.error)
    assert len(load_inputs(ws, provider="offline").register.risks) == before + 1  # type: ignore[union-attr]
