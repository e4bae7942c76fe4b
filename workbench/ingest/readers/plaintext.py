"""Plain-text and Markdown transcripts or notes.

Encodings: UTF-8 (with or without BOM), Windows-1252, both mixed line by line, UTF-16/UTF-32 with a
BOM; CRLF, LF or CR line ends, and U+2028, U+2029 and NEL as line ends too (``str.splitlines``). The file is streamed line by line and read twice (classify, then
build the turns), so a large transcript is never held in memory as several full copies.

A file that is really WebVTT or SubRip (a Teams or Zoom .vtt, a WhisperX .srt saved as .txt) is
recognised from its first lines and read by that reader, with one warning; a Word document, PDF
or zip named .txt is refused with a line saying what it is.
"""

from __future__ import annotations

from pathlib import Path

from ...errors import InputError
from ..chars import drop_bidi
from ..model import Parsed
from ..text import decode, head_text, parse_lines, read_lines
from . import srt, vtt
from .sniff import binary_kind, caption_format


def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False,
         strict_roster: bool = False) -> Parsed:
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    problem = binary_kind(path, fmt)  # a Word document, PDF, old .doc ... named .txt
    if problem:
        raise InputError(f"{path.name}: {problem}")
    real = caption_format(head_text(path))
    if real is not None:  # a Teams/Zoom .vtt or a WhisperX .srt saved as .txt: read it as what it is
        reader = vtt.read_text if real == "vtt" else srt.read_text
        text = drop_bidi(decode(path.read_bytes(), path, separators=True))  # before labels are looked for
        return vtt.misnamed(reader(text, path.name, roster, strict_roster=strict_roster), path.name, fmt)
    return parse_lines(lambda: read_lines(path), fmt, sorted(roster) if roster else None, path.name,
                       force_notes=force_notes, strict_roster=strict_roster)
