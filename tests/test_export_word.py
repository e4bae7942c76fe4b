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

from tests.test_analysis_corpus import build

LONG_WORD = "kommunikasjonsutfordringene"
LONG_QUOTE = ("Vi har brukt mye tid på samarbeidsavtalen, men " + LONG_WORD + " mellom kommunene og "
              "statsforvalteren er fortsatt store, særlig når saksbehandlingsrutinene endres uten "
              "forvarsel og ingen vet hvem som har ansvaret for oppfølgingen av tiltakene.")


@pytest.fixture
def corpus(db):
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


def sheet(path, name):
    import openpyxl

    return [[c.value for c in row] for row in openpyxl.load_workbook(path)[name].iter_rows()]


# ----------------------------------------------------------------------- one counting rule

def test_report_tables_leave_the_interviewers_out_unless_asked(corpus, tmp_path):
    default = export_tables(corpus, tmp_path / "uten.xlsx", charts=False)[0]
    withr = export_tables(corpus, tmp_path / "med.xlsx", charts=False, include_researchers=True)[0]
    assert sheet(default, "Matrise fase 2")[0] == ["Kode", "prosjektleder", "(ukjent)"]
    assert sheet(withr, "Matrise fase 2")[0] == ["Kode", "forsker", "prosjektleder", "(ukjent)"]
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
    for flag, expected in (((), ["Kode", "prosjektleder", "(ukjent)"]),
                           (("--include-researchers",), ["Kode", "forsker", "prosjektleder", "(ukjent)"])):
        out = tmp_path / f"t{len(flag)}.xlsx"
        r = cli("export", "tables", "-o", str(out), "--no-charts", *flag)
        assert r.exit_code == 0, r.output
        assert sheet(out, "Matrise fase 2")[0] == expected


def test_export_page_checkbox_counts_the_interviewers(tmp_path, monkeypatch):
    import io

    from tests.app_fixtures import PAGES, build_small, open_page

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

def to_pdf(docx_path, tmp_path):
    """The document converted by headless LibreOffice, with a private profile; (pages, seconds)."""
    from pypdf import PdfReader

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        reason = "soffice (LibreOffice) is not installed; apt-get install libreoffice-writer-nogui"
        if os.environ.get("CI", "").lower() == "true":  # .ci/run installs it: missing is a failure there
            pytest.fail(f"Word-to-PDF test cannot run in CI: {reason}")
        pytest.skip(f"Word-to-PDF test skipped: {reason}")
    out = tmp_path / "pdf"
    profile = tmp_path / "lo-profile"
    start = time.monotonic()
    subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(out), str(docx_path)],
                   check=True, capture_output=True, timeout=180)
    seconds = time.monotonic() - start
    pdf = out / (docx_path.stem + ".pdf")
    assert pdf.exists(), f"LibreOffice wrote no PDF for {docx_path.name}"
    return PdfReader(pdf).pages, seconds


def size(page) -> tuple[int, int]:
    box = page.mediabox
    return round(float(box.width)), round(float(box.height))


A4 = (595, 842)
A4_LANDSCAPE = (842, 595)


def test_word_exports_print_as_a4_with_whole_words(corpus, tmp_path):
    report = export_tables(corpus, tmp_path / "rapport.docx", format="docx", charts=False)[0]
    pages, seconds = to_pdf(report, tmp_path)
    sizes = [size(p) for p in pages]
    print(f"rapport.docx -> PDF in {seconds:.1f} s: {len(pages)} pages {sizes}")
    assert set(sizes) <= {A4, A4_LANDSCAPE}
    # the wide 8-column theme table on landscape, the phase matrices on portrait pages
    assert sizes[0] == A4_LANDSCAPE and A4 in sizes
    first = pages[0].extract_text()
    assert "Tabeller" in first and "Temaer per aktør og fase" in first
    portrait_text = "\n".join(p.extract_text() for p, s in zip(pages, sizes) if s == A4)
    assert "fase 1 (aktør × kode)" in portrait_text
    text = "\n".join(p.extract_text() for p in pages)
    assert LONG_WORD in text and "saksbehandlingsrutinene" in text  # not broken across lines

    quotes = export_quotes(corpus, tmp_path / "sitater.docx", code="kapasitet")[0]
    pages, seconds = to_pdf(quotes, tmp_path)
    sizes = [size(p) for p in pages]
    print(f"sitater.docx -> PDF in {seconds:.1f} s: {len(pages)} pages {sizes}")
    assert len(pages) == 1 and sizes[0] in (A4, A4_LANDSCAPE)
    text = pages[0].extract_text()
    assert text.startswith("Sitater kodet «Kapasitet»")
    assert LONG_WORD in text and "saksbehandlingsrutinene" in text
    for word in ("Prosjektleder", "intervju_lang.txt", "statsforvalter"):
        assert word in text, word
