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


def test_markdown_table_rows_are_segments_with_their_column_names(tmp_path):
    p = write(tmp_path, "notater_tabell.md", (
        "# Dialogkonferanse Nordvik\n\n"
        "## Innspill fra gruppene\n\n"
        "| Gruppe | Tiltak | Ansvar |\n"
        "|:---|---|---:|\n"
        "| 1 | Flere boliger for unge | Kommunen |\n"
        "| 2 | Bedre veier til Nordvik \\| Sørvik |  |\n"
        "Uten kant | Samarbeid med banken<br>og Husbanken | Fylket\n\n"
        "Prosessleder: Vi tar dette videre til styringsgruppa.\n"
    ))
    parsed = read_file(p)
    assert parsed.kind_hint == "notes"
    assert [(t.heading, t.text) for t in parsed.turns] == [
        ("Innspill fra gruppene", "Gruppe 1 — Tiltak: Flere boliger for unge — Ansvar: Kommunen"),
        ("Innspill fra gruppene", "Gruppe 2 — Tiltak: Bedre veier til Nordvik | Sørvik"),
        ("Innspill fra gruppene", "Gruppe: Uten kant — Tiltak: Samarbeid med banken og Husbanken — Ansvar: Fylket"),
        ("Innspill fra gruppene", "Prosessleder: Vi tar dette videre til styringsgruppa."),
    ]
    assert "---" not in build_canonical(parsed)[0]


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


def ole_file(streams: list[str]) -> bytes:
    """An OLE compound file (the container of an old .doc and of a password-protected .docx) holding
    empty streams with the given names: header, one FAT sector, one directory sector."""
    import struct

    free, end, fat_sector = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16)
              + struct.pack("<HHHHH6xIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, 0, 1, 1, 0, 4096, end, 0, end, 0)
              + struct.pack("<I", 0) + struct.pack("<I", free) * 108)
    fat = struct.pack("<II", fat_sector, end) + struct.pack("<I", free) * 126

    def entry(name: str, kind: int, child: int, right: int) -> bytes:
        raw = name.encode("utf-16-le") + b"\0\0"
        return (raw.ljust(64, b"\0") + struct.pack("<HBB", len(raw), kind, 1)
                + struct.pack("<III", free, right, child) + bytes(36) + struct.pack("<IQ", end, 0))

    entries = [entry("Root Entry", 5, 1 if streams else free, free)]
    entries += [entry(name, 2, free, i + 2 if i + 1 < len(streams) else free) for i, name in enumerate(streams)]
    directory = b"".join(entries).ljust(512, b"\0")
    return header + fat + directory


def encrypted_odt(path: Path) -> Path:
    """An .odt saved with a password: its parts are encrypted, the manifest says how."""
    import os
    import zipfile

    from odf.opendocument import OpenDocumentText
    from odf.text import P

    doc = OpenDocumentText()
    doc.text.addElement(P(text="Intervjuer: Dette skal ingen lese."))
    plain = path.with_name("plain.odt")
    doc.save(str(plain))
    ns = "urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"
    with zipfile.ZipFile(plain) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "content.xml":
                data = os.urandom(len(data))
            elif info.filename == "META-INF/manifest.xml":
                data = data.replace(
                    b'manifest:full-path="content.xml" manifest:media-type="text/xml"/>',
                    b'manifest:full-path="content.xml" manifest:media-type="text/xml">'
                    b'<manifest:encryption-data manifest:checksum-type="urn:oasis:names:tc:opendocument:xmlns:'
                    b'manifest:1.0#sha256-1k" manifest:checksum="AAAA"><manifest:algorithm manifest:algorithm-name='
                    b'"http://www.w3.org/2001/04/xmlenc#aes256-cbc" manifest:initialisation-vector="AAAA"/>'
                    b'</manifest:encryption-data></manifest:file-entry>')
                assert f"xmlns:manifest=\"{ns}\"".encode() in data and b"encryption-data" in data
            zout.writestr(info, data)
    return path


def small_pdf(path: Path, *, password: str | None = None, owner_only: bool = False) -> Path:
    import fpdf
    from pypdf import PdfReader, PdfWriter

    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for i, line in enumerate(["Intervjuer: Hvordan har samarbeidet med fylket vært i år?",
                              "Informant: Det har vært godt, og vi har fått mer tillit til hverandre.",
                              "Intervjuer: Og staten, hvordan opplever dere den?",
                              "Informant: Den er langt unna, men departementet svarer når vi ringer."]):
        pdf.set_xy(10, 20 + 8 * i)
        pdf.cell(0, 6, line)
    pdf.output(str(path))
    if password is not None or owner_only:
        writer = PdfWriter(clone_from=PdfReader(str(path)))
        writer.encrypt(user_password="" if owner_only else password, owner_password="eier", algorithm="RC4-128")
        writer.write(str(path))
    return path


def damaged_xml_docx(path: Path) -> Path:
    import zipfile

    import docx

    d = docx.Document()
    d.add_paragraph("Intervjuer: Hei.")
    whole = path.with_name("hel.docx")
    d.save(whole)
    with zipfile.ZipFile(whole) as zin, zipfile.ZipFile(path, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            zout.writestr(info, data[:-40] if info.filename == "word/document.xml" else data)
    return path


@pytest.mark.parametrize("name,make,message", [
    ("passord.pdf", lambda p: small_pdf(p, password="hemmelig"),
     "passord.pdf: the file is password-protected; save a copy without a password and ingest that"),
    ("passord.docx", lambda p: p.write_bytes(ole_file(["EncryptionInfo", "EncryptedPackage"])),
     "passord.docx: the file is password-protected; save a copy without a password and ingest that"),
    ("passord.odt", encrypted_odt,
     "passord.odt: the file is password-protected; save a copy without a password and ingest that"),
    ("gammel.docx", lambda p: p.write_bytes(ole_file(["WordDocument", "1Table"])),
     "gammel.docx: this is an old Word .doc (Word 97-2003), not .docx; open it in Word and save it as .docx"),
    ("egentlig_pdf.docx", lambda p: p.write_bytes(small_pdf(p.with_name("x.pdf")).read_bytes()),
     "egentlig_pdf.docx: this is a PDF named .docx; rename it to .pdf and ingest that"),
    ("ødelagt_xml.docx", damaged_xml_docx,
     "ødelagt_xml.docx: the Word XML inside is damaged (word/document.xml line 2); open the file in Word, "
     "let Word repair it, and save it again"),
])
def test_protected_or_misnamed_files_say_what_they_are_and_the_fix(tmp_path, name, make, message):
    p = tmp_path / name
    make(p)
    with pytest.raises(WorkbenchError) as exc:
        read_file(p)
    assert str(exc.value) == message


PLAIN = "Intervjuer: Hvordan gikk samarbeidet?\nInformant: Det gikk bra – særlig i fase én.\n"


MISNAMED_TEXT = [
    ("tekst.docx", PLAIN.encode("utf-8"),
     "tekst.docx: this is a plain-text file named .docx, not a Word document; rename it to .txt and ingest that"),
    ("tekst16.docx", PLAIN.encode("utf-16"),
     "tekst16.docx: this is a plain-text file named .docx, not a Word document; rename it to .txt and ingest that"),
    ("ansi.docx", PLAIN.encode("cp1252"),
     "ansi.docx: this is a plain-text file named .docx, not a Word document; rename it to .txt and ingest that"),
    ("tekst.odt", PLAIN.encode("utf-8"),
     "tekst.odt: this is a plain-text file named .odt, not an OpenDocument text; rename it to .txt and ingest that"),
    ("tekst.pdf", PLAIN.encode("utf-8"),
     "tekst.pdf: this is a plain-text file named .pdf, not a PDF; rename it to .txt and ingest that"),
    ("teams.docx", TEAMS_VTT.encode("utf-8"),
     "teams.docx: this is a WebVTT subtitle file named .docx, not a Word document; rename it to .vtt and ingest that"),
    ("wx.pdf", WHISPERX_SRT.encode("utf-8"),
     "wx.pdf: this is a SubRip subtitle file named .pdf, not a PDF; rename it to .srt and ingest that"),
    ("tekst.vtt", PLAIN.encode("utf-8"),
     "tekst.vtt: this is a plain-text file named .vtt, not a WebVTT subtitle file (no cue has a 'start --> end' "
     "time line); rename it to .txt and ingest that"),
    ("tekst.srt", PLAIN.encode("utf-8"),
     "tekst.srt: this is a plain-text file named .srt, not a SubRip subtitle file (no cue has a 'start --> end' "
     "time line); rename it to .txt and ingest that"),
    # a zip cut off before its end: damaged, whatever its name
    ("avkuttet.docx", b"PK\x03\x04" + b"\x00" * 200,
     "avkuttet.docx: not a readable Word document, the file is damaged or incomplete (cut off before the end of "
     "its zip archive); copy it again from its source"),
    ("avkuttet.odt", b"PK\x03\x04" + b"\x00" * 200,
     "avkuttet.odt: not a readable OpenDocument text, the file is damaged or incomplete (cut off before the end "
     "of its zip archive); copy it again from its source"),
    ("avkuttet.pdf", b"PK\x03\x04" + b"\x00" * 200,
     "avkuttet.pdf: this is a damaged or incomplete zip file (such as a Word document) named .pdf, not a PDF; "
     "copy it again from its source"),
]


@pytest.mark.parametrize("name,data,message", MISNAMED_TEXT, ids=[case[0] for case in MISNAMED_TEXT])
def test_text_saved_under_another_format_says_what_it_is_and_how_to_fix_it(tmp_path, name, data, message):
    p = tmp_path / name
    p.write_bytes(data)
    with pytest.raises(WorkbenchError) as exc:
        read_file(p)
    assert str(exc.value) == message


def test_random_bytes_named_docx_are_not_called_text(tmp_path):
    p = tmp_path / "støy.docx"
    p.write_bytes(bytes(range(256)) * 4)
    with pytest.raises(WorkbenchError) as exc:
        read_file(p)
    assert "plain-text" not in str(exc.value) and "cut off" not in str(exc.value)
    assert str(exc.value).startswith("støy.docx: not a readable Word document")


def test_a_pdf_with_only_an_owner_password_is_read(tmp_path):
    parsed = read_file(small_pdf(tmp_path / "eier.pdf", owner_only=True))
    assert [t.speaker for t in parsed.turns] == ["Intervjuer", "Informant", "Intervjuer", "Informant"]


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
