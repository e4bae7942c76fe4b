"""A page with only the textcoder component, on fictional turns, for tests/test_textcoder.py (in
process with AppTest, and served to headless Chromium) and for trying the component by hand:

    streamlit run tests/apps/textcoder_harness.py

Every event is applied to the codings and suggestions kept in the session (no database), and the
last one is shown as JSON, with the Python slice ``text[start:end]`` of a "code" event."""

from __future__ import annotations

import json

import streamlit as st

from workbench.coding import evidence_spans
from workbench.ui import textcoder

st.set_page_config(page_title="textcoder", layout="wide")

TURNS = [
    {"turn": 1, "speaker": "Moderator", "actor": "forsker", "position": "00:00:05", "playable": True,
     "text": "Velkommen, alle sammen. Kan dere fortelle litt om hvordan bygdevekstavtalen har fungert så langt?"},
    {"turn": 2, "speaker": "PL Nordvik", "actor": "prosjektleder", "position": "00:03:12", "playable": True,
     "text": "Først: takk! 😀 Vi har fått god støtte fra fylkeskommunen, og Åsvær kommune har vært en pådriver "
             "(vi møttes på kafe\u0301en i Øyhavn 👩‍👩‍👧). Det viktigste er samarbeidet på tvers av kommunene, "
             "særlig når det gjelder næringsutvikling og bolig."},
    {"turn": 3, "speaker": "Ordfører Nordvik", "actor": "ordfører", "position": "00:05:40", "playable": True,
     "text": "Vi opplever at staten stiller krav, men at avtalen også gir rom for tillit.\n"
             "Det er en slags hybrid kontrakt, vil jeg si."},
    {"turn": 4, "speaker": "", "actor": None, "position": "s. 2", "playable": False,
     "text": "Notat fra dialogkonferansen: regionrådet ønsker tettere kontakt med departementet <b>&amp;</b> "
             "staten for øvrig."},
]
CODES = [
    {"id": "samarbeid", "label": "Samarbeid og nettverk", "color": None},
    {"id": "kontrakt.hybrid", "label": "Hybrid kontrakt", "color": None},
    {"id": "legitimitet", "label": "Legitimitet", "color": None},
    {"id": "flernivå", "label": "Flernivåstyring", "color": None},
]
TEXT = {t["turn"]: t["text"] for t in TURNS}


def at(turn: int, phrase: str) -> tuple[int, int]:
    start = TEXT[turn].index(phrase)
    return start, start + len(phrase)


def initial_codings() -> list[dict]:
    rows = [(1, 3, "kontrakt.hybrid", "kari", at(3, "hybrid kontrakt")),
            (2, 3, "legitimitet", "ola", (None, None)),
            (3, 2, "flernivå", "kari", at(2, "støtte fra fylkeskommunen")),
            (4, 2, "legitimitet", "ola", at(2, "fylkeskommunen, og Åsvær kommune"))]
    return [{"id": i, "turn": t, "code": c, "coder": who, "start": s, "end": e} for i, t, c, who, (s, e) in rows]


def initial_suggestions() -> list[dict]:
    return [{"id": 10, "turn": 2, "code": "samarbeid", "score": 0.82, "start": None, "end": None,
             "evidence": evidence_spans(TEXT[2], ["samarbeid", "kommune"]), "method": "leksikon",
             "precision": 0.88, "recall": 0.61},
            {"id": 11, "turn": 4, "code": "flernivå", "score": 0.47, "start": 0, "end": len(TEXT[4]),
             "evidence": evidence_spans(TEXT[4], ["departement"]), "method": "modell",
             "precision": None, "recall": None}]


state = st.session_state
state.setdefault("codings", initial_codings())
state.setdefault("suggestions", initial_suggestions())
state.setdefault("selected", None)
state.setdefault("last", None)

st.title("textcoder")
event = textcoder.text_coder(TURNS, CODES, state.codings, state.suggestions, selected_coding=state.selected,
                             height=560, key="coder")
if event:
    shown = {"event": event}
    if event["type"] == "code":
        shown["slice"] = TEXT[event["turn"]][event["start"]:event["end"]]
        new_id = max((c["id"] for c in state.codings), default=0) + 1
        state.codings.append({"id": new_id, "turn": event["turn"], "code": event["code"], "coder": "test",
                              "start": event["start"], "end": event["end"]})
        state.selected = new_id
    elif event["type"] == "select":
        state.selected = event["coding"]
    elif event["type"] == "remove":
        state.codings = [c for c in state.codings if c["id"] != event["coding"]]
        state.selected = None
    elif event["type"] in ("accept", "reject"):
        chosen = [s for s in state.suggestions if s["id"] == event["suggestion"]]
        state.suggestions = [s for s in state.suggestions if s["id"] != event["suggestion"]]
        if event["type"] == "accept" and chosen:
            s = chosen[0]
            state.codings.append({"id": max((c["id"] for c in state.codings), default=0) + 1, "turn": s["turn"],
                                  "code": s["code"], "coder": "test", "start": s["start"], "end": s["end"]})
    state.last = shown
    st.rerun()

st.subheader("Siste hendelse")
if state.last is None:
    st.caption("Ingen hendelse ennå.")
else:
    st.code(json.dumps(state.last, ensure_ascii=False), language="json")
