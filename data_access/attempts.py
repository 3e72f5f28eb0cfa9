"""Sign-in attempts in the shared database, so every server process counts the same ones (issue F8).

The pages' connection is read-only; this store has its own small writable engine on the same database
(or on ERQI_AUTH_DATABASE_URL, for a role that may write only this table). It records one row per password
attempt and answers how many recent failures a client, a name and the pair have. Any database error is
raised as Unavailable: the gate then refuses the sign-in (it never lets an uncounted guess through).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from dataclasses import dataclass

from sqlalchemy import Engine, create_engine, delete, insert, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from .db import database_url
from .live.models import SignInAttempt

log = logging.getLogger(__name__)
KEEP_SECONDS = 30 * 24 * 3600  # rows older than this are pruned (a known client is remembered this long)
_TIMEOUT_S = 3

_engines: dict[str, Engine] = {}
_ready: set[str] = set()
_lock = threading.Lock()


class Unavailable(Exception):
    """The attempt store cannot be read or written (database down, no right to write the table)."""


@dataclass(frozen=True)
class Recent:
    """Failures since a moment: of this name from this client (since its last success there), of this client
    under any name, of this name from any client; and whether this client signed in as this name before."""

    pair: int
    client: int
    login: int
    known_client: bool


def store_url() -> URL:
    raw = (os.environ.get("ERQI_AUTH_DATABASE_URL") or "").strip()
    return make_url(raw) if raw else database_url()


def _engine(url: URL) -> Engine:
    key = url.render_as_string(hide_password=False)
    with _lock:
        engine = _engines.get(key)
        if engine is None:
            if url.get_backend_name() == "sqlite":
                # no journal-mode change: the pages open this file read-only
                engine = create_engine(url, connect_args={"timeout": _TIMEOUT_S})
            else:
                options = f"-c statement_timeout={_TIMEOUT_S * 1000} -c application_name=erqi-sign-in"
                engine = create_engine(
                    url,
                    pool_size=1,
                    max_overflow=2,
                    pool_pre_ping=True,
                    pool_timeout=_TIMEOUT_S,
                    connect_args={"options": options, "connect_timeout": _TIMEOUT_S},
                )
            _engines[key] = engine
        if key not in _ready:
            # migration 0003 makes it in the dataset's database; a separate store gets it on first use
            SignInAttempt.__table__.create(engine, checkfirst=True)
            _ready.add(key)
    return engine


def _run(work):
    try:
        return work(_engine(store_url()))
    except SQLAlchemyError as exc:
        log.error("sign-in attempt store unavailable: %s", exc)
        raise Unavailable(str(exc)) from None


def recent(login: str, client: str, window_seconds: float, now: float | None = None) -> Recent:
    """Failures within the window (the pair's only since its last success) and whether the pair ever
    succeeded within KEEP_SECONDS."""
    now = time.time() if now is None else now
    since = now - window_seconds
    sql = text(
        """
        SELECT
          COALESCE(SUM(CASE WHEN NOT ok AND login = :l AND client = :c AND at >= :since
                             AND at > COALESCE((SELECT MAX(at) FROM sign_in_attempt
                                                WHERE ok AND login = :l AND client = :c), 0)
                            THEN 1 ELSE 0 END), 0),
          COALESCE(SUM(CASE WHEN NOT ok AND client = :c AND at >= :since THEN 1 ELSE 0 END), 0),
          COALESCE(SUM(CASE WHEN NOT ok AND login = :l AND at >= :since THEN 1 ELSE 0 END), 0),
          COALESCE(MAX(CASE WHEN ok AND login = :l AND client = :c THEN 1 ELSE 0 END), 0)
        FROM sign_in_attempt
        WHERE (login = :l OR client = :c) AND at >= :kept
        """
    )
    params = {"l": login, "c": client, "since": since, "kept": now - KEEP_SECONDS}

    def work(engine: Engine) -> Recent:
        with engine.connect() as conn:
            pair, by_client, by_login, known = conn.execute(sql, params).one()
        return Recent(int(pair), int(by_client), int(by_login), bool(known))

    return _run(work)


def begin(login: str, client: str, now: float | None = None) -> int:
    """Count an attempt as failed before its password is checked (parallel attempts of one client cannot
    all slip under a limit while the slow check runs); `succeeded` turns it into a success. Its id."""
    now = time.time() if now is None else now
    t = SignInAttempt.__table__

    def work(engine: Engine) -> int:
        with engine.begin() as conn:
            return conn.execute(
                insert(t).values(at=now, login=login, client=client, ok=False).returning(t.c.id)
            ).scalar()

    return _run(work)


def succeeded(attempt_id: int, now: float | None = None) -> None:
    """The attempt's password was right; rows older than KEEP_SECONDS are pruned."""
    now = time.time() if now is None else now
    t = SignInAttempt.__table__

    def work(engine: Engine) -> None:
        with engine.begin() as conn:
            conn.execute(update(t).where(t.c.id == attempt_id).values(ok=True))
            conn.execute(delete(t).where(t.c.at < now - KEEP_SECONDS))

    _run(work)


def forget(login: str | None = None) -> None:
    """Delete the failed attempts of one name (an administrator unlocking it; its known clients stay known),
    or every attempt of everyone."""
    t = SignInAttempt.__table__

    def work(engine: Engine) -> None:
        with engine.begin() as conn:
            conn.execute(delete(t) if login is None else delete(t).where(t.c.login == login, t.c.ok.is_(False)))

    _run(work)


def dispose() -> None:
    """Close the store's connections (tests; a process about to end)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _ready.clear()
