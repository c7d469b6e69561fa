"""Profile: edit the organisation's facts with the same validation as `isms profile check`."""

from __future__ import annotations

import shutil
from datetime import datetime

import _ui_root  # noqa: F401  (before `ui.*`: see ui/_ui_root.py)
import streamlit as st
import yaml

from assistant.documents.files import write_atomic
from assistant.errors import IsmsError
from assistant.inputs.profile import load_profile
from ui.context import inputs

st.title("Organisation profile")
data = inputs()
path = data.workspace.profile_path
current = yaml.safe_load(path.read_text(encoding="utf-8"))
with st.form("profile"):
    st.subheader("Identity")
    identity = dict(current.get("identity", {}))
    identity["name"] = st.text_input("Name", identity.get("name", ""))
    identity["legal_name"] = st.text_input("Legal name", identity.get("legal_name", ""))
    identity["sector"] = st.text_input("Sector", identity.get("sector", ""))
    identity["headcount"] = st.number_input("Headcount", min_value=1, value=int(identity.get("headcount", 1)))
    st.subheader("Risk criteria")
    criteria = dict(current.get("risk_criteria", {}))
    criteria["acceptance_threshold"] = st.number_input(
        "Acceptance threshold (scores above must be treated)",
        min_value=1,
        max_value=25,
        value=int(criteria.get("acceptance_threshold", 8)),
    )
    st.subheader("Other sections (YAML)")
    sections = {}
    for key, value in current.items():
        if key not in ("identity",):
            sections[key] = st.text_area(
                key,
                yaml.safe_dump(value, sort_keys=False, allow_unicode=True),
                height=160,
                key=f"section-{key}",
            )
    saved = st.form_submit_button("Validate and save", type="primary")
if saved:
    try:
        updated = {"identity": identity}
        for key, text in sections.items():
            updated[key] = yaml.safe_load(text)
        updated["risk_criteria"] = {
            **(updated.get("risk_criteria") or {}),
            "acceptance_threshold": criteria["acceptance_threshold"],
        }
        candidate = path.with_name(".profile.candidate.yaml")
        candidate.write_text(yaml.safe_dump(updated, sort_keys=False, allow_unicode=True), encoding="utf-8")
        try:
            load_profile(candidate)  # the CLI's own validation, with field paths
        finally:
            text = candidate.read_text(encoding="utf-8")
            candidate.unlink(missing_ok=True)
        history = data.workspace.state_dir / "profile-history"
        history.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, history / f"profile-{datetime.now():%Y%m%d-%H%M%S}.yaml")
        write_atomic(path, text)
        st.success("profile saved; the previous one is kept in .isms/profile-history/")
    except yaml.YAMLError as exc:
        st.error(f"YAML syntax error: {exc}")
    except IsmsError as exc:
        st.error(str(exc))
