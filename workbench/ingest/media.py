"""Recordings beside transcripts: which file plays a source, referenced and never copied.

A transcript's recording is found, in this order, from the manifest's ``media`` column (a path
absolute or relative to the transcript's folder) or as a file with the same name and a media
extension beside it (``intervju3.vtt`` + ``intervju3.m4a``). The database keeps the absolute
path; the app plays a turn from its start time (VTT, SRT and Word timestamps).
"""

from __future__ import annotations

from pathlib import Path

MEDIA_TYPES = {"mp3": "audio/mpeg", "m4a": "audio/mp4", "wav": "audio/wav", "mp4": "video/mp4",
               "webm": "video/webm"}
MEDIA_EXTENSIONS = frozenset(MEDIA_TYPES)


def is_media(path: Path | str) -> bool:
    return Path(path).suffix.lower().lstrip(".") in MEDIA_EXTENSIONS


def media_type(path: Path | str) -> str | None:
    """The MIME type of a recording by its extension (``audio/mpeg``), or None."""
    return MEDIA_TYPES.get(Path(path).suffix.lower().lstrip("."))


def is_video(path: Path | str) -> bool:
    return (media_type(path) or "").startswith("video/")


def beside(transcript: Path) -> Path | None:
    """A recording with the transcript's name and a media extension in its folder (the
    extension in any case; the first of mp3, m4a, wav, mp4, webm when there are several)."""
    transcript = Path(transcript)
    try:
        siblings = {p.suffix.lower().lstrip("."): p for p in transcript.parent.iterdir()
                    if p.stem == transcript.stem and p.is_file() and p != transcript}
    except OSError:
        return None
    for ext in MEDIA_TYPES:
        if ext in siblings:
            return siblings[ext]
    return None


def resolve(transcript: Path, given: str | None) -> tuple[Path | None, str | None]:
    """The recording of ``transcript``: the manifest's ``given`` path (relative to the
    transcript's folder) or the same-name file beside it. Returns (absolute path or None, a
    warning or None): a given path that is missing or not a media file gives a warning naming it,
    and nothing is referenced."""
    transcript = Path(transcript)
    if given:
        path = Path(given).expanduser()
        if not path.is_absolute():
            path = transcript.parent / path
        if not is_media(path):
            return None, (f"media {given!r} is not a recording ({', '.join('.' + e for e in MEDIA_TYPES)}); "
                          "fix the 'media' column of the manifest")
        if not path.is_file():
            return None, (f"media {given!r} not found (looked at {path}); fix the 'media' column of the "
                          "manifest or put the recording beside the transcript")
        return path.resolve(), None
    found = beside(transcript)
    return (found.resolve() if found else None), None


# ------------------------------------------------------------------------------ in the database

def _record(file_name: str, media: str | None) -> dict | None:
    if not media:
        return None
    path = Path(media)
    return {"source": file_name, "path": str(path), "type": media_type(path), "video": is_video(path),
            "exists": path.is_file()}


from ..access import requires  # noqa: E402  (the pure helpers above need no database)


@requires("view_transcripts")
def source_media(db, source, *, user: str | None = None) -> dict | None:
    """The recording of ``source`` as ``{source, path, type, video, exists}``, or None when it has
    none. ``exists`` is False when the file was moved since ingest (the reference is kept)."""
    from ..store.lookup import find_source

    with db.session() as session:
        src = find_source(session, source)
        return _record(src.file_name, src.media)


@requires("ingest")
def set_media(db, source, path: Path | str | None, *, user: str | None = None) -> dict | None:
    """Reference ``path`` as the recording of ``source`` (None: forget the reference). The file
    must exist and be a recording (.mp3, .m4a, .wav, .mp4, .webm); it is not copied."""
    from ..errors import InputError
    from ..store.lookup import find_source

    resolved = None
    if path is not None and str(path).strip():
        resolved = Path(path).expanduser()
        if not is_media(resolved):
            raise InputError(f"{path}: not a recording; give a {', '.join('.' + e for e in MEDIA_TYPES)} file",
                             code="media.not_media", path=str(path))
        if not resolved.is_file():
            raise InputError(f"{path}: not found; check the path", code="media.not_found", path=str(path))
        resolved = resolved.resolve()
    with db.transaction(user) as tx:
        src = find_source(tx.session, source)
        before = src.media
        src.media = str(resolved) if resolved else None
        tx.audit("set_media", "source", src.id, {"file": src.file_name, "before": before, "after": src.media})
        return _record(src.file_name, src.media)
