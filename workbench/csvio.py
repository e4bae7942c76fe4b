"""Reading a CSV file a user made in a spreadsheet: UTF-8 with or without BOM, comma or
semicolon, one-line errors that name the file and the row (the header is row 1)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from .errors import InputError, NotFound


def open_csv(path: str | Path, columns: str):
    """(header cells, a csv reader past the header). ``columns`` says what the first row must be,
    for the message on an empty file (e.g. "unit,coder,value"). ``reader.line_num`` is the row."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise NotFound(f"{path}: file not found") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read the file ({exc.strerror})") from None
    try:
        content = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise InputError(f"{path.name} row {line}: the file is not UTF-8; save it as 'CSV UTF-8'") from None
    first = content.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    header = next(reader, None)
    if header is None:
        raise InputError(f"{path.name}: the file is empty; the first row must be {columns}")
    return header, reader
