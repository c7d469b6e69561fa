"""Statement of Applicability: the 93 rows in an editable grid, with the SoA rules enforced on save."""

from __future__ import annotations

import csv

import _ui_root  # noqa: F401  (before `ui.*`: see ui/_ui_root.py)
import streamlit as st

from assistant.documents.cells import csv_text, unescape_record
from assistant.documents.files import write_atomic
from assistant.documents.soa_csv import COLUMNS
from assistant.drafting.soa import bases
from assistant.workflow import soa_edit_problems
from ui.context import inputs, store

st.title("Statement of Applicability")
data = inputs()
path = data.workspace.out_dir / "soa.csv"
if not path.exists():
    st.info("Generate the document set first: soa.csv is missing.")
    st.stop()
with path.open(encoding="utf-8", newline="") as handle:
    rows = [unescape_record(r) for r in csv.DictReader(handle)]  # the text as written, without the `'`
edited = st.data_editor(
    rows,
    hide_index=True,
    width="stretch",
    key="soa-grid",
    disabled=["control_id", "title", "theme", "owner"],
    column_config={
        "applicable": st.column_config.SelectboxColumn("applicable", options=["yes", "no"], required=True),
        "implementation_status": st.column_config.SelectboxColumn(
            "implementation_status",
            options=["implemented", "partial", "planned", "not_implemented"],
            required=True,
        ),
        "justification": st.column_config.TextColumn("justification", width="large"),
    },
)
editor = st.text_input("Your name", key="soa-author")
if st.button("Save the SoA", type="primary"):
    changed = [r for r in edited if r != rows[[x["control_id"] for x in rows].index(r["control_id"])]]
    problems = soa_edit_problems(
        edited, bases(data.corpus, data.profile, data.register), data.profile, data.register
    )
    if problems:
        for problem in problems:
            st.error(problem)
    elif not editor.strip():
        st.error("say who is editing")
    else:
        cells = [["" if r.get(c) is None else str(r[c]) for c in COLUMNS] for r in edited]
        write_atomic(path, csv_text(COLUMNS, cells))  # no cell a spreadsheet would run as a formula
        store().audit(
            editor,
            "soa-edited",
            "statement-of-applicability",
            ", ".join(r["control_id"] for r in changed) or "no change",
        )
        st.success(f"saved {len(changed)} changed row(s)")
