"""SubRip (pysrt), including WhisperX diarised output ("[SPEAKER_00]: text")."""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import InputError
from ..model import Parsed
from ..text import decode
from .vtt import merge_cues

PREFIX = re.compile(r"^\s*\[(?P<label>[^\]\n]{1,40})\]\s*:?\s*")


def read(path: Path, roster: set[str] | None = None, **_: object) -> Parsed:
    import pysrt

    text = decode(path.read_bytes(), path)
    try:
        items = pysrt.from_string(text, error_handling=pysrt.ERROR_RAISE)
    except Exception as exc:
        raise InputError(f"{path.name}: not a valid SubRip file ({exc}); check the numbering and "
                         "the 'hh:mm:ss,mmm --> hh:mm:ss,mmm' lines") from None
    cues = []
    for item in items:
        body = " ".join(item.text_without_tags.split())
        speaker = None
        m = PREFIX.match(body)
        if m:
            speaker, body = m.group("label").strip(), body[m.end():]
        elif roster:
            for label in sorted(roster, key=len, reverse=True):
                if body.startswith(label + ":"):
                    speaker, body = label, body[len(label) + 1:].strip()
                    break
        cues.append((speaker, body, item.start.ordinal / 1000, item.end.ordinal / 1000))
    return Parsed(merge_cues(cues), "srt", "transcript")
