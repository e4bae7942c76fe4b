"""Søk (researchers): lemma-aware keyword-in-context search over every turn, coding a hit in one
click (the word, its sentence or the whole turn), and the coded segments of a code across
sources with a turn of context on each side. Speakers are pseudonyms on both tabs; a researcher
may show the coded segments' speaker labels as written (audited). Calls ``workbench.search`` and
``workbench.coding`` only; every research text is escaped (``md_escape``)."""

import streamlit as st

from workbench.analysis import coder_names, filter_values
from workbench.codebook import current_codes
from workbench.coding import code_hit
from workbench.errors import WorkbenchError
from workbench.ingest import list_sources
from workbench.search import coded_segments, query_notes, search
from workbench.ui.format import (UNKNOWN_ACTOR_LABEL, actor_label, coded_text, count_noun, kwic_markdown, md_escape,
                                 shortened)
from workbench.ui.session import acting_user, action, can, error_text, flash, get_db, require_data, show_flash

PAGE = 25
WIDTH = 60  # characters of context on each side of a hit
SPANS = {"sentence": "Setningen", "match": "Treffordet", "turn": "Hele turen"}
db = get_db()
user = acting_user()
st.title("Søk")
if require_data(db, codebook=False) is None:  # text search needs no codebook, nor phase or actor
    st.stop()
show_flash()

codes = current_codes(db, user=user)
labels = {c["id"]: c["label"] for c in codes}
codable = [c["id"] for c in codes if c["codable"]]
values = filter_values(db, user=user)
sources = [s["file"] for s in list_sources(db, user=user)]

find_tab, coded_tab = st.tabs(["Søk i teksten", "Kodede utdrag"])

with find_tab:
    q1, q2 = st.columns([4, 1])
    query = q1.text_input("Søk etter", key="q", placeholder='samarbeid, tillit eller «felles ansvar»',
                          help="Ord finnes i alle bøyningsformer (samarbeid finner samarbeidet), også som del av "
                               "ord med bindestrek (Finnmark finner Midt-Finnmark), og flere ord (skilt med "
                               "mellomrom eller komma) finner hvilket som helst av dem. En frase i anførselstegn "
                               "(\"…\", «…» eller “…”) finnes ordrett, som hele ord. * til slutt i et ord finner "
                               "ord som begynner slik (kommun* finner kommunen og kommunestyret; minst tre "
                               "bokstaver foran *). Et tall finnes slik det er skrevet. Et ord i en bokmålstekst "
                               "finnes med bokmålsbøyningene, i en nynorsktekst med nynorskbøyningene: eg finner "
                               "nynorsk eg og meg, ikke bokmål meg. AND, OR, NOT og jokertegnene ?, ~ og ^ er ikke "
                               "operatorer.")
    compounds = q2.checkbox("Med sammensetninger", key="compounds",
                            help="Finner også ordet inne i sammensatte ord (samarbeid i kommunesamarbeidet).")
    headings = q2.checkbox("Søk i overskrifter", key="q_headings",
                           help="Viser også turene under en overskrift (et tema i intervjuguiden, en del av et "
                                "dokument) som passer med søket, hver tur én gang, som treff i overskriften. Et "
                                "slikt treff kodes som hele turen.")
    f1, f2, f3, f4 = st.columns(4)
    source = f1.selectbox("Kilde", [None, *sources], key="q_source", format_func=lambda v: v or "Alle kilder")
    actor = f2.selectbox("Aktør", [None, *values["actor"]], key="q_actor",
                         format_func=lambda v: "Alle aktører" if v is None else actor_label(v))
    phase = f3.selectbox("Fase", [None, *values["phase"]], key="q_phase", format_func=lambda v: v or "Alle faser")
    code_filter = f4.selectbox("Turer med koden", [None, *[c["id"] for c in codes]], key="q_code",
                               format_func=lambda v: "Alle turer" if v is None else labels.get(v, v))

    # "Vis flere" belongs to one search: a new query or filter starts on the first page again
    scope = (query, compounds, headings, source, actor, phase, code_filter)
    if st.session_state.get("q_scope") != scope:
        st.session_state["q_scope"], st.session_state["q_shown"] = scope, PAGE
    hits, failed = [], False
    if query.strip():
        try:
            hits = search(db, query, source=source, actor=actor, phase=phase, code=code_filter,
                          compounds=compounds, headings=headings, width=WIDTH, user=user)
        except WorkbenchError as exc:
            st.error(error_text(exc))
            failed = True
    if query.strip() and not failed:
        for note in query_notes(query, compounds_option="«Med sammensetninger»"):
            st.warning(md_escape(note))
    if query.strip() and not hits and not failed:
        st.info("Ingen treff.")
    if hits:
        turns = len({(h["source"], h["turn"]) for h in hits})
        st.caption(f"{len(hits)} treff i {count_noun(turns, 'tur', 'turer')}.")
        may_code = can("code") and codable
        if may_code:
            c1, c2 = st.columns([3, 2])
            code = c1.selectbox("Kode for treffene", codable, key="q_apply_code", index=None,
                                placeholder="Velg koden treffene skal kodes med",
                                format_func=lambda c: f"{labels.get(c, c)} ({c})")
            unit = c2.radio("Det som kodes", list(SPANS), key="q_unit", horizontal=True, format_func=SPANS.get)
        shown = st.session_state.get("q_shown", PAGE)

        def code_this(hit: dict) -> None:
            c, unit = st.session_state["q_apply_code"], st.session_state.get("q_unit", "sentence")
            rec = action(code_hit, db, hit["source"], hit["turn"], c, hit["start"], hit["end"], unit=unit, user=user)
            if rec is not None:
                what = "hele turen" if rec.start is None else f"«{md_escape(shortened(rec.text))}»"
                where, name = f"{what} (tur {hit['turn']} i {md_escape(hit['source'])})", md_escape(labels.get(c, c))
                flash(*coded_text(rec, where, name))  # or "allerede kodet": nothing new stored

        for i, hit in enumerate(hits[:shown]):
            with st.container(border=True):
                line, button = st.columns([6, 1])
                line.markdown(("Overskrift: " if hit["in_heading"] else "") + kwic_markdown(hit, WIDTH))
                heading = None if hit["in_heading"] or not hit["heading"] else f"under «{shortened(hit['heading'])}»"
                line.caption(" · ".join(md_escape(v) for v in (hit["source"], f"tur {hit['turn']}", hit["speaker"],
                                                               actor_label(hit["actor"]) if hit["actor"] else None,
                                                               hit["phase"], heading) if v))
                if may_code:
                    button.button("Kod", key=f"code_hit_{i}", on_click=code_this, args=(hit,), disabled=code is None,
                                  help="Koder treffet med koden valgt over." if code is not None
                                  else "Velg først koden treffene skal kodes med (over treffene).")
        if len(hits) > shown:
            st.button(f"Vis flere ({len(hits) - shown} til)", key="q_more",
                      on_click=lambda: st.session_state.__setitem__("q_shown", shown + PAGE))

with coded_tab:
    c1, c2 = st.columns([3, 2])
    chosen = c1.selectbox("Kode", [c["id"] for c in codes], key="r_code", index=None, placeholder="Velg en kode",
                          format_func=lambda c: ("  " * c.count(".")) + labels.get(c, c))
    coders = coder_names(db, user=user)
    coder = c2.selectbox("Koder", [None, *coders], key="r_coder", format_func=lambda v: v or "Alle kodere")
    # speakers are pseudonyms, as in "Søk i teksten"; a researcher may reveal the labels (audited)
    reveal = can("reveal") and st.checkbox(
        "Vis navn slik de står i filene (logges)", key="r_reveal",
        help="Viser taleretikettene slik de står i filene. Hver visning lagres i revisjonsloggen.")
    if chosen:
        try:
            rows = coded_segments(db, chosen, coder=coder, reveal=reveal, user=user)
        except WorkbenchError as exc:
            st.error(error_text(exc))
            rows = []
        st.caption(f"{len(rows)} kodede utdrag med «{md_escape(labels.get(chosen, chosen))}» "
                   "(underkoder tatt med).")
        for r in rows[:200]:
            with st.container(border=True):
                st.caption(" · ".join(md_escape(v) for v in (r["source"], f"tur {r['turn']}", r["speaker"],
                                                             labels.get(r["code"], r["code"]), f"koder {r['coder']}")
                                      if v))
                # a turn without a speaker (a document, notes) reads "Dokument / notater", as elsewhere
                if r["before"]:
                    st.markdown(f":gray[{md_escape(r['before']['speaker'] or UNKNOWN_ACTOR_LABEL)}: "
                                f"{md_escape(r['before']['text'][-300:])}]")
                st.markdown(f"**{md_escape(r['text'])}**")
                if r["after"]:
                    st.markdown(f":gray[{md_escape(r['after']['speaker'] or UNKNOWN_ACTOR_LABEL)}: "
                                f"{md_escape(r['after']['text'][:300])}]")
                if r["memo"]:
                    st.caption(f"Notat: {md_escape(r['memo'])}")
        if len(rows) > 200:
            st.caption(f"Viser de første 200 av {len(rows)}; bruk eksporten for alle.")
