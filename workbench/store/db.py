"""Database access: engine, Alembic upgrades and one-transaction-per-user-action sessions."""

from __future__ import annotations

import contextlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import create_engine, event, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from ..errors import WorkbenchError
from .models import AuditEvent, User

DEFAULT_URL = "sqlite:///data/workbench.db"
MIGRATIONS = Path(__file__).parent / "migrations"


def resolve_url(url: str | None = None) -> str:
    """The database URL: the one given, else ``WORKBENCH_DB``, else the SQLite default."""
    url = url or os.environ.get("WORKBENCH_DB") or DEFAULT_URL
    if "://" not in url:  # a bare path means a SQLite file
        url = f"sqlite:///{url}"
    return url


def default_user(user: str | None = None) -> str:
    """The acting user: the one given, else ``WORKBENCH_USER``, else the login name."""
    if user:
        return user
    if os.environ.get("WORKBENCH_USER"):
        return os.environ["WORKBENCH_USER"]
    try:
        import getpass

        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "ukjent"


@dataclass
class Transaction:
    """What a library function gets inside ``Database.transaction``: session, user, audit."""

    session: Session
    user: User

    def audit(self, action: str, target_type: str | None = None, target_id: Any = None,
              detail: dict[str, Any] | None = None) -> None:
        self.session.add(AuditEvent(user_id=self.user.id, action=action, target_type=target_type,
                                    target_id=None if target_id is None else str(target_id),
                                    detail=detail))


class Database:
    """One workbench database (SQLite file or PostgreSQL), addressed by a SQLAlchemy URL."""

    def __init__(self, url: str | None = None, *, echo: bool = False):
        self.url = resolve_url(url)
        try:
            parsed = make_url(self.url)
        except ArgumentError as exc:
            raise WorkbenchError(f"database URL {self.url!r} is not valid ({exc}); "
                                 "use e.g. sqlite:///data/workbench.db or postgresql+psycopg://...") from None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(self.url, echo=echo)
        except (NoSuchModuleError, ArgumentError, ImportError) as exc:
            raise WorkbenchError(f"database URL {self.url!r} is not valid ({exc}); "
                                 "use e.g. sqlite:///data/workbench.db or postgresql+psycopg://...") from None
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision (idempotent)."""
        from alembic import command

        try:
            with self.engine.begin() as conn:
                cfg = _alembic_config(self.url)
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, "head")
        except OperationalError as exc:
            raise WorkbenchError(f"cannot open database {self.url}: {_one_line(exc.orig)}; check the URL "
                                 "and that the server is running") from None

    def is_initialised(self) -> bool:
        try:
            return "sources" in inspect(self.engine).get_table_names()
        except OperationalError:
            return False

    def ensure(self) -> "Database":
        """Upgrade the schema when needed; returns self for chaining."""
        self.upgrade()
        return self

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A read-only session (rolled back at the end)."""
        with self._sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextlib.contextmanager
    def transaction(self, user: str | None = None) -> Iterator[Transaction]:
        """One user action: commits on success, rolls back everything on any exception."""
        with self._sessions() as session:
            try:
                with session.begin():
                    yield Transaction(session, get_or_create_user(session, default_user(user)))
            except OperationalError as exc:
                raise WorkbenchError(f"database {self.url} failed: {_one_line(exc.orig)}; "
                                     "run `workbench init` first if it is new") from None

    def dispose(self) -> None:
        self.engine.dispose()


def _one_line(error: object) -> str:
    """The first line of a driver's message (psycopg adds a hint on a second line)."""
    return (str(error).strip().splitlines() or [""])[0]


def get_or_create_user(session: Session, name: str) -> User:
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        user = User(name=name)
        session.add(user)
        session.flush()
    return user


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg
