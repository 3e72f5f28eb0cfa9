"""Sign-in attempts: the table every server process counts failed sign-ins in (per client and per name).

Revision ID: 0003
Revises: 0002
"""

from alembic import op

from data_access.live.models import SignInAttempt

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    SignInAttempt.__table__.create(op.get_bind(), checkfirst=True)


def downgrade() -> None:
    SignInAttempt.__table__.drop(op.get_bind(), checkfirst=True)
