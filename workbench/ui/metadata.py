"""The Kilder page's «Endre metadata» form, around ``ingest.metadata.set_metadata``: the values the
form shows, which of them the user edited, and what the library changed as one Norwegian line.

No research logic here: what a value may be, how it is spelt, what follows a new actor (a new
pseudonym, released quotes) is the library's; this module only reads the form and words the answer.
"""

from __future__ import annotations

import zlib
from typing import Any, Iterable

import pandas as pd

from .format import MISSING, md_escape

NONE_CHOICE = "(ingen)"  # the choice that empties a field
SOURCE_FORM = {"kind": "Type", "phase": "Fase", "pilot": "Pilot", "county": "Fylke", "date": "Dato",
               "language": "Språk"}
SPEAKER_FORM = {"actor": "Aktør", "organisation": "Organisasjon", "pilot": "Pilot"}
LANGUAGE_LABELS = {"nb": "bokmål (nb)", "nn": "nynorsk (nn)", "nb+nn": "bokmål og nynorsk (nb+nn)"}
FIELD_WORDS = {"kind": "type", "phase": "fase", "pilot": "pilot", "county": "fylke", "date": "dato",
               "language": "språk", "delete_by": "slettes innen", "actor": "aktør", "organisation": "organisasjon",
               "media": "opptak"}
SOURCE_HEADINGS = {"file": "Kilde", "kind": "Type", "phase": "Fase", "pilot": "Pilot", "county": "Fylke",
                   "date": "Dato", "language": "Språk", "turns": "Segmenter", "words": "Ord", "speakers": "Talere"}


def text(value: Any) -> str:
    """A stored value as the form holds it: "" for none (or the «(ingen)» choice), spacing tidied."""
    if value is None or value == NONE_CHOICE:
        return ""
    return " ".join(str(value).split())


def shown_values(source: dict) -> tuple[dict[str, str], list[tuple[str, dict[str, str]]]]:
    """What the form shows for a source of ``ingest.list_sources``: {field: text} for the source
    and [(label, {field: text})] for its speakers (withdrawn ones left out: nothing of theirs changes)."""
    fields = {f: text(source.get(f)) for f in SOURCE_FORM}
    speakers = [(sp["label"], {f: text(sp.get(f)) for f in SPEAKER_FORM})
                for sp in source.get("speakers", []) if not sp.get("withdrawn")]
    return fields, speakers


def form_id(source_id: int, shown: tuple) -> str:
    """The form's key prefix: the source and a fingerprint of what it shows, so a change saved (here,
    in another window or on the command line) draws the form again from the stored values."""
    return f"meta_{source_id}_{zlib.crc32(repr(shown).encode('utf-8')):08x}"


def choices(known: Iterable[str], current: str) -> list[str]:
    """«(ingen)» and the known values, with the current one among them."""
    values = [v for v in known if v]
    if current and current not in values:
        values.append(current)
    return [NONE_CHOICE] + values


def edited(shown: dict[str, str], now: dict[str, Any]) -> dict[str, str]:
    """The fields whose value in the form (``now``) differs from what it showed: only those are
    sent, so a field changed elsewhere meanwhile is not written back with the old value."""
    return {f: text(v) for f, v in now.items() if text(v) != shown.get(f, "")}


def sources_table(sources: list[dict]) -> pd.DataFrame:
    """The sources with their metadata, Norwegian headings, «–» for a value not given."""
    rows = [{**{f: s.get(f) for f in SOURCE_HEADINGS if f != "speakers"}, "speakers": len(s.get("speakers", []))}
            for s in sources]
    out = pd.DataFrame(rows, columns=list(SOURCE_HEADINGS)).rename(columns=SOURCE_HEADINGS)
    for column in ("Type", "Fase", "Pilot", "Fylke", "Dato", "Språk"):
        out[column] = out[column].map(lambda v: MISSING if v is None or pd.isna(v) or v == "" else str(v))
    return out


def _quoted(value: Any) -> str:
    return f"«{md_escape(value)}»"


def _change(name: str, before: Any, after: Any, *, capital: bool) -> str:
    word = FIELD_WORDS.get(name, name)
    if name == "name":  # a real name is never shown, only that one was given
        said = "navn lagt til" if before is None else "navn fjernet" if after is None else "navn endret"
    elif before is None:
        said = f"{word} satt til {_quoted(after)}"
    elif after is None:
        said = f"{word} tømt (var {_quoted(before)})"
    else:
        said = f"{word} endret fra {_quoted(before)} til {_quoted(after)}"
    return said[:1].upper() + said[1:] if capital else said


def change_text(update) -> str:
    """What a ``MetadataUpdate`` changed, in Norwegian Markdown (research text escaped), e.g.
    "Lagret for fg.txt: Fase endret fra «fase 1» til «fase 2». Taleren «PL»: aktør endret fra
    «prosjektleder» til «ordfører» (pseudonym «Prosjektleder 1» → «Ordfører 1»)."""
    if not update.changed:
        return "Ingen endringer å lagre: verdiene i skjemaet er de som alt er lagret."
    parts = [_change(f, b, a, capital=True) + "." for f, (b, a) in update.source.items()]
    for label in update.speaker_labels():
        changes = update.speakers.get(label, {})
        moved = update.pseudonym_change(label)
        said = f"Taleren {_quoted(label)}: " + ", ".join(_change(f, b, a, capital=False)
                                                        for f, (b, a) in changes.items())
        if moved:
            arrow = f"{_quoted(moved[0] or NONE_CHOICE)} → {_quoted(moved[1] or NONE_CHOICE)}"
            said += f" (pseudonym {arrow})" if changes else f"pseudonym {arrow}"
        parts.append(said + ".")
    if update.released_quotes:
        n = update.released_quotes
        parts.append(f"{n} frigitt{'e' if n > 1 else ''} sitat{'er' if n > 1 else ''} oppdatert.")
    return f"Lagret for {md_escape(update.file)}: " + " ".join(parts)


# ------------------------------------------------------------------ «Faserekkefølge» (phase_order)

UNSET_ORDER = "fasene står etter tallene i navnene, eller etter kildenes tidligste dato"


def phase_arrow(phases: Iterable[str]) -> str:
    """«fase 1» → «fase 2» (Markdown, research text escaped)."""
    return " → ".join(_quoted(p) for p in phases)


def phase_order_caption(order: list[str], stored: str | None) -> str:
    """The order the project uses now (``analysis.aggregate.order_phases`` of the sources' phases)
    and whether the ``phase_order`` setting gives it."""
    if not order:
        return ("Ingen kilde har fase ennå. Gi kildene fase (under «Endre metadata» eller i manifest.csv), "
                "så kan rekkefølgen settes her.")
    if stored:
        return f"Rekkefølgen nå: {phase_arrow(order)} (satt i prosjektet)."
    return f"Rekkefølgen nå: {phase_arrow(order)} (ikke satt: {UNSET_ORDER})."


def phase_order_key(order: list[str], stored: str | None) -> str:
    """The text box's key: a fingerprint of the stored setting and the order shown, so a saved
    order (here, in another window or on the command line) fills the box anew."""
    return f"phase_order_{zlib.crc32(repr((stored, list(order))).encode('utf-8')):08x}"


def phase_order_saved(saved: str | None, phases: list[str]) -> str:
    """What «Lagre rekkefølge» did, in Norwegian Markdown: ``saved`` is ``set_setting``'s answer
    (the names as the sources have them; None when the text unset it)."""
    if saved is None:
        return phase_order_reset()
    from ..sharing import split_phases

    named = split_phases(saved)
    rest = [p for p in phases if p not in named]
    said = (f"Faserekkefølgen er lagret: {phase_arrow(named)}. Oversikten, eksportene og figurene bruker den nå.")
    if rest:
        said += f" {phase_arrow(rest)} er ikke nevnt og står etter de andre fasene."
    return said


def phase_order_reset() -> str:
    return f"Faserekkefølgen er tilbakestilt: {UNSET_ORDER}."
