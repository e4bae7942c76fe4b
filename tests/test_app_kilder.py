"""The Kilder page (researchers): the sources with their metadata and «Endre metadata», a form over
``ingest.metadata.set_metadata`` (tests/app_fixtures.py's small project, fictional people). What a
researcher changes there shows on the dashboards and in the audit trail at once; a bad value is one
Norwegian line and changes nothing; only researchers have the page. «Faserekkefølge» sets and unsets
the project's phase_order (``sharing.set_setting``), which Oversikt's phase filter follows."""

from __future__ import annotations

from workbench.analysis import filter_values, theme_matrix
from workbench.ingest import list_sources
from workbench.sharing import released_quotes, set_setting, setting
from workbench.ui.format import md_unescape
from workbench.users import list_audit

import pytest

from tests.app_fixtures import (ROLE_PAGES, ROSTER_LABELS, _build_small, app, navigation_titles, open_page,
                                rendered, small_db)  # noqa: F401 (a fixture)

KILDER = "views/kilder.py"
FG = "fg_fase1.txt"


def field(at, name: str, kind: str = "selectbox"):
    """The form's widget for ``name`` ("phase", "speaker1:actor" ...): its key is the form's
    prefix (source and a fingerprint of the stored values) and the field."""
    found = [w for w in getattr(at, kind) if (w.key or "").startswith("meta_") and ":" in w.key
             and w.key.split(":", 1)[1] == name]
    assert len(found) == 1, (name, [w.key for w in getattr(at, kind)])
    return found[0]


def speaker_row(at, label: str) -> int:
    """The row of the speakers' table that holds ``label`` (its actor box is labelled with it)."""
    rows = [w.key.split(":")[1] for w in at.selectbox
            if (w.key or "").endswith(":actor") and w.label == f"Aktør for {label}"]
    assert len(rows) == 1, label
    return int(rows[0].removeprefix("speaker"))


def save(at):
    at.button[[b.label for b in at.button].index("Lagre endringer")].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def said(at) -> str:
    return md_unescape("\n".join(str(e.value) for kind in ("success", "warning", "error", "info")
                                 for e in getattr(at, kind)))


def _source(db, file: str) -> dict:
    return next(s for s in list_sources(db, user="kari") if s["file"] == file)


def test_a_researcher_changes_a_phase_and_an_actor_and_the_dashboards_and_audit_follow(small_db):
    assert filter_values(small_db, user="rolf")["phase"] == ["fase 1", "fase 2"]
    at = open_page(KILDER)
    assert at.title[0].value == "Kilder" and not at.error
    assert at.selectbox(key="meta_source").value == _source(small_db, FG)["id"]
    assert field(at, "phase").value == "fase 1" and field(at, "date", "text_input").value == "2023-04-18"
    row = speaker_row(at, "PL Testbygd")
    assert field(at, f"speaker{row}:actor").value == "prosjektleder"

    field(at, "phase").set_value("fase 2")
    field(at, f"speaker{row}:actor").set_value("statsforvalter")
    save(at)

    shown = said(at)
    assert "Lagret for fg_fase1.txt: Fase endret fra «fase 1» til «fase 2»." in shown
    assert "Taleren «PL Testbygd»: aktør endret fra «prosjektleder» til «statsforvalter»" in shown
    assert not at.error
    # the library and the dashboards: no fase 1 left, the speaker counts as a statsforvalter in fase 2
    stored = _source(small_db, FG)
    assert stored["phase"] == "fase 2"
    assert next(sp for sp in stored["speakers"] if sp["label"] == "PL Testbygd")["actor"] == "statsforvalter"
    assert filter_values(small_db, user="rolf")["phase"] == ["fase 2"]
    m = theme_matrix(small_db, by=("actor", "phase"), user="kari")
    assert set(m["phase"]) == {"fase 2"}
    assert m[(m["actor"] == "prosjektleder")]["segments"].sum() == 1  # PL Namdal's coding only
    assert released_quotes(small_db, user="rolf")["actor"].tolist() == ["statsforvalter"]
    # the form is drawn again from the stored values, and the overview's phase filter follows
    assert field(at, "phase").value == "fase 2"
    at.switch_page("views/oversikt.py").run()
    assert at.selectbox(key="phase").options == ["Alle faser", "fase 2"]
    # one audit event, by the logged-in researcher, with each field's before and after
    events = list_audit(small_db, user="kari", action="set_metadata")
    assert [(e.user, e.detail["via"], e.detail["source"], e.detail["speakers"]) for e in events] == [
        ("kari", "app", {"phase": {"before": "fase 1", "after": "fase 2"}},
         {"PL Testbygd": {"actor": {"before": "prosjektleder", "after": "statsforvalter"}}})]


def test_clearing_a_field_and_setting_the_language(small_db):
    at = open_page(KILDER)
    field(at, "county").set_value("(ingen)")
    field(at, "language").set_value("nn")
    save(at)
    assert "Fylke tømt (var «Finnmark»). Språk endret fra «nb» til «nn»." in said(at)
    stored = _source(small_db, FG)
    assert (stored["county"], stored["language"]) == (None, "nn")


def test_an_invalid_value_is_one_norwegian_line_and_changes_nothing(small_db):
    before = list_sources(small_db, user="kari")
    events = len(list_audit(small_db, user="kari"))
    at = open_page(KILDER)
    field(at, "phase").set_value("fase 2")  # valid, but saved together with a bad date
    field(at, f"speaker{speaker_row(at, 'PL Testbygd')}:actor").set_value("statsforvalter")
    field(at, "date", "text_input").input("31.02.2024")
    save(at)
    assert [md_unescape(e.value) for e in at.error] == [
        "«31.02.2024» i feltet dato er ikke en gyldig dato; skriv den som 12.03.2024 eller 2024-03-12."]
    assert not at.success and "Traceback" not in rendered(at) and "cannot be read" not in rendered(at)
    assert list_sources(small_db, user="kari") == before
    assert len(list_audit(small_db, user="kari")) == events
    # what the user typed stays in the form, to be corrected
    assert field(at, "date", "text_input").value == "31.02.2024" and field(at, "phase").value == "fase 2"


def test_saving_an_unchanged_form_says_so_and_writes_nothing(small_db):
    events = len(list_audit(small_db, user="kari"))
    at = save(open_page(KILDER))
    assert "Ingen endringer å lagre" in said(at) and not at.error
    assert len(list_audit(small_db, user="kari")) == events


def test_the_form_follows_the_chosen_source(small_db):
    at = open_page(KILDER)
    at.selectbox(key="meta_source").set_value(_source(small_db, "intervju_fase2.txt")["id"]).run()
    assert field(at, "phase").value == "fase 2" and field(at, "pilot").value == "Indre-Namdal"
    assert [w.label for w in at.selectbox if (w.key or "").endswith(":actor")] == [
        "Aktør for Intervjuer", "Aktør for PL Namdal"]
    table = at.dataframe[0].value
    assert list(table["Kilde"]) == [FG, "intervju_fase2.txt"] and list(table["Fase"]) == ["fase 1", "fase 2"]


def test_only_researchers_have_the_page_and_the_resource_group_sees_no_speaker(small_db):
    assert "Kilder" in ROLE_PAGES["researcher"]
    for user, role in (("rita", "report_author"), ("rolf", "resource_group")):
        at = app(user).run()
        assert navigation_titles(at) == ROLE_PAGES[role] and "Kilder" not in navigation_titles(at)
    from tests.test_app import opened_at

    at = opened_at("kilder", "rolf")  # the page's address: the overview, with a note
    assert not at.exception and at.title[0].value.startswith("Oversikt")
    assert "Endre metadata" not in rendered(at) and "Lagre endringer" not in [b.label for b in at.button]
    assert not any(label in rendered(at) for label in ROSTER_LABELS)


# ------------------------------------------------------------------------------ Faserekkefølge

def order_box(at):
    """The «Faserekkefølge» text box (its key carries a fingerprint of the stored order)."""
    found = [w for w in at.text_input if (w.key or "").startswith("phase_order_")]
    assert len(found) == 1, [w.key for w in at.text_input]
    return found[0]


def click(at, label: str):
    at.button[[b.label for b in at.button].index(label)].click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def overview_phases(at) -> list[str]:
    at.switch_page("views/oversikt.py").run()
    assert not at.exception, [e.value for e in at.exception]
    return at.selectbox(key="phase").options


def test_a_researcher_sets_the_phase_order_and_the_overview_follows_then_resets_it(small_db):
    at = open_page(KILDER)
    assert "Faserekkefølge" in [h.value for h in at.subheader]
    assert "Rekkefølgen nå: «fase 1» → «fase 2» (ikke satt:" in rendered(at)
    assert order_box(at).value == "fase 1, fase 2"
    assert at.button(key="phase_order_reset").disabled  # nothing set to reset

    order_box(at).input("Fase 2, fase 1")  # spelt as the user likes: stored as the sources have it
    click(at, "Lagre rekkefølge")
    assert "Faserekkefølgen er lagret: «fase 2» → «fase 1»." in said(at) and not at.error
    assert setting(small_db, "phase_order") == "fase 2, fase 1"
    assert [(e.user, e.detail) for e in list_audit(small_db, user="kari", action="set_setting")] == [
        ("kari", {"before": None, "after": "fase 2, fase 1"})]
    assert "Rekkefølgen nå: «fase 2» → «fase 1» (satt i prosjektet)." in rendered(at)
    assert order_box(at).value == "fase 2, fase 1" and not at.button(key="phase_order_reset").disabled
    assert overview_phases(at) == ["Alle faser", "fase 2", "fase 1"]

    at.switch_page(KILDER).run()
    click(at, "Tilbakestill")
    assert "Faserekkefølgen er tilbakestilt" in said(at) and not at.error
    assert setting(small_db, "phase_order") is None
    assert order_box(at).value == "fase 1, fase 2"
    assert overview_phases(at) == ["Alle faser", "fase 1", "fase 2"]


def test_a_phase_no_source_has_or_named_twice_is_one_norwegian_line_and_changes_nothing(small_db):
    set_setting(small_db, "phase_order", "fase 2, fase 1", user="kari")
    events = len(list_audit(small_db, user="kari"))
    at = open_page(KILDER)
    order_box(at).input("fase 2, fase 3")
    click(at, "Lagre rekkefølge")
    [error] = [md_unescape(e.value) for e in at.error]
    assert error.startswith("Fant ingen fase «fase 3».") and error.endswith("Kjente verdier: fase 1, fase 2.")
    assert order_box(at).value == "fase 2, fase 3"  # what the user typed stays, to be corrected

    order_box(at).input("fase 1, Fase 1")
    click(at, "Lagre rekkefølge")
    assert [md_unescape(e.value) for e in at.error] == [
        "Faserekkefølgen må nevne hver fase én gang, i tidsrekkefølge, og bare faser som kildene har (for "
        "eksempel «Oppstart, Gjennomføring»)."]
    assert not at.success and "Traceback" not in rendered(at)
    order_box(at).input("")  # an emptied box saves nothing («Tilbakestill» unsets)
    click(at, "Lagre rekkefølge")
    assert "Skriv fasene i tidsrekkefølge" in said(at) and not at.error
    assert setting(small_db, "phase_order") == "fase 2, fase 1"
    assert len(list_audit(small_db, user="kari")) == events
    assert overview_phases(at) == ["Alle faser", "fase 2", "fase 1"]


def test_saving_a_phase_order_with_a_persons_name_warns_in_norwegian(small_db):
    """A phase named after a person in the roster reaches the resource group as written: the order
    is saved, with one Norwegian line saying so (fictional name)."""
    from workbench.ingest.metadata import set_source, set_speaker

    set_speaker(small_db, FG, "PL Testbygd", name="Oda Brennvik", user="kari")
    update = set_source(small_db, FG, phase="fase 1 hos Oda Brennvik", user="kari")
    assert any(n.startswith("Fasen «fase 1 hos Oda Brennvik» inneholder navnet") for n in update.notices)
    at = open_page(KILDER)
    order_box(at).input("fase 2, fase 1 hos Oda Brennvik")
    click(at, "Lagre rekkefølge")
    assert setting(small_db, "phase_order") == "fase 2, fase 1 hos Oda Brennvik" and not at.error
    [warning] = [md_unescape(e.value) for e in at.warning]
    assert "Faserekkefølgen er lagret" in warning
    assert "Fasen «fase 1 hos Oda Brennvik» inneholder navnet på en person i deltakerlisten" in warning


@pytest.mark.parametrize("db", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True)
def test_the_phase_order_on_postgresql(db, tmp_path, monkeypatch):
    """The same through a PostgreSQL project: set, a bad value, reset."""
    _build_small(tmp_path, db)
    monkeypatch.setenv("WORKBENCH_DB", db.url)
    monkeypatch.setenv("WORKBENCH_USER", "kari")
    at = open_page(KILDER)
    order_box(at).input("fase 2, fase 1")
    click(at, "Lagre rekkefølge")
    assert "Faserekkefølgen er lagret: «fase 2» → «fase 1»." in said(at) and not at.error
    assert setting(db, "phase_order") == "fase 2, fase 1"
    assert overview_phases(at) == ["Alle faser", "fase 2", "fase 1"]
    at.switch_page(KILDER).run()
    order_box(at).input("fase 2, fase 9")
    click(at, "Lagre rekkefølge")
    assert len(at.error) == 1 and md_unescape(at.error[0].value).startswith("Fant ingen fase «fase 9».")
    assert setting(db, "phase_order") == "fase 2, fase 1"
    click(at, "Tilbakestill")
    assert setting(db, "phase_order") is None
    assert overview_phases(at) == ["Alle faser", "fase 1", "fase 2"]
