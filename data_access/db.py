"""Which database we talk to, and engines for reading (the app) and writing (the seed)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_SQLITE_PATH = PROJECT_DIR / "data" / "erqi-demo.sqlite"
LIVE_DEMO_PATH = PROJECT_DIR / "data" / "erqi-live-demo.sqlite"  # ERQI_LIVE_DEMO=1: the live demo's own file
QUERY_TIMEOUT_MS = 15_000  # default; QUERY_TIMEOUT_SECONDS overrides it
SQLITE_GUARD_STEPS = 20_000  # SQLite checks its deadline every this many virtual-machine steps


def query_timeout_ms() -> int:
    """How long one statement may run (and, on SQLite, wait for a lock) before it is aborted."""
    raw = os.environ.get("QUERY_TIMEOUT_SECONDS", "").strip()
    try:
        seconds = float(raw) if raw else QUERY_TIMEOUT_MS / 1000
    except ValueError:
        seconds = QUERY_TIMEOUT_MS / 1000
    return max(1, int(seconds * 1000))


class DatabaseConfigError(ValueError):
    """DATABASE_URL is not a usable SQLAlchemy URL."""


def live_demo_requested() -> bool:
    """ERQI_LIVE_DEMO=1: the embedded demo is live (data up to yesterday, a simulator writing now)."""
    return os.environ.get("ERQI_LIVE_DEMO", "").strip().lower() in ("1", "true", "yes", "on")


def database_url() -> URL:
    """DATABASE_URL if set, else the embedded SQLite file inside the project (the live demo's with
    ERQI_LIVE_DEMO=1)."""
    raw = os.environ.get("DATABASE_URL", "").strip()
    if not raw:
        return make_url(f"sqlite:///{LIVE_DEMO_PATH if live_demo_requested() else DEFAULT_SQLITE_PATH}")
    try:
        return make_url(raw)
    except Exception as exc:  # noqa: BLE001 - any parse failure is a config error
        raise DatabaseConfigError("DATABASE_URL 不是有效的 SQLAlchemy 连接串") from exc


def is_default_database(url: URL) -> bool:
    """True when url is an embedded demo file the app may create (and keep current) itself."""
    return url.get_backend_name() == "sqlite" and Path(url.database or "") in (DEFAULT_SQLITE_PATH, LIVE_DEMO_PATH)


def safe_url_text(url: URL) -> str:
    """The URL with its password hidden, for logs and the seed's own messages."""
    return url.render_as_string(hide_password=True)


def write_engine(url: URL | str) -> Engine:
    """An engine that may write: the seed, the importer, the refresher, the simulator, the first-start
    bootstrap. Never the pages."""
    url = make_url(url)
    if url.get_backend_name() == "sqlite":
        if url.database:
            Path(url.database).parent.mkdir(parents=True, exist_ok=True)
        # a writer waits for another's lock (the refresher, a feeding system) rather than failing at once
        engine = create_engine(url, connect_args={"timeout": query_timeout_ms() / 1000})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; OFF could lose a commit
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def read_engine(url: URL | str) -> Engine:
    """A read-only engine with a statement timeout: the app's own connection."""
    url = make_url(url)
    backend = url.get_backend_name()
    timeout_ms = query_timeout_ms()
    if backend == "sqlite":
        path = Path(url.database or "").resolve()
        ro = URL.create("sqlite", database=f"file:{path}?mode=ro", query={"uri": "true"})
        engine = create_engine(ro, connect_args={"timeout": timeout_ms / 1000})
        _sqlite_statement_timeout(engine, timeout_ms / 1000)

        @event.listens_for(engine, "connect")
        def _readonly(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA query_only=ON")
            cur.close()

        return engine
    if backend == "postgresql":
        # a lock wait gives up a little before the statement would, so "busy" and "slow" stay apart
        options = (
            "-c default_transaction_read_only=on "
            f"-c statement_timeout={timeout_ms} -c lock_timeout={max(1, timeout_ms * 4 // 5)} "
            "-c application_name=erqi-dashboard"
        )
        return create_engine(
            url,
            pool_pre_ping=True,
            pool_size=4,
            max_overflow=4,
            pool_timeout=timeout_ms / 1000,
            connect_args={"options": options, "connect_timeout": 5},
        )
    return create_engine(url, pool_pre_ping=True)


def _sqlite_statement_timeout(engine: Engine, seconds: float) -> None:
    """SQLite's stand-in for statement_timeout: a progress handler aborts a statement (and the fetch of
    its rows) that runs longer than seconds; the driver then raises OperationalError('interrupted')."""

    @event.listens_for(engine, "connect")
    def _install(dbapi_conn, record) -> None:
        info = record.info

        def _over_time() -> int:
            deadline = info.get("deadline")
            return 1 if deadline is not None and time.monotonic() > deadline else 0

        dbapi_conn.set_progress_handler(_over_time, SQLITE_GUARD_STEPS)

    @event.listens_for(engine, "before_cursor_execute")
    def _start(conn, _cursor, _statement, _params, _context, _many) -> None:
        conn.info["deadline"] = time.monotonic() + seconds

    @event.listens_for(engine, "checkin")
    def _done(_dbapi_conn, record) -> None:
        record.info.pop("deadline", None)
