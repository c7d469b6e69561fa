"""Review: compare any two versions (default: newest against the last approved), then approve or not."""

from __future__ import annotations

import _ui_root  # noqa: F401  (before `ui.*`: see ui/_ui_root.py)
import streamlit as st

from assistant.documents.diff import changed_lines
from assistant.documents.diff_html import redline, side_by_side
from assistant.errors import IsmsError
from assistant.workflow import approve
from ui.context import document_picker, inputs, store

# A side-by-side table must fit its column: as wide as the column, its text columns sharing the width and
# long lines wrapping inside them. difflib's table (`nowrap` cells, `&nbsp;` for spaces, six empty
# colgroups) is made to; a table that sets its own column widths keeps them.
FIT_COLUMN = (
    "<style>"
    "table.diff{table-layout:fixed;width:100%;word-wrap:break-word;overflow-wrap:anywhere}"
    "table.diff colgroup:empty:nth-of-type(3n+1){width:1.5em}"  # the next-change links
    "table.diff colgroup:empty:nth-of-type(3n+2){width:3.5em}"  # line numbers
    "table.diff td,table.diff th{white-space:pre-wrap;word-break:break-word;overflow:hidden}"
    "</style>"
)


def fitted(table: str) -> str:
    """The side-by-side table, wrapping: no `nowrap`, and `&nbsp;` back to spaces (pre-wrap keeps them)."""
    return FIT_COLUMN + table.replace(' nowrap="nowrap"', "").replace("&nbsp;", " ")


st.title("Review")
data = inputs()
doc_id = document_picker(key="review-doc")
if doc_id is None:
    st.stop()
versions = store().versions(doc_id)
latest = versions[-1]
approved = store().last_approved(doc_id)
labels = {
    v.id: f"#{v.number} v{v.label} · {v.status.replace('_', ' ')} · {v.source} by {v.author}"
    for v in versions
}
ids = [v.id for v in versions]
default_old = approved.id if approved and approved.id != latest.id else (ids[-2] if len(ids) > 1 else ids[-1])
col1, col2 = st.columns(2)
old_id = col1.selectbox(
    "Compare", ids, index=ids.index(default_old), format_func=labels.__getitem__, key=f"old-{doc_id}"
)
new_id = col2.selectbox("with", ids, index=len(ids) - 1, format_func=labels.__getitem__, key=f"new-{doc_id}")
old, new = store().get(old_id), store().get(new_id)
changes = changed_lines(old.content, new.content)
st.caption(
    f"{sum(1 for c in changes if c.startswith('+'))} line(s) added, "
    f"{sum(1 for c in changes if c.startswith('-'))} removed"
)
inline, both = st.tabs(["Redline", "Side by side"])
with inline:
    st.html(redline(old.content, new.content))
with both:
    st.html(fitted(side_by_side(old.content, new.content, labels[old_id], labels[new_id])))

st.subheader(f"Decision on #{latest.number} v{latest.label}")
if latest.status == "approved":
    st.success(
        f"approved; approved versions never change (approvers: {', '.join(data.profile.roles.approvers)})"
    )
else:
    with st.form("decision"):
        reviewer = st.text_input("Reviewer", help=f"Approvers: {', '.join(data.profile.roles.approvers)}")
        comment = st.text_area("Comment")
        go_approve = st.form_submit_button("Approve", type="primary")
        go_changes = st.form_submit_button("Request changes")
    if go_approve or go_changes:
        try:
            if go_approve:
                done = approve(data.workspace, data.corpus, data.profile, latest.id, reviewer, comment)
            else:
                done = store().review(
                    latest.id,
                    reviewer=reviewer,
                    decision="request_changes",
                    comment=comment,
                    approvers=data.profile.roles.approvers,
                )
            st.success(f"version {done.number}: {done.status.replace('_', ' ')} by {reviewer}")
        except IsmsError as exc:
            st.error(str(exc))

st.subheader("History")
versions = store().versions(doc_id)  # again: a decision above may have changed a status
reviews = store().reviews(doc_id)
st.dataframe(
    [
        {
            "version": f"#{v.number} v{v.label}",
            "status": v.status,
            "source": v.source,
            "author": v.author,
            "note": v.note,
            "when": v.created_at.isoformat(sep=" "),
        }
        for v in reversed(versions)
    ],
    hide_index=True,
    width="stretch",
)
if reviews:
    st.dataframe(
        [
            {
                "version id": r.version_id,
                "reviewer": r.reviewer,
                "decision": r.decision,
                "comment": r.comment,
                "when": r.created_at.isoformat(sep=" "),
            }
            for r in reviews
        ],
        hide_index=True,
    )
