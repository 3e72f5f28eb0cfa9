"""A district's own data comes back in: the scale-1 demo, exported in the import format (service-record
coordinates included), imports into an empty database with exit 0 and reproduces every row, every summary
table the pages read and every published figure.

One trip per run: from the seeded SQLite file into PostgreSQL when the run has one (the harder trip: every
type crosses backends), into a new SQLite file otherwise. The importer's own tests run both backends on
small data; `python -m bench --imports` (whose test imports on SQLite end to end) measures the import's
peak memory beside the seed's and names a miss of the 3x bound among its targets."""

from __future__ import annotations

import csv
import math
import re
import subprocess
import sys
import warnings
from decimal import Decimal

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from data_access.dataset_format.spec import ENTITIES
from data_access.rollup_models import ROLLUPS, RuTableRows

from .conftest import PROJECT, _pg_url, scratch_pg_database, seeded_sqlite
from .test_figures import SQL as FIGURE_SQL

NOT_IN_FORMAT = {"system_activity_participations"}  # individual attendance is not imported (README)


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> dict:
    """A copy of the run's scale-1 demo (seeded once per run, tests/conftest.py) and its export."""
    folder = tmp_path_factory.mktemp("roundtrip")
    url = seeded_sqlite(tmp_path_factory, folder / "source.sqlite")
    exported = folder / "export"
    done = run(["-m", "seed.importer", "--export", str(exported), "--url", url])
    assert done.returncode == 0, done.stderr[-2000:]
    return {"url": url, "dir": exported}


def run(argv: list[str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *argv], cwd=PROJECT, capture_output=True, text=True, timeout=900)


def _frame(url: str, table: str, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    engine = create_engine(url)
    raw = engine.raw_connection()  # the driver's own rows: SQLAlchemy's row objects cost as much as the fetch
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="pandas only supports SQLAlchemy", category=UserWarning)
            frame = pd.read_sql_query(f'SELECT * FROM "{table}"', raw.driver_connection)
    finally:
        raw.close()
        engine.dispose()
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    for c in frame.columns:  # PostgreSQL's NUMERIC comes back as Decimal objects, SQLite's REAL as floats
        if frame[c].dtype == object and isinstance(_first(frame[c]), Decimal):
            frame[c] = pd.to_numeric(frame[c]).astype(float)
    texts = [c for c in frame.columns if not pd.api.types.is_float_dtype(frame[c])]
    for c in texts:  # compared, and sorted, as text both backends agree on
        frame[c] = _plain_column(frame[c])
    if "id" in frame.columns:  # a register's rows: the ids come back as they were, one order
        return frame.sort_values("id", key=lambda ids: ids.astype(int), kind="stable").reset_index(drop=True)
    # sorted by every column, the text ones first, then the floats (nullable ids among them) rounded so
    # that a last-digit difference between backends cannot reorder rows: no two orders of equal rows
    floats = [c for c in frame.columns if c not in texts]
    order = frame[texts].assign(**{f"_f{i}": frame[c].round(6) for i, c in enumerate(floats)})
    order = order.sort_values(list(order.columns), na_position="first", kind="stable")
    return frame.loc[order.index].reset_index(drop=True)


DATETIME = r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}"  # SQLite's text of a timestamp (its fraction cut off)


def _first(col: pd.Series) -> object:
    """A column's first value that is not NULL (None when there is none)."""
    index = col.first_valid_index()
    return None if index is None else col[index]


def _plain(value: object) -> str:
    """One backend's value as text both backends agree on: SQLite gives ISO text for dates and 0/1 for
    booleans, PostgreSQL date objects, timestamps and True/False. Text is compared whole."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""  # NULL: None from SQLite, NaT in PostgreSQL's datetime columns
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, str):
        return value[:19] if re.match(DATETIME, value) else value  # match: from the start
    return str(value)[:19]


def _plain_column(col: pd.Series) -> pd.Series:
    """_plain of every value, by the column's type where one says enough (integers, booleans and timestamps
    converted at once: a value at a time, 50 million calls made the comparison a minute long)."""
    if pd.api.types.is_bool_dtype(col):
        return col.astype(int).astype(str)
    if pd.api.types.is_integer_dtype(col):
        return col.astype(str)
    if pd.api.types.is_datetime64_any_dtype(col) and col.dt.tz is None:
        return col.dt.strftime("%Y-%m-%d %H:%M:%S").fillna("")
    if pd.api.types.infer_dtype(col, skipna=True) == "string":
        text = col.fillna("")  # text throughout: whole, but a timestamp's text to the second
        stamp = text.str.match(DATETIME)
        return text.where(~stamp, text.str.slice(0, 19))
    return col.map(_plain)


def _same(a: pd.DataFrame, b: pd.DataFrame, what: str) -> None:
    assert list(a.columns) == list(b.columns), what
    assert len(a) == len(b), f"{what}: {len(a)} rows, {len(b)} after the round trip"
    for col in a.columns:
        x, y = a[col], b[col]
        if pd.api.types.is_float_dtype(x) or pd.api.types.is_float_dtype(y):
            x, y = x.astype(float).to_numpy(), y.astype(float).to_numpy()
            ok = (pd.isna(x) & pd.isna(y)) | (abs(x - y) <= 1e-9 * (1 + abs(x)))
            assert ok.all(), f"{what}.{col}: {int((~ok).sum())} values differ"
        else:  # both already plain text (_frame)
            diff = x != y
            assert not diff.any(), f"{what}.{col}: {int(diff.sum())} values differ, e.g. {x[diff].iloc[0]!r}"


def test_the_export_holds_every_row_with_its_coordinates(source):
    with (source["dir"] / "service_record.csv").open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 120_000
    assert all(r["经度"] and r["纬度"] for r in rows)  # the case the issue met: records with their points


def test_the_seeded_dataset_round_trips(source, tmp_path):
    if _pg_url() is None:
        round_trip(source, f"sqlite:///{tmp_path / 'import.sqlite'}")
        return
    with scratch_pg_database("roundtrip") as url:
        round_trip(source, url)


def round_trip(source: dict, fresh_url: str) -> None:
    """Import the export into the empty database at fresh_url and compare everything with the source."""
    done = run(["-m", "seed.importer", str(source["dir"]), "--url", fresh_url])
    assert done.returncode == 0, done.stderr[-3000:]
    assert "不在二七区范围内" not in done.stderr
    for e in ENTITIES:  # every row of every table the format fills, every column (ids come back as they were)
        name = e.model.__tablename__
        _same(_frame(source["url"], name), _frame(fresh_url, name), name)
    for ru in ROLLUPS:  # what the pages read
        name = ru.__tablename__
        a, b = _frame(source["url"], name, drop=("id",)), _frame(fresh_url, name, drop=("id",))
        if ru is RuTableRows:
            formatted = {e.model.__tablename__ for e in ENTITIES}
            a, b = (f[f["table_name"].isin(formatted)].reset_index(drop=True) for f in (a, b))
        _same(a, b, name)
    src, dst = create_engine(source["url"]), create_engine(fresh_url)
    try:
        with src.connect() as a, dst.connect() as b:
            for key, sql in FIGURE_SQL.items():
                if key in NOT_IN_FORMAT:
                    continue
                x, y = a.execute(text(sql)).scalar(), b.execute(text(sql)).scalar()
                assert math.isclose(float(x), float(y), rel_tol=1e-12), key
            # participations are the activities' 参加人数 after an import: still the published 17,807
            assert b.execute(text("SELECT sum(participants) FROM activity")).scalar() == 17_807
    finally:
        src.dispose()
        dst.dispose()
