"""The login page and the account part of the sidebar. Nothing here reads research data: a
visitor who is not logged in sees the form, a refusal message and how to get a user.

Staying logged in across reloads: Streamlit cannot set a cookie from the server, and
``st.context.cookies`` only reads the cookies the browser sent when the session began. After a
password log-in the sidebar therefore holds a script (``st.html`` with
``unsafe_allow_javascript``: it runs in the app's own page, takes no space, and is not the
``components.v1.html`` that Streamlit 1.67 deprecates) that sets ``workbench_login=<token>``; the
login page holds one that deletes it (``Max-Age=0``) after "Logg ut" or when the cookie's token
was refused. The script holds nothing but the cookie (never text a user typed or research data).
The cookie is ``SameSite=Strict``, ``Path`` the server's base path, ``Secure`` when the page is
https; the server keeps only the token's hash (``workbench.logins``)."""

from __future__ import annotations

import json

import streamlit as st
from sqlalchemy.exc import SQLAlchemyError

from ..errors import WorkbenchError
from ..store import Database
from . import session
from .format import md_escape
from .messages import norwegian

SSO_BUTTON = "Logg inn med institusjonens innlogging"


def _has_login_users(db: Database) -> bool:
    from ..users import has_login_users

    try:
        return db.is_initialised() and has_login_users(db)
    except Exception:  # an unreadable or uninitialised database: nobody can log in
        return False


def try_token(db: Database):
    """When nobody is logged in in this session and the browser brought a ``workbench_login``
    cookie (a reload, a second tab), log in as the user its token belongs to (method "token"; not
    audited again) and return them (the Principal), else None. The run goes on as theirs, with
    no rerun: a rerun before ``st.navigation`` would lose the page the address asked for
    (/koding). A token the library refuses (expired, revoked, the user changed) is tried once
    per session; the login page then says so in one line and clears the cookie."""
    from ..logins import user_for_login_token

    if session.logged_in():
        return None
    token = session.login_cookie()
    if not token or st.session_state.get(session.TOKEN_TRIED_KEY) == token:
        return None
    st.session_state[session.TOKEN_TRIED_KEY] = token
    try:
        who = user_for_login_token(db, token)
    except (WorkbenchError, SQLAlchemyError):  # an unreadable or outdated database: the form, as for any visitor
        return None
    if who is None:
        st.session_state[session.LOGIN_NOTE_KEY] = session.EXPIRED_MESSAGE
        return None
    session.log_in(who, method="token", token=token)
    return who


def login_cookie_script(token: str | None, max_age: int) -> str:
    """The script that sets the ``workbench_login`` cookie to ``token`` for ``max_age`` seconds,
    or deletes it (``token`` None, ``max_age`` 0), on the app's page (run inside a same-origin
    frame, it writes its parent page's cookie)."""
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    attributes = f"; Path=/{base}; Max-Age={int(max_age)}; SameSite=Strict"
    cookie = f"{session.LOGIN_COOKIE}={token or ''}{attributes}"
    return ("<script>(function () {\n"
            "  var doc = document, loc = window.location;\n"
            "  try { doc = window.parent.document; loc = window.parent.location; } catch (e) {}\n"
            f"  doc.cookie = {json.dumps(cookie)} + (loc.protocol === 'https:' ? '; Secure' : '');\n"
            "})();</script>")


def _run_script(html: str, where=st) -> None:
    where.html(html, unsafe_allow_javascript=True)


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
        st.session_state[session.LOGIN_MESSAGE_KEY] = norwegian(exc)  # (a refusal is Norwegian already)
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
    note = st.session_state.pop(session.LOGIN_NOTE_KEY, None)
    if note and not message:
        st.info(note)
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
        except WorkbenchError as exc:  # a refusal (Norwegian already), or the database's error by its code
            st.error(session.error_text(exc))
        else:
            st.session_state.pop(session.SSO_REFUSED_KEY, None)
            session.log_in(who, method="password", token=_issue_token(db, who))
            st.rerun()

    if session.sso_configured():
        st.divider()
        if st.session_state.get(session.SSO_REFUSED_KEY) is not None:
            if st.button("Logg ut av institusjonens innlogging", key="sso_logout"):
                st.session_state.pop(session.SSO_REFUSED_KEY, None)
                session.sso_logout()
        elif st.button(SSO_BUTTON, key="sso_login"):
            session.sso_login()

    # logged out, or the cookie's token was refused: the browser forgets the cookie
    if session.login_cookie() or st.session_state.get(session.CLEAR_COOKIE_KEY):
        _run_script(login_cookie_script(None, 0))


def _issue_token(db: Database, who) -> str | None:
    """A log-in token for ``who`` (just logged in with a password), or None when the database
    would not take it (the login then lasts as long as this session)."""
    from ..logins import issue_login_token

    try:
        return issue_login_token(db, who)
    except WorkbenchError:
        return None


def keep_login_cookie() -> None:
    """After a password log-in: the browser keeps the session's token in its cookie for the
    token's life (drawn on every run, the same each time, so the script stays in the page)."""
    from ..logins import LOGIN_HOURS

    login, token = session.logged_in(), session.login_token()
    if login and token and login.get("method") == "password":
        _run_script(login_cookie_script(token, LOGIN_HOURS * 3600), st.sidebar)


def account_sidebar(who, db: Database) -> None:
    """"Innlogget som NAME (rolle)", the log-out button, and (researchers) the database."""
    st.sidebar.markdown(f"Innlogget som **{md_escape(who.name)}** ({who.role_label})")
    if st.sidebar.button("Logg ut", key="logout"):
        session.log_out(db)
        st.rerun()
    if who.can("manage_users"):
        st.sidebar.caption(f"Database: `{session.display_url(db)}`")
    keep_login_cookie()
