"""Small-cell suppression of theme matrices (workbench.analysis.suppress).

Every case is a hand-built matrix whose expected outcome is written out in the test, so a change
in the rules shows up as a failing assertion rather than a silently different table."""

from __future__ import annotations

import pandas as pd
import pytest

from workbench.analysis.suppress import (SUPPRESSED_TEXT, display_counts, suppress_matrix,
                                         suppressed_label)
from workbench.errors import WorkbenchError

VALUES = ["segments", "speakers", "sources", "share"]


def matrix(rows, by, group_speakers=10, group_segments=100):
    """rows: (*group values, code, segments, speakers[, parent]); sources = speakers,
    share = segments / group_segments. group_speakers/group_segments: one number for every
    group, or a dict keyed by the group value (single grouping) / tuple of values."""
    recs = []
    for r in rows:
        g, (code, seg, spk, *rest) = r[:len(by)], r[len(by):]
        key = g[0] if len(g) == 1 else tuple(g)
        gs = group_speakers[key] if isinstance(group_speakers, dict) else group_speakers
        gn = group_segments[key] if isinstance(group_segments, dict) else group_segments
        parent = rest[0] if rest else None
        recs.append({**dict(zip(by, g)), "code": code, "label": code.upper(), "segments": seg,
                     "speakers": spk, "sources": spk, "share": seg / gn, "group_segments": gn,
                     "level": code.count("."), "is_parent": False, "parent": parent,
                     "group_speakers": gs})
    df = pd.DataFrame(recs)
    df["is_parent"] = df["code"].isin(df["parent"].dropna())
    return df


def flags(out, by):
    """{(*group values, code): suppressed} for readable expectations."""
    return {tuple(r[c] for c in by + ["code"]): bool(r["suppressed"]) for _, r in out.iterrows()}


def suppressed_keys(out, by):
    return {k for k, v in flags(out, by).items() if v}


def unknown_per_line(original, out, line_cols):
    """For every line (rows sharing line_cols): how many cells are unknown, and what the public
    total minus the shown cells leaves for them. Returns a list of (n_unknown, remainder)."""
    res = []
    for _, line in original.groupby(line_cols, sort=False):
        idx = line.index
        total = original.loc[idx, "segments"].sum()
        shown = out.loc[idx, "segments"]
        res.append((int(shown.isna().sum()), int(total - shown.dropna().sum())))
    return res


# ------------------------------------------------------------------------------ primary rule

def test_one_and_two_speaker_cells_are_suppressed_and_blank():
    """by=[] (code frequencies over everything, a group of 10 speakers): code a rests on 1
    speaker and b on 2, so both are suppressed and their segments, speakers, sources and share
    are missing; c has exactly k = 3 speakers and is shown; d is a zero and stays 0. No
    dimension to subtract along and no parents, so nothing else is suppressed."""
    df = matrix([("a", 4, 1), ("b", 6, 2), ("c", 5, 3), ("d", 0, 0)], [])
    before = df.copy()
    out = suppress_matrix(df, [])
    assert list(out["suppressed"]) == [True, True, False, False]
    for c in VALUES:
        assert out[c].iloc[:2].isna().all(), c
    assert list(out["segments"].iloc[2:]) == [5, 0]
    assert list(out["speakers"].iloc[2:]) == [3, 0]
    assert out["share"].iloc[2] == pytest.approx(0.05)
    assert str(out["segments"].dtype) == "Int64" and str(out["sources"].dtype) == "Int64"
    assert out["share"].dtype == "float64" and out["suppressed"].dtype == bool
    assert list(out["group_segments"]) == [100] * 4  # the group has 10 speakers: shown
    assert list(out["label"]) == ["A", "B", "C", "D"]
    pd.testing.assert_frame_equal(df, before)  # the input is not modified



def test_a_count_from_text_without_a_speaker_is_suppressed_at_any_size():
    """by=[phase], a phase of 10 speakers: code a is applied only in conference notes (2
    segments, 0 speakers) and code b likewise in 7 segments; both rest on fewer than k people, as
    the notes' own group «Dokument / notater» does, so both are hidden. c (3 speakers) is shown."""
    from workbench.analysis.suppress import protect_published

    df = matrix([("fase 1", "a", 2, 0), ("fase 1", "b", 7, 0), ("fase 1", "c", 5, 3)], ["phase"])
    assert list(suppress_matrix(df, ["phase"])["suppressed"]) == [True, True, False]
    cells = {("A", "fase 1", "P"): (2, 0), ("B", "fase 1", "P"): (6, 4)}
    out = protect_published(family(cells, {("A", "fase 1", "P"): 5, ("B", "fase 1", "P"): 5}), 3)
    assert out[(("actor", "phase"), ())]["suppressed"].tolist() == [True, True]

def test_small_group_is_suppressed_entirely_including_zeros():
    """by=[actor]: actor A has only 2 speakers in total, so every A cell is suppressed, the
    zero for code y included ("neither of the two mentioned y" discloses too), and A's
    group_segments is blanked. B and C have 10 and 8 speakers.
    Line x: A is suppressed, so the smallest shown non-zero x (B, 5 < 7) is suppressed too.
    Line y: A's zero is the one suppressed cell, C (4) the only shown non-zero -> suppressed.
    B's y zero in a big group stays 0."""
    df = matrix([("A", "x", 3, 2), ("A", "y", 0, 0),
                 ("B", "x", 5, 4), ("B", "y", 0, 0),
                 ("C", "x", 7, 5), ("C", "y", 4, 3)], ["actor"],
                group_speakers={"A": 2, "B": 10, "C": 8},
                group_segments={"A": 12, "B": 40, "C": 30})
    out = suppress_matrix(df, ["actor"])
    assert flags(out, ["actor"]) == {("A", "x"): True, ("A", "y"): True, ("B", "x"): True,
                                     ("B", "y"): False, ("C", "x"): False, ("C", "y"): True}
    a = out[out["actor"] == "A"]
    for c in VALUES + ["group_segments"]:
        assert a[c].isna().all(), c
    assert out.loc[out["actor"] != "A", "group_segments"].tolist() == [40, 40, 30, 30]
    b_y = out[(out["actor"] == "B") & (out["code"] == "y")].iloc[0]
    assert b_y["segments"] == 0 and b_y["share"] == 0.0
    assert str(out["group_segments"].dtype) == "Int64"


def test_zero_in_a_big_group_stays_zero():
    """by=[actor], both groups have >= 3 speakers and every non-zero cell has >= 3 speakers:
    nothing is suppressed, zeros stay a visible 0 (not missing)."""
    df = matrix([("A", "x", 0, 0), ("A", "y", 6, 3),
                 ("B", "x", 5, 4), ("B", "y", 0, 0)], ["actor"], group_speakers=3)
    out = suppress_matrix(df, ["actor"])
    assert not out["suppressed"].any()
    assert out["segments"].tolist() == [0, 6, 5, 0]
    assert out["share"].tolist() == [0.0, 0.06, 0.05, 0.0]
    assert out["segments"].notna().all() and out["group_segments"].notna().all()


# ----------------------------------------------------------------------- secondary suppression

def test_single_primary_gets_complement_on_smallest_nonzero_and_is_not_recoverable():
    """by=[actor], one code: A (2 segments, 1 speaker) is the only primary suppression in the
    column. The complement is the shown non-zero cell with the smallest *segments*: C (4),
    not E (6, though E has fewer speakers) and not D (a zero). The public column total (21)
    minus the shown cells (9 + 0 + 6) leaves 6 for two unknown cells, so A's 2 cannot be
    worked out."""
    df = matrix([("A", "k", 2, 1), ("B", "k", 9, 4), ("C", "k", 4, 4), ("D", "k", 0, 0),
                 ("E", "k", 6, 3)], ["actor"])
    out = suppress_matrix(df, ["actor"])
    assert out["suppressed"].tolist() == [True, False, True, False, False]
    total = df["segments"].sum()
    shown = out["segments"]
    remainder = total - shown.dropna().sum()
    assert shown.isna().sum() >= 2
    assert remainder == 6 and remainder != df["segments"].iloc[0]


def test_without_complement_the_cell_would_be_recoverable():
    """The counter-check of the previous case: blanking only the primary cell leaves one unknown,
    and total minus shown gives back exactly A's value; suppress_matrix never leaves such a
    line (checked on the same data)."""
    df = matrix([("A", "k", 2, 1), ("B", "k", 9, 4), ("C", "k", 4, 4)], ["actor"])
    naive = df["segments"].where(df["speakers"] >= 3)
    assert df["segments"].sum() - naive.dropna().sum() == 2  # recovered: the leak
    out = suppress_matrix(df, ["actor"])
    assert unknown_per_line(df, out, ["code"]) == [(2, 6)]


def test_ties_take_the_first_row_and_full_lines_need_nothing():
    """Line x: A is suppressed, B and C tie on 4 segments -> the first in row order (B).
    Line y: two primary suppressions already (A, B): nothing more, C stays shown."""
    df = matrix([("A", "x", 1, 1), ("A", "y", 2, 1),
                 ("B", "x", 4, 3), ("B", "y", 2, 2),
                 ("C", "x", 4, 4), ("C", "y", 3, 3)], ["actor"])
    out = suppress_matrix(df, ["actor"])
    assert suppressed_keys(out, ["actor"]) == {("A", "x"), ("B", "x"), ("A", "y"), ("B", "y")}


def test_hierarchy_complement_among_siblings_under_a_shown_parent():
    """by=[] (no dimension rule). Parent p (20 segments, 8 speakers) is shown beside its children;
    p.a has 2 speakers -> primary; the smallest shown non-zero sibling p.b (5 < 9) is suppressed
    too. q (1 speaker, top level, no siblings) is suppressed without a complement. The children
    s.a/s.b have no parent row in the table, so s.a's suppression needs no sibling."""
    df = matrix([("p", 20, 8), ("p.a", 3, 2, "p"), ("p.b", 5, 4, "p"), ("p.c", 9, 6, "p"),
                 ("q", 2, 1), ("s.a", 1, 1, "s"), ("s.b", 7, 5, "s")], [])
    out = suppress_matrix(df, [])
    assert flags(out, []) == {("p",): False, ("p.a",): True, ("p.b",): True, ("p.c",): False,
                              ("q",): True, ("s.a",): True, ("s.b",): False}


def test_hierarchy_works_within_each_group_and_with_the_dimension_rule():
    """by=[actor], parent p with children p.x, p.y in three groups of 10 speakers.
    A's p.y (1 speaker) is primary. Dimension rule, line p.y: smallest shown non-zero is B (3).
    Hierarchy in group A: p shown, p.y the only suppressed child -> p.x(A) suppressed; in group
    B likewise p.x(B). Lines p.x and p.y then hold two suppressed cells each; C and the parent
    rows stay shown. (Hierarchy lines never mix groups: C is untouched.)"""
    df = matrix([("A", "p", 10, 5), ("A", "p.x", 6, 4, "p"), ("A", "p.y", 4, 1, "p"),
                 ("B", "p", 8, 5), ("B", "p.x", 5, 4, "p"), ("B", "p.y", 3, 3, "p"),
                 ("C", "p", 12, 6), ("C", "p.x", 7, 5, "p"), ("C", "p.y", 5, 4, "p")], ["actor"])
    out = suppress_matrix(df, ["actor"])
    assert suppressed_keys(out, ["actor"]) == {("A", "p.x"), ("A", "p.y"),
                                               ("B", "p.x"), ("B", "p.y")}


def test_hierarchy_needs_a_shown_parent():
    """by=[actor]. A's parent p has 2 speakers -> primary (so is A's p.x). Line p: the smallest
    shown other parent is B (8 < 12) -> B's p is suppressed. Line p.x: B (4 < 6) is suppressed.
    In group B the parent is now suppressed, so B's children form no line: p.x(B) is the only
    suppressed child but its sibling p.y(B) stays shown (nothing is subtracted from a hidden
    parent, and line p.y has no suppressed cell)."""
    df = matrix([("A", "p", 2, 2), ("A", "p.x", 2, 2, "p"), ("A", "p.y", 0, 0, "p"),
                 ("B", "p", 8, 4), ("B", "p.x", 4, 3, "p"), ("B", "p.y", 5, 3, "p"),
                 ("C", "p", 12, 6), ("C", "p.x", 6, 4, "p"), ("C", "p.y", 7, 4, "p")], ["actor"])
    out = suppress_matrix(df, ["actor"])
    assert suppressed_keys(out, ["actor"]) == {("A", "p"), ("A", "p.x"), ("B", "p"), ("B", "p.x")}


def test_two_dimensions_need_a_second_round():
    """by=[actor, phase], one code, 3 x 3 cells (segments/speakers):

             fase 1  fase 2  fase 3
        A     2/1     4/3     8/4
        B     3/3     9/5     5/3
        C     6/4     7/4     6/3

    A1 is primary. Round 1, lines per phase: fase 1 -> B1 (3 < 6). Lines per actor: A -> A2
    (4 < 8), B -> B3 (5 < 9). That leaves fase 2 with only A2 and fase 3 with only B3
    suppressed, so round 2 adds C2 (7 < 9) and C3 (6 < 8); then every row and column holds two
    suppressed cells. A single pass would stop before C2/C3 and leave A2 and B3 recoverable."""
    by = ["actor", "phase"]
    grid = {"A": [(2, 1), (4, 3), (8, 4)], "B": [(3, 3), (9, 5), (5, 3)],
            "C": [(6, 4), (7, 4), (6, 3)]}
    df = matrix([(a, f"fase {i + 1}", "c", s, p) for a, cells in grid.items()
                 for i, (s, p) in enumerate(cells)], by)
    out = suppress_matrix(df, by)
    assert suppressed_keys(out, by) == {("A", "fase 1", "c"), ("A", "fase 2", "c"),
                                        ("B", "fase 1", "c"), ("B", "fase 3", "c"),
                                        ("C", "fase 2", "c"), ("C", "fase 3", "c")}
    for line in (["code", "phase"], ["code", "actor"]):
        assert all(n == 2 for n, _ in unknown_per_line(df, out, line)), line


def test_k_is_configurable():
    """k=5: cells with 3 and 4 speakers are suppressed, 5 is shown; a group of 4 speakers is
    blanked entirely. With the default k=3 the same first frame shows everything."""
    df = matrix([("a", 6, 3), ("b", 7, 4), ("c", 8, 5)], [])
    assert suppress_matrix(df, [], k=5)["suppressed"].tolist() == [True, True, False]
    assert not suppress_matrix(df, [])["suppressed"].any()
    small = suppress_matrix(matrix([("a", 9, 4), ("b", 0, 0)], [], group_speakers=4), [], k=5)
    assert small["suppressed"].all() and small["group_segments"].isna().all()
    assert suppress_matrix(matrix([("a", 9, 4)], [], group_speakers=4), [])["group_segments"].tolist() == [100]


def test_display_counts_text():
    """Suppressed cells read "<k" in segments/speakers/sources/share; shown cells keep their
    numbers and other columns (label, group_segments) are unchanged."""
    assert suppressed_label(3) == SUPPRESSED_TEXT == "<3" and suppressed_label(5) == "<5"
    df = matrix([("a", 4, 1), ("b", 5, 3)], [])
    shown = display_counts(suppress_matrix(df, []))
    assert shown.loc[0, VALUES].tolist() == ["<3"] * 4
    assert shown.loc[1, ["segments", "speakers", "sources"]].tolist() == [5, 3, 3]
    assert shown.loc[1, "share"] == pytest.approx(0.05)
    assert shown["label"].tolist() == ["A", "B"] and shown["group_segments"].tolist() == [100, 100]
    five = display_counts(suppress_matrix(df, [], k=5), k=5)
    assert five.loc[1, "segments"] == "<5" and five.loc[0, "share"] == "<5"


def test_bad_input_is_refused_with_a_message():
    """A matrix without group_speakers (or a bad k) is refused, not silently shown."""
    df = matrix([("a", 4, 1)], []).drop(columns=["group_speakers"])
    with pytest.raises(WorkbenchError, match="group_speakers"):
        suppress_matrix(df, [])
    with pytest.raises(WorkbenchError, match="k=0"):
        suppress_matrix(matrix([("a", 4, 1)], []), [], k=0)
    with pytest.raises(WorkbenchError, match="suppress_matrix"):
        display_counts(matrix([("a", 4, 1)], []))


def test_empty_matrix():
    """No rows (e.g. a filter matched nothing): an empty result with the new column."""
    df = matrix([("A", "a", 4, 1)], ["actor"]).iloc[0:0]
    out = suppress_matrix(df, ["actor"])
    assert out.empty and out["suppressed"].dtype == bool


# --------------------------------------------------------- the published tables, suppressed together

def family(cells, group_speakers):
    """The published tables from cube cells {(actor, phase, pilot): (segments, speakers)} of one
    code "x" (speakers of different cells taken as different people) and the group sizes
    {(actor, phase, pilot): speakers}: the cube, actor x phase, phase and the total."""
    from workbench.analysis.aggregate import PUBLISHED_GROUPINGS

    cube = ("actor", "phase", "pilot")
    out = {}
    for by in PUBLISHED_GROUPINGS:
        sums: dict[tuple, list[int]] = {}
        for g, (seg, spk) in cells.items():
            key = tuple(v for d, v in zip(cube, g) if d in by)
            acc = sums.setdefault(key, [0, 0, 0])
            acc[0], acc[1], acc[2] = acc[0] + seg, acc[1] + spk, acc[2] + group_speakers[g]
        rows = [(*key, "x", seg, spk) for key, (seg, spk, _) in sums.items()]
        sizes = {(key[0] if len(key) == 1 else key): gs for key, (_, _, gs) in sums.items()}
        out[(by, ())] = matrix(rows, list(by), group_speakers=sizes if by else next(iter(sizes.values())))
    return out


def test_published_tables_hide_a_complement_for_two_hidden_zeros():
    """Phase 1, one pilot: A (9 segments, 5 speakers), B and C (zeros, groups of 2 speakers).
    Alone, the actor x phase line holds two hidden cells and needs nothing more, but its total
    (the phase, 9) is published: B + C = 9 - 9 = 0, and counts are never negative, so both are
    0. Together, A is hidden as well (A + B + C = 9 then says nothing of B or C)."""
    from workbench.analysis.suppress import protect_published

    cells = {("A", "fase 1", "P"): (9, 5), ("B", "fase 1", "P"): (0, 0), ("C", "fase 1", "P"): (0, 0)}
    tables = family(cells, {("A", "fase 1", "P"): 5, ("B", "fase 1", "P"): 2, ("C", "fase 1", "P"): 2})
    alone = suppress_matrix(tables[(("actor", "phase"), ())], ["actor", "phase"])
    assert flags(alone, ["actor", "phase"]) == {("A", "fase 1", "x"): False, ("B", "fase 1", "x"): True,
                                               ("C", "fase 1", "x"): True}
    out = protect_published(tables, 3)
    assert flags(out[(("actor", "phase"), ())], ["actor", "phase"]) == {
        ("A", "fase 1", "x"): True, ("B", "fase 1", "x"): True, ("C", "fase 1", "x"): True}
    assert not out[(("phase",), ())]["suppressed"].any()  # the phase total stays
    # each cell is hidden in every table that shows it: the cube repeats actor x phase here
    assert out[(("actor", "phase", "pilot"), ())]["suppressed"].tolist() == [True, True, True]


def test_published_tables_hide_a_cell_given_away_by_another_table():
    """A in two pilots: P (1 speaker, hidden) and Q (6 speakers, shown). The actor x phase table
    shows A in fase 1 (7 speakers), so P = A - Q: Q is hidden too, in the cube only."""
    from workbench.analysis.suppress import protect_published

    cells = {("A", "fase 1", "P"): (2, 1), ("A", "fase 1", "Q"): (8, 6), ("B", "fase 1", "Q"): (5, 4)}
    tables = family(cells, {("A", "fase 1", "P"): 4, ("A", "fase 1", "Q"): 6, ("B", "fase 1", "Q"): 4})
    out = protect_published(tables, 3)
    cube = out[(("actor", "phase", "pilot"), ())]
    assert flags(cube, ["actor", "phase", "pilot"]) == {
        ("A", "fase 1", "P", "x"): True, ("A", "fase 1", "Q", "x"): True, ("B", "fase 1", "Q", "x"): False}
    assert not out[(("actor", "phase"), ())]["suppressed"].any() and not out[((), ())]["suppressed"].any()


def random_family(seed):
    """Random published tables of a small project: actors A-C, two phases, pilots P and Q, a
    parent code "p" (the sum of "p.a" and "p.b") and a code "x"; cells and groups from 0 to 8
    speakers, so that many cells are small and complements run over several rounds."""
    import numpy as np

    from workbench.analysis.aggregate import PUBLISHED_GROUPINGS

    rng = np.random.default_rng(seed)
    cube = ("actor", "phase", "pilot")
    groups = [(a, f, p) for a in "ABC" for f in ("fase 1", "fase 2") for p in "PQ"]
    size = {g: int(rng.integers(1, 9)) for g in groups}
    cells = {}
    for g in groups:
        for code in ("p.a", "p.b", "x"):
            spk = int(rng.integers(0, size[g] + 1))
            cells[(g, code)] = (int(spk * rng.integers(1, 4)), spk)
        a, b = cells[(g, "p.a")], cells[(g, "p.b")]
        cells[(g, "p")] = (a[0] + b[0], min(size[g], a[1] + b[1]))
    parent = {"p.a": "p", "p.b": "p"}
    out = {}
    for by in PUBLISHED_GROUPINGS:
        sums: dict[tuple, list[int]] = {}
        gsum: dict[tuple, int] = {}
        for (g, code), (seg, spk) in cells.items():
            key = tuple(v for d, v in zip(cube, g) if d in by)
            acc = sums.setdefault(key + (code,), [0, 0])
            acc[0], acc[1] = acc[0] + seg, acc[1] + spk
            if code == "x":
                gsum[key] = gsum.get(key, 0) + size[g]
        rows = [(*key[:-1], key[-1], seg, spk, parent.get(key[-1])) for key, (seg, spk) in sums.items()]
        sizes = {(key[0] if len(key) == 1 else key): n for key, n in gsum.items()}
        out[(by, ())] = matrix(rows, list(by), group_speakers=sizes if by else next(iter(sizes.values())))
    return out


def _recoverable(tables, out, k=3):
    """The linear attack: every shown number of every table as an equation on the cube's cells
    (a parent as the sum of its children); the primary cells that are a combination of them."""
    import numpy as np

    cube = ("actor", "phase", "pilot")
    base = tables[(cube, ())]
    groups = sorted({tuple(r) for r in base[list(cube)].itertuples(index=False)})
    codes = sorted(set(base["code"]))
    col = {(c, g): i for i, (c, g) in enumerate((c, g) for c in codes for g in groups)}
    rows, targets = [], []
    for g in groups:  # parent = its children, in every group
        v = np.zeros(len(col))
        v[col[("p", g)]], v[col[("p.a", g)]], v[col[("p.b", g)]] = 1, -1, -1
        rows.append(v)
    for (by, _), table in tables.items():
        shown = out[(by, ())]["suppressed"].to_numpy()
        for (_, r), hid in zip(table.iterrows(), shown):
            v = np.zeros(len(col))
            for g in groups:
                if all(r[d] == g[cube.index(d)] for d in by):
                    v[col[(r["code"], g)]] = 1
            if not hid:
                rows.append(v)
            elif (0 < r["speakers"] < k) or r["group_speakers"] < k:
                targets.append(((by, tuple(r[d] for d in by), r["code"]), v))
    A = np.array(rows)
    rank = np.linalg.matrix_rank(A)
    return [key for key, v in targets if np.linalg.matrix_rank(np.vstack([A, v])) == rank]


@pytest.mark.parametrize("seed", range(8))
def test_published_tables_fast_path_hides_the_same_cells_as_a_fresh_svd_every_round(seed, monkeypatch):
    """protect_published updates (K'K)+ by rank-one steps between SVDs (fast at a million
    codings); with a fresh SVD every round (the old way) it hides exactly the same cells, and no
    primary cell is a combination of the shown ones."""
    from workbench.analysis import suppress

    tables = random_family(seed)
    fast = suppress.protect_published(tables, 3)
    monkeypatch.setattr(suppress, "_REFRESH", 0)
    slow = suppress.protect_published(tables, 3)
    for key in tables:
        assert fast[key]["suppressed"].tolist() == slow[key]["suppressed"].tolist(), key
    assert _recoverable(tables, fast) == []
    # something to protect, beyond the primary cells
    primary_cells = sum(int(((t["segments"] > 0) & (t["speakers"] < 3) | (t["group_speakers"] < 3)).sum())
                        for t in tables.values())
    assert sum(int(t["suppressed"].sum()) for t in fast.values()) > primary_cells


def test_published_tables_need_far_fewer_factorisations_than_rounds(monkeypatch):
    """Hiding one complement at a time took one SVD of every shown cell per round (12 minutes at
    a million codings); a complement whose row lies in the span of the other shown rows now costs
    a rank-one update instead."""
    import numpy as np

    from workbench.analysis import suppress

    calls = []
    svd = np.linalg.svd

    def counting(*args, **kw):
        calls.append(1)
        return svd(*args, **kw)

    monkeypatch.setattr(np.linalg, "svd", counting)
    fast, slow = 0, 0
    for seed in range(8):
        tables = random_family(seed)
        calls.clear()
        suppress.protect_published(tables, 3)
        fast += len(calls)
        with monkeypatch.context() as m:
            m.setattr(suppress, "_REFRESH", 0)
            calls.clear()
            suppress.protect_published(tables, 3)
            slow += len(calls)
    assert fast < slow * 0.8, (fast, slow)
