"""The login page and the account part of the sidebar. Nothing here reads research data: a
visitor who is not logged in sees the form, a refusal message and how to get a user."""

from __future__ import annotations

import streamlit as st

from ..errors import WorkbenchError
from ..store import Database
from . import session
from .format import md_escape

SSO_BUTTON = "Logg inn med institusjonens innlogging"


def _has_login_users(db: Database) -> bool:
    from ..users import has_login_users

    try:
        return db.is_initialised() and has_login_users(db)
    except Exception:  # an unreadable or uninitialised database: nobody can log in
        return False


def try_sso(db: Database) -> None:
    """When the single sign-on provider says who this is, log them in as the workbench user with
    that e-mail (``users.login_identity``). A refused e-mail is tried once per session, so the
    audit gets one failure, not one per rerun."""
    from ..users import login_identity

    if session.logged_in():
        return
    identity = session.sso_identity()
    if not identity:
        return
    email, name = identity
    if st.session_state.get(session.SSO_REFUSED_KEY) == (email or ""):
        return
    try:
        who = login_identity(db, email, name=name)
    except WorkbenchError as exc:
        st.session_state[session.SSO_REFUSED_KEY] = email or ""
        st.session_state[session.LOGIN_MESSAGE_KEY] = str(exc)
        return
    session.log_in(who, method="sso")
    st.rerun()


def login_page(db: Database) -> None:
    """Title "Logg inn", the password form, and the single sign-on button when configured."""
    from ..users import authenticate

    st.title("Logg inn")
    st.caption("Bygdevekst-arbeidsbenk: følgeevaluering av bygdevekstavtaler. "
               "Logg inn for å se data.")
    message = st.session_state.pop(session.LOGIN_MESSAGE_KEY, None)
    if message:
        st.error(md_escape(message))
    if not db.is_initialised():
        st.info(session.EMPTY_MESSAGE)
    if not _has_login_users(db):
        st.info(session.NO_USERS_MESSAGE)

    with st.form("login_form", clear_on_submit=True):
        name = st.text_input("Brukernavn", key="login_name", autocomplete="username")
        password = st.text_input("Passord", type="password", key="login_password",
                                 autocomplete="current-password")
        submitted = st.form_submit_button("Logg inn", type="primary")
    if submitted:
        try:
            who = authenticate(db, name, password)
        except WorkbenchError as exc:
            st.error(md_escape(exc))
        else:
            st.session_state.pop(session.SSO_REFUSED_KEY, None)
            session.log_in(who, method="password")
            st.rerun()

    if session.sso_configured():
        st.divider()
        if st.session_state.get(session.SSO_REFUSED_KEY) is not None:
            if st.button("Logg ut av institusjonens innlogging", key="sso_logout"):
                st.session_state.pop(session.SSO_REFUSED_KEY, None)
                session.sso_logout()
        elif st.button(SSO_BUTTON, key="sso_login"):
            session.sso_login()


def account_sidebar(who, db: Database) -> None:
    """"Innlogget som NAME (rolle)", the log-out button, and (researchers) the database."""
    st.sidebar.markdown(f"Innlogget som **{md_escape(who.name)}** ({who.role_label})")
    if st.sidebar.button("Logg ut", key="logout"):
        session.log_out()
        st.rerun()
    if who.can("manage_users"):
        st.sidebar.caption(f"Database: `{session.display_url(db)}`")
