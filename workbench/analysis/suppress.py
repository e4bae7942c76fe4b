"""Small-cell suppression for theme matrices shown to a restricted resource group (officials).

Officials may only see numbers that rest on at least ``k`` distinct speakers (``k = 3`` by
default), so that nothing they read can be traced back to what one or two identifiable people
said. ``suppress_matrix`` takes a ``theme_matrix`` frame (with the extra column
``group_speakers`` = distinct speakers among *all* segments of the group) and blanks what must
not be shown, following ordinary statistical-disclosure-control practice (primary suppression
of small cells, then secondary or *complementary* suppression so that the blanked values
cannot be worked out again from totals).

Rules
-----
1. **Primary suppression.** A cell is suppressed when ``0 < speakers < k``, or when its whole
   group has fewer than ``k`` speakers (``group_speakers < k``). In such a small group every cell
   is suppressed, zeros included: "none of the two statsforvaltere mentioned X" discloses as
   much as "one of them did". A zero in a group of at least ``k`` speakers stays a visible 0.
   ``group_segments`` (the share's denominator) is blanked where ``group_speakers < k``.
2. **Secondary (complementary) suppression.** The code totals over all groups are public in
   other tables, and a parent's count is shown beside its children, so a single blanked cell in
   a line whose total is known is recovered by subtraction (total minus the shown cells). Hence:

   * *Along each grouping dimension* ``d`` in ``by``: a *line* is the set of rows that share
     the code and the values of every other grouping column (with one grouping column the line
     is the whole code column). If a line holds exactly one suppressed cell and at least one
     shown non-zero cell, the shown non-zero cell with the smallest ``segments`` (ties: the
     first in row order) is suppressed as well. Two or more suppressed cells in a line leave
     the split between them unknown, so such a line needs nothing more.
   * *Hierarchy*: within one group (same values of every ``by`` column) the children of one
     parent form a line in the same way, as long as the parent row is present and shown.
   * The rules are applied repeatedly (each dimension in ``by`` order, then the hierarchy)
     until a full round suppresses nothing new, because a secondary suppression can leave
     another line with a single suppressed cell. This always ends: every round that goes on
     suppresses at least one more cell.

   With ``by == []`` (one row per code) there is no dimension to subtract along, so only the
   primary rule and the hierarchy rule apply.

   Known limits (kept on purpose, as specified): a line whose only suppressed cell sits beside
   shown *zeros* only gets no complement, so that cell equals the public line total; and
   ``group_segments`` itself gets no complementary suppression.

Dtypes of the result: ``segments``, ``speakers``, ``sources`` and ``group_segments`` become
nullable ``Int64`` (missing = ``pd.NA``) whether or not anything was suppressed, so downstream
code sees one dtype; ``share`` is ``float64`` (missing = ``NaN``); ``suppressed`` is ``bool``.
Every other column is left as it was. ``display_counts`` turns the suppressed cells into the
text ``"<k"`` for printed tables.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
import pandas as pd

from ..errors import WorkbenchError

DEFAULT_K = 3
COUNT_COLUMNS = ("segments", "speakers", "sources")
VALUE_COLUMNS = COUNT_COLUMNS + ("share",)


def suppressed_label(k: int = DEFAULT_K) -> str:
    """The text shown instead of a suppressed number: ``"<3"`` for ``k = 3``."""
    return f"<{k}"


SUPPRESSED_TEXT = suppressed_label(DEFAULT_K)


def _check(df: pd.DataFrame, by: list[str], k) -> int:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise WorkbenchError(f"k={k!r}: give the minimum number of speakers as a whole number >= 1 "
                             "(e.g. k=3)")
    need = list(by) + ["code", "segments", "speakers", "group_speakers"]
    missing = [c for c in need if c not in df.columns]
    if missing:
        raise WorkbenchError(
            f"cannot suppress: the matrix has no column(s) {', '.join(missing)}; pass a "
            f"theme_matrix frame with group_speakers and the same by={','.join(by) or '[]'}")
    if len(set(by)) != len(by):
        raise WorkbenchError(f"by={','.join(by)} names a grouping twice; name each once")
    dup = df.duplicated(list(by) + ["code"])
    if dup.any():
        row = df.loc[dup.idxmax(), list(by) + ["code"]].to_dict()
        raise WorkbenchError(f"cannot suppress: more than one row for {row}; give one row per "
                             f"({', '.join(list(by) + ['code'])})")
    return int(k)


def _line_ids(df: pd.DataFrame, cols: list[str]) -> np.ndarray:
    return df.groupby(cols, sort=False, dropna=False).ngroup().to_numpy(dtype=np.int64)


def _parent_positions(df: pd.DataFrame, by: list[str]) -> np.ndarray:
    """Row position of each row's parent within the same group; -1 when absent/top level."""
    pos = np.full(len(df), -1, dtype=np.int64)
    if "parent" not in df.columns:
        return pos
    has_parent = df["parent"].notna().to_numpy()
    if not has_parent.any():
        return pos
    child = df.loc[has_parent, by + ["parent"]].rename(columns={"parent": "code"})
    child["_child"] = np.flatnonzero(has_parent)
    rows = df[by + ["code"]].assign(_parent=np.arange(len(df)))
    hit = child.merge(rows, on=by + ["code"], how="inner")
    pos[hit["_child"].to_numpy()] = hit["_parent"].to_numpy()
    return pos


def _complement(line: np.ndarray, supp: np.ndarray, seg: np.ndarray, n_lines: int) -> bool:
    """One pass of the line rule; marks new suppressions in ``supp`` in place."""
    valid = line >= 0
    if n_lines == 0 or not valid.any():
        return False
    n_supp = np.bincount(line[valid & supp], minlength=n_lines)
    single = np.zeros(len(line), dtype=bool)
    single[valid] = n_supp[line[valid]] == 1
    cand = np.flatnonzero(single & ~supp & (seg > 0))
    if cand.size == 0:
        return False
    cand = cand[np.lexsort((cand, seg[cand], line[cand]))]  # by line, smallest, first in order
    first = np.ones(cand.size, dtype=bool)
    first[1:] = line[cand][1:] != line[cand][:-1]
    supp[cand[first]] = True
    return True


def suppress_matrix(df: pd.DataFrame, by: Sequence[str], k: int = DEFAULT_K) -> pd.DataFrame:
    """A copy of ``df`` (a theme matrix with ``group_speakers``) with cells resting on fewer than
    ``k`` speakers suppressed, plus complementary suppressions (see the module docstring).

    Adds a bool column ``suppressed``; in suppressed rows ``segments``, ``speakers``,
    ``sources`` (nullable ``Int64``) are ``pd.NA`` and ``share`` (``float64``) is ``NaN``;
    ``group_segments`` (``Int64``) is ``pd.NA`` where ``group_speakers < k``. ``sources``,
    ``share``, ``group_segments`` and ``parent`` are optional columns. The row order and index
    are kept.
    """
    by = [by] if isinstance(by, str) else list(by)
    k = _check(df, by, k)
    out = df.copy()
    n = len(out)
    speakers = pd.to_numeric(out["speakers"], errors="coerce").fillna(0).to_numpy(dtype=float)
    group_speakers = pd.to_numeric(out["group_speakers"], errors="coerce").to_numpy(dtype=float)
    small_group = ~(group_speakers >= k)  # a missing group size counts as small (fail closed)
    seg = pd.to_numeric(out["segments"], errors="coerce").fillna(0).to_numpy(dtype=float)

    supp = ((speakers > 0) & (speakers < k)) | small_group

    if n:
        dims = []
        for d in by:
            line = _line_ids(out, ["code"] + [b for b in by if b != d])
            dims.append((line, int(line.max()) + 1))
        parent_pos = _parent_positions(out, by)
        has_parent = parent_pos >= 0
        changed = True
        while changed:
            changed = False
            for line, n_lines in dims:
                changed |= _complement(line, supp, seg, n_lines)
            # children of a shown parent; the parent's row position serves as the line id
            hline = np.where(has_parent, parent_pos, -1)
            hline[has_parent] = np.where(supp[parent_pos[has_parent]], -1, parent_pos[has_parent])
            changed |= _complement(hline, supp, seg, n)

    mask = pd.Series(supp, index=out.index)
    for c in COUNT_COLUMNS:
        if c in out.columns:
            out[c] = pd.to_numeric(out[c]).astype("Int64").mask(mask)
    if "share" in out.columns:
        out["share"] = pd.to_numeric(out["share"]).astype(float).mask(mask)
    if "group_segments" in out.columns:
        out["group_segments"] = (pd.to_numeric(out["group_segments"]).astype("Int64")
                                 .mask(pd.Series(small_group, index=out.index)))
    out["suppressed"] = supp
    return out


def display_counts(df: pd.DataFrame, k: int = DEFAULT_K) -> pd.DataFrame:
    """A copy of a ``suppress_matrix`` result for printing: suppressed cells in segments,
    speakers, sources and share read ``"<k"`` (those columns become ``object``); every other
    cell is unchanged."""
    if "suppressed" not in df.columns:
        raise WorkbenchError("display_counts needs a suppress_matrix result (no 'suppressed' "
                             "column); call suppress_matrix(df, by, k) first")
    out = df.copy()
    mask = out["suppressed"].fillna(True).astype(bool)
    text = suppressed_label(k)
    for c in VALUE_COLUMNS:
        if c in out.columns:
            out[c] = out[c].astype(object).where(~mask, text)
    return out
