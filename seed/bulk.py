"""Fast bulk inserts: executemany on SQLite, COPY on PostgreSQL, plain SQLAlchemy elsewhere."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import islice

from sqlalchemy import Connection, Table

CHUNK = 50_000


def _sqlite_datetime(v: datetime) -> str:
    return v.strftime("%Y-%m-%d %H:%M:%S.%f")


def _sqlite_date(v: date) -> str:
    return v.isoformat()


def _sqlite_adapters() -> None:
    """SQLAlchemy's SQLite dialect stores dates and datetimes as ISO text: the driver writes the same shape
    for the bulk load, in its own C loop (a Python check of every value cost a second per million rows).
    The driver finds an adapter by exact type, so pandas' Timestamp is named too. SQLAlchemy converts its
    own parameters to text before the driver sees them, so nothing else meets these adapters."""
    import pandas as pd

    sqlite3.register_adapter(datetime, _sqlite_datetime)
    sqlite3.register_adapter(pd.Timestamp, _sqlite_datetime)
    sqlite3.register_adapter(date, _sqlite_date)


def insert_rows(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence]) -> int:
    """Insert rows (tuples in `columns` order) into table; returns how many."""
    backend = conn.dialect.name
    cols = ", ".join(columns)
    total = 0
    it = iter(rows)
    if backend == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({cols}) FROM STDIN") as copy:
            for row in it:
                copy.write_row(row)
                total += 1
        cursor.close()
        return total
    if backend == "sqlite":
        _sqlite_adapters()
        sql = f"INSERT INTO {table.name} ({cols}) VALUES ({', '.join('?' for _ in columns)})"
        while chunk := list(islice(it, CHUNK)):
            conn.exec_driver_sql(sql, chunk)
            total += len(chunk)
        return total
    while chunk := list(islice(it, CHUNK)):
        conn.execute(table.insert(), [dict(zip(columns, r)) for r in chunk])
        total += len(chunk)
    return total
