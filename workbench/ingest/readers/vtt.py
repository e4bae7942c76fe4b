"""WebVTT (webvtt-py): Microsoft Teams ``<v Name>`` voice tags, Zoom ``Name: text`` cues, WhisperX
``[SPEAKER_00]:`` prefixes and subtitle dash dialogue.

The speaker logic is shared with the SubRip reader (:func:`cues_to_parsed`):

- a voice tag (``<v Name>``) names the speaker of its cue; a cue with several voice tags
  (``<v Kari>Ja.</v> <v Ola>Nei.</v>``) is a turn for each, all with the cue's times;
- ``SPEAKER_00:`` / ``[SPEAKER_00]:`` (WhisperX) and labels in the roster always do;
- otherwise a ``Name:`` or ``[Name]`` prefix is a speaker when the file is labelled: the same
  prefixes recur across the cues (at least a third of the cues start with a recurring prefix).
  A prefix seen once counts only when nearly every cue has a prefix (Zoom) and it looks like a
  name, and never with a roster that lacks it. A prefix that is not taken as a speaker stays in
  the text of a cue without a speaker (never in another speaker's turn) and is reported;
- a cue of two dash lines (``- Ja?`` / ``- Nei.``) is two people: two turns with the cue's times;
- consecutive cues of one speaker become one turn;
- a cue with a negative time or an end before its start is kept, without the bad time, and
  reported with its number, id and line; so is a cue whose timing line is typed wrong
  (``00:00:0x.000 --> ...``, ``->`` for ``-->``: :data:`LOOSE_TIMING`), as a cue of its own with the
  times that can be read, never merged into the cue before.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import InputError
from ..model import Parsed, Turn
from .. import text as _text
from ..chars import clean_text, drop_bidi
from ..text import GUEST_MARK, METADATA_KEYS, decode, meeting_name, seconds, without_notices
from .sniff import CAPTION_NAMES, binary_kind, caption_format

BRACKET_NOTES = getattr(_text, "BRACKET_NOTES", frozenset())  # [latter], [pause]: never speakers

TIMING = re.compile(r"^\s*(?P<start>-?\s*\d[\d:.,]*)\s*-->\s*(?P<end>-?\s*\d[\d:.,]*)(?!\S)")
# A timing line typed wrong ("00:00:0x.000 --> 00:00:03.000", "00:00:11.000 -> 00:00:12.000", an arrow
# autocorrected to a dash): at the start of a block (after a blank line, or a blank line and an id), a cue
# of its own, its text kept and the line named in a warning, never merged into the cue before
LOOSE_TIMING = re.compile(
    r"^\s*(?P<start>-?\d[\w:.,]*:[\w:.,]*)\s*(?P<arrow>-{1,3}>|[–—]-?>|→|=>)\s*(?P<end>-?\d[\w:.,]*)"
    r"(?:\s+[\w-]+:\S+)*\s*$")
WHISPERX = re.compile(r"^SPEAKER_\d+$")
BRACKET_PREFIX = re.compile(r"^\s*\[(?P<label>[^\]\n]{1,40})\]\s*:?\s*")
COLON_PREFIX = re.compile(r"^\s*(?P<label>[^:\n\[\]<>]{1,60}?)\s*:\s+(?=\S)")
DASH = re.compile(r"^\s*[-–—‐]\s*(?=[^\d\s\-])")
VOICE_TAG = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]+)>")
TAG = re.compile(r"</?[^>\n]{0,200}>|\{\\[^}\n]*\}")  # HTML-like cue tags, ASS overrides {\an8}
LABELLED_SHARE = 1 / 3     # share of cues starting with a recurring prefix for a labelled file
CONSISTENT_SHARE = 2 / 3   # share of cues with any prefix for a once-seen prefix to count


@dataclass
class Cue:
    """One subtitle cue as read: text lines without tags, times in seconds (may be bad)."""

    number: int                 # 1-based position among the cues of the file
    ident: str | None           # the cue id as written (VTT identifier, SRT number)
    line: int | None            # line of the timing line in the file
    lines: list[str]
    start: float | None
    end: float | None
    voice: str | None = None
    timing: str = ""            # the timing line as written, for messages
    voices: list[tuple[str | None, str]] = field(default_factory=list)  # see voice_parts


@dataclass
class RawBlock:
    ident: str | None
    line: int
    start: float | None
    end: float | None
    timing: str
    text_lines: list[str] = field(default_factory=list)
    joined: bool = False        # no blank line between the previous cue's text and this cue
    arrow: str | None = None    # a timing line typed wrong (LOOSE_TIMING): its arrow as written
    bad_start: str | None = None  # ... and its start or end when that is no time
    bad_end: str | None = None

    @property
    def malformed(self) -> bool:
        return self.arrow is not None


def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False,
         strict_roster: bool = False) -> Parsed:
    return read_captions(path, "vtt", roster, strict_roster=strict_roster)


def read_captions(path: Path, ext: str, roster: set[str] | None = None, *, strict_roster: bool = False) -> Parsed:
    """A subtitle file named ``.ext`` ("vtt" or "srt"): refused with what it really is when it is
    no text (a Word document, PDF ... so named) or text without a single cue time (a plain-text
    transcript so named), read as the other format, with a warning, when its
    content says so (a SubRip file named .vtt), else read as ``ext``."""
    from . import srt

    path = Path(path)
    problem = binary_kind(path, ext)
    if problem:
        raise InputError(f"{path.name}: {problem}")
    text = drop_bidi(decode(path.read_bytes(), path, separators=True))  # before labels are looked for
    readers = {"vtt": read_text, "srt": srt.read_text}
    found = caption_format(text[:4096])
    if found in readers and found != ext:  # read it as what it is
        return misnamed(readers[found](text, path.name, roster, strict_roster=strict_roster), path.name, ext)
    if found is None and "-->" not in text and text.strip():  # a transcript saved as .vtt by renaming it
        raise InputError(f"{path.name}: this is a plain-text file named .{ext}, not {CAPTION_NAMES[ext]} (no cue "
                         "has a 'start --> end' time line); rename it to .txt and ingest that")
    return readers[ext](text, path.name, roster, strict_roster=strict_roster)


def misnamed(parsed: Parsed, file: str, ext: str) -> Parsed:
    """``parsed`` (read by the reader of the file's real format) with one warning, first, that says so."""
    what = CAPTION_NAMES[parsed.format]
    parsed.warnings.insert(0, f"{file}: this is {what} named .{ext}, so it is read as one (cue times and "
                              f"speakers, no cue numbers or tags in the text); rename it to .{parsed.format}")
    return parsed


def read_text(text: str, file: str, roster: set[str] | None = None, *, strict_roster: bool = False) -> Parsed:
    """A WebVTT text (decoded) -> turns; ``file`` names it in messages."""
    import webvtt

    try:
        captions = webvtt.from_string(text).captions
    except Exception as exc:  # webvtt raises its own MalformedFileError and others
        raise InputError(f"{file}: not a valid WebVTT file ({_reason(exc)}); check the 'WEBVTT' "
                         "header and the cue timings") from None
    blocks = scan_blocks(text)
    cues: list[Cue] = []
    j = 0
    for number, b in enumerate(blocks, start=1):
        c = captions[j] if j < len(captions) else None
        if c is not None and not b.malformed and _same_time(seconds(c.start), b.start) and \
                _same_time(seconds(c.end), b.end):
            j += 1
        else:  # a cue webvtt-py skipped (a negative time, a timing line typed wrong): read it here
            c = None
        if c is not None and c.text.strip() and len(c.text.split("\n")) == len(b.text_lines):
            lines = [html.unescape(ln) for ln in c.text.split("\n")]  # &amp; -> & (WebVTT escapes)
            voice = c.voice
            raw = c.lines
        else:  # webvtt-py lost the text ('-->' in it) or took the next cue's id as text: the scan's
            raw = b.text_lines
            m = VOICE_TAG.search("\n".join(raw))
            voice = m.group(1) if m else None
            lines = [html.unescape(TAG.sub("", ln)) for ln in b.text_lines]
        cues.append(Cue(number, b.ident, b.line, lines, b.start, b.end,
                        voice.strip() if voice else None, b.timing, voice_parts(raw)))
    if j < len(captions):  # the scan and webvtt-py disagree: trust webvtt-py, as before
        cues = [Cue(n, c.identifier, None, [html.unescape(ln) for ln in c.text.split("\n")], seconds(c.start),
                    seconds(c.end), c.voice.strip() if c.voice else None, f"{c.start} --> {c.end}",
                    voice_parts(c.lines))
                for n, c in enumerate(captions, start=1)]
        blocks = []
    return cues_to_parsed(cues, "vtt", roster, file, strict_roster=strict_roster,
                          warnings=joined_warnings(blocks, file))


def _reason(exc: Exception) -> str:
    """A parser's exception as words: its message, never an internal tuple of (line, text)."""
    message = str(exc.args[0]) if exc.args and isinstance(exc.args[0], str) else ""
    return message.splitlines()[0][:200] if message.strip() else type(exc).__name__


def voice_parts(raw_lines: list[str]) -> list[tuple[str | None, str]]:
    """The parts of a cue with several voice tags (``<v Kari>Ja.</v> <v Ola>Nei.</v>``): (voice, text)
    for each, in order, text before the first tag without a voice; [] for a cue with one voice or none
    (webvtt-py's ``voice`` is only the first)."""
    raw = "\n".join(raw_lines)
    tags = list(VOICE_TAG.finditer(raw))
    if len(tags) < 2:
        return []
    pieces = [(None, raw[:tags[0].start()])]
    pieces += [(m.group(1).strip(), raw[m.end():nxt.start() if nxt else len(raw)])
               for m, nxt in zip(tags, tags[1:] + [None])]
    parts = []
    for voice, piece in pieces:
        text = " ".join(html.unescape(TAG.sub("", piece)).split())
        if text:
            parts.append((voice or None, text))
    return parts


def scan_blocks(text: str) -> list[RawBlock]:
    """Every cue of a VTT or SRT text: its id, the timing line (number, signed times) and text."""
    lines = text.split("\n")
    blocks: list[RawBlock] = []
    i = 0
    while i < len(lines):
        m = TIMING.match(lines[i])
        loose = None
        if not m and _block_start(lines, i):
            loose = m = LOOSE_TIMING.match(lines[i])
        if not m:
            i += 1
            continue
        ident = None
        if i > 0 and lines[i - 1].strip() and (i < 2 or not lines[i - 2].strip()):
            ident = lines[i - 1].strip()
        block = RawBlock(ident, i + 1, signed_seconds(m.group("start")), signed_seconds(m.group("end")),
                         lines[i].strip())
        if loose is not None:
            block.arrow = loose.group("arrow")
            block.bad_start = loose.group("start") if block.start is None else None
            block.bad_end = loose.group("end") if block.end is None else None
        i += 1
        while i < len(lines) and lines[i].strip() and not TIMING.match(lines[i]):
            block.text_lines.append(lines[i])
            i += 1
        blocks.append(block)
    # No blank line before a cue: the text line directly above its timing line is its id when it
    # looks like one (a number, or the file's cues have ids), else the previous cue's text.
    with_ids = sum(1 for b in blocks if b.ident is not None)
    for a, b in zip(blocks, blocks[1:]):
        if b.ident is None and b.line - a.line - 1 == len(a.text_lines):
            b.joined = True
            last = a.text_lines[-1].strip() if a.text_lines else ""
            if last.isdigit() or (len(a.text_lines) > 1 and 2 * with_ids >= len(blocks) - 1):
                b.ident = a.text_lines.pop().strip()
    return blocks


def stray_line(text: str, blocks: list[RawBlock]) -> tuple[int, str] | None:
    """(line number, line) of the first line with text that is no cue's id, timing line or text
    (a cue whose timing line is gone), None when there is none. For SubRip, which has no header,
    notes or style blocks."""
    covered: set[int] = set()
    for b in blocks:
        covered.update(range(b.line, b.line + len(b.text_lines) + 1))
        if b.ident is not None:
            covered.add(b.line - 1)
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip() and number not in covered:
            return number, line.strip()
    return None


def _block_start(lines: list[str], i: int) -> bool:
    """Whether line ``i`` stands where a cue's timing line does: first in its block (after a blank
    line) or after a block's first line (its id), never under a timing line or inside a cue's text."""
    if i == 0 or not lines[i - 1].strip():
        return True
    above = lines[i - 1].strip()
    return (i == 1 or not lines[i - 2].strip()) and not TIMING.match(above) and \
        above.split(" ", 1)[0] not in ("WEBVTT", "NOTE", "STYLE", "REGION")


def joined_warnings(blocks: list[RawBlock], file: str, fmt: str = "vtt") -> list[str]:
    """One warning per cue that follows the previous cue's text without a blank line, and one per cue
    whose timing line is typed wrong (its text is kept, with the times that can be read)."""
    out = []
    for n, b in enumerate(blocks, start=1):
        name = f"cue {n}" + (f" (id '{b.ident}')" if b.ident else "")
        if b.joined:
            out.append(f"{file}:{b.line}: no blank line before {name}; it is read as a cue of its own; add the "
                       "blank line to be sure")
        if b.malformed:
            problems = [f"'{b.arrow}' where '-->' belongs"] if b.arrow != "-->" else []
            problems += [f"{which} '{stamp}' that is no time" for which, stamp in
                         (("a start", b.bad_start), ("an end", b.bad_end)) if stamp]
            problems = problems or ["a layout that is not WebVTT's"]
            kept = ("without times" if b.start is None and b.end is None else
                    "without the start time" if b.start is None else
                    "without the end time" if b.end is None else "with its times")
            name = f"cue {n}" + (f" (id '{b.ident}')" if b.ident and b.ident != str(n) else "")
            out.append(f"{file}:{b.line}: the timing line of {name} has {' and '.join(problems)} "
                       f"('{b.timing}'); its text is kept as a cue of its own, {kept}; correct the line to "
                       f"'{_FORMAT_TIMING[fmt]}'")
    return out


_FORMAT_TIMING = {"vtt": "hh:mm:ss.mmm --> hh:mm:ss.mmm", "srt": "hh:mm:ss,mmm --> hh:mm:ss,mmm"}


def signed_seconds(stamp: str) -> float | None:
    """'-00:00:01.500' -> -1.5; '00:01,200' -> 1.2; None when it is not a time."""
    s = stamp.replace(" ", "")
    sign = -1.0 if s.startswith("-") else 1.0
    try:
        value = seconds(s.lstrip("-"))
    except ValueError:
        return None
    return None if value is None else sign * value


def _same_time(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) < 0.002


def _hms(t: float) -> str:
    sign = "-" if t < 0 else ""
    t = abs(t)
    return f"{sign}{int(t) // 3600:02d}:{int(t) % 3600 // 60:02d}:{t % 60:06.3f}"


# ------------------------------------------------------------------------------ shared with SubRip

def dialogue_parts(lines: list[str]) -> list[str]:
    """The text of a cue: one string, or one per speaker for dash dialogue ('- Ja?' / '- Nei.')."""
    lines = [ln.strip() for ln in lines if ln.strip()]
    if len(lines) >= 2 and any(DASH.match(ln) for ln in lines[1:]):
        parts: list[str] = []
        for ln in lines:
            if DASH.match(ln) or not parts:
                parts.append(DASH.sub("", ln, count=1))
            else:
                parts[-1] += " " + ln
        return [" ".join(p.split()) for p in parts]
    return [" ".join(" ".join(lines).split())]


def _name_like(label: str) -> bool:
    words = label.split()
    if not 1 <= len(words) <= 6 or len(label) > 60 or not any(c.isalpha() for c in label):
        return False
    if label.casefold() in METADATA_KEYS or label.casefold().startswith(("http", "www.")):
        return False
    return not re.search(r"[?!;\"“”«»{}=*#]", label)  # '|' stays: Zoom's 'Kari Hansen | NIBR:'


def _capitalised(label: str) -> bool:
    words = [w for w in label.split() if any(ch.isalnum() for ch in w)]  # not Zoom's '|'/'-' between
    return bool(words) and all(w.lstrip("([")[:1].isupper() or w.lstrip("([")[:1].isdigit()
                               or w.casefold() in {"i", "fra", "frå", "på", "for", "og", "av", "til", "ved"}
                               for w in words)


@dataclass
class _Part:
    cue: Cue
    text: str
    speaker: str | None = None          # fixed speaker (voice tag)
    label: str | None = None            # prefix candidate
    rest: str = ""                      # text after the prefix


def _prefix(text: str, roster_sorted: list[str] | None) -> tuple[str | None, str]:
    if roster_sorted:
        for label in roster_sorted:
            # white space in the label as any white space; Zoom's " | NIBR" (Teams' " (Gjest)") after a roster name
            name = r"\s+".join(re.escape(w) for w in label.split())
            m = re.match(rf"\s*\[?{name}(?:{GUEST_MARK.pattern})?(?:[ \t\u00a0]*\|[^:\]\n]{{1,60}}?)?\]?\s*:\s*",
                         text)
            if m and (m.end() < len(text) or text.rstrip().endswith(":")):
                return label, text[m.end():]
    m = BRACKET_PREFIX.match(text)
    if m and _name_like(m.group("label")) and m.group("label").strip().casefold() not in BRACKET_NOTES:
        return m.group("label").strip(), text[m.end():]
    m = COLON_PREFIX.match(text)
    if m and "://" not in text[:m.end() + 2] and _name_like(m.group("label")):
        return m.group("label").strip(), text[m.end():]
    return None, text


def _line_groups(lines: list[str], roster_sorted: list[str] | None) -> list[tuple[list[str], bool]]:
    """A cue's lines cut before every later line that starts with a ``Name:`` prefix (two people
    in one cue), each group with whether it is such a cut (undone below if the name is no speaker)."""
    groups: list[tuple[list[str], bool]] = []
    for ln in lines:
        if groups and ln.strip() and _prefix(ln.strip(), roster_sorted)[0]:
            groups.append(([ln], True))
        elif groups:
            groups[-1][0].append(ln)
        else:
            groups.append(([ln], False))
    return groups


def cues_to_parsed(cues: list[Cue], fmt: str, roster: set[str] | None, file: str, *,
                   strict_roster: bool = False, warnings: list[str] | None = None) -> Parsed:
    """Speakers, dash dialogue and bad times of subtitle cues -> turns (see the module docstring).
    ``warnings``: the reader's own, kept first."""
    warnings = list(warnings or [])
    roster_sorted = sorted(roster, key=len, reverse=True) if roster else None
    for c in cues:
        _check_times(c, file, warnings)
        c.voice = _roster_label(c.voice, roster)
        c.voices = [(_roster_label(v, roster), text) for v, text in c.voices]
    parts: list[_Part] = []
    cut: set[int] = set()  # parts that begin at a later line of their cue
    for c in cues:
        if c.voices:  # several voice tags: a part for each, with the cue's times
            for voice, text in c.voices:
                text = without_notices(text)
                if not text:
                    continue
                part = _Part(c, text)
                if voice:
                    part.speaker, part.rest = voice, text
                else:
                    part.label, part.rest = _prefix(text, roster_sorted)
                parts.append(part)
            continue
        groups = [(c.lines, False)] if c.voice else _line_groups(c.lines, roster_sorted)
        for lines, is_cut in groups:
            for k, text in enumerate(dialogue_parts(lines)):
                text = without_notices(text)  # "Opptaket har startet.", "Kari Nordmann stopped transcription"
                if not text:
                    continue
                part = _Part(c, text)
                if k == 0 and c.voice:
                    part.speaker, part.rest = c.voice, text
                else:
                    part.label, part.rest = _prefix(text, roster_sorted)
                if is_cut and k == 0:
                    cut.add(len(parts))
                parts.append(part)

    open_parts = [p for i, p in enumerate(parts) if p.speaker is None and i not in cut]
    counts = Counter(p.label for p in parts if p.speaker is None and p.label)

    def sure(label: str) -> bool:
        return bool(WHISPERX.match(label) or (roster and label in roster))

    recurring = {lb for lb, n in counts.items() if n >= 2 or sure(lb)}
    with_recurring = sum(1 for p in open_parts if p.label in recurring)
    with_prefix = sum(1 for p in open_parts if p.label)
    labelled = bool(open_parts) and with_recurring >= 2 and with_recurring >= LABELLED_SHARE * len(open_parts)
    consistent = labelled and with_prefix >= CONSISTENT_SHARE * len(open_parts)

    for i, p in enumerate(parts):
        if p.speaker is not None or not p.label:
            continue
        if i in cut:  # a later line of a cue: a new turn only for a name already taken as a speaker
            if sure(p.label) or (labelled and p.label in recurring):
                p.speaker, p.text = p.label, p.rest
            continue
        label = p.label
        if sure(label) or (labelled and label in recurring) or \
                (consistent and not roster and _capitalised(label)):
            p.speaker, p.text = label, p.rest
        elif (labelled or roster) and _capitalised(label) and label.casefold() not in METADATA_KEYS:
            where = f"{file}:{p.cue.line}" if p.cue.line else file
            why = "is not in participants.csv" if roster else "starts only this cue"
            warnings.append(f"{where}: cue {_cue_name(p.cue)}: '{label}:' looks like a speaker label but {why}; "
                            "the cue is stored without a speaker, with the label in its text; "
                            "add it to participants.csv to make it a speaker")
    if roster and strict_roster:
        unknown: dict[str, _Part] = {}
        for p in parts:
            if p.speaker and p.speaker not in roster:
                unknown.setdefault(p.speaker, p)
        if unknown:
            first = next(iter(unknown.values()))
            where = f"{file}:{first.cue.line}" if first.cue.line else file
            raise InputError(f"{where}: speaker{'s' if len(unknown) > 1 else ''} "
                             f"{', '.join(repr(s) for s in unknown)} not in participants.csv "
                             f"(first in cue {_cue_name(first.cue)}); add {'them' if len(unknown) > 1 else 'it'} "
                             "there or ingest without --strict-roster")
    kept: list[_Part] = []
    for i, p in enumerate(parts):
        if p.speaker is not None:  # "Kari Nordmann: Recording started." once the label is taken off
            p.text = without_notices(p.text)
            if not p.text:
                continue
        if i in cut and p.speaker is None and kept and kept[-1].cue is p.cue:
            kept[-1].text += " " + p.text  # the cut was no speaker: the line stays in its cue's text
        else:
            kept.append(p)
    turns = merge_cues([(p.speaker, p.text, p.cue.start, p.cue.end, p.cue.number) for p in kept])
    return Parsed(turns, fmt, "transcript", warnings)


def _roster_label(voice: str | None, roster: set[str] | None) -> str | None:
    """A voice tag's name with single spaces, spelt as its roster row when one matches it apart from
    letter case and white space (or, for "Kari Hansen | NIBR" and Teams' guest "Ola Fjell (Gjest)",
    the row "Kari Hansen", "Ola Fjell")."""
    if not voice:
        return voice
    voice = " ".join(clean_text(voice).split())  # NFC: "Åse" typed decomposed is the same speaker
    if roster and voice not in roster:
        folded = {" ".join(r.split()).casefold(): r for r in roster}
        name = meeting_name(voice)  # Zoom's "Kari Hansen | NIBR", Teams' "Ola Fjell (Gjest)"
        return folded.get(voice.casefold()) or (folded.get(name.casefold()) if name else None) or voice
    return voice


def _cue_name(c: Cue) -> str:
    return f"{c.number}" + (f" (id '{c.ident}')" if c.ident and c.ident != str(c.number) else "")


def _check_times(c: Cue, file: str, warnings: list[str]) -> None:
    """Drop negative times and the times of a cue that ends before it starts, with a warning."""
    problems = []
    if c.start is not None and c.start < 0:
        problems.append(f"a negative start ({_hms(c.start)})")
        c.start = None
    if c.end is not None and c.end < 0:
        problems.append(f"a negative end ({_hms(c.end)})")
        c.end = None
    if c.start is not None and c.end is not None and c.end < c.start:
        problems.append(f"an end ({_hms(c.end)}) before its start ({_hms(c.start)})")
        c.start = c.end = None
    if problems:
        where = f"{file}:{c.line}" if c.line else file
        kept = "without times" if c.start is None and c.end is None else "without the bad time"
        warnings.append(f"{where}: cue {_cue_name(c)} has {' and '.join(problems)}; its text is kept "
                        f"{kept}; correct the timing line '{c.timing}'")


def merge_cues(cues: list[tuple]) -> list[Turn]:
    """Consecutive cues of the same speaker become one turn spanning their times.

    Each cue is ``(speaker, text, start, end)`` or ``(speaker, text, start, end, number)``; a cue
    without a speaker is a turn of its own. A turn's end is never before its start.
    """
    turns: list[Turn] = []
    for position, cue in enumerate(cues, start=1):
        speaker, body, start, end = cue[:4]
        number = cue[4] if len(cue) > 4 else position
        if not body:
            continue
        if turns and turns[-1].speaker == speaker and speaker is not None:
            last = turns[-1]
            last.text += " " + body
            if last.start_time is None and last.end_time is None and start is not None:
                last.start_time = start
            if end is not None:
                last.end_time = end if last.end_time is None else max(last.end_time, end)
        else:
            turns.append(Turn(text=body, speaker=speaker, start_time=start, end_time=end, line=number))
    for t in turns:
        if t.start_time is not None and t.end_time is not None and t.end_time < t.start_time:
            t.end_time = t.start_time
    return turns
