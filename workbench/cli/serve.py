"""`workbench serve`: start the Streamlit app on a database."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path
from typing import Iterator

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


def port_taken(port: int, address: str = LOCAL) -> bool:
    """Is ``address:port`` in use, so that Streamlit would stop with "Port N is not available"?
    Bound the way the server binds it (SO_REUSEADDR, every address the name resolves to)."""
    import socket

    try:
        infos = socket.getaddrinfo(address, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError:  # an address that does not resolve: Streamlit says so itself
        return False
    for family, kind, proto, _, sockaddr in infos:
        with socket.socket(family, kind, proto) as sock:
            if os.name != "nt":
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(sockaddr)
            except OSError:
                return True
    return False


def port_taken_note(port: int, address: str, command: str) -> str | None:
    """One Norwegian line for a port in use, naming ``--port`` and a free one; None when free."""
    if not port_taken(port, address):
        return None
    free = next((p for p in range(port + 1, min(port + 50, 65536)) if not port_taken(p, address)), None)
    example = f", f.eks. `workbench {command} --port {free}`" if free else ""
    return f"Porten {port} er opptatt (kjører appen allerede?); velg en annen med --port{example}."


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
    # The server stays in our process group (Ctrl+C in a terminal reaches both); a SIGTERM or
    # SIGHUP to us, which it would not get, stops it here.
    proc = subprocess.Popen(serve_command(port, headless=headless, address=address), env=env, cwd=APP.parent)
    try:
        with _signals_raise(_Stop):
            return proc.wait()
    except (KeyboardInterrupt, _Stop):
        return 0
    finally:
        stop_group(proc, group=False)


class _Stop(Exception):
    """SIGTERM or SIGHUP reached `workbench serve` (a `kill`, a closed terminal)."""


@contextlib.contextmanager
def _signals_raise(exc: type[Exception]) -> Iterator[None]:
    """Turn SIGTERM and SIGHUP into ``exc`` while the block runs, so that the server is stopped
    (by the caller's ``finally``) instead of left running without its parent."""
    import signal

    old = {}
    for name in ("SIGTERM", "SIGHUP"):
        sig = getattr(signal, name, None)
        if sig is None:
            continue

        def raise_(signum, frame):
            raise exc(signum)

        try:
            old[sig] = signal.signal(sig, raise_)
        except ValueError:  # not the main thread: leave the signals alone
            break
    try:
        yield
    finally:
        for sig, handler in old.items():
            signal.signal(sig, handler)


def stop_group(proc: subprocess.Popen, grace: float = 3, *, group: bool = True) -> None:
    """Stop a server: SIGINT (Streamlit's own way to stop), then SIGKILL to whatever is left after
    ``grace`` seconds (a `streamlit run` child may ignore the gentler signals); returns once it is
    gone. ``group``: ``proc`` was started in a process group of its own (``start_new_session``),
    which is stopped as a whole; else ``proc`` alone. Elsewhere (Windows): terminate, kill."""
    import signal
    import time

    if not group and proc.poll() is not None:
        return
    if not hasattr(os, "killpg") or not group:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM if os.name == "nt" else signal.SIGINT)  # nt: terminate
            try:
                proc.wait(grace)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        return
    for sig, wait in ((signal.SIGINT, grace), (signal.SIGKILL, 10)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            proc.poll()
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            proc.poll()  # reap the leader, or the group would never look empty
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)


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
    from ..store.db import missing_sqlite_file, safe_url
    from ..users import has_login_users

    url = absolute_url(resolve_url(db_option or ctx.obj.get("db_url")))
    taken = port_taken_note(port, address, "serve")
    if taken:
        click.echo(taken, err=True)
        ctx.exit(1)
    warning = network_warning(address)
    if warning:
        click.echo(warning, err=True)
    missing = missing_sqlite_file(url)
    if missing:
        click.echo(f"Merk: det finnes ingen database i {missing} ennå; appen starter på en ny, tom database. "
                   "Sjekk --db / WORKBENCH_DB hvis det var en annen du mente.", err=True)
    db = Database(url)
    if db.is_initialised():
        db.ensure()
        if not has_login_users(db):
            click.echo("Merk: ingen brukere kan logge inn ennå. Legg til en med "
                       "`workbench user add NAVN --role researcher` (passordet leses fra tastaturet).", err=True)
    db.dispose()
    host = "localhost" if network_warning(address) is None else address
    click.echo(f"Arbeidsbenken starter på http://{host}:{port} (database: {safe_url(url)}); Ctrl+C avslutter.")
    ctx.exit(run_app(url, port=port, headless=not open_browser, user=None, address=address))


COMMANDS = [serve]
