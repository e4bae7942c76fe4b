"""End to end: `workbench serve` on a demo-like database, Debian's headless Chromium finds the
heatmap on the Oversikt page (and writes the screenshot that docs/oversikt.png is made from)."""

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


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory):
    reason = shot.browser_missing()
    if reason:
        if os.environ.get("CI"):  # CI installs Chromium (.ci/run): a missing browser is a failure there
            pytest.fail(f"browser test cannot run in CI: {reason}")
        pytest.skip(f"browser test skipped: {reason}")
    demo = ROOT / "data" / "demo.db"
    if demo.exists():
        return f"sqlite:///{demo}"
    return shot.build_demo_db(tmp_path_factory.mktemp("demo"))


def test_served_overview_shows_the_heatmap(demo_url, tmp_path):
    from selenium.webdriver.common.by import By

    with shot.served(demo_url) as address, shot.chromium() as driver:
        heatmap = shot.wait_for_heatmap(driver, address)
        assert heatmap.size["width"] > 200 and heatmap.size["height"] > 100
        page = driver.find_element(By.TAG_NAME, "body").text
        assert "Oversikt: temaer per aktør og fase" in page
        assert "Sitater bak en celle" in page and "Traceback" not in page
        assert "prosjektleder" in page  # an actor from the demo corpus, in the quote picker
        out = tmp_path / "oversikt.png"
        driver.save_screenshot(str(out))
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and out.stat().st_size > 20_000


def test_a_page_opened_by_its_address_keeps_the_navigation(demo_url):
    """/koding opened directly runs app.py (sidebar user field, Norwegian navigation), not a bare page."""
    import time

    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    with shot.served(demo_url) as address, shot.chromium() as driver:
        driver.get(address.rstrip("/") + "/koding")
        WebDriverWait(driver, 60).until(lambda d: "Bruker (koder)" in d.find_element(By.TAG_NAME, "body").text)
        time.sleep(1)
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "Kod en tur" in body and "Oversikt" in body and "Traceback" not in body
