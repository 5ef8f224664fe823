"""keyed hashes of the quotes digests showed

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 21:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The shown_quote_gram table: what the "you said, we did" quote check compares against."""
    op.create_table(
        "shown_quote_gram",
        sa.Column("digest_key", sa.String(length=80), nullable=False),
        sa.Column("gram", sa.String(length=64), nullable=False),
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("shown_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("digest_key", "gram"),
    )
    op.create_index("ix_shown_quote_gram_shown_on", "shown_quote_gram", ["shown_on"])


def downgrade() -> None:
    """Revert this revision."""
    op.drop_index("ix_shown_quote_gram_shown_on", table_name="shown_quote_gram")
    op.drop_table("shown_quote_gram")
