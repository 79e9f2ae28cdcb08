"""console accounts, sessions and login attempts

Revision ID: 2f7476b196a2
Revises: bccf3799a698
Create Date: 2026-12-01 09:39:41.850642
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.types

revision: str = '2f7476b196a2'
down_revision: str | None = 'bccf3799a698'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('consoleaccount',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sqlmodel.sql.sqltypes.AutoString(length=254), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column('role', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('phone', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
    sa.Column('password_hash', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('disabled_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('email')
    )
    op.create_table('consolesession',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('csrf_token', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('flash', sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
    sa.Column('created_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', storage.types.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['consoleaccount.id'], ),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token_hash')
    )
    with op.batch_alter_table('consolesession', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consolesession_account_id'), ['account_id'], unique=False)

    op.create_table('loginattempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', storage.types.UTCDateTime(timezone=True), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=True),
    sa.Column('client_hash', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('success', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['consoleaccount.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_account', ['account_id', 'at'], unique=False)
        batch_op.create_index('ix_login_attempt_client', ['client_hash', 'at'], unique=False)

    op.create_table('consolemembership',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('scheme_id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['consoleaccount.id'], ),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], ),
    sa.ForeignKeyConstraint(['scheme_id'], ['scheme.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('account_id', 'scheme_id', name='uq_membership')
    )
    with op.batch_alter_table('consolemembership', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consolemembership_account_id'), ['account_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_consolemembership_scheme_id'), ['scheme_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('consolemembership', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consolemembership_scheme_id'))
        batch_op.drop_index(batch_op.f('ix_consolemembership_account_id'))

    op.drop_table('consolemembership')
    with op.batch_alter_table('loginattempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_client')
        batch_op.drop_index('ix_login_attempt_account')

    op.drop_table('loginattempt')
    with op.batch_alter_table('consolesession', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consolesession_account_id'))

    op.drop_table('consolesession')
    op.drop_table('consoleaccount')
