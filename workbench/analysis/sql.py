"""The dashboard numbers as SQL ``GROUP BY`` statements (SQLAlchemy Core, SQLite and PostgreSQL).

Only aggregated rows come back to Python; ``aggregate`` turns them into the same frames the
pandas reference path (``aggregate._load_pandas``) builds. The counting rules are those of
``aggregate``'s module docstring; the pieces:

* ``code_map``: (code, anc) for every code and each of its ancestors (itself included; ``anc``
  numbered), from
  ``codes_frame``'s ``ancestors`` (a small in-Python dict, sent as an inline ``VALUES`` list),
  restricted to the codes asked for. Joining the codings to it is the parent roll-up.
* ``pairs``: one row per (segment, code) after the roll-up, with the number of coding rows
  behind it (``n``) and, for consensus, the number of distinct coders.
* ``units``: the pairs counted per (source, speaker row, code). A segment has one source and
  one speaker row, so the units partition the segments; summing over units counts segments,
  and the distinct persons and sources of a group are those of its units. The final statement
  joins the few units to sources and speakers and groups by the requested columns, so string
  work (the person key) is done per unit, not per coding.

Who a person is: the speaker key of ``frames``: the stored key of the speaker row's pseudonym row
(the person, joined by ``speakers.pseudonym_id``), else label|actor|organisation|pilot computed in
SQL (``''`` for a missing part); NULL without a speaker.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Iterable, Iterator, Sequence

from sqlalchemy import (Integer, String, and_, column, distinct, exists, func, literal, or_, select, text,
                        true, values)

from ..store import Code, Coding, Pseudonym, Segment, Source, Speaker, User
from ..store.db import CONSENSUS_CODER

UNKNOWN = "(ukjent)"
PG_WORK_MEM = "64MB"  # the statements hash ~1M (segment, code) pairs; the default 4MB spills to disk


@contextlib.contextmanager
def reading(db) -> Iterator:
    """A read session for the aggregation statements. On PostgreSQL, for this transaction only:
    enough ``work_mem`` for the hash aggregates to stay in memory, and no JIT (compiling took
    0.4 s of a 3 s statement and saved nothing)."""
    with db.session() as session:
        if db.dialect == "postgresql":
            session.execute(text(f"SET LOCAL work_mem = '{PG_WORK_MEM}'"))
            session.execute(text("SET LOCAL jit = off"))
        yield session


@dataclass(frozen=True)
class Scope:
    """Which codings count: ``coder`` (a name, or None for all), ``consensus`` (pairs applied by
    two coders, or from a single-coder source), the codebook version id, the actors whose
    segments are left out, the (rolled-up) codes wanted (None = all) and whether codes roll up
    to their parents."""

    coder: str | None = None
    consensus: bool = False
    version_id: int | None = None
    exclude_actors: tuple[str, ...] = ()
    codes: tuple[str, ...] | None = None
    parents: bool = True


def code_map(ancestors: dict[str, tuple[str, ...]], scope: Scope):
    """(code, anc) rows: each code with itself and (``parents``) its ancestors, keeping only the
    ``anc`` values in ``scope.codes``; ``anc`` is a number (grouping by small integers is
    faster than by dotted ids), the position in the returned list of code ids. An inline
    VALUES list: a codebook has tens of codes."""
    wanted = None if scope.codes is None else set(scope.codes)
    names = list(ancestors)
    number = {c: i for i, c in enumerate(names)}
    rows = []
    for code, anc in ancestors.items():
        for a in (code, *anc) if scope.parents else (code,):
            if (wanted is None or a in wanted) and a in number:
                rows.append((code, number[a]))
    if not rows:  # nothing can match; keep a valid statement
        rows = [(None, None)]
    cte = values(column("code", String), column("anc", Integer), name="code_map",
                 literal_binds=True).data(rows).cte("code_map")
    return cte, names


def person_key(sp=Speaker, so=Source, ps=Pseudonym):
    """The person's key as in ``frames._add_speaker_key``: the pseudonym row's stored key (``ps``
    joined on ``sp.pseudonym_id``), else label|actor|organisation|pilot; NULL without a speaker."""
    part = lambda x: func.coalesce(x, "")  # noqa: E731
    computed = (sp.label + literal("|") + part(sp.actor) + literal("|") + part(sp.organisation)
                + literal("|") + func.coalesce(sp.pilot, so.pilot, ""))
    return func.coalesce(ps.speaker_key, computed)


def excluded_speakers(actors: Sequence[str]):
    """Speaker ids of those actors; an actor NULL reads "None", as ``astype(str)`` does."""
    return select(Speaker.id).where(func.coalesce(Speaker.actor, "None").in_(list(actors)))


def kept_segments(seg, actors: Sequence[str]):
    """The condition on a segments table (or alias) that leaves out ``actors``' segments."""
    if not actors:
        return true()
    cond = seg.c.speaker_id.not_in(excluded_speakers(actors))
    if "None" in actors:  # segments without a speaker have no actor either
        return and_(seg.c.speaker_id.is_not(None), cond)
    return or_(seg.c.speaker_id.is_(None), cond)


def _coder_condition(scope: Scope, c):
    if scope.coder is None or scope.consensus:
        return true()
    return c.c.coder_id.in_(select(User.id).where(User.name == scope.coder))


def single_coder_sources(scope: Scope):
    """Sources that only one coder has coded (counting the codings in scope apart from the
    code filter): there that coder's codings stand under consensus."""
    c = Coding.__table__.alias("cs")
    s = Segment.__table__.alias("ss")
    stmt = (select(s.c.source_id).select_from(c).join(s, s.c.id == c.c.segment_id)
            .where(kept_segments(s, scope.exclude_actors))
            .group_by(s.c.source_id).having(func.count(distinct(c.c.coder_id)) == 1))
    if scope.version_id is not None:
        stmt = stmt.where(c.c.codebook_version_id == scope.version_id)
    return stmt


def pairs(scope: Scope, cmap):
    """One row per (segment, code) after the roll-up: seg, code, n (coding rows) and, under
    consensus, nc (distinct coders). Excluded actors' segments are still in."""
    c = Coding.__table__.alias("c")
    cols = [c.c.segment_id.label("seg"), cmap.c.anc.label("code"), func.count().label("n")]
    if scope.consensus:
        cols.append(func.count(distinct(c.c.coder_id)).label("nc"))
    stmt = (select(*cols).select_from(c).join(cmap, cmap.c.code == c.c.code_id)
            .where(_coder_condition(scope, c)).group_by(c.c.segment_id, cmap.c.anc))
    if scope.version_id is not None:
        stmt = stmt.where(c.c.codebook_version_id == scope.version_id)
    return stmt  # (excluded actors are left out where the pairs meet their segments)


def units(scope: Scope, cmap):
    """Pairs counted per (source_id, speaker_id, code): segs (distinct segments), n (codings)."""
    p = pairs(scope, cmap).subquery("p")
    s = Segment.__table__.alias("s")
    stmt = (select(s.c.source_id, s.c.speaker_id, p.c.code, func.count().label("segs"),
                   func.sum(p.c.n).label("n"))
            .select_from(p).join(s, s.c.id == p.c.seg)
            .where(kept_segments(s, scope.exclude_actors))
            .group_by(s.c.source_id, s.c.speaker_id, p.c.code))
    if scope.consensus:
        stmt = stmt.where(or_(p.c.nc >= 2, s.c.source_id.in_(single_coder_sources(scope))))
    return stmt


def group_columns(by: Sequence[str], *, pseudonyms: bool, sp=Speaker, so=Source, ps=Pseudonym):
    """SQL expressions for the grouping columns (missing = "(ukjent)"). ``source`` groups by the
    source id (its name is set in Python, scrubbed or not); ``speaker`` by the label, or by the
    pseudonym of the person when ``pseudonyms``."""
    unk = lambda x: func.coalesce(x, UNKNOWN)  # noqa: E731
    exprs = {"actor": unk(sp.actor), "phase": unk(so.phase), "pilot": func.coalesce(sp.pilot, so.pilot, UNKNOWN),
             "kind": unk(so.kind), "county": unk(so.county), "source": so.id,
             "speaker": unk(ps.label) if pseudonyms else unk(sp.label)}
    return [exprs[b].label(b) for b in by]


def _join_people(stmt, unit, by: Sequence[str], pseudonyms: bool):
    """Join units to their source, speaker row and person (pseudonym row)."""
    return (stmt.select_from(unit).join(Source, Source.id == unit.c.source_id)
            .outerjoin(Speaker, Speaker.id == unit.c.speaker_id)
            .outerjoin(Pseudonym, Pseudonym.id == Speaker.pseudonym_id))


def matrix_counts(by: Sequence[str], scope: Scope, cmap, *, pseudonyms: bool):
    """Per group and code: segments, speakers, sources, codings."""
    u = units(scope, cmap).subquery("u")
    groups = group_columns(by, pseudonyms=pseudonyms)
    stmt = select(*groups, u.c.code, func.sum(u.c.segs).label("segments"),
                  func.count(distinct(person_key())).label("speakers"),
                  func.count(distinct(u.c.source_id)).label("sources"),
                  func.sum(u.c.n).label("codings"))
    return _join_people(stmt, u, by, pseudonyms).group_by(*groups, u.c.code)


def group_totals(by: Sequence[str], scope: Scope, *, pseudonyms: bool):
    """Per group: all its segments and distinct speakers (the denominators); for the konsensus
    coder the turns with a recorded consensus only (``agreement.consensus_turn_condition``)."""
    s = Segment.__table__.alias("s")
    u = (select(s.c.source_id, s.c.speaker_id, func.count().label("segs"))
         .where(kept_segments(s, scope.exclude_actors)))
    if scope.coder == CONSENSUS_CODER and not scope.consensus:
        from ..agreement import consensus_turn_condition

        u = u.where(consensus_turn_condition(s.c.id))   # the agreed coding: of the turns agreed on
    u = u.group_by(s.c.source_id, s.c.speaker_id).subquery("t")
    groups = group_columns(by, pseudonyms=pseudonyms)
    stmt = select(*groups, func.sum(u.c.segs).label("group_segments"),
                  func.count(distinct(person_key())).label("group_speakers"))
    stmt = _join_people(stmt, u, by, pseudonyms)
    return stmt.group_by(*groups) if groups else stmt


CUBE = ("actor", "phase", "pilot")


def unit_rows(scope: Scope, cmap):
    """The units in scope with what the published tables group by: actor, phase, pilot (missing =
    "(ukjent)"), source_id, person (the speaker key; NULL without a speaker), code, segs, n."""
    u = units(scope, cmap).subquery("u")
    stmt = select(*group_columns(CUBE, pseudonyms=False), u.c.source_id, person_key().label("person"),
                  u.c.code, u.c.segs, u.c.n)
    return _join_people(stmt, u, (), False)


def unit_totals(scope: Scope):
    """Every segment in scope counted per (source, speaker row), with actor, phase, pilot,
    source_id, person and segs: the denominators of the published tables."""
    s = Segment.__table__.alias("s")
    u = (select(s.c.source_id, s.c.speaker_id, func.count().label("segs"))
         .where(kept_segments(s, scope.exclude_actors))
         .group_by(s.c.source_id, s.c.speaker_id).subquery("t"))
    stmt = select(*group_columns(CUBE, pseudonyms=False), u.c.source_id, person_key().label("person"), u.c.segs)
    return _join_people(stmt, u, (), False)


def standing_pairs(scope: Scope, cmap):
    """(seg, code) after the roll-up, for the pairs that stand, as in ``units``: the excluded
    actors' segments left out and, under consensus, only the agreed pairs."""
    p = pairs(scope, cmap)
    if scope.consensus or scope.exclude_actors:
        p0 = p.subquery("p0")
        s0 = Segment.__table__.alias("s0")
        p = (select(p0.c.seg, p0.c.code).select_from(p0).join(s0, s0.c.id == p0.c.seg)
             .where(kept_segments(s0, scope.exclude_actors)))
        if scope.consensus:
            p = p.where(or_(p0.c.nc >= 2, s0.c.source_id.in_(single_coder_sources(scope))))
    return p


def sibling_rows(scope: Scope, cmap, kids: dict[int, int]):
    """Segments carrying two children of one parent (each child with its subtree), counted per
    (actor, phase, pilot, source_id, person, parent, code_a, code_b) as ``segs``, code_a < code_b
    (numbered as in ``code_map``; ``kids``: child number -> parent number). What a parent's count
    leaves out of the sum of its children's: ``aggregate.parent_overlaps``."""
    rows = sorted(kids.items()) or [(-1, -1)]  # no code is numbered -1 (a NULL row is text to PostgreSQL)
    km = values(column("child", Integer), column("parent", Integer), name="kids",
                literal_binds=True).data(rows).cte("kids")
    p = standing_pairs(scope, cmap).subquery("sp")
    kp = (select(p.c.seg, p.c.code, km.c.parent).select_from(p).join(km, km.c.child == p.c.code)).cte("kp")
    a, b = kp.alias("ka"), kp.alias("kb")
    s = Segment.__table__.alias("s")
    u = (select(s.c.source_id, s.c.speaker_id, a.c.parent, a.c.code.label("code_a"), b.c.code.label("code_b"),
                func.count().label("segs"))
         .select_from(a).join(b, and_(b.c.seg == a.c.seg, b.c.parent == a.c.parent, a.c.code < b.c.code))
         .join(s, s.c.id == a.c.seg)
         .group_by(s.c.source_id, s.c.speaker_id, a.c.parent, a.c.code, b.c.code).subquery("u"))
    stmt = select(*group_columns(CUBE, pseudonyms=False), u.c.source_id, person_key().label("person"),
                  u.c.parent, u.c.code_a, u.c.code_b, u.c.segs)
    return _join_people(stmt, u, (), False)


def cooccurrence_counts(scope: Scope, cmap, window: int, *, speakers: bool):
    """(code_a, code_b, segments[, speakers]): segments coded A with B in the same segment
    (window 0) or within ``window`` turns of it in the same source."""
    p = standing_pairs(scope, cmap).cte("pc")
    a, b = p.alias("a"), p.alias("b")
    if window > 0:  # the codes within ``window`` turns of each segment (itself included), once each
        sa, sb = Segment.__table__.alias("sa"), Segment.__table__.alias("sb")
        offsets = values(column("d", Integer), name="offsets", literal_binds=True).data(
            [(d,) for d in range(-window, window + 1)]).cte("offsets")
        b = (select(sa.c.id.label("seg"), b.c.code).select_from(b).join(sb, sb.c.id == b.c.seg)
             .join(offsets, true())
             .join(sa, and_(sa.c.source_id == sb.c.source_id, sa.c.index == sb.c.index + offsets.c.d))
             .distinct().subquery("nb"))
    near = (select(a.c.seg, a.c.code.label("code_a"), b.c.code.label("code_b"))
            .select_from(a).join(b, b.c.seg == a.c.seg)).subquery("near")
    if not speakers:
        return (select(near.c.code_a, near.c.code_b, func.count().label("segments"))
                .group_by(near.c.code_a, near.c.code_b))
    s = Segment.__table__.alias("s")
    u = (select(near.c.code_a, near.c.code_b, s.c.source_id, s.c.speaker_id, func.count().label("segs"))
         .select_from(near).join(s, s.c.id == near.c.seg)
         .group_by(near.c.code_a, near.c.code_b, s.c.source_id, s.c.speaker_id).subquery("u"))
    stmt = select(u.c.code_a, u.c.code_b, func.sum(u.c.segs).label("segments"),
                  func.count(distinct(person_key())).label("speakers"))
    return _join_people(stmt, u, (), False).group_by(u.c.code_a, u.c.code_b)


SEGMENT_META = ["source_id", "source", "index", "kind", "phase", "pilot", "county", "speaker", "actor",
                "organisation", "start_time", "end_time", "page", "heading", "word_count", "speaker_key"]


SEPARATOR = "\x1f"  # between the coders (codes) of a pair in ``coded_rows``: never in a name or code id


def coded_rows(scope: Scope, cmap, *, where: dict[str, list[str]] | None = None,
               source_ids: Iterable[int] | None = None, pseudonyms: bool = False, text: bool = False):
    """One row per (segment, code) in scope after the roll-up (the quote drill-down):
    segment_id, code (rolled up, numbered as in ``code_map``), n_codings, coders and applied
    (each joined by ``SEPARATOR``, unsorted and with repeats), then the segment's metadata
    (``SEGMENT_META``). Under consensus only the pairs that stand.

    ``where``: column -> values, compared as ``quotes`` does (missing = "(ukjent)"); ``speaker``
    compares the pseudonym when ``pseudonyms``. ``source_ids`` restricts the sources. ``text``
    adds the segment's text last (cut from the source's text after grouping, so that the
    source's whole text never goes through the GROUP BY)."""
    c = Coding.__table__.alias("c")
    s = Segment.__table__.alias("s")
    cols = [c.c.segment_id, cmap.c.anc.label("code"), func.count().label("n_codings"),
            func.aggregate_strings(User.name, SEPARATOR).label("coders"),
            func.aggregate_strings(c.c.code_id, SEPARATOR).label("applied"),
            s.c.source_id, Source.file_name.label("source"), s.c.index, Source.kind, Source.phase,
            func.coalesce(Speaker.pilot, Source.pilot).label("pilot"), Source.county,
            Speaker.label.label("speaker"), Speaker.actor, Speaker.organisation, s.c.start_time,
            s.c.end_time, s.c.page, s.c.heading, s.c.word_count, person_key().label("speaker_key")]
    # the segment's, source's and speaker's columns depend on their ids (PostgreSQL accepts them)
    keys = [c.c.segment_id, cmap.c.anc, s.c.id, Source.id, Speaker.id, Pseudonym.id]
    stmt = (select(*cols).select_from(c).join(cmap, cmap.c.code == c.c.code_id)
            .join(User, User.id == c.c.coder_id).join(s, s.c.id == c.c.segment_id)
            .join(Source, Source.id == s.c.source_id).outerjoin(Speaker, Speaker.id == s.c.speaker_id)
            .outerjoin(Pseudonym, Pseudonym.id == Speaker.pseudonym_id)
            .where(_coder_condition(scope, c), kept_segments(s, scope.exclude_actors)))
    if scope.version_id is not None:
        stmt = stmt.where(c.c.codebook_version_id == scope.version_id)
    if source_ids is not None:
        stmt = stmt.where(s.c.source_id.in_(sorted({int(i) for i in source_ids})))
    exprs = group_columns(["actor", "phase", "pilot", "kind", "county", "speaker"], pseudonyms=pseudonyms)
    exprs = {e.name: e.element for e in exprs}
    for col, wanted in (where or {}).items():
        stmt = stmt.where(exprs[col].in_([str(v) for v in wanted]))
    stmt = stmt.group_by(*keys)
    if scope.consensus:
        stmt = stmt.having(or_(func.count(distinct(c.c.coder_id)) >= 2,
                               s.c.source_id.in_(single_coder_sources(scope))))
    if not text:
        return stmt
    g = stmt.subquery("g")
    st, so = Segment.__table__.alias("st"), Source.__table__.alias("so")
    return (select(*g.c, func.substr(so.c.canonical_text, st.c.start_char + 1, st.c.end_char - st.c.start_char)
                   .label("text"))
            .select_from(g).join(st, st.c.id == g.c.segment_id).join(so, so.c.id == st.c.source_id))


def distinct_values(column: str):
    """The distinct values of one grouping column (actor, phase, pilot, kind, county, or speaker
    label) over the segments, "(ukjent)" for a missing one."""
    s = Segment.__table__.alias("s")
    u = select(s.c.source_id, s.c.speaker_id).distinct().subquery("u")
    expr = group_columns([column], pseudonyms=False)[0]
    return _join_people(select(expr), u, [column], False).distinct()


def phase_dates():
    """(phase, earliest date) over the sources with both (dates are ISO: 2024, 2024-03, 2024-03-12,
    so the smallest string is the earliest)."""
    return (select(Source.phase, func.min(Source.date))
            .where(Source.phase.is_not(None), Source.date.is_not(None), Source.date != "")
            .group_by(Source.phase))


def filter_values():
    """Distinct (phase, pilot, actor, kind) of the segments."""
    s = Segment.__table__.alias("s")
    u = select(s.c.source_id, s.c.speaker_id).distinct().subquery("u")
    return (select(Source.phase, func.coalesce(Speaker.pilot, Source.pilot).label("pilot"), Speaker.actor,
                   Source.kind).select_from(u).join(Source, Source.id == u.c.source_id)
            .outerjoin(Speaker, Speaker.id == u.c.speaker_id).distinct())



def data_status():
    """One row of five booleans: sources (any source stored), codebook (any code not retired),
    coded (any coding), described (any segment with an actor or a phase) and coded_described (any
    coded segment with one). Each an ``EXISTS``, which stops at the first row found."""
    def described(q):
        return q.join(Source, Source.id == Segment.source_id).outerjoin(Speaker, Speaker.id == Segment.speaker_id) \
            .where(or_(Speaker.actor.is_not(None), Source.phase.is_not(None)))

    return select(exists(select(Source.id)).label("sources"),
                  exists(select(Code.id).where(Code.retired.is_(False))).label("codebook"),
                  exists(select(Coding.id)).label("coded"),
                  exists(described(select(Segment.id))).label("described"),
                  exists(described(select(Coding.id).join(Segment, Segment.id == Coding.segment_id)))
                  .label("coded_described"))
