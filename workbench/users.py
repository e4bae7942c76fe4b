"""Users, passwords, log-ins and the audit trail.

Passwords are hashed with Argon2id (``argon2-cffi``, the OWASP first choice); the database
never holds a password. Every change to a user is an audit event with its before and after,
and so is every log-in, failed log-in, reveal of names and release of a quote.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select

from .access import RESEARCHER, Principal, normalise_role, requires
from .errors import InputError, NotFound, PermissionDenied, WorkbenchError
from .store import AuditEvent, Database, User
from .store.db import check_new_user_name, get_or_create_user
from .store.models import normal_name, utcnow

MIN_PASSWORD = 10
LOCKOUT_FAILURES = 5          # failed log-ins for one name ...
LOCKOUT_WINDOW = dt.timedelta(minutes=15)  # ... within this window lock it for the rest of the window


#: Test suites may set this to "1" for argon2-cffi's cheapest parameters (``profiles.CHEAPEST``),
#: as Django's test settings swap in a fast hasher: every password hash of the defaults costs
#: 64 MB and a tenth of a second or more, which the suite pays thousands of times. A hash keeps
#: its parameters, so it still verifies without the setting. Never set it for a real project.
CHEAP_HASH_ENV = "WORKBENCH_TEST_CHEAP_PASSWORD_HASH"


def _hasher():
    import os

    from argon2 import PasswordHasher

    if os.environ.get(CHEAP_HASH_ENV) == "1":
        from argon2.profiles import CHEAPEST

        return PasswordHasher.from_parameters(CHEAPEST)
    return PasswordHasher()


def hash_password(password: str) -> str:
    if password is None or len(password) < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters")
    if password != password.strip():
        raise InputError("the password starts or ends with a space; remove it (a piped newline?)")
    return _hasher().hash(password)


def _verify(hashed: str | None, password: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

    hasher = _hasher()
    try:
        if hashed is None:  # spend the same time as a real check, so names cannot be probed
            hasher.verify(_DUMMY[0] or _dummy(), password + "x")
            return False
        return hasher.verify(hashed, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


_DUMMY: list[str | None] = [None]


def _dummy() -> str:
    _DUMMY[0] = _hasher().hash("dummy-password-for-timing")
    return _DUMMY[0]


@dataclass
class UserRecord:
    name: str
    role: str
    email: str | None
    disabled: bool
    has_password: bool
    created_at: dt.datetime | None
    last_login: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for k in ("created_at", "last_login"):
            d[k] = _iso(d[k])
        return d


def _iso(value):
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.isoformat(timespec="seconds")


def _find(session, name: str) -> User:
    row = session.scalar(select(User).where(User.name == str(name).strip()))
    if row is None:
        names = list(session.scalars(select(User.name).order_by(User.name)))
        raise NotFound(f"unknown user {name!r}; known users: {', '.join(names) or '(none)'}")
    return row


def _state(u: User) -> dict[str, Any]:
    return {"role": u.role, "email": u.email, "disabled": bool(u.disabled),
            "has_password": u.password_hash is not None}


def _check_name(name: str) -> str:
    name = normal_name(str(name or "").strip())
    if not name or len(name) > 200 or any(ch in name for ch in "\n\r\t"):
        raise InputError(f"user name {name!r} is not valid; give 1-200 characters on one line")
    return name


@requires("manage_users")
def add_user(db: Database, name: str, role: str = RESEARCHER, *, password: str | None = None,
             email: str | None = None, user: str | None = None) -> UserRecord:
    """Create a user with a role and (for the web app) a password or a single sign-on e-mail.

    A name that exists only because it acted on the command line (no password, no e-mail) is
    taken over; a user who already has a password or e-mail is refused (use set_role/set_password).
    "konsensus" in another letter case ("Konsensus") is refused: it would pass for the agreed coding."""
    name, role = _check_name(name), normalise_role(role)
    hashed = hash_password(password) if password is not None else None
    email = (email or "").strip().lower() or None
    with db.transaction(user) as tx:
        s = tx.session
        row = s.scalar(select(User).where(User.name == name))
        if row is not None and (row.password_hash or row.email):
            raise WorkbenchError(f"user {name!r} already exists; change it with `workbench user set-role` "
                                 "or `workbench user passwd`")
        if email and s.scalar(select(User.id).where(User.email == email, User.name != name)):
            raise WorkbenchError(f"the e-mail {email!r} belongs to another user already")
        before = _state(row) if row is not None else None
        if row is None:
            check_new_user_name(name)
            row = User(name=name)
            s.add(row)
        row.role, row.password_hash, row.email, row.disabled = role, hashed, email, False
        s.flush()
        if before is not None:  # a name taken over: nothing of its past log-ins stays valid
            from .logins import _revoke_all

            _revoke_all(s, row.id)
        tx.audit("user_add", "user", name, {"before": before, "after": _state(row)})
        return _record(s, row)


def _record(session, u: User) -> UserRecord:
    last = session.scalar(select(func.max(AuditEvent.created_at))
                          .where(AuditEvent.user_id == u.id, AuditEvent.action == "login"))
    return UserRecord(u.name, u.role, u.email, bool(u.disabled), u.password_hash is not None,
                      u.created_at, last)


@requires("manage_users")
def list_users(db: Database, *, user: str | None = None) -> list[UserRecord]:
    """Every user with role, e-mail, state and last log-in."""
    with db.session() as s:
        return [_record(s, u) for u in s.scalars(select(User).order_by(User.name))]


#: changes that end the user's standing log-ins in browsers (``logins``): a new password, another
#: role, disabled. (A changed e-mail does not: the token came from a password log-in.)
ENDS_LOGINS = ("user_passwd", "user_set_role", "user_disable")


def _change(db: Database, name: str, user: str | None, action: str, apply) -> UserRecord:
    from .logins import _revoke_all

    with db.transaction(user) as tx:
        row = _find(tx.session, name)
        before = _state(row)
        apply(row)
        tx.session.flush()
        if action in ENDS_LOGINS:
            _revoke_all(tx.session, row.id)
        tx.audit(action, "user", row.name, {"before": before, "after": _state(row)})
        return _record(tx.session, row)


@requires("manage_users")
def set_role(db: Database, name: str, role: str, *, user: str | None = None) -> UserRecord:
    role = normalise_role(role)
    return _change(db, name, user, "user_set_role", lambda row: setattr(row, "role", role))


def set_password(db: Database, name: str, password: str, *, user: str | None = None) -> UserRecord:
    """Set a user's password: a researcher for anyone, any user for themself."""
    from .access import authorise, principal

    who = principal(db, user)
    if who.name != str(name).strip():
        authorise(db, user, "manage_users", "set_password")
    hashed = hash_password(password)
    return _change(db, name, user, "user_passwd", lambda row: setattr(row, "password_hash", hashed))


set_password.__capability__ = "manage_users"  # type: ignore[attr-defined]  # (or the user themself)
PROTECTED_SELF = {"workbench.users.set_password"}


@requires("manage_users")
def set_email(db: Database, name: str, email: str | None, *, user: str | None = None) -> UserRecord:
    """The e-mail a single sign-on provider reports for this user (None to remove)."""
    email = (email or "").strip().lower() or None
    return _change(db, name, user, "user_set_email", lambda row: setattr(row, "email", email))


@requires("manage_users")
def disable_user(db: Database, name: str, *, user: str | None = None) -> UserRecord:
    """Stop a user from logging in or acting; codings and audit events keep their name."""
    return _change(db, name, user, "user_disable", lambda row: setattr(row, "disabled", True))


@requires("manage_users")
def enable_user(db: Database, name: str, *, user: str | None = None) -> UserRecord:
    return _change(db, name, user, "user_enable", lambda row: setattr(row, "disabled", False))


def _failures(session, name: str) -> int:
    """Failed log-ins with ``name`` within LOCKOUT_WINDOW since its last log-in, counted by the
    name tried, whether or not a user has it: an unknown name locks as a user's does, so that the
    lock tells no names apart."""
    since = utcnow() - LOCKOUT_WINDOW
    tried = (AuditEvent.target_type == "user", AuditEvent.target_id == name)
    last_ok = session.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.action == "login", *tried))
    q = select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login_failed", *tried, AuditEvent.created_at >= since)
    if last_ok is not None:
        q = q.where(AuditEvent.id > last_ok)
    return int(session.scalar(q) or 0)


SYSTEM_USER = "(system)"  # owns audit events of log-in attempts; can never log in or act


def _lock_system(tx) -> None:
    from .access import RESOURCE_GROUP

    if tx.user.name == SYSTEM_USER and (not tx.user.disabled or tx.user.role != RESOURCE_GROUP):
        tx.user.disabled, tx.user.role = True, RESOURCE_GROUP


def authenticate(db: Database, name: str, password: str) -> Principal:
    """Log in with a password: the Principal, or PermissionDenied with one Norwegian line.

    Every attempt is audited. After LOCKOUT_FAILURES failures within LOCKOUT_WINDOW the name is
    locked until the window has passed, a name no user has as well: an unknown name gets the
    answers a user's name gets (a wrong password, then the lock), in about the same time."""
    name = str(name or "").strip()
    generic = PermissionDenied("Feil brukernavn eller passord.")
    if not name or not password:
        raise generic
    with db.transaction(SYSTEM_USER) as tx:
        _lock_system(tx)
        s = tx.session
        row = s.scalar(select(User).where(User.name == name))
        known = row is not None and row.password_hash is not None
        outcome: Exception | Principal
        if _failures(s, name) >= LOCKOUT_FAILURES:  # (no password check: the same time either way)
            outcome = PermissionDenied(f"For mange mislykkede forsøk: brukernavnet er låst i "
                                       f"{int(LOCKOUT_WINDOW.total_seconds() // 60)} minutter.")
            if known:
                s.add(AuditEvent(user_id=row.id, action="login_failed", target_type="user", target_id=name,
                                 detail={"reason": "locked"}))
            else:
                tx.audit("login_failed", "user", name, {"reason": "locked (unknown user or no password)"})
        elif not known:
            _verify(None, password)
            tx.audit("login_failed", "user", name, {"reason": "unknown user or no password"})
            outcome = generic
        elif not _verify(row.password_hash, password):
            s.add(AuditEvent(user_id=row.id, action="login_failed", target_type="user", target_id=name,
                             detail={"reason": "wrong password"}))
            outcome = generic
        elif row.disabled:
            s.add(AuditEvent(user_id=row.id, action="login_failed", target_type="user", target_id=name,
                             detail={"reason": "disabled"}))
            outcome = PermissionDenied("Brukeren er deaktivert; kontakt en forsker i prosjektet.")
        else:
            s.add(AuditEvent(user_id=row.id, action="login", target_type="user", target_id=name,
                             detail={"method": "password"}))
            outcome = Principal(row.name, row.role)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def login_identity(db: Database, email: str | None, *, name: str | None = None,
                   method: str = "oidc") -> Principal:
    """Map a single sign-on identity (the provider's e-mail) to a workbench user; audited.

    Only users a researcher has added (``workbench user add NAME --email E``) get in."""
    email = (email or "").strip().lower()
    if not email:
        raise PermissionDenied("Innloggingen ga ingen e-postadresse; kontakt en forsker i prosjektet.")
    with db.transaction(SYSTEM_USER) as tx:
        _lock_system(tx)
        s = tx.session
        row = s.scalar(select(User).where(User.email == email))
        if row is None or row.disabled:
            tx.audit("login_failed", "user", email, {"method": method, "reason": "not registered" if row is None
                                                      else "disabled"})
            outcome: Exception | Principal = PermissionDenied(
                f"{email} har ikke tilgang til arbeidsbenken; be en forsker legge deg til "
                "(workbench user add NAVN --role ROLLE --email E-POST).")
        else:
            s.add(AuditEvent(user_id=row.id, action="login", target_type="user", target_id=row.name,
                             detail={"method": method, "email": email, "name": name}))
            outcome = Principal(row.name, row.role)
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def has_login_users(db: Database) -> bool:
    """Whether anyone can log in to the web app (a user with a password or an e-mail)."""
    with db.session() as s:
        return bool(s.scalar(select(func.count()).select_from(User).where(
            (User.password_hash.is_not(None)) | (User.email.is_not(None)), User.disabled.is_(False))))


# ------------------------------------------------------------------------------------ audit

#: Every action the workbench records in the audit trail (``workbench audit --action``).
AUDIT_ACTIONS = (
    "accept", "anonymise", "backup", "code", "code_from_csv", "consensus", "copy_database",
    "export_agreement", "export_qdpx", "export_quotes", "export_tables", "forget", "import_qdpx", "ingest", "load_codebook",
    "login", "login_failed", "logout", "memo", "merge_codes", "move_codings", "reject", "release_quote",
    "remove_source", "rescore", "reveal", "set_delete_by", "set_media", "set_metadata", "set_setting", "suggest",
    "train", "uncode", "undo", "user_add", "user_disable", "user_enable", "user_passwd",
    "user_set_email", "user_set_role", "withdraw_release")

@dataclass
class AuditRecord:
    id: int
    at: dt.datetime
    user: str
    action: str
    target_type: str | None
    target: str | None
    detail: dict[str, Any] | None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["at"] = _iso(self.at)
        return d


def parse_since(since: str | dt.datetime | dt.date | None) -> dt.datetime | None:
    """A point in time from an ISO date/time, or a span back from now: 30m, 12h, 7d."""
    if since is None or since == "":
        return None
    if isinstance(since, dt.datetime):
        return since if since.tzinfo else since.replace(tzinfo=dt.timezone.utc)
    if isinstance(since, dt.date):
        return dt.datetime(since.year, since.month, since.day, tzinfo=dt.timezone.utc)
    text = str(since).strip()
    units = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
    if text[:-1].isdigit() and text[-1:].lower() in units:
        return utcnow() - dt.timedelta(**{units[text[-1].lower()]: int(text[:-1])})
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        raise InputError(f"--since {text!r} is not a date; give e.g. 2026-12-01, 2026-12-01T09:00 or 7d") from None
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


@requires("view_audit")
def list_audit(db: Database, *, user: str | None = None, who: str | None = None,
               since: str | dt.datetime | None = None, action: str | None = None,
               limit: int | None = None) -> list[AuditRecord]:
    """The audit trail, oldest first: who, when, what, and the detail (before/after for changes).

    ``who``: one user's events (a name that is no user is an error naming the users, as for
    the dashboards' filters, not an empty trail); ``since``: ISO date/time or 30m/12h/7d;
    ``action``: e.g. login, reveal, release_quote, user_set_role (one of :data:`AUDIT_ACTIONS` or
    of the trail, else an error with "did you mean" and the actions); ``limit``: the newest N."""
    from .store.lookup import match_value

    start = parse_since(since)
    q = select(AuditEvent, User.name).join(User, AuditEvent.user_id == User.id)
    if who:
        with db.session() as s:
            who = match_value("user", who, s.scalars(select(User.name).order_by(User.name)),
                              reason="is not a user of this database")
        q = q.where(User.name == who)
    if start is not None:
        q = q.where(AuditEvent.created_at >= start)
    if action:
        with db.session() as s:
            known = sorted(set(AUDIT_ACTIONS) | set(s.scalars(select(AuditEvent.action).distinct())))
        action = match_value("action", action, known, reason="is not an action of the audit trail",
                             limit=len(known))
        q = q.where(AuditEvent.action == action)
    q = q.order_by(AuditEvent.id.desc())
    if limit:
        q = q.limit(int(limit))
    with db.session() as s:
        rows = [AuditRecord(e.id, e.created_at, name, e.action, e.target_type, e.target_id, e.detail)
                for e, name in s.execute(q).all()]
    return rows[::-1]


def ensure_user(db: Database, name: str) -> None:
    """Make sure a user row exists (for audit events of system actions)."""
    with db.transaction(name) as tx:
        get_or_create_user(tx.session, name)
