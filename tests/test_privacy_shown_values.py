"""A roster name inside a phase or pilot value ("Gjennomføring med Liv Bjørk", a pilot "Liv Bjørk") is
never shown to a role that does not read transcripts (the resource group, report authors): their
dashboards (frames, ``dashboard`` text and JSON), filter values, released quotes (``released``),
``settings show`` (``phase_order``) and exports (cells, titles, sheet names) read "[navn]" in its
place (``sharing.shown_values``), while a filter value taken from that view selects the stored
value(s) it stands for, two at once when two stored values read the same. Researchers see the
values as stored. SQLite and PostgreSQL. All people and places are fictional."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.analysis import filter_values, phase_change, quotes, theme_matrix
from workbench.cli import cli
from workbench.codebook import load_codebook
from workbench.coding import apply_code
from workbench.errors import WorkbenchError
from workbench.ingest import ingest_paths, list_sources
from workbench.ingest.metadata import set_source
from workbench.sharing import list_settings, release_quote, released_quotes, set_setting
from workbench.users import add_user

PASSWORD = "korrekt-hest-batteri"
LIV, PER, KARI, ODD = "Liv Bjørk", "Per Holm", "Kari Vangen", "Odd Strand"
NAMED_PHASE = f"Gjennomføring med {LIV}"
SHOWN_PHASE = "Gjennomføring med [navn]"

FG1 = (f"Moderator: Velkommen til første samling.\n\n"
       f"{LIV}: Vi har fått tillit fra departementet, og samarbeidet går godt.\n\n"
       f"{KARI}: Kapasiteten i kommunen er for liten til alle tiltakene.\n\n"
       f"{ODD}: Tilliten mellom partene er viktigst for oss.\n")
FG2 = (f"Moderator: Velkommen tilbake.\n\n"
       f"{LIV}: Samarbeidet med staten har gitt oss mer tillit enn før.\n\n"
       f"{KARI}: Vi mangler fortsatt folk, kapasiteten er for liten.\n\n"
       f"{ODD}: Tilliten har vokst, og vi må få fart på tiltakene.\n")
IV = ("Intervjuer: Hvordan går samarbeidet?\n\n"
      f"{PER}: Samarbeidet går godt, og tilliten har vokst.\n\n"
      "Intervjuer: Og kapasiteten?\n\n"
      f"{PER}: Vi mangler folk.\n")
MANIFEST = ("file,kind,phase,pilot,county,date,language\n"
            "fg_oppstart.txt,fokusgruppe,Oppstart,Fjordvik,Nordland,2023-03-05,nb\n"
            f"fg_gjennomforing.txt,fokusgruppe,{NAMED_PHASE},Fjordvik,Nordland,2024-03-05,nb\n"
            f"intervju.txt,intervju,Oppstart,{LIV},Nordland,2023-03-01,nb\n")
PARTICIPANTS = "file,speaker,actor,organisation,pilot\n" + "".join(
    f"{f},Moderator,forsker,SINTEF,\n{f},{LIV},ordfører,Fjordvik kommune,\n"
    f"{f},{KARI},prosjektleder,Fjordvik kommune,\n{f},{ODD},prosjektleder,Fjordvik kommune,\n"
    for f in ("fg_oppstart.txt", "fg_gjennomforing.txt")) + (
    "intervju.txt,Intervjuer,forsker,SINTEF,\n"
    f"intervju.txt,{PER},rådmann,Fjordvik kommune,\n")
CODEBOOK = """\
name: verdier
title: Kodebok for navn i fase og pilot
language: nb
codes:
  tillit:
    label: Tillit
    definition: Tillit mellom partene.
  kapasitet:
    label: Kapasitet
    definition: Mangel på folk.
"""


@pytest.fixture
def project(db, tmp_path):
    folder = tmp_path / "materiale"
    folder.mkdir()
    for name, text in (("fg_oppstart.txt", FG1), ("fg_gjennomforing.txt", FG2), ("intervju.txt", IV),
                       ("manifest.csv", MANIFEST), ("participants.csv", PARTICIPANTS)):
        (folder / name).write_text(text, encoding="utf-8")
    (tmp_path / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    report = ingest_paths(db, [folder], user="forsker")
    assert not report.errors, report.errors
    load_codebook(db, tmp_path / "kodebok.yaml", user="forsker")
    for source in ("fg_oppstart.txt", "fg_gjennomforing.txt"):
        for turn, code in ((2, "tillit"), (3, "kapasitet"), (4, "tillit")):
            apply_code(db, source, turn, code, user="forsker")
    apply_code(db, "intervju.txt", 2, "tillit", user="forsker")
    set_setting(db, "phase_order", f"Oppstart, {NAMED_PHASE}", user="forsker")
    release_quote(db, "fg_gjennomforing.txt", 4, "tillit", user="forsker")  # Odd's words: no name in them
    add_user(db, "rita", "resource_group", password=PASSWORD, user="forsker")
    add_user(db, "rolf", "report_author", password=PASSWORD, user="forsker")
    return db


def names_in(text: str) -> list[str]:
    """The parts of Liv's and Per's names that stand in ``text`` as words (capitalised: "per
    aktør" is no name)."""
    parts = {p for n in (LIV, PER) for p in n.split()}
    return sorted(p for p in parts if re.search(rf"(?<![^\W_]){re.escape(p)}(?![^\W_])", text))


def run(db, user: str, *args: str) -> str:
    res = CliRunner().invoke(cli, ["--db", db.url, "--user", user, *args], obj={})
    assert res.exit_code == 0, res.output
    return res.output


# ------------------------------------------------------------------------------ dashboards

@pytest.mark.parametrize("user", ["rita", "rolf"])
def test_dashboards_show_a_name_in_a_phase_or_pilot_as_navn_to_who_reads_no_transcripts(project, user):
    m = theme_matrix(project, by=("actor", "phase", "pilot"), user=user)
    assert set(m["phase"]) == {"Oppstart", SHOWN_PHASE}
    assert set(m["pilot"]) == {"Fjordvik", "[navn]"}
    assert m.attrs["phase_order"] == ["Oppstart", SHOWN_PHASE]
    by_phase = theme_matrix(project, by=("phase",), user=user)
    assert list(dict.fromkeys(by_phase["phase"])) == ["Oppstart", SHOWN_PHASE]
    for by in ("actor,phase", "actor,phase,pilot", "phase"):
        text = run(project, user, "dashboard", "--by", by)
        rows = json.loads(run(project, user, "dashboard", "--by", by, "--json"))
        assert SHOWN_PHASE in text and not names_in(text), text
        assert SHOWN_PHASE in {r["phase"] for r in rows} and not names_in(json.dumps(rows, ensure_ascii=False))
    values = filter_values(project, user=user)
    assert values["phase"] == ["Oppstart", SHOWN_PHASE]
    assert set(values["pilot"]) == {"Fjordvik", "[navn]"}


def test_researchers_see_phases_and_pilots_as_stored(project):
    m = theme_matrix(project, by=("actor", "phase", "pilot"), user="forsker")
    assert set(m["phase"]) == {"Oppstart", NAMED_PHASE} and LIV in set(m["pilot"])
    assert filter_values(project, user="forsker")["phase"] == ["Oppstart", NAMED_PHASE]
    assert set(released_quotes(project, user="forsker")["phase"]) == {NAMED_PHASE}
    assert list_settings(project, user="forsker")["phase_order"] == f"Oppstart, {NAMED_PHASE}"
    assert NAMED_PHASE in run(project, "forsker", "dashboard", "--json")
    assert len(quotes(project, code="tillit", phase=NAMED_PHASE, user="forsker")) == 2


# ------------------------------------------------------------------------------ filters

def test_a_filter_value_from_the_scrubbed_view_selects_the_stored_value(project):
    db = project
    # the Oversikt page: the phase chosen among filter_values cuts the matrix
    for user in ("rita", "rolf"):
        phase = filter_values(db, user=user)["phase"][1]
        m = theme_matrix(db, by=("actor", "phase"), user=user)
        assert phase == SHOWN_PHASE and len(m[m["phase"] == phase]) > 0
        r = released_quotes(db, user=user, phase=phase)
        assert len(r) == 1 and list(r["phase"]) == [SHOWN_PHASE]
    pilot = [p for p in filter_values(db, user="rolf")["pilot"] if p != "Fjordvik"][0]
    q = quotes(db, code="tillit", phase=SHOWN_PHASE, user="rolf")
    assert len(q) == 2 and set(q["phase"]) == {SHOWN_PHASE} and set(q["source"]) == {"fg_gjennomforing.txt"}
    q = quotes(db, code="tillit", pilot=pilot, user="rolf")
    assert pilot == "[navn]" and len(q) == 1 and set(q["pilot"]) == {"[navn]"}
    # the stored value, name and all, is no filter the view offers: refused, naming the shown ones
    with pytest.raises(WorkbenchError) as err:
        quotes(db, code="tillit", phase=NAMED_PHASE, user="rolf")
    assert f"known phases: {SHOWN_PHASE}, Oppstart" in str(err.value)
    # a phase comparison between the phases as shown
    pc = phase_change(db, phases=("Oppstart", SHOWN_PHASE), user="rolf")
    assert set(pc["phase_to"]) == {SHOWN_PHASE}


def test_two_stored_values_shown_alike_are_numbered_apart_and_each_selects_its_own(project):
    db = project
    other = f"Gjennomføring med {PER}"
    set_source(db, "fg_oppstart.txt", phase=other, user="forsker")
    first, second = f"{SHOWN_PHASE} (1)", f"{SHOWN_PHASE} (2)"
    assert sorted(filter_values(db, user="rolf")["phase"]) == [first, second, "Oppstart"]
    assert set(filter_values(db, user="forsker")["phase"]) == {"Oppstart", NAMED_PHASE, other}
    by_phase = {p: set(quotes(db, code="tillit", phase=p, user="rolf")["source"]) for p in (first, second)}
    # numbered in the order the sources were stored, not by the names in them
    stored = [r["file"] for r in list_sources(db, user="forsker") if r["file"].startswith("fg_")]
    assert by_phase == {first: {stored[0]}, second: {stored[1]}}
    m = theme_matrix(db, by=("actor", "phase"), user="rita")
    assert set(m["phase"]) == {"Oppstart", first, second} and not names_in(" ".join(map(str, m["phase"])))
    cell = m[(m["actor"] == "prosjektleder") & (m["code"] == "tillit") & (m["phase"] != "Oppstart")]
    assert len(cell) == 2 and cell["phase"].is_unique  # two groups, never mixed under one name
    # a table laid out per phase tells them apart: the comparison runs between the two
    pc = phase_change(db, phases=(first, second), user="rolf")
    assert set(zip(pc["phase_from"], pc["phase_to"])) == {(first, second)}
    # the numbering does not depend on who asks or when
    assert filter_values(db, user="rita")["phase"] == filter_values(db, user="rolf")["phase"]


# ------------------------------------------------------------------------------ released, settings

def test_released_quotes_and_settings_show_have_navn_for_the_resource_group(project):
    db = project
    assert set(released_quotes(db, user="rita")["phase"]) == {SHOWN_PHASE}
    listing = run(db, "rita", "released")
    assert SHOWN_PHASE in listing and not names_in(listing), listing
    assert list_settings(db, user="rita")["phase_order"] == f"Oppstart, {SHOWN_PHASE}"
    shown = run(db, "rita", "settings", "show")
    assert f"phase_order = Oppstart, {SHOWN_PHASE}" in shown and not names_in(shown)
    assert NAMED_PHASE in run(db, "forsker", "released")


# ------------------------------------------------------------------------------ exports

def workbook_text(path: Path) -> tuple[str, str]:
    """(every cell value of every sheet, the sheet names) of an .xlsx file."""
    from openpyxl import load_workbook

    book = load_workbook(path)
    cells = [str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value is not None]
    return "\n".join(cells), " | ".join(book.sheetnames)


@pytest.mark.parametrize("suppress", [False, True])
def test_a_report_authors_workbook_has_navn_in_cells_and_titles(project, tmp_path, suppress):
    from workbench.export import export_quotes, export_tables

    db = project
    path = tmp_path / "rolf" / "rapport.xlsx"
    path.parent.mkdir()
    export_tables(db, path, user="rolf", charts=False, suppress=suppress)
    cells, sheets = workbook_text(path)
    assert SHOWN_PHASE in cells and not names_in(cells), [c for c in cells.splitlines() if names_in(c)]
    assert f"Andel {SHOWN_PHASE}" in cells  # a column heading of the phase comparison
    assert not names_in(sheets), sheets
    # the tables' titles (the captions of a Word file)
    import docx

    doc = tmp_path / "rolf" / "rapport.docx"
    export_tables(db, doc, user="rolf", charts=False, suppress=suppress)
    captions = [p.text for p in docx.Document(doc).paragraphs if p.text.startswith("Tabell")]
    assert f"Endring mellom Oppstart og {SHOWN_PHASE}" in " ".join(captions)
    assert not names_in(" ".join(captions)), captions
    quotes_file = tmp_path / "rolf" / "sitater.xlsx"
    export_quotes(db, quotes_file, code="tillit", phase=SHOWN_PHASE, user="rolf", suppress=suppress)
    cells, _ = workbook_text(quotes_file)
    assert f"fase: {SHOWN_PHASE}" in cells and not names_in(cells), cells
    # the researcher's own workbook keeps the value as stored
    mine = tmp_path / "forsker" / "rapport.xlsx"
    mine.parent.mkdir()
    export_tables(db, mine, user="forsker", charts=False, suppress=suppress)
    assert NAMED_PHASE in workbook_text(mine)[0]


def test_a_report_authors_source_list_shows_phases_and_pilots_as_shown(project):
    """The source list (`workbench sources`, the report author's Kilder and Søk filters) gave the
    stored phase "Gjennomføring med Liv Bjørk" and the pilot "Liv Bjørk" to report authors."""
    db = project
    rows = {r["file"]: r for r in list_sources(db, user="rolf")}
    assert rows["fg_gjennomforing.txt"]["phase"] == SHOWN_PHASE
    assert rows["intervju.txt"]["pilot"] == "[navn]"
    assert not names_in(json.dumps(list(rows.values()), ensure_ascii=False, default=str))
    for args in (("sources",), ("sources", "--json")):
        assert not names_in(run(db, "rolf", *args))
    researcher = {r["file"]: r for r in list_sources(db, user="forsker")}
    assert (researcher["fg_gjennomforing.txt"]["phase"], researcher["intervju.txt"]["pilot"]) == (NAMED_PHASE, LIV)
