"""Transcripts and documents as other tools lay them out: Zoom VTT, subtitle SRT, Word tables
(NVivo, transcription services, Teams' Word export), text boxes and headers, numbered PDFs.

Every file is written by the test, with fictional Norwegian text (no real persons)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from workbench.errors import WorkbenchError
from workbench.ingest import build_canonical, read_file


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def speakers_and_texts(parsed):
    return [(t.speaker, t.text) for t in parsed.turns]


def canonical(parsed) -> str:
    return build_canonical(parsed)[0]


# ------------------------------------------------------------------------------- Zoom VTT / SRT

ZOOM_VTT = """WEBVTT

1
00:00:01.200 --> 00:00:05.400
Siri Fjellheim: Velkommen, alle sammen. Vi tar opp samtalen, som avtalt.

2
00:00:05.600 --> 00:00:09.000
Siri Fjellheim: Første spørsmål: hva betyr partnerskapet for dere?

3
00:00:09.500 --> 00:00:15.250
Arne Lyngstad: For oss handler det om tillit. Vi har fått en dør inn til departementet.

4
00:00:15.500 --> 00:00:21.000
Marte Aasen: Jeg er enig, men kapasiteten er for liten. Vi er tre personer i administrasjonen.

5
00:00:21.200 --> 00:00:24.000
Marte Aasen: Bolig er det vi snakker mest om.

6
00:00:24.500 --> 00:00:27.000
Siri Fjellheim: Takk. Hva med mandatet til styringsgruppa?

7
00:00:27.300 --> 00:00:33.000
Arne Lyngstad: Det er uklart. Ingen vet hvem som har siste ord.
"""


def test_zoom_vtt_name_prefix_is_the_speaker_without_a_roster(tmp_path):
    parsed = read_file(write(tmp_path, "zoom.vtt", ZOOM_VTT))
    assert speakers_and_texts(parsed) == [
        ("Siri Fjellheim", "Velkommen, alle sammen. Vi tar opp samtalen, som avtalt. "
                           "Første spørsmål: hva betyr partnerskapet for dere?"),
        ("Arne Lyngstad", "For oss handler det om tillit. Vi har fått en dør inn til departementet."),
        ("Marte Aasen", "Jeg er enig, men kapasiteten er for liten. Vi er tre personer i administrasjonen. "
                        "Bolig er det vi snakker mest om."),
        ("Siri Fjellheim", "Takk. Hva med mandatet til styringsgruppa?"),
        ("Arne Lyngstad", "Det er uklart. Ingen vet hvem som har siste ord."),
    ]
    assert [(t.start_time, t.end_time) for t in parsed.turns] == [
        (1.2, 9.0), (9.5, 15.25), (15.5, 24.0), (24.5, 27.0), (27.3, 33.0)]
    # the name is not part of the coded text ("Første spørsmål:" inside a cue is not a speaker)
    assert not any("Fjellheim" in t.text or "Lyngstad" in t.text for t in parsed.turns)


def test_zoom_vtt_with_a_partial_roster_keeps_the_unlisted_speaker_apart(tmp_path):
    parsed = read_file(write(tmp_path, "zoom.vtt", ZOOM_VTT), roster={"Siri Fjellheim", "Arne Lyngstad"})
    speakers = [t.speaker for t in parsed.turns]
    assert speakers == ["Siri Fjellheim", "Arne Lyngstad", "Marte Aasen", "Siri Fjellheim", "Arne Lyngstad"]
    # Marte's words are hers, not glued to Arne's turn, and her name is not in the text
    assert parsed.turns[1].text == "For oss handler det om tillit. Vi har fått en dør inn til departementet."
    assert parsed.turns[2].text.startswith("Jeg er enig")


def test_zoom_vtt_strict_roster_refuses_an_unlisted_speaker(tmp_path):
    p = write(tmp_path, "zoom.vtt", ZOOM_VTT)
    with pytest.raises(WorkbenchError, match=r"zoom\.vtt.*'Marte Aasen'.*participants"):
        read_file(p, roster={"Siri Fjellheim", "Arne Lyngstad"}, strict_roster=True)
    assert read_file(p, roster={"Siri Fjellheim", "Arne Lyngstad", "Marte Aasen"}, strict_roster=True).turns


def test_subtitles_with_a_colon_sentence_get_no_speakers(tmp_path):
    vtt = ("WEBVTT\n\n"
           "00:00:01.000 --> 00:00:03.000\nI dag skal vi snakke om bolig.\n\n"
           "00:00:03.500 --> 00:00:06.000\nMerk: dette gjelder bare fase 2.\n\n"
           "00:00:06.500 --> 00:00:09.000\nKommunene har fått nye roller.\n\n"
           "00:00:09.500 --> 00:00:12.000\nOg staten har lovet mer kapasitet.\n")
    parsed = read_file(write(tmp_path, "undertekst.vtt", vtt))
    assert all(t.speaker is None for t in parsed.turns)
    assert parsed.turns[1].text == "Merk: dette gjelder bare fase 2."


SRT_NAMES = """1
00:00:00,500 --> 00:00:04,000
Intervjuer: Hvordan var oppstarten av avtalen?

2
00:00:04,500 --> 00:00:09,000
Rådgiver Husbanken: Den var treg. Vi måtte bygge tillit først.

3
00:00:09,200 --> 00:00:12,000
Rådgiver Husbanken: Etter et halvt år gikk det bedre.

4
00:00:12,500 --> 00:00:15,000
Intervjuer: Og boligbyggingen?

5
00:00:15,500 --> 00:00:20,000
Rådgiver Husbanken: Vi har fått i gang tolv utleieboliger.
"""


def test_srt_name_prefix_is_the_speaker(tmp_path):
    parsed = read_file(write(tmp_path, "intervju.srt", SRT_NAMES))
    assert speakers_and_texts(parsed) == [
        ("Intervjuer", "Hvordan var oppstarten av avtalen?"),
        ("Rådgiver Husbanken", "Den var treg. Vi måtte bygge tillit først. Etter et halvt år gikk det bedre."),
        ("Intervjuer", "Og boligbyggingen?"),
        ("Rådgiver Husbanken", "Vi har fått i gang tolv utleieboliger."),
    ]
    assert (parsed.turns[1].start_time, parsed.turns[1].end_time) == (4.5, 12.0)


def test_subtitle_dash_dialogue_is_two_turns_with_the_cue_time(tmp_path):
    srt = ("1\n00:00:01,000 --> 00:00:03,000\nEr avtalen signert?\n\n"
           "2\n00:00:03,500 --> 00:00:06,000\n- Er den det?\n- Ja, i går.\n\n"
           "3\n00:00:06,500 --> 00:00:08,000\nDa kan vi begynne.\n")
    parsed = read_file(write(tmp_path, "dialog.srt", srt))
    assert [t.text for t in parsed.turns] == ["Er avtalen signert?", "Er den det?", "Ja, i går.", "Da kan vi begynne."]
    assert [(t.start_time, t.end_time) for t in parsed.turns[1:3]] == [(3.5, 6.0), (3.5, 6.0)]
    vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n- Hvem leder?\n- Kommunene.\n"
    parsed = read_file(write(tmp_path, "dialog.vtt", vtt))
    assert [t.text for t in parsed.turns] == ["Hvem leder?", "Kommunene."]


BAD_TIMES_VTT = """WEBVTT

a1
00:00:01.000 --> 00:00:04.000
Siri Fjellheim: Vi starter.

a2
00:00:09.000 --> 00:00:05.000
Arne Lyngstad: Denne cuen slutter før den starter.

a3
-00:00:02.000 --> 00:00:12.000
Marte Aasen: Denne har negativ starttid.

a4
00:00:12.500 --> 00:00:14.000
Siri Fjellheim: Takk til begge.

a5
00:00:14.500 --> 00:00:16.000
Arne Lyngstad: Bare hyggelig.

a6
00:00:16.500 --> 00:00:18.000
Marte Aasen: Ha det.
"""


def _vtt_to_srt(vtt: str) -> str:
    blocks = vtt.split("\n\n")[1:]
    out = []
    for number, block in enumerate(blocks, start=1):
        _, timing, text = block.split("\n", 2)
        out.append(f"{number}\n{timing.replace('.', ',')}\n{text}")
    return "\n\n".join(out)


@pytest.mark.parametrize("fmt", ["vtt", "srt"])
def test_reversed_or_negative_cue_time_keeps_the_text_and_warns(tmp_path, fmt):
    text = BAD_TIMES_VTT if fmt == "vtt" else _vtt_to_srt(BAD_TIMES_VTT)
    parsed = read_file(write(tmp_path, f"feil.{fmt}", text))
    texts = [t.text for t in parsed.turns]
    assert "Denne cuen slutter før den starter." in texts
    assert "Denne har negativ starttid." in texts
    for t in parsed.turns:
        assert t.start_time is None or t.start_time >= 0
        assert t.end_time is None or t.end_time >= 0
        if t.start_time is not None and t.end_time is not None:
            assert t.end_time >= t.start_time
    reversed_turn = next(t for t in parsed.turns if t.text.startswith("Denne cuen"))
    assert reversed_turn.speaker == "Arne Lyngstad"
    assert (reversed_turn.start_time, reversed_turn.end_time) == (None, None)
    negative_turn = next(t for t in parsed.turns if t.text.startswith("Denne har"))
    assert negative_turn.speaker == "Marte Aasen" and negative_turn.end_time == 12.0
    # one warning per bad cue, naming the file, the line of the timing, the cue and its id
    lines = text.split("\n")
    line_of = {key: lines.index(next(x for x in lines if x.startswith(key))) + 1
               for key in ("00:00:09", "-00:00:02")}
    assert len(parsed.warnings) == 2
    first, second = parsed.warnings
    assert first.startswith(f"feil.{fmt}:{line_of['00:00:09']}: cue 2")
    assert "before its start" in first
    assert second.startswith(f"feil.{fmt}:{line_of['-00:00:02']}: cue 3") and "negative" in second
    if fmt == "vtt":
        assert "'a2'" in first and "'a3'" in second


# ------------------------------------------------------------------------------ Word tables

def _table(doc, rows):
    table = doc.add_table(rows=0, cols=len(rows[0]))
    for values in rows:
        cells = table.add_row().cells
        for cell, value in zip(cells, values):
            cell.text = value
    return table


HUSBANKEN_ROWS = [
    ("00:00:04", "Intervjuer", "Velkommen. Kan du fortelle om rollen din i bygdevekstavtalene?"),
    ("00:00:15", "Rådgiver", "Jeg følger pilotene i Trøndelag, særlig innsatsområdet bolig."),
    ("00:01:02", "Intervjuer", "Hvordan har samarbeidet med kommunene vært?"),
    ("00:01:10", "Rådgiver", "Det tok tid å bygge tillit, men nå ringer de oss før de søker."),
    ("00:02:30", "Intervjuer", "Hva mangler?"),
    ("00:02:34", "Rådgiver", "Kapasitet i kommunene. De har ingen boligkonsulent."),
]


def test_word_table_time_speaker_text_with_header(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Intervju med Husbanken, fase 2", level=1)
    d.add_paragraph("Dato: 2024-03-12")
    _table(d, [("Tid", "Taler", "Tekst")] + HUSBANKEN_ROWS)
    p = tmp_path / "tabell.docx"
    d.save(p)
    parsed = read_file(p)
    assert parsed.kind_hint == "transcript"
    assert speakers_and_texts(parsed) == [(s, t) for _, s, t in HUSBANKEN_ROWS]
    assert [t.start_time for t in parsed.turns] == [4.0, 15.0, 62.0, 70.0, 150.0, 154.0]
    assert "Dato: 2024-03-12" in parsed.preamble
    assert "Taler" not in canonical(parsed).split("\n\n", 2)[-1]  # the header row is not a turn


def test_word_table_two_columns_without_header_and_roster(tmp_path):
    import docx

    d = docx.Document()
    rows = [("Intervjuer", "Hva betyr avtalen for kommunen?"),
            ("Ordfører", "Den gir oss en fast plass ved bordet med staten."),
            ("Intervjuer", "Og hva er vanskelig?"),
            ("Ordfører", "At vi ikke har folk nok til å følge opp alt vi blir enige om.")]
    _table(d, rows)
    p = tmp_path / "to_kolonner.docx"
    d.save(p)
    parsed = read_file(p)
    assert speakers_and_texts(parsed) == rows
    parsed = read_file(p, roster={"Intervjuer", "Ordfører"})
    assert speakers_and_texts(parsed) == rows


def test_word_table_three_columns_without_header_and_nvivo_timespans(tmp_path):
    import docx

    d = docx.Document()
    _table(d, [(f"[{t}]", s, x) for t, s, x in HUSBANKEN_ROWS])
    p = tmp_path / "uten_overskrift.docx"
    d.save(p)
    parsed = read_file(p)
    assert [t.speaker for t in parsed.turns] == [s for _, s, _ in HUSBANKEN_ROWS]
    assert parsed.turns[2].start_time == 62.0
    assert not any("[00:" in t.text for t in parsed.turns)

    # NVivo's Word export: Timespan | Content | Speaker, times as ranges
    d = docx.Document()
    _table(d, [("Timespan", "Content", "Speaker"),
               ("0:00.0 - 0:12.5", "Kan du si noe om partnerskapet?", "Intervjuer"),
               ("0:12.5 - 0:40.0", "Partnerskapet er bra, men mandatet er uklart.", "Kommunedirektør"),
               ("0:40.0 - 0:44.2", "Hvorfor det?", "Intervjuer")])
    p = tmp_path / "nvivo.docx"
    d.save(p)
    parsed = read_file(p)
    assert speakers_and_texts(parsed) == [("Intervjuer", "Kan du si noe om partnerskapet?"),
                                          ("Kommunedirektør", "Partnerskapet er bra, men mandatet er uklart."),
                                          ("Intervjuer", "Hvorfor det?")]
    assert [(t.start_time, t.end_time) for t in parsed.turns] == [(0.0, 12.5), (12.5, 40.0), (40.0, 44.2)]


def test_table_that_is_not_a_transcript_is_read_as_paragraphs(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Handlingsplan", level=1)
    d.add_paragraph("Planen viser tiltakene for 2024.")
    _table(d, [("Innsatsområde", "Tiltak"),
               ("Bolig", "Bygge seks utleieboliger i sentrum."),
               ("Bolig", "Kartlegge tomme hus sammen med Husbanken."),
               ("Arbeidskraft", "Felles rekrutteringskampanje for helsefag."),
               ("Arbeidskraft", "Praksisplasser for lærlinger i alle kommunene.")])
    d.add_paragraph("Planen revideres årlig.")
    p = tmp_path / "plan.docx"
    d.save(p)
    parsed = read_file(p)
    assert parsed.kind_hint == "dokument"
    assert all(t.speaker is None for t in parsed.turns)
    texts = [t.text for t in parsed.turns]
    assert texts[0] == "Planen viser tiltakene for 2024."
    assert "Bolig | Bygge seks utleieboliger i sentrum." in texts
    assert texts[-1] == "Planen revideres årlig."


def test_docx_with_text_only_in_a_table_is_not_rejected(tmp_path):
    import docx

    d = docx.Document()
    _table(d, [("Dato", "2024-05-02"), ("Sted", "Snåsa"), ("Tema", "Tillit mellom forvaltningsnivåene")])
    p = tmp_path / "bare_tabell.docx"
    d.save(p)
    parsed = read_file(p)
    assert [t.text for t in parsed.turns] == ["Dato | 2024-05-02", "Sted | Snåsa",
                                              "Tema | Tillit mellom forvaltningsnivåene"]


def test_paragraphs_and_tables_keep_the_body_order(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Først kommer innledningen.")
    _table(d, [("Kommune", "Innbyggere"), ("Lierne", "1300")])
    d.add_paragraph("Så kommer drøftingen.")
    _table(d, [("Tiltak", "Ansvar"), ("Boligstrategi", "Kommunene")])
    d.add_paragraph("Til slutt konklusjonen.")
    p = tmp_path / "rekkefolge.docx"
    d.save(p)
    assert [t.text for t in read_file(p).turns] == [
        "Først kommer innledningen.", "Kommune | Innbyggere", "Lierne | 1300",
        "Så kommer drøftingen.", "Tiltak | Ansvar", "Boligstrategi | Kommunene", "Til slutt konklusjonen."]


SOFT_BREAK_LINES = ["Intervjuer: Hvordan går det med boligprosjektet i Meråker?",
                    "Informant: Det går bra, men sakte.",
                    "Intervjuer: Og økonomien?",
                    "Informant: Stram. Vi venter på svar fra Husbanken."]


def test_line_breaks_inside_a_word_paragraph_end_lines_like_separate_paragraphs(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Intervju 3, Meråker")
    run = d.add_paragraph().add_run()
    for i, line in enumerate(SOFT_BREAK_LINES):  # Shift+Enter between the lines: <w:br/>
        if i:
            run.add_break()
        run.add_text(line)
    soft = tmp_path / "linjeskift.docx"
    d.save(soft)
    d = docx.Document()
    d.add_paragraph("Intervju 3, Meråker")
    for line in SOFT_BREAK_LINES:
        d.add_paragraph(line)
    separate = tmp_path / "avsnitt.docx"
    d.save(separate)

    parsed = read_file(soft)
    assert parsed.kind_hint == "transcript"
    assert speakers_and_texts(parsed) == [tuple(line.split(": ", 1)) for line in SOFT_BREAK_LINES]
    assert parsed.preamble == ["Intervju 3, Meråker"]
    text, spans = build_canonical(parsed)
    assert build_canonical(read_file(separate)) == (text, spans)
    assert [text[a:b] for a, b in spans] == [line.split(": ", 1)[1] for line in SOFT_BREAK_LINES]

    # the same in a one-cell table (a box around the transcript)
    d = docx.Document()
    d.add_table(rows=1, cols=1).cell(0, 0).text = "\n".join(SOFT_BREAK_LINES)  # "\n" is written as <w:br/>
    boxed = tmp_path / "boks.docx"
    d.save(boxed)
    assert speakers_and_texts(read_file(boxed)) == [tuple(line.split(": ", 1)) for line in SOFT_BREAK_LINES]

    # without speakers a paragraph with line breaks stays one segment
    d = docx.Document()
    run = d.add_paragraph().add_run("Storgata 4")
    run.add_break()
    run.add_text("7870 Grong")
    plain = tmp_path / "adresse.docx"
    d.save(plain)
    assert [t.text for t in read_file(plain).turns] == ["Storgata 4 7870 Grong"]


def test_bold_labels_without_a_colon_in_word(tmp_path):
    import docx

    turns = [("Kari", "[00:00:05]", "Da er opptaket i gang."), ("Per", "[00:00:09]", "Ja, det er greitt."),
             ("Kari", "[00:00:12]", "Kan du seie litt om garden?"), ("Per", "[00:00:20]", "Han har vore i familien lenge.")]
    d = docx.Document()
    d.add_paragraph("Intervju 4, Vestbygda")
    for who, _, text in turns:  # the label in bold, then a space and plain text
        p = d.add_paragraph()
        p.add_run(who).bold = True
        p.add_run(" " + text)
    p = d.add_paragraph()
    p.add_run("Veldig").bold = True  # a bold word that starts a paragraph once is emphasis
    p.add_run(" viktig for oss, altså.")
    bold = tmp_path / "feit.docx"
    d.save(bold)
    parsed = read_file(bold)
    assert parsed.kind_hint == "transcript"
    assert speakers_and_texts(parsed) == [(w, t) for w, _, t in turns[:3]] + [
        ("Per", "Han har vore i familien lenge.\nVeldig viktig for oss, altså.")]
    assert parsed.preamble == ["Intervju 4, Vestbygda"]

    d = docx.Document()
    for who, time, text in turns:  # label and time in bold, a tab before the text
        p = d.add_paragraph()
        p.add_run(f"{who} {time}").bold = True
        p.add_run("\t" + text)
    timed = tmp_path / "feit_tid.docx"
    d.save(timed)
    parsed = read_file(timed)
    assert speakers_and_texts(parsed) == [(w, t) for w, _, t in turns]
    assert [t.start_time for t in parsed.turns] == [5.0, 9.0, 12.0, 20.0]

    # a report with bold lead-ins that do not recur stays a document, its text as written
    d = docx.Document()
    for lead, text in (("Bakgrunn", "Prosjektet starta i 2021."), ("Viktig", "Dette må følgjast opp.")):
        p = d.add_paragraph()
        p.add_run(lead).bold = True
        p.add_run(" " + text)
    report = tmp_path / "rapport.docx"
    d.save(report)
    parsed = read_file(report)
    assert parsed.kind_hint == "dokument"
    assert [t.text for t in parsed.turns] == ["Bakgrunn Prosjektet starta i 2021.", "Viktig Dette må følgjast opp."]


def test_word_minutes_with_recurring_bold_or_colon_lead_ins_are_a_document(tmp_path):
    import docx

    items = [("Sak 3/24", "Budsjett for 2025."), ("Vedtak", "Styret godkjente budsjettet."),
             ("Merknad", "Ola Fjell var inhabil."), ("Oppfølging", "Kari Nordmann sender budsjettet."),
             ("Sak 4/24", "Ny nettside."), ("Vedtak", "Saken utsettes."), ("Merknad", "Ingen."),
             ("Oppfølging", "Ingen."), ("Referent", "Siri Fjellheim.")]
    d = docx.Document()
    d.add_paragraph("Referat fra styremøte i Nordvik utvikling")
    for lead, text in items:  # bold lead-in, then plain text
        para = d.add_paragraph()
        para.add_run(lead).bold = True
        para.add_run(" " + text)
    bold = tmp_path / "referat.docx"
    d.save(bold)
    parsed = read_file(bold)
    assert parsed.kind_hint == "dokument"
    assert speakers_and_texts(parsed) == [(None, "Referat fra styremøte i Nordvik utvikling")] + [
        (None, f"{lead} {text}") for lead, text in items]
    assert parsed.preamble == []

    d = docx.Document()
    for lead, text in items:  # the colon form, lead-in bold or not
        para = d.add_paragraph()
        para.add_run(f"{lead}:").bold = lead.startswith("Sak")
        para.add_run(" " + text)
    colon = tmp_path / "referat_kolon.docx"
    d.save(colon)
    parsed = read_file(colon)
    assert parsed.kind_hint == "dokument"
    assert speakers_and_texts(parsed) == [(None, f"{lead}: {text}") for lead, text in items]


def test_otter_footer_in_a_word_export_is_dropped(tmp_path):
    import docx

    d = docx.Document()
    for line in ("Kari Nordmann  0:03", "Hei alle sammen.", "Ola Fjell  0:15", "Takk. Vi avslutter der."):
        d.add_paragraph(line)
    d.add_paragraph("")
    d.add_paragraph("Transcribed by https://otter.ai")
    own = tmp_path / "otter.docx"
    d.save(own)
    parsed = read_file(own)
    assert speakers_and_texts(parsed) == [("Kari Nordmann", "Hei alle sammen."),
                                          ("Ola Fjell", "Takk. Vi avslutter der.")]
    assert "otter.ai" not in canonical(parsed)

    d = docx.Document()  # the footer as the last line of the last paragraph (Shift+Enter)
    run = d.add_paragraph().add_run("Kari: Hei alle sammen.")
    for line in ("Ola: Hei, Kari.", "Kari: Da avslutter vi.", "Ola: Takk.", "Transcribed by Otter.ai"):
        run.add_break()
        run.add_text(line)
    inside = tmp_path / "otter_linjeskift.docx"
    d.save(inside)
    parsed = read_file(inside)
    assert speakers_and_texts(parsed)[-1] == ("Ola", "Takk.")
    assert "otter.ai" not in canonical(parsed).casefold()

    d = docx.Document()  # a document without speakers
    for line in ("Befaring i Nordvik.", "Vi så på tomtene.", "Transcribed by https://otter.ai on 3. mars 2024"):
        d.add_paragraph(line)
    doc = tmp_path / "otter_notat.docx"
    d.save(doc)
    assert [t.text for t in read_file(doc).turns] == ["Befaring i Nordvik.", "Vi så på tomtene."]


@pytest.mark.parametrize("started,stopped", [("started transcription", "stopped transcription"),
                                             ("startet transkripsjon", "stoppet transkripsjon")])
def test_teams_transcription_notices_in_a_word_export_are_not_speech(tmp_path, started, stopped):
    import docx

    d = docx.Document()
    for line in ("Fokusgruppe Vestby-Transcript", "12. mars 2024, 10:02", f"Ingrid Solbakken {started}",
                 "Ingrid Solbakken   0:03", "Velkommen alle sammen.",
                 "Gjest-7f3a (Unverified)   0:10", "Hei, det er meg fra Nordvik.",
                 f"Ingrid Solbakken {stopped}", f"Ingrid Solbakken {started}",
                 "Ingrid Solbakken   1:05", "Da er vi i gang igjen. Takk for i dag.",
                 f"Ingrid Solbakken {stopped}"):
        d.add_paragraph(line)
    p = tmp_path / "teams.docx"
    d.save(p)
    parsed = read_file(p)
    assert speakers_and_texts(parsed) == [("Ingrid Solbakken", "Velkommen alle sammen."),
                                          ("Gjest-7f3a (Unverified)", "Hei, det er meg fra Nordvik."),
                                          ("Ingrid Solbakken", "Da er vi i gang igjen. Takk for i dag.")]
    assert parsed.preamble == ["Fokusgruppe Vestby-Transcript", "12. mars 2024, 10:02"]
    assert started not in canonical(parsed) and stopped not in canonical(parsed)


def test_word_headings_over_labelled_turns_are_the_turns_headings(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Intervju 8, Nordøya", style="Title")
    d.add_paragraph("Dato: 15.03.2024")
    sections = [("Tema 1: Bakgrunn", ["I: Kan du fortelje om deg sjølv?", "R: Eg er bonde."]),
                ("Tema 2: Samarbeid", ["I: Korleis har samarbeidet vore?", "R: Godt, stort sett.",
                                       "Folk kjenner kvarandre."]),
                ("Tema 3: Framtida", ["I: Og framover?", "R: Eg er optimist."])]
    for heading, lines in sections:
        d.add_heading(heading, 2)
        for line in lines:
            d.add_paragraph(line)
    d.add_heading("Etter intervjuet", 2)  # a heading over unlabelled text stays text
    d.add_paragraph("Informanten viste oss rundt på garden.")
    path = tmp_path / "guide.docx"
    d.save(path)
    parsed = read_file(path)
    assert [(t.heading, t.speaker, t.text) for t in parsed.turns] == [
        ("Tema 1: Bakgrunn", "I", "Kan du fortelje om deg sjølv?"),
        ("Tema 1: Bakgrunn", "R", "Eg er bonde."),
        ("Tema 2: Samarbeid", "I", "Korleis har samarbeidet vore?"),
        ("Tema 2: Samarbeid", "R", "Godt, stort sett.\nFolk kjenner kvarandre."),
        ("Tema 3: Framtida", "I", "Og framover?"),
        ("Tema 3: Framtida", "R", "Eg er optimist.\nEtter intervjuet\nInformanten viste oss rundt på garden."),
    ]
    assert parsed.preamble == ["Intervju 8, Nordøya", "Dato: 15.03.2024"]
    assert not parsed.warnings
    text = canonical(parsed)
    assert text.count("Tema 2: Samarbeid") == 1 and "Etter intervjuet" in text


TEXT_BOX_RUN = """
<w:r %s>
  <mc:AlternateContent>
    <mc:Choice Requires="wps">
      <w:drawing><wp:anchor><a:graphic>
       <a:graphicData uri="http://schemas.microsoft.com/office/word/2010/wordprocessingShape">
        <wps:wsp><wps:txbx><w:txbxContent>
          <w:p><w:r><w:t>Faktaboks: Avtalen gjelder i fem år.</w:t></w:r></w:p>
        </w:txbxContent></wps:txbx></wps:wsp>
      </a:graphicData></a:graphic></wp:anchor></w:drawing>
    </mc:Choice>
    <mc:Fallback>
      <w:pict><v:shape><v:textbox><w:txbxContent>
        <w:p><w:r><w:t>Faktaboks: Avtalen gjelder i fem år.</w:t></w:r></w:p>
      </w:txbxContent></v:textbox></v:shape></w:pict>
    </mc:Fallback>
  </mc:AlternateContent>
</w:r>"""
NAMESPACES = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
              'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
              'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
              'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
              'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
              'xmlns:v="urn:schemas-microsoft-com:vml"')


def test_text_box_header_and_footer_text_is_kept_once(tmp_path):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    d.sections[0].header.paragraphs[0].text = "Konfidensielt utkast"
    d.sections[0].footer.paragraphs[0].text = "Bygdevekstavtale Indre-Namdal"
    d.add_paragraph("Avtalen bygger på partnerskap.")
    anchor = d.add_paragraph("Se faktaboksen.")
    anchor._p.append(parse_xml(TEXT_BOX_RUN % NAMESPACES))
    d.add_paragraph("Kommunene leder arbeidet.")
    p = tmp_path / "boks.docx"
    d.save(p)
    parsed = read_file(p)
    # the text box is a segment of its own at the end, as in a PDF, not text between the paragraphs
    assert [(t.heading, t.text) for t in parsed.turns] == [
        (None, "Avtalen bygger på partnerskap."), (None, "Se faktaboksen."), (None, "Kommunene leder arbeidet."),
        ("Tekstbokser", "Faktaboks: Avtalen gjelder i fem år.")]
    text = canonical(parsed)
    assert "Konfidensielt utkast" in text and "Bygdevekstavtale Indre-Namdal" in text
    assert text.count("Avtalen gjelder i fem år") == 1

    # a document whose only text is in a text box is read, not rejected as blank
    d = docx.Document()
    d.add_paragraph("")._p.append(parse_xml(TEXT_BOX_RUN % NAMESPACES))
    p = tmp_path / "bare_boks.docx"
    d.save(p)
    assert [t.text for t in read_file(p).turns] == ["Faktaboks: Avtalen gjelder i fem år."]


def test_word_table_transcript_with_unlisted_speaker_is_kept_apart(tmp_path):
    import docx

    d = docx.Document()
    _table(d, [("Taler", "Utsagn"),
               ("Intervjuer", "Hvem har siste ord i styringsgruppa?"),
               ("Ordfører", "Det er ikke avklart, og det er et problem."),
               ("Rådmann", "Jeg vil legge til at mandatet må skrives ned."),
               ("Ordfører", "Enig.")])
    p = tmp_path / "tabell_roster.docx"
    d.save(p)
    parsed = read_file(p, roster={"Intervjuer", "Ordfører"})
    assert [t.speaker for t in parsed.turns] == ["Intervjuer", "Ordfører", "Rådmann", "Ordfører"]
    assert parsed.turns[1].text == "Det er ikke avklart, og det er et problem."
    with pytest.raises(WorkbenchError, match="'Rådmann'"):
        read_file(p, roster={"Intervjuer", "Ordfører"}, strict_roster=True)


def test_word_table_with_time_in_the_speaker_cell_and_continuation_rows(tmp_path):
    import docx

    d = docx.Document()
    _table(d, [("Taler 1 [00:00:01]", "Velkommen til intervjuet om bygdevekst."),
               ("", "Vi tar opp samtalen, som avtalt."),
               ("Taler 2 [00:00:09]", "Takk, det går fint."),
               ("Taler 1 [00:00:15]", "Hva betyr avtalen for kommunen deres?"),
               ("Taler 2 [00:00:20]", "Den har gitt oss tillit til at staten mener alvor.")])
    p = tmp_path / "tjeneste.docx"
    d.save(p)
    parsed = read_file(p)
    assert speakers_and_texts(parsed) == [
        ("Taler 1", "Velkommen til intervjuet om bygdevekst.\nVi tar opp samtalen, som avtalt."),
        ("Taler 2", "Takk, det går fint."),
        ("Taler 1", "Hva betyr avtalen for kommunen deres?"),
        ("Taler 2", "Den har gitt oss tillit til at staten mener alvor."),
    ]
    assert [t.start_time for t in parsed.turns] == [1.0, 9.0, 15.0, 20.0]


# ----------------------------------------------------------------------------------------- PDF

def make_numbered_pdf(path: Path, pages: list[list[str]], footer: str, *, every: int = 1,
                      separate: bool = True) -> None:
    """A transcript PDF with numbered lines in the margin (blank lines numbered too)."""
    import fpdf

    pdf = fpdf.FPDF()
    pdf.set_auto_page_break(False)
    number = 0
    for page_no, lines in enumerate(pages, start=1):
        pdf.add_page()
        y = 20
        for line in lines:
            number += 1
            pdf.set_font("Helvetica", size=11)
            label = str(number) if number % every == 0 else ""
            if separate:
                if label:
                    pdf.set_xy(8, y)
                    pdf.cell(8, 6, label)
                pdf.set_xy(20, y)
                pdf.cell(0, 6, line)
            else:
                pdf.set_xy(10, y)
                pdf.cell(0, 6, f"{label}    {line}" if label else line)
            y += 6
        pdf.set_font("Helvetica", size=9)
        pdf.set_xy(100, 285)
        pdf.cell(0, 5, footer.format(page=page_no, pages=len(pages)))
    pdf.output(str(path))


TRANSCRIPT_PAGES = [
    ["Intervju med kommunedirektør, fase 1", "",
     "Intervjuer: Hvordan har dere opplevd arbeidet med avtalen så langt?", "",
     "Kommunedirektør: Det har vært mer krevende enn vi trodde. Vi har få folk,",
     "og de samme personene skal gjøre alt det andre også.", "",
     "Intervjuer: Hva med tilliten til staten?", "",
     "Kommunedirektør: Den har vokst. Departementet tar telefonen, og det",
     "betyr mye for oss."],
    ["Intervjuer: Hvem bestemmer når dere er uenige?", "",
     "Kommunedirektør: Det er ikke avklart. Mandatet til styringsgruppa er",
     "uklart, og det har vi tatt opp flere ganger.", "",
     "Intervjuer: Takk for praten."],
]
EXPECTED_TURNS = [
    ("Intervjuer", "Hvordan har dere opplevd arbeidet med avtalen så langt?", 1),
    ("Kommunedirektør", "Det har vært mer krevende enn vi trodde. Vi har få folk, og de samme personene "
                        "skal gjøre alt det andre også.", 1),
    ("Intervjuer", "Hva med tilliten til staten?", 1),
    ("Kommunedirektør", "Den har vokst. Departementet tar telefonen, og det betyr mye for oss.", 1),
    ("Intervjuer", "Hvem bestemmer når dere er uenige?", 2),
    ("Kommunedirektør", "Det er ikke avklart. Mandatet til styringsgruppa er uklart, og det har vi tatt "
                        "opp flere ganger.", 2),
    ("Intervjuer", "Takk for praten.", 2),
]


@pytest.mark.parametrize("footer,every,separate", [
    ("{page}/{pages}", 1, True),          # numbers drawn apart from the text, "1/2" footer
    ("{page} / {pages}", 1, False),       # numbers in the text line, "1 / 2" footer
    ("Side {page} av {pages}", 5, True),  # every fifth line numbered, "Side 1 av 2" footer
])
def test_pdf_transcript_with_numbered_margins_and_page_footers(tmp_path, footer, every, separate):
    p = tmp_path / "intervju.pdf"
    make_numbered_pdf(p, TRANSCRIPT_PAGES, footer, every=every, separate=separate)
    parsed = read_file(p)
    assert parsed.kind_hint == "transcript"
    assert [(t.speaker, t.text, t.page) for t in parsed.turns] == EXPECTED_TURNS
    text = canonical(parsed)
    assert "1/2" not in text and "1 / 2" not in text and "Side 1 av 2" not in text
    assert parsed.preamble == ["Intervju med kommunedirektør, fase 1"]


def test_pdf_document_with_numbered_margins_and_page_of_pages_footer(tmp_path):
    pages = [["Bakgrunn", "",
              "Kommunene i regionen har lenge samarbeidet om planlegging og",
              "næringsutvikling, men mangler kapasitet til å følge opp alt.", "",
              "Avtalen skal gi et varig partnerskap mellom staten og kommunene."],
             ["Boligsituasjonen er krevende, og det finnes nesten ingen utleieboliger.", "",
              "Partene møtes to ganger i året for å gjøre opp status."],
             ["Avtalen evalueres etter fire år."]]
    p = tmp_path / "notat.pdf"
    make_numbered_pdf(p, pages, "Side {page} av {pages}")
    parsed = read_file(p)
    assert parsed.kind_hint == "dokument"
    texts = [t.text for t in parsed.turns]
    assert "Kommunene i regionen har lenge samarbeidet om planlegging og næringsutvikling, men mangler " \
           "kapasitet til å følge opp alt." in texts
    assert texts[-1] == "Avtalen evalueres etter fire år."
    assert [t.page for t in parsed.turns][-1] == 3
    text = canonical(parsed)
    assert "Side 2 av 3" not in text
    assert not any(t.text[:1].isdigit() for t in parsed.turns)  # no margin number left


def test_pdf_paragraph_numbers_are_removed(tmp_path):
    import fpdf

    paragraphs = [["Avtalen inngås mellom staten og kommunene i regionen, og den", "bygger på",
                   "et likeverdig partnerskap."],
                  ["Formålet er flere boliger og bedre tilgang på arbeidskraft i alle", "kommunene",
                   "som er med."],
                  ["Partene forplikter seg til å møtes jevnlig og til å dele", "det de vet",
                   "om utviklingen."],
                  ["Avtalen kan endres når partene er enige om det, og den", "evalueres",
                   "etter fire år."]]
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    y = 20
    for n, lines in enumerate(paragraphs, start=1):
        for k, line in enumerate(lines):
            pdf.set_xy(10, y)
            pdf.cell(0, 6, f"{n}   {line}" if k == 0 else f"     {line}")
            y += 6
        y += 8
    p = tmp_path / "avsnitt.pdf"
    pdf.output(str(p))
    assert [t.text for t in read_file(p).turns] == [" ".join(lines) for lines in paragraphs]


def test_pdf_transcript_with_labels_alone_on_their_line(tmp_path):
    import fpdf

    lines = ["INTERVJUER", "Hvordan har samarbeidet med staten vært i fase 1?", "",
             "INFORMANT", "Det har vært bra, men vi mangler kapasitet i",
             "administrasjonen til å følge opp alt.", "",
             "INTERVJUER", "Og tilliten?", "",
             "INFORMANT", "Den har økt mye det siste året, særlig til departementet."]
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for i, line in enumerate(lines):
        pdf.set_xy(10, 20 + 6 * i)
        pdf.cell(0, 6, line)
    p = tmp_path / "caps.pdf"
    pdf.output(str(p))
    assert speakers_and_texts(read_file(p)) == [
        ("INTERVJUER", "Hvordan har samarbeidet med staten vært i fase 1?"),
        ("INFORMANT", "Det har vært bra, men vi mangler kapasitet i administrasjonen til å følge opp alt."),
        ("INTERVJUER", "Og tilliten?"),
        ("INFORMANT", "Den har økt mye det siste året, særlig til departementet."),
    ]


def libreoffice_pdf(tmp_path: Path, source: Path) -> Path:
    """``source`` saved as PDF by LibreOffice, as a transcription service or a colleague would."""
    return libreoffice_convert(tmp_path, [source])[0]


def libreoffice_convert(tmp_path: Path, sources: list[Path], to: str = "pdf") -> list[Path]:
    """``sources`` saved as ``to`` (pdf, odt) by LibreOffice, in one run (a start takes seconds)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip(f"LibreOffice (soffice) is not installed; it is needed to make this {to.upper()}")
    out = tmp_path / to
    subprocess.run([soffice, f"-env:UserInstallation={(tmp_path / 'lo-profil').as_uri()}", "--headless",
                    "--convert-to", to, "--outdir", str(out), *map(str, sources)], capture_output=True, timeout=300)
    made = [out / f"{source.stem}.{to}" for source in sources]
    for source, path in zip(sources, made):
        if not path.exists():
            pytest.skip(f"LibreOffice did not convert {source.name} to {to.upper()} here")
    return made


TABLE_ROWS = [
    ("00:00:05", "Intervjuer", "Kan du fortelle litt om hvordan bygdevekstavtalen kom i stand, og hvem som "
                               "tok initiativet i kommunen?"),
    ("00:00:41", "Ordfører", "Den kom i 2021. Vi var skeptiske først, fordi staten har lovet mye før, men "
                             "fylket tok kontakt tidlig og ville ha oss med fra starten av."),
    ("00:02:10", "Intervjuer", "Hvorfor var dere skeptiske?"),
    ("00:02:15", "Ordfører", "Fordi vi har vært med på mange prosjekter som ble borte når pengene tok slutt, "
                             "og folk i bygda husker det godt. Det tar tid å bygge tillit igjen."),
    ("00:04:02", "Intervjuer", "Og hvordan er samarbeidet med fylket nå, etter to år med avtalen?"),
    ("00:04:30", "Ordfører", "Det er mye bedre. Vi møtes hver måned, og vi har fått en fast kontaktperson "
                             "som kjenner kommunen og svarer når vi ringer."),
]


def make_table_pdf(tmp_path: Path, maker: str) -> Path:
    """A transcript in a table (Tid | Navn | Tekst) under a title, as PDF: drawn by fpdf2, or a Word
    table saved as PDF by LibreOffice."""
    if maker == "fpdf2":
        import fpdf

        pdf = fpdf.FPDF()
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, "Intervju med ordfører, Fjellvik", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        with pdf.table(col_widths=(25, 30, 135)) as table:
            for values in [("Tid", "Navn", "Tekst")] + TABLE_ROWS:
                row = table.row()
                for value in values:
                    row.cell(value)
        p = tmp_path / "tabell.pdf"
        pdf.output(str(p))
        return p
    import docx

    d = docx.Document()
    d.add_paragraph("Intervju med ordfører, Fjellvik")
    d.sections[0].footer.paragraphs[0].text = "Transkribert av Lydskrift AS"
    table = d.add_table(rows=0, cols=3)
    table.style = "Table Grid"
    for values in [("Tid", "Navn", "Tekst")] + TABLE_ROWS * 4:  # over two pages
        for cell, value in zip(table.add_row().cells, values):
            cell.text = value
    source = tmp_path / "tabell.docx"
    d.save(source)
    return libreoffice_pdf(tmp_path, source)


@pytest.mark.parametrize("maker", ["fpdf2", "libreoffice"])
def test_pdf_transcript_table_gives_a_turn_per_row(tmp_path, maker):
    parsed = read_file(make_table_pdf(tmp_path, maker))
    assert parsed.kind_hint == "transcript"
    rows = TABLE_ROWS if maker == "fpdf2" else TABLE_ROWS * 4
    assert speakers_and_texts(parsed) == [(name, text) for _, name, text in rows]
    assert [t.start_time for t in parsed.turns[:6]] == [5.0, 41.0, 130.0, 135.0, 242.0, 270.0]
    assert parsed.preamble == ["Intervju med ordfører, Fjellvik"]
    pages = [t.page for t in parsed.turns]
    assert pages == sorted(pages) and pages[0] == 1 and (pages[-1] > 1) == (maker == "libreoffice")
    text = canonical(parsed)
    assert "Tid Navn Tekst" not in text and "Lydskrift" not in text


def test_pdf_lines_with_a_time_and_a_name_read_as_a_document_are_warned_about(tmp_path):
    import fpdf

    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for i, (_, name, text) in enumerate(TABLE_ROWS):
        pdf.set_xy(10, 20 + 8 * i)
        pdf.cell(0, 6, f"00:0{i}:1{i} {name} {text[:60]}")
    p = tmp_path / "tider.pdf"
    pdf.output(str(p))
    parsed = read_file(p)
    assert parsed.kind_hint == "dokument"
    assert parsed.warnings == ["tider.pdf: 6 lines start with a time and a name (such as 'Intervjuer') but no "
                               "speaker turns were found, so the file is read as a document without speakers; "
                               "ingest the file it was made from (.docx), or write the turns as 'Name: text'"]


def _word_table(path: Path, rows, *, merged: str | None = None, last=None) -> Path:
    """A Word transcript table (Tid | Navn | Tekst) under a title; ``merged``: a row across the table
    before ``last``."""
    import docx

    d = docx.Document()
    d.add_paragraph("Intervju med informant, Fjellvik")
    table = d.add_table(rows=0, cols=3)
    table.style = "Table Grid"
    for values in [("Tid", "Navn", "Tekst")] + rows:
        for cell, value in zip(table.add_row().cells, values):
            cell.text = value
    if merged:
        row = table.add_row()
        row.cells[0].merge(row.cells[2]).text = merged
        for cell, value in zip(table.add_row().cells, last):
            cell.text = value
    d.save(path)
    return path


SHORT_ROWS = [(f"00:{i // 2:02d}:{5 if i % 2 == 0 else 35:02d}", "Intervjuer" if i % 2 == 0 else "Informant",
               f"Setning nummer {i}.") for i in range(20)]


def test_pdf_transcript_table_with_one_line_cells_gives_a_turn_per_row(tmp_path):
    last = ("00:11:00", "Informant", "Siste svar, og det var det.")
    long_pdf, short_pdf = libreoffice_convert(tmp_path, [
        _word_table(tmp_path / "kort20.docx", SHORT_ROWS),
        _word_table(tmp_path / "pause.docx", SHORT_ROWS[:4], merged="[Pause i opptaket]", last=last)])
    parsed = read_file(long_pdf)
    assert parsed.kind_hint == "transcript" and not parsed.warnings
    assert speakers_and_texts(parsed) == [(name, text) for _, name, text in SHORT_ROWS]
    assert [t.start_time for t in parsed.turns[:3]] == [5.0, 35.0, 65.0]
    assert parsed.preamble == ["Intervju med informant, Fjellvik"]
    assert "Tid Navn Tekst" not in canonical(parsed)
    # a row across the table (merged cells) is the heading of the rows under it, as in the Word file
    parsed = read_file(short_pdf)
    assert [(t.heading, t.speaker, t.start_time, t.text) for t in parsed.turns] == [
        (None, name, t0, text) for (_, name, text), t0 in zip(SHORT_ROWS[:4], (5.0, 35.0, 65.0, 95.0))] + [
        ("[Pause i opptaket]", "Informant", 660.0, "Siste svar, og det var det.")]


def test_pdf_bold_labels_and_bold_questions_are_neither_table_nor_headings(tmp_path):
    import docx

    d = docx.Document()
    for i in range(8):  # the text starts where the bold label ends, so at the same place for each name
        para = d.add_paragraph()
        para.add_run("Kari" if i % 2 == 0 else "Ola").bold = True
        para.add_run(" " + ("Hva skjedde så?" if i % 2 == 0 else f"Vi gjorde ting nummer {i} i bygda."))
    d.save(tmp_path / "feit.docx")
    d = docx.Document()
    for i in range(3):  # the interviewer's turns in bold, short like a heading
        d.add_paragraph().add_run("Intervjuer: Hvordan gikk det med prosjektet?").bold = True
        d.add_paragraph(f"Informant: Det gikk fint, vi fikk mye gjort i år {2021 + i}.")
        d.add_paragraph().add_run("INTERVJUER").bold = True  # a bold label alone, then a bold question
        d.add_paragraph().add_run("Og neste år?").bold = True
        d.add_paragraph("Informant: Det blir travelt.")
    d.save(tmp_path / "sporsmal.docx")
    labels, questions = libreoffice_convert(tmp_path, [tmp_path / "feit.docx", tmp_path / "sporsmal.docx"])
    parsed = read_file(labels)
    assert speakers_and_texts(parsed)[:2] == [("Kari", "Hva skjedde så?"), ("Ola", "Vi gjorde ting nummer 1 i bygda.")]
    assert len(parsed.turns) == 8
    parsed = read_file(questions)
    assert [(t.heading, t.speaker, t.text) for t in parsed.turns[:4]] == [
        (None, "Intervjuer", "Hvordan gikk det med prosjektet?"),
        (None, "Informant", "Det gikk fint, vi fikk mye gjort i år 2021."),
        (None, "INTERVJUER", "Og neste år?"), (None, "Informant", "Det blir travelt.")]
    assert len(parsed.turns) == 12


def test_pdf_transcript_teams_notice_heading_and_bold_labels(tmp_path):
    import docx

    teams = docx.Document()  # Teams' Word export: a name and time line, then the text
    for line in ("Møte Fjellvik-Transcript", "12. mars 2024, 10:02", "Kari Nordmann   0:03",
                 "Velkommen alle sammen, vi starter nå.", "Åse Ødegård   0:10", "Hei, det er meg fra Nordvik.",
                 "Kari Nordmann   0:20", "Fint, da tar vi første spørsmål.", "Åse Ødegård   0:31",
                 "Det høres bra ut.", "Kari Nordmann stoppet transkripsjon"):
        teams.add_paragraph(line)
    teams.save(tmp_path / "teams.docx")
    guide = docx.Document()  # an interview guide's themes as headings between the turns
    guide.add_paragraph("Intervju 8, Nordøya")
    themes = (("Tema 1: Oppstart", ["Intervjuer: Hvordan startet det?", "Informant: Med et møte i kommunen.",
                                    "Intervjuer: Gikk det bra?", "Informant: Ja, stort sett.",
                                    "Det var mange møter i starten."]),
              ("Tema 2: Finansiering", ["Intervjuer: Hvem betalte?", "Informant: Fylket og staten, sammen."]))
    for theme, lines in themes:
        guide.add_heading(theme, 2)
        for line in lines:
            guide.add_paragraph(line)
    guide.save(tmp_path / "guide.docx")
    teams_pdf, guide_pdf = libreoffice_convert(tmp_path, [tmp_path / "teams.docx", tmp_path / "guide.docx"])

    parsed = read_file(teams_pdf)
    assert speakers_and_texts(parsed) == [
        ("Kari Nordmann", "Velkommen alle sammen, vi starter nå."), ("Åse Ødegård", "Hei, det er meg fra Nordvik."),
        ("Kari Nordmann", "Fint, da tar vi første spørsmål."), ("Åse Ødegård", "Det høres bra ut.")]
    assert "transkripsjon" not in canonical(parsed)

    parsed = read_file(guide_pdf)
    assert [(t.heading, t.speaker, t.text) for t in parsed.turns] == [
        ("Tema 1: Oppstart", "Intervjuer", "Hvordan startet det?"),
        ("Tema 1: Oppstart", "Informant", "Med et møte i kommunen."),
        ("Tema 1: Oppstart", "Intervjuer", "Gikk det bra?"),
        ("Tema 1: Oppstart", "Informant", "Ja, stort sett.\nDet var mange møter i starten."),
        ("Tema 2: Finansiering", "Intervjuer", "Hvem betalte?"),
        ("Tema 2: Finansiering", "Informant", "Fylket og staten, sammen.")]
    assert parsed.preamble == ["Intervju 8, Nordøya"] and not parsed.warnings


BOLD_TURNS = [("Kari", "Da er vi i gang med opptaket."), ("Ola", "Ja, det er greit for meg."),
              ("Kari", "Kan du si litt om garden?"), ("Ola", "Han har vært i familien lenge.")]


def test_bold_labels_without_a_colon_in_odt_and_pdf_from_word(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Intervju 4, Vestbygda")
    for who, text in BOLD_TURNS:
        para = d.add_paragraph()
        para.add_run(who).bold = True
        para.add_run(" " + text)
    para = d.add_paragraph()
    para.add_run("Veldig").bold = True  # a bold word that starts a paragraph once is emphasis
    para.add_run(" viktig for oss, altså.")
    source = tmp_path / "feit.docx"
    d.save(source)
    expected = BOLD_TURNS[:3] + [("Ola", "Han har vært i familien lenge.\nVeldig viktig for oss, altså.")]
    for path in libreoffice_convert(tmp_path, [source], "odt") + libreoffice_convert(tmp_path, [source]):
        parsed = read_file(path)
        assert (path.suffix, speakers_and_texts(parsed)) == (path.suffix, expected)
        assert parsed.preamble == ["Intervju 4, Vestbygda"]


CAPS_HEADING_LINES = [
    "Intervju 5, Fjellvik kommune", "",
    "INNLEDNING", "",
    "MODERATOR", "Velkommen, og takk for at du ville stille opp i dag.", "",
    "INFORMANT 1", "Takk, det er fint å kunne fortelle om arbeidet vårt.", "",
    "MODERATOR", "Da begynner vi med litt om bakgrunnen din.", "",
    "DEL 1 – BAKGRUNN", "",
    "MODERATOR", "Hvor lenge har du arbeidet i kommunen?", "",
    "INFORMANT 1", "I snart ti år, de fire siste som rådgiver for næring.", "",
    "MODERATOR", "Takk, da går vi over til neste tema.", "",
    "TEMA 2: SAMARBEID MED STATEN", "",
    "MODERATOR", "Hvordan har samarbeidet med staten vært?", "",
    "INFORMANT 1", "Bedre enn vi ventet, men alt tar lengre tid enn planlagt.", "",
    "KARI", "Kan jeg legge til at fylket har hjulpet oss mye?", "",
    "INFORMANT 1", "Ja, det er riktig, fylket har vært viktig.", "",
    "MODERATOR", "Fint, da runder vi av.", "",
    "AVSLUTNING", "",
    "MODERATOR", "Er det noe mer du vil si før vi slutter?", "",
    "INFORMANT 1", "Nei, det var det jeg hadde.",
]
DEL_1, TEMA_2 = "DEL 1 – BAKGRUNN", "TEMA 2: SAMARBEID MED STATEN"
CAPS_HEADING_TURNS = [
    (None, "MODERATOR", "Velkommen, og takk for at du ville stille opp i dag."),
    (None, "INFORMANT 1", "Takk, det er fint å kunne fortelle om arbeidet vårt."),
    (None, "MODERATOR", "Da begynner vi med litt om bakgrunnen din."),
    (DEL_1, "MODERATOR", "Hvor lenge har du arbeidet i kommunen?"),
    (DEL_1, "INFORMANT 1", "I snart ti år, de fire siste som rådgiver for næring."),
    (DEL_1, "MODERATOR", "Takk, da går vi over til neste tema."),
    (TEMA_2, "MODERATOR", "Hvordan har samarbeidet med staten vært?"),
    (TEMA_2, "INFORMANT 1", "Bedre enn vi ventet, men alt tar lengre tid enn planlagt."),
    (TEMA_2, "KARI", "Kan jeg legge til at fylket har hjulpet oss mye?"),  # once, between two turns of one
    (TEMA_2, "INFORMANT 1", "Ja, det er riktig, fylket har vært viktig."),
    (TEMA_2, "MODERATOR", "Fint, da runder vi av."),
    ("AVSLUTNING", "MODERATOR", "Er det noe mer du vil si før vi slutter?"),
    ("AVSLUTNING", "INFORMANT 1", "Nei, det var det jeg hadde."),
]


def _caps_heading_file(tmp_path: Path, fmt: str, lines: list[str]) -> Path:
    """``lines`` as a text file, as Word paragraphs (a blank line none), or drawn by fpdf2 in one font at
    one size: "pdf" with a blank line as a gap, "pdf-compact" without gaps (all one paragraph)."""
    if fmt == "txt":
        return write(tmp_path, "intervju.txt", "\n".join(lines) + "\n")
    if fmt == "docx":
        import docx

        d = docx.Document()
        for line in lines:
            if line:
                d.add_paragraph(line)
        d.save(tmp_path / "intervju.docx")
        return tmp_path / "intervju.docx"
    import fpdf

    pdf = fpdf.FPDF()
    pdf.core_fonts_encoding = "windows-1252"  # the en dash of "DEL 1 – BAKGRUNN"
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    y = 15.0
    for line in lines:
        if not line and fmt == "pdf-compact":
            continue
        if y > 275:
            pdf.add_page()
            y = 15.0
        pdf.set_xy(10, y)
        pdf.cell(0, 6, line)
        y += 6
    p = tmp_path / "intervju.pdf"
    pdf.output(str(p))
    return p


@pytest.mark.parametrize("fmt", ["pdf", "pdf-compact", "txt", "docx"])
def test_headings_in_capitals_at_body_size_head_the_turns_under_them(tmp_path, fmt):
    """An interview guide's headings typed in capitals at body size between the turns ("TEMA 2: ...")
    are the heading of the turns under them, as a heading in a larger font is: not a speaker whose
    turn swallows the next label, not text of the turn before; the same in PDF, txt and docx."""
    parsed = read_file(_caps_heading_file(tmp_path, fmt, CAPS_HEADING_LINES))
    assert parsed.kind_hint == "transcript"
    assert [(t.heading, t.speaker, t.text) for t in parsed.turns] == CAPS_HEADING_TURNS
    assert parsed.preamble == ["Intervju 5, Fjellvik kommune", "INNLEDNING"]  # before the first turn: title lines
    assert not parsed.warnings
    for heading in ("INNLEDNING", DEL_1, TEMA_2, "AVSLUTNING", "TEMA 2", "SAMARBEID"):
        assert not any(heading in t.text or heading in (t.speaker or "") for t in parsed.turns)
    text = canonical(parsed)
    assert text.count(TEMA_2) == 1 and f"{TEMA_2}\n\nMODERATOR: Hvordan har samarbeidet" in text
    if fmt.startswith("pdf"):  # over two pages with the blank lines as gaps
        pages = [t.page for t in parsed.turns]
        assert pages == sorted(pages) and pages[0] == 1 and pages[-1] == (2 if fmt == "pdf" else 1)


def test_a_heading_in_capitals_over_a_roster_speaker_who_speaks_once(tmp_path):
    """KARI speaks once, not between two turns of one speaker: in participants.csv she is a speaker,
    under the heading right above her; the heading gives no 'not in participants.csv' warning."""
    lines = ["MODERATOR", "Velkommen til intervjuet om bygdevekst.", "",
             "INFORMANT 1", "Takk for invitasjonen, vi gleder oss.", "",
             "TEMA 2: SAMARBEID MED STATEN", "",
             "KARI", "Jeg er med fra fylket og kan svare på det.", "",
             "MODERATOR", "Hvordan har samarbeidet med staten vært?", "",
             "INFORMANT 1", "Det har gått bedre enn vi ventet."]
    for fmt in ("pdf", "txt"):
        parsed = read_file(_caps_heading_file(tmp_path, fmt, lines), roster={"MODERATOR", "INFORMANT 1", "KARI"})
        assert [(t.heading, t.speaker, t.text) for t in parsed.turns] == [
            (None, "MODERATOR", "Velkommen til intervjuet om bygdevekst."),
            (None, "INFORMANT 1", "Takk for invitasjonen, vi gleder oss."),
            (TEMA_2, "KARI", "Jeg er med fra fylket og kan svare på det."),
            (TEMA_2, "MODERATOR", "Hvordan har samarbeidet med staten vært?"),
            (TEMA_2, "INFORMANT 1", "Det har gått bedre enn vi ventet.")], fmt
        assert not parsed.warnings, fmt


FOOTNOTE_TURNS = [
    ("Intervjuer", "Hvordan startet prosjektet i kommunen?"),
    ("Prosjektleder", "Det startet med et møte i Nordvik i 2021, og alle kommunene i regionen var med fra starten."),
    ("Intervjuer", "Hvem tok initiativet til samarbeidet med fylket?"),
    ("Prosjektleder", "Det var ordføreren og rådmannen, sammen med fylkets rådgiver for næring."),
]


def make_footnote_pdf(tmp_path: Path, maker: str) -> Path:
    """A transcript whose second turn has a footnote (marker after "Nordvik") explained at the page bottom."""
    note = "Nordvik er et fiktivt sted i denne teksten."
    before, after = FOOTNOTE_TURNS[1][1].split(" i 2021")
    if maker == "fpdf2":
        import fpdf

        pdf = fpdf.FPDF()
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        pdf.multi_cell(0, 6, f"Intervjuer: {FOOTNOTE_TURNS[0][1]}", new_x="LMARGIN", new_y="NEXT")
        pdf.write(6, f"Prosjektleder: {before}")
        pdf.char_vpos = "SUP"
        pdf.write(6, "1")
        pdf.char_vpos = "LINE"
        pdf.write(6, f" i 2021{after}")
        pdf.ln(8)
        for speaker, text in FOOTNOTE_TURNS[2:]:
            pdf.multi_cell(0, 6, f"{speaker}: {text}", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=8)
        pdf.set_xy(10, 270)
        pdf.multi_cell(0, 4, f"1 {note}")
        p = tmp_path / "fotnote.pdf"
        pdf.output(str(p))
        return p
    from odf.opendocument import OpenDocumentText
    from odf.text import Note, NoteBody, NoteCitation, P

    doc = OpenDocumentText()
    doc.text.addElement(P(text=f"Intervjuer: {FOOTNOTE_TURNS[0][1]}"))
    para = P(text=f"Prosjektleder: {before}")
    footnote = Note(noteclass="footnote", id="ftn1")
    footnote.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text=note))
    footnote.addElement(body)
    para.addElement(footnote)
    para.addText(f" i 2021{after}")
    doc.text.addElement(para)
    for speaker, text in FOOTNOTE_TURNS[2:]:
        doc.text.addElement(P(text=f"{speaker}: {text}"))
    source = tmp_path / "fotnote.odt"
    doc.save(str(source))
    return libreoffice_pdf(tmp_path, source)


@pytest.mark.parametrize("maker", ["fpdf2", "libreoffice"])
def test_pdf_footnotes_are_a_segment_of_their_own_and_markers_leave_the_speech(tmp_path, maker):
    parsed = read_file(make_footnote_pdf(tmp_path, maker))
    assert parsed.kind_hint == "transcript"
    assert speakers_and_texts(parsed) == FOOTNOTE_TURNS + [(None, "Nordvik er et fiktivt sted i denne teksten.")]
    assert (parsed.turns[-1].heading, parsed.turns[-1].page) == ("Fotnoter", 1)


# ----------------------------------------------------------------------------------------- ODT

def test_odt_table_text_box_note_header_and_footer_are_kept(tmp_path):
    from odf.draw import Frame, TextBox
    from odf.opendocument import OpenDocumentText
    from odf.style import Footer, Header, MasterPage, PageLayout
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import H, Note, NoteBody, NoteCitation, P

    doc = OpenDocumentText()
    layout = PageLayout(name="pm1")
    doc.automaticstyles.addElement(layout)
    master = MasterPage(name="Standard", pagelayoutname=layout)
    header, footer = Header(), Footer()
    header.addElement(P(text="Utkast til bygdevekstavtale"))
    footer.addElement(P(text="Pilot Midt"))
    master.addElement(header)
    master.addElement(footer)
    doc.masterstyles.addElement(master)
    doc.text.addElement(H(outlinelevel=1, text="Roller"))
    para = P(text="Kommunene leder arbeidet.")
    note = Note(id="ftn1", noteclass="footnote")
    note.addElement(NoteCitation(text="1"))
    body = NoteBody()
    body.addElement(P(text="Jf. søknaden fra 2022."))
    note.addElement(body)
    para.addElement(note)
    doc.text.addElement(para)
    anchor = P(text="Se boksen.")
    frame = Frame(width="5cm", height="2cm", anchortype="paragraph")
    box = TextBox()
    box.addElement(P(text="Staten bidrar med kompetanse."))
    frame.addElement(box)
    anchor.addElement(frame)
    doc.text.addElement(anchor)
    table = Table()
    table.addElement(TableColumn(numbercolumnsrepeated=2))
    for a, b in [("Part", "Bidrag"), ("Fylkeskommunen", "Rådgivning"), ("Husbanken", "Lån og tilskudd")]:
        row = TableRow()
        for value in (a, b):
            cell = TableCell()
            cell.addElement(P(text=value))
            row.addElement(cell)
        table.addElement(row)
    doc.text.addElement(table)
    p = tmp_path / "avtale.odt"
    doc.save(str(p))
    parsed = read_file(p)
    assert [(t.heading, t.text) for t in parsed.turns] == [
        ("Roller", "Kommunene leder arbeidet."),
        ("Roller", "Se boksen."),
        ("Roller", "Part | Bidrag"),
        ("Roller", "Fylkeskommunen | Rådgivning"),
        ("Roller", "Husbanken | Lån og tilskudd"),
        ("Tekstbokser", "Staten bidrar med kompetanse."),  # a segment of its own, before the footnotes
        ("Fotnoter", "Jf. søknaden fra 2022."),
    ]
    text = canonical(parsed)
    assert "Utkast til bygdevekstavtale" in text and "Pilot Midt" in text


def test_odt_line_breaks_inside_a_paragraph_end_lines(tmp_path):
    from odf.opendocument import OpenDocumentText
    from odf.text import LineBreak, P, Span

    doc = OpenDocumentText()
    para = P()
    for i, line in enumerate(SOFT_BREAK_LINES):
        if i:
            para.addElement(LineBreak())
        para.addElement(Span(text=line))
    doc.text.addElement(para)
    p = tmp_path / "linjeskift.odt"
    doc.save(str(p))
    assert speakers_and_texts(read_file(p)) == [tuple(line.split(": ", 1)) for line in SOFT_BREAK_LINES]
