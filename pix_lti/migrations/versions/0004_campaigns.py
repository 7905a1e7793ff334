"""campaigns: one active participation per learner and campaign

A partial unique index on (campaign_id, user_id) over the participations not superseded by a retry (is_improved false):
two concurrent "Je commence" cannot create two active participations; retries keep the older ones, flagged improved.

Revision ID: 0004_campaigns
Revises: 0003_assessment
Create Date: 2026-11-22 04:19:42.574169
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0004_campaigns'
down_revision: str | Sequence[str] | None = '0003_assessment'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_WHERE = {"sqlite_where": sa.text("is_improved = 0"), "postgresql_where": sa.text("NOT is_improved")}


def upgrade() -> None:
    with op.batch_alter_table('campaign_participations', schema=None) as batch_op:
        batch_op.create_index('uq_campaign_participations_active', ['campaign_id', 'user_id'], unique=True, **_WHERE)


def downgrade() -> None:
    with op.batch_alter_table('campaign_participations', schema=None) as batch_op:
        batch_op.drop_index('uq_campaign_participations_active', **_WHERE)
