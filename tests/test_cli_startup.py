"""The command line starts fast (issue 13): no heavy library is imported to show help or to list
sources, and a database at the newest schema is opened without Alembic.

Checked on the modules a fresh interpreter has imported (not on the clock, which depends on the
machine): each check runs the commands in a subprocess and reports ``sys.modules``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("pandas", "numpy", "scipy", "sklearn", "spacy", "thinc", "streamlit", "altair", "matplotlib",
         "openpyxl", "pyarrow")

PROBE = """
import json, sys
from workbench.cli import cli
runs = json.loads(sys.argv[1])
for args in runs:
    try:
        cli.main(args, prog_name="workbench", standalone_mode=False)
    except SystemExit:
        pass
print(json.dumps(sorted(m for m in sys.modules if "." not in m)))
"""


def imported_after(runs: list[list[str]], tmp_path: Path, db_url: str | None = None) -> set[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""),
               WORKBENCH_USER="forsker", WORKBENCH_DB=db_url or f"sqlite:///{tmp_path / 'ingen.db'}")
    done = subprocess.run([sys.executable, "-c", PROBE, json.dumps(runs)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def all_help_runs() -> list[list[str]]:
    import click

    from workbench.cli import cli

    runs = [["--help"]]
    for name, command in sorted(cli.commands.items()):
        runs.append([name, "--help"])
        if isinstance(command, click.Group):
            runs += [[name, sub, "--help"] for sub in sorted(command.commands)]
    return runs


def test_help_of_every_command_imports_no_heavy_library(tmp_path):
    modules = imported_after(all_help_runs(), tmp_path)
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))
    assert "alembic" not in modules and "sqlalchemy" not in modules  # help never opens the database


@pytest.fixture
def current_db(tmp_path):
    """A SQLite database at the newest schema with one source in it."""
    from workbench.ingest import ingest_paths
    from workbench.store import Database

    url = f"sqlite:///{tmp_path / 'wb.db'}"
    db = Database(url)
    db.upgrade()
    (tmp_path / "notat.md").write_text("# Notat\n\nKommunene samarbeider om boliger.\n", encoding="utf-8")
    ingest_paths(db, [tmp_path / "notat.md"], user="forsker")
    db.dispose()
    return url


def test_reading_commands_on_an_up_to_date_database_skip_alembic_and_heavy_libraries(tmp_path, current_db):
    modules = imported_after([["sources"], ["sources", "--json"], ["turns", "notat.md"]], tmp_path, current_db)
    assert "alembic" not in modules
    assert not modules & set(HEAVY), sorted(modules & set(HEAVY))


def test_a_new_or_older_database_is_still_created_or_upgraded(tmp_path):
    from sqlalchemy import text

    from workbench.cli._util import head_revision
    from workbench.store import Database

    from alembic import command

    from workbench.store.db import _alembic_config

    url = f"sqlite:///{tmp_path / 'ny.db'}"
    assert "alembic" in imported_after([["init"]], tmp_path, url)  # (reading commands refuse a missing file)
    db = Database(url)
    with db.engine.begin() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
        cfg = _alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0004")  # a database from before the stored lemmas
    assert "alembic" in imported_after([["sources"]], tmp_path, url)
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    db.dispose()


def test_head_revision_is_the_newest_migration():
    from alembic.script import ScriptDirectory

    from workbench.cli._util import head_revision
    from workbench.store.db import _alembic_config

    assert head_revision() == ScriptDirectory.from_config(_alembic_config("sqlite://")).get_current_head()


def test_demo_and_serve_on_a_busy_port_stop_at_once_with_one_norwegian_line(tmp_path):
    import socket

    from click.testing import CliRunner

    from workbench.cli import cli

    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        db = tmp_path / "demo.db"
        for args in (["--db", str(db), "demo", "--no-train", "--port", str(port)],
                     ["--db", str(db), "serve", "--port", str(port)]):
            result = CliRunner().invoke(cli, args)
            lines = result.output.strip().splitlines()
            assert result.exit_code == 1 and len(lines) == 1, result.output
            assert f"Porten {port} er opptatt" in lines[0] and f"workbench {args[2]} --port " in lines[0]
            assert not db.exists()  # the demo was not built first (minutes) only to fail at the end
