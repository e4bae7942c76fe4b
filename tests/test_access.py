"""Users, log-in, audit, pseudonyms, suppression and released quotes, through the library and the
command line, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.analysis import code_frequencies, phase_change, quotes, theme_matrix
from workbench.cli import cli
from workbench.codebook import load_codebook
from workbench.coding import apply_code
from workbench.errors import PermissionDenied, WorkbenchError
from workbench.ingest import ingest_paths
from workbench.sharing import released_quotes, release_quote, set_setting, withdraw_release
from workbench.users import (LOCKOUT_FAILURES, add_user, authenticate, disable_user, list_audit,
                             login_identity, set_password, set_role)

from tests.test_permissions import CODEBOOK

PW = "et-langt-passord"

# Six prosjektledere in two phases, two statsforvaltere and three ordførere in fase 1, one KDD
# person in fase 2.
FASE1 = ("Moderator: Velkommen.\n\n"
         "PL A: Avtalen er en kontrakt og et samarbeid.\n\n"
         "PL B: Vi stoler på hverandre, det er tillit.\n\n"
         "PL C: Kontrakten har tydelige krav.\n\n"
         "PL D: Vi mangler folk.\n\n"
         "SF 1: Tillit er viktigst for oss.\n\n"
         "SF 2: Vi mangler kapasitet i regionen.\n\n"
         "OF 1: Kommunen mangler folk.\n\n"
         "OF 2: Vi har ikke kapasitet.\n\n"
         "OF 3: Det er for få hender.\n")
FASE2 = ("Intervjuer: Hva nå?\n\n"
         "PL A: Samarbeidet går bedre, vi har tillit.\n\n"
         "PL E: Kontrakten er grei.\n\n"
         "PL F: Vi mangler folk fortsatt.\n\n"
         "KDD: Departementet har tillit til pilotene.\n")
PEOPLE = [("PL A", "prosjektleder"), ("PL B", "prosjektleder"), ("PL C", "prosjektleder"),
          ("PL D", "prosjektleder"), ("PL E", "prosjektleder"), ("PL F", "prosjektleder"),
          ("SF 1", "statsforvalter"), ("SF 2", "statsforvalter"), ("KDD", "KDD"),
          ("OF 1", "ordfører"), ("OF 2", "ordfører"), ("OF 3", "ordfører")]


def build(db, folder: Path) -> None:
    corpus = folder / "korpus"
    corpus.mkdir(parents=True)
    (corpus / "fg1.txt").write_text(FASE1, encoding="utf-8")
    (corpus / "fg2.txt").write_text(FASE2, encoding="utf-8")
    (corpus / "manifest.csv").write_text(
        "file,kind,phase,pilot,county,date,language\nfg1.txt,fokusgruppe,fase 1,,,,nb\n"
        "fg2.txt,fokusgruppe,fase 2,,,,nb\n", encoding="utf-8")
    rows = ["file,speaker,actor,organisation,pilot", "*,Moderator,forsker,SINTEF,", "*,Intervjuer,forsker,SINTEF,"]
    rows += [f"*,{label},{actor},Org,Pilot" for label, actor in PEOPLE]
    (corpus / "participants.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (folder / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    assert not ingest_paths(db, [corpus], user="anna").errors
    load_codebook(db, folder / "kodebok.yaml", user="anna")
    for src, turn, code in [("fg1.txt", 2, "kontrakt.hybrid"), ("fg1.txt", 3, "kontrakt.relasjonell"),
                            ("fg1.txt", 4, "kontrakt.hybrid"), ("fg1.txt", 5, "kapasitet"),
                            ("fg1.txt", 6, "kontrakt.relasjonell"), ("fg1.txt", 7, "kapasitet"),
                            ("fg2.txt", 2, "kontrakt.relasjonell"), ("fg2.txt", 3, "kontrakt.hybrid"),
                            ("fg2.txt", 4, "kapasitet"), ("fg2.txt", 5, "kontrakt.relasjonell"),
                            ("fg1.txt", 8, "kapasitet"), ("fg1.txt", 9, "kapasitet"), ("fg1.txt", 10, "kapasitet")]:
        apply_code(db, src, turn, code, user="anna")
    add_user(db, "anna", "researcher", password=PW, user="anna")
    add_user(db, "rolf", "report_author", password=PW, user="anna")
    add_user(db, "rita", "resource_group", password=PW, user="anna")


@pytest.fixture
def team(db, tmp_path):
    build(db, tmp_path)
    return db


# ------------------------------------------------------------------------------ users, log-in

def test_log_in_with_password_lockout_and_disable(team):
    assert authenticate(team, "rita", PW).role == "resource_group"
    with pytest.raises(PermissionDenied, match="Feil brukernavn eller passord"):
        authenticate(team, "rita", "feil-passord-her")
    with pytest.raises(PermissionDenied, match="Feil brukernavn eller passord"):
        authenticate(team, "ukjent", PW)  # the same message: names cannot be probed
    for _ in range(LOCKOUT_FAILURES):
        with pytest.raises(PermissionDenied):
            authenticate(team, "rolf", "feil-passord-her")
    with pytest.raises(PermissionDenied, match="For mange mislykkede forsøk"):
        authenticate(team, "rolf", PW)  # the right password does not help while locked
    for _ in range(LOCKOUT_FAILURES):  # a name nobody has is locked the same way: no names can be probed
        with pytest.raises(PermissionDenied, match="Feil brukernavn eller passord"):
            authenticate(team, "finnesikke", "feil-passord-her")
    with pytest.raises(PermissionDenied, match="For mange mislykkede forsøk"):
        authenticate(team, "finnesikke", PW)
    disable_user(team, "rita", user="anna")
    with pytest.raises(PermissionDenied, match="deaktivert"):
        authenticate(team, "rita", PW)
    actions = [e.action for e in list_audit(team, user="anna")]
    assert actions.count("login") == 1 and actions.count("login_failed") >= LOCKOUT_FAILURES + 3


def test_real_projects_hash_with_argon2_defaults(monkeypatch):
    """The suite hashes cheaply (tests/conftest.py); without that setting a password gets
    argon2-cffi's defaults (64 MB, 3 passes), and a cheap hash still verifies."""
    from workbench.users import CHEAP_HASH_ENV, _verify, hash_password

    cheap = hash_password(PW)
    monkeypatch.delenv(CHEAP_HASH_ENV, raising=False)
    stored = hash_password(PW)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$"), stored
    assert _verify(stored, PW) and _verify(cheap, PW) and not _verify(stored, PW + "x")
    monkeypatch.setenv(CHEAP_HASH_ENV, "1")
    assert hash_password(PW).startswith("$argon2id$v=19$m=8,t=1,p=1$")


def test_passwords_are_hashed_and_changed_by_oneself_or_a_researcher(team):
    from workbench.store import User

    with team.session() as s:
        stored = s.query(User).filter_by(name="rolf").one().password_hash
    assert stored.startswith("$argon2id$") and PW not in stored
    set_password(team, "rolf", "rolfs-nye-passord", user="rolf")  # oneself
    assert authenticate(team, "rolf", "rolfs-nye-passord").name == "rolf"
    with pytest.raises(PermissionDenied):
        set_password(team, "anna", "overta-kontoen-na", user="rolf")
    with pytest.raises(WorkbenchError, match="at least 10"):
        set_password(team, "rolf", "kort", user="anna")


def test_single_sign_on_identity_maps_to_a_registered_user(team):
    add_user(team, "sso", "report_author", email="Ola.Nordmann@Example.no", user="anna")
    assert login_identity(team, "ola.nordmann@example.no").role == "report_author"
    with pytest.raises(PermissionDenied, match="har ikke tilgang"):
        login_identity(team, "fremmed@example.no")


def test_audit_keeps_before_and_after(team):
    set_role(team, "rolf", "resource_group", user="anna")
    event = [e for e in list_audit(team, user="anna") if e.action == "user_set_role"][-1]
    assert event.user == "anna" and event.target == "rolf"
    assert (event.detail["before"]["role"], event.detail["after"]["role"]) == ("report_author", "resource_group")
    assert list_audit(team, user="anna", since="1h", who="anna")
    assert list_audit(team, user="anna", since="2999-01-01") == []


# ------------------------------------------------------------------------------- pseudonyms

def test_pseudonyms_are_stable_per_person_across_sources_and_later_ingests(team, tmp_path):
    q = quotes(team, code="kontrakt", user="rolf")
    by_text = dict(zip(q["text"], q["speaker"]))
    assert by_text["Avtalen er en kontrakt og et samarbeid."] == "Prosjektleder 1"
    assert by_text["Samarbeidet går bedre, vi har tillit."] == "Prosjektleder 1"  # PL A again, fase 2
    assert by_text["Tillit er viktigst for oss."] == "Statsforvalter 1"
    assert by_text["Departementet har tillit til pilotene."] == "KDD 1"
    assert not set(q["speaker"]) & {label for label, _ in PEOPLE}
    more = tmp_path / "mer"
    more.mkdir()
    (more / "fg0.txt").write_text("PL Ny: Kontrakten er ny for oss.\n\nPL A: Jeg igjen.\n", encoding="utf-8")
    (more / "participants.csv").write_text("file,speaker,actor,organisation,pilot\n*,PL Ny,prosjektleder,Org,Pilot\n"
                                           "*,PL A,prosjektleder,Org,Pilot\n", encoding="utf-8")
    ingest_paths(team, [more], user="anna")
    apply_code(team, "fg0.txt", 1, "kontrakt.hybrid", user="anna")
    again = quotes(team, code="kontrakt", user="rolf")
    assert dict(zip(again["text"], again["speaker"]))["Avtalen er en kontrakt og et samarbeid."] == "Prosjektleder 1"
    assert dict(zip(again["text"], again["speaker"]))["Kontrakten er ny for oss."] == "Prosjektleder 7"


# ------------------------------------------------------------------------------ suppression

def test_resource_group_never_sees_a_cell_of_one_or_two_speakers(team):
    m = theme_matrix(team, user="rita", fill=True)
    assert "suppressed" in m.columns and m.attrs["suppressed_k"] == 3
    shown = m[~m["suppressed"]]
    assert (shown["speakers"].isna() | (shown["speakers"] == 0) | (shown["speakers"] >= 3)).all()
    hidden = m[m["suppressed"]]
    assert hidden[["segments", "speakers", "sources", "share"]].isna().all().all()
    # the statsforvaltere (2 people) and KDD (1 person) are hidden whole, zeros included
    assert m[m["actor"].isin(["statsforvalter", "KDD"])]["suppressed"].all()
    # the researcher sees the same cells with their numbers, unless asking for suppression (then
    # counted as the resource group's tables are, without the interviewers: the very same cells)
    full = theme_matrix(team, user="anna", fill=True)
    assert "suppressed" not in full.columns and (full["speakers"].between(1, 2)).any()
    same = theme_matrix(team, user="anna", fill=True, suppress=True, exclude_actors=["forsker"])
    assert same["suppressed"].tolist() == m["suppressed"].tolist() and (~m["suppressed"]).any()
    # and the resource group cannot ask for less
    assert theme_matrix(team, user="rita", fill=True, suppress=False)["suppressed"].sum() == m["suppressed"].sum()


def test_suppression_threshold_is_a_project_setting(team):
    before = theme_matrix(team, user="rita", fill=True)["suppressed"].sum()
    set_setting(team, "min_cell_speakers", 5, user="anna")
    m = theme_matrix(team, user="rita", fill=True)
    assert m.attrs["suppressed_k"] == 5 and m["suppressed"].sum() > before
    with pytest.raises(PermissionDenied):
        set_setting(team, "min_cell_speakers", 2, user="rita")
    with pytest.raises(WorkbenchError, match="outside 2-100"):
        set_setting(team, "min_cell_speakers", 1, user="anna")


def test_frequencies_and_phase_change_are_suppressed_for_the_resource_group(team):
    f = code_frequencies(team, user="rita")
    assert (f["suppressed"] | (f["speakers"] >= 3) | (f["speakers"] == 0)).all()
    pc = phase_change(team, user="rita")
    sf = pc[pc["actor"] == "statsforvalter"]
    assert sf["segments_from"].isna().all() and sf["share_from"].isna().all()


# --------------------------------------------------------------------------- released quotes

def test_only_released_quotes_reach_the_resource_group(team):
    with pytest.raises(PermissionDenied):
        quotes(team, code="kontrakt", user="rita")
    assert released_quotes(team, user="rita").empty
    with pytest.raises(WorkbenchError, match="is not coded"):
        release_quote(team, "fg1.txt", 2, "kapasitet", user="anna")
    with pytest.raises(PermissionDenied):
        release_quote(team, "fg1.txt", 2, "kontrakt.hybrid", user="rolf")
    r = release_quote(team, "fg1.txt", 2, "kontrakt.hybrid", user="anna")
    assert release_quote(team, "fg1.txt", 2, "kontrakt.hybrid", user="anna").id == r.id  # once
    seen = released_quotes(team, user="rita", code="kontrakt")  # parent code includes children
    assert list(seen["text"]) == ["Avtalen er en kontrakt og et samarbeid."]
    assert list(seen["speaker"]) == ["Prosjektleder 1"]
    assert "source" not in seen.columns and "released_by" not in seen.columns
    assert released_quotes(team, user="rita", actor="statsforvalter").empty
    assert quotes(team, code="kontrakt", user="anna")["released"].sum() == 1
    withdraw_release(team, r.id, user="anna")
    assert released_quotes(team, user="rita").empty
    actions = [e.action for e in list_audit(team, user="anna")]
    assert "release_quote" in actions and "withdraw_release" in actions


def test_releasing_a_quote_of_fewer_than_k_people_of_an_actor_in_a_pilot_warns(team, tmp_path):
    """A released quote shows its actor and pilot: the one KDD person of the pilot is known by
    them without a name, and one of two statsforvaltere nearly so (k = 3), so the release says so;
    a quote of one of six project leaders does not. A quote whose cell of the published tables
    has fewer than 3 speakers (the KDD person's, two project leaders' kontrakt.hybrid in fase 1)
    gets a second warning: the dashboards hide that cell; a quote of one of three mayors who all
    said it gets none."""
    lone = release_quote(team, "fg2.txt", 5, "kontrakt.relasjonell", user="anna")
    assert len(lone.warnings) == 2
    assert "eneste med aktøren «KDD» i Pilot" in lone.warnings[0] and f"unrelease {lone.id}" in lone.warnings[0]
    assert "«KDD · fase 2 · kontrakt.relasjonell» bygger på bare én taler" in lone.warnings[1]
    leader = release_quote(team, "fg1.txt", 2, "kontrakt.hybrid", user="anna")
    assert [w for w in leader.warnings if "med aktøren «prosjektleder» i Pilot" in w] == []  # six of them
    assert len(leader.warnings) == 1 and "bare 2 talere (færre enn 3) og er skjult («<3»)" in leader.warnings[0]
    assert release_quote(team, "fg1.txt", 8, "kapasitet", user="anna").warnings == []  # 3 mayors, 3 said it
    from workbench.cli import cli

    res = CliRunner().invoke(cli, ["--db", team.url, "--user", "anna", "release", "fg1.txt", "6",
                                   "--code", "kontrakt.relasjonell"])
    assert res.exit_code == 0 and "er én av bare 2 med aktøren «statsforvalter» i Pilot (færre enn 3)" in res.output
    res = CliRunner().invoke(cli, ["--db", team.url, "--user", "anna", "release", "fg2.txt", "5",
                                   "--code", "kontrakt.relasjonell"])
    assert res.exit_code == 0 and "Advarsel:" in res.output and "eneste med aktøren «KDD»" in res.output
    res = CliRunner().invoke(cli, ["--db", team.url, "--user", "rita", "released"])
    header = res.output.splitlines()[0].split()
    assert res.exit_code == 0 and "pilot" in header  # what the warning speaks of, shown as the group sees it


# Regional and national people without a pilot: two KDD officials, three statsforvaltere; and
# three mayors in each of two pilots.
REGION = ("Intervjuer: Velkommen.\n\n"
          "KDD A: Departementet vil ha en hybrid kontrakt.\n\n"
          "KDD B: Vi følger pilotene tett.\n\n"
          "SF 1: Vi mangler folk i regionen.\n\n"
          "SF 1: Avtalen er både krav og tillit.\n\n"
          "SF 2: Kapasiteten er for liten.\n\n"
          "SF 3: Det er for få hender.\n\n"
          "OA 1: Relasjonen er viktigere enn papiret.\n\n"
          "OA 2: Vi er enige.\n\n"
          "OA 3: Det stemmer.\n\n"
          "OB 1: Det handler om tillit mellom partene.\n\n"
          "OB 2: Vi stoler på hverandre.\n\n"
          "OB 3: Ja.\n")


@pytest.fixture
def region(db, tmp_path):
    corpus = tmp_path / "region"
    corpus.mkdir()
    (corpus / "region.txt").write_text(REGION, encoding="utf-8")
    (corpus / "manifest.csv").write_text("file,kind,phase,pilot,county,date,language\n"
                                         "region.txt,fokusgruppe,fase 1,,,,nb\n", encoding="utf-8")
    rows = ["file,speaker,actor,organisation,pilot", "*,Intervjuer,forsker,SINTEF,",
            "*,KDD A,KDD,Departementet,", "*,KDD B,KDD,Departementet,"]
    rows += [f"*,SF {i},statsforvalter,Statsforvalteren," for i in (1, 2, 3)]
    rows += [f"*,O{p} {i},ordfører,Kommune {p}{i},Pilot {p}" for p in "AB" for i in (1, 2, 3)]
    (corpus / "participants.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    assert not ingest_paths(db, [corpus], user="anna").errors
    load_codebook(db, tmp_path / "kodebok.yaml", user="anna")
    for turn, code in [(2, "kontrakt.hybrid"), (4, "kapasitet"), (5, "kontrakt.hybrid"), (6, "kapasitet"),
                       (7, "kapasitet"), (8, "kontrakt.relasjonell"), (11, "kontrakt.relasjonell"),
                       (12, "kontrakt.relasjonell")]:
        apply_code(db, "region.txt", turn, code, user="anna")
    add_user(db, "anna", "researcher", password=PW, user="anna")
    return db


def test_a_quote_without_a_pilot_counts_its_actor_in_the_whole_project(region):
    """A quote without a pilot shows actor and phase: one of the two KDD officials of the whole
    project is nearly known by that (k = 3), so the release says so, in the project's words; its
    cell (one KDD person said it) is hidden in the dashboards, which the second warning says."""
    kdd = release_quote(region, "region.txt", 2, "kontrakt.hybrid", user="anna")
    assert kdd.pilot is None and len(kdd.warnings) == 2
    assert kdd.warnings[0].startswith("KDD 1 er én av bare 2 med aktøren «KDD» i prosjektet (færre enn 3)")
    assert "aktøren (sitatet har ingen pilot)" in kdd.warnings[0] and f"unrelease {kdd.id}" in kdd.warnings[0]
    assert "«KDD · fase 1 · kontrakt.hybrid» bygger på bare én taler" in kdd.warnings[1]
    assert "viser gruppen at KDD 1 med aktøren «KDD» sa dette i fase 1" in kdd.warnings[1]


def test_a_quote_in_a_cell_hidden_from_the_resource_group_warns(region):
    """Three statsforvaltere (no warning for the actor), but only one of them said kontrakt.hybrid:
    the dashboards show "<3" there, and the released quote would show that one did. With a pilot
    the actor x phase x pilot cell counts too (the Oversikt page with one pilot chosen): three
    mayors said kontrakt.relasjonell, but only one of them in Pilot A. Three statsforvaltere who
    all said kapasitet: no warning."""
    sf = release_quote(region, "region.txt", 5, "kontrakt.hybrid", user="anna")
    assert len(sf.warnings) == 1
    assert sf.warnings[0].startswith("Cellen «statsforvalter · fase 1 · kontrakt.hybrid» bygger på bare én taler "
                                     "(færre enn 3) og er skjult («<3») i ressursgruppens tabeller")
    assert f"unrelease {sf.id}" in sf.warnings[0]
    mayor = release_quote(region, "region.txt", 8, "kontrakt.relasjonell", user="anna")
    assert len(mayor.warnings) == 1 and "«ordfører · fase 1 · Pilot A · kontrakt.relasjonell»" in mayor.warnings[0]
    assert release_quote(region, "region.txt", 6, "kapasitet", user="anna").warnings == []
    res = CliRunner().invoke(cli, ["--db", region.url, "--user", "anna", "release", "region.txt", "2",
                                   "--code", "kontrakt.hybrid"])
    said = [line for line in res.output.splitlines() if line.startswith("Advarsel: ")]
    assert res.exit_code == 0 and len(said) == 2, res.output
    assert "i prosjektet (færre enn 3)" in said[0] and "er skjult («<3»)" in said[1]


def test_the_demo_releases_only_quotes_that_would_not_warn(region):
    """The demo's rule counts as ``release_quote`` warns: of kapasitet the statsforvaltere's quote
    (3 of them, all said it); kontrakt.hybrid has only the KDD official's (2 KDD people) and a
    hidden cell's, kontrakt.relasjonell only hidden pilot cells: released none, and said so."""
    from workbench.demo import release_demo_quotes

    skipped: list[str] = []
    n = release_demo_quotes(region, user="anna", codes=("kapasitet", "kontrakt.hybrid", "kontrakt.relasjonell"),
                            skipped=skipped)
    assert n == 1 and skipped == ["kontrakt.hybrid", "kontrakt.relasjonell"]
    shown = released_quotes(region, user="anna")
    assert list(shown["actor"]) == ["statsforvalter"] and list(shown["code"]) == ["kapasitet"]


# ------------------------------------------------------------------------------ command line

@pytest.fixture
def run(team):
    runner = CliRunner()

    def invoke(*args, user="anna", input=None):
        return runner.invoke(cli, ["--db", team.url, "--user", user, *args], obj={}, input=input)

    return invoke


def test_user_commands_read_the_password_twice_from_stdin(run, team):
    r = run("user", "add", "nina", "--role", "rapportforfatter", input=f"{PW}\n{PW}\n")
    assert r.exit_code == 0 and "report_author" in r.output, r.output
    assert authenticate(team, "nina", PW).role == "report_author"
    r = run("user", "add", "nils", "--role", "researcher", input=f"{PW}\nannet-passord\n")
    assert r.exit_code == 1 and "differ" in r.output
    r = run("user", "add", "nils", "--role", "sjef", input=f"{PW}\n{PW}\n")
    assert r.exit_code == 1 and "unknown role" in r.output
    users = {u["name"]: u for u in json.loads(run("user", "list", "--json").output)}
    assert users["nina"]["role"] == "report_author" and users["nina"]["has_password"]
    assert "password_hash" not in users["nina"]
    assert run("user", "set-role", "nina", "resource_group").exit_code == 0
    assert run("user", "passwd", "nina", input="nytt-passord-1\nnytt-passord-1\n").exit_code == 0
    assert authenticate(team, "nina", "nytt-passord-1").role == "resource_group"
    assert run("user", "disable", "nina").exit_code == 0
    r = run("dashboard", user="nina")
    assert r.exit_code == 3 and "deaktivert" in r.output


@pytest.mark.parametrize("args", [("turns", "fg1.txt"), ("export", "quotes", "--code", "kontrakt", "-o", "q.md",
                                                          "--format", "md"),
                                  ("memos",), ("sources",), ("codings",), ("audit",), ("user", "list"),
                                  ("code", "fg1.txt", "2", "kapasitet")])
def test_resource_group_is_refused_with_exit_3_and_one_norwegian_line(run, args, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run(*args, user="rita")
    assert r.exit_code == 3, r.output
    lines = r.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Ingen tilgang: rollen «ressursgruppe»")
    assert not (tmp_path / "q.md").exists()


def test_user_option_is_accepted_after_the_subcommand(run, team):
    runner = CliRunner()
    r = runner.invoke(cli, ["--db", team.url, "turns", "fg1.txt", "--user", "rita"], obj={})
    assert r.exit_code == 3
    r = runner.invoke(cli, ["--db", team.url, "turns", "fg1.txt", "--user", "anna"], obj={})
    assert r.exit_code == 0 and "PL A" in r.output


def test_dashboard_as_resource_group_has_no_small_cells(run):
    rows = json.loads(run("dashboard", "--all-rows", "--json", user="rita").output)
    assert rows and all(r["speakers"] is None or r["speakers"] == 0 or r["speakers"] >= 3 for r in rows)
    assert any(r["suppressed"] for r in rows) and any(not r["suppressed"] for r in rows)
    text = run("dashboard", user="rita").output
    assert "<3" in text and "færre enn 3 talere" in text
    researcher = json.loads(run("dashboard", "--json").output)
    assert any(r["speakers"] in (1, 2) for r in researcher)
    assert all(r["speakers"] is None or r["speakers"] >= 5 or r["speakers"] == 0
               for r in json.loads(run("dashboard", "--suppress", "5", "--json").output))


def test_reveal_is_for_researchers_and_audited(run):
    r = run("dashboard", "--by", "speaker", "--json")
    assert {row["speaker"] for row in json.loads(r.output)} >= {"Prosjektleder 1", "Statsforvalter 1"}
    r = run("dashboard", "--by", "speaker", "--reveal", "--json")
    assert "PL A" in {row["speaker"] for row in json.loads(r.output)}
    assert run("dashboard", "--by", "speaker", "--reveal", user="rolf").exit_code == 3
    events = json.loads(run("audit", "--json", "--action", "reveal").output)
    assert [e["user"] for e in events] == ["anna"]


def test_release_commands_and_audit_filters(run):
    r = run("release", "fg1.txt", "3", "--code", "kontrakt.relasjonell")
    assert r.exit_code == 0 and "Prosjektleder 2" in r.output, r.output
    shown = json.loads(run("released", "--json", user="rita").output)
    assert [s["text"] for s in shown] == ["Vi stoler på hverandre, det er tillit."]
    assert run("release", "fg1.txt", "3", "--code", "kontrakt.relasjonell", user="rita").exit_code == 3
    assert run("unrelease", str(shown[0]["id"])).exit_code == 0
    assert json.loads(run("released", "--json", user="rita").output) == []
    audit = json.loads(run("audit", "--json", "--since", "1h", "--user", "anna").output)
    assert {"release_quote", "withdraw_release", "user_add"} <= {e["action"] for e in audit}
    assert all(e["user"] == "anna" for e in audit)
    r = run("audit", "--since", "i går")
    assert r.exit_code == 1 and "is not a date" in r.output
    r = run("audit", "--user", "Annna")  # a misspelt user is an error, not an empty trail
    assert r.exit_code == 1 and "did you mean 'anna'" in r.output and "Traceback" not in r.output
    assert json.loads(run("audit", "--json", "--user", "ANNA").output)  # letter case forgiven
    r = run("audit", "--action", "forgett")  # a misspelt action is an error too, not "no events"
    assert r.exit_code == 1 and "Traceback" not in r.output and len(r.output.strip().splitlines()) == 1
    assert r.output.startswith("Error: action 'forgett' is not an action of the audit trail; did you mean "
                               "'forget'? known actions: accept, anonymise, backup, code, ")
    assert r.output.strip().endswith("user_set_role, withdraw_release")
    assert run("audit", "--action", "forget").output.strip() == "Ingen hendelser."  # known, none yet
    assert {e["action"] for e in json.loads(run("audit", "--json", "--action", "Release_Quote").output)} == {
        "release_quote"}


def test_audit_actions_name_every_action_the_workbench_records():
    """`audit --action` refuses what is not in AUDIT_ACTIONS (unless the trail has it): the list
    must hold every action the code writes."""
    import re

    from workbench.users import AUDIT_ACTIONS

    package = Path(__file__).resolve().parents[1] / "workbench"
    source = "\n".join(p.read_text(encoding="utf-8") for p in package.rglob("*.py"))
    written = set(re.findall(r'(?:\.audit\(|action=|_change\(db, name, user, |_audit_export\(db, user, )"([a-z_]+)"',
                             source))
    assert "code" in written and "user_set_role" in written and "export_quotes" in written
    assert written <= set(AUDIT_ACTIONS), sorted(written - set(AUDIT_ACTIONS))


def test_serve_listens_on_this_machine_unless_told_otherwise():
    from workbench.cli.serve import network_warning, serve_command

    cmd = serve_command(8501)
    assert cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert network_warning("127.0.0.1") is None and network_warning("localhost") is None
    assert "TLS" in network_warning("0.0.0.0")
    cmd = serve_command(8501, address="0.0.0.0")
    assert cmd[cmd.index("--server.address") + 1] == "0.0.0.0"


def test_a_known_name_in_another_letter_case_is_refused_not_taken_for_a_researcher(team):
    # `--user Rita` on the command line used to act as an unknown name, i.e. a researcher, and
    # show the unsuppressed tables the resource group member "rita" must never see.
    with pytest.raises(PermissionDenied) as err:
        theme_matrix(team, user="Rita")
    assert str(err.value) == ("Ukjent bruker 'Rita'; mente du 'rita'? Brukernavn skiller mellom store og små "
                              "bokstaver.")
    result = CliRunner().invoke(cli, ["--db", team.url, "--user", "RITA", "dashboard"])
    assert result.exit_code == 3 and "mente du 'rita'?" in result.output
    assert theme_matrix(team, user="ola") is not None  # a new name is still a researcher on a laptop
