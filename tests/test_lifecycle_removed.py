"""What a removed source leaves behind (SQLite and PostgreSQL): the names of its speakers stay
scrubbed in the other sources until `anonymise` or `forget` erases them, neither of which may
leave a name in the pseudonym keys or the audit trail; a model trained on it goes with it; and
undo never puts a coding back on a withdrawn turn. All people in the corpus are fictional."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from workbench.analysis import quotes
from workbench.cli import cli
from workbench.codebook import load_codebook
from workbench.coding import apply_code, list_codings, remove_coding, undo_last
from workbench.errors import WorkbenchError
from workbench.ingest import ingest_paths
from workbench.lifecycle import WITHDRAWN_TEXT, anonymise, forget, inventory, remove_source
from workbench.sharing import release_quote, released_quotes
from workbench.store import TrainedModel
from workbench.ui.messages import norwegian
from workbench.users import add_user

from .test_lifecycle import dump, words_in

KDD = ("Intervjuer: Hvordan følger departementet opp avtalene?\n\n"
       "Ingrid Solbakk: Vi har trettiåtte kommuner med i ordningen, og mye nybrottsarbeid.\n\n"
       "INFORMANT 1: Fylkeskommunen har vært en viktig partner for oss.\n")
FG = ("Moderator: Hvem hjalp dere med søknaden?\n\n"
      "Ole Hansen: Jeg ringte Ingrid i regionalpolitisk avdeling, og Marit svarte på e-posten.\n\n"
      "Ole Hansen: Styringen fra staten er blitt tydeligere.\n")
MANIFEST = ("file,kind,phase,pilot,date\n"
            "intervju_kdd.txt,intervju,fase 1,Fjellbygd,2024-03-12\n"
            "fg_prosjektledere.txt,fokusgruppe,fase 1,Fjellbygd,2024-03-14\n")
PARTICIPANTS = ("file,speaker,actor,organisation,pilot,name\n"
                "*,Moderator,forsker,SINTEF,,\n*,Intervjuer,forsker,SINTEF,,\n"
                "*,Ingrid Solbakk,KDD,Kommunal- og distriktsdepartementet,,\n"
                "intervju_kdd.txt,INFORMANT 1,fylkeskommune,Trøndelag fylkeskommune,,Marit Hølaas Vinje\n"
                "*,Ole Hansen,prosjektleder,Fjellbygd kommune,Fjellbygd,\n")
CODEBOOK = """\
name: fjernet
title: Test
language: nb
codes:
  styring:
    label: Styring
  kapasitet:
    label: Kapasitet
"""
NAMES = ["Ingrid", "Solbakk", "Marit", "Hølaas", "Vinje"]
KDD_FILE, FG_FILE = "intervju_kdd.txt", "fg_prosjektledere.txt"


@pytest.fixture
def project(db, tmp_path):
    folder = tmp_path / "materiale"
    folder.mkdir()
    (folder / KDD_FILE).write_text(KDD, encoding="utf-8")
    (folder / FG_FILE).write_text(FG, encoding="utf-8")
    (folder / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (folder / "participants.csv").write_text(PARTICIPANTS, encoding="utf-8")
    (tmp_path / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    report = ingest_paths(db, [folder], user="forsker")
    assert not report.errors, report.errors
    load_codebook(db, tmp_path / "kodebok.yaml", user="forsker")
    apply_code(db, FG_FILE, 2, "styring", user="forsker")
    apply_code(db, KDD_FILE, 2, "kapasitet", user="forsker")
    add_user(db, "rita", "report_author", password="rita-passord-2024", user="forsker")
    add_user(db, "gruppa", "resource_group", password="gruppa-passord-2024", user="forsker")
    return db


def test_names_of_a_removed_source_stay_scrubbed_in_the_others(project):
    db = project
    release_quote(db, FG_FILE, 2, "styring", user="forsker")
    remove_source(db, KDD_FILE, user="forsker")
    seen = quotes(db, code="styring", user="rita")["text"].tolist()
    assert seen == ["Jeg ringte [navn] i regionalpolitisk avdeling, og [navn] svarte på e-posten."]
    released_quote = released_quotes(db, user="gruppa")["text"].tolist()
    assert released_quote == seen  # re-scrubbed with today's roster: no worse than when released
    apply_code(db, FG_FILE, 2, "kapasitet", user="forsker")
    release_quote(db, FG_FILE, 2, "kapasitet", user="forsker")  # released after the removal
    assert not words_in("\n".join(released_quotes(db, user="gruppa")["text"]), NAMES)


def test_migration_0013_keeps_scrubbing_the_names_of_sources_removed_before(project):
    """A database where a source was removed before 0013: the names live only in pseudonym keys."""
    from sqlalchemy import text

    db = project
    remove_source(db, KDD_FILE, user="forsker")
    with db.transaction("forsker") as tx:
        tx.session.execute(text("DROP TABLE removed_speakers"))
        tx.session.execute(text("DROP TABLE login_tokens"))  # made by 0014, which the upgrade runs again
        tx.session.execute(text("DROP TABLE memo_drafts"))  # made by 0016, likewise
        tx.session.execute(text("UPDATE alembic_version SET version_num = '0012'"))
    db.upgrade()
    assert quotes(db, code="styring", user="rita")["text"].tolist() == [
        "Jeg ringte [navn] i regionalpolitisk avdeling, og Marit svarte på e-posten."]  # a roster 'name' was lost
    anonymise(db, permanent=True, user="forsker")
    assert words_in(dump(db), ["Ingrid", "Solbakk"]) == []


def test_inventory_shows_the_names_a_removed_source_left(project):
    db = project
    remove_source(db, KDD_FILE, user="forsker")
    inv = inventory(db, user="forsker")
    assert inv["removed_speakers"] == {"count": 3, "names": 2}  # Ingrid Solbakk; INFORMANT 1 (Marit) by name
    assert inv["pseudonym_keys_with_names"] >= 2  # Ingrid Solbakk's key, Ole Hansen's (still there)
    out = CliRunner().invoke(cli, ["--db", db.url, "--user", "forsker", "inventory"], obj={})
    assert out.exit_code == 0 and "Talere fra slettede kilder (navnene renses fortsatt): 3, 2 med navn" in out.output


def test_anonymise_after_remove_source_leaves_no_name_of_its_speakers(project):
    db = project
    remove_source(db, KDD_FILE, user="forsker")
    assert words_in(dump(db), ["Ingrid", "Solbakk"])  # in the pseudonym key, the ingest entry, Ole's turn
    anonymise(db, permanent=True, user="forsker")
    assert words_in(dump(db), NAMES + ["Ole", "Hansen"]) == []
    inv = inventory(db, user="forsker")
    assert inv["pseudonym_keys_with_names"] == 0 and inv["removed_speakers"]["count"] == 0


@pytest.mark.parametrize("who", ["Ingrid Solbakk", "Marit Hølaas Vinje"])
def test_forget_erases_a_person_who_only_spoke_in_a_removed_source(project, who):
    db = project
    remove_source(db, KDD_FILE, user="forsker")
    report = forget(db, who, user="forsker")
    assert report.removed_speakers == 1 and report.turns == 0 and report.name_mentions >= 1
    assert "slettede kilde" in report.summary()
    gone = [w for w in who.split()]
    assert words_in(dump(db), gone) == []
    other = ["Marit", "Hølaas", "Vinje"] if who.startswith("Ingrid") else ["Ingrid", "Solbakk"]
    assert words_in(dump(db), other[:1])  # the other person stays known (and scrubbed) until forgotten too
    with pytest.raises(WorkbenchError, match="no speaker"):
        forget(db, who, user="forsker")


def test_undo_never_puts_a_coding_back_on_a_withdrawn_turn(project):
    db = project
    add_user(db, "mari", "researcher", password="mari-passord-2024", user="forsker")
    apply_code(db, FG_FILE, 3, "styring", user="mari")
    apply_code(db, KDD_FILE, 2, "styring", user="mari")
    coding = next(c for c in list_codings(db, source=KDD_FILE) if c.coder == "mari")
    remove_coding(db, coding.id, user="mari")
    forget(db, "Ingrid Solbakk", user="forsker")
    for _ in range(2):  # the removal, then the coding: both on her turn
        with pytest.raises(WorkbenchError) as refused:
            undo_last(db, user="mari")
        assert refused.value.code == "undo.withdrawn"
        assert "er trukket" in norwegian(refused.value) and "tur 2" in norwegian(refused.value)
    turns = {(c.source, c.turn) for c in list_codings(db) if c.coder == "mari"}
    assert turns == {(FG_FILE, 3)}  # nothing came back on the withdrawn turn
    assert undo_last(db, user="mari")["turn"] == 3  # and undo goes on to the action before
    assert not [c for c in list_codings(db) if c.coder == "mari"]


def test_undo_of_a_removal_on_a_turn_withdrawn_before_this_fix_stays_refused(project):
    db = project
    add_user(db, "mari", "researcher", password="mari-passord-2024", user="forsker")
    apply_code(db, KDD_FILE, 2, "styring", user="mari")
    coding = next(c for c in list_codings(db, source=KDD_FILE) if c.coder == "mari")
    remove_coding(db, coding.id, user="mari")
    forget(db, "Ingrid Solbakk", user="forsker")
    from workbench.store import AuditEvent  # as a database forgotten in before the entries were marked
    with db.transaction("forsker") as tx:
        for ev in tx.session.query(AuditEvent).filter(AuditEvent.action == "uncode"):
            ev.detail = {k: v for k, v in ev.detail.items() if k != "withdrawn"}
    with pytest.raises(WorkbenchError, match="withdrawn"):
        undo_last(db, user="mari")
    assert all(c.turn != 2 for c in list_codings(db, source=KDD_FILE) if c.coder == "mari")
    assert any(t["text"] == WITHDRAWN_TEXT for t in _turns(db, KDD_FILE))


def _turns(db, source):
    from workbench.ingest import list_turns

    return list_turns(db, source, user="forsker")


def test_remove_source_drops_the_models_trained_while_it_was_there(project):
    db = project
    with db.transaction("forsker") as tx:
        old = dt.datetime(2000, 1, 1, tzinfo=dt.timezone.utc)  # trained before the source came
        tx.session.add(TrainedModel(method="model", blob=b"gammel", info={}, created_at=old))
        tx.session.add(TrainedModel(method="model", blob=b"trettiaatte kommune", info={}))
    assert inventory(db, user="forsker")["trained_models"] == 2
    out = CliRunner().invoke(cli, ["--db", db.url, "--user", "forsker", "remove-source", KDD_FILE, "--yes"], obj={})
    assert out.exit_code == 0, out.output
    assert "1 trente modeller slettet" in out.output and "modellen må trenes på nytt" in out.output
    assert inventory(db, user="forsker")["trained_models"] == 1
    assert "trettiaatte kommune" not in dump(db)
