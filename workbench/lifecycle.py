"""Personal data through the project's life: withdrawal of consent, permanent anonymisation,
retention dates, removal of a source, and the inventory of where personal data lives.

Norwegian research projects promise participants (in the information letter and the
data-protection notification, e.g. to Sikt) that they may withdraw, and that the material is
deleted or anonymised when the project ends. These functions do it inside the database, in one
transaction each, keeping everything else valid:

- :func:`forget` - a participant withdraws. Their turns keep their place (so turn numbers and the
  other speakers' codings stay valid) but their text becomes "[trukket]"; their codings,
  suggestions, memos and released quotes on those turns are deleted; their roster row keeps only
  actor and pseudonym; their name, and the e-mail addresses and phone numbers that are theirs
  (``privacy.PersonScrubber``), are scrubbed wherever else they occur (other people's speech,
  memos, headings, file names, the audit trail). Trained models are deleted (their vocabularies
  hold the participant's words). The audit trail records that it happened, not what was erased.
- :func:`anonymise` - at project end: every text scrubbed (roster names, e-mail addresses, phone
  numbers, fødselsnummer), every speaker label replaced by its pseudonym, media references dropped;
  coding spans moved with the text so that each coding covers the same (scrubbed) words.
- :func:`retention` - sources whose ``delete_by`` date (per source, from the manifest, or the
  project's ``delete_by`` setting) has passed; :func:`remove_source` deletes one.
- :func:`inventory` - counts of where personal data is, for the data-protection impact assessment.

Text is rewritten through ``refi.export.OffsetMap`` (the same offset map the REFI-QDA export uses),
so a coding's span is mapped, never guessed. After a change, SQLite and PostgreSQL are vacuumed
so that the erased text does not linger in free pages.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any, Callable, Iterable

from sqlalchemy import delete, func, select, text as sql_text, update

from .access import requires
from .errors import InputError, NotFound, WorkbenchError
from .store.lookup import or_list
from .privacy import NAME_TEXT, PersonScrubber, Scrubber, name_variants, place_name_parts
from .refi.export import OffsetMap, exported_text
from .sharing import SETTINGS, _SCRUBBERS, roster_scrubber, setting, speaker_key
from .store import (AuditEvent, Coding, Database, Memo, MemoDraft, Pseudonym, ReleasedQuote, RemovedSpeaker, Segment, Setting, Source,
                    Speaker,
                    SegmentEmbedding, Suggestion, TrainedModel)

WITHDRAWN_TEXT = "[trukket]"
REMOVED_TEXT = "[slettet]"
#: The audit target type of a ``consensus`` event whose turn was deleted (:func:`remove_source`):
#: it no longer marks any turn as having a recorded consensus (``agreement.consensus_turn_condition``).
REMOVED_SEGMENT = "removed_segment"

__all__ = ["WITHDRAWN_TEXT", "COPY_ACTIONS", "ForgetReport", "AnonymiseReport", "forget", "anonymise", "retention",
           "remove_source", "set_delete_by", "inventory"]


# --------------------------------------------------------------------------------- reports

NOT_CLEAN = ("Advarsel: et annet program (appen?) har databasen åpen, så gammel tekst kan ligge igjen i "
             "databasefilen. Lukk det og kjør `workbench compact`.")

@dataclass
class ForgetReport:
    """What :func:`forget` did (counts only: nothing of what was erased), and the files written
    before it (backups, exports: ``earlier_copies``) that still hold the person."""

    pseudonym: str
    sources: list[str] = field(default_factory=list)
    turns: int = 0
    codings: int = 0
    suggestions: int = 0
    memos: int = 0
    released_quotes: int = 0
    name_mentions: int = 0
    contacts: int = 0           # their e-mail addresses and phone numbers in other people's text
    memos_quoting: int = 0      # other memos (and drafts) that quoted their words (the quote became [trukket])
    drafts: int = 0             # unsaved memos (memo_drafts) on their turns and codings, deleted
    models: int = 0
    media_to_delete: list[str] = field(default_factory=list)
    roster_kept: bool = False
    earlier_copies: list[dict[str, str]] = field(default_factory=list)  # files written before (file, date, action,
    #                             user, via: "file", or "app" for a download from the app: the file's name only)
    removed_speakers: int = 0   # rows of the person kept from removed sources (removed_speakers), erased
    metadata_values: int = 0    # phase and pilot values (sources, rosters, phase_order, released quotes,
    #                             pseudonym keys) that held their name
    file_clean: bool = True     # False: another connection kept old text in the file (see compact)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        scope = " (bare i denne kilden; personen er med i andre kilder)" if self.roster_kept else ""
        lines = [f"{self.pseudonym} er trukket ut{scope}: {self.turns} turer i {len(self.sources)} kilde(r) er "
                 f"erstattet med {WITHDRAWN_TEXT}; slettet {self.codings} kodinger, {self.suggestions} forslag, "
                 f"{self.memos} notater og {self.released_quotes} frigitte sitater; navnet er fjernet "
                 f"{self.name_mentions} andre steder og {self.contacts} e-postadresser og telefonnumre som "
                 f"tilhører personen; {self.models} trente modeller slettet (tren på nytt)."]
        if self.drafts:
            lines.append(f"{self.drafts} ulagrede notatutkast på personens turer er slettet.")
        if self.metadata_values:
            lines.append(f"Navnet er også fjernet fra {self.metadata_values} verdier for fase og pilot "
                         "(kilder, deltakerlister, faserekkefølgen, frigitte sitater, pseudonymnøkler).")
        if self.memos_quoting:
            lines.append(f"{self.memos_quoting} andre notater siterte personens ord; sitatet er erstattet med "
                         f"{WITHDRAWN_TEXT}.")
        if self.removed_speakers:
            lines.append(f"Personen var også med i {self.removed_speakers} slettede kilde(r): navnet er fjernet fra "
                         "pseudonymtabellen, revisjonsloggen og listen over navn som renses.")
        if self.media_to_delete:
            lines.append("Opptak med personens stemme, som må slettes for hånd: " + ", ".join(self.media_to_delete))
        if self.earlier_copies:
            lines.append("Kopier laget før uttrekket har fortsatt personen med; slett dem, eller før dem opp i "
                         "protokollen over behandlingsaktiviteter:")
            lines += [f"  {c['file']} ({c['action']}, "
                      + (f"lastet ned fra appen av {c.get('user') or 'ukjent'}, " if c.get("via") == "app" else "")
                      + f"{c['date']})" for c in self.earlier_copies]
        if not self.file_clean:
            lines.append(NOT_CLEAN)
        return "\n".join(lines)


@dataclass
class AnonymiseReport:
    """What :func:`anonymise` changed."""

    sources: int = 0
    texts_changed: int = 0
    replacements: int = 0
    speakers: int = 0
    file_names: int = 0
    memos: int = 0
    drafts: int = 0              # unsaved memos (memo_drafts) scrubbed
    released_quotes: int = 0
    audit_events: int = 0
    media_dropped: int = 0
    models: int = 0
    codings_merged: int = 0
    deadlines_cleared: int = 0
    pseudonym_keys: int = 0      # keys of removed speakers' pseudonyms that held their names
    metadata_values: int = 0     # phase and pilot values that held a roster name (scrubbed: "[navn]")
    file_clean: bool = True

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return (f"Anonymisert: {self.texts_changed} av {self.sources} kildetekster endret ({self.replacements} "
                f"erstatninger), {self.speakers} taleretiketter erstattet med pseudonymer, {self.file_names} "
                f"filnavn, {self.memos} notater, {self.drafts} notatutkast, {self.released_quotes} frigitte sitater, "
                f"{self.metadata_values} verdier for fase og pilot og {self.audit_events} "
                f"loggoppføringer renset, {self.media_dropped} opptaksreferanser fjernet, {self.models} trente "
                f"modeller slettet, {self.codings_merged} kodinger slått sammen (ble like etter rensing), "
                f"{self.deadlines_cleared} slettefrister oppfylt." + ("" if self.file_clean else "\n" + NOT_CLEAN))


# --------------------------------------------------------------------------- text rewriting

def _count(scrubber, text: str | None) -> int:
    if not text:
        return 0
    return sum(len(p.findall(text)) for p, placeholder, _ in scrubber.passes())


def _tally(scrubber, text: str | None) -> tuple[int, int]:
    """(names, other identifiers) that ``scrubber.scrub(text)`` replaces, counted pass by pass on
    the text as each pass sees it (an e-mail address holding the name counts once, as an address)."""
    return _scrub_tally(scrubber, text)[1:]


def _scrub_tally(scrubber, text: str | None) -> tuple[str | None, int, int]:
    """``scrubber.scrub(text)`` with the names and other identifiers it replaced (:func:`_tally`)."""
    names = others = 0
    if not text:
        return text, names, others
    for pattern, placeholder, worth in scrubber.passes():
        if not worth(text):
            continue
        found = len(pattern.findall(text))
        if found:
            if placeholder == NAME_TEXT:
                names += found
            else:
                others += found
            text = pattern.sub(placeholder, text)
    return text, names, others


class _Counting:
    """A scrubber that counts what it replaces: ``names`` and ``others`` (e-mail addresses, phone
    numbers) over every text given to :meth:`scrub`, as :func:`_tally` counts them."""

    def __init__(self, scrubber):
        self.scrubber, self.names, self.others = scrubber, 0, 0

    def passes(self):
        return self.scrubber.passes()

    def scrub(self, text):
        text, names, others = _scrub_tally(self.scrubber, text)
        self.names += names
        self.others += others
        return text


def _scrub_json(value: Any, scrub: Callable[[str], str]) -> Any:
    if isinstance(value, str):
        return scrub(value)
    if isinstance(value, list):
        return [_scrub_json(v, scrub) for v in value]
    if isinstance(value, dict):
        return {k: _scrub_json(v, scrub) for k, v in value.items()}
    return value


def _segments(session, source_id: int) -> list[Segment]:
    return list(session.scalars(select(Segment).where(Segment.source_id == source_id).order_by(Segment.start_char,
                                                                                                Segment.index)))


def _apply_map(session, src: Source, omap: OffsetMap, segments: list[Segment]) -> int:
    """Store ``omap``'s text as the source's text and move every segment, coding and suggestion
    span through the map. Codings that become identical (two spans differing only inside a
    scrubbed name) are merged into the oldest. Returns how many codings were merged."""
    from .ingest import word_count

    old_text = src.canonical_text
    src.canonical_text = omap.text
    new_text = omap.text
    total = 0
    analysed = [c for c in ("lemmas", "lemma_lang", "token_splits") if hasattr(Segment, c)]
    for seg in segments:
        seg.start_char, seg.end_char = omap.span(seg.start_char, seg.end_char)
        seg.word_count = word_count(new_text[seg.start_char:seg.end_char])
        total += seg.word_count
        for column in analysed:  # the text changed: analysed again on first need (ensure_lemmas)
            setattr(seg, column, None)
    src.word_count = total
    seg_ids = [s.id for s in segments]
    merged = 0
    seen: dict[tuple, Coding] = {}
    for lo in range(0, len(seg_ids), 500):
        chunk = seg_ids[lo:lo + 500]
        for c in session.scalars(select(Coding).where(Coding.segment_id.in_(chunk)).order_by(Coding.id)):
            c.start_char, c.end_char = omap.span(c.start_char, c.end_char)
            key = (c.segment_id, c.code_id, c.coder_id, c.start_char, c.end_char)
            if key in seen:
                session.execute(Memo.__table__.update().where(Memo.coding_id == c.id)
                                .values(coding_id=seen[key].id))
                session.delete(c)
                merged += 1
            else:
                seen[key] = c
        for s in session.scalars(select(Suggestion).where(Suggestion.segment_id.in_(chunk))):
            if s.start_char is not None and s.end_char is not None:
                s.start_char, s.end_char = omap.span(s.start_char, s.end_char)
    del old_text
    session.flush()
    return merged


def _unique_file_name(session, src: Source, wanted: str) -> str:
    if wanted == src.file_name:
        return wanted
    taken = session.scalar(select(Source.id).where(Source.file_name == wanted, Source.id != src.id))
    return wanted if taken is None else f"{wanted} ({src.id})"


def _drop_models(session) -> int:
    """Delete the trained models (their vocabularies hold words people said) and the stored
    sentence vectors (computed from the texts as they were); both are rebuilt on the next
    ``train``/``suggest``. Returns how many models went."""
    n = session.scalar(select(func.count()).select_from(TrainedModel)) or 0
    session.execute(delete(TrainedModel))
    session.execute(delete(SegmentEmbedding))
    return int(n)


def _unname_pseudonyms(session, pids: Iterable[int] | None = None) -> int:
    """Give each pseudonym that no speaker row has any more (its source was removed) a key
    without the label, organisation or name (pseudonym|actor||pilot, as :func:`_rekey` gives),
    so that no name stays in ``pseudonyms``; ``pids``: only these. Returns how many changed."""
    live = select(Speaker.pseudonym_id).where(Speaker.pseudonym_id.is_not(None))
    query = select(Pseudonym).where(Pseudonym.id.not_in(live), ~Pseudonym.speaker_key.startswith("merged:"))
    if pids is not None:
        query = query.where(Pseudonym.id.in_(list(pids)))
    changed = 0
    for p in session.scalars(query):
        parts = p.speaker_key.rsplit("|", 3)
        actor, pilot = (parts[1] or None, parts[3] or None) if len(parts) == 4 else (p.actor_key or None, None)
        key = speaker_key(p.label, actor, None, pilot)
        if key == p.speaker_key:
            continue
        taken = session.scalar(select(Pseudonym.id).where(Pseudonym.speaker_key == key, Pseudonym.id != p.id))
        p.speaker_key = key if taken is None else f"removed:{p.id}"
        session.flush()
        changed += 1
    return changed


def _rekey(session, speakers: Iterable[Speaker]) -> None:
    """After speakers lost their label and organisation: their pseudonym rows get the new speaker
    key (pseudonym, actor, no organisation, pilot), so pseudonyms and speaker counts stay the same.

    One person may speak in sources of different pilots (a named person is one person across
    pilots), and the pseudonym that replaces the name is not a name: when the person's rows give
    different keys, the pseudonym row takes the one without a pilot. The analysis counts the
    person by the pseudonym row either way (``analysis.frames``)."""
    keys: dict[int, set[str]] = {}
    first: dict[int, Speaker] = {}
    for sp in speakers:
        if sp.pseudonym_id is not None:
            keys.setdefault(sp.pseudonym_id, set()).add(
                speaker_key(sp.label, sp.actor, sp.organisation, sp.pilot or sp.source.pilot))
            first.setdefault(sp.pseudonym_id, sp)
    for pid, found in keys.items():
        p = session.get(Pseudonym, pid)
        sp = first[pid]
        key = next(iter(found)) if len(found) == 1 else speaker_key(sp.label, sp.actor, sp.organisation, None)
        if p.speaker_key != key:
            p.speaker_key = key
            session.flush()


def _scrub_values(session, scrub_value: Callable[[str], str]) -> int:
    """Replace roster names in the stored phase and pilot values (``Scrubber.scrub_value``: "Gjennomføring
    med Liv Bjørk" -> "Gjennomføring med [navn]"), wherever they are kept: sources (phase, pilot),
    the rosters' pilots (speakers, removed_speakers), released quotes (phase, pilot), the
    ``phase_order`` setting (a phase named twice after the change is kept once) and the pilot part
    of the pseudonym keys (label|actor|organisation|pilot), so that keys made again from the rows
    match. Two values that would read the same ("Gjennomføring med Liv Bjørk", "Gjennomføring med Per
    Holm") are numbered apart as the views number them (``sharing.ShownValues``: "... [navn] (1)",
    "(2)"), so two phases are never merged into one. Returns how many values changed."""
    from .sharing import ShownValues, stored_values

    changed = 0
    scrub_value = ShownValues(scrub_value, stored_values(session, removed=True))

    def fix(row, *names: str) -> None:
        nonlocal changed
        for name in names:
            value = getattr(row, name)
            new = scrub_value(value) if isinstance(value, str) else value
            if new != value:
                setattr(row, name, new)
                changed += 1

    for src in session.scalars(select(Source)):
        fix(src, "phase", "pilot")
    for model in (Speaker, RemovedSpeaker):
        for row in session.scalars(select(model).where(model.pilot.is_not(None))):
            fix(row, "pilot")
    for q in session.scalars(select(ReleasedQuote)):
        fix(q, "phase", "pilot")
    order = session.get(Setting, "phase_order")
    if order is not None and isinstance(order.value, str):
        from .sharing import join_phases, split_phases

        phases, seen = [], set()
        for p in split_phases(order.value):
            new = scrub_value(p)
            changed += new != p
            if new.casefold() not in seen:
                seen.add(new.casefold())
                phases.append(new)
        value = join_phases(phases) or None
        if value != order.value:
            order.value = value
    session.flush()
    for p in session.scalars(select(Pseudonym).where(~Pseudonym.speaker_key.startswith("merged:"),
                                                     ~Pseudonym.speaker_key.startswith("removed:"))):
        parts = p.speaker_key.rsplit("|", 3)
        if len(parts) != 4 or not parts[3]:
            continue
        pilot = scrub_value(parts[3])
        if pilot == parts[3]:
            continue
        key = "|".join(parts[:3] + [pilot])
        taken = session.scalar(select(Pseudonym.id).where(Pseudonym.speaker_key == key, Pseudonym.id != p.id))
        p.speaker_key = key if taken is None else f"removed:{p.id}"
        session.flush()
        changed += 1
    if changed:
        from .sharing import bump_roster_revision

        bump_roster_revision(session)  # the scrubber reads speakers with their sources' pilots
    return changed


# --------------------------------------------------------------------------------- forget

def _names_of(people: Iterable[Speaker | RemovedSpeaker]) -> tuple[list[str], list[str], set[str]]:
    """The names of roster rows as the scrubbing matches them: (names, surnames that are place
    words, the organisations and pilots that hold such place words)."""
    names: list[str] = []
    places: list[str] = []   # surnames that are place words ("Grong"): scrubbed only as names
    keep: set[str] = set()
    for r in people:
        pilot = r.pilot or (r.source.pilot if isinstance(r, Speaker) else None)
        names += name_variants(r.label, actor=r.actor, organisation=r.organisation, pilot=pilot, name=r.name)
        place = place_name_parts(r.label, actor=r.actor, organisation=r.organisation, pilot=pilot, name=r.name)
        if place:
            places += place
            keep |= {v for v in (r.organisation, pilot) if v}
    return names, places, keep


@requires("manage_data")
def forget(db: Database, speaker: str, *, source: Any = None, user: str | None = None,
           check_only: bool = False) -> ForgetReport:
    """Withdraw a participant (their speaker label as written in the files, or their pseudonym).

    Without ``source`` the person is forgotten everywhere: every speaker row with their pseudonym,
    their turns in every source, their name in all other text. With ``source`` only their turns in
    that source are withdrawn; their roster row is kept as it is, because they still take part in
    other sources (forget them without ``source`` to erase the person). ``check_only``: find the
    person and raise as the withdrawal would (unknown, ambiguous, withdrawn already), but change
    nothing; the report names their pseudonym (for a confirmation question before the real call).
    """
    from .store.lookup import find_source

    label = unicodedata.normalize("NFC", " ".join(str(speaker).split()))
    if not label:
        raise InputError("give the speaker label (as written in the files) or the pseudonym", code="forget.empty")
    with db.transaction(user) as tx:
        s = tx.session
        from .sharing import assign_pseudonyms

        assign_pseudonyms(s)
        # labels are compared in Unicode NFC with runs of spaces as one ("Åse" typed decomposed, as
        # macOS may, is "Åse"), also where a label was stored before ingest wrote NFC
        labels = _spelled_as(label, s.scalars(select(Speaker.label).distinct()))
        query = select(Speaker).where(Speaker.label.in_(labels))
        if source is not None:
            query = query.where(Speaker.source_id == find_source(s, source).id)
        rows = list(s.scalars(query))
        pseudonyms = _spelled_as(label, s.scalars(select(Pseudonym.label)))
        if not rows and source is None:  # a pseudonym ("Prosjektleder 2")
            rows = list(s.scalars(select(Speaker).join(Pseudonym, Speaker.pseudonym_id == Pseudonym.id)
                                  .where(Pseudonym.label.in_(pseudonyms))))
        # a person whose sources were removed lives on in removed_speakers (their name is still
        # scrubbed), in the key of their pseudonym and in the audit trail: forgetting erases those too
        ghosts: list[RemovedSpeaker] = []
        if not rows and source is None:
            gone = _spelled_as(label, [v for pair in s.execute(select(RemovedSpeaker.label, RemovedSpeaker.name))
                                       for v in pair if v])
            ghosts = list(s.scalars(select(RemovedSpeaker).where(
                RemovedSpeaker.label.in_(gone) | RemovedSpeaker.name.in_(gone))))
            if not ghosts:
                ghosts = list(s.scalars(select(RemovedSpeaker).join(
                    Pseudonym, RemovedSpeaker.pseudonym_id == Pseudonym.id).where(Pseudonym.label.in_(pseudonyms))))
        if not rows and not ghosts:
            where = f" in {find_source(s, source).file_name!r}" if source is not None else ""
            # another letter case is not accepted (as --user and --coder): the question names who is meant
            near = sorted({_spaced(v) for v in _known_people(s) if _spaced(v).casefold() == label.casefold()})
            if near:
                raise NotFound(f"no speaker {label!r}{where}; did you mean {or_list(near)}? (a label is matched "
                               f"with its letter case; {LABELS_HINT})", code="forget.case", speaker=label,
                               known=", ".join(near))
            close = _close_people(s, label, source)
            hint = f"did you mean {or_list(close)}? " if close else ""
            raise NotFound(f"no speaker {label!r}{where}; {hint}give the label as written in the file or the "
                           f"pseudonym ({LABELS_HINT})", code="forget.unknown", speaker=label,
                           known=", ".join(close))
        if source is None:  # the whole person: every row with their pseudonym
            pids = {r.pseudonym_id for r in rows + ghosts if r.pseudonym_id is not None}
            if len(pids) > 1:  # a role label ("INFORMANT 1", "Intervjuer") that several people share
                people = sorted(s.get(Pseudonym, p).label for p in pids)
                raise WorkbenchError(
                    f"{label!r} is the label of {len(people)} people ({', '.join(people)}); nothing was changed; "
                    "give the pseudonym of the one to withdraw, or --source to withdraw their turns in one source",
                    code="forget.ambiguous", speaker=label, people=", ".join(people))
            if pids:
                rows = list(s.scalars(select(Speaker).where(Speaker.pseudonym_id.in_(pids))))
                ghosts = list({g.id: g for g in ghosts + list(s.scalars(select(RemovedSpeaker).where(
                    RemovedSpeaker.pseudonym_id.in_(pids))))}.values())
        already = all(r.withdrawn for r in rows) and source is None and not ghosts
        first = (rows or ghosts)[0]
        pseudonym = (s.get(Pseudonym, first.pseudonym_id).label if first.pseudonym_id else "Deltaker")
        report = ForgetReport(pseudonym=pseudonym, roster_kept=source is not None, removed_speakers=len(ghosts))
        if already:
            raise WorkbenchError(f"{pseudonym} is withdrawn already", code="forget.done", pseudonym=pseudonym)
        if check_only:
            return report

        # copies made before now (backups, exports) still hold the person: named in the report
        report.earlier_copies = _earlier_copies(s, {r.source_id for r in rows})
        # with their name in a phase or pilot value, every file of a table export that wrote the values as stored
        copies_with_values = _earlier_copies(s, {r.source_id for r in rows}, named_values=True)

        names, places, keep = _names_of(rows + ghosts)
        # their name, and their e-mail addresses and phone numbers (after their name with no other
        # person's name nearer, holding their name, or written in their roster row), leave everybody
        # else's text; nothing of them with --source
        contacts = [v for r in rows + ghosts for v in (r.label, r.name, r.organisation, r.actor, r.pilot) if v]
        if source is None:
            mine = {r.id for r in rows}
            others, other_places, other_keep = _names_of(
                [r for r in s.scalars(select(Speaker)) if r.id not in mine]
                + [g for g in s.scalars(select(RemovedSpeaker)) if g not in ghosts])
            scrubber = PersonScrubber(names, contacts, places=places, keep=sorted(keep | other_keep),
                                      others=others, other_places=other_places)
        else:
            scrubber = PersonScrubber()

        def tally(value: str | None) -> int:
            found_names, found_contacts = _tally(scrubber, value)
            report.name_mentions += found_names
            report.contacts += found_contacts
            return found_names + found_contacts

        speaker_ids = {r.id for r in rows}
        their_segments = list(s.scalars(select(Segment.id).where(Segment.speaker_id.in_(speaker_ids)))) if rows else []
        their_turns: dict[str, set[int] | None] = {}
        for index, name in s.execute(select(Segment.index, Source.file_name)
                                     .join(Source, Segment.source_id == Source.id)
                                     .where(Segment.speaker_id.in_(speaker_ids))):
            their_turns.setdefault(name, set()).add(index)
        # what they said, as stored and as scrubbed (released quotes keep it so, and so may the
        # audit trail): no copy of it may stay anywhere
        said = {t.strip() for t in (g.text for g in s.scalars(select(Segment).where(
            Segment.speaker_id.in_(speaker_ids)))) if t.strip()}
        roster = roster_scrubber(db)
        said |= {roster.scrub(t) for t in said}

        # what hangs on their turns goes, and undo can never bring it back (coding.undo_last)
        _retire_undo(s, their_turns, their_segments)
        for lo in range(0, max(len(their_segments), 1), 500):
            chunk = their_segments[lo:lo + 500]
            if not chunk:
                break
            coding_ids = list(s.scalars(select(Coding.id).where(Coding.segment_id.in_(chunk))))
            report.memos += s.execute(delete(Memo).where(Memo.segment_id.in_(chunk))).rowcount or 0
            report.drafts += s.execute(delete(MemoDraft).where(MemoDraft.segment_id.in_(chunk))).rowcount or 0
            if coding_ids:
                report.memos += s.execute(delete(Memo).where(Memo.coding_id.in_(coding_ids))).rowcount or 0
                report.drafts += s.execute(delete(MemoDraft).where(MemoDraft.coding_id.in_(coding_ids))).rowcount or 0
            report.codings += s.execute(delete(Coding).where(Coding.segment_id.in_(chunk))).rowcount or 0
            report.suggestions += s.execute(delete(Suggestion).where(Suggestion.segment_id.in_(chunk))).rowcount or 0
            report.released_quotes += s.execute(delete(ReleasedQuote).where(
                ReleasedQuote.segment_id.in_(chunk))).rowcount or 0
        _erase_kept_memos(s, their_turns)
        s.flush()
        s.expire_all()

        # their labels before their turns become the pseudonym (only when the person goes)
        gone = {r.id: (r.label, pseudonym if source is None else r.label) for r in rows}
        source_ids = [sid for sid in s.scalars(select(Source.id).order_by(Source.id))]
        touched = {r.source_id for r in rows}
        for sid in source_ids:
            if source is not None and sid not in touched:
                continue
            src = s.get(Source, sid)
            segments = _segments(s, sid)
            if sid not in touched and not _count(scrubber, src.canonical_text):
                continue
            # what they said themselves, and their labels, go whole: the names and contacts counted
            # are those scrubbed from the rest of the text (the others' turns, headings, preamble)
            counting = _Counting(scrubber)
            omap = exported_text(src.canonical_text, [
                (g.start_char, g.end_char, *(gone.get(g.speaker_id) or (None, None)),
                 WITHDRAWN_TEXT if g.speaker_id in gone else None) for g in segments], counting, bom_guard=False)
            report.name_mentions += counting.names
            report.contacts += counting.others
            _apply_map(s, src, omap, segments)
            for seg in segments:
                if seg.heading and tally(seg.heading):
                    seg.heading = scrubber.scrub(seg.heading)
            if sid in touched:
                report.sources.append(src.file_name)
                report.turns += sum(1 for g in segments if g.speaker_id in speaker_ids)
                if src.media and source is None:
                    report.media_to_delete.append(src.media)
                    src.media = None

        if source is None:
            # their name in a phase or pilot ("Gjennomføring med Liv Bjørk"), which the resource group sees
            report.metadata_values = _scrub_values(s, Scrubber(names).scrub_value)
            if report.metadata_values:
                report.earlier_copies = copies_with_values
            for r in rows:
                r.label, r.name, r.organisation, r.withdrawn = pseudonym, None, None, True
            s.flush()
            _rekey(s, rows)
            # the name and contacts anywhere else: memos (and drafts), released quotes, file names, evidence,
            # the audit trail
            for m in _unquote_memos(s, said, report):
                if tally(m.text):
                    m.text = scrubber.scrub(m.text)
            for q in s.scalars(select(ReleasedQuote)):
                if tally(q.text):
                    q.text = scrubber.scrub(q.text)
            for src in s.scalars(select(Source)):
                if _count(scrubber, src.file_name):
                    report.name_mentions += 1
                    src.file_name = _unique_file_name(s, src, scrubber.scrub(src.file_name))
                if src.media and _count(scrubber, src.media):
                    src.media = None
            for sg in s.scalars(select(Suggestion).where(Suggestion.evidence.is_not(None))):
                new = _scrub_json(sg.evidence, scrubber.scrub)
                if new != sg.evidence:
                    sg.evidence = new
            _scrub_audit(s, scrubber.scrub, dict.fromkeys({r.label for r in rows + ghosts} | {label}, pseudonym), said)
            report.models = _drop_models(s)
            ghost_pids = {g.pseudonym_id for g in ghosts if g.pseudonym_id is not None}
            for g in ghosts:
                s.delete(g)
            s.flush()
            _unname_pseudonyms(s, ghost_pids)
        else:
            for r in rows:
                r.withdrawn = False
            _unquote_memos(s, said, report)  # memos quoting what they said in this source
            # what they said in this source leaves the audit trail and the models built from it
            _scrub_audit(s, lambda value: value, {}, said)
            report.models = _drop_models(s)
        tx.audit("forget", "speaker", pseudonym, {
            "pseudonym": pseudonym, "scope": "source" if source is not None else "person",
            "sources": len(report.sources), "turns": report.turns, "codings": report.codings,
            "suggestions": report.suggestions, "memos": report.memos, "memos_quoting": report.memos_quoting,
            "drafts": report.drafts, "metadata_values": report.metadata_values,
            "released_quotes": report.released_quotes})
    _SCRUBBERS.clear()
    report.file_clean = _vacuum(db)
    return report


def _spaced(value: str) -> str:
    return unicodedata.normalize("NFC", " ".join(value.split()))


def _spelled_as(label: str, values: Iterable[str | None]) -> list[str]:
    """``label`` and the stored ``values`` that are ``label`` in NFC with single spaces."""
    return sorted({label} | {v for v in values if isinstance(v, str) and v != label and _spaced(v) == label})


#: where a researcher reads the speaker labels ``forget`` takes
LABELS_HINT = ("`workbench turns SOURCE` shows each turn's speaker label, `workbench sources --json` every "
               "source's speakers")


def _close_people(session, label: str, source: Any = None) -> list[str]:
    """Up to three labels or pseudonyms spelt like ``label`` (a letter left out, "Radgiver" for
    "Rådgiver"): of the speakers of ``source`` when given, else of everyone ``forget`` can be told."""
    import difflib

    from .store.lookup import find_source

    if source is not None:
        known = {_spaced(v) for v in session.scalars(select(Speaker.label).where(
            Speaker.source_id == find_source(session, source).id)) if isinstance(v, str)}
    else:  # the labels and the pseudonyms in use (a number no longer given to anyone is no answer)
        used = select(Pseudonym.label).where(
            Pseudonym.id.in_(select(Speaker.pseudonym_id)) | Pseudonym.id.in_(select(RemovedSpeaker.pseudonym_id)))
        removed = [v for pair in session.execute(select(RemovedSpeaker.label, RemovedSpeaker.name)) for v in pair]
        known = {_spaced(v) for v in [*session.scalars(select(Speaker.label).distinct()), *session.scalars(used),
                                      *removed] if isinstance(v, str)}
    by_fold: dict[str, list[str]] = {}
    for k in sorted(known):
        by_fold.setdefault(_unaccented(k), []).append(k)
    return [k for f in difflib.get_close_matches(_unaccented(label), list(by_fold), n=3, cutoff=0.75)
            for k in by_fold[f]][:3]


def _unaccented(text: str) -> str:
    """``text`` case-folded without its accents ("Rådgiver" and "radgiver" are close)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _known_people(session) -> set[str]:
    """Every way ``forget`` can be told who: speaker labels, pseudonyms, and the labels and names
    of the speakers of removed sources."""
    known = {v for v in session.scalars(select(Speaker.label).distinct())}
    known |= {v for v in session.scalars(select(Pseudonym.label))}
    known |= {v for pair in session.execute(select(RemovedSpeaker.label, RemovedSpeaker.name)) for v in pair}
    return {v for v in known if isinstance(v, str)}


#: Audit actions that wrote a copy of personal data to a file outside the database (``backup``:
#: everything; the exports: transcripts or quotes, pseudonymised or not); tables (``export_tables``)
#: when they hold quotes or real names (:func:`_table_copies`).
COPY_ACTIONS = ("backup", "export_qdpx", "export_quotes")


def entered_at(session, source_ids: Iterable[int]) -> dt.datetime | None:
    """When the first of ``source_ids`` entered this database: the time of its (latest) ``ingest``
    audit event, which ``workbench ingest`` and a ``.qdpx`` import write in the transaction that
    stores it; ``Source.ingested_at`` where there is none. (An imported source's ``ingested_at``
    is when the other tool made it, as the file says, which may be long before.)"""
    ids = list(source_ids)
    if not ids:
        return None
    logged = dict(session.execute(
        select(AuditEvent.target_id, func.max(AuditEvent.created_at))
        .where(AuditEvent.action == "ingest", AuditEvent.target_type == "source",
               AuditEvent.target_id.in_([str(i) for i in ids]))
        .group_by(AuditEvent.target_id)).all())
    times = [logged.get(str(i)) or at for i, at in session.execute(
        select(Source.id, Source.ingested_at).where(Source.id.in_(ids))).all()]
    times = [t if t.tzinfo is not None else t.replace(tzinfo=dt.timezone.utc) for t in times if t is not None]
    return min(times) if times else None


def _table_copies(detail: dict, files: list, *, named_values: bool = False, role: str | None = None) -> list:
    """The files of a table export that hold people: with reveal all of them (real names), else
    the file with the quote table when it held quotes (the «Sitater» sheet: pseudonymised quotes
    are still the person's words). An entry from before the audit said how many quotes
    (``quotes``) is taken to have held some: its files except the charts. ``named_values``: the
    person's name was in a phase or pilot value; an export that wrote the values as stored
    (``values_as_stored``; an older entry without it: made by a ``role`` that reads transcripts)
    has it in file names (charts and tables per phase), sheets and cells: all its files."""
    if detail.get("reveal"):
        return files
    if named_values:
        as_stored = detail.get("values_as_stored")
        if as_stored is None:
            from .access import allowed_roles

            as_stored = role is None or role in allowed_roles("view_transcripts")
        if as_stored:
            return files
    if "quotes" not in detail:
        return [f for f in files if not str(f).lower().endswith(CHART_SUFFIXES)]
    if not detail["quotes"]:
        return []
    return [detail.get("quote_file") or files[0]]


CHART_SUFFIXES = (".png", ".svg")  # the charts of a table export: counts, no quotes or names


def _earlier_copies(session, source_ids: Iterable[int], *, named_values: bool = False) -> list[dict[str, str]]:
    """The files the audit trail records as written (:data:`COPY_ACTIONS`, and table exports that
    held quotes or real names, :func:`_table_copies`; with ``named_values`` also those that wrote
    a phase or pilot value holding the person's name) since the first of ``source_ids`` entered the
    database (:func:`entered_at`; all of them without sources): file, date (UTC, minutes), action,
    the user who made it and ``via`` ("app": downloaded from the app, ``file`` its name only; else
    "file": written where ``file`` says), oldest first."""
    since = entered_at(session, source_ids) if source_ids else None
    query = select(AuditEvent).where(AuditEvent.action.in_(COPY_ACTIONS + ("export_tables",)))
    if since is not None:
        query = query.where(AuditEvent.created_at >= since)
    copies = []
    for ev in session.scalars(query.order_by(AuditEvent.created_at, AuditEvent.id)):
        detail = ev.detail if isinstance(ev.detail, dict) else {}
        files = detail.get("files") or [detail.get("file") or ev.target_id]
        who = ev.user
        if ev.action == "export_tables":
            files = _table_copies(detail, files, named_values=named_values, role=who.role if who else None)
        when = ev.created_at.strftime("%Y-%m-%d %H:%M") if ev.created_at else ""
        via = "app" if detail.get("via") == "app" else "file"
        copies += [{"file": str(f), "date": when, "action": ev.action, "user": who.name if who else "",
                    "via": via} for f in files if f]
    return copies


QUOTE_ACTIONS = ("release_quote", "withdraw_release")  # audit entries whose text values are whole turns
QUOTE_WORDS = 4  # words of erased text that make a quote of it; fewer are a word or a label ("Kommunedirektør")


def _in_words(text: str, part: str) -> bool:
    """Whether ``part`` occurs in ``text`` as whole words (not inside a longer word)."""
    start = text.find(part)
    while start >= 0:
        end = start + len(part)
        if ((start == 0 or not (text[start - 1].isalnum() and part[0].isalnum()))
                and (end == len(text) or not (text[end].isalnum() and part[-1].isalnum()))):
            return True
        start = text.find(part, start + 1)
    return False


def _word_pattern() -> re.Pattern:
    """A word of a quote: an e-mail address or a phone number is one word (so that a memo holding
    a withdrawn person's address is not taken for a quote of the turn that said it, "skriv til
    kari.nordmann@example.no": the address becomes "[e-post]", as their contact details do
    everywhere), else letters and digits with inner hyphens and apostrophes."""
    from .privacy import _EMAIL, _PHONE

    return re.compile(f"(?:{_EMAIL.pattern})|(?:{_PHONE.pattern})|" + r"\w+(?:[-'’]\w+)*")


_WORD = _word_pattern()


def _quote_eraser(said: Iterable[str], replacement: str = WITHDRAWN_TEXT) -> Callable[[str | None], str | None]:
    """A function that returns a text with every run of at least QUOTE_WORDS words taken word for
    word (case aside) from an erased turn of ``said`` replaced by ``replacement`` (a memo quoting
    what a withdrawn person said: "Kontrast til tur 27: «[trukket]»"): the rule :func:`_erased`
    applies to a whole audit value, applied to a part of a longer text."""
    turns = []
    for t in said:
        tw = [w.group().casefold() for w in _WORD.finditer(t)]
        if len(tw) >= QUOTE_WORDS:
            at: dict[str, list[int]] = {}
            for i, w in enumerate(tw):
                at.setdefault(w, []).append(i)
            turns.append((tw, at))
    return lambda text: _erase_quotes(text, turns, replacement)


def _unquote_memos(s, said, report) -> list:
    """Every memo and memo draft, with the runs of words quoted from the erased turns ``said``
    replaced (counted in ``report.memos_quoting``)."""
    unquote = _quote_eraser(said)
    memos = list(s.scalars(select(Memo))) + list(s.scalars(select(MemoDraft)))
    for m in memos:
        unquoted = unquote(m.text)
        if unquoted != m.text:
            report.memos_quoting += 1
            m.text = unquoted
    return memos


def _erase_quotes(text: str | None, turns: list[tuple[list[str], dict[str, list[int]]]],
                  replacement: str) -> str | None:
    if not text or not turns:
        return text
    words = [(m.start(), m.end(), m.group().casefold()) for m in _WORD.finditer(text)]
    if len(words) < QUOTE_WORDS:
        return text
    spans, i = [], 0
    while i < len(words):
        best = 0
        for tw, at in turns:
            for p in at.get(words[i][2], ()):
                n = 1
                while i + n < len(words) and p + n < len(tw) and words[i + n][2] == tw[p + n]:
                    n += 1
                best = max(best, n)
        if best >= QUOTE_WORDS:
            spans.append((words[i][0], words[i + best - 1][1]))
            i += best
        else:
            i += 1
    if not spans:
        return text
    out, pos = [], 0
    for start, end in spans:
        out += [text[pos:start], replacement]
        pos = end
    out.append(text[pos:])
    return "".join(out)


def _erased(value: str, said: set[str], quotes: list[str]) -> bool:
    """Whether an audit value is erased text: a whole turn of ``said`` that is a sentence ("Ja."),
    a quote of at least QUOTE_WORDS words taken from a turn, or a text that holds a whole turn of
    that length (``quotes``). A word or a label that occurs in an erased turn, or that is one (a
    signature line "Kommunedirektør"), is not."""
    text = value.strip()
    if not text:
        return False
    if text in said and text.rstrip("\"'»”)").endswith((".", "!", "?", "…")):
        return True
    if len(text.split()) >= QUOTE_WORDS and any(_in_words(t, text) for t in quotes):
        return True
    return any(len(t) < len(text) and _in_words(text, t) for t in quotes)


UNDO_ACTIONS = ("code", "uncode", "accept", "reject", "consensus")  # coding.UNDOABLE


def _retire_undo(session, turns: dict[str, set[int] | None], segment_ids: Iterable[int]) -> int:
    """Mark the undoable audit entries (``coding.UNDOABLE``) of erased turns as ``withdrawn``, so
    that ``coding.undo_last`` never puts a coding back on a withdrawn turn (it says so instead):
    codings made or removed there (``turns``: file name -> turn numbers) and suggestions decided
    there (``segment_ids``). Returns how many entries were marked."""
    segment_ids = {int(i) for i in segment_ids}
    suggestions: dict[str, tuple[str, int]] = {}
    for lo in range(0, len(segment_ids), 500):
        chunk = sorted(segment_ids)[lo:lo + 500]
        for sid, index, name in session.execute(
                select(Suggestion.id, Segment.index, Source.file_name).join(Segment, Suggestion.segment_id == Segment.id)
                .join(Source, Segment.source_id == Source.id).where(Segment.id.in_(chunk))):
            suggestions[str(sid)] = (name, index)
    marked = 0
    for ev in session.scalars(select(AuditEvent).where(AuditEvent.action.in_(UNDO_ACTIONS))):
        detail = ev.detail or {}
        if detail.get("withdrawn"):
            continue
        if ev.action in ("accept", "reject"):
            where = suggestions.get(str(ev.target_id)) if ev.target_type == "suggestion" else None
        else:
            erased = turns.get(detail.get("source"), set()) if detail.get("source") in turns else set()
            where = ((detail["source"], detail.get("turn"))
                     if erased is None or detail.get("turn") in erased else None)
        if where is None:
            continue
        ev.detail = {**detail, "source": where[0], "turn": where[1], "withdrawn": True}
        marked += 1
    return marked


def _erase_kept_memos(session, turns: dict[str, set[int] | None]) -> int:
    """Erase the memos the audit trail keeps on erased turns: an ``uncode`` event holds the memos
    of the coding it removed (``coding.undo_last`` puts them back), an ``undo`` of a coding the
    memos written with it that went with it (``removed_memos``); on the turns ``turns`` names
    (file name -> turn numbers; None: all turns of the file) they go as the memos on those turns
    themselves do. Returns how many events changed."""
    def gone(source, turn) -> bool:
        if source not in turns:
            return False
        erased = turns[source]
        return erased is None or turn in erased

    changed = 0
    for ev in session.scalars(select(AuditEvent).where(AuditEvent.action.in_(("uncode", "undo")))):
        detail = ev.detail or {}
        key = "memos" if ev.action == "uncode" else "removed_memos"
        memos = detail.get(key)
        if not memos:
            continue
        # a memo of an undone import names its own source and turn; older entries, and an uncode's
        # memos, stand on the event's
        places = [m if isinstance(m, dict) else {} for m in memos]
        kept = [m for m, at in zip(memos, places)
                if not gone(at.get("source", detail.get("source")), at.get("turn", detail.get("turn")))]
        if len(kept) != len(memos):
            ev.detail = {**detail, key: kept}
            changed += 1
    return changed


#: Audit detail keys under which a value is a metadata value (a phase, a pilot, an organisation
#: ...), never a speaker label: a name there becomes "[navn]", never a pseudonym (which would
#: record a change that never happened: "pilot": {"after": "Rådmann 1"}).
VALUE_KEYS = frozenset({"kind", "phase", "pilot", "county", "date", "language", "media", "delete_by", "actor",
                        "organisation", "name"})
#: Audit actions whose values are settings and metadata, never speaker labels.
VALUE_ACTIONS = ("set_setting",)
#: Keys of audit details that are field names, never labels (left as they are).
AUDIT_FIELD_KEYS = frozenset({"before", "after", "file", "via", "source", "speakers", "pseudonyms", "text",
                              "speaker", "code", "turn", "memos", "removed_memos"}) | VALUE_KEYS


def _scrub_audit(session, scrub: Callable[[str], str], labels: dict[str, str],
                 said: set[str] = frozenset(), replacement: str = WITHDRAWN_TEXT) -> int:
    """Clean every audit event's target and detail: a value that is exactly a speaker label
    becomes its pseudonym (``labels``), a value that is erased text (a turn of ``said``, a quote
    from one or a text quoting one, :func:`_erased`) becomes ``replacement``, and names in other
    text are scrubbed; in a release entry (``QUOTE_ACTIONS``) a text that is an erased turn goes
    however short it is. Everything else, the trail of the other sources, stays as it was.
    Returns how many events changed."""
    changed = 0
    quotes = [t for t in said if len(t.split()) >= QUOTE_WORDS]
    unquote = _quote_eraser(said, replacement)

    def clean(value: str) -> str:
        if value in labels:
            return labels[value]
        if _erased(value, said, quotes):
            return replacement
        return scrub(unquote(value))   # a quote inside a longer text (a memo kept for undo)

    def clean_quote(value: str) -> str:  # a released quote is a whole turn, however short
        return replacement if value.strip() in said else clean(value)

    def clean_value(value: str) -> str:  # a metadata value or setting: a name in it is a name, not a speaker
        if _erased(value, said, quotes):
            return replacement
        return scrub(unquote(value))

    def walk(value: Any, fn: Callable[[str], str]) -> Any:
        if isinstance(value, str):
            return fn(value)
        if isinstance(value, list):
            return [walk(v, fn) for v in value]
        if isinstance(value, dict):  # a key may be a speaker label ({"speakers": {"Liv Bjørk": ...}})
            return {(clean(k) if isinstance(k, str) and k not in AUDIT_FIELD_KEYS else k):
                    walk(v, clean_value if k in VALUE_KEYS else fn) for k, v in value.items()}
        return value

    for ev in session.scalars(select(AuditEvent)):
        fn = clean_quote if ev.action in QUOTE_ACTIONS else clean_value if ev.action in VALUE_ACTIONS else clean
        detail = walk(ev.detail, fn) if ev.detail is not None else None
        target = clean(ev.target_id) if ev.target_id else ev.target_id
        if detail != ev.detail or target != ev.target_id:
            ev.detail, ev.target_id = detail, target
            changed += 1
    return changed


# ------------------------------------------------------------------------------- anonymise

@requires("manage_data")
def anonymise(db: Database, *, permanent: bool = False, user: str | None = None) -> AnonymiseReport:
    """Rewrite the whole database as its scrubbed, pseudonymised version, irreversibly.

    Every source text is scrubbed (roster names, e-mail addresses, phone numbers, fødselsnummer)
    with every speaker label before a turn replaced by its pseudonym; segment offsets, coding spans
    and suggestion spans move with the text. Speaker labels become pseudonyms, names and
    organisations are dropped, memos (and memo drafts), released quotes, file names, headings, suggestion evidence
    and the audit trail are scrubbed, media references are dropped and trained models deleted.
    ``permanent`` must be True: there is no way back (take a backup first if in doubt).
    """
    if not permanent:
        raise InputError("anonymisation cannot be undone; pass permanent=True (`--permanent`) to do it",
                         code="anonymise.not_permanent")
    report = AnonymiseReport()
    scrubber = roster_scrubber(db)
    with db.transaction(user) as tx:
        s = tx.session
        from .sharing import assign_pseudonyms

        assign_pseudonyms(s)
        labels = {sp.id: (sp.label, s.get(Pseudonym, sp.pseudonym_id).label if sp.pseudonym_id else None)
                  for sp in s.scalars(select(Speaker))}
        all_labels = {label for label, _ in labels.values()}
        for sid in list(s.scalars(select(Source.id).order_by(Source.id))):
            src = s.get(Source, sid)
            report.sources += 1
            segments = _segments(s, sid)
            omap = exported_text(src.canonical_text, [
                (g.start_char, g.end_char, *(labels.get(g.speaker_id) or (None, None))) for g in segments], scrubber,
                bom_guard=False)
            if omap.text != src.canonical_text:
                report.texts_changed += 1
                report.replacements += omap.text.count("[navn]") + omap.text.count("[e-post]") + \
                    omap.text.count("[telefon]") + omap.text.count("[fnr]")
                report.codings_merged += _apply_map(s, src, omap, segments)
            for g in segments:
                if g.heading:
                    g.heading = scrubber.scrub(g.heading)
            new_name = scrubber.scrub(src.file_name)
            if new_name != src.file_name:
                src.file_name = _unique_file_name(s, src, new_name)
                report.file_names += 1
            if src.media:
                src.media = None
                report.media_dropped += 1
        speakers = list(s.scalars(select(Speaker)))
        for sp in speakers:
            label, pseudonym = labels[sp.id]
            if pseudonym and (sp.label != pseudonym or sp.name or sp.organisation):
                report.speakers += 1
            sp.label, sp.name, sp.organisation = pseudonym or "Deltaker", None, None
        s.flush()
        report.metadata_values = _scrub_values(s, scrubber.scrub_value)
        _rekey(s, speakers)
        for m in s.scalars(select(Memo)):
            new = scrubber.scrub(m.text)
            if new != m.text:
                m.text, report.memos = new, report.memos + 1
        for d in s.scalars(select(MemoDraft)):
            new = scrubber.scrub(d.text)
            if new != d.text:
                d.text, report.drafts = new, report.drafts + 1
        for q in s.scalars(select(ReleasedQuote)):
            new = scrubber.scrub(q.text)
            if new != q.text:
                q.text, report.released_quotes = new, report.released_quotes + 1
        for sg in s.scalars(select(Suggestion).where(Suggestion.evidence.is_not(None))):
            sg.evidence = _scrub_json(sg.evidence, scrubber.scrub)
        pseudonyms = {label: p for label, p in labels.values() if p}
        removed = list(s.scalars(select(RemovedSpeaker)))
        for r in removed:  # speakers of removed sources: their labels stand in ingest entries
            all_labels.add(r.label)
            if r.pseudonym_id is not None and r.label not in pseudonyms:
                pseudonyms[r.label] = s.get(Pseudonym, r.pseudonym_id).label
        report.audit_events = _scrub_audit(s, scrubber.scrub, {label: pseudonyms.get(label, "[navn]") for label in all_labels})
        # every name is replaced now: the removed speakers' rows, and the names in the keys of
        # pseudonyms nobody speaks under any more, go
        for r in removed:
            s.delete(r)
        report.pseudonym_keys = _unname_pseudonyms(s)
        report.models = _drop_models(s)
        # the data are anonymous now: their deadlines for deletion or anonymisation are met
        report.deadlines_cleared = s.execute(
            update(Source).where(Source.delete_by.is_not(None)).values(delete_by=None)).rowcount or 0
        tx.audit("anonymise", "database", None, {k: v for k, v in report.to_dict().items()})
    _SCRUBBERS.clear()
    report.file_clean = _vacuum(db)
    return report


# ------------------------------------------------------------------------------- retention

def _parse_day(value: Any, where: str) -> str | None:
    from .ingest.manifest import parse_date

    if value is None or str(value).strip().lower() in ("", "none", "ingen"):
        return None
    try:
        day = parse_date(str(value))
    except ValueError as exc:
        raise InputError(f"{where}: {value!r} is not a date ({exc}); write it as 2028-12-31 or 31.12.2028",
                         code="retention.bad_date", value=str(value)) from None
    if len(day) != 10:
        raise InputError(f"{where}: {value!r} is not a whole date; give the day too (2028-12-31)",
                         code="retention.bad_date", value=str(value))
    return day


@requires("ingest")
def set_delete_by(db: Database, source: Any, date: Any, *, user: str | None = None) -> str | None:
    """Set (or with None clear) the date by which ``source`` is to be deleted or anonymised."""
    from .store.lookup import find_source

    day = _parse_day(date, "delete_by")
    with db.transaction(user) as tx:
        src = find_source(tx.session, source)
        before, src.delete_by = src.delete_by, day
        tx.audit("set_delete_by", "source", src.id, {"file": src.file_name, "before": before, "after": day})
    return day


@requires("view_sources")
def retention(db: Database, *, today: dt.date | str | None = None, due_only: bool = True,
              user: str | None = None) -> list[dict[str, Any]]:
    """Sources with their deletion date: their own ``delete_by`` or else the project's
    (setting ``delete_by``), and how many days overdue (negative: days left). ``due_only``: only
    those whose date is today or past. Sorted most overdue first."""
    today = dt.date.fromisoformat(str(today)) if today is not None else dt.date.today()
    project = setting(db, "delete_by")
    out = []
    with db.session() as s:
        for sid, name, own in s.execute(select(Source.id, Source.file_name, Source.delete_by).order_by(Source.id)):
            day = own or project
            if not day:
                continue
            overdue = (today - dt.date.fromisoformat(day)).days
            if due_only and overdue < 0:
                continue
            out.append({"id": sid, "file": name, "delete_by": day, "from": "source" if own else "project",
                        "overdue_days": overdue})
    return sorted(out, key=lambda r: (-r["overdue_days"], r["id"]))


@requires("manage_data")
def remove_source(db: Database, source: Any, *, user: str | None = None) -> dict[str, Any]:
    """Delete a source with its turns, speakers, codings, suggestions, memos (and memo drafts) and
    released quotes.
    The audit trail keeps that it was removed (its id and counts); texts of the source in earlier
    entries (released quotes) become "[slettet]", the ``consensus`` entries of its turns get the
    target type ``removed_segment`` (so that a new turn given the same id never counts as agreed
    on), and nothing else changes: its file name and speaker labels, and the entries of the other
    sources, stay as they were (use ``anonymise`` to scrub names there). The speakers' roster rows
    are kept in ``removed_speakers``, so their names are still scrubbed wherever the other sources
    mention them; trained models made since the source was ingested are deleted (``models``)."""
    from .store.lookup import find_source

    with db.transaction(user) as tx:
        s = tx.session
        src = find_source(s, source)
        seg_ids = list(s.scalars(select(Segment.id).where(Segment.source_id == src.id)))
        counts = {"turns": len(seg_ids), "codings": 0, "suggestions": 0, "memos": 0}
        for lo in range(0, len(seg_ids), 500):
            chunk = seg_ids[lo:lo + 500]
            coding_ids = list(s.scalars(select(Coding.id).where(Coding.segment_id.in_(chunk))))
            if coding_ids:
                counts["memos"] += s.execute(delete(Memo).where(Memo.coding_id.in_(coding_ids))).rowcount or 0
                s.execute(delete(MemoDraft).where(MemoDraft.coding_id.in_(coding_ids)))
            counts["memos"] += s.execute(delete(Memo).where(Memo.segment_id.in_(chunk))).rowcount or 0
            s.execute(delete(MemoDraft).where(MemoDraft.segment_id.in_(chunk)))
            counts["codings"] += s.execute(delete(Coding).where(Coding.segment_id.in_(chunk))).rowcount or 0
            counts["suggestions"] += s.execute(delete(Suggestion).where(Suggestion.segment_id.in_(chunk))).rowcount or 0
            s.execute(delete(ReleasedQuote).where(ReleasedQuote.segment_id.in_(chunk)))
            s.execute(delete(SegmentEmbedding).where(SegmentEmbedding.segment_id.in_(chunk)))
            # a consensus recorded on a deleted turn must never count for a new turn with its id (SQLite reuses
            # row ids): the entry stays, marked as being about a removed turn
            s.execute(update(AuditEvent).where(AuditEvent.action == "consensus", AuditEvent.target_type == "segment",
                                               AuditEvent.target_id.in_([str(i) for i in chunk]))
                      .values(target_type=REMOVED_SEGMENT))
        counts["memos"] += s.execute(delete(Memo).where(Memo.source_id == src.id)).rowcount or 0
        s.execute(delete(MemoDraft).where(MemoDraft.source_id == src.id))  # unsaved memos on it, its turns, codings
        name = src.file_name
        said = {t.strip() for t in (src.canonical_text[a:b] for a, b in s.execute(
            select(Segment.start_char, Segment.end_char).where(Segment.source_id == src.id))) if t.strip()}
        said |= {roster_scrubber(db).scrub(t) for t in said}
        # their names may stand in the other sources' speech: the scrubber keeps knowing them
        # (sharing.roster_scrubber) until anonymise replaces them everywhere or forget erases the person
        for sp in s.scalars(select(Speaker).where(Speaker.source_id == src.id, Speaker.withdrawn.is_(False))):
            s.add(RemovedSpeaker(label=sp.label, actor=sp.actor, organisation=sp.organisation,
                                 pilot=sp.pilot or src.pilot, name=sp.name, pseudonym_id=sp.pseudonym_id))
        # a model trained while the source was there holds its words (TF-IDF vocabulary); its
        # vectors went with its turns above
        counts["models"] = s.execute(delete(TrainedModel).where(
            TrainedModel.created_at >= (entered_at(s, [src.id]) or src.ingested_at))).rowcount or 0
        s.execute(delete(Segment).where(Segment.source_id == src.id))
        s.execute(delete(Speaker).where(Speaker.source_id == src.id))
        s.delete(src)
        s.flush()
        counts["phases_dropped"] = _drop_gone_phases(s)
        _erase_kept_memos(s, {name: None})
        _scrub_audit(s, lambda v: v, {}, said, replacement=REMOVED_TEXT)
        tx.audit("remove_source", "source", src.id, counts)
    _SCRUBBERS.clear()
    return {"file": name, **counts, "file_clean": _vacuum(db)}


def _drop_gone_phases(session) -> int:
    """Take the phases no source has any more out of the ``phase_order`` setting (the resource
    group reads it with ``settings show``; a removed source's phase may name a person); the
    setting is unset when none is left. Returns how many phases went."""
    from .sharing import join_phases, split_phases

    order = session.get(Setting, "phase_order")
    if order is None or not isinstance(order.value, str) or not order.value.strip():
        return 0
    have = {str(p).casefold() for p in session.scalars(select(Source.phase).where(Source.phase.is_not(None))
                                                         .distinct())}
    phases = split_phases(order.value)
    kept = [p for p in phases if p.casefold() in have]
    if len(kept) != len(phases):
        order.value = join_phases(kept) or None
    return len(phases) - len(kept)


# ------------------------------------------------------------------------------- inventory

@requires("manage_data")
def inventory(db: Database, *, user: str | None = None) -> dict[str, Any]:
    """Where personal data lives in the database, with counts: for the data-protection impact
    assessment (DPIA) and the project's records."""
    from .privacy import is_name_label

    with db.session() as s:
        speakers = s.execute(select(Speaker.id, Speaker.label, Speaker.actor, Speaker.organisation, Speaker.pilot,
                                    Speaker.name, Speaker.withdrawn, Speaker.pseudonym_id,
                                    Source.pilot.label("source_pilot"))
                             .join(Source, Speaker.source_id == Source.id)).all()
        named = [r for r in speakers if not r.withdrawn and (r.name or is_name_label(
            r.label, actor=r.actor, organisation=r.organisation, pilot=r.pilot or r.source_pilot))]
        sources_named = s.scalar(select(func.count(func.distinct(Speaker.source_id))).where(
            Speaker.withdrawn.is_(False))) or 0
        media = list(s.scalars(select(Source.media).where(Source.media.is_not(None))))
        actions = dict(s.execute(select(AuditEvent.action, func.count()).group_by(AuditEvent.action)).all())
        scrubber = roster_scrubber(db)
        memo_texts = list(s.scalars(select(Memo.text)))
        draft_texts = list(s.scalars(select(MemoDraft.text)))
        removed = list(s.scalars(select(RemovedSpeaker)))
        out = {
            "sources": {"count": s.scalar(select(func.count()).select_from(Source)) or 0,
                        "with_speaker_labels": int(sources_named),
                        "words": int(s.scalar(select(func.sum(Source.word_count))) or 0),
                        "with_delete_by": s.scalar(select(func.count()).select_from(Source)
                                                   .where(Source.delete_by.is_not(None))) or 0},
            "speakers": {"count": len(speakers), "labels_that_are_names": len(named),
                         "with_real_name": sum(1 for r in speakers if r.name),
                         "with_organisation": sum(1 for r in speakers if r.organisation),
                         "withdrawn": sum(1 for r in speakers if r.withdrawn),  # speaker rows (a person per source)
                         "withdrawn_people": len({r.pseudonym_id or -r.id for r in speakers if r.withdrawn})},
            "pseudonyms": s.scalar(select(func.count()).select_from(Pseudonym)) or 0,
            # a key is label|actor|organisation|pilot: a name stays there until anonymise or forget
            "pseudonym_keys_with_names": sum(1 for (key,) in s.execute(select(Pseudonym.speaker_key))
                                             if _key_names(key, scrubber)),
            # a phase or pilot that is or holds a roster name: the resource group sees it as written
            "metadata_values_with_names": _named_values(s, scrubber),
            "removed_speakers": {"count": len(removed),
                                 "names": sum(1 for r in removed if r.name or is_name_label(
                                     r.label, actor=r.actor, organisation=r.organisation, pilot=r.pilot))},
            "memos": {"count": len(memo_texts), "naming_participants": sum(1 for t in memo_texts if _count(scrubber, t))},
            # unsaved memos (the app keeps what is typed across a reload): private to their author
            "memo_drafts": {"count": len(draft_texts),
                            "naming_participants": sum(1 for t in draft_texts if _count(scrubber, t))},
            "released_quotes": s.scalar(select(func.count()).select_from(ReleasedQuote)) or 0,
            "media": {"references": len(media), "missing_files": sum(1 for m in media if not _exists(m))},
            "audit_events": {"count": sum(actions.values()), "by_action": dict(sorted(actions.items()))},
            "trained_models": s.scalar(select(func.count()).select_from(TrainedModel)) or 0,
            "sentence_vectors": s.scalar(select(func.count()).select_from(SegmentEmbedding)) or 0,
            "users": {"count": s.scalar(select(func.count()).select_from(_users())) or 0,
                      "with_email": s.scalar(select(func.count()).select_from(_users())
                                             .where(_users().c.email.is_not(None))) or 0},
            "delete_by": setting(db, "delete_by"),
        }
    out["retention_due"] = len(retention(db))
    return out


def _key_names(key: str, scrubber=None) -> bool:
    """Whether a pseudonym key (label|actor|organisation|pilot) holds a person's name: its label is
    one, or (given the roster's ``scrubber``) its pilot holds one ("Moderator|forsker|SINTEF|Per Holm")."""
    from .privacy import is_name_label

    parts = key.rsplit("|", 3)
    if len(parts) != 4:
        return False
    label, actor, organisation, pilot = (p or None for p in parts)
    if scrubber is not None and pilot and scrubber.names_in_value(pilot):
        return True
    return is_name_label(label, actor=actor, organisation=organisation, pilot=pilot)


def _named_values(session, scrubber) -> int:
    """How many distinct phase and pilot values (of sources, rosters, released quotes and the
    ``phase_order`` setting) are or hold a roster name."""
    from .sharing import split_phases

    values: set[tuple[str, str]] = set()
    for column in (Source.phase, ReleasedQuote.phase):
        values |= {("phase", v) for v in session.scalars(select(column).where(column.is_not(None)).distinct())}
    for column in (Source.pilot, Speaker.pilot, RemovedSpeaker.pilot, ReleasedQuote.pilot):
        values |= {("pilot", v) for v in session.scalars(select(column).where(column.is_not(None)).distinct())}
    order = session.scalar(select(Setting.value).where(Setting.key == "phase_order"))
    if isinstance(order, str):
        values |= {("phase", p) for p in split_phases(order)}
    return sum(1 for _, v in values if isinstance(v, str) and scrubber.names_in_value(v))


def _users():
    from .store import User

    return User.__table__


def _exists(path: str) -> bool:
    from pathlib import Path

    try:
        return Path(path).is_file()
    except OSError:
        return False


# ------------------------------------------------------------------------------- vacuum

def _vacuum(db: Database) -> bool:
    """Reclaim the space of deleted rows so that erased text does not stay in the file's free
    pages or its write-ahead log (SQLite ``VACUUM`` and a truncating WAL checkpoint; PostgreSQL
    ``VACUUM`` of every table). False when another connection (the app, a second terminal) kept
    SQLite from finishing: old text may then stay in the file until :func:`compact` runs with
    nobody else connected."""
    if db.dialect == "sqlite":
        import sqlite3

        from sqlalchemy.engine import make_url

        path = make_url(db.url).database
        if not path or path == ":memory:":
            return True
        db.engine.dispose()  # our own pooled connections must not hold the log open
        conn = sqlite3.connect(path, timeout=5, isolation_level=None)
        try:
            conn.execute("VACUUM")
            busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            return not busy
        except sqlite3.OperationalError:  # another connection is busy
            return False
        finally:
            conn.close()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(sql_text("VACUUM"))
    return True


@requires("manage_data")
def compact(db: Database, *, user: str | None = None) -> bool:
    """Rewrite the database file without the free pages and the write-ahead log that may still
    hold erased text (after ``forget``, ``anonymise`` or ``remove-source`` ran while another
    program had the database open). True when done; False when another connection still holds
    it (close the app and try again)."""
    return _vacuum(db)
