"""End to end: `workbench serve` on the demo database, Debian's headless Chromium logs in through
the form and finds the heatmap on the Oversikt page (and writes the screenshot that
docs/oversikt.png is made from). The demo database is built in a temporary folder with known
passwords (scripts/screenshot.py DEMO_PASSWORDS); data/demo.db is never used."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("wb_screenshot", ROOT / "scripts" / "screenshot.py")
shot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shot)

pytestmark = pytest.mark.browser

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


def body_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.TAG_NAME, "body").text


def navigation_text(driver) -> str:
    from selenium.webdriver.common.by import By

    return "\n".join(e.text for e in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stSidebarNav"]'))


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


def test_served_overview_shows_the_heatmap(demo_url, tmp_path):
    with shot.served(demo_url) as address, shot.chromium() as driver:
        shot.log_in(driver, address, "forsker", shot.DEMO_PASSWORDS["forsker"])
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


def test_a_page_opened_by_its_address_keeps_the_navigation(demo_url):
    """/koding opened directly asks for the login, then runs app.py around Koding (sidebar,
    Norwegian navigation), not a bare page."""
    from selenium.webdriver.support.ui import WebDriverWait

    with shot.served(demo_url) as address, shot.chromium() as driver:
        shot.log_in(driver, address.rstrip("/") + "/koding", "forsker", shot.DEMO_PASSWORDS["forsker"])
        WebDriverWait(driver, 60).until(lambda d: "Kod en tur" in body_text(d))
        shot.wait_idle(driver)
        body = body_text(driver)
        assert "Innlogget som forsker" in body and "Traceback" not in body
        assert "Oversikt" in navigation_text(driver) and "Koding" in navigation_text(driver)


def test_login_as_the_resource_group_shows_only_its_pages(demo_url):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    labels = roster_labels()
    assert labels  # the check below must have something to look for
    with shot.served(demo_url) as address, shot.chromium() as driver:
        driver.get(address)
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
    Koding page: no image or link element, and the browser asks nothing of that address."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    from tests.app_fixtures import TRACKER, USERS, build_small

    db = build_small(tmp_path)
    db.dispose()
    with shot.served(db.url) as address, shot.chromium() as driver:
        shot.log_in(driver, address.rstrip("/") + "/koding", "kari", USERS["kari"][1])
        WebDriverWait(driver, 60).until(lambda d: "Kod en tur" in body_text(d))
        shot.wait_idle(driver)
        # the first source is fg_fase1.txt, whose last turn holds it (word joiners are invisible)
        assert TRACKER in body_text(driver).replace("\u2060", "")
        assert not driver.find_elements(By.CSS_SELECTOR, 'img[src*="track"], a[href*="127.0.0.1:9"]')
        fetched = driver.execute_script(
            "return performance.getEntriesByType('resource').map(e => e.name)"
            ".filter(n => n.includes('127.0.0.1:9/'))")
        assert fetched == []
