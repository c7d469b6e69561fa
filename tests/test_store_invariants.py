"""The store's invariants (issue 15): an approved version never changes, through the API or hand-run SQL; of
two editors saving from the same version exactly one saves (threads and processes); every action leaves one
audit entry; the Word file of an approved document carries its approval record; a batch approval approves
each version on its own and reports each refusal."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from pathlib import Path

import pytest
from docx import Document

from assistant.cli.loading import load_inputs
from assistant.errors import InputError
from assistant.store import ApprovalRefused, DocumentStore, StaleEdit, verify
from assistant.workflow import approve, approve_many, store_for
from tests.conftest import invoke
from tests.helpers import generate_example, private_copy

APPROVER = "Priya Raman"
TEXT = "---\nid: policy\nversion: 0.1\n---\n# Policy\n\n## Key management\n\nKeys rotate every year.\n"


@pytest.fixture
def store(tmp_path: Path) -> DocumentStore:
    return DocumentStore(tmp_path / ".isms" / "store.sqlite")


def _approved(store: DocumentStore) -> int:
    version = store.record("policy", "Policy", TEXT, author="isms", source="generated")
    store.review(version.id, reviewer=APPROVER, decision="approve", comment="fine", approvers=[APPROVER])
    return version.id


# -- approved versions are immutable ------------------------------------------------------------------------


def test_an_approved_version_does_not_change_through_the_api(store: DocumentStore) -> None:
    approved = _approved(store)
    kept = store.get(approved)
    for attempt in (
        lambda: store.review(
            approved, reviewer=APPROVER, decision="approve", comment="", approvers=[APPROVER]
        ),
        lambda: store.review(approved, reviewer="Ann", decision="request_changes", comment="x", approvers=[]),
        lambda: store.submit(approved, "Ann"),
    ):
        with pytest.raises(ApprovalRefused, match="approved"):
            attempt()
    assert (
        store.record("policy", "Policy", TEXT, author="x", source="edited") == kept
    )  # same text: no version
    edited = store.save_edit("policy", TEXT + "\nMore.\n", author="Ann", base_version_id=approved)
    assert (edited.number, edited.status, edited.based_on) == (2, "draft", approved)
    assert store.get(approved) == kept and store.last_approved("policy") == kept
    assert verify(store) == []


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE versions SET content = 'forged' WHERE id = {id}",
        "UPDATE versions SET status = 'draft' WHERE id = {id}",
        "UPDATE versions SET note = 'forged' WHERE id = {id}",
        "DELETE FROM versions WHERE id = {id}",
        "INSERT OR REPLACE INTO versions (id, document_id, number, label, content, author, source, inputs_hash, "
        "status, based_on, note, created_at, content_hash) SELECT id, document_id, number, label, 'forged', "
        "author, source, inputs_hash, 'draft', based_on, note, created_at, content_hash FROM versions "
        "WHERE id = {id}",
        "DELETE FROM reviews WHERE version_id = {id}",
        "DELETE FROM audit_log WHERE version_id = {id}",
    ],
)
def test_an_approved_version_does_not_change_through_raw_sql(store: DocumentStore, statement: str) -> None:
    approved = _approved(store)
    kept, log = store.get(approved), store.audit_log()
    con = sqlite3.connect(store.path, isolation_level=None)  # none of the service's pragmas
    with pytest.raises(sqlite3.DatabaseError, match="immutable|never changes|append-only"):
        con.execute(statement.format(id=approved))
    con.close()
    assert (store.get(approved), store.audit_log()) == (kept, log)
    assert verify(store) == []


# -- no lost update under two concurrent editors ----------------------------------------------------------


def _edit_from_base(path: Path, base_id: int, name: str, barrier: threading.Barrier) -> tuple[str, object]:
    """One editor on its own engine: reads the newest version, waits until the other editor has read it too
    (the worst interleaving), then saves its edit of that version."""
    editor = DocumentStore(path)
    read_newest = editor.latest

    def latest(doc_id: str):  # type: ignore[no-untyped-def]
        newest = read_newest(doc_id)
        barrier.wait(timeout=10)
        return newest

    editor.latest = latest  # type: ignore[method-assign]
    try:
        saved = editor.save_edit(
            "policy", TEXT + f"\n{name} was here.\n", author=name, base_version_id=base_id
        )
        return name, saved.number
    except StaleEdit as exc:
        return name, exc
    finally:
        editor.close()


def test_two_editors_in_threads_from_the_same_version_one_saves(store: DocumentStore) -> None:
    base = store.record("policy", "Policy", TEXT, author="isms", source="generated")
    barrier = threading.Barrier(2)
    results: list[tuple[str, object]] = []
    threads = [
        threading.Thread(
            target=lambda n=name: results.append(_edit_from_base(store.path, base.id, n, barrier))
        )
        for name in ("Ann", "Bob")
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    saved = [(name, outcome) for name, outcome in results if outcome == 2]
    stale = [(name, outcome) for name, outcome in results if isinstance(outcome, StaleEdit)]
    assert len(saved) == 1 and len(stale) == 1, results
    (winner, _), (loser, refusal) = saved[0], stale[0]
    assert isinstance(refusal, StaleEdit) and refusal.latest.author == winner
    assert f"the newest is version 2 by {winner}" in refusal.message
    versions = store.versions("policy")
    assert [v.number for v in versions] == [1, 2] and f"{winner} was here." in versions[-1].content
    assert verify(store) == []
    assert loser != winner


def _save_in_process(path: str, base_id: int, name: str, start: object) -> str:
    start.wait(timeout=30)  # type: ignore[attr-defined]
    editor = DocumentStore(Path(path))
    try:
        editor.save_edit("policy", TEXT + f"\n{name} was here.\n", author=name, base_version_id=base_id)
        return "saved"
    except StaleEdit:
        return "stale"
    finally:
        editor.close()


def test_two_editors_in_processes_from_the_same_version_one_saves(store: DocumentStore) -> None:
    base = store.record("policy", "Policy", TEXT, author="isms", source="generated")
    context = multiprocessing.get_context("spawn")
    with context.Manager() as manager:
        start = manager.Barrier(2)
        with context.Pool(2) as pool:
            outcomes = pool.starmap(
                _save_in_process, [(str(store.path), base.id, name, start) for name in ("Ann", "Bob")]
            )
    assert sorted(outcomes) == ["saved", "stale"]
    assert [v.number for v in store.versions("policy")] == [1, 2]
    assert verify(store) == []


# -- every action in the audit log -------------------------------------------------------------------------


def test_every_store_action_leaves_one_audit_entry(store: DocumentStore) -> None:
    def logged(action: object) -> tuple[str, str]:
        before = store.audit_log(10_000)
        action() if callable(action) else None
        after = store.audit_log(10_000)
        assert len(after) == len(before) + 1, (action, after[: len(after) - len(before)])
        _at, who, what, _doc, _detail = after[0]
        return who, what

    first: list[int] = []
    assert logged(
        lambda: first.append(store.record("policy", "Policy", TEXT, author="isms", source="generated").id)
    ) == ("isms", "version-generated")
    v2: list[int] = []
    assert logged(
        lambda: v2.append(store.save_edit("policy", TEXT + "x\n", author="Ann", base_version_id=first[0]).id)
    ) == ("Ann", "version-edited")
    assert logged(lambda: store.submit(v2[0], "Ann")) == ("Ann", "in_review")
    assert logged(
        lambda: store.review(v2[0], reviewer="Bob", decision="request_changes", comment="why", approvers=[])
    ) == ("Bob", "changes_requested")
    assert logged(
        lambda: store.review(v2[0], reviewer="Bob", decision="resolve", comment="fine", approvers=[])
    ) == ("Bob", "change-request-resolved")
    comment: list[int] = []
    assert logged(
        lambda: comment.append(store.add_comment("policy", v2[0], "Key management", "Cy", "hm").id)
    ) == ("Cy", "comment-added")
    assert logged(lambda: store.resolve_comment(comment[0], "Ann", "ok")) == ("Ann", "comment-resolved")
    assert logged(
        lambda: store.review(v2[0], reviewer=APPROVER, decision="approve", comment="", approvers=[APPROVER])
    ) == (APPROVER, "approved")
    assert logged(
        lambda: store.record("policy", "Policy", TEXT, author="Dee", source="imported", note="from Word")
    ) == ("Dee", "version-imported")
    assert logged(lambda: store.audit("Claire", "soa-edited", "statement-of-applicability", "A.5.1")) == (
        "Claire",
        "soa-edited",
    )
    assert verify(store) == []


def test_a_refused_action_leaves_no_audit_entry(store: DocumentStore) -> None:
    version = store.record("policy", "Policy", TEXT, author="isms", source="generated")
    before = store.audit_log()
    refusals = (
        lambda: store.review(
            version.id, reviewer="Ann", decision="approve", comment="", approvers=[APPROVER]
        ),
        lambda: store.save_edit("policy", "x", author="Ann", base_version_id=version.id + 1),
        lambda: store.add_comment("policy", version.id, "", "Ann", " "),
    )
    for refused in refusals:
        with pytest.raises(InputError):
            refused()
    assert store.audit_log() == before


# -- the workflow on a generated workspace: batch approval and the Word file's approval record --------------

DOCS = ["cryptography-policy", "information-security-policy", "access-control-policy"]


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_example(tmp_path_factory, "invariants-ws")


@pytest.fixture
def ws(generated: Path, tmp_path: Path) -> Path:
    return private_copy(generated, tmp_path)


def _approval_record(docx: Path) -> list[list[str]]:
    document = Document(str(docx))
    headings = [p.text for p in document.paragraphs]
    if "Approval record" not in headings:
        return []
    for table in document.tables:
        rows = [[cell.text for cell in row.cells] for row in table.rows]
        if rows and rows[0] == ["Version", "Approved by", "Date", "Comment"]:
            return rows[1:]
    raise AssertionError("an Approval record heading without its table")


def test_approve_many_approves_each_and_reports_refusals(ws: Path) -> None:
    data = load_inputs(ws)
    store = store_for(data.workspace)
    ids = {doc: store.latest(doc).id for doc in DOCS}  # type: ignore[union-attr]
    before = len(store.audit_log(10_000))
    with pytest.raises(InputError, match="needs a comment"):
        approve_many(data.workspace, data.corpus, data.profile, list(ids.values()), APPROVER, "  ")
    refused = approve_many(data.workspace, data.corpus, data.profile, list(ids.values()), "Mallory", "ok")
    assert [(vid, version) for vid, version, _ in refused] == [(vid, None) for vid in ids.values()]
    assert all("Mallory may not approve" in message for _, _, message in refused)
    assert len(store.audit_log(10_000)) == before  # nothing recorded for a refusal

    store.review(
        ids[DOCS[2]], reviewer="Ann", decision="request_changes", comment="name the IdP", approvers=[]
    )
    results = approve_many(
        data.workspace,
        data.corpus,
        data.profile,
        [*ids.values(), 999_999],
        APPROVER,
        "quarterly review, 3 May",
    )
    outcome = {vid: (version.status if version else None, message) for vid, version, message in results}
    assert outcome[ids[DOCS[0]]] == ("approved", "approved")
    assert outcome[ids[DOCS[1]]] == ("approved", "approved")
    assert outcome[ids[DOCS[2]]][0] is None and "open change request by Ann" in outcome[ids[DOCS[2]]][1]
    assert outcome[999_999] == (None, "no version 999999")
    approvals = [(a.document_id, a.approver, a.comment) for a in store.approvals()]
    assert approvals == [(doc, APPROVER, "quarterly review, 3 May") for doc in DOCS[:2]]
    logged = [(who, action, doc) for _at, who, action, doc, _ in store.audit_log(10_000)[:3]]
    assert [entry for entry in logged if entry[1] == "approved"] == [
        (APPROVER, "approved", DOCS[1]),
        (APPROVER, "approved", DOCS[0]),
    ]
    for doc in DOCS[:2]:  # each one published as approved, Word file included
        assert "status: approved" in (ws / "out" / f"{doc}.md").read_text(encoding="utf-8")
        rows = _approval_record(ws / "out" / f"{doc}.docx")
        assert [(row[1], row[3]) for row in rows] == [(APPROVER, "quarterly review, 3 May")]
    assert _approval_record(ws / "out" / f"{DOCS[2]}.docx") == []
    assert verify(store) == []


def test_the_word_file_of_an_approved_document_holds_its_approval_record(ws: Path, runner) -> None:  # type: ignore[no-untyped-def]
    data = load_inputs(ws)
    store = store_for(data.workspace)
    doc = DOCS[0]
    assert _approval_record(ws / "out" / f"{doc}.docx") == []  # nothing approved yet: no section
    version = store.latest(doc)
    assert version is not None
    approve(data.workspace, data.corpus, data.profile, version.id, APPROVER, "=looks right")
    [record] = store.approvals(doc)
    [row] = _approval_record(ws / "out" / f"{doc}.docx")
    assert row == [
        version.label,
        APPROVER,
        f"{record.approved_at:%Y-%m-%d %H:%M} UTC",
        "=looks right",
    ]
    markdown = (ws / "out" / f"{doc}.md").read_text(encoding="utf-8")
    assert "Approval record" not in markdown and "=looks right" not in markdown  # Markdown: the text only
    # A later generation run that renders the Word file again keeps the record.
    result = invoke(runner, "generate", "--workspace", str(ws), "--provider", "offline")
    assert result.exit_code == 0, result.output
    assert [r[1] for r in _approval_record(ws / "out" / f"{doc}.docx")] == [APPROVER]
    assert verify(store) == []
