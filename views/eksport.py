"""Eksport (report authors and researchers): report tables (xlsx, docx, csv) and charts (PNG) for
download; optionally fit for the resource group (small cells suppressed, released quotes only)
and, for researchers, with names as written in the files (audited)."""

import tempfile
from pathlib import Path

import streamlit as st

from workbench.analysis import coder_names
from workbench.export import export_tables
from workbench.sharing import min_cell_speakers
from workbench.ui.format import ALL_CODERS, CONSENSUS, coder_value, md_escape, phase_note, suppressed_text, zip_files
from workbench.ui.session import acting_user, action, can, get_db, require_data, show_flash

FORMATS = {"xlsx": ("Excel (xlsx)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
           "docx": ("Word (docx)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
           "csv": ("CSV (zip)", "application/zip")}

db = get_db()
user = acting_user()
st.title("Eksport")
st.caption("Tabellene til rapporten: aktør x kode per fase, fasesammenligning, samforekomst, "
           "kodefrekvenser og sitater med referanser, med norske overskrifter. Figurene lagres som PNG.")
if require_data(db) is None:  # what exists is exported, with or without phase and actor
    st.stop()
show_flash()

f1, f2 = st.columns(2)
fmt = f1.radio("Format", list(FORMATS), key="format", horizontal=True, format_func=lambda f: FORMATS[f][0])
coder_choice = f2.selectbox("Koder", [ALL_CODERS, CONSENSUS] + coder_names(db, user=user), key="coder")
k = min_cell_speakers(db)  # the project's k (workbench settings set min_cell_speakers 5)
st.checkbox("Skjul små celler og ta bare med frigitte sitater (for ressursgruppen)", key="suppress",
            help=f"Tall som hviler på færre enn {k} personer, eller bare på tekst uten taler (dokumenter og "
                 f"notater), blir «{suppressed_text(k)}» (og noen andre skjules, så de ikke kan regnes ut), slik "
                 "ressursgruppen ser dem i appen, og sitatene er bare de som er frigitt for ressursgruppen. "
                 "Lages med alle koderes kodinger og uten forskernes egne ytringer.")
st.checkbox("Ta med forskernes egne ytringer", key="include_researchers",
            help="Som standard telles ikke intervjuernes egne ytringer (aktør «forsker»), verken i "
                 "tabellene, figurene eller sitatene – slik som på Oversikt.")
if can("reveal"):
    st.checkbox("Vis navn slik de står i filene (logges)", key="reveal",
                help="Taleretiketter og tekst uten anonymisering. Eksporten lagres i revisjonsloggen.")


def chosen_options() -> dict:
    """The options an export is made with, as chosen on the page right now."""
    return {"user": user, "format": st.session_state["format"], "coder": coder_value(st.session_state["coder"]),
            "suppress": bool(st.session_state.get("suppress")),
            "reveal": bool(st.session_state.get("reveal")) and can("reveal"),
            "include_researchers": bool(st.session_state.get("include_researchers"))}


def build() -> None:
    """Write the export to a temporary folder and keep the bytes for the download buttons, with
    the options they were made with (a download is offered only while those are the options)."""
    st.session_state.pop("export", None)  # never leave an earlier export behind a failed one
    st.session_state.pop("export_outdated", None)
    options = chosen_options()
    chosen = options["format"]
    with tempfile.TemporaryDirectory() as tmp:
        target = Path(tmp) / ("tabeller" if chosen == "csv" else f"tabeller.{chosen}")
        files = action(export_tables, db, target, format=chosen, user=user, coder=options["coder"],
                       suppress=options["suppress"], reveal=options["reveal"],
                       include_researchers=options["include_researchers"], via="app",
                       done="Eksporten er klar: last ned under.")
        if files is None:
            return
        tables = [f for f in files if f.suffix.lower() != ".png"]
        charts = [f for f in files if f.suffix.lower() == ".png"]
        if chosen == "csv":
            table_file = ("tabeller_csv.zip", zip_files(tables))
        else:
            table_file = (tables[0].name, tables[0].read_bytes())
        st.session_state["export"] = {"options": options, "format": chosen, "tables": table_file,
                                      "charts": [(f.name, f.read_bytes()) for f in charts],
                                      "notes": list(getattr(files, "notes", ()))}


if st.button("Lag eksport", key="build", type="primary"):
    with st.spinner("Lager tabeller og figurer ..."):
        build()
    show_flash()

done = st.session_state.get("export")
if done and done.get("options") != chosen_options():
    # Made with other options (e.g. before "Skjul små celler" was ticked): never offer it under these.
    del st.session_state["export"]
    st.session_state["export_outdated"] = True
    done = None
if not done and st.session_state.get("export_outdated"):
    st.info("Valgene er endret etter at eksporten ble laget. Trykk «Lag eksport» for å lage den på nytt "
            "med disse valgene.")
if done:
    for note in done.get("notes", ()):  # a table left out (one phase), a phase order to check
        st.info(md_escape(phase_note(note, researcher=can("settings"))))
    name, data = done["tables"]
    st.download_button(f"Last ned tabellene ({FORMATS[done['format']][0]})", data, file_name=name,
                       mime=FORMATS[done["format"]][1], key="download_tables", type="primary")
    if done["charts"]:
        st.subheader("Figurer")
        for i, (chart_name, png) in enumerate(done["charts"]):
            with st.container(border=True):
                st.image(png, caption=chart_name)
                st.download_button(f"Last ned {md_escape(chart_name)}", png, file_name=chart_name, mime="image/png",
                                   key=f"download_chart_{i}")
