"""REFI-QDA import of what real and hostile files hold: "/" in flat code names (kept unless the writer
puts paths there), codes without a name or with one name, a DOCTYPE with entities (refused), UTF-16
text without a BOM, empty sources (not a partial import), and case/project descriptions (named)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.test_qdpx_import import G, counts, project, selection, text_source, users, write_qdpx
from workbench.codebook import import_codebook, iter_codes, parse_qdc, validate_codebook
from workbench.errors import InputError
from workbench.refi.importer import decode_text, import_qdpx
from workbench.store import Code, Coding, Segment, Source

RESEARCHER = "forsker"
TEXT = "Kari: Vi fikk ikke nok penger fra staten.\nOla: Samarbeidet med fylket gikk bra.\n"
PENGER = (TEXT.index("ikke nok penger"), TEXT.index("ikke nok penger") + len("ikke nok penger"))
SAMARBEID = (TEXT.index("Samarbeidet"), TEXT.index("Samarbeidet") + len("Samarbeidet med fylket"))


def _codes(*codes: tuple[str, str | None]) -> str:
    """Flat codes (key, name); a name None leaves the attribute out."""
    return "<CodeBook><Codes>" + "".join(
        f'<Code guid="{G("c:" + key)}"' + (f' name="{name}"' if name is not None else "") + ' isCodable="true"/>'
        for key, name in codes) + "</Codes></CodeBook>"


def _two_codings(tmp_path: Path, file: str, codebook_xml: str, first: str, second: str, *, origin: str = "NVivo 14",
                 text: bytes | None = None) -> Path:
    """One source with "ikke nok penger" coded ``first`` and "Samarbeidet med fylket" ``second``."""
    sels = selection("a", *PENGER, first, "kari") + selection("b", *SAMARBEID, second, "kari")
    body = (users("kari") + codebook_xml + "<Sources>"
            + text_source("p", "intervju.txt", sels, f"internal://{G('src:p')}.txt") + "</Sources>")
    return write_qdpx(tmp_path / file, project(body, origin=origin),
                      {f"sources/{G('src:p')}.txt": text if text is not None else TEXT.encode("utf-8")})


def coded(db) -> list[tuple[str, str | None, str]]:
    """(code label, its parent's label, coded text) of every stored coding."""
    with db.session() as s:
        labels = {c.id: (c.label, c.parent_id) for c in s.scalars(select(Code))}
        rows = s.execute(select(Coding.code_id, Coding.start_char, Coding.end_char, Source.canonical_text)
                         .join(Segment, Coding.segment_id == Segment.id).join(Source, Segment.source_id == Source.id)
                         .order_by(Coding.id)).all()
    return [(labels[k][0], labels[labels[k][1]][0] if labels[k][1] else None, t[a:b]) for k, a, b, t in rows]


# ------------------------------------------------------------------------------------------ 1: "/" in names

def test_slash_in_a_flat_nvivo_code_name_is_kept_as_typed(db, tmp_path):
    path = _two_codings(tmp_path, "flat.qdpx", _codes(("a", "ja/nei-spørsmål"), ("b", "stat/kommune")), "a", "b")
    report = import_qdpx(db, path, user=RESEARCHER)
    assert coded(db) == [("ja/nei-spørsmål", None, "ikke nok penger"),
                         ("stat/kommune", None, "Samarbeidet med fylket")]
    assert len(report.codes_added) == 2 and not any("path of codes" in w for w in report.warnings)


def test_a_flat_qdc_from_nvivo_keeps_its_slashes(tmp_path):
    p = tmp_path / "nvivo.qdc"
    p.write_text('<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="urn:QDA-XML:codebook:1:0" origin="NVivo 14">'
                 f'<Codes><Code guid="{G("c:1")}" name="Covid/vaksine" isCodable="true"/>'
                 f'<Code guid="{G("c:2")}" name="før/etter" isCodable="true"/></Codes></CodeBook>', encoding="utf-8")
    specs, info = parse_qdc(p)
    assert [(s.label, s.parent) for s in specs] == [("Covid/vaksine", None), ("før/etter", None)]
    assert not info["warnings"]


def test_atlas_ti_paths_are_split_and_said_so_in_one_warning(db, tmp_path):
    path = _two_codings(tmp_path, "atlas.qdpx", _codes(("a", "Økonomi::penger"), ("b", "Samarbeid/fylke")), "a", "b",
                        origin="ATLAS.ti 8.4.0 573")
    report = import_qdpx(db, path, user=RESEARCHER)
    assert coded(db) == [("penger", "Økonomi", "ikke nok penger"),
                         ("Samarbeid/fylke", None, "Samarbeidet med fylket")]   # ATLAS.ti paths use "::" only
    said = [w for w in report.warnings if "read as a path of codes" in w]
    assert len(said) == 1 and "ATLAS.ti" in said[0] and "'Økonomi::penger'" in said[0]


def test_the_atlas_ti_sample_still_nests_its_coke_codes(shared_dir):
    specs, info = parse_qdc(shared_dir / "refi-qda" / "samples" / "atlasti-8.4-mac_refi-spec-annex-A2_project.qde")
    got = [(s.id, s.label, s.parent) for s in specs if s.id.startswith("coke")]
    assert got == [("coke", "Coke", None), ("coke.full_fat_coke", "full-fat Coke", "coke"),
                   ("coke.diet_coke", "diet Coke", "coke")]
    assert sum("read as a path of codes" in w for w in info["warnings"]) == 1


# ------------------------------------------------------------------------------------------ 2: names

def test_two_codes_without_a_name_stay_two_codes_with_their_codings(db, tmp_path):
    path = _two_codings(tmp_path, "uten.qdpx", _codes(("a", None), ("b", "")), "a", "b")
    report = import_qdpx(db, path, user=RESEARCHER)
    assert coded(db) == [("uten navn", None, "ikke nok penger"), ("uten navn (2)", None, "Samarbeidet med fylket")]
    assert not report.partial and report.skipped == {}
    assert not any("not in the project's codebook" in w for w in report.warnings)
    assert any("stored as 'uten navn (2)'" in w for w in report.warnings)


@pytest.mark.parametrize("origin", ["NVivo 14", "Taguette 1.5.2"])
def test_two_sibling_codes_with_one_name_keep_both_codings_also_on_reimport(db, tmp_path, origin):
    path = _two_codings(tmp_path, "samme.qdpx", _codes(("a", "penger"), ("b", "penger")), "a", "b", origin=origin)
    report = import_qdpx(db, path, user=RESEARCHER)
    assert coded(db) == [("penger", None, "ikke nok penger"), ("penger", None, "Samarbeidet med fylket")]
    assert len(report.codes_added) == 2 and not report.partial
    again = import_qdpx(db, path, user=RESEARCHER)   # the same file again adds nothing
    assert again.nothing_new and not again.codes_added and again.codings_existing == 2


def test_nested_sibling_codes_with_one_name_keep_both_codings(db, tmp_path):
    book = (f'<CodeBook><Codes><Code guid="{G("c:tema")}" name="tema" isCodable="false">'
            f'<Code guid="{G("c:a")}" name="penger" isCodable="true"/>'
            f'<Code guid="{G("c:b")}" name="penger" isCodable="true"/></Code></Codes></CodeBook>')
    import_qdpx(db, _two_codings(tmp_path, "nested.qdpx", book, "a", "b"), user=RESEARCHER)
    assert coded(db) == [("penger", "tema", "ikke nok penger"), ("penger", "tema", "Samarbeidet med fylket")]


# ------------------------------------------------------------------------------------------ 3: DTD

XXE = ('<!DOCTYPE Project [<!ENTITY xxe SYSTEM "file:///etc/hostname"><!ENTITY inl "INTERNAL">]>\n')


def test_a_project_with_entity_declarations_is_refused_and_changes_nothing(db, tmp_path):
    book = (f'<CodeBook><Codes><Code guid="{G("c:a")}" name="penger &inl;" isCodable="true">'
            '<Description>før &xxe; etter</Description></Code></Codes></CodeBook>')
    xml = _two_codings(tmp_path, "ok.qdpx", book, "a", "a")  # the same project with a DOCTYPE
    import zipfile

    qde = zipfile.ZipFile(xml).read("project.qde").decode("utf-8").replace("?>\n", "?>\n" + XXE, 1)
    path = write_qdpx(tmp_path / "xxe.qdpx", qde, {f"sources/{G('src:p')}.txt": TEXT.encode("utf-8")})
    before = counts(db)
    with pytest.raises(InputError) as err:
        import_qdpx(db, path, user=RESEARCHER)
    msg = str(err.value)
    assert msg.startswith("xxe.qdpx: project.qde has a DOCTYPE that declares entities") and "\n" not in msg
    assert "export it again" in msg and err.value.code == "qdpx.doctype"
    assert counts(db) == before

    from workbench.cli import cli

    result = CliRunner().invoke(cli, ["--db", db.url, "--user", RESEARCHER, "import", "qdpx", str(path)])
    assert result.exit_code != 0 and "DOCTYPE that declares entities" in result.output
    assert counts(db) == before


def test_a_billion_laughs_project_is_refused_as_a_doctype(db, tmp_path):
    lol = ('<!DOCTYPE Project [<!ENTITY l0 "lol">' + "".join(
        f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10}">' for i in range(1, 10)) + "]>\n")
    xml = project(users("kari") + f'<CodeBook><Codes><Code guid="{G("c:a")}" name="a&l9;" isCodable="true"/>'
                  "</Codes></CodeBook>").replace("?>\n", "?>\n" + lol, 1)
    with pytest.raises(InputError, match="DOCTYPE that declares entities"):
        import_qdpx(db, write_qdpx(tmp_path / "lol.qdpx", xml), user=RESEARCHER)


def test_a_qdc_with_entity_declarations_is_refused(tmp_path):
    p = tmp_path / "xxe.qdc"
    p.write_text('<?xml version="1.0" encoding="utf-8"?>\n' + XXE.replace("Project", "CodeBook")
                 + '<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="NVivo"><Codes>'
                 f'<Code guid="{G("c:a")}" name="a &inl; b" isCodable="true"><Description>før &xxe; etter</Description>'
                 "</Code></Codes></CodeBook>", encoding="utf-8")
    with pytest.raises(InputError, match=r"xxe\.qdc: has a DOCTYPE that declares entities"):
        import_codebook(p, tmp_path / "out.yaml")
    assert not (tmp_path / "out.yaml").exists()


# ------------------------------------------------------------------------------------------ 4: UTF-16

@pytest.mark.parametrize("codec, label", [("utf-16-le", "UTF-16 LE"), ("utf-16-be", "UTF-16 BE")])
def test_utf16_without_a_bom_is_read_as_utf16_with_a_warning(db, tmp_path, codec, label):
    text = TEXT.replace("penger", "penger (æøå €)")
    start = text.index("ikke nok penger")
    sels = selection("a", start, start + len("ikke nok penger (æøå €)"), "a", "kari")
    body = (users("kari") + _codes(("a", "penger")) + "<Sources>"
            + text_source("p", "intervju.txt", sels, f"internal://{G('src:p')}.txt") + "</Sources>")
    path = write_qdpx(tmp_path / "u16.qdpx", project(body), {f"sources/{G('src:p')}.txt": text.encode(codec)})
    report = import_qdpx(db, path, user=RESEARCHER)
    with db.session() as s:
        assert s.scalar(select(Source.canonical_text)) == text
    assert coded(db) == [("penger", None, "ikke nok penger (æøå €)")]
    assert any(f"is {label} without a byte order mark; read as {label}" in w for w in report.warnings)


def test_decode_text_keeps_utf8_and_windows_1252_as_before():
    assert decode_text("Åse og €".encode("utf-8")) == ("Åse og €", None)
    assert decode_text("Åse og €".encode("cp1252"))[1] == "not UTF-8; read as Windows-1252"
    assert decode_text(b"ab") == ("ab", None)   # no NULs: not UTF-16


# ------------------------------------------------------------------------------------------ 5: empty sources

def test_an_empty_source_without_codings_does_not_make_the_import_partial(db, tmp_path):
    body = (users("kari") + _codes(("a", "penger")) + "<Sources>"
            + text_source("p", "intervju.txt", selection("a", *PENGER, "a", "kari"), f"internal://{G('src:p')}.txt")
            + text_source("tom", "tom.txt", "", f"internal://{G('src:tom')}.txt") + "</Sources>")
    path = write_qdpx(tmp_path / "tom.qdpx", project(body), {f"sources/{G('src:p')}.txt": TEXT.encode("utf-8"),
                                                             f"sources/{G('src:tom')}.txt": b"\n"})
    from workbench.cli import cli

    result = CliRunner().invoke(cli, ["--db", db.url, "--user", RESEARCHER, "import", "qdpx", str(path)])
    assert result.exit_code == 0, result.output
    assert "Ikke importert: 1 tom kilde (se advarslene)." in result.output.splitlines()
    assert any("'tom.txt'" in line and "has no text" in line and "nothing was lost" in line
               for line in result.output.splitlines())
    assert coded(db) == [("penger", None, "ikke nok penger")]


def test_an_empty_source_with_codings_still_makes_the_import_partial(db, tmp_path):
    body = (users("kari") + _codes(("a", "penger")) + "<Sources>"
            + text_source("p", "tom.txt", selection("a", 0, 1, "a", "kari"), f"internal://{G('src:p')}.txt")
            + "</Sources>")
    report = import_qdpx(db, write_qdpx(tmp_path / "t.qdpx", project(body), {f"sources/{G('src:p')}.txt": b""}),
                         user=RESEARCHER)
    assert report.skipped == {"sources": 1, "codings": 1} and report.partial


def test_nvivo_mac_sample_with_two_empty_sources_exits_0(db, shared_dir):
    from workbench.cli import cli

    path = shared_dir / "refi-qda" / "samples" / "nvivo-15.0-mac_small.qdpx"
    result = CliRunner().invoke(cli, ["--db", db.url, "--user", RESEARCHER, "import", "qdpx", str(path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["partial"] is False and data["skipped"] == {"empty": 2}


# ------------------------------------------------------------------------------------------ 6: descriptions

def test_qualcoder_case_description_variable_and_project_description_are_named(db, shared_dir):
    report = import_qdpx(db, shared_dir / "refi-qda" / "samples" / "qualcoder-4.0beta_project.qdpx", user=RESEARCHER)
    assert any("'Participant A' ('Morning person')" in w and "not imported" in w for w in report.warnings)
    assert any("'Participant A' age=34" in w for w in report.warnings)
    assert any("project's <Description> ('Sample project memo') was not imported" in w for w in report.warnings)
    assert report.skipped["notes"] == 3   # the loose note 'Reflections', the case's and the project's description
