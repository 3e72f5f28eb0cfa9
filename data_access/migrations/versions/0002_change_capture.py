"""Change capture: the change journal, the refresher's state and runs, and the triggers on every dataset table.

After this migration a database that other programs write keeps its summaries current through the
refresher (`python -m refresher`); `python -m refresher migrate` also rebuilds the summaries once, since
writes made before the triggers existed were never journalled.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from data_access.live import capture
from data_access.live.models import ChangeJournal, RefreshRun, RefreshState

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TABLES = (ChangeJournal.__table__, RefreshState.__table__, RefreshRun.__table__)


def upgrade() -> None:
    bind = op.get_bind()
    for table in TABLES:
        table.create(bind, checkfirst=True)
    capture.install(bind)


def downgrade() -> None:
    bind = op.get_bind()
    capture.uninstall(bind)
    for table in reversed(TABLES):
        table.drop(bind, checkfirst=True)
