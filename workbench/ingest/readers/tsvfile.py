"""Tab-separated transcripts (``.tsv``): Whisper's own ``.tsv`` and tab-separated turn tables.

**Whisper** (openai-whisper, NB-Whisper, WhisperX and faster-whisper's command lines with
``--output_format tsv`` or ``all``) writes a header line ``start<TAB>end<TAB>text`` and a line per
segment: the start and end in whole **milliseconds** (``round(1000 * start)``) and the text with its
tabs replaced by spaces, without any quoting. Some tools add a ``speaker`` column. A ``.tsv`` whose
header holds only these lower-case column names and whose time cells are whole numbers is read
that way: times divided by 1000, each line a segment read exactly as a segment of Whisper's
``.json`` is (:func:`workbench.ingest.readers.jsonfile.segments_to_parsed`: a segment without a
speaker is a timed turn of its own, consecutive segments of one speaker are one turn, tool notices
dropped, a bad time left out with one warning). The lines are split by :mod:`csv` with
``QUOTE_NONE``, as Whisper writes them, so a quotation mark at the start of a segment is text; a
line without a tab is the rest of the segment above (a line break inside a segment's text).

**Any other** ``.tsv`` is a turn table, read as a ``.csv`` turn table is
(:mod:`workbench.ingest.readers.tablefile`: a speaker and a text column, optionally times in
seconds or ``hh:mm:ss``, or a text and a time column without speakers), split at tabs by
:mod:`csv` with the quoting spreadsheets write (Excel's "Unicode text", pandas' ``to_csv(sep="\\t")``).

A file that is no tab-separated table (a Word document, PDF or workbook named ``.tsv``, a CSV file
separated by commas or semicolons, a WebVTT/SubRip or JSON file, plain text) is one line naming the
file, the line and the fix.
"""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path
from typing import Any

from ...errors import InputError
from ..model import Parsed
from ..text import decode, head_text
from .jsonfile import _read_list, segments_to_parsed
from .sniff import CAPTION_NAMES, caption_format
from .tablefile import (EXPECTED, HEADER_SEARCH_ROWS, _header, _not_a_turn_table, _records as _table_records, _split,
                        _turns, table_text)

WHISPER_COLUMNS = frozenset({"start", "end", "text"})   # as Whisper's WriteTSV writes its header
WHISPER_OPTIONAL = frozenset({"speaker"})               # added by some tools
_WHOLE = re.compile(r"^\s*\d+\s*$")
_SECONDS_LIKE = re.compile(r"[.,:]")                    # 3.4, 3,4, 00:00:03: seconds or a clock time, not ms
_SAVE = "save it as Unicode text (tab-separated) or CSV UTF-8, or as .xlsx"
TSV_EXPECTED = ("a tab-separated header naming start, end and text (Whisper's .tsv) or " + EXPECTED)


def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False,
         strict_roster: bool = False) -> Parsed:
    path = Path(path)
    name = path.name
    text = _text(path)
    first = _first_line(text)
    if first is None:
        raise InputError(f"{name}: the table is empty; expected {TSV_EXPECTED}")
    number, line = first
    if not _has_tabs(text):
        raise InputError(_no_tabs(path, text, number, line))
    try:
        records = _records(text, quoting=csv.QUOTE_NONE)
    except csv.Error as exc:
        raise InputError(f"{name}: {exc}; {_SAVE}") from None
    whisper = _whisper_columns(records)
    if whisper is not None:
        warnings: list[str] = []
        segments = _read_list(_whisper_items(records, whisper), None, name, warnings)
        if not segments:
            raise InputError(f"{name}: Whisper's .tsv has no segment with text under its header (line {number}); "
                             "check that the transcription finished")
        warnings = [w.replace("a time that is not a time in seconds (negative, not a number,",
                              "a time that is not a whole number of milliseconds (negative, not a number,")
                    for w in warnings]
        return segments_to_parsed(segments, "tsv", roster, name, strict_roster=strict_roster, warnings=warnings)
    try:
        rows = _records(text, quoting=csv.QUOTE_MINIMAL)
    except csv.Error as exc:
        raise InputError(f"{name}: {exc}; {_SAVE}") from None
    at, columns = _header(rows)
    if columns is None:
        raise InputError(_not_a_turn_table(name, rows, None, where="line"))
    return _turns(rows, at, columns, roster, name, "tsv")


def looks_like_transcript(path: Path) -> bool:
    """Whether a ``.tsv`` in a folder is a transcript: Whisper's header, or a turn table's header
    with a speaker and a text column (as for ``.csv``). Reads the start only; never raises."""
    try:
        with open(path, "rb") as f:
            data = f.read(65536)
        try:
            text = decode(data, path)
        except InputError:
            text = head_text(path, 65536)
        lines = text.split("\n")[:-1 if len(data) >= 65536 else None][:3 * HEADER_SEARCH_ROWS]
        head = "\n".join(lines)
        first = _first_line(head)
        if first is None or "\t" not in first[1]:
            return False
        if _is_whisper_header(next(csv.reader([first[1]], delimiter="\t", quoting=csv.QUOTE_NONE))):
            return True
        _, columns = _header(_records(head, quoting=csv.QUOTE_MINIMAL))
        return columns is not None and columns.strict
    except Exception:
        return False


# ------------------------------------------------------------------------------------------ reading

def _text(path: Path) -> str:
    """The file's text; a binary file named .tsv is one line saying what it is."""
    return table_text(path, "tsv", _SAVE)


def _first_line(text: str) -> tuple[int, str] | None:
    """(line number, text) of the first line that is not blank."""
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            return number, line.lstrip("\ufeff")
    return None


def _has_tabs(text: str) -> bool:
    """Whether a tab separates cells in one of the first lines that are not blank (title lines above
    a table's header may have none)."""
    lines = [ln for ln in text[:65536].split("\n") if ln.strip()][:HEADER_SEARCH_ROWS]
    return any("\t" in ln.strip(" \r") for ln in lines)


def _records(text: str, *, quoting: int) -> list[tuple[int, list[str]]]:
    """(line number, cells) of each record, split at tabs by the csv module."""
    return _table_records(text, "\t", file="", quoting=quoting, what="a tab-separated table")


def _is_whisper_header(cells: list[str]) -> bool:
    names = [c.strip().lstrip("\ufeff") for c in cells]
    return (WHISPER_COLUMNS <= set(names) <= WHISPER_COLUMNS | WHISPER_OPTIONAL
            and len(names) == len(set(names)))


def _whisper_columns(records: list[tuple[int, list[str]]]) -> dict[str, int] | None:
    """Column indexes when the file is a Whisper .tsv: its first record is Whisper's header (only
    the lower-case names start, end, text and perhaps speaker) and its times are whole numbers
    (milliseconds; a time with a decimal point or a colon makes it a turn table in seconds)."""
    filled = [(n, cells) for n, cells in records if any(c.strip() for c in cells)]
    if not filled or not _is_whisper_header(filled[0][1]):
        return None
    columns = {c.strip().lstrip("\ufeff"): i for i, c in enumerate(filled[0][1])}
    whole = timed = False
    for _, cells in filled[1:]:
        if _continues(cells, columns):
            continue
        for key in ("start", "end"):
            i = columns[key]
            value = cells[i].strip() if i < len(cells) else ""
            if _SECONDS_LIKE.search(value):
                return None
            whole = whole or bool(_WHOLE.match(value))
            timed = timed or bool(value)
    return columns if whole or not timed else None


def _continues(cells: list[str], columns: dict[str, int]) -> bool:
    """Whether a line of a Whisper .tsv is the rest of the segment above (its text broke over a
    line): fewer cells than the header and no whole number where the start is."""
    if len(cells) >= len(columns):
        return False
    i = columns["start"]
    return not (i < len(cells) and _WHOLE.match(cells[i]))


def _whisper_items(records: list[tuple[int, list[str]]], columns: dict[str, int]) -> list[dict[str, Any]]:
    """Whisper's lines as the segment objects its .json has: times in seconds (a cell that is no
    whole number is passed on as it is, and left out with the JSON reader's warning)."""
    text_at = columns["text"]
    items: list[dict[str, Any]] = []
    seen_header = False
    for _, cells in records:
        if not any(c.strip() for c in cells):
            continue
        if not seen_header:
            seen_header = True
            continue
        if _continues(cells, columns):  # a line break inside the text of the segment above
            rest = " ".join(cells)
            if items:
                items[-1]["text"] = f"{items[-1].get('text') or ''} {rest}"
            else:
                items.append({"text": rest})
            continue
        item: dict[str, Any] = {}
        for key, i in columns.items():
            value = cells[i] if i < len(cells) else ""
            if key in ("start", "end"):
                value = value.strip()
                item[key] = int(value) / 1000 if _WHOLE.match(value) else (value or None)
            elif key == "speaker":
                item[key] = value.strip() or None
            else:
                item[key] = value
        if len(cells) > len(columns) and text_at == len(columns) - 1:  # a tab left in the text
            item["text"] = " ".join([item["text"], *cells[len(columns):]])
        items.append(item)
    return items


# --------------------------------------------------------------------------------------- refusals

def _no_tabs(path: Path, text: str, number: int, line: str) -> str:
    """The one line for a .tsv whose first line has no tab: what it is and what to do."""
    name, shown = path.name, repr(line.strip()[:60] + ("…" if len(line.strip()) > 60 else ""))
    real = caption_format(text[:4096])
    if real:
        return (f"{name}: this is {CAPTION_NAMES[real]} named .tsv, not a tab-separated table (line {number}: "
                f"{shown}); rename it to {path.stem}.{real} and ingest that")
    stripped = text.strip()
    if stripped[:1] in "{[" and stripped[-1:] in "}]":
        try:
            json.loads(stripped)
            is_json = True
        except (ValueError, RecursionError):
            is_json = False
        if is_json:
            return (f"{name}: this is a JSON file named .tsv, not a tab-separated table (line {number}: {shown}); "
                    f"rename it to {path.stem}.json and ingest that")
    for delimiter, what in ((",", "commas"), (";", "semicolons")):
        if delimiter not in line:
            continue
        cells = [c.strip() for c in next(csv.reader([line], delimiter=delimiter))]
        try:
            known = _header(_split(text[:65536]))[1] is not None
        except csv.Error:
            known = False
        # a header's cells are short names; "Kari: Ja, det stemmer" is a line of speech
        if known or (len(cells) >= 2 and all(0 < len(c) <= 30 and ": " not in c for c in cells)):
            return (f"{name}: line {number} is separated by {what}, not tabs ({shown}); this is a CSV file "
                    f"named .tsv: rename it to {path.stem}.csv and ingest that")
    return (f"{name}: line {number} has no tab ({shown}), so it is no tab-separated table; if the file is a "
            f"plain-text transcript, rename it to {path.stem}.txt and ingest that; a .tsv needs {TSV_EXPECTED}")
