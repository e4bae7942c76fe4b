"""Finding things the user names: a source by id or file name.

One resolver for every command and page, so that `workbench turns X`, `workbench code X ...`
and the suggestion commands accept the same references and answer with the same message.
"""

from __future__ import annotations

import difflib
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from .models import Source


def find_source(session: Session, ref: Any) -> Source:
    """The source named by ``ref``: a Source, an id, a numeric string or a file name.

    A file name matches exactly, else by its last path component, else case-insensitively; names
    are compared in Unicode NFC (a name typed or stored decomposed, as macOS writes them, matches).
    """
    if isinstance(ref, Source):
        return ref
    text = unicodedata.normalize("NFC", str(ref).strip())
    if isinstance(ref, int) or text.isdigit():
        source = session.get(Source, int(text))
        if source is not None:
            return source
    source = session.scalar(select(Source).where(Source.file_name == text))
    if source is not None:
        return source
    names = list(session.scalars(select(Source.file_name).order_by(Source.file_name)))
    wanted = text.replace("\\", "/").rsplit("/", 1)[-1]
    nfc = {n: unicodedata.normalize("NFC", n) for n in names}  # names stored before they were NFC
    for candidates in (
        [n for n in names if nfc[n] == text],
        [n for n in names if nfc[n].replace("\\", "/").rsplit("/", 1)[-1] == wanted],
        [n for n in names if nfc[n].lower() == text.lower()],
        [n for n in names if nfc[n].replace("\\", "/").rsplit("/", 1)[-1].lower() == wanted.lower()],
    ):
        if len(candidates) == 1:
            return session.scalar(select(Source).where(Source.file_name == candidates[0]))
    if not names:
        raise NotFound(f"unknown source {text!r}: the database has no sources yet; "
                       "run `workbench ingest FOLDER` first", code="source.none", source=text)
    close = difflib.get_close_matches(text, names, n=3, cutoff=0.5)
    hint = f"; did you mean {or_list(close)}?" if close else ""
    shown = ", ".join(names[:12]) + (f" (+{len(names) - 12} more)" if len(names) > 12 else "")
    raise NotFound(f"unknown source {text!r}; known files: {shown}{hint} (or give the source id)",
                   code="source.not_found", source=text)


def or_list(items: list[str]) -> str:
    """'a', 'a' or 'b', 'a', 'b' or 'c'."""
    quoted = [repr(i) for i in items]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " or " + quoted[-1]
