"""Whisper-family JSON transcripts and turn tables (.csv, .xlsx): every layout the readers promise,
the one-line refusals, and a folder ingest that keeps manifest, participants and other tables apart.

All names and speech in these files are fictional."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.errors import WorkbenchError
from workbench.ingest import ingest_paths, list_sources, list_turns, read_file

# ------------------------------------------------------------------------------------- JSON layouts

# openai-whisper / NB-Whisper `whisper --output_format json` (no diarisation)
WHISPER = {
    "text": " Velkommen til fokusgruppa om bygdevekstavtalen. Vi starter med en runde rundt bordet.",
    "segments": [
        {"id": 0, "seek": 0, "start": 0.0, "end": 3.4, "text": " Velkommen til fokusgruppa om bygdevekstavtalen.",
         "tokens": [50364, 31894], "temperature": 0.0, "avg_logprob": -0.21, "compression_ratio": 1.32,
         "no_speech_prob": 0.02},
        {"id": 1, "seek": 0, "start": 3.4, "end": 6.9, "text": " Vi starter med en runde rundt bordet.",
         "tokens": [50534], "temperature": 0.0, "avg_logprob": -0.19, "compression_ratio": 1.32,
         "no_speech_prob": 0.02},
    ],
    "language": "no",
}
# the same transcript as Whisper writes it with --output_format srt
WHISPER_SRT = ("1\n00:00:00,000 --> 00:00:03,400\nVelkommen til fokusgruppa om bygdevekstavtalen.\n\n"
               "2\n00:00:03,400 --> 00:00:06,900\nVi starter med en runde rundt bordet.\n")

# WhisperX `--diarize --output_format json`: speakers per segment and per word, word_segments beside
WHISPERX = {
    "segments": [
        {"start": 0.52, "end": 4.1, "text": " Hvordan har samarbeidet med fylkeskommunen vært?",
         "words": [{"word": "Hvordan", "start": 0.52, "end": 0.9, "score": 0.91, "speaker": "SPEAKER_00"}],
         "speaker": "SPEAKER_00"},
        {"start": 4.6, "end": 9.02, "text": " Det har gått seg til etter hvert.",
         "words": [{"word": "Det", "start": 4.6, "end": 4.8, "score": 0.88, "speaker": "SPEAKER_01"}],
         "speaker": "SPEAKER_01"},
        {"start": 9.02, "end": 12.5, "text": " Vi møtes hver måned nå, og det hjelper.",
         "words": [], "speaker": "SPEAKER_01"},
        {"start": 12.5, "end": 13.1, "text": " Mm.", "words": []},
        {"start": 13.4, "end": 16.0, "text": " Hva med staten?", "words": [], "speaker": "SPEAKER_00"},
    ],
    "word_segments": [{"word": "Hvordan", "start": 0.52, "end": 0.9, "score": 0.91, "speaker": "SPEAKER_00"}],
    "language": "no",
}

# whisper.cpp -oj with -di (stereo diarisation): "0", "1", or "?" for a segment it cannot tell
WHISPER_CPP = {
    "systeminfo": "AVX = 1 | AVX2 = 1 | NEON = 0",
    "model": {"type": "medium", "multilingual": True, "vocab": 51865},
    "params": {"model": "models/ggml-nb-whisper-medium.bin", "language": "no", "translate": False},
    "result": {"language": "no"},
    "transcription": [
        {"timestamps": {"from": "00:00:00,000", "to": "00:00:04,200"}, "offsets": {"from": 0, "to": 4200},
         "text": " Hva er viktigst for dere i fase to?", "speaker": "0"},
        {"timestamps": {"from": "00:00:04,200", "to": "00:00:09,000"}, "offsets": {"from": 4200, "to": 9000},
         "text": " Boliger, helt klart.", "speaker": "1"},
        {"timestamps": {"from": "00:00:09,000", "to": "00:01:02,500"}, "offsets": {"from": 9000, "to": 62500},
         "text": " Og folk som vil flytte hit.", "speaker": "1"},
        {"timestamps": {"from": "00:01:02,500", "to": "00:01:03,000"}, "offsets": {"from": 62500, "to": 63000},
         "text": " Ja.", "speaker": "?"},
    ],
}


def cpp_full() -> dict:
    """whisper.cpp -ojf: the same, each segment with its tokens, without -di."""
    data = json.loads(json.dumps(WHISPER_CPP))
    for seg in data["transcription"]:
        seg.pop("speaker")
        seg["tokens"] = [{"text": seg["text"].split()[0], "timestamps": seg["timestamps"], "offsets": seg["offsets"],
                          "id": 1234, "p": 0.93, "t_dtw": -1}]
    return data


# faster-whisper: `json.dump([s._asdict() for s in segments])`, and its named tuples dumped as arrays
FASTER = [
    {"id": 1, "seek": 0, "start": 0.0, "end": 2.5, "text": " Vi har fått til mye sammen.", "tokens": [1, 2],
     "avg_logprob": -0.3, "compression_ratio": 1.2, "no_speech_prob": 0.01, "words": None, "temperature": 0.0},
    {"id": 2, "seek": 0, "start": 2.5, "end": 6.0, "text": " Men kommunene er små.", "tokens": [3],
     "avg_logprob": -0.3, "compression_ratio": 1.2, "no_speech_prob": 0.01, "words": None, "temperature": 0.0},
]
FASTER_ARRAYS = [[1, 0, 0.0, 2.5, " Vi har fått til mye sammen.", [1, 2], 0.0, -0.3, 1.2, 0.01, None],
                 [2, 0, 2.5, 6.0, " Men kommunene er små.", [3], 0.0, -0.3, 1.2, 0.01, None]]

# a Hugging Face transformers pipeline (NB-Whisper's model card): the last chunk has no end
TRANSFORMERS = {"text": " Tilliten har økt. Det tar tid.",
                "chunks": [{"timestamp": [0.0, 2.1], "text": " Tilliten har økt."},
                           {"timestamp": [2.1, None], "text": " Det tar tid."}]}

GENERIC = [{"speaker": "Moderator", "text": "Hva betyr avtalen for dere?", "start": "00:00:05"},
           {"speaker": "Ordfører Fjellvik", "text": "Mye. Vi har fått en kontaktperson i staten.", "start": "00:00:11"},
           {"speaker": "Ordfører Fjellvik", "text": "Det er nytt for oss.", "start": "00:00:19"},
           {"speaker": "Moderator", "text": "Takk.", "start": 31.5}]


def write(path: Path, data) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def spoken(parsed) -> list[tuple]:
    return [(t.speaker, t.text, t.start_time, t.end_time) for t in parsed.turns]


def test_openai_whisper_json_reads_as_its_srt_does(tmp_path):
    parsed = read_file(write(tmp_path / "fg_fase1.json", WHISPER))
    assert spoken(parsed) == [(None, "Velkommen til fokusgruppa om bygdevekstavtalen.", 0.0, 3.4),
                              (None, "Vi starter med en runde rundt bordet.", 3.4, 6.9)]
    (tmp_path / "fg_fase1.srt").write_text(WHISPER_SRT, encoding="utf-8")
    assert spoken(read_file(tmp_path / "fg_fase1.srt")) == spoken(parsed)
    assert parsed.kind_hint == "transcript" and parsed.warnings == []


def test_whisperx_speakers_join_consecutive_segments(tmp_path):
    parsed = read_file(write(tmp_path / "intervju.json", WHISPERX))
    assert spoken(parsed) == [
        ("SPEAKER_00", "Hvordan har samarbeidet med fylkeskommunen vært?", 0.52, 4.1),
        ("SPEAKER_01", "Det har gått seg til etter hvert. Vi møtes hver måned nå, og det hjelper.", 4.6, 12.5),
        (None, "Mm.", 12.5, 13.1),
        ("SPEAKER_00", "Hva med staten?", 13.4, 16.0)]
    assert parsed.warnings == ["intervju.json: 1 of 5 segments has no speaker (the diarisation gave none); "
                               "it is stored as a turn without a speaker"]


def test_whisperx_labels_follow_the_roster_spelling(tmp_path):
    parsed = read_file(write(tmp_path / "intervju.json", WHISPERX), roster={"speaker_00", "Speaker_01"})
    assert [t.speaker for t in parsed.turns] == ["speaker_00", "Speaker_01", None, "speaker_00"]


def test_whisper_cpp_json_with_and_without_diarisation(tmp_path):
    parsed = read_file(write(tmp_path / "cpp.json", WHISPER_CPP))
    assert spoken(parsed) == [("speaker 0", "Hva er viktigst for dere i fase to?", 0.0, 4.2),
                              ("speaker 1", "Boliger, helt klart. Og folk som vil flytte hit.", 4.2, 62.5),
                              (None, "Ja.", 62.5, 63.0)]
    assert any("1 segment whose speaker whisper.cpp could not tell" in w for w in parsed.warnings)
    full = read_file(write(tmp_path / "cpp_full.json", cpp_full()))
    assert [(t.speaker, t.start_time) for t in full.turns] == [(None, 0.0), (None, 4.2), (None, 9.0), (None, 62.5)]
    assert full.turns[1].text == "Boliger, helt klart."
    # only the hh:mm:ss,mmm timestamps (no offsets): the same times
    data = cpp_full()
    for seg in data["transcription"]:
        del seg["offsets"]
    assert [t.start_time for t in read_file(write(tmp_path / "stamps.json", data)).turns] == [0.0, 4.2, 9.0, 62.5]


@pytest.mark.parametrize("data", [FASTER, FASTER_ARRAYS, {"segments": FASTER, "info": {"language": "no"}}],
                         ids=["dicts", "named-tuples", "with-info"])
def test_faster_whisper_dumps(tmp_path, data):
    parsed = read_file(write(tmp_path / "fw.json", data))
    assert spoken(parsed) == [(None, "Vi har fått til mye sammen.", 0.0, 2.5), (None, "Men kommunene er små.", 2.5, 6.0)]


def test_transformers_chunks_nb_whisper(tmp_path):
    parsed = read_file(write(tmp_path / "nb.json", TRANSFORMERS))
    assert spoken(parsed) == [(None, "Tilliten har økt.", 0.0, 2.1), (None, "Det tar tid.", 2.1, None)]


def test_generic_speaker_text_start_list(tmp_path):
    parsed = read_file(write(tmp_path / "liste.json", GENERIC))
    assert spoken(parsed) == [
        ("Moderator", "Hva betyr avtalen for dere?", 5.0, None),
        ("Ordfører Fjellvik", "Mye. Vi har fått en kontaktperson i staten. Det er nytt for oss.", 11.0, None),
        ("Moderator", "Takk.", 31.5, None)]


def test_notices_and_bad_times_in_json(tmp_path):
    data = {"segments": [{"start": 0.0, "end": 1.0, "text": " Opptaket har startet.", "speaker": "SPEAKER_00"},
                         {"start": -3, "end": 4.0, "text": " Da begynner vi.", "speaker": "SPEAKER_00"},
                         {"start": "NaN", "end": 9.0, "text": " Ja, vi er klare.", "speaker": "SPEAKER_01"}]}
    parsed = read_file(write(tmp_path / "rart.json", data))
    assert spoken(parsed) == [("SPEAKER_00", "Da begynner vi.", None, 4.0), ("SPEAKER_01", "Ja, vi er klare.", None, 9.0)]
    assert any("2 segments (2, 3) with a time that is not a time in seconds" in w for w in parsed.warnings)


LAYOUT_WORDS = ("openai-whisper", "WhisperX", "whisper.cpp", "faster-whisper", '"speaker", "text", "start"')


@pytest.mark.parametrize("content, said", [
    ('{"name": "Prosjekt", "version": 2}', "not a transcript layout the workbench reads (an object with the keys "
                                           "'name', 'version')"),
    ("[1, 2, 3]", "not a transcript layout the workbench reads (a list of 3 values (number))"),
    ('"bare tekst"', "not a transcript layout the workbench reads (a single string)"),
    ("[" * 200_000 + "]" * 200_000, "nested too deeply"),
    ('{"segments": [{"start": 0, "text": 42}]}', "segment 1 of 'segments': its text is number, not a string"),
    ('{"segments": [{"start": 0, "text": "Hei", "speaker": ["A"]}]}', "its speaker is list, not a label"),
    ('{"segments": ["Hei", "Hallo"]}', "segment 1 of 'segments' is string, not an object with a text"),
])
def test_other_and_hostile_json_is_one_line_naming_the_layouts(tmp_path, content, said):
    (tmp_path / "x.json").write_text(content, encoding="utf-8")
    with pytest.raises(WorkbenchError) as err:
        read_file(tmp_path / "x.json")
    message = str(err.value)
    assert message.startswith("x.json: ") and said in message and "\n" not in message
    assert all(w in message for w in LAYOUT_WORDS)


def test_broken_json_and_huge_json(tmp_path, monkeypatch):
    (tmp_path / "cut.json").write_text('{"segments": [{"start": 0, "text": "Hei"', encoding="utf-8")
    with pytest.raises(WorkbenchError, match=r"^cut\.json: not valid JSON \(line 1, column \d+: .*\); save"):
        read_file(tmp_path / "cut.json")
    monkeypatch.setenv("WORKBENCH_MAX_JSON_MB", "0.0005")
    write(tmp_path / "big.json", WHISPERX)
    with pytest.raises(WorkbenchError, match=r"^big\.json: the JSON file is .* above the limit of 0\.0005 MB .*"
                                             r"WORKBENCH_MAX_JSON_MB"):
        read_file(tmp_path / "big.json")


def test_cli_refuses_other_json_with_one_line(tmp_path):
    (tmp_path / "innstillinger.json").write_text('{"tema": "mørk"}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'wb.db'}", "--user", "tester", "ingest",
                                      str(tmp_path / "innstillinger.json")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    errors = [ln for ln in result.output.splitlines() if ln.startswith("Feil:")]
    assert len(errors) == 1 and "innstillinger.json: not a transcript layout" in errors[0]


# -------------------------------------------------------------------------------------- turn tables

ROWS = [("00:00:05", "Moderator", "Velkommen. Hva har avtalen betydd for dere?"),
        ("00:00:14", "Ordfører Fjellvik", "Mye, særlig at vi har fått en kontaktperson i departementet."),
        ("", "", "Det har gjort det lettere å ta opp bolig."),
        ("00:01:02", "Moderator", "Og samarbeidet mellom kommunene; hvordan går det?")]
EXPECTED_TURNS = [("Moderator", "Velkommen. Hva har avtalen betydd for dere?", 5.0),
                  ("Ordfører Fjellvik", "Mye, særlig at vi har fått en kontaktperson i departementet.\n"
                                        "Det har gjort det lettere å ta opp bolig.", 14.0),
                  ("Moderator", "Og samarbeidet mellom kommunene; hvordan går det?", 62.0)]


def csv_text(header: tuple, rows, delimiter: str) -> str:
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out, delimiter=delimiter, lineterminator="\r\n")
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue()


def turns_of(parsed) -> list[tuple]:
    return [(t.speaker, t.text, t.start_time) for t in parsed.turns]


@pytest.mark.parametrize("header, delimiter, encoding", [
    (("Tid", "Taler", "Tekst"), ";", "cp1252"),          # Excel's CSV in Norway: semicolons, Windows-1252
    (("Start", "Navn", "Ytring"), ",", "utf-8-sig"),     # CSV UTF-8 with a BOM
    (("Time", "Speaker", "Text"), "\t", "utf-16"),       # Excel's "Unicode text"
    (("tid", "TALER", "tekst"), "|", "utf-8"),
])
def test_csv_turn_tables(tmp_path, header, delimiter, encoding):
    path = tmp_path / "fokusgruppe.csv"
    path.write_bytes(csv_text(header, ROWS, delimiter).encode(encoding))
    parsed = read_file(path)
    assert turns_of(parsed) == EXPECTED_TURNS and parsed.format == "csv" and parsed.warnings == []


def test_csv_with_title_rows_other_columns_headings_and_roster(tmp_path):
    text = ("Fokusgruppe fylkeskommunen, fase 2\n"
            "Dato: 12.03.2024\n\n"
            "Nr;Taler;Tekst;Kommentar\n"
            "1;moderator;Velkommen til alle sammen.;\n"
            "2;Kari Berg | NIBR;Takk. Jeg kan starte.;lyd dårlig\n"
            ";Tema 2: Samarbeid med staten;;\n"
            "3;Moderator;Hvordan er kontakten med departementet?;\n")
    (tmp_path / "fg.csv").write_text(text, encoding="utf-8")
    parsed = read_file(tmp_path / "fg.csv", roster=["Moderator", "Kari Berg"])
    assert parsed.preamble == ["Fokusgruppe fylkeskommunen, fase 2", "Dato: 12.03.2024"]
    assert [(t.speaker, t.text, t.heading) for t in parsed.turns] == [
        ("Moderator", "Velkommen til alle sammen.", None),
        ("Kari Berg", "Takk. Jeg kan starte.", None),
        ("Moderator", "Hvordan er kontakten med departementet?", "Tema 2: Samarbeid med staten")]
    assert parsed.warnings == ["fg.csv: column 'Kommentar' is not read (a turn table gives speaker, text and "
                               "time); move what belongs to the turns into the text column"]


def test_segment_table_without_speakers(tmp_path):
    (tmp_path / "segmenter.csv").write_text("start,end,text\n0.0,3.4,Velkommen.\n3.4,6.9,Vi starter.\n",
                                            encoding="utf-8")
    assert [(t.speaker, t.text, t.start_time, t.end_time) for t in read_file(tmp_path / "segmenter.csv").turns] == \
        [(None, "Velkommen.", 0.0, 3.4), (None, "Vi starter.", 3.4, 6.9)]


def test_xlsx_turn_table_with_excel_times(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    info = wb.active
    info.title = "Om intervjuet"
    info.append(["Intervju med kommunedirektør, fase 1"])
    ws = wb.create_sheet("Transkripsjon")
    ws.append(["Intervju 3"])
    ws.append([])
    ws.append(["Tidskode", "Taler", "Ytring"])
    ws.append([dt.time(0, 0, 5), "Intervjuer", "Kan du fortelle om rollen din?"])
    ws.append([dt.timedelta(minutes=1, seconds=2.5), "Kommunedirektør", "Jeg leder administrasjonen."])
    ws.append([75, "Intervjuer", 2024])
    wb.save(tmp_path / "intervju3.xlsx")
    parsed = read_file(tmp_path / "intervju3.xlsx")
    assert turns_of(parsed) == [("Intervjuer", "Kan du fortelle om rollen din?", 5.0),
                                ("Kommunedirektør", "Jeg leder administrasjonen.", 62.5),
                                ("Intervjuer", "2024", 75.0)]
    assert parsed.preamble == ["Intervju 3"] and parsed.format == "xlsx"


@pytest.mark.parametrize("name, content, said", [
    ("turer.csv", "Person;Replikk\nKari;Hei\n",
     "turer.csv: no speaker and text columns in the header (row 1: 'Person', 'Replikk'); expected a speaker column "
     "(Taler, Navn or Speaker), a text column (Tekst, Ytring or Text) and, if you like, a time column (Tid, Start "
     "or Time)"),
    ("manifest.csv", "file,kind,phase,pilot,county,date,language\nfg.txt,fokusgruppe,fase 1,,,2024-01-01,nb\n",
     "manifest.csv: this is a manifest table (row 1: 'file', 'kind', 'phase', 'pilot', 'county', 'date', "
     "'language'), not a transcript; give it with --manifest"),
    ("deltakere.csv", "file,speaker,actor,organisation,pilot\nfg.txt,Kari,forsker,NIBR,\n",
     "deltakere.csv: this is a participants table"),
    ("codings_kari.csv", "source,turn,code,coder\nfg.txt,1,kontrakt,kari\n",
     "codings_kari.csv: this is a table of codings"),
    ("sitater.csv", "Kilde;Taler;Aktør;Sitat\nfg.txt;Kari;forsker;Hei\n",
     "sitater.csv: the table has a column naming sources or codes"),
    ("frigitte_sitater.csv", "Kode,Taler,Aktør,Fase,Sitat\nKapasitet,Deltaker 3,prosjektleder,fase 2,Vi er få.\n",
     "frigitte_sitater.csv: the table has a column naming sources or codes"),
    ("tom.csv", "\n\n", "tom.csv: the table is empty"),
])
def test_tables_without_turn_columns_are_one_line(tmp_path, name, content, said):
    (tmp_path / name).write_text(content, encoding="utf-8")
    with pytest.raises(WorkbenchError) as err:
        read_file(tmp_path / name)
    assert str(err.value).startswith(said) and "\n" not in str(err.value)


def test_misnamed_tables_are_one_line(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["Taler", "Tekst"])
    wb.save(tmp_path / "egentlig.csv")
    with pytest.raises(WorkbenchError, match=r"^egentlig\.csv: this is an Excel workbook \(\.xlsx\) named \.csv; "
                                             r"rename it to egentlig\.xlsx"):
        read_file(tmp_path / "egentlig.csv")
    (tmp_path / "tekst.xlsx").write_text("Taler;Tekst\nKari;Hei\n", encoding="utf-8")
    with pytest.raises(WorkbenchError, match=r"^tekst\.xlsx: this is a text file named \.xlsx"):
        read_file(tmp_path / "tekst.xlsx")


# ------------------------------------------------------------------------------ folder into the db

MANIFEST = ("file,kind,phase,pilot,county,date,language\n"
            "fg_whisperx.json,fokusgruppe,fase 2,Midt-Finnmark,Finnmark,2024-02-06,nb\n"
            "intervju_tabell.xlsx,intervju,fase 1,,,2023-05-30,nb\n"
            "logg.csv,observasjon,fase 1,,,2023-06-01,nb\n")
PARTICIPANTS = ("file,speaker,actor,organisation,pilot\n"
                "fg_whisperx.json,SPEAKER_00,forsker,Forskningsinstitutt,\n"
                "fg_whisperx.json,SPEAKER_01,prosjektleder,Porsanger kommune,Midt-Finnmark\n"
                "intervju_tabell.xlsx,Intervjuer,forsker,Forskningsinstitutt,\n"
                "intervju_tabell.xlsx,Kommunedirektør,kommuneadministrasjon,Rindal kommune,Midt\n")


@pytest.fixture
def folder(tmp_path):
    import openpyxl

    d = tmp_path / "korpus"
    d.mkdir()
    (d / "manifest.csv").write_text(MANIFEST, encoding="utf-8-sig")
    (d / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    write(d / "fg_whisperx.json", WHISPERX)
    write(d / "whisper_uten_talere.json", WHISPER)
    wb = openpyxl.Workbook()
    wb.active.append(["Tid", "Taler", "Tekst"])
    wb.active.append(["00:00:03", "Intervjuer", "Hva er din rolle i avtalen?"])
    wb.active.append(["00:00:09", "kommunedirektør", "Jeg har ansvaret for oppfølgingen."])
    wb.save(d / "intervju_tabell.xlsx")
    (d / "turtabell.csv").write_text(csv_text(("Tid", "Taler", "Tekst"), ROWS, ";"), encoding="utf-8")
    # tables that are no transcripts: codings, an export of quotes, settings; and one the manifest names
    (d / "codings_kari.csv").write_text("source,turn,code,coder\nturtabell.csv,1,kontrakt,kari\n", encoding="utf-8")
    (d / "sitater.csv").write_text("Kilde;Taler;Aktør;Sitat\nturtabell.csv;Moderator;forsker;Velkommen.\n",
                                   encoding="utf-8")
    (d / "frigitte_sitater.csv").write_text("Kode,Taler,Aktør,Fase,Sitat\nKapasitet,Deltaker 3,prosjektleder,"
                                            "fase 2,Vi er få.\n", encoding="utf-8")
    (d / "innstillinger.json").write_text('{"tema": "mørk"}', encoding="utf-8")
    (d / "logg.csv").write_text("Klokke;Hendelse\n10:00;Start\n", encoding="utf-8")
    return d


def test_folder_reads_transcripts_and_leaves_other_tables(db, folder):
    report = ingest_paths(db, [folder], user="kari")
    assert sorted(report.added) == ["fg_whisperx.json", "intervju_tabell.xlsx", "turtabell.csv",
                                    "whisper_uten_talere.json"]
    # the table the manifest names is read, and says why it is no transcript; the others stay out
    assert report.errors == ["logg.csv: no speaker and text columns in the header (row 1: 'Klokke', 'Hendelse'); "
                             "expected a speaker column (Taler, Navn or Speaker), a text column (Tekst, Ytring or "
                             "Text) and, if you like, a time column (Tid, Start or Time)"]
    assert not any(w.startswith(n) for w in report.warnings for n in ("codings_kari", "sitater", "frigitte", "innstillinger",
                                                                      "manifest.csv", "participants.csv")), \
        report.warnings
    sources = {s["file"]: s for s in list_sources(db, user="kari")}
    assert set(sources) == set(report.added)
    assert (sources["fg_whisperx.json"]["kind"], sources["fg_whisperx.json"]["phase"]) == ("fokusgruppe", "fase 2")
    fg = list_turns(db, "fg_whisperx.json", user="kari")
    assert [(t["speaker"], t["actor"], t["start_time"]) for t in fg] == [
        ("SPEAKER_00", "forsker", 0.52), ("SPEAKER_01", "prosjektleder", 4.6), (None, None, 12.5),
        ("SPEAKER_00", "forsker", 13.4)]
    assert fg[1]["text"] == "Det har gått seg til etter hvert. Vi møtes hver måned nå, og det hjelper."
    table = list_turns(db, "intervju_tabell.xlsx", user="kari")
    assert [(t["speaker"], t["actor"], t["start_time"]) for t in table] == [
        ("Intervjuer", "forsker", 3.0), ("Kommunedirektør", "kommuneadministrasjon", 9.0)]
    assert [t["speaker"] for t in list_turns(db, "whisper_uten_talere.json", user="kari")] == [None, None]
    assert any(w.startswith("turtabell.csv: not in manifest.csv") for w in report.warnings)
    # again: nothing new, the same refusal
    again = ingest_paths(db, [folder], user="kari")
    assert again.added == [] and sorted(again.unchanged) == sorted(report.added) and len(again.errors) == 1


def test_control_characters_and_lone_surrogates_never_reach_the_database(db, tmp_path):
    # json.loads gives a NUL and a lone surrogate for these escapes; PostgreSQL refuses both in text
    (tmp_path / "rar.json").write_text('{"segments": [{"start": 0, "end": 2, "speaker": "SPEAKER_00\\u0000", '
                                       '"text": " Vi\\u0000 har \\ud800fått svar."}]}', encoding="utf-8")
    report = ingest_paths(db, [tmp_path / "rar.json"], user="kari")
    assert report.errors == [] and report.added == ["rar.json"]
    assert [(t["speaker"], t["text"]) for t in list_turns(db, "rar.json", user="kari")] == \
        [("SPEAKER_00", "Vi har fått svar.")]


def test_odd_quoting_in_a_csv_is_one_line(tmp_path):
    (tmp_path / "rot.csv").write_text(',"a' * 50_000, encoding="utf-8")
    with pytest.raises(WorkbenchError) as err:
        read_file(tmp_path / "rot.csv")
    assert str(err.value).startswith("rot.csv: no speaker and text columns in the header (row 1: ")
    assert "\n" not in str(err.value) and len(str(err.value)) < 1000
