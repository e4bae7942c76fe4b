"""Ingestion: one reader per format -> Turn records; manifest and roster; ingest_paths().

``READERS`` maps a file extension to ``read(path, roster) -> Parsed``; register a third-party
reader the same way the built-ins are registered below. Readers of formats that may hold either a
transcript or notes (.txt, .md, .docx) also take ``force_notes=True``.
"""

from __future__ import annotations

import hashlib
import inspect
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from ..errors import WorkbenchError
from ..access import requires
from ..sharing import assign_pseudonyms
from .manifest import NOTES_KINDS, Participant, read_manifest, read_participants
from .model import Parsed, Turn
from .readers import docx as _docx, odt as _odt, pdf as _pdf, plaintext as _plaintext, srt as _srt, vtt as _vtt

__all__ = ["READERS", "IngestReport", "Parsed", "Turn", "ingest_paths", "list_sources", "list_turns",
           "read_file", "build_canonical", "word_count"]

READERS: dict[str, Callable[..., Parsed]] = {
    "docx": _docx.read,
    "vtt": _vtt.read,
    "srt": _srt.read,
    "txt": _plaintext.read,
    "md": _plaintext.read,
    "markdown": _plaintext.read,
    "pdf": _pdf.read,
    "odt": _odt.read,
}

TABLE_EXTENSIONS = {"csv", "xlsx", "xls", "json", "jsonl", "yaml", "yml", "py"}  # manifests, codings, scripts
SKIP_IN_FOLDERS = re.compile(r"^(readme|license|changelog)(\.\w+)?$", re.I)
_WORD = re.compile(r"\w+")


def word_count(text: str) -> int:
    """Number of regex ``\\w+`` matches."""
    return len(_WORD.findall(text))


@dataclass
class IngestReport:
    """What one ``ingest_paths`` call did."""

    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    words: int = 0
    turns: int = 0
    seconds: float = 0.0

    def summary(self) -> str:
        rate = f", {self.words / self.seconds:,.0f} ord/s".replace(",", " ") if self.seconds > 0 and self.words else ""
        return (f"{len(self.added)} lagt til, {len(self.unchanged)} uendret, {len(self.changed)} endret "
                f"(ikke lest inn på nytt), {len(self.errors)} feil; {self.turns} segmenter, "
                f"{self.words} ord på {self.seconds:.2f} s{rate}")


# ------------------------------------------------------------------------------------------ reading

def read_file(path: Path, roster: Iterable[str] | None = None, *, kind: str | None = None) -> Parsed:
    """Read one file with the reader registered for its extension (no database involved)."""
    path = Path(path)
    ext = path.suffix.lower().lstrip(".")
    reader = READERS.get(ext)
    if reader is None:
        raise WorkbenchError(f"{path.name}: unknown file type '.{ext}'; supported: "
                             f"{', '.join('.' + e for e in sorted(READERS))}")
    if not path.exists():
        raise WorkbenchError(f"{path}: file not found; check the path")
    if path.stat().st_size == 0:
        raise WorkbenchError(f"{path.name}: the file is empty; nothing to ingest")
    roster_set = set(roster) if roster else None
    kwargs = {}
    if kind in NOTES_KINDS and "force_notes" in inspect.signature(reader).parameters:
        kwargs["force_notes"] = True
    parsed = reader(path, roster_set, **kwargs)
    for t in parsed.turns:
        t.text = t.text.replace("\x00", "").strip()
    parsed.turns = [t for t in parsed.turns if t.text]
    if not parsed.turns:
        raise WorkbenchError(f"{path.name}: no text found (no turns, paragraphs or cues); "
                             "check that the file is not blank or a scanned image")
    return parsed


def _hms(t: float) -> str:
    s = int(t)
    return f"{s // 3600:02d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def build_canonical(parsed: Parsed) -> tuple[str, list[tuple[int, int]]]:
    """Canonical plain text of a source and each turn's ``(start_char, end_char)`` in it.

    Transcripts: "[hh:mm:ss] Label: text" per turn, blank line between; notes and documents: the
    heading line whenever it changes, then the items. Offsets cover the turn text only.
    """
    parts: list[str] = []
    pos = 0
    spans: list[tuple[int, int]] = []

    def add(s: str) -> None:
        nonlocal pos
        parts.append(s)
        pos += len(s)

    if parsed.preamble:
        add("\n".join(parsed.preamble) + "\n\n")
    last_heading = None
    for t in parsed.turns:
        if t.heading and t.heading != last_heading:
            add(f"{t.heading}\n\n")
        last_heading = t.heading
        prefix = ""
        if t.start_time is not None:
            prefix += f"[{_hms(t.start_time)}] "
        if t.speaker:
            prefix += f"{t.speaker}: "
        add(prefix)
        start = pos
        add(t.text)
        spans.append((start, pos))
        add("\n\n")
    text = "".join(parts)
    return text, spans


# ---------------------------------------------------------------------------------------- ingesting

def _folder_tables(folder: Path, stem: str) -> list[Path]:
    found = []
    for p in sorted(folder.iterdir()):
        if p.is_file() and p.name.lower().startswith(stem) and p.suffix.lower() in (".csv", ".xlsx"):
            if p.name.startswith("~$"):
                continue
            found.append(p)
    # stem.csv / stem.xlsx first, then stem_b.csv etc.
    return sorted(found, key=lambda p: (p.stem.lower() != stem, p.name))


def _collect(paths: Iterable[Path | str], report: IngestReport) -> tuple[list[Path], list[Path]]:
    files: list[Path] = []
    folders: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            folders.append(p)
            for f in sorted(q for q in p.rglob("*") if q.is_file()):
                rel = f.relative_to(p)
                if any(part.startswith(".") for part in rel.parts) or f.name.startswith("~$"):
                    continue
                ext = f.suffix.lower().lstrip(".")
                if ext in READERS and not SKIP_IN_FOLDERS.match(f.name):
                    files.append(f)
                elif ext not in TABLE_EXTENSIONS and not SKIP_IN_FOLDERS.match(f.name):
                    report.warnings.append(f"{f.name}: skipped, unknown file type .{ext}; supported: "
                                           f"{', '.join('.' + e for e in sorted(READERS))}")
        elif p.is_file():
            files.append(p)
            folders.append(p.parent)
        else:
            report.errors.append(f"{p}: not found; check the path")
    seen: set[Path] = set()
    unique = []
    for f in files:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            unique.append(f)
    return unique, list(dict.fromkeys(folders))


@requires("ingest")
def ingest_paths(db, paths: Iterable[Path | str], *, manifest: Path | str | None = None,
                 participants: Path | str | None = None, user: str | None = None) -> IngestReport:
    """Ingest files and folders; one transaction per file.

    A folder's ``manifest*.csv|xlsx`` and ``participants*.csv|xlsx`` are picked up automatically
    (an explicit ``manifest``/``participants`` takes precedence for the files it names). A file that
    cannot be read is reported in ``errors`` and nothing of it is stored; the others still go in.
    """
    from sqlalchemy import select

    from ..store.models import Segment, Source, Speaker

    began = time.perf_counter()
    report = IngestReport()
    files, folders = _collect(paths, report)

    meta: dict[str, dict[str, Any]] = {}
    roster: dict[str, list[Participant]] = {}
    manifest_files = [Path(manifest)] if manifest else []
    participant_files = [Path(participants)] if participants else []
    for folder in folders:
        manifest_files += [p for p in _folder_tables(folder, "manifest") if p not in manifest_files]
        participant_files += [p for p in _folder_tables(folder, "participants") if p not in participant_files]
    for mf in manifest_files:
        for name, row in read_manifest(mf).items():
            if name in meta:
                if meta[name] != row and mf != Path(manifest or ""):
                    report.warnings.append(f"{mf.name}: {name} is described again; the first row is kept")
                continue
            meta[name] = row
    explicit_roster = {p.resolve() for p in participant_files[:1]} if participants else set()
    for pf in participant_files:
        rows = read_participants(pf)
        for name, people in rows.items():
            if name in roster and pf.resolve() not in explicit_roster and explicit_roster:
                continue
            known = {p.speaker for p in roster.get(name, [])}
            roster.setdefault(name, []).extend(p for p in people if p.speaker not in known)
    if not manifest_files and files:
        report.warnings.append("no manifest.csv found; sources are stored without kind, phase, pilot, "
                               "county, date and language")

    for path in files:
        name = path.name
        data_meta = meta.get(name)
        if data_meta is None:
            data_meta = {}
            if manifest_files:
                report.warnings.append(f"{name}: not in {manifest_files[0].name}; stored without kind, phase "
                                       "and pilot; add a row for it")
        people = {p.speaker: p for p in roster.get("*", [])}
        people.update({p.speaker: p for p in roster.get(name, [])})
        try:
            data = path.read_bytes()
        except OSError as exc:
            report.errors.append(f"{name}: cannot be read ({exc.strerror})")
            continue
        digest = hashlib.sha256(data).hexdigest()
        with db.session() as session:
            same = session.execute(select(Source.file_name).where(Source.content_hash == digest)).first()
            existing = session.execute(select(Source.content_hash).where(Source.file_name == name)).first()
        if same is not None:
            report.unchanged.append(name if same[0] == name else f"{name} (same content as {same[0]})")
            continue
        if existing is not None:
            report.changed.append(f"{name}: changed (not re-ingested; the stored version is kept; "
                                  "remove the source first or give the new version a new file name)")
            continue
        try:
            parsed = read_file(path, people.keys() or None, kind=data_meta.get("kind"))
        except WorkbenchError as exc:
            report.errors.append(str(exc))
            continue
        except Exception as exc:  # a reader library failing on a malformed file
            report.errors.append(f"{name}: cannot be read ({type(exc).__name__}: {exc})")
            continue
        report.warnings.extend(parsed.warnings)
        if people:
            unknown = sorted({t.speaker for t in parsed.turns if t.speaker and t.speaker not in people})
            for label in unknown:
                report.warnings.append(f"{name}: speaker '{label}' is not in participants.csv; "
                                       "add a row to give the actor")
        canonical, spans = build_canonical(parsed)
        words = [word_count(t.text) for t in parsed.turns]
        kind = data_meta.get("kind") or ("dokument" if parsed.kind_hint == "dokument" else None)
        try:
            with db.transaction(user) as tx:
                source = Source(file_name=name, content_hash=digest, format=parsed.format, kind=kind,
                                phase=data_meta.get("phase"), pilot=data_meta.get("pilot"),
                                county=data_meta.get("county"), date=data_meta.get("date"),
                                language=data_meta.get("language"), canonical_text=canonical,
                                word_count=sum(words), ingested_by=tx.user.id)
                tx.session.add(source)
                tx.session.flush()
                speakers: dict[str, Speaker] = {}
                for t in parsed.turns:
                    if t.speaker and t.speaker not in speakers:
                        p = people.get(t.speaker)
                        sp = Speaker(source_id=source.id, label=t.speaker, actor=p.actor if p else None,
                                     organisation=p.organisation if p else None, pilot=p.pilot if p else None,
                                     name=p.name if p else None)
                        tx.session.add(sp)
                        speakers[t.speaker] = sp
                tx.session.flush()
                for i, (t, (start, end), n) in enumerate(zip(parsed.turns, spans, words), start=1):
                    tx.session.add(Segment(
                        source_id=source.id, index=i,
                        speaker_id=speakers[t.speaker].id if t.speaker else None,
                        start_char=start, end_char=end, start_time=t.start_time, end_time=t.end_time,
                        heading=(t.heading[:500] if t.heading else None), page=t.page, word_count=n))
                assign_pseudonyms(tx.session)
                tx.audit("ingest", "source", source.id,
                         {"file": name, "format": parsed.format, "hash": digest,
                          "segments": len(parsed.turns), "words": sum(words), "speakers": sorted(speakers)})
        except WorkbenchError as exc:
            report.errors.append(f"{name}: {exc}")
            continue
        except Exception as exc:  # database constraint or connection trouble: this file only
            report.errors.append(f"{name}: not stored ({type(exc).__name__}: {str(exc).splitlines()[0]})")
            continue
        report.added.append(name)
        report.words += sum(words)
        report.turns += len(parsed.turns)
    report.seconds = time.perf_counter() - began
    return report


# ---------------------------------------------------------------------------------------- reading back

@requires("view_sources")
def list_sources(db, *, user: str | None = None) -> list[dict[str, Any]]:
    """Every source with its metadata, number of segments, words and speakers.

    Researchers see speaker labels and file names as written; report authors see pseudonyms and
    scrubbed file names (the resource group may not list sources)."""
    from sqlalchemy import func, select
    from sqlalchemy.orm import defer, selectinload

    from ..access import current
    from ..sharing import pseudonym_map, roster_scrubber, speaker_key

    from ..store.models import Segment, Source, Speaker

    with db.session() as session:
        counts = dict(session.execute(select(Segment.source_id, func.count()).group_by(Segment.source_id)).all())
        speakers: dict[int, list[dict[str, Any]]] = {}
        working_view = current() is None or current().can("view_transcripts")
        names = {} if working_view else pseudonym_map(db)
        scrub = (lambda t: t) if working_view else roster_scrubber(db).scrub
        for sp in session.scalars(select(Speaker).options(selectinload(Speaker.source))
                                  .order_by(Speaker.source_id, Speaker.id)):
            if working_view:
                entry = {"label": sp.label, "actor": sp.actor, "organisation": sp.organisation, "pilot": sp.pilot}
            else:  # report authors: pseudonyms, no organisation (it can point to one person)
                key = speaker_key(sp.label, sp.actor, sp.organisation, sp.pilot or sp.source.pilot)
                entry = {"label": names.get(key), "actor": sp.actor, "organisation": None, "pilot": sp.pilot}
            speakers.setdefault(sp.source_id, []).append(entry)
        rows = []
        for s in session.scalars(select(Source).options(defer(Source.canonical_text)).order_by(Source.id)):
            rows.append({"id": s.id, "file": scrub(s.file_name), "kind": s.kind, "phase": s.phase, "pilot": s.pilot,
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
