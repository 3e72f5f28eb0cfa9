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

The package: scratch (the copy), writer (part 1's writes), measure (parts 1 and 2), soak (part 3) and report
(the tables and the targets); run() does every part for one seeded database.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .measure import SIZES, measure_capture, measure_refresh
from .report import check_targets, table
from .scratch import database_copy, prepare
from .soak import measure_lag

__all__ = ["SIZES", "check_targets", "run", "table"]


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
        prepare(copy)

        def say(what: str) -> None:
            print(f"== {backend} scale {scale:g}: {what}", file=sys.stderr, flush=True)

        say("live refresh")
        refreshed = measure_refresh(copy, sizes, profile)
        say("capture triggers' cost")
        captured = measure_capture(copy, singles, batch)
        say(f"write → refresh lag, simulator for {lag_seconds:g} s")
        lag = measure_lag(copy, lag_seconds, speed)
    return {**refreshed, "capture": captured, "lag": lag}
