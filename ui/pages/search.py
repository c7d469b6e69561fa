"""Search: one box over the current document set (its sentences, by section, and its documents) and the
standard (controls and clauses, with the documents of the set citing them); a hit opens in the Document
page at its section. The work is in assistant/set_search.py."""

from __future__ import annotations

import _ui_root  # noqa: F401  (before `ui.*`: see ui/_ui_root.py)
import streamlit as st

from assistant.set_search import (
    EntryHit,
    Results,
    SentenceHit,
    bolded,
    escape_markdown,
    search,
    workspace_retriever,
)
from ui.context import inputs, open_document, person

BOX, URL = "search-query", "q"
EXAMPLE = "where do we say how long logs are kept?"


def _keep_query() -> None:
    """The box's on_change: the query also goes in the address (?q=...), so a refresh shows the same hits."""
    query = st.session_state.get(BOX, "").strip()
    if query:
        st.query_params[URL] = query
    elif URL in st.query_params:
        del st.query_params[URL]


def _where(title: str, section: str) -> str:
    return f"**{escape_markdown(title)}**" + (f" › {escape_markdown(section)}" if section else "")


def _sentences(hits: list[SentenceHit], query: str) -> None:
    st.subheader(f"In the documents ({len(hits)})")
    if not hits:
        st.caption("No sentence of the set uses these words.")
    for n, hit in enumerate(hits):
        with st.container(border=True, key=f"search-hit-{n}"):
            st.markdown(_where(hit.title, hit.section))
            st.markdown(bolded(hit.text, query))
            if st.button("Open in the Document page", key=f"search-open-{n}"):
                open_document(hit.doc_id, hit.section, hit.text)


def _documents(results: Results) -> None:
    if not results.documents:
        return
    st.subheader("Documents")
    for n, doc in enumerate(results.documents):
        left, right = st.columns([4, 1], vertical_alignment="center")
        left.markdown(f"{bolded(doc.title, results.query)} ({doc.doc_id})")
        if right.button("Open", key=f"search-doc-{n}"):
            open_document(doc.doc_id)


def _entry(n: int, entry: EntryHit, query: str) -> None:
    with st.container(border=True, key=f"search-entry-{n}"):
        kind = "Annex A control" if entry.kind == "control" else "clause"
        st.markdown(f"**{escape_markdown(entry.id)}** {bolded(entry.title, query)} · {kind}")
        if not entry.cited_by:
            st.caption("No document of the set cites it.")
        for m, cited in enumerate(entry.cited_by):
            label = f"{cited.title} › {cited.section}" if cited.section else cited.title
            if st.button(label, key=f"search-cite-{n}-{m}", icon=":material/description:"):
                open_document(cited.doc_id, cited.section)


def _entries(results: Results) -> None:
    st.subheader(f"Controls and clauses ({len(results.entries)})")
    source = "the workspace index" if results.entries_from == "index" else "the corpus (no index built)"
    st.caption(f"From {source}; each lists the documents of the set that cite it.")
    for n, entry in enumerate(results.entries):
        _entry(n, entry, results.query)


st.title("Search")
data = inputs()
person()
if BOX not in st.session_state and st.query_params.get(URL):
    st.session_state[BOX] = st.query_params[URL]
query = st.text_input(
    "Search the document set and the standard",
    key=BOX,
    placeholder=EXAMPLE,
    on_change=_keep_query,
    help="Words of a question, a control or clause id (A.8.15, 9.2), a topic.",
)
if not query.strip():
    st.caption(f"Ask in your own words, e.g. “{EXAMPLE}”, or give a control id such as A.8.15.")
    st.stop()
with st.spinner("searching ..."):
    retriever = workspace_retriever(data.workspace, data.settings)
    results = search(data.workspace.out_dir, data.corpus, query, retriever)
if not any((results.sentences, results.documents, results.entries)):
    st.info("Nothing found: generate the set on the Overview page, or try other words.")
    st.stop()
_sentences(results.sentences, query)
_documents(results)
_entries(results)
