"""Undo ("Angre") of a coder's own coding actions, newest first, from the audit trail."""

from __future__ import annotations

import pytest

from tests.test_coding import FG, corpus  # noqa: F401  (fixture)
from workbench.coding import (accept_suggestion, apply_code, list_codings, list_suggestions, reject_suggestion,
                              remove_code, undo_last, undo_mark)
from workbench.errors import NotFound, WorkbenchError
from workbench.store import Segment, Source, Suggestion


def _suggest(db, turn: int, code: str) -> int:
    with db.transaction("oppsett") as tx:
        seg = tx.session.query(Segment).join(Source).filter(Source.file_name == FG, Segment.index == turn).one()
        s = Suggestion(segment_id=seg.id, code_id=code, method="model", score=0.8, evidence=[], status="pending")
        tx.session.add(s)
        tx.session.flush()
        return s.id


def _mine(db, coder="kari"):
    return [(c.turn, c.code, c.start, c.end, c.origin) for c in list_codings(db, coder=coder)]


def test_undo_walks_back_a_coders_actions_newest_first_and_then_stops(corpus):
    db = corpus["db"]
    apply_code(db, FG, 1, "kontrakt.hybrid", user="kari")
    apply_code(db, FG, 2, "kontrakt.relasjonell", user="kari", span=(0, 6))
    remove_code(db, FG, 1, "kontrakt.hybrid", user="kari")
    assert _mine(db) == [(2, "kontrakt.relasjonell", 0, 6, "manual")]

    assert undo_last(db, user="kari")["action"] == "uncode"       # the removal: the coding is back
    assert _mine(db) == [(1, "kontrakt.hybrid", None, None, "manual"), (2, "kontrakt.relasjonell", 0, 6, "manual")]
    done = undo_last(db, user="kari")                              # the span coding goes
    assert (done["action"], done["turn"], done["code"]) == ("code", 2, "kontrakt.relasjonell")
    assert _mine(db) == [(1, "kontrakt.hybrid", None, None, "manual")]
    undo_last(db, user="kari")                                     # the first coding goes too
    assert _mine(db) == []
    with pytest.raises(NotFound) as exc:
        undo_last(db, user="kari")
    assert exc.value.code == "undo.nothing"


def test_undo_does_not_reach_before_the_mark_nor_touch_other_coders(corpus):
    db = corpus["db"]
    apply_code(db, FG, 1, "kontrakt.hybrid", user="kari")
    mark = undo_mark(db, user="kari")
    apply_code(db, FG, 2, "kontrakt.hybrid", user="ola")
    apply_code(db, FG, 3, "styring.nettverk", user="kari")
    undo_last(db, user="kari", since=mark)
    assert _mine(db) == [(1, "kontrakt.hybrid", None, None, "manual")]
    assert _mine(db, "ola") == [(2, "kontrakt.hybrid", None, None, "manual")]
    with pytest.raises(NotFound):
        undo_last(db, user="kari", since=mark)


def test_undo_of_accept_and_reject_makes_the_suggestion_pending_again(corpus):
    db = corpus["db"]
    a, r = _suggest(db, 2, "kontrakt.relasjonell"), _suggest(db, 3, "styring.nettverk")
    accept_suggestion(db, a, user="kari")
    reject_suggestion(db, r, user="kari")
    assert undo_last(db, user="kari")["action"] == "reject"
    assert undo_last(db, user="kari")["action"] == "accept"
    assert _mine(db) == []
    assert sorted(s.id for s in list_suggestions(db, source=FG)) == sorted([a, r])
    with pytest.raises(NotFound):  # the coding the accept made was undone with it
        undo_last(db, user="kari")


def test_undo_of_an_accept_keeps_a_coding_made_by_hand_before(corpus):
    db = corpus["db"]
    apply_code(db, FG, 2, "kontrakt.relasjonell", user="kari")
    accept_suggestion(db, _suggest(db, 2, "kontrakt.relasjonell"), user="kari")
    undo_last(db, user="kari")
    assert _mine(db) == [(2, "kontrakt.relasjonell", None, None, "manual")]


def _retire(db, code_id):  # as a codebook load does with a code in use that the file no longer has
    from workbench.store import Code

    with db.transaction("oppsett") as tx:
        tx.session.get(Code, code_id).retired = True


def test_undo_puts_back_a_coding_of_a_code_retired_since(corpus):
    """The coding was made before the code was retired; removing it and undoing the removal must
    give it back as it was, under its code, not lose it."""
    db = corpus["db"]
    apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", span=(0, 10))
    _retire(db, "kontrakt.hybrid")
    remove_code(db, FG, 2, "kontrakt.hybrid", user="kari")
    assert _mine(db) == []
    done = undo_last(db, user="kari")
    assert (done["action"], done["code"]) == ("uncode", "kontrakt.hybrid")
    assert _mine(db) == [(2, "kontrakt.hybrid", 0, 10, "manual")]
    with pytest.raises(WorkbenchError) as exc:  # a new coding of the retired code is still refused
        apply_code(db, FG, 3, "kontrakt.hybrid", user="kari")
    assert exc.value.code == "code.retired"


def test_undo_of_a_removal_whose_code_was_deleted_since_says_so_and_changes_nothing(corpus):
    from workbench.store import Code

    db = corpus["db"]
    apply_code(db, FG, 2, "kontrakt.hybrid", user="kari")
    remove_code(db, FG, 2, "kontrakt.hybrid", user="kari")
    with db.transaction("oppsett") as tx:  # a later codebook load drops the code nobody uses any more
        tx.session.delete(tx.session.get(Code, "kontrakt.hybrid"))
    with pytest.raises(WorkbenchError) as exc:
        undo_last(db, user="kari")
    assert exc.value.code == "undo.changed"
    assert "code 'kontrakt.hybrid' has been deleted from the codebook since; put it back" in str(exc.value)
    assert _mine(db) == []


def test_undo_refuses_when_someone_changed_the_coding_since(corpus):
    db = corpus["db"]
    apply_code(db, FG, 1, "kontrakt.hybrid", user="kari")
    remove_code(db, FG, 1, "kontrakt.hybrid", user="ola", coder="kari")  # a colleague removed it
    with pytest.raises(WorkbenchError) as exc:
        undo_last(db, user="kari")
    assert exc.value.code == "undo.changed"
