"""The Streamlit pages, in process (streamlit.testing AppTest) on a small database built through
the library (tests/app_fixtures.py), logged in as the researcher "kari" unless a test says
otherwise. Logging in, roles and what each role sees: tests/test_app_login.py."""

from __future__ import annotations

import importlib.util
import io
import os
import zipfile
from pathlib import Path

import pytest

from workbench.coding import list_codings, list_memos, list_suggestions
from workbench.store import Database
from workbench.ui.charts import selected_cell
from workbench.ui.format import md_unescape
from workbench.users import add_user

from tests.app_fixtures import PAGES, TITLES, app, open_page, small_db  # noqa: F401 (a fixture)

ROOT = Path(__file__).resolve().parents[1]




TABLE_COLUMN = {"share_table": "Aktør", "quotes": "Sitat", "codes_table": "Kode-ID"}


def table(at: AppTest, key: str):
    """The shown table of that kind, told apart by a column only it has (AppTest has no keys)."""
    found = [d.value for d in at.dataframe if TABLE_COLUMN[key] in d.value.columns
             and (key != "share_table" or "Sitat" not in d.value.columns)]
    assert len(found) == 1, f"{key}: {len(found)} tables"
    return found[0]


def texts(at) -> str:
    """The Markdown elements' text as a reader sees it (escapes removed)."""
    return md_unescape("\n".join(str(e.value) for kind in ("markdown", "caption", "info", "error", "success")
                                 for e in getattr(at, kind)))


@pytest.mark.parametrize("page", PAGES)
def test_every_page_renders(small_db, page):
    at = open_page(page)
    assert at.title[0].value == TITLES[page]
    assert not at.error
    if page == PAGES[0]:  # (AppTest drops app.py's sidebar after switch_page; the browser test sees it)
        assert "Innlogget som **kari** (forsker)" in [m.value for m in at.sidebar.markdown]
        assert not at.sidebar.text_input  # no free-text user box any more


def opened_at(address: str, user: str | None = "kari"):
    """The app as a browser opens http://localhost:8501/ADDRESS (a fresh session)."""
    from streamlit.util import calc_hash

    at = app(user)
    at.context = {"url": f"http://localhost:8501/{address}"}
    at._page_hash = calc_hash(address)  # what the browser asks for at that address
    return at.run()


@pytest.mark.parametrize("user, address", [("kari", "nosuch"), ("rolf", "koding")])
def test_an_address_that_is_no_page_of_the_role_opens_the_overview_with_a_norwegian_note(small_db, user, address):
    # (Streamlit itself would run the overview under its English "Page not found".)
    at = opened_at(address, user)
    assert not at.exception and at.title[0].value == TITLES[PAGES[0]]
    assert f"Adressen /{address} er ingen side du har tilgang til; her er Oversikt." in texts(at)
    assert "Kod en hel tur" not in texts(at)


def test_the_overview_answers_at_its_name_and_the_login_form_at_any_address(small_db):
    from tests.app_fixtures import USERS, log_in_with_form

    at = opened_at("oversikt")
    assert not at.exception and at.title[0].value == TITLES[PAGES[0]] and "Adressen" not in texts(at)
    for address in ("nosuch", "oversikt"):
        at = opened_at(address, None)
        assert not at.exception and [t.value for t in at.title] == ["Logg inn"]
    log_in_with_form(at, "kari", USERS["kari"][1])
    assert at.title[0].value == TITLES[PAGES[0]] and "Adressen" not in texts(at)


def test_uninitialised_database_shows_how_to_start_on_the_login_page(tmp_path, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DB", f"sqlite:///{tmp_path / 'tom.db'}")
    at = app().run()
    assert not at.exception and at.title[0].value == "Logg inn"
    assert any("Ingen data ennå" in i.value and "workbench demo" in i.value for i in at.info)
    assert any("workbench user add NAVN --role researcher" in i.value for i in at.info)


@pytest.mark.parametrize("page", PAGES)
def test_empty_database_shows_a_hint_not_a_traceback(tmp_path, monkeypatch, page):
    db = Database(f"sqlite:///{tmp_path / 'tom.db'}")
    db.upgrade()
    add_user(db, "kari", "researcher", password="kari-passord-2024", user="kari")
    monkeypatch.setenv("WORKBENCH_DB", db.url)
    at = open_page(page)
    assert any("Ingen data ennå" in i.value and "workbench demo" in i.value for i in at.info)
    assert not at.error and not at.dataframe


def _back_to_0012(db: Database) -> None:
    """Step the database back to revision 0012 (before ``removed_speakers``), as a database made
    by the previous release is."""
    from alembic import command
    from sqlalchemy import inspect

    from workbench.store.db import _alembic_config

    with db.engine.begin() as conn:
        cfg = _alembic_config(db.url)
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0012")
    assert "removed_speakers" not in inspect(db.engine).get_table_names()
    db.dispose()


def test_a_database_one_revision_behind_is_upgraded_when_the_app_opens_it(small_db):
    """`streamlit run app.py` (no `workbench serve` to upgrade first) on a database at 0012: the
    pages open without a traceback, and the database is at the newest revision afterwards."""
    from sqlalchemy import inspect

    _back_to_0012(small_db)
    at = open_page(PAGES[0])
    assert at.title[0].value == TITLES[PAGES[0]] and not at.error
    assert "removed_speakers" in inspect(small_db.engine).get_table_names()
    assert small_db.is_current()
    at.switch_page("views/koding.py").run()
    assert not at.exception and at.title[0].value == "Koding"


def test_a_database_the_app_cannot_upgrade_gets_one_norwegian_line_naming_workbench_init(small_db, monkeypatch):
    from workbench.errors import WorkbenchError

    def refused(self):
        raise WorkbenchError(f"cannot open database {self.url}: attempt to write a readonly database")

    _back_to_0012(small_db)
    upgrade = Database.upgrade
    monkeypatch.setattr(Database, "upgrade", refused)
    at = app("kari").run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Databasen er laget av en eldre versjon av arbeidsbenken, og appen fikk ikke oppgradert den (for eksempel "
        "fordi filen er skrivebeskyttet eller databasebrukeren mangler rettigheter). Kjør `workbench init` på samme "
        "database (WORKBENCH_DB) og last siden på nytt."]
    assert not at.title  # no page runs on a schema it does not know
    monkeypatch.setattr(Database, "upgrade", upgrade)  # once it can be written, the next run upgrades it
    at = open_page(PAGES[0])
    assert at.title[0].value == TITLES[PAGES[0]] and not at.error


def test_overview_heatmap_and_filters_change_the_table(small_db):
    at = open_page(PAGES[0])
    chart = at.get("vega_lite_chart")[0].proto
    assert '"celle"' in chart.spec and "facet" in chart.spec  # clickable cells, one panel per phase
    wide = table(at, "share_table")
    assert set(wide["Fase"]) == {"fase 1", "fase 2"}
    # statsforvalter: 1 segment in fase 1, coded relasjonell -> Kontraktsform 100 %
    row = wide[(wide["Aktør"] == "statsforvalter") & (wide["Fase"] == "fase 1")].iloc[0]
    assert row["Kontraktsform"] == "100 %" and row["Kapasitet"] == "0 %"

    at.selectbox(key="phase").set_value("fase 2").run()
    wide = table(at, "share_table")
    assert set(wide["Fase"]) == {"fase 2"} and "statsforvalter" not in set(wide["Aktør"])
    assert "facet" not in at.get("vega_lite_chart")[0].proto.spec

    at.selectbox(key="phase").set_value("Alle faser")
    at.selectbox(key="pilot").set_value("Midt-Finnmark").run()
    wide = table(at, "share_table")
    # the fase 2 interview is Indre-Namdal: only its moderator row (pilot-less -> source pilot) is gone
    assert set(wide["Fase"]) == {"fase 1"}

    at.selectbox(key="pilot").set_value("Alle piloter")
    at.selectbox(key="group").set_value("kontrakt").run()
    wide = table(at, "share_table")
    assert "– Hybrid kontrakt" in wide.columns and "Kapasitet" not in wide.columns

    at.selectbox(key="coder").set_value("bjorn").run()
    wide = table(at, "share_table")
    row = wide[(wide["Aktør"] == "statsforvalter") & (wide["Fase"] == "fase 1")].iloc[0]
    assert row["Kontraktsform"] == "0 %"  # bjorn only coded the prosjektleder turn


def test_overview_leaves_out_the_interviewers_unless_asked(small_db):
    at = open_page(PAGES[0])
    assert "forsker" not in set(table(at, "share_table")["Aktør"])
    at.checkbox(key="with_researchers").check().run()
    assert "forsker" in set(table(at, "share_table")["Aktør"])


def test_overview_cell_shows_quotes_with_actor_never_speaker_label(small_db):
    at = open_page(PAGES[0])
    at.selectbox(key="cell_actor").set_value("prosjektleder")
    at.selectbox(key="cell_code").set_value("kapasitet").run()
    q = table(at, "quotes")
    assert sorted(q["Sitat"]) == ["Kapasiteten i kommunene er fortsatt liten.",
                                  "Vi mangler folk til å følge opp tiltakene."]
    assert set(q["Aktør"]) == {"prosjektleder"}
    shown = q.to_string() + texts(at)
    for label in ("PL Testbygd", "PL Namdal", "Gamvik kommune"):
        assert label not in shown
    at.selectbox(key="cell_phase").set_value("fase 2").run()
    assert list(table(at, "quotes")["Sitat"]) == ["Kapasiteten i kommunene er fortsatt liten."]


def test_heatmap_click_is_read_as_a_cell():
    event = {"selection": {"celle": [{"actor": "statsforvalter", "code": "kontrakt", "phase": "fase 1"}]}}
    assert selected_cell(event) == {"actor": "statsforvalter", "code": "kontrakt", "phase": "fase 1"}
    assert selected_cell({"selection": {"celle": []}}) is None
    assert selected_cell(None) is None


def test_coding_page_applies_and_removes_a_code(small_db):
    at = open_page(PAGES[1])
    turns = at.selectbox(key="turn_fg_fase1.txt")  # the turn picker of the chosen source
    assert any("PL Testbygd" in o for o in turns.options)  # labels as written
    at.selectbox(key="source").set_value("fg_fase1.txt")
    at.selectbox(key="turn_fg_fase1.txt").set_value(3)
    at.selectbox(key="code").set_value("kapasitet")
    at.button(key="apply").click().run()
    assert not at.exception and not at.error
    stored = [(c.source, c.turn, c.code, c.origin) for c in list_codings(small_db, coder="kari")]
    assert stored == [("fg_fase1.txt", 3, "kapasitet", "manual")]
    assert any("Kodet tur 3" in s.value for s in at.success)
    assert "Koder på turen: **Kapasitet** (kari)" in texts(at)

    at.button(key="remove").click().run()
    assert list_codings(small_db, coder="kari") == []
    at.button(key="remove").click().run()  # nothing left to remove: a message, not a traceback
    assert not at.exception and md_unescape(at.error[0].value) == "Du har ingen koding «Kapasitet» på tur 3 å fjerne."


def test_coding_page_reviews_suggestions_and_writes_memos(small_db):
    at = open_page(PAGES[1])
    at.selectbox(key="source").set_value("intervju_fase2.txt").run()
    ids = sorted(s.id for s in list_suggestions(small_db))
    assert f"accept_{ids[0]}" in [b.key for b in at.button]
    at.button(key=f"accept_{ids[0]}").click().run()
    at.button(key=f"reject_{ids[1]}").click().run()
    assert not at.exception and not at.error
    assert list_suggestions(small_db) == []
    coding = list_codings(small_db, coder="kari")
    assert [(c.turn, c.code, c.origin) for c in coding] == [(3, "kontrakt.hybrid", "lexicon")]
    assert [s.id for s in list_suggestions(small_db, status="rejected")] == [ids[1]]

    at.selectbox(key="turn_intervju_fase2.txt").set_value(2)
    at.text_area(key="memo_text").input("Kapasitet nevnes igjen i fase 2.")
    at.button(key="save_memo").click().run()
    memos = list_memos(small_db, source="intervju_fase2.txt")
    assert [(m.author, m.turn, m.text) for m in memos] == [("kari", 2, "Kapasitet nevnes igjen i fase 2.")]
    # the turn, the text and the click came together: no draft of the saved text is left on turn 1
    from workbench.coding import list_drafts
    assert list_drafts(small_db, user="kari") == []


def test_codebook_page_search_and_frequencies(small_db):
    at = open_page(PAGES[2])
    codes = table(at, "codes_table")
    assert list(codes["Kode-ID"]) == ["kontrakt", "kontrakt.hybrid", "kontrakt.relasjonell", "kapasitet"]
    # kapasitet: fg turn 4 and interview turn 2 = 2 segments
    assert codes.set_index("Kode-ID").loc["kapasitet", "Segmenter"] == 2
    # the codebook file by its name, not the server's folder it was loaded from
    assert "fra kodebok.yaml, 4 koder." in texts(at) and "/kodebok.yaml" not in texts(at)
    at.selectbox(key="detail").set_value("kontrakt.hybrid").run()
    shown = texts(at)
    assert "Faste krav kombinert med åpne forpliktelser." in shown and "Grandori & Furlotti 2019" in shown
    at.text_input(key="search").input("tillit").run()
    assert list(table(at, "codes_table")["Kode-ID"]) == ["kontrakt.relasjonell"]
    at.text_input(key="search").input("").run()
    at.selectbox(key="coder").set_value("bjorn").run()
    assert table(at, "codes_table").set_index("Kode-ID").loc["kapasitet", "Segmenter"] == 0



def test_codebook_page_counts_as_the_dashboards_do(small_db):
    """The interviewers' own turns (actor forsker) are neither counted nor in the denominator, as
    on Oversikt, in `workbench dashboard --by ""` and in exports: one counting rule everywhere."""
    from workbench.analysis import theme_matrix
    from workbench.coding import apply_code
    from workbench.export.tables import counted_out
    from workbench.ui.format import percent

    apply_code(small_db, "fg_fase1.txt", 1, "kapasitet", user="kari")  # the moderator's welcome
    at = open_page(PAGES[2])
    row = table(at, "codes_table").set_index("Kode-ID").loc["kapasitet"]
    dashboard = theme_matrix(small_db, by=[], exclude_actors=counted_out(), user="kari").set_index("code")
    assert row["Segmenter"] == dashboard.at["kapasitet", "segments"] == 2
    # 2 of the 5 turns that are not the interviewers' (not 3 of all 8)
    assert row["Andel av alle segmenter"] == percent(dashboard.at["kapasitet", "share"]) == "40 %"
    assert "Forskernes egne ytringer (intervjuer/moderator) telles ikke" in texts(at)

def test_codebook_frequency_chart_labels_every_bar(small_db):
    import json

    at = open_page(PAGES[2])
    at.selectbox(key="detail").set_value("kontrakt").run()
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    y = spec["encoding"]["y"]
    assert y["field"] == "kode" and y["sort"] == ["Kontraktsform", "– Hybrid kontrakt", "– Relasjonell kontrakt"]
    # Streamlit's chart theme hides overlapping axis labels (every other one of 11 bars): this
    # chart turns that off and gives each bar a row of its own
    assert y["axis"]["labelOverlap"] is False and y["axis"]["labelLimit"] >= 300
    assert spec["height"] == {"step": 24}


def test_frequency_bars_give_each_of_many_codes_a_labelled_row():
    import pandas as pd

    from workbench.ui.charts import frequency_bars

    freq = pd.DataFrame({"code": [f"k.{i}" for i in range(11)], "label": [f"Kode nummer {i}" for i in range(11)],
                         "level": [0] + [1] * 10, "segments": range(11), "codings": range(11),
                         "share": [0.1] * 11, "is_parent": [True] + [False] * 10})
    spec = frequency_bars(freq).to_dict()
    assert spec["encoding"]["y"]["axis"]["labelOverlap"] is False
    assert spec["height"] == {"step": 24}  # 11 bars, 11 rows of 24 px, one label each
    assert spec["encoding"]["y"]["sort"] == ["Kode nummer 0"] + [f"– Kode nummer {i}" for i in range(1, 11)]


@pytest.mark.parametrize("fmt, magic", [("xlsx", b"PK"), ("docx", b"PK"), ("csv", b"PK")])
def test_export_page_offers_downloads(small_db, fmt, magic):
    at = open_page(PAGES[3])
    at.radio(key="format").set_value(fmt)
    at.button(key="build").click().run()
    assert not at.exception and not at.error
    export = at.session_state["export"]
    name, data = export["tables"]
    assert data[:2] == magic
    if fmt == "csv":
        names = zipfile.ZipFile(io.BytesIO(data)).namelist()
        assert len(names) >= 4 and all(n.endswith(".csv") for n in names)
    else:
        assert name.endswith(f".{fmt}")
    assert export["charts"] and all(png[:8] == b"\x89PNG\r\n\x1a\n" for _, png in export["charts"])
    labels = [b.label for b in at.get("download_button")]
    assert labels[0].startswith("Last ned tabellene") and len(labels) == 1 + len(export["charts"])


def test_suggest_button_adds_pending_suggestions(small_db):
    at = open_page(PAGES[1])
    at.selectbox(key="source").set_value("fg_fase1.txt").run()
    before = len(list_suggestions(small_db, source="fg_fase1.txt"))
    at.button(key="suggest").click().run()
    assert not at.exception and not at.error
    after = list_suggestions(small_db, source="fg_fase1.txt")
    assert len(after) > before
    assert any(f"accept_{s.id}" == b.key for s in after for b in at.button)


def test_serve_runs_streamlit_on_the_given_database(monkeypatch, tmp_path):
    from click.testing import CliRunner

    from workbench.cli import cli
    from workbench.cli import serve as serve_module

    calls = []

    class Done:
        returncode = 0

        def __init__(self, cmd, env, cwd):
            calls.append((cmd, env, cwd))

        def wait(self):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(serve_module.subprocess, "Popen", Done)
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["serve", "--db", "data/x.db", "--port", "8765"], obj={})
    assert result.exit_code == 0, result.output
    cmd, env, cwd = calls[0]
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4].endswith("app.py")
    assert cmd[cmd.index("--server.port") + 1] == "8765"
    assert env["WORKBENCH_DB"] == f"sqlite:///{tmp_path / 'data' / 'x.db'}"
    assert "http://localhost:8765" in result.output


def _streamlit_on(port: int) -> list[int]:
    """Pids of live `streamlit run` processes serving ``port`` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and b"streamlit" in argv and b"run" in argv and str(port).encode() in argv:
            found.append(int(entry.name))
    return found


@pytest.mark.skipif(not Path("/proc/self/cmdline").exists() or not hasattr(os, "killpg"), reason="needs Linux /proc")
def test_a_killed_serve_stops_its_streamlit_server(tmp_path):
    """`kill` (SIGTERM) on `workbench serve` -- or on `workbench demo` serving -- must not leave
    the Streamlit server running without its parent, holding the port."""
    import signal
    import subprocess
    import sys
    import time

    spec = importlib.util.spec_from_file_location("wb_shot", ROOT / "scripts" / "screenshot.py")
    shot = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(shot)
    port = shot.free_port()
    db = f"sqlite:///{tmp_path / 'w.db'}"
    proc = subprocess.Popen([sys.executable, "-m", "workbench", "serve", "--db", db, "--port", str(port)],
                            cwd=tmp_path, env=dict(os.environ, PYTHONPATH=str(ROOT)), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        shot._wait_healthy(proc, f"http://127.0.0.1:{port}", 90, "workbench serve", lambda: "")
        assert _streamlit_on(port)
        proc.send_signal(signal.SIGTERM)  # to `workbench serve` only, as `kill PID` does
        assert proc.wait(30) == 0
        deadline = time.monotonic() + 15
        while _streamlit_on(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _streamlit_on(port)
    finally:
        shot._kill_group(proc)
