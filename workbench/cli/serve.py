"""`workbench serve`: start the Streamlit app on a database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from ..errors import WorkbenchError

APP = Path(__file__).resolve().parents[2] / "app.py"


LOCAL = "127.0.0.1"


def serve_command(port: int, *, headless: bool = True, address: str = LOCAL) -> list[str]:
    """The ``streamlit run app.py`` command line (the database goes in WORKBENCH_DB). The server
    listens on ``address``: this machine only unless told otherwise."""
    return [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
            "--server.address", address,
            "--server.headless", "true" if headless else "false", "--browser.gatherUsageStats", "false"]


def network_warning(address: str) -> str | None:
    """The warning for an address other computers can reach (None for loopback)."""
    if address in (LOCAL, "localhost", "::1") or address.startswith("127."):
        return None
    return (f"Advarsel: serveren lytter på {address} og kan nås fra nettverket. Kjør den bak TLS "
            "(en omvendt proxy med HTTPS, se README «Team on one server»), aldri med ren HTTP.")


def absolute_url(url: str) -> str:
    """A SQLite URL with a relative path made absolute (the app runs in the checkout folder)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url[len(prefix):] not in ("", ":memory:"):
        return prefix + str(Path(url[len(prefix):]).resolve())
    return url


def run_app(db_url: str | None, *, port: int = 8501, headless: bool = True, user: str | None = None,
            address: str = LOCAL) -> int:
    """Run ``streamlit run app.py`` with WORKBENCH_DB set; returns Streamlit's exit code."""
    if not APP.exists():
        raise WorkbenchError(f"the Streamlit app {APP} is missing; run `workbench serve` from a checkout "
                             "of the repository (app.py and views/ sit beside the workbench package)")
    from ..store import resolve_url

    env = dict(os.environ, WORKBENCH_DB=absolute_url(resolve_url(db_url)))
    if user:
        env["WORKBENCH_USER"] = user
    try:
        return subprocess.call(serve_command(port, headless=headless, address=address), env=env, cwd=APP.parent)
    except KeyboardInterrupt:
        return 0


@click.command()
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535),
              help="Port for the web server.")
@click.option("--db", "db_option", default=None,
              help="Database URL or SQLite path (overrides the global --db and WORKBENCH_DB).")
@click.option("--open/--no-open", "open_browser", default=False, show_default=True,
              help="Open a browser window.")
@click.option("--address", default=LOCAL, show_default=True,
              help="Address to listen on; anything but 127.0.0.1 is reachable from the network and must "
                   "sit behind TLS (e.g. 0.0.0.0 behind a reverse proxy).")
@click.pass_context
def serve(ctx: click.Context, port: int, db_option: str | None, open_browser: bool, address: str) -> None:
    """Start the web workbench (Streamlit) on the database. Everyone logs in (workbench user add)."""
    from ..store import Database, resolve_url
    from ..users import has_login_users

    url = absolute_url(resolve_url(db_option or ctx.obj.get("db_url")))
    warning = network_warning(address)
    if warning:
        click.echo(warning, err=True)
    db = Database(url)
    if db.is_initialised():
        db.upgrade()
        if not has_login_users(db):
            click.echo("Merk: ingen brukere kan logge inn ennå. Legg til en med "
                       "`workbench user add NAVN --role researcher` (passordet leses fra tastaturet).", err=True)
    db.dispose()
    host = "localhost" if network_warning(address) is None else address
    click.echo(f"Arbeidsbenken starter på http://{host}:{port} (database: {url}); Ctrl+C avslutter.")
    ctx.exit(run_app(url, port=port, headless=not open_browser, user=None, address=address))


COMMANDS = [serve]
