"""people: pending approval

Revision ID: 5a1f0c2d9e7b
Revises: 8e0d7124dd5c
Create Date: 2026-12-01 13:40:00
"""
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = '5a1f0c2d9e7b'
down_revision: str | None = '8e0d7124dd5c'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.add_column(sa.Column('pending_since', storage.types.UTCDateTime(timezone=True),
                                      nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('person', schema=None) as batch_op:
        batch_op.drop_column('pending_since')
