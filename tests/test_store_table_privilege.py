"""A PostgreSQL role without the rights on the project's tables (README "Team on one server": the
app and the coders connect as a role the owner has granted SELECT, INSERT, UPDATE, DELETE on the
tables and USAGE on the sequences). From a probe: a role with SELECT only got a ~100-line
traceback ending in the INSERT's values when it coded; a role without rights on a table a later
`init` added (login_tokens) got one at `user logout`; and a role without any table rights was told
to have the owner run `workbench init`, which changed nothing (the same message came back). Now
each is one line naming the table and what the owner grants, in the library, the command line,
`serve` and the app (in Norwegian)."""

from __future__ import annotations

import itertools
import os

import pytest
from click.testing import CliRunner

from workbench.backup import copy_database
from workbench.cli import cli
from workbench.coding import apply_code, list_codings
from workbench.errors import WorkbenchError
from workbench.store import Database

from tests.app_fixtures import USERS, build_small

pytestmark = pytest.mark.postgres
_names = itertools.count()
PASSWORD = "rolle-hemmelig-7"
DML = "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}"
SEQUENCES = "GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}"


def _admin(url: str, sql: str) -> None:
    import psycopg

    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as conn:
        conn.execute(sql)


class Team:
    """The small project (tests/app_fixtures.py) on a PostgreSQL database its owner set up, and
    roles with the rights a test gives them."""

    def __init__(self, base: str, name: str):
        self.base, self.name, self.roles = base, name, []
        self.owner_url = f"{base}/{name}"

    def role(self, *grants: str) -> tuple[str, str]:
        """A new login role with ``grants`` (``{role}`` filled in) on this database: (name, URL)."""
        role = f"wbrolle_{os.getpid()}_{next(_names)}"
        _admin(f"{self.base}/postgres", f"CREATE ROLE {role} LOGIN PASSWORD '{PASSWORD}'")
        self.roles.append(role)
        for sql in ("REVOKE CREATE ON SCHEMA public FROM PUBLIC", *grants):
            _admin(self.owner_url, sql.format(role=role))
        return role, self.owner_url.replace("postgresql+psycopg://postgres@",
                                            f"postgresql+psycopg://{role}:{PASSWORD}@")


@pytest.fixture
def team(pg_url, tmp_path):
    name = f"wb_rights_{os.getpid()}_{next(_names)}"
    _admin(f"{pg_url}/postgres", f"CREATE DATABASE {name}")
    lite = build_small(tmp_path / "lite")
    try:
        copy_database(lite, f"{pg_url}/{name}", user="kari")
    finally:
        lite.dispose()
    team = Team(pg_url, name)
    yield team
    _admin(f"{pg_url}/postgres", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    for role in team.roles:
        _admin(f"{pg_url}/postgres", f"DROP ROLE IF EXISTS {role}")


def _one_line(out, *expected: str) -> str:
    """The command's output: one ``Error:`` line holding ``expected``, exit status 1."""
    assert out.exit_code == 1, out.output
    assert out.output.count("\n") == 1 and out.output.startswith("Error: "), out.output
    for text in expected:
        assert text in out.output, out.output
    assert "Traceback" not in out.output and PASSWORD not in out.output
    return out.output


def test_a_select_only_role_that_codes_gets_one_line_naming_the_table_and_the_grant(team):
    role, url = team.role("GRANT USAGE ON SCHEMA public TO {role}", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    db = Database(url)
    try:
        with pytest.raises(WorkbenchError) as exc:
            apply_code(db, "intervju_fase2.txt", 3, "kontrakt.hybrid", user="kari")
        assert exc.value.code == "database.privilege"
        # the first table it may not write: codes (the code row is locked FOR SHARE, which needs UPDATE) or codings
        table = exc.value.params["table"]
        assert table in ("codes", "codings") and exc.value.params["role"] == role
        before = len(list_codings(db, user="kari"))  # reading is allowed, and nothing was stored
    finally:
        db.dispose()
    out = CliRunner().invoke(cli, ["--db", url, "--user", "kari", "code", "intervju_fase2.txt", "3",
                                   "kontrakt.hybrid"], obj={})
    line = _one_line(out, f"table {table}", DML.format(role=role), SEQUENCES.format(role=role))
    # the statement and its values (ids, the coder) never reach the screen
    assert "INSERT INTO" not in line and "parameters" not in line and "kontrakt.hybrid" not in line
    owner = Database(team.owner_url)
    try:
        assert len(list_codings(owner, user="kari")) == before
    finally:
        owner.dispose()


def test_a_role_without_rights_on_a_table_added_later_logs_out_with_one_line(team):
    """The role was granted the tables of its day; a later `init` added login_tokens."""
    role, url = team.role("GRANT USAGE ON SCHEMA public TO {role}", DML, SEQUENCES,
                          "REVOKE ALL ON login_tokens FROM {role}")
    out = CliRunner().invoke(cli, ["--db", url, "--user", "kari", "user", "logout", "rita"], obj={})
    _one_line(out, "table login_tokens", DML.format(role=role))


def test_a_table_a_read_cannot_see_is_one_line_too(team):
    """Read-only sessions (``Database.session``) say it the same way."""
    role, url = team.role("GRANT USAGE ON SCHEMA public TO {role}", DML, SEQUENCES,
                          "REVOKE SELECT ON sources FROM {role}")
    out = CliRunner().invoke(cli, ["--db", url, "--user", "kari", "sources"], obj={})
    _one_line(out, "table sources", DML.format(role=role))


def test_a_role_without_table_rights_is_told_what_to_grant_not_to_upgrade(team):
    """Before, the message sent the owner to run `workbench init`, after which it came back."""
    role, url = team.role("GRANT USAGE ON SCHEMA public TO {role}")
    db = Database(url)
    try:
        with pytest.raises(WorkbenchError) as exc:
            db.ensure()
    finally:
        db.dispose()
    assert exc.value.code == "database.privilege"
    runner = CliRunner()
    for _ in range(2):  # before and after the owner's `workbench init`: the same, right advice
        line = _one_line(runner.invoke(cli, ["--db", url, "--user", "kari", "codings"], obj={}),
                         "no rights on the project's tables", DML.format(role=role), SEQUENCES.format(role=role))
        assert "upgrade" not in line and "workbench init" not in line
        assert runner.invoke(cli, ["--db", team.owner_url, "init"], obj={}).exit_code == 0
    for sql in (DML, SEQUENCES):  # what the line said to grant is enough
        _admin(team.owner_url, sql.format(role=role))
    out = runner.invoke(cli, ["--db", url, "--user", "kari", "code", "intervju_fase2.txt", "3", "kontrakt.hybrid"],
                        obj={})
    assert out.exit_code == 0, out.output


def test_serve_says_what_to_grant_and_does_not_start(team, monkeypatch):
    import workbench.cli.serve as serve_module

    role, url = team.role("GRANT USAGE ON SCHEMA public TO {role}")
    started = []
    monkeypatch.setattr(serve_module, "run_app", lambda *a, **k: started.append(a) or 0)
    monkeypatch.setattr(serve_module, "port_taken_note", lambda *a, **k: None)
    out = CliRunner().invoke(cli, ["--db", url, "serve", "--port", "18997"], obj={})
    _one_line(out, DML.format(role=role))
    assert not started


def test_the_app_says_it_in_norwegian(team, monkeypatch):
    """No table rights: the page says so (not "run init as the owner"); SELECT only: logging in
    (which writes the audit trail) is one Norwegian line, not a traceback."""
    from tests.app_fixtures import app, log_in_with_form
    from workbench.ui.format import md_unescape
    from workbench.ui.session import OUTDATED_MESSAGE, OWNER_MESSAGE

    role, url = team.role("GRANT USAGE ON SCHEMA public TO {role}")
    monkeypatch.setenv("WORKBENCH_DB", url)
    at = app().run()
    assert not at.exception, [e.value for e in at.exception]
    errors = [md_unescape(e.value) for e in at.error]
    assert len(errors) == 1 and errors[0] not in (OWNER_MESSAGE, OUTDATED_MESSAGE), errors
    assert f"Databasebrukeren {role} mangler rettigheter" in errors[0] and "eier" in errors[0]

    role, url = team.role("GRANT USAGE ON SCHEMA public TO {role}", "GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}")
    monkeypatch.setenv("WORKBENCH_DB", url)
    at = log_in_with_form(app().run(), "kari", USERS["kari"][1])
    assert not at.exception, [e.value for e in at.exception]
    errors = [md_unescape(e.value) for e in at.error]
    assert len(errors) == 1 and f"Databasebrukeren {role} mangler rettigheter" in errors[0], errors
    assert "GRANT" not in errors[0] and "permission denied" not in errors[0]
