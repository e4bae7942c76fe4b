"""Formatting for display: code titles, percentages, Norwegian column names, zip of files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Iterable

import pandas as pd

ALL_PHASES = "Alle faser"
ALL_PILOTS = "Alle piloter"
ALL_GROUPS = "Alle hovedtemaer"
ALL_CODERS = "Alle kodere"
CONSENSUS = "Konsensus (minst to kodere)"

QUOTE_HEADINGS = {"source": "Kilde", "position": "Posisjon", "actor": "Aktør", "phase": "Fase",
                  "pilot": "Pilot", "text": "Sitat"}


def code_title(label: str, level: int) -> str:
    """A code label indented by its level, so children read as part of their parent."""
    try:
        level = int(level)
    except (TypeError, ValueError):
        level = 0
    return ("– " * level) + str(label)


def percent(value) -> str:
    if value is None or pd.isna(value):
        return ""
    return f"{float(value) * 100:.0f} %"


def coder_value(choice: str) -> str | None:
    """The library's coder filter for a selectbox choice."""
    if choice == ALL_CODERS:
        return None
    if choice == CONSENSUS:
        return "consensus"
    return choice


def share_table(matrix: pd.DataFrame, *, index: str = "actor") -> pd.DataFrame:
    """Wide display table: one row per actor (and phase), one column per code, share as %."""
    if matrix.empty:
        return pd.DataFrame()
    df = matrix.copy()
    df["Kode"] = [code_title(lbl, lvl) for lbl, lvl in zip(df["label"], df["level"])]
    rows = [index] + (["phase"] if "phase" in df.columns and index != "phase" else [])
    wide = df.pivot_table(index=rows, columns="Kode", values="share", aggfunc="first", sort=False)
    wide = wide.map(percent)
    wide.index = wide.index.set_names({"actor": "Aktør", "phase": "Fase"})
    wide.columns.name = None
    return wide.reset_index()


def quote_view(q: pd.DataFrame) -> pd.DataFrame:
    """The quotes of a cell for the overview: actor, never the speaker label or organisation."""
    return q[[c for c in QUOTE_HEADINGS if c in q.columns]].rename(columns=QUOTE_HEADINGS)


def zip_files(files: Iterable[Path]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for f in files:
            zf.write(f, arcname=Path(f).name)
    return buf.getvalue()



def turn_position(turn: dict) -> str:
    """hh:mm:ss for timed turns, else the page or "avsnitt N" (a ``list_turns`` row)."""
    from ..analysis import format_position

    return format_position(turn.get("start_time"), turn["index"], turn.get("page"))
