"""A stored source's metadata after ingest: its manifest fields and its speakers' roster fields.

A source's text and turns are fixed at ingest (its codings point into them), but what describes
it may be given or corrected later, without losing a coding:

- ``ingest_paths`` on an unchanged file with a manifest or participants row that differs from what
  is stored updates the stored values (``_update_from_tables``, one transaction per file);
- :func:`set_source` and :func:`set_speaker` change one source or one speaker directly
  (``workbench source set`` / ``workbench source speaker``);
- :func:`set_metadata` changes one source and any of its speakers at once, from a whole form's
  values (the app's «Endre metadata» on the Kilder page); :func:`metadata_choices` lists the values
  such a form offers.

The rules are the same both ways:

- A value absent from the new table (an empty cell, a missing column, a file the manifest has no
  row for) keeps the stored one; only :func:`set_source`/:func:`set_speaker` with ``clear=`` empty
  a field. Values are checked as at first ingest (kind, language, dates; a phase ``Fase 1`` is
  ``fase 1``; a category spelt like a stored one but for letter case or spacing takes the stored
  spelling); a bad value is a one-line error and nothing changes.
- Text, turns, codings, memos and suggestions never change. A new language makes the turns'
  stored lemmas stale (``sources.lemma_version`` emptied): the next search or training analyses the
  source again with the new language's tables.
- A speaker whose person key (``sharing.speaker_key``: label, actor, organisation, pilot) changes
  is given the pseudonym of that key: another source's row of the same person if there is one;
  else, when the actor is the same and no other row shares the old pseudonym, the old pseudonym
  under the new key (a report's "Prosjektleder 2" stays "Prosjektleder 2"); else a new one
  numbered for the new actor ("Deltaker 1" given the actor ordfører becomes "Ordfører 4"). An old
  pseudonym keeps its number, which is never given to anyone else. Every pseudonym that changes is
  named in ``MetadataUpdate.line`` (also one changed by the source's pilot alone, the key's pilot of
  a speaker without their own), with a warning that earlier exports use the old one.
- Released quotes of the source take the new actor, phase, pilot and pseudonym (their approved
  text is kept); a warning says when the new actor and pilot narrow a released quote down to
  fewer than k people, as ``release_quote`` does.
- Every change is one ``set_metadata`` audit event per source with each field's before and after
  (a real name, the roster's ``name``, only as "[navn]"); the dashboards' caches are keyed on the
  data version, which the event changes, and the scrubber reads the roster as it now is.
- A withdrawn speaker (``lifecycle.forget``) is never given back a name, organisation or actor.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from ..access import requires
from ..errors import InputError, NotFound
from .chars import BIDI_CONTROLS, clean_text
from .manifest import (DATE_FORMS, KINDS, LANGUAGES, NOTES_KINDS, Participant, parse_date, phase_value, spelling_key,
                       column_limit, too_long)

SOURCE_FIELDS = ("kind", "phase", "pilot", "county", "date", "language", "media", "delete_by")
SPEAKER_FIELDS = ("actor", "organisation", "pilot", "name")
#: Norwegian names of the fields, as the ingest and ``source`` lines print them
FIELD_NAMES = {"kind": "type", "phase": "fase", "pilot": "pilot", "county": "fylke", "date": "dato",
               "language": "språk", "media": "opptak", "delete_by": "slettes innen", "actor": "aktør",
               "organisation": "organisasjon", "name": "navn"}
NONE_TEXT = "(ingen)"
NAME_SHOWN = "[navn]"  # a real name is never printed or audited, only that one was given

__all__ = ["SOURCE_FIELDS", "SPEAKER_FIELDS", "MetadataUpdate", "metadata_choices", "set_metadata",
           "set_source", "set_speaker"]


@dataclass
class MetadataUpdate:
    """What one update of a source's metadata changed: ``source`` {field: (before, after)},
    ``speakers`` {label: {field: (before, after)}}, ``pseudonyms`` {label: (before, after)},
    the number of released quotes updated, and warnings (Norwegian or English one-liners, for the
    command line) with ``notices``, the same warnings in Norwegian bokmål (for the app)."""

    file: str
    source: dict[str, tuple[Any, Any]] = field(default_factory=dict)
    speakers: dict[str, dict[str, tuple[Any, Any]]] = field(default_factory=dict)
    pseudonyms: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)
    released_quotes: int = 0
    warnings: list[str] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)

    def warn(self, english: str, norwegian: str | None = None) -> None:
        """Add a warning (``norwegian``: its Norwegian form, when ``english`` is not Norwegian)."""
        self.warnings.append(english)
        self.notices.append(norwegian or english)

    @property
    def changed(self) -> bool:
        return bool(self.source or self.speakers)

    def pseudonym_change(self, label: str) -> tuple[str | None, str | None] | None:
        """(before, after) when the speaker ``label``'s pseudonym changed, else None."""
        before, after = self.pseudonyms.get(label, (None, None))
        return (before, after) if label in self.pseudonyms and before != after else None

    def speaker_labels(self) -> list[str]:
        """The speakers to name: those whose own fields changed, then those whose pseudonym alone
        changed (a new pilot of the source is part of the key of a speaker without their own)."""
        return list(self.speakers) + [label for label in self.pseudonyms
                                      if label not in self.speakers and self.pseudonym_change(label)]

    def line(self) -> str:
        """One line, e.g. ``intervju.txt: fase (ingen) → fase 1, pilot (ingen) → Pilot A; taleren
        Kari: aktør (ingen) → ordfører (pseudonym Deltaker 1 → Ordfører 1)``."""
        parts = [", ".join(_change(f, b, a) for f, (b, a) in self.source.items())] if self.source else []
        for label in self.speaker_labels():
            changes = self.speakers.get(label, {})
            moved = self.pseudonym_change(label)
            if changes:
                text = f"taleren {label}: " + ", ".join(_change(f, b, a) for f, (b, a) in changes.items())
                if moved:
                    text += f" (pseudonym {moved[0] or NONE_TEXT} → {moved[1] or NONE_TEXT})"
            else:  # the source's own pilot (or another source's row) moved the person to another key
                text = f"taleren {label}: pseudonym {moved[0] or NONE_TEXT} → {moved[1] or NONE_TEXT}"
            parts.append(text)
        if self.released_quotes:
            parts.append(f"{self.released_quotes} frigitt{'e' if self.released_quotes > 1 else ''} sitat"
                         f"{'er' if self.released_quotes > 1 else ''} oppdatert")
        return f"{self.file}: " + ("; ".join(parts) if parts else "ingen endring")

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file,
                "source": {f: {"before": b, "after": a} for f, (b, a) in self.source.items()},
                "speakers": {label: {f: {"before": _shown(f, b), "after": _shown(f, a)} for f, (b, a) in ch.items()}
                             for label, ch in self.speakers.items()},
                "pseudonyms": {label: {"before": b, "after": a} for label, (b, a) in self.pseudonyms.items()},
                "released_quotes": self.released_quotes, "warnings": list(self.warnings)}


def _shown(name: str, value: Any) -> Any:
    return NAME_SHOWN if name == "name" and value else value


def _change(name: str, before: Any, after: Any) -> str:
    if name == "name":  # never the name itself on the screen
        return ("navn lagt til" if before is None else "navn fjernet" if after is None else "navn endret")
    return f"{FIELD_NAMES.get(name, name)} {before if before is not None else NONE_TEXT} → " \
           f"{after if after is not None else NONE_TEXT}"


# ------------------------------------------------------------------------------- checking values

def _category(session, name: str, value: str, warnings: list[str], notices: list[str] | None = None) -> str:
    """``value`` in the spelling already stored for the category ``name`` (letter case and spacing
    aside), as ``manifest.align_spellings`` does for the tables."""
    from sqlalchemy import select

    from ..store.models import Source, Speaker

    models = {"phase": (Source,), "pilot": (Source, Speaker), "county": (Source,), "actor": (Speaker,)}
    key = spelling_key(value)
    for model in models.get(name, ()):
        column = getattr(model, name)
        for stored in session.scalars(select(column).where(column.is_not(None)).group_by(column)
                                      .order_by(column)):
            if stored != value and spelling_key(stored) == key:
                warnings.append(f"{name} {value!r} is stored as {stored!r}, the spelling already in the database, "
                                "as the two differ only in letter case or spacing")
                if notices is not None:
                    said = FIELD_NAMES.get(name, name).capitalize()
                    notices.append(f"{said} «{value}» er lagret som «{stored}», "
                                   "skrivemåten som alt finnes i databasen (de skiller seg bare i store og små "
                                   "bokstaver eller mellomrom).")
                return stored
    return value


def _source_value(name: str, raw: Any) -> Any:
    """A manifest field's value as stored, checked as ``manifest.manifest_rows`` checks it."""
    text = _form_text(raw)
    if name == "kind":
        kind = text.lower()
        if kind not in KINDS:
            raise InputError(f"kind {text!r} is not allowed; use one of {', '.join(KINDS)}",
                             code="metadata.bad_value", field=name, value=text)
        return kind
    if name == "language":
        language = text.lower().replace(" ", "")
        if language not in LANGUAGES:
            raise InputError(f"language {text!r} is not allowed; use one of {', '.join(LANGUAGES)}",
                             code="metadata.bad_value", field=name, value=text)
        return language
    if name in ("date", "delete_by"):
        try:
            day = parse_date(text)
            if name == "delete_by" and len(day) != 10:
                raise ValueError("give the day too")
        except ValueError as exc:
            raise InputError(f"{name} {text!r} cannot be read ({exc}); write it as {DATE_FORMS}",
                             code="metadata.bad_date", field=name, value=text) from None
        return day
    if name == "phase":
        text = phase_value(text)
    _fits("source", name, text)
    return text


def _fits(table: str, name: str, value: Any) -> None:
    """InputError ``metadata.too_long`` when ``value`` is longer than its column allows."""
    problem = too_long(table, {name: value})
    if problem:
        raise InputError(problem, code="metadata.too_long", field=name, value=str(value)[:30] + "…",
                         length=len(str(value)), limit=column_limit(table, name))


# ------------------------------------------------------------------------------- applying

def _apply(tx, src, source_values: dict[str, Any], people: dict[str, Participant], *, clear: Iterable[str] = (),
           speaker_clear: dict[str, Iterable[str]] | None = None, via: str) -> MetadataUpdate:
    """Give ``src`` (a Source in ``tx``) the non-None ``source_values`` and, for each of its
    speakers with a row in ``people``, that row's non-None fields; ``clear``/``speaker_clear`` empty
    fields. Pseudonyms, released quotes, stale lemmas and the audit event follow (module docstring).
    Nothing is written when nothing differs."""
    from ..ingest.chars import clean_text

    session = tx.session
    update = MetadataUpdate(src.file_name)
    for name in SOURCE_FIELDS:
        before = getattr(src, name)
        after = None if name in clear else source_values.get(name)
        if (after is None and name not in clear) or after == before:
            continue
        update.source[name] = (before, after)
        setattr(src, name, after)
    if "kind" in update.source:
        before, after = update.source["kind"]
        if (before in NOTES_KINDS) != (after in NOTES_KINDS) and src.format in ("txt", "md", "markdown", "docx"):
            update.warn(
                f"{src.file_name}: its turns were read as {'notes' if before in NOTES_KINDS else 'a transcript'} "
                f"when it was ingested and stay so (kind {after or NONE_TEXT} alone does not read them again); to "
                f'read it {"as notes" if after in NOTES_KINDS else "as a transcript"}, remove-source it (its '
                "codings go with it) and ingest it again",
                f"{src.file_name} ble lest som {'notater' if before in NOTES_KINDS else 'en transkripsjon'} da den "
                f"ble lest inn, og blir det (typen {after or NONE_TEXT} alene leser den ikke på nytt); for å lese "
                f"den {'som notater' if after in NOTES_KINDS else 'som en transkripsjon'} må kilden fjernes "
                "(kodingene følger med) og leses inn igjen.")
    if "language" in update.source:
        src.lemma_version = None  # the turns' lemmas were made with the old language: ensure_lemmas redoes them
    speaker_clear = speaker_clear or {}
    for sp in src.speakers:
        person = people.get(sp.label) or people.get(clean_text(sp.label))
        cleared = set(speaker_clear.get(sp.label, ()))
        if (person is None and not cleared) or sp.withdrawn:
            continue
        for name in SPEAKER_FIELDS:
            before = getattr(sp, name)
            after = None if name in cleared else getattr(person, name, None)
            if (after is None and name not in cleared) or after == before:
                continue
            update.speakers.setdefault(sp.label, {})[name] = (before, after)
            setattr(sp, name, after)
    if not update.changed:
        return update
    session.flush()
    if update.speakers or "pilot" in update.source:  # the scrubber reads speakers with the source's pilot
        from ..sharing import bump_roster_revision

        bump_roster_revision(session)
    _rekey(session, src, update)
    _refresh_releases(session, src, update)
    tx.audit("set_metadata", "source", src.id, {"file": src.file_name, "via": via, **{
        k: v for k, v in update.to_dict().items() if k in ("source", "speakers", "pseudonyms", "released_quotes")}})
    return update


def _rekey(session, src, update: MetadataUpdate) -> None:
    """Point each speaker of ``src`` whose person key changed at the pseudonym of its new key
    (module docstring), recording the labels in ``update.pseudonyms``."""
    from sqlalchemy import func, select

    from ..sharing import assign_pseudonyms, speaker_key
    from ..store.models import Pseudonym, RemovedSpeaker, Speaker

    before: dict[int, str | None] = {}
    for sp in src.speakers:
        if sp.withdrawn:
            continue  # its pseudonym's key was made without the name (lifecycle.forget): left as it is
        key = speaker_key(sp.label, sp.actor, sp.organisation, sp.pilot or src.pilot)
        old = sp.pseudonym
        if old is not None and old.speaker_key == key:
            continue
        before[sp.id] = old.label if old is not None else None
        existing = session.scalar(select(Pseudonym).where(Pseudonym.speaker_key == key))
        if existing is not None:
            sp.pseudonym_id = existing.id
        elif old is not None and old.actor_key == (sp.actor or "").strip() and not (
                session.scalar(select(func.count()).select_from(Speaker).where(
                    Speaker.pseudonym_id == old.id, Speaker.id != sp.id))
                or session.scalar(select(func.count()).select_from(RemovedSpeaker).where(
                    RemovedSpeaker.pseudonym_id == old.id))):
            old.speaker_key = key  # the same person under a fuller key: the report's pseudonym stays
        else:
            sp.pseudonym_id = None
        session.flush()
    if not before:
        return
    assign_pseudonyms(session)
    session.flush()
    for sp in src.speakers:
        if sp.id in before:
            session.refresh(sp)
            after = sp.pseudonym.label if sp.pseudonym is not None else None
            if after != before[sp.id]:
                update.pseudonyms[sp.label] = (before[sp.id], after)
    # a pseudonym changed by the source's values alone (its pilot is the key's pilot of a speaker
    # without their own): the line names it; what a report made before calls them is no longer
    # what the tool calls them (a change of the speaker's own actor says so in its line already)
    renamed = [(label, b, a) for label, (b, a) in update.pseudonyms.items()
               if b is not None and a != b and label not in update.speakers]
    if renamed:
        english = ", ".join(f"{b} is now {a or NONE_TEXT} ({label})" for label, b, a in renamed)
        norwegian = ", ".join(f"{b} heter nå {a or NONE_TEXT} ({label})" for label, b, a in renamed)
        update.warn(f"{src.file_name}: {english}; reports and exports made before this change use the old "
                    f"pseudonym{'s' if len(renamed) > 1 else ''}: make the exports again",
                    f"{src.file_name}: {norwegian}; rapporter og eksporter laget før endringen bruker "
                    f"{'de gamle pseudonymene' if len(renamed) > 1 else 'det gamle pseudonymet'}: "
                    "lag eksportene på nytt.")


def _refresh_releases(session, src, update: MetadataUpdate) -> None:
    """Give the released quotes of ``src`` its speakers' and its own new metadata (the approved
    text stays), with a warning where the actor and pilot now point to fewer than k people."""
    from sqlalchemy import select

    from ..sharing import SETTINGS, _named, people_shown
    from ..store.models import ReleasedQuote, Segment, Setting

    rows = session.execute(select(ReleasedQuote, Segment).join(Segment, ReleasedQuote.segment_id == Segment.id)
                           .where(Segment.source_id == src.id).order_by(ReleasedQuote.id)).all()
    if not rows:
        return
    k = None
    for rq, seg in rows:
        sp = seg.speaker
        new = {"speaker": sp.pseudonym.label if sp is not None and sp.pseudonym is not None else rq.speaker,
               "actor": sp.actor if sp is not None else None, "phase": src.phase,
               "pilot": sp.pilot if sp is not None and sp.pilot else src.pilot}
        if all(getattr(rq, f) == v for f, v in new.items()):
            continue
        for f, v in new.items():
            setattr(rq, f, v)
        update.released_quotes += 1
        if k is None:
            stored = session.scalar(select(Setting.value).where(Setting.key == "min_cell_speakers"))
            k = int(stored if stored is not None else SETTINGS["min_cell_speakers"][1])
        session.flush()
        n = people_shown(session, rq.actor, rq.pilot)
        if n is not None and n < k:
            where = f"i {rq.pilot}" if _named(rq.pilot) else "i prosjektet"
            update.warn(
                f"{src.file_name}: det frigitte sitatet {rq.id} har nå aktøren «{rq.actor}» {where}, der det er "
                f"{'bare én person' if n == 1 else f'bare {n} personer'} med den (færre enn {k}); les det, og "
                f"trekk det tilbake (workbench unrelease {rq.id}) om personen kan kjennes igjen")


def _clear_scrubbers() -> None:
    from ..sharing import _SCRUBBERS

    _SCRUBBERS.clear()


# ------------------------------------------------------------------------------- from the tables

def _update_from_tables(db, name: str, meta: dict[str, Any], people: dict[str, Participant], transcript: Path,
                       *, user: str | None) -> MetadataUpdate | None:
    """Inside ``ingest_paths``: give the stored, unchanged source ``name`` the values of its
    manifest row (``meta``, already checked) and roster rows (``people``); one transaction. The
    manifest's ``media`` is resolved against ``transcript``'s folder; without one, a recording
    beside the transcript is referenced when the source has none. None when nothing differs."""
    from sqlalchemy import select

    from ..store.models import Source
    from .media import resolve

    values = {f: meta.get(f) for f in SOURCE_FIELDS if f != "media"}
    warnings: list[str] = []
    with db.transaction(user) as tx:
        src = tx.session.scalar(select(Source).where(Source.file_name == name))
        if src is None:
            return None
        if meta.get("media") or src.media is None:
            media, problem = resolve(transcript, meta.get("media"))
            if problem and meta.get("media"):
                warnings.append(f"{name}: {problem}")
            if media is not None:
                values["media"] = str(media)
        update = _apply(tx, src, values, people, via="ingest")
    update.warnings[:0] = warnings
    update.notices[:0] = warnings
    if not update.changed:
        return update if update.warnings else None
    _clear_scrubbers()
    return update


# ------------------------------------------------------------------------------- directly

def _clear_fields(clear: Iterable[str] | str | None, allowed: tuple[str, ...],
                  given: dict[str, Any] | None = None) -> set[str]:
    """The fields ``clear`` names (Norwegian or English names), each one of ``allowed``; a field
    both given a value in ``given`` and cleared is refused."""
    fields = {clear} if isinstance(clear, str) else set(clear or ())
    by_norwegian = {v: k for k, v in FIELD_NAMES.items()}
    out = set()
    for f in fields:
        f = by_norwegian.get(str(f).strip().lower(), str(f).strip().lower())
        if f not in allowed:
            raise InputError(f"cannot clear {f!r}; fields: {', '.join(allowed)}", code="metadata.bad_field", field=f)
        out.add(f)
    both = sorted(f for f in out if (given or {}).get(f) is not None)
    if both:
        raise InputError(f"{both[0]} is both given and cleared; give one", code="metadata.both", field=both[0])
    return out


@requires("ingest")
def set_source(db, source: Any, *, kind: str | None = None, phase: str | None = None, pilot: str | None = None,
               county: str | None = None, date: str | None = None, language: str | None = None,
               delete_by: str | None = None, clear: Iterable[str] | str | None = None,
               user: str | None = None) -> MetadataUpdate:
    """Change the manifest fields of one stored source (id or file name): each value given (not
    None) is checked as the manifest's would be and stored; ``clear`` empties the fields it names.
    Text, turns and codings stay; see the module docstring for what follows. A bad value is an
    ``InputError`` and nothing changes. The recording is changed with ``media.set_media``."""
    from ..store.lookup import find_source

    given = {"kind": kind, "phase": phase, "pilot": pilot, "county": county, "date": date, "language": language,
             "delete_by": delete_by}
    cleared = _clear_fields(clear, tuple(f for f in SOURCE_FIELDS if f != "media"), given)
    values: dict[str, Any] = {}
    for name, raw in given.items():
        if raw is None:
            continue
        if not str(raw).strip():
            raise InputError(f"{name} is empty; give a value, or clear it with clear={name!r}",
                             code="metadata.empty", field=name)
        values[name] = _source_value(name, raw)
    if not values and not cleared:
        raise InputError("nothing to change; give a field (kind, phase, pilot, county, date, language, "
                         "delete_by) or one to clear", code="metadata.nothing")
    with db.transaction(user) as tx:
        src = find_source(tx.session, source)
        warnings: list[str] = []
        notices: list[str] = []
        for name in ("phase", "pilot", "county"):
            if values.get(name):
                values[name] = _category(tx.session, name, values[name], warnings, notices)
        update = _apply(tx, src, values, {}, clear=cleared, via="source set")
        update.warnings[:0] = warnings
        update.notices[:0] = notices
    return _refreshed(update, db)


def _refreshed(update: MetadataUpdate, db=None) -> MetadataUpdate:
    """``update``, after the committed change (if any) has reached the scrubbers' cached rosters,
    with a warning for each new phase or pilot that holds a roster name (``sharing.value_warnings``:
    the resource group sees such values as written)."""
    if update.changed:
        _clear_scrubbers()
        if db is not None:
            _warn_named_values(db, update)
    return update


def _warn_named_values(db, update: MetadataUpdate) -> None:
    """Warn (one line each, ``sharing._value_warnings``) about the new phase or pilot values of
    ``update`` (the source's, and a speaker's pilot) that hold a roster name."""
    from ..sharing import NAMED_VALUE_FIELDS, _value_warnings

    given = [(f, after) for f, (_before, after) in update.source.items() if f in NAMED_VALUE_FIELDS]
    given += [(f, after) for changes in update.speakers.values() for f, (_before, after) in changes.items()
              if f in NAMED_VALUE_FIELDS]
    for english, norwegian in _value_warnings(db, given, update.file):
        update.warn(english, norwegian)


@requires("ingest")
def set_speaker(db, source: Any, speaker: str, *, actor: str | None = None, organisation: str | None = None,
                pilot: str | None = None, name: str | None = None, clear: Iterable[str] | str | None = None,
                user: str | None = None) -> MetadataUpdate:
    """Change the roster fields of one speaker (its label as written in the file) of one stored
    source, as a participants.csv row would at ingest: each value given is stored, ``clear``
    empties the fields it names. The pseudonym follows a new actor (module docstring)."""
    from sqlalchemy import select

    from ..store.lookup import find_source, match_value
    from ..store.models import Speaker
    from .chars import clean_text

    given = {"actor": actor, "organisation": organisation, "pilot": pilot, "name": name}
    cleared = _clear_fields(clear, SPEAKER_FIELDS, given)
    values: dict[str, Any] = {}
    for field_name, raw in given.items():
        if raw is None:
            continue
        text = _form_text(raw)
        if not text:
            raise InputError(f"{field_name} is empty; give a value, or clear it with clear={field_name!r}",
                             code="metadata.empty", field=field_name)
        _fits("speaker", field_name, text)
        values[field_name] = text
    if not values and not cleared:
        raise InputError("nothing to change; give a field (actor, organisation, pilot, name) or one to clear",
                         code="metadata.nothing")
    with db.transaction(user) as tx:
        src = find_source(tx.session, source)
        labels = list(tx.session.scalars(select(Speaker.label).where(Speaker.source_id == src.id)
                                         .order_by(Speaker.id)))
        if not labels:
            raise NotFound(f"{src.file_name} has no speakers (it was read as notes or a document)",
                           code="metadata.no_speakers", source=src.file_name)
        wanted = " ".join(clean_text(str(speaker)).split())
        label = match_value("speaker", wanted, labels, reason=f"is not a speaker of {src.file_name}")
        sp = next(s for s in src.speakers if s.label == label)
        if sp.withdrawn:
            raise InputError(f"{label!r} of {src.file_name} has withdrawn (workbench forget); their roster "
                             "row is kept as it is", code="metadata.withdrawn")
        warnings: list[str] = []
        notices: list[str] = []
        for field_name in ("actor", "pilot"):
            if values.get(field_name):
                values[field_name] = _category(tx.session, field_name, values[field_name], warnings, notices)
        person = Participant(speaker=label, **values)
        update = _apply(tx, src, {}, {label: person}, speaker_clear={label: cleared}, via="source speaker")
        update.warnings[:0] = warnings
        update.notices[:0] = notices
    return _refreshed(update, db)


# ------------------------------------------------------------------------------- a whole form

FORM_SOURCE_FIELDS = tuple(f for f in SOURCE_FIELDS if f != "media")


def _form_text(value: Any) -> str:
    """A typed or pasted value as ingest stores a table's cell: NFC, without zero-width characters
    and bidirectional controls, runs of spaces as one (a pasted "prosjekt\u200bleder" must not
    become a second «prosjektleder» on the dashboards)."""
    if value is None:
        return ""
    text = str(value)
    return " ".join(BIDI_CONTROLS.sub("", clean_text(text)).split())


@requires("ingest")
def set_metadata(db, source: Any, *, fields: dict[str, Any] | None = None,
                 speakers: dict[str, dict[str, Any]] | None = None, user: str | None = None) -> MetadataUpdate:
    """Give one stored source (id or file name) the values of a whole form at once: ``fields``
    {field: value} for its manifest fields (kind, phase, pilot, county, date, language, delete_by)
    and ``speakers`` {label: {field: value}} for its speakers' roster fields (actor, organisation,
    pilot, name), the labels as written in the file. A field left out keeps its value; a value equal
    to the stored one (spacing aside) is left alone; an empty value (None or "") empties the field;
    any other is checked and stored as :func:`set_source` / :func:`set_speaker` do.

    One transaction and one ``set_metadata`` audit event (``via`` "app"): a bad value anywhere (a
    kind, language or date, an unknown field or speaker, a withdrawn speaker's row) is an
    ``InputError`` or ``NotFound`` and nothing changes, neither the source nor any speaker. An
    update with nothing to change is not an error (``MetadataUpdate.changed`` is False)."""
    from sqlalchemy import select

    from ..store.lookup import find_source, match_value
    from ..store.models import Speaker
    from .chars import clean_text

    fields = dict(fields or {})
    speakers = dict(speakers or {})
    for name in fields:
        if name not in FORM_SOURCE_FIELDS:
            raise InputError(f"unknown source field {name!r}; fields: {', '.join(FORM_SOURCE_FIELDS)}",
                             code="metadata.bad_field", field=name)
    for changes in speakers.values():
        for name in changes:
            if name not in SPEAKER_FIELDS:
                raise InputError(f"unknown speaker field {name!r}; fields: {', '.join(SPEAKER_FIELDS)}",
                                 code="metadata.bad_field", field=name)
    with db.transaction(user) as tx:
        session = tx.session
        src = find_source(session, source)
        warnings: list[str] = []
        notices: list[str] = []
        values: dict[str, Any] = {}
        cleared: set[str] = set()
        for name, raw in fields.items():
            text, stored = _form_text(raw), getattr(src, name)
            if text == _form_text(stored):
                continue
            if not text:
                cleared.add(name)
                continue
            value = _source_value(name, text)
            if name in ("phase", "pilot", "county"):
                value = _category(session, name, value, warnings, notices)
            values[name] = value
        people: dict[str, Participant] = {}
        speaker_clear: dict[str, set[str]] = {}
        if speakers:
            rows = {sp.label: sp for sp in session.scalars(select(Speaker).where(Speaker.source_id == src.id)
                                                           .order_by(Speaker.id))}
            if not rows:
                raise NotFound(f"{src.file_name} has no speakers (it was read as notes or a document)",
                               code="metadata.no_speakers", source=src.file_name)
            for given, changes in speakers.items():
                wanted = " ".join(clean_text(str(given)).split())
                label = match_value("speaker", wanted, list(rows), reason=f"is not a speaker of {src.file_name}")
                sp = rows[label]
                person_values: dict[str, Any] = {}
                person_cleared: set[str] = set()
                for name, raw in changes.items():
                    text = _form_text(raw)
                    if text == _form_text(getattr(sp, name)):
                        continue
                    if sp.withdrawn:
                        raise InputError(f"{label!r} of {src.file_name} has withdrawn (workbench forget); their "
                                         "roster row is kept as it is", code="metadata.withdrawn")
                    if not text:
                        person_cleared.add(name)
                        continue
                    _fits("speaker", name, text)
                    if name in ("actor", "pilot"):
                        person_values[name] = _category(session, name, text, warnings, notices)
                    else:
                        person_values[name] = text
                if person_values or person_cleared:
                    people[label] = Participant(speaker=label, **person_values)
                    speaker_clear[label] = person_cleared
        update = _apply(tx, src, values, people, clear=cleared, speaker_clear=speaker_clear, via="app")
        update.warnings[:0] = warnings
        update.notices[:0] = notices
    return _refreshed(update, db)


@requires("ingest")
def metadata_choices(db, *, user: str | None = None) -> dict[str, list[str]]:
    """The values a form for :func:`set_metadata` offers per field: the allowed kinds and languages,
    and for phase, pilot, county, actor and organisation the values already stored in the project
    (sorted; a speaker's pilot is among the pilots). Phase, pilot, county, actor and organisation
    also take a new value; kind and language only these."""
    from sqlalchemy import select

    from ..store.models import Source, Speaker

    out: dict[str, list[str]] = {"kind": list(KINDS), "language": list(LANGUAGES)}
    with db.session() as session:
        for name, columns in (("phase", (Source.phase,)), ("pilot", (Source.pilot, Speaker.pilot)),
                              ("county", (Source.county,)), ("actor", (Speaker.actor,)),
                              ("organisation", (Speaker.organisation,))):
            found: set[str] = set()
            for column in columns:
                found.update(session.scalars(select(column).where(column.is_not(None)).group_by(column)))
            out[name] = sorted((v for v in found if str(v).strip()), key=lambda v: (spelling_key(v), v))
    return out
