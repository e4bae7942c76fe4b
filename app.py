"""The workbench in the browser: `workbench serve` (or `streamlit run app.py`).

Pages live in views/ (not pages/, which Streamlit would also auto-discover as a second navigation); they call the library only (no SQL, no research logic). The database is
WORKBENCH_DB, else data/demo.db when it exists, else the library default.

Nobody sees data before logging in: every run switches the library to "a call without a known
user is refused", and a visitor gets only the login page. The navigation holds the pages the
logged-in user's role may use, so a page opened by its address that the role may not see is
never run. A password log-in is kept across reloads and tabs by the browser's ``workbench_login``
cookie (``workbench.logins``; ``ui.login.try_token``), until "Logg ut".
"""

import streamlit as st

from workbench.access import login_required
from workbench.errors import WorkbenchError
from workbench.ui import session
from workbench.ui.login import account_sidebar, login_page, try_sso, try_token
from workbench.ui.session import retention_warning

login_required(True)
st.set_page_config(page_title="Bygdevekst-arbeidsbenk", page_icon=":material/grid_view:", layout="wide")

# (file, title, icon, capability the role needs to see the page)
PAGES = [
    ("views/oversikt.py", "Oversikt", ":material/grid_view:", "view_aggregates"),
    ("views/koding.py", "Koding", ":material/edit_note:", "code"),
    ("views/sok.py", "Søk", ":material/search:", "view_transcripts"),
    ("views/kodebok.py", "Kodebok", ":material/menu_book:", "view_codebook"),
    # figures and the report file for report authors too; the disagreements only for researchers
    ("views/enighet.py", "Enighet", ":material/handshake:", "view_quotes"),
    ("views/eksport.py", "Eksport", ":material/download:", "export"),
    ("views/kilder.py", "Kilder", ":material/folder_open:", "ingest"),  # sources and «Endre metadata»
]
URL_PATHS = [file.split("/")[-1].removesuffix(".py") for file, *_ in PAGES]

db = session.get_db()
who = session.current_principal(db)
if who is None:  # a reload or a second tab: the login kept in the browser's cookie
    who = try_token(db)
if who is None:
    try_sso(db)
    # The login form answers at every page address, so /koding opened before logging in shows
    # the form and, after logging in, Koding (if the role may see it); any other address too.
    # The default page answers at "/" (url_path ""), so its name is one of those others.
    login = [st.Page(lambda: login_page(db), title="Logg inn", icon=":material/login:", url_path=path if i else "",
                     default=i == 0, visibility="visible" if i == 0 else "hidden")
             for i, path in enumerate(URL_PATHS)]
    asked = session.unanswered_address(login)
    if asked:
        login.append(st.Page(lambda: login_page(db), title="Logg inn", url_path=asked, visibility="hidden"))
    st.navigation(login, position="hidden").run()
    st.stop()

mine = [p for p in PAGES if who.can(p[3])]
allowed = [st.Page(file, title=title, icon=icon, default=i == 0, url_path=None if i else "")
           for i, (file, title, icon, capability) in enumerate(mine)]
# An address that is no page of this role (/nosuch, /koding for the resource group) opens the
# default page with a Norwegian note, not Streamlit's English "Page not found"; the default
# page's own name (/oversikt) opens it without one.
asked = session.unanswered_address(allowed)
if asked:
    allowed.append(session.unknown_address_page(asked, allowed[0], URL_PATHS[PAGES.index(mine[0])]))
navigation = st.navigation(allowed)
st.sidebar.markdown("**Bygdevekst-arbeidsbenk**  \nFølgeevaluering av bygdevekstavtaler")
account_sidebar(who, db)
if who.can("manage_data"):  # researchers: data past the date promised to participants
    retention_warning(db, who.name)
try:
    navigation.run()
except WorkbenchError as exc:  # a refusal or error the page did not catch: a red line, no traceback
    st.error(session.error_text(exc))
