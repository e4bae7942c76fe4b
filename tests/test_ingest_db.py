"""ingest_paths, re-ingest, bad input, manifest/roster, reading back (sources, turns)."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from workbench.errors import NotFound, WorkbenchError
from workbench.ingest import ingest_paths, list_sources, list_turns
from workbench.ingest.manifest import read_manifest
from workbench.store.models import AuditEvent, Segment, Source, Speaker

SAMPLE = Path(__file__).resolve().parents[1] / "data" / "sample"

FG = ("Fokusgruppe Midt-Finnmark\nDato: 2024-02-06\n\n"
      "Moderator: Velkommen. Hva har avtalen betydd?\n\n"
      "PL Midt-Finnmark: Mye. Tilliten til staten har økt.\n\n"
      "PL Midt: Hos oss handler det om tid og ressurser.\n"
      "Det er få folk.\n\n"
      "Ordfører: Jeg er ikke i lista.\n")
NOTES = "# Gruppe 1\n\n- Bolig\n  - mangler utleieboliger\n- Arbeidskraft\n"
MANIFEST = ("file,kind,phase,pilot,county,date,language\n"
            "fg.txt,fokusgruppe,fase 2,Midt-Finnmark,Finnmark,2024-02-06,nb\n"
            "notater.md,dialogkonferanse,fase 1,,,2023-05-10,nb+nn\n")
PARTICIPANTS = ("file,speaker,actor,organisation,pilot\n"
                "fg.txt,Moderator,forsker,Forskningsinstitutt,\n"
                "fg.txt,PL Midt-Finnmark,prosjektleder,Porsanger kommune,Midt-Finnmark\n"
                "fg.txt,PL Midt,prosjektleder,Rindal kommune,Midt\n")


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "korpus"
    d.mkdir()
    (d / "fg.txt").write_text(FG, encoding="utf-8")
    (d / "notater.md").write_text(NOTES, encoding="utf-8")
    (d / "manifest.csv").write_text(MANIFEST, encoding="utf-8-sig")
    (d / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    return d


def counts(db):
    with db.session() as s:
        return tuple(s.scalar(select(func.count()).select_from(m)) for m in (Source, Segment, Speaker))


def test_folder_with_manifest_and_roster(db, folder):
    report = ingest_paths(db, [folder], user="kari")
    assert report.errors == []
    assert report.added == ["fg.txt", "notater.md"]
    assert report.turns == 5 and report.words > 20
    assert any("fg.txt:11: 'Ordfører:'" in w for w in report.warnings)
    assert "2 lagt til" in report.summary()

    rows = {r["file"]: r for r in list_sources(db, user="kari")}
    fg = rows["fg.txt"]
    assert (fg["kind"], fg["phase"], fg["pilot"], fg["county"], fg["date"], fg["language"]) == \
        ("fokusgruppe", "fase 2", "Midt-Finnmark", "Finnmark", "2024-02-06", "nb")
    assert fg["turns"] == 3
    assert {s["label"]: s["actor"] for s in fg["speakers"]} == {
        "Moderator": "forsker", "PL Midt-Finnmark": "prosjektleder", "PL Midt": "prosjektleder"}
    assert rows["notater.md"]["language"] == "nb+nn" and rows["notater.md"]["speakers"] == []

    turns = list_turns(db, "fg.txt", user="kari")
    assert [(t["index"], t["speaker"], t["actor"]) for t in turns] == [
        (1, "Moderator", "forsker"), (2, "PL Midt-Finnmark", "prosjektleder"), (3, "PL Midt", "prosjektleder")]
    assert turns[2]["text"] == ("Hos oss handler det om tid og ressurser.\nDet er få folk.\n"
                                "Ordfører: Jeg er ikke i lista.")
    assert fg["words"] == sum(len(__import__("re").findall(r"\w+", t["text"])) for t in turns)
    notes = list_turns(db, str(rows["notater.md"]["id"]))
    assert [(t["heading"], t["text"]) for t in notes] == [
        ("Gruppe 1", "Bolig\n- mangler utleieboliger"), ("Gruppe 1", "Arbeidskraft")]

    with db.session() as s:
        events = s.scalars(select(AuditEvent).where(AuditEvent.action == "ingest")).all()
        assert len(events) == 2 and events[0].user.name == "kari"


def test_reingest_unchanged_and_changed(db, folder):
    ingest_paths(db, [folder])
    before = counts(db)
    again = ingest_paths(db, [folder])
    assert again.added == [] and sorted(again.unchanged) == ["fg.txt", "notater.md"]
    assert counts(db) == before
    (folder / "notater.md").write_text(NOTES + "- Tillit\n", encoding="utf-8")
    changed = ingest_paths(db, [folder / "notater.md"])
    assert changed.added == [] and len(changed.changed) == 1
    assert changed.changed[0].startswith("notater.md: changed (not re-ingested")
    assert counts(db) == before
    assert [t["text"] for t in list_turns(db, "notater.md")][-1] == "Arbeidskraft"


def test_bad_files_store_nothing_and_others_go_in(db, folder):
    (folder / "ødelagt.docx").write_bytes(b"PK\x03\x04not a zip at all")
    (folder / "tom.txt").write_bytes(b"")
    (folder / "notat.rtf").write_text("{\\rtf1 x}")
    report = ingest_paths(db, [folder, folder / "notat.rtf"])
    assert report.added == ["fg.txt", "notater.md"]
    assert len(report.errors) == 3
    assert any(e.startswith("ødelagt.docx: not a readable Word document") for e in report.errors)
    assert any(e.startswith("tom.txt: the file is empty") for e in report.errors)
    assert any(e.startswith("notat.rtf: unknown file type") for e in report.errors)
    files = {r["file"] for r in list_sources(db)}
    assert files == {"fg.txt", "notater.md"}
    # no row in the manifest, but not stored either: its error is the one line about it, no warning that
    # it was "stored without kind, phase and pilot"
    assert not any("not in manifest.csv" in w for w in report.warnings)
    (folder / "ekstra.md").write_text("Et avsnitt om styring.\n", encoding="utf-8")
    report = ingest_paths(db, [folder])
    assert report.added == ["ekstra.md"] and len(report.errors) == 2
    assert [w for w in report.warnings if "not in manifest.csv" in w] == [
        "ekstra.md: not in manifest.csv; stored without kind, phase and pilot; add a row for it"]


def test_file_not_in_manifest_goes_in_with_empty_metadata(db, folder):
    (folder / "ekstra.md").write_text("Et avsnitt om styring.\n", encoding="utf-8")
    report = ingest_paths(db, [folder])
    assert "ekstra.md" in report.added
    assert any(w.startswith("ekstra.md: not in manifest.csv") for w in report.warnings)
    row = next(r for r in list_sources(db) if r["file"] == "ekstra.md")
    assert row["kind"] is None and row["phase"] is None and row["pilot"] is None


def test_manifest_row_naming_no_file_of_the_folder_is_warned_with_its_line(db, folder):
    (folder / "nynorsk.txt").write_text("Eit avsnitt om samarbeid.\n", encoding="utf-8")
    (folder / "manifest.csv").write_text(MANIFEST + "Nynorsk.txt,intervju,fase 1,,,,nn\n"
                                         "mangler.docx,intervju,fase 1,,,,nb\n", encoding="utf-8")
    report = ingest_paths(db, [folder])
    assert report.errors == [] and sorted(report.added) == ["fg.txt", "notater.md", "nynorsk.txt"]
    assert "manifest.csv:4: 'Nynorsk.txt' is not in the folder; did you mean 'nynorsk.txt'?" in report.warnings
    assert "manifest.csv:5: 'mangler.docx' is not in the folder; check the name" in report.warnings
    # one file of the folder given alone: the other rows are for other files, not mistakes
    (folder / "ny.md").write_text("Et nytt notat.\n", encoding="utf-8")
    report = ingest_paths(db, [folder / "ny.md"])
    assert not any("is not in the folder" in w for w in report.warnings)


def test_file_names_match_in_one_unicode_form(db, tmp_path):
    import unicodedata

    nfc = "intervju Åsa.txt"
    nfd = unicodedata.normalize("NFD", nfc)  # as macOS writes "Å": "A" + combining ring
    assert nfd != nfc
    d = tmp_path / "korpus"
    d.mkdir()
    (d / nfd).write_text("Intervjuer: Hei, Åsa.\n\nÅsa: Hei.\n\nIntervjuer: Hvordan går det?\n\nÅsa: Bra.\n",
                         encoding="utf-8")
    (d / "manifest.csv").write_text(f"file,kind,phase,pilot\n{nfc},intervju,fase 2,Sunnfjord\n", encoding="utf-8")
    (d / "participants.csv").write_text(f"file,speaker,actor\n{nfc},Åsa,prosjektleder\n", encoding="utf-8")
    report = ingest_paths(db, [d])
    assert report.errors == [] and report.added == [nfc]
    assert not any("not in manifest.csv" in w or "not in the folder" in w for w in report.warnings)
    row = list_sources(db)[0]
    assert row["file"] == nfc and row["kind"] == "intervju" and row["pilot"] == "Sunnfjord"
    assert {s["label"]: s["actor"] for s in row["speakers"]}["Åsa"] == "prosjektleder"
    for name in (nfc, nfd):  # typed either way
        assert [t["speaker"] for t in list_turns(db, name)] == ["Intervjuer", "Åsa", "Intervjuer", "Åsa"]


def test_extra_manifest_and_participants_files_are_concatenated(db, folder):
    (folder / "b.txt").write_text("Rådgiver: Vi har dialog.\n\nIntervjuer: Fortell mer.\n\n"
                                  "Rådgiver: Det tar tid.\n", encoding="utf-8")
    (folder / "manifest_b.csv").write_text("file,kind,phase,pilot,county,date,language\n"
                                           "b.txt,intervju,fase 1,Midt,Trøndelag,,nn\n", encoding="utf-8")
    (folder / "participants_b.csv").write_text("file,speaker,actor,organisation,pilot\n"
                                               "b.txt,Rådgiver,Husbanken,Husbanken,\n"
                                               "b.txt,Intervjuer,forsker,,\n", encoding="utf-8")
    report = ingest_paths(db, [folder])
    assert report.errors == [] and "b.txt" in report.added
    row = next(r for r in list_sources(db) if r["file"] == "b.txt")
    assert row["kind"] == "intervju" and row["language"] == "nn"
    assert {s["label"]: s["actor"] for s in row["speakers"]} == {"Rådgiver": "Husbanken", "Intervjuer": "forsker"}


def test_lower_case_interviewer_labels_get_the_roster_actor(db, tmp_path):
    d = tmp_path / "korpus"
    d.mkdir()
    (d / "ir.txt").write_text("i: Hvordan startet dere?\nr: Vi begynte i 2022.\n"
                              "i: Hvem var med?\nr: Kommunen og fylket.\n", encoding="utf-8")
    (d / "intervjuer.txt").write_text("intervjuer: Hva betyr avtalen?\ninformant: Mye.\n"
                                      "intervjuer: Hvorfor?\ninformant: Tillit.\n", encoding="utf-8")
    # participants.csv names the interviewer of ir.txt in upper case and forgets the respondent
    (d / "participants.csv").write_text("file,speaker,actor\nir.txt,I,forsker\n"
                                        "intervjuer.txt,Intervjuer,forsker\n"
                                        "intervjuer.txt,Informant,prosjektleder\n", encoding="utf-8")
    report = ingest_paths(db, [d])
    assert report.errors == [] and sorted(report.added) == ["intervjuer.txt", "ir.txt"]
    # the respondent's words are not the interviewer's: own speaker, without an actor, and reported
    assert [(t["speaker"], t["actor"], t["text"]) for t in list_turns(db, "ir.txt")] == [
        ("I", "forsker", "Hvordan startet dere?"), ("r", None, "Vi begynte i 2022."),
        ("I", "forsker", "Hvem var med?"), ("r", None, "Kommunen og fylket.")]
    assert [w for w in report.warnings if "not in participants.csv" in w] == [
        "ir.txt:2: speaker 'r' is not in participants.csv; stored as its own speaker without an actor; "
        "add a row to give the actor"]
    assert [(t["speaker"], t["actor"]) for t in list_turns(db, "intervjuer.txt")] == [
        ("Intervjuer", "forsker"), ("Informant", "prosjektleder")] * 2


def test_manifest_errors_name_file_row_and_allowed_values(tmp_path):
    bad = tmp_path / "manifest.csv"
    bad.write_text("file,kind,phase,pilot,county,date,language\n"
                   "a.txt,intervju,fase 1,,,,nb\n"
                   "b.txt,gruppeintervju,fase 1,,,,nb\n", encoding="utf-8")
    with pytest.raises(WorkbenchError, match=r"manifest\.csv: row 3 \(b\.txt\): kind 'gruppeintervju'.*fokusgruppe"):
        read_manifest(bad)
    bad.write_text("file,kind,language\na.txt,intervju,se\n", encoding="utf-8")
    with pytest.raises(WorkbenchError, match=r"row 2 \(a\.txt\): language 'se' is not allowed; use one of nb, nn, nb\+nn"):
        read_manifest(bad)
    bad.write_text("fil,type\n", encoding="utf-8")
    with pytest.raises(WorkbenchError, match=r"row 1 lacks column\(s\) file"):
        read_manifest(bad)


def test_manifest_from_xlsx(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["file", "kind", "phase", "pilot", "county", "date", "language"])
    import datetime as dt
    ws.append(["x.docx", "Intervju", "fase 2", "Midt", "Trøndelag", dt.date(2024, 3, 1), "nb"])
    wb.save(tmp_path / "manifest.xlsx")
    meta = read_manifest(tmp_path / "manifest.xlsx")
    assert meta["x.docx"]["kind"] == "intervju" and meta["x.docx"]["date"] == "2024-03-01"


def test_unknown_source_lists_known_files(db, folder):
    ingest_paths(db, [folder])
    with pytest.raises(NotFound, match=r"unknown source 'nei\.txt'; known files: fg\.txt, notater\.md"):
        list_turns(db, "nei.txt")
    assert list_turns(db, 1)[0]["index"] == 1


def test_sample_corpus_offsets_invariant(db):
    report = ingest_paths(db, [SAMPLE])
    assert report.errors == [], report.errors
    assert report.added
    with db.session() as s:
        for src in s.scalars(select(Source)):
            segs = src.segments
            assert [g.index for g in segs] == list(range(1, len(segs) + 1))
            assert src.word_count == sum(g.word_count for g in segs)
            for g in segs:
                text = src.canonical_text[g.start_char:g.end_char]
                assert text and text == text.strip()
                assert not text.startswith(("[SPEAKER_", "<v ")), (src.file_name, g.index)
                if g.speaker is not None:
                    assert not text.startswith(g.speaker.label + ":"), (src.file_name, g.index)
