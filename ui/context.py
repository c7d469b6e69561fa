"""What every page needs: the workspace's validated inputs, its store and its engine (cached)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NoReturn

import streamlit as st

from assistant.cli.loading import load_inputs
from assistant.drafting.engine import Engine, Inputs
from assistant.errors import IsmsError
from assistant.store import DocumentStore
from assistant.workflow import store_for

FIRST_RUN_DONE = "ui-first-run-done"


def workspace() -> Path:
    return Path(os.environ.get("ISMS_WORKSPACE", ".")).resolve()


def _stamp(path: Path | None) -> float:
    return path.stat().st_mtime if path is not None and path.exists() else 0.0


@st.cache_resource(show_spinner=False)
def _inputs(root: str, profile_stamp: float, risks_stamp: float) -> Inputs:
    return load_inputs(Path(root))


def through_app() -> None:
    """When Streamlit ran this page without app.py (its legacy `pages/` mode, see ui/_ui_root.py) on a
    session's first run, turn that mode off and run again: app.py then opens the same page (pages are told
    apart by their URL path). Only on a first run, which has no click to lose; AppTest, which turns the mode
    back on before each of its runs, keeps running its pages directly after that."""
    if st.session_state.get(FIRST_RUN_DONE):
        return
    st.session_state[FIRST_RUN_DONE] = True
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a Streamlit without the legacy mode
        return
    if getattr(PagesManager, "uses_pages_directory", None):
        PagesManager.uses_pages_directory = False
        st.rerun()


def inputs() -> Inputs:
    """The workspace's inputs, reloaded when profile.yaml or the risk register change on disk."""
    through_app()
    root = workspace()
    if not (root / "profile.yaml").exists():
        st.warning(
            f"{root} has no organisation profile yet: answer the questionnaire on the Profile page (or run "
            "`isms init` in a terminal), then come back here."
        )
        st.page_link("pages/profile.py", label="Open the Profile page", icon=":material/edit:")
        st.stop()
    try:
        return _inputs(str(root), _stamp(root / "profile.yaml"), _stamp(root / "risks.csv"))
    except IsmsError as exc:
        st.error(str(exc))
        st.stop()
        raise


def store() -> DocumentStore:
    try:
        return store_for(inputs().workspace)
    except IsmsError as exc:  # a damaged or read-only store: say so, never a traceback
        st.error(str(exc))
        st.stop()
        raise


@st.cache_resource(show_spinner=False)
def _engine(root: str, profile_stamp: float, risks_stamp: float, docs_stamp: float) -> Engine:
    return Engine(_inputs(root, profile_stamp, risks_stamp))


def _docs_stamp(folder: Path) -> float:
    """Changes when a file in docs/ is added, removed or changed (the engine carries their rules)."""
    if not folder.is_dir():
        return 0.0
    return max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.rglob("*") if p.is_file())])


def engine() -> Engine:
    root = workspace()
    return _engine(
        str(root), _stamp(root / "profile.yaml"), _stamp(root / "risks.csv"), _docs_stamp(root / "docs")
    )


def folder_stamp(folder: Path) -> float:
    """Changes when a file directly in `folder` is added, removed or written."""
    if not folder.is_dir():
        return 0.0
    return max([folder.stat().st_mtime, *(p.stat().st_mtime for p in folder.iterdir())])


@st.cache_resource(show_spinner="evaluating the document set ...", max_entries=4)
def _evaluation(folder: str, stamps: tuple[float, ...]) -> Any:
    from eval.docset import load_document_set
    from eval.harness import evaluate

    data = inputs()
    ws = data.workspace
    return evaluate(load_document_set(Path(folder), data.corpus, data.profile, data.register, ws.docs_dir))


def evaluation() -> Any:
    """The harness's report on the output folder, computed once per change of its files or the inputs (the
    Overview and the Evaluation page share it)."""
    ws = inputs().workspace
    stamps = (
        folder_stamp(ws.out_dir),
        _stamp(ws.profile_path),
        _stamp(ws.risks_path),
        _docs_stamp(ws.docs_dir),
        # The evaluation reads each document's status from the store (SQLite in WAL mode: commits go to -wal).
        _stamp(ws.state_dir / "store.sqlite"),
        _stamp(ws.state_dir / "store.sqlite-wal"),
    )
    return _evaluation(str(ws.out_dir), stamps)


SELECTED, QUERY = "selected_doc", "doc"
SECTION, SEARCH_HIT = "section", "search-hit"  # ?section=<heading>; the sentence a search opened


def _remember(key: str) -> None:
    """The picker's on_change: keep the choice for the other pages and in the address (?doc=...), so a
    refresh or a link opens the same document (at its top: a section a search opened is left)."""
    chosen = st.session_state[key]
    st.session_state[SELECTED] = chosen
    st.query_params[QUERY] = chosen
    if SECTION in st.query_params:
        del st.query_params[SECTION]


def open_document(doc_id: str, section: str = "", sentence: str = "") -> NoReturn:
    """Switch to the Document page on `doc_id`, at `section` (?doc=...&section=...), with `sentence`
    remembered for the page to show as the hit."""
    st.session_state[SELECTED] = doc_id
    st.session_state[SEARCH_HIT] = (doc_id, section, sentence)
    st.switch_page(
        "pages/document.py", query_params={QUERY: doc_id, **({SECTION: section} if section else {})}
    )


def document_picker(label: str = "Document", key: str = "doc") -> str | None:
    """A select box of the documents that have versions; the choice is remembered across pages (session)
    and across refreshes (the `doc` query parameter, which wins when it names a document)."""
    overview = store().overview()
    if not overview:
        st.info("No documents yet: generate the set on the Overview page first.")
        return None
    ids = [d.id for d in overview]
    titles = {d.id: d.title for d in overview}
    wanted = st.query_params.get(QUERY)
    if wanted not in ids:
        wanted = st.session_state.get(SELECTED)
    if wanted not in ids:
        wanted = ids[0]
    if st.session_state.get(key) != wanted:
        st.session_state[key] = wanted  # before the widget exists, so no index (that would warn)
    st.session_state[SELECTED] = wanted
    if st.query_params.get(QUERY) != wanted:
        st.query_params[QUERY] = wanted
    chosen: str = st.selectbox(
        label, ids, format_func=lambda i: f"{titles[i]} ({i})", key=key, on_change=_remember, args=(key,)
    )
    return chosen


def person() -> str:
    """Who is acting in this browser session (see ui/identity.py): asks once, then remembered."""
    from ui.identity import acting_person

    return acting_person(inputs().profile)
