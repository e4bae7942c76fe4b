"""Ingest findings of a probe: soft hyphens (U+00AD) in labels and words, lines ended by U+2028,
U+2029 or NEL, text boxes in Word and LibreOffice files, and the lines for files that are not read.

- A soft hyphen is invisible: ``Tor\\u00adunn Bakke:`` is the speaker Torunn Bakke in every format
  (not text of the previous speaker, not a second speaker), and ``Stats\\u00adforvalteren`` is stored
  as ``Statsforvalteren``, so a search finds it and the offsets index the text as stored.
- A text file whose lines end with U+2028, U+2029 or NEL is a file of lines, as Python's
  ``str.splitlines`` reads it.
- A text box in a .docx or .odt (anchored to a speaker's paragraph, in a table cell) is a segment at
  the end under "Tekstbokser", as in a PDF, never speech of the turn beside it.
- An .rtf (or .zip) gets a line that says what to do.

Every file is written by the test, with fictional names."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from tests.test_ingest_file_layouts import NAMESPACES, TEXT_BOX_RUN, libreoffice_convert
from workbench.errors import WorkbenchError
from workbench.ingest import build_canonical, ingest_paths, list_turns, read_file

SHY = "\u00ad"
SHY_LINES = [("Intervjuer", "Hva tenker du om staten?"),
             (f"Tor{SHY}unn Bakke", f"Stats{SHY}forvalteren har vært en god støtte."),
             ("Intervjuer", "Og fylket?"),
             ("Torunn Bakke", "Fylket er litt fjernt.")]
SHY_EXPECTED = [("Intervjuer", "Hva tenker du om staten?"),
                ("Torunn Bakke", "Statsforvalteren har vært en god støtte."),
                ("Intervjuer", "Og fylket?"),
                ("Torunn Bakke", "Fylket er litt fjernt.")]


def _write(tmp_path, fmt: str, lines: list[tuple[str, str]], name: str = "intervju"):
    p = tmp_path / f"{name}.{fmt}"
    if fmt in ("txt", "md"):
        p.write_text("".join(f"{a}: {b}\n" for a, b in lines), encoding="utf-8")
    elif fmt == "docx":
        import docx

        d = docx.Document()
        for a, b in lines:
            d.add_paragraph(f"{a}: {b}")
        d.save(p)
    elif fmt == "odt":
        from odf.opendocument import OpenDocumentText
        from odf.text import P

        doc = OpenDocumentText()
        for a, b in lines:
            doc.text.addElement(P(text=f"{a}: {b}"))
        doc.save(str(p))
    elif fmt in ("vtt", "vtt-voice", "srt"):
        p = tmp_path / f"{name}.{fmt[:3]}"
        cues = []
        for n, (a, b) in enumerate(lines, start=1):
            timing = f"00:00:{2 * n:02d}.000 --> 00:00:{2 * n + 1:02d}.000"
            text = f"<v {a}>{b}</v>" if fmt == "vtt-voice" else f"{a}: {b}"
            cues.append(f"{n}\n{timing.replace('.', ',') if fmt == 'srt' else timing}\n{text}\n")
        p.write_text(("" if fmt == "srt" else "WEBVTT\n\n") + "\n".join(cues), encoding="utf-8")
    return p


# ------------------------------------------------------------------------------------ soft hyphens

@pytest.mark.parametrize("fmt", ["txt", "md", "docx", "odt", "vtt", "vtt-voice", "srt"])
def test_a_soft_hyphen_in_a_label_or_word_is_taken_out_in_every_format(tmp_path, fmt):
    parsed = read_file(_write(tmp_path, fmt, SHY_LINES))
    # the speech goes to Torunn Bakke, not to the interviewer before her, and she is one speaker
    assert [(t.speaker, t.text) for t in parsed.turns] == SHY_EXPECTED
    assert not any("Tor" in w for w in parsed.warnings), parsed.warnings
    assert SHY not in build_canonical(parsed)[0]


def test_soft_hyphens_are_taken_out_of_the_stored_text_so_search_finds_the_word(db, tmp_path):
    from workbench.search import search

    folder = tmp_path / "korpus"
    folder.mkdir()
    _write(folder, "txt", SHY_LINES)
    (folder / "participants.csv").write_text(
        "file,speaker,actor,organisation,pilot\nintervju.txt,Intervjuer,forsker,NIBR,\n"
        "intervju.txt,Torunn Bakke,ordfører,Sørdal kommune,Pilot Sørdal\n", encoding="utf-8")
    report = ingest_paths(db, [folder], user="anna")
    assert not report.errors, report.errors
    turns = list_turns(db, "intervju.txt", user="anna")
    assert [(t["speaker"], t["actor"], t["text"]) for t in turns] == [
        ("Intervjuer", "forsker", "Hva tenker du om staten?"),
        ("Torunn Bakke", "ordfører", "Statsforvalteren har vært en god støtte."),
        ("Intervjuer", "forsker", "Og fylket?"),
        ("Torunn Bakke", "ordfører", "Fylket er litt fjernt.")]
    hits = search(db, "Statsforvalteren", user="anna")
    assert [(h["turn"], h["match"]) for h in hits] == [(2, "Statsforvalteren")]
    # the hit's offsets index the turn's text as stored, and the turn's offsets the source's text
    assert turns[1]["text"][hits[0]["start"]:hits[0]["end"]] == "Statsforvalteren" == hits[0]["match"]
    from workbench.store import Source

    with db.session() as s:
        text = s.query(Source).one().canonical_text
    assert SHY not in text and all(text[t["start_char"]:t["end_char"]] == t["text"] for t in turns)
    # a query pasted with the soft hyphen in it finds the word too
    assert [(h["turn"], h["match"]) for h in search(db, f"Stats{SHY}forvalteren", user="anna")] \
        == [(2, "Statsforvalteren")]


def test_a_refi_import_takes_soft_hyphens_out_and_keeps_the_coded_words(db, tmp_path):
    from sqlalchemy import select

    from tests.test_qdpx_import import G, codebook, project, selection, text_source, users, write_qdpx
    from workbench.refi.importer import import_qdpx
    from workbench.store import Coding, Segment, Source

    text = "".join(f"{a}: {b}\n" for a, b in SHY_LINES)
    word = f"Stats{SHY}forvalteren har"
    i = text.index(word)
    body = (users("kari") + codebook("stat") + "<Sources>"
            + text_source("s", "intervju.txt", selection("w", i, i + len(word), "stat", "kari"),
                          f"internal://{G('src:s')}.txt") + "</Sources>")
    path = write_qdpx(tmp_path / "shy.qdpx", project(body), {f"sources/{G('src:s')}.txt": text.encode("utf-8")})
    import_qdpx(db, path, user="forsker")
    with db.session() as s:
        stored = s.scalar(select(Source.canonical_text))
        speakers = [g.speaker.label if g.speaker else None
                    for g in s.scalars(select(Segment).order_by(Segment.index))]
        a, b = s.execute(select(Coding.start_char, Coding.end_char)).one()
    assert SHY not in stored and speakers == ["Intervjuer", "Torunn Bakke", "Intervjuer", "Torunn Bakke"]
    assert stored[a:b] == "Statsforvalteren har"


# --------------------------------------------------------------------------- U+2028, U+2029, NEL

LINES = ["Intervjuer: Hvordan startet det?", "Bjørn Åsmoen: Med et møte.", "Intervjuer: Og så?",
         "Bjørn Åsmoen: Så kom pengene."]
TURNS = [("Intervjuer", "Hvordan startet det?"), ("Bjørn Åsmoen", "Med et møte."), ("Intervjuer", "Og så?"),
         ("Bjørn Åsmoen", "Så kom pengene.")]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"], ids=["LS", "PS", "NEL"])
def test_unicode_line_separators_end_lines_in_a_text_file(tmp_path, sep, encoding):
    p = tmp_path / "linjeskift.txt"
    p.write_text(sep.join(LINES) + sep, encoding=encoding)
    assert [(t.speaker, t.text) for t in read_file(p).turns] == TURNS


def test_line_separators_among_ordinary_line_ends_and_windows_1252_lines(tmp_path):
    p = tmp_path / "blandet.txt"
    # a UTF-8 line ended by U+2028 inside a file that is otherwise LF, and a Windows-1252 line whose
    # byte 0x85 is an ellipsis ("…"), never a line end
    data = (f"{LINES[0]}\u2028{LINES[1]}\n".encode("utf-8") + "Intervjuer: Og så…?\n".encode("cp1252")
            + f"{LINES[3]}\n".encode("utf-8"))
    p.write_bytes(data)
    assert [(t.speaker, t.text) for t in read_file(p).turns] == TURNS[:2] + [("Intervjuer", "Og så…?"), TURNS[3]]


@pytest.mark.parametrize("fmt", ["vtt", "srt"])
def test_line_separators_end_lines_in_subtitle_files(tmp_path, fmt):
    plain = _write(tmp_path, "vtt-voice" if fmt == "vtt" else "srt",
                   [("Kari Hansen", "Hei der."), ("Per Olsen", "Hei selv."), ("Kari Hansen", "Takk.")], "vanlig")
    text = plain.read_text(encoding="utf-8")
    odd = tmp_path / f"skilletegn.{fmt}"
    odd.write_text(text.replace("\n", "\u2028"), encoding="utf-8")
    expected = [(t.speaker, t.text, t.start_time) for t in read_file(plain).turns]
    assert len(expected) == 3
    assert [(t.speaker, t.text, t.start_time) for t in read_file(odd).turns] == expected


def test_a_line_separator_inside_a_json_string_is_read_as_a_space_of_the_text(tmp_path):
    # JSON allows U+2028 raw inside a string: the file is read (not cut into lines), the segment whole
    p = tmp_path / "whisper.json"
    p.write_text(json.dumps({"text": "x", "segments": [{"start": 0.0, "end": 2.0, "text": "Hei\u2028der."}]},
                            ensure_ascii=False), encoding="utf-8")
    assert [t.text for t in read_file(p).turns] == ["Hei der."]


# ------------------------------------------------------------------------------------- text boxes

BOX = "Faktaboks: Avtalen gjelder i fem år."


def _docx_with_box(tmp_path, *, in_table: bool = False, only_box: bool = False):
    import docx
    from docx.oxml import parse_xml

    d = docx.Document()
    box = parse_xml(TEXT_BOX_RUN % NAMESPACES)
    if only_box:
        d.add_paragraph("")._p.append(box)
    elif in_table:
        t = d.add_table(rows=4, cols=2)
        for row, (a, b) in zip(t.rows, [("Taler", "Tekst")] + [(x, y) for x, y in TURNS[:3]]):
            row.cells[0].text, row.cells[1].text = a, b
        t.rows[2].cells[1].paragraphs[0]._p.append(box)  # anchored in Bjørn Åsmoen's text cell
    else:
        for k, line in enumerate(LINES):
            p = d.add_paragraph(line)
            if k == 1:
                p._p.append(box)  # anchored to Bjørn Åsmoen's paragraph
    p = tmp_path / f"boks{'_tabell' if in_table else ''}{'_bare' if only_box else ''}.docx"
    d.save(p)
    return p


def _odt_with_box(tmp_path, *, in_table: bool = False, only_box: bool = False):
    from odf.draw import Frame, TextBox
    from odf.opendocument import OpenDocumentText
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import P

    def frame(lines):
        f = Frame(width="5cm", height="2cm", anchortype="paragraph")
        box = TextBox()
        for line in lines:
            box.addElement(P(text=line))
        f.addElement(box)
        return f

    doc = OpenDocumentText()
    if only_box:
        anchor = P()
        anchor.addElement(frame(LINES))
        doc.text.addElement(anchor)
    elif in_table:
        table = Table()
        table.addElement(TableColumn(numbercolumnsrepeated=2))
        for k, (a, b) in enumerate([("Taler", "Tekst")] + TURNS[:3]):
            row = TableRow()
            for j, value in enumerate((a, b)):
                cell = TableCell()
                para = P(text=value)
                if k == 2 and j == 1:
                    para.addElement(frame([BOX]))
                cell.addElement(para)
                row.addElement(cell)
            table.addElement(row)
        doc.text.addElement(table)
    else:
        for k, line in enumerate(LINES):
            para = P(text=line)
            if k == 1:
                para.addElement(frame([BOX]))
            doc.text.addElement(para)
    p = tmp_path / f"boks{'_tabell' if in_table else ''}{'_bare' if only_box else ''}.odt"
    doc.save(str(p))
    return p


MAKERS = {"docx": _docx_with_box, "odt": _odt_with_box}


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_a_text_box_anchored_to_a_speakers_paragraph_is_no_speech(tmp_path, fmt):
    parsed = read_file(MAKERS[fmt](tmp_path))
    assert [(t.speaker, t.text) for t in parsed.turns if t.speaker] == TURNS
    assert [(t.speaker, t.heading, t.text) for t in parsed.turns if not t.speaker] == [(None, "Tekstbokser", BOX)]
    assert not parsed.warnings, parsed.warnings  # no "'Faktaboks:' does not recur" warning either
    assert build_canonical(parsed)[0].count("Avtalen gjelder i fem år") == 1


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_a_text_box_in_a_transcript_table_cell_is_no_speech(tmp_path, fmt):
    parsed = read_file(MAKERS[fmt](tmp_path, in_table=True))
    assert [(t.speaker, t.text) for t in parsed.turns if t.speaker] == TURNS[:3]
    assert [(t.heading, t.text) for t in parsed.turns if not t.speaker] == [("Tekstbokser", BOX)]


@pytest.mark.parametrize("fmt", ["docx", "odt"])
def test_a_document_with_text_only_in_a_text_box_is_read_from_it(tmp_path, fmt):
    parsed = read_file(MAKERS[fmt](tmp_path, only_box=True))
    if fmt == "docx":  # the box of TEXT_BOX_RUN: one paragraph, read as the body
        assert [(t.heading, t.text) for t in parsed.turns] == [(None, BOX)]
    else:  # a transcript typed in a text box keeps its speakers
        assert [(t.speaker, t.text) for t in parsed.turns] == TURNS


RICH_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:automatic-styles>
  <style:style style:name="fr1" style:family="graphic"><style:graphic-properties style:wrap="parallel"/></style:style>
 </office:automatic-styles>
 <office:body><office:text>
  <text:p>Intervjuer: Hvordan kom avtalen i stand?</text:p>
  <text:p>Prosjektleder: Vi søkte i 2022, og fikk svar før sommeren.</text:p>
  <text:p><draw:frame draw:style-name="fr1" draw:name="Tekstboks1" text:anchor-type="paragraph" svg:width="5cm" svg:height="2cm"><draw:text-box><text:p>TEKSTBOKS: Sitat til rapporten?</text:p></draw:text-box></draw:frame>Intervjuer: Hvem var med fra starten?</text:p>
  <text:p>Prosjektleder: Ordføreren, rådmannen og meg.</text:p>
 </office:text></office:body>
</office:document>
"""


def test_text_boxes_of_files_saved_by_libreoffice_as_docx_and_odt_are_no_speech(tmp_path):
    source = tmp_path / "rik.fodt"
    source.write_text(RICH_FODT, encoding="utf-8")
    made = libreoffice_convert(tmp_path, [source], "docx") + libreoffice_convert(tmp_path, [source], "odt")
    for path in made:
        parsed = read_file(path)
        assert [(t.speaker, t.text) for t in parsed.turns if t.speaker] == [
            ("Intervjuer", "Hvordan kom avtalen i stand?"),
            ("Prosjektleder", "Vi søkte i 2022, og fikk svar før sommeren."),
            ("Intervjuer", "Hvem var med fra starten?"),
            ("Prosjektleder", "Ordføreren, rådmannen og meg.")], path.name
        assert [(t.heading, t.text) for t in parsed.turns if not t.speaker] == [
            ("Tekstbokser", "TEKSTBOKS: Sitat til rapporten?")], path.name
        assert not any("TEKSTBOKS" in w for w in parsed.warnings), parsed.warnings


# --------------------------------------------------------------------------------- files not read

def test_an_rtf_file_named_on_the_command_line_gets_a_fix(tmp_path):
    p = tmp_path / "intervju.rtf"
    p.write_text("{\\rtf1\\ansi Intervjuer: Hei.\\par}", encoding="ascii")
    with pytest.raises(WorkbenchError) as err:
        read_file(p)
    msg = str(err.value)
    assert msg.startswith("intervju.rtf: unknown file type '.rtf'; supported: ") and "\n" not in msg
    assert msg.endswith("; open it in Word or LibreOffice and save it as .docx")


def test_a_zip_in_a_folder_says_unpack_it_and_hidden_and_office_lock_files_are_skipped_silently(db, tmp_path):
    import zipfile

    folder = tmp_path / "korpus"
    folder.mkdir()
    (folder / "intervju.txt").write_text("\n".join(LINES) + "\n", encoding="utf-8")
    with zipfile.ZipFile(folder / "vedlegg.zip", "w") as z:
        z.writestr("intervju2.txt", "\n".join(LINES) + "\n")
    (folder / "~$intervju.docx").write_bytes(b"\x05lock")     # Word's lock file
    (folder / ".DS_Store").write_bytes(b"\x00\x00\x00\x01Bud1")  # macOS
    (folder / "._intervju.txt").write_bytes(b"\x00\x05\x16\x07")  # macOS resource fork on a USB stick
    (folder / ".skjult.txt").write_text("Intervjuer: skjult\n", encoding="utf-8")
    report = ingest_paths(db, [folder], user="anna")
    assert report.added == ["intervju.txt"] and not report.errors
    skipped = [w for w in report.warnings if "skipped" in w]
    assert len(skipped) == 1 and skipped[0].startswith("vedlegg.zip: skipped, unknown file type .zip; ")
    assert skipped[0].endswith("; unpack it and ingest the folder")


def test_the_command_line_names_the_fix_for_a_zip(tmp_path):
    import zipfile

    from workbench.cli import cli

    p = tmp_path / "vedlegg.zip"

    with zipfile.ZipFile(p, "w") as z:
        z.writestr("a.txt", "hei")
    result = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'wb.db'}", "--user", "tester", "ingest", str(p)])
    assert result.exit_code == 1
    assert "vedlegg.zip: unknown file type '.zip'" in result.output
    assert "unpack it and ingest the folder" in result.output
