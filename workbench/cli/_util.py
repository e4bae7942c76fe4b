"""Helpers shared by the CLI modules.

Start-up matters here (every command should answer in well under half a second): nothing heavy is
imported at module level (SQLAlchemy and the store on first use of a database; pandas, spaCy,
scikit-learn and Streamlit only inside the commands that need them), and a database already at
the newest schema revision is opened without Alembic (``Database.ensure``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Iterable

import click

if TYPE_CHECKING:
    from ..store import Database


def head_revision() -> str | None:
    """The newest Alembic revision id (``store.db.head_revision``)."""
    from ..store.db import head_revision as head

    return head()


def schema_is_current(db: Database) -> bool:
    """Whether the database's Alembic revision is the newest one: one small query, no Alembic."""
    return db.is_current()


def open_db(ctx: click.Context, *, create: bool = False) -> Database:
    """The database named by --db / WORKBENCH_DB. An up-to-date database is opened as it is; an
    older one is upgraded to the newest schema first (Alembic). A SQLite file that does not exist
    is created only by the commands that start a project (``create=True``: init, ingest, codebook
    load, user add, import qdpx); every other command refuses it with one line, so a typo in
    --db never reads (or writes a report from) a new, empty database."""
    from ..store import Database

    return Database(ctx.obj.get("db_url"), create=create).ensure()


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
