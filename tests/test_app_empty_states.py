"""What the pages show for a project that is not complete: a notes file ingested without manifest or
participants (no phase, pilot, kind or actor), a codebook without sources, sources without a
codebook. Each state has its own Norwegian line; "Ingen data ennå" is for a new, empty project only.

The notes project is built on both databases (the ``db`` fixture: SQLite and PostgreSQL), the
others on SQLite. Fictional text throughout."""

from __future__ import annotations

import pytest

from workbench.analysis import DataStatus, data_status
from workbench.codebook import load_codebook
from workbench.coding import apply_code
from workbench.ingest import ingest_paths
from workbench.store import Database
from workbench.ui import session
from workbench.users import add_user

from tests.app_fixtures import CODEBOOK, PAGES, TITLES, USERS, open_page, rendered

NOTES = "notat_fase1.txt"
PARAGRAPHS = ["Dette er et fiktivt notat fra et møte i Testbygd.",
              "Vi snakket om kontrakt og samarbeid mellom partene.",
              "Neste møte blir i mars."]
CODED = PARAGRAPHS[1]
OVERSIKT, KODING, KODEBOK, EKSPORT, ENIGHET, SOK, KILDER = PAGES
NO_DATA = "Ingen data ennå"


def _users(db: Database) -> None:
    for name, (role, password, _email) in USERS.items():
        add_user(db, name, role, password=password, user="kari")


def _codebook(db: Database, tmp_path) -> None:
    (tmp_path / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    load_codebook(db, tmp_path / "kodebok.yaml", user="kari")


def _notes(db: Database, tmp_path) -> None:
    """One notes file, no manifest and no participants: a first ingest of a single file."""
    folder = tmp_path / "notater"
    folder.mkdir()
    (folder / NOTES).write_text("\n\n".join(PARAGRAPHS) + "\n", encoding="utf-8")
    assert ingest_paths(db, [folder / NOTES], user="kari").added == [NOTES]


@pytest.fixture
def notes_project(db, tmp_path, monkeypatch):
    """The app's database: the notes file, the codebook, kari's coding of its second paragraph."""
    _users(db)
    _notes(db, tmp_path)
    _codebook(db, tmp_path)
    apply_code(db, NOTES, 2, "kontrakt.hybrid", user="kari")
    monkeypatch.setenv("WORKBENCH_DB", db.url)
    monkeypatch.setenv("WORKBENCH_USER", "kari")
    return db


@pytest.fixture
def app_db(sqlite_db, monkeypatch):
    """An empty SQLite project with the three app users, as the app's database."""
    _users(sqlite_db)
    monkeypatch.setenv("WORKBENCH_DB", sqlite_db.url)
    monkeypatch.setenv("WORKBENCH_USER", "kari")
    return sqlite_db


def _text(at) -> str:
    from workbench.ui.format import md_unescape

    return md_unescape("\n".join(str(e.value) for kind in ("markdown", "caption", "info", "warning", "error",
                                                            "success") for e in getattr(at, kind)))


# ------------------------------------------------------------------------------- the library

def test_data_status_tells_each_state_apart_for_every_role(db, tmp_path):
    _users(db)
    assert data_status(db, user="kari") == DataStatus(False, False, False, False, False)
    assert data_status(db, user="kari").empty
    _codebook(db, tmp_path)
    assert data_status(db, user="rolf") == DataStatus(False, True, False, False, False)
    _notes(db, tmp_path)
    status = data_status(db, user="rolf")
    assert (status.sources, status.codebook, status.described, status.empty, status.grouped) == \
        (True, True, False, False, False)
    apply_code(db, NOTES, 2, "kontrakt.hybrid", user="kari")
    status = data_status(db, user="rita")
    assert status.coded and not status.coded_described and not status.grouped
    # a second source with a manifest (phase) and a roster (actor): grouped once one of its turns is coded
    folder = tmp_path / "fg"
    folder.mkdir()
    (folder / "fg_fase2.txt").write_text("PL Testbygd: Kontrakten gir oss tillit.\n", encoding="utf-8")
    (folder / "manifest.csv").write_text("file,kind,phase,pilot,county,date,language\n"
                                         "fg_fase2.txt,fokusgruppe,fase 2,Testpilot,Testfylke,2024-05-02,nb\n",
                                         encoding="utf-8")
    (folder / "participants.csv").write_text("file,speaker,actor,organisation,pilot\n"
                                             "fg_fase2.txt,PL Testbygd,prosjektleder,Testbygd kommune,Testpilot\n",
                                             encoding="utf-8")
    assert not ingest_paths(db, [folder], user="kari").errors
    status = data_status(db, user="rolf")
    assert status.described and not status.coded_described and not status.grouped
    apply_code(db, "fg_fase2.txt", 1, "kontrakt.relasjonell", user="kari")
    assert data_status(db, user="rolf").grouped


# ----------------------------------------------------- a notes file without manifest or roster

def test_every_page_works_with_a_source_without_phase_actor_pilot_or_kind(notes_project):
    for page in PAGES:
        at = open_page(page)
        assert at.title[0].value == TITLES[page] and not at.error, page
        assert NO_DATA not in _text(at), page


def test_the_overview_says_nothing_coded_has_an_actor_or_phase_and_how_to_add_them(notes_project):
    at = open_page(OVERSIKT)
    note = _text(at)
    assert "Ingen av de kodede segmentene har aktør eller fase ennå" in note
    assert "manifest.csv" in note and "participants.csv" in note and "workbench source set" in note
    assert "remove-source" not in note  # the codings are kept: metadata is given after ingest (ingest.metadata)
    assert CODED in _text(at) + "\n".join(d.value.to_string() for d in at.dataframe)  # the quote behind the cell


def test_coding_and_search_list_and_open_the_source(notes_project):
    at = open_page(KODING)
    assert at.selectbox(key="source").options == [NOTES]
    turns = at.selectbox(key=f"turn_{NOTES}").options
    assert len(turns) == 3 and CODED[:40] in turns[1]
    at = open_page(SOK)
    assert NOTES in at.selectbox(key="q_source").options
    at.text_input(key="q").input("samarbeid").run()
    assert "1 treff i 1 tur." in _text(at) and NOTES in _text(at)


def test_the_codebook_and_the_export_show_what_exists(notes_project):
    at = open_page(KODEBOK)
    assert "Hybrid kontrakt" in at.dataframe[0].value.to_string()
    at = open_page(EKSPORT)
    at.button(key="build").click().run()
    assert not at.error and at.session_state["export"]["tables"][0] == "tabeller.xlsx"


def test_the_resource_group_gets_the_note_but_no_text_or_file_name(notes_project):
    for page in ("views/oversikt.py", "views/kodebok.py"):
        at = open_page(page, "rolf")
        assert not at.error and NO_DATA not in _text(at)
        shown = rendered(at)
        assert NOTES not in shown and not any(p[:30] in shown for p in PARAGRAPHS), page
    at = open_page(OVERSIKT, "rolf")
    assert "Ingen av de kodede segmentene har aktør eller fase ennå" in _text(at)


# ---------------------------------------------------------------------- the other empty states

@pytest.mark.parametrize("page", PAGES)
def test_a_codebook_without_sources_says_so_and_kodebok_shows_it(app_db, tmp_path, page):
    _codebook(app_db, tmp_path)
    at = open_page(page)
    if page == KODEBOK:
        assert not at.info and "Hybrid kontrakt" in at.dataframe[0].value.to_string()
    else:
        assert [i.value for i in at.info] == [session.NO_SOURCES_MESSAGE] and not at.dataframe


@pytest.mark.parametrize("page", PAGES)
def test_sources_without_a_codebook_say_so_where_the_page_needs_one(app_db, tmp_path, page):
    _notes(app_db, tmp_path)
    at = open_page(page)
    assert not at.error and NO_DATA not in _text(at)
    if page in (KODING, SOK, KILDER):  # read, searched and described without a codebook
        assert session.NO_CODEBOOK_MESSAGE not in _text(at)
        assert NOTES in rendered(at)
    else:
        assert session.NO_CODEBOOK_MESSAGE in [i.value for i in at.info]


def test_the_messages_are_one_per_state():
    assert len({session.EMPTY_MESSAGE, session.NO_SOURCES_MESSAGE, session.NO_CODEBOOK_MESSAGE,
                session.HOW_TO_DESCRIBE}) == 4
