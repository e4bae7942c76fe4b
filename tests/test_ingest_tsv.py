"""Tab-separated transcripts (.tsv): Whisper's own .tsv (times in milliseconds), tab-separated turn
tables, the one-line refusals of a .tsv that is something else, and a folder whose manifest lists a
.tsv.

All names and speech in these files are fictional."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_ingest_whisper_tables import (EXPECTED_TURNS, ROWS, WHISPER, WHISPER_SRT, WHISPERX, csv_text,
                                              spoken, turns_of, write)
from workbench.cli import cli
from workbench.errors import WorkbenchError
from workbench.ingest import SNIFFERS, ingest_paths, list_sources, list_turns, read_file


def whisper_tsv(path: Path, segments: list[dict], *, speaker: bool = False) -> Path:
    """What openai-whisper's ``WriteTSV`` writes (``whisper --output_format tsv``): a header line,
    then per segment the start and end in whole milliseconds and the text, tabs replaced, no quoting.
    ``speaker``: a fourth column, as some tools add it."""
    with open(path, "w", encoding="utf-8") as file:
        print("start", "end", "text", *(["speaker"] if speaker else []), sep="\t", file=file)
        for segment in segments:
            print(round(1000 * segment["start"]), file=file, end="\t")
            print(round(1000 * segment["end"]), file=file, end="\t")
            if speaker:
                print(segment["text"].strip().replace("\t", " "), file=file, end="\t")
                print(segment.get("speaker") or "", file=file, flush=True)
            else:
                print(segment["text"].strip().replace("\t", " "), file=file, flush=True)
    return path


# ------------------------------------------------------------------------------------ Whisper's .tsv

def test_whisper_tsv_reads_as_its_json_and_srt_do(tmp_path):
    parsed = read_file(whisper_tsv(tmp_path / "fg_fase1.tsv", WHISPER["segments"]))
    assert (tmp_path / "fg_fase1.tsv").read_text(encoding="utf-8").splitlines() == [
        "start\tend\ttext", "0\t3400\tVelkommen til fokusgruppa om bygdevekstavtalen.",
        "3400\t6900\tVi starter med en runde rundt bordet."]
    from_json = read_file(write(tmp_path / "fg_fase1.json", WHISPER))
    (tmp_path / "fg_fase1.srt").write_text(WHISPER_SRT, encoding="utf-8")
    # milliseconds are seconds here, never 3400 s; no speakers: a timed turn per segment, as the JSON
    assert spoken(parsed) == spoken(from_json) == spoken(read_file(tmp_path / "fg_fase1.srt")) == [
        (None, "Velkommen til fokusgruppa om bygdevekstavtalen.", 0.0, 3.4),
        (None, "Vi starter med en runde rundt bordet.", 3.4, 6.9)]
    assert parsed.format == "tsv" and parsed.kind_hint == "transcript" and parsed.warnings == []


def test_whisper_tsv_text_is_taken_as_written(tmp_path):
    # Whisper does not quote: a quotation mark opening a segment is text, never the start of a
    # quoted field that would swallow the lines after it; a tab in the text is a space
    segments = [{"start": 0.0, "end": 2.5, "text": ' "Vi får det til", sa ordføreren.'},
                {"start": 2.5, "end": 4.0, "text": " Han sa \"kanskje\tikke\" etterpå."},
                {"start": 4.0, "end": 5.25, "text": " Opptaket har stoppet."},  # a tool notice: dropped
                {"start": 5.25, "end": 7.0, "text": ' "Ja.'}]
    parsed = read_file(whisper_tsv(tmp_path / "sitat.tsv", segments))
    assert spoken(parsed) == [(None, '"Vi får det til", sa ordføreren.', 0.0, 2.5),
                              (None, 'Han sa "kanskje ikke" etterpå.', 2.5, 4.0),
                              (None, '"Ja.', 5.25, 7.0)]


def test_whisper_tsv_with_a_speaker_column_reads_as_the_whisperx_json(tmp_path):
    parsed = read_file(whisper_tsv(tmp_path / "intervju.tsv", WHISPERX["segments"], speaker=True))
    from_json = read_file(write(tmp_path / "intervju.json", WHISPERX))
    assert spoken(parsed) == spoken(from_json) == [
        ("SPEAKER_00", "Hvordan har samarbeidet med fylkeskommunen vært?", 0.52, 4.1),
        ("SPEAKER_01", "Det har gått seg til etter hvert. Vi møtes hver måned nå, og det hjelper.", 4.6, 12.5),
        (None, "Mm.", 12.5, 13.1),
        ("SPEAKER_00", "Hva med staten?", 13.4, 16.0)]
    assert parsed.warnings == ["intervju.tsv: 1 of 5 segments has no speaker (the diarisation gave none); "
                               "it is stored as a turn without a speaker"]
    roster = read_file(tmp_path / "intervju.tsv", roster={"speaker_00", "Speaker_01"})
    assert [t.speaker for t in roster.turns] == ["speaker_00", "Speaker_01", None, "speaker_00"]


def test_whisper_tsv_bad_times_and_broken_lines(tmp_path):
    (tmp_path / "rart.tsv").write_text("start\tend\ttext\n"
                                       "0\t1500\tDa begynner\n"
                                       "vi med runden.\n"          # a line break inside the segment's text
                                       "1500\tx\tJa, vi er klare.\n"
                                       "4000\t3000\tBaklengs.\n", encoding="utf-8")
    parsed = read_file(tmp_path / "rart.tsv")
    assert spoken(parsed) == [(None, "Da begynner vi med runden.", 0.0, 1.5), (None, "Ja, vi er klare.", 1.5, None),
                              (None, "Baklengs.", 4.0, None)]
    assert parsed.warnings == ["rart.tsv: 2 segments (2, 3) with a time that is not a whole number of milliseconds "
                               "(negative, not a number, or an end before the start); the text is kept without "
                               "that time"]


def test_times_with_a_decimal_point_are_seconds(tmp_path):
    # the same header with times in seconds (a tool's own dump, a segment table): not milliseconds
    (tmp_path / "sek.tsv").write_text("start\tend\ttext\n0.0\t3.4\tVelkommen.\n3.4\t6.9\tVi starter.\n",
                                      encoding="utf-8")
    assert spoken(read_file(tmp_path / "sek.tsv")) == [(None, "Velkommen.", 0.0, 3.4), (None, "Vi starter.", 3.4, 6.9)]


# ------------------------------------------------------------------------------- tab-separated tables

def tsv_text(header: tuple, rows) -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter="\t", lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


@pytest.mark.parametrize("header, encoding", [
    (("Tid", "Taler", "Tekst"), "utf-16"),          # Excel's "Unicode text" (tab-separated)
    (("Start", "Navn", "Ytring"), "utf-8"),
    (("Time", "Speaker", "Text"), "cp1252"),
])
def test_tab_separated_turn_table_reads_as_the_csv_one(tmp_path, header, encoding):
    (tmp_path / "fokusgruppe.tsv").write_bytes(tsv_text(header, ROWS).encode(encoding))
    (tmp_path / "fokusgruppe.csv").write_bytes(csv_text(header, ROWS, ";").encode(encoding))
    parsed = read_file(tmp_path / "fokusgruppe.tsv")
    assert turns_of(parsed) == turns_of(read_file(tmp_path / "fokusgruppe.csv")) == EXPECTED_TURNS
    assert parsed.format == "tsv" and parsed.warnings == []


def test_tab_separated_table_with_quoted_cells_title_rows_and_roster(tmp_path):
    rows = [("Moderator", "Velkommen.\nHva har avtalen betydd?", "lyd ok"),
            ("kari berg", 'Mye. "Kontaktpersonen"\tbetyr mye.', "")]
    text = "Fokusgruppe fase 2\n\n" + tsv_text(("Taler", "Tekst", "Kommentar"), rows)
    (tmp_path / "fg.tsv").write_text(text, encoding="utf-8")
    parsed = read_file(tmp_path / "fg.tsv", roster=["Moderator", "Kari Berg"])
    assert parsed.preamble == ["Fokusgruppe fase 2"]
    assert [(t.speaker, t.text) for t in parsed.turns] == [
        ("Moderator", "Velkommen.\nHva har avtalen betydd?"), ("Kari Berg", 'Mye. "Kontaktpersonen" betyr mye.')]
    assert parsed.warnings == ["fg.tsv: column 'Kommentar' is not read (a turn table gives speaker, text and "
                               "time); move what belongs to the turns into the text column"]


# ------------------------------------------------------------------------------------------ refusals

def _docx_bytes() -> bytes:
    import docx

    buf = io.BytesIO()
    d = docx.Document()
    d.add_paragraph("Kari: Hei.")
    d.save(buf)
    return buf.getvalue()


def _xlsx_bytes() -> bytes:
    import openpyxl

    buf = io.BytesIO()
    wb = openpyxl.Workbook()
    wb.active.append(["Taler", "Tekst"])
    wb.save(buf)
    return buf.getvalue()


@pytest.mark.parametrize("content, said", [
    ("Tid,Taler,Tekst\n00:00:05,Kari,Hei.\n",
     "x.tsv: line 1 is separated by commas, not tabs ('Tid,Taler,Tekst'); this is a CSV file named .tsv: rename it "
     "to x.csv and ingest that"),
    ("\nTaler;Tekst\nKari;Hei.\n",
     "x.tsv: line 2 is separated by semicolons, not tabs ('Taler;Tekst'); this is a CSV file named .tsv: rename it "
     "to x.csv"),
    ("Kari: Ja, det stemmer.\nOla: Nei.\n",
     "x.tsv: line 1 has no tab ('Kari: Ja, det stemmer.'), so it is no tab-separated table; if the file is a "
     "plain-text transcript, rename it to x.txt and ingest that; a .tsv needs a tab-separated header naming start, "
     "end and text (Whisper's .tsv) or a speaker column (Taler, Navn or Speaker)"),
    ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Kari>Hei.\n",
     "x.tsv: this is a WebVTT subtitle file named .tsv, not a tab-separated table (line 1: 'WEBVTT'); rename it to "
     "x.vtt and ingest that"),
    (json.dumps(WHISPER), "x.tsv: this is a JSON file named .tsv, not a tab-separated table (line 1: "),
    ("Klokke\tHendelse\n10:00\tStart\n",
     "x.tsv: no speaker and text columns in the header (line 1: 'Klokke', 'Hendelse'); expected a speaker column"),
    ("source\tturn\tcode\tcoder\nfg.txt\t1\tkontrakt\tkari\n", "x.tsv: this is a table of codings (line 1: "),
    ("start\tend\ttext\n", "x.tsv: Whisper's .tsv has no segment with text under its header (line 1); check that "
                           "the transcription finished"),
    (_xlsx_bytes, "x.tsv: this is an Excel workbook (.xlsx) named .tsv; rename it to x.xlsx and ingest that"),
    (_docx_bytes, "x.tsv: this is a Word document named .tsv; rename it to .docx and ingest that"),
], ids=["commas", "semicolons", "plain-text", "webvtt", "json", "other-columns", "codings", "header-only", "xlsx",
        "docx"])
def test_a_tsv_that_is_something_else_is_one_line_naming_file_line_and_fix(tmp_path, content, said):
    path = tmp_path / "x.tsv"
    if callable(content):
        path.write_bytes(content())
    else:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(WorkbenchError) as err:
        read_file(path)
    assert str(err.value).startswith(said) and "\n" not in str(err.value), str(err.value)


def test_cli_refuses_a_malformed_tsv_in_one_line_and_stores_nothing(db, tmp_path):
    (tmp_path / "intervju.tsv").write_text("Tid,Taler,Tekst\n00:00:05,Kari,Hei.\n", encoding="utf-8")
    whisper_tsv(tmp_path / "ok.tsv", WHISPER["segments"])
    result = CliRunner().invoke(cli, ["--db", db.url, "--user", "tester", "ingest", str(tmp_path / "intervju.tsv")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("Feil:")]
    assert errors == ["Feil: intervju.tsv: line 1 is separated by commas, not tabs ('Tid,Taler,Tekst'); this is a "
                      "CSV file named .tsv: rename it to intervju.csv and ingest that"], result.output
    assert list_sources(db, user="tester") == []
    ok = CliRunner().invoke(cli, ["--db", db.url, "--user", "tester", "ingest", str(tmp_path / "ok.tsv")])
    assert ok.exit_code == 0, ok.output
    assert [s["file"] for s in list_sources(db, user="tester")] == ["ok.tsv"]


# ------------------------------------------------------------------------------- folder and manifest

MANIFEST = ("file,kind,phase,pilot,county,date,language\n"
            "fg_whisper.tsv,fokusgruppe,fase 2,Midt-Finnmark,Finnmark,2024-02-06,nb\n"
            "intervju_tabell.tsv,intervju,fase 1,,,2023-05-30,nb\n"
            "logg.tsv,observasjon,fase 1,,,2023-06-01,nb\n")
PARTICIPANTS = ("file,speaker,actor,organisation,pilot\n"
                "intervju_tabell.tsv,Intervjuer,forsker,Forskningsinstitutt,\n"
                "intervju_tabell.tsv,Kommunedirektør,kommuneadministrasjon,Rindal kommune,Midt\n")


@pytest.fixture
def folder(tmp_path):
    d = tmp_path / "korpus"
    d.mkdir()
    (d / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (d / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    whisper_tsv(d / "fg_whisper.tsv", WHISPERX["segments"])
    (d / "intervju_tabell.tsv").write_text(tsv_text(("Tid", "Taler", "Tekst"), [
        ("00:00:03", "Intervjuer", "Hva er din rolle i avtalen?"),
        ("00:00:09", "kommunedirektør", "Jeg har ansvaret for oppfølgingen.")]), encoding="utf-8")
    # tab-separated tables that are no transcripts: codings, and one the manifest names
    (d / "codings_kari.tsv").write_text("source\tturn\tcode\tcoder\nfg_whisper.tsv\t1\tkontrakt\tkari\n",
                                        encoding="utf-8")
    (d / "logg.tsv").write_text("Klokke\tHendelse\n10:00\tStart\n", encoding="utf-8")
    return d


def test_folder_with_a_manifest_listing_tsv_files(db, folder):
    assert SNIFFERS["tsv"](folder / "fg_whisper.tsv") and SNIFFERS["tsv"](folder / "intervju_tabell.tsv")
    assert not SNIFFERS["tsv"](folder / "codings_kari.tsv") and not SNIFFERS["tsv"](folder / "logg.tsv")
    report = ingest_paths(db, [folder], user="kari")
    assert sorted(report.added) == ["fg_whisper.tsv", "intervju_tabell.tsv"]
    # the table the manifest names is read, and says why it is no transcript; codings stay out silently
    assert report.errors == ["logg.tsv: no speaker and text columns in the header (line 1: 'Klokke', 'Hendelse'); "
                             "expected a speaker column (Taler, Navn or Speaker), a text column (Tekst, Ytring or "
                             "Text) and, if you like, a time column (Tid, Start or Time)"]
    assert not any(w.startswith("codings_kari") for w in report.warnings), report.warnings
    sources = {s["file"]: s for s in list_sources(db, user="kari")}
    assert (sources["fg_whisper.tsv"]["kind"], sources["fg_whisper.tsv"]["phase"],
            sources["fg_whisper.tsv"]["pilot"]) == ("fokusgruppe", "fase 2", "Midt-Finnmark")
    assert [(t["speaker"], t["start_time"], t["end_time"]) for t in list_turns(db, "fg_whisper.tsv", user="kari")] == [
        (None, 0.52, 4.1), (None, 4.6, 9.02), (None, 9.02, 12.5), (None, 12.5, 13.1), (None, 13.4, 16.0)]
    table = list_turns(db, "intervju_tabell.tsv", user="kari")
    assert [(t["speaker"], t["actor"], t["start_time"]) for t in table] == [
        ("Intervjuer", "forsker", 3.0), ("Kommunedirektør", "kommuneadministrasjon", 9.0)]
    again = ingest_paths(db, [folder], user="kari")
    assert again.added == [] and sorted(again.unchanged) == sorted(report.added)


def test_a_folder_manifest_may_itself_be_tab_separated(db, tmp_path):
    d = tmp_path / "korpus"
    d.mkdir()
    (d / "manifest.tsv").write_text(MANIFEST.replace(",", "\t"), encoding="utf-8")
    whisper_tsv(d / "fg_whisper.tsv", WHISPER["segments"])
    report = ingest_paths(db, [d], user="kari")
    assert report.added == ["fg_whisper.tsv"] and report.errors == []
    assert not any("manifest" in w and "not in" in w for w in report.warnings if w.startswith("fg_whisper")), \
        report.warnings
    source = list_sources(db, user="kari")[0]
    assert (source["kind"], source["phase"], source["date"]) == ("fokusgruppe", "fase 2", "2024-02-06")


@pytest.mark.parametrize("name,text", [
    ("tur.tsv", "Taler\tTekst\nKari\t\"Hun sa nei og gikk\nOla\tneste tur\nPer\ttredje\n"),
    ("tur.csv", "Taler;Tekst\nKari;\"Hun sa nei og gikk\nOla;neste tur\nKari;tredje\n"),
])
def test_an_opening_quote_without_its_closing_quote_is_warned_about(tmp_path, name, text):
    """The csv module reads every line up to the next quote into one cell: Ola's and Per's speech
    became Kari's without a word. The turns stay as read, with a warning naming the line."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    parsed = read_file(path)
    assert [t.speaker for t in parsed.turns] == ["Kari"]
    assert any("line 2" in w and "closing quote" in w for w in parsed.warnings), parsed.warnings


def test_a_quoted_cell_over_several_lines_of_speech_is_no_warning(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text('Taler,Tekst\nKari,"Hun sa nei, og så,\nog gikk videre"\nOla,neste tur\n', encoding="utf-8")
    parsed = read_file(path)
    assert [t.speaker for t in parsed.turns] == ["Kari", "Ola"] and parsed.warnings == []
