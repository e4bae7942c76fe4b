"""Codebook schema: each error kind, warnings vs --strict, flattening, docs coverage."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from workbench.codebook import CODE_FIELDS, CODEBOOK_FIELDS, iter_codes, validate_codebook
from workbench.codebook.qdc import NoAliasDumper
from workbench.codebook.schema import read_codebook
from workbench.errors import InputError

ROOT = Path(__file__).resolve().parents[1]

FULL = {"definition": "d", "inclusion": "i", "exclusion": "e", "examples": ["«x»"], "theory": "T 2020",
        "lexicon": ["ord"]}


def dump(data, **kw):
    """YAML without anchors/aliases (a codebook refuses them; safe_dump writes one for a list
    object used twice, as the **FULL of these tests)."""
    return yaml.dump(data, Dumper=NoAliasDumper, **kw)


def book(children=None, **theme):
    t = {"label": "Kontrakt", "codable": False, **theme}
    t["children"] = children if children is not None else [
        {"id": "kontrakt.a", "label": "A", **FULL},
        {"id": "kontrakt.b", "label": "B", **FULL,
         "children": [{"id": "kontrakt.b.c", "label": "C", **FULL}]},
    ]
    return {"name": "t", "codes": {"kontrakt": t}}


def test_valid_codebook_has_no_messages_and_flattens_in_preorder():
    r = validate_codebook(book(), strict=True)
    assert r.errors == [] and r.warnings == []
    specs = iter_codes(r)
    assert [(s.id, s.parent, s.depth, s.order) for s in specs] == [
        ("kontrakt", None, 0, 0), ("kontrakt.a", "kontrakt", 1, 1), ("kontrakt.b", "kontrakt", 1, 2),
        ("kontrakt.b.c", "kontrakt.b", 2, 3)]
    assert specs[1].lexicon == ["ord"] and specs[0].codable is False and specs[2].has_children


def test_missing_field_is_path_qualified():
    children = [{"id": "kontrakt.a", "label": "A", **FULL}, {"id": "kontrakt.b", "label": "B", **FULL},
                {"id": "kontrakt.c", **FULL}]
    r = validate_codebook(book(children))
    assert r.errors == ["codes -> kontrakt -> children -> 2 -> label: field required"]
    assert r.codebook is None


def test_missing_child_id():
    r = validate_codebook(book([{"label": "A", **FULL}]))
    assert r.errors == ["codes -> kontrakt -> children -> 0 -> id: field required"]


def test_unknown_field_is_an_error():
    r = validate_codebook(book([{"id": "kontrakt.a", "label": "A", "defintion": "typo", **FULL}]))
    assert len(r.errors) == 1 and r.errors[0].startswith("codes -> kontrakt -> children -> 0 -> defintion: unknown field")


def test_duplicate_ids():
    r = validate_codebook(book([{"id": "kontrakt.a", "label": "A", **FULL},
                                {"id": "kontrakt.a", "label": "A2", **FULL}]))
    assert len(r.errors) == 1
    assert "codes -> kontrakt -> children -> 1 -> id: duplicate id 'kontrakt.a'" in r.errors[0]


def test_child_id_must_be_under_parent():
    r = validate_codebook(book([{"id": "rolle.a", "label": "A", **FULL}]))
    assert len(r.errors) == 1 and "must start with 'kontrakt.'" in r.errors[0]


def test_bad_id_characters():
    r = validate_codebook(book([{"id": "kontrakt.Hybrid-2", "label": "A", **FULL}]))
    assert any("bad id 'kontrakt.Hybrid-2'" in e for e in r.errors)


def test_bad_colour():
    r = validate_codebook(book(color="blue"))
    assert len(r.errors) == 1 and r.errors[0].startswith("codes -> kontrakt -> color: bad colour 'blue'")
    assert validate_codebook(book(color="#1f77b4")).ok


def test_flat_form_unknown_parent_and_cycle():
    r = validate_codebook({"codes": [{"id": "a", "label": "A", "parent": "x", **FULL}]})
    assert r.errors == ["codes -> 0 -> parent: unknown parent 'x'; add a code with that id or remove the parent"]
    r = validate_codebook({"codes": [{"id": "a.b", "label": "B", "parent": "a.b.c", **FULL},
                                     {"id": "a.b.c", "label": "C", "parent": "a.b", **FULL}]})
    assert any("cycle in parents: a.b -> a.b.c -> a.b" in e for e in r.errors)


def test_flat_form_builds_the_same_tree():
    r = validate_codebook({"codes": [{"id": "a", "label": "A", **FULL},
                                     {"id": "a.b", "label": "B", "parent": "a", **FULL}]})
    assert r.ok
    assert [(s.id, s.parent) for s in iter_codes(r)] == [("a", None), ("a.b", "a")]


def test_malformed_yaml_names_line_and_column(tmp_path):
    p = tmp_path / "k.yaml"
    p.write_text("name: t\ncodes:\n  kontrakt:\n    label: [uavsluttet\n", encoding="utf-8")
    r = validate_codebook(p)
    assert len(r.errors) == 1
    assert "malformed YAML at line" in r.errors[0] and "column" in r.errors[0] and str(p) in r.errors[0]


def test_file_errors_carry_line_numbers(tmp_path):
    p = tmp_path / "k.yaml"
    p.write_text(dump(book([{"id": "kontrakt.a", **FULL}]), sort_keys=False), encoding="utf-8")
    r = validate_codebook(p)
    assert r.errors and "(line " in r.errors[0]
    with pytest.raises(InputError, match="label: field required"):
        read_codebook(p)


def test_empty_content_is_a_warning_and_an_error_under_strict():
    children = [{"id": "kontrakt.a", "label": "A", **{**FULL, "examples": [], "lexicon": None}},
                {"id": "kontrakt.b", "label": "B", **FULL, "definition": "  "}]
    r = validate_codebook(book(children))
    assert r.ok
    assert sorted(r.warnings) == sorted([
        "codes -> kontrakt -> children -> 0 -> examples: empty examples for codable code 'kontrakt.a'",
        "codes -> kontrakt -> children -> 0 -> lexicon: empty lexicon for codable code 'kontrakt.a'",
        "codes -> kontrakt -> children -> 1 -> definition: empty definition for codable code 'kontrakt.b'",
    ])
    strict = validate_codebook(book(children), strict=True)
    assert not strict.ok and len(strict.errors) == 3 and strict.codebook is None


def test_non_codable_parent_needs_no_content():
    r = validate_codebook(book())
    assert not any("'kontrakt'" in w for w in r.warnings)
    r = validate_codebook(book(codable=True))
    assert any("empty inclusion for codable code 'kontrakt'" in w for w in r.warnings)


def test_content_hash_ignores_formatting_but_not_content():
    a = validate_codebook(book()).codebook
    text = dump(book(), sort_keys=True, indent=4)
    b = validate_codebook(text).codebook
    assert a.content_hash() == b.content_hash()
    changed = book()
    changed["codes"]["kontrakt"]["children"][0]["label"] = "Ny"
    assert validate_codebook(changed).codebook.content_hash() != a.content_hash()


def test_docs_describe_every_schema_field():
    text = (ROOT / "docs" / "codebook.md").read_text(encoding="utf-8")
    for f in CODE_FIELDS + CODEBOOK_FIELDS:
        assert f"`{f}`" in text, f"docs/codebook.md does not document the field `{f}`"
    for cmd in ("validate", "load", "show", "export", "import", "merge"):
        assert f"workbench codebook {cmd}" in text


# ------------------------------------------------------------------ how the YAML is read

SHIPPED = ROOT / "codebooks" / "bygdevekst.yaml"


def test_a_key_twice_in_one_mapping_is_one_line_naming_both_lines(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8")
    n = text.count("\n")
    p = tmp_path / "bygdevekst.yaml"  # a second kontrakt theme appended under codes:
    p.write_text(text + "  kontrakt:\n    label: Kontrakt igjen\n    codable: false\n", encoding="utf-8")
    first = text.splitlines().index("  kontrakt:") + 1
    r = validate_codebook(p, strict=True)
    assert r.errors == [f"{p}: line {n + 1}: the key 'kontrakt' appears twice in the same mapping "
                        f"(first at line {first}); merge the two or rename one"]
    assert r.codebook is None
    with pytest.raises(InputError, match=f"line {n + 1}: the key 'kontrakt' appears twice"):
        read_codebook(p)
    # two label (or definition) lines in one code
    p.write_text("codes:\n  a:\n    label: A\n    codable: false\n    label: B\n", encoding="utf-8")
    assert validate_codebook(p).errors == [
        f"{p}: line 5: the key 'label' appears twice in the same mapping (first at line 3); merge the two or rename one"]


def test_anchors_and_aliases_are_refused_before_they_expand(tmp_path):
    import time

    # "billion laughs" under children: 9**8 codes from under 800 bytes
    levels = ["      - &c0 {id: a.b, label: x}"] + [
        f"      - &c{i} {{id: a.b, label: x, children: [{', '.join([f'*c{i - 1}'] * 9)}]}}" for i in range(1, 9)]
    p = tmp_path / "lol.yaml"
    p.write_text("codes:\n  a:\n    label: x\n    children:\n" + "\n".join(levels) + "\n", encoding="utf-8")
    assert p.stat().st_size < 800
    start = time.monotonic()
    r = validate_codebook(p)
    assert time.monotonic() - start < 1
    assert r.errors == [f"{p}: line 5: YAML anchors (&c0) and aliases (*c0) are not allowed in a codebook; "
                        "write the codes out, and put text that starts with '&' in quotes"]
    r = validate_codebook("codes:\n  a:\n    label: x\n    lexicon: *b\n")
    assert r.errors == ["line 4: YAML aliases (*b) are not allowed in a codebook; write the codes out"]
    # yaml.safe_dump writes an alias for a list object used twice: dump without (see docs)
    shared = ["ord"]
    data = {"codes": {"a": {"label": "A", "lexicon": shared,
                            "children": [{"id": "a.b", "label": "B", "lexicon": shared}]}}}
    assert "*id001" in yaml.safe_dump(data) and not validate_codebook(yaml.safe_dump(data)).ok
    assert validate_codebook(dump(data)).ok


def test_yaml_1_1_words_numbers_and_dates_in_text_fields_stay_as_typed():
    text = ("name: t\nlanguage: no\nversion: 1.10\ncodes:\n"
            "  2020:\n    label: 2020\n    codable: no\n    theory: 2017\n    children:\n"
            "      - id: 2020.on\n        label: yes\n        codable: yes\n        definition: off\n"
            "        inclusion: 12.50\n        exclusion: 2024-05-01\n        examples: [2024, no, ~x]\n"
            "        theory: 2017\n        lexicon: [y, n, 0x1f, .inf]\n")
    r = validate_codebook(text, strict=True)
    assert r.errors == [] and r.codebook.language == "no" and r.codebook.version == "1.10"
    theme, code = iter_codes(r)
    assert (theme.id, theme.label, theme.codable, theme.theory) == ("2020", "2020", False, "2017")
    assert (code.id, code.label, code.codable, code.definition, code.inclusion, code.exclusion) == (
        "2020.on", "yes", True, "off", "12.50", "2024-05-01")
    assert code.examples == ["2024", "no", "~x"] and code.lexicon == ["y", "n", "0x1f", ".inf"]


def test_a_boolean_field_says_what_it_expects_and_true_in_a_text_field_says_to_quote():
    r = validate_codebook("codes:\n  a:\n    label: A\n    codable: nei\n")
    assert r.errors == ["codes -> a -> codable: input should be a valid boolean, unable to interpret input; "
                        "write true or false (yes/no work too) (line 4)"]
    r = validate_codebook("codes:\n  a:\n    label: A\n    codable: false\n    definition: true\n")
    assert r.errors == ["codes -> a -> definition: input should be a valid string; put the value in quotes if "
                        "it is text (line 5)"]


def test_colours_are_stored_in_one_spelling():
    for written in ("#1F77B4", "#1f77b4", " #1f77B4 "):
        assert validate_codebook(book(color=written)).codebook.codes[0].color == "#1f77b4"
    assert validate_codebook(book(color="#ABC")).codebook.codes[0].color == "#aabbcc"
    assert validate_codebook(book(color="#1F77B4")).codebook.content_hash() == \
        validate_codebook(book(color="#1f77b4")).codebook.content_hash()


def test_control_characters_in_text_are_cleaned_with_one_warning_per_code_that_strict_keeps():
    """Word's manual line break (\\v) and its kin become a newline, other controls go; one warning
    per code names it and the fields. It stays a warning under --strict: nothing is missing."""
    children = [{"id": "kontrakt.a", "label": "A\x07", **FULL, "definition": "Én\x0bto\x0cre\u2028fire\r\nfem\x85seks",
                 "examples": ["«x\x0by»", "\x01«z»"], "lexicon": ["ord\x9f"]},
                {"id": "kontrakt.b", "label": "B", **FULL, "inclusion": "tab\tog\nlinje"}]
    data = book(children)
    data["title"] = "Tittel\x0b2024"
    for strict in (False, True):
        r = validate_codebook(data, strict=strict)
        assert r.ok and r.errors == [], r.errors
        assert r.warnings == [
            "control characters in title were cleaned: line breaks such as Word's manual line break (\\v) "
            "became a newline, other control characters were removed",
            "codes -> kontrakt -> children -> 0: control characters in label, definition, examples, lexicon of "
            "code 'kontrakt.a' were cleaned: line breaks such as Word's manual line break (\\v) became a "
            "newline, other control characters were removed"]
        a, b = iter_codes(r)[1:3]
        assert (a.label, a.definition, a.examples, a.lexicon) == ("A", "Én\nto\nre\nfire\nfem\nseks",
                                                                 ["«x\ny»", "«z»"], ["ord"])
        assert b.inclusion == "tab\tog\nlinje"  # tab and newline stay
        assert r.codebook.title == "Tittel\n2024"
    # the cleaned text is what is hashed and loaded: the same as writing it clean
    clean = book([{**children[0], "label": "A", "definition": "Én\nto\nre\nfire\nfem\nseks",
                   "examples": ["«x\ny»", "«z»"], "lexicon": ["ord"]}, children[1]])
    clean["title"] = "Tittel\n2024"
    assert validate_codebook(data).codebook.content_hash() == validate_codebook(clean).codebook.content_hash()


def test_escaped_control_characters_in_a_yaml_file_are_cleaned_with_the_line(tmp_path):
    p = tmp_path / "k.yaml"
    text = yaml.safe_dump(book([{"id": "kontrakt.a", "label": "A", **FULL, "definition": "Én\x0bto"}]),
                          sort_keys=False, allow_unicode=True)
    assert '\\v' in text  # YAML writes it escaped in a double-quoted string
    p.write_text(text, encoding="utf-8")
    cb, warnings = read_codebook(p)
    assert iter_codes(cb)[1].definition == "Én\nto"
    line = text.splitlines().index(next(x for x in text.splitlines() if "definition" in x)) + 1
    assert warnings == [f"{p}: codes -> kontrakt -> children -> 0: control characters in definition of code "
                        "'kontrakt.a' were cleaned: line breaks such as Word's manual line break (\\v) became a "
                        f"newline, other control characters were removed (line {line})"]


def test_a_raw_control_character_in_a_yaml_file_is_one_error_with_line_column_and_fix(tmp_path):
    p = tmp_path / "k.yaml"
    p.write_text("name: t\ncodes:\n  kontrakt:\n    label: Kon\x0btrakt\n", encoding="utf-8")
    r = validate_codebook(p)
    assert r.errors == [f"{p}: character U+000B (vertical tab: Word's manual line break) at line 4, column 15 "
                        "is not allowed in YAML; replace it with a line break (or write \\n inside a "
                        "double-quoted string), or delete it"]
    with pytest.raises(InputError, match="U\\+000B .* at line 4, column 15"):
        read_codebook(p)
