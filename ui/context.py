"""What every page needs: the workspace's validated inputs, its store and its engine (cached)."""

from __future__ import annotations

import os
from pathlib import Path

import streamlit as st

from assistant.cli.loading import load_inputs
from assistant.drafting.engine import Engine, Inputs
from assistant.errors import IsmsError
from assistant.store import DocumentStore
from assistant.workflow import store_for


def workspace() -> Path:
    return Path(os.environ.get("ISMS_WORKSPACE", ".")).resolve()


def _stamp(path: Path | None) -> float:
    return path.stat().st_mtime if path is not None and path.exists() else 0.0


@st.cache_resource(show_spinner=False)
def _inputs(root: str, profile_stamp: float, risks_stamp: float) -> Inputs:
    return load_inputs(Path(root))


def inputs() -> Inputs:
    """The workspace's inputs, reloaded when profile.yaml or the risk register change on disk."""
    root = workspace()
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
def _engine(root: str, profile_stamp: float, risks_stamp: float) -> Engine:
    return Engine(_inputs(root, profile_stamp, risks_stamp))


def engine() -> Engine:
    root = workspace()
    return _engine(str(root), _stamp(root / "profile.yaml"), _stamp(root / "risks.csv"))


def document_picker(label: str = "Document", key: str = "doc") -> str | None:
    """A select box of the documents that have versions, remembered across pages."""
    overview = store().overview()
    if not overview:
        st.info("No documents yet: generate the set on the Overview page first.")
        return None
    ids = [d.id for d in overview]
    titles = {d.id: d.title for d in overview}
    current = st.session_state.get("selected_doc", ids[0])
    index = ids.index(current) if current in ids else 0
    chosen: str = st.selectbox(label, ids, index=index, format_func=lambda i: f"{titles[i]} ({i})", key=key)
    st.session_state["selected_doc"] = chosen
    return chosen
