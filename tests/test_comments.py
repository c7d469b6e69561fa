"""Comments on a section (issue 15): added, listed, resolved once, refused with a message, in the audit log,
guarded against hand-run SQL, checked by `verify`; an older store gains them when it is opened."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.errors import InputError
from assistant.store import CommentRefused, DocumentStore, service, verify
from assistant.store.schema import SCHEMA_VERSION, TRIGGERS
from tests.conftest import invoke
from tests.helpers import generate_example, private_copy
from tests.test_store_tamper import APPROVER, old_store, raw, tamper

POLICY = (
    "---\nid: policy\nversion: 0.1\n---\n# Policy\n\n## Purpose and scope\n\nAll keys.\n\n"
    "## Key management\n\nKeys rotate every year.\n"
)
SCOPE = "---\nid: scope\nversion: 0.1\n---\n# Scope\n\n## Sites\n\nAll of them.\n"
COMMENT_TRIGGERS = {name for name, (table, _sql) in TRIGGERS.items() if table == "comments"}


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    store = DocumentStore(tmp_path / ".isms" / "store.sqlite")
    store.record("policy", "Policy", POLICY, author="isms", source="generated")
    store.record("scope", "Scope", SCOPE, author="isms", source="generated")
    return store


def _version(store: DocumentStore, doc_id: str = "policy") -> int:
    latest = store.latest(doc_id)
    assert latest is not None
    return latest.id


def _log(store: DocumentStore) -> list[tuple[str, str, str, str]]:
    return [(who, action, doc, detail) for _at, who, action, doc, detail in reversed(store.audit_log())]


def test_add_list_and_resolve(store: DocumentStore) -> None:
    v1 = _version(store)
    on_section = store.add_comment("policy", v1, "  key   MANAGEMENT ", "Ann", " Name the KMS. ")
    whole = store.add_comment("policy", v1, "", "Bob", "Add an owner.")
    assert (on_section.section, on_section.text, on_section.author) == (
        "Key management",
        "Name the KMS.",
        "Ann",
    )
    assert (on_section.status, on_section.resolved_by, on_section.resolved_at) == ("open", "", None)
    assert (on_section.version_id, on_section.version_number, on_section.document_id) == (v1, 1, "policy")
    assert whole.section == ""
    assert [c.id for c in store.comments("policy", open_only=True)] == [on_section.id, whole.id]

    resolved = store.resolve_comment(on_section.id, "Priya Raman", "KMS named in 2.1")
    assert (resolved.status, resolved.resolved_by, resolved.resolution) == (
        "resolved",
        "Priya Raman",
        "KMS named in 2.1",
    )
    assert resolved.resolved_at is not None and not resolved.is_open
    assert store.comments("policy") == [resolved, whole]
    assert store.comments("policy", open_only=True) == [whole]
    assert store.comments("scope") == []
    # A newer version keeps the comments made on the older one, with their version.
    v2 = store.save_edit("policy", POLICY + "\nMore.\n", author="Ann", base_version_id=v1)
    later = store.add_comment("policy", v2.id, "Purpose and scope", "Ann", "ok now")
    assert [(c.version_number, c.id) for c in store.comments("policy")] == [
        (1, on_section.id),
        (1, whole.id),
        (2, later.id),
    ]
    assert verify(store) == []


def test_each_add_and_resolve_is_in_the_audit_log(store: DocumentStore) -> None:
    v1 = _version(store)
    before = len(store.audit_log())
    comment = store.add_comment("policy", v1, "Key management", "Ann", "Name the KMS.")
    store.resolve_comment(comment.id, "Priya Raman", "named")
    other = store.add_comment("policy", v1, "", "Bob", "=cmd|' /C calc'!A0")
    store.resolve_comment(other.id, "Bob")
    assert _log(store)[before:] == [
        (
            "Ann",
            "comment-added",
            "policy",
            f"comment {comment.id} on section 'Key management': Name the KMS.",
        ),
        ("Priya Raman", "comment-resolved", "policy", f"resolved comment {comment.id} of Ann: named"),
        ("Bob", "comment-added", "policy", f"comment {other.id} on the whole document: =cmd|' /C calc'!A0"),
        ("Bob", "comment-resolved", "policy", f"resolved comment {other.id} of Bob"),
    ]
    with sqlite3.connect(store.path) as con:  # the entries name the version: the chain covers its text
        versions = {
            r[0] for r in con.execute("SELECT version_id FROM audit_log WHERE action LIKE 'comment-%'")
        }
    con.close()
    assert versions == {v1}
    assert verify(store) == []


REFUSALS: dict[str, tuple[Callable[[DocumentStore, int, int], object], str]] = {
    "empty text": (lambda s, v, _c: s.add_comment("policy", v, "", "Ann", "  \n "), "needs text"),
    "no author": (lambda s, v, _c: s.add_comment("policy", v, "", " ", "x"), "who is commenting"),
    "unknown version": (lambda s, _v, _c: s.add_comment("policy", 999, "", "Ann", "x"), "no version 999"),
    "a version of another document": (
        lambda s, _v, _c: s.add_comment("policy", _version(s, "scope"), "", "Ann", "x"),
        "is version 1 of scope, not of policy",
    ),
    "unknown section": (
        lambda s, v, _c: s.add_comment("policy", v, "Key handling", "Ann", "x"),
        "'Key handling' is not a section of version 1 of policy; its sections are: Purpose and scope; Key",
    ),
    "unknown comment": (lambda s, _v, _c: s.resolve_comment(999, "Ann"), "no comment 999"),
    "resolved twice": (lambda s, _v, c: s.resolve_comment(c, "Bob", "again"), "resolved already by Ann"),
    "resolved by nobody": (lambda s, _v, c: s.resolve_comment(c + 1, " "), "who is resolving"),
}


@pytest.mark.parametrize("case", list(REFUSALS))
def test_refusals_say_why_and_leave_nothing_behind(store: DocumentStore, case: str) -> None:
    v1 = _version(store)
    done = store.add_comment("policy", v1, "", "Ann", "first")
    store.resolve_comment(done.id, "Ann", "fixed")
    store.add_comment("policy", v1, "", "Ann", "second")
    before = store.comments("policy"), store.audit_log()
    action, message = REFUSALS[case]
    with pytest.raises(CommentRefused) as caught:
        action(store, v1, done.id)
    assert isinstance(caught.value, InputError) and message in caught.value.message
    assert (store.comments("policy"), store.audit_log()) == before
    assert verify(store) == []


HAND_RUN = {
    "edit the text": "UPDATE comments SET text = 'forged' WHERE id = {open}",
    "move it to another version": "UPDATE comments SET version_id = 2 WHERE id = {open}",
    "resolve without saying who": "UPDATE comments SET status = 'resolved', resolved_at = '2026-01-01' "
    "WHERE id = {open}",
    "reopen a resolved one": "UPDATE comments SET status = 'open' WHERE id = {resolved}",
    "edit a resolution": "UPDATE comments SET resolution = 'nothing' WHERE id = {resolved}",
    "delete one": "DELETE FROM comments WHERE id = {open}",
    "insert one resolved": "INSERT INTO comments (document_id, version_id, section, author, text, status, "
    "resolved_by, resolution, created_at, resolved_at) VALUES ('policy', 1, '', 'x', 'x', 'resolved', 'x', "
    "'', '2026-01-01', '2026-01-01')",
    "replace one": "INSERT OR REPLACE INTO comments (id, document_id, version_id, section, author, text, "
    "status, resolved_by, resolution, created_at) SELECT id, document_id, version_id, section, author, "
    "'forged', 'open', '', '', created_at FROM comments WHERE id = {resolved}",
}


@pytest.mark.parametrize("case", list(HAND_RUN))
def test_hand_run_sql_cannot_change_a_comment(store: DocumentStore, case: str) -> None:
    v1 = _version(store)
    resolved = store.add_comment("policy", v1, "", "Ann", "first")
    store.resolve_comment(resolved.id, "Ann", "fixed")
    open_ = store.add_comment("policy", v1, "", "Ann", "second")
    before = store.comments("policy")
    con = raw(store.path)  # no recursive_triggers: REPLACE is refused by the insert trigger
    with pytest.raises(sqlite3.DatabaseError, match="comment"):
        con.execute(HAND_RUN[case].format(open=open_.id, resolved=resolved.id))
    con.close()
    assert store.comments("policy") == before


TAMPERED = {
    "text edited": ("UPDATE comments SET text = 'forged' WHERE id = {open}", "no audit log entry wrote it"),
    "reopened": (
        "UPDATE comments SET status = 'open', resolved_by = '', resolved_at = NULL WHERE id = {resolved}",
        "the audit log records it resolved, but it is open",
    ),
    "resolution edited": (
        "UPDATE comments SET resolution = 'nothing' WHERE id = {resolved}",
        "no audit log entry records that resolution",
    ),
    "deleted": ("DELETE FROM comments WHERE id = {open}", "the audit log records it, but it is gone"),
    "inserted": (
        "INSERT INTO comments (document_id, version_id, section, author, text, status, resolved_by, "
        "resolution, created_at) VALUES ('policy', 1, '', 'Mallory', 'x', 'open', '', '', '2026-01-01')",
        "no audit log entry wrote it",
    ),
}


@pytest.mark.parametrize("case", list(TAMPERED))
def test_a_comment_changed_with_the_triggers_dropped_is_reported(store: DocumentStore, case: str) -> None:
    v1 = _version(store)
    resolved = store.add_comment("policy", v1, "", "Ann", "first")
    store.resolve_comment(resolved.id, "Ann", "fixed")
    open_ = store.add_comment("policy", v1, "Key management", "Ann", "second")
    statement, expected = TAMPERED[case]
    tamper(store.path, statement.format(open=open_.id, resolved=resolved.id))
    report = "\n".join(verify(store))
    assert expected in report, report
    assert "trigger" not in report


# -- older stores -----------------------------------------------------------------------------------------


def downgrade_to_format_1(path: Path) -> None:
    """The store as the release before comments left it: no comments table or triggers, format 1."""
    con = raw(path)
    con.execute("BEGIN")
    for name in COMMENT_TRIGGERS:
        con.execute(f"DROP TRIGGER {name}")
    con.execute("DROP TABLE comments")
    con.execute("PRAGMA user_version = 1")
    con.execute("COMMIT")
    con.close()


def _tables_and_triggers(path: Path) -> tuple[set[str], set[str], int]:
    con = sqlite3.connect(path)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    triggers = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    (format_,) = con.execute("PRAGMA user_version").fetchone()
    con.close()
    return tables, triggers, format_


def test_a_format_1_store_opens_gains_comments_and_verifies(store: DocumentStore) -> None:
    v1 = _version(store)
    store.review(v1, reviewer=APPROVER, decision="approve", comment="fine", approvers=[APPROVER])
    log_before = store.audit_log()
    store.close()
    downgrade_to_format_1(store.path)
    tables, triggers, format_ = _tables_and_triggers(store.path)
    assert "comments" not in tables and format_ == 1 and not COMMENT_TRIGGERS & triggers

    reopened = DocumentStore(store.path)
    tables, triggers, format_ = _tables_and_triggers(store.path)
    assert "comments" in tables and triggers == set(TRIGGERS) and format_ == SCHEMA_VERSION == 2
    assert verify(reopened) == []
    assert reopened.audit_log() == log_before  # nothing of format 1 was rewritten
    comment = reopened.add_comment("policy", v1, "Key management", "Ann", "rotate sooner")
    reopened.resolve_comment(comment.id, APPROVER, "next version")
    with pytest.raises(sqlite3.DatabaseError, match="comment"):
        raw(store.path).execute(f"DELETE FROM comments WHERE id = {comment.id}")
    assert verify(reopened) == []
    assert verify(DocumentStore(store.path)) == []  # opening it again changes nothing


def test_the_migration_to_comments_does_not_launder_earlier_tampering(store: DocumentStore) -> None:
    v1 = _version(store)
    store.review(v1, reviewer=APPROVER, decision="approve", comment="fine", approvers=[APPROVER])
    store.close()
    downgrade_to_format_1(store.path)
    tamper(store.path, f"UPDATE versions SET content = 'Keys never rotate.' WHERE id = {v1}")
    report = "\n".join(verify(DocumentStore(store.path)))
    assert "content no longer matches its content_hash" in report


def test_a_format_0_store_is_migrated_all_the_way(tmp_path: Path) -> None:
    path = old_store(tmp_path / "ws" / ".isms" / "store.sqlite")
    store = DocumentStore(path)
    assert _tables_and_triggers(path)[1:] == (set(TRIGGERS), SCHEMA_VERSION)
    assert verify(store) == []
    store.add_comment("scope", 2, "", "Ann", "which sites?")
    assert verify(store) == []


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "comments-ws")


def test_doctor_verify_is_clean_on_a_generated_workspace_with_a_format_1_store(
    generated: Path, tmp_path: Path
) -> None:
    ws = private_copy(generated, tmp_path)
    path = ws / ".isms" / "store.sqlite"
    service._open.cache_clear()  # no engine of this process may hold the file across the downgrade
    downgrade_to_format_1(path)
    result = invoke(CliRunner(), "doctor", "--verify", "--workspace", str(ws))
    assert result.exit_code == 0, result.output
    assert "files, manifest and store agree" in result.output
    assert _tables_and_triggers(path)[2] == SCHEMA_VERSION
    store = DocumentStore.for_workspace(ws / ".isms")
    latest = store.latest("cryptography-policy")
    assert latest is not None
    store.add_comment("cryptography-policy", latest.id, "", "Ann", "name the KMS")
    assert invoke(CliRunner(), "doctor", "--verify", "--workspace", str(ws)).exit_code == 0
