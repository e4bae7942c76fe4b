"""Codebook schema: each error kind, warnings vs --strict, flattening, docs coverage."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from workbench.codebook import CODE_FIELDS, CODEBOOK_FIELDS, iter_codes, validate_codebook
from workbench.codebook.schema import read_codebook
from workbench.errors import InputError

ROOT = Path(__file__).resolve().parents[1]

FULL = {"definition": "d", "inclusion": "i", "exclusion": "e", "examples": ["«x»"], "theory": "T 2020",
        "lexicon": ["ord"]}


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
    p.write_text(yaml.safe_dump(book([{"id": "kontrakt.a", **FULL}]), sort_keys=False), encoding="utf-8")
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
    text = yaml.safe_dump(book(), sort_keys=True, indent=4)
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
