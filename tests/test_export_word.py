"""Word exports as a report author opens them (A4, landscape for wide tables, column widths from
the content, quote files titled as quotes, checked in a PDF made by LibreOffice), and the one
counting rule of exports and dashboards: the interviewers (actor forsker) are left out unless
asked for."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time

import pytest
from click.testing import CliRunner

from workbench.export import export_quotes, export_tables
from workbench.store import Coding, Segment, Source, Speaker

from tests.conftest import module_database
from tests.test_analysis_corpus import build

LONG_WORD = "kommunikasjonsutfordringene"
LONG_QUOTE = ("Vi har brukt mye tid på samarbeidsavtalen, men " + LONG_WORD + " mellom kommunene og "
              "statsforvalteren er fortsatt store, særlig når saksbehandlingsrutinene endres uten "
              "forvarsel og ingen vet hvem som har ansvaret for oppfølgingen av tiltakene.")


def _with_interviewer_and_long_quote(db):
    """The hand-built corpus, plus the interviewer's turn coded (kapasitet and nettverk) and a
    long quote from a prosjektleder coded kapasitet."""
    seg = build(db)
    with db.transaction(user="anna") as tx:
        s = tx.session
        anna = tx.user
        forsker = s.get(Segment, seg[("intervju_fase2.srt", 3)])
        for code in ("kapasitet", "styring.nettverk"):
            s.add(Coding(segment_id=forsker.id, code_id=code, coder_id=anna.id, start_char=forsker.start_char,
                         end_char=forsker.end_char, origin="manual"))
        src = Source(file_name="intervju_lang.txt", content_hash="intervju_lang.txt", canonical_text=LONG_QUOTE,
                     format="txt", kind="intervju", phase="fase 2", pilot="Midt-Finnmark", county="Finnmark")
        s.add(src)
        s.flush()
        sp = Speaker(source_id=src.id, label="Prosjektleder C", actor="prosjektleder", organisation="Vardø kommune")
        s.add(sp)
        s.flush()
        long_seg = Segment(source_id=src.id, index=1, speaker_id=sp.id, start_char=0, end_char=len(LONG_QUOTE),
                           word_count=len(LONG_QUOTE.split()))
        s.add(long_seg)
        s.flush()
        s.add(Coding(segment_id=long_seg.id, code_id="kapasitet", coder_id=anna.id, start_char=0,
                     end_char=len(LONG_QUOTE), origin="manual"))
    return db


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def corpus(request, tmp_path_factory):
    """That corpus, built once per database for the tests that only read it (an export adds only
    its files and an audit row); a test that adds to it takes ``fresh_corpus``."""
    folder = tmp_path_factory.mktemp("korpus")
    with module_database(request, folder, "word") as db:
        yield _with_interviewer_and_long_quote(db)


@pytest.fixture
def fresh_corpus(db):
    """That corpus in the test's own database, for a test that adds to it."""
    return _with_interviewer_and_long_quote(db)


def sheet(path, name):
    import openpyxl

    return [[c.value for c in row] for row in openpyxl.load_workbook(path)[name].iter_rows()]


# ----------------------------------------------------------------------- one counting rule

def test_report_tables_leave_the_interviewers_out_unless_asked(corpus, tmp_path):
    default = export_tables(corpus, tmp_path / "uten.xlsx", charts=False)[0]
    withr = export_tables(corpus, tmp_path / "med.xlsx", charts=False, include_researchers=True)[0]
    assert sheet(default, "Matrise fase 2")[0] == ["Kode", "Kode-ID", "prosjektleder", "(ukjent)"]
    assert sheet(withr, "Matrise fase 2")[0] == ["Kode", "Kode-ID", "forsker", "prosjektleder", "(ukjent)"]
    freq = {r[1]: r for r in sheet(default, "Kodefrekvenser")[1:]}
    freq_r = {r[1]: r for r in sheet(withr, "Kodefrekvenser")[1:]}
    # kapasitet: fg 1 turns 2 and 3, intervju 2, the long quote; + the interviewer's turn
    assert freq["kapasitet"][2] == 4 and freq_r["kapasitet"][2] == 5
    assert freq["kapasitet"][6] == pytest.approx(4 / 9) and freq_r["kapasitet"][6] == pytest.approx(5 / 10)
    pairs = {(r[0], r[1]): r[2] for r in sheet(default, "Samforekomst")[1:]}
    pairs_r = {(r[0], r[1]): r[2] for r in sheet(withr, "Samforekomst")[1:]}
    assert pairs[("Nettverksstyring", "Kapasitet")] == 2 and pairs_r[("Nettverksstyring", "Kapasitet")] == 3
    quotes = [r[-1] for r in sheet(default, "Sitater")]
    assert "Kan du si mer om det?" not in quotes and LONG_QUOTE in quotes
    assert "Kan du si mer om det?" in [r[-1] for r in sheet(withr, "Sitater")]


def test_quote_export_follows_the_rule_but_shows_an_actor_asked_for(corpus, tmp_path):
    import docx

    def quote_texts(path):
        return [r.cells[-1].text for r in docx.Document(path).tables[0].rows[1:]]

    assert "Kan du si mer om det?" not in quote_texts(export_quotes(corpus, tmp_path / "a.docx", code="kapasitet")[0])
    assert "Kan du si mer om det?" in quote_texts(
        export_quotes(corpus, tmp_path / "b.docx", code="kapasitet", include_researchers=True)[0])
    assert quote_texts(export_quotes(corpus, tmp_path / "c.docx", code="kapasitet", actor="forsker")[0]) == [
        "Kan du si mer om det?"]


@pytest.fixture
def cli(corpus):
    from workbench.cli import cli

    def run(*args):
        return CliRunner().invoke(cli, ["--db", corpus.url, "--user", "anna", *args], obj={})

    return run


def test_cli_dashboard_and_export_count_the_interviewers_only_when_asked(cli, tmp_path):
    r = cli("dashboard", "--by", "actor", "--json")
    assert r.exit_code == 0, r.output
    assert "forsker" not in {row["actor"] for row in json.loads(r.output)}
    r = cli("dashboard", "--by", "actor", "--json", "--include-researchers")
    rows = json.loads(r.output)
    assert {"actor": "forsker", "code": "kapasitet", "segments": 1, "share": 1.0} in [
        {k: row[k] for k in ("actor", "code", "segments", "share")} for row in rows]
    r = cli("dashboard", "--by", "actor", "--json", "--exclude-actor", "statsforvalter")
    assert {row["actor"] for row in json.loads(r.output)} == {"prosjektleder", "(ukjent)"}
    r = cli("dashboard", "--by", "actor", "--json", "--exclude-actor", "statsforvalter", "--include-researchers")
    assert {row["actor"] for row in json.loads(r.output)} == {"prosjektleder", "(ukjent)", "forsker"}
    for flag, expected in (((), ["Kode", "Kode-ID", "prosjektleder", "(ukjent)"]),
                           (("--include-researchers",), ["Kode", "Kode-ID", "forsker", "prosjektleder", "(ukjent)"])):
        out = tmp_path / f"t{len(flag)}.xlsx"
        r = cli("export", "tables", "-o", str(out), "--no-charts", *flag)
        assert r.exit_code == 0, r.output
        assert sheet(out, "Matrise fase 2")[0] == expected


def test_export_page_checkbox_counts_the_interviewers(tmp_path, monkeypatch):
    import io

    import workbench.export

    from tests.app_fixtures import PAGES, build_small, open_page

    # The charts are not drawn here (the page showing them is tests/test_app_eksport.py's): the
    # export records what they would be made of, so that the checkbox is seen to reach them too.
    charted = []
    monkeypatch.setattr(workbench.export, "write_charts",
                        lambda db, folder, prefix="", **kw: charted.append(kw["exclude_actors"]) or [])
    db = build_small(tmp_path)
    monkeypatch.setenv("WORKBENCH_DB", db.url)
    monkeypatch.setenv("WORKBENCH_USER", "kari")
    try:
        at = open_page(PAGES[3])
        assert "Ta med forskernes egne ytringer" in [c.label for c in at.checkbox]
        heads = []
        for checked in (False, True):
            at.checkbox(key="include_researchers").set_value(checked)
            at.button(key="build").click().run()
            assert not at.exception and not at.error
            data = at.session_state["export"]["tables"][1]
            heads.append(sheet(io.BytesIO(data), "Matrise fase 1")[0])
        assert "forsker" not in heads[0] and "forsker" in heads[1]
        assert ["forsker" in excluded for excluded in charted] == [True, False]
    finally:
        db.dispose()


# ------------------------------------------------------------------------------ Word layout

def cm(length) -> float:
    return round(length.cm, 1)


def test_word_tables_are_a4_with_fixed_widths_from_the_content(corpus, tmp_path):
    import docx
    from docx.oxml.ns import qn

    doc = docx.Document(export_tables(corpus, tmp_path / "rapport.docx", format="docx", charts=False)[0])
    sizes = [(cm(s.page_width), cm(s.page_height)) for s in doc.sections]
    assert set(sizes) == {(21.0, 29.7), (29.7, 21.0)}  # A4, portrait and landscape
    assert all(cm(s.left_margin) == cm(s.right_margin) == cm(s.top_margin) == 2.0 for s in doc.sections)
    assert doc.paragraphs[0].text == "Tabeller"
    for t in doc.tables:
        tbl = t._tbl
        assert tbl.tblPr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        grid = [int(g.get(qn("w:w"))) for g in tbl.tblGrid.findall(qn("w:gridCol"))]
        for tr in tbl.tr_lst:
            assert [int(tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for tc in tr.tc_lst] == grid
    freq = doc.tables[-2]  # Kodefrekvenser: a numeric column is narrower than the code label column
    grid = [int(g.get(qn("w:w"))) for g in freq._tbl.tblGrid.findall(qn("w:gridCol"))]
    head = [c.text for c in freq.rows[0].cells]
    assert grid[head.index("Talere")] < grid[head.index("Kode")]
    quotes = doc.tables[-1]
    grid = [int(g.get(qn("w:w"))) for g in quotes._tbl.tblGrid.findall(qn("w:gridCol"))]
    assert [c.text for c in quotes.rows[0].cells][grid.index(max(grid))] == "Sitat"
    assert grid[-1] > 2 * sorted(grid)[-2] and sum(grid) <= 25.7 / 2.54 * 1440 + 5


def test_quote_file_is_titled_as_quotes(corpus, tmp_path):
    import docx

    doc = docx.Document(export_quotes(corpus, tmp_path / "kapasitet.docx", code="kapasitet")[0])
    assert doc.paragraphs[0].text == "Sitater kodet «Kapasitet»"
    assert doc.paragraphs[0].style.name == "Heading 1"
    assert "Tabeller" not in [p.text for p in doc.paragraphs]
    md = export_quotes(corpus, tmp_path / "kapasitet.md", code="kapasitet", format="md")[0]
    assert md.read_text(encoding="utf-8").startswith("# Sitater kodet «Kapasitet»")


# ------------------------------------------------------------------- PDF through LibreOffice

def to_pdfs(docx_paths, tmp_path):
    """The documents converted by one run of headless LibreOffice (it starts once for them all),
    with a private profile; ({docx path: pages}, seconds)."""
    from pypdf import PdfReader

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        reason = "soffice (LibreOffice) is not installed; apt-get install libreoffice-writer-nogui"
        if os.environ.get("CI", "").lower() == "true":  # .ci/run installs it: missing is a failure there
            pytest.fail(f"Word-to-PDF test cannot run in CI: {reason}")
        pytest.skip(f"Word-to-PDF test skipped: {reason}")
    assert len({p.stem for p in docx_paths}) == len(docx_paths)  # one PDF each in one folder
    out = tmp_path / "pdf"
    profile = tmp_path / "lo-profile"
    start = time.monotonic()
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(out), *map(str, docx_paths)],
                   check=True, capture_output=True, timeout=180)
    seconds = time.monotonic() - start
    pages = {}
    for docx_path in docx_paths:
        pdf = out / (docx_path.stem + ".pdf")
        assert pdf.exists(), f"LibreOffice wrote no PDF for {docx_path.name}"
        pages[docx_path] = PdfReader(pdf).pages
    return pages, seconds


def size(page) -> tuple[int, int]:
    box = page.mediabox
    return round(float(box.width)), round(float(box.height))


A4 = (595, 842)
A4_LANDSCAPE = (842, 595)


def test_word_exports_print_as_a4_with_whole_words_headers_and_shares(fresh_corpus, tmp_path):
    """The report and a quote file of the corpus, and the report once a quote from a source with a
    long file name is added, printed to PDF by LibreOffice (one run for the three)."""
    report = export_tables(fresh_corpus, tmp_path / "rapport.docx", format="docx", charts=False)[0]
    quotes = export_quotes(fresh_corpus, tmp_path / "sitater.docx", code="kapasitet")[0]
    add_long_file(fresh_corpus)
    long_report = export_tables(fresh_corpus, tmp_path / "t.docx", format="docx", charts=False)[0]
    pdfs, seconds = to_pdfs([report, quotes, long_report], tmp_path)
    print(f"3 documents -> PDF in {seconds:.1f} s")

    # the report: A4, the wide theme table on landscape, long words whole
    pages = pdfs[report]
    sizes = [size(p) for p in pages]
    print(f"rapport.docx: {len(pages)} pages {sizes}")
    assert set(sizes) <= {A4, A4_LANDSCAPE}
    # the wide 8-column theme table on landscape, the phase matrices on portrait pages
    assert sizes[0] == A4_LANDSCAPE and A4 in sizes
    first = pages[0].extract_text()
    assert "Tabeller" in first and "Temaer per aktør og fase" in first
    portrait_text = "\n".join(p.extract_text() for p, s in zip(pages, sizes) if s == A4)
    assert "fase 1 (aktør × kode)" in portrait_text
    text = "\n".join(p.extract_text() for p in pages)
    assert LONG_WORD in text and "saksbehandlingsrutinene" in text  # not broken across lines

    # the quote file: one A4 page titled as quotes
    pages = pdfs[quotes]
    sizes = [size(p) for p in pages]
    print(f"sitater.docx: {len(pages)} pages {sizes}")
    assert len(pages) == 1 and sizes[0] in (A4, A4_LANDSCAPE)
    text = pages[0].extract_text()
    assert text.startswith("Sitater kodet «Kapasitet»")
    assert LONG_WORD in text and "saksbehandlingsrutinene" in text
    for word in ("Prosjektleder", "intervju_lang.txt", "statsforvalter"):
        assert word in text, word

    # the report with the long file name: whole header words and shares in the quote table
    lines = [line.strip() for p in pdfs[long_report] for line in p.extract_text().splitlines()]
    assert "%" not in lines  # no share broken before its per cent sign
    import docx

    tokens = " ".join(lines).split()
    heads = [c.text for t in docx.Document(long_report).tables for c in t.rows[0].cells]
    for word in {w for h in heads for w in h.split()}:
        wanted = sum(h.split().count(word) for h in heads)
        assert tokens.count(word) >= wanted, word  # every header word whole ("Segmenter", not "Segmen ter")


# -------------------------------------------------- column widths: whole headers and numbers

LONG_FILE = "dialogkonferanse_fase1_gruppenotater.md"


def text_cm(text: str, bold: bool = False) -> float:
    """The width of ``text`` at 9 pt in DejaVu Sans (LibreOffice's fallback for Calibri, wider
    than Calibri, Carlito and Arial) plus the cells' 2 x 0.19 cm margins."""
    from matplotlib.font_manager import FontProperties
    from matplotlib.textpath import TextPath

    prop = FontProperties(family="DejaVu Sans", weight="bold" if bold else "normal", size=9)
    return TextPath((0, 0), text, prop=prop).get_extents().width / 72 * 2.54 + 0.38


def quote_table(rows: int = 3):
    import pandas as pd

    from workbench.export.tables import Table

    frame = pd.DataFrame({"Kode": ["Transaksjonell kontrakt"] * rows, "Kilde": [LONG_FILE] * rows,
                          "Taler": ["Prosjektleder 2"] * rows, "Aktør": ["Distriktssenteret"] * rows,
                          "Fase": ["fase 1"] * rows, "Tid/posisjon": ["avsnitt 17"] * rows,
                          "Kodere": ["jonas, mari"] * rows, "Sitat": [LONG_QUOTE] * rows})
    return Table("Sitater", frame, "Sitater", wrap=["Sitat"])


def test_column_widths_keep_headers_and_numbers_whole_and_the_quote_widest():
    import pandas as pd

    from workbench.export.tables import Table
    from workbench.export.writers import column_widths, docx_text

    table = quote_table()
    texts = [[str(v) for v in row] for row in table.frame.itertuples(index=False)]
    for available in (25.7, 17.0):
        widths = dict(zip(table.frame.columns, column_widths(table, texts, available)))
        assert abs(sum(widths.values()) - available) < 0.01
        others = [w for c, w in widths.items() if c != "Sitat"]
        assert widths["Sitat"] == max(widths.values()) and widths["Sitat"] >= 1.5 * max(others), widths
        for col, w in widths.items():
            assert w >= max(text_cm(word, bold=True) for word in col.split()), (col, w)
    # a wide matrix of shares: every header word and every "21,7 %" on one line
    frame = pd.DataFrame({"Kode": ["Kritiske variabler i samarbeidsdrevet planlegging"] * 2,
                          **{name: [0.217, 1.0] for name in ("Segmenter", "Talere", "Fase", "Kodere",
                                                              "kommunedirektør", "Distriktssenteret")}})
    shares = Table("Andeler", frame, "Andeler", percent=[c for c in frame.columns if c != "Kode"])
    texts = [["Kritiske variabler i samarbeidsdrevet planlegging"] + ["21,7 %", "100,0 %"][i:i + 1] * 6
             for i in range(2)]
    widths = column_widths(shares, texts, 17.0)
    for col, w in zip(frame.columns, widths):
        assert w >= text_cm(col, bold=True) or col == "Kode", (col, w)
        if col != "Kode":
            assert w >= text_cm(docx_text("100,0 %")), (col, w)
    assert docx_text("21,7 %") == "21,7\u00a0%"


def add_long_file(db):
    """A quote from a source with a 39-character file name, added to the corpus."""
    with db.transaction(user="anna") as tx:
        s = tx.session
        src = Source(file_name=LONG_FILE, content_hash=LONG_FILE, canonical_text=LONG_QUOTE, format="md",
                     kind="dokument", phase="fase 1", pilot="Midt-Finnmark", county="Finnmark")
        s.add(src)
        s.flush()
        seg = Segment(source_id=src.id, index=1, start_char=0, end_char=len(LONG_QUOTE),
                      word_count=len(LONG_QUOTE.split()))
        s.add(seg)
        s.flush()
        s.add(Coding(segment_id=seg.id, code_id="kapasitet", coder_id=tx.user.id, start_char=0,
                     end_char=len(LONG_QUOTE), origin="manual"))
    return db


@pytest.fixture
def long_file(fresh_corpus):
    """The corpus plus a quote from a source with a 39-character file name."""
    return add_long_file(fresh_corpus)


def grid_cm(table) -> list[float]:
    from docx.oxml.ns import qn

    return [int(g.get(qn("w:w"))) / 1440 * 2.54 for g in table._tbl.tblGrid.findall(qn("w:gridCol"))]


def test_word_quote_column_is_the_widest_and_headers_and_shares_fit(long_file, tmp_path):
    import docx

    doc = docx.Document(export_tables(long_file, tmp_path / "t.docx", format="docx", charts=False)[0])
    for t in doc.tables:
        head = [c.text for c in t.rows[0].cells]
        widths = grid_cm(t)
        for col, w in zip(head, widths):
            assert w >= max(text_cm(word, bold=True) for word in col.split()), (head, col, w)
        for row in t.rows[1:]:
            for cell, w in zip(row.cells, widths):
                if cell.text.endswith("%"):
                    assert "\u00a0%" in cell.text and w >= text_cm(cell.text), (cell.text, w)
    quotes = doc.tables[-1]
    head = [c.text for c in quotes.rows[0].cells]
    widths = grid_cm(quotes)
    assert head[widths.index(max(widths))] == "Sitat"
    assert widths[head.index("Sitat")] >= 1.5 * sorted(widths)[-2]
    cells = [r.cells[head.index("Kilde")].text for r in quotes.rows[1:]]
    assert "dialogkonferanse_\u200bfase1_\u200bgruppenotater.\u200bmd" in cells  # wraps at "_"
    assert "intervju_lang.txt" in cells  # what fits is left alone


def test_codebook_word_table_keeps_code_ids_whole(tmp_path):
    import docx

    from workbench.codebook.export import export_codebook
    from workbench.codebook.schema import CodeSpec

    specs = [CodeSpec(id="kontrakt", label="Kontraktstyper", depth=0, codable=False),
             CodeSpec(id="kontrakt.transaksjonell", label="Transaksjonell kontrakt", parent="kontrakt",
                      depth=1, definition="Avtalen som transaksjon.", examples=["Vi leverer."]),
             CodeSpec(id="kontrakt.transaksjonell.kortsiktig_leveranseavtale", label="Kortsiktig",
                      parent="kontrakt.transaksjonell", depth=2, definition="Kort.")]
    doc = docx.Document(str(export_codebook(specs, "docx", tmp_path / "k.docx")))
    t = doc.tables[0]
    widths = grid_cm(t)
    assert abs(sum(widths) - 17.0) < 0.01
    assert widths[0] >= text_cm("(kontrakt.transaksjonell)")
    assert all(w >= text_cm(h, bold=True) for h, w in zip([c.text for c in t.rows[0].cells], widths))
    kode = [r.cells[0].text for r in t.rows[1:]]
    assert kode[0] == "Transaksjonell kontrakt\n(kontrakt.transaksjonell)"
    # an id too long for the column may wrap after its dots, never inside a word
    assert kode[1] == "Kortsiktig\n(kontrakt.\u200btransaksjonell.\u200bkortsiktig_leveranseavtale)"
