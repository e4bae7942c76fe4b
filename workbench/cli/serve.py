"""`workbench serve`: start the Streamlit app on a database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import click

from ..errors import WorkbenchError
from ..store import resolve_url

APP = Path(__file__).resolve().parents[2] / "app.py"


def serve_command(port: int, *, headless: bool = True) -> list[str]:
    """The ``streamlit run app.py`` command line (the database goes in WORKBENCH_DB)."""
    return [sys.executable, "-m", "streamlit", "run", str(APP), "--server.port", str(port),
            "--server.headless", "true" if headless else "false", "--browser.gatherUsageStats", "false"]


def absolute_url(url: str) -> str:
    """A SQLite URL with a relative path made absolute (the app runs in the checkout folder)."""
    prefix = "sqlite:///"
    if url.startswith(prefix) and not url.startswith(prefix + "/") and url[len(prefix):] not in ("", ":memory:"):
        return prefix + str(Path(url[len(prefix):]).resolve())
    return url


def run_app(db_url: str | None, *, port: int = 8501, headless: bool = True, user: str | None = None) -> int:
    """Run ``streamlit run app.py`` with WORKBENCH_DB set; returns Streamlit's exit code."""
    if not APP.exists():
        raise WorkbenchError(f"the Streamlit app {APP} is missing; run `workbench serve` from a checkout "
                             "of the repository (app.py and views/ sit beside the workbench package)")
    env = dict(os.environ, WORKBENCH_DB=absolute_url(resolve_url(db_url)))
    if user:
        env["WORKBENCH_USER"] = user
    try:
        return subprocess.call(serve_command(port, headless=headless), env=env, cwd=APP.parent)
    except KeyboardInterrupt:
        return 0


@click.command()
@click.option("--port", default=8501, show_default=True, type=click.IntRange(1, 65535),
              help="Port for the web server.")
@click.option("--db", "db_option", default=None,
              help="Database URL or SQLite path (overrides the global --db and WORKBENCH_DB).")
@click.option("--open/--no-open", "open_browser", default=False, show_default=True,
              help="Open a browser window.")
@click.pass_context
def serve(ctx: click.Context, port: int, db_option: str | None, open_browser: bool) -> None:
    """Start the web workbench (Streamlit) on the database."""
    url = absolute_url(resolve_url(db_option or ctx.obj.get("db_url")))
    click.echo(f"Arbeidsbenken starter på http://localhost:{port} (database: {url}); Ctrl+C avslutter.")
    ctx.exit(run_app(url, port=port, headless=not open_browser, user=ctx.obj.get("user")))


COMMANDS = [serve]
