"""Oversikt: which themes each actor raises in each phase, and the quotes behind every cell."""

import streamlit as st

from workbench.analysis import RESEARCHER_ACTORS, coder_names, quotes, theme_matrix
from workbench.analysis.aggregate import natural_key
from workbench.codebook import current_codes
from workbench.ingest import list_sources
from workbench.ui.charts import heatmap, selected_cell
from workbench.ui.format import (ALL_CODERS, ALL_GROUPS, ALL_PHASES, ALL_PILOTS, CONSENSUS, coder_value,
                                 code_title, quote_view, share_table)
from workbench.ui.session import acting_user, friendly_errors, get_db, require_data

db = get_db()
user = acting_user()
st.title("Oversikt: temaer per aktør og fase")
st.caption("Fargen viser andelen av aktørens segmenter i fasen som har koden. Klikk en celle "
           "(eller velg aktør og kode under kartet) for å lese sitatene bak tallet.")
if not require_data(db):
    st.stop()

sources = list_sources(db, user=user)
codes = current_codes(db, user=user)
if not codes:
    st.info("Ingen kodebok er lastet ennå: kjør `workbench codebook load codebooks/bygdevekst.yaml`.")
    st.stop()
labels = {c["id"]: c["label"] for c in codes}
phases = sorted({s["phase"] for s in sources if s["phase"]}, key=natural_key)
pilots = sorted({s["pilot"] for s in sources if s["pilot"]}
                | {sp["pilot"] for s in sources for sp in s["speakers"] if sp["pilot"]}, key=natural_key)
groups = [c["id"] for c in codes if c["parent"] is None and any(k["parent"] == c["id"] for k in codes)]

f1, f2, f3, f4 = st.columns(4)
phase = f1.selectbox("Fase", [ALL_PHASES] + phases, key="phase")
pilot = f2.selectbox("Pilot", [ALL_PILOTS] + pilots, key="pilot")
group = f3.selectbox("Kodegruppe", [ALL_GROUPS] + groups, key="group",
                     format_func=lambda g: g if g == ALL_GROUPS else labels.get(g, g))
coder_choice = f4.selectbox("Koder", [ALL_CODERS, CONSENSUS] + coder_names(db, user=user), key="coder",
                            help="Hvem sine kodinger som telles: alle, konsensus eller én koder.")
coder = coder_value(coder_choice)
one_pilot = pilot != ALL_PILOTS
with_researchers = st.checkbox("Ta med forskernes egne ytringer (intervjuer/moderator)", value=False,
                               key="with_researchers")

with friendly_errors():
    m = theme_matrix(db, by=("actor", "phase", "pilot") if one_pilot else ("actor", "phase"),
                     codes=None if group == ALL_GROUPS else group, coder=coder, fill=True,
                     exclude_actors=() if with_researchers else RESEARCHER_ACTORS, user=user)
    if one_pilot:
        m = m[m["pilot"] == pilot]
    if phase != ALL_PHASES:
        m = m[m["phase"] == phase]
    if group == ALL_GROUPS:
        m = m[m["level"] == 0]
    m = m.reset_index(drop=True)

    if m.empty:
        st.info("Ingen segmenter i dette utvalget. Velg en annen fase eller pilot.")
        st.stop()
    if int(m["segments"].sum()) == 0:
        st.info("Ingen kodinger i dette utvalget ennå; kod på siden «Koding» eller velg andre filtre.")

    facet = phase == ALL_PHASES and m["phase"].nunique() > 1
    event = st.altair_chart(heatmap(m, facet_phase=facet), on_select="rerun", key="heatmap")

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
    busiest = m.loc[m["segments"].idxmax()]  # start on the cell with the most coded segments
    for key, options, default in (("cell_actor", actors, busiest["actor"]),
                                  ("cell_code", cell_codes, busiest["code"])):
        if st.session_state.get(key) not in options:
            st.session_state[key] = default

    st.subheader("Sitater bak en celle")
    c1, c2, c3 = st.columns(3)
    actor = c1.selectbox("Aktør", actors, key="cell_actor")
    level = dict(zip(m["code"], m["level"]))
    code = c2.selectbox("Kode", cell_codes, key="cell_code",
                        format_func=lambda c: code_title(labels.get(c, c), level.get(c, 0)))
    if phase == ALL_PHASES:
        quote_phase = c3.selectbox("Fase for sitatene", [ALL_PHASES] + phases, key="cell_phase")
    else:
        quote_phase = phase
        c3.text_input("Fase for sitatene", value=phase, disabled=True)
    q = quotes(db, code=code, actor=actor, phase=None if quote_phase == ALL_PHASES else quote_phase,
               pilot=pilot if one_pilot else None, coder=coder, user=user)
    where = f"{actor} · {labels.get(code, code)}" + ("" if quote_phase == ALL_PHASES else f" · {quote_phase}")
    st.markdown(f"**{len(q)} sitat{'er' if len(q) != 1 else ''}**: {where}")
    if not q.empty:
        st.dataframe(quote_view(q), hide_index=True, key="quotes",
                     column_config={"Sitat": st.column_config.TextColumn(width="large")})

    with st.expander("Tabell: andel per aktør og kode"):
        st.dataframe(share_table(m), hide_index=True, key="share_table")
