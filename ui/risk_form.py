"""The Profile page's "Add a risk" form: one new row for the register, checked like `isms risks check`
(`assistant/inputs/risk_entry.py` does the work)."""

from __future__ import annotations

from datetime import date

import streamlit as st

from assistant.drafting.engine import Inputs
from assistant.errors import IsmsError
from assistant.inputs.risk_entry import add_risk, next_risk_id

ADDED = "risk-added"
FORMS = "risk-forms"  # how many risks were added: a new form (empty fields) after each
TREATMENTS = ["mitigate", "accept", "transfer", "avoid"]


def risk_form(data: Inputs) -> None:
    ws, profile, register = data.workspace, data.profile, data.register
    st.subheader("Risk register: add a risk")
    message = st.session_state.pop(ADDED, None)
    if message:
        st.success(message)
    where = ws.risks_path or ws.root / "risks.csv"
    st.caption(
        f"{where}: the new risk gets the next id ({next_risk_id(register)}); the register is checked like "
        "`isms risks check` and the previous file is kept in .isms/register-history/."
    )
    roles = sorted(profile.roles.role_ids())
    criteria = profile.risk_criteria
    controls = data.corpus.controls
    # Kept as typed when the register refuses a value (the message names it); emptied once a risk is added.
    with st.form(f"add-risk-{st.session_state.get(FORMS, 0)}", clear_on_submit=False):
        title = st.text_input("Title", placeholder="e.g. Ransomware on the file server")
        description = st.text_area("What could happen, and to what", height=80)
        owner = st.selectbox("Owner (a role the profile staffs)", roles)
        left, right = st.columns(2)
        likelihood = left.selectbox(
            "Likelihood",
            list(criteria.likelihood_scale),
            format_func=lambda k: f"{k} {criteria.likelihood_scale[k]}",
        )
        impact = right.selectbox(
            "Impact", list(criteria.impact_scale), format_func=lambda k: f"{k} {criteria.impact_scale[k]}"
        )
        treatment = st.selectbox("Treatment", TREATMENTS)
        chosen = st.multiselect(
            "Controls that treat it",
            sorted(controls, key=_control_order),
            format_func=lambda c: f"{c} {controls[c].title}",
        )
        actions = st.text_input("Treatment actions (optional)")
        action_owner = st.selectbox("Action owner (optional)", ["", *roles])
        due = st.date_input("Actions due (optional)", value=None, min_value=date.today())
        submitted = st.form_submit_button("Add the risk", type="primary")
    if not submitted:
        return
    values = {
        "title": title,
        "description": description,
        "owner": owner,
        "likelihood": likelihood,
        "impact": impact,
        "treatment": treatment,
        "controls": ";".join(chosen),
        "actions": actions,
        "action_owner": action_owner,
        "due": due.isoformat() if due else "",
        "status": "open" if actions else "",
    }
    try:
        risk = add_risk(ws, values, profile)
    except IsmsError as exc:
        st.error(str(exc))
        return
    above = risk.score > criteria.acceptance_threshold
    st.session_state[FORMS] = st.session_state.get(FORMS, 0) + 1
    st.session_state[ADDED] = (
        f"{risk.id} added to {where.name} (score {risk.score}"
        + (f", above the acceptance threshold {criteria.acceptance_threshold}" if above else "")
        + "); the next generation uses it."
    )
    st.rerun()


def _control_order(control_id: str) -> tuple[int, ...]:
    return tuple(int(part) for part in control_id.removeprefix("A.").split("."))
