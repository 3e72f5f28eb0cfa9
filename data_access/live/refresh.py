"""The refresher: consume the change journal and recompute the summary rows the changes touched.

One refresh is one transaction: take the refresher's lock, move the heartbeat, take the journal rows
that are visible, recompute the month × place groups (and member-points organisations and building
groups) they name from the raw rows, add the row-count deltas, move the data version, record the run.
A viewer therefore sees the figures before or after a refresh, never half of one. Its cost follows the
months and places touched, not the size of the tables.

Exactly one refresher works at a time, whichever process or server runs it: on PostgreSQL a
transaction-level advisory lock (a second refresher skips its turn), on SQLite the database's own write
lock (the first statement writes). On PostgreSQL the transaction is REPEATABLE READ, so the raw rows it
recomputes from and the journal rows it consumes are one snapshot: a change committed meanwhile stays in
the journal for the next turn.

Time moves: a live dataset (dataset_meta live = 1) is judged as of the refresh itself. Each refresh
moves `cutoff` to now and also recomputes the request groups whose open requests crossed an age or wait
bucket boundary since the previous cutoff, so waits and backlog ages grow without any write.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime

import pandas as pd
from sqlalchemy import Connection, Engine, bindparam, delete, func, insert, or_, select, text, update

from .. import models as m
from .. import rollups
from ..queries.overview import dataset_info
from ..queries.volunteers import AGE_BOUNDS_H, BUCKETS, TAIL_H, TAIL_STEP_H, data_cutoff
from ..rollup_models import ROLLUPS
from .models import ChangeJournal, RefreshRun, RefreshState

log = logging.getLogger("erqi.refresh")

LOCK_KEY = 0x45525149  # PostgreSQL advisory lock of the refresher ("ERQI")
BATCH = 500_000  # journal rows one refresh takes at most; the rest waits for the next turn
KEEP_RUNS = 500  # refresh_run rows kept
LAG_WARN_SECONDS = 300  # default: a change waiting longer than this, the pages say the figures are behind
STOPPED_SECONDS = 180  # default: a live dataset whose refresher has not looked for this long has stopped
FUZZ = timedelta(seconds=2)  # durations are rounded to whole seconds: widen the crossing windows by this


@dataclass(frozen=True)
class RunReport:
    """What one refresh did."""

    kind: str
    changes: int
    groups: int
    rows_written: int
    seconds: float
    lag_seconds: float | None = None
    drift: str | None = None


def lag_limits() -> tuple[float, float]:
    """(ERQI_LAG_WARN_SECONDS, ERQI_REFRESHER_STOPPED_SECONDS): when the pages say the figures are behind."""

    def seconds(name: str, default: float) -> float:
        try:
            return max(1.0, float(os.environ.get(name, "") or default))
        except ValueError:
            return default

    return seconds("ERQI_LAG_WARN_SECONDS", LAG_WARN_SECONDS), seconds(
        "ERQI_REFRESHER_STOPPED_SECONDS", STOPPED_SECONDS
    )


def utcnow() -> datetime:
    """Naive UTC now, to the second (the journal's and the state's clock)."""
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _cutoff(now: datetime | None) -> datetime:
    """The instant a refresh judges requests at: the next whole second, so a stage stamped (in whole
    seconds) and committed in the very second of the refresh counts as reached."""
    return now.replace(microsecond=0) if now is not None else local_now() + timedelta(seconds=1)


def local_now() -> datetime:
    """Naive local now, to the second (the data's clock: records and requests are stamped in local time)."""
    return datetime.now().replace(microsecond=0)


@contextmanager
def _locked(engine: Engine) -> Iterator[Connection | None]:
    """A transaction holding the refresher's lock, or None when another refresher holds it (PostgreSQL)."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn, conn.begin():
            if not conn.execute(select(func.pg_try_advisory_xact_lock(LOCK_KEY))).scalar():
                yield None
                return
            yield conn
        return
    with engine.begin() as conn:
        yield conn


def _set_state(conn: Connection, **values) -> None:
    """Set columns of the refresher's one state row."""
    conn.execute(update(RefreshState.__table__).where(RefreshState.id == 1).values(**values))


def _state(conn: Connection) -> RefreshState | None:
    row = conn.execute(select(RefreshState.__table__).where(RefreshState.id == 1)).mappings().first()
    return RefreshState(**row) if row else None


def _is_live(conn: Connection) -> bool:
    return dataset_info(conn).get("live") == "1"


def reset(conn: Connection, kind: str, seconds: float = 0.0) -> None:
    """After a seed or an import rebuilt everything in conn's transaction: the journal is empty, the state
    says fresh (a new version), and the run is recorded.

    A live dataset keeps the cutoff its summaries were just judged at (the previous refresh's, or the first
    instant after the data date when there was none), not now: the next refresh re-judges the open
    requests from that instant on. Recording now instead, the requests whose age or wait bucket changed
    between the two instants would never be re-judged (drift a full rebuild finds), and the pages reading
    raw rows would judge at another instant than the summaries."""
    st = RefreshState.__table__
    old = _state(conn)
    now = utcnow()
    judged = data_cutoff(conn) if _is_live(conn) else None  # what rollups.rebuild judged at (same function)
    conn.execute(delete(ChangeJournal.__table__))
    conn.execute(delete(st))
    conn.execute(
        insert(st).values(
            id=1,
            version=(old.version + 1) if old else 1,
            refreshed_at=now,
            heartbeat_at=now,
            cutoff=judged,
            full_at=now,
            drift=None,
        )
    )
    _record(conn, RunReport(kind, 0, 0, 0, seconds), now)


def refresh(engine: Engine, now: datetime | None = None) -> RunReport | None:
    """One incremental refresh (a full rebuild when a table was truncated). None: another refresher
    holds the lock. `now` (local time) is for tests; the default is the clock."""
    started, started_utc = time.perf_counter(), utcnow()
    cut = _cutoff(now)
    with _locked(engine) as conn:
        if conn is None:
            return None
        _set_state(conn, heartbeat_at=started_utc)
        journal = _consume(conn)
        if any(op == "T" for op in journal["op"]):
            return _full(conn, started, started_utc, int(journal["n"].sum()), cut, check=False)
        touched, written = _apply(conn, journal, cut)
        if journal.empty and touched.empty():
            return RunReport("incremental", 0, 0, 0, time.perf_counter() - started)
        lag = (utcnow() - journal["changed_at"].min()).total_seconds() if not journal.empty else None
        report = RunReport(
            "incremental", int(journal["n"].sum()), touched.groups_count(), written, time.perf_counter() - started, lag
        )
        _bump(conn, report, started_utc)
    return report


def _apply(conn: Connection, journal: pd.DataFrame, cut: datetime) -> tuple[rollups.Touched, int]:
    """Recompute what the journal rows (and, on live data, time moving to cut) touched; returns what was
    touched and the summary rows written."""
    state = _state(conn)
    touched, deltas = _touched(conn, journal)
    if _is_live(conn):
        prev = state.cutoff if state else None
        _set_state(conn, cutoff=cut)
        if prev is None or prev != cut:
            _crossings(conn, prev, cut, touched.requests)
    written = rollups.refill(conn, touched) if not touched.empty() else 0
    rollups.add_table_rows(conn, deltas)
    return touched, written


def full_rebuild(engine: Engine, now: datetime | None = None) -> RunReport | None:
    """Rebuild every summary from the raw rows (nightly) and report how the incremental results differed
    (drift), in the log and in refresh_state for the data page. The changes still waiting and time moving
    to now are first applied incrementally, so the comparison is of the same data at the same instant.
    None: another refresher holds the lock."""
    started, started_utc = time.perf_counter(), utcnow()
    cut = _cutoff(now)
    with _locked(engine) as conn:
        if conn is None:
            return None
        _set_state(conn, heartbeat_at=started_utc)
        journal = _consume(conn, everything=True)
        changes = int(journal["n"].sum()) if not journal.empty else 0
        truncated = any(op == "T" for op in journal["op"])
        if not truncated:
            _apply(conn, journal, cut)
        return _full(conn, started, started_utc, changes, cut, check=not truncated)


def _full(
    conn: Connection, started: float, started_utc: datetime, changes: int, cut: datetime, check: bool
) -> RunReport:
    """Rebuild everything in conn's transaction; with check, compare with what was there (drift)."""
    _consume(conn, everything=True)
    if _is_live(conn):
        _set_state(conn, cutoff=cut)
    before = fingerprint(conn) if check else None
    counts = rollups.rebuild(conn)
    drift = describe_drift(before, fingerprint(conn)) if before is not None else ""
    if drift:
        log.warning("full rebuild found drift between the incremental and the full results: %s", drift)
    report = RunReport("full", changes, 0, sum(counts.values()), time.perf_counter() - started, None, drift)
    _bump(conn, report, started_utc)
    _set_state(conn, full_at=started_utc, drift=drift or None)
    return report


def _bump(conn: Connection, report: RunReport, started_utc: datetime) -> None:
    st = RefreshState.__table__
    conn.execute(update(st).where(st.c.id == 1).values(version=st.c.version + 1, refreshed_at=utcnow()))
    _record(conn, report, started_utc)


def _record(conn: Connection, report: RunReport, started_utc: datetime) -> None:
    runs = RefreshRun.__table__
    conn.execute(
        insert(runs).values(
            kind=report.kind,
            started_at=started_utc,
            seconds=round(report.seconds, 4),
            changes=report.changes,
            groups=report.groups,
            rows_written=report.rows_written,
            lag_seconds=report.lag_seconds,
            drift=report.drift,
        )
    )
    newest = select(runs.c.id).order_by(runs.c.id.desc()).offset(KEEP_RUNS).limit(1).scalar_subquery()
    conn.execute(delete(runs).where(runs.c.id <= newest))


def serve(engine: Engine, stop: threading.Event, interval: float = 10.0, nightly: dtime | None = dtime(3, 0)) -> None:
    """Refresh every `interval` seconds until stop is set, and rebuild in full once a night after `nightly`
    (local time) unless some refresher did in the last 20 hours. A failure (database down, locked) is
    logged and tried again at the next turn; the pages show the lag meanwhile."""
    while not stop.is_set():
        again = False
        try:
            if nightly is not None and _full_due(engine, nightly):
                report = full_rebuild(engine)
            else:
                report = refresh(engine)
            if report is not None and (report.changes or report.kind == "full"):
                log.info(
                    "%s refresh: %d changes, %d groups, %d rows in %.2fs%s",
                    report.kind,
                    report.changes,
                    report.groups,
                    report.rows_written,
                    report.seconds,
                    f"; drift: {report.drift}" if report.drift else "",
                )
            again = report is not None and report.changes >= BATCH  # more is waiting: no pause
        except Exception as exc:  # noqa: BLE001 - a service keeps going; the pages say it is behind
            log.warning("refresh failed (%s: %s); trying again in %.0fs", type(exc).__name__, exc, interval)
        if not again:
            stop.wait(interval)


def _full_due(engine: Engine, nightly: dtime) -> bool:
    if datetime.now().time() < nightly:
        return False
    with engine.connect() as conn:
        full_at = conn.execute(select(RefreshState.full_at).where(RefreshState.id == 1)).scalar()
    return full_at is None or utcnow() - full_at > timedelta(hours=20)


# ---------------------------------------------------------------- the journal


def _consume(conn: Connection, everything: bool = False) -> pd.DataFrame:
    """Take (delete and return) the journal rows this transaction sees, oldest first, at most BATCH."""
    j = ChangeJournal.__table__
    cols = [j.c.table_name, j.c.op, j.c.month, j.c.street_id, j.c.community_id, j.c.building_group_id]
    cols += [j.c.org_id, j.c.member_id, j.c.n, j.c.changed_at]
    if everything:
        stmt = delete(j).returning(*cols)
    else:
        stmt = delete(j).where(j.c.id.in_(select(j.c.id).order_by(j.c.id).limit(BATCH))).returning(*cols)
    rows = conn.execute(stmt).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in cols])
    if not frame.empty:
        frame["changed_at"] = pd.to_datetime(frame["changed_at"])
    return frame


def _touched(conn: Connection, journal: pd.DataFrame) -> tuple[rollups.Touched, dict[str, int]]:
    """The groups the journal names, and the row-count change per table."""
    t = rollups.Touched()
    if journal.empty:
        return t, {}
    sign = journal["op"].map({"I": 1, "D": -1}).fillna(0).astype(int)
    deltas = (journal["n"] * sign).groupby(journal["table_name"]).sum()
    target = {"service_record": t.records, "activity": t.activities, "service_request": t.requests}
    keyed = journal[journal["table_name"].isin(list(target)) & journal["month"].notna()]
    keys = ["table_name", "month", "street_id", "community_id", "building_group_id"]
    for name, month, street, community, group in keyed[keys].drop_duplicates().itertuples(index=False):
        rollups.touch(target[name], _as_date(month), _id(street), _id(community), _id(group))
    members = journal[journal["table_name"] == "member"]
    t.orgs |= {int(x) for x in members["org_id"].dropna()}
    t.groups |= {int(x) for x in members["building_group_id"].dropna()}
    pointed = {int(x) for x in journal.loc[journal["table_name"] == "member_points", "member_id"].dropna()}
    if pointed:
        mem = m.Member.__table__
        ids = sorted(pointed)
        for i in range(0, len(ids), 5_000):
            rows = conn.execute(select(mem.c.org_id, mem.c.building_group_id).where(mem.c.id.in_(ids[i : i + 5_000])))
            for org, group in rows:
                if org is not None:
                    t.orgs.add(int(org))
                if group is not None:
                    t.groups.add(int(group))
    return t, {str(k): int(v) for k, v in deltas.items() if v}


def _id(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def _edges_h(span_h: float) -> list[float]:
    """Every duration (hours) at which an open request's age or wait bucket changes, up to span_h."""
    edges = set(AGE_BOUNDS_H)
    edges |= {24.0 * b / (BUCKETS - b) for b in range(1, BUCKETS - 1)}
    k = 0
    while TAIL_H + k * TAIL_STEP_H <= span_h:
        edges.add(TAIL_H + k * TAIL_STEP_H)
        k += 1
    return sorted(e for e in edges if e <= span_h)


def _crossings(conn: Connection, prev: datetime | None, cut: datetime, months: rollups.Months) -> None:
    """Add to months the request groups with an open request whose age or wait bucket changed between the
    previous cutoff and this one (time moved; nothing was written)."""
    req = m.ServiceRequest.__table__
    oldest = conn.execute(select(func.min(req.c.ordered_at))).scalar()
    if oldest is None:
        return
    oldest = pd.Timestamp(oldest).to_pydatetime()
    is_open = or_(req.c.accepted_at.is_(None), req.c.done_at.is_(None))
    keys = [req.c.street_id, req.c.community_id, req.c.building_group_id, rollups.month_start(req.c.ordered_at, conn)]
    if prev is None or prev > cut or cut - prev > timedelta(days=7):
        windows = [(oldest, cut)]  # a long pause (or none before): every open request is judged again
    else:
        spans = sorted(
            (prev - timedelta(hours=e) - FUZZ, cut - timedelta(hours=e) + FUZZ)
            for e in _edges_h((cut - oldest).total_seconds() / 3600 + 1)
        )
        windows = []
        for lo, hi in spans:  # oldest first, overlapping ones merged
            if windows and lo <= windows[-1][1]:
                windows[-1] = (windows[-1][0], max(hi, windows[-1][1]))
            else:
                windows.append((lo, hi))
        windows = [(lo, hi) for lo, hi in windows if hi >= oldest]
    # one small index range per window (an OR of a hundred ranges is a scan of the table on SQLite)
    stmt = (
        select(*keys)
        .distinct()
        .where(is_open, req.c.ordered_at >= bindparam("lo"), req.c.ordered_at <= bindparam("hi"))
    )
    for lo, hi in windows:
        for street, community, group, month in conn.execute(stmt, {"lo": lo, "hi": hi}):
            rollups.touch(months, _as_date(month), street, community, group)


# ---------------------------------------------------------------- drift


def fingerprint(conn: Connection) -> dict[tuple, tuple]:
    """Per summary table and month (or period): the row count and the sum of every numeric column. Two
    builds of the same data have the same fingerprint; a difference says which table and month drifted."""
    out: dict[tuple, tuple] = {}
    for model in ROLLUPS:
        t = model.__table__
        group = t.c.month if "month" in t.c else t.c.period if "period" in t.c else t.c.table_name
        nums = [c for c in t.c if c.name not in ("id", group.name) and c.type.python_type in (int, float)]
        rows = conn.execute(select(group, func.count(), *[func.sum(c) for c in nums]).group_by(group))
        for key, *values in rows:
            out[(t.name, str(key)[:10])] = tuple(float(v or 0) for v in values)
    return out


def describe_drift(before: dict[tuple, tuple], after: dict[tuple, tuple]) -> str:
    """The tables and months whose figures differ between two fingerprints ('' when none do)."""

    def same(a: tuple | None, b: tuple | None) -> bool:  # sums of floats in another order differ in the last bits
        return (
            a is not None
            and b is not None
            and all(math.isclose(x, y, rel_tol=1e-9, abs_tol=1e-6) for x, y in zip(a, b))
        )

    keys = sorted(set(before) | set(after))
    diff = [k for k in keys if not same(before.get(k), after.get(k))]
    if not diff:
        return ""
    shown = ", ".join(f"{t} {mo}" for t, mo in diff[:20])
    return f"{len(diff)} table-months differed: {shown}" + (" …" if len(diff) > 20 else "")


# ---------------------------------------------------------------- what the pages read


def freshness(conn: Connection) -> dict:
    """The refresher's state as the pages show it: version, times (UTC), how old the oldest change
    waiting in the journal is and how long ago a refresher last looked (seconds, by the database's clock)."""
    st, j = RefreshState.__table__, ChangeJournal.__table__
    if conn.dialect.name == "postgresql":
        now = text("now() AT TIME ZONE 'utc'")

        def age(col):
            return func.extract("epoch", now - col)
    else:

        def age(col):
            return (func.julianday("now") - func.julianday(col)) * 86400.0

    row = conn.execute(
        select(st.c.version, st.c.refreshed_at, st.c.heartbeat_at, st.c.cutoff, st.c.full_at, st.c.drift).add_columns(
            age(st.c.heartbeat_at).label("heartbeat_age")
        )
    ).first()
    oldest = conn.execute(select(j.c.changed_at).order_by(j.c.id).limit(1).add_columns(age(j.c.changed_at))).first()
    if row is None:
        return {"version": 0, "pending_age": float(oldest[1]) if oldest else None}
    out = dict(row._mapping)
    out["heartbeat_age"] = float(out["heartbeat_age"]) if out["heartbeat_age"] is not None else None
    out["pending_age"] = float(oldest[1]) if oldest else None
    return out


def recent_runs(conn: Connection, limit: int = 20) -> pd.DataFrame:
    """The refresher's latest runs, newest first."""
    r = RefreshRun.__table__
    cols = [r.c.started_at, r.c.kind, r.c.changes, r.c.groups, r.c.rows_written, r.c.seconds, r.c.lag_seconds]
    return pd.read_sql_query(select(*cols, r.c.drift).order_by(r.c.id.desc()).limit(limit), conn)


def journal_backlog(conn: Connection) -> int:
    """Journal rows waiting (for the bench and the CLI; pages read freshness())."""
    return int(conn.execute(select(func.count()).select_from(ChangeJournal.__table__)).scalar_one())
