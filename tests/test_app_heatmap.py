"""The Oversikt heatmap (issue 12): fixed row height and every label whatever the phases shown,
share and n written in every cell with a decimal comma, "(ukjent)" shown as "Dokument / notater",
codes without codings marked, and the resource group still sees only "<3". AppTest on the small
database of tests/app_fixtures.py (plus, where said, a notes file without speakers)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from workbench.coding import apply_code
from workbench.ingest import ingest_paths
from workbench.ui.charts import heatmap
from workbench.ui.format import UNKNOWN_ACTOR_LABEL, cell_texts, percent, share_table

from tests.app_fixtures import PAGES, chart_data, open_page, small_db  # noqa: F401 (a fixture)

NOTES = "Notat fra møtet.\n\nAvtalen er et samarbeid.\n\nNeste møte i mars.\n"




@pytest.fixture
def with_notes(small_db, tmp_path):
    """A fase 1 notes file without speakers (actor "(ukjent)"), 1 of its 3 paragraphs coded."""
    folder = tmp_path / "notater"
    folder.mkdir()
    (folder / "notat_fase1.txt").write_text(NOTES, encoding="utf-8")
    (folder / "manifest.csv").write_text("file,kind,phase,pilot,county,date,language\n"
                                         "notat_fase1.txt,dokument,fase 1,Midt-Finnmark,Finnmark,2023-04-19,nb\n",
                                         encoding="utf-8")
    report = ingest_paths(small_db, [folder], user="anna")
    assert not report.errors, report.errors
    apply_code(small_db, "notat_fase1.txt", 2, "kontrakt.relasjonell", user="anna")
    return small_db


def spec_of(at) -> dict:
    return json.loads(at.get("vega_lite_chart")[0].proto.spec)


def unit(spec: dict) -> dict:
    """The layered unit of the heatmap (inside the facet when there is one)."""
    return spec.get("spec", spec)


def test_one_phase_keeps_fixed_rows_and_every_label(small_db):
    at = open_page(PAGES[0])
    at.selectbox(key="phase").set_value("fase 1").run()
    assert not at.exception
    spec = spec_of(at)
    assert "facet" not in spec
    assert spec["height"] == {"step": 24}
    layer = spec["layer"]
    y_axis = layer[0]["encoding"]["y"]["axis"]
    assert y_axis["labelOverlap"] is False and y_axis["labelLimit"] >= 300
    assert layer[0]["encoding"]["x"]["axis"]["labelOverlap"] is False
    data = chart_data(at)[0]
    assert set(layer[0]["encoding"]["y"]["sort"]) == set(data["kode"]) == {"Kontraktsform", "Kapasitet"}
    # many phases: the same step inside each panel
    at.selectbox(key="phase").set_value("Alle faser").run()
    assert unit(spec_of(at))["height"] == {"step": 24}


def test_every_cell_shows_share_and_n_with_a_decimal_comma(with_notes):
    at = open_page(PAGES[0])
    at.selectbox(key="phase").set_value("fase 1").run()
    assert not at.exception
    data = chart_data(at)[0]
    texts = dict(zip(zip(data["aktør"], data["code"]), data["andel_tekst"]))
    assert texts[("prosjektleder", "kontrakt")] == "50 % (n=1)"
    assert texts[(UNKNOWN_ACTOR_LABEL, "kontrakt")] == "33,3 % (n=1)"
    assert texts[(UNKNOWN_ACTOR_LABEL, "kapasitet")] == "0 % (n=0)"
    assert all("." not in t and "(n=" in t and " %" in t for t in data["andel_tekst"])
    text_layer = spec_of(at)["layer"][1]
    assert text_layer["mark"]["type"] == "text" and text_layer["encoding"]["text"]["field"] == "andel_tekst"
    colour = text_layer["encoding"]["color"]
    assert colour["condition"]["value"] == "white" and colour["value"] != "white"  # white on dark cells
    # the table under the chart: decimal comma too
    wide = [d.value for d in at.dataframe if "Aktør" in d.value.columns and "Sitat" not in d.value.columns][0]
    row = wide[wide["Aktør"] == UNKNOWN_ACTOR_LABEL].iloc[0]
    assert row["Kontraktsform"] == "33,3 %"


def test_unknown_actor_is_shown_as_documents_and_notes(with_notes):
    at = open_page(PAGES[0])
    data = chart_data(at)[0]
    assert UNKNOWN_ACTOR_LABEL in set(data["aktør"]) and "(ukjent)" not in set(data["aktør"])
    assert "(ukjent)" in set(data["actor"])  # the click still selects the library's value
    assert any("Dokument / notater" in c.value and "uten taler" in c.value for c in at.caption)
    # picking it under the chart shows its quotes
    at.selectbox(key="cell_actor").set_value("(ukjent)")
    at.selectbox(key="cell_code").set_value("kontrakt").run()
    quotes = [d.value for d in at.dataframe if "Sitat" in d.value.columns][0]
    assert list(quotes["Sitat"]) == ["Avtalen er et samarbeid."]


def test_code_without_codings_reads_not_coded_yet(small_db):
    at = open_page(PAGES[0])
    at.selectbox(key="phase").set_value("fase 2").run()  # fase 2: only kapasitet is coded
    data = chart_data(at)[0]
    assert "Kontraktsform (ikke kodet ennå)" in set(data["kode"]) and "Kapasitet" in set(data["kode"])
    assert any("ikke kodet ennå" in c.value for c in at.caption)


def test_resource_group_still_sees_only_suppressed_cells(small_db):
    at = open_page(PAGES[0], "rolf")
    at.selectbox(key="phase").set_value("fase 1").run()
    assert not at.exception
    data = chart_data(at)[0]
    assert set(data["andel_tekst"]) == {"<3"} and set(data["andel_pst"]) == {"<3"}
    assert data["andel"].isna().all()
    shown = data.drop(columns=["andel"]).to_string()
    assert "n=" not in shown and "%" not in shown and "ikke kodet" not in shown
    assert spec_of(at)["height"] == {"step": 24}


def _colour_legends(spec: dict) -> list:
    """The legend of the cells' colour scale (None when it is switched off), per layer."""
    colour = unit(spec)["layer"][0]["encoding"]["color"]
    return [colour.get("legend", {})]


def test_resource_group_with_every_cell_hidden_gets_no_nan_legend(small_db):
    """Probe: the resource group's Oversikt legend read "NaN%" when every cell was hidden (no share
    to scale the colours by). With nothing shown there is no colour legend; with shares shown it stays."""
    at = open_page(PAGES[0], "rolf")
    at.selectbox(key="phase").set_value("fase 1").run()
    assert not at.exception
    assert chart_data(at)[0]["andel"].isna().all()
    assert _colour_legends(spec_of(at)) == [None]
    assert "NaN" not in json.dumps(spec_of(at))
    # the researcher's heatmap of the same phase keeps its legend with percentages
    at = open_page(PAGES[0])
    at.selectbox(key="phase").set_value("fase 1").run()
    legend = _colour_legends(spec_of(at))[0]
    assert legend and legend["format"] == ".0%"


def test_heatmap_of_only_hidden_cells_has_no_legend():
    m = pd.DataFrame({"actor": ["a", "b"], "code": ["k", "k"], "label": ["K", "K"], "level": [0, 0],
                      "phase": ["fase 1"] * 2, "share": [None, None], "segments": [None, None],
                      "speakers": [None, None], "sources": [None, None], "group_segments": [None, None],
                      "suppressed": [True, True]})
    assert _colour_legends(heatmap(m, facet_phase=False).to_dict()) == [None]
    assert _colour_legends(heatmap(m, facet_phase=True).to_dict()) == [None]


def test_cell_texts_and_percent_helpers():
    assert percent(0.125) == "12,5 %" and percent(1.0) == "100 %" and percent(0) == "0 %"
    assert percent(1 / 3) == "33,3 %" and percent(None) == ""
    m = pd.DataFrame({"actor": ["a", "(ukjent)"], "code": ["k", "k"], "label": ["K", "K"], "level": [0, 0],
                      "phase": ["fase 1"] * 2, "share": [0.125, None], "segments": [4, None],
                      "speakers": [2, None], "sources": [1, None], "group_segments": [32, None],
                      "suppressed": [False, True]})
    m.attrs["suppressed_k"] = 3
    assert cell_texts(m) == ["12,5 % (n=4)", "<3"]
    assert list(share_table(m)["Aktør"]) == ["a", UNKNOWN_ACTOR_LABEL]
    chart = heatmap(m, facet_phase=False).to_dict()
    assert chart["height"] == {"step": 24}
