"""Approvals (issue 15): status is the store's, not the file's; an open change request is resolved or
overridden (with a comment) before approval; the approval record, in the store and as `isms approvals`."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import frontmatter
import pytest
import typer
from typer.testing import CliRunner

from assistant.cli.approvals_cmd import approvals_cmd
from assistant.cli.loading import load_inputs
from assistant.errors import InputError
from assistant.store import ApprovalRefused, DocumentStore, verify
from assistant.workflow import approve, store_for
from tests.conftest import copy_example, invoke
from tests.helpers import generate_example, private_copy

DOC = "cryptography-policy"
APPROVER = "Priya Raman"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "ws")


@pytest.fixture
def ws(generated: Path, tmp_path: Path) -> Path:
    return private_copy(generated, tmp_path)


def _control(ws: Path) -> tuple[int, dict]:  # type: ignore[type-arg]
    result = invoke(CliRunner(), "eval", str(ws / "out"), "--workspace", str(ws), "--json")
    checks = {c["id"]: c for c in json.loads(result.stdout)["checks"]}
    return result.exit_code, checks["document-control"]


def _set_front_matter(path: Path, **fields: str) -> None:
    post = frontmatter.loads(path.read_text(encoding="utf-8"))
    for key, value in fields.items():
        post[key] = value
    path.write_text(frontmatter.dumps(post, sort_keys=False) + "\n", encoding="utf-8")


def _actions(store: DocumentStore) -> list[tuple[str, str, str]]:
    return [
        (action, who, detail) for _at, who, action, doc, detail in reversed(store.audit_log()) if doc == DOC
    ]


# -- status is the store's ------------------------------------------------------------------------------------


def test_hand_edited_approved_status_is_a_finding(ws: Path) -> None:
    code, control = _control(ws)
    assert control["passed"], control["findings"]
    _set_front_matter(ws / "out" / f"{DOC}.md", status="approved")
    code, control = _control(ws)
    assert code == 1 and not control["passed"]
    assert [f for f in control["findings"] if f.startswith(f"{DOC}: says approved, but the version store")]
    assert all(f.startswith(f"{DOC}:") for f in control["findings"])


def test_an_approval_made_in_the_store_is_no_finding(ws: Path) -> None:
    data = load_inputs(ws)
    version = store_for(data.workspace).latest(DOC)
    assert version is not None
    approve(data.workspace, data.corpus, data.profile, version.id, APPROVER, "fine")
    assert "status: approved" in (ws / "out" / f"{DOC}.md").read_text(encoding="utf-8")
    _code, control = _control(ws)
    assert control["passed"], control["findings"]
    # The approved text edited by hand afterwards is no longer what was approved.
    path = ws / "out" / f"{DOC}.md"
    path.write_text(path.read_text(encoding="utf-8") + "\nKeys never rotate.\n", encoding="utf-8")
    _code, control = _control(ws)
    assert any(f.startswith(f"{DOC}: says approved, but") and "no version" in f for f in control["findings"])


def test_a_foreign_approver_in_the_front_matter_is_a_finding(ws: Path) -> None:
    data = load_inputs(ws)
    version = store_for(data.workspace).latest(DOC)
    assert version is not None
    approve(data.workspace, data.corpus, data.profile, version.id, APPROVER, "fine")
    _set_front_matter(ws / "out" / f"{DOC}.md", approver="Mallory (Intern)")
    _code, control = _control(ws)
    assert any(
        f.startswith(f"{DOC}: says approved with approver 'Mallory (Intern)'") for f in control["findings"]
    )


def test_without_a_store_the_files_status_stands(ws: Path) -> None:
    shutil.rmtree(ws / ".isms")
    _set_front_matter(ws / "out" / f"{DOC}.md", status="approved")
    _code, control = _control(ws)
    assert control["passed"], control["findings"]
    assert not (ws / ".isms" / "store.sqlite").exists()  # the evaluation never creates a store


# -- change requests ----------------------------------------------------------------------------------------


def test_an_open_change_request_blocks_approval_until_resolved(ws: Path) -> None:
    data = load_inputs(ws)
    store = store_for(data.workspace)
    approvers = data.profile.roles.approvers
    version = store.latest(DOC)
    assert version is not None
    store.review(
        version.id, reviewer="Ann", decision="request_changes", comment="name the KMS", approvers=approvers
    )
    assert [r.reviewer for r in store.open_change_requests(DOC)] == ["Ann"]
    before = store.audit_log()
    with pytest.raises(ApprovalRefused, match="open change request by Ann.*name the KMS"):
        approve(data.workspace, data.corpus, data.profile, version.id, APPROVER, "fine")
    assert store.audit_log() == before and store.latest(DOC).status == "changes_requested"  # type: ignore[union-attr]
    with pytest.raises(InputError, match="say how"):
        store.review(version.id, reviewer="Ann", decision="resolve", comment=" ", approvers=approvers)
    with pytest.raises(ApprovalRefused, match="Mallory may not resolve"):
        store.review(version.id, reviewer="Mallory", decision="resolve", comment="done", approvers=approvers)
    store.review(version.id, reviewer="Ann", decision="resolve", comment="KMS named", approvers=approvers)
    assert store.open_change_requests(DOC) == []
    with pytest.raises(InputError, match="no open change request"):
        store.review(version.id, reviewer="Ann", decision="resolve", comment="again", approvers=approvers)
    approved = approve(data.workspace, data.corpus, data.profile, version.id, APPROVER, "fine now")
    assert approved.status == "approved"
    assert [r.decision for r in store.reviews(DOC)] == ["request_changes", "resolve", "approve"]
    assert _actions(store)[-3:] == [
        ("changes_requested", "Ann", "request_changes: name the KMS"),
        ("change-request-resolved", "Ann", "resolved the change request of Ann: KMS named"),
        ("approved", APPROVER, "approve: fine now"),
    ]
    [record] = store.approvals(DOC)
    assert (record.approver, record.version_number, record.comment, record.override) == (
        APPROVER,
        version.number,
        "fine now",
        False,
    )
    assert verify(store) == []


def test_an_override_needs_a_comment_and_is_recorded(ws: Path) -> None:
    data = load_inputs(ws)
    store = store_for(data.workspace)
    version = store.latest(DOC)
    assert version is not None
    store.review(
        version.id,
        reviewer="Claire Whitfield",
        decision="request_changes",
        comment="rotate yearly",
        approvers=data.profile.roles.approvers,
    )
    before = store.audit_log()
    with pytest.raises(ApprovalRefused, match="override .* needs a comment"):
        approve(data.workspace, data.corpus, data.profile, version.id, APPROVER, "  ", override=True)
    assert store.audit_log() == before
    approved = approve(
        data.workspace,
        data.corpus,
        data.profile,
        version.id,
        APPROVER,
        "rotation is in the standard",
        override=True,
    )
    assert approved.status == "approved" and store.open_change_requests(DOC) == []
    action, who, detail = _actions(store)[-1]
    assert (action, who) == ("approved", APPROVER)
    assert (
        detail
        == "approve overriding the open change request of Claire Whitfield: rotation is in the standard"
    )
    [record] = store.approvals(DOC)
    assert record.override and record.comment == "rotation is in the standard"
    assert verify(store) == []
    _code, control = _control(ws)
    assert control["passed"], control["findings"]


def test_a_request_on_an_older_version_still_blocks_the_newer_one(ws: Path) -> None:
    data = load_inputs(ws)
    store = store_for(data.workspace)
    first = store.latest(DOC)
    assert first is not None
    approvers = data.profile.roles.approvers
    store.review(first.id, reviewer="Ann", decision="request_changes", comment="more", approvers=approvers)
    second = store.save_edit(
        DOC, first.content + "\nMore.\n", author="Daniel Okafor", base_version_id=first.id
    )
    with pytest.raises(ApprovalRefused, match="open change request"):
        store.review(second.id, reviewer=APPROVER, decision="approve", comment="", approvers=approvers)
    # An approver may resolve someone else's request.
    store.review(second.id, reviewer=APPROVER, decision="resolve", comment="added in v2", approvers=approvers)
    assert store.review(
        second.id, reviewer=APPROVER, decision="approve", comment="", approvers=approvers
    ).status == ("approved")
    assert verify(store) == []


# -- the approval record ------------------------------------------------------------------------------------


def _app() -> typer.Typer:
    app = typer.Typer()
    app.command("approvals")(approvals_cmd)

    @app.callback()
    def _root() -> None:  # a group, so `approvals` stays a sub-command as in `isms`
        pass

    return app


def test_isms_approvals_csv(ws: Path) -> None:
    data = load_inputs(ws)
    store = store_for(data.workspace)
    approvers = data.profile.roles.approvers
    crypto = store.latest(DOC)
    policy = store.latest("information-security-policy")
    assert crypto is not None and policy is not None
    store.review(crypto.id, reviewer="Ann", decision="request_changes", comment="x", approvers=approvers)
    approve(data.workspace, data.corpus, data.profile, crypto.id, APPROVER, "=HYPERLINK(1)", override=True)
    approve(data.workspace, data.corpus, data.profile, policy.id, "Claire Whitfield", "as agreed, 3 May")
    runner = CliRunner()
    result = runner.invoke(_app(), ["approvals", "--csv", "-w", str(ws)])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [(r["document"], r["version"], r["label"], r["approver"], r["override"]) for r in rows] == [
        (DOC, "1", crypto.label, APPROVER, "yes"),
        ("information-security-policy", "1", policy.label, "Claire Whitfield", "no"),
    ]
    assert rows[0]["comment"] == "'=HYPERLINK(1)"  # never a live formula
    assert rows[1]["comment"] == "as agreed, 3 May" and rows[1]["approved_at"][:2] == "20"
    only = runner.invoke(_app(), ["approvals", "--csv", "--doc", DOC, "-w", str(ws)])
    assert [r["document"] for r in csv.DictReader(io.StringIO(only.stdout))] == [DOC]
    table = runner.invoke(_app(), ["approvals", "-w", str(ws)])
    assert table.exit_code == 0 and "approvals (2)" in table.stdout and "Whitfield" in table.stdout
    unknown = runner.invoke(_app(), ["approvals", "--doc", "no-such-doc", "-w", str(ws)])
    assert unknown.exit_code == 2 and "no-such-doc" in unknown.output


def test_isms_approvals_without_a_store(tmp_path: Path) -> None:
    ws = copy_example("kestrel-saas", tmp_path / "fresh")
    result = CliRunner().invoke(_app(), ["approvals", "-w", str(ws)])
    assert result.exit_code == 2 and "no version store yet" in result.output
    assert not (ws / ".isms" / "store.sqlite").exists()
