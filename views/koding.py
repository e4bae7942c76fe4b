"""Koding (researchers): read a whole source, select text and code exactly that span, see coding
stripes, filter turns, review suggestions in place, listen to the recording, undo.

The text with its codings and suggestions is the textcoder component (workbench/ui/textcoder);
everything it reports (a span to code, a stripe clicked, a suggestion accepted) goes to the
library as the logged-in coder. The keys j/k (arrows), Home/End move between turns in the pane and
Enter chooses a turn: "Kod en hel tur" and the memo then show it, and the pane's code list codes it
whole. Whole-turn coding from drop-downs stays below it too. Every text from the files is escaped before it meets Markdown (``md_escape``).
"""

import streamlit as st

from workbench.codebook import current_codes
from workbench.errors import WorkbenchError
from workbench.coding import (accept_suggestion, add_memo, apply_code, list_codings, list_drafts, list_memos,
                              list_suggestions, reject_suggestion, remove_code, remove_coding)
from workbench.ingest import list_sources, list_turns
from workbench.ingest.media import source_media
from workbench.suggest.active import maybe_retrain, retrain_blocked, retraining, running, train_now
from workbench.ui.format import (coded_text, count_noun, md_escape, memo_target_label, method_label, quality_text,
                                  score_text, shortened, turn_position)
from workbench.ui.drafts import discard_memo_draft, draft_place, memo_box, memo_saved
from workbench.ui.session import (acting_user, action, error_text, flash, from_address, get_db,
                                  preselect, require_data, show_flash, to_address)
from workbench.ui.textcoder import text_coder
from workbench.ui.undo import undo_button

INTERVIEWER = "forsker"
CONFIRM_REMOVE = "confirm_remove"  # the id of another coder's coding whose removal waits for a yes
# The chosen source and "Gå til tur" are mirrored into the address (?kilde=3&tur=16) so a reload
# keeps them; the source by its id, as file names can hold participants' names (browser history).
SOURCE_PARAM, TURN_PARAM = "kilde", "tur"
db = get_db()
user = acting_user()
st.title("Koding")
if require_data(db, codebook=False) is None:  # sources are read and coded as they are (no phase, actor)
    st.stop()
show_flash()

sources = {s["file"]: s for s in list_sources(db, user=user)}
codes = current_codes(db, user=user)
labels = {c["id"]: c["label"] for c in codes}
codable = [c["id"] for c in codes if c["codable"]]


def describe(file: str) -> str:
    s = sources[file]
    return " · ".join(str(v) for v in (file, s["kind"], s["phase"], s["pilot"]) if v)  # plain text


def show_all_turns() -> None:
    st.session_state.update(f_speaker=[], f_actor=[], f_code=None)


def new_source() -> None:
    for key in ("selected_coding", CONFIRM_REMOVE, "play_turn", "f_speaker", "f_actor", "f_code", "jump"):
        st.session_state.pop(key, None)


asked = from_address(SOURCE_PARAM, TURN_PARAM)  # a reload (new session): what the address kept
preselect("source", asked.get(SOURCE_PARAM), {str(s["id"]): f for f, s in sources.items()},
          "Kilden i adressen finnes ikke (lenger); her er den første kilden.")
file = st.selectbox("Kilde", list(sources), key="source", format_func=describe, on_change=new_source)
src = sources[file]
# The whole-turn picker belongs to the source: its own widget per source, so the browser never
# keeps showing a turn of the previous source while the text pane shows this one.
TURN_KEY = f"turn_{file}"
st.caption(f"{src['turns']} segmenter · {src['words']} ord · {len(src['speakers'])} talere · "
           f"koder: **{md_escape(user)}** (innlogget)")

turns = list_turns(db, file, user=user)
if not turns:
    st.info("Kilden har ingen segmenter.")
    st.stop()
texts = {t["index"]: t for t in turns}
preselect("jump", asked.get(TURN_PARAM), {str(i): i for i in texts})
codings = list_codings(db, source=file, user=user)
media = source_media(db, file, user=user)

# ---------------------------------------------------------------------------------- filters
f1, f2, f3, f4 = st.columns([2, 2, 2, 1])
speakers = f1.multiselect("Taler", sorted({t["speaker"] for t in turns if t["speaker"]}), key="f_speaker",
                          placeholder="Alle talere")
actors = f2.multiselect("Aktør", sorted({t["actor"] for t in turns if t["actor"]}), key="f_actor",
                        placeholder="Alle aktører")
code_filter = f3.selectbox("Vis turer med koden", [None, *[c["id"] for c in codes]], key="f_code",
                           format_func=lambda c: "Alle turer" if c is None else labels.get(c, c))
jump = f4.number_input("Gå til tur", min_value=1, value=None, step=1, key="jump", placeholder="nr.",
                       help=f"Turene er nummerert 1–{max(texts)}.")
to_address(**{SOURCE_PARAM: src["id"], TURN_PARAM: jump if jump in texts else None})
o1, o2, o3 = st.columns(3)
show_suggestions = o1.toggle("Vis forslag i teksten", value=True, key="show_suggestions")
interviewer_suggestions = o2.toggle("Forslag også for intervjuerens turer", value=False, key="interviewer_suggestions",
                                    help="Turene til aktøren «forsker» (intervjueren) får ellers ingen forslag.")
uncertain_first = o3.toggle("Usikre forslag først", value=False, key="uncertain_first",
                            help="Forslagene modellen er minst sikker på, først: svarene dine på dem lærer "
                                 "modellen mest.")

coded_turns = None
if code_filter is not None:
    coded_turns = {c.turn for c in codings if c.code == code_filter or c.code.startswith(code_filter + ".")}
shown = [t for t in turns
         if (not speakers or t["speaker"] in speakers) and (not actors or t["actor"] in actors)
         and (coded_turns is None or t["index"] in coded_turns)]
pending = list_suggestions(db, source=file, status="pending", user=user,
                           order="uncertain" if uncertain_first else "score",
                           exclude_actors=() if interviewer_suggestions else (INTERVIEWER,))


def retrain_if_due() -> None:
    """After a coding decision: the model is retrained in the background once enough decisions
    were made since the last training (project setting ``retrain_every``), and its suggestions
    for this source are stored."""
    try:
        maybe_retrain(db, user=user, suggest_source=file)
    except WorkbenchError:  # e.g. a role without the suggest capability: coding goes on without it
        pass


def decide(fn, *args, **kwargs):
    """A coding decision through ``action`` (errors shown in Norwegian), then ``retrain_if_due``."""
    out = action(fn, *args, **kwargs)
    if out is not None:
        retrain_if_due()
    return out


def removed_text(removed: list, turn: int, name: str) -> str:
    """The flash after "Fjern koden": how many codings went when more than one (the whole turn,
    spans), and that one "Angre" brings them all back."""
    if len(removed) == 1:
        return f"Fjernet «{name}» fra tur {turn}."
    spans = sum(1 for r in removed if r.start is not None)
    parts = ["hele turen"] if spans < len(removed) else []
    parts += [count_noun(spans, "utdrag", "utdrag")] if spans else []
    return (f"Fjernet {len(removed)} kodinger med «{name}» fra tur {turn} ({' og '.join(parts)}); "
            "«Angre» henter alle tilbake.")


def ask_before_removing(coding_id: int) -> bool:
    """Another coder's coding is removed only after a yes that names the coder (as "Fjern koden"
    never touches others' codings): select it and ask in "Valgt koding". False for one's own
    coding, or one no longer there (``remove_coding`` then says so)."""
    theirs = next((c for c in codings if c.id == coding_id and c.coder != user), None)
    if theirs is None:
        return False
    st.session_state["selected_coding"] = st.session_state[CONFIRM_REMOVE] = theirs.id
    return True


def remove_selected(coding_id: int) -> None:
    coder = next((c.coder for c in codings if c.id == coding_id), user)
    whose = "Kodingen" if coder == user else f"Kodingen til {md_escape(coder)}"
    if decide(remove_coding, db, coding_id, user=user, done=f"{whose} er fjernet.") is not None:
        st.session_state.pop("selected_coding", None)
    st.session_state.pop(CONFIRM_REMOVE, None)


def remove_or_ask(coding_id: int) -> None:
    """"Fjern kodingen" (the button, or on a stripe): one's own coding goes, another coder's is asked about."""
    if not ask_before_removing(coding_id):
        remove_selected(coding_id)


# ------------------------------------------------------------------------------- the text
text_col, work_col = st.columns([3, 2], gap="large")
with text_col:
    if len(shown) < len(turns):
        st.caption(f"Viser {len(shown)} av {len(turns)} turer (filter).")
    if not shown:
        st.info("Ingen turer passer til filteret.")
    visible = {t["index"] for t in shown}
    if jump is not None and jump not in texts:  # past the last turn: said in Norwegian, not by a red icon
        st.warning(f"Kilden har ingen tur {jump}: turene er nummerert 1–{max(texts)}.")
    if jump in texts and jump not in visible:
        st.info(f"Tur {jump} er skjult av filteret (taler, aktør eller kode). Tøm filteret for å se den.")
        st.button("Vis alle turer", key="show_all_turns", on_click=show_all_turns)
    event = text_coder(
        turns=[{"turn": t["index"], "speaker": t["speaker"] or t.get("heading") or "", "actor": t["actor"],
                "position": turn_position(t), "text": t["text"],
                "playable": bool(media and media["exists"] and t["start_time"] is not None)} for t in shown],
        codes=[{"id": c["id"], "label": c["label"], "color": c.get("color")} for c in codes if c["codable"]],
        codings=[{"id": c.id, "turn": c.turn, "code": c.code, "coder": c.coder, "start": c.start, "end": c.end}
                 for c in codings if c.turn in visible],
        suggestions=[{"id": s.id, "turn": s.turn, "code": s.code, "score": s.score, "start": s.start, "end": s.end,
                      "evidence": [list(e) for e in s.evidence_spans or []], "method": method_label(s.method),
                      "precision": s.precision, "recall": s.recall}
                     for s in pending if s.turn in visible] if show_suggestions else [],
        selected_coding=st.session_state.get("selected_coding"), scroll_to=jump, height=680,
        key=f"textcoder_{file}")

if event:
    kind = event["type"]
    if kind == "code" and event["turn"] not in texts:  # e.g. the source was read in again in another window
        flash("error", f"Tur {md_escape(event['turn'])} finnes ikke lenger i kilden; den kan være lest inn på nytt "
                       "i et annet vindu. Merk teksten på nytt.")
    elif kind == "code":
        turn, start, end, code = event["turn"], event["start"], event["end"], event["code"]
        whole = start <= 0 and end >= len(texts[turn]["text"])
        span = None if whole else (start, end)
        where = f"tur {turn}" if whole else f"«{md_escape(shortened(texts[turn]['text'][start:end]))}» i tur {turn}"
        rec = decide(apply_code, db, file, turn, code, user=user, span=span)
        if rec is not None:
            flash(*coded_text(rec, where, md_escape(labels.get(code, code))))
            st.session_state["selected_coding"] = rec.id
    elif kind == "select" and event["coding"] is None:  # Escape in the pane
        st.session_state.pop("selected_coding", None)
        st.session_state.pop(CONFIRM_REMOVE, None)
    elif kind == "select":
        st.session_state["selected_coding"] = event["coding"]
    elif kind == "turn" and event["turn"] in texts:  # Enter on a turn, or a click on its heading
        st.session_state[TURN_KEY] = event["turn"]  # "Kod en hel tur" and the memo show that turn
    elif kind == "remove":
        remove_or_ask(event["coding"])
    elif kind == "accept":
        decide(accept_suggestion, db, event["suggestion"], user=user, done="Forslaget er godtatt.")
    elif kind == "reject":
        decide(reject_suggestion, db, event["suggestion"], user=user, done="Forslaget er avvist.")
    elif kind == "play":
        st.session_state["play_turn"] = event["turn"]
    st.rerun()


def forget_selection(done: dict) -> None:
    st.session_state.pop("selected_coding", None)


with work_col:
    # this tab's last coding action, wherever it was taken (a consensus saved on Enighet too)
    undo_button(db, user, labels, after=forget_selection)

    if media:
        st.subheader("Opptak")
        if not media["exists"]:
            st.warning(f"Opptaket finnes ikke lenger der det lå: {md_escape(media['path'])}")
        else:
            play = texts.get(st.session_state.get("play_turn"))
            start = int(play["start_time"]) if play and play["start_time"] is not None else 0
            player = st.video if media["video"] else st.audio
            player(media["path"], format=media["type"], start_time=start)
            st.caption(f"Spiller fra tur {play['index']} ({md_escape(turn_position(play))})." if play
                       else "Trykk ▶ ved en tur for å spille fra den.")

    selected = next((c for c in codings if c.id == st.session_state.get("selected_coding")), None)
    if selected is not None:
        st.subheader("Valgt koding")
        with st.container(border=True):
            where = "hele turen" if selected.start is None else f"tegn {selected.start}–{selected.end}"
            st.markdown(f"**{md_escape(labels.get(selected.code, selected.code))}** · tur {selected.turn} · "
                        f"{where} · koder {md_escape(selected.coder)}")
            st.caption(md_escape(selected.text[:400]))
            if selected.memo:
                st.markdown(f"Notat: {md_escape(selected.memo)}")
            # the box belongs to this coding: text typed for another one is never saved here; what is
            # typed is kept as the user's draft on it (workbench.ui.drafts), also across a reload
            memo_box(db, user, "coding_memo", {"coding_id": selected.id},
                     f"kodingen «{md_escape(labels.get(selected.code, selected.code))}» på tur {selected.turn} "
                     f"av {md_escape(selected.coder)}", "Notat til kodingen", height=80)

            def save_coding_memo(coding_id: int = selected.id) -> None:
                if action(add_memo, db, st.session_state.get("coding_memo", ""), user=user, coding_id=coding_id,
                          done="Notatet er lagret på kodingen.") is not None:
                    memo_saved(db, user, "coding_memo")

            b1, b2, b3, b4 = st.columns(4)
            b1.button("Lagre notat", key="save_coding_memo", on_click=save_coding_memo)
            b2.button("Forkast utkast", key="discard_coding_memo", on_click=discard_memo_draft,
                      args=(db, user, "coding_memo"), help="Tøm boksen og slett utkastet som er tatt vare på.")
            b3.button("Fjern", key="remove_selected", on_click=remove_or_ask, args=(selected.id,),
                      help="Fjern kodingen (Angre henter den tilbake).")
            b4.button("Lukk", key="close_selected", on_click=lambda: st.session_state.pop("selected_coding", None))
            if st.session_state.get(CONFIRM_REMOVE) == selected.id:
                coder = md_escape(selected.coder)
                st.warning(f"Kodingen er gjort av **{coder}**, ikke av deg. Fjerner du den, forsvinner den også "
                           f"for {coder}.")
                y, n = st.columns(2)
                y.button(f"Ja, fjern kodingen til {coder}", key="confirm_remove_other", type="primary",
                         on_click=remove_selected, args=(selected.id,))
                n.button("Avbryt", key="cancel_remove_other",
                         on_click=lambda: st.session_state.pop(CONFIRM_REMOVE, None))

    st.subheader("Kod en hel tur")
    turn = st.selectbox("Tur", list(texts), key=TURN_KEY,
                        format_func=lambda i: f"{i}: {texts[i]['speaker'] or ''} – {texts[i]['text'][:60]}")
    if not codable:
        st.info("Kodeboken har ingen kodbare koder ennå; en forsker må laste inn kodeboken.")
    else:
        code = st.selectbox("Kode", codable, key="code", format_func=lambda c: f"{labels.get(c, c)} ({c})")

        def code_turn(remove: bool = False) -> None:
            # Read the widgets at click time: a changed selectbox and the click can arrive together.
            t, c = st.session_state[TURN_KEY], st.session_state["code"]
            name = md_escape(labels.get(c, c))
            if remove:
                removed = decide(remove_code, db, file, t, c, user=user)
                if removed is not None:
                    flash("success", removed_text(removed, t, name))
            else:
                rec = decide(apply_code, db, file, t, c, user=user)
                if rec is not None:
                    flash(*coded_text(rec, f"tur {t}", name))

        b1, b2 = st.columns(2)
        b1.button("Kod turen", key="apply", type="primary", width="stretch", on_click=code_turn)
        b2.button("Fjern koden", key="remove", width="stretch", on_click=code_turn, args=(True,))
    on_turn = [c for c in codings if c.turn == turn]
    if on_turn:
        st.caption("Koder på turen: " + " · ".join(f"**{md_escape(labels.get(c.code, c.code))}** "
                                                   f"({md_escape(c.coder)})" for c in on_turn))

    st.subheader("Notat")
    target = st.radio("Notatet gjelder", ["Turen", "Kilden"], key="memo_target", horizontal=True)
    # the box belongs to this turn (or source): text typed for another one is never saved here; what
    # is typed is kept as the user's draft on it (workbench.ui.drafts), also across a reload
    memo_on = f"tur {turn} i {md_escape(file)}" if target == "Turen" else f"kilden {md_escape(file)}"
    memo_target = {"segment": (file, turn)} if target == "Turen" else {"source": file}
    memo_box(db, user, "memo_text", memo_target, memo_on, "Notattekst", height=100)
    st.caption(f"Lagres på {memo_on}. Teksten tas vare på som utkast når du går ut av boksen, også om siden "
               "lastes på nytt.")
    elsewhere = [d for d in list_drafts(db, source=file, user=user)
                 if not (d.target_type == "segment" and target == "Turen" and d.turn == turn)
                 and not (d.target_type == "source" and target == "Kilden")
                 and not (d.target_type == "coding" and d.coding_id == st.session_state.get("selected_coding"))]
    if elsewhere:
        st.caption("Ulagrede utkast i kilden: " + ", ".join(draft_place(d, labels) for d in elsewhere)
                   + ". Velg dem for å skrive videre.")

    def save_memo() -> None:
        target_now = st.session_state.get("memo_target", "Turen")
        where = dict(segment=(file, st.session_state[TURN_KEY])) if target_now == "Turen" else dict(source=file)
        if action(add_memo, db, st.session_state.get("memo_text", ""), user=user, done="Notatet er lagret.",
                  **where) is not None:
            memo_saved(db, user, "memo_text")

    m1, m2, _ = st.columns([1, 1, 2])
    m1.button("Lagre notat", key="save_memo", on_click=save_memo)
    m2.button("Forkast utkast", key="discard_memo", on_click=discard_memo_draft, args=(db, user, "memo_text"),
              help="Tøm boksen og slett utkastet som er tatt vare på.")
    memos = list_memos(db, source=file, user=user)
    if memos:
        with st.expander(f"Notater på kilden ({len(memos)})"):
            for m in memos:
                where = f"tur {m.turn}" if m.turn else memo_target_label(m.target_type)
                st.markdown(f"**{md_escape(m.author)}** ({where}): {md_escape(m.text)}")

st.divider()
st.subheader("Forslag som venter")
try:  # the suggestion service is optional until a suggester is set up
    from workbench.suggest import service as suggest_service
except ImportError:
    suggest_service = None
if suggest_service is not None:
    busy = running(db, user=user)  # a background run is going: the button would train the same model twice
    s1, s2, _ = st.columns([1, 1, 2])
    if s1.button("Lag forslag for kilden", key="suggest"):
        with st.spinner("Lager forslag med leksikon og modell ..."):
            made = action(suggest_service.suggest, db, source=file, user=user,
                          include_interviewers=interviewer_suggestions, with_note=True)
        if made is not None:
            n, note = made
            said = (f"{count_noun(n, 'nytt forslag', 'nye forslag')} for {md_escape(file)}." if n
                    else "Ingen nye forslag for kilden.")
            # e.g. no e5 here: the model's TF-IDF part made them, as `workbench suggest` says too
            flash("info" if note else "success", said + (f" Merk: {md_escape(note)}." if note else ""))
        st.rerun()
    if s2.button("Tren modellen på kodingene", key="train", disabled=busy,
                 help="Modellen trenes allerede på nytt i bakgrunnen; vent til den er ferdig." if busy else None):
        with st.spinner("Trener modellen på kodingene (kan ta et minutt) ..."):
            report = action(train_now, db, user=user)  # refused (Norwegian line) if a run started meanwhile
        if report is not None:  # a warning when it replaced an e5 model by a TF-IDF-only one (no e5 here)
            flash("warning" if report.replaced_e5 else "success", md_escape(report.summary(decimal=",")))
        st.rerun()
run = retraining(db, user=user)
if run is not None and not run.done:
    st.info(f"Modellen trenes på nytt i bakgrunnen etter "
            f"{count_noun(run.decisions, 'kodebeslutning', 'kodebeslutninger')}; nye forslag kommer "
            "når den er ferdig.", icon=":material/model_training:")
elif run is not None and run.refused:  # the new model would have lost codes or anchors: the old one is kept
    st.info(f"Modellen ble ikke trent på nytt i bakgrunnen: {error_text(run.error)}",
            icon=":material/model_training:")
elif run is not None and run.error is not None:
    st.warning(f"Treningen i bakgrunnen mislyktes: {error_text(run.error)}")
elif run is not None:
    # the decisions are the whole project's (every coder's); the new suggestions are for one source
    where = "denne kilden" if run.source == file else f"«{md_escape(str(run.source))}»"
    report = run.report
    # what the run did besides: the anchors note, the pending suggestions scored again or withdrawn
    extra = " ".join(md_escape(t) for t in (getattr(report, "note", ""), getattr(report, "rescore_note", ""),
                                            getattr(report, "e5_note", "")) if t)
    st.caption(f"Modellen ble trent på nytt etter {count_noun(run.decisions, 'kodebeslutning', 'kodebeslutninger')} "
               "i prosjektet"
               + (f"; {count_noun(run.suggested, 'nytt forslag', 'nye forslag')} for {where}." if run.suggested
                  else ".") + (f" {extra}" if extra else ""))
if suggest_service is not None and (run is None or run.done):
    try:
        blocked = retrain_blocked(db, user=user)  # no e5 here: no background retraining (said, not done silently)
    except WorkbenchError:
        blocked = None
    if blocked is not None:
        st.info(error_text(blocked), icon=":material/model_training:")
if not pending:
    st.caption("Ingen ventende forslag for denne kilden.")
for s in pending:
    with st.container(border=True):
        evidence = ", ".join(str(e) for e in (s.evidence or [])) or "–"
        quality = quality_text(s.precision, s.recall)
        quality = f" · {quality}" if quality else ""
        st.markdown(f"**{md_escape(labels.get(s.code, s.code))}** ({md_escape(s.code)}) · tur {s.turn} · "
                    f"{md_escape(method_label(s.method))} · sikkerhet {score_text(s.score)}{quality}  \n"
                    f"Belegg: {md_escape(evidence)}")
        st.caption(md_escape(s.coded_text))  # what "Godta" codes: the span, or the whole turn
        a, r, g, _ = st.columns([1, 1, 1, 3])
        a.button("Godta", key=f"accept_{s.id}", on_click=decide, args=(accept_suggestion, db, s.id),
                 kwargs=dict(user=user, done=f"Forslag {s.id} godtatt."))
        r.button("Avvis", key=f"reject_{s.id}", on_click=decide, args=(reject_suggestion, db, s.id),
                 kwargs=dict(user=user, done=f"Forslag {s.id} avvist."))
        g.button("Vis i teksten", key=f"goto_{s.id}", on_click=st.session_state.__setitem__, args=("jump", s.turn))
