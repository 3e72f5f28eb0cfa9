"""Import changes: each import run records the dataset it replaced (rows per entity, its data date, whether
it was the demo) and the data date it set, so the data page can show what each import changed.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

COLUMNS = (("replaced", sa.Text()), ("as_of", sa.Date()))


def _have() -> set[str] | None:
    inspector = sa.inspect(op.get_bind())
    if not inspector.has_table("import_run"):
        return None  # never imported: the importer creates the table with these columns when it first runs
    return {c["name"] for c in inspector.get_columns("import_run")}


def upgrade() -> None:
    have = _have()
    if have is None:
        return
    for name, kind in COLUMNS:
        if name not in have:  # the baseline creates tables from the current models: they may be there already
            op.add_column("import_run", sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    have = _have() or set()
    for name, _kind in COLUMNS:
        if name in have:
            with op.batch_alter_table("import_run") as batch:
                batch.drop_column(name)
