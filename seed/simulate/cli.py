"""The simulator's command: `python -m seed.simulate` (seed.simulate.__main__ runs main)."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
import time

from sqlalchemy.exc import SQLAlchemyError

from data_access.db import database_url, safe_url_text, write_engine

from .loop import Simulator, log, short_error, summary


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"not a number: {text}") from exc
    if not value > 0:
        raise argparse.ArgumentTypeError("must be > 0")
    return value


def main(argv: list[str] | None = None) -> int:
    """python -m seed.simulate [--url URL] [--tick SECONDS] [--speed X] [--duration SECONDS] [--seed N]"""
    parser = argparse.ArgumentParser(
        prog="python -m seed.simulate", description="Write live demo activity into the 二七区 database."
    )
    parser.add_argument("--url", help="SQLAlchemy URL (default: DATABASE_URL, else the embedded SQLite file)")
    parser.add_argument("--tick", type=_positive, default=2.0, help="seconds between writes (default 2)")
    parser.add_argument("--speed", type=_positive, default=1.0, help="multiply the rates (default 1: a busy district)")
    parser.add_argument("--duration", type=_positive, help="stop after this many seconds (default: until Ctrl-C)")
    parser.add_argument("--seed", type=int, help="random seed (default: a fresh one)")
    args = parser.parse_args(argv)

    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S", stream=sys.stdout)
    log.setLevel(logging.INFO)
    engine = write_engine(args.url or database_url())
    sim = Simulator(engine, seed=args.seed, speed=args.speed)
    try:
        sim.reference()  # a database without the dashboard's tables is an error to report, not to retry
    except SQLAlchemyError as exc:
        print(f"failed: {safe_url_text(engine.url)}: {short_error(exc)}", file=sys.stderr)
        engine.dispose()
        return 1
    print(
        f"simulating on {safe_url_text(engine.url)} (speed {args.speed}, tick {args.tick}s, seed {sim.seed}); "
        "Ctrl-C stops",
        flush=True,
    )
    stop = threading.Event()
    timer = threading.Timer(args.duration, stop.set) if args.duration else None
    if timer:
        timer.daemon = True
        timer.start()
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda *_: stop.set()) if in_main else None
    started = time.monotonic()
    try:
        sim.run(stop, args.tick)
    except KeyboardInterrupt:
        pass
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        if timer:
            timer.cancel()
        engine.dispose()
    print(f"stopped after {time.monotonic() - started:.0f}s: {summary(sim.totals)}", flush=True)
    return 0
