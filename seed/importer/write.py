"""Write a validated import in one transaction (all or nothing) and record every run and its rejections."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from itertools import groupby
from operator import itemgetter

from sqlalchemy import Connection, Engine, delete, func, insert, inspect, select

from data_access import history, rollups, schema
from data_access import models as m
from data_access.live import refresh
from data_access.live.models import BOOKKEEPING
from data_access.rollup_models import ROLLUPS
from seed.bulk import insert_rows

from .problems import Problem

# Tables an import leaves alone: its own history and the live bookkeeping (the change journal is emptied
# by refresh.reset at the end). Everything else is the dataset and is replaced.
HISTORY = ("import_run", "import_rejection", *BOOKKEEPING)
MAX_STORED_REJECTIONS = 5_000  # the page shows these; the run keeps the true count


@dataclass(frozen=True)
class RunRecord:
    started_at: datetime
    source: str
    mode: str  # import / dry_run
    status: str  # imported / valid / rejected / failed
    row_counts: dict[str, int]
    problems: list[Problem]
    replaced: dict | None = None  # the dataset it replaced (or would have): rows per entity, as_of, demo
    as_of: date | None = None  # the data date it set (or would have)


def ensure_tables(engine: Engine) -> None:
    """Create whichever of the dashboard's tables are missing (an empty database, or an older one)."""
    have = set(inspect(engine).get_table_names())
    missing = [t for t in m.Base.metadata.sorted_tables if t.name not in have]
    if missing:
        m.Base.metadata.create_all(engine, tables=missing)


def rebuild_rollups(conn: Connection) -> None:
    """The one place an import refreshes the summary tables the pages read, inside its transaction."""
    rollups.rebuild(conn)


def replace_dataset(conn: Connection, rows: Iterable[tuple[type, tuple]], meta: dict[str, str]) -> None:
    """Empty every dataset table and fill it from rows ((model, row) pairs, a table's rows together, as
    build_rows streams them); the caller's transaction makes it all or nothing.
    Afterwards the summaries are fresh and the change journal empty; a database fed live stays live."""
    take_turn(conn)  # after a refresh in progress, before the next; the DDL below is in the all-or-nothing too
    if "dataset_meta" in inspect(conn).get_table_names():
        live = conn.execute(select(m.DatasetMeta.value).where(m.DatasetMeta.key == "live")).scalar()
        if live:
            meta = {**meta, "live": live}
    revision = schema.current(conn)
    if revision is None:
        schema.stamp_current(conn)  # ensure_tables created what was missing; the triggers come with it
    elif revision != schema.head():
        schema.upgrade(conn)  # an older version's database: its migrations, as `python -m refresher migrate`
    keep_previous(conn)
    for table in reversed(m.Base.metadata.sorted_tables):
        if table.name not in HISTORY:
            conn.execute(delete(table))
    for model, pairs in groupby(rows, key=itemgetter(0)):
        insert_rows(conn, model.__table__, [c.name for c in model.__table__.columns], (r for _m, r in pairs))
    insert_rows(conn, m.DatasetMeta.__table__, ["key", "value"], sorted(meta.items()))
    # the import's files carry no spells: the stocks' history starts again from the imported rows
    history.backfill(conn, history.start_of_history(meta))
    rebuild_rollups(conn)
    refresh.reset(conn, "import")


IMPORTED_FROM = "导入 import: "  # dataset_meta's source of an imported dataset, before its file name
PREVIOUS = "prev_"  # the dataset an import replaced: prev_<table>, one generation, until the next import


def _dataset_tables() -> list:
    """The tables an import replaces, parents first (the summaries are rebuilt, not kept)."""
    rollups_ = {r.__tablename__ for r in ROLLUPS}
    return [t for t in m.Base.metadata.sorted_tables if t.name not in HISTORY and t.name not in rollups_]


def _hold_transaction(conn: Connection) -> None:
    """SQLite's driver opens a transaction only before INSERT/UPDATE/DELETE: a CREATE or DROP before that
    would commit on its own, outside the caller's all-or-nothing. Open it first, IMMEDIATE: the write lock
    is taken (waiting for a writer such as the refresher to finish) before the import reads anything, so a
    write committed in between cannot fail the import's first write (SQLite's busy snapshot)."""
    if conn.dialect.name == "sqlite" and not conn.connection.dbapi_connection.in_transaction:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


TURN_WAIT_SECONDS = 600  # how long an import waits for a refresh in progress (a nightly full one included)


def take_turn(conn: Connection) -> None:
    """The import (or a restore) and the refresher take turns: both rewrite the summary tables and the
    refresher's state, and done at once they deadlocked (each waiting for rows the other had changed).
    On PostgreSQL the import's transaction first takes the refresher's own lock (refresh.LOCK_KEY), waiting
    for a refresh in progress to commit; a refresher that comes meanwhile skips its turn. On SQLite the
    transaction starts with the write lock (_hold_transaction), which a refresh also needs."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = '{TURN_WAIT_SECONDS}s'")
        conn.execute(select(func.pg_advisory_xact_lock(refresh.LOCK_KEY)))
        conn.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")
    _hold_transaction(conn)


def keep_previous(conn: Connection) -> None:
    """Before an import replaces the dataset: a copy of every dataset table as it is, in the same
    transaction (an import that rolls back keeps the earlier copy)."""
    _hold_transaction(conn)
    have = set(inspect(conn).get_table_names())
    for table in _dataset_tables():
        if table.name in have:
            conn.exec_driver_sql(f'DROP TABLE IF EXISTS "{PREVIOUS}{table.name}"')
            conn.exec_driver_sql(f'CREATE TABLE "{PREVIOUS}{table.name}" AS SELECT * FROM "{table.name}"')


def has_previous(conn: Connection) -> bool:
    """A kept dataset with organisations in it (after a first import into an empty database the kept one
    is empty: nothing to go back to)."""
    have = set(inspect(conn).get_table_names())
    if not all(f"{PREVIOUS}{t.name}" in have for t in _dataset_tables()):
        return False
    return bool(conn.exec_driver_sql(f'SELECT count(*) FROM "{PREVIOUS}org"').scalar())


def restore_previous(conn: Connection) -> str:
    """Go back to the dataset the last import replaced; the one undone becomes the previous one (so running
    it again goes forward). Summaries rebuilt, journal emptied, as after an import. Returns where the
    restored dataset came from (its import's file name, or the demo's description)."""
    take_turn(conn)
    tables = _dataset_tables()
    for table in tables:
        conn.exec_driver_sql(f'DROP TABLE IF EXISTS "swap_{table.name}"')
        conn.exec_driver_sql(f'CREATE TABLE "swap_{table.name}" AS SELECT * FROM "{table.name}"')
    for table in reversed(tables):
        conn.execute(delete(table))
    for table in tables:
        columns = ", ".join(f'"{c.name}"' for c in table.columns)
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({columns}) SELECT {columns} FROM "{PREVIOUS}{table.name}"')
    for table in tables:
        conn.exec_driver_sql(f'DROP TABLE "{PREVIOUS}{table.name}"')
        conn.exec_driver_sql(f'ALTER TABLE "swap_{table.name}" RENAME TO "{PREVIOUS}{table.name}"')
    rebuild_rollups(conn)
    refresh.reset(conn, "import")
    source = conn.execute(select(m.DatasetMeta.value).where(m.DatasetMeta.key == "source")).scalar() or "—"
    return source.removeprefix(IMPORTED_FROM)


def record_run(conn: Connection, run: RunRecord) -> int:
    """Add the run and its rejections; rejections of earlier runs are dropped (the page shows the last)."""
    conn.execute(delete(m.ImportRejection))
    run_id = conn.execute(
        insert(m.ImportRun).returning(m.ImportRun.id),
        {
            "started_at": run.started_at,
            "finished_at": datetime.now().replace(microsecond=0),
            "source": run.source[:200],
            "mode": run.mode,
            "status": run.status,
            "row_counts": json.dumps(run.row_counts, ensure_ascii=False),
            "error_count": len(run.problems),
            **_changes(conn, run),
        },
    ).scalar_one()
    if run.problems:
        conn.execute(
            insert(m.ImportRejection),
            [
                {
                    "run_id": run_id,
                    "source_file": p.file[:120],
                    "row_number": p.row,
                    "column_name": (p.column or None) and p.column[:60],
                    "value": p.value,
                    "reason_zh": p.zh[:300],
                    "reason_en": p.en[:300],
                }
                for p in run.problems[:MAX_STORED_REJECTIONS]
            ],
        )
    return run_id


def _changes(conn: Connection, run: RunRecord) -> dict:
    """The run's replaced dataset and data date, for an import_run table that has the columns (a database
    not yet migrated to 0004 simply records the run without them)."""
    have = {c["name"] for c in inspect(conn).get_columns(m.ImportRun.__tablename__)}
    out: dict = {}
    if "replaced" in have and run.replaced is not None:
        out["replaced"] = json.dumps(run.replaced, ensure_ascii=False, default=str)
    if "as_of" in have:
        out["as_of"] = run.as_of
    return out


def dataset_meta(source: str, as_of: date, imported_at: datetime) -> dict[str, str]:
    """dataset_meta of an imported dataset: real data, its as-of date and where it came from."""
    return {
        "as_of": as_of.isoformat(),
        "is_demo": "0",
        "source": f"{IMPORTED_FROM}{source}",
        "imported_at": imported_at.isoformat(timespec="seconds"),
    }
