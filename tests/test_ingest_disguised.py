"""Files that are not what their name or layout first suggests: subtitles saved as .txt, Zoom's
``Name | Organisation:`` labels, clock times past midnight, f4transkript time marks, bidirectional
control characters, roster labels with odd white space and binary files under a text name. (Found by
probing ``workbench ingest`` with the files researchers get from Teams, Zoom, WhisperX and f4.)
All names are fictional."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.errors import WorkbenchError
from workbench.ingest import build_canonical, read_file
from workbench.privacy import label_warning

TEAMS_VTT = ("WEBVTT\n\nSTYLE\n::cue { color: white }\n\nNOTE laget av Teams\n\n"
             "ab12/1-0\n00:00:01.000 --> 00:00:03.000\n<v Kari Hansen>Hei, velkommen.</v>\n\n"
             "ab12/2-0\n00:00:03.500 --> 00:00:06.000\n<v Ola Fjellstad>Takk for det.</v>\n")
ZOOM_VTT = ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nKari Hansen: Hei, velkommen.\n\n"
            "2\n00:00:03.500 --> 00:00:06.000\nOla Fjellstad: Takk for det.\n\n"
            "3\n00:00:06.500 --> 00:00:08.000\nKari Hansen: Skal vi begynne?\n\n"
            "4\n00:00:08.500 --> 00:00:09.000\nOla Fjellstad: Ja.\n")
WHISPERX_SRT = ("1\n00:00:00,031 --> 00:00:02,393\n[SPEAKER_00]: Hei og velkommen.\n\n"
                "2\n00:00:02,500 --> 00:00:05,000\n[SPEAKER_01]: Takk skal du ha.\n\n"
                "3\n00:00:05,100 --> 00:00:07,000\n[SPEAKER_00]: Skal vi begynne?\n")
ZOOM_TXT = ("Kari Hansen | NIBR: Hei, velkommen.\nOla Hansen | Nord Fron kommune: Takk.\n"
            "Kari Hansen | NIBR: Hvordan går det?\nOla Hansen | Nord Fron kommune: Bra.\n")


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode("utf-8"))
    return p


def turns(parsed):
    return [(t.speaker, t.text) for t in parsed.turns]


def times(parsed):
    return [t.start_time for t in parsed.turns]


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph("Kari: Hei.")
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ------------------------------------------------------------------------ 1. subtitles saved as .txt

@pytest.mark.parametrize("text, real, expected", [
    (TEAMS_VTT, "vtt", [("Kari Hansen", "Hei, velkommen."), ("Ola Fjellstad", "Takk for det.")]),
    (ZOOM_VTT, "vtt", [("Kari Hansen", "Hei, velkommen."), ("Ola Fjellstad", "Takk for det."),
                       ("Kari Hansen", "Skal vi begynne?"), ("Ola Fjellstad", "Ja.")]),
    (WHISPERX_SRT, "srt", [("SPEAKER_00", "Hei og velkommen."), ("SPEAKER_01", "Takk skal du ha."),
                           ("SPEAKER_00", "Skal vi begynne?")]),
])
@pytest.mark.parametrize("name", ["opptak.txt", "opptak.md"])
def test_a_subtitle_file_saved_as_txt_is_read_as_subtitles_with_one_warning(tmp_path, text, real, expected, name):
    parsed = read_file(write(tmp_path, name, text))
    assert turns(parsed) == expected
    assert parsed.turns[0].start_time is not None and parsed.format == real
    canonical, _ = build_canonical(parsed)
    assert "-->" not in canonical and "<v " not in canonical and "ab12/" not in canonical
    said = [w for w in parsed.warnings if "named ." in w]
    assert len(said) == 1 and said[0].startswith(f"{name}: ") and f"rename it to .{real}" in said[0]


def test_a_vtt_named_srt_and_an_srt_named_vtt_are_read_as_what_they_are(tmp_path):
    parsed = read_file(write(tmp_path, "teams.srt", TEAMS_VTT))
    assert turns(parsed) == [("Kari Hansen", "Hei, velkommen."), ("Ola Fjellstad", "Takk for det.")]
    assert any("WebVTT" in w and "rename it to .vtt" in w for w in parsed.warnings)
    parsed = read_file(write(tmp_path, "whisper.vtt", WHISPERX_SRT))
    assert [s for s, _ in turns(parsed)] == ["SPEAKER_00", "SPEAKER_01", "SPEAKER_00"]
    assert any("SubRip" in w and "rename it to .srt" in w for w in parsed.warnings)


# ------------------------------------------------------------------- 2./3. Zoom "Name | Org:" labels

def test_zoom_name_and_organisation_labels_in_txt_are_speakers(tmp_path):
    parsed = read_file(write(tmp_path, "zoom.txt", ZOOM_TXT))
    assert turns(parsed) == [("Kari Hansen | NIBR", "Hei, velkommen."), ("Ola Hansen | Nord Fron kommune", "Takk."),
                             ("Kari Hansen | NIBR", "Hvordan går det?"), ("Ola Hansen | Nord Fron kommune", "Bra.")]


def test_zoom_bracket_name_lines_with_a_long_organisation_are_speakers(tmp_path):
    text = ("[Kari Hansen | NIBR] 10:02:15\nHei, velkommen.\n\n[Ola Hansen | Nord Fron kommune] 10:02:20\nTakk.\n\n"
            "[Kari Hansen | NIBR] 10:02:31\nHvordan går det?\n")
    parsed = read_file(write(tmp_path, "zoom_lagret.txt", text))
    assert [s for s, _ in turns(parsed)] == ["Kari Hansen | NIBR", "Ola Hansen | Nord Fron kommune",
                                             "Kari Hansen | NIBR"]


@pytest.mark.parametrize("name, text", [("zoom.txt", ZOOM_TXT), ("zoom.vtt", (
    "WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nKari Hansen | NIBR: Hei, velkommen.\n\n"
    "2\n00:00:03.500 --> 00:00:06.000\nOla Hansen | Nord Fron kommune: Takk.\n"))])
def test_zoom_labels_match_the_roster_by_the_name_and_by_the_whole_label(tmp_path, name, text):
    path = write(tmp_path, name, text)
    parsed = read_file(path, {"Kari Hansen", "Ola Hansen"})
    assert [s for s, _ in turns(parsed)][:2] == ["Kari Hansen", "Ola Hansen"]
    assert not [w for w in parsed.warnings if "not in participants.csv" in w]
    parsed = read_file(path, {"Kari Hansen | NIBR", "Ola Hansen"})
    assert [s for s, _ in turns(parsed)][:2] == ["Kari Hansen | NIBR", "Ola Hansen"]


def test_ingest_gives_a_zoom_speaker_the_actor_of_its_roster_row_without_warnings(tmp_path):
    folder = tmp_path / "inn"
    folder.mkdir()
    write(folder, "zoom.txt", ZOOM_TXT)
    write(folder, "participants.csv", "file,speaker,actor,organisation,pilot\n"
                                      "zoom.txt,Kari Hansen,forsker,NIBR,\n"
                                      "zoom.txt,Ola Hansen,kommune,Nord Fron kommune,\n")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(cli, ["--db", db, "ingest", str(folder)])
    assert result.exit_code == 0, result.output
    assert "not in participants" not in result.output and "would stay in quotes" not in result.output
    result = CliRunner().invoke(cli, ["--db", db, "turns", "zoom.txt", "--json"])
    import json

    rows = json.loads(result.output)
    assert [(r["speaker"], r["actor"]) for r in rows][:2] == [("Kari Hansen", "forsker"), ("Ola Hansen", "kommune")]


def test_a_zoom_label_is_read_as_the_name_before_the_bar_and_the_warning_names_real_columns():
    assert label_warning("Kari Hansen | NIBR") is None
    said = label_warning("Ordfører Tveit")
    assert said and "'name' column" in said and "(file,speaker,actor,organisation,pilot,name)" in said


# ---------------------------------------------------------------- 5. roster labels with odd spacing

@pytest.mark.parametrize("label", ["Kari  Nordmann", "Kari\u00a0Nordmann", " Kari Nordmann "])
def test_a_roster_label_with_doubled_or_no_break_spaces_matches_the_transcript(tmp_path, label):
    folder = tmp_path / "inn"
    folder.mkdir()
    write(folder, "intervju.txt", "Kari Nordmann: Hei.\nOla Fjellstad: Hallo.\nKari Nordmann: Hvordan går det?\n"
                                  "Ola Fjellstad: Bra.\n")
    write(folder, "participants.csv", f"file,speaker,actor\nintervju.txt,{label},forsker\n"
                                      "intervju.txt,Ola Fjellstad,innbygger\n")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(cli, ["--db", db, "ingest", str(folder)])
    assert result.exit_code == 0 and "not in participants" not in result.output, result.output
    import json

    rows = json.loads(CliRunner().invoke(cli, ["--db", db, "turns", "intervju.txt", "--json"]).output)
    assert (rows[0]["speaker"], rows[0]["actor"]) == ("Kari Nordmann", "forsker")


def test_a_vtt_voice_matches_a_roster_row_with_odd_spacing(tmp_path):
    parsed = read_file(write(tmp_path, "teams.vtt", TEAMS_VTT), {"Kari  Hansen", "Ola Fjellstad"})
    assert [s for s, _ in turns(parsed)] == ["Kari  Hansen", "Ola Fjellstad"]


# --------------------------------------------------------------------- 4. clock times past midnight

def test_zoom_clock_times_past_midnight_count_on_from_the_first_turn(tmp_path):
    text = ("[Kari Nordmann] 23:58:10\nVi begynner.\n\n[Ola Fjellstad] 23:59:40\nJa.\n\n"
            "[Kari Nordmann] 00:00:20\nGodt nytt år.\n")
    parsed = read_file(write(tmp_path, "nyttaar.txt", text))
    assert times(parsed) == [0.0, 90.0, 130.0]
    assert any("clock times" in w and "midnight" in w for w in parsed.warnings)


def test_times_that_fall_back_in_the_morning_are_not_taken_for_midnight(tmp_path):
    text = ("[Kari Nordmann] 10:02:15\nVi begynner.\n\n[Ola Fjellstad] 10:03:00\nJa.\n\n"
            "[Kari Nordmann] 09:00:20\nFeil tid.\n")
    parsed = read_file(write(tmp_path, "feil.txt", text))
    assert times(parsed)[2] == 9 * 3600 + 20  # left as written: not a recording past midnight


# ------------------------------------------------------------------------- 6. f4transkript marks

F4 = ("I: Hvordan går det med avtalen? #00:00:12-5#\n\nB: Det går bra, takk. #00:00:15-0#\n"
      "Vi har møtt dem to ganger. #00:00:21-3#\n\nI: Og kommunen? #00:00:30-1#\n\n#00:00:33-0# B: Den er med.\n")


def test_f4_time_marks_are_the_turn_times_and_not_in_the_text(tmp_path):
    """f4 writes a mark when a paragraph is finished: a turn starts at the mark that ended the turn
    before it (the first at 0) and ends at its own last mark; a mark before the text is a start."""
    parsed = read_file(write(tmp_path, "f4.txt", F4))
    assert turns(parsed) == [("I", "Hvordan går det med avtalen?"),
                             ("B", "Det går bra, takk.\nVi har møtt dem to ganger."),
                             ("I", "Og kommunen?"), ("B", "Den er med.")]
    assert times(parsed) == [0.0, 12.5, 21.3, 33.0]
    assert [t.end_time for t in parsed.turns] == [12.5, 21.3, 30.1, None]
    assert "#" not in build_canonical(parsed)[0]


def test_f4_time_marks_in_a_word_document(tmp_path):
    import docx

    document = docx.Document()
    for para in F4.split("\n\n"):
        document.add_paragraph(para.strip().replace("\n", " "))
    path = tmp_path / "f4.docx"
    document.save(str(path))
    parsed = read_file(path)
    assert [s for s, _ in turns(parsed)] == ["I", "B", "I", "B"]
    assert times(parsed) == [0.0, 12.5, 21.3, 33.0]
    assert "#00:" not in build_canonical(parsed)[0]


# ----------------------------------------------------------------------- 7. bidirectional controls

def test_bidirectional_control_characters_are_taken_out_with_one_warning(tmp_path):
    text = ("Kari: Vi har \u202eeksporten\u202c klar.\nOla: Bra \u2067sånn\u2069.\n"
            "Kari: Takk.\nOla: Hei.\n")
    parsed = read_file(write(tmp_path, "bidi.txt", text))
    assert turns(parsed)[:2] == [("Kari", "Vi har eksporten klar."), ("Ola", "Bra sånn.")]
    said = [w for w in parsed.warnings if "bidirectional" in w]
    assert len(said) == 1 and said[0].startswith("bidi.txt: 4 bidirectional")


# ------------------------------------------------------------- 8. binary files under a text name

@pytest.mark.parametrize("name", ["intervju.vtt", "intervju.txt", "intervju.srt"])
def test_a_word_document_named_as_text_says_what_it_is(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(docx_bytes())
    with pytest.raises(WorkbenchError) as err:
        read_file(path)
    message = str(err.value)
    assert message.startswith(f"{name}: this is a Word document") and "rename it to .docx" in message
    assert "byte 0x" not in message


def test_a_truncated_word_document_says_it_is_incomplete(tmp_path):
    data = docx_bytes()
    for name in ("kuttet.docx", "kuttet.txt"):
        path = tmp_path / name
        path.write_bytes(data[: len(data) // 2])
        with pytest.raises(WorkbenchError) as err:
            read_file(path)
        message = str(err.value)
        assert "incomplete" in message and "copy it again" in message
        assert "PackageNotFoundError" not in message and "save it again in Word" not in message


RTF = (r"{\rtf1\ansi\ansicpg1252\deff0{\fonttbl{\f0 Calibri;}}" "\n"
       r"\pard\b Intervjuer:\b0  Hvordan startet samarbeidet?\par" "\n"
       r"\pard\b Kari Hansen:\b0  Med et m\'f8te i kommunestyret.\par" "\n}")
WORD_HTML = ("\ufeff<html xmlns:o=\"urn:schemas-microsoft-com:office:office\">\n<head><meta charset=utf-8></head>\n"
             "<body><p class=MsoNormal><b>Intervjuer:</b> Hvordan startet samarbeidet?</p>\n"
             "<p class=MsoNormal><b>Kari Hansen:</b> Med et møte i kommunestyret.</p></body></html>\n")


@pytest.mark.parametrize("name,content,what", [
    ("intervju.txt", RTF, "an RTF file"),
    ("intervju.md", RTF, "an RTF file"),
    ("intervju.txt", WORD_HTML, "a web page (HTML)"),
    ("intervju.txt", "<!DOCTYPE html>\n<html><body><p>Intervjuer: Hei.</p></body></html>", "a web page (HTML)"),
])
def test_rich_text_or_a_web_page_saved_under_a_text_name_is_refused_with_the_fix(tmp_path, name, content, what):
    # Word's "Rich Text" and "Web page" formats are text files too: read as a transcript their
    # markup became the turns ("{\rtf1\ansi ..." as the first speaker's words).
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    with pytest.raises(WorkbenchError) as err:
        read_file(path)
    assert str(err.value) == (f"{name}: this is {what} named .{name.rsplit('.', 1)[1]}, not plain text; "
                              "open it in Word and save it as .docx")
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = CliRunner().invoke(cli, ["--db", db, "ingest", str(path)])
    assert result.exit_code == 1 and what in result.output and "Traceback" not in result.output


def test_a_text_transcript_that_mentions_html_or_braces_is_read_as_text(tmp_path):
    path = tmp_path / "notat.txt"
    path.write_text("Intervjuer: Har dere en nettside?\n\nKari Hansen: Ja, men <html> og {rtf} sier meg lite.\n\n"
                    "Intervjuer: Hvem lager den?\n\nKari Hansen: Kommunen.\n", encoding="utf-8")
    parsed = read_file(path)
    assert [t.speaker for t in parsed.turns] == ["Intervjuer", "Kari Hansen", "Intervjuer", "Kari Hansen"]
    assert "<html> og {rtf}" in parsed.turns[1].text


def test_the_cli_shows_one_line_for_a_word_document_named_vtt(tmp_path):
    path = tmp_path / "intervju.vtt"
    path.write_bytes(docx_bytes())
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "ingest", str(path)])
    assert result.exit_code == 1
    assert "this is a Word document named .vtt" in result.output and "Traceback" not in result.output
    assert zipfile.is_zipfile(path)


def test_a_note_word_with_a_capital_is_text_and_its_warning_does_not_ask_for_a_roster_row(tmp_path):
    """README: note words such as merk: are never labels; "Merk:" written once is said to be a
    note, not offered as a speaker to add to participants.csv."""
    parsed = read_file(write(tmp_path, "merk.txt", "Kari: Hei, velkommen.\nOla: Takk.\n"
                                                   "Merk: lyden var dårlig her.\nKari: Neste spørsmål.\nOla: Greit.\n"))
    assert turns(parsed)[1] == ("Ola", "Takk.\nMerk: lyden var dårlig her.")
    [said] = [w for w in parsed.warnings if "Merk:" in w]
    assert "note word" in said and "participants.csv" not in said
