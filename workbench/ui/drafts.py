"""Memo boxes whose unsaved text survives a reload of the page (Koding: "Notat", "Valgt koding").

A box is tied to its *target*, the keyword arguments of ``coding.add_memo`` (``segment=(file,
turn)``, ``source=file``, ``coding_id=id``). What is typed is kept as the user's draft in the
database (``coding.save_draft``) each time the browser sends the box's text: Streamlit sends it
when the box loses focus (a click anywhere else, Tab) or on Ctrl+Enter, not on every keystroke,
so text typed in the last moment before the browser dies is not kept. A new session (a reload,
a session the server dropped) shows the draft again when the box is shown for that target; so does
choosing the target again after another one. Saving the memo ("Lagre notat") or "Forkast utkast"
deletes the draft. Drafts are the user's own: ``get_draft`` never returns another user's.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from ..errors import WorkbenchError
from .format import md_escape
from .session import action, flash


def _slot(key: str) -> str:
    return f"_draft_owner_{key}"


def _owner(target: dict[str, Any]) -> tuple:
    """What the box's text is on, as a tuple a narrower target starts with: (file, turn), (file,),
    ("coding", id) or ("code", id)."""
    if "segment" in target:
        return tuple(target["segment"])
    if "source" in target:
        return (target["source"],)
    if "coding_id" in target:
        return ("coding", target["coding_id"])
    return ("code", target.get("code"))


def _within(a: tuple, b: tuple) -> bool:
    """A turn of a source and that source (the "Turen"/"Kilden" choice): one starts with the other."""
    n = min(len(a), len(b))
    return tuple(a[:n]) == tuple(b[:n])


def _draft_text(db, user: str, target: dict[str, Any]) -> str:
    from ..coding import get_draft

    try:
        draft = get_draft(db, user=user, **target)
    except WorkbenchError:  # e.g. the coding was removed in another window meanwhile
        return ""
    return draft.text if draft is not None else ""


def _keep(db, user: str, text: str, target: dict[str, Any]) -> bool:
    """Store ``text`` as the draft on ``target`` (an empty text deletes it); False when it cannot be."""
    from ..coding import save_draft

    try:
        save_draft(db, text, user=user, **target)
    except WorkbenchError:
        return False
    return True


def _keep_typed(db, user: str, key: str, target: dict[str, Any]) -> None:
    """on_change of the box: the browser sent its text (on leaving the box, or Ctrl+Enter)."""
    from ..coding import save_draft

    action(save_draft, db, str(st.session_state.get(key) or ""), user=user, **target)


def memo_box(db, user: str, key: str, target: dict[str, Any], name: str, label: str, *, height: int) -> str:
    """Draw the memo box ``key`` for ``target`` (named ``name``, Markdown, for the user) with its
    kept draft; returns its text.

    When the target changed since the last run (another source, turn or coding), the text typed
    for the old one stays its draft (with a note saying so) and the box shows the new target's
    draft, so text is never saved on a target it was not written for. A target that only widens or
    narrows the last one (a turn of the same source and that source: "Turen"/"Kilden") takes the
    text along, unless it has a draft of its own."""
    slot = _slot(key)
    before = st.session_state.get(slot)
    owner = _owner(target)
    text = str(st.session_state.get(key) or "")
    if before is None:  # a new session (a reload): the draft kept for this target, if any
        if not text.strip():
            st.session_state[key] = _draft_text(db, user, target)
    elif before[0] != owner:
        old_name, old_target = before[1], before[2]
        waiting = _draft_text(db, user, target)
        if text.strip() and _within(before[0], owner) and waiting.strip() in ("", text.strip()):
            _keep(db, user, text, target)      # the text moves to the target now chosen
            _keep(db, user, "", old_target)
        else:
            if text.strip():
                if _keep(db, user, text, old_target):
                    st.info(f"Notatet du ikke lagret på {old_name}, er tatt vare på som utkast: det kommer "
                            "tilbake når du velger det igjen.", icon=":material/edit_note:")
                else:  # its target is gone (removed in another window): it cannot be kept
                    st.warning(f"Notatet du ikke lagret på {old_name}, er forkastet: «{md_escape(text.strip())}»",
                               icon=":material/delete_sweep:")
            st.session_state[key] = waiting
    st.session_state[slot] = (owner, name, dict(target))
    return st.text_area(label, key=key, height=height, on_change=_keep_typed, args=(db, user, key, dict(target)))


def memo_saved(db, user: str, key: str) -> None:
    """After "Lagre notat" (``add_memo`` deleted the draft on the target it saved on): empty the box
    and delete the draft of the target the box was drawn for, should the two differ."""
    before = st.session_state.get(_slot(key))
    st.session_state[key] = ""
    if before is not None:
        _keep(db, user, "", before[2])


def discard_memo_draft(db, user: str, key: str) -> None:
    """"Forkast utkast": empty the box and delete its draft."""
    from ..coding import discard_draft as discard

    before = st.session_state.get(_slot(key))
    had_text = bool(str(st.session_state.get(key) or "").strip())
    st.session_state[key] = ""
    if before is not None:
        gone = action(discard, db, user=user, **before[2])
        if gone or had_text:
            flash("success", "Utkastet er forkastet.")


def draft_place(draft, labels: dict[str, str]) -> str:
    """Where a draft of this source is, as the page says it (Markdown): "tur 4", "kilden",
    "kodingen «Hybrid kontrakt» på tur 2"."""
    if draft.target_type == "segment":
        return f"tur {draft.turn}"
    if draft.target_type == "source":
        return "kilden"
    if draft.target_type == "coding":
        return f"kodingen «{md_escape(labels.get(draft.code, draft.code))}» på tur {draft.turn}"
    return f"koden «{md_escape(labels.get(draft.code, draft.code))}»"
