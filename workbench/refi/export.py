"""QDPX export: the whole project for NVivo, ATLAS.ti, MAXQDA, QualCoder (REFI-QDA 1.0).

``export_qdpx(db, path)`` writes a zip with ``project.qde`` (valid against Project-mrt2019.xsd)
and ``sources/<guid>.txt``, one UTF-8 plain text (no BOM) per source:

* ``Users``: the exporting user, every coder, memo author and ingesting user.
* ``CodeBook``: the codes with hierarchy, ``isCodable``, colour and the QDC description text
  (``id: ...``, definition, inclusion ...), with the QDC export's GUIDs; retired codes only when a
  coding or memo still uses them, marked by a second Description line "Tatt ut: ..." (they stay
  ``isCodable="true"``, since their codings are in the file). A category (``codable: false``) that
  still holds codings (a codebook load gave a coded code children) is written the same way:
  ``isCodable="true"`` and a second Description line "Kategori: ..." (``qdc.CATEGORY_LINE``); the
  returned path's ``notes`` say so for the summary.
* ``Variables``: kind, phase, pilot, county, date, language (sources); actor, organisation, pilot
  (cases; ``pilot`` is one variable for both).
* ``Cases``: one per person (pseudonym), with the variables and a ``SourceRef`` to every source
  the person speaks in.
* ``Sources``: a ``TextSource`` per source with its variables, one ``PlainTextSelection`` per
  coding (code points, half-open, into the exported text) holding a ``Coding`` by the coder, a
  selection over a turn that carries a memo, and ``NoteRef`` to the source's memos.
* ``Notes``: every memo as a ``Note`` (``PlainTextContent``), referred to by what it annotates:
  a coding's selection, a turn's selection, a source or a code.
* ``workbench/segments.json`` (outside the standard; other tools ignore files they do not know):
  each source's turns in exported offsets, with the speaker label as the text shows it, heading,
  times and page, and the SHA-1 of the text, so that a workbench importing the file keeps the
  turns as they were instead of detecting them again in the plain text.

Privacy: unless a researcher asks ``reveal`` (audited), every speaker label before a turn is
replaced by the person's pseudonym, everything else in the text (turns, preamble, headings) is
scrubbed (``sharing.roster_scrubber``), and so are source names and memo texts; cases are named by
pseudonym and carry no organisation. Scrubbing changes lengths, so the text is rebuilt piece by
piece and every source offset is mapped onto it (:class:`OffsetMap`): an offset in unchanged text
moves with it, a selection edge inside a replaced name moves to the outer edge of its placeholder
(the selection then covers the whole "[navn]"). With ``reveal`` the text is the stored canonical
text and offsets are unchanged.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os  # noqa: F401  (kept importable: tests patch os.replace through this module)
import re
import zipfile
from bisect import bisect_left, bisect_right
from pathlib import Path
from typing import Any, Iterable

from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import defer, selectinload

from ..access import current, requires
from ..codebook.qdc import description_text, normalise_color
from ..codebook.schema import specs_from_rows
from ..errors import InputError, WorkbenchError
from ..store import Code, Coding, Database, Memo, Pseudonym, Segment, Source, Speaker, User
from .common import (NS, ORIGIN, PROJECT_FILE, SEGMENTS_FILE, SEGMENTS_FORMAT, code_guid, internal_path, q,
                     source_member, stable_guid, xml_safe, xsd_errors)

__all__ = ["OffsetMap", "QdpxFile", "export_qdpx", "scrub_with_map"]


class QdpxFile(type(Path())):
    """The path :func:`export_qdpx` wrote, with ``notes``: Norwegian lines for the export's summary
    about what was written otherwise than the database holds it (a category with codings written
    as codable)."""

    notes: tuple[str, ...] = ()

SOURCE_VARIABLES = ("kind", "phase", "pilot", "county", "date", "language")
CASE_VARIABLES = ("actor", "organisation", "pilot")
_ISO_DATE = re.compile(r"\d{4}-\d\d-\d\d")


def _color(value: str | None) -> str | None:
    """A code's colour for ``Code/@color``: ``#rrggbb`` as stored (its case kept, so a round trip
    changes nothing), anything else (``#abc``, ``rgb(...)``) as ``#RRGGBB``."""
    if value and re.fullmatch(r"#[0-9A-Fa-f]{6}", value.strip()):
        return value.strip()
    return normalise_color(value)


def _iso_date(value: str) -> bool:
    """A valid xsd:date of the plain form YYYY-MM-DD (2023-02-30 is not)."""
    if not _ISO_DATE.fullmatch(value):
        return False
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        return False
    return True


# ------------------------------------------------------------------------------ offset map

Run = tuple[int, int, int, int, bool]   # (new_start, new_end, orig_start, orig_end, identity)


class OffsetMap:
    """The exported text of one source, built piece by piece, and the map from offsets in the
    stored text to offsets in it.

    The text is a sequence of *runs* that tile both texts in order: an identity run is text copied
    unchanged (offsets move by a constant); a replacement run stands for a stretch of the stored
    text as a whole (a name and its "[navn]", a speaker label and its pseudonym)."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._runs: list[Run] = []
        self._index: tuple[list[int], list[int]] | None = None
        self.new_len = 0
        self.orig_len = 0

    # building
    def keep(self, text: str) -> None:
        """Copy ``text`` of the stored text unchanged."""
        self.add(text, [(0, len(text), 0, len(text), True)] if text else [])

    def replace(self, orig_len: int, new_text: str) -> None:
        """``orig_len`` characters of the stored text become ``new_text`` (as a whole)."""
        self._add_run(orig_len, new_text, [(0, len(new_text), 0, orig_len, False)])

    def add(self, new_text: str, runs: Iterable[Run]) -> None:
        """A piece whose stored length is the ``orig_end`` of its last run: ``new_text`` with
        ``runs`` relative to the piece (as :func:`scrub_with_map` returns them)."""
        runs = list(runs)
        self._add_run(runs[-1][3] if runs else 0, new_text, runs)

    def _add_run(self, orig_len: int, new_text: str, runs: list[Run]) -> None:
        n0, o0 = self.new_len, self.orig_len
        for ns, ne, os_, oe, ident in runs:
            if ne == ns and oe == os_:
                continue
            last = self._runs[-1] if self._runs else None
            if (ident and last is not None and last[4] and last[1] == n0 + ns and last[3] == o0 + os_):
                self._runs[-1] = (last[0], n0 + ne, last[2], o0 + oe, True)   # merge identity runs
            else:
                self._runs.append((n0 + ns, n0 + ne, o0 + os_, o0 + oe, ident))
        self._parts.append(new_text)
        self._index = None
        self.new_len += len(new_text)
        self.orig_len += orig_len

    @property
    def text(self) -> str:
        if len(self._parts) > 1:
            self._parts = ["".join(self._parts)]
        return self._parts[0] if self._parts else ""

    # mapping
    def _bounds(self) -> tuple[list[int], list[int]]:
        if self._index is None:
            self._index = ([r[2] for r in self._runs], [r[3] for r in self._runs])
        return self._index

    def start(self, offset: int) -> int:
        """Where a selection starting at stored ``offset`` starts in the exported text."""
        offset = max(0, min(int(offset), self.orig_len))
        i = bisect_right(self._bounds()[1], offset)          # the first run that reaches past the offset
        if i >= len(self._runs):
            return self.new_len
        ns, ne, os_, oe, ident = self._runs[i]
        return ns + max(0, offset - os_) if ident else ns

    def end(self, offset: int) -> int:
        """Where a selection ending at stored ``offset`` (exclusive) ends in the exported text."""
        offset = max(0, min(int(offset), self.orig_len))
        j = bisect_left(self._bounds()[0], offset) - 1     # the last run that begins before the offset
        if j < 0:
            return 0
        ns, ne, os_, oe, ident = self._runs[j]
        return ns + (min(offset, oe) - os_) if ident else ne

    def span(self, start: int, end: int) -> tuple[int, int]:
        """A half-open stored span mapped onto the exported text (never reversed)."""
        s = self.start(start)
        e = self.end(end) if end > start else s
        return s, max(s, e)

    @classmethod
    def identity(cls, text: str) -> OffsetMap:
        m = cls()
        m.keep(text)
        return m


def _apply(runs: list[Run], cur_len: int, matches: list[tuple[int, int, str]]) -> list[Run]:
    """The runs of a text after replacing ``matches`` ((start, end, replacement) in the current
    text, in order, not overlapping) given the runs of the current text."""
    if not matches:
        return runs
    news = [r[0] for r in runs]

    def orig_lo(p: int) -> int:            # stored start of current character p
        r = runs[bisect_right(news, p) - 1]
        return r[2] + (p - r[0]) if r[4] else r[2]

    def orig_hi(p: int) -> int:            # stored end of current character p
        r = runs[bisect_right(news, p) - 1]
        return r[2] + (p - r[0]) + 1 if r[4] else r[3]

    def copy(a: int, b: int, shift: int, out: list[Run]) -> None:
        for ns, ne, os_, oe, ident in runs:
            lo, hi = max(a, ns), min(b, ne)
            if lo >= hi:
                continue
            if ident:
                out.append((lo + shift, hi + shift, os_ + lo - ns, os_ + hi - ns, True))
            else:
                out.append((lo + shift, hi + shift, os_, oe, False))

    out: list[Run] = []
    shift = pos = 0
    for s, e, rep in matches:
        copy(pos, s, shift, out)
        if e > s:
            out.append((s + shift, s + shift + len(rep), orig_lo(s), orig_hi(e - 1), False))
        shift += len(rep) - (e - s)
        pos = e
    copy(pos, cur_len, shift, out)
    return out


def scrub_with_map(scrubber, text: str) -> tuple[str, list[Run]]:
    """``scrubber.scrub(text)`` and its runs (see :class:`OffsetMap`): where each placeholder
    came from. The text returned is always exactly ``scrubber.scrub(text)``; should the
    substitutions not be traceable, the piece is one replacement run (offsets inside it move to
    its edges)."""
    if not text:
        return text, []
    expected = scrubber.scrub(text)
    if expected == text:
        return text, [(0, len(text), 0, len(text), True)]
    passes = scrubber.passes() if hasattr(scrubber, "passes") else None
    if passes is not None:
        cur, runs = text, [(0, len(text), 0, len(text), True)]
        for pattern, placeholder, condition in passes:
            # the condition is checked on the text as it is when the pass runs (one of the digit
            # passes may remove every digit before the next is considered)
            if not condition(cur):
                continue
            matches = [(m.start(), m.end(), placeholder) for m in pattern.finditer(cur)]
            if not matches:
                continue
            runs = _apply(runs, len(cur), matches)
            cur = pattern.sub(placeholder, cur)
        if cur == expected:
            return cur, runs
    return expected, [(0, len(expected), 0, len(text), False)]


# ------------------------------------------------------------------------------ exported text

from ..privacy import BOUNDARY_AFTER as _BOUNDARY_AFTER, BOUNDARY_BEFORE as _BOUNDARY_BEFORE  # noqa: E402


def _label_at(gap: str, label: str | None) -> int:
    """Where the speaker label of the following turn is in ``gap`` (the text between the previous
    turn and this one), or -1. The canonical layout is "[hh:mm:ss] Label: text"; otherwise the last
    whole-word occurrence of the label in the gap."""
    if not label:
        return -1
    if gap.endswith(label + ": "):
        return len(gap) - len(label) - 2
    found = -1
    for m in re.finditer(_BOUNDARY_BEFORE + re.escape(label) + _BOUNDARY_AFTER, gap):
        found = m.start()
    return found


def exported_text(text: str, segments: list[tuple], scrubber, *, bom_guard: bool = True) -> OffsetMap:
    """The exported text of one source and its offset map.

    ``segments``: (start, end, speaker label, pseudonym[, replacement]) in stored offsets. Without
    a scrubber (reveal) the text is copied unchanged. Otherwise each turn's label is replaced by
    its pseudonym (when one is given) and every other piece of text - turns, preamble, headings,
    times - is scrubbed; a turn with a ``replacement`` becomes that text as a whole (a withdrawn
    participant's "[trukket]", ``workbench.lifecycle``). ``bom_guard``: see the end."""
    out = OffsetMap()
    if scrubber is None:
        out.keep(text)
    else:
        def scrubbed(piece: str) -> None:
            new, runs = scrub_with_map(scrubber, piece)
            if piece and not runs:
                out.replace(len(piece), new)
            else:
                out.add(new, runs)

        cursor = 0
        n = len(text)
        for start, end, label, pseudonym, *rest in sorted(segments, key=lambda s: (s[0], s[1])):
            start = max(cursor, min(int(start), n))
            end = max(start, min(int(end), n))
            gap = text[cursor:start]
            at = _label_at(gap, label) if pseudonym else -1
            if at >= 0:
                scrubbed(gap[:at])
                out.replace(len(label), pseudonym)
                scrubbed(gap[at + len(label):])
            else:
                scrubbed(gap)
            if rest and rest[0] is not None:
                out.replace(end - start, rest[0])
            else:
                scrubbed(text[start:end])
            cursor = end
        scrubbed(text[cursor:])
    if bom_guard and out.text.startswith("\ufeff"):
        # U+FEFF first in a UTF-8 file reads as a byte order mark, which readers drop (and which the
        # spec does not want); the word joiner looks the same and keeps every offset
        out._parts = ["\u2060" + out.text[1:]]
    return out


# ------------------------------------------------------------------------------ XML helpers

def _when(value: dt.datetime | None) -> str | None:
    """xsd:dateTime in UTC ("2024-05-01T10:00:00Z"); a naive time is taken as UTC."""
    if value is None:
        return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.timezone.utc)
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _el(parent, tag: str, attrs: dict[str, Any] | None = None, text: str | None = None):
    el = etree.SubElement(parent, q(tag), {k: xml_safe(str(v)) for k, v in (attrs or {}).items()
                                           if v is not None and v != ""})
    if text is not None:
        el.text = xml_safe(text)
    return el


class _Guids:
    """Stable GUIDs, unique within one export: a key seen again gets "#2", "#3" ..."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], int] = {}

    def __call__(self, kind: str, key: str) -> str:
        n = self._seen.get((kind, key), 0) + 1
        self._seen[(kind, key)] = n
        return stable_guid(kind, key if n == 1 else f"{key}#{n}")


def _unique_names(names: dict[int, str]) -> dict[int, str]:
    """Scrubbed source names that clash get " (kilde <id>)"."""
    count: dict[str, int] = {}
    for n in names.values():
        count[n] = count.get(n, 0) + 1
    return {i: (f"{n} (kilde {i})" if count[n] > 1 else n) for i, n in names.items()}


# ------------------------------------------------------------------------------ export

@requires("view_transcripts")  # whole transcripts (scrubbed): researchers, not report authors
def export_qdpx(db: Database, path: str | Path, *, reveal: bool = False, user: str | None = None) -> QdpxFile:
    """Write the project as a REFI-QDA ``.qdpx`` archive at ``path``; returns the path.

    Speakers are pseudonyms, texts, source names and memos are scrubbed, and organisations left
    out, unless a researcher asks ``reveal`` (audited). GUIDs are stable across exports (see
    ``workbench.refi.common``). The archive is written beside ``path`` and moved into place, so a
    failed export leaves no partial file. Audited as ``export_qdpx``. The path returned has
    ``notes`` (:class:`QdpxFile`) for the summary."""
    from ..analysis.aggregate import check_reveal
    from ..sharing import pseudonym_map, roster_scrubber

    reveal = check_reveal(db, reveal, "export_qdpx")
    path = qdpx_path(path)
    who = current()
    exporter = who.name if who is not None else (user or "ukjent")
    names = pseudonym_map(db)            # also gives every speaker a pseudonym row
    scrubber = None if reveal else roster_scrubber(db)

    users: dict[str, str] = {}

    def user_guid(name: str | None) -> str | None:
        if not name:
            return None
        if name not in users:
            users[name] = stable_guid("user", name)
        return users[name]

    user_guid(exporter)
    counts = {"sources": 0, "codings": 0, "memos": 0, "cases": 0}
    notes: list[str] = []
    from ..export.writers import atomic_output

    # written to a hidden temporary file (0600: the transcripts) beside the target and moved into
    # place when complete; whatever fails, it is removed (never a copy of the transcripts left
    # behind) and an earlier file at the path stays as it was
    with atomic_output(path, "project file", private=True) as tmp:
        archive = _Archive(tmp)
        try:
            _build(db, archive, root_name=path.stem, reveal=reveal, exporter=exporter, names=names,
                   scrubber=scrubber, counts=counts, user_guid=user_guid, users=users, notes=notes)
        except BaseException:
            archive.discard()
            raise
        archive.close()

    with db.transaction(exporter) as tx:
        tx.audit("export_qdpx", "file", str(path),
                 {"format": "qdpx", **({"reveal": True} if reveal else {}), **counts, "files": [str(path)]})
    out = QdpxFile(path)
    out.notes = tuple(notes)
    return out


def _build(db: Database, archive: _Archive, *, root_name: str, reveal: bool, exporter: str,
           names: dict[str, str], scrubber, counts: dict[str, int], user_guid, users: dict[str, str],
           notes: list[str] | None = None) -> None:
    """Read the project in one session and write its texts and ``project.qde`` into ``archive``;
    lines for the summary go to ``notes``."""
    from ..sharing import speaker_key

    scrub = (lambda s: s) if reveal else scrubber.scrub
    guid = _Guids()
    with db.session() as s:
        user_names = dict(s.execute(select(User.id, User.name)).all())
        sources = list(s.scalars(select(Source).options(defer(Source.canonical_text))
                                 .order_by(Source.file_name)))
        segments: dict[int, list[Segment]] = {}
        for seg in s.scalars(select(Segment).options(selectinload(Segment.speaker))
                             .order_by(Segment.source_id, Segment.index)):
            segments.setdefault(seg.source_id, []).append(seg)
        seg_by_id = {seg.id: seg for segs in segments.values() for seg in segs}
        codings = list(s.scalars(select(Coding).order_by(Coding.segment_id, Coding.start_char, Coding.end_char,
                                                         Coding.code_id, Coding.coder_id, Coding.id)))
        memos = list(s.scalars(select(Memo).order_by(Memo.created_at, Memo.id)))
        code_rows = list(s.scalars(select(Code).order_by(Code.sort_order, Code.id)))
        speakers = s.execute(select(Speaker, Pseudonym).outerjoin(Pseudonym, Speaker.pseudonym_id == Pseudonym.id)
                             .order_by(Speaker.source_id, Speaker.id)).all()
        source_by_id = {src.id: src for src in sources}
        coding_by_id = {c.id: c for c in codings}

        # ---- who speaks: pseudonyms per speaker row, cases per person
        pseudonym_of: dict[int, str] = {}
        cases: dict[str, dict[str, Any]] = {}
        for sp, ps in speakers:
            src = source_by_id.get(sp.source_id)
            pilot = sp.pilot or (src.pilot if src is not None else None)
            key = speaker_key(sp.label, sp.actor, sp.organisation, pilot)
            label = ps.label if ps is not None else names.get(key) or "Deltaker"
            pseudonym_of[sp.id] = label
            case_key = f"{ps.actor_key}|{ps.number}" if ps is not None else f"key:{key}"
            case = cases.setdefault(case_key, {"name": sp.label if reveal else label, "actor": sp.actor,
                                               "organisation": sp.organisation if reveal else None,
                                               "pilot": pilot, "sources": []})
            if src is not None and src.file_name not in case["sources"]:
                case["sources"].append(src.file_name)

        # ---- codes: the current codebook, and retired codes still in use (with their parents)
        used = {c.code_id for c in codings} | {m.code_id for m in memos if m.code_id}
        by_id = {c.id: c for c in code_rows}
        keep = {c.id for c in code_rows if not c.retired} | (used & set(by_id))
        for cid in list(keep):
            parent = by_id[cid].parent_id
            while parent and parent in by_id and parent not in keep:
                keep.add(parent)
                parent = by_id[parent].parent_id
        specs = specs_from_rows([{"id": c.id, "label": c.label, "parent": c.parent_id,
                                  "definition": c.definition or "", "inclusion": c.inclusion or "",
                                  "exclusion": c.exclusion or "", "examples": list(c.examples or []),
                                  "theory": c.theory or "", "lexicon": list(c.lexicon or []),
                                  "color": c.color, "codable": bool(c.codable)}
                                 for c in code_rows if c.id in keep])
        retired_ids = {c.id for c in code_rows if c.id in keep and c.retired}
        # a category (codable: false) that still holds codings (a codebook load gave a coded code
        # children) is written codable, as a retired code is: importers (ours, NVivo) drop the
        # codings of a code that cannot be coded, so the file would lose them
        coded: dict[str, int] = {}
        for c in codings:
            coded[c.code_id] = coded.get(c.code_id, 0) + 1
        category_ids = {c.id for c in code_rows if c.id in keep and not c.codable and c.id in coded}
        if category_ids:
            counts["categories_with_codings"] = len(category_ids)
            listed = ", ".join(f"{cid} ({coded[cid]} koding{'er' if coded[cid] != 1 else ''})"
                               for cid in sorted(category_ids))
            n = len(category_ids)
            (notes if notes is not None else []).append(
                f"Merk: {n} {'kategorier' if n > 1 else 'kategori'} som ikke kan kodes har kodinger fra før: "
                f"{listed}. {'De' if n > 1 else 'Den'} er skrevet som kode som kan kodes (isCodable=\"true\"), "
                "med linjen «Kategori: ...» i beskrivelsen, så kodingene er med i filen (NVivo og importen her "
                "dropper kodinger på en kategori). Flytt dem til en underkode med `workbench codebook move-codings` "
                "om de hører hjemme der.")

        # ---- memos: a Note each, referred to from what it annotates
        root = etree.Element(q("Project"), nsmap={None: NS})
        notes_el = etree.Element(q("Notes"))
        refs: dict[tuple[str, Any], list[str]] = {}     # (target kind, target id) -> note GUIDs
        display = {src.id: src.file_name for src in sources}
        if not reveal:
            display = _unique_names({i: scrub(n) for i, n in display.items()})
        for memo in memos:
            author = user_names.get(memo.author_id)
            if memo.coding_id is not None:
                c = coding_by_id.get(memo.coding_id)
                seg = seg_by_id.get(c.segment_id) if c is not None else None
                if c is None or seg is None:
                    continue
                target, key = ("coding", c.id), "coding:" + _coding_key(seg, c, user_names, source_by_id)
                title = f"Notat om koding {c.code_id} i {display.get(seg.source_id)}, tur {seg.index}"
            elif memo.segment_id is not None:
                seg = seg_by_id.get(memo.segment_id)
                if seg is None:
                    continue
                src = source_by_id[seg.source_id]
                target, key = ("segment", seg.id), f"segment:{src.file_name}|{seg.index}"
                title = f"Notat om tur {seg.index} i {display.get(seg.source_id)}"
            elif memo.source_id is not None:
                src = source_by_id.get(memo.source_id)
                if src is None:
                    continue
                target, key = ("source", src.id), f"source:{src.file_name}"
                title = f"Notat om {display.get(src.id)}"
            elif memo.code_id is not None and memo.code_id in keep:
                target, key = ("code", memo.code_id), f"code:{memo.code_id}"
                title = f"Notat om koden {by_id[memo.code_id].label}"
            else:
                continue
            note_guid = guid("memo", f"{key}|{author or ''}|{_when(memo.created_at) or ''}")
            note = _el(notes_el, "Note", {"guid": note_guid, "name": title, "creatingUser": user_guid(author),
                                          "creationDateTime": _when(memo.created_at)})
            _el(note, "PlainTextContent", text=scrub(memo.text))
            refs.setdefault(target, []).append(note_guid)
            counts["memos"] += 1

        # ---- sources, their selections and codings
        variables: dict[str, dict[str, Any]] = {}       # name -> {"guid", "type"}

        def variable(name: str, scope: str) -> str:
            key = name if name == "pilot" else f"{scope}:{name}"   # pilot: one variable for both
            return variables.setdefault(name, {"guid": stable_guid("variable", key)})["guid"]

        pending_values: list[tuple[Any, str, str]] = []  # (parent element, variable name, value)
        sources_el = etree.Element(q("Sources"))
        codings_by_segment: dict[int, list[Coding]] = {}
        for c in codings:
            codings_by_segment.setdefault(c.segment_id, []).append(c)
        for src in sources:
            segs = segments.get(src.id, [])
            stored = s.scalar(select(Source.canonical_text).where(Source.id == src.id)) or ""
            offsets = exported_text(
                stored,
                [(seg.start_char, seg.end_char, seg.speaker.label if seg.speaker else None,
                  pseudonym_of.get(seg.speaker_id) if seg.speaker_id else None) for seg in segs],
                scrubber)
            src_guid = guid("source", src.file_name)
            archive.add_text(src_guid, offsets.text)   # one source's text in memory at a time
            archive.add_segments(src_guid, offsets.text, [
                (*offsets.span(seg.start_char, seg.end_char),
                 (seg.speaker.label if reveal else pseudonym_of.get(seg.speaker_id)) if seg.speaker_id else None,
                 scrub(seg.heading) if seg.heading else None, seg.start_time, seg.end_time, seg.page)
                for seg in segs])
            ts = _el(sources_el, "TextSource", {
                "guid": src_guid, "name": display.get(src.id), "plainTextPath": internal_path(src_guid),
                "creatingUser": user_guid(user_names.get(src.ingested_by)),
                "creationDateTime": _when(src.ingested_at)})
            selections = []
            for seg in segs:
                for c in codings_by_segment.get(seg.id, []):
                    start, end = offsets.span(c.start_char, c.end_char)
                    selections.append((start, end, 0, seg, c))
                if ("segment", seg.id) in refs:
                    start, end = offsets.span(seg.start_char, seg.end_char)
                    selections.append((start, end, 1, seg, None))
            for start, end, _, seg, c in sorted(selections, key=lambda x: x[:3]):
                if c is None:
                    sel = _el(ts, "PlainTextSelection", {
                        "guid": guid("segment", f"{src.file_name}|{seg.index}"),
                        "name": f"tur {seg.index}", "startPosition": start, "endPosition": end})
                    for note_guid in refs[("segment", seg.id)]:
                        _el(sel, "NoteRef", {"targetGUID": note_guid})
                    continue
                key = _coding_key(seg, c, user_names, source_by_id)
                coder = user_guid(user_names.get(c.coder_id))
                sel = _el(ts, "PlainTextSelection", {
                    "guid": guid("selection", key), "startPosition": start, "endPosition": end,
                    "creatingUser": coder, "creationDateTime": _when(c.created_at)})
                coding = _el(sel, "Coding", {"guid": guid("coding", key), "creatingUser": coder,
                                             "creationDateTime": _when(c.created_at)})
                _el(coding, "CodeRef", {"targetGUID": code_guid(c.code_id)})
                for note_guid in refs.get(("coding", c.id), []):
                    _el(sel, "NoteRef", {"targetGUID": note_guid})
                counts["codings"] += 1
            for note_guid in refs.get(("source", src.id), []):
                _el(ts, "NoteRef", {"targetGUID": note_guid})
            for name in SOURCE_VARIABLES:
                value = getattr(src, name)
                if value is not None and str(value).strip():
                    variable(name, "source")
                    pending_values.append((ts, name, str(value).strip()))
            counts["sources"] += 1

        # ---- cases
        cases_el = etree.Element(q("Cases"))
        case_values = []
        file_guid = {src.file_name: stable_guid("source", src.file_name) for src in sources}
        for case_key, case in sorted(cases.items(), key=lambda kv: kv[0]):
            el = _el(cases_el, "Case", {"guid": guid("case", case_key), "name": case["name"]})
            for name in CASE_VARIABLES:
                value = case.get(name)
                if value is not None and str(value).strip():
                    variable(name, "case")
                    case_values.append((el, name, str(value).strip()))
            case["element"] = el
            counts["cases"] += 1

    # variable types: a date variable is a Date when every value is an ISO date
    for name, v in variables.items():
        values = [val for _, n, val in pending_values + case_values if n == name]
        v["type"] = "Date" if name == "date" and all(_iso_date(x) for x in values) else "Text"
    # a phase or pilot may hold a roster name ("Gjennomføring med Liv Bjørk"): scrubbed as names are
    for parent, name, value in pending_values + case_values:
        if not reveal and name in ("phase", "pilot"):
            value = scrubber.scrub_value(value)
        vv = _el(parent, "VariableValue")
        _el(vv, "VariableRef", {"targetGUID": variables[name]["guid"]})
        _el(vv, "DateValue" if variables[name]["type"] == "Date" else "TextValue", text=value)
    for case in cases.values():   # SourceRef comes after VariableValue in a Case
        for file_name in sorted(case["sources"]):
            _el(case["element"], "SourceRef", {"targetGUID": file_guid[file_name]})

    # ---- assemble the project in the schema's order; no empty containers
    root.set("name", xml_safe(scrub(root_name)) or "prosjekt")
    root.set("origin", ORIGIN)
    root.set("creatingUserGUID", users[exporter])
    root.set("creationDateTime", _when(dt.datetime.now(dt.timezone.utc)))
    users_el = _el(root, "Users")
    for name, g in sorted(users.items()):
        _el(users_el, "User", {"guid": g, "name": name})
    if specs:
        book = _el(root, "CodeBook")
        codes_el = _el(book, "Codes")
        made: dict[str, Any] = {}
        for spec in specs:
            parent = made.get(spec.parent, codes_el) if spec.parent else codes_el
            category = spec.id in category_ids
            el = _el(parent, "Code", {"guid": code_guid(spec.id), "name": spec.label,
                                      "isCodable": "true" if spec.codable or category else "false",
                                      "color": _color(spec.color)})
            # a retired code keeps isCodable="true", and a category with codings gets it: their codings
            # are in the file, and importers (ours, NVivo) drop codings of a code that is not codable;
            # the Description says it is retired, or a category
            _el(el, "Description", text=description_text(spec, retired=spec.id in retired_ids, category=category))
            for note_guid in refs.get(("code", spec.id), []):
                _el(el, "NoteRef", {"targetGUID": note_guid})
            made[spec.id] = el
    if variables:
        vars_el = _el(root, "Variables")
        order = SOURCE_VARIABLES + CASE_VARIABLES
        for name, v in sorted(variables.items(), key=lambda kv: order.index(kv[0])):
            _el(vars_el, "Variable", {"guid": v["guid"], "name": name, "typeOfVariable": v["type"]})
    if len(cases_el):
        root.append(cases_el)
    if len(sources_el):
        root.append(sources_el)
    if len(notes_el):
        root.append(notes_el)
    _el(root, "Description", text=(
        "Eksportert fra bygdevekst-workbench. Talere og navn slik de står i filene (vist av en forsker)."
        if reveal else
        "Eksportert fra bygdevekst-workbench. Talere er pseudonymisert, og navn, e-postadresser, "
        "telefonnumre og fødselsnumre i tekstene er erstattet med [navn], [e-post], [telefon], [fnr]."))

    data = etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)
    errors = xsd_errors(data)
    if errors:  # a bug if it happens: never hand out a file other tools would refuse
        raise WorkbenchError(f"the QDPX project does not validate against Project-mrt2019.xsd: {errors[0]}")
    archive.add_project(data)


def _coding_key(seg: Segment, c: Coding, user_names: dict[int, str], sources: dict[int, Source]) -> str:
    src = sources[seg.source_id]
    return f"{src.file_name}|{seg.index}|{c.code_id}|{user_names.get(c.coder_id, '')}|{c.start_char}|{c.end_char}"


#: The file an export into a folder writes (``-o exports/``, or ``-o`` naming a folder that exists).
DEFAULT_NAME = "prosjekt.qdpx"


def qdpx_path(path: str | Path) -> Path:
    """The file ``export_qdpx`` writes for ``path``, as the other exports take ``-o``
    (:func:`workbench.export.output_path`): an empty path is refused, a path ending in "/" is a
    folder (made), and in a folder (also one that exists already, whatever its name) the file is
    ``prosjekt.qdpx``."""
    from ..export import output_path

    if not str(path if path is not None else "").strip():
        raise InputError("no output path: give a file such as prosjekt.qdpx, or a folder ending in /",
                         code="export.no_output")
    path = output_path(path)
    return path / DEFAULT_NAME if path.is_dir() else path


class _Archive:
    """The .qdpx being written: a zip at ``path``, the temporary file beside the target that
    :func:`workbench.export.writers.atomic_output` moves into place when the archive is complete
    (and removes, whatever fails: a failed export leaves nothing behind)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.zip = zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED)
        self.segments: dict[str, dict[str, Any]] = {}

    def add_text(self, guid: str, text: str) -> None:
        # UTF-8 without BOM; a lone surrogate cannot be UTF-8, and "?" keeps every offset
        self.zip.writestr(source_member(guid), text.encode("utf-8", errors="replace"))

    def add_segments(self, guid: str, text: str, segments: list[tuple]) -> None:
        """Remember a source's turns in exported offsets: (start, end, speaker label as the text
        shows it, heading, start time, end time, page)."""
        digest = hashlib.sha1(text.encode("utf-8", errors="replace")).hexdigest()
        self.segments[guid] = {"sha1": digest, "segments": [list(g) for g in segments]}

    def add_project(self, data: bytes) -> None:
        self.zip.writestr(PROJECT_FILE, data)
        self.zip.writestr(SEGMENTS_FILE, json.dumps({"format": SEGMENTS_FORMAT, "version": 1,
                                                     "sources": self.segments}, ensure_ascii=False))

    def close(self) -> None:
        """Finish the zip (its central directory); an error here (a full disk) fails the export."""
        self.zip.close()

    def discard(self) -> None:
        """Close the zip, whatever state it is in (the file itself goes with ``atomic_output``)."""
        try:
            self.zip.close()
        except Exception:   # a zip that cannot be finished (a full disk): the file goes anyway
            pass
