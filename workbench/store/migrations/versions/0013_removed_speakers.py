"""the names of removed sources' speakers stay known to the scrubber: removed_speakers

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-20 12:00:00

``lifecycle.remove_source`` deleted a source's speaker rows, and with them the only place the
scrubber (``sharing.roster_scrubber``) learnt their names from: a name from the removed transcript
said in another source ("Jeg ringte Ingrid ...") was no longer scrubbed. The roster rows of removed
speakers now go to ``removed_speakers``. This data step fills it for sources removed before: from
each pseudonym whose key (label|actor|organisation|pilot) no speaker row holds any more (keys of
merged pseudonyms, ``merged:ID>ID``, hold no name). A real name given in the roster's ``name``
column of such a speaker was not kept anywhere and cannot be brought back.
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

pseudonyms = sa.table("pseudonyms", sa.column("id", sa.Integer), sa.column("speaker_key", sa.String))
speakers = sa.table("speakers", sa.column("pseudonym_id", sa.Integer))


def upgrade() -> None:
    table = op.create_table(
        'removed_speakers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('actor', sa.String(length=100), nullable=True),
        sa.Column('organisation', sa.String(length=200), nullable=True),
        sa.Column('pilot', sa.String(length=100), nullable=True),
        sa.Column('name', sa.String(length=200), nullable=True),
        sa.Column('pseudonym_id', sa.Integer(), nullable=True),
        sa.Column('removed_at', sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.ForeignKeyConstraint(['pseudonym_id'], ['pseudonyms.id']),
        sa.PrimaryKeyConstraint('id'),
    )
    bind = op.get_bind()
    live = sa.select(speakers.c.pseudonym_id).where(speakers.c.pseudonym_id.is_not(None))
    rows = []
    for pid, key in bind.execute(sa.select(pseudonyms.c.id, pseudonyms.c.speaker_key)
                                 .where(pseudonyms.c.id.not_in(live))).all():
        if not key or key.startswith("merged:") or key.count("|") < 3:
            continue
        label, actor, organisation, pilot = key.rsplit("|", 3)
        if label:
            rows.append({"label": label, "actor": actor or None, "organisation": organisation or None,
                         "pilot": pilot or None, "name": None, "pseudonym_id": pid})
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table('removed_speakers')
