"""Unsaved memos (memo drafts) on SQLite and PostgreSQL: kept per author and target, private to
their author, deleted when the memo is saved or the draft discarded, gone with their coding, turn
or source, and covered by forget, anonymise, remove_source and the inventory like memos are.
All people in the corpus are fictional (the corpus of tests/test_lifecycle.py)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from workbench.coding import (add_memo, discard_draft, get_draft, list_codings, list_drafts, list_memos,
                              remove_coding, save_draft)
from workbench.errors import InputError, NotFound, PermissionDenied
from workbench.lifecycle import anonymise, forget, inventory, remove_source
from workbench.store import MemoDraft
from workbench.users import add_user

from tests.test_lifecycle import db_memos, dump, project, words_in  # noqa: F401  (project is a fixture)

FG, IV = "fg_kari_nordmann.txt", "intervju_fase2.txt"
PASSWORD = "korrekt-hest-batteri"


def _rows(db) -> list[tuple[str, str, str]]:
    """(author, target, text) of every draft row."""
    from workbench.store import User

    with db.session() as s:
        return sorted((s.get(User, d.author_id).name, d.target, d.text) for d in s.scalars(select(MemoDraft)))


def test_a_draft_is_kept_as_typed_per_author_and_target_and_only_its_author_sees_it(project):
    db = project
    add_user(db, "kollega", "researcher", password=PASSWORD, user="forsker")
    add_user(db, "gruppa", "resource_group", password=PASSWORD, user="forsker")
    typed = "Kari Nordmann er tydelig her,\nmen  "
    rec = save_draft(db, typed, segment=(FG, 2), user="forsker")
    assert (rec.text, rec.target_type, rec.source, rec.turn) == (typed, "segment", FG, 2)
    assert get_draft(db, segment=(FG, 2), user="forsker").text == typed  # exactly as typed, spaces too
    # another user never sees it: not on the same target, not in a listing
    assert get_draft(db, segment=(FG, 2), user="kollega") is None
    assert list_drafts(db, user="kollega") == [] and list_drafts(db, source=FG, user="kollega") == []
    save_draft(db, "Min egen tanke.", segment=(FG, 2), user="kollega")
    assert get_draft(db, segment=(FG, 2), user="forsker").text == typed
    assert get_draft(db, segment=(FG, 2), user="kollega").text == "Min egen tanke."
    # the resource group is refused, and learns nothing
    for call in (lambda: get_draft(db, segment=(FG, 2), user="gruppa"), lambda: list_drafts(db, user="gruppa"),
                 lambda: save_draft(db, "x", segment=(FG, 2), user="gruppa"),
                 lambda: discard_draft(db, segment=(FG, 2), user="gruppa")):
        with pytest.raises(PermissionDenied):
            call()

    # one row per author and target: saving again replaces it
    save_draft(db, "Andre versjon.", segment=(FG, 2), user="forsker")
    save_draft(db, "Om hele kilden.", source=FG, user="forsker")
    save_draft(db, "Om koden.", code="tillit", user="forsker")
    assert _rows(db) == [("forsker", "code:tillit", "Om koden."), ("forsker", "segment:2", "Andre versjon."),
                         ("forsker", f"source:{_source_id(db, FG)}", "Om hele kilden."),
                         ("kollega", "segment:2", "Min egen tanke.")]
    assert [(d.target_type, d.target, d.text) for d in list_drafts(db, source=FG, user="forsker")] == [
        ("segment", f"{FG}#2", "Andre versjon."), ("source", FG, "Om hele kilden.")]
    assert [d.target_type for d in list_drafts(db, user="forsker")] == ["segment", "source", "code"]

    # saving the memo deletes the author's draft there, not the colleague's
    add_memo(db, "Andre versjon.", segment=(FG, 2), user="forsker")
    assert get_draft(db, segment=(FG, 2), user="forsker") is None
    assert get_draft(db, segment=(FG, 2), user="kollega").text == "Min egen tanke."
    # an empty text, or discarding, deletes it
    assert save_draft(db, "  \n", source=FG, user="forsker") is None
    assert get_draft(db, source=FG, user="forsker") is None
    assert discard_draft(db, code="tillit", user="forsker") is True
    assert discard_draft(db, code="tillit", user="forsker") is False
    assert _rows(db) == [("kollega", "segment:2", "Min egen tanke.")]
    # drafts are no memos: only the saved one is listed
    assert [m.text for m in list_memos(db, source=FG, user="forsker") if m.turn == 2] == [
        "Kari Nordmann er tydelig her.", "Andre versjon."]


def _source_id(db, name: str) -> int:
    from workbench.store import Source

    with db.session() as s:
        return s.scalar(select(Source.id).where(Source.file_name == name))


def test_a_draft_needs_one_target_that_exists(project):
    db = project
    with pytest.raises(InputError) as none:
        save_draft(db, "tekst", user="forsker")
    assert str(none.value) == ("a memo draft needs exactly one target: a coding, a turn (source and turn), a source "
                               "or a code; got none")
    with pytest.raises(InputError):
        get_draft(db, source=FG, code="tillit", user="forsker")
    with pytest.raises(NotFound):
        save_draft(db, "tekst", segment=(FG, 99), user="forsker")
    with pytest.raises(NotFound):
        discard_draft(db, coding_id=999999, user="forsker")
    assert _rows(db) == []


def test_a_draft_stays_on_the_turn_of_a_removed_coding_and_goes_with_its_source(project):
    db = project
    coding = next(c for c in list_codings(db) if c.source == IV and c.turn == 2)
    save_draft(db, "Om kodingen.", coding_id=coding.id, user="forsker")
    assert get_draft(db, coding_id=coding.id, user="forsker").turn == 2
    save_draft(db, "Om tur 2.", segment=(IV, 2), user="forsker")
    remove_coding(db, coding.id, user="forsker")
    # typed and not saved: kept on the coding's turn (joined to the draft there), never dropped with it
    assert get_draft(db, segment=(IV, 2), user="forsker").text == "Om tur 2.\n\nOm kodingen."
    assert [target.split(":")[0] for _, target, _ in _rows(db)] == ["segment"]
    discard_draft(db, segment=(IV, 2), user="forsker")
    save_draft(db, "Om tur 3.", segment=(FG, 3), user="forsker")
    save_draft(db, "Om kilden.", source=FG, user="forsker")
    fg_coding = next(c for c in list_codings(db) if c.source == FG and c.turn == 4)
    save_draft(db, "Om en koding i kilden.", coding_id=fg_coding.id, user="forsker")
    save_draft(db, "Om intervjuet.", source=IV, user="forsker")
    remove_source(db, FG, user="forsker")
    assert [text for _, _, text in _rows(db)] == ["Om intervjuet."]
    assert "Om tur 3." not in dump(db)


def test_forget_erases_the_drafts_on_her_turns_and_her_name_and_words_in_the_others(project):
    db = project
    kari_coding = next(c for c in list_codings(db) if c.source == FG and c.turn == 4)
    save_draft(db, "Kari sier noe viktig her.", segment=(FG, 2), user="forsker")        # her turn: goes
    save_draft(db, "Ring tilbake?", coding_id=kari_coding.id, user="forsker")            # a coding on her turn
    save_draft(db, "Ole svarer Kari Nordmann direkte.", segment=(FG, 3), user="forsker")  # her name: scrubbed
    save_draft(db, "Jfr. «brukt mye tid på boligprosjektet i Fjellbygd» i tur 2.", segment=(FG, 5),
               user="forsker")                                                              # her words: [trukket]
    assert inventory(db, user="forsker")["memo_drafts"] == {"count": 4, "naming_participants": 2}

    fg = _source_id(db, FG)  # (the file name holds her name: it is scrubbed too)
    report = forget(db, "Kari Nordmann", user="forsker")

    assert report.drafts == 2 and "2 ulagrede notatutkast på personens turer er slettet." in report.summary()
    assert report.memos_quoting == 1
    assert get_draft(db, segment=(fg, 3), user="forsker").text == "Ole svarer [navn] direkte."
    assert get_draft(db, segment=(fg, 5), user="forsker").text == "Jfr. «[trukket]» i tur 2."
    assert len(_rows(db)) == 2
    text = dump(db)
    assert words_in(text, ["Kari", "Nordmann"]) == [] and "boligprosjektet" not in text
    assert inventory(db, user="forsker")["memo_drafts"] == {"count": 2, "naming_participants": 1}  # Ole


def test_forget_in_one_source_erases_her_words_in_drafts_too(project):
    db = project
    save_draft(db, "Jfr. «brukt mye tid på boligprosjektet i Fjellbygd».", source=IV, user="forsker")
    forget(db, "Kari Nordmann", source=FG, user="forsker")
    assert get_draft(db, source=IV, user="forsker").text == "Jfr. «[trukket]»."


def test_anonymise_scrubs_every_draft(project):
    db = project
    add_user(db, "kollega", "researcher", password=PASSWORD, user="forsker")
    save_draft(db, "Ole Hansen og Kari Nordmann er uenige; ring 412 34 567.", source=IV, user="kollega")
    save_draft(db, "Ingen navn her.", segment=(IV, 2), user="forsker")
    report = anonymise(db, permanent=True, user="forsker")
    assert report.drafts == 1 and "1 notatutkast" in report.summary()
    assert get_draft(db, source=IV, user="kollega").text == "[navn] og [navn] er uenige; ring [telefon]."
    assert get_draft(db, segment=(IV, 2), user="forsker").text == "Ingen navn her."
    assert words_in(dump(db), ["Kari", "Nordmann", "Ole", "Hansen"]) == []


def test_the_cli_inventory_counts_drafts(project):
    from click.testing import CliRunner

    from workbench.cli import cli

    save_draft(project, "Kari Nordmann ...", source=IV, user="forsker")
    out = CliRunner().invoke(cli, ["--db", project.url, "--user", "forsker", "inventory"], obj={})
    assert out.exit_code == 0, out.output
    assert "Ulagrede notatutkast (bare forfatteren ser dem): 1, 1 nevner deltakere ved navn" in out.output


def test_a_draft_on_a_merged_code_follows_it_and_joins_its_authors_draft_there(project):
    from workbench.codebook import merge_codes

    db = project
    add_user(db, "kollega", "researcher", password=PASSWORD, user="forsker")
    save_draft(db, "Om tillit.", code="tillit", user="forsker")
    save_draft(db, "Kollegas om tillit.", code="tillit", user="kollega")
    save_draft(db, "Kollegas om kapasitet.", code="kapasitet", user="kollega")
    merge_codes(db, "tillit", "kapasitet", user="forsker")
    assert get_draft(db, code="kapasitet", user="forsker").text == "Om tillit."
    # kollega had a draft on both codes: one draft now, with both texts (an unsaved text is never dropped)
    assert get_draft(db, code="kapasitet", user="kollega").text == "Kollegas om kapasitet.\n\nKollegas om tillit."
    assert _rows(db) == [("forsker", "code:kapasitet", "Om tillit."),
                         ("kollega", "code:kapasitet", "Kollegas om kapasitet.\n\nKollegas om tillit.")]


def test_a_draft_on_a_coding_a_merge_folds_away_moves_to_the_coding_kept(project):
    """Two codings of one coder on the same turn and span, merged: the one dropped took its
    author's unsaved memo with it (ON DELETE CASCADE) until the merge moved drafts too."""
    from workbench.codebook import merge_codes
    from workbench.coding import apply_code

    db = project
    dropped = apply_code(db, FG, 2, "tillit", user="forsker")
    kept = apply_code(db, FG, 2, "kapasitet", user="forsker")
    save_draft(db, "Utkast om tillit.", coding_id=dropped.id, user="forsker")
    merge_codes(db, "tillit", "kapasitet", user="forsker")
    assert get_draft(db, coding_id=kept.id, user="forsker").text == "Utkast om tillit."
    assert _rows(db) == [("forsker", f"coding:{kept.id}", "Utkast om tillit.")]


def test_undo_of_a_coding_keeps_the_memo_typed_on_it_as_a_draft_on_its_turn(project):
    """Angre after typing a memo on the new coding (kept as a draft, not saved) deleted the text with
    the coding, and nothing said so."""
    from workbench.coding import apply_code, undo_last

    db = project
    before = len(list_codings(db))
    rec = apply_code(db, FG, 3, "tillit", user="forsker", span=(0, 5))  # a new span coding
    assert len(list_codings(db)) == before + 1
    save_draft(db, "Viktig poeng om tillit.", coding_id=rec.id, user="forsker")
    undo_last(db, user="forsker")
    assert len(list_codings(db)) == before
    assert get_draft(db, segment=(FG, 3), user="forsker").text == "Viktig poeng om tillit."

