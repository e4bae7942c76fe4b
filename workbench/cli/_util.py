"""Helpers shared by the CLI modules."""

from __future__ import annotations

import json
from typing import Any, Iterable

import click

from ..store import Database, default_user


def open_db(ctx: click.Context, *, create: bool = True) -> Database:
    """The database named by --db / WORKBENCH_DB, upgraded to the newest schema."""
    db = Database(ctx.obj.get("db_url"))
    if create:
        db.upgrade()
    return db


def acting_user(ctx: click.Context, override: str | None = None) -> str:
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
