"""Exports of the hand-built corpus (tests/test_analysis_corpus.py): open the files the way a
report author would and check tables, headings, formats and values."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner

from workbench.errors import WorkbenchError
from workbench.export import EXPORTERS, export_quotes, export_tables

from tests.test_analysis_corpus import build

SHEETS = ["Tema per aktør og fase", "Matrise fase 1", "Matrise fase 2", "Endring mellom faser",
          "Samforekomst", "Kodefrekvenser", "Sitater"]


@pytest.fixture
def corpus(db):
    build(db)
    return db


def rows_of(ws):
    return [[c.value for c in row] for row in ws.iter_rows()]


def test_xlsx_one_sheet_per_table_with_frozen_headers_and_percentages(corpus, tmp_path):
    import openpyxl

    files = export_tables(corpus, tmp_path / "rapport.xlsx", format="xlsx")
    assert files[0] == tmp_path / "rapport.xlsx"
    assert {f.name for f in files[1:]} == {"rapport_xlsx_heatmap_fase_1.png", "rapport_xlsx_heatmap_fase_2.png",
                                           "rapport_xlsx_koder_per_fase.png"}
    assert all(f.stat().st_size > 1000 for f in files)
    wb = openpyxl.load_workbook(files[0])
    assert wb.sheetnames == SHEETS
    ws = wb["Tema per aktør og fase"]
    assert ws.freeze_panes == "A2"
    header = [c.value for c in ws[1]]
    assert header == ["Aktør", "Fase", "Kode", "Kode-ID", "Segmenter", "Talere", "Kilder", "Andel"]
    rows = rows_of(ws)[1:]
    # prosjektleder, fase 1, kontrakt: 1 of 2 segments
    row = next(r for r in rows if r[0] == "prosjektleder" and r[1] == "fase 1" and r[3] == "kontrakt")
    assert row[2] == "Kontraktsform" and row[4:] == [1, 1, 1, 0.5]
    child = next(r for r in rows if r[3] == "kontrakt.hybrid")
    assert child[2] == "– Hybrid kontrakt"  # children indented under their parent
    assert ws.cell(row=2, column=8).number_format == "0.0%"
    assert ws.column_dimensions["C"].width >= len("– Relasjonell kontrakt")
    m2 = wb["Matrise fase 2"]
    # the interviewers (forsker) are not counted by default: no column of their own
    assert [c.value for c in m2[1]] == ["Kode", "Kode-ID", "prosjektleder", "(ukjent)"]
    styring = next(r for r in rows_of(m2) if r[0] == "Styring")
    assert styring == ["Styring", "styring", 0.5, 0]
    quotes = rows_of(wb["Sitater"])
    assert quotes[0] == ["Kode", "Kilde", "Taler", "Aktør", "Fase", "Tid/posisjon", "Kodere", "Sitat"]
    assert ["Hybrid kontrakt", "fg_fase1.docx", "Statsforvalter 1", "statsforvalter", "fase 1", "01:02:05",
            "anna", "Tilliten mellom partene er viktigst."] in quotes
    # 12 codings, 11 distinct (segment, applied code) pairs: fg 1 hybrid is coded by both
    assert len(quotes) - 1 == 11
    change = rows_of(wb["Endring mellom faser"])
    assert ["prosjektleder", "Styring", 0, 0.5, 50, "styring"] in change  # the change in percentage points


def test_coder_filter_reaches_the_export(corpus, tmp_path):
    import openpyxl

    path = export_tables(corpus, tmp_path / "bjorn.xlsx", coder="bjorn", charts=False)[0]
    freq = {r[1]: r for r in rows_of(openpyxl.load_workbook(path)["Kodefrekvenser"])[1:]}
    # bjorn: fg 1 hybrid, fg 2 kapasitet, fg 4 relasjonell
    assert freq["kontrakt"][2] == 2 and freq["kapasitet"][2] == 1 and freq["styring"][2] == 0


def test_docx_has_captioned_word_tables(corpus, tmp_path):
    import docx

    path = export_tables(corpus, tmp_path / "rapport", format="docx", charts=False)[0]
    assert path.name == "rapport.docx"
    doc = docx.Document(path)
    captions = [p.text for p in doc.paragraphs if p.style.name == "Caption"]
    assert len(captions) == len(doc.tables) == 7
    assert captions[0].startswith("Tabell 1: Temaer per aktør og fase")
    assert captions[4] == "Tabell 5: Samforekomst av koder: segmenter der begge kodene er brukt"
    t = doc.tables[0]
    assert [c.text for c in t.rows[0].cells] == ["Aktør", "Fase", "Kode", "Kode-ID", "Segmenter",
                                                  "Talere", "Kilder", "Andel"]
    assert [c.text for c in t.rows[1].cells] == ["prosjektleder", "fase 1", "Kontraktsform", "kontrakt",
                                                  "1", "1", "1", "50,0\u00a0%"]  # no-break space
    cooc = doc.tables[4]
    assert [c.text for c in cooc.rows[1].cells] == ["Hybrid kontrakt", "Relasjonell kontrakt", "2"]
    change = [[c.text for c in r.cells] for r in doc.tables[3].rows]
    assert ["statsforvalter", "Kontraktsform", "50,0\u00a0%", "–", "–", "kontrakt"] in change  # no fase 2 turns
    assert ["prosjektleder", "– Relasjonell kontrakt", "50,0\u00a0%", "0,0\u00a0%", "-50,0", "kontrakt.relasjonell"] in change


def test_csv_folder_and_base_name(corpus, tmp_path):
    files = export_tables(corpus, tmp_path / "csv", format="csv")
    names = {f.name for f in files}
    assert {"tema_per_aktor_og_fase.csv", "matrise_fase_1.csv", "kodefrekvenser.csv", "sitater.csv",
            "heatmap_fase_1.png"} <= names
    with open(tmp_path / "csv" / "kodefrekvenser.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    kontrakt = next(r for r in rows if r["Kode-ID"] == "kontrakt")
    assert (kontrakt["Segmenter"], kontrakt["Talere"], kontrakt["Kilder"]) == ("4", "2", "3")
    based = export_tables(corpus, tmp_path / "ut" / "tab.csv", format="csv", charts=False)
    assert (tmp_path / "ut" / "tab_samforekomst.csv") in based


def test_md_pipe_tables(corpus, tmp_path):
    path = export_tables(corpus, tmp_path / "tab.md", format="md", charts=False)[0]
    text = path.read_text(encoding="utf-8")
    assert "**Tabell 2: Andel av aktørens segmenter med koden, fase 1 (aktør × kode)**" in text
    assert "| Kode | Kode-ID | prosjektleder | statsforvalter |" in text
    assert "| Styring | styring | 0,0 % | 50,0 % |" in text


def test_export_quotes(corpus, tmp_path):
    import docx
    import openpyxl

    path = export_quotes(corpus, tmp_path / "kontrakt.docx", code="kontrakt", actor="prosjektleder")[0]
    doc = docx.Document(path)
    assert [p.text for p in doc.paragraphs if p.style.name == "Caption"] == [
        "Tabell 1: Sitater kodet «Kontraktsform» (kontrakt); aktør: prosjektleder"]  # the filter shown
    rows = [[c.text for c in r.cells] for r in doc.tables[0].rows]
    # «kontrakt» has subcodes: a column says which of them each quote is coded with
    assert rows[0] == ["Kode", "Kilde", "Taler", "Aktør", "Fase", "Tid/posisjon", "Kodere", "Sitat"]
    assert rows[2][1:] == ["intervju_fase2.srt", "Prosjektleder 1", "prosjektleder", "fase 2", "00:00:10",
                       "anna", "Handlingsplanen er mer forpliktende nå."]
    x = export_quotes(corpus, tmp_path / "q.xlsx", code="kapasitet", format="xlsx")[0]
    assert len(rows_of(openpyxl.load_workbook(x)["Sitater"])) == 2 + 3  # title row, header, quotes
    c = export_quotes(corpus, tmp_path / "q.csv", code="kapasitet", format="csv", coder="bjorn")
    assert c == [tmp_path / "q.csv"] and len((tmp_path / "q.csv").read_text("utf-8-sig").splitlines()) == 2


def test_unknown_format_and_registry(corpus, tmp_path):
    assert set(EXPORTERS) >= {"xlsx", "docx", "csv", "md"}
    with pytest.raises(WorkbenchError, match="export format 'pdf' is not known"):
        export_tables(corpus, tmp_path / "x.pdf", format="pdf")

    def write_txt(tables, path):
        path.write_text("\n".join(t.title for t in tables), encoding="utf-8")
        return [path]

    EXPORTERS["txt"] = write_txt
    try:
        out = export_tables(corpus, tmp_path / "x.txt", format="txt", charts=False)
        assert "Kodefrekvenser" in out[0].read_text(encoding="utf-8")
    finally:
        del EXPORTERS["txt"]


def test_empty_database_exports(db, tmp_path):
    import openpyxl

    files = export_tables(db, tmp_path / "tom.xlsx")
    assert files == [tmp_path / "tom.xlsx"]  # no charts without data
    wb = openpyxl.load_workbook(files[0])
    assert "Kodefrekvenser" in wb.sheetnames


# --------------------------------------------------------------------------------------- CLI

@pytest.fixture
def cli_db(corpus):
    from workbench.cli import cli

    def run(*args):
        return CliRunner().invoke(cli, ["--db", corpus.url, "--user", "anna", *args], obj={})

    return run


def test_cli_dashboard(cli_db):
    import json

    r = cli_db("dashboard", "--by", "actor,phase", "--codes", "kontrakt", "--json")
    assert r.exit_code == 0, r.output
    rows = json.loads(r.output)
    assert set(rows[0]) == {"actor", "phase", "code", "label", "segments", "speakers", "sources", "share"}
    assert {"actor": "prosjektleder", "phase": "fase 1", "code": "kontrakt", "label": "Kontraktsform",
            "segments": 1, "speakers": 1, "sources": 1, "share": 0.5} in rows
    assert {r["code"] for r in rows} == {"kontrakt", "kontrakt.hybrid", "kontrakt.relasjonell"}
    r = cli_db("dashboard", "--by", "actor", "--coder", "bjorn", "--csv")
    assert r.exit_code == 0, r.output
    lines = r.output.splitlines()
    assert lines[0] == "actor,code,label,segments,speakers,sources,share"
    assert "statsforvalter,kapasitet,Kapasitet,1,1,1,0.5" in lines
    r = cli_db("dashboard")
    assert r.exit_code == 0 and "50.0 %" in r.output and "Kontraktsform" in r.output
    r = cli_db("dashboard", "--by", "region")
    assert r.exit_code == 1 and "Error: cannot group by 'region'" in r.output


def test_cli_export(cli_db, tmp_path):
    import docx

    out = tmp_path / "rapport.docx"
    r = cli_db("export", "tables", "--format", "docx", "-o", str(out), "--coder", "consensus")
    assert r.exit_code == 0, r.output
    assert f"Skrev {out}" in r.output and "heatmap_fase_1.png" in r.output
    assert len(docx.Document(out).tables) == 7
    q = tmp_path / "q.csv"
    r = cli_db("export", "quotes", "--code", "styring", "--format", "csv", "-o", str(q))
    assert r.exit_code == 0, r.output
    # styring.nettverk: fg 2 and intervju 2
    assert len(q.read_text("utf-8-sig").splitlines()) == 3
    r = cli_db("export", "quotes", "--code", "finans", "-o", str(tmp_path / "x.docx"))
    assert r.exit_code == 1 and "Error: code 'finans' is not in the codebook" in r.output
