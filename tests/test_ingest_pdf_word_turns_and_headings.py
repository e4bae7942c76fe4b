"""Turns and headings that PDF and Word transcripts must keep:

- a PDF's running-header removal never takes a speaker's turn: "Intervjuer: Spørsmål 7: ..." at the
  place of "Intervjuer: Spørsmål 1: ..." on the page before differs only by a number, yet it is speech;
  a line repeated at a page edge that reads like speech is never dropped in silence;
- a PDF transcript of short one-line turns gives the same turns as the Word file it was saved from;
- in Word (and OpenDocument), a short paragraph all in bold right above a turn ("Samarbeid med
  staten") is the heading of the turns under it, not text of the turn before (as in the PDF of the
  same file);
- a paragraph between two Word transcript tables ("DEL 2: SAMARBEID", a bold "Fase 3", a plain
  "Fase 2") is the heading of the rows under it, not a segment without a speaker.

Every file is written by the test (python-docx, saved as PDF by LibreOffice in one run, or drawn by
fpdf2), with fictional Norwegian text (no real persons)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_ingest_file_layouts import libreoffice_convert
from workbench.ingest import read_file

TITLE = "Fokusgruppe Fjellbygd"
ANSWERS = ["Vi fikk en fast kontaktperson i fylket.", "Det tok lang tid før staten kom med.",
           "Næringslivet var skeptisk i starten.", "Vi har hatt møter hver måned siden høsten.",
           "Ungdommen har vært mer med enn vi trodde.", "Planen for sentrum er nesten ferdig.",
           "Vegen over fjellet er fortsatt et problem.", "Skolen har fått nye lærere.",
           "Tilliten til fylket har økt.", "Det var alt, tror jeg."]
# questions 1-6 and answers 1-5 on page 1 (under the title), answer 6 starts page 2: question 7 is
# the second line of page 2, where question 1 is on page 1
QUESTIONS = [("Intervjuer", f"Spørsmål {n}: Hvordan vurderer du samarbeidet?") for n in range(1, 11)]
NUMBERED = [turn for n in range(10) for turn in (QUESTIONS[n], ("Informant 1", ANSWERS[n]))]
SHORT = [("Intervjuer", "Hvordan startet det?"), ("Informant 1", "Med et møte."),
         ("Intervjuer", "Hva skjedde i fase 2?"), ("Informant 1", "Mer ansvar."),
         ("Intervjuer", "Og til slutt?"), ("Informant 1", "Takk.")]
BOLD_HEADED = [
    (None, "Intervju med prosjektleder, Dalbygd, 4. april 2024"),
    (None, "Intervjuer: Hvordan startet det?"),
    (None, "Informant: Det startet med at fylket inviterte oss til et møte om bygdevekstavtaler høsten 2021."),
    ("bold", "Samarbeid med staten"),
    ("bold", "Intervjuer: Og staten?"),  # a question in bold: a turn, not a heading
    (None, "Informant: Mindre. De kom inn senere, gjennom Husbanken og Statens vegvesen."),
    ("bold", "Avslutning"),
    (None, "Intervjuer: Takk."),
    (None, "Informant: Bare hyggelig."),
]
BOLD_HEADED_TURNS = [
    ("Intervjuer", "Hvordan startet det?", None),
    ("Informant", "Det startet med at fylket inviterte oss til et møte om bygdevekstavtaler høsten 2021.", None),
    ("Intervjuer", "Og staten?", "Samarbeid med staten"),
    ("Informant", "Mindre. De kom inn senere, gjennom Husbanken og Statens vegvesen.", "Samarbeid med staten"),
    ("Intervjuer", "Takk.", "Avslutning"),
    ("Informant", "Bare hyggelig.", "Avslutning"),
]


def _numbered_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph(TITLE)
    for i, (who, text) in enumerate(NUMBERED):
        p = d.add_paragraph(f"{who}: {text}")
        if i == 11:  # answer 6
            p.paragraph_format.page_break_before = True
    d.save(str(path))
    return path


def _short_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.add_paragraph(TITLE)
    for who, text in SHORT:
        d.add_paragraph(f"{who}: {text}")
    d.save(str(path))
    return path


def _bold_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    for style, text in BOLD_HEADED:
        d.add_paragraph().add_run(text).bold = style == "bold"
    d.save(str(path))
    return path


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("turns_and_headings")
    sources = [_numbered_docx(folder / "nummererte_spoersmaal.docx"), _short_docx(folder / "korte_turer.docx"),
               _bold_docx(folder / "fet_overskrift.docx")]
    return {path.stem: path for path in libreoffice_convert(folder, sources)}


def _line_heights(path: Path, start: str) -> list[tuple[int, float]]:
    from workbench.ingest.readers.pdf import _read_pages

    pages, _, _ = _read_pages(path)
    return [(p, ln.y) for p, lines in enumerate(pages, start=1) for ln in lines if ln.text.startswith(start)]


# ------------------------------------------------------------------- PDF: running lines and turns

@pytest.mark.parametrize("roster", [None, {"Intervjuer", "Informant 1"}])
def test_pdf_numbered_questions_at_the_same_place_on_two_pages_are_turns_not_a_running_header(pdfs, roster):
    path = pdfs["nummererte_spoersmaal"]
    first, seventh = (_line_heights(path, f"Intervjuer: Spørsmål {n}:")[0] for n in (1, 7))
    assert (first[0], seventh[0]) == (1, 2) and abs(first[1] - seventh[1]) < 1, "the layout does not show it"
    parsed = read_file(path, roster)
    assert parsed.kind_hint == "transcript"
    assert [(t.speaker, t.text) for t in parsed.turns] == NUMBERED
    assert [t.page for t in parsed.turns if t.text.startswith("Spørsmål 7:")] == [2]
    assert parsed.preamble == [TITLE]
    assert not parsed.warnings


def test_pdf_transcript_of_short_one_line_turns_gives_the_turns_of_its_word_file(pdfs, tmp_path):
    parsed = read_file(pdfs["korte_turer"])
    assert parsed.kind_hint == "transcript"
    assert [(t.speaker, t.text) for t in parsed.turns] == SHORT
    assert parsed.preamble == [TITLE]
    word = read_file(_short_docx(tmp_path / "korte_turer.docx"))
    assert [(t.speaker, t.text) for t in word.turns] == SHORT


def test_pdf_list_of_fields_and_values_is_still_a_document(tmp_path):
    import fpdf

    fields = [("Kommune", "Fjellbygd"), ("Telefon", "22 33 44 55"), ("Kontakt", "Kari Fjellstad"),
              ("Adresse", "Storgata 1"), ("Kommune", "Dalbygd"), ("Telefon", "22 33 44 66"),
              ("Kontakt", "Per Dalen"), ("Adresse", "Kirkevegen 2")]
    pdf = fpdf.FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=11)
    for i, (key, value) in enumerate(fields):
        pdf.set_xy(20, 20 + 9 * i)
        pdf.cell(0, 6, f"{key}: {value}")
    path = tmp_path / "kontakter.pdf"
    pdf.output(str(path))
    assert read_file(path).kind_hint == "dokument"


def _two_pages(path: Path, pages: list[list[str]]) -> Path:
    """Lines drawn at the same heights on every page (fpdf2): line k of a page where line k of the
    other pages is."""
    import fpdf

    pdf = fpdf.FPDF()
    pdf.set_auto_page_break(False)
    for lines in pages:
        pdf.add_page()
        pdf.set_font("Helvetica", size=11)
        for k, text in enumerate(lines):
            pdf.set_xy(20, 20 + 7 * k)
            pdf.cell(0, 6, text)
    pdf.output(str(path))
    return path


def test_pdf_speech_under_a_label_alone_at_the_same_place_on_two_pages_stays_a_turn(tmp_path):
    speech = ["Samarbeidet med fylket i fase {} har gått bra, men det tok tid.".format(n) for n in (1, 2)]
    pages = [[TITLE, "INTERVJUER", "Hvordan startet det?", "INFORMANT", "Med et møte.",
              "INTERVJUER", "Hvordan gikk det i fase 1?", "INFORMANT", speech[0]],
             ["INTERVJUER", "Hvordan gikk det i fase 2?", "INFORMANT", "Bedre.",
              "INTERVJUER", "Og hva med staten?", "Kom de med?", "INFORMANT", speech[1]]]
    parsed = read_file(_two_pages(tmp_path / "etiketter_alene.pdf", pages))
    assert [(t.speaker, t.text) for t in parsed.turns] == [
        ("INTERVJUER", "Hvordan startet det?"), ("INFORMANT", "Med et møte."),
        ("INTERVJUER", "Hvordan gikk det i fase 1?"), ("INFORMANT", speech[0]),
        ("INTERVJUER", "Hvordan gikk det i fase 2?"), ("INFORMANT", "Bedre."),
        ("INTERVJUER", "Og hva med staten? Kom de med?"), ("INFORMANT", speech[1])]
    assert parsed.preamble == [TITLE]
    assert not parsed.warnings


def test_pdf_line_that_reads_like_speech_taken_as_a_running_footer_is_never_dropped_in_silence(tmp_path):
    # the same sentence (its number aside) at the foot of both pages: it cannot be told from a
    # running footer, so it goes to the title lines (the source text) with a warning naming it
    pages = [[TITLE, "Intervjuer: Hvordan gikk det i fase 1?", "Informant 1: Det gikk bra.",
              "Vi hadde møter med fylket om planen i uke 12 og i uke 14."],
             ["Intervjuer: Hvordan gikk det i fase 2?", "Informant 1: Det gikk enda bedre.", "Intervjuer: Takk.",
              "Vi hadde møter med fylket om planen i uke 20 og i uke 22."]]
    path = _two_pages(tmp_path / "setning_nederst.pdf", pages)
    parsed = read_file(path)
    assert [(t.speaker, t.text) for t in parsed.turns] == [
        ("Intervjuer", "Hvordan gikk det i fase 1?"), ("Informant 1", "Det gikk bra."),
        ("Intervjuer", "Hvordan gikk det i fase 2?"), ("Informant 1", "Det gikk enda bedre."),
        ("Intervjuer", "Takk.")]
    assert parsed.preamble == [TITLE, pages[0][-1], pages[1][-1]]
    assert parsed.warnings == [
        "setning_nederst.pdf: 2 lines repeated at the same place on the pages ('Vi hadde møter med fylket om "
        "planen i uke 12 og i uke 14.' ...) were read as a running header or footer and kept out of the turns "
        "(in the source text's title lines); if they are speech, ingest the file the PDF was made from (.docx)"]


# --------------------------------------------------------------------- Word: bold headings

def test_word_bold_paragraph_above_a_turn_is_the_heading_of_the_turns_under_it(tmp_path):
    parsed = read_file(_bold_docx(tmp_path / "fet_overskrift.docx"))
    assert [(t.speaker, t.text, t.heading) for t in parsed.turns] == BOLD_HEADED_TURNS
    assert parsed.preamble == ["Intervju med prosjektleder, Dalbygd, 4. april 2024"]


def test_pdf_of_the_word_file_with_bold_headings_gives_the_same_turns_and_headings(pdfs):
    parsed = read_file(pdfs["fet_overskrift"])
    assert [(t.speaker, t.text, t.heading) for t in parsed.turns] == BOLD_HEADED_TURNS


def test_odt_bold_paragraph_above_a_turn_is_the_heading_of_the_turns_under_it(tmp_path):
    # saved by LibreOffice: the bold is an automatic text style ("T1"), as in the Word file's .odt
    odt = libreoffice_convert(tmp_path, [_bold_docx(tmp_path / "fet_overskrift.docx")], "odt")[0]
    parsed = read_file(odt)
    assert [(t.speaker, t.text, t.heading) for t in parsed.turns] == BOLD_HEADED_TURNS


def test_word_bold_text_that_is_no_heading_stays_in_its_turn(tmp_path):
    import docx

    d = docx.Document()
    d.add_paragraph("Intervjuer: Hva var viktigst?")
    d.add_paragraph("Informant: Det var tre ting.")
    d.add_paragraph().add_run("Penger, folk og tid").bold = True  # not above a turn: emphasis in the answer
    d.add_paragraph("og at fylket var med.")
    d.add_paragraph("Intervjuer: Takk.")
    path = tmp_path / "fet_tekst.docx"
    d.save(str(path))
    parsed = read_file(path)
    assert [(t.speaker, t.text.split("\n"), t.heading) for t in parsed.turns] == [
        ("Intervjuer", ["Hva var viktigst?"], None),
        ("Informant", ["Det var tre ting.", "Penger, folk og tid", "og at fylket var med."], None),
        ("Intervjuer", ["Takk."], None)]


# ----------------------------------------------------------- Word: headings between tables

def _table(d, rows: list[tuple[str, str]]) -> None:
    table = d.add_table(rows=0, cols=2)
    for who, text in [("Taler", "Tekst")] + rows:
        cells = table.add_row().cells
        cells[0].text, cells[1].text = who, text


@pytest.mark.parametrize("between", ["DEL 2: SAMARBEID", "bold:Fase 2", "Heading 2:Fase 2", "Fase 2"])
def test_word_paragraph_between_transcript_tables_is_the_heading_of_the_rows_under_it(tmp_path, between):
    import docx

    d = docx.Document()
    d.add_paragraph(TITLE)
    _table(d, [("Intervjuer", "Hvordan startet det?"), ("Informant 1", "Med et møte.")])
    style, _, text = between.rpartition(":") if between.startswith(("bold:", "Heading")) else ("", "", between)
    if style == "bold":
        d.add_paragraph().add_run(text).bold = True
    else:
        d.add_paragraph(text, style=style or None)
    d.add_paragraph("")
    _table(d, [("Intervjuer", "Hva skjedde i fase 2?"), ("Informant 1", "Mer ansvar.")])
    d.add_paragraph("Fortsatt samtale etter tabellen.")
    _table(d, [("Intervjuer", "Og fase 3?"), ("Informant 1", "Ikke startet.")])
    path = tmp_path / "tabeller.docx"
    d.save(str(path))
    parsed = read_file(path)
    assert [(t.speaker, t.text, t.heading) for t in parsed.turns] == [
        ("Intervjuer", "Hvordan startet det?", None), ("Informant 1", "Med et møte.", None),
        ("Intervjuer", "Hva skjedde i fase 2?", text), ("Informant 1", "Mer ansvar.", text),
        (None, "Fortsatt samtale etter tabellen.", text),  # a sentence between tables is text, not a heading
        ("Intervjuer", "Og fase 3?", text), ("Informant 1", "Ikke startet.", text)]
    assert parsed.preamble == [TITLE]


@pytest.mark.parametrize("roster", [None, {"Intervjuer", "Informant 1"}])
def test_word_turn_between_transcript_tables_stays_a_turn(tmp_path, roster):
    """«Intervjuer: Da tar vi en kort pause her» between two tables is the interviewer speaking, with
    or without a roster: a short line without a full stop, yet never a heading."""
    import docx

    d = docx.Document()
    _table(d, [("Intervjuer", "Hvordan startet det?"), ("Informant 1", "Med et møte.")])
    d.add_paragraph("Intervjuer: Da tar vi en kort pause her")
    _table(d, [("Intervjuer", "Vi er tilbake. Hva med kapasiteten?"), ("Informant 1", "Den er for liten.")])
    path = tmp_path / "pause.docx"
    d.save(str(path))
    parsed = read_file(path, roster)
    # with a roster the line is the interviewer's turn; without one, a label heard once outside the
    # tables is kept as a line of text (as elsewhere), and never as the heading of the rows under it
    between = ("Intervjuer", "Da tar vi en kort pause her") if roster else (None, "Intervjuer: Da tar vi en kort pause her")
    assert [(t.speaker, t.text, t.heading) for t in parsed.turns] == [
        ("Intervjuer", "Hvordan startet det?", None), ("Informant 1", "Med et møte.", None), (*between, None),
        ("Intervjuer", "Vi er tilbake. Hva med kapasiteten?", None), ("Informant 1", "Den er for liten.", None)]


def test_word_question_in_bold_above_a_turn_is_the_interviewers_speech_not_a_heading(tmp_path):
    """Interviewers' questions are often set in bold; one that follows the interviewer's label line is
    part of that turn."""
    import docx

    d = docx.Document()
    d.add_paragraph("Intervjuer: Velkommen, og takk for at du stiller opp i dag.")
    d.add_paragraph().add_run("Hvordan startet samarbeidet med staten?").bold = True
    d.add_paragraph("Informant: Det startet med et møte i 2019.")
    d.add_paragraph("Intervjuer: Og nå?")
    d.add_paragraph("Informant: Nå går det bedre.")
    path = tmp_path / "fet_sporsmal.docx"
    d.save(str(path))
    parsed = read_file(path)
    assert [(t.speaker, t.text.split("\n"), t.heading) for t in parsed.turns] == [
        ("Intervjuer", ["Velkommen, og takk for at du stiller opp i dag.", "Hvordan startet samarbeidet med staten?"],
         None),
        ("Informant", ["Det startet med et møte i 2019."], None),
        ("Intervjuer", ["Og nå?"], None), ("Informant", ["Nå går det bedre."], None)]
