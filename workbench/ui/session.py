"""Session helpers shared by the pages: which database, who is acting, and friendly errors."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path
from typing import Iterator

import streamlit as st

from ..errors import WorkbenchError
from ..store import Database, default_user

DEMO_DB = Path("data") / "demo.db"
EMPTY_MESSAGE = ("Ingen data ennå: kjør `workbench demo` for å lage en demodatabase med eksempelkorpus, "
                 "kodebok og kodinger, eller `workbench ingest MAPPE` og `workbench codebook load "
                 "codebooks/bygdevekst.yaml` for egne data. Start så appen på nytt med `workbench serve`.")


def database_url() -> str | None:
    """``WORKBENCH_DB``, else the demo database when it exists, else None (the library default)."""
    if os.environ.get("WORKBENCH_DB"):
        return os.environ["WORKBENCH_DB"]
    if DEMO_DB.exists():
        return f"sqlite:///{DEMO_DB}"
    return None


@st.cache_resource(show_spinner=False)
def _open(url: str | None) -> Database:
    return Database(url)


def get_db() -> Database:
    """The workbench database, one object per URL for the whole server (st.cache_resource)."""
    return _open(database_url())


def display_url(db: Database) -> str:
    """The database URL with any password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(db.url).render_as_string(hide_password=True)


def acting_user() -> str:
    """The coder/researcher named in the sidebar (defaults to WORKBENCH_USER, else the login)."""
    return st.session_state.get("user") or default_user()


def user_input() -> str:
    """The sidebar field for the acting user; call once per run (from app.py)."""
    if "user" not in st.session_state:
        st.session_state["user"] = default_user()
    st.sidebar.text_input("Bruker (koder)", key="user",
                          help="Navnet som lagres på kodinger, notater og beslutninger.")
    return acting_user()


def require_data(db: Database) -> bool:
    """Show the empty-database message and return False when there is nothing to show."""
    from ..ingest import list_sources

    if not db.is_initialised():
        st.info(EMPTY_MESSAGE)
        return False
    try:
        sources = list_sources(db, user=acting_user())
    except WorkbenchError as exc:
        st.error(f"Databasen kan ikke leses: {exc}")
        return False
    if not sources:
        st.info(EMPTY_MESSAGE)
        return False
    return True


@contextlib.contextmanager
def friendly_errors() -> Iterator[None]:
    """Turn a library WorkbenchError into a red message instead of a traceback."""
    try:
        yield
    except WorkbenchError as exc:
        st.error(f"Feil: {exc}")


def flash(kind: str, message: str) -> None:
    """Keep a message for the next run (for button callbacks): kind = success, error, info."""
    st.session_state["_flash"] = (kind, message)


def show_flash() -> None:
    kind, message = st.session_state.pop("_flash", (None, None))
    if kind:
        getattr(st, kind)(message)


def action(fn, *args, done: str | None = None, **kwargs):
    """Run a library call from a button callback; its result message or error shows on the next run."""
    try:
        result = fn(*args, **kwargs)
    except WorkbenchError as exc:
        flash("error", f"Feil: {exc}")
        return None
    if done:
        flash("success", done)
    return result
