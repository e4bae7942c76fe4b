"""PDF pages whose text cannot be read, and text boxes the body text flows around.

- A scanned (image-only) page among pages with text is read as empty with a warning naming it; a
  blank page is not warned about.
- A page whose compressed content is damaged (pypdf only logs it and reads the page as empty) is an
  error for the file naming the page and the reason: nothing of the file is stored.
- A LibreOffice text box (frame) placed left, right or in the centre, with the body text wrapping
  around it, beside it or running through it, anchored to the first, a middle or the last paragraph,
  is a segment under "Tekstbokser", never speech of the turn it stands beside, and every turn's text
  stays as written.

Every file is written by the test (fpdf2, or OpenDocument flat XML saved as PDF by LibreOffice in one
run, skipped without it), with fictional Norwegian text (no real persons)."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from click.testing import CliRunner

from tests.test_ingest_file_layouts import libreoffice_convert
from workbench.cli import cli
from workbench.errors import WorkbenchError
from workbench.ingest import read_file

PAGE_TURNS = [
    [("Intervjuer", "Hvordan kom bygdevekstavtalen i stand i Fjelldalen?"),
     ("Ordfører", "Fylket tok kontakt tidlig, og vi ville være med fra starten av."),
     ("Intervjuer", "Hva har avtalen betydd for kommunen?")],
    [("Ordfører", "Vi har fått en arena for å snakke med staten om boliger og arbeidsplasser."),
     ("Intervjuer", "Og næringslivet?"),
     ("Ordfører", "Det har vært krevende å få dem med, men det går bedre nå.")],
    [("Intervjuer", "Takk for praten."),
     ("Ordfører", "Takk selv.")],
]


def _pdf(path: Path, pages: list[str | list[tuple[str, str]]]) -> Path:
    """A PDF with a page per item: turns as text lines, "scan" an image of text only, "blank" nothing."""
    import fpdf
    from PIL import Image, ImageDraw

    pdf = fpdf.FPDF()
    pdf.set_auto_page_break(False)
    for item in pages:
        pdf.add_page()
        if item == "scan":
            image = Image.new("RGB", (620, 877), "white")
            draw = ImageDraw.Draw(image)
            for i in range(12):
                draw.text((40, 40 + 30 * i), f"Ordfører: linje {i + 1} av en skannet side.", fill="black")
            pdf.image(image, x=0, y=0, w=210, h=297)
        elif item != "blank":
            pdf.set_font("Helvetica", size=11)
            y = 20
            for who, text in item:
                pdf.set_xy(20, y)
                pdf.cell(0, 6, f"{who}: {text}")
                y += 9
    pdf.output(str(path))
    return path


def _expected(pages) -> list[tuple[str, str, int]]:
    return [(who, text, number) for number, item in enumerate(pages, start=1) if isinstance(item, list)
            for who, text in item]


def test_a_scanned_page_among_pages_with_text_is_named_in_a_warning(tmp_path):
    pages = [PAGE_TURNS[0], PAGE_TURNS[1], "scan", PAGE_TURNS[2]]
    parsed = read_file(_pdf(tmp_path / "med_skannet_side.pdf", pages))
    assert [(t.speaker, t.text, t.page) for t in parsed.turns] == _expected(pages)
    assert [w for w in parsed.warnings if "page" in w] == [
        "med_skannet_side.pdf: page 3 has no text (a scanned image?) – 3 of 4 pages read; its content is "
        "not in the source: run OCR on the PDF (or ingest the file it was made from) if it holds text "
        "that belongs there"]


def test_two_scanned_pages_are_named_in_one_warning_and_a_blank_page_in_none(tmp_path):
    pages = ["scan", PAGE_TURNS[0], "blank", PAGE_TURNS[1], "scan", PAGE_TURNS[2]]
    parsed = read_file(_pdf(tmp_path / "skannet.pdf", pages))
    assert [(t.speaker, t.text, t.page) for t in parsed.turns] == _expected(pages)
    assert [w for w in parsed.warnings if "page" in w] == [
        "skannet.pdf: pages 1 and 5 have no text (scanned images?) – 4 of 6 pages read; their content is "
        "not in the source: run OCR on the PDF (or ingest the file it was made from) if it holds text "
        "that belongs there"]
    blank = read_file(_pdf(tmp_path / "blank.pdf", [PAGE_TURNS[0], "blank", PAGE_TURNS[1]]))
    assert not any("page" in w for w in blank.warnings)


def _damage_page(path: Path, number: int) -> None:
    """Overwrite the compressed content stream of page ``number`` (1-based) with bytes zlib rejects."""
    from pypdf import PdfReader

    stream = PdfReader(str(path)).pages[number - 1]["/Contents"].get_object()
    raw = stream._data  # the compressed bytes as stored in the file
    data = path.read_bytes()
    assert data.count(raw) == 1
    path.write_bytes(data.replace(raw, raw[:1] + b"\xff" * (len(raw) - 1)))


def test_a_page_with_a_damaged_stream_is_an_error_naming_the_page_and_nothing_is_stored(tmp_path):
    path = _pdf(tmp_path / "skadet.pdf", PAGE_TURNS)
    _damage_page(path, 2)
    with pytest.raises(WorkbenchError) as err:
        read_file(path)
    message = str(err.value)
    assert message.startswith("skadet.pdf: page 2 of 3 is damaged and its text cannot be read (")
    assert "decompress" in message and "\n" not in message
    assert message.endswith("nothing of the file is stored, as its text would lack that page; save or "
                            "export the PDF again from the file it was made from")


def test_ingest_of_a_pdf_with_a_damaged_page_stores_nothing_and_exits_1(tmp_path, db, monkeypatch):
    monkeypatch.setenv("WORKBENCH_DB", db.url)
    folder = tmp_path / "inn"
    folder.mkdir()
    _damage_page(_pdf(folder / "skadet.pdf", PAGE_TURNS), 2)
    _pdf(folder / "skannet.pdf", [PAGE_TURNS[0], "scan", PAGE_TURNS[1]])
    result = CliRunner().invoke(cli, ["ingest", str(folder)])
    assert result.exit_code == 1, result.output
    assert "skadet.pdf: page 2 of 3 is damaged" in result.output and "Traceback" not in result.output
    assert "skannet.pdf: page 2 has no text (a scanned image?) – 2 of 3 pages read" in result.output
    listed = CliRunner().invoke(cli, ["sources", "--json"])
    assert "skannet.pdf" in listed.output and "skadet.pdf" not in listed.output


# ------------------------------------------------------------------------------- text boxes

TURNS = [
    ("Intervjuer", "Hvordan kom avtalen i stand?"),
    ("Informant", "Det var fylkeskommunen som tok initiativet i 2021, og vi ble med fordi vi trengte hjelp "
                  "til å planlegge nye boliger og arbeidsplasser i bygda."),
    ("Intervjuer", "Hva betydde det for kommunen?"),
    ("Informant", "Det ga oss en ny arena for å snakke med staten og fylket. Vi har hatt møter hvert kvartal, "
                  "og tilliten har vokst gjennom perioden, selv om det har vært krevende å få næringslivet med."),
    ("Intervjuer", "Og ungdommen?"),
    ("Informant", "Ungdommen har vi snakket mye om. Skolen har vært viktig, og nettverket har fått hjelp til "
                  "planen for sentrum."),
    ("Intervjuer", "Takk for praten."),
]
BOX = "Avtalen gjelder 2021–2025."
FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
 <office:automatic-styles>
  <style:style style:name="fr1" style:family="graphic"><style:graphic-properties style:wrap="{wrap}"
   style:horizontal-pos="{hpos}" style:horizontal-rel="paragraph" style:vertical-pos="top"
   style:vertical-rel="paragraph" fo:border="{border}" fo:padding="0.1cm"/></style:style>
 </office:automatic-styles>
 <office:body><office:text>
{body}
 </office:text></office:body>
</office:document>
"""
# (wrap, horizontal place, the paragraph the box is anchored to); "parallel" is text on both sides,
# "dynamic" LibreOffice's "optimal", "run-through" text under the box. The box on the first
# paragraph with nothing beside it stands above all the text like a title: see the test below.
BOXES = [(wrap, hpos, anchor) for wrap in ("parallel", "dynamic", "run-through")
         for hpos in ("left", "center", "right") for anchor in (0, 2, 3, 6)]
BOXES += [("left", hpos, anchor) for hpos in ("center", "right") for anchor in (0, 3, 6)]
BOXES += [("right", "left", anchor) for anchor in (0, 3, 6)] + [("none", "center", 3), ("none", "right", 6)]


LONG = [(who, f"{text} Vi har snakket om dette i sak {i + 1} i styringsgruppa.") for i in range(7)
        for who, text in TURNS]  # about two pages


def test_a_text_box_on_the_second_page_is_never_speech(box_pdfs):
    from pypdf import PdfReader

    path = box_pdfs["side_to"]
    parsed = read_file(path)
    assert len(PdfReader(str(path)).pages) >= 2
    assert [(t.speaker, t.text) for t in parsed.turns if t.speaker] == LONG
    boxes = [t for t in parsed.turns if not t.speaker]
    assert [(t.heading, t.text) for t in boxes] == [("Tekstbokser", BOX)] and boxes[0].page > 1


def _box_fodt(path: Path, wrap: str, hpos: str, anchor: int, border: str = "0.5pt solid #000000",
              style: str = 'draw:style-name="fr1" ', turns: list[tuple[str, str]] = TURNS) -> Path:
    body = []
    for i, (who, text) in enumerate(turns):
        frame = (f'<draw:frame {style}draw:name="Boks" text:anchor-type="paragraph" '
                 f'svg:width="5cm" svg:height="2cm"><draw:text-box><text:p>{escape(BOX)}</text:p>'
                 "</draw:text-box></draw:frame>") if i == anchor else ""
        body.append(f"<text:p>{frame}{escape(who)}: {escape(text)}</text:p>")
    path.write_text(FODT.format(wrap=wrap, hpos=hpos, border=border, body="\n".join(body)), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def box_pdfs(tmp_path_factory) -> dict[str, Path]:
    """Every box layout saved as PDF by LibreOffice, in one run."""
    folder = tmp_path_factory.mktemp("tekstbokser")
    sources = [_box_fodt(folder / f"{w}_{h}_{a}.fodt", w, h, a) for w, h, a in BOXES]
    sources.append(_box_fodt(folder / "uten_ramme.fodt", "parallel", "center", 2, border="none"))
    sources.append(_box_fodt(folder / "over_teksten.fodt", "none", "left", 0))
    # LibreOffice's own frame style (as odfpy writes a frame): drawn after the text of its page
    sources.append(_box_fodt(folder / "standard_ramme.fodt", "", "", 2, style=""))
    # on the second page of a longer transcript, beside a turn that runs over the page break
    sources.append(_box_fodt(folder / "side_to.fodt", "parallel", "right", 30, turns=LONG))
    return {path.stem: path for path in libreoffice_convert(folder, sources)}
    return {path.stem: path for path in libreoffice_convert(folder, sources)}


@pytest.mark.parametrize("name", [f"{w}_{h}_{a}" for w, h, a in BOXES] + ["uten_ramme", "standard_ramme"])
def test_a_text_box_the_text_flows_around_is_never_speech(box_pdfs, name):
    parsed = read_file(box_pdfs[name])
    assert parsed.kind_hint == "transcript"
    assert [(t.speaker, t.text) for t in parsed.turns if t.speaker] == TURNS  # the body text never moves
    assert [(t.heading, t.text) for t in parsed.turns if not t.speaker] == [("Tekstbokser", BOX)]


def test_a_text_box_above_all_the_text_is_a_title_line_not_speech(box_pdfs):
    # nothing beside it and nothing above: it cannot be told from a title line, and is kept as one
    parsed = read_file(box_pdfs["over_teksten"])
    assert [(t.speaker, t.text) for t in parsed.turns if t.speaker] == TURNS
    assert parsed.preamble == [BOX]
