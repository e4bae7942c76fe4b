"""WebVTT (webvtt-py), including Microsoft Teams transcripts with ``<v Name>`` voice tags."""

from __future__ import annotations

import re
from pathlib import Path

from ...errors import InputError
from ..model import Parsed, Turn
from ..text import decode, seconds

PREFIX = re.compile(r"^\s*\[?(?P<label>SPEAKER_\d+)\]?\s*:\s*")


def read(path: Path, roster: set[str] | None = None, **_: object) -> Parsed:
    import webvtt

    text = decode(path.read_bytes(), path)
    try:
        captions = webvtt.from_string(text).captions
    except Exception as exc:  # webvtt raises its own MalformedFileError and others
        raise InputError(f"{path.name}: not a valid WebVTT file ({exc}); check the 'WEBVTT' "
                         "header and the cue timings") from None
    cues = []
    for c in captions:
        body = " ".join(c.text.split())
        speaker = c.voice
        if speaker is None:
            m = PREFIX.match(body)
            if m:
                speaker, body = m.group("label"), body[m.end():]
            elif roster:
                for label in sorted(roster, key=len, reverse=True):
                    if body.startswith(label + ":"):
                        speaker, body = label, body[len(label) + 1:].strip()
                        break
        cues.append((speaker.strip() if speaker else None, body, seconds(c.start), seconds(c.end)))
    return Parsed(merge_cues(cues), "vtt", "transcript")


def merge_cues(cues: list[tuple[str | None, str, float, float]]) -> list[Turn]:
    """Consecutive cues of the same speaker become one turn spanning their times."""
    turns: list[Turn] = []
    for number, (speaker, body, start, end) in enumerate(cues, start=1):
        if not body:
            continue
        if turns and turns[-1].speaker == speaker and speaker is not None:
            turns[-1].text += " " + body
            turns[-1].end_time = end
        else:
            turns.append(Turn(text=body, speaker=speaker, start_time=start, end_time=end, line=number))
    return turns
