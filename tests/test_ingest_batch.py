"""Ingest of a whole batch as it went wrong for a tester: which of two identical files is kept,
spellings of one phase or actor, manifests saved by Excel in other encodings, control characters
in cells, a changed file, broken links, and warnings that name the right file.

All data is fictional.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.ingest import READERS, Parsed, Turn, ingest_paths, list_sources, list_turns
from workbench.ingest.manifest import read_manifest, read_participants
from workbench.privacy import label_warning, name_variants

INTERVIEW = ("Intervjuer: Hvordan går samarbeidet med fylket?\nOrdfører: Bra, takk.\n"
             "Intervjuer: Og med staten?\nOrdfører: Det tar tid.\n")


def run(url: str, *args: str):
    return CliRunner().invoke(cli, ["--db", url, "--user", "tester", *args])


def interview(path: Path, text: str = INTERVIEW) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------ identical files

@pytest.mark.parametrize("copy", ["Kopi av intervju_ordfører.txt", "arkiv/intervju_ordfører - Kopi.txt",
                                  "ørsta.txt"])
@pytest.mark.parametrize("table", ["manifest", "participants"])
def test_of_two_identical_files_the_one_a_table_names_is_stored_and_the_copy_skipped(db, tmp_path, copy, table):
    d = tmp_path / "korpus"
    interview(d / "intervju_ordfører.txt")
    interview(d / copy)  # sorts before the real one (but the last)
    if table == "manifest":
        (d / "manifest.csv").write_text("file,kind,phase,pilot\nintervju_ordfører.txt,intervju,fase 1,Vestby\n",
                                        encoding="utf-8")
    (d / "participants.csv").write_text("file,speaker,actor\n" + (
        "intervju_ordfører.txt,Ordfører,ordfører\n" if table == "participants" else "*,Ordfører,ordfører\n"),
        encoding="utf-8")
    report = ingest_paths(db, [d])
    assert report.errors == [] and report.added == ["intervju_ordfører.txt"]
    copy_name = Path(copy).name
    assert len(report.duplicates) == 1 and report.duplicates[0].startswith(
        f"{copy_name} has the same content as the already ingested intervju_ordfører.txt")
    assert not any(w.startswith(copy_name) for w in report.warnings)  # not "stored without kind"
    (row,) = list_sources(db)
    assert row["file"] == "intervju_ordfører.txt"
    assert row["kind"] == ("intervju" if table == "manifest" else None)
    assert {s["label"]: s["actor"] for s in row["speakers"]}["Ordfører"] == "ordfører"

    again = ingest_paths(db, [d])  # and so it stays
    assert again.added == [] and again.unchanged == ["intervju_ordfører.txt"] and len(again.duplicates) == 1


def test_of_identical_files_no_table_names_the_one_not_named_as_a_copy_is_stored(db, tmp_path):
    d = tmp_path / "korpus"
    interview(d / "Kopi av intervju.txt")
    interview(d / "intervju.txt")
    report = ingest_paths(db, [d])
    assert report.added == ["intervju.txt"]
    assert report.duplicates[0].startswith("Kopi av intervju.txt has the same content")


# ------------------------------------------------------------------------------------ spellings

def test_phase_and_category_spellings_are_stored_once_with_a_warning_naming_the_row(db, tmp_path):
    d = tmp_path / "korpus"
    for i in range(5):
        interview(d / f"fg_{i}.txt", INTERVIEW + f"Intervjuer: Takk for samtale {i}.\n")
    (d / "manifest.csv").write_text(
        "file;kind;phase;pilot;county\n"
        "fg_0.txt;fokusgruppe;Fase 1;Vestby;Østland\n"
        "fg_1.txt;fokusgruppe;fase1;vestby;Østland\n"
        "fg_2.txt;fokusgruppe;1;VESTBY;østland\n"
        "fg_3.txt;fokusgruppe;FASE 02;Nord Fron;Innlandet\n"
        "fg_4.txt;fokusgruppe;Pilot;NordFron;Innlandet\n", encoding="utf-8")
    (d / "participants.csv").write_text(
        "file;speaker;actor\n*;Intervjuer;forsker\nfg_0.txt;Ordfører;prosjektleder\n"
        "fg_1.txt;Ordfører;Prosjektleder\nfg_1.txt;Ordfører;prosjektleder\n"  # one label, two spellings: no conflict
        "fg_2.txt;Ordfører;Prosjektleder\n", encoding="utf-8")
    report = ingest_paths(db, [d])
    assert report.errors == [] and len(report.added) == 5
    rows = {r["file"]: r for r in list_sources(db)}
    assert [rows[f"fg_{i}.txt"]["phase"] for i in range(5)] == ["fase 1", "fase 1", "fase 1", "fase 2", "Pilot"]
    assert {r["pilot"] for r in rows.values()} == {"Vestby", "Nord Fron"}
    assert {r["county"] for r in rows.values()} == {"Østland", "Innlandet"}
    assert {s["actor"] for r in rows.values() for s in r["speakers"]} - {None} == {"forsker", "prosjektleder"}
    assert ("manifest.csv: row 3: pilot 'vestby' is stored as 'Vestby', the spelling of manifest.csv: row 2, "
            "as the two differ only in letter case or spacing; write it the same way to silence this warning"
            in report.warnings)
    assert any(w.startswith("manifest.csv: row 6: pilot 'NordFron' is stored as 'Nord Fron'") for w in report.warnings)
    assert any(w.startswith("participants.csv: row 4 (also row 6): actor 'Prosjektleder' is stored as "
                            "'prosjektleder', the spelling of participants.csv: row 3") for w in report.warnings)
    assert not any("phase" in w for w in report.warnings)  # "fase N" is the one form, not a guess

    interview(d / "fg_5.txt", INTERVIEW + "Intervjuer: Siste samtale.\n")  # a later batch
    (d / "manifest.csv").write_text("file;kind;phase;pilot\nfg_5.txt;fokusgruppe;pilot;VESTBY\n", encoding="utf-8")
    later = ingest_paths(db, [d / "fg_5.txt"], manifest=d / "manifest.csv")
    row = next(r for r in list_sources(db) if r["file"] == "fg_5.txt")
    assert (row["phase"], row["pilot"]) == ("Pilot", "Vestby")
    assert ("manifest.csv: row 2: pilot 'VESTBY' is stored as 'Vestby', the spelling already in the database, "
            "as the two differ only in letter case or spacing; write it the same way to silence this warning"
            in later.warnings)


def test_a_filter_written_in_another_case_still_finds_the_phase(tmp_path):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    d = tmp_path / "korpus"
    interview(d / "a.txt")
    (d / "manifest.csv").write_text("file,kind,phase\na.txt,intervju,Fase 2\n", encoding="utf-8")
    assert run(url, "ingest", str(d)).exit_code == 0
    assert json.loads(run(url, "sources", "--json").output)[0]["phase"] == "fase 2"
    result = run(url, "search", "samarbeidet", "--phase", "Fase 2", "--json")
    assert result.exit_code == 0, result.output
    assert [h["match"] for h in json.loads(result.output)] == ["samarbeidet"]


# ------------------------------------------------------------------------------------ table files

MANIFEST = "file{s}kind{s}phase\r\na.txt{s}intervju{s}fase 1\r\nb.txt{s}fokusgruppe{s}fase 2\r\n"


@pytest.mark.parametrize("encoding, separator, newline", [
    ("utf-16", "\t", "\r\n"),      # Excel: "Unicode text"
    ("utf-16", ";", "\r\n"),
    ("utf-8", ";", "\r"),          # old Mac line ends
    ("utf-8", "\t", "\n"),         # tab-separated
    ("utf-8-sig", ";", "\r\n"),    # Excel: "CSV UTF-8"
    ("cp1252", ";", "\r\n"),       # Excel: "CSV (semikolondelt)"
])
def test_manifests_and_rosters_as_excel_saves_them_are_read(db, tmp_path, encoding, separator, newline):
    d = tmp_path / "korpus"
    interview(d / "a.txt")
    interview(d / "b.txt", INTERVIEW + "Ordfører: Og så Ålesund.\n")
    (d / "manifest.csv").write_bytes(MANIFEST.format(s=separator).replace("\r\n", newline).encode(encoding))
    roster = f"file{separator}speaker{separator}actor\r\n*{separator}Ordfører{separator}ordfører\r\n"
    (d / "participants.csv").write_bytes(roster.replace("\r\n", newline).encode(encoding))
    assert read_manifest(d / "manifest.csv")["b.txt"]["kind"] == "fokusgruppe"
    report = ingest_paths(db, [d])
    assert report.errors == [] and sorted(report.added) == ["a.txt", "b.txt"]
    assert {r["file"]: r["phase"] for r in list_sources(db)} == {"a.txt": "fase 1", "b.txt": "fase 2"}
    assert list_turns(db, "a.txt")[1]["actor"] == "ordfører"


@pytest.mark.parametrize("content, said", [
    (b"file;kind\na.txt;intervju\x81\n", "manifest.csv:2: byte 0x81 is neither UTF-8 nor Windows-1252; save it "
                                         "as CSV UTF-8"),
    (b"PK\x03\x04" + b"\x00" * 40, "manifest.csv: this is a workbook (.xlsx), not a CSV file; rename it to "
                                   "manifest.xlsx"),
    (b"file|kind|phase\na.txt|intervju|fase 1\n", "manifest.csv: row 1 lacks column(s) file (it is read as one "
                                                  "column, 'file|kind|phase': separate the columns with commas"),
])
def test_an_unreadable_manifest_is_one_line_naming_it_and_the_fix(tmp_path, content, said):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    d = tmp_path / "korpus"
    interview(d / "a.txt")
    (d / "manifest.csv").write_bytes(content)
    result = run(url, "ingest", str(d))
    assert result.exit_code == 1 and "Traceback" not in result.output, result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("Feil:")]
    assert len(errors) == 1 and errors[0].startswith(f"Feil: {said}"), errors
    assert json.loads(run(url, "sources", "--json").output) == []


def test_control_characters_in_cells_are_not_stored(db, tmp_path):
    d = tmp_path / "korpus"
    interview(d / "a.txt")
    (d / "manifest.csv").write_bytes(b"file;kind;phase;pilot\na.txt\x00;intervju;fase 1\x00;Vest\x07by\x1f\n")
    (d / "participants.csv").write_bytes(b"file,speaker,actor\n*,Ordf\xc3\xb8rer\x00,ordf\xc3\xb8rer\x0b\n")
    assert read_participants(d / "participants.csv")["*"][0].speaker == "Ordfører"
    report = ingest_paths(db, [d])
    assert report.errors == []
    (row,) = list_sources(db)
    assert (row["phase"], row["pilot"]) == ("fase 1", "Vestby")
    assert list_turns(db, "a.txt")[1]["actor"] == "ordfører"


# ------------------------------------------------------------------------------------ a changed file

def test_a_changed_file_fails_the_run_and_says_how_to_replace_it(tmp_path):
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    f = interview(tmp_path / "korpus" / "intervju 3.txt")
    assert run(url, "ingest", str(f)).exit_code == 0
    f.write_text(INTERVIEW + "Ordfører: Et tillegg.\n", encoding="utf-8")
    result = run(url, "ingest", str(f))
    assert result.exit_code == 1, result.output
    (line,) = [ln for ln in result.output.splitlines() if ln.startswith("Endret:")]
    assert 'workbench remove-source "intervju 3.txt"' in line and "new file name" in line
    assert "1 endret (ikke lest inn på nytt)" in result.output

    assert run(url, "remove-source", "intervju 3.txt", "--yes").exit_code == 0  # as the line says
    assert run(url, "ingest", str(f)).exit_code == 0
    assert json.loads(run(url, "turns", "intervju 3.txt", "--json").output)[-1]["text"] == "Et tillegg."


# ------------------------------------------------------------------------------------ links

def test_a_broken_link_inside_the_folder_is_said_to_point_to_no_file(db, tmp_path):
    d = tmp_path / "korpus"
    interview(d / "a.txt")
    try:
        os.symlink("finnes_ikke.txt", d / "brutt.txt")
    except (OSError, NotImplementedError):
        pytest.skip("symbolic links cannot be made here")
    report = ingest_paths(db, [d])
    assert report.added == ["a.txt"]
    assert ("brutt.txt: skipped, a symbolic link to finnes_ikke.txt, a file that does not exist; point the link "
            "at the file, or delete it") in report.warnings
    assert not any("outside" in w for w in report.warnings)


# ------------------------------------------------------------------------------------ name warnings

def test_a_label_warning_names_the_source_without_a_roster_and_skips_guest_marks(db, tmp_path, monkeypatch):
    d = tmp_path / "korpus"
    interview(d / "teams.txt")
    monkeypatch.setitem(READERS, "txt", lambda path, roster=None, **kw: Parsed(
        [Turn("Velkommen.", "kari fjellstad"), Turn("Hei, det er meg.", "Guest-7f3a (Unverified)"),
         Turn("Hvem er du?", "kari fjellstad"), Turn("Fra kommunen.", "Guest-7f3a (Unverified)")],
        "txt", "transcript"))
    report = ingest_paths(db, [d])
    assert report.added == ["teams.txt"]
    named = [w for w in report.warnings if "is not read as a person's name" in w]
    assert len(named) == 1 and named[0].startswith("teams.txt: speaker 'kari fjellstad'")
    assert not any("participants.csv" in w or "Unverified" in w for w in report.warnings)


def test_meeting_tool_guest_marks_are_no_name_but_names_beside_them_still_count():
    for label in ("Guest-7f3a (Unverified)", "Guest 1 (Guest)", "Deltaker-9 (Ekstern)", "GJEST-2 (Gjest)"):
        assert label_warning(label) is None, label
    assert "'kari hansen'" in label_warning("kari hansen (Gjest)")
    assert "Nygård" in name_variants("Per Olav Nygård (Gjest)")  # scrubbed as before
