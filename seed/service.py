"""Volunteer service: teams, volunteers, events, service records, requests, facilities."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from . import geo, names
from .people import _dates, _window
from .places import Structure, _allocate, near_inside

TEAMS = 264
VOLUNTEERS = 81_650  # the report: 8万多名 (more than 80,000)
EVENTS = 1_000
RECORDS = 120_000  # team service sessions; each carries the volunteer-hours of the session
SERVICE_HOURS = 4_600_000
PEOPLE_SERVED = 503_000
REQUESTS = 36_000
SERVICE_CENTERS = 56
KITCHENS = 30
KITCHEN_PEOPLE_FED = 21_460

# hour-of-day profile of service sessions (08:00–20:00) and weekday profile (Mon..Sun)
HOUR_P = np.array([0, 0, 0, 0, 0, 0, 0, 1, 6, 9, 8, 4, 1, 1, 6, 8, 7, 4, 1, 4, 3, 1, 0, 0], float)
WEEKDAY_P = np.array([0.8, 0.8, 0.85, 0.85, 0.9, 1.5, 1.4])


@dataclass
class Service:
    teams_of_station: dict[int, list[int]] = field(default_factory=dict)
    team_category: dict[int, int] = field(default_factory=dict)
    team_station: dict[int, int] = field(default_factory=dict)
    volunteers_of_team: dict[int, np.ndarray] = field(default_factory=dict)


def categories():
    return [(i + 1, code, name) for i, (code, name) in enumerate(names.VOLUNTEER_CATEGORIES)]


def need_categories_and_items():
    cats, items = [], []
    for ci, (code, name, item_names) in enumerate(names.NEED_CATEGORIES):
        cats.append((ci + 1, code, name))
        for it in item_names:
            items.append((len(items) + 1, f"SI{len(items) + 1:02d}", it, ci + 1))
    return cats, items


def teams(rng: np.random.Generator, s: Structure, as_of: date, out: Service):
    """264 teams: one per station, the rest where most building groups are; all 10 categories used."""
    weights = np.array([len(s.groups_of[c]) for c in s.community_ids], float)
    per_station = _allocate(TEAMS, weights, 1)
    cats = rng.permutation(np.r_[np.arange(1, 11), rng.integers(1, 11, TEAMS - 10)])
    start, _ = _window(as_of)
    rows, k = [], 0
    for cid, n in zip(s.community_ids, per_station):
        stid = s.station_of[cid]
        out.teams_of_station[stid] = []
        place = s.org(cid).name.replace("社区党委", "社区").replace("党支部", "")
        for _ in range(int(n)):
            tid = k + 1
            cat = int(cats[k])
            cname = names.VOLUNTEER_CATEGORIES[cat - 1][1]
            founded = date.fromordinal(int(rng.integers(start.toordinal() - 700, start.toordinal() + 900)))
            rows.append(
                (tid, f"T{tid:03d}", f"{place}{cname}志愿服务队", cat, stid, s.community_street[cid], cid, founded)
            )
            out.teams_of_station[stid].append(tid)
            out.team_category[tid] = cat
            out.team_station[tid] = stid
            k += 1
    return rows


def grid_teams(rng: np.random.Generator, s: Structure, out: Service):
    """The Y of 1+X+Y: every community grid has its station's teams; most building areas one or two."""
    rows = []
    for g in s.grids:
        gid, level, community_id = g[0], g[3], g[7]
        if level == 3:
            rows += [(gid, t) for t in out.teams_of_station[s.station_of[community_id]]]
        elif level == 4:
            pool = out.teams_of_station[s.station_of[community_id]]
            k = min(len(pool), int(rng.choice([0, 1, 1, 1, 2], p=[0.07, 0.31, 0.31, 0.31, 0.0])))
            rows += [(gid, int(t)) for t in rng.choice(pool, k, replace=False)]
    return rows


def volunteers(rng: np.random.Generator, s: Structure, scale: float, as_of: date, out: Service):
    """Resident volunteers registered at stations; about a third serve in a team."""
    n = round(VOLUNTEERS * scale)
    start, end = _window(as_of)
    weights = np.array([len(s.groups_of[c]) for c in s.community_ids], float) + 2
    comm_idx = rng.choice(len(s.community_ids), n, p=weights / weights.sum())
    person = names.person_names(rng, n)
    gender = np.where(rng.random(n) < 0.45, "M", "F")
    birth = (as_of.year - rng.normal(50, 16, n).clip(14, 85)).astype(int)
    reg = _dates(rng, n, start - timedelta(days=365), end, growth=1.0)
    in_team = rng.random(n) < 0.35
    lives = rng.random(n) < 0.85
    pick, pick2 = rng.random(n), rng.random(n)
    phone = rng.integers(0, 10**9, n)
    members_of: dict[int, list[int]] = {}
    rows = []
    for i in range(n):
        cid = s.community_ids[int(comm_idx[i])]
        stid = s.station_of[cid]
        team = None
        if in_team[i]:
            ts = out.teams_of_station[stid]
            team = ts[int(pick[i] * len(ts))]
            members_of.setdefault(team, []).append(i + 1)
        groups = s.groups_of[cid]
        bg = groups[int(pick2[i] * len(groups))] if lives[i] else None
        rows.append(
            (
                i + 1,
                person[i],
                str(gender[i]),
                int(birth[i]),
                f"13{phone[i]:09d}",
                team,
                stid,
                s.community_street[cid],
                cid,
                bg,
                date.fromordinal(int(reg[i])),
            )
        )
    out.volunteers_of_team = {t: np.array(v) for t, v in members_of.items()}
    return rows


def _session_times(rng: np.random.Generator, n: int, days: np.ndarray) -> list[datetime]:
    hours = rng.choice(24, n, p=HOUR_P / HOUR_P.sum())
    minutes = rng.choice([0, 0, 15, 30, 30, 45], n)
    return [
        datetime.fromordinal(int(d)) + timedelta(hours=int(h), minutes=int(m)) for d, h, m in zip(days, hours, minutes)
    ]


def _weekday_weighted_days(rng: np.random.Generator, n: int, lo: date, hi: date, growth: float) -> np.ndarray:
    """Days with more service at weekends: draw extra, keep by weekday weight."""
    got: list[np.ndarray] = []
    have = 0
    while have < n:
        d = _dates(rng, 2 * (n - have) + 16, lo, hi, growth)
        keep = rng.random(len(d)) < WEEKDAY_P[(d - 1) % 7] / WEEKDAY_P.max()
        got.append(d[keep])
        have += int(keep.sum())
    return np.concatenate(got)[:n]


def events(rng: np.random.Generator, s: Structure, scale: float, as_of: date, out: Service):
    n = round(EVENTS * scale)
    start, end = _window(as_of)
    team_ids = np.array(sorted(out.team_station))
    pick = rng.choice(team_ids, n)
    days = np.sort(_weekday_weighted_days(rng, n, start, end, 1.0))
    themes = [
        "学雷锋志愿服务",
        "敬老爱老集中服务",
        "文明城市创建",
        "环境清洁日",
        "义诊进社区",
        "法律进社区",
        "暑期护苗",
        "防汛应急演练",
        "邻里节",
        "重阳节慰问",
    ]
    rows = []
    for i, (t, d) in enumerate(zip(pick, days)):
        stid = out.team_station[int(t)]
        station = s.stations[stid - 1]
        cid = station[5]
        bg = int(rng.choice(s.groups_of[cid])) if rng.random() < 0.6 else None
        rows.append(
            (
                i + 1,
                f"{station[2].replace('志愿服务站', '')}{rng.choice(themes)}",
                out.team_category[int(t)],
                stid,
                station[4],
                cid,
                bg,
                date.fromordinal(int(d)),
            )
        )
    return rows


def records(
    rng: np.random.Generator, s: Structure, scale: float, as_of: date, out: Service, event_rows: list[tuple]
) -> Iterator[tuple]:
    """Service sessions, calibrated so hours and people served sum to the report's totals."""
    n = max(round(RECORDS * scale), 3 * len(event_rows) + 1)
    start, end = _window(as_of)
    team_ids = np.array(sorted(out.team_station))
    activity = rng.lognormal(0, 0.6, len(team_ids))
    n_event = 3 * len(event_rows)
    team = np.r_[rng.choice(team_ids, n - n_event, p=activity / activity.sum()), np.zeros(n_event, int)]
    days = np.r_[_weekday_weighted_days(rng, n - n_event, start, end, 1.3), np.zeros(n_event, int)]
    event = np.zeros(n, int)
    for j, ev in enumerate(event_rows):  # three sessions at every event, by teams of its station
        for k in range(3):
            i = n - n_event + 3 * j + k
            ts = out.teams_of_station[ev[3]]
            team[i] = ts[int(rng.integers(len(ts)))]
            days[i] = ev[7].toordinal()
            event[i] = ev[0]
    vols = rng.poisson(9, n) + 2
    duration = rng.choice([1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0], n, p=[0.1, 0.1, 0.25, 0.15, 0.2, 0.1, 0.1])
    raw = vols * duration * np.where(event > 0, 2.5, 1.0)
    hours = np.round(raw * (SERVICE_HOURS * scale / raw.sum()) * 2) / 2
    hours = np.maximum(hours, 0.5)
    reach = vols * rng.gamma(2.0, 1.0, n)  # people served grow with the volunteers present
    served = rng.multinomial(round(PEOPLE_SERVED * scale), reach / reach.sum())
    times = _session_times(rng, n, days)
    at_group = rng.random(n) < 0.75
    pick = rng.random(n)
    jitter = rng.normal(0, 0.0003, (n, 2))
    order = np.argsort(days, kind="stable")
    for rid, i in enumerate(order, start=1):
        t = int(team[i])
        stid = out.team_station[t]
        station = s.stations[stid - 1]
        cid = station[5]
        bg = None
        x, y = s.station_xy[stid]
        if at_group[i]:
            groups = s.groups_of[cid]
            bg = groups[int(pick[i] * len(groups))]
            x, y = s.group_xy[bg]
        yield (
            rid,
            t,
            out.team_category[t],
            stid,
            int(event[i]) or None,
            station[4],
            cid,
            bg,
            times[i],
            int(vols[i]),
            float(hours[i]),
            int(served[i]),
            round(x + float(jitter[i, 0]), 6),
            round(y + float(jitter[i, 1]), 6),
        )


def requests(
    rng: np.random.Generator,
    s: Structure,
    scale: float,
    as_of: date,
    out: Service,
    n_items: int,
    item_category: dict[int, int],
) -> Iterator[tuple]:
    """居民点单 → 社区下单 → 志愿者接单: stage times drawn per station, some stations slow to answer."""
    n = round(REQUESTS * scale)
    start, end = _window(as_of)
    as_of_end = datetime.fromordinal(end.toordinal()) + timedelta(days=1)
    n_st = len(s.stations)
    slowness = rng.lognormal(0, 0.7, n_st + 1)  # some stations answer much later than others
    accept_p = np.clip(0.97 - 0.08 * (slowness - 1), 0.6, 0.99)
    weights = np.array([len(s.groups_of[st[5]]) for st in s.stations], float)
    st_pick = rng.choice(np.arange(1, n_st + 1), n, p=weights / weights.sum())
    item = rng.integers(1, n_items + 1, n)
    days = _weekday_weighted_days(rng, n, start, end, 1.8)
    ordered = _session_times(rng, n, days)
    order = np.argsort(days, kind="stable")
    u = rng.random((n, 5))
    gaps = rng.lognormal(mean=[1.0, 1.5, 3.0, 3.5], sigma=[1.0, 1.0, 0.9, 1.0], size=(n, 4))  # hours
    pick = rng.random((n, 3))
    for rid, i in enumerate(order, start=1):
        stid = int(st_pick[i])
        station = s.stations[stid - 1]
        cid = station[5]
        groups = s.groups_of[cid]
        bg = groups[int(pick[i, 0] * len(groups))] if u[i, 0] < 0.85 else None
        t0 = ordered[i]
        stages: list[datetime | None] = [None, None, None, None]
        reach = [u[i, 1] < 0.97, u[i, 2] < accept_p[stid], u[i, 3] < 0.96, u[i, 4] < 0.82]
        t = t0
        for k in range(4):
            if not reach[k]:
                break
            gap = gaps[i, k] * (slowness[stid] if k == 1 else 1.0)
            t = t + timedelta(minutes=int(gap * 60) + 5)
            if t >= as_of_end:
                break
            stages[k] = t
        status = ["ordered", "dispatched", "accepted", "done", "rated"][sum(x is not None for x in stages)]
        team = vol = None
        if stages[1] is not None:
            ts = out.teams_of_station[stid]
            team = ts[int(pick[i, 1] * len(ts))]
            vs = out.volunteers_of_team.get(team)
            if vs is not None and len(vs):
                vol = int(vs[int(pick[i, 2] * len(vs))])
        rating = int(rng.choice([3, 4, 5, 5, 5])) if stages[3] is not None else None
        it = int(item[i])
        yield (
            rid,
            it,
            item_category[it],
            stid,
            station[4],
            cid,
            bg,
            team,
            vol,
            status,
            t0,
            stages[0],
            stages[1],
            stages[2],
            stages[3],
            rating,
        )


def facilities(rng: np.random.Generator, s: Structure, as_of: date):
    """56 party-mass service centres and 30 community kitchens, beside community centres."""
    outline = geo.district_outline()
    start, _ = _window(as_of)
    comms = [c for c in s.community_ids if s.urban[c]]
    rows = []
    centre_at = rng.choice(comms, SERVICE_CENTERS, replace=False)
    kitchen_at = rng.choice(comms, KITCHENS, replace=False)
    fed = _allocate(KITCHEN_PEOPLE_FED, rng.uniform(0.5, 1.5, KITCHENS), 200)
    for cid in centre_at:
        cid = int(cid)
        place = s.org(cid).name.replace("社区党委", "社区")
        x, y = near_inside(rng, s.community_site[cid], outline, 0.0006)
        opened = date.fromordinal(int(rng.integers(start.toordinal(), as_of.toordinal() + 1)))
        rows.append(
            (
                len(rows) + 1,
                f"FC{len(rows) + 1:03d}",
                "service_center",
                f"{place}党群服务中心",
                cid,
                s.community_street[cid],
                cid,
                x,
                y,
                opened,
                None,
            )
        )
    for cid, people_fed in zip(kitchen_at, fed):
        cid = int(cid)
        place = s.org(cid).name.replace("社区党委", "社区")
        x, y = near_inside(rng, s.community_site[cid], outline, 0.0008)
        opened = date.fromordinal(int(rng.integers(date(as_of.year, 1, 1).toordinal(), as_of.toordinal() + 1)))
        rows.append(
            (
                len(rows) + 1,
                f"FK{len(rows) + 1:03d}",
                "kitchen",
                f"{place}小厨房" if place.endswith("社区") else f"{place}社区小厨房",
                cid,
                s.community_street[cid],
                cid,
                x,
                y,
                opened,
                int(people_fed),
            )
        )
    return rows
