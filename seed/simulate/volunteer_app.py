"""二七志愿汇, the volunteer app: service sessions logged (and fixed), requests ordered and answered."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Connection, delete, insert, select, update

from data_access import models as m

from .. import geo
from ..service import PEOPLE_SERVED, RECORDS, SERVICE_HOURS
from .reference import Reference
from .tick import Tick, Writer

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


@dataclass
class Fate:
    """When each of a request's next stages would come (minutes after the previous one) and whether it does."""

    gaps: np.ndarray
    reach: tuple[bool, bool, bool, bool]


class VolunteerApp(Writer):
    """The volunteer app's writes: sessions by teams near their station, requests through their stages."""

    _outline: geo.Ring  # the district, which every point written stays inside
    _fates: dict[int, Fate]  # an open request's fate, by its id
    _slowness: dict[int, float]  # how much later than others a station answers, by its id

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

    def _records(self, conn: Connection, ref: Reference, tick: Tick) -> None:
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

    def _record_fixes(self, conn: Connection, tick: Tick) -> None:
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

    def _requests(self, conn: Connection, ref: Reference, tick: Tick) -> None:
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

    def _advance_requests(self, conn: Connection, ref: Reference, tick: Tick) -> None:
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
