"""End to end: `workbench serve` on the demo database, Debian's headless Chromium logs in through
the form and finds the heatmap on the Oversikt page (as in docs/screens/oversikt.png, which
`python scripts/screenshot.py --all` makes), and a researcher codes a dragged selection on the
Koding page and undoes it. The demo database is built in a temporary folder with known passwords
(scripts/screenshot.py DEMO_PASSWORDS); data/demo.db is never used."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("wb_screenshot", ROOT / "scripts" / "screenshot.py")
shot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shot)

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("quick_polls")]

# speaker labels and organisations as written in the demo files (data/sample/participants.csv)
ROSTER_SAMPLE = ROOT / "data" / "sample" / "participants.csv"


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    reason = shot.browser_missing()
    if reason:
        if os.environ.get("CI"):  # CI installs Chromium (.ci/run): a missing browser is a failure there
            pytest.fail(f"browser test cannot run in CI: {reason}")
        pytest.skip(f"browser test skipped: {reason}")
    return shot.build_demo_db(tmp_path_factory.mktemp("demo"), shot.DEMO_PASSWORDS)


@pytest.fixture(scope="module")
def demo_address(demo_url):
    """`workbench serve` on the demo database, started once for the tests that only read it (each
    with a browser of its own, a fresh profile without cookies); the Koding test, which codes and
    checks that its server leaves no process, starts its own."""
    with shot.served(demo_url) as address:
        yield address


def body_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def navigation_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return "\n".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"]'))


def streamlit_pids(port: int | None = None) -> set[int]:
    """The processes `pgrep -f "streamlit run"` finds (only those serving ``port``, if given)."""
    pattern = "streamlit run" if port is None else f"streamlit run .*--server.port {port}( |$)"
    found = subprocess.run(["pgrep", "-f", pattern], capture_output=True, text=True, check=False)
    assert found.returncode in (0, 1), found.stderr  # 1: none found
    return {int(pid) for pid in found.stdout.split()}


def frame_text(driver, css: str) -> str:
    """The text of the elements ``css`` in the textcoder frame (the driver inside it), joined."""
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent).join('')", css)


def roster_labels() -> list[str]:
    """Speaker labels of the demo roster that name a person or a place (e.g. "PL Midt-Finnmark",
    "Ordfører Berlevåg", "Håvard Lien") and organisations named after a municipality; generic
    labels ("Moderator", "INFORMANT 1", "SPEAKER_00") are left out."""
    import csv
    import re

    generic = re.compile(r"^(INFORMANT|Forsker|Pilot|SPEAKER|Moderator|Intervjuer)", re.IGNORECASE)
    rows = list(csv.DictReader(ROSTER_SAMPLE.open(encoding="utf-8")))
    speakers = {r["speaker"].strip() for r in rows if " " in r["speaker"].strip()}
    organisations = {r["organisation"].strip() for r in rows if "kommune" in (r["organisation"] or "")}
    return sorted(x for x in speakers | organisations if not generic.match(x))


def test_served_overview_shows_the_heatmap(demo_address, tmp_path):
    with shot.chromium() as driver:
        shot.log_in(driver, demo_address, "forsker", shot.DEMO_PASSWORDS["forsker"])
        heatmap = shot.wait_for_heatmap(driver)
        assert heatmap.size["width"] > 200 and heatmap.size["height"] > 100
        page = body_text(driver)
        assert "Oversikt: temaer per aktør og fase" in page
        assert "Sitater bak en celle" in page and "Traceback" not in page
        assert "prosjektleder" in page  # an actor from the demo corpus, in the quote picker
        assert "Innlogget som forsker (forsker)" in page
        out = tmp_path / "oversikt.png"
        driver.save_screenshot(str(out))
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_a_page_opened_by_its_address_keeps_the_navigation(demo_address):
    """/koding opened directly asks for the login, then runs app.py around Koding (sidebar,
    Norwegian navigation), not a bare page."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with shot.chromium() as driver:
        shot.log_in(driver, demo_address.rstrip("/") + "/koding", "forsker", shot.DEMO_PASSWORDS["forsker"])
        WebDriverWait(driver, 60).until(lambda d: "Kod en hel tur" in body_text(d))
        shot.wait_idle(driver)
        # the component's iframe mounts after the page's text (its own script loads): wait for it
        WebDriverWait(driver, 60).until(lambda d: d.find_elements(By.CSS_SELECTOR, shot.TEXTCODER))
        body = body_text(driver)
        assert "Innlogget som forsker" in body and "Traceback" not in body
        assert "Oversikt" in navigation_text(driver) and "Koding" in navigation_text(driver)


def test_a_reload_and_a_second_tab_keep_the_login_until_logg_ut(demo_address):
    """F5 (a new Streamlit session) and a second tab are still logged in: the page set the
    ``workbench_login`` cookie after the password log-in. "Logg ut" deletes it, and a reload
    then shows the form."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    password = 'input[aria-label="Passord"]'

    def login_cookie(driver):
        return next((c for c in driver.get_cookies() if c["name"] == "workbench_login"), None)

    def logged_in(driver) -> None:
        WebDriverWait(driver, 90).until(lambda d: "Innlogget som forsker (forsker)" in body_text(d))
        shot.wait_for_heatmap(driver)
        assert not driver.find_elements(By.CSS_SELECTOR, password)
        assert "Oversikt" in navigation_text(driver) and "Koding" in navigation_text(driver)

    with shot.chromium() as driver:
        shot.log_in(driver, demo_address, "forsker", shot.DEMO_PASSWORDS["forsker"])
        logged_in(driver)
        kept = WebDriverWait(driver, 60).until(login_cookie)
        assert kept["sameSite"] == "Strict" and kept["path"] == "/" and not kept["secure"]
        assert len(kept["value"]) >= 40 and shot.DEMO_PASSWORDS["forsker"] not in kept["value"]
        import time

        assert 11.9 * 3600 < kept["expiry"] - time.time() <= 12 * 3600

        driver.refresh()
        logged_in(driver)
        assert login_cookie(driver)["value"] == kept["value"]

        first = driver.current_window_handle
        driver.switch_to.new_window("tab")
        driver.get(demo_address.rstrip("/") + "/koding")
        WebDriverWait(driver, 90).until(lambda d: "Kod en hel tur" in body_text(d))
        assert "Innlogget som forsker" in body_text(driver)
        driver.close()
        driver.switch_to.window(first)

        WebDriverWait(driver, 60).until(EC.element_to_be_clickable(
            (By.XPATH, '//*[@data-testid="stSidebar"]//button[normalize-space(.)="Logg ut"]'))).click()
        WebDriverWait(driver, 60).until(EC.visibility_of_element_located((By.CSS_SELECTOR, password)))
        WebDriverWait(driver, 60).until(lambda d: login_cookie(d) is None)

        driver.refresh()
        WebDriverWait(driver, 90).until(EC.visibility_of_element_located((By.CSS_SELECTOR, password)))
        shot.wait_idle(driver)
        page = body_text(driver)
        assert "Logg inn" in page and "Innlogget som" not in page
        assert "Innloggingen har gått ut" not in page  # logged out, nothing expired
        assert not driver.find_elements(By.CSS_SELECTOR, shot.HEATMAP)


def test_login_as_the_resource_group_shows_only_its_pages(demo_address):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    labels = roster_labels()
    assert labels  # the check below must have something to look for
    with shot.chromium() as driver:
        driver.get(demo_address)
        WebDriverWait(driver, 60).until(EC.visibility_of_element_located(
            (By.CSS_SELECTOR, 'input[aria-label="Passord"]')))
        shot.wait_idle(driver)
        before = body_text(driver)
        assert "Logg inn" in before and "Brukernavn" in before
        assert not driver.find_elements(By.CSS_SELECTOR, shot.HEATMAP)
        assert "prosjektleder" not in before and "Database" not in before

        shot.log_in(driver, None, "ressursgruppe", shot.DEMO_PASSWORDS["ressursgruppe"])
        shot.wait_for_heatmap(driver)
        nav = navigation_text(driver)
        assert "Oversikt" in nav and "Kodebok" in nav
        assert "Koding" not in nav and "Eksport" not in nav
        page = body_text(driver)
        assert "Innlogget som ressursgruppe (ressursgruppe)" in page
        assert "<3: færre enn 3 personer bak tallet" in page
        source = driver.page_source
        for label in labels:
            assert label not in page and label not in source, label


def test_a_markdown_image_in_a_transcript_is_never_fetched(tmp_path, demo_url):
    """A transcript line "![spor](http://127.0.0.1:9/track.png)" shows as those characters on the
    Koding page (in the text pane and the page around it): no image or link element, and the
    browser asks nothing of that address."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.app_fixtures import TRACKER, USERS, build_small

    tracker_elements = 'img[src*="track"], a[href*="127.0.0.1:9"]'
    fetched = ("return performance.getEntriesByType('resource').map(e => e.name)"
               ".filter(n => n.includes('127.0.0.1:9/'))")
    db = build_small(tmp_path)
    db.dispose()
    with shot.served(db.url) as address, shot.chromium() as driver:
        shot.log_in(driver, address.rstrip("/") + "/koding", "kari", USERS["kari"][1])
        WebDriverWait(driver, 60).until(lambda d: "Kod en hel tur" in body_text(d))
        shot.wait_idle(driver)
        # the first source is fg_fase1.txt, whose last turn holds it
        shot.enter_textcoder(driver, until=lambda d: TRACKER in frame_text(d, ".tc-text"))
        assert not driver.find_elements(By.CSS_SELECTOR, tracker_elements)
        assert driver.execute_script(fetched) == []
        driver.switch_to.default_content()
        assert not driver.find_elements(By.CSS_SELECTOR, tracker_elements)
        assert driver.execute_script(fetched) == []


# the Koding test: a phrase inside a turn far enough down the source that the pane must scroll
KODING_SOURCE = "intervju_pl_midt_finnmark_fase2.txt"
KODING_TURN = 12
KODING_PHRASE = "fast samhandlingsarena med Husbanken"


def test_a_researcher_codes_a_dragged_selection_on_the_koding_page_and_undoes_it(demo_url):
    """Log in, open Koding from the sidebar, pick a source, drag over a phrase in a turn, type part
    of a code label and press Enter: exactly that phrase is coded (asked of the library), drawn
    highlighted with its stripe, and "Angre" takes it away again. Then the keyboard alone codes a
    whole turn (``keyboard_codes_a_whole_turn``). The server leaves no process."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    from workbench.coding import list_codings
    from workbench.store import Database

    from workbench.sharing import set_setting

    db = Database(demo_url)
    assert list_codings(db, coder="forsker", user="forsker") == []
    # the demo was built without a model: one coding would start a full training in the served
    # app's background (active learning), which this test is not about and which would take a
    # core from the rest of the suite while it runs
    set_setting(db, "retrain_every", 0, user="forsker")
    before = streamlit_pids()
    text = f'.tc-text[data-turn="{KODING_TURN}"]'
    try:
        with shot.served(demo_url) as address, shot.chromium(1500, 1100) as driver:
            port = int(address.rsplit(":", 1)[1])
            ours = streamlit_pids(port)
            assert ours and not ours & before  # the check below sees this server's `streamlit run`
            wait = WebDriverWait(driver, 60)
            shot.log_in(driver, address, "forsker", shot.DEMO_PASSWORDS["forsker"])
            shot.open_page(driver, "Koding")  # the sidebar link: the same session, still logged in
            shot.choose(driver, "Kilde", KODING_SOURCE)
            shot.enter_textcoder(driver, until=lambda d: KODING_PHRASE in frame_text(d, text))

            # the turn sits further down: the pane scrolls, and opening the picker must not move it
            scrolled = shot.scroll_to_turn(driver, KODING_TURN, below=120)
            assert scrolled > 0
            shot.drag_over(driver, driver.find_element(By.CSS_SELECTOR, text), KODING_PHRASE)
            field = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".tc-popup .tc-filter")))
            wait.until(lambda d: d.switch_to.active_element == field)
            assert driver.find_element(By.CSS_SELECTOR, ".tc-popup-quote").text == f"«{KODING_PHRASE}»"
            assert driver.execute_script("return document.querySelector('.tc-scroller').scrollTop") == scrolled
            ActionChains(driver).send_keys("VERTIK").perform()  # part of "Vertikal samhandling"
            wait.until(lambda d: [e.get_attribute("data-code") for e in d.find_elements(By.CSS_SELECTOR, ".tc-code")]
                       == ["styring.vertikal"])
            ActionChains(driver).send_keys(Keys.ENTER).perform()

            # stored: exactly the phrase, as the logged-in researcher
            driver.switch_to.default_content()
            wait.until(lambda _: list_codings(db, coder="forsker", user="forsker"))
            [rec] = list_codings(db, coder="forsker", user="forsker")
            assert (rec.source, rec.turn, rec.code, rec.text) == (KODING_SOURCE, KODING_TURN, "styring.vertikal",
                                                                   KODING_PHRASE)
            assert rec.end - rec.start == len(KODING_PHRASE)
            wait.until(lambda d: f"Kodet «{KODING_PHRASE}» i tur {KODING_TURN}" in body_text(d))

            # drawn: the phrase highlighted for this coding, and its stripe
            mine = f'{text} .tc-seg.tc-coded[data-codings~="{rec.id}"]'
            shot.enter_textcoder(driver, until=lambda d: frame_text(d, mine) == KODING_PHRASE)
            stripe = driver.find_element(By.CSS_SELECTOR, f'.tc-bar[data-coding="{rec.id}"]')
            assert "Vertikal samhandling" in stripe.get_attribute("title")
            assert "forsker" in stripe.get_attribute("title")

            # "Angre" (in the page, outside the frame) takes the coding away again
            driver.switch_to.default_content()
            wait.until(EC.element_to_be_clickable(
                (By.XPATH, '//button[.//*[normalize-space(text())="Angre"]]'))).click()
            wait.until(lambda _: not list_codings(db, coder="forsker", user="forsker"))
            wait.until(lambda d: "er angret" in body_text(d))
            shot.enter_textcoder(driver, until=lambda d: not d.find_elements(
                By.CSS_SELECTOR, f'.tc-bar[data-coding="{rec.id}"], [data-codings~="{rec.id}"]'))

            # the keyboard, on the same server: a coder codes a whole turn without the mouse
            keyboard_codes_a_whole_turn(driver, db)
        assert not streamlit_pids(port) and not ours & streamlit_pids()
    finally:
        db.dispose()


def keyboard_codes_a_whole_turn(driver, db) -> None:
    """In the Koding pane (scrolled down to turn 12): focus it, End and Home move the current turn
    (aria-current) and scroll the pane to it, j twice and Enter choose turn 3, which reaches
    Python ("Kod en hel tur" shows turn 3); the code list is open on the whole turn, a typed code
    and Enter code turn 3 whole as the logged-in coder; Escape in the pane closes "Valgt koding"."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    from workbench.coding import list_codings
    from workbench.ingest import list_turns

    wait = WebDriverWait(driver, 60)
    turn3 = next(t for t in list_turns(db, KODING_SOURCE, user="forsker") if t["index"] == 3)
    shown_in_form = f"3: {turn3['speaker'] or ''} – {turn3['text'][:60]}"

    def press(*keys) -> None:
        ActionChains(driver).send_keys(*keys).perform()

    def current(d) -> list[int]:
        return d.execute_script(
            "return [...document.querySelectorAll('.tc-turn[aria-current]')].map((e) => Number(e.dataset.turn))")

    def pane_top(d) -> int:
        return d.execute_script("return document.querySelector('.tc-scroller').scrollTop")

    shot.enter_textcoder(driver)
    assert pane_top(driver) > 0  # still scrolled down to turn 12
    driver.execute_script("document.querySelector('.tc-scroller').focus()")
    last = driver.execute_script("return Number([...document.querySelectorAll('.tc-turn')].pop().dataset.turn)")
    press(Keys.END)
    assert current(driver) == [last]
    bottom = pane_top(driver)
    assert bottom > 0 and driver.execute_script("""
        const v = document.querySelector(".tc-scroller").getBoundingClientRect();
        const r = document.querySelector(`.tc-turn[data-turn="${arguments[0]}"]`).getBoundingClientRect();
        return r.top >= v.top - 1 && r.bottom <= v.bottom + 1;""", last)  # the last turn in view
    press(Keys.HOME, "j", "j")
    assert current(driver) == [3] and pane_top(driver) < bottom
    # the frame must outlive the messages the page shows after each action (workbench.ui.session.show_flash)
    driver.execute_script("window.sameFrame = true")
    press(Keys.ENTER)

    # Python got the turn: the form under "Kod en hel tur" shows it
    driver.switch_to.default_content()
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-testid="stSelectbox"] input[aria-label="Tur"]')
               .get_attribute("value") == shown_in_form)
    # the code list is open on the whole turn, with the focus: a code typed and Enter code the turn
    shot.enter_textcoder(driver, until=lambda d: d.find_elements(By.CSS_SELECTOR, ".tc-popup .tc-filter"))
    wait.until(lambda d: d.switch_to.active_element == d.find_element(By.CSS_SELECTOR, ".tc-popup .tc-filter"))
    press("VERTIK")
    wait.until(lambda d: [e.get_attribute("data-code") for e in d.find_elements(By.CSS_SELECTOR, ".tc-code")]
               == ["styring.vertikal"])
    press(Keys.ENTER)
    driver.switch_to.default_content()
    wait.until(lambda _: list_codings(db, coder="forsker", user="forsker"))
    [rec] = list_codings(db, coder="forsker", user="forsker")
    assert (rec.turn, rec.code, rec.start, rec.end) == (3, "styring.vertikal", None, None)  # the whole turn
    wait.until(lambda d: "Kodet tur 3 med «Vertikal samhandling»." in body_text(d))
    assert "Valgt koding" in body_text(driver)  # the new coding is selected

    # Escape in the pane (which has the focus back after the redraw) clears the selection
    shot.enter_textcoder(driver, until=lambda d: d.execute_script(
        "return document.activeElement === document.querySelector('.tc-scroller')"))
    assert current(driver) == [3] and driver.execute_script("return window.sameFrame") is True
    press(Keys.ESCAPE)
    driver.switch_to.default_content()
    wait.until(lambda d: "Valgt koding" not in body_text(d))
