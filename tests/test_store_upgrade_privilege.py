"""A schema upgrade the PostgreSQL role may not make (README "Team on one server": the app runs as
a role that may read and write rows but not create or change tables). The command line, `serve`
and the app say in one line to run `workbench init` as the database's owner; before, all three
showed a 133-line traceback (InsufficientPrivilege: permission denied for schema public)."""

from __future__ import annotations

import itertools
import os

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.errors import WorkbenchError
from workbench.store import Database
from workbench.store.db import _alembic_config

pytestmark = pytest.mark.postgres
_names = itertools.count()
PASSWORD = "rolle-hemmelig"


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture
def limited_url(pg_url):
    """A database one schema revision behind (upgraded, then Alembic downgrade -1 as its owner),
    and the URL of a role with only SELECT/INSERT/UPDATE/DELETE and sequence usage on it."""
    from alembic import command

    name = f"wb_limited_{os.getpid()}_{next(_names)}"
    role = f"wbapp_{os.getpid()}_{next(_names)}"
    _admin(f"{pg_url}/postgres", f"CREATE DATABASE {name}")
    owner = Database(f"{pg_url}/{name}")
    owner.upgrade()
    with owner.engine.connect() as conn, conn.begin():
        cfg = _alembic_config(owner.url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "-1")
    owner.dispose()
    assert not Database(f"{pg_url}/{name}").is_current()
    db_url = f"{pg_url}/{name}"
    _admin(f"{pg_url}/postgres", f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
    for sql in ("REVOKE CREATE ON SCHEMA public FROM PUBLIC",
                f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
                f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"):
        _admin(db_url, sql)
    yield db_url.replace("postgresql+psycopg://postgres@", f"postgresql+psycopg://{role}:{PASSWORD}@")
    _admin(f"{pg_url}/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    _admin(f"{pg_url}/postgres", f"DROP ROLE IF EXISTS {role}")


def test_library_says_run_init_as_the_owner(limited_url):
    db = Database(limited_url)
    try:
        with pytest.raises(WorkbenchError) as exc:
            db.ensure()
    finally:
        db.dispose()
    message = str(exc.value)
    assert exc.value.code == "database.upgrade_privilege"
    assert "\n" not in message and "`workbench init`" in message and "owner" in message
    assert PASSWORD not in message


def test_command_line_shows_one_line_and_exits_1(limited_url):
    out = CliRunner().invoke(cli, ["--db", limited_url, "sources"], obj={})
    assert out.exit_code == 1, out.output
    assert out.output.count("\n") == 1 and out.output.startswith("Error: "), out.output
    assert "workbench init" in out.output and "owner" in out.output
    assert "Traceback" not in out.output and PASSWORD not in out.output


def test_serve_shows_one_line_and_does_not_start(limited_url, monkeypatch):
    import workbench.cli.serve as serve_module

    started = []
    monkeypatch.setattr(serve_module, "run_app", lambda *a, **k: started.append(a) or 0)
    monkeypatch.setattr(serve_module, "port_taken_note", lambda *a, **k: None)
    out = CliRunner().invoke(cli, ["--db", limited_url, "serve", "--port", "18998"], obj={})
    assert out.exit_code == 1 and not started, out.output
    assert out.output.count("\n") == 1 and "workbench init" in out.output and "owner" in out.output
    assert "Traceback" not in out.output and PASSWORD not in out.output


def test_app_page_shows_the_norwegian_line(limited_url, monkeypatch):
    from tests.app_fixtures import app
    from workbench.ui.session import OWNER_MESSAGE

    monkeypatch.setenv("WORKBENCH_DB", limited_url)
    at = app().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [e.value for e in at.error]
    assert errors == [OWNER_MESSAGE], errors
    assert "workbench init" in OWNER_MESSAGE and "eier" in OWNER_MESSAGE
