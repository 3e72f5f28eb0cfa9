"""Change capture that no writer can hijack: the PostgreSQL trigger functions re-created with every name
qualified by its schema and search_path pinned to `<schema>, pg_temp` (they were SECURITY DEFINER with the
search path FROM CURRENT and an unqualified journal, so a writer's temporary `change_journal` with a
trigger of its own received the insert and ran its code as the functions' owner).

SQLite's triggers run no one's rights and name no schema: they are left as they are.

Revision ID: 0005
Revises: 0004
"""

from alembic import op

from data_access.live import capture

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        capture.install(bind)  # drops the old triggers and functions, creates the pinned ones


def downgrade() -> None:
    pass  # the old definitions were unsafe: they are not brought back
