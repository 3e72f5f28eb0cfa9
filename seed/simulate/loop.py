"""Live-data simulator: plays the district's feeding systems, writing plausible activity at the current time.

`python -m seed.simulate [--url URL] [--tick SECONDS] [--speed X] [--duration SECONDS] [--seed N]`

The dashboard's database is live: the party-member information system, the 二七志愿汇 volunteer app and
the micro-wish and supervision systems write into it all day. For a demo this module plays those programs:
every tick it writes a little of each with plain SQLAlchemy Core statements through its own engine, each
system in its own short transaction, stamped with datetime.now() (naive local time, like the rest of the
data). It never calls the dashboard's summary code: the database's change capture picks its writes up.

Rates at speed 1, per minute, at the day's busiest hour (09:00) of an average weekday (Saturday about 1.5x,
Monday 0.8x). The hour-of-day and weekday profile of the seed (seed.service HOUR_P, WEEKDAY_P) scales them
through the day, down to a floor of 5 % of the peak so a demo still moves at night. With the default
2-second tick that is about 1.5 service records a tick, a request every 4 ticks and an activity a minute:

    service records 45        new service requests 8        party activities (with participants) 1
    micro-wishes posted / claimed / fulfilled 0.5 each      supervision tasks opened / completed 0.3 each
    members joining / transferring 0.3 each (with their dated spells)   records deleted / corrected 0.2 each
    an activity's participants corrected 0.2

`--speed X` multiplies all of them. Open requests (ordered in the last two days) advance
ordered → dispatched → accepted → done → rated when their wait is over; the waits have the seed's
lognormal shape (seed.service.requests) with its hours read as minutes (medians about 3, 5, 20 and 33
minutes, some answered in a minute, some after hours), and the seed's odds of a stage never coming (3 %
never dispatched, 1–40 % never accepted depending on the station, 4 % never done, 18 % never rated).
At most max(4, 1.6 x speed x tick seconds) requests advance in one tick, so a backlog found at start trickles in.
"""

from __future__ import annotations

import argparse
import logging
import math
import secrets
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import Connection, Engine, delete, func, insert, select, update
from sqlalchemy.exc import SQLAlchemyError

from data_access import models as m
from data_access.db import database_url, safe_url_text, write_engine

from .. import geo, names
from ..people import ACTIVITIES, ACTIVITY_WEIGHTS, EDUCATION, MEMBER_WEIGHT, PARTICIPATIONS, rng_digit
from ..service import HOUR_P, PEOPLE_SERVED, RECORDS, SERVICE_HOURS, WEEKDAY_P

log = logging.getLogger("erqi.simulate")

# events per minute at speed 1 at the day's peak (module docstring); the day's rhythm scales them
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
ADVANCE_CAP_PER_SECOND = 1.6  # ~3x the steady flow of stage changes at the peak (4 per request)

# service sessions, as seed.service.records draws them
DURATIONS = np.array([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0])
DURATION_P = np.array([0.1, 0.1, 0.25, 0.15, 0.2, 0.1, 0.1])
MEAN_VOLUNTEERS = 11.0  # poisson(9) + 2
# the seed scales raw volunteer-hours so that the report's total holds; the same factor per session here
HOURS_FACTOR = SERVICE_HOURS / RECORDS / (MEAN_VOLUNTEERS * float(DURATIONS @ DURATION_P))
SERVED_PER_RECORD = PEOPLE_SERVED / RECORDS
AT_GROUP_P = 0.75  # share of sessions held at a building group rather than at the station
JITTER = 0.0003  # degrees, as the seed's records

# request stages, as seed.service.requests draws them, with its hours read as minutes
STAGES = m.REQUEST_STAGES
STAGE_COLUMN = ("ordered_at", "dispatched_at", "accepted_at", "done_at", "rated_at")
GAP_LOG_MEAN = np.array([1.0, 1.5, 3.0, 3.5])
GAP_LOG_SIGMA = np.array([1.0, 1.0, 0.9, 1.0])
GAP_MIN_MINUTES = 5 / 60  # the seed's +5 minutes, compressed likewise
REACH_P = (0.97, None, 0.96, 0.82)  # None: the station's acceptance odds
REQUEST_HORIZON = timedelta(days=2)  # requests ordered before this are left as they are (never answered)
REQUEST_AT_GROUP_P = 0.85
RATINGS = (3, 4, 5, 5, 5)

EXTRA_PARTICIPANTS = PARTICIPATIONS / ACTIVITIES - 1  # beyond the one every activity has
MEMBER_LIVES_IN_GROUP_P = 0.9
WISH_FALLBACK = ("米面油", "冬衣一套", "学习用品", "老花镜", "血压计")
RESIDENTIAL = ("community", "village")


@dataclass
class Reference:
    """The reference rows the simulator writes against, read once from the database."""

    team_ids: np.ndarray
    team_p: np.ndarray
    team_category: dict[int, int]
    team_station: dict[int, int]
    teams_of_station: dict[int, list[int]]
    station_place: dict[int, tuple[int | None, int | None]]
    station_xy: dict[int, tuple[float, float]]
    community_xy: dict[int, tuple[float, float]]
    groups_of_community: dict[int, list[int]]
    group_community: dict[int, int | None]
    group_xy: dict[int, tuple[float, float]]
    groups_of_org: dict[int, list[int]]
    volunteers_of_team: dict[int, list[int]]
    request_stations: np.ndarray
    request_station_p: np.ndarray
    items: list[tuple[int, int]]  # (service item, its need category)
    orgs: dict[int, tuple[str, str, int | None, int | None]]  # id -> code, kind, street_id, community_id
    activity_orgs: np.ndarray
    activity_org_p: np.ndarray
    activity_org_size: dict[int, int]
    weighted_size: float  # mean org size when orgs are picked by size
    member_orgs: np.ndarray
    member_org_p: np.ndarray
    task_orgs: list[int]
    wish_communities: list[int]
    place_label: dict[int, str]  # community id -> its place name (光华社区, 张庄村 …)
    wish_things: list[str]


@dataclass
class Fate:
    """When each of a request's next stages would come (minutes after the previous one) and whether it does."""

    gaps: np.ndarray
    reach: tuple[bool, bool, bool, bool]


@dataclass
class _Tick:
    """What one step does: its time, the counts drawn and what it wrote."""

    now: datetime
    todo: dict[str, int]
    counts: Counter = field(default_factory=Counter)


def rhythm(now: datetime) -> float:
    """The day's rhythm at now relative to the peak hour of an average weekday, never below NIGHT_FLOOR."""
    hour = HOUR_P[now.hour] / HOUR_P.max()
    weekday = WEEKDAY_P[now.weekday()] / WEEKDAY_P.mean()
    return max(NIGHT_FLOOR, float(hour * weekday))


def _usable_points(rows: list[tuple], outline: geo.Ring) -> dict[int, tuple[float, float]]:
    """key -> (lon, lat) of the (key, lon, lat) rows with both coordinates inside the district (bad rows are
    left out); one vectorised test for all, since the outline has hundreds of vertices."""
    rows = [(k, float(x), float(y)) for k, x, y in rows if k is not None and x is not None and y is not None]
    if not rows:
        return {}
    xs, ys = np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
    inside = geo.points_in_ring(xs, ys, outline)
    return {k: (x, y) for (k, x, y), ok in zip(rows, inside) if ok}


def _place_name(org_name: str) -> str:
    """An org's place name, as the seed names teams and stations after it."""
    return org_name.replace("社区党委", "社区").replace("党支部", "")


def load_reference(conn: Connection) -> Reference:
    """Read the teams, stations, places, orgs and items the simulated rows refer to."""
    outline = geo.district_outline()
    team, st, bg = m.Team.__table__, m.Station.__table__, m.BuildingGroup.__table__
    grid, org, mem, vol = m.Grid.__table__, m.Org.__table__, m.Member.__table__, m.Volunteer.__table__

    stations = conn.execute(
        select(st.c.id, st.c.street_id, st.c.community_id, st.c.lon, st.c.lat).order_by(st.c.id)
    ).all()
    station_place = {sid: (street, comm) for sid, street, comm, _, _ in stations}
    station_xy = _usable_points([(sid, lon, lat) for sid, _, _, lon, lat in stations], outline)
    centres = select(grid.c.community_id, grid.c.center_lon, grid.c.center_lat).where(grid.c.level == 3)
    community_xy = _usable_points(conn.execute(centres.order_by(grid.c.id)).all(), outline)

    groups_of_community: dict[int, list[int]] = {}
    groups_of_org: dict[int, list[int]] = {}
    group_community = {}
    groups = conn.execute(select(bg.c.id, bg.c.org_id, bg.c.community_id, bg.c.lon, bg.c.lat).order_by(bg.c.id)).all()
    for gid, org_id, comm, _, _ in groups:
        group_community[gid] = comm
        groups_of_org.setdefault(org_id, []).append(gid)
        if comm is not None:
            groups_of_community.setdefault(comm, []).append(gid)
    group_xy = _usable_points([(gid, lon, lat) for gid, _, _, lon, lat in groups], outline)

    team_category, team_station, teams_of_station = {}, {}, {}
    for tid, cat, sid in conn.execute(select(team.c.id, team.c.category_id, team.c.station_id).order_by(team.c.id)):
        if sid in station_place:  # a team whose station is missing has no place to serve
            team_category[tid], team_station[tid] = cat, sid
            teams_of_station.setdefault(sid, []).append(tid)
    team_ids = np.array(sorted(team_station), dtype=int)

    volunteers_of_team: dict[int, list[int]] = {}
    for vid, tid in conn.execute(
        select(vol.c.id, vol.c.team_id).where(vol.c.team_id.is_not(None)).order_by(vol.c.team_id, vol.c.id)
    ):
        volunteers_of_team.setdefault(tid, []).append(vid)

    # requests come from stations in proportion to their building groups, as in the seed
    req_st = np.array(sorted(station_place), dtype=int)
    req_w = np.array([len(groups_of_community.get(station_place[s][1], ())) + 1 for s in req_st], float)

    it, nc = m.ServiceItem.__table__, m.NeedCategory.__table__
    items = [(i, c) for i, c in conn.execute(select(it.c.id, it.c.need_category_id).order_by(it.c.id))]
    if not items:
        items = [(0, c) for c in conn.execute(select(nc.c.id).order_by(nc.c.id)).scalars()]

    orgs, names_of = {}, {}
    for oid, code, name, kind, street, comm in conn.execute(
        select(org.c.id, org.c.code, org.c.name, org.c.kind, org.c.street_id, org.c.community_id).order_by(org.c.id)
    ):
        orgs[oid] = (code, kind, street, comm)
        names_of[oid] = name
    roots = [o for o, (_, kind, _, _) in orgs.items() if kind == "district"]
    task_orgs = roots[:1] + [o for o, (_, kind, _, _) in orgs.items() if kind in ("street", "town")]

    size = dict(conn.execute(select(mem.c.org_id, func.count()).group_by(mem.c.org_id)).all())
    act_orgs = np.array([o for o in sorted(size) if o in orgs and orgs[o][1] != "district"], dtype=int)
    act_size = np.array([size[o] for o in act_orgs], float)
    weighted_size = float((act_size**2).sum() / act_size.sum()) if len(act_size) else 1.0

    mem_orgs = np.array([o for o in sorted(orgs) if orgs[o][1] in MEMBER_WEIGHT], dtype=int)
    mem_w = np.array([MEMBER_WEIGHT[orgs[o][1]] for o in mem_orgs], float)

    wish_communities = sorted(c for c in groups_of_community if c in orgs)
    place_label = {c: _place_name(names_of[c]) for c in wish_communities}
    titles = conn.execute(select(m.MicroWish.title).distinct().order_by(m.MicroWish.title)).scalars().all()
    things = sorted({t.split("：", 1)[1] for t in titles if "：" in t} - {""}) or list(WISH_FALLBACK)

    return Reference(
        team_ids=team_ids,
        team_p=np.ones(len(team_ids)) / max(1, len(team_ids)),
        team_category=team_category,
        team_station=team_station,
        teams_of_station=teams_of_station,
        station_place=station_place,
        station_xy=station_xy,
        community_xy=community_xy,
        groups_of_community=groups_of_community,
        group_community=group_community,
        group_xy=group_xy,
        groups_of_org=groups_of_org,
        volunteers_of_team=volunteers_of_team,
        request_stations=req_st,
        request_station_p=req_w / req_w.sum() if len(req_w) else req_w,
        items=items,
        orgs=orgs,
        activity_orgs=act_orgs,
        activity_org_p=act_size / act_size.sum() if len(act_size) else act_size,
        activity_org_size={int(o): int(s) for o, s in zip(act_orgs, act_size)},
        weighted_size=weighted_size,
        member_orgs=mem_orgs,
        member_org_p=mem_w / mem_w.sum() if len(mem_w) else mem_w,
        task_orgs=task_orgs,
        wish_communities=wish_communities,
        place_label=place_label,
        wish_things=things,
    )


class Simulator:
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
        tick = _Tick(now, {k: int(self.rng.poisson(v * scale)) for k, v in PEAK_PER_MINUTE.items()})
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
                message = _short(exc)
                if message != last_error or started >= quiet_until:
                    log.warning("database error, retrying every tick: %s", message)
                    last_error, quiet_until = message, started + 60
                # the next tick connects afresh and re-reads the reference rows: the server may have been
                # restarted or the database replaced meanwhile
                self._ref = None
                self.engine.dispose()
            if time.monotonic() >= report_at:
                log.info("last minute: %s", _summary(minute))
                minute.clear()
                report_at = time.monotonic() + 60
            stop.wait(max(0.0, tick_seconds - (time.monotonic() - started)))

    # ------------------------------------------------------------------ 二七志愿汇

    def _place(self, ref: Reference, station: int, community: int | None) -> tuple[int | None, tuple | None]:
        """Where a session is held: a building group of the community (or none) and the point it is near."""
        base = ref.station_xy.get(station) or ref.community_xy.get(community)
        groups = ref.groups_of_community.get(community, [])
        group = None
        if groups and self.rng.random() < AT_GROUP_P:
            group = groups[int(self.rng.integers(len(groups)))]
            base = ref.group_xy.get(group, base)
        return group, base

    def _near(self, bases: list[tuple | None]) -> list[tuple[float | None, float | None]]:
        """Points a few dozen metres from each base, kept inside the district (else the base itself), as
        seed.places.near_inside does one at a time; here in one vectorised test for the whole tick."""
        jitter = self.rng.normal(0, JITTER, (len(bases), 2))
        known = [i for i, b in enumerate(bases) if b is not None]
        out: list[tuple[float | None, float | None]] = [(None, None)] * len(bases)
        if not known:
            return out
        xs = np.array([bases[i][0] + jitter[i, 0] for i in known])
        ys = np.array([bases[i][1] + jitter[i, 1] for i in known])
        inside = geo.points_in_ring(xs, ys, self._outline)
        for j, i in enumerate(known):
            x, y = (xs[j], ys[j]) if inside[j] else bases[i]
            out[i] = (round(float(x), 6), round(float(y), 6))
        return out

    def _records(self, conn: Connection, ref: Reference, tick: _Tick) -> None:
        """New service sessions by teams, at their station's community, as the seed draws them."""
        if not tick.todo["record"] or not len(ref.team_ids):
            return
        rows, bases = [], []
        for _ in range(tick.todo["record"]):
            team = int(self.rng.choice(ref.team_ids, p=ref.team_p))
            station = ref.team_station[team]
            street, community = ref.station_place[station]
            group, base = self._place(ref, station, community)
            bases.append(base)
            vols = int(self.rng.poisson(9)) + 2
            duration = float(self.rng.choice(DURATIONS, p=DURATION_P))
            reach = vols * self.rng.gamma(2.0, 1.0) / (MEAN_VOLUNTEERS * 2.0)  # people served grow with volunteers
            rows.append(
                {
                    "team_id": team,
                    "category_id": ref.team_category[team],
                    "station_id": station,
                    "event_id": None,
                    "street_id": street,
                    "community_id": community,
                    "building_group_id": group,
                    "started_at": tick.now,
                    "volunteers": vols,
                    "hours": max(0.5, round(vols * duration * HOURS_FACTOR * 2) / 2),
                    "people_served": int(self.rng.poisson(SERVED_PER_RECORD * reach)),
                }
            )
        for row, (lon, lat) in zip(rows, self._near(bases)):
            row["lon"], row["lat"] = lon, lat
        conn.execute(insert(m.ServiceRecord.__table__), rows)
        tick.counts["service_record+"] += len(rows)

    def _recent_records(self, conn: Connection, now: datetime) -> list[int]:
        """Ids of the sessions logged in the last hour (the ones a volunteer would still fix)."""
        r = m.ServiceRecord.__table__
        stmt = select(r.c.id).where(r.c.started_at >= now - timedelta(hours=1), r.c.started_at <= now)
        return conn.execute(stmt.order_by(r.c.id.desc()).limit(50)).scalars().all()

    def _record_fixes(self, conn: Connection, tick: _Tick) -> None:
        """A mistaken session deleted, a session's hours or people served corrected."""
        if not tick.todo["record_delete"] and not tick.todo["record_correct"]:
            return
        r = m.ServiceRecord.__table__
        for _ in range(tick.todo["record_delete"]):
            recent = self._recent_records(conn, tick.now)
            if recent:
                rid = recent[int(self.rng.integers(len(recent)))]
                tick.counts["service_record-"] += conn.execute(delete(r).where(r.c.id == rid)).rowcount
        for _ in range(tick.todo["record_correct"]):
            recent = self._recent_records(conn, tick.now)
            if not recent:
                continue
            rid = recent[int(self.rng.integers(len(recent)))]
            row = conn.execute(select(r.c.hours, r.c.people_served).where(r.c.id == rid)).one_or_none()
            if row is None:
                continue
            hours = max(0.5, float(row.hours) + float(self.rng.choice([-1.0, -0.5, 0.5, 1.0])))
            served = max(0, int(row.people_served) + int(self.rng.integers(-2, 3)))
            stmt = update(r).where(r.c.id == rid).values(hours=hours, people_served=served)
            tick.counts["service_record~"] += conn.execute(stmt).rowcount

    def _requests(self, conn: Connection, ref: Reference, tick: _Tick) -> None:
        """Residents order services (居民点单) at their community's station."""
        if not tick.todo["request"] or not len(ref.request_stations) or not ref.items:
            return
        rows = []
        for _ in range(tick.todo["request"]):
            station = int(self.rng.choice(ref.request_stations, p=ref.request_station_p))
            street, community = ref.station_place[station]
            groups = ref.groups_of_community.get(community, [])
            group = None
            if groups and self.rng.random() < REQUEST_AT_GROUP_P:
                group = groups[int(self.rng.integers(len(groups)))]
            item, need = ref.items[int(self.rng.integers(len(ref.items)))]
            rows.append(
                {
                    "service_item_id": item,
                    "need_category_id": need,
                    "station_id": station,
                    "street_id": street,
                    "community_id": community,
                    "building_group_id": group,
                    "team_id": None,
                    "volunteer_id": None,
                    "status": STAGES[0],
                    "ordered_at": tick.now,
                }
            )
        conn.execute(insert(m.ServiceRequest.__table__), rows)
        tick.counts["service_request+"] += len(rows)

    def _fate(self, request_id: int, station: int) -> Fate:
        """A request's waits and whether each stage comes, fixed by the seed and the request's id."""
        fate = self._fates.get(request_id)
        if fate is None:
            slow = self._slowness.get(station)
            if slow is None:  # some stations answer much later than others, as in the seed
                slow = self._slowness[station] = float(
                    np.random.default_rng([self.seed, 11, station]).lognormal(0, 0.7)
                )
            accept_p = float(np.clip(0.97 - 0.08 * (slow - 1), 0.6, 0.99))
            rng = np.random.default_rng([self.seed, 7, request_id])
            gaps = rng.lognormal(GAP_LOG_MEAN, GAP_LOG_SIGMA) + GAP_MIN_MINUTES
            gaps[0] *= slow
            u = rng.random(4)
            reach = tuple(bool(u[k] < (accept_p if p is None else p)) for k, p in enumerate(REACH_P))
            fate = self._fates[request_id] = Fate(gaps, reach)
        return fate

    def _advance_requests(self, conn: Connection, ref: Reference, tick: _Tick) -> None:
        """Open requests whose wait is over move one stage on (社区下单, 志愿者接单, done, rated), stamped now."""
        r = m.ServiceRequest.__table__
        stamps = [r.c[c] for c in STAGE_COLUMN[:-1]]
        rows = conn.execute(
            select(r.c.id, r.c.station_id, r.c.status, *stamps)
            .where(r.c.ordered_at >= tick.now - REQUEST_HORIZON, r.c.ordered_at <= tick.now, r.c.status != STAGES[-1])
            .order_by(r.c.id)
        ).all()
        due = []
        for row in rows:
            if row.status not in STAGES:
                continue
            k = STAGES.index(row.status)
            times = [row[3 + i] for i in range(len(stamps))]
            if any(t is None for t in times[: k + 1]) or any(t is not None for t in times[k + 1 :]):
                continue  # a row another program left inconsistent: not ours to guess at
            fate = self._fate(row.id, row.station_id)
            if not fate.reach[k]:
                continue  # never answered at this stage
            planned = times[k] + timedelta(minutes=float(fate.gaps[k]))
            if planned <= tick.now:
                due.append((planned, row.id, k, row))
        self._fates = {row.id: self._fates[row.id] for row in rows if row.id in self._fates}
        cap = max(4, math.ceil(ADVANCE_CAP_PER_SECOND * self.speed * self.tick_seconds))
        for _, rid, k, row in sorted(due)[:cap]:
            values: dict[str, object] = {STAGE_COLUMN[k + 1]: tick.now, "status": STAGES[k + 1]}
            if k == 1:  # 志愿者接单: one of the station's teams and a volunteer of it (接单队伍/志愿者, as the seed)
                teams = ref.teams_of_station.get(row.station_id)
                if not teams:
                    continue  # a station without teams has no one to accept: the request waits
                team = teams[int(self.rng.integers(len(teams)))]
                vols = ref.volunteers_of_team.get(team)
                values["team_id"] = team
                values["volunteer_id"] = vols[int(self.rng.integers(len(vols)))] if vols else None
            elif k == 3:
                values["rating"] = int(self.rng.choice(RATINGS))
            # guarded by the status read, so a concurrent writer's change is never jumped over
            stmt = update(r).where(r.c.id == rid, r.c.status == row.status).values(**values)
            tick.counts["service_request~"] += conn.execute(stmt).rowcount

    # ------------------------------------------------------------------ party-member information system

    def _org_members(self, conn: Connection, org_id: int) -> list[int]:
        """Ids of an org's members now (joins and transfers change them)."""
        mem = m.Member.__table__
        return conn.execute(select(mem.c.id).where(mem.c.org_id == org_id).order_by(mem.c.id)).scalars().all()

    def _activities(self, conn: Connection, ref: Reference, tick: _Tick) -> None:
        """Party activities held today (三会一课, 主题党日 …), with their participants."""
        if not tick.todo["activity"] or not len(ref.activity_orgs):
            return
        a, ap = m.Activity.__table__, m.ActivityParticipation.__table__
        today = tick.now.date()
        kind_p = ACTIVITY_WEIGHTS / ACTIVITY_WEIGHTS.sum()
        for _ in range(tick.todo["activity"]):
            org_id = int(self.rng.choice(ref.activity_orgs, p=ref.activity_org_p))
            code, label = names.ACTIVITY_TYPES[int(self.rng.choice(len(names.ACTIVITY_TYPES), p=kind_p))]
            size = ref.activity_org_size[org_id]
            want = 1 + int(self.rng.poisson(EXTRA_PARTICIPANTS * size / ref.weighted_size))
            members = self._org_members(conn, org_id)
            if not members:
                continue
            _, kind, street, community = ref.orgs[org_id]
            groups = ref.groups_of_org.get(org_id, [])
            group = None
            if code == "group_meeting" and kind in RESIDENTIAL and groups:
                group = groups[int(self.rng.integers(len(groups)))]
            chosen = self.rng.choice(members, min(want, len(members)), replace=False)
            activity_id = conn.execute(
                insert(a).values(
                    org_id=org_id,
                    street_id=street,
                    community_id=community,
                    building_group_id=group,
                    kind=code,
                    title=f"{today:%Y年%m月}{label}",
                    held_on=today,
                    participants=len(chosen),
                )
            ).inserted_primary_key[0]
            conn.execute(insert(ap), [{"activity_id": activity_id, "member_id": int(x)} for x in sorted(chosen)])
            tick.counts["activity+"] += 1
            tick.counts["activity_participation+"] += len(chosen)

    def _participation_fixes(self, conn: Connection, tick: _Tick) -> None:
        """An activity of the past week has its attendance corrected: someone added or struck off."""
        a, ap = m.Activity.__table__, m.ActivityParticipation.__table__
        today = tick.now.date()
        for _ in range(tick.todo["participation_fix"]):
            recent = conn.execute(
                select(a.c.id, a.c.org_id)
                .where(a.c.held_on >= today - timedelta(days=7), a.c.held_on <= today)
                .order_by(a.c.id.desc())
                .limit(20)
            ).all()
            if not recent:
                return
            activity_id, org_id = recent[int(self.rng.integers(len(recent)))]
            present = set(conn.execute(select(ap.c.member_id).where(ap.c.activity_id == activity_id)).scalars().all())
            absent = [x for x in self._org_members(conn, org_id) if x not in present]
            if absent and (len(present) <= 1 or self.rng.random() < 0.5):
                who = absent[int(self.rng.integers(len(absent)))]
                conn.execute(insert(ap).values(activity_id=activity_id, member_id=who))
                tick.counts["activity_participation+"] += 1
            elif len(present) > 1:
                gone = sorted(present)[int(self.rng.integers(len(present)))]
                stmt = delete(ap).where(ap.c.activity_id == activity_id, ap.c.member_id == gone)
                tick.counts["activity_participation-"] += conn.execute(stmt).rowcount
            else:
                continue
            count = select(func.count()).select_from(ap).where(ap.c.activity_id == activity_id).scalar_subquery()
            conn.execute(update(a).where(a.c.id == activity_id).values(participants=count))
            tick.counts["activity~"] += 1

    def _home_group(self, ref: Reference, community: int | None, current: int | None) -> int | None:
        """Where a member lives: their building group if it is in their home community, else one there."""
        if community is None:
            return None
        if current is not None and ref.group_community.get(current) == community:
            return current
        groups = ref.groups_of_community.get(community, [])
        if not groups or self.rng.random() >= MEMBER_LIVES_IN_GROUP_P:
            return None
        return groups[int(self.rng.integers(len(groups)))]

    def _member_joins(self, conn: Connection, ref: Reference, tick: _Tick) -> None:
        """New members admitted today, in an org drawn by the seed's members-per-kind weights."""
        if not tick.todo["member_join"] or not len(ref.member_orgs):
            return
        mem = m.Member.__table__
        today = tick.now.date()
        for i in range(tick.todo["member_join"]):
            org_id = int(self.rng.choice(ref.member_orgs, p=ref.member_org_p))
            _, kind, street, community = ref.orgs[org_id]
            residential = kind in RESIDENTIAL
            age = int(np.clip(self.rng.normal(34, 9), 18, 70))  # those admitted are younger than the members
            birth = date.fromordinal(today.toordinal() - int(age * 365.25) - int(self.rng.integers(0, 365)))
            edu_p = [0.25, 0.3, 0.2, 0.22, 0.03] if residential else [0.03, 0.1, 0.27, 0.48, 0.12]
            employed = not residential and age < 60
            reported = None
            if employed and self.rng.random() < 0.85 and ref.wish_communities:
                reported = ref.wish_communities[int(self.rng.integers(len(ref.wish_communities)))]
            serial = int(self.rng.integers(0, 10**9))
            values = {
                "code": f"~sim{serial:09d}{i}",  # replaced by M{id} below, once the id is known
                "name": names.person_names(self.rng, 1)[0],
                "gender": "M" if self.rng.random() < 0.63 else "F",
                "birth_date": birth,
                "education": EDUCATION[int(self.rng.choice(len(EDUCATION), p=edu_p))],
                "joined_on": today,
                "org_id": org_id,
                "street_id": street,
                "community_id": community,
                "building_group_id": self._home_group(ref, community or reported, None),
                "is_employed": employed,
                "reported_community_id": reported,
                "phone": f"1{rng_digit(serial)}{serial:09d}"[:11],
                "id_number": f"410103{birth:%Y%m%d}{serial % 10_000:04d}",
            }
            member_id = conn.execute(insert(mem).values(**values)).inserted_primary_key[0]
            code = f"M{member_id:07d}"
            if conn.execute(select(mem.c.id).where(mem.c.code == code)).first() is not None:
                code = f"M{member_id:07d}S"  # an imported dataset may use other codes; keep ours apart
            conn.execute(update(mem).where(mem.c.id == member_id).values(code=code))
            _open_spell(conn, member_id, street, community, values["building_group_id"], today)
            tick.counts["member+"] += 1

    def _member_transfers(self, conn: Connection, ref: Reference, tick: _Tick) -> None:
        """Members moving their relationship to another org: its place keys come with it."""
        if not tick.todo["member_transfer"] or len(ref.member_orgs) < 2:
            return
        mem = m.Member.__table__
        lo, hi = conn.execute(select(func.min(mem.c.id), func.max(mem.c.id))).one()
        if lo is None:
            return
        for _ in range(tick.todo["member_transfer"]):
            start = int(self.rng.integers(lo, hi + 1))
            row = conn.execute(
                select(mem.c.id, mem.c.org_id, mem.c.reported_community_id, mem.c.building_group_id)
                .where(mem.c.id >= start)
                .order_by(mem.c.id)
                .limit(1)
            ).one_or_none()
            if row is None:
                continue
            org_id = row.org_id
            for _ in range(10):  # another org than the member's own (a few draws always find one)
                org_id = int(self.rng.choice(ref.member_orgs, p=ref.member_org_p))
                if org_id != row.org_id:
                    break
            if org_id == row.org_id:
                continue
            _, _, street, community = ref.orgs[org_id]
            group = self._home_group(ref, community or row.reported_community_id, row.building_group_id)
            stmt = update(mem).where(mem.c.id == row.id, mem.c.org_id == row.org_id)
            stmt = stmt.values(org_id=org_id, street_id=street, community_id=community, building_group_id=group)
            moved = conn.execute(stmt).rowcount
            if moved:  # the old place's spell ends today, the new one begins (data_access.history)
                sp = m.StockSpell.__table__
                conn.execute(
                    update(sp)
                    .where(sp.c.stock == "member", sp.c.ref_id == row.id, sp.c.valid_to.is_(None))
                    .values(valid_to=tick.now.date())
                )
                _open_spell(conn, row.id, street, community, group, tick.now.date())
            tick.counts["member~"] += moved

    # ------------------------------------------------------------------ micro-wish system

    def _wishes(self, conn: Connection, ref: Reference, tick: _Tick) -> None:
        """Residents post micro-wishes; members claim them and, days later, fulfil them."""
        w, mem = m.MicroWish.__table__, m.Member.__table__
        today = tick.now.date()
        for _ in range(tick.todo["wish_post"]):
            if not ref.wish_communities:
                break
            community = ref.wish_communities[int(self.rng.integers(len(ref.wish_communities)))]
            groups = ref.groups_of_community[community]
            thing = ref.wish_things[int(self.rng.integers(len(ref.wish_things)))]
            conn.execute(
                insert(w).values(
                    title=f"{ref.place_label[community]}居民微心愿：{thing}",
                    street_id=ref.orgs[community][2],
                    community_id=community,
                    building_group_id=groups[int(self.rng.integers(len(groups)))],
                    posted_on=today,
                )
            )
            tick.counts["micro_wish+"] += 1
        for _ in range(tick.todo["wish_claim"]):
            open_ = conn.execute(
                select(w.c.id, w.c.community_id)
                .where(w.c.claimed_by.is_(None), w.c.posted_on <= today)
                .order_by(w.c.id)
            ).all()
            if not open_:
                break
            wish_id, community = open_[int(self.rng.integers(len(open_)))]
            near = conn.execute(select(mem.c.id).where(mem.c.community_id == community).order_by(mem.c.id))
            pool = near.scalars().all() or conn.execute(select(mem.c.id).order_by(mem.c.id).limit(1000)).scalars().all()
            if not pool:
                break
            stmt = update(w).where(w.c.id == wish_id, w.c.claimed_by.is_(None))
            stmt = stmt.values(claimed_by=pool[int(self.rng.integers(len(pool)))], claimed_on=today)
            tick.counts["micro_wish~"] += conn.execute(stmt).rowcount
        for _ in range(tick.todo["wish_fulfil"]):
            claimed = (
                conn.execute(
                    select(w.c.id)
                    .where(w.c.claimed_by.is_not(None), w.c.fulfilled_on.is_(None), w.c.claimed_on <= today)
                    .order_by(w.c.id)
                )
                .scalars()
                .all()
            )
            if not claimed:
                break
            wish_id = claimed[int(self.rng.integers(len(claimed)))]
            stmt = update(w).where(w.c.id == wish_id, w.c.fulfilled_on.is_(None)).values(fulfilled_on=today)
            tick.counts["micro_wish~"] += conn.execute(stmt).rowcount

    # ------------------------------------------------------------------ supervision system

    def _task_code(self, conn: Connection, year: int, org_code: str, org_id: int) -> str:
        """The next free code T{year}{org}{nn}, as the seed numbers an org's tasks of a year."""
        t = m.SupervisionTask.__table__
        prefix = f"T{year}{org_code}"
        if len(prefix) > 21:  # a long imported org code: fall back to the org's id
            prefix = f"T{year}O{org_id}"
        taken = conn.execute(select(t.c.code).where(t.c.code.like(f"{prefix}%"))).scalars().all()
        # LIKE treats _ and % in an imported org code as wildcards: keep only true prefix matches
        numbers = [int(c[len(prefix) :]) for c in taken if c.startswith(prefix) and c[len(prefix) :].isdigit()]
        return f"{prefix}{max(numbers, default=0) + 1:02d}"

    def _tasks(self, conn: Connection, ref: Reference, tick: _Tick) -> None:
        """Tasks assigned to the district and the streets/town with a due date ahead; some completed.

        Tasks are completed at random among the open ones, so some reach their due date undone and turn
        overdue as the days pass, which is the warning the pages show.
        """
        t = m.SupervisionTask.__table__
        today = tick.now.date()
        for _ in range(tick.todo["task_open"]):
            if not ref.task_orgs:
                break
            org_id = ref.task_orgs[int(self.rng.integers(len(ref.task_orgs)))]
            org_code, _, street, community = ref.orgs[org_id]
            k = int(self.rng.integers(len(names.TASK_TITLES)))
            # most are given weeks; a few are due within days, and those are the ones that slip
            days = int(self.rng.integers(0, 3)) if self.rng.random() < 0.15 else int(self.rng.integers(7, 91))
            conn.execute(
                insert(t).values(
                    code=self._task_code(conn, today.year, org_code, org_id),
                    title=f"{today:%Y年%m月}专项督查：{names.TASK_TITLES[k]}",
                    aspect=names.TASK_ASPECTS[k % len(names.TASK_ASPECTS)],
                    org_id=org_id,
                    street_id=street,
                    community_id=community,
                    assigned_on=today,
                    due_on=today + timedelta(days=days),
                )
            )
            tick.counts["supervision_task+"] += 1
        for _ in range(tick.todo["task_complete"]):
            rows = conn.execute(
                select(t.c.id, t.c.due_on).where(t.c.completed_on.is_(None), t.c.assigned_on <= today).order_by(t.c.id)
            ).all()
            if not rows:
                break
            on_time = [r.id for r in rows if r.due_on >= today]
            late = [r.id for r in rows if r.due_on < today]
            pool = late if (late and (not on_time or self.rng.random() < 0.15)) else on_time
            task_id = pool[int(self.rng.integers(len(pool)))]
            stmt = update(t).where(t.c.id == task_id, t.c.completed_on.is_(None)).values(completed_on=today)
            tick.counts["supervision_task~"] += conn.execute(stmt).rowcount


def _open_spell(conn: Connection, member_id: int, street, community, group, day: date) -> None:
    """A member's spell at a place, from day on: the member system's dated record of a join or transfer."""
    conn.execute(
        insert(m.StockSpell.__table__).values(
            stock="member",
            ref_id=member_id,
            street_id=street,
            community_id=community,
            building_group_id=group,
            valid_from=day,
        )
    )


def _short(exc: BaseException) -> str:
    """The first line of a database error, without the statement and parameters SQLAlchemy appends."""
    inner = getattr(exc, "orig", None) or exc
    first = (str(inner).strip().splitlines() or [""])[0]
    return f"{type(inner).__name__}: {first[:200]}"


def _summary(counts: Counter) -> str:
    """'service_record+ 45, service_request+ 8, …' or 'nothing written'."""
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items()) if v) or "nothing written"


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
        print(f"failed: {safe_url_text(engine.url)}: {_short(exc)}", file=sys.stderr)
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
    print(f"stopped after {time.monotonic() - started:.0f}s: {_summary(sim.totals)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
