"""The textcoder component (workbench/ui/textcoder): the Python wrapper's checks and conversions,
events returned once, the built front end present and shipped, the harness page in process
(AppTest), and one real-browser test: a mouse drag over a phrase after æøå, an emoji and a
combining mark, a typed code filter and Enter give offsets whose Python slice is that phrase."""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest

from workbench.coding import CodingRecord
from workbench.ui import textcoder

ROOT = Path(__file__).resolve().parents[1]
HARNESS = ROOT / "tests" / "apps" / "textcoder_harness.py"
BUILD = ROOT / "workbench" / "ui" / "textcoder" / "build"
FRONTEND = ROOT / "workbench" / "ui" / "textcoder" / "frontend"

TURNS = [{"turn": 1, "speaker": "Kari", "actor": "prosjektleder", "position": "00:00:05", "text": "Hei på deg 😀 igjen",
          "playable": True},
         {"turn": 2, "speaker": "Ola", "actor": None, "position": "s. 2", "text": "Kort.", "playable": False}]
CODES = [{"id": "a", "label": "Alfa", "color": None}, {"id": "b", "label": "Beta", "color": " #ABC"},
         {"id": "c", "label": "Gamma", "color": None}]


def prepared(**kw):
    args = dict(turns=TURNS, codes=CODES)
    args.update(kw)
    return textcoder.prepare_args(**args)


# ---- arguments ------------------------------------------------------------------------------------
def test_arguments_are_converted_to_plain_json():
    import numpy as np

    out = prepared(turns=[dict(TURNS[0], turn=np.int64(1), playable=1), dict(TURNS[1], turn="2", position=None)],
                   codings=[{"id": 7.0, "turn": 1, "code": "a", "coder": "kari", "start": np.int32(4), "end": 6}],
                   suggestions=[{"id": 3, "turn": 2, "code": "b", "score": np.float64(0.5), "start": None,
                                 "end": None, "evidence": [(0, 4)], "method": "leksikon", "precision": float("nan"),
                                 "recall": 0.25}],
                   selected_coding="7", scroll_to=2.0, height=500)
    json.dumps(out)  # what Streamlit will do with them
    assert out["turns"][0] == {**TURNS[0], "turn": 1, "playable": True}
    assert type(out["turns"][0]["turn"]) is int and out["turns"][1]["turn"] == 2 and out["turns"][1]["position"] == ""
    assert out["codings"] == [{"id": 7, "turn": 1, "code": "a", "coder": "kari", "start": 4, "end": 6}]
    assert type(out["codings"][0]["start"]) is int
    assert out["suggestions"] == [{"id": 3, "turn": 2, "code": "b", "score": 0.5, "method": "leksikon",
                                   "precision": None, "recall": 0.25, "quality": "treff 25 %", "start": None,
                                   "end": None, "evidence": [[0, 4]]}]
    assert (out["selected_coding"], out["scroll_to"], out["height"]) == (7, 2, 500)


def test_codes_get_palette_colours_in_order_and_colours_are_normalised():
    colours = [c["color"] for c in prepared()["codes"]]
    assert colours == [textcoder.PALETTE[0], "#aabbcc", textcoder.PALETTE[1]]


def test_offsets_are_clipped_to_the_turn_and_other_turns_left_out():
    out = prepared(codings=[{"id": 1, "turn": 1, "code": "a", "coder": "k", "start": -4, "end": 99},
                            {"id": 2, "turn": 9, "code": "a", "coder": "k", "start": 0, "end": 1},
                            {"id": 3, "turn": 2, "code": "zz", "coder": "k", "start": None, "end": None}],
                   suggestions=[{"id": 4, "turn": 9, "code": "a", "score": 1, "evidence": []},
                                {"id": 5, "turn": 1, "code": "a", "score": 1, "start": 2, "end": 50,
                                 "evidence": [[-1, 3], [16, 40], [5, 5]]}])
    # "Hei på deg 😀 igjen" is 18 code points (the emoji is one)
    assert [(c["id"], c["start"], c["end"]) for c in out["codings"]] == [(1, 0, 18), (3, None, None)]
    assert [(s["id"], s["start"], s["end"], s["evidence"]) for s in out["suggestions"]] == [
        (5, 2, 18, [[0, 3], [16, 18]])]


def test_records_with_attributes_are_accepted():
    record = CodingRecord(id=4, source="x.txt", turn=1, code="a", coder="kari", start=0, end=3, text="Hei",
                          origin="manual", created_at=None, memo=None)
    assert prepared(codings=[record])["codings"] == [
        {"id": 4, "turn": 1, "code": "a", "coder": "kari", "start": 0, "end": 3}]


@pytest.mark.parametrize("change, message", [
    (dict(turns=[{"speaker": "x", "text": "y"}]), "turns -> 0 -> turn: field required"),
    (dict(turns=[TURNS[0], TURNS[0]]), "turns -> 1 -> turn: turn 1 is given twice"),
    (dict(turns=[dict(TURNS[0], turn=True)]), "turns -> 0 -> turn: expected an integer, got True"),
    (dict(turns="abc"), "turns must be a list of items, got str"),
    (dict(codes=[{"id": "a"}, {"id": "a"}]), "codes -> 1 -> id: code 'a' is given twice"),
    (dict(codes=[{"id": "a", "color": "red"}]), "codes -> 0 -> color: expected a colour as #rrggbb, got 'red'"),
    (dict(codings=[{"id": 1, "turn": 1, "coder": "k"}]), "codings -> 0 -> code: field required"),
    (dict(codings=[{"id": 1, "turn": 1, "code": "a", "start": 3, "end": None}]),
     "codings -> 0: start and end must both be given or both be None"),
    (dict(codings=[{"id": 1, "turn": 1, "code": "a", "start": 5, "end": 2}]), "codings -> 0: start 5 is after end 2"),
    (dict(codings=[{"id": "x", "turn": 1, "code": "a"}]), "codings -> 0 -> id: expected an integer, got 'x'"),
    (dict(suggestions=[{"id": 1, "turn": 1, "code": "a", "score": None}]), "suggestions -> 0 -> score"),
    (dict(suggestions=[{"id": 1, "turn": 1, "code": "a", "score": "høy"}]),
     "suggestions -> 0 -> score: expected a number"),
    (dict(suggestions=[{"id": 1, "turn": 1, "code": "a", "score": 1, "evidence": ["samarbeid"]}]),
     "suggestions -> 0 -> evidence -> 0: expected a [start, end] pair"),
    (dict(height=40), "height must be at least 150"),
    (dict(scroll_to="neste"), "scroll_to: expected an integer"),
])
def test_bad_arguments_name_the_place(change, message):
    with pytest.raises(ValueError) as info:
        prepared(**change)
    assert message in str(info.value)
    assert str(info.value).startswith("text_coder: ")


def test_evidence_words_become_code_point_ranges():
    """The suggestion records' evidence spans (workbench.coding) are code points, as the component wants."""
    from workbench.coding import evidence_spans

    text = "😀 Samarbeidet og samarbeid, ikke samarbeidsvilje? Jo, samarbeidsvilje."
    spans = evidence_spans(text, ["samarbeid", "jo", ""])
    assert [text[s:e] for s, e in spans] == ["Samarbeidet", "samarbeid", "samarbeidsvilje", "Jo",
                                              "samarbeidsvilje"]
    assert spans[0] == (2, 13)  # the emoji counts as one


# ---- events ---------------------------------------------------------------------------------------
class FakeComponent:
    """Stands in for the declared component: records the arguments, returns ``values`` in turn."""

    def __init__(self, *values):
        self.values = list(values)
        self.calls: list[dict] = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return self.values.pop(0) if len(self.values) > 1 else self.values[0]


@pytest.fixture
def fake(monkeypatch):
    """A fake component and a plain dict as st.session_state."""
    import streamlit

    monkeypatch.setattr(streamlit, "session_state", {})
    component = FakeComponent(None)
    monkeypatch.setattr(textcoder, "_component", lambda: component)
    return component


def test_an_event_is_returned_once(fake):
    first = {"type": "select", "coding": 4, "seq": 100}
    second = {"type": "code", "turn": 1, "start": 0, "end": 3, "code": "a", "seq": 101}
    fake.values = [None, first, first, first, second, second, dict(first, seq=102)]
    got = [textcoder.text_coder(TURNS, CODES, key="k") for _ in range(7)]
    assert got == [None, first, None, None, second, None, dict(first, seq=102)]
    call = fake.calls[0]
    assert call["key"] == "k" and call["default"] is None
    assert set(call) == {"turns", "codes", "codings", "suggestions", "selected_coding", "scroll_to", "height",
                         "key", "default"}
    json.dumps(call)


def test_each_key_keeps_its_own_last_event(fake):
    event = {"type": "play", "turn": 1, "seq": 5}
    fake.values = [event]
    assert textcoder.text_coder(TURNS, CODES, key="venstre") == event
    assert textcoder.text_coder(TURNS, CODES, key="høyre") == event
    assert textcoder.text_coder(TURNS, CODES, key="venstre") is None


def test_the_keyboards_events_are_returned(fake):
    """Enter on a turn in the pane: {"type": "turn"}; Escape with a coding selected: "select" with
    None."""
    chosen = {"type": "turn", "turn": 2, "seq": 7}
    cleared = {"type": "select", "coding": None, "seq": 8}
    fake.values = [chosen, cleared]
    assert [textcoder.text_coder(TURNS, CODES, key="k") for _ in range(2)] == [chosen, cleared]


@pytest.mark.parametrize("value", [{"type": "code"}, {"seq": 3, "type": "explode"}, "tekst", 7, [1, 2]])
def test_values_that_are_not_events_are_ignored(fake, value):
    fake.values = [value]
    assert textcoder.text_coder(TURNS, CODES, key="k") is None


def test_the_key_is_required():
    with pytest.raises(TypeError):
        textcoder.text_coder(TURNS, CODES)  # noqa
    with pytest.raises(ValueError, match="key must be a non-empty string"):
        textcoder.text_coder(TURNS, CODES, key="")


def test_the_dev_url_replaces_the_build_folder(monkeypatch):
    monkeypatch.setenv(textcoder.DEV_URL_ENV, "http://localhost:3001")
    component = textcoder._component()
    assert component.url == "http://localhost:3001" and component.path is None
    monkeypatch.delenv(textcoder.DEV_URL_ENV)
    component = textcoder._component()
    assert component.url is None and Path(component.path) == BUILD
    assert component.name == "workbench.ui.textcoder.textcoder"


# ---- the built front end ----------------------------------------------------------------------------
def test_the_built_front_end_is_present_and_shipped():
    html = (BUILD / "index.html").read_text(encoding="utf-8")
    refs = re.findall(r'(?:src|href)="([^"?]+)\?v=([0-9a-f]+)"', html)
    assert {name for name, _ in refs} == {"textcoder.js", "textcoder.css"}
    for name, digest in refs:
        data = (BUILD / name).read_bytes()
        # index.html was written by the same build as the files it loads
        assert hashlib.sha256(data).hexdigest()[:10] == digest, f"{name}: run npm run build in {FRONTEND}"
    assert (BUILD / "textcoder.js").stat().st_size < 400_000
    # every file in build/ is package data, so the wheel serves the component without Node
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["workbench"]
    package = ROOT / "workbench"
    shipped = {p for pattern in patterns for p in package.glob(pattern) if p.is_file()}
    built = {p for p in BUILD.rglob("*") if p.is_file()}
    assert built and built <= shipped


def test_the_build_is_not_ignored_by_git_and_node_modules_is():
    if not shutil.which("git") or not (ROOT / ".git").exists():
        pytest.skip("no git checkout")

    def ignored(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0

    assert not ignored("workbench/ui/textcoder/build/index.html")
    assert not ignored("workbench/ui/textcoder/build/textcoder.js")
    assert ignored("workbench/ui/textcoder/frontend/node_modules/x/index.js")


def test_the_build_has_the_keyboard_of_the_source():
    """The keys' hint line in src/index.ts is in the built bundle: build/ was rebuilt after the
    keyboard was added (npm run build)."""
    source = (FRONTEND / "src" / "index.ts").read_text(encoding="utf-8")
    hint = "".join(re.findall(r'"([^"]*)"', source[source.index("const KEYS_HINT"):].split(";", 1)[0]))
    assert hint.startswith("Tastatur: j/k eller piltaster flytter mellom turer") and "Esc fjerner valget" in hint
    built = (BUILD / "textcoder.js").read_text(encoding="utf-8")
    # esbuild writes ø and å as escapes: every stretch of the hint between them is there as written
    stretches = re.findall(r"[ -~]{6,}", hint)
    assert len(stretches) >= 3 and all(part in built for part in stretches), stretches


def test_research_text_never_meets_inner_html():
    source = "\n".join(p.read_text(encoding="utf-8") for p in (FRONTEND / "src").glob("*.ts"))
    assert not re.search(r"\.(innerHTML|outerHTML)\b|insertAdjacentHTML|document\.write", source)
    assert "createTextNode" in source


# ---- the harness page in process --------------------------------------------------------------------
def harness():
    from streamlit.testing.v1 import AppTest

    return AppTest.from_file(str(HARNESS), default_timeout=60)


def test_the_harness_runs():
    at = harness().run()
    assert not at.exception
    assert [c.value for c in at.caption] == ["Ingen hendelse ennå."]
    component = next(e for e in at.main.children.values() if getattr(e, "key", None) == "coder")
    args = json.loads(component.proto.json_args)
    assert args["height"] == 560 and len(args["turns"]) == 4 and args["key"] == "coder"
    assert all(re.fullmatch(r"#[0-9a-f]{6}", c["color"]) for c in args["codes"])


def test_the_harness_applies_a_code_event_once(monkeypatch):
    line = "Vi opplever at staten stiller krav, men at avtalen også gir rom for tillit."  # turn 3's first line
    start = line.index("tillit")
    event = {"type": "code", "turn": 3, "start": start, "end": start + 6, "code": "samarbeid", "seq": 9}
    component = FakeComponent(event)
    monkeypatch.setattr(textcoder, "_component", lambda: component)
    at = harness().run()
    assert not at.exception
    shown = json.loads(at.code[0].value)
    assert shown["event"] == event and shown["slice"] == "tillit"
    # the harness reran itself after applying the event; that run did not apply it again
    assert sum(c["code"] == "samarbeid" for c in at.session_state["codings"]) == 1
    at.run()
    assert sum(c["code"] == "samarbeid" for c in at.session_state["codings"]) == 1
    assert len(component.calls) == 3


# ---- a real browser ---------------------------------------------------------------------------------
_spec = importlib.util.spec_from_file_location("wb_screenshot", ROOT / "scripts" / "screenshot.py")
shot = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(shot)

PHRASE = "samarbeidet på tvers av kommunene"


@pytest.fixture(scope="module")
def browser_ready():
    reason = shot.browser_missing()
    if reason:
        if os.environ.get("CI"):  # CI installs Chromium (.ci/run): a missing browser is a failure there
            pytest.fail(f"browser test cannot run in CI: {reason}")
        pytest.skip(f"browser test skipped: {reason}")


def _last_event(driver, timeout: float = 60, **expected) -> dict:
    """Wait (in the page, outside the frame) until the harness shows an event with ``expected``."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    def shown(d):
        for block in d.find_elements(By.CSS_SELECTOR, '[data-testid="stCode"]'):
            try:
                data = json.loads(block.text)
            except ValueError:
                continue
            if all(data["event"].get(k) == v for k, v in expected.items()):
                return data
        return False

    return WebDriverWait(driver, timeout).until(shown)


@contextlib.contextmanager
def _server_and_browser():
    """The harness served and a Chromium, started side by side (each takes a second or two);
    both are stopped afterwards, also when one of them fails to start."""
    from concurrent.futures import ThreadPoolExecutor

    with contextlib.ExitStack() as stack, ThreadPoolExecutor(1) as pool:
        browser = pool.submit(stack.enter_context, shot.chromium(1300, 1100))
        try:
            address = stack.enter_context(shot.served_script(HARNESS))
        finally:
            driver = browser.result()  # (raises if it failed; a started browser is on the stack)
        yield address, driver


@pytest.mark.browser
def test_in_a_browser_a_dragged_selection_is_coded_with_python_offsets(browser_ready, quick_polls):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    with _server_and_browser() as (address, driver):
        driver.get(address)
        shot.enter_textcoder(driver)
        wait = WebDriverWait(driver, 30)
        turn = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, '.tc-text[data-turn="2"]')))
        # research text is text: the "<b>" of turn 4 is characters, not an element
        assert "<b>&amp;</b>" in driver.find_element(By.CSS_SELECTOR, '.tc-text[data-turn="4"]').text
        assert not driver.find_elements(By.CSS_SELECTOR, ".tc-text b")
        assert "Forslag: Samarbeid og nettverk · 0,82" in driver.find_element(By.CSS_SELECTOR, ".tc-suggs").text
        assert "presisjon 88 % · treff 61 %" in driver.find_element(By.CSS_SELECTOR, ".tc-suggs").text

        # before the phrase: æøå, "😀", a combining acute (kafe\u0301en) and a ZWJ family emoji
        shot.drag_over(driver, turn, PHRASE)
        field = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".tc-popup .tc-filter")))
        wait.until(lambda d: d.switch_to.active_element == field)
        assert driver.find_element(By.CSS_SELECTOR, ".tc-popup-quote").text == f"«{PHRASE}»"
        ActionChains(driver).send_keys("NETTV").perform()  # part of "Samarbeid og nettverk", any case
        wait.until(lambda d: [e.get_attribute("data-code") for e in d.find_elements(By.CSS_SELECTOR, ".tc-code")]
                   == ["samarbeid"])
        ActionChains(driver).send_keys(Keys.ENTER).perform()

        driver.switch_to.default_content()
        shown = _last_event(driver, type="code")
        event = shown["event"]
        assert shown["slice"] == PHRASE and event["text"] == PHRASE
        assert (event["turn"], event["code"]) == (2, "samarbeid") and event["end"] - event["start"] == len(PHRASE)

        # the new coding is drawn with its stripe; clicking another stripe selects that coding
        shot.enter_textcoder(driver)
        wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".tc-text .tc-selwrap")))
        stripe = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, '.tc-bar[data-coding="1"]')))
        assert "Hybrid kontrakt" in stripe.get_attribute("title") and "kari" in stripe.get_attribute("title")
        stripe.click()
        driver.switch_to.default_content()
        _last_event(driver, type="select", coding=1)

        # the selected coding shows "Fjern" on its label, which removes it
        shot.enter_textcoder(driver)
        remove = wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, '.tc-label[data-coding="1"] .tc-remove')))
        assert remove.text == "Fjern"
        remove.click()
        driver.switch_to.default_content()
        _last_event(driver, type="remove", coding=1)

        # ▶ on a playable turn, "Godta" on a suggestion
        shot.enter_textcoder(driver)
        wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, '.tc-turn[data-turn="3"] .tc-play'))).click()
        driver.switch_to.default_content()
        _last_event(driver, type="play", turn=3)
        shot.enter_textcoder(driver)
        wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, '.tc-sugg[data-sugg="11"] .tc-accept'))).click()
        driver.switch_to.default_content()
        _last_event(driver, type="accept", suggestion=11)

        # a drag from turn 2 into turn 3 is clipped to turn 2, with a hint
        shot.enter_textcoder(driver)
        start = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, '.tc-text[data-turn="2"]')))
        end = driver.find_element(By.CSS_SELECTOR, '.tc-text[data-turn="3"]')
        r = driver.execute_script(shot.PHRASE_RECT, start, "næringsutvikling")
        (ActionChains(driver)
         .move_to_element_with_offset(start, round(r["x0"] + 1 - r["w"] / 2), round(r["y0"] - r["h"] / 2))
         .click_and_hold().move_to_element(end).release().perform())
        hint = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".tc-popup .tc-popup-hint")))
        assert "bare teksten i tur [2]" in hint.text
        ActionChains(driver).send_keys("legit", Keys.ENTER).perform()
        driver.switch_to.default_content()
        shown = _last_event(driver, type="code", code="legitimitet")
        assert shown["slice"] == "næringsutvikling og bolig."

        # the keyboard (same server): see test_the_keyboard_moves_between_turns_and_codes_a_whole_turn
        _keyboard_steps(driver)


def _current(driver) -> list[int]:
    """The turns marked current (aria-current) in the frame."""
    return driver.execute_script(
        "return [...document.querySelectorAll('.tc-turn[aria-current]')].map((e) => Number(e.dataset.turn))")


def _in_view(driver, turn: int) -> bool:
    return driver.execute_script("""
        const v = document.querySelector(".tc-scroller").getBoundingClientRect();
        const r = document.querySelector(`.tc-turn[data-turn="${arguments[0]}"]`).getBoundingClientRect();
        return r.top >= v.top - 1 && r.bottom <= v.bottom + 1;""", turn)


def _keyboard_steps(driver) -> None:
    """In the harness, after the mouse steps (the coding made last is selected): the pane takes the
    focus and shows a ring; j/k, ↓/↑ and Home/End move the current turn (aria-current, scrolled
    into view); Enter tells Python the turn (a "turn" event) and opens the code list on the whole
    turn, where typed letters (a "k" too) filter codes and move nothing; Enter then codes the whole
    turn with Python offsets; Escape clears the selected coding (a "select" event with None)."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    def press(*keys) -> None:
        ActionChains(driver).send_keys(*keys).perform()

    wait = WebDriverWait(driver, 30)
    shot.enter_textcoder(driver)
    pane = wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".tc-scroller")))
    assert pane.get_attribute("tabindex") == "0"
    assert driver.find_element(By.CSS_SELECTOR, ".tc-keys").text == (
        "Tastatur: j/k eller piltaster flytter mellom turer, Home/End til første/siste, "
        "Enter velger turen og åpner kodelisten, Esc fjerner valget")
    driver.execute_script("arguments[0].scrollTop = 40; arguments[0].focus();", pane)
    assert _current(driver) == [4]  # the turn clicked last ("Godta" on its suggestion)
    press(Keys.HOME)
    assert _current(driver) == [1] and driver.execute_script("return arguments[0].scrollTop", pane) == 0
    assert driver.execute_script("return getComputedStyle(arguments[0]).outlineStyle", pane) == "solid"
    current_box = driver.find_element(By.CSS_SELECTOR, '.tc-turn[data-turn="1"]')
    assert driver.execute_script("return getComputedStyle(arguments[0]).boxShadow", current_box) != "none"
    press("j", "j")
    assert _current(driver) == [3]
    press("k")
    assert _current(driver) == [2]
    press(Keys.END)
    assert _current(driver) == [4] and _in_view(driver, 4)  # (the Koding page's browser test: a long pane)
    press(Keys.HOME)
    assert _current(driver) == [1] and driver.execute_script("return arguments[0].scrollTop", pane) == 0
    press(Keys.ARROW_DOWN)
    assert _current(driver) == [2]
    whole = driver.execute_script("return document.querySelector('.tc-text[data-turn=\"2\"]').textContent")

    press(Keys.ENTER)
    field = wait.until(EC.visibility_of_element_located((By.CSS_SELECTOR, ".tc-popup .tc-filter")))
    wait.until(lambda d: d.switch_to.active_element == field)
    assert frame_text(driver, '.tc-text[data-turn="2"] .tc-pending') == whole  # the whole turn
    driver.switch_to.default_content()
    _last_event(driver, type="turn", turn=2)
    shot.enter_textcoder(driver)
    press("kontrakt")
    wait.until(lambda d: [e.get_attribute("data-code") for e in d.find_elements(By.CSS_SELECTOR, ".tc-code")]
               == ["kontrakt.hybrid"])
    assert _current(driver) == [2]  # the "k" went into the filter
    press(Keys.ENTER)
    driver.switch_to.default_content()
    shown = _last_event(driver, type="code", code="kontrakt.hybrid")
    assert shown["event"]["start"] == 0 and shown["slice"] == whole  # Python's offsets: the whole turn

    # the new coding is selected; Escape in the pane clears that selection
    shot.enter_textcoder(driver)
    wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, ".tc-selwrap, .tc-whole-selected")))
    # the code list that had the focus went with the redraw: the pane has it back, so keys go on
    wait.until(lambda d: d.execute_script("return document.activeElement === document.querySelector('.tc-scroller')"))
    press(Keys.ESCAPE)
    driver.switch_to.default_content()
    _last_event(driver, type="select", coding=None)
    shot.enter_textcoder(driver)
    wait.until(lambda d: not d.find_elements(By.CSS_SELECTOR, ".tc-whole-selected, .tc-selwrap"))
    assert _current(driver) == [2]  # the current turn stays through the redraw


def frame_text(driver, css: str) -> str:
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].map((e) => e.textContent).join('')", css)
