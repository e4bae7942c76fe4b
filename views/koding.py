"""Koding (researchers): read a source turn by turn, apply and remove codes, review suggestions,
write memos. The coder is the logged-in user. Every text from the files is escaped before it
meets Markdown (``md_escape``): a turn is shown as the characters it holds."""

import streamlit as st

from workbench.codebook import current_codes
from workbench.coding import (accept_suggestion, add_memo, apply_code, list_codings, list_memos,
                              list_suggestions, reject_suggestion, remove_code)
from workbench.ingest import list_sources, list_turns
from workbench.ui.format import md_escape, turn_position
from workbench.ui.session import acting_user, action, flash, get_db, require_data, show_flash

db = get_db()
user = acting_user()
st.title("Koding")
if not require_data(db):
    st.stop()
show_flash()

sources = {s["file"]: s for s in list_sources(db, user=user)}
codes = current_codes(db, user=user)
labels = {c["id"]: c["label"] for c in codes}
codable = [c["id"] for c in codes if c["codable"]]


def describe(file: str) -> str:
    s = sources[file]
    return " · ".join(str(v) for v in (file, s["kind"], s["phase"], s["pilot"]) if v)  # plain text


file = st.selectbox("Kilde", list(sources), key="source", format_func=describe,
                    on_change=lambda: st.session_state.pop("turn", None))
src = sources[file]
st.caption(f"{src['turns']} segmenter · {src['words']} ord · {len(src['speakers'])} talere · "
           f"koder: **{md_escape(user)}** (innlogget)")

turns = list_turns(db, file, user=user)
codings = list_codings(db, source=file, user=user)
by_turn: dict[int, list] = {}
for c in codings:
    by_turn.setdefault(c.turn, []).append(c)


def code_badges(turn: int) -> str:
    return " · ".join(f"**{md_escape(labels.get(c.code, c.code))}** ({md_escape(c.coder)})"
                      for c in by_turn.get(turn, []))


text_col, work_col = st.columns([3, 2], gap="large")
with text_col:
    st.subheader("Tekst")
    with st.container(height=620):
        for t in turns:
            who = md_escape(t["speaker"] or t.get("heading") or "")
            actor = f" · _{md_escape(t['actor'])}_" if t.get("actor") else ""
            st.markdown(f"**\\[{t['index']}\\] {who}**{actor} · {md_escape(turn_position(t))}  \n"
                        f"{md_escape(t['text'])}")
            badges = code_badges(t["index"])
            if badges:
                st.caption(badges)

with work_col:
    st.subheader("Kod en tur")
    if not turns:
        st.info("Kilden har ingen segmenter.")
        st.stop()
    texts = {t["index"]: t for t in turns}
    turn = st.selectbox("Tur", list(texts), key="turn",
                        format_func=lambda i: f"{i}: {texts[i]['speaker'] or ''} – {texts[i]['text'][:60]}")
    st.markdown(f"> {md_escape(texts[turn]['text'])}")
    if by_turn.get(turn):
        st.caption("Koder på turen: " + code_badges(turn))
    if not codable:
        st.info("Ingen kodbare koder: last kodeboken med `workbench codebook load codebooks/bygdevekst.yaml`.")
    else:
        code = st.selectbox("Kode", codable, key="code", format_func=lambda c: f"{labels.get(c, c)} ({c})")
        def code_turn(remove: bool = False) -> None:
            # Read the widgets at click time: a changed selectbox and the click can arrive together.
            t, c = st.session_state["turn"], st.session_state["code"]
            name = md_escape(labels.get(c, c))
            if remove:
                action(remove_code, db, file, t, c, user=user, done=f"Fjernet «{name}» fra tur {t}.")
            else:
                action(apply_code, db, file, t, c, user=user, done=f"Kodet tur {t} med «{name}».")

        b1, b2 = st.columns(2)
        b1.button("Kod turen", key="apply", type="primary", width="stretch", on_click=code_turn)
        b2.button("Fjern koden", key="remove", width="stretch", on_click=code_turn, args=(True,))

    st.subheader("Notat")
    target = st.radio("Notatet gjelder", ["Turen", "Kilden"], key="memo_target", horizontal=True)
    memo = st.text_area("Notattekst", key="memo_text", height=100)

    def save_memo() -> None:
        target_now = st.session_state.get("memo_target", "Turen")
        where = dict(segment=(file, st.session_state["turn"])) if target_now == "Turen" else dict(source=file)
        if action(add_memo, db, st.session_state.get("memo_text", ""), user=user, done="Notatet er lagret.",
                  **where) is not None:
            st.session_state["memo_text"] = ""

    st.button("Lagre notat", key="save_memo", on_click=save_memo)
    memos = list_memos(db, source=file, user=user)
    if memos:
        with st.expander(f"Notater på kilden ({len(memos)})"):
            for m in memos:
                where = f"tur {m.turn}" if m.turn else m.target_type
                st.markdown(f"**{md_escape(m.author)}** ({where}): {md_escape(m.text)}")

st.divider()
st.subheader("Forslag som venter")
pending = list_suggestions(db, source=file, status="pending", user=user)
try:  # the suggestion service is optional until a suggester is set up
    from workbench.suggest import service as suggest_service
except ImportError:
    suggest_service = None
if suggest_service is not None:
    s1, s2, _ = st.columns([1, 1, 2])
    if s1.button("Lag forslag for kilden", key="suggest"):
        with st.spinner("Lager forslag med leksikon og modell ..."):
            n = action(suggest_service.suggest, db, source=file, user=user)
        if n is not None:
            flash("success", f"{n} nye forslag for {md_escape(file)}." if n else "Ingen nye forslag for kilden.")
        st.rerun()
    if s2.button("Tren modellen på kodingene", key="train"):
        with st.spinner("Trener modellen på kodingene (kan ta et minutt) ..."):
            report = action(suggest_service.train, db, user=user)
        if report is not None:
            flash("success", md_escape(report.summary()))
        st.rerun()
if not pending:
    st.caption("Ingen ventende forslag for denne kilden.")
for s in pending:
    with st.container(border=True):
        evidence = ", ".join(str(e) for e in (s.evidence or [])) or "–"
        st.markdown(f"**{md_escape(labels.get(s.code, s.code))}** ({md_escape(s.code)}) · tur {s.turn} · "
                    f"{md_escape(s.method)} · sikkerhet {s.score:.2f}  \nBelegg: {md_escape(evidence)}")
        st.caption(md_escape(s.text))
        a, r, _ = st.columns([1, 1, 4])
        a.button("Godta", key=f"accept_{s.id}", on_click=action, args=(accept_suggestion, db, s.id),
                 kwargs=dict(user=user, done=f"Forslag {s.id} godtatt."))
        r.button("Avvis", key=f"reject_{s.id}", on_click=action, args=(reject_suggestion, db, s.id),
                 kwargs=dict(user=user, done=f"Forslag {s.id} avvist."))
