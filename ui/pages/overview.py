"""Overview: every document with its review status, the evaluation summary, and long-running jobs."""

from __future__ import annotations

import time

import _ui_root  # noqa: F401  (before `ui.*`: see ui/_ui_root.py)
import streamlit as st

from assistant.drafting.engine import Inputs
from assistant.errors import IsmsError
from assistant.generation.runner import select_documents
from assistant.generation.staleness import stale_documents
from assistant.index.workspace_index import build_workspace_index
from assistant.workflow import import_existing
from ui.context import engine, evaluation, folder_stamp, inputs, person, store, workspace
from ui.jobs import GenerateJob

JOB, OUTCOME = "generate-job", "generate-outcome"


@st.cache_data(show_spinner="checking which documents are out of date ...")
def stale_flags(root: str, stamps: tuple[float, ...]) -> list[tuple[str, str, str]]:
    """(document, title, why) for each document the next generation would redraft; recomputed when the
    profile, the register, docs/ or the output folder change."""
    data = inputs()
    found = stale_documents(data, engine(), select_documents(data, None))
    return [(s.doc_id, s.title, "; ".join(s.reasons)) for s in found]


def _stamps(data: Inputs) -> tuple[float, ...]:
    ws = data.workspace
    folders = [ws.docs_dir, ws.out_dir]
    files = [ws.profile_path, ws.risks_path, ws.out_dir / "manifest.json"]
    return tuple(p.stat().st_mtime if p is not None and p.exists() else 0.0 for p in files) + tuple(
        folder_stamp(f) for f in folders
    )


def _outcome(job: GenerateJob) -> list[tuple[str, str]]:
    """What the finished run says, as (st function, message) pairs for the next script run to show."""
    messages = [("warning", f"repaired: {line}") for line in job.repaired]
    if job.error is not None:
        return [*messages, ("error", job.error)]
    report = job.report
    assert report is not None
    counts = {s: report.count(s) for s in ("written", "unchanged", "failed")}
    counts.update({r.status: report.count(r.status) for r in report.results.values()})  # e.g. needs merge
    clean = all(r.status in ("written", "unchanged") for r in report.results.values())
    summary = ", ".join(f"{status} {n}" for status, n in counts.items()) + f" in {report.seconds:.1f}s"
    messages.append(("success" if clean else "warning", summary))
    messages += [
        ("error" if r.status == "failed" else "warning", f"{r.id}: {r.status}: {r.reason}")
        for r in report.results.values()
        if r.reason
    ]
    return messages


st.title("ISMS document set")
data = inputs()
me = person()
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
    for column, (label, n) in zip(st.columns(4), counts.items(), strict=True):
        column.metric(label, n)
else:
    st.info("No documents yet. Generate the set below.")

if data.workspace.out_dir.exists() and rows:
    st.subheader("Evaluation")
    checks = [(c.id, c.passed, len(c.findings)) for c in evaluation().checks]
    passed = all(ok for _name, ok, _n in checks)
    (st.success if passed else st.warning)(
        ("All checks pass: " if passed else "Checks failing: ")
        + ", ".join(f"{name} {'ok' if ok else f'FAIL ({n})'}" for name, ok, n in checks)
    )

if rows:
    stale = stale_flags(str(data.workspace.root), _stamps(data))
    if stale:
        st.subheader(f"Out of date: {len(stale)} document(s)")
        st.caption("What changed since each was generated; generating again redrafts exactly these.")
        st.dataframe(
            [{"document": d, "title": t, "why": why} for d, t, why in stale], hide_index=True, width="stretch"
        )
    else:
        st.caption("Every document is up to date with the profile, the risk register and docs/.")

st.subheader("Generate")
col1, col2 = st.columns(2)
job: GenerateJob | None = st.session_state.get(JOB)
if col1.button("Generate or update the document set", type="primary"):
    if job is not None and job.running:
        st.warning("the document set is being generated already; its progress is below")
    else:
        try:
            job = GenerateJob(data, engine(), select_documents(data, None)).start()
            st.session_state[JOB] = job
        except IsmsError as exc:
            st.error(str(exc))
if job is not None:
    # The script thread is the only one that touches Streamlit: it drains what the run reports until it is
    # over. Leaving the page stops this loop, not the run; coming back shows its progress again.
    bar = st.progress(job.fraction, text="starting")
    table = st.empty()
    shown = 0.0
    while job.running:
        # Redraw on news, and at least every second: each call is also where Streamlit notices that the
        # person clicked something else and stops this script run.
        if job.drain() or time.monotonic() - shown >= 1.0:
            shown = time.monotonic()
            bar.progress(
                job.fraction,
                text=f"{job.done_count}/{len(job.ids)} document(s) done · {job.elapsed:.0f}s",
            )
            table.dataframe(job.rows(), hide_index=True, width="stretch")
    del st.session_state[JOB]
    if job.crash is not None:
        raise job.crash
    st.session_state[OUTCOME] = _outcome(job)
    st.rerun()  # the table, counts and evaluation above now show the new set
for kind, message in st.session_state.pop(OUTCOME, []):
    getattr(st, kind)(message)
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
        if st.form_submit_button("Import as a new version"):
            try:
                version = import_existing(
                    data.workspace, data.corpus, source, target, me, profile=data.profile
                )
                st.success(f"{target}: version {version.number} imported from {source.name}")
            except IsmsError as exc:
                st.error(str(exc))
else:
    st.caption("No files in docs/.")
