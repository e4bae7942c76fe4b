"""Display helpers for the Enighet page: the agreement table and its colour scale."""

from __future__ import annotations

import pandas as pd

# (upper bound, band name, background colour): kappa/alpha below 0.4, 0.4-0.6, 0.6-0.8, above 0.8
BANDS = [(0.4, "svak", "#f4c7c3"), (0.6, "moderat", "#fce8b2"), (0.8, "god", "#d9ead3"),
         (float("inf"), "svært god", "#93c47d")]
COLUMNS = {"label": "Kode", "code": "Kode-ID", "units": "Enheter", "percent": "Prosent enige",
           "kappa": "Kappa", "alpha": "Alfa"}


def band(value) -> tuple[str, str] | None:
    """(name, colour) of a kappa or alpha value; None when the figure is undefined."""
    if value is None or pd.isna(value):
        return None
    for upper, name, colour in BANDS:
        if float(value) < upper:
            return name, colour
    return None  # pragma: no cover


def agreement_frame(result: dict) -> pd.DataFrame:
    """One row per code plus a first row "Alle koder" (overall), Norwegian headings.

    The "Nivå" column names the band of kappa (two coders) or alpha (more coders)."""
    rows = [{"label": "Alle koder", "code": "", **result["overall"]}] + list(result["codes"])
    df = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    key = "kappa" if len(result["coders"]) == 2 else "alpha"
    df["Nivå"] = [(band(v) or ("udefinert", ""))[0] for v in df[key]]
    df = df.rename(columns=COLUMNS)
    if len(result["coders"]) != 2:
        df = df.drop(columns=["Kappa"])
    return df


def styled(df: pd.DataFrame):
    """The table with the kappa/alpha cells coloured by band (a pandas Styler for st.dataframe)."""
    cols = [c for c in ("Kappa", "Alfa") if c in df.columns]

    def colour(v):
        b = band(v)
        return f"background-color: {b[1]}" if b else ""

    return (df.style.map(colour, subset=cols)
            .format({c: "{:.3f}" for c in cols + ["Prosent enige"]}, na_rep="–"))
