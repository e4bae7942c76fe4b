"""What a report author noticed in the exports of the demo (probe 87): hidden parent totals that
read "<3", changes in the wrong unit, whole turns quoted for a partial coding, quotes without
their subcode, phases left out of the comparison, Word files in English from 2013, codes and
output paths taken wrongly. Each test asserts what the author sees in the file or on screen."""

from __future__ import annotations

import csv
import zipfile

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.coding import apply_code
from workbench.errors import NotFound, WorkbenchError
from workbench.export import export_quotes, export_tables

from tests.test_analysis_corpus import build
from tests.test_published import siblings  # noqa: F401  (the fixture)


@pytest.fixture
def corpus(db):
    build(db)
    return db


def invoke(url: str, *args: str):
    return CliRunner().invoke(cli, ["--db", url, "--user", "anna", *args], catch_exceptions=False)


# ---------------------------------------------------------------- 1. a parent hidden for its subcodes

def test_a_parent_beside_a_subparent_hidden_for_its_own_subcodes_is_shown():
    """kontrakt > (kontrakt.a, kontrakt.f > (kontrakt.f.x, kontrakt.f.y)). kontrakt.f is hidden
    because x and y share a segment of one speaker; then the children's sum minus kontrakt cannot
    be formed, so kontrakt (a big total) is not hidden as well, as the demo's «Kontraktstyper»
    (91 segments, 19 speakers) was."""
    from workbench.analysis.aggregate import parent_overlaps

    table = pd.DataFrame({
        "code": ["kontrakt", "kontrakt.a", "kontrakt.f", "kontrakt.f.x", "kontrakt.f.y"],
        "parent": [None, "kontrakt", "kontrakt", "kontrakt.f", "kontrakt.f"],
        "segments": [40, 20, 25, 12, 14], "speakers": [12, 8, 9, 6, 7], "group_speakers": [20] * 5})
    units = pd.DataFrame(columns=["source_id", "person", "code", "segs", "n"])
    siblings_ = pd.DataFrame({"source_id": [1, 1], "person": ["p1", "p1"], "parent": ["kontrakt.f", "kontrakt"],
                              "code_a": ["kontrakt.f.x", "kontrakt.a"], "code_b": ["kontrakt.f.y", "kontrakt.f"],
                              "segs": [1, 1]})
    flagged = parent_overlaps(units, siblings_, table, (), 3)
    assert flagged.tolist() == [False, False, True, False, False]


def test_a_parent_hidden_for_what_its_subcodes_share_reads_skjult_not_fewer_than_k(siblings, tmp_path):  # noqa: F811
    """The probe's project: «kontrakt» (7 segments of 7 speakers) is hidden so that hybrid + relasjonell
    − kontrakt cannot give away the pair of two speakers. It is not a cell of fewer than 3 speakers:
    the file and the dashboard say «skjult» and why, and the small cells still read "<3"."""
    files = export_tables(siblings, tmp_path / "rg.md", charts=False, suppress=True, user="rolf")
    text = files[0].read_text(encoding="utf-8")
    freq = text[text.index("Kodefrekvenser"):]
    row = next(line for line in freq.splitlines() if line.startswith("| Kontraktsform"))
    assert "skjult" in row and "<3" not in row
    assert "«skjult»: tallet bygger på minst 3 talere" in freq.splitlines()[0]
    r = CliRunner().invoke(cli, ["--db", siblings.url, "--user", "rita", "dashboard", "--by", ""],
                           catch_exceptions=False)
    line = next(x for x in r.output.splitlines() if x.startswith("kontrakt "))
    assert "skjult" in line and "<3" not in line
    assert "«skjult»: tallet bygger på minst 3 talere" in r.output


# ---------------------------------------------------------------- 2. changes in percentage points

def test_the_change_between_phases_is_in_percentage_points_in_csv_and_xlsx(corpus, tmp_path):
    import openpyxl

    export_tables(corpus, tmp_path / "csv", format="csv", charts=False)
    with open(tmp_path / "csv" / "endring_mellom_faser.csv", encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    styring = next(r for r in rows if r["Aktør"] == "prosjektleder" and r["Kode"] == "Styring")
    assert float(styring["Endring (prosentpoeng)"]) == 50.0  # 0 % -> 50 %: +50 points, not 0.5
    wb = openpyxl.load_workbook(export_tables(corpus, tmp_path / "t.xlsx", charts=False)[0])
    ws = wb["Endring mellom faser"]
    col = [c.value for c in ws[1]].index("Endring (prosentpoeng)") + 1
    cells = [ws.cell(row=r, column=col) for r in range(2, ws.max_row + 1)]
    assert 50 in [c.value for c in cells] and cells[0].number_format == "+0.0;-0.0;0.0"


# ---------------------------------------------------------------- 3. the quote is the coded passage

def test_a_quote_is_the_coded_passage_not_the_whole_turn(corpus, tmp_path):
    turn = "Kapasiteten i kommunene er fortsatt liten, men nettverket hjelper."
    start = turn.index("men nettverket")
    other = "Vi mangler folk til å følge opp tiltakene."
    for part in ("Vi mangler", "å følge opp"):  # two passages of one turn
        at = other.index(part)
        apply_code(corpus, "fg_fase1.docx", 3, "styring.nettverk", span=(at, at + len(part)), user="anna")
    from sqlalchemy import select

    from workbench.store import Coding, Segment

    with corpus.transaction("anna") as tx:  # a partial coding of turn 2 (as the demo's 97 are)
        seg = tx.session.scalar(select(Segment).where(Segment.index == 2, Segment.source.has(file_name="intervju_fase2.srt")))
        c = tx.session.scalar(select(Coding).where(Coding.segment_id == seg.id, Coding.code_id == "styring.nettverk"))
        c.start_char, c.end_char = seg.start_char + start, seg.end_char
    out = export_quotes(corpus, tmp_path / "q.csv", code="styring")[0]
    with open(out, encoding="utf-8-sig", newline="") as fh:
        quotes = [r["Sitat"] for r in csv.DictReader(fh)]
    assert "men nettverket hjelper." in quotes and turn not in quotes
    # two passages of one turn that do not touch, joined with " … "
    assert "Vi mangler … å følge opp" in quotes


@pytest.mark.parametrize("coder", ["Anna", "ALL", "Consensus"])
def test_the_passage_is_found_for_a_coder_written_in_another_letter_case(corpus, coder):
    """quotes normalises the coder ("Anna" is anna, "ALL" every coder); the spans must be looked up
    with that name, or the whole turn is quoted."""
    from workbench.analysis.aggregate import quotes

    other = "Vi mangler folk til å følge opp tiltakene."
    for who in ("anna", "bjorn"):  # (two coders: a consensus pair)
        apply_code(corpus, "fg_fase1.docx", 3, "styring.nettverk", span=(0, len("Vi mangler")), user=who)
    texts = list(quotes(corpus, code="styring.nettverk", coder=coder, user="anna")["text"])
    assert "Vi mangler" in texts and other not in texts


def test_the_passage_is_cut_from_the_scrubbed_turn_so_a_name_at_its_edge_is_never_half_left():
    from workbench.analysis.aggregate import quote_passage
    from workbench.privacy import Scrubber

    scrubber = Scrubber(["Sigrid Aune"])
    text = "Vi snakket med Sigrid Aune om avtalen. Hun ringte 41 23 45 67 etterpå."
    cut = text.index("Aune")  # a span that begins inside the name
    quote = quote_passage(text, [(cut, text.index(".") + 1)], scrubber)
    assert quote == "[navn] om avtalen." and "Aune" not in quote
    assert quote_passage(text, [(0, len(text))], scrubber) == scrubber.scrub(text)
    assert quote_passage(text, [], None) == text


# ---------------------------------------------------------------- 4. which subcode a quote is about

def test_a_quote_file_of_a_parent_code_says_which_subcode_each_quote_has(corpus, tmp_path):
    out = export_quotes(corpus, tmp_path / "q.csv", code="kontrakt")[0]
    with open(out, encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert {"Hybrid kontrakt", "Relasjonell kontrakt", "Hybrid kontrakt, Relasjonell kontrakt"} \
        <= {r["Kode"] for r in rows}
    out = export_quotes(corpus, tmp_path / "k.csv", code="kapasitet")[0]  # one code: no column
    assert open(out, encoding="utf-8-sig").readline().split(",")[0] == "Kilde"


# ---------------------------------------------------------------- 5. every pair of consecutive phases

def test_three_phases_give_one_comparison_per_pair_of_consecutive_phases(corpus, monkeypatch):
    from workbench.export import tables as T

    real = T.phase_change

    def three(db, phases=None, **kw):
        out = real(db, **kw)
        p1, p2 = phases or ("fase 1", "fase 2")
        out = out.assign(phase_from=p1, phase_to=p2)
        out.attrs["phases"] = ["fase 1", "fase 2", "fase 3"]
        return out

    monkeypatch.setattr(T, "phase_change", three)
    tables = T.phase_tables(corpus, user="anna")
    assert [t.name for t in tables] == ["Endring fase 1 til fase 2", "Endring fase 2 til fase 3"]
    assert tables[1].title.startswith("Endring mellom fase 2 og fase 3")


# ---------------------------------------------------------------- 6. Word files in Norwegian, of today

@pytest.mark.parametrize("what", ["tables", "quotes", "codebook"])
def test_word_files_are_norwegian_and_carry_their_own_properties(corpus, tmp_path, what):
    import datetime as dt

    import docx

    if what == "tables":
        path = export_tables(corpus, tmp_path / "t.docx", charts=False, user="anna")[0]
    elif what == "quotes":
        path = export_quotes(corpus, tmp_path / "q.docx", code="kapasitet", user="anna")[0]
    else:
        from workbench.codebook.export import export_docx
        from workbench.codebook.schema import CodeSpec  # noqa: F401

        path = export_docx([], tmp_path / "k.docx", title="Kodebok")
    styles = zipfile.ZipFile(path).read("word/styles.xml").decode()
    assert 'w:lang w:val="nb-NO"' in styles and 'w:val="en-US"' not in styles
    props = docx.Document(path).core_properties
    assert props.author in ("anna", "Bygdevekst workbench") and props.author != "python-docx"
    assert props.comments == "" and props.title
    assert props.created.year == dt.datetime.now().year and props.modified.year == dt.datetime.now().year


# ---------------------------------------------------------------- 7. a code as the author types it

def test_a_code_in_other_case_or_by_its_label_is_the_code_and_a_typo_gets_did_you_mean(corpus, tmp_path):
    for typed in ("Kontrakt.Hybrid", "Hybrid kontrakt", "hybrid KONTRAKT"):
        out = export_quotes(corpus, tmp_path / "q.md", code=typed)[0]
        assert "Sitater kodet «Hybrid kontrakt» (kontrakt.hybrid)" in out.read_text(encoding="utf-8")
    with pytest.raises(NotFound, match="did you mean 'kontrakt.hybrid'") as e:
        export_quotes(corpus, tmp_path / "q.md", code="kontrakt.hybird")
    assert e.value.code == "code.not_found"
    r = CliRunner().invoke(cli, ["--db", corpus.url, "--user", "anna", "export", "quotes", "--code", "kapasitt",
                                 "-o", str(tmp_path / "x.docx")])
    assert r.exit_code != 0 and "kapasitet" in r.output



def test_a_code_asked_for_before_any_codebook_is_loaded_says_to_load_one(db, tmp_path):
    with pytest.raises(NotFound, match="no codebook is loaded; run `workbench codebook load FILE`") as e:
        export_quotes(db, tmp_path / "q.md", code="kapasitet", user="anna")
    assert e.value.code == "codebook.empty"


# ---------------------------------------------------------------- 8. output paths

def test_a_trailing_slash_is_a_folder_and_an_empty_path_is_refused(corpus, tmp_path):
    files = export_tables(corpus, f"{tmp_path}/ny_mappe/", charts=False)
    assert files[0] == tmp_path / "ny_mappe" / "tabeller.xlsx" and not (tmp_path / "ny_mappe.xlsx").exists()
    q = export_quotes(corpus, f"{tmp_path}/sitater_mappe/", code="kapasitet")
    assert q[0] == tmp_path / "sitater_mappe" / "sitater.docx"
    with pytest.raises(WorkbenchError) as e:
        export_tables(corpus, "", charts=False)
    assert e.value.code == "export.no_output"


def test_overwriting_says_so_and_formats_do_not_share_charts(corpus, tmp_path):
    out = tmp_path / "rapport.docx"
    r = invoke(corpus.url, "export", "tables", "-o", str(out))
    assert f"Skrev {out}" in r.output and "Overskrev" not in r.output
    r = invoke(corpus.url, "export", "tables", "-o", str(out))
    assert f"Overskrev {out}" in r.output
    invoke(corpus.url, "export", "tables", "-o", str(tmp_path / "rapport.md"))
    charts = sorted(p.name for p in tmp_path.glob("*.png"))
    assert "rapport_docx_koder_per_fase.png" in charts and "rapport_md_koder_per_fase.png" in charts
