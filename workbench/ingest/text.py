"""Shared text helpers: decoding, timestamps, speaker-label detection, notes structure.

Decoding is per line: a line that is valid UTF-8 is read as UTF-8, any other byte as Windows-1252,
so a file that mixes the two (pasted from different tools) reads cleanly; UTF-16 and UTF-32 with a
byte order mark (and UTF-16 without one) are recognised, and UTF-8 that was once read as
Windows-1252 ("blÃ¥bÃ¦r") is repaired. Lines end at LF, CRLF or CR, and in the readers of
line-based transcripts (:func:`read_lines`, ``decode(..., separators=True)``) also at U+2028, U+2029
and NEL (:data:`LINE_SEPARATORS`), as ``str.splitlines`` reads them. The result never contains
U+FFFD made by the workbench, and it is in Unicode NFC without hidden characters (:func:`workbench.ingest.chars.clean_text`), so a
label typed decomposed ("A" + combining ring) or behind a zero-width space is found like any other.

Speaker detection needs no roster. A speaker label is a line-initial prefix that *recurs* as a
turn starter, in one of these layouts:

- ``Label: text``, ``LABEL:``, ``Label :``, ``Label [hh:mm:ss]: text`` and ``Label hh:mm:ss: text``
  (a time before or after the label is the turn's start time; a time without brackets before the
  colon needs hours, minutes and seconds); a tab in place of the colon (``IP1<tab>text``);
- ``[label] text`` (QualCoder and similar; bracket, no colon);
- a label alone on its line followed by text (``INFORMANT 1``, ``Moderator:``);
- a name line next to a time line: Zoom's "save transcript" (name line, ``hh:mm:ss`` line, text),
  Otter and Teams (``Kari Nordmann  0:03`` then text), Microsoft Stream (time line, name line,
  text). When this is the file's pattern, only such name lines start turns, so a colon inside the
  spoken text never does, and a name that occurs once still starts its turn.

A line that starts with a time in hours, minutes and seconds and a label with a colon is a chat, log
or timed transcript line
("10:03:05 Per Åsheim: ...", and Zoom's saved chat and captions "10:03:05 From Per Åsheim : ...",
"10:03:05 From Per Åsheim to Everyone:" with the message on the next line, :data:`ZOOM_CHAT`, the
recipient left out): its label starts a turn even when it occurs once, in a file with other speakers
or where such lines are at least two and half the lines, never text of the turn before it.

An interview role said once with speech after it ("Intervjuer: Fortell om samarbeidet.", "Moderator:
Hva skjedde?") starts a turn in a file with other speakers (:func:`said_is_speech`); a header naming
the interviewer ("Intervjuer: Kari Hansen") stays a title line.

A colon sentence that starts a line once ("Merk: ...", "Edit: ...") is text, as are metadata keys
(``Dato:``, ``Tema:``) and times (``00:12:03`` alone on a line is a time, never a label). A label
with digits that occurs once counts when its family recurs ("Informant 3" beside "Informant 1").
With a roster, its labels always start turns; a recurring label that is not in it is kept as its
own speaker and reported (``strict_roster=True`` makes that an error). Without a roster, when no
label recurs, two interview roles (:data:`INTERVIEW_ROLES`: "Intervjuer:" and "Informant:") that
start most of the lines are speakers even once each (a two-line interview).

A lead-in whose first word is a section word of minutes and agendas (``Vedtak``, ``Merknad``,
``Sak 3/24``, ``Oppfølging``: :data:`SECTION_WORDS`) is never a speaker, so meeting minutes read as
notes or a document, not as a transcript.

A heading typed in capitals at body size on a line of its own between the turns (``TEMA 2: SAMARBEID
MED STATEN``, ``DEL 1 – BAKGRUNN``, ``INNLEDNING``: an interview guide's theme) is the heading of the
turns under it, never a speaker and never text of a turn (:func:`heading_shape`, :func:`_caps_headings`):
a line in capitals that is not in the roster and not right under a label alone (that is speech,
"INTERVJUER" then "OK"), and either has the shape of a heading (a heading word first such as ``TEMA``,
``DEL``, ``INNLEDNING`` or a section word, a number with ``:``/``.``/``–`` before more words, words on
both sides of a dash, capitals after a colon) and does not recur as a turn start, or stands right
above a turn start wherever it occurs (``SAMARBEID MED STATEN``, ``OPPSUMMERING`` after each part): a
speaker label has speech under it. Text that follows a heading without a label of its own goes on as
the previous speaker's turn under the heading. Capitals before the first turn stay title lines (the
preamble); in a file whose text is mostly in capitals, capitals mark nothing.

Lower-case labels (``i:``, ``int:``, ``r:``, ``k1:``, ``intervjuer:``) are codes of at most four
letters (and digits) or role words; they count only when they recur as turn starts beside a second
recurring speaker (``i:`` and ``r:``, or ``r:`` beside ``I:``), so a line of prose that starts with
"i:" (the preposition) stays text. They are kept as written; roster labels match case-insensitively,
so a participants.csv row ``I`` or ``Intervjuer`` gives ``i:`` or ``intervjuer:`` its actor.

A tool's footer after the last line of speech ("Transcribed by https://otter.ai") is dropped, never
stored as text of the last turn (:func:`is_tool_footer`); so are its notices on lines of their own
anywhere, such as Teams' "Kari Nordmann stopped transcription" or "Opptaket har startet."
(:func:`is_tool_notice`; in caption cues :func:`without_notices`).

``split_turns`` works in two passes over the lines: the first classifies each line once and keeps
only compact records of the label-like lines, the file's pattern is decided from those records, and
the second pass builds the turns. ``parse_lines`` takes a callable that yields the lines, so a large
file is read twice from disk instead of being held in memory several times over.
"""

from __future__ import annotations

import codecs
import io
import math
import re
from array import array
from bisect import bisect_left
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Iterator

from ..errors import InputError
from ..privacy import ROLE_WORDS, split_meeting_label
from .chars import BIDI_CONTROLS, clean_text, count_bidi
from .model import Parsed, Turn

# Norwegian (bokmål and nynorsk) keys of title/metadata lines that are never speaker turns.
METADATA_KEYS = frozenset(k.casefold() for k in (
    "Dato", "Sted", "Stad", "Til stede", "Tilstede", "Tid", "Tidspunkt", "Deltakere", "Deltakarar",
    "Fravær", "Forfall", "Referent", "Moderator og referent", "Tema",
    "Emne", "Prosjekt", "Pilot", "Kommune", "Kommunar", "Fase", "Varighet", "Varigheit",
    "Transkribert av", "Transkribert", "Opptak", "Møte", "Møtestad",
    "Møtested", "Saksnr", "Ref", "Kilde", "Kjelde", "Title", "Date",
))

# Section words of minutes (møtereferat), agendas and action lists, bokmål and nynorsk: a lead-in that
# starts with one of them ("Vedtak", "Sak 3/24", "Oppfølging:") heads a part of a document, it is not a
# speaker. Role words that can be speakers ("Møteleder", "Ordstyrer", "Ansvarlig": see
# workbench.privacy.ROLE_WORDS) are deliberately not listed; "Referent" is a metadata key above.
SECTION_WORDS = frozenset(k.casefold() for k in (
    "Vedtak", "Merknad", "Merknader", "Sak", "Saker", "Oppfølging", "Referat", "Referent", "Tilstede",
    "Tilstades", "Forfall", "Saksliste", "Sakliste", "Dagsorden", "Agenda", "Eventuelt", "Ansvar", "Frist",
    "Tiltak", "Dato", "Sted", "Stad", "Konklusjon", "Bakgrunn", "Forslag", "Innstilling", "Orientering",
    "Beslutning", "Avgjerd", "Protokoll", "Innkalling",
))

# Role labels of an interview or a focus group: two of them that start lines ("Intervjuer:" and
# "Informant:") make a short file a transcript, also when each occurs once.
INTERVIEW_ROLES = frozenset((
    "intervjuer", "intervjuar", "interviewer", "informant", "moderator", "deltaker", "deltakar",
    "participant", "respondent", "intervjuperson", "interviewee", "forsker", "forskar",
))

# Lower-case words at a line start with a colon that are notes, not speaker codes ("obs: ...").
LOWER_NOT_LABELS = frozenset((
    "obs", "nb", "ps", "pps", "merk", "eks", "ex", "jf", "jfr", "ref", "tlf", "mob", "mvh", "tips", "info",
    "kl", "ca", "dvs", "evt", "mht", "osv", "url", "http", "https", "www", "fra", "til", "kopi", "cc", "re",
    "sv", "fw", "fwd", "vs", "mål", "og", "men", "så", "at", "en", "et", "ei", "er", "om", "på", "med",
    "av", "for", "som", "den", "det", "de", "du", "jeg", "eg", "vi", "han", "ho", "hun", "note", "todo",
    "ja", "nei", "jo", "nå", "no", "da", "her", "der", "hva", "kva", "når", "hvor", "kor", "sum", "alle",
))

# Bracketed words at the start of a line that are transcription notes, never speakers.
BRACKET_NOTES = frozenset(k.casefold() for k in (
    "ler", "latter", "humring", "pause", "kort pause", "lang pause", "stille", "stillhet", "kremt",
    "kremter", "hoster", "sukk", "sukker", "uhørbart", "uhøyrleg", "uhørlig", "utydelig", "utydeleg",
    "uklart", "uforståelig", "uforståeleg", "overlapp", "samtidig tale", "avbrudd", "avbryter",
    "navn", "namn", "sted", "stad", "anonymisert", "fjernet", "sladdet", "slettet", "tekst",
    "inaudible", "unintelligible", "laughter", "laughs", "laughing", "crosstalk", "silence",
    "music", "musikk", "applause", "applaus", "noise", "støy", "unclear", "overlapping", "pause",
))

_TS = r"\d{1,2}:\d{1,2}(?::\d{1,2})?(?:[.,]\d{1,3})?"
TIMESTAMP = re.compile(rf"[\[(]({_TS})[\])]")
# A whole line that is a time or a time range: "00:12:03", "[00:12:03]", "10:15:", "0:0:0.0 --> 0:0:3.6".
TIME_LINE = re.compile(
    rf"[\[(]?[ \t]*({_TS})[ \t]*[\])]?"
    rf"(?:[ \t]*(?:-->|->|-|–|—|to|til)[ \t]*[\[(]?[ \t]*({_TS})[ \t]*[\])]?)?[ \t]*:?")
# A time at the start of a line before a label: "[00:01:02] ", "(00:05) ", "00:00:05 ", "[0:05] - ".
LEAD_TIME = re.compile(
    rf"(?:[\[(][ \t]*({_TS})(?:[ \t]*(?:-->|->|-|–)[ \t]*{_TS})?[ \t]*[\])]|({_TS})(?=[ \t]))"
    rf"[ \t]*(?:[-–—|][ \t]+)?")
# A time of day with seconds at the start of a line ("10:03:05 ", "[10:03:05] "): a chat or log line.
_LEAD_HMS = re.compile(r"\d{1,2}:\d{2}:\d{2}")
# Zoom's saved meeting chat (and saved captions) after such a time: "From Siri Vangen : text" (older
# Zoom), "From Siri Vangen to Everyone: text", "From  Siri Vangen  to  Ola Fjell(Direct Message) : text",
# "From Siri Vangen to Everyone:" with the message on the next line, tab indented (newer Zoom), and
# Norwegian "Fra Siri Vangen til alle: text". The name is the speaker; the recipient part is dropped.
ZOOM_CHAT = re.compile(
    r"(?:From|Fra|Frå)[ \t]+(?P<name>[^:\n]{1,80}?)"
    r"(?:[ \t]+(?:to|til)[ \t]+(?P<to>[^:\n]{1,80}?))?[ \t]*:(?!//)[ \t]*")
# A label candidate: 1-5 words of letters/digits/hyphens/parentheses/dots/underscores; a word never
# starts with "(0" so that "Speaker 1 (00:05):" keeps its time apart.
_WORD = r"(?![\[(]\d)[\w()\-.'’/&]+"
# Zoom writes the organisation after the name: "Kari Hansen | NIBR:", "Ola Hansen | Nord Fron kommune:".
_ORG = r"[ \t]*\|[ \t]*(?P<org>[^|:\[\]()\t\n]{1,60}?)"
# A time without brackets between a label and its colon ("Kari Nordmann 00:04:01: text") has hours,
# minutes and seconds: "Kl 10:15: Velkommen" in an agenda is no speaker with a time.
_BARE_TS = r"\d{1,2}:\d{2}:\d{2}(?:[.,]\d{1,3})?"
_BARE_TIME = rf"(?:[ \t]+(?P<tb>{_BARE_TS})(?=[ \t]*:))?"
COLON_LABEL = re.compile(
    rf"(?P<label>{_WORD}(?:[ \t]+{_WORD}){{0,4}}?)(?:{_ORG})?{_BARE_TIME}"
    rf"[ \t]*(?:[\[(][ \t]*(?P<t2>{_TS})[ \t]*[\])][ \t]*)?"      # Label [hh:mm:ss]:
    rf":(?!//)(?!\d)[ \t]*"                                        # not a URL, not 10:15
    rf"(?:[\[(][ \t]*(?P<t3>{_TS})[ \t]*[\])][ \t]*)?")           # Label: [hh:mm:ss] text
# A label and a tab instead of a colon: "IP1<tab>text", "Kari [00:01:02]<tab>text" (Word's hanging
# indent, a two-column table saved as text); the text after the tab holds no further tab (a table row).
TAB_LABEL = re.compile(
    rf"(?P<label>{_WORD}(?:[ ]+{_WORD}){{0,3}}?)[ ]*"
    rf"(?:[\[(][ \t]*(?P<t>{_TS})[ \t]*[\])][ ]*)?\t[ \t]*")
# Markdown emphasis around a label: "**Moderator:** text", "**Moderator**: text", "__Kari__ [00:01]: text".
EMPH_LABEL = re.compile(
    rf"(?P<m>\*\*|__)(?P<label>[^*_\n]{{1,60}}?)[ \t]*(?P<c1>:)?[ \t]*(?P=m)[ \t]*"
    rf"(?:[\[(][ \t]*(?P<t>{_TS})[ \t]*[\])][ \t]*)?(?P<c2>:(?!//))?[ \t]*")
# What may follow a roster label for it to start a turn with a colon.
ROSTER_TAIL = re.compile(
    rf"(?:{_ORG})?{_BARE_TIME}[ \t]*(?:[\[(][ \t]*(?P<t2>{_TS})[ \t]*[\])][ \t]*)?:(?!//)[ \t]*"
    rf"(?:[\[(][ \t]*(?P<t3>{_TS})[ \t]*[\])][ \t]*)?")
# Teams writes a guest's name with a mark after it ("Ola Fjell (Gjest)", "(Guest)", "(Ekstern)", "(External)",
# "(Unverified)"): the roster row "Ola Fjell" is that person, as "Kari Hansen" is Zoom's "Kari Hansen | NIBR"
_GUEST_WORDS = r"gjest|guest|ekstern|external|unverified"
GUEST_MARK = re.compile(rf"[ \t\u00a0]*\((?i:{_GUEST_WORDS})\)")
_GUEST_END = re.compile(rf"[ \t\u00a0]*\((?i:{_GUEST_WORDS})\)[ \t\u00a0]*$")


def meeting_name(label: str) -> str | None:
    """The person's name in a meeting tool's label that adds to it, for matching the roster: Zoom's
    "Kari Hansen | NIBR" and Teams' "Ola Fjell (Gjest)" / "(Guest)" / "(Ekstern)" / "(External)" ->
    "Kari Hansen", "Ola Fjell" (single spaces); None for a label without such an addition."""
    name, org = split_meeting_label(label)
    bare = " ".join(_GUEST_END.sub("", name).split())
    return bare if bare and (org or bare != " ".join(name.split())) else None


# "[Kari Hansen | NIBR]" after a roster label "Kari Hansen"
ROSTER_BRACKET_ORG = re.compile(r"[ \t]*\|[^\[\]\n]{1,60}(?=\])")
BRACKET_LABEL = re.compile(
    rf"\[(?P<label>[^\[\]]{{1,60}})\][ \t]*:?[ \t]*"
    rf"(?:[\[(]?[ \t]*(?P<t>{_TS})[ \t]*[\])]?(?![\w:])[ \t]*)?")
# A time at the end of a name line: "Kari Nordmann  0:03", "Speaker 1 | 00:00:05", "Ola [00:01:02]".
TRAIL_TIME = re.compile(
    rf"(?P<sep>[ \t]*[|–—-][ \t]*|[ \t]{{2,}}|\t|[ \t]*(?=[\[(])|[ \t])"
    rf"[\[(]?[ \t]*(?P<t>{_TS})[ \t]*[\])]?[ \t]*:?$")
# A lower-case label: "i: text", "int [00:01:02]: text", "k1:" (one word, see _lower_ok).
LOWER_LABEL = re.compile(
    rf"(?P<label>[^\W\d_][\w\-]{{0,24}})"
    rf"[ \t]*(?:[\[(][ \t]*(?P<t2>{_TS})[ \t]*[\])][ \t]*)?"
    rf":(?!//)(?!\d)[ \t]*"
    rf"(?:[\[(][ \t]*(?P<t3>{_TS})[ \t]*[\])][ \t]*)?")
_LOWER_CODE = re.compile(r"[^\W\d_]{1,4}\d{0,3}")
# The footer a transcription tool writes after the transcript: "Transcribed by https://otter.ai",
# "Transcribed by Otter.ai", "Transcribed by https://otter.ai on May 3, 2024".
TOOL_FOOTER = re.compile(r"transcribed\s+by\s+(?:https?://)?(?:www\.)?otter\.ai\b.{0,80}", re.I)
# What a meeting tool writes between the turns when someone stops or starts the transcription (Teams'
# Word export): "Kari Nordmann stopped transcription", "Kari Nordmann startet transkripsjon",
# "Transcription has started". The name is capitalised words (and a "(Gjest)"-like note).
# The same for the recording: "Opptaket har startet.", "Opptak stoppet", "Recording started.", "Recording
# has stopped", "Kari Nordmann startet opptaket", "Nils Haugen stopped the recording" (Teams, Zoom).
_TRANSCRIPTION = (r"(?:transcription|transcribing|transkripsjon(?:en)?|transkribering(?:en|a)?"
                  r"|recording|opptak(?:et)?|opptaking(?:a|en)?)")
_STOP_START = r"(?:started|stopped|startet|stoppet|starta|stoppa)"
_NAME_WORD = r"(?:[^\W\d_][\w.'’\-]*|\([^()\n]{1,30}\))"
TOOL_NOTICE = re.compile(
    rf"(?:(?P<name>{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,5}})[ \t]+{_STOP_START}[ \t]+(?:the[ \t]+)?{_TRANSCRIPTION}"
    rf"|{_TRANSCRIPTION}[ \t]+(?:has[ \t]+(?:been[ \t]+)?|is[ \t]+|er[ \t]+|ble[ \t]+|har[ \t]+|vart[ \t]+)?"
    rf"{_STOP_START})[ \t]*[.!]?", re.I)
_NAME_WORDS = re.compile(_NAME_WORD).findall
# Words one of these notices holds: a line without any of them is no notice (a quick test first).
_NOTICE_WORDS = ("ranscri", "ranskri", "ecording", "pptak")
_SENTENCE_END = re.compile(r"(?<=[.!?])[ \t\n]+")
_PRONOUNS = frozenset(("jeg", "eg", "vi", "me", "du", "han", "hun", "ho", "de", "dei", "dere", "det", "den",
                       "i", "we", "he", "she", "they", "you", "it", "someone", "noen", "nokon"))
LOWER_CONNECTIVES = frozenset({"i", "fra", "frå", "på", "for", "og", "av", "til", "ved", "om", "de", "la", "von", "van"})
CAPS_ALONE = re.compile(r"^[A-ZÆØÅÄÖÉ0-9][A-ZÆØÅÄÖÉ0-9 _()\-.]*$")
# First words of headings of interview guides and transcripts (bokmål, nynorsk, English), never speakers
# when the line is in capitals ("TEMA 2: SAMARBEID MED STATEN", "DEL 1 – BAKGRUNN", "INNLEDNING").
HEADING_WORDS = frozenset(k.casefold() for k in (
    "Tema", "Del", "Delen", "Innledning", "Innleiing", "Introduksjon", "Intro", "Oppvarming", "Avslutning",
    "Avslutting", "Avrunding", "Oppsummering", "Samandrag", "Sammendrag", "Kapittel", "Seksjon", "Bolk",
    "Spørsmål", "Hovedspørsmål", "Hovudspørsmål", "Oppfølgingsspørsmål", "Presentasjon",
    "Presentasjonsrunde", "Runde", "Emne", "Part", "Section", "Chapter", "Theme", "Topic", "Introduction",
    "Opening", "Closing", "Summary", "Background", "Warm-up",
))
# "TEMA 2: ...", "DEL 1 – ...", "1. INNLEDNING", "2) ØKONOMI": a number, a separator, then words
_NUMBERED_HEAD = re.compile(r"\d\s*[:.)–—-]\s*(?=[^\W\d_])")
_DASHED_HEAD = re.compile(r"\S\s+[–—-]\s+\S")
NOT_A_HEADING, WEAK_HEADING, HEADING = 0, 1, 2
_DIGITS = re.compile(r"\d+")
_HAS_DIGIT = re.compile(r"\d").search


# ------------------------------------------------------------------------------------- decoding

_CP1252_UNDEFINED = (0x81, 0x8D, 0x8F, 0x90, 0x9D)


def _cp1252_fallback(exc: UnicodeDecodeError) -> tuple[str, int]:
    """Decode error handler: bytes that are not UTF-8 are Windows-1252 (never U+FFFD)."""
    chunk = exc.object[exc.start:exc.end]
    return chunk.decode("cp1252"), exc.end  # raises on the five bytes cp1252 leaves undefined


codecs.register_error("workbench-cp1252", _cp1252_fallback)

# Characters whose Windows-1252 byte is 0x80-0xBF: the continuation bytes of UTF-8 read as cp1252.
_CP1252_BYTE = {bytes([b]).decode("cp1252"): b for b in range(256) if b not in _CP1252_UNDEFINED}
_CP1252_BYTE.update({chr(b): b for b in _CP1252_UNDEFINED})
_CONT = "".join(sorted(ch for ch, b in _CP1252_BYTE.items() if 0x80 <= b <= 0xBF))
_MOJIBAKE = re.compile(f"[ÂÃ][{re.escape(_CONT)}]|â[{re.escape(_CONT)}]{{2}}")


def _unmojibake(match: re.Match) -> str:
    s = match.group(0)
    try:
        return bytes(_CP1252_BYTE[ch] for ch in s).decode("utf-8")
    except (KeyError, UnicodeDecodeError):
        return s


def fix_mojibake(text: str) -> str:
    """Repair UTF-8 that was read as Windows-1252 ("blÃ¥bÃ¦r" -> "blåbær", "â€“" -> "–")."""
    for _ in range(3):  # text converted wrongly twice gets two rounds
        if "Ã" not in text and "Â" not in text and "â" not in text:
            break
        fixed = _MOJIBAKE.sub(_unmojibake, text)
        if fixed == text:
            break
        text = fixed
    return text


def decode_line(raw: bytes, lineno: int, name: str) -> str:
    """One line of bytes -> str: UTF-8 where valid, Windows-1252 for the other bytes."""
    try:
        s = raw.decode("utf-8")
    except UnicodeDecodeError:
        try:
            s = raw.decode("utf-8", "workbench-cp1252")
        except UnicodeDecodeError as exc:
            bad = next((b for b in raw if b in _CP1252_UNDEFINED), raw[exc.start] if exc.start < len(raw) else 0)
            raise InputError(f"{name}:{lineno}: byte 0x{bad:02X} is neither UTF-8 nor Windows-1252; "
                             "save the file as UTF-8 and ingest it again") from None
    if "Ã" in s or "Â" in s or "â" in s:
        s = fix_mojibake(s)
    return clean_text(s)


def _wide_encoding(head: bytes) -> tuple[str, int] | None:
    """(codec, BOM length) for UTF-32/UTF-16 text recognised from its first bytes, else None."""
    if head.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return "utf-32", 0
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16", 0
    sample = head[:4096]
    half = len(sample) // 2
    if half >= 2:
        even, odd = sample[0::2].count(0), sample[1::2].count(0)
        if odd > 0.3 * half and even < 0.05 * half:
            return "utf-16-le", 0
        if even > 0.3 * half and odd < 0.05 * half:
            return "utf-16-be", 0
    return None


def _wide_error(name: str, codec: str) -> InputError:
    return InputError(f"{name}: not valid {codec.upper()[:6]} text although it looks like it; "
                      "save the file as UTF-8 and ingest it again")


def _byte_lines(raws: Iterable[bytes], name: str, separators: bool = True) -> Iterator[tuple[str, int]]:
    lineno = 0
    first = True
    for raw in raws:
        if raw.endswith(b"\n"):
            raw = raw[:-1]
        if raw.endswith(b"\r"):
            raw = raw[:-1]
        if first:
            first = False
            if raw.startswith(b"\xef\xbb\xbf"):
                raw = raw[3:]
        for piece in raw.split(b"\r") if b"\r" in raw else (raw,):  # old Mac line ends
            line = decode_line(piece, lineno + 1, name)
            for part in split_separators(line) if separators else (line,):  # U+2028, U+2029, NEL: line ends too
                lineno += 1
                yield part, lineno


def _wide_lines(stream, codec: str, name: str) -> Iterator[tuple[str, int]]:
    reader = io.TextIOWrapper(stream, encoding=codec, newline=None)
    lineno = 0
    try:
        for line in reader:
            lineno += 1
            line = line.rstrip("\n")
            if lineno == 1:
                line = line.lstrip("\ufeff")
            if "Ã" in line or "Â" in line or "â" in line:
                line = fix_mojibake(line)
            parts = split_separators(clean_text(line))  # U+2028, U+2029, NEL: line ends too
            for k, part in enumerate(parts):
                yield part, lineno + k
            lineno += len(parts) - 1
    except UnicodeDecodeError:
        raise _wide_error(name, codec) from None


def read_lines(path: Path) -> Iterator[tuple[str, int]]:
    """Stream the decoded lines of a text file as (text, 1-based line number), without line ends."""
    path = Path(path)
    with open(path, "rb") as f:
        wide = _wide_encoding(f.read(4096))
        f.seek(0)
        if wide:
            yield from _wide_lines(f, wide[0], path.name)
        else:
            yield from _byte_lines(f, path.name)


def head_text(path: Path, size: int = 4096) -> str:
    """The start of a text file, decoded leniently (to recognise its format, never to store)."""
    with open(path, "rb") as f:
        data = f.read(size)
    wide = _wide_encoding(data)
    return data.decode(wide[0] if wide else "utf-8", "ignore").lstrip("\ufeff")


def decode(data: bytes, path: Path, *, separators: bool = False) -> str:
    """Bytes of a text file -> str with "\\n" line ends.

    UTF-8 (with or without BOM), Windows-1252, or both mixed line by line; UTF-16/UTF-32 with a BOM
    and UTF-16 without one. UTF-8 once read as Windows-1252 is repaired. Never U+FFFD. With
    ``separators`` (the readers of line-based transcripts: .txt, .md, .vtt, .srt) the Unicode line
    and paragraph separators and NEL (:data:`LINE_SEPARATORS`) are line ends too; tables and JSON
    keep them as text (a CSV cell or a JSON string may hold one).
    """
    name = Path(path).name
    wide = _wide_encoding(data[:4096])
    if wide:
        try:
            text = data.decode(wide[0])
        except UnicodeDecodeError:
            raise _wide_error(name, wide[0]) from None
        text = clean_text(fix_mojibake(_newlines(text.lstrip("\ufeff"))))
        return _SEPARATOR.sub("\n", text) if separators else text
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return "\n".join(line for line, _ in _byte_lines(data.split(b"\n"), name, separators))
    text = clean_text(fix_mojibake(_newlines(text)))
    return _SEPARATOR.sub("\n", text) if separators else text


def _newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


# Line ends that are not CR or LF: NEL (U+0085), the line separator (U+2028) and the paragraph
# separator (U+2029), as Python's str.splitlines reads them (a file saved by a tool that ends its
# lines with U+2028 is a file of lines, not one line).
LINE_SEPARATORS = "\x85\u2028\u2029"
_SEPARATOR = re.compile(f"[{LINE_SEPARATORS}]")


def split_separators(line: str) -> list[str]:
    """A decoded line split at :data:`LINE_SEPARATORS` (one at the end ends the line: no empty line
    after it); the line itself when it holds none."""
    if line.isascii() or not _SEPARATOR.search(line):
        return [line]
    parts = _SEPARATOR.split(line)
    return parts[:-1] if parts[-1] == "" else parts


def seconds(stamp: str | None) -> float | None:
    """'01:02:03', '02:03' or '01:02:03.500' -> seconds."""
    if not stamp:
        return None
    parts = stamp.replace(",", ".").split(":")
    total = 0.0
    for p in parts:
        total = total * 60 + float(p)
    return total


# ------------------------------------------------------------------------------- label heuristics

@dataclass
class LabelMatch:
    label: str
    text: str
    time: float | None


def is_section_lead(label: str) -> bool:
    """True for a lead-in that heads a part of minutes or an agenda ("Vedtak", "Sak 3/24"), not a speaker."""
    words = label.split()
    return bool(words) and words[0].strip("*_:.()[]").casefold() in SECTION_WORDS


def is_tool_footer(line: str) -> bool:
    """True for the footer a transcription tool writes after the speech ("Transcribed by https://otter.ai")."""
    return TOOL_FOOTER.fullmatch(line.strip()) is not None


def may_be_notice(line: str) -> bool:
    """A quick test: False for a line that cannot be a tool notice (:func:`is_tool_notice`)."""
    return any(w in line for w in _NOTICE_WORDS)


def is_tool_notice(line: str) -> bool:
    """True for a meeting tool's notice that transcription or the recording stopped or started ("Kari
    Nordmann stopped transcription", "Kari Nordmann startet transkripsjon", "Opptaket har startet.",
    "Recording stopped."): a line of its own anywhere, never speech."""
    line = line.strip()
    if not may_be_notice(line):
        return False
    m = TOOL_NOTICE.fullmatch(line) if len(line) <= 120 else None
    if m is None:
        return False
    name = m.group("name")
    if name is None:
        return True
    words = _NAME_WORDS(name)
    # a name: capitalised words ("Kari Nordmann (Gjest)"), never a sentence ("Da vi stoppet opptaket")
    return words[0].casefold() not in _PRONOUNS and all(
        w[0].isupper() or w[0] == "(" or w.casefold() in LOWER_CONNECTIVES for w in words)


def without_notices(text: str) -> str:
    """A caption cue's text without tool notices (:func:`is_tool_notice`) that are the whole text or a
    whole sentence at its start or end ("Opptaket har startet. Velkommen, alle sammen." -> "Velkommen,
    alle sammen."); a notice inside the speech ("... da opptaket hadde startet ...") stays."""
    if not may_be_notice(text):
        return text
    if is_tool_notice(text):
        return ""
    sentences = _SENTENCE_END.split(text.strip())
    cut = False
    while sentences and is_tool_notice(sentences[0]):
        sentences.pop(0)
        cut = True
    while sentences and is_tool_notice(sentences[-1]):
        sentences.pop()
        cut = True
    return " ".join(sentences) if cut else text


def looks_like_label(label: str) -> bool:
    """Heuristic for a speaker label without a roster: 1-4 capitalised words, not a metadata key
    and not a section word of minutes."""
    words = label.split()
    if not 1 <= len(words) <= 4 or label.casefold() in METADATA_KEYS or is_section_lead(label):
        return False
    if len(label) > 40 or label.endswith((".", ",", "-")) or label.startswith(("-", "*", "#", "http")):
        return False
    if not any(c.isalpha() for c in label):
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


def _name_line_ok(name: str) -> bool:
    """A line that could be a name on its own (Zoom/Otter name lines): short, no sentence."""
    if not 1 <= len(name) <= 60 or name[0] in "-*+#>•–—=_~|\"'«(<" or name[-1] in ".?!,;…\"'»":
        return False
    if ":" in name or name.startswith("http") or not any(c.isalpha() for c in name):
        return False
    return len(name.split()) <= 6 and name.casefold() not in METADATA_KEYS


def _bracket_ok(label: str) -> bool:
    label = label.strip()
    name, org = split_meeting_label(label)
    if org:  # Zoom's "[Kari Hansen | Nord Fron kommune]": the name part decides
        return len(org) <= 60 and looks_like_label(name)
    if not label or len(label) > 40 or len(label.split()) > 4 or label.casefold() in BRACKET_NOTES:
        return False
    if label.casefold() in METADATA_KEYS or not any(c.isalpha() for c in label):
        return False
    if label.split()[0].casefold() in BRACKET_NOTES or is_section_lead(label):  # "[Pause 3 sek]"
        return False
    # lower case: one word ("id1", "kari"); several lower-case words are a note ("snakker samtidig")
    return label[0].isupper() or label[0].isdigit() or " " not in label


def _caps_ok(label: str) -> bool:
    return (len(label) <= 40 and len(label.split()) <= 4 and bool(CAPS_ALONE.match(label))
            and any(c.isalpha() for c in label) and label.casefold() not in METADATA_KEYS
            and not is_section_lead(label))


def heading_shape(line: str) -> int:
    """How much a line in capitals looks like a heading of a transcript or an interview guide.

    :data:`HEADING`: capitals with a heading's shape: a heading word (:data:`HEADING_WORDS`) or a section
    word first ("TEMA 2: SAMARBEID MED STATEN", "INNLEDNING", "BAKGRUNN"), a number with ``:``, ``.``, ``)``
    or a dash before words ("1. INNLEDNING", "DEL 1 – BAKGRUNN"), words on both sides of a dash, or four
    or more letters in capitals after a colon ("SAMARBEID: STATEN OG KOMMUNEN").
    :data:`WEAK_HEADING`: other capitals with four letters or more ("SAMARBEID MED STATEN", "AVSLUTNING"),
    a heading only where no speech follows it. :data:`NOT_A_HEADING`: anything with a lower-case letter,
    a sentence's end (``.``, ``?``, ``!``, ``,``), a note ("[LATTER]", "PAUSE"), or a role word first
    ("MODERATOR", "INFORMANT 3", "ORDFØRER I FJELLVIK"): speaker labels and speech."""
    s = line.strip().translate(_SPACES)
    if not s or len(s) > 100 or s.upper() != s or not (s[0].isalnum()) or s[-1] in ".?!,;…\"'»":
        return NOT_A_HEADING
    letters = sum(1 for ch in s if ch.isalpha())
    if letters < 2 or s.casefold() in BRACKET_NOTES or LEAD_TIME.match(s):
        return NOT_A_HEADING
    first = s.split()[0].strip(":.,;()–—-").casefold()
    if first in ROLE_WORDS:
        return NOT_A_HEADING
    if first in HEADING_WORDS or first in SECTION_WORDS or _NUMBERED_HEAD.search(s) or _DASHED_HEAD.search(s):
        return HEADING
    colon = s.find(":")
    if 0 < colon and sum(1 for ch in s[colon + 1:] if ch.isalpha()) >= 4:
        return HEADING
    return WEAK_HEADING if letters >= 4 else NOT_A_HEADING


def _lower_ok(label: str) -> bool:
    """A lower-case label: a code of at most four letters and three digits ("i", "int", "k1") or a
    role word ("intervjuer", "informant"); not a note word ("obs", "merk") or a metadata key."""
    if label != label.casefold() or label in LOWER_NOT_LABELS or label in METADATA_KEYS:
        return False
    if is_section_lead(label):
        return False
    return bool(_LOWER_CODE.fullmatch(label)) or label in ROLE_WORDS


def _interview_role(label: str) -> bool:
    """"Intervjuer", "Informant", "Deltaker 2", "MODERATOR": a role label of :data:`INTERVIEW_ROLES`."""
    words = label.split()
    return (1 <= len(words) <= 2 and words[0].casefold() in INTERVIEW_ROLES
            and (len(words) == 1 or words[1].isdigit() or (len(words[1]) == 1 and words[1].isalpha())))


# Words of speech, bokmål and nynorsk: pronouns, common verbs, question and small words that a
# header naming or describing a person ("Kari Hansen, forsker ved NIBR.") does not have.
_SPEECH_WORDS = frozenset((
    "jeg", "eg", "vi", "me", "du", "dere", "dykk", "meg", "deg", "oss", "seg", "det", "dette", "den", "er", "var",
    "har", "hadde", "kan", "kunne", "skal", "skulle", "vil", "ville", "må", "måtte", "blir", "ble", "vart", "blei",
    "hva", "kva", "hvordan", "korleis", "kordan", "hvorfor", "kvifor", "hvem", "kven", "når", "om", "at", "som", "så",
    "ikke", "ikkje", "ja", "nei", "jo", "takk", "fortell", "fortel", "her", "der", "nå", "no", "litt", "mer",
    "meir", "bare", "berre", "også", "men", "begynner", "byrjar", "starter", "går", "gjør", "gjer", "sier",
    "seier", "tenker", "tenkjer", "velkommen", "velkomen", "okei", "ok",
))
_WORDS = re.compile(r"[^\W\d_]+")
# Small words that join or place names in a header ("Kari Hansen og Per Dahl", "Ordfører i Fjellvik",
# "Anne de la Cour"): after a first word in capitals they do not make a sentence.
_HEADER_LINKS = frozenset(("og", "&", "i", "på", "ved", "fra", "for", "hos", "til", "av", "van", "von", "de",
                           "der", "den", "da", "di", "del", "la", "le", "af", "zu", "ten", "ter"))


def said_is_speech(said: str) -> bool:
    """Whether the text after an interview role's colon is speech rather than a header's name.

    "Fortell om samarbeidet.", "Hva skjedde da?" and "Ja." are speech; "Kari Hansen", "K. Hansen, SINTEF",
    "Kari Hansen (forsker, NIBR)." and "prosjektleder i Fjellvik kommune." name or describe a person (a
    header line). Speech ends in "?" or "!", or ends in "." or "…" and has a word of speech
    (:data:`_SPEECH_WORDS`: a pronoun, a common verb, a question word; "Vi begynner."), or is one
    word ("Fortell."), or is a sentence that starts as speech does: a word in capitals and then one
    in lower case that joins no names ("Beskriv samarbeidet med fylket.", "Samarbeidet fungerte
    godt."; not "Ordfører i Fjellvik." or "Kari Hansen, forsker.").
    """
    s = said.strip().rstrip("\"'»”)")
    if not s:
        return False
    if s[-1] in "?!":
        return True
    if s[-1] not in ".…":
        return False
    words = _WORDS.findall(s)
    if len(words) == 1:
        return len(words[0]) > 2  # "K." is an initial
    if any(w.casefold() in _SPEECH_WORDS for w in words):
        return True
    first, second = words[0], words[1]
    return (first[0].isupper() and second[0].islower() and second not in _HEADER_LINKS
            and not re.match(rf"\s*{re.escape(first)}\s*[,(]", s))


def _family(label: str) -> str | None:
    """'Informant 3' -> 'informant #': labels of one numbered family."""
    return _DIGITS.sub("#", label.casefold()) if any(c.isdigit() for c in label) else None


# Line kinds (pass 1) and layouts of label-like lines.
BLANK, TEXT, TIME, HEAD, SHORT = 0, 1, 2, 3, 4
COLON, BRACKET, CAPS, ALONE, INLINE, NAME, TAB, LOWER = 1, 2, 3, 4, 5, 6, 7, 8
_NAN = float("nan")


# No-break spaces Word types in "Kari\u00a0Hansen:" or "Intervjuer\u00a0[00:01:02]:" read as spaces in a label.
_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2007": " "})


def _fold(label: str) -> str:
    """A label for comparing: letter case and runs of white space (also no-break spaces) aside."""
    return " ".join(label.split()).casefold()


class _Roster:
    """Roster labels for fast prefix matching, longest first; case-insensitive lookup as a fallback."""

    def __init__(self, labels: Iterable[str]):
        self.labels = sorted({lb.strip() for lb in labels if lb and lb.strip()}, key=len, reverse=True)
        self.by_first: dict[str, list[str]] = {}
        for lb in self.labels:
            self.by_first.setdefault(lb[0], []).append(lb)
        self.fold = {_fold(lb): lb for lb in reversed(self.labels)}

    def lookup(self, label: str) -> str | None:
        """The roster label for a label as written: letter case and white space aside, and for
        Zoom's "Kari Hansen | NIBR" (Teams' "Ola Fjell (Gjest)") the row "Kari Hansen" ("Ola Fjell")
        when there is no row for the whole label."""
        hit = self.fold.get(_fold(label))
        if hit is None:
            name = meeting_name(label)
            hit = self.fold.get(_fold(name)) if name else None
        return hit

    def match(self, s: str, pos: int):
        """(label, layout, time, text offset) when a roster label starts ``s`` at ``pos``."""
        bracket = s[pos] == "["
        p = pos + 1 if bracket else pos
        for label in self.by_first.get(s[p:p + 1], ()):
            if not s.startswith(label, p):
                continue
            q = p + len(label)
            mark = GUEST_MARK.match(s, q)  # Teams' "Ola Fjell (Gjest)" after the roster label "Ola Fjell"
            if mark:
                q = mark.end()
            if bracket:
                org = ROSTER_BRACKET_ORG.match(s, q)
                if s[(org.end() if org else q):][:1] != "]":
                    continue
                m = BRACKET_LABEL.match(s, pos)
                if m is None or label not in (m.group("label").strip(), meeting_name(m.group("label").strip())):
                    continue
                off = m.end() if m.end() < len(s) else -1
                t = m.group("t")
                return label, (INLINE if off < 0 and t else BRACKET), seconds(t), off
            m = ROSTER_TAIL.match(s, q)
            if m:
                off = m.end() if m.end() < len(s) else -1
                return label, COLON, seconds(m.group("tb") or m.group("t2") or m.group("t3")), off
            rest = s[q:]
            if not rest.strip():
                return label, ALONE, None, -1
            m = TRAIL_TIME.match(rest)
            if m:
                return label, INLINE, seconds(m.group("t")), -1
        return None


def _classify(line: str, roster: _Roster | None):
    """Pass 1 for one line: BLANK, TEXT, (TIME, start, end) or
    (kind, label, layout, time, offset, in_roster, timed).

    ``offset`` is where the spoken text begins in ``line.strip()`` (-1: none on this line); ``timed``
    is 1 when a time of day with seconds comes before the label (a chat or log line:
    "10:03:05 Per Åsheim: ...", Zoom's "10:03:05 From Per Åsheim : ...").
    """
    s = line.strip().translate(_SPACES)  # one character for one: offsets stay those of line.strip()
    if not s:
        return BLANK
    c = s[0]
    pos = 0
    lead = None
    timed = 0
    if c.isdigit() or c == "[" or c == "(":
        if len(s) <= 48:
            m = TIME_LINE.fullmatch(s)
            if m:
                return TIME, seconds(m.group(1)), seconds(m.group(2))
        m = LEAD_TIME.match(s)
        if m:
            stamp = m.group(1) or m.group(2)
            lead = seconds(stamp)
            timed = 1 if _LEAD_HMS.match(stamp) else 0
            pos = m.end()
            if pos >= len(s):
                return TEXT
            c = s[pos]
            if timed and c == "F" and s.startswith(("From", "Fra", "Frå"), pos):
                hit = _zoom_chat(s, pos, roster)
                if hit is not None:
                    label, off, known = hit
                    return HEAD, label, COLON, lead, off, known, 1
    if roster is not None:
        hit = roster.match(s, pos)
        if hit is not None:
            label, layout, t, off = hit
            return HEAD, label, layout, (lead if lead is not None else t), off, True, timed if layout == COLON else 0
    if (c == "*" or c == "_") and s.startswith(("**", "__"), pos):
        m = EMPH_LABEL.match(s, pos)
        if m and (m.group("c1") or m.group("c2") or m.end() == len(s)):
            label = m.group("label").strip()
            known = roster.lookup(label) if roster is not None else None
            if known or looks_like_label(label):
                t = lead if lead is not None else seconds(m.group("t"))
                off = m.end() if m.end() < len(s) else -1
                return HEAD, known or label, COLON, t, off, known is not None, timed
        return TEXT
    if c == "[":
        m = BRACKET_LABEL.match(s, pos)
        if m is None:
            return TEXT
        label = m.group("label").strip()
        known = roster.lookup(label) if roster is not None else None
        if not (known or _bracket_ok(label)):
            return TEXT
        t = lead if lead is not None else seconds(m.group("t"))
        off = m.end() if m.end() < len(s) else -1
        return (HEAD, known or label, INLINE if off < 0 and t is not None else BRACKET, t, off, known is not None, 0)
    if c.isupper() or c.isdigit() or roster is not None:
        m = COLON_LABEL.match(s, pos)
        if m:
            label = m.group("label")
            if m.group("org"):  # Zoom's "Kari Hansen | NIBR:": the label as written, the name part a name
                label = f"{label} | {' '.join(m.group('org').split())}"
            known = roster.lookup(label) if roster is not None else None
            if known or looks_like_label(m.group("label")):
                t = lead if lead is not None else seconds(m.group("tb") or m.group("t2") or m.group("t3"))
                off = m.end() if m.end() < len(s) else -1
                return HEAD, known or label, COLON, t, off, known is not None, timed
        m = TAB_LABEL.match(s, pos) if "\t" in s else None
        if m and m.end() < len(s) and "\t" not in s[m.end():] and not TIME_LINE.fullmatch(s, m.end()):
            label = m.group("label")
            known = roster.lookup(label) if roster is not None else None
            if known or looks_like_label(label):
                t = lead if lead is not None else seconds(m.group("t"))
                return HEAD, known or label, TAB, t, m.end(), known is not None, 0
    if c.islower():
        m = LOWER_LABEL.match(s, pos)
        if m and _lower_ok(m.group("label")):
            t = lead if lead is not None else seconds(m.group("t2") or m.group("t3"))
            off = m.end() if m.end() < len(s) else -1
            return HEAD, m.group("label"), LOWER, t, off, False, 0
    if len(s) - pos > 80:
        return TEXT
    name = s[pos:]
    t = lead
    m = TRAIL_TIME.search(name) if _HAS_DIGIT(name) else None
    if m and m.start() > 0:
        bare = name[:m.start()].rstrip()
        if m.group("sep") != " " or looks_like_label(bare):
            name = bare
            t = seconds(m.group("t")) if t is None else t
    name = name[:-1].rstrip() if name.endswith(":") else name
    if not _name_line_ok(name):
        return TEXT
    known = roster.lookup(name) if roster is not None else None
    in_roster = known is not None
    if in_roster:
        name = known
    if t is not None:
        return HEAD, name, INLINE, t, -1, in_roster, 0
    if in_roster:
        return HEAD, name, ALONE, None, -1, True, 0
    if _caps_ok(name):
        return HEAD, name, CAPS, None, -1, False, 0
    return SHORT, name, NAME, None, -1, False, 0


def _zoom_chat(s: str, pos: int, roster: _Roster | None) -> tuple[str, int, bool] | None:
    """(speaker, text offset, in roster) for a line of Zoom's saved chat or captions after its time:
    "From Siri Vangen : text", "From Siri Vangen to Everyone: text", "Fra Siri Vangen til Alle:" (the
    message on the next line), "From Siri Vangen to Ola Fjell(Direct Message): text". None when what
    follows "From" is no name ("From the start: ...")."""
    m = ZOOM_CHAT.match(s, pos)
    if m is None:
        return None
    name = " ".join(m.group("name").split())
    known = roster.lookup(name) if roster is not None else None
    if known is None:
        person, org = split_meeting_label(name)
        if org:
            name = f"{person} | {org}"
        if not _name_line_ok(name) or not (looks_like_label(person) or _zoom_name_ok(person)):
            return None
    off = m.end() if m.end() < len(s) else -1
    return known or name, off, known is not None


def _zoom_name_ok(name: str) -> bool:
    """A display name as people type it in Zoom ("siri vangen", "Kari sin iPad"): 1-4 words of
    letters, the first not a note or function word."""
    words = name.split()
    return (1 <= len(words) <= 4 and all(any(ch.isalpha() for ch in w) for w in words)
            and words[0].casefold() not in LOWER_NOT_LABELS and words[0].casefold() not in _PRONOUNS
            and words[0].casefold() not in ("the", "a", "an", "my", "min", "mitt"))


def match_label(line: str, roster: list[str] | None) -> tuple[LabelMatch | None, str | None]:
    """Match a speaker label at the start of one line, without looking at the rest of the file.

    Returns (match, candidate): ``match`` when the line has the shape of a turn start (with a
    roster: one of its labels); ``candidate`` is a label-like prefix not in the roster. Whether a
    label really starts turns is decided by ``split_turns`` from the whole file.
    """
    r = _classify(line, _Roster(roster) if roster else None)
    if not isinstance(r, tuple) or r[0] != HEAD:
        return None, None
    _, label, layout, t, off, in_roster, _ = r
    text = line.strip()[off:] if off >= 0 else ""
    if in_roster or (not roster and layout in (COLON, BRACKET, INLINE, TAB)):
        return LabelMatch(label, text, t), None
    if roster and layout in (COLON, BRACKET, CAPS, TAB):
        return None, label
    return None, None


def match_label_alone(line: str, roster: list[str] | None) -> str | None:
    """A label standing alone on its line ('INFORMANT 1', 'Moderator:'), or None."""
    r = _classify(line, _Roster(roster) if roster else None)
    if not isinstance(r, tuple) or r[0] != HEAD or r[4] >= 0:
        return None
    _, label, layout, _, _, in_roster, _ = r
    if roster:
        return label if in_roster else None
    return label if layout in (COLON, CAPS) else None


# ----------------------------------------------------------------------------------- speaker turns

class _Scan:
    """Pass 1 over the lines: one kind per line and compact records of the label-like lines."""

    def __init__(self) -> None:
        self.kinds = bytearray()
        self.labels: list[str] = []
        self.label_ids: dict[str, int] = {}
        self.c_idx = array("q")      # line position (0-based) of each candidate
        self.c_lid = array("l")      # label id
        self.c_layout = bytearray()
        self.c_time = array("d")     # NaN: no time on the line
        self.c_off = array("l")      # text offset in the stripped line, -1: none
        self.c_lineno = array("q")
        self.c_roster = bytearray()
        self.c_timed = bytearray()   # 1: a time of day with seconds before the label (a chat or log line)
        self.t_idx = array("q")      # lines that are a time alone
        self.t_start = array("d")
        self.t_end = array("d")
        self.c_upper = bytearray()   # 1: the text of the line (after the label, if any) is in capitals
        self.c_speech = bytearray()  # 1: an interview role whose text is speech ("Intervjuer: Fortell om ...")
        self.caps: dict[int, tuple[int, int]] = {}  # line position -> (heading_shape, line number), capitals
        self.plain = 0               # lines of text (not label-like)
        self.plain_caps = 0          # ... of them in capitals

    def add(self, i: int, lineno: int, r) -> None:
        kind = r[0]
        self.kinds.append(kind)
        if kind == TIME:
            self.t_idx.append(i)
            self.t_start.append(r[1])
            self.t_end.append(_NAN if r[2] is None else r[2])
            return
        _, label, layout, t, off, in_roster, timed = r
        lid = self.label_ids.get(label)
        if lid is None:
            lid = self.label_ids[label] = len(self.labels)
            self.labels.append(label)
        self.c_idx.append(i)
        self.c_lid.append(lid)
        self.c_layout.append(layout)
        self.c_time.append(_NAN if t is None else t)
        self.c_off.append(off)
        self.c_lineno.append(lineno)
        self.c_roster.append(1 if in_roster else 0)
        self.c_timed.append(timed)


def _scan(lines: Iterable[tuple[str, int]], roster: _Roster | None) -> _Scan:
    sc = _Scan()
    kinds = sc.kinds
    footer: list[int] = []  # the tool footer lines after the last other content, if any
    for i, (line, lineno) in enumerate(lines):
        if may_be_notice(line) and is_tool_notice(line):
            kinds.append(BLANK)  # "Kari Nordmann stopped transcription": not speech, stored nowhere
            continue
        r = _classify(line, roster)
        if r.__class__ is int:
            kinds.append(r)
        else:
            sc.add(i, lineno, r)
        if r != BLANK and (r.__class__ is int or r[0] != TIME):
            upper = line.upper() == line and line.lower() != line  # capitals, no lower-case letter
            if r.__class__ is int:
                sc.plain += 1
                sc.plain_caps += upper
            else:
                said = line.strip()[r[4]:] if r[4] >= 0 else line
                sc.c_upper.append(said.upper() == said and said.lower() != said)
                sc.c_speech.append(r[2] == COLON and r[4] >= 0 and _interview_role(r[1]) and said_is_speech(said))
            if upper:
                shape = heading_shape(line)
                if shape:
                    sc.caps[i] = (shape, lineno)
        if r != BLANK:
            if line.lstrip()[:1] in "Tt" and is_tool_footer(line):
                footer.append(i)
            elif footer:
                footer = []
    if footer:  # not speech: read as blank lines, so they are stored nowhere
        first = footer[0]
        while len(sc.c_idx) and sc.c_idx[-1] >= first:
            for arr in (sc.c_idx, sc.c_lid, sc.c_layout, sc.c_time, sc.c_off, sc.c_lineno, sc.c_roster, sc.c_upper,
                        sc.c_timed, sc.c_speech):
                arr.pop()
        for i in footer:
            kinds[i] = BLANK
            sc.caps.pop(i, None)
    return sc


@dataclass
class _Start:
    pos: int
    label: str
    time: float | None
    end: float | None
    off: int
    line: int
    time_line: int = -1  # the line of a time alone that gave this turn its time
    heading: bool = False  # a heading in capitals: the turn of ``label`` goes on under it


def _plan(sc: _Scan, roster: _Roster | None, file: str, force: bool,
          strict_roster: bool) -> tuple[list[_Start], list[str]] | None:
    """Decide from the pass-1 records which lines start turns; None when none do."""
    kinds = sc.kinds
    n = len(kinds)
    c_idx, c_lid, c_layout, c_time, c_off, c_roster = (sc.c_idx, sc.c_lid, sc.c_layout, sc.c_time,
                                                      sc.c_off, sc.c_roster)
    K = len(c_idx)
    if K == 0:
        return None
    labels = sc.labels

    def cand_at(j: int) -> int:
        k = bisect_left(c_idx, j)
        return k if k < K and c_idx[k] == j else -1

    def text_like(j: int) -> bool:
        if j >= n:
            return False
        kd = kinds[j]
        if kd == TEXT or kd == SHORT:
            return True
        return kd == HEAD and c_off[cand_at(j)] >= 0

    def next_content(j: int) -> int:
        j += 1
        while j < n and (kinds[j] == BLANK or kinds[j] == TIME):
            j += 1
        return j

    # Name lines next to a time: 1 own time (Otter, Teams, "[Name] 10:15:32"), 2 time line after
    # (Zoom), 3 time line before (Stream). The more frequent of 2 and 3 is the file's way.
    struct = bytearray(K)
    for k in range(K):
        if c_off[k] >= 0:
            continue
        i = c_idx[k]
        if not math.isnan(c_time[k]):
            j = next_content(i)
            if j < n and text_like(j):
                struct[k] = 1
        elif i + 2 < n and kinds[i + 1] == TIME and text_like(i + 2):
            struct[k] = 2
        elif i > 0 and kinds[i - 1] == TIME and text_like(i + 1):
            struct[k] = 3
    n_by = Counter(struct)
    way = 2 if n_by[2] >= n_by[3] else 3
    is_struct = [s == 1 or s == way for s in struct]
    n_struct = n_by[1] + n_by[way]

    # Which labels recur as turn starters.
    counts: Counter[int] = Counter()
    only: dict[int, int] = {}  # the one layout a label is written in, 0 when several
    for k in range(K):
        if c_layout[k] == NAME and not is_struct[k]:
            continue
        lid = c_lid[k]
        counts[lid] += 1
        only[lid] = c_layout[k] if only.get(lid, c_layout[k]) == c_layout[k] else 0
    need = 1 if force else 2
    recurring = {lid for lid, c in counts.items() if c >= need}
    families = {f for f in (_family(labels[lid]) for lid in recurring) if f}
    accepted = set(recurring)
    accepted.update(lid for lid in counts if _family(labels[lid]) in families)
    # "[label]" and "label<tab>" only count as a layout when at least two such labels take turns
    # ("[Latter]" alone at line starts is a transcription note, "Kommune<tab>Fjellvik" a list)
    for weak in (BRACKET, TAB):
        group = [lid for lid in accepted if only[lid] == weak]
        if len(group) < 2 and not force:
            accepted.difference_update(group)
    # a lower-case label ("i:", "r:") counts only beside a second recurring speaker, in lower case
    # or not ("i" is a preposition: "i:" starting lines of prose is text)
    lower = [lid for lid in accepted if only[lid] == LOWER]
    if lower and len(accepted) < 2 and not force:
        accepted.difference_update(lower)

    if not accepted and not force and roster is None:
        # nothing recurs: two interview roles that start lines ("Intervjuer:" then "Informant:" in a
        # short interview) are speakers when their lines are most of the file
        roles = {c_lid[k] for k in range(K) if c_layout[k] == COLON and c_off[k] >= 0
                 and _interview_role(labels[c_lid[k]])}
        if len(roles) >= 2:
            role_lines = sum(1 for k in range(K) if c_layout[k] == COLON and c_lid[k] in roles)
            content = sum(1 for kd in kinds if kd != BLANK and kd != TIME)
            if 2 * role_lines >= content:
                accepted.update(roles)

    # A line that starts with a time of day and a label with a colon ("10:03:05 Per Åsheim: Jeg kan ta
    # det.", Zoom's saved chat "10:03:05 From Per Åsheim : ...") is a chat or log line: its label starts a
    # turn also when it occurs once, never glued (time and all) into the turn before. In a file with
    # speakers, or where such lines are at least two and half the lines.
    timed = [k for k in range(K) if sc.c_timed[k] and c_layout[k] == COLON
             and labels[c_lid[k]].casefold() not in LOWER_NOT_LABELS]
    if timed:
        once = {c_lid[k] for k in timed} - accepted
        if once and not accepted and roster is None and not force:
            content = sum(1 for kd in kinds if kd != BLANK and kd != TIME)
            if len(timed) < 2 or 2 * len(timed) < content:
                once = set()
        accepted.update(once)

    # An interview role that starts a line once with speech after it ("Intervjuer: Fortell om
    # samarbeidet." as the first line) is a speaker in a file with speakers; a header naming the
    # interviewer ("Intervjuer: Kari Hansen") stays a title line.
    if (accepted or roster is not None) and not force:
        accepted.update(c_lid[k] for k in range(K) if sc.c_speech[k])

    n_other = sum(1 for k in range(K) if not is_struct[k] and c_layout[k] != NAME
                  and (c_roster[k] or c_lid[k] in accepted))
    time_pattern = n_struct >= 2 and n_struct >= n_other

    ok = bytearray(K)
    for k in range(K):
        lid = c_lid[k]
        if time_pattern:  # a name line next to a time is a name, also when it occurs once
            ok[k] = is_struct[k]
        else:
            ok[k] = c_layout[k] != NAME and (c_roster[k] or lid in accepted)
    heads = _caps_headings(sc, ok, accepted, is_struct, cand_at, next_content)
    head_k = {k for k in (cand_at(i) for i in heads) if k >= 0}
    if not time_pattern:
        _between_same_speaker(ok, c_layout, c_lid, labels, accepted, head_k)
    # A label with no text on its line starts a turn only when text follows (not another label).
    is_start = bytearray(K)
    for k in range(K - 1, -1, -1):
        if not ok[k]:
            continue
        if c_off[k] < 0 and not (time_pattern and is_struct[k]):
            i = c_idx[k]
            if c_layout[k] == CAPS and not c_roster[k]:
                p = i - 1
                while p >= 0 and kinds[p] == BLANK:
                    p -= 1
                kp = cand_at(p) if p >= 0 and kinds[p] == HEAD else -1
                if kp >= 0 and ok[kp] and c_off[kp] < 0:
                    continue  # "OK" said right under a label alone is speech, not a label
            j = next_content(i)
            if j >= n or (kinds[j] == HEAD and is_start[cand_at(j)]):
                continue  # no text follows before the next turn
        is_start[k] = 1
    first = next((k for k in range(K) if is_start[k]), None)
    if first is None:
        return None

    warnings: list[str] = []
    unlisted_seen: set[int] = set()
    starts: list[_Start] = []
    prev_after = -2
    for k in range(K):
        lid = c_lid[k]
        label = labels[lid]
        i = c_idx[k]
        if not is_start[k]:
            if k in head_k:
                continue  # a heading in capitals, not a speaker
            layout = c_layout[k]
            if layout not in (COLON, BRACKET, CAPS, TAB) or time_pattern or lid in accepted or c_roster[k]:
                continue
            shown = f"[{label}]" if layout == BRACKET else f"{label}:" if layout == COLON else label
            if label.lower() in LOWER_NOT_LABELS:  # "Merk:", "Obs:": a note, never a speaker
                where = "the title lines before the first turn" if k < first else "text of the previous turn"
                if roster is not None or k > first:
                    warnings.append(f"{file}:{sc.c_lineno[k]}: '{shown}' is a note word, not a speaker; "
                                    f"kept as {where}")
            elif roster is not None:
                where = "the title lines before the first turn" if k < first else "text of the previous turn"
                warnings.append(f"{file}:{sc.c_lineno[k]}: '{shown}' looks like a speaker label but is not in "
                                f"participants.csv and does not recur as a turn start, so it is kept as {where}; "
                                "add it to participants.csv if it is a speaker")
            elif k > first:
                warnings.append(f"{file}:{sc.c_lineno[k]}: '{shown}' does not recur as a turn start, so it is "
                                "read as text of the previous turn, not as a speaker; if it is a speaker, "
                                "add it to participants.csv")
            continue
        if not c_roster[k] and (roster is not None or strict_roster) and lid not in unlisted_seen:
            unlisted_seen.add(lid)
            if strict_roster:
                raise InputError(f"{file}:{sc.c_lineno[k]}: speaker '{label}' is not in participants.csv; "
                                 "add it to participants.csv or leave out --strict-roster")
            warnings.append(f"{file}:{sc.c_lineno[k]}: speaker '{label}' is not in participants.csv; stored "
                            "as its own speaker without an actor; add a row to give the actor")
        t = c_time[k]
        start = None if math.isnan(t) else t
        end = None
        time_line = -1
        if start is None and c_off[k] < 0 and i + 1 < n and kinds[i + 1] == TIME:
            time_line = prev_after = i + 1
        elif start is None:
            j = i - 1
            while j > 0 and kinds[j] == BLANK:
                j -= 1
            if j >= 0 and kinds[j] == TIME and j != prev_after:  # a time alone before the label
                time_line = j
        if time_line >= 0:
            start, end = _time_at(sc, time_line)
        starts.append(_Start(i, label, start, end, c_off[k], sc.c_lineno[k], time_line))
    after = [i for i in heads if i > starts[0].pos]  # before the first turn: title lines
    if after:
        positions = [st.pos for st in starts]
        # the turn above goes on under the heading (an empty turn when a label follows)
        under = [_Start(i, starts[bisect_left(positions, i) - 1].label, None, None, -1, sc.caps[i][1], heading=True)
                 for i in after]
        starts = sorted(starts + under, key=lambda st: st.pos)
    return starts, warnings


def _caps_headings(sc: _Scan, ok: bytearray, accepted: set[int], is_struct: list[bool],
                   cand_at: Callable[[int], int], next_content: Callable[[int], int]) -> list[int]:
    """Positions of the lines that are headings in capitals (see the module docstring), in order.

    A line in capitals (:func:`heading_shape`) is a heading when it is not in the roster, not a name
    line next to a time and not right under a label alone (then it is what that speaker said,
    "INTERVJUER" then "OK"), and either has a heading's shape and does not recur as a turn start, or is
    followed by a turn start (a speaker label has speech under it). A line that recurs ("OPPSUMMERING"
    in each part) is a heading only when every one of its lines is followed by a turn start; then it is
    no longer a speaker label (``ok`` and ``accepted`` are updated). When most text lines are in
    capitals (labels alone aside), capitals set nothing apart: no headings."""
    if not sc.caps:
        return []
    said = sc.plain + sum(1 for k, o in enumerate(ok) if not (o and sc.c_off[k] < 0))  # not a label alone
    said_upper = sc.plain_caps + sum(1 for k, o in enumerate(ok) if sc.c_upper[k] and not (o and sc.c_off[k] < 0))
    if said_upper > 0.5 * said:  # a transcript typed in capitals
        return []
    kinds = sc.kinds
    n = len(kinds)
    found: set[int] = set()
    spoken: set[int] = set()  # recurring labels with a line that is not a heading: speakers
    for i in sorted(sc.caps, reverse=True):  # from the end: a heading may stand over another
        k = cand_at(i) if kinds[i] == HEAD or kinds[i] == SHORT else -1
        if k >= 0 and (sc.c_roster[k] or is_struct[k]):
            continue
        recurs = k >= 0 and sc.c_lid[k] in accepted
        p = i - 1
        while p >= 0 and (kinds[p] == BLANK or kinds[p] == TIME):
            p -= 1
        kp = cand_at(p) if p >= 0 and kinds[p] == HEAD else -1
        speech = kp >= 0 and ok[kp] and sc.c_off[kp] < 0
        if not speech and (recurs or sc.caps[i][0] != HEADING):
            j = next_content(i)
            kj = cand_at(j) if j < n and kinds[j] == HEAD else -1
            speech = j not in found and not (kj >= 0 and ok[kj])
        if speech:
            if recurs:
                spoken.add(sc.c_lid[k])
            continue
        found.add(i)
    # a recurring label is a heading only when all its lines are
    heads_of: Counter[int] = Counter()
    for i in found:
        k = cand_at(i) if kinds[i] == HEAD or kinds[i] == SHORT else -1
        if k >= 0 and sc.c_lid[k] in accepted:
            heads_of[sc.c_lid[k]] += 1
    if heads_of:
        lines_of_label = Counter(lid for lid in sc.c_lid if lid in heads_of)
        spoken.update(lid for lid, c in heads_of.items() if lines_of_label[lid] != c)
        for i in list(found):
            k = cand_at(i) if kinds[i] == HEAD or kinds[i] == SHORT else -1
            if k >= 0 and sc.c_lid[k] in heads_of:
                if sc.c_lid[k] in spoken:
                    found.discard(i)
                else:
                    ok[k] = 0
        accepted.difference_update(lid for lid in heads_of if lid not in spoken)
    return sorted(found)


def _between_same_speaker(ok: bytearray, layouts: bytearray, lids: array, labels: list[str],
                          accepted: set[int], heads: set[int] = frozenset()) -> None:
    """Accept labels that occur once when they sit between two turns of one speaker (A X A).

    In a transcript labelled at each change of speaker, two turns of A in a row do not happen, so
    a label-like line between them is a speaker who spoke once ("Moderator / Informant / Moderator").
    A colon sentence inside a turn ("Merk: ...") is followed by another speaker's turn instead.
    Files that label every paragraph (A often follows A) give no such evidence. A heading in
    capitals (``heads``) between two turns is no speaker, and the turns on either side of it are no pair.
    """
    pairs = same = 0
    last = -1
    run: list[int] = []
    runs: list[list[int]] = []
    for k in range(len(ok)):
        if k in heads:
            last, run = -1, []
            continue
        if ok[k]:
            if last >= 0:
                if run:
                    if lids[last] == lids[k]:
                        runs.append(run)
                else:
                    pairs += 1
                    same += lids[last] == lids[k]
            last, run = k, []
        elif layouts[k] in (COLON, CAPS) and last >= 0:
            run.append(k)
    if runs and same <= 0.2 * pairs:
        for run in runs:
            for k in run:
                ok[k] = 1
                accepted.add(lids[k])


def _time_at(sc: _Scan, i: int) -> tuple[float | None, float | None]:
    k = bisect_left(sc.t_idx, i)
    end = sc.t_end[k]
    return sc.t_start[k], None if math.isnan(end) else end


def _build(lines: Iterable[tuple[str, int]], kinds: bytearray, starts: list[_Start],
           file: str) -> tuple[list[Turn], list[str]]:
    """Pass 2: turns from the start records; times alone on a line are not text. A heading in
    capitals is the heading of the turns under it (headings one after the other joined)."""
    turns: list[Turn] = []
    heading: str | None = None
    over = False  # the last line read was a heading
    preamble: list[str] = []
    parts: list[str] = []
    current: Turn | None = None
    si = 0
    next_pos = starts[0].pos
    first_time_line = starts[0].time_line
    count = 0
    for i, (line, _) in enumerate(lines):
        count += 1
        if i == next_pos:
            if current is not None:
                current.text = "\n".join(parts)
                turns.append(current)
            st = starts[si]
            if st.heading:
                text = line.strip()
                heading = f"{heading} {text}" if over and heading else text
            over = st.heading
            current = Turn(text="", speaker=st.label, start_time=st.time, end_time=st.end, heading=heading,
                           line=st.line)
            parts = []
            if st.off >= 0 and not st.heading:
                first = line.strip()[st.off:].strip()
                if first:
                    parts.append(first)
            si += 1
            next_pos = starts[si].pos if si < len(starts) else -1
            continue
        kd = kinds[i] if i < len(kinds) else TEXT
        if kd == BLANK:
            continue
        if current is None:
            if i != first_time_line:
                preamble.append(line.strip())
        elif kd != TIME:
            parts.append(line.strip())
            over = False
    if count != len(kinds):
        raise InputError(f"{file}: the file changed while it was read; ingest it again")
    if current is not None:
        current.text = "\n".join(parts)
        turns.append(current)
    return [t for t in turns if t.text], preamble


# f4transkript / f5 time marks: "I: Wie geht's? #00:00:12-5#" (hh:mm:ss-tenths). f4 writes the mark
# when a paragraph is finished, so a mark after the text is when that paragraph ends; a mark before
# the text (some transcribers' habit) is when it starts.
F4_TIME = re.compile(r"(?:(?<=\S)[ \t]+)?#(\d{1,2}):([0-5]\d):([0-5]\d)(?:[-.,](\d{1,3}))?#")


class _F4Marks:
    """Takes f4transkript time marks out of the lines and gives each turn its times: a mark before
    the text of a turn's line is its start; a mark after the text ends that paragraph, so the turn
    ends at its last such mark and the next turn starts there (the first turn at 0, the start of
    the recording)."""

    def __init__(self, source: Callable[[], Iterable[tuple[str, int]]]):
        self.source = source
        self.starts: dict[int, float] = {}  # line -> the first mark before the line's text
        self.ends: dict[int, float] = {}  # line -> the last mark after the line's text

    def __call__(self) -> Iterator[tuple[str, int]]:
        for line, n in self.source():
            if "#" in line and ":" in line:
                found = list(F4_TIME.finditer(line))
                for m in found:
                    tenths = m.group(4) or "0"
                    t = (int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3))
                         + int(tenths) / 10 ** len(tenths))
                    if line[:m.start()].strip():
                        self.ends[n] = t
                    else:
                        self.starts.setdefault(n, t)
                if found:
                    line = F4_TIME.sub("", line)
            yield line, n

    def apply(self, turns: list[Turn]) -> None:
        """Times from the marks for the turns that have none."""
        if not self.starts and not self.ends:
            return
        starts, ends = sorted(self.starts), sorted(self.ends)
        previous_end = 0.0 if ends else None  # f4 starts counting at the recording's start
        for i, t in enumerate(turns):
            if t.line is None:
                continue
            upto = turns[i + 1].line if i + 1 < len(turns) and turns[i + 1].line is not None else math.inf
            k = bisect_left(starts, t.line)
            own_start = self.starts[starts[k]] if k < len(starts) and starts[k] < upto else None
            a, b = bisect_left(ends, t.line), bisect_left(ends, upto)
            own_end = self.ends[ends[b - 1]] if b > a else None
            if t.start_time is None:
                t.start_time = own_start if own_start is not None else previous_end
            if t.end_time is None and own_end is not None:
                t.end_time = own_end
            if own_end is not None:
                previous_end = own_end


def _split(source: Callable[[], Iterable[tuple[str, int]]], roster: Iterable[str] | None, file: str,
           force: bool, strict_roster: bool) -> tuple[list[Turn], list[str], list[str]] | None:
    rost = _Roster(roster) if roster else None
    marks = source if isinstance(source, _F4Marks) else _F4Marks(source)
    sc = _scan(marks(), rost)
    plan = _plan(sc, rost, file, force, strict_roster)
    if plan is None:
        return None
    starts, warnings = plan
    turns, preamble = _build(marks(), sc.kinds, starts, file)
    marks.apply(turns)
    clock = clock_times_to_offsets(turns, file)
    if clock:
        warnings.append(clock)
    return turns, preamble, warnings


DAY = 24 * 3600.0
CLOCK_START = 3600.0  # a first time at least this far from 0 (and times that rise) is a time of day


def clock_times_to_offsets(turns: list[Turn], file: str) -> str | None:
    """Times of day ("[Kari Nordmann] 10:02:15", Zoom's saved transcript) made times in the recording.

    A recording's own times start near 0; when the first time is an hour or more and no time is before
    the one above it, they are read as clock times and stored counting from the first one. Returns
    the warning that says so, or None when the times are left as they are."""
    timed = [t for t in turns if t.start_time is not None]
    times = [t.start_time for t in timed]
    if len(times) < 2 or times[0] < CLOCK_START or max(times) >= DAY:
        return None
    # a meeting past midnight: 23:59:40 then 00:00:20 is 40 s later (one wrap, after 18:00)
    days = [0.0] * len(times)
    for i in range(1, len(times)):
        wrap = not days[i - 1] and times[i - 1] >= 18 * 3600 and times[i] < times[i - 1] - DAY / 2
        days[i] = DAY if wrap or days[i - 1] else 0.0
    times = [t + d for t, d in zip(times, days)]
    if any(b < a for a, b in zip(times, times[1:])):
        return None
    first = times[0]
    for t, day, start in zip(timed, days, times):
        t.start_time = start - first
        if t.end_time is not None:
            end = t.end_time + day
            end += DAY if end < start - DAY / 2 else 0.0
            t.end_time = max(0.0, end - first)
    for t in turns:
        if t.start_time is None and t.end_time is not None:
            t.end_time = max(0.0, t.end_time - first)
    where = f"{file}:{timed[0].line}" if timed[0].line else file
    clock = f"{int(first) // 3600:02d}:{int(first) % 3600 // 60:02d}:{int(first) % 60:02d}"
    return (f"{where}: the times are clock times (the first is {clock}, not near 00:00:00), so they are stored "
            f"counting from the first turn ({clock} is 00:00:00{', times after midnight counted on' if days[-1] else ''}); if the recording began before the first "
            "turn, playback of a turn starts that much too early")


def split_turns(lines: list[tuple[str, int]], roster: list[str] | None, file: str,
                *, force: bool = False, strict_roster: bool = False
                ) -> tuple[list[Turn], list[str], list[str]] | None:
    """Turn (line text, line number) pairs into speaker turns.

    Returns (turns, preamble, warnings), or None when no line starts a turn (then the caller treats
    the file as notes). Without a roster a label must recur as a turn start (see the module
    docstring); ``force`` accepts labels that occur once. With a roster, its labels always start
    turns; a recurring label-like prefix that is not in it is kept as its own speaker with a
    warning, or, with ``strict_roster``, raises ``InputError`` naming the file, line and label.
    """
    if not isinstance(lines, (list, tuple)):
        lines = list(lines)
    return _split(lambda: lines, roster, file, force, strict_roster)


# ---------------------------------------------------------------- notes (no speakers)

_ATX = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_SETEXT = re.compile(r"^\s{0,3}(=+|-+)\s*$")
_BULLET = re.compile(r"^(\s*)([-*+•–]|\d{1,3}[.)])\s+(.*)$")
# A Markdown table: a header row, the rule under it (|---|:---:|), then a row per line.
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")
_CELL_SPLIT = re.compile(r"(?<!\\)\|")
_CELL_BREAK = re.compile(r"<br\s*/?>", re.I)


def _table_cells(line: str) -> list[str]:
    s = line.strip()
    s = s[1:] if s.startswith("|") else s
    s = s[:-1] if s.endswith("|") and not s.endswith("\\|") else s
    return [" ".join(_CELL_BREAK.sub(" ", c).replace("\\|", "|").split()) for c in _CELL_SPLIT.split(s)]


def _table_row(header: list[str], cells: list[str]) -> str:
    """A Markdown table row as one readable line: each cell after its column name ("Tiltak: ..."), a
    number in the first column right after it ("Gruppe 2"), cells joined with " — "; empty cells
    left out."""
    parts = []
    for i, cell in enumerate(cells):
        cell = _strip_emphasis(cell)
        if not cell:
            continue
        name = _strip_emphasis(header[i]) if i < len(header) else ""
        parts.append(f"{name} {cell}" if name and i == 0 and cell.isdigit() else f"{name}: {cell}" if name else cell)
    return " — ".join(parts)


def split_notes(lines: list[tuple[str, int]]) -> list[Turn]:
    """One Turn per paragraph, top-level bullet item (with its sub-items) or Markdown table row, with
    the nearest heading."""
    turns: list[Turn] = []
    heading: str | None = None
    current: list[str] = []
    cur_line: int | None = None
    cur_bullet = False
    base_indent: int | None = None
    table: list[str] | None = None  # the column names of the Markdown table being read

    def flush():
        nonlocal current, cur_line, cur_bullet
        text = "\n".join(current).strip()
        if text:
            turns.append(Turn(text=text, heading=heading, line=cur_line))
        current, cur_line, cur_bullet = [], None, False

    for idx, (line, lineno) in enumerate(lines):
        nxt = lines[idx + 1][0] if idx + 1 < len(lines) else ""
        if table is not None:
            if "|" in line and line.strip():
                if not _TABLE_RULE.match(line):
                    text = _table_row(table, _table_cells(line))
                    if text:
                        turns.append(Turn(text=text, heading=heading, line=lineno))
                continue
            table = None
        if "|" in line and "|" in nxt and "-" in nxt and _TABLE_RULE.match(nxt):
            flush()
            table = _table_cells(line)
            continue
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


def parse_lines(source: Callable[[], Iterable[tuple[str, int]]], fmt: str, roster: Iterable[str] | None,
                file: str, *, force_notes: bool = False, strict_roster: bool = False,
                keep_bidi: bool = False) -> Parsed:
    """Transcript or notes from a callable that yields (line, line number) afresh on every call.

    A transcript needs two passes over the lines; notes need them in memory once. Bidirectional
    controls go before labels are looked for (``\u200fBjørn: tekst`` starts a turn), counted once;
    ``keep_bidi`` keeps them (turn texts that must be found again in the text as given).
    """
    bidi = _NoBidi(source, keep_bidi)
    source = _F4Marks(bidi)
    if not force_notes:
        result = _split(source, roster, file, False, strict_roster)
        if result is not None:
            turns, preamble, warnings = result
            count_bidi(bidi.count)
            return Parsed(turns, fmt, "transcript", warnings, preamble)
    notes = split_notes(drop_tool_footer(list(source())))
    source.apply(notes)
    count_bidi(bidi.count)
    return Parsed(notes, fmt, "notes")


class _NoBidi:
    """The lines of a source without bidirectional controls (a right-to-left mark before a label hides
    it); ``count`` is how many the last pass over the lines took out (the lines are read more than once)."""

    def __init__(self, source: Callable[[], Iterable[tuple[str, int]]], keep: bool = False):
        self.source = source
        self.keep = keep
        self.count = 0

    def __call__(self) -> Iterator[tuple[str, int]]:
        self.count = 0
        if self.keep:
            yield from self.source()
            return
        for line, n in self.source():
            if not line.isascii():
                line, k = BIDI_CONTROLS.subn("", line)
                self.count += k
            yield line, n


def drop_tool_footer(lines: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The lines without a transcription tool's footer after the last other line (see :func:`is_tool_footer`),
    and with its notices (:func:`is_tool_notice`) as blank lines."""
    if any(is_tool_notice(line) for line, _ in lines):
        lines = [("", n) if is_tool_notice(line) else (line, n) for line, n in lines]
    end = len(lines)
    while end and not lines[end - 1][0].strip():
        end -= 1
    cut = end
    while cut and (is_tool_footer(lines[cut - 1][0]) or not lines[cut - 1][0].strip()):
        cut -= 1
    return lines if cut == end else lines[:cut]


def text_to_parsed(text: str, fmt: str, roster: list[str] | None, file: str, *,
                   force_notes: bool = False, strict_roster: bool = False, keep_bidi: bool = False) -> Parsed:
    """Decide transcript vs notes for plain text and split it accordingly (``keep_bidi``: see
    :func:`parse_lines`)."""
    lines = lines_of(text)
    return parse_lines(lambda: lines, fmt, roster, file, force_notes=force_notes, strict_roster=strict_roster,
                       keep_bidi=keep_bidi)
