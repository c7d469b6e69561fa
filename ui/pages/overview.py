"""Overview: every document with its review status, the evaluation summary, and long-running jobs."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from assistant.errors import IsmsError
from assistant.generation.runner import DocResult, Generator, prepare_out_dir, select_documents
from assistant.index.workspace_index import build_workspace_index
from assistant.workflow import import_existing
from ui.context import engine, inputs, store, workspace


def _folder_stamp(folder: Path) -> float:
    return max((p.stat().st_mtime for p in folder.iterdir()), default=0.0)


@st.cache_data(show_spinner="evaluating the document set ...")
def evaluation_summary(folder: str, stamp: float) -> list[tuple[str, bool, int]]:
    """The harness's verdict per check, recomputed when a file in the output folder changes."""
    from eval.docset import load_document_set
    from eval.harness import evaluate

    data = inputs()
    report = evaluate(
        load_document_set(Path(folder), data.corpus, data.profile, data.register, data.workspace.docs_dir)
    )
    return [(c.id, c.passed, len(c.findings)) for c in report.checks]


st.title("ISMS document set")
data = inputs()
st.caption(
    f"{data.profile.identity.legal_name} · workspace {workspace()} · provider "
    f"{data.settings.resolved_provider}"
)

rows = [
    {
        "document": d.id,
        "title": d.title,
        "version": d.latest.label,
        "status": d.latest.status.replace("_", " "),
        "last approved": d.last_approved.label if d.last_approved else "",
        "updated by": d.latest.author,
    }
    for d in store().overview()
]
if rows:
    st.dataframe(rows, hide_index=True, width="stretch")
    counts = {
        s: sum(1 for r in rows if r["status"] == s)
        for s in ("draft", "in review", "changes requested", "approved")
    }
    for column, (status, n) in zip(st.columns(4), counts.items(), strict=True):
        column.metric(status, n)
else:
    st.info("No documents yet. Generate the set below.")

if data.workspace.out_dir.exists() and rows:
    st.subheader("Evaluation")
    checks = evaluation_summary(str(data.workspace.out_dir), _folder_stamp(data.workspace.out_dir))
    passed = all(ok for _name, ok, _n in checks)
    (st.success if passed else st.warning)(
        ("All checks pass: " if passed else "Checks failing: ")
        + ", ".join(f"{name} {'ok' if ok else f'FAIL ({n})'}" for name, ok, n in checks)
    )

st.subheader("Generate")
col1, col2 = st.columns(2)
if col1.button("Generate or update the document set", type="primary"):
    ids = select_documents(data, None)
    bar = st.progress(0.0, text="starting")
    done: set[str] = set()

    def progress(result: DocResult) -> None:
        if result.status in ("written", "unchanged", "failed"):
            done.add(result.id)
        bar.progress(len(done) / len(ids), text=f"{result.id}: {result.status} ({len(done)}/{len(ids)})")

    try:
        prepare_out_dir(data.workspace.out_dir)
        report = Generator(data, engine(), on_change=progress).run(ids)
        st.success(
            f"written {report.count('written')}, unchanged {report.count('unchanged')}, "
            f"failed {report.count('failed')} in {report.seconds:.1f}s"
        )
        for failed in report.failed:
            st.error(f"{failed.id}: {failed.reason}")
    except IsmsError as exc:
        st.error(str(exc))
if col2.button("Build the retrieval index"):
    with st.status("indexing corpus, profile, risks and docs/ ...", expanded=True) as status:
        try:
            built, sources = build_workspace_index(data.workspace, data.settings, progress=st.write)
            status.update(
                label=f"index: {built.added} added, {built.updated} updated, {built.removed} removed "
                f"in {built.seconds:.1f}s; {len(sources.skipped)} file(s) skipped",
                state="complete",
            )
        except IsmsError as exc:
            status.update(label=str(exc), state="error")

st.subheader("Import an existing document")
docs = (
    sorted(p for p in data.workspace.docs_dir.glob("*") if p.is_file())
    if data.workspace.docs_dir.exists()
    else []
)
if docs:
    with st.form("import"):
        source = st.selectbox("File in docs/", docs, format_func=lambda p: p.name)
        target = st.selectbox("Import as", sorted(data.corpus.documents))
        author = st.text_input("Your name")
        if st.form_submit_button("Import as a new version"):
            try:
                version = import_existing(data.workspace, data.corpus, source, target, author or "import")
                st.success(f"{target}: version {version.number} imported from {source.name}")
            except IsmsError as exc:
                st.error(str(exc))
else:
    st.caption("No files in docs/.")
