"""Stocks with a past: the dated spells of members, organisations, building groups, teams, volunteers and
facilities (stock_spell), written by the feeding systems with every join, transfer and leaving, and its
change capture.

A database that had no such history gets one open spell per current row (its own date where it has one),
and dataset_meta `history_from` says the history is complete only from the day it began: the data date of
a dataset that is not live, today for a live one. Before that day the pages say a stock has no past.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from data_access import history
from data_access.live import capture
from data_access.models import DatasetMeta, StockSpell

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    StockSpell.__table__.create(bind, checkfirst=True)  # the baseline creates it already on a new database
    meta = DatasetMeta.__table__
    if sa.inspect(bind).has_table(meta.name):
        info = dict(bind.execute(sa.select(meta.c.key, meta.c.value)).all())
        if info.get("as_of"):
            history.backfill(bind, history.start_of_history(info))
    capture.install(bind)  # the new table's writes are journalled like every dataset table's


def downgrade() -> None:
    bind = op.get_bind()
    name = StockSpell.__tablename__
    for suffix in ("i", "d", "u", "t"):  # the table's capture triggers (and PostgreSQL's functions)
        trigger = f"{capture.PREFIX}{name}_{suffix}"
        if bind.dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {name}")
            op.execute(f"DROP FUNCTION IF EXISTS {trigger}()")
        elif suffix != "t":
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    StockSpell.__table__.drop(bind, checkfirst=True)
    op.execute(sa.delete(DatasetMeta.__table__).where(DatasetMeta.__table__.c.key == history.HISTORY_FROM))
