"""Codebook errors say where the mistake is and how to fix it: the row of a CSV's own code (also a
child), the flat form's own list item and line, a theme id's key line, a tab, an id with Norwegian
letters; and the codebook's name, which CSV and QDC cannot carry, survives a round trip when
``codebook import --name`` gives it (or the import says it was made up)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.codebook import import_codebook, validate_codebook
from workbench.errors import InputError

FULL = ("    definition: d\n    inclusion: i\n    exclusion: e\n    examples: [x]\n    theory: T\n"
        "    lexicon: [ord]\n")


def _errors(text: str) -> list[str]:
    return validate_codebook(text).errors


@pytest.mark.parametrize("csv_text, row, message", [
    # the bad child is on row 5; its parent on row 2
    ("id,label,parent,definition\nokonomi,Økonomi,,Penger\nbolig,Bolig,,Hus\nokonomi.skatt,Skatt,okonomi,x\n"
     "okonomi.min kode,Min kode,okonomi,Noe\n", "row 5, column id",
     "bad id 'okonomi.min kode'; write it as 'okonomi.min_kode'"),
    # a child put under another parent: its own row (4), not the parent's (3)
    ("id,label,parent,definition\nokonomi,Økonomi,,Penger\nbolig,Bolig,,Hus\nokonomi.skatt,Skatt,bolig,x\n",
     "row 4, column id", "id 'okonomi.skatt' is not under its parent; it must start with 'bolig.'"),
])
def test_csv_import_names_the_row_of_the_code_itself(tmp_path, csv_text, row, message):
    path = tmp_path / "koder.csv"
    path.write_text(csv_text, encoding="utf-8")
    with pytest.raises(InputError) as err:
        import_codebook(path, tmp_path / "ut.yaml")
    assert str(err.value) == f"{path}: {row}: {message}" + (
        "; use lowercase ASCII letters, digits and _ separated by dots" if "bad id" in message else "")


def test_flat_form_errors_name_the_codes_own_item_and_line():
    text = ("name: x\ncodes:\n  - id: a\n    label: A\n  - id: b\n    label: B\n"
            "  - id: b.x\n    label: BX\n    parent: a\n")
    assert _errors(text) == ["codes -> 2 -> id: id 'b.x' is not under its parent; it must start with 'a.' (line 7)"]
    bad = text.replace("id: b.x", "id: a.Stor")
    assert _errors(bad) == ["codes -> 2 -> id: bad id 'a.Stor'; write it as 'a.stor'; use lowercase ASCII letters, "
                            "digits and _ separated by dots (line 7)"]
    # the warnings, too, are at the code's own item
    warnings = validate_codebook(text.replace("id: b.x", "id: a.x")).warnings
    assert "codes -> 2 -> definition: empty definition for codable code 'a.x' (line 7)" in warnings


@pytest.mark.parametrize("key, fix", [("a b", "a_b"), ("Kontrakt", "kontrakt"), ("økonomi", "okonomi"),
                                      ("Årsak_til_Æ", "arsak_til_ae")])
def test_a_theme_id_error_is_at_its_keys_line_and_says_the_ascii_form(key, fix):
    text = f"name: x\ncodes:\n  {key}:\n    label: K\n" + FULL
    assert _errors(text) == [f"codes -> {key} -> id: bad id {key!r}; write it as {fix!r}; use lowercase ASCII "
                             "letters, digits and _ separated by dots (line 3)"]


def test_an_id_without_an_ascii_form_gets_no_made_up_fix():
    assert _errors("name: x\ncodes:\n  '?!':\n    label: K\n" + FULL) == [
        "codes -> ?! -> id: bad id '?!'; use lowercase ASCII letters, digits and _ separated by dots (line 3)"]


@pytest.mark.parametrize("text, where, fix", [
    ("name: x\ncodes:\n  a:\n    label: A\n\tdefinition: tab\n", "line 5, column 1", "indent with spaces, not tabs"),
    ("name: x\ncodes:\n\ta:\n\t\tlabel: A\n", "line 3, column 1", "indent with spaces, not tabs"),
    ("name: x\ncodes:\n  a:\n    label: A\n    definition:\tmed tab\n", "line 5, column 16", "replace it with a space"),
])
def test_a_tab_says_to_use_spaces(text, where, fix):
    errors = _errors(text)
    assert len(errors) == 1 and errors[0].startswith(f"malformed YAML at {where}: a tab character; {fix}")


def test_a_tab_in_a_file_is_one_line_with_the_fix(tmp_path):
    path = tmp_path / "k.yaml"
    path.write_text("name: x\ncodes:\n  a:\n    label: A\n\tdefinition: tab\n", encoding="utf-8")
    r = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'wb.db'}", "codebook", "load", str(path)], obj={})
    assert r.exit_code == 1 and r.output.strip() == (
        f"Error: {path}: malformed YAML at line 5, column 1: a tab character; indent with spaces, not tabs "
        "(YAML does not allow tabs for indentation)")


BOOK = "name: liten\ntitle: Liten kodebok\ncodes:\n  bolig:\n    label: Bolig\n" + FULL


def test_round_trip_keeps_the_name_given_or_says_it_was_made_up(db, tmp_path):
    """export --format csv|qdc, import, load: with --name the new version has the codebook's name,
    so --codebook-version liten finds it; without, the import's first warning says the name is
    the file's."""
    from workbench.analysis.frames import resolve_codebook_version
    from workbench.codebook import current_version, load_codebook

    (tmp_path / "liten.yaml").write_text(BOOK + "  samarbeid:\n    label: Samarbeid\n" + FULL, encoding="utf-8")
    first = load_codebook(db, tmp_path / "liten.yaml", user="anna").version_id
    runner = CliRunner()

    def run(*args):
        r = runner.invoke(cli, ["--db", db.url, "--user", "anna", *args], obj={})
        assert r.exit_code == 0, r.output
        return r

    for fmt in ("csv", "qdc"):
        run("codebook", "export", "--format", fmt, "-o", str(tmp_path / f"cb.{fmt}"))
        _out, warnings = import_codebook(tmp_path / f"cb.{fmt}", tmp_path / f"auto_{fmt}.yaml")
        assert warnings[0].startswith(f"cb.{fmt}: a ") and "does not carry the codebook's name, so it is named " \
            "'cb' after the file; give --name NAME" in warnings[0]
        r = run("codebook", "import", str(tmp_path / f"cb.{fmt}"), "-o", str(tmp_path / f"named_{fmt}.yaml"),
                "--name", "liten")
        assert "does not carry" not in r.output
        assert validate_codebook(tmp_path / f"named_{fmt}.yaml").codebook.name == "liten"
    report = load_codebook(db, tmp_path / "named_csv.yaml", user="anna")
    assert report.new_version and (report.added, report.updated, report.retired) == ([], [], [])
    assert current_version(db, user="anna")["name"] == "liten"
    assert resolve_codebook_version(db, "liten", user="anna") == report.version_id != first
    with pytest.raises(InputError, match="--name is empty"):
        import_codebook(tmp_path / "cb.csv", tmp_path / "x.yaml", name=" ")
