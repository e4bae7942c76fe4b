"""Agreement between coders: percent agreement, Cohen's kappa and Krippendorff's alpha.

Two entry points compute the figures:

* :func:`table_agreement` reads a reliability table (CSV ``unit,coder,value``) of any level of
  measurement; it needs no database.
* :func:`coding_agreement` compares the codings of two or more coders in the database, per code
  and overall, with segments or characters as units.

Units of :func:`coding_agreement`, exactly:

* ``unit="segment"``: every segment of every source in which *each* compared coder has made at
  least one coding (of any code), except the interviewers' turns (speaker actor in
  ``analysis.aggregate.RESEARCHER_ACTORS``, as the dashboards count), which nobody codes and
  which would only add agreeing zeros; ``include_interviewers=True`` counts them too. The value
  of a unit for a code is 1 when the coder applied that code to the segment or to a span inside
  it, else 0.
* ``unit="char"``: every code point of those sources (``Source.canonical_text``, headings,
  speaker labels and interviewer turns included, as in NVivo). The value is 1 when one of the
  coder's codings of that code covers the code point; a whole-segment coding covers the
  segment's characters.

A source that some but not all compared coders touched is no unit: only complete sources are
compared, also by alpha, which could take missing values (docs/agreement.md says why). The
result names such sources (``left_out``) and says how many interviewer turns were not counted
(``interviewer_turns_left_out``).

Codes compared: the codable, non-retired codes, optionally chosen by id prefix (``codes=
"kontrakt"``); a parent code (``codable: false``) is not compared itself. "Overall" pools all
(unit, code) pairs: units x codes. A code nobody used adds units on which all coders agree (0),
so adding codes to the codebook changes the pooled figure; ``codebook_version=`` compares the
codable codes of one loaded codebook version instead (the "code set"), which pins it. The result
names the code set and the codes of it nobody used (``code_set``); unpinned, it names a version
only when that version's codable codes are exactly the ones compared (a code merged or retired
since the last load makes the active set one no loaded version has: then it says so).

The statistics are the kept implementations: ``sklearn.metrics.cohen_kappa_score`` (two coders
only) and ``krippendorff.alpha`` (nominal, any number of coders). Percent agreement is the share
(0-1) of units on which all coders gave the same value. When a code's values are the same for all
units and coders (nobody used it, or everybody used it everywhere), kappa and alpha are undefined
(0/0): they are returned as None, never NaN.

Database units carry no missing values (a coder who coded a source gave every unit of it a 0 or
a 1; a source a coder never touched is left out, not read as that coder's missing values: in the
database a source not coded yet and one in which no code applies look the same until the coder
codes something in it), so a unit's contribution to alpha depends only on how many coders gave
it a 1. Units on which every coder agrees add only to the diagonal of Krippendorff's coincidence
matrix (``m`` pairable values of one kind each); ``N`` such units are passed to ``krippendorff.alpha`` as one
``value_counts`` row with ``N * m`` values of that kind, which yields the identical coincidence
matrix and alpha while keeping character units (sources x codes may be millions) small. The tests
check the result against ``krippendorff.alpha`` on the full unit vectors.

The agreed coding of a turn is stored as the coder ``"konsensus"`` (:func:`record_consensus`).
A turn *has a recorded consensus* when ``konsensus`` has a coding on it or a consensus was
recorded for it (the audit event ``consensus`` with target type ``segment``; "no code applies"
leaves no coding behind): :func:`consensus_turn_condition`. ``lifecycle.remove_source`` marks the
consensus events of the turns it deletes (target type ``removed_segment``), so that a new turn
that gets the same id (SQLite reuses row ids) never inherits them; migration 0012 marked those
of databases from before. ``coding.undo_last``, taking back a turn's first consensus, marks its
events ``undone_segment``: the turn has no recorded consensus again. When ``konsensus`` is one of the compared coders, the units are
those turns only (segment units: the turns, interviewer turns left out as above; character
units: their characters), in the sources every other compared coder has coded; a turn nobody
agreed on is not a "no code" of ``konsensus``. The result then says how many turns were compared (``consensus_turns``), and
``workbench dashboard --coder konsensus`` divides by the same turns. (The analysis' coder filter
``"consensus"`` is something else: (segment, code) pairs that two coders agree on.)
"""

from __future__ import annotations

import difflib
import math
import warnings
from pathlib import Path
from typing import Any, Iterable, Sequence

import numpy as np
from sqlalchemy import Integer, cast, func, or_, select

from .access import requires
from .errors import InputError, NotFound, WorkbenchError
from .store import AuditEvent, Code, Coding, Database, Segment, Source, Speaker, User
from .store.models import normal_name
from .store.db import CONSENSUS_CODER

UNITS = ("segment", "char")
LEVELS = ("nominal", "ordinal", "interval", "ratio")
TABLE_COLUMNS = ("unit", "coder", "value")

__all__ = ["CONSENSUS_CODER", "UNITS", "LEVELS", "table_agreement", "coding_agreement", "agreement_code_sets",
           "disagreements", "record_consensus", "ConsensusRecords", "agreement_coders", "default_coders",
           "consensus_turn_condition", "consensus_turn_ids"]


# --------------------------------------------------------------------------------------------
# The statistics (kept implementations)


def _number(value: Any) -> float | None:
    """A float, or None for NaN/undefined."""
    if value is None:
        return None
    value = float(value)
    return None if math.isnan(value) or math.isinf(value) else value


def _kappa(y1: Sequence[Any], y2: Sequence[Any], weights: Sequence[float] | None = None) -> float | None:
    """Cohen's kappa (scikit-learn); None when both coders gave one and the same value throughout."""
    from sklearn.metrics import cohen_kappa_score

    if len(y1) == 0 or len(set(y1) | set(y2)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _number(cohen_kappa_score(list(y1), list(y2), sample_weight=weights))


def _alpha_value_counts(value_counts: np.ndarray, *, level: str = "nominal",
                        value_domain: Sequence[Any] | None = None) -> float | None:
    """Krippendorff's alpha (the ``krippendorff`` package) from a units x values count matrix.

    None when alpha is undefined: no unit with two or more values (nothing is pairable), or
    only one value among the pairable ones (no expected disagreement)."""
    import krippendorff

    value_counts = np.asarray(value_counts)
    if value_counts.size == 0:
        return None
    pairable = value_counts[value_counts.sum(axis=1) >= 2]
    if len(pairable) == 0 or np.count_nonzero(pairable.sum(axis=0)) < 2:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return _number(krippendorff.alpha(value_counts=pairable, value_domain=value_domain,
                                          level_of_measurement=level))


def _binary_stats(ones: np.ndarray, pairs: np.ndarray | None, m: int) -> dict[str, Any]:
    """Units, percent, kappa and alpha of fully coded binary units.

    ``ones[k]`` = the number of units to which exactly k of the m coders gave a 1 (length m+1).
    ``pairs`` (two coders only) = the 2x2 counts of (first coder's value, second coder's value).
    """
    ones = np.asarray(ones, dtype=np.int64)
    units = int(ones.sum())
    out: dict[str, Any] = {"units": units, "percent": None, "kappa": None, "alpha": None}
    if units == 0:
        return out
    out["percent"] = float(ones[0] + ones[m]) / units
    if ones[0] == units or ones[m] == units:  # constant: kappa and alpha are 0/0
        return out
    if m == 2 and pairs is not None:
        cells = [(a, b, int(pairs[a, b])) for a in (0, 1) for b in (0, 1) if pairs[a, b]]
        out["kappa"] = _kappa([c[0] for c in cells], [c[1] for c in cells], [c[2] for c in cells])
    rows = []
    if ones[0]:
        rows.append([int(ones[0]) * m, 0])  # N agreeing units of m zeros = one row of N*m zeros
    if ones[m]:
        rows.append([0, int(ones[m]) * m])
    mixed = [np.repeat(np.array([[m - k, k]], dtype=np.int64), int(ones[k]), axis=0)
             for k in range(1, m) if ones[k]]
    value_counts = np.concatenate([np.array(rows, dtype=np.int64).reshape(-1, 2)] + mixed)
    out["alpha"] = _alpha_value_counts(value_counts, level="nominal", value_domain=[0, 1])
    return out


def _tally(values: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(ones, pairs) of a coders x units 0/1 matrix, as :func:`_binary_stats` takes them."""
    m = values.shape[0]
    ones = np.bincount(values.sum(axis=0, dtype=np.int64), minlength=m + 1)
    pairs = None
    if m == 2:
        pairs = np.bincount(values[0].astype(np.int64) * 2 + values[1], minlength=4).reshape(2, 2)
    return ones, pairs


# --------------------------------------------------------------------------------------------
# Reliability tables (CSV)


def _read_csv(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    from .csvio import open_csv

    header, reader = open_csv(path, "unit,coder,value")
    rows = [(reader.line_num, cells) for cells in reader if any(c.strip() for c in cells)]
    return [h.strip().lower() for h in header], rows


def table_agreement(path: str | Path, *, level: str = "nominal") -> dict[str, Any]:
    """Agreement in a reliability table: a CSV file with columns ``unit,coder,value``.

    One row per unit and coder; an empty value (or no row) is a missing value. For ``level``
    nominal the values are any text (compared exactly, after trimming spaces); for ordinal,
    interval and ratio they must be numbers. Returns ``{"units", "coders", "level", "alpha",
    "pairable_units"}`` and, for exactly two coders, ``"kappa"`` and ``"percent"`` computed over
    the units both coded (kappa treats the values as categories). ``units`` counts the distinct
    units of the file; ``pairable_units`` those with values from at least two coders (the ones
    alpha uses). Undefined figures are None, and ``"undefined"`` says why, per figure:
    ``"no_pairable_units"`` (no unit has values from two coders) or ``"one_value"`` (every value
    of the units compared is the same: no disagreement to expect, 0/0); ``{}`` when all are defined.
    """
    path = Path(path)
    name = path.name
    if level not in LEVELS:
        raise InputError(f"level {level!r} is not one of {', '.join(LEVELS)}")
    columns, rows = _read_csv(path)
    for col in TABLE_COLUMNS:
        if col not in columns:
            raise InputError(f"{name} row 1: missing column {col!r}; the columns are unit,coder,value "
                             "(one row per unit and coder, an empty value for a missing one)")
    at = {c: columns.index(c) for c in TABLE_COLUMNS}
    units: dict[str, int] = {}
    coders: dict[str, int] = {}
    cells: dict[tuple[str, str], Any] = {}
    first_row: dict[tuple[str, str], int] = {}
    for row_no, raw in rows:
        def cell(col: str) -> str:
            i = at[col]
            return raw[i].strip() if i < len(raw) else ""

        unit, coder, value = cell("unit"), cell("coder"), cell("value")
        if not unit or not coder:
            missing = "unit" if not unit else "coder"
            raise InputError(f"{name} row {row_no}: the {missing!r} cell is empty; every row names a unit "
                             "and a coder")
        key = (unit, coder)
        if key in first_row:
            raise InputError(f"{name} row {row_no}: unit {unit!r} and coder {coder!r} appear twice (also "
                             f"row {first_row[key]}); keep one row per unit and coder")
        first_row[key] = row_no
        units.setdefault(unit, len(units))
        coders.setdefault(coder, len(coders))
        if value == "":
            continue
        if level != "nominal":
            try:
                number = float(value.replace(",", ".") if value.count(",") == 1 and "." not in value
                               else value)
            except ValueError:
                raise InputError(f"{name} row {row_no}: value {value!r} is not a number; level {level} "
                                 "needs numbers (use --level nominal for categories)") from None
            if not math.isfinite(number):
                raise InputError(f"{name} row {row_no}: value {value!r} is not a finite number")
            cells[key] = number
        else:
            cells[key] = value
    if len(coders) < 2:
        raise InputError(f"{name}: {len(coders)} coder(s) found; agreement needs at least two coders "
                         "in the 'coder' column")
    domain = sorted(set(cells.values()))
    index = {v: i for i, v in enumerate(domain)}
    counts = np.zeros((len(units), max(len(domain), 1)), dtype=np.int64)
    for (unit, _coder), value in cells.items():
        counts[units[unit], index[value]] += 1
    result: dict[str, Any] = {
        "units": len(units), "coders": list(coders), "level": level,
        "pairable_units": int((counts.sum(axis=1) >= 2).sum()),
        "alpha": _alpha_value_counts(counts, level=level, value_domain=domain) if domain else None,
    }
    if len(coders) == 2:
        a, b = list(coders)
        both = [(index[cells[(u, a)]], index[cells[(u, b)]]) for u in units if (u, a) in cells and (u, b) in cells]
        result["percent"] = sum(x == y for x, y in both) / len(both) if both else None
        # kappa treats the values as categories: numbers (2.5, 0.5) by their position among the values
        result["kappa"] = _kappa([x for x, _ in both], [y for _, y in both]) if both else None
    # why a figure is undefined, for the one line under the figures: no unit has values from two
    # coders, or every compared value is the same one (no expected disagreement: 0/0)
    undefined = {}
    for figure in ("alpha", "kappa", "percent"):
        if figure in result and result[figure] is None:
            undefined[figure] = "no_pairable_units" if result["pairable_units"] == 0 else "one_value"
    result["undefined"] = undefined
    return result


# --------------------------------------------------------------------------------------------
# Coders and codes in the database


def _known_coders(session) -> list[str]:
    """Everyone with a coding, and the konsensus coder as soon as any consensus is recorded."""
    known = sorted(session.scalars(select(User.name).join(Coding, Coding.coder_id == User.id).distinct()))
    if CONSENSUS_CODER not in known and session.scalar(select(AuditEvent.id).where(
            AuditEvent.action == "consensus", AuditEvent.target_type == "segment").limit(1)) is not None:
        known = sorted(known + [CONSENSUS_CODER])   # every consensus recorded so far was "no code"
    return known


def _check_coders(session, coders: Iterable[str] | str) -> list[str]:
    names = [c.strip() for c in (coders.split(",") if isinstance(coders, str) else coders)
             if c is not None and str(c).strip()]
    names = [normal_name(str(n)) for n in names]
    known = _known_coders(session)
    users = set(session.scalars(select(User.name).where(User.name.in_(names))))
    for n in names:
        if n not in known:
            close = [] if n in users else difflib.get_close_matches(n, known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}? " if close else ""
            what = f"{n!r} has coded nothing yet" if n in users else f"unknown coder {n!r}: no codings by that name"
            raise NotFound(f"{what}; {hint}known coders: "
                           f"{', '.join(known) or '(none yet)'}", code="agreement.unknown_coder", coder=n,
                           known=known)
    twice = [n for n in names if names.count(n) > 1]
    if twice:
        raise WorkbenchError(f"coder {twice[0]!r} is named twice; name each coder once",
                             code="agreement.coder_twice", coder=twice[0])
    if len(names) < 2:
        raise WorkbenchError(f"agreement needs at least two coders; got {', '.join(names) or 'none'} "
                             f"(known coders: {', '.join(known) or '(none yet)'})",
                             code="agreement.two_coders", known=known)
    return names


def _version_codes(db: Database, version: int | str) -> tuple[dict[str, Any], list[tuple[str, str]]]:
    """(the version's id, name and date; the (id, label) of its codable codes in its order)."""
    from .analysis.frames import resolve_codebook_version
    from .codebook.schema import iter_codes
    from .store import CodebookVersion

    version_id = resolve_codebook_version(db, version)
    with db.session() as session:
        row = session.get(CodebookVersion, version_id)
        info = {"version": row.id, "name": row.name, "created_at": row.created_at}
        content = row.content
    return info, [(c.id, c.label) for c in iter_codes(content) if c.codable]


def _versions_codable(db: Database) -> list[tuple[dict[str, Any], list[str]]]:
    """Every loaded codebook version, newest first: (its id, name and date; the ids of its codable
    codes in its order). A stored version that no longer validates is left out."""
    from .codebook.schema import iter_codes
    from .store import CodebookVersion

    with db.session() as session:
        rows = session.execute(select(CodebookVersion.id, CodebookVersion.name, CodebookVersion.created_at,
                                      CodebookVersion.content).order_by(CodebookVersion.id.desc())).all()
    out = []
    for vid, name, created, content in rows:
        try:
            ids = [c.id for c in iter_codes(content) if c.codable]
        except WorkbenchError:
            continue
        out.append(({"version": vid, "name": name, "created_at": created}, ids))
    return out


def _chosen_of(ids: list[str], codes: str | Iterable[str] | None) -> list[str]:
    """The ids among ``ids`` (a version's codable codes) that ``--codes`` chooses, as the pinned
    comparison chooses them; [] when a prefix matches none of them."""
    from .analysis.aggregate import select_codes
    import pandas as pd

    try:
        chosen = select_codes(pd.DataFrame({"code": list(ids)}), codes)
    except NotFound:
        return []
    return list(ids) if chosen is None else [c for c in ids if c in chosen]


def _matching_version(db: Database, compared: list[str],
                      codes: str | Iterable[str] | None) -> dict[str, Any]:
    """The code set of an unpinned comparison: the newest loaded version whose codable codes
    (chosen by ``codes`` as ``codebook_version=`` chooses them) are exactly ``compared``, so that
    ``codebook_version=`` that version gives the same figures; ``{"version": None, ...}`` when no
    version has exactly these codes (a code merged or retired since the last load), then with
    ``"differs"``: the newest version and how its codes differ (``not_compared``: its codes not
    compared now; ``not_in_version``: compared codes it lacks)."""
    wanted = set(compared)
    versions = _versions_codable(db)
    for info, ids in versions:
        if set(_chosen_of(ids, codes)) == wanted:
            return dict(info)
    out: dict[str, Any] = {"version": None, "name": None, "created_at": None}
    if versions:
        info, ids = versions[0]
        theirs = _chosen_of(ids, codes)
        out["differs"] = {**info, "not_compared": [c for c in theirs if c not in wanted],
                          "not_in_version": [c for c in compared if c not in set(theirs)]}
    return out


def _compared_codes(db: Database, codes: str | Iterable[str] | None,
                    codebook_version: int | str | None = None) -> tuple[list[tuple[str, str]], dict[str, Any]]:
    """(id, label) of the compared codes, in codebook order, and the code set they are of.

    Without ``codebook_version``: the codable, non-retired codes of the database, chosen by id
    prefix. With it: the codable codes of that codebook version as it was loaded (retired or
    deleted since or not), chosen by id prefix; a code set that does not grow when codes are
    added. The second item: ``{"version", "name", "created_at", "pinned"}``: the version pinned,
    else the newest version whose code set is exactly the one compared (None when no loaded
    version has exactly these codes, e.g. after ``codebook merge``: then ``"differs"`` says how
    the newest version differs, :func:`_matching_version`)."""
    from .analysis.aggregate import select_codes
    from .analysis.frames import codes_frame

    if codes is not None and not [c for c in (codes.split(",") if isinstance(codes, str) else codes)
                                  if c is not None and str(c).strip()]:
        raise InputError(f"the codes {codes!r} name no code; give code id prefixes comma-separated "
                         "(kontrakt,rolle), or leave --codes out to compare every code",
                         code="agreement.codes_empty")
    if codebook_version not in (None, ""):
        import pandas as pd

        info, pinned = _version_codes(db, codebook_version)
        info["pinned"] = True
        if not pinned:
            raise WorkbenchError(f"codebook version {info['version']} has no codable code to compare",
                                 code="agreement.no_codes", codes=str(codes))
        chosen = select_codes(pd.DataFrame({"code": [c for c, _ in pinned]}), codes)
        if chosen is not None:
            pinned = [(c, label) for c, label in pinned if c in chosen]
        return pinned, info
    tree = codes_frame(db)
    if tree.empty:
        raise NotFound("no codebook is loaded; run `workbench codebook load FILE` first", code="codebook.empty")
    chosen = select_codes(tree, codes)
    rows = tree[tree["codable"] & ~tree["retired"]]
    if chosen is not None:
        rows = rows[rows["code"].isin(chosen)]
    if rows.empty:
        retired = [] if chosen is None else [c for c in tree[tree["codable"] & tree["retired"]]["code"] if c in chosen]
        if retired:
            raise WorkbenchError(f"the codes matching {codes!r} are retired ({', '.join(retired)}); agreement is "
                                 "measured on the active codes: choose those (see `workbench codebook show`), or "
                                 "give --codebook-version with a version that had them",
                                 code="agreement.retired_codes", codes=str(codes))
        raise WorkbenchError(f"no codable code matches {codes!r}; parent codes are not compared "
                             "themselves, give a prefix that includes codable codes",
                             code="agreement.no_codes", codes=str(codes))
    compared = list(zip(rows["code"], rows["label"]))
    info = _matching_version(db, [c for c, _ in compared], codes)
    info["pinned"] = False
    return compared, info


@requires("view_quotes")
def agreement_code_sets(db: Database, *, user: str | None = None) -> list[dict[str, Any]]:
    """The codebook versions whose codable code sets differ, newest first: what a figure can be
    pinned to (``codebook_version=`` of :func:`coding_agreement`). Each: ``{"version", "name",
    "created_at", "codes" (how many codable codes), "active" (True for the version whose code set
    is exactly the codable, active codes now: the one an unpinned figure is of)}``; of versions
    with the same code set only the newest is listed. No item is ``active`` when no loaded
    version has exactly the active codes (a code merged or retired since the last load)."""
    from .analysis.frames import codes_frame

    tree = codes_frame(db)
    active = set() if tree.empty else set(tree[tree["codable"] & ~tree["retired"]]["code"])
    out, seen, found = [], set(), False
    for info, ids in _versions_codable(db):
        key = frozenset(ids)
        if key in seen:
            continue
        seen.add(key)
        is_active = not found and bool(active) and key == active
        found = found or is_active
        out.append({**info, "codes": len(key), "active": is_active})
    return out


def consensus_turn_condition(segment_id):
    """SQL condition on a segment id column: the turn has a recorded consensus (the konsensus
    coder has a coding on it, or a consensus was recorded for it with :func:`record_consensus`,
    "no code applies" included)."""
    coded = (select(Coding.segment_id).join(User, Coding.coder_id == User.id)
             .where(User.name == CONSENSUS_CODER))
    recorded = (select(cast(AuditEvent.target_id, Integer))
                .where(AuditEvent.action == "consensus", AuditEvent.target_type == "segment"))
    return or_(segment_id.in_(coded), segment_id.in_(recorded))


def consensus_turn_ids(session, source_ids: Iterable[int] | None = None) -> set[int]:
    """Ids of the turns with a recorded consensus (of these sources)."""
    stmt = select(Segment.id).where(consensus_turn_condition(Segment.id))
    if source_ids is not None:
        stmt = stmt.where(Segment.source_id.in_(list(source_ids)))
    return set(session.scalars(stmt))


def _unit_sources(session, coder_ids: dict[str, int]) -> tuple[list[tuple[int, str]], list[str]]:
    """(id, file name) of the sources in which every coder has at least one coding, by file name;
    for the konsensus coder: in which a consensus was recorded on at least one turn. Second: the
    sorted file names of the sources that some but not all of the other coders coded (left out)."""
    others = {n: i for n, i in coder_ids.items() if n != CONSENSUS_CODER}
    rows = session.execute(
        select(Segment.source_id, Coding.coder_id).join(Coding, Coding.segment_id == Segment.id)
        .where(Coding.coder_id.in_(list(others.values()))).distinct()).all()
    by_source: dict[int, set[int]] = {}
    for sid, cid in rows:
        by_source.setdefault(sid, set()).add(cid)
    ids = [sid for sid, cs in by_source.items() if len(cs) == len(others)]
    partial = [sid for sid, cs in by_source.items() if len(cs) < len(others)]
    left_out = sorted(session.scalars(select(Source.file_name).where(Source.id.in_(partial)))) if partial else []
    if ids and CONSENSUS_CODER in coder_ids:
        agreed = set(session.scalars(select(Segment.source_id).where(
            Segment.source_id.in_(ids), consensus_turn_condition(Segment.id)).distinct()))
        if not agreed:
            names = ", ".join(others)
            raise WorkbenchError(f"no consensus is recorded on any turn of the sources {names} coded; konsensus is "
                                 "compared on the turns with a recorded consensus only: record one with "
                                 "`workbench agreement --consensus SOURCE TURN CODES`",
                                 code="agreement.no_consensus", coders=names)
        ids = [sid for sid in ids if sid in agreed]
    if not ids:
        return [], left_out
    return list(session.execute(select(Source.id, Source.file_name).where(Source.id.in_(ids))
                                .order_by(Source.file_name)).all()), left_out


def _load(session, coders: list[str], code_ids: list[str], *, interviewers: bool = True) -> dict[str, Any]:
    """Coder ids, unit sources, their segments (with konsensus: the turns with a recorded
    consensus) and the coders' codings of the compared codes. ``interviewers=False`` leaves out
    the interviewers' turns (speaker actor in ``RESEARCHER_ACTORS``) and the codings on them.

    Returns ``{"coder_ids", "sources", "segments", "codings", "left_out" (file names of sources
    some but not all coders coded), "interviewer_turns" (how many were left out)}``."""
    coder_ids = dict(session.execute(select(User.name, User.id).where(User.name.in_(coders))).all())
    if CONSENSUS_CODER in coders and CONSENSUS_CODER not in coder_ids:
        coder_ids[CONSENSUS_CODER] = -1   # recorded only "no code": no codings, no user row needed
    sources, left_out = _unit_sources(session, coder_ids)
    if not sources:  # nothing to compare: never an empty table that reads as agreement
        raise WorkbenchError(f"coders {', '.join(coders)} have coded no source in common; agreement is measured on "
                             "the sources every compared coder has coded, so let them code the same source(s)",
                             code="agreement.no_common_source", coders=", ".join(coders))
    source_ids = [sid for sid, _ in sources]
    order = {sid: i for i, (sid, _) in enumerate(sources)}
    stmt = (select(Segment.id, Segment.source_id, Segment.index, Segment.start_char, Segment.end_char, Speaker.actor)
            .outerjoin(Speaker, Segment.speaker_id == Speaker.id).where(Segment.source_id.in_(source_ids)))
    if CONSENSUS_CODER in coders:
        stmt = stmt.where(consensus_turn_condition(Segment.id))
    rows = sorted(session.execute(stmt).all(), key=lambda r: (order[r[1]], r[2]))
    left_turns = 0
    if not interviewers:
        from .analysis.aggregate import RESEARCHER_ACTORS

        kept = [r for r in rows if r[5] not in RESEARCHER_ACTORS]
        left_turns = len(rows) - len(kept)
        rows = kept
    segments = [tuple(r[:5]) for r in rows]
    stmt = (select(Coding.segment_id, Segment.source_id, Coding.code_id, Coding.coder_id, Coding.start_char,
                   Coding.end_char).join(Segment, Coding.segment_id == Segment.id)
            .where(Segment.source_id.in_(source_ids), Coding.coder_id.in_(list(coder_ids.values())),
                   Coding.code_id.in_(code_ids)))
    if CONSENSUS_CODER in coders:
        stmt = stmt.where(consensus_turn_condition(Segment.id))
    codings = session.execute(stmt).all()
    if left_turns:
        unit_ids = {r[0] for r in segments}
        codings = [c for c in codings if c[0] in unit_ids]
    return {"coder_ids": coder_ids, "sources": sources, "segments": segments, "codings": codings,
            "left_out": left_out, "interviewer_turns": left_turns}


# --------------------------------------------------------------------------------------------
# Agreement of the database's codings


@requires("view_quotes")
def coding_agreement(db: Database, coders: Iterable[str] | str, *, codes: str | Iterable[str] | None = None,
                     unit: str = "segment", include_interviewers: bool = False,
                     codebook_version: int | str | None = None, user: str | None = None) -> dict[str, Any]:
    """Percent agreement, Cohen's kappa and Krippendorff's alpha between ``coders``, per code and overall.

    ``coders``: two or more coder names (a list or "a,b"). ``codes``: id prefixes ("kontrakt")
    choosing the compared codes (default: every codable, non-retired code; a text naming no
    code, such as ``","``, is refused). ``unit``: "segment" or "char" (see the module docstring
    for the exact unit rules). ``include_interviewers``: with segment units, count the
    interviewers' turns too (left out by default, as on the dashboards). ``codebook_version``
    (an id, a name or a content-hash prefix, as ``--codebook-version`` of the other commands):
    compare the codable codes of that codebook version instead of the codes active now, so that
    a figure reported once stays the same when codes are added later (a code nobody used adds
    units on which every coder agrees, "not there", and so raises the pooled figure).

    Returns ``{"coders": [...], "unit": ..., "sources": n, "left_out": [file names],
    "interviewer_turns_left_out": n, "code_set": {...}, "overall": {"units", "percent", "kappa",
    "alpha"}, "codes": [{"code", "label", "units", "percent", "kappa", "alpha"}, ...]}`` with
    ``code_set`` the codes compared: ``{"version" (the codebook version pinned; unpinned, the
    newest version whose codable codes are exactly the ones compared, so that
    ``codebook_version=`` it gives the same figures; None when no loaded version has exactly these
    codes, as after ``codebook merge``), "name" (its name), "loaded" (when it was loaded, ISO),
    "pinned" (bool), "codes" (how many), "unused" (the ids of those none of the coders used in
    the units: they count as agreement on absence)}``, and with "version" None ``"differs"``: the
    newest version (``version``, ``name``, ``loaded``) and how its codes differ from the compared
    ones (``not_compared``: its codes not compared now, merged or retired since;
    ``not_in_version``: compared codes it lacks); ``units`` the number of
    units compared per code (overall: units x codes), ``percent`` a share 0-1, ``kappa`` None for
    more than two coders, and None for any undefined figure. ``left_out``: the sources that some
    but not all of the compared coders coded, sorted (they are no units);
    ``interviewer_turns_left_out``: the interviewer turns of the unit sources not counted (0 for
    character units and with ``include_interviewers``). With the konsensus coder among
    ``coders`` only the turns with a recorded consensus are units, and ``"consensus_turns"`` says
    how many. Shows no text, so report authors may see it; for them (anyone who does not read
    transcripts) the file names in ``left_out`` are scrubbed, as in their source list.
    """
    result = _coding_agreement(db, coders, codes=codes, unit=unit, include_interviewers=include_interviewers,
                               codebook_version=codebook_version)
    scrub = _file_scrub(db)
    if scrub is not None:
        result["left_out"] = [scrub(name) for name in result["left_out"]]
    return result


def _file_scrub(db: Database):
    """None for a caller who reads transcripts (researchers: file names as written), else the
    roster scrubber's ``scrub`` (report authors: file names scrubbed, as in their source list)."""
    from .access import current

    who = current()
    if who is None or who.can("view_transcripts"):
        return None
    from .sharing import roster_scrubber

    return roster_scrubber(db).scrub


def _coding_agreement(db: Database, coders: Iterable[str] | str, *, codes: str | Iterable[str] | None = None,
                      unit: str = "segment", include_interviewers: bool = False,
                      codebook_version: int | str | None = None, details: bool = False) -> dict[str, Any]:
    """:func:`coding_agreement` (no permission check: callers are authorised entry points).

    ``details=True`` adds what a report file needs beyond the JSON (``export.agreement``):
    ``"source_names"`` (the file names of the unit sources, sorted), per code ``"used"`` (coder ->
    the number of units the coder gave the code) and the same pooled in ``overall["used"]``. The
    figures are the same computation either way."""
    if unit not in UNITS:
        raise InputError(f"unit {unit!r} is not one of {', '.join(UNITS)}")
    compared, code_set = _compared_codes(db, codes, codebook_version)
    code_ids = [c for c, _ in compared]
    with db.session() as session:
        names = _check_coders(session, coders)
        loaded = _load(session, names, code_ids, interviewers=include_interviewers or unit == "char")
        coder_ids, sources, segments, codings = (loaded[k] for k in ("coder_ids", "sources", "segments", "codings"))
        lengths = {}
        if unit == "char" and sources:
            lengths = dict(session.execute(select(Source.id, func.length(Source.canonical_text))
                                           .where(Source.id.in_([s for s, _ in sources]))).all())
    m = len(names)
    coder_pos = {coder_ids[n]: i for i, n in enumerate(names)}
    code_pos = {c: i for i, c in enumerate(code_ids)}
    results = []
    total_ones = np.zeros(m + 1, dtype=np.int64)
    total_pairs = np.zeros((2, 2), dtype=np.int64) if m == 2 else None

    if unit == "segment":
        seg_pos = {r[0]: i for i, r in enumerate(segments)}
        values = np.zeros((len(code_ids), m, len(segments)), dtype=np.uint8)
        if codings:
            ci = np.array([code_pos[r[2]] for r in codings])
            ki = np.array([coder_pos[r[3]] for r in codings])
            si = np.array([seg_pos[r[0]] for r in codings])
            values[ci, ki, si] = 1
        tallies = ((*_tally(values[i]), values[i].sum(axis=1, dtype=np.int64)) for i in range(len(code_ids)))
    else:
        base, total = {}, 0
        for sid, _ in sources:
            base[sid] = total
            total += int(lengths.get(sid) or 0)
        keep = None   # with konsensus: only the characters of the turns with a recorded consensus
        if CONSENSUS_CODER in names:
            keep = np.zeros(total, dtype=bool)
            for _seg, sid, _index, start, end in segments:
                keep[base[sid] + max(start, 0):base[sid] + max(end, 0)] = True
        by_code: dict[int, list[tuple[int, int, int]]] = {}
        for _seg, sid, code_id, coder_id, start, end in codings:
            by_code.setdefault(code_pos[code_id], []).append((coder_pos[coder_id], base[sid] + start,
                                                               base[sid] + end))

        def char_tallies():
            for i in range(len(code_ids)):
                diff = np.zeros((m, total + 1), dtype=np.int32)
                spans = by_code.get(i)
                if spans:
                    arr = np.array(spans, dtype=np.int64)
                    np.add.at(diff, (arr[:, 0], np.clip(arr[:, 1], 0, total)), 1)
                    np.add.at(diff, (arr[:, 0], np.clip(arr[:, 2], 0, total)), -1)
                covered = (np.cumsum(diff, axis=1)[:, :total] > 0).astype(np.uint8)
                kept = covered if keep is None else covered[:, keep]
                yield (*_tally(kept), kept.sum(axis=1, dtype=np.int64))

        tallies = char_tallies()

    total_used = np.zeros(m, dtype=np.int64)
    unused = []
    for (code_id, label), (ones, pairs, used) in zip(compared, tallies):
        if not used.any():
            unused.append(code_id)
        total_ones += ones
        total_used += used
        if total_pairs is not None:
            total_pairs += pairs
        stats = _binary_stats(ones, pairs, m)
        if details:
            stats["used"] = {n: int(u) for n, u in zip(names, used)}
        results.append({"code": code_id, "label": label, **stats})
    overall = _binary_stats(total_ones, total_pairs, m)
    if m > 2:
        overall["kappa"] = None
    if details:
        overall["used"] = {n: int(u) for n, u in zip(names, total_used)}
    out = {"coders": names, "unit": unit, "sources": len(sources), "left_out": loaded["left_out"],
           "interviewer_turns_left_out": loaded["interviewer_turns"],
           "code_set": _code_set_out(code_set, len(code_ids), unused),
           "overall": overall, "codes": results}
    if CONSENSUS_CODER in names:
        out["consensus_turns"] = len(segments)
    if details:
        out["source_names"] = sorted(name for _sid, name in sources)
    return out


def _code_set_out(code_set: dict[str, Any], n: int, unused: list[str]) -> dict[str, Any]:
    """The result's ``code_set`` (JSON-ready: dates as ISO text)."""
    def when(info):
        return info["created_at"].isoformat() if info.get("created_at") else None

    out = {"version": code_set["version"], "name": code_set["name"], "loaded": when(code_set),
           "pinned": code_set["pinned"], "codes": n, "unused": unused}
    if code_set.get("differs"):
        d = code_set["differs"]
        out["differs"] = {"version": d["version"], "name": d["name"], "loaded": when(d),
                          "not_compared": list(d["not_compared"]), "not_in_version": list(d["not_in_version"])}
    return out


@requires("view_transcripts")
def disagreements(db: Database, coders: Iterable[str] | str, *, codes: str | Iterable[str] | None = None,
                  include_interviewers: bool = False, codebook_version: int | str | None = None,
                  user: str | None = None) -> list[dict[str, Any]]:
    """The segments (units as in :func:`coding_agreement`) where the coders' sets of compared
    codes differ, in source and turn order.

    Each item: ``{"source", "turn", "speaker" (the label as written; None for text without a
    speaker), "text", "codes": {coder: sorted code ids}, "consensus"}``. ``consensus`` is the
    agreed coding stored for the turn (:func:`record_consensus`): the sorted ids of *all* the
    konsensus coder's codes on it (not only the compared ones, so saving it again loses
    nothing), ``[]`` when a consensus was recorded for the turn and konsensus has no coding on it
    (no code applies), and None when no consensus is recorded. With the konsensus coder among
    ``coders`` only the turns with a recorded consensus are compared. The interviewers' turns are
    left out unless ``include_interviewers``, as in :func:`coding_agreement`. Shows transcript
    text, so researchers only. ``codebook_version``: compare the codes of that version, as in
    :func:`coding_agreement`.
    """
    compared, _code_set = _compared_codes(db, codes, codebook_version)
    code_ids = [c for c, _ in compared]
    with db.session() as session:
        names = _check_coders(session, coders)
        loaded = _load(session, names, code_ids, interviewers=include_interviewers)
        coder_ids, sources, segments, codings = (loaded[k] for k in ("coder_ids", "sources", "segments", "codings"))
        by_id = {v: k for k, v in coder_ids.items()}
        applied: dict[int, dict[str, set[str]]] = {}
        for seg_id, _sid, code_id, coder_id, _s, _e in codings:
            applied.setdefault(seg_id, {}).setdefault(by_id[coder_id], set()).add(code_id)
        differing = [r for r in segments
                     if len({frozenset(applied.get(r[0], {}).get(n, set())) for n in names}) > 1]
        if not differing:
            return []
        ids = [r[0] for r in differing]
        info = {}
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            info.update({row[0]: row[1:] for row in session.execute(
                select(Segment.id, Speaker.label,
                       func.substr(Source.canonical_text, Segment.start_char + 1, Segment.end_char - Segment.start_char))
                .select_from(Segment).join(Source, Segment.source_id == Source.id)
                .outerjoin(Speaker, Segment.speaker_id == Speaker.id).where(Segment.id.in_(chunk)))})
        agreed = _stored_consensus(session, ids)
    file_names = dict(sources)
    out = []
    for seg_id, sid, index, _start, _end in differing:
        speaker, text = info[seg_id]
        out.append({"source": file_names[sid], "turn": index, "speaker": speaker, "text": text,
                    "codes": {n: sorted(applied.get(seg_id, {}).get(n, set())) for n in names},
                    "consensus": agreed.get(seg_id)})
    return out


def _stored_consensus(session, segment_ids: list[int]) -> dict[int, list[str]]:
    """segment id -> the konsensus coder's sorted code ids on it, for the segments with a recorded
    consensus (:func:`consensus_turn_condition`); one without konsensus codings (recorded as "no
    code applies") reads ``[]``."""
    coder_id = session.scalar(select(User.id).where(User.name == CONSENSUS_CODER))
    out: dict[int, set[str]] = {}
    for i in range(0, len(segment_ids), 500):
        chunk = segment_ids[i:i + 500]
        if coder_id is not None:
            for seg_id, code_id in session.execute(select(Coding.segment_id, Coding.code_id).where(
                    Coding.coder_id == coder_id, Coding.segment_id.in_(chunk))):
                out.setdefault(seg_id, set()).add(code_id)
        empty = [str(s) for s in chunk if s not in out]
        if empty:  # no codings: a consensus recorded for the turn said "no code"
            for target in session.scalars(select(AuditEvent.target_id).where(
                    AuditEvent.action == "consensus", AuditEvent.target_type == "segment",
                    AuditEvent.target_id.in_(empty)).distinct()):
                out[int(target)] = set()
    return {seg_id: sorted(codes) for seg_id, codes in out.items()}


@requires("view_quotes")
def agreement_coders(db: Database, *, user: str | None = None) -> list[str]:
    """The coders agreement can compare, sorted: everyone who has coded, and the konsensus coder
    once any consensus is recorded, also when every one recorded so far is "no code applies"
    (then konsensus has no coding of its own)."""
    with db.session() as session:
        return _known_coders(session)


@requires("view_quotes")
def default_coders(db: Database, *, user: str | None = None) -> list[str]:
    """The two coders (never the konsensus coder) who have coded the most sources in common, the
    natural pair to compare first: sorted by name; ties go to the pair first by name. ``[]`` when
    no two coders share a coded source."""
    with db.session() as session:
        rows = session.execute(
            select(User.name, Segment.source_id).select_from(Coding)
            .join(User, Coding.coder_id == User.id).join(Segment, Coding.segment_id == Segment.id)
            .where(User.name != CONSENSUS_CODER).distinct()).all()
    by_coder: dict[str, set[int]] = {}
    for name, sid in rows:
        by_coder.setdefault(name, set()).add(sid)
    names = sorted(by_coder)
    best, shared = [], 0
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            n = len(by_coder[a] & by_coder[b])
            if n > shared:
                best, shared = [a, b], n
    return best


class ConsensusRecords(list):
    """What :func:`record_consensus` returns: the konsensus codings of the turn afterwards (a list
    of :class:`~workbench.coding.CodingRecord`, empty when no code applies), and ``event``: the id
    of the step's ``consensus`` audit entry, which ``coding.undo_last(events=...)`` takes back as a
    whole (the app keeps it for "Angre", as it keeps a coding's ``CodingRecord.event``)."""

    event: int | None = None


@requires("code")
def record_consensus(db: Database, source: Any, turn: Any, codes: Iterable[str] | str, *,
                     user: str | None = None) -> ConsensusRecords:
    """Store the agreed coding of a turn as the coder ``"konsensus"``.

    The konsensus coder's codings on the turn become exactly ``codes`` (whole-turn codings; an
    empty list, or the text ``"-"``, records that no code applies, by removing them all): new ones
    are applied, the others (spans included) removed. A text naming no code (``""``, ``","``, an
    unset shell variable) is refused: it is not the same as "no code". A code that cannot be
    applied any more (retired, or made a category, since) is refused, except when the turn's
    stored consensus already has it: then it stays as it is (kept, not applied anew), so that a
    consensus saved again unchanged is accepted. One transaction, audited as
    ``consensus`` with the codes ``before`` and ``after`` and the acting user (``by``); the
    acting user's ``coding.undo_last`` takes the whole step back. Returns the
    konsensus codings of the turn afterwards (:class:`~workbench.coding.CodingRecord`) as a
    :class:`ConsensusRecords` list, whose ``event`` is that ``consensus`` audit entry (give it to
    ``undo_last(events=...)``, as the app's "Angre" does).
    """
    from .coding import (_apply, _hold_codes, _latest_version_id, _lock_code, _record, _resolve_code, _uncode,
                         find_segment)
    from .store.db import get_or_create_user, lock_segment

    if isinstance(codes, str) and codes.strip() == "-":
        codes = []
    wanted = [c.strip() for c in (codes.split(",") if isinstance(codes, str) else codes) if c and c.strip()]
    if isinstance(codes, str) and not wanted:
        raise InputError(f"the consensus codes {codes!r} name no code; give the agreed codes comma-separated "
                         "(samarbeid.tillit,rolle.rambukk), or '-' when no code applies", code="consensus.no_codes")
    with db.transaction(user) as tx:
        session = tx.session
        segment = find_segment(session, source, turn)
        # two users recording the turn's consensus at once: the second waits for the first and then
        # replaces what it stored (never a mix of both sets; its "before" is what the first stored)
        lock_segment(session, segment.id)
        code_rows = {}
        for c in wanted:
            row = _resolve_code(session, c, applicable=True)
            code_rows[row.id] = row
        # hold the agreed codes (all at once, in id order) and see them as they are now: a merge or
        # codebook load running meanwhile either comes first (then a code it retired is refused or
        # kept as is below) or waits for this consensus and moves it
        _hold_codes(session, code_rows.values())
        for code_id in sorted(code_rows):
            _lock_code(session, code_rows[code_id])  # held above; NotFound for one deleted meanwhile
        coder = get_or_create_user(session, CONSENSUS_CODER)
        existing = list(session.scalars(select(Coding).where(
            Coding.segment_id == segment.id, Coding.coder_id == coder.id).order_by(Coding.id)))
        before = sorted({c.code_id for c in existing})
        version_id = _latest_version_id(session)
        # a code retired (or made a category) since it was agreed on may stay as it is; it is not applied anew
        as_is = {code_id for code_id, row in code_rows.items()
                 if code_id in before and (row.retired or not row.codable)}
        for code_id, row in code_rows.items():  # validate and apply first: a refused code changes nothing
            if code_id not in as_is:
                _apply(tx, segment, row, coder, span=None, memo=None, origin="manual", suggestion_id=None,
                       version_id=version_id)
        for c in existing:
            whole = c.start_char == segment.start_char and c.end_char == segment.end_char
            if c.code_id in as_is or (c.code_id in code_rows and whole):
                continue
            _uncode(tx, c)
        session.flush()
        after = sorted(code_rows)
        event = tx.audit("consensus", "segment", segment.id, {
            "source": segment.source.file_name, "turn": segment.index, "before": before, "after": after,
            "by": tx.user.name})
        session.flush()  # the entry's id, for undo
        kept = session.scalars(select(Coding).where(Coding.segment_id == segment.id, Coding.coder_id == coder.id)
                               .order_by(Coding.code_id, Coding.id))
        records = ConsensusRecords(_record(session, c) for c in kept)
        records.event = event.id
        return records
