"""Part 3, the soak: `python -m seed.simulate` and `python -m refresher run --interval 5` run against the copy
for a while; the refresher's runs give the write → refresh lag, the pages' pickup delay the write → screen bound."""

from __future__ import annotations

import ast
import logging
import math
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, select

from data_access.db import write_engine
from data_access.live import refresh
from data_access.live.models import RefreshRun

from .scratch import write_meta

PROJECT = Path(__file__).resolve().parents[2]
REFRESHER_INTERVAL = 5.0


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
        write_meta(engine, live="1", as_of=yesterday.isoformat())  # today is in the pages' range
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
