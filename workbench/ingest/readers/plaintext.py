"""Plain-text and Markdown transcripts or notes (UTF-8, UTF-8 with BOM or Windows-1252; CRLF or LF)."""

from __future__ import annotations

from pathlib import Path

from ..model import Parsed
from ..text import decode, text_to_parsed


def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False) -> Parsed:
    text = decode(path.read_bytes(), path)
    fmt = path.suffix.lower().lstrip(".")
    return text_to_parsed(text, fmt, sorted(roster) if roster else None, path.name, force_notes=force_notes)
