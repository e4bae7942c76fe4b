"""The file given to `restore` is read, never changed (README, "Moving a project from SQLite to
PostgreSQL"): not its bytes, not its time stamp, and no ``-wal``/``-shm`` files beside it. From a
probe: `restore lap.bak` into PostgreSQL left lap.bak-wal and lap.bak-shm next to the backup (a
backup is a WAL-mode database, and SQLite opens one, even read-only, through those files). Runs on
both databases: SQLite restores the backup as a file copy, PostgreSQL copies its rows."""

from __future__ import annotations

import hashlib
import os

import pytest
from click.testing import CliRunner

from workbench.backup import backup, restore
from workbench.cli import cli
from workbench.coding import add_memo, list_memos

from tests.app_fixtures import build_small

OLD = 1_600_000_000  # a time stamp long past: any write to the file would move it


def _state(folder):
    """What a look at the folder shows: every file's name, bytes (hash) and time stamp."""
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mtime_ns)
            for p in sorted(folder.iterdir())}


@pytest.fixture
def lite(tmp_path):
    db = build_small(tmp_path / "lite")
    yield db
    db.dispose()


def test_restore_leaves_the_backup_and_its_folder_as_they_were(db, lite, tmp_path):
    folder = tmp_path / "sikkerhetskopier"
    folder.mkdir()
    backup(lite, folder / "lap.bak", user="kari")
    os.utime(folder / "lap.bak", (OLD, OLD))
    before = _state(folder)
    out = CliRunner().invoke(cli, ["--db", db.url, "--user", "kari", "restore", str(folder / "lap.bak")], obj={})
    assert out.exit_code == 0, out.output
    assert _state(folder) == before  # no lap.bak-wal, no lap.bak-shm, same bytes, same time
    db.dispose()
    assert sorted(m.text for m in list_memos(db, user="kari")) == sorted(m.text for m in list_memos(lite, user="kari"))


def test_the_project_file_in_use_is_restored_with_its_last_changes(db, lite):
    """The SQLite project file itself may be given, also while the app has it open: its newest
    commits are still in its -wal file then, and must come along (the file is not read as
    immutable then)."""
    add_memo(lite, "Skrevet rett før flyttingen.", source="fg_fase1.txt", user="kari")
    path = lite.url.removeprefix("sqlite:///")
    assert os.path.exists(path + "-wal")  # the pool keeps the connection open: the memo is in the WAL
    restore(db, path, user="kari")
    db.dispose()
    assert "Skrevet rett før flyttingen." in [m.text for m in list_memos(db, user="kari")]
