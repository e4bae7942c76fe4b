"""The codebook's life cycle and the codings on it (SQLite and PostgreSQL): undo after a merge
follows the coding to the code it was merged into and never deletes a coding a merge folded
another one into; a merged code never comes back active; a code split into sub-codes warns about
its codings and ``move_codings`` moves them; a merge leaves one pending suggestion per turn, span
and code. All names and texts are invented."""

from __future__ import annotations

import copy

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from tests.test_coding import FG, corpus  # noqa: F401  (fixture)
from tests.test_codebook_store import BASE, FULL, write
from workbench.codebook import load_codebook, merge_codes, move_codings
from workbench.coding import (UndoSkipped, accept_suggestion, add_memo, apply_code, code_from_csv, list_codings,
                              list_memos, list_suggestions, remove_code, undo_last)
from workbench.errors import WorkbenchError
from workbench.store import AuditEvent, Code, Segment, Source, Suggestion
from workbench.ui.messages import norwegian

OTHER = "intervju_kdd_fase2.txt"
OLD, NEW = "kontrakt.relasjonell", "kontrakt.hybrid"


def _codings(db, coder=None):
    return sorted((c.coder, c.source, c.turn, c.code) for c in list_codings(db, coder=coder))


def _csv(tmp_path, rows, name="koder.csv"):
    path = tmp_path / name
    path.write_text("source,turn,code,coder\n" + "".join(f"{s},{t},{c},{who}\n" for s, t, c, who in rows),
                    encoding="utf-8")
    return path


# -- 1. undo after a merge ---------------------------------------------------------------------

def test_undo_after_a_merge_removes_the_coding_from_the_code_it_was_merged_into(corpus):
    db = corpus["db"]
    apply_code(db, FG, 1, OLD, user="kari")
    merge_codes(db, OLD, NEW, user="ola")
    assert _codings(db) == [("kari", FG, 1, NEW)]
    done = undo_last(db, user="kari")  # used to be skipped: "someone removed the coding"
    assert (done["action"], done["code"], done["was"], done["codings"]) == ("code", NEW, OLD, 1)
    assert _codings(db) == []


def test_undo_of_a_csv_import_after_a_merge_removes_the_codings_the_merge_moved(corpus, tmp_path):
    db = corpus["db"]
    path = _csv(tmp_path, [(FG, 1, OLD, ""), (FG, 2, OLD, ""), (FG, 3, OLD, ""), (OTHER, 1, "styring.nettverk", "")])
    assert code_from_csv(db, path, user="kari") == 4
    merge_codes(db, OLD, NEW, user="ola")
    done = undo_last(db, user="kari")
    assert (done["import"], done["codings"], done["kept"]) == ("koder.csv", 4, 0)
    assert _codings(db) == []


def test_a_csv_import_of_both_codes_on_one_span_is_undone_whole_after_a_merge_made_them_one(corpus, tmp_path):
    db = corpus["db"]
    path = _csv(tmp_path, [(FG, 2, OLD, "kari"), (FG, 2, NEW, "kari"), (FG, 3, OLD, "kari")])
    assert code_from_csv(db, path, user="kari") == 3
    assert merge_codes(db, OLD, NEW, user="ola").dropped_duplicates == 1
    done = undo_last(db, user="kari")
    assert (done["codings"], done["kept"]) == (2, 0)
    assert _codings(db) == []


def test_undoing_a_coding_a_merge_folded_a_colleagues_earlier_coding_into_keeps_it(corpus, tmp_path):
    """The probe's case (b): berit had OLD on turn 2 (from kari's CSV import), then coded NEW
    there; the merge dropped her OLD coding as a duplicate of the NEW one. Undoing her NEW
    coding must not leave her with no coding of either code on that turn."""
    db = corpus["db"]
    apply_code(db, FG, 1, "styring.nettverk", user="berit")  # berit exists and has an action before
    assert code_from_csv(db, _csv(tmp_path, [(FG, 2, OLD, "berit")]), user="kari") == 1
    apply_code(db, FG, 2, NEW, user="berit")
    r = merge_codes(db, OLD, NEW, user="ola")
    assert (r.moved_codings, r.dropped_duplicates) == (0, 1)
    with pytest.raises(UndoSkipped) as exc:
        undo_last(db, user="berit")
    assert exc.value.code == "undo.merged_kept"
    text = str(exc.value)
    assert f"ola has merged the code '{OLD}' into '{NEW}' since" in text, text
    assert f"one coding with berit's coding '{OLD}' of the same span" in text and "\n" not in text
    assert (exc.value.params["who"], exc.value.params["other"]) == ("ola", OLD)
    assert norwegian(exc.value).startswith("Kodingen på tur 2 i «fg_midt_finnmark_fase1.txt» kan ikke angres: ola "
                                           "har flyttet kodingene fra «Relasjonell kontrakt» til «Hybrid kontrakt»")
    assert ("berit", FG, 2, NEW) in _codings(db, "berit")  # her judgement stays
    # the skipped step is used up: berit's next undo goes on to the action before it
    assert undo_last(db, user="berit")["code"] == "styring.nettverk"
    # once the import that made the other coding is undone too, the coding goes
    done = undo_last(db, user="kari")
    assert (done["import"], done["codings"]) == ("koder.csv", 1)
    assert _codings(db) == []


def test_undoing_the_import_first_keeps_the_coding_for_the_coders_own_action_then_hers_removes_it(corpus, tmp_path):
    db = corpus["db"]
    apply_code(db, FG, 1, "styring.nettverk", user="berit")
    assert code_from_csv(db, _csv(tmp_path, [(FG, 2, OLD, "berit"), (FG, 3, OLD, "berit")]), user="kari") == 2
    apply_code(db, FG, 2, NEW, user="berit")
    merge_codes(db, OLD, NEW, user="ola")
    done = undo_last(db, user="kari")
    assert (done["codings"], done["kept"], done["merged"]) == (1, 1, 1)
    assert _codings(db, "berit") == [("berit", FG, 1, "styring.nettverk"), ("berit", FG, 2, NEW)]
    done = undo_last(db, user="berit")
    assert (done["code"], done["turn"], done["codings"]) == (NEW, 2, 1)
    assert _codings(db, "berit") == [("berit", FG, 1, "styring.nettverk")]


def test_cli_import_undo_says_why_a_coding_stays_after_a_merge(corpus, tmp_path, monkeypatch):
    from workbench.cli import cli

    db = corpus["db"]
    apply_code(db, FG, 1, "styring.nettverk", user="berit")
    assert code_from_csv(db, _csv(tmp_path, [(FG, 2, OLD, "berit"), (FG, 3, OLD, "berit")]), user="kari") == 2
    apply_code(db, FG, 2, NEW, user="berit")
    merge_codes(db, OLD, NEW, user="ola")
    monkeypatch.setattr("workbench.cli.coding.open_db", lambda ctx: db)
    r = CliRunner().invoke(cli, ["--user", "kari", "undo"], obj={})
    assert r.exit_code == 0, r.output
    assert r.output.strip() == ("Angret importen fra koder.csv: 1 kodinger er fjernet (1 står, fordi en "
                                "sammenslåing av koder har gjort dem til én koding med en annen av samme koder som "
                                "ikke er angret).")


def test_undo_of_a_removal_after_a_merge_puts_the_coding_back_under_the_new_code(corpus):
    db = corpus["db"]
    rec = apply_code(db, FG, 3, OLD, user="kari")
    add_memo(db, "tydelig relasjonelt", user="kari", coding_id=rec.id)
    remove_code(db, FG, 3, OLD, user="kari")
    merge_codes(db, OLD, NEW, user="ola")
    done = undo_last(db, user="kari")
    assert (done["action"], done["code"], done["was"], done["memos"]) == ("uncode", NEW, OLD, 1)
    assert _codings(db) == [("kari", FG, 3, NEW)]  # never back on the merged (retired) code
    assert [m.text for m in list_memos(db)] == ["tydelig relasjonelt"]


def test_undo_of_an_accept_whose_coding_a_merge_folded_into_a_hand_coding(corpus):
    db = corpus["db"]
    with db.transaction("oppsett") as tx:
        seg = tx.session.scalar(select(Segment).join(Source).where(Source.file_name == FG, Segment.index == 2))
        sug = Suggestion(segment_id=seg.id, code_id=OLD, method="model", score=0.8, evidence=[], status="pending")
        tx.session.add(sug)
        tx.session.flush()
        sug_id = sug.id
    accept_suggestion(db, sug_id, user="kari")
    apply_code(db, FG, 2, NEW, user="kari")
    assert merge_codes(db, OLD, NEW, user="ola").dropped_duplicates == 1
    with pytest.raises(UndoSkipped) as exc:  # the hand coding: the accepted one stands for it
        undo_last(db, user="kari")
    assert exc.value.code == "undo.merged_kept"
    assert _codings(db) == [("kari", FG, 2, NEW)]
    done = undo_last(db, user="kari")  # the accept: now nothing stands for the coding
    assert done["action"] == "accept"
    assert _codings(db) == []
    assert [s.id for s in list_suggestions(db, source=FG)] == [sug_id]


# -- 2. a merged code never comes back active --------------------------------------------------

def test_a_merged_code_that_a_load_deleted_comes_back_retired_from_an_older_file(db, tmp_path):
    load_codebook(db, write(tmp_path, BASE), user="kari")
    merge_codes(db, NEW, OLD, user="kari")  # unused: the next load without it deletes it
    without = copy.deepcopy(BASE)
    del without["codes"]["kontrakt"]["children"][0]
    assert load_codebook(db, write(tmp_path, without, name="uten.yaml"), user="kari").deleted == [NEW]
    again = load_codebook(db, write(tmp_path, BASE, name="gammel.yaml"), user="kari")  # an older copy
    assert NEW not in again.added and NEW not in again.reinstated
    assert any(f"code '{NEW}' was merged into '{OLD}' and stays retired" in w for w in again.warnings)
    with db.session() as s:
        assert s.get(Code, NEW).retired
    with db.transaction(user="kari") as tx:
        tx.session.add(Source(file_name="a.txt", content_hash="h", format="txt", canonical_text="Hei og hå."))
        tx.session.flush()
        tx.session.add(Segment(source_id=tx.session.scalar(select(Source.id)), index=1, start_char=0, end_char=10))
    with pytest.raises(WorkbenchError) as exc:
        apply_code(db, "a.txt", 1, NEW, user="kari")
    assert exc.value.code == "code.retired" and f"merged into '{OLD}'" in str(exc.value)


# -- 3. a used code split into sub-codes --------------------------------------------------------

BOLIG = {**BASE, "codes": {**BASE["codes"], "bolig": {"label": "Bolig", **FULL}}}
SPLIT = {**BASE, "codes": {**BASE["codes"], "bolig": {"label": "Bolig", "codable": False, "children": [
    {"id": "bolig.nybygg", "label": "Nybygg", **FULL}, {"id": "bolig.leie", "label": "Leie", **FULL}]}}}


def _source(db, turns=3):
    text = "".join(f"Tur {i} handler om boliger. " for i in range(1, turns + 1))
    with db.transaction(user="kari") as tx:
        src = Source(file_name="a.txt", content_hash="h", format="txt", canonical_text=text)
        tx.session.add(src)
        tx.session.flush()
        for i in range(turns):
            tx.session.add(Segment(source_id=src.id, index=i + 1, start_char=i * 26, end_char=i * 26 + 25))


def test_a_load_that_makes_a_used_code_a_category_warns_and_move_codings_moves_them(db, tmp_path):
    load_codebook(db, write(tmp_path, BOLIG), user="kari")
    _source(db)
    recs = {turn: apply_code(db, "a.txt", turn, "bolig", user="kari") for turn in (1, 2, 3)}
    apply_code(db, "a.txt", 1, "bolig", user="ola")
    r = load_codebook(db, write(tmp_path, SPLIT, name="delt.yaml"), user="kari")
    assert r.stranded == {"bolig": 4}
    warning = next(w for w in r.warnings if "'bolig'" in w)
    assert ("code 'bolig' is a category now (codable: false), but 4 codings sit on it; they no longer count in "
            "agreement") in warning
    assert "sub-codes (bolig.nybygg, bolig.leie) with `workbench codebook move-codings bolig SUB`" in warning
    with pytest.raises(WorkbenchError, match="use `workbench codebook move-codings bolig bolig.nybygg`"):
        merge_codes(db, "bolig", "bolig.nybygg", user="kari")
    apply_code(db, "a.txt", 2, "bolig.nybygg", user="kari")  # kari has the sub-code on turn 2 already
    add_memo(db, "ny boligfelt", user="kari", coding_id=recs[2].id)
    m = move_codings(db, "bolig", "bolig.nybygg", user="kari")
    assert (m.moved_codings, m.dropped_duplicates, m.moved_memos) == (3, 1, 1)
    assert m.summary() == ("Flyttet 4 kodinger fra bolig til bolig.nybygg (1 av dem hadde koderen allerede kodet "
                           "med bolig.nybygg på samme sted; de er slått sammen med den kodingen); bolig står i "
                           "kodeboka som før.")
    assert sorted((c.coder, c.turn, c.code) for c in list_codings(db)) == [
        ("kari", 1, "bolig.nybygg"), ("kari", 2, "bolig.nybygg"), ("kari", 3, "bolig.nybygg"),
        ("ola", 1, "bolig.nybygg")]  # not doubled on turn 2
    assert [(m.turn, m.code, m.text) for m in list_memos(db)] == [(2, "bolig.nybygg", "ny boligfelt")]
    with db.session() as s:
        bolig = s.get(Code, "bolig")
        assert not bolig.codable and not bolig.retired  # still the category
        ev = s.scalar(select(AuditEvent).where(AuditEvent.action == "move_codings"))
        assert (ev.target_id, ev.detail["new"], len(ev.detail["folded"])) == ("bolig", "bolig.nybygg", 1)
    # undo of a coding made before the move follows it to the sub-code (the newest of kari's is turn 2's
    # bolig.nybygg, which the move made one with her bolig coding there: that one stands)
    with pytest.raises(UndoSkipped) as exc:
        undo_last(db, user="kari")
    assert exc.value.code == "undo.merged_kept" and "moved the codings of 'bolig' to 'bolig.nybygg'" in str(exc.value)
    done = undo_last(db, user="kari")
    assert (done["code"], done["was"], done["turn"]) == ("bolig.nybygg", "bolig", 3)


def test_a_load_that_makes_a_code_a_category_withdraws_its_pending_suggestions(db, tmp_path):
    load_codebook(db, write(tmp_path, BOLIG), user="kari")
    _source(db)
    with db.transaction(user="kari") as tx:
        segs = tx.session.scalars(select(Segment).order_by(Segment.index)).all()
        for seg, code in ((segs[0], "bolig"), (segs[1], "bolig"), (segs[2], "kontrakt.hybrid")):
            tx.session.add(Suggestion(segment_id=seg.id, code_id=code, method="model", score=0.8, evidence=[],
                                      status="pending"))
    r = load_codebook(db, write(tmp_path, SPLIT, name="delt.yaml"), user="kari")
    assert r.withdrawn_suggestions == 2
    assert "2 ventende forslag på pensjonerte koder eller nye kategorier er trukket tilbake" in r.summary()
    with db.session() as s:
        left = sorted((g.code_id, g.status) for g in s.scalars(select(Suggestion)))
    # the category's suggestions could never be accepted; the other code's stays pending
    assert left == [("bolig", "withdrawn"), ("bolig", "withdrawn"), ("kontrakt.hybrid", "pending")]


def test_move_codings_refuses_what_it_cannot_do_and_changes_nothing(db, tmp_path):
    load_codebook(db, write(tmp_path, SPLIT), user="kari")
    with pytest.raises(WorkbenchError, match="is not a category.*use `workbench codebook merge bolig.nybygg"):
        move_codings(db, "bolig.nybygg", "bolig.leie", user="kari")
    with pytest.raises(WorkbenchError) as exc:
        move_codings(db, "bolig", "kontrakt", user="kari")
    assert exc.value.code == "code.category" and "move them to one of its subcodes" in str(exc.value)
    with pytest.raises(WorkbenchError, match="to itself"):
        move_codings(db, "bolig", "bolig", user="kari")
    with db.session() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "move_codings")) is None
    assert move_codings(db, "bolig", "bolig.leie", user="kari").summary() == "bolig har ingen kodinger; ingenting er flyttet."


def test_cli_move_codings(tmp_path):
    from workbench.cli import cli

    def run(*args):
        return CliRunner().invoke(cli, ["--db", f"sqlite:///{tmp_path / 'wb.db'}", "--user", "kari", *args], obj={})

    assert run("codebook", "load", str(write(tmp_path, BOLIG))).exit_code == 0
    r = run("codebook", "load", str(write(tmp_path, SPLIT, name="delt.yaml")))
    assert r.exit_code == 0 and "Advarsel" not in r.output  # no codings on bolig: nothing to warn about
    r = run("codebook", "move-codings", "bolig", "bolig.nybygg")
    assert r.exit_code == 0 and r.output.strip() == "bolig har ingen kodinger; ingenting er flyttet."
    r = run("codebook", "move-codings", "bolig.nybygg", "bolig")
    assert r.exit_code == 1 and r.output.startswith("Error: code 'bolig' is a category") and "\n" == r.output[-1]


# -- 4. one pending suggestion per turn, span and code after a merge ----------------------------

def test_a_merge_keeps_one_pending_suggestion_per_turn_span_and_code_with_the_higher_score(corpus):
    db = corpus["db"]
    with db.transaction("oppsett") as tx:
        seg = {i: tx.session.scalar(select(Segment).join(Source).where(Source.file_name == FG, Segment.index == i))
               for i in (1, 2)}

        def sug(turn, code, score, status="pending", span=(None, None)):
            s = Suggestion(segment_id=seg[turn].id, code_id=code, method="lexicon", score=score, evidence=[],
                           status=status, start_char=span[0], end_char=span[1])
            tx.session.add(s)
            return s

        both_old, both_new = sug(1, OLD, 0.52), sug(1, NEW, 0.51)        # the old one scores higher
        low_old, high_new = sug(2, OLD, 0.30), sug(2, NEW, 0.70)          # the new one scores higher
        span_old = sug(2, OLD, 0.40, span=(seg[2].start_char, seg[2].start_char + 4))  # another span: stays
        decided = sug(1, OLD, 0.90, status="rejected")                     # decided: history, untouched
        tx.session.flush()
        ids = {k: v.id for k, v in dict(both_old=both_old, both_new=both_new, low_old=low_old, high_new=high_new,
                                        span_old=span_old, decided=decided).items()}
    r = merge_codes(db, OLD, NEW, user="kari")
    assert (r.moved_suggestions, r.withdrawn_suggestions) == (4, 2)
    assert "2 ventende forslag fantes under begge koder og er nå ett (det med høyest skår)" in r.summary()
    pending = sorted(s.id for s in list_suggestions(db, source=FG))
    assert pending == sorted([ids["both_old"], ids["high_new"], ids["span_old"]])
    with db.session() as s:
        status = {k: s.get(Suggestion, v).status for k, v in ids.items()}
    assert status == {"both_old": "pending", "both_new": "withdrawn", "low_old": "withdrawn",
                      "high_new": "pending", "span_old": "pending", "decided": "rejected"}
