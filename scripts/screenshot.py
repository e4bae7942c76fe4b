"""Serve the workbench, open the Oversikt page in headless Chromium and save a PNG screenshot.

    python scripts/screenshot.py                      # data/demo.db if present, else a demo-like DB
    python scripts/screenshot.py --db sqlite:////tmp/x.db --out docs/oversikt.png

Without --db and without data/demo.db it builds a demo-like database in a temporary folder from
data/sample + codebooks/bygdevekst.yaml and codings from data/sample/codings_*.csv (or, when
those files are absent, accepted lexicon suggestions). Used by tests/test_browser.py.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
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


def build_demo_db(folder: Path) -> str:
    """The demo database (without the trained model, which the overview does not need) in ``folder``."""
    sys.path.insert(0, str(ROOT))
    from workbench.demo import build_demo

    db, _report = build_demo(f"sqlite:///{Path(folder) / 'demo.db'}", user="demo", train=False)
    db.dispose()
    return db.url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(url: str, port: int | None = None, timeout: float = 90) -> Iterator[str]:
    """Run `workbench serve` on ``url`` in the background; yields the app's address."""
    port = port or free_port()
    env = dict(os.environ, WORKBENCH_USER="forsker", PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "serve", "--db", url, "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
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
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


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


def wait_for_heatmap(driver, address: str, timeout: float = 90):
    """Open the Oversikt page and wait until the Altair heatmap has been drawn; returns the element."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(address)
    element = WebDriverWait(driver, timeout).until(EC.visibility_of_element_located((By.CSS_SELECTOR, HEATMAP)))
    WebDriverWait(driver, timeout).until(
        lambda d: not d.find_elements(By.CSS_SELECTOR, '[data-testid="stStatusWidget"]'))
    time.sleep(1.5)  # let the vega view finish its transition before a screenshot
    return element


def capture(url: str, out: Path, port: int | None = None) -> Path:
    with served(url, port) as address, chromium() as driver:
        wait_for_heatmap(driver, address)
        out.parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(out))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: data/demo.db, else a demo-like DB built now)")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "oversikt.png")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    reason = browser_missing()
    if reason:
        print(f"Cannot take the screenshot: {reason}", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or (f"sqlite:///{ROOT / 'data' / 'demo.db'}" if (ROOT / "data" / "demo.db").exists()
                          else build_demo_db(Path(tmp)))
        print(f"Screenshot of {url} -> {capture(url, args.out, args.port)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
