"""Manual coding, memos and the review of suggestions.

Every function takes the database and the acting user (``user=``); every change is one
transaction with an audit event. Turns are 1-based segment indexes; spans given to and returned
by this module are relative to the segment text (``segment_text[start:end]``) and stored as source
offsets in ``Coding.start_char/end_char``. A coding that covers its whole segment has
``start``/``end`` = None in a :class:`CodingRecord`.

A memo being written can be kept as its author's draft (``save_draft``: one per author and
target, private to its author, not audited, deleted when the memo is saved); the app keeps what
is typed there so that a reload of the page loses nothing.

Several coders code the same sources independently: a coding belongs to one coder, and applying
the same code to the same span twice by the same coder returns the existing coding.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .access import current, requires
from .errors import InputError, NotFound, WorkbenchError, check_limit
from .store import AuditEvent, Code, CodebookVersion, Coding, Database, Memo, MemoDraft, Segment, Source, Suggestion, TrainedModel, User
from .store.db import (CONSENSUS_CODER, Transaction, default_user, get_or_create_user, lock_codes, lock_row,
                       lock_segment)
from .codebook.store import move_draft, resolve_code
from .store.lookup import find_source, or_list
from .store.models import normal_name, utcnow

ORIGINS = ("manual", "lexicon", "model", "imported")
STATUSES = ("pending", "accepted", "rejected", "withdrawn")  # withdrawn: its code was retired
ORDERS = ("score", "uncertain")

__all__ = [
    "CodingRecord", "MemoRecord", "SuggestionRecord", "ORIGINS",
    "find_source", "find_segment", "apply_code", "remove_code", "remove_coding",
    "add_memo", "list_memos", "DraftRecord", "save_draft", "get_draft", "discard_draft", "list_drafts",
    "list_codings", "code_from_csv",
    "list_suggestions", "accept_suggestion", "reject_suggestion", "review_suggestions",
    "undo_mark", "undo_last", "UndoSkipped", "UNDOABLE",
]


# --------------------------------------------------------------------------------------------
# Records returned to callers (plain data, no ORM objects escape a session)


@dataclass
class CodingRecord:
    """One coding as a user sees it. ``start``/``end`` are relative to the segment text; ``text``
    is exactly what the coding covers (``canonical_text[start_char:end_char]``: the span, or the
    whole segment), so anyone can check it. An imported selection may begin in its turn's label
    (``start`` < 0) or run past the turn's end (see ``workbench.refi.importer``).

    ``event``: the audit event of the change that returned the record (the coding applied or
    removed, the suggestion accepted), which ``undo_last(events=...)`` can undo; None in listings
    and when nothing changed. It is not part of ``to_dict``."""

    id: int
    source: str
    turn: int
    code: str
    coder: str
    start: int | None
    end: int | None
    text: str
    origin: str
    created_at: dt.datetime | None
    memo: str | None
    event: int | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["event"]
        d["created_at"] = _iso(self.created_at)
        return d


@dataclass
class MemoRecord:
    """One memo with its target: ``target_type`` is coding, segment, source or code."""

    id: int
    text: str
    author: str
    target_type: str
    target: str
    source: str | None
    turn: int | None
    code: str | None
    coding_id: int | None
    created_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["created_at"] = _iso(self.created_at)
        return d


@dataclass
class SuggestionRecord:
    """One suggestion as shown for review. ``text`` is the whole turn; ``start``/``end`` are
    relative to it, and ``coded_text`` is what accepting the suggestion codes (the span, or the
    whole turn). ``evidence`` lists only the evidence found in what accepting it codes
    (``evidence_spans``, inside ``start``..``end``; evidence elsewhere in the turn is not shown).
    ``event``: the audit event of the rejection that returned the record (see ``CodingRecord``)."""

    id: int
    source: str
    turn: int
    code: str
    method: str
    score: float
    evidence: list[Any] | None
    status: str
    start: int | None
    end: int | None
    text: str
    decided_by: str | None
    decided_at: dt.datetime | None
    actor: str | None = None
    evidence_spans: list[tuple[int, int]] | None = None  # where the evidence words are in ``text``
    precision: float | None = None  # the model's cross-validated figures for this code
    recall: float | None = None
    coded_text: str = ""  # what accepting it codes: ``text[start:end]``, or the whole turn
    event: int | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        del d["event"]
        d["decided_at"] = _iso(self.decided_at)
        return d


_TERM = r"\w[\w-]*"  # a word as the model's TF-IDF features split lemma lines


def _lemma_places(text: Any, item: str) -> list[tuple[int, int]]:
    """Where the words of ``text`` (an ``AnalysedText``) have the lemmas of ``item`` in a row (a
    model's evidence is a lemma or lemma bigram of its TF-IDF features: "ha være" is "har vært")."""
    import re

    wanted = re.findall(_TERM, item.lower())
    if not wanted or not hasattr(text, "word_tokens"):
        return []
    pieces = [(piece, s, e) for s, e, lemma in text.word_tokens() for piece in re.findall(_TERM, lemma.lower())]
    n = len(wanted)
    return [(pieces[i][1], pieces[i + n - 1][2]) for i in range(len(pieces) - n + 1)
            if all(pieces[i + k][0] == wanted[k] for k in range(n))]


def _evidence_places(text: str, item: Any) -> list[tuple[int, int]]:
    import re

    words = str(item).split()
    if not words:
        return []
    pattern = r"(?<!\w)" + r"\s+".join(re.escape(w) for w in words) + r"\w*"
    return [m.span() for m in re.finditer(pattern, text, re.IGNORECASE)] + _lemma_places(text, str(item))


def evidence_spans(text: str, evidence: Iterable[Any] | None) -> list[tuple[int, int]]:
    """Where the evidence of a suggestion occurs in ``text``: (start, end) in code points, sorted,
    not overlapping. An evidence item is a word or phrase (a lexicon entry, or a lemma that the
    word in the text begins with: "samarbeid" marks "samarbeidet"), case-insensitively and at
    word starts. When ``text`` is an ``AnalysedText`` (a segment with its tokens and lemmas), an
    item also marks the words whose lemmas it is ("ha være" marks "har vært", "kunne" marks "kan")."""
    return located_evidence(text, evidence)[1]


def located_evidence(text: str, evidence: Iterable[Any] | None, within: tuple[int, int] | None = None,
                     ) -> tuple[list[Any], list[tuple[int, int]]]:
    """The items of ``evidence`` found in ``text`` (the others are not shown) and their places, as
    :func:`evidence_spans` gives them: each item is looked for once. ``within`` (start, end): only
    places inside this span of ``text`` count (a suggestion's span: what accepting it codes)."""
    items: list[Any] = []
    found: list[tuple[int, int]] = []
    for item in evidence or ():
        places = _evidence_places(text, item)
        if within is not None:
            places = [(a, b) for a, b in places if within[0] <= a and b <= within[1]]
        if places:
            items.append(item)
            found += places
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return items, merged


def _utc(text: str | None) -> dt.datetime | None:
    """A time as ``_iso`` wrote it, back as an aware UTC datetime (what a ``DateTime(timezone=True)``
    column takes on PostgreSQL and SQLite alike); None for None or a text that is no time."""
    if not text:
        return None
    try:
        value = dt.datetime.fromisoformat(str(text))
    except ValueError:
        return None
    return (value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)).astimezone(dt.timezone.utc)


def _iso(value: dt.datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite returns naive datetimes; they were stored as UTC
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.isoformat()


# --------------------------------------------------------------------------------------------
# Lookups


def find_segment(session: Session, source: Any, turn: Any) -> Segment:
    """Segment number ``turn`` (1-based) of ``source`` (a Source or a reference to one)."""
    src = find_source(session, source)
    try:
        index = int(str(turn).strip())
    except ValueError:
        raise InputError(f"turn {turn!r} of {src.file_name!r} is not a number; "
                         "give the 1-based turn number shown by `workbench turns`",
                         code="turn.not_a_number", turn=str(turn), source=src.file_name) from None
    segment = session.scalar(select(Segment).where(Segment.source_id == src.id, Segment.index == index))
    if segment is not None:
        return segment
    low, high = session.execute(select(func.min(Segment.index), func.max(Segment.index))
                                .where(Segment.source_id == src.id)).one()
    if low is None:
        raise NotFound(f"source {src.file_name!r} has no turns; re-ingest it", code="source.no_turns",
                       source=src.file_name)
    raise NotFound(f"{src.file_name!r} has no turn {index}; valid turns are {low}-{high} "
                   f"(see `workbench turns {src.file_name}`)", code="turn.not_found", source=src.file_name,
                   turn=index, first=low, last=high)


def _resolve_code(session: Session, code_id: Any, *, applicable: bool = False) -> Code:
    """The code with this id (in any letter case when that names one code); NotFound naming the
    nearest valid ids otherwise.

    With ``applicable`` (applying a code) the "did you mean" names only codes that can be applied
    (codable, not retired); otherwise ``workbench.codebook.store.resolve_code`` answers.
    """
    if isinstance(code_id, Code):
        return code_id
    text = str(code_id).strip()
    code = session.get(Code, text)
    if code is not None:
        return code
    rows = session.execute(select(Code.id, Code.retired, Code.codable)).all()
    lowered = [cid for cid, _, _ in rows if cid.lower() == text.lower()]
    if len(lowered) == 1:  # any letter case: KONTRAKT.HYBRID is kontrakt.hybrid
        return session.get(Code, lowered[0])
    if not applicable:
        return resolve_code(session, text)
    if not rows:
        raise NotFound(f"unknown code {text!r}: no codebook is loaded; "
                       "run `workbench codebook load FILE` first", code="codebook.empty", code_id=text)
    pool = [cid for cid, retired, codable in rows if not retired and (codable or not applicable)]
    pool = pool or [cid for cid, _, _ in rows]
    close = difflib.get_close_matches(text, pool, n=3, cutoff=0.6)
    tail = [cid for cid in pool if cid.rsplit(".", 1)[-1].lower() == text.rsplit(".", 1)[-1].lower()]
    close = list(dict.fromkeys(close + tail))[:3]
    if close:
        raise NotFound(f"unknown code {text!r}; did you mean {or_list(close)}?", code="code.not_found",
                       code_id=text, close=close)
    raise NotFound(f"unknown code {text!r}; run `workbench codebook show` to list the codes",
                   code="code.not_found", code_id=text, close=[])


def _hold_codes(session: Session, codes: Iterable[Code | str]) -> set[str]:
    """Hold every code in ``codes`` (shared) until the transaction ends, all in one
    :func:`~workbench.store.db.lock_codes` call, so in id order, and re-read as they are now.

    A writer that makes things under several codes (a CSV import, a batch of accepted suggestions,
    a turn's consensus, an undo that puts several codings back) calls this once with all of them
    before it applies any: taking them one by one in the order of its rows would deadlock with a
    merge, which takes OLD and NEW exclusively in id order (rows ``kapasitet`` then ``gammel``
    against ``codebook merge gammel kapasitet``). The codes are marked held
    (``session.info["shared_codes"]``), so :func:`_lock_code` does not ask for them again; codes
    held already are not asked for again here. Returns the ids held now; a code deleted meanwhile
    is missing (its writer is told so by :func:`_lock_code`)."""
    held = session.info.setdefault("shared_codes", set())
    wanted = {c.id if isinstance(c, Code) else str(c) for c in codes}
    missing = wanted - held
    if missing:
        held.update(lock_codes(session, missing))
    return wanted & held


def _lock_code(session: Session, code: Code) -> Code:
    """Hold ``code`` (shared) until the transaction ends, re-read as it is now: a merge, or a
    codebook load that retires or changes it, waits for this writer, or this writer for it
    (:func:`~workbench.store.db.lock_codes`). Once per code and transaction (a no-op for a code
    held already by :func:`_hold_codes`, which a writer that uses several codes calls first).
    NotFound when the code was deleted meanwhile (a codebook load drops a code nothing uses)."""
    if code.id not in _hold_codes(session, [code.id]):
        raise NotFound(f"unknown code {code.id!r}: it was deleted from the codebook just now; "
                       "run `workbench codebook show` to list the codes", code="code.not_found",
                       code_id=code.id, close=[])
    return code


def _codable(session: Session, code: Code) -> None:
    """Refuse codes that are retired or not codable (category nodes), saying what to use instead.
    Holds the code (:func:`_lock_code`) and checks it as it is now, so that a coding is never made
    under a code that a concurrent merge or codebook load has just retired."""
    _lock_code(session, code)
    if code.retired:
        merged = session.scalars(select(AuditEvent).where(
            AuditEvent.action == "merge_codes", AuditEvent.target_type == "code",
            AuditEvent.target_id == code.id).order_by(AuditEvent.id.desc())).first()
        new = (merged.detail or {}).get("new") if merged is not None else None
        hint = f"it was merged into {new!r}; use that" if new else \
            "choose an active code (see `workbench codebook show`)"
        raise WorkbenchError(f"code {code.id!r} is retired and cannot be applied any more; {hint}",
                             code="code.retired", code_id=code.id, label=code.label, new=new)
    if not code.codable:
        children = list(session.scalars(select(Code.id).where(Code.parent_id == code.id,
                                                               Code.retired.is_(False),
                                                               Code.codable.is_(True))
                                        .order_by(Code.sort_order, Code.id)))
        hint = f"use one of its subcodes: {', '.join(children)}" if children else \
            "choose a codable code (see `workbench codebook show`)"
        raise WorkbenchError(f"code {code.id!r} is a category and cannot be applied; {hint}",
                             code="code.category", code_id=code.id, label=code.label, children=children)


def _find_user(session: Session, name: str, *, new: str = "") -> User:
    """The user called ``name``; NotFound with "did you mean" (or the known users, then ``new``:
    how a new coder comes in) otherwise."""
    user = session.scalar(select(User).where(User.name == name))
    if user is None:
        names = list(session.scalars(select(User.name).order_by(User.name)))
        close = difflib.get_close_matches(name, names, n=3, cutoff=0.6)
        hint = f"did you mean {or_list(close)}?" if close else \
            f"known users: {', '.join(names) if names else 'none yet'}{new}"
        raise NotFound(f"unknown coder {name!r}; {hint}", code="coder.not_found", coder=name)
    return user


def _not_consensus(name: str) -> None:
    """Refuse the konsensus coder (in any letter case) as the coder of an ordinary coding: its
    codings are the agreed coding of a turn, recorded with ``agreement.record_consensus``."""
    if str(name).strip().casefold() == CONSENSUS_CODER:
        raise InputError(f"coder {name!r} holds the agreed coding of the team and is not coded directly (that would "
                         "make the turn a consensus turn); record what the coders agreed on with "
                         "`workbench agreement --consensus SOURCE TURN CODES`", code="coding.consensus_coder",
                         coder=str(name))


def _not_other_case(session: Session, name: str) -> None:
    """Refuse a new coder name that is an existing user's name in another letter case (``Bjorn``
    when ``bjorn`` codes): NotFound ``coder.not_found`` with "did you mean"."""
    if session.scalar(select(User.id).where(User.name == name)) is not None:
        return
    name = normal_name(name)
    same = [n for n in session.scalars(select(User.name).order_by(User.name))
            if normal_name(n).casefold() == name.casefold()]
    if same:
        raise NotFound(f"unknown coder {name!r}; did you mean {or_list(same)}? (write the coder as the user's "
                       "name is written; a new name is a new coder)", code="coder.not_found", coder=name,
                       close=same)


def _other_coder(tx: Transaction, name: str | None) -> User:
    """The coder a coding is recorded for: the acting user, or ``name`` when it is someone else,
    who must be a user already (a misspelt --coder is an error, never a new user). Never the
    konsensus coder (:func:`_not_consensus`)."""
    name = normal_name(name)
    _not_consensus(name or tx.user.name)
    if not name or name == normal_name(tx.user.name):
        return tx.user
    return _find_user(tx.session, name, new=f"; a new coder is added when they first act themselves (--user {name})")


def _latest_version_id(session: Session) -> int | None:
    return session.scalar(select(func.max(CodebookVersion.id)))


def _span_to_source(segment: Segment, span: Sequence[int] | None) -> tuple[int, int]:
    """Source offsets for a span relative to the segment text (None = the whole segment)."""
    if span is None:
        return segment.start_char, segment.end_char
    try:
        start, end = (int(span[0]), int(span[1]))
    except (TypeError, ValueError, IndexError):
        raise InputError(f"span {span!r} is not two numbers START:END", code="span.invalid",
                         turn=segment.index, length=segment.end_char - segment.start_char) from None
    length = segment.end_char - segment.start_char
    if not 0 <= start < end <= length:
        raise InputError(
            f"span {start}:{end} does not fit turn {segment.index} of {segment.source.file_name!r}, "
            f"whose text has {length} characters; use START:END with 0 <= START < END <= {length}",
            code="span.invalid", turn=segment.index, length=length)
    return segment.start_char + start, segment.start_char + end


def _record(session: Session, coding: Coding, event: AuditEvent | None = None) -> CodingRecord:
    """``event``: the audit event of the change (flushed, so that it has its id)."""
    seg = coding.segment
    whole = coding.start_char == seg.start_char and coding.end_char == seg.end_char
    memos = list(session.scalars(select(Memo.text).where(Memo.coding_id == coding.id).order_by(Memo.id)))
    return CodingRecord(
        id=coding.id, source=seg.source.file_name, turn=seg.index, code=coding.code_id,
        coder=coding.coder.name,
        start=None if whole else coding.start_char - seg.start_char,
        end=None if whole else coding.end_char - seg.start_char,
        text=seg.source.canonical_text[coding.start_char:coding.end_char],
        origin=coding.origin, created_at=coding.created_at,
        memo="\n".join(memos) if memos else None, event=None if event is None else event.id)


# --------------------------------------------------------------------------------------------
# Applying and removing codes


def _apply(tx: Transaction, segment: Segment, code: Code, coder: User, *, span: Sequence[int] | None,
           memo: str | None, origin: str, suggestion_id: int | None, version_id: int | None,
           restore: bool = False, coding_id: int | None = None,
           created_at: dt.datetime | None = None, memo_author: User | None = None,
           memo_events: list[AuditEvent] | None = None) -> tuple[Coding, AuditEvent | None]:
    """Create (or find) one coding inside ``tx``; returns the coding and the audit event of its
    creation (None when it was there already).
    ``memo_author``: who the memo is credited to (default the acting user; a CSV import credits a
    row's memo to the row's coder); the memo's audit event is the acting user's all the same, and
    names the author when that is someone else. ``memo_events``: the memo's audit event is added
    to it (a CSV import tags them as part of the import, see ``_own_memos``).
    ``restore``: an old coding put back (undo), kept under its code even if that code has since
    been retired or made a category. ``coding_id``: the id the coding had (undo), which it gets
    back when no other coding has it now, so that ids written down (``uncode --id``, ``memo
    --coding``) stay true; else it gets a new id. ``created_at``: when the coding was first made
    (undo), which a coding created here keeps instead of now; a coding that is there already keeps
    its own."""
    if origin not in ORIGINS:
        raise InputError(f"origin {origin!r} is not one of {', '.join(ORIGINS)}")
    if not restore:
        _codable(tx.session, code)
    start, end = _span_to_source(segment, span)
    session = tx.session
    coding = session.scalar(select(Coding).where(
        Coding.segment_id == segment.id, Coding.code_id == code.id, Coding.coder_id == coder.id,
        Coding.start_char == start, Coding.end_char == end))
    created, event = coding is None, None
    # An explicit id is safe on PostgreSQL too, although it does not advance the id sequence: the
    # id was issued by that sequence, which is past it, so no later insert can be given it.
    ids = [coding_id] if coding_id is not None and session.get(Coding, coding_id) is None else []
    when = {} if created_at is None else {"created_at": created_at}
    for want in (ids + [None]) if created else []:
        try:  # a concurrent writer may store the same coding first: then it is "already there"
            with session.begin_nested():
                coding = Coding(id=want, segment_id=segment.id, code_id=code.id, coder_id=coder.id,
                                start_char=start, end_char=end, origin=origin, codebook_version_id=version_id,
                                suggestion_id=suggestion_id, **when)
                session.add(coding)
                session.flush()
            break
        except IntegrityError:
            coding = session.scalar(select(Coding).where(
                Coding.segment_id == segment.id, Coding.code_id == code.id, Coding.coder_id == coder.id,
                Coding.start_char == start, Coding.end_char == end))
            if coding is not None:
                created = False
                break
            if want is None:  # not the old id taken meanwhile by a concurrent writer
                raise
    if created:
        event = tx.audit("code", "coding", coding.id, {
            "source": segment.source.file_name, "turn": segment.index, "code": code.id,
            "coder": coder.name, "start_char": start, "end_char": end, "origin": origin,
            "suggestion_id": suggestion_id})
    if memo is not None and memo.strip():
        text = memo.strip()
        exists = session.scalar(select(Memo.id).where(Memo.coding_id == coding.id, Memo.text == text))
        if exists is None:
            author = memo_author or tx.user
            m = Memo(author_id=author.id, text=text, coding_id=coding.id)
            session.add(m)
            session.flush()
            detail: dict[str, Any] = {"memo_id": m.id}
            if author.id != tx.user.id:
                detail["author"] = author.name
            memo_event = tx.audit("memo", "coding", coding.id, detail)
            if memo_events is not None:
                memo_events.append(memo_event)
            if event is not None:  # written with the coding, one action: undo takes both back (_action_memos)
                event.detail = {**(event.detail or {}), "memo_id": m.id}
    return coding, event


@requires("code")
def apply_code(db: Database, source: Any, turn: Any, code: str, *, user: str | None,
               span: Sequence[int] | None = None, memo: str | None = None, origin: str = "manual",
               suggestion_id: int | None = None, coder: str | None = None) -> CodingRecord:
    """Apply ``code`` to turn ``turn`` of ``source`` (or to ``span`` = (start, end) inside it).

    ``coder`` defaults to the acting user; another coder must be a user already (NotFound with
    "did you mean" otherwise). The konsensus coder (any letter case) is refused: its codings are
    recorded with ``agreement.record_consensus``. Retired and non-codable codes are refused. The coding records the
    latest codebook version. Applying the same code to the same span again by the same coder
    returns the existing coding (a given memo is added to it once; ``event`` is None then).
    """
    with db.transaction(user) as tx:
        segment = find_segment(tx.session, source, turn)
        code_row = _resolve_code(tx.session, code, applicable=True)
        coder_row = _other_coder(tx, coder)
        coding, made = _apply(tx, segment, code_row, coder_row, span=span, memo=memo, origin=origin,
                              suggestion_id=suggestion_id, version_id=_latest_version_id(tx.session))
        tx.session.flush()
        return _record(tx.session, coding, made)


def _delete_coding(session: Session, coding: Coding) -> bool:
    """Delete ``coding`` (its memos go with it: ``ON DELETE CASCADE``); False when another
    transaction had deleted the row already (then nothing happened here, and nothing may be
    audited as removed). The coding leaves the session either way. An unsaved memo on it (a
    draft, anyone's) is kept as a draft on its turn, joined to its author's draft there: text
    typed and not saved is never dropped with the coding (``remove-source`` and ``forget`` delete
    drafts themselves)."""
    session.flush()
    turn = f"segment:{coding.segment_id}"
    for draft in session.scalars(select(MemoDraft).where(MemoDraft.coding_id == coding.id)).all():
        move_draft(session, draft, MemoDraft.target == turn, coding_id=None, segment_id=coding.segment_id,
                   target=turn)
    session.flush()
    deleted = session.execute(delete(Coding).where(Coding.id == coding.id)
                              .execution_options(synchronize_session=False)).rowcount
    if coding in session:
        session.expunge(coding)
    return bool(deleted)


def _memo_details(session: Session, coding_id: int, only: Iterable[int] | None = None) -> list[dict[str, Any]]:
    """The memos on a coding as an audit entry keeps them (author, text, time and, since this
    version, id), oldest first, so that they can be put back (:func:`_put_back_memos`) or read
    there; ``only``: these memo ids."""
    query = select(Memo).where(Memo.coding_id == coding_id).order_by(Memo.id)
    if only is not None:
        query = query.where(Memo.id.in_(sorted(set(only))))
    return [{"author": m.author.name, "text": m.text, "created_at": _iso(m.created_at), "id": m.id}
            for m in session.scalars(query)]


def _uncode(tx: Transaction, coding: Coding) -> CodingRecord | None:
    """Delete ``coding`` inside ``tx``, audited (``uncode``) with all that undo needs to put it
    back as it was: its place, code, coder, origin, when it was made (``created_at``, ISO 8601
    in UTC; recorded since this version), memos (author, text, time) and the suggestion it was
    accepted from. Returns what was removed; None, with no audit entry, when the row was gone
    already (deleted by another transaction since it was read: the callers that read a turn's
    codings to remove some lock the turn first, :func:`~workbench.store.db.lock_segment`)."""
    session = tx.session
    # locked before its memos are read: a memo being written on it now is committed first and recorded
    # here, or waits and finds the coding gone (``_resolve_target``); never deleted unrecorded
    if lock_row(session, Coding, coding.id) is None:
        if coding in session:
            session.expunge(coding)
        return None
    memos = _memo_details(session, coding.id)
    rec = _record(session, coding)
    suggestion_id, created_at = coding.suggestion_id, coding.created_at
    if not _delete_coding(session, coding):
        return None
    event = tx.audit("uncode", "coding", coding.id, {"source": rec.source, "turn": rec.turn, "code": rec.code,
                                                     "coder": rec.coder, "start": rec.start, "end": rec.end,
                                                     "origin": rec.origin, "created_at": _iso(created_at),
                                                     "memos": memos,
                                                     "suggestion_id": suggestion_id})
    session.flush()
    rec.event = event.id
    return rec


@requires("code")
def remove_code(db: Database, source: Any, turn: Any, code: str, *, user: str | None,
                span: Sequence[int] | None = None, coder: str | None = None) -> list[CodingRecord]:
    """Remove the coder's coding(s) of ``code`` on a turn; returns what was removed.

    ``coder`` defaults to the acting user; other coders' codings are never touched. Without
    ``span`` every coding of that code by that coder on the turn goes (whole and spans); with a
    span only the coding of exactly that span. Removing several codings is one action: their
    ``uncode`` events carry the first one's id as ``group`` in their detail, and one
    ``undo_last`` puts them all back.
    """
    with db.transaction(user) as tx:
        session = tx.session
        segment = find_segment(session, source, turn)
        lock_segment(session, segment.id)  # two windows removing the same coding: the second finds it gone
        code_row = _resolve_code(session, code)
        coder_name = coder or tx.user.name
        coder_row = session.scalar(select(User).where(User.name == coder_name))
        where = [Coding.segment_id == segment.id, Coding.code_id == code_row.id]
        if span is not None:
            start, end = _span_to_source(segment, span)
            where += [Coding.start_char == start, Coding.end_char == end]
        codings = [] if coder_row is None else list(session.scalars(
            select(Coding).where(*where, Coding.coder_id == coder_row.id).order_by(Coding.id)))
        if not codings:
            what = f"span {span[0]}:{span[1]} of " if span is not None else ""
            raise NotFound(f"coder {coder_name!r} has no coding {code_row.id!r} on {what}turn "
                           f"{segment.index} of {segment.source.file_name!r}; see `workbench codings "
                           f"--source {segment.source.file_name} --coder {coder_name}`",
                           code="coding.none_on_turn", coder=coder_name, code_id=code_row.id,
                           label=code_row.label, turn=segment.index, source=segment.source.file_name)
        removed = [rec for rec in (_uncode(tx, c) for c in codings) if rec is not None]
        if len(removed) > 1:
            for rec in removed:
                ev = session.get(AuditEvent, rec.event)
                ev.detail = {**(ev.detail or {}), "group": removed[0].event}
        return removed


@requires("code")
def remove_coding(db: Database, coding_id: int, *, user: str | None) -> CodingRecord:
    """Remove one coding by its id (as shown by ``workbench codings``); returns what was removed."""
    cid = _int_id(coding_id, "coding")
    with db.transaction(user) as tx:
        session = tx.session
        coding = session.get(Coding, cid)
        if coding is not None:  # lock its turn, then read it again: another window may have removed it
            lock_segment(session, coding.segment_id)
            coding = session.scalar(select(Coding).where(Coding.id == cid)
                                    .execution_options(populate_existing=True))
        removed = None if coding is None else _uncode(tx, coding)
        if removed is None:
            raise NotFound(f"no coding with id {coding_id}; see the ids with `workbench codings`",
                           code="coding.not_found", id=coding_id)
        return removed


def _int_id(value: Any, what: str) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise InputError(f"{what} id {value!r} is not a number", code="id.not_a_number", what=what,
                         value=str(value)) from None


# --------------------------------------------------------------------------------------------
# Listing codings


@requires("view_transcripts")
def list_codings(db: Database, *, user: str | None = None, source: Any = None, coder: str | None = None,
                 code: str | None = None) -> list[CodingRecord]:
    """Codings in file and turn order, optionally of one source, one coder and/or one code.

    ``code`` also matches its subcodes (``kontrakt`` lists ``kontrakt.hybrid`` too).
    """
    with db.session() as session:
        query = (select(Coding).join(Segment, Coding.segment_id == Segment.id)
                 .join(Source, Segment.source_id == Source.id)
                 .order_by(Source.file_name, Segment.index, Coding.start_char, Coding.code_id, Coding.id))
        if source is not None:
            query = query.where(Segment.source_id == find_source(session, source).id)
        if coder is not None:
            query = query.where(Coding.coder_id == _find_user(session, coder).id)
        if code is not None:
            cid = _resolve_code(session, code).id
            query = query.where(or_(Coding.code_id == cid, Coding.code_id.like(_like_prefix(cid), escape="\\")))
        return [_record(session, c) for c in session.scalars(query)]


def _like_prefix(code_id: str) -> str:
    """A LIKE pattern for the subcodes of ``code_id`` (use it with ``escape="\\"``)."""
    escaped = code_id.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return escaped + ".%"


# --------------------------------------------------------------------------------------------
# Memos


def _check_target(what: str, coding_id: Any, segment: Any, source: Any, code: Any) -> None:
    given = [name for name, v in (("coding_id", coding_id), ("segment", segment), ("source", source),
                                  ("code", code)) if v is not None]
    if len(given) != 1:
        raise InputError(f"{what} needs exactly one target: a coding, a turn (source and turn), "
                         f"a source or a code; got {', '.join(given) if given else 'none'}")


def _resolve_target(session: Session, coding_id: Any, segment: Any, source: Any, code: Any, *,
                    lock_code: bool = False, hold: bool = False) -> tuple[dict[str, Any], str, Any]:
    """The one memo target given: ``({column: id}, target type, target id)`` (see ``_check_target``).
    ``hold``: a writer that puts a memo or draft on it holds the coding, turn or source
    (``store.db.lock_row``, ``FOR KEY SHARE``) for the rest of its transaction, and reads it again:
    a removal of it running now (``uncode``, which locks the coding ``FOR UPDATE`` before it reads
    the memos it records) either waits for the memo and records it, or commits first, and then
    the target is gone: ``coding.not_found`` "removed meanwhile" (``memo.target_removed`` for a turn
    or source), never a foreign-key error and never a memo deleted unrecorded."""
    if coding_id is not None:
        cid = _int_id(coding_id, "coding")
        coding = session.get(Coding, cid)
        if coding is None:
            raise NotFound(f"no coding with id {coding_id}; see the ids with `workbench codings`",
                           code="coding.not_found", id=coding_id)
        if hold and lock_row(session, Coding, cid, share=True) is None:
            raise NotFound(f"coding {cid} was removed meanwhile (by another user or window); nothing was saved",
                           code="coding.not_found", id=coding_id)
        return {"coding_id": coding.id}, "coding", coding.id
    if segment is not None:
        seg = find_segment(session, segment[0], segment[1])
        if hold and lock_row(session, Segment, seg.id, share=True) is None:
            raise _target_removed("segment", f"turn {segment[1]} of {segment[0]!r}")
        return {"segment_id": seg.id}, "segment", seg.id
    if source is not None:
        src = find_source(session, source)
        if hold and lock_row(session, Source, src.id, share=True) is None:
            raise _target_removed("source", repr(src.file_name))
        return {"source_id": src.id}, "source", src.id
    row = _resolve_code(session, code)
    if lock_code:  # held, so that a merge running now waits and moves the memo with the code's others
        row = _lock_code(session, row)
    return {"code_id": row.id}, "code", row.id


def _target_removed(target_type: str, what: str) -> NotFound:
    """A memo's (or draft's) target deleted by another transaction while this one wrote on it."""
    if target_type == "coding":
        return NotFound(f"coding {what} was removed meanwhile (by another user or window); nothing was saved",
                        code="coding.not_found", id=what)
    return NotFound(f"the {target_type} {what} was removed meanwhile (by another user or window); nothing "
                    "was saved", code="memo.target_removed", target_type=target_type, target=what)


@requires("code")
def add_memo(db: Database, text: str, *, user: str | None, coding_id: int | None = None,
             segment: tuple[Any, Any] | None = None, source: Any = None, code: str | None = None,
             ) -> MemoRecord:
    """Attach a memo to exactly one target: a coding, a segment (source, turn), a source or a code.
    The author's draft on that target (:func:`save_draft`) is deleted with it."""
    _check_target("a memo", coding_id, segment, source, code)
    if not text or not text.strip():
        raise InputError("the memo text is empty; write the memo text", code="memo.empty")
    with db.transaction(user) as tx:
        session = tx.session
        fields, target_type, target_id = _resolve_target(session, coding_id, segment, source, code, lock_code=True,
                                                         hold=True)
        memo = Memo(author_id=tx.user.id, text=text.strip(), **fields)
        session.add(memo)
        try:
            session.flush()
        except IntegrityError:  # (the target is held: only a database that did not lock it, such as a copy)
            raise _target_removed(target_type, str(target_id)) from None
        session.execute(delete(MemoDraft).where(MemoDraft.author_id == tx.user.id,
                                                MemoDraft.target == f"{target_type}:{target_id}"))
        tx.audit("memo", target_type, target_id, {"memo_id": memo.id})
        return _memo_record(session, memo)


def _describe_target(session: Session, coding_id: int | None, segment_id: int | None, source_id: int | None,
                     code_id: str | None) -> dict[str, Any]:
    """A memo's (or draft's) target as records show it: target_type, target, source, turn, code."""
    src_name = turn = code = None
    if coding_id is not None:
        coding = session.get(Coding, coding_id)
        src_name, turn, code = coding.segment.source.file_name, coding.segment.index, coding.code_id
        target_type, target = "coding", f"{coding_id}"
    elif segment_id is not None:
        seg = session.get(Segment, segment_id)
        src_name, turn = seg.source.file_name, seg.index
        target_type, target = "segment", f"{src_name}#{turn}"
    elif source_id is not None:
        src_name = session.get(Source, source_id).file_name
        target_type, target = "source", src_name
    else:
        code = code_id
        target_type, target = "code", code or ""
    return {"target_type": target_type, "target": target, "source": src_name, "turn": turn, "code": code}


def _memo_record(session: Session, memo: Memo) -> MemoRecord:
    where = _describe_target(session, memo.coding_id, memo.segment_id, memo.source_id, memo.code_id)
    return MemoRecord(id=memo.id, text=memo.text, author=memo.author.name, **where, coding_id=memo.coding_id,
                      created_at=memo.created_at)


@requires("view_transcripts")
def list_memos(db: Database, *, user: str | None = None, source: Any = None, code: str | None = None,
               coding_id: int | None = None, author: str | None = None) -> list[MemoRecord]:
    """Memos, oldest first; filters combine.

    ``source`` keeps memos on that source, its turns and its codings; ``code`` keeps memos on that
    code and on codings of it, its subcodes included (as :func:`list_codings`: ``kontrakt`` lists
    the memos on ``kontrakt.hybrid`` too).
    """
    with db.session() as session:
        query = select(Memo).order_by(Memo.id)
        if coding_id is not None:
            query = query.where(Memo.coding_id == _int_id(coding_id, "coding"))
        if author is not None:
            query = query.where(Memo.author_id == _find_user(session, author).id)
        if source is not None:
            sid = find_source(session, source).id
            seg_ids = select(Segment.id).where(Segment.source_id == sid)
            coding_ids = select(Coding.id).where(Coding.segment_id.in_(seg_ids))
            query = query.where(or_(Memo.source_id == sid, Memo.segment_id.in_(seg_ids),
                                    Memo.coding_id.in_(coding_ids)))
        if code is not None:
            cid = _resolve_code(session, code).id
            under = _like_prefix(cid)
            coded = select(Coding.id).where(or_(Coding.code_id == cid, Coding.code_id.like(under, escape="\\")))
            query = query.where(or_(Memo.code_id == cid, Memo.code_id.like(under, escape="\\"),
                                    Memo.coding_id.in_(coded)))
        return [_memo_record(session, m) for m in session.scalars(query)]


# --------------------------------------------------------------------------------------------
# Memo drafts: what is being written, kept across a reload of the app page


@dataclass
class DraftRecord:
    """The acting user's unsaved memo on one target (as :class:`MemoRecord`, without an id or
    author: a draft is only ever shown to its author). ``text`` is kept as typed."""

    text: str
    target_type: str
    target: str
    source: str | None
    turn: int | None
    code: str | None
    coding_id: int | None
    updated_at: dt.datetime | None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["updated_at"] = _iso(self.updated_at)
        return d


def _draft_record(session: Session, draft: MemoDraft) -> DraftRecord:
    where = _describe_target(session, draft.coding_id, draft.segment_id, draft.source_id, draft.code_id)
    return DraftRecord(text=draft.text, **where, coding_id=draft.coding_id, updated_at=draft.updated_at)


def _own_user_id(session: Session, user: str | None) -> int | None:
    """The acting user's row id (None: a name with no row yet has no drafts)."""
    p = current()
    name = p.name if p is not None else default_user(user)
    return session.scalar(select(User.id).where(User.name == name))


@requires("code")
def save_draft(db: Database, text: str, *, user: str | None, coding_id: int | None = None,
               segment: tuple[Any, Any] | None = None, source: Any = None, code: str | None = None,
               ) -> DraftRecord | None:
    """Keep ``text`` as the acting user's unsaved memo on one target (the targets of
    :func:`add_memo`), replacing their earlier draft there; an empty text deletes the draft
    (returns None). A draft is private to its author, and is not audited: it is not research data
    until it is saved as a memo (which deletes it)."""
    _check_target("a memo draft", coding_id, segment, source, code)
    text = "" if text is None else str(text)
    with db.transaction(user) as tx:
        session = tx.session
        fields, target_type, target_id = _resolve_target(session, coding_id, segment, source, code, hold=True)
        key = f"{target_type}:{target_id}"
        draft = session.scalar(select(MemoDraft).where(MemoDraft.author_id == tx.user.id, MemoDraft.target == key))
        if not text.strip():
            if draft is not None:
                session.delete(draft)
            return None
        if draft is None:
            try:  # the same user's other window may store its first draft here at the same time
                with session.begin_nested():
                    draft = MemoDraft(author_id=tx.user.id, target=key, text=text, **fields)
                    session.add(draft)
                    session.flush()
                return _draft_record(session, draft)
            except IntegrityError:
                draft = session.scalar(select(MemoDraft).where(MemoDraft.author_id == tx.user.id,
                                                               MemoDraft.target == key))
                if draft is None:  # not a draft stored meanwhile: the target itself is gone
                    raise _target_removed(target_type, str(target_id)) from None
        draft.text, draft.updated_at = text, utcnow()
        session.flush()
        return _draft_record(session, draft)


@requires("code")
def get_draft(db: Database, *, user: str | None, coding_id: int | None = None,
              segment: tuple[Any, Any] | None = None, source: Any = None, code: str | None = None,
              ) -> DraftRecord | None:
    """The acting user's unsaved memo on one target, or None. Nobody else's draft is ever returned."""
    _check_target("a memo draft", coding_id, segment, source, code)
    with db.session() as session:
        fields, target_type, target_id = _resolve_target(session, coding_id, segment, source, code)
        me = _own_user_id(session, user)
        draft = None if me is None else session.scalar(select(MemoDraft).where(
            MemoDraft.author_id == me, MemoDraft.target == f"{target_type}:{target_id}"))
        return None if draft is None else _draft_record(session, draft)


@requires("code")
def discard_draft(db: Database, *, user: str | None, coding_id: int | None = None,
                  segment: tuple[Any, Any] | None = None, source: Any = None, code: str | None = None) -> bool:
    """Delete the acting user's unsaved memo on one target; False when there was none."""
    _check_target("a memo draft", coding_id, segment, source, code)
    with db.transaction(user) as tx:
        session = tx.session
        fields, target_type, target_id = _resolve_target(session, coding_id, segment, source, code)
        return bool(session.execute(delete(MemoDraft).where(
            MemoDraft.author_id == tx.user.id, MemoDraft.target == f"{target_type}:{target_id}")).rowcount)


@requires("code")
def list_drafts(db: Database, *, user: str | None, source: Any = None) -> list[DraftRecord]:
    """The acting user's unsaved memos, oldest change first; ``source`` keeps those on that source,
    its turns and its codings. Nobody else's drafts are ever listed."""
    with db.session() as session:
        me = _own_user_id(session, user)
        query = select(MemoDraft).where(MemoDraft.author_id == me).order_by(MemoDraft.updated_at, MemoDraft.id)
        if source is not None:  # (checked before "no drafts": an unknown source is said)
            sid = find_source(session, source).id
            seg_ids = select(Segment.id).where(Segment.source_id == sid)
            coding_ids = select(Coding.id).where(Coding.segment_id.in_(seg_ids))
            query = query.where(or_(MemoDraft.source_id == sid, MemoDraft.segment_id.in_(seg_ids),
                                    MemoDraft.coding_id.in_(coding_ids)))
        if me is None:
            return []
        return [_draft_record(session, d) for d in session.scalars(query)]


# --------------------------------------------------------------------------------------------
# Bulk coding from CSV

CSV_COLUMNS = ("source", "turn", "code", "coder", "start", "end", "memo")


@requires("code")
def code_from_csv(db: Database, path: str | Path, *, user: str | None,
                  default_coder: str | None = None) -> int:
    """Apply the codings listed in a CSV file; returns the number of new codings.

    Columns ``source,turn,code[,coder][,start,end][,memo]`` (comma or semicolon separated, UTF-8
    with or without BOM). A ``coder`` cell names the coder of that row (a new name is a new
    coder, but a name that is a user's name in another letter case, ``Bjorn`` for ``bjorn``, is
    refused with "did you mean": it would split that coder's codings in two); else
    ``default_coder``, who must be a user already, else the acting user. A row's memo is credited
    to the coder of that row (its coding's coder); the audit trail records who imported it. Origin is
    ``imported``. One transaction: if any row is wrong nothing is
    stored, and the error names the file and the row (the header is row 1, as in a spreadsheet).
    The import is one action for ``undo_last``: one undo removes every coding it made, with the
    memos the import put on them (a memo written on such a coding since by someone else keeps
    that coding).
    """
    from .csvio import open_csv

    path = Path(path)
    name = path.name
    header, reader = open_csv(path, "source,turn,code[,coder][,start,end][,memo]")
    columns = [h.strip().lower() for h in header]
    unknown = [c for c in columns if c and c not in CSV_COLUMNS]
    if unknown:
        raise InputError(f"{name} row 1: unknown column {unknown[0]!r}; the columns are "
                         "source,turn,code[,coder][,start,end][,memo]")
    missing = [c for c in ("source", "turn", "code") if c not in columns]
    if missing:
        raise InputError(f"{name} row 1: missing column {missing[0]!r}; the columns are "
                         "source,turn,code[,coder][,start,end][,memo]")
    if ("start" in columns) != ("end" in columns):
        raise InputError(f"{name} row 1: columns 'start' and 'end' go together; add the missing one")
    dupes = [c for c in columns if c and columns.count(c) > 1]
    if dupes:
        raise InputError(f"{name} row 1: column {dupes[0]!r} appears twice")

    events: list[AuditEvent] = []
    memo_events: list[AuditEvent] = []
    with db.transaction(user) as tx:
        session = tx.session
        version_id = _latest_version_id(session)
        sources: dict[str, Source] = {}
        segments: dict[tuple[int, str], Segment] = {}  # a turn named by several rows is read once
        codes: dict[str, Code] = {}
        coders: dict[str, User] = {}
        if default_coder:
            coders[default_coder] = _other_coder(tx, default_coder)
        lines = [(reader.line_num, cells) for cells in reader]
        # hold every code the file names before applying any row (one lock_codes call, in id order,
        # not in the order of the rows: see _hold_codes); a code cell that names no code is left to
        # its row below, which says what is wrong with it
        at = columns.index("code")
        for _, cells in lines:
            cell = cells[at].strip() if at < len(cells) else ""
            if cell and cell not in codes:
                try:
                    codes[cell] = _resolve_code(session, cell, applicable=True)
                except WorkbenchError:
                    codes[cell] = None
        _hold_codes(session, [c for c in codes.values() if c is not None])
        row_no = 1
        for row_no, cells in lines:
            if not any(c.strip() for c in cells):
                continue
            try:
                if any(c.strip() for c in cells[len(columns):]):
                    raise InputError(f"{len(cells)} cells but the header has {len(columns)} columns")
                row = {c: (cells[i].strip() if i < len(cells) else "") for i, c in enumerate(columns)}
                for col in ("source", "turn", "code"):
                    if not row[col]:
                        raise InputError(f"the {col!r} cell is empty")
                src = sources.get(row["source"])
                if src is None:
                    src = sources[row["source"]] = find_source(session, row["source"])
                segment = segments.get((src.id, row["turn"]))
                if segment is None:
                    segment = segments[(src.id, row["turn"])] = find_segment(session, src, row["turn"])
                code = codes.get(row["code"])
                if code is None:  # names no code (the error is this row's), or not seen above
                    code = codes[row["code"]] = _resolve_code(session, row["code"], applicable=True)
                coder_name = row.get("coder") or default_coder or tx.user.name
                coder = coders.get(coder_name)
                if coder is None:
                    _not_consensus(coder_name)
                    _not_other_case(session, coder_name)
                    coder = coders[coder_name] = get_or_create_user(session, coder_name)
                span = None
                if row.get("start") or row.get("end"):
                    if not (row.get("start") and row.get("end")):
                        raise InputError("give both 'start' and 'end', or leave both empty for the whole turn")
                    try:
                        span = (int(row["start"]), int(row["end"]))
                    except ValueError:
                        raise InputError(f"start/end {row['start']!r}/{row['end']!r} are not whole numbers") \
                            from None
                _, made = _apply(tx, segment, code, coder, span=span, memo=row.get("memo") or None,
                                 origin="imported", suggestion_id=None, version_id=version_id,
                                 memo_author=coder, memo_events=memo_events)
                if made is not None:
                    events.append(made)
            except WorkbenchError as exc:
                raise exc.retitled(f"{name} row {row_no}") from None
        created = len(events)
        session.flush()  # the events have their ids
        for ev in (events + memo_events) if events else []:
            # one import is one action: one undo_last removes all it made (see remove_code), with its
            # memos (credited to the rows' coders, not to the acting user: see _own_memos)
            ev.detail = {**(ev.detail or {}), "group": events[0].id, "import": name}
        tx.audit("code_from_csv", "file", name, {"rows": row_no - 1, "created": created})
    return created


# --------------------------------------------------------------------------------------------
# Review of suggestions


def _suggestion_record(session: Session, s: Suggestion, quality: dict[str, dict] | None = None,
                       event: AuditEvent | None = None) -> SuggestionRecord:
    seg = s.segment
    figures = _figures_for(quality or {}, s.code_id, s.method)
    start = end = None
    if s.start_char is not None and s.end_char is not None and \
            (s.start_char, s.end_char) != (seg.start_char, seg.end_char):
        start, end = s.start_char - seg.start_char, s.end_char - seg.start_char
    decider = session.get(User, s.decided_by).name if s.decided_by else None
    text = seg.text
    shown, places = located_evidence(_analysed_text(seg), s.evidence, None if start is None else (start, end))
    return SuggestionRecord(id=s.id, source=seg.source.file_name, turn=seg.index, code=s.code_id,
                            method=s.method, score=float(s.score),
                            evidence=None if s.evidence is None else shown,
                            status=s.status, start=start, end=end, text=text, decided_by=decider,
                            decided_at=s.decided_at, actor=seg.speaker.actor if seg.speaker else None,
                            evidence_spans=places,
                            precision=figures.get("precision"), recall=figures.get("recall"),
                            coded_text=text if start is None else text[start:end],
                            event=None if event is None else event.id)


def _analysed_text(seg: Segment) -> str:
    """The segment's text with its tokens and lemmas (stored at ingest, else analysed now)."""
    from .nlp import analyse, lemma_language, stored_text

    lang = lemma_language(seg.source.language, seg.text)
    text = stored_text(seg.text, lang, seg.lemmas, seg.lemma_lang, seg.token_splits)
    return text if hasattr(text, "word_tokens") else analyse([seg.text], lang)[0]


@requires("view_transcripts")
def list_suggestions(db: Database, *, user: str | None = None, status: str | None = "pending",
                     source: Any = None, order: str = "score", limit: int | None = None,
                     exclude_actors: Iterable[str] = (),
                     ) -> list[SuggestionRecord]:
    """Suggestions to review (``status`` pending, accepted, rejected, withdrawn, or None for all).

    Pending ones on a code that is not current (retired, or a category) are left out: they cannot
    be accepted. Loading a codebook that retires a code closes them as ``withdrawn``.

    ``order="score"``: best first. ``order="uncertain"``: the scores closest to their code's
    decision threshold first (the newest trained model's per-code threshold for model
    suggestions, 0.5 otherwise), i.e. the suggestions the suggester is least sure about: a
    coder's label there teaches the next model most.

    A pending suggestion whose code the acting coder has already applied to its turn by hand
    (on a span overlapping the suggestion's, or the whole turn) is left out: there is nothing left
    to decide. It stays pending in the database (for the other coders), and the coding itself is
    the training example (``workbench.suggest.service.training_data``), so nothing is counted twice.

    ``limit``: at most this many (1 or more; None: all).

    ``exclude_actors``: leave out suggestions on the turns of these actors (the app leaves out
    the interviewers, ``forsker``, unless asked). Each record carries the evidence's place in the
    text (``evidence_spans``) and, for model suggestions, the newest model's cross-validated
    precision and recall for the code.
    """
    if status is not None and status not in STATUSES:
        raise InputError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    if order not in ORDERS:
        raise InputError(f"order {order!r} is not one of {', '.join(ORDERS)}")
    limit = check_limit(limit, code="suggestion.limit", message="limit {limit!r} is not a number of suggestions; "
                        "give --limit 1 or more, or leave it out for every one")
    with db.session() as session:
        query = select(Suggestion).join(Segment, Suggestion.segment_id == Segment.id)
        if status is not None:
            query = query.where(Suggestion.status == status)
        if status in (None, "pending"):
            query = query.where(~_coded_by_hand(current()))
        if status == "pending":  # one on a retired code or a category could never be accepted
            query = query.join(Code, Suggestion.code_id == Code.id).where(Code.retired.is_(False),
                                                                          Code.codable.is_(True))
        if source is not None:
            query = query.where(Segment.source_id == find_source(session, source).id)
        excluded = [str(a) for a in exclude_actors or ()]
        if excluded:
            from .store import Speaker

            query = query.outerjoin(Speaker, Segment.speaker_id == Speaker.id).where(
                or_(Speaker.actor.is_(None), Speaker.actor.not_in(excluded)))
        if order == "score":
            query = query.order_by(Suggestion.score.desc(), Suggestion.id)
            if limit is not None:
                query = query.limit(limit)
            rows = list(session.scalars(query))
        else:
            thresholds = _model_thresholds(session)

            def distance(s: Suggestion) -> float:
                # against the threshold of the part that made it: the e5 model's, or its TF-IDF part's
                kind = _model_kind(s.method)
                cut = thresholds.get(kind, {}).get(s.code_id, 0.5) if kind != "lexicon" else 0.5
                return abs(s.score - cut)

            rows = sorted(session.scalars(query), key=lambda s: (distance(s), s.id))[:limit]
        quality = _model_quality(session)
        return [_suggestion_record(session, s, quality) for s in rows]


def _coded_by_hand(who: Any) -> Any:
    """SQL condition: the suggestion is pending and ``who`` (the acting coder) has applied its code
    to its turn already, on a span overlapping the suggestion's (or the whole turn)."""
    name = who.name if who is not None else None
    coder_id = select(User.id).where(User.name == name).scalar_subquery()
    overlaps = or_(Suggestion.start_char.is_(None), Suggestion.end_char.is_(None),
                   (Coding.start_char < Suggestion.end_char) & (Suggestion.start_char < Coding.end_char))
    return (Suggestion.status == "pending") & select(Coding.id).where(
        Coding.segment_id == Suggestion.segment_id, Coding.code_id == Suggestion.code_id,
        Coding.coder_id == coder_id, overlaps).exists()


MIN_FIGURE_ROWS = 5  # a lexicon's precision (recall) is shown from this many hits (coded texts) on


def _model_quality(session: Session) -> dict[str, dict[str, dict]]:
    """The newest trained model's figures per code (empty if none): ``model`` = {code: {precision,
    recall, ...}} cross-validated (cross-fitted thresholds), ``model-tfidf`` = the same of its
    TF-IDF part (which makes the suggestions where e5 cannot be computed, method ``model-tfidf``;
    empty for a model stored before they were: no figures rather than the e5 model's),
    ``lexicon`` = {code: {precision, recall}} of the code's lexicon on the coded training texts
    (precision = right hits / hits, recall = right hits / texts coded with it), each None when it
    rests on fewer than ``MIN_FIGURE_ROWS`` hits (coded texts): one right hit of one is no 100 %;
    and precision None when no text is coded with the code (nothing to judge its hits by).
    Recall is missing for models trained before it was stored."""
    info = session.scalars(select(TrainedModel.info).order_by(TrainedModel.id.desc()).limit(1)).first() or {}
    model = {str(k): v for k, v in (info.get("cv") or {}).items() if isinstance(v, dict)}
    tfidf = {str(k): v for k, v in (info.get("tfidf_cv") or {}).items() if isinstance(v, dict)}
    lexicon = {}
    for code, v in (info.get("lexicon_precision") or {}).items():
        if not isinstance(v, dict):
            continue
        hits, positives, right = v.get("hits") or 0, v.get("positives") or 0, v.get("correct") or 0
        # a code nobody has coded yet gives no figure: its lexicon's hits cannot be judged ("0 %" read
        # as "always wrong")
        lexicon[str(code)] = {"precision": right / hits if hits >= MIN_FIGURE_ROWS and positives else None,
                              "recall": right / positives if positives >= MIN_FIGURE_ROWS else None}
    return {"model": model, "model-tfidf": tfidf, "lexicon": lexicon}


def _model_kind(method: str | None) -> str:
    """Which part made a suggestion: ``model-tfidf`` (the model's TF-IDF part, ``model-tfidf`` and
    ``model-tfidf+lexicon``), ``model`` (``model``, ``model+lexicon``), else ``lexicon``."""
    from .suggest.service import TFIDF_METHOD, by_model_classifier  # (here: coding never needs numpy)

    m = method or ""
    return TFIDF_METHOD if TFIDF_METHOD in m else "model" if by_model_classifier(m) else "lexicon"


def _figures_for(quality: dict[str, dict[str, dict]], code: str, method: str | None) -> dict:
    """The figures shown beside a suggestion: those of the part that made it -- the model's
    cross-validated ones for a model hit (``model``, ``model+lexicon``), its TF-IDF part's for a
    hit of that part (``model-tfidf``...), the lexicon's measured ones for a lexicon hit
    (``lexicon``, the fallback for a code with too few examples)."""
    return (quality.get(_model_kind(method)) or {}).get(code, {})


def _model_thresholds(session: Session) -> dict[str, dict[str, float]]:
    """Per-code decision thresholds of the newest trained model (empty if none), by the part
    that made a suggestion: ``model`` and ``model-tfidf`` (its TF-IDF part; empty for a model
    stored before they were)."""
    info = session.scalars(select(TrainedModel.info).order_by(TrainedModel.id.desc()).limit(1)).first() or {}
    return {kind: {str(k): float(v) for k, v in (info.get(key) or {}).items()}
            for kind, key in (("model", "thresholds"), ("model-tfidf", "tfidf_thresholds"))}


def _origin_of(method: str) -> str:
    from .suggest.service import by_model_classifier

    return "model" if by_model_classifier(method) else "lexicon"


def _pending(session: Session, suggestion_id: Any) -> Suggestion:
    sid = _int_id(suggestion_id, "suggestion")
    # lock the row: of two coders deciding at once, the second waits and then sees the decision
    s = session.scalar(select(Suggestion).where(Suggestion.id == sid).with_for_update()
                       .execution_options(populate_existing=True))
    if s is None:
        raise NotFound(f"no suggestion with id {sid}; see the pending ones with `workbench review`",
                       code="suggestion.not_found", id=sid)
    if s.status != "pending":
        who = session.get(User, s.decided_by).name if s.decided_by else "someone"
        raise WorkbenchError(f"suggestion {sid} was already {s.status} by {who}; "
                             "only pending suggestions can be accepted or rejected",
                             code="suggestion.decided", id=sid, status=s.status, who=who)
    return s


def _hold_suggestion_codes(session: Session, suggestion_ids: Iterable[int]) -> None:
    """Hold the codes of all these suggestions (:func:`_hold_codes`: one call, in id order) before
    any of them is accepted, as a merge takes them, rather than one by one in the order of the ids.
    A merge that committed between reading a suggestion's code and holding it has moved the
    suggestion to NEW: its new code is held too (read again until every code read is held)."""
    ids = list(dict.fromkeys(suggestion_ids))
    for _ in range(3):
        code_ids = {c for i in range(0, len(ids), 500)
                    for c in session.scalars(select(Suggestion.code_id).where(Suggestion.id.in_(ids[i:i + 500])))}
        if code_ids <= session.info.get("shared_codes", set()):
            return
        _hold_codes(session, code_ids)


def _accept(tx: Transaction, suggestion_id: Any, version_id: int | None) -> tuple[Coding, AuditEvent]:
    # the suggestion's code is held before the suggestion (the order a merge takes them in): a merge
    # running now either moves the suggestion first (then it is accepted under NEW) or waits for it
    session, sid = tx.session, _int_id(suggestion_id, "suggestion")
    for _ in range(3):
        code_id = session.scalar(select(Suggestion.code_id).where(Suggestion.id == sid))
        code = session.get(Code, code_id) if code_id is not None else None
        if code is not None:
            try:
                _lock_code(session, code)
            except NotFound:
                pass
        s = _pending(session, suggestion_id)
        if s.code_id == code_id:
            break  # else moved by a merge meanwhile: hold its new code too
    seg = s.segment
    span = None
    if s.start_char is not None and s.end_char is not None:
        span = (s.start_char - seg.start_char, s.end_char - seg.start_char)
    try:
        coding, _ = _apply(tx, seg, session.get(Code, s.code_id), tx.user, span=span, memo=None,
                           origin=_origin_of(s.method), suggestion_id=s.id, version_id=version_id)
    except WorkbenchError as exc:
        raise exc.retitled(f"suggestion {s.id}") from None
    if coding.suggestion_id is None:  # the coder had already applied it by hand
        coding.suggestion_id = s.id
    s.status, s.decided_by, s.decided_at = "accepted", tx.user.id, utcnow()
    event = tx.audit("accept", "suggestion", s.id, {"coding_id": coding.id, "code": s.code_id,
                                                    "method": s.method, "score": s.score})
    return coding, event


def _reject(tx: Transaction, suggestion_id: Any) -> tuple[Suggestion, AuditEvent]:
    s = _pending(tx.session, suggestion_id)
    s.status, s.decided_by, s.decided_at = "rejected", tx.user.id, utcnow()
    return s, tx.audit("reject", "suggestion", s.id, {"code": s.code_id, "method": s.method, "score": s.score})


@requires("code")
def accept_suggestion(db: Database, suggestion_id: int, *, user: str | None) -> CodingRecord:
    """Accept a pending suggestion: it becomes a coding by the acting user with origin lexicon/model."""
    with db.transaction(user) as tx:
        coding, event = _accept(tx, suggestion_id, _latest_version_id(tx.session))
        tx.session.flush()
        return _record(tx.session, coding, event)


@requires("code")
def reject_suggestion(db: Database, suggestion_id: int, *, user: str | None) -> SuggestionRecord:
    """Reject a pending suggestion. It stays in the table (status rejected) as training signal."""
    with db.transaction(user) as tx:
        s, event = _reject(tx, suggestion_id)
        tx.session.flush()
        return _suggestion_record(tx.session, s, event=event)


@requires("code")
def review_suggestions(db: Database, *, user: str | None, accept: Sequence[int] = (),
                       reject: Sequence[int] = ()) -> tuple[list[CodingRecord], list[SuggestionRecord]]:
    """Accept and reject several suggestions in one transaction (all decisions or none).

    ``accept`` and ``reject`` are lists (or tuples or sets) of suggestion ids; anything else (a
    string such as ``"12"``, a single number) is refused, never read one character at a time."""
    for what, ids in (("accept", accept), ("reject", reject)):
        if not isinstance(ids, (list, tuple, set, frozenset)):
            raise InputError(f"{what}={ids!r} is not a list of suggestion ids; give a list, e.g. {what}=[12]",
                             code="suggestion.ids", what=what, value=repr(ids))
    accept, reject = [_int_id(i, "suggestion") for i in accept], [_int_id(i, "suggestion") for i in reject]
    both = sorted(set(accept) & set(reject))
    if both:
        raise InputError(f"suggestion {both[0]} is both accepted and rejected; choose one")
    with db.transaction(user) as tx:
        version_id = _latest_version_id(tx.session)
        _hold_suggestion_codes(tx.session, accept)  # all their codes first, in id order
        accepted = [_accept(tx, sid, version_id) for sid in dict.fromkeys(accept)]
        rejected = [_reject(tx, sid) for sid in dict.fromkeys(reject)]
        tx.session.flush()
        return ([_record(tx.session, c, event) for c, event in accepted],
                [_suggestion_record(tx.session, s, event=event) for s, event in rejected])


# --------------------------------------------------------------------------------------------
# Undo, from the audit trail

UNDOABLE = ("code", "uncode", "accept", "reject", "consensus")
# The target type that the ``consensus`` entries of a turn get when its first consensus is undone:
# they stay in the audit trail but no longer make the turn a consensus turn
# (``agreement.consensus_turn_condition`` counts target type ``segment`` only).
UNDONE_SEGMENT = "undone_segment"
_AGAIN = "undo again to undo the action before it"


@requires("code")
def undo_mark(db: Database, *, user: str | None) -> int:
    """The newest audit event's id: give it to ``undo_last(since=...)`` so that undo reaches
    back only to actions taken after this point (the app keeps its own actions' events instead:
    ``undo_last(events=...)``)."""
    with db.session() as session:
        return int(session.scalar(select(func.max(AuditEvent.id))) or 0)


def _coding_at(session: Session, source: str, turn: int, code: str, coder: str,
               start: int, end: int) -> Coding | None:
    return session.scalar(
        select(Coding).join(Segment, Coding.segment_id == Segment.id).join(Source, Segment.source_id == Source.id)
        .join(User, Coding.coder_id == User.id)
        .where(Source.file_name == source, Segment.index == turn, Coding.code_id == code, User.name == coder,
               Coding.start_char == start, Coding.end_char == end))


# The codebook changes that move codings from one code to another (``workbench.codebook.store``):
# ``codebook merge`` and ``codebook move-codings``. Their audit entries name OLD and NEW and, since
# this version, the codings dropped as duplicates and the coding each was folded into (``folded``).
CODE_MOVES = ("merge_codes", "move_codings")


@dataclass
class _Trail:
    """Where the coding an audit entry is about stands now, after the merges and moves since it."""

    code: str                       # the code it is under now
    coding_id: int | None           # the coding row that stands for it now
    moves: list[AuditEvent] = field(default_factory=list)  # the merges/moves that took it there
    folded: AuditEvent | None = None  # the first move that made it one with another coding (a duplicate)


def _follow_moves(session: Session, event_id: int, code: str, coding_id: int | None) -> _Trail:
    """Follow a coding of ``code`` (row ``coding_id``; None: a coding not in the database, as one an
    ``uncode`` removed) through the merges and moves recorded after audit entry ``event_id``: the
    code it is under now and the row that stands for it (a duplicate a merge dropped: the coding
    it was folded into). A move recorded before moves kept their folds cannot say which coding a
    duplicate went into: the row is then left as it was, which the caller does not find (see
    :func:`_undo_code`)."""
    trail = _Trail(code, coding_id)
    for ev in session.scalars(select(AuditEvent).where(AuditEvent.action.in_(CODE_MOVES), AuditEvent.id > event_id)
                              .order_by(AuditEvent.id)):
        d = ev.detail or {}
        if d.get("old") != trail.code or not d.get("new"):
            continue
        trail.moves.append(ev)
        into = {int(a): int(b) for a, b in d.get("folded") or []}.get(trail.coding_id) \
            if trail.coding_id is not None else None
        if into is not None:
            trail.coding_id = into
            trail.folded = trail.folded or ev
        trail.code = d["new"]
    return trail


def _target_coding(event: AuditEvent) -> int | None:
    return int(event.target_id) if event.target_type == "coding" and str(event.target_id or "").isdigit() else None


def _taken_back(session: Session) -> set[int]:
    """The ``code`` and ``accept`` audit entries that an undo has dealt with (by anyone)."""
    done: set[int] = set()
    for detail in session.scalars(select(AuditEvent.detail).where(AuditEvent.action == "undo")):
        if (detail or {}).get("action") in ("code", "accept"):
            done.update(int(i) for i in detail.get("events") or [])
    return done


def _shared_with(session: Session, row_id: int, mine: int | None, folded: AuditEvent | None,
                 undoing: Iterable[int] = ()) -> tuple[AuditEvent, str | None] | None:
    """The move after which coding row ``row_id`` stands for another coding too, one whose action
    is not undone: a duplicate a merge folded into it, or (``folded``: the coding ``mine`` of the
    action being undone was folded into it) the coding it was folded into. That coding's own
    action has not been taken back, so the row must stay. Returns that move and the code the other
    coding was made with (None when no audit entry says). None when the row stands for ``mine``
    alone, or for codings whose actions have all been undone (or are being undone now: ``undoing``,
    the ``code`` entries of the action being undone, a CSV import's all)."""
    kept_of: dict[int, int] = {}
    dropped_by: dict[int, AuditEvent] = {}
    # folds into an earlier coding that had this id (SQLite gives a deleted highest id out again) do not count
    born = session.scalar(select(func.max(AuditEvent.id)).where(
        AuditEvent.action == "code", AuditEvent.target_type == "coding", AuditEvent.target_id == str(row_id))) or 0
    for ev in session.scalars(select(AuditEvent).where(AuditEvent.action.in_(CODE_MOVES)).order_by(AuditEvent.id)):
        for a, b in (ev.detail or {}).get("folded") or []:
            if int(b) == row_id and ev.id < born:
                continue
            kept_of[int(a)], dropped_by[int(a)] = int(b), ev

    def ends_in(cid: int) -> int:
        seen: set[int] = set()
        while cid in kept_of and cid not in seen:
            seen.add(cid)
            cid = kept_of[cid]
        return cid

    members = [(cid, dropped_by[cid]) for cid in kept_of if cid != mine and ends_in(cid) == row_id]
    if folded is not None and row_id != mine:
        members.append((row_id, folded))
    if not members:
        return None
    taken = _taken_back(session) | set(undoing)
    for cid, move in members:
        query = select(AuditEvent).where(AuditEvent.action == "code", AuditEvent.target_type == "coding",
                                            AuditEvent.target_id == str(cid))
        if cid in dropped_by:
            query = query.where(AuditEvent.id < dropped_by[cid].id)
        made = session.scalars(query.order_by(AuditEvent.id.desc()).limit(1)).first()
        if made is None or made.id not in taken:  # (a coding no undo can take back: a .qdpx import's, a consensus)
            return move, (made.detail or {}).get("code") if made is not None else None
    return None


def _put_back_memos(tx: Transaction, coding: Coding, memos: list[dict[str, Any]]) -> int:
    """The memos of a removed coding, as its ``uncode`` event keeps them, back on the coding
    (author, text, time, and its old id when no other memo has it now: so the ``code`` action that
    wrote a memo still knows it as its own, see :func:`_action_memos`); a memo the coding has
    again already is not doubled. Returns how many."""
    session = tx.session
    have = set(session.scalars(select(Memo.text).where(Memo.coding_id == coding.id)))
    n = 0
    for m in memos:
        if m["text"] in have:
            continue
        old_id = m.get("id") if m.get("id") is not None and session.get(Memo, int(m["id"])) is None else None
        memo = Memo(id=old_id, author_id=_find_user(session, m["author"]).id, text=m["text"], coding_id=coding.id,
                    created_at=dt.datetime.fromisoformat(m["created_at"]) if m.get("created_at") else utcnow())
        session.add(memo)
        session.flush()
        tx.audit("memo", "coding", coding.id, {"memo_id": memo.id})
        have.add(m["text"])
        n += 1
    return n


def _group(session: Session, event: AuditEvent, undone: set[int]) -> list[AuditEvent]:
    """The events of the action that ``event`` is part of, oldest first: the ``uncode`` events of
    one ``remove_code`` call, and the ``code`` events of one ``code_from_csv`` import, share a
    ``group`` (see there); any other action is ``event`` alone."""
    group = (event.detail or {}).get("group")
    if group is None:
        return [event]
    return [ev for ev in session.scalars(select(AuditEvent).where(
        AuditEvent.user_id == event.user_id, AuditEvent.action == event.action, AuditEvent.id >= int(group))
        .order_by(AuditEvent.id)) if (ev.detail or {}).get("group") == group and ev.id not in undone]


def _put_back(tx: Transaction, event: AuditEvent, code_id: str | None = None) -> int:
    """The coding an ``uncode`` event removed, back as it was (its id when free, origin, when it was
    made, memos, the suggestion it was accepted from), under its code even if that code has been
    retired since; ``code_id``: the code its code was merged into (or its codings moved to) since,
    where it goes instead (onto the coder's coding there when they have one on that span: its memos
    join it). An ``uncode`` event recorded before removals kept ``created_at`` has no time:
    such a coding comes back made now. Returns how many memos came back."""
    session, d = tx.session, event.detail or {}
    segment = find_segment(session, d["source"], d["turn"])
    span = None if d.get("start") is None else (d["start"], d["end"])
    coder = _find_user(session, d["coder"])
    code = session.get(Code, code_id or d["code"])
    if code is None:  # deleted since: a codebook load drops a code that nothing uses any more
        raise WorkbenchError(f"cannot undo uncode (audit event {event.id}): code {d['code']!r} has been "
                             "deleted from the codebook since; put it back in the codebook file, load it "
                             "and undo again", code="undo.changed", action=event.action, event=event.id,
                             code_id=d["code"])
    old_id = int(event.target_id) if event.target_id and str(event.target_id).isdigit() else None
    suggestion_id = d.get("suggestion_id")
    if suggestion_id is not None and session.get(Suggestion, int(suggestion_id)) is None:
        suggestion_id = None
    coding, _ = _apply(tx, segment, code, coder, span=span, memo=None, origin=d.get("origin") or "manual",
                       suggestion_id=suggestion_id, version_id=_latest_version_id(session), restore=True,
                       coding_id=old_id, created_at=_utc(d.get("created_at")))
    if suggestion_id is not None and coding.suggestion_id is None:
        coding.suggestion_id = suggestion_id
    return _put_back_memos(tx, coding, d.get("memos") or [])


class UndoSkipped(WorkbenchError):
    """``undo_last`` passed over an action it does not take back (``code`` says why: a colleague
    changed it since, it carries a colleague's memo, its turn was withdrawn). The action counts as
    dealt with, so the next undo goes on to the one before it: a notice, not a failure."""


class _Skipped(Exception):
    """An action that undo does not take back (someone changed it since, or it carries a
    colleague's work): ``undo_last`` marks it as dealt with and raises ``error``, which says why."""

    def __init__(self, error: WorkbenchError):
        super().__init__(str(error))
        self.error = error


def _label(session: Session, code_id: str) -> str:
    code = session.get(Code, code_id)
    return code.label if code is not None and code.label else code_id


def _memo_authors(session: Session, coding: Coding, own: set[int] | frozenset[int] = frozenset()) -> list[str]:
    """Who has written memos on ``coding`` that the action being undone did not write: any user,
    the acting one too (a reflection written on one's own coding afterwards is work of its own,
    which an undo must not delete unasked). ``own``: ids of memos the action wrote (``workbench
    code --memo``, a CSV import's memos, credited to the rows' coders: :func:`_action_memos`),
    which go with it."""
    query = select(User.name).join(Memo, Memo.author_id == User.id).where(Memo.coding_id == coding.id)
    if own:
        query = query.where(Memo.id.not_in(sorted(own)))
    return sorted(set(session.scalars(query)))


def _own_memos(session: Session, event: AuditEvent) -> set[int]:
    """The ids of the memos that the grouped action of ``event`` wrote: a ``code_from_csv`` import
    tags its ``memo`` events with the group of its ``code`` events (see there)."""
    group = (event.detail or {}).get("group")
    if group is None:
        return set()
    return {int(d["memo_id"]) for d in (ev.detail or {} for ev in session.scalars(select(AuditEvent).where(
        AuditEvent.user_id == event.user_id, AuditEvent.action == "memo", AuditEvent.id >= int(group))))
        if d.get("group") == group and d.get("memo_id") is not None}


def _action_memos(session: Session, event: AuditEvent, group: list[AuditEvent]) -> set[int]:
    """The ids of the memos a ``code`` action wrote with its codings: a CSV import's
    (:func:`_own_memos`) and the memo of ``apply_code(memo=...)`` (``workbench code --memo``),
    which its ``code`` event names (``memo_id``, recorded since this version; an older one's memo
    counts as written afterwards, so that undo keeps it)."""
    return _own_memos(session, event) | {int(d["memo_id"]) for d in (ev.detail or {} for ev in group)
                                         if d.get("memo_id") is not None}


def _memos_kept(session: Session, ev: AuditEvent, coding: Coding, authors: list[str], me: User) -> _Skipped:
    d = ev.detail or {}
    source, turn, label = coding.segment.source.file_name, coding.segment.index, _label(session, coding.code_id)
    place = f"the coding {d.get('code') or coding.code_id!r} on turn {turn} of {source!r}"
    if authors == [me.name]:  # only one's own memos, written after the action
        return _Skipped(WorkbenchError(
            f"cannot undo {ev.action} (audit event {ev.id}): {place} has your memo on it, written after it was "
            f"coded, which undo would delete; the coding and the memo stay and this action is skipped ({_AGAIN}); "
            "remove the coding with `workbench uncode` if you want it gone (the audit trail keeps the memo, and "
            "undo then brings both back)", code="undo.own_memos", action=ev.action, event=ev.id, source=source,
            turn=turn, code_id=coding.code_id, label=label))
    return _Skipped(WorkbenchError(
        f"cannot undo {ev.action} (audit event {ev.id}): {place} has memos by {', '.join(authors)}, which "
        f"undo would delete; the coding stays and this action is skipped ({_AGAIN}); remove it with "
        "`workbench uncode` if you agree (undo then brings it back with the memos)",
        code="undo.others_memos", action=ev.action, event=ev.id, source=source, turn=turn, code_id=coding.code_id,
        label=label, authors=", ".join(authors)))


def _merged_kept(session: Session, ev: AuditEvent, coding: Coding, move: AuditEvent, other: str | None) -> _Skipped:
    """The skip of undoing ``code`` event ``ev`` whose coding a merge (or move) has made one with
    another coding of the same coder on the same span, whose own action is not undone: the coding
    stays, for that one (:func:`_shared_with`); ``other``: the code that coding was made with."""
    d, m = ev.detail or {}, move.detail or {}
    who = session.scalar(select(User.name).where(User.id == move.user_id))
    old, new = m.get("old"), m.get("new")
    how = (f"merged the code {old!r} into {new!r}" if move.action == "merge_codes"
           else f"moved the codings of {old!r} to {new!r}")
    other = other or coding.code_id
    return _Skipped(WorkbenchError(
        f"cannot undo code (audit event {ev.id}): {who or 'someone'} has {how} since, which made {d['coder']}'s "
        f"coding {d['code']!r} on turn {d['turn']} of {d['source']!r} one coding with {d['coder']}'s coding "
        f"{other!r} of the same span, whose action is not undone; the coding stays, under {coding.code_id!r}, "
        f"and this action is skipped ({_AGAIN})", code="undo.merged_kept", action=ev.action, event=ev.id,
        source=d["source"], turn=d["turn"], coder=d["coder"], who=who, old=old, new=new,
        old_label=_label(session, old), new_label=_label(session, new), other=other,
        other_label=_label(session, other), code_id=coding.code_id, label=_label(session, coding.code_id)))


def _removed_since(session: Session, ev: AuditEvent, row_id: int | None = None) -> "_Skipped":
    """The skip of undoing ``code`` event ``ev`` whose coding someone removed since (named when audited);
    ``row_id``: the coding that stood for it after a merge folded it into another."""
    d = ev.detail or {}
    who = session.scalar(select(User.name).join(AuditEvent, AuditEvent.user_id == User.id).where(
        AuditEvent.action == "uncode", AuditEvent.target_type == "coding",
        AuditEvent.target_id.in_({str(ev.target_id), str(row_id)} - {"None"}),
        AuditEvent.id > ev.id).order_by(AuditEvent.id.desc()).limit(1))
    return _Skipped(WorkbenchError(
        f"cannot undo code (audit event {ev.id}): {who or 'someone'} removed the coding {d['code']!r} on turn "
        f"{d['turn']} of {d['source']!r} since, so there is nothing to take back; it is skipped ({_AGAIN})",
        code="undo.removed_since", action=ev.action, event=ev.id, source=d["source"], turn=d["turn"],
        code_id=d["code"], label=_label(session, d["code"]), who=who))


def _undo_code(tx: Transaction, event: AuditEvent, undone: set[int]) -> tuple[list[int], dict[str, Any]]:
    """Remove the coding(s) a ``code`` action made (all of a CSV import's), with the memos the action
    wrote on them (:func:`_action_memos`, recorded as ``removed_memos``). A coding removed since (by
    someone else) or carrying another memo (a colleague's, or the coder's own written afterwards)
    stays; when nothing can go, the action is skipped (``_Skipped``). Each coding is locked before
    its memos are looked at (``lock_row``), so a memo being saved now is seen.

    A coding whose code has been merged into another since (``codebook merge``, or its codings
    moved, ``codebook move-codings``) is followed there and removed from NEW. When the merge made
    it one with another coding of the same coder and span (a duplicate dropped), that coding's
    own action decides: not undone, the coding stays for it (``undo.merged_kept``, naming the
    merge); undone, the coding goes."""
    session, me = tx.session, tx.user
    group = _group(session, event, undone)
    own = _action_memos(session, event, group)
    gone: list[tuple[AuditEvent, int | None]] = []
    kept: list[tuple[AuditEvent, Coding, list[str]]] = []
    merged: list[tuple[AuditEvent, Coding, AuditEvent, str | None]] = []
    remove: list[tuple[AuditEvent, Coding]] = []
    trails: dict[int, _Trail] = {}
    # any merge or move since: a coding may have been moved, or made one with another coding
    moved_since = session.scalar(select(AuditEvent.id).where(AuditEvent.action.in_(CODE_MOVES),
                                                             AuditEvent.id > group[0].id).limit(1)) is not None
    for ev in group:
        d = ev.detail or {}
        trail = trails[ev.id] = _follow_moves(session, ev.id, d["code"], _target_coding(ev)) if moved_since \
            else _Trail(d["code"], _target_coding(ev))
        coding = _coding_at(session, d["source"], d["turn"], trail.code, d["coder"], d["start_char"], d["end_char"])
        if coding is not None:  # locked before its memos are counted: a memo written now is seen (and kept)
            coding = lock_row(session, Coding, coding.id)
        if coding is not None and moved_since:
            if trail.moves and coding.id != trail.coding_id:  # not the row this action made (folded unrecorded)
                share = (trail.folded or trail.moves[-1], None)
            else:
                share = _shared_with(session, coding.id, _target_coding(ev), trail.folded,
                                     [e.id for e in group])
            if share is not None:
                merged.append((ev, coding, *share))
                continue
        authors = _memo_authors(session, coding, own) if coding is not None else []
        if coding is None:
            gone.append((ev, trail.coding_id))
        elif authors:
            kept.append((ev, coding, authors))
        else:
            remove.append((ev, coding))
    if not remove:
        if merged:
            raise _merged_kept(session, *merged[0])
        if kept:
            raise _memos_kept(session, *kept[0], me)
        raise _removed_since(session, *gone[0])
    # one row per coding: two codings of a CSV import that a merge made one go as one
    rows = list({coding.id: coding for _, coding in remove}.values())
    # the memos that go with them (the action's own: any other keeps its coding, above), in the audit
    # each with its source and turn: an import's codings span many turns and sources, and ``forget``
    # and ``remove-source`` erase the memos of the turns they erase one by one
    removed_memos = [{**m, "source": coding.segment.source.file_name, "turn": coding.segment.index}
                     for coding in rows for m in _memo_details(session, coding.id)]
    deleted = sum(_delete_coding(session, coding) for coding in rows)  # one removed meanwhile stays gone
    if not deleted:  # every one was removed by someone else meanwhile: nothing was taken back
        if merged:
            raise _merged_kept(session, *merged[0])
        if kept:
            raise _memos_kept(session, *kept[0], me)
        raise _removed_since(session, remove[0][0])
    d = group[0].detail or {}
    now = trails[group[0].id].code
    result = {"source": d["source"], "turn": d["turn"], "code": now, "memos": len(removed_memos),
              "codings": deleted, "kept": len(gone) + len(kept) + len(merged) + len(rows) - deleted}
    if removed_memos:
        result["removed_memos"] = removed_memos
    if now != d["code"]:
        result["was"] = d["code"]  # coded as that, merged (or moved) into ``code`` since
    if merged:
        result["merged"] = len(merged)  # of ``kept``: one with another coding by a merge, which stays
    if d.get("import"):
        result["import"] = d["import"]
    return [ev.id for ev in group], result


def _undo_uncode(tx: Transaction, event: AuditEvent, undone: set[int]) -> tuple[list[int], dict[str, Any]]:
    """Put back every coding one removal took (never on a withdrawn turn)."""
    session, d = tx.session, event.detail or {}
    removal = _group(session, event, undone)
    kept = [ev for ev in removal if _withdrawn_turn(session, ev) is None]
    # each under the code it is under now: a code merged since puts it back under NEW
    def codes_now() -> dict[int, str]:
        return {ev.id: _follow_moves(session, ev.id, (ev.detail or {}).get("code"), None).code for ev in kept}

    now = codes_now()
    while True:  # held, no merge of these codes can commit now; one that did meanwhile is followed too
        _hold_codes(session, set(now.values()) - {None})  # all at once, see _hold_codes
        again = codes_now()
        if again == now:
            break
        now = again
    memos = sum(_put_back(tx, ev, now[ev.id]) for ev in kept)
    result = {"source": d["source"], "turn": d["turn"], "code": now.get(event.id, d["code"]), "memos": memos,
              "codings": len(kept)}
    if result["code"] != d["code"]:
        result["was"] = d["code"]
    return [ev.id for ev in removal], result


def _undo_decision(tx: Transaction, event: AuditEvent) -> tuple[list[int], dict[str, Any]]:
    """Make an accepted or rejected suggestion pending again; an accept's coding goes with it
    (unless the coder had coded it by hand before: then the coding stays)."""
    session, me, d = tx.session, tx.user, event.detail or {}
    s = session.scalar(select(Suggestion).where(Suggestion.id == int(event.target_id)).with_for_update())
    wanted = "accepted" if event.action == "accept" else "rejected"
    code_id = d.get("code") or (s.code_id if s is not None else "?")
    if s is None:
        raise _Skipped(WorkbenchError(
            f"cannot undo {event.action} (audit event {event.id}): suggestion {event.target_id} ({code_id}) no longer "
            f"exists (its source was removed); it is skipped ({_AGAIN})", code="undo.suggestion_gone",
            action=event.action, event=event.id, code_id=code_id, label=_label(session, code_id)))
    seg = s.segment
    where = {"source": seg.source.file_name, "turn": seg.index}
    if s.status != wanted or s.decided_by != me.id:
        who = session.get(User, s.decided_by).name if s.decided_by else None
        raise _Skipped(WorkbenchError(
            f"cannot undo {event.action} (audit event {event.id}): suggestion {s.id} ({s.code_id}) on turn "
            f"{seg.index} of {seg.source.file_name!r} is {s.status} now{f' by {who}' if who else ''}; it is skipped "
            f"({_AGAIN})", code="undo.suggestion_changed", action=event.action, event=event.id,
            source=seg.source.file_name, turn=seg.index,
            code_id=s.code_id, label=_label(session, s.code_id), status=s.status, who=who))
    done, count = [event.id], 1
    if event.action == "accept":
        made = next((e.id for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action == "code", AuditEvent.target_id == str(d.get("coding_id")),
            AuditEvent.id < event.id).order_by(AuditEvent.id.desc()))
            if (e.detail or {}).get("suggestion_id") == s.id), None)
        coding = session.get(Coding, int(d["coding_id"])) if d.get("coding_id") is not None else None
        if coding is None or coding.suggestion_id != s.id:  # removed and put back under a new id
            coding = session.scalar(select(Coding).where(Coding.suggestion_id == s.id, Coding.coder_id == me.id)
                                    .order_by(Coding.id).limit(1))
        folded = None
        if coding is None and made is not None and d.get("coding_id") is not None:
            # a merge since dropped it as a duplicate of the coder's coding of NEW: that one stands for it
            trail = _follow_moves(session, made, s.code_id if d.get("code") is None else d["code"],
                                  int(d["coding_id"]))
            folded = trail.folded
            if folded is not None:
                coding = session.get(Coding, trail.coding_id)
        if coding is not None and made is not None:
            coding = lock_row(session, Coding, coding.id)  # before its memos are counted (see _uncode)
        if coding is not None and made is not None:
            authors = _memo_authors(session, coding)  # an accept writes no memo: every memo on it keeps it
            if authors:
                raise _memos_kept(session, event, coding, authors, me)
            mine = int(d["coding_id"]) if d.get("coding_id") is not None else coding.id
            if _shared_with(session, coding.id, mine, folded) is not None:
                count = 0  # a merge made it one with a coding of the coder that is not undone: it stays
                if coding.suggestion_id == s.id:
                    coding.suggestion_id = None
            elif not _delete_coding(session, coding):  # the coding the accept made; removed meanwhile: gone
                count = 0
            done.append(made)
        else:
            count = 0
            if coding is not None:
                coding.suggestion_id = None  # the coder had coded it by hand before: keep the coding
    else:
        count = 0
    s.status, s.decided_by, s.decided_at = "pending", None, None
    return done, {**where, "code": s.code_id, "memos": 0, "codings": count}


def _undo_consensus(tx: Transaction, event: AuditEvent) -> tuple[list[int], dict[str, Any]]:
    """Take back one ``agreement.record_consensus`` step as a whole: the konsensus codings of the
    turn are again those before it (a removed one back with its id and memos), recorded as a new
    ``consensus`` entry (``before``/``after``, ``undo``: the entry undone). Undoing a turn's first
    consensus leaves the turn without a recorded consensus: its consensus entries get the target
    type ``UNDONE_SEGMENT``. Skipped when a consensus recorded on the turn since still stands."""
    session, me, d = tx.session, tx.user, event.detail or {}
    segment = session.get(Segment, int(event.target_id))
    if segment is not None:  # a consensus being recorded on the turn now: wait for it, then see it
        lock_segment(session, segment.id)
    on_turn = (AuditEvent.action == "consensus", AuditEvent.target_type == "segment",
               AuditEvent.target_id == event.target_id)
    newer = list(session.scalars(select(AuditEvent).where(*on_turn, AuditEvent.id > event.id).order_by(AuditEvent.id)))
    taken_back = {(ev.detail or {}).get("undo") for ev in newer}
    later = [ev for ev in newer if (ev.detail or {}).get("undo") is None and ev.id not in taken_back]
    coder_id = session.scalar(select(User.id).where(User.name == CONSENSUS_CODER))
    now = sorted({c for c in session.scalars(select(Coding.code_id).where(
        Coding.segment_id == int(event.target_id), Coding.coder_id == coder_id))})
    if segment is None or later or now != sorted(d.get("after") or []):
        raise _Skipped(_consensus_changed(session, event, later[-1] if later else None, segment is None, now))
    # the step's own changes: the konsensus codings it applied and removed, audited just before it
    step = []
    for ev in session.scalars(select(AuditEvent).where(AuditEvent.user_id == event.user_id, AuditEvent.id < event.id)
                              .order_by(AuditEvent.id.desc()).limit(1000)):
        e = ev.detail or {}
        if not (ev.action in ("code", "uncode") and e.get("coder") == CONSENSUS_CODER
                and e.get("source") == d.get("source") and e.get("turn") == d.get("turn")):
            break
        step.append(ev)
    # the codes of the codings put back, held all at once (in id order, see _hold_codes): inserting
    # them one by one would take their rows' key locks in the step's order, against a merge's
    _hold_codes(session, {(ev.detail or {}).get("code") for ev in step if ev.action == "uncode"} - {None})
    memos = 0
    for ev in step:  # newest first
        e = ev.detail or {}
        if ev.action == "code":
            coding = _coding_at(session, e["source"], e["turn"], e["code"], e["coder"], e["start_char"], e["end_char"])
            if coding is not None:
                _uncode(tx, coding)  # its memos (if any) stay in the audit trail
        else:
            memos += _put_back(tx, ev)
    restored = sorted(d.get("before") or [])
    detail = {"source": d.get("source"), "turn": d.get("turn"), "before": sorted(d.get("after") or []),
              "after": restored, "by": me.name, "undo": event.id}
    first = session.scalar(select(AuditEvent.id).where(*on_turn, AuditEvent.id < event.id).limit(1)) is None
    if first:  # the turn had no recorded consensus before this step, and has none again
        session.execute(update(AuditEvent).where(*on_turn).values(target_type=UNDONE_SEGMENT))
        tx.audit("consensus", UNDONE_SEGMENT, event.target_id, detail)
    else:
        tx.audit("consensus", "segment", event.target_id, detail)
    return [event.id], {"source": d.get("source"), "turn": d.get("turn"), "code": ",".join(restored),
                        "consensus": None if first and not restored else restored,
                        "undone": sorted(d.get("after") or []), "memos": memos, "codings": len(step)}


def _consensus_changed(session: Session, event: AuditEvent, later: AuditEvent | None, gone: bool,
                       now: list[str]) -> WorkbenchError:
    """Why the consensus step ``event`` cannot be undone, naming what happened to the turn's agreed
    coding since and who did it (from the audit trail):

    * ``undo.consensus_changed``: ``who`` recorded another consensus on the turn (``later``);
    * ``undo.consensus_merged``: ``who`` merged one of its codes (``old``) into another (``new``);
    * ``undo.consensus_removed`` / ``undo.consensus_added``: ``who`` removed a konsensus coding
      (``code_id``) of the turn by hand (``uncode --coder konsensus``), or put one back;
    * ``undo.consensus_gone``: the turn is no longer there (its source was removed);
    * ``undo.consensus_altered``: the turn's konsensus codings differ otherwise (``now``).
    """
    d = event.detail or {}
    source, turn_no = d.get("source"), d.get("turn")
    head = f"cannot undo consensus (audit event {event.id}): "
    turn = f"turn {turn_no} of {source!r}"
    tail = f"; it is skipped ({_AGAIN})"
    if later is not None:
        who = (later.detail or {}).get("by") or session.scalar(select(User.name).where(User.id == later.user_id))
        return WorkbenchError(f"{head}{who or 'someone'} has recorded another consensus on {turn} since, which "
                              f"stays{tail}", code="undo.consensus_changed", who=who, action=event.action,
                              event=event.id, source=source, turn=turn_no)
    if gone:
        return WorkbenchError(f"{head}{turn} is no longer in the database (its source was removed since), so there "
                              f"is no consensus to take back{tail}", code="undo.consensus_gone",
                              action=event.action, event=event.id, source=source, turn=turn_no)
    rows = session.execute(select(AuditEvent.action, AuditEvent.detail, User.name)
                           .join(User, AuditEvent.user_id == User.id)
                           .where(AuditEvent.id > event.id, AuditEvent.action.in_(("code", "uncode", "merge_codes")))
                           .order_by(AuditEvent.id.desc()).limit(5000))
    after = set(d.get("after") or [])
    for action, detail, name in rows:
        e = detail or {}
        if action == "merge_codes":
            if e.get("old") in after:
                old, new = e["old"], e.get("new")
                return WorkbenchError(
                    f"{head}{name} has merged the code {old!r} into {new!r} since, which moved the agreed coding of "
                    f"{turn} to {new!r}; the consensus stays as it is now{tail}", code="undo.consensus_merged",
                    who=name, old=old, new=new, old_label=_label(session, old), new_label=_label(session, new),
                    action=event.action, event=event.id, source=source, turn=turn_no)
        elif e.get("coder") == CONSENSUS_CODER and e.get("source") == source and e.get("turn") == turn_no:
            code_id = e.get("code")
            if action == "uncode":
                return WorkbenchError(
                    f"{head}{name} has removed the agreed code {code_id!r} from {turn} since, which stays "
                    f"removed{tail}", code="undo.consensus_removed", who=name, code_id=code_id,
                    label=_label(session, code_id), action=event.action, event=event.id, source=source,
                    turn=turn_no)
            return WorkbenchError(
                f"{head}{name} has added the code {code_id!r} to the agreed coding of {turn} since, which "
                f"stays{tail}", code="undo.consensus_added", who=name, code_id=code_id,
                label=_label(session, code_id), action=event.action, event=event.id, source=source,
                turn=turn_no)
    return WorkbenchError(f"{head}the agreed coding of {turn} has changed since (it is now "
                          f"{', '.join(now) or 'no code'}; the audit trail does not say by whom), and it "
                          f"stays{tail}", code="undo.consensus_altered", now=", ".join(now) or "-", action=event.action, event=event.id, source=source, turn=turn_no)


def _withdrawn_turn(session: Session, event: AuditEvent) -> tuple[str, Any] | None:
    """(source, turn) when ``event`` is about a turn whose speaker withdrew (``lifecycle.forget``
    marks such entries ``withdrawn``; a turn that reads "[trukket]" is one too), else None."""
    from .lifecycle import WITHDRAWN_TEXT

    d = event.detail or {}
    if d.get("withdrawn"):
        return d.get("source"), d.get("turn")
    if event.action == "uncode" and d.get("source") is not None and d.get("turn") is not None:
        try:
            segment = find_segment(session, d["source"], d["turn"])
        except WorkbenchError:
            return None
        if segment.text.strip() == WITHDRAWN_TEXT:
            return d["source"], d["turn"]
    return None


@requires("code")
def undo_last(db: Database, *, user: str | None, since: int | None = None,
              events: Iterable[int] | None = None) -> dict[str, Any]:
    """Undo the acting user's newest coding action that is not undone yet: a coding applied
    (removed again), a coding removed (put back as it was, with its origin, its created_at, its memos and the
    suggestion it was accepted from, under its code even if that code has been retired since; under
    the code it was merged into when it was merged since), a
    suggestion accepted (its coding removed, the suggestion pending again) or rejected (pending
    again), a CSV import (``code_from_csv``: every coding it made removed) or a consensus recorded
    (``agreement.record_consensus``: the turn's agreed coding back to what it was before, as a new
    ``consensus`` entry; see :func:`_undo_consensus`). ``events``: only these
    audit events (the ``event`` of the records that ``apply_code``, ``remove_code``,
    ``remove_coding``, ``accept_suggestion`` and ``reject_suggestion`` returned, and the ``event``
    of what ``agreement.record_consensus`` returned: what one app session did); ``since``: only
    actions after this audit event id (``undo_mark``). Each call
    undoes one more action, newest first; the undo itself is audited (action ``undo``) and is not
    undone. One user's undos run one at a time (their user row is locked), so that two windows
    never undo the same action twice.

    A removal of several codings at once (``remove_code``) is one action: one undo puts all of
    them back, each under its old id when no other coding has it now. The app's ``events`` may
    hold any of that removal's events (it keeps them all).

    Returns ``{"action", "source", "turn", "code", "event", "memos", "codings"}`` (``memos``: how
    many memos came back with removed codings, or, undoing a ``code`` action, how many memos it
    wrote with its codings went with them, their author, text and time in ``removed_memos``, which
    the undo's audit entry keeps; ``codings``: how many codings the undo put back or
    removed; ``code``: the code now, after merges), and ``was`` (the code the action was on, when
    a merge or ``move_codings`` has moved it since), ``kept`` (codings of an import left in place,
    see below; ``merged``: how many of them a merge made one with a coding whose action stands), ``import`` (the CSV
    file undone), ``consensus`` (the turn's agreed codes now; None: no consensus recorded) and
    ``undone`` (the codes of the consensus taken back; ``[]``: it recorded that no code applies)
    where they apply. NotFound (code ``undo.nothing``) when nothing is left to undo;
    ``undo.changed`` when a code has been deleted from the codebook since (nothing is changed:
    load it again and undo again).

    An action that cannot be taken back is skipped: the undo is audited as ``skipped``, nothing
    changes, the error says why, and the next undo goes on to the action before it. That is
    ``undo.removed_since`` (someone removed the coding since; ``who``), ``undo.merged_kept`` (a
    merge since made the coding one with another coding of the coder's on that span whose action
    stands; ``who`` merged ``old`` into ``new``, see :func:`_undo_code`), ``undo.others_memos``
    (colleagues, ``authors``, wrote memos on the coding that undo would delete: it stays),
    ``undo.own_memos`` (the acting user wrote a memo on it after the action: it stays with the memo),
    ``undo.suggestion_changed`` / ``undo.suggestion_gone``, ``undo.consensus_changed`` (a
    consensus recorded on the turn since stands; ``undo.consensus_merged``, ``_removed``,
    ``_added``, ``_gone``, ``_altered`` when the turn's agreed coding changed otherwise: a code
    merge, a konsensus coding removed or added by hand, the turn removed, see
    :func:`_consensus_changed`) and ``undo.withdrawn`` (the action was on a
    turn whose speaker has withdrawn, ``lifecycle.forget``: nothing is put back)."""
    with db.transaction(user) as tx:
        session, me = tx.session, tx.user
        # (NO KEY UPDATE: the user's other writes, whose audit rows and memos point at this row, go on)
        session.execute(select(User.id).where(User.id == me.id).with_for_update(key_share=True))
        undone: set[int] = set()
        for detail in session.scalars(select(AuditEvent.detail).where(AuditEvent.user_id == me.id,
                                                                      AuditEvent.action == "undo")):
            undone.update(int(i) for i in (detail or {}).get("events", []))
        query = (select(AuditEvent).where(AuditEvent.user_id == me.id, AuditEvent.action.in_(UNDOABLE),
                                          or_(AuditEvent.action != "consensus", AuditEvent.target_type == "segment"))
                 .order_by(AuditEvent.id.desc()))
        if since is not None:
            query = query.where(AuditEvent.id > int(since))
        if events is not None:
            query = query.where(AuditEvent.id.in_({int(i) for i in events}))
        event = None
        for ev in session.scalars(query):
            d = ev.detail or {}
            if ev.id in undone or (ev.action == "code" and d.get("suggestion_id") is not None):
                continue  # a coding made by accepting is undone with its "accept" event
            if ev.action in ("code", "uncode") and d.get("coder") == CONSENSUS_CODER:
                continue  # a consensus step's own changes are undone with its "consensus" event, as a whole
            event = ev
            break
        if event is None:
            raise NotFound("nothing to undo: no coding action of yours is left to undo", code="undo.nothing")
        d = event.detail or {}
        where = _withdrawn_turn(session, event)
        skipped: WorkbenchError
        if where is not None:
            # the turn was withdrawn (lifecycle.forget): nothing comes back on it; the entry counts
            # as dealt with, so the next undo goes on to the action before it
            tx.audit("undo", event.target_type, event.target_id, {
                "events": [event.id], "action": event.action, "source": where[0], "turn": where[1],
                "withdrawn": True, "memos": 0, "codings": 0})
            skipped = WorkbenchError(
                f"cannot undo {event.action} (audit event {event.id}): turn {where[1]} of {where[0]!r} was withdrawn "
                f"(workbench forget), so nothing is put back on it; {_AGAIN}",
                code="undo.withdrawn", action=event.action, event=event.id, source=where[0], turn=where[1])
        else:
            before = int(session.scalar(select(func.max(AuditEvent.id))) or 0)
            try:
                if event.action == "code":
                    done, result = _undo_code(tx, event, undone)
                elif event.action == "uncode":
                    done, result = _undo_uncode(tx, event, undone)
                elif event.action == "consensus":
                    done, result = _undo_consensus(tx, event)
                else:
                    done, result = _undo_decision(tx, event)
            except _Skipped as skip:
                skipped = skip.error
                p = skipped.params
                tx.audit("undo", event.target_type, event.target_id, {
                    "events": [event.id], "action": event.action, "source": p.get("source"), "turn": p.get("turn"),
                    "skipped": skipped.code, "memos": 0, "codings": 0})
            else:
                session.flush()
                done += [int(i) for i in session.scalars(select(AuditEvent.id).where(AuditEvent.id > before,
                                                                                    AuditEvent.user_id == me.id))]
                tx.audit("undo", event.target_type, event.target_id, {"events": done, "action": event.action,
                                                                      **result})
                return {"action": event.action, "event": event.id, **result}
    raise UndoSkipped(str(skipped), code=skipped.code, **skipped.params)


# --------------------------------------------------------------------------------------------
# Spans to code


def sentence_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence(s) of ``text`` that hold ``text[start:end]`` (``nlp.sentence_spans``, spaCy's
    rule-based sentencizer), without the surrounding white space: what a coder codes from a
    search hit."""
    from .nlp import sentence_spans

    hit = [(s, e) for s, e in sentence_spans(text) if e > start and s < max(end, start + 1)]
    return (hit[0][0], hit[-1][1]) if hit else (start, end)


HIT_UNITS = ("sentence", "match", "turn")


@requires("code")
def code_hit(db: Database, source: Any, turn: Any, code: str, start: int | None, end: int | None, *,
             user: str | None, unit: str = "sentence") -> CodingRecord:
    """Code a search hit (``start``/``end`` in the turn text, as ``workbench.search`` gives it):
    its ``unit`` = the sentence(s) holding it (default), the matched words only, or the whole
    turn. A sentence that is the whole turn is coded as the whole turn. For the sentence and the
    match, ``start``/``end`` must be numbers with 0 <= start < end <= the turn's length
    (InputError ``span.invalid`` otherwise). A hit in the turn's heading (``search --headings``:
    ``start``/``end`` None) codes the whole turn under it, whatever ``unit`` says."""
    if unit not in HIT_UNITS:
        raise InputError(f"unit {unit!r} is not one of {', '.join(HIT_UNITS)}")
    if start is None and end is None:
        unit = "turn"
    with db.session() as session:
        segment = find_segment(session, source, turn)
        text = segment.text
        if unit != "turn":  # the hit must lie in the turn, whatever is coded around it
            first, last = _span_to_source(segment, (start, end))
            start, end = first - segment.start_char, last - segment.start_char
    span: tuple[int, int] | None
    if unit == "turn":
        span = None
    elif unit == "match":
        span = (start, end)
    else:
        span = sentence_span(text, start, end)
    if span is not None and span[0] <= 0 and span[1] >= len(text):
        span = None
    return apply_code(db, source, turn, code, user=user, span=span)
