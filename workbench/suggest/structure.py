"""What suggestions take from the codebook's structure and the corpus: mutually exclusive
siblings (the codebook's ``exclusive_with``), code families (a child implies its parent), and
whose turns get no suggestions by default (the interviewers')."""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import select

from ..access import requires
from ..store import CodebookVersion, Database

__all__ = ["INTERVIEWERS", "codebook_exclusive", "exclusive_from_content", "family_of", "ancestors",
           "apply_structure", "conflicts", "spans_overlap"]

#: Actors whose turns get no suggestions unless asked (the evaluators' own questions), the same
#: counting rule as the dashboards' ``RESEARCHER_ACTORS``.
INTERVIEWERS = ("forsker",)


def exclusive_from_content(content: dict[str, Any] | None) -> dict[str, list[str]]:
    """Code id -> sorted ids of the siblings it excludes, from a codebook version's content
    (``exclusive_with`` made symmetric); {} for none."""
    out: dict[str, set[str]] = {}

    def walk(code: dict[str, Any]) -> None:
        cid = code.get("id")
        for other in code.get("exclusive_with") or ():
            if cid:
                out.setdefault(cid, set()).add(str(other))
                out.setdefault(str(other), set()).add(cid)
        for child in code.get("children") or ():
            if isinstance(child, dict):
                walk(child)

    codes = (content or {}).get("codes") or {}
    items: Iterable[Any] = codes.items() if isinstance(codes, dict) else ((c.get("id"), c) for c in codes)
    for key, code in items:
        if isinstance(code, dict):
            walk({"id": key, **code} if "id" not in code else code)
    return {c: sorted(v) for c, v in sorted(out.items())}


@requires("view_codebook")
def codebook_exclusive(db: Database, *, user: str | None = None) -> dict[str, list[str]]:
    """The mutually exclusive siblings of the newest codebook version (see docs/codebook.md)."""
    with db.session() as s:
        content = s.scalar(select(CodebookVersion.content).order_by(CodebookVersion.id.desc()).limit(1))
    return exclusive_from_content(content)


def family_of(code: str) -> str:
    """The theme a code belongs to: the first part of its dotted id (``styring.topdown`` -> ``styring``)."""
    return code.split(".", 1)[0]


def ancestors(code: str) -> list[str]:
    """The codes above a code, nearest first: a child's id starts with its parent's id + "."
    (``kontrakt.formaal.deling`` -> ``kontrakt.formaal``, ``kontrakt``)."""
    parts = code.split(".")
    return [".".join(parts[:k]) for k in range(len(parts) - 1, 0, -1)]


def spans_overlap(a_start: int | None, a_end: int | None, b_start: int | None, b_end: int | None) -> bool:
    """Do two spans overlap (a None start or end = the whole text)?"""
    if a_start is None or a_end is None or b_start is None or b_end is None:
        return True
    return a_start < b_end and b_start < a_end


def conflicts(code: str, other: str, exclusive: dict[str, Iterable[str]] | None) -> bool:
    """May ``code`` not stand beside ``other`` on an overlapping span? True when they are
    exclusive siblings, or ``code`` is a parent of ``other`` (the child says more)."""
    return other in set((exclusive or {}).get(code, ())) or code in (exclusive or {}).get(other, ()) \
        or code in ancestors(other)


def apply_structure(hits: list[Any], exclusive: dict[str, Iterable[str]] | None) -> list[Any]:
    """The codebook's structure on one text's hits (objects with ``code``, ``score``, ``start``,
    ``end``), best first: a parent beside a hit of its child on an overlapping span is dropped
    (the child says more), then a hit whose code excludes a better remaining hit's code on an
    overlapping span is dropped (of equal scores the earlier one stays). In that order: a parent
    dropped for its child no longer pushes out its exclusive sibling."""
    if len(hits) < 2:
        return hits
    exclusive = exclusive or {}
    hits = [h for h in hits if not any(h.code in ancestors(k.code) and spans_overlap(k.start, k.end, h.start, h.end)
                                       for k in hits)]
    kept: list[Any] = []
    for h in hits:  # best first
        others = set(exclusive.get(h.code, ()))
        if not any(k.code in others and spans_overlap(k.start, k.end, h.start, h.end) for k in kept):
            kept.append(h)
    return kept
