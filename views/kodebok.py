"""Kodebok: browse the codes with definitions, criteria, examples and theory, and their frequencies."""

import streamlit as st

from workbench.analysis import code_frequencies, coder_names
from workbench.codebook import current_codes, current_version
from workbench.ui.charts import frequency_bars
from workbench.ui.format import ALL_CODERS, CONSENSUS, code_title, coder_value, percent
from workbench.ui.session import acting_user, friendly_errors, get_db, require_data

db = get_db()
user = acting_user()
st.title("Kodebok")
if not require_data(db):
    st.stop()
codes = current_codes(db, user=user)
if not codes:
    st.info("Ingen kodebok er lastet ennå: kjør `workbench codebook load codebooks/bygdevekst.yaml`.")
    st.stop()
version = current_version(db)
if version:
    st.caption(f"Versjon {version['id']} «{version['name']}» fra {version['file_name'] or 'ukjent fil'}, "
               f"{len(codes)} koder.")

f1, f2 = st.columns([2, 1])
search = f1.text_input("Søk i koder (id, navn, definisjon)", key="search").strip().lower()
coder_choice = f2.selectbox("Koder", [ALL_CODERS, CONSENSUS] + coder_names(db, user=user), key="coder")

with friendly_errors():
    freq = code_frequencies(db, coder=coder_value(coder_choice), user=user)
    by_id = freq.set_index("code")
    rows = []
    for c in codes:
        text = " ".join([c["id"], c["label"], c["definition"]]).lower()
        if search and search not in text:
            continue
        f = by_id.loc[c["id"]] if c["id"] in by_id.index else None
        rows.append({"Kode": code_title(c["label"], 0 if f is None else f["level"]), "Kode-ID": c["id"],
                     "Kodbar": "ja" if c["codable"] else "nei (gruppe)",
                     "Segmenter": 0 if f is None else int(f["segments"]),
                     "Kodinger": 0 if f is None else int(f["codings"]),
                     "Andel av alle segmenter": percent(None if f is None else f["share"])})
    st.markdown(f"**{len(rows)} koder**" + (f" som passer «{search}»" if search else ""))
    st.dataframe(rows, hide_index=True, key="codes_table")
    if not rows:
        st.stop()

    shown = [r["Kode-ID"] for r in rows]
    detail = {c["id"]: c for c in codes}
    chosen = st.selectbox("Vis kode", shown, key="detail",
                          format_func=lambda i: f"{detail[i]['label']} ({i})")
    c = detail[chosen]
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader(c["label"])
        st.caption(f"`{c['id']}`" + (f" · under `{c['parent']}`" if c["parent"] else "")
                   + ("" if c["codable"] else " · gruppe, kod med underkodene"))
        for title, key in (("Definisjon", "definition"), ("Bruk når (inklusjon)", "inclusion"),
                           ("Ikke bruk når (eksklusjon)", "exclusion"), ("Teori", "theory")):
            if c[key]:
                st.markdown(f"**{title}**  \n{c[key]}")
        if c["examples"]:
            st.markdown("**Eksempler**  \n" + "\n".join(f"- «{e}»" for e in c["examples"]))
        if c["lexicon"]:
            st.markdown("**Leksikon (for forslag)**: " + ", ".join(c["lexicon"]))
    with right:
        subtree = freq[(freq["code"] == chosen) | freq["code"].str.startswith(chosen + ".")]
        if int(subtree["segments"].sum()):
            st.altair_chart(frequency_bars(subtree), key="freq_chart")
        else:
            st.caption("Ingen kodede segmenter ennå.")
