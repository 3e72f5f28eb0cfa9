"""Is the database reachable? One short round trip on a small engine of its own (the health route's)."""

from __future__ import annotations

import threading

from sqlalchemy import text
from sqlalchemy.engine import Engine

from .db import database_url, read_engine

_engine: Engine | None = None
_lock = threading.Lock()


def _get() -> Engine:
    global _engine
    with _lock:
        if _engine is None:
            _engine = read_engine(database_url())
        return _engine


def database_reachable() -> tuple[bool, str]:
    """(True, "") when `SELECT 1` answers; else (False, the error's class and first line), never raising."""
    try:
        with _get().connect() as conn:
            conn.execute(text("SELECT 1"))
        return True, ""
    except Exception as exc:  # any failure to reach the database is an unhealthy answer, not a crash
        first = (str(exc).strip().splitlines() or [""])[0][:200]
        return False, f"{type(exc).__name__}: {first}"
