"""Word documents (python-docx): transcripts with "Label:" paragraphs, else documents by heading."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ...errors import InputError
from ..model import Parsed, Turn
from ..text import split_turns

HEADING_STYLES = ("heading", "overskrift", "title", "tittel")


def read(path: Path, roster: set[str] | None = None, *, force_notes: bool = False) -> Parsed:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError) as exc:
        raise InputError(f"{path.name}: not a readable Word document ({type(exc).__name__}); "
                         "open and save it again in Word, or export it as .docx") from None
    paragraphs: list[tuple[str, int, bool]] = []
    for number, p in enumerate(document.paragraphs, start=1):
        style = (p.style.name if p.style is not None else "") or ""
        is_heading = style.casefold().startswith(HEADING_STYLES)
        # Soft line breaks inside a paragraph become spaces; the paragraph is the unit.
        text = " ".join(p.text.replace("\r", "\n").split("\n")).strip()
        paragraphs.append((text, number, is_heading))
    lines = [(t, n) for t, n, _ in paragraphs]
    if not force_notes:
        result = split_turns(lines, sorted(roster) if roster else None, path.name)
        if result is not None:
            turns, preamble, warnings = result
            return Parsed(turns, "docx", "transcript", warnings, preamble)
    turns = []
    heading = None
    for text, number, is_heading in paragraphs:
        if not text:
            continue
        if is_heading:
            heading = text
            continue
        turns.append(Turn(text=text, heading=heading, line=number))
    return Parsed(turns, "docx", "dokument")
