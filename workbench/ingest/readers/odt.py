"""OpenDocument text (odfpy): headings and paragraphs in document order."""

from __future__ import annotations

import zipfile
from pathlib import Path

from ...errors import InputError
from ..model import Parsed, Turn


def read(path: Path, roster: set[str] | None = None, **_: object) -> Parsed:
    from odf import opendocument, teletype
    from odf.namespaces import TEXTNS

    try:
        doc = opendocument.load(str(path))
    except (zipfile.BadZipFile, KeyError, ValueError, Exception) as exc:
        raise InputError(f"{path.name}: not a readable OpenDocument text ({type(exc).__name__}); "
                         "open and save it again as .odt") from None
    turns: list[Turn] = []
    heading: str | None = None
    counter = 0

    def walk(node):
        nonlocal heading, counter
        for child in node.childNodes:
            if child.nodeType != child.ELEMENT_NODE:
                continue
            if child.qname == (TEXTNS, "h"):
                counter += 1
                text = " ".join(teletype.extractText(child).split())
                if text:
                    heading = text
            elif child.qname == (TEXTNS, "p"):
                counter += 1
                text = " ".join(teletype.extractText(child).split())
                if text:
                    turns.append(Turn(text=text, heading=heading, line=counter))
            else:
                walk(child)

    walk(doc.text)
    return Parsed(turns, "odt", "dokument")
