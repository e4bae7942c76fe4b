"""A QDPX import that left something of the file out says so: ``ImportReport.skipped`` counts it by
kind, the summary has a line "Ikke importert: ...", ``--json`` has ``partial`` and ``skipped``, and
`workbench import qdpx` exits 1, with what could be imported stored all the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.test_qdpx_import import G, codebook, project, selection, text_source, users, write_qdpx
from workbench.refi.importer import import_qdpx
from workbench.store import Coding, Memo, Source

RESEARCHER = "forsker"
TEXT = "Kort tekst om tillit og kapasitet.\n"   # 35 characters


def _qdpx(tmp_path: Path, file_name: str, extra_selections: str = "", extra: str = "", inner: str = "",
          files: dict[str, bytes] | None = None) -> Path:
    """One source p.txt with a good selection ("tillit", code tema) and ``extra_selections``."""
    sels = selection("ok", 14, 20, "tema", "kari") + extra_selections
    body = (users("kari") + codebook("tema", "annet") + extra + "<Sources>"
            + text_source("p", "p.txt", sels + inner, f"internal://{G('src:p')}.txt") + "</Sources>")
    return write_qdpx(tmp_path / file_name, project(body),
                      {f"sources/{G('src:p')}.txt": TEXT.encode("utf-8"), **(files or {})})


def outside(tmp_path: Path) -> Path:
    """(a) A selection past the end of its source's text, with two codings."""
    sel = (f'<PlainTextSelection guid="{G("s:ute")}" startPosition="30" endPosition="90" '
           f'creatingUser="{G("u:kari")}">'
           + "".join(f'<Coding guid="{G("coding:ute:" + c)}" creatingUser="{G("u:kari")}">'
                     f'<CodeRef targetGUID="{G("c:" + c)}"/></Coding>' for c in ("tema", "annet"))
           + "</PlainTextSelection>")
    return _qdpx(tmp_path, "utenfor.qdpx", sel)


def unknown_code(tmp_path: Path) -> Path:
    """(b) A coding on a code GUID that is not in the project's codebook."""
    return _qdpx(tmp_path, "ukjent.qdpx", selection("kap", 24, 33, "finnes-ikke", "kari"))


def clean(tmp_path: Path) -> Path:
    """(c) Everything in the file can be imported."""
    return _qdpx(tmp_path, "ren.qdpx", selection("kap", 24, 33, "annet", "kari"))


def stored(db) -> tuple[list[str], list[tuple[str, str]]]:
    with db.session() as s:
        names = list(s.scalars(select(Source.file_name)))
        codings = [(c.code_id, TEXT[c.start_char:c.end_char]) for c in s.scalars(select(Coding).order_by(Coding.id))]
    return names, codings


# ------------------------------------------------------------------------------------------ library

def test_a_selection_outside_its_text_is_counted_with_its_codings(db, tmp_path):
    report = import_qdpx(db, outside(tmp_path), user=RESEARCHER)
    assert report.skipped == {"selections": 1, "codings": 2} and report.partial
    assert "Ikke importert: 1 utvalg, 2 kodinger (se advarslene)." in report.summary().splitlines()
    assert any(G("s:ute") in w and "skipped with its 2 codings" in w for w in report.warnings)
    assert stored(db) == (["p.txt"], [("tema", "tillit")])   # the rest is imported
    d = report.to_dict()
    assert d["partial"] is True and d["skipped"] == {"selections": 1, "codings": 2}


def test_a_coding_on_a_code_not_in_the_codebook_is_counted(db, tmp_path):
    report = import_qdpx(db, unknown_code(tmp_path), user=RESEARCHER)
    assert report.skipped == {"codings": 1} and report.partial
    assert "Ikke importert: 1 koding (se advarslene)." in report.summary().splitlines()
    assert report.codings == 1 and stored(db) == (["p.txt"], [("tema", "tillit")])


def test_a_clean_import_is_not_partial(db, tmp_path):
    report = import_qdpx(db, clean(tmp_path), user=RESEARCHER)
    assert report.skipped == {} and not report.partial
    assert "Ikke importert" not in report.summary()
    assert report.to_dict()["partial"] is False
    assert stored(db) == (["p.txt"], [("tema", "tillit"), ("annet", "kapasitet")])


def test_a_source_without_its_text_file_counts_the_source_and_its_codings(db, tmp_path):
    body = (users("kari") + codebook("tema") + "<Sources>"
            + text_source("p", "p.txt", selection("ok", 14, 20, "tema", "kari"), f"internal://{G('src:p')}.txt")
            + text_source("borte", "borte.txt", selection("b1", 0, 4, "tema", "kari")
                          + selection("b2", 5, 9, "tema", "kari"), "internal://borte.txt") + "</Sources>")
    path = write_qdpx(tmp_path / "mangler.qdpx", project(body), {f"sources/{G('src:p')}.txt": TEXT.encode("utf-8")})
    report = import_qdpx(db, path, user=RESEARCHER)
    assert report.skipped == {"sources": 1, "codings": 2}
    assert "Ikke importert: 1 kilde, 2 kodinger (se advarslene)." in report.summary().splitlines()
    assert stored(db)[0] == ["p.txt"]


def test_notes_sets_and_variables_left_out_are_counted(db, tmp_path):
    variables = ("<Variables>" + "".join(f'<Variable guid="{G("v:" + n)}" name="{n}" typeOfVariable="Text"/>'
                                         for n in ("Type", "Alder")) + "</Variables>")
    values = "".join(f'<VariableValue><VariableRef targetGUID="{G("v:" + n)}"/><TextValue>{v}</TextValue>'
                     "</VariableValue>" for n, v in (("Type", "podkast"), ("Alder", "44")))
    notes = (f'<Notes><Note guid="{G("n:borte")}" name="Refleksjon" plainTextPath="internal://notat.txt"/>'
             f'<Note guid="{G("n:her")}" name="Her"><PlainTextContent>Om kilden</PlainTextContent></Note></Notes>'
             f'<Sets><Set guid="{G("set")}" name="Gruppe"><MemberCode targetGUID="{G("c:tema")}"/></Set></Sets>')
    refs = f'<NoteRef targetGUID="{G("n:borte")}"/><NoteRef targetGUID="{G("n:her")}"/>'
    report = import_qdpx(db, _qdpx(tmp_path, "notater.qdpx", extra=variables + notes, inner=refs + values),
                         user=RESEARCHER)
    assert report.skipped == {"notes": 1, "other": 1, "variables": 1, "values": 1}, report.warnings
    assert any("note 'Refleksjon'" in w and "its text was not imported" in w for w in report.warnings)
    assert "Ikke importert: 1 notat, 1 variabel, 1 variabelverdi, 1 annet element (se advarslene)." in \
        report.summary().splitlines()
    with db.session() as s:
        assert "Om kilden" in set(s.scalars(select(Memo.text)))
    assert report.partial  # a note's text was lost


def test_variables_left_out_are_counted_but_the_import_is_not_partial(db, tmp_path):
    # QualCoder and NVivo projects carry variables the workbench has no field for ("Alder"): the
    # line says so, but the texts and codings are all there, so the command exits 0.
    variables = ('<Variables><Variable guid="%s" name="Alder" typeOfVariable="Text"/></Variables>' % G("v:Alder"))
    values = ('<VariableValue><VariableRef targetGUID="%s"/><TextValue>44</TextValue></VariableValue>'
              % G("v:Alder"))
    path = _qdpx(tmp_path, "variabler.qdpx", extra=variables, inner=values)
    from workbench.cli import cli

    result = CliRunner().invoke(cli, ["--db", db.url, "--user", RESEARCHER, "import", "qdpx", str(path)])
    assert result.exit_code == 0, result.output
    assert "Ikke importert: 1 variabel (se advarslene)." in result.output.splitlines()
    assert stored(db)[0]  # the source and its coding are there


# ------------------------------------------------------------------------------------------ command line

@pytest.mark.parametrize("build,skipped", [(outside, {"selections": 1, "codings": 2}),
                                           (unknown_code, {"codings": 1})])
def test_cli_exits_1_after_a_partial_import_and_keeps_what_was_imported(db, tmp_path, build, skipped):
    from workbench.cli import cli

    runner = CliRunner()
    base = ["--db", db.url, "--user", RESEARCHER, "import", "qdpx", str(build(tmp_path))]
    result = runner.invoke(cli, base)
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"Importert fra {build(tmp_path).name}") and lines[1].startswith("Ikke importert: ")
    assert any(line.startswith("Advarsel: ") and "skipped" in line for line in lines)
    assert stored(db) == (["p.txt"], [("tema", "tillit")])   # committed, not rolled back
    again = runner.invoke(cli, base + ["--json"])               # nothing new, still not all of the file
    assert again.exit_code == 1
    data = json.loads(again.output)
    assert data["partial"] is True and data["skipped"] == skipped and data["nothing_new"] is True


def test_cli_exits_0_after_a_complete_import(db, tmp_path):
    from workbench.cli import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["--db", db.url, "--user", RESEARCHER, "import", "qdpx", str(clean(tmp_path)),
                                 "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["partial"] is False and data["skipped"] == {} and data["codings"] == 2
    helped = runner.invoke(cli, ["import", "qdpx", "--help"])
    assert "Exits 1 when a source, selection, coding or note of the file was left out" in " ".join(helped.output.split())
