"""Logging in to the app, and what each role sees (streamlit.testing AppTest on the small database
of tests/app_fixtures.py: researcher kari, report author rita, resource group rolf)."""

from __future__ import annotations

from workbench.coding import list_codings

import io
import json
import re
import zipfile

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.util import calc_hash

from workbench.analysis import quotes, theme_matrix
from workbench.sharing import released_quotes
from workbench.ui import session
from workbench.ui.charts import SUPPRESSED_FILL
from workbench.ui.format import md_escape, md_unescape
from workbench.users import disable_user, list_audit

from tests.app_fixtures import (PAGES, ROLE_PAGES, ROSTER_LABELS, TRACKER, TRANSCRIPTS, USERS, app,
                                chart_data, log_in_with_form, navigation_titles, open_page, rendered)
from tests.app_fixtures import small_db  # noqa: F401 (a fixture)

SOURCE_NAMES = ("fg_fase1.txt", "intervju_fase2.txt")
RESEARCH_TEXT = ("prosjektleder", "statsforvalter", "Kontraktsform", "Kapasitet", "Midt-Finnmark", "fase 1",
                 "Vi mangler folk", "Tilliten mellom partene")


def element_types(at: AppTest) -> set[str]:
    return {node.type for node in at._tree}


def assert_login_page_only(at: AppTest) -> None:
    """The login form and nothing from the database: no table, chart, navigation or sidebar."""
    assert not at.exception, [e.value for e in at.exception]
    assert [t.value for t in at.title] == ["Logg inn"]
    assert [(t.label, t.proto.type) for t in at.text_input] == [("Brukernavn", 0), ("Passord", 1)]  # 1 = password
    assert not at.dataframe and not chart_data(at)
    assert not element_types(at) & {"vega_lite_chart", "arrow_vega_lite_chart", "table", "selectbox",
                                    "multiselect", "download_button"}
    assert not at.sidebar.markdown and not at.sidebar.caption and not at.sidebar.button
    assert navigation_titles(at) and set(navigation_titles(at)) == {"Logg inn"}
    shown = rendered(at)
    for secret in SOURCE_NAMES + RESEARCH_TEXT + ROSTER_LABELS + ("sqlite", "app.db", "Database"):
        assert secret not in shown, secret


# ------------------------------------------------------------------------------- logging in

def test_a_visitor_sees_only_the_login_form(small_db):
    at = app().run()
    assert_login_page_only(at)
    assert [b.label for b in at.button] == ["Logg inn"]
    assert not [i for i in at.info if "workbench user add" in i.value]  # users exist: no set-up hint


@pytest.mark.parametrize("address", ["koding", "kodebok", "eksport"])
def test_a_page_address_opened_before_logging_in_shows_the_login_form(small_db, address):
    at = app()
    at._page_hash = calc_hash(address)  # what the browser asks for at /koding
    at.run()
    assert_login_page_only(at)


@pytest.mark.parametrize("user, title", [("kari", "Koding"), ("rolf", "Oversikt: temaer per aktør og fase")])
def test_logging_in_at_a_page_address_opens_that_page_if_the_role_may_see_it(small_db, user, title):
    at = app()
    at._page_hash = calc_hash("koding")
    log_in_with_form(at.run(), user, USERS[user][1])
    assert not at.exception and [t.value for t in at.title] == [title]


def test_wrong_password_is_refused_with_a_norwegian_line_and_no_data(small_db):
    at = log_in_with_form(app().run(), "kari", "feil-passord-123")
    assert [md_unescape(e.value) for e in at.error] == ["Feil brukernavn eller passord."]
    assert_login_page_only(at)
    assert "login" not in at.session_state
    failed = list_audit(small_db, user="kari", action="login_failed")
    assert [(a.target, a.detail["reason"]) for a in failed] == [("kari", "wrong password")]


def test_unknown_user_is_refused_like_a_wrong_password(small_db):
    at = log_in_with_form(app().run(), "ukjent", "et-passord-123")
    assert [md_unescape(e.value) for e in at.error] == ["Feil brukernavn eller passord."]
    assert_login_page_only(at)



def test_the_lockout_answers_an_unknown_name_as_it_answers_a_user(small_db):
    """Six wrong passwords: a user's name and a name nobody has get the same lines, the lock at the
    sixth included, so the lock never tells which names exist."""
    def answers(name: str) -> list[list[str]]:
        return [[md_unescape(e.value) for e in log_in_with_form(app().run(), name, "feil-passord-123").error]
                for _ in range(6)]

    user, nobody = answers("rita"), answers("finnesikke")
    assert user == nobody
    assert user[0] == ["Feil brukernavn eller passord."]
    assert user[-1] == ["For mange mislykkede forsøk: brukernavnet er låst i 15 minutter."]

def test_login_form_logs_in_and_logout_forgets_the_user(small_db):
    at = log_in_with_form(app().run(), "kari", USERS["kari"][1])
    assert not at.exception and not at.error
    assert at.title[0].value == "Oversikt: temaer per aktør og fase"
    assert "Innlogget som **kari** (forsker)" in [m.value for m in at.sidebar.markdown]
    assert at.session_state["login"]["name"] == "kari"
    assert at.dataframe  # the data is there now
    assert [a.detail["method"] for a in list_audit(small_db, user="kari", action="login")] == ["password"]

    at.sidebar.button(key="logout").click().run()
    assert_login_page_only(at)
    assert "login" not in at.session_state


def test_the_operating_system_user_is_never_the_app_user(small_db, monkeypatch):
    monkeypatch.setenv("WORKBENCH_USER", "kari")
    monkeypatch.setenv("USER", "kari")
    assert session.acting_user() is None
    assert_login_page_only(app().run())


def test_no_login_users_says_how_to_add_one(tmp_path, monkeypatch):
    from workbench.store import Database

    db = Database(f"sqlite:///{tmp_path / 'ingen.db'}")
    db.upgrade()
    monkeypatch.setenv("WORKBENCH_DB", db.url)
    at = app().run()
    assert at.title[0].value == "Logg inn"
    assert any("workbench user add NAVN --role researcher" in i.value for i in at.info)


def test_a_disabled_user_is_logged_out_on_the_next_run(small_db):
    at = app("rita").run()
    assert at.title[0].value.startswith("Oversikt")
    disable_user(small_db, "rita", user="kari")
    at.run()
    assert_login_page_only(at)
    assert any("deaktivert" in md_unescape(e.value) for e in at.error)


def test_a_changed_role_takes_effect_on_the_next_run(small_db):
    from workbench.users import set_role

    at = app("rita").run()
    assert navigation_titles(at) == ROLE_PAGES["report_author"]
    set_role(small_db, "rita", "resource_group", user="kari")
    at.run()
    assert navigation_titles(at) == ROLE_PAGES["resource_group"]
    assert "Innlogget som **rita** (ressursgruppe)" in [m.value for m in at.sidebar.markdown]
    assert not [d for d in at.dataframe if "Sitat" in d.value.columns and "Kilde" in d.value.columns]


# ------------------------------------------------------------------------------ single sign-on

@pytest.fixture
def sso(monkeypatch):
    """Single sign-on configured; ``state["identity"]`` is who the provider says is logged in."""
    state = {"identity": None, "login": 0, "logout": 0}
    monkeypatch.setattr(session, "sso_configured", lambda: True)
    monkeypatch.setattr(session, "sso_identity", lambda: state["identity"])
    monkeypatch.setattr(session, "sso_login", lambda: state.__setitem__("login", state["login"] + 1))
    monkeypatch.setattr(session, "sso_logout", lambda: state.__setitem__("logout", state["logout"] + 1))
    return state


def test_sso_button_is_offered_only_when_configured(small_db, sso, monkeypatch):
    at = app().run()
    assert "Logg inn med institusjonens innlogging" in [b.label for b in at.button]
    at.button(key="sso_login").click().run()
    assert sso["login"] == 1
    assert_login_page_only(at)

    monkeypatch.setattr(session, "sso_configured", lambda: False)
    assert [b.label for b in app().run().button] == ["Logg inn"]


def test_sso_email_of_a_registered_user_logs_in_with_its_role(small_db, sso):
    sso["identity"] = ("Rita@Example.no", "Rita Rapport")
    at = app().run()
    assert not at.exception and not at.error
    assert "Innlogget som **rita** (rapportforfatter)" in [m.value for m in at.sidebar.markdown]
    assert navigation_titles(at) == ROLE_PAGES["report_author"]
    assert at.session_state["login"] == {"name": "rita", "role": "report_author", "method": "sso"}
    logins = list_audit(small_db, user="kari", action="login")
    assert [(a.user, a.detail["method"], a.detail["email"]) for a in logins] == [("rita", "oidc",
                                                                                 "rita@example.no")]
    at.sidebar.button(key="logout").click().run()
    assert sso["logout"] == 1


def test_sso_email_nobody_registered_is_refused_and_sees_no_data(small_db, sso):
    sso["identity"] = ("fremmed@example.no", "Fremmed")
    at = app().run()
    assert_login_page_only(at)
    assert any("fremmed@example.no har ikke tilgang" in md_unescape(e.value) for e in at.error)
    at.run()
    at.run()  # reruns do not try (and audit) the same refused identity again
    assert_login_page_only(at)
    refused = list_audit(small_db, user="kari", action="login_failed")
    assert [a.target for a in refused] == ["fremmed@example.no"]
    assert "Logg ut av institusjonens innlogging" in [b.label for b in at.button]


# ----------------------------------------------------------------------------- pages by role

@pytest.mark.parametrize("user", list(USERS))
def test_each_role_sees_exactly_its_pages(small_db, user):
    role = USERS[user][0]
    at = log_in_with_form(app().run(), user, USERS[user][1])
    assert not at.exception and not at.error
    assert navigation_titles(at) == ROLE_PAGES[role]
    titles = {"views/koding.py": ("Koding", "Koding"), "views/kodebok.py": ("Kodebok", "Kodebok"),
              "views/eksport.py": ("Eksport", "Eksport"), "views/enighet.py": ("Enighet", "Enighet mellom kodere")}
    for page, (nav_title, title) in titles.items():
        if nav_title in ROLE_PAGES[role]:
            at.switch_page(page).run()
            assert not at.exception and at.title[0].value == title and not at.error
        else:
            with pytest.raises(ValueError):  # not in the navigation
                at.switch_page(page)
            # opened by its address anyway: the default page runs, never the forbidden one
            at._page_hash = calc_hash(page.split("/")[1].removesuffix(".py"))
            at.run()
            assert not at.exception
            assert [t.value for t in at.title] == ["Oversikt: temaer per aktør og fase"]
            assert "Kod en tur" not in rendered(at) and "Lag eksport" not in rendered(at)


# -------------------------------------------------------------------------- the resource group

def test_resource_group_overview_shows_only_suppressed_numbers_and_released_quotes(small_db):
    at = open_page(PAGES[0], "rolf")
    assert not at.error
    wide = [d.value for d in at.dataframe if "Aktør" in d.value.columns][0]
    matrix = theme_matrix(small_db, fill=True, exclude_actors=("forsker",), user="rolf")
    assert matrix["suppressed"].all()  # in this small corpus every group has fewer than 3 speakers
    values = wide.drop(columns=["Aktør", "Fase"])
    assert values.size and (values == "<3").all().all()
    assert any("<3: færre enn 3 personer bak tallet" in c.value for c in at.caption)
    data = chart_data(at)[0]
    assert set(data["andel_tekst"]) == {"<3"} and set(data["segmenter"]) == {"<3"}
    assert data["andel"].isna().all()  # the browser gets no share for a hidden cell
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    layers = spec["spec"]["layer"]  # grey cells (kept although their share is missing) with "<3" written on
    assert layers[0]["mark"]["invalid"] is None
    assert layers[0]["encoding"]["color"]["condition"] == {"test": "datum.skjult", "value": SUPPRESSED_FILL}
    assert layers[1]["mark"]["type"] == "text" and layers[1]["encoding"]["text"]["field"] == "andel_tekst"
    assert "coder" not in [s.key for s in at.selectbox]  # no coder filter for this role

    at.selectbox(key="cell_actor").set_value("prosjektleder")
    at.selectbox(key="cell_code").set_value("kapasitet").run()
    shown = [d.value for d in at.dataframe if "Sitat" in d.value.columns]
    expected = released_quotes(small_db, user="rolf", code="kapasitet", actor="prosjektleder")
    assert len(shown) == 1 and list(shown[0]["Sitat"]) == list(expected["text"]) == [
        "Vi mangler folk til å følge opp tiltakene."]
    assert list(shown[0].columns) == ["Taler", "Aktør", "Fase", "Pilot", "Sitat"]
    assert list(shown[0]["Taler"]) == list(expected["speaker"]) and "Prosjektleder" in shown[0]["Taler"][0]
    page = rendered(at)
    assert "Kapasiteten i kommunene er fortsatt liten." not in page  # coded, but not released
    for label in ROSTER_LABELS:
        assert label not in page, label

    at.selectbox(key="cell_phase").set_value("fase 2").run()
    assert not [d for d in at.dataframe if "Sitat" in d.value.columns]
    assert any(i.value == "Ingen frigitte sitater for denne cellen." for i in at.info)


def test_resource_group_sees_a_dash_not_none_for_a_released_quote_without_pilot(small_db, tmp_path):
    from workbench.coding import apply_code
    from workbench.ingest import ingest_paths
    from workbench.sharing import release_quote

    extra = tmp_path / "uten_pilot"  # a fictional interview outside any pilot
    extra.mkdir()
    (extra / "intervju_fase3.txt").write_text("Intervjuer: Hva mangler?\n\nRådmann Vest: Vi mangler folk "
                                              "med planfaglig kompetanse.\n", encoding="utf-8")
    (extra / "manifest.csv").write_text("file,kind,phase,pilot,county,date,language\n"
                                        "intervju_fase3.txt,intervju,fase 3,,,2025-02-03,nb\n", encoding="utf-8")
    (extra / "participants.csv").write_text("file,speaker,actor,organisation,pilot\n"
                                            "intervju_fase3.txt,Intervjuer,forsker,SINTEF,\n"
                                            "intervju_fase3.txt,Rådmann Vest,rådmann,Vestvik kommune,\n",
                                            encoding="utf-8")
    assert not ingest_paths(small_db, [extra], user="anna").errors
    apply_code(small_db, "intervju_fase3.txt", 2, "kapasitet", user="anna")
    release_quote(small_db, "intervju_fase3.txt", 2, "kapasitet", user="anna")
    assert released_quotes(small_db, user="rolf", code="kapasitet", actor="rådmann")["pilot"].isna().all()

    at = open_page(PAGES[0], "rolf")
    at.selectbox(key="cell_actor").set_value("rådmann")
    at.selectbox(key="cell_code").set_value("kapasitet").run()
    shown = [d.value for d in at.dataframe if "Sitat" in d.value.columns]
    assert len(shown) == 1 and list(shown[0]["Sitat"]) == ["Vi mangler folk med planfaglig kompetanse."]
    row = shown[0].iloc[0]
    assert row["Pilot"] == "–" and row["Fase"] == "fase 3" and row["Aktør"] == "rådmann"
    assert "None" not in shown[0].to_string() and "nan" not in shown[0].to_string()


def test_resource_group_codebook_shows_no_small_numbers(small_db):
    at = open_page(PAGES[2], "rolf")
    assert not at.error
    codes = [d.value for d in at.dataframe if "Kode-ID" in d.value.columns][0].set_index("Kode-ID")
    assert codes.loc["kapasitet", "Segmenter"] == "<3" and codes.loc["kapasitet", "Kodinger"] == "<3"
    assert codes.loc["kapasitet", "Andel av alle segmenter"] == "<3"
    assert not [s for s in at.selectbox if s.label == "Koder"]
    page = rendered(at)
    for label in ROSTER_LABELS + ("anna", "bjorn"):
        assert label not in page, label


# ------------------------------------------------------------------- report authors, researchers

def open_cell(at: AppTest, actor: str, code: str, phase: str | None = None) -> AppTest:
    at.selectbox(key="cell_actor").set_value(actor)
    at.selectbox(key="cell_code").set_value(code)
    if phase:
        at.selectbox(key="cell_phase").set_value(phase)
    return at.run()


def quote_table(at: AppTest):
    found = [d.value for d in at.dataframe if "Sitat" in d.value.columns]
    assert len(found) == 1
    return found[0]


def test_report_author_reads_pseudonyms_not_labels(small_db):
    at = open_cell(open_page(PAGES[0], "rita"), "prosjektleder", "kapasitet")
    q = quote_table(at)
    expected = quotes(small_db, code="kapasitet", actor="prosjektleder", user="rita")
    assert sorted(q["Taler"]) == sorted(expected["speaker"]) and len(q) == 2
    assert all(re.fullmatch(r"Prosjektleder \d+", t) for t in q["Taler"])
    assert "reveal" not in [c.key for c in at.checkbox] and "release" not in [b.key for b in at.button]
    assert "Frigitt" not in q.columns
    page = rendered(at)
    for label in ROSTER_LABELS:
        assert label not in page, label


def test_researcher_reveal_shows_the_labels_and_is_audited(small_db):
    at = open_cell(open_page(PAGES[0], "kari"), "prosjektleder", "kapasitet")
    assert all(t.startswith("Prosjektleder") for t in quote_table(at)["Taler"])
    assert "PL Testbygd" not in rendered(at)
    at.checkbox(key="reveal").check().run()
    assert sorted(quote_table(at)["Taler"]) == ["PL Namdal", "PL Testbygd"]
    assert list_audit(small_db, user="kari", action="reveal", who="kari")


def test_researcher_releases_and_withdraws_a_quote_from_the_page(small_db):
    at = open_cell(open_page(PAGES[0], "kari"), "prosjektleder", "kapasitet", "fase 2")
    q = quote_table(at)
    assert list(q["Sitat"]) == ["Kapasiteten i kommunene er fortsatt liten."] and list(q["Frigitt"]) == ["nei"]
    pick = at.multiselect(key="release_pick")
    assert len(pick.options) == 1 and "Kapasiteten i kommunene" in pick.options[0]
    pick.select(small_q_segment(small_db))
    at.button(key="release").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    # the small project has few project leaders in the pilot: released, with the warning beside it
    [said] = [w.value for w in at.warning if "1 sitat frigitt for ressursgruppen" in w.value]
    assert "med aktøren «prosjektleder»" in said and "trekk det tilbake" in said
    stored = released_quotes(small_db, user="rolf", code="kapasitet", phase="fase 2")
    assert list(stored["text"]) == ["Kapasiteten i kommunene er fortsatt liten."]
    assert list(quote_table(at)["Frigitt"]) == ["ja"]

    rolf = open_cell(open_page(PAGES[0], "rolf"), "prosjektleder", "kapasitet", "fase 2")
    assert list(quote_table(rolf)["Sitat"]) == ["Kapasiteten i kommunene er fortsatt liten."]

    withdraw = at.multiselect(key="withdraw_pick")
    assert len(withdraw.options) == 1
    withdraw.select(int(stored["id"][0]))
    at.button(key="withdraw").click().run()
    assert not at.error and any("trukket tilbake" in s.value for s in at.success)
    assert released_quotes(small_db, user="rolf", code="kapasitet", phase="fase 2").empty


def small_q_segment(db) -> int:
    """The segment id of the fase 2 kapasitet quote (what the release multiselect offers)."""
    q = quotes(db, code="kapasitet", actor="prosjektleder", phase="fase 2", user="kari")
    return int(q["segment_id"][0])


# ---------------------------------------------------------------------- text is shown as text

def test_a_markdown_image_in_a_transcript_is_shown_as_text_on_the_coding_page(small_db):
    assert TRACKER in TRANSCRIPTS["fg_fase1.txt"]
    at = open_page(PAGES[1], "kari")
    at.selectbox(key="source").set_value("fg_fase1.txt")
    at.selectbox(key="turn_fg_fase1.txt").set_value(5)
    at.selectbox(key="code").set_value("kapasitet")
    at.button(key="apply").click().run()
    at.session_state["selected_coding"] = list_codings(small_db, coder="kari")[0].id
    at.run()  # the coding shown under "Valgt koding", its text as Markdown
    markdown = [m.value for kind in ("markdown", "caption") for m in getattr(at, kind)]
    holding = [m for m in markdown if "track" in m]
    assert len(holding) == 1  # (the text column is the textcoder component: text nodes, never HTML)
    for m in holding:
        assert "![" not in m and "](" not in m and "http://" not in m
        assert md_escape(TRACKER) in m and TRACKER in md_unescape(m)


@pytest.mark.parametrize("text", [
    TRACKER, "[lenke](http://x.no)", "http://x.no/a_b", "www.example.no", "kari@example.no", "<b>fet</b>",
    "**fet** _kursiv_ ~~strek~~", "# Overskrift", "1. liste", "> sitat", "| a | b |", "$x^2$", "&amp;",
    ":red[rød]", ":material/home:", "Tekst\n===", "`kode`", "\\*ikke kursiv\\*"])
def test_md_escape_leaves_no_markdown_and_reads_back_as_written(text):
    markdown_it = pytest.importorskip("markdown_it")

    escaped = md_escape(text)
    assert md_unescape(escaped) == text
    html = markdown_it.MarkdownIt("commonmark").enable(["table", "strikethrough"]).render(escaped)
    assert html.startswith("<p>") and html.count("<p>") == 1
    assert not re.search(r"<(?!/?p>)", html), html  # no element but the paragraph
    plain = escaped.replace("\\", "")  # what Streamlit's link and icon finders read
    assert not re.search(r"://|www\.|@(?!\u2060)|:material/", plain), plain


def test_a_permission_refusal_is_a_red_line_not_a_traceback(small_db):
    def script():
        import streamlit as st

        from workbench.access import login_required
        from workbench.analysis import quotes
        from workbench.ui.session import action, friendly_errors, get_db, show_flash

        login_required(True)
        db = get_db()
        with friendly_errors():
            quotes(db, code="kapasitet", user="rolf")
        st.button("Prøv", key="try", on_click=action, args=(quotes, db), kwargs=dict(code="kapasitet", user="rolf"))
        show_flash()

    at = AppTest.from_function(script, default_timeout=60).run()
    assert not at.exception
    assert [md_unescape(e.value) for e in at.error] == [
        "Ingen tilgang: rollen «ressursgruppe» kan ikke lese sitater. Be en forsker om tilgang."]
    at.button(key="try").click().run()
    assert not at.exception and len(at.error) == 2 and at.error[1].value == at.error[0].value


# --------------------------------------------------------------------------------- exports

def export_csv(at: AppTest, **boxes) -> str:
    at.radio(key="format").set_value("csv")
    for key, on in boxes.items():
        at.checkbox(key=key).set_value(on)
    at.button(key="build").click().run()
    if at.exception:  # a bug below the page (the app shows the traceback)
        raise RuntimeError(at.exception[0].value)
    assert not at.error, [e.value for e in at.error]
    data = at.session_state["export"]["tables"][1]
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return "\n".join(zf.read(n).decode("utf-8-sig") for n in zf.namelist())


def test_report_author_exports_for_the_resource_group(small_db):
    at = open_page(PAGES[3], "rita")
    assert "reveal" not in [c.key for c in at.checkbox]
    plain = export_csv(at, suppress=False)
    assert "<3" not in plain and "Kapasiteten i kommunene er fortsatt liten." in plain
    suppressed = export_csv(at, suppress=True)
    assert "<3" in suppressed
    assert "Kapasiteten i kommunene er fortsatt liten." not in suppressed  # not released
    assert "Vi mangler folk til å følge opp tiltakene." in suppressed      # released


def test_researcher_export_can_reveal_names(small_db):
    at = open_page(PAGES[3], "kari")
    assert "PL Testbygd" not in export_csv(at, reveal=False)
    assert "PL Testbygd" in export_csv(at, reveal=True)


# ------------------------------------------------------------- staying logged in across reloads

def cookie_scripts(at: AppTest) -> list[str]:
    """The scripts of the page that set or delete the ``workbench_login`` cookie."""
    return [node.proto.body for node in at._tree
            if getattr(node, "type", None) == "html" and "workbench_login=" in node.proto.body]


@pytest.fixture
def cookie(monkeypatch):
    """The ``workbench_login`` cookie a browser brings when a session begins: ``state["value"]``
    (AppTest cannot send cookies; ``st.context.cookies`` is read through session.login_cookie)."""
    state = {"value": None}
    monkeypatch.setattr(session, "login_cookie", lambda: state["value"])
    return state


def test_a_password_login_sets_the_cookie_and_a_reload_is_logged_in_without_the_form(small_db, cookie):
    from workbench.logins import user_for_login_token

    at = log_in_with_form(app().run(), "kari", USERS["kari"][1])
    token = at.session_state[session.TOKEN_KEY]
    assert user_for_login_token(small_db, token).name == "kari"
    [script] = cookie_scripts(at)
    assert f'"workbench_login={token}; Path=/; Max-Age=43200; SameSite=Strict"' in script
    assert "loc.protocol === 'https:' ? '; Secure'" in script
    assert [n for n in at.sidebar if getattr(n, "type", None) == "html"]  # in the sidebar, not the page

    cookie["value"] = token  # F5: a new session, which brings the cookie
    again = app().run()
    assert not again.exception and not again.error
    assert again.title[0].value == "Oversikt: temaer per aktør og fase" and again.dataframe
    assert not [t for t in again.text_input if t.label == "Passord"]
    assert "Innlogget som **kari** (forsker)" in [m.value for m in again.sidebar.markdown]
    assert again.session_state["login"] == {"name": "kari", "role": "researcher", "method": "token"}
    assert cookie_scripts(again) == []  # the browser has the cookie already
    assert [a.detail["method"] for a in list_audit(small_db, user="kari", action="login")] == ["password"]


def test_a_second_tab_at_a_page_address_opens_that_page_with_the_cookie(small_db, cookie):
    """/koding opened in a new tab is Koding, logged in by the cookie. (In a browser a rerun
    before the navigation lost the address and opened Oversikt; AppTest keeps the address over a
    rerun, so tests/test_browser.py checks that part.)"""
    from workbench.logins import issue_login_token

    cookie["value"] = issue_login_token(small_db, "kari")
    at = app()
    at._page_hash = calc_hash("koding")
    at.run()
    assert not at.exception and [t.value for t in at.title] == ["Koding"]
    assert navigation_titles(at) == ROLE_PAGES["researcher"]


@pytest.mark.parametrize("why", ["unknown", "expired", "disabled", "role"])
def test_a_refused_cookie_shows_the_form_and_deletes_the_cookie(small_db, cookie, why):
    from sqlalchemy import update

    from workbench.logins import issue_login_token
    from workbench.store import LoginToken
    from workbench.store.models import utcnow
    from workbench.users import set_role

    cookie["value"] = "ukjent-token-fra-en-annen-database" if why == "unknown" else issue_login_token(small_db, "rita")
    if why == "expired":
        with small_db.transaction("kari") as tx:
            tx.session.execute(update(LoginToken).values(expires_at=utcnow()))
    elif why == "disabled":
        disable_user(small_db, "rita", user="kari")
    elif why == "role":
        set_role(small_db, "rita", "resource_group", user="kari")
    at = app().run()
    assert_login_page_only(at)
    assert "login" not in at.session_state and not at.error
    assert [i.value for i in at.info] == ["Innloggingen har gått ut; logg inn igjen."]
    [script] = cookie_scripts(at)
    assert '"workbench_login=; Path=/; Max-Age=0; SameSite=Strict"' in script
    at.run()  # tried once per session: no second lookup, no second note
    assert_login_page_only(at)
    assert not at.info and cookie_scripts(at) == [script]


def test_logging_out_ends_the_token_and_deletes_the_cookie(small_db, cookie):
    from workbench.logins import issue_login_token, user_for_login_token

    token = cookie["value"] = issue_login_token(small_db, "rita")
    at = app().run()
    assert at.session_state["login"]["method"] == "token"
    at.sidebar.button(key="logout").click().run()
    assert_login_page_only(at)
    assert not at.info  # logged out, not "expired"
    assert user_for_login_token(small_db, token) is None
    [script] = cookie_scripts(at)
    assert "Max-Age=0" in script
    [event] = list_audit(small_db, user="kari", action="logout")
    assert (event.user, event.detail["method"]) == ("rita", "token")
    at.run()  # the session still "has" the cookie it began with: it does not log in again
    assert_login_page_only(at)

    log_in_with_form(at, "rita", USERS["rita"][1])  # logging in again in the same session
    new = at.session_state[session.TOKEN_KEY]
    assert new != token and user_for_login_token(small_db, new).name == "rita"
    assert [s for s in cookie_scripts(at) if f"workbench_login={new};" in s]
    at.sidebar.button(key="logout").click().run()
    assert_login_page_only(at)
    assert user_for_login_token(small_db, new) is None and len(cookie_scripts(at)) == 1


@pytest.mark.parametrize("how", ["password", "revoke", "other_tab"])
def test_a_revoked_token_logs_out_the_sessions_already_open(small_db, cookie, how):
    from workbench.logins import revoke_login_token, revoke_login_tokens
    from workbench.users import set_password

    at = log_in_with_form(app().run(), "rita", USERS["rita"][1])
    assert at.session_state["login"]["name"] == "rita" and at.dataframe
    token = at.session_state[session.TOKEN_KEY]
    cookie["value"] = token  # tab B, opened with the cookie
    tab_b = app().run()
    assert tab_b.session_state["login"]["method"] == "token"
    at.run()
    assert at.session_state["login"]["name"] == "rita"  # nothing changed: still logged in
    if how == "password":
        set_password(small_db, "rita", "et-nytt-passord-9", user="kari")
    elif how == "revoke":
        assert revoke_login_tokens(small_db, "rita", user="kari") == 1
    else:  # "Logg ut" in another tab
        assert revoke_login_token(small_db, token)
    for tab in (at, tab_b):
        tab.run()
        assert_login_page_only(tab)
        assert "login" not in tab.session_state and session.TOKEN_KEY not in tab.session_state
        assert [i.value for i in tab.info] == ["Du er logget ut (innloggingen har gått ut, eller passord, rolle eller innlogging er endret)."]
        assert [s for s in cookie_scripts(tab) if "Max-Age=0" in s]
        tab.run()  # the cookie the session began with is not tried again
        assert_login_page_only(tab)
