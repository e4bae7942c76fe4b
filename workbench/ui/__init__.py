"""Helpers for the Streamlit pages: the cached database, the acting user, chart builders and
formatting. Streamlit is imported here and in the pages only; no SQL, no research logic."""
