"""Manifest (one row per source) and participants roster (one row per speaker per source).

Both are read from .csv, .tsv or .xlsx (openpyxl). A .csv is decoded as transcripts are (UTF-8 with or
without BOM, Windows-1252, UTF-16 as Excel's "Unicode text" saves it; CRLF, LF or CR line ends) and
separated by the comma, semicolon or tab its header row uses most. Control characters (a NUL byte)
are taken out of every cell.

Which file a row describes: its ``file`` value (``\\`` or ``/`` separated) names a file when its
last path components equal the file's, as many as the value gives but at most the file's path
below the folder given plus that folder's own name. So ``intervju.docx`` names every file of that
name, ``fase1/intervju.docx`` only the one in ``fase1``; a value that is exactly a file's path
relative to the folder given names that file alone. A row naming two files of the batch is an
error (write the relative path). Participants rows with an empty ``file`` or ``*`` apply to every
file; a row for the file itself wins over a ``*`` row for the same label.

Conflicts are errors naming the rows: two rows for one file (or one label of one file) that give
two different non-empty values; rows that agree, or where one leaves a column empty, are merged.
An explicit ``--manifest``/``--participants`` wins over the folder's tables for the files it names.
Dates are stored as ISO ``YYYY-MM-DD`` (or ``YYYY-MM``/``YYYY``), read from the forms in
``DATE_FORMS`` (day before month). A phase ``Fase 1``, ``fase1`` or ``1`` is stored as ``fase 1``;
other category values that differ from one already in use only in letter case or spacing take that
spelling (``align_spellings``). File names are compared in Unicode NFC (``nfc``), so a name
macOS wrote decomposed ("A" + combining ring) matches the same name typed as "Å".
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..errors import InputError
from .chars import CONTROL as _CONTROL, clean_text, nfc  # noqa: F401  (nfc: imported from here too)

MANIFEST_COLUMNS = ("file", "kind", "phase", "pilot", "county", "date", "language", "media", "delete_by")
PARTICIPANT_COLUMNS = ("file", "speaker", "actor", "organisation", "pilot", "name")
KINDS = ("fokusgruppe", "intervju", "dialogkonferanse", "observasjon", "dokument")
LANGUAGES = ("nb", "nn", "nb+nn")
NOTES_KINDS = ("dialogkonferanse", "dokument")  # kinds whose .txt/.md are read as notes
DATE_FORMS = "2024-03-12, 12.03.2024, 12/03/2024, 12.3.24, 2024-03 or 03.2024 (a month), 2024 (a year)"
META_FIELDS = MANIFEST_COLUMNS[1:]
PERSON_FIELDS = ("actor", "organisation", "pilot", "name")


@dataclass
class Participant:
    speaker: str
    actor: str | None = None
    organisation: str | None = None
    pilot: str | None = None
    name: str | None = None  # the real name, when the label is not one (for scrubbing)


def read_table(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV/TSV/XLSX file as (row number in the file, {column: value}), header checked."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path)
    elif suffix in (".csv", ".tsv", ".txt"):
        rows = _csv_rows(path)
    else:
        raise InputError(f"{path.name}: unsupported table format {suffix!r}; use .csv, .tsv or .xlsx")
    if not rows:
        raise InputError(f"{path.name}: the file is empty; expected a header row with {', '.join(required)}")
    rows = [[_clean(v) for v in row] for row in rows]
    header = [h.lower() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        one = (f" (it is read as one column, {rows[0][0]!r}: separate the columns with commas, semicolons "
               "or tabs)") if len([h for h in header if h]) == 1 else ""
        raise InputError(f"{path.name}: row 1 lacks column(s) {', '.join(missing)}{one}; "
                         f"the header must name {','.join(required + optional)}")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any(row):
            continue
        rec = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
        out.append((number, rec))
    return out


_BLANK = re.compile(r"[\t\n\r]+")


def _clean(value: str | None) -> str:
    """A cell without control characters (a NUL byte, a stray BOM, zero-width characters), line breaks
    and tabs inside it as spaces, in Unicode NFC (a label "Åse" typed decomposed matches "Åse" in the
    transcript), and no blanks around it."""
    if not value:
        return ""
    return _BLANK.sub(" ", clean_text(_CONTROL.sub("", value))).strip()


SAVE_AS_CSV = "save it as CSV UTF-8 (Excel: «CSV UTF-8 (kommadelt)») or as .xlsx"


def _csv_rows(path: Path) -> list[list[str]]:
    """The rows of a CSV file, decoded and split by the separator its header row uses."""
    from .text import decode

    data = path.read_bytes()
    if data.startswith(b"PK\x03\x04"):
        raise InputError(f"{path.name}: this is a workbook (.xlsx), not a CSV file; rename it to "
                         f"{path.stem}.xlsx, or {SAVE_AS_CSV}")
    try:
        text = decode(data, path)
    except InputError as exc:
        raise InputError(f"{str(exc).split('; ', 1)[0]}; {SAVE_AS_CSV}") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)  # a tie (one column) is the comma
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        return list(reader)
    except csv.Error as exc:
        raise InputError(f"{path.name}: line {reader.line_num} cannot be read as CSV ({exc}); {SAVE_AS_CSV}") from None


def _xlsx_rows(path: Path) -> list[list[str]]:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise InputError(f"{path.name}: cannot read the workbook ({type(exc).__name__}); save it again as .xlsx") from None
    ws = wb.worksheets[0]
    rows = []
    for row in ws.iter_rows(values_only=True):
        rows.append(["" if v is None else _cell(v) for v in row])
    wb.close()
    return rows


def _cell(v) -> str:
    import datetime as dt

    if isinstance(v, (dt.datetime, dt.date)):
        return v.strftime("%Y-%m-%d")
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# ------------------------------------------------------------------------------------------ dates

_ISO = re.compile(r"^(\d{4})-(\d{1,2})(?:-(\d{1,2}))?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_DMY = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{2}|\d{4})\.?$")
_MY = re.compile(r"^(\d{1,2})[./](\d{4})$")
_Y = re.compile(r"^(\d{4})$")


def parse_date(value: str) -> str:
    """An ISO date (``2024-03-12``), month (``2024-03``) or year (``2024``) from the forms in
    ``DATE_FORMS``; the day comes before the month (Norwegian order). ``ValueError`` says why not."""
    text = value.strip()
    year = month = day = None
    if m := _ISO.match(text):
        year, month, day = int(m[1]), int(m[2]), int(m[3]) if m[3] else None
    elif m := _DMY.match(text):
        day, month, year = int(m[1]), int(m[2]), int(m[3])
        if len(m[3]) == 2:
            this = dt.date.today().year
            year += 2000 if 2000 + year <= this + 1 else 1900
        if month > 12 and day <= 12:
            raise ValueError(f"month {month} does not exist (the day comes first: dd.mm.yyyy)")
    elif m := _MY.match(text):
        month, year = int(m[1]), int(m[2])
    elif _Y.match(text):
        return text
    else:
        raise ValueError("not a date")
    if not 1 <= month <= 12:
        raise ValueError(f"month {month} does not exist")
    if day is None:
        return f"{year:04d}-{month:02d}"
    try:
        return dt.date(year, month, day).isoformat()
    except ValueError:
        raise ValueError(f"day {day} does not exist in {year:04d}-{month:02d}") from None


# ------------------------------------------------------------------------------------------ categories

CATEGORY_FIELDS = ("phase", "pilot", "county", "actor")  # values the dashboards group and filter by
_PHASE = re.compile(r"(?:fase\s*)?(\d+)", re.I)


def phase_value(value: str) -> str:
    """A phase as stored: ``fase N`` for ``Fase 1``, ``fase1``, ``FASE 01`` or a bare ``1``; any
    other text as written."""
    m = _PHASE.fullmatch(value.strip())
    return f"fase {int(m[1])}" if m else value


def spelling_key(value: str) -> str:
    """What two spellings of one category value share: NFC, letter case and spacing left out."""
    return re.sub(r"\s+", "", nfc(value)).casefold()


def align_spellings(rows: Sequence[TableRow], known: dict[str, Sequence[str]]) -> list[str]:
    """Store one spelling per category value (``CATEGORY_FIELDS``; a ``fase N`` phase is already one):
    a value in ``rows`` that differs from one in ``known`` (``{field: values in the database}``,
    a pilot of a source and of a speaker alike) or from one in an earlier row only in letter case or
    spacing is changed to that spelling in its row. Returns one warning per table, field and
    spelling changed, naming the first row and both spellings."""
    first: dict[tuple[str, str], tuple[str, str]] = {}  # (field, key) -> (spelling, where it is from)
    for name, values in known.items():
        for value in values:
            if value:
                first.setdefault((name, spelling_key(value)), (value, "already in the database"))
    changed: dict[tuple[Path, str, str], list[TableRow]] = {}
    for row in rows:
        for name in CATEGORY_FIELDS:
            value = row.values.get(name)
            if not value or (name == "phase" and _PHASE.fullmatch(value)):
                continue
            spelling, _ = first.setdefault((name, spelling_key(value)), (value, f"of {row.where}"))
            if spelling != value:
                row.values[name] = spelling
                changed.setdefault((row.table, name, value), []).append(row)
    warnings = []
    for (_, name, value), same in changed.items():
        spelling, origin = first[(name, spelling_key(value))]
        also = f" (also row{'s' if len(same) > 2 else ''} {', '.join(str(r.number) for r in same[1:])})"
        warnings.append(f"{same[0].where}{also if len(same) > 1 else ''}: {name} {value!r} is stored as "
                        f"{spelling!r}, the spelling {origin}, as the two differ only in letter case or spacing; "
                        "write it the same way to silence this warning")
    return warnings


# ------------------------------------------------------------------------------------------ rows

@dataclass
class TableRow:
    """One row of a manifest or participants table, with where it came from."""

    table: Path
    number: int
    file: str  # as written, '/'-separated; "*" for every file (participants)
    values: dict[str, Any]
    explicit: bool = False  # from --manifest / --participants

    @property
    def parts(self) -> tuple[str, ...]:
        return path_parts(self.file)

    @property
    def where(self) -> str:
        return f"{self.table.name}: row {self.number}"


def path_parts(value: str) -> tuple[str, ...]:
    """The components of a path as written in a table (``\\`` or ``/``; ``.``, ``..`` and a drive dropped)."""
    parts = [p for p in nfc(value).replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if parts and re.fullmatch(r"[A-Za-z]:", parts[0]):
        parts = parts[1:]
    return tuple(parts)


#: where the metadata of a table row is stored: its length limit is the column's
_COLUMNS = {"source": ("phase", "pilot", "county", "media"), "speaker": ("actor", "organisation", "pilot", "name")}


def column_limit(table: str, name: str) -> int | None:
    """How many characters the database keeps of field ``name`` of a "source" or "speaker"."""
    from ..store.models import Source, Speaker

    model = Source if table == "source" else Speaker
    return getattr(model.__table__.c[name].type, "length", None) if name in model.__table__.c else None


def too_long(table: str, values: dict[str, Any]) -> str | None:
    """The first value of ``values`` longer than its database column allows (``table``: "source" or
    "speaker"), as the end of a one-line error; None when all fit. PostgreSQL refuses such a value
    with a traceback and SQLite stores it, so a project would fail later when moved: both refuse it here."""
    for name in _COLUMNS[table]:
        value = values.get(name)
        limit = column_limit(table, name)
        if value is not None and limit and len(str(value)) > limit:
            return (f"{name} {str(value)[:30] + '…'!r} is {len(str(value))} characters; the database keeps at most "
                    f"{limit}: shorten it")
    return None


def manifest_rows(path: Path, *, explicit: bool = False) -> tuple[list[TableRow], list[str]]:
    """Every row of a manifest (values validated: kind, language, date as ISO) and every error,
    each one line naming the table, the row, the file and the fix."""
    path = Path(path)
    try:
        table = read_table(path, ("file",), MANIFEST_COLUMNS[1:])
    except InputError as exc:
        return [], [str(exc)]
    rows, errors = [], []
    for number, rec in table:
        file = "/".join(path_parts(rec.get("file", "")))
        if not file:
            errors.append(f"{path.name}: row {number}: the 'file' column is empty; give the file name")
            continue
        name = path_parts(file)[-1]
        kind = rec.get("kind", "").lower() or None
        if kind is not None and kind not in KINDS:
            errors.append(f"{path.name}: row {number} ({name}): kind {rec['kind']!r} is not allowed; "
                          f"use one of {', '.join(KINDS)}")
        language = rec.get("language", "").lower().replace(" ", "") or None
        if language is not None and language not in LANGUAGES:
            errors.append(f"{path.name}: row {number} ({name}): language {rec['language']!r} is not allowed; "
                          f"use one of {', '.join(LANGUAGES)}")
        date = rec.get("date") or None
        if date is not None:
            try:
                date = parse_date(date)
            except ValueError as exc:
                errors.append(f"{path.name}: row {number} ({name}): date {rec['date']!r} cannot be read ({exc}); "
                              f"write it as {DATE_FORMS}")
        delete_by = rec.get("delete_by") or None
        if delete_by is not None:
            try:
                delete_by = parse_date(delete_by)
                if len(delete_by) != 10:
                    raise ValueError("give the day too")
            except ValueError as exc:
                errors.append(f"{path.name}: row {number} ({name}): delete_by {rec['delete_by']!r} cannot be read "
                              f"({exc}); write it as {DATE_FORMS}")
                delete_by = None
        values = {"delete_by": delete_by,
                  "kind": kind, "phase": phase_value(rec.get("phase", "")) or None, "pilot": rec.get("pilot") or None,
                  "county": rec.get("county") or None, "date": date, "language": language,
                  "media": rec.get("media") or None}
        problem = too_long("source", values)
        if problem:
            errors.append(f"{path.name}: row {number} ({name}): {problem}")
        rows.append(TableRow(path, number, file, values, explicit))
    return rows, errors


def participant_rows(path: Path, *, explicit: bool = False) -> tuple[list[TableRow], list[str]]:
    """Every row of a participants table (``values``: speaker, actor, organisation, pilot, name) and
    every error."""
    path = Path(path)
    try:
        table = read_table(path, ("file", "speaker"), PARTICIPANT_COLUMNS[2:])
    except InputError as exc:
        return [], [str(exc)]
    rows, errors = [], []
    for number, rec in table:
        # "Kari  Nordmann", "Kari\u00a0Nordmann" (Excel, a pasted name): one space, as in the transcript
        speaker = " ".join((rec.get("speaker") or "").split())
        if not speaker:
            errors.append(f"{path.name}: row {number}: the 'speaker' column is empty; "
                          "give the label exactly as written in the file")
            continue
        file = "/".join(path_parts(rec.get("file", ""))) or "*"  # empty or '*': every file
        values = {"speaker": speaker, "actor": rec.get("actor") or None, "organisation": rec.get("organisation") or None,
                  "pilot": rec.get("pilot") or None, "name": rec.get("name") or None}
        problem = too_long("speaker", values)
        if problem:
            errors.append(f"{path.name}: row {number} ({speaker}): {problem}")
        rows.append(TableRow(path, number, file, values, explicit))
    return rows, errors


def read_manifest(path: Path) -> dict[str, dict[str, str | None]]:
    """{file as written: {kind, phase, pilot, county, date, language}}, validated; the first error
    (bad value, unreadable date, two rows giving one file different values) is raised."""
    rows, errors = manifest_rows(path)
    result: dict[str, dict[str, str | None]] = {}
    if not errors:
        by_file: dict[str, list[TableRow]] = {}
        for row in rows:
            by_file.setdefault(row.file, []).append(row)
        for file, same in by_file.items():
            values, problem = merge_rows(same, META_FIELDS, file)
            if problem:
                errors.append(problem)
            result[file] = values
    if errors:
        raise InputError(errors[0])
    return result


def read_participants(path: Path) -> dict[str, list[Participant]]:
    """{file as written (or '*'): [Participant]}; the first error (empty speaker, one label given
    two different actors for one file) is raised."""
    rows, errors = participant_rows(path)
    result: dict[str, list[Participant]] = {}
    if not errors:
        by_file: dict[str, list[TableRow]] = {}
        for row in rows:
            by_file.setdefault(row.file, []).append(row)
        for file, same in by_file.items():
            people, problems = roster_from_rows(same, file)
            errors += problems
            result[file] = list(people.values())
    if errors:
        raise InputError(errors[0])
    return result


# ------------------------------------------------------------------------------------------ batch

def merge_rows(rows: Sequence[TableRow], fields: Sequence[str], what: str) -> tuple[dict[str, Any], str | None]:
    """The values of rows describing one thing: merged where they agree or one is empty; the
    first field two rows give different non-empty values is returned as a one-line error."""
    merged: dict[str, Any] = {f: None for f in fields}
    source: dict[str, TableRow] = {}
    for row in rows:
        for f in fields:
            v = row.values.get(f)
            if v is None:
                continue
            if merged[f] is None:
                merged[f] = v
                source[f] = row
            elif merged[f] != v:
                first = source[f]
                places = (f"{first.table.name} rows {first.number} and {row.number}" if first.table == row.table
                          else f"{first.where} and {row.where}")
                return merged, (f"{places} give {what} two different {f} values ({merged[f]!r} and {v!r}); "
                                "keep one row, or make them agree")
    return merged, None


def roster_from_rows(rows: Sequence[TableRow], what: str) -> tuple[dict[str, Participant], list[str]]:
    """{label: Participant} from participants rows for one file (or all '*' rows); a label given
    two different actors (organisations, pilots, names) is an error naming both rows."""
    by_label: dict[str, list[TableRow]] = {}
    for row in rows:
        by_label.setdefault(row.values["speaker"], []).append(row)
    people, errors = {}, []
    for label, same in by_label.items():
        values, problem = merge_rows(same, PERSON_FIELDS, f"speaker {label!r} of {what}")
        if problem:
            errors.append(problem)
        people[label] = Participant(speaker=label, **values)
    return people, errors


@dataclass
class FileRef:
    """A file of the batch: its path, its path relative to the folder given (the bare name for a
    file given alone), that folder's own name, and the source name chosen for it."""

    path: Path
    rel: str
    base: str = ""
    name: str = ""
    error: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    described: bool = False  # a manifest row names it
    people: dict[str, Participant] = field(default_factory=dict)
    in_roster: bool = False  # a participants row names it (not only '*' rows)
    optional: bool = False  # a folder's table or JSON file that does not look like a transcript

    @property
    def bare(self) -> str:
        return nfc(self.path.name)

    @property
    def named(self) -> bool:
        """Whether a manifest or participants row names this file."""
        return self.described or self.in_roster

    @property
    def parts(self) -> tuple[str, ...]:
        rel = tuple(self.rel.split("/"))
        return ((self.base,) + rel) if self.base else rel


def _matches(row: TableRow, ref: FileRef) -> bool:
    want, have = row.parts, ref.parts
    n = min(len(want), len(have))
    return n > 0 and want[-n:] == have[-n:]


def _assign(rows: list[TableRow], refs: list[FileRef], errors: list[str]) -> dict[int, list[TableRow]]:
    """{index of ref: rows naming it}; a row naming several files of the batch is an error."""
    found: dict[int, list[TableRow]] = {}
    for row in rows:
        if row.file == "*":
            continue
        exact = [i for i, r in enumerate(refs) if r.rel == row.file]
        hits = exact or [i for i, r in enumerate(refs) if _matches(row, r)]
        if len(hits) > 1:
            names = ", ".join(refs[i].rel for i in hits[:4]) + (" ..." if len(hits) > 4 else "")
            errors.append(f"{row.where} ({row.file}) names {len(hits)} files of this batch ({names}); "
                          "write the path relative to the folder, e.g. " + refs[hits[0]].rel)
            continue
        for i in hits:
            found.setdefault(i, []).append(row)
    return found


def missing_files(rows: list[TableRow], refs: list[FileRef], folder: Path) -> list[str]:
    """A warning for each row (of a table in ``folder``, which the batch reads whole) that names no
    file of the batch, with the line and, when a file's name differs only in letter case or by a
    typo, that file's name."""
    import difflib

    warnings = []
    for row in rows:
        if row.file == "*" or any(r.rel == row.file or _matches(row, r) for r in refs):
            continue
        want = tuple(p.casefold() for p in row.parts)
        same = [r.rel for r in refs if tuple(p.casefold() for p in r.parts[-len(want):]) == want]
        if not same and (folder / row.file).exists():
            continue  # there, but skipped (a file type not read, a link out of the folder): said already
        close = same or difflib.get_close_matches(row.file, [r.rel for r in refs], n=1, cutoff=0.8)
        warnings.append(f"{row.table.name}:{row.number}: {row.file!r} is not in the folder; "
                        + (f"did you mean {close[0]!r}?" if close else "check the name"))
    return warnings


def describe(refs: list[FileRef], manifest: list[TableRow], participants: list[TableRow]) -> list[str]:
    """Fill each ref's ``meta`` and ``people`` from the tables' rows; every conflict is returned as
    a one-line error naming the rows (nothing is guessed)."""
    errors: list[str] = []
    for i, rows in _assign(manifest, refs, errors).items():
        chosen = [r for r in rows if r.explicit] or rows
        values, problem = merge_rows(chosen, META_FIELDS, refs[i].name or refs[i].rel)
        if problem:
            errors.append(problem)
        refs[i].meta, refs[i].described = values, True

    star = [r for r in participants if r.file == "*"]
    star_people: dict[str, Participant] = {}
    for tier in ([r for r in star if not r.explicit], [r for r in star if r.explicit]):  # explicit wins
        people, problems = roster_from_rows(tier, "every file ('*')")
        errors += problems
        star_people.update(people)
    for ref in refs:
        ref.people = dict(star_people)
    for i, rows in _assign(participants, refs, errors).items():
        chosen = [r for r in rows if r.explicit] or rows
        people, problems = roster_from_rows(chosen, refs[i].name or refs[i].rel)
        errors += problems
        refs[i].people.update(people)  # a row for the file wins over a '*' row
        refs[i].in_roster = True
    return list(dict.fromkeys(errors))
