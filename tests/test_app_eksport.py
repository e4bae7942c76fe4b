"""The Eksport page (AppTest): a download is offered only for the options it was made with."""

from __future__ import annotations

import pytest

from tests.app_fixtures import open_page, rendered, small_db  # noqa: F401 (a fixture)

PAGE = "views/eksport.py"




def downloads(at) -> list[str]:
    return [b.label for b in at.get("download_button")]


def made_export(user: str = "rita"):
    at = open_page(PAGE, user)
    at.radio(key="format").set_value("xlsx")
    at.button(key="build").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert downloads(at)[0] == "Last ned tabellene (Excel (xlsx))" and at.get("image")
    return at


def test_ticking_suppression_after_an_export_offers_no_download_of_the_old_file(small_db):
    at = made_export()
    at.checkbox(key="suppress").check().run()
    assert not at.exception
    # the unsuppressed file and its pictures are gone: nothing to download, nothing to look at
    assert downloads(at) == [] and not at.get("image")
    assert "Valgene er endret" in rendered(at) and "Lag eksport" in rendered(at)
    at.run()  # still nothing on the next run
    assert downloads(at) == []
    # made again, the download is the suppressed one
    at.button(key="build").click().run()
    assert not at.exception and not at.error
    assert downloads(at)[0] == "Last ned tabellene (Excel (xlsx))"
    assert at.session_state["export"]["options"]["suppress"] is True
    assert "Valgene er endret" not in rendered(at)


@pytest.mark.parametrize("change", ["coder", "include_researchers", "format"])
def test_any_changed_option_withdraws_the_download(small_db, change):
    at = made_export("kari")
    if change == "coder":
        at.selectbox(key="coder").set_value("bjorn").run()
    elif change == "format":
        at.radio(key="format").set_value("csv").run()
    else:
        at.checkbox(key=change).check().run()
    assert not at.exception
    assert downloads(at) == [] and not at.get("image")
    assert "Valgene er endret" in rendered(at)


def test_unchanged_options_keep_the_download(small_db):
    at = made_export()
    at.run()
    assert downloads(at)[0] == "Last ned tabellene (Excel (xlsx))"
    assert "Valgene er endret" not in rendered(at)


def test_the_suppression_help_names_the_projects_k(small_db):
    from workbench.sharing import set_setting

    set_setting(small_db, "min_cell_speakers", 5, user="kari")
    help_text = open_page(PAGE, "rita").checkbox(key="suppress").help
    assert "færre enn 5 personer" in help_text and "«<5»" in help_text
    assert "3" not in help_text


def test_forget_lists_an_app_export_as_downloaded_not_by_its_temporary_folder(small_db):
    """The page builds the files in a temporary folder, deleted right after (they went to the
    user's downloads): the audit keeps the file's name and that it came from the app, so that
    forget lists «tabeller.xlsx (export_tables, lastet ned fra appen av kari, ...)», not a
    /tmp path that never existed for the user."""
    from workbench.lifecycle import forget

    made_export("kari")
    report = forget(small_db, "PL Testbygd", user="kari")
    files = [c["file"] for c in report.earlier_copies]
    assert files and files[0] == "tabeller.xlsx", files
    assert all("/" not in f for f in files)
    assert {(c["via"], c["user"]) for c in report.earlier_copies} == {("app", "kari")}
    assert "  tabeller.xlsx (export_tables, lastet ned fra appen av kari, " in report.summary()
