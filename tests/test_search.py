"""Search and retrieval: lemma-aware KWIC search (library and `workbench search`) and
`workbench codings --code C --context`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from workbench.cli import cli
from workbench.errors import InputError, NotFound, PermissionDenied
from workbench.search import MAX_WIDTH, coded_segments, parse_query, query_notes, search
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
    assert set(hits[0]) == {"source", "turn", "speaker", "actor", "phase", "heading", "match", "left", "right",
                            "start", "end", "in_heading"}


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
    assert [set(r) for r in rows] == [{"source", "turn", "speaker", "actor", "phase", "heading", "match", "left",
                                       "right", "start", "end", "in_heading"}] * 2
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


# ------------------------------------------------------------------ query syntax, phrases, numbers

NOTAT = "notat_tromso.txt"  # a document: paragraphs without speakers
NOTAT_TEXT = ("Vi møttes i Tromsø i 2024, i samme rom som sist.\n\n"
              "Avtalen ble signert, og avtalen gjelder til 2026. Rommet var fullt, og vi fikk også kaffe.\n\n"
              + "Lang tekst " * 80 + "om tillit.\n")
NFD = "notat_nfd.txt"  # the same word "også" written as "a" + a combining ring
NFD_TEXT = "Kommunene har ogsa\u030a fått penger i 2024.\n"


@pytest.fixture
def notes(sok, tmp_path):
    from workbench.ingest import ingest_paths

    folder = tmp_path / "notater"
    folder.mkdir()
    (folder / NOTAT).write_text(NOTAT_TEXT, encoding="utf-8")
    (folder / NFD).write_text(NFD_TEXT, encoding="utf-8")
    (folder / "manifest.csv").write_text("file,kind,phase,pilot,county,date,language\n"
                                         f"{NOTAT},dokument,fase 1,,,,nb\n{NFD},dokument,fase 1,,,,nb\n",
                                         encoding="utf-8")
    assert not ingest_paths(sok, [folder], user="anna").errors
    return sok


def test_a_phrase_matches_whole_words_only(notes):
    # "rom" is not found inside "Tromsø" or "Rommet", "avtale" not inside "Avtalen"
    assert _where(search(notes, '"rom"', source=NOTAT, user="anna")) == [(NOTAT, 1, "rom")]
    assert search(notes, '"avtale"', source=NOTAT, user="anna") == []
    assert _where(search(notes, '"avtalen"', source=NOTAT, user="anna")) == [(NOTAT, 2, "Avtalen"),
                                                                            (NOTAT, 2, "avtalen")]
    # a phrase that begins or ends with punctuation matches it as typed
    assert _where(search(notes, '", i samme"', source=NOTAT, user="anna")) == [(NOTAT, 1, ", i samme")]
    assert _where(search(notes, '"Troms"', source=NOTAT, user="anna")) == []


def test_a_number_is_found_as_written(notes):
    bare = search(notes, "2024", user="anna")
    assert _where(bare) == [(NFD, 1, "2024"), (NOTAT, 1, "2024")]
    assert bare == search(notes, '"2024"', user="anna")
    assert _where(search(notes, "2026 tillit", source=NOTAT, user="anna")) == [(NOTAT, 2, "2026"),
                                                                               (NOTAT, 3, "tillit")]
    assert search(notes, "202", user="anna") == []  # a whole number, not a part of one


def test_phrases_are_compared_in_nfc_and_hits_point_into_the_stored_text(notes):
    stored = _turn(notes, NFD, 1)
    assert "a\u030a" not in stored and "også" in stored  # a file written in NFD is stored in NFC
    nfc, nfd = '"også fått"', '"ogsa\u030a fått"'
    for query in (nfc, nfd):
        hits = search(notes, query, user="anna")
        assert [(h["source"], h["turn"]) for h in hits] == [(NFD, 1)], query
        assert stored[hits[0]["start"]:hits[0]["end"]] == hits[0]["match"] == "også fått"
        assert hits[0]["right"] == " penger i 2024." and hits[0]["left"] == "Kommunene har "
    # an NFD query finds every NFC text, with offsets into the stored text
    both = search(notes, '"ogsa\u030a"', user="anna")
    assert sorted((h["source"], h["match"]) for h in both) == sorted([(NFD, "også"), (NOTAT, "også")])
    assert len(both) == len(search(notes, '"også"', user="anna"))
    for hit in both:
        assert _turn(notes, hit["source"], hit["turn"])[hit["start"]:hit["end"]] == "også"


def test_commas_separate_words_like_spaces(sok):
    assert parse_query("tillit,samarbeid") == ([], ["tillit", "samarbeid"])
    assert parse_query("tillit, samarbeid 1,5") == ([], ["tillit", "samarbeid", "1,5"])
    assert search(sok, "tillit,samarbeid", user="anna") == search(sok, "tillit samarbeid", user="anna") != []


def test_an_unclosed_quote_and_operators_are_searched_as_words_with_a_notice(sok):
    assert search(sok, '"tillit mellom', user="anna") == search(sok, "tillit mellom", user="anna") != []
    [note] = query_notes('"tillit mellom')
    assert "ikke lukket" in note and "\n" not in note
    [note] = query_notes("tillit AND samarbeid")
    assert "ikke operatorer" in note and "«AND»" in note
    assert search(sok, "tillit AND samarbeid", user="anna") == search(sok, "tillit samarbeid", user="anna")
    [note] = query_notes("-tillit")
    assert "«-tillit» søkes som «tillit»" in note
    assert query_notes('tillit "mellom partene" samarbeid, and') == []
    result = CliRunner().invoke(cli, ["--db", sok.url, "--user", "anna", "search", '"tillit mellom'], obj={})
    assert result.exit_code == 0
    notice = [line for line in result.stderr.splitlines() if line.startswith("Merk: ")]
    assert notice == ["Merk: " + query_notes('"tillit mellom')[0]]
    assert result.stdout.strip().splitlines()[-1] == "3 treff."


def test_a_query_that_begins_with_a_minus_says_how_to_search_for_it(sok):
    result = CliRunner().invoke(cli, ["--db", sok.url, "--user", "anna", "search", "-tillit"], obj={})
    assert result.exit_code == 2 and "workbench search -- -tillit" in result.output
    out = _cli(sok, "search", "--", "-tillit")
    assert "[tilliten]" in out and out.strip().splitlines()[-1] == "2 treff."
    # a misspelt option is still just that
    result = CliRunner().invoke(cli, ["--db", sok.url, "--user", "anna", "search", "--limt", "2", "x"], obj={})
    assert result.exit_code == 2 and "--limit" in result.output and "-- " not in result.output
    help_text = " ".join(_cli(sok, "search", "--help").split())
    assert "find any of them" in help_text and "found exactly as whole words" in help_text
    assert f"at most {MAX_WIDTH}" in help_text


@pytest.mark.parametrize("limit", [0, -1])
def test_a_limit_below_one_is_refused_in_one_line(sok, limit):
    with pytest.raises(InputError, match="--limit 1 or more") as caught:
        search(sok, "samarbeid", limit=limit, user="anna")
    assert caught.value.code == "search.limit"
    result = CliRunner().invoke(cli, ["--db", sok.url, "--user", "anna", "search", "samarbeid", "--limit",
                                      str(limit)], obj={})
    assert result.exit_code == 1 and result.output.strip().splitlines() == [
        f"Error: limit {limit} is not a number of hits; give --limit 1 or more, or leave it out for every hit"]
    assert len(search(sok, "samarbeid", limit=1, user="anna")) == 1


def test_kwic_lines_keep_one_line_per_hit_and_a_capped_width(notes):
    # a phrase across a line break: the match reads with a space, on the hit's one line
    out = _cli(notes, "search", '"mellom partene"')
    assert out.strip().splitlines() == [
        f"{F1} 2 Prosjektleder 1:  Samarbeidet er godt, og tilliten [mellom partene] er stor.", "1 treff."]
    # a huge --width is capped at MAX_WIDTH characters of context (library and command line)
    hit = search(notes, '"om tillit"', width=100000, user="anna")[0]
    assert len(hit["left"]) == MAX_WIDTH
    lines = _cli(notes, "search", "samarbeid", "--width", "100000").strip().splitlines()
    assert max(len(line) for line in lines) < 200  # short turns: no padding to 100000 characters
    assert len({line.index("[") for line in lines[:-1]}) == 1
    long = _cli(notes, "search", '"om tillit"', "--width", "100000").strip().splitlines()[0]
    assert len(long) < 2 * MAX_WIDTH


def test_turns_without_a_speaker_read_without_a_bare_colon(notes):
    lines = _cli(notes, "turns", NOTAT).splitlines()
    assert lines[0] == "[1] Vi møttes i Tromsø i 2024, i samme rom som sist."
    assert _cli(notes, "turns", F1).splitlines()[1].startswith("[2] Sigrid Aune (prosjektleder): Samarbeidet")


# ------------------------------------------------------------------ coding a hit, memos by code

def test_code_hit_checks_the_offsets_for_every_unit_but_the_turn(sok):
    from workbench.coding import code_hit, list_codings

    length = len(_turn(sok, F1, 3))
    fits = f"0 <= START < END <= {length}"
    for start, end, says in ((5, 100000, fits), (10, 5, fits), (-1, 4, fits), ("a", 5, "not two numbers START:END")):
        for unit in ("sentence", "match"):
            with pytest.raises(InputError, match=says) as caught:
                code_hit(sok, F1, 3, "kapasitet", start, end, unit=unit, user="anna")
            assert caught.value.code == "span.invalid" and "\n" not in str(caught.value)
    assert [c.turn for c in list_codings(sok, code="kapasitet", user="anna")] == [4]  # nothing coded on turn 3
    rec = code_hit(sok, F1, 3, "kapasitet", 10, 26, user="anna")  # a real hit still codes its sentence
    assert rec.start is None and rec.text == _turn(sok, F1, 3)


def test_memos_by_code_take_any_letter_case_and_include_subcodes(sok):
    from workbench.coding import add_memo, list_codings, list_memos

    coding = list_codings(sok, code="kontrakt.relasjonell", user="anna")[0]
    add_memo(sok, "Tillit som grunnlag.", coding_id=coding.id, user="anna")
    add_memo(sok, "Relasjonell: se Macneil.", code="kontrakt.relasjonell", user="anna")
    add_memo(sok, "Kapasitet: folk.", code="kapasitet", user="anna")
    texts = ["Tillit som grunnlag.", "Relasjonell: se Macneil."]
    assert [m.text for m in list_memos(sok, code="KONTRAKT.RELASJONELL", user="anna")] == texts
    assert [m.text for m in list_memos(sok, code="kontrakt", user="anna")] == texts  # as codings --code
    out = _cli(sok, "memos", "--code", "Kontrakt")
    assert "Tillit som grunnlag." in out and "Macneil" in out and "Kapasitet" not in out
    assert "kontrakt.relasjonell" in _cli(sok, "codings", "--code", "KONTRAKT.RELASJONELL")


# ------------------------------------------------------------------ quotes, hyphens, wildcards, headings, nb/nn

GRUPPER = "notat_grupper.md"  # bokmål group notes with headings
GRUPPER_TEXT = ("# Gruppe 1 – Indre-Namdal\n\n"
                "Indre-Namdal og Midt-Finnmark snakket om areal- og naturregnskap.\n\n"
                "Øst-Finnmark og Finnmark var med, og kommunestyret i kommunen ville snakke sammen.\n\n"
                "# Oppsummering i plenum\n\n"
                "Alle ville «snakke sammen» om samarbeid per e-post.\n")
BOKMAL, NYNORSK, BLANDA = "intervju_bokmal.md", "intervju_nynorsk.md", "notat_blanda.md"
BOKMAL_TEXT = "Jeg synes noen ringte meg om kommunene, og noe må skje.\n"
NYNORSK_TEXT = "Eg meiner at noko må skje med kommunane, og dei ringde meg om det. Ho sende ein e-post.\n"
BLANDA_TEXT = "Eg veit ikkje kva dei meiner om meg.\n\nJeg vet ikke hva de mener om meg.\n"  # "nb+nn": each its own


@pytest.fixture
def groups(sok, tmp_path):
    from workbench.ingest import ingest_paths

    folder = tmp_path / "grupper"
    folder.mkdir()
    for name, text in ((GRUPPER, GRUPPER_TEXT), (BOKMAL, BOKMAL_TEXT), (NYNORSK, NYNORSK_TEXT),
                       (BLANDA, BLANDA_TEXT)):
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "manifest.csv").write_text("file,kind,phase,pilot,county,date,language\n"
                                         f"{GRUPPER},dokument,fase 2,,,,nb\n{BOKMAL},intervju,fase 2,,,,nb\n"
                                         f"{NYNORSK},intervju,fase 2,,,,nn\n{BLANDA},dokument,fase 2,,,,nb+nn\n",
                                         encoding="utf-8")
    assert not ingest_paths(sok, [folder], user="anna").errors
    return sok


def _offsets_hold(db, hits):
    for h in hits:
        assert _turn(db, h["source"], h["turn"])[h["start"]:h["end"]] == h["match"], h


@pytest.mark.parametrize("query", ['«snakke sammen»', '“snakke sammen”', '„snakke sammen“', '”snakke sammen”',
                                   "‘snakke sammen’", "’snakke sammen’", "'snakke sammen'", "‹snakke sammen›"])
def test_norwegian_and_typographic_quotes_are_phrases(groups, query):
    assert parse_query(query) == (["snakke sammen"], [])
    straight = search(groups, '"snakke sammen"', user="anna")
    assert _where(straight) == [(GRUPPER, 2, "snakke sammen"), (GRUPPER, 3, "snakke sammen")]
    assert search(groups, query, user="anna") == straight
    assert query_notes(query) == []


def test_an_apostrophe_inside_a_word_is_no_quote(groups):
    assert parse_query("Kari’s ‘bok’") == (["bok"], ["Kari’s"])
    assert parse_query("‘Kari’s bok’ tillit") == (["Kari’s bok"], ["tillit"])
    assert parse_query("’kke tillit") == ([], ["kke", "tillit"])  # a quote left open: an apostrophe, no notice
    assert query_notes("’kke tillit") == []
    # a curly or Norwegian quote left open is said as a straight one is, naming its closing mark
    [note] = query_notes("“snakke sammen")
    assert "ikke lukket" in note and "lukk frasen med ”" in note
    assert "lukk frasen med »" in query_notes("«snakke sammen")[0]
    assert search(groups, "«snakke sammen", user="anna") == search(groups, "snakke sammen", user="anna")


def test_a_word_finds_the_parts_of_hyphenated_words(groups):
    hits = search(groups, "Finnmark", source=GRUPPER, user="anna")
    # the part that matched is the hit, as a phrase search marks it
    assert _where(hits) == [(GRUPPER, 1, "Finnmark"), (GRUPPER, 2, "Finnmark"), (GRUPPER, 2, "Finnmark")]
    assert [h["left"].split()[-1] for h in hits] == ["Midt-", "Øst-", "og"]
    assert hits == search(groups, '"Finnmark"', source=GRUPPER, user="anna")
    _offsets_hold(groups, hits)
    # the whole token still matches as a whole
    assert _where(search(groups, "Midt-Finnmark", user="anna")) == [(GRUPPER, 1, "Midt-Finnmark")]
    assert _where(search(groups, "midt", source=GRUPPER, user="anna")) == [(GRUPPER, 1, "Midt")]
    assert _where(search(groups, "indre", user="anna")) == [(GRUPPER, 1, "Indre")]
    assert _where(search(groups, "Namdal", user="anna")) == [(GRUPPER, 1, "Namdal")]
    # the first part of a compound cut before "og"
    areal = search(groups, "areal", user="anna")
    assert _where(areal) == [(GRUPPER, 1, "areal")] and areal[0]["right"].startswith("- og naturregnskap")
    assert _where(search(groups, "post", user="anna")) == [(NYNORSK, 1, "post"), (GRUPPER, 3, "post")]
    # compounds: the whole hyphenated word, as for other compounds
    assert ("Midt-Finnmark" in {h["match"] for h in search(groups, "Finnmark", compounds=True, user="anna")})


def test_a_star_at_the_end_searches_word_forms_that_begin_so(groups):
    hits = search(groups, "kommun*", source=GRUPPER, user="anna")
    assert _where(hits) == [(GRUPPER, 2, "kommunestyret"), (GRUPPER, 2, "kommunen")]
    assert search(groups, "KOMMUN*", source=GRUPPER, user="anna") == hits
    assert parse_query("kommun* tillit") == ([], ["kommun*", "tillit"])
    assert query_notes("kommun*") == []
    both = {h["match"] for h in search(groups, "kommun*", user="anna")}
    assert {"kommunesamarbeid", "kommunene", "kommunane", "kommunestyret"} <= both
    _offsets_hold(groups, search(groups, "finn*", user="anna"))
    assert {h["match"] for h in search(groups, "finn*", source=GRUPPER, user="anna")} == {"Finnmark"}
    # fewer than three letters before the *: left out, and said so
    [note] = query_notes("ko* tillit")
    assert "minst 3 bokstaver" in note and "«ko*»" in note
    assert search(groups, "ko* tillit", user="anna") == search(groups, "tillit", user="anna")
    with pytest.raises(InputError, match="at least 3 letters") as caught:
        search(groups, "ko*", user="anna")
    assert caught.value.code == "search.short_prefix"
    out = _cli(groups, "search", "kommun*", "--source", GRUPPER)
    assert "[kommunestyret]" in out and out.strip().splitlines()[-1] == "2 treff."


@pytest.mark.parametrize("query,plain", [("sam?arbeid", "samarbeid"), ("tillit~", "tillit"), ("tillit^2", "tillit"),
                                         ("*samarbeid", "samarbeid"), ("sam*arbeid", "samarbeid")])
def test_other_wildcards_are_left_out_with_a_notice(groups, query, plain):
    assert search(groups, query, user="anna") == search(groups, plain, user="anna") != []
    [note] = query_notes(query)
    assert f"«{query}» søkes som «{plain}»" in note and "jokertegn" in note
    assert "kommun*" in note and "--compounds" in note and "\n" not in note
    assert "«Med sammensetninger»" in query_notes(query, compounds_option="«Med sammensetninger»")[0]
    result = CliRunner().invoke(cli, ["--db", groups.url, "--user", "anna", "search", query], obj={})
    assert result.exit_code == 0 and "Merk: " + note in result.stderr


def test_every_hit_shows_its_heading(groups):
    hits = search(groups, "samarbeid", source=GRUPPER, user="anna")
    assert [(h["turn"], h["match"], h["heading"], h["in_heading"]) for h in hits] == [
        (3, "samarbeid", "Oppsummering i plenum", False)]
    assert {h["heading"] for h in search(groups, "samarbeid", source=F1, user="anna")} == {None}
    lines = _cli(groups, "search", "Finnmark", "--source", GRUPPER).strip().splitlines()
    assert all(line.endswith("(under «Gruppe 1 – Indre-Namdal»)") for line in lines[:-1]) and len(lines) == 4
    assert "(under" not in _cli(groups, "search", "samarbeid", "--source", F1)


def test_headings_are_searched_when_asked_each_turn_once(groups):
    assert search(groups, "oppsummering", user="anna") == []  # a heading is not what was said
    hits = search(groups, "oppsummering", headings=True, user="anna")
    assert [(h["source"], h["turn"], h["match"], h["in_heading"], h["start"], h["end"]) for h in hits] == [
        (GRUPPER, 3, "Oppsummering", True, None, None)]
    assert (hits[0]["left"], hits[0]["right"], hits[0]["heading"]) == ("", " i plenum", "Oppsummering i plenum")
    # every turn under the heading once (however many of its words match), before the hits in its text
    both = search(groups, "Namdal gruppe", headings=True, source=GRUPPER, user="anna")
    assert [(h["turn"], h["match"], h["in_heading"]) for h in both] == [
        (1, "Gruppe", True), (1, "Namdal", False), (2, "Gruppe", True)]
    assert search(groups, '"i plenum"', headings=True, user="anna")[0]["match"] == "i plenum"
    assert search(groups, "oppsum*", headings=True, user="anna")[0]["match"] == "Oppsummering"
    assert len(search(groups, "Namdal gruppe", headings=True, limit=2, user="anna")) == 2
    lines = _cli(groups, "search", "oppsummering", "--headings").strip().splitlines()
    assert lines == [f"{GRUPPER} 3 –:  [Oppsummering] i plenum   (i overskriften)", "1 treff."]
    rows = json.loads(_cli(groups, "search", "oppsummering", "--headings", "--json"))
    assert rows == json.loads(json.dumps(hits)) and rows[0]["start"] is None
    # still for researchers only
    from workbench.users import add_user

    add_user(groups, "rolf", "report_author", password="korrekt-hest-batteri", user="anna")
    add_user(groups, "rita", "resource_group", password="korrekt-hest-batteri", user="anna")
    for who in ("rolf", "rita"):
        with pytest.raises(PermissionDenied):
            search(groups, "oppsummering", headings=True, user=who)
        result = CliRunner().invoke(cli, ["--db", groups.url, "--user", who, "search", "--headings", "plenum"], obj={})
        assert result.exit_code == 3 and "plenum" not in result.stdout


def test_a_word_matches_each_written_standard_by_its_own_lemmas(groups):
    def found(query):
        return {(h["source"], h["match"]) for h in search(groups, query, user="anna")
                if h["source"] in (BOKMAL, NYNORSK, BLANDA)}

    # nynorsk "eg" and "meg" (lemma "eg"), not bokmål "meg" (lemma "jeg")
    assert found("eg") == {(NYNORSK, "Eg"), (NYNORSK, "meg"), (BLANDA, "Eg"), (BLANDA, "meg")}
    assert found("jeg") == {(BOKMAL, "Jeg"), (BOKMAL, "meg"), (BLANDA, "Jeg"), (BLANDA, "meg")}
    assert found("meg") == found("eg") | found("jeg")  # a form of both: each standard's lemma of it
    assert found("noko") == {(NYNORSK, "noko")}  # not bokmål "noen"
    # "noen" is in the nynorsk tables too (under "nokon"), so it finds nynorsk "noko" as well
    assert found("noen") == {(BOKMAL, "noen"), (BOKMAL, "noe"), (NYNORSK, "noko")}
    # a word of both standards, in either spelling, finds both
    kommune = {(BOKMAL, "kommunene"), (NYNORSK, "kommunane")}
    assert found("kommune") == found("kommunene") == found("kommunane") == kommune
    # the bridge for Norsk Ordbank's variant lemmas stays ("samarbeidet": bokmål "samarbeide")
    assert _where(search(groups, "samarbeidet", source=F2, user="anna")) == [(F2, 2, "Samarbeid"),
                                                                           (F2, 2, "SAMARBEIDET")]
    # "e" of "e-post" is no word ("e" is "eg" in the nynorsk tables)
    assert "e" not in {h["match"] for h in search(groups, "eg", user="anna")}
