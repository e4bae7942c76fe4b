"""Staying logged in across reloads: the log-in tokens of workbench.logins (the browser's
``workbench_login`` cookie holds the token; the database only its SHA-256)."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import inspect, select, text, update

from workbench.errors import NotFound, PermissionDenied
from workbench.logins import (LOGIN_HOURS, issue_login_token, revoke_login_token, revoke_login_tokens,
                              user_for_login_token)
from workbench.store import LoginToken
from workbench.store.models import utcnow
from workbench.users import (add_user, authenticate, disable_user, enable_user, list_audit, set_email,
                             set_password, set_role)

PW = "korrekt-hest-batteri"


@pytest.fixture
def team(db):
    add_user(db, "anna", "researcher", password=PW, user="anna")
    add_user(db, "rita", "report_author", password=PW, user="anna")
    add_user(db, "rolf", "resource_group", password=PW, user="anna")
    return db


def _rows(db):
    """The rows of login_tokens, oldest first (attribute access: ``row.token_hash``)."""
    with db.session() as s:
        return list(s.execute(select(LoginToken.__table__).order_by(LoginToken.id)).all())


def test_a_token_logs_in_its_user_with_the_role_they_have(team):
    token = issue_login_token(team, authenticate(team, "rita", PW))
    assert isinstance(token, str) and len(token) >= 40
    who = user_for_login_token(team, token)
    assert (who.name, who.role) == ("rita", "report_author")
    assert user_for_login_token(team, token) == who  # again (another reload, another tab)
    assert issue_login_token(team, "rolf") != token  # a name works too; every token is new
    [row, _] = _rows(team)
    assert row.last_used_at is not None
    life = row.expires_at - row.created_at
    assert life == dt.timedelta(hours=LOGIN_HOURS) == dt.timedelta(hours=12)


@pytest.mark.parametrize("wrong", [None, "", "x", "feil-token", "A" * 43, "æøå", "x" * 5000, 42])
def test_a_wrong_token_logs_in_nobody(team, wrong):
    issue_login_token(team, "rita")
    assert user_for_login_token(team, wrong) is None
    assert revoke_login_token(team, wrong) is False


def test_a_token_of_another_database_or_with_one_character_changed_logs_in_nobody(team):
    token = issue_login_token(team, "rita")
    changed = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert user_for_login_token(team, changed) is None
    assert user_for_login_token(team, token.upper() if token.upper() != token else token.lower()) is None


def test_only_the_hash_of_the_token_is_stored(team):
    token = issue_login_token(team, "rita")
    columns = {c["name"] for c in inspect(team.engine).get_columns("login_tokens")}
    assert columns == {"id", "user_id", "token_hash", "created_at", "expires_at", "last_used_at"}
    [row] = _rows(team)
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest() != token
    with team.engine.connect() as conn:  # nowhere in any table of the database
        for table in inspect(conn).get_table_names():
            for values in conn.execute(text(f'SELECT * FROM "{table}"')):
                assert not any(token in str(v) for v in values), table


def test_an_expired_token_logs_in_nobody_and_its_row_goes(team):
    token = issue_login_token(team, "rita")
    with team.transaction("anna") as tx:
        tx.session.execute(update(LoginToken).values(expires_at=utcnow() - dt.timedelta(seconds=1)))
    assert user_for_login_token(team, token) is None
    assert _rows(team) == []


def test_a_tiny_life_ends_and_expired_tokens_of_others_go_when_one_is_issued(team):
    old = issue_login_token(team, "rolf", hours=0.0001)  # 0.36 seconds
    with team.transaction("anna") as tx:  # (rather than wait: moved into the past)
        tx.session.execute(update(LoginToken).values(expires_at=utcnow() - dt.timedelta(minutes=1)))
    fresh = issue_login_token(team, "rita")
    assert [r.token_hash for r in _rows(team)] == [hashlib.sha256(fresh.encode()).hexdigest()]
    assert user_for_login_token(team, old) is None
    assert user_for_login_token(team, fresh).name == "rita"


@pytest.mark.parametrize("hours", [0, -1, 24 * 7 + 1])
def test_a_life_out_of_range_is_refused(team, hours):
    from workbench.errors import InputError

    with pytest.raises(InputError) as err:
        issue_login_token(team, "rita", hours=hours)
    assert err.value.code == "login_token.hours"


def test_no_token_for_an_unknown_or_disabled_user(team):
    with pytest.raises(NotFound):
        issue_login_token(team, "ukjent")
    with pytest.raises(NotFound):
        issue_login_token(team, "(system)")  # owns the log-in audit events; never logs in
    disable_user(team, "rolf", user="anna")
    with pytest.raises(PermissionDenied, match="deaktivert"):
        issue_login_token(team, "rolf")
    assert _rows(team) == []


def test_logging_out_ends_the_token_and_is_audited(team):
    token = issue_login_token(team, "rita")
    other = issue_login_token(team, "rita")  # the same user in another browser
    assert revoke_login_token(team, token) is True
    assert user_for_login_token(team, token) is None
    assert user_for_login_token(team, other).name == "rita"  # only this browser is logged out
    assert revoke_login_token(team, token) is False  # twice: nothing more to end
    [event] = list_audit(team, user="anna", action="logout")
    assert (event.user, event.target, event.detail) == ("rita", "rita", {"method": "token", "tokens": 1})


@pytest.mark.parametrize("change", ["disable", "role", "password", "own_password"])
def test_a_changed_user_is_logged_out_of_every_browser(team, change):
    tokens = [issue_login_token(team, "rita"), issue_login_token(team, "rita")]
    kept = issue_login_token(team, "rolf")
    if change == "disable":
        disable_user(team, "rita", user="anna")
        enable_user(team, "rita", user="anna")  # enabled again: the old tokens stay ended
    elif change == "role":
        set_role(team, "rita", "resource_group", user="anna")
    elif change == "password":
        set_password(team, "rita", "et-helt-nytt-passord", user="anna")
    else:
        set_password(team, "rita", "et-helt-nytt-passord", user="rita")
    assert [user_for_login_token(team, t) for t in tokens] == [None, None]
    assert user_for_login_token(team, kept).name == "rolf"
    assert len(_rows(team)) == 1


def test_a_disabled_user_is_refused_even_if_a_token_survived(team):
    """Belt and braces: a token row of a disabled user (left by an older version, or a change
    outside the library) logs in nobody."""
    token = issue_login_token(team, "rita")
    from workbench.store import User

    with team.transaction("anna") as tx:
        tx.session.execute(update(User).where(User.name == "rita").values(disabled=True))
    assert user_for_login_token(team, token) is None
    assert _rows(team) == []


def test_a_changed_email_keeps_the_login(team):
    token = issue_login_token(team, "rita")
    set_email(team, "rita", "rita@example.no", user="anna")
    assert user_for_login_token(team, token).name == "rita"


def test_a_researcher_logs_a_user_out_everywhere_others_may_not(team):
    tokens = [issue_login_token(team, "rolf"), issue_login_token(team, "rolf")]
    with pytest.raises(PermissionDenied, match="Ingen tilgang"):
        revoke_login_tokens(team, "rolf", user="rita")
    assert revoke_login_tokens(team, "rolf", user="anna") == 2
    assert [user_for_login_token(team, t) for t in tokens] == [None, None]
    events = list_audit(team, user="anna", action="logout")
    assert [(e.user, e.target, e.detail["tokens"]) for e in events] == [("anna", "rolf", 2)]
    with pytest.raises(NotFound):
        revoke_login_tokens(team, "ukjent", user="anna")


def test_login_token_valid_only_reads_and_ends_with_the_token(team):
    from workbench.logins import login_token_valid

    token = issue_login_token(team, "rita")
    assert login_token_valid(team, token, "rita")
    assert not login_token_valid(team, token, "rolf")  # someone else's token
    assert not login_token_valid(team, "ukjent", "rita") and not login_token_valid(team, None, "rita")
    assert [r.last_used_at for r in _rows(team)] == [None]  # no write per run
    set_password(team, "rita", "et-nytt-passord-9", user="anna")
    assert not login_token_valid(team, token, "rita")
    token = issue_login_token(team, "rita")
    with team.transaction("anna") as tx:
        tx.session.execute(update(LoginToken).values(expires_at=utcnow()))
    assert not login_token_valid(team, token, "rita")


def test_a_restore_brings_back_no_token_revoked_after_the_backup(team, tmp_path):
    from workbench.backup import backup, restore
    from workbench.store import Database

    if team.dialect != "sqlite":
        pytest.skip("restore into a new SQLite file; the PostgreSQL restore is tested in test_lifecycle")
    token = issue_login_token(team, "rita")
    backup(team, tmp_path / "kopi.bak", user="anna")
    set_password(team, "rita", "et-nytt-passord-9", user="anna")
    assert user_for_login_token(team, token) is None
    twin = Database(f"sqlite:///{tmp_path / 'gjenopprettet.db'}")
    try:
        restore(twin, tmp_path / "kopi.bak")
        assert user_for_login_token(twin, token) is None
        assert _rows(twin) == []  # everyone logs in again
        assert authenticate(twin, "rita", PW).name == "rita"  # the password of the backup
    finally:
        twin.dispose()


def test_user_logout_command_ends_every_browser_login(team):
    from click.testing import CliRunner

    from workbench.cli import cli

    tokens = [issue_login_token(team, "rolf"), issue_login_token(team, "rolf")]
    runner = CliRunner()

    def run(*args, user="anna"):
        return runner.invoke(cli, ["--db", team.url, "--user", user, *args], obj={})

    r = run("user", "logout", "rolf")
    assert r.exit_code == 0 and r.output.strip() == "Logget ut rolf fra 2 nettlesere.", r.output
    assert [user_for_login_token(team, t) for t in tokens] == [None, None]
    assert run("user", "logout", "rolf").output.strip() == "Logget ut rolf fra 0 nettlesere."
    issue_login_token(team, "rolf")
    assert run("user", "logout", "rolf").output.strip() == "Logget ut rolf fra 1 nettleser."
    assert run("user", "logout", "rolf", user="rita").exit_code == 3
    assert run("user", "logout", "ukjent").exit_code != 0
    help_text = run("user", "--help").output
    assert "logout" in help_text and "every browser" in help_text
    assert "every browser" in run("user", "logout", "--help").output
