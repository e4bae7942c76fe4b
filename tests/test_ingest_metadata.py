"""A stored source's metadata after ingest (workbench.ingest.metadata): re-ingesting an unchanged
file with a corrected manifest.csv / participants.csv, and ``workbench source set`` / ``source
speaker``. Codings, text and turns stay; pseudonyms, released quotes, the dashboards and the
scrubber follow. All names are fictional."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from workbench.cli import cli
from workbench.codebook import load_codebook
from workbench.coding import apply_code, list_codings
from workbench.errors import InputError, NotFound, PermissionDenied
from workbench.ingest import ingest_paths, list_sources, list_turns
from workbench.ingest.metadata import set_source, set_speaker
from workbench.sharing import release_quote, released_quotes, roster_scrubber
from workbench.store.models import AuditEvent, Source, Speaker
from workbench.users import add_user

TEXT = ("Intervjuer: Hva har avtalen betydd for dere?\n\n"
        "Kari: Mye. Tilliten til staten har økt.\n\n"
        "Intervjuer: Og samarbeidet med fylket?\n\n"
        "Kari: Vi mangler folk, men vi snakker sammen oftere nå.\n")
CODEBOOK = """\
name: metadata
title: Kodebok for metadatatesten
language: nb
codes:
  tillit:
    label: Tillit
    definition: Tillit mellom partene.
  kapasitet:
    label: Kapasitet
    definition: Mangel på folk.
"""
MANIFEST = "file,kind,phase,pilot,county,date,language\nintervju.txt,intervju,Fase 1,Pilot A,,12.03.2024,nb\n"
ROSTER = ("file,speaker,actor,organisation,pilot\n"
          "intervju.txt,Intervjuer,forsker,Forskningsinstituttet,\n"
          "intervju.txt,Kari,ordfører,Fjellvik kommune,\n")


@pytest.fixture
def coded(db, tmp_path):
    """intervju.txt ingested without manifest and roster, coded twice (the codings must survive)."""
    folder = tmp_path / "korpus"
    folder.mkdir()
    (folder / "intervju.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    assert ingest_paths(db, [folder], user="forsker1").added == ["intervju.txt"]
    load_codebook(db, tmp_path / "kodebok.yaml", user="forsker1")
    apply_code(db, "intervju.txt", 2, "tillit", user="forsker1")
    apply_code(db, "intervju.txt", 4, "kapasitet", user="forsker1", span=(0, 15))
    return folder


def _source(db) -> dict:
    return next(r for r in list_sources(db) if r["file"] == "intervju.txt")


def _snapshot(db) -> tuple:
    """What must never change by a metadata update: text, turns, codings."""
    turns = [(t["index"], t["speaker"], t["start_char"], t["end_char"], t["text"]) for t in list_turns(db, "intervju.txt")]
    codings = sorted((c.turn, c.code, c.start, c.end, c.text) for c in list_codings(db))
    with db.session() as s:
        text = s.scalar(select(Source.canonical_text))
    return turns, codings, text


def _pseudonyms(db) -> dict[str, str]:
    with db.session() as s:
        return {sp.label: sp.pseudonym.label for sp in s.scalars(select(Speaker)) if sp.pseudonym is not None}


def test_reingest_with_tables_updates_metadata_and_keeps_codings(db, coded):
    before = _snapshot(db)
    assert _source(db)["phase"] is None
    (coded / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (coded / "participants.csv").write_text(ROSTER, encoding="utf-8")
    report = ingest_paths(db, [coded], user="forsker1")
    assert report.errors == [] and report.added == [] and report.unchanged == [] and not report.failed
    assert report.updated == [
        "intervju.txt: type (ingen) → intervju, fase (ingen) → fase 1, pilot (ingen) → Pilot A, "
        "dato (ingen) → 2024-03-12, språk (ingen) → nb; taleren Intervjuer: aktør (ingen) → forsker, "
        "organisasjon (ingen) → Forskningsinstituttet (pseudonym Deltaker 1 → Forsker 1); taleren Kari: aktør "
        "(ingen) → ordfører, organisasjon (ingen) → Fjellvik kommune (pseudonym Deltaker 2 → Ordfører 1)"]
    assert "0 lagt til, 0 uendret, 1 oppdatert (metadata), " in report.summary()
    src = _source(db)
    assert (src["kind"], src["phase"], src["pilot"], src["date"], src["language"]) == \
        ("intervju", "fase 1", "Pilot A", "2024-03-12", "nb")
    assert {s["label"]: s["actor"] for s in src["speakers"]} == {"Intervjuer": "forsker", "Kari": "ordfører"}
    assert _snapshot(db) == before  # text, turns and codings untouched
    assert _pseudonyms(db) == {"Intervjuer": "Forsker 1", "Kari": "Ordfører 1"}
    with db.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "set_metadata")).one()
        assert event.detail["via"] == "ingest" and event.user.name == "forsker1"
        assert event.detail["source"]["phase"] == {"before": None, "after": "fase 1"}
        assert event.detail["speakers"]["Kari"]["actor"] == {"before": None, "after": "ordfører"}
    # the same tables again: nothing to do, the file is unchanged
    again = ingest_paths(db, [coded], user="forsker1")
    assert again.updated == [] and again.unchanged == ["intervju.txt"]


def test_the_dashboards_follow_the_new_actor_and_phase(db, coded):
    from workbench.analysis import theme_matrix

    old = theme_matrix(db, by=("actor", "phase"), exclude_actors=["forsker"])
    assert set(old["phase"].astype(object).where(old["phase"].notna(), None)) <= {None, "(ukjent)"}
    version = db.data_version()
    (coded / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (coded / "participants.csv").write_text(ROSTER, encoding="utf-8")
    ingest_paths(db, [coded], user="forsker1")
    assert db.data_version() != version  # the app's and the published tables' caches are keyed on it
    new = theme_matrix(db, by=("actor", "phase"), exclude_actors=["forsker"])
    assert {(r.actor, r.phase, r.code) for r in new.itertuples()} >= {("ordfører", "fase 1", "tillit"),
                                                                      ("ordfører", "fase 1", "kapasitet")}


def test_absent_values_keep_the_stored_ones(db, coded):
    (coded / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    ingest_paths(db, [coded], user="forsker1")
    # a later manifest without the pilot column and with an empty date: only the phase changes
    (coded / "manifest.csv").write_text("file,kind,phase,date\nintervju.txt,intervju,fase 2,\n", encoding="utf-8")
    report = ingest_paths(db, [coded], user="forsker1")
    assert report.updated == ["intervju.txt: fase fase 1 → fase 2"]
    src = _source(db)
    assert (src["phase"], src["pilot"], src["date"]) == ("fase 2", "Pilot A", "2024-03-12")


def test_an_invalid_value_is_the_first_ingest_error_and_changes_nothing(db, coded):
    (coded / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    ingest_paths(db, [coded], user="forsker1")
    stored = _source(db)
    events = _events(db)
    (coded / "manifest.csv").write_text("file,kind,phase,date\nintervju.txt,intervjuu,fase 2,31.02.2024\n",
                                        encoding="utf-8")
    report = ingest_paths(db, [coded], user="forsker1")
    assert report.failed and report.stopped and report.updated == []
    assert any("manifest.csv: row 2 (intervju.txt): kind 'intervjuu' is not allowed" in e for e in report.errors)
    assert any("date '31.02.2024' cannot be read" in e for e in report.errors)
    assert all("\n" not in e for e in report.errors)
    assert _source(db) == stored and _events(db) == events


def _events(db) -> int:
    with db.session() as s:
        return s.scalar(select(func.count()).select_from(AuditEvent))


def test_a_new_organisation_keeps_the_pseudonym_a_new_actor_gets_its_own(db, coded):
    (coded / "participants.csv").write_text("file,speaker,actor\nintervju.txt,Kari,prosjektleder\n",
                                            encoding="utf-8")
    ingest_paths(db, [coded], user="forsker1")
    assert _pseudonyms(db)["Kari"] == "Prosjektleder 1"
    # only the organisation is new: the person is the same, and so is the pseudonym reports quote
    update = set_speaker(db, "intervju.txt", "Kari", organisation="Fjellvik kommune", user="forsker1")
    assert update.pseudonyms == {} and _pseudonyms(db)["Kari"] == "Prosjektleder 1"
    # a wrong actor corrected: a pseudonym of the new actor; the old number is never given again
    update = set_speaker(db, "intervju.txt", "kari", actor="ordfører", user="forsker1")
    assert update.line() == ("intervju.txt: taleren Kari: aktør prosjektleder → ordfører "
                             "(pseudonym Prosjektleder 1 → Ordfører 1)")
    assert _pseudonyms(db)["Kari"] == "Ordfører 1"
    set_speaker(db, "intervju.txt", "Intervjuer", actor="prosjektleder", user="forsker1")
    assert _pseudonyms(db)["Intervjuer"] == "Prosjektleder 2"


def test_released_quotes_take_the_new_metadata(db, coded):
    (coded / "participants.csv").write_text(ROSTER, encoding="utf-8")
    ingest_paths(db, [coded], user="forsker1")
    release = release_quote(db, "intervju.txt", 2, "tillit", user="forsker1")
    assert (release.actor, release.phase) == ("ordfører", None)
    update = set_source(db, "intervju.txt", phase="2", pilot="Pilot B", user="forsker1")
    assert update.released_quotes == 1 and update.line().endswith("; 1 frigitt sitat oppdatert")
    # the one mayor of Pilot B: the researcher is told, as when releasing
    assert any(f"workbench unrelease {release.id}" in w for w in update.warnings)
    row = released_quotes(db, user="forsker1").iloc[0]
    assert (row["speaker"], row["actor"], row["phase"], row["pilot"]) == ("Ordfører 1", "ordfører", "fase 2", "Pilot B")
    set_speaker(db, "intervju.txt", "Kari", actor="prosjektleder", user="forsker1")
    row = released_quotes(db, user="forsker1").iloc[0]
    assert (row["speaker"], row["actor"]) == ("Prosjektleder 1", "prosjektleder")


def test_a_name_given_later_is_scrubbed(db, coded, monkeypatch):
    (coded / "participants.csv").write_text("file,speaker,actor\nintervju.txt,Kari,ordfører\n", encoding="utf-8")
    ingest_paths(db, [coded], user="forsker1")
    assert "Solbakk" in roster_scrubber(db).scrub("Som Kari Solbakk sa")  # cached before the change
    # as in another process (the served app), whose cached scrubber this process cannot clear
    monkeypatch.setattr("workbench.ingest.metadata._clear_scrubbers", lambda: None)
    set_speaker(db, "intervju.txt", "Kari", name="Kari Solbakk", user="forsker1")
    assert "Solbakk" not in roster_scrubber(db).scrub("Som Kari Solbakk sa")
    with db.session() as s:  # the audit trail says a name was given, not which
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "set_metadata")).all()[-1]
        assert "Solbakk" not in json.dumps(event.detail, ensure_ascii=False)


def test_a_new_language_makes_the_lemmas_again(db, coded):
    from workbench.search import search

    with db.session() as s:
        assert s.scalar(select(Source.lemma_version)) is not None
    update = set_source(db, "intervju.txt", language="nn", user="forsker1")
    assert update.source == {"language": (None, "nn")}
    with db.session() as s:
        assert s.scalar(select(Source.lemma_version)) is None  # stale: made again on next use
    assert [h["turn"] for h in search(db, "tillit", user="forsker1")] == [2]
    with db.session() as s:
        assert s.scalar(select(Source.lemma_version)) is not None


def test_set_source_checks_values_and_clears(db, coded):
    events = _events(db)
    for kwargs, message in ((dict(kind="intervjuu"), "kind 'intervjuu' is not allowed"),
                            (dict(date="31.02.2024"), "date '31.02.2024' cannot be read"),
                            (dict(delete_by="2030-05"), "delete_by '2030-05' cannot be read (give the day too)"),
                            (dict(language="svensk"), "language 'svensk' is not allowed"),
                            (dict(clear="farge"), "cannot clear 'farge'"),
                            ({}, "nothing to change")):
        with pytest.raises(InputError) as err:
            set_source(db, "intervju.txt", user="forsker1", **kwargs)
        assert message in str(err.value) and "\n" not in str(err.value)
    with pytest.raises(NotFound, match="unknown source 'intervju.docx'"):
        set_source(db, "intervju.docx", phase="1", user="forsker1")
    assert _events(db) == events and _source(db)["kind"] is None
    set_source(db, "intervju.txt", phase="Fase 3", pilot="Pilot A", delete_by="31.12.2030", user="forsker1")
    update = set_source(db, "intervju.txt", pilot="pilot a", clear=["fase"], user="forsker1")
    assert update.line() == "intervju.txt: fase fase 3 → (ingen)"  # 'pilot a' is the stored 'Pilot A'
    with db.session() as s:
        assert s.execute(select(Source.phase, Source.pilot, Source.delete_by)).one() == (None, "Pilot A", "2030-12-31")
    assert set_source(db, "intervju.txt", pilot="Pilot A", user="forsker1").line() == "intervju.txt: ingen endring"


def test_a_withdrawn_speaker_gets_nothing_back(db, coded):
    from workbench.lifecycle import forget

    (coded / "participants.csv").write_text("file,speaker,actor\nintervju.txt,Kari,ordfører\n", encoding="utf-8")
    ingest_paths(db, [coded], user="forsker1")
    forget(db, "Kari", user="forsker1")
    (coded / "participants.csv").write_text("file,speaker,actor,organisation,name\n"
                                            "intervju.txt,Kari,ordfører,Fjellvik kommune,Kari Solbakk\n",
                                            encoding="utf-8")
    ingest_paths(db, [coded], user="forsker1")
    with db.session() as s:
        assert s.execute(select(Speaker.name, Speaker.organisation).where(Speaker.withdrawn)).all() == [(None, None)]


def test_roles_that_may_not_ingest_are_refused(db, coded):
    add_user(db, "rapport1", "report_author", user="forsker1")
    add_user(db, "gruppe1", "resource_group", user="forsker1")
    for who in ("rapport1", "gruppe1"):
        with pytest.raises(PermissionDenied, match="kan ikke lese inn kilder"):
            set_source(db, "intervju.txt", phase="1", user=who)
        with pytest.raises(PermissionDenied):
            set_speaker(db, "intervju.txt", "Kari", actor="ordfører", user=who)
    assert _source(db)["phase"] is None


def test_command_line(db, coded):
    runner = CliRunner()
    base = ["--db", db.url, "--user", "forsker1"]
    (coded / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    r = runner.invoke(cli, [*base, "ingest", str(coded)])
    assert r.exit_code == 0, r.output
    assert "Oppdatert: intervju.txt: type (ingen) → intervju, fase (ingen) → fase 1" in r.output
    assert "1 oppdatert (metadata)" in r.output
    r = runner.invoke(cli, [*base, "source", "set", "intervju.txt", "--phase", "2", "--clear", "pilot"])
    assert r.exit_code == 0, r.output
    assert r.output.strip() == "Oppdatert: intervju.txt: fase fase 1 → fase 2, pilot Pilot A → (ingen)"
    r = runner.invoke(cli, [*base, "source", "speaker", "intervju.txt", "Kari", "--actor", "ordfører", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["speakers"] == {"Kari": {"actor": {"before": None, "after": "ordfører"}}}
    r = runner.invoke(cli, [*base, "source", "speaker", "intervju.txt", "Per", "--actor", "ordfører"])
    assert r.exit_code == 1 and r.output.strip().splitlines() == [
        "Error: speaker 'Per' is not a speaker of intervju.txt; known speakers: Intervjuer, Kari"]
    r = runner.invoke(cli, [*base, "user", "add", "gruppe1", "--role", "ressursgruppe"],
                      input="hemmelig-passord-1\nhemmelig-passord-1\n")
    assert r.exit_code == 0, r.output
    r = runner.invoke(cli, ["--db", db.url, "--user", "gruppe1", "source", "set", "intervju.txt", "--phase", "3"])
    assert r.exit_code == 3 and "Ingen tilgang" in r.output
    assert _source(db)["phase"] == "fase 2"


def test_media_and_kind_from_a_later_manifest(db, coded):
    (coded / "opptak.mp3").write_bytes(b"ID3")
    (coded / "manifest.csv").write_text("file,kind,media\nintervju.txt,dokument,opptak.mp3\n", encoding="utf-8")
    report = ingest_paths(db, [coded], user="forsker1")
    assert report.updated == [f"intervju.txt: type (ingen) → dokument, opptak (ingen) → {(coded / 'opptak.mp3').resolve()}"]
    # the turns stay turns: a kind of notes does not read the file again, and says so
    assert any("intervju.txt: its turns were read as a transcript" in w and "remove-source" in w
               for w in report.warnings)
    assert [t["speaker"] for t in list_turns(db, "intervju.txt")] == ["Intervjuer", "Kari", "Intervjuer", "Kari"]
    (coded / "manifest.csv").write_text("file,kind,media\nintervju.txt,dokument,borte.mp3\n", encoding="utf-8")
    report = ingest_paths(db, [coded], user="forsker1")
    assert report.updated == [] and any("media 'borte.mp3' not found" in w for w in report.warnings)
    with db.session() as s:
        assert s.scalar(select(Source.media)) == str((coded / "opptak.mp3").resolve())


# ------------------------------------------------------------------ a whole form (the app's Kilder page)

def test_a_form_changes_the_source_and_its_speakers_in_one_event(db, coded):
    from workbench.ingest.metadata import metadata_choices, set_metadata

    (coded / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (coded / "participants.csv").write_text(ROSTER, encoding="utf-8")
    ingest_paths(db, [coded], user="forsker1")
    events = _events(db)
    # the whole form: unchanged values (spacing, letter case of a phase aside) are left alone, an
    # empty one empties its field, a changed one is checked and stored
    update = set_metadata(db, "intervju.txt", user="forsker1",
                          fields={"kind": "intervju", "phase": "Fase  1", "pilot": "", "county": "Finnmark",
                                  "date": "12.03.2024", "language": "nb"},
                          speakers={"Kari": {"actor": "varaordfører", "organisation": "Fjellvik kommune",
                                             "pilot": None},
                                    "Intervjuer": {"actor": "forsker"}})
    assert update.source == {"pilot": ("Pilot A", None), "county": (None, "Finnmark")}
    assert update.speakers == {"Kari": {"actor": ("ordfører", "varaordfører")}}
    assert update.pseudonyms["Kari"][1] == "Varaordfører 1"
    assert _events(db) == events + 1
    with db.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.action == "set_metadata")
                          .order_by(AuditEvent.id.desc())).first()
        assert event.detail["via"] == "app" and set(event.detail["source"]) == {"pilot", "county"}
    choices = metadata_choices(db, user="forsker1")
    assert choices["kind"][0] == "fokusgruppe" and choices["language"] == ["nb", "nn", "nb+nn"]
    assert choices["phase"] == ["fase 1"] and choices["county"] == ["Finnmark"] and choices["pilot"] == []
    assert choices["actor"] == ["forsker", "varaordfører"]
    # nothing differs: no event, not an error
    again = set_metadata(db, "intervju.txt", fields={"county": "Finnmark"},
                         speakers={"Kari": {"actor": "varaordfører"}}, user="forsker1")
    assert not again.changed and _events(db) == events + 1
    # a value spelt like a stored one but for letter case takes the stored spelling, said in Norwegian too
    other = set_metadata(db, "intervju.txt", speakers={"Intervjuer": {"actor": "Varaordfører"}}, user="forsker1")
    assert other.speakers == {"Intervjuer": {"actor": ("forsker", "varaordfører")}}
    assert other.notices == ["Aktør «Varaordfører» er lagret som «varaordfører», skrivemåten som alt finnes i "
                             "databasen (de skiller seg bare i store og små bokstaver eller mellomrom)."]
    assert "is stored as 'varaordfører'" in other.warnings[0]


def test_a_bad_value_anywhere_in_a_form_changes_nothing(db, coded):
    from workbench.ingest.metadata import set_metadata

    (coded / "manifest.csv").write_text(MANIFEST, encoding="utf-8")
    (coded / "participants.csv").write_text(ROSTER, encoding="utf-8")
    ingest_paths(db, [coded], user="forsker1")
    stored, events = _source(db), _events(db)
    for kwargs, error, message in (
            (dict(fields={"phase": "fase 2", "kind": "podkast"}, speakers={"Kari": {"actor": "rådmann"}}),
             InputError, "kind 'podkast' is not allowed"),
            (dict(fields={"phase": "fase 2"}, speakers={"Kari": {"actor": "rådmann"}, "Ola": {"actor": "x"}}),
             NotFound, "speaker 'Ola' is not a speaker of intervju.txt"),
            (dict(fields={"phase": "fase 2", "media": "opptak.mp3"}), InputError, "unknown source field 'media'"),
            (dict(speakers={"Kari": {"farge": "blå"}}), InputError, "unknown speaker field 'farge'")):
        with pytest.raises(error) as err:
            set_metadata(db, "intervju.txt", user="forsker1", **kwargs)
        assert message in str(err.value) and "\n" not in str(err.value)
    assert _source(db) == stored and _events(db) == events
    for who in ("rapport1", "gruppe1"):
        add_user(db, who, "report_author" if who == "rapport1" else "resource_group", user="forsker1")
        with pytest.raises(PermissionDenied):
            set_metadata(db, "intervju.txt", fields={"phase": "fase 2"}, user=who)
    assert _source(db) == stored


def test_a_form_leaves_a_withdrawn_speaker_as_it_is(db, coded):
    from workbench.lifecycle import forget
    from workbench.ingest.metadata import set_metadata

    (coded / "participants.csv").write_text("file,speaker,actor\nintervju.txt,Kari,ordfører\n", encoding="utf-8")
    ingest_paths(db, [coded], user="forsker1")
    forget(db, "Kari", user="forsker1")
    gone = next(sp for sp in _source(db)["speakers"] if sp["withdrawn"])
    events = _events(db)
    with pytest.raises(InputError, match="has withdrawn") as err:
        set_metadata(db, "intervju.txt", fields={"phase": "fase 2"},
                     speakers={gone["label"]: {"organisation": "Fjellvik kommune"}}, user="forsker1")
    assert err.value.code == "metadata.withdrawn" and _events(db) == events and _source(db)["phase"] is None
    same = {f: gone[f] for f in ("actor", "organisation", "pilot")}  # as the form shows the row: no change
    assert not set_metadata(db, "intervju.txt", speakers={gone["label"]: same}, user="forsker1").changed


def _interview_folder(tmp_path):
    """A folder with one short interview (Intervjuer and Kari, two turns each)."""
    corpus = tmp_path / "intervju"
    corpus.mkdir()
    (corpus / "intervju.txt").write_text("Intervjuer: Hei, og velkommen.\n\nKari: Hei på deg.\n\n"
                                         "Intervjuer: Hvordan gikk det?\n\nKari: Det gikk fint med avtalen.\n",
                                         encoding="utf-8")
    return corpus


def test_a_value_longer_than_its_column_is_one_line_and_changes_nothing(db, tmp_path):
    """PostgreSQL refused a 50-character phase with a DataError traceback (SQLite stored it, so the
    project failed later when moved): the form, `source set` and a manifest now say it in one line."""
    from workbench.errors import InputError
    from workbench.ingest import ingest_paths
    from workbench.ingest.metadata import set_metadata
    from workbench.store import Source

    corpus = _interview_folder(tmp_path)
    long_phase = "Gjennomføringsfasen for bygdevekstavtalen i Midt"  # 48 characters; the column keeps 40
    (corpus / "manifest.csv").write_text(f"file,kind,phase\nintervju.txt,intervju,{long_phase}\n", encoding="utf-8")
    report = ingest_paths(db, [corpus], user="forsker")
    assert any("row 2 (intervju.txt): phase" in e and "at most 40" in e for e in report.errors)
    (corpus / "manifest.csv").write_text("file,kind,phase\nintervju.txt,intervju,fase 1\n", encoding="utf-8")
    assert not ingest_paths(db, [corpus], user="forsker").errors
    with pytest.raises(InputError) as err:
        set_metadata(db, "intervju.txt", fields={"phase": long_phase}, user="forsker")
    assert err.value.code == "metadata.too_long" and err.value.params["limit"] == 40
    with pytest.raises(InputError):
        set_metadata(db, "intervju.txt", fields={"county": "Finnmark"}, speakers={"Kari": {"organisation": "x" * 201}},
                     user="forsker")
    with db.session() as s:
        src = s.query(Source).one()
        assert (src.phase, src.county) == ("fase 1", None)  # nothing of the refused form was stored


def test_a_pasted_value_is_cleaned_as_ingest_cleans_a_table_cell(db, tmp_path):
    """A zero-width space pasted into the form ("prosjekt\\u200bleder") made a second «prosjektleder»
    on the dashboards; decomposed letters and a bidi control were kept too."""
    from workbench.ingest import ingest_paths
    from workbench.ingest.metadata import set_metadata, set_speaker
    from workbench.store import Speaker

    corpus = _interview_folder(tmp_path)
    assert not ingest_paths(db, [corpus], user="forsker").errors
    set_metadata(db, "intervju.txt", speakers={"Kari": {"actor": "prosjekt\u200bleder"}}, user="forsker")
    set_speaker(db, "intervju.txt", "Kari", organisation="Ga\u0308mvik\u202e  kommune ", user="forsker")
    with db.session() as s:
        kari = s.query(Speaker).filter_by(label="Kari").one()
        assert (kari.actor, kari.organisation) == ("prosjektleder", "Gämvik kommune")


# ------------------------------------------------------------------ a pseudonym moved by the source's own values

ADVISER_A = ("Intervjuer: Hva tenker du om avtalen?\n\n"
             "Rådgiver: Den har gitt oss bedre samarbeid med kommunene.\n\n"
             "Intervjuer: Og tilliten?\n\nRådgiver: Tilliten er god.\n")
ADVISER_B = ("Intervjuer: Hva skjedde i fase 2?\n\nRådgiver: Vi fikk mer ansvar for boligtiltakene.\n\n"
             "Intervjuer: Takk.\n\nRådgiver: Takk selv.\n")


@pytest.fixture
def two_pilots(db, tmp_path):
    """a.txt in Pilot Nord and b.txt without a pilot, the same adviser (no pilot of their own) in
    both: two keys, Husbanken 1 and Husbanken 2."""
    folder = tmp_path / "to"
    folder.mkdir()
    (folder / "a.txt").write_text(ADVISER_A, encoding="utf-8")
    (folder / "b.txt").write_text(ADVISER_B, encoding="utf-8")
    (folder / "manifest.csv").write_text("file,kind,phase,pilot\na.txt,intervju,fase 1,Pilot Nord\n"
                                         "b.txt,intervju,fase 2,\n", encoding="utf-8")
    (folder / "participants.csv").write_text(
        "file,speaker,actor,organisation\n*,Intervjuer,forsker,NIBR\n*,Rådgiver,Husbanken,Husbanken\n",
        encoding="utf-8")
    assert ingest_paths(db, [folder], user="forsker1").added == ["a.txt", "b.txt"]
    with db.session() as s:
        named = {(sp.source.file_name, sp.label): sp.pseudonym.label for sp in s.scalars(select(Speaker))}
    assert named[("a.txt", "Rådgiver")] == "Husbanken 1" and named[("b.txt", "Rådgiver")] == "Husbanken 2"
    return folder


def _check_moved(update) -> None:
    from workbench.ui.format import md_unescape
    from workbench.ui.metadata import change_text

    assert update.line() == ("b.txt: pilot (ingen) → Pilot Nord; taleren Intervjuer: pseudonym Forsker 2 → "
                             "Forsker 1; taleren Rådgiver: pseudonym Husbanken 2 → Husbanken 1")
    assert update.warnings == [
        "b.txt: Forsker 2 is now Forsker 1 (Intervjuer), Husbanken 2 is now Husbanken 1 (Rådgiver); reports and "
        "exports made before this change use the old pseudonyms: make the exports again"]
    # the app's Kilder page: the same changes and the note in Norwegian
    assert md_unescape(change_text(update)) == (
        "Lagret for b.txt: Pilot satt til «Pilot Nord». Taleren «Intervjuer»: pseudonym «Forsker 2» → «Forsker 1». "
        "Taleren «Rådgiver»: pseudonym «Husbanken 2» → «Husbanken 1».")
    assert update.notices == ["b.txt: Forsker 2 heter nå Forsker 1 (Intervjuer), Husbanken 2 heter nå Husbanken 1 "
                              "(Rådgiver); rapporter og eksporter laget før endringen bruker de gamle "
                              "pseudonymene: lag eksportene på nytt."]


def test_a_new_pilot_of_the_source_names_the_pseudonyms_it_changes(db, two_pilots):
    """`source set b.txt --pilot "Pilot Nord"`: the adviser of b.txt is now the person of a.txt
    (Husbanken 1); the line says so, not only the pilot, and warns that earlier exports say
    Husbanken 2."""
    update = set_source(db, "b.txt", pilot="Pilot Nord", user="forsker1")
    _check_moved(update)


def test_a_reingested_manifest_with_a_new_pilot_names_the_pseudonyms_it_changes(db, two_pilots):
    (two_pilots / "manifest.csv").write_text("file,kind,phase,pilot\na.txt,intervju,fase 1,Pilot Nord\n"
                                             "b.txt,intervju,fase 2,Pilot Nord\n", encoding="utf-8")
    report = ingest_paths(db, [two_pilots], user="forsker1")
    assert report.updated == ["b.txt: pilot (ingen) → Pilot Nord; taleren Intervjuer: pseudonym Forsker 2 → "
                              "Forsker 1; taleren Rådgiver: pseudonym Husbanken 2 → Husbanken 1"]
    assert any("Husbanken 2 is now Husbanken 1 (Rådgiver)" in w for w in report.warnings)


def test_the_command_line_names_the_pseudonyms_a_new_pilot_changes(db, two_pilots):
    res = CliRunner().invoke(cli, ["--db", db.url, "--user", "forsker1", "source", "set", "b.txt",
                                   "--pilot", "Pilot Nord"])
    assert res.exit_code == 0, res.output
    assert ("Oppdatert: b.txt: pilot (ingen) → Pilot Nord; taleren Intervjuer: pseudonym Forsker 2 → Forsker 1; "
            "taleren Rådgiver: pseudonym Husbanken 2 → Husbanken 1") in res.output
    assert "Advarsel: b.txt: Forsker 2 is now Forsker 1 (Intervjuer), Husbanken 2 is now Husbanken 1" in res.output
