"""Plain-text and Markdown transcripts or notes.

Encodings: UTF-8 (with or without BOM), Windows-1252, both mixed line by line, UTF-16/UTF-32 with a
BOM; CRLF, LF or CR line ends. The file is streamed line by line and read twice (classify, then
build the turns), so a large transcript is never held in memory as several full copies.
"""

from __future__ import annotations

from pathlib import Path

from ..model import Parsed
from ..text import parse_lines, read_lines


def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False,
         strict_roster: bool = False) -> Parsed:
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    return parse_lines(lambda: read_lines(path), fmt, sorted(roster) if roster else None, path.name,
                       force_notes=force_notes, strict_roster=strict_roster)
