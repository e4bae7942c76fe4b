"""one person, one pseudonym: a named speaker is the same person in sources of different pilots

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 12:00:00

Before this revision the person key was label|actor|organisation|pilot, the pilot taken from the
source when the roster row had none, so one named person (same label, actor and organisation) in
sources of two pilots got two pseudonyms and was counted as two speakers, which let a cell of two
people pass the small-cell suppression. The key is now ``workbench.privacy.person_key``: the
pilot part is empty for a label that is a person's name.

This data step re-keys the stored pseudonyms by that rule:

* every pseudonym row gets the key its speaker rows now have (a withdrawn or anonymised person,
  whose label is their pseudonym, keeps theirs);
* where one person had several pseudonyms, the oldest one (first made, the one reports quoted
  first) stays; the speaker rows of the others point to it, released quotes that named another
  take its name, and the others stay in the table under a key without any name ("merged:ID>ID"),
  so that their numbers are never given to someone else;
* pseudonyms are otherwise unchanged: no label or number changes.
"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


pseudonyms = sa.table("pseudonyms", sa.column("id", sa.Integer), sa.column("speaker_key", sa.String),
                      sa.column("label", sa.String))
speakers = sa.table("speakers", sa.column("id", sa.Integer), sa.column("source_id", sa.Integer),
                    sa.column("label", sa.String), sa.column("actor", sa.String),
                    sa.column("organisation", sa.String), sa.column("pilot", sa.String),
                    sa.column("withdrawn", sa.Boolean), sa.column("pseudonym_id", sa.Integer))
sources = sa.table("sources", sa.column("id", sa.Integer), sa.column("pilot", sa.String))
segments = sa.table("segments", sa.column("id", sa.Integer), sa.column("speaker_id", sa.Integer))
released = sa.table("released_quotes", sa.column("id", sa.Integer), sa.column("segment_id", sa.Integer),
                    sa.column("speaker", sa.String))


def upgrade() -> None:
    from workbench.privacy import person_key

    bind = op.get_bind()
    rows = bind.execute(sa.select(speakers.c.id, speakers.c.label, speakers.c.actor, speakers.c.organisation,
                                  sa.func.coalesce(speakers.c.pilot, sources.c.pilot), speakers.c.withdrawn,
                                  speakers.c.pseudonym_id)
                        .select_from(speakers.join(sources, sources.c.id == speakers.c.source_id))
                        .order_by(speakers.c.id)).all()
    if not rows:
        return
    stored = {pid: (key, label) for pid, key, label in
              bind.execute(sa.select(pseudonyms.c.id, pseudonyms.c.speaker_key, pseudonyms.c.label)).all()}
    # person key -> the pseudonyms its speaker rows point to (each pseudonym goes with its first row)
    owner: dict[int, str] = {}
    rows_of: dict[int, list[int]] = defaultdict(list)
    for sid, label, actor, organisation, pilot, withdrawn, pid in rows:
        if pid is None or pid not in stored:
            continue
        rows_of[pid].append(sid)
        if pid not in owner:  # a withdrawn person's label is the pseudonym already: key kept
            owner[pid] = f"\x00{pid}" if withdrawn else person_key(label, actor, organisation, pilot)
    people: dict[str, set[int]] = defaultdict(set)
    for pid, key in owner.items():
        people[key].add(pid)
    keep: dict[int, str] = {}     # surviving pseudonym -> its new key
    merged: dict[int, int] = {}   # retired pseudonym -> the surviving one
    for key, pids in people.items():
        survivor = min(pids)
        keep[survivor] = stored[survivor][0] if key.startswith("\x00") else key
        for pid in pids - {survivor}:
            merged[pid] = survivor
    changed = {pid: key for pid, key in keep.items() if stored[pid][0] != key and pid not in merged}
    if not changed and not merged:
        return
    # free every key that changes before setting the new ones (the column is unique)
    for pid in list(changed) + list(merged):
        bind.execute(pseudonyms.update().where(pseudonyms.c.id == pid).values(speaker_key=f"rekey:{pid}"))
    taken = {key: pid for pid, (key, _) in stored.items() if pid not in changed and pid not in merged}
    for pid, key in changed.items():
        other = taken.get(key)
        if other is not None:  # a pseudonym without speaker rows holds the key: retire that one
            bind.execute(pseudonyms.update().where(pseudonyms.c.id == other)
                         .values(speaker_key=f"merged:{other}>{pid}"))
        bind.execute(pseudonyms.update().where(pseudonyms.c.id == pid).values(speaker_key=key))
        taken[key] = pid
    for pid, survivor in merged.items():
        bind.execute(pseudonyms.update().where(pseudonyms.c.id == pid)
                     .values(speaker_key=f"merged:{pid}>{survivor}"))
        bind.execute(speakers.update().where(speakers.c.pseudonym_id == pid).values(pseudonym_id=survivor))
        old_label, new_label = stored[pid][1], stored[survivor][1]
        said = sa.select(segments.c.id).where(segments.c.speaker_id.in_(rows_of[pid]))
        bind.execute(released.update().where(released.c.segment_id.in_(said), released.c.speaker == old_label)
                     .values(speaker=new_label))


def downgrade() -> None:
    pass  # the merged pseudonyms cannot be told apart again; the old keys are not needed
