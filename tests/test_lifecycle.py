"""Personal data through the project's life (SQLite and PostgreSQL): withdrawal of consent
(forget), permanent anonymisation, retention dates, removal of a source, backup and restore, and
the inventory. Everything is checked in a dump of every table of the database, as a data-protection
officer would check it. All people and places in the corpus are fictional."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, inspect, select, text as sql_text

from workbench.analysis import theme_matrix
from workbench.backup import backup, backup_kind, restore
from workbench.cli import cli
from workbench.coding import add_memo, apply_code, list_codings
from workbench.codebook import load_codebook
from workbench.errors import InputError, WorkbenchError
from workbench.ingest import ingest_paths, list_turns
from workbench.lifecycle import WITHDRAWN_TEXT, anonymise, forget, inventory, remove_source, retention
from workbench.privacy import name_variants
from workbench.sharing import release_quote, set_setting
from workbench.store import Database, Segment, Source, Speaker
from workbench.users import add_user

ROOT = Path(__file__).resolve().parents[1]

FG = (
    "Moderator: Velkommen. Hvordan har arbeidet med avtalen gått?\n\n"
    "Kari Nordmann: Vi har brukt mye tid på boligprosjektet i Fjellbygd. Jeg tror tilliten har vokst.\n\n"
    "Ole Hansen: Som Kari sa, tilliten er viktig. Kari Nordmanns notat fra mars var nyttig for oss.\n\n"
    "Kari Nordmann: Ring meg på 412 34 567 hvis dere vil vite mer om kapasiteten.\n\n"
    "Ole Hansen: Kapasiteten i kommunene er fortsatt liten, skriv til ole.hansen@example.no.\n"
)
INTERVIEW = (
    "Intervjuer: Hva betyr avtalen for deg?\n\n"
    "Kari Nordmann: Avtalen er en ramme for samarbeid mellom kommunene og staten.\n\n"
    "Intervjuer: Og statsforvalteren?\n\n"
    "Ole Hansen: Vi ser at samarbeidet med departementet går bedre enn før.\n"
)
MANIFEST = ("file,kind,phase,pilot,date,delete_by\n"
            "fg_kari_nordmann.txt,fokusgruppe,fase 1,Fjellbygd,2024-03-12,2025-06-30\n"
            "intervju_fase2.txt,intervju,fase 2,Fjellbygd,2025-01-20,\n")
PARTICIPANTS = ("file,speaker,actor,organisation,pilot\n"
                "*,Moderator,forsker,SINTEF,\n*,Intervjuer,forsker,SINTEF,\n"
                "*,Kari Nordmann,prosjektleder,Fjellbygd kommune,Fjellbygd\n"
                "*,Ole Hansen,statsforvalter,Statsforvalteren,Fjellbygd\n")
CODEBOOK = """\
name: livsløp
title: Test
language: nb
codes:
  tillit:
    label: Tillit
    lexicon: [tillit]
  kapasitet:
    label: Kapasitet
  samarbeid:
    label: Samarbeid
"""
KARI_SENTENCES = ["Vi har brukt mye tid på boligprosjektet", "Jeg tror tilliten har vokst",
                  "Ring meg på", "hvis dere vil vite mer om kapasiteten",
                  "Avtalen er en ramme for samarbeid mellom kommunene og staten"]


@pytest.fixture
def project(db, tmp_path):
    folder = tmp_path / "materiale"
    folder.mkdir()
    (folder / "fg_kari_nordmann.txt").write_text(FG, encoding="utf-8")
    (folder / "fg_kari_nordmann.mp3").write_bytes(b"ID3")
    (folder / "intervju_fase2.txt").write_text(INTERVIEW, encoding="utf-8")
    (folder / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (folder / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    (tmp_path / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    report = ingest_paths(db, [folder], user="forsker")
    assert not report.errors, report.errors
    load_codebook(db, tmp_path / "kodebok.yaml", user="forsker")
    fg, iv = "fg_kari_nordmann.txt", "intervju_fase2.txt"
    apply_code(db, fg, 2, "tillit", user="forsker", span=_span(db, fg, 2, "Jeg tror tilliten har vokst."))
    apply_code(db, fg, 3, "tillit", user="forsker", span=_span(db, fg, 3, "tilliten er viktig"))
    apply_code(db, fg, 3, "tillit", user="forsker", span=_span(db, fg, 3, "Som Kari sa,"))
    apply_code(db, fg, 4, "kapasitet", user="forsker")
    apply_code(db, fg, 5, "kapasitet", user="forsker")
    apply_code(db, iv, 2, "samarbeid", user="forsker")
    apply_code(db, iv, 4, "samarbeid", user="forsker", span=_span(db, iv, 4, "samarbeidet"))
    add_memo(db, "Kari Nordmann er tydelig her.", user="forsker", segment=(fg, 2))
    add_memo(db, "Ole viser til Kari Nordmann.", user="forsker", segment=(fg, 3))
    release_quote(db, fg, 2, "tillit", user="forsker")
    release_quote(db, fg, 5, "kapasitet", user="forsker")
    return db


def _span(db, source, turn, phrase):
    text = next(t["text"] for t in list_turns(db, source, user="forsker") if t["index"] == turn)
    start = text.index(phrase)
    return start, start + len(phrase)


def dump(db: Database) -> str:
    """Every value of every table, as text (what a data-protection officer's dump shows)."""
    parts = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(sql_text(f'SELECT * FROM "{table}"')):
                for value in row:
                    if isinstance(value, (bytes, bytearray, memoryview)):
                        parts.append(bytes(value).decode("latin-1"))
                    elif value is not None:
                        parts.append(str(value))
    return "\n".join(parts)


def words_in(dump_text: str, words) -> list[str]:
    return [w for w in words if re.search(rf"(?<![^\W_]){re.escape(w)}(?![^\W_])", dump_text, re.IGNORECASE)]


def matrix_without(db, actor: str):
    m = theme_matrix(db, by=("actor", "phase"), user="forsker")
    return m[m["actor"] != actor].reset_index(drop=True)


# ------------------------------------------------------------------------------------ forget

def test_forget_erases_the_participant_everywhere_and_keeps_everyone_else(project):
    db = project
    assert words_in(dump(db), ["Kari", "Nordmann"])  # (the test can fail)
    ole_before = [(c.source, c.turn, c.code, c.start, c.end) for c in list_codings(db)
                  if (c.source, c.turn) in {("fg_kari_nordmann.txt", 3), ("fg_kari_nordmann.txt", 5),
                                            ("intervju_fase2.txt", 4)}]
    ole_texts = {(c.source, c.turn, c.code, c.start): c.text for c in list_codings(db)}
    matrix_before = matrix_without(db, "prosjektleder")
    turns_before = [len(list_turns(db, s)) for s in ("fg_kari_nordmann.txt", "intervju_fase2.txt")]

    report = forget(db, "Kari Nordmann", user="forsker")
    assert report.pseudonym == "Prosjektleder 1" and report.turns == 3 and report.codings == 3
    assert report.released_quotes == 1 and report.memos == 1 and report.media_to_delete

    text = dump(db)
    assert words_in(text, ["Kari", "Nordmann", "Nordmanns"]) == []
    assert [s for s in KARI_SENTENCES if s.lower() in text.lower()] == []
    # turn numbers and the other speakers' codings stay valid
    names = [s["file"] for s in retention(db, due_only=False, user="forsker")]
    fg = next(n for n in names if n.startswith("fg_"))
    assert [len(list_turns(db, s)) for s in (fg, "intervju_fase2.txt")] == turns_before
    kari_turns = [t for t in list_turns(db, fg) if t["index"] in (2, 4)]
    assert {t["text"] for t in kari_turns} == {WITHDRAWN_TEXT} and {t["speaker"] for t in kari_turns} == {"Prosjektleder 1"}
    after = [(c.source, c.turn, c.code) for c in list_codings(db)]
    assert sorted(after) == sorted((fg if s.startswith("fg_") else s, t, code) for s, t, code, *_ in ole_before)
    ole = next(c for c in list_codings(db) if c.turn == 3 and c.code == "tillit" and c.start and c.start > 5)
    assert ole.text == "tilliten er viktig" and ole.text in ole_texts.values()
    names_coding = next(c for c in list_codings(db) if c.turn == 3 and c.start == 0)
    assert names_coding.text == "Som [navn] sa,"  # the span moved with the scrubbed name
    assert matrix_without(db, "prosjektleder").equals(matrix_before)
    # the audit trail says it happened, not what was erased
    with db.session() as s:
        from workbench.store import AuditEvent

        ev = s.scalars(select(AuditEvent).where(AuditEvent.action == "forget")).one()
        assert ev.detail["pseudonym"] == "Prosjektleder 1" and ev.detail["turns"] == 3
    with pytest.raises(WorkbenchError) as again:
        forget(db, "Prosjektleder 1", user="forsker")
    assert again.value.code == "forget.done"


def test_forget_in_one_source_keeps_the_person_elsewhere(project):
    db = project
    report = forget(db, "Kari Nordmann", source="intervju_fase2.txt", user="forsker")
    assert report.roster_kept and report.turns == 1 and report.codings == 1
    iv = {t["index"]: t for t in list_turns(db, "intervju_fase2.txt")}
    assert iv[2]["text"] == WITHDRAWN_TEXT and iv[4]["text"].startswith("Vi ser at samarbeidet")
    fg = {t["index"]: t for t in list_turns(db, "fg_kari_nordmann.txt")}
    assert fg[2]["speaker"] == "Kari Nordmann" and "tilliten har vokst" in fg[2]["text"]


def test_forget_refuses_a_label_that_several_people_share(project, tmp_path):
    """A role label ("INFORMANT 1") names different people in different sources: withdrawing one
    must never withdraw, and merge, the others. The pseudonym says which one."""
    db = project
    folder = tmp_path / "mer"
    folder.mkdir()
    (folder / "fg_sf.txt").write_text("Moderator: Hei.\n\nINFORMANT 1: Vi i statsforvaltningen ser det slik.\n\n"
                                      "Moderator: Takk.\n\nINFORMANT 1: Bare hyggelig.\n", encoding="utf-8")
    (folder / "fg_pl.txt").write_text("Moderator: Hei.\n\nINFORMANT 1: Som prosjektleder har jeg mye å gjøre.\n\n"
                                      "Moderator: Takk.\n\nINFORMANT 1: Ja.\n", encoding="utf-8")
    (folder / "participants.csv").write_text(
        "file,speaker,actor,organisation,pilot\n*,Moderator,forsker,SINTEF,\n"
        "fg_sf.txt,INFORMANT 1,statsforvalter,,Fjellbygd\nfg_pl.txt,INFORMANT 1,prosjektleder,,Fjellbygd\n",
        encoding="utf-8")
    assert not ingest_paths(db, [folder], user="forsker").errors
    before = dump(db)
    with pytest.raises(WorkbenchError) as exc:
        forget(db, "INFORMANT 1", user="forsker")
    assert exc.value.code == "forget.ambiguous" and "2 people" in str(exc.value)
    assert dump(db) == before  # nothing changed
    with db.session() as sess:
        pseudonyms = {src: sess.scalar(select(Speaker.pseudonym_id).join(Source).where(
            Source.file_name == src, Speaker.label == "INFORMANT 1")) for src in ("fg_sf.txt", "fg_pl.txt")}
        from workbench.store import Pseudonym

        sf = sess.get(Pseudonym, pseudonyms["fg_sf.txt"]).label
    report = forget(db, sf, user="forsker")  # by pseudonym: the statsforvalter informant only
    assert report.sources == ["fg_sf.txt"]
    assert {t["text"] for t in list_turns(db, "fg_pl.txt") if t["index"] in (2, 4)} == {
        "Som prosjektleder har jeg mye å gjøre.", "Ja."}


def test_forget_in_one_source_also_cleans_the_audit_trail_and_the_models(project):
    db = project
    _store_vectors(db)
    said = "Jeg tror tilliten har vokst"  # Kari's released quote: its text is in the audit trail
    assert said in dump(db)
    report = forget(db, "Kari Nordmann", source="fg_kari_nordmann.txt", user="forsker")
    assert report.roster_kept and report.file_clean
    assert said not in dump(db) and "Vi har brukt mye tid" not in dump(db)
    assert _vectors(db) == {}  # computed from what she said there


CONTACT_FG = (
    "Moderator: Hvem kan vi spørre om boligene?\n\n"
    "Ole Hansen: Ring Kari på 412 34 567, eller send det til kari.nordmann@fjellbygd.kommune.no. "
    "Tilliten mellom oss er god.\n\n"
    "Moderator: Og deg?\n\n"
    "Ole Hansen: Meg når dere på 22 33 44 55 eller ole.hansen@example.no. Kapasiteten er liten.\n"
)


def test_forget_removes_the_persons_phone_and_e_mail_from_other_peoples_turns(project, tmp_path):
    """Another participant gives the withdrawn person's phone number and e-mail address: both go
    (text, memo, audit trail, stored lemmas), the speaker's own stay, and codings keep their words."""
    from workbench.search import search

    db = project
    folder = tmp_path / "kontakt"
    folder.mkdir()
    (folder / "fg_kontakt.txt").write_text(CONTACT_FG, encoding="utf-8")
    (folder / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    assert not ingest_paths(db, [folder], user="forsker").errors
    src = "fg_kontakt.txt"
    apply_code(db, src, 2, "tillit", user="forsker", span=_span(db, src, 2, "Tilliten mellom oss er god."))
    apply_code(db, src, 2, "samarbeid", user="forsker", span=_span(db, src, 2, "Ring Kari på 412 34 567"))
    apply_code(db, src, 4, "kapasitet", user="forsker", span=_span(db, src, 4, "Kapasiteten er liten."))
    add_memo(db, "Spør Kari (knordmann@fjellbygd.kommune.no) om dette.", user="forsker", segment=(src, 2))
    assert search(db, "kari.nordmann@fjellbygd.kommune.no", user="forsker")  # in the stored lemmas
    assert "412 34 567" in dump(db)  # (the test can fail)

    report = forget(db, "Kari Nordmann", user="forsker")

    text = dump(db)
    assert [c for c in ("412 34 567", "41234567", "kari.nordmann@", "knordmann@") if c in text] == []
    assert "22 33 44 55" in text and "ole.hansen@example.no" in text  # Ole's own contacts stay
    turns = {t["index"]: t["text"] for t in list_turns(db, src)}
    assert turns[2] == "Ring [navn] på [telefon], eller send det til [e-post]. Tilliten mellom oss er god."
    assert turns[4] == "Meg når dere på 22 33 44 55 eller ole.hansen@example.no. Kapasiteten er liten."
    coded = {c.code: c.text for c in list_codings(db, source=src)}
    assert coded == {"tillit": "Tilliten mellom oss er god.", "samarbeid": "Ring [navn] på [telefon]",
                     "kapasitet": "Kapasiteten er liten."}
    assert report.contacts == 3 and "3 e-postadresser og telefonnumre" in report.summary()
    assert search(db, "kari.nordmann@fjellbygd.kommune.no", user="forsker") == []  # lemmas analysed again
    assert [c for c in ("412 34 567", "kari.nordmann@", "knordmann@") if c in dump(db)] == []


TILLIT_FG = (
    "Moderator: Hva sier dere om tilliten?\n\n"
    "Ole Hansen: Som Kari sa, tillit tar tid. Ring meg gjerne, eller ring Sølvi på 412 34 567. Hun svarer alltid.\n\n"
    "Sølvi Åsheim: Kari og Ole: 99 88 77 66 er nummeret til kontoret deres. Ole har også 41 23 45 67.\n"
)
TILLIT_PARTICIPANTS = PARTICIPANTS + "*,Sølvi Åsheim,ordfører,Fjellbygd kommune,Fjellbygd\n"


def _tillit(db, tmp_path):
    folder = tmp_path / "tillit"
    folder.mkdir()
    (folder / "fg_tillit.txt").write_text(TILLIT_FG, encoding="utf-8")
    (folder / "participants.csv").write_text(TILLIT_PARTICIPANTS, encoding="utf-8")
    assert not ingest_paths(db, [folder], user="forsker").errors
    return "fg_tillit.txt"


def test_forget_keeps_a_number_said_after_another_persons_name(project, tmp_path):
    """Kari withdraws. "Som Kari sa, ..., ring Sølvi på 412 34 567": the nearest name before the
    number is Sølvi's, so it is Sølvi's number and stays; "Kari og Ole: 99 88 77 66" is said for
    Kari too and goes; the report counts only that one."""
    db = project
    src = _tillit(db, tmp_path)
    report = forget(db, "Kari Nordmann", user="forsker")
    turns = {t["index"]: t["text"] for t in list_turns(db, src)}
    assert turns[2] == ("Som [navn] sa, tillit tar tid. Ring meg gjerne, eller ring Sølvi på 412 34 567. "
                        "Hun svarer alltid.")
    assert turns[3] == "[navn] og Ole: [telefon] er nummeret til kontoret deres. Ole har også 41 23 45 67."
    assert report.contacts == 1 and "1 e-postadresser og telefonnumre" in report.summary()


def test_a_second_withdrawal_counts_the_contacts_it_removed(project, tmp_path):
    """After Kari's withdrawal left "[telefon]" in Ole's and Sølvi's turns, withdrawing Ole (by his
    pseudonym, from the command line) counts what it removed from the others' text: his number in
    Sølvi's turn, once, never a negative figure from the placeholders in his own erased turns."""
    import json

    db = project
    src = _tillit(db, tmp_path)
    forget(db, "Kari Nordmann", user="forsker")
    ole = forget(db, "Ole Hansen", user="forsker", check_only=True).pseudonym
    res = CliRunner().invoke(cli, ["--db", db.url, "--user", "forsker", "forget", "--speaker", ole, "--yes", "--json"],
                             obj={})
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    turns = {t["index"]: t["text"] for t in list_turns(db, src)}
    assert turns[3] == "[navn] og [navn]: [telefon] er nummeret til kontoret deres. [navn] har også [telefon]."
    assert report["contacts"] == 1
    assert report["name_mentions"] == 2   # "Ole" twice in Sølvi's turn; not his labels nor his own turns


def test_forget_finds_a_label_typed_decomposed_and_names_the_label_for_another_case(project, tmp_path):
    """macOS may type "Å" as "A" + a ring (NFD): the label is still found. "sølvi åsheim" in lower
    case is refused, as an unknown --user or --coder is, with the label it may mean; nothing changes."""
    import unicodedata

    db = project
    src = _tillit(db, tmp_path)
    before = dump(db)
    with pytest.raises(WorkbenchError) as exc:
        forget(db, "sølvi åsheim", user="forsker")
    assert exc.value.code == "forget.case" and "did you mean 'Sølvi Åsheim'?" in str(exc.value)
    res = CliRunner().invoke(cli, ["--db", db.url, "--user", "forsker", "forget", "--speaker", "SØLVI ÅSHEIM"],
                             input="y\n", obj={})
    assert res.exit_code == 1 and "did you mean 'Sølvi Åsheim'?" in res.output and "Traceback" not in res.output
    assert dump(db) == before
    report = forget(db, unicodedata.normalize("NFD", "Sølvi  Åsheim"), user="forsker")
    assert report.turns == 1 and report.pseudonym.startswith("Ordfører")
    turns = {t["index"]: t["text"] for t in list_turns(db, src)}
    assert turns[2] == ("Som Kari sa, tillit tar tid. Ring meg gjerne, eller ring [navn] på [telefon]. "
                        "Hun svarer alltid.")
    assert turns[3] == WITHDRAWN_TEXT


def test_forget_erases_a_quote_of_her_words_in_another_persons_memo(project):
    """A memo on Ole's turn quoting Kari word for word, without her name, loses the quote (as the
    audit trail does); the memo's own words stay and the report counts it."""
    db = project
    add_memo(db, "Kontrast til tur 2: «brukt mye tid på boligprosjektet i Fjellbygd» - se også tur 5.",
             user="forsker", segment=("fg_kari_nordmann.txt", 5))
    add_memo(db, "Tid på boligprosjektet er et tema.", user="forsker", segment=("intervju_fase2.txt", 4))

    report = forget(db, "Kari Nordmann", user="forsker")

    memos = db_memos(db)
    assert "Kontrast til tur 2: «[trukket]» - se også tur 5." in memos
    assert "Tid på boligprosjektet er et tema." in memos   # three words of hers are not a quote
    assert "brukt mye tid" not in dump(db)
    assert report.memos_quoting == 1 and "1 andre notater siterte personens ord" in report.summary()


def db_memos(db):
    from workbench.store import Memo
    with db.session() as s:
        return {m.text for m in s.scalars(select(Memo))}


def test_forget_removes_the_surname_in_capitals_and_keeps_the_ordinary_word(project, tmp_path):
    """"Nordmann" is also a word (a Norwegian): in lower case it stays, but "NORDMANN" in capitals,
    as "KARI" and "Karis", is her name."""
    db = project
    folder = tmp_path / "store"
    folder.mkdir()
    (folder / "fg_store.txt").write_text(
        "Moderator: Hva sa de andre?\n\n"
        "Ole Hansen: Jeg snakket med KARI i går, og NORDMANN sa det samme. Karis notat var fint. "
        "Som nordmann er jeg vant til lange vintre.\n", encoding="utf-8")
    (folder / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    assert not ingest_paths(db, [folder], user="forsker").errors
    forget(db, "Kari Nordmann", user="forsker")
    turns = {t["index"]: t["text"] for t in list_turns(db, "fg_store.txt")}
    assert turns[2] == ("Jeg snakket med [navn] i går, og [navn] sa det samme. [navn] notat var fint. "
                        "Som nordmann er jeg vant til lange vintre.")


@pytest.mark.parametrize("how", ["forget", "remove-source"])
def test_memo_text_of_an_undone_import_goes_with_the_erased_turn(project, tmp_path, how):
    """Undoing a CSV import keeps its memos in the undo's audit entry, which named only the import's
    first row's source and turn: a memo on another person's turn outlived ``forget`` and
    ``remove-source`` there."""
    from workbench.coding import code_from_csv, undo_last

    db = project
    secret = "Hun fortalte om sykdommen i familien"
    other = "Ole om departementet"
    csv = tmp_path / "koder.csv"
    csv.write_text("source,turn,code,memo\n"
                   f"intervju_fase2.txt,4,tillit,{other}\n"
                   f"fg_kari_nordmann.txt,4,tillit,{secret}\n", encoding="utf-8")
    assert code_from_csv(db, csv, user="forsker") == 2
    undo_last(db, user="forsker")
    assert secret in dump(db) and other in dump(db)  # kept for an undo of the undo's record
    if how == "forget":
        forget(db, "Kari Nordmann", user="forsker")
    else:
        remove_source(db, "fg_kari_nordmann.txt", user="forsker")
    assert secret not in dump(db)
    assert other in dump(db)  # Ole's turn was not erased: its memo stays where it was


def test_forget_an_unknown_speaker_names_the_fix(project):
    """A label typed wrong: the error offers the close labels ("did you mean") and names the
    commands that show the labels (`sources` alone shows none), and nothing changes."""
    before = dump(project)
    with pytest.raises(WorkbenchError) as exc:
        forget(project, "Kari Nordman", user="forsker")
    assert exc.value.code == "forget.unknown" and "did you mean 'Kari Nordmann'?" in str(exc.value)
    assert "`workbench turns SOURCE` shows each turn's speaker label" in str(exc.value)
    assert "`workbench sources --json`" in str(exc.value)
    with pytest.raises(WorkbenchError, match="did you mean 'Ole Hansen'") as exc:  # an accent-free typing
        forget(project, "Olé Hanssen", source="intervju_fase2.txt", user="forsker")
    with pytest.raises(WorkbenchError) as exc:  # nothing close: no guess
        forget(project, "Ingrid Solbakk", user="forsker")
    assert "did you mean" not in str(exc.value) and "workbench turns SOURCE" in str(exc.value)
    assert dump(project) == before


def test_forget_is_refused_to_report_authors(project):
    from workbench.errors import PermissionDenied

    add_user(project, "rita", "report_author", password="rita-passord-2024", user="forsker")
    with pytest.raises(PermissionDenied):
        forget(project, "Kari Nordmann", user="rita")
    assert "Kari Nordmann" in dump(project)


# ---------------------------------------------------------------------------------- anonymise

def test_anonymise_leaves_no_roster_name_and_codings_cover_the_scrubbed_words(project):
    db = project
    from workbench.sharing import roster_scrubber

    with db.session() as s:
        parts = {p for sp in s.scalars(select(Speaker)) for p in name_variants(
            sp.label, actor=sp.actor, organisation=sp.organisation, pilot=sp.pilot, name=sp.name)}
    assert {"Kari", "Nordmann", "Ole", "Hansen"} <= parts
    scrub = roster_scrubber(db).scrub
    expected = {c.id: scrub(c.text) for c in list_codings(db)}
    matrix = theme_matrix(db, by=("actor", "phase"), user="forsker")
    with pytest.raises(InputError):
        anonymise(db, user="forsker")  # not without permanent=True
    report = anonymise(db, permanent=True, user="forsker")
    assert report.texts_changed == 2 and report.speakers == 6 and report.media_dropped == 1

    text = dump(db)
    assert words_in(text, sorted(parts)) == []
    assert "412 34 567" not in text and "ole.hansen@example.no" not in text
    assert {c.id: c.text for c in list_codings(db)} == expected
    assert next(c.text for c in list_codings(db) if c.start == 0) == "Som [navn] sa,"
    assert theme_matrix(db, by=("actor", "phase"), user="forsker").equals(matrix)
    with db.session() as s:
        labels = sorted({sp.label for sp in s.scalars(select(Speaker))})
    assert labels == ["Forsker 1", "Forsker 2", "Prosjektleder 1", "Statsforvalter 1"]


# -------------------------------------------------------------------- retention and removal

def test_anonymise_meets_the_deadlines_it_was_due_for(project):
    db = project
    assert retention(db, today="2030-01-01", user="forsker")  # fg_kari_nordmann.txt is overdue
    report = anonymise(db, permanent=True, user="forsker")
    assert report.deadlines_cleared == 1
    assert retention(db, today="2030-01-01", user="forsker") == []


def test_erased_text_leaves_the_file_once_nobody_else_holds_it(project):
    """SQLite keeps old pages in its write-ahead log while another program (the app) reads: the
    report says so, and `compact` cleans the file when that program has gone."""
    import sqlite3

    from workbench.lifecycle import compact

    db = project
    if db.dialect != "sqlite":
        pytest.skip("a SQLite file")
    path = Path(db.engine.url.database)
    reader = sqlite3.connect(path)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM segments").fetchone()  # the app in the middle of a page
    report = forget(db, "Kari Nordmann", user="forsker")
    assert not report.file_clean and "workbench compact" in report.summary()
    reader.close()
    assert compact(db, user="forsker")
    raw = path.read_bytes() + (path.with_name(path.name + "-wal").read_bytes()
                               if path.with_name(path.name + "-wal").exists() else b"")
    assert b"Nordmann" not in raw and "tilliten har vokst".encode() not in raw


def test_retention_lists_what_is_due_by_source_and_project_date(project):
    db = project
    due = retention(db, today="2025-07-01", user="forsker")
    assert [(r["file"], r["from"], r["overdue_days"]) for r in due] == [("fg_kari_nordmann.txt", "source", 1)]
    assert retention(db, today="2025-06-29", user="forsker") == []
    set_setting(db, "delete_by", "31.12.2026", user="forsker")
    due = retention(db, today="2027-01-02", user="forsker")
    assert [(r["file"], r["from"]) for r in due] == [("fg_kari_nordmann.txt", "source"), ("intervju_fase2.txt", "project")]
    with pytest.raises(InputError):
        set_setting(db, "delete_by", "2026-13", user="forsker")


def test_remove_source_deletes_it_with_everything_on_it(project):
    db = project
    done = remove_source(db, "fg_kari_nordmann.txt", user="forsker")
    assert done["turns"] == 5 and done["codings"] == 5
    assert {c.source for c in list_codings(db)} == {"intervju_fase2.txt"}
    assert "Vi har brukt mye tid" not in dump(db)


def test_remove_source_marks_the_consensus_of_its_turns_and_keeps_the_entries(project):
    """A consensus recorded on a removed turn must never count for a turn that gets its id later
    (SQLite reuses ids): its audit entry stays, with the target type removed_segment; the other
    source's consensus stays as it was."""
    from workbench.agreement import consensus_turn_ids, record_consensus
    from workbench.store import AuditEvent

    db = project
    record_consensus(db, "fg_kari_nordmann.txt", 4, "-", user="forsker")
    record_consensus(db, "intervju_fase2.txt", 2, ["samarbeid"], user="forsker")
    before = _audit(db)
    remove_source(db, "fg_kari_nordmann.txt", user="forsker")
    with db.session() as s:
        kinds = {e.detail["source"]: e.target_type
                 for e in s.scalars(select(AuditEvent).where(AuditEvent.action == "consensus"))}
        assert kinds == {"fg_kari_nordmann.txt": "removed_segment", "intervju_fase2.txt": "segment"}
        assert len(consensus_turn_ids(s)) == 1
    after = _audit(db)
    assert [after[i] for i in before if before[i][0] == "consensus"] == [
        before[i] for i in before if before[i][0] == "consensus"]  # target id and detail as they were


LEADERS = {
    "intervju_leder.txt": "Intervjuer: Hva er din rolle?\n\nKommunedirektør: Jeg leder administrasjonen.\n",
    "fg_ledere.txt": ("Moderator: Hvem møter dere?\n\n"
                      "Kari Nordmann: Kommunedirektør og ordfører møter vi hver måned på rådhuset.\n\n"
                      "Moderator: Og tilliten?\n\n"
                      "Kari Nordmann: Tilliten mellom oss har vokst mye det siste året.\n"),
}


def _audit(db) -> dict[int, tuple]:
    from workbench.store import AuditEvent

    with db.session() as s:
        return {e.id: (e.action, e.target_id, e.detail) for e in s.scalars(select(AuditEvent))}


@pytest.mark.parametrize("erase", ["remove_source", "forget"])
def test_only_erased_text_leaves_the_audit_trail_not_the_words_other_sources_share(project, tmp_path, erase):
    """The released quote of an erased turn and a quote taken from it go from the audit trail;
    the entries of the other sources keep their labels and words, also where an erased turn
    used them ("Kommunedirektør" is a speaker of another file and a word of an erased turn)."""
    db = project
    folder = tmp_path / "ledere"
    folder.mkdir()
    for name, text in LEADERS.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "participants.csv").write_text(
        PARTICIPANTS + "*,Kommunedirektør,kommunedirektør,Fjellbygd kommune,Fjellbygd\n", encoding="utf-8")
    assert not ingest_paths(db, [folder], user="forsker").errors
    apply_code(db, "fg_ledere.txt", 4, "tillit", user="forsker")
    release_quote(db, "fg_ledere.txt", 4, "tillit", user="forsker")
    with db.transaction("forsker") as tx:  # an entry holding a quote from an erased turn beside plain words
        tx.audit("note", "source", None, {"quote": "Tilliten mellom oss har vokst", "words": [
            "Kommunedirektør", "ordfører", "rådhuset"]})
    before = _audit(db)
    ingest_leder = next(i for i, (a, _, d) in before.items() if a == "ingest" and d["file"] == "intervju_leder.txt")
    assert before[ingest_leder][2]["speakers"] == ["Intervjuer", "Kommunedirektør"]
    released = next(i for i, (a, _, d) in before.items() if a == "release_quote" and d["source"] == "fg_ledere.txt")
    note = next(i for i, (a, *_) in before.items() if a == "note")

    if erase == "remove_source":
        remove_source(db, "fg_ledere.txt", user="forsker")
        gone = "[slettet]"
    else:
        forget(db, "Kari Nordmann", user="forsker")
        gone = WITHDRAWN_TEXT

    after = _audit(db)
    assert after[ingest_leder] == before[ingest_leder]  # another source's speakers as they were
    assert after[note][2] == {"quote": gone, "words": ["Kommunedirektør", "ordfører", "rådhuset"]}
    assert after[released][2]["after"]["text"] == gone
    assert "Tilliten mellom oss har vokst" not in dump(db)
    if erase == "remove_source":  # nothing else in the trail changed
        assert [i for i in before if after[i] != before[i]] == [released, note]


def _store_vectors(db) -> dict[str, int]:
    """A stored sentence vector for every segment (as `suggest` leaves them), counted per source."""
    from workbench.store import SegmentEmbedding

    with db.transaction(user="forsker") as tx:
        for seg in tx.session.scalars(select(Segment)):
            tx.session.add(SegmentEmbedding(segment_id=seg.id, model="test:original:query", start_char=seg.start_char,
                                            end_char=seg.end_char, text_hash="0" * 40, vector=b"\0" * 16))
    return _vectors(db)


def _vectors(db) -> dict[str, int]:
    from workbench.store import SegmentEmbedding

    with db.session() as s:
        return dict(s.execute(select(Source.file_name, func.count(SegmentEmbedding.id))
                              .join(Segment, Segment.source_id == Source.id)
                              .join(SegmentEmbedding, SegmentEmbedding.segment_id == Segment.id)
                              .group_by(Source.file_name)).all())


def test_stored_sentence_vectors_go_with_forget_and_with_their_source(project):
    db = project
    stored = _store_vectors(db)
    assert set(stored) == {"fg_kari_nordmann.txt", "intervju_fase2.txt"}
    assert inventory(db, user="forsker")["sentence_vectors"] == sum(stored.values())
    remove_source(db, "intervju_fase2.txt", user="forsker")
    assert set(_vectors(db)) == {"fg_kari_nordmann.txt"}  # the other source's vectors stay
    forget(db, "Kari Nordmann", user="forsker")
    assert _vectors(db) == {}  # computed from texts that said her name: all recomputed on need


# -------------------------------------------------------------------------- backup, restore

def _counts(db):
    with db.engine.connect() as conn:
        return {t: conn.execute(sql_text(f'SELECT COUNT(*) FROM "{t}"')).scalar()
                for t in ("sources", "segments", "speakers", "codings", "memos", "pseudonyms", "released_quotes")}


def _empty_twin(db: Database, tmp_path) -> Database:
    if db.dialect == "sqlite":
        return Database(f"sqlite:///{tmp_path / 'gjenopprettet.db'}")
    import psycopg

    base, name = db.url.rsplit("/", 1)
    with psycopg.connect(f"{base}/postgres".replace("postgresql+psycopg://", "postgresql://"), autocommit=True) as c:
        c.execute(f"CREATE DATABASE {name}_r")
    return Database(f"{base}/{name}_r")


def test_backup_while_others_write_then_restore_gives_the_same_project(project, tmp_path):
    db = project
    stop = threading.Event()

    def writer():
        i = 0
        while not stop.is_set() and i < 40:
            add_memo(db, f"notat {i}", user="forsker", source="intervju_fase2.txt")
            i += 1

    t = threading.Thread(target=writer)
    t.start()
    try:
        done = backup(db, tmp_path / "kopi.bak", user="forsker")
    finally:
        stop.set()
        t.join()
    assert done["kind"] == db.dialect and backup_kind(tmp_path / "kopi.bak") == db.dialect
    if os.name == "posix":
        assert (tmp_path / "kopi.bak").stat().st_mode & 0o077 == 0  # every transcript: the owner's eyes only
    with pytest.raises(InputError):
        backup(db, tmp_path / "kopi.bak", user="forsker")  # never overwritten

    twin = _empty_twin(db, tmp_path)
    try:
        restore(twin, tmp_path / "kopi.bak")
        restored = _counts(twin)
        assert {k: v for k, v in restored.items() if k != "memos"} == \
               {k: v for k, v in _counts(db).items() if k != "memos"}
        assert 2 <= restored["memos"] <= _counts(db)["memos"]  # a consistent snapshot taken mid-way
        assert theme_matrix(twin, by=("actor", "phase"), user="forsker").equals(
            theme_matrix(db, by=("actor", "phase"), user="forsker"))
        with pytest.raises(WorkbenchError) as exc:
            restore(twin, tmp_path / "kopi.bak")  # not into a database with data
        assert exc.value.code == "backup.not_empty"
    finally:
        twin.dispose()
        if db.dialect == "postgresql":
            import psycopg

            base, name = twin.url.rsplit("/", 1)
            with psycopg.connect(f"{base}/postgres".replace("postgresql+psycopg://", "postgresql://"),
                                 autocommit=True) as c:
                c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_restore_refuses_a_file_that_is_not_a_backup(sqlite_db, tmp_path):
    bad = tmp_path / "notater.txt"
    bad.write_text("ikke en sikkerhetskopi")
    with pytest.raises(InputError) as exc:
        restore(sqlite_db, bad)
    assert exc.value.code == "backup.not_backup"


# ------------------------------------------------------------------------ inventory and CLI

def test_inventory_counts_where_personal_data_lives(project):
    inv = inventory(project, user="forsker")
    assert inv["sources"]["count"] == 2 and inv["sources"]["with_delete_by"] == 1
    assert inv["speakers"]["labels_that_are_names"] == 4  # Kari and Ole in two sources each
    assert inv["memos"] == {"count": 2, "naming_participants": 2}
    assert inv["media"] == {"references": 1, "missing_files": 0}
    assert inv["released_quotes"] == 2 and inv["audit_events"]["by_action"]["ingest"] == 2
    forget(project, "Kari Nordmann", user="forsker")
    inv = inventory(project, user="forsker")
    assert inv["speakers"]["withdrawn"] == 2 and inv["speakers"]["withdrawn_people"] == 1  # her two sources
    assert inv["speakers"]["labels_that_are_names"] == 2


def test_cli_forget_asks_first_and_prints_no_traceback(project):
    runner = CliRunner()

    def run(*args, **kw):
        return runner.invoke(cli, ["--db", project.url, "--user", "forsker", *args], obj={}, **kw)

    no = run("forget", "--speaker", "Ole Hansen", input="n\n")
    assert no.exit_code == 1 and "ingenting er endret" in no.output
    assert "Ole Hansen" in dump(project)
    yes = run("forget", "--speaker", "Ole Hansen", "--yes")
    assert yes.exit_code == 0 and "Statsforvalter 1 er trukket ut" in yes.output
    bad = run("retention", "--source", "intervju_fase2.txt", "--delete-by", "31.02.2027")
    assert bad.exit_code == 1 and "Traceback" not in bad.output and "not a date" in bad.output
    ok = run("retention", "--all", "--json")
    assert ok.exit_code == 0 and "fg_kari_nordmann.txt" in ok.output
    assert run("anonymise").exit_code == 2  # --permanent is required
    inv = run("inventory")
    assert inv.exit_code == 0 and "Talere: 6" in inv.output


def test_the_app_warns_researchers_about_overdue_data_and_not_others(tmp_path, monkeypatch):
    from tests.app_fixtures import app, build_small, open_page
    from workbench.lifecycle import set_delete_by

    db = build_small(tmp_path)
    monkeypatch.setenv("WORKBENCH_DB", db.url)
    at = open_page("views/oversikt.py")
    assert not any("Slettedatoen er passert" in w.value for w in at.warning)
    set_delete_by(db, "fg_fase1.txt", "2020-01-31", user="kari")
    at = open_page("views/oversikt.py")
    assert any("Slettedatoen er passert for fg\\_fase1\\.txt" in w.value and "2020-01-31" in w.value
               for w in at.warning)
    rolf = open_page("views/oversikt.py", "rolf")  # the resource group is not told about sources
    assert not any("Slettedatoen" in w.value for w in rolf.warning)
    db.dispose()


@pytest.mark.parametrize("erase", ["remove_source", "forget"])
def test_a_released_short_turn_without_a_full_stop_leaves_the_audit_trail(project, tmp_path, erase):
    """A released quote is a whole turn: however short ("Bor i Vardø"), its text in the
    release entries goes with the turn."""
    folder = tmp_path / "kort"
    folder.mkdir()
    (folder / "fg_kort.txt").write_text("Moderator: Hvor bor du?\n\nKari Nordmann: Bor i Vardø\n",
                                        encoding="utf-8")
    (folder / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    assert not ingest_paths(project, [folder], user="forsker").errors
    apply_code(project, "fg_kort.txt", 2, "tillit", user="forsker")
    release_quote(project, "fg_kort.txt", 2, "tillit", user="forsker")
    if erase == "remove_source":
        remove_source(project, "fg_kort.txt", user="forsker")
    else:
        forget(project, "Kari Nordmann", user="forsker")
    released = [d for a, _, d in _audit(project).values() if a == "release_quote" and d["source"] == "fg_kort.txt"]
    assert released and all("Vardø" not in d["after"]["text"] for d in released)
    assert "Bor i Vardø" not in dump(project)


def test_backup_makes_its_missing_folder_owner_only(project, tmp_path):
    """`backup -o` makes missing folders as every -o does (README), readable by the owner only."""
    import stat

    db = project
    out = tmp_path / "sikker" / "mappe" / "prosjekt.bak"
    done = backup(db, out, user="forsker")
    assert out.exists() and done["bytes"] > 0
    assert stat.S_IMODE(out.parent.stat().st_mode) == 0o700
    with pytest.raises(InputError, match="cannot be made"):
        backup(db, Path("/proc/ingen/mappe/x.bak"), user="forsker")


def test_remove_source_names_an_unknown_source_before_asking(project):
    from click.testing import CliRunner

    from workbench.cli import cli

    db = project
    res = CliRunner().invoke(cli, ["--db", db.url, "--user", "forsker", "remove-source", "fg2.docx"], input="y\n")
    assert res.exit_code != 0 and "Slette" not in res.output and "fg2.docx" in res.output


def test_forget_names_an_unknown_person_before_asking_and_the_pseudonym_in_the_question(project):
    from click.testing import CliRunner

    from workbench.cli import cli

    db = project
    base = ["--db", db.url, "--user", "forsker", "forget", "--speaker"]
    res = CliRunner().invoke(cli, base + ["Kari Nordman"], input="y\n")  # misspelt
    assert res.exit_code != 0 and "Trekke ut" not in res.output and "Kari Nordman" in res.output
    before = dump(db)
    res = CliRunner().invoke(cli, base + ["Kari Nordmann"], input="n\n")  # asked, answered no
    assert "Trekke ut Kari Nordmann (" in res.output and dump(db) == before  # nothing changed
    res = CliRunner().invoke(cli, base + ["Kari Nordmann"], input="y\n")
    assert res.exit_code == 0 and "er trukket ut" in res.output and not words_in(dump(db), ["Kari", "Nordmann"])


def test_forget_names_the_backups_and_exports_made_before_it(project, tmp_path):
    """A backup and a quote export made before the withdrawal still hold the person: the report
    names them (file, action, date) and says to delete them or note them in the record."""
    from workbench.export import export_quotes

    db = project
    backup(db, tmp_path / "før_uttrekk.bak", user="forsker")
    export_quotes(db, tmp_path / "sitater.csv", code="tillit", reveal=True, user="forsker")

    report = forget(db, "Kari Nordmann", user="forsker")

    assert [c["action"] for c in report.earlier_copies] == ["backup", "export_quotes"]
    assert report.earlier_copies[0]["file"] == "før_uttrekk.bak"
    assert report.earlier_copies[1]["file"].endswith("sitater.csv")
    summary = report.summary()
    assert "før_uttrekk.bak (backup, " in summary and "sitater.csv (export_quotes, " in summary
    assert "slett dem, eller før dem opp i protokollen over behandlingsaktiviteter" in summary


def test_forget_names_a_table_export_whose_quote_sheet_holds_the_person(project, tmp_path):
    """`export tables` writes a «Sitater» sheet with the person's (pseudonymised) quotes: the
    report names that file as it names a quote export, without --reveal too; only the file with
    the quotes (not the charts, not a CSV table of counts); a table export without quotes is not
    named, and an audit entry from before the audit said how many quotes is taken to hold some."""
    from workbench.export import export_tables

    db = project
    export_tables(db, tmp_path / "tab.xlsx", user="forsker")  # with charts
    export_tables(db, tmp_path / "csv", format="csv", charts=False, user="forsker")
    with db.transaction("forsker") as tx:  # as an older version audited a table export
        tx.audit("export_tables", "file", str(tmp_path / "gammel.xlsx"),
                 {"format": "xlsx", "files": [str(tmp_path / "gammel.xlsx"), str(tmp_path / "gammel_heatmap.png")]})

    report = forget(db, "Kari Nordmann", user="forsker")

    named = [Path(c["file"]).relative_to(tmp_path).as_posix() for c in report.earlier_copies]
    assert named == ["tab.xlsx", "csv/sitater.csv", "gammel.xlsx"]
    assert {c["action"] for c in report.earlier_copies} == {"export_tables"}
    assert f"{tmp_path / 'tab.xlsx'} (export_tables, " in report.summary()


def test_forget_names_every_file_of_a_table_export_that_wrote_a_phase_holding_the_name(project, tmp_path):
    """A phase value holding the person's name ("oppstart med Kari Nordmann") is written as stored
    by a researcher's table export: into chart and table file names, sheets and cells. Forget
    then lists every file of that export (charts too), not only the quote file; a report
    author's export (the values scrubbed to "[navn]") still lists only its quote file."""
    from workbench.export import export_tables
    from workbench.ingest.metadata import set_source

    db = project
    set_source(db, "intervju_fase2.txt", phase="oppstart med Kari Nordmann", user="forsker")
    add_user(db, "rita", "report_author", password="rita-passord-2024", user="forsker")
    files = export_tables(db, tmp_path / "forsker", format="csv", user="forsker")
    assert any("kari_nordmann" in Path(f).name for f in files)  # the value in a file name
    rita = export_tables(db, tmp_path / "rita", format="csv", user="rita")
    assert not any("kari" in Path(f).name.lower() for f in rita)

    report = forget(db, "Kari Nordmann", user="forsker")

    assert report.metadata_values > 0
    named = [c["file"] for c in report.earlier_copies]
    assert sorted(named[:len(files)]) == sorted(str(f) for f in files)  # charts and tables of counts too
    assert named[len(files):] == [str(tmp_path / "rita" / "sitater.csv")]
    summary = report.summary()
    assert all(f"{f} (export_tables, " in summary for f in files)


def test_forget_without_a_named_value_still_lists_only_the_quote_file(project, tmp_path):
    from workbench.export import export_tables

    files = export_tables(project, tmp_path / "tab", format="csv", user="forsker")
    report = forget(project, "Kari Nordmann", user="forsker")
    assert report.metadata_values == 0 and len(files) > 1
    assert [c["file"] for c in report.earlier_copies] == [str(tmp_path / "tab" / "sitater.csv")]


def test_forget_names_an_export_downloaded_from_the_app_by_its_name(project, tmp_path):
    """An export made on the Eksport page is written to a temporary folder that is gone right
    after (the file went to the user's downloads): the audit keeps the file's name and that it was
    downloaded from the app, and forget's list says so instead of naming the temporary folder."""
    from workbench.export import export_tables

    export_tables(project, tmp_path / "tmpx" / "tabeller.xlsx", user="forsker", via="app", charts=False)
    report = forget(project, "Kari Nordmann", user="forsker")
    (copy,) = report.earlier_copies
    assert copy["file"] == "tabeller.xlsx" and copy["via"] == "app" and copy["user"] == "forsker"
    assert "tmpx" not in report.summary()
    assert "  tabeller.xlsx (export_tables, lastet ned fra appen av forsker, " in report.summary()


def test_an_export_via_something_else_is_an_error(project, tmp_path):
    from workbench.errors import InputError
    from workbench.export import export_tables

    with pytest.raises(InputError, match="via='app'"):
        export_tables(project, tmp_path / "t.xlsx", user="forsker", via="epost")


def test_forget_leaves_out_a_table_export_without_quotes(db, tmp_path):
    """Tables exported before anything was coded hold counts only (an empty «Sitater» sheet): not
    a copy of the person."""
    from workbench.export import export_tables

    folder = tmp_path / "materiale"
    folder.mkdir()
    (folder / "intervju_fase2.txt").write_text(INTERVIEW, encoding="utf-8")
    (folder / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    assert not ingest_paths(db, [folder], user="forsker").errors
    export_tables(db, tmp_path / "tom.xlsx", charts=False, user="forsker")

    assert forget(db, "Kari Nordmann", user="forsker").earlier_copies == []


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_an_export_with_real_names_is_owner_only_as_a_backup(project, tmp_path):
    import stat

    from workbench.export import export_quotes, export_tables

    db = project
    revealed = export_quotes(db, tmp_path / "ekte.csv", code="tillit", reveal=True, user="forsker")
    tables = export_tables(db, tmp_path / "ekte_tabeller.xlsx", reveal=True, user="forsker")
    files = list(revealed) + list(tables)
    assert files and [stat.S_IMODE(Path(f).stat().st_mode) for f in files] == [0o600] * len(files)
