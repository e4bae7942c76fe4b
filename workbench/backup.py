"""Backups of the project database and their restore.

- SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
  page by page while others keep reading and writing; the backup is itself a SQLite database.
- PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot in one transaction, while others
  work) and ``pg_restore`` for the way back. The PostgreSQL client programs must be installed
  (Debian: ``postgresql-client``); their version must be at least the server's.

``restore`` goes into an *empty* database only (no sources, no codings), so it never overwrites
work; restore into a new database and point ``WORKBENCH_DB`` at it. The kind of a backup file is
read from its first bytes. A SQLite backup (or a SQLite database file) restored into PostgreSQL is
*copied* row by row (:func:`copy_database`): the way a project moves from a laptop to a team
server, with its users and passwords, released quotes, settings and audit trail. A PostgreSQL
backup cannot go into SQLite.
"""

from __future__ import annotations

import glob
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError

from .access import requires
from .errors import InputError, WorkbenchError
from .store import Database

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"

__all__ = ["backup", "restore", "backup_kind", "copy_database"]
COPY_BATCH = 1000  # rows per INSERT statement when copying a database


def _sqlite_path(db: Database) -> str:
    path = make_url(db.url).database
    if not path or path == ":memory:":
        raise InputError("an in-memory database cannot be backed up; use a database file",
                         code="backup.memory")
    return path


def _pg_tool(name: str) -> str:
    """The newest ``pg_dump``/``pg_restore`` on PATH or in Debian's /usr/lib/postgresql/*/bin."""
    found = shutil.which(name)
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0)
    if candidates:
        return candidates[-1]
    if found:
        return found
    raise WorkbenchError(f"{name} is not installed; install the PostgreSQL client programs "
                         "(Debian: apt-get install postgresql-client)", code="backup.no_pg_tools", tool=name)


def _pg_args(db: Database) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL tools, the password in the environment (not argv)."""
    url = make_url(db.url)
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    args = []
    if url.host:
        args += ["--host", str(url.host)]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", str(url.username)]
    for key, value in (url.query or {}).items():
        if key == "host":  # a socket directory given as ?host=/path
            args += ["--host", str(value)]
    args += ["--dbname", str(url.database)]
    return args, env


def backup_kind(path: Path | str) -> str:
    """``"sqlite"`` or ``"postgresql"`` from a backup file's first bytes; InputError otherwise."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}); check the path", code="backup.unreadable",
                         path=str(path)) from None
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_MAGIC):
        return "postgresql"
    raise InputError(f"{path}: not a workbench backup (neither a SQLite database nor a pg_dump custom-format "
                     "file); give a file made by `workbench backup`", code="backup.not_backup", path=str(path))


@requires("manage_data")
def backup(db: Database, out: Path | str, *, user: str | None = None) -> dict[str, Any]:
    """Write a consistent snapshot of the database to ``out`` while others may keep working.
    Returns ``{"file", "kind", "bytes"}``. An existing ``out`` is refused (never overwritten)."""
    out = Path(out)
    if out.exists():
        raise InputError(f"{out}: exists already; give a new file name (a backup never overwrites)",
                         code="backup.exists", path=str(out))
    if not out.parent.exists():  # made as every -o folder is; readable by its owner only, as the backup
        try:
            out.parent.mkdir(parents=True, mode=0o700)
        except OSError as exc:
            raise InputError(f"{out.parent}: no such folder, and it cannot be made ({exc.strerror}); "
                             "choose another -o path", code="backup.no_folder", path=str(out.parent)) from None
    # the backup holds every transcript: readable by its owner only (umask-independent, before data goes in)
    try:
        os.close(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise InputError(f"{out}: exists already; give a new file name (a backup never overwrites)",
                         code="backup.exists", path=str(out)) from None
    except OSError as exc:
        from .export.writers import cannot_write

        raise cannot_write(out, "backup", exc) from None
    try:
        kind = _write_backup(db, out)
    except BaseException as exc:
        out.unlink(missing_ok=True)  # never a half-written backup that looks like one
        if isinstance(exc, (OSError, sqlite3.Error)):
            raise WorkbenchError(f"{out}: the backup could not be written ({exc}); nothing was left behind; "
                                 "free some space or choose another -o path", code="backup.failed") from None
        raise
    size = out.stat().st_size
    _record_backup(db, out, kind, size, user)
    return {"file": str(out), "kind": kind, "bytes": size}


def _record_backup(db: Database, out: Path, kind: str, size: int, user: str | None) -> None:
    """The audit event of the backup just written, tried again on its own when another writer is
    in the way (never the copy: a rerun of the whole call would find ``out`` there and say it
    "exists already"). When the database stays locked past the call's lock-wait budget, the
    backup is removed (every backup of the transcripts is in the audit trail) and the error says
    so; run it again."""
    from .access import _with_retries
    from .errors import Busy

    def record() -> None:
        with db.transaction(user) as tx:
            tx.audit("backup", "database", None, {"file": out.name, "kind": kind, "bytes": size})

    try:
        _with_retries(record, (), {})
    except Busy as exc:
        out.unlink(missing_ok=True)
        raise Busy(f"{exc}; the backup was copied, but it could not be recorded in the audit trail, so {out} "
                   "was removed (nothing was left behind): run the backup again", code=exc.code,
                   **exc.params) from None


def _write_backup(db: Database, out: Path) -> str:
    """Copy the database into the (new, empty, owner-only) file ``out``; returns its kind."""
    os.chmod(out, 0o600)
    if db.dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path(db), timeout=30)
        try:
            target = sqlite3.connect(str(out))
            try:
                source.backup(target, pages=1024)  # in steps: writers are not held up for the whole copy
            finally:
                target.close()
        finally:
            source.close()
        return "sqlite"
    args, env = _pg_args(db)
    done = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(out), *args],
                          env=env, capture_output=True, text=True)
    os.chmod(out, 0o600)
    if done.returncode != 0:
        raise WorkbenchError(f"pg_dump failed: {done.stderr.strip().splitlines()[-1] if done.stderr else ''}",
                             code="backup.failed")
    return "postgresql"


def _empty(db: Database) -> bool:
    """Whether ``db`` holds no sources and no codings (a new database). A database that cannot be
    opened (no server, no such PostgreSQL database) is one line, not a traceback."""
    from sqlalchemy import func, inspect, select

    from .store import Coding, Source

    try:
        if "sources" not in inspect(db.engine).get_table_names():
            return True
        with db.session() as s:
            return not (s.scalar(select(func.count()).select_from(Source)) or
                        s.scalar(select(func.count()).select_from(Coding)))
    except OperationalError as exc:
        raise _cannot_open(db, exc) from None


def _cannot_open(db: Database, exc: OperationalError) -> WorkbenchError:
    error = db.cannot_open(exc)
    if db.dialect == "postgresql":  # the usual cause: the database (or its role) is not made yet
        return WorkbenchError(f"{error}; a PostgreSQL database must exist before a restore or copy: create an "
                              "empty one first (createdb --owner ROLE NAME)", code=error.code, **error.params)
    return error


def _not_empty() -> WorkbenchError:
    return WorkbenchError("the target database is not empty; restore into a new database "
                          "(another WORKBENCH_DB) so that no work is overwritten", code="backup.not_empty")


def _revision(db: Database) -> str | None:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _parent_first(table, rows: list) -> list:
    """``rows`` of a table that points at itself (codes.parent_id) ordered parents first, so that
    every row's foreign key is satisfied when it is inserted."""
    fks = [fk for fk in table.foreign_keys if fk.column.table is table]
    if not fks:
        return rows
    child, parent = fks[0].parent.name, fks[0].column.name
    by_key = {r[parent]: r for r in rows}
    done, out = set(), []

    def visit(row, seen=()):
        key = row[parent]
        if key in done:
            return
        up = row[child]
        if up is not None and up in by_key and up not in seen:
            visit(by_key[up], (*seen, key))
        done.add(key)
        out.append(row)

    for row in rows:
        visit(row)
    return out


@requires("manage_data")
def copy_database(db: Database, target: Database | str, *, user: str | None = None) -> dict[str, Any]:
    """Copy every row of ``db`` (any backend; a SQLite project on its way to a team server) into
    ``target`` (a URL or Database; usually an empty PostgreSQL database made with ``createdb``).

    Both are upgraded to this version's schema first, so their revisions are the same; ``target``
    must be empty (no sources, no codings: the rule of :func:`restore`), and whatever an
    initialised but empty target holds (a user added after ``init``) is replaced. The tables are
    copied with SQLAlchemy Core in foreign-key order, in batches, in one transaction on the
    target (all or nothing); PostgreSQL's id sequences are then set past the largest copied id.
    Users with their passwords, roles and e-mail, codings, memos, released quotes, settings and the
    audit trail come along; log-in tokens do not (everyone logs in again, as after a restore).
    One audit event ``copy_database`` is appended to the copy. Same capability as :func:`backup`.
    Returns ``{"from", "to", "tables", "rows"}`` (``tables``: rows per table).

    A value the target refuses (SQLite does not enforce a text column's length, PostgreSQL does)
    is one line naming the table (and, for a too long text, the column and row) with nothing
    copied; the values themselves are never shown."""
    made = not isinstance(target, Database)
    target = Database(target, hide_parameters=True) if made else target
    try:
        return _copy_database(db, target, user=user)
    finally:
        if made:
            target.dispose()


def _copy_database(db: Database, target: Database, *, user: str | None) -> dict[str, Any]:
    import datetime as dt

    from sqlalchemy import DateTime, String, delete, select, text
    from sqlalchemy.orm import Session

    from .store import AuditEvent, Base, LoginToken
    from .store.db import default_user, get_or_create_user

    if target.url == db.url:
        raise InputError("a database cannot be copied into itself; give another target database",
                         code="backup.same_database")
    if not _empty(target):  # (also: a target that cannot be opened is one line naming createdb)
        raise _not_empty()
    db.upgrade()
    target.upgrade()
    source_rev, target_rev = _revision(db), _revision(target)
    if source_rev != target_rev:  # (both were just upgraded to head: only a newer workbench's database)
        raise WorkbenchError(f"the source database is at schema revision {source_rev}, the target at {target_rev}; "
                             "open both with the same workbench version", code="backup.revision_mismatch",
                             source=source_rev, target=target_rev)
    tables = [t for t in Base.metadata.sorted_tables if t.name != LoginToken.__tablename__]
    counts: dict[str, int] = {}
    connected, current = False, None
    try:
        with db.engine.connect() as src, target.engine.connect() as dst, dst.begin():
            connected = True
            with src.begin():  # one read transaction: a consistent snapshot of the source
                for table in reversed(Base.metadata.sorted_tables):  # an initialised target's leftovers
                    dst.execute(delete(table))
                for table in tables:
                    current = table.name
                    order = [c for c in table.primary_key.columns]
                    result = src.execute(select(table).order_by(*order))
                    if any(fk.column.table is table for fk in table.foreign_keys):
                        rows = _parent_first(table, [dict(r._mapping) for r in result])
                        batches = [rows[i:i + COPY_BATCH] for i in range(0, len(rows), COPY_BATCH)]
                    else:
                        batches = ([dict(r._mapping) for r in part] for part in result.partitions(COPY_BATCH))
                    counts[table.name] = 0
                    aware = [c.name for c in table.columns
                             if isinstance(c.type, DateTime) and c.type.timezone]
                    bounded = ([(c.name, c.type.length) for c in table.columns
                                if isinstance(c.type, String) and c.type.length] if target.dialect != "sqlite" else [])
                    for batch in batches:
                        if batch:
                            for row in batch:  # SQLite does not enforce lengths; PostgreSQL refuses the batch
                                for name, length in bounded:
                                    value = row[name]
                                    if isinstance(value, str) and len(value) > length:
                                        raise _too_long(table, name, length, len(value), row)
                            if aware:  # SQLite keeps the UTC times without their zone: say it is UTC
                                for row in batch:
                                    for name in aware:
                                        value = row[name]
                                        if value is not None and value.tzinfo is None:
                                            row[name] = value.replace(tzinfo=dt.timezone.utc)
                            dst.execute(table.insert(), batch)
                            counts[table.name] += len(batch)
            current = None
            if target.dialect == "postgresql":  # the next id after the largest copied one
                for table in tables:
                    pk = list(table.primary_key.columns)
                    if len(pk) == 1 and pk[0].autoincrement in (True, "auto") and \
                            pk[0].type.python_type is int:
                        dst.execute(text(f"SELECT setval(pg_get_serial_sequence(:t, :c), "
                                         f"COALESCE(MAX({pk[0].name}), 1), MAX({pk[0].name}) IS NOT NULL) "
                                         f"FROM {table.name}"), {"t": table.name, "c": pk[0].name})
            done = {"from": db.dialect, "to": target.dialect, "tables": counts, "rows": sum(counts.values())}
            with Session(bind=dst) as session:  # the audit event: in the copy's own transaction
                actor = get_or_create_user(session, default_user(user))
                session.add(AuditEvent(user_id=actor.id, action="copy_database", target_type="database",
                                       detail={"from": db.dialect, "to": target.dialect, "rows": done["rows"]}))
                session.flush()
    except OperationalError as exc:
        raise _copy_failed(target, exc) if connected else target.cannot_open(exc) from None
    except DBAPIError as exc:  # a value the target refuses (IntegrityError, DataError ...): one line, no values
        from .store.db import _one_line

        where = f"table {current}" if current else "the copy"
        raise WorkbenchError(f"copying into {target.shown_url} failed at {where}: "
                             f"{_one_line(getattr(exc, 'orig', exc))}; nothing was copied (fix the value in the "
                             "source project and copy again)", code="backup.copy_refused",
                             table=current or "?") from None
    target.dispose()
    return done


def _too_long(table: Any, column: str, length: int, found: int, row: dict[str, Any]) -> WorkbenchError:
    """The one line for a SQLite value too long for the target's column (no value shown)."""
    key = ", ".join(f"{c.name} {row.get(c.name)}" for c in table.primary_key.columns)
    return WorkbenchError(f"cannot copy table {table.name}, row {key}: column {column} holds {found} characters, "
                          f"the target allows {length}; shorten it in the source project and copy again "
                          "(nothing was copied)", code="backup.value_too_long", table=table.name, column=column,
                          row=key, length=length, found=found)


def _copy_failed(target: Database, exc: OperationalError) -> WorkbenchError:
    from .store.db import database_error

    return database_error(target.shown_url, exc)


def _open_read_only(path: Path) -> sqlite3.Connection:
    """A connection that reads the SQLite file ``path`` and changes nothing beside it: no byte of
    the file, its time stamp, nor a ``-wal``/``-shm`` file appearing next to it.

    A backup is a database in WAL mode (its header says so), and SQLite opens such a file, even
    read-only (``mode=ro``), by creating the ``-wal`` and ``-shm`` files beside it and leaving them
    there. When no ``-wal`` file is there, the whole database is in the file itself and nobody has it
    open for writing (a writer in WAL mode keeps its ``-wal`` file while connected), so it is read as
    ``immutable`` (no locks, no side files). When a ``-wal`` file is there (the database file of a
    project in use was given), its last commits are in it: the file is read ``mode=ro`` with
    SQLite's locks, through the side files that are there already."""
    path = Path(path).resolve()
    with path.open("rb") as fh:  # (backup_kind has read it already: it is there and readable)
        head = fh.read(20)
    wal_mode = len(head) == 20 and head[18] == 2 and head[19] == 2
    live = Path(f"{path}-wal").exists()
    mode = "mode=ro&immutable=1" if wal_mode and not live else "mode=ro"
    return sqlite3.connect(f"{path.as_uri()}?{mode}", uri=True)


def restore(db: Database, backup_file: Path | str, *, user: str | None = None) -> dict[str, Any]:
    """Restore ``backup_file`` (made by :func:`backup`) into ``db``, which must be empty (no
    sources and no codings; a new database). The restored database is then upgraded to this
    version's schema. Returns ``{"file", "kind"}`` (and ``"rows"`` for a copy).

    A SQLite backup (or a SQLite database file) restored into PostgreSQL is copied row by row:
    :func:`copy_database` from a private copy of the file, upgraded, so the file itself is never
    changed (nor are ``-wal``/``-shm`` files left beside it: :func:`_open_read_only`). That is checked as a backup is: ``user`` must have ``manage_data`` in the backup.

    A restore logs everyone out of the app: every log-in token (``login_tokens``) is deleted, so
    that no token revoked after the backup was made (a changed password, a log-out) works again.

    Not behind a capability: the target is empty, so there is no user in it to ask; whoever can
    write the database's file or server can restore into it."""
    backup_file = Path(backup_file)
    kind = backup_kind(backup_file)
    if kind == "sqlite" and db.dialect == "postgresql":
        return _restore_by_copy(db, backup_file, user=user)
    if kind != db.dialect:
        raise InputError(f"{backup_file.name}: a {kind} backup cannot be restored into a {db.dialect} database; "
                         f"restore it into a {kind} database", code="backup.wrong_kind", kind=kind)
    if not _empty(db):
        raise _not_empty()
    if kind == "sqlite":
        db.dispose()
        source = _open_read_only(backup_file)
        target = sqlite3.connect(_sqlite_path(db), timeout=30)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        db.dispose()
    else:
        args, env = _pg_args(db)
        # an initialised but empty schema is dropped first; a fresh database has nothing to drop
        done = subprocess.run([_pg_tool("pg_restore"), "--no-owner", "--clean", "--if-exists",
                               "--exit-on-error", *args, str(backup_file)], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise WorkbenchError(f"pg_restore failed: {done.stderr.strip().splitlines()[-1] if done.stderr else ''}",
                                 code="backup.failed")
        db.dispose()
    db.upgrade()
    _drop_login_tokens(db)
    return {"file": str(backup_file), "kind": kind}


def _restore_by_copy(db: Database, backup_file: Path, *, user: str | None) -> dict[str, Any]:
    """A SQLite backup into PostgreSQL: copy a snapshot of it (never changed) into ``db``."""
    import tempfile

    if not _empty(db):  # before the work of copying
        raise _not_empty()
    with tempfile.TemporaryDirectory(prefix="workbench_copy_") as folder:
        snapshot = Path(folder) / "kopi.db"
        source = _open_read_only(backup_file)
        target = sqlite3.connect(str(snapshot))
        try:
            source.backup(target)
        except sqlite3.DatabaseError as exc:
            raise InputError(f"{backup_file.name}: cannot be read as a SQLite database ({exc}); give a file made "
                             "by `workbench backup`", code="backup.not_backup", path=str(backup_file)) from None
        finally:
            target.close()
            source.close()
        os.chmod(snapshot, 0o600)
        copy = Database(f"sqlite:///{snapshot}")
        try:
            done = copy_database(copy, db, user=user)
        finally:
            copy.dispose()
    return {"file": str(backup_file), "kind": "sqlite", "rows": done["rows"], "tables": done["tables"]}


def _drop_login_tokens(db: Database) -> None:
    """Delete every log-in token of a restored database (everyone logs in again)."""
    from sqlalchemy import delete

    from .store import LoginToken
    from .users import SYSTEM_USER

    with db.transaction(SYSTEM_USER) as tx:
        tx.session.execute(delete(LoginToken))
