"""Users, the audit trail, released quotes and project settings."""

from __future__ import annotations

import sys

import click

from ._util import acting_user, echo_json, echo_table, open_db


def read_password(what: str = "Passord") -> str:
    """A new password: asked twice (hidden) on a terminal; two equal lines when piped."""
    if sys.stdin is not None and sys.stdin.isatty():
        return click.prompt(what, hide_input=True, confirmation_prompt="Gjenta passordet")
    lines = click.get_text_stream("stdin").read().splitlines()
    if len(lines) < 2:
        raise click.ClickException("give the password twice on standard input, one line each "
                                   "(e.g. printf '%s\\n%s\\n' \"$PW\" \"$PW\" | workbench user add ...)")
    if lines[0] != lines[1]:
        raise click.ClickException("the two password lines differ; give the same password twice")
    return lines[0]


@click.group("user")
def user_group() -> None:
    """Users of the web app and their roles: researcher, report_author, resource_group."""


@user_group.command("add")
@click.argument("name")
@click.option("--role", required=True, help="researcher, report_author or resource_group "
                                             "(also: forsker, rapportforfatter, ressursgruppe).")
@click.option("--email", help="The e-mail a single sign-on provider (Feide, Entra ID) reports for this user.")
@click.option("--no-password", is_flag=True, help="No password: the user logs in by single sign-on only.")
@click.pass_context
def user_add(ctx: click.Context, name: str, role: str, email: str | None, no_password: bool) -> None:
    """Add a user. The password is read from standard input (asked twice on a terminal)."""
    from ..users import add_user

    if no_password and not email:
        raise click.UsageError("--no-password needs --email (the user must be able to log in somehow)")
    password = None if no_password else read_password()
    rec = add_user(open_db(ctx, create=True), name, role, password=password, email=email, user=acting_user(ctx))
    click.echo(f"La til {rec.name} med rollen {rec.role}" + (f" ({rec.email})" if rec.email else "") + ".")


@user_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def user_list(ctx: click.Context, as_json: bool) -> None:
    """List the users with role, e-mail, state and last log-in."""
    from ..users import list_users

    rows = [u.to_dict() for u in list_users(open_db(ctx), user=acting_user(ctx))]
    if as_json:
        echo_json(rows)
        return
    for r in rows:
        r["state"] = "deaktivert" if r["disabled"] else "aktiv"
        r["login"] = "passord" if r["has_password"] else ("SSO" if r["email"] else "–")
    echo_table(rows, ["name", "role", "email", "state", "login", "last_login"])


@user_group.command("set-role")
@click.argument("name")
@click.argument("role")
@click.pass_context
def user_set_role(ctx: click.Context, name: str, role: str) -> None:
    """Change a user's role."""
    from ..users import set_role

    rec = set_role(open_db(ctx), name, role, user=acting_user(ctx))
    click.echo(f"{rec.name} har nå rollen {rec.role}.")


@user_group.command("passwd")
@click.argument("name")
@click.pass_context
def user_passwd(ctx: click.Context, name: str) -> None:
    """Set a user's password (read from standard input, asked twice on a terminal)."""
    from ..users import set_password

    rec = set_password(open_db(ctx), name, read_password("Nytt passord"), user=acting_user(ctx))
    click.echo(f"Passordet til {rec.name} er endret.")


@user_group.command("set-email")
@click.argument("name")
@click.argument("email", required=False)
@click.pass_context
def user_set_email(ctx: click.Context, name: str, email: str | None) -> None:
    """Set (or, without EMAIL, remove) the single sign-on e-mail of a user."""
    from ..users import set_email

    rec = set_email(open_db(ctx), name, email, user=acting_user(ctx))
    click.echo(f"{rec.name}: e-post {rec.email or '(ingen)'}.")


@user_group.command("disable")
@click.argument("name")
@click.pass_context
def user_disable(ctx: click.Context, name: str) -> None:
    """Stop a user from logging in or acting (their codings stay)."""
    from ..users import disable_user

    rec = disable_user(open_db(ctx), name, user=acting_user(ctx))
    click.echo(f"{rec.name} er deaktivert.")


@user_group.command("logout")
@click.argument("name")
@click.pass_context
def user_logout(ctx: click.Context, name: str) -> None:
    """Log a user out of every browser (their log-in cookies stop working; open tabs show the
    login form on their next click). The user can log in again."""
    from ..logins import revoke_login_tokens

    count = revoke_login_tokens(open_db(ctx), name, user=acting_user(ctx))
    click.echo(f"Logget ut {name} fra {count} nettleser{'' if count == 1 else 'e'}.")


@user_group.command("enable")
@click.argument("name")
@click.pass_context
def user_enable(ctx: click.Context, name: str) -> None:
    """Let a disabled user log in again."""
    from ..users import enable_user

    rec = enable_user(open_db(ctx), name, user=acting_user(ctx))
    click.echo(f"{rec.name} er aktiv igjen.")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--user", "who", help="Only this user's events.", expose_value=True, is_eager=False)
@click.option("--since", help="From this date/time (2026-12-01, 2026-12-01T09:00) or span back (30m, 12h, 7d).")
@click.option("--action", help="Only this action (login, login_failed, reveal, release_quote, user_set_role ...).")
@click.option("--limit", type=int, help="Only the newest N events.")
@click.pass_context
def audit(ctx: click.Context, as_json: bool, who: str | None, since: str | None, action: str | None,
          limit: int | None) -> None:
    """The audit trail: who did what when, with before/after of every change.

    Here --user filters the events; the acting user comes from the global option or
    WORKBENCH_USER (`workbench --user kari audit --user ola`)."""
    from ..users import list_audit

    rows = [r.to_dict() for r in list_audit(open_db(ctx), user=acting_user(ctx), who=who, since=since,
                                            action=action, limit=limit)]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("Ingen hendelser.")
        return
    for r in rows:
        detail = r["detail"] or {}
        if "before" in detail or "after" in detail:
            r["change"] = f"{_short(detail.get('before'))} -> {_short(detail.get('after'))}"
        else:
            r["change"] = _short(detail)
    echo_table(rows, ["at", "user", "action", "target_type", "target", "change"])


def _short(value, width: int = 70) -> str:
    import json

    text = "" if value in (None, {}) else json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= width else text[:width - 1] + "…"


@click.command()
@click.argument("source")
@click.argument("turn")
@click.option("--code", required=True, help="The code the quote illustrates.")
@click.pass_context
def release(ctx: click.Context, source: str, turn: str, code: str) -> None:
    """Release a coded quote for the resource group (scrubbed and pseudonymised, as shown)."""
    from ..sharing import release_quote

    rec = release_quote(open_db(ctx), source, turn, code, user=acting_user(ctx))
    click.echo(f"Frigitt sitat {rec.id} ({rec.code}, {rec.speaker or rec.actor or 'ukjent'}): {rec.text}")
    for warning in rec.warnings:
        click.echo(f"Advarsel: {warning}", err=True)


@click.command()
@click.argument("release_id", type=int)
@click.pass_context
def unrelease(ctx: click.Context, release_id: int) -> None:
    """Withdraw a released quote from the resource group."""
    from ..sharing import withdraw_release

    rec = withdraw_release(open_db(ctx), release_id, user=acting_user(ctx))
    click.echo(f"Trakk tilbake sitat {rec.id} ({rec.code}).")


@click.command()
@click.option("--code", help="Only this code (subcodes included).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_context
def released(ctx: click.Context, code: str | None, as_json: bool) -> None:
    """The quotes released for the resource group."""
    from ..sharing import released_quotes

    df = released_quotes(open_db(ctx), code=code, user=acting_user(ctx))
    rows = [{c: (None if v is None or v != v else v) for c, v in r.items()}
            for r in df.astype(object).to_dict(orient="records")]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("Ingen frigitte sitater ennå (workbench release KILDE TUR --code KODE).")
        return
    echo_table(rows, [c for c in ("id", "code", "speaker", "actor", "phase", "pilot", "source", "turn", "text")
                      if c in df.columns])


@click.group("settings")
def settings_group() -> None:
    """Project settings (e.g. min_cell_speakers, the k of small-cell suppression)."""


@settings_group.command("show")
@click.pass_context
def settings_show(ctx: click.Context) -> None:
    """Show every project setting with its value."""
    from ..sharing import SETTINGS, list_settings

    for key, value in list_settings(open_db(ctx), user=acting_user(ctx)).items():
        click.echo(f"{key} = {value}    # {SETTINGS[key][2]}")


@settings_group.command("set", context_settings={"ignore_unknown_options": True})  # "-3" is a value
@click.argument("key")
@click.argument("value")
@click.pass_context
def settings_set(ctx: click.Context, key: str, value: str) -> None:
    """Change a project setting (researchers; audited), e.g. `settings set min_cell_speakers 5`."""
    from ..sharing import set_setting, split_phases, value_warnings

    db = open_db(ctx)
    new = set_setting(db, key, value, user=acting_user(ctx))
    click.echo(f"{key} = {new}")
    if key == "phase_order" and new:  # a phase named after a person reaches the resource group as written
        for english, _ in value_warnings(db, {"phase": split_phases(new)}, user=acting_user(ctx)):
            click.echo(f"Advarsel: {english}", err=True)


COMMANDS = [user_group, audit, release, unrelease, released, settings_group]
