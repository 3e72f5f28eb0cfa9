"""Fast bulk inserts: executemany on SQLite, COPY on PostgreSQL, plain SQLAlchemy elsewhere."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from itertools import islice

from sqlalchemy import Connection, Table

CHUNK = 50_000


def _sqlite_value(v: object) -> object:
    # SQLAlchemy's SQLite dialect stores dates and datetimes as ISO text; write the same shape.
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, bool):
        return int(v)
    return v


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
        sql = f"INSERT INTO {table.name} ({cols}) VALUES ({', '.join('?' for _ in columns)})"
        while chunk := list(islice(it, CHUNK)):
            conn.exec_driver_sql(sql, [tuple(_sqlite_value(v) for v in r) for r in chunk])
            total += len(chunk)
        return total
    while chunk := list(islice(it, CHUNK)):
        conn.execute(table.insert(), [dict(zip(columns, r)) for r in chunk])
        total += len(chunk)
    return total
