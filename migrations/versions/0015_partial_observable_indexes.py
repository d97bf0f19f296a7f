"""observables: the domain and number indexes hold only the rows that have one

Most observables have no domain (IPs, hashes, phone numbers, accounts) or no number (all but IP
addresses and blocks); every query on either column compares it, which implies IS NOT NULL, so
the partial indexes serve the same queries, and bulk ingest stops writing an entry per row.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-28 14:30:00.000000
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = '0015'
down_revision: str | Sequence[str] | None = '0014'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index('ix_observables_domain', table_name='observables')
    op.drop_index('ix_observables_num', table_name='observables')
    op.create_index('ix_observables_domain', 'observables', ['domain'], unique=False,
                    sqlite_where=sa.text('domain IS NOT NULL'), postgresql_where=sa.text('domain IS NOT NULL'))
    op.create_index('ix_observables_num', 'observables', ['num_lo', 'num_hi'], unique=False,
                    sqlite_where=sa.text('num_lo IS NOT NULL'), postgresql_where=sa.text('num_lo IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_observables_num', table_name='observables')
    op.drop_index('ix_observables_domain', table_name='observables')
    op.create_index('ix_observables_num', 'observables', ['num_lo', 'num_hi'], unique=False)
    op.create_index('ix_observables_domain', 'observables', ['domain'], unique=False)
