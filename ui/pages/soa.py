"""Statement of Applicability: the 93 rows in an editable grid. A save is a new version of the SoA document,
checked by the SoA rules, and re-renders its Markdown, Word file, soa.csv and soa.xlsx."""

from __future__ import annotations

from typing import Any

import _ui_root  # noqa: F401  (before `ui.*`: see ui/_ui_root.py)
import streamlit as st

from assistant.drafting.engine import SOA_DOC
from assistant.errors import IsmsError
from assistant.soa_checks import EDITABLE, FIXED, STATUSES
from assistant.soa_edits import NothingChanged, current_rows, grid_rows, save_soa_edit
from assistant.store import StaleEdit
from ui.context import inputs, person, store

START, PENDING, FLASH, ROUND = "soa-start", "soa-pending", "soa-flash", "soa-round"


def _my_cells(edited: list[dict[str, Any]], start: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The cells this grid changed, by control id."""
    before = {r["control_id"]: r for r in start}
    out = {}
    for row in edited:
        old = before.get(row.get("control_id"), {})
        cells = {k: row.get(k) for k in EDITABLE if row.get(k) != old.get(k)}
        if cells:
            out[str(row.get("control_id"))] = cells
    return out


def _start_from_newest(carry: dict[str, dict[str, Any]] | None = None) -> None:
    """The grid starts again from the newest version; `carry` (the cells this grid changed) is laid over it."""
    data = inputs()
    rows, latest = current_rows(data.workspace, data.corpus, data.profile)
    start = [{**r, **(carry or {}).get(r["control_id"], {})} for r in grid_rows(rows)]
    st.session_state[START] = (latest.id if latest else None, start)
    st.session_state[ROUND] = st.session_state.get(ROUND, 0) + 1  # a new grid: no edits of the old one
    st.session_state.pop(PENDING, None)


st.title("Statement of Applicability")
data = inputs()
author = person()
if not (data.workspace.out_dir / "soa.csv").exists() or store().latest(SOA_DOC) is None:
    st.info("Generate the document set first: the Statement of Applicability has no version yet.")
    st.stop()
latest = store().latest(SOA_DOC)
grid = st.session_state.get(f"soa-grid-{st.session_state.get(ROUND, 0)}") or {}
untouched = not any(grid.get(k) for k in ("edited_rows", "added_rows", "deleted_rows"))
try:  # the grid follows the newest version until someone types in it
    if START not in st.session_state or (untouched and st.session_state[START][0] != latest.id):
        _start_from_newest()
except IsmsError as exc:
    st.error(str(exc))
    st.stop()
base_id, start = st.session_state[START]
for kind, message in st.session_state.pop(FLASH, []):
    getattr(st, kind)(message)
st.caption(
    f"Version {latest.number} of the Statement of Applicability ({latest.status.replace('_', ' ')}, "
    f"{latest.source} by {latest.author}). Applicability, status and justification are edited here; an "
    "exclusion needs a reason saying why the control does not apply to the organisation."
)
edited = st.data_editor(
    start,
    hide_index=True,
    width="stretch",
    key=f"soa-grid-{st.session_state.get(ROUND, 0)}",
    disabled=["control_id", *FIXED],
    column_config={
        "applicable": st.column_config.SelectboxColumn("applicable", options=["yes", "no"], required=True),
        "implementation_status": st.column_config.SelectboxColumn(
            "implementation_status", options=list(STATUSES), required=True
        ),
        "justification": st.column_config.TextColumn("justification", width="large"),
    },
)
if base_id != latest.id and PENDING in st.session_state:
    st.warning(f"Version {latest.number} by {latest.author} is newer than the one your grid started from.")
    if st.button("Move my edits onto the newest version", key="soa-carry"):
        _start_from_newest(carry=st.session_state[PENDING])
        st.rerun()
if st.button("Save the SoA", type="primary", key="soa-save"):
    try:
        saved = save_soa_edit(
            data.workspace, data.corpus, data.profile, data.register, edited, author, base_id or 0
        )
    except StaleEdit as exc:
        st.session_state[PENDING] = _my_cells(edited, start)  # the grid keeps them; the button moves them on
        st.session_state[FLASH] = [("error", str(exc))]
        st.rerun()
    except NothingChanged as exc:
        st.info(str(exc))
    except IsmsError as exc:
        st.error(str(exc))
    else:
        _start_from_newest()
        st.session_state[FLASH] = [
            ("success", f"saved version {saved.version.number} of the Statement of Applicability: "
             + ", ".join(saved.changes)),
            ("caption", "re-rendered: " + ", ".join(saved.written)),
        ]  # fmt: skip
        st.rerun()
