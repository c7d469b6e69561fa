"""Document: read with citations, edit in place, refine a section with the assistant, download Word."""

from __future__ import annotations

import re

import frontmatter
import streamlit as st

from assistant.documents.docx_export import render_docx
from assistant.documents.markdown import as_draft, read_document, render
from assistant.errors import IsmsError
from assistant.store import StaleEdit
from assistant.workflow import edit, publish
from ui.context import document_picker, engine, inputs, store

st.title("Document")
data = inputs()
doc_id = document_picker()
if doc_id is None:
    st.stop()
latest = store().latest(doc_id)
assert latest is not None
post = frontmatter.loads(latest.content)
st.caption(
    f"version {latest.label} (#{latest.number}) · {latest.status.replace('_', ' ')} · {latest.source} by "
    f"{latest.author}"
)

read, edit_tab, refine_tab = st.tabs(["Read", "Edit", "Refine a section"])
with read:
    st.markdown(post.content)
    cited = sorted(
        set(re.findall(r"\[((?:A\.)?\d+(?:\.\d+)+)\]", post.content)),
        key=lambda c: [int(x) for x in re.findall(r"\d+", c)],
    )
    if cited:
        st.subheader("Citations")
        for cid in cited:
            control, clause = data.corpus.controls.get(cid), data.corpus.clauses.get(cid)
            if control is not None:
                with st.expander(f"{cid} {control.title}"):
                    st.write(control.purpose)
                    st.write(control.guidance)
                    st.caption("Evidence: " + "; ".join(control.evidence))
            elif clause is not None:
                with st.expander(f"clause {cid} {clause.title}"):
                    st.write(clause.requires)
    path = data.workspace.out_dir / f"{doc_id}.md"
    if path.exists():
        parsed = read_document(path)
        st.download_button(
            "Download Word (.docx)",
            render_docx(parsed, data.corpus, data.profile.identity.legal_name, []),
            file_name=f"{doc_id}.docx",
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )

with edit_tab:
    base_key = f"edit-base-{doc_id}"
    if base_key not in st.session_state:
        st.session_state[base_key] = latest.id
    text = st.text_area("Markdown (front matter included)", latest.content, height=500, key=f"edit-{doc_id}")
    author = st.text_input("Your name", key="edit-author")
    if st.button("Save as a new version", key="save-edit"):
        try:
            saved = edit(
                data.workspace, data.corpus, data.profile, doc_id, text, author, st.session_state[base_key]
            )
            st.session_state[base_key] = saved.id
            st.success(f"saved version {saved.number}")
        except StaleEdit as exc:
            st.error(exc.message)
            st.session_state[base_key] = exc.latest.id  # the text stays in the box; saving again overrides
        except IsmsError as exc:
            st.error(str(exc))

with refine_tab:
    draft = (
        as_draft(read_document(data.workspace.out_dir / f"{doc_id}.md"))
        if (data.workspace.out_dir / f"{doc_id}.md").exists()
        else None
    )
    if draft is None or not draft.sections:
        st.info("Generate the document first.")
    else:
        section = st.selectbox("Section", [s.heading for s in draft.sections])
        instruction = st.text_area(
            "Instruction", placeholder="we use Okta, not Azure AD; access reviews are quarterly"
        )
        who = st.text_input("Your name", key="refine-author")
        if st.button("Refine this section"):
            try:
                revised, usage = engine().redraft_section(draft, section, instruction)
                draft.sections = [revised if s.heading == revised.heading else s for s in draft.sections]
                content = render(draft, dict(post.metadata), data.corpus)
                saved = store().save_edit(
                    doc_id,
                    content,
                    author=who or "assistant",
                    base_version_id=latest.id,
                    note=f"refined '{section}': {instruction}",
                )
                publish(data.workspace, data.corpus, data.profile, saved)
                st.success(f"saved version {saved.number} ({usage.calls} model call(s))")
            except IsmsError as exc:
                st.error(str(exc))
