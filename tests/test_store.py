"""The review store: versions, immutability of approvals, stale edits, approvers, imports, SoA edit rules."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.cli.loading import load_inputs
from assistant.documents.diff import changed_lines
from assistant.documents.diff_html import redline
from assistant.drafting.soa import bases
from assistant.soa_checks import soa_edit_problems
from assistant.store import ApprovalRefused, StaleEdit
from assistant.workflow import approve, edit, import_existing, store_for
from tests.conftest import EXAMPLES, invoke
from tests.helpers import generate_example, private_copy

DOC = "cryptography-policy"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "ws")


@pytest.fixture
def ws(generated: Path, tmp_path: Path) -> Path:
    return private_copy(generated, tmp_path)


def test_generate_records_every_document_as_a_version(ws: Path) -> None:
    data = load_inputs(ws)
    overview = store_for(data.workspace).overview()
    assert {d.id for d in overview} == set(data.corpus.documents)
    assert all(
        d.latest.number == 1 and d.latest.source == "generated" and d.latest.status == "draft"
        for d in overview
    )


def test_edit_creates_a_new_version_and_updates_the_file(ws: Path) -> None:
    data = load_inputs(ws)
    store = store_for(data.workspace)
    first = store.latest(DOC)
    assert first is not None
    changed = first.content.replace("## Purpose and scope", "Edited by a person.\n\n## Purpose and scope", 1)
    second = edit(data.workspace, data.corpus, data.profile, DOC, changed, "Daniel Okafor", first.id)
    assert second.number == 2 and second.source == "edited" and second.based_on == first.id
    assert "Edited by a person." in (ws / "out" / f"{DOC}.md").read_text()
    assert store.get(first.id).content == first.content


def test_approved_versions_are_immutable(ws: Path) -> None:
    data = load_inputs(ws)
    store = store_for(data.workspace)
    version = store.latest(DOC)
    assert version is not None
    approved = approve(data.workspace, data.corpus, data.profile, version.id, "Priya Raman", "fine")
    assert approved.status == "approved"
    assert "status: approved" in (ws / "out" / f"{DOC}.md").read_text()
    with pytest.raises(ApprovalRefused):
        store.review(
            version.id,
            reviewer="Priya Raman",
            decision="request_changes",
            comment="",
            approvers=["Priya Raman"],
        )
    connection = sqlite3.connect(ws / ".isms" / "store.sqlite")
    with pytest.raises(sqlite3.DatabaseError, match="immutable|never changes"):
        connection.execute("UPDATE versions SET content = 'x' WHERE id = ?", (version.id,))
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        connection.execute("DELETE FROM versions WHERE id = ?", (version.id,))
    connection.close()
    assert store.get(version.id).content == version.content


def test_regenerating_after_approval_keeps_the_approved_version(ws: Path, runner) -> None:  # type: ignore[no-untyped-def]
    data = load_inputs(ws)
    store = store_for(data.workspace)
    version = store.latest(DOC)
    assert version is not None
    approve(data.workspace, data.corpus, data.profile, version.id, "Priya Raman", "ok")
    profile = ws / "profile.yaml"
    profile.write_text(profile.read_text().replace("log_retention_days: 400", "log_retention_days: 500"))
    assert invoke(runner, "generate", "--workspace", str(ws), "--only", DOC).exit_code == 0
    latest, kept = store.latest(DOC), store.last_approved(DOC)
    assert latest is not None and kept is not None
    assert latest.number == 2 and latest.status == "draft" and latest.source == "generated"
    assert kept.id == version.id and kept.content == version.content and kept.status == "approved"


def test_stale_edit_is_refused_and_nothing_is_lost(ws: Path) -> None:
    data = load_inputs(ws)
    store = store_for(data.workspace)
    base = store.latest(DOC)
    assert base is not None
    mine = base.content + "\nMy change.\n"
    theirs = edit(
        data.workspace, data.corpus, data.profile, DOC, base.content + "\nTheir change.\n", "Ann", base.id
    )
    with pytest.raises(StaleEdit) as info:  # both added at the same place: a conflict to resolve
        edit(data.workspace, data.corpus, data.profile, DOC, mine, "Bob", base.id)
    assert "changed while you were editing" in info.value.message and info.value.latest.id == theirs.id
    assert store.latest(DOC) == theirs and "Their change." in (ws / "out" / f"{DOC}.md").read_text()
    merged = info.value.merged  # type: ignore[attr-defined]
    assert "My change." in merged and "Their change." in merged
    resolved = "\n".join(
        line for line in merged.splitlines() if not line.startswith(("<<<<<<<", "=======", ">>>>>>>"))
    )
    saved = edit(data.workspace, data.corpus, data.profile, DOC, resolved + "\n", "Bob", info.value.latest.id)
    assert (
        saved.number == theirs.number + 1
        and "My change." in saved.content
        and "Their change." in saved.content
    )


def test_only_profile_approvers_may_approve(ws: Path) -> None:
    data = load_inputs(ws)
    version = store_for(data.workspace).latest(DOC)
    assert version is not None
    with pytest.raises(ApprovalRefused, match="may not approve"):
        approve(data.workspace, data.corpus, data.profile, version.id, "Mallory", "looks fine to me")
    assert store_for(data.workspace).latest(DOC).status == "draft"  # type: ignore[union-attr]


def test_request_changes_and_review_history(ws: Path) -> None:
    data = load_inputs(ws)
    store = store_for(data.workspace)
    version = store.latest(DOC)
    assert version is not None
    store.review(
        version.id,
        reviewer="Anyone",
        decision="request_changes",
        comment="cite A.8.24 more",
        approvers=data.profile.roles.approvers,
    )
    assert store.latest(DOC).status == "changes_requested"  # type: ignore[union-attr]
    assert [(r.reviewer, r.decision) for r in store.reviews(DOC)] == [("Anyone", "request_changes")]
    assert any(action == "changes_requested" for _at, _who, action, _doc, _detail in store.audit_log())


def test_diff_shows_the_changed_lines() -> None:
    old = "# T\n\nKeys rotate every two years.\nOwner: IT.\n"
    new = "# T\n\nKeys rotate every year.\nOwner: IT.\n"
    assert changed_lines(old, new) == ["-Keys rotate every two years.", "+Keys rotate every year."]
    html = redline(old, new)
    assert "<del" in html and "two" in html and "<ins" in html


def test_import_existing_document(ws: Path) -> None:
    data = load_inputs(ws)
    source = ws / "docs" / "acceptable-use-policy-v1.2.docx"
    version = import_existing(data.workspace, data.corpus, source, "acceptable-use-policy", "Claire")
    assert version.source == "imported" and version.number == 2
    assert "imported_from: acceptable-use-policy-v1.2.docx" in version.content
    with pytest.raises(Exception, match="unknown document id"):
        import_existing(data.workspace, data.corpus, source, "no-such-doc", "Claire")


def test_soa_edit_rules() -> None:
    data = load_inputs(EXAMPLES / "kestrel-saas")
    all_bases = bases(data.corpus, data.profile, data.register)
    must = next(b for b in all_bases if b.must_apply)
    free = next(b for b in all_bases if not b.must_apply)
    rows = [
        {"control_id": must.control.id, "applicable": "no", "justification": "We do not need this control."},
        {"control_id": free.control.id, "applicable": "no", "justification": ""},
    ]
    problems = soa_edit_problems(rows, all_bases, data.profile, data.register)
    assert any(p.startswith(f"{must.control.id}: cannot be excluded: it treats") for p in problems)
    assert any(p.startswith(f"{free.control.id}: an exclusion needs a justification") for p in problems)


def test_cli_import(ws: Path, runner) -> None:  # type: ignore[no-untyped-def]
    source = ws / "docs" / "engineering-on-call-and-incident-runbook.md"
    result = invoke(
        runner,
        "import",
        str(source),
        "--as",
        "incident-management-procedure",
        "--author",
        "Daniel",
        "--workspace",
        str(ws),
    )
    assert result.exit_code == 0, result.output
    latest = store_for(load_inputs(ws).workspace).latest("incident-management-procedure")
    assert latest is not None and latest.source == "imported" and latest.author == "Daniel"
    bad = invoke(
        runner, "import", str(ws / "docs" / "missing.md"), "--as", "isms-scope", "--workspace", str(ws)
    )
    assert bad.exit_code == 2 and "not found" in bad.output
    bad = invoke(runner, "import", str(source), "--as", "nope", "--workspace", str(ws))
    assert bad.exit_code == 2 and "unknown document id" in bad.output
