"""Invisible characters and Unicode forms in text read from files (every reader, the manifest and
participants tables).

Text is stored in Unicode NFC, so "Åse" typed on a Mac (A + combining ring, NFD) and on Windows
(one character) is one speaker and one search hit. Characters that only hide in the text go: the
soft hyphen (U+00AD, a hyphenation hint Word and web pages keep inside words:
"Stats\u00adforvalteren" is "Statsforvalteren", so a search finds it and ``Tor\u00adunn Bakke:`` is
the label of Torunn Bakke), the zero-width space (U+200B), the word joiner (U+2060) and the byte
order mark (U+FEFF) anywhere; the zero-width non-joiner and joiner (U+200C, U+200D) unless they
stand between two characters that use them (letters of scripts such as Arabic or Devanagari, emoji:
"👩\u200d🌾" stays one picture), so ``Bjørn\u200d:`` is the label ``Bjørn:``. Bidirectional controls
(:data:`BIDI_CONTROLS`) are taken out too, by the readers before they look for speaker labels (:func:`drop_bidi`, or
``clean_text(s, bidi=True)``), so ``\u200fBjørn: tekst`` is the label ``Bjørn:``; what they take out is
counted for the one warning of ``read_file`` (:func:`counting_bidi`), which also takes out and counts
any left in a reader's turns.
"""

from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Iterator

# Invisible characters that are never wanted in a transcript: soft hyphen, zero-width space, word
# joiner, BOM.
ZERO_WIDTH = "\u00ad\u200b\u2060\ufeff"
JOINERS = "\u200c\u200d"
# Control characters of a table cell (a NUL byte, a stray BOM) taken out of manifest/participants cells.
CONTROL = re.compile(rf"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f{ZERO_WIDTH}]")
# Marks, embeddings, overrides and isolates: invisible, they can show a quote's text reversed ("Trojan
# Source"); U+200E/U+200F are the left-to-right and right-to-left marks.
BIDI_CONTROLS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")
BIDI_NAMES = "U+200E, U+200F, U+202A-U+202E, U+2066-U+2069"
_INVISIBLE = re.compile(f"[{ZERO_WIDTH}{JOINERS}]")
# the count of bidirectional controls the readers took out while ``read_file`` reads one file
_BIDI_COUNT: ContextVar[list[int] | None] = ContextVar("workbench_bidi_count", default=None)


@contextmanager
def counting_bidi() -> Iterator[list[int]]:
    """Counts the bidirectional controls taken out (:func:`drop_bidi`, :func:`count_bidi`) inside the
    ``with`` block: the one-element list it gives holds the number."""
    box = [0]
    token = _BIDI_COUNT.set(box)
    try:
        yield box
    finally:
        _BIDI_COUNT.reset(token)


def count_bidi(n: int) -> None:
    """Add ``n`` bidirectional controls taken out to the count of :func:`counting_bidi` (if any)."""
    box = _BIDI_COUNT.get()
    if box is not None and n:
        box[0] += n


def drop_bidi(s: str) -> str:
    """``s`` without bidirectional controls, counted (see :func:`counting_bidi`). Call it once per
    piece of the file: text read twice must be counted once."""
    if not s or s.isascii():
        return s
    s, n = BIDI_CONTROLS.subn("", s)
    count_bidi(n)
    return s


def nfc(name: str) -> str:
    """A name or text in the one Unicode form names are compared and stored in (NFC)."""
    return unicodedata.normalize("NFC", name)


def _uses_joiners(ch: str) -> bool:
    """A character a zero-width (non-)joiner may stand beside on purpose: a letter or mark of a script
    other than Latin (Arabic, Indic ...), a symbol (emoji) or an emoji modifier or variation selector."""
    cat = unicodedata.category(ch)
    if cat in ("So", "Sk", "Mn", "Mc", "Me") and not ch.isascii():
        return True
    return cat.startswith("L") and ord(ch) >= 0x0370 and not unicodedata.name(ch, "").startswith("LATIN")


def _drop_invisible(m: re.Match) -> str:
    ch = m.group(0)
    if ch in JOINERS:
        s, i, j = m.string, m.start(), m.end()
        if 0 < i and j < len(s) and _uses_joiners(s[i - 1]) and _uses_joiners(s[j]):
            return ch
    return ""


def clean_text(s: str, *, bidi: bool = False) -> str:
    """``s`` in NFC without hidden zero-width characters (see the module docstring); with ``bidi``
    also without bidirectional controls, counted (:func:`drop_bidi`)."""
    if not s or s.isascii():
        return s
    if bidi:
        s = drop_bidi(s)
    if _INVISIBLE.search(s):
        s = _INVISIBLE.sub(_drop_invisible, s)
    if not unicodedata.is_normalized("NFC", s):
        s = unicodedata.normalize("NFC", s)
    return s
