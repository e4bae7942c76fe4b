"""QDPX import into a database that already holds things: a workbench export coming back (sources
ingested here, another coder's work), codes of other tools that only look like ours, hostile or
broken projects (repeated GUIDs, no content, the project file as a source, a too deep code tree,
a text that mixes UTF-8 and Windows-1252), and colours kept as given."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.test_qdpx_import import G, NS, codebook, counts, project, selection, text_source, users, write_qdpx
from workbench.errors import InputError
from workbench.refi.importer import import_qdpx
from workbench.store import Code, Coding, Database, Segment, Source, Speaker, User

RESEARCHER = "forsker"
CODEBOOK = """\
name: prøvebok
title: Kodebok for gjenimport
language: nb
codes:
  samarbeid:
    label: Kritiske variabler i samarbeid
    codable: false
    definition: Samarbeid mellom forvaltningsnivåene.
    children:
      - id: samarbeid.tillit
        label: Tillit
        definition: Tillit mellom partene.
      - id: samarbeid.konflikt
        label: Konflikt
        definition: Uenighet og konflikt.
  kapasitet:
    label: Kapasitet
    definition: Mangel på folk.
    color: "#1f77b4"
"""
TEXT = "Intervjuer: Hei.\nOla: Vi har tillit.\nIntervjuer: Takk.\nOla: Bra, men lite folk.\n"


def _world(db: Database, tmp_path: Path, *, ingest: bool = True) -> None:
    """The codebook above and (``ingest``) b.txt ingested with `workbench ingest`."""
    from workbench.codebook import load_codebook
    from workbench.ingest import ingest_paths

    book = tmp_path / "kodebok.yaml"
    book.write_text(CODEBOOK, encoding="utf-8")
    load_codebook(db, book, user=RESEARCHER)
    if ingest:
        corpus = tmp_path / "korpus"
        corpus.mkdir(exist_ok=True)
        (corpus / "b.txt").write_text(TEXT, encoding="utf-8")
        assert not ingest_paths(db, [corpus], user=RESEARCHER).errors


def _rows(db: Database) -> list[tuple]:
    from workbench.coding import list_codings

    return sorted((r.source, r.turn, r.code, r.coder, r.text) for r in list_codings(db, user=RESEARCHER))


def _n(db: Database, model) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(model))


# ------------------------------------------------------------------------------------------ B1: merge


def test_our_export_imported_where_its_sources_were_ingested_adds_no_copies(db, tmp_path):
    from workbench.analysis.aggregate import code_frequencies
    from workbench.coding import apply_code
    from workbench.refi.export import export_qdpx

    _world(db, tmp_path)
    apply_code(db, "b.txt", 2, "samarbeid.tillit", user=RESEARCHER)
    apply_code(db, "b.txt", 4, "kapasitet", span=(0, 3), user=RESEARCHER)
    path = export_qdpx(db, tmp_path / "r1.qdpx", reveal=True, user=RESEARCHER)
    before, rows = counts(db), _rows(db)
    report = import_qdpx(db, path, user=RESEARCHER)
    assert (report.sources, report.reused, report.codings, report.codings_existing) == ([], ["b.txt"], 0, 2)
    assert counts(db) == before and _rows(db) == rows        # not a source, coding or user more
    summary = report.summary()
    assert "1 fantes fra før" in summary and "Slått sammen med kilder som har samme tekst" in summary
    assert "2 kodinger fantes fra før" in summary and "(2)" not in summary
    freq = code_frequencies(db, codes="samarbeid.tillit", user=RESEARCHER)
    assert freq.set_index("code").loc["samarbeid.tillit", "segments"] == 1   # the dashboard counts it once


def test_team_flow_another_coders_export_comes_back_onto_the_ingested_source(db, tmp_path):
    """A ingests and codes, B imports A's export into her own database and codes, A imports B's export."""
    from workbench.agreement import coding_agreement
    from workbench.coding import apply_code
    from workbench.refi.export import export_qdpx
    from workbench.users import ensure_user

    _world(db, tmp_path)
    ensure_user(db, "anne")
    apply_code(db, "b.txt", 2, "samarbeid.tillit", user=RESEARCHER, coder="anne")
    a_export = export_qdpx(db, tmp_path / "a.qdpx", reveal=True, user=RESEARCHER)
    other = Database(f"sqlite:///{tmp_path / 'berit.db'}")
    other.upgrade()
    try:
        first = import_qdpx(other, a_export, user=RESEARCHER)
        assert first.sources == ["b.txt"]
        ensure_user(other, "berit")
        apply_code(other, "b.txt", 2, "samarbeid.tillit", user=RESEARCHER, coder="berit")
        apply_code(other, "b.txt", 4, "samarbeid.konflikt", user=RESEARCHER, coder="berit")
        b_export = export_qdpx(other, tmp_path / "b.qdpx", reveal=True, user=RESEARCHER)
    finally:
        other.dispose()
    report = import_qdpx(db, b_export, user=RESEARCHER)
    assert report.sources == [] and report.reused == ["b.txt"]
    assert report.coders == {"berit": 2} and report.codings_existing == 1    # anne's coding came back
    with db.session() as s:
        assert s.scalars(select(Source.file_name)).all() == ["b.txt"]
    assert [r[1:4] for r in _rows(db)] == [(2, "samarbeid.tillit", "anne"), (2, "samarbeid.tillit", "berit"),
                                           (4, "samarbeid.konflikt", "berit")]
    result = coding_agreement(db, ["anne", "berit"], codes="samarbeid", user=RESEARCHER)
    assert result["sources"] == 1 and result["codes"][0]["units"] == 4


def test_a_different_text_under_the_same_name_is_still_a_new_source(db, tmp_path):
    _world(db, tmp_path)
    other = TEXT.replace("lite folk", "mange folk")
    body = users("kari") + codebook("tema") + "<Sources>" + text_source(
        "b", "b.txt", selection("x", 22, 28, "tema", "kari"), f"internal://{G('src:b')}.txt") + "</Sources>"
    report = import_qdpx(db, write_qdpx(tmp_path / "annen.qdpx", project(body),
                                        {f"sources/{G('src:b')}.txt": other.encode("utf-8")}), user=RESEARCHER)
    assert report.sources == ["b.txt (2)"]
    assert any("with a different text is already stored" in w and "--reveal" in w for w in report.warnings)


# ------------------------------------------------------------------------------------------ B2: codes


def _coded_project(tmp_path: Path, codes_xml: str, picks: dict[str, tuple[str, str]], name: str) -> Path:
    """A project with b.txt and one selection per pick: key -> (code GUID, selected text)."""
    sels = ""
    for key, (code, word) in picks.items():
        s = TEXT.index(word)
        sels += (f'<PlainTextSelection guid="{G("s:" + key)}" startPosition="{s}" endPosition="{s + len(word)}" '
                 f'creatingUser="{G("u:kari")}"><Coding guid="{G("coding:" + key)}" creatingUser="{G("u:kari")}">'
                 f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>')
    body = (users("kari") + f"<CodeBook><Codes>{codes_xml}</Codes></CodeBook><Sources>"
            + text_source("b", "b.txt", sels, f"internal://{G('src:b')}.txt") + "</Sources>")
    return write_qdpx(tmp_path / name, project(body, origin="NVivo"), {f"sources/{G('src:b')}.txt": TEXT.encode()})


def test_another_tools_code_that_only_derives_our_id_becomes_a_new_code(db, tmp_path):
    """NVivo's codable "Samarbeid" (its own meaning) with a child "Tillit" is not our theme samarbeid."""
    _world(db, tmp_path, ingest=False)
    codes = (f'<Code guid="{G("c:sam")}" name="Samarbeid" isCodable="true" color="#00ff00">'
             f'<Description>Annen betydning i NVivo</Description>'
             f'<Code guid="{G("c:til")}" name="Tillit" isCodable="true"/></Code>')
    path = _coded_project(tmp_path, codes, {"a": (G("c:sam"), "Vi har"), "b": (G("c:til"), "tillit")}, "nv.qdpx")
    report = import_qdpx(db, path, user=RESEARCHER)
    assert report.codes_kept == [] and report.codes_added == ["samarbeid_2", "samarbeid_2.tillit"]
    assert any("is not the workbench's code samarbeid" in w and "samarbeid_2" in w for w in report.warnings)
    assert sorted(r[2] for r in _rows(db)) == ["samarbeid_2", "samarbeid_2.tillit"]
    with db.session() as s:
        assert s.get(Code, "samarbeid").codable is False and s.get(Code, "samarbeid_2").codable is True
        assert s.scalar(select(func.count()).select_from(Coding).where(
            Coding.code_id.in_(["samarbeid", "samarbeid.tillit"]))) == 0


def test_codes_match_ours_by_id_line_guid_or_full_path_and_never_code_a_theme(db, tmp_path):
    from workbench.refi.common import code_guid

    _world(db, tmp_path, ingest=False)
    codes = (f'<Code guid="{G("c:kap")}" name="Kapasitet" isCodable="true"/>'                   # same path
             f'<Code guid="{code_guid("samarbeid.tillit")}" name="Tillit (NVivo)" isCodable="true"/>'  # our GUID
             f'<Code guid="{G("c:tema")}" name="Tema" isCodable="true">'                          # our id line
             f'<Description>id: samarbeid\nEt tema</Description></Code>')
    path = _coded_project(tmp_path, codes, {"k": (G("c:kap"), "lite folk"), "t": (code_guid("samarbeid.tillit"),
                                                                                  "tillit"),
                                            "s": (G("c:tema"), "Hei")}, "match.qdpx")
    report = import_qdpx(db, path, user=RESEARCHER)
    assert sorted(report.codes_kept) == ["kapasitet", "samarbeid", "samarbeid.tillit"]
    assert report.codes_added == []
    assert sorted((r[2], r[4]) for r in _rows(db)) == [("kapasitet", "lite folk"), ("samarbeid.tillit", "tillit")]
    [skipped] = [w for w in report.warnings if "codings on code samarbeid were skipped" in w]
    assert "cannot be coded" in skipped


def test_a_codable_code_named_like_our_theme_is_not_put_on_the_theme(db, tmp_path):
    _world(db, tmp_path, ingest=False)
    codes = f'<Code guid="{G("c:krit")}" name="Kritiske variabler i samarbeid" isCodable="true"/>'
    path = _coded_project(tmp_path, codes, {"a": (G("c:krit"), "tillit")}, "tema.qdpx")
    report = import_qdpx(db, path, user=RESEARCHER)
    assert report.codes_kept == [] and len(report.codes_added) == 1
    assert any("has the name of the workbench's theme samarbeid" in w for w in report.warnings)
    [(_, _, code, _, text)] = _rows(db)
    assert code == report.codes_added[0] and text == "tillit"


# ------------------------------------------------------------------------------------------ B4: encodings


def test_a_text_mixing_utf8_and_windows_1252_is_read_as_ingest_reads_it(db, tmp_path):
    lines = ["Kari: Vi har tillit til kommunen, sa Åse og Bjørn.\n", "Ola: Staten er langt unna.\n",
             "Kari: Søknaden på 5 €.\n", "Ola: Nei.\n"]
    data = lines[0].encode("utf-8") + lines[1].encode("utf-8") + lines[2].encode("cp1252") + lines[3].encode()
    text = "".join(lines)
    good = text.index("Staten er langt")
    sels = (selection("ok", good, good + 15, "tema", "kari")
            + selection("euro", text.index("Søknaden"), text.index("Søknaden") + 8, "tema", "kari")
            # counted on the file read wholly as Windows-1252 ("Ã…se", "Ã¸"): two characters later
            + selection("skew", good + 2, good + 17, "tema", "kari"))
    body = users("kari") + codebook("tema") + "<Sources>" + text_source(
        "m", "blandet.txt", sels, f"internal://{G('src:m')}.txt") + "</Sources>"
    report = import_qdpx(db, write_qdpx(tmp_path / "blandet.qdpx", project(body),
                                        {f"sources/{G('src:m')}.txt": data}), user=RESEARCHER)
    with db.session() as s:
        assert s.scalar(select(Source.canonical_text)) == text      # "Åse", "Bjørn" and "€", no "Ã…"
    assert [r[4] for r in _rows(db)] == ["Staten er langt", "Søknaden"]
    assert any("a mix of UTF-8 and Windows-1252" in w for w in report.warnings)
    [skew] = [w for w in report.warnings if G("s:skew") in w]
    assert "would cut a word" in skew and "skipped with its 1 codings" in skew


# ------------------------------------------------------------------------------------------ B5: GUIDs


def _one_line_refusal(db, path: Path, *fragments: str) -> None:
    before, people = counts(db), _n(db, User)
    with pytest.raises(InputError) as err:
        import_qdpx(db, path, user=RESEARCHER)
    message = str(err.value)
    assert "\n" not in message and message.startswith(path.name)
    for fragment in fragments:
        assert fragment in message, message
    assert counts(db) == before and _n(db, User) == people


def _plain(tmp_path: Path, name: str, body: str, files: dict[str, bytes] | None = None) -> Path:
    return write_qdpx(tmp_path / name, project(body), files if files is not None else
                      {f"sources/{G('src:b')}.txt": TEXT.encode()})


def test_repeated_guids_of_codes_users_and_sources_are_refused_naming_both(db, tmp_path):
    sel = selection("a", 22, 28, "tillit", "kari")
    src = text_source("b", "b.txt", sel, f"internal://{G('src:b')}.txt")
    two_codes = (users("kari") + f'<CodeBook><Codes><Code guid="{G("c:tillit")}" name="tillit" isCodable="true"/>'
                 f'<Code guid="{G("c:tillit")}" name="konflikt" isCodable="true"/></Codes></CodeBook>'
                 f"<Sources>{src}</Sources>")
    _one_line_refusal(db, _plain(tmp_path, "koder.qdpx", two_codes), f"code GUID {G('c:tillit')} is used twice",
                      "'tillit'", "'konflikt'")
    two_users = (f'<Users><User guid="{G("u:kari")}" name="anne"/><User guid="{G("u:kari")}" name="berit"/></Users>'
                 + codebook("tillit") + f"<Sources>{src}</Sources>")
    _one_line_refusal(db, _plain(tmp_path, "brukere.qdpx", two_users), f"user GUID {G('u:kari')}", "'anne'",
                      "'berit'")
    two_sources = (users("kari") + codebook("tillit") + f"<Sources>{src}"
                   + text_source("b", "annen.txt", "", f"internal://{G('src:b')}.txt") + "</Sources>")
    _one_line_refusal(db, _plain(tmp_path, "kilder.qdpx", two_sources), f"source GUID {G('src:b')}", "'b.txt'",
                      "'annen.txt'")


def test_a_repeated_selection_guid_is_imported_once_with_a_warning(db, tmp_path):
    at = TEXT.index("tillit")
    twice = selection("a", at, at + 6, "tillit", "kari") + selection("a", 0, 10, "tillit", "kari")
    body = users("kari") + codebook("tillit") + "<Sources>" + text_source(
        "b", "b.txt", twice, f"internal://{G('src:b')}.txt") + "</Sources>"
    report = import_qdpx(db, _plain(tmp_path, "utvalg.qdpx", body), user=RESEARCHER)
    assert report.codings == 1 and [r[4] for r in _rows(db)] == ["tillit"]
    [warning] = [w for w in report.warnings if G("s:a") in w]
    assert "is used twice" in warning and f"{at}-{at + 6}" in warning and "0-10" in warning


# ------------------------------------------------------------------------------------------ B6: no content


def test_a_project_without_refi_content_changes_nothing(db, tmp_path):
    qde = tmp_path / "tull.qde"
    qde.write_text(f'<?xml version="1.0"?><Project xmlns="{NS}"><Foo/></Project>', encoding="utf-8")
    _one_line_refusal(db, qde, "holds no REFI-QDA content", "<Foo>")
    with db.session() as s:
        assert s.scalar(select(User.id).where(User.name == RESEARCHER)) is None   # not even the acting user


def test_an_empty_but_valid_project_adds_nothing_not_even_the_acting_user(db, tmp_path):
    report = import_qdpx(db, _plain(tmp_path, "tom.qdpx", users("kari"), {}), user=RESEARCHER)
    assert report.nothing_new and "Ingenting å importere" in report.summary()
    assert _n(db, User) == 0


def test_a_source_naming_the_project_file_is_refused(db, tmp_path):
    body = users("kari") + codebook("tillit") + "<Sources>" + text_source(
        "b", "b.txt", selection("a", 0, 5, "tillit", "kari"), "internal://project.qde") + "</Sources>"
    _one_line_refusal(db, _plain(tmp_path, "selv.qdpx", body, {}), "names the project file itself",
                      "internal://project.qde")


# ------------------------------------------------------------------------------------------ B7


@pytest.mark.parametrize("levels", [101, 300])
def test_a_too_deep_code_tree_is_one_line(db, tmp_path, levels):
    xml = "".join(f'<Code guid="{G(f"c:{i}")}" name="d{i}" isCodable="true">' for i in range(levels))
    xml += "</Code>" * levels
    body = users("kari") + f"<CodeBook><Codes>{xml}</Codes></CodeBook>"
    _one_line_refusal(db, _plain(tmp_path, "dyp.qdpx", body, {}), "code hierarchy deeper than 100 levels",
                      "'d100'")


def test_a_tree_within_the_limit_is_imported(db, tmp_path):
    # one-letter names: 100 levels give an id of 199 characters, within the database's 200
    xml = ("".join(f'<Code guid="{G(f"c:{i}")}" name="{chr(97 + i % 26)}" isCodable="true">' for i in range(100))
           + "</Code>" * 100)
    report = import_qdpx(db, _plain(tmp_path, "dyp.qdpx", users("kari") + f"<CodeBook><Codes>{xml}</Codes></CodeBook>",
                                    {}), user=RESEARCHER)
    assert len(report.codes_added) == 100
    assert max(len(c) for c in report.codes_added) == 199


def _chain(names: list[str]) -> str:
    return ("".join(f'<Code guid="{G(f"c:{i}")}" name="{n}" isCodable="true">' for i, n in enumerate(names))
            + "</Code>" * len(names))


@pytest.mark.parametrize("names", [
    [f"Nivå {i} – et ganske langt navn på en kode i treet" for i in range(5)],  # 5 levels, ~50 characters
    [f"n{i % 10}" for i in range(100)],                                           # 100 levels, 2 characters
])
def test_a_deep_tree_whose_path_of_names_is_too_long_is_imported_with_shorter_ids(db, tmp_path, names):
    path = _plain(tmp_path, "lang.qdpx", users("kari") + f"<CodeBook><Codes>{_chain(names)}</Codes></CodeBook>", {})
    report = import_qdpx(db, path, user=RESEARCHER)
    assert len(report.codes_added) == len(names) and not report.warnings
    with db.session() as s:
        codes = {c.id: (c.label, c.parent_id) for c in s.scalars(select(Code))}
    assert max(len(c) for c in codes) <= 200
    # every code keeps its full name, under its parent, and a child's id starts with its parent's
    chain, parent = [], None
    for name in names:
        [(cid, _)] = [(cid, lp) for cid, lp in codes.items() if lp == (name, parent)]
        assert parent is None or cid.startswith(parent + ".")
        chain.append(cid)
        parent = cid
    again = import_qdpx(db, path, user=RESEARCHER)  # the same file again: the same codes
    assert again.codes_added == [] and again.codes_kept == chain


def test_a_shortened_id_comes_back_from_a_workbench_export(db, tmp_path):
    from workbench.refi.export import export_qdpx

    names = [f"Nivå {i} – et ganske langt navn på en kode i treet" for i in range(5)]
    report = import_qdpx(db, _plain(tmp_path, "lang.qdpx",
                                    users("kari") + f"<CodeBook><Codes>{_chain(names)}</Codes></CodeBook>", {}),
                         user=RESEARCHER)
    ids = report.codes_added
    assert any(len(c.rsplit(".", 1)[-1]) < 40 for c in ids)  # some were shortened
    again = import_qdpx(db, export_qdpx(db, tmp_path / "ut.qdpx", user=RESEARCHER), user=RESEARCHER)
    assert again.codes_added == [] and set(ids) <= set(again.codes_kept)


@pytest.mark.parametrize("attr, says", [("", "has no name"), (' name="   "', "has a blank name")])
def test_a_code_without_a_name_is_imported_with_a_warning(db, tmp_path, attr, says):
    body = users("kari") + f'<CodeBook><Codes><Code guid="{G("c:x")}"{attr} isCodable="true"/></Codes></CodeBook>'
    report = import_qdpx(db, _plain(tmp_path, "navnlos.qdpx", body, {}), user=RESEARCHER)
    [warning] = report.warnings
    assert G("c:x").lower() in warning and says in warning and "'uten navn'" in warning
    assert "navnlos.qdpx" in warning and "\n" not in warning


def test_colours_keep_their_case_through_export_and_import(db, tmp_path):
    from lxml import etree

    from workbench.refi.export import export_qdpx

    _world(db, tmp_path)
    path = export_qdpx(db, tmp_path / "farger.qdpx", reveal=True, user=RESEARCHER)
    root = etree.fromstring(zipfile.ZipFile(path).read("project.qde"))
    colours = {el.get("name"): el.get("color") for el in root.iter(f"{{{NS}}}Code")}
    assert colours["Kapasitet"] == "#1f77b4"
    body = (users("kari") + '<CodeBook><Codes><Code guid="' + G("c:f") + '" name="Farge" isCodable="true" '
            'color="#a1b2c3"/><Code guid="' + G("c:k") + '" name="Kort" isCodable="true" color="#ABC"/>'
            "</Codes></CodeBook>")
    import_qdpx(db, _plain(tmp_path, "f.qdpx", body, {}), user=RESEARCHER)
    with db.session() as s:
        assert (s.get(Code, "farge").color, s.get(Code, "kort").color) == ("#a1b2c3", "#AABBCC")


def test_a_forged_zip_size_is_reported_with_the_files_real_size(db, tmp_path):
    path = _plain(tmp_path, "forfalsket.qdpx", users("kari"), {})
    data = bytearray(path.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 24:central + 28] = (4_000_000_000).to_bytes(4, "little")   # uncompressed size
    path.write_bytes(bytes(data))
    _one_line_refusal(db, path, "unpacks to 4 000.0 MB by its zip directory", f"the file is {len(data)} bytes")


# ------------------------------------------------------------------------------------------ turns kept

MD_INTERVIEW = ("# Intervju med prosjektleder, fase 2\n\n"
                "Intervjuer: Hvordan gikk det med avtalen?\n\n"
                "Ola: Vi har tillit til staten nå.\nMen folk mangler.\n\n"
                "Intervjuer: Takk.\n")
MD_NOTES = ("# Dialogkonferanse, gruppenotater\n\n## Gruppe 1\n\n- Tillit mellom kommunene\n"
            "- For lite folk i prosjektet\n\n## Gruppe 2\n\nVi savner en felles plan.\n")


def _turns(db: Database) -> list[tuple]:
    """Every turn as a reader sees it: source, number, text, heading, page, start time, speaker or None."""
    with db.session() as s:
        rows = s.execute(select(Source.file_name, Source.canonical_text, Segment.index, Segment.start_char,
                                Segment.end_char, Segment.heading, Segment.page, Segment.start_time, Speaker.label)
                         .join(Segment, Segment.source_id == Source.id)
                         .outerjoin(Speaker, Segment.speaker_id == Speaker.id)
                         .order_by(Source.file_name, Segment.index)).all()
    return [(r[0], r[2], r[1][r[3]:r[4]], r[5], r[6], r[7], r[8]) for r in rows]


def _md_world(db: Database, tmp_path: Path) -> Path:
    """The codebook, an interview and dialogue notes in Markdown ingested and coded; returns the export."""
    from workbench.coding import apply_code
    from workbench.ingest import ingest_paths
    from workbench.refi.export import export_qdpx

    _world(db, tmp_path, ingest=False)
    corpus = tmp_path / "md"
    corpus.mkdir()
    (corpus / "intervju_pl_fase2.md").write_text(MD_INTERVIEW, encoding="utf-8")
    (corpus / "dialogkonferanse_notater.md").write_text(MD_NOTES, encoding="utf-8")
    assert not ingest_paths(db, [corpus], user=RESEARCHER).errors
    apply_code(db, "intervju_pl_fase2.md", 2, "samarbeid.tillit", user=RESEARCHER)
    return export_qdpx(db, tmp_path / "ut.qdpx", user=RESEARCHER)   # pseudonymised, as shared


def _other(tmp_path: Path, name: str = "annen.db") -> Database:
    other = Database(f"sqlite:///{tmp_path / name}")
    other.upgrade()
    return other


def _rewrite(path: Path, member: str, change) -> Path:
    """A copy of the archive with ``member`` replaced by ``change(old bytes)`` (None = left out)."""
    out = path.with_name("endret_" + path.name)
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == member:
                data = change(data)
                if data is None:
                    continue
            dst.writestr(info.filename, data)
    return out


def test_a_workbench_export_keeps_its_turns_headings_and_codings_in_another_database(db, tmp_path):
    """Imported elsewhere, the interview keeps two speaker turns (the Markdown title is a heading,
    not a turn) and the notes their blocks: the turns are those of the database that exported
    them, not detected again in the plain text, and the coding stays on turn 2."""
    from workbench.coding import list_codings

    path = _md_world(db, tmp_path)
    here = _turns(db)
    other = _other(tmp_path)
    try:
        report = import_qdpx(other, path, user=RESEARCHER)
        there = _turns(other)
        codings = [(r.source, r.turn, r.code) for r in list_codings(other, user=RESEARCHER)]
    finally:
        other.dispose()
    assert report.segments == len(here) and not report.warnings
    # the same turns, numbers, texts and headings; speakers by their pseudonyms
    assert [t[:6] for t in there] == [t[:6] for t in here]
    speakers = {t[6] for t in there if t[6]}
    assert speakers and "Ola" not in speakers and "Intervjuer" not in speakers
    assert [t[6] is None for t in there] == [t[6] is None for t in here]
    assert codings == [("intervju_pl_fase2.md", 2, "samarbeid.tillit")]
    # another tool's archive has no such list: the turns are detected in the text (the title is one)
    bare = _rewrite(path, "workbench/segments.json", lambda data: None)
    plain = _other(tmp_path, "uten.db")
    try:
        import_qdpx(plain, bare, user=RESEARCHER)
        detected = _turns(plain)
    finally:
        plain.dispose()
    assert [t[:3] for t in detected] != [t[:3] for t in here]


@pytest.mark.parametrize("change, says", [
    (lambda data: b"{not json", "cannot be read"),
    (lambda data: json.dumps({"format": "noe annet", "sources": {}}).encode(), "is not the workbench's list"),
    (lambda data: _edit_turns(data, lambda turns: turns[0].__setitem__(1, 10 ** 9)), "lies outside the text"),
    (lambda data: _edit_turns(data, lambda turns: turns.reverse()), "before the turn above it"),
    (lambda data: _edit_turns(data, lambda turns: turns[0].__setitem__(2, "x" * 300)), "speaker that is not"),
    (lambda data: _edit_turns(data, lambda turns: turns[0].__setitem__(4, "kl. 10")), "not a number"),
    (lambda data: _edit_sha(data), "the text was changed after the export"),
])
def test_a_broken_list_of_turns_is_a_warning_and_the_turns_are_detected(db, tmp_path, change, says):
    path = _md_world(db, tmp_path)
    broken = _rewrite(path, "workbench/segments.json", change)
    other = _other(tmp_path)
    try:
        report = import_qdpx(other, broken, user=RESEARCHER)
        turns = _turns(other)
    finally:
        other.dispose()
    assert any(says in w for w in report.warnings), report.warnings
    assert report.codings == 1 and turns            # imported all the same, turns detected in the text
    assert len(report.warnings) <= 2               # one line, not one per turn


def _edit_turns(data: bytes, edit) -> bytes:
    doc = json.loads(data)
    entry = next(v for v in doc["sources"].values() if len(v["segments"]) > 1)
    edit(entry["segments"])
    return json.dumps(doc).encode()


def _edit_sha(data: bytes) -> bytes:
    doc = json.loads(data)
    for v in doc["sources"].values():
        v["sha1"] = "0" * 40
    return json.dumps(doc).encode()
