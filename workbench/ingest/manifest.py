"""Manifest (one row per source) and participants roster (one row per speaker per source).

Both are read from .csv (UTF-8, with or without BOM; comma or semicolon) or .xlsx (openpyxl).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError

MANIFEST_COLUMNS = ("file", "kind", "phase", "pilot", "county", "date", "language")
PARTICIPANT_COLUMNS = ("file", "speaker", "actor", "organisation", "pilot", "name")
KINDS = ("fokusgruppe", "intervju", "dialogkonferanse", "observasjon", "dokument")
LANGUAGES = ("nb", "nn", "nb+nn")
NOTES_KINDS = ("dialogkonferanse", "dokument")  # kinds whose .txt/.md are read as notes


@dataclass
class Participant:
    speaker: str
    actor: str | None = None
    organisation: str | None = None
    pilot: str | None = None
    name: str | None = None  # the real name, when the label is not one (for scrubbing)


def read_table(path: Path, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV/XLSX file as (row number in the file, {column: value}), header checked."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        rows = _xlsx_rows(path)
    elif suffix in (".csv", ".txt"):
        rows = _csv_rows(path)
    else:
        raise InputError(f"{path.name}: unsupported table format {suffix!r}; use .csv or .xlsx")
    if not rows:
        raise InputError(f"{path.name}: the file is empty; expected a header row with {', '.join(required)}")
    header = [h.strip().lower() for h in rows[0]]
    missing = [c for c in required if c not in header]
    if missing:
        raise InputError(f"{path.name}: row 1 lacks column(s) {', '.join(missing)}; "
                         f"the header must name {','.join(required + optional)}")
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if not any((v or "").strip() for v in row):
            continue
        rec = {h: (row[i].strip() if i < len(row) and row[i] is not None else "") for i, h in enumerate(header)}
        out.append((number, rec))
    return out


def _csv_rows(path: Path) -> list[list[str]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


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


def read_manifest(path: Path) -> dict[str, dict[str, str | None]]:
    """{file name: {kind, phase, pilot, county, date, language}} with kind and language validated."""
    path = Path(path)
    result: dict[str, dict[str, str | None]] = {}
    for number, rec in read_table(path, ("file",), MANIFEST_COLUMNS[1:]):
        name = Path(rec.get("file", "").replace("\\", "/")).name
        if not name:
            raise InputError(f"{path.name}: row {number}: the 'file' column is empty; give the file name")
        kind = rec.get("kind", "").lower() or None
        if kind is not None and kind not in KINDS:
            raise InputError(f"{path.name}: row {number} ({name}): kind {rec['kind']!r} is not allowed; "
                             f"use one of {', '.join(KINDS)}")
        language = rec.get("language", "").lower().replace(" ", "") or None
        if language is not None and language not in LANGUAGES:
            raise InputError(f"{path.name}: row {number} ({name}): language {rec['language']!r} is not allowed; "
                             f"use one of {', '.join(LANGUAGES)}")
        result[name] = {"kind": kind, "phase": rec.get("phase") or None, "pilot": rec.get("pilot") or None,
                        "county": rec.get("county") or None, "date": rec.get("date") or None,
                        "language": language}
    return result


def read_participants(path: Path) -> dict[str, list[Participant]]:
    """{file name: [Participant]}; a row with an empty file (or '*') applies to every file."""
    path = Path(path)
    result: dict[str, list[Participant]] = {}
    for number, rec in read_table(path, ("file", "speaker"), PARTICIPANT_COLUMNS[2:]):
        speaker = rec.get("speaker", "")
        if not speaker:
            raise InputError(f"{path.name}: row {number}: the 'speaker' column is empty; "
                             "give the label exactly as written in the file")
        name = Path(rec.get("file", "").replace("\\", "/")).name or "*"
        result.setdefault(name, []).append(Participant(
            speaker=speaker, actor=rec.get("actor") or None,
            organisation=rec.get("organisation") or None, pilot=rec.get("pilot") or None,
            name=rec.get("name") or None))
    return result
