"""Search and retrieval: lemma-aware KWIC search (library and `workbench search`) and
`workbench codings --code C --context`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.errors import NotFound, PermissionDenied
from workbench.search import coded_segments, parse_query, search
from workbench.users import list_audit

CODEBOOK = """\
name: sok
title: Kodebok for søketesten
language: nb
codes:
  kontrakt:
    label: Kontraktsform
    codable: false
    definition: Hvordan avtalen forstås.
    children:
      - id: kontrakt.relasjonell
        label: Relasjonell kontrakt
        definition: Avtalen som relasjon.
  kapasitet:
    label: Kapasitet
    definition: Mangel på folk.
"""
FASE1 = ("Moderator: Hvordan fungerer samarbeidet med staten?\n\n"
         "Sigrid Aune: Samarbeidet er godt, og tilliten mellom\npartene er stor.\n\n"
         "Håvard Lien: Vi har en samarbeidsavtale og et kommunesamarbeid om planer.\n\n"
         "Sigrid Aune: Vi mangler folk til oppfølgingen.\n")
FASE2 = ("Moderator: Hva har endret seg?\n\n"
         "Håvard Lien: Samarbeid tar tid, men tillit kommer. SAMARBEIDET varer.\n")
PARTICIPANTS = ("file,speaker,actor,organisation,pilot\n"
                "fg_sok_fase1.txt,Moderator,forsker,SINTEF,\n"
                "fg_sok_fase1.txt,Sigrid Aune,prosjektleder,Gamvik kommune,Midt-Finnmark\n"
                "fg_sok_fase1.txt,Håvard Lien,statsforvalter,Statsforvalteren,Midt-Finnmark\n"
                "intervju_sok_fase2.txt,Moderator,forsker,SINTEF,\n"
                "intervju_sok_fase2.txt,Håvard Lien,statsforvalter,Statsforvalteren,Midt-Finnmark\n")
MANIFEST = ("file,kind,phase,pilot,county,date,language\n"
            "fg_sok_fase1.txt,fokusgruppe,fase 1,Midt-Finnmark,Finnmark,2023-04-18,nb\n"
            "intervju_sok_fase2.txt,intervju,fase 2,Midt-Finnmark,Finnmark,2024-04-18,nb\n")
F1, F2 = "fg_sok_fase1.txt", "intervju_sok_fase2.txt"
LABELS = {"Moderator", "Sigrid Aune", "Håvard Lien"}


@pytest.fixture
def sok(db, tmp_path):
    from workbench.codebook import load_codebook
    from workbench.coding import apply_code
    from workbench.ingest import ingest_paths

    corpus = tmp_path / "korpus"
    corpus.mkdir()
    (corpus / F1).write_text(FASE1, encoding="utf-8")
    (corpus / F2).write_text(FASE2, encoding="utf-8")
    (corpus / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    (corpus / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (tmp_path / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    assert not ingest_paths(db, [corpus], user="anna").errors
    load_codebook(db, tmp_path / "kodebok.yaml", user="anna")
    apply_code(db, F1, 2, "kontrakt.relasjonell", user="anna")
    apply_code(db, F1, 4, "kapasitet", user="anna", span=(3, 15))
    return db


def _turn(db, source, turn):
    from workbench.ingest import list_turns

    return next(t for t in list_turns(db, source, user="anna") if t["index"] == turn)["text"]


def _where(hits):
    return [(h["source"], h["turn"], h["match"]) for h in hits]


def test_parse_query_splits_phrases_and_words():
    assert parse_query('tillit "mellom  partene" samarbeid,') == (["mellom partene"], ["tillit", "samarbeid"])


def test_inflected_forms_and_case(sok):
    hits = search(sok, "samarbeid", user="anna")
    assert _where(hits) == [(F1, 1, "samarbeidet"), (F1, 2, "Samarbeidet"),
                            (F2, 2, "Samarbeid"), (F2, 2, "SAMARBEIDET")]
    assert _where(search(sok, "tillit", user="anna")) == [(F1, 2, "tilliten"), (F2, 2, "tillit")]
    assert _where(search(sok, "Tilliten", user="anna")) == _where(search(sok, "tillit", user="anna"))
    assert search(sok, "departement", user="anna") == []


def test_phrase_is_literal_and_spans_line_breaks(sok):
    hits = search(sok, '"mellom partene"', user="anna")
    assert _where(hits) == [(F1, 2, "mellom\npartene")]
    assert search(sok, '"MELLOM PARTENE"', user="anna")[0]["start"] == hits[0]["start"]
    assert search(sok, '"partene mellom"', user="anna") == []
    assert search(sok, '"samarbeid tar"', user="anna")[0]["match"] == "Samarbeid tar"
    assert _where(search(sok, '"samarbeidet"', user="anna")) == [(F1, 1, "samarbeidet"), (F1, 2, "Samarbeidet"),
                                                                  (F2, 2, "SAMARBEIDET")]


def test_compounds_only_when_asked(sok):
    plain = {h["match"] for h in search(sok, "samarbeid", user="anna")}
    assert "samarbeidsavtale" not in plain and "kommunesamarbeid" not in plain
    both = {h["match"] for h in search(sok, "samarbeid", compounds=True, user="anna")}
    assert both == plain | {"samarbeidsavtale", "kommunesamarbeid"}


def test_filters(sok):
    assert {h["source"] for h in search(sok, "samarbeid", source=F2, user="anna")} == {F2}
    assert {h["phase"] for h in search(sok, "samarbeid", phase="fase 1", user="anna")} == {"fase 1"}
    assert _where(search(sok, "samarbeid", actor="forsker", user="anna")) == [(F1, 1, "samarbeidet")]
    assert {h["actor"] for h in search(sok, "samarbeid", actor="statsforvalter", user="anna")} == {"statsforvalter"}
    # a code filter includes its subcodes
    assert _where(search(sok, "samarbeid", code="kontrakt", user="anna")) == [(F1, 2, "Samarbeidet")]
    assert _where(search(sok, "folk", code="kapasitet", user="anna")) == [(F1, 4, "folk")]
    assert search(sok, "samarbeid", code="kapasitet", user="anna") == []
    with pytest.raises(NotFound):
        search(sok, "samarbeid", code="finnes.ikke", user="anna")
    assert len(search(sok, "samarbeid", limit=2, user="anna")) == 2


def test_speaker_is_the_pseudonym_never_the_label(sok):
    hits = search(sok, "samarbeid", compounds=True, user="anna")
    speakers = {h["speaker"] for h in hits}
    assert speakers and not speakers & LABELS and None not in speakers
    assert {h["speaker"] for h in hits if h["turn"] == 2 and h["source"] == F1} == {"Prosjektleder 1"}
    assert not any(label in json.dumps(hits, ensure_ascii=False) for label in ("Sigrid", "Håvard"))


def test_kwic_context_and_offsets(sok):
    hits = search(sok, "samarbeid tillit folk", compounds=True, width=12, user="anna")
    assert len(hits) == 9
    for h in hits:
        text = _turn(sok, h["source"], h["turn"])
        assert text[h["start"]:h["end"]] == h["match"]
        assert h["left"] == text[max(0, h["start"] - 12):h["start"]].replace("\n", " ")
        assert h["right"] == text[h["end"]:h["end"] + 12].replace("\n", " ")
        assert "\n" not in h["left"] + h["right"] and len(h["left"]) <= 12 and len(h["right"]) <= 12
    tilliten = next(h for h in hits if h["match"] == "tilliten")
    assert (tilliten["left"], tilliten["right"]) == ("er godt, og ", " mellom part")
    assert set(hits[0]) == {"source", "turn", "speaker", "actor", "phase", "match", "left", "right", "start", "end"}


def test_a_refused_role(sok):
    from workbench.users import add_user

    add_user(sok, "rita", "resource_group", password="korrekt-hest-batteri", user="anna")
    add_user(sok, "rolf", "report_author", password="korrekt-hest-batteri", user="anna")
    for who in ("rita", "rolf"):
        with pytest.raises(PermissionDenied):
            search(sok, "samarbeid", user=who)
        with pytest.raises(PermissionDenied):
            coded_segments(sok, "kontrakt", user=who)
    result = CliRunner().invoke(cli, ["--db", sok.url, "--user", "rita", "search", "samarbeid"], obj={})
    assert result.exit_code == 3 and "Ingen tilgang" in result.output


def _cli(db, *args):
    result = CliRunner().invoke(cli, ["--db", db.url, "--user", "anna", *args], obj={})
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_search_json_and_kwic_lines(sok):
    rows = json.loads(_cli(sok, "search", "samarbeid", "--source", F1, "--json"))
    assert rows == search(sok, "samarbeid", source=F1, width=40, user="anna")
    assert [set(r) for r in rows] == [{"source", "turn", "speaker", "actor", "phase", "match", "left", "right",
                                       "start", "end"}] * 2
    out = _cli(sok, "search", "samarbeid", "--compounds", "--phase", "fase 1", "--width", "20")
    lines = out.strip().splitlines()
    assert lines[-1] == "4 treff."
    assert lines[1].startswith(f"{F1} 2 Prosjektleder 1:") and "[Samarbeidet] er godt" in lines[1]
    assert len({line.index("[") for line in lines[:-1]}) == 1  # the matches line up
    assert "Ingen treff." in _cli(sok, "search", "departement")
    assert "[tilliten]" in _cli(sok, "search", "tillit", "--actor", "prosjektleder", "--code", "kontrakt")


def test_codings_with_context(sok):
    from workbench.coding import apply_code

    apply_code(sok, F2, 2, "kontrakt.relasjonell", user="anna")
    rows = json.loads(_cli(sok, "codings", "--code", "kontrakt", "--context", "--json"))
    assert [(r["source"], r["turn"], r["code"]) for r in rows] == [(F1, 2, "kontrakt.relasjonell"),
                                                                    (F2, 2, "kontrakt.relasjonell")]
    first, second = rows
    # speakers are pseudonyms, as in `workbench search`; labels only with --reveal (audited)
    assert first["text"] == _turn(sok, F1, 2) and first["speaker"] == "Prosjektleder 1"
    assert first["before"] == {"turn": 1, "speaker": "Forsker 1", "text": _turn(sok, F1, 1)}
    assert first["after"]["turn"] == 3 and first["after"]["speaker"] == "Statsforvalter 1"
    assert second["after"] is None and second["before"]["turn"] == 1
    assert not {r["speaker"] for r in rows} & LABELS
    out = _cli(sok, "codings", "--code", "kapasitet", "--context")
    lines = out.strip().splitlines()
    assert lines[0].startswith(f"== kapasitet · {F1} tur 4 · anna")
    assert lines[1].startswith("     3 Statsforvalter 1: Vi har en samarbeidsavtale")
    assert lines[2] == ">    4 Prosjektleder 1: Vi [mangler folk] til oppfølgingen."
    assert lines[-1] == "1 kodinger."
    assert not list_audit(sok, action="reveal")
    lines = _cli(sok, "codings", "--code", "kapasitet", "--context", "--reveal").strip().splitlines()
    assert lines[1].startswith("     3 Håvard Lien: Vi har en samarbeidsavtale")
    assert lines[2] == ">    4 Sigrid Aune: Vi [mangler folk] til oppfølgingen."
    assert [(a.user, a.target) for a in list_audit(sok, action="reveal")] == [("anna", "coded_segments")]
    result = CliRunner().invoke(cli, ["--db", sok.url, "--user", "anna", "codings", "--context"], obj={})
    assert result.exit_code == 2 and "--code" in result.output
