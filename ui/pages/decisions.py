"""Decisions: the facts the last generation asked for instead of inventing them, answered into the profile."""

from __future__ import annotations

import hashlib
import re

import _ui_root  # noqa: F401  (before `ui.*`: see ui/_ui_root.py)
import streamlit as st

from assistant.errors import IsmsError
from assistant.generation.decisions import collect
from assistant.inputs.profile import question_key
from assistant.inputs.profile_yaml import record_answer
from ui.context import SELECTED, inputs, person, store

ANSWERED = "decision-answered"
_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$])")


def _plain(text: str) -> str:
    """The question as written: Markdown characters in it are not formatting."""
    return _MARKDOWN.sub(r"\\\1", text)


def _key(doc_id: str, question: str) -> str:
    """A widget key per question, stable when other questions are answered and leave the list."""
    return f"answer-{doc_id}-{hashlib.sha256(question_key(question).encode()).hexdigest()[:12]}"


st.title("Decisions needed")
data = inputs()
ws = data.workspace
actor = person()
message = st.session_state.pop(ANSWERED, None)
if message:
    st.success(message)

if not (ws.out_dir / "manifest.json").exists():
    st.info("No documents yet: generate the set on the Overview page first; its questions are listed here.")
    asked: dict[str, list[str]] = {}
else:
    asked = collect(ws.out_dir)
titles = {d.id: d.title for d in data.corpus.documents.values()}
profile = data.profile
open_questions = {
    doc_id: [q for q in dict.fromkeys(questions) if profile.answer_for(q) is None]
    for doc_id, questions in asked.items()
}
open_questions = {doc_id: qs for doc_id, qs in open_questions.items() if qs}
total = sum(len(qs) for qs in open_questions.values())
if asked:
    st.caption(
        f"{total} open question(s) in {len(open_questions)} document(s), from the last generation. Each is a "
        "fact the documents need and the profile does not give. An answer goes into profile.yaml (under "
        "`answers:`); the next generation writes it into the document and stops asking."
    )
    if not total:
        st.success("Every question the last generation asked is answered.")

if open_questions:
    # One document's questions at a time: a form per question for every document is hundreds of widgets.
    ids = list(open_questions)
    wanted = st.session_state.get(SELECTED)
    chosen = st.selectbox(
        "Document",
        ids,
        index=ids.index(wanted) if wanted in ids else 0,
        format_func=lambda i: f"{titles.get(i, i)} ({i}): {len(open_questions[i])} open",
        key="decisions-doc",
    )
    for question in open_questions[chosen]:
        key = _key(chosen, question)
        with st.form(f"form-{key}"):
            st.markdown(_plain(question))
            answer = st.text_area(
                "Answer", key=key, placeholder="The sentence the document should state", height=80
            )
            if st.form_submit_button("Record the answer"):
                try:
                    audit = store()
                    record_answer(ws, question, answer, actor)
                    audit.audit(actor, "decision-answered", chosen, question)
                except IsmsError as exc:
                    st.error(str(exc))
                else:
                    st.session_state[ANSWERED] = (
                        "Answer recorded in profile.yaml. The next generation writes it into "
                        f"{titles.get(chosen, chosen)}; the Overview shows the document as out of date until then."
                    )
                    st.rerun()

st.subheader("Answered in the profile")
if not profile.answers:
    st.caption("No answers yet.")
pending = {question_key(q) for qs in asked.values() for q in qs}
for entry in profile.answers:
    waiting = " (written in at the next generation)" if entry.key() in pending else ""
    st.markdown(f"**{_plain(entry.question)}**{waiting}")
    st.markdown(_plain(entry.answer) if entry.answer else "_confirmed as it stands_")
