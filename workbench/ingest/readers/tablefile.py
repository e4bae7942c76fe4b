"""Turn tables: a transcript kept as a spreadsheet (``.csv`` or ``.xlsx``), a row per turn.

The header row names the columns, in Norwegian or English, in the words a Word transcript table
uses (:data:`workbench.ingest.readers.docx.SPEAKER_HEADERS` and friends): a speaker column
(``Taler``, ``Navn``, ``Speaker`` ...), a text column (``Tekst``, ``Ytring``, ``Text`` ...) and
optionally a start time (``Tid``, ``Start``, ``Time`` ...) and an end time (``Slutt``, ``End``). A
table with a text and a time column but no speaker column (a Whisper segment table) is read too,
each row a timed turn without a speaker. The header may come after a few title rows (kept as the
source's title lines). Other columns (``Rolle``, ``Kommentar``) are not read, with one warning;
number columns (``#``, ``Nr``) silently so.

Each row is a turn, as a row of a Word transcript table is: an empty speaker cell continues the
turn above, a row with a single cell and no text (not a speaker's label) is the heading of the rows
under it, times
are ``hh:mm:ss`` / ``mm:ss`` (``[00:01:02]``, ``00:01:02 - 00:01:10``), seconds, or an Excel time.
Speaker labels follow the roster as everywhere (letter case, white space, Zoom's ``Name | Org``).

CSV files are decoded as ``.txt`` files are (UTF-8 with or without BOM, Windows-1252, UTF-16) and
split by the delimiter :class:`csv.Sniffer` finds (comma, semicolon, tab or ``|``), checked
against the header. A table whose header names a source or a code (``file``, ``Kilde``, ``source``,
``Kode``: a manifest, a participants table, codings, the workbench's own exports of quotes) is no
transcript; one line says what it is. The first worksheet of a workbook with such a header is read.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from itertools import islice
from pathlib import Path
from typing import Any

from ...errors import InputError
from ..chars import drop_bidi
from ..model import Parsed, Turn
from ..text import decode, head_text, without_notices
from .docx import (END_HEADERS, NUMBER_HEADERS, SPEAKER_HEADERS, TEXT_HEADERS, TIME_CELL, TIME_HEADERS, _TS,
                   _norm_header, _split_speaker, time_seconds)
from .sniff import OLE_MAGIC, PASSWORD, binary_kind
from .vtt import _roster_label

HEADER_SEARCH_ROWS = 10  # the header is among the first ten rows that are not empty
DELIMITERS = ",;\t|"
SNIFF_CHARS = 4096
SOURCE_HEADERS = frozenset({"file", "fil", "filnavn", "file name", "filename", "kilde", "source", "source_id"})
CODE_HEADERS = frozenset({"kode", "koder", "code", "codes", "kode-id", "code_id"})
EXPECTED = ("a speaker column (Taler, Navn or Speaker), a text column (Tekst, Ytring or Text) and, if "
            "you like, a time column (Tid, Start or Time)")
_SAVE = "save it as CSV UTF-8 (Excel: «CSV UTF-8 (kommadelt)») or as .xlsx"
_LEADING_TIME = re.compile(rf"^\s*[\[(]({_TS})[\])]\s*")
_NUMBER = re.compile(r"^\s*\d+(?:[.,]\d+)?\s*$")


class Columns:
    """Where a turn table keeps what (column indexes) and what its header says."""

    def __init__(self, header: list[str]):
        self.header = header
        self.speaker = self.text = self.time = self.end = None
        self.numbers: set[int] = set()
        self.source = False
        for i, cell in enumerate(header):
            n = _norm_header(cell)
            if n in SOURCE_HEADERS or n in CODE_HEADERS:
                self.source = True
            if n in SPEAKER_HEADERS and self.speaker is None:
                self.speaker = i
            elif n in TEXT_HEADERS and self.text is None:
                self.text = i
            elif n in TIME_HEADERS and self.time is None:
                self.time = i
            elif n in END_HEADERS and self.end is None:
                self.end = i
            elif n in NUMBER_HEADERS:
                self.numbers.add(i)

    @property
    def found(self) -> bool:
        return not self.source and self.text is not None and (self.speaker is not None or self.time is not None)

    @property
    def strict(self) -> bool:
        """Found with a speaker column: what a folder's table needs to be taken as a transcript."""
        return self.found and self.speaker is not None

    def others(self) -> list[int]:
        used = {self.speaker, self.text, self.time, self.end} | self.numbers
        return [i for i, h in enumerate(self.header) if i not in used and h.strip()]


# ------------------------------------------------------------------------------------------ reading

def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False,
         strict_roster: bool = False) -> Parsed:
    path = Path(path)
    fmt = "xlsx" if path.suffix.lower() in (".xlsx", ".xlsm") else "csv"
    rows, sheet = _xlsx_rows(path) if fmt == "xlsx" else (_csv_rows(path), None)
    at, columns = _header(rows)
    if columns is None:
        raise InputError(_not_a_turn_table(path.name, rows, sheet))
    return _turns(rows, at, columns, roster, path.name, fmt)


def looks_like_transcript(path: Path) -> bool:
    """Whether a ``.csv``/``.xlsx`` in a folder is a turn table: its header (among the first rows)
    names a speaker and a text column and no source column. Reads the start only; never raises."""
    from ..limits import check_file

    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            try:
                check_file(path)  # a zip bomb is refused by the reader, in its one line; never opened here
            except Exception:
                return True
            rows, _ = _xlsx_rows(path, limit=3 * HEADER_SEARCH_ROWS)
        else:
            with open(path, "rb") as f:
                data = f.read(65536)
            try:
                text = decode(data, path)  # as the reader decodes (Windows-1252 headers: "Tidspunkt", "Frå")
            except InputError:
                text = head_text(path, 65536)
            lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[:-1 if len(text) >= 65536 else None]
            rows = _split("\n".join(lines[:3 * HEADER_SEARCH_ROWS]))
        _, columns = _header(rows)
        return columns is not None and columns.strict
    except Exception:
        return False


def table_text(path: Path, suffix: str, save: str) -> str:
    """The text of a ``.csv`` or ``.tsv`` table (``suffix``); a binary file so named is one line
    saying what it is, and text that cannot be decoded one line ending in ``save`` (how to save
    it again)."""
    problem = binary_kind(path, suffix)
    if problem:
        if "Excel workbook" in problem:
            problem = (f"this is an Excel workbook (.xlsx) named .{suffix}; rename it to {path.stem}.xlsx and "
                       "ingest that")
        raise InputError(f"{path.name}: {problem}")
    try:
        return drop_bidi(decode(path.read_bytes(), path))
    except InputError as exc:
        raise InputError(f"{str(exc).split('; ', 1)[0]}; {save}") from None


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    """(line number, cells) of a CSV file's records."""
    text = table_text(path, "csv", _SAVE)
    try:
        return _split(text, file=path.name)
    except csv.Error as exc:
        raise InputError(f"{path.name}: {exc}; {_SAVE}") from None


def _split(text: str, *, file: str | None = None) -> list[tuple[int, list[Any]]]:
    """Records of a CSV text, split by the delimiter that makes a header the workbench knows (the
    sniffed one first), else by the sniffed one or the most frequent one in the first line."""
    sample = text[:65536]
    head = "\n".join(sample.split("\n")[:3 * HEADER_SEARCH_ROWS])
    try:  # on the first rows only: the Sniffer's regular expressions take quadratic time on odd quoting
        sniffed = csv.Sniffer().sniff(head[:SNIFF_CHARS], delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = None
    first = next((ln for ln in sample.split("\n") if ln.strip()), "")
    counted = max(DELIMITERS, key=first.count)
    candidates = list(dict.fromkeys([d for d in (sniffed, ",", ";", "\t", "|") if d]))
    chosen = None
    for d in candidates:
        try:
            _, columns = _header(_records(head, d))
        except csv.Error:
            continue
        if columns is not None:
            chosen = d
            break
    if chosen is None:  # for the message: the split that shows the columns
        chosen = sniffed if sniffed and first.count(sniffed) else counted
    return _records(text, chosen, file=file)


def _records(text: str, delimiter: str, *, file: str | None = None, quoting: int = csv.QUOTE_MINIMAL,
             what: str = "CSV") -> list[tuple[int, list[Any]]]:
    """(line number, cells) of each record, split by the csv module; a record that cannot be read
    is ``csv.Error`` naming its line (and ``what`` the file was read as) when ``file`` is given."""
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quoting=quoting)
    out = []
    line = 1
    try:
        for record in reader:
            out.append((line, record))
            line = reader.line_num + 1
    except csv.Error as exc:
        if file is None:
            raise
        raise csv.Error(f"line {reader.line_num} cannot be read as {what} ({exc})") from None
    return out


def _xlsx_rows(path: Path, limit: int | None = None) -> tuple[list[tuple[int, list[Any]]], str | None]:
    """(row number, cell values) of the first worksheet whose header the workbench knows (else the
    first worksheet), and that sheet's name when the workbook has several."""
    import zipfile

    import openpyxl

    with open(path, "rb") as f:
        head = f.read(8)
    if head.startswith(OLE_MAGIC):
        data = path.read_bytes()
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise InputError(f"{path.name}: {PASSWORD}")
        raise InputError(f"{path.name}: this is an old Excel workbook (.xls) or another Office file, not .xlsx; "
                         "open it in Excel and save it as .xlsx (Excel-arbeidsbok)")
    if not head.startswith(b"PK"):
        problem = binary_kind(path, "xlsx")
        raise InputError(f"{path.name}: " + (problem or "this is a text file named .xlsx, not an Excel workbook; if "
                                             "it is a CSV file, rename it to .csv and ingest that"))
    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, EOFError) as exc:
        raise InputError(f"{path.name}: not a readable Excel workbook ({type(exc).__name__}); open it in Excel and "
                         "save it again as .xlsx") from None
    except Exception as exc:  # openpyxl's own errors on damaged XML
        raise InputError(f"{path.name}: not a readable Excel workbook ({type(exc).__name__}); open it in Excel and "
                         "save it again as .xlsx") from None
    try:
        sheets = wb.worksheets
        if not sheets:
            raise InputError(f"{path.name}: the workbook has no worksheet")
        chosen = sheets[0]
        for ws in sheets:
            if hasattr(ws, "reset_dimensions"):  # a writer's wrong <dimension> would cut rows or columns off
                ws.reset_dimensions()
            start = getattr(ws, "min_row", 1) or 1
            top = [(n, list(r)) for n, r in enumerate(islice(ws.iter_rows(values_only=True), 3 * HEADER_SEARCH_ROWS),
                                                      start=start)]
            if _header(top)[1] is not None:
                chosen = ws
                break
        start = getattr(chosen, "min_row", 1) or 1
        rows_iter = chosen.iter_rows(values_only=True)
        if limit is not None:
            rows_iter = islice(rows_iter, limit)
        rows = [(n, list(r)) for n, r in enumerate(rows_iter, start=start)]
        name = chosen.title if len(sheets) > 1 else None
    except InputError:
        raise
    except Exception as exc:
        raise InputError(f"{path.name}: not a readable Excel workbook ({type(exc).__name__}); open it in Excel and "
                         "save it again as .xlsx") from None
    finally:
        wb.close()
    return rows, name


# ------------------------------------------------------------------------------------------- cells

def _text(value: Any) -> str:
    """A cell as text: line breaks kept, other white space runs as one space."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dt.datetime):
        value = value.isoformat(sep=" ", timespec="seconds")
    s = str(value).replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    return "\n".join(" ".join(line.split()) for line in s.split("\n")).strip()


def _seconds(value: Any) -> tuple[float | None, float | None, bool]:
    """A time cell -> (start, end or None, it was a time); an empty cell is (None, None, True)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None, True
    if isinstance(value, dt.timedelta):
        s = value.total_seconds()
        return (s, None, True) if s >= 0 else (None, None, False)
    if isinstance(value, dt.datetime):  # Excel keeps a time of day as a date-time on 1899-12-30
        value = value.time()
    if isinstance(value, dt.time):
        return value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6, None, True
    if isinstance(value, bool):
        return None, None, False
    if isinstance(value, (int, float)):
        v = float(value)
        return (v, None, True) if math.isfinite(v) and 0 <= v < 10 ** 7 else (None, None, False)
    s = str(value).strip()
    m = TIME_CELL.match(s)
    if m:
        return time_seconds(m.group("start")), time_seconds(m.group("end")), True
    if _NUMBER.match(s):
        return float(s.replace(",", ".")), None, True
    return None, None, False


# ------------------------------------------------------------------------------------------ header

def _header(rows: list[tuple[int, list[Any]]]) -> tuple[int | None, Columns | None]:
    """(index in ``rows`` of the header row, its columns) among the first non-empty rows."""
    seen = 0
    for i, (_, cells) in enumerate(rows):
        texts = [_text(c) for c in cells]
        if not any(texts):
            continue
        seen += 1
        columns = Columns(texts)
        if columns.found:
            return i, columns
        if columns.source:  # a manifest, participants or export table: no later header makes it a transcript
            return None, None
        if seen >= HEADER_SEARCH_ROWS:
            break
    return None, None


def _not_a_turn_table(file: str, rows: list[tuple[int, list[Any]]], sheet: str | None, *, where: str = "row") -> str:
    """The one line for a table without the columns of a turn table: what it has, what is expected
    (``where``: what a record is called, "row" in a spreadsheet or CSV file, "line" in a .tsv)."""
    first = next(((n, [_text(c) for c in cells]) for n, cells in rows if any(_text(c) for c in cells)), None)
    if first is None:
        return f"{file}: the table is empty; expected a header row with {EXPECTED}"
    number, header = first
    names = {_norm_header(h) for h in header}
    where = f"sheet {sheet!r}, row {number}" if sheet else f"{where} {number}"
    shown = ", ".join(repr(h if len(h) <= 40 else h[:39] + "…") for h in header[:12] if h) + \
        (" ..." if len(header) > 12 else "")
    if "file" in names and "speaker" in names and "text" not in names:
        return (f"{file}: this is a participants table ({where}: {shown}), not a transcript; give it with "
                "--participants, or keep it in the folder as participants.csv")
    if "file" in names and names & {"kind", "phase", "pilot", "language", "date"}:
        return (f"{file}: this is a manifest table ({where}: {shown}), not a transcript; give it with --manifest, "
                "or keep it in the folder as manifest.csv")
    if {"source", "turn", "code"} <= names:
        return (f"{file}: this is a table of codings ({where}: {shown}), not a transcript; import it with "
                "workbench code --from-csv")
    if names & (SOURCE_HEADERS | CODE_HEADERS):
        return (f"{file}: the table has a column naming sources or codes ({where}: {shown}), so it is an export "
                "or a table of codings, not a transcript; a turn table has " + EXPECTED)
    if len([h for h in header if h]) == 1 and file.lower().endswith(".csv"):
        return (f"{file}: {where} is read as one column ({header[0][:40]!r}); separate the columns with commas, "
                f"semicolons or tabs; expected {EXPECTED}")
    return f"{file}: no speaker and text columns in the header ({where}: {shown}); expected {EXPECTED}"


# ------------------------------------------------------------------------------------------- turns

def _holds_rows(value: Any, speaking: set[str]) -> bool:
    """Whether a text cell spans lines that look like rows of the table: a line after the first
    with a tab in it (a tab in speech is not typed; in a tab-separated file it separates cells), or
    one starting with a speaker label of the table and a separator ("Ola;..."). That is what an
    opening quote without its closing quote does: the csv module reads every line up to the next
    quote into one cell."""
    if not isinstance(value, str) or "\n" not in value:
        return False
    for line in value.replace("\r\n", "\n").split("\n")[1:]:
        if "\t" in line.strip():
            return True
        head = re.split(r"[,;|\t]", line, maxsplit=1)
        if len(head) == 2 and head[0].strip().casefold() in speaking and head[0].strip():
            return True
    return False


def _repeats_header(cells: list[Any], columns: Columns) -> bool:
    """Whether a row is the header row again (letter case and white space aside), as a table pasted
    together from pages or exports has it: its speaker and text cells say what the header's do, and
    its other cells are empty or the header's."""
    def fold(value: Any) -> str:
        return " ".join(_text(value).split()).casefold()

    header = [fold(h) for h in columns.header]
    row = [fold(c) for c in cells]
    key = [i for i in (columns.speaker, columns.text) if i is not None]
    if not all(i < len(row) and row[i] == header[i] for i in key):
        return False
    return all(not v or (i < len(header) and v == header[i]) for i, v in enumerate(row))


def _turns(rows: list[tuple[int, list[Any]]], at: int, columns: Columns, roster: set[str] | None,
           file: str, fmt: str) -> Parsed:
    warnings: list[str] = []
    preamble = [" ".join(t for t in (_text(c) for c in cells) if t) for _, cells in rows[:at]]
    preamble = [p for p in preamble if p]
    others = columns.others()
    if others:
        names = ", ".join(repr(columns.header[i]) for i in others)
        warnings.append(f"{file}: column{'s' if len(others) > 1 else ''} {names} "
                        f"{'are' if len(others) > 1 else 'is'} not read (a turn table gives speaker, text and time); "
                        "move what belongs to the turns into the text column")
    bad_times: list[int] = []
    turns: list[Turn] = []
    heading: str | None = None

    def cell(cells: list[Any], i: int | None) -> Any:
        return cells[i] if i is not None and i < len(cells) else None

    # the labels that speak somewhere: a row with one of them and no text is no heading
    body_rows = [(number, cells) for number, cells in rows[at + 1:] if not _repeats_header(cells, columns)]
    speaking = {_split_speaker(_text(cell(cells, columns.speaker)))[0].casefold() for _, cells in body_rows
                if _text(cell(cells, columns.text))} | {r.casefold() for r in roster or ()}
    swallowed: list[int] = []
    for number, cells in body_rows:  # the header again (pages pasted together) is no turn
        texts = [_text(c) for c in cells]
        filled = [t for t in texts if t]
        if not filled:
            continue
        if _holds_rows(cell(cells, columns.text), speaking):
            swallowed.append(number)
        body = _text(cell(cells, columns.text))
        raw_label = _text(cell(cells, columns.speaker))
        if not body:
            if len(filled) == 1 and _split_speaker(filled[0])[0].casefold() not in speaking:
                heading = filled[0]  # a row of one cell, not a speaker: the heading of the rows under it
            continue
        label, t0, t1 = _split_speaker(raw_label) if raw_label else ("", None, None)
        m = _LEADING_TIME.match(body)
        if m:
            t0 = t0 if t0 is not None else time_seconds(m.group(1))
            body = body[m.end():]
        if columns.time is not None:
            start, end, ok = _seconds(cell(cells, columns.time))
            if not ok:
                bad_times.append(number)
            if start is not None:
                t0, t1 = start, end if end is not None else t1
        if columns.end is not None:
            end, _, ok = _seconds(cell(cells, columns.end))
            if not ok:
                bad_times.append(number)
            if end is not None:
                t1 = end
        if t0 is not None and t1 is not None and t1 < t0:
            t1 = None
        body = without_notices(body.strip())  # "Opptaket har startet.", "Kari Nordmann stopped transcription"
        if not body:
            continue
        label = _roster_label(label, roster) if label else None
        if label is None and turns and turns[-1].speaker is not None:
            turns[-1].text = (turns[-1].text + "\n" + body).strip()  # an empty speaker cell goes on
            if turns[-1].end_time is not None and t1 is not None:
                turns[-1].end_time = max(turns[-1].end_time, t1)
            continue
        turns.append(Turn(text=body, speaker=label, start_time=t0, end_time=t1, heading=heading, line=number))
    if swallowed:
        shown = ", ".join(str(n) for n in swallowed[:5]) + (" ..." if len(swallowed) > 5 else "")
        warnings.append(f"{file}: the text cell of line {shown} runs over several lines that look like rows of "
                        "their own (a tab in a line, or a line starting with a speaker and a separator), as if a closing "
                        "quote (\") were missing: those turns are read as part of it; end the quoted cell with \" "
                        "or save the table again from the spreadsheet")
    if bad_times:
        shown = ", ".join(str(n) for n in sorted(set(bad_times))[:5]) + (" ..." if len(set(bad_times)) > 5 else "")
        warnings.append(f"{file}: {len(set(bad_times))} row{'s' if len(set(bad_times)) > 1 else ''} ({shown}) with "
                        "a time that is not hh:mm:ss, mm:ss or seconds; the text is kept without that time")
    return Parsed(turns, fmt, "transcript", warnings, preamble)
