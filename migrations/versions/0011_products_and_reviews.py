"""Products (assessments, advisories, activity reports, bulletins) and their reviews.

Revision ID: 0011
Revises: 0001
Create Date: 2026-11-28 08:08:57.037150
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import aspjoc.db


revision: str = '0011'
down_revision: str | Sequence[str] | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table('products',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('uuid', sa.String(length=36), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('status', sa.String(length=20), nullable=False),
    sa.Column('marking_id', sa.Integer(), nullable=False),
    sa.Column('author_org_id', sa.Integer(), nullable=False),
    sa.Column('author_user_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('countries', sa.String(length=200), nullable=False),
    sa.Column('crime_type', sa.String(length=32), nullable=True),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('detection', sa.Text(), nullable=False),
    sa.Column('prevention', sa.Text(), nullable=False),
    sa.Column('content', sa.Text(), nullable=False),
    sa.Column('generated_at', aspjoc.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('submitted_at', aspjoc.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('approved_by_user_id', sa.Integer(), nullable=True),
    sa.Column('approved_at', aspjoc.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('published_at', aspjoc.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('created_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_user_id'], ['users.id'], name=op.f('fk_products_approved_by_user_id_users')),
    sa.ForeignKeyConstraint(['author_org_id'], ['organisations.id'], name=op.f('fk_products_author_org_id_organisations')),
    sa.ForeignKeyConstraint(['author_user_id'], ['users.id'], name=op.f('fk_products_author_user_id_users')),
    sa.ForeignKeyConstraint(['marking_id'], ['markings.id'], name=op.f('fk_products_marking_id_markings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_products')),
    sa.UniqueConstraint('uuid', name=op.f('uq_products_uuid'))
    )
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_products_author_org_id'), ['author_org_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_products_marking_id'), ['marking_id'], unique=False)
        batch_op.create_index('ix_products_status_published', ['status', 'published_at'], unique=False)

    op.create_table('product_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('product_id', sa.Integer(), nullable=False),
    sa.Column('reviewer_user_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.String(length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('at', aspjoc.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['product_id'], ['products.id'], name=op.f('fk_product_reviews_product_id_products'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reviewer_user_id'], ['users.id'], name=op.f('fk_product_reviews_reviewer_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_product_reviews'))
    )
    with op.batch_alter_table('product_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_product_reviews_product_id'), ['product_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('product_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_product_reviews_product_id'))

    op.drop_table('product_reviews')
    with op.batch_alter_table('products', schema=None) as batch_op:
        batch_op.drop_index('ix_products_status_published')
        batch_op.drop_index(batch_op.f('ix_products_marking_id'))
        batch_op.drop_index(batch_op.f('ix_products_author_org_id'))

    op.drop_table('products')
