"""The shipped bygdevekst codebook: every id required by issue 3 is there and it passes --strict."""

from __future__ import annotations

from pathlib import Path

from workbench.codebook import iter_codes, validate_codebook

ROOT = Path(__file__).resolve().parents[1]
CODEBOOK = ROOT / "codebooks" / "bygdevekst.yaml"
REQUIRED = ROOT / "tests" / "data" / "required_codes.txt"


def required_ids() -> list[str]:
    return [line.strip() for line in REQUIRED.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_required_list_is_the_one_from_the_issue():
    ids = required_ids()
    assert len(ids) == 30 and len(set(ids)) == 30
    assert {i.split(".")[0] for i in ids} == {"kontrakt", "rolle", "legitimitet", "styring", "samarbeid"}


def test_bygdevekst_codebook_passes_strict_and_has_required_codes():
    assert CODEBOOK.exists(), f"{CODEBOOK} is missing"
    result = validate_codebook(CODEBOOK, strict=True)
    assert result.errors == []
    ids = {c.id for c in iter_codes(result.codebook)}
    missing = [i for i in required_ids() if i not in ids]
    assert missing == []
    for c in iter_codes(result.codebook):
        if c.codable:
            assert c.examples and c.lexicon, c.id
