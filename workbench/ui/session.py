"""Session helpers shared by the pages: which database, who is logged in, and friendly errors.

The acting user of the app is the logged-in user, kept in ``st.session_state[LOGIN_KEY]`` as
``{"name", "role", "method"}`` and looked up again (``access.principal``) on every run, so a
disabled user or a changed role takes effect at once. Nothing here falls back to the login name
of the operating system.

A reload of the page is a new session. A password log-in therefore also gets a log-in token
(``logins.issue_login_token``) that the browser keeps in the ``workbench_login`` cookie
(:data:`LOGIN_COOKIE`, set by a small script: ``ui.login.login_cookie_script``); a new session
that brings it is logged in with method "token" (``ui.login.try_token``). The cookie the session
began with is read through :func:`login_cookie`, which tests can replace.

Single sign-on (Streamlit's ``st.login`` with an ``[auth]`` section in secrets) is read through
:func:`sso_configured`, :func:`sso_identity`, :func:`sso_login` and :func:`sso_logout`, small
functions tests can replace.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

import streamlit as st

from ..access import Principal, login_required, principal
from ..errors import PermissionDenied, WorkbenchError
from ..store import Database
from .format import md_escape

DEMO_DB = Path("data") / "demo.db"
LOGIN_KEY = "login"
LOGIN_MESSAGE_KEY = "_login_message"
LOGIN_NOTE_KEY = "_login_note"            # a note (not an error) for the login page
LOGIN_COOKIE = "workbench_login"          # the browser's cookie holding the log-in token
TOKEN_KEY = "_login_token"                # this session's log-in token (to set the cookie, to revoke it)
TOKEN_TRIED_KEY = "_login_token_tried"    # the cookie's token, tried once per session
CLEAR_COOKIE_KEY = "_clear_login_cookie"  # the browser's cookie must go (logged out)
EXPIRED_MESSAGE = "Innloggingen har gått ut; logg inn igjen."
REVOKED_MESSAGE = "Du er logget ut (innloggingen har gått ut, eller passord, rolle eller innlogging er endret)."
SSO_REFUSED_KEY = "_sso_refused"
UNDO_KEY = "_undo_events"
EMPTY_MESSAGE = ("Ingen data ennå: kjør `workbench demo` for å lage en demodatabase med eksempelkorpus, "
                 "kodebok og kodinger, eller `workbench ingest MAPPE` og `workbench codebook load "
                 "codebooks/bygdevekst.yaml` for egne data. Start så appen på nytt med `workbench serve`.")
NO_SOURCES_MESSAGE = ("Ingen kilder er lest inn ennå (kodeboken er lastet). En forsker leser inn transkripsjoner, "
                      "notater og dokumenter med `workbench ingest MAPPE`, med manifest.csv (type, fase, pilot) og "
                      "participants.csv (talere og aktører) i mappen. Last så siden på nytt.")
NO_CODEBOOK_MESSAGE = ("Ingen kodebok er lastet ennå (kildene er lest inn). En forsker laster den med "
                       "`workbench codebook load codebooks/bygdevekst.yaml` (eller en egen kodebok). "
                       "Last så siden på nytt.")
HOW_TO_DESCRIBE = ("Fase, pilot og type kommer fra manifest.csv og aktørene fra participants.csv når kildene leses "
                   "inn (`workbench ingest MAPPE` med filene i mappen, eller `--manifest` og `--participants`). En "
                   "kilde som alt er lest inn, får dem når mappen leses inn på nytt med tabellene (teksten og "
                   "kodingene beholdes), på siden «Kilder» (forskere), eller med "
                   "`workbench source set FIL --phase \"fase 1\"` og "
                   "`workbench source speaker FIL TALER --actor AKTØR`.")
NO_USERS_MESSAGE = ("Ingen kan logge inn ennå. Opprett en forsker på kommandolinjen med "
                    "`workbench user add NAVN --role researcher` (passordet leses fra tastaturet); "
                    "forskeren kan så legge til rapportforfattere og ressursgruppen.")
OUTDATED_MESSAGE = ("Databasen er laget av en eldre versjon av arbeidsbenken, og appen fikk ikke oppgradert den "
                    "(for eksempel fordi filen er skrivebeskyttet eller databasebrukeren mangler rettigheter). "
                    "Kjør `workbench init` på samme database (WORKBENCH_DB) og last siden på nytt.")


def database_url() -> str | None:
    """``WORKBENCH_DB``, else the demo database when it exists, else None (the library default)."""
    if os.environ.get("WORKBENCH_DB"):
        return os.environ["WORKBENCH_DB"]
    if DEMO_DB.exists():
        return f"sqlite:///{DEMO_DB}"
    return None


OWNER_MESSAGE = ("Databasen er laget av en eldre versjon av arbeidsbenken, og databasebrukeren appen bruker har ikke "
                 "rett til å opprette eller endre tabeller, så appen fikk ikke oppgradert den. Kjør "
                 "`workbench init` på samme database (WORKBENCH_DB) som databasens eier, og last siden på nytt.")


class OutdatedDatabase(WorkbenchError):
    """The database could not be opened for the pages: its schema is older than the code and the
    app could not upgrade it, or the database role has no rights on its tables
    (``database.privilege``); code and params are the library error's."""


@st.cache_resource(show_spinner=False)
def _open(url: str | None) -> Database:
    """Open the database and bring an older schema up to date, as ``workbench serve`` and every
    command do (``Database.ensure``): once per URL and server process, so ``streamlit run app.py``
    and a server started before a package update work too. A new, empty database is left as it is
    (the pages say how to fill it). A failed upgrade is not cached: the next run tries again."""
    db = Database(url)
    if db.is_initialised():
        try:
            db.ensure()
        except WorkbenchError as exc:
            db.dispose()
            raise OutdatedDatabase(str(exc), code=exc.code, **exc.params) from exc
    return db


def get_db() -> Database:
    """The workbench database, one object per URL for the whole server (st.cache_resource). When
    its schema is behind and cannot be upgraded, one Norwegian line says what to run, and the run stops."""
    try:
        return _open(database_url())
    except OutdatedDatabase as exc:
        if exc.code == "database.privilege":  # the schema may be current: init would not help
            st.error(error_text(exc))
        else:
            st.error(OWNER_MESSAGE if exc.code == "database.upgrade_privilege" else OUTDATED_MESSAGE)
        st.stop()


def display_url(db: Database) -> str:
    """The database URL with any password hidden (``store.db.safe_url``)."""
    return db.shown_url


# ------------------------------------------------------------------------------ log-in state

def log_in(who: Principal, method: str = "password", token: str | None = None) -> None:
    """Keep ``who`` as the logged-in user of this browser session; ``token``: the log-in token
    that keeps the login across reloads (issued now, or the one the cookie brought)."""
    st.session_state[LOGIN_KEY] = {"name": who.name, "role": who.role, "method": method}
    for key in (LOGIN_MESSAGE_KEY, LOGIN_NOTE_KEY, CLEAR_COOKIE_KEY):
        st.session_state.pop(key, None)
    if token:
        st.session_state[TOKEN_KEY] = token
    else:
        st.session_state.pop(TOKEN_KEY, None)


def login_token() -> str | None:
    """The log-in token of this session's login, or None (single sign-on, or none issued)."""
    token = st.session_state.get(TOKEN_KEY)
    return token if isinstance(token, str) and token else None


def login_cookie() -> str | None:
    """The log-in token in the ``workbench_login`` cookie the browser sent when this session
    began (``st.context.cookies``: read-only, fixed for the session), or None."""
    try:
        value = st.context.cookies.get(LOGIN_COOKIE)
    except Exception:  # no browser behind this session
        return None
    return value or None


def logged_in() -> dict | None:
    """``{"name", "role", "method"}`` of the logged-in user, or None."""
    login = st.session_state.get(LOGIN_KEY)
    if isinstance(login, dict) and login.get("name"):
        return login
    return None


def current_principal(db: Database) -> Principal | None:
    """The logged-in user as the database knows them now (role re-read on every run), or None.

    A user who was disabled or removed since logging in is logged out, with the library's
    message kept for the login page. So is a session whose log-in token has been revoked since
    (a changed password or role, "Logg ut" in another tab, ``workbench user logout``, a restore;
    ``logins.login_token_valid``, a read-only lookup on every run), with :data:`REVOKED_MESSAGE`."""
    login_required(True)
    login = logged_in()
    if login is None:
        return None
    try:
        who = principal(db, login["name"])
    except WorkbenchError as exc:
        for key in (LOGIN_KEY, TOKEN_KEY):
            st.session_state.pop(key, None)
        st.session_state[LOGIN_MESSAGE_KEY] = _norwegian(exc)
        st.session_state[CLEAR_COOKIE_KEY] = True  # (disabling the user revoked the token already)
        return None
    token = login_token()
    if token:
        from ..logins import login_token_valid

        try:
            valid = login_token_valid(db, token, who.name)
        except WorkbenchError:
            valid = False
        if not valid:
            for key in (LOGIN_KEY, TOKEN_KEY):
                st.session_state.pop(key, None)
            st.session_state[LOGIN_NOTE_KEY] = REVOKED_MESSAGE
            st.session_state[CLEAR_COOKIE_KEY] = True
            cookie = login_cookie()
            if cookie:  # the cookie this session began with is not tried again
                st.session_state[TOKEN_TRIED_KEY] = cookie
            return None
    if who.role != login.get("role"):
        st.session_state[LOGIN_KEY] = {**login, "role": who.role}
    return who


def acting_user() -> str | None:
    """The logged-in user's name (every library call of a page acts as them); None when nobody
    is logged in, which the library refuses. Never the operating system's login name."""
    login = logged_in()
    return login["name"] if login else None


def acting_role() -> str | None:
    login = logged_in()
    return login.get("role") if login else None


def can(capability: str) -> bool:
    """Whether the logged-in user's role has ``capability`` (``access.CAPABILITIES``); only for
    what a page offers: the library checks every call itself."""
    role = acting_role()
    return role is not None and Principal(acting_user() or "", role).can(capability)


def log_out(db: Database | None = None) -> None:
    """Forget everything of this browser session, end its log-in token (``db`` given: revoked
    and audited as ``logout``; the login page then clears the browser's cookie), and end a
    single sign-on session too."""
    method = (logged_in() or {}).get("method")
    token = login_token()
    if token and db is not None:
        from ..logins import revoke_login_token

        try:
            revoke_login_token(db, token)
        except WorkbenchError:  # (the cookie is cleared all the same; the token expires by itself)
            pass
    st.session_state.clear()
    st.session_state[CLEAR_COOKIE_KEY] = True
    cookie = login_cookie()
    if cookie:  # the cookie this session began with is not tried again (nor called expired)
        st.session_state[TOKEN_TRIED_KEY] = cookie
    if method == "sso" or sso_configured():
        sso_logout()


# ------------------------------------------------------------------------ unknown addresses

def unanswered_address(pages: list) -> str | None:
    """The page address the browser asked for (``st.context.url`` less the server's base path)
    when none of ``pages`` (``st.Page``) answers it, else None. Streamlit would show its own
    English "Page not found" for it; the app adds a hidden page at that address instead
    (:func:`unknown_address_page`). An address with a "/" inside is left to Streamlit (a page's
    address cannot hold one)."""
    from urllib.parse import urlsplit

    url = st.context.url
    if not url:
        return None
    path = urlsplit(url).path.strip("/")
    base = str(st.get_option("server.baseUrlPath") or "").strip("/")
    if base and (path == base or path.startswith(base + "/")):
        path = path[len(base):].strip("/")
    if not path or "/" in path or path in {page.url_path for page in pages}:
        return None
    return path


def unknown_address_page(address: str, home, home_name: str):
    """A hidden page at ``address`` that opens ``home`` (the default page, at "/"): with a
    Norwegian note, unless ``address`` is ``home_name``, home's own name ("/oversikt")."""
    from urllib.parse import unquote

    def go_home() -> None:
        if address != home_name:
            flash("info", f"Adressen /{md_escape(unquote(address))} er ingen side du har tilgang til; "
                          f"her er {md_escape(home.title)}.")
        st.switch_page(home)

    return st.Page(go_home, title=home.title, url_path=address, visibility="hidden")


# ------------------------------------------------------------------- choices in the address

def from_address(*params: str) -> dict[str, str]:
    """The query parameters ``params`` of the page address (``?kilde=3&tur=16``), on the first
    call in this session only, {} afterwards: a reload (F5) is a new session, so a page reads
    back what it mirrored into its address (:func:`to_address`), while within a session the
    widgets keep their own state."""
    seen = f"_address_read_{'&'.join(params)}"
    if st.session_state.get(seen):
        return {}
    st.session_state[seen] = True
    return {p: st.query_params[p] for p in params if p in st.query_params}


def preselect(key: str, asked: str | None, choices: dict, unknown: str | None = None) -> bool:
    """Set the widget ``key`` (before it is drawn) to ``choices[asked]``: ``choices`` maps the
    address's text to the widget's value. An ``asked`` that is none of them is ignored, with
    ``unknown`` as a short note if given. True when something was preselected."""
    if asked is None:
        return False
    if asked not in choices:
        if unknown:
            st.info(unknown)
        return False
    st.session_state[key] = choices[asked]
    return True


def to_address(**values) -> None:
    """Mirror the page's choices into its address (``st.query_params``): a value of None
    removes its parameter. Only what changed is written. The address stays in the browser's
    history: put ids there, never names."""
    for param, value in values.items():
        if value is None:
            if param in st.query_params:
                del st.query_params[param]
        elif st.query_params.get(param) != str(value):
            st.query_params[param] = str(value)


# --------------------------------------------------------------------------- single sign-on

def sso_configured() -> bool:
    """Whether Streamlit's ``[auth]`` section is in secrets (``st.login`` can be offered)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def sso_identity() -> tuple[str, str | None] | None:
    """``(email, name)`` of the single sign-on user of this session, or None."""
    if not sso_configured():
        return None
    try:
        if not st.user.is_logged_in:
            return None
        return (st.user.get("email") or "", st.user.get("name"))
    except Exception:
        return None


def sso_login() -> None:
    """Start the provider's log-in (the default provider of the ``[auth]`` section)."""
    st.login()


def sso_logout() -> None:
    try:
        if st.user.is_logged_in:
            st.logout()
    except Exception:
        pass


# ------------------------------------------------------------------------------ data checks

def require_data(db: Database, *, sources: bool = True, codebook: bool = True):
    """What the project holds (``analysis.data_status``), or None after a Norwegian line saying
    what is missing for this page: ``sources`` (the page needs ingested sources) and ``codebook``
    (it needs a loaded codebook). A new project (neither) gets :data:`EMPTY_MESSAGE` on every
    page; otherwise :data:`NO_SOURCES_MESSAGE` or :data:`NO_CODEBOOK_MESSAGE` for what is missing.
    Sources without actor or phase are data: the page shows them (Oversikt says what is missing,
    :func:`ungrouped_message`).

    Works for every role: ``data_status`` answers yes/no only, which every role may ask."""
    from ..analysis import data_status

    if not db.is_initialised():
        st.info(EMPTY_MESSAGE)
        return None
    try:
        status = data_status(db, user=acting_user())
    except PermissionDenied as exc:
        st.error(error_text(exc))
        return None
    except WorkbenchError as exc:
        st.error(f"Databasen kan ikke leses: {error_text(exc)}")
        return None
    missing_sources, missing_codebook = sources and not status.sources, codebook and not status.codebook
    if status.empty and (missing_sources or missing_codebook):
        st.info(EMPTY_MESSAGE)
        return None
    if missing_sources:
        st.info(NO_SOURCES_MESSAGE)
        return None
    if missing_codebook:
        st.info(NO_CODEBOOK_MESSAGE)
        return None
    return status


def ungrouped_message(status) -> str | None:
    """Oversikt's note when nothing it counts has an actor or a phase (``DataStatus.grouped``):
    all of it then stands in one cell, «Dokument / notater» in phase «(ukjent)». None otherwise."""
    if not status.sources or status.grouped:
        return None
    what = "de kodede segmentene" if status.coded else "segmentene"
    return (f"Ingen av {what} har aktør eller fase ennå, så oversikten viser alt samlet som «Dokument / "
            f"notater» i fase «(ukjent)». {HOW_TO_DESCRIBE}")


def _norwegian(exc: BaseException) -> str:
    """A library error as one Norwegian line, not yet Markdown-escaped (``ui.messages``)."""
    from .messages import norwegian

    return norwegian(exc)


def error_text(exc: BaseException) -> str:
    """A library error as one escaped Norwegian line by its stable code (``ui.messages``): never
    the library's English command-line text. Already Markdown-escaped: do not escape it again.
    Any other exception gets a generic Norwegian line; this never raises."""
    from .messages import norwegian

    return md_escape(norwegian(exc))


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn a library WorkbenchError (PermissionDenied included) into a red message instead of a
    traceback."""
    try:
        yield
    except WorkbenchError as exc:
        st.error(error_text(exc))


def flash(kind: str, message: str, where: str = "_flash") -> None:
    """Keep a message for the next run (for button callbacks): kind = success, error, info.
    ``where`` names the place that shows it (:func:`show_flash`), for a page with more than one."""
    st.session_state[where] = (kind, message)


def show_flash(where: str = "_flash") -> None:
    """The message of the last action, once. Its place is kept (an empty placeholder) on runs without
    one, so what follows keeps its position in the page: otherwise Streamlit draws the Koding page's
    text pane anew when a message comes or goes, and the pane loses its scroll position, the
    current turn and the keyboard focus. ``where``: the place of :func:`flash`'s message."""
    slot = st.empty()
    kind, message = st.session_state.pop(where, (None, None))
    if kind:
        getattr(slot, kind)(message)


def action(fn, *args, done: str | None = None, flash_at: str = "_flash", **kwargs):
    """Run a library call from a button callback; its result message or error shows on the next run
    (in :func:`show_flash` ``flash_at``). The audit event of a coding action (the ``event`` of the
    records it returns) is kept for "Angre" (:func:`undo_events`).

    ``done`` is Markdown: escape research text in it (``md_escape``)."""
    login_required(True)  # callbacks run before app.py; keep the app's rule for them too
    try:
        result = fn(*args, **kwargs)
    except WorkbenchError as exc:
        flash("error", error_text(exc), flash_at)
        return None
    _keep_undoable(result)
    if done:
        flash("success", done, flash_at)
    return result


def _keep_undoable(result) -> None:
    from ..agreement import ConsensusRecords
    from ..coding import CodingRecord, SuggestionRecord

    records = result if isinstance(result, list) else [result]
    events = {r.event for r in records if isinstance(r, (CodingRecord, SuggestionRecord)) and r.event is not None}
    if isinstance(result, ConsensusRecords) and result.event is not None:  # a consensus saved (Enighet)
        events.add(result.event)
    if events:
        st.session_state.setdefault(UNDO_KEY, set()).update(events)


def undo_events() -> set[int]:
    """The audit events of this browser session's own coding actions (made through
    :func:`action`, on any page: a consensus saved on Enighet too): all that "Angre" may undo (``coding.undo_last(events=...)``), so that it never
    undoes what the same user did in another window or on the command line."""
    return st.session_state.get(UNDO_KEY, set())


def retention_warning(db: Database, user: str) -> None:
    """A warning above every page when sources have passed their delete-by date (researchers)."""
    from ..lifecycle import retention

    try:
        due = retention(db, user=user)
    except WorkbenchError:
        return
    if not due:
        return
    first = due[0]
    more = f" og {len(due) - 1} til" if len(due) > 1 else ""
    st.warning(f"Slettedatoen er passert for {md_escape(first['file'])}{more} (skulle vært slettet eller "
               f"anonymisert innen {first['delete_by']}, {first['overdue_days']} dager siden). Slett eller "
               "anonymiser dataene slik deltakerne er lovet.", icon=":material/delete_forever:")
