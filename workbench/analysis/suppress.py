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
1. **Primary suppression.** A cell is suppressed when it has coded segments from fewer than ``k``
   speakers (``segments > 0`` and ``speakers < k``), or when its whole group has fewer than ``k``
   speakers (``group_speakers < k``). Text without a speaker (documents, dialogue-conference
   notes) counts no speaker: a count resting on it alone (``speakers == 0``) is hidden as the
   group "(ukjent)" of such text is. A row with the optional column ``small_overlap`` true (a
   parent whose children's sum minus itself rests on fewer than ``k`` speakers:
   ``aggregate.parent_overlaps``) is primary too. In a small group every cell is suppressed, zeros included:
   "none of the two statsforvaltere mentioned X" discloses as much as "one of them did". A zero
   in a group of at least ``k`` speakers stays a visible 0 (and ``theme_matrix`` lists its row
   in every suppressed table, so that a missing row never tells a hidden cell from a zero).
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

   Known limits of a table on its own: a line whose only suppressed cell sits beside shown
   *zeros* only gets no complement, so that cell equals the public line total; two hidden zeros in
   a line whose total is shown are both known to be 0; other tables are not looked at; and
   ``group_segments`` itself gets no complementary suppression.

3. **The published tables together** (``protect_published``, project setting
   ``joint_suppression`` 1; by default each published table is suppressed on its own, which
   leaves hidden zeros provable across tables: docs/privacy.md). What the resource group sees is a
   family of tables (``analysis.aggregate.PUBLISHED_GROUPINGS``) that can be set against each
   other, so they are suppressed together: every cell is a sum of cells of the finest table, a
   hidden cell that is a linear combination of shown cells (in any of the tables, parents as the
   sum of their children) gets a complement, and so does one pinned to a single value because
   counts are never negative. ``suppress_matrix`` is for a table on its own, which the resource
   group never gets.

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
EXTRA_PRIMARY = "small_overlap"


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


def primary(segments, speakers, k: int):
    """The primary rule for counts (arrays or frames alike): coded segments from fewer than ``k``
    speakers, text without a speaker (``speakers == 0``) included."""
    return (segments > 0) & (speakers < k)


def _extra(df: pd.DataFrame) -> np.ndarray:
    """The optional column ``small_overlap`` (``aggregate.parent_overlaps``): a parent's cell
    whose children's sum minus itself rests on fewer than k speakers; hidden as a primary cell."""
    if EXTRA_PRIMARY not in df.columns:
        return np.zeros(len(df), dtype=bool)
    return df[EXTRA_PRIMARY].fillna(True).to_numpy(dtype=bool)


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

    supp = primary(seg, speakers, k) | small_group | _extra(out)

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

    return _blank(out, supp, small_group)


def _blank(out: pd.DataFrame, supp: np.ndarray, small_group: np.ndarray) -> pd.DataFrame:
    """Blank the suppressed rows' numbers (in place) and add the ``suppressed`` column."""
    mask = pd.Series(np.asarray(supp, dtype=bool), index=out.index)
    for c in COUNT_COLUMNS:
        if c in out.columns:
            out[c] = pd.to_numeric(out[c]).astype("Int64").mask(mask)
    if "share" in out.columns:
        out["share"] = pd.to_numeric(out["share"]).astype(float).mask(mask)
    if "group_segments" in out.columns:
        out["group_segments"] = (pd.to_numeric(out["group_segments"]).astype("Int64")
                                 .mask(pd.Series(np.asarray(small_group, dtype=bool), index=out.index)))
    out["suppressed"] = mask.to_numpy()
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


# ------------------------------------------------------------------ the published tables, jointly

_TOL = 1e-7
_LEVERAGE = 1e-3  # hiding a row of leverage below 1 - this keeps the row space (Sherman-Morrison)
_DEPENDENT = 1e-8  # above 1 - this it shrinks it by one direction; in between: a fresh SVD
_REFRESH = 100  # rank-one updates of (K'K)+ before a fresh SVD, against rounding


def protect_published(tables: dict[tuple[tuple[str, ...], tuple[str, ...]], pd.DataFrame], k: int = DEFAULT_K,
                      *, cube: Sequence[str] = ("actor", "phase", "pilot"),
                      exclude_column: str = "actor") -> dict[tuple[tuple[str, ...], tuple[str, ...]], pd.DataFrame]:
    """Suppress a family of published tables together, so that no number hidden in one of them
    can be worked out from all of them (``protect_published`` is what the resource group gets;
    ``suppress_matrix`` protects one table on its own).

    ``tables`` maps (grouping, excluded actors) to an unsuppressed theme matrix with
    ``group_speakers``, filled (every group x every code) and with every code: the grouping is a
    subset of ``cube`` in ``cube`` order, and ``(cube, ())`` (the finest table, nobody left out)
    must be there. Every cell of every table is then a sum of cells of that finest table: a table
    grouped coarser adds up groups, a table leaving out actors (``exclude_column`` values, e.g.
    the interviewers) leaves their groups out, and a parent code is taken to be the sum of its
    children. A cell is one unknown linear function of the finest cells, shared by every table
    that shows it (so it is hidden everywhere or nowhere).

    1. Primary: a cell with coded segments from fewer than k speakers (0 to k-1: text without a
       speaker counts none), or in a group of fewer than k speakers (zeros too), in any table
       that shows it.
    2. Exact recovery: a hidden primary cell whose function is a linear combination of the shown
       cells (row, column and table totals, other tables, parent = sum of children) is found with
       the null space of the shown cells; for each, the smallest shown non-zero cell of the
       combination (one in the same table first) is hidden too, and again until none is left.
       The combination is the least-norm one, f K+ = f (K'K)+ K' with K the shown cells (and the
       parent sums); (K'K)+ comes from one SVD, then follows each hidden cell by a rank-one
       update (Sherman-Morrison while the row space stays; a projection when it loses one
       direction, which also drops the cells no longer found), with a fresh SVD after
       ``_REFRESH`` updates or when a leverage is too close to call. The same cells are hidden
       as with an SVD every round (tests/test_suppress.py), in a few SVDs instead of one per
       complement (a million codings: about 50 s of CPU instead of 706 s).
    3. Recovery by counts never being negative: a hidden cell whose value is the only one the
       shown numbers allow (e.g. two hidden zeros whose line adds up to 0) is found by linear
       programming (the lowest and highest value it can take, parents at least each child and,
       where it holds, at most their sum); a primary one gets a further suppression from the
       constraints that pin it, and any other is treated as shown in step 2.

    Returns the tables with the ``suppress_matrix`` columns (``suppressed``; numbers blanked).
    The matrices are small (the codes of one code tree x the groups); BLAS runs them on one
    thread, which on a shared machine is many times faster than several threads contending.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - scikit-learn brings it
        import contextlib

        threadpool_limits = lambda limits: contextlib.nullcontext()  # noqa: E731
    with threadpool_limits(limits=1):
        return _protect_published(tables, k, cube=cube, exclude_column=exclude_column)


def _protect_published(tables, k, *, cube, exclude_column):
    from scipy import sparse
    from scipy.optimize import linprog

    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise WorkbenchError(f"k={k!r}: give the minimum number of speakers as a whole number >= 1 (e.g. k=3)")
    k = int(k)
    cube = tuple(cube)
    base = tables[(cube, ())]
    groups = base[list(cube)].drop_duplicates().reset_index(drop=True)
    groups["_g"] = np.arange(len(groups))
    n_groups = len(groups)
    keys = sorted(tables, key=lambda key: (-len(key[0]), len(key[1]), key))  # finest first

    fid_of: dict[tuple, int] = {}
    f_code: list[str] = []
    f_groups: list[tuple[int, ...]] = []
    f_value: list[float] = []
    f_sensitive: list[bool] = []
    f_tables: list[set] = []
    f_places: list[set] = []  # (table, group values) where the cell is shown
    row_fids: dict[tuple, np.ndarray] = {}
    for t, key in enumerate(keys):
        by, out = key
        df = tables[key]
        g = groups if not out else groups[~groups[exclude_column].astype(str).isin([str(a) for a in out])]
        if by:
            sets = {tuple(str(x) for x in (v if isinstance(v, tuple) else (v,))): tuple(sorted(sub["_g"]))
                    for v, sub in g.groupby(list(by), sort=False)}
            where = list(zip(*(df[c].astype(str) for c in by))) if len(df) else []
        else:
            sets = {(): tuple(sorted(g["_g"]))}
            where = [()] * len(df)
        speakers = pd.to_numeric(df["speakers"], errors="coerce").fillna(0).to_numpy(dtype=float)
        group_speakers = pd.to_numeric(df["group_speakers"], errors="coerce").to_numpy(dtype=float)
        segments = pd.to_numeric(df["segments"], errors="coerce").fillna(0).to_numpy(dtype=float)
        sensitive_rows = primary(segments, speakers, k) | ~(group_speakers >= k) | _extra(df)
        fids = np.empty(len(df), dtype=np.int64)
        for i, (code, vals) in enumerate(zip(df["code"], where)):
            cell = (code, sets.get(tuple(vals), ()))
            fid = fid_of.get(cell)
            if fid is None:
                fid = fid_of[cell] = len(f_code)
                f_code.append(code)
                f_groups.append(cell[1])
                f_value.append(segments[i])
                f_sensitive.append(False)
                f_tables.append(set())
                f_places.append(set())
            f_sensitive[fid] = f_sensitive[fid] or bool(sensitive_rows[i])
            f_tables[fid].add(t)
            f_places[fid].add((t, tuple(vals)))
            fids[i] = fid
        row_fids[key] = fids

    value = np.array(f_value, dtype=float)
    sensitive = np.array(f_sensitive, dtype=bool)
    hidden = sensitive.copy()
    known = np.zeros(len(f_code), dtype=bool)  # hidden, but pinned to one value by the others

    parent = {c: p for c, p in zip(base["code"], base["parent"]) if isinstance(p, str)}
    present = set(base["code"])

    def root(code: str) -> str:
        seen = set()
        while code in parent and parent[code] in present and code not in seen:
            seen.add(code)
            code = parent[code]
        return code

    where_g = {tuple(str(x) for x in row): g for row, g in zip(groups[list(cube)].itertuples(index=False),
                                                                 groups["_g"])}
    finest = pd.to_numeric(base["segments"], errors="coerce").fillna(0)
    truth = {(c, where_g[tuple(str(x) for x in row)]): float(v)
             for c, row, v in zip(base["code"], base[list(cube)].itertuples(index=False), finest)}
    trees: dict[str, list[int]] = {}
    for fid, code in enumerate(f_code):
        trees.setdefault(root(code), []).append(fid)

    for fids in trees.values():
        codes = list(dict.fromkeys(f_code[f] for f in fids))
        pos = {c: i for i, c in enumerate(codes)}
        n = len(codes) * n_groups
        F = np.zeros((len(fids), n))
        for r, f in enumerate(fids):
            F[r, [pos[f_code[f]] * n_groups + g for g in f_groups[f]]] = 1.0
        eq, ub = [], []
        for c in codes:
            kids = [x for x in codes if parent.get(x) == c]
            if not kids:
                continue
            for g in range(n_groups):
                row = np.zeros(n)
                row[pos[c] * n_groups + g] = 1.0
                for kid in kids:
                    row[pos[kid] * n_groups + g] = -1.0
                    le = np.zeros(n)  # a child never counts more than its parent
                    le[pos[kid] * n_groups + g], le[pos[c] * n_groups + g] = 1.0, -1.0
                    ub.append(le)
                eq.append(row)
                if truth.get((c, g), 0.0) <= sum(truth.get((kid, g), 0.0) for kid in kids):
                    ub.append(row)  # nor more than its children together (here it does not)
        struct = np.array(eq).reshape(-1, n)
        Fs = sparse.csr_matrix(F)
        upper = np.array(ub).reshape(-1, n)
        local = np.array(fids)
        vals = value[local]
        shares = [f_tables[f] for f in fids]
        places = [f_places[f] for f in fids]
        codes_of = [f_code[f] for f in fids]

        def beside(r, target) -> bool:
            """In a line with the target: the same table and code, one grouping value apart; or
            the same table and group, a parent, child or sibling code."""
            for t, v in places[r]:
                for t2, v2 in places[target]:
                    if t != t2:
                        continue
                    if codes_of[r] == codes_of[target] and sum(a != b for a, b in zip(v, v2)) == 1:
                        return True
                    if v == v2 and (parent.get(codes_of[r]) == codes_of[target] or parent.get(codes_of[target])
                                    in (codes_of[r], parent.get(codes_of[r]))):
                        return True
            return False

        def best(candidates, target):
            """The complement: non-zero first, in a line with the target, in a table of the
            target's, smallest, finest."""
            ranked = sorted(candidates, key=lambda r: (vals[r] == 0, not beside(r, target),
                                                       not (shares[r] & shares[target]), vals[r], local[r]))
            return ranked[0] if ranked else None

        def lp(objective, shown_rows):
            res = linprog(objective, A_ub=upper if len(upper) else None, b_ub=np.zeros(len(upper)) if len(upper)
                          else None, A_eq=F[shown_rows] if len(shown_rows) else None,
                          b_eq=vals[shown_rows] if len(shown_rows) else None, bounds=(0, None), method="highs")
            return res if res.status == 0 else None

        while True:
            # step 2: exact recovery by linear combination. One SVD of K = [struct; shown cells]
            # gives the row space and G+ = (K'K)+; hiding a shown cell a then changes G+ by a
            # rank-one update: Sherman-Morrison while a lies in the span of the other rows (its
            # leverage a'G+a is below 1: the row space, and so which cells are found, stays), a
            # projection when the row space loses one direction. After _REFRESH updates, or when a
            # leverage is too close to 1 to call, the SVD is made afresh.
            fresh = True
            while True:
                shown_rows = np.flatnonzero(~hidden[local] | known[local])
                test = np.flatnonzero(hidden[local] & sensitive[local] & ~known[local])
                if not len(test):
                    break
                if fresh:
                    K = np.vstack([struct, F[shown_rows]])
                    if len(K):  # the thin SVD: the row space is spanned by vt[:rank]
                        _, sv, vt = np.linalg.svd(K, full_matrices=False)
                        rank = int((sv > _TOL * max(1.0, sv[0])).sum())
                    else:
                        sv, vt, rank = np.zeros(0), np.zeros((0, n)), 0
                    # a cell is a combination of shown cells when it has nothing outside their row
                    # space; the 2-norm bound sqrt(null dim) * 1e-6 holds whenever every coordinate
                    # in an orthonormal basis of the null space is below 1e-6 (so nothing is missed)
                    basis = vt[:rank]
                    outside = F[test] - (F[test] @ basis.T) @ basis
                    found = test[np.linalg.norm(outside, axis=1) < 1e-6 * np.sqrt(max(1, n - rank))]
                    if not len(found):
                        break
                    gplus = (basis.T / sv[:rank] ** 2) @ basis  # (K'K)+
                    updates, fresh = 0, False
                # each found cell as a combination of the rows of K (least norm, f K+ = f G+ K'):
                # which shown cells it uses
                lam = Fs[shown_rows] @ (gplus @ F[found].T)
                added = []
                for r, coef in zip(found, lam.T):
                    used = [int(shown_rows[j]) for j in np.flatnonzero(np.abs(coef) > 1e-6)]
                    if added and any(hidden[local[j]] and not known[local[j]] for j in used):
                        continue  # its way in is already cut this round: look again next round
                    cand = [j for j in used if not hidden[local[j]]]
                    if not cand:  # given away by pinned cells only: hide a shown cell of its code
                        cand = [int(j) for j in shown_rows if f_code[local[j]] == f_code[local[r]]
                                and not hidden[local[j]]]
                    pick = best(cand, r)
                    if pick is not None and not hidden[local[pick]]:
                        hidden[local[pick]] = True
                        added.append(pick)
                if not added:
                    break
                for j in added:  # the hidden cells leave K
                    if known[local[j]]:
                        continue  # (pinned: still a row of K)
                    g = gplus @ F[j]  # = K+ e_j
                    left = 1.0 - float(F[j] @ g)  # 1 - leverage: 0 when no other row can make F[j]
                    if updates >= _REFRESH or _DEPENDENT <= left < _LEVERAGE:
                        fresh = True  # enough rounding, or too close to call: a fresh SVD
                        break
                    updates += 1
                    if left >= _LEVERAGE:  # the row space stays: Sherman-Morrison
                        gplus += np.outer(g, g) / left
                        continue
                    # the row space loses the direction g (orthogonal to every other row):
                    # (K'K)+ becomes Q G+ Q with Q the projection off g, and a found cell stays
                    # found when it has no part along g (kept when in doubt)
                    d = g / np.linalg.norm(g)
                    hd = gplus @ d
                    gplus += np.outer(d, d) * float(d @ hd) - np.outer(d, hd) - np.outer(hd, d)
                    found = found[np.abs(F[found] @ d) < 1e-6]
                if not fresh and not len(found):
                    break
            # step 3: values pinned by counts never being negative
            shown_rows = np.flatnonzero(~hidden[local] | known[local])
            # a zero inside a shown zero (nobody in the phase said it) says nothing of its own
            zero_sets: dict[str, list[set]] = {}
            for r in shown_rows:
                if vals[r] == 0:
                    zero_sets.setdefault(f_code[local[r]], []).append(set(f_groups[local[r]]))
            pending = [int(r) for r in np.flatnonzero(hidden[local] & ~known[local])
                       if not (vals[r] == 0 and any(set(f_groups[local[r]]) <= z
                                                     for z in zero_sets.get(f_code[local[r]], ())))]
            if not pending or lp(np.zeros(n), shown_rows) is None:
                break  # nothing hidden, or the constraints do not hold (then step 2 alone)
            free: set[int] = set()
            for sign in (-1.0, 1.0):  # raise every undecided cell at once, then lower them
                while True:
                    rest = [r for r in pending if r not in free and (sign < 0 or vals[r] > 0)]
                    if not rest:
                        break
                    res = lp(sign * F[rest].sum(axis=0), shown_rows)
                    if res is None:
                        break
                    x = res.x
                    moved = [r for r in rest if (F[r] @ x > vals[r] + 0.5 if sign < 0 else F[r] @ x < vals[r] - 0.5)]
                    if not moved:
                        break
                    free.update(moved)
            pinned = []
            for r in pending:
                if r in free:
                    continue
                res = lp(-F[r], shown_rows)
                if res is None or -res.fun > vals[r] + 0.5:  # (None: unbounded, as nothing holds it)
                    continue
                if vals[r] > 0:
                    low = lp(F[r], shown_rows)
                    if low is None or low.fun < vals[r] - 0.5:
                        continue
                pinned.append((r, res))
            changed = False
            for r, res in pinned:
                if not sensitive[local[r]]:
                    known[local[r]] = True  # as good as shown: step 2 counts it
                    changed = True
                    continue
                used = [int(shown_rows[j]) for j in np.flatnonzero(np.abs(res.eqlin.marginals) > 1e-9)]
                if changed and any(hidden[local[j]] and not known[local[j]] for j in used):
                    continue  # its certificate is already broken this round: look again next round
                cand = [j for j in used if not hidden[local[j]]]
                if not cand:  # the certificate rests on pinned cells only: hide a shown one of its code
                    cand = [int(j) for j in shown_rows if f_code[local[j]] == f_code[local[r]]
                            and not hidden[local[j]]]
                pick = best(cand, r)
                if pick is not None:
                    hidden[local[pick]] = True
                    changed = True
            if not changed:
                break

    out = {}
    for key, df in tables.items():
        fids = row_fids[key]
        res = df.copy()
        group_speakers = pd.to_numeric(res["group_speakers"], errors="coerce").to_numpy(dtype=float)
        out[key] = _blank(res, hidden[fids], ~(group_speakers >= k))
    return out
