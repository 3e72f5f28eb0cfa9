"""The writes of part 1: n changed rows as the feeding systems make them, split between the systems by mix()."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
from sqlalchemy import Engine, bindparam, func, insert, select, update

from data_access import models as m


@dataclass(frozen=True)
class Mix:
    records: int
    requests: int
    activities: int
    transfers: int


def mix(n: int) -> Mix:
    """How n changed rows split between the feeding systems: mostly service records."""
    transfers = max(1, round(n * 0.01))
    activities = max(1, round(n * 0.04))
    requests = max(1, round(n * 0.15))
    return Mix(max(0, n - transfers - activities - requests), requests, activities, transfers)


RECORD_COPY = ("team_id", "category_id", "station_id", "street_id", "community_id", "building_group_id")
RECORD_COPY += ("volunteers", "hours", "people_served", "lon", "lat")
ACTIVITY_COPY = ("org_id", "street_id", "community_id", "building_group_id", "kind", "title", "participants")
STAGE_COLUMN = ("ordered_at", "dispatched_at", "accepted_at", "done_at", "rated_at")


class Writer:
    """Writes realistic changes into the copy, stamped in the data's last month before `cutoff`."""

    def __init__(self, engine: Engine, cutoff: datetime, seed: int = 20170930) -> None:
        self.engine, self.cutoff = engine, cutoff
        last_day = cutoff - timedelta(days=1)  # the cutoff is the first instant after the data date
        self.month = datetime(last_day.year, last_day.month, 1)
        self.rng = np.random.default_rng(seed)
        rec, act, team, vol = (t.__table__ for t in (m.ServiceRecord, m.Activity, m.Team, m.Volunteer))
        with engine.connect() as conn:
            recent = rec.c.started_at >= self.month
            cols = [rec.c[c] for c in RECORD_COPY]
            self.records = conn.execute(select(*cols).where(recent).order_by(rec.c.id).limit(5_000)).all()
            if not self.records:
                self.records = conn.execute(select(*cols).order_by(rec.c.id.desc()).limit(5_000)).all()
            cols = [act.c[c] for c in ACTIVITY_COPY]
            self.activities = (
                conn.execute(
                    select(*cols).where(act.c.held_on >= self.month.date()).order_by(act.c.id).limit(5_000)
                ).all()
                or conn.execute(select(*cols).order_by(act.c.id.desc()).limit(5_000)).all()
            )
            self.teams: dict[int, list[int]] = {}
            for tid, sid in conn.execute(select(team.c.id, team.c.station_id).order_by(team.c.id)):
                self.teams.setdefault(sid, []).append(tid)
            self.volunteer = dict(
                conn.execute(
                    select(vol.c.team_id, func.min(vol.c.id)).where(vol.c.team_id.is_not(None)).group_by(vol.c.team_id)
                ).all()
            )

    def _stamp(self, k: int) -> list[datetime]:
        """k instants in the last month, before the cutoff, in time order."""
        span = (self.cutoff - self.month).total_seconds() - 1
        return [self.month + timedelta(seconds=float(s)) for s in np.sort(self.rng.uniform(0, span, k)).round()]

    def write(self, n: int) -> dict:
        """One transaction writing n rows' worth of changes; returns what it wrote and how long it took."""
        plan = mix(n)
        started = time.perf_counter()
        with self.engine.begin() as conn:
            advanced = self._advance(conn, plan.requests)
            new_requests = plan.requests - advanced
            self._records(conn, plan.records)
            self._new_requests(conn, new_requests)
            self._activities(conn, plan.activities)
            transferred = self._transfers(conn, plan.transfers)
        return {
            "rows": plan.records + plan.requests + plan.activities + transferred,
            "records": plan.records,
            "requests_advanced": advanced,
            "requests_new": new_requests,
            "activities": plan.activities,
            "transfers": transferred,
            "write_seconds": time.perf_counter() - started,
        }

    def _records(self, conn, k: int) -> None:
        if not k or not self.records:
            return
        picks = self.rng.integers(0, len(self.records), k)
        rows = [
            {**dict(zip(RECORD_COPY, self.records[i])), "event_id": None, "started_at": at}
            for i, at in zip(picks, self._stamp(k))
        ]
        conn.execute(insert(m.ServiceRecord.__table__), rows)

    def _new_requests(self, conn, k: int) -> None:
        """Requests ordered in the last month at a place records were made (when too few are open to advance)."""
        if not k or not self.records:
            return
        items = conn.execute(select(m.ServiceItem.id, m.ServiceItem.need_category_id).order_by(m.ServiceItem.id)).all()
        picks = self.rng.integers(0, len(self.records), k)
        rows = []
        for i, at in zip(picks, self._stamp(k)):
            r = dict(zip(RECORD_COPY, self.records[i]))
            item, need = items[int(self.rng.integers(len(items)))] if items else (0, 1)
            rows.append(
                {
                    "service_item_id": item,
                    "need_category_id": need,
                    "station_id": r["station_id"],
                    "street_id": r["street_id"],
                    "community_id": r["community_id"],
                    "building_group_id": r["building_group_id"],
                    "team_id": None,
                    "volunteer_id": None,
                    "status": m.REQUEST_STAGES[0],
                    "ordered_at": at,
                }
            )
        conn.execute(insert(m.ServiceRequest.__table__), rows)

    def _advance(self, conn, k: int) -> int:
        """The k most recently ordered open requests move one stage on, stamped after their last stage and
        before the cutoff (社区下单, 志愿者接单 with a team of the station, done, rated with a rating)."""
        req = m.ServiceRequest.__table__
        stamps = [req.c[c] for c in STAGE_COLUMN]
        rows = conn.execute(
            select(req.c.id, req.c.station_id, req.c.status, *stamps)
            .where(req.c.status != m.REQUEST_STAGES[-1], req.c.ordered_at < self.cutoff)
            .order_by(req.c.ordered_at.desc(), req.c.id)
            .limit(k * 2)
        ).all()
        by_stage: dict[int, list[dict]] = {}
        done = 0
        for row in rows:
            if done >= k or row.status not in m.REQUEST_STAGES:
                continue
            s = m.REQUEST_STAGES.index(row.status)
            times = list(row[3:])
            if any(t is None for t in times[: s + 1]) or any(t is not None for t in times[s + 1 :]):
                continue
            last = times[s]
            room = (self.cutoff - last).total_seconds() - 1
            if room < 1:
                continue
            gap = min(float(self.rng.uniform(300, 6 * 3600)), float(self.rng.uniform(1, room)))
            values = {"_id": row.id, "_status": row.status, "at": last + timedelta(seconds=round(gap))}
            if s == 1:
                teams = self.teams.get(row.station_id)
                if not teams:
                    continue
                team = teams[int(self.rng.integers(len(teams)))]
                values |= {"team_id": team, "volunteer_id": self.volunteer.get(team)}
            elif s == 3:
                values["rating"] = int(self.rng.choice([3, 4, 5, 5, 5]))
            by_stage.setdefault(s, []).append(values)
            done += 1
        for s, params in by_stage.items():
            extra = {"team_id": bindparam("team_id"), "volunteer_id": bindparam("volunteer_id")} if s == 1 else {}
            if s == 3:
                extra = {"rating": bindparam("rating")}
            stmt = (
                update(req)
                .where(req.c.id == bindparam("_id"), req.c.status == bindparam("_status"))
                .values({STAGE_COLUMN[s + 1]: bindparam("at"), "status": m.REQUEST_STAGES[s + 1], **extra})
            )
            conn.execute(stmt, params)
        return done

    def _activities(self, conn, k: int) -> None:
        if not k or not self.activities:
            return
        picks = self.rng.integers(0, len(self.activities), k)
        rows = [
            {**dict(zip(ACTIVITY_COPY, self.activities[i])), "held_on": at.date()}
            for i, at in zip(picks, self._stamp(k))
        ]
        conn.execute(insert(m.Activity.__table__), rows)

    def _transfers(self, conn, k: int) -> int:
        """k members move to another member's organisation and place."""
        mem = m.Member.__table__
        ids = conn.execute(select(mem.c.id).order_by(func.random()).limit(2 * k)).scalars().all()
        if len(ids) < 2:
            return 0
        moving, models = ids[: len(ids) // 2], ids[len(ids) // 2 :]
        cols = [mem.c.id, mem.c.org_id, mem.c.street_id, mem.c.community_id, mem.c.building_group_id]
        target = {r.id: r for r in conn.execute(select(*cols).where(mem.c.id.in_(models)))}
        params = [
            {"_id": who, "o": t.org_id, "s": t.street_id, "c": t.community_id, "b": t.building_group_id}
            for who, t in zip(moving, (target[x] for x in models))
        ]
        stmt = (
            update(mem)
            .where(mem.c.id == bindparam("_id"))
            .values(
                org_id=bindparam("o"),
                street_id=bindparam("s"),
                community_id=bindparam("c"),
                building_group_id=bindparam("b"),
            )
        )
        conn.execute(stmt, params)
        return len(params)
