"""Document: read with citations, edit in place, refine a section with the assistant, download Word."""

from __future__ import annotations

import re
from typing import NoReturn

import _ui_root  # noqa: F401  (before `ui.*`: see ui/_ui_root.py)
import frontmatter
import streamlit as st

from assistant.documents.markdown import DocumentFile, as_draft, parse_document, replace_section
from assistant.drafting.models import Draft
from assistant.errors import IsmsError
from assistant.set_search import escape_markdown
from assistant.store import StaleEdit
from assistant.store.service import Version
from assistant.workflow import MergeConflict, edit, publish
from ui import unsaved
from ui.context import SEARCH_HIT, SECTION, document_picker, engine, inputs, person, store
from ui.identity import KEY as ACTING

FLASH = "document-flash"


def _keep_typed(doc_id: str) -> None:
    """The editor's on_change: keep the typed text on the server (ui/unsaved.py) until it is saved."""
    text, base = st.session_state.get(f"edit-{doc_id}"), st.session_state.get(f"edit-base-{doc_id}")
    who = st.session_state.get(ACTING)
    if isinstance(text, str) and isinstance(base, int) and isinstance(who, str):
        unsaved.remember(inputs().workspace.state_dir, who, doc_id, text, base)


def _editor(doc_id: str, latest: Version, me: str) -> Version | None:
    """Fill the editor's text (`edit-<doc>`) and the version it starts from (`edit-base-<doc>`) before the
    widget exists. The text follows the newest version whenever nothing was typed since it was filled (a
    refinement or someone's save makes a new version); typed text is kept, and its older base is returned.
    Typed text the session lost (a page switch, a refresh) comes back from the server's copy."""
    text_key, base_key, pending_key = f"edit-{doc_id}", f"edit-base-{doc_id}", f"edit-pending-{doc_id}"
    state_dir = inputs().workspace.state_dir
    if pending_key in st.session_state:  # set by the last save: the text saved, or merged text to resolve
        st.session_state[text_key], st.session_state[base_key] = st.session_state.pop(pending_key)
        text, base = st.session_state[text_key], st.session_state[base_key]
        if base == latest.id and text == latest.content:
            unsaved.forget(state_dir, me, doc_id)
        else:  # merged text with conflicts to resolve: kept like typed text
            unsaved.remember(state_dir, me, doc_id, text, base)
        return None
    if text_key not in st.session_state:
        kept = unsaved.recall(state_dir, me, doc_id)
        if kept is not None:
            st.session_state[text_key], st.session_state[base_key] = kept
    typed, base_id = st.session_state.get(text_key), st.session_state.get(base_key)
    if typed is not None and base_id is not None and base_id != latest.id:
        try:
            base: Version | None = store().get(base_id)
        except IsmsError:
            base = None
        if base is not None and base.document_id == doc_id and typed != base.content:
            return base
    if typed is None or base_id != latest.id:
        st.session_state[text_key], st.session_state[base_key] = latest.content, latest.id
    return None


def _done(doc_id: str, messages: list[tuple[str, str]], pending: tuple[str, int] | None = None) -> NoReturn:
    """Run the page again so everything on it, the editor included, shows the new newest version; `pending`
    is the editor's next (text, base version id)."""
    st.session_state[FLASH] = messages
    if pending is not None:
        st.session_state[f"edit-pending-{doc_id}"] = pending
    st.rerun()


def _searched_section(doc_id: str, content: str) -> None:
    """The section a search opened (?section=<heading>), shown first and highlighted, with the sentence
    found; nothing when the address names no section of this document."""
    wanted = st.query_params.get(SECTION)
    if not wanted:
        return
    try:
        parsed: DocumentFile | None = parse_document(content, doc_id)
    except IsmsError:
        parsed = None
    section = next((s for s in parsed.sections if s.heading == wanted), None) if parsed else None
    if section is None:
        st.caption(f"This version has no section headed “{wanted}”.")
        return
    hit = st.session_state.get(SEARCH_HIT)
    with st.container(border=True, key="search-target"):
        st.markdown(f"**Found by search:** :orange-background[{escape_markdown(section.heading)}]")
        if isinstance(hit, tuple) and hit[:2] == (doc_id, wanted) and hit[2]:
            st.markdown(f"> {escape_markdown(hit[2])}")
        st.markdown(f"### {section.heading}\n\n{section.text}")
    st.caption("The whole document follows.")


st.title("Document")
data = inputs()
me = person()
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
for kind, message in st.session_state.pop(FLASH, []):  # what the last save or refinement said
    getattr(st, kind)(message)
read, edit_tab, refine_tab = st.tabs(["Read", "Edit", "Refine a section"])
with read:
    _searched_section(doc_id, latest.content)
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
    word = data.workspace.out_dir / f"{doc_id}.docx"
    if word.exists():  # the Word file out/ holds: change history, approval record and layout as published
        st.download_button(
            "Download Word (.docx)",
            word.read_bytes(),
            file_name=f"{doc_id}.docx",
            mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        )

with edit_tab:
    base_key = f"edit-base-{doc_id}"
    older = _editor(doc_id, latest, me)
    if older is not None:
        st.warning(
            f"Your unsaved text started from version {older.number}; version {latest.number} by "
            f"{latest.author} is newer. Saving checks your text against it."
        )
        if st.button("Discard my text and start from the newest version", key="edit-discard"):
            _done(doc_id, [], (latest.content, latest.id))
    text = st.text_area(
        "Markdown (front matter included)",
        height=500,
        key=f"edit-{doc_id}",
        on_change=_keep_typed,
        args=(doc_id,),
    )
    if st.button("Save as a new version", key="save-edit"):
        try:
            saved = edit(
                data.workspace, data.corpus, data.profile, doc_id, text, me, st.session_state[base_key]
            )
        except MergeConflict as exc:  # both changed the same lines: resolve them in the merged text
            _done(doc_id, [("error", str(exc))], (exc.merged, exc.latest.id))
        except StaleEdit as exc:  # someone saved during the merge: the text stays, saving merges again
            st.error(f"{exc.message} Save again to merge your text with it.")
        except IsmsError as exc:
            st.error(str(exc))
        else:
            _done(doc_id, [("success", f"saved version {saved.number}")], (saved.content, saved.id))

with refine_tab:
    try:  # the newest version, whatever out/ holds
        draft: Draft | None = as_draft(parse_document(latest.content, doc_id))
    except IsmsError as exc:
        draft = None
        st.error(str(exc))
    if draft is None or not draft.sections:
        st.info("Generate the document first.")
    else:
        section = st.selectbox("Section", [s.heading for s in draft.sections])
        instruction = st.text_area(
            "Instruction", placeholder="we use Okta, not Azure AD; access reviews are quarterly"
        )
        if st.button("Refine this section"):
            try:
                live = st.empty()  # the section as the model writes it
                shown: list[str] = []

                def on_text(piece: str) -> None:
                    shown.append(piece)
                    live.markdown("".join(shown))

                revised, usage = engine().redraft_section(draft, section, instruction, on_text=on_text)
                revised_post = frontmatter.loads(
                    replace_section(latest.content, revised.heading, revised.text)
                )
                revised_post["status"] = "draft"  # a new version: approval belongs to the version approved
                content = frontmatter.dumps(revised_post, sort_keys=False) + "\n"
                saved = store().save_edit(
                    doc_id,
                    content,
                    author=f"{me} (with the assistant)",
                    base_version_id=latest.id,
                    note=f"refined '{section}': {instruction}",
                )
                publish(data.workspace, data.corpus, data.profile, saved)
            except IsmsError as exc:
                st.error(str(exc))
            else:
                _done(doc_id, [("success", f"saved version {saved.number} ({usage.calls} model call(s))")])
