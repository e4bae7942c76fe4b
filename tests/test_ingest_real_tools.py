"""Transcripts as real tools and keyboards leave them: labels with hidden Unicode characters or in
decomposed form (macOS), a time between the name and the colon, Teams' recording notices inside
cues, a LibreOffice PDF with a footer, a footnote and a text box, Word's tracked changes and a short
interview whose role labels occur once.

Every file is written by the test, with fictional Norwegian text (no real persons)."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from click.testing import CliRunner

from tests.test_ingest_file_layouts import libreoffice_pdf
from workbench.cli import cli
from workbench.ingest import build_canonical, read_file

NFD_AASE = "A\u030ase"  # "Åse" as macOS writes it: A + combining ring above
assert unicodedata.normalize("NFC", NFD_AASE) == "Åse" and NFD_AASE != "Åse"

# (label as typed, text): the labels hide a decomposed Å, a zero-width space, a byte order mark in the
# middle of the file and a zero-width joiner before the colon
HIDDEN_LINES = [
    ("Åse", "Første tur, skrive vanleg."),
    ("Bjørn", "Andre tur."),
    (NFD_AASE, "Tredje tur, etiketten er dekomponert."),
    ("\u200bBjørn", "Fjerde tur, med nullbreidde-mellomrom framfor."),
    ("Åse", "Femte tur."),
    ("\ufeffBjørn", "Sjette tur, med BOM midt i fila."),
    ("Åse", "Sjuande tur."),
    ("Bjørn\u200d", "Åttande tur, med sameinar før kolon."),
]
EXPECTED_HIDDEN = [("Åse" if i % 2 == 0 else "Bjørn", text) for i, (_, text) in enumerate(HIDDEN_LINES)]


def _write_hidden(tmp_path: Path, fmt: str) -> Path:
    lines = [f"{label}: {text}" for label, text in HIDDEN_LINES]
    p = tmp_path / f"skjulte_teikn.{fmt}"
    if fmt in ("txt", "md"):
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif fmt == "docx":
        import docx

        d = docx.Document()
        for line in lines:
            d.add_paragraph(line)
        d.save(p)
    elif fmt == "odt":
        from odf.opendocument import OpenDocumentText
        from odf.text import P

        doc = OpenDocumentText()
        for line in lines:
            doc.text.addElement(P(text=line))
        doc.save(str(p))
    elif fmt in ("vtt", "srt"):
        cues = []
        for n, line in enumerate(lines, start=1):
            a, b = f"00:00:{2 * n:02d}", f"00:00:{2 * n + 1:02d}"
            timing = f"{a}.000 --> {b}.000" if fmt == "vtt" else f"{a},000 --> {b},000"
            cues.append(f"{n}\n{timing}\n{line}\n")
        p.write_text(("WEBVTT\n\n" if fmt == "vtt" else "") + "\n".join(cues), encoding="utf-8")
    return p


@pytest.mark.parametrize("fmt", ["txt", "md", "docx", "odt", "vtt", "srt"])
def test_hidden_characters_and_decomposed_letters_in_labels_do_not_hide_the_speaker(tmp_path, fmt):
    parsed = read_file(_write_hidden(tmp_path, fmt))
    assert [(t.speaker, t.text) for t in parsed.turns] == EXPECTED_HIDDEN
    assert {t.speaker for t in parsed.turns} == {"Åse", "Bjørn"}  # two speakers, in NFC
    text = build_canonical(parsed)[0]
    assert not any(ch in text for ch in "\u200b\u200d\ufeff\u030a")


def test_zero_width_joiner_stays_inside_an_emoji_and_bidi_marks_are_counted(tmp_path):
    p = tmp_path / "emoji.txt"
    p.write_text("Åse: Eg er 👩\u200d🌾 bonde.\nBjørn: Og eg \u200fikkje.\nÅse: Nei.\nBjørn: Ja.\n", encoding="utf-8")
    parsed = read_file(p)
    assert [t.text for t in parsed.turns] == ["Eg er 👩\u200d🌾 bonde.", "Og eg ikkje.", "Nei.", "Ja."]
    assert any("1 bidirectional control character (U+200E, U+200F" in w for w in parsed.warnings)


def _cli(url: str, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", url, "--user", "tester", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_voice_names_and_roster_rows_in_decomposed_form_are_one_speaker_with_its_actor(tmp_path):
    vtt = tmp_path / "teams.vtt"
    vtt.write_text("WEBVTT\n\n1\n00:00:01.000 --> 00:00:03.000\n<v Åse Kvamme>Første, skrive vanleg.</v>\n\n"
                   "2\n00:00:03.500 --> 00:00:05.000\n<v Bjørn Dale>Andre.</v>\n\n"
                   f"3\n00:00:05.500 --> 00:00:08.000\n<v {NFD_AASE} Kvamme>Tredje, namnet dekomponert.</v>\n",
                   encoding="utf-8")
    participants = tmp_path / "deltakere.csv"
    participants.write_text(f"file,speaker,actor\nteams.vtt,{NFD_AASE} Kvamme,kommune\nteams.vtt,Bjørn Dale,fylke\n",
                            encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    out = _cli(url, "ingest", str(vtt), "--participants", str(participants))
    assert "not in" not in out
    sources = json.loads(_cli(url, "sources", "--json"))
    speakers = {sp["label"]: sp["actor"] for sp in sources[0]["speakers"]}
    assert speakers == {"Åse Kvamme": "kommune", "Bjørn Dale": "fylke"}
    turns = json.loads(_cli(url, "turns", "teams.vtt", "--json"))
    assert [t["speaker"] for t in turns] == ["Åse Kvamme", "Bjørn Dale", "Åse Kvamme"]


# ------------------------------------------------------------------------------- time after the name

TIMED_LINES = ["[00:00:03] Kari Nordmann: Velkommen til intervjuet.",
               "Ola Bergstøl [00:00:10]: Takk for at eg fekk kome.",
               "00:03:20 Ola Bergstøl: Fylket har vore ein pådrivar.",
               "Kari Nordmann 00:04:01: Takk.",
               "Ola Bergstøl 00:04:05.5: Takk sjølv."]


@pytest.mark.parametrize("fmt", ["txt", "docx"])
def test_a_bare_time_between_the_name_and_the_colon_starts_a_turn(tmp_path, fmt):
    p = tmp_path / f"tider.{fmt}"
    if fmt == "txt":
        p.write_text("\n".join(TIMED_LINES) + "\n", encoding="utf-8")
    else:
        import docx

        d = docx.Document()
        for line in TIMED_LINES:
            d.add_paragraph(line)
        d.save(p)
    parsed = read_file(p)
    assert [(t.speaker, t.text, t.start_time) for t in parsed.turns] == [
        ("Kari Nordmann", "Velkommen til intervjuet.", 3.0),
        ("Ola Bergstøl", "Takk for at eg fekk kome.", 10.0),
        ("Ola Bergstøl", "Fylket har vore ein pådrivar.", 200.0),
        ("Kari Nordmann", "Takk.", 241.0),
        ("Ola Bergstøl", "Takk sjølv.", 245.5),
    ]


def test_an_agenda_with_times_of_day_is_not_a_transcript(tmp_path):
    p = tmp_path / "program.txt"
    p.write_text("Kl 10:15: Velkommen\nKl 10:30: Innlegg frå fylket\nKl 11:00: Lunsj\n", encoding="utf-8")
    parsed = read_file(p)
    assert parsed.kind_hint == "notes" and not any(t.speaker for t in parsed.turns)


# ------------------------------------------------------------------------ recording notices in cues

TEAMS_VTT = """WEBVTT

3f1c/12-0
00:00:00.000 --> 00:00:02.500
<v Kari Nordmann>Opptaket har startet.</v>

3f1c/13-0
00:00:03.120 --> 00:00:07.450
<v Kari Nordmann>Velkommen, alle sammen. Husker de da opptaket startet i fjor?</v>

3f1c/14-0
00:00:07.800 --> 00:00:12.000
<v Per Haugen>Ja, det gjer eg. Recording stopped.</v>

3f1c/15-0
00:00:12.300 --> 00:00:14.000
<v Per Haugen>Recording started.</v>

3f1c/16-0
00:00:14.300 --> 00:00:16.000
<v Kari Nordmann>Kari Nordmann stoppet transkripsjon</v>

3f1c/17-0
00:00:16.300 --> 00:00:18.000
<v Per Haugen>Per Haugen stopped the recording</v>
"""

NOTICE_SRT = """1
00:00:00,000 --> 00:00:02,000
[SPEAKER_00]: Opptak startet

2
00:00:02,500 --> 00:00:05,000
[SPEAKER_00]: Velkommen. Vi stoppet opptaket sist fordi nokon kom inn.

3
00:00:05,500 --> 00:00:07,000
[SPEAKER_01]: Greitt.

4
00:00:07,500 --> 00:00:09,000
Kari Nordmann startet opptaket
"""


def test_recording_and_transcription_notices_in_vtt_cues_are_not_speech(tmp_path):
    p = tmp_path / "teams.vtt"
    p.write_text(TEAMS_VTT, encoding="utf-8")
    parsed = read_file(p)
    assert [(t.speaker, t.text) for t in parsed.turns] == [
        ("Kari Nordmann", "Velkommen, alle sammen. Husker de da opptaket startet i fjor?"),
        ("Per Haugen", "Ja, det gjer eg."),
    ]


def test_recording_notices_in_srt_cues_are_not_speech(tmp_path):
    p = tmp_path / "whisperx.srt"
    p.write_text(NOTICE_SRT, encoding="utf-8")
    parsed = read_file(p)
    assert [(t.speaker, t.text) for t in parsed.turns] == [
        ("SPEAKER_00", "Velkommen. Vi stoppet opptaket sist fordi nokon kom inn."),
        ("SPEAKER_01", "Greitt."),
    ]


# ----------------------------------------------------------------------- PDF: footer, note, text box

FOCUS_GROUP_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:fo="urn:oasis:names:xsl-fo-compatible:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:automatic-styles>
  <style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"/>
   <style:header-style/><style:footer-style/></style:page-layout>
  <style:style style:name="fr1" style:family="graphic"/>
 </office:automatic-styles>
 <office:master-styles>
  <style:master-page style:name="Standard" style:page-layout-name="pm1">
   <style:header><text:p>Fokusgruppe Fjelldalen – fase 2</text:p></style:header>
   <style:footer><text:p>Transkribert av Lydskrift Nord AS</text:p></style:footer>
  </style:master-page>
 </office:master-styles>
 <office:body><office:text>
  {heading}<text:p>Moderator: Velkomen til denne samtalen om bygdevekstavtalen.<text:note text:id="ftn1" text:note-class="footnote"><text:note-citation>1</text:note-citation><text:note-body><text:p>Samtalen vart halden på Teams.</text:p></text:note-body></text:note></text:p>
  <text:p>Deltakar 1: Vi i Fjelldalen har hatt stor nytte av nettverket.</text:p>
  <text:p><draw:frame draw:style-name="fr1" draw:name="Tekstboks1" text:anchor-type="paragraph" svg:width="8cm" svg:height="2cm"><draw:text-box><text:p>SITAT I BOKS: «Staten må kome nærare»</text:p></draw:text-box></draw:frame>Deltakar 2: Eg vil leggje til at fylket har vore viktig.</text:p>
  <text:p>Moderator: Kva med departementet?</text:p>
  <text:p>Deltakar 2: Dei har vore lite synlege.</text:p>
  <text:p>Deltakar 1: Det er eg ueinig i.</text:p>
  <text:p>Moderator: Takk for praten.</text:p>
 </office:text></office:body>
</office:document>
"""


# with a heading first LibreOffice draws the text box after the footer, without one before the body text
@pytest.mark.parametrize("heading", ["", '<text:h text:outline-level="1">Fokusgruppe med prosjektleiarar</text:h>'])
def test_libreoffice_pdf_footer_footnote_and_text_box_are_not_speech_of_the_last_speaker(tmp_path, heading):
    source = tmp_path / "fokusgruppe.fodt"
    source.write_text(FOCUS_GROUP_FODT.replace("{heading}", heading), encoding="utf-8")
    parsed = read_file(libreoffice_pdf(tmp_path, source))
    assert parsed.kind_hint == "transcript"
    spoken = [(t.speaker, t.text) for t in parsed.turns if t.speaker]
    assert spoken == [
        ("Moderator", "Velkomen til denne samtalen om bygdevekstavtalen."),  # no footnote marker "1"
        ("Deltakar 1", "Vi i Fjelldalen har hatt stor nytte av nettverket."),
        ("Deltakar 2", "Eg vil leggje til at fylket har vore viktig."),
        ("Moderator", "Kva med departementet?"),
        ("Deltakar 2", "Dei har vore lite synlege."),
        ("Deltakar 1", "Det er eg ueinig i."),
        ("Moderator", "Takk for praten."),
    ]
    apart = [(t.heading, t.text) for t in parsed.turns if not t.speaker]
    assert apart == [("Tekstbokser", "SITAT I BOKS: «Staten må kome nærare»"),
                     ("Fotnoter", "Samtalen vart halden på Teams.")]
    assert "Transkribert av Lydskrift Nord AS" in parsed.preamble  # page furniture, kept in the source text
    assert not any("Lydskrift" in t.text for t in parsed.turns)


# ------------------------------------------------------------------------------- Word, short files

def test_docx_tracked_changes_are_read_as_accepted_with_one_warning(tmp_path):
    import docx
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    d = docx.Document()
    d.add_paragraph("Intervjuer: Korleis gjekk det?")
    p = d.add_paragraph("Informant: Det gjekk")
    for tag, text_tag, text in (("w:ins", "w:t", " svært"), ("w:del", "w:delText", " ikkje")):
        change = OxmlElement(tag)
        change.set(qn("w:id"), "1" if tag == "w:ins" else "2")
        change.set(qn("w:author"), "Forskar")
        run, t = OxmlElement("w:r"), OxmlElement(text_tag)
        t.text = text
        t.set(qn("xml:space"), "preserve")
        run.append(t)
        change.append(run)
        p._p.append(change)
    p.add_run(" bra.")
    d.add_paragraph("Intervjuer: Takk.")
    d.add_paragraph("Informant: Takk sjølv.")
    path = tmp_path / "endringar.docx"
    d.save(path)
    parsed = read_file(path)
    assert parsed.turns[1].text == "Det gjekk svært bra."
    tracked = [w for w in parsed.warnings if "tracked changes" in w]
    assert len(tracked) == 1
    assert "1 insertion, 1 deletion" in tracked[0] and "read as accepted" in tracked[0]


def test_docx_without_tracked_changes_gives_no_such_warning(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Intervjuer: Korleis gjekk det?")
    d.add_paragraph("Informant: Bra.")
    d.add_paragraph("Intervjuer: Takk.")
    path = tmp_path / "reint.docx"
    d.save(path)
    assert not any("tracked" in w for w in read_file(path).warnings)


def test_a_two_line_interview_with_role_labels_once_each_has_speakers(tmp_path):
    p = tmp_path / "intervju.txt"
    p.write_text("Intervjuer: Fase 1, korleis går det?\nInformant: Bra i Fjelldalen.\n", encoding="utf-8")
    parsed = read_file(p)
    assert parsed.kind_hint == "transcript"
    assert [(t.speaker, t.text) for t in parsed.turns] == [("Intervjuer", "Fase 1, korleis går det?"),
                                                           ("Informant", "Bra i Fjelldalen.")]


def test_notes_with_one_role_line_among_prose_stay_notes(tmp_path):
    p = tmp_path / "referat.txt"
    p.write_text("Informant: Fem personer.\nModerator: Kari Hansen\n\nDette var eit godt møte med mykje "
                 "diskusjon.\nVi vart einige om mykje.\nNeste møte er i mai.\n", encoding="utf-8")
    parsed = read_file(p)
    assert parsed.kind_hint == "notes" and not any(t.speaker for t in parsed.turns)


# ------------------------------------------------------------------ bidirectional marks before labels

# (label as typed, text): right-to-left and left-to-right marks before a label, inside it and before the
# colon, and an isolate around it
BIDI_LINES = [
    ("\u200fBjørn", "Første tur, med høgre-til-venstre-merke framfor."),
    ("Åse", "Andre tur."),
    ("\u200eBjørn", "Tredje tur, med venstre-til-høgre-merke framfor."),
    ("Åse\u200f", "Fjerde tur, merket før kolon."),
    ("Bj\u200eørn", "Femte tur, merket inne i namnet."),
    ("\u2067Åse\u2069", "Sjette tur, namnet i ein isolat."),
]


@pytest.mark.parametrize("fmt", ["txt", "docx"])
def test_bidi_marks_before_or_inside_a_label_do_not_hide_the_speaker_and_are_counted(tmp_path, fmt):
    lines = [f"{label}: {text}" for label, text in BIDI_LINES]
    p = tmp_path / f"retningsmerke.{fmt}"
    if fmt == "txt":
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    else:
        import docx

        d = docx.Document()
        for line in lines:
            d.add_paragraph(line)
        d.save(p)
    parsed = read_file(p)
    assert parsed.kind_hint == "transcript"
    assert [(t.speaker, t.text) for t in parsed.turns] == [
        ("Bjørn" if i % 2 == 0 else "Åse", text) for i, (_, text) in enumerate(BIDI_LINES)]
    bidi = [w for w in parsed.warnings if "bidirectional" in w]
    assert len(bidi) == 1 and "6 bidirectional control characters" in bidi[0]
    assert not any(ch in build_canonical(parsed)[0] for ch in "\u200e\u200f\u2067\u2069")


def test_bidi_marks_in_a_text_read_twice_are_counted_once(tmp_path):
    p = tmp_path / "notat.txt"  # notes: the lines are read for speakers, then again as notes
    p.write_text("Eit notat om \u200fmøtet.\n\nVidare \u200earbeid.\n", encoding="utf-8")
    parsed = read_file(p)
    assert parsed.kind_hint == "notes"
    assert [t.text for t in parsed.turns] == ["Eit notat om møtet.", "Vidare arbeid."]
    assert any("2 bidirectional control characters" in w for w in parsed.warnings)


# ------------------------------------------------------------------- OpenDocument: tracked changes

def _odt_with_tracked_changes(path: Path) -> Path:
    """An .odt as LibreOffice writes one with changes recorded: " svært" inserted, " ikkje" and a whole
    sentence deleted (the deleted text stored in text:tracked-changes, only a mark left in the body)."""
    from odf.dc import Creator, Date
    from odf.namespaces import TEXTNS, XMLNS
    from odf.opendocument import OpenDocumentText
    from odf.office import ChangeInfo
    from odf.text import (Change, ChangedRegion, ChangeEnd, ChangeStart, Deletion, Insertion, P,
                          TrackedChanges)

    doc = OpenDocumentText()
    tracked = TrackedChanges()

    def region(cid: str, kind, text: str | None = None) -> None:
        change = kind()
        info = ChangeInfo()
        info.addElement(Creator(text="Forskar"))
        info.addElement(Date(text="2024-05-03T10:00:00"))
        change.addElement(info)
        if text is not None:
            change.addElement(P(text=text))
        reg = ChangedRegion(qattributes={(XMLNS, "id"): cid, (TEXTNS, "id"): cid})
        reg.addElement(change)
        tracked.addElement(reg)

    region("ct1", Insertion)
    region("ct2", Deletion, " ikkje")
    region("ct3", Deletion, "Intervjuer: Dette spørsmålet vart stroke.")
    doc.text.addElement(tracked)
    doc.text.addElement(P(text="Intervjuer: Korleis gjekk det?"))
    p = P(text="Informant: Det gjekk")
    p.addElement(ChangeStart(changeid="ct1"))
    p.addText(" svært")
    p.addElement(ChangeEnd(changeid="ct1"))
    p.addElement(Change(changeid="ct2"))
    p.addText(" bra.")
    doc.text.addElement(p)
    mark = P()
    mark.addElement(Change(changeid="ct3"))
    doc.text.addElement(mark)
    doc.text.addElement(P(text="Intervjuer: Takk."))
    doc.text.addElement(P(text="Informant: Takk sjølv."))
    doc.save(str(path))
    return path


def test_odt_tracked_changes_are_read_as_accepted_with_the_word_warning(tmp_path):
    parsed = read_file(_odt_with_tracked_changes(tmp_path / "endringar.odt"))
    assert [(t.speaker, t.text) for t in parsed.turns] == [
        ("Intervjuer", "Korleis gjekk det?"), ("Informant", "Det gjekk svært bra."),
        ("Intervjuer", "Takk."), ("Informant", "Takk sjølv.")]
    text = build_canonical(parsed)[0]
    assert "ikkje" not in text and "stroke" not in text and "Forskar" not in text
    tracked = [w for w in parsed.warnings if "tracked changes" in w]
    assert len(tracked) == 1
    assert "1 insertion, 2 deletions" in tracked[0] and "read as accepted" in tracked[0]
    assert "LibreOffice" in tracked[0]


def test_odt_without_tracked_changes_gives_no_such_warning(tmp_path):
    from odf.opendocument import OpenDocumentText
    from odf.text import P

    doc = OpenDocumentText()
    for line in ("Intervjuer: Korleis gjekk det?", "Informant: Bra.", "Intervjuer: Takk."):
        doc.text.addElement(P(text=line))
    doc.save(str(tmp_path / "reint.odt"))
    assert not any("tracked" in w for w in read_file(tmp_path / "reint.odt").warnings)


# --------------------------------------------------------------- PDF: a footer on a single page

ONE_PAGE_TURNS = [
    "Moderator: Velkomen til denne samtalen om samarbeidet i regionen.",
    "Deltakar 1: Vi har hatt stor nytte av nettverket.",
    "Deltakar 2: Eg vil leggje til at fylket har vore viktig.",
    "Moderator: Kva med departementet?",
    "Deltakar 1: Dei har vore lite synlege.",
    "Moderator: Takk for praten.",
]


def _one_page_pdf(path: Path, lines: list[tuple[float, str]]) -> Path:
    """One A4 page drawn by fpdf2 in one font at one size, each line at its height (mm from the top)."""
    import fpdf

    pdf = fpdf.FPDF()
    pdf.set_auto_page_break(False)
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for y, line in lines:
        pdf.set_xy(10, y)
        pdf.cell(0, 6, line)
    pdf.output(str(path))
    return path


def _spoken(parsed) -> list[tuple[str | None, str]]:
    return [(t.speaker, t.text) for t in parsed.turns]


def _expected(turns: list[str]) -> list[tuple[str, str]]:
    return [tuple(line.split(": ", 1)) for line in turns]


def test_a_footer_under_a_big_gap_at_the_bottom_of_a_single_page_pdf_is_not_speech(tmp_path):
    lines = [(15 + 6 * i, line) for i, line in enumerate(ONE_PAGE_TURNS)]
    parsed = read_file(_one_page_pdf(tmp_path / "ei_side.pdf", lines + [(282, "Transkribert av Nordtekst AS")]))
    assert _spoken(parsed) == _expected(ONE_PAGE_TURNS)
    assert parsed.preamble == ["Transkribert av Nordtekst AS"]


def test_the_last_turn_running_to_the_bottom_of_a_single_page_pdf_stays_whole(tmp_path):
    # the page filled down to its bottom margin with normal line spacing: the last line is speech
    filler = [f"Deltakar {1 + i % 2}: Dette er innlegg nummer {i + 1} i samtalen om regionen." for i in range(40)]
    lines = [(15 + 6.5 * i, line) for i, line in enumerate(filler)]
    lines.append((15 + 6.5 * 40, "og det var det siste eg ville seie om saka."))  # y = 275 mm
    parsed = read_file(_one_page_pdf(tmp_path / "full_side.pdf", lines))
    assert parsed.turns[-1].speaker == "Deltakar 2"
    assert parsed.turns[-1].text == ("Dette er innlegg nummer 40 i samtalen om regionen. "
                                     "og det var det siste eg ville seie om saka.")
    assert parsed.preamble == []


def test_a_last_turn_with_a_label_far_down_a_single_page_pdf_stays_a_turn(tmp_path):
    lines = [(15 + 6 * i, line) for i, line in enumerate(ONE_PAGE_TURNS[:-1])]
    parsed = read_file(_one_page_pdf(tmp_path / "glissen.pdf", lines + [(282, ONE_PAGE_TURNS[-1])]))
    assert _spoken(parsed) == _expected(ONE_PAGE_TURNS)
    assert parsed.preamble == []


def test_libreoffice_pdf_footer_on_a_single_page_without_footnotes_is_not_speech(tmp_path):
    source = tmp_path / "fokusgruppe.fodt"
    fodt = FOCUS_GROUP_FODT.replace("{heading}", "")
    start = fodt.index("<text:note ")
    fodt = fodt[:start] + fodt[fodt.index("</text:note>") + len("</text:note>"):]  # no footnote
    source.write_text(fodt, encoding="utf-8")
    parsed = read_file(libreoffice_pdf(tmp_path, source))
    assert parsed.kind_hint == "transcript"
    assert [(t.speaker, t.text) for t in parsed.turns if t.speaker][-1] == ("Moderator", "Takk for praten.")
    assert "Transkribert av Lydskrift Nord AS" in parsed.preamble
    assert not any("Lydskrift" in t.text for t in parsed.turns)
