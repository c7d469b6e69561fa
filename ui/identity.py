"""Who is acting: a sign-in, never a free-text field.

Default: a local identity, one of the people the profile names, chosen once per browser session and
remembered (session state, and the `as` query parameter so a refresh keeps it). When Streamlit's built-in
authentication is configured (an `[auth]` section in `.streamlit/secrets.toml`), the person signs in through
OIDC instead and is matched to the profile by e-mail, then by name. Either way the core still checks
approvers against the profile: the identity says who acts, not what they may do.
"""

from __future__ import annotations

import streamlit as st

from assistant.inputs.profile import Profile

KEY, QUERY = "acting-person", "as"


def people(profile: Profile) -> dict[str, str]:
    """Every person the profile names, by name, with the roles they hold ("Priya Raman": "CTO; ISMS owner")."""
    found: dict[str, list[str]] = {}
    for _role, label, person in profile.roles.every_role():
        found.setdefault(person.name, []).append(label)
    return {name: "; ".join(dict.fromkeys(labels)) for name, labels in found.items()}


def _auth_configured() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all: local identity
        return False


def _signed_in(profile: Profile) -> str:
    """The OIDC user, as the profile names them when their e-mail or name matches."""
    if not st.user.get("is_logged_in", False):  # missing until the auth section is read: not signed in
        st.info("Sign in to draft, review and approve.")
        st.button("Sign in", type="primary", on_click=st.login)
        st.stop()
    return match_person(profile, str(st.user.get("email") or ""), str(st.user.get("name") or ""))


def match_person(profile: Profile, email: str, name: str) -> str:
    """The profile's name for a signed-in user: matched by e-mail, then by name; else the sign-in's own name
    (who then acts as nobody the profile knows, and the core refuses them as an approver)."""
    for _role, _label, person in profile.roles.every_role():
        if person.email and email and person.email.lower() == email.lower():
            return person.name
    for _role, _label, person in profile.roles.every_role():
        if name and person.name.lower() == name.strip().lower():
            return person.name
    return name.strip() or email


def _sign_out_local() -> None:
    st.session_state.pop(KEY, None)
    if QUERY in st.query_params:
        del st.query_params[QUERY]


def acting_person(profile: Profile) -> str:
    """The person acting in this browser session; asks once (and stops the page) until someone is chosen."""
    if _auth_configured():
        name = _signed_in(profile)
        with st.sidebar:
            st.caption(f"Signed in as **{name}**")
            st.button("Sign out", on_click=st.logout)
        return name
    named = people(profile)
    chosen = st.session_state.get(KEY) or st.query_params.get(QUERY)
    if chosen in named:
        st.session_state[KEY] = chosen
        if st.query_params.get(QUERY) != chosen:
            st.query_params[QUERY] = chosen
        with st.sidebar:
            st.caption(f"Acting as **{chosen}** ({named[chosen]})")
            st.button("Switch person", on_click=_sign_out_local, key="identity-switch")
        return str(chosen)
    st.subheader("Who are you?")
    st.caption(
        "Choose yourself from the people the profile names. Every edit, comment and decision is recorded "
        "under this name; only the profile's approvers can approve."
    )
    with st.form("identity"):
        pick = st.selectbox("Person", list(named), format_func=lambda n: f"{n} ({named[n]})")
        if st.form_submit_button("Continue", type="primary"):
            st.session_state[KEY] = pick
            st.query_params[QUERY] = pick
            st.rerun()
    st.stop()
    raise AssertionError("unreachable")
