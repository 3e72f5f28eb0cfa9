"""Which exceptions mean the database is down, busy or slow (told plainly to viewers), and which are bugs."""

from __future__ import annotations

import logging
import sqlite3

import psycopg
from pandas.errors import DatabaseError as PandasDatabaseError
from sqlalchemy import exc as sa_exc

log = logging.getLogger("erqi.db")

# What a driver, the pool or the network can raise while the database is away. SQLAlchemy wraps most
# driver errors, but not all (a cursor already handed to pandas, a socket closing mid-fetch).
DB_ERRORS: tuple[type[BaseException], ...] = (
    sa_exc.SQLAlchemyError,
    sqlite3.Error,
    psycopg.Error,
    PandasDatabaseError,
    OSError,
)

UNREACHABLE, BUSY, SLOW, NOT_READY = "db_unreachable", "db_busy", "db_slow", "db_not_ready"

# SQLAlchemy errors that come from our own code, never from the database's state.
_OUR_BUGS = (
    sa_exc.ArgumentError,
    sa_exc.CompileError,
    sa_exc.InvalidRequestError,
    sa_exc.NoSuchModuleError,
    sa_exc.DataError,
    sa_exc.IntegrityError,
    sa_exc.NotSupportedError,
)
# SQLSTATE codes (PostgreSQL) by what they tell a viewer.
_PG_SLOW = {"57014"}  # query_canceled: statement_timeout
_PG_BUSY = {"55P03", "40P01", "40001", "53300"}  # lock_not_available, deadlock, serialization, too many connections
_PG_NOT_READY = {"42P01", "3F000", "3D000"}  # undefined table, schema, database
# SQLite reports its state and our mistakes through the same exception class; the message tells them apart.
_SQLITE_BUGS = ("syntax error", "no such column", "no such function", "misuse", "ambiguous column", "attempt to write")


def classify(exc: BaseException) -> str | None:
    """The viewer's message key for a database failure, or None when exc is a bug in the app."""
    if isinstance(exc, PandasDatabaseError) and exc.__cause__ is not None:
        return classify(exc.__cause__)  # pandas rewraps the driver's error: judge the original
    if isinstance(exc, sa_exc.TimeoutError):  # the pool had no free connection in time
        return BUSY
    if isinstance(exc, _OUR_BUGS):
        return None
    orig = getattr(exc, "orig", None) if isinstance(exc, sa_exc.DBAPIError) else exc
    if orig is None:
        orig = exc
    code = getattr(getattr(orig, "diag", None), "sqlstate", None) or getattr(orig, "sqlstate", None)
    if code:
        if code in _PG_SLOW:
            return SLOW
        if code in _PG_BUSY:
            return BUSY
        if code in _PG_NOT_READY:
            return NOT_READY
        if code[:2] in {"42", "22", "23", "25", "0A"}:  # syntax/access, data, integrity, read-only, unsupported
            return None
        return UNREACHABLE
    message = str(orig).lower()
    if isinstance(orig, sqlite3.Error):
        if "interrupted" in message:
            return SLOW
        if "locked" in message or "busy" in message:
            return BUSY
        if "no such table" in message:
            return NOT_READY
        if any(word in message for word in _SQLITE_BUGS) or isinstance(orig, sqlite3.ProgrammingError):
            return None
        return UNREACHABLE
    if isinstance(exc, sa_exc.ProgrammingError):
        return None
    if isinstance(exc, DB_ERRORS):
        return UNREACHABLE
    return None


def describe(exc: BaseException) -> str:
    """A one-line account of exc for the server log (exception class and the driver's first line)."""
    if isinstance(exc, PandasDatabaseError) and exc.__cause__ is not None:
        exc = exc.__cause__
    orig = getattr(exc, "orig", None) or exc
    first = str(orig).strip().splitlines()[0] if str(orig).strip() else ""
    return f"{type(exc).__name__}/{type(orig).__name__}: {first[:300]}"
