"""Transcripts that hands have been at: a subtitle timing line typed wrong, a time without
milliseconds or an escape in a SubRip file, the header row of a turn table repeated where pages were
pasted together, and Teams' guest mark after a name in the roster. (Found by probing ``workbench
ingest`` with edited Teams, Zoom and WhisperX files.) All names are fictional."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import WorkbenchError
from workbench.ingest import ingest_paths, list_turns, read_file


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def turns(parsed) -> list[tuple]:
    return [(t.speaker, t.text, t.start_time) for t in parsed.turns]


# ------------------------------------------------------------------------ timing lines typed wrong

BAD_TIME_VTT = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Sigrun Lie>Hei, og velkommen.</v>\n\n"
                "00:00:0x.000 --> 00:00:03.000\n<v Tore Bakken>Takk for at jeg fikk komme.</v>\n\n"
                "00:00:04.000 --> 00:00:05.000\n<v Sigrun Lie>Første spørsmål.</v>\n\n"
                "00:00:06.000 -> 00:00:07.500\n<v Tore Bakken>Det tar jeg gjerne.</v>\n\n"
                "00:00:08.000 --> 00:00:09.000\n<v Sigrun Lie>Fint.</v>\n")


def test_a_webvtt_cue_with_a_timing_line_typed_wrong_keeps_its_text_as_its_own_turn(tmp_path):
    parsed = read_file(write(tmp_path, "intervju.vtt", BAD_TIME_VTT))
    assert turns(parsed) == [("Sigrun Lie", "Hei, og velkommen.", 1.0),
                             ("Tore Bakken", "Takk for at jeg fikk komme.", None),  # its start is no time
                             ("Sigrun Lie", "Første spørsmål.", 4.0),
                             ("Tore Bakken", "Det tar jeg gjerne.", 6.0),  # '->': the times are read
                             ("Sigrun Lie", "Fint.", 8.0)]
    assert parsed.turns[1].end_time == 3.0
    said = [w for w in parsed.warnings if "timing line" in w]
    assert len(said) == 2, parsed.warnings
    assert said[0].startswith("intervju.vtt:6: the timing line of cue 2 has a start '00:00:0x.000' that is no time")
    assert said[1].startswith("intervju.vtt:12: the timing line of cue 4 has '->' where '-->' belongs")


def test_speech_that_looks_like_a_time_range_stays_speech(tmp_path):
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Sigrun Lie>Når var møtet?</v>\n\n"
           "00:00:03.000 --> 00:00:06.000\n<v Tore Bakken>Fra klokka\n10:00 -> 11:30\nomtrent.</v>\n")
    parsed = read_file(write(tmp_path, "m.vtt", vtt))
    assert [t[:2] for t in turns(parsed)] == [("Sigrun Lie", "Når var møtet?"),
                                              ("Tore Bakken", "Fra klokka 10:00 -> 11:30 omtrent.")]
    assert not [w for w in parsed.warnings if "timing line" in w]


SRT_HEAD = "1\n00:00:01,000 --> 00:00:02,000\nSigrun Lie: Hei, og velkommen.\n\n"
SRT_TAIL = "\n\n3\n00:00:04,000 --> 00:00:05,000\nSigrun Lie: Første spørsmål.\n"


@pytest.mark.parametrize("timing, start, said", [
    ("00:00:02,500 -> 00:00:03,000", 2.5, "the timing line of cue 2 has '->' where '-->' belongs"),
    ("00:00:0x,000 --> 00:00:03,000", None, "the timing line of cue 2 has a start '00:00:0x,000' that is no time"),
    ("00:00:03 --> 00:00:04", 3.0, None),  # no milliseconds: read as WebVTT reads it
])
def test_a_subrip_cue_with_an_odd_timing_line_is_read_with_its_text(tmp_path, timing, start, said):
    srt = SRT_HEAD + f"2\n{timing}\nTore Bakken: Takk for at jeg fikk komme." + SRT_TAIL
    parsed = read_file(write(tmp_path, "intervju.srt", srt))
    assert turns(parsed) == [("Sigrun Lie", "Hei, og velkommen.", 1.0),
                             ("Tore Bakken", "Takk for at jeg fikk komme.", start),
                             ("Sigrun Lie", "Første spørsmål.", 4.0)]
    warned = [w for w in parsed.warnings if "timing line" in w]
    if said:
        assert warned == [w for w in warned if w.startswith(f"intervju.srt:6: {said}")] and len(warned) == 1
        assert "'hh:mm:ss,mmm --> hh:mm:ss,mmm'" in warned[0]
    else:
        assert not warned


def test_a_subrip_cue_without_its_timing_line_is_one_line_naming_the_line(tmp_path):
    srt = SRT_HEAD + "2\nTore Bakken: Takk for at jeg fikk komme." + SRT_TAIL
    with pytest.raises(WorkbenchError) as err:
        read_file(write(tmp_path, "intervju.srt", srt))
    assert str(err.value).startswith("intervju.srt: not a valid SubRip file (line 5 ('2') is neither a cue number")
    assert "\n" not in str(err.value)


def test_subrip_escapes_are_read_as_the_characters_as_in_webvtt(tmp_path):
    srt = ("1\n00:00:01,000 --> 00:00:03,500\n[SPEAKER_00]: Hvem &amp; hvorfor?\n\n"
           "2\n00:00:03,600 --> 00:00:07,000\n[SPEAKER_01]: Fordi &lt;3 &amp; mer.\n")
    parsed = read_file(write(tmp_path, "wx.srt", srt))
    assert [t[:2] for t in turns(parsed)] == [("SPEAKER_00", "Hvem & hvorfor?"), ("SPEAKER_01", "Fordi <3 & mer.")]
    vtt = read_file(write(tmp_path, "wx.vtt", "WEBVTT\n\n" + srt.replace(",", ".")))
    assert [t.text for t in vtt.turns] == [t.text for t in parsed.turns]


# ------------------------------------------------------------------ header rows repeated in tables

REPEATED = [("Tid", "Taler", "Tekst"), ("00:00:05", "Intervjuer", "Hvordan startet det?"),
            ("00:00:09", "Informant", "Med et møte."), ("TID", " taler ", "Tekst"),
            ("00:10:00", "Intervjuer", "Og så?"), ("00:10:04", "Informant", "Så kom pengene.")]
SPOKEN = [("Intervjuer", "Hvordan startet det?", 5.0), ("Informant", "Med et møte.", 9.0),
          ("Intervjuer", "Og så?", 600.0), ("Informant", "Så kom pengene.", 604.0)]


def test_a_header_row_repeated_in_a_csv_turn_table_is_no_turn(tmp_path):
    text = "\n".join(";".join(r) for r in REPEATED) + "\n"
    parsed = read_file(write(tmp_path, "turer.csv", text), {"Intervjuer", "Informant"})
    assert turns(parsed) == SPOKEN
    assert parsed.warnings == []


def test_a_header_row_repeated_in_an_xlsx_turn_table_is_no_turn(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    for row in REPEATED:
        wb.active.append(list(row))
    wb.save(tmp_path / "turer.xlsx")
    parsed = read_file(tmp_path / "turer.xlsx")
    assert turns(parsed) == SPOKEN
    assert parsed.warnings == []  # no "row 4 with a time that is not hh:mm:ss"


def test_a_header_row_repeated_in_a_word_transcript_table_is_no_turn(tmp_path):
    from docx import Document

    d = Document()
    d.add_paragraph("Fokusgruppe Fjellbygd")
    table = d.add_table(rows=0, cols=3)
    for row in REPEATED:
        cells = table.add_row().cells
        for cell, value in zip(cells, row):
            cell.text = value
    d.save(tmp_path / "fg.docx")
    parsed = read_file(tmp_path / "fg.docx", {"Intervjuer", "Informant"})
    assert turns(parsed) == SPOKEN


# ------------------------------------------------------------------------- Teams' guest marks

TEAMS_VTT = ("WEBVTT\n\nab12/1-0\n00:00:01.000 --> 00:00:03.000\n<v Sigrun Lie>Velkommen.</v>\n\n"
             "ab12/2-0\n00:00:03.500 --> 00:00:06.000\n<v Tore Bakken (Gjest)>Takk for invitasjonen.</v>\n\n"
             "ab12/3-0\n00:00:06.500 --> 00:00:08.000\n<v Sigrun Lie>Hva er din rolle?</v>\n\n"
             "ab12/4-0\n00:00:08.500 --> 00:00:09.000\n<v Hege Dal (External)>Jeg leder styret.</v>\n")
TEAMS_TXT = ("Sigrun Lie   0:03\nVelkommen.\n\nTore Bakken (Guest)   0:09\nTakk for invitasjonen.\n\n"
             "Sigrun Lie   0:20\nHva er din rolle?\n\nHege Dal (Ekstern)   0:24\nJeg leder styret.\n")


TEAMS_CSV = ("Taler;Tekst\nSigrun Lie;Velkommen.\nTore Bakken (Gjest);Takk for invitasjonen.\n"
             "Sigrun Lie;Hva er din rolle?\nHege Dal (External);Jeg leder styret.\n")


@pytest.mark.parametrize("name, text", [("teams.vtt", TEAMS_VTT), ("teams.txt", TEAMS_TXT), ("teams.csv", TEAMS_CSV)],
                         ids=["vtt", "txt", "csv"])
def test_a_teams_guest_mark_after_a_name_matches_the_roster_row_of_the_name(tmp_path, name, text):
    path = write(tmp_path, name, text)
    parsed = read_file(path, {"Sigrun Lie", "Tore Bakken", "Hege Dal"})
    assert [t.speaker for t in parsed.turns] == ["Sigrun Lie", "Tore Bakken", "Sigrun Lie", "Hege Dal"]
    # a row with the mark matches too, and wins; without a roster the label is kept as written
    parsed = read_file(path, {"Sigrun Lie", "Tore Bakken (Gjest)", "Tore Bakken", "Hege Dal"})
    assert parsed.turns[1].speaker == ("Tore Bakken (Gjest)" if name != "teams.txt" else "Tore Bakken")
    as_written = "Tore Bakken (Guest)" if name == "teams.txt" else "Tore Bakken (Gjest)"
    assert read_file(path).turns[1].speaker == as_written


def test_a_teams_guest_in_a_word_transcript_table_gets_the_actor_of_the_name(db, tmp_path):
    from docx import Document

    folder = tmp_path / "inn"
    folder.mkdir()
    d = Document()
    table = d.add_table(rows=0, cols=3)
    for row in [("Tid", "Navn", "Tekst"), ("00:00:03", "Sigrun Lie", "Velkommen."),
                ("00:00:09", "Tore Bakken (Gjest)", "Takk for invitasjonen."),
                ("00:00:20", "Sigrun Lie", "Hva er din rolle?"),
                ("00:00:24", "Tore Bakken (Gjest)", "Jeg leder styret.")]:
        for cell, value in zip(table.add_row().cells, row):
            cell.text = value
    d.save(folder / "moete.docx")
    write(folder, "teams.vtt", TEAMS_VTT)
    write(folder, "participants.csv", "file,speaker,actor,organisation,pilot\n"
                                      "moete.docx,Sigrun Lie,forsker,NIBR,\n"
                                      "moete.docx,Tore Bakken,ordfører,Fjellbygd kommune,\n"
                                      "teams.vtt,Sigrun Lie,forsker,NIBR,\n"
                                      "teams.vtt,Tore Bakken,ordfører,Fjellbygd kommune,\n"
                                      "teams.vtt,Hege Dal,næringsliv,Dal AS,\n")
    report = ingest_paths(db, [folder], user="kari")
    assert sorted(report.added) == ["moete.docx", "teams.vtt"], report.errors
    assert not [w for w in report.warnings if "not in participants.csv" in w], report.warnings
    assert [(t["speaker"], t["actor"]) for t in list_turns(db, "moete.docx", user="kari")] == [
        ("Sigrun Lie", "forsker"), ("Tore Bakken", "ordfører")] * 2
    assert [t["actor"] for t in list_turns(db, "teams.vtt", user="kari")] == [
        "forsker", "ordfører", "forsker", "næringsliv"]
