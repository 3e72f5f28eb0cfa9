"""First start: make sure the database holds the dashboard's tables, creating the embedded demo file if needed."""

from __future__ import annotations

import fcntl
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine, func, inspect, select, text
from sqlalchemy.engine import URL
from sqlalchemy.exc import OperationalError

from . import models as m
from .db import LIVE_DEMO_PATH, PROJECT_DIR, is_default_database, read_engine, write_engine


class DatabaseNotReady(RuntimeError):
    """The configured database has no dashboard tables; someone must run `python -m seed` against it."""


class SchemaOutdated(RuntimeError):
    """The database's schema is older than this version's migrations; `python -m refresher migrate`
    brings it up to date (the app itself never changes a configured database's schema)."""


class RollupsOutdated(RuntimeError):
    """The database's summary tables come from an older version; `python -m seed --rollups-only` rebuilds
    them from the raw rows (the app itself never writes to a configured database)."""


# The three checks below (tables there, summaries current, schema at head) reflect the database's tables and
# read Alembic's revisions: done for every new session they were half of a newcomer's first page. They hold
# for the database, not the session, so a pass is remembered for the process a short while: a burst of new
# sessions checks once; a database replaced underneath is noticed by the next session after CHECK_TTL.
CHECK_TTL = 30.0
_passed: dict[str, float] = {}  # rendered URL -> monotonic time the checks last all passed


def recently_checked(url: URL) -> bool:
    """True when this process found the database ready and current less than CHECK_TTL seconds ago."""
    at = _passed.get(url.render_as_string(hide_password=False))
    return at is not None and time.monotonic() - at < CHECK_TTL


def mark_checked(url: URL) -> None:
    """Remember that the database passed every check just now."""
    _passed[url.render_as_string(hide_password=False)] = time.monotonic()


def forget_checks() -> None:
    """Forget every remembered pass (tests, and after this process changed a database's layout)."""
    _passed.clear()


def database_ready(url: URL) -> bool:
    """True when the database answers and holds the dataset_meta table."""
    if url.get_backend_name() == "sqlite" and not Path(url.database or "").exists():
        return False
    engine = read_engine(url)
    try:
        return "dataset_meta" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def demo_flag(url: URL) -> bool | None:
    """The dataset's own demo flag (dataset_meta is_demo = 1: the generator's made-up people; an import
    writes 0), or None when the database holds no dataset yet."""
    if not database_ready(url):
        return None
    engine = read_engine(url)
    try:
        with engine.connect() as conn:
            value = conn.execute(select(m.DatasetMeta.value).where(m.DatasetMeta.key == "is_demo")).scalar()
        return value == "1"
    finally:
        engine.dispose()


def rollups_current(url: URL) -> bool:
    """True when every summary table the pages read exists with this version's columns."""
    from .rollups import stale_tables

    engine = read_engine(url)
    try:
        with engine.connect() as conn:
            return not stale_tables(conn)
    finally:
        engine.dispose()


def schema_current(url: URL) -> bool:
    """True when the database is at this version's newest migration (change capture installed)."""
    from .schema import current, head

    engine = read_engine(url)
    try:
        with engine.connect() as conn:
            return current(conn) == head()
    finally:
        engine.dispose()


def ensure_schema(url: URL, progress: Callable[[float, str], None]) -> None:
    """Migrate the embedded demo file (older than this version) and rebuild its summaries once, since writes
    before the change capture existed were never journalled; any other database: SchemaOutdated."""
    if not is_default_database(url):
        raise SchemaOutdated("schema older than this version")
    with open(Path(url.database).with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if schema_current(url):
            return
        progress(0.1, "数据库结构 schema")
        migrate(url)
        progress(1.0, "完成 done")


def migrate(url: URL | str) -> None:
    """Bring a database to the newest schema revision, then rebuild its summaries and reset the refresher's
    state, all in one transaction (`python -m refresher migrate`)."""
    from .live.refresh import reset
    from .rollups import rebuild
    from .schema import upgrade

    engine = write_engine(url)
    try:
        with engine.begin() as conn:
            upgrade(conn)
            rebuild(conn)
            reset(conn, "full")
        settle(engine)
    finally:
        engine.dispose()


def ensure_rollups(url: URL, progress: Callable[[float, str], None]) -> None:
    """Rebuild the summary tables of the embedded demo file, which the caller found out of date (under the
    first-start lock); any other database is the administrator's to update: RollupsOutdated says so."""
    if not is_default_database(url):
        raise RollupsOutdated("summary tables missing or from an older version")
    with open(Path(url.database).with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if rollups_current(url):  # current already, or another session rebuilt them while we waited
            return
        progress(0.1, "汇总表 summary tables")
        rebuild_rollups(url)
        progress(1.0, "完成 done")


def rebuild_rollups(url: URL | str) -> dict[str, int]:
    """Rebuild every summary table from the raw rows in one transaction, then refresh the statistics. With
    change capture in place, the journal is emptied and the data version moves in the same transaction."""
    from .live.refresh import reset
    from .rollups import rebuild

    engine = write_engine(url)
    try:
        with engine.begin() as conn:
            counts = rebuild(conn)
            if "refresh_state" in inspect(conn).get_table_names():
                reset(conn, "full")
        settle(engine)
        return counts
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
    path = Path(url.database)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if path.exists():  # another session finished it while we waited
            return
        tmp = path.with_suffix(".building")
        tmp.unlink(missing_ok=True)
        # the live demo's data ends yesterday; the simulator writes today's as it happens
        build_demo_file(tmp, progress, live=path == LIVE_DEMO_PATH)
        os.replace(tmp, path)


class DemoBuildFailed(RuntimeError):
    """`python -m seed` could not build the embedded demo file (its last words are the message)."""


_PROGRESS = re.compile(r"^\s*\[\s*([0-9.]+)%\]\s+(.*?)\s+\([0-9.]+s\)\s*$")


def build_demo_file(path: Path, progress: Callable[[float, str], None], live: bool = False, *extra: str) -> None:
    """Build the demo dataset into a new SQLite file at path through the generator's own command,
    `python -m seed`: the one way from this floor to the generator (data_access never imports seed; seed
    imports data_access). It runs as a process of its own, so its work never holds the viewers' interpreter
    lock; its progress lines move progress(fraction, message)."""
    cmd = [sys.executable, "-m", "seed", "--url", f"sqlite:///{path}", *(["--live"] if live else []), *extra]
    tail: list[str] = []
    with subprocess.Popen(
        cmd, cwd=PROJECT_DIR, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8"
    ) as proc:
        for line in proc.stdout:
            hit = _PROGRESS.match(line)
            if hit:
                progress(float(hit[1]) / 100, hit[2])
            elif line.strip():
                tail = [*tail[-4:], line.strip()]
    if proc.returncode != 0:
        path.unlink(missing_ok=True)
        raise DemoBuildFailed(tail[-1] if tail else f"python -m seed ended with status {proc.returncode}")


def settle(engine: Engine) -> None:
    """After the dataset or its summary tables were written (seed, import, rebuild): make the file easy to open read-only (SQLite), keep id sequences right (PostgreSQL), and leave fresh
    statistics; on PostgreSQL also a vacuumed visibility map, so counts over an index (people per place)
    are index-only scans from the first page view instead of after autovacuum gets round to it."""
    backend = engine.dialect.name
    with engine.begin() as conn:
        if backend == "postgresql":
            for table in m.Base.metadata.sorted_tables:
                if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
                    seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
                    if seq:
                        top = conn.execute(select(func.max(table.c.id))).scalar() or 1
                        conn.execute(text("SELECT setval(:s, :v)"), {"s": seq, "v": top})
        elif backend == "sqlite":
            conn.exec_driver_sql("ANALYZE")
    if backend == "postgresql":  # VACUUM cannot run inside a transaction
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            for table in m.Base.metadata.sorted_tables:
                conn.exec_driver_sql(f'VACUUM (ANALYZE) "{table.name}"')
    if backend == "sqlite":
        # a rollback-journal file opens read-only without needing -wal/-shm files beside it; a file that
        # others hold open (a live one: the refresher, a feeding system) stays in WAL, which readers open too
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA journal_mode=DELETE")
        except OperationalError:
            pass
