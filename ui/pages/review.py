"""Review: compare any two versions (default: newest against the last approved), then approve or not."""

from __future__ import annotations

from typing import NoReturn

import _ui_root  # noqa: F401  (before `ui.*`: see ui/_ui_root.py)
import streamlit as st

from assistant.documents.diff import changed_lines
from assistant.documents.diff_html import redline, side_by_side
from assistant.errors import IsmsError
from assistant.review_queue import next_after, review_queue
from assistant.workflow import approve, approve_many
from ui.comments import show_comments
from ui.context import QUERY, SELECTED, document_picker, inputs, person, store

FLASH = "review-flash"

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


def _flash(messages: list[tuple[str, str]]) -> NoReturn:
    """Run the page again so the queue, statuses and history show the decision; then say what happened."""
    st.session_state[FLASH] = messages
    st.rerun()


def fitted(table: str) -> str:
    """The side-by-side table, wrapping: no `nowrap`, and `&nbsp;` back to spaces (pre-wrap keeps them)."""
    return FIT_COLUMN + table.replace(' nowrap="nowrap"', "").replace("&nbsp;", " ")


def _go_to(doc: str) -> None:
    """The "next" button's on_click: the picker follows the address (see ui/context.document_picker)."""
    st.session_state[SELECTED] = doc
    st.query_params[QUERY] = doc


st.title("Review")
data = inputs()
me = person()
approvers = data.profile.roles.approvers
is_approver = me.lower() in {a.lower() for a in approvers}
queue = review_queue(store().overview(), data.corpus)
open_comments = store().open_comment_counts()
for kind, message in st.session_state.pop(FLASH, []):  # what the last decision said
    getattr(st, kind)(message)
with st.expander(f"Review queue: {len(queue)} document(s) waiting for a decision", expanded=False):
    st.dataframe(
        [
            {
                "document": d.id,
                "title": d.title,
                "version": f"#{d.latest.number} v{d.latest.label}",
                "status": d.latest.status.replace("_", " "),
                "open comments": open_comments.get(d.id, 0),
                "by": d.latest.author,
            }
            for d in queue
        ],
        hide_index=True,
        width="stretch",
    )
    if queue and is_approver:
        with st.form("batch-approve"):
            chosen = st.multiselect(
                "Approve these documents (each approval is recorded and logged on its own)",
                [d.id for d in queue],
                format_func=lambda i: next(f"{d.title} ({i})" for d in queue if d.id == i),
            )
            batch_comment = st.text_input("One comment for all of them (what you reviewed)")
            if st.form_submit_button("Approve the selected documents"):
                latest_ids = [d.latest.id for d in queue if d.id in chosen]
                outcomes = approve_many(
                    data.workspace, data.corpus, data.profile, latest_ids, me, batch_comment
                )
                _flash(
                    [
                        ("success", f"approved {v.document_id} version {v.number}")
                        if v is not None
                        else ("error", message)
                        for _id, v, message in outcomes
                    ]
                )
    elif queue:
        st.caption(f"Only the profile's approvers ({', '.join(approvers)}) can approve.")
doc_id = document_picker(key="review-doc")
if doc_id is None:
    st.stop()
following = next_after(queue, doc_id)
if following is not None and following != doc_id:
    st.button(f"Next in the queue: {following}", on_click=_go_to, args=(following,), key="queue-next")
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
# One view at a time: a tab would send (and the browser sanitise and lay out) both large HTML bodies.
view = st.radio(
    "View", ["Redline", "Side by side"], horizontal=True, key="diff-view", label_visibility="collapsed"
)
if view == "Redline":
    st.html(redline(old.content, new.content))
else:
    st.html(fitted(side_by_side(old.content, new.content, labels[old_id], labels[new_id])))

show_comments(doc_id, latest, me)

st.subheader(f"Decision on #{latest.number} v{latest.label}")
if latest.status == "approved":
    st.success(f"approved; approved versions never change (approvers: {', '.join(approvers)})")
else:
    requests = store().open_change_requests(doc_id)
    if requests:
        st.warning(
            "Open change request(s): "
            + "; ".join(
                f"{r.reviewer} ({r.created_at:%Y-%m-%d}): {r.comment or 'no comment'}" for r in requests
            )
        )
        with st.form("resolve"):
            how = st.text_input("How the requested changes were made (or why not)")
            if st.form_submit_button("Resolve the change request"):
                try:
                    store().review(
                        latest.id, reviewer=me, decision="resolve", comment=how, approvers=approvers
                    )
                except IsmsError as exc:
                    st.error(str(exc))
                else:
                    _flash([("success", f"change request resolved by {me}")])
    with st.form("decision"):
        st.caption(f"Deciding as {me}. Approvers: {', '.join(approvers)}")
        comment = st.text_area("Comment")
        override = (
            st.checkbox("Approve despite the open change request (the comment must say why)")
            if requests
            else False
        )
        go_approve = st.form_submit_button("Approve", type="primary")
        go_changes = st.form_submit_button("Request changes")
    if go_approve or go_changes:
        try:
            if go_approve:
                done = approve(
                    data.workspace, data.corpus, data.profile, latest.id, me, comment, override=override
                )
            else:
                done = store().review(
                    latest.id, reviewer=me, decision="request_changes", comment=comment, approvers=approvers
                )
        except IsmsError as exc:
            st.error(str(exc))
        else:
            _flash([("success", f"version {done.number}: {done.status.replace('_', ' ')} by {me}")])

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
