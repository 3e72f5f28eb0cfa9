"""Parts 1 and 2 on the copy: the incremental refresh after writes against a full rebuild, and what the change
capture triggers add to an insert."""

from __future__ import annotations

import cProfile
import io
import pstats
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, delete, func, insert, select

from data_access import models as m
from data_access.db import write_engine
from data_access.live import capture, refresh
from data_access.live.models import ChangeJournal

from .scratch import read_meta, write_meta
from .writer import RECORD_COPY, Writer

SIZES = (10, 1_000, 100_000)
CLOCK_STEP = timedelta(seconds=10)  # how far the copy's clock moves per refresh (a refresher's turn)


def _profiled(fn, out: Path | None):
    """fn() under cProfile when out is given (stats saved there, the top printed to stderr)."""
    if out is None:
        return fn()
    prof = cProfile.Profile()
    result = prof.runcall(fn)
    prof.dump_stats(out)
    buf = io.StringIO()
    pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(30)
    print(f"-- profile {out}:\n{buf.getvalue()}", file=sys.stderr, flush=True)
    return result


def measure_refresh(url: str, sizes: tuple[int, ...], profile: Path | None = None) -> dict:
    """Part 1 on the copy at url: the copy is made live at its data date; returns the baseline full rebuild and
    one entry per size."""
    engine = write_engine(url)
    try:
        meta = read_meta(engine)
        clock = datetime.combine(date.fromisoformat(meta["as_of"]) + timedelta(days=1), datetime.min.time())
        write_meta(engine, live="1")
        base = refresh.full_rebuild(engine, now=clock)  # the cutoff where it stood, now as a live dataset
        writer = Writer(engine, clock)
        # one untimed turn first, as a running refresher has its statements compiled and its caches warm;
        # the first step's full rebuild checks this one's result too
        writer.write(sizes[0] if sizes else 10)
        clock += CLOCK_STEP
        refresh.refresh(engine, now=clock)
        steps = []
        for n in sizes:
            wrote = writer.write(n)
            clock += CLOCK_STEP
            inc = refresh.refresh(engine, now=clock)
            full = refresh.full_rebuild(engine, now=clock)
            steps.append(
                {
                    "changed_rows": n,
                    **wrote,
                    "journal_changes": inc.changes,
                    "refresh_seconds": inc.seconds,
                    "groups": inc.groups,
                    "rows_written": inc.rows_written,
                    "full_seconds": full.seconds,
                    "ratio": inc.seconds / full.seconds if full.seconds else float("nan"),
                    "drift": full.drift or "",
                }
            )
            print(
                f"   {n:>7,} rows: write {wrote['write_seconds']:.2f}s, refresh {inc.seconds:.3f}s "
                f"({inc.groups} groups, {inc.rows_written} rows), full {full.seconds:.2f}s"
                + (f", DRIFT {full.drift}" if full.drift else ""),
                file=sys.stderr,
                flush=True,
            )
        if profile is not None:
            n = 1_000
            writer.write(n)
            clock += CLOCK_STEP
            out = profile / f"refresh-{engine.dialect.name}-{n}.prof"
            _profiled(lambda: refresh.refresh(engine, now=clock), out)
            refresh.full_rebuild(engine, now=clock)
        return {"baseline_full_seconds": base.seconds, "steps": steps}
    finally:
        engine.dispose()


def _insert_rows(engine: Engine, k: int, month: datetime, span: float, rng) -> list[dict]:
    rec = m.ServiceRecord.__table__
    with engine.connect() as conn:
        tmpl = conn.execute(select(*[rec.c[c] for c in RECORD_COPY]).order_by(rec.c.id.desc()).limit(200)).all()
    picks = rng.integers(0, len(tmpl), k)
    offsets = rng.uniform(0, span, k)
    return [
        {**dict(zip(RECORD_COPY, tmpl[i])), "event_id": None, "started_at": month + timedelta(seconds=round(float(s)))}
        for i, s in zip(picks, offsets)
    ]


def _single_inserts(engine: Engine, rows: list[dict]) -> float:
    """Seconds for one transaction per row, at the driver level (a writer's least cost per insert)."""
    rec = m.ServiceRecord.__table__
    cols = list(rows[0])
    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO service_record ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})"
    procs = [rec.c[c].type.bind_processor(engine.dialect) for c in cols]
    params = [tuple(p(v) if p else v for p, v in zip(procs, (r[c] for c in cols))) for r in rows]
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        started = time.perf_counter()
        for p in params:
            cur.execute(sql, p)
            raw.commit()
        elapsed = time.perf_counter() - started
        cur.close()
    finally:
        raw.close()
    return elapsed


def _batch_insert(engine: Engine, rows: list[dict]) -> float:
    """Seconds for one transaction inserting every row (SQLAlchemy executemany, as the project's writers batch)."""
    started = time.perf_counter()
    with engine.begin() as conn:
        conn.execute(insert(m.ServiceRecord.__table__), rows)
    return time.perf_counter() - started


def measure_capture(url: str, singles: int, batch: int, rounds: int = 2) -> dict:
    """Part 2 on the copy at url: single-row and batch inserts with the triggers installed and uninstalled
    (best of `rounds` each); the rows are deleted again and the journal emptied afterwards."""
    engine = write_engine(url)
    rec = m.ServiceRecord.__table__
    rng = np.random.default_rng(7)
    try:
        meta = read_meta(engine)
        cutoff = datetime.combine(date.fromisoformat(meta["as_of"]) + timedelta(days=1), datetime.min.time())
        month = (cutoff - timedelta(days=1)).replace(day=1)
        span = (cutoff - month).total_seconds() - 1
        with engine.connect() as conn:
            top = conn.execute(select(func.max(rec.c.id))).scalar() or 0
        times: dict[str, list[float]] = {
            "single_bare": [],
            "single_captured": [],
            "batch_bare": [],
            "batch_captured": [],
        }
        for _ in range(rounds):
            for mode in ("captured", "bare"):
                with engine.begin() as conn:
                    (capture.install if mode == "captured" else capture.uninstall)(conn)
                times[f"single_{mode}"].append(_single_inserts(engine, _insert_rows(engine, singles, month, span, rng)))
                times[f"batch_{mode}"].append(_batch_insert(engine, _insert_rows(engine, batch, month, span, rng)))
        with engine.begin() as conn:  # triggers are off here: take the rows out again, forget their journal
            conn.execute(delete(rec).where(rec.c.id > top))
            conn.execute(delete(ChangeJournal.__table__))
            capture.install(conn)
        best = {k: min(v) for k, v in times.items()}
        return {
            "singles": singles,
            "batch": batch,
            "single_bare_us": best["single_bare"] / singles * 1e6,
            "single_captured_us": best["single_captured"] / singles * 1e6,
            "single_ratio": best["single_captured"] / best["single_bare"],
            "batch_bare_us": best["batch_bare"] / batch * 1e6,
            "batch_captured_us": best["batch_captured"] / batch * 1e6,
            "batch_ratio": best["batch_captured"] / best["batch_bare"],
        }
    finally:
        engine.dispose()
