"""Readers: each format, with the tricky cases a researcher's files actually contain."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import WorkbenchError
from workbench.ingest import build_canonical, read_file


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8", newline: str = "\n") -> Path:
    p = tmp_path / name
    p.write_bytes(text.replace("\n", newline).encode(encoding))
    return p


def speakers_and_texts(parsed):
    return [(t.speaker, t.text) for t in parsed.turns]


# ---------------------------------------------------------------- txt / md transcripts

def test_txt_labels_timestamps_metadata_and_continuation(tmp_path):
    p = write(tmp_path, "fg.txt", (
        "Fokusgruppe Hjerteregionen\n"
        "Dato: 12.03.2024\n"
        "Til stede: tre prosjektledere\n\n"
        "[00:00:05] Moderator: Velkommen til alle.\n"
        "Informant 1 [00:00:12]: Takk. Vi har jobbet med bolig.\n\n"
        "Det tok lang tid å få på plass.\n"
        "Informant 2: (00:01:30) Enig, og tillit er viktig.\n"
        "Moderator: Hva med KDD?\n"
    ))
    parsed = read_file(p)
    assert parsed.kind_hint == "transcript"
    assert speakers_and_texts(parsed) == [
        ("Moderator", "Velkommen til alle."),
        ("Informant 1", "Takk. Vi har jobbet med bolig.\nDet tok lang tid å få på plass."),
        ("Informant 2", "Enig, og tillit er viktig."),
        ("Moderator", "Hva med KDD?"),
    ]
    assert [t.start_time for t in parsed.turns] == [5.0, 12.0, 90.0, None]
    assert [t.line for t in parsed.turns] == [5, 6, 9, 10]
    # metadata lines are kept in the canonical text but are not turns
    assert not any(t.speaker in ("Dato", "Til stede") for t in parsed.turns)
    assert "Dato: 12.03.2024" in parsed.preamble


def test_roster_tells_pl_midt_from_pl_midt_finnmark_and_warns_on_unknown(tmp_path):
    p = write(tmp_path, "fg.txt", (
        "Dato: 2024-02-06\n\n"
        "PL Midt-Finnmark: Vi startet med bolig.\n\n"
        "PL Midt: Hos oss var det arbeidskraft.\n\n"
        "Konklusjon: dette er ikke en deltaker.\n\n"
        "Ordfører: Jeg sier noe uten å stå i lista.\n"
    ))
    parsed = read_file(p, roster={"PL Midt", "PL Midt-Finnmark"})
    assert speakers_and_texts(parsed) == [
        ("PL Midt-Finnmark", "Vi startet med bolig."),
        ("PL Midt", "Hos oss var det arbeidskraft.\nKonklusjon: dette er ikke en deltaker.\n"
                    "Ordfører: Jeg sier noe uten å stå i lista."),
    ]
    # "Konklusjon:" is a section word of minutes, so only "Ordfører:" is reported as a possible speaker
    assert len(parsed.warnings) == 1
    assert "fg.txt:9: 'Ordfører:'" in parsed.warnings[0]
    assert "participants.csv" in parsed.warnings[0]


def test_cp1252_crlf_with_labels_alone_on_their_line(tmp_path):
    p = write(tmp_path, "intervju.txt", (
        "Intervju med kommunedirektør\n\n"
        "INTERVJUER\nHvordan har samarbeidet med Husbanken vært?\n\n"
        "INFORMANT 1\nDet har vært bra. Tilliten har økt.\nMen det tar tid – særlig i Måsøy.\n\n"
        "INTERVJUER\nTakk.\n"
    ), encoding="cp1252", newline="\r\n")
    parsed = read_file(p)
    assert speakers_and_texts(parsed) == [
        ("INTERVJUER", "Hvordan har samarbeidet med Husbanken vært?"),
        ("INFORMANT 1", "Det har vært bra. Tilliten har økt.\nMen det tar tid – særlig i Måsøy."),
        ("INTERVJUER", "Takk."),
    ]
    text, _ = build_canonical(parsed)
    assert "\ufffd" not in text and "\r" not in text and "Måsøy" in text


def test_utf8_bom_is_not_part_of_the_first_label(tmp_path):
    p = tmp_path / "bom.md"
    p.write_bytes("\ufeffModerator: Hei og velkommen.\nDeltaker 1: Hei, æøå.\nModerator: Flott.\n".encode("utf-8"))
    parsed = read_file(p)
    assert parsed.turns[0].speaker == "Moderator"
    assert parsed.turns[1].text == "Hei, æøå."


def test_cp1252_bytes_that_are_invalid_utf8_never_give_replacement_char(tmp_path):
    p = tmp_path / "x.txt"
    p.write_bytes("Moderator: Tromsø\x93sitat\x94\nInformant: ja\nModerator: ok\n".encode("latin-1"))
    parsed = read_file(p)
    assert parsed.turns[0].text == "Tromsø“sitat”"


# ---------------------------------------------------------------- notes

def test_markdown_notes_bullets_with_subitems_and_headings(tmp_path):
    p = write(tmp_path, "notater.md", (
        "# Dialogkonferanse fase 1\n\n"
        "Innledende tekst om dagen.\n\n"
        "## Gruppe 1 – Midt\n\n"
        "- Bolig er viktigst\n"
        "  - mangler utleieboliger\n"
        "  - Husbanken bør inn tidlig\n"
        "- Tillit mellom partene\n\n"
        "## Gruppe 2 – Vestre Varanger\n\n"
        "1. Tidsbruk er et problem.\n"
        "Referent: ikke en taler.\n"
        "2. Ressurser mangler\n"
    ))
    parsed = read_file(p)
    assert parsed.kind_hint == "notes"
    assert [(t.heading, t.text) for t in parsed.turns] == [
        ("Dialogkonferanse fase 1", "Innledende tekst om dagen."),
        ("Gruppe 1 – Midt", "Bolig er viktigst\n- mangler utleieboliger\n- Husbanken bør inn tidlig"),
        ("Gruppe 1 – Midt", "Tillit mellom partene"),
        ("Gruppe 2 – Vestre Varanger", "Tidsbruk er et problem.\nReferent: ikke en taler."),
        ("Gruppe 2 – Vestre Varanger", "Ressurser mangler"),
    ]
    assert all(t.speaker is None for t in parsed.turns)


def test_txt_notes_paragraphs_with_colon_headings(tmp_path):
    p = write(tmp_path, "notat.txt", (
        "Gruppe 3:\n\n"
        "Første avsnitt om styring.\nFortsetter her.\n\n"
        "Andre avsnitt om legitimitet.\n"
    ))
    parsed = read_file(p)
    assert [(t.heading, t.text) for t in parsed.turns] == [
        ("Gruppe 3", "Første avsnitt om styring.\nFortsetter her."),
        ("Gruppe 3", "Andre avsnitt om legitimitet."),
    ]


def test_kind_dialogkonferanse_forces_notes_even_with_label_like_lines(tmp_path):
    p = write(tmp_path, "dk.md", "Innspill: bolig\nmer tekst\n\nInnspill: arbeid\n\nInnspill: tillit\n")
    assert read_file(p).kind_hint == "transcript"  # repeated "Innspill:" looks like a speaker ...
    parsed = read_file(p, kind="dialogkonferanse")  # ... but the manifest says notes
    assert parsed.kind_hint == "notes"
    assert parsed.turns[0].text == "Innspill: bolig\nmer tekst"


# ---------------------------------------------------------------- docx

def test_docx_transcript_and_document_fallback(tmp_path):
    import docx

    d = docx.Document()
    d.add_heading("Fokusgruppe Indre-Namdal", level=1)
    d.add_paragraph("Dato: 2023-05-02")
    d.add_paragraph("[00:01:02] Moderator: Hva betyr avtalen for dere?")
    d.add_paragraph("Ordfører [00:01:10]: Den gir oss en dør inn til staten.")
    d.add_paragraph("Og det er ikke lite.")
    d.add_paragraph("Moderator: Takk.")
    d.add_paragraph("Ordfører: Bare hyggelig.")
    p = tmp_path / "fg.docx"
    d.save(p)
    parsed = read_file(p)
    assert speakers_and_texts(parsed) == [
        ("Moderator", "Hva betyr avtalen for dere?"),
        ("Ordfører", "Den gir oss en dør inn til staten.\nOg det er ikke lite."),
        ("Moderator", "Takk."),
        ("Ordfører", "Bare hyggelig."),
    ]
    assert [t.start_time for t in parsed.turns] == [62.0, 70.0, None, None]

    d = docx.Document()
    d.add_heading("Handlingsplan", level=1)
    d.add_paragraph("Første avsnitt.")
    d.add_heading("Tiltak", level=2)
    d.add_paragraph("Andre avsnitt.")
    p2 = tmp_path / "plan.docx"
    d.save(p2)
    parsed = read_file(p2)
    assert parsed.kind_hint == "dokument"
    assert [(t.heading, t.text) for t in parsed.turns] == [("Handlingsplan", "Første avsnitt."),
                                                          ("Tiltak", "Andre avsnitt.")]


def test_corrupt_docx_is_one_line_error(tmp_path):
    p = tmp_path / "ødelagt.docx"
    p.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(WorkbenchError, match=r"^ødelagt\.docx: not a readable Word document"):
        read_file(p)


# ---------------------------------------------------------------- vtt / srt

TEAMS_VTT = """WEBVTT

3f6a1c2e-1/12-0
00:00:01.000 --> 00:00:04.500
<v Kari Nordmann>Hei, hører dere meg?</v>

3f6a1c2e-1/20-0
00:00:04.500 --> 00:00:08.000
<v Kari Nordmann>Vi starter med fase 2.</v>

3f6a1c2e-1/31-0
00:00:08.200 --> 00:00:12.000
<v Ola Fjell>Ja, det går fint.</v>

3f6a1c2e-1/40-0
00:00:12.500 --> 00:00:15.250
<v Kari Nordmann>Flott.</v>
"""


def test_teams_vtt_voice_tags_merge_consecutive_cues(tmp_path):
    parsed = read_file(write(tmp_path, "teams.vtt", TEAMS_VTT))
    assert speakers_and_texts(parsed) == [
        ("Kari Nordmann", "Hei, hører dere meg? Vi starter med fase 2."),
        ("Ola Fjell", "Ja, det går fint."),
        ("Kari Nordmann", "Flott."),
    ]
    assert [(t.start_time, t.end_time) for t in parsed.turns] == [(1.0, 8.0), (8.2, 12.0), (12.5, 15.25)]
    text, _ = build_canonical(parsed)
    assert "3f6a1c2e" not in text and "<v" not in text


WHISPERX_SRT = """1
00:00:00,800 --> 00:00:03,000
[SPEAKER_00]: Da har opptaket startet.

2
00:00:03,100 --> 00:00:05,000
[SPEAKER_00]: Hører du meg?

3
00:00:05,500 --> 00:00:09,250
[SPEAKER_01]: Ja, no høyrer eg deg.

4
00:00:10,000 --> 00:00:11,000
[SPEAKER_00]: Fint.
"""


def test_whisperx_srt_prefix_removed_and_merged(tmp_path):
    parsed = read_file(write(tmp_path, "wx.srt", WHISPERX_SRT))
    assert speakers_and_texts(parsed) == [
        ("SPEAKER_00", "Da har opptaket startet. Hører du meg?"),
        ("SPEAKER_01", "Ja, no høyrer eg deg."),
        ("SPEAKER_00", "Fint."),
    ]
    assert parsed.turns[0].start_time == 0.8 and parsed.turns[0].end_time == 5.0
    assert parsed.turns[1].end_time == 9.25


# ---------------------------------------------------------------- pdf / odt

def make_pdf(path: Path) -> None:
    import fpdf

    pdf = fpdf.FPDF()
    pdf.set_auto_page_break(False)
    for page in (1, 2):
        pdf.add_page()
        pdf.set_font("Helvetica", size=9)
        pdf.set_xy(10, 8)
        pdf.cell(0, 5, "Handlingsplan Midt-Finnmark 2024")
        pdf.set_xy(10, 285)
        pdf.cell(0, 5, f"Side {page} av 2")
        y = 30
        if page == 1:
            pdf.set_font("Helvetica", "B", 16)
            pdf.set_xy(10, y)
            pdf.cell(0, 8, "Innledning")
            y += 16
        pdf.set_font("Helvetica", size=11)
        lines = ([f"Dette er avsnitt en på side {page}, som handler om samarbeid og utvik-",
                  "ling av boliger i kommunene."], [f"Avsnitt to på side {page} om tillit."])
        for para in lines:
            for line in para:
                pdf.set_xy(10, y)
                pdf.cell(0, 6, line)
                y += 6
            y += 8
    pdf.output(str(path))


def test_pdf_paragraphs_pages_headings_dehyphenation_and_running_lines(tmp_path):
    p = tmp_path / "plan.pdf"
    make_pdf(p)
    parsed = read_file(p)
    assert parsed.kind_hint == "dokument"
    assert [(t.page, t.heading, t.text) for t in parsed.turns] == [
        (1, "Innledning", "Dette er avsnitt en på side 1, som handler om samarbeid og utvikling av boliger i kommunene."),
        (1, "Innledning", "Avsnitt to på side 1 om tillit."),
        (2, "Innledning", "Dette er avsnitt en på side 2, som handler om samarbeid og utvikling av boliger i kommunene."),
        (2, "Innledning", "Avsnitt to på side 2 om tillit."),
    ]
    text, _ = build_canonical(parsed)
    assert "Side 1 av 2" not in text and "Handlingsplan Midt-Finnmark 2024" not in text


def test_odt_headings_and_paragraphs(tmp_path):
    from odf.opendocument import OpenDocumentText
    from odf.text import H, List, ListItem, P

    doc = OpenDocumentText()
    doc.text.addElement(H(outlinelevel=1, text="Bygdevekstavtale"))
    doc.text.addElement(P(text="Avtalen inngås mellom staten og kommunene."))
    doc.text.addElement(H(outlinelevel=2, text="Formål"))
    lst = List()
    item = ListItem()
    item.addElement(P(text="Flere boliger."))
    lst.addElement(item)
    doc.text.addElement(lst)
    doc.text.addElement(P(text=""))
    p = tmp_path / "avtale.odt"
    doc.save(str(p))
    parsed = read_file(p)
    assert [(t.heading, t.text) for t in parsed.turns] == [
        ("Bygdevekstavtale", "Avtalen inngås mellom staten og kommunene."),
        ("Formål", "Flere boliger."),
    ]


# ---------------------------------------------------------------- bad input and invariant

@pytest.mark.parametrize("name,content,message", [
    ("notat.rtf", b"{\\rtf1 hei}", "unknown file type '.rtf'"),
    ("tom.txt", b"", "the file is empty"),
    ("blank.md", b"\n  \n\n", "no text found"),
])
def test_unreadable_files_give_one_line_naming_file_and_reason(tmp_path, name, content, message):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(WorkbenchError) as exc:
        read_file(p)
    assert str(exc.value).startswith(name) and message in str(exc.value) and "\n" not in str(exc.value)


def test_canonical_offsets_point_at_turn_text(tmp_path):
    files = [write(tmp_path, "teams.vtt", TEAMS_VTT), write(tmp_path, "wx.srt", WHISPERX_SRT),
             write(tmp_path, "a.txt", "[00:00:01] Moderator: Hei.\nInformant: Ja.\n\nmer.\nModerator: Ok.\n"),
             write(tmp_path, "n.md", "# H\n\n- a\n  - b\n\ntekst\n")]
    for f in files:
        parsed = read_file(f)
        text, spans = build_canonical(parsed)
        assert len(spans) == len(parsed.turns)
        for t, (s, e) in zip(parsed.turns, spans):
            assert text[s:e] == t.text
