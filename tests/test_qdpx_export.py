"""REFI-QDA project export (`workbench export qdpx`): a .qdpx other tools can open, with stable
GUIDs, offsets in code points of the exported text, and no names unless a researcher reveals them.

A small database (on SQLite and PostgreSQL) holds one focus group whose text has æ, ø, å, emoji
(one with a skin-tone modifier, one flag: several code points each, and surrogate pairs in UTF-16)
and names in the preamble, the speaker labels and the speech; the demo database is used for the
whole-project checks.
"""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from workbench.cli import cli
from workbench.codebook.qdc import code_guid
from workbench.errors import PermissionDenied
from workbench.refi.common import NS, XSD_PATH, normalise_guid, stable_guid, xsd_errors
from workbench.refi.export import OffsetMap, export_qdpx, scrub_with_map

Q = {"q": NS}
CONTAINERS = ("Users", "Codes", "Variables", "Cases", "Sources", "Notes", "Sets", "Links", "Graphs")

SOURCE = "fg_samarbeid.txt"
TRANSCRIPT = ("Fokusgruppe om samarbeid i bygdevekst\n"
              "Dato: 2023-04-18\n"
              "Til stede: Sigrid Aune, Håvard Lien, moderator\n\n"
              "Moderator: Velkommen, alle sammen 😀. Hva tenker dere om avtalen?\n\n"
              "Sigrid Aune: Blåbærsyltetøy på øya 🙂 og samarbeidet med Håvard går fint. "
              "Ring meg på 41 23 45 67.\n\n"
              "Håvard Lien: Tilliten mellom partene er viktigst, sa Sigrid. Æ, ø og å 👍🏽 er fine 🇳🇴 her.\n")
PARTICIPANTS = ("file,speaker,actor,organisation,pilot\n"
                f"{SOURCE},Moderator,forsker,SINTEF,\n"
                f"{SOURCE},Sigrid Aune,prosjektleder,Gamvik kommune,Midt-Finnmark\n"
                f"{SOURCE},Håvard Lien,statsforvalter,Statsforvalteren i Troms og Finnmark,Midt-Finnmark\n")
MANIFEST = ("file,kind,phase,pilot,county,date,language\n"
            f"{SOURCE},fokusgruppe,fase 1,Midt-Finnmark,Finnmark,2023-04-18,nb\n")
CODEBOOK = """\
name: qdpx
title: Kodebok for QDPX-testen
language: nb
codes:
  samarbeid:
    label: Samarbeid
    codable: false
    definition: Samarbeid mellom aktørene.
    children:
      - id: samarbeid.tillit
        label: Tillit
        definition: Tillit mellom partene.
        examples: ["Vi stoler på hverandre."]
        lexicon: [tillit]
      - id: samarbeid.praktisk
        label: Praktisk samarbeid
        definition: Det daglige samarbeidet.
  sted:
    label: Sted
    definition: Steder og stedsnavn.
"""
NAMES = ["Sigrid", "Aune", "Håvard", "Lien"]
PHONE = "41 23 45 67"
RESEARCHER, AUTHOR, GROUP = "anna", "rolf", "rita"
PASSWORD = "korrekt-hest-batteri"


# ------------------------------------------------------------------------------ helpers

def read_qdpx(path: Path) -> tuple[etree._Element, dict[str, bytes]]:
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    return etree.fromstring(members["project.qde"]), members


def source_text(root, members: dict[str, bytes], guid: str) -> str:
    ts = root.find(f".//q:TextSource[@guid='{guid}']", Q)
    assert ts is not None, f"no TextSource {guid}"
    ref = ts.get("plainTextPath")
    assert ref == f"internal://{guid}.txt"
    data = members[f"sources/{guid}.txt"]
    assert not data.startswith(b"\xef\xbb\xbf")
    return data.decode("utf-8")


def selections(root, source_guid: str) -> dict[str, tuple[int, int, etree._Element]]:
    ts = root.find(f".//q:TextSource[@guid='{source_guid}']", Q)
    return {el.get("guid"): (int(el.get("startPosition")), int(el.get("endPosition")), el)
            for el in ts.findall("q:PlainTextSelection", Q)}


def selection_key(turn: int, code: str, coder: str, start: int, end: int) -> str:
    return stable_guid("selection", f"{SOURCE}|{turn}|{code}|{coder}|{start}|{end}")


def canonical(db) -> str:
    from workbench.store import Source

    with db.session() as s:
        return s.query(Source).filter(Source.file_name == SOURCE).one().canonical_text


def all_text(members: dict[str, bytes]) -> str:
    return "\n".join(data.decode("utf-8") for data in members.values())


def leaks(text: str, names=NAMES) -> list[str]:
    found = [n for n in names if re.search(rf"(?<![^\W\d_]){re.escape(n)}(?![^\W\d_])", text, re.I)]
    return found + ([PHONE] if PHONE in text else [])


def build_small(db, tmp: Path):
    """Ingest the focus group, load the codebook, code as two coders, write every kind of memo and
    add one user per role. Returns {name: (turn, code, coder, start, end)} of the codings."""
    from workbench.codebook import load_codebook
    from workbench.coding import add_memo, apply_code
    from workbench.ingest import ingest_paths
    from workbench.store import Coding, Segment, Source
    from workbench.users import add_user, ensure_user

    corpus = tmp / "korpus"
    corpus.mkdir()
    (corpus / SOURCE).write_text(TRANSCRIPT, encoding="utf-8")
    (corpus / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    (corpus / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (tmp / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    report = ingest_paths(db, [corpus], user=RESEARCHER)
    assert not report.errors, report.errors
    load_codebook(db, tmp / "kodebok.yaml", user=RESEARCHER)
    with db.session() as s:
        turns = {seg.index: seg.text for seg in s.query(Segment).join(Source).filter(Source.file_name == SOURCE)}

    def span(turn: int, piece: str) -> tuple[int, int]:
        at = turns[turn].index(piece)
        return at, at + len(piece)

    made = {}

    def code(name, turn, code_id, coder, piece=None):
        rel = span(turn, piece) if piece else None
        ensure_user(db, coder)  # the researcher records the codings of coders who are users
        rec = apply_code(db, SOURCE, turn, code_id, span=rel, coder=coder, user=RESEARCHER)
        with db.session() as s:
            row = s.get(Coding, rec.id)
            made[name] = (turn, code_id, coder, row.start_char, row.end_char, rec.id)

    code("whole_2_mari", 2, "samarbeid.praktisk", "mari")
    code("whole_2_jonas", 2, "samarbeid.praktisk", "jonas")
    code("whole_3", 3, "samarbeid.tillit", "mari")
    code("after_emoji", 2, "sted", "jonas", "øya 🙂 og samarbeidet")      # æøå and an emoji before it
    code("emoji_span", 3, "sted", "mari", "å 👍🏽 er fine 🇳🇴 her")            # modifier and flag inside
    code("name_inside", 3, "samarbeid.tillit", "jonas", "grid. Æ, ø")     # starts inside "Sigrid"
    code("with_name", 2, "sted", "mari", "med Håvard går")                  # a whole name inside
    code("phone", 2, "samarbeid.praktisk", "mari", "Ring meg på 41 23 45 67.")
    add_memo(db, "Koding med Sigrid Aune i notatet.", coding_id=made["whole_3"][5], user=RESEARCHER)
    add_memo(db, "Turen der Håvard nevnes.", segment=(SOURCE, 2), user=RESEARCHER)
    add_memo(db, "Notat om hele kilden.", source=SOURCE, user="mari")
    add_memo(db, "Notat om koden.", code="sted", user="jonas")
    for role, name in (("report_author", AUTHOR), ("resource_group", GROUP)):
        add_user(db, name, role, password=PASSWORD, user=RESEARCHER)
    return made


@pytest.fixture
def small(db, tmp_path):
    return db, build_small(db, tmp_path), tmp_path


# ------------------------------------------------------------------------------ small database

def test_small_export_is_valid_and_complete(small):
    db, made, tmp = small
    out = export_qdpx(db, tmp / "prosjekt.qdpx", user=RESEARCHER)
    root, members = read_qdpx(out)
    assert xsd_errors(members["project.qde"]) == []
    assert root.tag == f"{{{NS}}}Project" and root.get("name") == "prosjekt"
    users = {u.get("name"): u.get("guid") for u in root.iterfind("q:Users/q:User", Q)}
    assert {"mari", "jonas", RESEARCHER} <= set(users)
    assert users["mari"] == stable_guid("user", "mari")
    assert root.get("creatingUserGUID") == users[RESEARCHER]
    # the codebook: hierarchy, codable flags, descriptions, the QDC GUIDs
    parent = root.find(f"q:CodeBook/q:Codes/q:Code[@guid='{code_guid('samarbeid')}']", Q)
    assert parent is not None and parent.get("isCodable") == "false"
    kids = {c.get("guid") for c in parent.findall("q:Code", Q)}
    assert kids == {code_guid("samarbeid.tillit"), code_guid("samarbeid.praktisk")}
    tillit = parent.find(f"q:Code[@guid='{code_guid('samarbeid.tillit')}']", Q)
    assert tillit.get("isCodable") == "true"
    assert tillit.findtext("q:Description", namespaces=Q).startswith("id: samarbeid.tillit\nTillit mellom")
    # every coding, by its coder, pointing at its code
    src_guid = stable_guid("source", SOURCE)
    sels = selections(root, src_guid)
    for name, (turn, code, coder, start, end, _) in made.items():
        sel = sels[selection_key(turn, code, coder, start, end)][2]
        coding = sel.find("q:Coding", Q)
        assert coding.get("creatingUser") == users[coder] == sel.get("creatingUser"), name
        assert coding.find("q:CodeRef", Q).get("targetGUID") == code_guid(code), name
    assert len(root.findall(".//q:Coding", Q)) == len(made)
    # memos: a note each, referred to from the coding's selection, the turn, the source, the code
    notes = {n.get("guid"): n for n in root.iterfind("q:Notes/q:Note", Q)}
    assert len(notes) == 4
    for el in root.iter(f"{{{NS}}}NoteRef"):
        assert el.get("targetGUID") in notes
    turn = made["whole_3"]
    coded = sels[selection_key(*turn[:5])][2]
    assert [r.get("targetGUID") for r in coded.findall("q:NoteRef", Q)] != []
    memo_turn = [el for _, _, el in sels.values() if el.find("q:Coding", Q) is None]
    assert len(memo_turn) == 1 and memo_turn[0].find("q:NoteRef", Q) is not None
    ts = root.find(f".//q:TextSource[@guid='{src_guid}']", Q)
    assert ts.find("q:NoteRef", Q) is not None
    assert root.find(f".//q:Code[@guid='{code_guid('sted')}']/q:NoteRef", Q) is not None
    # source variables on the TextSource, person variables on the cases
    variables = {v.get("guid"): v.get("name") for v in root.iterfind("q:Variables/q:Variable", Q)}
    values = {variables[vv.find("q:VariableRef", Q).get("targetGUID")]: vv[1].text
              for vv in ts.findall("q:VariableValue", Q)}
    assert values == {"kind": "fokusgruppe", "phase": "fase 1", "pilot": "Midt-Finnmark", "county": "Finnmark",
                      "date": "2023-04-18", "language": "nb"}
    assert root.find(f"q:Variables/q:Variable[@name='date']", Q).get("typeOfVariable") == "Date"
    cases = {c.get("name"): c for c in root.iterfind("q:Cases/q:Case", Q)}
    assert set(cases) == {"Forsker 1", "Prosjektleder 1", "Statsforvalter 1"}
    pl = cases["Prosjektleder 1"]
    case_values = {variables[vv.find("q:VariableRef", Q).get("targetGUID")]: vv[1].text
                   for vv in pl.findall("q:VariableValue", Q)}
    assert case_values == {"actor": "prosjektleder", "pilot": "Midt-Finnmark"}   # no organisation
    assert [r.get("targetGUID") for r in pl.findall("q:SourceRef", Q)] == [src_guid]
    # audited as an export
    from workbench.users import list_audit

    events = [e for e in list_audit(db, user=RESEARCHER) if e.action == "export_qdpx"]
    assert events and events[-1].detail["files"] == [str(out)] and "reveal" not in events[-1].detail


def test_offsets_are_code_points_of_the_exported_text(small):
    """With reveal the text is stored text: every selection spans exactly the coded characters,
    also after and around emoji (whose UTF-16 offsets would differ)."""
    db, made, tmp = small
    out = export_qdpx(db, tmp / "apen.qdpx", reveal=True, user=RESEARCHER)
    root, members = read_qdpx(out)
    assert xsd_errors(members["project.qde"]) == []
    text = source_text(root, members, stable_guid("source", SOURCE))
    assert text == canonical(db)   # the text as stored
    sels = selections(root, stable_guid("source", SOURCE))
    for name, (turn, code, coder, start, end, _) in made.items():
        s, e, _el = sels[selection_key(turn, code, coder, start, end)]
        assert (s, e) == (start, end), name
        assert text[s:e] == text[start:end]
    s, e, _el = sels[selection_key(*made["emoji_span"][:5])]
    assert text[s:e] == "å 👍🏽 er fine 🇳🇴 her"
    s, e, _el = sels[selection_key(*made["after_emoji"][:5])]
    assert text[s:e] == "øya 🙂 og samarbeidet"
    # the test can tell the units apart: read as UTF-16 code units the same numbers miss the text
    utf16 = text.encode("utf-16-le")
    assert utf16[2 * s:2 * e].decode("utf-16-le", errors="replace") != "øya 🙂 og samarbeidet"


def test_scrubbed_export_maps_every_selection_onto_the_scrubbed_text(small):
    from workbench.sharing import roster_scrubber

    db, made, tmp = small
    out = export_qdpx(db, tmp / "skrubbet.qdpx", user=RESEARCHER)
    root, members = read_qdpx(out)
    text = source_text(root, members, stable_guid("source", SOURCE))
    scrub = roster_scrubber(db).scrub
    stored = canonical(db)
    # labels are pseudonyms, names in preamble and speech scrubbed; times and layout kept
    assert "Prosjektleder 1: Blåbærsyltetøy på øya 🙂 og samarbeidet med [navn] går fint." in text
    assert "Statsforvalter 1: Tilliten" in text and "Forsker 1: Velkommen" in text
    assert "Til stede: [navn], [navn], moderator" in text and "[telefon]" in text
    assert leaks(text) == []
    sels = selections(root, stable_guid("source", SOURCE))
    for name, (turn, code, coder, start, end, _) in made.items():
        s, e, _el = sels[selection_key(turn, code, coder, start, end)]
        original = stored[start:end]
        if name == "name_inside":   # an edge inside "Sigrid" moves to the edge of its "[navn]"
            assert text[s:e] == "[navn]. Æ, ø", text[s:e]
        else:
            assert text[s:e] == scrub(original), name
    assert text[slice(*sels[selection_key(*made["with_name"][:5])][:2])] == "med [navn] går"
    assert text[slice(*sels[selection_key(*made["phone"][:5])][:2])] == "Ring meg på [telefon]."
    assert text[slice(*sels[selection_key(*made["emoji_span"][:5])][:2])] == "å 👍🏽 er fine 🇳🇴 her"
    # the turn a memo is on: its selection covers the scrubbed turn
    memo_sel = [(s, e) for s, e, el in sels.values() if el.find("q:Coding", Q) is None]
    assert [text[s:e] for s, e in memo_sel] == [
        "Blåbærsyltetøy på øya 🙂 og samarbeidet med [navn] går fint. Ring meg på [telefon]."]


def test_a_selection_beyond_its_turn_maps_onto_the_pseudonym_and_the_next_turn(small):
    """An imported selection may begin inside its turn's speaker label or run past the turn: the
    edge inside the label moves to the start of the pseudonym."""
    from workbench.store import Coding, Segment, Source, User

    db, made, tmp = small
    stored = canonical(db)
    start = stored.index("Sigrid Aune: Blåbær") + 3            # "rid Aune: Blåbær..."
    end = stored.index("Tilliten") + len("Tilliten")          # into the next turn
    with db.transaction(RESEARCHER) as tx:
        seg = tx.session.query(Segment).join(Source).filter(Source.file_name == SOURCE, Segment.index == 2).one()
        mari = tx.session.query(User).filter(User.name == "mari").one()
        tx.session.add(Coding(segment_id=seg.id, code_id="sted", coder_id=mari.id, start_char=start,
                              end_char=end, origin="imported"))
    key = selection_key(2, "sted", "mari", start, end)
    root, members = read_qdpx(export_qdpx(db, tmp / "over.qdpx", user=RESEARCHER))
    assert xsd_errors(members["project.qde"]) == []
    text = source_text(root, members, stable_guid("source", SOURCE))
    s, e, _el = selections(root, stable_guid("source", SOURCE))[key]
    assert text[s:e] == ("Prosjektleder 1: Blåbærsyltetøy på øya 🙂 og samarbeidet med [navn] går fint. "
                         "Ring meg på [telefon].\n\nStatsforvalter 1: Tilliten")
    root, members = read_qdpx(export_qdpx(db, tmp / "over_vist.qdpx", reveal=True, user=RESEARCHER))
    text = source_text(root, members, stable_guid("source", SOURCE))
    assert selections(root, stable_guid("source", SOURCE))[key][:2] == (start, end)
    assert text[start:end] == stored[start:end]


def test_no_name_anywhere_in_the_archive_unless_revealed(small):
    db, made, tmp = small
    hidden = all_text(read_qdpx(export_qdpx(db, tmp / "skjult.qdpx", user=RESEARCHER))[1])
    assert leaks(hidden) == []
    assert "Gamvik kommune" not in hidden and "SINTEF" not in hidden   # organisations left out
    shown = all_text(read_qdpx(export_qdpx(db, tmp / "vist.qdpx", reveal=True, user=RESEARCHER))[1])
    assert set(leaks(shown)) == set(NAMES + [PHONE])
    assert "Gamvik kommune" in shown
    root, _ = read_qdpx(tmp / "vist.qdpx")
    assert {c.get("name") for c in root.iterfind("q:Cases/q:Case", Q)} == {"Moderator", "Sigrid Aune", "Håvard Lien"}


def test_a_project_export_holds_whole_transcripts_so_only_researchers_make_one(small):
    """Report authors get quotes and tables, not full transcripts (even scrubbed); the resource
    group gets neither."""
    db, made, tmp = small
    with pytest.raises(PermissionDenied, match="rapportforfatter"):
        export_qdpx(db, tmp / "forfatter.qdpx", user=AUTHOR)
    with pytest.raises(PermissionDenied, match="ressursgruppe"):
        export_qdpx(db, tmp / "gruppe.qdpx", user=GROUP)
    assert not (tmp / "forfatter.qdpx").exists() and not (tmp / "gruppe.qdpx").exists()


def test_guids_are_stable_and_the_same_with_and_without_reveal(small):
    db, made, tmp = small

    def guids(path):
        root, _ = read_qdpx(path)
        return sorted((el.tag, el.get("guid")) for el in root.iter() if el.get("guid"))

    first = guids(export_qdpx(db, tmp / "a.qdpx", user=RESEARCHER))
    assert first == guids(export_qdpx(db, tmp / "b.qdpx", user=RESEARCHER))
    revealed = guids(export_qdpx(db, tmp / "c.qdpx", reveal=True, user=RESEARCHER))
    # the same objects, plus the organisation variable that only a revealed export carries
    assert set(revealed) - set(first) == {(f"{{{NS}}}Variable", stable_guid("variable", "case:organisation"))}
    assert set(first) <= set(revealed)
    assert len({g for _, g in first}) == len(first) > 20   # unique


def test_command_line(small, monkeypatch):
    db, made, tmp = small
    monkeypatch.setenv("WORKBENCH_DB", db.url)
    runner = CliRunner()
    result = runner.invoke(cli, ["export", "qdpx", "-o", str(tmp / "cli.qdpx"), "--user", RESEARCHER])
    assert result.exit_code == 0, result.output
    assert "cli.qdpx" in result.output and xsd_errors(read_qdpx(tmp / "cli.qdpx")[1]["project.qde"]) == []
    result = runner.invoke(cli, ["--user", AUTHOR, "export", "qdpx", "-o", str(tmp / "x.qdpx"), "--reveal"])
    assert result.exit_code == 3 and "Ingen tilgang" in result.output
    result = runner.invoke(cli, ["--user", GROUP, "export", "qdpx", "-o", str(tmp / "y.qdpx")])
    assert result.exit_code == 3


# ------------------------------------------------------------------------------ the offset map

def test_scrub_with_map_returns_the_scrubbed_text_and_traces_each_placeholder():
    from workbench.privacy import Scrubber

    scrubber = Scrubber.from_roster([{"label": "Sigrid Aune"}, {"label": "Kari-Anne Lie"}])
    samples = ["Sigrids 🙂 tlf 22 33 44 55 og kari@x.no, fnr 01019912345; Kari-Anne sa det.",
               "ingen navn her", "", "Aune", "22 33 44 55 Sigrid", "Lies og Annes og Kari-Annes 👍🏽"]
    for text in samples:
        new, runs = scrub_with_map(scrubber, text)
        assert new == scrubber.scrub(text)
        m = OffsetMap()
        m.add(new, runs)
        assert m.text == new and m.orig_len == len(text)
        # runs tile both texts; identity runs copy the text
        for ns, ne, os_, oe, ident in runs:
            if ident:
                assert new[ns:ne] == text[os_:oe]
            else:
                assert new[ns:ne] in ("[navn]", "[telefon]", "[e-post]", "[fnr]")
        # the map is monotone and lands on the text
        starts = [m.start(i) for i in range(len(text) + 1)]
        assert starts == sorted(starts) and all(0 <= s <= len(new) for s in starts)
    new, runs = scrub_with_map(scrubber, "22 33 44 55 Sigrid sa")
    m = OffsetMap()
    m.add(new, runs)
    assert new == "[telefon] [navn] sa"
    assert new[slice(*m.span(12, 21))] == "[navn] sa"       # "Sigrid sa"
    assert new[slice(*m.span(14, 18))] == "[navn]"          # "grid" inside the name
    assert new[slice(*m.span(3, 14))] == "[telefon] [navn]"


# ------------------------------------------------------------------------------ the demo project

@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    from workbench.demo import build_demo

    folder = tmp_path_factory.mktemp("qdpx_demo")
    db, report = build_demo(f"sqlite:///{folder / 'demo.db'}", train=False,
                            passwords={"forsker": "forsker-passord", "rapportforfatter": "forfatter-passord",
                                       "ressursgruppe": "ressurs-passord"})
    assert report.qdpx == folder / "demo.qdpx" and report.qdpx.exists()  # `workbench demo` leaves one
    paths = {"built_by_demo": report.qdpx,
             "first": export_qdpx(db, folder / "demo_a.qdpx", user="forsker"),
             "second": export_qdpx(db, folder / "demo2.qdpx", user="forsker"),
             "reveal": export_qdpx(db, folder / "demo_vist.qdpx", reveal=True, user="forsker")}
    yield db, paths
    db.dispose()


DEMO_NAMES = sorted({p for n in ("Sigrid Aune", "Ingrid Solbakk", "Håvard Lien", "Siri Nergård Holm",
                                 "Marit Hølaas Vinje", "Tormod Lian Berge") for p in n.split()})


def test_demo_export_validates_against_the_schema(demo):
    _, paths = demo
    for path in paths.values():
        _, members = read_qdpx(path)
        assert xsd_errors(members["project.qde"]) == [], path
    # and the schema check itself bites: an empty container is refused
    root, members = read_qdpx(paths["first"])
    etree.SubElement(root, f"{{{NS}}}Sets")
    assert any("Sets" in e for e in xsd_errors(etree.tostring(root)))


def test_demo_sources_are_utf8_without_bom_and_every_reference_resolves(demo):
    db, paths = demo
    from workbench.store import Source

    root, members = read_qdpx(paths["first"])
    sources = root.findall("q:Sources/q:TextSource", Q)
    with db.session() as s:
        assert len(sources) == s.query(Source).count() >= 16
    # the standard's files, and the workbench's own list of turns (other tools pass it by)
    assert sorted(members) == sorted(["project.qde", "workbench/segments.json"]
                                     + [f"sources/{s.get('guid')}.txt" for s in sources])
    turns = json.loads(members["workbench/segments.json"])["sources"]
    assert sorted(turns) == sorted(s.get("guid") for s in sources)
    for ts in sources:
        text = source_text(root, members, ts.get("guid"))
        assert text and "\r" not in text
        for sel in ts.findall("q:PlainTextSelection", Q):
            assert 0 <= int(sel.get("startPosition")) < int(sel.get("endPosition")) <= len(text)
    defined = {normalise_guid(el.get("guid")) for el in root.iter() if el.get("guid")}
    for el in root.iter():
        for attr in ("targetGUID", "creatingUser", "creatingUserGUID"):
            if el.get(attr):
                assert normalise_guid(el.get(attr)) in defined, (el.tag, attr)


def test_demo_has_no_empty_containers_and_every_coding_memo_and_coder(demo):
    from workbench.store import Coding, Memo

    db, paths = demo
    root, _ = read_qdpx(paths["first"])
    for tag in CONTAINERS:
        for el in root.iter(f"{{{NS}}}{tag}"):
            assert len(el), f"empty <{tag}>"
    with db.session() as s:
        n_codings, n_memos = s.query(Coding).count(), s.query(Memo).count()
    assert len(root.findall(".//q:Coding", Q)) == n_codings > 800
    assert len(root.findall("q:Notes/q:Note", Q)) == n_memos > 0
    users = {u.get("name") for u in root.iterfind("q:Users/q:User", Q)}
    assert {"mari", "jonas", "forsker"} <= users


def test_demo_guids_are_stable_across_exports(demo):
    _, paths = demo
    a, ma = read_qdpx(paths["first"])
    b, mb = read_qdpx(paths["second"])
    for root in (a, b):
        for key in ("creationDateTime", "name"):
            root.attrib.pop(key)
    assert etree.tostring(a) == etree.tostring(b)       # the same document but for the time stamp
    assert {k: v for k, v in ma.items() if k != "project.qde"} == {k: v for k, v in mb.items() if k != "project.qde"}


def test_demo_has_cases_with_variables_and_no_names_unless_revealed(demo):
    from workbench.store import Source

    db, paths = demo
    root, members = read_qdpx(paths["first"])
    variables = {v.get("name") for v in root.iterfind("q:Variables/q:Variable", Q)}
    assert {"kind", "phase", "pilot", "county", "date", "language", "actor"} <= variables
    assert "organisation" not in variables
    cases = root.findall("q:Cases/q:Case", Q)
    assert len(cases) > 20 and all(c.find("q:SourceRef", Q) is not None for c in cases)
    assert all(re.fullmatch(r".+ \d+", c.get("name")) for c in cases)   # pseudonyms: "Prosjektleder 2"
    with db.session() as s:
        given = {stable_guid("source", src.file_name): sum(getattr(src, v) not in (None, "") for v in
                                                           ("kind", "phase", "pilot", "county", "date", "language"))
                 for src in s.query(Source)}
    assert sum(given.values()) > 3 * len(given)
    for ts in root.iterfind("q:Sources/q:TextSource", Q):
        assert len(ts.findall("q:VariableValue", Q)) == given[ts.get("guid")]
    text = all_text(members)
    assert leaks(text, DEMO_NAMES) == [] and "41 23 45 67" not in text and "kdd.example.no" not in text
    shown_root, shown = read_qdpx(paths["reveal"])
    assert set(leaks(all_text(shown), DEMO_NAMES)) == set(DEMO_NAMES) | {PHONE}
    assert "organisation" in {v.get("name") for v in shown_root.iterfind("q:Variables/q:Variable", Q)}


# ------------------------------------------------------------------------------ schema and samples

def test_bundled_schema_is_the_reference_copy_and_accepts_other_tools_projects(shared_dir):
    folder = shared_dir / "refi-qda"
    if not folder.exists():
        pytest.skip(f"{folder} is absent (the REFI-QDA reference data is not beside this checkout)")
    assert XSD_PATH.read_bytes() == (folder / "Project-mrt2019.xsd").read_bytes()
    checked = 0
    for sample in sorted((folder / "samples").glob("*")):
        if sample.suffix == ".qdpx":
            with zipfile.ZipFile(sample) as zf:
                data = zf.read(next(n for n in zf.namelist() if n.lower().endswith(".qde")))
        elif sample.suffix == ".qde":
            data = sample.read_bytes()
        else:
            continue
        assert xsd_errors(data) == [], sample.name
        checked += 1
    assert checked >= 6
    assert xsd_errors(b"<Project") and xsd_errors(b'<Project xmlns="urn:QDA-XML:project:1.0"/>')
