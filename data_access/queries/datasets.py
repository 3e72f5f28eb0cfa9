"""What the data page (数据说明) reads: import runs, the last run's rejections, rows per table, published figures."""

from __future__ import annotations

import csv
import json

import pandas as pd
from sqlalchemy import Connection, inspect, select

from geo import REFERENCE_DIR

from .. import models as m
from ..rollup_models import RuTableRows

FIGURES_CSV = REFERENCE_DIR / "published-figures.csv"
RUN_COLUMNS = [
    "id",
    "started_at",
    "finished_at",
    "source",
    "mode",
    "status",
    "error_count",
    "row_counts",
    "replaced",
    "as_of",
]
REJECTION_COLUMNS = ["source_file", "row_number", "column_name", "value", "reason_zh", "reason_en"]


def _has(conn: Connection, table: str) -> bool:
    # a database seeded before imports existed has no import tables: that simply means "never imported"
    return inspect(conn).has_table(table)


def import_runs(conn: Connection, limit: int = 20) -> pd.DataFrame:
    """The latest import runs, newest first; row_counts (entity -> rows) and replaced (the dataset the run
    replaced: rows per entity, its data date, whether it was the demo; None when not recorded) parsed."""
    if not _has(conn, m.ImportRun.__tablename__):
        return pd.DataFrame(columns=RUN_COLUMNS)
    r = m.ImportRun.__table__
    have = {c["name"] for c in inspect(conn).get_columns(r.name)}  # runs recorded before 0004 lack two columns
    stmt = select(*(r.c[c] for c in RUN_COLUMNS if c in have)).order_by(r.c.id.desc()).limit(limit)
    frame = pd.read_sql_query(stmt, conn).reindex(columns=RUN_COLUMNS)
    frame["row_counts"] = [json.loads(v) if v else {} for v in frame["row_counts"]]
    frame["replaced"] = [json.loads(v) if isinstance(v, str) and v else None for v in frame["replaced"]]
    frame["as_of"] = pd.Series([_day(v) for v in frame["as_of"]], index=frame.index, dtype=object)  # None kept
    return frame


def _day(value: object) -> str | None:
    """A date column's value as ISO text (SQLite gives text, PostgreSQL a date), None for NULL."""
    if value is None or (isinstance(value, float) and value != value) or value is pd.NaT:
        return None
    return str(value)[:10]


def last_rejections(conn: Connection) -> pd.DataFrame:
    """The problems the last run recorded (file, Excel row, column, value, reasons), in file and row order."""
    if not _has(conn, m.ImportRejection.__tablename__):
        return pd.DataFrame(columns=REJECTION_COLUMNS)
    j = m.ImportRejection.__table__
    stmt = select(*(j.c[c] for c in REJECTION_COLUMNS)).order_by(j.c.source_file, j.c.row_number, j.c.id)
    return pd.read_sql_query(stmt, conn)


def table_rows(conn: Connection, tables: list[str]) -> dict[str, int]:
    """Rows in each of the named dataset tables, as counted when the rollups were last built (a count of
    the big tables at render time would scan them)."""
    ru = RuTableRows.__table__
    counted = dict(conn.execute(select(ru.c.table_name, ru.c.row_count).where(ru.c.table_name.in_(tables))).all())
    return {name: int(counted.get(name, 0)) for name in tables}


def published_figures() -> pd.DataFrame:
    """The report's published figures (key, value, unit, match, quote)."""
    with FIGURES_CSV.open(encoding="utf-8") as fh:
        return pd.DataFrame(list(csv.DictReader(fh)))
