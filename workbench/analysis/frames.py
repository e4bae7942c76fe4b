"""Flat pandas views of the store: one row per coding, one row per segment, one row per code.

Each view is one SQLAlchemy ``select`` (no N+1); everything above this module works on DataFrames.
Missing metadata stays missing here (``NaN``/``None``); the aggregations decide how to show it.

Who a *speaker* is across sources: a ``Speaker`` row belongs to one source, so the same person in a
phase-1 focus group and a phase-2 interview is two rows. Both rows point to one pseudonym row, the
person, made at ingest by the person key (``privacy.person_key``: label, actor, organisation, and
the pilot only for role or code labels, so a named person is one person in sources of different
pilots). ``speaker_key`` is that pseudonym row's stored key; a speaker row without a pseudonym yet
(the aggregations give every row one first) falls back to label|actor|organisation|pilot.
"""

from __future__ import annotations

from typing import Any, Iterable

import pandas as pd
from sqlalchemy import func, select

from ..access import requires
from ..errors import InputError, NotFound
from ..store import Code, CodebookVersion, Coding, Database, Pseudonym, Segment, Source, Speaker, User
from ..store.lookup import match_value

ALL = "all"
CONSENSUS = "consensus"

SEGMENT_COLUMNS = ["segment_id", "source_id", "source", "index", "kind", "phase", "pilot", "county",
                   "speaker", "actor", "organisation", "start_time", "end_time", "page", "heading",
                   "word_count"]
CODING_COLUMNS = ["coding_id", "segment_id", "source_id", "source", "index", "kind", "phase", "pilot",
                  "county", "speaker", "actor", "organisation", "code", "label", "parent", "coder",
                  "origin", "codebook_version_id", "start_char", "end_char"]
CODE_COLUMNS = ["code", "label", "parent", "codable", "retired", "color", "sort_order", "level",
                "is_parent", "order", "ancestors"]


def _pilot():
    # A speaker's own pilot wins (a dialogue conference may gather several pilots).
    return func.coalesce(Speaker.pilot, Source.pilot)


def _frame(rows: Iterable[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


def _add_speaker_key(df: pd.DataFrame, stored: list | None = None) -> pd.DataFrame:
    """``speaker_key``: the person's stored key (``stored``, one per row: the pseudonym row's key),
    else label|actor|organisation|pilot; None without a speaker (as ``sql.person_key``)."""
    parts = df[["speaker", "actor", "organisation", "pilot"]].astype(object).where(
        df[["speaker", "actor", "organisation", "pilot"]].notna(), "")
    key = parts["speaker"] + "|" + parts["actor"] + "|" + parts["organisation"] + "|" + parts["pilot"]
    if stored is not None and len(df):
        kept = pd.Series(stored, index=df.index, dtype=object)
        key = kept.where(kept.notna(), key)
    df["speaker_key"] = key.where(df["speaker"].notna(), None)
    return df


def _ensure_people(db: Database) -> None:
    from ..sharing import ensure_pseudonyms

    ensure_pseudonyms(db)


@requires("view_transcripts")
def segments_frame(db: Database, *, user: str | None = None, with_text: bool = False,
                   segment_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """One row per segment with its source and speaker metadata (the denominators of shares).

    Columns: segment_id, source_id, source (file name), index (1-based), kind, phase, pilot,
    county, speaker (label), actor, organisation, start_time, end_time, page, heading,
    word_count, speaker_key, and ``text`` when ``with_text``. ``segment_ids`` restricts the rows.
    """
    _ensure_people(db)
    cols = [Segment.id, Segment.source_id, Source.file_name, Segment.index, Source.kind, Source.phase,
            _pilot(), Source.county, Speaker.label, Speaker.actor, Speaker.organisation,
            Segment.start_time, Segment.end_time, Segment.page, Segment.heading, Segment.word_count]
    names = list(SEGMENT_COLUMNS)
    if with_text:
        cols.append(func.substr(Source.canonical_text, Segment.start_char + 1,
                                Segment.end_char - Segment.start_char))
        names.append("text")
    cols.append(Pseudonym.speaker_key)
    stmt = (select(*cols).select_from(Segment).join(Source, Segment.source_id == Source.id)
            .outerjoin(Speaker, Segment.speaker_id == Speaker.id)
            .outerjoin(Pseudonym, Speaker.pseudonym_id == Pseudonym.id)
            .order_by(Source.file_name, Segment.index))
    ids = None if segment_ids is None else sorted({int(i) for i in segment_ids})
    with db.session() as s:
        if ids is None:
            rows = s.execute(stmt).all()
        else:
            rows = []
            for i in range(0, len(ids), 500):  # keep IN lists short for both backends
                rows += s.execute(stmt.where(Segment.id.in_(ids[i:i + 500]))).all()
    return _add_speaker_key(_frame([r[:-1] for r in rows], names), [r[-1] for r in rows])


@requires("view_quotes")
def coder_names(db: Database, *, user: str | None = None) -> list[str]:
    """Names of everyone who has made at least one coding, sorted."""
    with db.session() as s:  # EXISTS per user: an index probe each, not a scan of every coding
        return sorted(s.scalars(select(User.name).where(select(Coding.id).where(Coding.coder_id == User.id)
                                                         .exists())))


@requires("view_codebook")
def resolve_codebook_version(db: Database, version: int | str | None, *,
                             user: str | None = None) -> int | None:
    """A codebook version id from an id, a name (newest with that name) or a content-hash prefix
    (at least 4 characters; the newest version with that content). A value that could be more than
    one version ("6192": version 6192, or the hash 6192e1e7…; a codebook named "2024" and version
    2024; a prefix of two different hashes) is an error naming the choices, never a silent pick."""
    if version is None or version == "":
        return None
    text = str(version).strip()
    with db.session() as s:
        found: dict[str, int] = {}
        if isinstance(version, int) or text.isdigit():
            row = s.get(CodebookVersion, int(text))
            if row is not None:
                found[f"version id {row.id}"] = row.id
        if not isinstance(version, int):
            vid = s.scalar(select(CodebookVersion.id).where(CodebookVersion.name == text)
                           .order_by(CodebookVersion.id.desc()).limit(1))
            if vid is not None:
                found[f"the codebook named {text!r} (version {vid})"] = vid
            if len(text) >= 4:
                hashes = s.execute(select(CodebookVersion.content_hash, func.max(CodebookVersion.id))
                                   .where(CodebookVersion.content_hash.startswith(text))
                                   .group_by(CodebookVersion.content_hash)).all()
                for content_hash, vid in hashes:
                    found[f"content hash {content_hash[:12]}… (version {vid})"] = vid
        if len(set(found.values())) == 1:
            return next(iter(found.values()))
        if found:
            raise InputError(f"codebook version {text!r} could be {' or '.join(found)}; give the version id "
                             "or a longer hash prefix",
                             code="codebook_version.ambiguous", version=text, choices=", ".join(found))
    raise NotFound(f"codebook version {version!r} does not exist; give a version id, name or "
                   "content-hash prefix of a loaded codebook")


@requires("view_aggregates")
def check_coder(db: Database, coder: str | None, *, user: str | None = None) -> str | None:
    """Normalise a coder filter: None for any coder, ``"consensus"``, or a known coder name
    (``match_value``: "Mari" is mari; an unknown name is ``NotFound`` with the coders' names)."""
    if coder is None or str(coder).strip().lower() in ("", ALL):
        return None
    from .aggregate import check_published

    check_published(coder=coder)  # the resource group: all coders' codings only (no coder names)
    if str(coder).strip().lower() == CONSENSUS:
        return CONSENSUS
    return match_value("coder", coder, coder_names(db), reason="has made no codings", extra=(ALL, CONSENSUS))


def consensus_mask(df: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Rows whose ``keys`` (e.g. segment, code) were applied by at least two coders, or that come
    from a source only one coder has coded (then that coder's codings stand)."""
    if df.empty:
        return pd.Series([], dtype=bool, index=df.index)
    per_key = df.groupby(keys, dropna=False)["coder"].transform("nunique")
    per_source = df.groupby("source_id")["coder"].transform("nunique")
    return (per_key >= 2) | (per_source == 1)


@requires("view_transcripts")
def codings_frame(db: Database, *, user: str | None = None, coder: str | None = None,
                  codebook_version: int | str | None = None) -> pd.DataFrame:
    """One row per coding with its segment, source, speaker, code and coder.

    ``coder``: None or ``"all"`` = every coder; a name = that coder's codings; ``"consensus"`` =
    codings of a (segment, code) that at least two coders applied, or from a source that only one
    coder coded. ``codebook_version``: id, name or hash prefix; only codings made under it.
    """
    coder = check_coder(db, coder)
    version_id = resolve_codebook_version(db, codebook_version)
    _ensure_people(db)
    stmt = (select(Coding.id, Coding.segment_id, Segment.source_id, Source.file_name, Segment.index,
                   Source.kind, Source.phase, _pilot(), Source.county, Speaker.label, Speaker.actor,
                   Speaker.organisation, Coding.code_id, Code.label, Code.parent_id, User.name,
                   Coding.origin, Coding.codebook_version_id, Coding.start_char, Coding.end_char,
                   Pseudonym.speaker_key)
            .select_from(Coding).join(Segment, Coding.segment_id == Segment.id)
            .join(Source, Segment.source_id == Source.id)
            .outerjoin(Speaker, Segment.speaker_id == Speaker.id)
            .outerjoin(Pseudonym, Speaker.pseudonym_id == Pseudonym.id)
            .join(Code, Coding.code_id == Code.id).join(User, Coding.coder_id == User.id)
            .order_by(Source.file_name, Segment.index, Coding.id))
    if coder not in (None, CONSENSUS):
        stmt = stmt.where(User.name == coder)
    if version_id is not None:
        stmt = stmt.where(Coding.codebook_version_id == version_id)
    with db.session() as s:
        rows = s.execute(stmt).all()
        df = _add_speaker_key(_frame([r[:-1] for r in rows], CODING_COLUMNS), [r[-1] for r in rows])
    if coder == CONSENSUS:
        df = df[consensus_mask(df, ["segment_id", "code"])].reset_index(drop=True)
    return df


@requires("view_codebook")
def codes_frame(db: Database, *, user: str | None = None) -> pd.DataFrame:
    """One row per code in codebook (tree) order.

    Columns: code, label, parent, codable, retired, color, sort_order, level (0 = top),
    is_parent (has child codes), order (position in a depth-first walk), ancestors (tuple of the
    parent ids, nearest first).
    """
    with db.session() as s:
        rows = s.execute(select(Code.id, Code.label, Code.parent_id, Code.codable, Code.retired,
                                Code.color, Code.sort_order)).all()
    info = {r[0]: r for r in rows}
    children: dict[str | None, list[str]] = {}
    for r in rows:
        parent = r[2] if r[2] in info else None
        children.setdefault(parent, []).append(r[0])
    for kids in children.values():
        kids.sort(key=lambda c: (info[c][6] or 0, c))
    out: list[tuple] = []
    seen: set[str] = set()

    def walk(code: str, ancestors: tuple[str, ...]) -> None:
        if code in seen:  # a cycle in parent ids; never loop forever
            return
        seen.add(code)
        r = info[code]
        out.append((code, r[1], r[2], bool(r[3]), bool(r[4]), r[5], r[6] or 0, len(ancestors),
                    bool(children.get(code)), len(out), ancestors))
        for kid in children.get(code, []):
            walk(kid, (code,) + ancestors)

    for top in children.get(None, []):
        walk(top, ())
    for code in sorted(info):  # codes caught in a cycle still get a row
        if code not in seen:
            walk(code, ())
    return pd.DataFrame(out, columns=CODE_COLUMNS)
