"""sources: configured feeds and their fetches

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-28 08:10:42.579844
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aspjoc.db


revision: str = '0004'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ('0002',)


def upgrade() -> None:
    op.create_table('sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=100), nullable=False),
    sa.Column('url', sa.Text(), nullable=False),
    sa.Column('format', sa.String(length=32), nullable=False),
    sa.Column('options', sa.Text(), nullable=False),
    sa.Column('interval_minutes', sa.Integer(), nullable=False),
    sa.Column('owner_org_id', sa.Integer(), nullable=False),
    sa.Column('marking_id', sa.Integer(), nullable=False),
    sa.Column('reliability', sa.String(length=1), nullable=True),
    sa.Column('credibility', sa.SmallInteger(), nullable=True),
    sa.Column('enabled', sa.Boolean(), nullable=False),
    sa.Column('etag', sa.String(length=512), nullable=True),
    sa.Column('last_modified', sa.String(length=64), nullable=True),
    sa.Column('next_due_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_fetch_at', aspjoc.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_outcome', sa.String(length=16), nullable=True),
    sa.Column('last_success_at', aspjoc.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('created_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['marking_id'], ['markings.id'], name=op.f('fk_sources_marking_id_markings')),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organisations.id'], name=op.f('fk_sources_owner_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sources')),
    sa.UniqueConstraint('name', name=op.f('uq_sources_name'))
    )

    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.create_index('ix_sources_due', ['enabled', 'next_due_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sources_marking_id'), ['marking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sources_owner_org_id'), ['owner_org_id'], unique=False)

    op.create_table('source_fetches',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('source_id', sa.Integer(), nullable=False),
    sa.Column('started_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('finished_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('outcome', sa.String(length=16), nullable=False),
    sa.Column('http_status', sa.Integer(), nullable=True),
    sa.Column('bytes', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=True),
    sa.Column('read', sa.Integer(), nullable=False),
    sa.Column('stored', sa.Integer(), nullable=False),
    sa.Column('new', sa.Integer(), nullable=False),
    sa.Column('updated', sa.Integer(), nullable=False),
    sa.Column('rejected', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['run_id'], ['ingest_runs.id'], name=op.f('fk_source_fetches_run_id_ingest_runs'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], name=op.f('fk_source_fetches_source_id_sources'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_source_fetches'))
    )

    with op.batch_alter_table('source_fetches', schema=None) as batch_op:
        batch_op.create_index('ix_source_fetches_source_started', ['source_id', 'started_at'], unique=False)

    # ### end Alembic commands ###


def downgrade() -> None:
    with op.batch_alter_table('source_fetches', schema=None) as batch_op:
        batch_op.drop_index('ix_source_fetches_source_started')
    op.drop_table('source_fetches')
    with op.batch_alter_table('sources', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sources_owner_org_id'))
        batch_op.drop_index(batch_op.f('ix_sources_marking_id'))
        batch_op.drop_index('ix_sources_due')
    op.drop_table('sources')
