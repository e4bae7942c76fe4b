"""Serve the workbench, log in in headless Chromium and save PNG screenshots of its pages.

    python scripts/screenshot.py --all                # every page into docs/screens/ (a fresh demo database)
    python scripts/screenshot.py                      # only Oversikt, as docs/screens/oversikt.png
    python scripts/screenshot.py --db sqlite:////tmp/x.db --user forsker --password ... --out /tmp/oversikt.png

Without --db it builds the demo database (``workbench.demo.build_demo``, without the trained
model) in a temporary folder, with the passwords of ``DEMO_PASSWORDS`` and, for --all, lexicon
suggestions, so that Koding shows some; data/demo.db is not used, since its passwords are random.
The server and browser helpers here are used by tests/test_browser.py and tests/test_textcoder.py.
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
SCREENS = ROOT / "docs" / "screens"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
HEATMAP = ".vega-embed canvas, .vega-embed svg"
TEXTCODER = 'iframe[title="workbench.ui.textcoder.textcoder"]'
# known passwords for the demo users the tests and the screenshots log in with
DEMO_PASSWORDS = {"forsker": "forsker-skjermbilde-1", "rapportforfatter": "rapport-skjermbilde-1",
                  "ressursgruppe": "ressurs-skjermbilde-1"}
# the Koding screenshot: a demo source with span and whole-turn codings and suggestions; its pane
# is scrolled so that turn ``KODING_TURN`` starts ``KODING_ABOVE`` pixels down (the end of turn 8
# above it), ``KODING_PHRASE`` in that turn is selected and ``KODING_TYPED`` typed into the picker
KODING_SOURCE = "intervju_pl_midt_finnmark_fase2.txt"
KODING_TURN = 10
KODING_ABOVE = 280
KODING_PHRASE = "Flyruta, for eksempel"
KODING_TYPED = "mob"
SEARCH = "samarbeid"

# The rectangle of ``phrase`` inside a turn's text element, relative to the element: where a mouse
# drag over it starts and ends (used by drag_over).
PHRASE_RECT = """
const [textEl, phrase] = arguments;
const walker = document.createTreeWalker(textEl, NodeFilter.SHOW_TEXT);
const nodes = [];
let full = "";
for (let n = walker.nextNode(); n; n = walker.nextNode()) { nodes.push([n, full.length]); full += n.data; }
const at = full.indexOf(phrase);
if (at < 0) return null;
const point = (u) => { for (const [n, s] of nodes) if (u <= s + n.data.length) return [n, u - s]; };
const range = document.createRange();
range.setStart(...point(at));
range.setEnd(...point(at + phrase.length));
const rects = [...range.getClientRects()].filter((r) => r.width > 0);
const box = textEl.getBoundingClientRect();
const first = rects[0], last = rects[rects.length - 1];
return {x0: first.left - box.left, y0: (first.top + first.bottom) / 2 - box.top,
        x1: last.right - box.left, y1: (last.top + last.bottom) / 2 - box.top, w: box.width, h: box.height};
"""


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


def build_demo_db(folder: Path, passwords: dict[str, str] | None = None, suggest: bool = False) -> str:
    """The demo database (without the trained model, which the pages shown do not need) in
    ``folder``, its three users with ``passwords`` (default ``DEMO_PASSWORDS``); with ``suggest``,
    pending lexicon suggestions for every source (as "Lag forslag for kilden" makes them)."""
    sys.path.insert(0, str(ROOT))
    from workbench.demo import build_demo

    db, _report = build_demo(f"sqlite:///{Path(folder) / 'demo.db'}", user="demo", train=False,
                             passwords=passwords or DEMO_PASSWORDS)
    if suggest:
        from workbench.suggest.service import suggest as make_suggestions

        make_suggestions(db, user="demo", method="lexicon")
    db.dispose()
    return db.url


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def served(url: str, port: int | None = None, timeout: float = 90) -> Iterator[str]:
    """Run `workbench serve` on ``url`` in the background; yields the app's address.

    The server (`workbench serve` and the `streamlit run` it starts) runs in a process group of
    its own, which is stopped afterwards (:func:`_kill_group`)."""
    port = port or free_port()
    argv = [sys.executable, "-m", "workbench", "serve", "--db", url, "--port", str(port)]
    with _server(argv, port, "workbench serve", timeout=timeout) as address:
        yield address


@contextlib.contextmanager
def served_script(script: str | Path, env: dict[str, str] | None = None, port: int | None = None,
                  timeout: float = 90) -> Iterator[str]:
    """Run ``streamlit run script`` in the background (headless, on 127.0.0.1) with ``env`` added
    to this environment; yields the app's address. Stopped afterwards like :func:`served`."""
    port = port or free_port()
    argv = [sys.executable, "-m", "streamlit", "run", str(script), "--server.port", str(port),
            "--server.address", "127.0.0.1", "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with _server(argv, port, f"streamlit run {script}", env=env, timeout=timeout) as address:
        yield address


@contextlib.contextmanager
def _server(argv: list[str], port: int, what: str, env: dict[str, str] | None = None,
            timeout: float = 90) -> Iterator[str]:
    """Start ``argv`` in a process group of its own, wait until Streamlit answers on ``port``,
    yield its address, and kill the group afterwards. The output goes to a temporary file (a pipe
    nobody reads would fill up and stall the server) and is shown if the server fails to start."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), **(env or {}))
    full_env.pop("WORKBENCH_USER", None)  # the app acts as whoever logs in, never as this
    with tempfile.TemporaryFile() as log:
        proc = subprocess.Popen(argv, cwd=ROOT, env=full_env, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True)

        def output() -> str:
            log.seek(0)
            return log.read().decode(errors="replace")[-4000:]

        address = f"http://127.0.0.1:{port}"
        try:
            _wait_healthy(proc, address, timeout, what, output)
            yield address
        finally:
            _kill_group(proc)


def _wait_healthy(proc: subprocess.Popen, address: str, timeout: float, what: str, output) -> None:
    """Return once Streamlit's health check at ``address`` answers; raise if the process exits
    first or ``timeout`` seconds pass (with the end of its ``output()``)."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}:\n{output()}")
        try:
            with urllib.request.urlopen(f"{address}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} did not answer on {address} within {timeout:.0f} s:\n{output()}")
        time.sleep(0.5)


def _kill_group(proc: subprocess.Popen, grace: float = 3) -> None:
    """Stop the server's process group (the same stopper `workbench serve` uses on SIGTERM)."""
    from workbench.cli.serve import stop_group

    stop_group(proc, grace)


@contextlib.contextmanager
def chromium(width: int = 1500, height: int = 1250) -> Iterator[object]:
    """A headless Debian Chromium driven by selenium, with a fresh profile and a page area
    (viewport, and so each screenshot) of ``width`` × ``height`` pixels."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="wb-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
                 "--disable-dev-shm-usage", f"--user-data-dir={profile}", f"--window-size={width},{height}"):
        opts.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    try:
        # the window size includes (emulated) browser chrome: grow the window by what it takes
        inner = driver.execute_script("return [window.innerWidth, window.innerHeight]")
        if inner != [width, height]:
            size = driver.get_window_size()
            driver.set_window_size(size["width"] + width - inner[0], size["height"] + height - inner[1])
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


def open_page(driver, title: str, heading: str | None = None, timeout: float = 90) -> None:
    """Click ``title`` in the sidebar navigation (the session and its login stay; a new address
    typed in would be a new session) and wait until the page's heading (default ``title``) is
    shown and the script has finished."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout, ignored_exceptions=[StaleElementReferenceException])
    link = wait.until(EC.element_to_be_clickable(
        (By.XPATH, f'//*[@data-testid="stSidebarNav"]//a[.//span[@label="{title}"]]')))
    link.click()
    wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, "h1"), heading or title))
    wait.until(lambda d: d.find_element(By.XPATH, f'//a[.//span[@label="{title}"]]').get_attribute("aria-current"))
    wait_idle(driver, timeout)


def choose(driver, label: str, option: str, timeout: float = 60) -> None:
    """Pick the option that starts with ``option`` in the select box labelled ``label``: type it
    into the box's filter and click it, as a user would."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout, ignored_exceptions=[StaleElementReferenceException])  # options redrawn
    box = wait.until(EC.element_to_be_clickable(
        (By.CSS_SELECTOR, f'[data-testid="stSelectbox"] input[aria-label="{label}"]')))
    box.click()
    box.send_keys(Keys.CONTROL, "a")
    box.send_keys(option)

    def the_option(d):
        return next((o for o in d.find_elements(By.CSS_SELECTOR, '[role="listbox"] [role="option"]')
                     if o.text.strip().startswith(option) and o.is_displayed()), False)

    wait.until(the_option).click()
    wait.until(lambda d: (d.find_element(By.CSS_SELECTOR, f'input[aria-label="{label}"]').get_attribute("value")
                          or "").startswith(option))
    wait_idle(driver, timeout)


def enter_textcoder(driver, timeout: float = 60, until=None) -> None:
    """Switch into the textcoder component's iframe (from wherever the driver is). With ``until``
    (a function of the driver, called inside the frame), wait until it is true there: the frame is
    entered anew on each try, since Streamlit replaces it when, say, another source is chosen."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def entered(d) -> bool:
        d.switch_to.default_content()
        frames = d.find_elements(By.CSS_SELECTOR, TEXTCODER)
        if not frames:
            return False
        try:
            d.switch_to.frame(frames[0])
            return until is None or bool(until(d))
        except WebDriverException:  # the frame went away while we looked
            return False

    WebDriverWait(driver, timeout).until(entered)


def drag_over(driver, text_el, phrase: str) -> None:
    """A real mouse drag from the first character of ``phrase`` to its last, inside ``text_el``
    (a turn's text element in the textcoder frame; the driver must be in that frame)."""
    from selenium.webdriver.common.action_chains import ActionChains

    r = driver.execute_script(PHRASE_RECT, text_el, phrase)
    assert r, f"{phrase!r} is not in the turn"
    cx, cy = r["w"] / 2, r["h"] / 2  # offsets are from the element's centre
    (ActionChains(driver)
     .move_to_element_with_offset(text_el, round(r["x0"] + 1 - cx), round(r["y0"] - cy)).click_and_hold()
     .move_to_element_with_offset(text_el, round(r["x1"] - 1 - cx), round(r["y1"] - cy)).release()
     .perform())


def scroll_to_turn(driver, turn: int, below: int = 4) -> int:
    """Scroll the textcoder's pane (the driver in its frame) so that ``turn`` starts ``below``
    pixels under its top edge; returns the pane's scroll position."""
    return driver.execute_script("""
        const pane = document.querySelector(".tc-scroller");
        const box = document.querySelector(`.tc-turn[data-turn="${arguments[0]}"]`);
        pane.scrollTop += box.getBoundingClientRect().top - pane.getBoundingClientRect().top - arguments[1];
        return pane.scrollTop;""", turn, below)


def show_in_window(driver, css: str, top: int = 0) -> None:
    """Scroll the main page (the driver outside any frame) so that the element ``css`` starts
    ``top`` pixels below the window's top edge."""
    driver.execute_script("""
        const el = document.querySelector(arguments[0]);
        let pane = el.parentElement;  // the nearest ancestor that scrolls
        while (pane && !(pane.scrollHeight > pane.clientHeight && /auto|scroll/.test(getComputedStyle(pane).overflowY)))
          pane = pane.parentElement;
        (pane || document.scrollingElement).scrollBy(0, el.getBoundingClientRect().top - arguments[1]);""", css, top)


def _save(driver, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(path))
    return path


def capture(url: str, out: Path, port: int | None = None, user: str = "forsker",
            password: str | None = None) -> Path:
    """Serve ``url``, log in as ``user`` (a researcher), and save the Oversikt page as ``out``."""
    with served(url, port) as address, chromium() as driver:
        log_in(driver, address, user, password or DEMO_PASSWORDS[user])
        wait_for_heatmap(driver)
        return _save(driver, out)


def koding_scene(driver, source: str = KODING_SOURCE, turn: int = KODING_TURN, phrase: str = KODING_PHRASE,
                 typed: str = KODING_TYPED, above: int = KODING_ABOVE, timeout: float = 90) -> None:
    """On the Koding page: pick ``source``, wait until the component shows codings (highlights
    and stripes) and suggestions, scroll its pane so that turn ``turn`` starts ``above`` pixels
    down, drag over ``phrase`` there and type ``typed`` into the code picker. Leaves the driver
    outside the frame with the picker open."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout)
    choose(driver, "Kilde", source)
    # the whole text pane in the window, with as much of the page above it as fits
    frame = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, TEXTCODER)))
    show_in_window(driver, TEXTCODER, top=max(0, driver.execute_script("return window.innerHeight")
                                                - frame.size["height"] - 12))
    text = f'.tc-text[data-turn="{turn}"]'
    enter_textcoder(driver, timeout, until=lambda d: phrase in d.execute_script(
        "const e = document.querySelector(arguments[0]); return e ? e.textContent : ''", text))
    for css in (".tc-seg.tc-coded", ".tc-bar", ".tc-sugg", ".tc-evidence"):
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, css)), f"no {css} in {source}")
    scroll_to_turn(driver, turn, below=above)
    drag_over(driver, driver.find_element(By.CSS_SELECTOR, text), phrase)
    field = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".tc-popup .tc-filter")))
    wait.until(lambda d: d.switch_to.active_element == field)
    ActionChains(driver).send_keys(typed).perform()
    wait.until(lambda d: field.get_attribute("value") == typed
               and d.find_elements(By.CSS_SELECTOR, ".tc-code.tc-active"))
    driver.switch_to.default_content()


def kilder_scene(driver, source: str = KODING_SOURCE, timeout: float = 90) -> None:
    """On the Kilder page: pick ``source`` for «Endre metadata» and scroll so that its whole form
    (the source's fields and its speakers' table) ends at the bottom of the window, under as much
    of the sources' table as fits."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    wait = WebDriverWait(driver, timeout)
    wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-testid="stDataFrame"] canvas')))
    choose(driver, "Kilde", source, timeout)
    # the form drawn again for ``source`` (a source with speakers: the first one, a document, has none)
    wait.until(EC.visibility_of_element_located(
        (By.XPATH, '//*[@data-testid="stForm"]//*[@data-testid="stMarkdownContainer"][normalize-space(.)="Talere"]')))
    driver.execute_script("document.activeElement.blur();")
    wait_idle(driver, timeout)
    # the whole form at the bottom of the window, with as much of the sources' table above it as fits
    form = driver.find_element(By.CSS_SELECTOR, '[data-testid="stForm"]')
    show_in_window(driver, '[data-testid="stForm"]',
                   top=max(0, driver.execute_script("return window.innerHeight") - form.size["height"] - 24))


def capture_all(url: str, out_dir: Path = SCREENS, port: int | None = None, user: str = "forsker",
                password: str | None = None, guest: str = "ressursgruppe", guest_password: str | None = None,
                width: int = 1500, height: int = 1100, timeout: float = 90) -> list[Path]:
    """Serve ``url`` and save a screenshot of every page into ``out_dir``: the login page, then
    logged in as the researcher ``user`` Oversikt, Koding (a selection with the code picker open),
    Søk (a search with hits), Kodebok, Enighet, Eksport (an export made) and Kilder (the «Endre
    metadata» form of one source), and Oversikt as the
    resource group ``guest`` sees it. Returns the files written."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    out_dir = Path(out_dir)
    saved: list[Path] = []
    with served(url, port) as address:
        with chromium(width, height) as driver:
            wait = WebDriverWait(driver, timeout)
            driver.get(address)
            wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, 'input[aria-label="Passord"]')))
            wait_idle(driver, timeout)
            saved.append(_save(driver, out_dir / "login.png"))

            log_in(driver, None, user, password or DEMO_PASSWORDS[user], timeout)
            wait_for_heatmap(driver, timeout)
            saved.append(_save(driver, out_dir / "oversikt.png"))

            open_page(driver, "Koding", timeout=timeout)
            koding_scene(driver, timeout=timeout)
            saved.append(_save(driver, out_dir / "koding.png"))

            open_page(driver, "Søk", timeout=timeout)
            box = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, 'input[aria-label="Søk etter"]')))
            box.send_keys(SEARCH, Keys.ENTER)
            wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, '[data-testid="stMain"]'), " treff i "))
            wait_idle(driver, timeout)
            saved.append(_save(driver, out_dir / "sok.png"))

            open_page(driver, "Kodebok", timeout=timeout)
            wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-testid="stDataFrame"] canvas')))
            wait_for_heatmap(driver, timeout)  # the frequency bars of the code shown
            saved.append(_save(driver, out_dir / "kodebok.png"))

            open_page(driver, "Enighet", "Enighet mellom kodere", timeout=timeout)
            wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-testid="stDataFrame"] canvas')))
            wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-testid="stMetric"]')))
            # the disagreements come last and take longest: wait for the button at the end
            wait.until(EC.visibility_of_element_located(
                (By.XPATH, '//button[normalize-space(.)="Lagre omforent koding"]')))
            wait_idle(driver, timeout)
            saved.append(_save(driver, out_dir / "enighet.png"))

            open_page(driver, "Eksport", timeout=timeout)
            wait.until(EC.element_to_be_clickable((By.XPATH, '//button[normalize-space(.)="Lag eksport"]'))).click()
            wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, '[data-testid="stDownloadButton"]')))
            wait_idle(driver, timeout)
            wait.until(lambda d: all(d.execute_script("return arguments[0].complete && arguments[0].naturalWidth", img)
                                     for img in d.find_elements(By.CSS_SELECTOR, '[data-testid="stImage"] img')))
            saved.append(_save(driver, out_dir / "eksport.png"))

            open_page(driver, "Kilder", timeout=timeout)
            kilder_scene(driver, timeout=timeout)
            saved.append(_save(driver, out_dir / "kilder.png"))

        with chromium(width, height) as driver:  # a new session: what the resource group sees
            log_in(driver, address, guest, guest_password or DEMO_PASSWORDS[guest], timeout)
            wait_for_heatmap(driver, timeout)
            saved.append(_save(driver, out_dir / "oversikt_ressursgruppe.png"))
    return saved


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", help="database URL (default: a demo database built now, with known passwords)")
    parser.add_argument("--user", default="forsker", help="researcher to log in as (default: forsker)")
    parser.add_argument("--password", default=os.environ.get("WORKBENCH_SCREENSHOT_PASSWORD"),
                        help="that user's password (needed with --db; or WORKBENCH_SCREENSHOT_PASSWORD)")
    parser.add_argument("--all", action="store_true",
                        help="every page into --out-dir (login, each researcher page, Oversikt as the resource group)")
    parser.add_argument("--out", type=Path, default=SCREENS / "oversikt.png", help="the Oversikt PNG (without --all)")
    parser.add_argument("--out-dir", type=Path, default=SCREENS, help="folder for --all (default: docs/screens)")
    parser.add_argument("--guest", default="ressursgruppe", help="resource-group user for --all")
    parser.add_argument("--guest-password", default=os.environ.get("WORKBENCH_SCREENSHOT_GUEST_PASSWORD"),
                        help="that user's password (needed with --db --all)")
    parser.add_argument("--port", type=int, default=None)
    args = parser.parse_args(argv)
    reason = browser_missing()
    if reason:
        print(f"Cannot take the screenshot: {reason}", file=sys.stderr)
        return 1
    if args.db and not args.password:
        print("Give --password (or WORKBENCH_SCREENSHOT_PASSWORD) for --user on that database.", file=sys.stderr)
        return 1
    if args.db and args.all and not args.guest_password:
        print("Give --guest-password (or WORKBENCH_SCREENSHOT_GUEST_PASSWORD) for --guest on that database.",
              file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory() as tmp:
        url = args.db or build_demo_db(Path(tmp), suggest=args.all)
        password = args.password if args.db else DEMO_PASSWORDS.get(args.user, args.password)
        if args.all:
            guest_password = args.guest_password if args.db else DEMO_PASSWORDS.get(args.guest, args.guest_password)
            for path in capture_all(url, args.out_dir, args.port, args.user, password, args.guest, guest_password):
                print(f"{path} ({path.stat().st_size // 1000} kB)")
        else:
            print(f"Screenshot of {url} -> {capture(url, args.out, args.port, args.user, password)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
