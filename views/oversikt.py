"""Oversikt: which themes each actor raises in each phase, and the quotes behind every cell.

What a cell shows depends on the role, as the library decides: the resource group gets
suppressed numbers ("<3") and only released quotes; report authors and researchers get the
pseudonymised, scrubbed quotes; researchers may reveal names (audited) and release quotes.
"""

import streamlit as st

from workbench.analysis import RESEARCHER_ACTORS, coder_names, filter_values, quotes, theme_matrix
from workbench.codebook import current_codes
from workbench.sharing import release_quote, released_quotes, withdraw_release
from workbench.ui.charts import empty_codes, heatmap, selected_cell
from workbench.ui.format import (phase_note, ALL_CODERS, ALL_GROUPS, ALL_PHASES, ALL_PILOTS, CONSENSUS, NOT_CODED,
                                 UNKNOWN_ACTOR, UNKNOWN_ACTOR_NOTE, actor_label, code_title, coder_value,
                                 md_escape, quote_view, released_view, share_table, suppression_note)
from workbench.ui.session import (acting_role, acting_user, action, can, flash, friendly_errors, get_db,
                                  require_data, show_flash, ungrouped_message)

db = get_db()
user = acting_user()
LIBRARY = {"theme_matrix": theme_matrix, "quotes": quotes, "filter_values": filter_values,
           "current_codes": current_codes, "coder_names": coder_names, "released_quotes": released_quotes}


@st.cache_data(show_spinner=False, max_entries=64)
def _cached(name: str, _db, url: str, version: tuple, who: str | None, role: str | None, kwargs: tuple):
    """A library call, kept while the data is unchanged (``version``: ``Database.data_version``)
    for this user and role (pseudonyms and suppression depend on them); a rerun with the same
    filters (every widget click) does not compute again, and any write gives a new version."""
    return LIBRARY[name](_db, user=who, **dict(kwargs))


def library(name: str, **kwargs):
    """``LIBRARY[name](db, user=user, **kwargs)`` through the cache (not a reveal: every reveal
    is audited, so it is always run)."""
    if kwargs.get("reveal"):
        return LIBRARY[name](db, user=user, **kwargs)
    return _cached(name, db, db.url, version, user, acting_role(), tuple(sorted(kwargs.items())))

can_read_quotes = can("view_quotes")  # report authors and researchers; not the resource group
researcher = can("release")

st.title("Oversikt: temaer per aktør og fase")
st.caption("Fargen og tallet viser andelen av aktørens segmenter i fasen som har koden; n er antall "
           "kodede segmenter. Klikk en celle (eller velg aktør og kode under kartet) for å lese "
           "sitatene bak tallet.")
status = require_data(db)
if status is None:
    st.stop()
show_flash()

version = db.data_version()
values = library("filter_values")
codes = library("current_codes")
ungrouped = ungrouped_message(status)
if ungrouped:  # sources without manifest and roster: shown, in one cell, with how to describe them
    st.info(ungrouped)
labels = {c["id"]: c["label"] for c in codes}
phases, pilots = values["phase"], values["pilot"]
groups = [c["id"] for c in codes if c["parent"] is None and any(k["parent"] == c["id"] for k in codes)]

filters = st.columns(4 if can_read_quotes else 3)
phase = filters[0].selectbox("Fase", [ALL_PHASES] + phases, key="phase")
pilot = filters[1].selectbox("Pilot", [ALL_PILOTS] + pilots, key="pilot")
group = filters[2].selectbox("Kodegruppe", [ALL_GROUPS] + groups, key="group",
                             format_func=lambda g: g if g == ALL_GROUPS else labels.get(g, g))
coder = None
if can_read_quotes:  # coders are names of the project's researchers: not for the resource group
    coder_choice = filters[3].selectbox("Koder", [ALL_CODERS, CONSENSUS] + library("coder_names"),
                                        key="coder",
                                        help="Hvem sine kodinger som telles: alle, konsensus eller én koder.")
    coder = coder_value(coder_choice)
one_pilot = pilot != ALL_PILOTS
# the resource group sees the published tables only: counted without the interviewers' own turns
with_researchers = can_read_quotes and st.checkbox("Ta med forskernes egne ytringer (intervjuer/moderator)",
                                                   value=False, key="with_researchers")


def release_chosen(cell_code: str) -> None:
    """Release the chosen quotes of the cell under its code (read at click time).

    The quotes are picked by segment id; ``segments_frame`` gives each one's source id and turn
    number, which ``release_quote`` takes (the quote table's file name may be scrubbed)."""
    from workbench.analysis import segments_frame

    ids = [int(i) for i in st.session_state.get("release_pick") or []]
    if not ids:
        return
    where = action(segments_frame, db, user=user, segment_ids=ids)
    if where is None:
        return
    records = [action(release_quote, db, int(row.source_id), int(row.index), cell_code, user=user)
               for row in where.itertuples()]
    done = sum(r is not None for r in records)
    warnings = list(dict.fromkeys(w for r in records if r is not None for w in r.warnings))
    if done == len(ids):
        said = f"{done} sitat{'er' if done != 1 else ''} frigitt for ressursgruppen."
        # a quote whose actor and pilot point at one person: said with the success, not instead of it
        flash("warning" if warnings else "success", "\n\n".join([said, *map(md_escape, warnings)]))
    st.session_state["release_pick"] = []


def withdraw_chosen() -> None:
    ids = [int(i) for i in st.session_state.get("withdraw_pick") or []]
    done = sum(action(withdraw_release, db, i, user=user) is not None for i in ids)
    if ids and done == len(ids):
        flash("success", f"{done} frigivelse{'r' if done != 1 else ''} trukket tilbake.")
    st.session_state["withdraw_pick"] = []


with friendly_errors():
    m = library("theme_matrix", by=("actor", "phase", "pilot") if one_pilot else ("actor", "phase"),
                codes=None if group == ALL_GROUPS else group, coder=coder, fill=True,
                exclude_actors=() if with_researchers else tuple(RESEARCHER_ACTORS))
    k = m.attrs.get("suppressed_k")
    order_attrs = {a: m.attrs[a] for a in ("phase_order", "phase_note") if a in m.attrs}
    if one_pilot:
        m = m[m["pilot"] == pilot]
    if phase != ALL_PHASES:
        m = m[m["phase"] == phase]
    if group == ALL_GROUPS:
        m = m[m["level"] == 0]
    m = m.reset_index(drop=True)
    if k is not None:
        m.attrs["suppressed_k"] = k
    m.attrs.update(order_attrs)  # the phases in the project's order (workbench settings set phase_order)

    if m.empty:
        st.info("Ingen segmenter i dette utvalget. Velg en annen fase eller pilot.")
        st.stop()
    suppressed = "suppressed" in m.columns and bool(m["suppressed"].any())
    if int(m["segments"].fillna(0).sum()) == 0 and not suppressed:
        st.info("Ingen kodinger i dette utvalget ennå; kod på siden «Koding» eller velg andre filtre.")

    facet = phase == ALL_PHASES and m["phase"].nunique() > 1
    event = st.altair_chart(heatmap(m, facet_phase=facet), on_select="rerun", key="heatmap")
    if facet and m.attrs.get("phase_note"):
        st.caption(md_escape(phase_note(m.attrs["phase_note"], researcher=can("settings"))))
    if k is not None:
        st.caption(f"{suppression_note(k)}. Slike tall vises ikke, og enkelte andre celler skjules også, "
                   "så de ikke kan regnes ut fra summene.")
    if UNKNOWN_ACTOR in set(m["actor"]):
        st.caption(UNKNOWN_ACTOR_NOTE)
    if empty_codes(m):
        st.caption(f"«{NOT_CODED}»: koden har ingen kodinger i dette utvalget.")

    # Accessible fallback (and the way tests pick a cell): the chart's click fills these boxes.
    actors = list(dict.fromkeys(m["actor"]))
    cell_codes = list(dict.fromkeys(m["code"]))
    clicked = selected_cell(event)
    if clicked and clicked != st.session_state.get("_clicked"):
        st.session_state["_clicked"] = clicked
        if clicked["actor"] in actors:
            st.session_state["cell_actor"] = clicked["actor"]
        if clicked["code"] in cell_codes:
            st.session_state["cell_code"] = clicked["code"]
        if phase == ALL_PHASES and clicked.get("phase") in phases:
            st.session_state["cell_phase"] = clicked["phase"]
    busiest = m.loc[m["segments"].astype(float).fillna(-1).idxmax()]  # the cell with most coded segments
    for key, options, default in (("cell_actor", actors, busiest["actor"]),
                                  ("cell_code", cell_codes, busiest["code"])):
        if st.session_state.get(key) not in options:
            st.session_state[key] = default

    st.subheader("Sitater bak en celle")
    c1, c2, c3 = st.columns(3)
    actor = c1.selectbox("Aktør", actors, key="cell_actor", format_func=actor_label)
    level = dict(zip(m["code"], m["level"]))
    code = c2.selectbox("Kode", cell_codes, key="cell_code",
                        format_func=lambda c: code_title(labels.get(c, c), level.get(c, 0)))
    if phase == ALL_PHASES:
        quote_phase = c3.selectbox("Fase for sitatene", [ALL_PHASES] + phases, key="cell_phase")
    else:
        quote_phase = phase
        c3.text_input("Fase for sitatene", value=phase, disabled=True)
    cell = dict(code=code, actor=actor, phase=None if quote_phase == ALL_PHASES else quote_phase,
                pilot=pilot if one_pilot else None)
    where = f"{actor_label(actor)} · {labels.get(code, code)}" + ("" if quote_phase == ALL_PHASES else f" · {quote_phase}")

    if not can_read_quotes:  # the resource group: only what a researcher released
        r = library("released_quotes", **cell)
        st.markdown(f"**{len(r)} frigitt{'e' if len(r) != 1 else ''} sitat{'er' if len(r) != 1 else ''}**: "
                    f"{md_escape(where)}")
        if r.empty:
            st.info("Ingen frigitte sitater for denne cellen.")
        else:
            st.dataframe(released_view(r), hide_index=True, key="released",
                         column_config={"Sitat": st.column_config.TextColumn(width="large")})
    else:
        reveal = researcher and st.checkbox(
            "Vis navn slik de står i filene (logges)", key="reveal",
            help="Viser taleretiketter og tekst uten anonymisering. Hver visning lagres i revisjonsloggen.")
        q = library("quotes", coder=coder, reveal=reveal, **cell)
        st.markdown(f"**{len(q)} sitat{'er' if len(q) != 1 else ''}**: {md_escape(where)}")
        if not q.empty:
            st.dataframe(quote_view(q, released=researcher), hide_index=True, key="quotes",
                         column_config={"Sitat": st.column_config.TextColumn(width="large")})
        if researcher:
            with st.expander("Frigi sitater for ressursgruppen"):
                st.caption("Ressursgruppen ser bare frigitte sitater, med pseudonym og uten navn fra "
                           "rosteret. Teksten lagres slik den står nå (anonymisert).")
                waiting = q[~q["released"].astype(bool)] if not q.empty else q
                shown = {int(s): f"{p} · {sp or a} · {str(t)[:80]}" for s, p, sp, a, t in
                         zip(waiting.get("segment_id", []), waiting.get("position", []),
                             waiting.get("speaker", []), waiting.get("actor", []), waiting.get("text", []))}
                st.multiselect("Sitater som ikke er frigitt", list(shown), key="release_pick",
                                      format_func=lambda s: shown.get(s, str(s)))
                st.button("Frigi for ressursgruppen", key="release", type="primary", disabled=not shown,
                          on_click=release_chosen, args=(code,))
                out = library("released_quotes", **cell)  # what the resource group sees here
                given = {int(i): f"{sp or a} · {str(t)[:80]}" for i, sp, a, t in
                         zip(out["id"], out["speaker"], out["actor"], out["text"])}
                st.multiselect("Frigitte sitater i cellen", list(given), key="withdraw_pick",
                               format_func=lambda i: given.get(i, str(i)))
                st.button("Trekk tilbake", key="withdraw", disabled=not given, on_click=withdraw_chosen)

    with st.expander("Tabell: andel per aktør og kode"):
        st.dataframe(share_table(m), hide_index=True, key="share_table")
