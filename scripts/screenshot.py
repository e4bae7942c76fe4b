"""Serve the workbench, log in as the researcher in headless Chromium, open the Oversikt page and
save a PNG screenshot.

    python scripts/screenshot.py                      # a fresh demo database with known passwords
    python scripts/screenshot.py --db sqlite:////tmp/x.db --user forsker --password ... --out docs/oversikt.png

Without --db it builds the demo database (``workbench.demo.build_demo``, without the trained
model) in a temporary folder, with the passwords of ``DEMO_PASSWORDS``; data/demo.db is not used,
since its passwords are random. Used by tests/test_browser.py.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HEATMAP = ".vega-embed canvas, .vega-embed svg"
# known passwords for the demo users the tests and the screenshot log in with
DEMO_PASSWORDS = {"forsker": "forsker-skjermbilde-1", "rapportforfatter": "rapport-skjermbilde-1",
                  "ressursgruppe": "ressurs-skjermbilde-1"}


def browser_missing() -> str | None:
    """Why the browser test cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not path.exists():
            return f"{path} is absent (install Debian's chromium and chromium-driver)"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    return None


def build_demo_db(folder: Path, passwords: dict[str, str] | None = None) -> str:
    """The demo database (without the trained model, which the overview does not need) in
    ``folder``, its three users with ``passwords`` (default ``DEMO_PASSWORDS``)."""
    sys.path.insert(0, str(ROOT))
    from workbench.demo import build_demo

    db, _report = build_demo(f"sqlite:///{Path(folder) / 'demo.db'}", user="demo", train=False,
                             passwords=passwords or DEMO_PASSWORDS)
    db.dispose()
    return db.url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(url: str, port: int | None = None, timeout: float = 90) -> Iterator[str]:
    """Run `workbench serve` on ``url`` in the background; yields the app's address.

    The server runs in a process group of its own, and the whole group (`workbench serve` and the
    `streamlit run` it starts) is stopped afterwards."""
    port = port or free_port()
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("WORKBENCH_USER", None)  # the app acts as whoever logs in, never as this
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "serve", "--db", url, "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    address = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                raise RuntimeError(f"workbench serve exited with {proc.returncode}:\n{out}")
            try:
                with urllib.request.urlopen(f"{address}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"Streamlit did not answer on {address} within {timeout:.0f} s")
            time.sleep(0.5)
        yield address
    finally:
        _stop_group(proc)


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (its children too), SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            break
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            continue
        deadline = time.monotonic() + wait  # the parent is gone; give its children the same time
        while time.monotonic() < deadline:
            try:
                os.killpg(proc.pid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.1)
    if proc.stdout:
        proc.stdout.close()


@contextlib.contextmanager
def served_script(script: str | Path, env: dict[str, str] | None = None, port: int | None = None,
                  timeout: float = 90) -> Iterator[str]:
    """Run ``streamlit run script`` in the background (headless, on 127.0.0.1) with ``env`` added
    to this environment; yields the app's address. The server runs in a process group of its own,
    which is killed afterwards (:func:`_kill_group`); its output goes to a temporary file, shown
    if it fails to start."""
    port = port or free_port()
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    full_env.pop("WORKBENCH_USER", None)
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
                             "--server.address", "127.0.0.1", "--server.headless", "true",
                             "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"],
                            cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    address = f"http://127.0.0.1:{port}"

    def output() -> str:
        log.seek(0)
        return log.read().decode(errors="replace")[-4000:]

    try:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"streamlit run {script} exited with {proc.returncode}:\n{output()}")
            try:
                with urllib.request.urlopen(f"{address}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"Streamlit did not answer on {address} within {timeout:.0f} s:\n{output()}")
            time.sleep(0.5)
        yield address
    finally:
        _kill_group(proc)
        log.close()


def _kill_group(proc: subprocess.Popen, grace: float = 3) -> None:
    """SIGTERM to the process group, SIGKILL to whatever is left after ``grace`` seconds (a
    streamlit child may ignore SIGTERM); returns once the group is gone."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 10)):
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


@contextlib.contextmanager
def chromium(width: int = 1500, height: int = 1250) -> Iterator[object]:
    """A headless Debian Chromium driven by selenium, with a fresh profile."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="wb-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_idle(driver, timeout: float = 90) -> None:
    """Wait until Streamlit has finished running the script (no "Running..." status widget)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, timeout).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'))


def log_in(driver, address: str | None, name: str, password: str, timeout: float = 90) -> None:
    """Open ``address`` (None: stay on the current page), wait for the login form, type the name
    and password like a user and press "Logg inn"; returns once the form is gone."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    if address is not None:
        driver.get(address)
    wait = WebDriverWait(driver, timeout)
    user_box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, 'input[aria-label="Brukernavn"]')))
    user_box.send_keys(name)
    driver.find_element(By.CSS_SELECTOR, 'input[aria-label="Passord"]').send_keys(password)
    driver.find_element(By.XPATH, '//button[normalize-space(.)="Logg inn"]').click()
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, 'input[aria-label="Passord"]'))


def wait_for_heatmap(driver, timeout: float = 90):
    """Wait until the Altair heatmap of the page shown has been drawn; returns the element."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    element = WebDriverWait(driver, timeout).until(EC.visibility_of_element_located((By.CSS_SELECTOR, HEATMAP)))
    wait_idle(driver, timeout)
    # the vega view has finished drawing when its canvas/svg keeps its size between two looks
    sizes: list[tuple[int, int]] = []

    def drawn(_driver) -> bool:
        sizes.append((element.size["width"], element.size["height"]))
        return len(sizes) > 1 and sizes[-1] == sizes[-2] and sizes[-1][0] > 0

    WebDriverWait(driver, timeout, poll_frequency=0.3).until(drawn)
    return element


def capture(url: str, out: Path, port: int | None = None, user: str = "forsker",
            password: str | None = None) -> Path:
    """Serve ``url``, log in as ``user`` (a researcher), and save the Oversikt page as ``out``."""
    with served(url, port) as address, chromium() as driver:
        log_in(driver, address, user, password or DEMO_PASSWORDS[user])
        wait_for_heatmap(driver)
        out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a demo database built now, with known passwords)")
    parser.add_argument("--user", default="forsker", help="researcher to log in as (default: forsker)")
    parser.add_argument("--password", default=os.environ.get("WORKBENCH_SCREENSHOT_PASSWORD"),
                        help="that user's password (needed with --db; or WORKBENCH_SCREENSHOT_PASSWORD)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "oversikt.png")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    reason = browser_missing()
    if reason:
        print(f"Cannot take the screenshot: {reason}", file=sys.stderr)
        return 1
    if args.db and not args.password:
        print("Give --password (or WORKBENCH_SCREENSHOT_PASSWORD) for --user on that database.", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or build_demo_db(Path(tmp))
        password = args.password if args.db else DEMO_PASSWORDS.get(args.user, args.password)
        print(f"Screenshot of {url} -> {capture(url, args.out, args.port, args.user, password)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
