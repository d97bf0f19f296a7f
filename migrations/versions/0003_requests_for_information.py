"""correlation: requests for information and their messages; notices indexed by observable

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-28 08:10:42.579844
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aspjoc.db


revision: str = '0003'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Correlation looks up the match notices already sent for a batch's observables.
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notices_observable_id'), ['observable_id'], unique=False)

    op.create_table('requests_for_information',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('requester_org_id', sa.Integer(), nullable=False),
    sa.Column('requester_user_id', sa.Integer(), nullable=True),
    sa.Column('target_org_id', sa.Integer(), nullable=False),
    sa.Column('observable_id', sa.Integer(), nullable=False),
    sa.Column('marking_id', sa.Integer(), nullable=False),
    sa.Column('question', sa.Text(), nullable=False),
    sa.Column('deadline', aspjoc.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('disclosed', sa.Boolean(), nullable=False),
    sa.Column('created_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['marking_id'], ['markings.id'], name=op.f('fk_requests_for_information_marking_id_markings')),
    sa.ForeignKeyConstraint(['observable_id'], ['observables.id'], name=op.f('fk_requests_for_information_observable_id_observables')),
    sa.ForeignKeyConstraint(['requester_org_id'], ['organisations.id'], name=op.f('fk_requests_for_information_requester_org_id_organisations')),
    sa.ForeignKeyConstraint(['requester_user_id'], ['users.id'], name=op.f('fk_requests_for_information_requester_user_id_users')),
    sa.ForeignKeyConstraint(['target_org_id'], ['organisations.id'], name=op.f('fk_requests_for_information_target_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_requests_for_information')),
    sa.UniqueConstraint('uuid', name=op.f('uq_requests_for_information_uuid'))
    )

    with op.batch_alter_table('requests_for_information', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_requests_for_information_marking_id'), ['marking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_requests_for_information_observable_id'), ['observable_id'], unique=False)
        batch_op.create_index('ix_requests_for_information_requester', ['requester_org_id', 'status'], unique=False)
        batch_op.create_index('ix_requests_for_information_target', ['target_org_id', 'status'], unique=False)

    op.create_table('request_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('author_org_id', sa.Integer(), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_org_id'], ['organisations.id'], name=op.f('fk_request_messages_author_org_id_organisations')),
    sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_request_messages_author_user_id_users')),
    sa.ForeignKeyConstraint(['request_id'], ['requests_for_information.id'], name=op.f('fk_request_messages_request_id_requests_for_information'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_request_messages'))
    )

    with op.batch_alter_table('request_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_request_messages_request_id'), ['request_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('request_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_request_messages_request_id'))
    op.drop_table('request_messages')
    with op.batch_alter_table('requests_for_information', schema=None) as batch_op:
        batch_op.drop_index('ix_requests_for_information_target')
        batch_op.drop_index('ix_requests_for_information_requester')
        batch_op.drop_index(batch_op.f('ix_requests_for_information_observable_id'))
        batch_op.drop_index(batch_op.f('ix_requests_for_information_marking_id'))
    op.drop_table('requests_for_information')
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_observable_id'))
