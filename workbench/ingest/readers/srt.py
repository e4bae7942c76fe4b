"""SubRip (pysrt): WhisperX ``[SPEAKER_00]:``, ``Name:`` prefixes (Zoom-style), dash dialogue.

Speakers, dash dialogue, merging, escapes (``&amp;``) and bad cue times follow the WebVTT reader
(:func:`workbench.ingest.readers.vtt.cues_to_parsed`).
"""

from __future__ import annotations

import html
from pathlib import Path

from ...errors import InputError
from ..model import Parsed
from .vtt import TAG, Cue, _reason, cues_to_parsed, joined_warnings, read_captions, scan_blocks, stray_line


def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False,
         strict_roster: bool = False) -> Parsed:
    return read_captions(path, "srt", roster, strict_roster=strict_roster)


def read_text(text: str, file: str, roster: set[str] | None = None, *, strict_roster: bool = False) -> Parsed:
    """A SubRip text (decoded) -> turns; ``file`` names it in messages.

    pysrt reads a well-formed file; where it refuses one for a single cue (a time without
    milliseconds, ``->`` for ``-->``) or misreads it (``00:00:0x,000`` as 0 s, a cue without the blank
    line before it as the previous cue's text), the cues come from the line scan that the WebVTT
    reader uses: times without milliseconds are read, and a timing line typed wrong keeps its cue's
    text with a warning naming the line."""
    import pysrt

    blocks = scan_blocks(text)
    try:
        items = pysrt.from_string(text, error_handling=pysrt.ERROR_RAISE)
        failure = None
    except Exception as exc:  # pysrt's InvalidItem carries (line number, line) as its argument
        items, failure = None, exc
    malformed = any(b.malformed for b in blocks)
    if items is not None and len(blocks) < len(items) and not malformed:
        # cues pysrt reads and the line scan does not: pysrt's, without line numbers
        cues = [Cue(number, str(item.index), None, _cue_lines(item.text_without_tags.split("\n")),
                    item.start.ordinal / 1000, item.end.ordinal / 1000, None, f"{item.start} --> {item.end}")
                for number, item in enumerate(items, start=1)]
        return cues_to_parsed(cues, "srt", roster, file, strict_roster=strict_roster)
    if items is None or len(blocks) != len(items) or malformed:
        stray = stray_line(text, blocks)
        if failure is not None and (not blocks or stray is not None):
            raise InputError(_refusal(file, failure, stray)) from None
        cues = [Cue(number, b.ident, b.line, _cue_lines(b.text_lines), b.start, b.end, None, b.timing)
                for number, b in enumerate(blocks, start=1)]
        return cues_to_parsed(cues, "srt", roster, file, strict_roster=strict_roster,
                              warnings=joined_warnings(blocks, file, "srt"))
    cues = []
    for number, (item, b) in enumerate(zip(items, blocks), start=1):
        # pysrt reads '-00:00:01,000' as +1 s and gives no line numbers: take both from the text
        start, end = item.start.ordinal / 1000, item.end.ordinal / 1000
        start = -start if b.start is not None and b.start < 0 else start
        end = -end if b.end is not None and b.end < 0 else end
        cues.append(Cue(number, str(item.index), b.line, _cue_lines(item.text_without_tags.split("\n")), start, end,
                        None, b.timing))
    return cues_to_parsed(cues, "srt", roster, file, strict_roster=strict_roster)


def _cue_lines(lines: list[str]) -> list[str]:
    """A cue's text lines without tags (``<i>``, ``{\\an8}``) and with escapes read as the characters
    (``&amp;`` -> ``&``), as in WebVTT."""
    return [html.unescape(TAG.sub("", ln)) for ln in lines]


def _refusal(file: str, exc: Exception, stray: tuple[int, str] | None) -> str:
    """The one line for a file that is no SubRip: where it goes wrong."""
    if stray is not None:
        said = (f"line {stray[0]} ('{stray[1][:40]}') is neither a cue number, a timing line nor the text under "
                "one; a cue without its timing line?")
    else:
        where = exc.args[0] if exc.args and isinstance(exc.args[0], tuple) and len(exc.args[0]) == 2 else None
        said = (f"cue {where[0]} does not start with a number line and a 'hh:mm:ss,mmm --> hh:mm:ss,mmm' line "
                f"(it starts '{str(where[1]).strip()[:40]}')") if where else _reason(exc)
    return (f"{file}: not a valid SubRip file ({said}); check the numbering and "
            "the 'hh:mm:ss,mmm --> hh:mm:ss,mmm' lines")
