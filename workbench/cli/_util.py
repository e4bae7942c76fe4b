"""Helpers shared by the CLI modules.

Start-up matters here (every command should answer in well under half a second): nothing heavy is
imported at module level (SQLAlchemy and the store on first use of a database; pandas, spaCy,
scikit-learn and Streamlit only inside the commands that need them), and a database already at
the newest schema revision is opened without Alembic (``schema_is_current``).
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import click

if TYPE_CHECKING:
    from ..store import Database

VERSIONS = Path(__file__).resolve().parents[1] / "store" / "migrations" / "versions"
_REVISION = re.compile(r"^(down_revision|revision)\s*=\s*['\"]([^'\"]*)['\"]", re.M)


@functools.lru_cache(maxsize=1)
def head_revision() -> str | None:
    """The newest Alembic revision id, read from the migration files' ``revision`` and
    ``down_revision`` lines (None if that is not one clear head: let Alembic decide)."""
    revisions, parents = set(), set()
    for path in VERSIONS.glob("*.py"):
        found = dict(_REVISION.findall(path.read_text(encoding="utf-8")))
        if "revision" in found:
            revisions.add(found["revision"])
            if found.get("down_revision"):
                parents.add(found["down_revision"])
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 else None


def schema_is_current(db: Database) -> bool:
    """Whether the database's Alembic revision is the newest one: one small query, no Alembic."""
    from sqlalchemy import text

    head = head_revision()
    if head is None:
        return False
    try:
        with db.engine.connect() as conn:
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head
    except Exception:  # no such table (a new database), or it cannot be read: let upgrade() say why
        return False


def open_db(ctx: click.Context, *, create: bool = False) -> Database:
    """The database named by --db / WORKBENCH_DB. An up-to-date database is opened as it is; an
    older one is upgraded to the newest schema first (Alembic). A SQLite file that does not exist
    is created only by the commands that start a project (``create=True``: init, ingest, codebook
    load, user add, import qdpx); every other command refuses it with one line, so a typo in
    --db never reads (or writes a report from) a new, empty database."""
    from ..store import Database

    db = Database(ctx.obj.get("db_url"), create=create)
    if not schema_is_current(db):
        db.upgrade()
    return db


def acting_user(ctx: click.Context, override: str | None = None) -> str:
    from ..store import default_user

    return default_user(override or ctx.obj.get("user"))


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def echo_table(rows: Iterable[dict[str, Any]], columns: list[str]) -> None:
    """Print rows as an aligned plain-text table."""
    rows = list(rows)
    widths = {c: max([len(c)] + [len(_fmt(r.get(c))) for r in rows]) for c in columns}
    click.echo("  ".join(c.ljust(widths[c]) for c in columns))
    for r in rows:
        click.echo("  ".join(_fmt(r.get(c)).ljust(widths[c]) for c in columns))


def _fmt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3g}"
    return str(value)
