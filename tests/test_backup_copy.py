"""Moving a project from SQLite to PostgreSQL (``restore`` of a SQLite backup into an empty
PostgreSQL database copies its rows: ``backup.copy_database``), restore into a PostgreSQL database
that does not exist, and database passwords never shown. From a probe tester's set-up of a team
server from the README."""

from __future__ import annotations

import os
import itertools

import pytest
from click.testing import CliRunner
from sqlalchemy import text as sql_text

from workbench.backup import backup, copy_database, restore
from workbench.cli import cli
from workbench.coding import add_memo, apply_code, list_codings
from workbench.errors import PermissionDenied, WorkbenchError
from workbench.sharing import released_quotes, set_setting
from workbench.store import Base, Database
from workbench.users import authenticate, list_audit

from tests.app_fixtures import USERS, build_small

pytestmark = pytest.mark.postgres
_names = itertools.count()


def _admin(base: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{base}/postgres".replace("postgresql+psycopg://", "postgresql://"),
                         autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture
def empty_pg(pg_url):
    """A new, empty PostgreSQL database as `createdb` makes it (no tables): its URL."""
    name = f"wb_copy_{os.getpid()}_{next(_names)}"
    _admin(pg_url, f"CREATE DATABASE {name}")
    yield f"{pg_url}/{name}"
    _admin(pg_url, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def lite(tmp_path):
    """The small project on SQLite (users with passwords, codings by two coders, a released quote,
    suggestions) plus memos, a setting and their audit trail."""
    db = build_small(tmp_path / "lite")
    add_memo(db, "Kapasitet er et gjennomgående tema.", source="fg_fase1.txt", user="kari")
    add_memo(db, "Tillit nevnes som viktigst.", segment=("fg_fase1.txt", 3), user="kari")
    set_setting(db, "min_cell_speakers", 4, user="kari")
    yield db
    db.dispose()


def _naive(at):
    import datetime as dt

    return at.astimezone(dt.timezone.utc).replace(tzinfo=None) if at.tzinfo is not None else at


def _utc(record):
    """A record with its time as naive UTC (SQLite keeps UTC times without their zone)."""
    import dataclasses
    import datetime as dt

    at = record.created_at
    if at.tzinfo is not None:
        at = at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return dataclasses.replace(record, created_at=at)


def _rows(db: Database) -> dict[str, int]:
    with db.engine.connect() as conn:
        return {t.name: conn.execute(sql_text(f'SELECT COUNT(*) FROM "{t.name}"')).scalar()
                for t in Base.metadata.sorted_tables}


def test_sqlite_project_restored_into_postgresql_keeps_users_releases_settings_and_audit(lite, empty_pg, tmp_path):
    before = _rows(lite)
    audit_before = list_audit(lite, user="kari")  # (the backup's own event is written after its snapshot)
    backup(lite, tmp_path / "lite.bak", user="kari")
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", empty_pg, "--user", "kari", "restore", str(tmp_path / "lite.bak")], obj={})
    assert out.exit_code == 0, out.output
    assert "Kopierte" in out.output and "Alle må logge inn på nytt" in out.output
    pg = Database(empty_pg)
    try:
        after = _rows(pg)
        assert after.pop("login_tokens") == 0  # tokens are never copied: everyone logs in again
        before.pop("login_tokens")
        assert after.pop("audit_events") == before.pop("audit_events") + 1  # the copy is audited
        assert after == before, {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        assert all(after[t] for t in ("users", "codings", "memos", "released_quotes", "settings", "sources",
                                      "segments", "speakers", "codes", "suggestions", "pseudonyms"))
        # the content, not only the counts
        assert [_utc(c) for c in list_codings(pg, user="kari")] == [_utc(c) for c in list_codings(lite, user="kari")]
        cols = ["id", "code", "label", "speaker", "actor", "phase", "text", "released_by"]
        assert released_quotes(pg, user="kari")[cols].equals(released_quotes(lite, user="kari")[cols])
        audit_after = list_audit(pg, user="kari")
        assert audit_after[-1].action == "copy_database" and audit_after[-1].user == "kari"
        assert [(a.id, a.user, a.action, a.target, a.detail, _naive(a.at)) for a in audit_after[:-1]] == \
            [(a.id, a.user, a.action, a.target, a.detail, _naive(a.at)) for a in audit_before]
        with pg.engine.connect() as conn:
            assert conn.execute(sql_text("SELECT value FROM settings WHERE key = 'min_cell_speakers'")).scalar() \
                in ("4", 4)
            memos = set(conn.execute(sql_text("SELECT text FROM memos")).scalars())
        assert "Tillit nevnes som viktigst." in memos
        # a copied password logs in, and new rows get new ids (the sequences were reset)
        assert authenticate(pg, "rolf", USERS["rolf"][1]).role == "resource_group"
        n = len(list_codings(pg, user="kari"))
        apply_code(pg, "intervju_fase2.txt", 3, "kontrakt.hybrid", user="kari")
        add_memo(pg, "Nytt notat etter flyttingen.", source="intervju_fase2.txt", user="kari")
        assert len(list_codings(pg, user="kari")) == n + 1
        # the target is not empty any more: a second copy is refused, as a second restore is
        again = runner.invoke(cli, ["--db", empty_pg, "restore", str(tmp_path / "lite.bak")], obj={})
        assert again.exit_code == 1 and "not empty" in again.output and "Traceback" not in again.output
    finally:
        pg.dispose()


def test_copy_database_straight_from_the_sqlite_file_into_an_initialised_empty_database(lite, empty_pg):
    """The library function: from the project file itself into a database `workbench init` set up
    (a user added there meanwhile is replaced by the project's users); the copy is permission
    checked like a backup."""
    target = Database(empty_pg)
    target.upgrade()
    try:
        with pytest.raises(PermissionDenied):
            copy_database(lite, target, user="rolf")  # the resource group may not take the whole project
        assert _rows(target)["users"] == 0
        done = copy_database(lite, target, user="kari")
        assert done["to"] == "postgresql" and done["tables"]["codings"] == _rows(lite)["codings"]
        assert authenticate(target, "kari", USERS["kari"][1]).name == "kari"
        with pytest.raises(WorkbenchError) as refused:
            copy_database(lite, target, user="kari")
        assert refused.value.code == "backup.not_empty"
    finally:
        target.dispose()


@pytest.mark.parametrize("kind", ["postgresql", "sqlite"])
def test_restore_into_a_postgresql_database_that_does_not_exist_is_one_line(kind, pg_url, empty_pg, lite, tmp_path):
    if kind == "sqlite":
        backup(lite, tmp_path / "prosjekt.bak", user="kari")
    else:
        source = Database(empty_pg)
        source.upgrade()
        backup(source, tmp_path / "prosjekt.bak", user="kari")
        source.dispose()
    missing = pg_url.replace("postgresql+psycopg://postgres@", "postgresql+psycopg://postgres:hemmelig-pw@") \
        + "/nosuchdb"
    out = CliRunner().invoke(cli, ["--db", missing, "restore", str(tmp_path / "prosjekt.bak")], obj={})
    assert out.exit_code == 1
    assert out.output.count("\n") == 1 and out.output.startswith("Error: cannot open database"), out.output
    assert "createdb" in out.output and "nosuchdb" in out.output
    assert "hemmelig-pw" not in out.output and "Traceback" not in out.output


def test_no_command_prints_the_database_password(pg_url, empty_pg, monkeypatch):
    """`init` printed "Database ready: postgresql+psycopg://workbench:wbpass@...", `serve` the same
    into the server log, and an unreachable server's error line too."""
    secret = empty_pg.replace("postgresql+psycopg://postgres@", "postgresql+psycopg://postgres:hemmelig-pw@")
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", secret, "init"], obj={})
    assert out.exit_code == 0, out.output
    assert "hemmelig-pw" not in out.output and "postgres:***@" in out.output
    # serve says where it starts (the server itself is not run here)
    import workbench.cli.serve as serve_module

    monkeypatch.setattr(serve_module, "run_app", lambda *a, **k: 0)
    monkeypatch.setattr(serve_module, "port_taken_note", lambda *a, **k: None)
    out = runner.invoke(cli, ["--db", secret, "serve", "--port", "18999"], obj={})
    assert "hemmelig-pw" not in out.output and "postgres:***@" in out.output, out.output
    # a server that does not answer: the error line hides it too
    port = int(pg_url.rsplit(":", 1)[1])
    dead = secret.replace(f":{port}/", f":{port + 1}/")
    out = runner.invoke(cli, ["--db", dead, "sources"], obj={})
    assert out.exit_code == 1 and "cannot open database" in out.output
    assert "hemmelig-pw" not in out.output and "Traceback" not in out.output


def test_a_sqlite_value_too_long_for_postgresql_is_one_line_naming_table_column_and_row(lite, empty_pg):
    """SQLite does not enforce a text column's length; PostgreSQL refuses the whole batch, and the
    driver's error would list up to a batch of rows' values (transcript text, names)."""
    with lite.engine.begin() as conn:
        source_id = conn.execute(sql_text("SELECT id FROM sources ORDER BY id LIMIT 1")).scalar()
        conn.execute(sql_text("UPDATE sources SET phase = :p WHERE id = :i"), {"p": "f" * 50, "i": source_id})
        said = conn.execute(sql_text("SELECT substr(canonical_text, 1, 40) FROM sources LIMIT 1")).scalar()
    with pytest.raises(WorkbenchError) as refused:
        copy_database(lite, empty_pg, user="kari")
    message = str(refused.value)
    assert refused.value.code == "backup.value_too_long" and "\n" not in message
    assert "table sources" in message and "column phase" in message and f"id {source_id}" in message
    assert "shorten" in message and "f" * 50 not in message and said not in message
    target = Database(empty_pg)
    try:
        assert _rows(target)["sources"] == 0 and _rows(target)["audit_events"] == 0
    finally:
        target.dispose()
