"""The throw-away copy the live bench works on (SQLite: a copy of the file; PostgreSQL: CREATE DATABASE …
TEMPLATE, dropped afterwards), made current and captured, and its dataset_meta read and written."""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, insert, select, text, update
from sqlalchemy.engine import make_url

from data_access import models as m
from data_access import schema
from data_access.db import write_engine
from data_access.live import capture


@contextmanager
def database_copy(url: str, backend: str, tag: str, data_dir: Path) -> Iterator[str]:
    """A scratch copy of the database at url, removed afterwards; yields the copy's URL."""
    if backend == "sqlite":
        src = make_url(url).database
        dst = data_dir / f"bench_live-s{tag}-{os.getpid()}.sqlite"
        with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
            a.backup(b)  # consistent whatever journal mode the original is in
        a.close()
        b.close()
        try:
            yield f"sqlite:///{dst}"
        finally:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{dst}{suffix}").unlink(missing_ok=True)
        return
    base = make_url(url)
    name = f"bench_live_s{tag}_{os.getpid()}"
    admin = create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            for attempt in range(20):  # autovacuum may still be looking at a fresh seed
                try:
                    conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{base.database}"'))
                    break
                except Exception as exc:  # noqa: BLE001
                    if "being accessed by other users" not in str(exc) or attempt == 19:
                        raise
                    time.sleep(1)
        try:
            yield base.set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


def prepare(url: str) -> None:
    """The copy at this version's schema, with the change capture installed (a database seeded by an
    older version is migrated: on the copy only)."""
    engine = write_engine(url)
    try:
        with engine.connect() as conn:
            fresh = schema.current(conn) == schema.head()
        if not fresh:
            from data_access.bootstrap import migrate

            migrate(url)
        with engine.begin() as conn:
            if not capture.expected() <= capture.installed(conn):
                capture.install(conn)
    finally:
        engine.dispose()


def read_meta(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(m.DatasetMeta.key, m.DatasetMeta.value)).all())


def write_meta(engine: Engine, **values: str) -> None:
    t = m.DatasetMeta.__table__
    with engine.begin() as conn:
        for key, value in values.items():
            if conn.execute(update(t).where(t.c.key == key).values(value=value)).rowcount == 0:
                conn.execute(insert(t).values(key=key, value=value))
