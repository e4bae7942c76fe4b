"""The resource group's tables list every code of every group: a zero reads 0 and is listed.

Found by a probe: with ``joint_suppression`` 0 the default ``workbench dashboard`` of the resource
group listed, for a group of exactly k speakers, only its coded codes (all "<3") and left out the
codes nobody in it used, so the role read off without any calculation that the hidden cells were
not zero and the rest were. docs/privacy.md: a zero in a group of k or more speakers is shown as
0, so its row must be listed as 0, in both modes, on SQLite and PostgreSQL.

Fictional project: fase 1 of pilot Nordvik with four project leaders (all on "kapasitet") and two
mayors (a group of fewer than k); fase 2 with exactly three project leaders, one of whom speaks of
a hybrid contract and one of capacity.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from workbench.analysis import code_frequencies, theme_matrix
from workbench.cli import cli
from workbench.codebook import load_codebook
from workbench.coding import apply_code
from workbench.export.tables import report_tables
from workbench.ingest import ingest_paths
from workbench.sharing import set_setting
from workbench.store import Database
from workbench.users import add_user

from tests.conftest import module_database
from tests.test_permissions import CODEBOOK

PW = "et-langt-passord"
FASE1 = "fg_nordvik_fase1.txt"
FASE2 = "fg_nordvik_fase2.txt"


def _turns(lines: list[tuple[str, str]]) -> str:
    return "".join(f"{who}: {said}\n\n" for who, said in lines)


def _project(db: Database, folder: Path) -> Database:
    corpus = folder / "korpus"
    corpus.mkdir(parents=True)
    leaders1 = [f"PL Nordvik {i}" for i in range(1, 5)]
    mayors = ["OF Nordvik 1", "OF Nordvik 2"]
    leaders2 = [f"PL Nordvik {i}" for i in range(1, 4)]
    (corpus / FASE1).write_text(_turns([("Moderator", "Velkommen.")]
                                       + [(p, "Vi mangler folk.") for p in leaders1]
                                       + [(m, "Budsjettet er stramt.") for m in mayors]), encoding="utf-8")
    (corpus / FASE2).write_text(_turns([("Moderator", "Hva har endret seg?"),
                                        (leaders2[0], "Avtalen er både kontrakt og samarbeid."),
                                        (leaders2[1], "Vi mangler fortsatt folk."),
                                        (leaders2[2], "Vi har fått et nytt kontor.")]), encoding="utf-8")
    (corpus / "manifest.csv").write_text(
        "file,kind,phase,pilot,county,date,language\n"
        f"{FASE1},fokusgruppe,fase 1,Nordvik,,2023-04-18,nb\n"
        f"{FASE2},fokusgruppe,fase 2,Nordvik,,2024-04-18,nb\n", encoding="utf-8")
    roster = ["*,Moderator,forsker,SINTEF,"]
    roster += [f"{FASE1},{p},prosjektleder,Nordvik kommune,Nordvik" for p in leaders1]
    roster += [f"{FASE1},{m},ordfører,Nordvik kommune,Nordvik" for m in mayors]
    roster += [f"{FASE2},{p},prosjektleder,Nordvik kommune,Nordvik" for p in leaders2]
    (corpus / "participants.csv").write_text("file,speaker,actor,organisation,pilot\n" + "\n".join(roster) + "\n",
                                             encoding="utf-8")
    (folder / "kodebok.yaml").write_text(CODEBOOK, encoding="utf-8")
    assert not ingest_paths(db, [corpus], user="anna").errors
    load_codebook(db, folder / "kodebok.yaml", user="anna")
    for name, role in {"anna": "researcher", "rolf": "report_author", "rita": "resource_group"}.items():
        add_user(db, name, role, password=PW, user="anna")
    for turn in range(2, 6):
        apply_code(db, FASE1, turn, "kapasitet", user="anna")
    apply_code(db, FASE2, 2, "kontrakt.hybrid", user="anna")
    apply_code(db, FASE2, 3, "kapasitet", user="anna")
    return db


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def built(request, tmp_path_factory):
    """The project, built once per database for the module: the tests only read it (and set
    ``joint_suppression``, which each test sets itself)."""
    folder = tmp_path_factory.mktemp("nordvik")
    with module_database(request, folder, "nordvik") as db:
        yield _project(db, folder)


@pytest.fixture(params=[0, 1], ids=["joint0", "joint1"])
def project(built, request):
    set_setting(built, "joint_suppression", request.param, user="anna")
    return built


def _cli(db: Database, *args, user="rita"):
    r = CliRunner().invoke(cli, ["--db", db.url, "--user", user, *args], obj={})
    assert r.exit_code == 0, r.output
    return r.output


def _codes_per_group(rows, by=("actor", "phase")) -> dict[tuple, list[str]]:
    out: dict[tuple, list[str]] = {}
    for r in rows:
        out.setdefault(tuple(r[b] for b in by), []).append(r["code"])
    return out


def test_the_resource_groups_dashboard_lists_every_code_in_every_group(project):
    everything = list(code_frequencies(project, user="rita")["code"])
    assert {"kontrakt.relasjonell", "gammel"} <= set(everything)
    m = theme_matrix(project, user="rita")  # the default: no fill asked for
    groups = _codes_per_group(m.to_dict("records"))
    assert set(groups) == {("ordfører", "fase 1"), ("prosjektleder", "fase 1"), ("prosjektleder", "fase 2")}
    assert all(codes == everything for codes in groups.values()), groups
    leaders2 = m[(m["actor"] == "prosjektleder") & (m["phase"] == "fase 2")].set_index("code")
    assert leaders2.at["kontrakt.hybrid", "suppressed"]  # one speaker: "<3"
    # nobody in the group used it: shown as 0, as in a table the role asks with fill
    assert not leaders2.at["kontrakt.relasjonell", "suppressed"]
    assert int(leaders2.at["kontrakt.relasjonell", "segments"]) == 0
    filled = theme_matrix(project, fill=True, user="rita")
    assert m.equals(filled)


@pytest.mark.parametrize("by", ["actor,phase", "actor,phase,pilot", "phase"])
def test_the_command_line_lists_every_code_in_text_json_and_csv(project, by):
    everything = list(code_frequencies(project, user="rita")["code"])
    groups = by.split(",")
    rows = json.loads(_cli(project, "dashboard", "--by", by, "--json"))
    per_group = _codes_per_group(rows, groups)
    assert per_group and all(codes == everything for codes in per_group.values()), per_group
    table = list(csv.DictReader(io.StringIO(_cli(project, "dashboard", "--by", by, "--csv"))))
    assert _codes_per_group(table, groups) == per_group
    text = [ln for ln in _cli(project, "dashboard", "--by", by).splitlines()[1:] if not ln.startswith("(")]
    assert len(text) == len(rows)  # the printed table: one line per row, as in JSON
    if by == "actor,phase":  # the group of exactly 3 speakers: every code, the unused one as 0
        leaders2 = [ln.split() for ln in text if ln.split()[:3] == ["prosjektleder", "fase", "2"]]
        assert [ln[3] for ln in leaders2] == everything
        relasjonell = next(ln for ln in leaders2 if ln[3] == "kontrakt.relasjonell")
        assert relasjonell[-5:] == ["0", "0", "0", "0.0", "%"]
        assert next(ln for ln in leaders2 if ln[3] == "kontrakt.hybrid")[-4:] == ["<3"] * 4


def test_an_export_with_suppression_lists_every_code(project):
    """The file made for the resource group: the long theme table and the phase comparison."""
    everything = list(code_frequencies(project, user="rita")["code"])
    tables = {t.name: t.frame for t in report_tables(project, suppress=True, user="rolf")}
    long = tables["Tema per aktør og fase"]
    per_group = _codes_per_group(long.rename(columns={"Aktør": "actor", "Fase": "phase", "Kode-ID": "code"})
                                 .to_dict("records"))
    assert per_group and all(codes == everything for codes in per_group.values()), per_group
    phase = tables["Endring mellom faser"]
    # every actor with every code (the mayors spoke in fase 1 only): none left out for zeros
    assert phase.groupby("Aktør").size().to_dict() == {"ordfører": len(everything),
                                                         "prosjektleder": len(everything)}


def test_the_team_keeps_its_compact_dashboard(project):
    m = theme_matrix(project, exclude_actors=["forsker"], user="anna")
    assert "suppressed" not in m.columns and (m["segments"] > 0).all()
    assert ("prosjektleder", "fase 2", "kontrakt.relasjonell") not in set(zip(m["actor"], m["phase"], m["code"]))
