"""Kodebok: browse the codes with definitions, criteria, examples and theory, and their frequencies.

Every role sees the codebook; the resource group gets frequencies with small numbers suppressed
("<3") and no coder filter."""

from pathlib import PurePath

import pandas as pd
import streamlit as st

from workbench.analysis import code_frequencies, coder_names
from workbench.codebook import current_codes, current_version
from workbench.export.tables import counted_out
from workbench.ui.charts import frequency_bars
from workbench.ui.format import (ALL_CODERS, CONSENSUS, code_title, coder_value, md_escape, percent,
                                 suppressed_text, suppression_note)
from workbench.ui.session import acting_user, can, friendly_errors, get_db, require_data

RETIRED = "(tatt ut)"

db = get_db()
user = acting_user()
st.title("Kodebok")
if require_data(db, sources=False) is None:  # the codebook is shown before any source is read in
    st.stop()
# retired codes too: one taken out of the file while still coded keeps its codings, and its parent's
# counts include them, so it is listed (marked «tatt ut») when it has codings
every_code = current_codes(db, user=user, include_retired=True)
codes = [c for c in every_code if not c["retired"]]
version = current_version(db, user=user)
if version:
    # the file's name only: the folder it was loaded from is the server's business
    source_file = PurePath(version["file_name"]).name if version["file_name"] else "ukjent fil"
    st.caption(f"Versjon {version['id']} «{md_escape(version['name'])}» fra {md_escape(source_file)}, "
               f"{len(codes)} koder.")

f1, f2 = st.columns([2, 1])
search = f1.text_input("Søk i koder (id, navn, definisjon)", key="search").strip().lower()
coder = None
if can("view_quotes"):  # coder names are not for the resource group
    coder = coder_value(f2.selectbox("Koder", [ALL_CODERS, CONSENSUS] + coder_names(db, user=user),
                                     key="coder"))

with friendly_errors():
    # the one counting rule of dashboards and exports: the interviewers' own turns are not counted
    freq = code_frequencies(db, coder=coder, exclude_actors=counted_out(), user=user)
    k = freq.attrs.get("suppressed_k", 3)
    hidden = set(freq.loc[freq["suppressed"].fillna(True).astype(bool), "code"]) if "suppressed" in freq else set()

    def count(f, column: str):
        """A count as int, or "<k" text where suppressed (then the whole column is text)."""
        if f is None:
            return "0" if hidden else 0
        if f.name in hidden or pd.isna(f[column]):
            return suppressed_text(k)
        return str(int(f[column])) if hidden else int(f[column])

    by_id = freq.set_index("code")
    tree_order = {code: i for i, code in enumerate(freq["code"])}  # children under their parents

    def still_coded(c) -> bool:
        """A retired code with codings (a suppressed count is one too)."""
        if c["id"] not in by_id.index:
            return False
        n = by_id.loc[c["id"], "codings"]
        return bool(pd.isna(n) or n > 0)

    listed = sorted([c for c in every_code if not c["retired"] or still_coded(c)],
                    key=lambda c: tree_order.get(c["id"], len(tree_order)))
    rows = []
    for c in listed:
        text = " ".join([c["id"], c["label"], c["definition"]]).lower()
        if search and search not in text:
            continue
        f = by_id.loc[c["id"]] if c["id"] in by_id.index else None
        share = None if f is None else f["share"]
        title = code_title(c["label"], 0 if f is None else f["level"]) + (f" {RETIRED}" if c["retired"] else "")
        rows.append({"Kode": title, "Kode-ID": c["id"],
                     "Kodbar": "nei (tatt ut)" if c["retired"] else "ja" if c["codable"] else "nei (gruppe)",
                     "Segmenter": count(f, "segments"), "Kodinger": count(f, "codings"),
                     "Andel av alle segmenter": (suppressed_text(k) if f is not None and f.name in hidden
                                                 else percent(share))})
    st.markdown(f"**{len(rows)} koder**" + (f" som passer «{md_escape(search)}»" if search else ""))
    if hidden:
        st.caption(suppression_note(k))
    st.dataframe(rows, hide_index=True, key="codes_table")
    st.caption("Forskernes egne ytringer (intervjuer/moderator) telles ikke, som på Oversikt og i eksporten.")
    if any(c["retired"] for c in listed):
        st.caption(f"{RETIRED}: koden er tatt ut av kodeboka, men kodingene på den står (og telles med i "
                   "gruppen over); den kan ikke brukes på nytt. Slå den sammen med en aktiv kode med "
                   "`workbench codebook merge` om kodingene skal over dit.")
    if not rows:
        st.stop()

    shown = [r["Kode-ID"] for r in rows]
    detail = {c["id"]: c for c in listed}
    chosen = st.selectbox("Vis kode", shown, key="detail",
                          format_func=lambda i: f"{detail[i]['label']} ({i})")
    c = detail[chosen]
    left, right = st.columns([3, 2], gap="large")
    with left:
        st.subheader(md_escape(c["label"]))
        st.caption(md_escape(c["id"]) + (f" · under {md_escape(c['parent'])}" if c["parent"] else "")
                   + (" · tatt ut av kodeboka, kodingene står" if c["retired"]
                      else "" if c["codable"] else " · gruppe, kod med underkodene"))
        for title, key in (("Definisjon", "definition"), ("Bruk når (inklusjon)", "inclusion"),
                           ("Ikke bruk når (eksklusjon)", "exclusion"), ("Teori", "theory")):
            if c[key]:
                st.markdown(f"**{title}**  \n{md_escape(c[key])}")
        if c["examples"]:
            st.markdown("**Eksempler**  \n" + "\n".join(f"- «{md_escape(e)}»" for e in c["examples"]))
        if c["lexicon"]:
            st.markdown("**Leksikon (for forslag)**: " + md_escape(", ".join(c["lexicon"])))
    with right:
        subtree = freq[(freq["code"] == chosen) | freq["code"].str.startswith(chosen + ".")]
        shown = subtree[~subtree["code"].isin(hidden)]
        if int(shown["segments"].fillna(0).sum()):
            st.altair_chart(frequency_bars(shown), key="freq_chart")
        elif len(shown) < len(subtree):
            st.caption(f"Tallene for koden hviler på færre enn {k} personer og vises ikke.")
        else:
            st.caption("Ingen kodede segmenter ennå.")
