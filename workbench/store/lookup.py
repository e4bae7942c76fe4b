"""Finding things the user names: a source by id or file name, a value of a filter.

One resolver for every command and page, so that `workbench turns X`, `workbench code X ...`
and the suggestion commands accept the same references and answer with the same message;
``match_value`` is the one check of a named value (a coder, an actor, a phase ...) against the
values that exist, for every filter of the dashboards, exports and searches.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any, Iterable, Sequence

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


# Norwegian nouns of the filters, for the app's text of ``filter.unknown``
FILTER_NOUNS = {"actor": "aktør", "phase": "fase", "pilot": "pilot", "kind": "kildetype", "county": "fylke",
                "speaker": "taler", "source": "kilde", "coder": "koder", "user": "bruker",
                "action": "hendelsestype"}
PLURALS = {"county": "counties"}
SHOWN_VALUES = 12  # values listed in a message; the rest are counted


def _folded(text: str) -> str:
    """A value as compared leniently: NFC, case-folded, runs of whitespace as one space."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(text))).strip().casefold()


def list_separator(values: Sequence[str]) -> str:
    """", " between listed values, or "; " when one of them has a comma ("Fase 2, gjennomføring")."""
    return "; " if any("," in v for v in values) else ", "


def _listed(option: str, values: Sequence[str], extra: Sequence[str] = (), limit: int = SHOWN_VALUES) -> str:
    """The known values for a message, e.g. ``known phases: fase 1, fase 2`` (at most ``limit``,
    then a count; the ``extra`` choices after)."""
    shown = list(values[:limit])
    sep = list_separator(shown)
    if len(values) > limit:
        shown.append(f"(+{len(values) - limit} more)")
    text = f"known {PLURALS.get(option, option + 's')}: {sep.join(shown) or '(none yet)'}"
    return text + (f" (or {' or '.join(repr(e) for e in extra)})" if extra else "")


def match_value(option: str, value: Any, known: Iterable[str], *, reason: str = "is not in the database",
                extra: Sequence[str] = (), allowed: Sequence[str] = (), limit: int = SHOWN_VALUES) -> str:
    """The known value that ``value`` names, for the filter ``option`` (actor, phase, coder ...).

    An exact match wins; else the one known value equal to it ignoring letter case, Unicode form
    and runs of whitespace ("Fase 2" -> "fase 2"). ``allowed`` values (e.g. "(ukjent)") and
    ``extra`` ones (e.g. 'all', also listed in the message) are accepted as they are. Anything
    else is ``NotFound`` (code ``filter.unknown``), one line naming the option, the value, the
    closest known values ("did you mean") and the known values (at most ``limit``)."""
    text = str(value)
    known = [str(k) for k in known]
    if text in known or text in extra or text in allowed:
        return text
    folded = _folded(text)
    same = [k for k in known if _folded(k) == folded]
    if len(same) == 1:
        return same[0]
    if not same:
        by_fold: dict[str, list[str]] = {}
        for k in known:
            by_fold.setdefault(_folded(k), []).append(k)
        same = [k for f in difflib.get_close_matches(folded, list(by_fold), n=3, cutoff=0.6) for k in by_fold[f]]
    hint = f"did you mean {or_list(same)}? " if same else ""
    suggestion = (" Mente du " + " eller ".join(f"«{c}»" for c in same) + "?") if same else ""
    choices = list_separator(known[:limit]).join(known[:limit]) + (" …" if len(known) > limit else "") if known else "(ingen ennå)"
    raise NotFound(f"{option} {text!r} {reason}; {hint}{_listed(option, known, extra, limit)}",
                   code="filter.unknown", option=option, noun=FILTER_NOUNS.get(option, option), value=text,
                   known=known, close=same, suggestion=suggestion, choices=choices)
