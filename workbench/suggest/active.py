"""Active learning: retrain the model in the background after every N coding decisions.

The coders' decisions (accepting or rejecting a suggestion, coding or uncoding by hand) are the
training data of the next model; the sooner the model learns from them, the better the next
suggestions, and "uncertain first" (``list_suggestions(order="uncertain")``) puts the decisions
that teach the model most at the front.

``maybe_retrain(db, user=..., every=20)`` counts the decisions recorded in the audit trail since
the newest ``train`` and, from ``every`` on, starts ``train`` in a background thread (at most one
per database and process) and returns its :class:`Retraining` handle; otherwise None. A page
calls it after each decision and shows the handle's state; nothing waits for the training.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ..access import requires
from ..store import AuditEvent, Database

__all__ = ["DECISIONS", "Retraining", "decisions_since_training", "maybe_retrain", "retraining"]

#: Audit actions that count as a coding decision.
DECISIONS = ("accept", "reject", "code", "uncode")

_lock = threading.Lock()
_running: dict[str, "Retraining"] = {}


@dataclass
class Retraining:
    """A background training run: ``done``, and then ``report`` (a ``TrainReport``) or ``error``."""

    url: str
    decisions: int
    started: float = field(default_factory=time.time)
    thread: threading.Thread | None = None
    report: Any = None
    error: BaseException | None = None
    finished: float | None = None
    suggested: int | None = None  # new pending suggestions made with the new model (``suggest_source``)
    source: Any = None  # ``suggest_source``: the source those suggestions are for

    @property
    def done(self) -> bool:
        return self.finished is not None

    def wait(self, timeout: float | None = None) -> "Retraining":
        if self.thread is not None:
            self.thread.join(timeout)
        return self


@requires("suggest")
def decisions_since_training(db: Database, *, user: str | None = None) -> int:
    """Coding decisions (accept, reject, code, uncode) in the audit trail since the newest
    ``train`` (all of them when no model was ever trained)."""
    with db.session() as s:
        last = s.scalar(select(func.max(AuditEvent.id)).where(AuditEvent.action == "train")) or 0
        rows = s.execute(select(AuditEvent.action, AuditEvent.detail)
                         .where(AuditEvent.id > last, AuditEvent.action.in_(DECISIONS))).all()
    # accepting a suggestion also records the coding it makes ("code" with the suggestion's
    # origin): one decision, counted once
    return sum(1 for action, detail in rows
               if not (action == "code" and (detail or {}).get("suggestion_id") is not None))


@requires("suggest")
def retraining(db: Database, *, user: str | None = None) -> Retraining | None:
    """The background run for this database in this process (running or the last finished one)."""
    with _lock:
        return _running.get(db.url)


@requires("suggest")
def maybe_retrain(db: Database, *, user: str | None, every: int | None = None, background: bool = True,
                  suggest_source: Any = None, **train_params: Any) -> Retraining | None:
    """Start ``train`` when at least ``every`` decisions were made since the last model
    (``every=None``: the project setting ``retrain_every``, 20 unless changed; 0 = never).

    Returns the new run's handle (already finished when ``background=False``), or None when there
    were fewer decisions or a run for this database is still going. ``suggest_source``: after
    training, store the new model's suggestions for this source (the one on screen).
    ``train_params`` go to ``train`` (e.g. ``anchors=[]``). Errors of the run are kept in
    ``error``, never raised into the caller's thread.
    """
    if every is None:
        from ..sharing import setting

        every = int(setting(db, "retrain_every"))
        if every == 0:
            return None
    if every < 1:
        from ..errors import InputError

        raise InputError(f"every={every}: retrain after at least 1 decision")
    n = decisions_since_training(db, user=user)
    if n < every:
        return None
    with _lock:
        current = _running.get(db.url)
        if current is not None and not current.done:
            return None
        run = Retraining(db.url, n, source=suggest_source)
        _running[db.url] = run

    def work() -> None:
        from .service import suggest, train

        try:
            run.report = train(db, user=user, **train_params)
            if suggest_source is not None:
                run.suggested = suggest(db, user=user, source=suggest_source)
        except BaseException as exc:  # kept for the page to show; the thread must not die loudly
            run.error = exc
        finally:
            run.finished = time.time()

    if background:
        run.thread = threading.Thread(target=work, name=f"workbench-retrain-{n}", daemon=True)
        run.thread.start()
    else:
        work()
    return run
