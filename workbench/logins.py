"""Staying logged in across reloads of the page: server-side log-in tokens.

A password log-in in the web app lives in the Streamlit session, and a reload of the page (F5, a
second tab) is a new session. After a password log-in the app therefore asks
:func:`issue_login_token` for a random token (``secrets.token_urlsafe(32)``), which the browser
keeps in its ``workbench_login`` cookie for ``hours`` (12: a working day); a new session that
brings the cookie is logged in by :func:`user_for_login_token`. The database keeps only the
token's SHA-256 (``login_tokens.token_hash``), the user and the times: whoever reads the database
or a backup of it cannot log in with what is there.

A token ends when it expires, when the user logs out (:func:`revoke_login_token`, audited as
``logout``), and when the user's password, role or state changes (``users.set_password``,
``set_role``, ``disable_user`` and taking over a name with ``add_user`` call
:func:`_revoke_all`); a researcher may also log a user out of every browser
(:func:`revoke_login_tokens`, ``workbench user logout NAME``); a restored backup has no tokens
(``backup.restore``). A browser session already open is logged out on its next run
(:func:`login_token_valid`). Expired rows are deleted whenever a token is issued or revoked.

Like ``users.authenticate`` these functions are called before anyone is logged in, so they are
not behind a capability (``tests/test_permissions.py`` lists them), except
:func:`revoke_login_tokens`, which acts on another user and needs ``manage_users``. A log-in by
token is not audited on every reload (the password log-in that issued it is); its use is kept in
``last_used_at``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import delete, select

from .access import RESOURCE_GROUP, ROLES, Principal, requires
from .errors import InputError, NotFound, PermissionDenied
from .store import AuditEvent, Database, LoginToken, User
from .store.models import utcnow

LOGIN_HOURS = 12          # how long a token (and the browser's cookie) lasts: a working day
MAX_HOURS = 24 * 7        # the longest life a caller may ask for
MAX_TOKEN_LENGTH = 200    # anything longer is not one of ours (token_urlsafe(32) has 43 characters)

__all__ = ["LOGIN_HOURS", "issue_login_token", "user_for_login_token", "login_token_valid",
           "revoke_login_token", "revoke_login_tokens"]


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _usable(token) -> bool:
    return isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_LENGTH and token.isascii()


def _drop_expired(session) -> int:
    """Delete every expired token (of anyone); returns how many."""
    return session.execute(delete(LoginToken).where(LoginToken.expires_at <= utcnow())).rowcount or 0


def _revoke_all(session, user_id: int) -> int:
    """Delete every token of one user, inside the caller's transaction (a changed password, role
    or state); returns how many."""
    return session.execute(delete(LoginToken).where(LoginToken.user_id == user_id)).rowcount or 0


def issue_login_token(db: Database, who: Principal | str, *, hours: float = LOGIN_HOURS) -> str:
    """A new random token for ``who`` (a Principal from ``users.authenticate`` or a user's name)
    that logs them in for ``hours``; only its SHA-256 is stored. Call it right after a successful
    log-in: it does not check a password, only that the user exists and is not disabled
    (``NotFound``/``PermissionDenied`` otherwise). Not audited itself: the log-in before it is."""
    from .users import SYSTEM_USER, _lock_system

    name = str(getattr(who, "name", who) or "").strip()
    if not name:
        raise InputError("give the user to log in", code="login_token.no_user")
    if not 0 < hours <= MAX_HOURS:
        raise InputError(f"a log-in lasts more than 0 and at most {MAX_HOURS} hours, not {hours}",
                         code="login_token.hours", hours=hours)
    token = secrets.token_urlsafe(32)
    now = utcnow()
    with db.transaction(SYSTEM_USER) as tx:
        _lock_system(tx)
        s = tx.session
        row = s.scalar(select(User).where(User.name == name))
        if row is None or row.name == SYSTEM_USER:
            raise NotFound(f"unknown user {name!r}", code="login_token.unknown_user", user=name)
        if row.disabled:
            raise PermissionDenied("Brukeren er deaktivert; kontakt en forsker i prosjektet.")
        _drop_expired(s)
        s.add(LoginToken(user_id=row.id, token_hash=_hash(token), created_at=now,
                         expires_at=now + dt.timedelta(hours=hours)))
    return token


def user_for_login_token(db: Database, token: str | None) -> Principal | None:
    """Who ``token`` logs in (with their role now), or None: an unknown, revoked or expired token,
    or a user who has been disabled or removed since. An expired token's row is deleted."""
    from .users import SYSTEM_USER, _lock_system

    if not _usable(token):
        return None
    hashed = _hash(token)
    with db.session() as s:  # most reloads of a visitor bring no valid token: read before writing
        found = s.scalar(select(LoginToken.id).where(LoginToken.token_hash == hashed))
    if found is None:
        return None
    with db.transaction(SYSTEM_USER) as tx:
        _lock_system(tx)
        s = tx.session
        now = utcnow()
        if s.execute(delete(LoginToken).where(LoginToken.token_hash == hashed,
                                              LoginToken.expires_at <= now)).rowcount:
            return None
        got = s.execute(select(LoginToken, User).join(User, LoginToken.user_id == User.id)
                        .where(LoginToken.token_hash == hashed)).first()
        if got is None:
            return None
        row, user = got
        if user.disabled or user.name == SYSTEM_USER:
            s.delete(row)
            return None
        row.last_used_at = now
        return Principal(user.name, user.role if user.role in ROLES else RESOURCE_GROUP)


def login_token_valid(db: Database, token: str | None, name: str) -> bool:
    """Whether ``token`` is still known, unexpired and ``name``'s: the app asks on every run of a
    session that holds a token, so that a revoked token (a changed password or role, "Logg ut"
    in another tab, :func:`revoke_login_tokens`, a restore) ends the sessions already open. Only
    reads (no ``last_used_at``): one cheap lookup by hash per run."""
    if not _usable(token):
        return False
    with db.session() as s:
        owner = s.scalar(select(User.name).join(LoginToken, LoginToken.user_id == User.id)
                         .where(LoginToken.token_hash == _hash(token), LoginToken.expires_at > utcnow()))
    return owner is not None and owner == name


def revoke_login_token(db: Database, token: str | None) -> bool:
    """Log out: delete ``token`` (whoever holds it may end it) and every expired token; audited as
    ``logout`` of the token's user. Returns whether the token was known (and unexpired)."""
    from .users import SYSTEM_USER, _lock_system

    if not _usable(token):
        return False
    with db.transaction(SYSTEM_USER) as tx:
        _lock_system(tx)
        s = tx.session
        row = s.scalar(select(LoginToken).where(LoginToken.token_hash == _hash(token),
                                                LoginToken.expires_at > utcnow()))
        known = row is not None
        if known:
            name = s.scalar(select(User.name).where(User.id == row.user_id))
            s.add(AuditEvent(user_id=row.user_id, action="logout", target_type="user", target_id=name,
                             detail={"method": "token", "tokens": 1}))
        s.execute(delete(LoginToken).where(LoginToken.token_hash == _hash(token)))
        _drop_expired(s)
    return known


@requires("manage_users")
def revoke_login_tokens(db: Database, name: str, *, user: str | None = None) -> int:
    """Log ``name`` out of every browser (their cookies stop working); audited as ``logout`` by the
    acting researcher. Returns how many unexpired tokens were deleted. (A changed password or
    role and disabling the user do this by themselves.)"""
    from .users import _find

    with db.transaction(user) as tx:
        s = tx.session
        row = _find(s, name)
        _drop_expired(s)
        count = _revoke_all(s, row.id)
        tx.audit("logout", "user", row.name, {"method": "revoke", "tokens": count})
    return count
