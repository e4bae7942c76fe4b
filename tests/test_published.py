"""What the resource group can learn: one person is one speaker, and no hidden number can be
worked out from anything the role can ask for (the published tables, suppressed together).

Fictional projects built in the tests:

* ``people``: one named fylkeskommune official (Åse Brattvik) speaks in sources of two pilots with
  a blank pilot in the roster, beside two interview code labels ("INFORMANT 2") that are two
  different people in two pilots.
* ``project``: prosjektledere, statsforvaltere and ordførere in two pilots and two phases, one
  KDD official whose five segments on "kapasitet" are the number to protect, and one Husbanken
  official.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.optimize import linprog
from sqlalchemy import select, text

from workbench.analysis import code_frequencies, cooccurrence, phase_change, theme_matrix
from workbench.analysis.aggregate import PUBLISHED_GROUPINGS
from workbench.cli import cli
from workbench.codebook import load_codebook
from workbench.coding import apply_code
from workbench.errors import InputError, PermissionDenied
from workbench.export import export_tables
from workbench.ingest import ingest_paths
from workbench.sharing import pseudonym_map, release_quote, released_quotes, set_setting
from workbench.store import Database, Pseudonym, ReleasedQuote, Speaker
from workbench.users import add_user

from tests.test_permissions import CODEBOOK

PW = "et-langt-passord"
USERS = {"anna": "researcher", "rolf": "report_author", "rita": "resource_group"}


def _ingest(folder: Path, files: dict[str, str], manifest: list[str], roster: list[str]) -> Database:
    corpus = folder / "korpus"
    corpus.mkdir(parents=True)
    for name, body in files.items():
        (corpus / name).write_text(body, encoding="utf-8")
    (corpus / "manifest.csv").write_text("file,kind,phase,pilot,county,date,language\n" + "\n".join(manifest) + "\n",
                                         encoding="utf-8")
    (corpus / "participants.csv").write_text("file,speaker,actor,organisation,pilot\n" + "\n".join(roster) + "\n",
                                             encoding="utf-8")
    (folder / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    db = Database(f"sqlite:///{folder / 'prosjekt.db'}")
    db.upgrade()
    assert not ingest_paths(db, [corpus], user="anna").errors
    load_codebook(db, folder / "kodebok.yaml", user="anna")
    for name, role in USERS.items():
        add_user(db, name, role, password=PW, user="anna")
    return db


def _turns(lines: list[tuple[str, str]]) -> str:
    return "".join(f"{who}: {said}\n\n" for who, said in lines)


def _split_person(db: Database, label: str, actor_org: str, number: int, pseudonym: str, *,
                  revision: str) -> tuple[Pseudonym, Pseudonym]:
    """Set a database back to ``revision`` as an older person rule left it: the person ``label``
    (speaker rows in the pilots Nord and Sør) with one pseudonym per pilot, keyed with the pilot.
    Returns the first and the second pseudonym (as detached rows: their ids and keys)."""
    with db.transaction("anna") as tx:
        s = tx.session
        rows = s.scalars(select(Speaker).where(Speaker.label == label).order_by(Speaker.id)).all()
        first = s.get(Pseudonym, rows[0].pseudonym_id)
        first.speaker_key = f"{label}|{actor_org}|Nord"
        second = Pseudonym(speaker_key=f"{label}|{actor_org}|Sør", actor_key=actor_org.split("|")[0],
                           number=number, label=pseudonym)
        s.add(second)
        s.flush()
        rows[1].pseudonym_id = second.id
        s.execute(text(f"UPDATE alembic_version SET version_num = '{revision}'"))
        s.execute(text("DROP TABLE removed_speakers"))  # made by 0013, which the upgrade runs again
        s.execute(text("DROP TABLE login_tokens"))  # made by 0014, likewise
        s.execute(text("DROP TABLE memo_drafts"))  # made by 0016, likewise
    return first, second


# ------------------------------------------------------------------ 1. one person, one speaker

@pytest.fixture(scope="module")
def people(tmp_path_factory):
    folder = tmp_path_factory.mktemp("personer")
    files = {
        "fg_nord.txt": _turns([("Intervjuer", "Hvordan går det?"), ("Åse Brattvik", "Boligene mangler."),
                               ("INFORMANT 2", "Vi mangler folk."), ("Per Lunde", "Boliger er viktig.")]),
        "intervju_brattvik.txt": _turns([("Intervjuer", "Og nå?"), ("Åse Brattvik", "Fortsatt for få boliger.")]),
        "fg_sor.txt": _turns([("Intervjuer", "Velkommen."), ("INFORMANT 2", "Kapasiteten er for liten.")]),
    }
    manifest = ["fg_nord.txt,fokusgruppe,fase 1,Nord,,2023-04-18,nb",
                "intervju_brattvik.txt,intervju,fase 2,Sør,,2024-04-18,nb",
                "fg_sor.txt,fokusgruppe,fase 1,Sør,,2023-05-18,nb"]
    roster = ["*,Intervjuer,forsker,SINTEF,",
              "fg_nord.txt,Åse Brattvik,fylkeskommune,Vestfylket fylkeskommune,",
              "intervju_brattvik.txt,Åse Brattvik,fylkeskommune,Vestfylket fylkeskommune,",
              "fg_nord.txt,INFORMANT 2,kommune,,",
              "fg_sor.txt,INFORMANT 2,kommune,,",
              "fg_nord.txt,Per Lunde,ordfører,Nordvik kommune,"]
    db = _ingest(folder, files, manifest, roster)
    for source, turn, code in [("fg_nord.txt", 2, "kapasitet"), ("intervju_brattvik.txt", 2, "kapasitet"),
                               ("fg_nord.txt", 4, "kapasitet"), ("fg_nord.txt", 3, "kontrakt.hybrid"),
                               ("fg_sor.txt", 2, "kontrakt.hybrid")]:
        apply_code(db, source, turn, code, user="anna")
    yield db
    db.dispose()


def test_a_named_person_is_one_speaker_in_sources_of_two_pilots(people):
    """The tester's repro: 3 segments said by 2 people read "3 speakers" and were shown; the
    named person had two pseudonyms (Fylkeskommune 1 and 2). Now one person, one pseudonym, 2
    speakers: the resource group gets "<3"."""
    names = pseudonym_map(people)
    assert sorted(v for k, v in names.items() if k.startswith("Åse Brattvik|")) == ["Fylkeskommune 1"]
    full = code_frequencies(people, codes="kapasitet", exclude_actors=["forsker"], user="anna")
    assert full[["segments", "speakers", "sources"]].iloc[0].tolist() == [3, 2, 2]
    rg = code_frequencies(people, codes="kapasitet", user="rita")
    assert bool(rg["suppressed"].iloc[0]) and pd.isna(rg["segments"].iloc[0])
    by_speaker = theme_matrix(people, by="speaker", codes="kapasitet", user="anna")
    assert dict(zip(by_speaker["speaker"], by_speaker["segments"])) == {"Fylkeskommune 1": 2, "Ordfører 1": 1}
    # a code label says who only within its pilot: "INFORMANT 2" of Nord and of Sør are two people
    hybrid = code_frequencies(people, codes="kontrakt.hybrid", user="anna")
    assert hybrid.set_index("code").at["kontrakt.hybrid", "speakers"] == 2
    assert len({v for k, v in names.items() if k.startswith("INFORMANT 2|")}) == 2


def test_withdrawing_a_person_of_two_pilots_keeps_one_speaker(people, tmp_path):
    from workbench.backup import backup, restore
    from workbench.lifecycle import forget

    copy = Database(f"sqlite:///{tmp_path / 'kopi.db'}")
    backup(people, tmp_path / "kopi.bak", user="anna")
    restore(copy, tmp_path / "kopi.bak")
    forget(copy, "Åse Brattvik", user="anna")
    full = code_frequencies(copy, codes="kapasitet", exclude_actors=["forsker"], user="anna")
    assert full[["segments", "speakers"]].iloc[0].tolist() == [1, 1]  # her turns are withdrawn
    m = theme_matrix(copy, by="actor", fill=True, user="anna")
    assert set(m[m["actor"] == "fylkeskommune"]["group_speakers"]) == {1}  # her two rows: still one person
    with copy.session() as s:
        rows = s.scalars(select(Speaker).where(Speaker.actor == "fylkeskommune")).all()
        assert {r.label for r in rows} == {"Fylkeskommune 1"} and len({r.pseudonym_id for r in rows}) == 1
        assert "Brattvik" not in s.get(Pseudonym, rows[0].pseudonym_id).speaker_key
    copy.dispose()


def test_upgrade_merges_the_pseudonyms_of_one_person(people, tmp_path):
    """A database made before the rule: the person has two pseudonyms (keys with the pilot of
    each source); the upgrade keeps the older one, points both speaker rows and the released
    quote to it, and never gives the other's number to anybody else."""
    from workbench.backup import backup, restore

    old = Database(f"sqlite:///{tmp_path / 'gammel.db'}")
    backup(people, tmp_path / "gammel.bak", user="anna")
    restore(old, tmp_path / "gammel.bak")
    release_quote(old, "intervju_brattvik.txt", 2, "kapasitet", user="anna")
    first, second = _split_person(old, "Åse Brattvik", "fylkeskommune|Vestfylket fylkeskommune", 9,
                                  "Fylkeskommune 9", revision="0009")  # as the old rule left it
    with old.transaction("anna") as tx:
        for q in tx.session.scalars(select(ReleasedQuote)):
            q.speaker = "Fylkeskommune 9"
    before = code_frequencies(old, codes="kapasitet", exclude_actors=["forsker"], user="anna")
    assert before["speakers"].iloc[0] == 3  # the bug, as it was
    old.upgrade()
    with old.session() as s:
        pids = {sp.pseudonym_id for sp in s.scalars(select(Speaker).where(Speaker.label == "Åse Brattvik"))}
        assert pids == {first.id}
        assert s.get(Pseudonym, first.id).speaker_key == "Åse Brattvik|fylkeskommune|Vestfylket fylkeskommune|"
        retired = s.get(Pseudonym, second.id)
        assert retired.speaker_key.startswith("merged:") and "Brattvik" not in retired.speaker_key
    after = code_frequencies(old, codes="kapasitet", exclude_actors=["forsker"], user="anna")
    assert after["speakers"].iloc[0] == 2
    assert list(released_quotes(old, user="rita")["speaker"]) == ["Fylkeskommune 1"]
    old.dispose()


def test_a_name_with_its_role_after_it_is_one_person_and_old_databases_are_merged(tmp_path):
    """"Kari Nordmann prosjektleder" and "Ola Nordbø (ordfører)" are names by the scrubbing rule;
    the identity rule had a rule of its own that read them as roles, one person per pilot.
    One rule now: one pseudonym in sources of two pilots, and revision 0011 merges the two that
    an older database holds."""
    files = {"a.txt": _turns([("Kari Nordmann prosjektleder", "Vi mangler boliger."),
                              ("Ola Nordbø (ordfører)", "Ja.")]),
             "b.txt": _turns([("Kari Nordmann prosjektleder", "Fortsatt for få boliger."),
                              ("Ola Nordbø (ordfører)", "Nei.")])}
    manifest = ["a.txt,intervju,fase 1,Nord,,2023-04-18,nb", "b.txt,intervju,fase 2,Sør,,2024-04-18,nb"]
    roster = ["*,Kari Nordmann prosjektleder,prosjektleder,Nordvik kommune,",
              "*,Ola Nordbø (ordfører),ordfører,Nordvik kommune,"]
    db = _ingest(tmp_path, files, manifest, roster)
    with db.session() as s:
        for label in ("Kari Nordmann prosjektleder", "Ola Nordbø (ordfører)"):
            assert len({r.pseudonym_id for r in s.scalars(select(Speaker).where(Speaker.label == label))}) == 1
    first, second = _split_person(db, "Kari Nordmann prosjektleder", "prosjektleder|Nordvik kommune", 7,
                                  "Prosjektleder 7", revision="0010")  # the old identity rule: one per pilot
    apply_code(db, "a.txt", 1, "kapasitet", user="anna")
    apply_code(db, "b.txt", 1, "kapasitet", user="anna")
    assert code_frequencies(db, codes="kapasitet", user="anna")["speakers"].iloc[0] == 2  # as it was
    db.upgrade()
    with db.session() as s:
        assert {r.pseudonym_id for r in s.scalars(select(Speaker).where(
            Speaker.label == "Kari Nordmann prosjektleder"))} == {first.id}
        assert s.get(Pseudonym, second.id).speaker_key.startswith("merged:")
    assert code_frequencies(db, codes="kapasitet", user="anna")["speakers"].iloc[0] == 1
    db.dispose()


def test_the_demo_roster_writes_each_project_leader_one_way():
    """The demo's project leaders appear in three sources; their organisation must be written the
    same way in every roster row, or one person counts as two."""
    roster = pd.read_csv(Path(__file__).resolve().parents[1] / "data" / "sample" / "participants.csv")
    roster = roster[roster["actor"] != "forsker"]
    ways = roster.groupby(["speaker", "actor"])[["organisation", "pilot"]].nunique()
    assert (ways <= 1).all().all(), ways[(ways > 1).any(axis=1)]


# ------------------------------------------------------- 2. suppression cannot be differenced

PILOTS = {"Nord": "Nordvik kommune", "Sør": "Sørvik kommune"}


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    folder = tmp_path_factory.mktemp("prosjekt")
    files, manifest, roster = {}, [], ["*,Moderator,forsker,SINTEF,"]
    codings = []
    for phase in (1, 2):
        for pilot, org in PILOTS.items():
            name = f"fg_{pilot.lower().replace('ø', 'o')}_fase{phase}.txt"
            lines = [("Moderator", "Velkommen til fokusgruppa.")]
            people = [(f"PL {pilot} {i}", "prosjektleder") for i in range(1, 5)]
            people += [(f"SF {pilot} {i}", "statsforvalter") for i in range(1, 4)]
            if phase == 1:
                people += [(f"OF {pilot} {i}", "ordfører") for i in range(1, 3)]
            for label, actor in people:
                roster.append(f"{name},{label},{actor},{org},{pilot}")
                lines += [(label, "Vi mangler folk og kapasitet."), (label, "Avtalen er en kontrakt med tillit.")]
            files[name] = _turns(lines)
            manifest.append(f"{name},fokusgruppe,fase {phase},{pilot},,2023-0{phase + 3}-18,nb")
            for i, (label, actor) in enumerate(people):
                turn = 2 + 2 * i
                codings.append((name, turn, "kapasitet"))
                if actor == "prosjektleder":  # only the project leaders speak of a hybrid contract
                    codings.append((name, turn + 1, "kontrakt.hybrid"))
                elif actor == "statsforvalter":
                    codings.append((name, turn + 1, "kontrakt.relasjonell"))
    kdd = [("Moderator", "Hva tenker departementet?")] + [("KDD", f"Kapasiteten i kommunene er et problem, punkt {i}.")
                                                          for i in range(1, 6)]
    files["intervju_kdd.txt"] = _turns(kdd)
    manifest.append("intervju_kdd.txt,intervju,fase 1,,,2023-05-30,nb")
    roster.append("intervju_kdd.txt,KDD,KDD,Departementet,")
    codings += [("intervju_kdd.txt", turn, "kapasitet") for turn in range(2, 7)]
    husbanken = [("Moderator", "Og Husbanken?"), ("HB", "Vi har for få folk."), ("HB", "Kapasiteten er for liten.")]
    files["intervju_husbanken.txt"] = _turns(husbanken)
    manifest.append("intervju_husbanken.txt,intervju,fase 1,,,2023-06-01,nb")
    roster.append("intervju_husbanken.txt,HB,Husbanken,Husbanken,")
    codings += [("intervju_husbanken.txt", 2, "kapasitet"), ("intervju_husbanken.txt", 3, "kapasitet")]
    codings += [("fg_nord_fase1.txt", 1, "kapasitet")]  # the moderator's own turn
    db = _ingest(folder, files, manifest, roster)
    for source, turn, code in codings:
        apply_code(db, source, turn, code, user="anna")
    yield db
    db.dispose()


def _cli(db: Database, *args, user="rita"):
    return CliRunner().invoke(cli, ["--db", db.url, "--user", user, *args], obj={})


def test_the_tester_repro_leaving_out_an_actor_is_refused(project):
    """Total minus the total without KDD was KDD's 5 segments / 1 speaker / 1 source."""
    full = code_frequencies(project, codes="kapasitet", exclude_actors=["forsker"], user="anna")
    without = code_frequencies(project, codes="kapasitet", exclude_actors=["forsker", "KDD"], user="anna")
    assert (full[["segments", "speakers", "sources"]].iloc[0] - without[["segments", "speakers", "sources"]].iloc[0]
            ).tolist() == [5, 1, 1]  # what a researcher may see, and the resource group must not
    with pytest.raises(PermissionDenied, match="utelate KDD er ikke publisert"):
        code_frequencies(project, codes="kapasitet", exclude_actors=["forsker", "KDD"], user="rita")
    shown = _cli(project, "dashboard", "--by", "", "--codes", "kapasitet", "--json")
    assert shown.exit_code == 0, shown.output
    refused = _cli(project, "dashboard", "--by", "", "--codes", "kapasitet", "--exclude-actor", "KDD")
    assert refused.exit_code == 3 and len(refused.output.strip().splitlines()) == 1
    assert "--exclude-actor" in refused.output and "Traceback" not in refused.output


@pytest.mark.parametrize("by", [("source",), ("speaker",), ("actor",), ("pilot",), ("actor", "pilot"),
                                ("phase", "pilot"), ("kind",), ("county",)])
def test_groupings_that_are_not_published_are_refused(project, by):
    with pytest.raises(PermissionDenied, match="ikke publisert"):
        theme_matrix(project, by=by, user="rita")
    r = _cli(project, "dashboard", "--by", ",".join(by))
    assert r.exit_code == 3 and len(r.output.strip().splitlines()) == 1 and "--by actor,phase" in r.output
    theme_matrix(project, by=by, user="anna")  # the team's own views stay open
    theme_matrix(project, by=by, user="rolf", suppress=True)


def test_one_coder_or_an_old_codebook_is_refused(project):
    for kwargs in (dict(coder="anna"), dict(coder="consensus"), dict(codebook_version=1)):
        with pytest.raises(PermissionDenied, match="ikke publisert"):
            theme_matrix(project, user="rita", **kwargs)
    with pytest.raises(PermissionDenied):  # the refusal names no coder
        cooccurrence(project, coder="anna", user="rita")
    r = _cli(project, "dashboard", "--coder", "anna")
    assert r.exit_code == 3 and "anna" in r.output and "Traceback" not in r.output



def test_the_resource_group_cannot_list_speakers_or_sources_through_a_filter(project):
    from workbench.analysis.aggregate import check_filters

    for option in ("speaker", "source"):
        with pytest.raises(PermissionDenied, match="ikke publisert"):
            check_filters(project, {option: "nobody"}, user="rita")
        with pytest.raises(Exception) as e:  # the team gets the usual error listing the known values
            check_filters(project, {option: "nobody"}, user="anna")
        assert not isinstance(e.value, PermissionDenied)
    assert check_filters(project, {"phase": None}, user="rita") == {"phase": None}

def _published(db: Database, user: str) -> dict[tuple, pd.DataFrame]:
    """Every table the resource group can ask for, as it gets them."""
    out = {by: theme_matrix(db, by=by, fill=True, user=user) for by in PUBLISHED_GROUPINGS if by}
    out[()] = code_frequencies(db, user=user)
    return out


def _pinned(shown: dict[tuple, pd.DataFrame], truth: dict[tuple, pd.DataFrame], k: int = 3) -> list:
    """The attack: per code, every shown number of every published table as an equation on the
    finest cells (counts are never negative); a hidden cell of fewer than k speakers (or of a
    group of fewer than k) whose lowest and highest possible value meet is recovered. A zero
    inside a shown zero says nothing of its own and is not counted."""
    cube = ("actor", "phase", "pilot")
    groups = shown[cube][list(cube)].drop_duplicates().reset_index(drop=True)
    found = []
    for code in shown[()]["code"]:
        rows, rhs, hidden = [], [], []
        for by, table in shown.items():
            t = truth[by].set_index(list(by) + ["code"]) if by else truth[by].set_index("code")
            for _, r in table[table["code"] == code].iterrows():
                v = np.array([all(g[d] == r[d] for d in by) for _, g in groups.iterrows()], dtype=float)
                if not r["suppressed"]:
                    rows.append(v)
                    rhs.append(float(r["segments"]))
                    continue
                true = t.loc[tuple(r[d] for d in by) + (code,) if by else code]
                if 0 < true["speakers"] < k or true.get("group_speakers", k) < k:
                    hidden.append((by, {d: r[d] for d in by}, v, float(true["segments"])))
        A, b = (np.array(rows), np.array(rhs)) if rows else (None, None)
        for by, where, v, true in hidden:
            if any(value == 0 and np.all(v <= row) for row, value in zip(rows, rhs)):
                continue
            low = linprog(v, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
            high = linprog(-v, A_eq=A, b_eq=b, bounds=(0, None), method="highs")
            assert low.status in (0, 3) and high.status in (0, 3)
            if low.status == 0 and high.status == 0 and abs(low.fun + high.fun) < 0.5:
                found.append((code, where, low.fun, true))
    return found


def test_per_table_suppression_pins_at_most_hidden_zeros(project):
    """The default (setting joint_suppression 0, fast at a million codings): each table has its
    own complementary suppression, so the attack over all tables can at most prove that a hidden
    cell is 0 (an actor said nothing about a code), never a count of 1 to k-1 speakers' segments."""
    shown = _published(project, "rita")
    truth = {by: theme_matrix(project, by=by, fill=True, exclude_actors=["forsker"], user="anna")
             for by in PUBLISHED_GROUPINGS}
    pinned = _pinned(shown, truth)
    assert all(value == 0 and true == 0 for _, _, value, true in pinned), pinned


def test_no_hidden_cell_can_be_worked_out_from_all_published_tables(project):
    set_setting(project, "joint_suppression", 1, user="anna")
    shown = _published(project, "rita")
    truth = {by: theme_matrix(project, by=by, fill=True, exclude_actors=["forsker"], user="anna")
             for by in PUBLISHED_GROUPINGS}
    assert _pinned(shown, truth) == []
    # there is something to protect, and something left to read
    cube = shown[("actor", "phase", "pilot")]
    assert cube["suppressed"].any() and (~shown[("actor", "phase")]["suppressed"]).any()
    kdd = shown[("actor", "phase")]
    assert kdd[kdd["actor"] == "KDD"]["suppressed"].all()
    # each table suppressed on its own (the old rule) leaves two hidden zeros in a line whose total
    # is shown: "neither KDD nor Husbanken spoke of a hybrid contract" is read off the phase table
    from workbench.analysis.suppress import suppress_matrix

    alone = _pinned({by: suppress_matrix(t, list(by), 3) for by, t in truth.items()}, truth)
    assert ("kontrakt.hybrid", {"actor": "KDD", "phase": "fase 1"}, 0.0, 0.0) in alone


def test_the_same_numbers_in_the_app_the_cli_the_library_and_an_export(project, tmp_path):
    """A file made with suppression for the resource group shows exactly the group's cells, and
    choosing codes, a column order or fill never changes which cells are hidden."""
    rg = theme_matrix(project, by=("actor", "phase"), fill=True, user="rita")
    author = theme_matrix(project, by=("actor", "phase"), fill=True, suppress=True, exclude_actors=["forsker"],
                          user="rolf")
    pd.testing.assert_frame_equal(rg, author)
    some = theme_matrix(project, by=("actor", "phase"), fill=True, codes="kontrakt.hybrid", user="rita")
    keyed = rg.set_index(["actor", "phase", "code"])["suppressed"]
    assert all(keyed[(a, p, c)] == s for a, p, c, s in zip(some["actor"], some["phase"], some["code"],
                                                            some["suppressed"]))
    swapped = theme_matrix(project, by=("phase", "actor"), fill=True, user="rita")
    assert swapped["suppressed"].sum() == rg["suppressed"].sum()
    sparse = theme_matrix(project, by=("actor", "phase"), user="rita")
    assert sparse["suppressed"].sum() == rg["suppressed"].sum()  # a hidden zero is listed, not left out
    rows = json.loads(_cli(project, "dashboard", "--all-rows", "--json").output)
    assert [r["suppressed"] for r in rows] == rg["suppressed"].tolist()
    files = export_tables(project, tmp_path / "rg.md", format="md", charts=False, suppress=True, user="rolf")
    assert "<3" in files[0].read_text(encoding="utf-8")
    pc = phase_change(project, user="rita")
    assert pc[pc["actor"] == "KDD"]["segments_from"].isna().all()


def test_the_team_still_gets_every_figure(project):
    m = theme_matrix(project, by="actor", codes="kapasitet", exclude_actors=["forsker"], user="anna")
    assert dict(zip(m["actor"], m["segments"]))["KDD"] == 5 and "suppressed" not in m.columns
    a = theme_matrix(project, by="actor", codes="kapasitet", exclude_actors=["forsker"], user="rolf")
    assert a.equals(m)
    by_source = theme_matrix(project, by="source", user="rolf")
    assert "suppressed" not in by_source.columns and len(by_source)


def test_cooccurrence_for_the_resource_group_hides_the_code_totals(project):
    m = cooccurrence(project, user="rita")
    assert np.isnan(np.diag(m.to_numpy(dtype=float))).all()  # the diagonal: code totals, published elsewhere
    team = cooccurrence(project, parents=True, suppress=True, exclude_actors=["forsker"], user="anna")
    assert np.isnan(team.at["kontrakt", "kontrakt.hybrid"])  # a child within its parent is its total
    full = cooccurrence(project, parents=True, exclude_actors=["forsker"], user="anna")
    assert full.at["kapasitet", "kapasitet"] == 39  # the team sees the totals


@pytest.mark.parametrize("form", [dict(parents=True), dict(window=1), dict(window=2, parents=True)])
def test_the_resource_group_gets_only_the_published_cooccurrence(project, form):
    """Parent codes (a parent is the union of its children) or neighbouring turns count the same
    segments another way: parents=True minus parents=False gave a pair of two speakers hidden in
    both. Only the same-segment table of the codes as applied is the group's; the team keeps all."""
    from workbench.analysis import cooccurrence_pairs
    from workbench.ui.messages import MESSAGES

    for ask in (cooccurrence, cooccurrence_pairs):
        with pytest.raises(PermissionDenied, match="Ikke tilgjengelig for ressursgruppen: samforekomst") as e:
            ask(project, user="rita", **form)
        assert len(str(e.value).splitlines()) == 1 and e.value.code == "published.cooccurrence"
        assert e.value.code in MESSAGES
    assert len(cooccurrence(project, user="rita"))            # the published form
    assert len(cooccurrence(project, user="rolf", suppress=True, **form))  # the team's own views


@pytest.fixture(scope="module")
def notes(tmp_path_factory):
    """Four project leaders in a focus group, each on "kapasitet" and "kontrakt.hybrid", and the
    notes of a dialogue conference (text without a speaker) where two paragraphs are coded
    "kapasitet" together with "kontrakt.relasjonell", a code applied nowhere else."""
    folder = tmp_path_factory.mktemp("notater")
    leaders = [f"PL Nord {i}" for i in range(1, 5)]
    files = {"fg_nord_fase1.txt": _turns([line for p in leaders for line in
                                          ((p, "Vi mangler folk."), (p, "Avtalen er en kontrakt med tillit."))]),
             "notater_fase1.md": ("Gruppe 1 vil ha en avtale bygd på tillit, men mangler folk.\n\n"
                                  "Gruppe 2 sa at relasjonen er viktigst, og at kapasiteten er liten.\n\n"
                                  "Gruppe 3 snakket om bolig.\n")}
    manifest = ["fg_nord_fase1.txt,fokusgruppe,fase 1,Nord,,2023-04-18,nb",
                "notater_fase1.md,dialogkonferanse,fase 1,,,2023-05-10,nb"]
    roster = [f"fg_nord_fase1.txt,{p},prosjektleder,Nordvik kommune,Nord" for p in leaders]
    db = _ingest(folder, files, manifest, roster)
    for i in range(len(leaders)):
        apply_code(db, "fg_nord_fase1.txt", 1 + 2 * i, "kapasitet", user="anna")
        apply_code(db, "fg_nord_fase1.txt", 2 + 2 * i, "kontrakt.hybrid", user="anna")
    for turn in (1, 2):
        apply_code(db, "notater_fase1.md", turn, "kapasitet", user="anna")
        apply_code(db, "notater_fase1.md", turn, "kontrakt.relasjonell", user="anna")
    yield db
    db.dispose()


def test_counts_resting_on_text_without_a_speaker_are_hidden_in_an_export_for_the_resource_group(notes, tmp_path):
    """Two codes applied together only in conference notes (no speaker: 0 speakers) read "<3" in the
    co-occurrence sheet, as the notes' «Dokument / notater» cells do on Oversikt; so does a code
    applied only there, in the code totals and per phase. The team still sees the numbers."""
    import openpyxl

    files = export_tables(notes, tmp_path / "rg.xlsx", charts=False, suppress=True, user="rolf")
    book = openpyxl.load_workbook(files[0])
    pairs = {frozenset((a, b)): n for a, b, n in list(book["Samforekomst"].iter_rows(values_only=True))[1:]}
    assert pairs[frozenset(("Kapasitet", "Relasjonell kontrakt"))] == "<3"
    assert not [n for n in pairs.values() if isinstance(n, int) and n < 3]
    totals = {r[1]: r[2] for r in book["Kodefrekvenser"].iter_rows(values_only=True)}
    assert totals["kontrakt.relasjonell"] == "<3" and totals["kapasitet"] == 6
    by_phase = theme_matrix(notes, by="phase", fill=True, user="rita")
    assert by_phase.set_index("code").at["kontrakt.relasjonell", "suppressed"]
    assert cooccurrence(notes, user="rita").isna().at["kapasitet", "kontrakt.relasjonell"]
    team = cooccurrence(notes, exclude_actors=["forsker"], user="anna")
    assert team.at["kapasitet", "kontrakt.relasjonell"] == 2


@pytest.fixture(scope="module")
def siblings(tmp_path_factory):
    """The probe's project: the parent "kontrakt" (not codable) has two children. In fase 1 seven
    project leaders: hybrid on 5, relasjonell on 4, both on one segment each for 2 of them (totals
    5 + 4 - 7 = 2 segments, a co-occurrence of 2 speakers). In fase 2 five statsforvaltere: hybrid
    on 4, relasjonell on 3, never on one segment, but 2 of them said both (speakers 4 + 3 - 5 = 2)."""
    folder = tmp_path_factory.mktemp("soskenkoder")
    leaders = [f"PL Nord {i}" for i in range(1, 8)]
    officials = [f"SF Nord {i}" for i in range(1, 6)]
    files = {"fg_nord_fase1.txt": _turns([("Moderator", "Velkommen.")] + [(p, "Avtalen er en kontrakt med tillit.")
                                                                          for p in leaders]),
             "fg_nord_fase2.txt": _turns([("Moderator", "Velkommen igjen.")] + [
                 line for p in officials for line in ((p, "Avtalen er en kontrakt."), (p, "Tillit er viktigst."))])}
    manifest = ["fg_nord_fase1.txt,fokusgruppe,fase 1,Nord,,2023-04-18,nb",
                "fg_nord_fase2.txt,fokusgruppe,fase 2,Nord,,2024-04-18,nb"]
    roster = (["*,Moderator,forsker,SINTEF,"] + [f"fg_nord_fase1.txt,{p},prosjektleder,Nordvik kommune,Nord"
                                                  for p in leaders]
              + [f"fg_nord_fase2.txt,{p},statsforvalter,Statsforvalteren,Nord" for p in officials])
    db = _ingest(folder, files, manifest, roster)
    hybrid, relational = "kontrakt.hybrid", "kontrakt.relasjonell"
    for i, codes in enumerate([(hybrid, relational)] * 2 + [(hybrid,)] * 3 + [(relational,)] * 2):
        for code in codes:
            apply_code(db, "fg_nord_fase1.txt", 2 + i, code, user="anna")
    for i, codes in enumerate([(hybrid, relational)] * 2 + [(hybrid,)] * 2 + [(relational,)]):
        for turn, code in zip((2 + 2 * i, 3 + 2 * i), codes):  # one child per segment
            apply_code(db, "fg_nord_fase2.txt", turn, code, user="anna")
    yield db
    db.dispose()


def _over_counts(tables: dict[tuple, pd.DataFrame], parent: str = "kontrakt") -> list:
    """The probe: per cell of every table where the parent and all its children are shown, the
    children's sum minus the parent (segments, speakers, sources); what is not 0 was given away."""
    found = []
    for by, t in tables.items():
        kids = t[t["parent"] == parent]
        for cell, rows in (t.groupby(list(by)) if by else [((), t)]):
            p = rows[rows["code"] == parent]
            c = rows[rows["code"].isin(set(kids["code"]))]
            if p["suppressed"].any() or c["suppressed"].any():
                continue
            for unit in ("segments", "speakers", "sources"):
                diff = int(c[unit].sum()) - int(p[unit].iloc[0])
                if diff:
                    found.append((by, cell, unit, diff))
    return found


@pytest.mark.parametrize("joint", [0, 1])
@pytest.mark.parametrize("reference", [False, True], ids=["sql", "pandas"])
def test_sibling_totals_minus_their_parent_give_away_no_hidden_overlap(siblings, joint, reference):
    """Totals 5 + 4 - 7 = 2 read off the code totals while the co-occurrence cell of the pair is
    "<3"; the same per actor and phase, and in speakers (2 officials who said both). The resource
    group now gets the parent (or a child) hidden there, on the SQL and the pandas path, in both
    suppression modes; the team's own tables are unchanged."""
    from workbench.analysis.aggregate import _pandas_reference

    set_setting(siblings, "joint_suppression", joint, user="anna")
    truth = {by: theme_matrix(siblings, by=by, fill=True, exclude_actors=["forsker"], user="anna")
             for by in PUBLISHED_GROUPINGS}
    full = truth[()].set_index("code")
    assert full.loc["kontrakt.hybrid", "segments"] + full.loc["kontrakt.relasjonell", "segments"] \
        - full.loc["kontrakt", "segments"] == 2  # the team sees the overlap, as before
    assert _over_counts({by: t.assign(suppressed=False) for by, t in truth.items()})  # (the probe works)
    with _pandas_reference() if reference else contextlib.nullcontext():
        shown = _published(siblings, "rita")
        assert np.isnan(cooccurrence(siblings, user="rita").at["kontrakt.hybrid", "kontrakt.relasjonell"])
    assert _over_counts(shown) == []
    cells = shown[("actor", "phase")].set_index(["actor", "phase", "code"])["suppressed"]
    for actor, phase in (("prosjektleder", "fase 1"), ("statsforvalter", "fase 2")):
        assert cells[(actor, phase, "kontrakt")] or cells[(actor, phase, "kontrakt.hybrid")] \
            or cells[(actor, phase, "kontrakt.relasjonell")]
    if not joint:  # (together, a parent is taken to be the sum of its children: one of them goes too)
        assert not cells[("prosjektleder", "fase 1", "kontrakt.hybrid")]  # the children stay readable
    # an export made for the resource group carries the same hidden cells
    assert code_frequencies(siblings, suppress=True, exclude_actors=["forsker"], user="rolf")["suppressed"].tolist() \
        == shown[()]["suppressed"].tolist()
    set_setting(siblings, "joint_suppression", 0, user="anna")


# ------------------------------------------------- 3. an export for the resource group uses k

def test_an_export_below_the_project_k_is_refused_and_a_screen_view_warned(project, tmp_path):
    with pytest.raises(InputError, match="below the project's min_cell_speakers") as refused:
        export_tables(project, tmp_path / "k2.md", format="md", charts=False, suppress=2, user="rolf")
    assert refused.value.code == "export.suppress_below_k"
    assert not (tmp_path / "k2.md").exists()
    r = _cli(project, "export", "tables", "--format", "md", "-o", str(tmp_path / "k2.md"), "--no-charts",
             "--suppress", "2", user="rolf")
    assert r.exit_code == 1 and len(r.output.strip().splitlines()) == 1 and "Traceback" not in r.output
    for option in (dict(coder="anna"), dict(include_researchers=True)):
        with pytest.raises(InputError, match="with --suppress") as other:
            export_tables(project, tmp_path / "x.md", format="md", charts=False, suppress=True, user="rolf", **option)
        assert other.value.code == "export.not_published"
    # a higher k hides at least what the project's k hides
    k5 = theme_matrix(project, fill=True, suppress=5, exclude_actors=["forsker"], user="rolf")
    k3 = theme_matrix(project, fill=True, user="rita")
    assert (k5["suppressed"] >= k3["suppressed"]).all() and k5["suppressed"].sum() > k3["suppressed"].sum()
    assert export_tables(project, tmp_path / "k5.md", format="md", charts=False, suppress=5, user="rolf")
    # the researcher's own screen view at k=2 is allowed, with one line of warning
    r = CliRunner().invoke(cli, ["--db", project.url, "--user", "anna", "dashboard", "--suppress", "2"], obj={})
    assert r.exit_code == 0 and r.stderr.count("\n") == 1 and "ikke for ressursgruppen" in r.stderr


def test_the_joint_suppression_setting_is_0_or_1(project):
    with pytest.raises(InputError, match="joint_suppression"):
        set_setting(project, "joint_suppression", 2, user="anna")
    before = theme_matrix(project, by=("actor", "phase"), fill=True, user="rita")["suppressed"].sum()
    set_setting(project, "joint_suppression", 1, user="anna")
    after = theme_matrix(project, by=("actor", "phase"), fill=True, user="rita")["suppressed"].sum()
    assert before > 0 and after > 0  # both modes hide the small cells; the tables are made again
