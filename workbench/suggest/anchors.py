"""Anchor utterances: extra training material for the model, kept in JSONL files.

One object per line: ``{"text": "...", "codes": ["code.id", ...], "lang": "nb"|"nn"}`` (``lang``
optional). ``codes: []`` marks a negative for every code (small talk, hard negatives). Where they
come from (see ``docs/suggestions.md``): every ``*.jsonl`` in the ``anchors/`` folder beside the
codebook file the database loaded last, unless ``train(anchors=[...])`` / ``--anchors PATH`` names
files or folders explicitly.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from ..errors import InputError, WorkbenchError
from ..nlp import given_lang

__all__ = ["Anchor", "anchor_files", "read_anchors", "default_anchor_dir", "ROOT_ANCHORS"]

ROOT = Path(__file__).resolve().parents[2]
ROOT_ANCHORS = ROOT / "codebooks" / "anchors"


@dataclass(frozen=True)
class Anchor:
    text: str
    codes: frozenset[str]
    lang: str | None
    where: str  # "file:line"


def default_anchor_dir(codebook_file: str | None) -> Path | None:
    """The ``anchors/`` folder beside ``codebook_file`` if it exists.

    ``workbench codebook load`` stores an absolute path. A relative file name (stored by older
    versions, or given as ``load_codebook_data(file_name=...)``) is taken from the current
    directory; if it is not found there and it is the shipped ``codebooks/<name>`` file, the
    shipped ``codebooks/anchors`` folder is used.
    """
    if not codebook_file:
        return None
    path = Path(codebook_file)
    folder = path.parent / "anchors"
    if folder.is_dir():
        return folder
    shipped = ROOT / "codebooks" / path.name
    if not path.is_absolute() and not path.exists() and shipped.exists() and ROOT_ANCHORS.is_dir():
        return ROOT_ANCHORS
    return None


def anchor_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders to their ``*.jsonl`` files (sorted); files stay as given."""
    out: list[Path] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            out.extend(sorted(p.glob("*.jsonl")))
        elif p.is_file():
            out.append(p)
        else:
            raise InputError(f"{p}: anchor file or folder not found; give an existing .jsonl file or folder "
                             "with --anchors")
    return out


def _did_you_mean(code: str, valid: Sequence[str]) -> str:
    near = difflib.get_close_matches(code, valid, n=3, cutoff=0.5)
    return f"did you mean {', '.join(near)}?" if near else "see `workbench codebook show` for the ids"


def read_anchors(paths: Iterable[str | Path], valid_codes: Iterable[str], *, retired: Iterable[str] = (),
                 categories: Iterable[str] = (), skipped: list[str] | None = None) -> list[Anchor]:
    """Read and validate anchor lines; errors name ``file:line`` and the fix.

    A code in ``retired`` (taken out of the codebook) is dropped from its line, the line's other
    codes kept; a line left with no code is skipped (it would teach "no code applies"). Each such
    line's ``file:line`` is appended to ``skipped``. A code in ``categories`` is an error saying it
    is not codable."""
    valid = sorted(set(valid_codes))
    valid_set = set(valid)
    retired_set, category_set = set(retired) - valid_set, set(categories) - valid_set
    out: list[Anchor] = []
    for path in anchor_files(paths):
        try:
            # "\n" only: str.splitlines() also splits at U+2028, U+0085 ..., which JSON strings may hold raw
            lines = [line.removesuffix("\r") for line in path.read_text(encoding="utf-8-sig").split("\n")]
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8") from None
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            at = f"{path}:{n}"
            try:
                rec = json.loads(line)
            except json.JSONDecodeError as exc:
                raise InputError(f"{at}: not valid JSON ({exc.msg}, column {exc.colno}); write one object "
                                 '{"text": ..., "codes": [...], "lang": "nb"} per line') from None
            if not isinstance(rec, dict):
                raise InputError(f'{at}: not a JSON object; write {{"text": ..., "codes": [...]}}')
            text, codes = rec.get("text"), rec.get("codes")
            if not isinstance(text, str) or not text.strip():
                raise InputError(f'{at}: "text" must be a non-empty string')
            if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
                raise InputError(f'{at}: "codes" must be a list of code ids ([] for "no code applies")')
            for c in codes:
                if c in category_set:
                    raise InputError(f"{at}: code {c!r} is a category and cannot be applied; name one of its "
                                     "subcodes", code="anchor.category", where=at, code_id=c)
                if c not in valid_set and c not in retired_set:
                    raise InputError(f"{at}: unknown code {c!r}; {_did_you_mean(c, valid)}",
                                     code="anchor.unknown_code", where=at, code_id=c)
            if any(c in retired_set for c in codes):
                if skipped is not None:
                    skipped.append(at)
                kept = [c for c in codes if c not in retired_set]
                if not kept:
                    continue
                codes = kept
            lang = rec.get("lang")
            if lang is not None:
                try:
                    lang = given_lang(lang)
                except WorkbenchError:
                    raise InputError(f"{at}: lang {lang!r} is not 'nb' or 'nn'; fix it or leave it out") from None
            out.append(Anchor(text, frozenset(codes), lang, at))
    return out
