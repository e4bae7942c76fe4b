"""Whisper-family JSON transcripts: what local speech-to-text tools write with ``--output_format json``.

Layouts read (checked against the tools' own writers):

- **openai-whisper** and **NB-Whisper** run with it (``whisper --output_format json``):
  ``{"text": ..., "segments": [{"id", "seek", "start", "end", "text", ...}], "language": ...}``,
  times in seconds;
- **WhisperX** (``whisperx --diarize --output_format json``): the same, each segment with a
  ``"speaker"`` (``SPEAKER_00``) where the diarisation gave one, and ``"word_segments"`` beside;
- **whisper.cpp** ``-oj`` / ``-ojf``: ``{"systeminfo", "model", "params", "result",
  "transcription": [{"timestamps": {"from": "00:00:01,000", "to": ...}, "offsets": {"from": ms,
  "to": ms}, "text": ..., ["tokens"], ["speaker": "0" | "1" | "?"]}]}`` (``-di``, stereo
  diarisation, writes the speaker; ``"?"`` is a segment it could not tell);
- **Hugging Face transformers** pipelines (NB-Whisper's model card, insanely-fast-whisper):
  ``{"text": ..., "chunks": [{"timestamp": [start, end], "text": ...}]}``, with ``"speakers"``
  (a list of ``{"speaker", "timestamp", "text"}``) when diarised;
- **faster-whisper** dumps: a list of segments, as objects (``{"id", "seek", "start", "end",
  "text", ...}``) or as arrays (``json.dump`` of its named tuples: ``[id, seek, start, end, text,
  ...]``), or ``{"segments": [...], "info": {...}}``;
- a **generic list** of ``{"speaker", "text", "start"[, "end"]}`` objects (also ``"taler"``/
  ``"navn"``, ``"tekst"``, ``"tid"``; times in seconds or as ``hh:mm:ss``).

A segment is read as a subtitle cue is (:func:`workbench.ingest.readers.vtt.cues_to_parsed`): a
segment's speaker names its turn (``SPEAKER_00`` is a label like any other, which the roster can
map to an actor), consecutive segments of one speaker are one turn, a segment without a speaker is
a turn of its own without one (so a Whisper file without diarisation reads as its ``.srt`` does: a
timed turn per segment), the start time is the turn's, tool notices are dropped.

Anything else is one line naming the layouts read; hostile input (a huge file, deep nesting, wrong
types, NaN times) is one line too, never a traceback.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

from ...errors import InputError
from ..chars import drop_bidi
from ..limits import _mb, _suggest
from ..model import Parsed
from ..text import decode
from .sniff import binary_kind
from .vtt import Cue, cues_to_parsed

MAX_JSON_MB = 200.0  # a three-hour WhisperX file with word times is ~6 MB; json.loads holds it all
ENV_MAX_JSON = "WORKBENCH_MAX_JSON_MB"
LAYOUTS = ('openai-whisper/NB-Whisper and WhisperX ({"segments": [...]}), whisper.cpp -oj/-ojf '
           '({"transcription": [...]}), Hugging Face transformers ({"chunks": [...]}), faster-whisper '
           '(a list of segments) and a list of {"speaker", "text", "start"} objects')
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_STAMP = re.compile(r"^\s*(\d{1,3}:)?\d{1,2}:\d{1,2}(?:[.,]\d{1,3})?\s*$")
SPEAKER_KEYS = ("speaker", "taler", "talar", "navn", "namn", "name", "speaker_label")
TEXT_KEYS = ("text", "tekst", "transcript", "ytring", "utterance")
START_KEYS = ("start", "tid", "time", "start_time", "begin", "from")
END_KEYS = ("end", "slutt", "end_time", "stop", "to")
# keys that tell a list of objects is a segment list (not, say, a list of code definitions)
_HEAD = re.compile(r'"(?:segments|transcription|chunks|speakers|word_segments)"\s*:|'
                   r'^\s*\[\s*(?:\[|\{[^{}]{0,2000}?"(?:text|tekst)"\s*:)', re.I)


class _Bad(Exception):
    """A value of the wrong kind in a segment: becomes one line naming the segment."""


def looks_like_transcript(path: Path) -> bool:
    """Whether a ``.json`` file in a folder looks like one of the layouts read (from its first
    64 kB, cheaply; the reader decides). Never raises."""
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
        text = head.decode("utf-8", "ignore").lstrip("\ufeff")
        return bool(_HEAD.search(text[:65536]))
    except Exception:
        return False


def _max_mb() -> float:
    import os

    raw = (os.environ.get(ENV_MAX_JSON) or "").strip()
    try:
        value = float(raw.replace(",", ".")) if raw else MAX_JSON_MB
    except ValueError:
        value = MAX_JSON_MB
    return value if value > 0 else MAX_JSON_MB


def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False,
         strict_roster: bool = False) -> Parsed:
    path = Path(path)
    name = path.name
    problem = binary_kind(path, "json")  # a Word document, PDF, zip ... named .json
    if problem:
        raise InputError(f"{name}: {problem}")
    size = path.stat().st_size
    limit = _max_mb()
    if size > limit * 1_000_000:
        raise InputError(f"{name}: the JSON file is {_mb(size)}, above the limit of {limit:g} MB for a JSON "
                         "transcript (it is read whole into memory); split it, or raise the limit with "
                         f"{ENV_MAX_JSON}={_suggest(size / 1_000_000)}")
    text = drop_bidi(decode(path.read_bytes(), path))
    try:
        data = json.loads(text)
    except RecursionError:
        raise InputError(f"{name}: the JSON is nested too deeply to be a transcript; it reads {LAYOUTS}") from None
    except ValueError as exc:  # json.JSONDecodeError, or an integer with too many digits
        where = f" (line {exc.lineno}, column {exc.colno}: {exc.msg})" if isinstance(exc, json.JSONDecodeError) \
            else " (a number with too many digits)"
        raise InputError(f"{name}: not valid JSON{where}; save the transcript again from the tool "
                         "that wrote it") from None
    try:
        layout, segments, warnings = _segments(data, name)
    except _Bad as exc:
        raise InputError(f"{name}: {exc}; it reads {LAYOUTS}") from None
    if layout is None:
        raise InputError(f"{name}: not a transcript layout the workbench reads ({_what(data)}); "
                         f"it reads {LAYOUTS}")
    if not segments:
        raise InputError(f"{name}: the {layout} JSON has no segments with text; check that the "
                         "transcription finished")
    return segments_to_parsed(segments, "json", roster, name, strict_roster=strict_roster, warnings=warnings)


def segments_to_parsed(segments: list[tuple], fmt: str, roster: set[str] | None, name: str, *,
                       strict_roster: bool = False, warnings: list[str] | None = None) -> Parsed:
    """Whisper segments ``(speaker, text, start, end)`` -> turns, as subtitle cues are read
    (:func:`workbench.ingest.readers.vtt.cues_to_parsed`); also Whisper's ``.tsv`` (``tsvfile``)."""
    cues = []
    for number, (speaker, body, start, end) in enumerate(segments, start=1):
        cues.append(Cue(number, None, None, [body], start, end, speaker, ""))
    parsed = cues_to_parsed(cues, fmt, roster, name, strict_roster=strict_roster, warnings=warnings)
    # cues_to_parsed speaks of cues; a Whisper file has segments
    parsed.warnings = [w.replace(": cue ", ": segment ").replace("the cue is stored", "the segment is stored")
                       for w in parsed.warnings]
    return parsed


def _what(data: Any) -> str:
    """A short description of a JSON value that is no transcript, for the error line."""
    if isinstance(data, dict):
        for key in ("segments", "transcription", "chunks"):
            if key in data and not isinstance(data[key], list):
                return f"its {key!r} is {_article(_json_type(type(data[key]).__name__))}, not a list"
        keys = [str(k)[:30] for k in list(data)[:6]]
        return ("an object with the keys " + ", ".join(repr(k) for k in keys) + (" ..." if len(data) > 6 else "")
                if keys else "an empty object")
    if isinstance(data, list):
        kinds = sorted({type(v).__name__ for v in data[:50]})
        return f"a list of {len(data)} value{'s' if len(data) != 1 else ''}" + \
            (f" ({', '.join(_json_type(k) for k in kinds)})" if kinds else "")
    return f"a single {_json_type(type(data).__name__)}"


def _article(kind: str) -> str:
    return kind if kind in ("null", "true/false") else ("an " if kind[0] in "aeiou" else "a ") + kind


def _json_type(python_name: str) -> str:
    return {"dict": "object", "list": "list", "str": "string", "int": "number", "float": "number",
            "bool": "true/false", "NoneType": "null"}.get(python_name, python_name)


def _segments(data: Any, file: str) -> tuple[str | None, list[tuple], list[str]]:
    """(layout name, [(speaker, text, start, end)], warnings); layout None when no layout fits."""
    warnings: list[str] = []
    if isinstance(data, dict):
        if isinstance(data.get("transcription"), list):
            return "whisper.cpp", _read_list(data["transcription"], "transcription", file, warnings, cpp=True), warnings
        if isinstance(data.get("segments"), list):
            layout = "WhisperX" if "word_segments" in data or any(
                isinstance(s, dict) and s.get("speaker") is not None for s in data["segments"]) else "Whisper"
            return layout, _read_list(data["segments"], "segments", file, warnings), warnings
        speakers = data.get("speakers")
        if isinstance(speakers, list) and speakers and all(isinstance(s, dict) for s in speakers):
            return "transformers", _read_list(speakers, "speakers", file, warnings), warnings
        if isinstance(data.get("chunks"), list):
            return "transformers", _read_list(data["chunks"], "chunks", file, warnings), warnings
        return None, [], warnings
    if isinstance(data, list) and data:
        if all(isinstance(s, dict) for s in data) and any(_key(s, TEXT_KEYS) for s in data):
            return "segment list", _read_list(data, None, file, warnings), warnings
        if all(isinstance(s, list) for s in data) and all(len(s) >= 5 and isinstance(s[4], str) for s in data):
            # faster-whisper's Segment named tuples dumped as arrays: id, seek, start, end, text, ...
            rows = [{"start": s[2], "end": s[3], "text": s[4]} for s in data]
            return "faster-whisper", _read_list(rows, None, file, warnings), warnings
    return None, [], warnings


def _key(obj: dict, names: tuple[str, ...]) -> str | None:
    """The key of ``obj`` that is one of ``names`` (any letter case), or None."""
    for k in obj:
        if isinstance(k, str) and k.casefold() in names:
            return k
    return None


def _read_list(items: list, where: str | None, file: str, warnings: list[str], *, cpp: bool = False) -> list[tuple]:
    out = []
    bad_times: list[int] = []
    unsure = 0
    for number, item in enumerate(items, start=1):
        place = f"segment {number}" + (f" of {where!r}" if where else "")
        if not isinstance(item, dict):
            raise _Bad(f"{place} is {_json_type(type(item).__name__)}, not an object with a text")
        tk = _key(item, TEXT_KEYS)
        body = item.get(tk) if tk else None
        if body is None:
            continue
        if not isinstance(body, str):
            raise _Bad(f"{place}: its text is {_json_type(type(body).__name__)}, not a string")
        body = " ".join(_SURROGATE.sub("", body).replace("\x00", "").split())
        if not body:
            continue
        sk = _key(item, SPEAKER_KEYS)
        speaker = _speaker(item.get(sk) if sk else None, place, cpp)
        if speaker == "?":
            speaker, unsure = None, unsure + 1
        start, end, ok = _times(item, cpp)
        if not ok:
            bad_times.append(number)
        if start is not None and end is not None and end < start:
            end = None
            bad_times.append(number)
        out.append((speaker, body, start, end))
    if bad_times:
        shown = ", ".join(str(n) for n in sorted(set(bad_times))[:5]) + (" ..." if len(set(bad_times)) > 5 else "")
        warnings.append(f"{file}: {len(set(bad_times))} segment{'s' if len(set(bad_times)) > 1 else ''} ({shown}) "
                        "with a time that is not a time in seconds (negative, not a number, or an end before the "
                        "start); the text is kept without that time")
    labelled = sum(1 for seg in out if seg[0] is not None)
    if labelled and labelled + unsure < len(out):
        n = len(out) - labelled - unsure
        warnings.append(f"{file}: {n} of {len(out)} segments {'have' if n > 1 else 'has'} no speaker (the "
                        "diarisation gave none); "
                        f"{'each is' if n > 1 else 'it is'} stored as a turn without a speaker")
    if unsure:
        warnings.append(f"{file}: {unsure} segment{'s' if unsure > 1 else ''} whose speaker whisper.cpp could not "
                        "tell ('?'); stored without a speaker")
    return out


def _speaker(value: Any, place: str, cpp: bool) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise _Bad(f"{place}: its speaker is {_json_type(type(value).__name__)}, not a label")
    label = " ".join(_SURROGATE.sub("", str(value)).replace("\x00", "").split())
    if not label:
        return None
    if label == "?":
        return "?"
    if cpp or isinstance(value, int):
        # whisper.cpp writes "0"/"1" (its text output says "(speaker 0)"): a bare number is no label
        m = re.fullmatch(r"\(?\s*(?:speaker\s*)?(\d+)\s*\)?", label, re.I)
        if m:
            return f"speaker {m.group(1)}"
    return label[:200]


def _times(item: dict, cpp: bool) -> tuple[float | None, float | None, bool]:
    """(start, end, all present times were good) of a segment in seconds."""
    ok = True
    if cpp:  # offsets in milliseconds, else the "hh:mm:ss,mmm" timestamps
        off, stamps = item.get("offsets"), item.get("timestamps")
        start = end = None
        if isinstance(off, dict):
            start, ok1 = _seconds(off.get("from"), 1000.0)
            end, ok2 = _seconds(off.get("to"), 1000.0)
            ok = ok1 and ok2
        elif isinstance(stamps, dict):
            start, ok1 = _seconds(stamps.get("from"))
            end, ok2 = _seconds(stamps.get("to"))
            ok = ok1 and ok2
        elif off is not None or stamps is not None:
            ok = False
        return start, end, ok
    stamp = item.get("timestamp")
    if isinstance(stamp, list) and len(stamp) == 2:  # transformers: [start, end]; end null at the end
        start, ok1 = _seconds(stamp[0])
        end, ok2 = _seconds(stamp[1])
        return start, end, ok1 and ok2
    sk, ek = _key(item, START_KEYS), _key(item, END_KEYS)
    start, ok1 = _seconds(item.get(sk)) if sk else (None, True)
    end, ok2 = _seconds(item.get(ek)) if ek else (None, True)
    return start, end, ok1 and ok2


def _seconds(value: Any, per_second: float = 1.0) -> tuple[float | None, bool]:
    """A time as seconds and whether it was good (None, True for a missing one)."""
    if value is None:
        return None, True
    if isinstance(value, bool):
        return None, False
    if isinstance(value, (int, float)):
        v = float(value) / per_second
    elif isinstance(value, str) and _STAMP.match(value):
        parts = value.strip().replace(",", ".").split(":")
        v = 0.0
        for p in parts:
            v = v * 60 + float(p)
    elif isinstance(value, str):
        try:
            v = float(value.strip().replace(",", ".")) / per_second
        except ValueError:
            return None, False
    else:
        return None, False
    if not math.isfinite(v) or v < 0 or v > 10 ** 7:
        return None, False
    return v, True
