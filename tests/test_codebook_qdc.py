"""REFI-QDA codebook exchange: XSD-valid export, import of other tools' samples, round trips, CSV."""

from __future__ import annotations

import re
import zipfile

import pytest
from lxml import etree

from workbench.codebook import (export_codebook, import_codebook, iter_codes, parse_qdc, validate_codebook,
                                validate_qdc)
from workbench.codebook.qdc import NS, code_guid, qdc_bytes
from workbench.errors import InputError

FULL = {"definition": "Avtalen har\nbåde trekk.", "inclusion": "Når begge.", "exclusion": "Bruk kontrakt.a ellers.",
        "examples": ["«Vi må rapportere»", "Det er åpent: vi finner ut av det"], "theory": "Similä 2023",
        "lexicon": ["rapportering", "målbar resultat"]}
BOOK = {"name": "t", "title": "Test", "codes": {
    "kontrakt": {"label": "Kontraktstyper", "codable": False, "definition": "Tema.", "color": "#1f77b4",
                 "children": [
                     {"id": "kontrakt.a", "label": "Æ ø å", **FULL, "color": "#abc"},
                     {"id": "kontrakt.formaal", "label": "Formål", "codable": False, "children": [
                         {"id": "kontrakt.formaal.deling", "label": "Deling", **FULL}]}]},
    "rolle": {"label": "Roller", **FULL}}}


def specs():
    return iter_codes(validate_codebook(BOOK))


def test_qdc_export_is_valid_against_the_xsd_and_nested(tmp_path):
    out = export_codebook(specs(), "qdc", tmp_path / "k.qdc")
    assert validate_qdc(out) == []
    doc = etree.parse(str(out))
    ns = {"q": NS}
    top = doc.findall("q:Codes/q:Code", ns)
    assert [c.get("name") for c in top] == ["Kontraktstyper", "Roller"]
    deling = doc.find(".//q:Code[@name='Deling']", ns)
    assert deling.getparent().get("name") == "Formål"
    assert deling.get("guid") == code_guid("kontrakt.formaal.deling")
    assert top[0].get("isCodable") == "false" and top[0].get("color") == "#1F77B4"
    assert doc.find(".//q:Code[@name='Æ ø å']", ns).get("color") == "#AABBCC"
    assert "Inkludering: Når begge." in deling.findtext("q:Description", namespaces=ns)
    # no empty containers
    assert doc.find("q:Sets", ns) is None
    # deterministic
    assert qdc_bytes(specs()) == out.read_bytes()


def test_xsd_check_catches_a_broken_file(tmp_path, shared_dir):
    bad = (shared_dir / "refi-qda" / "samples" / "taguette-1.5.2_codebook.qdc").read_bytes()
    assert validate_qdc(bad)  # Taguette's empty <Sets/> is invalid


def test_export_import_round_trip_keeps_ids_labels_hierarchy_descriptions(tmp_path):
    out = export_codebook(specs(), "qdc", tmp_path / "k.qdc")
    yml, warnings = import_codebook(out, tmp_path / "back.yaml")
    back = iter_codes(validate_codebook(yml))
    want = specs()
    key = lambda s: (s.id, s.label, s.parent, s.codable, s.definition, s.inclusion, s.exclusion,
                     s.examples, s.theory, s.lexicon)
    assert [key(s) for s in back] == [key(s) for s in want]
    assert back[0].color == "#1f77b4"  # the QDC writes #1F77B4; the codebook keeps one spelling


def test_csv_export_import_round_trip(tmp_path):
    out = export_codebook(specs(), "csv", tmp_path / "k.csv")
    yml, _ = import_codebook(out, tmp_path / "back.yaml")
    back = iter_codes(validate_codebook(yml))
    assert [(s.id, s.parent, s.label, s.examples, s.lexicon) for s in back] == \
        [(s.id, s.parent, s.label, s.examples, s.lexicon) for s in specs()]


def test_csv_import_derives_ids_and_reports_bad_parents(tmp_path):
    p = tmp_path / "koder.csv"
    p.write_text("label;parent;definition;examples\nSamarbeid;;Tema;\nTillit og trygghet;Samarbeid;Tillit;a | b\n",
                 encoding="utf-8-sig")
    yml, warnings = import_codebook(p, tmp_path / "out.yaml")
    s = iter_codes(validate_codebook(yml))
    assert [(x.id, x.parent, x.examples) for x in s] == [
        ("samarbeid", None, []), ("samarbeid.tillit_og_trygghet", "samarbeid", ["a", "b"])]
    assert any("empty lexicon" in w for w in warnings)
    p.write_text("id,label,parent\na,A,\nb.c,C,x\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 3, column parent: unknown parent 'x'"):
        import_codebook(p, tmp_path / "out2.yaml")


def sample(shared_dir, name):
    return shared_dir / "refi-qda" / "samples" / name


def test_import_qualcoder_qdc_with_bom(tmp_path, shared_dir):
    f = sample(shared_dir, "qualcoder-4.0beta_codebook.qdc")
    assert f.read_bytes().startswith(b"\xef\xbb\xbf")
    yml, warnings = import_codebook(f, tmp_path / "qc.yaml")
    r = validate_codebook(yml)
    assert r.ok and warnings
    got = [(s.id, s.label, s.parent, s.codable, s.color) for s in iter_codes(r)]
    assert got == [("evaluation", "evaluation", None, True, "#fa5858"),
                   ("evaluation.positive", "positive", "evaluation", True, "#81f781"),
                   ("food", "Food", None, False, None),
                   ("food.pastry", "pastry", "food", True, "#58acfa"),
                   ("food.drinks", "Drinks", "food", False, None),
                   ("food.drinks.coffee", "coffee", "food.drinks", True, "#f4fa58")]
    assert iter_codes(r)[-1].definition == "Mentions of coffee"


def test_import_taguette_flat_paths(tmp_path, shared_dir):
    yml, _ = import_codebook(sample(shared_dir, "taguette-1.5.2_codebook.qdc"), tmp_path / "tg.yaml")
    r = validate_codebook(yml)
    assert r.ok
    got = [(s.id, s.label, s.parent, s.codable) for s in iter_codes(r)]
    assert got == [("interesting", "interesting", None, True), ("people", "people", None, True),
                   ("people.rich", "rich", "people", True), ("emotion", "émotion", None, False),
                   ("emotion.joie", "joie ✓", "emotion", True)]


@pytest.mark.parametrize("name, n_codes, first", [
    ("qualcoder-4.0beta_project.qdpx", 6, "evaluation"),
    ("atlasti-23.2-win_codes-only.qdpx", 3, "commits"),
    ("nvivo-12.6-win_hu-comments.qdpx", 60, "1_perceived_susceptibility_eszlelt_fogekonysag"),
    ("nvivo-15.0-mac_small.qdpx", None, None),
    ("qc-1.3.2_demo.qdpx", None, "rq1_definition"),
    ("atlasti-8.4-mac_refi-spec-annex-A2_project.qde", None, "happiness"),
])
def test_import_codebook_inside_projects(tmp_path, shared_dir, name, n_codes, first):
    yml, _ = import_codebook(sample(shared_dir, name), tmp_path / "p.yaml")
    r = validate_codebook(yml)
    assert r.ok, r.errors[:3]
    codes = iter_codes(r)
    assert codes
    if n_codes:
        assert len(codes) == n_codes
    if first:
        assert codes[0].id == first
    assert len({c.id for c in codes}) == len(codes)


def test_blank_project_without_codes_is_a_clear_error(tmp_path, shared_dir):
    with pytest.raises(InputError, match="no codes found"):
        import_codebook(sample(shared_dir, "atlasti-23.2-win_blank.qdpx"), tmp_path / "b.yaml")


def test_import_tolerates_namespace_variants_braced_guids_and_rgb(tmp_path):
    for ns in ("urn:QDA-XML:codebook:1:0", "urn:QDA-XML:codebook:0:4", "urn:QDA-XML:project:1.0"):
        p = tmp_path / "x.qdc"
        p.write_text(f'<?xml version="1.0"?><CodeBook xmlns="{ns}"><Codes>'
                     '<Code guid="{0D62985D-B147-5D01-A9B5-CAE5DCD98342}" name="Bolig" isCodable="1" color="rgb(255,0,16)">'
                     '<Code guid="0d62985d-b147-5d01-a9b5-cae5dcd98343" name="Utleie&#xDF;" isCodable="true"/>'
                     '</Code></Codes></CodeBook>', encoding="utf-8")
        specs_, _ = parse_qdc(p)
        assert [(s.id, s.parent, s.color) for s in specs_] == [("bolig", None, "#FF0010"),
                                                                ("bolig.utleie", "bolig", None)]


def test_import_from_qdpx_zip_we_build(tmp_path):
    qde = qdc_bytes(specs()).replace(b"urn:QDA-XML:codebook:1.0", b"urn:QDA-XML:project:1.0").replace(
        b"<CodeBook", b"<Project name='p'><CodeBook").replace(b"</CodeBook>", b"</CodeBook></Project>")
    z = tmp_path / "p.qdpx"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("project.qde", qde)
    yml, _ = import_codebook(z, tmp_path / "p.yaml")
    assert [s.id for s in iter_codes(validate_codebook(yml))] == [s.id for s in specs()]


def test_md_and_docx_appendix_have_a_table_per_theme(tmp_path):
    md = export_codebook(specs(), "md", tmp_path / "k.md", title="Kodebok").read_text(encoding="utf-8")
    assert md.count("| Kode | Definisjon | Inkludering | Ekskludering | Eksempel |") == 2
    assert "## Kontraktstyper (`kontrakt`)" in md and "`kontrakt.formaal.deling`" in md
    from docx import Document

    doc = Document(str(export_codebook(specs(), "docx", tmp_path / "k.docx", title="Kodebok")))
    assert len(doc.tables) == 2
    assert [c.text for c in doc.tables[0].rows[0].cells] == ["Kode", "Definisjon", "Inkludering",
                                                             "Ekskludering", "Eksempel"]
    first_col = [r.cells[0].text for r in doc.tables[0].rows[1:]]
    assert first_col == ["Æ ø å\n(kontrakt.a)", "Formål\n(kontrakt.formaal)", "Deling\n(kontrakt.formaal.deling)"]
    heads = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert heads == ["Kontraktstyper (kontrakt)", "Roller (rolle)"]


def test_a_qdc_tree_whose_path_of_names_is_too_long_gets_shorter_valid_ids(tmp_path):
    names = [f"Nivå {i} – et ganske langt navn på en kode i treet" for i in range(5)]
    xml = ("".join(f'<Code guid="{code_guid(str(i))}" name="{n}" isCodable="true">' for i, n in enumerate(names))
           + "</Code>" * len(names))
    p = tmp_path / "lang.qdc"
    p.write_text(f'<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="{NS}"><Codes>{xml}</Codes></CodeBook>',
                 encoding="utf-8")
    yml, _ = import_codebook(p, tmp_path / "lang.yaml")
    r = validate_codebook(yml)
    assert r.ok, r.errors
    got = list(iter_codes(r))
    assert [s.label for s in got] == names and max(len(s.id) for s in got) <= 200
    assert [s.id for s in parse_qdc(p)[0]] == [s.id for s in got]  # the same file gives the same ids


def test_a_description_keeps_its_paragraphs():
    from workbench.codebook.qdc import parse_description

    got = parse_description("\n  Første avsnitt.  \n\nAndre avsnitt\n  med innrykk.\nInkludering: a\n\nb\n")
    assert got["definition"] == "Første avsnitt.  \n\nAndre avsnitt\n  med innrykk."
    assert got["inclusion"] == "a\n\nb"


def test_nvivo_code_descriptions_keep_their_blank_lines(tmp_path, shared_dir):
    f = sample(shared_dir, "nvivo-12.6-win_hu-comments.qdpx")
    specs, _ = parse_qdc(f)
    [spec] = [s for s in specs if s.label == "6. Self-Efficacy – Önhatékonyság"]
    assert "célt.\n\nMagabiztos" in spec.definition


# ------------------------------------------------------------------ round trips that keep content

PIPES = {"examples": ["Han sa: «vi | dem»", "a\\|b og c\\\\", "slutt\\"],
         "lexicon": ["vi | dem", "C:\\temp", "|"]}


def round_trip(tmp_path, fmt, book):
    out = export_codebook(iter_codes(validate_codebook(book)), fmt, tmp_path / f"k.{fmt}")
    yml, _ = import_codebook(out, tmp_path / f"back_{fmt}.yaml")
    return iter_codes(validate_codebook(yml))


@pytest.mark.parametrize("fmt", ["csv", "qdc"])
def test_a_bar_or_backslash_in_an_example_or_lexicon_entry_survives_the_round_trip(tmp_path, fmt):
    book = {"codes": {"a": {"label": "A", **{**FULL, **PIPES}}}}
    [back] = round_trip(tmp_path, fmt, book)
    assert back.examples == PIPES["examples"] and back.lexicon == PIPES["lexicon"]


def test_list_cells_of_older_csv_files_read_as_before(tmp_path):
    p = tmp_path / "gammel.csv"
    p.write_text("id,label,examples,lexicon\na,A,«x» | «y»,C:\\temp | a\\b\n", encoding="utf-8")
    [spec] = iter_codes(validate_codebook(import_codebook(p, tmp_path / "g.yaml")[0]))
    assert spec.examples == ["«x»", "«y»"] and spec.lexicon == ["C:\\temp", "a\\b"] and spec.codable


@pytest.mark.parametrize("fmt", ["csv", "qdc"])
def test_round_trip_keeps_codable_colours_and_exclusive_with(tmp_path, fmt):
    book = {"name": "t", "codes": {
        "kontrakt": {"label": "K", "codable": False, "color": "#1F77B4", "children": [
            {"id": "kontrakt.a", "label": "A", **FULL, "color": "#abc", "exclusive_with": ["kontrakt.b"]},
            {"id": "kontrakt.b", "label": "B", **FULL},
            {"id": "kontrakt.c", "label": "C", "codable": False, "children": [
                {"id": "kontrakt.c.d", "label": "D", **FULL}]}]}}}
    want = iter_codes(validate_codebook(book))
    back = round_trip(tmp_path, fmt, book)
    assert [s.as_dict() | {"exclusive_with": s.exclusive_with} for s in back] == \
        [s.as_dict() | {"exclusive_with": s.exclusive_with} for s in want]
    assert [s.codable for s in back] == [False, True, True, False, True]
    assert [s.color for s in back][:2] == ["#1f77b4", "#aabbcc"]


def test_csv_codable_column_reads_true_false_yes_no_and_says_what_it_wants(tmp_path):
    p = tmp_path / "k.csv"
    p.write_text("id,label,parent,codable\na,A,,nei\na.b,B,a,\na.c,C,a,TRUE\n", encoding="utf-8")
    specs_ = iter_codes(validate_codebook(import_codebook(p, tmp_path / "k.yaml")[0]))
    assert [s.codable for s in specs_] == [False, True, True]
    p.write_text("id,label,codable\na,A,kanskje\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2: codable 'kanskje' is not true or false; write true, false"):
        import_codebook(p, tmp_path / "k2.yaml")


def test_qdc_exclusive_ids_that_no_longer_name_a_sibling_are_left_out_with_a_warning(tmp_path):
    xml = (f'<?xml version="1.0"?><CodeBook xmlns="{NS}"><Codes>'
           f'<Code guid="{code_guid("a")}" name="A" isCodable="false">'
           f'<Code guid="{code_guid("a.b")}" name="B" isCodable="true"><Description>id: a.b\nUtelukker: a.c | a.x'
           '</Description></Code>'
           f'<Code guid="{code_guid("a.c")}" name="C" isCodable="true"><Description>id: a.c</Description></Code>'
           '</Code></Codes></CodeBook>')
    p = tmp_path / "k.qdc"
    p.write_text(xml, encoding="utf-8")
    yml, warnings = import_codebook(p, tmp_path / "k.yaml")
    assert [s.exclusive_with for s in iter_codes(validate_codebook(yml))] == [[], ["a.c"], []]
    assert any("Utelukker a.x left out" in w for w in warnings)


def test_csv_with_words_manual_line_break_imports_clean_and_exports_to_qdc_and_word(tmp_path):
    """A CSV codebook typed in Word/Excel carries \\v (Word's manual line break) in a cell: the
    import cleans it with one warning naming the row, code and fields, and the QDC and Word
    exports work (they used to fail: "All strings must be XML compatible")."""
    import csv

    p = tmp_path / "word.csv"
    with p.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "label", "parent", "definition", "examples", "lexicon"])
        w.writerow(["tema", "Tema", "", "Tema.", "", ""])
        w.writerow(["tema.tillit", "Tillit", "tema", "Første linje\x0bandre linje\x07", "«Eks\x0cempel»", "ord"])
    yml, warnings = import_codebook(p, tmp_path / "word.yaml")
    assert [x for x in warnings if "control" in x] == [
        f"{p}: row 3: control characters in definition, examples of code 'tema.tillit' were cleaned: line "
        "breaks such as Word's manual line break (\\v) became a newline, other control characters were removed"]
    r = validate_codebook(yml)
    assert r.ok and not any("control" in x for x in r.warnings)
    tillit = iter_codes(r)[1]
    assert (tillit.definition, tillit.examples) == ("Første linje\nandre linje", ["«Eks\nempel»"])
    assert validate_qdc(export_codebook(iter_codes(r), "qdc", tmp_path / "k.qdc")) == []
    export_codebook(iter_codes(r), "docx", tmp_path / "k.docx")


def test_exports_leave_out_what_xml_cannot_hold_never_a_traceback(tmp_path):
    """Codes loaded before validation cleaned text still hold control characters in the database:
    the QDC, Word and Markdown exports write line breaks as newlines and leave the rest out."""
    from docx import Document

    dirty = specs()
    dirty[1].label = "Æ\x0bø å\x01"
    dirty[1].definition = "Avtalen har\x0bbåde trekk\x00.\u2028Ny linje"
    dirty[1].examples = ["«Vi må\x0crapportere»"]
    dirty[0].theory = "Similä\x0b2023"
    qdc = export_codebook(dirty, "qdc", tmp_path / "k.qdc")
    assert validate_qdc(qdc) == []
    back, _ = parse_qdc(qdc)
    assert back[1].label == "Æ ø å"  # a name is one line (clean_name)
    assert (back[1].definition, back[1].examples) == ("Avtalen har\nbåde trekk.\nNy linje", ["«Vi må\nrapportere»"])
    doc = Document(str(export_codebook(dirty, "docx", tmp_path / "k.docx", title="Kode\x0bbok")))
    assert doc.tables[0].rows[1].cells[1].text == "Avtalen har\nbåde trekk.\nNy linje"
    md = export_codebook(dirty, "md", tmp_path / "k.md").read_text(encoding="utf-8")
    assert "\x0b" not in md and "\x00" not in md and "Avtalen har både trekk. Ny linje" in md


def test_a_qdc_description_with_control_characters_is_cleaned_with_a_warning(tmp_path):
    p = tmp_path / "x.qdc"  # XML 1.0 may hold C1 controls and U+2028 (never \v)
    p.write_text(f'<?xml version="1.0" encoding="utf-8"?><CodeBook xmlns="{NS}"><Codes>'
                 f'<Code guid="{code_guid("a")}" name="Bolig" isCodable="true">'
                 '<Description>Linje\u2028to\x85tre\x9f</Description></Code></Codes></CodeBook>', encoding="utf-8")
    got, info = parse_qdc(p)
    assert got[0].definition == "Linje\nto\ntre"
    assert any("control characters in definition of code 'bolig' were cleaned" in w for w in info["warnings"])
    yml, warnings = import_codebook(p, tmp_path / "x.yaml")
    assert iter_codes(validate_codebook(yml))[0].definition == "Linje\nto\ntre"


def _office(path, members: dict[str, str]):
    with zipfile.ZipFile(path, "w") as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


FORMATS = "`codebook import` reads CSV (.csv) and REFI-QDA .qdc, .qdpx and .qde files"


@pytest.mark.parametrize("name, members, said", [
    ("x.xlsx", {"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "<workbook/>"}, "an Excel workbook"),
    ("x.ods", {"mimetype": "application/vnd.oasis.opendocument.spreadsheet", "content.xml": "<x/>"},
     "a LibreOffice spreadsheet"),
])
def test_a_spreadsheet_given_to_codebook_import_says_save_it_as_csv(tmp_path, name, members, said):
    p = _office(tmp_path / name, members)
    with pytest.raises(InputError) as exc:
        import_codebook(p, tmp_path / "out.yaml")
    assert str(exc.value) == f"{p} is {said}; save the sheet as CSV (UTF-8) and import that; {FORMATS}"
    assert not (tmp_path / "out.yaml").exists()


@pytest.mark.parametrize("name, members, said", [
    ("x.docx", {"[Content_Types].xml": "<Types/>", "word/document.xml": "<document/>"}, "a Word document"),
    ("x.odt", {"mimetype": "application/vnd.oasis.opendocument.text", "content.xml": "<x/>"},
     "a LibreOffice text document"),
])
def test_a_text_document_given_to_codebook_import_says_what_to_do(tmp_path, name, members, said):
    p = _office(tmp_path / name, members)
    with pytest.raises(InputError) as exc:
        import_codebook(p, tmp_path / "out.yaml")
    assert str(exc.value) == (f"{p} is {said}; put the codes in a spreadsheet with the columns id,label,parent,"
                              "definition,inclusion,exclusion,examples,theory,lexicon,color,codable,exclusive_with, "
                              f"save it as CSV (UTF-8) and import that; {FORMATS}")


def test_an_old_excel_file_and_other_files_name_the_formats_codebook_import_reads(tmp_path):
    xls = tmp_path / "x.xls"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    with pytest.raises(InputError, match="x.xls is an Excel 97-2003 workbook; save the sheet as CSV"):
        import_codebook(xls, tmp_path / "out.yaml")
    other = _office(tmp_path / "other.zip", {"a.txt": "x"})
    with pytest.raises(InputError, match=f"holds no project.qde or .qdc; .*{re.escape(FORMATS)}"):
        import_codebook(other, tmp_path / "out.yaml")
    js = tmp_path / "x.json"
    js.write_text('{"a": 1}', encoding="utf-8")
    with pytest.raises(InputError, match=f"not well-formed XML .*; {re.escape(FORMATS)}"):
        import_codebook(js, tmp_path / "out.yaml")
