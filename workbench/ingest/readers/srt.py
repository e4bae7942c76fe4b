"""SubRip (pysrt): WhisperX ``[SPEAKER_00]:``, ``Name:`` prefixes (Zoom-style), dash dialogue.

Speakers, dash dialogue, merging and bad cue times follow the WebVTT reader
(:func:`workbench.ingest.readers.vtt.cues_to_parsed`).
"""

from __future__ import annotations

from pathlib import Path

from ...errors import InputError
from ..model import Parsed
from .vtt import TAG, Cue, _reason, cues_to_parsed, joined_warnings, read_captions, scan_blocks


def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False,
         strict_roster: bool = False) -> Parsed:
    return read_captions(path, "srt", roster, strict_roster=strict_roster)


def read_text(text: str, file: str, roster: set[str] | None = None, *, strict_roster: bool = False) -> Parsed:
    """A SubRip text (decoded) -> turns; ``file`` names it in messages."""
    import pysrt

    try:
        items = pysrt.from_string(text, error_handling=pysrt.ERROR_RAISE)
    except Exception as exc:  # pysrt's InvalidItem carries (line number, line) as its argument
        where = exc.args[0] if exc.args and isinstance(exc.args[0], tuple) and len(exc.args[0]) == 2 else None
        said = (f"cue {where[0]} does not start with a number line and a 'hh:mm:ss,mmm --> hh:mm:ss,mmm' line "
                f"(it starts '{str(where[1]).strip()[:40]}')") if where else _reason(exc)
        raise InputError(f"{file}: not a valid SubRip file ({said}); check the numbering and "
                         "the 'hh:mm:ss,mmm --> hh:mm:ss,mmm' lines") from None
    # pysrt reads '-00:00:01,000' as +1 s and gives no line numbers: take both from the text
    blocks = scan_blocks(text)
    if len(blocks) > len(items):
        # pysrt reads a cue that follows the previous one without a blank line as that cue's text
        # (its number and timing line included): take the cues from the line scan instead
        cues = [Cue(number, b.ident, b.line, [TAG.sub("", ln) for ln in b.text_lines], b.start, b.end,
                    None, b.timing) for number, b in enumerate(blocks, start=1)]
        return cues_to_parsed(cues, "srt", roster, file, strict_roster=strict_roster,
                              warnings=joined_warnings(blocks, file))
    aligned = len(blocks) == len(items)
    cues = []
    for number, item in enumerate(items, start=1):
        lines = [TAG.sub("", ln) for ln in item.text_without_tags.split("\n")]
        if aligned:
            b = blocks[number - 1]
            start, end = item.start.ordinal / 1000, item.end.ordinal / 1000
            start = -start if b.start is not None and b.start < 0 else start
            end = -end if b.end is not None and b.end < 0 else end
            cues.append(Cue(number, str(item.index), b.line, lines, start, end, None, b.timing))
        else:
            cues.append(Cue(number, str(item.index), None, lines, item.start.ordinal / 1000,
                            item.end.ordinal / 1000, None, f"{item.start} --> {item.end}"))
    return cues_to_parsed(cues, "srt", roster, file, strict_roster=strict_roster)
