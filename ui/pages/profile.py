"""Profile: edit the organisation's facts with the same validation as `isms profile check`, keeping the
file's comments and layout (only what changed is rewritten)."""

from __future__ import annotations

import hashlib
from typing import Any

import _ui_root  # noqa: F401  (before `ui.*`: see ui/_ui_root.py)
import streamlit as st

from assistant.errors import IsmsError
from assistant.inputs.profile_yaml import FieldPath, sections, update_profile
from assistant.inputs.workspace import Workspace
from assistant.yamlio import read_text_file
from ui.context import inputs, through_app, workspace
from ui.questionnaire_form import questionnaire
from ui.risk_form import risk_form

SAVED = "profile-saved"

st.title("Organisation profile")
if not Workspace.open(workspace()).profile_path.exists():
    through_app()
    questionnaire(workspace())  # a new workspace: the questionnaire of `isms init`, as a form
    st.stop()
data = inputs()
ws = data.workspace
try:
    text = read_text_file(ws.profile_path, what="organisation profile")
    current = sections(text.replace("\r\n", "\n"))
except IsmsError as exc:
    st.error(str(exc))
    st.stop()
    raise
# Widgets are keyed by the file's digest: after a save (or an edit outside the page) they show the new file.
digest = hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]
message = st.session_state.pop(SAVED, None)
if message:
    st.success(message)
st.caption(
    f"{ws.profile_path}: every save is checked like `isms profile check` and keeps the previous file in "
    ".isms/profile-history/. Comments and layout are kept; only what you change is rewritten."
)

identity, criteria = data.profile.identity, data.profile.risk_criteria
before: dict[FieldPath, Any] = {
    ("identity", "name"): identity.name,
    ("identity", "legal_name"): identity.legal_name,
    ("identity", "sector"): identity.sector,
    ("identity", "headcount"): identity.headcount,
    ("risk_criteria", "acceptance_threshold"): criteria.acceptance_threshold,
}
with st.form(f"profile-{digest}"):
    st.subheader("Identity")
    after: dict[FieldPath, Any] = {
        ("identity", "name"): st.text_input("Name", identity.name),
        ("identity", "legal_name"): st.text_input("Legal name", identity.legal_name),
        ("identity", "sector"): st.text_input("Sector", identity.sector),
        ("identity", "headcount"): int(
            st.number_input("Headcount", min_value=1, max_value=1_000_000, value=identity.headcount, step=1)
        ),
    }
    st.subheader("Risk criteria")
    after[("risk_criteria", "acceptance_threshold")] = int(
        st.number_input(
            "Acceptance threshold (scores above must be treated)",
            min_value=1,
            max_value=25,
            value=criteria.acceptance_threshold,
            step=1,
        )
    )
    st.subheader("Sections (YAML)")
    st.caption(
        "Each top-level section as the file has it, comments included. A field set above wins over the "
        "same field changed here."
    )
    typed = {
        key: st.text_area(key, section, height=220, key=f"section-{key}-{digest}")
        for key, section in current.items()
    }
    saved = st.form_submit_button("Validate and save", type="primary")

if saved:
    values = {path: value for path, value in after.items() if value != before[path]}
    changed_sections = {
        key: value for key, value in typed.items() if value.strip("\n") != current[key].strip("\n")
    }
    try:
        written = update_profile(ws, values=values, section_texts=changed_sections)
    except IsmsError as exc:
        st.error(str(exc))
    else:
        if written:
            what = [".".join(map(str, p)) for p in values] + list(changed_sections)
            st.session_state[SAVED] = (
                f"profile saved ({', '.join(what)}); the previous one is kept in .isms/profile-history/"
            )
            st.rerun()
        st.info("Nothing changed: the profile was not touched.")

st.divider()
risk_form(data)
