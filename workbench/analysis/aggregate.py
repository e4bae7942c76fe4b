"""Aggregations for the theme dashboards: actor x phase x code matrices, co-occurrence, change
between phases, code frequencies and the quote drill-down behind every number.

Counting rules (the same everywhere):

* The unit is the *segment* (a speaker turn, notes item or paragraph). A segment coded twice with
  the same code, or by two coders, counts once.
* Parent codes aggregate their children: a segment coded with two children of one parent counts
  once for the parent. Parent rows carry ``is_parent=True`` and their ``level`` (0 = top).
* ``share`` = coded segments of the group / all segments of the group (e.g. everything the
  statsforvalter said in fase 1), so actors who talk a lot do not dominate.
* ``coder``: None/"all" = any coder; a name = that coder; "consensus" = (segment, code) pairs
  applied by at least two coders, or by the only coder of that source. For parent codes the
  consensus is judged on the parent (two coders choosing different children agree on the parent).
  The stored coder "konsensus" (``agreement.record_consensus``) is counted on the turns with a
  recorded consensus only: its shares divide by those turns, as ``workbench agreement`` compares.
* Missing metadata (a document paragraph has no actor) is grouped as "(ukjent)".

The numbers come from SQL ``GROUP BY`` statements (``analysis.sql``): only aggregated rows, or
the quote rows asked for, reach Python. The old path, which read every segment and coding into
pandas (``_load_pandas``), is kept as the reference ``tests/test_analysis_sql.py`` compares
every result with (``_pandas_reference()``).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

import numpy as np
import pandas as pd

from ..access import requires
from ..errors import NotFound, WorkbenchError
from ..store import Database
from ..store.lookup import match_value
from . import sql
from .frames import (CONSENSUS, check_coder, codes_frame, codings_frame, consensus_mask,
                     resolve_codebook_version, segments_frame)

GROUPINGS = ("actor", "phase", "pilot", "kind", "county", "speaker", "source")
UNKNOWN = "(ukjent)"
MATRIX_COLUMNS = ["code", "label", "segments", "speakers", "sources", "share", "group_segments",
                  "group_speakers", "level", "is_parent", "parent"]


# ------------------------------------------------------------------------------------ helpers

def natural_key(value) -> tuple:
    """Sort "fase 2" before "fase 10", and "(ukjent)" last."""
    return (str(value) == UNKNOWN,) + tuple(int(t) if t.isdigit() else t.lower() for t in re.split(r"(\d+)", str(value)))


def format_position(start_time, index, page=None) -> str:
    """hh:mm:ss for timed turns, else "avsnitt N" (with the page when known)."""
    if start_time is not None and not pd.isna(start_time):
        total = int(round(float(start_time)))
        return f"{total // 3600:02d}:{total % 3600 // 60:02d}:{total % 60:02d}"
    if page is not None and not pd.isna(page):
        return f"s. {int(page)}, avsnitt {int(index)}"
    return f"avsnitt {int(index)}"


def parse_by(by: str | Sequence[str]) -> list[str]:
    items = [b.strip() for b in (by.split(",") if isinstance(by, str) else by) if b and b.strip()]
    for b in items:
        if b not in GROUPINGS:
            raise WorkbenchError(f"cannot group by {b!r}; use any of {', '.join(GROUPINGS)} "
                                 "(e.g. by=actor,phase)")
    if len(set(items)) != len(items):
        raise WorkbenchError(f"by={','.join(items)} names a grouping twice; name each once")
    return items


def select_codes(tree: pd.DataFrame, codes: str | Iterable[str] | None) -> list[str] | None:
    """Code ids matching id prefixes ("kontrakt" matches kontrakt and kontrakt.*); None = all.

    A prefix first matches whole dotted parts; if that finds nothing it matches plainly. Letter
    case counts only where it tells ids apart ("Samarbeid.Tillit" is samarbeid.tillit, as for
    ``workbench code``)."""
    if codes is None:
        return None
    prefixes = [p.strip() for p in (codes.split(",") if isinstance(codes, str) else codes) if p.strip()]
    if not prefixes:
        return None
    ids = list(tree["code"])
    chosen: list[str] = []
    for p in prefixes:
        stem = p.rstrip(".*")
        low = stem.casefold()
        hits: list[str] = []
        for matches in (lambda c: c == stem or c.startswith(stem + "."),
                        lambda c: c.casefold() == low or c.casefold().startswith(low + "."),
                        lambda c: c.startswith(stem), lambda c: c.casefold().startswith(low)):
            hits = [c for c in ids if matches(c)]
            if hits:
                break
        if not hits:
            import difflib

            from ..store.lookup import or_list

            close = difflib.get_close_matches(stem, ids, n=3, cutoff=0.6)
            hint = f"did you mean {or_list(close)}? " if close else ""
            sample = ", ".join(ids[:5]) + (" ..." if len(ids) > 5 else "")
            raise NotFound(f"no code id starts with {p!r}; {hint}code ids are e.g. "
                           f"{sample or '(no codebook loaded)'}")
        chosen += [c for c in hits if c not in chosen]
    return chosen


def resolve_code_id(tree: pd.DataFrame, code) -> str:
    """The code id ``code`` names: the id itself, an id in other letter case ("Samarbeid.Tillit",
    as ``select_codes`` forgives it) or a code's label ("Tillit", any case) when one code has it.
    Anything else is NotFound (``code.not_found``) with "did you mean" over the ids and labels."""
    import difflib

    from ..store.lookup import or_list

    text = str(code if code is not None else "").strip()
    ids = [str(c) for c in tree["code"]]
    if text in ids:
        return text
    if not ids:
        raise NotFound(f"code {text!r}: no codebook is loaded; run `workbench codebook load FILE` first",
                       code="codebook.empty")
    for found in ([c for c in ids if c.casefold() == text.casefold()],
                  [str(c) for c, l in zip(tree["code"], tree["label"]) if str(l).casefold() == text.casefold()]):
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise NotFound(f"code {text!r} names {len(found)} codes; give one of {or_list(found)}",
                           code="code.ambiguous", code_id=text, choices=", ".join(found))
    # one pass over ids and labels, both case-folded: each name -> its code id
    names = {str(l).casefold(): str(c) for c, l in zip(tree["code"], tree["label"])}
    names.update({c.casefold(): c for c in ids})
    close = list(dict.fromkeys(names[n] for n in difflib.get_close_matches(text.casefold(), list(names), n=6,
                                                                          cutoff=0.6)))
    hint = f"did you mean {or_list(close[:3])}? " if close else ""
    sample = ", ".join(ids[:3])
    raise NotFound(f"code {text!r} is not in the codebook; {hint}give a code id such as {sample} (or a code's label)",
                   code="code.not_found", code_id=text, hint=", ".join(close[:3]))


RESEARCHER_ACTORS = ("forsker",)  # the evaluators' own turns (questions, moderation)
FILTERS = GROUPINGS  # the columns quotes and exports filter on (the dashboards' groupings)


#: The grouping columns whose values are shown scrubbed of roster names to the roles that do not
#: read transcripts (``sharing.shown_values``): a phase "Gjennomføring med Liv Bjørk" reads
#: "Gjennomføring med [navn]" in their tables, filters and phase orders.
SHOWN_COLUMNS = ("phase", "pilot")


def _shown(db: Database):
    from ..sharing import shown_values

    return shown_values(db)


def _stored_known(db: Database, option: str, private: bool) -> list[str]:
    """The values of ``option`` as stored (speakers as pseudonyms and file names scrubbed when
    ``private``), in natural order, missing values left out."""
    def compute() -> list[str]:
        if option == "source":
            values = _source_names(db, scrubbed=private).values()
        elif option == "speaker" and private:
            from ..sharing import pseudonym_map

            values = pseudonym_map(db).values()
        else:
            with sql.reading(db) as s:
                values = s.execute(sql.distinct_values(option)).scalars().all()
        return sorted({str(v) for v in values if v is not None and str(v) != UNKNOWN}, key=natural_key)

    return _cached(("known", db.url, option, private), compute)


def _known_values(db: Database, option: str, *, private: bool = True, shown=None) -> list[str]:
    """The values the filter ``option`` can take, as the results show them, in natural order
    (missing values left out; "(ukjent)" selects those): speakers as pseudonyms and file names
    scrubbed when ``private``; phases and pilots as the acting user sees them (``shown``, else
    ``sharing.shown_values``: a roster name in one is "[navn]" for all but researchers)."""
    values = _stored_known(db, option, private)
    if option in SHOWN_COLUMNS:
        shown = shown if shown is not None else _shown(db)
        if not shown.as_stored:
            values = sorted({str(shown(v)) for v in values}, key=natural_key)
    return values


def _stored_filters(db: Database, filters: dict[str, list]) -> dict[str, list]:
    """Checked filters (option -> values as the results show them) with the phases and pilots as
    stored, for SQL: a value shown scrubbed ("Oppstart med [navn]") selects every stored value it
    stands for ("Oppstart med Liv Bjørk" and "Oppstart med Per Holm"); "(ukjent)" stays."""
    shown = _shown(db)
    if shown.as_stored or not any(o in filters for o in SHOWN_COLUMNS):
        return filters
    out = dict(filters)
    for option in SHOWN_COLUMNS:
        if option in out:
            given = [str(v) for v in out[option]]
            out[option] = shown.stored([v for v in given if v != UNKNOWN], _stored_known(db, option, True)) + (
                [UNKNOWN] if UNKNOWN in given else [])
    return out


def _shown_columns(db: Database, df: pd.DataFrame, columns: Iterable[str], shown=None) -> pd.DataFrame:
    """``df`` with its phase and pilot columns (those of ``columns``) as the acting user sees
    them (``sharing.shown_values``); the frame itself when nothing changes (researchers)."""
    cols = [c for c in columns if c in SHOWN_COLUMNS and c in df.columns]
    if not cols or not len(df):
        return df
    shown = shown if shown is not None else _shown(db)
    if shown.as_stored:
        return df
    attrs = dict(df.attrs)
    df = df.assign(**{c: shown.column(df[c]) for c in cols})
    df.attrs.update(attrs)
    return df


def _source_by_id(db: Database, value, private: bool) -> str | None:
    """A source filter given as a source id: the name results show for it."""
    if isinstance(value, bool) or not (isinstance(value, int) or str(value).strip().isdigit()):
        return None
    return _source_names(db, scrubbed=private).get(int(value))


@requires("view_aggregates")
def check_filters(db: Database, filters: dict, *, private: bool = True,
                  user: str | None = None) -> dict:
    """``filters`` (option -> a value or a list of values; None = no filter) with every value
    checked against the values in the database and written as the results show them
    (``match_value``: "Fase 2" is "fase 2"; "(ukjent)" selects missing values; a source may also
    be given by its id; a phase or pilot as the acting user sees it, ``sharing.shown_values``:
    "Oppstart med [navn]" for all but researchers, which the aggregations turn back into the
    stored values it stands for).

    An unknown option or value is an error naming the option, the value and the known values,
    so that a misspelt filter never gives an empty table. ``private``: speakers are pseudonyms
    and sources scrubbed file names, as in the results of a user who does not reveal."""
    out: dict = {}
    for option, value in filters.items():
        if value is None:
            out[option] = None
            continue
        if option not in FILTERS:
            raise WorkbenchError(f"cannot filter on {option!r}; use any of {', '.join(FILTERS)}")
        if option in ("speaker", "source") and _resource_group():  # their known values would be listed
            _refuse("published.grouping", f"filtrering på {option} er ikke publisert; {WHAT_IS_PUBLISHED}.",
                    by=option)
        many = not isinstance(value, (str, int))
        checked = []
        known = _known_values(db, option, private=private)  # one query per option, not per value
        for v in (list(value) if many else [value]):
            named = _source_by_id(db, v, private) if option == "source" else None
            checked.append(named if named is not None and str(v) not in known
                           else match_value(option, v, known, allowed=(UNKNOWN,)))
        out[option] = checked if many else checked[0]
    return out


def _check_excluded(db: Database, exclude_actors: Iterable[str]) -> tuple[str, ...]:
    """The actors to leave out, each checked (``check_filters``); the interviewers' actor
    (``RESEARCHER_ACTORS``, left out by default) may be absent from the database."""
    out = []
    for a in exclude_actors or ():
        if str(a) not in RESEARCHER_ACTORS:
            a = check_filters(db, {"actor": str(a)})["actor"]
        out.append(str(a))
    return tuple(sorted(set(out)))


@dataclass
class _Data:
    segments: pd.DataFrame   # one row per segment
    coded: pd.DataFrame      # one row per (segment, code), parents included, + segment metadata
    tree: pd.DataFrame       # one row per code
    codes: list[str] | None  # the selected code ids (None = all)


_CACHE: contextvars.ContextVar[dict | None] = contextvars.ContextVar("analysis_cache", default=None)
_PANDAS: contextvars.ContextVar[bool] = contextvars.ContextVar("analysis_pandas_reference", default=False)


@contextlib.contextmanager
def shared_reads():
    """Within this block, aggregations with the same filters share one read of the database
    (an export builds many tables from the same data)."""
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


@contextlib.contextmanager
def _pandas_reference():
    """Within this block the aggregations take the old path (read everything, group in pandas):
    the reference the SQL path is tested against (tests/test_analysis_sql.py). Not for use."""
    token = _PANDAS.set(True)
    try:
        yield
    finally:
        _PANDAS.reset(token)


def _cached(key: tuple, compute):
    """``compute()``, shared within ``shared_reads``."""
    cache = _CACHE.get()
    if cache is not None and key in cache:
        return cache[key]
    value = compute()
    if cache is not None:
        cache[key] = value
    return value


def _load_pandas(db: Database, *, coder, codes, codebook_version, parents: bool = True,
                 detail: bool = False, only: str | None = None, exclude_actors: Iterable[str] = ()) -> _Data:
    """The reference path: read segments, codings and codes; expand codings to their ancestors
    in Python; apply the coder filter. ``detail`` adds the coders and applied codes per
    (segment, code) (for quotes); ``only`` keeps a single code (the quote drill-down);
    ``exclude_actors`` drops the segments of those actors from counts and denominators alike
    (e.g. the interviewers, ``forsker``)."""
    exclude_actors = tuple(sorted({str(a) for a in (exclude_actors or ())}))
    cache = _CACHE.get()
    key = ("pandas", db.url, coder, codes if isinstance(codes, (str, type(None))) else tuple(codes),
           codebook_version, parents, detail, only, exclude_actors)
    if cache is not None and key in cache:
        return cache[key]
    coder = check_coder(db, coder)
    tree = codes_frame(db)
    chosen = select_codes(tree, codes)
    segs = segments_frame(db)
    cf = codings_frame(db, coder=None if coder == CONSENSUS else coder,
                       codebook_version=codebook_version)
    exclude_actors = _check_excluded(db, exclude_actors)
    if exclude_actors:
        segs = segs[~segs["actor"].astype(str).isin(exclude_actors)]
        cf = cf[cf["segment_id"].isin(segs["segment_id"])]
    if coder == sql.CONSENSUS_CODER:  # the agreed coding: shares of the turns with a recorded consensus
        from ..agreement import consensus_turn_ids

        with db.session() as s:
            segs = segs[segs["segment_id"].isin(consensus_turn_ids(s))]
    ancestors = dict(zip(tree["code"], tree["ancestors"]))
    raw = cf[["segment_id", "source_id", "code", "coder"]].copy()
    raw["applied"] = raw["code"]
    if parents and not raw.empty:
        raw["code"] = [[c, *ancestors.get(c, ())] for c in raw["code"]]
        raw = raw.explode("code", ignore_index=True)
    if coder == CONSENSUS:
        raw = raw[consensus_mask(raw, ["segment_id", "code"])]
    if chosen is not None:
        raw = raw[raw["code"].isin(chosen)]
    if only is not None:
        raw = raw[raw["code"] == only]
    coded = _group_codings(raw, detail)
    coded = coded.merge(segs, on="segment_id", how="left")
    data = _Data(segs, coded, tree, chosen)
    if cache is not None:
        cache[key] = data
    return data


def _group_codings(raw: pd.DataFrame, detail: bool) -> pd.DataFrame:
    """Coding rows (segment_id, code, coder, applied) -> one row per (segment, code) with
    n_codings and, with ``detail``, the sorted coders and applied codes."""
    keys = ["segment_id", "code"]
    if raw.empty:
        return pd.DataFrame(columns=keys + ["n_codings", "coders", "applied"])
    coded = raw.groupby(keys, sort=False).size().rename("n_codings").reset_index()
    if detail:
        for col, name in (("coder", "coders"), ("applied", "applied")):
            joined = (raw[keys + [col]].drop_duplicates().sort_values(col)
                      .groupby(keys, sort=False)[col].agg(", ".join).rename(name))
            coded = coded.merge(joined.reset_index(), on=keys, how="left")
    return coded


@dataclass
class _Query:
    """The filters of one SQL aggregation, checked and resolved."""

    scope: sql.Scope
    tree: pd.DataFrame
    chosen: list[str] | None

    def code_map(self):
        return sql.code_map(dict(zip(self.tree["code"], self.tree["ancestors"])), self.scope)


def _query(db: Database, *, coder, codes, codebook_version, parents: bool = True,
           only: str | None = None, exclude_actors: Iterable[str] = ()) -> _Query:
    """Check the filters in the order the reference path does (coder, codes, version)."""
    coder = check_coder(db, coder)
    tree = codes_frame(db)
    chosen = select_codes(tree, codes)
    version_id = resolve_codebook_version(db, codebook_version)
    from ..sharing import ensure_pseudonyms

    ensure_pseudonyms(db)  # a speaker is counted by its pseudonym row (the person)
    wanted = None if chosen is None else list(chosen)
    if only is not None:
        wanted = [only] if wanted is None or only in wanted else []
    scope = sql.Scope(coder=None if coder == CONSENSUS else coder, consensus=coder == CONSENSUS,
                      version_id=version_id, exclude_actors=_check_excluded(db, exclude_actors),
                      codes=None if wanted is None else tuple(wanted), parents=parents)
    return _Query(scope, tree, chosen)


def _source_names(db: Database, scrubbed: bool) -> dict[int, str]:
    """{source id: file name}, scrubbed of roster names when ``scrubbed`` (two that scrub to the
    same text each get their source id, as ``_unique_scrubbed`` does)."""
    from sqlalchemy import select

    from ..store import Source

    with db.session() as s:
        rows = s.execute(select(Source.id, Source.file_name).order_by(Source.id)).all()
    ids = pd.Series([r[0] for r in rows], dtype=object)
    names = pd.Series([r[1] for r in rows], dtype=object)
    if scrubbed and len(rows):
        from ..sharing import roster_scrubber

        names = _unique_scrubbed(names, ids, roster_scrubber(db).scrub)
    return dict(zip(ids, names))


def _fill_unknown(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    df = df.copy()
    for c in cols:
        df[c] = df[c].astype(object).where(df[c].notna(), UNKNOWN).astype(str)
    return df


def _code_info(tree: pd.DataFrame) -> pd.DataFrame:
    return tree[["code", "label", "level", "is_parent", "parent", "order"]]


def _visible_codes(data: _Data) -> list[str]:
    return _visible(data.tree, data.codes, set(data.coded["code"]))


def _visible(tree: pd.DataFrame, chosen: list[str] | None, used: set) -> list[str]:
    """Codes to show with zero counts: the selection, without retired codes nobody used."""
    ids = list(tree["code"]) if chosen is None else chosen
    retired = dict(zip(tree["code"], tree["retired"]))
    return [c for c in ids if not retired.get(c, False) or c in used]


# ---------------------------------------------------------------------------------- matrices

def _matrix(data: _Data, by: list[str], fill: bool) -> pd.DataFrame:
    """The reference path's matrix from the loaded frames."""
    key = by if by else ["_all"]
    segs = _fill_unknown(data.segments, by).assign(_all="")
    coded = _fill_unknown(data.coded, by).assign(_all="")
    totals = segs.groupby(key, dropna=False).size().rename("group_segments")
    group_speakers = segs.groupby(key, dropna=False)["speaker_key"].nunique().rename("group_speakers")
    counts = (coded.groupby(key + ["code"], dropna=False)
              .agg(segments=("segment_id", "nunique"), speakers=("speaker_key", "nunique"),
                   sources=("source_id", "nunique"))) if not coded.empty else None
    return _assemble(totals, group_speakers, counts, by, fill, _visible_codes(data), data.tree)


def _assemble(totals: pd.Series, group_speakers: pd.Series, counts: pd.DataFrame | None,
              by: list[str], fill: bool, visible: list[str], tree: pd.DataFrame) -> pd.DataFrame:
    """The matrix from the group totals and the (group, code) counts, both indexed by the
    grouping columns (``_all`` without any) as pandas' groupby leaves them."""
    key = by if by else ["_all"]
    if fill:
        grid = [(*(g if isinstance(g, tuple) else (g,)), c)
                for g in totals.index for c in visible]
        index = pd.MultiIndex.from_tuples(grid, names=key + ["code"]) if grid else None
        if counts is None:
            counts = pd.DataFrame(0, index=index if index is not None else [],
                                  columns=["segments", "speakers", "sources"])
        else:
            counts = counts.reindex(index.union(counts.index, sort=False) if index is not None
                                    else counts.index, fill_value=0)
    if counts is None or counts.empty:
        return pd.DataFrame(columns=by + MATRIX_COLUMNS)
    out = counts.reset_index().merge(totals.reset_index(), on=key, how="left")
    out = out.merge(group_speakers.reset_index(), on=key, how="left")
    out = out.merge(_code_info(tree), on="code", how="left")
    for c in ("segments", "speakers", "sources", "group_segments", "group_speakers"):
        out[c] = out[c].fillna(0).astype(int)
    out["share"] = out["segments"] / out["group_segments"].where(out["group_segments"] > 0)
    out["label"] = out["label"].astype(object).where(out["label"].notna(), out["code"])
    out["level"] = out["level"].fillna(0).astype(int)
    out["is_parent"] = out["is_parent"].astype(object).where(out["is_parent"].notna(), False).astype(bool)
    out["order"] = out["order"].fillna(len(tree))
    sort_cols = [f"_k{i}" for i in range(len(by))]
    for i, b in enumerate(by):
        out[sort_cols[i]] = out[b].map(natural_key)
    out = out.sort_values(sort_cols + ["order", "code"], kind="stable")
    return out[by + MATRIX_COLUMNS].reset_index(drop=True)


def _sql_matrix(db: Database, q: _Query, by: list[str], fill: bool, private: bool) -> tuple[pd.DataFrame, pd.Series]:
    """The matrix from two GROUP BY statements (counts per group and code; group totals), and
    the codings per code (for ``code_frequencies``). ``private``: pseudonyms for speakers,
    scrubbed file names for sources."""
    pseudonyms = private and "speaker" in by
    if pseudonyms:
        from ..sharing import pseudonym_map

        pseudonym_map(db)  # gives every speaker a pseudonym first, as the reference path does

    def run():
        cmap, names = q.code_map()
        with sql.reading(db) as s:
            counts = s.execute(sql.matrix_counts(by, q.scope, cmap, pseudonyms=pseudonyms)).all()
            totals = s.execute(sql.group_totals(by, q.scope, pseudonyms=pseudonyms)).all()
        return [(*r[:len(by)], names[r[len(by)]], *r[len(by) + 1:]) for r in counts], totals

    counts_rows, total_rows = _cached(("matrix", db.url, q.scope, tuple(by), pseudonyms), run)
    key = by if by else ["_all"]
    counts = pd.DataFrame([tuple(r) for r in counts_rows],
                          columns=by + ["code", "segments", "speakers", "sources", "codings"])
    totals = pd.DataFrame([tuple(r) for r in total_rows], columns=by + ["group_segments", "group_speakers"])
    totals = totals[totals["group_segments"].fillna(0) > 0]  # no segments at all: no group
    if "source" in by:
        names = _source_names(db, scrubbed=private)
        for df in (counts, totals):
            df["source"] = df["source"].map(names)
    for df in (counts, totals):
        if not by:
            df["_all"] = ""
        for b in by:
            df[b] = df[b].astype(str)
    for c in ("segments", "speakers", "sources", "codings", "group_segments", "group_speakers"):
        df = counts if c in counts.columns else totals
        df[c] = df[c].astype("int64")
    codings = counts.groupby("code")["codings"].sum()
    totals = totals.sort_values(key, kind="stable").set_index(key)
    counts = counts.sort_values(key + ["code"], kind="stable").set_index(key + ["code"])
    visible = _visible(q.tree, q.chosen, set(counts.index.get_level_values("code")) if len(counts) else set())
    out = _assemble(totals["group_segments"], totals["group_speakers"],
                    counts[["segments", "speakers", "sources"]] if len(counts) else None, by, fill, visible, q.tree)
    return out, codings


# ---------------------------------------------------------------------- privacy of results

def suppression_k(db: Database, suppress: bool | int | None = None) -> int | None:
    """The small-cell threshold k to apply, or None for no suppression.

    The resource group always gets at least the project's ``min_cell_speakers`` (default 3),
    whatever it asks; others get suppression when they ask (``True`` = the project's k, an int =
    that k)."""
    from ..access import RESOURCE_GROUP, current
    from ..sharing import min_cell_speakers

    who = current()
    forced = who is not None and who.role == RESOURCE_GROUP
    if suppress is None or suppress is False:
        return min_cell_speakers(db) if forced else None
    k = min_cell_speakers(db) if suppress is True else int(suppress)
    if k < 1:
        raise WorkbenchError(f"suppress={suppress}: give a number of speakers of at least 2 (e.g. 3)")
    return max(k, min_cell_speakers(db)) if forced else k


def check_reveal(db: Database, reveal: bool, what: str) -> bool:
    """``reveal=True`` shows speaker labels and unscrubbed text: researchers only, audited."""
    if not reveal:
        return False
    from ..sharing import audit_reveal

    audit_reveal(db, what)
    return True


def _unique_scrubbed(names: pd.Series, ids: pd.Series, scrub) -> pd.Series:
    """Scrubbed file names; when two scrub to the same text, each gets its source id."""
    out = names.astype(object).map(lambda n: scrub(n) if isinstance(n, str) else n)
    pairs = pd.DataFrame({"n": out, "id": ids}).drop_duplicates()
    clashes = set(pairs["n"][pairs["n"].duplicated(keep=False)])
    return pd.Series([f"{n} (kilde {i})" if n in clashes else n for n, i in zip(out, ids)],
                     index=names.index, dtype=object)


def _privatise(db: Database, data: _Data, by: Sequence[str]) -> _Data:
    """Pseudonyms for speakers and scrubbed file names in the grouping columns (not revealed)."""
    if "speaker" not in by and "source" not in by:
        return data
    from ..sharing import pseudonym_map, roster_scrubber

    names = pseudonym_map(db) if "speaker" in by else {}
    scrub = roster_scrubber(db).scrub if "source" in by else None

    def fix(df: pd.DataFrame) -> pd.DataFrame:
        if df.empty:
            return df
        df = df.copy()
        if "speaker" in by:
            df["speaker"] = [names.get(k) if isinstance(k, str) else None for k in df["speaker_key"]]
        if scrub is not None:
            df["source"] = _unique_scrubbed(df["source"], df["source_id"], scrub)
        return df

    return _Data(fix(data.segments), fix(data.coded), data.tree, data.codes)


def _suppress(out: pd.DataFrame, by: list[str], k: int | None) -> pd.DataFrame:
    if k is None:
        return out
    from .suppress import suppress_matrix

    result = suppress_matrix(out, by, k)
    if "group_speakers" in result.columns:  # "2 speakers" would say the group is small
        result["group_speakers"] = result["group_speakers"].astype("Int64").mask(result["group_speakers"] < k)
    result.attrs["suppressed_k"] = k
    return result


# --------------------------------------------------------------------- the published tables

#: What the resource group can see, and what any table with suppression made from the same data
#: agrees with: the actor x phase x pilot table, its actor x phase and phase margins and the code
#: totals, counted by the rule of reports and dashboards (the interviewers' own turns left out).
#: These are the tables of the Oversikt and Kodebok pages and of an export for the resource
#: group. Each is suppressed with its own complementary suppression, or, with the project setting
#: ``joint_suppression`` 1, all together (``suppress.protect_published``), so that no hidden number,
#: not even a zero, can be worked out from all of them together (slow on large projects).
CUBE = sql.CUBE
PUBLISHED_GROUPINGS = (CUBE, ("actor", "phase"), ("phase",), ())
PUBLISHED_EXCLUSION = tuple(sorted(RESEARCHER_ACTORS))


def _published_grouping(by: Sequence[str]) -> tuple[str, ...] | None:
    """``by`` as its published grouping (in ``CUBE`` order), or None when it is not one."""
    if not set(by) <= set(CUBE):
        return None
    canon = tuple(d for d in CUBE if d in by)
    return canon if canon in PUBLISHED_GROUPINGS else None


def _exclusion(exclude_actors) -> tuple[str, ...]:
    return tuple(sorted({str(a) for a in (exclude_actors or ())}))


def _refuse(code: str, text: str, **params) -> None:
    from ..errors import PermissionDenied

    raise PermissionDenied(f"Ikke tilgjengelig for ressursgruppen: {text}", code=code, **params)


def _resource_group() -> bool:
    from ..access import RESOURCE_GROUP, current

    who = current()
    return who is not None and who.role == RESOURCE_GROUP


WHAT_IS_PUBLISHED = ("ressursgruppen ser de publiserte tabellene: per aktør og fase, per aktør, fase og pilot, "
                     "per fase eller totalt per kode, for alle koderes kodinger og uten forskernes egne ytringer")


def check_published(by: Sequence[str] = (), exclude_actors: Iterable[str] = (), coder=None,
                    codebook_version=None) -> tuple[str, ...]:
    """For the resource group: refuse anything but the published tables (``PUBLISHED_GROUPINGS``,
    all coders, the current codebook), since a table made any other way (an actor left out,
    another grouping, one coder) can be set against the published ones to work out a hidden
    number. One Norwegian line (``PermissionDenied``). Returns the actors to leave out: for the
    resource group always the interviewers (as its suppression is always on, whatever it asks);
    for other roles ``exclude_actors`` as given."""
    if not _resource_group():
        return _exclusion(exclude_actors)
    if _published_grouping(by) is None:
        _refuse("published.grouping", f"gruppering etter {', '.join(by)} er ikke publisert; {WHAT_IS_PUBLISHED}.",
                by=", ".join(by))
    if _exclusion(exclude_actors) not in ((), PUBLISHED_EXCLUSION):
        extra = ", ".join(a for a in _exclusion(exclude_actors) if a not in PUBLISHED_EXCLUSION)
        _refuse("published.exclude", f"å utelate {extra} er ikke publisert; {WHAT_IS_PUBLISHED}.", actors=extra)
    if coder not in (None, "", "all"):
        _refuse("published.coder", f"tall for koderen {coder!r} er ikke publisert; {WHAT_IS_PUBLISHED}.",
                coder=str(coder))
    if codebook_version not in (None, ""):
        _refuse("published.version", f"tall for kodebokversjon {codebook_version!r} er ikke publisert; "
                f"{WHAT_IS_PUBLISHED}.", version=str(codebook_version))
    return PUBLISHED_EXCLUSION


def _in_published(by, exclude_actors, coder, codebook_version, k) -> bool:
    """Whether a result with suppression comes from the published tables (the resource group's
    always does; ``check_published`` has refused anything else). Any role's suppressed table of
    the same kind comes from them too, so that an export for the resource group agrees with what
    the group sees."""
    return (k is not None and _published_grouping(by) is not None
            and _exclusion(exclude_actors) == PUBLISHED_EXCLUSION and codebook_version in (None, ""))


_PUBLISHED_CACHE: dict[tuple, tuple] = {}


def _units(db: Database, *, coder, codebook_version, exclude) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(units, totals, tree): coded segments per (actor, phase, pilot, source, person, code) with
    ``segs`` and ``n`` (coding rows), all segments per (actor, phase, pilot, source, person), every
    code; from SQL or, in the reference mode, from the pandas frames."""
    cube = list(CUBE)
    if _PANDAS.get():
        data = _load_pandas(db, coder=coder, codes=None, codebook_version=codebook_version, exclude_actors=exclude)
        segs = _fill_unknown(data.segments, cube).rename(columns={"speaker_key": "person"})
        totals = (segs.groupby(cube + ["source_id", "person"], dropna=False).size().rename("segs").reset_index())
        coded = _fill_unknown(data.coded, cube).rename(columns={"speaker_key": "person"})
        if coded.empty:
            units = pd.DataFrame(columns=cube + ["source_id", "person", "code", "segs", "n"])
        else:
            units = (coded.groupby(cube + ["source_id", "person", "code"], dropna=False)
                     .agg(segs=("segment_id", "nunique"), n=("n_codings", "sum")).reset_index())
        return units, totals, data.tree
    q = _query(db, coder=coder, codes=None, codebook_version=codebook_version, exclude_actors=exclude)
    cmap, names = q.code_map()
    with sql.reading(db) as s:
        rows = s.execute(sql.unit_rows(q.scope, cmap)).all()
        tot = s.execute(sql.unit_totals(q.scope)).all()
    units = pd.DataFrame([tuple(r) for r in rows], columns=cube + ["source_id", "person", "code", "segs", "n"])
    units["code"] = [names[c] for c in units["code"]]
    totals = pd.DataFrame([tuple(r) for r in tot], columns=cube + ["source_id", "person", "segs"])
    return units, totals, q.tree


def _sibling_units(db: Database, *, coder, codebook_version, exclude, tree: pd.DataFrame) -> pd.DataFrame:
    """Segments carrying two children of one parent (a child with its subtree): per (actor,
    phase, pilot, source_id, person, parent, code_a, code_b) with ``segs``; from SQL or, in the
    reference mode, from the pandas frames."""
    cube = list(CUBE)
    columns = cube + ["source_id", "person", "parent", "code_a", "code_b", "segs"]
    parent = {c: p for c, p in zip(tree["code"], tree["parent"]) if isinstance(p, str) and p in set(tree["code"])}
    if _PANDAS.get():
        data = _load_pandas(db, coder=coder, codes=None, codebook_version=codebook_version, exclude_actors=exclude)
        c = data.coded[data.coded["code"].isin(list(parent))][["segment_id", "code"]]
        if c.empty:
            return pd.DataFrame(columns=columns)
        c = c.assign(parent=c["code"].map(parent))
        both = c.merge(c, on=["segment_id", "parent"], suffixes=("_a", "_b"))
        both = both[both["code_a"] < both["code_b"]]
        meta = _fill_unknown(data.segments, cube).rename(columns={"speaker_key": "person"})
        both = both.merge(meta[["segment_id", "source_id", "person"] + cube], on="segment_id", how="left")
        if both.empty:
            return pd.DataFrame(columns=columns)
        return (both.groupby(cube + ["source_id", "person", "parent", "code_a", "code_b"], dropna=False)
                .size().rename("segs").reset_index()[columns])
    q = _query(db, coder=coder, codes=None, codebook_version=codebook_version, exclude_actors=exclude)
    cmap, names = q.code_map()
    number = {c: i for i, c in enumerate(names)}
    kids = {number[c]: number[p] for c, p in parent.items() if c in number and p in number}
    with sql.reading(db) as s:
        rows = s.execute(sql.sibling_rows(q.scope, cmap, kids)).all()
    out = pd.DataFrame([tuple(r) for r in rows], columns=columns)
    for c in ("parent", "code_a", "code_b"):
        out[c] = [names[i] for i in out[c]]
    return out


def parent_overlaps(units: pd.DataFrame, siblings: pd.DataFrame, table: pd.DataFrame, by: Sequence[str],
                    k: int) -> np.ndarray:
    """Which parent rows of ``table`` (a theme matrix grouped ``by``, from these units) must be
    hidden so that the sum of the children's counts minus the parent's cannot be formed where
    that difference rests on fewer than k speakers: in segments, two children carried by the
    same segments of fewer than k speakers (a hidden co-occurrence, per pair so that the shown
    pairs cannot be subtracted); in speakers, fewer than k people who said two of the children;
    in sources, sources with two children whose speakers of them are fewer than k. Text without a
    speaker counts none. Cells where a child is hidden by the primary rule already, or by this
    rule for its own subcodes (``kontrakt`` beside a hidden ``kontrakt.formaal``), are left as
    they are (the difference cannot be formed there)."""
    from .suppress import primary

    key = list(by) if by else ["_all"]
    parent = {c: p for c, p in zip(table["code"], table["parent"]) if isinstance(p, str)}
    flagged: set[tuple] = set()

    def keyed(df: pd.DataFrame) -> pd.DataFrame:
        df = df.assign(_all="")
        for b in by:
            df[b] = df[b].astype(str)
        return df

    if len(siblings):  # segments: per pair of children
        sib = keyed(siblings)
        who = sib.groupby(key + ["parent", "code_a", "code_b"], dropna=False)["person"].nunique()
        flagged |= {r[:-2] for r in who[who < k].index}
    if len(units) and parent:
        u = keyed(units[units["code"].isin(list(parent))])
        u = u.assign(parent=u["code"].map(parent))
        people = u.dropna(subset=["person"]).groupby(key + ["parent", "person"])["code"].nunique()
        multi = (people >= 2).groupby(level=list(range(len(key) + 1))).sum()
        flagged |= {r for r in multi[(multi > 0) & (multi < k)].index}
        per_source = u.groupby(key + ["parent", "source_id"])["code"].nunique()
        src = per_source[per_source >= 2].reset_index()[key + ["parent", "source_id"]]
        if len(src):
            spk = u.merge(src, on=key + ["parent", "source_id"]).groupby(key + ["parent"])["person"].nunique()
            flagged |= {r for r in spk[spk < k].index}
    if not flagged:
        return np.zeros(len(table), dtype=bool)
    flagged = {r if isinstance(r, tuple) else (r,) for r in flagged}
    t = keyed(table)
    cells = list(zip(*(t[c] for c in key), t["code"]))
    seg = pd.to_numeric(t["segments"], errors="coerce").fillna(0).to_numpy(dtype=float)
    spk = pd.to_numeric(t["speakers"], errors="coerce").fillna(0).to_numpy(dtype=float)
    small = primary(seg, spk, k) | ~(pd.to_numeric(t["group_speakers"], errors="coerce").to_numpy(dtype=float) >= k)
    hidden = np.asarray(small, dtype=bool)
    result = np.zeros(len(cells), dtype=bool)
    while True:  # from the leaves up: a child hidden for its own subcodes hides the difference too
        child_hidden = {(*cell[:-1], parent[cell[-1]]) for cell, h in zip(cells, hidden | result)
                        if h and cell[-1] in parent}
        new = np.array([cell in flagged and cell not in child_hidden for cell in cells], dtype=bool)
        if (new == result).all():
            return result
        result = new


def _from_units(units: pd.DataFrame, totals: pd.DataFrame, by: tuple[str, ...], tree: pd.DataFrame) -> pd.DataFrame:
    """A filled theme matrix of every code from the units: as ``_sql_matrix`` computes it."""
    key = list(by) if by else ["_all"]
    t = totals.assign(_all="")
    for b in by:
        t[b] = t[b].astype(str)
    tot = t.groupby(key).agg(group_segments=("segs", "sum"), group_speakers=("person", "nunique"))
    tot = tot[tot["group_segments"] > 0].astype("int64").sort_index()
    counts = None
    if len(units):
        u = units.assign(_all="")
        for b in by:
            u[b] = u[b].astype(str)
        counts = (u.groupby(key + ["code"]).agg(segments=("segs", "sum"), speakers=("person", "nunique"),
                                                 sources=("source_id", "nunique")).astype("int64").sort_index())
    visible = _visible(tree, None, set(units["code"]) if len(units) else set())
    return _assemble(tot["group_segments"], tot["group_speakers"], counts, list(by), True, visible, tree)


def _published_tables(db: Database, *, coder, codebook_version, k: int) -> tuple[dict, pd.Series]:
    """({grouping: suppressed table}, codings per code) of the published tables at threshold k,
    computed once per state of the data (``Database.data_version``) and suppressed together.
    Above the project's k a cell is hidden where it is hidden at either k, so that a file made at
    a higher k shows nothing the resource group's own tables do not."""
    from ..sharing import min_cell_speakers, setting
    from .suppress import _blank, primary, protect_published, suppress_matrix

    coder = check_coder(db, coder)
    project_k = min_cell_speakers(db)
    joint = bool(int(setting(db, "joint_suppression")))
    key = ("published", db.url, db.data_version(), coder, codebook_version, int(k), joint, _PANDAS.get())

    def compute():
        if key in _PUBLISHED_CACHE:
            return _PUBLISHED_CACHE[key]
        units, totals, tree = _units(db, coder=coder, codebook_version=codebook_version, exclude=PUBLISHED_EXCLUSION)
        codings = units.groupby("code")["n"].sum().astype("int64") if len(units) else pd.Series(dtype="int64")
        raw = {by: _from_units(units, totals, by, tree) for by in PUBLISHED_GROUPINGS}
        # a parent beside its children: their sum minus the parent must not give away a hidden overlap
        siblings = _sibling_units(db, coder=coder, codebook_version=codebook_version, exclude=PUBLISHED_EXCLUSION,
                                  tree=tree)
        raw = {by: table.assign(small_overlap=parent_overlaps(units, siblings, table, by, int(k)))
               for by, table in raw.items()}
        if joint:
            protected = protect_published({(by, ()): table for by, table in raw.items()}, int(k), cube=CUBE)
            hidden = {by: protected[(by, ())]["suppressed"].to_numpy() for by in raw}
        else:  # each table with its own complementary suppression (its lines and parent codes)
            hidden = {by: suppress_matrix(table, list(by), int(k))["suppressed"].to_numpy() for by, table in raw.items()}
        if int(k) > project_k:
            floor = _published_tables(db, coder=coder, codebook_version=codebook_version, k=project_k)[0]
            hidden = {by: h | floor[by]["suppressed"].to_numpy() for by, h in hidden.items()}
        tables = {}
        for by, table in raw.items():
            small = ~(pd.to_numeric(table["group_speakers"], errors="coerce").to_numpy(dtype=float) >= int(k))
            # hidden for what its subcodes share, not for being small itself: not labelled "<k"
            seg = pd.to_numeric(table["segments"], errors="coerce").fillna(0).to_numpy(dtype=float)
            spk = pd.to_numeric(table["speakers"], errors="coerce").fillna(0).to_numpy(dtype=float)
            overlap = hidden[by] & table["small_overlap"].to_numpy(dtype=bool) & ~small & ~primary(seg, spk, int(k))
            tables[by] = _blank(table.copy(), hidden[by], small).assign(_overlap=overlap)
        if len(_PUBLISHED_CACHE) >= 8:
            _PUBLISHED_CACHE.pop(next(iter(_PUBLISHED_CACHE)))
        _PUBLISHED_CACHE[key] = (tables, codings)
        return tables, codings

    return _cached(key, compute)


#: ``attrs`` key of a published table: the cells (grouping values..., code) hidden only so that a
#: parent's count beside its children's does not give away what the children share. Such a cell
#: rests on k or more speakers and reads "skjult" (``HIDDEN_TEXT``), not "<k". A cell hidden as
#: the complement of a small cell still reads "<k": telling those apart would say that the
#: complement has k or more speakers and so narrow down the small cell beside it.
OVERLAP_ATTR = "overlap_hidden"
HIDDEN_TEXT = "skjult"


def hidden_note(k) -> str:
    """The footnote of a table with a parent hidden for what its children share."""
    return (f"«{HIDDEN_TEXT}»: tallet bygger på minst {k} talere, men er skjult fordi det sammen med "
            f"underkodenes tall ville vist noe som bygger på færre enn {k}")


def overlap_cells(m: pd.DataFrame, by: Sequence[str]) -> list:
    """The (grouping values..., code) of the rows of ``m`` hidden for a parent's overlap.
    (A list of tuples, so that ``attrs`` stay JSON-serialisable, as Streamlit wants them.)"""
    if "_overlap" not in m.columns:
        return list(m.attrs.get(OVERLAP_ATTR, ()))
    rows = m[m["_overlap"].fillna(False).astype(bool)]
    return list(zip(*(rows[b].astype(str) for b in by), rows["code"].astype(str)))


def overlap_mask(m: pd.DataFrame, by: Sequence[str]) -> np.ndarray:
    """Per row of ``m``: is it a parent hidden for what its subcodes share (``OVERLAP_ATTR``)?"""
    cells = {tuple(c) for c in m.attrs.get(OVERLAP_ATTR) or ()}
    if not cells:
        return np.zeros(len(m), dtype=bool)
    keys = zip(*(m[b].astype(str) for b in by), m["code"].astype(str))
    return np.fromiter((key in cells for key in keys), dtype=bool, count=len(m))


def is_overlap_cell(m: pd.DataFrame, row: pd.Series | dict, by: Sequence[str]) -> bool:
    """The same for one row (a chart's cell); :func:`overlap_mask` for a whole table."""
    cells = m.attrs.get(OVERLAP_ATTR) or ()
    return bool(cells) and (*(str(row[b]) for b in by), str(row["code"])) in {tuple(c) for c in cells}


def _published_matrix(db: Database, *, by: list[str], codes, coder, codebook_version, fill: bool,
                      exclude_actors, k: int) -> pd.DataFrame:
    """A theme matrix cut from the published tables (same numbers, same suppressed cells).

    Always every code of every group, ``fill`` or not: a zero in a group of k or more speakers is
    shown as 0, and its row is listed. Leaving the zero rows out while a hidden row stays (as the
    compact form of an unsuppressed table does) would tell the resource group which hidden cells
    are not zero and which codes nobody in the group used, without any calculation."""
    tables, _ = _published_tables(db, coder=coder, codebook_version=codebook_version, k=k)
    m = tables[_published_grouping(by)]
    tree = codes_frame(db)
    chosen = select_codes(tree, codes)
    if chosen is not None:
        m = m[m["code"].isin(chosen)]
    if tuple(by) != _published_grouping(by):
        order = dict(zip(tree["code"], tree["order"]))
        m = m.assign(**{f"_k{i}": m[b].map(natural_key) for i, b in enumerate(by)}, _o=m["code"].map(order))
        m = m.sort_values([f"_k{i}" for i in range(len(by))] + ["_o", "code"], kind="stable")
    overlap = overlap_cells(m, by)
    m = m[list(by) + MATRIX_COLUMNS + ["suppressed"]].reset_index(drop=True)
    m["group_speakers"] = m["group_speakers"].astype("Int64").mask(m["group_speakers"] < k)
    m.attrs["suppressed_k"] = k
    m.attrs[OVERLAP_ATTR] = overlap
    m.attrs["excluded_actors"] = list(PUBLISHED_EXCLUSION)
    return m


@requires("view_aggregates")
def theme_matrix(db: Database, *, by: str | Sequence[str] = ("actor", "phase"),
                 codes: str | Iterable[str] | None = None, coder: str | None = None,
                 codebook_version: int | str | None = None, fill: bool = False,
                 exclude_actors: Iterable[str] = (), suppress: bool | int | None = None,
                 reveal: bool = False, user: str | None = None) -> pd.DataFrame:
    """Codes per group: one row per (group values..., code).

    Columns: ``*by, code, label, segments, speakers, sources, share, group_segments, level,
    is_parent, parent``. ``segments`` = distinct coded segments, ``speakers`` = distinct speakers
    (see ``frames.speaker_key``), ``sources`` = distinct sources, ``share`` = segments /
    ``group_segments`` (all segments of that group). ``by``: any of actor, phase, pilot, kind,
    county, speaker, source (a list or "actor,phase"). ``codes``: id prefix(es). ``fill``: also
    rows with zero counts for every existing group and every (non-retired) code; a table with
    suppression always has them (a zero reads 0 and is listed, so that a row left out never
    tells a hidden cell from a zero).
    ``exclude_actors``: leave these actors' segments out of counts and shares (e.g. ``["forsker"]``
    for the interviewers' own questions).

    Privacy: grouped ``by`` speaker, the speakers are pseudonyms ("Prosjektleder 2") and grouped
    by source the file names are scrubbed, unless a researcher asks ``reveal=True`` (audited).
    ``suppress`` (True = the project's k, or a number k) blanks cells based on fewer than k
    distinct speakers, with complementary suppression (``analysis.suppress``); a ``suppressed``
    column says which, and ``df.attrs["suppressed_k"]`` holds k. The resource group always
    gets suppressed results, and only the published tables (``check_published``): a grouping in
    ``PUBLISHED_GROUPINGS``, all coders, the interviewers left out. A suppressed table of that
    kind, for any role, is cut from the published tables (suppressed together with the setting
    ``joint_suppression`` 1: ``suppress.protect_published``); any other is suppressed on its own.

    Phases are in the project's order (``order_phases``: the setting ``phase_order``, else time
    order by the sources' dates, else natural order of the names), listed in ``attrs["phase_order"]``
    with a warning line in ``attrs["phase_note"]`` ("" when the order is sure). Phases and pilots
    are shown as the acting user sees them (``sharing.shown_values``: a roster name in one reads
    "[navn]" for every role that does not read transcripts).
    """
    by = parse_by(by)
    k = suppression_k(db, suppress)
    if k is not None:  # a suppressed table lists every code of every group, zeros as 0 (see above)
        fill = True
    exclude_actors = check_published(by, exclude_actors, coder, codebook_version)
    if _in_published(by, exclude_actors, coder, codebook_version, k):
        check_reveal(db, reveal, "theme_matrix")  # (no names in these tables; a reveal is still audited)
        return _phase_sorted(db, _published_matrix(db, by=by, codes=codes, coder=coder,
                                                   codebook_version=codebook_version, fill=fill,
                                                   exclude_actors=exclude_actors, k=k), by)
    if _PANDAS.get():
        data = _load_pandas(db, coder=coder, codes=codes, codebook_version=codebook_version,
                            exclude_actors=exclude_actors)
        if not check_reveal(db, reveal, "theme_matrix"):
            data = _privatise(db, data, by)
        return _phase_sorted(db, _suppress(_matrix(data, by, fill), by, k), by)
    q = _query(db, coder=coder, codes=codes, codebook_version=codebook_version,
               exclude_actors=exclude_actors)
    private = not check_reveal(db, reveal, "theme_matrix")
    return _phase_sorted(db, _suppress(_sql_matrix(db, q, by, fill, private)[0], by, k), by)


# ------------------------------------------------------------------------------ phase order

#: the phases an export was asked to compare (``--phases A,B``), first in this order (``chosen_phases``)
_CHOSEN_PHASES: contextvars.ContextVar[tuple[str, ...] | None] = contextvars.ContextVar("chosen_phases",
                                                                                      default=None)
PHASE_ORDER_SETTING = "phase_order"


class PhaseOrder(list):
    """Phase names in the project's order, with ``note``: one Norwegian line when the order may
    not be the one meant (it rests on names without numbers, a phase has no dated source, the
    dates go against the numbers in the names, a phase is missing from the setting), else ""."""

    note: str = ""


@contextlib.contextmanager
def chosen_phases(phases: Sequence[str] | None):
    """Within this block the phases ``phases`` come first, in this order, in every ordering of
    phases (``export tables --phases A,B``: the phase comparison compares these, in this order)."""
    token = _CHOSEN_PHASES.set(tuple(phases) if phases else None)
    try:
        yield
    finally:
        _CHOSEN_PHASES.reset(token)


def chosen_phase_list() -> tuple[str, ...] | None:
    """The phases of the enclosing ``chosen_phases`` block, or None."""
    return _CHOSEN_PHASES.get()


def _phase_dates(db: Database) -> dict[str, str]:
    """phase -> the earliest date of its sources (manifest ``date``), for the phases that have one."""
    def compute() -> dict[str, str]:
        with db.session() as s:
            rows = s.execute(sql.phase_dates()).all()
        return {str(p): str(d) for p, d in rows if p is not None and d}

    return _cached(("phase_dates", db.url), compute)


def _setting_phase_order(db: Database) -> list[str]:
    """The project's ``phase_order`` setting as a list of phase names ([] when unset)."""
    from ..sharing import setting, split_phases

    value = setting(db, PHASE_ORDER_SETTING)
    return split_phases(value) if value else []


def _has_number(name: str) -> bool:
    return any(ch.isdigit() for ch in str(name))


def _arrow(names: Sequence[str]) -> str:
    return " → ".join(f"«{n}»" for n in names)


@requires("view_aggregates")
def order_phases(db: Database, phases: Iterable, *, user: str | None = None) -> PhaseOrder:
    """The phases ``phases`` in the one order every dashboard, export, chart and phase filter uses.

    1. Phases chosen for an export (``chosen_phases``), then those of the project's setting
       ``phase_order`` ("Oppstart, Gjennomføring, Avslutning"), in that order.
    2. When every other phase's name carries a number ("fase 1", "Fase 2a"): natural order of the
       names ("fase 2" before "fase 10"), which the team chose; the note says so when the
       sources' dates put them in another order.
    3. Otherwise in time order: by the earliest date of their sources (manifest ``date``), ties
       in natural order of the names; phases with no dated source after those, in natural order.
    "(ukjent)" last. ``note`` warns (one line) where the order may not be the one meant.

    Phases are taken and given as the acting user sees them (``sharing.shown_values``: a roster
    name in one is "[navn]" for all but researchers), the setting's phases and the dates with them;
    a phase given as stored is shown."""
    from ..sharing import join_phases

    shown = _shown(db)
    names = list(dict.fromkeys(str(shown(p)) for p in phases
                               if p is not None and not (isinstance(p, float) and p != p)))
    unknown = [p for p in names if p == UNKNOWN]
    names = [p for p in names if p != UNKNOWN]
    chosen = chosen_phase_list()
    explicit = [str(shown(p)) for p in (list(chosen) if chosen else _setting_phase_order(db))]
    first = [p for p in dict.fromkeys(explicit) if p in names]
    rest = [p for p in names if p not in first]
    dates = _phase_dates(db) if rest else {}
    if dates and not shown.as_stored:  # the dates by the phases as shown
        seen: dict[str, str] = {}
        for p, d in dates.items():
            key = str(shown(p))
            seen[key] = min(seen.get(key, d), d)
        dates = seen
    dated = sorted((p for p in rest if p in dates), key=lambda p: (dates[p], natural_key(p)))
    undated = sorted((p for p in rest if p not in dates), key=natural_key)
    numbered = bool(rest) and all(_has_number(p) for p in rest)
    if numbered:
        by_name = sorted(rest, key=natural_key)
        out = PhaseOrder(first + by_name + unknown)
        fix = 'sett rekkefølgen med workbench settings set phase_order "' + join_phases(out[:len(names)]) + '"'
        out.note = ""
        by_date = [p for p in by_name if p in dates]
        if len(names) >= 2 and not explicit and sorted(by_date, key=lambda p: (dates[p], natural_key(p))) != by_date:
            out.note = (f"Merk: fasene står etter tallene i navnene ({_arrow(by_name)}), men kildenes tidligste dato "
                        f"gir en annen rekkefølge ({_arrow(dated)}); {fix} om tallene ikke er tidsrekkefølgen.")
        elif len(names) >= 2 and explicit and not chosen and rest:
            out.note = (f"Merk: {_arrow(rest)} er ikke med i innstillingen phase_order og står etter de andre "
                        f"fasene; {fix}.")
        return out
    out = PhaseOrder(first + dated + undated + unknown)
    fix = 'sett rekkefølgen med workbench settings set phase_order "' + join_phases(out[:len(names)]) + '"'
    if len(names) < 2:
        out.note = ""
    elif explicit and not chosen and rest:
        out.note = (f"Merk: {_arrow(rest)} er ikke med i innstillingen phase_order og står etter de andre "
                    f"fasene; {fix}.")
    elif explicit:
        out.note = ""
    elif undated and dated:
        out.note = (f"Merk: {_arrow(undated)} har ingen kilde med dato og står etter fasene med dato "
                    f"({_arrow(out[:len(names)])}); gi kildene dato (manifest.csv) eller {fix}.")
    elif undated and not all(_has_number(p) for p in undated):
        out.note = (f"Merk: fasene står i alfabetisk rekkefølge ({_arrow(out[:len(names)])}), for ingen kilde har "
                    f"dato og navnene har ingen tall; gi kildene dato (manifest.csv) eller {fix}.")
    return out


def _shown_groups(db: Database, m: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """A theme matrix with its phase and pilot groups as the acting user sees them
    (``sharing.shown_values``: a roster name in one is "[navn]" for all but researchers), the
    cells of ``attrs[OVERLAP_ATTR]`` with them. Two stored groups shown as the same text stay two
    groups (their counts are not added up: speakers are not additive)."""
    cols = [b for b in by if b in SHOWN_COLUMNS]
    if not cols or not len(m):
        return m
    shown = _shown(db)
    if shown.as_stored:
        return m
    out = _shown_columns(db, m, cols, shown)
    cells = m.attrs.get(OVERLAP_ATTR)
    if cells:
        at = [i for i, b in enumerate(by) if b in SHOWN_COLUMNS]
        out.attrs[OVERLAP_ATTR] = [tuple(shown(v) if i in at else v for i, v in enumerate(cell)) for cell in cells]
    return out


def _phase_sorted(db: Database, m: pd.DataFrame, by: Sequence[str]) -> pd.DataFrame:
    """``m`` (sorted by its groups in natural order, codes in codebook order within a group) with
    its phases and pilots as the acting user sees them (``_shown_groups``) and its phases in the
    project's order (``order_phases``); ``attrs["phase_order"]`` lists them and
    ``attrs["phase_note"]`` holds the order's note."""
    m = _shown_groups(db, m, by)
    if "phase" not in by:
        return m
    order = order_phases(db, pd.unique(m["phase"]) if len(m) else [])
    rank = {p: i for i, p in enumerate(order)}
    attrs = dict(m.attrs)
    if len(m):
        keys = {f"_p{i}": (m[b].map(lambda v: rank.get(str(v), len(rank))) if b == "phase" else m[b].map(natural_key))
                for i, b in enumerate(by)}
        m = (m.assign(**keys).sort_values(list(keys), kind="stable").drop(columns=list(keys))
             .reset_index(drop=True))
    m.attrs.update(attrs)
    m.attrs["phase_order"] = list(order)
    m.attrs["phase_note"] = order.note
    return m


def phase_sequence(m: pd.DataFrame) -> list[str]:
    """The phases of a ``theme_matrix`` frame (or a part of one) in the project's order."""
    present = {str(p) for p in m["phase"]} if "phase" in m.columns else set()
    ordered = [p for p in m.attrs.get("phase_order", []) if p in present]
    return ordered + sorted(present - set(ordered), key=natural_key)


@requires("view_aggregates")
def filter_values(db: Database, *, user: str | None = None) -> dict[str, list[str]]:
    """The values a dashboard can filter on, for any role: {"phase": [...], "pilot": [...],
    "actor": [...], "kind": [...]} in natural order, the phases in the project's order
    (``order_phases``); missing values left out. Phases and pilots as the acting user sees them
    (``sharing.shown_values``): for all but researchers a roster name in one is "[navn]", each
    shown value once, and the results and filters take that value."""
    columns = ("phase", "pilot", "actor", "kind")
    if _PANDAS.get():
        segs = segments_frame(db)
    else:
        with db.session() as s:
            segs = pd.DataFrame([tuple(r) for r in s.execute(sql.filter_values())], columns=columns)
    shown = _shown(db)  # phases and pilots as the acting user sees them: "[navn]" for a roster name
    out = {}
    for col in columns:
        values = {str(v) for v in segs[col].dropna().unique()} if not segs.empty else set()
        if col in SHOWN_COLUMNS and not shown.as_stored:
            values = {str(shown(v)) for v in values}
        out[col] = list(order_phases(db, values)) if col == "phase" else sorted(values, key=natural_key)
    return out


@dataclass(frozen=True)
class DataStatus:
    """What a project holds, as the pages need to know it before they show anything: whether any
    source is stored (``sources``), a codebook is loaded (``codebook``: a code not retired), any
    segment is coded (``coded``), any segment has an actor or a phase (``described``: a speaker
    with an actor from participants.csv, a source with a phase from manifest.csv), and any coded
    segment has one (``coded_described``). Yes/no only: nothing a role may not see."""

    sources: bool
    codebook: bool
    coded: bool
    described: bool
    coded_described: bool

    @property
    def empty(self) -> bool:
        """Neither sources nor a codebook: a new project."""
        return not self.sources and not self.codebook

    @property
    def grouped(self) -> bool:
        """Whether the dashboards can group anything by actor or phase: some coded segment has an
        actor or a phase (some segment at all while nothing is coded)."""
        return self.coded_described if self.coded else self.described


@requires("view_aggregates")
def data_status(db: Database, *, user: str | None = None) -> DataStatus:
    """What the project holds (:class:`DataStatus`), for every role, in one query of ``EXISTS``
    tests. A database without the workbench's tables (never initialised) holds nothing."""
    if not db.is_initialised():
        return DataStatus(False, False, False, False, False)
    with db.session() as s:
        row = s.execute(sql.data_status()).one()
    return DataStatus(*(bool(v) for v in row))


@requires("view_aggregates")
def code_frequencies(db: Database, *, codes: str | Iterable[str] | None = None,
                     coder: str | None = None, codebook_version: int | str | None = None,
                     exclude_actors: Iterable[str] = (), suppress: bool | int | None = None,
                     user: str | None = None) -> pd.DataFrame:
    """One row per code (codebook order, zeros included): code, label, segments, speakers,
    sources, share (of all segments), codings (coding rows, children included for parents),
    level, is_parent, parent. ``suppress`` as in ``theme_matrix`` (forced for the resource
    group; then also ``suppressed``)."""
    k = suppression_k(db, suppress)
    exclude_actors = check_published((), exclude_actors, coder, codebook_version)
    columns = ["code", "label", "segments", "speakers", "sources", "share", "codings", "level",
               "is_parent", "parent"]
    if _in_published((), exclude_actors, coder, codebook_version, k):
        out = _published_matrix(db, by=[], codes=codes, coder=coder, codebook_version=codebook_version,
                                fill=True, exclude_actors=exclude_actors, k=k)
        n = _published_tables(db, coder=coder, codebook_version=codebook_version, k=k)[1]
        out["codings"] = out["code"].map(n).fillna(0).astype("int64").astype("Int64").mask(out["suppressed"])
        result = out[columns + ["suppressed"]]
        result.attrs["suppressed_k"] = k
        result.attrs[OVERLAP_ATTR] = out.attrs.get(OVERLAP_ATTR, [])
        return result
    if _PANDAS.get():
        data = _load_pandas(db, coder=coder, codes=codes, codebook_version=codebook_version,
                            exclude_actors=exclude_actors)
        out = _matrix(data, [], fill=True)
        n = data.coded.groupby("code")["n_codings"].sum() if not data.coded.empty else pd.Series(dtype=int)
    else:
        q = _query(db, coder=coder, codes=codes, codebook_version=codebook_version,
                   exclude_actors=exclude_actors)
        out, n = _sql_matrix(db, q, [], True, False)
    if out.empty:
        return out.assign(codings=pd.Series(dtype=int))
    out["codings"] = out["code"].map(n).fillna(0).astype(int)
    if k is not None:
        out = _suppress(out, [], k)
        out["codings"] = out["codings"].astype("Int64").mask(out["suppressed"])
        columns.append("suppressed")
    return out[columns]


@requires("view_aggregates")
def phase_change(db: Database, *, actor: str | Iterable[str] | None = None,
                 phases: Sequence[str] | None = None, codes: str | Iterable[str] | None = None,
                 coder: str | None = None, codebook_version: int | str | None = None,
                 exclude_actors: Iterable[str] = (), suppress: bool | int | None = None,
                 user: str | None = None) -> pd.DataFrame:
    """Per actor and code: share in the first vs the second phase and the difference.

    ``phases``: (from, to); default the first two phases in the project's order (``order_phases``:
    the setting ``phase_order``, else by the sources' earliest date, else "fase 1" before "fase 2");
    ``attrs["phases"]`` lists every phase with segments in that order, so that a caller can compare
    each pair of consecutive phases (the export does: fase 1 → 2, fase 2 → 3), and
    ``attrs["phase_note"]`` warns when the order may not be the one meant. Columns: actor, code, label, phase_from, phase_to, segments_from, segments_to,
    share_from, share_to, difference (share_to - share_from; NaN when the actor has no segments
    in one of the phases), level, is_parent, parent. With suppression (``suppress``, always for
    the resource group) a suppressed cell leaves its segments and share missing, and the
    difference with it.
    """
    columns = ["actor", "code", "label", "phase_from", "phase_to", "segments_from", "segments_to",
               "share_from", "share_to", "difference", "level", "is_parent", "parent"]
    m = theme_matrix(db, by=("actor", "phase"), codes=codes, coder=coder,
                     codebook_version=codebook_version, fill=True, exclude_actors=exclude_actors,
                     suppress=suppress)
    present = order_phases(db, [p for p in m["phase"] if p != UNKNOWN] if not m.empty else [])
    if phases is None:
        if len(present) < 2:
            empty = pd.DataFrame(columns=columns)
            empty.attrs["phases"] = list(present)
            empty.attrs["phase_note"] = present.note
            return empty
        phases = present[:2]
    if len(phases) != 2:
        raise WorkbenchError(f"phases={list(phases)!r}: give exactly two phases to compare, e.g. "
                             "('fase 1', 'fase 2')")
    phases = [match_value("phase", p, present, reason="has no segments") for p in phases]
    if actor is not None:
        actor = check_filters(db, {"actor": actor})["actor"]
        actors = [actor] if isinstance(actor, str) else list(actor)
        m = m[m["actor"].isin(actors)]
    p1, p2 = phases
    keys = ["actor", "code", "label", "level", "is_parent", "parent"]
    a = m[m["phase"] == p1].set_index(["actor", "code"])
    b = m[m["phase"] == p2].set_index(["actor", "code"])
    idx = a.index.union(b.index, sort=False)
    info = pd.concat([a[keys[2:]], b[keys[2:]]])
    info = info[~info.index.duplicated()].reindex(idx)
    out = info.copy()
    out["phase_from"], out["phase_to"] = p1, p2
    for name, side in (("segments_from", a), ("segments_to", b)):
        # a row absent from one phase = no segments there (0); a suppressed cell stays missing
        present_rows = pd.Series(idx.isin(side.index), index=idx)
        values = side["segments"].reindex(idx).astype("Int64").mask(~present_rows, 0)
        out[name] = values if "suppressed" in m.columns else values.astype(int)
    out["share_from"] = a["share"].reindex(idx).astype(float)
    out["share_to"] = b["share"].reindex(idx).astype(float)
    out["difference"] = out["share_to"] - out["share_from"]
    out = out.reset_index()
    order = {c: i for i, c in enumerate(pd.unique(m["code"]))}  # first appearance = tree order
    out["_a"] = out["actor"].map(natural_key)
    out["_o"] = out["code"].map(order)
    out = out.sort_values(["_a", "_o"], kind="stable")
    out = out[columns].reset_index(drop=True)
    out.attrs["phases"] = list(present)  # every phase with segments, in order (for consecutive pairs)
    out.attrs["phase_note"] = present.note
    if m.attrs.get("suppressed_k") is not None:
        out.attrs["suppressed_k"] = m.attrs["suppressed_k"]
    return out


# ------------------------------------------------------------------------------ co-occurrence

def _cooc_pairs(data: _Data, window: int) -> pd.DataFrame:
    if window < 0:
        raise WorkbenchError(f"window={window}: give 0 (same segment) or a positive number of turns")
    c = data.coded[["segment_id", "source_id", "index", "code"]]
    if c.empty:
        return pd.DataFrame(columns=["segment_id", "code_a", "code_b"])
    near = pd.concat([c.assign(index=c["index"] + d) for d in range(-window, window + 1)])
    pairs = c.rename(columns={"code": "code_a"}).merge(
        near[["source_id", "index", "code"]].rename(columns={"code": "code_b"}),
        on=["source_id", "index"])
    return pairs[["segment_id", "code_a", "code_b"]].drop_duplicates()


@requires("view_aggregates")
def cooccurrence(db: Database, *, window: int = 0, codes: str | Iterable[str] | None = None,
                 coder: str | None = None, codebook_version: int | str | None = None,
                 parents: bool = False, suppress: bool | int | None = None,
                 exclude_actors: Iterable[str] = (), user: str | None = None) -> pd.DataFrame:
    """Code x code counts of segments (``exclude_actors``: leave these actors' segments out).

    Cell (A, B) = number of segments coded A that have B in the same segment (``window=0``) or
    in the same source within ``window`` neighbouring turns. The diagonal is the number of
    segments coded A. With ``window>0`` the matrix can be asymmetric (A followed by many Bs).
    ``parents``: include parent codes (aggregating children); default the codes as applied.
    Index and columns are code ids in codebook order; ``df.attrs["labels"]`` maps id -> label.
    With suppression (``suppress``; always for the resource group) a cell whose segments come
    from fewer than k distinct speakers is missing (NaN) and ``df.attrs["suppressed_k"]`` is k;
    text without a speaker (documents, notes) counts none, so a cell resting on it alone is
    missing too, as in the theme matrices (``suppress.primary``).
    Counted as the published tables are (the interviewers left out, all coders), the diagonal
    and the pairs of a code with its own parent are missing too: they are code totals, published
    in ``code_frequencies`` and suppressed there together with the other tables. The resource
    group gets only such counts (``check_published``), and only the published form: same segment,
    codes as applied (``check_published_cooccurrence``).
    """
    k = suppression_k(db, suppress)
    exclude_actors = check_published((), exclude_actors, coder, codebook_version)
    window = int(window)
    if window < 0:
        raise WorkbenchError(f"window={window}: give 0 (same segment) or a positive number of turns")
    check_published_cooccurrence(window=window, parents=parents)
    args = dict(window=window, codes=codes, coder=coder, codebook_version=codebook_version, parents=parents)
    out, speakers, tree = _cooc_counts(db, exclude_actors=exclude_actors, speakers=k is not None, **args)
    if k is not None:
        from .suppress import primary

        hide = primary(out, speakers, k)
        if _in_published((), exclude_actors, coder, codebook_version, k) and len(out):
            ids = list(out.index)
            ancestors = dict(zip(tree["code"], tree["ancestors"]))
            own = pd.DataFrame([[a == b or b in ancestors.get(a, ()) or a in ancestors.get(b, ()) for b in ids]
                                for a in ids], index=out.index, columns=out.columns)
            hide = hide | own
        out = out.astype(float).mask(hide)
        out.attrs["suppressed_k"] = k
    out.index.name, out.columns.name = "code", None
    out.attrs["labels"] = dict(zip(tree["code"], tree["label"]))
    return out


def check_published_cooccurrence(*, window: int = 0, parents: bool = False) -> None:
    """For the resource group: refuse any co-occurrence but the published one (same segment, the
    codes as applied). Another form counts the same segments another way (a parent as the union of
    its children, neighbouring turns), so a hidden pair could be worked out by setting the two
    against each other (parents minus children). One Norwegian line (``PermissionDenied``)."""
    if not _resource_group():
        return
    if parents or int(window) != 0:
        form = "med overkoder" if parents else f"innenfor {int(window)} naboytringer"
        _refuse("published.cooccurrence", f"samforekomst {form} er ikke publisert; ressursgruppen ser samforekomst "
                "i samme segment for kodene slik de er brukt.", form=form)


def _cooc_counts(db: Database, *, window: int, codes, coder, codebook_version, parents: bool, exclude_actors,
                 speakers: bool) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
    """(segments, distinct speakers (or None), code tree): the co-occurrence squares, indexed by
    the codes present in codebook order; from SQL or, in the reference mode, from pandas."""
    if _PANDAS.get():
        return _cooccurrence_pandas(db, window=window, codes=codes, coder=coder, codebook_version=codebook_version,
                                    parents=parents, speakers=speakers, exclude_actors=exclude_actors)
    q = _query(db, coder=coder, codes=codes, codebook_version=codebook_version, parents=parents,
               exclude_actors=exclude_actors)

    def run():
        cmap, names = q.code_map()
        with sql.reading(db) as s:
            rows = s.execute(sql.cooccurrence_counts(q.scope, cmap, window, speakers=speakers)).all()
        return [(names[r[0]], names[r[1]], *r[2:]) for r in rows]

    rows = _cached(("cooccurrence", db.url, q.scope, window, speakers), run)
    cols = ["code_a", "code_b", "segments"] + (["speakers"] if speakers else [])
    counts = pd.DataFrame([tuple(r) for r in rows], columns=cols)
    present = set(counts["code_a"])  # the diagonal: every coded code pairs with itself
    ids = [c for c in q.tree["code"] if c in present]
    ids += sorted(present - set(ids))
    out = _square(counts, "segments", ids).fillna(0).astype(int)
    who = _square(counts, "speakers", ids).fillna(0) if speakers else None
    return out, who, q.tree


def _square(counts: pd.DataFrame, value: str, ids: list[str]) -> pd.DataFrame:
    """A code x code frame of ``value`` from (code_a, code_b, value) rows; NaN where absent."""
    out = pd.DataFrame(np.nan, index=pd.Index(ids), columns=pd.Index(ids), dtype=float)
    if len(counts):
        pos = {c: i for i, c in enumerate(ids)}
        grid = out.to_numpy(copy=True)
        grid[counts["code_a"].map(pos).to_numpy(), counts["code_b"].map(pos).to_numpy()] = counts[value].to_numpy()
        out = pd.DataFrame(grid, index=out.index, columns=out.columns)
    return out


def _cooccurrence_pandas(db: Database, *, window, codes, coder, codebook_version, parents, speakers,
                         exclude_actors) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame]:
    data = _load_pandas(db, coder=coder, codes=codes, codebook_version=codebook_version,
                        parents=parents, exclude_actors=exclude_actors)
    pairs = _cooc_pairs(data, int(window))
    present = set(data.coded["code"])
    ids = [c for c in data.tree["code"] if c in present]
    ids += sorted(present - set(ids))
    if pairs.empty:
        out = pd.DataFrame(0, index=ids, columns=ids, dtype=int)
    else:
        out = (pd.crosstab(pairs["code_a"], pairs["code_b"])
               .reindex(index=ids, columns=ids, fill_value=0).astype(int))
    who = None
    if speakers:
        both = pairs.merge(data.segments[["segment_id", "speaker_key"]], on="segment_id", how="left")
        if both.empty:
            who = pd.DataFrame(0, index=ids, columns=ids)
        else:
            who = (both.groupby(["code_a", "code_b"])["speaker_key"].nunique().unstack()
                   .reindex(index=ids, columns=ids).fillna(0))
    return out, who, data.tree


@requires("view_aggregates")
def cooccurrence_pairs(db: Database, *, window: int = 0, **kwargs) -> pd.DataFrame:
    """The co-occurrence matrix as a list: code_a, label_a, code_b, label_b, segments (> 0),
    largest first. With ``window=0`` each unordered pair once; else every ordered pair.
    Suppressed pairs (see ``cooccurrence``) come last with ``segments`` missing."""
    m = cooccurrence(db, window=window, **kwargs)
    labels = m.attrs.get("labels", {})
    ids = list(m.index)
    rows = []
    for i, a in enumerate(ids):
        for j, b in enumerate(ids):
            if i == j or (window == 0 and j < i):
                continue
            n = m.at[a, b]
            if pd.isna(n) or n:
                rows.append((a, labels.get(a, a), b, labels.get(b, b), n, i, j))
    out = pd.DataFrame(rows, columns=["code_a", "label_a", "code_b", "label_b", "segments", "_i", "_j"])
    out = out.sort_values(["segments", "_i", "_j"], ascending=[False, True, True], kind="stable",
                          na_position="last")
    out = out.drop(columns=["_i", "_j"]).reset_index(drop=True)
    if "suppressed_k" in m.attrs:
        out["segments"] = out["segments"].astype("Int64")
        out.attrs["suppressed_k"] = m.attrs["suppressed_k"]
    else:
        out["segments"] = out["segments"].astype(int)
    return out


# ---------------------------------------------------------------------------------- quotes

QUOTE_COLUMNS = ["segment_id", "code", "label", "source", "index", "position", "speaker", "actor",
                 "organisation", "phase", "pilot", "kind", "county", "coders", "applied", "text",
                 "released"]


def _released_pairs(db: Database) -> set[tuple[int, str]]:
    from sqlalchemy import select

    from ..store import ReleasedQuote

    with db.session() as s:
        return {(int(a), b) for a, b in s.execute(select(ReleasedQuote.segment_id, ReleasedQuote.code_id))}


#: between two coded passages of one turn that do not touch ("… " marks the words left out)
PASSAGE_JOIN = " … "


def _merged_spans(text: str, spans) -> list[tuple[int, int]]:
    """The spans (offsets into ``text``) clipped to it, sorted and merged where they overlap or
    only white space lies between them."""
    out: list[list[int]] = []
    for a, b in sorted((max(0, int(a)), min(len(text), int(b))) for a, b in spans):
        if b <= a:
            continue
        if out and (a <= out[-1][1] or not text[out[-1][1]:a].strip()):
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def quote_passage(text, spans=None, scrubber=None):
    """The quote of a coded turn: the part of ``text`` (the turn) its codings cover. ``spans``:
    (start, end) offsets into the turn of the codings of the code (and its subcodes); their
    union is the quote, passages that do not touch joined with " … " (``PASSAGE_JOIN``); no
    spans, or spans covering the whole turn, give the whole turn.

    With a ``scrubber`` (``privacy.Scrubber``) the *whole turn* is scrubbed first, and the
    spans are mapped onto the scrubbed text (``refi.export.OffsetMap``): a name cut by a span's
    edge is never left half in the quote, it is "[navn]" whole, and a name is judged in the
    context of its turn exactly as in the full text."""
    if not isinstance(text, str):
        return text
    merged = _merged_spans(text, spans or ())
    whole = not merged or not (text[:merged[0][0]] + text[merged[-1][1]:]).strip() and len(merged) == 1
    if scrubber is None:
        return text if whole else PASSAGE_JOIN.join(text[a:b].strip() for a, b in merged)
    from ..refi.export import OffsetMap, scrub_with_map

    scrubbed, runs = scrub_with_map(scrubber, text)
    if whole:
        return scrubbed
    m = OffsetMap()
    m.add(scrubbed, runs)
    parts = [scrubbed[x:y].strip() for x, y in (m.span(a, b) for a, b in merged)]
    return PASSAGE_JOIN.join(p for p in parts if p) or scrubbed


def _coded_spans(db: Database, c: pd.DataFrame, *, coder=None, codebook_version=None) -> list[list[tuple[int, int]]]:
    """Per row of a quote frame (``segment_id`` and ``applied``, the code ids applied): the
    spans of those codings within the turn (offsets into the turn's text), of the coder asked
    for (normalised as ``check_coder`` does: "Mari" is mari, "ALL" is every coder) and the
    codebook version asked for. For ``"consensus"`` (the frame holds only consensus pairs): the
    spans of the ``konsensus`` coder (the agreed coding) where it coded that pair, else the
    union of every coder's spans of it."""
    from sqlalchemy import select

    from ..store import Coding, Segment, User
    from ..store.db import CONSENSUS_CODER

    if c.empty:
        return []
    coder = check_coder(db, coder)
    ids = sorted({int(x) for x in c["segment_id"]})
    stmt = (select(Coding.segment_id, Coding.code_id, Coding.start_char, Coding.end_char, Segment.start_char,
                   User.name)
            .join(Segment, Segment.id == Coding.segment_id).join(User, User.id == Coding.coder_id))
    if coder not in (None, CONSENSUS):
        stmt = stmt.where(User.name == coder)
    if codebook_version not in (None, ""):
        version = resolve_codebook_version(db, codebook_version)
        if version is not None:
            stmt = stmt.where(Coding.codebook_version_id == getattr(version, "id", version))
    found: dict[tuple[int, str], list[tuple[int, int]]] = {}
    agreed: dict[tuple[int, str], list[tuple[int, int]]] = {}
    with db.session() as s:
        for i in range(0, len(ids), 500):
            for seg, code, a, b, start, name in s.execute(stmt.where(Coding.segment_id.in_(ids[i:i + 500]))):
                key = (int(seg), str(code))
                mine = agreed.setdefault(key, []) if name == CONSENSUS_CODER else None  # (whole turn: none)
                if a is None or b is None:
                    continue
                span = (int(a) - int(start), int(b) - int(start))
                found.setdefault(key, []).append(span)
                if mine is not None:
                    mine.append(span)
    if coder == CONSENSUS:
        found.update(agreed)
    out = []
    for seg, applied, code in zip(c["segment_id"], c["applied"], c["code"]):
        codes = [x.strip() for x in str(applied).split(",") if x.strip()] if isinstance(applied, str) else [code]
        out.append([span for x in codes for span in found.get((int(seg), x), ())])
    return out


def _finish_quotes(db: Database, c: pd.DataFrame, revealed: bool, tree: pd.DataFrame, *, coder=None,
                   codebook_version=None) -> pd.DataFrame:
    """Cut each quote to its coded passage (``quote_passage``), scrub it (unless revealed: the
    whole turn scrubbed, then cut) and mark the quotes released for the resource group (a
    release under a code also marks the quote under the code's parents)."""
    spans = _coded_spans(db, c, coder=coder, codebook_version=codebook_version)
    scrubber = None
    if not revealed:
        from ..sharing import roster_scrubber

        scrubber = roster_scrubber(db)
        c["organisation"] = None  # an organisation plus an actor can point to one person
    c["text"] = [quote_passage(t, sp, scrubber) for t, sp in zip(c["text"], spans)]
    ancestors = dict(zip(tree["code"], tree["ancestors"]))
    released = {(s, a) for s, code in _released_pairs(db) for a in (code, *ancestors.get(code, ()))}
    c["released"] = [(int(s), code) in released for s, code in zip(c["segment_id"], c["code"])]
    return c


def _sql_coded(db: Database, q: _Query, *, private: bool, where: dict[str, list] | None = None,
               text: bool = False) -> pd.DataFrame:
    """The reference path's ``coded`` frame (with detail) for the codings in scope, read with
    the ``where`` filters applied in SQL (column -> values; see ``sql.coded_rows``); speakers
    as pseudonyms and file names scrubbed when ``private``; ``text``: with the segments' text."""
    where = dict(where or {})
    source_ids = None
    if "source" in where:
        names = _source_names(db, scrubbed=private)
        wanted = {str(v) for v in where.pop("source")}
        source_ids = [i for i, n in names.items() if str(n) in wanted]
    if private:
        from ..sharing import pseudonym_map

        pseudonyms = pseudonym_map(db)  # (assigns missing pseudonyms before the SQL compares them)
    cmap, code_ids = q.code_map()
    stmt = sql.coded_rows(q.scope, cmap, where=where, source_ids=source_ids,
                          pseudonyms=private and "speaker" in where, text=text)
    with sql.reading(db) as s:
        rows = s.execute(stmt).all()
    head = ["segment_id", "code", "n_codings", "coders", "applied"]
    meta = sql.SEGMENT_META + (["text"] if text else [])
    if not rows:
        return pd.DataFrame(columns=head + meta)
    sep = sql.SEPARATOR
    # as _group_codings: the distinct coders (codes) of each pair, sorted
    coded = pd.DataFrame([(r[0], code_ids[r[1]], r[2], ", ".join(sorted(set(r[3].split(sep)))),
                           ", ".join(sorted(set(r[4].split(sep))))) + tuple(r)[5:] for r in rows],
                         columns=head + meta)
    for col in ("source", "kind", "phase", "pilot", "county", "speaker", "actor", "organisation", "heading",
                "speaker_key"):  # text columns, as the whole-table frames infer them (also when all missing here)
        if coded[col].dtype == object:
            coded[col] = coded[col].astype("str")
    if private:
        coded["speaker"] = pd.Series([pseudonyms.get(k) if isinstance(k, str) else None for k in coded["speaker_key"]],
                                     index=coded.index, dtype=object).astype("str")  # as above, also when all missing
        names = _source_names(db, scrubbed=True)
        coded["source"] = coded["source_id"].map(names).astype(object)
    return coded


def _coded_pairs(db: Database, *, coder=None, codes=None, codebook_version=None,
                 exclude_actors: Iterable[str] = ()) -> set[tuple[int, str]]:
    """The (segment id, code) pairs the counts of these filters rest on, parents included: what
    a released quote must be one of to belong in an export made with the same filters."""
    q = _query(db, coder=coder, codes=codes, codebook_version=codebook_version, exclude_actors=exclude_actors)
    c = _sql_coded(db, q, private=False)
    return {(int(s), str(code)) for s, code in zip(c["segment_id"], c["code"])}


@requires("view_quotes")
def quotes(db: Database, *, code: str, actor=None, phase=None, pilot=None, kind=None, county=None,
           speaker=None, source=None, coder: str | None = None,
           codebook_version: int | str | None = None, reveal: bool = False,
           user: str | None = None) -> pd.DataFrame:
    """The drill-down behind a cell: every segment carrying ``code`` (or one of its children).

    Filters take a value or a list; "(ukjent)" selects missing values. Columns: segment_id,
    code, label, source, index, position (hh:mm:ss or "avsnitt N"), speaker, actor,
    organisation, phase, pilot, kind, county, coders, applied (the code ids actually applied),
    text, released (released for the resource group). Sorted by source and position.

    Speakers are pseudonyms, file names and texts are scrubbed of roster names, e-mail
    addresses, phone numbers and fødselsnummer, and organisation is left out, unless a
    researcher asks ``reveal=True`` (audited); the ``speaker`` filter then takes pseudonyms.
    A filter value that is not in the database is an error naming the known values
    (``check_filters``; letter case is forgiven: "Fase 2" is "fase 2"). Phases and pilots are
    shown, and filtered, as the acting user sees them (``sharing.shown_values``: a roster name in
    one is "[navn]" for all but researchers; such a value selects every stored value it stands for).
    """
    tree = codes_frame(db)
    code = resolve_code_id(tree, code)
    filters = dict(actor=actor, phase=phase, pilot=pilot, kind=kind, county=county, speaker=speaker,
                   source=source)
    if _PANDAS.get():
        data = _load_pandas(db, coder=coder, codes=None, codebook_version=codebook_version, detail=True,
                            only=code)
        revealed = check_reveal(db, reveal, "quotes")
        filters = check_filters(db, filters, private=not revealed)
        if not revealed:
            data = _privatise(db, data, ["speaker", "source"])
        c = data.coded
    else:
        q = _query(db, coder=coder, codes=None, codebook_version=codebook_version, only=code)
        revealed = check_reveal(db, reveal, "quotes")
        filters = check_filters(db, filters, private=not revealed)
        wanted = {k: [v] if isinstance(v, (str, int)) else list(v) for k, v in filters.items() if v is not None}
        c = _sql_coded(db, q, private=not revealed, where=_stored_filters(db, wanted), text=True)
    c = _fill_unknown(c, [k for k, v in filters.items() if v is not None])
    c = _shown_columns(db, c, SHOWN_COLUMNS)  # (the filters below compare the values as shown)
    for col, value in filters.items():
        if value is None:
            continue
        values = [value] if isinstance(value, (str, int)) else list(value)
        c = c[c[col].astype(str).isin([str(v) for v in values])]
    if c.empty:
        return pd.DataFrame(columns=QUOTE_COLUMNS)
    if "text" not in c.columns:  # (the SQL path read the texts with the quotes)
        texts = segments_frame(db, with_text=True, segment_ids=c["segment_id"])[["segment_id", "text"]]
        c = c.merge(texts, on="segment_id", how="left")
    c = _finish_quotes(db, c, revealed, tree, coder=coder, codebook_version=codebook_version)
    c["label"] = dict(zip(tree["code"], tree["label"]))[code]
    c["position"] = [format_position(t, i, p) for t, i, p in zip(c["start_time"], c["index"], c["page"])]
    c["_s"] = c["source"].map(natural_key)
    c = c.sort_values(["_s", "index"], kind="stable")
    return c[QUOTE_COLUMNS].reset_index(drop=True)


@requires("view_quotes")
def all_quotes(db: Database, *, codes: str | Iterable[str] | None = None, coder: str | None = None,
               codebook_version: int | str | None = None, reveal: bool = False,
               user: str | None = None) -> pd.DataFrame:
    """Quotes for every code as applied (no parent duplicates), codebook order then source order.
    Pseudonymised and scrubbed as in ``quotes`` unless a researcher asks ``reveal=True``."""
    if _PANDAS.get():
        data = _load_pandas(db, coder=coder, codes=codes, codebook_version=codebook_version,
                            parents=False, detail=True)
        revealed = check_reveal(db, reveal, "all_quotes")
        if not revealed:
            data = _privatise(db, data, ["speaker", "source"])
        c, tree = data.coded, data.tree
    else:
        q = _query(db, coder=coder, codes=codes, codebook_version=codebook_version, parents=False)
        revealed = check_reveal(db, reveal, "all_quotes")
        c, tree = _sql_coded(db, q, private=not revealed), q.tree
    if c.empty:
        return pd.DataFrame(columns=QUOTE_COLUMNS)
    texts = segments_frame(db, with_text=True, segment_ids=c["segment_id"])[["segment_id", "text"]]
    c = _finish_quotes(db, c.merge(texts, on="segment_id", how="left"), revealed, tree, coder=coder,
                       codebook_version=codebook_version).merge(
        tree[["code", "label", "order"]], on="code", how="left")
    c["label"] = c["label"].astype(object).where(c["label"].notna(), c["code"])
    c["position"] = [format_position(t, i, p) for t, i, p in zip(c["start_time"], c["index"], c["page"])]
    c["_s"] = c["source"].map(natural_key)
    c = c.sort_values(["order", "_s", "index"], kind="stable")
    return _shown_columns(db, c[QUOTE_COLUMNS].reset_index(drop=True), SHOWN_COLUMNS)
