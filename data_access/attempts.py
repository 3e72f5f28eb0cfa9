"""Sign-in attempts in the shared database, so every server process counts the same ones (issue F8).

The pages' connection is read-only; this store has its own small writable engine on the same database
(or on ERQI_AUTH_DATABASE_URL, for a role that may write only this table). It records one row per password
attempt and answers how many recent failures a client, a name and the pair have. Any database error is
raised as Unavailable: the gate then refuses the sign-in (it never lets an uncounted guess through).

The count and the new attempt's row are one transaction that holds a lock on the client and the name
(PostgreSQL: transaction-scoped advisory locks; SQLite: BEGIN IMMEDIATE, the file's write lock), so
parallel attempts, in one process or many, are counted one after another: none slips under a limit.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, create_engine, delete, event, insert, or_, text, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from .db import database_url
from .live.models import SignInAttempt

log = logging.getLogger(__name__)
KEEP_SECONDS = 30 * 24 * 3600  # rows older than this are pruned (a known client is remembered this long)
_TIMEOUT_S = 3

# The limits (the sign-in gate applies them; `python -m auth unlock` lists what they lock): a client that
# fails PAIR_LIMIT times for one name may not try that name for the window; one that fails CLIENT_LIMIT
# times (any names) may not try at all; a name that fails NAME_LIMIT times from everywhere is closed to
# clients that never signed in as it.
WINDOW_SECONDS = 15 * 60
PAIR_LIMIT, CLIENT_LIMIT, NAME_LIMIT = 5, 20, 50

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
                _immediate_transactions(engine)
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


_RECENT_SQL = text(
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


def _immediate_transactions(engine: Engine) -> None:
    """SQLite: every transaction of the store takes the file's write lock when it begins (BEGIN IMMEDIATE),
    so a count and the row it allows are never interleaved with another attempt's."""

    @event.listens_for(engine, "connect")
    def _no_implicit(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
        dbapi_conn.isolation_level = None  # the driver issues no BEGIN of its own

    @event.listens_for(engine, "begin")
    def _begin(conn) -> None:  # pragma: no cover - trivial
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def _hold(conn: Connection, *keys: str) -> None:
    """PostgreSQL: hold, until the transaction ends, an advisory lock per key (taken in one order, so two
    attempts never wait on each other crosswise). SQLite holds the file's write lock already."""
    if conn.dialect.name != "postgresql":
        return
    for key in sorted(set(keys)):
        number = int.from_bytes(hashlib.sha256(f"erqi-sign-in:{key}".encode()).digest()[:8], "big", signed=True)
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": number})


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
    sql = _RECENT_SQL
    params = {"l": login, "c": client, "since": since, "kept": now - KEEP_SECONDS}

    def work(engine: Engine) -> Recent:
        with engine.begin() as conn:
            return _recent(conn, sql, params)

    return _run(work)


def _recent(conn: Connection, sql, params: dict) -> Recent:
    pair, by_client, by_login, known = conn.execute(sql, params).one()
    return Recent(int(pair), int(by_client), int(by_login), bool(known))


def refusal(seen: Recent) -> str:
    """Why an attempt with these recent failures is refused ('' when it may go ahead)."""
    if seen.client >= CLIENT_LIMIT:
        return "client_locked"
    if seen.pair >= PAIR_LIMIT:
        return "locked"
    if seen.login >= NAME_LIMIT and not seen.known_client:
        return "name_locked"
    return ""


def begin(
    login: str, client: str, refuse: Callable[[Recent], str] = refusal, now: float | None = None
) -> tuple[str, int | None]:
    """Count the recent failures and, unless refuse(counts) names a reason, record this attempt as failed
    before its password is checked (`succeeded` turns it into a success): ('', its id), else (reason,
    None). Counting and recording are one transaction under the client's and the name's lock, so of any
    number of parallel attempts only as many as the limits allow get a row, and only those get checked."""
    now = time.time() if now is None else now
    t = SignInAttempt.__table__
    params = {"l": login, "c": client, "since": now - WINDOW_SECONDS, "kept": now - KEEP_SECONDS}

    def work(engine: Engine) -> tuple[str, int | None]:
        with engine.begin() as conn:
            _hold(conn, f"client:{client}", f"login:{login}")
            reason = refuse(_recent(conn, _RECENT_SQL, params))
            if reason:
                return reason, None
            row = insert(t).values(at=now, login=login, client=client, ok=False).returning(t.c.id)
            return "", conn.execute(row).scalar()

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


def forget(login: str | None = None, client: str | None = None) -> int:
    """Delete the failed attempts of a name and/or a client (an administrator lifting a lock; known clients
    stay known), or, given neither, every attempt of everyone. How many rows went."""
    t = SignInAttempt.__table__
    which = []
    if login is not None:
        which.append(t.c.login == login)
    if client is not None:
        which.append(t.c.client == client)

    def work(engine: Engine) -> int:
        with engine.begin() as conn:
            stmt = delete(t).where(or_(*which), t.c.ok.is_(False)) if which else delete(t)
            return conn.execute(stmt).rowcount or 0

    return _run(work)


@dataclass(frozen=True)
class Lock:
    """A lock the limits hold now: kind is 'pair' (a name from one client), 'client' (any name from a
    client) or 'name' (a name, for clients that never signed in as it); failures counted and until when."""

    kind: str
    login: str
    client: str
    failures: int
    until: float


def locks(now: float | None = None) -> list[Lock]:
    """Every lock the limits hold at this moment (what `python -m auth unlock` lists and lifts)."""
    now = time.time() if now is None else now
    since = now - WINDOW_SECONDS
    failed = text(
        """
        SELECT login, client, COUNT(*), MAX(at) FROM sign_in_attempt a
        WHERE NOT ok AND at >= :since
          AND at > COALESCE((SELECT MAX(at) FROM sign_in_attempt s
                             WHERE s.ok AND s.login = a.login AND s.client = a.client), 0)
        GROUP BY login, client
        """
    )
    by_client = text(
        "SELECT client, COUNT(*), MAX(at) FROM sign_in_attempt WHERE NOT ok AND at >= :since GROUP BY client"
    )
    by_login = text(
        "SELECT login, COUNT(*), MAX(at) FROM sign_in_attempt WHERE NOT ok AND at >= :since GROUP BY login"
    )

    def work(engine: Engine) -> list[Lock]:
        with engine.begin() as conn:
            pairs = conn.execute(failed, {"since": since}).all()
            clients = conn.execute(by_client, {"since": since}).all()
            logins = conn.execute(by_login, {"since": since}).all()
        found = [Lock("client", "", c, int(n), float(last) + WINDOW_SECONDS) for c, n, last in clients if n >= CLIENT_LIMIT]
        found += [Lock("pair", lg, c, int(n), float(last) + WINDOW_SECONDS) for lg, c, n, last in pairs if n >= PAIR_LIMIT]
        found += [Lock("name", lg, "", int(n), float(last) + WINDOW_SECONDS) for lg, n, last in logins if n >= NAME_LIMIT]
        return found

    return _run(work)


def dispose() -> None:
    """Close the store's connections (tests; a process about to end)."""
    with _lock:
        for engine in _engines.values():
            engine.dispose()
        _engines.clear()
        _ready.clear()
