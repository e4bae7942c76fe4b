"""What may leave a researcher's hands: stable pseudonyms, the roster scrubber, released quotes
and the project settings that govern sharing (the small-cell threshold).

* **Pseudonyms.** A person (``speaker_key``: label, actor, organisation and, for a role or code
  label, the pilot; see ``privacy.person_key``) gets a stable pseudonym the first time they appear,
  numbered per actor in order of appearance: "Prosjektleder 2", "KDD 1". Stored, so later sources,
  deleted sources or a changed roster never renumber what a report already quotes. The pseudonym
  row is the person the analysis counts (distinct speakers behind a number).
* **Scrubbing.** Quote texts and file names are scrubbed of roster names (labels that are names,
  a role in front taken off, and the roster's optional ``name`` column; a surname that is also a
  word of the speaker's organisation or pilot only where it stands as a name), e-mail addresses,
  phone numbers and fødselsnummer (``workbench.privacy.Scrubber``).
* **Released quotes.** A researcher releases a quote (segment + code) for the resource group; the
  scrubbed, pseudonymised text is stored as approved and is the only text that role ever sees.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any, Iterable

import pandas as pd
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from .access import current, demand, requires
from .errors import InputError, NotFound, WorkbenchError
from .store import (Code, Coding, Database, Pseudonym, ReleasedQuote, Segment, Setting, Source,
                    Speaker, User)
from .store.models import utcnow

# ------------------------------------------------------------------------------- pseudonyms


def speaker_key(label, actor, organisation, pilot) -> str:
    """The person key of a new speaker row: label|actor|organisation|pilot, with the pilot left
    empty when the label is a person's name (``privacy.person_key``: a named person is one person
    across pilots; a role or code label is one per pilot). ``pilot`` is the roster's pilot, else
    the source's. Once a speaker row has its pseudonym, the pseudonym row *is* the person: the
    analysis counts and groups speakers by it (``analysis.frames``, ``analysis.sql``)."""
    from .privacy import person_key

    return person_key(label, actor, organisation, pilot)


def assign_pseudonyms(session) -> int:
    """Give every speaker without one a pseudonym (inside the caller's transaction); returns how
    many new pseudonyms were made."""
    from .privacy import pseudonym

    rows = session.execute(
        select(Speaker.id, Speaker.label, Speaker.actor, Speaker.organisation,
               func.coalesce(Speaker.pilot, Source.pilot))
        .join(Source, Speaker.source_id == Source.id)
        .where(Speaker.pseudonym_id.is_(None)).order_by(Speaker.source_id, Speaker.id)).all()
    if not rows:
        return 0
    known = {k: i for k, i in session.execute(select(Pseudonym.speaker_key, Pseudonym.id)).all()}
    numbers = dict(session.execute(select(Pseudonym.actor_key, func.max(Pseudonym.number))
                                   .group_by(Pseudonym.actor_key)).all())
    made = 0
    for sid, label, actor, organisation, pilot in rows:
        key = speaker_key(label, actor, organisation, pilot)
        pid = known.get(key)
        actor_key = (actor or "").strip()
        while pid is None:
            number = int(numbers.get(actor_key) or 0) + 1
            try:  # another ingest may take the key or the number at the same moment
                with session.begin_nested():
                    p = Pseudonym(speaker_key=key, actor_key=actor_key, number=number,
                                  label=pseudonym(actor_key or None, number))
                    session.add(p)
                    session.flush()
                pid = known[key] = p.id
                numbers[actor_key] = number
                made += 1
            except IntegrityError:
                pid = session.scalar(select(Pseudonym.id).where(Pseudonym.speaker_key == key))
                numbers[actor_key] = session.scalar(select(func.max(Pseudonym.number))
                                                    .where(Pseudonym.actor_key == actor_key)) or 0
        session.get(Speaker, sid).pseudonym_id = pid
    return made


def ensure_pseudonyms(db: Database) -> None:
    """Give every speaker row without a pseudonym one (normally done at ingest; one count when
    nothing is missing). The aggregations call it first: a speaker is counted by its pseudonym."""
    try:
        with db.session() as s:
            missing = s.scalar(select(func.count()).select_from(Speaker).where(Speaker.pseudonym_id.is_(None)))
    except WorkbenchError:
        raise
    except Exception:  # an uninitialised database: nothing to give (the caller reports it)
        return
    if not missing:
        return
    from .users import SYSTEM_USER, _lock_system

    with db.transaction(SYSTEM_USER) as tx:
        _lock_system(tx)
        assign_pseudonyms(tx.session)


def pseudonym_map(db: Database) -> dict[str, str]:
    """{speaker_key: pseudonym} for every speaker (assigning missing ones first)."""
    ensure_pseudonyms(db)
    with db.session() as s:
        return dict(s.execute(select(Pseudonym.speaker_key, Pseudonym.label)).all())


def pseudonymise(frame: pd.DataFrame, db: Database, column: str = "speaker") -> pd.DataFrame:
    """Replace ``column`` (speaker labels) by pseudonyms via the frame's ``speaker_key``."""
    if frame.empty or column not in frame.columns:
        return frame
    names = pseudonym_map(db)
    out = frame.copy()
    if "speaker_key" in out.columns:
        out[column] = [names.get(k) if isinstance(k, str) else None for k in out["speaker_key"]]
    else:
        out[column] = None
    return out


# ------------------------------------------------------------------------------ scrubbing

_SCRUBBERS: dict[tuple, Any] = {}


#: An internal row of ``settings`` (not a setting: ``SETTINGS`` does not list it) counting the
#: changes of speaker rows in place (``ingest.metadata``: a name, actor, organisation or pilot
#: given after ingest), so that every process's cached scrubber knows the roster changed.
ROSTER_REVISION = "_roster_revision"


def bump_roster_revision(session) -> None:
    """Inside a transaction that changed speaker rows in place: tell every process's
    :func:`roster_scrubber` cache (one small row; inserts and deletes are seen without it)."""
    row = session.get(Setting, ROSTER_REVISION)
    if row is None:
        session.add(Setting(key=ROSTER_REVISION, value=1))
    else:
        row.value = int(row.value or 0) + 1


def roster_scrubber(db: Database):
    """A ``privacy.Scrubber`` for every speaker of the database, and every speaker of a removed
    source (``removed_speakers``), cached until the roster changes: rows added or deleted, or
    changed in place (:data:`ROSTER_REVISION`: a name given after ingest, in this process or
    another, is scrubbed from the next call on)."""
    from .privacy import Scrubber

    from .store import RemovedSpeaker

    with db.session() as s:
        stamp = s.execute(select(func.count(), func.max(Speaker.id))
                          .select_from(Speaker)).one()
        gone = s.execute(select(func.count(), func.max(RemovedSpeaker.id)).select_from(RemovedSpeaker)).one()
        revision = s.scalar(select(Setting.value).where(Setting.key == ROSTER_REVISION))
        key = (db.url, tuple(stamp), tuple(gone), revision)
        if key in _SCRUBBERS:
            return _SCRUBBERS[key]
        rows = [dict(label=label, actor=actor, organisation=org, pilot=pilot, name=name)
                for label, actor, org, pilot, name in s.execute(
                    select(Speaker.label, Speaker.actor, Speaker.organisation,
                           func.coalesce(Speaker.pilot, Source.pilot), Speaker.name)
                    .join(Source, Speaker.source_id == Source.id)).all()]
        # speakers of removed sources: their names may stand in the others' speech (lifecycle.remove_source)
        rows += [dict(label=label, actor=actor, organisation=org, pilot=pilot, name=name)
                 for label, actor, org, pilot, name in s.execute(
                     select(RemovedSpeaker.label, RemovedSpeaker.actor, RemovedSpeaker.organisation,
                            RemovedSpeaker.pilot, RemovedSpeaker.name)).all()]
    scrubber = Scrubber.from_roster(rows)
    if len(_SCRUBBERS) > 16:
        _SCRUBBERS.clear()
    _SCRUBBERS[key] = scrubber
    return scrubber


#: The metadata fields whose values every role sees (dashboards, filters, released quotes, exports,
#: ``settings show``): shown scrubbed to all but researchers (:func:`shown_values`), a roster name
#: in one is warned about where it is given (:func:`value_warnings`) and scrubbed where it is stored
#: by ``forget`` and ``anonymise``.
NAMED_VALUE_FIELDS = ("phase", "pilot")
_FIELD_NO = {"phase": "Fasen", "pilot": "Piloten"}


def _value_warning(field_name: str, value: str, where: str | None = None) -> tuple[str, str]:
    """(English, Norwegian) one-line warning that a phase or pilot value holds a roster name."""
    at = f"{where}: " if where else ""
    option = "--phase" if field_name == "phase" else "--pilot"
    english = (f"{at}{field_name} {value!r} holds the name of a person in the roster; the resource group and "
               f"report authors see it with [navn] in place of the name (dashboards, released quotes, exports), "
               f"and it is stored with the name: give it a name without the person's (workbench source set FILE "
               f"{option} ...)")
    norwegian = (f"{_FIELD_NO.get(field_name, field_name)} «{value}» inneholder navnet på en person i "
                 "deltakerlisten; ressursgruppen og rapportforfattere ser [navn] i stedet for navnet (oversikten, "
                 "frigitte sitater, eksporter), men verdien lagres med navnet. Gi den et navn uten personens.")
    return english, norwegian


def _value_warnings(db: Database, values: Iterable[tuple[str, Any]], where: str | None = None
                    ) -> list[tuple[str, str]]:
    """:func:`value_warnings` without the permission check (for authorised callers: ingest,
    ``source set``): one (English, Norwegian) pair per distinct (field, value) that holds a
    roster name."""
    found: list[tuple[str, str]] = []
    seen: set[tuple[str, str]] = set()
    scrubber = None
    for field_name, value in values:
        if not isinstance(value, str) or not value.strip() or (field_name, value) in seen:
            continue
        seen.add((field_name, value))
        scrubber = scrubber or roster_scrubber(db)
        if scrubber.names_in_value(value):
            found.append(_value_warning(field_name, value, where))
    return found


@requires("ingest")
def value_warnings(db: Database, values: dict[str, Any] | Iterable[tuple[str, Any]], *,
                   user: str | None = None) -> list[tuple[str, str]]:
    """Warnings (English, Norwegian: one line each) for the phase and pilot values of ``values``
    ({field: value}, or (field, value) pairs; a value may be a list of phases) that are or hold the
    name of a person in the roster (``Scrubber.scrub_value``): "Gjennomføring med Liv Bjørk" when
    Liv Bjørk speaks in a source. Such a value is stored with the name (the roles that do not read
    transcripts see it scrubbed, :func:`shown_values`), so the command line and the app say so
    where a value is given (ingest, ``source set``, the Kilder
    page, ``settings set phase_order``). An empty list when none does."""
    pairs = values.items() if isinstance(values, dict) else values
    flat = [(f, v) for f, given in pairs
            for v in (given if isinstance(given, (list, tuple)) else [given])]
    return _value_warnings(db, flat)


class ShownValues:
    """How the acting user sees phase and pilot values: as stored (``as_stored``: researchers,
    who read the transcripts anyway), or with roster names replaced by "[navn]"
    (``Scrubber.scrub_value``: "Gjennomføring med Liv Bjørk" -> "Gjennomføring med [navn]", as
    file names are scrubbed) for every role that does not read transcripts (the resource group,
    report authors). Made once per call by :func:`shown_values`; each distinct value is scrubbed
    once (the value set is small), and a shown value maps to itself, so mapping twice is harmless.

    Two stored values that would read the same ("Oppstart med Liv Bjørk", "Oppstart med Per Holm"
    -> "Oppstart med [navn]") are numbered apart among the ``values`` given ("Oppstart med [navn]
    (1)", "... (2)", in the order given: :func:`shown_values` gives them in the order the sources
    were stored, never one the names decide), so every shown value stands
    for one stored value: a table per phase never mixes two phases, and a filter the scrubbed view
    offered (:meth:`stored`) selects exactly the phase it named."""

    def __init__(self, scrub=None, values: Iterable = ()):
        self._scrub = scrub
        self._memo: dict[str, str] = {}
        if scrub is None:
            return
        alike: dict[str, list[str]] = {}
        given = list(dict.fromkeys(v for v in values if isinstance(v, str)))  # in the order given
        for v in given:
            alike.setdefault(scrub(v), []).append(v)
        # a number is never one a stored value has already ("... [navn] (1)" left by an earlier forget)
        taken = set(given) | {shown for shown, stored in alike.items() if len(stored) == 1}
        for shown, stored in alike.items():
            changed = [v for v in stored if v != shown]  # a value without a name keeps its text
            if len(stored) == 1:
                self._memo[stored[0]] = shown
                continue
            if len(changed) < len(stored):
                self._memo[shown] = shown
            # numbered in the order the values were given (the project's, never one the names decide)
            n = 0
            for v in changed:
                n += 1
                while f"{shown} ({n})" in taken:
                    n += 1
                self._memo[v] = f"{shown} ({n})"
                taken.add(self._memo[v])

    @property
    def as_stored(self) -> bool:
        """True when values are shown as stored (nothing to map)."""
        return self._scrub is None

    def __call__(self, value):
        """One value as shown; None, NaN and non-text values as they are."""
        if self._scrub is None or not isinstance(value, str):
            return value
        out = self._memo.get(value)
        if out is None:
            out = self._memo[value] = self._scrub(value)
        return out

    def column(self, series: pd.Series) -> pd.Series:
        """A column of values as shown (same index and name; missing values kept), mapping each
        distinct value once."""
        if self._scrub is None or not len(series):
            return series
        mapping = {v: self(v) for v in pd.unique(series) if isinstance(v, str)}
        if all(k == v for k, v in mapping.items()):
            return series
        return pd.Series([mapping.get(v, v) if isinstance(v, str) else v for v in series],
                         index=series.index, name=series.name, dtype=object)

    def stored(self, shown: Iterable, candidates: Iterable) -> list:
        """The values of ``candidates`` (stored values) shown as any of ``shown``, in the order
        of ``candidates``; with ``as_stored`` just ``shown``."""
        wanted = [shown] if isinstance(shown, str) else list(shown)
        if self._scrub is None:
            return wanted
        keys = {str(v) for v in wanted}
        return [c for c in candidates if str(self(c)) in keys]

    def phase_line(self, value):
        """The setting ``phase_order`` ("Oppstart, Gjennomføring med Liv Bjørk") as shown, each
        phase once."""
        if self._scrub is None or not isinstance(value, str) or not value.strip():
            return value
        return join_phases(dict.fromkeys(self(p) for p in split_phases(value)))


def shown_values(db: Database) -> ShownValues:
    """The :class:`ShownValues` of the acting user: phase and pilot values as stored for those who
    read transcripts (``view_transcripts``: researchers), else scrubbed of roster names. The one
    place that decides it: the aggregations (``theme_matrix``, ``filter_values``, ``order_phases``,
    ``phase_change``, ``quotes``, ``check_filters``), ``released_quotes`` and ``list_settings``
    show values through it, and the exports, charts and app pages take them from there."""
    who = current()
    if who is None or who.can("view_transcripts"):
        return ShownValues()
    with db.session() as s:  # every phase and pilot value the views can show, to number alike ones apart
        values = stored_values(s)
    return ShownValues(roster_scrubber(db).scrub_value, values)


def stored_values(session, *, removed: bool = False) -> list[str]:
    """Every stored phase and pilot value, in the order it was stored (sources, then rosters, then
    released quotes; ``removed``: the removed speakers' pilots too), for :class:`ShownValues` to
    number alike ones apart in one order everywhere (the views, and ``lifecycle`` when it scrubs)."""
    from .store.models import RemovedSpeaker

    tables = [(Source, (Source.phase, Source.pilot)), (Speaker, (Speaker.pilot,))]
    if removed:
        tables.append((RemovedSpeaker, (RemovedSpeaker.pilot,)))
    tables.append((ReleasedQuote, (ReleasedQuote.phase, ReleasedQuote.pilot)))
    return [v for table, cols in tables for row in session.execute(select(*cols).order_by(table.id))
            for v in row if v is not None]


def audit_reveal(db: Database, what: str, detail: dict[str, Any] | None = None) -> None:
    """Record that the caller saw names as written in the files (needs the ``reveal`` right)."""
    demand("reveal", what)
    who = current()
    with db.transaction(who.name if who else None) as tx:
        tx.audit("reveal", "view", what, detail or {})


# ------------------------------------------------------------------------------- settings

SETTINGS: dict[str, tuple[type, Any, str]] = {
    "min_cell_speakers": (int, 3, "cells based on fewer distinct speakers are suppressed for the resource "
                                  "group and in exports with --suppress (k)"),
    "delete_by": (str, None, "the date by which the project's data is to be deleted or anonymised (as promised "
                             "in the information letter); sources may have their own (manifest delete_by)"),
    "joint_suppression": (int, 0, "1 = the resource group's published tables are suppressed together, so that no "
                                   "hidden cell can be worked out from all of them at once (slow on large projects); "
                                   "0 = each table with its own complementary suppression"),
    "phase_order": (str, None, "the phases in time order, comma-separated (\"Oppstart, Gjennomføring, Avslutning\"), "
                               "for the phase comparison, dashboards, charts and filters; unset = by the sources' "
                               "earliest date, else by name (fase 1, fase 2, fase 10); \"\" unsets it"),
    "retrain_every": (int, 20, "the app retrains the suggestion model in the background after this many coding "
                               "decisions (accept, reject, code, uncode) since the last training; 0 = never"),
}


def setting(db: Database, key: str) -> Any:
    """A project setting's value (its default when unset)."""
    if key not in SETTINGS:
        raise NotFound(f"unknown setting {key!r}; settings: {', '.join(SETTINGS)}")
    try:
        with db.session() as s:
            value = s.scalar(select(Setting.value).where(Setting.key == key))
            found = value is not None
    except Exception:  # an uninitialised database has the defaults
        found = False
    return value if found else SETTINGS[key][1]


def min_cell_speakers(db: Database) -> int:
    return int(setting(db, "min_cell_speakers"))


def split_phases(value: str) -> list[str]:
    """Phase names from one line: "Oppstart, Gjennomføring", or with semicolons when a phase's
    name holds a comma ("Oppstart, planlegging; Gjennomføring")."""
    text = str(value or "")
    return [p.strip() for p in text.split(";" if ";" in text else ",") if p.strip()]


def join_phases(names: Iterable[str]) -> str:
    """The phase names as one line that :func:`split_phases` reads back: comma-separated, or
    semicolon-separated when a name holds a comma."""
    names = [str(n) for n in names]
    return ("; " if any("," in n for n in names) else ", ").join(names)


def _validate_setting(key: str, value: Any) -> Any:
    if key not in SETTINGS:
        raise NotFound(f"unknown setting {key!r}; settings: {', '.join(SETTINGS)}")
    kind = SETTINGS[key][0]
    if key == "delete_by":
        from .lifecycle import _parse_day

        return _parse_day(value, "setting delete_by")
    if key == "phase_order":
        if value is None or str(value).strip().lower() in ("", "none", "ingen"):
            return None
        names = split_phases(value)
        if len({n.casefold() for n in names}) != len(names):
            raise InputError(f"setting phase_order: {value!r} names a phase twice; name each phase once, "
                             "in time order (\"Oppstart, Gjennomføring\"; with semicolons when a name holds a "
                             "comma)", code="setting.phase_order")
        return join_phases(names)
    try:
        value = kind(value)
    except (TypeError, ValueError):
        raise InputError(f"setting {key}: {value!r} is not {'a whole number' if kind is int else 'a ' + kind.__name__}") from None
    if key == "min_cell_speakers" and not 2 <= value <= 100:
        raise InputError(f"setting min_cell_speakers: {value} is outside 2-100; the default is 3")
    if key == "joint_suppression" and value not in (0, 1):
        raise InputError(f"setting joint_suppression: {value} is not 0 or 1; the default is 0")
    if key == "retrain_every" and not 0 <= value <= 10_000:
        raise InputError(f"setting retrain_every: {value} is outside 0-10000 (0 = never); the default is 20")
    return value


def _known_phases(db: Database, value: str) -> str:
    """``phase_order``'s names as the sources have them ("Fase 2" is "fase 2"); a name no source
    has is an error naming the known phases (a typo would otherwise be ignored without a word)."""
    from .store.lookup import match_value

    with db.session() as s:
        known = [str(p) for p in s.scalars(select(Source.phase).where(Source.phase.is_not(None)).distinct())]
    if not known:
        raise InputError("setting phase_order: no source has a phase yet; ingest the sources (manifest.csv "
                         "column phase) first", code="setting.phase_order")
    return join_phases(match_value("phase", n, known, reason="is not the phase of any source")
                       for n in split_phases(value))


@requires("settings")
def set_setting(db: Database, key: str, value: Any, *, user: str | None = None) -> Any:
    """Change a project setting (audited with before and after)."""
    value = _validate_setting(key, value)
    if key == "phase_order" and value is not None:
        value = _known_phases(db, value)
    with db.transaction(user) as tx:
        row = tx.session.get(Setting, key)
        before = SETTINGS[key][1] if row is None else row.value
        if row is None:
            tx.session.add(Setting(key=key, value=value))
        else:
            row.value, row.updated_at = value, utcnow()
        tx.audit("set_setting", "setting", key, {"before": before, "after": value})
    return value


@requires("view_codebook")
def list_settings(db: Database, *, user: str | None = None) -> dict[str, Any]:
    """Every setting with its value; ``phase_order`` with its phases as the acting user sees
    them (:func:`shown_values`: a roster name in a phase is "[navn]" for all but researchers)."""
    out = {k: setting(db, k) for k in SETTINGS}
    out["phase_order"] = shown_values(db).phase_line(out["phase_order"])
    return out


# ------------------------------------------------------------------------ released quotes

@dataclass
class ReleasedRecord:
    id: int
    code: str
    label: str
    speaker: str | None
    actor: str | None
    phase: str | None
    pilot: str | None
    text: str
    released_by: str | None
    released_at: dt.datetime | None
    source: str | None = None
    turn: int | None = None
    warnings: list[str] = field(default_factory=list)  # said when releasing (a group of one)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        at = self.released_at
        if at is not None and at.tzinfo is None:
            at = at.replace(tzinfo=dt.timezone.utc)
        d["released_at"] = at.isoformat(timespec="seconds") if at else None
        return d


def _descendants(session, code_id: str) -> set[str]:
    rows = session.execute(select(Code.id, Code.parent_id)).all()
    kids: dict[str, list[str]] = {}
    for cid, parent in rows:
        kids.setdefault(parent, []).append(cid)
    out, todo = set(), [code_id]
    while todo:
        c = todo.pop()
        if c in out:
            continue
        out.add(c)
        todo += kids.get(c, [])
    return out


@requires("release")
def release_quote(db: Database, source: Any, turn: Any, code: str, *, user: str | None = None) -> ReleasedRecord:
    """Release the quote of turn ``turn`` of ``source`` under ``code`` for the resource group.

    The turn must carry the code (or one of its subcodes). The scrubbed, pseudonymised text of
    the coded passage (``analysis.aggregate.quote_passage``: the part of the turn the codings of
    the code cover, as the quote exports show it) is stored as approved; releasing again returns the existing release. ``warnings`` of the record
    (Norwegian, as the app shows them) say what the resource group can tell from the release:
    when fewer than k people (``min_cell_speakers``) have the quote's actor in its pilot, or, for
    a quote without a pilot, in the whole project, which the group sees beside the quote
    (:func:`people_shown`); and when the quote's own cell of the published tables (its actor x
    phase x code, and with a pilot its actor x phase x pilot x code) rests on fewer than k
    speakers, so that the dashboards hide it and the release would show that someone of that
    actor said it (:func:`_published_speakers`)."""
    from .coding import _lock_code, _resolve_code, find_segment

    scrubber = roster_scrubber(db)
    names = pseudonym_map(db)
    k = int(setting(db, "min_cell_speakers"))
    with db.transaction(user) as tx:
        s = tx.session
        seg = find_segment(s, source, turn)
        c = _lock_code(s, _resolve_code(s, code))  # a merge running now waits, then moves the release
        coded = s.scalar(select(func.count()).select_from(Coding).where(
            Coding.segment_id == seg.id, Coding.code_id.in_(_descendants(s, c.id))))
        if not coded:
            raise WorkbenchError(f"turn {seg.index} of {seg.source.file_name!r} is not coded {c.id!r}; "
                                 "release only quotes that carry the code (code it first)")
        row = s.scalar(select(ReleasedQuote).where(ReleasedQuote.segment_id == seg.id,
                                                   ReleasedQuote.code_id == c.id))
        if row is None:
            sp = seg.speaker
            key = speaker_key(sp.label, sp.actor, sp.organisation, sp.pilot or seg.source.pilot) if sp else None
            said = (sp.pseudonym.label if sp is not None and sp.pseudonym is not None
                    else names.get(key) if key else None)
            from .analysis.aggregate import quote_passage

            spans = [(a - seg.start_char, b - seg.start_char) for a, b in s.execute(
                select(Coding.start_char, Coding.end_char).where(
                    Coding.segment_id == seg.id, Coding.code_id.in_(_descendants(s, c.id)))).all()
                if a is not None and b is not None]
            # the coded passage, as the quote exports show it (the whole turn scrubbed, then cut)
            row = ReleasedQuote(segment_id=seg.id, code_id=c.id, text=quote_passage(seg.text, spans, scrubber),
                                speaker=said, actor=sp.actor if sp else None,
                                phase=seg.source.phase, pilot=(sp.pilot if sp and sp.pilot else seg.source.pilot),
                                released_by=tx.user.id)
            s.add(row)
            s.flush()
            tx.audit("release_quote", "released_quote", row.id,
                     {"source": seg.source.file_name, "turn": seg.index, "code": c.id,
                      "after": {"text": row.text, "speaker": row.speaker}})
        record = _released_record(s, row, with_source=True)
        n = people_shown(s, row.actor, row.pilot)
    who = record.speaker or "Taleren"
    if n is not None and n < k:
        where = f"i {record.pilot}" if _named(record.pilot) else "i prosjektet"
        among = (f"{who} er den eneste med aktøren «{record.actor}» {where}" if n == 1 else
                 f"{who} er én av bare {n} med aktøren «{record.actor}» {where} (færre enn {k})")
        shows = "aktør og pilot" if _named(record.pilot) else "aktøren (sitatet har ingen pilot)"
        record.warnings.append(
            f"{among}: {shows}, og det sitatet forteller, kan peke ut personen uten navn. Les "
            f"sitatet før det deles, og trekk det tilbake (workbench unrelease {record.id}) om personen "
            "kan kjennes igjen.")
    # counted after the release is stored: the count opens its own reading session
    small = _hidden_cell(db, record.actor, record.phase, record.pilot, record.code, k)
    if small is not None:
        cell, m = small
        count = "ingen talere" if m == 0 else "bare én taler" if m == 1 else f"bare {m} talere"
        someone = record.speaker or "noen"
        record.warnings.append(
            f"Cellen {cell} bygger på {count} (færre enn {k}) og er skjult («<{k}») i ressursgruppens "
            f"tabeller, men et frigitt sitat i den viser gruppen at {someone} med aktøren "
            f"«{record.actor or UNKNOWN_VALUE}» sa dette i {record.phase or UNKNOWN_VALUE}. Trekk det tilbake "
            f"(workbench unrelease {record.id}) om cellen skal forbli skjult, eller frigi et sitat fra en "
            "celle med flere talere.")
    return record


UNKNOWN_VALUE = "(ukjent)"  # a missing actor, phase or pilot, as the dashboards group it


def _named(value: Any) -> bool:
    """A non-empty text (not None, not a pandas NaN)."""
    return isinstance(value, str) and bool(value.strip())


def _people(session, *where) -> int:
    rows = session.execute(
        select(Speaker.id, Speaker.pseudonym_id).join(Source, Speaker.source_id == Source.id).where(*where)).all()
    return len({("p", pid) if pid is not None else ("s", sid) for sid, pid in rows})


def people_in_pilot(session, actor: str | None, pilot: str | None) -> int | None:
    """How many people (pseudonyms; a speaker without one counts once) have ``actor`` in ``pilot``
    across all sources; None when the quote names no actor or no pilot. A released quote shows
    its actor and pilot to the resource group, so where this is below the suppression threshold k
    the pair narrows the quote down to one or two people (the mayors of a pilot), and what the
    quote tells does the rest."""
    if not _named(actor) or not _named(pilot):
        return None  # (a pandas NaN from a frame included)
    return _people(session, Speaker.actor == actor, func.coalesce(Speaker.pilot, Source.pilot) == pilot)


def people_in_project(session, actor: str | None) -> int | None:
    """How many people (as :func:`people_in_pilot` counts them) have ``actor`` in the whole
    project, in any pilot or none; None when the quote names no actor."""
    if not _named(actor):
        return None
    return _people(session, Speaker.actor == actor)


def people_shown(session, actor: str | None, pilot: str | None) -> int | None:
    """How many people a released quote's actor and pilot narrow it down to: those with the actor
    in the pilot (:func:`people_in_pilot`), or for a quote without a pilot (the regional and
    national actors: KDD, Husbanken, statsforvalter ...), which shows only actor and phase, those
    with the actor in the whole project (:func:`people_in_project`). None when the quote names no
    actor. ``release_quote`` warns below k, and the demo releases no such quote."""
    return people_in_pilot(session, actor, pilot) if _named(pilot) else people_in_project(session, actor)


def _published_speakers(db: Database, *, by: tuple[str, ...] = ("actor", "phase"), codes: Any = None,
                       user: str | None = None) -> dict[tuple, int]:
    """{(*by values, code): distinct speakers} counted as the resource group's published tables
    count them (``analysis.theme_matrix``: all coders, the current codebook, the interviewers'
    own turns left out, a parent with its children, a missing value as "(ukjent)"), before
    suppression. A cell below k is hidden ("<3") on the group's Oversikt page; ``by`` is
    ("actor", "phase") or ("actor", "phase", "pilot") as there. ``codes`` as in theme_matrix.
    Unsuppressed counts: for calls already authorised to release (``release_quote``, the demo)."""
    from .analysis import theme_matrix
    from .analysis.aggregate import PUBLISHED_EXCLUSION

    m = theme_matrix(db, by=by, codes=codes, exclude_actors=PUBLISHED_EXCLUSION, user=user)
    if m.empty:
        return {}
    cols = [*by, "code", "speakers"]
    return {tuple(str(v) for v in r[:-1]): int(r[-1]) for r in m[cols].itertuples(index=False, name=None)}


def _cell_value(value: Any) -> str:
    return value.strip() if _named(value) else UNKNOWN_VALUE


def small_cell(cells: dict[tuple, int], pilot_cells: dict[tuple, int] | None, actor: Any, phase: Any,
               pilot: Any, code: str, k: int) -> tuple[str, int] | None:
    """(the cell as text, its speakers) of a released quote's first published cell resting on
    fewer than k speakers, or None: its actor x phase x code cell in ``cells``, then, for a quote
    with a pilot, its actor x phase x pilot x code cell in ``pilot_cells`` (the Oversikt page
    with one pilot chosen). ``cells``/``pilot_cells`` from :func:`_published_speakers`; an
    interviewer's quote (in no published table) has none."""
    from .analysis.aggregate import PUBLISHED_EXCLUSION

    a, ph = _cell_value(actor), _cell_value(phase)
    if a in PUBLISHED_EXCLUSION:
        return None
    n = cells.get((a, ph, code))
    if n is not None and n < k:
        return f"«{a} · {ph} · {code}»", n
    if pilot_cells is not None and _named(pilot):
        n = pilot_cells.get((a, ph, pilot.strip(), code))
        if n is not None and n < k:
            return f"«{a} · {ph} · {pilot.strip()} · {code}»", n
    return None


def _hidden_cell(db: Database, actor: Any, phase: Any, pilot: Any, code: str, k: int) -> tuple[str, int] | None:
    """:func:`small_cell` of one quote, counted now (inside an authorised call)."""
    try:
        cells = _published_speakers(db, codes=[code])
        pilot_cells = _published_speakers(db, by=("actor", "phase", "pilot"), codes=[code]) if _named(pilot) else None
    except NotFound:  # a retired code: in no published table
        return None
    return small_cell(cells, pilot_cells, actor, phase, pilot, code, k)


@requires("release")
def withdraw_release(db: Database, release_id: int, *, user: str | None = None) -> ReleasedRecord:
    """Take a released quote back from the resource group (audited)."""
    with db.transaction(user) as tx:
        row = tx.session.get(ReleasedQuote, int(release_id))
        if row is None:
            raise NotFound(f"no released quote with id {release_id}; see `workbench released`")
        record = _released_record(tx.session, row, with_source=True)
        tx.audit("withdraw_release", "released_quote", row.id,
                 {"before": {"text": row.text, "code": row.code_id}, "after": None})
        tx.session.delete(row)
        return record


def _released_record(session, row: ReleasedQuote, *, with_source: bool) -> ReleasedRecord:
    code = session.get(Code, row.code_id)
    by = session.get(User, row.released_by)
    source = turn = None
    if with_source:
        seg = session.get(Segment, row.segment_id)
        source, turn = seg.source.file_name, seg.index
    return ReleasedRecord(row.id, row.code_id, code.label if code else row.code_id, row.speaker, row.actor,
                          row.phase, row.pilot, row.text, by.name if by and with_source else None,
                          row.released_at, source, turn)


RELEASED_COLUMNS = ["id", "code", "label", "speaker", "actor", "phase", "pilot", "text"]


@requires("view_released_quotes")
def released_quotes(db: Database, *, user: str | None = None, code: str | None = None,
                    actor: str | Iterable[str] | None = None, phase: str | None = None,
                    pilot: str | None = None) -> pd.DataFrame:
    """Released quotes (the only quotes the resource group sees): id, code, label, speaker
    (pseudonym), actor, phase, pilot, text; for researchers also source, turn, released_by.
    The stored text is scrubbed again with the current roster (``roster_scrubber``) as it is read,
    and phase and pilot are shown as :func:`shown_values` shows them (a roster name in one is
    "[navn]" for all but researchers), and filtered by the values as shown.
    ``code`` includes its subcodes; "(ukjent)" selects a missing actor/phase/pilot."""
    from .analysis.aggregate import UNKNOWN

    who = current()
    researcher = who is None or who.can("release")
    with db.session() as s:
        q = select(ReleasedQuote).order_by(ReleasedQuote.id)
        if code:
            if s.get(Code, code) is None:
                raise NotFound(f"code {code!r} is not in the codebook")
            q = q.where(ReleasedQuote.code_id.in_(_descendants(s, code)))
        records = [_released_record(s, r, with_source=researcher) for r in s.scalars(q)]
    if records:  # scrubbed again with today's roster and rules: a release made before a name was
        scrub = roster_scrubber(db).scrub  # in the roster (or a rule caught it) does not show it
        for r in records:
            r.text = scrub(r.text)
    cols = RELEASED_COLUMNS + (["source", "turn", "released_by", "released_at"] if researcher else [])
    df = pd.DataFrame([{c: getattr(r, c) for c in cols} for r in records], columns=cols)
    if len(df):  # a roster name in the phase or pilot: "[navn]" for all but researchers (also to filter by)
        shown = shown_values(db)
        for col in ("phase", "pilot"):
            df[col] = shown.column(df[col])
    for col, value in (("actor", actor), ("phase", phase), ("pilot", pilot)):
        if value is None:
            continue
        values = {str(v) for v in ([value] if isinstance(value, str) else value)}
        shown = df[col].astype(object).where(df[col].notna(), UNKNOWN).astype(str)
        df = df[shown.isin(values)]
    return df.reset_index(drop=True)
