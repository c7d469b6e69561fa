"""Audit log: every action the store recorded, newest first, filtered by document, person and action; the
approval record (who approved which version, when, with which comment). Both download as CSV."""

from __future__ import annotations

import _ui_root  # noqa: F401  (before `ui.*`: see ui/_ui_root.py)
import streamlit as st

from assistant.documents.cells import csv_text
from ui.context import inputs, store

LOG_COLUMNS = ("at (UTC)", "person", "action", "document", "detail")
APPROVAL_COLUMNS = ("document", "version", "label", "approver", "approved at (UTC)", "comment", "override")
ALL = "(all)"

st.title("Audit log")
inputs()  # the workspace (and its store) for this session; stops the page with a message if broken
st.caption(
    "Every version, review, approval, comment and edit recorded in the version store, newest first. The log "
    "is append-only and hash-chained: `isms doctor --verify` shows any edit made outside isms."
)
limit = int(st.number_input("Newest entries to read", min_value=50, max_value=100_000, value=2000, step=500))
entries = store().audit_log(limit)
rows = [(at.isoformat(sep=" "), actor, action, doc, detail) for at, actor, action, doc, detail in entries]

left, middle, right = st.columns(3)
documents = [ALL, *sorted({r[3] for r in rows if r[3]})]
people = [ALL, *sorted({r[1] for r in rows}, key=str.lower)]
document = left.selectbox("Document", documents, key="audit-document")
who = middle.selectbox("Person", people, key="audit-person")
actions = right.multiselect("Action", sorted({r[2] for r in rows}), key="audit-actions")
shown = [
    r
    for r in rows
    if (document == ALL or r[3] == document)
    and (who == ALL or r[1] == who)
    and (not actions or r[2] in actions)
]
st.write(
    f"{len(shown)} of {len(rows)} entries"
    + (" (the newest only: raise the number above)" if len(rows) == limit else "")
)
st.dataframe([dict(zip(LOG_COLUMNS, r, strict=True)) for r in shown], hide_index=True, width="stretch")
st.download_button(
    "Download as CSV",
    csv_text(LOG_COLUMNS, shown),  # cells made safe: a detail starting with "=" is never a live formula
    file_name="audit-log.csv",
    mime="text/csv",
    key="audit-csv",
)

st.subheader("Approval record")
approvals = store().approvals(None if document == ALL else document)
approval_rows = [a.cells() for a in approvals]
if not approval_rows:
    st.info("No approvals yet" + ("" if document == ALL else f" of {document}") + ".")
else:
    st.dataframe(
        [dict(zip(APPROVAL_COLUMNS, r, strict=True)) for r in approval_rows],
        hide_index=True,
        width="stretch",
    )
    st.download_button(
        "Download the approval record as CSV",
        csv_text(APPROVAL_COLUMNS, approval_rows),
        file_name="approvals.csv",
        mime="text/csv",
        key="approvals-csv",
    )
