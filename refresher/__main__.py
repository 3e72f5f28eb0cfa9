"""python -m refresher [run|once|full|migrate|status] [--url URL] [--interval S] [--nightly HH:MM|off]

Keeps the summary tables of a shared database current while other programs write into it:
- run (default): a long-running service; refreshes every --interval seconds (default 10) and rebuilds in
  full once a night after --nightly (default 03:00; off to leave that to cron), reporting drift;
- once: one incremental refresh (for cron), exit code 0;
- full: one full rebuild, with the drift report;
- migrate: bring the database's schema to this version (Alembic) and rebuild the summaries once;
- status: the refresher's state and latest runs.
It needs a database user allowed to write the summary tables, the journal and refresh_state; the app's
own connection stays read-only. Several copies may run (one per server): one refreshes at a time.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from datetime import datetime

from sqlalchemy.engine import make_url

from data_access.bootstrap import database_ready, migrate
from data_access.db import database_url, safe_url_text, write_engine
from data_access.live import refresh


def _nightly(text: str):
    if text.lower() == "off":
        return None
    try:
        return datetime.strptime(text, "%H:%M").time()
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a time (HH:MM) or off: {text}") from exc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m refresher", description="Keep the summary tables current.")
    parser.add_argument("command", nargs="?", default="run", choices=["run", "once", "full", "migrate", "status"])
    parser.add_argument("--url", help="SQLAlchemy URL (default: DATABASE_URL, else the embedded SQLite file)")
    parser.add_argument("--interval", type=float, default=10.0, help="seconds between refreshes (default 10)")
    parser.add_argument("--nightly", type=_nightly, default=_nightly("03:00"), help="full rebuild after (HH:MM|off)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    url = make_url(args.url) if args.url else database_url()
    target = safe_url_text(url)
    try:
        if not database_ready(url):
            print(f"refused: {target} holds no dashboard data; run python -m seed or the importer", file=sys.stderr)
            return 2
        if args.command == "migrate":
            migrate(url)
            print(f"{target}: schema up to date, summaries rebuilt")
            return 0
        engine = write_engine(url)
        try:
            return _run(args, engine, target)
        finally:
            engine.dispose()
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not dump
        print(f"failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


def _run(args, engine, target: str) -> int:
    if args.command == "status":
        with engine.connect() as conn:
            state = refresh.freshness(conn)
            runs = refresh.recent_runs(conn, 10)
        print(f"{target}: version {state.get('version')}, refreshed {state.get('refreshed_at')} UTC")
        print(
            f"  oldest change waiting: {state.get('pending_age') or 0:.0f} s; last look {state.get('heartbeat_age') or 0:.0f} s ago"
        )
        print(runs.to_string(index=False) if not runs.empty else "  no runs recorded")
        return 0
    if args.command in ("once", "full"):
        report = refresh.refresh(engine) if args.command == "once" else refresh.full_rebuild(engine)
        if report is None:
            print("another refresher holds the lock; nothing done")
        else:
            print(
                f"{report.kind}: {report.changes} changes, {report.groups} groups, {report.rows_written} rows "
                f"in {report.seconds:.2f}s" + (f"; drift: {report.drift}" if report.drift else "")
            )
        return 0
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"refreshing {target} every {args.interval:g}s (Ctrl+C stops)", flush=True)
    refresh.serve(engine, stop, args.interval, args.nightly)
    return 0


if __name__ == "__main__":
    sys.exit(main())
