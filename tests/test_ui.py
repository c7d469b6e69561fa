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
