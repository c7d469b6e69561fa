"""The review workspace as a reviewer of many documents uses it (issue 15): who is acting, typed text that
survives page switches and refreshes, the review queue with batch approval, section comments, resolving or
overriding a change request, and the Overview's stale flags."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from assistant.cli.loading import load_inputs
from assistant.workflow import edit, store_for
from tests.conftest import REPO
from tests.helpers import generate_example, private_copy

APP = str(REPO / "ui" / "app.py")
DOC = "cryptography-policy"
WRITER, APPROVER = "Daniel Okafor", "Priya Raman"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "ui-workflow")


@pytest.fixture
def ws(generated: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = private_copy(generated, tmp_path)
    monkeypatch.setenv("ISMS_WORKSPACE", str(target))
    return target


def _ok(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]


def _app(page: str = "", who: str | None = WRITER, doc: str = DOC) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if who is not None:
        at.session_state["acting-person"] = who
    at.query_params["doc"] = doc
    at.run()
    if page:
        at.switch_page(page).run()
    return at


def _button(at: AppTest, label: str):  # type: ignore[no-untyped-def]
    return next(b for b in at.button if b.label == label)


# Who is acting ---------------------------------------------------------------------------------------------


def test_the_person_is_chosen_once_from_the_profile_and_remembered(ws: Path) -> None:
    at = _app(who=None)
    assert any("Who are you?" in s.value for s in at.subheader)
    people = at.selectbox[0].options
    assert any(p.startswith(f"{APPROVER} (") for p in people) and len(people) >= 5
    assert not any("ISMS document set" in t.value for t in at.title[1:])  # the page waits for a choice
    at.selectbox[0].set_value(WRITER)
    _button(at, "Continue").click().run()
    _ok(at)
    assert any(f"Acting as **{WRITER}**" in c.value for c in at.sidebar.caption)
    assert at.query_params["as"] in (WRITER, [WRITER])
    at.switch_page("pages/document.py").run()  # remembered on every page
    _ok(at)
    assert any(t.value == "Document" for t in at.title)


def test_a_name_not_in_the_profile_is_never_accepted(ws: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.query_params["as"] = "Mallory"
    at.run()
    assert any("Who are you?" in s.value for s in at.subheader)


# Typed text is never lost ----------------------------------------------------------------------------------


def test_typed_text_survives_a_page_switch_and_a_new_session(ws: Path) -> None:
    at = _app("pages/document.py")
    area = at.text_area(key=f"edit-{DOC}")
    typed = (area.value or "").replace("## Purpose", "Typed but not saved.\n\n## Purpose", 1)
    area.set_value(typed).run()
    _ok(at)
    at.switch_page("pages/review.py").run()
    at.switch_page("pages/document.py").run()
    _ok(at)
    assert at.text_area(key=f"edit-{DOC}").value == typed
    again = _app("pages/document.py")  # a refresh: a new session
    assert again.text_area(key=f"edit-{DOC}").value == typed
    _button(again, "Save as a new version").click().run()
    _ok(again)
    later = _app("pages/document.py")  # saved: the server's copy is gone, the editor holds the newest
    newest = store_for(load_inputs(ws).workspace).latest(DOC)
    assert newest is not None and later.text_area(key=f"edit-{DOC}").value == newest.content
    assert not list((ws / ".isms" / "unsaved").rglob("*.json"))


def test_a_conflicting_save_shows_the_merged_text_and_saves_nothing(ws: Path) -> None:
    at = _app("pages/document.py")
    area = at.text_area(key=f"edit-{DOC}")
    mine = (area.value or "").replace("## Purpose", "## Purpose\n\nMy version of the opening line.", 1)
    area.set_value(mine).run()
    data = load_inputs(ws)
    store = store_for(data.workspace)
    first = store.latest(DOC)
    assert first is not None
    theirs = first.content.replace("## Purpose", "## Purpose\n\nTheir version of the opening line.", 1)
    edit(data.workspace, data.corpus, data.profile, DOC, theirs, APPROVER, first.id)
    _button(at, "Save as a new version").click().run()
    assert any("resolve them in the merged text" in e.value for e in at.error)
    merged = at.text_area(key=f"edit-{DOC}").value or ""
    assert "<<<<<<<" in merged and "My version" in merged and "Their version" in merged
    latest = store.latest(DOC)
    assert latest is not None and latest.number == 2  # theirs only; nothing of mine saved silently


# Review queue, comments, change requests -------------------------------------------------------------------


def test_the_queue_orders_the_documents_and_next_moves_through_it(ws: Path) -> None:
    at = _app("pages/review.py", doc="information-security-policy")
    _ok(at)
    [queue] = [d for d in at.dataframe if "open comments" in d.value.columns]
    waiting = list(queue.value["document"])
    assert len(waiting) == len(store_for(load_inputs(ws).workspace).overview())
    following = waiting[waiting.index("information-security-policy") + 1]
    _button(at, f"Next in the queue: {following}").click().run()
    _ok(at)
    assert at.selectbox(key="review-doc").value == following


def test_batch_approval_needs_an_approver_and_logs_each_document(ws: Path) -> None:
    at = _app("pages/review.py")
    assert not [m for m in at.multiselect if "Approve these" in m.label]  # not an approver: no batch form
    at = _app("pages/review.py", who=APPROVER)
    [batch] = [m for m in at.multiselect if "Approve these" in m.label]
    batch.set_value(["isms-scope", "information-security-policy"])
    at.text_input[0].set_value("Read both in full; scope and policy agree.")
    _button(at, "Approve the selected documents").click().run()
    _ok(at)
    store = store_for(load_inputs(ws).workspace)
    for doc_id in ("isms-scope", "information-security-policy"):
        approved = store.last_approved(doc_id)
        assert approved is not None
        [approval] = store.approvals(doc_id)
        assert approval.approver == APPROVER and approval.comment.startswith("Read both")
    assert sum(1 for s in at.success if s.value.startswith("approved ")) == 2


def test_comments_on_a_section_are_added_resolved_and_logged(ws: Path) -> None:
    at = _app("pages/review.py")
    section = at.selectbox(key=f"comment-section-{DOC}")
    heading = section.options[1]
    section.set_value(heading)
    at.text_area(key=f"comment-text-{DOC}").set_value("Name the key custodian here.")
    _button(at, "Add the comment").click().run()
    _ok(at)
    assert any("1 open, 0 resolved" in s.value for s in at.subheader)
    store = store_for(load_inputs(ws).workspace)
    [comment] = store.comments(DOC)
    assert comment.section == heading and comment.author == WRITER and comment.status == "open"
    assert store.open_comment_counts() == {DOC: 1}
    [queue] = [d for d in at.dataframe if "open comments" in d.value.columns]
    counts = dict(zip(queue.value["document"], queue.value["open comments"], strict=True))
    assert counts[DOC] == 1 and sum(counts.values()) == 1
    _button(at, "Resolve").click().run()
    _ok(at)
    assert any("0 open, 1 resolved" in s.value for s in at.subheader)
    assert store.open_comment_counts() == {}
    logged = [(who, action) for _at, who, action, doc, _d in store.audit_log() if doc == DOC]
    assert sum(1 for who, _a in logged if who == WRITER) >= 2


def test_a_change_request_is_resolved_or_overridden_with_a_comment(ws: Path) -> None:
    at = _app("pages/review.py", who=APPROVER)
    at.text_area[-1].set_value("The key lengths are out of date.")
    _button(at, "Request changes").click().run()
    _ok(at)
    assert any("changes requested" in s.value for s in at.success)
    assert any("Open change request" in w.value for w in at.warning)
    _button(at, "Approve").click().run()
    assert any("Resolve it first" in e.value for e in at.error)
    at.checkbox[0].check()
    at.text_area[-1].set_value("")
    _button(at, "Approve").click().run()
    assert any("needs a comment" in e.value for e in at.error)
    at.text_area[-1].set_value("Key lengths checked against our standard; nothing to change.")
    _button(at, "Approve").click().run()
    _ok(at)
    assert any(f"approved by {APPROVER}" in s.value for s in at.success)
    [approval] = store_for(load_inputs(ws).workspace).approvals(DOC)
    assert approval.override


# Stale flags -----------------------------------------------------------------------------------------------


def test_the_overview_names_the_documents_a_change_affects_before_regenerating(ws: Path) -> None:
    at = _app()
    _ok(at)
    assert any("Every document is up to date" in c.value for c in at.caption)
    register = ws / "risks.csv"
    lines = register.read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("AWS administrator credential compromise", "AWS admin credential theft", 1)
    register.write_text("\n".join(lines) + "\n", encoding="utf-8")
    at.run()
    _ok(at)
    assert any(s.value.startswith("Out of date:") for s in at.subheader)
    [stale] = [d for d in at.dataframe if "why" in d.value.columns]
    rows = dict(zip(stale.value["document"], stale.value["why"], strict=True))
    assert rows["risk-treatment-plan"] == "risk register: R-001 changed"


def test_refining_a_section_keeps_every_other_word_of_the_newest_version(ws: Path) -> None:
    data = load_inputs(ws)
    store = store_for(data.workspace)
    first = store.latest(DOC)
    assert first is not None
    mine = first.content.replace(
        "## Purpose", "A line a person added above the first section.\n\n## Purpose", 1
    )
    edit(data.workspace, data.corpus, data.profile, DOC, mine, WRITER, first.id)
    store.review(store.latest(DOC).id, reviewer=APPROVER, decision="approve", comment="ok",  # type: ignore[union-attr]
                 approvers=data.profile.roles.approvers)  # fmt: skip
    at = _app("pages/document.py")
    next(t for t in at.text_area if t.label == "Instruction").set_value("reviews are quarterly")
    _button(at, "Refine this section").click().run()
    _ok(at)
    refined = store.latest(DOC)
    assert refined is not None and refined.number == 3 and refined.note.startswith("refined")
    assert "A line a person added above the first section." in refined.content
    assert refined.status == "draft" and "status: draft" in refined.content
    untouched = [line for line in mine.splitlines()[-40:] if line.startswith("## ")]
    assert all(line in refined.content for line in untouched)


def test_with_oidc_configured_the_page_asks_for_a_sign_in_not_a_name(ws: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "a-long-random-secret-for-the-test",
        "client_id": "isms",
        "client_secret": "not-used",
        "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
    }
    at.session_state["acting-person"] = WRITER  # a local choice counts for nothing once sign-in is set up
    at.run()
    assert not at.exception
    assert any(b.label == "Sign in" for b in at.button)
    assert any("Sign in to draft, review and approve" in i.value for i in at.info)
    assert not any(t.value == "ISMS document set" for t in at.title[1:]) and not at.dataframe


def test_a_signed_in_user_is_the_profile_person_with_their_e_mail_or_name() -> None:
    from assistant.inputs.profile import load_profile
    from tests.conftest import EXAMPLES
    from ui.identity import match_person

    profile = load_profile(EXAMPLES / "kestrel-saas" / "profile.yaml")
    someone = next(p for _r, _l, p in profile.roles.every_role() if p.email)
    assert someone.email is not None
    assert match_person(profile, someone.email.upper(), "Display Name From The IdP") == someone.name
    assert match_person(profile, "", APPROVER.lower()) == APPROVER
    assert match_person(profile, "stranger@example.org", "A Stranger") == "A Stranger"
