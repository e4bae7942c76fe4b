"""The workbench in the browser: `workbench serve` (or `streamlit run app.py`).

Pages live in views/ (not pages/, which Streamlit would also auto-discover as a second navigation); they call the library only (no SQL, no research logic). The database is
WORKBENCH_DB, else data/demo.db when it exists, else the library default.
"""

import streamlit as st

from workbench.ui.session import display_url, get_db, user_input

st.set_page_config(page_title="Bygdevekst-arbeidsbenk", page_icon=":material/grid_view:", layout="wide")

PAGES = [
    st.Page("views/oversikt.py", title="Oversikt", icon=":material/grid_view:", default=True),
    st.Page("views/koding.py", title="Koding", icon=":material/edit_note:"),
    st.Page("views/kodebok.py", title="Kodebok", icon=":material/menu_book:"),
    st.Page("views/eksport.py", title="Eksport", icon=":material/download:"),
]

navigation = st.navigation(PAGES)
st.sidebar.markdown("**Bygdevekst-arbeidsbenk**  \nFølgeevaluering av bygdevekstavtaler")
user_input()
st.sidebar.caption(f"Database: `{display_url(get_db())}`")
navigation.run()
