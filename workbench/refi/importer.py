"""QDPX import: a REFI-QDA project from NVivo, ATLAS.ti, MAXQDA, QualCoder (or the workbench) into
the current database, as new sources, codes, coders, codings (origin ``imported``) and memos.

``import_qdpx(db, path)`` reads a ``.qdpx`` archive (or a bare ``project.qde``) and stores it in
ONE transaction: a file that cannot be read changes nothing, and the error is one line naming the
file, the element or GUID and the fix. Problems with single items (a reference to nothing, a
missing source file, a selection outside its text) are warnings; the rest is imported.

What other tools really write, and how it is read:

* ``Sources/`` or ``sources/``, ``internal://GUID.txt`` or a bare file name (qc), GUIDs in either
  case, with or without braces (compared with :func:`workbench.refi.common.normalise_guid`), any
  namespace (elements are matched by local name), a BOM before the XML and in the text files.
* A ``TextSource`` is read from its ``plainTextPath``, its ``PlainTextContent``, or, when only a
  ``richTextPath`` is there, from the ``.docx`` (python-docx; paragraphs, one per line). A bare
  ``.qde`` looks for ``sources/`` beside it; a source whose file is missing is a warning.
  PDF, picture, audio and video sources are skipped with a warning.
* Text: the BOM is dropped, CRLF and lone CR become LF and NUL characters are removed; the
  stored ``canonical_text`` is that text, character for character, so an imported source keeps
  the layout the other tool had (offsets are converted to it, see below).

**Offsets.** The standard says Unicode code points; NVivo writes UTF-16 code units and counts
CRLF as two; ATLAS.ti is said to count CRLF as one. Per source every candidate reading that
differs for this text (code points or UTF-16 units, CRLF as written or as one character) is
applied to all of its selections and scored: a selection edge past the text or inside a
surrogate pair rules a reading out for that selection (1000), an edge inside a word or before a
combining mark costs 1, an edge between CR and LF costs 5, and a selection whose ``name`` is
exactly its text (QualCoder) earns 3. The lowest total wins; a tie goes to the standard. The
summary names the reading used per source (``ImportReport.readings``).

**Segments.** Speaker turns are found with ``ingest.text.text_to_parsed`` exactly as in
ingestion (the names of the project's cases that occur as labels in the text serve as the
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
joined over the pieces is exactly the selected text. ``ImportReport.placements`` lists the pieces
of every selection (selection GUID -> ``[(turn, start_char, end_char), ...]``).

Everything else:

* Codes: the project's ``CodeBook`` is read by :func:`workbench.codebook.qdc.parse_qdc` (ids
  from the description's ``id:`` line, else from the names); codes that exist by id keep theirs,
  new ones are added and a codebook version holding the merged codebook is recorded.
* Users become coders by name (``coder_prefix`` is put before every name, e.g. "nvivo:"); a
  coding's coder is its ``creatingUser``, else its selection's, else the project's creator.
  References to nothing (a code, a user, a source, a note that is not in the project) are
  warned about and skipped (QualCoder writes some).
* Notes become memos where they are attached to something imported: a code (``Code/NoteRef``),
  a source, a selection or a coding (its first piece; a selection without codings: its turn), a
  QualCoder annotation (a note with its own selection, referred to by a source: its turn), or a
  ``Link`` between a note and one of these. Other notes are listed in one warning.
* Cases: where a case's name is a speaker label in a source the case refers to (any imported
  source when it refers to none), the speakers get the case's actor, organisation and pilot
  (variables named actor/aktør, organisation/organisasjon, pilot). Source variables named
  kind/type, phase/fase, pilot, county/fylke, date/dato, language/språk (any case) fill those
  fields of a new source; other variables are listed in a warning.
* Import twice: a source whose text is already stored (content hash of the stored text, and the
  same text) is used as it is; codings, memos and codes already there are not added again, so the
  same file again adds nothing and the summary says so. A second project with the same sources
  (another coder's work) adds its codings to them, ready for ``workbench agreement``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import unicodedata
import zipfile
import zlib
from bisect import bisect_left, bisect_right
from dataclasses import asdict, dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any, Iterable

from lxml import etree
from sqlalchemy import func, select

from ..access import demand, requires
from ..errors import InputError, NotFound
from ..store import Code, CodebookVersion, Coding, Database, Memo, Segment, Source, Speaker
from ..store.db import get_or_create_user
from .common import normalise_guid

__all__ = ["ImportReport", "import_qdpx", "READINGS", "SourceText"]

FORMAT = "qdpx"
MAX_UNPACKED = 2 * 1024 ** 3      # bytes the archive may unpack to in all
MAX_RATIO = 200                   # compression ratio above which a large member is refused

#: Offset readings, in order of preference on a tie (the standard first).
READINGS = {
    "cp": "kodepunkter (standarden)",
    "u16": "UTF-16-kodeenheter (slik NVivo skriver)",
    "cp1": "kodepunkter med CRLF telt som ett tegn",
    "u16_1": "UTF-16-kodeenheter med CRLF telt som ett tegn",
}
_ORDER = tuple(READINGS)
INVALID = 1000

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
    segments: int = 0
    codes_added: list[str] = field(default_factory=list)
    codes_kept: list[str] = field(default_factory=list)       # existed by id: kept as they were
    coders: dict[str, int] = field(default_factory=dict)      # coder -> new codings
    codings: int = 0
    codings_existing: int = 0
    memos: int = 0
    speakers_updated: int = 0
    fields_set: int = 0                                       # source fields set from variables
    readings: dict[str, str] = field(default_factory=dict)    # source -> offset reading used
    warnings: list[str] = field(default_factory=list)
    placements: dict[str, list[tuple[int, int, int]]] = field(default_factory=dict)
    codebook_version: int | None = None

    @property
    def nothing_new(self) -> bool:
        return not (self.sources or self.codes_added or self.codings or self.memos
                    or self.speakers_updated or self.fields_set)

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
        if self.coders:
            lines.append("Kodere: " + ", ".join(f"{name} ({n} nye kodinger)" for name, n in self.coders.items()))
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
        return d


# ------------------------------------------------------------------------------------------ archive

class _Container:
    """The files beside ``project.qde``: a zip archive or, for a bare .qde, its folder."""

    def __init__(self, label: str, zf: zipfile.ZipFile | None = None, folder: Path | None = None):
        self.label = label
        self.zf = zf
        self.folder = folder
        self.names: list[str] = []
        if zf is not None:
            self.names = [i.filename for i in zf.infolist() if not i.is_dir()]
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
        self.lower = {}
        for n in self.names:
            self.lower.setdefault(n.lower(), n)

    def find(self, ref: str) -> str | None:
        """The member a path attribute means (``internal://x.txt``, ``x.txt``, ``relative:///x``),
        matched without regard to case, in ``sources/`` first."""
        value = (ref or "").strip().replace("\\", "/")
        low = value.lower()
        for scheme in ("internal://", "relative://", "file://"):
            if low.startswith(scheme):
                value = value[len(scheme):]
                break
        rel = value.lstrip("/")
        if not rel:
            return None
        for cand in (f"sources/{rel}", rel):
            hit = self.lower.get(cand.lower())
            if hit is not None:
                return hit
        base = PurePosixPath(rel).name.lower()
        hits = [n for n in self.names if PurePosixPath(n).name.lower() == base]
        if len(hits) > 1:
            hits = [n for n in hits if n.lower().startswith("sources/")] or hits
        return hits[0] if len(hits) == 1 else None

    def read(self, member: str) -> bytes:
        if self.zf is not None:
            info = self.zf.getinfo(member)
            if info.file_size > 64 * 1024 * 1024 and info.compress_size and \
                    info.file_size / info.compress_size > MAX_RATIO:
                raise InputError(f"{self.label}: {member} unpacks to {info.file_size} bytes at a ratio above "
                                 f"{MAX_RATIO}; refused as a possible zip bomb")
            return self.zf.read(member)
        assert self.folder is not None
        path = (self.folder / member).resolve()
        if self.folder.resolve() not in path.parents:
            raise InputError(f"{self.label}: {member} lies outside the project's folder; refused")
        return path.read_bytes()


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
        try:
            return container.read(qdes[0]), container
        except (zipfile.BadZipFile, OSError, EOFError, zlib.error) as exc:
            raise InputError(f"{name}: {qdes[0]} cannot be unpacked ({exc}); export the project again") from None
    head = data.lstrip(b"\xef\xbb\xbf").lstrip()[:1]
    if head != b"<":
        raise InputError(f"{name}: neither a REFI-QDA project archive (.qdpx, a zip file) nor a project.qde "
                         "(XML); export the project from the other tool as a REFI-QDA project")
    return data, _Container(name, folder=path.parent)


def _parse_xml(data: bytes, name: str) -> Any:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=True)
    try:
        root = etree.fromstring(data.lstrip(b"\xef\xbb\xbf").lstrip(), parser)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{name}: project.qde is not well-formed XML (line {exc.lineno}: {exc.msg}); "
                         "export the project again from the other tool") from None
    if _local(root) != "Project":
        raise InputError(f"{name}: the root element of project.qde is <{_local(root) or '?'}>, not <Project>; "
                         "is it a REFI-QDA project? (a codebook .qdc goes in with `workbench codebook import`)")
    return root


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
    """(text, warning): UTF-8 (BOM dropped), UTF-16/32 with a BOM, else Windows-1252 with a warning.
    Offsets of the other tools begin after the BOM."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return data.decode("utf-32"), None
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), None
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace"), "not UTF-8; read as Windows-1252"


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


class SourceText:
    """A source's text as the other tool wrote it (``raw``: BOM dropped, CRLF kept) and as stored
    (``text``: LF line ends, no NUL), with the offset readings between them."""

    def __init__(self, raw: str):
        self.raw = raw
        self.removed = [m.start() for m in _REMOVED.finditer(raw)]
        self.text = _REMOVED.sub("", raw).replace("\r", "\n") if (self.removed or "\r" in raw) else raw
        astral_raw = [m.start() for m in _ASTRAL.finditer(raw)]
        self._q_raw = [p + j for j, p in enumerate(astral_raw)]
        self._q_text = [p + j for j, p in enumerate(m.start() for m in _ASTRAL.finditer(self.text))]

    def readings(self) -> list[str]:
        """The readings that can differ for this text, in order of preference."""
        out = ["cp"]
        if self._q_raw:
            out.append("u16")
        if self.removed:
            out.append("cp1")
            if self._q_raw:
                out.append("u16_1")
        return out

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


def choose_reading(st: SourceText, selections: list[tuple[int, int, str]]) -> tuple[str, str, dict[str, list]]:
    """The reading that explains ``selections`` ((start, end, name) as written) best, a Norwegian
    description of the choice, and every candidate's spans (None where impossible)."""
    results: dict[str, list] = {}
    scores: dict[str, int] = {}
    bad: dict[str, int] = {}
    for reading in st.readings():
        spans, total, wrong = [], 0, 0
        for start, end, name in selections:
            span, cost = st.span(reading, start, end)
            if span is not None and name and len(name.strip()) >= 3 and \
                    _same_text(st.text[span[0]:span[1]], name):
                cost -= 3
            spans.append(span)
            total += cost
            wrong += cost > 0
        results[reading], scores[reading], bad[reading] = spans, total, wrong
    best = min(scores, key=lambda r: (scores[r], _ORDER.index(r)))
    n = len(selections)
    if not n:
        return best, "ingen utvalg med forskyvninger", results
    label = READINGS[best]
    same = all(results[r] == results[best] for r in results)
    if same:
        why = f"{n} utvalg; alle lesemåter gir det samme her"
    else:
        why = f"{n} utvalg, {bad[best]} med en kant inne i et ord eller utenfor teksten"
        if best != "cp":
            why += f" (lest som kodepunkter: {bad['cp']})"
        else:
            others = [r for r in results if r != "cp"]
            why += "; " + ", ".join(f"som {READINGS[r].split(' (')[0]}: {bad[r]}" for r in others)
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

    parsed = text_to_parsed(text, FORMAT, roster or None, name)
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


def _code_guids(root: Any, path: Path) -> tuple[list[Any], dict[str, str], list[str]]:
    """(CodeSpecs in pre-order, code GUID -> id, warnings), read with ``parse_qdc``."""
    from ..codebook import qdc

    book = next((el for el in root.iter() if _local(el) == "CodeBook"), None)
    codes_el = _kid(book, "Codes") if book is not None else None
    if codes_el is None or not _kids(codes_el, "Code"):
        return [], {}, []
    specs, info = qdc.parse_qdc(path)

    def read(el: Any) -> dict[str, Any]:  # the same tree parse_qdc builds, with the GUIDs
        return {"name": (el.get("name") or "").strip() or "uten navn", "guid": _guid(el.get("guid")),
                "codable": True, "color": None, "desc": "", "children": [read(c) for c in _kids(el, "Code")]}

    raw = [read(c) for c in _kids(codes_el, "Code")]
    origin = (book.get("origin") or root.get("origin") or "")
    if all(not r["children"] for r in raw):
        raw = qdc._split_flat_names(raw, taguette=origin.lower().startswith("taguette"))
    order: list[dict[str, Any]] = []

    def walk(node: dict[str, Any]) -> None:
        order.append(node)
        for c in node["children"]:
            walk(c)

    for r in raw:
        walk(r)
    if len(order) != len(specs) or any(n["name"] != s.label for n, s in zip(order, specs)):
        raise InputError(f"{path.name}: the codebook could not be read consistently; export it again")
    guids = {n["guid"]: s.id for n, s in zip(order, specs) if n["guid"]}
    return specs, guids, list(info.get("warnings") or [])


# ------------------------------------------------------------------------------------------ import

@requires("ingest")
def import_qdpx(db: Database, path: str | Path, *, coder_prefix: str | None = None,
                user: str | None = None) -> ImportReport:
    """Import the REFI-QDA project ``path`` (.qdpx, or a bare project.qde) into the database.

    New sources (with turns found as in ingestion), codes, coders (``coder_prefix`` before each
    name, e.g. "nvivo:"), codings (origin ``imported``) and memos, in one transaction; see the
    module docstring for how offsets, segments and references are read. Returns an
    :class:`ImportReport`; ``report.summary()`` says what was done and which offset reading was
    used per source. Raises ``InputError`` (one line) for a file that is not a readable project.
    """
    demand("edit_codebook", "import_qdpx")
    demand("code", "import_qdpx")
    path = Path(path)
    data, container = _open(path)
    root = _parse_xml(data, path.name)
    return _Importer(db, path, root, container, coder_prefix or "", user).run()


class _Importer:
    def __init__(self, db: Database, path: Path, root: Any, container: _Container, prefix: str,
                 user: str | None):
        self.db, self.path, self.root, self.container, self.prefix, self.user = \
            db, path, root, container, prefix, user
        self.name = path.name
        self.report = ImportReport(file=path.name, origin=(root.get("origin") or "").strip(),
                                   project=(root.get("name") or "").strip())
        self.warn = self.report.warnings.append
        self.unknown_users: set[str] = set()
        self.unused_variables: set[str] = set()

    # ---------------------------------------------------------------- reading (no database)

    def read(self) -> None:
        root = self.root
        users_el = _kid(root, "Users")
        self.users: dict[str, str] = {}
        for u in (_kids(users_el, "User") if users_el is not None else []):
            g = _guid(u.get("guid"))
            if g:
                self.users[g] = (u.get("name") or u.get("id") or "").strip() or f"bruker {g[:8]}"
        creator = _guid(root.get("creatingUserGUID"))
        self.default_user = creator if creator in self.users else ""
        self.specs, self.code_ids, code_warnings = _code_guids(root, self.path)
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
        sources_el = _kid(root, "Sources")
        for el in (list(sources_el) if sources_el is not None else []):
            kind = _local(el)
            g = _guid(el.get("guid"))
            self.source_guids.add(g)
            if kind == "TextSource":
                self.sources.append(self._text_source(el))
            elif kind:
                n = sum(1 for c in el.iter() if _local(c) == "Coding")
                what = _SKIPPED_SOURCES.get(kind, kind)
                self.warn(f"{self.name}: {kind} {el.get('name') or g!r} ({what}) is not supported; skipped"
                          + (f" with its {n} codings" if n else "") + "; import it with `workbench ingest` if "
                          "it has a text version")
        self.cases = []
        cases_el = _kid(root, "Cases")
        for c in (_kids(cases_el, "Case") if cases_el is not None else []):
            self.cases.append({
                "guid": _guid(c.get("guid")), "name": (c.get("name") or "").strip(),
                "values": [v for v in (_value(vv) for vv in _kids(c, "VariableValue")) if v],
                "sources": [_guid(r.get("targetGUID")) for r in _kids(c, "SourceRef")]})
        self.links = []
        links_el = _kid(root, "Links")
        for ln in (_kids(links_el, "Link") if links_el is not None else []):
            self.links.append((_guid(ln.get("originGUID")), _guid(ln.get("targetGUID"))))
        self.code_notes = []   # (code id, note guid)
        for el in root.iter():
            if _local(el) == "Code" and _kids(el, "NoteRef"):
                cid = self.code_ids.get(_guid(el.get("guid")))
                for r in _kids(el, "NoteRef"):
                    if cid:
                        self.code_notes.append((cid, _guid(r.get("targetGUID"))))
        self.project_notes = [_guid(r.get("targetGUID")) for r in _kids(root, "NoteRef")]

    def warn_all(self, items: Iterable[str]) -> None:
        for w in items:
            self.warn(f"{self.name}: {w}")

    def _note(self, el: Any) -> _Note:
        text = _text_of(_kid(el, "PlainTextContent")).strip()
        if not text and el.get("plainTextPath"):
            member = self.container.find(el.get("plainTextPath"))
            if member is not None:
                try:
                    text = SourceText(decode_text(self.container.read(member))[0]).text.strip()
                except (OSError, KeyError, zipfile.BadZipFile):
                    text = ""
        if not text:
            text = _text_of(_kid(el, "Description")).strip()
        user = _guid(el.get("creatingUser"))
        sels = [s for s in (_selection(p, user) for p in _kids(el, "PlainTextSelection")) if s]
        return _Note(_guid(el.get("guid")), (el.get("name") or "").strip(), text, user,
                     el.get("creationDateTime"), sels)

    def _text_source(self, el: Any) -> _TextSource:
        g = _guid(el.get("guid"))
        plain, rich = el.get("plainTextPath"), el.get("richTextPath")
        name = (el.get("name") or "").strip() or PurePosixPath((plain or rich or "").replace("\\", "/")).name \
            or f"kilde {g[:8]}"
        user = _guid(el.get("creatingUser")) or self.default_user
        src = _TextSource(g, name, el, user, el.get("creationDateTime"))
        for s in _kids(el, "PlainTextSelection"):
            src.selections.append(_selection(s, user))
        for c in _kids(el, "Coding"):   # a code on the whole source
            ref = _kid(c, "CodeRef")
            cg = _guid(c.get("guid"))
            src.selections.append(_Selection(cg, 0, 0, "", user, c.get("creationDateTime"), [
                (cg, _guid(ref.get("targetGUID")) if ref is not None else "", _guid(c.get("creatingUser")) or user,
                 c.get("creationDateTime"))], [], {cg: [_guid(r.get("targetGUID")) for r in _kids(c, "NoteRef")]},
                whole=True))
        src.notes = [_guid(r.get("targetGUID")) for r in _kids(el, "NoteRef")]
        src.values = [v for v in (_value(vv) for vv in _kids(el, "VariableValue")) if v]
        # the text
        inline = _kid(el, "PlainTextContent")
        where = ""
        try:
            if plain:
                member = self.container.find(plain)
                where = plain
                if member is not None:
                    src.raw, problem = decode_text(self.container.read(member))
                    src.origin_of_text = member
                    if problem:
                        self.warn(f"{self.name}: source {name!r}: {member} is {problem}; check its characters")
            if src.raw is None and inline is not None:
                src.raw, src.origin_of_text = _text_of(inline), "PlainTextContent"
            if src.raw is None and rich:
                member = self.container.find(rich)
                where = where or rich
                if member is not None:
                    src.raw, src.origin_of_text = docx_text(self.container.read(member)), member
                    if plain:
                        self.warn(f"{self.name}: source {name!r}: {plain} is missing; the text was read from "
                                  f"the Word file {member}, so selection offsets may be off")
        except InputError:
            raise
        except Exception as exc:  # a damaged member or Word file: this source only
            self.warn(f"{self.name}: source {name!r} (GUID {g}): {where or 'its text'} cannot be read "
                      f"({type(exc).__name__}); skipped")
            src.raw = None
            return src
        if src.raw is None:
            n = sum(len(s.codings) for s in src.selections)
            missing = where or "no plainTextPath, PlainTextContent or richTextPath"
            self.warn(f"{self.name}: source {name!r} (GUID {g}): {missing} is not in the "
                      f"{'archive' if self.container.zf is not None else 'folder'}; skipped"
                      + (f" with its {n} codings" if n else "")
                      + "; export the project with its source files")
        return src

    # ---------------------------------------------------------------- storing

    def run(self) -> ImportReport:
        self.read()
        with self.db.transaction(self.user) as tx:
            self.tx, self.s = tx, tx.session
            self.coder_rows: dict[str, Any] = {}
            self.store_codes()
            self.version_id = self.s.scalar(select(func.max(CodebookVersion.id)))
            self.placed: dict[str, list[tuple[Any, int, int]]] = {}       # selection guid -> (segment, s, e)
            self.coding_rows: dict[str, Any] = {}                          # coding guid -> first piece
            self.imported: dict[str, tuple[Source, bool]] = {}             # source guid -> (row, new)
            for src in self.sources:
                if src.raw is not None:
                    self.store_source(src)
            self.store_cases()
            self.store_memos()
            if self.report.sources:
                from ..sharing import assign_pseudonyms

                assign_pseudonyms(self.s)
            if not self.report.nothing_new:
                tx.audit("import_qdpx", "file", self.name, {
                    "origin": self.report.origin, "sources": self.report.sources, "reused": self.report.reused,
                    "codes_added": self.report.codes_added, "codings": self.report.codings,
                    "coders": self.report.coders, "memos": self.report.memos,
                    "readings": self.report.readings, "warnings": len(self.report.warnings)})
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
        name = f"{self.prefix}{name}"
        row = self.coder_rows.get(name)
        if row is None:
            row = self.coder_rows[name] = get_or_create_user(self.s, name)
        return row

    def store_codes(self) -> None:
        from ..codebook.schema import codebook_from_specs, specs_from_rows

        if not self.specs:
            return
        existing = {c.id: c for c in self.s.scalars(select(Code))}
        new = [sp for sp in self.specs if sp.id not in existing]
        self.report.codes_kept = [sp.id for sp in self.specs if sp.id in existing]
        if not new:
            return
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
        st = SourceText(src.raw)
        text = st.text
        name = src.name
        if not text.strip():
            n = sum(len(s.codings) for s in src.selections)
            self.warn(f"{self.name}: source {name!r} (GUID {src.guid}) has no text; skipped"
                      + (f" with its {n} codings" if n else ""))
            return
        digest = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
        row = None
        for cand in self.s.scalars(select(Source).where(Source.content_hash == digest)):
            if cand.canonical_text == text:
                row = cand
                break
        new = row is None
        if new:
            row = self._new_source(src, name, text, digest)
            if row is None:
                return
        else:
            self.report.reused.append(row.file_name if row.file_name == name else f"{name} (= {row.file_name})")
        self.imported[src.guid] = (row, new)
        segs = list(self.s.execute(select(Segment.id, Segment.index, Segment.start_char, Segment.end_char)
                                   .where(Segment.source_id == row.id).order_by(Segment.index)).all())
        if not segs:
            self.warn(f"{self.name}: source {row.file_name!r} has no segments; its selections were skipped")
            return
        bounds = zones(text, [(s[2], s[3]) for s in segs])

        # offsets: choose the reading from the source's own selections
        ranged = [s for s in src.selections if not s.whole and not s.problem]
        reading, why, spans = choose_reading(st, [(s.start, s.end, s.name) for s in ranged])
        self.report.readings[row.file_name] = why
        mapped: dict[int, tuple[int, int] | None] = {id(s): sp for s, sp in zip(ranged, spans[reading])}
        for s in src.selections:
            if s.whole:
                mapped[id(s)] = (0, len(text))
        existing = set(self.s.execute(
            select(Coding.segment_id, Coding.code_id, Coding.coder_id, Coding.start_char, Coding.end_char)
            .join(Segment, Coding.segment_id == Segment.id).where(Segment.source_id == row.id)).all())
        by_pos = segs
        for sel in src.selections:
            if sel.problem:
                self.warn(f"{self.name}: selection {sel.guid} in {row.file_name!r}: {sel.problem}; "
                          f"skipped with its {len(sel.codings)} codings")
                continue
            span = mapped.get(id(sel))
            if span is None or span[0] >= span[1]:
                what = "is empty" if span is not None or sel.start == sel.end else \
                    f"lies outside the text ({len(text)} characters) read as {READINGS[reading].split(' (')[0]}"
                self.warn(f"{self.name}: selection {sel.guid} in {row.file_name!r} "
                          f"({sel.start}-{sel.end}) {what}; skipped with its {len(sel.codings)} codings")
                continue
            parts = [(by_pos[k], a, b) for k, a, b in pieces(text, bounds, span[0], span[1])]
            self.placed[sel.guid] = parts
            self.report.placements[sel.guid] = [(seg[1], a, b) for seg, a, b in parts]
            for cguid, code_guid, user_guid, created in sel.codings:
                code_id = self.code_ids.get(code_guid)
                if code_id is None:
                    self.warn(f"{self.name}: coding {cguid or '?'} in {row.file_name!r} refers to code "
                              f"{code_guid or '(none)'}, which is not in the project's codebook; skipped")
                    continue
                coder = self.coder(user_guid)
                first = None
                for seg, a, b in parts:
                    key = (seg[0], code_id, coder.id, a, b)
                    if key in existing:
                        self.report.codings_existing += 1
                        c = self.s.scalar(select(Coding).where(
                            Coding.segment_id == seg[0], Coding.code_id == code_id, Coding.coder_id == coder.id,
                            Coding.start_char == a, Coding.end_char == b))
                    else:
                        existing.add(key)
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
                if ns.problem:
                    continue
                span, _ = st.span(reading, ns.start, ns.end)
                if span is not None:
                    k = max(0, bisect_right(bounds, span[0]) - 1)
                    self.placed[f"note:{g}:{ns.guid}"] = [(by_pos[k], span[0], span[1])]
        if new:
            self._source_fields(src, row)

    def _new_source(self, src: _TextSource, name: str, text: str, digest: str) -> Source | None:
        segs, parse_warnings, hint = segment_text(text, name, self._roster(src, text))
        if parse_warnings:
            self.warn(f"{self.name}: source {name!r}: {len(parse_warnings)} notes from the turn detection, "
                      f"the first: {parse_warnings[0]}")
        if not segs:
            self.warn(f"{self.name}: source {name!r} has no text; skipped")
            return None
        stored = name[:480]
        n = 2
        while self.s.scalar(select(Source.id).where(Source.file_name == stored)) is not None:
            stored = f"{name[:470]} ({n})"
            n += 1
        if stored != name:
            self.warn(f"{self.name}: a different source named {name!r} is already stored; this one is stored "
                      f"as {stored!r}")
        from ..ingest import word_count

        words = [word_count(text[g.start:g.end]) for g in segs]
        row = Source(file_name=stored, content_hash=digest, format=FORMAT,
                     kind="dokument" if hint == "dokument" else None, canonical_text=text,
                     word_count=sum(words), ingested_by=self.tx.user.id)
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
                                heading=g.heading, word_count=w)
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
            self.warn(f"{self.name}: {where}: VariableRef {var_guid} is not a <Variable> of the project; skipped")
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
                    self.warn(f"{self.name}: source {row.file_name!r}: kind {value!r} is not one of "
                              f"{', '.join(KINDS)}; left empty")
                    continue
            elif fld == "language":
                value = value.lower().replace(" ", "")
                if value not in LANGUAGES:
                    self.warn(f"{self.name}: source {row.file_name!r}: language {value!r} is not one of "
                              f"{', '.join(LANGUAGES)}; left empty")
                    continue
            elif fld == "date":
                try:
                    value = parse_date(value)
                except ValueError as exc:
                    self.warn(f"{self.name}: source {row.file_name!r}: date {value!r} cannot be read ({exc}); "
                              "left empty")
                    continue
            limit = {"kind": 40, "phase": 40, "pilot": 100, "county": 100, "date": 20, "language": 10}[fld]
            setattr(row, fld, value[:limit])
            self.report.fields_set += 1

    def store_cases(self) -> None:
        unmatched = []
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
            self.warn(f"{self.name}: {len(unmatched)} cases match no speaker label in the imported sources, so "
                      f"their variables were not used: {', '.join(sorted(unmatched)[:10])}"
                      + (" ..." if len(unmatched) > 10 else ""))
        if self.unused_variables:
            self.warn(f"{self.name}: variables with no field in the workbench were not imported: "
                      f"{', '.join(sorted(self.unused_variables))}")
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
            code_id = next((cid for cg, cid in self.code_ids.items() if cg == g), None)
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

        for cid, ng in self.code_notes:
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
            self.warn(f"{self.name}: {len(loose)} notes are attached to nothing imported (the project, a set, a "
                      f"case or a skipped source) and were not stored: {', '.join(repr(x) for x in loose[:5])}"
                      + (" ..." if len(loose) > 5 else ""))
