"""Comments on a document's sections, shown in the review: add one, see them open or resolved, resolve."""

from __future__ import annotations

import streamlit as st

from assistant.documents.markdown import parse_document
from assistant.errors import IsmsError
from assistant.store.service import Version
from ui.context import store

WHOLE = "(the whole document)"


def show_comments(doc_id: str, latest: Version, me: str) -> None:
    comments = store().comments(doc_id)
    still_open = [c for c in comments if c.status == "open"]
    st.subheader(f"Comments ({len(still_open)} open, {len(comments) - len(still_open)} resolved)")
    for c in comments:
        where = c.section or "whole document"
        head = f"**{where}** · {c.author} on version {c.version_number}, {c.created_at:%Y-%m-%d %H:%M}"
        if c.status == "open":
            with st.container(border=True):
                st.markdown(f"{head}  \n{c.text}")
                note = st.text_input("Resolution", key=f"resolve-note-{c.id}", label_visibility="collapsed",
                                     placeholder="how it was resolved (optional)")  # fmt: skip
                if st.button("Resolve", key=f"resolve-{c.id}"):
                    try:
                        store().resolve_comment(c.id, me, note)
                    except IsmsError as exc:
                        st.error(str(exc))
                    else:
                        st.rerun()
        else:
            st.caption(f"resolved by {c.resolved_by}: {c.resolution or 'no note'} — {where}: {c.text}")
    try:
        headings = [s.heading for s in parse_document(latest.content, doc_id).sections]
    except IsmsError:  # a version whose front matter cannot be read still takes whole-document comments
        headings = []
    sections = [WHOLE, *headings]
    with st.form(f"comment-{doc_id}", clear_on_submit=True):
        section = st.selectbox("Section", sections, key=f"comment-section-{doc_id}")
        text = st.text_area("Comment on this section", key=f"comment-text-{doc_id}")
        if st.form_submit_button("Add the comment"):
            try:
                store().add_comment(doc_id, latest.id, "" if section == WHOLE else section, me, text)
            except IsmsError as exc:
                st.error(str(exc))
            else:
                st.rerun()
