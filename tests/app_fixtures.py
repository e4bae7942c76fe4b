"""A small database for the Streamlit tests, built through the library (fictional people).

Two transcripts (fase 1 and fase 2, pilots Midt-Finnmark and Indre-Namdal), a four-code codebook,
codings by two coders, two pending suggestions, one quote released for the resource group, and
three app users, one per role (``USERS``: name -> (role, password, e-mail)). The moderator's last
turn holds a Markdown image, which the app must show as text. ``build_small(url)`` returns the
Database.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import tempfile
from pathlib import Path

import pytest

from workbench.codebook import load_codebook
from workbench.coding import apply_code
from workbench.ingest import ingest_paths
from workbench.sharing import release_quote
from workbench.store import Database, Segment, Source, Suggestion
from workbench.users import add_user

CODEBOOK = """\
name: testbok
title: Liten testkodebok
language: nb
codes:
  kontrakt:
    label: Kontraktsform
    codable: false
    definition: Hvordan avtalen forstås som kontrakt.
    children:
      - id: kontrakt.hybrid
        label: Hybrid kontrakt
        definition: Faste krav kombinert med åpne forpliktelser.
        inclusion: Utsagn om både krav og tillit.
        exclusion: Ren kontroll uten tillit.
        examples:
          - "Avtalen er både en kontrakt og et samarbeid."
        theory: Grandori & Furlotti 2019
        lexicon: [kontrakt, samarbeid]
      - id: kontrakt.relasjonell
        label: Relasjonell kontrakt
        definition: Avtalen som relasjon og tillit.
        lexicon: [tillit, avtale]
  kapasitet:
    label: Kapasitet
    definition: Mangel på folk og kompetanse i kommunene.
    lexicon: [folk, kapasitet]
"""

TRACKER = "![spor](http://127.0.0.1:9/track.png)"  # a Markdown image: must never be fetched
TRANSCRIPTS = {
    "fg_fase1.txt": (
        "Moderator: Velkommen til fokusgruppa.\n\n"
        "PL Testbygd: Avtalen er både en kontrakt og et samarbeid.\n\n"
        "Rådgiver SF: Tilliten mellom partene er viktigst.\n\n"
        "PL Testbygd: Vi mangler folk til å følge opp tiltakene.\n\n"
        f"Moderator: Takk, se {TRACKER} før neste møte.\n"
    ),
    "intervju_fase2.txt": (
        "Intervjuer: Hvordan går det nå?\n\n"
        "PL Namdal: Kapasiteten i kommunene er fortsatt liten.\n\n"
        "PL Namdal: Avtalen har blitt en kontrakt med tydelige krav, men vi stoler på hverandre.\n"
    ),
}
MANIFEST = """\
file,kind,phase,pilot,county,date,language
fg_fase1.txt,fokusgruppe,fase 1,Midt-Finnmark,Finnmark,2023-04-18,nb
intervju_fase2.txt,intervju,fase 2,Indre-Namdal,Trøndelag,2024-10-01,nb
"""
PARTICIPANTS = """\
file,speaker,actor,organisation,pilot
fg_fase1.txt,Moderator,forsker,SINTEF,
fg_fase1.txt,PL Testbygd,prosjektleder,Gamvik kommune,Midt-Finnmark
fg_fase1.txt,Rådgiver SF,statsforvalter,Statsforvalteren i Troms og Finnmark,Midt-Finnmark
intervju_fase2.txt,Intervjuer,forsker,SINTEF,
intervju_fase2.txt,PL Namdal,prosjektleder,Røyrvik kommune,Indre-Namdal
"""
# (file, turn, code, coder)
CODINGS = [
    ("fg_fase1.txt", 2, "kontrakt.hybrid", "anna"),
    ("fg_fase1.txt", 3, "kontrakt.relasjonell", "anna"),
    ("fg_fase1.txt", 4, "kapasitet", "anna"),
    ("fg_fase1.txt", 2, "kontrakt.hybrid", "bjorn"),
    ("intervju_fase2.txt", 2, "kapasitet", "anna"),
]
# (file, turn, code) released for the resource group
RELEASED = [("fg_fase1.txt", 4, "kapasitet")]
# app users: name -> (role, password, single sign-on e-mail)
USERS = {
    "kari": ("researcher", "kari-passord-2024", "kari@example.no"),
    "rita": ("report_author", "rita-passord-2024", "rita@example.no"),
    "rolf": ("resource_group", "rolf-passord-2024", "rolf@example.no"),
}
# speaker labels as written in the files (never shown outside the Koding page and reveal)
ROSTER_LABELS = ("PL Testbygd", "Rådgiver SF", "PL Namdal", "Gamvik kommune", "Røyrvik kommune",
                 "Statsforvalteren i Troms og Finnmark")


_SMALL_TEMPLATE: list[Path] = []  # the database build_small made first in this process


def build_small(folder: Path) -> Database:
    """Write the files into ``folder`` and build ``folder/app.db`` through the library.

    The first call in a process builds it; later calls copy that database file (the same rows,
    ids and audit trail, built a few seconds earlier), since it is the starting point of some
    two hundred app tests."""
    folder = Path(folder)
    if not _SMALL_TEMPLATE:
        template_dir = Path(tempfile.mkdtemp(prefix="wb_small_"))
        atexit.register(shutil.rmtree, template_dir, True)
        template = _build_small(template_dir)
        template.dispose()
        path = template_dir / "app.db"
        with sqlite3.connect(path) as conn:  # everything in the main file, nothing in the WAL
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        _SMALL_TEMPLATE.append(path)
    _write_small_files(folder)
    shutil.copyfile(_SMALL_TEMPLATE[0], folder / "app.db")
    return Database(f"sqlite:///{folder / 'app.db'}")


def _write_small_files(folder: Path) -> Path:
    corpus = folder / "korpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for name, text in TRANSCRIPTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (corpus / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    (folder / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    return corpus


def _build_small(folder: Path, db: Database | None = None) -> Database:
    """The small project built in ``db`` (a migrated, empty database: a PostgreSQL one for the
    tests of both databases), else in a new ``folder/app.db``."""
    corpus = _write_small_files(folder)
    if db is None:
        db = Database(f"sqlite:///{folder / 'app.db'}")
        db.upgrade()
    report = ingest_paths(db, [corpus], user="anna")
    assert not report.errors, report.errors
    load_codebook(db, folder / "kodebok.yaml", user="anna")
    for file, turn, code, coder in CODINGS:
        apply_code(db, file, turn, code, user=coder)
    # Two pending suggestions on the fase 2 interview, as a suggester would leave them.
    with db.transaction(user="anna") as tx:
        s = tx.session
        src = s.query(Source).filter_by(file_name="intervju_fase2.txt").one()
        seg = {g.index: g for g in s.query(Segment).filter_by(source_id=src.id)}
        s.add(Suggestion(segment_id=seg[3].id, code_id="kontrakt.hybrid", method="lexicon", score=0.9,
                         evidence=["kontrakt"], status="pending"))
        s.add(Suggestion(segment_id=seg[3].id, code_id="kontrakt.relasjonell", method="lexicon",
                         score=0.6, evidence=["stole"], status="pending"))
    for file, turn, code in RELEASED:
        release_quote(db, file, turn, code, user="anna")
    for name, (role, password, email) in USERS.items():
        add_user(db, name, role, password=password, email=email, user="anna")
    return db


# ------------------------------------------------------------------------ AppTest helpers

ROOT = Path(__file__).resolve().parents[1]
APP = str(ROOT / "app.py")
PAGES = ["views/oversikt.py", "views/koding.py", "views/kodebok.py", "views/eksport.py", "views/enighet.py",
         "views/sok.py", "views/kilder.py"]
TITLES = {"views/oversikt.py": "Oversikt: temaer per aktør og fase", "views/koding.py": "Koding",
          "views/kodebok.py": "Kodebok", "views/eksport.py": "Eksport",
          "views/enighet.py": "Enighet mellom kodere", "views/sok.py": "Søk", "views/kilder.py": "Kilder"}
ROLE_PAGES = {"researcher": ["Oversikt", "Koding", "Søk", "Kodebok", "Enighet", "Eksport", "Kilder"],
              "report_author": ["Oversikt", "Kodebok", "Enighet", "Eksport"],
              "resource_group": ["Oversikt", "Kodebok"]}


def app(user: str | None = None):
    """An AppTest of app.py, logged in as ``user`` through the session (None: a visitor)."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(APP, default_timeout=120)
    if user is not None:
        at.session_state["login"] = {"name": user, "role": USERS[user][0], "method": "password"}
    return at


def open_page(page: str, user: str | None = "kari"):
    """Run the app as ``user`` and switch to ``page``; fails on an exception."""
    at = app(user).run()
    assert not at.exception, [e.value for e in at.exception]
    if page != PAGES[0]:
        at.switch_page(page).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def log_in_with_form(at, name: str, password: str):
    """Fill the login form like a user and press "Logg inn"."""
    at.text_input(key="login_name").input(name)
    at.text_input(key="login_password").input(password)
    at.button[[b.label for b in at.button].index("Logg inn")].click().run()
    return at


def navigation_titles(at) -> list[str]:
    """The page titles of the app's navigation (what the sidebar lists), in order."""
    return [info.get("page_name") for info in at._registered_pages.values()]


def chart_data(at) -> list:
    """The data frames of every Vega-Lite chart on the page (what the browser receives)."""
    from streamlit import dataframe_util

    out = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        for ds in getattr(proto, "datasets", []) if proto is not None and hasattr(proto, "DESCRIPTOR") and \
                "datasets" in proto.DESCRIPTOR.fields_by_name else []:
            out.append(dataframe_util.convert_arrow_bytes_to_pandas_df(ds.data.data))
    return out


def rendered(at) -> str:
    """Everything the page sends to the browser, as text: every element's fields (labels, options,
    Markdown, chart specs), every table and every chart's data, Markdown escapes removed."""
    from google.protobuf import text_format
    from streamlit.testing.v1.element_tree import Dataframe

    from workbench.ui.format import md_unescape

    parts = []
    for node in at._tree:
        proto = getattr(node, "proto", None)
        if isinstance(node, Dataframe):
            parts.append(node.value.to_string())
        elif proto is not None and hasattr(proto, "DESCRIPTOR"):
            parts.append(text_format.MessageToString(proto, as_utf8=True))
    parts += [df.to_string() for df in chart_data(at)]
    text = "\n".join(parts)
    return text + "\n" + md_unescape(text)


@pytest.fixture
def small_db(tmp_path, monkeypatch):
    """The small project (:func:`build_small`) as the app's database (``WORKBENCH_DB``). The
    library calls of the tests themselves act as kari (``WORKBENCH_USER``), which never logs
    anyone in to the app. Import it into a test module to use it."""
    db = build_small(tmp_path)
    monkeypatch.setenv("WORKBENCH_DB", db.url)
    monkeypatch.setenv("WORKBENCH_USER", "kari")
    yield db
    db.dispose()
