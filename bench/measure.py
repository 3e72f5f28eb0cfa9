"""Measure every page of the app against one database, in this process (run by bench as a child).

For each page: the cold run (empty caches), the warm rerun (same filters), a filter change (cache
miss), each repeated; the largest chart/map spec it sends; and the floor: the same SQL statements the
page ran on a cache miss, replayed bare on a fresh connection.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import time
from contextlib import contextmanager

from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine

from data_access.db import read_engine


@contextmanager
def recorded_statements():
    """Collect (sql, params) of every statement any engine executes inside the block."""
    seen: list[tuple[str, object]] = []

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(Engine, "before_cursor_execute", before)


def replay(url: str, statements: list[tuple[str, object]]) -> float:
    """Seconds to run the statements bare (driver level) on a fresh read-only connection."""
    engine = read_engine(url)
    total = 0.0
    with engine.connect() as conn:
        raw = conn.connection.driver_connection
        for sql, params in statements:
            cur = raw.cursor()
            started = time.perf_counter()
            cur.execute(sql, params)
            cur.fetchall()
            total += time.perf_counter() - started
            cur.close()
    engine.dispose()
    return total


def spec_bytes(at) -> int:
    """Bytes of the largest chart or map spec in the last run."""
    elements = [*at.get("vega_lite_chart"), *at.get("deck_gl_json_chart")]
    return max([el.proto.ByteSize() for el in elements], default=0)  # spec and data as sent


def script_seconds(at) -> float:
    """The script time of the last run, as the app itself recorded it (no test-harness polling)."""
    from ui.chrome.shell import SCRIPT_SECONDS

    return float(at.session_state[SCRIPT_SECONDS])


def _clear_caches() -> None:
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()


def _streets(url: str) -> list[int]:
    engine = create_engine(url) if not url.startswith("sqlite") else read_engine(url)
    with engine.connect() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT org_id FROM grid WHERE level = 2 ORDER BY code"))]
    engine.dispose()
    return ids


def _steps(page: str, cold, warm, change, floor: float, largest: int, errors: list[str]) -> dict:
    """One page's (or question's) figures: medians and maxima of each step, its floor, its largest spec."""
    return {
        "page": page,
        "cold_median": statistics.median(cold),
        "cold_max": max(cold),
        "warm_median": statistics.median(warm),
        "warm_max": max(warm),
        "change_median": statistics.median(change),
        "change_max": max(change),
        "floor": floor,
        "largest_spec_bytes": largest,
        "errors": errors,
    }


def measure_page(app: str, page: str, url: str, reps: int) -> dict:
    from streamlit.testing.v1 import AppTest

    streets = _streets(url)
    cold, warm, change = [], [], []
    floor = 0.0
    largest = 0
    errors: list[str] = []
    for rep in range(reps):
        at = AppTest.from_file(app, default_timeout=600)
        at.run()
        _clear_caches()  # the root run may already have drawn the first page
        at.switch_page(page).run()
        cold.append(script_seconds(at))
        at.run()
        warm.append(script_seconds(at))
        largest = max(largest, spec_bytes(at))
        street = streets[rep % len(streets)]
        with recorded_statements() as seen:
            at.selectbox(key="_w_street").set_value(street).run()
            change.append(script_seconds(at))
        largest = max(largest, spec_bytes(at))
        if rep == 0:
            floor = replay(url, seen)
        if at.exception:
            errors.append(str(at.exception[0].message)[:200])
    return _steps(page, cold, warm, change, floor, largest, errors)


# The explore page's representative questions (measure, breakdowns): over time, by place on the map, a
# two-way table, a category by year and a median; each asked under a different street every repetition,
# so every asking is a cache miss as a new question is.
QUESTIONS = (
    ("hours", ("month",)),
    ("members", ("community",)),
    ("requests", ("community", "quarter")),
    ("served", ("category", "year")),
    ("wait_median", ("need",)),
)


def measure_questions(app: str, url: str, reps: int) -> list[dict]:
    """Per question: the run that asks it (script time), the warm rerun, and its queries' bare floor."""
    from streamlit.testing.v1 import AppTest

    from ui.explore.question import Question

    streets = _streets(url)
    out = []
    for measure, by in QUESTIONS:
        warm, change, errors = [], [], []
        floor = 0.0
        largest = 0
        at = AppTest.from_file(app, default_timeout=600)
        at.run()
        at.switch_page("pages/explore.py").run()
        for rep in range(reps):
            base = at.session_state["_filters"]
            f = type(base)(base.start, base.end, streets[(rep + 3) % len(streets)])
            with recorded_statements() as seen:
                at.session_state["_filters"] = f
                at.session_state["_explore_q"] = Question(measure, by)
                at.run()
                change.append(script_seconds(at))
            if rep == 0:
                floor = replay(url, seen)
            at.run()
            warm.append(script_seconds(at))
            largest = max(largest, spec_bytes(at))
            if at.exception:
                errors.append(str(at.exception[0].message)[:200])
        out.append(_steps(f"explore {measure} by {'×'.join(by)}", change, warm, change, floor, largest, errors))
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.measure")
    parser.add_argument("--url", required=True)
    parser.add_argument("--reps", type=int, default=5)
    args = parser.parse_args(argv)
    os.environ["DATABASE_URL"] = args.url
    os.environ["ERQI_OPEN_DEMO"] = "1"  # the bench's databases hold the seed's demo data
    from ui.chrome.shell import PAGES

    app = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "app.py")
    pages = [measure_page(app, path, args.url, args.reps) for path, *_ in PAGES]
    pages += measure_questions(app, args.url, args.reps)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    json.dump({"pages": pages, "peak_rss_mb": rss_mb}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
