"""statements: tags column; drop the indexes on observable_id and crime_type

The unique (observable_id, owner_org_id, kind, source) index already serves every look-up by
observable; crime type has a dozen values and is always filtered beside narrower conditions.
Each index cost bulk ingest about a second per million statements.

Revision ID: 0014
Revises: 0001
Create Date: 2026-11-28 12:00:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0014'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tags', sa.Text(), server_default='[]', nullable=False))
        batch_op.drop_index(batch_op.f('ix_statements_observable_id'))
        batch_op.drop_index(batch_op.f('ix_statements_crime_type'))


def downgrade() -> None:
    with op.batch_alter_table('statements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_statements_crime_type'), ['crime_type'], unique=False)
        batch_op.create_index(batch_op.f('ix_statements_observable_id'), ['observable_id'], unique=False)
        batch_op.drop_column('tags')
