"""Agreement between coders: percent agreement, Cohen's kappa and Krippendorff's alpha.

The expected figures are computed here with the kept implementations (scikit-learn's
``cohen_kappa_score``, ``krippendorff.alpha``) on unit vectors written out by hand, so a wrong unit
rule (which sources and segments count, what a span counts for) fails the comparison.
"""

from __future__ import annotations

import contextlib
import json
import math

import krippendorff
import numpy as np
import pytest
from click.testing import CliRunner
from sklearn.metrics import cohen_kappa_score
from sqlalchemy import select

from workbench.agreement import (CONSENSUS_CODER, coding_agreement, default_coders, disagreements,
                                 record_consensus, table_agreement)
from workbench.cli import cli
from workbench.errors import InputError, NotFound, PermissionDenied, WorkbenchError
from workbench.store import Source

CODEBOOK = """\
name: samsvar
title: Kodebok for samsvarstesten
language: nb
codes:
  kontrakt:
    label: Kontraktsform
    codable: false
    definition: Hvordan avtalen forstås.
    children:
      - id: kontrakt.hybrid
        label: Hybrid kontrakt
        definition: Krav og tillit sammen.
      - id: kontrakt.relasjonell
        label: Relasjonell kontrakt
        definition: Avtalen som relasjon.
  kapasitet:
    label: Kapasitet
    definition: Mangel på folk.
  styring:
    label: Styring
    definition: Styring på flere nivåer.
"""
A, B, C = "a_fokusgruppe.txt", "b_intervju.txt", "c_intervju.txt"
TEXTS = {
    A: ("Moderator: Velkommen til samtalen.\n\n"
        "Sigrid Aune: Avtalen er både en kontrakt og et samarbeid.\n\n"
        "Håvard Lien: Tilliten mellom partene er viktigst, men vi mangler folk.\n\n"
        "Sigrid Aune: Vi mangler folk til å følge opp tiltakene.\n"),
    B: ("Moderator: Hva betyr avtalen for kommunen?\n\n"
        "Ordfører Berlevåg: Den gir oss en kontrakt med staten.\n\n"
        "Ordfører Berlevåg: Og vi trenger flere hender i administrasjonen.\n"),
    C: ("Moderator: Hvordan går det?\n\n"
        "Ordfører Berlevåg: Vi har for få folk.\n"),
}
PARTICIPANTS = ("file,speaker,actor,organisation,pilot\n"
                f"{A},Moderator,forsker,SINTEF,\n{A},Sigrid Aune,prosjektleder,Gamvik kommune,Midt-Finnmark\n"
                f"{A},Håvard Lien,statsforvalter,Statsforvalteren,Midt-Finnmark\n"
                f"{B},Moderator,forsker,SINTEF,\n{B},Ordfører Berlevåg,ordfører,Berlevåg kommune,Midt-Finnmark\n"
                f"{C},Moderator,forsker,SINTEF,\n{C},Ordfører Berlevåg,ordfører,Berlevåg kommune,Midt-Finnmark\n")
MANIFEST = ("file,kind,phase,pilot,county,date,language\n"
            f"{A},fokusgruppe,fase 1,Midt-Finnmark,Finnmark,2023-04-18,nb\n"
            f"{B},intervju,fase 1,Midt-Finnmark,Finnmark,2023-04-19,nb\n"
            f"{C},intervju,fase 2,Midt-Finnmark,Finnmark,2024-04-19,nb\n")
CODES = ["kontrakt.hybrid", "kontrakt.relasjonell", "kapasitet", "styring"]  # codebook order, no parent

# (source, turn, code, coder, span) -- the turns of A are 1-4, of B 1-3, of C 1-2
TWO_CODERS = [
    (A, 2, "kontrakt.hybrid", "mari", None), (A, 2, "kontrakt.hybrid", "jonas", None),
    (A, 3, "kontrakt.relasjonell", "mari", None),
    (A, 3, "kontrakt.hybrid", "jonas", None), (A, 3, "kapasitet", "jonas", (0, 8)),  # a span counts for A3
    (A, 4, "kapasitet", "mari", None), (A, 4, "kapasitet", "jonas", None),
    (B, 2, "kontrakt.hybrid", "mari", (0, 10)),
    (B, 3, "kapasitet", "jonas", None),
    (C, 2, "kapasitet", "mari", None),  # jonas never touched C: no unit
]
# The turns of A and B: A1..A4, B1..B3 (C is out). One vector per coder and code. A1 and B1 are
# the moderator's (actor forsker): no units unless include_interviewers (_people drops them).
MARI = {"kontrakt.hybrid": [0, 1, 0, 0, 0, 1, 0], "kontrakt.relasjonell": [0, 0, 1, 0, 0, 0, 0],
        "kapasitet": [0, 0, 0, 1, 0, 0, 0], "styring": [0] * 7}
JONAS = {"kontrakt.hybrid": [0, 1, 1, 0, 0, 0, 0], "kontrakt.relasjonell": [0] * 7,
         "kapasitet": [0, 0, 1, 1, 0, 0, 1], "styring": [0] * 7}
PER_CODINGS = [(A, 2, "kontrakt.hybrid", "per", None), (A, 3, "kontrakt.hybrid", "per", None),
               (A, 4, "kapasitet", "per", None), (B, 1, "kapasitet", "per", None)]
PER = {"kontrakt.hybrid": [0, 1, 1, 0, 0, 0, 0], "kontrakt.relasjonell": [0] * 7,
       "kapasitet": [0, 0, 0, 1, 1, 0, 0], "styring": [0] * 7}


MODERATOR = (0, 4)  # A1 and B1 in the vectors above


def _people(vectors: list[dict[str, list[int]]], moderator=MODERATOR) -> list[dict[str, list[int]]]:
    """The vectors without the interviewer turns (positions ``moderator``): the default units."""
    return [{c: [v for i, v in enumerate(vec) if i not in moderator] for c, vec in d.items()} for d in vectors]


def _apply(db, rows):
    from workbench.coding import apply_code
    from workbench.users import ensure_user

    for source, turn, code, coder, span in rows:
        ensure_user(db, coder)  # anna records the codings of coders who are users
        apply_code(db, source, turn, code, user="anna", coder=coder, span=span)


@pytest.fixture
def world(db, tmp_path):
    """Three sources, the codebook above and the two coders' codings (TWO_CODERS)."""
    from workbench.codebook import load_codebook
    from workbench.ingest import ingest_paths

    corpus = tmp_path / "korpus"
    corpus.mkdir()
    for name, text in TEXTS.items():
        (corpus / name).write_text(text, encoding="utf-8")
    (corpus / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    (corpus / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    assert not ingest_paths(db, [corpus], user="anna").errors
    load_codebook(db, tmp_path / "kodebok.yaml", user="anna")
    _apply(db, TWO_CODERS)
    return db


def _expected(vectors: list[dict[str, list[int]]], code: str | None = None) -> dict:
    """Figures from the kept implementations on the explicit vectors (one code, or pooled)."""
    codes = [code] if code else CODES
    rows = np.array([sum((v[c] for c in codes), []) for v in vectors], dtype=float)
    out = {"units": rows.shape[1], "percent": float(np.mean(np.all(rows == rows[0], axis=0)))}
    constant = len(np.unique(rows)) == 1
    out["alpha"] = None if constant else krippendorff.alpha(reliability_data=rows, level_of_measurement="nominal")
    out["kappa"] = None if constant or len(vectors) != 2 else cohen_kappa_score(rows[0], rows[1])
    return out


def _close(actual: dict, expected: dict) -> None:
    assert actual["units"] == expected["units"]
    for key in ("percent", "kappa", "alpha"):
        if expected[key] is None:
            assert actual[key] is None, (key, actual)
        else:
            assert actual[key] == pytest.approx(expected[key], abs=1e-12), (key, actual, expected)


# ------------------------------------------------------------------------------ segment units


def test_two_coders_per_code_and_overall_match_the_kept_implementations(world):
    """kontrakt.hybrid by hand: mari 10010, jonas 11000 over the 5 units (A2-A4, B2, B3).

    Percent: 3 of 5 units agree = 0.6. Kappa: p_o = 3/5, both coders give 1 to 2 of 5 units,
    p_e = (2/5)^2 + (3/5)^2 = 13/25, kappa = (15/25 - 13/25) / (12/25) = 1/6.
    Alpha (nominal): n = 10 values, 4 ones, 6 zeros; the two disagreeing units give o_01 = 2,
    alpha = 1 - (n - 1) * o_01 / (n_0 * n_1) = 1 - 9 * 2 / 24 = 0.25.
    """
    result = coding_agreement(world, ["mari", "jonas"], user="anna")
    assert result["coders"] == ["mari", "jonas"] and result["unit"] == "segment"
    assert [c["code"] for c in result["codes"]] == CODES  # the parent "kontrakt" is not compared
    by_code = {c["code"]: c for c in result["codes"]}
    hybrid = by_code["kontrakt.hybrid"]
    assert (hybrid["units"], hybrid["label"]) == (5, "Hybrid kontrakt")
    assert hybrid["percent"] == pytest.approx(3 / 5)
    assert hybrid["kappa"] == pytest.approx(1 / 6)
    assert hybrid["alpha"] == pytest.approx(0.25)
    for code in CODES:
        _close(by_code[code], _expected(_people([MARI, JONAS]), code))
    _close(result["overall"], _expected(_people([MARI, JONAS])))
    assert result["overall"]["units"] == 5 * 4


def test_interviewer_turns_are_no_units_unless_asked_for(world):
    """The moderator's turns A1 and B1 (actor forsker), which nobody codes, would only add agreeing
    zeros: they are left out and counted; include_interviewers brings them back (hybrid over the 7
    turns: mari 0100010, jonas 0110000: percent 5/7, kappa 6/20 = 0.3, alpha 1 - 13 * 2 / 40 =
    0.35). Character units stay the whole text."""
    result = coding_agreement(world, ["mari", "jonas"], user="anna")
    assert result["interviewer_turns_left_out"] == 2 and result["overall"]["units"] == 5 * 4
    every = coding_agreement(world, ["mari", "jonas"], include_interviewers=True, user="anna")
    assert every["interviewer_turns_left_out"] == 0 and every["overall"]["units"] == 7 * 4
    hybrid = next(c for c in every["codes"] if c["code"] == "kontrakt.hybrid")
    assert (hybrid["units"], hybrid["percent"]) == (7, pytest.approx(5 / 7))
    assert hybrid["kappa"] == pytest.approx(0.3) and hybrid["alpha"] == pytest.approx(0.35)
    _close(every["overall"], _expected([MARI, JONAS]))
    char = coding_agreement(world, ["mari", "jonas"], unit="char", user="anna")
    assert char["interviewer_turns_left_out"] == 0
    assert char == coding_agreement(world, ["mari", "jonas"], unit="char", include_interviewers=True, user="anna")
    # a coding on an interviewer turn (per on B1) is no disagreement unless the turns are asked for
    _apply(world, PER_CODINGS)
    assert (B, 1) not in {(r["source"], r["turn"]) for r in disagreements(world, ["mari", "per"], user="anna")}
    assert (B, 1) in {(r["source"], r["turn"]) for r in disagreements(world, ["mari", "per"],
                                                                        include_interviewers=True, user="anna")}


def test_unit_rule_sources_and_spans(world):
    """C (coded by mari only) adds no unit (and is named as left out); once jonas codes in C, its
    turn C2 becomes a unit (C1 is the moderator's); a span coding counts for its whole segment
    (jonas' span in A3 = kapasitet on A3)."""
    result = coding_agreement(world, "mari,jonas", codes="kapasitet", user="anna")
    assert [c["code"] for c in result["codes"]] == ["kapasitet"]
    assert result["sources"] == 2 and result["codes"][0]["units"] == 5 and result["left_out"] == [C]
    _close(result["codes"][0], _expected(_people([MARI, JONAS]), "kapasitet"))
    _apply(world, [(C, 2, "styring", "jonas", None)])
    after = coding_agreement(world, "mari,jonas", codes="kapasitet", user="anna")
    assert after["sources"] == 3 and after["codes"][0]["units"] == 6 and after["left_out"] == []
    mari = {"kapasitet": MARI["kapasitet"] + [0, 1]}
    jonas = {"kapasitet": JONAS["kapasitet"] + [0, 0]}
    _close(after["codes"][0], _expected(_people([mari, jonas], MODERATOR + (7,)), "kapasitet"))


def test_code_nobody_used_has_no_kappa_or_alpha(world):
    """styring is 0 for every unit and coder: percent 1.0, kappa and alpha undefined (None), and
    JSON shows null, not NaN."""
    result = coding_agreement(world, ["mari", "jonas"], codes="styring", user="anna")
    row = result["codes"][0]
    assert (row["units"], row["percent"], row["kappa"], row["alpha"]) == (5, 1.0, None, None)
    assert "NaN" not in json.dumps(result) and '"alpha": null' in json.dumps(result)


def test_three_coders_have_alpha_but_no_kappa(world):
    _apply(world, PER_CODINGS)
    result = coding_agreement(world, ["mari", "jonas", "per"], user="anna")
    assert result["coders"] == ["mari", "jonas", "per"]
    assert result["overall"]["kappa"] is None and all(c["kappa"] is None for c in result["codes"])
    by_code = {c["code"]: c for c in result["codes"]}
    for code in CODES:
        _close(by_code[code], _expected(_people([MARI, JONAS, PER]), code))
    _close(result["overall"], _expected(_people([MARI, JONAS, PER])))
    # hybrid: mari 10010, jonas and per 11000: all three agree on 3 of 5 units
    assert by_code["kontrakt.hybrid"]["percent"] == pytest.approx(3 / 5)


def test_sources_not_coded_by_every_coder_are_named(world, run):
    """With three coders a source one of them has not coded is no unit; the result names it, and
    so does the command."""
    _apply(world, [(B, 2, "kapasitet", "liv", None)])  # liv has coded B only; mari A, B, C; jonas A, B
    result = coding_agreement(world, ["mari", "jonas", "liv"], user="anna")
    assert result["sources"] == 1 and result["left_out"] == [A, C]
    assert result["codes"][0]["units"] == 2  # B2 and B3
    text = run("--coders", "mari,jonas,liv").output
    assert f"2 kilder er ikke med fordi ikke alle koderne har kodet dem: {A}, {C}" in text
    assert json.loads(run("--coders", "mari,jonas,liv", "--json").output)["left_out"] == [A, C]
    from workbench.ui.format import name_list

    assert name_list([f"{i}.txt" for i in range(8)]) == "0.txt, 1.txt, 2.txt, 3.txt, 4.txt og 3 til"


def test_coder_and_code_mistakes(world):
    with pytest.raises(NotFound, match=r"unknown coder 'mary'.*did you mean 'mari'.*known coders: jonas, mari"):
        coding_agreement(world, ["mary", "jonas"], user="anna")
    with pytest.raises(WorkbenchError, match="at least two coders"):
        coding_agreement(world, ["mari"], user="anna")
    from workbench.users import add_user

    add_user(world, "tom", user="anna")
    with pytest.raises(NotFound, match="'tom' has coded nothing yet; known coders: jonas, mari"):
        coding_agreement(world, ["mari", "tom"], user="anna")
    add_user(world, "kari", user="anna")  # a user, close to mari: no "did you mean 'mari'"
    with pytest.raises(NotFound) as err:
        coding_agreement(world, ["mari", "kari"], user="anna")
    assert str(err.value) == "'kari' has coded nothing yet; known coders: jonas, mari"
    for nothing in (",", " , ", "", []):  # a text naming no code is a mistake, not "every code"
        with pytest.raises(InputError) as err:
            coding_agreement(world, ["mari", "jonas"], codes=nothing, user="anna")
        assert err.value.code == "agreement.codes_empty" and "name no code" in str(err.value)
    with pytest.raises(WorkbenchError, match="named twice"):
        coding_agreement(world, ["mari", "mari"], user="anna")
    with pytest.raises(NotFound, match="no code id starts with 'tillit'"):
        coding_agreement(world, ["mari", "jonas"], codes="tillit", user="anna")
    with pytest.raises(InputError, match="unit 'word'"):
        coding_agreement(world, ["mari", "jonas"], unit="word", user="anna")


def test_codes_written_in_other_letter_case_are_the_same_codes(world):
    """`workbench code` takes "Kontrakt.Hybrid" for kontrakt.hybrid; so does --codes."""
    same = coding_agreement(world, ["mari", "jonas"], codes="kontrakt.hybrid", user="anna")
    assert coding_agreement(world, ["mari", "jonas"], codes="Kontrakt.Hybrid", user="anna") == same
    family = coding_agreement(world, ["mari", "jonas"], codes="KONTRAKT", user="anna")
    assert [c["code"] for c in family["codes"]] == ["kontrakt.hybrid", "kontrakt.relasjonell"]


def test_codes_that_are_all_retired_are_said_to_be_retired(world, run, tmp_path):
    import yaml

    from workbench.codebook import load_codebook

    book = yaml.safe_load(CODEBOOK)
    del book["codes"]["kontrakt"]  # gone from the file, but coded: retired
    (tmp_path / "uten_kontrakt.yaml").write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    load_codebook(world, tmp_path / "uten_kontrakt.yaml", user="anna")
    with pytest.raises(WorkbenchError) as exc:
        coding_agreement(world, ["mari", "jonas"], codes="kontrakt", user="anna")
    assert exc.value.code == "agreement.retired_codes"
    assert str(exc.value).startswith("the codes matching 'kontrakt' are retired (kontrakt.hybrid, "
                                     "kontrakt.relasjonell); agreement is measured on the active codes")
    _one_line_error(run("--coders", "mari,jonas", "--codes", "kontrakt"), "are retired")


# ------------------------------------------------------------------------------ character units


def _source_text(db, name: str) -> str:
    with db.session() as s:
        return s.scalar(select(Source.canonical_text).where(Source.file_name == name))


def test_char_units_half_a_segment_against_the_whole_segment(world):
    """Every code point of A and B is a unit. In A4 mari codes kapasitet on the whole turn and
    jonas on its first half: the other half disagrees, while with segment units A4 agrees."""
    from workbench.coding import apply_code, remove_code
    from workbench.ingest import list_turns

    remove_code(world, A, 4, "kapasitet", coder="jonas", user="anna")
    turn = list_turns(world, A, user="anna")[3]["text"]
    half = len(turn) // 2
    apply_code(world, A, 4, "kapasitet", coder="jonas", span=(0, half), user="anna")
    text_a, text_b = _source_text(world, A), _source_text(world, B)
    start, offset_b = text_a.index(turn), len(text_a)
    total = len(text_a) + len(text_b)

    def chars(spans):
        v = np.zeros(total, dtype=int)
        for s, e in spans:
            v[s:e] = 1
        return list(v)

    def whole(text, base, number, rel=None):
        seg = [t["text"] for t in list_turns(world, A if base == 0 else B, user="anna")][number - 1]
        s = base + text.index(seg)
        return (s, s + len(seg)) if rel is None else (s + rel[0], s + rel[1])

    a3_span = whole(text_a, 0, 3, (0, 8))
    mari = {"kapasitet": chars([(start, start + len(turn))])}
    jonas = {"kapasitet": chars([a3_span, (start, start + half), whole(text_b, offset_b, 3)])}
    result = coding_agreement(world, ["mari", "jonas"], codes="kapasitet", unit="char", user="anna")
    assert result["unit"] == "char" and result["codes"][0]["units"] == total
    _close(result["codes"][0], _expected([mari, jonas], "kapasitet"))
    # by hand: the units that disagree are the 8 characters of the span in A3, the second half
    # of A4 and the whole of B3
    b3 = whole(text_b, offset_b, 3)
    disagree = 8 + (len(turn) - half) + (b3[1] - b3[0])
    assert result["codes"][0]["percent"] == pytest.approx(1 - disagree / total)
    segment = coding_agreement(world, ["mari", "jonas"], codes="kapasitet", user="anna")["codes"][0]
    _close(segment, _expected(_people([MARI, JONAS]), "kapasitet"))  # A4 agrees as a segment


def test_char_units_overall_pools_codes(world):
    result = coding_agreement(world, ["mari", "jonas"], unit="char", user="anna")
    total = len(_source_text(world, A)) + len(_source_text(world, B))
    assert result["overall"]["units"] == total * len(CODES)
    assert {c["units"] for c in result["codes"]} == {total}
    styring = next(c for c in result["codes"] if c["code"] == "styring")
    assert (styring["kappa"], styring["alpha"], styring["percent"]) == (None, None, 1.0)
    assert 0 < result["overall"]["alpha"] < 1 and 0 < result["overall"]["kappa"] < 1


def test_collapsed_units_give_the_packages_alpha():
    """Agreeing units are handed to krippendorff.alpha as one row each of zeros and ones; the
    figures equal the package (and scikit-learn) on the full unit vectors."""
    from workbench.agreement import _binary_stats, _tally

    rng = np.random.default_rng(7)
    for m in (2, 3, 5):
        for _ in range(25):
            n = int(rng.integers(3, 400))
            first = (rng.random(n) < rng.random() * 0.4).astype(np.uint8)
            others = np.where(rng.random((m - 1, n)) < 0.85, first, 1 - first)
            values = np.vstack([first, others]).astype(np.uint8)
            got = _binary_stats(*_tally(values), m)
            if len(np.unique(values)) == 1:
                assert got["alpha"] is None and got["kappa"] is None
                continue
            assert got["alpha"] == pytest.approx(
                krippendorff.alpha(reliability_data=values.astype(float), level_of_measurement="nominal"), abs=1e-12)
            if m == 2:
                assert got["kappa"] == pytest.approx(cohen_kappa_score(values[0], values[1]), abs=1e-12)


# ------------------------------------------------------------------------------ reliability tables

# Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", the example with missing
# data: observers A-D, units 1-12, None = the observer gave no value.
K2011 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}


def _write_table(path, data: dict[str, list], drop_missing_rows: bool = False) -> None:
    lines = ["unit,coder,value"]
    for coder, values in data.items():
        for unit, value in enumerate(values, start=1):
            if value is None and drop_missing_rows:
                continue
            lines.append(f"{unit},{coder},{'' if value is None else value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("drop", [False, True], ids=["empty-values", "absent-rows"])
def test_table_reproduces_krippendorff_2011(tmp_path, drop):
    path = tmp_path / "k2011.csv"
    _write_table(path, K2011, drop_missing_rows=drop)
    published = {"nominal": 0.743, "ordinal": 0.815, "interval": 0.849, "ratio": 0.797}
    for level, value in published.items():
        result = table_agreement(path, level=level)
        assert round(result["alpha"], 3) == value, level
        assert result["coders"] == ["A", "B", "C", "D"] and result["units"] == 12
        assert result["pairable_units"] == 11  # unit 12 has one value only
        assert "kappa" not in result and "percent" not in result  # four coders


def test_table_two_coders_kappa_and_percent_over_units_both_coded(tmp_path):
    """Units 1-8; x has no value for unit 7, y none for unit 8. Over the six units both coded
    (ja ja, ja nei, nei nei, nei nei, ja ja, nei ja): percent 4/6; kappa p_o = 4/6, each coder
    says ja 3 of 6 times, p_e = 0.5, kappa = (2/3 - 1/2) / (1/2) = 1/3."""
    x = ["ja", "ja", "nei", "nei", "ja", "nei", "ja", None]
    y = ["ja", "nei", "nei", "nei", "ja", "ja", None, "nei"]
    path = tmp_path / "to.csv"
    _write_table(path, {"x": x, "y": y})
    result = table_agreement(path)
    assert result["percent"] == pytest.approx(4 / 6)
    assert result["kappa"] == pytest.approx(1 / 3)
    both = [i for i in range(8) if x[i] and y[i]]
    assert result["kappa"] == pytest.approx(cohen_kappa_score([x[i] for i in both], [y[i] for i in both]))
    numbers = [[{"ja": 1.0, "nei": 0.0}.get(v, np.nan) for v in col] for col in (x, y)]
    assert result["alpha"] == pytest.approx(krippendorff.alpha(reliability_data=numbers,
                                                               level_of_measurement="nominal"))
    assert result["units"] == 8 and result["pairable_units"] == 6


@pytest.mark.parametrize("level", ["ordinal", "interval", "ratio"])
def test_table_of_two_coders_with_decimal_numbers(tmp_path, level):
    """Numbers with decimals (some written with a decimal comma, as Norwegian Excel does): alpha as
    the krippendorff package gives it; kappa over the values as categories."""
    x, y = [0.5, 2.0, 3.0, 1.25], [1.5, 2.0, 2.5, 1.25]
    path = tmp_path / "desimal.csv"
    rows = ["unit;coder;value"] + [f"u{i};x;{str(v).replace('.', ',')}" for i, v in enumerate(x)] \
        + [f"u{i};y;{v}" for i, v in enumerate(y)]
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = table_agreement(path, level=level)
    assert result["alpha"] == pytest.approx(krippendorff.alpha(reliability_data=[x, y], level_of_measurement=level))
    assert result["percent"] == pytest.approx(0.5)
    assert result["kappa"] == pytest.approx(cohen_kappa_score([str(v) for v in x], [str(v) for v in y]))


def test_coders_without_a_common_source_are_told_so(world):
    """jonas never coded source C; liv codes only C: nothing to compare must never look like agreement."""
    _apply(world, [(C, 2, "kapasitet", "liv", None)])
    with pytest.raises(WorkbenchError, match="jonas, liv have coded no source in common") as err:
        coding_agreement(world, ["jonas", "liv"], user="anna")
    assert err.value.code == "agreement.no_common_source"
    with pytest.raises(WorkbenchError, match="no source in common"):
        disagreements(world, ["jonas", "liv"], user="anna")
    assert coding_agreement(world, ["mari", "liv"], user="anna")["sources"] == 1  # both coded C


def test_table_constant_values_give_none(tmp_path):
    path = tmp_path / "lik.csv"
    _write_table(path, {"x": [1, 1, 1], "y": [1, 1, 1]})
    result = table_agreement(path, level="interval")
    assert (result["alpha"], result["kappa"], result["percent"]) == (None, None, 1.0)


@pytest.mark.parametrize("content,level,fragments", [
    ("unit,coder\n1,a\n", "nominal", ["row 1", "missing column 'value'"]),
    ("unit,coder,value\n1,a,1\n1,b,2\n1,a,3\n", "nominal", ["row 4", "appear twice", "row 2"]),
    ("unit,coder,value\n1,a,1\n1,b,høy\n", "interval", ["row 3", "'høy' is not a number", "--level nominal"]),
    ("unit,coder,value\n1,a,1\n2,a,2\n", "nominal", ["at least two coders"]),
])
def test_bad_tables_are_one_line_errors(tmp_path, content, level, fragments):
    path = tmp_path / "feil.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as error:
        table_agreement(path, level=level)
    message = str(error.value)
    assert "\n" not in message and "feil.csv" in message
    for fragment in fragments:
        assert fragment in message


# ------------------------------------------------------------------------------ disagreements


def test_disagreements_list_the_turns_with_different_code_sets(world):
    rows = disagreements(world, ["mari", "jonas"], user="anna")
    assert [(r["source"], r["turn"], r["speaker"], r["codes"]) for r in rows] == [
        (A, 3, "Håvard Lien", {"mari": ["kontrakt.relasjonell"], "jonas": ["kapasitet", "kontrakt.hybrid"]}),
        (B, 2, "Ordfører Berlevåg", {"mari": ["kontrakt.hybrid"], "jonas": []}),
        (B, 3, "Ordfører Berlevåg", {"mari": [], "jonas": ["kapasitet"]}),
    ]
    assert rows[0]["text"].startswith("Tilliten mellom partene")
    only = disagreements(world, ["mari", "jonas"], codes="kapasitet", user="anna")
    assert [(r["source"], r["turn"], r["codes"]) for r in only] == [
        (A, 3, {"mari": [], "jonas": ["kapasitet"]}), (B, 3, {"mari": [], "jonas": ["kapasitet"]})]


# ------------------------------------------------------------------------------ consensus


def test_record_consensus_replaces_is_audited_and_compares_like_a_coder(world):
    from workbench.coding import list_codings
    from workbench.users import add_user, list_audit

    first = record_consensus(world, A, 3, ["kontrakt.hybrid", "kapasitet"], user="anna")
    assert sorted(r.code for r in first) == ["kapasitet", "kontrakt.hybrid"]
    assert {r.coder for r in first} == {CONSENSUS_CODER}
    second = record_consensus(world, A, 3, "kapasitet", user="anna")
    assert [(r.code, r.start, r.end) for r in second] == [("kapasitet", None, None)]
    stored = list_codings(world, coder=CONSENSUS_CODER, user="anna")
    assert [(r.source, r.turn, r.code) for r in stored] == [(A, 3, "kapasitet")]
    # mari's and jonas' own codings are untouched
    assert len(list_codings(world, coder="jonas", user="anna")) == 5
    events = [e for e in list_audit(world, action="consensus", user="anna")]
    assert [(e.detail["before"], e.detail["after"], e.detail["by"]) for e in events] == [
        ([], ["kapasitet", "kontrakt.hybrid"], "anna"), (["kapasitet", "kontrakt.hybrid"], ["kapasitet"], "anna")]
    assert events[0].detail["source"] == A and events[0].detail["turn"] == 3
    # a wrong code refuses the whole consensus: nothing changes
    with pytest.raises(WorkbenchError):
        record_consensus(world, A, 3, ["kontrakt.hybrid", "kontrakt"], user="anna")
    assert [r.code for r in list_codings(world, coder=CONSENSUS_CODER, user="anna")] == ["kapasitet"]
    # a consensus is recorded on A3 only: that turn is the unit when konsensus is compared with mari
    # (the other turns of A are not konsensus saying "no code")
    result = coding_agreement(world, ["mari", CONSENSUS_CODER], codes="kapasitet", user="anna")
    assert result["sources"] == 1 and result["codes"][0]["units"] == 1 and result["consensus_turns"] == 1
    _close(result["codes"][0], _expected([{"kapasitet": [0]}, {"kapasitet": [1]}], "kapasitet"))
    # a report author sees the figures but may neither record a consensus nor read the turns
    add_user(world, "rolf", "report_author", password="korrekt-hest-batteri", user="anna")
    assert coding_agreement(world, ["mari", "jonas"], user="rolf")["overall"]["units"] == 20
    with pytest.raises(PermissionDenied, match="^Ingen tilgang: rollen «rapportforfatter»"):
        record_consensus(world, A, 3, ["kontrakt.hybrid"], user="rolf")
    with pytest.raises(PermissionDenied):
        disagreements(world, ["mari", "jonas"], user="rolf")
    assert [r.code for r in list_codings(world, coder=CONSENSUS_CODER, user="anna")] == ["kapasitet"]
    assert len(list_audit(world, action="consensus", user="anna")) == 2


def test_a_consensus_naming_no_code_is_refused_only_dash_means_none(world):
    """An empty CODES (an unset shell variable) is a mistake, not "no code applies"."""
    from workbench.coding import list_codings
    from workbench.users import list_audit

    record_consensus(world, A, 3, ["kapasitet"], user="anna")
    for empty in ("", "  ", ",", " , "):
        with pytest.raises(InputError) as exc:
            record_consensus(world, A, 3, empty, user="anna")
        assert exc.value.code == "consensus.no_codes" and "'-' when no code applies" in str(exc.value)
    assert [r.code for r in list_codings(world, coder=CONSENSUS_CODER, user="anna")] == ["kapasitet"]
    assert len(list_audit(world, action="consensus", user="anna")) == 1
    assert record_consensus(world, A, 3, "-", user="anna") == []  # "-": no code applies
    assert disagreements(world, ["mari", "jonas"], user="anna")[0]["consensus"] == []


def test_disagreements_carry_the_stored_consensus_of_each_turn(world):
    rows = disagreements(world, ["mari", "jonas"], user="anna")
    assert [r["consensus"] for r in rows] == [None, None, None]  # nothing agreed yet
    record_consensus(world, A, 3, ["kapasitet", "kontrakt.hybrid"], user="anna")
    rows = disagreements(world, ["mari", "jonas"], user="anna")
    assert [(r["source"], r["turn"], r["consensus"]) for r in rows] == [
        (A, 3, ["kapasitet", "kontrakt.hybrid"]), (B, 2, None), (B, 3, None)]
    # compared on one code, the turn still carries its whole consensus, so saving it back loses nothing
    only = disagreements(world, ["mari", "jonas"], codes="kapasitet", user="anna")
    assert only[0]["turn"] == 3 and only[0]["consensus"] == ["kapasitet", "kontrakt.hybrid"]
    record_consensus(world, A, 3, only[0]["consensus"], user="anna")
    assert disagreements(world, ["mari", "jonas"], user="anna")[0]["consensus"] == ["kapasitet", "kontrakt.hybrid"]
    # "no code applies" is a consensus too: an empty list, not None
    record_consensus(world, B, 3, [], user="anna")
    rows = disagreements(world, ["mari", "jonas"], user="anna")
    assert [(r["turn"], r["consensus"]) for r in rows if r["source"] == B] == [(2, None), (3, [])]


def test_a_consensus_holding_a_code_retired_since_can_be_saved_again(world, tmp_path):
    """The Enighet page offers the stored consensus as it is; a code retired since (the codebook
    reloaded without it) stays as it is when the consensus is saved again, and is refused only
    where the stored consensus does not have it."""
    import yaml

    from workbench.codebook import load_codebook
    from workbench.coding import list_codings
    from workbench.users import list_audit

    record_consensus(world, A, 3, ["kapasitet", "kontrakt.hybrid"], user="anna")
    book = yaml.safe_load(CODEBOOK)
    del book["codes"]["kapasitet"]  # gone from the file, but coded: retired
    (tmp_path / "uten_kapasitet.yaml").write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    load_codebook(world, tmp_path / "uten_kapasitet.yaml", user="anna")
    before = sorted((r.id, r.code) for r in list_codings(world, coder=CONSENSUS_CODER, user="anna"))
    row = next(r for r in disagreements(world, ["mari", "jonas"], user="anna") if (r["source"], r["turn"]) == (A, 3))
    assert row["consensus"] == ["kapasitet", "kontrakt.hybrid"]
    kept = record_consensus(world, A, 3, row["consensus"], user="anna")  # saved again unchanged: accepted
    assert sorted((r.id, r.code) for r in kept) == before  # the same codings, left as they were
    assert list_audit(world, action="consensus", user="anna")[-1].detail["after"] == ["kapasitet", "kontrakt.hybrid"]
    with pytest.raises(WorkbenchError, match="'kapasitet' is retired and cannot be applied") as err:
        record_consensus(world, B, 2, ["kapasitet", "kontrakt.hybrid"], user="anna")  # not agreed on B2 before
    assert err.value.code == "code.retired"
    assert [r.code for r in record_consensus(world, A, 3, ["kontrakt.hybrid"], user="anna")] == ["kontrakt.hybrid"]
    with pytest.raises(WorkbenchError, match="is retired"):  # dropped once: it cannot come back
        record_consensus(world, A, 3, ["kapasitet", "kontrakt.hybrid"], user="anna")


def test_a_removed_sources_consensus_does_not_carry_over_to_the_next_source(world, tmp_path):
    """SQLite gives the turns of a new source the ids of a removed source's turns; a consensus
    recorded on those turns must not make the new turns agreed on."""
    from workbench.agreement import agreement_coders
    from workbench.lifecycle import remove_source
    from workbench.store import AuditEvent

    record_consensus(world, C, 1, "-", user="anna")
    record_consensus(world, C, 2, "-", user="anna")
    old_ids = _turn_ids(world, C)
    remove_source(world, C, user="anna")
    new = _ingest_two_turns(world, tmp_path, "d_intervju.txt")
    if world.url.startswith("sqlite"):
        assert _turn_ids(world, new) == old_ids  # the ids are reused: the situation of the bug
    _apply(world, [(new, 1, "kapasitet", "mari", None), (new, 2, "styring", "jonas", None)])
    assert agreement_coders(world, user="anna") == ["jonas", "mari"]  # no consensus is recorded any more
    with pytest.raises(WorkbenchError) as err:  # was: consensus_turns == 2 on the new source
        coding_agreement(world, "mari,konsensus", user="anna")
    assert err.value.code == "agreement.unknown_coder"  # konsensus has agreed on nothing that exists
    assert all(r["consensus"] is None for r in disagreements(world, "mari,jonas", user="anna"))
    with world.session() as s:  # the entries stay in the audit trail, marked
        kinds = [e.target_type for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "consensus"))]
        assert kinds == ["removed_segment", "removed_segment"]


def test_migration_0012_marks_the_consensus_of_removed_turns(world, tmp_path):
    """A database from before 0012: its consensus entries of removed turns still read "segment".
    The upgrade marks those whose turn is gone, names another source or turn, or is older than
    the source now holding the id (removed and ingested again under the same name); a real
    consensus stays."""
    from sqlalchemy import text, update

    from workbench.agreement import agreement_coders
    from workbench.ingest import ingest_paths
    from workbench.lifecycle import remove_source
    from workbench.store import AuditEvent

    record_consensus(world, A, 3, ["kapasitet"], user="anna")      # stays
    record_consensus(world, C, 1, "-", user="anna")
    record_consensus(world, C, 2, "-", user="anna")
    remove_source(world, C, user="anna")
    again = tmp_path / "igjen"
    again.mkdir()
    (again / C).write_text(TEXTS[C], encoding="utf-8")
    assert not ingest_paths(world, [again], user="anna").errors      # the same name, turns and (SQLite) ids
    b2 = _turn_ids(world, B)[1]
    with world.transaction("anna") as tx:
        tx.audit("consensus", "segment", 999999, {"source": "borte.txt", "turn": 1, "before": [], "after": []})
        tx.audit("consensus", "segment", b2, {"source": "annen.txt", "turn": 2, "before": [], "after": []})
        # as the code before 0012 left them
        tx.session.execute(update(AuditEvent).where(AuditEvent.action == "consensus").values(target_type="segment"))
        tx.session.execute(text("UPDATE alembic_version SET version_num = '0011'"))
        tx.session.execute(text("DROP TABLE removed_speakers"))  # made by 0013
        tx.session.execute(text("DROP TABLE login_tokens"))  # made by 0014
        tx.session.execute(text("DROP TABLE memo_drafts"))  # made by 0016
    _apply(world, [(C, 2, "kapasitet", "jonas", None)])
    world.upgrade()
    with world.session() as s:
        from workbench.cli._util import head_revision

        assert s.scalar(text("SELECT version_num FROM alembic_version")) == head_revision()
        kinds = [(e.detail["source"], e.detail["turn"], e.target_type)
                 for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "consensus").order_by(AuditEvent.id))]
    assert kinds == [(A, 3, "segment"), (C, 1, "removed_segment"), (C, 2, "removed_segment"),
                     ("borte.txt", 1, "removed_segment"), ("annen.txt", 2, "removed_segment")]
    result = coding_agreement(world, ["jonas", CONSENSUS_CODER], user="anna")
    assert result["consensus_turns"] == 1 and result["sources"] == 1  # A3 only, not C1/C2 nor B2
    assert CONSENSUS_CODER in agreement_coders(world, user="anna")


def _turn_ids(db, source: str) -> list[int]:
    from workbench.store import Segment

    with db.session() as s:
        return list(s.scalars(select(Segment.id).join(Source).where(Source.file_name == source)
                              .order_by(Segment.index)))


def _ingest_two_turns(db, tmp_path, name: str) -> str:
    from workbench.ingest import ingest_paths

    folder = tmp_path / "ny"
    folder.mkdir()
    (folder / name).write_text("Ordfører Båtsfjord: Vi har fått flere folk.\n\n"
                               "Ordfører Båtsfjord: Men boligene mangler.\n", encoding="utf-8")
    assert not ingest_paths(db, [folder], user="anna").errors
    return name


def test_the_konsensus_coder_is_not_coded_directly_nor_imitated(world, tmp_path):
    """apply_code(coder="konsensus") silently made the turn a consensus turn; it is refused with
    the way to record a consensus, in any letter case, and a user "Konsensus" cannot be made."""
    from workbench.coding import apply_code, code_from_csv, list_codings
    from workbench.users import add_user, ensure_user

    record_consensus(world, A, 2, ["kontrakt.hybrid"], user="anna")  # still works (creates the coder)
    for name in (CONSENSUS_CODER, "Konsensus", "KONSENSUS"):
        with pytest.raises(InputError) as err:
            apply_code(world, A, 4, "kapasitet", coder=name, user="anna")
        assert err.value.code == "coding.consensus_coder" and "workbench agreement --consensus" in str(err.value)
        assert "\n" not in str(err.value)
    with pytest.raises(InputError, match="--consensus"):
        apply_code(world, A, 4, "kapasitet", user=CONSENSUS_CODER)  # acting as the konsensus coder
    path = tmp_path / "koder.csv"
    path.write_text(f"source,turn,code,coder\n{A},4,kapasitet,Konsensus\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2: coder 'Konsensus'"):
        code_from_csv(world, path, user="anna")
    assert [(r.turn, r.code) for r in list_codings(world, coder=CONSENSUS_CODER, user="anna")] == [
        (2, "kontrakt.hybrid")]
    for make in (lambda n: add_user(world, n, user="anna"), lambda n: ensure_user(world, n)):
        with pytest.raises(WorkbenchError) as err:
            make("Konsensus")
        assert err.value.code == "user.consensus_name" and "choose another name" in str(err.value)
    r = CliRunner().invoke(cli, ["--db", world.url, "--user", "anna", "code", A, "4", "kapasitet",
                                 "--coder", "Konsensus"], obj={})
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1 and "--consensus" in r.output, r.output


def test_default_coders_are_the_pair_sharing_the_most_sources(world):
    from workbench.users import add_user

    assert default_coders(world, user="anna") == ["jonas", "mari"]  # they share A and B
    # a researcher who coded one source of her own, and the konsensus coder on A, change nothing
    _apply(world, [(C, 1, "styring", "anna", None)])
    record_consensus(world, A, 2, ["kontrakt.hybrid"], user="anna")
    record_consensus(world, B, 2, ["kontrakt.hybrid"], user="anna")
    assert default_coders(world, user="anna") == ["jonas", "mari"]
    # per codes all three sources: per and mari share A, B and C
    _apply(world, PER_CODINGS + [(C, 2, "kapasitet", "per", None)])
    assert default_coders(world, user="anna") == ["mari", "per"]
    add_user(world, "rolf", "report_author", password="korrekt-hest-batteri", user="anna")
    assert default_coders(world, user="rolf") == ["mari", "per"]  # names only, like the figures


def test_default_coders_without_a_shared_source(db):
    assert default_coders(db, user="anna") == []


# The turns with a recorded consensus: A3 (kapasitet, hybrid), B2 (hybrid), B3 (no code applies).
# Units in source and turn order: A3, B2, B3. mari on them: relasjonell on A3, hybrid (a span) on B2.
MARI_AGREED = {"kontrakt.hybrid": [0, 1, 0], "kontrakt.relasjonell": [1, 0, 0], "kapasitet": [0, 0, 0],
               "styring": [0, 0, 0]}
KONSENSUS = {"kontrakt.hybrid": [1, 1, 0], "kontrakt.relasjonell": [0, 0, 0], "kapasitet": [1, 0, 0],
             "styring": [0, 0, 0]}


def _agree_on_three_turns(world) -> None:
    record_consensus(world, A, 3, ["kapasitet", "kontrakt.hybrid"], user="anna")
    record_consensus(world, B, 2, ["kontrakt.hybrid"], user="anna")
    record_consensus(world, B, 3, [], user="anna")


def test_konsensus_is_compared_on_the_turns_with_a_recorded_consensus_only(world):
    """A turn nobody agreed on is not konsensus saying "no code"; a turn agreed as "no code" is."""
    _agree_on_three_turns(world)
    result = coding_agreement(world, ["mari", CONSENSUS_CODER], user="anna")
    assert result["sources"] == 2 and result["consensus_turns"] == 3
    by_code = {c["code"]: c for c in result["codes"]}
    for code in CODES:
        _close(by_code[code], _expected([MARI_AGREED, KONSENSUS], code))
    _close(result["overall"], _expected([MARI_AGREED, KONSENSUS]))
    # character units: the characters of those three turns
    with world.session() as s:
        from workbench.store import Segment

        turns = {(A, 3), (B, 2), (B, 3)}
        chars = sum(seg.end_char - seg.start_char for seg in s.scalars(select(Segment))
                    if (seg.source.file_name, seg.index) in turns)
    char = coding_agreement(world, ["mari", CONSENSUS_CODER], unit="char", user="anna")
    assert char["consensus_turns"] == 3 and {c["units"] for c in char["codes"]} == {chars}
    # the turns listed as disagreements are among the agreed ones too
    rows = disagreements(world, ["mari", CONSENSUS_CODER], user="anna")
    assert [(r["source"], r["turn"], r["consensus"]) for r in rows] == [(A, 3, ["kapasitet", "kontrakt.hybrid"])]


def test_konsensus_recorded_only_as_no_code_is_still_compared(world):
    record_consensus(world, B, 2, [], user="anna")
    result = coding_agreement(world, ["jonas", CONSENSUS_CODER], codes="kapasitet", user="anna")
    assert result["consensus_turns"] == 1 and result["codes"][0]["units"] == 1
    assert result["codes"][0]["percent"] == 1.0   # jonas did not code B2 either


def test_konsensus_without_a_recorded_turn_in_the_coders_sources_is_one_line(world, run):
    record_consensus(world, C, 2, ["kapasitet"], user="anna")   # agreed on C only; per coded A only
    assert coding_agreement(world, ["mari", CONSENSUS_CODER], user="anna")["consensus_turns"] == 1  # mari coded C
    _apply(world, [(A, 1, "styring", "per", None)])
    with pytest.raises(WorkbenchError) as err:
        coding_agreement(world, ["per", CONSENSUS_CODER], user="anna")
    assert err.value.code == "agreement.no_consensus" and "no consensus is recorded" in str(err.value)
    _one_line_error(run("--coders", f"per,{CONSENSUS_CODER}"), "no consensus is recorded on any turn")


@pytest.mark.parametrize("reference", [False, True])
def test_dashboard_shares_of_konsensus_divide_by_the_agreed_turns(world, reference):
    from workbench.analysis.aggregate import _pandas_reference, code_frequencies

    _agree_on_three_turns(world)

    def shares(coder):
        with (_pandas_reference() if reference else contextlib.nullcontext()):
            df = code_frequencies(world, coder=coder, user="anna").set_index("code")
        return {c: (int(df.loc[c, "segments"]), float(df.loc[c, "share"])) for c in ("kapasitet", "kontrakt.hybrid")}

    assert shares(CONSENSUS_CODER) == {"kapasitet": (1, pytest.approx(1 / 3)),
                                       "kontrakt.hybrid": (2, pytest.approx(2 / 3))}
    assert shares("mari")["kapasitet"] == (2, pytest.approx(2 / 9))   # other coders: all 9 turns, as before

# ------------------------------------------------------------------------------ command line


@pytest.fixture
def run(world):
    runner = CliRunner()

    def invoke(*args, user="anna"):
        return runner.invoke(cli, ["--db", world.url, "--user", user, "agreement", *args], obj={})

    return invoke


def _one_line_error(result, *fragments):
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_cli_json_and_table(run):
    r = run("--coders", "mari,jonas", "--json")
    assert r.exit_code == 0, r.output
    data = json.loads(r.output)
    assert set(data) == {"coders", "unit", "sources", "left_out", "interviewer_turns_left_out", "code_set",
                         "overall", "codes"}
    assert set(data["code_set"]) == {"version", "name", "loaded", "pinned", "codes", "unused"}
    assert data["left_out"] == [C] and data["interviewer_turns_left_out"] == 2
    assert set(data["overall"]) == {"units", "percent", "kappa", "alpha"}
    assert [set(c) for c in data["codes"]] == [{"code", "label", "units", "percent", "kappa", "alpha"}] * 4
    hybrid = next(c for c in data["codes"] if c["code"] == "kontrakt.hybrid")
    assert hybrid["kappa"] == pytest.approx(1 / 6) and hybrid["alpha"] == pytest.approx(0.25)
    text = run("--coders", "mari,jonas", "--codes", "kontrakt")
    assert text.exit_code == 0, text.output
    line = next(ln for ln in text.output.splitlines() if ln.startswith("kontrakt.hybrid"))
    assert line.split()[-4:] == ["5", "0.600", "0.167", "0.250"]
    assert "styring" not in text.output and "Samlet: enheter 10  prosent 0.700" in text.output
    header = next(ln for ln in text.output.splitlines() if ln.startswith("kode"))
    assert header.split() == ["kode", "navn", "enheter", "prosent", "kappa", "alfa"]  # Norwegian, as the rest
    assert "units" not in text.output and "percent" not in text.output and "label" not in text.output
    assert "enhet: segment (5 segmenter i 2 kilder som alle koderne har kodet)" in text.output
    assert f"1 kilde er ikke med fordi ikke alle koderne har kodet den: {C}" in text.output
    assert "2 intervjuerturer (aktør forsker) er ikke med" in text.output and "--include-interviewers" in text.output
    every = run("--coders", "mari,jonas", "--codes", "kontrakt", "--include-interviewers").output
    assert "Samlet: enheter 14" in every and "intervjuerturer" not in every
    char = json.loads(run("--coders", "mari,jonas,", "--unit", "char", "--json").output)
    assert char["unit"] == "char" and char["codes"][0]["units"] > 100


def test_cli_reliability_table(run, tmp_path):
    path = tmp_path / "k2011.csv"
    _write_table(path, K2011)
    r = run("--table", str(path), "--level", "interval")
    assert r.exit_code == 0, r.output
    assert "alfa     0.849" in r.output and "kappa" not in r.output
    two = tmp_path / "to.csv"
    _write_table(two, {"x": ["ja", "nei", "ja"], "y": ["ja", "nei", "nei"]})
    data = json.loads(run("--table", str(two), "--json").output)
    assert data["percent"] == pytest.approx(2 / 3) and data["coders"] == ["x", "y"]
    assert "kappa    0.400" in run("--table", str(two)).output


def test_cli_disagreements_and_consensus(run, world):
    from workbench.coding import list_codings

    rows = json.loads(run("--coders", "mari,jonas", "--disagreements", "--json").output)
    assert [(r["source"], r["turn"]) for r in rows] == [(A, 3), (B, 2), (B, 3)]
    text = run("--coders", "mari,jonas", "--disagreements").output
    assert "Tilliten mellom partene" in text and "jonas: kapasitet, kontrakt.hybrid" in text
    r = run("--consensus", A, "3", "kontrakt.hybrid,kapasitet")
    assert r.exit_code == 0, r.output
    assert "kapasitet, kontrakt.hybrid" in r.output
    data = json.loads(run("--coders", f"jonas,{CONSENSUS_CODER}", "--json").output)
    # the one turn with a recorded consensus (A3) x 4 codes; jonas coded A3 as agreed
    assert data["sources"] == 1 and data["overall"]["units"] == 4 and data["consensus_turns"] == 1
    assert data["overall"]["percent"] == pytest.approx(1.0)
    against = run("--coders", f"jonas,{CONSENSUS_CODER}").output
    assert "bare på turene der konsensus er registrert (1)" in against
    assert "enhet: segment (1 segment i 1 kilde som alle koderne har kodet)" in against  # not "1 segmenter"
    assert ("Konsensus registreres som regel der koderne var uenige, så tallene mot konsensus blir lave av "
            "konstruksjon og bygger på bare 1 tur.") in against
    _one_line_error(run("--consensus", A, "3", ""), "the consensus codes '' name no code",
                    "or '-' when no code applies")
    assert sorted(c.code for c in list_codings(world, coder=CONSENSUS_CODER, user="anna")) == [
        "kapasitet", "kontrakt.hybrid"]  # the agreed codes stay
    cleared = run("--consensus", A, "3", "-")
    assert cleared.exit_code == 0 and "ingen koder" in cleared.output


def test_cli_three_coders_say_why_kappa_is_missing(run, world):
    """Cohen's kappa is for two coders: with three its column is "–" throughout, and the command
    says so instead of calling it undefined; "begge" (both) only for two coders."""
    _apply(world, PER_CODINGS)
    text = run("--coders", "mari,jonas,per").output
    assert "Kappa (Cohens) beregnes bare for to kodere; bruk alfa for tre eller flere." in text
    assert "– i alfa-kolonnen = udefinert: koden har samme verdi i alle enheter hos alle koderne." in text  # styring
    two = run("--coders", "mari,jonas").output
    assert "Kappa (Cohens)" not in two and "– = udefinert: koden har samme verdi" in two
    none = run("--coders", "mari,jonas,per", "--codes", "styring", "--disagreements")
    assert none.exit_code == 0, none.output
    assert none.output.strip() == ("Ingen uenighet: koderne har satt de samme kodene på alle turene alle koderne "
                                   "har kodet.")
    assert "de begge har kodet" in run("--coders", "mari,jonas", "--codes", "styring", "--disagreements").output


def test_cli_disagreements_show_the_turns_with_a_recorded_consensus(run, world):
    """The text form marks the turns agreed on already, as the app's "✓ omforent" and the JSON's
    ``consensus`` do, and counts them."""
    text = run("--coders", "mari,jonas", "--disagreements").output
    assert "✓ omforent" not in text.replace("(✓ omforent)", "")
    assert "3 turer med uenighet, 0 av 3 med registrert konsensus (✓ omforent)." in text
    record_consensus(world, A, 3, ["kapasitet", "kontrakt.hybrid"], user="anna")
    record_consensus(world, B, 3, "-", user="anna")
    lines = run("--coders", "mari,jonas", "--disagreements").output.splitlines()
    heads = [i for i, ln in enumerate(lines[:-1]) if not ln.startswith(" ")]  # "SOURCE tur N SPEAKER: text"
    blocks = [lines[a:b] for a, b in zip(heads, heads[1:] + [len(lines) - 1])]
    assert [b[0].split(":")[0].split(" tur ") for b in blocks] == [
        [A, "3 Håvard Lien"], [B, "2 Ordfører Berlevåg"], [B, "3 Ordfører Berlevåg"]]
    assert "    ✓ omforent: kapasitet, kontrakt.hybrid" in blocks[0]
    assert not any("✓ omforent" in ln for ln in blocks[1])
    assert "    ✓ omforent: ingen kode" in blocks[2]
    assert lines[-1].startswith("3 turer med uenighet, 2 av 3 med registrert konsensus (✓ omforent).")


def test_cli_mistakes_are_one_line(run, world, tmp_path):
    from workbench.agreement import agreement_coders
    from workbench.users import add_user

    _one_line_error(run("--coders", "mari,jonsa"), "unknown coder 'jonsa'", "did you mean 'jonas'")
    _one_line_error(run("--coders", "mari"), "at least two coders")
    _one_line_error(run(), "--coders")
    bad = tmp_path / "feil.csv"
    bad.write_text("unit,coder,value\n1,a,1\n1,a,2\n", encoding="utf-8")
    _one_line_error(run("--table", str(bad)), "feil.csv row 3", "twice")
    _one_line_error(run("--table", str(bad), "--coders", "mari,jonas"), "--table")
    _one_line_error(run("--coders", "mari,jonas", "--level", "ordinal"), "--level")
    _one_line_error(run("--consensus", A, "9", "kapasitet"), "no turn 9")
    _one_line_error(run("--coders", "mari,jonas", "--codes", ","), "the codes ',' name no code")
    # --consensus records one turn: other options would be ignored silently, so they are refused
    _one_line_error(run("--consensus", A, "3", "kapasitet", "--coders", "mari,jonas"), "--consensus", "--coders")
    _one_line_error(run("--consensus", A, "3", "kapasitet", "--unit", "char"), "--consensus", "--unit")
    assert agreement_coders(world, user="anna") == ["jonas", "mari"]  # nothing was recorded
    add_user(world, "kari", user="anna")
    refused = run("--coders", "mari,kari")
    _one_line_error(refused, "'kari' has coded nothing yet")
    assert "did you mean" not in refused.output
    add_user(world, "rolf", "report_author", password="korrekt-hest-batteri", user="anna")
    assert run("--coders", "mari,jonas", user="rolf").exit_code == 0
    for args in (["--coders", "mari,jonas", "--disagreements"], ["--consensus", A, "3", "kapasitet"]):
        refused = run(*args, user="rolf")
        assert refused.exit_code == 3, refused.output
        assert refused.output.strip().startswith("Ingen tilgang") and len(refused.output.strip().splitlines()) == 1


def test_demo_figures_are_defined(tmp_path):
    """The demo's two coders: the figures of the report are defined and between -1 and 1, except
    for the tema family, which neither coder used (kappa and alpha undefined, percent 1)."""
    from workbench.demo import build_demo

    db, _ = build_demo(f"sqlite:///{tmp_path / 'demo.db'}", user="demo", train=False)
    try:
        for family in ("kontrakt", "rolle", "legitimitet", "styring", "samarbeid", "tema"):
            result = coding_agreement(db, ["mari", "jonas"], codes=family, user="demo")
            assert result["sources"] == 16 and result["codes"]
            assert all(c["code"].startswith(family) for c in result["codes"])
            overall = result["overall"]
            if family == "tema":
                assert (overall["kappa"], overall["alpha"], overall["percent"]) == (None, None, 1.0)
                continue
            assert -1 <= overall["kappa"] <= 1 and -1 <= overall["alpha"] <= 1
            assert not any(isinstance(v, float) and math.isnan(v) for c in result["codes"] for v in c.values())
    finally:
        db.dispose()


def test_a_coder_name_in_decomposed_unicode_is_the_same_coder(world, tmp_path):
    """A Mac tool writes "Åsmund" as A + combining ring (NFD). Before, a CSV import with that
    spelling made a second user who looked the same, and the agreement for Åsmund never saw the
    coding. Names are now stored and compared in NFC."""
    import unicodedata

    from workbench.coding import code_from_csv
    from workbench.users import list_users

    db = world
    nfc, nfd = "Åsmund", unicodedata.normalize("NFD", "Åsmund")
    assert nfc != nfd
    _apply(db, [(A, 2, "kontrakt.hybrid", nfc, None)])
    (tmp_path / "nfd.csv").write_text(f"source,turn,code,coder\n{A},4,kapasitet,{nfd}\n", encoding="utf-8")
    assert code_from_csv(db, tmp_path / "nfd.csv", user="anna") == 1
    names = [u.name for u in list_users(db, user="anna")]
    assert names.count(nfc) == 1 and nfd not in names
    for coders in ([nfd, "mari"], [nfc, "mari"]):  # either spelling of --coders finds both codings
        result = coding_agreement(db, coders, codes="kapasitet", user="anna")
        assert result["coders"][0] == nfc
        assert result["overall"]["percent"] == 1.0  # mari coded A4 kapasitet too


def test_migration_0015_stores_existing_user_names_in_nfc(world):
    """A database from before 0015 with a decomposed name still finds that user afterwards; a
    decomposed name whose NFC form is taken gets a number (nothing merged silently, both usable)."""
    import unicodedata

    from sqlalchemy import text

    db = world
    nfd = unicodedata.normalize("NFD", "Åse")
    other_nfd = unicodedata.normalize("NFD", "mårten")
    with db.transaction("anna") as tx:
        tx.session.execute(text("INSERT INTO users (name, role, created_at, disabled) VALUES "
                                "(:a, 'researcher', CURRENT_TIMESTAMP, :f), (:b, 'researcher', CURRENT_TIMESTAMP, :f),"
                                " ('mårten', 'researcher', CURRENT_TIMESTAMP, :f)"),
                           {"a": nfd, "b": other_nfd, "f": False})
        tx.session.execute(text("DROP TABLE memo_drafts"))  # made by 0016, which the upgrade runs again
        tx.session.execute(text("UPDATE alembic_version SET version_num = '0014'"))
    db.upgrade()
    with db.session() as s:
        names = list(s.scalars(text("SELECT name FROM users")))
    assert "Åse" in names and nfd not in names
    assert "mårten" in names and "mårten (2)" in names and other_nfd not in names  # two users, both findable
    from workbench.coding import apply_code
    apply_code(db, A, 2, "kapasitet", user=nfd)  # the NFD spelling acts as the stored NFC user
    with db.session() as s:
        assert s.scalar(text("SELECT count(*) FROM users WHERE name = 'Åse'")) == 1


# ------------------------------------------------------------------------------ pinned code set


def _add_unused_code(db, tmp_path) -> tuple[int, int]:
    """Load the codebook again with one more code (which nobody uses): (old version, new version)."""
    import yaml

    from workbench.codebook import current_version, load_codebook

    old = current_version(db, user="anna")["id"]
    book = yaml.safe_load(CODEBOOK)
    book["codes"]["nettverk"] = {"label": "Nettverk (fase 2)", "definition": "Nettverk mellom aktører."}
    (tmp_path / "fase2.yaml").write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False), encoding="utf-8")
    new = load_codebook(db, tmp_path / "fase2.yaml", user="anna").version_id
    assert new != old
    return old, new


def test_a_code_added_later_changes_the_pooled_figure_unless_the_code_set_is_pinned(world, tmp_path):
    """The phase-2 code nobody has used adds 5 units of agreeing zeros: the pooled figures move
    (kept implementations on the vectors with an all-zero code), and the result says which code
    did it. codebook_version= pools the codes of the version the figure was reported under and
    gives the old figures back exactly."""
    before = coding_agreement(world, ["mari", "jonas"], user="anna")
    assert before["code_set"]["codes"] == 4 and before["code_set"]["unused"] == ["styring"]
    assert before["code_set"]["pinned"] is False
    old, new = _add_unused_code(world, tmp_path)
    grown = coding_agreement(world, ["mari", "jonas"], user="anna")
    assert [c["code"] for c in grown["codes"]] == CODES + ["nettverk"]
    assert grown["code_set"] == {**grown["code_set"], "version": new, "codes": 5, "pinned": False,
                                 "unused": ["styring", "nettverk"]}
    zeros = {"nettverk": [0] * 7}
    rows = np.array([sum((v[c] for c in CODES + ["nettverk"]), []) for v in _people([{**MARI, **zeros},
                                                                                      {**JONAS, **zeros}])])
    assert grown["overall"]["units"] == 25 and grown["overall"]["units"] != before["overall"]["units"]
    assert grown["overall"]["kappa"] == pytest.approx(cohen_kappa_score(rows[0], rows[1]), abs=1e-12)
    assert grown["overall"]["alpha"] == pytest.approx(
        krippendorff.alpha(reliability_data=rows.astype(float), level_of_measurement="nominal"), abs=1e-12)
    assert grown["overall"]["kappa"] != pytest.approx(before["overall"]["kappa"])
    pinned = coding_agreement(world, ["mari", "jonas"], codebook_version=old, user="anna")
    assert pinned["overall"] == before["overall"] and pinned["codes"] == before["codes"]
    assert pinned["code_set"] == {**before["code_set"], "pinned": True}
    by_name = coding_agreement(world, ["mari", "jonas"], codebook_version=str(old), codes="kontrakt", user="anna")
    assert [c["code"] for c in by_name["codes"]] == ["kontrakt.hybrid", "kontrakt.relasjonell"]
    assert coding_agreement(world, ["mari", "jonas"], codebook_version=new, user="anna")["overall"] == grown["overall"]
    with pytest.raises(NotFound, match="codebook version 99 does not exist"):
        coding_agreement(world, ["mari", "jonas"], codebook_version=99, user="anna")
    with pytest.raises(NotFound, match="no code id starts with 'nettverk'"):   # not in the pinned set
        coding_agreement(world, ["mari", "jonas"], codebook_version=old, codes="nettverk", user="anna")
    # the disagreements are of the same code set
    assert disagreements(world, ["mari", "jonas"], codebook_version=old, user="anna") == \
        disagreements(world, ["mari", "jonas"], user="anna")


def test_a_pinned_code_set_keeps_a_code_retired_since(world, tmp_path):
    """A code dropped from the file while in use is retired: the figures of now leave it out, the
    version it was in still compares it."""
    import yaml

    from workbench.codebook import current_version, load_codebook

    old = current_version(world, user="anna")["id"]
    book = yaml.safe_load(CODEBOOK)
    del book["codes"]["kapasitet"]
    (tmp_path / "uten.yaml").write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    load_codebook(world, tmp_path / "uten.yaml", user="anna")
    now = coding_agreement(world, ["mari", "jonas"], user="anna")
    assert "kapasitet" not in [c["code"] for c in now["codes"]]
    pinned = coding_agreement(world, ["mari", "jonas"], codebook_version=old, user="anna")
    assert [c["code"] for c in pinned["codes"]] == CODES
    _close(pinned["overall"], _expected(_people([MARI, JONAS])))


def test_agreement_code_sets_lists_the_versions_whose_codes_differ(world, tmp_path):
    from workbench.agreement import agreement_code_sets

    assert len(agreement_code_sets(world, user="anna")) == 1
    old, new = _add_unused_code(world, tmp_path)
    sets = agreement_code_sets(world, user="anna")
    assert [(s["version"], s["codes"]) for s in sets] == [(new, 5), (old, 4)]


def test_cli_names_the_code_set_and_pins_it(run, world, tmp_path):
    old, new = _add_unused_code(world, tmp_path)
    text = run("--coders", "mari,jonas")
    assert text.exit_code == 0, text.output
    assert f"Kodesett: 5 aktive koder nå (kodeboka «samsvar», versjon {new}, lastet " in text.output
    assert ("2 av 5 koder er ikke brukt av noen av koderne i disse enhetene (styring, nettverk); de teller som "
            "enighet om at koden ikke er der") in text.output
    assert "lås kodesettet med --codebook-version" in text.output
    assert "Samlet: enheter 25" in text.output
    pinned = run("--coders", "mari,jonas", "--codebook-version", str(old))
    assert pinned.exit_code == 0, pinned.output
    assert f"Kodesett: 4 kodbare koder i kodeboka «samsvar», versjon {old}, lastet " in pinned.output
    assert "(låst: koder lagt til senere er ikke med)" in pinned.output
    assert "Samlet: enheter 20" in pinned.output
    assert not [ln for ln in pinned.output.splitlines() if ln.startswith("nettverk")]
    assert "1 av 4 koder er ikke brukt av noen av koderne i disse enhetene (styring)" in pinned.output
    assert "--codebook-version VERSJON" not in pinned.output   # pinned already
    data = json.loads(run("--coders", "mari,jonas", "--codebook-version", str(old), "--json").output)
    assert data["code_set"]["version"] == old and data["code_set"]["pinned"] is True
    assert data["code_set"]["unused"] == ["styring"] and data["overall"]["units"] == 20
    _one_line_error(run("--coders", "mari,jonas", "--codebook-version", "finnes_ikke"),
                    "codebook version 'finnes_ikke' does not exist")
    _one_line_error(run("--table", str(tmp_path / "x.csv"), "--codebook-version", "1"), "--codebook-version")


def test_after_a_merge_the_code_set_names_no_version_that_would_give_another_figure(world, run, tmp_path):
    """`codebook merge` retires a code without loading a new version: the active codes then match
    no loaded version. The figure must not name version 1 (whose set still has the merged code
    and gives other figures with --codebook-version 1); it says so and how to get a version to
    lock it to. Once the file without the merged code is loaded, the new version is named and
    --codebook-version of it gives the same figures."""
    import yaml

    from workbench.agreement import agreement_code_sets
    from workbench.codebook import current_version, load_codebook, merge_codes

    v1 = current_version(world, user="anna")["id"]
    merge_codes(world, "kontrakt.relasjonell", "kontrakt.hybrid", user="anna")
    now = coding_agreement(world, ["mari", "jonas"], user="anna")
    assert [c["code"] for c in now["codes"]] == ["kontrakt.hybrid", "kapasitet", "styring"]
    assert now["code_set"]["version"] is None and now["code_set"]["pinned"] is False
    assert now["code_set"]["differs"] == {**now["code_set"]["differs"], "version": v1, "name": "samsvar",
                                          "not_compared": ["kontrakt.relasjonell"], "not_in_version": []}
    old = coding_agreement(world, ["mari", "jonas"], codebook_version=v1, user="anna")
    assert old["overall"]["units"] != now["overall"]["units"]   # version 1 is not this figure
    # a prefix whose codes did not change still names (and reproduces) version 1
    same = coding_agreement(world, ["mari", "jonas"], codes="kapasitet", user="anna")
    assert same["code_set"]["version"] == v1 and "differs" not in same["code_set"]
    assert coding_agreement(world, ["mari", "jonas"], codes="kapasitet", codebook_version=v1,
                            user="anna")["overall"] == same["overall"]
    # the Enighet page's "Kodesett" choice: no version is the active set, version 1 is offered
    assert [(s["version"], s["active"]) for s in agreement_code_sets(world, user="anna")] == [(v1, False)]

    text = run("--coders", "mari,jonas")
    assert text.exit_code == 0, text.output
    line = next(ln for ln in text.output.splitlines() if ln.startswith("Kodesett:"))
    assert line.startswith("Kodesett: 3 aktive koder nå; ingen lastet kodebokversjon har akkurat disse kodene "
                           f"(kodeboka «samsvar», versjon {v1}, lastet ")
    assert "har også kontrakt.relasjonell, slått sammen eller pensjonert siden" in line
    assert "fjern kontrakt.relasjonell fra kodebokfila og last den inn på nytt (`workbench codebook load FIL`)" in line
    assert "--codebook-version VERSJON" not in text.output and f"--codebook-version {v1}" not in text.output
    data = json.loads(run("--coders", "mari,jonas", "--json").output)
    assert data["code_set"]["version"] is None and data["code_set"]["differs"]["version"] == v1

    # the file without the merged code, loaded: a version with exactly the active codes
    book = yaml.safe_load(CODEBOOK)
    book["codes"]["kontrakt"]["children"] = [c for c in book["codes"]["kontrakt"]["children"]
                                             if c["id"] != "kontrakt.relasjonell"]
    (tmp_path / "uten_relasjonell.yaml").write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False),
                                                   encoding="utf-8")
    v2 = load_codebook(world, tmp_path / "uten_relasjonell.yaml", user="anna").version_id
    again = coding_agreement(world, ["mari", "jonas"], user="anna")
    assert again["code_set"]["version"] == v2 and "differs" not in again["code_set"]
    assert coding_agreement(world, ["mari", "jonas"], codebook_version=v2, user="anna")["overall"] == again["overall"]
    assert [(s["version"], s["active"]) for s in agreement_code_sets(world, user="anna")] == [(v2, True), (v1, False)]
    locked = run("--coders", "mari,jonas").output
    assert f"Kodesett: 3 aktive koder nå (kodeboka «samsvar», versjon {v2}, lastet " in locked
    assert f"lås kodesettet med --codebook-version {v2}" in locked


def test_reliability_table_says_why_a_figure_is_undefined(tmp_path):
    """`--table` explains a "–" in one line, as the database comparison does: every value the
    same (0/0), or no unit with values from two coders."""
    def run(*args):
        return CliRunner().invoke(cli, ["agreement", *args], obj={})

    same = tmp_path / "samme.csv"
    same.write_text("unit,coder,value\nu1,a,x\nu1,b,x\nu2,a,x\nu2,b,x\nu3,a,x\nu3,b,\n", encoding="utf-8")
    assert table_agreement(same)["undefined"] == {"alpha": "one_value", "kappa": "one_value"}
    r = run("--table", str(same))
    assert r.exit_code == 0, r.output
    assert "alfa     –" in r.output and "kappa    –" in r.output and "prosent  1.000" in r.output
    why = [ln for ln in r.output.splitlines() if ln.startswith("– ")]
    assert why == ["– (alfa, kappa) = udefinert: alle verdiene i enhetene som kan sammenlignes, er like (samme "
                   "verdi hos alle koderne), så det er ingen uenighet å forvente (0/0)."]
    apart = tmp_path / "hver_sin.csv"
    apart.write_text("unit,coder,value\nu1,a,x\nu2,b,y\n", encoding="utf-8")
    assert table_agreement(apart)["undefined"] == {"alpha": "no_pairable_units", "kappa": "no_pairable_units",
                                                   "percent": "no_pairable_units"}
    assert "– (alfa, kappa, prosent) = udefinert: ingen enhet har verdier fra minst to kodere" in \
        run("--table", str(apart)).output
    defined = tmp_path / "to.csv"
    _write_table(defined, {"x": ["ja", "nei", "ja"], "y": ["ja", "nei", "nei"]})
    assert table_agreement(defined)["undefined"] == {}
    assert "udefinert" not in run("--table", str(defined)).output
