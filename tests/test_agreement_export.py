"""The agreement table as a file for a report: `workbench agreement --output FILE` (.xlsx, .docx,
.csv) and ``workbench.export.export_agreement``.

The figures in the file must be exactly those that `workbench agreement --json` prints for the
same options; the per-coder counts are checked against the unit vectors of tests/test_agreement.py
(written out by hand there).
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from workbench.errors import InputError, PermissionDenied
from workbench.export import export_agreement

from tests.test_agreement import (A, B, C, CODES, JONAS, MARI, PER, PER_CODINGS, _apply, _one_line_error,  # noqa: F401
                                  _people, run, world)

HEAD = ["Kode-ID", "Kode", "Kodegruppe", "Enheter", "Kodere", "Prosent enige", "Kappa", "Alfa"]
LABELS = {"kontrakt.hybrid": "Hybrid kontrakt", "kontrakt.relasjonell": "Relasjonell kontrakt",
          "kapasitet": "Kapasitet", "styring": "Styring"}


def _json(run, *args) -> dict:
    r = run("--coders", "mari,jonas", *args, "--json") if "--coders" not in args else run(*args, "--json")
    assert r.exit_code == 0, r.output
    return json.loads(r.output)


def _written(run, path: Path, *args) -> list[str]:
    r = run("--coders", "mari,jonas", *args, "--output", str(path)) if "--coders" not in args else \
        run(*args, "--output", str(path))
    assert r.exit_code == 0, r.output
    return r.output.strip().splitlines()


def _sheet(path: Path, name: str = "Enighet") -> tuple[dict[str, str], list[str], list[tuple]]:
    """(preamble label -> text, header, rows) of a sheet of the workbook."""
    import openpyxl

    ws = openpyxl.load_workbook(path)[name]
    rows = list(ws.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] in ("Kode-ID", "Kilde"))
    preamble = {r[0]: r[1] for r in rows[1:head] if r[0]}
    width = len([c for c in rows[head] if c is not None])
    return preamble, list(rows[head][:width]), [tuple(r[:width]) for r in rows[head + 1:]]


def _figure(value, sheet: bool = True):
    """A --json figure as the file holds it: "–" for null; in a workbook the number to the 16
    significant digits a spreadsheet keeps (openpyxl writes "%.16g"; Excel shows 15)."""
    if value is None:
        return "–"
    return float("%.16g" % value) if sheet else value


def _expected_rows(data: dict, sheet: bool = True) -> list[tuple]:
    """The rows the table must hold for a `--json` result: the overall row, then one per code."""
    rows = [(None, "Alle koder", None, data["overall"]["units"], len(data["coders"]),
             *(_figure(data["overall"][k], sheet) for k in ("percent", "kappa", "alpha")))]
    for c in data["codes"]:
        group = "Kontraktsform" if c["code"].startswith("kontrakt.") else None
        rows.append((c["code"], c["label"], group, c["units"], len(data["coders"]),
                     *(_figure(c[k], sheet) for k in ("percent", "kappa", "alpha"))))
    return rows


def _used(vectors: dict[str, dict[str, list[int]]], codes=CODES) -> dict[str, dict[str, int]]:
    """code -> coder -> the units (interviewer turns left out) the coder gave the code."""
    people = dict(zip(vectors, _people(list(vectors.values()))))
    out = {code: {name: sum(v[code]) for name, v in people.items()} for code in codes}
    out[None] = {name: sum(sum(v[c]) for c in codes) for name, v in people.items()}
    return out


# ------------------------------------------------------------------------------------- xlsx


def test_workbook_holds_exactly_the_json_figures_and_what_was_compared(world, run, tmp_path):
    data = _json(run)
    path = tmp_path / "enighet.xlsx"
    assert _written(run, path) == [f"Skrev {path}"]
    preamble, header, rows = _sheet(path)
    assert header == HEAD + ["Kodet av mari", "Kodet av jonas"]
    # the numbers themselves (not rounded to what is shown) in the cells: those of --json
    assert [r[:8] for r in rows] == _expected_rows(data)
    hybrid = next(r for r in rows if r[0] == "kontrakt.hybrid")
    assert hybrid[5:8] == (0.6, pytest.approx(1 / 6, abs=1e-15), 0.25)
    styring = next(r for r in rows if r[0] == "styring")
    assert styring[5:8] == (1, "–", "–")  # nobody used it: undefined, said so below
    used = _used({"mari": MARI, "jonas": JONAS})
    assert {r[0]: r[8:] for r in rows} == {c: (used[c]["mari"], used[c]["jonas"]) for c in [None] + CODES}
    # the header block: who, what unit, which codebook, which sources, the interviewer rule, the date
    assert preamble["Kodere"] == "mari, jonas (2 kodere)"
    assert preamble["Enhet"].startswith("tur (segment)") and "5 turer per kode" in preamble["Enhet"]
    assert preamble["Kodebok"].startswith("«samsvar», versjon ")
    assert preamble["Kilder med"] == f"2 kilder som alle koderne har kodet: {A}, {B}"
    assert preamble["Kilder utelatt"] == f"1 kilde som ikke alle koderne har kodet: {C}"
    assert preamble["Intervjuerturer"].startswith("2 intervjuerturer (aktør forsker) er ikke med")
    assert preamble["–"].startswith("udefinert: koden har samme verdi i alle enheter")
    assert "Kappa" not in preamble  # two coders: kappa is computed
    assert preamble["Laget"].startswith(f"{dt.date.today():%d.%m.%Y}")
    # shares as percentages, kappa and alpha with three decimals, as the other exports show them
    import openpyxl

    ws = openpyxl.load_workbook(path)["Enighet"]
    cells = {c.value: c for c in ws[ws.max_row - len(rows)]}  # the header row
    first = ws.max_row - len(rows) + 1
    assert ws.cell(first, cells["Prosent enige"].column).number_format == "0.0%"
    assert ws.cell(first, cells["Kappa"].column).number_format == "0.000"
    assert ws.freeze_panes == f"A{first}"
    again = _written(run, path)
    assert again == [f"Overskrev {path}"]


@pytest.mark.parametrize("args", [("--codes", "kontrakt"), ("--unit", "char"), ("--include-interviewers",),
                                  ("--codes", "Kapasitet,styring", "--unit", "char")])
def test_the_options_are_honoured_as_in_json(world, run, tmp_path, args):
    data = _json(run, *args)
    path = tmp_path / "valg.xlsx"
    _written(run, path, *args)
    preamble, _header, rows = _sheet(path)
    assert [r[:8] for r in rows] == _expected_rows(data)
    if "char" in args:
        assert preamble["Enhet"].startswith("tegn:") and "også intervjuerens turer" in preamble["Intervjuerturer"]
    elif "--include-interviewers" in args:
        assert preamble["Intervjuerturer"].startswith("intervjuerens turer (aktør forsker) er med")
        assert rows[0][3] == 7 * 4
    else:
        assert preamble["Koder"] == "2 koder med ID som begynner med kontrakt"


def test_three_coders_kappa_is_a_dash_with_the_reason(world, run, tmp_path):
    _apply(world, PER_CODINGS)
    data = _json(run, "--coders", "mari,jonas,per")
    path = tmp_path / "tre.xlsx"
    _written(run, path, "--coders", "mari,jonas,per")
    preamble, header, rows = _sheet(path)
    assert header[-3:] == ["Kodet av mari", "Kodet av jonas", "Kodet av per"]
    assert [r[:8] for r in rows] == _expected_rows(data)
    assert {r[6] for r in rows} == {"–"}
    assert preamble["Kappa"] == "–: Cohens kappa beregnes bare for to kodere; bruk alfa for tre eller flere"
    used = _used({"mari": MARI, "jonas": JONAS, "per": PER})
    assert rows[0][8:] == (used[None]["mari"], used[None]["jonas"], used[None]["per"])


# ------------------------------------------------------------------------------ csv and docx


def test_csv_holds_the_table_alone_and_the_header_block_beside_it(world, run, tmp_path):
    data = _json(run)
    path = tmp_path / "enighet.csv"
    about = tmp_path / "enighet_om_utvalget.csv"
    assert _written(run, path) == [f"Skrev {path}", f"Skrev {about}"]
    with open(path, encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert table[0] == HEAD + ["Kodet av mari", "Kodet av jonas"]
    expected = _expected_rows(data, sheet=False)
    for got, want in zip(table[1:], expected, strict=True):
        assert got[:5] == ["" if v is None else str(v) for v in want[:5]]
        # the figures read back as the very floats --json prints
        assert [v if v == "–" else float(v) for v in got[5:8]] == list(want[5:8])
    with open(about, encoding="utf-8-sig", newline="") as f:
        block = dict(list(csv.reader(f))[1:])
    assert block["Kodere"] == "mari, jonas (2 kodere)" and block["Kilder utelatt"].endswith(C)


def test_word_document_is_norwegian_with_the_figures_as_shown_in_reports(world, run, tmp_path):
    import docx

    data = _json(run, "--codes", "kontrakt")
    path = tmp_path / "enighet.docx"
    _written(run, path, "--codes", "kontrakt")
    doc = docx.Document(path)
    assert doc.core_properties.language == "nb-NO" and doc.core_properties.title == "Enighet mellom kodere"
    texts = [p.text for p in doc.paragraphs]
    assert texts[0] == "Enighet mellom kodere"
    assert texts[1].startswith("Tabell 1: Enighet mellom kodere per kode")
    assert "Kodere: mari, jonas (2 kodere)" in texts and f"Kilder utelatt: 1 kilde som ikke alle koderne " \
        f"har kodet: {C}" in texts
    table = doc.tables[0]
    cells = [[c.text for c in row.cells] for row in table.rows]
    assert cells[0] == HEAD + ["Kodet av mari", "Kodet av jonas"]
    overall = data["overall"]
    assert cells[1][:8] == ["", "Alle koder", "", str(overall["units"]), "2",
                            f"{overall['percent'] * 100:.1f}".replace(".", ",") + "\u00a0%",
                            f"{overall['kappa']:.3f}".replace(".", ","), f"{overall['alpha']:.3f}".replace(".", ",")]
    hybrid = next(row for row in cells if row[0] == "kontrakt.hybrid")
    assert hybrid[5:8] == ["60,0\u00a0%", "0,167", "0,250"]
    assert doc.sections[0].orientation == 1  # ten columns: a landscape page, as the wide export tables


# ------------------------------------------------------------------------- disagreements and roles


def test_disagreements_go_in_for_researchers_only(world, run, tmp_path):
    path = tmp_path / "med_uenighet.xlsx"
    _written(run, path, "--disagreements")
    preamble, header, rows = _sheet(path, "Uenigheter")
    assert header == ["Kilde", "Tur", "Koder fra mari", "Koder fra jonas", "Omforent"]
    assert [(r[0], r[1]) for r in rows] == [(A, 3), (B, 2), (B, 3)]
    assert rows[0][2:4] == ("kontrakt.relasjonell", "kapasitet, kontrakt.hybrid")
    assert rows[2][2] == "(ingen)" and preamble["Turer"].startswith("3 turer med uenighet, 0 med")
    assert "Tilliten" not in json.dumps([list(r) for r in rows], ensure_ascii=False)  # no transcript text
    csv_files = _written(run, tmp_path / "u.csv", "--disagreements")
    assert csv_files[-1] == f"Skrev {tmp_path / 'u_uenigheter.csv'}"
    from workbench.users import add_user

    add_user(world, "rolf", "report_author", password="korrekt-hest-batteri", user="anna")
    add_user(world, "rita", "resource_group", password="korrekt-hest-batteri", user="anna")
    refused = run("--coders", "mari,jonas", "--disagreements", "--output", str(tmp_path / "r.xlsx"), user="rolf")
    assert refused.exit_code == 3 and refused.output.strip().startswith("Ingen tilgang")
    assert len(refused.output.strip().splitlines()) == 1 and not (tmp_path / "r.xlsx").exists()
    ok = run("--coders", "mari,jonas", "--output", str(tmp_path / "r.xlsx"), user="rolf")
    assert ok.exit_code == 0, ok.output  # the figures are for report authors too
    group = run("--coders", "mari,jonas", "--output", str(tmp_path / "g.xlsx"), user="rita")
    assert group.exit_code == 3 and "kan ikke eksportere" in group.output and not (tmp_path / "g.xlsx").exists()


def test_report_authors_get_file_names_scrubbed(world, tmp_path):
    """A source named after a participant ("intervju_sigrid_aune.txt") is listed as written for
    researchers, scrubbed for report authors, as in their source list."""
    from workbench.ingest import ingest_paths
    from workbench.users import add_user

    folder = tmp_path / "navn"
    folder.mkdir()
    name = "intervju_sigrid_aune.txt"
    (folder / name).write_text("Sigrid Aune: Vi mangler folk.\n\nSigrid Aune: Og tillit.\n", encoding="utf-8")
    assert not ingest_paths(world, [folder / name], user="anna").errors
    _apply(world, [(name, 1, "kapasitet", "mari", None), (name, 2, "kapasitet", "jonas", None)])
    add_user(world, "rolf", "report_author", password="korrekt-hest-batteri", user="anna")
    mine = export_agreement(world, tmp_path / "forsker.xlsx", "mari,jonas", user="anna")
    theirs = export_agreement(world, tmp_path / "forfatter.xlsx", "mari,jonas", user="rolf")
    assert name in _sheet(mine[0])[0]["Kilder med"]
    listed = _sheet(theirs[0])[0]["Kilder med"]
    assert "sigrid" not in listed.lower() and "aune" not in listed.lower() and "intervju_" in listed
    with pytest.raises(PermissionDenied):
        export_agreement(world, tmp_path / "u.xlsx", "mari,jonas", disagreements=True, user="rolf")


# ---------------------------------------------------------------------------------- mistakes


def test_mistakes_are_one_line_and_write_nothing(world, run, tmp_path):
    _one_line_error(run("--coders", "mari,jonas", "--output", str(tmp_path / "e.md")),
                    "the agreement table is written as .xlsx, .docx or .csv, not .md", "e.xlsx")
    _one_line_error(run("--coders", "mari,jonas", "--output", str(tmp_path / "e.pdf")), "not .pdf")
    _one_line_error(run("--coders", "mari,jonas", "--json", "--output", str(tmp_path / "e.xlsx")), "--json")
    _one_line_error(run("--table", str(tmp_path / "t.csv"), "--output", str(tmp_path / "e.xlsx")), "--table")
    _one_line_error(run("--coders", "mari,jonsa", "--output", str(tmp_path / "e.xlsx")), "did you mean 'jonas'")
    _one_line_error(run("--coders", "mari,jonas", "--unit", "char", "--disagreements", "--output",
                        str(tmp_path / "e.xlsx")), "--disagreements lists turns")
    assert not list(tmp_path.glob("e.*"))
    with pytest.raises(InputError, match="format is docx"):
        export_agreement(world, tmp_path / "x.xlsx", "mari,jonas", format="docx", user="anna")
    # a folder (a name ending in /) holds enighet.xlsx; a name without a suffix gets it
    folder = run("--coders", "mari,jonas", "--output", f"{tmp_path / 'mappe'}/")
    assert folder.output.strip() == f"Skrev {tmp_path / 'mappe' / 'enighet.xlsx'}"
    assert export_agreement(world, tmp_path / "uten", "mari,jonas", format="docx", user="anna") == [
        tmp_path / "uten.docx"]


def test_the_export_is_audited(world, tmp_path):
    from workbench.users import list_audit

    files = export_agreement(world, tmp_path / "a.xlsx", ["mari", "jonas"], codes="kontrakt", user="anna")
    event = list_audit(world, user="anna", action="export_agreement")[-1]
    assert event.detail["files"] == [str(files[0])] and event.detail["coders"] == ["mari", "jonas"]
    assert event.detail["codes"] == "kontrakt" and event.detail["format"] == "xlsx"


def test_the_file_names_the_code_set_and_the_codes_nobody_used(world, run, tmp_path):
    """A code added to the codebook after the figure was reported: the file says which codes
    nobody used (agreement on absence in «Alle koder»), and --codebook-version writes the table of
    the version the figure was reported under, naming that version."""
    from tests.test_agreement import _add_unused_code

    old, new = _add_unused_code(world, tmp_path)
    path = tmp_path / "enighet.xlsx"
    _written(run, path)
    preamble, _header, rows = _sheet(path)
    assert preamble["Kodebok"].startswith(f"«samsvar», versjon {new}")
    assert preamble["Ubrukte koder"].startswith("2 av 5 koder er ikke brukt av noen av koderne (styring, nettverk): "
                                                "de teller som enighet om at koden ikke er der i «Alle koder»")
    assert "--codebook-version" in preamble["Ubrukte koder"]
    assert rows[0][3] == 25
    pinned = tmp_path / "fase1.xlsx"
    _written(run, pinned, "--codebook-version", str(old))
    preamble, _header, rows = _sheet(pinned)
    data = _json(run, "--codebook-version", str(old))
    assert [r[:8] for r in rows] == _expected_rows(data) and rows[0][3] == 20
    assert preamble["Kodebok"].startswith(f"«samsvar», versjon {old}")
    assert "låst: koder lagt til senere er ikke med" in preamble["Koder"]
    assert preamble["Ubrukte koder"] == ("1 av 4 koder er ikke brukt av noen av koderne (styring): de teller som "
                                         "enighet om at koden ikke er der i «Alle koder»")


# ------------------------------------------------------------------ near-full agreement, one rule

LONG = "Vi har fått til mye sammen i kommunen i år. " * 110   # 4840 characters


@pytest.fixture
def near_full(db, tmp_path):
    """One source of two long turns; mari codes the second turn whole, jonas all of it but its
    last character: character agreement 0.9999, kappa and alpha 0.9998 (short of 1, not 1)."""
    from workbench.codebook import load_codebook
    from workbench.ingest import ingest_paths
    from tests.test_agreement import CODEBOOK

    folder = tmp_path / "lang"
    folder.mkdir()
    (folder / "notat_lang.txt").write_text(f"Deltaker A: {LONG}\n\nDeltaker B: {LONG}\n", encoding="utf-8")
    assert not ingest_paths(db, [folder], user="anna").errors
    (tmp_path / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    load_codebook(db, tmp_path / "kodebok.yaml", user="anna")
    from workbench.agreement import coding_agreement
    from workbench.ingest import list_turns

    turn = list_turns(db, "notat_lang.txt", user="anna")[1]
    length = len(turn["text"])
    _apply(db, [("notat_lang.txt", 2, "kapasitet", "mari", None),
                ("notat_lang.txt", 2, "kapasitet", "jonas", (0, length - 1))])
    figures = coding_agreement(db, ["mari", "jonas"], codes="kapasitet", unit="char", user="anna")["overall"]
    assert all(0.9995 < figures[k] < 1 for k in ("percent", "kappa", "alpha")), figures
    return db


def test_near_full_agreement_never_reads_as_full_in_any_output(near_full, tmp_path):
    """Agreement short of 1 on a few of ~10,000 characters: the command's text output, the Word
    table and the workbook (as shown) say "> 0.999" / "> 99,9 %" / "> 0,999", never 1.000, 100,0 % or
    1,000; the workbook cells and the CSV keep the numbers themselves, as --json has them."""
    import docx
    import openpyxl
    from click.testing import CliRunner

    from workbench.cli import cli

    def run(*args):
        return CliRunner().invoke(cli, ["--db", near_full.url, "--user", "anna", "agreement", "--coders", "mari,jonas",
                                        "--codes", "kapasitet", "--unit", "char", *args], obj={})

    data = json.loads(run("--json").output)
    text = run()
    assert text.exit_code == 0, text.output
    assert "Samlet: enheter" in text.output and "prosent > 0.999  kappa > 0.999  alfa > 0.999" in text.output
    row = next(ln for ln in text.output.splitlines() if ln.startswith("kapasitet"))
    assert row.split()[-6:] == [">", "0.999", ">", "0.999", ">", "0.999"]
    assert "1.000" not in text.output

    word = tmp_path / "enighet.docx"
    assert run("--output", str(word)).exit_code == 0
    cells = [[c.text.replace("\u00a0", " ") for c in r.cells] for r in docx.Document(word).tables[0].rows]
    assert [r[5:8] for r in cells[1:]] == [["> 99,9 %", "> 0,999", "> 0,999"]] * 2
    assert not any("100,0" in c or "1,000" in c for r in cells for c in r)

    book = tmp_path / "enighet.xlsx"
    assert run("--output", str(book)).exit_code == 0
    _preamble, header, rows = _sheet(book)
    assert [r[:8] for r in rows] == _expected_rows(data) and rows[0][5] < 1   # the numbers themselves
    ws = openpyxl.load_workbook(book)["Enighet"]
    first = ws.max_row - len(rows) + 1
    shown = [ws.cell(first, header.index(h) + 1).number_format for h in ("Prosent enige", "Kappa", "Alfa")]
    assert shown == ['"> 99,9 %"', '"> 0,999"', '"> 0,999"']   # what Excel shows in these cells

    table = tmp_path / "enighet.csv"
    assert run("--output", str(table)).exit_code == 0
    with open(table, encoding="utf-8-sig", newline="") as fh:
        csv_rows = list(csv.reader(fh))
    assert [float(v) for v in csv_rows[1][5:8]] == [data["overall"][k] for k in ("percent", "kappa", "alpha")]


def test_the_one_rule_for_figures_short_of_a_bound():
    from workbench.export.tables import Table
    from workbench.export.writers import fmt_cell
    from workbench.ui.agreement import figure_text
    from workbench.ui.format import agreement_figure, percent

    assert [figure_text(v) for v in (0.99975, 1.0, 0.8889, None, -0.99975, -1.0)] == \
        ["> 0,999", "1,000", "0,889", "–", "< -0,999", "-1,000"]
    assert agreement_figure(0.99975, decimal=".") == "> 0.999"
    assert agreement_figure(0.0004, decimal=".", share=True) == "< 0.001"
    assert agreement_figure(0.0004, decimal=".") == "0.000"   # a kappa of 0 is no bound
    assert percent(0.99996) == "> 99,9 %" and percent(0.125) == "12,5 %"
    t = Table("t", pd.DataFrame({"p": [0.99996, 1.0, 0.7, 0.00004], "k": [0.99975, 1.0, 0.8889, None]}), "t",
              percent=["p"], decimals={"k": 3})
    assert [fmt_cell(t, "p", v) for v in t.frame["p"]] == ["> 99,9 %", "100,0 %", "70,0 %", "< 0,1 %"]
    assert [fmt_cell(t, "k", v) for v in t.frame["k"]] == ["> 0,999", "1,000", "0,889", "–"]


def test_after_a_merge_the_file_names_no_version_that_would_give_another_figure(world, run, tmp_path):
    """As the command: after `codebook merge` no loaded version has exactly the active codes, so
    the file's «Kodebok» line says so (and how the newest version differs) instead of naming it."""
    from workbench.codebook import current_version, merge_codes

    v1 = current_version(world, user="anna")["id"]
    merge_codes(world, "kontrakt.relasjonell", "kontrakt.hybrid", user="anna")
    path = tmp_path / "enighet.xlsx"
    _written(run, path)
    preamble, _header, rows = _sheet(path)
    assert [r[:8] for r in rows] == _expected_rows(_json(run))
    assert preamble["Kodebok"].startswith("ingen lastet versjon har akkurat de sammenlignede kodene: den nyeste, "
                                          f"«samsvar», versjon {v1} (lastet ")
    assert preamble["Kodebok"].endswith("har også kontrakt.relasjonell (slått sammen eller pensjonert siden)")
    assert "når kodebokfila med akkurat disse kodene er lastet inn på nytt" in preamble["Ubrukte koder"]
