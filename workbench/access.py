"""Roles and permissions, enforced in the library.

Every public library function that reads or changes research data is decorated with
:func:`requires` and a *capability*. The decorator looks up the acting user (the ``user=``
argument), refuses a disabled user or a role without the capability with
:class:`~workbench.errors.PermissionDenied`, and otherwise runs the function with the caller
available as :func:`current` (so a function can shape its answer by role: pseudonyms,
suppression). A call made from inside an authorised call is not checked again: the entry point
decides, and what it returns is its responsibility.

Roles:

* ``researcher``: everything, including transcripts, coding, user management and the audit.
* ``report_author``: aggregates, scrubbed and pseudonymised quotes, and exports; no transcripts,
  no coding.
* ``resource_group``: aggregates only, with small cells suppressed, the codebook, and quotes a
  researcher has released.

Who acts: the ``user=`` name. A name that is not in ``users`` is a researcher, as on a laptop
where the command line acts as the login name (whoever can open the database file can do
everything anyway). Inside the web app :func:`login_required` is switched on: there a call
without a user, or for an unknown name, is refused.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import inspect
from dataclasses import dataclass
from typing import Any, Callable, Iterator, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from .errors import PermissionDenied, WorkbenchError

RESEARCHER, REPORT_AUTHOR, RESOURCE_GROUP = "researcher", "report_author", "resource_group"
ROLES = (RESEARCHER, REPORT_AUTHOR, RESOURCE_GROUP)
ROLE_LABELS = {RESEARCHER: "forsker", REPORT_AUTHOR: "rapportforfatter", RESOURCE_GROUP: "ressursgruppe"}
ROLE_ALIASES = {**{v: k for k, v in ROLE_LABELS.items()}, "author": REPORT_AUTHOR,
                "rapport": REPORT_AUTHOR, "ressursgruppa": RESOURCE_GROUP}

_ALL = frozenset(ROLES)
_AUTHORS = frozenset({RESEARCHER, REPORT_AUTHOR})
_RESEARCHERS = frozenset({RESEARCHER})

# capability -> (roles that have it, what it is, in Norwegian, for the refusal message)
CAPABILITIES: dict[str, tuple[frozenset[str], str]] = {
    "view_codebook": (_ALL, "lese kodeboken"),
    "view_aggregates": (_ALL, "se aggregerte tall"),
    "view_released_quotes": (_ALL, "lese frigitte sitater"),
    "view_quotes": (_AUTHORS, "lese sitater"),
    "view_sources": (_AUTHORS, "se kildelisten med talere"),
    "export": (_AUTHORS, "eksportere tabeller og sitater"),
    "view_transcripts": (_RESEARCHERS, "lese transkripsjoner, kodinger og notater"),
    "code": (_RESEARCHERS, "kode, skrive notater eller behandle forslag"),
    "ingest": (_RESEARCHERS, "lese inn kilder"),
    "edit_codebook": (_RESEARCHERS, "endre kodeboken"),
    "suggest": (_RESEARCHERS, "lage, trene eller evaluere forslag"),
    "reveal": (_RESEARCHERS, "vise navn og taleretiketter fra filene"),
    "release": (_RESEARCHERS, "frigi sitater for ressursgruppen"),
    "manage_users": (_RESEARCHERS, "administrere brukere"),
    "view_audit": (_RESEARCHERS, "lese revisjonsloggen"),
    "settings": (_RESEARCHERS, "endre prosjektinnstillinger"),
    "manage_data": (_RESEARCHERS, "slette, anonymisere eller kartlegge personopplysninger"),
}

# "module.function" -> capability, filled by @requires (the permission test walks it)
PROTECTED: dict[str, str] = {"workbench.users.set_password": "manage_users"}  # (or oneself)


@dataclass(frozen=True)
class Principal:
    """Who is acting: name, role, and whether the user row exists (implicit researchers do not)."""

    name: str
    role: str
    known: bool = True

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    def can(self, capability: str) -> bool:
        return self.role in CAPABILITIES[capability][0]


_ACTIVE: contextvars.ContextVar[Principal | None] = contextvars.ContextVar("workbench_principal", default=None)
_LOGIN_REQUIRED: contextvars.ContextVar[bool] = contextvars.ContextVar("workbench_login_required",
                                                                        default=False)


def normalise_role(role: str) -> str:
    """A role from its English id or Norwegian name ("forsker", "ressursgruppe" ...)."""
    text = str(role or "").strip().lower().replace("-", "_").replace(" ", "_")
    text = ROLE_ALIASES.get(text, text)
    if text not in ROLES:
        raise WorkbenchError(f"unknown role {role!r}; use one of {', '.join(ROLES)} "
                             f"({', '.join(ROLE_LABELS.values())})")
    return text


def login_required(on: bool = True) -> None:
    """Refuse calls without a known, logged-in user in this thread (the web app switches it on)."""
    _LOGIN_REQUIRED.set(bool(on))


def current() -> Principal | None:
    """The caller of the authorised call in progress (None outside one)."""
    return _ACTIVE.get()


def current_role() -> str:
    p = _ACTIVE.get()
    return p.role if p is not None else RESEARCHER


def principal(db, user: str | None) -> Principal:
    """Look up who ``user`` is (one query). Refuses disabled users, and unknown or missing users
    when login is required."""
    from .store import User, default_user
    from .store.models import normal_name

    if user is None or str(user).strip() == "":
        if _LOGIN_REQUIRED.get():
            raise PermissionDenied("Ikke innlogget: logg inn først.")
        user = default_user()
    name = normal_name(str(user).strip())
    try:
        with db.session() as s:
            row = s.execute(select(User.role, User.disabled).where(User.name == name)).first()
    except WorkbenchError:
        raise
    except Exception:  # an uninitialised database: nobody is known yet
        row = None
    if row is None:
        if _LOGIN_REQUIRED.get():
            raise PermissionDenied(f"Ukjent bruker {name!r}: be en forsker om å opprette deg "
                                   "(workbench user add).")
        near = _same_but_case(db, name)
        if near is not None:  # "Ressursgruppe" for "ressursgruppe" would act silently as a researcher
            raise PermissionDenied(f"Ukjent bruker {name!r}; mente du {near!r}? Brukernavn skiller mellom store "
                                   "og små bokstaver.", code="access.user_case", user=name, known=near)
        return Principal(name, RESEARCHER, known=False)
    role, disabled = row
    if disabled:
        raise PermissionDenied(f"Brukeren {name!r} er deaktivert; be en forsker om å aktivere den igjen.")
    return Principal(name, role if role in ROLES else RESOURCE_GROUP)  # an unknown role gets least


def _same_but_case(db, name: str) -> str | None:
    """The user whose name is ``name`` in another letter case, if any (the names are few)."""
    from .store import User

    try:
        with db.session() as s:
            names = list(s.scalars(select(User.name)))
    except (WorkbenchError, SQLAlchemyError):  # an uninitialised database
        return None
    folded = name.casefold()
    return next((n for n in sorted(names) if n.casefold() == folded), None)


def check(who: Principal, capability: str, what: str = "") -> None:
    """Refuse ``who`` unless the role has ``capability``. The refusal says in Norwegian what the
    role may not do; ``what`` (the library function called) goes in its params, not its text."""
    roles, description = CAPABILITIES[capability]
    if who.role not in roles:
        raise PermissionDenied(f"Ingen tilgang: rollen «{who.role_label}» kan ikke {description}. "
                               "Be en forsker om tilgang.", capability=capability, function=what)


def authorise(db, user: str | None, capability: str, what: str = "") -> Principal:
    """The principal for ``user`` if its role has ``capability``; PermissionDenied otherwise."""
    who = principal(db, user)
    check(who, capability, what)
    return who


def demand(capability: str, what: str = "") -> None:
    """Inside an authorised call: require a further capability of the caller (e.g. ``reveal``)."""
    who = _ACTIVE.get()
    if who is not None:
        check(who, capability, what)


@contextlib.contextmanager
def acting(who: Principal) -> Iterator[Principal]:
    token = _ACTIVE.set(who)
    try:
        yield who
    finally:
        _ACTIVE.reset(token)


F = TypeVar("F", bound=Callable[..., Any])


def requires(capability: str) -> Callable[[F], F]:
    """Decorate a library function ``fn(db, ..., user=...)``: check the user's role first."""
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}")

    def decorate(fn: F) -> F:
        params = inspect.signature(fn).parameters
        if "user" not in params and not any(p.kind is p.VAR_KEYWORD for p in params.values()):
            raise TypeError(f"{fn.__qualname__} must take user=")
        public_name = fn.__name__

        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            if _ACTIVE.get() is not None:  # called from an authorised call: already decided
                return fn(*args, **kwargs)
            db = args[0] if args else kwargs.get("db")
            who = authorise(db, kwargs.get("user"), capability, public_name)
            with acting(who):
                return _with_retries(fn, args, kwargs)

        wrapper.__capability__ = capability  # type: ignore[attr-defined]
        PROTECTED[f"{fn.__module__}.{fn.__name__}"] = capability
        return wrapper  # type: ignore[return-value]

    return decorate


RETRIES = 6


def _with_retries(fn, args, kwargs):
    """Run a library call; when another writer got in the way (``Busy``: a deadlock, a
    serialization failure, a lock held past the busy timeout) run it again, a few times with a
    growing random pause. Each library call is one transaction per unit, so a rerun is safe.

    SQLite's write lock: the call's transactions share one lock-wait budget, the busy timeout
    (``store.db.lock_wait_budget``), so a coder waits about that long in all (not six times that
    long, one busy timeout per run) and the error says how long they waited; a run that used the
    budget up is not repeated. A call nested in another shares the outer call's budget."""
    import random
    import time

    from .errors import Busy
    from .store.db import lock_wait_budget

    with lock_wait_budget() as budget:
        for attempt in range(RETRIES):
            try:
                return fn(*args, **kwargs)
            except Busy as exc:
                locked = exc.code == "database.locked"
                if attempt == RETRIES - 1 or (locked and budget.remaining() <= 0.05):
                    raise
                pause = random.uniform(0.05, 0.2) * (2 ** attempt)
                if locked:  # the pause counts as waiting for the lock too
                    pause = min(pause, budget.remaining())
                    budget.waited += pause
                time.sleep(pause)


def allowed_roles(capability: str) -> frozenset[str]:
    return CAPABILITIES[capability][0]
