"""textcoder: a Streamlit component for coding spans of text, turn by turn.

All turns of a source in one scrolling box; select text inside a turn and pick a code from a
filtered list (typing filters, ↑/↓, Enter), click a coding stripe to select it and "Fjern" to
remove it, accept or reject suggestions. The keyboard moves between turns (j/k or ↓/↑ with the
pane focused, Home/End), Enter chooses the current turn as a click on its heading does (a ``"turn"``
event, and the code list opens for the whole turn) and Escape clears a selection; a hint line under
the pane lists the keys. :func:`text_coder` validates the arguments and returns
each event from the browser once (a dict with ``"type"`` and ``"seq"``); the page then calls the
library (``apply_code``, ``remove_code``, ...) and ``st.rerun()`` so the change is drawn.

Offsets are Python code points into the turn's text in both directions: the front end converts
from the browser's UTF-16, so ``text[start:end]`` is exactly the selected text, emoji included.

The front end (``frontend/``, TypeScript bundled by esbuild) is built into ``build/``, which is
committed and shipped in the wheel, so no one needs Node to use it. To change it::

    cd workbench/ui/textcoder/frontend && npm ci && npm run build      # writes ../build
    node build.mjs --serve    # or: rebuild on save, served on http://127.0.0.1:3001, with
    WORKBENCH_TEXTCODER_DEV_URL=http://127.0.0.1:3001 streamlit run ...

Protocol: the npm package ``streamlit-component-lib`` (Streamlit's own library for the component
messages: componentReady, render, setComponentValue, setFrameHeight), used without React. It
brings apache-arrow along (for data-frame arguments, which this component does not use), about
207 kB of the 221 kB bundle; that is under the 400 kB we allowed for it, and it keeps the
protocol in the hands of the library Streamlit maintains rather than in hand-written messages.
"""

from __future__ import annotations

import math
import operator
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from ..format import quality_text

BUILD_DIR = Path(__file__).resolve().parent / "build"
DEV_URL_ENV = "WORKBENCH_TEXTCODER_DEV_URL"
# Tableau 10: distinct, readable as a translucent background; codes without a colour get these in order
PALETTE = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
           "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac")
EVENT_TYPES = ("code", "select", "remove", "accept", "reject", "play", "turn")
_SEQ_STATE = "_textcoder_seq:"
_HEX = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


def _component():
    """The declared component, from ``build/`` or from ``WORKBENCH_TEXTCODER_DEV_URL``.

    Declared on every call (it is cheap): Streamlit registers a component's files only when it is
    declared while a script runs, and this module may have been imported before that."""
    url = os.environ.get(DEV_URL_ENV)
    if url:
        return components.declare_component("textcoder", url=url)
    return components.declare_component("textcoder", path=str(BUILD_DIR))


def text_coder(turns: Iterable[Mapping], codes: Iterable[Mapping], codings: Iterable[Mapping] = (),
               suggestions: Iterable[Mapping] = (), *, selected_coding: int | None = None,
               scroll_to: int | None = None, height: int = 640, key: str) -> dict | None:
    """Show ``turns`` for coding; returns a new event from the user, or None.

    ``turns``: ``{"turn", "speaker", "actor", "position", "text", "playable"}``; ``codes``: the
    codable codes ``{"id", "label", "color"}`` (a palette colour when None); ``codings``:
    ``{"id", "turn", "code", "coder", "start", "end"}`` (None/None: the whole turn);
    ``suggestions``: ``{"id", "turn", "code", "score", "start", "end", "evidence", "method",
    "precision", "recall"}`` (the component shows precision and recall as ``quality_text``
    writes them). Items may be mappings or objects with those attributes (a
    ``CodingRecord``). Offsets are code points into the turn's text and are clipped to it;
    codings and suggestions of turns not shown are left out. Raises ValueError, naming the
    argument and the place, for anything malformed.

    Events: ``{"type": "code", "turn", "start", "end", "code", "text"}``, ``{"type": "select" |
    "remove", "coding"}`` (``"select"`` with ``coding`` None: Escape cleared the selection),
    ``{"type": "accept" | "reject", "suggestion"}``, ``{"type": "play", "turn"}``, ``{"type":
    "turn", "turn"}`` (a turn chosen with Enter or a click on its heading), each with a ``"seq"``;
    an event is returned on the run after it happened only."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"text_coder: key must be a non-empty string, got {key!r}")
    args = prepare_args(turns, codes, codings, suggestions, selected_coding=selected_coding,
                        scroll_to=scroll_to, height=height)
    value = _component()(**args, key=key, default=None)
    return new_event(value, key)


def new_event(value: Any, key: str) -> dict | None:
    """``value`` (the component's last value) if it is an event not returned before for ``key``.

    Streamlit hands back the component's last value on every rerun; the front end stamps each
    event with its own ``seq``, and the last one seen is kept in ``st.session_state``."""
    if not isinstance(value, Mapping) or "seq" not in value or value.get("type") not in EVENT_TYPES:
        return None
    state_key = _SEQ_STATE + key
    if st.session_state.get(state_key) == value["seq"]:
        return None
    st.session_state[state_key] = value["seq"]
    return dict(value)


def prepare_args(turns: Iterable[Mapping], codes: Iterable[Mapping], codings: Iterable[Mapping] = (),
                 suggestions: Iterable[Mapping] = (), *, selected_coding: int | None = None,
                 scroll_to: int | None = None, height: int = 640) -> dict[str, Any]:
    """The component's arguments, checked and made JSON-ready (plain ints, strs, floats)."""
    turn_list = [_turn(t, f"turns -> {i}") for i, t in enumerate(_items(turns, "turns"))]
    texts: dict[int, str] = {}
    for i, t in enumerate(turn_list):
        if t["turn"] in texts:
            raise ValueError(f"text_coder: turns -> {i} -> turn: turn {t['turn']} is given twice")
        texts[t["turn"]] = t["text"]
    code_list = _codes(codes)
    coding_list = [c for i, item in enumerate(_items(codings, "codings"))
                   if (c := _coding(item, f"codings -> {i}", texts)) is not None]
    suggestion_list = [s for i, item in enumerate(_items(suggestions, "suggestions"))
                       if (s := _suggestion(item, f"suggestions -> {i}", texts)) is not None]
    height = _int(height, "height")
    if height < 150:
        raise ValueError(f"text_coder: height must be at least 150 (pixels), got {height}")
    return {"turns": turn_list, "codes": code_list, "codings": coding_list, "suggestions": suggestion_list,
            "selected_coding": _opt_int(selected_coding, "selected_coding"),
            "scroll_to": _opt_int(scroll_to, "scroll_to"), "height": height}


# ---- checks -------------------------------------------------------------------------------------
def _items(value: Any, where: str) -> list:
    if value is None:
        return []
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, Iterable):
        raise ValueError(f"text_coder: {where} must be a list of items, got {type(value).__name__}")
    return list(value)


_MISSING = object()


def _get(item: Any, name: str, where: str, default: Any = _MISSING) -> Any:
    if isinstance(item, Mapping):
        value = item.get(name, _MISSING)
    else:
        value = getattr(item, name, _MISSING)
    if value is _MISSING:
        if default is _MISSING:
            raise ValueError(f"text_coder: {where} -> {name}: field required")
        return default
    return value


def _missing(value: Any) -> bool:
    """None, or a missing value as pandas gives it (NaN, NA)."""
    if value is None:
        return True
    if isinstance(value, float):  # numpy floats too
        return math.isnan(value)
    return type(value).__name__ in ("NAType", "NaTType")


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"text_coder: {where}: expected an integer, got {value!r}")
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    try:
        return operator.index(value)  # int, numpy integers
    except TypeError:
        raise ValueError(f"text_coder: {where}: expected an integer, got {value!r}") from None


def _opt_int(value: Any, where: str) -> int | None:
    return None if _missing(value) else _int(value, where)


def _opt_float(value: Any, where: str) -> float | None:
    if _missing(value):
        return None
    if isinstance(value, bool):
        raise ValueError(f"text_coder: {where}: expected a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"text_coder: {where}: expected a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"text_coder: {where}: expected a finite number, got {value!r}")
    return number


def _str(value: Any, where: str, *, optional: bool = False) -> str | None:
    if _missing(value):
        return None if optional else ""
    if isinstance(value, (Mapping, list, tuple, set, bytes)):
        raise ValueError(f"text_coder: {where}: expected text, got {type(value).__name__}")
    return str(value)


def _turn(item: Any, where: str) -> dict:
    return {"turn": _int(_get(item, "turn", where), f"{where} -> turn"),
            "speaker": _str(_get(item, "speaker", where, ""), f"{where} -> speaker"),
            "actor": _str(_get(item, "actor", where, None), f"{where} -> actor", optional=True) or None,
            "position": _str(_get(item, "position", where, ""), f"{where} -> position"),
            "text": _str(_get(item, "text", where), f"{where} -> text"),
            "playable": bool(_get(item, "playable", where, False))}


def _color(value: Any, where: str) -> str | None:
    if isinstance(value, str):
        value = value.strip()
    if _missing(value) or value == "":
        return None
    if not isinstance(value, str) or not _HEX.match(value):
        raise ValueError(f"text_coder: {where}: expected a colour as #rrggbb, got {value!r}")
    if len(value) == 4:  # #rgb -> #rrggbb
        value = "#" + "".join(ch * 2 for ch in value[1:])
    return value.lower()


def _codes(codes: Iterable[Mapping]) -> list[dict]:
    out: list[dict] = []
    seen: set[str] = set()
    for i, item in enumerate(_items(codes, "codes")):
        where = f"codes -> {i}"
        code_id = _str(_get(item, "id", where), f"{where} -> id")
        if not code_id:
            raise ValueError(f"text_coder: {where} -> id: must not be empty")
        if code_id in seen:
            raise ValueError(f"text_coder: {where} -> id: code {code_id!r} is given twice")
        seen.add(code_id)
        label = _str(_get(item, "label", where, None), f"{where} -> label") or code_id
        color = _color(_get(item, "color", where, None), f"{where} -> color")
        out.append({"id": code_id, "label": label, "color": color})
    free = iter(range(len(out)))
    for code in out:
        if code["color"] is None:
            code["color"] = PALETTE[next(free) % len(PALETTE)]
    return out


def _span(item: Any, where: str, text: str) -> tuple[int | None, int | None]:
    """start/end clipped to the text (an imported coding may begin in the turn's label, start < 0,
    or run past its end); None/None is the whole turn."""
    start = _opt_int(_get(item, "start", where, None), f"{where} -> start")
    end = _opt_int(_get(item, "end", where, None), f"{where} -> end")
    if start is None and end is None:
        return None, None
    if start is None or end is None:
        raise ValueError(f"text_coder: {where}: start and end must both be given or both be None "
                         f"(the whole turn), got start={start!r}, end={end!r}")
    if start > end:
        raise ValueError(f"text_coder: {where}: start {start} is after end {end}")
    clip = lambda x: max(0, min(x, len(text)))  # noqa: E731
    return clip(start), clip(end)


def _coding(item: Any, where: str, texts: dict[int, str]) -> dict | None:
    turn = _int(_get(item, "turn", where), f"{where} -> turn")
    coding_id = _int(_get(item, "id", where), f"{where} -> id")
    code = _str(_get(item, "code", where), f"{where} -> code")
    coder = _str(_get(item, "coder", where, ""), f"{where} -> coder")
    if turn not in texts:
        return None
    start, end = _span(item, where, texts[turn])
    return {"id": coding_id, "turn": turn, "code": code, "coder": coder, "start": start, "end": end}


def _suggestion(item: Any, where: str, texts: dict[int, str]) -> dict | None:
    turn = _int(_get(item, "turn", where), f"{where} -> turn")
    out = {"id": _int(_get(item, "id", where), f"{where} -> id"), "turn": turn,
           "code": _str(_get(item, "code", where), f"{where} -> code"),
           "score": _opt_float(_get(item, "score", where), f"{where} -> score")}
    if out["score"] is None:
        raise ValueError(f"text_coder: {where} -> score: expected a number, got None")
    out["method"] = _str(_get(item, "method", where, ""), f"{where} -> method")
    out["precision"] = _opt_float(_get(item, "precision", where, None), f"{where} -> precision")
    out["recall"] = _opt_float(_get(item, "recall", where, None), f"{where} -> recall")
    out["quality"] = quality_text(out["precision"], out["recall"])  # shown as the pages show it
    raw_evidence = _get(item, "evidence", where, None)
    if turn not in texts:
        return None
    text = texts[turn]
    out["start"], out["end"] = _span(item, where, text)
    evidence: list[list[int]] = []
    for j, pair in enumerate(_items(raw_evidence, f"{where} -> evidence")):
        here = f"{where} -> evidence -> {j}"
        if isinstance(pair, (str, bytes, Mapping)) or not isinstance(pair, Iterable) or len(pair := list(pair)) != 2:
            raise ValueError(f"text_coder: {here}: expected a [start, end] pair of code-point offsets, "
                             f"got {pair!r} (evidence_spans() turns words into pairs)")
        s, e = (max(0, min(_int(x, here), len(text))) for x in pair)
        if s < e:
            evidence.append([s, e])
    out["evidence"] = evidence
    return out
