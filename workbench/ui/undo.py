"""The "Angre" button of the Koding and Enighet pages: it undoes this browser tab's newest coding
action (``coding.undo_last`` with the tab's own audit events, :func:`session.undo_events`: a coding
applied or removed, a suggestion accepted or rejected, a consensus saved on Enighet) and says in
Norwegian what it undid. The same button on both pages, so that "Angre" always means "my last
action in this tab", wherever it was taken."""

from __future__ import annotations

from typing import Any, Callable

import streamlit as st

from ..access import login_required
from ..coding import UndoSkipped, undo_last
from ..errors import WorkbenchError
from .format import count_noun, md_escape
from .session import error_text, flash, undo_events

HELP = ("Angrer din siste kodehandling i denne økten, altså i denne nettleserfanen (koding, fjerning, "
        "godtatt eller avvist forslag, omforent koding lagret på Enighet). Trykk igjen for å gå lenger tilbake.")


def undone_text(done: dict[str, Any], labels: dict[str, str]) -> str:
    """What ``undo_last`` undid (its result), as one Markdown line; ``labels``: code id -> label."""
    def names(ids) -> str:
        return ", ".join(f"«{md_escape(labels.get(c, c))}»" for c in ids)

    where = f"tur {done['turn']} i {md_escape(done['source'])}"
    if done["action"] == "consensus":
        taken = done.get("undone") or []
        what = f"{count_noun(len(taken), 'kode', 'koder')}: {names(taken)}" if taken else "ingen kode passet"
        now = done.get("consensus")
        after = ("turen har ingen registrert konsensus nå" if now is None else
                 "konsensus er igjen at ingen kode passer" if not now else f"konsensus er igjen {names(now)}")
        return f"Angret konsensus for {where} ({what}); {after}."
    what = {"code": "Kodingen", "uncode": "Fjerningen", "accept": "Godtakingen", "reject": "Avvisningen"}
    if done["action"] == "uncode":  # memos that came back with the codings
        memos = {0: "", 1: ", med notatet"}.get(done["memos"], f", med {done['memos']} notater")
    else:  # memos written with the coding, gone with it (the audit trail keeps their text)
        memos = {0: "", 1: ", sammen med notatet ditt på den"}.get(
            done["memos"], f", sammen med de {done['memos']} notatene dine på den")
    back = f": {done['codings']} kodinger er tilbake" if done["action"] == "uncode" and done["codings"] > 1 else ""
    was = (f" (kodet som «{md_escape(labels.get(done['was'], done['was']))}» før kodingene ble flyttet dit)"
           if done.get("was") else "")
    return (f"{what.get(done['action'], 'Handlingen')} av «{md_escape(labels.get(done['code'], done['code']))}»{was} "
            f"på {where} er angret{back}{memos}.")


def undo(db, user: str | None, labels: dict[str, str],
         after: Callable[[dict[str, Any]], None] | None = None) -> dict[str, Any] | None:
    """"Angre" (a button callback): undo this tab's newest action; the message (or why nothing was
    undone) shows on the next run. ``after(result)`` runs when something was undone."""
    login_required(True)  # callbacks run before app.py; keep the app's rule for them too
    try:
        done = undo_last(db, user=user, events=undo_events())  # only what this session did
    except WorkbenchError as exc:  # shown in Norwegian
        # passed over (a colleague changed it since ...): the next "Angre" goes on, so no error
        kind = "info" if exc.code == "undo.nothing" else "warning" if isinstance(exc, UndoSkipped) else "error"
        flash(kind, error_text(exc))
        return None
    flash("success", undone_text(done, labels))
    if after is not None:
        after(done)
    return done


def undo_button(db, user: str | None, labels: dict[str, str], *, key: str = "undo",
                after: Callable[[dict[str, Any]], None] | None = None) -> None:
    """The "Angre" button (see :func:`undo`)."""
    st.button("Angre", key=key, icon=":material/undo:", on_click=undo, args=(db, user, labels),
              kwargs={"after": after}, help=HELP)
