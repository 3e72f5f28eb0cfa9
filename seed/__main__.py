"""python -m seed [--url URL] [--scale S] [--seed N] [--as-of DATE] [--force] | [--url URL] --rollups-only"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date, timedelta

from sqlalchemy.engine import make_url

from data_access.db import database_url, safe_url_text, write_engine

from .generator import DEFAULT_AS_OF, DEFAULT_SEED, DatabaseNotEmpty, SeedConfig, generate


def _as_of(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text}") from exc


def _scale(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from exc
    if not 0 < value <= 100:
        raise argparse.ArgumentTypeError("scale must be > 0 and <= 100")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m seed", description="Build the 二七区 demo dataset.")
    parser.add_argument("--url", help="SQLAlchemy URL (default: DATABASE_URL, else the embedded SQLite file)")
    parser.add_argument("--scale", type=_scale, default=1.0, help="multiply volumes (default 1: the report's figures)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help=f"random seed (default {DEFAULT_SEED})")
    parser.add_argument(
        "--as-of", type=_as_of, default=None, help="data-as-of date (default 2017-09-30; --live: yesterday)"
    )
    parser.add_argument(
        "--live",
        action="store_true",
        help="a live database: the data ends today and is judged as of now while other systems (or "
        "python -m seed.simulate) write into it",
    )
    parser.add_argument("--force", action="store_true", help="replace the dashboard's tables if present")
    parser.add_argument(
        "--rollups-only",
        action="store_true",
        help="only rebuild the summary tables from the raw rows already there (after upgrading the dashboard)",
    )
    args = parser.parse_args(argv)

    url = args.url or database_url()
    if args.as_of is None:
        args.as_of = date.today() - timedelta(days=1) if args.live else DEFAULT_AS_OF  # live: today comes as it happens
    if args.rollups_only:
        return _rollups_only(url)
    engine = write_engine(url)
    target = safe_url_text(engine.url)
    live = ", live" if args.live else ""
    print(f"seeding {target} (scale {args.scale}, seed {args.seed}, as of {args.as_of}{live})", flush=True)
    started = time.perf_counter()

    def progress(fraction: float, message: str) -> None:
        print(f"  [{fraction * 100:5.1f}%] {message}  ({time.perf_counter() - started:.1f}s)", flush=True)

    try:
        counts = generate(engine, SeedConfig(args.scale, args.seed, args.as_of, args.live), progress, force=args.force)
    except DatabaseNotEmpty as exc:
        print(f"refused: {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not dump
        print(f"failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    finally:
        engine.dispose()
    width = max(map(len, counts))
    for table, n in counts.items():
        print(f"  {table:<{width}} {n:>10,}")
    print(f"done in {time.perf_counter() - started:.1f}s")
    return 0


def _rollups_only(url) -> int:
    from data_access.bootstrap import database_ready, rebuild_rollups

    target = safe_url_text(make_url(url))
    started = time.perf_counter()
    try:
        if not database_ready(make_url(url)):
            print(f"refused: {target} holds no dashboard data; run python -m seed or the importer", file=sys.stderr)
            return 2
        print(f"rebuilding the summary tables of {target}", flush=True)
        counts = rebuild_rollups(url)
    except Exception as exc:  # noqa: BLE001 - a CLI reports, it does not dump
        print(f"failed: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    for table, n in counts.items():
        print(f"  {table:<20} {n:>10,}")
    print(f"done in {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
