"""What a report author notices when a filter, a path or a name is not quite right: one line naming
the fix instead of an empty table, a new empty database, a quote of the wrong code, empty axes, a
file called ``x.xlsx.docx``, two sheets told apart only by "(2)", or a file silently "uendret".

The data is the hand-built corpus of tests/test_analysis_corpus.py (fictional people)."""

from __future__ import annotations

import csv

import pytest
from click.testing import CliRunner
from sqlalchemy import update

from tests.conftest import module_database
from tests.test_analysis_corpus import build
from workbench.analysis import phase_change, quotes
from workbench.cli import cli
from workbench.errors import InputError, NotFound, WorkbenchError
from workbench.export import export_quotes, export_tables
from workbench.export.writers import sheet_names
from workbench.search import search
from workbench.store import Database, Source
from workbench.ui.messages import norwegian


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def corpus(request, tmp_path_factory):
    """The corpus, built once per database for the tests that only read it (an export adds only
    its files and an audit row); a test that changes the corpus takes ``fresh_corpus``."""
    folder = tmp_path_factory.mktemp("korpus")
    with module_database(request, folder, "usability") as db:
        build(db)
        yield db


@pytest.fixture
def fresh_corpus(db):
    """The corpus in the test's own database, for a test that changes it."""
    build(db)
    return db


def invoke(url, *args):
    return CliRunner().invoke(cli, ["--db", url, "--user", "anna", *args], obj={})


def lines_of(path):
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return list(csv.DictReader(fh))


# ------------------------------------------------------------------ 1. unknown filter values

def test_unknown_actor_is_an_error_naming_the_option_the_value_and_the_known_actors(corpus, tmp_path):
    out = tmp_path / "q.docx"
    with pytest.raises(NotFound) as caught:
        export_quotes(corpus, out, code="kontrakt", actor="nosuch")
    text = str(caught.value)
    assert text.startswith("actor 'nosuch' is not in the database")
    assert "prosjektleder" in text and "statsforvalter" in text and "\n" not in text
    assert not out.exists()  # no empty table written
    assert norwegian(caught.value).startswith("Fant ingen aktør «nosuch».")


def test_phase_did_you_mean_and_case_is_forgiven(corpus, tmp_path):
    with pytest.raises(NotFound, match=r"phase 'fase 9' is not in the database; did you mean .*'fase 1'"):
        export_quotes(corpus, tmp_path / "q.csv", code="kontrakt", phase="fase 9")
    as_typed = export_quotes(corpus, tmp_path / "a.csv", code="kontrakt", phase="Fase 2")[0]
    as_stored = export_quotes(corpus, tmp_path / "b.csv", code="kontrakt", phase="fase 2")[0]
    rows = lines_of(as_typed)
    assert rows and rows == lines_of(as_stored)  # "Fase 2" is fase 2, not an empty table
    assert {r["Fase"] for r in rows} == {"fase 2"}


@pytest.mark.parametrize("option, value, hint", [
    ("pilot", "Midt-Finmark", "did you mean 'Midt-Finnmark'?"),
    ("kind", "fokusgrupe", "did you mean 'fokusgruppe'?"),
    ("county", "Troms", "known counties: Finnmark"),
    ("source", "intervju_fase3.srt", "did you mean 'intervju_fase2.srt'?"),
    ("speaker", "Prosjektleder 9", "did you mean 'Prosjektleder 1'?"),
])
def test_every_quote_filter_is_checked(corpus, option, value, hint):
    with pytest.raises(NotFound) as caught:
        quotes(corpus, code="kontrakt", **{option: value})
    assert str(caught.value).startswith(f"{option} {value!r} is not in the database") and hint in str(caught.value)


def test_known_values_and_unknown_metadata_still_select(corpus):
    assert len(quotes(corpus, code="kontrakt", pilot="midt-finnmark")) == len(quotes(corpus, code="kontrakt"))
    assert list(quotes(corpus, code="kontrakt", actor="(ukjent)")["source"]) == ["notat_fase2.txt"]
    by_id = quotes(corpus, code="kontrakt", source=2)  # a source by its id
    assert set(by_id["source"]) == {"intervju_fase2.srt"}


def test_cli_quotes_with_unknown_values_exit_1_and_write_nothing(corpus, tmp_path):
    out = tmp_path / "q.docx"
    for args in (["--actor", "nosuch"], ["--phase", "fase 9"], ["--pilot", "Nord"], ["--coder", "per"]):
        r = invoke(corpus.url, "export", "quotes", "--code", "kontrakt", *args, "-o", str(out))
        assert r.exit_code == 1, (args, r.output)
        assert "Skrev" not in r.output and r.output.startswith("Error: ") and r.output.count("\n") == 1
        assert args[1] in r.output
    assert not out.exists()
    r = invoke(corpus.url, "export", "quotes", "--code", "kontrakt", "--phase", "FASE 2", "-o", str(out))
    assert r.exit_code == 0 and f"Skrev {out}" in r.output


def test_dashboard_exclude_actor_and_search_filters_are_checked(corpus):
    r = invoke(corpus.url, "dashboard", "--exclude-actor", "statsforvaltar")
    assert r.exit_code == 1 and "actor 'statsforvaltar' is not in the database; did you mean 'statsforvalter'?" \
        in r.output
    r = invoke(corpus.url, "dashboard", "--by", "actor", "--exclude-actor", "Statsforvalter", "--json")
    assert r.exit_code == 0 and "statsforvalter" not in r.output
    with pytest.raises(NotFound, match="phase 'fase 3' is not in the database"):
        search(corpus, "tillit", phase="fase 3")
    assert search(corpus, "tillit", phase="Fase 1", actor="STATSFORVALTER")  # found, as with the stored case


def test_phase_change_checks_actor_and_phases(corpus):
    with pytest.raises(NotFound, match="actor 'ordfører' is not in the database"):
        phase_change(corpus, actor="ordfører")
    with pytest.raises(NotFound, match="phase 'fase 3' has no segments"):
        phase_change(corpus, phases=("fase 1", "fase 3"))
    assert len(phase_change(corpus, phases=("Fase 1", "Fase 2"))) == len(phase_change(corpus))


def test_unknown_code_prefix_says_did_you_mean(corpus, tmp_path):
    with pytest.raises(NotFound, match="no code id starts with 'kapasitt'; did you mean 'kapasitet'?"):
        export_tables(corpus, tmp_path / "t.xlsx", codes="kapasitt", charts=False)


# ------------------------------------------------------------- 2. a database that is not there

@pytest.mark.parametrize("args", [
    ["export", "tables", "-o", "{tmp}/out.xlsx"], ["dashboard"], ["search", "tillit"], ["sources"],
    ["turns", "a.txt"], ["codings"], ["agreement"], ["export", "quotes", "--code", "x", "-o", "{tmp}/q.docx"],
    ["user", "list"], ["settings", "show"],
])
def test_reading_commands_refuse_a_missing_database_file(tmp_path, args):
    target = tmp_path / "nope" / "noinit.db"
    r = invoke(f"sqlite:///{target}", *[a.format(tmp=tmp_path) for a in args])
    assert r.exit_code == 1, r.output
    assert r.output == (f"Error: no database at {target}; create one with `workbench init` (or `workbench demo` "
                        "for the demo), or check --db / WORKBENCH_DB\n")
    assert not target.exists() and not target.parent.exists()  # nothing created
    assert not (tmp_path / "out.xlsx").exists()


def test_init_and_ingest_still_create_the_database(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "notat.md").write_text("# Notat\n\nKommunene samarbeider om boliger.\n", encoding="utf-8")
    first = tmp_path / "a" / "wb.db"
    assert invoke(f"sqlite:///{first}", "init").exit_code == 0 and first.exists()
    assert invoke(f"sqlite:///{first}", "sources").exit_code == 0
    second = tmp_path / "b" / "wb.db"
    r = invoke(f"sqlite:///{second}", "ingest", str(tmp_path / "in" / "notat.md"))
    assert r.exit_code == 0 and "1 lagt til" in r.output and second.exists()


def test_serve_on_a_missing_database_says_so(tmp_path, monkeypatch):
    from workbench.cli import serve as serve_module

    class Done:
        returncode = 0

        def __init__(self, cmd, env, cwd):
            pass

        def wait(self):
            return 0

        def poll(self):
            return 0

    monkeypatch.setattr(serve_module.subprocess, "Popen", Done)
    import socket

    with socket.socket() as probe:  # a free port: 8501 may be taken by an app running on this machine
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    r = invoke(f"sqlite:///{tmp_path / 'ny.db'}", "serve", "--port", str(port))
    assert r.exit_code == 0, r.output
    assert f"Merk: det finnes ingen database i {tmp_path / 'ny.db'} ennå" in r.output


def test_missing_database_in_norwegian():
    from workbench.store import Database

    with pytest.raises(WorkbenchError) as caught:
        Database("sqlite:////tmp/finnes/ikke/her.db", create=False)
    assert norwegian(caught.value) == ("Fant ingen database i «/tmp/finnes/ikke/her.db». Be en forsker om å "
                                       "opprette den, eller velg en annen database.")


# ---------------------------------------------- 3. released quotes follow the export's filters

@pytest.fixture
def released(fresh_corpus):
    from workbench.sharing import release_quote

    for source, turn, code in (("fg_fase1.docx", 2, "styring.nettverk"), ("fg_fase1.docx", 2, "kapasitet"),
                               ("fg_fase1.docx", 3, "kapasitet"), ("intervju_fase2.srt", 1, "kontrakt.hybrid")):
        release_quote(fresh_corpus, source, turn, code, user="anna")
    return fresh_corpus


def test_suppressed_export_carries_only_released_quotes_of_the_selected_codes(released, tmp_path):
    export_tables(released, tmp_path / "alle", format="csv", suppress=True, charts=False)
    assert len(lines_of(tmp_path / "alle" / "frigitte_sitater.csv")) == 4
    export_tables(released, tmp_path / "kap", format="csv", suppress=True, codes="kapasitet", charts=False)
    rows = lines_of(tmp_path / "kap" / "frigitte_sitater.csv")
    assert [r["Kode"] for r in rows] == ["Kapasitet", "Kapasitet"]
    export_tables(released, tmp_path / "kon", format="csv", suppress=True, codes="kontrakt", charts=False)
    assert [r["Kode"] for r in lines_of(tmp_path / "kon" / "frigitte_sitater.csv")] == ["Hybrid kontrakt"]
    # one coder's figures are not what the resource group sees: refused with --suppress
    with pytest.raises(InputError, match="--coder with --suppress"):
        export_tables(released, tmp_path / "bj", format="csv", suppress=True, coder="bjorn", charts=False)
    assert not (tmp_path / "bj" / "frigitte_sitater.csv").exists()


def test_suppressed_quote_export_follows_actor_and_phase(released, tmp_path):
    out = export_quotes(released, tmp_path / "q.csv", code="kapasitet", suppress=True, actor="Statsforvalter")[0]
    assert [r["Aktør"] for r in lines_of(out)] == ["statsforvalter"]
    out = export_quotes(released, tmp_path / "p.csv", code="kapasitet", suppress=True, phase="fase 2")[0]
    assert lines_of(out) == []
    with pytest.raises(NotFound, match="actor 'nosuch'"):
        export_quotes(released, tmp_path / "n.csv", code="kapasitet", suppress=True, actor="nosuch")


# ------------------------------------------------------------------------- 4. cosmetic issues

# The bar chart that says so when every bar is hidden, and has no note without suppression, is
# checked with the heatmap cells on the same two exports: tests/test_export_charts.py::
# test_heatmap_cells_and_bars_say_share_zero_or_hidden.


def test_format_that_contradicts_the_suffix_is_refused(corpus, tmp_path):
    out = tmp_path / "x.xlsx"
    r = invoke(corpus.url, "export", "tables", "--format", "docx", "-o", str(out))
    assert r.exit_code == 1 and r.output.count("\n") == 1
    assert f"{out}: the name ends in .xlsx but the format is docx; name the file x.docx" in r.output
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("x")]  # no x.xlsx.docx, no x.xlsx
    with pytest.raises(WorkbenchError) as caught:
        export_quotes(corpus, tmp_path / "q.docx", code="kapasitet", format="csv")
    assert norwegian(caught.value).startswith("Filnavnet slutter på .docx, men formatet er csv.")


def test_format_follows_the_suffix_when_not_given(corpus, tmp_path):
    import docx

    r = invoke(corpus.url, "export", "tables", "-o", str(tmp_path / "rapport.docx"), "--no-charts")
    assert r.exit_code == 0 and r.output == f"Skrev {tmp_path / 'rapport.docx'}\n"
    assert len(docx.Document(tmp_path / "rapport.docx").tables) == 7
    r = invoke(corpus.url, "export", "quotes", "--code", "kapasitet", "-o", str(tmp_path / "q.md"))
    assert r.exit_code == 0 and (tmp_path / "q.md").read_text(encoding="utf-8").startswith("# Sitater kodet")
    r = invoke(corpus.url, "export", "tables", "-o", str(tmp_path / "standard"), "--no-charts")
    assert r.exit_code == 0 and (tmp_path / "standard.xlsx").exists()  # no suffix: xlsx as before


def test_sheet_names_keep_the_end_that_tells_long_phases_apart(fresh_corpus, tmp_path):
    import openpyxl

    with fresh_corpus.transaction("anna") as tx:
        tx.session.execute(update(Source).where(Source.file_name == "intervju_fase2.srt")
                           .values(phase="dialogkonferanse fase 2 runde Midt"))
        tx.session.execute(update(Source).where(Source.file_name == "notat_fase2.txt")
                           .values(phase="dialogkonferanse fase 2 runde Varanger"))
    path = export_tables(fresh_corpus, tmp_path / "t.xlsx", charts=False)[0]
    matrices = [n for n in openpyxl.load_workbook(path).sheetnames if n.startswith("Matrise")]
    assert matrices == ["Matrise dialogkonfera… Midt", "Matrise dialogkonfera… Varanger", "Matrise fase 1"]
    assert all(len(n) <= 31 for n in matrices)
    files = export_tables(fresh_corpus, tmp_path / "csv", format="csv", charts=False)
    assert {"matrise_dialogkonferanse_fase_2_runde_midt.csv",
            "matrise_dialogkonferanse_fase_2_runde_varanger.csv"} <= {f.name for f in files}


def test_sheet_names_unit():
    names = sheet_names(["Matrise dialogkonferanse fase 2 (Midt)", "Matrise dialogkonferanse fase 2 (Varanger)",
                         "Matrise fase 1", "Sitater", "sitater", "a/b"])
    assert names == ["Matrise dialogkonfe… (Midt)", "Matrise dialogkonfe… (Varanger)", "Matrise fase 1",
                     "Sitater", "sitater (2)", "a_b"]


def test_a_copy_under_another_name_is_named_as_skipped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    text = "Kari: Vi har fått bedre kontakt med fylket.\n\nOla: Det er jeg enig i.\n"
    (folder / "a.txt").write_text(text, encoding="utf-8")
    (folder / "kopi.txt").write_text(text, encoding="utf-8")
    (folder / "b.txt").write_text("Kari: Noe annet.\n\nOla: Ja.\n", encoding="utf-8")
    url = f"sqlite:///{tmp_path / 'wb.db'}"
    r = invoke(url, "ingest", str(folder))
    assert r.exit_code == 0, r.output
    line = ("Hoppet over: kopi.txt has the same content as the already ingested a.txt, so it is not stored "
            "again (the same bytes are stored once, whatever the name; check that kopi.txt is the file you meant)")
    assert line in r.output.splitlines()
    assert "2 lagt til, 0 uendret, 1 hoppet over (samme innhold som en lagret fil)" in r.output
    again = invoke(url, "ingest", str(folder))
    assert "0 lagt til, 2 uendret, 1 hoppet over" in again.output and line in again.output.splitlines()


# ------------------------------------------------------------------ paths: advice, folder names, suffixes

def test_bad_path_advice_fits_the_error(tmp_path):
    import errno

    from workbench.export.writers import cannot_write

    (tmp_path / "afile").write_text("x", encoding="utf-8")
    locked = cannot_write(tmp_path / "t.xlsx", "workbook", PermissionError(errno.EACCES, "Permission denied"))
    assert str(locked).endswith("(Permission denied); close it in Excel/Word or choose another -o path")
    assert norwegian(locked).startswith("Filen «") and "Lukk den i Excel eller Word" in norwegian(locked)
    gone = cannot_write(tmp_path / "t.xlsx", "workbook", FileNotFoundError(errno.ENOENT, "No such file or directory"))
    assert str(gone).endswith("(No such file or directory); choose another -o path")
    assert "Excel" not in str(gone) and "Excel" not in norwegian(gone)


def test_export_to_a_folder_that_cannot_be_made_is_one_line_without_excel_advice(corpus, tmp_path):
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    out = tmp_path / "afile" / "t.docx"
    r = invoke(corpus.url, "export", "tables", "-o", str(out), "--no-charts")
    assert r.exit_code == 1 and r.output.count("\n") == 1 and "Traceback" not in r.output
    assert r.output.startswith(f"Error: {out}: cannot make the folder {out.parent} (")
    assert r.output.rstrip().endswith("; choose another -o path") and "Excel/Word" not in r.output


def test_quotes_into_a_folder_are_named_sitater(corpus, tmp_path):
    (tmp_path / "out").mkdir()
    r = invoke(corpus.url, "export", "quotes", "--code", "kapasitet", "-o", str(tmp_path / "out"))
    assert r.exit_code == 0 and r.output == f"Skrev {tmp_path / 'out' / 'sitater.docx'}\n"
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["sitater.docx"]


def test_a_suffix_of_no_export_format_is_refused_not_doubled(corpus, tmp_path):
    out = tmp_path / "out" / "t.txt"
    r = invoke(corpus.url, "export", "tables", "-o", str(out), "--no-charts")
    assert r.exit_code == 1 and r.output.count("\n") == 1
    assert r.output == (f"Error: {out}: the name ends in .txt, which is not an export format; name the file "
                        "t.xlsx, t.docx, t.csv or t.md\n")
    assert not (tmp_path / "out").exists()  # no t.txt.xlsx
    r = invoke(corpus.url, "export", "quotes", "--code", "kapasitet", "--format", "md", "-o", str(out))
    assert r.exit_code == 1 and r.output.rstrip().endswith("name the file t.md")


# ------------------------------------------------------------------ empty selections, filters in the caption

CHECK = "(sjekk --code, --coder, --actor, --phase, --pilot og om noe er kodet)."
EMPTY = "(ingen rader: ingen kodede segmenter i utvalget)"


def test_an_empty_quote_export_warns_and_says_so_in_the_sheet(corpus, tmp_path):
    import openpyxl

    out = tmp_path / "empty.xlsx"  # bjorn coded nothing under styring
    r = invoke(corpus.url, "export", "quotes", "--code", "styring", "--coder", "bjorn", "-o", str(out))
    assert r.exit_code == 0 and r.output == (f"Skrev {out}\nIngen kodede segmenter for «Styring» (styring); "
                                             f"koder: bjorn. {out} har ingen sitater {CHECK}\n")
    sheet = openpyxl.load_workbook(out).active
    assert sheet["A1"].value == "Sitater kodet «Styring» (styring); koder: bjorn"  # the title row
    assert sheet["A2"].value == "Kode" and sheet["A3"].value == EMPTY
    r = invoke(corpus.url, "export", "quotes", "--code", "kapasitet", "-o", str(tmp_path / "full.xlsx"))
    assert r.exit_code == 0 and "Ingen kodede" not in r.output


def test_an_empty_table_export_warns_like_the_dashboard(corpus, tmp_path):
    import openpyxl

    out = tmp_path / "t.xlsx"
    r = invoke(corpus.url, "export", "tables", "--codes", "styring", "--coder", "bjorn", "-o", str(out), "--no-charts")
    dashboard = invoke(corpus.url, "dashboard", "--codes", "styring", "--coder", "bjorn")
    assert r.exit_code == 0 and r.output == f"Skrev {out}\n" + dashboard.output
    assert dashboard.output == "Ingen kodede segmenter (sjekk --codes, --coder og om noe er kodet).\n"
    book = openpyxl.load_workbook(out)
    assert book["Tema per aktør og fase"]["A2"].value == "(ingen rader: ingen kodede segmenter i utvalget)"
    r = invoke(corpus.url, "export", "tables", "--codes", "styring", "-o", str(tmp_path / "u.xlsx"), "--no-charts")
    assert r.exit_code == 0 and "Ingen kodede" not in r.output


def test_quote_caption_names_the_filters(corpus, tmp_path):
    import docx

    r = invoke(corpus.url, "export", "quotes", "--code", "kontrakt", "--actor", "prosjektleder", "--phase",
               "Fase 2", "-o", str(tmp_path / "q.docx"))
    assert r.exit_code == 0
    captions = [p.text for p in docx.Document(tmp_path / "q.docx").paragraphs if p.style.name == "Caption"]
    assert captions == ["Tabell 1: Sitater kodet «Kontraktsform» (kontrakt); aktør: prosjektleder, fase: fase 2"]
    invoke(corpus.url, "export", "quotes", "--code", "kontrakt", "--pilot", "Midt-Finnmark", "-o", str(tmp_path / "q.md"))
    assert "**Tabell 1: Sitater kodet «Kontraktsform» (kontrakt); pilot: Midt-Finnmark**" in (
        tmp_path / "q.md").read_text(encoding="utf-8")


# (styring and kontrakt have subcodes: «Kode» says which of them a quote is coded with)
QUOTE_HEADER = ["Kode", "Kilde", "Taler", "Aktør", "Fase", "Tid/posisjon", "Kodere", "Sitat"]


def test_quote_workbook_has_a_title_row_naming_the_filters(corpus, tmp_path):
    import openpyxl

    out = export_quotes(corpus, tmp_path / "q.xlsx", code="kontrakt", actor="prosjektleder", phase="Fase 2")[0]
    ws = openpyxl.load_workbook(out)["Sitater"]
    assert ws["A1"].value == "Sitater kodet «Kontraktsform» (kontrakt); aktør: prosjektleder, fase: fase 2"
    assert ws["A1"].font.b and [str(r) for r in ws.merged_cells.ranges] == ["A1:H1"]
    assert [c.value for c in ws[2]] == QUOTE_HEADER and all(c.font.b for c in ws[2])
    assert ws.freeze_panes == "A3" and ws.auto_filter.ref == "A2:H3"  # on the header row, not the title
    assert [c.value for c in ws[3]][1:] == ["intervju_fase2.srt", "Prosjektleder 1", "prosjektleder", "fase 2",
                                        "00:00:10", "anna", "Handlingsplanen er mer forpliktende nå."]
    assert ws["H3"].alignment.wrap_text and ws["A2"].fill.fgColor.rgb.endswith("DDE4EE")  # header style
    assert ws["A1"].fill.fgColor.rgb == "00000000"
    # a workbook of several tables (export tables) keeps its header in row 1
    book = openpyxl.load_workbook(export_tables(corpus, tmp_path / "t.xlsx", charts=False)[0])
    assert book["Sitater"]["A1"].value == "Kode" and book["Sitater"].freeze_panes == "A2"
    assert not book["Sitater"].merged_cells.ranges


def test_an_empty_quote_md_names_the_filters_and_says_why(corpus, tmp_path):
    out = tmp_path / "q.md"
    r = invoke(corpus.url, "export", "quotes", "--code", "styring", "--coder", "bjorn", "--actor", "prosjektleder",
               "-o", str(out))
    assert r.exit_code == 0 and r.output == (
        f"Skrev {out}\nIngen kodede segmenter for «Styring» (styring); aktør: prosjektleder, koder: bjorn. "
        f"{out} har ingen sitater {CHECK}\n")
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[:3] == ["# Sitater kodet «Styring»", "",
                         "**Tabell 1: Sitater kodet «Styring» (styring); aktør: prosjektleder, koder: bjorn**"]
    header = "| " + " | ".join(QUOTE_HEADER) + " |"
    assert lines.index(f"*{EMPTY}*") > lines.index(header)  # the note below the (empty) table
    full = export_quotes(corpus, tmp_path / "full.md", code="kapasitet", format="md")[0]
    assert "ingen rader" not in full.read_text(encoding="utf-8")


def test_an_empty_quote_csv_is_its_header_alone_and_the_warning_names_filters_and_file(corpus, tmp_path):
    out = tmp_path / "q.csv"
    r = invoke(corpus.url, "export", "quotes", "--code", "styring", "--coder", "bjorn", "--phase", "fase 1",
               "-o", str(out))
    assert r.exit_code == 0 and r.output == (
        f"Skrev {out}\nIngen kodede segmenter for «Styring» (styring); fase: fase 1, koder: bjorn. "
        f"{out} har bare overskriftsraden {CHECK}\n")
    with open(out, encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        assert reader.fieldnames == QUOTE_HEADER and list(reader) == []
    assert out.read_text(encoding="utf-8-sig").splitlines() == [",".join(QUOTE_HEADER)]  # no title, no note
    # with quotes: the header first, then one row per quote, no title or note line for a program to trip on
    full = export_quotes(corpus, tmp_path / "full.csv", code="kontrakt", actor="prosjektleder")[0]
    assert full.read_text(encoding="utf-8-sig").splitlines()[0] == ",".join(QUOTE_HEADER)
    rows = lines_of(full)
    assert len(rows) == 2 and {r["Aktør"] for r in rows} == {"prosjektleder"} and list(rows[0]) == QUOTE_HEADER


def test_an_empty_released_quote_export_says_no_quote_is_released(released, tmp_path):
    import openpyxl

    out = tmp_path / "r.xlsx"
    r = invoke(released.url, "export", "quotes", "--code", "kapasitet", "--suppress", "--phase", "fase 2",
               "-o", str(out))
    assert r.exit_code == 0 and r.output.splitlines() == [
        f"Skrev {out}",
        f"Ingen frigitte sitater for «Kapasitet» (kapasitet); fase: fase 2. {out} har ingen sitater (sjekk --code, "
        "--coder, --actor, --phase, --pilot og om noe er frigitt med workbench release)."]
    ws = openpyxl.load_workbook(out).active
    assert ws["A1"].value == ("Frigitte sitater kodet «Kapasitet» (kapasitet), pseudonymisert og renset for navn og "
                              "kontaktopplysninger; fase: fase 2")
    assert ws["A2"].value == "Kode" and ws["A3"].value == "(ingen rader: ingen frigitte sitater i utvalget)"
