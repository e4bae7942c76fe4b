"""A person's name inside a metadata value (a phase "Gjennomføring med Tone Skarvik", a pilot
"Eirik Vassbotn") and other leaks of names found by a probe (SQLite and PostgreSQL):

- the value is warned about where it is given (ingest, ``source set``, the Kilder form,
  ``settings set phase_order``);
- ``forget`` and ``anonymise`` scrub it wherever it is stored (sources, rosters, ``phase_order``,
  released quotes, pseudonym keys), count it, and ``inventory`` counts what is left;
- the audit trail gets "[navn]" for such a value, never a pseudonym that looks like a real value;
- ``remove-source`` takes a phase no source has any more out of ``phase_order``;
- sheet and chart file names made from a phase are scrubbed for report authors, and so is the
  scrubbed ``.qdpx``;
- ``agreement`` names left-out sources by their scrubbed file names for report authors;
- a withdrawn person's e-mail address in a memo or a draft becomes "[e-post]", not "[trukket]".

All people and places are fictional."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import inspect, select, text as sql_text

from workbench.analysis import theme_matrix
from workbench.cli import cli
from workbench.codebook import load_codebook
from workbench.coding import add_memo, apply_code, list_drafts, list_memos, save_draft
from workbench.ingest import ingest_paths
from workbench.ingest.metadata import set_metadata, set_source
from workbench.lifecycle import anonymise, forget, inventory, remove_source
from workbench.sharing import list_settings, release_quote, released_quotes, set_setting, value_warnings
from workbench.store import AuditEvent, Pseudonym, Source
from workbench.users import add_user

PASSWORD = "korrekt-hest-batteri"
TONE, EIRIK, MARI = "Tone Skarvik", "Eirik Vassbotn", "Mari Lyngstad"
NAMED_PHASE = f"Gjennomføring med {TONE}"

FG1 = (f"Moderator: Velkommen til første samling.\n\n"
       f"{TONE}: Vi har fått tillit fra departementet, og samarbeidet går godt.\n\n"
       f"{EIRIK}: Kapasiteten i kommunen er for liten til alle tiltakene.\n\n"
       f"{MARI}: Tilliten mellom partene er viktigst for oss.\n")
FG2 = (f"Moderator: Velkommen tilbake.\n\n"
       f"{TONE}: Samarbeidet med staten har gitt oss mer tillit enn før.\n\n"
       f"{EIRIK}: Vi mangler fortsatt folk, kapasiteten er for liten.\n\n"
       f"{MARI}: Jeg er tilbake, og vi må få fart på tiltakene. Skriv til mari.lyngstad@fjordvik.example for "
       f"detaljer.\n")
INTERVIEW = ("Intervjuer: Hvordan går samarbeidet?\n\n"
             f"{MARI}: Samarbeidet går godt, og tilliten har vokst.\n\n"
             "Intervjuer: Og kapasiteten?\n\n"
             f"{MARI}: Vi mangler folk.\n")
IV = "intervju_Mari_Lyngstad.txt"
MANIFEST = ("file,kind,phase,pilot,county,date,language\n"
            f"fg_oppstart.txt,fokusgruppe,Oppstart,Fjordvik,Nordland,2023-03-05,nb\n"
            f"fg_gjennomforing.txt,fokusgruppe,{NAMED_PHASE},Fjordvik,Nordland,2024-03-05,nb\n"
            f"{IV},intervju,Oppstart,Fjordvik,Nordland,2023-03-01,nb\n")
PARTICIPANTS = "file,speaker,actor,organisation,pilot\n" + "".join(
    f"{f},Moderator,forsker,SINTEF,\n{f},{TONE},ordfører,Fjordvik kommune,Fjordvik\n"
    f"{f},{EIRIK},rådmann,Fjordvik kommune,Fjordvik\n{f},{MARI},prosjektleder,Fjordvik kommune,Fjordvik\n"
    for f in ("fg_oppstart.txt", "fg_gjennomforing.txt")) + (
    f"{IV},Intervjuer,forsker,SINTEF,\n{IV},{MARI},prosjektleder,Fjordvik kommune,Fjordvik\n")
CODEBOOK = """\
name: verdier
title: Kodebok for navn i metadata
language: nb
codes:
  tillit:
    label: Tillit
    definition: Tillit mellom partene.
  kapasitet:
    label: Kapasitet
    definition: Mangel på folk.
"""


@pytest.fixture
def project(db, tmp_path):
    folder = tmp_path / "materiale"
    folder.mkdir()
    for name, text in (("fg_oppstart.txt", FG1), ("fg_gjennomforing.txt", FG2), (IV, INTERVIEW),
                       ("manifest.csv", MANIFEST), ("participants.csv", PARTICIPANTS)):
        (folder / name).write_text(text, encoding="utf-8")
    (tmp_path / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    report = ingest_paths(db, [folder], user="forsker")
    assert not report.errors, report.errors
    load_codebook(db, tmp_path / "kodebok.yaml", user="forsker")
    for source in ("fg_oppstart.txt", "fg_gjennomforing.txt"):
        for turn, code in ((2, "tillit"), (3, "kapasitet"), (4, "tillit")):
            apply_code(db, source, turn, code, user="forsker")
    apply_code(db, IV, 2, "tillit", user="forsker")
    add_user(db, "rita", "resource_group", password=PASSWORD, user="forsker")
    add_user(db, "rolf", "report_author", password=PASSWORD, user="forsker")
    db.ingest_report = report
    return db


def dump(db) -> str:
    """Every value of every table, as text (what a data-protection officer's dump shows)."""
    parts = []
    with db.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(sql_text(f'SELECT * FROM "{table}"')):
                parts += [bytes(v).decode("latin-1") if isinstance(v, (bytes, bytearray, memoryview)) else str(v)
                          for v in row if v is not None]
    return "\n".join(parts)


def names_in(text: str, *names: str) -> list[str]:
    parts = {p for n in names for p in n.split()}
    return sorted(p for p in parts if re.search(rf"(?<![^\W_]){re.escape(p)}(?![^\W_])", text, re.IGNORECASE))


def _name_everywhere(db) -> None:
    """The phase order names the phase with Tone's name, a pilot is Eirik's name, and a released
    quote carries the phase."""
    set_setting(db, "phase_order", f"Oppstart, {NAMED_PHASE}", user="forsker")
    set_source(db, "fg_oppstart.txt", pilot=EIRIK, user="forsker")
    release_quote(db, "fg_gjennomforing.txt", 4, "tillit", user="forsker")  # Mari's: she stays


# ------------------------------------------------------------------------------ warnings

def test_ingest_warns_about_a_phase_that_holds_a_persons_name(project):
    warned = [w for w in project.ingest_report.warnings if "holds the name" in w]
    assert len(warned) == 1, project.ingest_report.warnings
    assert warned[0].startswith("fg_gjennomforing.txt: phase 'Gjennomføring med Tone Skarvik'")
    assert "\n" not in warned[0]


def test_source_set_and_the_kilder_form_warn_about_a_name_in_a_pilot_or_phase(project):
    update = set_source(project, "fg_oppstart.txt", pilot=EIRIK, user="forsker")
    assert any("pilot 'Eirik Vassbotn' holds the name of a person" in w for w in update.warnings)
    assert any(n.startswith("Piloten «Eirik Vassbotn» inneholder navnet") for n in update.notices)
    form = set_metadata(project, "fg_oppstart.txt", fields={"phase": f"Avslutning hos {MARI}"}, user="forsker")
    assert any(n.startswith(f"Fasen «Avslutning hos {MARI}» inneholder navnet") for n in form.notices)
    plain = set_source(project, "fg_oppstart.txt", pilot="Fjordvik nord", user="forsker")
    assert not [w for w in plain.warnings if "holds the name" in w]


def test_settings_set_phase_order_warns_about_a_phase_named_after_a_person(project):
    assert value_warnings(project, {"phase": ["Oppstart", NAMED_PHASE]}, user="forsker") == [
        value_warnings(project, {"phase": NAMED_PHASE}, user="forsker")[0]]
    assert value_warnings(project, {"phase": "Oppstart", "pilot": "Fjordvik"}, user="forsker") == []
    res = CliRunner().invoke(cli, ["--db", project.url, "--user", "forsker", "settings", "set", "phase_order",
                                   f"Oppstart, {NAMED_PHASE}"], obj={})
    assert res.exit_code == 0, res.output
    warned = [line for line in res.output.splitlines() if line.startswith("Advarsel:")]
    assert len(warned) == 1 and "'Gjennomføring med Tone Skarvik' holds the name" in warned[0]


# ------------------------------------------------------------------------------ forget, anonymise

def test_forget_scrubs_the_name_in_phases_pilots_and_keys_and_counts_it(project):
    db = project
    _name_everywhere(db)
    before = inventory(db, user="forsker")
    assert before["metadata_values_with_names"] == 2     # the phase (and the order naming it), the pilot
    with db.session() as s:  # the moderator of a source whose pilot is Eirik's name: keyed by that pilot
        assert any(k.endswith(f"|{EIRIK}") for k in s.scalars(select(Pseudonym.speaker_key)))
    tone = forget(db, TONE, user="forsker")
    eirik = forget(db, EIRIK, user="forsker")
    assert tone.metadata_values >= 3 and eirik.metadata_values >= 2   # sources, settings, quotes, keys
    assert "fase og pilot" in tone.summary()
    assert names_in(dump(db), TONE, EIRIK) == []
    after = inventory(db, user="forsker")
    assert after["metadata_values_with_names"] == 0
    # what the resource group reads
    assert list_settings(db, user="rita")["phase_order"] == "Oppstart, Gjennomføring med [navn]"
    phases = set(theme_matrix(db, by=("actor", "phase"), user="rita")["phase"])
    assert "Gjennomføring med [navn]" in phases and not names_in(" ".join(phases), TONE)
    assert set(released_quotes(db, user="rita")["phase"]) == {"Gjennomføring med [navn]"}


def test_the_audit_trail_gets_a_placeholder_not_a_pseudonym_for_a_name_in_a_value(project):
    db = project
    _name_everywhere(db)
    forget(db, EIRIK, user="forsker")
    forget(db, TONE, user="forsker")
    with db.session() as s:
        events = {e.action: e.detail for e in s.scalars(select(AuditEvent).order_by(AuditEvent.id))}
    assert events["set_metadata"]["source"]["pilot"] == {"before": "Fjordvik", "after": "[navn]"}
    assert events["set_setting"]["after"] == "Oppstart, Gjennomføring med [navn]"


def test_anonymise_scrubs_every_roster_name_in_phases_and_pilots(project):
    db = project
    _name_everywhere(db)
    report = anonymise(db, permanent=True, user="forsker")
    assert report.metadata_values >= 4
    assert names_in(dump(db), TONE, EIRIK, MARI) == []
    assert inventory(db, user="forsker")["metadata_values_with_names"] == 0
    with db.session() as s:
        assert set(s.scalars(select(Source.pilot))) == {"[navn]", "Fjordvik"}
        assert set(s.scalars(select(Source.phase))) == {"Oppstart", "Gjennomføring med [navn]"}
    assert list_settings(db, user="rita")["phase_order"] == "Oppstart, Gjennomføring med [navn]"


@pytest.mark.parametrize("how", ["anonymise", "forget"])
def test_two_phases_that_would_read_alike_stay_two_phases(project, how):
    """«Gjennomføring med Tone Skarvik» and «Gjennomføring med Mari Lyngstad» both became «Gjennomføring med
    [navn]»: two phases merged into one for good, and their counts added."""
    db = project
    set_source(db, IV, phase=f"Gjennomføring med {MARI}", user="forsker")
    before = theme_matrix(db, by=("phase",), user="forsker")
    if how == "anonymise":
        anonymise(db, permanent=True, user="forsker")
    else:
        forget(db, speaker=TONE, user="forsker")
        forget(db, speaker=MARI, user="forsker")
    with db.session() as s:
        phases = set(s.scalars(select(Source.phase)))
    named = phases - {"Oppstart"}
    assert len(named) == 2 and all(p.startswith("Gjennomføring med [navn]") for p in named), phases
    assert names_in(" ".join(phases), TONE, MARI) == []
    if how == "anonymise":  # (forget takes the withdrawn person's turns, and with them a phase's rows)
        after = theme_matrix(db, by=("phase",), user="forsker")
        assert after["phase"].nunique() == before["phase"].nunique() == 3


def test_remove_source_drops_a_phase_no_source_has_any_more_from_the_order(project):
    db = project
    set_setting(db, "phase_order", f"Oppstart, {NAMED_PHASE}", user="forsker")
    result = remove_source(db, "fg_gjennomforing.txt", user="forsker")
    assert result["phases_dropped"] == 1
    assert list_settings(db, user="rita")["phase_order"] == "Oppstart"
    remove_source(db, "fg_oppstart.txt", user="forsker")   # Oppstart stays: the interview has it
    assert list_settings(db, user="rita")["phase_order"] == "Oppstart"
    remove_source(db, IV, user="forsker")
    assert list_settings(db, user="rita")["phase_order"] is None


# ------------------------------------------------------------------------------ exports

def test_sheet_and_chart_names_from_a_phase_are_scrubbed_for_report_authors(project, tmp_path):
    from openpyxl import load_workbook

    db = project
    files = [Path(p) for p in db_export(db, tmp_path / "rolf" / "rapport.xlsx", "rolf")]
    names = " ".join(p.name for p in files)
    sheets = " ".join(load_workbook(tmp_path / "rolf" / "rapport.xlsx").sheetnames)
    assert not names_in(names, TONE) and not names_in(sheets, TONE), (names, sheets)
    assert "heatmap_gjennomforing_med_navn" in names
    csvs = " ".join(Path(p).name for p in db_export(db, tmp_path / "rolf_csv" / "t.csv", "rolf"))
    assert "matrise_gjennomforing_med_navn" in csvs and not names_in(csvs, TONE)
    # a researcher's own export keeps the phase as written
    mine = " ".join(Path(p).name for p in db_export(db, tmp_path / "forsker" / "rapport.xlsx", "forsker"))
    assert "skarvik" in mine


def db_export(db, path: Path, user: str):
    from workbench.export import export_tables

    path.parent.mkdir(parents=True, exist_ok=True)
    return export_tables(db, path, user=user, charts=True)


def test_the_scrubbed_qdpx_has_no_name_in_a_phase_or_pilot(project, tmp_path):
    from workbench.refi.export import export_qdpx

    db = project
    set_source(db, "fg_oppstart.txt", pilot=EIRIK, user="forsker")
    path = export_qdpx(db, tmp_path / "prosjekt.qdpx", user="forsker")
    with zipfile.ZipFile(path) as z:
        qde = z.read("project.qde").decode("utf-8")
    values = re.findall(r"<TextValue>([^<]*)</TextValue>", qde)
    assert "Gjennomføring med [navn]" in values and "[navn]" in values
    assert names_in(" ".join(values), TONE, EIRIK) == []


# ------------------------------------------------------------------------------ agreement

def test_agreement_names_left_out_sources_scrubbed_for_report_authors(project):
    from workbench.agreement import coding_agreement

    db = project
    add_user(db, "berit", "researcher", password=PASSWORD, user="forsker")
    for source in ("fg_oppstart.txt", "fg_gjennomforing.txt"):
        apply_code(db, source, 2, "tillit", user="berit")
    mine = coding_agreement(db, "forsker,berit", user="forsker")
    assert mine["left_out"] == [IV]
    theirs = coding_agreement(db, "forsker,berit", user="rolf")
    assert theirs["left_out"] == ["intervju_[navn]_[navn].txt"]
    res = CliRunner().invoke(cli, ["--db", db.url, "--user", "rolf", "agreement", "--coders", "forsker,berit"],
                             obj={})
    assert res.exit_code == 0, res.output
    assert "intervju_[navn]_[navn].txt" in res.output and not names_in(res.output, MARI)
    res = CliRunner().invoke(cli, ["--db", db.url, "--user", "rolf", "agreement", "--coders", "forsker,berit",
                                   "--json"], obj={})
    assert json.loads(res.output)["left_out"] == ["intervju_[navn]_[navn].txt"]


# ------------------------------------------------------------------------------ contact details

def test_a_withdrawn_persons_address_in_a_memo_or_a_draft_becomes_e_post(project):
    db = project
    text = f"{MARI.upper()} og Tones rolle; mari.lyngstad@fjordvik.example"
    add_memo(db, "Notat: " + text, user="forsker", source="fg_oppstart.txt")
    save_draft(db, "Utkast: " + text, user="forsker", source="fg_gjennomforing.txt")
    forget(db, MARI, user="forsker")
    memo = [m.text for m in list_memos(db, user="forsker") if m.text.startswith("Notat:")]
    draft = [d.text for d in list_drafts(db, user="forsker")]
    assert memo == ["Notat: [navn] og Tones rolle; [e-post]"]
    assert draft == ["Utkast: [navn] og Tones rolle; [e-post]"]


THREE = ["Liv Bjørk", "Per Holm", "Kari Nordmann"]


def test_three_forgets_one_after_another_keep_three_phases(db, tmp_path):
    """The third forget numbered its phase "(1)" again, beside the "(1)" the second had left."""
    folder = tmp_path / "m"
    folder.mkdir()
    man = ["file,kind,phase,pilot"]
    part = ["file,speaker,actor,organisation,pilot", "*,Intervjuer,forsker,SINTEF,"]
    for n, who in enumerate(THREE, 1):
        (folder / f"iv{n}.txt").write_text(
            f"Intervjuer: Hva tenker du om avtalen?\n\n{who}: Vi har jobbet godt sammen i kommunen.\n\n"
            f"Intervjuer: Takk.\n\n{who}: Det var alt fra meg.\n", encoding="utf-8")
        man.append(f"iv{n}.txt,intervju,Oppstart med {who},Fjellbygd")
        part.append(f"*,{who},ordfører,Fjellbygd kommune,Fjellbygd")
    (folder / "manifest.csv").write_text("\n".join(man) + "\n", encoding="utf-8")
    (folder / "participants.csv").write_text("\n".join(part) + "\n", encoding="utf-8")
    rep = ingest_paths(db, [folder], user="forsker")
    assert not rep.errors, rep.errors

    def phases():
        with db.session() as s:
            return [(r.file_name, r.phase) for r in s.scalars(select(Source).order_by(Source.id))]

    for who in THREE:
        forget(db, who, user="forsker")
        assert len({p for _, p in phases()}) == 3, phases()
    assert len({p for _, p in phases()}) == 3, phases()
