"""The live-data part of the bench (`python -m bench --live`): what keeping the summaries current costs.

Works on a throw-away copy of the database the bench seeded for a scale (SQLite: a copy of the file;
PostgreSQL: CREATE DATABASE … TEMPLATE, dropped afterwards), so the shared bench databases never change:

1. refresh: writes of 10, 1,000 and 100,000 rows as the feeding systems make them (mostly new service
   records in the data's last month, copying existing rows' place, team and category; some requests moving
   a stage on; some party activities; a few member transfers), committed, then one timed incremental
   `refresh()`, then one timed `full_rebuild()` for comparison, whose drift must be empty (the incremental
   result equals the full one). The copy is made live with a clock that moves 10 s per refresh (the
   refresher's turn), so each refresh also re-judges the requests whose age crossed a bucket boundary;
   one untimed write and refresh come first (a running refresher has its statements compiled).
2. capture: what the change-capture triggers add to a writer's insert into service_record: single-row
   transactions (driver level, one commit each) and one batch (SQLAlchemy executemany in one
   transaction), with the triggers installed and uninstalled; best of two rounds each.
3. lag: `python -m seed.simulate` and `python -m refresher run --interval 5` run against the copy for a
   while; refresh_run.lag_seconds (oldest change consumed → commit) per run gives p50/p95/max, and the
   pages' pickup delay (the freshness cache's ttl plus the wall's redraw period) the write → screen bound.
"""

from __future__ import annotations

import ast
import cProfile
import io
import logging
import math
import os
import pstats
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from sqlalchemy import Engine, bindparam, create_engine, delete, func, insert, select, text, update
from sqlalchemy.engine import make_url

from data_access import models as m
from data_access import schema
from data_access.db import write_engine
from data_access.live import capture, refresh
from data_access.live.models import ChangeJournal, RefreshRun

from ..report import markdown

PROJECT = Path(__file__).resolve().parents[2]
SIZES = (10, 1_000, 100_000)
CLOCK_STEP = timedelta(seconds=10)  # how far the copy's clock moves per refresh (a refresher's turn)
REFRESHER_INTERVAL = 5.0

# targets
REFRESH_1000_S = 1.0  # at scale 10: a 1,000-row change refreshed within a second
SMALL_SHARE = 0.10  # a 10-row change costs less than this share of a full rebuild
CAPTURE_RATIO = 2.0  # an insert with the triggers at most this many times a bare one
SCREEN_P95_S = 60.0  # write → on screen, p95


def _constant(path: Path, name: str) -> float:
    """A module-level number assigned in a source file (read without importing it: pages are scripts)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return float(ast.literal_eval(node.value))
    raise LookupError(f"{name} not found in {path}")


def pickup_seconds() -> dict[str, float]:
    """How long a page may take to show a committed refresh: the freshness cache's ttl and the wall's redraw."""
    return {
        "freshness_ttl": _constant(PROJECT / "data_access" / "cached.py", "FRESHNESS_TTL_SECONDS"),
        "wall_redraw": _constant(PROJECT / "pages" / "briefing.py", "REFRESH_SECONDS"),
    }


# ---------------------------------------------------------------- the copy


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


def _prepare(url: str) -> None:
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


def _meta(engine: Engine) -> dict[str, str]:
    with engine.connect() as conn:
        return dict(conn.execute(select(m.DatasetMeta.key, m.DatasetMeta.value)).all())


def _set_meta(engine: Engine, **values: str) -> None:
    t = m.DatasetMeta.__table__
    with engine.begin() as conn:
        for key, value in values.items():
            if conn.execute(update(t).where(t.c.key == key).values(value=value)).rowcount == 0:
                conn.execute(insert(t).values(key=key, value=value))


# ---------------------------------------------------------------- 1. the writes and the refresh


@dataclass(frozen=True)
class Mix:
    records: int
    requests: int
    activities: int
    transfers: int


def mix(n: int) -> Mix:
    """How n changed rows split between the feeding systems: mostly service records."""
    transfers = max(1, round(n * 0.01))
    activities = max(1, round(n * 0.04))
    requests = max(1, round(n * 0.15))
    return Mix(max(0, n - transfers - activities - requests), requests, activities, transfers)


RECORD_COPY = ("team_id", "category_id", "station_id", "street_id", "community_id", "building_group_id")
RECORD_COPY += ("volunteers", "hours", "people_served", "lon", "lat")
ACTIVITY_COPY = ("org_id", "street_id", "community_id", "building_group_id", "kind", "title", "participants")
STAGE_COLUMN = ("ordered_at", "dispatched_at", "accepted_at", "done_at", "rated_at")


class Writer:
    """Writes realistic changes into the copy, stamped in the data's last month before `cutoff`."""

    def __init__(self, engine: Engine, cutoff: datetime, seed: int = 20170930) -> None:
        self.engine, self.cutoff = engine, cutoff
        last_day = cutoff - timedelta(days=1)  # the cutoff is the first instant after the data date
        self.month = datetime(last_day.year, last_day.month, 1)
        self.rng = np.random.default_rng(seed)
        rec, act, team, vol = (t.__table__ for t in (m.ServiceRecord, m.Activity, m.Team, m.Volunteer))
        with engine.connect() as conn:
            recent = rec.c.started_at >= self.month
            cols = [rec.c[c] for c in RECORD_COPY]
            self.records = conn.execute(select(*cols).where(recent).order_by(rec.c.id).limit(5_000)).all()
            if not self.records:
                self.records = conn.execute(select(*cols).order_by(rec.c.id.desc()).limit(5_000)).all()
            cols = [act.c[c] for c in ACTIVITY_COPY]
            self.activities = (
                conn.execute(
                    select(*cols).where(act.c.held_on >= self.month.date()).order_by(act.c.id).limit(5_000)
                ).all()
                or conn.execute(select(*cols).order_by(act.c.id.desc()).limit(5_000)).all()
            )
            self.teams: dict[int, list[int]] = {}
            for tid, sid in conn.execute(select(team.c.id, team.c.station_id).order_by(team.c.id)):
                self.teams.setdefault(sid, []).append(tid)
            self.volunteer = dict(
                conn.execute(
                    select(vol.c.team_id, func.min(vol.c.id)).where(vol.c.team_id.is_not(None)).group_by(vol.c.team_id)
                ).all()
            )

    def _stamp(self, k: int) -> list[datetime]:
        """k instants in the last month, before the cutoff, in time order."""
        span = (self.cutoff - self.month).total_seconds() - 1
        return [self.month + timedelta(seconds=float(s)) for s in np.sort(self.rng.uniform(0, span, k)).round()]

    def write(self, n: int) -> dict:
        """One transaction writing n rows' worth of changes; returns what it wrote and how long it took."""
        plan = mix(n)
        started = time.perf_counter()
        with self.engine.begin() as conn:
            advanced = self._advance(conn, plan.requests)
            new_requests = plan.requests - advanced
            self._records(conn, plan.records)
            self._new_requests(conn, new_requests)
            self._activities(conn, plan.activities)
            transferred = self._transfers(conn, plan.transfers)
        return {
            "rows": plan.records + plan.requests + plan.activities + transferred,
            "records": plan.records,
            "requests_advanced": advanced,
            "requests_new": new_requests,
            "activities": plan.activities,
            "transfers": transferred,
            "write_seconds": time.perf_counter() - started,
        }

    def _records(self, conn, k: int) -> None:
        if not k or not self.records:
            return
        picks = self.rng.integers(0, len(self.records), k)
        rows = [
            {**dict(zip(RECORD_COPY, self.records[i])), "event_id": None, "started_at": at}
            for i, at in zip(picks, self._stamp(k))
        ]
        conn.execute(insert(m.ServiceRecord.__table__), rows)

    def _new_requests(self, conn, k: int) -> None:
        """Requests ordered in the last month at a place records were made (when too few are open to advance)."""
        if not k or not self.records:
            return
        items = conn.execute(select(m.ServiceItem.id, m.ServiceItem.need_category_id).order_by(m.ServiceItem.id)).all()
        picks = self.rng.integers(0, len(self.records), k)
        rows = []
        for i, at in zip(picks, self._stamp(k)):
            r = dict(zip(RECORD_COPY, self.records[i]))
            item, need = items[int(self.rng.integers(len(items)))] if items else (0, 1)
            rows.append(
                {
                    "service_item_id": item,
                    "need_category_id": need,
                    "station_id": r["station_id"],
                    "street_id": r["street_id"],
                    "community_id": r["community_id"],
                    "building_group_id": r["building_group_id"],
                    "team_id": None,
                    "volunteer_id": None,
                    "status": m.REQUEST_STAGES[0],
                    "ordered_at": at,
                }
            )
        conn.execute(insert(m.ServiceRequest.__table__), rows)

    def _advance(self, conn, k: int) -> int:
        """The k most recently ordered open requests move one stage on, stamped after their last stage and
        before the cutoff (社区下单, 志愿者接单 with a team of the station, done, rated with a rating)."""
        req = m.ServiceRequest.__table__
        stamps = [req.c[c] for c in STAGE_COLUMN]
        rows = conn.execute(
            select(req.c.id, req.c.station_id, req.c.status, *stamps)
            .where(req.c.status != m.REQUEST_STAGES[-1], req.c.ordered_at < self.cutoff)
            .order_by(req.c.ordered_at.desc(), req.c.id)
            .limit(k * 2)
        ).all()
        by_stage: dict[int, list[dict]] = {}
        done = 0
        for row in rows:
            if done >= k or row.status not in m.REQUEST_STAGES:
                continue
            s = m.REQUEST_STAGES.index(row.status)
            times = list(row[3:])
            if any(t is None for t in times[: s + 1]) or any(t is not None for t in times[s + 1 :]):
                continue
            last = times[s]
            room = (self.cutoff - last).total_seconds() - 1
            if room < 1:
                continue
            gap = min(float(self.rng.uniform(300, 6 * 3600)), float(self.rng.uniform(1, room)))
            values = {"_id": row.id, "_status": row.status, "at": last + timedelta(seconds=round(gap))}
            if s == 1:
                teams = self.teams.get(row.station_id)
                if not teams:
                    continue
                team = teams[int(self.rng.integers(len(teams)))]
                values |= {"team_id": team, "volunteer_id": self.volunteer.get(team)}
            elif s == 3:
                values["rating"] = int(self.rng.choice([3, 4, 5, 5, 5]))
            by_stage.setdefault(s, []).append(values)
            done += 1
        for s, params in by_stage.items():
            extra = {"team_id": bindparam("team_id"), "volunteer_id": bindparam("volunteer_id")} if s == 1 else {}
            if s == 3:
                extra = {"rating": bindparam("rating")}
            stmt = (
                update(req)
                .where(req.c.id == bindparam("_id"), req.c.status == bindparam("_status"))
                .values({STAGE_COLUMN[s + 1]: bindparam("at"), "status": m.REQUEST_STAGES[s + 1], **extra})
            )
            conn.execute(stmt, params)
        return done

    def _activities(self, conn, k: int) -> None:
        if not k or not self.activities:
            return
        picks = self.rng.integers(0, len(self.activities), k)
        rows = [
            {**dict(zip(ACTIVITY_COPY, self.activities[i])), "held_on": at.date()}
            for i, at in zip(picks, self._stamp(k))
        ]
        conn.execute(insert(m.Activity.__table__), rows)

    def _transfers(self, conn, k: int) -> int:
        """k members move to another member's organisation and place."""
        mem = m.Member.__table__
        ids = conn.execute(select(mem.c.id).order_by(func.random()).limit(2 * k)).scalars().all()
        if len(ids) < 2:
            return 0
        moving, models = ids[: len(ids) // 2], ids[len(ids) // 2 :]
        cols = [mem.c.id, mem.c.org_id, mem.c.street_id, mem.c.community_id, mem.c.building_group_id]
        target = {r.id: r for r in conn.execute(select(*cols).where(mem.c.id.in_(models)))}
        params = [
            {"_id": who, "o": t.org_id, "s": t.street_id, "c": t.community_id, "b": t.building_group_id}
            for who, t in zip(moving, (target[x] for x in models))
        ]
        stmt = (
            update(mem)
            .where(mem.c.id == bindparam("_id"))
            .values(
                org_id=bindparam("o"),
                street_id=bindparam("s"),
                community_id=bindparam("c"),
                building_group_id=bindparam("b"),
            )
        )
        conn.execute(stmt, params)
        return len(params)


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
        meta = _meta(engine)
        clock = datetime.combine(date.fromisoformat(meta["as_of"]) + timedelta(days=1), datetime.min.time())
        _set_meta(engine, live="1")
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


# ---------------------------------------------------------------- 2. what the triggers add to an insert


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
        meta = _meta(engine)
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


# ---------------------------------------------------------------- 3. write → refresh lag under the simulator


@contextmanager
def _quiet() -> Iterator[None]:
    """The refresher's log silenced (its drift warning, where the bench itself causes the drift)."""
    logger = logging.getLogger("erqi.refresh")
    was, logger.disabled = logger.disabled, True
    try:
        yield
    finally:
        logger.disabled = was


def _pct(values: list[float], q: float) -> float | None:
    """The q-th percentile (nearest rank) of values, None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _stop(proc: subprocess.Popen, timeout: float = 60) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def measure_lag(url: str, seconds: float, speed: float) -> dict:
    """Part 3 on the copy at url: the simulator writes and the refresher service refreshes every 5 s for
    `seconds`; returns the runs' lag (p50/p95/max), the pickup delay and the write → screen bound."""
    engine = write_engine(url)
    logs = Path(tempfile.mkdtemp(prefix="bench_live_"))
    procs: list[subprocess.Popen] = []
    try:
        yesterday = date.today() - timedelta(days=1)
        _set_meta(engine, live="1", as_of=yesterday.isoformat())  # today is in the pages' range
        with _quiet():  # the jump from the data date to now re-judges every open request: drift is expected
            refresh.full_rebuild(engine)  # judged as of now from here on; the journal is empty
        runs = RefreshRun.__table__
        with engine.connect() as conn:
            first = conn.execute(select(func.max(runs.c.id))).scalar() or 0
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        refresher_cmd = [sys.executable, "-m", "refresher", "run", "--url", url, "--interval", str(REFRESHER_INTERVAL)]
        simulate_cmd = [sys.executable, "-m", "seed.simulate", "--url", url, "--speed", str(speed)]
        simulate_cmd += ["--duration", str(seconds), "--seed", "1"]
        with open(logs / "refresher.log", "w") as rlog, open(logs / "simulate.log", "w") as slog:
            procs.append(
                subprocess.Popen(refresher_cmd + ["--nightly", "off"], cwd=PROJECT, env=env, stdout=rlog, stderr=rlog)
            )
            sim = subprocess.Popen(simulate_cmd, cwd=PROJECT, env=env, stdout=slog, stderr=slog)
            procs.append(sim)
            sim.wait(timeout=seconds + 120)
            deadline = time.monotonic() + 60  # the refresher takes what the simulator wrote last
            while time.monotonic() < deadline:
                time.sleep(1)
                with engine.connect() as conn:
                    if refresh.journal_backlog(conn) == 0:
                        break
            _stop(procs[0])
        sim_out = (logs / "simulate.log").read_text(encoding="utf-8", errors="replace")
        refresher_out = (logs / "refresher.log").read_text(encoding="utf-8", errors="replace")
        with engine.connect() as conn:
            backlog = refresh.journal_backlog(conn)
            rows = conn.execute(
                select(runs.c.lag_seconds, runs.c.seconds, runs.c.changes, runs.c.groups).where(
                    runs.c.id > first, runs.c.kind == "incremental", runs.c.changes > 0
                )
            ).all()
        now = refresh.local_now()  # the same instant for both: only a real difference counts as drift
        refresh.refresh(engine, now=now)
        check = refresh.full_rebuild(engine, now=now)
        lags = [float(r.lag_seconds) for r in rows if r.lag_seconds is not None]
        run_s = [float(r.seconds) for r in rows]
        pickup = pickup_seconds()
        p95 = _pct(lags, 95)
        last = [ln for ln in sim_out.splitlines() if ln.startswith("stopped after")]
        return {
            "seconds": seconds,
            "speed": speed,
            "simulator": last[-1] if last else " / ".join(sim_out.strip().splitlines()[-3:]),
            "simulator_exit": sim.returncode,
            "refresher_exit": procs[0].returncode,
            "refresher_log": "\n".join(refresher_out.strip().splitlines()[-5:]),
            "runs": len(rows),
            "changes": sum(int(r.changes) for r in rows),
            "lag_p50": _pct(lags, 50),
            "lag_p95": p95,
            "lag_max": max(lags) if lags else None,
            "run_seconds_p50": statistics.median(run_s) if run_s else None,
            "run_seconds_max": max(run_s) if run_s else None,
            "backlog_after": backlog,
            "pickup": pickup,
            "screen_p95": None if p95 is None else p95 + sum(pickup.values()),
            "drift": check.drift or "",
        }
    finally:
        for proc in procs:
            _stop(proc)
        engine.dispose()
        for f in logs.iterdir():
            f.unlink()
        logs.rmdir()


# ---------------------------------------------------------------- one backend × scale


def run(
    url: str,
    backend: str,
    scale: float,
    data_dir: Path,
    sizes: tuple[int, ...] = SIZES,
    lag_seconds: float = 120,
    speed: float = 1.0,
    singles: int = 2_000,
    batch: int = 10_000,
    profile: Path | None = None,
) -> dict:
    """Every live measurement for one seeded database (left as it was: the work happens on a copy)."""
    tag = f"{scale:g}".replace(".", "_")
    with database_copy(url, backend, tag, data_dir) as copy:
        _prepare(copy)

        def say(what: str) -> None:
            print(f"== {backend} scale {scale:g}: {what}", file=sys.stderr, flush=True)

        say("live refresh")
        refreshed = measure_refresh(copy, sizes, profile)
        say("capture triggers' cost")
        captured = measure_capture(copy, singles, batch)
        say(f"write → refresh lag, simulator for {lag_seconds:g} s")
        lag = measure_lag(copy, lag_seconds, speed)
    return {**refreshed, "capture": captured, "lag": lag}


# ---------------------------------------------------------------- report


def _grid(head: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    return markdown([head, *rows]).splitlines()


def _s(v: float | None, fmt: str = ".2f") -> str:
    return "—" if v is None else format(v, fmt)


def table(results: list[dict]) -> str:
    """The live part's three tables (refresh, capture, lag) for results of run() with backend and scale."""
    out = ["refresh after a write (incremental vs full rebuild; drift: full rebuild vs incremental result)", ""]
    rows = []
    for r in results:
        for s in r["live"]["steps"]:
            rows.append(
                (
                    r["backend"],
                    str(r["scale"]),
                    f"{s['changed_rows']:,}",
                    f"{s['write_seconds']:.2f}",
                    f"{s['refresh_seconds']:.3f}",
                    f"{s['groups']:,}",
                    f"{s['rows_written']:,}",
                    f"{s['full_seconds']:.2f}",
                    f"{s['ratio'] * 100:.1f} %",
                    "none" if not s["drift"] else "DRIFT",
                )
            )
    head = ("backend", "scale", "changed rows", "write s", "refresh s", "groups", "rows written", "full s")
    out += _grid((*head, "refresh/full", "drift"), rows)
    out += ["", "capture triggers' cost per inserted service record (best of 2)", ""]
    rows = []
    for r in results:
        c = r["live"]["capture"]
        rows.append(
            (
                r["backend"],
                str(r["scale"]),
                f"{c['singles']:,} × 1",
                f"{c['single_bare_us']:,.0f}",
                f"{c['single_captured_us']:,.0f}",
                f"{c['single_ratio']:.2f}×",
                f"{c['batch']:,}",
                f"{c['batch_bare_us']:,.1f}",
                f"{c['batch_captured_us']:,.1f}",
                f"{c['batch_ratio']:.2f}×",
            )
        )
    head = ("backend", "scale", "single txns", "bare µs", "captured µs", "ratio", "batch rows", "bare µs/row")
    out += _grid((*head, "captured µs/row", "ratio"), rows)
    out += ["", "write → refresh lag with the simulator and `refresher run --interval 5`", ""]
    rows = []
    for r in results:
        g = r["live"]["lag"]
        pick = sum(g["pickup"].values())
        rows.append(
            (
                r["backend"],
                str(r["scale"]),
                f"{g['seconds']:g} s ×{g['speed']:g}",
                f"{g['runs']} / {g['changes']:,}",
                f"{_s(g['run_seconds_p50'])} ({_s(g['run_seconds_max'])})",
                _s(g["lag_p50"], ".0f"),
                _s(g["lag_p95"], ".0f"),
                _s(g["lag_max"], ".0f"),
                f"{pick:g}",
                _s(g["screen_p95"], ".0f"),
                "none" if not g["drift"] else "DRIFT",
            )
        )
    head = ("backend", "scale", "simulated", "runs / changes", "run s p50 (max)", "lag p50 s", "lag p95 s")
    out += _grid((*head, "lag max s", "pickup s", "on screen p95 s", "drift"), rows)
    pk = results[0]["live"]["lag"]["pickup"] if results else pickup_seconds()
    out.append(
        f"\npickup = freshness cache ttl {pk['freshness_ttl']:g} s + the wall's redraw {pk['wall_redraw']:g} s; "
        "on screen = lag p95 + pickup"
    )
    seeds = [
        f"- seed {r['backend']} scale {r['scale']}: "
        + ("reused" if r["seed"]["reused"] else f"{r['seed']['seed_seconds']:.0f} s")
        + f"; baseline full rebuild {r['live']['baseline_full_seconds']:.2f} s; simulator: {r['live']['lag']['simulator']}"
        for r in results
    ]
    return "\n".join(out + [""] + seeds)


def check_targets(results: list[dict]) -> list[str]:
    """The live targets: one line per miss, or a line saying all were met."""
    misses = []
    for r in results:
        tag, live = f"{r['backend']} scale {r['scale']:g}", r["live"]
        for s in live["steps"]:
            n = s["changed_rows"]
            if s["drift"]:
                misses.append(f"{tag} {n:,} rows: incremental result differs from the full rebuild: {s['drift']}")
            if n == 1_000 and r["scale"] >= 10 and s["refresh_seconds"] > REFRESH_1000_S:
                misses.append(
                    f"{tag}: refresh of 1,000 changed rows {s['refresh_seconds']:.2f} s > {REFRESH_1000_S:g} s"
                )
            if n <= 10 and s["ratio"] >= SMALL_SHARE:
                misses.append(
                    f"{tag}: refresh of {n} changed rows {s['ratio'] * 100:.0f} % of a full rebuild (≥ {SMALL_SHARE:.0%})"
                )
        c = live["capture"]
        for kind in ("single", "batch"):
            if c[f"{kind}_ratio"] > CAPTURE_RATIO:
                misses.append(f"{tag}: {kind} insert with the capture triggers {c[f'{kind}_ratio']:.2f}× a bare one")
        g = live["lag"]
        if g["drift"]:
            misses.append(f"{tag}: after the simulated writes the incremental result differs: {g['drift']}")
        if g["screen_p95"] is None:
            misses.append(f"{tag}: no refresh consumed a simulated write; lag not measured")
        elif g["screen_p95"] > SCREEN_P95_S:
            misses.append(f"{tag}: write → screen p95 {g['screen_p95']:.0f} s > {SCREEN_P95_S:g} s")
        if g["backlog_after"]:
            misses.append(f"{tag}: {g['backlog_after']} journal rows still waiting after the simulator stopped")
    return misses or ["all targets met"]
