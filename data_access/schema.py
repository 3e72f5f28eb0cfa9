"""The schema of a shared database moves by versioned migrations (Alembic, data_access/migrations).

`python -m seed` and the importer create the current schema in one go and stamp it with the newest
revision; an existing database is brought up to date with `python -m refresher migrate` (or
`alembic upgrade head`), never by dropping someone else's data. The embedded demo file is migrated by
the app itself (it owns that file).
"""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection

from .live import capture

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def _config(conn: Connection | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


@functools.cache
def head() -> str:
    """The newest revision this version of the dashboard knows (read from the revision files once per process:
    they are this version's code)."""
    return ScriptDirectory.from_config(_config()).get_current_head()


def current(conn: Connection) -> str | None:
    """The database's revision (None: never migrated, e.g. seeded by an earlier version)."""
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(conn: Connection) -> None:
    """Apply every migration the database lacks, in conn's transaction."""
    command.upgrade(_config(conn), "head")


def stamp_current(conn: Connection) -> None:
    """After the whole schema was created from the models (seed, import into an empty database): install the
    change capture and record that the schema is the newest revision."""
    capture.install(conn)
    command.stamp(_config(conn), "head", purge=True)
