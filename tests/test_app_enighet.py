"""The Enighet page (AppTest): agreement per code with its colour band, the disagreements side by
side, and the agreed coding stored as the coder "konsensus" (audited)."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.agreement import coding_agreement
from workbench.coding import apply_code, list_codings
from workbench.ingest import ingest_paths
from workbench.ui.agreement import agreement_frame, band_legend, legend_text, styled
from workbench.ui.format import count_text, md_unescape, percent
from workbench.users import list_audit

from tests.app_fixtures import open_page, rendered, small_db  # noqa: F401 (a fixture)

PAGE = "views/enighet.py"




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
    assert set(table["Nivå"]) <= {"svak", "moderat", "god", "svært god", "udefinert"}  # kappa bands (two coders)


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


def shown_table(at) -> pd.DataFrame:
    """The agreement table as the browser shows it (the styler's display texts, not the data)."""
    from streamlit import dataframe_util

    node = [d for d in at.dataframe if "Kappa" in d.value.columns][0]
    return dataframe_util.convert_arrow_bytes_to_pandas_df(node.proto.arrow_data.styler.display_values)


def add_notes(db, tmp_path, codings):
    """A notes file without speakers, coded as ``codings`` = [(turn, code, coder)]."""
    folder = tmp_path / "notater"
    folder.mkdir()
    (folder / "avtale_midt_2023.txt").write_text("Notat fra møtet.\n\nAvtalen er et samarbeid.\n\n"
                                                  "Neste møte i mars.\n", encoding="utf-8")
    (folder / "manifest.csv").write_text("file,kind,phase,pilot,county,date,language\n"
                                         "avtale_midt_2023.txt,dokument,fase 1,Midt-Finnmark,Finnmark,"
                                         "2023-04-19,nb\n", encoding="utf-8")
    assert not ingest_paths(db, [folder], user="anna").errors
    for turn, code, coder in codings:
        apply_code(db, "avtale_midt_2023.txt", turn, code, user=coder)


def test_a_saved_consensus_is_shown_again_and_kept_when_saved_unchanged(small_db):
    at = open_page(PAGE, "kari")
    at.multiselect(key="konsensus_fg_fase1.txt_3").set_value(["kontrakt.hybrid"])
    at.button(key="save_consensus").click().run()
    assert not at.exception and not at.error
    # a new session (the page reloaded): the turn is marked resolved and starts from the stored consensus
    at = open_page(PAGE, "kari")
    assert at.selectbox(key="disagreement").options == ["fg_fase1.txt · tur 3 · Rådgiver SF · ✓ omforent",
                                                         "fg_fase1.txt · tur 4 · PL Testbygd"]
    assert at.multiselect(key="konsensus_fg_fase1.txt_3").value == ["kontrakt.hybrid"]
    at.button(key="save_consensus").click().run()  # saved again without changes
    assert not at.exception and not at.error
    stored = list_codings(small_db, coder="konsensus", user="kari")
    assert [(c.source, c.turn, c.code) for c in stored] == [("fg_fase1.txt", 3, "kontrakt.hybrid")]
    # a turn without a stored consensus still starts from what the coders agree on (nothing here)
    at.selectbox(key="disagreement").set_value(1).run()
    assert at.multiselect(key="konsensus_fg_fase1.txt_4").value == []



def test_konsensus_can_be_compared_when_every_consensus_is_no_code(small_db):
    """Saving "no code applies" leaves konsensus without a coding of its own; the page still offers
    it (as `workbench agreement --coders anna,konsensus` takes it) and says, as the command does,
    that only the turns with a recorded consensus are compared, and how many."""
    at = open_page(PAGE, "kari")
    assert "konsensus" not in at.multiselect(key="coders").options  # nothing recorded yet
    at.multiselect(key="konsensus_fg_fase1.txt_3").set_value([])
    at.button(key="save_consensus").click().run()
    assert list_codings(small_db, coder="konsensus", user="kari") == []
    at = open_page(PAGE, "kari")
    assert at.multiselect(key="coders").options == ["anna", "bjorn", "konsensus"]
    at.multiselect(key="coders").set_value(["anna", "konsensus"]).run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert {m.label: m.value for m in at.metric}["Enheter"] == count_text(
        coding_agreement(small_db, ["anna", "konsensus"], user="kari")["overall"]["units"])
    assert [i.value for i in at.info] == ["Konsensus sammenlignes bare på turene der en omforent koding er "
                                          "registrert: 1 tur. Turer uten registrert konsensus telles ikke. "
                                          "Konsensus registreres som regel der koderne var uenige, så tallene "
                                          "mot konsensus blir lave av konstruksjon og bygger på bare 1 tur."]
    at.multiselect(key="coders").set_value(["anna", "bjorn"]).run()
    assert not at.info  # two coders: every turn of their common sources

def test_a_consensus_outside_the_chosen_code_group_survives_saving(small_db):
    at = open_page(PAGE, "kari")
    at.multiselect(key="konsensus_fg_fase1.txt_3").set_value(["kapasitet", "kontrakt.hybrid"])
    at.button(key="save_consensus").click().run()
    at = open_page(PAGE, "kari")
    at.selectbox(key="group").set_value("kontrakt").run()
    assert at.multiselect(key="konsensus_fg_fase1.txt_3").value == ["kapasitet", "kontrakt.hybrid"]
    at.button(key="save_consensus").click().run()
    assert sorted(c.code for c in list_codings(small_db, coder="konsensus", user="kari")) == [
        "kapasitet", "kontrakt.hybrid"]


def test_figures_are_written_the_norwegian_way(small_db):
    at = open_page(PAGE, "kari")
    metrics = {m.label: m.value for m in at.metric}
    # fg_fase1.txt: 3 turns (the moderator's 2 left out) x 3 codes; anna and bjorn differ on 2 of the 9 units
    assert metrics["Enheter"] == "9" and metrics["Prosent enige"] == "77,8 %"
    assert "," in metrics["Kappa"] and "," in metrics["Alfa"] and "." not in metrics["Kappa"] + metrics["Alfa"]
    table = shown_table(at)
    assert table["Prosent enige"].iloc[0] == "77,8 %"  # a percentage, not the share 0.778
    assert list(table["Enheter"]) == ["9", "3", "3", "3"]
    assert table["Kappa"].iloc[0] == metrics["Kappa"] and table["Alfa"].iloc[0] == metrics["Alfa"]
    legend = [c.value for c in at.caption if c.value.startswith("Farger:")][0]
    assert "svak (< 0,4)" in legend and "svært god (≥ 0,8)" in legend and "0." not in legend
    assert "1 kilde kodet av alle de valgte" in legend
    assert "«–»: udefinert (alle ga samme verdi på alle enhetene)." in legend  # not only "the code is not used"


def test_what_is_left_out_is_said(small_db):
    """intervju_fase2.txt is coded by anna only, and the moderator's turns are no units: the page
    says both, as `workbench agreement` does."""
    at = open_page(PAGE, "kari")
    captions = [md_unescape(c.value) for c in at.caption]
    assert "1 kilde er ikke med fordi ikke alle de valgte har kodet den: intervju_fase2.txt." in captions
    assert any(c.startswith("2 intervjuerturer er ikke med") for c in captions)
    assert "Moderator" not in " ".join(at.selectbox(key="disagreement").options)


def test_a_consensus_with_a_code_retired_since_is_saved_again(small_db, tmp_path):
    """The stored consensus holds kapasitet, retired since (the codebook loaded without it): the
    page preselects it, and saving it again works and changes nothing."""
    import yaml

    from workbench.agreement import record_consensus
    from workbench.codebook import load_codebook
    from tests.app_fixtures import CODEBOOK

    record_consensus(small_db, "fg_fase1.txt", 3, ["kapasitet", "kontrakt.hybrid"], user="kari")
    book = yaml.safe_load(CODEBOOK)
    del book["codes"]["kapasitet"]
    (tmp_path / "uten.yaml").write_text(yaml.safe_dump(book, allow_unicode=True), encoding="utf-8")
    load_codebook(small_db, tmp_path / "uten.yaml", user="kari")
    before = sorted((c.id, c.code) for c in list_codings(small_db, coder="konsensus", user="kari"))
    at = open_page(PAGE, "kari")
    assert at.multiselect(key="konsensus_fg_fase1.txt_3").value == ["kapasitet", "kontrakt.hybrid"]
    at.button(key="save_consensus").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert sorted((c.id, c.code) for c in list_codings(small_db, coder="konsensus", user="kari")) == before
    assert list_audit(small_db, user="kari", action="consensus")[-1].detail["after"] == ["kapasitet",
                                                                                           "kontrakt.hybrid"]


def test_large_counts_have_a_space_between_thousands_in_table_and_metric():
    result = {"coders": ["a", "b"], "overall": {"units": 20085, "percent": 0.9925, "kappa": 0.8888, "alpha": None},
              "codes": [{"code": "k", "label": "Kode", "units": 4017, "percent": 1.0, "kappa": None, "alpha": None}]}
    text = styled(agreement_frame(result)).to_string()
    assert "20 085" in text and "4 017" in text and "20085" not in text
    assert "99,2 %" in text and "100 %" in text and "0,889" in text and "0.9" not in text
    assert count_text(20085) == "20 085"
    assert band_legend() == "svak (< 0,4) · moderat (0,4–0,6) · god (0,6–0,8) · svært god (≥ 0,8)"
    assert band_legend("alpha") == "for lav (< 0,667) · foreløpig (0,667–0,8) · god (≥ 0,8)"


def test_alpha_is_banded_by_krippendorffs_guideline_not_the_kappa_bands():
    """An alpha of 0.62 is below Krippendorff's 0.667 for tentative conclusions: never "god"."""
    three = {"coders": ["a", "b", "c"], "overall": {"units": 10, "percent": .9, "kappa": None, "alpha": .62},
             "codes": [{"code": "k", "label": "Kode", "units": 10, "percent": .9, "kappa": None, "alpha": .7},
                       {"code": "m", "label": "Mer", "units": 10, "percent": .95, "kappa": None, "alpha": .85}]}
    assert list(agreement_frame(three)["Nivå"]) == ["for lav", "foreløpig", "god"]
    two = {"coders": ["a", "b"], "overall": {"units": 10, "percent": .9, "kappa": .62, "alpha": .62}, "codes": []}
    assert list(agreement_frame(two)["Nivå"]) == ["god"]  # kappa's bands for two coders
    html = styled(agreement_frame(two)).to_html()
    assert "#d9ead3" in html and "#f4c7c3" in html  # kappa 0.62 green-ish, the same alpha red
    assert "foreløpig (0,667–0,8)" in legend_text(3) and "svak" not in legend_text(3)
    assert "svak (< 0,4)" in legend_text(2) and "for lav (< 0,667)" in legend_text(2)


def test_agreement_short_of_full_never_reads_100_percent():
    assert percent(0.99996) == "> 99,9 %" and percent(1.0) == "100 %"
    assert percent(0.00004) == "< 0,1 %" and percent(0.0) == "0 %" and percent(0.9925) == "99,2 %"


def test_a_turn_without_speaker_is_headed_as_a_document(small_db, tmp_path):
    add_notes(small_db, tmp_path, [(2, "kontrakt.relasjonell", "anna"), (2, "kapasitet", "bjorn")])
    at = open_page(PAGE, "kari")
    option = "avtale_midt_2023.txt · tur 2 · Dokument / notater"
    assert option in at.selectbox(key="disagreement").options
    at.selectbox(key="disagreement").set_value(at.selectbox(key="disagreement").options.index(option)).run()
    assert not at.exception
    headings = [m.value for m in at.markdown if "avtale" in m.value]
    assert headings and headings[0].startswith("**Dokument / notater** · avtale")
    assert "****" not in rendered(at)


def test_default_coders_are_the_pair_who_share_the_most_sources(small_db, tmp_path):
    # "aaron" (first by name) coded only a notes file nobody else coded
    add_notes(small_db, tmp_path, [(1, "kapasitet", "aaron")])
    at = open_page(PAGE, "kari")
    assert at.multiselect(key="coders").value == ["anna", "bjorn"]
    assert not at.error, [e.value for e in at.error]
    assert at.selectbox(key="disagreement").options  # the disagreements are there, not an error


def test_the_resource_group_does_not_get_the_page(small_db):
    at = open_page("views/oversikt.py", "rolf")
    with pytest.raises(ValueError):
        at.switch_page(PAGE)


def test_one_disagreement_is_one_tur(small_db):
    apply_code(small_db, "fg_fase1.txt", 4, "kapasitet", user="bjorn")  # now only turn 3 differs
    at = open_page(PAGE, "kari")
    assert len(at.selectbox(key="disagreement").options) == 1
    assert any(c.value.startswith("1 tur der kodene er ulike.") for c in at.caption)


# ------------------------------------------------------------------------ Angre of a consensus

UNDONE = ("Angret konsensus for tur 3 i fg_fase1.txt (2 koder: «Kapasitet», «Hybrid kontrakt»); turen har ingen "
          "registrert konsensus nå.")


def _save_consensus(at, db, codes):
    at.multiselect(key="konsensus_fg_fase1.txt_3").set_value(codes)
    at.button(key="save_consensus").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    konsensus = [(c.source, c.turn, c.code) for c in list_codings(db, coder="konsensus", user="kari")]
    assert konsensus == [("fg_fase1.txt", 3, c) for c in codes]


def test_angre_on_koding_takes_back_a_consensus_saved_on_enighet_and_says_so(small_db):
    """A consensus saved on Enighet is this tab's last action: "Angre" on the Koding page takes the
    whole step back (both konsensus codings), says so, and goes on to nothing else of the tab's."""
    at = open_page(PAGE, "kari")
    _save_consensus(at, small_db, ["kapasitet", "kontrakt.hybrid"])
    assert any("«Angre» tar den tilbake" in md_unescape(s.value) for s in at.success)
    at.switch_page("views/koding.py").run()
    assert not at.exception and at.title[0].value == "Koding"
    at.button(key="undo").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert list_codings(small_db, coder="konsensus", user="kari") == []
    assert [md_unescape(s.value) for s in at.success] == [UNDONE]
    undo = list_audit(small_db, user="kari", action="undo")
    assert undo and undo[-1].user == "kari" and undo[-1].detail["action"] == "consensus"
    at.button(key="undo").click().run()  # nothing more from this tab: the coders' codings stay
    assert any("ingenting mer å angre" in i.value for i in at.info)
    assert len(list_codings(small_db, coder="anna", user="kari")) == 4
    # back on Enighet the turn has no consensus again, and its box starts from what all agree on
    at.switch_page(PAGE).run()
    assert at.selectbox(key="disagreement").options[0] == "fg_fase1.txt · tur 3 · Rådgiver SF"
    assert at.multiselect(key="konsensus_fg_fase1.txt_3").value == []


def test_angre_on_enighet_takes_back_the_consensus_just_saved_and_then_the_one_before(small_db):
    at = open_page(PAGE, "kari")
    _save_consensus(at, small_db, ["kontrakt.hybrid"])
    _save_consensus(at, small_db, ["kapasitet", "kontrakt.hybrid"])
    at.button(key="undo").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [md_unescape(s.value) for s in at.success] == [
        "Angret konsensus for tur 3 i fg_fase1.txt (2 koder: «Kapasitet», «Hybrid kontrakt»); konsensus er igjen "
        "«Hybrid kontrakt»."]
    assert [c.code for c in list_codings(small_db, coder="konsensus", user="kari")] == ["kontrakt.hybrid"]
    # the box shows the consensus stored now, not what was picked before the undo
    assert at.multiselect(key="konsensus_fg_fase1.txt_3").value == ["kontrakt.hybrid"]
    at.button(key="undo").click().run()
    assert [md_unescape(s.value) for s in at.success] == [
        "Angret konsensus for tur 3 i fg_fase1.txt (1 kode: «Hybrid kontrakt»); turen har ingen registrert "
        "konsensus nå."]
    assert list_codings(small_db, coder="konsensus", user="kari") == []
    assert at.selectbox(key="disagreement").options[0] == "fg_fase1.txt · tur 3 · Rådgiver SF"
    assert at.multiselect(key="konsensus_fg_fase1.txt_3").value == []


def test_the_agreement_table_downloads_as_a_file_with_the_librarys_figures(small_db):
    """"Til rapporten": the file is made by export_agreement (as `workbench agreement --output`),
    with the figures of the table above, and is offered only for the choices it was made with."""
    import io

    import docx
    import openpyxl

    at = open_page(PAGE, "kari")
    assert not at.get("download_button")  # nothing made yet
    at.button(key="make_agreement_file").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert [b.label for b in at.get("download_button")] == ["Last ned enighetstabellen (Excel (xlsx))"]
    made = at.session_state["agreement_file"]
    assert made["name"] == "enighet.xlsx"
    book = openpyxl.load_workbook(io.BytesIO(made["data"]))
    assert book.sheetnames == ["Enighet", "Uenigheter"]  # the disagreements too, by default
    rows = list(book["Enighet"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "Kode-ID")
    expected = coding_agreement(small_db, ["anna", "bjorn"], user="kari")
    by_code = {r[0]: r for r in rows[head + 1:]}
    assert by_code[None][1] == "Alle koder" and by_code[None][3] == expected["overall"]["units"]
    for c in expected["codes"]:
        kappa = by_code[c["code"]][6]
        assert kappa == ("–" if c["kappa"] is None else pytest.approx(c["kappa"], abs=1e-15))
    assert [r[:2] for r in book["Uenigheter"].iter_rows(values_only=True)][-2:] == [("fg_fase1.txt", 3),
                                                                                    ("fg_fase1.txt", 4)]
    # another format: the workbook is no longer offered; made again, the Word file is
    at.radio(key="agreement_format").set_value("docx").run()
    assert not at.get("download_button")
    at.button(key="make_agreement_file").click().run()
    assert [b.label for b in at.get("download_button")] == ["Last ned enighetstabellen (Word (docx))"]
    document = docx.Document(io.BytesIO(at.session_state["agreement_file"]["data"]))
    assert document.paragraphs[0].text == "Enighet mellom kodere" and document.core_properties.language == "nb-NO"
    events = list_audit(small_db, user="kari", action="export_agreement")
    assert [e.detail["format"] for e in events] == ["xlsx", "docx"] and events[-1].user == "kari"


def test_code_set_is_offered_only_when_versions_differ_and_pins_the_figure(small_db, tmp_path):
    """One codebook version: no "Kodesett" choice, a caption naming the codes compared. After a
    code is added (nobody uses it) the pooled figure grows by its agreeing zeros; choosing the
    older version gives the library's pinned figure, and the caption names the unused codes."""
    import yaml

    from tests.app_fixtures import CODEBOOK
    from workbench.codebook import current_version, load_codebook
    from workbench.ui.agreement import code_set_text

    at = open_page(PAGE, "kari")
    assert "code_set" not in [s.key for s in at.selectbox]
    before = coding_agreement(small_db, ["anna", "bjorn"], user="kari")
    assert code_set_text(before["code_set"]) in rendered(at)
    old = current_version(small_db, user="kari")["id"]
    book = yaml.safe_load(CODEBOOK)
    book["codes"]["nettverk"] = {"label": "Nettverk (fase 2)", "definition": "Nettverk mellom aktører."}
    (tmp_path / "fase2.yaml").write_text(yaml.safe_dump(book, allow_unicode=True, sort_keys=False), encoding="utf-8")
    load_codebook(small_db, tmp_path / "fase2.yaml", user="anna")

    def overall_units(at) -> int:
        table = [d.value for d in at.dataframe if "Kappa" in d.value.columns][0]
        return list(table["Enheter"])[0]

    at = open_page(PAGE, "kari")
    box = at.selectbox(key="code_set")
    assert box.value is None and box.options[1].startswith(f"«{book['name']}», versjon {old}")
    grown = coding_agreement(small_db, ["anna", "bjorn"], user="kari")
    assert overall_units(at) == grown["overall"]["units"] != before["overall"]["units"]
    assert "nettverk" in rendered(at) and "teller som enighet om at koden ikke er der" in rendered(at)
    box.set_value(old).run()
    assert not at.exception and not at.error
    assert overall_units(at) == before["overall"]["units"]
    assert "(låst: koder lagt til senere er ikke med)" in rendered(at)


def test_report_authors_get_the_figures_and_the_report_file_only(small_db):
    """A report author (rita) has the Enighet page, as the docs promise: the library's figures and
    «Til rapporten» (the table alone), never the disagreements, their turns, text or speakers, nor
    the consensus recording or «Angre»: nothing the command line refuses them."""
    import io

    import openpyxl

    from tests.app_fixtures import ROSTER_LABELS, TRANSCRIPTS

    at = open_page(PAGE, "rita")
    assert at.title[0].value == "Enighet mellom kodere" and not at.error
    table = [d.value for d in at.dataframe if "Kappa" in d.value.columns][0]
    expected = coding_agreement(small_db, ["anna", "bjorn"], user="rita")
    assert list(table["Enheter"])[0] == expected["overall"]["units"]
    assert list(table["Kode-ID"])[1:] == [c["code"] for c in expected["codes"]]
    page = rendered(at)
    assert "Til rapporten" in page and "Uenigheter" not in page
    assert not [s for s in at.selectbox if s.key == "disagreement"]
    assert not [m for m in at.multiselect if str(m.key).startswith("konsensus_")]
    assert {b.key for b in at.button} <= {"make_agreement_file", "logout"}   # no save, no Angre
    assert "agreement_disagreements" not in [c.key for c in at.checkbox]
    for turn in (t.split(": ", 1)[1] for text in TRANSCRIPTS.values() for t in text.strip().split("\n\n")):
        assert turn[:25] not in page, turn
    for label in ROSTER_LABELS:
        assert label not in page, label
    at.button(key="make_agreement_file").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    book = openpyxl.load_workbook(io.BytesIO(at.session_state["agreement_file"]["data"]))
    assert book.sheetnames == ["Enighet"]   # the table only, never the disagreements
    rows = list(book["Enighet"].iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == "Kode-ID")
    assert rows[head + 1][3] == expected["overall"]["units"]
    events = list_audit(small_db, user="kari", action="export_agreement")
    assert [(e.user, e.detail.get("disagreements", False)) for e in events] == [("rita", False)]


def test_after_a_merge_the_page_names_no_version_for_the_active_codes(small_db):
    """`codebook merge` leaves the active codes matching no loaded version: the caption says so
    rather than naming version 1, and the "Kodesett" choice offers version 1 (its own figures)
    beside "Aktive koder nå (ingen lastet versjon har akkurat disse)"."""
    from workbench.codebook import current_version, merge_codes

    v1 = current_version(small_db, user="kari")["id"]
    merge_codes(small_db, "kontrakt.relasjonell", "kontrakt.hybrid", user="kari")
    at = open_page(PAGE, "kari")
    page = rendered(at)
    assert "ingen lastet kodebokversjon har akkurat disse kodene" in page
    assert f"nå (kodeboka «testbok», versjon {v1}" not in page
    box = at.selectbox(key="code_set")
    assert box.value is None and box.options[0] == "Aktive koder nå (ingen lastet versjon har akkurat disse)"
    assert box.options[1].startswith(f"«testbok», versjon {v1}")
    box.set_value(v1).run()
    assert not at.exception and not at.error
    pinned = coding_agreement(small_db, ["anna", "bjorn"], codebook_version=v1, user="kari")
    table = [d.value for d in at.dataframe if "Kappa" in d.value.columns][0]
    assert list(table["Enheter"])[0] == pinned["overall"]["units"]
