"""`workbench codebook ...` as a user runs it: exit codes, one-line errors, output files."""

from __future__ import annotations

import json

import yaml
from click.testing import CliRunner

from workbench.cli import cli
from workbench.codebook import validate_qdc

FULL = {"definition": "d", "inclusion": "i", "exclusion": "e", "examples": ["x"], "theory": "T",
        "lexicon": ["ord"]}
BOOK = {"name": "t", "codes": {"kontrakt": {"label": "Kontrakt", "codable": False, "children": [
    {"id": "kontrakt.hybrid", "label": "Hybrid", **FULL},
    {"id": "kontrakt.relasjonell", "label": "Relasjonell", **FULL}]}}}


def run(tmp_path, *args):
    r = CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'wb.db'}", "--user", "kari", *args], obj={})
    return r


def test_validate_exit_codes_and_strict(tmp_path):
    p = tmp_path / "k.yaml"
    p.write_text(yaml.safe_dump(BOOK), encoding="utf-8")
    r = run(tmp_path, "codebook", "validate", str(p), "--strict")
    assert r.exit_code == 0 and "gyldig (3 koder" in r.output
    book = json.loads(json.dumps(BOOK))
    book["codes"]["kontrakt"]["children"][0]["examples"] = []
    p.write_text(yaml.safe_dump(book), encoding="utf-8")
    assert run(tmp_path, "codebook", "validate", str(p)).exit_code == 0
    r = run(tmp_path, "codebook", "validate", str(p), "--strict")
    assert r.exit_code == 1 and "examples: empty examples" in r.output
    p.write_text("codes: [", encoding="utf-8")
    r = run(tmp_path, "codebook", "validate", str(p))
    assert r.exit_code == 1 and "malformed YAML at line" in r.output and "Traceback" not in r.output


def test_load_show_export_merge(tmp_path):
    p = tmp_path / "k.yaml"
    p.write_text(yaml.safe_dump(BOOK), encoding="utf-8")
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
