"""public portal: scam reports, delisting requests, aggregate check counts

Revision ID: 0012
Revises: 0001
Create Date: 2026-11-28 08:40:00
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aspjoc.db


revision: str = '0012'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index('ix_markings_public_use', 'markings', ['public_use'], unique=False)
    op.create_table('public_check_counts',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('type', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=512), nullable=False),
    sa.Column('checks', sa.Integer(), nullable=False),
    sa.Column('reported', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'type', 'value', name=op.f('pk_public_check_counts'))
    )
    op.create_table('delisting_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('observable_id', sa.Integer(), nullable=False),
    sa.Column('owner_org_id', sa.Integer(), nullable=False),
    sa.Column('marking_id', sa.Integer(), nullable=False),
    sa.Column('query', sa.String(length=512), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('contact', sa.String(length=254), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('deadline', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decision_note', sa.Text(), nullable=False),
    sa.Column('decided_by_user_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', aspjoc.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_statements', sa.Integer(), nullable=False),
    sa.Column('created_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_user_id'], ['users.id'], name=op.f('fk_delisting_requests_decided_by_user_id_users')),
    sa.ForeignKeyConstraint(['marking_id'], ['markings.id'], name=op.f('fk_delisting_requests_marking_id_markings')),
    sa.ForeignKeyConstraint(['observable_id'], ['observables.id'], name=op.f('fk_delisting_requests_observable_id_observables')),
    sa.ForeignKeyConstraint(['owner_org_id'], ['organisations.id'], name=op.f('fk_delisting_requests_owner_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_delisting_requests'))
    )
    with op.batch_alter_table('delisting_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_delisting_requests_marking_id'), ['marking_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_delisting_requests_observable_id'), ['observable_id'], unique=False)
        batch_op.create_index('ix_delisting_requests_owner_status', ['owner_org_id', 'status', 'deadline'], unique=False)
        batch_op.create_index(batch_op.f('ix_delisting_requests_reference'), ['reference'], unique=False)

    op.create_table('public_reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('reference', sa.String(length=32), nullable=False),
    sa.Column('org_id', sa.Integer(), nullable=False),
    sa.Column('marking_id', sa.Integer(), nullable=False),
    sa.Column('country', sa.String(length=2), nullable=True),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('crime_type', sa.String(length=32), nullable=True),
    sa.Column('narrative', sa.Text(), nullable=False),
    sa.Column('identifiers_text', sa.Text(), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=True),
    sa.Column('amount_micros', sa.BigInteger(), nullable=True),
    sa.Column('currency', sa.String(length=8), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('contact_phone', sa.String(length=40), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['marking_id'], ['markings.id'], name=op.f('fk_public_reports_marking_id_markings')),
    sa.ForeignKeyConstraint(['org_id'], ['organisations.id'], name=op.f('fk_public_reports_org_id_organisations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_reports')),
    sa.UniqueConstraint('reference', name=op.f('uq_public_reports_reference'))
    )
    with op.batch_alter_table('public_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_reports_marking_id'), ['marking_id'], unique=False)
        batch_op.create_index('ix_public_reports_org_status', ['org_id', 'status', 'created_at'], unique=False)

    op.create_table('public_report_identifiers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('observable_id', sa.Integer(), nullable=False),
    sa.Column('statement_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['observable_id'], ['observables.id'], name=op.f('fk_public_report_identifiers_observable_id_observables')),
    sa.ForeignKeyConstraint(['report_id'], ['public_reports.id'], name=op.f('fk_public_report_identifiers_report_id_public_reports'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['statement_id'], ['statements.id'], name=op.f('fk_public_report_identifiers_statement_id_statements')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_public_report_identifiers'))
    )
    with op.batch_alter_table('public_report_identifiers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_public_report_identifiers_observable_id'), ['observable_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_public_report_identifiers_report_id'), ['report_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('public_report_identifiers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_public_report_identifiers_report_id'))
        batch_op.drop_index(batch_op.f('ix_public_report_identifiers_observable_id'))
    op.drop_table('public_report_identifiers')
    with op.batch_alter_table('public_reports', schema=None) as batch_op:
        batch_op.drop_index('ix_public_reports_org_status')
        batch_op.drop_index(batch_op.f('ix_public_reports_marking_id'))
    op.drop_table('public_reports')
    with op.batch_alter_table('delisting_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_delisting_requests_reference'))
        batch_op.drop_index('ix_delisting_requests_owner_status')
        batch_op.drop_index(batch_op.f('ix_delisting_requests_observable_id'))
        batch_op.drop_index(batch_op.f('ix_delisting_requests_marking_id'))
    op.drop_table('delisting_requests')
    op.drop_table('public_check_counts')
    op.drop_index('ix_markings_public_use', table_name='markings')
