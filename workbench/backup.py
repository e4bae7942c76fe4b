"""Backups of the project database and their restore.

- SQLite: SQLite's online backup API (``sqlite3.Connection.backup``) copies a consistent snapshot
  page by page while others keep reading and writing; the backup is itself a SQLite database.
- PostgreSQL: ``pg_dump --format=custom`` (a consistent snapshot in one transaction, while others
  work) and ``pg_restore`` for the way back. The PostgreSQL client programs must be installed
  (Debian: ``postgresql-client``); their version must be at least the server's.

``restore`` goes into an *empty* database only (no sources, no codings), so it never overwrites
work; restore into a new database and point ``WORKBENCH_DB`` at it. The kind of a backup file is
read from its first bytes, so a SQLite backup cannot be restored into PostgreSQL by mistake.
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

from .access import requires
from .errors import InputError, WorkbenchError
from .store import Database

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_MAGIC = b"PGDMP"

__all__ = ["backup", "restore", "backup_kind"]


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
    os.close(os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    os.chmod(out, 0o600)
    if db.dialect == "sqlite":
        source = sqlite3.connect(_sqlite_path(db), timeout=30)
        target = sqlite3.connect(str(out))
        copied = False
        try:
            source.backup(target, pages=1024)  # in steps: writers are not held up for the whole copy
            copied = True
        finally:
            target.close()
            source.close()
            if not copied:
                out.unlink(missing_ok=True)  # never a half-written backup that looks like one
        kind = "sqlite"
    else:
        args, env = _pg_args(db)
        done = subprocess.run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--file", str(out), *args],
                              env=env, capture_output=True, text=True)
        os.chmod(out, 0o600)
        if done.returncode != 0:
            out.unlink(missing_ok=True)
            raise WorkbenchError(f"pg_dump failed: {done.stderr.strip().splitlines()[-1] if done.stderr else ''}",
                                 code="backup.failed")
        kind = "postgresql"
    with db.transaction(user) as tx:
        tx.audit("backup", "database", None, {"file": out.name, "kind": kind, "bytes": out.stat().st_size})
    return {"file": str(out), "kind": kind, "bytes": out.stat().st_size}


def _empty(db: Database) -> bool:
    from sqlalchemy import func, inspect, select

    from .store import Coding, Source

    if "sources" not in inspect(db.engine).get_table_names():
        return True
    with db.session() as s:
        return not (s.scalar(select(func.count()).select_from(Source)) or
                    s.scalar(select(func.count()).select_from(Coding)))


def restore(db: Database, backup_file: Path | str) -> dict[str, Any]:
    """Restore ``backup_file`` (made by :func:`backup`) into ``db``, which must be empty (no
    sources and no codings; a new database). The restored database is then upgraded to this
    version's schema. Returns ``{"file", "kind"}``.

    A restore logs everyone out of the app: every log-in token (``login_tokens``) is deleted, so
    that no token revoked after the backup was made (a changed password, a log-out) works again.

    Not behind a capability: the target is empty, so there is no user in it to ask; whoever can
    write the database's file or server can restore into it."""
    backup_file = Path(backup_file)
    kind = backup_kind(backup_file)
    if kind != db.dialect:
        raise InputError(f"{backup_file.name}: a {kind} backup cannot be restored into a {db.dialect} database; "
                         f"restore it into a {kind} database", code="backup.wrong_kind", kind=kind)
    if not _empty(db):
        raise WorkbenchError("the target database is not empty; restore into a new database "
                             "(another WORKBENCH_DB) so that no work is overwritten", code="backup.not_empty")
    if kind == "sqlite":
        db.dispose()
        source = sqlite3.connect(f"file:{backup_file}?mode=ro", uri=True)
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


def _drop_login_tokens(db: Database) -> None:
    """Delete every log-in token of a restored database (everyone logs in again)."""
    from sqlalchemy import delete

    from .store import LoginToken
    from .users import SYSTEM_USER

    with db.transaction(SYSTEM_USER) as tx:
        tx.session.execute(delete(LoginToken))
