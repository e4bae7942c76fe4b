"""Enighet: agreement between coders per code, and the disagreements side by side, where a
researcher records the agreed coding (stored as the coder "konsensus").

Report authors (no ``view_transcripts``) get the figures and the file «Til rapporten» only, as the
library gives them (file names scrubbed): never the disagreements, their turns, text or speakers,
nor the consensus recording, which the library refuses them."""

import tempfile
from pathlib import Path

import streamlit as st

from workbench.agreement import (CONSENSUS_CODER, agreement_code_sets, agreement_coders, coding_agreement,
                                 default_coders, disagreements, record_consensus)
from workbench.codebook import current_codes
from workbench.export import export_agreement
from workbench.ui.agreement import (active_set_label, agreement_frame, code_set_text, figure_text, legend_text,
                                    styled, unused_text, version_label)
from workbench.ui.format import UNKNOWN_ACTOR_LABEL, count_noun, count_text, md_escape, name_list, percent, zip_files
from workbench.ui.session import acting_user, action, can, friendly_errors, get_db, require_data, show_flash
from workbench.ui.undo import undo_button

db = get_db()
user = acting_user()
researcher = can("view_transcripts")  # the disagreements show turns and text: researchers only
st.title("Enighet mellom kodere")
st.caption("Kodere som har kodet de samme kildene hver for seg: hvor enige de er per kode (prosent, "
           "Cohens kappa for to kodere, Krippendorffs alfa for flere)"
           + (", og turene der de er uenige, der dere registrerer den omforente kodingen." if researcher else
              ". Uenighetene og den omforente kodingen ligger hos forskerne, som leser transkripsjonene."))
if require_data(db) is None:
    st.stop()
show_flash()

coders = agreement_coders(db, user=user)  # konsensus too once any consensus is recorded, "no code" included
people = [c for c in coders if c != CONSENSUS_CODER]
if len(coders) < 2:
    st.info("Enighet måles mellom minst to kodere; foreløpig har færre enn to kodet.")
    st.stop()
codes = current_codes(db, user=user)
labels = {c["id"]: c["label"] for c in codes}
groups = [c["id"] for c in codes if c["parent"] is None]


def consensus_key(source: str, turn: int) -> str:
    """The key of the "Omforent koding" box of a turn."""
    return f"konsensus_{source}_{turn}"


def start_over(done: dict) -> None:
    """After "Angre" took back a consensus, its turn's box starts again from what is stored now."""
    if done["action"] == "consensus":
        st.session_state.pop(consensus_key(done["source"], done["turn"]), None)


FILE_FORMATS = {"xlsx": ("Excel (xlsx)", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
                "docx": ("Word (docx)", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
                "csv": ("CSV (zip)", "application/zip")}


def file_options(chosen: list, unit: str, prefix, version=None) -> dict:
    """What the agreement file is made of, as chosen on the page right now."""
    return {"coders": list(chosen), "unit": unit, "codes": prefix, "codebook_version": version,
            "format": st.session_state["agreement_format"],
            "disagreements": researcher and bool(st.session_state.get("agreement_disagreements"))
            and unit == "segment"}


def make_file(options: dict) -> None:
    """Write the agreement file with the library (``export_agreement``, as `workbench agreement
    --output`) to a temporary folder and keep its bytes for the download button."""
    st.session_state.pop("agreement_file", None)
    fmt = options["format"]
    with tempfile.TemporaryDirectory() as tmp:
        files = action(export_agreement, db, Path(tmp) / f"enighet.{fmt}", options["coders"], codes=options["codes"],
                       unit=options["unit"], disagreements=options["disagreements"],
                       codebook_version=options["codebook_version"], user=user)
        if files is None:
            return
        data = zip_files(files) if fmt == "csv" else files[0].read_bytes()
        name = "enighet_csv.zip" if fmt == "csv" else files[0].name
    st.session_state["agreement_file"] = {"options": options, "name": name, "data": data}


def download_section(chosen: list, unit: str, prefix, version=None) -> None:
    """"Til rapporten": the table above (and the disagreements) as a file for the method chapter."""
    st.subheader("Til rapporten")
    d1, d2 = st.columns([1, 2])
    d1.radio("Filformat", list(FILE_FORMATS), key="agreement_format", horizontal=True,
             format_func=lambda f: FILE_FORMATS[f][0])
    if researcher:  # the disagreements name sources and turns: researchers only
        d2.checkbox("Ta med uenighetene (kilde, tur og kodene til hver koder)", key="agreement_disagreements",
                    value=True, disabled=unit != "segment",
                    help="Uenighetene er turer; med enheten «Tegn» har filen bare tabellen.")
    options = file_options(chosen, unit, prefix, version)
    if st.button("Lag fil med enighetstabellen", key="make_agreement_file"):
        with st.spinner("Lager filen ..."):
            make_file(options)
        show_flash()
    made = st.session_state.get("agreement_file")
    if made and made["options"] == options:  # never a file made with other choices
        st.download_button(f"Last ned enighetstabellen ({FILE_FORMATS[options['format']][0]})", made["data"],
                           file_name=made["name"], mime=FILE_FORMATS[options["format"]][1],
                           key="download_agreement", type="primary")
    elif made:
        st.caption("Valgene er endret etter at filen ble laget: trykk «Lag fil med enighetstabellen» på nytt.")
    st.caption("Filen har tabellen over med hvem som er sammenlignet, enhet, kodebokversjon, kildene som er med "
               "og utelatt, regelen for intervjuerturer og datoen, med de samme tallene som "
               "`workbench agreement --json`.")


def angre() -> None:
    """"Angre": this tab's last coding action, a consensus saved here or a coding on Koding (as
    the Koding page's "Angre"), and what it undid."""
    undo_button(db, user, labels, after=start_over)


f1, f2, f3 = st.columns([2, 1, 1])
# the pair who have coded the most sources in common (not simply the first two names)
chosen = f1.multiselect("Kodere", coders, default=default_coders(db, user=user) or (people or coders)[:2],
                        key="coders")
unit = f2.radio("Enhet", ["segment", "char"], key="unit", horizontal=True,
                format_func=lambda u: {"segment": "Tur", "char": "Tegn"}[u],
                help="Tur: hver tur i kildene alle de valgte har kodet, unntatt intervjuerens. Tegn: hvert "
                     "tegn i de kildene, også intervjuerens.")
group = f3.selectbox("Kodegruppe", ["(alle)"] + groups, key="group",
                     format_func=lambda g: g if g == "(alle)" else labels.get(g, g))
prefix = None if group == "(alle)" else group
# which codes are pooled: offered only when a loaded version's code set is not the active one (codes
# added later, or merged, change the pooled figure; a figure reported before is reproduced with its
# version's codes)
code_sets = agreement_code_sets(db, user=user)
older = [c for c in code_sets if not c["active"]]  # versions whose code set is not the active one
version = None
if older:
    version = st.selectbox(
        "Kodesett", [None] + [c["version"] for c in older], key="code_set",
        format_func=lambda v: (active_set_label(code_sets) if v is None
                               else version_label(next(c for c in older if c["version"] == v))),
        help="Det samlede tallet tar med alle kodene i kodesettet, også dem ingen har brukt (enighet om at "
             "koden ikke er der), så nye koder endrer det. Velg en eldre kodebokversjon for å få tallet "
             "med kodene den hadde, som rapportert da.")
if len(chosen) < 2:
    st.info("Velg minst to kodere.")
    st.stop()

with friendly_errors():
    result = coding_agreement(db, chosen, codes=prefix, unit=unit, codebook_version=version, user=user)
    overall = result["overall"]
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Enheter", count_text(overall["units"]))
    m2.metric("Prosent enige", "–" if overall["percent"] is None else percent(overall["percent"]))
    m3.metric("Kappa", figure_text(overall["kappa"]), help="Cohens kappa, bare for to kodere.")
    m4.metric("Alfa", figure_text(overall["alpha"]),
              help="Krippendorffs alfa (nominal), for to eller flere kodere.")
    sources = count_noun(result["sources"], "kilde", "kilder")
    st.caption(f"Farger: {legend_text(len(result['coders']))} · {sources} kodet av alle de valgte. "
               "«–»: udefinert (alle ga samme verdi på alle enhetene).")
    st.caption(" ".join(t for t in (code_set_text(result["code_set"]), unused_text(result["code_set"])) if t))
    left_out = result["left_out"]
    if left_out:  # as `workbench agreement` says it
        st.caption(f"{count_noun(len(left_out), 'kilde', 'kilder')} er ikke med fordi ikke alle de valgte har "
                   f"kodet {'den' if len(left_out) == 1 else 'dem'}: {md_escape(name_list(left_out))}.")
    if result["interviewer_turns_left_out"]:
        st.caption(f"{count_noun(result['interviewer_turns_left_out'], 'intervjuertur', 'intervjuerturer')} er ikke "
                   "med: intervjuerens spørsmål telles ikke, som i dashbordene (uten koder ville de bare gitt "
                   "enighet om «ingen kode»).")
    if "consensus_turns" in result:  # as `workbench agreement` says it
        n = result["consensus_turns"]
        st.info(f"Konsensus sammenlignes bare på turene der en omforent koding er registrert: "
                f"{count_noun(n, 'tur', 'turer')}. Turer uten registrert konsensus telles ikke. Konsensus "
                "registreres som regel der koderne var uenige, så tallene mot konsensus blir lave av konstruksjon "
                f"og bygger på bare {count_noun(n, 'tur', 'turer')}.")
    st.dataframe(styled(agreement_frame(result)), hide_index=True, key="agreement_table")
    download_section(chosen, unit, prefix, version)
    if not researcher:  # report authors: the figures and the file only
        st.stop()

    st.subheader("Uenigheter")
    rows = disagreements(db, chosen, codes=prefix, codebook_version=version, user=user)
    if not rows:
        st.success("Ingen uenigheter for disse koderne og kodene.")
        angre()
        st.stop()
    st.caption(f"{count_noun(len(rows), 'tur', 'turer')} der kodene er ulike. Velg en tur, les den, og registrer "
               f"den omforente kodingen (lagres som koderen «{CONSENSUS_CODER}», og loggføres).")
    resolved = sum(r["consensus"] is not None for r in rows)
    if resolved:
        st.caption(f"{resolved} av {len(rows)} har en omforent koding (merket «✓ omforent»).")

    def speaker(r: dict) -> str:
        return r["speaker"] or UNKNOWN_ACTOR_LABEL  # text without a speaker: a document or notes

    def resolved_mark(r: dict) -> str:
        return " · ✓ omforent" if r["consensus"] is not None else ""

    index = st.selectbox("Tur", range(len(rows)), key="disagreement",
                         format_func=lambda i: f"{rows[i]['source']} · tur {rows[i]['turn']} · {speaker(rows[i])}"
                                               + resolved_mark(rows[i]))
    row = rows[index]
    st.markdown(f"**{md_escape(speaker(row))}** · {md_escape(row['source'])} · tur {row['turn']}"
                + resolved_mark(row))
    st.markdown(f"> {md_escape(row['text'])}")
    columns = st.columns(len(chosen))
    for col, coder in zip(columns, chosen):
        with col:
            st.markdown(f"**{md_escape(coder)}**")
            given = row["codes"].get(coder) or []
            st.markdown("\n".join(f"- {md_escape(labels.get(c, c))} (`{c}`)" for c in given) or "_ingen koder_")
    union = sorted({c for cs in row["codes"].values() for c in cs})
    agreed = sorted(set.intersection(*[set(row["codes"].get(c) or []) for c in chosen]))
    stored = row["consensus"]  # the consensus saved earlier (all its codes), None if there is none
    codable = [c["id"] for c in codes if c["codable"] and not c.get("retired")]
    key = consensus_key(row["source"], row["turn"])
    picked = st.multiselect("Omforent koding", sorted(set(codable) | set(union) | set(stored or [])),
                            default=agreed if stored is None else stored, key=key,
                            format_func=lambda c: f"{labels.get(c, c)} ({c})",
                            help="Starter med den lagrede omforente kodingen, eller med kodene alle er "
                                 "enige om når ingen er lagret; legg til eller fjern.")
    save, undo, _ = st.columns([1, 1, 2])
    if save.button("Lagre omforent koding", key="save_consensus", type="primary"):
        action(record_consensus, db, row["source"], row["turn"], picked, user=user,
               done=f"Omforent koding lagret for tur {row['turn']} i {md_escape(row['source'])}; "
                    "«Angre» tar den tilbake.")
        st.rerun()
    with undo:
        angre()
