"""The Enighet page (AppTest): agreement per code with its colour band, the disagreements side by
side, and the agreed coding stored as the coder "konsensus" (audited)."""

from __future__ import annotations

import pytest

from workbench.agreement import coding_agreement
from workbench.coding import list_codings
from workbench.users import list_audit

from tests.app_fixtures import build_small, open_page, rendered

PAGE = "views/enighet.py"


@pytest.fixture
def small_db(tmp_path, monkeypatch):
    db = build_small(tmp_path)
    monkeypatch.setenv("WORKBENCH_DB", db.url)
    yield db
    db.dispose()


def test_agreement_table_matches_the_library_and_names_the_band(small_db):
    at = open_page(PAGE, "kari")
    assert at.title[0].value == "Enighet mellom kodere" and not at.error
    assert at.multiselect(key="coders").value == ["anna", "bjorn"]
    table = [d.value for d in at.dataframe if "Kappa" in d.value.columns][0]
    expected = coding_agreement(small_db, ["anna", "bjorn"], user="kari")
    assert list(table["Enheter"])[0] == expected["overall"]["units"]
    by_code = {row["Kode-ID"]: row for _, row in table.iterrows()}
    for c in expected["codes"]:
        shown = by_code[c["code"]]["Kappa"]
        assert (shown != shown and c["kappa"] is None) or abs(shown - c["kappa"]) < 1e-9
    assert set(table["Nivå"]) <= {"svak", "moderat", "god", "svært god", "udefinert"}


def test_disagreement_side_by_side_and_consensus_is_stored(small_db):
    at = open_page(PAGE, "kari")
    page = rendered(at)
    assert "Uenigheter" in page and "anna" in page and "bjorn" in page
    # anna coded turns 2-4 of fg_fase1.txt, bjorn only turn 2 (the same code): turns 3 and 4 differ
    assert at.selectbox(key="disagreement").options == ["fg_fase1.txt · tur 3 · Rådgiver SF",
                                                         "fg_fase1.txt · tur 4 · PL Testbygd"]
    chosen = at.multiselect(key="konsensus_fg_fase1.txt_3")
    assert chosen.value == []  # starts with what all agree on: nothing here
    chosen.set_value(["kontrakt.hybrid"])
    at.button(key="save_consensus").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    stored = list_codings(small_db, coder="konsensus", user="kari")
    assert [(c.source, c.turn, c.code) for c in stored] == [("fg_fase1.txt", 3, "kontrakt.hybrid")]
    events = list_audit(small_db, user="kari", action="consensus")
    assert events and events[-1].user == "kari" and events[-1].detail["after"] == ["kontrakt.hybrid"]


def test_report_author_and_resource_group_do_not_get_the_page(small_db):
    for user in ("rita", "rolf"):
        at = open_page("views/oversikt.py", user)
        with pytest.raises(ValueError):
            at.switch_page(PAGE)
