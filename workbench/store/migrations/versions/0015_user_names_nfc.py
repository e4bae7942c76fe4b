"""user names in Unicode NFC

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-07 20:00:00

``users.name`` is now written and compared in NFC (``models.UserName``): a coder name typed in
decomposed form (A plus a combining ring, as some Mac tools write "Åse") is the same user as the
composed one, where it used to become a second user who looked the same. This stores the names
already in the database in NFC, so that they are still found. A decomposed name whose NFC form
is already another user's name becomes that name with a number, "Åse (2)": two users stay two
(nothing is merged silently), and both can be found, told apart and chosen again (left in
decomposed form, the second could never be looked up, since every lookup is NFC).
"""
import unicodedata

from alembic import op
import sqlalchemy as sa


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    users = sa.table("users", sa.column("id", sa.Integer), sa.column("name", sa.String))
    bind = op.get_bind()
    rows = bind.execute(sa.select(users.c.id, users.c.name)).all()
    taken = {name for _, name in rows}
    for user_id, name in rows:
        nfc = unicodedata.normalize("NFC", name)
        if nfc == name:
            continue
        new, number = nfc, 2
        while new in taken:
            new, number = f"{nfc} ({number})", number + 1
        bind.execute(users.update().where(users.c.id == user_id).values(name=new))
        taken.discard(name)
        taken.add(new)


def downgrade() -> None:
    pass  # NFC names are valid names in the old schema too
