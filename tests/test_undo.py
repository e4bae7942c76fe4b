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


@pytest.mark.parametrize("how", ["cli", "app"])
def test_a_coding_a_colleague_removed_is_skipped_naming_them_and_undo_goes_on(corpus, how):
    """Ola removed one of Kari's codings: undoing it is skipped with a message naming the turn,
    the code and Ola, and the next undo reaches Kari's action before it (it was stuck for good)."""
    from workbench.ui.messages import norwegian

    db = corpus["db"]
    session = {apply_code(db, FG, 3, "kontrakt.hybrid", user="kari").event,
               apply_code(db, FG, 3, "kontrakt.relasjonell", user="kari").event}
    remove_code(db, FG, 3, "kontrakt.relasjonell", user="ola", coder="kari")  # a colleague removed it
    events = session if how == "app" else None
    with pytest.raises(WorkbenchError) as exc:
        undo_last(db, user="kari", events=events)
    assert exc.value.code == "undo.removed_since"
    assert "ola removed the coding 'kontrakt.relasjonell' on turn 3" in str(exc.value)
    assert norwegian(exc.value).startswith("Kodingen «Relasjonell kontrakt» på tur 3 i "
                                           f"«{FG}» kan ikke angres: ola har fjernet den siden.")
    done = undo_last(db, user="kari", events=events)  # goes on to the action before
    assert (done["action"], done["code"]) == ("code", "kontrakt.hybrid")
    assert _mine(db) == []
    with pytest.raises(NotFound):
        undo_last(db, user="kari", events=events)


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
    with pytest.raises(WorkbenchError) as exc:  # undoing the coding itself would delete Ola's memo: it stays
        undo_last(db, user="kari")
    assert exc.value.code == "undo.others_memos"
    assert _memos(db) == before and len(_mine(db)) == 1


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


def test_undo_after_accept_then_removal_gets_back_to_the_pending_suggestion(corpus):
    """Godta, remove that code, Angre twice: no coding is left and the suggestion is pending and
    listed again (the coding put back by the first undo kept its suggestion, so the second undo
    removes it)."""
    db = corpus["db"]
    sid = _suggest(db, 2, "kontrakt.relasjonell")
    session = {accept_suggestion(db, sid, user="kari").event}
    session |= {r.event for r in remove_code(db, FG, 2, "kontrakt.relasjonell", user="kari")}
    assert undo_last(db, user="kari", events=session)["action"] == "uncode"
    assert _mine(db) == [(2, "kontrakt.relasjonell", None, None, "model")]
    done = undo_last(db, user="kari", events=session)
    assert (done["action"], done["codings"]) == ("accept", 1)
    assert _mine(db) == []
    assert [s.id for s in list_suggestions(db, source=FG)] == [sid]


@pytest.mark.parametrize("how", ["cli", "app"])
def test_undoing_a_coding_with_a_colleagues_memo_keeps_it_and_names_the_author(corpus, how):
    from workbench.ui.messages import norwegian

    db = corpus["db"]
    rec = apply_code(db, FG, 3, "kontrakt.hybrid", user="anna", memo="annas notat")
    add_memo(db, "bjorns notat på annas koding", user="bjorn", coding_id=rec.id)
    with pytest.raises(WorkbenchError) as exc:
        undo_last(db, user="anna", events={rec.event} if how == "app" else None)
    assert exc.value.code == "undo.others_memos" and "memos by bjorn" in str(exc.value)
    assert "bjorn har skrevet notat på den" in norwegian(exc.value)
    assert [(m.author, m.text) for m in list_memos(db, source=FG)] == [
        ("anna", "annas notat"), ("bjorn", "bjorns notat på annas koding")]
    assert [c.id for c in list_codings(db, coder="anna")] == [rec.id]
    with pytest.raises(NotFound):  # skipped: nothing before it
        undo_last(db, user="anna")
    # only her own memo: the coding goes with it, as before
    mine = apply_code(db, FG, 2, "kontrakt.hybrid", user="anna", memo="bare mitt")
    assert undo_last(db, user="anna")["action"] == "code"
    assert mine.id not in [c.id for c in list_codings(db, coder="anna")]


def _konsensus(db):
    return [(c.turn, c.code) for c in list_codings(db, coder="konsensus")]


def _last_consensus(db):
    from workbench.store import AuditEvent

    with db.session() as s:
        ev = s.query(AuditEvent).filter(AuditEvent.action == "consensus").order_by(AuditEvent.id.desc()).first()
        return ev.target_type, ev.detail["before"], ev.detail["after"]


def test_one_undo_takes_back_a_whole_consensus_step_as_a_consensus_entry(corpus):
    from workbench.agreement import agreement_coders, consensus_turn_ids, record_consensus

    db = corpus["db"]
    apply_code(db, FG, 3, "kontrakt.hybrid", user="kari")
    record_consensus(db, FG, 3, ["kontrakt.relasjonell"], user="kari")
    record_consensus(db, FG, 3, ["styring.nettverk"], user="kari")
    done = undo_last(db, user="kari")
    assert (done["action"], done["turn"], done["consensus"]) == ("consensus", 3, ["kontrakt.relasjonell"])
    assert _konsensus(db) == [(3, "kontrakt.relasjonell")]
    assert _last_consensus(db) == ("segment", ["styring.nettverk"], ["kontrakt.relasjonell"])
    done = undo_last(db, user="kari")  # the turn's first consensus: the turn has none again
    assert (done["action"], done["consensus"]) == ("consensus", None)
    assert _konsensus(db) == []
    with db.session() as s:
        assert consensus_turn_ids(s) == set()
    assert "konsensus" not in agreement_coders(db, user="kari")
    done = undo_last(db, user="kari")  # then her own coding, never a consensus coding
    assert (done["action"], done["code"]) == ("code", "kontrakt.hybrid")
    assert list_codings(db) == []


def test_undoing_a_consensus_someone_replaced_since_is_skipped_naming_them(corpus):
    from workbench.agreement import record_consensus
    from workbench.ui.messages import norwegian

    db = corpus["db"]
    record_consensus(db, FG, 3, ["kontrakt.relasjonell"], user="kari")
    record_consensus(db, FG, 3, "-", user="bjorn")  # bjorn records that no code applies
    with pytest.raises(WorkbenchError) as exc:
        undo_last(db, user="kari")
    assert exc.value.code == "undo.consensus_changed" and "bjorn has recorded another consensus" in str(exc.value)
    assert "bjorn har registrert en ny konsensus" in norwegian(exc.value)
    assert _konsensus(db) == [] and _last_consensus(db) == ("segment", ["kontrakt.relasjonell"], [])
    done = undo_last(db, user="bjorn")  # bjorn's own step goes back to kari's consensus
    assert done["consensus"] == ["kontrakt.relasjonell"] and _konsensus(db) == [(3, "kontrakt.relasjonell")]


def test_undoing_a_consensus_whose_codings_someone_removed_since_names_them(corpus):
    """No consensus was recorded on the turn since, but ola removed a konsensus coding there by
    hand (``uncode --coder konsensus``): the skip names ola from the audit trail, never "someone"."""
    from workbench.agreement import record_consensus
    from workbench.ui.messages import norwegian

    db = corpus["db"]
    record_consensus(db, FG, 3, ["kontrakt.relasjonell", "styring.nettverk"], user="kari")
    remove_code(db, FG, 3, "styring.nettverk", user="ola", coder="konsensus")
    with pytest.raises(WorkbenchError) as exc:
        undo_last(db, user="kari")
    assert exc.value.code == "undo.consensus_removed" and exc.value.params["who"] == "ola"
    assert "ola has removed the agreed code 'styring.nettverk' from turn 3" in str(exc.value)
    assert "someone" not in str(exc.value) and "another consensus" not in str(exc.value)
    assert "ola har fjernet den omforente koden «Nettverksstyring»" in norwegian(exc.value)
    assert "ny konsensus" not in norwegian(exc.value)
    assert _konsensus(db) == [(3, "kontrakt.relasjonell")]  # nothing changed


def test_undoing_a_consensus_after_a_code_merge_names_the_merge_and_who_did_it(corpus):
    """Ola only merged a code of kari's consensus into another: the skip says so (who, which code
    into which), never that ola recorded another consensus."""
    from workbench.agreement import record_consensus
    from workbench.codebook.store import merge_codes
    from workbench.ui.messages import norwegian

    db = corpus["db"]
    record_consensus(db, FG, 3, ["kontrakt.relasjonell", "styring.nettverk"], user="kari")
    merge_codes(db, "kontrakt.relasjonell", "kontrakt.hybrid", user="ola")
    with pytest.raises(WorkbenchError) as exc:
        undo_last(db, user="kari")
    text = str(exc.value)
    assert exc.value.code == "undo.consensus_merged" and exc.value.params["who"] == "ola"
    assert "ola has merged the code 'kontrakt.relasjonell' into 'kontrakt.hybrid' since" in text, text
    assert "another consensus" not in text and "\n" not in text
    no = norwegian(exc.value)
    assert "ola har slått sammen koden «Relasjonell kontrakt» med «Hybrid kontrakt»" in no, no
    assert "ny konsensus" not in no and "noen andre" not in no
    assert _konsensus(db) == [(3, "kontrakt.hybrid"), (3, "styring.nettverk")]  # nothing changed
    with pytest.raises(NotFound):  # the step is used up: nothing older of kari's to undo
        undo_last(db, user="kari")


def test_record_consensus_gives_its_event_so_that_a_sessions_undo_takes_back_the_step(corpus):
    """The app's "Angre" undoes only its own session's events: record_consensus says which entry
    is the step (``event``), and undo_last(events=...) takes it back as a whole, naming its codes."""
    from workbench.agreement import ConsensusRecords, record_consensus

    db = corpus["db"]
    apply_code(db, FG, 3, "kontrakt.hybrid", user="kari")
    records = record_consensus(db, FG, 3, ["kontrakt.relasjonell", "styring.nettverk"], user="kari")
    assert isinstance(records, ConsensusRecords) and records.event is not None
    assert [r.code for r in records] == ["kontrakt.relasjonell", "styring.nettverk"]
    assert _last_consensus(db) == ("segment", [], ["kontrakt.relasjonell", "styring.nettverk"])
    nothing = record_consensus(db, FG, 2, "-", user="kari")  # no code applies: still an event
    assert nothing == [] and nothing.event > records.event

    done = undo_last(db, user="kari", events={records.event})
    assert (done["action"], done["turn"], done["undone"], done["consensus"], done["codings"]) == (
        "consensus", 3, ["kontrakt.relasjonell", "styring.nettverk"], None, 2)
    assert _konsensus(db) == []
    with pytest.raises(NotFound):  # nothing else of that session's
        undo_last(db, user="kari", events={records.event})
    done = undo_last(db, user="kari", events={nothing.event})
    assert (done["action"], done["turn"], done["undone"], done["consensus"]) == ("consensus", 2, [], None)
    assert _mine(db) == [(3, "kontrakt.hybrid", None, None, "manual")]  # not in the session's events


def _made_last_year(db, coding_id: int):
    """Date a coding back (as one made long ago): returns its created_at (aware, UTC)."""
    import datetime as dt

    from workbench.store import Coding

    when = dt.datetime(2023, 4, 18, 9, 30, 15, 123456, tzinfo=dt.timezone.utc)
    with db.transaction("oppsett") as tx:
        tx.session.get(Coding, coding_id).created_at = when
    return when


def _created(db, coder="kari"):
    """Coding id -> created_at as an aware datetime (SQLite gives naive UTC, PostgreSQL the session's zone)."""
    import datetime as dt

    return {c.id: dt.datetime.fromisoformat(c.to_dict()["created_at"]) for c in list_codings(db, coder=coder)}


def test_an_undone_removal_puts_the_coding_back_with_its_original_created_at(corpus):
    db = corpus["db"]
    one = apply_code(db, FG, 1, "kontrakt.hybrid", user="kari")
    whole = apply_code(db, FG, 2, "styring.nettverk", user="kari")
    span = apply_code(db, FG, 2, "styring.nettverk", user="kari", span=(0, 6))
    first = _made_last_year(db, one.id)
    before = _created(db)
    assert before[one.id] == first and before[one.id].microsecond == 123456

    removed = remove_coding(db, one.id, user="kari")
    assert removed.created_at is not None
    undo_last(db, user="kari")
    assert _created(db) == before and _created(db)[one.id] == first

    assert len(remove_code(db, FG, 2, "styring.nettverk", user="kari")) == 2  # one action, two codings
    undo_last(db, user="kari")
    assert _created(db) == before and {whole.id, span.id} <= set(before)


def test_a_consensus_coding_put_back_by_undo_keeps_its_created_at(corpus):
    from workbench.agreement import record_consensus

    db = corpus["db"]
    [agreed] = record_consensus(db, FG, 3, ["kontrakt.relasjonell"], user="kari")
    first = _made_last_year(db, agreed.id)
    record_consensus(db, FG, 3, ["styring.nettverk"], user="kari")  # removes the first one
    undo_last(db, user="kari")
    assert _created(db, "konsensus") == {agreed.id: first}


def test_a_removal_recorded_before_created_at_was_kept_comes_back_made_now(corpus):
    """Removals audited before this version kept no created_at: undo puts the coding back as made now."""
    import datetime as dt

    from workbench.store import AuditEvent

    db = corpus["db"]
    one = apply_code(db, FG, 1, "kontrakt.hybrid", user="kari")
    _made_last_year(db, one.id)
    removed = remove_coding(db, one.id, user="kari")
    with db.transaction("oppsett") as tx:
        ev = tx.session.get(AuditEvent, removed.event)
        assert dt.datetime.fromisoformat(ev.detail["created_at"]) == dt.datetime(2023, 4, 18, 9, 30, 15, 123456,
                                                                                 tzinfo=dt.timezone.utc)
        ev.detail = {k: v for k, v in ev.detail.items() if k != "created_at"}  # as an older entry
    start = dt.datetime.now(dt.timezone.utc)
    undo_last(db, user="kari")
    assert _created(db)[one.id] >= start - dt.timedelta(seconds=5)


def test_one_undo_removes_a_whole_csv_import(corpus, tmp_path):
    from workbench.coding import code_from_csv

    db = corpus["db"]
    apply_code(db, FG, 1, "styring.nettverk", user="kari")
    path = tmp_path / "codings.csv"
    path.write_text("source,turn,code,memo\n" + "".join(
        f"{FG},{t},kontrakt.hybrid,notat {t}\n" for t in (1, 2, 3)) + f"{OTHER},1,kontrakt.hybrid,\n", encoding="utf-8")
    assert code_from_csv(db, path, user="kari") == 4
    done = undo_last(db, user="kari")
    assert (done["action"], done["import"], done["codings"], done["kept"]) == ("code", "codings.csv", 4, 0)
    assert _mine(db) == [(1, "styring.nettverk", None, None, "manual")]
    assert list_memos(db, source=FG) == []
    assert undo_last(db, user="kari")["code"] == "styring.nettverk"  # the next undo: the action before


def _colleagues_csv(db, tmp_path):
    """kari reads in codings by ola and nils (from another tool), each with a memo."""
    from workbench.coding import code_from_csv

    path = tmp_path / "kolleger.csv"
    path.write_text("source,turn,code,coder,memo\n"
                    f"{FG},1,kontrakt.hybrid,ola,olas notat\n"
                    f"{FG},2,kontrakt.hybrid,nils,nils' notat\n"
                    f"{FG},3,kontrakt.hybrid,ola,olas andre notat\n"
                    f"{OTHER},1,styring.nettverk,,karis notat\n", encoding="utf-8")
    assert code_from_csv(db, path, user="kari") == 4
    assert sorted(m.author for m in list_memos(db)) == ["kari", "nils", "ola", "ola"]


def test_undo_of_a_csv_import_takes_its_colleagues_memos_with_it(corpus, tmp_path):
    """The import's own memos are credited to the rows' coders, but they are part of the import:
    they do not keep its codings (no ``undo.others_memos``)."""
    db = corpus["db"]
    apply_code(db, FG, 1, "styring.nettverk", user="kari")
    _colleagues_csv(db, tmp_path)
    done = undo_last(db, user="kari")
    assert (done["action"], done["import"], done["codings"], done["kept"]) == ("code", "kolleger.csv", 4, 0)
    assert [(c.coder, c.turn, c.code) for c in list_codings(db)] == [("kari", 1, "styring.nettverk")]
    assert list_memos(db) == []
    assert undo_last(db, user="kari")["code"] == "styring.nettverk"  # the next undo: the action before


def test_a_memo_a_colleague_wrote_on_an_imported_coding_since_keeps_that_coding(corpus, tmp_path):
    db = corpus["db"]
    _colleagues_csv(db, tmp_path)
    olas = next(c for c in list_codings(db, coder="ola") if c.turn == 1)
    add_memo(db, "ola skriver videre", user="ola", coding_id=olas.id)
    # a group undo removes what it can and counts what stays (the CLI: "1 står, fordi ... har andres notater")
    done = undo_last(db, user="kari")
    assert (done["action"], done["import"], done["codings"], done["kept"]) == ("code", "kolleger.csv", 3, 1)
    assert [c.id for c in list_codings(db)] == [olas.id]
    assert [(m.author, m.text) for m in list_memos(db)] == [("ola", "olas notat"), ("ola", "ola skriver videre")]
    with pytest.raises(NotFound):  # the import is dealt with: nothing before it
        undo_last(db, user="kari")


def test_an_import_whose_every_coding_got_a_colleagues_memo_is_skipped_naming_them(corpus, tmp_path):
    from workbench.coding import code_from_csv

    db = corpus["db"]
    path = tmp_path / "ola.csv"
    path.write_text(f"source,turn,code,coder,memo\n{FG},2,kontrakt.hybrid,ola,olas notat\n", encoding="utf-8")
    assert code_from_csv(db, path, user="kari") == 1
    add_memo(db, "nils er uenig", user="nils", coding_id=list_codings(db)[0].id)
    with pytest.raises(WorkbenchError) as exc:
        undo_last(db, user="kari")
    assert exc.value.code == "undo.others_memos" and "memos by nils" in str(exc.value)
    assert "ola" not in exc.value.params["authors"]  # the import's own memo (credited to ola) is not in the way
    assert [(m.author, m.text) for m in list_memos(db)] == [("ola", "olas notat"), ("nils", "nils er uenig")]


def test_csv_coder_in_another_letter_case_is_refused_naming_the_row(corpus, tmp_path):
    from workbench.coding import code_from_csv

    db = corpus["db"]
    apply_code(db, FG, 1, "styring.nettverk", user="bjorn")
    path = tmp_path / "codings.csv"
    path.write_text(f"source,turn,code,coder\n{FG},2,kontrakt.hybrid,nils\n{FG},3,kontrakt.hybrid,Bjorn\n",
                    encoding="utf-8")
    with pytest.raises(NotFound) as exc:
        code_from_csv(db, path, user="kari")
    assert exc.value.code == "coder.not_found"
    assert str(exc.value).startswith("codings.csv row 3: unknown coder 'Bjorn'; did you mean 'bjorn'?")
    assert [c.coder for c in list_codings(db)] == ["bjorn"]
    with db.session() as s:  # no user Bjorn (nor nils) was created
        from workbench.store import User
        assert {u.name for u in s.query(User)} & {"Bjorn", "nils"} == set()


def test_a_coding_removed_by_someone_else_while_undo_runs_is_skipped_not_undone_with_nothing(corpus, monkeypatch):
    """The coding is found, then deleted by a colleague's transaction before undo's DELETE: no row
    goes, so the undo is the same skip as a coding removed before (not "undone, 0 codings")."""
    import workbench.coding as coding

    db = corpus["db"]
    apply_code(db, FG, 3, "kontrakt.hybrid", user="kari")
    monkeypatch.setattr(coding, "_delete_coding", lambda session, c: False)  # (someone was faster)
    with pytest.raises(WorkbenchError) as exc:
        undo_last(db, user="kari")
    assert exc.value.code == "undo.removed_since" and "kontrakt.hybrid" in str(exc.value)
