"""The version store is tamper-evident: hand-run SQL cannot rewrite history, an edit made with the triggers
dropped shows in `verify`, older stores are migrated, and a broken store file is refused with a message."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import event

from assistant.errors import InputError, IsmsError
from assistant.store import ApprovalRefused, DocumentStore, opening, service, verify
from assistant.store.schema import PRAGMAS, SCHEMA_VERSION, TRIGGERS, sha256_text
from tests.conftest import copy_example, invoke

APPROVER = "Priya Raman"
POLICY_V1 = "---\nid: policy\nversion: 0.1\n---\n# Policy\n\nKeys rotate every year.\n"
POLICY_V2 = "---\nid: policy\nversion: 0.2\n---\n# Policy\n\nKeys rotate every two years.\n"
SCOPE_V1 = "---\nid: scope\nversion: 0.1\n---\n# Scope\n\nAll of it.\n"


@dataclass
class Fixture:
    store: DocumentStore
    path: Path
    approved: int  # policy version 1: approved with a review
    draft: int  # policy version 2: a draft made after the approval
    reviewed: int  # scope version 1: changes requested
    approve_review: int  # the id of the review row that approved `approved`


def build(state_dir: Path) -> Fixture:
    """A store written only through the service: a normal approve workflow and a little more."""
    store = DocumentStore.for_workspace(state_dir)
    v1 = store.record("policy", "Policy", POLICY_V1, author="isms", source="generated")
    store.submit(v1.id, "Daniel")
    store.review(v1.id, reviewer=APPROVER, decision="approve", comment="fine", approvers=[APPROVER])
    v2 = store.save_edit("policy", POLICY_V2, author="Daniel", base_version_id=v1.id)
    scope = store.record("scope", "Scope", SCOPE_V1, author="isms", source="generated")
    store.review(
        scope.id, reviewer="Ann", decision="request_changes", comment="name sites", approvers=[APPROVER]
    )
    store.audit("Claire", "soa-edited", "statement-of-applicability", "A.5.1")
    with sqlite3.connect(store.path) as con:
        (review_id,) = con.execute(
            "SELECT id FROM reviews WHERE version_id = ? AND decision = 'approve'", (v1.id,)
        ).fetchone()
    con.close()
    return Fixture(store, store.path, v1.id, v2.id, scope.id, review_id)


@pytest.fixture
def fx(tmp_path: Path) -> Fixture:
    return build(tmp_path / "ws" / ".isms")


def raw(path: Path) -> sqlite3.Connection:
    """An attacker's connection: plain sqlite3, none of the service's pragmas (no recursive_triggers)."""
    return sqlite3.connect(path, isolation_level=None)


def tamper(path: Path, *statements: str, restore: bool = True) -> None:
    """Edit the store like someone who knows the triggers: drop them, run the statements, put them back."""
    con = raw(path)
    triggers = con.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    con.execute("BEGIN")
    for name, _sql in triggers:
        con.execute(f"DROP TRIGGER {name}")
    for statement in statements:
        con.execute(statement)
    if restore:
        for _name, sql in triggers:
            con.execute(sql)
    con.execute("COMMIT")
    con.close()


# -- the triggers refuse hand-run SQL -------------------------------------------------------------------

VERSION_COLUMNS = (
    "id, document_id, number, label, content, author, source, inputs_hash, status, based_on, note, "
    "created_at, content_hash"
)
ATTACKS = {
    "replace approved version by id": (
        f"INSERT OR REPLACE INTO versions ({VERSION_COLUMNS}) SELECT id, document_id, number, label, "
        "'forged text', author, source, inputs_hash, 'draft', based_on, note, created_at, content_hash "
        "FROM versions WHERE id = {approved}",
        "approved versions are immutable",
    ),
    "replace approved version by document and number": (
        "INSERT OR REPLACE INTO versions (document_id, number, label, content, author, source, inputs_hash, "
        "status, note, created_at) VALUES ('policy', 1, '0.1', 'forged text', 'x', 'edited', '', 'draft', "
        "'', '2026-01-01 00:00:00.000000')",
        "approved versions are immutable",
    ),
    "replace approved version, approved": (
        f"REPLACE INTO versions ({VERSION_COLUMNS}) SELECT id, document_id, number, label, 'forged text', "
        "author, source, inputs_hash, status, based_on, note, created_at, content_hash FROM versions "
        "WHERE id = {approved}",
        "immutable|never inserted approved",
    ),
    "insert a version already approved": (
        "INSERT INTO versions (document_id, number, label, content, author, source, inputs_hash, status, "
        "note, created_at) VALUES ('policy', 9, '0.9', 'forged', 'x', 'edited', '', 'approved', '', "
        "'2026-01-01 00:00:00.000000')",
        "never inserted approved",
    ),
    "approve without a review": (
        "UPDATE versions SET status = 'approved' WHERE id = {draft}",
        "approved only with an approve review",
    ),
    "approve a version whose review requested changes": (
        "UPDATE versions SET status = 'approved' WHERE id = {reviewed}",
        "approved only with an approve review",
    ),
    "unapprove": ("UPDATE versions SET status = 'draft' WHERE id = {approved}", "immutable"),
    "delete approved version": ("DELETE FROM versions WHERE id = {approved}", "immutable"),
    "edit approved content": (
        "UPDATE versions SET content = 'x' WHERE id = {approved}",
        "immutable|never changes",
    ),
    "edit draft content": ("UPDATE versions SET content = 'x' WHERE id = {draft}", "never changes"),
    "edit draft content hash": ("UPDATE versions SET content_hash = 'x' WHERE id = {draft}", "never changes"),
    "renumber a draft over the approved version": (
        "UPDATE OR REPLACE versions SET number = 1 WHERE id = {draft}",
        "append-only",
    ),
    "delete a review": ("DELETE FROM reviews WHERE id = {approve_review}", "reviews are append-only"),
    "edit a review": (
        "UPDATE reviews SET decision = 'request_changes' WHERE id = {approve_review}",
        "reviews are append-only",
    ),
    "replace a review": (
        "INSERT OR REPLACE INTO reviews (id, version_id, reviewer, decision, comment, created_at) "
        "VALUES ({approve_review}, {approved}, 'Mallory', 'approve', '', '2026-01-01 00:00:00.000000')",
        "reviews are append-only",
    ),
    "delete an audit entry": ("DELETE FROM audit_log WHERE id = 2", "audit log is append-only"),
    "edit an audit entry": (
        "UPDATE audit_log SET actor = 'Mallory' WHERE id = 3",
        "audit log is append-only",
    ),
    "replace an audit entry": (
        "INSERT OR REPLACE INTO audit_log (id, at, actor, action, document_id, version_id, detail, prev_hash, "
        "entry_hash) SELECT id, at, 'Mallory', action, document_id, version_id, detail, prev_hash, entry_hash "
        "FROM audit_log WHERE id = 3",
        "audit log is append-only",
    ),
}


@pytest.mark.parametrize("recursive_triggers", [False, True], ids=["plain", "recursive-triggers"])
@pytest.mark.parametrize("attack", list(ATTACKS))
def test_hand_run_sql_cannot_rewrite_history(fx: Fixture, attack: str, recursive_triggers: bool) -> None:
    statement, refusal = ATTACKS[attack]
    before = fx.store.versions("policy"), fx.store.reviews("policy"), fx.store.audit_log()
    con = raw(fx.path)
    if recursive_triggers:
        con.execute("PRAGMA recursive_triggers = ON")
    with pytest.raises(sqlite3.DatabaseError, match=refusal):
        con.execute(
            statement.format(
                approved=fx.approved, draft=fx.draft, reviewed=fx.reviewed, approve_review=fx.approve_review
            )
        )
    con.close()
    assert (fx.store.versions("policy"), fx.store.reviews("policy"), fx.store.audit_log()) == before
    assert verify(fx.store) == []


def test_the_service_sets_recursive_triggers_on_every_connection(fx: Fixture) -> None:
    with fx.store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA recursive_triggers").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_a_refused_review_leaves_nothing_behind(fx: Fixture) -> None:
    """The review row, the status and the audit entry are written in one transaction, or none of them."""
    newer = fx.store.record("scope", "Scope", SCOPE_V1 + "Sites named.\n", author="Ann", source="edited")
    audit_before = fx.store.audit_log()
    with pytest.raises(ApprovalRefused, match="not the newest"):
        fx.store.review(fx.reviewed, reviewer=APPROVER, decision="approve", comment="", approvers=[APPROVER])
    with pytest.raises(ApprovalRefused, match="may not approve"):
        fx.store.review(newer.id, reviewer="Mallory", decision="approve", comment="", approvers=[APPROVER])
    with pytest.raises(ApprovalRefused, match="already approved"):
        fx.store.review(fx.approved, reviewer=APPROVER, decision="request_changes", comment="", approvers=[])
    assert [r.decision for r in fx.store.reviews("scope")] == ["request_changes"]
    assert fx.store.audit_log() == audit_before
    assert verify(fx.store) == []


# -- verify -----------------------------------------------------------------------------------------------


def test_a_normal_workflow_verifies_clean(fx: Fixture) -> None:
    assert verify(fx.store) == []
    approved = fx.store.review(
        fx.draft, reviewer=APPROVER, decision="approve", comment="", approvers=[APPROVER]
    )
    assert approved.status == "approved"
    assert verify(fx.store) == []
    assert verify(DocumentStore(fx.path)) == []  # a second engine on the same file agrees
    with sqlite3.connect(fx.path) as con:
        rows = con.execute("SELECT prev_hash, entry_hash FROM audit_log ORDER BY id").fetchall()
        hashes = dict(con.execute("SELECT content, content_hash FROM versions").fetchall())
    con.close()
    assert all(len(h) == 64 for pair in rows for h in pair)
    assert [prev for prev, _ in rows[1:]] == [entry for _, entry in rows[:-1]]
    assert hashes == {text: sha256_text(text) for text in hashes}


TAMPERING: dict[str, tuple[tuple[str, ...], list[str]]] = {
    "approved content edited": (
        ("UPDATE versions SET content = 'Keys never rotate.' WHERE id = {approved}",),
        ["version 1 of policy", "content no longer matches its content_hash", "entry_hash"],
    ),
    "approved content and its hash edited": (
        (
            "UPDATE versions SET content = 'Keys never rotate.', "
            f"content_hash = '{sha256_text('Keys never rotate.')}' WHERE id = {{approved}}",
        ),
        ["the content of version id {approved} it records was changed"],
    ),
    "audit entry edited": (
        ("UPDATE audit_log SET actor = 'Mallory' WHERE id = 3",),
        ["audit log entry 3 (approved by Mallory) no longer matches its entry_hash"],
    ),
    "audit entry deleted": (
        ("DELETE FROM audit_log WHERE id = 2",),
        ["audit log entry 3 (approved by Priya Raman) does not link to entry 1"],
    ),
    "audit entry inserted at the start": (
        (
            "INSERT INTO audit_log (id, at, actor, action, document_id, detail, prev_hash, entry_hash) "
            f"VALUES (0, '2026-01-01 00:00:00.000000', 'Mallory', 'note', '', '', '{'0' * 64}', '{'1' * 64}')",
        ),
        ["audit log entry 0 (note by Mallory) no longer matches", "audit log entry 1 (version-generated by "],
    ),
    "audit entry appended": (
        (
            "INSERT INTO audit_log (at, actor, action, document_id, detail, prev_hash, entry_hash) "
            f"VALUES ('2026-01-01 00:00:00.000000', 'Mallory', 'note', '', '', '{'0' * 64}', '{'1' * 64}')",
        ),
        ["(note by Mallory) does not link to entry", "(note by Mallory) no longer matches its entry_hash"],
    ),
    "approval forged": (
        ("UPDATE versions SET status = 'approved' WHERE id = {draft}",),
        ["version 2 of policy (id {draft}) is approved but has no approve review", "records no approval"],
    ),
    "approve review deleted": (
        ("DELETE FROM reviews WHERE id = {approve_review}",),
        ["version 1 of policy (id {approved}) is approved but has no approve review"],
    ),
    "version inserted without an audit entry": (
        (
            "INSERT INTO versions (document_id, number, label, content, author, source, inputs_hash, status, "
            f"note, created_at, content_hash) VALUES ('policy', 3, '0.3', 'x', 'x', 'edited', '', 'draft', '', "
            f"'2026-01-01 00:00:00.000000', '{sha256_text('x')}')",
        ),
        ["version 3 of policy", "no audit log entry records it"],
    ),
    "draft version deleted": (
        ("DELETE FROM versions WHERE id = {reviewed}",),
        ["version id {reviewed} it records no longer exists"],
    ),
}


@pytest.mark.parametrize("case", list(TAMPERING))
def test_an_edit_made_with_the_triggers_dropped_is_reported(fx: Fixture, case: str) -> None:
    statements, expected = TAMPERING[case]
    ids = {
        "approved": fx.approved,
        "draft": fx.draft,
        "reviewed": fx.reviewed,
        "approve_review": fx.approve_review,
    }
    tamper(fx.path, *(s.format(**ids) for s in statements))
    problems = verify(fx.store)
    report = "\n".join(problems)
    assert problems and all(p.startswith(f"{fx.path}: ") for p in problems)
    for phrase in expected:
        assert phrase.format(**ids) in report, report
    assert not any("trigger" in p for p in problems), report  # they were put back


def test_missing_and_weakened_triggers_are_reported(fx: Fixture) -> None:
    tamper(fx.path, restore=False)
    problems = verify(fx.store)
    assert {p.split("trigger ")[1].split(" ")[0] for p in problems if "is missing" in p} == set(TRIGGERS)
    tamper(fx.path, *(sql for _table, sql in TRIGGERS.values()))
    assert verify(fx.store) == []
    weakened = TRIGGERS["audit_log_not_deleted"][1].replace(
        "BEFORE DELETE ON audit_log", "BEFORE DELETE ON audit_log WHEN 0"
    )
    tamper(
        fx.path,
        *(sql for _table, sql in TRIGGERS.values() if "audit_log_not_deleted" not in sql),
        weakened,
        restore=False,
    )
    assert verify(fx.store) == [
        f"{fx.path}: trigger audit_log_not_deleted on audit_log differs from the one isms creates: it may not protect"
    ]


def test_an_added_trigger_is_reported(fx: Fixture) -> None:
    tamper(
        fx.path,
        "CREATE TRIGGER quietly_edit AFTER INSERT ON versions BEGIN SELECT 1; END",
        restore=True,
    )
    assert verify(fx.store) == [
        f"{fx.path}: trigger quietly_edit is not one isms creates: check what it does, then drop it"
    ]


def test_missing_pragmas_are_reported(fx: Fixture) -> None:
    event.remove(fx.store.engine, "connect", service._pragmas)
    fx.store.close()  # the next connection is opened without the service's pragmas
    problems = verify(fx.store)
    assert any("PRAGMA recursive_triggers is 0" in p for p in problems)
    assert any("PRAGMA foreign_keys is 0" in p for p in problems)


# -- migration of a store made before the hashes ----------------------------------------------------------

OLD_DDL = """
CREATE TABLE documents (id VARCHAR(120) NOT NULL, title VARCHAR(300) NOT NULL, created_at DATETIME NOT NULL,
    PRIMARY KEY (id));
CREATE TABLE versions (id INTEGER NOT NULL, document_id VARCHAR(120) NOT NULL, number INTEGER NOT NULL,
    label VARCHAR(20) NOT NULL, content TEXT NOT NULL, author VARCHAR(200) NOT NULL, source VARCHAR(20) NOT NULL,
    inputs_hash VARCHAR(64) NOT NULL, status VARCHAR(30) NOT NULL, based_on INTEGER, note TEXT NOT NULL,
    created_at DATETIME NOT NULL, PRIMARY KEY (id), UNIQUE (document_id, number),
    FOREIGN KEY(document_id) REFERENCES documents (id));
CREATE INDEX ix_versions_document_id ON versions (document_id);
CREATE TABLE reviews (id INTEGER NOT NULL, version_id INTEGER NOT NULL, reviewer VARCHAR(200) NOT NULL,
    decision VARCHAR(30) NOT NULL, comment TEXT NOT NULL, created_at DATETIME NOT NULL, PRIMARY KEY (id),
    FOREIGN KEY(version_id) REFERENCES versions (id));
CREATE INDEX ix_reviews_version_id ON reviews (version_id);
CREATE TABLE audit_log (id INTEGER NOT NULL, at DATETIME NOT NULL, actor VARCHAR(200) NOT NULL,
    action VARCHAR(60) NOT NULL, document_id VARCHAR(120) NOT NULL, version_id INTEGER, detail TEXT NOT NULL,
    PRIMARY KEY (id));
CREATE TRIGGER IF NOT EXISTS approved_versions_immutable BEFORE UPDATE ON versions WHEN OLD.status = 'approved'
    BEGIN SELECT RAISE(ABORT, 'approved versions are immutable'); END;
CREATE TRIGGER IF NOT EXISTS approved_versions_kept BEFORE DELETE ON versions WHEN OLD.status = 'approved'
    BEGIN SELECT RAISE(ABORT, 'approved versions are immutable'); END;
CREATE TRIGGER IF NOT EXISTS version_content_fixed BEFORE UPDATE OF content ON versions
    BEGIN SELECT RAISE(ABORT, 'version content never changes; save a new version'); END;
PRAGMA journal_mode = WAL;
"""
AT = "2026-03-01 09:00:00.000000"  # how SQLAlchemy writes a DATETIME to SQLite


def old_store(path: Path) -> Path:
    """A store as the first release wrote it: no hash columns, three triggers, format 0."""
    path.parent.mkdir(parents=True)
    con = raw(path)
    con.executescript(OLD_DDL)
    con.executescript(
        f"""
        BEGIN;
        INSERT INTO documents VALUES ('policy', 'Policy', '{AT}'), ('scope', 'Scope', '{AT}');
        INSERT INTO versions VALUES (1, 'policy', 1, '0.1', '{POLICY_V1}', 'isms', 'generated', 'abc', 'draft',
            NULL, 'first', '{AT}');
        INSERT INTO audit_log VALUES (1, '{AT}', 'isms', 'version-generated', 'policy', 1, 'first');
        INSERT INTO reviews VALUES (1, 1, '{APPROVER}', 'approve', 'fine', '{AT}');
        UPDATE versions SET status = 'approved' WHERE id = 1;
        INSERT INTO audit_log VALUES (2, '{AT}', '{APPROVER}', 'approved', 'policy', 1, 'approve: fine');
        INSERT INTO versions VALUES (2, 'scope', 1, '0.1', '{SCOPE_V1}', 'isms', 'generated', '', 'draft', NULL,
            '', '{AT}');
        INSERT INTO audit_log VALUES (3, '{AT}', 'isms', 'version-generated', 'scope', 2, 'version 1');
        INSERT INTO audit_log VALUES (5, '{AT}', 'Claire', 'soa-edited', 'statement-of-applicability', NULL, 'A.5.1');
        COMMIT;
        """
    )
    con.close()
    return path


def test_an_older_store_is_migrated_on_open_and_verifies_clean(tmp_path: Path) -> None:
    path = old_store(tmp_path / "ws" / ".isms" / "store.sqlite")
    store = DocumentStore.for_workspace(path.parent)
    assert verify(store) == []
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        assert dict(con.execute("SELECT id, content_hash FROM versions")) == {
            1: sha256_text(POLICY_V1),
            2: sha256_text(SCOPE_V1),
        }
        assert {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")} == set(
            TRIGGERS
        )
    con.close()
    approved = store.last_approved("policy")
    assert approved is not None and approved.content == POLICY_V1  # nothing but the hashes changed
    # The migrated store is protected like a new one and keeps working.
    with pytest.raises(sqlite3.DatabaseError, match="immutable"):
        raw(path).execute(
            "INSERT OR REPLACE INTO versions (document_id, number, label, content, author, source, inputs_hash, "
            f"status, note, created_at) VALUES ('policy', 1, '0.1', 'forged', 'x', 'edited', '', 'draft', '', '{AT}')"
        )
    store.review(2, reviewer=APPROVER, decision="approve", comment="", approvers=[APPROVER])
    store.record("scope", "Scope", SCOPE_V1 + "More.\n", author="Ann", source="edited")
    assert verify(store) == []
    assert verify(DocumentStore(path)) == []  # opening it again migrates nothing and changes nothing


def test_tampering_before_the_migration_is_not_laundered(tmp_path: Path) -> None:
    """The backfill hashes what it finds; what it cannot vouch for stays visible."""
    path = old_store(tmp_path / "ws" / ".isms" / "store.sqlite")
    con = raw(path)
    con.execute(
        "INSERT INTO versions VALUES (3, 'scope', 2, '0.2', 'x', 'm', 'edited', '', 'draft', NULL, '', ?)",
        (AT,),
    )
    con.execute("DROP TRIGGER approved_versions_immutable")
    con.execute("UPDATE versions SET status = 'approved' WHERE id = 3")
    con.close()
    problems = verify(DocumentStore.for_workspace(path.parent))
    assert any("version 2 of scope (id 3) is approved but has no approve review" in p for p in problems)
    assert any("version 2 of scope (id 3): no audit log entry records it" in p for p in problems)


# -- a broken store file is refused with a message ------------------------------------------------------


def _valid_store_bytes(tmp_path: Path) -> bytes:
    store = DocumentStore(tmp_path / "valid" / "store.sqlite")
    for n in range(20):
        store.record(f"doc-{n}", "Doc", f"# Doc {n}\n\n" + "Text. " * 800, author="isms", source="generated")
    store.close()  # checkpoints the WAL into the file
    return store.path.read_bytes()


def _truncated(path: Path, tmp_path: Path) -> None:
    data = _valid_store_bytes(tmp_path)
    path.write_bytes(data[: len(data) // 2])


def _random_bytes(path: Path, _tmp: Path) -> None:
    path.write_bytes(os.urandom(16384))


def _text_file(path: Path, _tmp: Path) -> None:
    path.write_text("These are my notes, not a database.\n")


def _foreign_sqlite(path: Path, _tmp: Path) -> None:
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
    con.execute("INSERT INTO users (name) VALUES ('ann')")
    con.commit()
    con.close()


def _zero_bytes(path: Path, _tmp: Path) -> None:
    path.write_bytes(b"")


def _directory(path: Path, _tmp: Path) -> None:
    path.mkdir()


BROKEN: dict[str, tuple[Callable[[Path, Path], None], str]] = {
    "truncated": (_truncated, "is damaged"),
    "random bytes": (_random_bytes, "is not an SQLite database"),
    "text file": (_text_file, "is not an SQLite database"),
    "foreign sqlite": (_foreign_sqlite, "of something else (tables: users)"),
    "zero bytes": (_zero_bytes, "is empty (0 bytes)"),
    "directory": (_directory, "is a folder"),
}


@pytest.mark.parametrize("variant", list(BROKEN))
def test_a_broken_store_file_is_refused_naming_it(tmp_path: Path, variant: str) -> None:
    make, problem = BROKEN[variant]
    state_dir = tmp_path / "ws" / ".isms"
    state_dir.mkdir(parents=True)
    path = state_dir / "store.sqlite"
    make(path, tmp_path)
    before = sorted(p.name for p in state_dir.iterdir())
    snapshot = path.read_bytes() if path.is_file() else None
    with pytest.raises(InputError) as info:
        DocumentStore.for_workspace(state_dir)
    assert info.value.exit_code == 2
    assert str(path.resolve()) in info.value.message and problem in info.value.message
    assert "move it aside" in info.value.message and "isms doctor" in info.value.message
    if snapshot is not None:
        assert path.read_bytes() == snapshot  # nothing is written to a file that is not ours
    assert sorted(p.name for p in state_dir.iterdir()) == before


@pytest.fixture
def read_only_store(tmp_path: Path) -> Iterator[Path]:
    """A valid store that cannot be written: chmod for a normal user; root ignores modes, so chattr +i."""
    store = DocumentStore(tmp_path / "ws" / ".isms" / "store.sqlite")
    store.close()  # no connection of this process keeps the file open for writing
    path = store.path
    if os.geteuid() != 0:
        path.chmod(0o444)
        yield path
        path.chmod(0o644)
        return
    if shutil.which("chattr") is None:
        pytest.skip("running as root without chattr: cannot make a file read-only")
    made = subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0
    try:
        if not made:
            pytest.skip("running as root on a file system without the immutable attribute")
        yield path
    finally:
        if made:
            subprocess.run(["chattr", "-i", str(path)], check=True)


def test_a_read_only_store_is_refused_naming_it(read_only_store: Path) -> None:
    with pytest.raises(InputError) as info:
        DocumentStore.for_workspace(read_only_store.parent)
    assert info.value.exit_code == 2
    assert (
        f"{read_only_store.resolve()} is read-only" in info.value.message and "writable" in info.value.message
    )


def test_a_read_only_store_is_refused_even_when_access_checks_pass(
    read_only_store: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """os.access can say yes (network file systems, some mounts): SQLite's first write decides."""
    monkeypatch.setattr(opening.os, "access", lambda *_a, **_k: True)
    with pytest.raises(InputError, match="is read-only"):
        DocumentStore(read_only_store)


def test_the_cli_reports_a_broken_store_without_a_traceback(tmp_path: Path, runner) -> None:  # type: ignore[no-untyped-def]
    ws = copy_example("kestrel-saas", tmp_path / "kestrel")
    (ws / ".isms").mkdir()
    store = ws / ".isms" / "store.sqlite"
    store.write_text("not a database\n")
    source = ws / "docs" / "engineering-on-call-and-incident-runbook.md"
    result = invoke(
        runner, "import", str(source), "--as", "incident-management-procedure", "--workspace", str(ws)
    )
    assert result.exit_code == 2
    assert "store.sqlite is not an SQLite database" in result.output and "Traceback" not in result.output


def test_a_store_busy_for_too_long_is_a_failed_step_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(PRAGMAS, "busy_timeout", 50)
    store = DocumentStore(tmp_path / ".isms" / "store.sqlite")
    holder = raw(store.path)
    holder.execute("BEGIN IMMEDIATE")  # another process in the middle of a long write
    try:
        with pytest.raises(IsmsError) as info:
            store.record("policy", "Policy", POLICY_V1, author="isms", source="generated")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert info.value.exit_code == 1 and f"{store.path} is busy" in info.value.message
    assert store.record("policy", "Policy", POLICY_V1, author="isms", source="generated").number == 1
    assert verify(store) == []
