"""Baseline: the dataset and summary tables as `python -m seed` created them before migrations existed.

A database seeded or imported by an earlier version already has them and is only stamped with this
revision; an empty database gets them created.

Revision ID: 0001
Revises:
"""

from alembic import op

from data_access import models as m
from data_access.live.models import BOOKKEEPING

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    tables = [t for t in m.Base.metadata.sorted_tables if t.name not in BOOKKEEPING]
    m.Base.metadata.create_all(op.get_bind(), tables=tables, checkfirst=True)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: drop the database instead")
