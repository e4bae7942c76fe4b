"""`workbench codebook ...` as a user runs it: exit codes, one-line errors, output files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from workbench.cli import cli
from workbench.codebook import validate_qdc
from workbench.codebook.qdc import NoAliasDumper

FULL = {"definition": "d", "inclusion": "i", "exclusion": "e", "examples": ["x"], "theory": "T",
        "lexicon": ["ord"]}
BOOK = {"name": "t", "codes": {"kontrakt": {"label": "Kontrakt", "codable": False, "children": [
    {"id": "kontrakt.hybrid", "label": "Hybrid", **FULL},
    {"id": "kontrakt.relasjonell", "label": "Relasjonell", **FULL}]}}}


def dump(data, **kw):
    """YAML without anchors/aliases (a codebook refuses them; safe_dump writes one for a list
    object used twice, as the **FULL of these tests)."""
    return yaml.dump(data, Dumper=NoAliasDumper, **kw)


def run(tmp_path, *args):
    r = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'wb.db'}", "--user", "kari", *args], obj={})
    return r


def test_validate_exit_codes_and_strict(tmp_path):
    p = tmp_path / "k.yaml"
    p.write_text(dump(BOOK), encoding="utf-8")
    r = run(tmp_path, "codebook", "validate", str(p), "--strict")
    assert r.exit_code == 0 and "gyldig (3 koder" in r.output
    book = json.loads(json.dumps(BOOK))
    book["codes"]["kontrakt"]["children"][0]["examples"] = []
    p.write_text(dump(book), encoding="utf-8")
    assert run(tmp_path, "codebook", "validate", str(p)).exit_code == 0
    r = run(tmp_path, "codebook", "validate", str(p), "--strict")
    assert r.exit_code == 1 and "examples: empty examples" in r.output
    p.write_text("codes: [", encoding="utf-8")
    r = run(tmp_path, "codebook", "validate", str(p))
    assert r.exit_code == 1 and "malformed YAML at line" in r.output and "Traceback" not in r.output


def test_load_show_export_merge(tmp_path):
    p = tmp_path / "k.yaml"
    p.write_text(dump(BOOK), encoding="utf-8")
    r = run(tmp_path, "codebook", "load", str(p))
    assert r.exit_code == 0, r.output
    r = run(tmp_path, "codebook", "show", "--json")
    rows = json.loads(r.output)
    assert [x["id"] for x in rows] == ["kontrakt", "kontrakt.hybrid", "kontrakt.relasjonell"]
    out = tmp_path / "k.qdc"
    r = run(tmp_path, "codebook", "export", "--format", "qdc", "-o", str(out))
    assert r.exit_code == 0 and validate_qdc(out) == []
    r = run(tmp_path, "codebook", "export", "--format", "md", "-o", str(tmp_path / "k.md"), "--from", str(p))
    assert r.exit_code == 0 and "Eksempel" in (tmp_path / "k.md").read_text(encoding="utf-8")
    r = run(tmp_path, "codebook", "merge", "kontrakt.hybird", "kontrakt.relasjonell")
    assert r.exit_code == 1
    assert r.output.strip() == "Error: unknown code 'kontrakt.hybird'; did you mean 'kontrakt.hybrid'?"
    r = run(tmp_path, "codebook", "merge", "kontrakt.hybrid", "kontrakt")
    assert r.exit_code == 1 and r.output.strip() == (
        "Error: code 'kontrakt' is a category and cannot be applied; merge into one of its subcodes: "
        "kontrakt.relasjonell")
    r = run(tmp_path, "codebook", "merge", "kontrakt.hybrid", "kontrakt.relasjonell")
    assert r.exit_code == 0, r.output
    assert [x["id"] for x in json.loads(run(tmp_path, "codebook", "show", "--json").output)] == [
        "kontrakt", "kontrakt.relasjonell"]


def test_import_writes_a_valid_yaml(tmp_path):
    src = tmp_path / "k.csv"
    src.write_text("id,label,parent\nbolig,Bolig,\nbolig.leie,Leie,bolig\n", encoding="utf-8")
    out = tmp_path / "ny.yaml"
    r = run(tmp_path, "codebook", "import", str(src), "-o", str(out))
    assert r.exit_code == 0 and "Skrev" in r.output and "Advarsel" in r.output
    assert run(tmp_path, "codebook", "validate", str(out)).exit_code == 0
    r = run(tmp_path, "codebook", "import", str(tmp_path / "mangler.qdc"), "-o", str(out))
    assert r.exit_code == 1 and "file not found" in r.output


# ------------------------------------------------------------------ export paths, page, CSV cells

def _book_file(tmp_path, labels=("Hybrid", "Relasjonell")):
    book = json.loads(json.dumps(BOOK))
    for child, label in zip(book["codes"]["kontrakt"]["children"], labels):
        child["label"] = label
    p = tmp_path / "k.yaml"
    p.write_text(dump(book, allow_unicode=True), encoding="utf-8")
    return p


def test_export_makes_missing_folders_and_a_bad_path_is_one_line(tmp_path):
    book = _book_file(tmp_path)
    for fmt in ("docx", "csv", "md", "qdc"):
        out = tmp_path / "out" / "nofolder" / fmt / f"kodebok.{fmt}"
        r = run(tmp_path, "codebook", "export", "--from", str(book), "--format", fmt, "-o", str(out))
        assert r.exit_code == 0, r.output
        assert out.stat().st_size > 0 and r.output.startswith(f"Skrev {out}")
    (tmp_path / "afile").write_text("x", encoding="utf-8")
    bad = tmp_path / "afile" / "kodebok.docx"  # a folder that cannot be made: a file has its name
    r = run(tmp_path, "codebook", "export", "--from", str(book), "--format", "docx", "-o", str(bad))
    assert r.exit_code == 1 and "Traceback" not in r.output and r.output.count("\n") == 1
    assert r.output.startswith(f"Error: {bad}: cannot make the folder {bad.parent} (")
    assert r.output.rstrip().endswith("; choose another -o path") and "Excel/Word" not in r.output


def test_word_codebook_is_a4_with_2_cm_margins_like_the_tables(tmp_path):
    import docx

    out = tmp_path / "kodebok.docx"
    assert run(tmp_path, "codebook", "export", "--from", str(_book_file(tmp_path)), "--format", "docx",
               "-o", str(out)).exit_code == 0
    section = docx.Document(str(out)).sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    assert {round(getattr(section, f"{side}_margin").cm, 1) for side in ("left", "right", "top", "bottom")} == {2.0}


def test_csv_codebook_has_a_bom_and_no_live_formula_and_reimports_the_labels(tmp_path):
    from workbench.codebook import parse_csv

    out = tmp_path / "kodebok.csv"
    book = _book_file(tmp_path, labels=("=1+2 Tillit", "@SUM(A1) Tid"))
    assert run(tmp_path, "codebook", "export", "--from", str(book), "--format", "csv", "-o", str(out)).exit_code == 0
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    text = raw.decode("utf-8-sig")
    assert ",'=1+2 Tillit," in text and ",'@SUM(A1) Tid," in text
    assert ",=1+2" not in text and ",@SUM" not in text
    assert [s.label for s in parse_csv(out)][-2:] == ["=1+2 Tillit", "@SUM(A1) Tid"]  # the "'" taken off again


# ------------------------------------------------------------------ the shipped codebook

SHIPPED = Path(__file__).resolve().parents[1] / "codebooks" / "bygdevekst.yaml"


def test_a_duplicate_theme_is_refused_by_validate_and_load_and_nothing_is_retired(tmp_path):
    assert run(tmp_path, "codebook", "load", str(SHIPPED)).exit_code == 0
    before = run(tmp_path, "codebook", "show", "--json").output
    text = SHIPPED.read_text(encoding="utf-8")
    bad = tmp_path / "bygdevekst.yaml"
    bad.write_text(text + "  kontrakt:\n    label: Kontrakt\n    codable: false\n", encoding="utf-8")
    where = f"{bad}: line {text.count(chr(10)) + 1}: the key 'kontrakt' appears twice in the same mapping"
    r = run(tmp_path, "codebook", "validate", str(bad), "--strict")
    assert r.exit_code == 1 and where in r.output and "merge the two or rename one" in r.output
    r = run(tmp_path, "codebook", "load", str(bad))
    assert r.exit_code == 1 and r.output.count("\n") == 1 and r.output.startswith(f"Error: {where}")
    assert run(tmp_path, "codebook", "show", "--json").output == before


@pytest.mark.parametrize("fmt", ["csv", "qdc"])
def test_export_import_load_of_the_shipped_codebook_changes_no_code(tmp_path, fmt):
    from workbench.codebook import current_version, validate_codebook
    from workbench.store import Database

    assert run(tmp_path, "codebook", "load", str(SHIPPED)).exit_code == 0
    out, back = tmp_path / f"bygdevekst.{fmt}", tmp_path / "tilbake.yaml"
    assert run(tmp_path, "codebook", "export", "--format", fmt, "-o", str(out)).exit_code == 0
    assert run(tmp_path, "codebook", "import", str(out), "-o", str(back)).exit_code == 0
    r = run(tmp_path, "codebook", "load", str(back))
    assert r.exit_code == 0, r.output
    # a new version (the import writes its own title), but not one code added, changed or retired
    assert r.output.strip() == "Kodebok lastet som versjon 2: 0 nye, 0 endret, 0 omdøpt, 0 pensjonert, 0 slettet."
    db = Database(f"sqlite:///{tmp_path / 'wb.db'}")
    try:
        assert current_version(db)["content"]["codes"] == validate_codebook(SHIPPED).codebook.to_data()["codes"]
    finally:
        db.dispose()
    r = run(tmp_path, "codebook", "load", str(back))  # and loading it again is no change at all
    assert r.output.strip() == "Kodeboka er uendret (versjon 2): 0 nye, 0 endret, 0 omdøpt, 0 pensjonert, 0 slettet."


# ------------------------------------------------------------------ control characters, Office files

def test_a_csv_with_words_line_break_imports_loads_and_exports_as_qdc_and_word(tmp_path):
    """The tester's route: a CSV with \\v in a definition -> import -> validate -> load -> export
    qdc and docx (the exports failed with "All strings must be XML compatible")."""
    import csv

    import docx

    src = tmp_path / "k.csv"
    with src.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "label", "parent", "definition"])
        w.writerow(["bolig", "Bolig", "", "Om bolig."])
        w.writerow(["bolig.leie", "Leie", "bolig", "Første linje\x0bandre linje"])
    out = tmp_path / "k.yaml"
    r = run(tmp_path, "codebook", "import", str(src), "-o", str(out))
    assert r.exit_code == 0, r.output
    assert "row 3: control characters in definition of code 'bolig.leie' were cleaned" in r.output
    assert run(tmp_path, "codebook", "validate", str(out)).exit_code == 0
    assert run(tmp_path, "codebook", "load", str(out)).exit_code == 0
    for fmt in ("qdc", "docx"):
        r = run(tmp_path, "codebook", "export", "--format", fmt, "-o", str(tmp_path / f"k.{fmt}"))
        assert r.exit_code == 0 and "Traceback" not in r.output, r.output
    assert validate_qdc(tmp_path / "k.qdc") == []
    cells = [c.text for t in docx.Document(str(tmp_path / "k.docx")).tables for row in t.rows for c in row.cells]
    assert "Første linje\nandre linje" in cells


def test_a_yaml_codebook_with_escaped_control_characters_loads_clean(tmp_path):
    book = json.loads(json.dumps(BOOK))
    book["codes"]["kontrakt"]["children"][0]["definition"] = "En\x0bto\x01"
    p = tmp_path / "k.yaml"
    p.write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    r = run(tmp_path, "codebook", "load", str(p))
    assert r.exit_code == 0, r.output
    assert "Advarsel:" in r.output and "definition of code 'kontrakt.hybrid' were cleaned" in r.output
    rows = json.loads(run(tmp_path, "codebook", "show", "--json").output)
    assert rows[1]["definition"] == "En\nto"
    r = run(tmp_path, "codebook", "export", "--format", "docx", "-o", str(tmp_path / "k.docx"))
    assert r.exit_code == 0, r.output


def test_an_excel_workbook_given_to_import_is_one_line_saying_save_as_csv(tmp_path):
    import openpyxl

    book = tmp_path / "x.xlsx"
    wb = openpyxl.Workbook()
    wb.active.append(["id", "label"])
    wb.save(book)
    r = run(tmp_path, "codebook", "import", str(book), "-o", str(tmp_path / "o.yaml"))
    assert r.exit_code == 1 and "Traceback" not in r.output and r.output.count("\n") == 1
    assert r.output == (f"Error: {book} is an Excel workbook; save the sheet as CSV (UTF-8) and import that; "
                        "`codebook import` reads CSV (.csv) and REFI-QDA .qdc, .qdpx and .qde files\n")
    assert "project.qde" not in r.output
