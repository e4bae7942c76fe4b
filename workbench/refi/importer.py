"""QDPX import: a REFI-QDA project from NVivo, ATLAS.ti, MAXQDA, QualCoder (or the workbench) into
the current database, as new sources, codes, coders, codings (origin ``imported``) and memos.

``import_qdpx(db, path)`` reads a ``.qdpx`` archive (or a bare ``project.qde``) and stores it in
ONE transaction: a file that cannot be read changes nothing, and the error is one line naming the
file, the element or GUID and the fix. Problems with single items (a reference to nothing, a
missing source file, a selection outside its text) are warnings; the rest is imported. A warning
that something of the file was left out is counted by kind in ``ImportReport.skipped`` (see
``SKIPPED_KINDS``; ``_Importer.skip``), and then ``ImportReport.partial`` is true, the summary has
a line "Ikke importert: ..." and ``workbench import qdpx`` exits 1 (what was imported is kept).

What other tools really write, and how it is read:

* ``Sources/`` or ``sources/``, ``internal://GUID.txt`` or a bare file name (qc), GUIDs in either
  case, with or without braces (compared with :func:`workbench.refi.common.normalise_guid`), any
  namespace (elements are matched by local name), a BOM before the XML and in the text files.
* A ``TextSource`` is read from its ``plainTextPath``, its ``PlainTextContent``, or, when only a
  ``richTextPath`` is there, from the ``.docx`` (python-docx; paragraphs, one per line, joined by
  CRLF in ``SourceText.raw`` so that a paragraph break can be read as two characters, as NVivo
  counts it, or as one: ``READINGS_WORD``). A bare ``.qde`` looks for ``sources/`` beside it; a
  source whose file is missing is a warning. A ``PDFSource`` with a ``Representation`` (its text
  version, as the standard has it and ATLAS.ti writes it) is read as a text source: the PDF's name,
  GUID, creator, notes and variables, the representation's text, selections and codings; its
  ``PDFSelection``s (areas of a page) are skipped and named. PDF sources without one, picture,
  audio and video sources are skipped with a warning.
* Text: the BOM is dropped, CRLF and lone CR become LF and NUL characters are removed (the other
  tool's offsets are read in this text, see below); the stored ``canonical_text`` is that text
  cleaned as ``workbench ingest`` cleans every text (:func:`clean_with_map`: NFC, no hidden
  zero-width characters, no bidirectional controls, counted in one warning), so an imported
  source keeps the layout the other tool had, a decomposed "Åse:" (macOS) is the label "Åse:",
  and every offset is mapped onto the cleaned text (``SourceText.to_stored``). A text file that is not
  UTF-8 is read as ``workbench ingest`` reads it: UTF-8 wherever its bytes are UTF-8, Windows-1252
  for the other bytes (a file mixing the two keeps "Åse" and "€"), with a warning. The other
  tool's offsets count the characters as *it* read the file, which may differ for such a file, so
  there a selection that would cut a word (or, when it carries its text as ``name``, does not
  cover that text) is skipped with a warning naming it. UTF-8 once read as Windows-1252 ("Ã¥")
  is not repaired here as ingest repairs it: the offsets count those characters. UTF-16 without
  a BOM (a NUL in every other byte where the text is ASCII, decoding cleanly) is read as UTF-16
  LE or BE, with a warning (``_utf16_without_bom``). A source with no text and no codings (an
  empty file) is counted as ``empty``, which does not make the import partial.

**Offsets.** The standard says Unicode code points; NVivo writes UTF-16 code units and counts
CRLF as two; ATLAS.ti is said to count CRLF as one. Per source every candidate reading that
differs for this text (code points or UTF-16 units, CRLF as written or as one character) is
applied to all of its selections and scored: a selection edge past the text or inside a
surrogate pair rules a reading out for that selection (1000), an edge inside a word or before a
combining mark costs 1, an edge between CR and LF costs 5, and a selection whose ``name`` is
exactly its text (QualCoder) earns 3. The lowest total wins; a tie goes to the standard (for a
Word text: to one character per paragraph break). The summary names the reading used per source
(``ImportReport.readings``). When even the best reading leaves more than half of a source's
selections (at least ``MISFIT_MIN``) with an edge inside a word or outside the text, the offsets
were counted in another text than the one here (a Word file read otherwise than the other tool
read it): none of that source's selections is stored, one warning names them all, and the import
is partial (exit 1).

**Segments.** A source exported by a workbench keeps its turns: the archive's
``workbench/segments.json`` (``segment_map``) lists them per source GUID in the exported text's
offsets, with speaker label, heading, times, page and the SHA-1 of the text, and they are used
when they fit the text (``mapped_segments``; otherwise one warning says why). For every other
source, speaker turns are found with ``ingest.text.text_to_parsed`` in the cleaned text, exactly
as in ingestion (the names of the project's cases that occur as labels in the text serve as the
roster), and each turn's text is located in the stored text: a segment is
``[start of its first line's text, end of its last line's text)``. The text is tiled into
*zones*, one per segment: zone k begins on the line after segment k-1 ends (so the blank lines,
the time and the speaker label before a turn belong to it) and the first zone begins at 0.

**Selections.** A selection becomes a coding on the segment whose zone holds its start, with its
exact source offsets in ``Coding.start_char/end_char`` (a selection of a whole line "Kari: tekst"
starts in its turn's label, so ``start_char`` may lie before the segment's ``start_char``). A
selection that crosses zones is cut at the zone boundaries into one coding per segment; a piece
of only white space at either end is joined to its neighbour instead (so a trailing line break
does not code the next turn). The pieces tile the selection, so ``canonical_text[start:end]``
joined over the pieces is exactly the selected text, in its cleaned form (an edge inside a
character NFC composes moves to that character's edge). ``ImportReport.placements`` lists the pieces
of every selection (selection GUID -> ``[(turn, start_char, end_char), ...]``).

Everything else:

* Codes: the project's ``CodeBook`` is read by :func:`workbench.codebook.qdc.parse_qdc` (names as
  typed; a flat list is split into a hierarchy only for Taguette and ATLAS.ti, ``flat_separators``;
  two codes with one name stay two, codes without one are "uten navn", "uten navn (2)" ...). A code
  of the file *is* a stored code only by its explicit id (the description's ``id:`` line, as the
  workbench exports it), by its GUID (the GUID the workbench gives that id) or by the same full
  path of labels; it keeps the stored code as it is. Any other code is new: its id is derived
  from its name under its (matched) parent, made unique, and when the derived id was a stored
  code's a warning says that they are different codes. Codings are never stored on a code that
  cannot be coded (``codable: false``): a codable code is not matched by name to such a theme (it
  becomes a new code), and codings on a theme matched by id or GUID are skipped with a warning,
  unless the file's code carries ``qdc.CATEGORY_LINE`` (a workbench exported a category that held
  codings, as codable to keep them): it is a category here too (a new code is made one, as
  ``parse_qdc`` reads the line) and those codings are on it, as in the database that exported it.
  New codes are added and a codebook version holding the merged codebook is recorded. Colours
  are kept as written (``#1f77b4`` stays lower case); ``#abc`` and ``rgb()`` become ``#AABBCC``.
* Names of users, sources, codes, cases, variables, sets and notes are made one line (NFC, line
  breaks and control characters a space; one warning names them). A text path is looked up in
  ``sources/`` then as written; a same-named file elsewhere only when it is the only one (warned);
  two files differing in case are neither used (warned), and nothing with a ``..`` part is read.
  A source's ``Description`` is a memo on the source; a case's and the project's have no place
  and are named in a warning (counted as notes).
* Users become coders by name, also those without codings (``ImportReport.other_coders``)
  (``coder_prefix`` is put before every name, e.g. "nvivo:"; ``coders`` maps a name to a coder
  here); a name that is a stored user's name in another letter case is refused before anything
  is stored (``qdpx.coder_case``, "did you mean", as ``code --from-csv``). A
  coding's coder is its ``creatingUser``, else its selection's, else the project's creator. A new
  source keeps its ``creatingUser`` (as ``Source.ingested_by``, a coder like the others; the
  importer when the file names no user) and its ``creationDateTime`` (``ingested_at``, at most now;
  ``lifecycle.entered_at`` still knows when it entered this database).
  Speaker labels and headings of ``segments.json`` are cleaned as ingest's labels
  (:func:`clean_label`); an empty list of turns is not used (the turns are detected).
  References to nothing (a code, a user, a source, a note that is not in the project) are
  warned about and skipped (QualCoder writes some).
* Notes become memos where they are attached to something imported: a code (``Code/NoteRef``),
  a source, a selection or a coding (its first piece; a selection without codings: its turn), a
  QualCoder annotation (a note with its own selection, referred to by a source: its turn), or a
  ``Link`` between a note and one of these. Other notes are listed in one warning. Sets, graphs
  and other links are not kept (one warning counts them).
* Cases: where a case's name is a speaker label in a source the case refers to (any imported
  source when it refers to none), the speakers get the case's actor, organisation and pilot
  (variables named actor/aktør, organisation/organisasjon, pilot). Source variables named
  kind/type, phase/fase, pilot, county/fylke, date/dato, language/språk (any case) fill those
  fields of a new source; other variables are listed in a warning.
* Import twice: a source whose text is already stored is used as it is (found by the hash of
  its text, or, for a source ingested here, whose stored hash is of the file's bytes, by its name;
  the stored text must be the same character for character after the normalisation above; a
  source an earlier version imported without cleaning its text is found by that text). Two
  sources of one file with one text are one source (``ImportReport.same_text``). A
  coding with the same coder, code and span as a stored one is the same coding and not added
  again, nor are memos and codes already there, so the same file again adds nothing and the
  summary says what was merged. A second project with the same sources (another coder's work,
  e.g. a workbench export made with ``--reveal`` coming back) adds its codings to them, ready for
  ``workbench agreement``. A pseudonymised export has other text and so comes back as new sources.
  An import that adds nothing changes nothing (not even the acting user is added).

Refused with one line, changing nothing: a document whose DOCTYPE declares entities
(``qdpx.doctype``; entities are never expanded), a ``<Project>`` without REFI-QDA content (none of
``Users``, ``CodeBook``, ``Sources`` ...), two users, codes or sources with one GUID (both are
named; also a code and a source), a source whose text path names the project file itself, and a
code hierarchy deeper than
``MAX_CODE_DEPTH`` (100) levels. A selection GUID used twice is imported once, with a warning.
Members of the archive are refused above the ingest limits (``WORKBENCH_MAX_UNZIPPED_MB``,
``WORKBENCH_MAX_ZIP_RATIO``, default 100).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import re
import unicodedata
import zipfile
import zlib
from bisect import bisect_left, bisect_right
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from lxml import etree
from sqlalchemy import func, or_, select

from ..access import demand, requires
from ..errors import InputError, NotFound
from ..store import Code, CodebookVersion, Coding, Database, Memo, Segment, Source, Speaker, User
from ..store.db import get_or_create_user
from ..codebook.qdc import clean_name, refuse_entities, refuse_entity_syntax_error, renamed_warning
from .common import SEGMENTS_FILE, SEGMENTS_FORMAT, normalise_guid

__all__ = ["ImportReport", "import_qdpx", "READINGS", "SourceText"]

FORMAT = "qdpx"
MAX_UNPACKED = 2 * 1024 ** 3      # bytes the archive may unpack to in all (the ingest limit is lower)
MAX_CODE_DEPTH = 100              # code hierarchy levels accepted (NVivo and ATLAS.ti use a handful)
#: The child elements of <Project> in QDA-XML 1.0: a document with none of them is no project.
PROJECT_PARTS = ("Users", "CodeBook", "Variables", "Cases", "Sources", "Notes", "Links", "Sets", "Graphs",
                 "Description", "NoteRef")

#: Offset readings, in order of preference on a tie (the standard first).
READINGS = {
    "cp": "kodepunkter (standarden)",
    "u16": "UTF-16-kodeenheter (slik NVivo skriver)",
    "cp1": "kodepunkter med CRLF telt som ett tegn",
    "u16_1": "UTF-16-kodeenheter med CRLF telt som ett tegn",
}
_ORDER = tuple(READINGS)
#: The same readings of a text read from a Word file (``richTextPath`` only), whose paragraphs
#: are joined by CRLF in ``SourceText.raw``: NVivo counts a paragraph break as two characters
#: (its .txt has CRLF line ends), other tools may count it as one (the workbench did, as LF). A
#: tie goes to one character per break, as before.
READINGS_WORD = {
    "cp1": "kodepunkter, avsnittsskift i Word-teksten telt som ett tegn",
    "u16_1": "UTF-16-kodeenheter, avsnittsskift i Word-teksten telt som ett tegn",
    "cp": "kodepunkter, avsnittsskift i Word-teksten telt som to tegn",
    "u16": "UTF-16-kodeenheter, avsnittsskift i Word-teksten telt som to tegn (slik NVivo teller)",
}
INVALID = 1000
#: A source whose selections fit no reading: at least this many selections with offsets, and
#: more than half of them with an edge inside a word or outside the text even in the best
#: reading, are taken as counted in another text than the one here; none of them is stored.
MISFIT_MIN = 3

SOURCE_VARIABLES = {
    "kind": ("kind", "type", "kildetype", "source type", "art"),
    "phase": ("phase", "fase"),
    "pilot": ("pilot",),
    "county": ("county", "fylke"),
    "date": ("date", "dato"),
    "language": ("language", "språk", "sprak", "målform", "malform", "lang"),
}
CASE_VARIABLES = {
    "actor": ("actor", "aktør", "aktor"),
    "organisation": ("organisation", "organization", "organisasjon", "org"),
    "pilot": ("pilot",),
}
_SKIPPED_SOURCES = {"PDFSource": "PDF", "PictureSource": "bilde", "AudioSource": "lyd", "VideoSource": "video"}
#: What an import can leave out of the file (``ImportReport.skipped``), in the order the summary
#: names them, with the Norwegian words for one and for more.
SKIPPED_KINDS = {
    "sources": ("kilde", "kilder"),              # whole sources (their codings are counted as codings too)
    "empty": ("tom kilde", "tomme kilder"),      # sources without text or codings: nothing was lost
    "selections": ("utvalg", "utvalg"),          # selections in imported sources
    "codings": ("koding", "kodinger"),           # codings, also those of a skipped source or selection
    "notes": ("notat", "notater"),               # notes stored nowhere, or whose text could not be read
    "cases": ("kasus", "kasus"),                 # cases whose variables were not used
    "variables": ("variabel", "variabler"),      # variables with no field in the workbench
    "values": ("variabelverdi", "variabelverdier"),   # values that fit no field, or of no <Variable>
    "other": ("annet element", "andre elementer"),   # elements the workbench has no place for (sets, graphs ...)
}
MATERIAL_KINDS = ("sources", "selections", "codings", "notes")  # what makes an import partial (exit 1)
#: How the project's <Description> of a workbench export begins (export.py): a note on the export
#: itself, not a researcher's memo, so it is not reported as left out.
_OWN_EXPORT_NOTE = "Eksportert fra bygdevekst-workbench."
_REMOVED = re.compile(r"\r(?=\n)|\x00")
_ASTRAL = re.compile("[\U00010000-\U0010FFFF]")


# ------------------------------------------------------------------------------------------ report

@dataclass
class ImportReport:
    """What one ``import_qdpx`` call did."""

    file: str
    origin: str = ""
    project: str = ""
    sources: list[str] = field(default_factory=list)          # new sources
    reused: list[str] = field(default_factory=list)           # already stored with the same text
    same_text: list[str] = field(default_factory=list)        # same text as another source of the file
    segments: int = 0
    codes_added: list[str] = field(default_factory=list)
    codes_kept: list[str] = field(default_factory=list)       # stored codes matched (id, GUID or path)
    coders: dict[str, int] = field(default_factory=dict)      # coder -> new codings
    other_coders: list[str] = field(default_factory=list)     # users of the file without new codings
    codings: int = 0
    codings_existing: int = 0
    memos: int = 0
    speakers_updated: int = 0
    fields_set: int = 0                                       # source fields set from variables
    readings: dict[str, str] = field(default_factory=dict)    # source -> offset reading used
    warnings: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)     # kind (SKIPPED_KINDS) -> how many left out
    placements: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    codebook_version: int | None = None

    @property
    def nothing_new(self) -> bool:
        return not (self.sources or self.codes_added or self.codings or self.memos
                    or self.speakers_updated or self.fields_set)

    @property
    def partial(self) -> bool:
        """True when research material of the file was left out: a source, selection, coding or
        note (named in ``warnings``, counted in ``skipped``). Variables, cases, sets and empty
        sources (no text, no codings) left out are counted too but do not make an import partial:
        most tools' projects carry variables the workbench has no field for, and the texts,
        codings and memos are all there."""
        return any(self.skipped.get(kind) for kind in MATERIAL_KINDS)

    def skipped_line(self) -> str:
        """The summary's line on what was left out ("" when nothing was)."""
        parts = [f"{n} {SKIPPED_KINDS[kind][n != 1]}" for kind in SKIPPED_KINDS
                 if (n := self.skipped.get(kind, 0))]
        return f"Ikke importert: {', '.join(parts)} (se advarslene)." if parts else ""

    def summary(self) -> str:
        """A few Norwegian lines, like the ingest summary."""
        origin = f" ({self.origin})" if self.origin else ""
        lines = [
            f"Importert fra {self.file}{origin}: {len(self.sources)} nye kilder ({self.segments} segmenter), "
            f"{len(self.reused)} fantes fra før; {len(self.codes_added)} nye koder, "
            f"{len(self.codes_kept)} fantes fra før; {len(self.coders)} kodere; {self.codings} nye kodinger"
            f" ({self.codings_existing} fantes fra før); {self.memos} nye memoer; "
            f"{len(self.warnings)} advarsler."]
        if self.nothing_new:
            lines.append(f"Ingenting nytt: alt i {self.file} er importert fra før." if
                         (self.reused or self.codes_kept or self.codings_existing)
                         else f"Ingenting å importere fra {self.file}.")
        if any(self.skipped.values()):
            lines.append(self.skipped_line())
        if self.reused:
            shown = ", ".join(self.reused[:10]) + (f" og {len(self.reused) - 10} til" if len(self.reused) > 10 else "")
            lines.append(f"Slått sammen med kilder som har samme tekst i databasen (ingen nye kopier): {shown}.")
        if self.same_text:
            shown = ", ".join(self.same_text[:10]) + (f" og {len(self.same_text) - 10} til"
                                                      if len(self.same_text) > 10 else "")
            lines.append(f"Samme tekst som en annen kilde i filen, lagret én gang med kodingene til begge: {shown}.")
        if self.codings_existing:
            lines.append(f"{self.codings_existing} kodinger fantes fra før (samme koder, kode og utdrag) og ble ikke "
                         "lagt til på nytt.")
        if self.coders:
            lines.append("Kodere: " + ", ".join(f"{name} ({n} nye kodinger)" for name, n in self.coders.items()))
        if self.other_coders:
            lines.append("Brukere i filen uten nye kodinger, som også er kodere: " + ", ".join(self.other_coders) + ".")
        if self.speakers_updated or self.fields_set:
            lines.append(f"Fra variablene: {self.speakers_updated} talere fikk aktør/organisasjon, "
                         f"{self.fields_set} kildefelt ble fylt ut.")
        for name, reading in self.readings.items():
            lines.append(f"Forskyvninger i {name}: {reading}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["placements"] = len(self.placements)
        d["nothing_new"] = self.nothing_new
        d["partial"] = self.partial
        return d


# ------------------------------------------------------------------------------------------ archive

class _Container:
    """The files beside ``project.qde``: a zip archive or, for a bare .qde, its folder."""

    def __init__(self, label: str, zf: zipfile.ZipFile | None = None, folder: Path | None = None):
        self.label = label
        self.zf = zf
        self.folder = folder
        self.projects: set[str] = set()   # the project files (.qde) themselves: never a source's text
        self.names: list[str] = []
        self.unsafe: list[str] = []        # entries with a ".." part: never read
        if zf is not None:
            for i in zf.infolist():
                if i.is_dir():
                    continue
                if ".." in i.filename.replace("\\", "/").split("/"):
                    self.unsafe.append(i.filename)
                else:
                    self.names.append(i.filename)
        elif folder is not None:  # the files beside the .qde and in its sources/ folder (any case)
            try:
                for p in sorted(folder.iterdir()):
                    if p.is_file():
                        self.names.append(p.name)
                    elif p.is_dir() and p.name.lower() == "sources":
                        self.names += [q.relative_to(folder).as_posix() for q in sorted(p.rglob("*"))[:100_000]
                                       if q.is_file()]
            except OSError:
                pass
        self.lower: dict[str, list[str]] = {}
        for n in self.names:
            self.lower.setdefault(n.lower(), []).append(n)

    def find(self, ref: str) -> str | None:
        return self.locate(ref)[0]

    def locate(self, ref: str) -> tuple[str | None, str | None]:
        """(the member a path attribute means, a note when it was not found plainly).

        ``internal://x.txt``, ``x.txt``, ``relative:///x`` are looked up without regard to case,
        in ``sources/`` first, then as written. Failing that, a file of the same base name anywhere
        in the archive is used when it is the only one, and the note says so. Two members that
        match (``sources/a.txt`` and ``Sources/a.txt``) are neither used: the note names both. A
        path with a ``..`` part is never followed."""
        value = (ref or "").strip().replace("\\", "/")
        low = value.lower()
        for scheme in ("internal://", "relative://", "file://"):
            if low.startswith(scheme):
                value = value[len(scheme):]
                break
        rel = value.lstrip("/")
        if not rel:
            return None, None
        if ".." in rel.split("/"):
            return None, f"{ref} has a '..' part; such a path is never followed"
        for cand in (f"sources/{rel}", rel):
            hits = self.lower.get(cand.lower(), [])
            if len(hits) == 1:
                return hits[0], None
            if hits:
                return None, f"{ref} matches {len(hits)} files that differ only in letter case ({_names(hits)}); " \
                             "neither was used"
        base = PurePosixPath(rel).name.lower()
        hits = [n for n in self.names if PurePosixPath(n).name.lower() == base]
        if len(hits) == 1:
            return hits[0], f"{ref} is not in the {self.kind}; read from {hits[0]!r}, the only file of that name"
        if hits:
            return None, f"{ref} is not in the {self.kind}, and {len(hits)} files have its name ({_names(hits)}); " \
                         "none was used"
        return None, None

    @property
    def kind(self) -> str:
        return "archive" if self.zf is not None else "folder"

    def read(self, member: str) -> bytes:
        if self.zf is not None:
            from ..ingest.limits import ENV_RATIO, RATIO_FLOOR_BYTES, Limits

            info = self.zf.getinfo(member)
            ratio = Limits.from_env().max_zip_ratio   # the limit ingest applies (WORKBENCH_MAX_ZIP_RATIO)
            if info.file_size >= RATIO_FLOOR_BYTES and info.file_size / max(info.compress_size, 1) > ratio:
                raise InputError(f"{self.label}: {member} unpacks to {info.file_size} bytes at a ratio above "
                                 f"{ratio:g}; refused as a possible zip bomb (if you trust the file, raise "
                                 f"{ENV_RATIO})")
            return self.zf.read(member)
        assert self.folder is not None
        path = (self.folder / member).resolve()
        if self.folder.resolve() not in path.parents:
            raise InputError(f"{self.label}: {member} lies outside the project's folder; refused")
        return path.read_bytes()


def _names(names: list[str]) -> str:
    return ", ".join(repr(n) for n in names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


def _open(path: Path) -> tuple[bytes, _Container]:
    """The bytes of project.qde and the container of the other files; InputError for a file that
    is neither a REFI-QDA archive nor a project.qde."""
    name = path.name
    if not path.exists():
        raise NotFound(f"{path}: file not found; check the path")
    if path.is_dir():
        raise InputError(f"{path}: is a folder; give the .qdpx file (or the project.qde) exported by the other tool")
    from ..ingest.limits import check_file, check_zip

    check_file(path)  # the same size limits as ingest (WORKBENCH_MAX_FILE_MB ...)
    check_zip(path)   # unpacked size and ratio from the zip directory, before anything is inflated
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}); check the file's permissions") from None
    if data[:4] == b"PK\x03\x04" or zipfile.is_zipfile(io.BytesIO(data)):
        try:
            zf = zipfile.ZipFile(io.BytesIO(data))
            infos = zf.infolist()
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            raise InputError(f"{name}: not a readable zip archive ({exc}); export the project again from the "
                             "other tool as a REFI-QDA project (.qdpx)") from None
        if sum(i.file_size for i in infos) > MAX_UNPACKED:
            raise InputError(f"{name}: the archive unpacks to more than {MAX_UNPACKED // 1024 ** 3} GB; refused "
                             "(split the project or import its sources with `workbench ingest`)")
        qdes = [i.filename for i in infos if i.filename.lower().endswith(".qde") and not i.is_dir()]
        if not qdes:
            raise InputError(f"{name}: the archive holds no project.qde; is it a REFI-QDA project (.qdpx)? "
                             "Export the project again from the other tool")
        qdes.sort(key=lambda n: (PurePosixPath(n).name.lower() != "project.qde", n.count("/"), n))
        container = _Container(name, zf=zf)
        container.projects = set(qdes)
        try:
            return container.read(qdes[0]), container
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{name}: {qdes[0]} cannot be unpacked ({exc}); export the project again") from None
    head = data.lstrip(b"\xef\xbb\xbf").lstrip()[:1]
    if head != b"<":
        raise InputError(f"{name}: neither a REFI-QDA project archive (.qdpx, a zip file) nor a project.qde "
                         "(XML); export the project from the other tool as a REFI-QDA project")
    container = _Container(name, folder=path.parent)
    container.projects = {n for n in container.names if n.lower().endswith(".qde")}
    return data, container


def _parse_xml(data: bytes, name: str, member: str | None = None) -> Any:
    # huge_tree lifts libxml2's 10 MB limit on one text node (a long source given inline as
    # PlainTextContent) and its depth limit; the file's size is bounded by the ingest limits, and
    # the code tree's depth by MAX_CODE_DEPTH (_check_code_depth). Entities are never resolved.
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=True)
    try:
        root = etree.fromstring(data.lstrip(b"\xef\xbb\xbf").lstrip(), parser)
    except etree.XMLSyntaxError as exc:
        if "excessive depth" in (exc.msg or "").lower():
            raise InputError(f"{name}: project.qde nests its elements too deep (line {exc.lineno}); a code "
                             f"hierarchy deeper than {MAX_CODE_DEPTH} levels is refused: flatten it in the other "
                             "tool and export again", code="qdpx.too_deep", file=name,
                             limit=MAX_CODE_DEPTH) from None
        refuse_entity_syntax_error(exc, data, name, member or "the file")
        raise InputError(f"{name}: {member or 'the file'} is not well-formed XML (line {exc.lineno}: {exc.msg}); "
                         "export the project again from the other tool") from None
    refuse_entities(root, name, member)
    if _local(root) != "Project":
        raise InputError(f"{name}: the root element of {member or name} is <{_local(root) or '?'}>, not <Project>; "
                         "is it a REFI-QDA project? (a codebook .qdc goes in with `workbench codebook import`)")
    if not any(_local(c) in PROJECT_PARTS for c in root):
        found = sorted({_local(c) for c in root if _local(c)})
        raise InputError(f"{name}: <Project> holds no REFI-QDA content (no <Users>, <CodeBook>, <Sources>, "
                         f"<Notes> or <Cases>{'; found <' + '>, <'.join(found[:5]) + '>' if found else ''}); "
                         "nothing was imported; export the project again from the other tool as a REFI-QDA "
                         "project", code="qdpx.no_content", file=name)
    _check_code_depth(root, name)
    return root


def _check_code_depth(root: Any, name: str) -> None:
    """Refuse a code hierarchy deeper than MAX_CODE_DEPTH (walked without recursion)."""
    depth = 0
    for event, el in etree.iterwalk(root, events=("start", "end")):
        if _local(el) != "Code":
            continue
        if event == "end":
            depth -= 1
            continue
        depth += 1
        if depth > MAX_CODE_DEPTH:
            raise InputError(f"{name}: code hierarchy deeper than {MAX_CODE_DEPTH} levels at code "
                             f"{(el.get('name') or '').strip()[:60]!r} (GUID {_guid(el.get('guid')) or '?'}, line "
                             f"{el.sourceline}); flatten the hierarchy in the other tool and export again",
                             code="qdpx.too_deep", file=name, limit=MAX_CODE_DEPTH)


def _local(el: Any) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _kids(el: Any, name: str) -> list[Any]:
    return [c for c in el if _local(c) == name]


def _kid(el: Any, name: str) -> Any:
    return next((c for c in el if _local(c) == name), None)


def _text_of(el: Any) -> str:
    return "".join(el.itertext()) if el is not None else ""


def _guid(value: str | None) -> str:
    return normalise_guid(value)


def _when(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    try:
        t = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return t if t.tzinfo is not None else t.replace(tzinfo=dt.timezone.utc)


# ------------------------------------------------------------------------------------------ text

def decode_text(data: bytes) -> tuple[str, str | None]:
    """(text, problem): UTF-8 (BOM dropped) or UTF-16/32 with a BOM as written (problem None);
    UTF-16 without a BOM (``_utf16_without_bom``) with a problem naming it; otherwise read as ``workbench ingest`` reads such a file: UTF-8 wherever the bytes are UTF-8,
    Windows-1252 for the others (so a file that mixes the two keeps both its "Åse" and its "€"),
    with a problem saying so. Line ends are kept (offsets count them); UTF-8 that was once read
    as Windows-1252 ("Ã¥") is *not* repaired as ingest repairs it, since the other tool's offsets
    count those characters. Offsets of the other tools begin after the BOM."""
    from ..ingest.text import _CP1252_UNDEFINED  # noqa: F401  (importing it registers "workbench-cp1252")

    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32"), None
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), None
    else:
        utf16 = _utf16_without_bom(data)
        if utf16 is not None:
            return utf16
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        pass
    whole = data.decode("cp1252", errors="replace")
    try:
        text = data.decode("utf-8", "workbench-cp1252")
    except UnicodeDecodeError:   # a byte Windows-1252 leaves undefined (0x81, 0x8D ...)
        return whole, "neither UTF-8 nor Windows-1252 (undefined bytes became U+FFFD)"
    if text == whole:
        return text, "not UTF-8; read as Windows-1252"
    return text, ("a mix of UTF-8 and Windows-1252; read as `workbench ingest` reads it (UTF-8 where the bytes "
                  "are UTF-8, Windows-1252 elsewhere)")


_UNCLEAN = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f\ufffd\ufeff]")


def _utf16_without_bom(data: bytes) -> tuple[str, str] | None:
    """(text, problem) for UTF-16 without a byte order mark (Windows "Unicode" text), else None.

    Such a file has a NUL in every other byte where its text is ASCII (the high byte of each
    unit: odd bytes for little-endian, even ones for big-endian), which UTF-8 or Windows-1252
    text never has; it is taken as UTF-16 only when at least half of those bytes are NUL, hardly
    any of the others, and it decodes cleanly (no broken surrogate pair, no control character but
    line ends and tabs)."""
    if len(data) < 2 or len(data) % 2:
        return None
    units = len(data) // 2
    even, odd = data[0::2].count(0), data[1::2].count(0)
    for high, low, codec, label in ((odd, even, "utf-16-le", "UTF-16 LE"), (even, odd, "utf-16-be", "UTF-16 BE")):
        if high * 2 >= units and low * 20 <= units:
            try:
                text = data.decode(codec)
            except UnicodeDecodeError:
                return None
            if _UNCLEAN.search(text):
                return None
            return text, f"{label} without a byte order mark; read as {label}"
    return None


def docx_text(data: bytes) -> str:
    """The plain text of a Word document: its paragraphs (and table cells' paragraphs) in order,
    one per line."""
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = docx.Document(io.BytesIO(data))
    lines: list[str] = []

    def walk(parent: Any, element: Any) -> None:
        for child in element.iterchildren():
            tag = _local(child)
            if tag == "p":
                lines.append(Paragraph(child, parent).text)
            elif tag == "tbl":
                table = Table(child, parent)
                for row in table.rows:
                    for cell in row.cells:
                        walk(cell, cell._tc)
            elif tag == "sdt":
                content = next((c for c in child.iterchildren() if _local(c) == "sdtContent"), None)
                if content is not None:
                    walk(parent, content)

    walk(document, document.element.body)
    return "\n".join(lines)


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _nfc_pieces(run: str) -> list[str]:
    """``run`` cut where NFC cannot join characters across the cut: before a character with
    combining class 0 that does not compose with the piece before it."""
    out: list[str] = []
    cur = run[:1]
    for ch in run[1:]:
        if unicodedata.combining(ch) == 0 and \
                unicodedata.normalize("NFC", cur + ch) == unicodedata.normalize("NFC", cur) + \
                unicodedata.normalize("NFC", ch):
            out.append(cur)
            cur = ch
        else:
            cur += ch
    if cur:
        out.append(cur)
    return out


def _nth_kept(k: int, gone: list[int]) -> int:
    """The position of character ``k`` of a text once the characters at the sorted positions
    ``gone`` are taken out of it."""
    pos = k
    while True:
        nxt = k + bisect_right(gone, pos)
        if nxt == pos:
            return pos
        pos = nxt


def clean_with_map(text: str) -> tuple[str, Any, int]:
    """``text`` cleaned as ``workbench ingest`` cleans every text (``ingest.chars.clean_text`` with
    bidirectional controls: NFC, no hidden zero-width characters, no bidi controls), the
    :class:`~workbench.refi.export.OffsetMap` from offsets in ``text`` to offsets in it, and the
    number of bidirectional controls taken out.

    Text that cleaning leaves alone maps one to one; a removed character becomes an empty run, and
    a stretch that NFC changes (``A`` + combining ring -> ``Å``) a run of its own, so an offset
    inside it moves to its edges (a selection's start to the run's start, its end to the run's
    end): a selection that began and ended between whole characters covers exactly the NFC of what
    it covered. ASCII characters never change and never join the character before them, so a
    stretch is at most a non-ASCII run and the character before it."""
    from ..ingest.chars import BIDI_CONTROLS, clean_text
    from ..ingest.chars import _INVISIBLE, _drop_invisible
    from .export import OffsetMap

    if text.isascii():
        return text, OffsetMap.identity(text), 0
    # 1. characters taken out (as clean_text does: bidi controls first, then the invisible ones,
    #    judged by their neighbours in the text without bidi controls), as positions in ``text``
    bidi = [m.start() for m in BIDI_CONTROLS.finditer(text)]
    s1 = BIDI_CONTROLS.sub("", text) if bidi else text
    gone = list(bidi)
    for p in (m.start() for m in _INVISIBLE.finditer(s1) if _drop_invisible(m) == ""):
        gone.append(_nth_kept(p, bidi))
    gone.sort()
    kept = "".join(text[a:b] for a, b in zip([0] + [g + 1 for g in gone], gone + [len(text)])) if gone else text

    def orig(k: int) -> int:
        return _nth_kept(k, gone)

    # 2. stretches NFC changes, in ``kept``: (start, end, pieces)
    events: list[tuple[int, int, str]] = []      # (start, end, new text) in ``text``, in order
    changed: list[tuple[int, int]] = []
    if not unicodedata.is_normalized("NFC", kept):
        for m in _NON_ASCII.finditer(kept):
            a, b = max(0, m.start() - 1), m.end()
            chunk = kept[a:b]
            if unicodedata.is_normalized("NFC", chunk):
                continue
            parts = _nfc_pieces(chunk)
            if "".join(unicodedata.normalize("NFC", p) for p in parts) != unicodedata.normalize("NFC", chunk):
                parts = [chunk]
            pos = a
            for p in parts:
                new = unicodedata.normalize("NFC", p)
                if new != p:
                    s, e = orig(pos), orig(pos + len(p) - 1) + 1
                    events.append((s, e, new))
                    changed.append((s, e))
                pos += len(p)
    starts = [s for s, _ in changed]
    for g in gone:   # a character taken out inside a changed stretch belongs to that stretch
        k = bisect_right(starts, g) - 1
        if k < 0 or not changed[k][0] <= g < changed[k][1]:
            events.append((g, g + 1, ""))
    events.sort()
    out = OffsetMap()
    pos = 0
    for s, e, new in events:
        out.keep(text[pos:s])
        out.replace(e - s, new)
        pos = e
    out.keep(text[pos:])
    cleaned = out.text
    if cleaned != clean_text(text, bidi=True):
        whole = clean_text(text, bidi=True)   # never expected: one run, offsets move to the ends
        out = OffsetMap()
        out.replace(len(text), whole)
        cleaned = whole
    return cleaned, out, len(bidi)


class SourceText:
    """A source's text as the other tool wrote it (``raw``: BOM dropped, CRLF kept), with LF line
    ends and no NUL (``text``, where the other tool's offsets are read and judged), and as stored
    (``stored``: ``text`` cleaned as ingest cleans it, :func:`clean_with_map`; ``map`` takes an
    offset in ``text`` there)."""

    def __init__(self, raw: str, *, word: bool = False):
        self.raw = raw
        self.word = word           # read from a Word file: line ends are paragraph breaks (READINGS_WORD)
        self.removed = [m.start() for m in _REMOVED.finditer(raw)]
        self.text = _REMOVED.sub("", raw).replace("\r", "\n") if (self.removed or "\r" in raw) else raw
        astral_raw = [m.start() for m in _ASTRAL.finditer(raw)]
        self._q_raw = [p + j for j, p in enumerate(astral_raw)]
        self._q_text = [p + j for j, p in enumerate(m.start() for m in _ASTRAL.finditer(self.text))]
        self._stored: tuple[str, Any, int] | None = None

    def _clean(self) -> tuple[str, Any, int]:
        if self._stored is None:
            self._stored = clean_with_map(self.text)
        return self._stored

    @property
    def stored(self) -> str:
        return self._clean()[0]

    @property
    def bidi(self) -> int:
        """Bidirectional controls taken out of the stored text."""
        return self._clean()[2]

    def keep_as_is(self) -> None:
        """Store ``text`` itself (a source stored so before: offsets stay as they are)."""
        from .export import OffsetMap

        self._stored = (self.text, OffsetMap.identity(self.text), 0)

    def to_stored(self, span: tuple[int, int]) -> tuple[int, int]:
        """A span in ``text`` as a span in ``stored`` (see :func:`clean_with_map`)."""
        return self._clean()[1].span(span[0], span[1])

    def readings(self) -> list[str]:
        """The readings that can differ for this text, in order of preference."""
        out = ["cp"]
        if self._q_raw:
            out.append("u16")
        if self.removed:
            out.append("cp1")
            if self._q_raw:
                out.append("u16_1")
        if self.word:
            out.sort(key=list(READINGS_WORD).index)
        return out

    def label(self, reading: str) -> str:
        """The Norwegian name of a reading of this text (the summary says it)."""
        return (READINGS_WORD if self.word else READINGS)[reading]

    def _to_text(self, i: int) -> int:
        return i - bisect_left(self.removed, i)

    @staticmethod
    def _u16(q: list[int], u: int) -> int | None:
        """Code point index of UTF-16 offset ``u`` (``q``: UTF-16 starts of astral characters);
        None when ``u`` falls inside a surrogate pair."""
        k = bisect_right(q, u - 2)
        if k < len(q) and q[k] == u - 1:
            return None
        return u - k

    def convert(self, reading: str, offset: int) -> tuple[int | None, bool]:
        """(index into ``text`` or None when impossible, whether it splits a CRLF)."""
        if reading in ("cp1", "u16_1"):
            if reading == "u16_1":
                if not 0 <= offset <= len(self.text) + len(self._q_text):
                    return None, False
                offset = self._u16(self._q_text, offset)
                if offset is None:
                    return None, False
            return (offset, False) if 0 <= offset <= len(self.text) else (None, False)
        if reading == "u16":
            if not 0 <= offset <= len(self.raw) + len(self._q_raw):
                return None, False
            offset = self._u16(self._q_raw, offset)
            if offset is None:
                return None, False
        if not 0 <= offset <= len(self.raw):
            return None, False
        split = 0 < offset < len(self.raw) and self.raw[offset - 1] == "\r" and self.raw[offset] == "\n"
        return self._to_text(offset), split

    def span(self, reading: str, start: int, end: int) -> tuple[tuple[int, int] | None, int]:
        """The span in ``text`` under ``reading`` and its penalty (see the module docstring)."""
        s, split_s = self.convert(reading, start)
        e, split_e = self.convert(reading, end)
        if s is None or e is None or s > e:
            return None, INVALID
        return (s, e), 5 * (split_s + split_e) + _edge_cost(self.text, s) + _edge_cost(self.text, e)


def _joins(ch: str) -> bool:
    """A character that belongs to the one before it (combining mark, joiner, variation selector,
    emoji skin tone)."""
    return unicodedata.category(ch) in ("Mn", "Me", "Mc") or ch in "\u200d\ufe0f\ufe0e" or \
        "\U0001F3FB" <= ch <= "\U0001F3FF"


def _edge_cost(text: str, i: int) -> int:
    if not 0 < i < len(text):
        return 0
    before, after = text[i - 1], text[i]
    cost = 1 if before.isalnum() and after.isalnum() else 0
    if _joins(after):
        cost += 1
    return cost


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def _clip(text: str, n: int = 40) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[:n - 1] + "…"


def choose_reading(st: SourceText, selections: list[tuple[int, int, str]],
                   misfits: list[bool] | None = None) -> tuple[str, str, dict[str, list]]:
    """The reading that explains ``selections`` ((start, end, name) as written) best, a Norwegian
    description of the choice, and every candidate's spans (None where impossible). ``misfits``,
    when given, is filled with one flag per selection: whether it has an edge inside a word or
    outside the text (or between CR and LF) in the chosen reading."""
    results: dict[str, list] = {}
    scores: dict[str, int] = {}
    bad: dict[str, int] = {}
    flags: dict[str, list[bool]] = {}
    order = st.readings()
    for reading in order:
        spans, total, wrong = [], 0, []
        for start, end, name in selections:
            span, cost = st.span(reading, start, end)
            if span is not None and name and len(name.strip()) >= 3 and \
                    _same_text(st.text[span[0]:span[1]], name):
                cost -= 3
            spans.append(span)
            total += cost
            wrong.append(cost > 0)
        results[reading], scores[reading], bad[reading], flags[reading] = spans, total, sum(wrong), wrong
    best = min(scores, key=lambda r: (scores[r], order.index(r)))
    if misfits is not None:
        misfits[:] = flags[best]
    n = len(selections)
    if not n:
        return best, "ingen utvalg med forskyvninger", results
    label = st.label(best)
    same = all(results[r] == results[best] for r in results)
    first = order[0]   # the reading preferred on a tie (the standard's, or one character per paragraph break)
    if same:
        why = f"{n} utvalg; alle lesemåter gir det samme her"
    else:
        why = f"{n} utvalg, {bad[best]} med en kant inne i et ord eller utenfor teksten"
        if best != first:
            why += f" (lest som {st.label(first).split(' (')[0]}: {bad[first]})"
        else:
            others = [r for r in results if r != first]
            why += "; " + ", ".join(f"som {st.label(r).split(' (')[0]}: {bad[r]}" for r in others)
    return best, f"{label} – {why}", results


# ------------------------------------------------------------------------------------------ segments

@dataclass
class _Seg:
    start: int
    end: int
    speaker: str | None = None
    heading: str | None = None
    start_time: float | None = None
    end_time: float | None = None
    page: int | None = None


def segment_map(container: "_Container", label: str) -> tuple[dict[str, dict], str | None]:
    """The workbench's own turns (``workbench/segments.json``, written by our export) by source
    GUID, and a warning when the file is there but cannot be used (then turns are detected)."""
    member = (container.lower.get(SEGMENTS_FILE) or [None])[0]
    if member is None:
        return {}, None
    try:
        data = json.loads(container.read(member).decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        return {}, f"{label}: {SEGMENTS_FILE} cannot be read ({exc}); the turns are detected in the texts instead"
    if not isinstance(data, dict) or data.get("format") != SEGMENTS_FORMAT or not isinstance(data.get("sources"), dict):
        return {}, (f"{label}: {SEGMENTS_FILE} is not the workbench's list of turns; the turns are detected in "
                    "the texts instead")
    return {normalise_guid(k): v for k, v in data["sources"].items() if isinstance(k, str)}, None


def mapped_segments(entry: Any, text: str) -> list[_Seg] | str:
    """A source's turns from ``segment_map`` checked against its text, or why they do not fit."""
    if not isinstance(entry, dict) or not isinstance(entry.get("segments"), list):
        return "has no list of turns for it"
    if entry.get("sha1") != hashlib.sha1(text.encode("utf-8", errors="replace")).hexdigest():
        return "lists its turns for another text (the text was changed after the export)"
    if not entry["segments"]:
        return "lists no turns for it"
    out: list[_Seg] = []
    end = 0

    def number(v: Any) -> bool:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0

    for k, g in enumerate(entry["segments"], 1):
        if not (isinstance(g, list) and len(g) == 7):
            return f"turn {k} is not [start, end, speaker, heading, start time, end time, page]"
        a, b, speaker, heading, t0, t1, page = g
        if not (isinstance(a, int) and isinstance(b, int) and not isinstance(a, bool) and not isinstance(b, bool)
                and end <= a < b <= len(text)):
            return f"turn {k} lies outside the text or before the turn above it ({a}-{b})"
        if speaker is not None:
            speaker = clean_label(speaker) if isinstance(speaker, str) else ""
            if not 1 <= len(speaker) <= 200:
                return f"turn {k} has a speaker that is not a label of 1-200 characters"
        if heading is not None and not isinstance(heading, str):
            return f"turn {k} has a heading that is not text"
        if any(t is not None and not number(t) for t in (t0, t1)) or \
                (page is not None and not (isinstance(page, int) and not isinstance(page, bool) and page >= 1)):
            return f"turn {k} has a time or page that is not a number"
        heading = clean_label(heading) if heading else None
        out.append(_Seg(a, b, speaker, heading[:500] if heading else None,
                        None if t0 is None else float(t0), None if t1 is None else float(t1), page))
        end = b
    return out


def clean_label(label: str) -> str:
    """A speaker label from ``segments.json`` as ingest has its labels: one line (line breaks, tabs
    and other control characters a space, runs of spaces and no-break spaces one space), NFC,
    without hidden zero-width characters or bidirectional controls."""
    from ..ingest.chars import clean_text

    return " ".join(clean_name(clean_text(label, bidi=True))[0].split())


def _onto_stored(segs: list[_Seg], st: "SourceText") -> list[_Seg] | str:
    """Turns in the offsets of the text as exported, moved onto the stored (cleaned) text."""
    out = []
    for k, g in enumerate(segs, 1):
        a, b = st.to_stored((g.start, g.end))
        if a >= b:
            return f"turn {k} holds only characters that are taken out of the text (zero-width, bidi controls)"
        out.append(_Seg(a, b, g.speaker, g.heading, g.start_time, g.end_time, g.page))
    return out


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", text)]


def _locate(text: str, turns: list[Any]) -> list[_Seg] | None:
    """Each turn's place in ``text`` (see the module docstring); None when a turn is not found."""
    starts = _line_starts(text)
    out: list[_Seg] = []
    cursor = 0
    for t in turns:
        pieces = [p for p in (t.text or "").split("\n") if p.strip()]
        if not pieces:
            continue
        first = pieces[0]
        pos = -1
        if t.line and 1 <= t.line <= len(starts):
            ls = starts[t.line - 1]
            le = text.find("\n", ls)
            le = len(text) if le < 0 else le
            right = ls + len(text[ls:le].rstrip())
            cand = right - len(first)
            if cand >= max(ls, cursor) and text[cand:right] == first:
                pos = cand
            else:
                pos = text.find(first, max(ls, cursor))
        if pos < 0:
            pos = text.find(first, cursor)
        if pos < 0:
            return None
        end = pos + len(first)
        for p in pieces[1:]:
            q = text.find(p, end)
            if q < 0:
                return None
            end = q + len(p)
        out.append(_Seg(pos, end, t.speaker, t.heading[:500] if t.heading else None, t.start_time, t.end_time))
        cursor = end
    return out


def _paragraphs(text: str) -> list[_Seg]:
    return [_Seg(m.start(), m.end()) for m in re.finditer(r"\S(?:.*\S)?(?:\n[ \t]*\S(?:.*\S)?)*", text)]


def segment_text(text: str, name: str, roster: list[str] | None) -> tuple[list[_Seg], list[str], str | None]:
    """Segments of an imported text (transcript turns or notes paragraphs), parser warnings, kind hint."""
    from ..ingest.text import text_to_parsed

    parsed = text_to_parsed(text, FORMAT, roster or None, name, keep_bidi=True)  # turns found again in `text`
    turns = [t for t in parsed.turns if (t.text or "").strip()]
    segs = _locate(text, turns)
    warnings = list(parsed.warnings)
    if segs is None or not segs:
        segs = _paragraphs(text)
        warnings.append(f"{name}: the detected turns could not be placed in the text; stored one segment per "
                        "paragraph")
        return segs, warnings, "notes"
    if parsed.kind_hint != "transcript":
        # notes: one segment per paragraph (a block between blank lines, bullets and all), with
        # the heading of its first item; a block that is only a heading is no segment
        blocks = []
        for block in _paragraphs(text):
            inside = [g for g in segs if block.start <= g.start < block.end]
            if inside:
                blocks.append(_Seg(block.start, block.end, heading=inside[0].heading))
        return blocks, warnings, parsed.kind_hint
    if parsed.kind_hint == "transcript":
        # the text before the first turn (title, metadata, anything) is content another tool may
        # have coded: its paragraphs become segments without a speaker
        first = turns[0].line
        cut = _line_starts(text)[first - 1] if first and first <= text.count("\n") + 1 else segs[0].start
        head = text[:min(cut, segs[0].start)]
        if head.strip():
            from ..ingest.text import lines_of, split_notes

            segs = (_locate(head, split_notes(lines_of(head))) or _paragraphs(head)) + segs
    return segs, warnings, parsed.kind_hint


def zones(text: str, spans: list[tuple[int, int]]) -> list[int]:
    """Where each segment's zone begins (see the module docstring)."""
    out = [0]
    for k in range(1, len(spans)):
        prev_end, start = spans[k - 1][1], spans[k][0]
        nl = text.find("\n", prev_end, start)
        out.append(nl + 1 if nl >= 0 else start)
    return out


def pieces(text: str, bounds: list[int], start: int, end: int) -> list[tuple[int, int, int]]:
    """The selection [start, end) cut into (segment position, start, end) by zone (see the module
    docstring): every piece on the segment whose zone holds its start; white-space-only pieces at
    either end joined to their neighbour."""
    n = len(bounds)
    k = max(0, bisect_right(bounds, start) - 1)
    out: list[list[int]] = []
    pos = start
    while True:
        stop = bounds[k + 1] if k + 1 < n else max(end, len(text))
        piece_end = min(end, stop)
        if piece_end > pos or not out:
            out.append([k, pos, piece_end])
        pos = piece_end
        if pos >= end or k + 1 >= n:
            break
        k += 1
    if len(out) > 1 and not text[out[0][1]:out[0][2]].strip():
        out[1][1] = out[0][1]
        out.pop(0)
    if len(out) > 1 and not text[out[-1][1]:out[-1][2]].strip():
        out[-2][2] = out[-1][2]
        out.pop()
    return [(k, s, e) for k, s, e in out]


# ------------------------------------------------------------------------------------------ project

@dataclass
class _Selection:
    guid: str
    start: int
    end: int
    name: str
    user: str
    created: str | None
    codings: list[tuple[str, str, str, str | None]]   # (coding guid, code guid, user guid, created)
    notes: list[str]                                   # note GUIDs on the selection (and its codings)
    coding_notes: dict[str, list[str]] = field(default_factory=dict)
    whole: bool = False                                # a Coding on the whole source
    problem: str | None = None                         # why its positions cannot be used, as written


@dataclass
class _TextSource:
    guid: str
    name: str
    element: Any
    user: str
    created: str | None
    selections: list[_Selection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    values: list[tuple[str, str]] = field(default_factory=list)   # (variable guid, value)
    raw: str | None = None
    origin_of_text: str = ""
    repaired: bool = False          # the file was not UTF-8 (read as ingest reads such files)
    word: bool = False              # the text was read from a Word file (richTextPath): SourceText(word=True)


@dataclass
class _Note:
    guid: str
    name: str
    text: str
    user: str
    created: str | None
    selections: list[_Selection] = field(default_factory=list)


def _selection(el: Any, default_user: str) -> _Selection | None:
    problems: list[str] = []

    def pos(attr: str) -> int | None:
        raw = el.get(attr)
        try:
            value = int(str(raw).strip())
        except (TypeError, ValueError):
            problems.append(f"{attr} is missing" if raw is None else f"{attr} {raw!r} is not a whole number")
            return None
        if value < 0:
            problems.append(f"{attr} {value} is below 0")
        return value

    start, end = pos("startPosition"), pos("endPosition")
    if not problems and start > end:
        problems.append(f"startPosition {start} is after endPosition {end}")
    user = _guid(el.get("creatingUser")) or default_user
    codings, coding_notes = [], {}
    notes = [_guid(r.get("targetGUID")) for r in _kids(el, "NoteRef")]
    for c in _kids(el, "Coding"):
        ref = _kid(c, "CodeRef")
        cg = _guid(c.get("guid"))
        codings.append((cg, _guid(ref.get("targetGUID")) if ref is not None else "",
                        _guid(c.get("creatingUser")) or user, c.get("creationDateTime") or el.get("creationDateTime")))
        coding_notes[cg] = [_guid(r.get("targetGUID")) for r in _kids(c, "NoteRef")]
    return _Selection(_guid(el.get("guid")), start if start is not None else -1, end if end is not None else -1,
                      (el.get("name") or "").strip(), user, el.get("creationDateTime"), codings, notes, coding_notes,
                      problem="; ".join(problems) or None)


def _value(vv: Any) -> tuple[str, str] | None:
    ref = _kid(vv, "VariableRef")
    if ref is None:
        return None
    for c in vv:
        name = _local(c)
        if name.endswith("Value") and name != "VariableRef":
            return _guid(ref.get("targetGUID")), (c.text or "").strip()
    return None


def _code_tree(root: Any, path: Path) -> tuple[list[Any], list[dict[str, Any]], list[str]]:
    """(CodeSpecs in pre-order as ``parse_qdc`` reads them, the matching nodes of the file, warnings).

    Each node: ``guid``, ``name``, ``desc`` (the Description text), ``color`` (as written),
    ``line`` and ``parent`` (the index of its parent node, None at the top)."""
    from ..codebook import qdc

    book = next((el for el in root.iter() if _local(el) == "CodeBook"), None)
    codes_el = _kid(book, "Codes") if book is not None else None
    if codes_el is None or not _kids(codes_el, "Code"):
        return [], [], []
    specs, info = qdc.parse_qdc(path)
    if info.get("renamed"):  # named in the import's own warning (_clean_names), with users and sources
        said = qdc.renamed_warning([("code", n) for n in info["renamed"]])
        info["warnings"] = [w for w in info["warnings"] if w != said]

    nameless = 0

    def read(el: Any) -> dict[str, Any]:  # the same tree parse_qdc builds, with the GUIDs
        nonlocal nameless
        name = qdc.clean_name(el.get("name"))[0]
        if not name:
            nameless += 1
            name = qdc.unnamed(nameless)
        return {"name": name, "guid": _guid(el.get("guid")),
                "codable": True, "color": None, "desc": _text_of(_kid(el, "Description")),
                "written_color": (el.get("color") or "").strip(), "line": el.sourceline,
                "children": [read(c) for c in _kids(el, "Code")]}

    raw = [read(c) for c in _kids(codes_el, "Code")]
    origin = (book.get("origin") or root.get("origin") or "")
    if all(not r["children"] for r in raw):
        raw = qdc._split_flat_names(raw, origin)[0]   # parse_qdc's warning names the names split
    order: list[dict[str, Any]] = []

    def walk(node: dict[str, Any], parent: int | None) -> None:
        here = len(order)
        order.append({"guid": node.get("guid") or "", "name": node["name"], "desc": node.get("desc") or "",
                      "color": node.get("written_color") or "", "line": node.get("line"), "parent": parent})
        for c in node["children"]:
            walk(c, here)

    for r in raw:
        walk(r, None)
    if len(order) != len(specs) or any(n["name"] != s.label for n, s in zip(order, specs)):
        raise InputError(f"{path.name}: the codebook could not be read consistently; export it again")
    return specs, order, list(info.get("warnings") or [])


# ------------------------------------------------------------------------------------------ import

@requires("ingest")
def import_qdpx(db: Database, path: str | Path, *, coder_prefix: str | None = None,
                user: str | None = None, coders: dict[str, str] | None = None) -> ImportReport:
    """Import the REFI-QDA project ``path`` (.qdpx, or a bare project.qde) into the database.

    New sources (with turns found as in ingestion), codes, coders (``coder_prefix`` before each
    name, e.g. "nvivo:"), codings (origin ``imported``) and memos, in one transaction; see the
    module docstring for how offsets, segments and references are read. ``coders`` credits the
    work of a user of the file to a coder of another name (``{"Kari": "kari"}``; no prefix is put
    before it). A user of the file whose coder name is a stored user's name in another letter case
    (``Kari`` when ``kari`` exists) is refused, with "did you mean", as ``code --from-csv`` refuses
    such a coder: it would split that coder's codings in two. Returns an
    :class:`ImportReport`; ``report.summary()`` says what was done and which offset reading was
    used per source. Raises ``InputError`` (one line) for a file that is not a readable project.
    """
    demand("edit_codebook", "import_qdpx")
    demand("code", "import_qdpx")
    path = Path(path)
    data, container = _open(path)
    root = _parse_xml(data, path.name, min(container.projects, key=lambda n: (
        PurePosixPath(n).name.lower() != "project.qde", n.count("/"), n)) if container.zf is not None else None)
    return _Importer(db, path, root, container, coder_prefix or "", user, coders).run()


#: Elements whose ``name`` is a name the workbench stores and prints (users become coders, sources
#: file names, codes labels ...); a selection's ``name`` is its text and is left alone.
_NAMED = {"Project", "User", "Code", "Case", "Variable", "Set", "Note"}


def _clean_names(root: Any) -> list[tuple[str, str]]:
    """Make every stored name of the file one line (``qdc.clean_name``: NFC, line breaks and control
    characters a space), in the tree itself; (kind, new name) of those that held a control character."""
    kinds = {"User": "user", "Code": "code", "Project": "project", "Case": "case", "Variable": "variable",
             "Set": "set", "Note": "note"}
    renamed = []
    for el in root.iter():
        local = _local(el)
        parent = el.getparent()
        in_sources = parent is not None and _local(parent) == "Sources"
        if (local in _NAMED or in_sources) and el.get("name") is not None:
            name, changed = clean_name(el.get("name"))
            el.set("name", name)
            if changed:
                renamed.append((kinds.get(local, "source"), name))
    return renamed


class _NothingNew(Exception):
    """Raised inside the import's transaction when it adds nothing, so that it changes nothing."""


class _Importer:
    def __init__(self, db: Database, path: Path, root: Any, container: _Container, prefix: str,
                 user: str | None, coders: dict[str, str] | None = None):
        self.db, self.path, self.root, self.container, self.prefix, self.user = \
            db, path, root, container, prefix, user
        self.coder_map = {clean_name(k)[0]: v.strip() for k, v in (coders or {}).items()}
        self.name = path.name
        self.renamed = _clean_names(root)
        self.report = ImportReport(file=path.name, origin=(root.get("origin") or "").strip(),
                                   project=(root.get("name") or "").strip())
        self.warn = self.report.warnings.append
        self.new_rows: dict[int, str] = {}       # sources stored by this import: id -> file name
        self.unknown_users: set[str] = set()
        self.unused_variables: set[str] = set()
        self.notes_lost: set[str] = set()       # notes whose text could not be read (counted as skipped)
        self.segment_map, problem = segment_map(container, self.name)
        if problem:
            self.warn(problem)

    # ---------------------------------------------------------------- reading (no database)

    def read(self) -> None:
        root = self.root
        users_el = _kid(root, "Users")
        self.users: dict[str, str] = {}
        for u in (_kids(users_el, "User") if users_el is not None else []):
            g = _guid(u.get("guid"))
            if g:
                name = (u.get("name") or u.get("id") or "").strip() or f"bruker {g[:8]}"
                if g in self.users:
                    self._twice("user", "brukere", g, self.users[g], name)
                self.users[g] = name
        creator = _guid(root.get("creatingUserGUID"))
        self.default_user = creator if creator in self.users else ""
        code_names: dict[str, str] = {}
        book = _kid(root, "CodeBook")
        for el in (book.iter() if book is not None else []):
            g = _guid(el.get("guid")) if _local(el) == "Code" else ""
            if g:
                name = (el.get("name") or "").strip()
                if g in code_names:
                    self._twice("code", "koder", g, code_names[g], name)
                code_names[g] = name
        self.specs, self.code_nodes, code_warnings = _code_tree(root, self.path)
        self.code_ids: dict[str, str] = {}      # code GUID -> the id it has here (store_codes)
        self.uncodable: dict[str, str] = {}     # code GUID -> the theme (codable: false) it matched
        self.warn_all(code_warnings)
        self.variables: dict[str, str] = {}
        vars_el = _kid(root, "Variables")
        for v in (_kids(vars_el, "Variable") if vars_el is not None else []):
            self.variables[_guid(v.get("guid"))] = (v.get("name") or "").strip()
        self.notes: dict[str, _Note] = {}
        notes_el = _kid(root, "Notes")
        for n in (_kids(notes_el, "Note") if notes_el is not None else []):
            self.notes[_guid(n.get("guid"))] = self._note(n)
        self.sources: list[_TextSource] = []
        self.source_guids: set[str] = set()
        source_names: dict[str, str] = {}
        sources_el = _kid(root, "Sources")
        for el in (list(sources_el) if sources_el is not None else []):
            kind = _local(el)
            g = _guid(el.get("guid"))
            if g and kind:
                name = (el.get("name") or "").strip() or (el.get("plainTextPath") or "").strip()
                if g in source_names:
                    self._twice("source", "kilder", g, source_names[g], name)
                source_names[g] = name
            self.source_guids.add(g)
            rep = _kid(el, "Representation") if kind == "PDFSource" else None
            if kind == "TextSource":
                self.sources.append(self._text_source(el))
            elif rep is not None and (rep.get("plainTextPath") or _kid(rep, "PlainTextContent") is not None
                                      or rep.get("richTextPath")):
                # the standard's text version of a PDF (ATLAS.ti writes one): a text source with the
                # PDF's name, notes and variables and the representation's text and selections
                self.sources.append(self._text_source(el, rep))
            elif kind:
                n = sum(1 for c in el.iter() if _local(c) == "Coding")
                what = _SKIPPED_SOURCES.get(kind, kind)
                self.skip(f"{self.name}: {kind} {el.get('name') or g!r} ({what}) is not supported; skipped"
                          + (f" with its {n} codings" if n else "") + "; import it with `workbench ingest` if "
                          "it has a text version", sources=1, codings=n)
        for g in sorted(set(source_names) & set(code_names)):
            raise InputError(f"{self.name}: GUID {g} is used by the code {code_names[g]!r} and by the source "
                             f"{source_names[g]!r}; every object needs a GUID of its own: export the project again "
                             "from the other tool", code="qdpx.duplicate_guid", file=self.name, guid=g,
                             kind="objekter (en kode og en kilde)", first=code_names[g], second=source_names[g])
        self.cases = []
        cases_el = _kid(root, "Cases")
        for c in (_kids(cases_el, "Case") if cases_el is not None else []):
            self.cases.append({
                "guid": _guid(c.get("guid")), "name": (c.get("name") or "").strip(),
                "description": _text_of(_kid(c, "Description")).strip(),
                "values": [v for v in (_value(vv) for vv in _kids(c, "VariableValue")) if v],
                "sources": [_guid(r.get("targetGUID")) for r in _kids(c, "SourceRef")]})
        self.links = []
        links_el = _kid(root, "Links")
        for ln in (_kids(links_el, "Link") if links_el is not None else []):
            self.links.append((_guid(ln.get("originGUID")), _guid(ln.get("targetGUID"))))
        self.code_notes = []   # (code GUID, note guid)
        for el in (book.iter() if book is not None else []):
            if _local(el) == "Code" and _kids(el, "NoteRef"):
                for r in _kids(el, "NoteRef"):
                    self.code_notes.append((_guid(el.get("guid")), _guid(r.get("targetGUID"))))
        self.project_notes = [_guid(r.get("targetGUID")) for r in _kids(root, "NoteRef")]
        description = _text_of(_kid(root, "Description")).strip()
        if description and not description.startswith(_OWN_EXPORT_NOTE):  # a memo on the project: no place here
            self.skip(f"{self.name}: the project's <Description> ({_clip(description, 60)!r}) was "
                      "not imported: the workbench keeps memos on sources, turns, codings and codes, not on a "
                      "project; copy it by hand if you need it", notes=1)
        sets_el, graphs_el = _kid(root, "Sets"), _kid(root, "Graphs")
        other = {"Set": len(_kids(sets_el, "Set")) if sets_el is not None else 0,
                 "Graph": len(_kids(graphs_el, "Graph")) if graphs_el is not None else 0,
                 "Link": sum((a in self.notes) == (b in self.notes) for a, b in self.links)}
        if any(other.values()):
            self.skip(f"{self.name}: {', '.join(f'{n} <{k}>' for k, n in other.items() if n)} elements are not "
                      "supported (the workbench keeps no sets or graphs, and links only between a note and what it "
                      "is about); skipped", other=sum(other.values()))
        if self.renamed:
            self.warn(f"{self.name}: {renamed_warning(self.renamed)}")
        if self.container.unsafe:
            self.warn(f"{self.name}: {len(self.container.unsafe)} files in the archive have a '..' part in their "
                      f"path and were not read ({_names(self.container.unsafe)})")
        self._drop_repeated_selections()
        self.coded = {cg for src in self.sources for sel in src.selections for _, cg, _, _ in sel.codings}

    def _twice(self, kind: str, kind_no: str, guid: str, first: str, second: str) -> None:
        """Two users, codes or sources with one GUID: the file cannot say which is meant."""
        raise InputError(f"{self.name}: {kind} GUID {guid} is used twice, by {first!r} and {second!r}; every "
                         f"{kind} needs a GUID of its own: export the project again from the other tool",
                         code="qdpx.duplicate_guid", file=self.name, guid=guid, kind=kind_no, first=first,
                         second=second)

    def _drop_repeated_selections(self) -> None:
        """A selection GUID used twice: the first is imported, the others are skipped with a warning."""
        seen: dict[str, tuple[str, _Selection]] = {}
        for src in self.sources:
            kept = []
            for sel in src.selections:
                if sel.whole or not sel.guid or sel.guid not in seen:
                    if sel.guid and not sel.whole:
                        seen[sel.guid] = (src.name, sel)
                    kept.append(sel)
                    continue
                where, first = seen[sel.guid]
                self.skip(f"{self.name}: selection GUID {sel.guid} is used twice ({where!r} {first.start}-{first.end} "
                          f"and {src.name!r} {sel.start}-{sel.end}); the first was imported, the second skipped "
                          f"with its {len(sel.codings)} codings", selections=1, codings=len(sel.codings))
            src.selections = kept

    def warn_all(self, items: Iterable[str]) -> None:
        for w in items:
            self.warn(f"{self.name}: {w}")

    def skip(self, message: str, **counts: int) -> None:
        """Warn that something of the file was left out, and count it by kind (``SKIPPED_KINDS``) in
        ``report.skipped``, e.g. ``skip(msg, selections=1, codings=3)``. Every warning saying that
        data of the file was not imported goes through here; the others (``warn``) are notes on data
        imported otherwise (renamed, read from elsewhere, credited to the creator ...) and on
        references to nothing (a NoteRef or a case's SourceRef naming no object of the file: the
        file holds nothing there to import)."""
        self.warn(message)
        for kind, n in counts.items():
            if kind not in SKIPPED_KINDS:
                raise ValueError(f"unknown kind of skipped item: {kind}")
            if n:
                self.report.skipped[kind] = self.report.skipped.get(kind, 0) + n

    def _note(self, el: Any) -> _Note:
        text = _text_of(_kid(el, "PlainTextContent")).strip()
        label = (el.get("name") or "").strip() or _guid(el.get("guid"))
        lost = ""   # why the text file named by plainTextPath was not read
        if not text and el.get("plainTextPath"):
            member, note = self.container.locate(el.get("plainTextPath"))
            if member is not None:
                try:
                    text = SourceText(decode_text(self.container.read(member))[0]).text.strip()
                except (OSError, KeyError, zipfile.BadZipFile) as exc:
                    text, lost = "", f"{member} cannot be read ({type(exc).__name__})"
            else:
                lost = note or f"{el.get('plainTextPath')} is not in the {self.container.kind}"
            if note and not lost:
                self.warn(f"{self.name}: note {label!r}: {note}")
        if not text:
            text = _text_of(_kid(el, "Description")).strip()
        if lost and not text:   # the note's own text is lost (a memo holds its name at most)
            self.notes_lost.add(_guid(el.get("guid")))
            self.skip(f"{self.name}: note {label!r}: {lost}; its text was not imported", notes=1)
        elif lost:
            self.warn(f"{self.name}: note {label!r}: {lost}; its Description was stored instead")
        user = _guid(el.get("creatingUser"))
        sels = [s for s in (_selection(p, user) for p in _kids(el, "PlainTextSelection")) if s]
        return _Note(_guid(el.get("guid")), (el.get("name") or "").strip(), text, user,
                     el.get("creationDateTime"), sels)

    def _text_source(self, el: Any, text_el: Any = None) -> _TextSource:
        """A ``TextSource``; or a ``PDFSource`` ``el`` read as the text source ``text_el``, its
        ``Representation`` (its text, selections and codings; the PDF's name, GUID, notes and
        variables; the PDF's own regions, ``PDFSelection``, are skipped and named)."""
        g = _guid(el.get("guid"))
        pdf = text_el is not None
        text_el = el if text_el is None else text_el
        plain, rich = text_el.get("plainTextPath"), text_el.get("richTextPath")
        name = (el.get("name") or "").strip()
        if not name:  # named after its file
            name, changed = clean_name(PurePosixPath(((el.get("path") or "") if pdf else (plain or rich or ""))
                                                     .replace("\\", "/")).name)
            if changed:
                self.renamed.append(("source", name))
        name = name or f"kilde {g[:8]}"
        user = _guid(el.get("creatingUser") or text_el.get("creatingUser")) or self.default_user
        src = _TextSource(g, name, el, user, el.get("creationDateTime") or text_el.get("creationDateTime"))
        for s in _kids(text_el, "PlainTextSelection"):
            src.selections.append(_selection(s, user))
        regions = _kids(el, "PDFSelection") if pdf else []
        if regions:
            n = sum(len(_kids(r, "Coding")) for r in regions)
            self.skip(f"{self.name}: PDFSource {name!r}: {len(regions)} selections of areas of the PDF's pages "
                      "(PDFSelection) have no place in its text and were skipped"
                      + (f" with their {n} codings" if n else "") + ": "
                      + ", ".join(f"{_guid(r.get('guid'))} (page {r.get('page')})" for r in regions[:10])
                      + (" ..." if len(regions) > 10 else "") + "; the selections of its text were imported",
                      selections=len(regions), codings=n)
        for c in _kids(text_el, "Coding") + (_kids(el, "Coding") if pdf else []):   # a code on the whole source
            ref = _kid(c, "CodeRef")
            cg = _guid(c.get("guid"))
            src.selections.append(_Selection(cg, 0, 0, "", user, c.get("creationDateTime"), [
                (cg, _guid(ref.get("targetGUID")) if ref is not None else "", _guid(c.get("creatingUser")) or user,
                 c.get("creationDateTime"))], [], {cg: [_guid(r.get("targetGUID")) for r in _kids(c, "NoteRef")]},
                whole=True))
        src.notes = [_guid(r.get("targetGUID")) for r in _kids(el, "NoteRef")
                     + (_kids(text_el, "NoteRef") if pdf else [])]
        description = _text_of(_kid(el, "Description")).strip()
        if description:  # a memo on the source, as its notes are
            ng = f"description:{g}"
            self.notes[ng] = _Note(ng, f"beskrivelse av {name}", description, user, el.get("creationDateTime"), [])
            src.notes.append(ng)
        src.values = [v for v in (_value(vv) for vv in _kids(el, "VariableValue")
                                  + (_kids(text_el, "VariableValue") if pdf else [])) if v]
        # the text
        inline = _kid(text_el, "PlainTextContent")
        where = ""
        lookup: list[str] = []   # how a path was not found plainly (Container.locate)

        def locate(ref: str) -> str | None:
            member, note = self.container.locate(ref)
            if note and member is not None:
                self.warn(f"{self.name}: source {name!r}: {note}")
            elif note:
                lookup.append(note)
            return member

        try:
            if plain:
                member = locate(plain)
                where = plain
                self._not_the_project(member, plain, name, g)
                if member is not None:
                    src.raw, problem = decode_text(self.container.read(member))
                    src.origin_of_text = member
                    if problem:
                        src.repaired = problem.startswith("a mix")   # positions may count otherwise
                        self.warn(f"{self.name}: source {name!r}: {member} is {problem}; check its characters")
            if src.raw is None and inline is not None:
                src.raw, src.origin_of_text = _text_of(inline), "PlainTextContent"
            if src.raw is None and rich:
                member = locate(rich)
                where = where or rich
                self._not_the_project(member, rich, name, g)
                if member is not None:
                    # paragraphs joined by CRLF: offsets may count a paragraph break as two
                    # characters (NVivo) or as one; choose_reading tries both (READINGS_WORD)
                    src.raw = re.sub(r"\r\n|\r|\n", "\r\n", docx_text(self.container.read(member)))
                    src.origin_of_text, src.word = member, True
                    if plain:
                        self.warn(f"{self.name}: source {name!r}: {plain} is missing; the text was read from "
                                  f"the Word file {member}, so selection offsets may be off")
        except InputError:
            raise
        except Exception as exc:  # a damaged member or Word file: this source only
            n = sum(len(s.codings) for s in src.selections)
            self.skip(f"{self.name}: source {name!r} (GUID {g}): {where or 'its text'} cannot be read "
                      f"({type(exc).__name__}); skipped" + (f" with its {n} codings" if n else ""),
                      sources=1, codings=n)
            src.raw = None
            return src
        if src.raw is None:
            n = sum(len(s.codings) for s in src.selections)
            missing = where or "no plainTextPath, PlainTextContent or richTextPath"
            why = "; ".join(lookup) if lookup else f"{missing} is not in the {self.container.kind}"
            self.skip(f"{self.name}: source {name!r} (GUID {g}): {why}; skipped"
                      + (f" with its {n} codings" if n else "")
                      + "; export the project with its source files", sources=1, codings=n)
        elif lookup:
            self.warn(f"{self.name}: source {name!r}: {'; '.join(lookup)}; its text was read from "
                      f"{src.origin_of_text}")
        return src

    def _not_the_project(self, member: str | None, ref: str, name: str, guid: str) -> None:
        """A source whose text path names the project file itself is refused (its XML is no text)."""
        if member is not None and member in self.container.projects:
            raise InputError(f"{self.name}: source {name!r} (GUID {guid}) names the project file itself as its "
                             f"text ({ref}); refused: export the project again with its source files",
                             code="qdpx.project_as_source", file=self.name, source=name)

    # ---------------------------------------------------------------- storing

    def coder_name(self, name: str) -> str:
        """The coder here of a user name of the file (``coders``, else the prefix and the name)."""
        return self.coder_map[name] if name in self.coder_map else f"{self.prefix}{name}"

    def check_coders(self) -> None:
        """Refuse (one line, before anything is stored) a ``coders`` entry for no user of the file
        and a coder name that is a stored user's name in another letter case."""
        unknown = sorted(set(self.coder_map) - set(self.users.values()))
        if unknown:
            raise InputError(f"{self.name}: --coder {unknown[0]!r}: the file has no user of that name (its users: "
                             f"{', '.join(repr(n) for n in sorted(set(self.users.values()))[:10]) or 'none'})",
                             code="qdpx.coder_unknown", file=self.name, user=unknown[0])
        stored = list(self.s.scalars(select(User.name).order_by(User.name)))
        exact = set(stored)
        for name in sorted(set(self.users.values())):
            mine = self.coder_name(name)
            if mine in exact:
                continue
            same = [n for n in stored if n.casefold() == mine.casefold()]
            if same:
                raise InputError(
                    f"{self.name}: user {name!r} of the file would be the new coder {mine!r} beside the user "
                    f"{same[0]!r} here (only the letter case differs); did you mean {same[0]!r}? Import with "
                    f"--coder '{name}={same[0]}' to credit the work to {same[0]}, or with --as-coder-prefix to "
                    "keep it apart; nothing was imported", code="qdpx.coder_case", file=self.name, user=name,
                    known=same[0])

    def run(self) -> ImportReport:
        self.read()
        try:
            with self.db.transaction(self.user) as tx:
                self.tx, self.s = tx, tx.session
                self.check_coders()
                self.coder_rows: dict[str, Any] = {}
                self.skipped_uncodable: dict[str, int] = {}                    # code id -> codings skipped
                self.store_codes()
                self.version_id = self.s.scalar(select(func.max(CodebookVersion.id)))
                self.placed: dict[str, list[tuple[Any, int, int]]] = {}       # selection guid -> (segment, s, e)
                self.coding_rows: dict[str, Any] = {}                          # coding guid -> first piece
                self.imported: dict[str, tuple[Source, bool]] = {}             # source guid -> (row, new)
                for src in self.sources:
                    if src.raw is not None:
                        self.store_source(src)
                for code_id, n in self.skipped_uncodable.items():
                    self.skip(f"{self.name}: {n} codings on code {code_id} were skipped: it is a theme that cannot "
                              "be coded (codable: false); code them on one of its children", codings=n)
                self.store_cases()
                self.store_memos()
                for g in self.users:   # users without new codings are coders too (README)
                    name = self.coder(g).name
                    if name not in self.report.coders and name not in self.report.other_coders:
                        self.report.other_coders.append(name)
                if self.report.sources:
                    from ..sharing import assign_pseudonyms

                    assign_pseudonyms(self.s)
                if self.report.nothing_new:
                    raise _NothingNew   # roll back: not even the acting user or a coder is added
                tx.audit("import_qdpx", "file", self.name, {
                    "origin": self.report.origin, "sources": self.report.sources, "reused": self.report.reused,
                    "codes_added": self.report.codes_added, "codings": self.report.codings,
                    "codings_existing": self.report.codings_existing,
                    "coders": self.report.coders, "memos": self.report.memos,
                    "readings": self.report.readings, "warnings": len(self.report.warnings),
                    "skipped": self.report.skipped})
        except _NothingNew:
            pass
        return self.report

    def coder(self, guid: str) -> Any:
        """The coder (User row) of a user GUID; unknown GUIDs fall back to the project's creator."""
        name = self.users.get(guid)
        if name is None:
            if guid and guid not in self.unknown_users:
                self.unknown_users.add(guid)
                self.warn(f"{self.name}: user GUID {guid} is not in <Users>; its work is credited to "
                          f"{self.users.get(self.default_user) or 'ukjent koder'}")
            name = self.users.get(self.default_user) or "ukjent koder"
        name = self.coder_name(name)
        row = self.coder_rows.get(name)
        if row is None:
            row = self.coder_rows[name] = get_or_create_user(self.s, name)
        return row

    def store_codes(self) -> None:
        """Match the file's codes with the stored ones and add the others (see ``_match_codes``)."""
        from ..codebook.schema import codebook_from_specs, specs_from_rows

        if not self.specs:
            return
        from ..store.db import lock_codes

        # held (shared) until the import commits: a merge or codebook load running meanwhile comes
        # first (then a merged code's codings go to the code it was merged into) or waits for the
        # import and moves what it stored
        existing = lock_codes(self.s, None)
        new = self._match_codes(existing)
        self._follow_merges(existing)
        if not new:
            return
        from ..codebook.schema import MAX_ID_LENGTH

        for sp in new:
            if len(sp.id) > MAX_ID_LENGTH:
                raise InputError(f"{self.name}: code {sp.label!r} would get an id of {len(sp.id)} characters "
                                 f"(its path of names), at most {MAX_ID_LENGTH}; shorten the names of it or its "
                                 "parent codes in the other tool and export again", code="qdpx.id_too_long",
                                 file=self.name, code_name=sp.label, limit=MAX_ID_LENGTH)
        rows = [{"id": c.id, "label": c.label, "parent": c.parent_id, "definition": c.definition or "",
                 "inclusion": c.inclusion or "", "exclusion": c.exclusion or "",
                 "examples": list(c.examples or []), "theory": c.theory or "", "lexicon": list(c.lexicon or []),
                 "color": c.color, "codable": bool(c.codable)}
                for c in sorted(existing.values(), key=lambda c: (c.sort_order, c.id)) if not c.retired]
        live = {r["id"] for r in rows}
        for sp in new:
            rows.append({**sp.as_dict(), "parent": sp.parent if (sp.parent in live or sp.parent in
                                                                 {n.id for n in new}) else None})
        latest = self.s.scalars(select(CodebookVersion).order_by(CodebookVersion.id.desc())).first()
        codebook = codebook_from_specs(specs_from_rows(rows), name=latest.name if latest else "importert",
                                       title=f"Kodebok med koder importert fra {self.name}")
        version = CodebookVersion(name=codebook.name, content_hash=codebook.content_hash(),
                                  content=codebook.to_data(), file_name=self.name, created_by=self.tx.user.id)
        self.s.add(version)
        self.s.flush()
        base = max([c.sort_order or 0 for c in existing.values()] + [0]) + 1
        for sp in new:  # pre-order: parents first
            self.s.add(Code(id=sp.id, parent_id=sp.parent, label=sp.label, definition=sp.definition or None,
                            inclusion=sp.inclusion or None, exclusion=sp.exclusion or None,
                            examples=list(sp.examples), theory=sp.theory or None, lexicon=list(sp.lexicon),
                            color=sp.color, codable=sp.codable, retired=False, sort_order=base + sp.order,
                            version_id=version.id))
            self.s.flush()
        self.report.codes_added = [sp.id for sp in new]
        self.report.codebook_version = version.id
        self.tx.audit("load_codebook", "codebook_version", version.id,
                      {"file": self.name, "hash": version.content_hash, "new_version": True,
                       "added": self.report.codes_added, "import": True})

    def _follow_merges(self, existing: dict[str, Any]) -> None:
        """A file's code matched to a stored code that ``codebook merge`` retired stands for the code
        it was merged into (followed through later merges): its codings and memos go there, as the
        merge moved the ones stored before, never onto the retired code."""
        from ..codebook.store import _was_merged

        moved: dict[str, str] = {}
        for guid, cid in list(self.code_ids.items()):
            target, seen = cid, set()
            while target in existing and existing[target].retired and target not in seen:
                seen.add(target)
                nxt = _was_merged(self.s, target)
                if nxt is None:
                    break
                target = nxt
            if target != cid and target in existing and not existing[target].retired:
                self.code_ids[guid] = target
                if existing[target].codable:
                    self.uncodable.pop(guid, None)
                moved[cid] = target
        for old, new in sorted(moved.items()):
            self.warn(f"{self.name}: code {old} was merged into {new} in this database; "
                      f"its codings go on {new}")

    def _match_codes(self, existing: dict[str, Any]) -> list[Any]:
        """Which stored code each of the file's codes is (fills ``code_ids``, ``uncodable`` and
        ``report.codes_kept``); returns the new codes' specs, parents first.

        A code of the file is a stored code only by (1) its explicit id (the ``id:`` line of its
        description, as the workbench exports it), (2) its GUID (the GUID the workbench gives that
        id), or (3) the same label under the same (matched) parent, i.e. the same full path. A code
        that only derives the same id from its name is not ours: it is added under a new id, with
        a warning. A codable code with codings is never matched by name to a stored theme that
        cannot be coded; a match by id or GUID to such a theme keeps the theme, and the codings on
        it are skipped with a warning (``store_source``)."""
        from dataclasses import replace

        from ..codebook.qdc import _unique, fit_id, parse_description
        from ..codebook.schema import COLOR_RE
        from .common import code_guid

        below = [(0, 0)] * len(self.specs)  # levels and longest id tail under each code, as in parse_qdc
        for i in range(len(self.specs) - 1, -1, -1):
            up = self.code_nodes[i]["parent"]
            if up is not None:
                tail = len(self.specs[i].id) - len(self.specs[up].id) + below[i][1]
                below[up] = (max(below[up][0], below[i][0] + 1), max(below[up][1], tail))
        names: list[tuple[str, ...]] = []

        by_guid = {code_guid(cid): cid for cid in existing}
        by_path: dict[tuple[str | None, str], list[str]] = {}   # two same-named siblings: both, in order
        for c in sorted(existing.values(), key=lambda c: (bool(c.retired), c.sort_order or 0, c.id)):
            by_path.setdefault((c.parent_id, (c.label or "").strip()), []).append(c.id)
        used = set(existing)
        claimed: set[str] = set()
        target: list[str] = []
        new: list[Any] = []
        kept: list[str] = []
        for i, (node, sp) in enumerate(zip(self.code_nodes, self.specs)):
            parent = target[node["parent"]] if node["parent"] is not None else None
            names.append((names[node["parent"]] if node["parent"] is not None else ()) + (sp.label,))
            guid = node["guid"]
            coded = bool(guid) and guid in self.coded
            where = f"code {sp.label!r}" + (f" (GUID {guid})" if guid else "")
            described = parse_description(node["desc"])
            explicit = described.get("id")
            # a category a workbench exported with its codings (qdc.CATEGORY_LINE) keeps them here too
            held = bool(described.get("category"))
            cid = None
            if explicit and explicit == sp.id and explicit in existing:
                cid = explicit
            elif guid and guid in by_guid:
                cid = by_guid[guid]
            else:
                same = next((x for x in by_path.get((parent, sp.label), []) if x not in claimed), None)
                if same is not None:
                    if sp.codable and not existing[same].codable and coded and not held:
                        self.warn(f"{self.name}: {where} has the name of the workbench's theme {same}, which "
                                  "cannot be coded (codable: false); its codings go on a new code instead")
                    else:
                        cid = same
            if cid is not None:
                claimed.add(cid)
                target.append(cid)
                kept.append(cid)
                if not existing[cid].codable and coded and not held:
                    self.uncodable[guid] = cid
                continue
            leaf = sp.id.rsplit(".", 1)[-1]
            wanted = fit_id(f"{parent}." if parent else "", leaf, below[i], names[i])
            cid = _unique(wanted, used)
            if wanted in existing:
                self.warn(f"{self.name}: {where} is not the workbench's code {wanted} "
                          f"({existing[wanted].label!r}): only the id derived from its name is the same; added as "
                          f"a new code {cid} (merge the two by hand if they mean the same)")
            used.add(cid)
            target.append(cid)
            color = node["color"] if COLOR_RE.fullmatch(node["color"] or "") and len(node["color"]) == 7 else sp.color
            new.append(replace(sp, id=cid, parent=parent, color=color))
            if not sp.codable and coded and not held:
                self.uncodable[guid] = cid
        self.code_ids = {node["guid"]: cid for node, cid in zip(self.code_nodes, target) if node["guid"]}
        self.report.codes_kept = kept
        return new

    def _roster(self, src: _TextSource, text: str) -> list[str]:
        """Names of the project's cases (of this source, or of no source) that are labels in ``text``."""
        names = []
        for case in self.cases:
            if case["name"] and (not case["sources"] or src.guid in case["sources"]):
                pattern = re.compile(r"^[ \t]*(?:\[[^\]\n]*\][ \t]*)?" + re.escape(case["name"]) + r"[ \t]*(?::|$)",
                                     re.M)
                if pattern.search(text):
                    names.append(case["name"])
        return names

    def store_source(self, src: _TextSource) -> None:
        st = SourceText(src.raw, word=src.word)
        plain = st.text          # the other tool's offsets are read (and judged) here
        name = src.name
        if not st.stored.strip():
            n = sum(len(s.codings) for s in src.selections)
            if not n:   # an empty file (NVivo for Mac writes some): nothing of the project is lost
                self.skip(f"{self.name}: source {name!r} (GUID {src.guid}) has no text (its file is empty) and no "
                          "codings; not imported (nothing was lost)", empty=1)
                return
            self.skip(f"{self.name}: source {name!r} (GUID {src.guid}) has no text; skipped"
                      + (f" with its {n} codings" if n else ""), sources=1, codings=n)
            return
        text = st.stored         # as ingest stores it (NFC, no hidden characters): turns, codings
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        row = self._stored_source(name, text, digest)
        if row is None and text != plain:
            # stored by an import that kept the text as written (before it was cleaned): its offsets
            row = self._stored_source(name, plain, hashlib.sha256(plain.encode("utf-8", "surrogatepass")).hexdigest())
            if row is not None:
                st.keep_as_is()
                text = plain
        new = row is None
        if new:
            row = self._new_source(src, name, st, digest)
            if row is None:
                return
            self.new_rows[row.id] = row.file_name
        elif row.id in self.new_rows:   # a source of this same file with the same text
            self.report.same_text.append(f"{name} (= {row.file_name})")
        else:
            self.report.reused.append(row.file_name if row.file_name == name else f"{name} (= {row.file_name})")
        self.imported[src.guid] = (row, new)
        segs = list(self.s.execute(select(Segment.id, Segment.index, Segment.start_char, Segment.end_char)
                                   .where(Segment.source_id == row.id).order_by(Segment.index)).all())
        if not segs:
            self.skip(f"{self.name}: source {row.file_name!r} has no segments; its selections were skipped",
                      selections=sum(not s.whole for s in src.selections),
                      codings=sum(len(s.codings) for s in src.selections))
            return
        bounds = zones(text, [(s[2], s[3]) for s in segs])

        # offsets: choose the reading from the source's own selections (in the text as written)
        ranged = [s for s in src.selections if not s.whole and not s.problem]
        misfits: list[bool] = []
        reading, why, spans = choose_reading(st, [(s.start, s.end, s.name) for s in ranged], misfits)
        # offsets that fit no reading of this text were counted in another text (a Word file read
        # otherwise than the other tool read it, a text edited after coding): stored, every coding
        # would cover the wrong words, so none is stored, and each is named (MISFIT_MIN)
        misfit = len(ranged) >= MISFIT_MIN and 2 * sum(misfits) > len(ranged)
        if misfit:
            why += " – ingen lesemåte passer teksten, utvalgene ble ikke importert"
            n = sum(len(s.codings) for s in ranged)
            origin = (f"its text was read from the Word file {src.origin_of_text} (the project has no plain text "
                      "for it), and " if src.word else "")
            self.skip(f"{self.name}: source {row.file_name!r}: {origin}the selections' offsets fit no reading of "
                      f"its text: read as {st.label(reading).split(' (')[0]}, {sum(misfits)} of {len(ranged)} "
                      "selections have an edge inside a word or outside the text, so the other tool counted them "
                      f"in another text; all {len(ranged)} selections were skipped with their {n} codings, so "
                      "that no coding lands on the wrong words: "
                      + ", ".join(f"{s.guid} ({s.start}-{s.end})" for s in ranged)
                      + "; export the project again with its sources as plain text and import that",
                      selections=len(ranged), codings=n)
        self.report.readings[row.file_name] = why
        refused = {id(s) for s in ranged} if misfit else set()
        mapped: dict[int, tuple[int, int] | None] = {id(s): sp for s, sp in zip(ranged, spans[reading])}
        for s in src.selections:
            if s.whole:
                mapped[id(s)] = (0, len(plain))
        # the same coding (coder, code, span) is never stored twice, whatever segment it was put on
        existing = {(c, k, a, b): g for g, c, k, a, b in self.s.execute(
            select(Coding.segment_id, Coding.code_id, Coding.coder_id, Coding.start_char, Coding.end_char)
            .join(Segment, Coding.segment_id == Segment.id).where(Segment.source_id == row.id)).all()}
        by_pos = segs
        for sel in src.selections:
            if id(sel) in refused:
                continue
            if sel.problem:
                self.skip(f"{self.name}: selection {sel.guid} in {row.file_name!r}: {sel.problem}; "
                          f"skipped with its {len(sel.codings)} codings", selections=1, codings=len(sel.codings))
                continue
            span = mapped.get(id(sel))
            if src.repaired and span is not None and span[0] < span[1] and not sel.whole:
                doubt = self._doubtful(plain, span, sel)
                if doubt:
                    self.skip(f"{self.name}: selection {sel.guid} in {row.file_name!r} ({sel.start}-{sel.end}): "
                              f"the file mixes UTF-8 and Windows-1252, so the other tool may have counted its "
                              f"characters otherwise, and here it {doubt}; skipped with its {len(sel.codings)} "
                              "codings (save the source as UTF-8 in the other tool and export again)",
                              selections=1, codings=len(sel.codings))
                    continue
            if span is not None:   # onto the stored text (NFC, hidden characters out)
                span = st.to_stored(span)
            if span is None or span[0] >= span[1]:
                what = "is empty" if span is not None or sel.start == sel.end else \
                    f"lies outside the text ({len(plain)} characters) read as {st.label(reading).split(' (')[0]}"
                self.skip(f"{self.name}: selection {sel.guid} in {row.file_name!r} "
                          f"({sel.start}-{sel.end}) {what}; skipped with its {len(sel.codings)} codings",
                          selections=1, codings=len(sel.codings))
                continue
            parts = [(by_pos[k], a, b) for k, a, b in pieces(text, bounds, span[0], span[1])]
            self.placed[sel.guid] = parts
            self.report.placements[sel.guid] = [(seg[1], a, b) for seg, a, b in parts]
            for cguid, code_guid, user_guid, created in sel.codings:
                code_id = self.code_ids.get(code_guid)
                if code_id is None:
                    self.skip(f"{self.name}: coding {cguid or '?'} in {row.file_name!r} refers to code "
                              f"{code_guid or '(none)'}, which is not in the project's codebook; skipped", codings=1)
                    continue
                if code_guid in self.uncodable:
                    self.skipped_uncodable[code_id] = self.skipped_uncodable.get(code_id, 0) + 1
                    continue
                coder = self.coder(user_guid)
                first = None
                for seg, a, b in parts:
                    key = (code_id, coder.id, a, b)
                    if key in existing:
                        self.report.codings_existing += 1
                        c = self.s.scalar(select(Coding).where(
                            Coding.segment_id == existing[key], Coding.code_id == code_id,
                            Coding.coder_id == coder.id, Coding.start_char == a, Coding.end_char == b))
                    else:
                        existing[key] = seg[0]
                        c = Coding(segment_id=seg[0], code_id=code_id, coder_id=coder.id, start_char=a,
                                   end_char=b, origin="imported", codebook_version_id=self.version_id,
                                   created_at=_when(created) or _when(sel.created) or dt.datetime.now(dt.timezone.utc))
                        self.s.add(c)
                        self.report.codings += 1
                        self.report.coders[coder.name] = self.report.coders.get(coder.name, 0) + 1
                    first = first or c
                if first is not None and cguid:
                    self.coding_rows[cguid] = first
                if first is not None:
                    self.coding_rows.setdefault(f"selection:{sel.guid}", first)
        self.s.flush()
        # note selections of this source (QualCoder annotations) use the same reading
        for g in src.notes:
            note = self.notes.get(g)
            for ns in (note.selections if note else []):
                if ns.problem or misfit:
                    continue
                span, _ = st.span(reading, ns.start, ns.end)
                if span is not None:
                    span = st.to_stored(span)
                    k = max(0, bisect_right(bounds, span[0]) - 1)
                    self.placed[f"note:{g}:{ns.guid}"] = [(by_pos[k], span[0], span[1])]
        if new:
            self._source_fields(src, row)

    def _stored_source(self, name: str, text: str, digest: str) -> Source | None:
        """The stored source with exactly this text, if any: found by the hash of its text (an
        imported source) or, since ``workbench ingest`` stores the hash of the file's bytes, by its
        name (a workbench export of an ingested source comes back under its file name)."""
        for cand in self.s.scalars(select(Source).where(or_(Source.content_hash == digest, Source.file_name == name))
                                   .order_by(Source.id)):
            if cand.canonical_text == text:
                return cand
        return None

    @staticmethod
    def _doubtful(text: str, span: tuple[int, int], sel: _Selection) -> str | None:
        """Why a selection in a repaired text does not look like what was selected, or None."""
        a, b = span
        if sel.name and len(sel.name.strip()) >= 3:
            return None if _same_text(text[a:b], sel.name) else \
                f"covers {_clip(text[a:b])!r}, not its name {_clip(sel.name)!r}"
        if _edge_cost(text, a) or _edge_cost(text, b):
            return f"would cut a word ({_clip(text[a:b])!r})"
        return None

    def _new_source(self, src: _TextSource, name: str, st: SourceText, digest: str) -> Source | None:
        text = st.stored
        segs: list[_Seg] | str | None = None
        if src.guid in self.segment_map:   # exported by a workbench: its turns as they were
            segs = mapped_segments(self.segment_map[src.guid], st.text)   # offsets of the text as exported
            if isinstance(segs, list):
                segs = _onto_stored(segs, st)
            if isinstance(segs, str):
                self.warn(f"{self.name}: source {name!r}: {SEGMENTS_FILE} {segs}; the turns are detected in "
                          "the text instead")
                segs = None
        if segs is not None:
            parse_warnings, hint = [], None
        else:
            segs, parse_warnings, hint = segment_text(text, name, self._roster(src, text))
        if parse_warnings:
            self.warn(f"{self.name}: source {name!r}: {len(parse_warnings)} notes from the turn detection, "
                      f"the first: {parse_warnings[0]}")
        if not segs:
            n = sum(len(s.codings) for s in src.selections)
            self.skip(f"{self.name}: source {name!r} has no text; skipped" + (f" with its {n} codings" if n else ""),
                      sources=1, codings=n)
            return None
        if st.bidi:
            from ..ingest.chars import BIDI_NAMES

            self.warn(f"{self.name}: source {name!r}: {st.bidi} bidirectional control characters ({BIDI_NAMES}) "
                      "were taken out of the text, as `workbench ingest` takes them out (they can show a text "
                      "reversed); the selections keep their text")
        stored = name[:480]
        n = 2
        while self.s.scalar(select(Source.id).where(Source.file_name == stored)) is not None:
            stored = f"{name[:470]} ({n})"
            n += 1
        if stored != name:
            self.warn(f"{self.name}: a source named {name!r} with a different text is already stored; this one "
                      f"is stored as {stored!r} (a pseudonymised export never matches the stored text: to add "
                      "another coder's codings to a source, exchange exports made with --reveal)")
        from ..ingest import word_count

        words = [word_count(text[g.start:g.end]) for g in segs]
        # who made the source and when, as the file says (as for codings and notes): its creatingUser
        # (else the project's creator) is a coder here; the importer when the file names no user; a
        # time after now is now (lifecycle.entered_at keeps the time it entered this database)
        creator = self.coder(src.user) if src.user in self.users else self.tx.user
        now = dt.datetime.now(dt.timezone.utc)
        row = Source(file_name=stored, content_hash=digest, format=FORMAT,
                     kind="dokument" if hint == "dokument" else None, canonical_text=text,
                     word_count=sum(words), ingested_by=creator.id,
                     ingested_at=min(_when(src.created) or now, now))
        self.s.add(row)
        self.s.flush()
        speakers: dict[str, Speaker] = {}
        for g in segs:
            if g.speaker and g.speaker not in speakers:
                speakers[g.speaker] = Speaker(source_id=row.id, label=g.speaker)
                self.s.add(speakers[g.speaker])
        self.s.flush()
        self.s.add_all([Segment(source_id=row.id, index=i, speaker_id=speakers[g.speaker].id if g.speaker else None,
                                start_char=g.start, end_char=g.end, start_time=g.start_time, end_time=g.end_time,
                                heading=g.heading, page=g.page, word_count=w)
                        for i, (g, w) in enumerate(zip(segs, words), start=1)])
        self.s.flush()
        self.report.sources.append(stored)
        self.report.segments += len(segs)
        self.tx.audit("ingest", "source", row.id, {"file": stored, "format": FORMAT, "hash": digest,
                                                   "segments": len(segs), "words": sum(words),
                                                   "speakers": sorted(speakers), "import": self.name})
        return row

    def _variable_field(self, var_guid: str, table: dict[str, tuple[str, ...]], where: str) -> str | None:
        name = self.variables.get(var_guid)
        if name is None:
            self.skip(f"{self.name}: {where}: VariableRef {var_guid} is not a <Variable> of the project; skipped",
                      values=1)
            return None
        low = name.strip().lower()
        for fld, names in table.items():
            if low in names:
                return fld
        self.unused_variables.add(name)
        return None

    def _source_fields(self, src: _TextSource, row: Source) -> None:
        from ..ingest.manifest import KINDS, LANGUAGES, parse_date

        for var_guid, value in src.values:
            fld = self._variable_field(var_guid, SOURCE_VARIABLES, f"source {row.file_name!r}")
            if fld is None or not value or getattr(row, fld):
                continue
            if fld == "kind":
                value = value.lower()
                if value not in KINDS:
                    self.skip(f"{self.name}: source {row.file_name!r}: kind {value!r} is not one of "
                              f"{', '.join(KINDS)}; left empty", values=1)
                    continue
            elif fld == "language":
                value = value.lower().replace(" ", "")
                if value not in LANGUAGES:
                    self.skip(f"{self.name}: source {row.file_name!r}: language {value!r} is not one of "
                              f"{', '.join(LANGUAGES)}; left empty", values=1)
                    continue
            elif fld == "date":
                try:
                    value = parse_date(value)
                except ValueError as exc:
                    self.skip(f"{self.name}: source {row.file_name!r}: date {value!r} cannot be read ({exc}); "
                              "left empty", values=1)
                    continue
            limit = {"kind": 40, "phase": 40, "pilot": 100, "county": 100, "date": 20, "language": 10}[fld]
            setattr(row, fld, value[:limit])
            self.report.fields_set += 1

    def store_cases(self) -> None:
        unmatched = []
        lost_values: list[str] = []         # a case's values of variables with no field ("'A' age=34")
        lost_descriptions: list[str] = []   # a case's <Description>: the workbench keeps no memo on a case
        for case in self.cases:
            targets = []
            for g in case["sources"]:
                if g in self.imported:
                    targets.append(self.imported[g])
                elif g not in self.source_guids:
                    self.warn(f"{self.name}: case {case['name'] or case['guid']!r} refers to source {g}, which is "
                              "not in the project; that reference was skipped")
            if not case["sources"]:
                targets = list(self.imported.values())
            values = {}
            for var_guid, value in case["values"]:
                fld = self._variable_field(var_guid, CASE_VARIABLES, f"case {case['name']!r}")
                if fld and value:
                    values[fld] = value
                elif fld is None and value and var_guid in self.variables:
                    lost_values.append(f"{case['name'] or case['guid']!r} {self.variables[var_guid]}={value}")
            if case["description"]:
                lost_descriptions.append(f"{case['name'] or case['guid']!r} "
                                         f"({_clip(case['description'], 60)!r})")
            if not case["name"]:
                continue
            matched = False
            for row, new in targets:
                for sp in self.s.scalars(select(Speaker).where(Speaker.source_id == row.id)):
                    if sp.label.strip().casefold() != case["name"].casefold():
                        continue
                    matched = True
                    changed = False
                    for fld, value in values.items():
                        if new and not getattr(sp, fld):
                            setattr(sp, fld, value[:200 if fld == "organisation" else 100])
                            changed = True
                    self.report.speakers_updated += changed
            if values and not matched:
                unmatched.append(case["name"])
        if unmatched:
            self.skip(f"{self.name}: {len(unmatched)} cases match no speaker label in the imported sources, so "
                      f"their variables were not used: {', '.join(sorted(unmatched)[:10])}"
                      + (" ..." if len(unmatched) > 10 else ""), cases=len(unmatched))
        if lost_descriptions:
            n = len(lost_descriptions)
            self.skip(f"{self.name}: the description{'s' if n > 1 else ''} of {n} case{'s' if n > 1 else ''} "
                      f"{'were' if n > 1 else 'was'} not imported (the "
                      f"workbench keeps no memo on a case): {', '.join(lost_descriptions[:5])}"
                      + (" ..." if len(lost_descriptions) > 5 else ""), notes=len(lost_descriptions))
        if self.unused_variables:
            self.skip(f"{self.name}: variables with no field in the workbench were not imported: "
                      f"{', '.join(sorted(self.unused_variables))}"
                      + (f" (cases' values: {', '.join(lost_values[:5])}{' ...' if len(lost_values) > 5 else ''})"
                         if lost_values else ""), variables=len(self.unused_variables))
        self.s.flush()

    # ---------------------------------------------------------------- memos

    def store_memos(self) -> None:
        attached: set[str] = set()
        by_guid: dict[str, _Selection] = {}
        source_of_selection: dict[str, str] = {}
        for src in self.sources:
            for sel in src.selections:
                by_guid[sel.guid] = sel
                source_of_selection[sel.guid] = src.guid

        def target_of(g: str) -> dict[str, Any] | None:
            """What a GUID names, as a memo target we have."""
            if g in self.coding_rows and g not in by_guid:
                return {"coding_id": self.coding_rows[g].id}
            if g in by_guid:
                first = self.coding_rows.get(f"selection:{g}")
                if first is not None:
                    return {"coding_id": first.id}
                parts = self.placed.get(g)
                return {"segment_id": parts[0][0][0]} if parts else None
            if g in self.imported:
                return {"source_id": self.imported[g][0].id}
            code_id = self.code_ids.get(g)
            if code_id is not None:
                return {"code_id": code_id}
            return None

        wanted: list[tuple[str, dict[str, Any]]] = []   # (note guid, target)
        dangling: list[str] = []

        def want(note_guid: str, target: dict[str, Any] | None, where: str) -> None:
            if note_guid not in self.notes:
                dangling.append(f"{where} -> {note_guid}")
                return
            if target is not None:
                wanted.append((note_guid, target))

        for code_guid, ng in self.code_notes:
            cid = self.code_ids.get(code_guid)
            if cid is not None:
                want(ng, {"code_id": cid}, f"code {cid}")
        for src in self.sources:
            have = src.guid in self.imported
            for ng in src.notes:
                note = self.notes.get(ng)
                if note is not None and note.selections:
                    parts = self.placed.get(f"note:{ng}:{note.selections[0].guid}")
                    want(ng, {"segment_id": parts[0][0][0]} if parts and have else None, f"source {src.name}")
                else:
                    want(ng, {"source_id": self.imported[src.guid][0].id} if have else None, f"source {src.name}")
            for sel in src.selections:
                for ng in sel.notes:
                    want(ng, target_of(sel.guid) if have else None, f"selection {sel.guid}")
                for cg, ngs in sel.coding_notes.items():
                    row = self.coding_rows.get(cg)
                    for ng in ngs:
                        want(ng, {"coding_id": row.id} if row is not None else None, f"coding {cg}")
        for a, b in self.links:
            for note_guid, other in ((a, b), (b, a)):
                if note_guid in self.notes and other not in self.notes:
                    target = target_of(other)
                    if target is not None:
                        wanted.append((note_guid, target))
        for ng in self.project_notes:
            if ng not in self.notes:
                dangling.append(f"project -> {ng}")
        if dangling:
            self.warn(f"{self.name}: {len(dangling)} NoteRefs name no <Note> of the project and were skipped: "
                      f"{', '.join(dangling[:5])}" + (" ..." if len(dangling) > 5 else ""))
        seen: set[tuple] = set()
        for ng, target in wanted:
            note = self.notes[ng]
            attached.add(ng)
            text = note.text or note.name
            if not text.strip():
                continue
            key = (text.strip(), *sorted(target.items()))
            if key in seen:
                continue
            seen.add(key)
            (field_name, value), = target.items()
            exists = self.s.scalar(select(Memo.id).where(getattr(Memo, field_name) == value,
                                                         Memo.text == text.strip()).limit(1))
            if exists is not None:
                continue
            author = self.coder(note.user) if note.user else self.tx.user
            memo = Memo(author_id=author.id, text=text.strip(), **target)
            created = _when(note.created)
            if created is not None:
                memo.created_at = created
            self.s.add(memo)
            self.report.memos += 1
        self.s.flush()
        loose = [n.name or g for g, n in self.notes.items() if g not in attached]
        if loose:
            self.skip(f"{self.name}: {len(loose)} notes are attached to nothing imported (the project, a set, a "
                      f"case or a skipped source) and were not stored: {', '.join(repr(x) for x in loose[:5])}"
                      + (" ..." if len(loose) > 5 else ""),
                      notes=sum(g not in self.notes_lost for g, n in self.notes.items() if g not in attached))
