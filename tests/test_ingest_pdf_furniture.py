"""PDF transcripts saved by LibreOffice whose header or footer is not on every page: a different
footer on the last page, a footer on all pages but the last, a header on all pages but the first, page
numbers in their common forms, dates, a footer in a smaller font or right under the text. The header
and footer never become speech (the last speaker's turn, the turn running over a page break), and
body text that runs down to the bottom of a full page stays in its turn.

Every file is written by the test (OpenDocument flat XML and Word, saved as PDF by LibreOffice in one
run), with fictional Norwegian text (no real persons); every turn's text is checked."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from tests.test_ingest_file_layouts import libreoffice_convert
from workbench.ingest import read_file

SUBJECTS = ["kommunen", "fylket", "staten", "styringsgruppa", "næringslivet", "ungdommen", "skolen", "nettverket"]
VERBS = ["har vært viktig for", "har snakket mye om", "har lite kontakt med", "har brukt penger på",
         "venter fortsatt på", "har fått hjelp til"]
OBJECTS = ["nye boliger", "arbeidsplasser i bygda", "vegen over fjellet", "planen for sentrum",
           "tilliten til staten", "møtene med departementet", "samarbeidet i regionen"]
SPEAKERS = ["Intervjuer", "Ordfører", "Intervjuer", "Kommunedirektør"]


def _turns(count: int, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` turns of one to ten sentences each (some run over several lines and pages)."""
    out, k = [], seed
    for i in range(count):
        sentences = []
        for _ in range([1, 3, 6, 10, 2, 4][(i + seed) % 6]):
            sentences.append(f"{SUBJECTS[k % 8].capitalize()} {VERBS[(k // 8) % 6]} {OBJECTS[(k // 3) % 7]}.")
            k += 1
        out.append((SPEAKERS[i % 4], " ".join(sentences)))
    return out


FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:styles>
  <style:default-style style:family="paragraph"><style:text-properties fo:font-size="11pt"/></style:default-style>
  <style:style style:name="Standard" style:family="paragraph" style:class="text">
   <style:paragraph-properties fo:margin-bottom="{para_gap}"/></style:style>
  <style:style style:name="Topp og bunn" style:family="paragraph"><style:text-properties fo:font-size="{edge_size}"/></style:style>
 </office:styles>
 <office:automatic-styles>
  <style:page-layout style:name="pm1"><style:page-layout-properties fo:page-width="21cm" fo:page-height="29.7cm"
    fo:margin-top="2cm" fo:margin-bottom="2cm" fo:margin-left="2.5cm" fo:margin-right="2.5cm"/>
   <style:header-style><style:header-footer-properties fo:min-height="0cm" fo:margin-bottom="{edge_gap}"/></style:header-style>
   <style:footer-style><style:header-footer-properties fo:min-height="0cm" fo:margin-top="{edge_gap}"/></style:footer-style>
  </style:page-layout>
  <style:style style:name="Forside" style:family="paragraph" style:parent-style-name="Standard" style:master-page-name="Forside"/>
  <style:style style:name="Siste" style:family="paragraph" style:parent-style-name="Standard" style:master-page-name="Siste"/>
 </office:automatic-styles>
 <office:master-styles>
{masters}
 </office:master-styles>
 <office:body><office:text>
{body}
 </office:text></office:body>
</office:document>
"""
PAGE = '<text:page-number text:select-page="current"/>'
PAGES = '<text:page-count/>'
BY = "Transkribert av Lydskrift Nord AS"
HEADER = "Fokusgruppe Fjelldalen – 12.03.2024"


@dataclass
class Layout:
    """A transcript's page styles: (name, header lines, footer lines, next page style); the first
    turn starts the page style "Forside" when there is one, turn ``last`` starts the page style "Siste"
    on a page of its own (a page break with a page style, as a writer makes a different last page)."""
    masters: list[tuple[str, list[str], list[str], str]]
    turns: int = 40
    seed: int = 0
    last: int | None = None
    edge_gap: str = "0.5cm"  # between the header/footer and the text (LibreOffice's "Spacing")
    edge_size: str = "11pt"
    para_gap: str = "0.2cm"
    pages: int | None = None  # how many pages the layout needs to show what it is about
    moved: list[str] = field(default_factory=list)  # furniture seen by its place: kept as title lines
    furniture: list[str] = field(default_factory=list)  # texts that must be in no turn


def _master(name: str, header: list[str], footer: list[str], nxt: str) -> str:
    out = f'  <style:master-page style:name="{name}" style:page-layout-name="pm1" style:next-style-name="{nxt}">'
    for tag, lines in (("header", header), ("footer", footer)):
        if lines:
            out += (f"<style:{tag}>" + "".join(f'<text:p text:style-name="Topp og bunn">{t}</text:p>' for t in lines)
                    + f"</style:{tag}>")
    return out + "</style:master-page>"


def _fodt(path: Path, layout: Layout) -> Path:
    first = any(m[0] == "Forside" for m in layout.masters)
    body = []
    for i, (who, text) in enumerate(_turns(layout.turns, layout.seed)):
        style = "Forside" if first and i == 0 else "Siste" if i == layout.last else "Standard"
        body.append(f'<text:p text:style-name="{style}">{escape(who)}: {escape(text)}</text:p>')
    if layout.last == layout.turns:  # the last page style on an empty page after the text
        body.append('<text:p text:style-name="Siste"/>')
    path.write_text(FODT.format(masters="\n".join(_master(*m) for m in layout.masters), body="\n".join(body),
                                edge_gap=layout.edge_gap, edge_size=layout.edge_size, para_gap=layout.para_gap),
                    encoding="utf-8")
    return path


LAYOUTS = {
    # the last page has a footer of its own
    "annen_bunntekst_siste_side": Layout(
        [("Standard", [], [BY], "Standard"), ("Siste", [], ["Slutt på transkripsjonen"], "Siste")], last=37,
        pages=4, moved=["Slutt på transkripsjonen"], furniture=["Lydskrift", "Slutt på"]),
    # ... also on a page of its own after the text
    "annen_bunntekst_paa_tom_siste_side": Layout(
        [("Standard", [], [BY], "Standard"), ("Siste", [], ["Slutt på transkripsjonen"], "Siste")], last=40,
        pages=4, moved=["Slutt på transkripsjonen"], furniture=["Lydskrift", "Slutt på"]),
    # the same right under the text (no spacing) ...
    "tett_bunntekst": Layout(
        [("Standard", [], [BY], "Standard"), ("Siste", [], ["Lydskrift Nord AS, 2024"], "Siste")], last=37,
        edge_gap="0cm", pages=4, moved=["Lydskrift Nord AS, 2024"], furniture=["Lydskrift"]),
    # ... and in a smaller font with a date, the page number on all pages but the last
    "liten_bunntekst_med_dato": Layout(
        [("Standard", [], [f"Fjelldalen 12.03.2024 · Side {PAGE} av {PAGES}"], "Standard"),
         ("Siste", [], ["Fjelldalen 12.03.2024"], "Siste")], last=37, edge_size="8pt", pages=4,
        moved=["Fjelldalen 12.03.2024"], furniture=["Fjelldalen", "12.03.2024", "Side "]),
    # two lines of header and footer, all different on the last page
    "to_linjer_annen_siste_side": Layout(
        [("Standard", [HEADER], [BY, f"Side {PAGE} av {PAGES}"], "Standard"),
         ("Siste", ["Fjelldalen"], ["Slutt på transkripsjonen", "Lydskrift Nord AS, 12.03.2024"], "Siste")],
        turns=50, last=40, pages=4, moved=["Fjelldalen", "Slutt på transkripsjonen", "Lydskrift Nord AS, 12.03.2024"],
        furniture=["Fjelldalen", "Lydskrift", "Slutt på", "Side "]),
    # the footer on all pages but the last (three pages: on two of them)
    "bunntekst_ikke_paa_siste_side": Layout(
        [("Standard", [], [BY], "Standard"), ("Siste", [], [], "Siste")], turns=22, seed=5, last=21, pages=3,
        furniture=["Lydskrift"]),
    # the footer on the first page of two only: the first page is full, its footer cannot repeat
    "bunntekst_bare_paa_forste_side": Layout(
        [("Standard", [], [BY], "Siste"), ("Siste", [], [], "Siste")], turns=22, seed=5, pages=2,
        moved=[BY], furniture=["Lydskrift"]),
    # the header on all pages but the first: on one page of two, on two of three, on three of four
    "topptekst_ikke_paa_forsiden_to_sider": Layout(
        [("Forside", [], [], "Standard"), ("Standard", [HEADER], [], "Standard")], turns=22, seed=5, pages=2,
        moved=[HEADER], furniture=["Fokusgruppe", "12.03.2024"]),
    "topptekst_ikke_paa_forsiden_tre_sider": Layout(
        [("Forside", [], [], "Standard"), ("Standard", [HEADER], [], "Standard")], turns=40, seed=5, pages=3,
        furniture=["Fokusgruppe", "12.03.2024"]),
    "topptekst_ikke_paa_forsiden_fire_sider": Layout(
        [("Forside", [], [], "Standard"), ("Standard", [HEADER], [f"Side {PAGE} av {PAGES}"], "Standard")],
        turns=54, pages=4, furniture=["Fokusgruppe", "12.03.2024", "Side "]),
    # a header of its own on the first page
    "annen_topptekst_paa_forsiden": Layout(
        [("Forside", ["KONFIDENSIELT"], [], "Standard"), ("Standard", [HEADER], [f"- {PAGE} -"], "Standard")],
        turns=54, pages=4, moved=["KONFIDENSIELT"], furniture=["KONFIDENSIELT", "Fokusgruppe", "- "]),
    # page numbers alone, and a different footer on the last page
    "sidetall_alene": Layout(
        [("Standard", [], [PAGE], "Standard"), ("Siste", [], ["Lydskrift Nord AS"], "Siste")], last=37, pages=4,
        moved=["Lydskrift Nord AS"], furniture=["Lydskrift"]),
    "sidetall_med_skraastrek_og_dato": Layout(
        [("Standard", [], [f"12.03.2024 · {PAGE}/{PAGES}"], "Standard"), ("Siste", [], ["12. mars 2024"], "Siste")],
        last=37, pages=4, moved=["12. mars 2024"], furniture=["2024"]),
    # body text that sits at the bottom of a full page stays in its turn: the last pages have no
    # footer and their text runs down into the place of the other pages' footer
    "full_side_uten_bunntekst": Layout(
        [("Standard", [], [BY], "Standard"), ("Siste", [], [], "Siste")], last=20, pages=4, furniture=["Lydskrift"]),
    "full_side_uten_tett_bunntekst": Layout(
        [("Standard", [], [BY], "Standard"), ("Siste", [], [], "Siste")], last=20, edge_gap="0cm", pages=4,
        furniture=["Lydskrift"]),
    # ... and with no header or footer at all, with and without space between the turns
    "uten_topp_og_bunntekst": Layout([("Standard", [], [], "Standard")], pages=3),
    "uten_topp_og_bunntekst_tett": Layout([("Standard", [], [], "Standard")], para_gap="0cm", pages=3),
}


def _docx(path: Path) -> Path:
    """A Word transcript: "different first page" (no header or footer there), a header and footer on
    the pages after it, and a last section whose footer differs."""
    import docx
    from docx.enum.section import WD_SECTION
    from docx.shared import Pt

    d = docx.Document()
    d.styles["Normal"].font.size = Pt(11)
    section = d.sections[0]
    section.different_first_page_header_footer = True
    section.header.paragraphs[0].text = "Intervju med ordfører – Fjelldalen kommune"
    section.footer.paragraphs[0].text = BY
    for i, (who, text) in enumerate(DOCX_TURNS):
        if i == 30:
            section = d.add_section(WD_SECTION.NEW_PAGE)
            section.different_first_page_header_footer = False
            section.footer.is_linked_to_previous = False
            section.footer.paragraphs[0].text = "Slutt på transkripsjonen"
        d.add_paragraph(f"{who}: {text}")
    d.save(str(path))
    return path


DOCX_TURNS = _turns(36, 7)


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory) -> dict[str, Path]:
    """Every layout saved as PDF by LibreOffice, in one run."""
    folder = tmp_path_factory.mktemp("furniture")
    sources = [_fodt(folder / f"{name}.fodt", layout) for name, layout in LAYOUTS.items()]
    sources.append(_docx(folder / "word_forside_og_siste_seksjon.docx"))
    return {path.stem: path for path in libreoffice_convert(folder, sources)}


def _page_count(path: Path) -> int:
    from pypdf import PdfReader

    return len(PdfReader(str(path)).pages)


@pytest.mark.parametrize("name", list(LAYOUTS))
def test_header_and_footer_not_on_every_page_never_join_a_turn(pdfs, name):
    layout = LAYOUTS[name]
    path = pdfs[name]
    if layout.pages:
        assert _page_count(path) == layout.pages, "the layout does not show what the test is about"
    parsed = read_file(path)
    assert parsed.kind_hint == "transcript"
    assert [(t.speaker, t.text) for t in parsed.turns] == _turns(layout.turns, layout.seed)
    assert parsed.preamble == layout.moved  # furniture seen by its place is kept, as title lines
    for text in layout.furniture:
        assert not any(text in t.text for t in parsed.turns), text


def test_word_transcript_with_a_different_first_page_and_last_section(pdfs):
    path = pdfs["word_forside_og_siste_seksjon"]
    assert _page_count(path) >= 4
    parsed = read_file(path)
    assert [(t.speaker, t.text) for t in parsed.turns] == DOCX_TURNS
    assert parsed.preamble == ["Slutt på transkripsjonen"]
    assert not any("Fjelldalen kommune" in t.text or "Lydskrift" in t.text or "Slutt på" in t.text
                   for t in parsed.turns)


def test_a_turn_running_over_a_page_break_is_one_paragraph(pdfs):
    # a sentence cut by the page break goes on with a space, not as a new paragraph of the turn
    parsed = read_file(pdfs["uten_topp_og_bunntekst"])
    assert not any("\n" in t.text for t in parsed.turns)
    assert len({t.page for t in parsed.turns}) == 3
