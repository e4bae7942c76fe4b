"""A code taken out of the codebook while it still has codings (retired: the codings stand) is
shown, marked «tatt ut», wherever codes are listed: on the Kodebok page under its parent with its
counts (so the children add up to the parent), in the report tables (beside a Kode-ID, so that
it and a new code with its label are two rows one can tell apart) and in the REFI-QDA export (its
Description says so; the project stays valid against the schema)."""

from __future__ import annotations

import zipfile

import openpyxl
import pytest
from lxml import etree

from workbench.codebook import load_codebook
from workbench.coding import apply_code
from workbench.ingest import ingest_paths

from tests.app_fixtures import CODEBOOK, open_page, small_db  # noqa: F401 (a fixture)
from workbench.refi.common import XSD_PATH

# the codebook of tests/app_fixtures.py without kontrakt.relasjonell (coded by anna on fg_fase1.txt
# turn 3: retired) and with a new code that took its label, under another parent
TAKEN_OUT = CODEBOOK.replace("""      - id: kontrakt.relasjonell
        label: Relasjonell kontrakt
        definition: Avtalen som relasjon og tillit.
        lexicon: [tillit, avtale]
""", "") + """  samspill:
    label: Samspill
    codable: false
    definition: Samspill mellom partene.
    children:
      - id: samspill.relasjon
        label: Relasjonell kontrakt
        definition: Avtalen som relasjon, sett fra kommunen.
"""


def _retire(db, folder) -> None:
    (folder / "uten_relasjonell.yaml").write_text(TAKEN_OUT, encoding="utf-8")
    report = load_codebook(db, folder / "uten_relasjonell.yaml", user="anna")
    assert report.retired == ["kontrakt.relasjonell"] and "samspill.relasjon" in report.added


@pytest.fixture
def taken_out(db, tmp_path):
    """Two turns coded kontrakt.hybrid and kontrakt.relasjonell, then the latter taken out."""
    corpus = tmp_path / "korpus"
    corpus.mkdir()
    (corpus / "fg_fase1.txt").write_text("Moderator: Velkommen.\n\nPL Testbygd: Avtalen er en kontrakt.\n\n"
                                         "Rådgiver SF: Tilliten mellom partene er viktigst.\n", encoding="utf-8")
    (corpus / "manifest.csv").write_text("file,kind,phase,pilot,county,date,language\n"
                                         "fg_fase1.txt,fokusgruppe,fase 1,Midt-Finnmark,Finnmark,2023-04-18,nb\n",
                                         encoding="utf-8")
    (corpus / "participants.csv").write_text("file,speaker,actor,organisation,pilot\n"
                                             "fg_fase1.txt,Moderator,forsker,SINTEF,\n"
                                             "fg_fase1.txt,PL Testbygd,prosjektleder,Gamvik kommune,Midt-Finnmark\n"
                                             "fg_fase1.txt,Rådgiver SF,statsforvalter,Statsforvalteren,"
                                             "Midt-Finnmark\n", encoding="utf-8")
    assert not ingest_paths(db, [corpus], user="anna").errors
    (tmp_path / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    load_codebook(db, tmp_path / "kodebok.yaml", user="anna")
    apply_code(db, "fg_fase1.txt", 2, "kontrakt.hybrid", user="anna")
    apply_code(db, "fg_fase1.txt", 3, "kontrakt.relasjonell", user="anna")
    apply_code(db, "fg_fase1.txt", 3, "kapasitet", user="anna")
    _retire(db, tmp_path)
    return db


def _rows(ws) -> list[list]:
    return [list(r) for r in ws.iter_rows(values_only=True)]


def test_report_tables_tell_a_retired_code_from_its_successor(taken_out, tmp_path):
    from workbench.export import export_tables

    path = export_tables(taken_out, tmp_path / "t.xlsx", charts=False, user="anna")[0]
    wb = openpyxl.load_workbook(path)
    matrix = _rows(wb["Matrise fase 1"])
    assert matrix[0][:2] == ["Kode", "Kode-ID"]
    by_id = {r[1]: r for r in matrix[1:]}
    assert by_id["kontrakt.relasjonell"][0] == "– Relasjonell kontrakt (tatt ut)"
    assert by_id["samspill.relasjon"][0] == "– Relasjonell kontrakt"
    sf = matrix[0].index("statsforvalter")   # the statsforvalter's one turn, under the parent too
    assert by_id["kontrakt.relasjonell"][sf] == 1 and by_id["kontrakt"][sf] == 1
    frequencies = {r[1]: r[0] for r in _rows(wb["Kodefrekvenser"])[1:]}
    assert frequencies["kontrakt.relasjonell"] == "– Relasjonell kontrakt (tatt ut)"
    assert "Endring mellom faser" not in wb.sheetnames  # one phase here: no change table (its Kode-ID column:
    # tests/test_export_phase_order.py)
    pairs = _rows(wb["Samforekomst"])[1:]   # no id column: the shared label gets the id
    assert ["Relasjonell kontrakt (kontrakt.relasjonell, tatt ut)", "Kapasitet", 1] in pairs


def test_qdpx_marks_a_retired_code_and_stays_valid(taken_out, tmp_path):
    from workbench.codebook.qdc import parse_description
    from workbench.refi import export_qdpx

    path = export_qdpx(taken_out, tmp_path / "p.qdpx", user="anna")
    with zipfile.ZipFile(path) as z:
        doc = etree.fromstring(z.read("project.qde"))
    schema = etree.XMLSchema(etree.parse(str(XSD_PATH)))  # the copy shipped in the package
    assert schema.validate(doc), schema.error_log
    ns = {"q": "urn:QDA-XML:project:1.0"}
    codes = {parse_description(c.findtext("q:Description", namespaces=ns))["id"]: c
             for c in doc.iterfind(".//q:Code", ns)}
    retired, successor = codes["kontrakt.relasjonell"], codes["samspill.relasjon"]
    # codable still: its coding is in the file, and importers drop codings of a code that is not
    assert retired.get("isCodable") == "true" and retired.get("name") == successor.get("name")
    text = retired.findtext("q:Description", namespaces=ns)
    assert text.splitlines()[1].startswith("Tatt ut: koden er tatt ut av kodeboka")
    assert "Tatt ut" not in successor.findtext("q:Description", namespaces=ns)
    fields = parse_description(text)   # read back: the mark is no part of the definition
    assert fields["retired"] is True and fields["definition"] == "Avtalen som relasjon og tillit."


def test_kodebok_page_lists_a_retired_code_with_codings_under_its_parent(small_db, tmp_path):
    from tests.test_app import table

    _retire(small_db, tmp_path)
    at = open_page("views/kodebok.py")
    codes = table(at, "codes_table")
    ids = list(codes["Kode-ID"])
    assert ids[:3] == ["kontrakt", "kontrakt.hybrid", "kontrakt.relasjonell"]   # under its parent
    rows = codes.set_index("Kode-ID")
    assert rows.loc["kontrakt.relasjonell", "Kode"].endswith("Relasjonell kontrakt (tatt ut)")
    assert rows.loc["kontrakt.relasjonell", "Kodbar"] == "nei (tatt ut)"
    assert rows.loc["samspill.relasjon", "Kode"].endswith("Relasjonell kontrakt")
    # the children add up to the parent (one turn each here, no turn with both)
    assert rows.loc["kontrakt", "Kodinger"] == (rows.loc["kontrakt.hybrid", "Kodinger"]
                                                + rows.loc["kontrakt.relasjonell", "Kodinger"])
    assert rows.loc["kontrakt.relasjonell", "Kodinger"] == 1
    assert any("(tatt ut): koden er tatt ut av kodeboka" in c.value for c in at.caption)
    at.selectbox(key="detail").set_value("kontrakt.relasjonell").run()
    assert not at.exception
    assert any("tatt ut av kodeboka, kodingene står" in c.value for c in at.caption)
