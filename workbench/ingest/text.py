"""Shared text helpers: decoding, timestamps, speaker-label detection, notes structure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .model import Parsed, Turn

# Norwegian (bokmål and nynorsk) keys of title/metadata lines that are never speaker turns.
METADATA_KEYS = frozenset(k.casefold() for k in (
    "Dato", "Sted", "Stad", "Til stede", "Tilstede", "Tid", "Tidspunkt", "Deltakere", "Deltakarar",
    "Fravær", "Forfall", "Referent", "Moderator og referent", "Tema",
    "Emne", "Prosjekt", "Pilot", "Kommune", "Kommunar", "Fase", "Varighet", "Varigheit",
    "Transkribert av", "Transkribert", "Opptak", "Møte", "Møtestad",
    "Møtested", "Saksnr", "Ref", "Kilde", "Kjelde", "Title", "Date",
))

_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
TIMESTAMP = re.compile(rf"[\[(]({_TS})[\])]")
# A label candidate: 1-4 words of letters/digits/hyphens/parentheses/dots/underscores.
_WORD = r"[\w()\-.'’/&]+"
_LABEL = rf"{_WORD}(?:[ \t]+{_WORD}){{0,3}}"
LABEL_LINE = re.compile(
    rf"^\s*(?:[\[(](?P<t1>{_TS})[\])]\s*)?"        # [hh:mm:ss] before the label
    rf"(?P<label>{_LABEL}?)"
    rf"\s*(?:[\[(](?P<t2>{_TS})[\])])?\s*:"         # Label [hh:mm:ss]:
    rf"(?!//)\s*(?:[\[(](?P<t3>{_TS})[\])]\s*)?"    # Label: [hh:mm:ss] text   (not a URL)
    rf"(?P<text>.*)$", re.S)
LOWER_CONNECTIVES = frozenset({"i", "fra", "frå", "på", "for", "og", "av", "til", "ved", "om", "de", "la", "von", "van"})
CAPS_ALONE = re.compile(r"^[A-ZÆØÅÄÖÉ0-9][A-ZÆØÅÄÖÉ0-9 _()\-.]*$")


def decode(data: bytes, path: Path) -> str:
    """Bytes of a text file -> str: UTF-8 (with or without BOM), else Windows-1252. Never U+FFFD."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return _newlines(data.decode("utf-16"))
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise InputError(f"{path.name}: byte {exc.start} is neither UTF-8 nor Windows-1252; "
                             "save the file as UTF-8 and ingest it again") from None
    return _newlines(text)


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def seconds(stamp: str | None) -> float | None:
    """'01:02:03', '02:03' or '01:02:03.500' -> seconds."""
    if not stamp:
        return None
    parts = stamp.replace(",", ".").split(":")
    total = 0.0
    for p in parts:
        total = total * 60 + float(p)
    return total


@dataclass
class LabelMatch:
    label: str
    text: str
    time: float | None


def looks_like_label(label: str) -> bool:
    """Heuristic for a speaker label without a roster: 1-4 capitalised words, not a metadata key."""
    words = label.split()
    if not 1 <= len(words) <= 4 or label.casefold() in METADATA_KEYS:
        return False
    if len(label) > 40 or label.endswith((".", ",", "-")) or label.startswith(("-", "*", "#", "http")):
        return False
    first = words[0].lstrip("(")
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return False
    for w in words[1:]:
        w0 = w.lstrip("(")
        if not w0:
            return False
        if not (w0[0].isupper() or w0[0].isdigit() or w.casefold() in LOWER_CONNECTIVES):
            return False
    return True


def match_label(line: str, roster: list[str] | None) -> tuple[LabelMatch | None, str | None]:
    """Match a speaker label at the start of ``line``.

    Returns (match, candidate): ``match`` when the line starts a turn; ``candidate`` is a label-like
    prefix that did not qualify (not in the roster), for warnings.
    """
    if roster:
        stripped = line.lstrip()
        lead_time = None
        m = re.match(rf"{TIMESTAMP.pattern}\s*", stripped)
        if m:
            lead_time = seconds(m.group(1))
            stripped = stripped[m.end():]
        for label in roster:  # longest first
            if not stripped.startswith(label):
                continue
            rest = stripped[len(label):]
            m = re.match(rf"\s*(?:{TIMESTAMP.pattern})?\s*:(?!//)\s*(?:{TIMESTAMP.pattern}\s*)?", rest)
            if m:
                t = lead_time if lead_time is not None else seconds(m.group(1) or m.group(2))
                return LabelMatch(label, rest[m.end():], t), None
        m = LABEL_LINE.match(line)
        if m and m.group("label") and looks_like_label(m.group("label")):
            return None, m.group("label")
        return None, None
    m = LABEL_LINE.match(line)
    if not m or not m.group("label") or not looks_like_label(m.group("label")):
        return None, None
    t = next((seconds(g) for g in (m.group("t1"), m.group("t2"), m.group("t3")) if g), None)
    return LabelMatch(m.group("label"), m.group("text"), t), None


def match_label_alone(line: str, roster: list[str] | None) -> str | None:
    """A label standing alone on its line ('INFORMANT 1', 'Moderator:'), or None."""
    s = line.strip()
    bare = s[:-1].rstrip() if s.endswith(":") else s
    if not bare:
        return None
    if roster:
        return bare if bare in roster else None
    if s.endswith(":") and looks_like_label(bare):
        return bare
    words = bare.split()
    if 1 <= len(words) <= 4 and len(bare) <= 40 and CAPS_ALONE.match(bare) and any(c.isalpha() for c in bare):
        if bare.casefold() not in METADATA_KEYS:
            return bare
    return None


def split_turns(lines: list[tuple[str, int]], roster: list[str] | None, file: str,
                *, force: bool = False) -> tuple[list[Turn], list[str], list[str]] | None:
    """Turn (line text, line number) pairs into speaker turns.

    Returns (turns, preamble, warnings), or None when no speaker labels were found (then the caller
    treats the file as notes). Without a roster, a file counts as a transcript only when some label
    starts at least two turns (so one "Tema: ..." line does not make notes a transcript).
    """
    roster_sorted = sorted(roster, key=len, reverse=True) if roster else None
    # First pass: where do turns start?
    starts: list[tuple[int, str, str, float | None]] = []  # (position, label, first text, time)
    warnings: list[str] = []
    n = len(lines)
    for i, (line, lineno) in enumerate(lines):
        if not line.strip():
            continue
        m, candidate = match_label(line, roster_sorted)
        if m is not None:
            if m.text.strip() or _next_nonblank_is_text(lines, i, roster_sorted):
                starts.append((i, m.label, m.text.strip(), m.time))
            continue
        alone = match_label_alone(line, roster_sorted)
        if alone is not None and _next_nonblank_is_text(lines, i, roster_sorted):
            prev_blank = i == 0 or not lines[i - 1][0].strip()
            if roster_sorted or prev_blank:
                starts.append((i, alone, "", None))
                continue
        if candidate is not None and candidate.casefold() not in METADATA_KEYS:
            warnings.append(f"{file}:{lineno}: '{candidate}:' looks like a speaker label but is not in "
                            "participants.csv; add it there or ignore")
    if not starts:
        return None
    if not roster_sorted and not force:
        counts: dict[str, int] = {}
        for _, label, _, _ in starts:
            counts[label] = counts.get(label, 0) + 1
        if max(counts.values()) < 2:
            return None
    preamble = [lines[j][0].strip() for j in range(starts[0][0]) if lines[j][0].strip()]
    turns: list[Turn] = []
    start_positions = {s[0]: s for s in starts}
    current: Turn | None = None
    parts: list[str] = []
    for i in range(starts[0][0], n):
        line, lineno = lines[i]
        if i in start_positions:
            if current is not None:
                current.text = "\n".join(parts).strip()
                turns.append(current)
            _, label, first, t = start_positions[i]
            current = Turn(text="", speaker=label, start_time=t, line=lineno)
            parts = [first] if first else []
        elif line.strip():
            parts.append(line.strip())
    if current is not None:
        current.text = "\n".join(parts).strip()
        turns.append(current)
    kept = [t for t in turns if t.text]
    return kept, preamble, warnings


def _next_nonblank_is_text(lines: list[tuple[str, int]], i: int, roster) -> bool:
    for line, _ in lines[i + 1:]:
        if line.strip():
            m, _ = match_label(line, roster)
            return m is None and match_label_alone(line, roster) is None
    return False


# ---------------------------------------------------------------- notes (no speakers)

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_BULLET = re.compile(r"^(\s*)([-*+•–]|\d{1,3}[.)])\s+(.*)$")


def split_notes(lines: list[tuple[str, int]]) -> list[Turn]:
    """One Turn per paragraph or top-level bullet item (with its sub-items), with the nearest heading."""
    turns: list[Turn] = []
    heading: str | None = None
    current: list[str] = []
    cur_line: int | None = None
    cur_bullet = False
    base_indent: int | None = None

    def flush():
        nonlocal current, cur_line, cur_bullet
        text = "\n".join(current).strip()
        if text:
            turns.append(Turn(text=text, heading=heading, line=cur_line))
        current, cur_line, cur_bullet = [], None, False

    for idx, (line, lineno) in enumerate(lines):
        nxt = lines[idx + 1][0] if idx + 1 < len(lines) else ""
        if not line.strip():
            if not cur_bullet:
                flush()
            continue
        m = _ATX.match(line)
        if m:
            flush()
            heading = _strip_emphasis(m.group(2)) or heading
            base_indent = None
            continue
        if _SETEXT.match(line) and not current:
            continue  # underline of a setext heading already taken
        if _SETEXT.match(nxt) and not _BULLET.match(line) and not current and line.strip():
            flush()
            heading = _strip_emphasis(line.strip())
            continue
        b = _BULLET.match(line)
        if b:
            indent = len(b.group(1).expandtabs(4))
            if base_indent is None or indent <= base_indent:
                base_indent = indent if base_indent is None else min(base_indent, indent)
                flush()
                current, cur_line, cur_bullet = [b.group(3).strip()], lineno, True
                continue
            if cur_bullet:
                current.append(line.strip())
                continue
        if cur_bullet:
            indent = len(line) - len(line.lstrip())
            if indent > (base_indent or 0):
                current.append(line.strip())
                continue
            if lines[idx - 1][0].strip():  # lazy continuation of the bullet text
                current.append(line.strip())
                continue
            flush()
        s = line.strip()
        if not current and s.endswith(":") and len(s) <= 80 and (not nxt.strip() or _BULLET.match(nxt)):
            heading = _strip_emphasis(s[:-1])
            base_indent = None
            continue
        if not current:
            cur_line = lineno
        current.append(s)
    flush()
    return turns


def _strip_emphasis(s: str) -> str:
    s = s.strip()
    for mark in ("**", "__", "*", "_"):
        if s.startswith(mark) and s.endswith(mark) and len(s) > 2 * len(mark):
            s = s[len(mark):-len(mark)].strip()
    return s


def lines_of(text: str) -> list[tuple[str, int]]:
    return [(line, i) for i, line in enumerate(text.split("\n"), start=1)]


def text_to_parsed(text: str, fmt: str, roster: list[str] | None, file: str, *,
                   force_notes: bool = False) -> Parsed:
    """Decide transcript vs notes for plain text and split it accordingly."""
    lines = lines_of(text)
    if not force_notes:
        result = split_turns(lines, roster, file)
        if result is not None:
            turns, preamble, warnings = result
            return Parsed(turns, fmt, "transcript", warnings, preamble)
    return Parsed(split_notes(lines), fmt, "notes")
