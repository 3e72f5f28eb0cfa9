"""A district's own data comes back in: what the seed writes, exported in the import format (service-record
coordinates included), imports with exit 0 on SQLite (PostgreSQL: test_import_roundtrip_pg) and reproduces
every row, every summary table the pages read and every published figure; the import's peak memory stays
within 3x the seed's."""

from __future__ import annotations

import csv
import json
import math
import os
import subprocess
import sys
import time
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import create_engine, text

from data_access.dataset_format.spec import ENTITIES
from data_access.rollup_models import ROLLUPS, RuTableRows

from .conftest import PROJECT, run_lock
from .test_figures import SQL as FIGURE_SQL

MEMORY_FACTOR = 3  # the bound: an import within ~3x the seed's peak for the same data
NOT_IN_FORMAT = {"system_activity_participations"}  # individual attendance is not imported (README)


def run_measured(argv: list[str]) -> tuple[int, float, float, str]:
    """Run `python argv` from the project; (exit code, seconds, this child's own peak RSS in MB, stderr)."""
    started = time.perf_counter()
    proc = subprocess.Popen([sys.executable, *argv], cwd=PROJECT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    stderr = proc.stderr.read().decode("utf-8", "replace")
    proc.stderr.close()
    _pid, status, usage = os.wait4(proc.pid, 0)  # this child's own rusage, not the largest of all children
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, time.perf_counter() - started, usage.ru_maxrss / 1024, stderr


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> dict:
    """The scale-1 demo seeded by `python -m seed` in a child of its own (its peak measured) and exported;
    made once per run (the SQLite and the PostgreSQL round trip sit in two files, on two test workers)."""
    with run_lock(tmp_path_factory, "roundtrip-source") as folder:
        made = folder / "roundtrip" / "source.json"
        if not made.exists():
            made.parent.mkdir(exist_ok=True)
            url = f"sqlite:///{made.parent / 'source.sqlite'}"
            code, _s, seed_peak, err = run_measured(["-m", "seed", "--url", url])
            assert code == 0, err[-2000:]
            exported = made.parent / "export"
            code, _s, _peak, err = run_measured(["-m", "seed.importer", "--export", str(exported), "--url", url])
            assert code == 0, err[-2000:]
            made.write_text(json.dumps({"url": url, "dir": str(exported), "seed_peak_mb": seed_peak}))
        found = json.loads(made.read_text())
    return {**found, "dir": Path(found["dir"])}


def _frame(url: str, table: str, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            frame = pd.read_sql_query(text(f'SELECT * FROM "{table}"'), conn)
    finally:
        engine.dispose()
    frame = frame.drop(columns=[c for c in drop if c in frame.columns])
    for c in frame.columns:  # PostgreSQL's NUMERIC comes back as Decimal objects, SQLite's REAL as floats
        if frame[c].dtype == object and any(isinstance(v, Decimal) for v in frame[c]):
            frame[c] = pd.to_numeric(frame[c]).astype(float)
    texts = [c for c in frame.columns if not pd.api.types.is_float_dtype(frame[c])]
    for c in texts:  # compared, and sorted, as text both backends agree on
        frame[c] = _plain_column(frame[c])
    # sorted by every column, the text ones first, then the floats (nullable ids among them) rounded so
    # that a last-digit difference between backends cannot reorder rows: no two orders of equal rows
    floats = [c for c in frame.columns if c not in texts]
    order = frame[texts].assign(**{f"_f{i}": frame[c].round(6) for i, c in enumerate(floats)})
    order = order.sort_values(list(order.columns), na_position="first", kind="stable")
    return frame.loc[order.index].reset_index(drop=True)


def _plain(value: object) -> str:
    """One backend's value as text both backends agree on: SQLite gives ISO text for dates and 0/1 for
    booleans, PostgreSQL date objects, timestamps and True/False."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return ""  # NULL: None from SQLite, NaT in PostgreSQL's datetime columns
    if isinstance(value, bool):
        return str(int(value))
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


def test_the_seeded_dataset_round_trips_on_sqlite(source, tmp_path):
    round_trip(source, f"sqlite:///{tmp_path / 'import.sqlite'}")


def round_trip(source: dict, fresh_url: str) -> None:
    """Import the export into the empty database at fresh_url and compare everything with the source."""
    code, seconds, peak, err = run_measured(["-m", "seed.importer", str(source["dir"]), "--url", fresh_url])
    assert code == 0, err[-3000:]
    assert "不在二七区范围内" not in err
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
    if fresh_url.startswith("sqlite"):
        limit = MEMORY_FACTOR * source["seed_peak_mb"]
        assert peak <= limit, (
            f"import peak {peak:.0f} MB > {MEMORY_FACTOR} x the seed's {source['seed_peak_mb']:.0f} MB"
        )
        print(f"round trip: import {seconds:.0f} s, peak {peak:.0f} MB (seed {source['seed_peak_mb']:.0f} MB)")
