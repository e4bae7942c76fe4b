"""Database access: engine, Alembic upgrades and one-transaction-per-user-action sessions."""

from __future__ import annotations

import contextlib
import contextvars
import functools
import os
import re
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from sqlalchemy import create_engine, event, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import (ArgumentError, DatabaseError, IntegrityError, NoSuchModuleError, OperationalError,
                            ProgrammingError)
from sqlalchemy.orm import Session, sessionmaker

from ..errors import Busy, WorkbenchError
from .models import AuditEvent, User

DEFAULT_URL = "sqlite:///data/workbench.db"
MIGRATIONS = Path(__file__).parent / "migrations"
VERSIONS = MIGRATIONS / "versions"
_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*['\"]([^'\"]*)['\"]", re.M)
BUSY_TIMEOUT_MS = 30_000  # how long a SQLite writer waits for another one before giving up
SQLITE_HEADER = b"SQLite format 3\x00"  # the first 16 bytes of every SQLite database file


@dataclass
class LockWait:
    """How long the writers of one library call have waited for SQLite's write lock since they last
    got it (``waited``, seconds), against ``limit`` (the busy timeout). The retries of a call
    (``access._with_retries``) share it, so a coder waits about the busy timeout in all, not that
    long per retry, and is told how long they waited."""

    limit: float
    waited: float = 0.0

    def remaining(self) -> float:
        return max(0.0, self.limit - self.waited)


_LOCK_WAIT: contextvars.ContextVar[LockWait | None] = contextvars.ContextVar("workbench_lock_wait", default=None)


@contextlib.contextmanager
def lock_wait_budget() -> Iterator[LockWait]:
    """The lock-wait budget of the library call in progress (a new one, of ``BUSY_TIMEOUT_MS``,
    for the outermost call): every SQLite write transaction begun inside waits for the write lock
    at most what is left of it (:func:`_sqlite_begin`)."""
    current = _LOCK_WAIT.get()
    if current is not None:
        yield current
        return
    budget = LockWait(BUSY_TIMEOUT_MS / 1000)
    token = _LOCK_WAIT.set(budget)
    try:
        yield budget
    finally:
        _LOCK_WAIT.reset(token)


def seconds_text(seconds: float) -> str:
    """``1.5`` -> ``"1.5"``, ``30.02`` -> ``"30"``: a wait as a message states it."""
    return f"{seconds:.1f}".rstrip("0").rstrip(".") if seconds < 10 else str(round(seconds))


def resolve_url(url: str | None = None) -> str:
    """The database URL: the one given, else ``WORKBENCH_DB``, else the SQLite default."""
    url = url or os.environ.get("WORKBENCH_DB") or DEFAULT_URL
    if "://" not in url:  # a bare path means a SQLite file
        url = f"sqlite:///{url}"
    return url


def safe_url(url: str | None) -> str:
    """``url`` as it may be shown (a command's output, an error line, a server log): any password
    replaced by ``***``. Every place that shows a database URL goes through this."""
    text = str(url or "")
    try:
        return make_url(text).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):  # not a URL SQLAlchemy can read: hide what looks like user:password@
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", text)


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
              detail: dict[str, Any] | None = None) -> AuditEvent:
        """Record one audit event of this action; returns it (its ``id`` is set at the next flush)."""
        event = AuditEvent(user_id=self.user.id, action=action, target_type=target_type,
                           target_id=None if target_id is None else str(target_id), detail=detail)
        self.session.add(event)
        return event


@functools.lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest Alembic revision id, read from the migration files' ``revision`` and
    ``down_revision`` lines without importing Alembic (None if that is not one clear head: let
    Alembic decide)."""
    revisions, parents = set(), set()
    for path in VERSIONS.glob("*.py"):
        found = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions.add(found["revision"])
            if found.get("down_revision"):
                parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


class Database:
    """One workbench database (SQLite file or PostgreSQL), addressed by a SQLAlchemy URL."""

    def __init__(self, url: str | None = None, *, echo: bool = False, create: bool = True,
                 hide_parameters: bool = False):
        """``create=False``: a SQLite file that does not exist is refused (``database.missing``)
        instead of being created, for everything that only reads or changes existing data.
        ``hide_parameters=True``: a driver error's text never lists the statement's values
        (transcript text, names), e.g. while copying a whole project."""
        self.url = resolve_url(url)
        try:
            parsed = make_url(self.url)
        except (ArgumentError, ValueError) as exc:  # (ValueError: a port that is not a number)
            raise WorkbenchError(f"database URL {safe_url(self.url)!r} is not valid "
                                 f"({str(exc).replace(self.url, safe_url(self.url))}); "
                                 "use e.g. sqlite:///data/workbench.db or postgresql+psycopg://...") from None
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            if not create and not Path(parsed.database).exists():
                raise missing_database(parsed.database)
            _check_sqlite_file(Path(parsed.database))
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        try:
            self.engine: Engine = create_engine(self.url, echo=echo, hide_parameters=hide_parameters)
        except (NoSuchModuleError, ArgumentError, ImportError) as exc:
            raise WorkbenchError(f"database URL {safe_url(self.url)!r} is not valid "
                                 f"({str(exc).replace(self.url, safe_url(self.url))}); "
                                 "use e.g. sqlite:///data/workbench.db or postgresql+psycopg://...") from None
        if parsed.get_backend_name() == "sqlite":
            # WAL lets readers go on while one coder writes; a writer waits (busy timeout) for another
            # instead of failing; write transactions take the write lock at BEGIN (IMMEDIATE), so two
            # writers never deadlock on upgrading a read lock.
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(self.engine.execution_options(workbench_write=True),
                                            expire_on_commit=False)

    @property
    def shown_url(self) -> str:
        """The URL as it may be shown: the password hidden (:func:`safe_url`)."""
        return safe_url(self.url)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def upgrade(self) -> None:
        """Create or upgrade the schema to the newest Alembic revision (idempotent)."""
        from alembic import command

        try:
            with self.engine.connect() as conn:
                sqlite = self.dialect == "sqlite"
                if sqlite:
                    # SQLite changes a table by copying it and dropping the old one; with foreign
                    # keys on, that drop would cascade (speakers -> segments.speaker_id = NULL, codings
                    # -> memos deleted). Switch them off for the migration (only possible outside a
                    # transaction, so on the raw connection before SQLAlchemy begins one) and check after.
                    conn.connection.dbapi_connection.execute("PRAGMA foreign_keys=OFF")
                try:
                    with conn.begin():
                        cfg = _alembic_config(self.url)
                        cfg.attributes["connection"] = conn
                        command.upgrade(cfg, "head")
                finally:
                    if sqlite:
                        raw = conn.connection.dbapi_connection
                        raw.execute("PRAGMA foreign_keys=ON")
                        broken = raw.execute("PRAGMA foreign_key_check").fetchall()
                        if broken:
                            raise WorkbenchError(f"database {self.shown_url}: the upgrade left {len(broken)} rows "
                                                 f"pointing nowhere (first: table {broken[0][0]}); restore the "
                                                 "backup and report this")
        except OperationalError as exc:
            raise self.cannot_open(exc) from None
        except ProgrammingError as exc:
            if _insufficient_privilege(exc):  # a role that may read and write rows but not change tables
                raise schema_privilege_error(self.shown_url, exc) from None
            raise
        except (DatabaseError, sqlite3.DatabaseError) as exc:  # a SQLite file with a good header, damaged
            text = _one_line(getattr(exc, "orig", exc))
            if self.dialect == "sqlite" and ("not a database" in text or "malformed" in text):
                raise _not_sqlite(make_url(self.url).database) from None
            raise

    def cannot_open(self, exc: BaseException) -> WorkbenchError:
        """The one line for a database that cannot be opened (no server, no such database, a
        wrong password), the password hidden."""
        return WorkbenchError(f"cannot open database {self.shown_url}: {_one_line(getattr(exc, 'orig', exc))}; "
                              "check the URL and that the server is running", code="database.cannot_open",
                              url=self.shown_url)

    def is_initialised(self) -> bool:
        try:
            return "sources" in inspect(self.engine).get_table_names()
        except OperationalError:
            return False

    def is_current(self) -> bool:
        """Whether the schema is at the newest revision: one small query, no Alembic. False for a
        new database (no ``alembic_version``) or one that cannot be read: ``upgrade`` says why."""
        head = head_revision()
        if head is None:
            return False
        try:
            return self._revision() == head
        except Exception:
            return False

    def _revision(self) -> str | None:
        """The database's Alembic revision (the driver's error when it cannot be read)."""
        from sqlalchemy import text

        with self.engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def ensure(self) -> "Database":
        """Upgrade the schema when it is not at the newest revision (Alembic is loaded only then);
        returns self for chaining. The command line and the app open a database through this.

        A PostgreSQL role that may not even read the revision (no rights on the project's tables)
        gets ``database.privilege``, saying what to grant, rather than being sent to upgrade a
        schema that may well be current (``workbench init`` by the owner would not help)."""
        head = head_revision()
        try:
            current = head is not None and self._revision() == head
        except ProgrammingError as exc:
            if _insufficient_privilege(exc):
                raise privilege_error(self.url, exc) from None
            current = False
        except Exception:  # a new database (no alembic_version), no server ...: upgrade says why
            current = False
        if not current:
            self.upgrade()
        return self

    @contextlib.contextmanager
    def session(self) -> Iterator[Session]:
        """A read-only session (rolled back at the end). A PostgreSQL role without the right to
        read a table gets one line saying what to grant (``database.privilege``), never the driver's
        traceback."""
        with self._sessions() as session:
            try:
                yield session
            except ProgrammingError as exc:
                if _insufficient_privilege(exc):
                    raise privilege_error(self.url, exc) from None
                raise
            finally:
                session.rollback()

    @contextlib.contextmanager
    def transaction(self, user: str | None = None) -> Iterator[Transaction]:
        """One user action: commits on success, rolls back everything on any exception.

        A lock held too long by another writer, a serialization failure or a deadlock becomes
        ``Busy`` (the library's entry points retry it); other driver errors a one-line
        ``WorkbenchError`` that names the cause (locked, disk full, not initialised ...), and a
        PostgreSQL role without the right to read or write a table one line naming the table and
        what to grant (``database.privilege``). Never the statement's values."""
        with self._write_sessions() as session:
            try:
                with session.begin():
                    yield Transaction(session, get_or_create_user(session, default_user(user)))
            except OperationalError as exc:
                raise database_error(self.shown_url, exc) from None
            except ProgrammingError as exc:
                if _insufficient_privilege(exc):
                    raise privilege_error(self.url, exc) from None
                raise

    def dispose(self) -> None:
        self.engine.dispose()

    def data_version(self) -> tuple:
        """A cheap fingerprint of the data that changes with every write: the newest audit event
        (every user action audits) and, per table the analyses read, the row count and largest
        id (this catches the writes that do not audit: pseudonyms given on first use, bulk
        loads, deletes). One read statement: at a million codings a few milliseconds on SQLite
        and about 0.1 s on PostgreSQL (whose count(*) scans); the Oversikt page keys its cache on it. Equal fingerprints mean unchanged data unless a
        write updated rows in place without auditing (the library audits all such updates).

        Why not ``PRAGMA data_version``: it tells one SQLite connection about the other
        connections' commits only, and pooled connections each have their own. Why not a
        counter row bumped in every ``Transaction``: every writer would queue on that one row
        in PostgreSQL, and writes outside ``transaction()`` (bulk loads) would not bump it."""
        from sqlalchemy import func

        from .models import (AuditEvent, Code, Coding, Pseudonym, ReleasedQuote, Segment, Setting, Source,
                             Speaker, User as UserRow)

        parts = [select(func.max(AuditEvent.id)).scalar_subquery()]
        for model in (Source, Speaker, Segment, Coding, Pseudonym, ReleasedQuote, UserRow):
            parts += [select(func.count()).select_from(model).scalar_subquery(),
                      select(func.max(model.id)).scalar_subquery()]
        parts += [select(func.count()).select_from(Code).scalar_subquery(),
                  select(func.count()).select_from(Setting).scalar_subquery(),
                  select(func.max(Setting.updated_at)).scalar_subquery()]
        try:
            with self.session() as s:
                row = s.execute(select(*parts)).one()
        except OperationalError as exc:
            raise database_error(self.shown_url, exc) from None
        return tuple(str(v) if v is not None and not isinstance(v, int) else v for v in row)


def _check_sqlite_file(path: Path) -> None:
    """Refuse, before anything is written, a file that is there but is not a SQLite database."""
    try:
        with open(path, "rb") as f:
            head = f.read(len(SQLITE_HEADER))
    except OSError:  # not there yet (created on first use), or unreadable: the driver says why
        return
    if head and head != SQLITE_HEADER:
        raise _not_sqlite(str(path))


def missing_sqlite_file(url: str | None) -> str | None:
    """The absolute path of the SQLite file ``url`` names when that file does not exist (None for
    an existing file, an in-memory database or another backend)."""
    try:
        parsed = make_url(resolve_url(url))
    except ArgumentError:
        return None
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return None if Path(parsed.database).exists() else os.path.abspath(parsed.database)


def missing_database(path: str) -> WorkbenchError:
    """The one-line refusal of a SQLite database file that is not there (a typo in --db, or a
    project not created yet): reading commands never create an empty database."""
    where = os.path.abspath(path)
    demo = os.path.abspath(os.path.join("data", "demo.db"))
    if demo != where and os.path.isfile(demo):
        # `workbench demo` writes data/demo.db; the other commands default to data/workbench.db
        return WorkbenchError(f"no database at {where}; the demo is in data/demo.db: give --db sqlite:///data/demo.db "
                              "(or set WORKBENCH_DB to it), or create a project with `workbench init`",
                              code="database.missing", path=where)
    return WorkbenchError(f"no database at {where}; create one with `workbench init` (or `workbench demo` for "
                          "the demo), or check --db / WORKBENCH_DB", code="database.missing", path=where)


def _not_sqlite(path: str | None) -> WorkbenchError:
    return WorkbenchError(f"{path} is not a SQLite database (or is damaged); give another --db / WORKBENCH_DB, "
                          "or move the file away", code="database.not_sqlite", path=str(path))


def _one_line(error: object) -> str:
    """The first line of a driver's message (psycopg adds a hint on a second line)."""
    return (str(error).strip().splitlines() or [""])[0]


TRANSIENT_SQLSTATES = {"40001", "40P01", "55P03"}  # serialization failure, deadlock, lock not available


def _insufficient_privilege(exc: BaseException) -> bool:
    """Whether a driver error is PostgreSQL's "permission denied" (SQLSTATE 42501)."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) == "42501":
        return True
    try:
        from psycopg.errors import InsufficientPrivilege
    except ImportError:  # no PostgreSQL driver installed
        return False
    return isinstance(orig, InsufficientPrivilege)


def schema_privilege_error(url: str, exc: BaseException) -> WorkbenchError:
    """The one line for a schema upgrade the database role may not make (``url`` already safe)."""
    return WorkbenchError(f"database {url} needs a schema upgrade, and this database role may not create or "
                          f"change tables ({_one_line(getattr(exc, 'orig', exc))}); run `workbench init` on this "
                          "database as its owner (the role that created the tables), then try again",
                          code="database.upgrade_privilege")


_DENIED = re.compile(r"permission denied for (table|relation|sequence|schema|view) \"?([\w.$]+)\"?", re.I)
REVISION_TABLE = "alembic_version"  # read first by every command: denied there means no rights on any table


def privilege_grants(role: str, schema: str = "public") -> str:
    """The statements the database's owner runs so that ``role`` may read and write the project's
    rows (README, "Team on one server")."""
    return (f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}; "
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}")


def privilege_error(url: str, exc: BaseException) -> WorkbenchError:
    """The one line for a PostgreSQL role that may not read or write a table (SQLSTATE 42501 in
    a session or transaction, not in a schema upgrade): names the table and what the database's
    owner grants. Only the driver's first line is shown (it names the object, never the
    statement's values); ``url``'s password is hidden."""
    text = _one_line(getattr(exc, "orig", exc))
    try:
        role = make_url(resolve_url(url)).username or "ROLE"
    except (ArgumentError, ValueError):
        role = "ROLE"
    found = _DENIED.search(text)
    kind, name = (found.group(1).lower(), found.group(2)) if found else ("table", "?")
    grants = privilege_grants(role)
    if kind == "schema":
        grants = f"GRANT USAGE ON SCHEMA {name} TO {role}; " + privilege_grants(role, name)
        what = f"may not use schema {name}"
    elif name == REVISION_TABLE:
        what = "has no rights on the project's tables"
    else:
        what = f"has no rights on {kind} {name}"
    return WorkbenchError(f"database {safe_url(url)}: the database role {role} {what} ({text}); as the database's "
                          f"owner, grant the rights on the project's tables: {grants}; then try again",
                          code="database.privilege", role=role, table=name, kind=kind)


def database_error(url: str, exc: OperationalError) -> WorkbenchError:
    """A driver error as one line naming the cause; ``Busy`` when trying again can help.
    ``url`` is shown as is: pass ``Database.shown_url`` (password hidden)."""
    url = safe_url(url)
    orig = getattr(exc, "orig", exc)
    text = _one_line(orig)
    low = text.lower()
    if getattr(orig, "sqlstate", None) in TRANSIENT_SQLSTATES or "deadlock" in low or "could not serialize" in low:
        return Busy(f"database {url}: another coder's change got in the way ({text}); try again")
    if "database is locked" in low or "database table is locked" in low:
        budget = _LOCK_WAIT.get()
        waited = budget.waited if budget is not None and budget.waited > 0 else BUSY_TIMEOUT_MS / 1000
        seconds = seconds_text(waited)
        return Busy(f"database {url} stayed locked by another writer for {seconds} s; "
                    "try again (with many coders at once, use PostgreSQL)", code="database.locked", seconds=seconds)
    if "disk is full" in low or "no space left" in low or "disk full" in low:
        return WorkbenchError(f"database {url}: the disk is full ({text}); free space and try again")
    if "readonly" in low or "read-only" in low or "permission denied" in low:
        return WorkbenchError(f"database {url} cannot be written ({text}); check the file's or the "
                              "role's write permission")
    if "no such table" in low or "does not exist" in low and "relation" in low:
        return WorkbenchError(f"database {url} is not set up ({text}); run `workbench init`")
    return WorkbenchError(f"database {url} failed: {text}")


CONSENSUS_CODER = "konsensus"   # the coder holding the agreed coding of a turn (workbench.agreement)


def check_new_user_name(name: str) -> None:
    """Refuse a new user whose name is the konsensus coder's in another letter case ("Konsensus"):
    it would be taken for the agreed coding in every list of coders."""
    if str(name).strip().casefold() == CONSENSUS_CODER and str(name).strip() != CONSENSUS_CODER:
        raise WorkbenchError(f"user name {name!r} is the coder {CONSENSUS_CODER!r} (the agreed coding) in another "
                             "letter case and would be taken for it; choose another name",
                             code="user.consensus_name", name=str(name))


def get_or_create_user(session: Session, name: str) -> User:
    """The user row of ``name``, created on first use (a researcher). Safe when two processes
    create the same new user at once: the loser finds the winner's row. A new name that is
    "konsensus" in another letter case is refused (:func:`check_new_user_name`)."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        check_new_user_name(name)
        try:
            with session.begin_nested():
                user = User(name=name)
                session.add(user)
                session.flush()
        except IntegrityError:
            user = session.scalar(select(User).where(User.name == name))
            if user is None:
                raise
    return user


def lock_segment(session: Session, segment_id: int) -> None:
    """Serialise the writers of one turn: call it at the start of a transaction that reads a
    turn's codings and then changes them (a consensus replaced, the codings of a code removed),
    before that read. On PostgreSQL (READ COMMITTED) it locks the segment row (``FOR NO KEY
    UPDATE``, which a plain coding insert's foreign-key check does not wait for): a second such
    writer of the same turn waits until the first has committed, and then reads what it stored.
    A no-op on SQLite, where every write transaction holds the database's write lock from its
    start (``BEGIN IMMEDIATE``, :func:`_sqlite_begin`)."""
    from .models import Segment

    if session.get_bind().dialect.name == "sqlite":
        return
    session.execute(select(Segment.id).where(Segment.id == segment_id).with_for_update(key_share=True))


def lock_row(session: Session, model: Any, row_id: Any, *, share: bool = False) -> Any:
    """The row ``row_id`` of ``model`` read again as it is now, locked for the rest of the
    transaction (None when another transaction deleted it meanwhile). On PostgreSQL (READ
    COMMITTED) ``share=False`` is ``FOR UPDATE``: for a writer that reads what hangs on the row
    (a coding's memos) and then deletes it, so that a memo committed meanwhile is seen (and
    recorded) instead of vanishing in the ``ON DELETE CASCADE``; ``share=True`` is ``FOR KEY
    SHARE`` (what the foreign-key check of an insert takes, but before anything is read or
    written): for a writer that puts something on the row (a memo, a draft). The two wait for
    each other, so a memo and the removal of its coding are never interleaved: either the memo
    is committed first and the removal records it, or the removal first and the memo's writer
    finds the row gone. A plain read on SQLite, where every write transaction holds the
    database's write lock from its start (``BEGIN IMMEDIATE``, :func:`_sqlite_begin`)."""
    query = select(model).where(model.id == row_id).execution_options(populate_existing=True)
    if session.get_bind().dialect.name != "sqlite":
        query = query.with_for_update(read=share, key_share=share)
    return session.scalar(query)


def lock_codes(session: Session, code_ids: Any = None, *, exclusive: bool = False) -> dict[str, Any]:
    """Serialise the writers that use a code with those that change it: the codes ``code_ids``
    (None: all codes), re-read as they are now, by id (a code deleted meanwhile is missing).

    On PostgreSQL (READ COMMITTED) it locks the code rows, in id order so that two lockers never
    deadlock. That holds only between calls: a caller that uses several codes must ask for all of
    them in one call, before it makes anything under any of them (``coding._hold_codes``), never
    one call per code in the order its rows come in (rows ``kapasitet`` then ``gammel`` against a
    merge of ``gammel`` into ``kapasitet`` is a deadlock: each holds the code the other waits
    for). ``FOR SHARE`` for a writer that makes a coding, suggestion, consensus, memo or
    release under a code (call it before checking that the code is current, and trust what it
    returns), ``FOR UPDATE`` (``exclusive``) for what retires, merges or changes codes
    (``codebook merge``, ``codebook load``). A merge then waits for the writers using its code to
    commit and moves what they made; a writer that comes second waits for the merge and sees the
    code retired. A no-op read on SQLite, where every write transaction holds the database's write
    lock from its start (``BEGIN IMMEDIATE``, :func:`_sqlite_begin`)."""
    from .models import Code

    if session.get_bind().dialect.name == "sqlite":
        if code_ids is None:
            return {c.id: c for c in session.scalars(select(Code))}
        rows = {cid: session.get(Code, cid) for cid in set(code_ids)}
        return {cid: c for cid, c in rows.items() if c is not None}
    query = select(Code).order_by(Code.id).with_for_update(read=not exclusive) \
        .execution_options(populate_existing=True)
    if code_ids is not None:
        ids = sorted(set(code_ids))
        if not ids:
            return {}
        query = query.where(Code.id.in_(ids))
    return {c.id: c for c in session.scalars(query)}


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    dbapi_conn.isolation_level = None  # transactions are begun by _sqlite_begin, not by pysqlite
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    try:
        mode = cur.execute("PRAGMA journal_mode=WAL").fetchone()
        if mode and str(mode[0]).lower() == "wal":
            cur.execute("PRAGMA synchronous=NORMAL")
    except Exception:  # an in-memory or read-only database keeps its journal mode
        pass
    cur.close()


def _sqlite_begin(conn) -> None:
    """Begin a SQLite transaction: a write one takes the write lock at once (``BEGIN IMMEDIATE``),
    waiting for it at most what is left of the call's lock-wait budget (:func:`lock_wait_budget`;
    the busy timeout outside a library call), and the time it waited is counted there (reset when
    the lock is got). Statements inside, and read transactions, wait the busy timeout as usual."""
    if not conn.get_execution_options().get("workbench_write", False):
        conn.exec_driver_sql("BEGIN")
        return
    budget = _LOCK_WAIT.get()
    if budget is None:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    raw = conn.connection.dbapi_connection
    raw.execute(f"PRAGMA busy_timeout={int(budget.remaining() * 1000)}")
    started = time.monotonic()
    try:
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        budget.waited += time.monotonic() - started
        raise
    finally:
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    budget.waited = 0.0


def _alembic_config(url: str):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg
