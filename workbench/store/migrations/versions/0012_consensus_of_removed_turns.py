"""a consensus recorded on a removed turn no longer counts for the turn that took its id

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-14 12:00:00

A turn *has a recorded consensus* when the audit trail holds a ``consensus`` event whose target
(type ``segment``) is the turn's id (``agreement.consensus_turn_condition``). Before this
revision ``lifecycle.remove_source`` left those events as they were, and SQLite gives the turns
of the next source the ids of the removed ones, so the new turns counted as agreed on: wrong
figures for ``workbench agreement --coders X,konsensus`` and ``dashboard --coder konsensus``.
``remove_source`` now gives the events of the turns it deletes the target type
``removed_segment``; this data step does the same for the events an older database holds:

* whose target turn does not exist any more;
* whose detail names another source or turn (``source``, ``turn``) than the turn with that id
  now has (a source name that ``forget`` or ``anonymise`` made unique with " (ID)" still
  matches);
* that are older than the source of the turn with that id (the source was removed and ingested
  again under the same name, its turns taking the old ids).

The entries stay in the audit trail; nothing else changes.
"""
import datetime as dt

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

REMOVED_SEGMENT = "removed_segment"   # workbench.lifecycle.REMOVED_SEGMENT

events = sa.table("audit_events", sa.column("id", sa.Integer), sa.column("action", sa.String),
                  sa.column("target_type", sa.String), sa.column("target_id", sa.String),
                  sa.column("detail", sa.JSON), sa.column("created_at", sa.DateTime(timezone=True)))
segments = sa.table("segments", sa.column("id", sa.Integer), sa.column("source_id", sa.Integer),
                    sa.column("index", sa.Integer))
sources = sa.table("sources", sa.column("id", sa.Integer), sa.column("file_name", sa.String),
                   sa.column("ingested_at", sa.DateTime(timezone=True)))


def _utc(value):
    if value is None or not isinstance(value, dt.datetime):
        return None
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.timezone.utc)


def _stale(detail, turn) -> bool:
    """Whether the event's detail names another source or turn than ``turn`` (source id, file
    name, index, ingested_at), or ``turn`` is None (the turn does not exist any more)."""
    if turn is None:
        return True
    source_id, file_name, index, _ingested_at = turn
    detail = detail if isinstance(detail, dict) else {}
    said_source, said_turn = detail.get("source"), detail.get("turn")
    if said_source is not None and file_name not in (said_source, f"{said_source} ({source_id})"):
        return True
    if said_turn is not None and str(said_turn) != str(index):
        return True
    return False


def upgrade() -> None:
    bind = op.get_bind()
    rows = bind.execute(sa.select(events.c.id, events.c.target_id, events.c.detail, events.c.created_at)
                        .where(events.c.action == "consensus", events.c.target_type == "segment")).all()
    if not rows:
        return
    ids = {int(r.target_id) for r in rows if r.target_id is not None and str(r.target_id).isdigit()}
    turns = {}
    id_list = sorted(ids)
    for lo in range(0, len(id_list), 500):
        chunk = id_list[lo:lo + 500]
        for seg_id, source_id, file_name, index, ingested_at in bind.execute(
                sa.select(segments.c.id, segments.c.source_id, sources.c.file_name, segments.c.index,
                          sources.c.ingested_at)
                .select_from(segments.join(sources, sources.c.id == segments.c.source_id))
                .where(segments.c.id.in_(chunk))).all():
            turns[seg_id] = (source_id, file_name, index, ingested_at)
    stale = []
    for event_id, target_id, detail, created_at in rows:
        turn = turns.get(int(target_id)) if target_id is not None and str(target_id).isdigit() else None
        if _stale(detail, turn):
            stale.append(event_id)
            continue
        made, ingested = _utc(created_at), _utc(turn[3])
        if made is not None and ingested is not None and made < ingested:
            stale.append(event_id)
    for lo in range(0, len(stale), 500):
        bind.execute(sa.update(events).where(events.c.id.in_(stale[lo:lo + 500]))
                     .values(target_type=REMOVED_SEGMENT))


def downgrade() -> None:
    pass  # the marked entries stay marked: counting them again would give the wrong figures back
