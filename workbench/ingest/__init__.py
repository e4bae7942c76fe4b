"""Ingestion: one reader per format -> Turn records; manifest and roster; ingest_paths().

``READERS`` maps a file extension to ``read(path, roster) -> Parsed``; register a third-party
reader the same way the built-ins are registered below. Readers of formats that may hold either a
transcript or notes (.txt, .md, .docx) also take ``force_notes=True``.
"""

from __future__ import annotations

import errno
import hashlib
import inspect
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from ..errors import WorkbenchError
from ..privacy import label_warning
from ..access import requires
from .limits import Limits, check_file
from .media import MEDIA_EXTENSIONS, resolve as _resolve_media
from .metadata import _update_from_tables
from .chars import BIDI_CONTROLS, BIDI_NAMES, clean_text, counting_bidi
from .manifest import (NOTES_KINDS, FileRef, TableRow, align_spellings, describe, manifest_rows, missing_files,
                       nfc, participant_rows)
from .model import Parsed, Turn
from .readers.sniff import unknown_type_fix
from .readers import docx as _docx, jsonfile as _json, odt as _odt, pdf as _pdf, plaintext as _plaintext, srt as _srt
from .readers import tablefile as _table, tsvfile as _tsv, vtt as _vtt

__all__ = ["READERS", "IngestInterrupted", "IngestReport", "Limits", "Parsed", "Turn", "ingest_paths",
           "list_sources", "list_turns", "read_file", "build_canonical", "word_count", "analyse_turns",
           "ensure_lemmas"]

READERS: dict[str, Callable[..., Parsed]] = {
    "docx": _docx.read,
    "vtt": _vtt.read,
    "srt": _srt.read,
    "txt": _plaintext.read,
    "md": _plaintext.read,
    "markdown": _plaintext.read,
    "pdf": _pdf.read,
    "odt": _odt.read,
    "json": _json.read,      # Whisper, WhisperX, whisper.cpp, faster-whisper, transformers
    "csv": _table.read,      # turn tables
    "xlsx": _table.read,
    "tsv": _tsv.read,        # Whisper's .tsv (times in milliseconds) and tab-separated turn tables
}

TABLE_EXTENSIONS = {"csv", "xlsx", "xls", "json", "jsonl", "yaml", "yml", "py"}  # manifests, codings, scripts
# In a folder, a file of these types is a transcript only when its content says so (``SNIFFERS``) or
# a manifest or participants row names it; its other tables (codings, exports, settings) are left
# alone. Files named manifest*/participants* (.csv, .tsv, .xlsx) are metadata tables, never transcripts.
SNIFFERS: dict[str, Callable[[Path], bool]] = {
    "json": _json.looks_like_transcript,
    "csv": _table.looks_like_transcript,
    "xlsx": _table.looks_like_transcript,
    "tsv": _tsv.looks_like_transcript,
}
METADATA_STEMS = ("manifest", "participants")
METADATA_SUFFIXES = (".csv", ".tsv", ".xlsx")
SKIP_IN_FOLDERS = re.compile(r"^(readme|license|changelog)(\.\w+)?$", re.I)
_WORD = re.compile(r"\w+")


def assign_pseudonyms(session) -> int:
    """``workbench.sharing.assign_pseudonyms`` (imported on first use: the sharing layer brings
    pandas, which commands that only read do not need)."""
    from ..sharing import assign_pseudonyms as assign

    return assign(session)


def word_count(text: str) -> int:
    """Number of regex ``\\w+`` matches."""
    return len(_WORD.findall(text))


@dataclass
class IngestReport:
    """What one ``ingest_paths`` call did."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)  # another name, bytes already stored: skipped
    changed: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # unchanged files whose metadata the tables changed: a line each
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    words: int = 0
    turns: int = 0
    seconds: float = 0.0
    stopped: bool = False  # errors in the manifest/participants tables: nothing was read
    interrupted: str | None = None  # Ctrl-C: the file being read then ("" if between files)

    @property
    def failed(self) -> bool:
        """True when anything went wrong or a changed file did not go in (the command line exits 1)."""
        return bool(self.errors or self.changed)

    def summary(self) -> str:
        rate = f", {self.words / self.seconds:,.0f} ord/s".replace(",", " ") if self.seconds > 0 and self.words else ""
        copies = f"{len(self.duplicates)} hoppet over (samme innhold som en lagret fil), " if self.duplicates else ""
        updated = f"{len(self.updated)} oppdatert (metadata), " if self.updated else ""
        line = (f"{len(self.added)} lagt til, {len(self.unchanged)} uendret, {updated}{copies}{len(self.changed)} endret "
                f"(ikke lest inn på nytt), {len(self.errors)} feil; {self.turns} segmenter, "
                f"{self.words} ord på {self.seconds:.2f} s{rate}")
        if self.interrupted is not None:
            during = f" under {self.interrupted} (den er ikke lagret)" if self.interrupted else ""
            files = "1 fil" if len(self.added) == 1 else f"{len(self.added)} filer"
            line = f"Avbrutt{during}; {files} ble lagret før avbruddet og beholdes. " + line
        elif self.stopped:
            line = ("Ingenting lest inn: rett feilene i manifest/deltakerliste over og kjør igjen. " + line)
        return line


# ------------------------------------------------------------------------------------------ reading

def read_file(path: Path, roster: Iterable[str] | None = None, *, kind: str | None = None,
              strict_roster: bool = False, limits: Limits | None = None) -> Parsed:
    """Read one file with the reader registered for its extension (no database involved).

    The file is checked against ``limits`` (default ``Limits.from_env()``) before it is parsed: size
    on disk, and for zip-based formats the unpacked size and compression ratio. ``strict_roster``
    is passed to a reader that takes it (a label not in the roster is then an error)."""
    path = Path(path)
    ext = path.suffix.lower().lstrip(".")
    reader = READERS.get(ext)
    if reader is None:
        raise WorkbenchError(f"{path.name}: unknown file type '.{ext}'; supported: "
                             f"{', '.join('.' + e for e in sorted(READERS))}{unknown_type_fix(ext)}")
    if not path.exists():
        raise WorkbenchError(f"{path}: file not found; check the path")
    if path.stat().st_size == 0:
        raise WorkbenchError(f"{path.name}: the file is empty; nothing to ingest")
    check_file(path, limits)
    roster_set = {clean_text(r) for r in roster} if roster else None  # NFC, as the text
    kwargs = {}
    params = inspect.signature(reader).parameters
    if kind in NOTES_KINDS and "force_notes" in params:
        kwargs["force_notes"] = True
    if strict_roster and ("strict_roster" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())):
        kwargs["strict_roster"] = True
    with counting_bidi() as taken:  # the bidirectional controls the reader took out before it looked for labels
        parsed = reader(path, roster_set, **kwargs)
    # every reader's text, speakers and headings in NFC without zero-width characters (the readers
    # clean their text before they look for labels; this also covers readers registered by others),
    # and without bidirectional controls, counted in one warning with those the reader took out
    bidi = taken[0]
    for t in parsed.turns:
        t.text, n = BIDI_CONTROLS.subn("", clean_text(t.text.replace("\x00", "")))
        t.text = t.text.strip()
        bidi += n
        if t.speaker:
            t.speaker, n = BIDI_CONTROLS.subn("", clean_text(t.speaker))
            t.speaker = t.speaker.strip() or None
            bidi += n
        if t.heading:
            t.heading, n = BIDI_CONTROLS.subn("", clean_text(t.heading))
            bidi += n
    for i, line in enumerate(parsed.preamble):
        parsed.preamble[i], n = BIDI_CONTROLS.subn("", clean_text(line))
        bidi += n
    if bidi:
        parsed.warnings.append(
            f"{path.name}: {bidi} bidirectional control character{'s' if bidi > 1 else ''} ({BIDI_NAMES}) "
            "taken out; they can show text reversed in quotes and exports; nothing to do "
            "unless the file is in a right-to-left language")
    parsed.turns = [t for t in parsed.turns if t.text]
    if not parsed.turns:
        raise WorkbenchError(f"{path.name}: no text found (no turns, paragraphs or cues); "
                             "check that the file is not blank or a scanned image")
    return parsed


def _hms(t: float) -> str:
    s = int(t)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def canonical_pieces(parsed: Parsed) -> Iterator[tuple[str, bool]]:
    """The canonical text of a source in pieces, in order: ``(piece, is a turn's text)``.

    Transcripts: "[hh:mm:ss] Label: text" per turn, blank line between; notes and documents: the
    heading line whenever it changes, then the items."""
    if parsed.preamble:
        yield "\n".join(parsed.preamble) + "\n\n", False
    last_heading = None
    for t in parsed.turns:
        if t.heading and t.heading != last_heading:
            yield f"{t.heading}\n\n", False
        last_heading = t.heading
        prefix = ""
        if t.start_time is not None:
            prefix += f"[{_hms(t.start_time)}] "
        if t.speaker:
            prefix += f"{t.speaker}: "
        yield prefix, False
        yield t.text, True
        yield "\n\n", False


def build_canonical(parsed: Parsed) -> tuple[str, list[tuple[int, int]]]:
    """Canonical plain text of a source and each turn's ``(start_char, end_char)`` in it
    (see ``canonical_pieces``). Offsets cover the turn text only."""
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    pos = 0
    for piece, is_turn in canonical_pieces(parsed):
        if is_turn:
            spans.append((pos, pos + len(piece)))
        parts.append(piece)
        pos += len(piece)
    return "".join(parts), spans


def _utf8_len(s: str) -> int:
    return len(s) if s.isascii() else len(s.encode("utf-8"))


def _measure(parsed: Parsed) -> tuple[list[tuple[int, int]], list[int], int]:
    """Each turn's span in the canonical text, its word count, and the canonical text's UTF-8
    length, without building the text."""
    spans: list[tuple[int, int]] = []
    words: list[int] = []
    pos = nbytes = 0
    for piece, is_turn in canonical_pieces(parsed):
        if is_turn:
            spans.append((pos, pos + len(piece)))
            words.append(word_count(piece))
        pos += len(piece)
        nbytes += _utf8_len(piece)
    return spans, words, nbytes


# ---------------------------------------------------------------------------------------- ingesting

class IngestInterrupted(KeyboardInterrupt):
    """Ctrl-C during ``ingest_paths``: the files stored so far stay committed, the file being read
    is rolled back; ``report`` says what went in (``report.interrupted`` names that file)."""

    def __init__(self, report: IngestReport):
        super().__init__(report.summary())
        self.report = report


def _link_problem(link: Path, root: Path, folder: Path, outside_fix: str) -> str | None:
    """Why a symbolic link is skipped (its target is outside ``root``, does not exist, or is a loop
    of links), as "skipped, ...; fix"; None for a link to something inside ``root``."""
    try:
        target = link.resolve(strict=True)
    except FileNotFoundError:
        return (f"skipped, a symbolic link to {os.readlink(link)}, a file that does not exist; "
                "point the link at the file, or delete it")
    except (RuntimeError, OSError) as exc:  # a loop of links: RuntimeError before Python 3.13, ELOOP after
        if isinstance(exc, RuntimeError) or exc.errno == errno.ELOOP:
            return f"skipped, a symbolic link to {os.readlink(link)}, which leads back to itself; delete it"
        return (f"skipped, a symbolic link to {os.readlink(link)} that cannot be followed ({exc.strerror}); "
                "check the permissions of its target")
    if target == root or root in target.parents:
        return None
    return f"skipped, a symbolic link to {target}, outside {folder}; {outside_fix}"


def _folder_tables(folder: Path, stem: str, report: IngestReport) -> list[Path]:
    found = []
    root = folder.resolve()
    for p in sorted(folder.iterdir()):
        if not (p.name.lower().startswith(stem) and p.suffix.lower() in METADATA_SUFFIXES) or p.name.startswith("~$"):
            continue
        if p.is_symlink() and (problem := _link_problem(p, root, folder, f"give it with --{stem} to use it")):
            report.warnings.append(f"{p.name}: {problem}")
            continue
        if p.is_file():
            found.append(p)
    # stem.csv / stem.tsv / stem.xlsx first, then stem_b.csv etc.
    return sorted(found, key=lambda p: (p.stem.lower() != stem, p.name))


def _walk(folder: Path, report: IngestReport) -> list[tuple[Path, bool, bool]]:
    """The readable files under ``folder`` as (path, is a link, optional), hidden and ``~$`` files
    left out. ``optional``: a table or JSON file that does not look like a transcript (``SNIFFERS``),
    read only when a manifest or participants row names it; manifest*/participants* tables are
    not listed at all.

    Symbolic links are never followed out of the folder: a link whose target lies outside it, does
    not exist or is a loop of links is skipped with a warning naming it and saying which. A link to
    a file inside the folder is read like the file (once); a link to a folder inside it is not
    descended (that folder is walked where it is)."""
    root = folder.resolve()
    out: list[tuple[Path, bool, bool]] = []
    supported = ", ".join("." + e for e in sorted(READERS))

    def visit(d: Path) -> None:
        try:
            entries = sorted(os.scandir(d), key=lambda e: e.name)
        except OSError as exc:
            report.warnings.append(f"{d}: folder skipped, cannot be read ({exc.strerror}); check its permissions")
            return
        for e in entries:
            p = Path(e.path)
            rel = p.relative_to(folder).as_posix()
            if e.name.startswith((".", "~$")):
                continue
            link = e.is_symlink()
            if link:
                problem = _link_problem(p, root, folder, "copy the file into the folder to ingest it")
                if problem:
                    report.warnings.append(f"{rel}: {problem}")
                    continue
                if p.is_dir():
                    continue
            elif e.is_dir(follow_symlinks=False):
                visit(p)
                continue
            if not p.is_file():  # sockets, pipes, devices
                continue
            ext = p.suffix.lower().lstrip(".")
            if SKIP_IN_FOLDERS.match(p.name):
                continue
            if ext in SNIFFERS and p.name.lower().startswith(METADATA_STEMS):
                continue  # manifest.csv, participants.xlsx ...: read as metadata, never as a transcript
            if ext in READERS:
                out.append((p, link, ext in SNIFFERS and not SNIFFERS[ext](p)))
            elif ext not in TABLE_EXTENSIONS and ext not in MEDIA_EXTENSIONS:  # recordings: referenced
                report.warnings.append(f"{rel}: skipped, unknown file type .{ext}; supported: {supported}"
                                       f"{unknown_type_fix(ext)}")

    visit(folder)
    return out


def _collect(paths: Iterable[Path | str], report: IngestReport) -> tuple[list[FileRef], list[Path]]:
    found: list[tuple[FileRef, bool]] = []
    folders: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            folders.append(p)
            base = Path(os.path.abspath(p)).name
            found += [(FileRef(f, nfc(f.relative_to(p).as_posix()), nfc(base), optional=optional), link)
                      for f, link, optional in _walk(p, report)]
        elif p.is_file():
            found.append((FileRef(p, nfc(p.name), nfc(Path(os.path.abspath(p)).parent.name)), False))
            folders.append(p.parent)
        elif p.exists():
            report.errors.append(f"{p}: not a regular file or folder; give a file or a folder")
        else:
            report.errors.append(f"{p}: not found; check the path")
    refs: dict[Path, FileRef] = {}
    for ref, link in sorted(found, key=lambda x: x[1]):  # the file itself before a link to it
        refs.setdefault(ref.path.resolve(), ref)
    order = {id(ref): i for i, (ref, _) in enumerate(found)}
    return sorted(refs.values(), key=lambda r: order[id(r)]), list(dict.fromkeys(folders))


def _name_sources(refs: list[FileRef], stored: set[str]) -> None:
    """Choose each file's source name: the bare file name when it is unique in the batch (or the
    relative path when an earlier batch stored the file under it); else the path relative to the
    folder given; else that folder's name and the relative path. A file whose every name is taken
    by another file of the batch gets an error instead of being skipped."""
    groups: dict[str, list[FileRef]] = {}
    for ref in refs:
        groups.setdefault(ref.bare, []).append(ref)
    taken: dict[str, FileRef] = {}
    for bare, group in groups.items():
        if len(group) == 1:
            ref = group[0]
            longer = [n for n in (ref.rel, f"{ref.base}/{ref.rel}") if n != bare and n in stored]
            ref.name = longer[0] if longer and bare not in stored else bare
            continue
        counts: dict[str, int] = {}
        for ref in group:
            counts[ref.rel] = counts.get(ref.rel, 0) + 1
        for ref in group:
            ref.name = ref.rel if counts[ref.rel] == 1 else (f"{ref.base}/{ref.rel}" if ref.base else ref.rel)
    for ref in refs:
        other = taken.get(ref.name)
        if other is not None:
            ref.error = (f"{ref.path}: another file of this batch has the same name and path ({other.path}); "
                         "rename one, or ingest their common parent folder so that their paths differ")
            continue
        taken[ref.name] = ref


# a name that says it is a copy: "Kopi av x", "x - Kopi", "x copy", "x (1)"
_COPY_NAME = re.compile(r"(?<![^\W\d_])(?:kopi|copy)(?![^\W\d_])|\(\d+\)", re.I)


def _copies_last(refs: list[FileRef], digests: dict[Path, str]) -> list[FileRef]:
    """The batch in its order, except that of files with the same bytes the one to store comes first
    (the others are then skipped as copies of it), whatever the order of their names: the one a
    manifest or participants row names, then one whose name does not look like a copy's, then the
    first name in alphabetical order. Only files of equal size are read (their digests kept in
    ``digests``)."""
    by_size: dict[int, list[FileRef]] = {}
    for ref in refs:
        if ref.error:
            continue
        try:
            by_size.setdefault(ref.path.stat().st_size, []).append(ref)
        except OSError:
            continue  # said when the file is read
    by_digest: dict[str, list[FileRef]] = {}
    for same_size in by_size.values():
        if len(same_size) < 2:
            continue
        for ref in same_size:
            try:
                digests[ref.path] = digests.get(ref.path) or _digest(ref.path)
            except OSError:
                continue
            by_digest.setdefault(digests[ref.path], []).append(ref)
    index = {id(ref): i for i, ref in enumerate(refs)}
    place = {id(ref): (i, 0) for i, ref in enumerate(refs)}
    for group in by_digest.values():
        if len(group) < 2:
            continue
        keep = min(group, key=lambda r: (not r.named, bool(_COPY_NAME.search(r.bare)), r.name.casefold(), r.name))
        first = min(index[id(r)] for r in group)
        for ref in group:
            place[id(ref)] = (first, 0 if ref is keep else 1 + index[id(ref)])
    return sorted(refs, key=lambda r: place[id(r)])


def _stored_spellings(session) -> dict[str, list[str]]:
    """The category values stored (``manifest.CATEGORY_FIELDS``), each field's oldest first."""
    from sqlalchemy import func, select

    from ..store.models import Source, Speaker

    known: dict[str, list[str]] = {}
    for model, name in ((Source, "phase"), (Source, "pilot"), (Source, "county"), (Speaker, "actor"),
                        (Speaker, "pilot")):
        column = getattr(model, name)
        known.setdefault(name, []).extend(session.scalars(
            select(column).where(column.is_not(None)).group_by(column).order_by(func.min(model.id))))
    return known


def _retitle(message: str, ref: FileRef) -> str:
    """A reader's message starts with the bare file name; name the source when that is longer."""
    message = nfc(message)
    if ref.name != ref.bare and message.startswith(ref.bare):
        return ref.name + message[len(ref.bare):]
    return message


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


_BLOB_WRITES: dict[str, bool] = {}


def _streams_text(db) -> bool:
    """Whether the canonical text can be written into SQLite in pieces (incremental blob I/O on
    a placeholder of the right length) instead of as one bound string, which SQLite and the
    driver copy three times over. PostgreSQL gets the text as one string."""
    from sqlalchemy import text as text_sql

    if db.dialect != "sqlite":
        return False
    url = str(db.url)
    if url not in _BLOB_WRITES:
        try:
            with db.session() as session:
                probe = session.execute(text_sql("select printf('%.*c', 3, 'x')")).scalar()
                raw = session.connection().connection.dbapi_connection
            _BLOB_WRITES[url] = probe == "xxx" and hasattr(raw, "blobopen")
        except Exception:
            _BLOB_WRITES[url] = False
    return _BLOB_WRITES[url]


def _spool_canonical(parsed: Parsed):
    """The canonical text as UTF-8 in a temporary file, written piece by piece; the turns' texts
    are let go afterwards, so that SQLite's placeholder (as large as the text) is not held in
    memory beside them."""
    import tempfile

    spool = tempfile.TemporaryFile()
    buf = bytearray()
    for piece, _ in canonical_pieces(parsed):
        buf += piece.encode("utf-8")
        if len(buf) >= 1 << 20:
            spool.write(buf)
            buf.clear()
    spool.write(buf)
    for t in parsed.turns:
        t.text = ""
    spool.seek(0)
    return spool


def _write_canonical(session, source_id: int, spool, nbytes: int) -> None:
    """Fill the placeholder canonical text of ``source_id`` from the spooled UTF-8 text in 1 MB
    pieces (SQLite incremental blob I/O)."""
    raw = session.connection().connection.dbapi_connection
    written = 0
    with raw.blobopen("sources", "canonical_text", source_id) as blob:
        while chunk := spool.read(1 << 20):
            blob.write(chunk)
            written += len(chunk)
    if written != nbytes:  # the pieces changed under us: never store a torn text
        raise WorkbenchError(f"canonical text of {nbytes} bytes came out as {written}; ingest the file again")


def _stale_bare(ref: FileRef, refs: list[FileRef], digests: dict[Path, str], db) -> bool:
    """Whether the source stored under ``ref``'s bare name is none of the batch's files of that name."""
    from sqlalchemy import select

    from ..store.models import Source

    with db.session() as session:
        stored = session.scalar(select(Source.content_hash).where(Source.file_name == ref.bare))
    for other in refs:
        if other.bare == ref.bare:
            try:
                digests[other.path] = digests.get(other.path) or _digest(other.path)
            except OSError:
                continue
            if digests[other.path] == stored:
                return False
    return True


# ------------------------------------------------------------------ which stored source a file is
#
# A source's name is its file name (or path relative to the folder given), so two runs over phase
# folders (``fase1/``, then ``fase2/``) each bring an ``intervju.txt``. Where each stored file came
# from is recorded in its ``ingest`` audit entry (``path``); a file whose name is stored with other
# text is the same file edited when it lies in the same folder (the same path, or a folder of the
# same name: the project moved or another machine), and another file with the same name when its
# folder differs: it is then stored beside, named by its folder as a one-go batch of the parent
# folder would name it. A source ingested before paths were recorded cannot tell: the user is told
# both possibilities. Equal text (decoded, canonical) counts as unchanged whatever the bytes (a UTF-8
# BOM, CRLF line endings, another encoding).

def _origin(ref: FileRef) -> str:
    """The file's absolute path as recorded with its ingest."""
    return nfc(os.path.abspath(ref.path))


def _folder_name(origin: str) -> str:
    """The name of the folder a recorded path lies in (Windows paths too)."""
    parts = [p for p in re.split(r"[\\/]+", origin) if p]
    return parts[-2] if len(parts) >= 2 else ""


def _folder_path(origin: str) -> str:
    """A recorded path without its file name (as written)."""
    cut = max(origin.rfind("/"), origin.rfind("\\"))
    return origin[:cut] if cut > 0 else origin


def _same_place(origin: str | None, ref: FileRef) -> bool | None:
    """Whether a stored source recorded at ``origin`` came from ``ref``'s folder: the same path, or a
    folder of the same name, letter case aside (None: not recorded)."""
    if not origin:
        return None
    here = _origin(ref)
    return origin == here or _folder_name(origin).casefold() == _folder_name(here).casefold()


def _stored_origins(session, rows) -> dict[int, str | None]:
    """Each stored source's recorded path (``rows``: ``(id, file_name, content_hash)``): that of its
    latest ``ingest`` audit entry with the stored hash; None for one ingested before paths were
    recorded or imported from a project file."""
    from sqlalchemy import select

    from ..store.models import AuditEvent

    hashes = {str(r[0]): r[2] for r in rows}
    origins: dict[int, str | None] = {r[0]: None for r in rows}
    if not hashes:
        return origins
    for target, detail in session.execute(
            select(AuditEvent.target_id, AuditEvent.detail)
            .where(AuditEvent.action == "ingest", AuditEvent.target_type == "source",
                   AuditEvent.target_id.in_(list(hashes))).order_by(AuditEvent.id)):
        if isinstance(detail, dict) and detail.get("hash") == hashes[target] and detail.get("path"):
            origins[int(target)] = str(detail["path"])
    return origins


def _same_text(db, source_id: int, canonical: str) -> bool:
    """Whether the stored canonical text of ``source_id`` is ``canonical`` (its length compared first,
    in the database, so that a different text is not loaded)."""
    from sqlalchemy import func, select

    from ..store.models import Source

    with db.session() as session:
        if session.scalar(select(func.length(Source.canonical_text)).where(Source.id == source_id)) != len(canonical):
            return False
        return session.scalar(select(Source.canonical_text).where(Source.id == source_id)) == canonical


SEGMENT_BATCH = 5000
SEGMENT_COLUMNS = ("source_id", "index", "speaker_id", "start_char", "end_char", "start_time", "end_time",
                   "heading", "page", "word_count", "lemmas", "lemma_lang", "token_splits")
ANALYSE_BATCH = 5000  # turns analysed at a time (a large file's analyses are kept, not its texts twice)


def analyse_turns(texts: list[str], language: str | None) -> list[tuple[str, str, str]]:
    """``(lemmas, lemma_lang, token_splits)`` of each turn text, as the segments store them: the
    lemma tables of the source's declared language, else of the language each turn is written in
    (``workbench.nlp.lemma_language``, the suggesters' rule)."""
    from ..nlp import analyse_parts, lemma_language

    langs = [lemma_language(language, t) for t in texts] if not _declared(language) else \
        [lemma_language(language, "")] * len(texts)
    out: list[tuple[str, str, str]] = [("", "nb", "")] * len(texts)
    for lang in sorted(set(langs)):
        idx = [i for i, lg in enumerate(langs) if lg == lang]
        for b in range(0, len(idx), ANALYSE_BATCH):
            part = idx[b:b + ANALYSE_BATCH]
            for i, (lemmas, splits) in zip(part, analyse_parts([texts[i] for i in part], lang)):
                out[i] = (lemmas, lang, splits)
    return out


def _declared(language: str | None) -> bool:
    from ..nlp import normalize_lang

    if not language:
        return False
    try:
        normalize_lang(language)
    except WorkbenchError:
        return False
    return True


def _insert_segments(conn, rows: Iterable[tuple]) -> None:
    """Insert segment rows (tuples in ``SEGMENT_COLUMNS`` order) in bulk on a Core connection:
    PostgreSQL by COPY, other databases by executemany of ``SEGMENT_BATCH`` rows; never one ORM
    object per turn."""
    from sqlalchemy import insert

    from ..store.models import Segment

    table = Segment.__table__
    if conn.dialect.name == "postgresql":
        raw = conn.connection.dbapi_connection
        if hasattr(raw, "cursor"):
            columns = ", ".join(f'"{c}"' for c in SEGMENT_COLUMNS)
            with raw.cursor() as cursor, cursor.copy(f"COPY {table.name} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
    # The Core insert() is compiled once and its SQL run by the driver's executemany on plain
    # tuples: a third of the time of executing the construct with a dict per row.
    from sqlalchemy import bindparam

    compiled = insert(table).values({c: bindparam(c) for c in SEGMENT_COLUMNS}).compile(dialect=conn.dialect)
    order = [SEGMENT_COLUMNS.index(name) for name in (compiled.positiontup or ())]
    if compiled.positional and order == list(range(len(SEGMENT_COLUMNS))):
        sql, plain = str(compiled), True
    else:  # a named-parameter driver: execute the construct
        sql, plain = insert(table).execution_options(render_nulls=True), False
    batch: list = []
    for row in rows:
        batch.append(row if plain else dict(zip(SEGMENT_COLUMNS, row)))
        if len(batch) >= SEGMENT_BATCH:
            conn.exec_driver_sql(sql, batch) if plain else conn.execute(sql, batch)
            batch = []
    if batch:
        conn.exec_driver_sql(sql, batch) if plain else conn.execute(sql, batch)


def _store(tx, name: str, digest: str, parsed: Parsed, meta: dict, kind: str | None, media, people: dict,
           canonical, spans, words, analyses, spool, nbytes: int) -> int:
    """Write one source, its speakers and segments with Core statements in the caller's
    transaction; returns the source id."""
    from sqlalchemy import insert

    from ..nlp import LEMMA_VERSION
    from ..store.models import Source, Speaker

    conn = tx.session.connection()
    sources, speakers_table = Source.__table__, Speaker.__table__
    source_id = conn.execute(insert(sources).values(
        file_name=name, content_hash=digest, format=parsed.format, kind=kind, phase=meta.get("phase"),
        pilot=meta.get("pilot"), county=meta.get("county"), date=meta.get("date"), language=meta.get("language"),
        canonical_text=canonical, media=str(media) if media else None, delete_by=meta.get("delete_by"),
        word_count=sum(words), lemma_version=LEMMA_VERSION,
        ingested_by=tx.user.id)).inserted_primary_key[0]
    if spool is not None:
        _write_canonical(tx.session, source_id, spool, nbytes)
        spool.close()
    labels = list(dict.fromkeys(t.speaker for t in parsed.turns if t.speaker))
    speaker_ids: dict[str, int] = {}
    if labels:
        rows = []
        for label in labels:
            p = people.get(label) or people.get(clean_text(label))  # None for a label the roster lacks
            rows.append({"source_id": source_id, "label": label, "actor": p.actor if p else None,
                         "organisation": p.organisation if p else None, "pilot": p.pilot if p else None,
                         "name": p.name if p else None})
        result = conn.execute(insert(speakers_table).returning(speakers_table.c.id, speakers_table.c.label), rows)
        speaker_ids = {label: sid for sid, label in result}
    _insert_segments(conn, (
        (source_id, i, speaker_ids[t.speaker] if t.speaker else None, start, end, t.start_time, t.end_time,
         t.heading[:500] if t.heading else None, t.page, n, *analysis)
        for i, (t, (start, end), n, analysis) in enumerate(zip(parsed.turns, spans, words, analyses), start=1)))
    return source_id


def ensure_lemmas(db, *, source_ids: Iterable[int] | None = None) -> int:
    """Analyse and store the segments that have no stored lemmas yet (ingested before revision
    0005, or whose text changed), and every segment of a source whose lemmas were made by another
    version of the lemma layer (``sources.lemma_version`` is not ``nlp.LEMMA_VERSION``: a wrong
    lemma was fixed since), one transaction per source; returns how many were stored. Two cheap
    queries when none is missing. A database that cannot be written is left as it is (readers
    then analyse in memory). Internal: called inside authorised calls (search, training, suggestions)."""
    from sqlalchemy import bindparam, or_, select, update

    from ..nlp import LEMMA_VERSION
    from ..store.models import Segment, Source
    from ..users import SYSTEM_USER, _lock_system

    where = [Segment.lemmas.is_(None)]
    old = [or_(Source.lemma_version.is_(None), Source.lemma_version != LEMMA_VERSION)]
    if source_ids is not None:
        where.append(Segment.source_id.in_(sorted(set(source_ids))))
        old.append(Source.id.in_(sorted(set(source_ids))))
    with db.session() as s:
        stale = set(s.scalars(select(Source.id).where(*old)))
        todo = sorted(stale | set(s.scalars(select(Segment.source_id).where(*where).group_by(Segment.source_id))))
    table = Segment.__table__
    statement = (update(table).where(table.c.id == bindparam("b_id"))
                 .values(lemmas=bindparam("b_lemmas"), lemma_lang=bindparam("b_lang"),
                         token_splits=bindparam("b_splits")))
    stored = 0
    for source_id in todo:
        try:
            with db.transaction(SYSTEM_USER) as tx:
                _lock_system(tx)
                s = tx.session
                text, language = s.execute(select(Source.canonical_text, Source.language)
                                           .where(Source.id == source_id)).one()
                query = select(Segment.id, Segment.start_char, Segment.end_char).where(Segment.source_id == source_id)
                if source_id not in stale:
                    query = query.where(Segment.lemmas.is_(None))
                rows = s.execute(query.order_by(Segment.index)).all()
                analyses = analyse_turns([text[a:b] for _, a, b in rows], language)
                params = [{"b_id": sid, "b_lemmas": lemmas, "b_lang": lang, "b_splits": splits}
                          for (sid, _, _), (lemmas, lang, splits) in zip(rows, analyses)]
                for i in range(0, len(params), SEGMENT_BATCH):
                    s.connection().execute(statement, params[i:i + SEGMENT_BATCH])
                if source_id in stale:
                    s.execute(update(Source).where(Source.id == source_id).values(lemma_version=LEMMA_VERSION))
                stored += len(params)
        except WorkbenchError:  # read-only database or file: analyse in memory instead
            break
    return stored


@dataclass
class _Job:
    """One file read and checked, waiting to be analysed and stored."""

    ref: FileRef
    digest: str
    parsed: Parsed | None
    meta: dict
    kind: str | None
    media: Any
    people: dict
    ticket: int | None = None  # the worker's number for its analysis
    unlisted: str | None = None  # the warning that the manifest has no row for it, given once it is stored


PARALLEL_MIN_BYTES = 4 << 20  # from this size (and 3+ files) a file is read while the one before is analysed
WORKER_IDLE_SECONDS = 600  # the analysis process ends after this long without work
WORKER_MAX_CHARS = 20_000_000  # a larger file is analysed here, in batches (not copied to the worker)


def _in_parallel(refs: list[FileRef]) -> bool:
    """Whether to read the next file while the worker analyses the previous one (and store that
    one afterwards): for batches of at least 3 files and ``PARALLEL_MIN_BYTES`` on a machine with
    2+ cores."""
    files = [r for r in refs if not r.error]
    if len(files) < 3 or (os.cpu_count() or 1) < 2:
        return False
    total = 0
    for r in files:
        try:
            total += r.path.stat().st_size
        except OSError:
            pass
    return total >= PARALLEL_MIN_BYTES


def _analysis_loop(tasks, results) -> None:
    """The analysis process: analyse the turn texts it is sent; end on None or when idle."""
    import queue
    import signal
    import tracemalloc

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    tracemalloc.stop()  # a parent's memory tracing is inherited by fork and is of no use here
    while True:
        try:
            task = tasks.get(timeout=WORKER_IDLE_SECONDS)
        except queue.Empty:
            return
        if task is None:
            return
        ticket, texts, language = task
        try:
            results.put((ticket, analyse_turns(texts, language)))
        except BaseException:  # the parent analyses this file itself
            results.put((ticket, None))


class _AnalysisWorker:
    """A child process that tokenises and lemmatises turns for ingest. It holds the lemma tables
    and the analyser's caches (a few hundred MB for a large corpus) outside the ingesting process,
    lives on between calls (until idle for ``WORKER_IDLE_SECONDS``), and lets a batch of many files
    use two cores. Its results are the same as analysing in this process, which is what happens
    when it cannot be started or fails (``WORKBENCH_INGEST_WORKER=0`` switches it off)."""

    def __init__(self):
        import multiprocessing
        import sys

        ctx = multiprocessing.get_context("fork" if sys.platform.startswith("linux") else "spawn")
        self.tasks, self.results = ctx.Queue(), ctx.Queue()
        self.process = ctx.Process(target=_analysis_loop, args=(self.tasks, self.results), daemon=True,
                                   name="workbench-ingest-analyse")
        self.process.start()
        self.next = 0
        self.first = 0  # results for tickets before this one belong to an earlier, stopped call
        self.done: dict[int, list | None] = {}

    def alive(self) -> bool:
        return self.process is not None and self.process.is_alive()

    def begin(self) -> None:
        """A new ingest call: forget what an earlier one left behind."""
        self.first = self.next
        self.done.clear()

    def submit(self, texts: list[str], language: str | None) -> int:
        ticket, self.next = self.next, self.next + 1
        self.tasks.put((ticket, texts, language))
        return ticket

    def result(self, ticket: int) -> list | None:
        """The analyses of ``ticket``; None if the worker failed (analyse here then)."""
        import queue

        while ticket not in self.done:
            try:
                got, analyses = self.results.get(timeout=0.5)
            except queue.Empty:
                if not self.alive():
                    return None
                continue
            if got >= self.first:
                self.done[got] = analyses
        return self.done.pop(ticket)

    def close(self) -> None:
        if self.process is not None:
            if self.process.is_alive():
                self.process.terminate()
            self.process.join(5)
            self.process = None
        for q in (self.tasks, self.results):
            q.cancel_join_thread()
            q.close()


_WORKER: _AnalysisWorker | None = None
_WORKER_LOCK = threading.Lock()


def _acquire_worker() -> _AnalysisWorker | None:
    """The analysis process for this ingest (started if needed), or None: switched off, busy with
    another thread's ingest, or not startable. Release with ``_release_worker``."""
    global _WORKER
    if os.environ.get("WORKBENCH_INGEST_WORKER", "").strip() == "0" or not _WORKER_LOCK.acquire(blocking=False):
        return None
    try:
        if _WORKER is None or not _WORKER.alive():
            if _WORKER is not None:
                _WORKER.close()
            _WORKER = _AnalysisWorker()
        _WORKER.begin()
        return _WORKER
    except Exception:  # no processes here (a sandbox, a frozen app): analyse in this process
        _WORKER = None
        _WORKER_LOCK.release()
        return None


def _release_worker(worker: _AnalysisWorker | None, *, discard: bool = False) -> None:
    """Give the analysis process back; ``discard`` ends it (after Ctrl-C its queues may be torn)."""
    global _WORKER
    if worker is None:
        return
    if discard and _WORKER is worker:
        worker.close()
        _WORKER = None
    _WORKER_LOCK.release()


def stop_analysis_worker() -> None:
    """End the analysis process now (benchmarks use it to start from cold caches)."""
    global _WORKER
    with _WORKER_LOCK:
        if _WORKER is not None:
            _WORKER.close()
            _WORKER = None


@requires("ingest")
def ingest_paths(db, paths: Iterable[Path | str], *, manifest: Path | str | None = None,
                 participants: Path | str | None = None, strict_roster: bool = False,
                 limits: Limits | None = None, user: str | None = None) -> IngestReport:
    """Ingest files and folders; one transaction per file.

    A folder's ``manifest*.csv|xlsx`` and ``participants*.csv|xlsx`` are picked up automatically
    (an explicit ``manifest``/``participants`` takes precedence for the files it names). Any error
    in those tables (a bad value or date, two rows that disagree, a row naming two files) stops the
    whole batch before anything is stored; all of them are in ``errors``. A file that cannot be read
    is reported in ``errors`` and nothing of it is stored; the others still go in.

    Source names: the bare file name when unique in the batch, else the path relative to the
    folder given (``fase1/intervju.docx``). Symbolic links out of a folder are skipped. Of files
    with the same bytes one is stored, the others reported in ``duplicates`` (``_copies_last``
    says which). A file with the bytes or the canonical text of the source stored under one of its
    names is unchanged. Each ingest records the file's path (its audit entry), so that a file whose
    name is stored from another folder is stored beside it under ``folder/name`` (a warning says
    so), while the same file edited (same path or folder name) is not stored over the stored
    version (``changed``; ``failed``), nor is one whose stored namesake's path is not recorded
    (its line says both possibilities).
    An unchanged file whose manifest or participants rows differ from its stored metadata gets
    their values (``ingest.metadata._update_from_tables``: one transaction, one line in ``updated``;
    a value the tables leave empty keeps the stored one; text, turns and codings stay).
    ``strict_roster``: a speaker label not in the file's roster is an error for that file.
    ``limits``: size limits (default ``Limits.from_env()``). Ctrl-C raises ``IngestInterrupted``
    (a ``KeyboardInterrupt``) carrying the report; the files stored before it stay stored.

    Every turn is tokenised and lemmatised here, once, and its analysis stored with the segment
    (``analyse_turns``); sources, speakers and segments are written with Core bulk statements
    (COPY on PostgreSQL). The analysis runs in a helper process (``_AnalysisWorker``); in a batch
    of several files (``PARALLEL_MIN_BYTES``) this process reads the next file and stores the one
    before while the helper analyses, so a file may be read ahead when Ctrl-C comes: it is named
    in the warnings as not stored.
    """
    from sqlalchemy import func, or_, select

    from ..store.models import Source

    began = time.perf_counter()
    report = IngestReport()
    limits = limits or Limits.from_env()
    current: FileRef | None = None
    writing = False  # the current file's transaction has begun
    current_digest: str | None = None
    pending = None  # a file read and being analysed by the worker, stored after the next is read
    digests: dict[Path, str] = {}
    paths = list(paths)
    try:
        refs, folders = _collect(paths, report)
        with db.session() as session:
            candidates = {n for r in refs for n in (r.bare, r.rel, f"{r.base}/{r.rel}")}
            stored = set()
            names = sorted(candidates)
            for i in range(0, len(names), 500):
                stored |= set(session.scalars(select(Source.file_name).where(Source.file_name.in_(names[i:i + 500]))))
            spellings = _stored_spellings(session)
        _name_sources(refs, stored)

        manifest_files = [Path(manifest)] if manifest else []
        participant_files = [Path(participants)] if participants else []
        own_tables: dict[Path, list[Path]] = {}  # a folder's own manifests (not given with --manifest)
        for folder in folders:
            own_tables[folder] = [p for p in _folder_tables(folder, "manifest", report) if p not in manifest_files]
            manifest_files += own_tables[folder]
            participant_files += [p for p in _folder_tables(folder, "participants", report)
                                  if p not in participant_files]
        table_errors: list[str] = []
        meta_rows: list[TableRow] = []
        for mf in manifest_files:
            rows, errors = manifest_rows(mf, explicit=bool(manifest) and mf == Path(manifest))
            meta_rows += rows
            table_errors += errors
        people_rows: list[TableRow] = []
        for pf in participant_files:
            rows, errors = participant_rows(pf, explicit=bool(participants) and pf == Path(participants))
            people_rows += rows
            table_errors += errors
        respelt = align_spellings(meta_rows + people_rows, spellings)  # before rows are merged
        table_errors += describe(refs, meta_rows, people_rows)
        refs = [r for r in refs if not r.optional or r.named]  # a folder's other tables stay out
        if table_errors:
            report.errors += table_errors
            report.stopped = True
            report.seconds = time.perf_counter() - began
            return report
        report.warnings += respelt
        if not manifest_files and refs:
            report.warnings.append("no manifest.csv found; sources are stored without kind, phase, pilot, "
                                   "county, date and language")
        for folder in (Path(p) for p in paths if Path(p).is_dir()):  # a folder read whole: each row of
            inside = [r for r in refs if folder in r.path.parents]   # its manifest names one of its files
            tables = set(own_tables.get(folder, ()))
            report.warnings += missing_files([r for r in meta_rows if r.table in tables], inside, folder)
        roster_name = participant_files[0].name if participant_files else "participants.csv"
        unscrubbed: set[str] = set()  # labels warned about once in this batch
        described: list[str] = []  # unchanged files whose metadata the tables changed

        def warn_unscrubbed(label: str, person, pilot, where: str) -> None:
            """A label (of the roster, or of the file ``where`` names) that may hide a person's name the
            scrubber cannot take: one warning."""
            if label in unscrubbed:
                return
            unscrubbed.add(label)
            problem = label_warning(label, actor=getattr(person, "actor", None),
                                    organisation=getattr(person, "organisation", None),
                                    pilot=getattr(person, "pilot", None) or pilot, name=getattr(person, "name", None))
            if problem:
                report.warnings.append(f"{where}: {problem}")

        for ref in refs:
            for label, person in ref.people.items():
                warn_unscrubbed(label, person, ref.meta.get("pilot"), roster_name)
        refs = _copies_last(refs, digests)
        streaming = _streams_text(db)

        worker: _AnalysisWorker | None = None
        pipelined = False

        def finish(job: _Job) -> None:
            """Analyse (or take the worker's analysis of) one read file and store it."""
            nonlocal current, writing, current_digest
            current, writing, current_digest = job.ref, False, job.digest
            name, parsed = job.ref.name, job.parsed
            try:
                # Tokens and lemmas are made once, here, and stored with each segment.
                analyses = worker.result(job.ticket) if worker is not None and job.ticket is not None else None
                if analyses is None:
                    analyses = analyse_turns([t.text for t in parsed.turns], job.meta.get("language"))
                # The text is held once: as the turns' texts (SQLite: written from them in pieces)
                # or as the canonical string (the turns' copies are let go once counted).
                spans, words, nbytes = _measure(parsed)
                spool = None
                if streaming:
                    spool = _spool_canonical(parsed)
                    canonical = func.printf("%.*c", nbytes, " ")  # a placeholder of the right length
                else:
                    canonical, _ = build_canonical(parsed)
                    for t in parsed.turns:
                        t.text = ""
                writing = True
                with db.transaction(user) as tx:
                    source_id = _store(tx, name, job.digest, parsed, job.meta, job.kind, job.media, job.people,
                                       canonical, spans, words, analyses, spool, nbytes)
                    assign_pseudonyms(tx.session)
                    tx.audit("ingest", "source", source_id,
                             {"file": name, "path": _origin(job.ref), "format": parsed.format, "hash": job.digest,
                              "segments": len(parsed.turns), "words": sum(words),
                              "speakers": sorted({t.speaker for t in parsed.turns if t.speaker})})
            except WorkbenchError as exc:
                report.errors.append(f"{name}: {exc}")
                return
            except Exception as exc:  # database constraint or connection trouble: this file only
                report.errors.append(f"{name}: not stored ({type(exc).__name__}: {str(exc).splitlines()[0]})")
                return
            report.added.append(name)
            if job.unlisted:
                report.warnings.append(job.unlisted)
            report.words += sum(words)
            report.turns += len(parsed.turns)
            job.parsed = None  # let a large file go before the next

        tried = False  # the analysis process is asked for when the first file needs analysing
        try:
            for ref in refs:
                current, writing, current_digest = ref, False, None
                name = ref.name
                if ref.error:
                    report.errors.append(ref.error)
                    continue
                data_meta = ref.meta
                people = ref.people
                try:
                    digest = digests[ref.path] = digests.get(ref.path) or _digest(ref.path)
                except OSError as exc:
                    report.errors.append(f"{name}: cannot be read ({exc.strerror}); check the file's permissions")
                    continue
                if pending is not None and pending.digest == digest:  # a copy of the file read last:
                    previous, pending = pending, None  # store that one first, then this is a duplicate
                    finish(previous)
                    current, writing, current_digest = ref, False, None
                own = list(dict.fromkeys([name, ref.bare, ref.rel, f"{ref.base}/{ref.rel}" if ref.base else ref.rel]))
                with db.session() as session:
                    found = session.execute(select(Source.id, Source.file_name, Source.content_hash)
                                            .where(or_(Source.content_hash == digest, Source.file_name.in_(own)))
                                            .order_by(Source.id)).all()
                    # the stored sources under this file's own names, and whether each came from its
                    # folder (looked up only when it is not simply stored under its name as it is)
                    named = {r[1]: r for r in found if r[1] in own}
                    plain = name in named and named[name][2] == digest
                    origins = {} if plain else _stored_origins(session, list(named.values()))
                place = {n: _same_place(origins.get(r[0]), ref) for n, r in named.items()}
                mine = next((named[n] for n in own if n in named and place[n]), None)
                parsed = None

                def read() -> Parsed | None:
                    """The file read (None, with its error reported, when it cannot be)."""
                    try:
                        return read_file(ref.path, people.keys() or None, kind=data_meta.get("kind"),
                                         strict_roster=strict_roster, limits=limits)
                    except WorkbenchError as exc:
                        report.errors.append(_retitle(str(exc), ref))
                    except MemoryError:
                        report.errors.append(f"{name}: not enough memory to read it; split the file or free memory")
                    except Exception as exc:  # a reader library failing on a malformed file
                        report.errors.append(f"{name}: cannot be read ({type(exc).__name__}: {exc})")
                    return None

                # the same bytes under this name, or under another of its names from its folder (or
                # from a folder not recorded): unchanged
                same = next((named[n] for n in own if n in named and named[n][2] == digest
                             and (n == name or place[n] is not False)), None)
                unchanged = same is not None
                same = same or next((r for r in found if r[2] == digest), None)
                if not unchanged and same is None:
                    # other bytes, the same text (a BOM, other line endings or encoding): unchanged too
                    texts = [named[n] for n in own if n in named and (n == name or place[n] is not False)]
                    if texts:
                        parsed = read()
                        if parsed is None:
                            continue
                        canonical = build_canonical(parsed)[0]
                        same = next((r for r in texts if _same_text(db, r[0], canonical)), None)
                        canonical = None
                        unchanged = same is not None
                if unchanged:
                    name = ref.name = same[1]
                # a file the manifest has no row for: said of a file that is stored (now or before), so
                # not of one that turns out unreadable (its error is the line about it)
                unlisted = (f"{name}: not in {manifest_files[0].name}; stored without kind, phase and pilot; add a "
                            "row for it") if not ref.described and manifest_files else None
                if unlisted and unchanged:
                    report.warnings.append(unlisted)
                if unchanged:
                    # the tables may describe it differently now: its metadata follows them (text, turns
                    # and codings stay); one transaction (ingest.metadata)
                    if ref.described or ref.people:
                        try:
                            update = _update_from_tables(db, name, data_meta, people, ref.path, user=user)
                        except WorkbenchError as exc:
                            report.errors.append(f"{name}: metadata not updated: {exc}")
                            continue
                        except Exception as exc:  # database constraint or connection trouble: this file only
                            report.errors.append(f"{name}: metadata not updated ({type(exc).__name__}: "
                                                 f"{str(exc).splitlines()[0]})")
                            continue
                        if update is not None:
                            report.warnings.extend(update.warnings)
                            if update.changed:
                                report.updated.append(update.line())
                                described.append(name)
                                continue
                    report.unchanged.append(name)
                    continue
                if same is not None:  # another name, the same bytes: stored once (no double counts)
                    report.duplicates.append(
                        f"{name} has the same content as the already ingested {same[1]}, so it is not stored "
                        f"again (the same bytes are stored once, whatever the name; check that {name} is the "
                        "file you meant)")
                    continue
                beside = f"{ref.base}/{ref.rel}" if ref.base else ref.rel
                if mine is not None:  # the same file, edited: no new version over a coded one unasked
                    called = mine[1] if mine[1] == name else f"{name} (stored as {mine[1]})"
                    report.changed.append(f"{called}: changed (not re-ingested; the stored version is kept): to "
                                          f'replace it, remove the source first with workbench remove-source '
                                          f'"{mine[1]}" (its codings and memos go with it) and ingest again, or give '
                                          "the new version a new file name")
                    continue
                if name in named and place[name] is None:  # stored before paths were recorded: say both
                    report.changed.append(
                        f"{name}: a source of that name is stored with other text, and where its file came from is "
                        "not recorded, so this may be a different file with the same name (not re-ingested; the "
                        "stored version is kept): if it is a different file (another phase's interview, say), "
                        f"ingest it beside the stored one by ingesting the folder above both in one go (it is then "
                        f"stored as {beside}) or give it a new file name; if it is the same file edited, remove the "
                        f'source first with workbench remove-source "{name}" (its codings and memos go with it) and '
                        "ingest again")
                    continue
                if name in named:  # another file of this name, from another folder: stored beside it
                    other = origins[named[name][0]]
                    taken = {r.name for r in refs if r is not ref}
                    free = next((n for n in dict.fromkeys([ref.rel, beside])
                                 if n != name and n not in named and n not in taken), None)
                    if free is None:
                        report.errors.append(f"{name}: another file of this name (from {_folder_path(other)}) is "
                                             f"stored, and so is {beside}; give this file a new file name")
                        continue
                    note = (f"{free}: stored under its folder's name, as {name} (ingested from "
                            f"{_folder_path(other)}) is another file with the same name")
                    if not os.path.exists(other):
                        note += (f"; that file is no longer there: if this is it, moved and edited, keep one of the "
                                 f'two (workbench remove-source "{free}" or "{name}")')
                    report.warnings.append(note)
                    if unlisted:
                        unlisted = free + unlisted[len(name):]
                    name = ref.name = free
                elif name != ref.bare and ref.bare in stored and _stale_bare(ref, refs, digests, db):
                    report.warnings.append(f"{name}: stored under its relative path, as the batch has several "
                                           f"files named {ref.bare}; a source {ref.bare} is already stored: if it "
                                           "is one of them in an older version, remove it")
                if parsed is None:
                    parsed = read()
                    if parsed is None:
                        continue
                warnings = [_retitle(w, ref) for w in parsed.warnings]
                unknown = sorted({t.speaker for t in parsed.turns if t.speaker and t.speaker not in people})
                if people and unknown and strict_roster:
                    report.errors.append(f"{name}: speaker {unknown[0]!r} is not in {roster_name}"
                                         f"{f' (nor {len(unknown) - 1} more)' if len(unknown) > 1 else ''}; "
                                         "add a row for it, or ingest without --strict-roster")
                    continue
                report.warnings.extend(warnings)
                if people:
                    for label in unknown:
                        if not any(f"'{label}'" in w or f'"{label}"' in w for w in warnings):
                            report.warnings.append(f"{name}: speaker '{label}' is not in {roster_name}; "
                                                   "stored without an actor; add a row to give the actor")
                for label in unknown:  # labels the file has and the roster (if any) lacks
                    warn_unscrubbed(label, None, data_meta.get("pilot"), name)
                kind = data_meta.get("kind") or ("dokument" if parsed.kind_hint == "dokument" else None)
                media, problem = _resolve_media(ref.path, data_meta.get("media"))
                if problem:
                    report.warnings.append(f"{name}: {problem}")
                job = _Job(ref, digest, parsed, data_meta, kind, media, people, unlisted=unlisted)
                parsed = None
                if not tried:
                    tried = True
                    worker = _acquire_worker()
                    pipelined = worker is not None and _in_parallel(refs)
                if worker is not None and sum(len(t.text) for t in job.parsed.turns) <= WORKER_MAX_CHARS:
                    job.ticket = worker.submit([t.text for t in job.parsed.turns], data_meta.get("language"))
                if not pipelined:
                    finish(job)
                else:  # the worker analyses this file while the previous one is stored
                    previous, pending = pending, job
                    if previous is not None:
                        finish(previous)
                    current, writing, current_digest = ref, False, None
            if pending is not None:
                finish(pending)
                pending = None
        except KeyboardInterrupt:
            _release_worker(worker, discard=True)
            worker = None
            raise
        finally:
            _release_worker(worker)
        current = None
        # a phase or pilot that holds a roster name reaches the resource group as written: say so
        report.warnings += _named_value_warnings(db, report.added + described)
    except KeyboardInterrupt:
        if current is not None:
            report.interrupted = current.name or current.bare
            if writing and current.name not in report.added:
                try:  # Ctrl-C may land after the commit: count the file if it is in
                    with db.session() as session:
                        if session.scalar(select(Source.id).where(Source.content_hash == current_digest,
                                                                  Source.file_name == current.name)):
                            report.added.append(current.name)
                            report.interrupted = None
                except Exception:
                    pass
        if pending is not None and pending.ref is not current and pending.ref.name not in report.added:
            report.warnings.append(f"{pending.ref.name}: read but not stored when the ingest was stopped; "
                                   "ingest again to add it")
        if report.interrupted is None:
            report.interrupted = ""
        report.seconds = time.perf_counter() - began
        raise IngestInterrupted(report) from None
    report.seconds = time.perf_counter() - began
    return report


def _named_value_warnings(db, names: list[str]) -> list[str]:
    """One warning per phase or pilot value of the sources ``names`` (and their speakers' pilots)
    that holds a roster name (``sharing._value_warnings``), naming the first source with it."""
    from sqlalchemy import select

    from ..sharing import _value_warnings
    from ..store.models import Source, Speaker

    if not names:
        return []
    values: dict[tuple[str, str], str] = {}
    with db.session() as session:
        for i in range(0, len(names), 500):
            chunk = names[i:i + 500]
            for file_name, phase, pilot in session.execute(select(Source.file_name, Source.phase, Source.pilot)
                                                           .where(Source.file_name.in_(chunk))):
                for pair in (("phase", phase), ("pilot", pilot)):
                    if pair[1]:
                        values.setdefault(pair, file_name)
            for file_name, pilot in session.execute(select(Source.file_name, Speaker.pilot)
                                                    .join(Speaker, Speaker.source_id == Source.id)
                                                    .where(Source.file_name.in_(chunk), Speaker.pilot.is_not(None))):
                values.setdefault(("pilot", pilot), file_name)
    out = []
    for (field_name, value), file_name in sorted(values.items(), key=lambda kv: (kv[1], kv[0])):
        out += [english for english, _ in _value_warnings(db, [(field_name, value)], file_name)]
    return out


# ---------------------------------------------------------------------------------------- reading back

@requires("view_sources")
def list_sources(db, *, user: str | None = None) -> list[dict[str, Any]]:
    """Every source with its metadata, number of segments, words and speakers.

    Researchers see speaker labels and file names as written, and whether a speaker has withdrawn
    (``withdrawn``: ``lifecycle.forget``); report authors see pseudonyms, scrubbed file names and phases and pilots as
    ``sharing.shown_values`` shows them
    (the resource group may not list sources)."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import defer, selectinload

    from ..access import current
    from ..store.models import Segment, Source, Speaker

    with db.session() as session:
        counts = dict(session.execute(select(Segment.source_id, func.count()).group_by(Segment.source_id)).all())
        speakers: dict[int, list[dict[str, Any]]] = {}
        working_view = current() is None or current().can("view_transcripts")
        if working_view:
            names, scrub, shown = {}, (lambda t: t), (lambda v: v)
        else:  # (imported here: the sharing layer brings pandas, which a researcher's listing does not need)
            from ..sharing import pseudonym_map, roster_scrubber, shown_values, speaker_key

            names, scrub, shown = pseudonym_map(db), roster_scrubber(db).scrub, shown_values(db)
        for sp in session.scalars(select(Speaker).options(selectinload(Speaker.source), selectinload(Speaker.pseudonym))
                                  .order_by(Speaker.source_id, Speaker.id)):
            if working_view:
                entry = {"label": sp.label, "actor": sp.actor, "organisation": sp.organisation, "pilot": sp.pilot,
                         "withdrawn": bool(sp.withdrawn)}
            else:  # report authors: pseudonyms, no organisation (it can point to one person)
                key = speaker_key(sp.label, sp.actor, sp.organisation, sp.pilot or sp.source.pilot)
                said = sp.pseudonym.label if sp.pseudonym is not None else names.get(key)
                entry = {"label": said, "actor": sp.actor, "organisation": None, "pilot": shown(sp.pilot)}
            speakers.setdefault(sp.source_id, []).append(entry)
        rows = []
        for s in session.scalars(select(Source).options(defer(Source.canonical_text)).order_by(Source.id)):
            rows.append({"id": s.id, "file": scrub(s.file_name), "kind": s.kind, "phase": shown(s.phase), "pilot": shown(s.pilot),
                         "county": s.county, "date": s.date, "language": s.language,
                         "turns": counts.get(s.id, 0), "words": s.word_count,
                         "speakers": speakers.get(s.id, [])})
    return rows


@requires("view_transcripts")
def list_turns(db, source: int | str, *, user: str | None = None) -> list[dict[str, Any]]:
    """The segments of one source (id, numeric string or file name) in file order."""
    from sqlalchemy import select
    from sqlalchemy.orm import selectinload

    from ..store.lookup import find_source
    from ..store.models import Segment

    with db.session() as session:
        src = find_source(session, source)
        text = src.canonical_text
        rows = []
        for seg in session.scalars(select(Segment).where(Segment.source_id == src.id)
                                   .options(selectinload(Segment.speaker)).order_by(Segment.index)):
            sp = seg.speaker
            rows.append({"index": seg.index, "speaker": sp.label if sp else None, "actor": sp.actor if sp else None,
                         "start_char": seg.start_char, "end_char": seg.end_char, "start_time": seg.start_time,
                         "end_time": seg.end_time, "heading": seg.heading, "page": seg.page,
                         "text": text[seg.start_char:seg.end_char]})
    return rows
