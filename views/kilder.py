"""Kilder (researchers): the project's sources with their metadata, and «Endre metadata» for one
source: its kind, phase, pilot, county, date and language, and its speakers' actor, organisation
and pilot.

A thin shell over ``workbench.ingest.metadata``: the choices are ``metadata_choices`` (the values
already in the project; phase, pilot, county, actor and organisation also take a new one), and
«Lagre endringer» sends the fields the user edited to ``set_metadata``, which checks them, changes
the source and its speakers in one transaction with one ``set_metadata`` audit event (pseudonyms,
released quotes and the dashboards follow), or changes nothing and raises. The page shows what
changed in one Norwegian line, or the error through ``ui.messages``. Only roles with ``ingest``
(researchers) have the page; speaker labels and file names are shown as written, as on Koding.

«Faserekkefølge» (for roles with ``settings``, researchers as well) shows the order every dashboard,
export, chart and phase filter uses (``analysis.aggregate.order_phases`` of the sources' phases)
and sets the project's ``phase_order`` through ``sharing.set_setting`` («Lagre rekkefølge»), or
unsets it («Tilbakestill»); a name no source has, or a phase named twice, is the library's error
in Norwegian and changes nothing.
"""

import streamlit as st

from workbench.analysis.aggregate import order_phases
from workbench.ingest import list_sources
from workbench.ingest.metadata import metadata_choices, set_metadata
from workbench.sharing import join_phases, set_setting, setting, split_phases, value_warnings
from workbench.ui.format import md_escape, phase_note
from workbench.ui.metadata import (LANGUAGE_LABELS, NONE_CHOICE, SOURCE_FORM, SPEAKER_FORM, change_text, choices,
                                   edited, form_id, phase_order_caption, phase_order_key, phase_order_reset,
                                   phase_order_saved, shown_values, sources_table)
from workbench.ui.session import acting_user, action, can, flash, get_db, require_data, show_flash

db = get_db()
user = acting_user()
st.title("Kilder")
st.caption("Kildene i prosjektet med metadata fra manifest.csv og participants.csv. Under «Endre metadata» "
           "retter du type, fase, pilot, fylke, dato og språk for én kilde og aktøren til talerne i den. "
           "Tekst, turer og kodinger endres ikke; endringen lagres i revisjonsloggen, og oversikten og "
           "eksportene teller med de nye verdiene med en gang.")
if require_data(db, codebook=False) is None:  # sources are described before a codebook is loaded
    st.stop()

sources = list_sources(db, user=user)
known = metadata_choices(db, user=user)
by_id = {s["id"]: s for s in sources}
st.dataframe(sources_table(sources), hide_index=True, key="sources_table")

st.subheader("Endre metadata")
show_flash()
source_id = st.selectbox("Kilde", list(by_id), key="meta_source", format_func=lambda i: by_id[i]["file"])
src = by_id[source_id]
shown_fields, shown_speakers = shown_values(src)
prefix = form_id(source_id, (shown_fields, shown_speakers))


def speaker_key(i: int, field: str) -> str:
    return f"{prefix}:speaker{i}:{field}"


def save(source_id: int, prefix: str, shown_fields: dict, shown_speakers: list) -> None:
    """Send what the user edited to the library (read at click time); say what changed."""
    fields = edited(shown_fields, {f: st.session_state.get(f"{prefix}:{f}") for f in SOURCE_FORM})
    speakers = {}
    for i, (label, shown) in enumerate(shown_speakers):
        changed = edited(shown, {f: st.session_state.get(f"{prefix}:speaker{i}:{f}") for f in SPEAKER_FORM})
        if changed:
            speakers[label] = changed
    if not fields and not speakers:
        flash("info", "Ingen endringer å lagre: verdiene i skjemaet er de som alt er lagret.")
        return
    update = action(set_metadata, db, source_id, fields=fields, speakers=speakers, user=user)
    if update is None:  # the library's error, in Norwegian, is shown on the next run
        return
    notices = list(dict.fromkeys(update.notices))
    kind = "warning" if notices else "success" if update.changed else "info"
    flash(kind, "\n\n".join([change_text(update), *map(md_escape, notices)]))


def category(column, field: str, label: str, current: str, key: str, **kwargs) -> None:
    """A choice of the project's values for ``field``, «(ingen)», or a new value typed in."""
    options = choices(known.get(field, []), current)
    column.selectbox(label, options, index=options.index(current or NONE_CHOICE), key=key,
                     accept_new_options=True, **kwargs)


with st.form(prefix):
    c1, c2, c3 = st.columns(3)
    kinds = choices(known["kind"], shown_fields["kind"])
    c1.selectbox("Type", kinds, index=kinds.index(shown_fields["kind"] or NONE_CHOICE), key=f"{prefix}:kind")
    category(c2, "phase", "Fase", shown_fields["phase"], f"{prefix}:phase",
             help="Velg en fase som finnes, eller skriv en ny (for eksempel «fase 3»).")
    category(c3, "pilot", "Pilot", shown_fields["pilot"], f"{prefix}:pilot")
    c1, c2, c3 = st.columns(3)
    category(c1, "county", "Fylke", shown_fields["county"], f"{prefix}:county")
    c2.text_input("Dato", value=shown_fields["date"], key=f"{prefix}:date", placeholder="2024-03-12",
                  help="Skriv datoen som 2024-03-12 eller 12.03.2024, eller bare måned eller år (03.2024, 2024). "
                       "Tom: ingen dato.")
    languages = choices(known["language"], shown_fields["language"])
    c3.selectbox("Språk", languages, index=languages.index(shown_fields["language"] or NONE_CHOICE),
                 key=f"{prefix}:language", format_func=lambda v: LANGUAGE_LABELS.get(v, v))
    if shown_speakers:
        st.markdown("**Talere**")
        widths = [2, 2, 3, 2]
        for column, heading in zip(st.columns(widths), ["Taler (som i filen)", *SPEAKER_FORM.values()]):
            column.caption(heading)
        for i, (label, shown) in enumerate(shown_speakers):
            row = st.columns(widths, vertical_alignment="center")
            row[0].markdown(md_escape(label))
            for column, (field, heading) in zip(row[1:], SPEAKER_FORM.items()):
                category(column, field, f"{heading} for {label}", shown[field], speaker_key(i, field),
                         label_visibility="collapsed")
    elif not src["speakers"]:
        st.caption("Kilden har ingen talere (den er lest inn som notater eller et dokument).")
    withdrawn = sum(1 for sp in src["speakers"] if sp.get("withdrawn"))
    if withdrawn:
        st.caption(f"{withdrawn} taler{'e' if withdrawn > 1 else ''} som har trukket samtykket, vises ikke "
                   "og endres ikke.")
    st.form_submit_button("Lagre endringer", type="primary", on_click=save,
                          args=(source_id, prefix, shown_fields, shown_speakers))


PHASE_FLASH = "_flash_phase_order"  # the section's own message place (the form above has the page's)


def save_order(key: str, phases: list[str]) -> None:
    """«Lagre rekkefølge»: the text in the box to ``set_setting`` (read at click time)."""
    typed = (st.session_state.get(key) or "").strip()
    if not typed:
        flash("info", "Skriv fasene i tidsrekkefølge, skilt med komma, eller trykk «Tilbakestill».", PHASE_FLASH)
        return
    answer = action(lambda: [set_setting(db, "phase_order", typed, user=user)], flash_at=PHASE_FLASH)
    if answer is not None:  # None: the library's error is shown
        # a phase named after a person reaches the resource group as written: said beside the change
        named = [no for _, no in value_warnings(db, {"phase": split_phases(answer[0] or "")}, user=user)]
        flash("warning" if named else "success",
              "\n\n".join([phase_order_saved(answer[0], phases), *map(md_escape, named)]), PHASE_FLASH)


if can("settings"):  # set_setting needs it (researchers, as the page's ingest)
    st.subheader("Faserekkefølge")
    order = order_phases(db, known["phase"], user=user)
    stored = setting(db, "phase_order")
    st.caption("Rekkefølgen fasene står i overalt: i oversikten, fasefiltrene, endring mellom faser, "
               "eksportene og figurene. Uten en satt rekkefølge står fasene etter tallene i navnene "
               "(«fase 2» før «fase 10»), ellers etter kildenes tidligste dato.")
    show_flash(PHASE_FLASH)
    st.markdown(phase_order_caption(list(order), stored))
    if order.note:
        st.caption(md_escape(phase_note(order.note)))
    if order:
        key = phase_order_key(list(order), stored)
        st.text_input("Fasene i tidsrekkefølge, skilt med komma (semikolon når et navn har komma)",
                      value=join_phases(order), key=key,
                      placeholder="Oppstart, Gjennomføring, Avslutning",
                      help="Skriv fasene slik kildene har dem, hver fase én gang, den første først. Faser du "
                           "ikke nevner, står etter de andre.")
        c1, c2 = st.columns([1, 1])
        c1.button("Lagre rekkefølge", type="primary", key="phase_order_save", on_click=save_order,
                  args=(key, list(order)))
        c2.button("Tilbakestill", key="phase_order_reset", disabled=not stored,
                  help="Fjern den satte rekkefølgen, så fasene igjen står etter tallene i navnene eller "
                       "kildenes tidligste dato.",
                  on_click=action, args=(set_setting, db, "phase_order", None),
                  kwargs=dict(user=user, done=phase_order_reset(), flash_at=PHASE_FLASH))
