"""The simulator's loop: every tick draws how much each feeding system writes (the rates at the day's peak
scaled by the day's rhythm and the speed) and has each system's writer write it in its own transaction."""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections import Counter
from datetime import date, datetime

import numpy as np
from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import SQLAlchemyError

from data_access import models as m

from .. import geo
from ..service import HOUR_P, WEEKDAY_P
from .member_system import MemberSystem
from .reference import Reference, load_reference
from .supervision import Supervision
from .tick import Tick
from .volunteer_app import Fate, VolunteerApp
from .wishes import MicroWishes

log = logging.getLogger("erqi.simulate")

# events per minute at speed 1 at the day's peak (the package's docstring); the day's rhythm scales them
PEAK_PER_MINUTE: dict[str, float] = {
    "record": 45.0,
    "record_delete": 0.2,
    "record_correct": 0.2,
    "request": 8.0,
    "activity": 1.0,
    "participation_fix": 0.2,
    "member_join": 0.3,
    "member_transfer": 0.3,
    "wish_post": 0.5,
    "wish_claim": 0.5,
    "wish_fulfil": 0.5,
    "task_open": 0.3,
    "task_complete": 0.3,
}
NIGHT_FLOOR = 0.05  # share of the peak rate that goes on at night, so a demo never stands still


def rhythm(now: datetime) -> float:
    """The day's rhythm at now relative to the peak hour of an average weekday, never below NIGHT_FLOOR."""
    hour = HOUR_P[now.hour] / HOUR_P.max()
    weekday = WEEKDAY_P[now.weekday()] / WEEKDAY_P.mean()
    return max(NIGHT_FLOOR, float(hour * weekday))


class Simulator(VolunteerApp, MemberSystem, MicroWishes, Supervision):
    """Writes one tick's worth of the feeding systems' activity per step(), at the current time."""

    def __init__(self, engine: Engine, seed: int | None = None, speed: float = 1.0) -> None:
        """Remember the engine; the reference rows are read at the first step (the database may be down now)."""
        if speed < 0:
            raise ValueError("speed must not be negative")
        self.engine = engine
        self.seed = seed if seed is not None else secrets.randbits(62)
        self.speed = speed
        self.tick_seconds = 2.0  # how much time one step stands for; run() sets it
        self.rng = np.random.default_rng(self.seed)
        self.totals: Counter = Counter()
        self._ref: Reference | None = None
        self._outline = geo.district_outline()
        self._fates: dict[int, Fate] = {}
        self._slowness: dict[int, float] = {}

    # ------------------------------------------------------------------ driving

    def reference(self) -> Reference:
        """The reference rows, read from the database on first use (and again after a database error)."""
        if self._ref is None:
            with self.engine.connect() as conn:
                ref = load_reference(conn)
                self._warn_if_dated(conn)
            # each team's own level of activity, as the seed gives teams (lognormal), fixed by the seed
            weights = np.random.default_rng([self.seed, 3]).lognormal(0, 0.6, len(ref.team_ids))
            if len(weights):
                ref.team_p = weights / weights.sum()
            self._ref = ref
        return self._ref

    def _warn_if_dated(self, conn: Connection) -> None:
        """Say so when the pages' date range ends before today: they would not show what is written now."""
        info = dict(conn.execute(select(m.DatasetMeta.key, m.DatasetMeta.value)).all())
        as_of = info.get("as_of")
        if info.get("live") != "1" and as_of and as_of < date.today().isoformat():
            log.warning("dataset_meta says as_of %s and not live: pages end on that date, not today", as_of)

    def step(self, now: datetime | None = None) -> dict[str, int]:
        """Write one tick's worth of activity (each feeding system in its own short transaction); returns counts
        written per table and op, e.g. {'service_record+': 3, 'service_request~': 2}."""
        now = (now or datetime.now()).replace(microsecond=0)
        ref = self.reference()
        scale = rhythm(now) * self.speed * self.tick_seconds / 60
        # every count is drawn first, so the random stream does not depend on which systems had work
        tick = Tick(now, {k: int(self.rng.poisson(v * scale)) for k, v in PEAK_PER_MINUTE.items()})
        todo = tick.todo
        with self.engine.begin() as conn:  # 二七志愿汇: sessions logged, requests ordered and answered
            self._records(conn, ref, tick)
            self._record_fixes(conn, tick)
            self._requests(conn, ref, tick)
            self._advance_requests(conn, ref, tick)
        if todo["activity"] or todo["participation_fix"] or todo["member_join"] or todo["member_transfer"]:
            with self.engine.begin() as conn:  # the party-member information system
                self._activities(conn, ref, tick)
                self._participation_fixes(conn, tick)
                self._member_joins(conn, ref, tick)
                self._member_transfers(conn, ref, tick)
        if todo["wish_post"] or todo["wish_claim"] or todo["wish_fulfil"]:
            with self.engine.begin() as conn:  # the micro-wish system
                self._wishes(conn, ref, tick)
        if todo["task_open"] or todo["task_complete"]:
            with self.engine.begin() as conn:  # the supervision system
                self._tasks(conn, ref, tick)
        counts = {k: v for k, v in sorted(tick.counts.items()) if v}
        self.totals.update(counts)
        return counts

    def run(self, stop: threading.Event, tick_seconds: float = 2.0) -> None:
        """step() every tick until stop is set; a database error (locked, unreachable) is logged (logger
        'erqi.simulate') and the loop goes on at the next tick."""
        self.tick_seconds = tick_seconds
        minute: Counter = Counter()
        report_at = time.monotonic() + 60
        last_error, quiet_until = None, 0.0
        while not stop.is_set():
            started = time.monotonic()
            try:
                minute.update(self.step())
                if last_error is not None:
                    log.info("database answers again; simulating on")
                last_error = None
            except SQLAlchemyError as exc:
                # a feed keeps trying; a database that stays down is logged once a minute, not every tick
                message = short_error(exc)
                if message != last_error or started >= quiet_until:
                    log.warning("database error, retrying every tick: %s", message)
                    last_error, quiet_until = message, started + 60
                # the next tick connects afresh and re-reads the reference rows: the server may have been
                # restarted or the database replaced meanwhile
                self._ref = None
                self.engine.dispose()
            if time.monotonic() >= report_at:
                log.info("last minute: %s", summary(minute))
                minute.clear()
                report_at = time.monotonic() + 60
            stop.wait(max(0.0, tick_seconds - (time.monotonic() - started)))


def short_error(exc: BaseException) -> str:
    """The first line of a database error, without the statement and parameters SQLAlchemy appends."""
    inner = getattr(exc, "orig", None) or exc
    first = (str(inner).strip().splitlines() or [""])[0]
    return f"{type(inner).__name__}: {first[:200]}"


def summary(counts: Counter) -> str:
    """'service_record+ 45, service_request+ 8, …' or 'nothing written'."""
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) or "nothing written"
