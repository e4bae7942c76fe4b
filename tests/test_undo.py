"""Undo ("Angre") of a coder's own coding actions, newest first, from the audit trail."""

from __future__ import annotations

import pytest

from tests.test_coding import FG, corpus  # noqa: F401  (fixture)
from workbench.coding import (accept_suggestion, add_memo, apply_code, list_codings, list_memos, list_suggestions,
                              reject_suggestion, remove_code, remove_coding, undo_last, undo_mark)
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


OTHER = "intervju_kdd_fase2.txt"


def test_undo_of_one_sessions_events_leaves_the_same_coders_other_window_alone(corpus):
    """Kari codes in two browser tabs; "Angre" in the first undoes the first tab's coding, named
    by its source and turn, never the second tab's (the command line still takes the newest)."""
    db = corpus["db"]
    tab_a = {apply_code(db, FG, 1, "kontrakt.hybrid", user="kari").event}
    tab_b = {apply_code(db, OTHER, 1, "kontrakt.hybrid", user="kari").event}
    done = undo_last(db, user="kari", events=tab_a)
    assert (done["action"], done["source"], done["turn"], done["code"]) == ("code", FG, 1, "kontrakt.hybrid")
    assert [(c.source, c.turn) for c in list_codings(db, coder="kari")] == [(OTHER, 1)]
    for session in (tab_a, set()):  # undone already; a session that did nothing
        with pytest.raises(NotFound) as exc:
            undo_last(db, user="kari", events=session)
        assert exc.value.code == "undo.nothing"
    assert undo_last(db, user="kari")["source"] == OTHER  # `workbench undo`: the newest action, any window
    assert tab_b and list_codings(db, coder="kari") == []


def test_every_coding_action_returns_the_event_that_undo_takes(corpus):
    db = corpus["db"]
    a, r = _suggest(db, 2, "kontrakt.relasjonell"), _suggest(db, 3, "styring.nettverk")
    session = {apply_code(db, FG, 1, "kontrakt.hybrid", user="kari").event}
    assert apply_code(db, FG, 1, "kontrakt.hybrid", user="kari").event is None  # there already: nothing to undo
    session |= {rec.event for rec in remove_code(db, FG, 1, "kontrakt.hybrid", user="kari")}
    span = apply_code(db, FG, 3, "styring.nettverk", user="kari", span=(0, 2))
    session |= {span.event, remove_coding(db, span.id, user="kari").event}
    session |= {accept_suggestion(db, a, user="kari").event, reject_suggestion(db, r, user="kari").event}
    assert None not in session and len(session) == 6
    apply_code(db, FG, 2, "styring.nettverk", user="kari")  # another window
    actions = [undo_last(db, user="kari", events=session)["action"] for _ in range(6)]
    assert actions == ["reject", "accept", "uncode", "code", "uncode", "code"]
    assert _mine(db) == [(2, "styring.nettverk", None, None, "manual")]
    assert sorted(s.id for s in list_suggestions(db, source=FG)) == sorted([a, r])


def _memos(db):
    return [(m.author, m.text, m.created_at, m.turn, m.code) for m in list_memos(db, source=FG)]


@pytest.mark.parametrize("how", ["remove_code", "remove_coding"])
def test_undo_of_a_removal_puts_back_the_codings_memos(corpus, how):
    db = corpus["db"]
    rec = apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", memo="viktig notat")
    add_memo(db, "Ola ser det annerledes", user="ola", coding_id=rec.id)
    before = _memos(db)
    assert [m[:2] for m in before] == [("kari", "viktig notat"), ("ola", "Ola ser det annerledes")]
    if how == "remove_code":
        remove_code(db, FG, 2, "kontrakt.hybrid", user="kari")
    else:
        remove_coding(db, rec.id, user="kari")
    assert _memos(db) == []
    done = undo_last(db, user="kari")
    assert (done["action"], done["memos"]) == ("uncode", 2)
    assert _memos(db) == before  # same authors, texts and times
    assert list_codings(db, coder="kari")[0].memo == "viktig notat\nOla ser det annerledes"
    undo_last(db, user="kari")  # then the coding itself goes, with its memos
    assert _memos(db) == [] and _mine(db) == []


def test_two_windows_undoing_one_removal_at_once_put_it_back_once(corpus):
    from concurrent.futures import ThreadPoolExecutor

    db = corpus["db"]
    rec = apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", memo="viktig notat")
    session = {remove_coding(db, rec.id, user="kari").event}

    def undo(_):
        try:
            return undo_last(db, user="kari", events=session)["action"]
        except NotFound as exc:
            return exc.code

    with ThreadPoolExecutor(4) as pool:
        outcomes = sorted(pool.map(undo, range(4)))
    assert outcomes == ["uncode"] + ["undo.nothing"] * 3
    assert _mine(db) == [(2, "kontrakt.hybrid", None, None, "manual")]
    assert [m[1] for m in _memos(db)] == ["viktig notat"]


def _audit_text(db) -> str:
    import json

    from workbench.store import AuditEvent

    with db.session() as s:
        return json.dumps([ev.detail for ev in s.query(AuditEvent)], ensure_ascii=False)


def test_memos_kept_for_undo_go_with_a_removed_source(corpus):
    from workbench.lifecycle import remove_source

    db = corpus["db"]
    gone = apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", memo="hemmelig notat om kilden")
    kept = apply_code(db, OTHER, 2, "kontrakt.hybrid", user="kari", memo="notat om intervjuet")
    remove_coding(db, gone.id, user="kari")
    remove_coding(db, kept.id, user="kari")
    assert "hemmelig notat om kilden" in _audit_text(db)
    remove_source(db, FG, user="oppsett")
    assert "hemmelig notat om kilden" not in _audit_text(db)
    assert undo_last(db, user="kari")["memos"] == 1  # the other source's removal comes back whole
    assert [m.text for m in list_memos(db, source=OTHER)] == ["notat om intervjuet"]


@pytest.mark.parametrize("scope", ["person", "source"])
def test_memos_kept_for_undo_go_with_a_withdrawn_participant(corpus, scope):
    """A memo on a coding of a withdrawn person's turn is deleted by ``forget``; its copy kept
    for undo goes too. The copies on other turns stay (their name scrubbed, as in live memos)."""
    from workbench.lifecycle import forget
    from workbench.store import Speaker

    db = corpus["db"]
    with db.transaction("oppsett") as tx:
        src = tx.session.query(Source).filter(Source.file_name == FG).one()
        for seg in src.segments:
            label = {2: "Berit Fjellvang", 3: "Ordfører"}.get(seg.index, "Moderator")
            speaker = tx.session.query(Speaker).filter_by(source_id=src.id, label=label).one_or_none()
            if speaker is None:
                speaker = Speaker(source_id=src.id, label=label, actor="prosjektleder")
                tx.session.add(speaker)
                tx.session.flush()
            seg.speaker_id = speaker.id
    theirs = apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", memo="Sa noe privat om helsa")
    other = apply_code(db, FG, 3, "kontrakt.hybrid", user="kari", memo="Svarer Berit Fjellvang")
    remove_coding(db, theirs.id, user="kari")
    remove_coding(db, other.id, user="kari")
    forget(db, "Berit Fjellvang", source=FG if scope == "source" else None, user="oppsett")
    trail = _audit_text(db)
    assert "Sa noe privat om helsa" not in trail
    assert ("Berit Fjellvang" in trail) == (scope == "source")  # only the person is scrubbed everywhere
    assert undo_last(db, user="kari")["memos"] == 1
    assert [m.text for m in list_memos(db, source=FG)] == (
        ["Svarer Berit Fjellvang"] if scope == "source" else ["Svarer [navn]"])


def _ids(db, coder="kari"):
    return sorted((c.id, c.turn, c.start, c.end, c.memo) for c in list_codings(db, coder=coder))


@pytest.mark.parametrize("how", ["cli", "app"])
def test_one_undo_puts_back_every_coding_one_removal_took(corpus, how):
    """Removing a code from a turn takes the coder's whole-turn coding and both spans of it: one
    undo (the command line's, or the app's with the removal's events) brings all three back,
    with their ids and memos, and says how many came back."""
    db = corpus["db"]
    apply_code(db, FG, 2, "kontrakt.relasjonell", user="kari", span=(0, 6), memo="første utdrag")
    apply_code(db, FG, 2, "kontrakt.relasjonell", user="kari", span=(10, 20))
    apply_code(db, FG, 2, "kontrakt.relasjonell", user="kari", memo="hele turen")
    apply_code(db, FG, 3, "kontrakt.relasjonell", user="ola")  # another coder's, untouched
    before = _ids(db)
    removed = remove_code(db, FG, 2, "kontrakt.relasjonell", user="kari")
    assert len(removed) == 3 and _ids(db) == []
    events = {r.event for r in removed} if how == "app" else None
    done = undo_last(db, user="kari", events=events)
    assert (done["action"], done["turn"], done["codings"], done["memos"]) == ("uncode", 2, 3, 2)
    assert _ids(db) == before
    if how == "cli":  # the next undo goes on to the newest coding made (the whole turn), not a restored one
        assert undo_last(db, user="kari")["action"] == "code"
        assert [(turn, start) for _, turn, start, _, _ in _ids(db)] == [(2, 0), (2, 10)]
    else:  # the tab did nothing else
        with pytest.raises(NotFound):
            undo_last(db, user="kari", events=events)
        assert _ids(db) == before
    assert len(list_codings(db, coder="ola")) == 1


def test_a_removal_of_one_coding_still_undoes_alone(corpus):
    db = corpus["db"]
    apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", span=(0, 6))
    apply_code(db, FG, 2, "kontrakt.hybrid", user="kari")
    remove_code(db, FG, 2, "kontrakt.hybrid", user="kari", span=(0, 6))
    [whole] = list_codings(db, coder="kari")
    remove_coding(db, whole.id, user="kari")
    done = undo_last(db, user="kari")
    assert (done["action"], done["codings"]) == ("uncode", 1)
    assert [(c.start, c.id) for c in list_codings(db, coder="kari")] == [(None, whole.id)]


def test_undone_removals_give_the_codings_back_their_ids(corpus):
    """A span (coded first) and the whole turn, removed one by one and put back by two undos: each
    has its old id again, so ids written down for `uncode --id` and `memo --coding` stay true,
    and the audit trail's "code coding N" always means one coding."""
    from workbench.store import AuditEvent

    db = corpus["db"]
    span = apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", span=(0, 6))
    whole = apply_code(db, FG, 2, "kontrakt.hybrid", user="kari")
    remove_coding(db, span.id, user="kari")
    remove_coding(db, whole.id, user="kari")
    undo_last(db, user="kari")
    undo_last(db, user="kari")
    assert sorted((c.id, c.start) for c in list_codings(db, coder="kari")) == [(span.id, 0), (whole.id, None)]
    with db.session() as s:  # made and put back: two "code" events per id, each time the same coding
        coded = [(int(ev.target_id), ev.detail["end_char"] - ev.detail["start_char"])
                 for ev in s.query(AuditEvent).filter(AuditEvent.action == "code")]
    assert sorted(coded) == sorted([(span.id, 6), (whole.id, len(whole.text))] * 2)
    add_memo(db, "notat på utdraget", user="kari", coding_id=span.id)  # the id written down still holds
    assert [c.memo for c in list_codings(db, coder="kari") if c.start == 0] == ["notat på utdraget"]
    later = apply_code(db, FG, 3, "kontrakt.hybrid", user="kari")  # new ids never collide with restored ones
    assert later.id not in {span.id, whole.id}


def test_an_undone_removal_whose_id_is_taken_gets_a_new_one(corpus):
    from workbench.store import Coding

    db = corpus["db"]
    rec = apply_code(db, FG, 2, "kontrakt.hybrid", user="kari", memo="notat")
    remove_coding(db, rec.id, user="kari")
    with db.transaction("oppsett") as tx:  # (SQLite gives a freed id to the next coding)
        seg = tx.session.query(Segment).join(Source).filter(Source.file_name == FG, Segment.index == 3).one()
        tx.session.add(Coding(id=rec.id, segment_id=seg.id, code_id="styring.nettverk", coder_id=tx.user.id,
                              start_char=seg.start_char, end_char=seg.end_char))
    assert undo_last(db, user="kari")["memos"] == 1
    [back] = list_codings(db, coder="kari")
    assert (back.turn, back.memo) == (2, "notat") and back.id != rec.id
    assert [(c.id, c.turn) for c in list_codings(db, coder="oppsett")] == [(rec.id, 3)]
