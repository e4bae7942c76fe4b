"""WebVTT and SubRip files as other tools and hands leave them: escaped characters, a missing blank
line, '-->' inside a cue, two people in one cue, Zoom names with '|'. (Found by trying the
workbench with transcripts from Zoom and Teams and hand-edited subtitles.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.ingest import build_canonical, read_file


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp_path / name
    p.write_bytes(text.encode(encoding))
    return p


def turns(parsed):
    return [(t.speaker, t.text) for t in parsed.turns]


def test_webvtt_escapes_are_read_as_the_characters_they_stand_for(tmp_path):
    vtt = ("WEBVTT\n\nab12/1-0\n00:00:01.000 --> 00:00:03.000\n"
           "<v Ola Fjellstad>Vi jobber med FoU &amp; R&amp;D og &quot;grønn&quot; omstilling.</v>\n\n"
           "ab12/2-0\n00:00:03.500 --> 00:00:06.000\n<v Kari Bøe>Ja &lt;3&nbsp;takk</v>\n")
    parsed = read_file(write(tmp_path, "teams.vtt", vtt))
    assert turns(parsed) == [("Ola Fjellstad", 'Vi jobber med FoU & R&D og "grønn" omstilling.'),
                             ("Kari Bøe", "Ja <3 takk")]
    text, _ = build_canonical(parsed)
    assert "&amp;" not in text and "&lt;" not in text


@pytest.mark.parametrize("name, encoding, sep", [("a.srt", "utf-8", ","), ("b.srt", "cp1252", ","),
                                                 ("c.vtt", "utf-8", ".")])
def test_a_cue_without_a_blank_line_before_it_is_its_own_cue_with_a_warning(tmp_path, name, encoding, sep):
    head = "WEBVTT\n\n" if name.endswith(".vtt") else ""
    body = (f"1\n00:00:01{sep}000 --> 00:00:03{sep}000\nOla Fjellstad: Vi har hatt gode møter på Ørland.\n"
            f"2\n00:00:03{sep}500 --> 00:00:06{sep}000\nKari Bøe: Det er jeg enig i, særlig om æ, ø og å.\n\n"
            f"3\n00:00:06{sep}500 --> 00:00:08{sep}000\nOla Fjellstad: Men økonomien er vanskelig.\n")
    parsed = read_file(write(tmp_path, name, head + body, encoding))
    assert turns(parsed) == [("Ola Fjellstad", "Vi har hatt gode møter på Ørland."),
                             ("Kari Bøe", "Det er jeg enig i, særlig om æ, ø og å."),
                             ("Ola Fjellstad", "Men økonomien er vanskelig.")]
    assert [t.start_time for t in parsed.turns] == [1.0, 3.5, 6.5]
    line = 5 if name.endswith(".srt") else 7
    assert any(w.startswith(f"{name}:{line}: no blank line before cue 2") for w in parsed.warnings), parsed.warnings


def test_without_cue_ids_a_missing_blank_line_never_takes_a_line_of_speech(tmp_path):
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nOla Fjellstad: Første linje.\nOg andre linje.\n"
           "00:00:03.500 --> 00:00:06.000\nKari Bøe: Svar.\n\n00:00:06.500 --> 00:00:08.000\nOla Fjellstad: Ja.\n")
    parsed = read_file(write(tmp_path, "z.vtt", vtt))
    assert turns(parsed)[0] == ("Ola Fjellstad", "Første linje. Og andre linje.")
    assert turns(parsed)[1] == ("Kari Bøe", "Svar.")


def test_an_arrow_inside_a_cue_keeps_the_cue(tmp_path):
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\nIngrid Solbakken: Hei.\n\n"
           "00:00:03.500 --> 00:00:06.000\nTorbjørn Haugland: Takk.\n\n"
           "00:00:06.500 --> 00:00:09.000\nIngrid Solbakken: Hva tenker du om A --> B?\n\n"
           "00:00:09.500 --> 00:00:11.000\nTorbjørn Haugland: Vet ikke.\n")
    parsed = read_file(write(tmp_path, "pil.vtt", vtt))
    assert turns(parsed) == [("Ingrid Solbakken", "Hei."), ("Torbjørn Haugland", "Takk."),
                             ("Ingrid Solbakken", "Hva tenker du om A --> B?"),
                             ("Torbjørn Haugland", "Vet ikke.")]


def test_two_speakers_in_one_cue_are_two_turns(tmp_path):
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:05.000\nOla Fjellstad: Er du enig?\nKari Bøe: Ja, helt.\n\n"
           "00:00:05.500 --> 00:00:08.000\nOla Fjellstad: Bra.\n\n00:00:08.500 --> 00:00:09.000\nKari Bøe: Ok.\n")
    parsed = read_file(write(tmp_path, "to.vtt", vtt))
    assert turns(parsed) == [("Ola Fjellstad", "Er du enig?"), ("Kari Bøe", "Ja, helt."),
                             ("Ola Fjellstad", "Bra."), ("Kari Bøe", "Ok.")]
    assert parsed.turns[1].start_time == 1.0  # the cue's time, as for dash dialogue


def test_a_colon_line_inside_a_cue_that_is_no_speaker_stays_in_its_text(tmp_path):
    vtt = ("WEBVTT\n\n00:00:01.000 --> 00:00:05.000\nOla Fjellstad: Vi har tre mål.\nMerk: det første er boliger.\n\n"
           "00:00:05.500 --> 00:00:08.000\nKari Bøe: Greit.\n\n00:00:08.500 --> 00:00:09.000\nOla Fjellstad: Ja.\n")
    parsed = read_file(write(tmp_path, "merk.vtt", vtt))
    assert turns(parsed)[0] == ("Ola Fjellstad", "Vi har tre mål. Merk: det første er boliger.")
    assert len(parsed.turns) == 3


def test_zoom_names_with_an_organisation_after_a_bar_are_speakers(tmp_path):
    vtt = ("WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\nKari Hansen | NIBR: Kort kommentar.\n\n"
           "2\n00:00:03.500 --> 00:00:06.000\nOla Fjellstad: Ja.\n\n"
           "3\n00:00:06.500 --> 00:00:09.000\nKari Hansen | NIBR: Enda en.\n")
    parsed = read_file(write(tmp_path, "zoom.vtt", vtt))
    assert turns(parsed) == [("Kari Hansen | NIBR", "Kort kommentar."), ("Ola Fjellstad", "Ja."),
                             ("Kari Hansen | NIBR", "Enda en.")]


def test_a_cue_with_two_voice_tags_is_a_turn_for_each_voice(tmp_path):
    vtt = ("WEBVTT\n\n00:00:00.000 --> 00:00:05.000\n<v Ola Fjellstad>Første setning.\n\n"
           "00:00:05.000 --> 00:00:09.000\n"
           "<v Kari Bøe>Andre setning fra Kari.</v> <v Ola Fjellstad>Og Ola avbryter &amp; spør.</v>\n\n"
           "00:00:09.000 --> 00:00:12.000\n<v Kari Bøe>Siste.</v>\n")
    parsed = read_file(write(tmp_path, "teams_ny.vtt", vtt))
    assert turns(parsed) == [("Ola Fjellstad", "Første setning."), ("Kari Bøe", "Andre setning fra Kari."),
                             ("Ola Fjellstad", "Og Ola avbryter & spør."), ("Kari Bøe", "Siste.")]
    assert [(t.start_time, t.end_time) for t in parsed.turns[1:3]] == [(5.0, 9.0), (5.0, 9.0)]
