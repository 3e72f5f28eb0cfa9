"""First start: make sure the database holds the dashboard's tables, creating the embedded demo file if needed."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import inspect
from sqlalchemy.engine import URL

from .db import DEFAULT_SQLITE_PATH, is_default_database, read_engine, write_engine


class DatabaseNotReady(RuntimeError):
    """The configured database has no dashboard tables; someone must run `python -m seed` against it."""


def database_ready(url: URL) -> bool:
    """True when the database answers and holds the dataset_meta table."""
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return False
    engine = read_engine(url)
    try:
        return "dataset_meta" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def ensure_demo_database(url: URL, progress: Callable[[float, str], None]) -> None:
    """Seed the embedded SQLite file on first start; other databases are never written by the app.

    The file is built under a temporary name and renamed into place, and a lock keeps two first
    sessions from building it twice.
    """
    if database_ready(url):
        return
    if not is_default_database(url):
        raise DatabaseNotReady("database has no dashboard tables")
    from seed.generator import SeedConfig, generate  # imported late: only the first start needs it

    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    lock_path = DEFAULT_SQLITE_PATH.with_suffix(".lock")
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if DEFAULT_SQLITE_PATH.exists():  # another session finished it while we waited
            return
        tmp = DEFAULT_SQLITE_PATH.with_suffix(".building")
        tmp.unlink(missing_ok=True)
        engine = write_engine(f"sqlite:///{tmp}")
        try:
            generate(engine, SeedConfig(), progress)
        finally:
            engine.dispose()
        os.replace(tmp, DEFAULT_SQLITE_PATH)
