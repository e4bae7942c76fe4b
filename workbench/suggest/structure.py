"""What suggestions take from the codebook's structure and the corpus: mutually exclusive
siblings (the codebook's ``exclusive_with``), code families (a child implies its parent), and
whose turns get no suggestions by default (the interviewers')."""

from __future__ import annotations

from typing import Any, Iterable

from sqlalchemy import select

from ..access import requires
from ..store import CodebookVersion, Database

__all__ = ["INTERVIEWERS", "codebook_exclusive", "exclusive_from_content", "family_of", "ancestors"]

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
