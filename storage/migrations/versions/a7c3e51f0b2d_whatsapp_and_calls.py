"""whatsapp and calls: a person's last WhatsApp message, prefers a call, landline; the
facts an outbox message's template or call script is filled from

Revision ID: a7c3e51f0b2d
Revises: e689ee0d5ae1, f1582d8f35a4 (also merges those two heads)
Create Date: 2026-12-01 13:45:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = 'a7c3e51f0b2d'
down_revision: str | tuple[str, ...] | None = ('e689ee0d5ae1', 'f1582d8f35a4')
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('whatsapp_seen_at', storage.types.UTCDateTime(timezone=True),
                                      nullable=True))
        batch_op.add_column(sa.Column('prefers_call', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('landline', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.add_column(sa.Column('variables', sa.JSON(), nullable=False,
                                      server_default='{}'))


def downgrade() -> None:
    with op.batch_alter_table('outboxmessage', schema=None) as batch_op:
        batch_op.drop_column('variables')
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('landline')
        batch_op.drop_column('prefers_call')
        batch_op.drop_column('whatsapp_seen_at')
