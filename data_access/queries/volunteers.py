"""Volunteer page queries: where and when service happens, how requests flow, where demand is unmet.

Same contract as data_access.queries.overview: (connection, filters, ...) -> DataFrame, all filtering and
aggregation in SQL with bound parameters, no Streamlit. Besides Filters (place, dates, volunteer
categories) most functions take a week slot (weekday, hour) picked on the weekday × hour heatmap.

Requests are judged as of the end of the date range ("cutoff"): a stage counts as reached when it
happened before the cutoff, so a range ending in 2016 shows the backlog as it stood then.
"""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Float,
    Integer,
    and_,
    case,
    cast,
    extract,
    func,
    literal,
    or_,
    select,
    true,
    union_all,
)

from .. import history
from .. import models as m
from ..filters import Filters
from ..live.models import RefreshState
from ..rollup_models import RuServiceCell, RuServiceMonth, RuServiceSlot, RuServiceTeam
from . import request_flow, stocks
from .overview import _day_range, _level, _months, _place, _time_range, dataset_info, date_bounds

MEASURES = ("hours", "served", "requests", "unmet")
STAGES = m.REQUEST_STAGES  # ordered, dispatched, accepted, done, rated
TRANSITIONS = (
    ("ordered", "dispatched"),
    ("dispatched", "accepted"),
    ("accepted", "done"),
    ("done", "rated"),
    ("ordered", "accepted"),  # how long a resident waits for a volunteer
    ("ordered", "done"),  # the whole loop
)
# age buckets of open requests, upper bounds in hours (the last one is open-ended)
AGE_BOUNDS_H = (24, 72, 168, 720, 2160, 8760)
BUCKETS = 100  # duration buckets for percentiles (see duration_bucket): about an hour wide at a day
AGE_BUCKETS = ("lt1d", "1to3d", "3to7d", "1to4w", "1to3m", "3to12m", "gt1y")

# The heat map's cells: a fixed grid of about 400 m over the district's bounding box (which holds
# reference/erqi-district.geojson). Points outside the box are left off the map. Whatever the
# database size, the map can never carry more than MAX_CELLS features.
GRID_LON0, GRID_LAT0, GRID_LON1, GRID_LAT1 = 113.49, 34.59, 113.68, 34.78
CELL_DEG = 0.004
GRID_COLS = math.ceil(round((GRID_LON1 - GRID_LON0) / CELL_DEG, 9))
GRID_ROWS = math.ceil(round((GRID_LAT1 - GRID_LAT0) / CELL_DEG, 9))
MAX_CELLS = GRID_COLS * GRID_ROWS


# ---------------------------------------------------------------- dialect helpers


def _is_pg(conn: Connection) -> bool:
    return conn.dialect.name == "postgresql"


def weekday_of(col, conn: Connection):
    """Day of week of a datetime column as an integer, 0 = Sunday … 6 = Saturday, on either dialect."""
    if _is_pg(conn):
        return cast(extract("dow", col), Integer)
    return cast(func.strftime("%w", col), Integer)


def hour_of(col, conn: Connection):
    """Hour of day (0–23) of a datetime column."""
    if _is_pg(conn):
        return cast(extract("hour", col), Integer)
    return cast(func.strftime("%H", col), Integer)


def hours_between(start, end, conn: Connection):
    """end − start in hours, as a float, rounded to whole seconds (so SQLite's julianday arithmetic and
    PostgreSQL agree exactly, and a duration bucket never depends on floating-point noise)."""
    if _is_pg(conn):
        seconds = cast(extract("epoch", end - start), Float)
    else:
        seconds = (func.julianday(end) - func.julianday(start)) * 86400.0
    return func.round(seconds) / 3600.0


def floor_of(expr, conn: Connection):
    """floor(expr) as an integer (SQLite has no floor() unless built with math functions)."""
    if _is_pg(conn):
        return cast(func.floor(expr), Integer)
    trunc = cast(expr, Integer)
    return case((expr < trunc, trunc - 1), else_=trunc)


# ---------------------------------------------------------------- scope helpers


def data_cutoff(conn: Connection) -> datetime:
    """The first instant after the data date (dataset_meta as_of): requests are judged as they stand then,
    whatever the date range (which picks the requests by the day they were ordered). A live dataset is
    judged as of the refresher's last run (refresh_state.cutoff), the instant its summaries were computed at."""
    info = dataset_info(conn)
    if info.get("live") == "1":
        cut = conn.execute(select(RefreshState.cutoff).where(RefreshState.id == 1)).scalar()
        if cut is not None:
            return cut
    as_of = info.get("as_of")
    if not as_of:
        raise ValueError("dataset_meta has no as_of date")
    return datetime.combine(date.fromisoformat(as_of) + timedelta(days=1), time.min)


def _cutoff(conn: Connection):
    return literal(data_cutoff(conn), type_=DateTime())


def _reached(col, cut) -> ColumnElement[bool]:
    return and_(col.is_not(None), col < cut)


def _slot(col, conn: Connection, weekday: int | None, hour: int | None) -> list[ColumnElement[bool]]:
    conds = []
    if weekday is not None:
        conds.append(weekday_of(col, conn) == weekday)
    if hour is not None:
        conds.append(hour_of(col, conn) == hour)
    return conds


def _categories(col, f: Filters) -> ColumnElement[bool]:
    return col.in_(f.categories) if f.categories else true()


def _records_where(conn: Connection, f: Filters, weekday: int | None, hour: int | None) -> list:
    rec = m.ServiceRecord.__table__
    return [
        _place(rec, f),
        _time_range(rec.c.started_at, f),
        _categories(rec.c.category_id, f),
        *_slot(rec.c.started_at, conn, weekday, hour),
    ]


def _rollup(f: Filters, weekday: int | None, hour: int | None):
    """The service rollup for a query (the week-slot cube only when a slot is picked) and its WHERE."""
    ru = (RuServiceSlot if _slot_picked(weekday, hour) else RuServiceMonth).__table__
    where = [_level(ru, f), _months(ru.c.month, f), _categories(ru.c.category_id, f)]
    if weekday is not None:
        where.append(ru.c.weekday == weekday)
    if hour is not None:
        where.append(ru.c.hour == hour)
    return ru, where


def _requests_where(conn: Connection, f: Filters, weekday: int | None, hour: int | None) -> list:
    """Requests ordered in range (and slot). Need categories are not volunteer categories: no category filter."""
    req = m.ServiceRequest.__table__
    return [_place(req, f), _time_range(req.c.ordered_at, f), *_slot(req.c.ordered_at, conn, weekday, hour)]


def _slot_picked(weekday: int | None, hour: int | None) -> bool:
    """A clicked weekday × hour cell: a drill-down read from the raw rows (the rollups have no slot for it)."""
    return weekday is not None or hour is not None


def _stage_col(stage: str):
    return m.ServiceRequest.__table__.c[f"{stage}_at"]


def _wait_hours(conn: Connection):
    """Hours from order to a volunteer accepting it (read only for requests accepted by the cutoff: one
    never accepted is unanswered, not a wait that grows for years)."""
    req = m.ServiceRequest.__table__
    return hours_between(req.c.ordered_at, req.c.accepted_at, conn)


def _percentiles(conn: Connection, durations, ps: tuple[float, ...] = (0.5, 0.9)) -> pd.DataFrame:
    """percentile_cont of `dur` per `grp` of a (grp, dur) subquery, on any dialect.

    Window functions number the values in each group; only the few rows around each percentile's
    position come back, and the interpolation between two neighbours happens here.
    """
    d = durations
    ranked = select(
        d.c.grp,
        d.c.dur,
        func.row_number().over(partition_by=d.c.grp, order_by=d.c.dur).label("rn"),
        func.count().over(partition_by=d.c.grp).label("n"),
    ).subquery()
    near = []
    for p in ps:
        lo = floor_of(1 + literal(p, Float) * (ranked.c.n - 1), conn)
        near.append(and_(ranked.c.rn >= lo - 1, ranked.c.rn <= lo + 2))
    rows = pd.read_sql_query(select(ranked.c.grp, ranked.c.rn, ranked.c.n, ranked.c.dur).where(or_(*near)), conn)
    out = []
    for grp, g in rows.groupby("grp", sort=False):
        n = int(g["n"].iloc[0])
        value = dict(zip(g["rn"].astype(int), g["dur"].astype(float)))
        rec = {"grp": grp, "n": n}
        for p in ps:
            pos = 1 + p * (n - 1)
            lo = math.floor(pos)
            hi = min(lo + 1, n)
            rec[f"p{round(p * 100)}"] = value[lo] + (pos - lo) * (value[hi] - value[lo])
        out.append(rec)
    cols = ["grp", "n", *[f"p{round(p * 100)}" for p in ps]]
    return pd.DataFrame(out, columns=cols)


# ---------------------------------------------------------------- totals


def totals(conn: Connection, f: Filters, weekday: int | None = None, hour: int | None = None) -> dict:
    """The page's headline figures. Flows (hours, served, sessions, events, requests) follow the dates and
    slot; the stocks with a past (teams, kitchens) are counted on the range's last day, from the registers on
    the data date and from the dated spells before it (queries.stocks), as the overview counts them; stations
    and the people fed have no dated history and are as of the data date. None: not meaningful at this
    scope, or before the history begins."""
    req = m.ServiceRequest.__table__
    team, station, fac, bg = m.Team.__table__, m.Station.__table__, m.Facility.__table__, m.BuildingGroup.__table__
    out: dict[str, float | int | None] = {}
    ru, where = _rollup(f, weekday, hour)
    hours, served, sessions = conn.execute(
        select(
            func.coalesce(func.sum(ru.c.hours), 0),
            func.coalesce(func.sum(ru.c.served), 0),
            func.coalesce(func.sum(ru.c.sessions), 0),
        ).where(*where)
    ).one()
    out.update(hours=float(hours), served=int(served), sessions=int(sessions))
    # events held in range: a date without a time, so no week slot applies to them
    ev = m.ServiceEvent.__table__
    place = _place(ev, f)
    out["events"] = (
        None
        if place is None or _slot_picked(weekday, hour)
        else int(
            conn.execute(
                select(func.count())
                .select_from(ev)
                .where(place, _day_range(ev.c.held_on, f), _categories(ev.c.category_id, f))
            ).scalar()
        )
    )
    if _slot_picked(weekday, hour):
        cut = _cutoff(conn)
        n_req, n_unmet = conn.execute(
            select(
                func.count(),
                func.coalesce(func.sum(case((_reached(req.c.accepted_at, cut), 0), else_=1)), 0),
            ).where(*_requests_where(conn, f, weekday, hour))
        ).one()
    else:
        n_req, n_unmet = request_flow.totals(conn, f)
    out.update(requests=int(n_req), unmet=int(n_unmet))
    if f.building_group_id:  # the teams serving its grid (the Y of 1+X+Y)
        gt = m.GridTeam.__table__
        out["teams"] = conn.execute(
            select(func.count())
            .select_from(gt.join(team, team.c.id == gt.c.team_id))
            .where(
                gt.c.grid_id == select(bg.c.grid_id).where(bg.c.id == f.building_group_id).scalar_subquery(),
                _categories(team.c.category_id, f),
            )
        ).scalar()
    else:
        out["teams"] = conn.execute(
            select(func.count()).select_from(team).where(_place(team, f), _categories(team.c.category_id, f))
        ).scalar()
    place = _place(station, f)
    out["stations"] = (
        None if place is None else conn.execute(select(func.count()).select_from(station).where(place)).scalar()
    )
    place = _place(fac, f)
    if place is None:
        out["kitchens"] = out["people_fed"] = None
    else:
        k, fed = conn.execute(
            select(func.count(), func.coalesce(func.sum(fac.c.people_fed), 0))
            .select_from(fac)
            .where(place, fac.c.kind == "kitchen")
        ).one()
        out["kitchens"], out["people_fed"] = int(k), int(fed)
    info = dataset_info(conn)
    day = stocks.stock_day(f, date_bounds(info)[1])
    if day < date_bounds(info)[1]:  # a range that ends before the data date: the stocks as they were then
        since = history.history_from(info)
        of_categories = [m.StockSpell.ref_id.in_(select(team.c.id).where(_categories(team.c.category_id, f)))]
        out["teams"] = (
            None  # a building group's teams are its grid's (the Y of 1+X+Y): no dated history names them
            if f.building_group_id
            else stocks.count_on(conn, f, day, since, "team", *(of_categories if f.categories else []))
        )
        if out["kitchens"] is not None:
            out["kitchens"] = stocks.count_on(conn, f, day, since, "kitchen")
    return out


# ---------------------------------------------------------------- where: the heat map


def service_cells(
    conn: Connection, f: Filters, measure: str, weekday: int | None = None, hour: int | None = None
) -> pd.DataFrame:
    """The measure summed per grid cell (lon, lat of the cell centre, value); at most MAX_CELLS rows.

    Service records carry their own coordinates; requests are placed at their building group, or at
    their station when no building group is recorded.
    """
    if measure not in MEASURES:
        raise ValueError(f"unknown measure {measure!r}")
    rec, req = m.ServiceRecord.__table__, m.ServiceRequest.__table__
    bg, st_ = m.BuildingGroup.__table__, m.Station.__table__
    if measure in ("hours", "served") and not _slot_picked(weekday, hour):
        ru = RuServiceCell.__table__
        stmt = (
            select(ru.c.ix, ru.c.iy, func.sum(ru.c[measure]).label("value"))
            .where(_level(ru, f), _months(ru.c.month, f), _categories(ru.c.category_id, f))
            .group_by(ru.c.ix, ru.c.iy)
            .having(func.sum(ru.c[measure]) > 0)
        )
        return _cell_centres(pd.read_sql_query(stmt, conn))
    if measure in ("hours", "served"):  # a week slot is picked: the slot's sessions, from the raw rows
        lon, lat = rec.c.lon, rec.c.lat
        value = rec.c.hours if measure == "hours" else rec.c.people_served
        src, where = rec, _records_where(conn, f, weekday, hour)
    else:
        lon, lat = func.coalesce(bg.c.lon, st_.c.lon), func.coalesce(bg.c.lat, st_.c.lat)
        cut = _cutoff(conn)
        value = literal(1) if measure == "requests" else case((_reached(req.c.accepted_at, cut), 0), else_=1)
        src = req.outerjoin(bg, bg.c.id == req.c.building_group_id).join(st_, st_.c.id == req.c.station_id)
        where = _requests_where(conn, f, weekday, hour)
    inside = [lon >= GRID_LON0, lon < GRID_LON1, lat >= GRID_LAT0, lat < GRID_LAT1]
    points = (
        select(
            floor_of((lon - GRID_LON0) / CELL_DEG, conn).label("ix"),
            floor_of((lat - GRID_LAT0) / CELL_DEG, conn).label("iy"),
            value.label("v"),
        )
        .select_from(src)
        .where(*where, *inside)
        .subquery()
    )
    stmt = (
        select(points.c.ix, points.c.iy, func.sum(points.c.v).label("value"))
        .group_by(points.c.ix, points.c.iy)
        .having(func.sum(points.c.v) > 0)
    )
    return _cell_centres(pd.read_sql_query(stmt, conn))


def _cell_centres(cells: pd.DataFrame) -> pd.DataFrame:
    cells["lon"] = GRID_LON0 + (cells["ix"] + 0.5) * CELL_DEG
    cells["lat"] = GRID_LAT0 + (cells["iy"] + 0.5) * CELL_DEG
    cells["value"] = cells["value"].astype(float)
    return cells[["ix", "iy", "lon", "lat", "value"]]


# ---------------------------------------------------------------- when: time heatmaps


def month_category(conn: Connection, f: Filters, weekday: int | None = None, hour: int | None = None) -> pd.DataFrame:
    """Service per month and volunteer category: month ('YYYY-MM'), category_id, code, category, hours, served, sessions."""
    cat = m.VolunteerCategory.__table__
    ru, where = _rollup(f, weekday, hour)
    per = (
        select(
            ru.c.month,
            ru.c.category_id,
            func.sum(ru.c.hours).label("hours"),
            func.sum(ru.c.served).label("served"),
            func.sum(ru.c.sessions).label("sessions"),
        )
        .where(*where)
        .group_by(ru.c.month, ru.c.category_id)
        .subquery()
    )
    stmt = (
        select(
            per.c.month,
            per.c.category_id,
            cat.c.code,
            cat.c.name.label("category"),
            per.c.hours,
            per.c.served,
            per.c.sessions,
        )
        .join(cat, cat.c.id == per.c.category_id)
        .order_by(per.c.month, per.c.category_id)
    )
    out = pd.read_sql_query(stmt, conn)
    out["month"] = pd.to_datetime(out["month"]).dt.strftime("%Y-%m")
    return out.astype({"hours": float, "served": int, "sessions": int, "category_id": int})


def weekday_hour(conn: Connection, f: Filters) -> pd.DataFrame:
    """Service per weekday (0 = Sunday) and hour of the day it started: weekday, hour, hours, served, sessions."""
    ru = RuServiceSlot.__table__
    stmt = (
        select(
            ru.c.weekday,
            ru.c.hour,
            func.sum(ru.c.hours).label("hours"),
            func.sum(ru.c.served).label("served"),
            func.sum(ru.c.sessions).label("sessions"),
        )
        .where(_level(ru, f), _months(ru.c.month, f), _categories(ru.c.category_id, f))
        .group_by(ru.c.weekday, ru.c.hour)
        .order_by(ru.c.weekday, ru.c.hour)
    )
    out = pd.read_sql_query(stmt, conn)
    return out.astype({"weekday": int, "hour": int, "hours": float, "served": int, "sessions": int})


# ---------------------------------------------------------------- request flow


def request_funnel(conn: Connection, f: Filters, weekday: int | None = None, hour: int | None = None) -> pd.DataFrame:
    """Requests ordered in range that reached each stage by the data date: stage, requests (in stage order)."""
    if not _slot_picked(weekday, hour):
        return request_flow.funnel(conn, f)
    req, cut = m.ServiceRequest.__table__, _cutoff(conn)
    cols = [func.count().label("ordered")]
    for stage in STAGES[1:]:
        cols.append(func.coalesce(func.sum(case((_reached(_stage_col(stage), cut), 1), else_=0)), 0).label(stage))
    row = conn.execute(select(*cols).select_from(req).where(*_requests_where(conn, f, weekday, hour))).one()
    return pd.DataFrame({"stage": list(STAGES), "requests": [int(v) for v in row]})


TAIL_H = 24.0 * (BUCKETS - 1)  # from 99 days on, buckets are a flat 30 days wide
TAIL_STEP_H = 720.0


def duration_bucket(hours, conn: Connection):
    """The bucket of a duration (hours >= 0): floor(BUCKETS * h / (h + 24)) below TAIL_H — fine for short
    durations, coarser for long ones — then one bucket per 30 days; see bucket_bounds."""
    x = case(
        (hours < TAIL_H, BUCKETS * hours / (hours + 24.0)),
        else_=(BUCKETS - 1) + (hours - TAIL_H) / TAIL_STEP_H,
    )
    return cast(func.floor(x), Integer) if _is_pg(conn) else cast(x, Integer)  # cast truncates: floor for x >= 0


def bucket_of(hours: float) -> int:
    """duration_bucket for one value, in Python (tests and tolerances)."""
    h = max(hours, 0.0)
    x = BUCKETS * h / (h + 24.0) if h < TAIL_H else (BUCKETS - 1) + (h - TAIL_H) / TAIL_STEP_H
    return math.floor(x)


def bucket_bounds(bucket: int) -> tuple[float, float]:
    """The hours a duration bucket spans: about 15 min wide near zero, an hour at a day, 30 days past 99 days."""

    def edge(b: int) -> float:
        if b >= BUCKETS - 1:
            return TAIL_H + (b - (BUCKETS - 1)) * TAIL_STEP_H
        return 24.0 * b / (BUCKETS - b)

    return edge(max(bucket, 0)), edge(max(bucket + 1, 0))


def _percentiles_binned(conn: Connection, durations, ps: tuple[float, ...] = (0.5, 0.9)) -> pd.DataFrame:
    """percentile_cont of `dur` (hours) per `grp`, for few groups over many rows, to within one bucket.

    SQL counts rows per duration bucket; the percentile's neighbouring ranks are then placed evenly
    inside the bucket that holds them. Much cheaper than numbering every row.
    """
    d = durations
    binned = select(d.c.grp, duration_bucket(d.c.dur, conn).label("bin")).subquery()
    hist = pd.read_sql_query(
        select(binned.c.grp, binned.c.bin, func.count().label("k"))
        .group_by(binned.c.grp, binned.c.bin)
        .order_by(binned.c.grp, binned.c.bin),
        conn,
    )
    return hist_percentiles(hist, ps)


def hist_percentiles(hist: pd.DataFrame, ps: tuple[float, ...] = (0.5, 0.9)) -> pd.DataFrame:
    """grp, n, p50, p90 … from a histogram (grp, bin, k) of duration buckets, to within one bucket.

    Each percentile lies between two neighbouring ranks (percentile_cont), and each rank is placed evenly
    inside the bucket that holds it (_rank_values); all groups at once, in whole arrays: a page's first
    drawing for a place asked this of every station's histogram one group at a time before."""
    names = ["grp", "n", *[f"p{round(p * 100)}" for p in ps]]
    h = hist[(hist["k"] > 0) & hist["grp"].notna()].sort_values(["grp", "bin"], kind="stable")
    if h.empty:
        return pd.DataFrame(columns=names)
    grp, bins, k = h["grp"].to_numpy(), h["bin"].to_numpy(int), h["k"].to_numpy(int)
    upto = np.cumsum(k)
    starts = np.flatnonzero(np.r_[True, grp[1:] != grp[:-1]])  # each group's first row
    ends = np.r_[starts[1:], len(k)] - 1
    base = upto[starts] - k[starts]  # rows of the groups before
    n = upto[ends] - base
    out = {"grp": grp[starts], "n": n}
    for p in ps:
        pos = 1 + p * (n - 1)
        lo = np.floor(pos).astype(np.int64)
        low, high = _rank_values(bins, k, upto, base, lo), _rank_values(bins, k, upto, base, np.minimum(lo + 1, n))
        out[f"p{round(p * 100)}"] = low + (pos - lo) * (high - low)
    return pd.DataFrame(out, columns=names)


def _rank_values(bins: np.ndarray, k: np.ndarray, upto: np.ndarray, base: np.ndarray, rank: np.ndarray):
    """_rank_value for one rank of each group (ranks counted within the group, rows from base on)."""
    i = np.searchsorted(upto, base + rank)
    lo, hi = _edges(np.maximum(bins[i], 0)), _edges(np.maximum(bins[i] + 1, 0))
    return lo + (rank - (upto[i] - base - k[i]) - 0.5) / k[i] * (hi - lo)


def _edges(b: np.ndarray) -> np.ndarray:
    """bucket_bounds' edge, for an array of buckets (b >= 0)."""
    tail = b >= BUCKETS - 1
    body = 24.0 * b / np.where(tail, 1, BUCKETS - b)
    return np.where(tail, TAIL_H + (b - (BUCKETS - 1)) * TAIL_STEP_H, body)


def stage_durations(conn: Connection, f: Filters, weekday: int | None = None, hour: int | None = None) -> pd.DataFrame:
    """Median and 90th percentile hours between stages: from_stage, to_stage, requests, median_h, p90_h."""
    if _slot_picked(weekday, hour):
        pct = _percentiles_binned(conn, _stage_times(conn, f, weekday, hour))
    else:
        pct = hist_percentiles(request_flow.stage_histogram(conn, f))
    frame = pd.DataFrame({"grp": range(len(TRANSITIONS))})
    frame["from_stage"] = [a for a, _ in TRANSITIONS]
    frame["to_stage"] = [b for _, b in TRANSITIONS]
    frame = frame.merge(pct.astype({"grp": int}), on="grp", how="left")
    frame["n"] = frame["n"].fillna(0).astype(int)
    return frame.rename(columns={"n": "requests", "p50": "median_h", "p90": "p90_h"}).drop(columns="grp")


def _stage_times(conn: Connection, f: Filters, weekday: int | None, hour: int | None):
    """(grp = transition index, dur = hours) of the raw requests in the filters and slot."""
    cut = _cutoff(conn)
    parts = [
        select(
            literal(i).label("grp"),
            hours_between(_stage_col(a), _stage_col(b), conn).label("dur"),
        ).where(*_requests_where(conn, f, weekday, hour), _reached(_stage_col(b), cut), _stage_col(a).is_not(None))
        for i, (a, b) in enumerate(TRANSITIONS)
    ]
    return union_all(*parts).subquery()


def request_backlog(conn: Connection, f: Filters, weekday: int | None = None, hour: int | None = None) -> pd.DataFrame:
    """Requests still open (not done) at the cutoff, by age bucket and the stage they are stuck at:
    bucket (index into AGE_BUCKETS), stage, requests."""
    if not _slot_picked(weekday, hour):
        return request_flow.backlog(conn, f)
    req, cut = m.ServiceRequest.__table__, _cutoff(conn)
    age = hours_between(req.c.ordered_at, cut, conn)
    bucket = case(*[(age < bound, i) for i, bound in enumerate(AGE_BOUNDS_H)], else_=len(AGE_BOUNDS_H))
    stage = case(
        (_reached(req.c.accepted_at, cut), "accepted"),
        (_reached(req.c.dispatched_at, cut), "dispatched"),
        else_="ordered",
    )
    rows = (
        select(bucket.label("bucket"), stage.label("stage"))
        .where(*_requests_where(conn, f, weekday, hour), ~_reached(req.c.done_at, cut))
        .subquery()
    )
    stmt = (
        select(rows.c.bucket, rows.c.stage, func.count().label("requests"))
        .group_by(rows.c.bucket, rows.c.stage)
        .order_by(rows.c.bucket, rows.c.stage)
    )
    return pd.read_sql_query(stmt, conn).astype({"bucket": int, "requests": int})


def _request_groups(conn: Connection, f: Filters, key, by: str, weekday: int | None, hour: int | None) -> pd.DataFrame:
    """Counts and waits of requests per group: key, requests, accepted, done, unmet, open, median/p90 wait.

    From the rollups grouped `by` ("area", "need" or "station"); for a picked week slot, from the raw
    requests grouped by the column key."""
    if not _slot_picked(weekday, hour):
        if by == "station":
            counts, hist = request_flow.stations(conn, f)
        else:
            counts, hist = request_flow.groups(conn, f, by)
        return _group_frame(counts, hist_percentiles(hist))
    req, cut = m.ServiceRequest.__table__, _cutoff(conn)
    where = [*_requests_where(conn, f, weekday, hour), key.is_not(None)]
    reached = lambda col: func.coalesce(func.sum(case((_reached(col, cut), 1), else_=0)), 0)  # noqa: E731
    counts = pd.read_sql_query(
        select(
            key.label("key"),
            func.count().label("requests"),
            reached(req.c.accepted_at).label("accepted"),
            reached(req.c.done_at).label("done"),
        )
        .where(*where)
        .group_by(key),
        conn,
    )
    answered = [*where, _reached(req.c.accepted_at, cut)]
    waits = _percentiles(conn, select(key.label("grp"), _wait_hours(conn).label("dur")).where(*answered).subquery())
    return _group_frame(counts, waits)


def _group_frame(counts: pd.DataFrame, waits: pd.DataFrame) -> pd.DataFrame:
    out = counts.merge(waits.drop(columns="n").rename(columns={"grp": "key"}), on="key", how="left")
    out["unmet"] = out["requests"] - out["accepted"]
    out["open"] = out["requests"] - out["done"]
    out["unmet_share"] = out["unmet"] / out["requests"]
    out = out.rename(columns={"p50": "median_wait_h", "p90": "p90_wait_h"})
    return out.astype({"key": int, "requests": int, "accepted": int, "done": int, "unmet": int, "open": int})


def requests_by_area(conn: Connection, f: Filters, weekday: int | None = None, hour: int | None = None) -> pd.DataFrame:
    """Request flow per street (district scope) or per community/village (narrower scopes):
    area_id, area, requests, accepted, done, unmet, open, unmet_share, median_wait_h, p90_wait_h."""
    req, g = m.ServiceRequest.__table__, m.Grid.__table__
    key, level = (req.c.street_id, 2) if f.level == "district" else (req.c.community_id, 3)
    out = _request_groups(conn, f, key, "area", weekday, hour)
    names = pd.read_sql_query(select(g.c.org_id.label("key"), g.c.name.label("area")).where(g.c.level == level), conn)
    out = out.merge(names, on="key", how="left").rename(columns={"key": "area_id"})
    return out.sort_values("requests", ascending=False, kind="stable").reset_index(drop=True)


def requests_by_need(conn: Connection, f: Filters, weekday: int | None = None, hour: int | None = None) -> pd.DataFrame:
    """Request flow per need category (5): need_id, code, need, requests, …, median_wait_h, p90_wait_h."""
    req, nc = m.ServiceRequest.__table__, m.NeedCategory.__table__
    out = _request_groups(conn, f, req.c.need_category_id, "need", weekday, hour)
    names = pd.read_sql_query(select(nc.c.id.label("key"), nc.c.code, nc.c.name.label("need")), conn)
    out = names.merge(out, on="key", how="inner").rename(columns={"key": "need_id"})
    return out.sort_values("need_id").reset_index(drop=True)


# ---------------------------------------------------------------- supply and demand per station


def station_supply_demand(
    conn: Connection, f: Filters, weekday: int | None = None, hour: int | None = None
) -> pd.DataFrame:
    """Per station in scope: requests from its community against the service its teams gave.

    station_id, station, community, street, lon, lat, requests, unmet, unmet_share, median_wait_h,
    p90_wait_h, hours, served, sessions, teams, requests_per_1k_hours. Slowest first.
    """
    st_, g, team = m.Station.__table__, m.Grid.__table__, m.Team.__table__
    req = m.ServiceRequest.__table__
    place = _place(st_, f)
    if place is None:  # a building group: its community's station, with that building's requests and service
        place = st_.c.community_id == f.community_id
    comm, street = g.alias("comm"), g.alias("street")
    stations = pd.read_sql_query(
        select(
            st_.c.id.label("station_id"),
            st_.c.name.label("station"),
            comm.c.name.label("community"),
            street.c.name.label("street"),
            st_.c.lon,
            st_.c.lat,
        )
        .outerjoin(comm, and_(comm.c.org_id == st_.c.community_id, comm.c.level == 3))
        .outerjoin(street, and_(street.c.org_id == st_.c.street_id, street.c.level == 2))
        .where(place)
        .order_by(st_.c.id),
        conn,
    )
    demand = _request_groups(conn, f, req.c.station_id, "station", weekday, hour).rename(columns={"key": "station_id"})
    src, where = _team_work(conn, f, weekday, hour)
    supply = pd.read_sql_query(
        select(
            src.c.station_id,
            func.sum(src.c.hours).label("hours"),
            func.sum(src.c.served).label("served"),
            func.sum(src.c.sessions).label("sessions"),
        )
        .where(*where)
        .group_by(src.c.station_id),
        conn,
    )
    teams = pd.read_sql_query(
        select(team.c.station_id, func.count().label("teams"))
        .where(team.c.station_id.in_(select(st_.c.id).where(place)), _categories(team.c.category_id, f))
        .group_by(team.c.station_id),
        conn,
    )
    out = stations.merge(demand[["station_id", "requests", "unmet", "median_wait_h", "p90_wait_h"]], how="left")
    out = out.merge(supply, how="left").merge(teams, how="left")
    counts = ["requests", "unmet", "sessions", "teams", "served"]
    out[counts] = out[counts].fillna(0).astype(int)
    out["hours"] = out["hours"].fillna(0.0).astype(float)
    out["unmet_share"] = out["unmet"] / out["requests"].where(out["requests"] > 0)
    out["requests_per_1k_hours"] = 1000 * out["requests"] / out["hours"].where(out["hours"] > 0)
    out = out.sort_values(["median_wait_h", "station_id"], ascending=[False, True], na_position="last")
    return out.reset_index(drop=True)


# ---------------------------------------------------------------- teams, stations, kitchens


def teams_by_category(conn: Connection, f: Filters) -> pd.DataFrame:
    """Teams per volunteer category in scope (building scope: teams serving its grid): category_id, code, category, teams."""
    team, cat, gt, bg = m.Team.__table__, m.VolunteerCategory.__table__, m.GridTeam.__table__, m.BuildingGroup.__table__
    if f.building_group_id:
        src = team.join(gt, gt.c.team_id == team.c.id)
        place = gt.c.grid_id == select(bg.c.grid_id).where(bg.c.id == f.building_group_id).scalar_subquery()
    else:
        src, place = team, _place(team, f)
    per = (
        select(team.c.category_id, func.count().label("teams"))
        .select_from(src)
        .where(place, _categories(team.c.category_id, f))
        .group_by(team.c.category_id)
        .subquery()
    )
    stmt = (
        select(cat.c.id.label("category_id"), cat.c.code, cat.c.name.label("category"), per.c.teams)
        .join(per, per.c.category_id == cat.c.id)
        .order_by(per.c.teams.desc(), cat.c.id)
    )
    return pd.read_sql_query(stmt, conn).astype({"teams": int})


def _team_work(conn: Connection, f: Filters, weekday: int | None, hour: int | None):
    """Service per team (team_id, station_id, hours, served, sessions): the team rollup, or, when a week
    slot is picked, the slot's raw sessions."""
    if not _slot_picked(weekday, hour):
        ru = RuServiceTeam.__table__
        return ru, [_level(ru, f), _months(ru.c.month, f), _categories(ru.c.category_id, f)]
    rec = m.ServiceRecord.__table__
    rows = select(
        rec.c.team_id,
        rec.c.station_id,
        rec.c.hours,
        rec.c.people_served.label("served"),
        literal(1).label("sessions"),
    ).where(*_records_where(conn, f, weekday, hour))
    return rows.subquery(), []


def top_teams(
    conn: Connection, f: Filters, weekday: int | None = None, hour: int | None = None, limit: int = 10
) -> pd.DataFrame:
    """The most active teams by volunteer-hours in scope: team, code, category, station, sessions, hours, served."""
    team, cat, st_ = m.Team.__table__, m.VolunteerCategory.__table__, m.Station.__table__
    src, where = _team_work(conn, f, weekday, hour)
    per = (
        select(
            src.c.team_id,
            func.sum(src.c.sessions).label("sessions"),
            func.sum(src.c.hours).label("hours"),
            func.sum(src.c.served).label("served"),
        )
        .where(*where)
        .group_by(src.c.team_id)
        .subquery()
    )
    stmt = (
        select(
            team.c.name.label("team"),
            team.c.code,
            cat.c.name.label("category"),
            cat.c.code.label("category_code"),
            st_.c.name.label("station"),
            per.c.sessions,
            per.c.hours,
            per.c.served,
        )
        .join(team, team.c.id == per.c.team_id)
        .join(cat, cat.c.id == team.c.category_id)
        .join(st_, st_.c.id == team.c.station_id)
        .order_by(per.c.hours.desc(), team.c.id)
        .limit(limit)
    )
    return pd.read_sql_query(stmt, conn).astype({"sessions": int, "hours": float, "served": int})


def kitchens(conn: Connection, f: Filters) -> pd.DataFrame:
    """Community kitchens in scope and the people they fed: name, code, community, lon, lat, opened_on, people_fed."""
    fac, g = m.Facility.__table__, m.Grid.__table__
    place = _place(fac, f)
    if place is None:
        place = fac.c.community_id == f.community_id  # a building group: its community's kitchens
    stmt = (
        select(
            fac.c.name,
            fac.c.code,
            g.c.name.label("community"),
            fac.c.lon,
            fac.c.lat,
            fac.c.opened_on,
            func.coalesce(fac.c.people_fed, 0).label("people_fed"),
        )
        .outerjoin(g, and_(g.c.org_id == fac.c.community_id, g.c.level == 3))
        .where(place, fac.c.kind == "kitchen")
        .order_by(fac.c.people_fed.desc(), fac.c.code)
    )
    out = pd.read_sql_query(stmt, conn)
    out["opened_on"] = pd.to_datetime(out["opened_on"]).dt.date
    return out.astype({"people_fed": int})


def scope_outline(conn: Connection, f: Filters) -> list[str]:
    """The schematic outline (GeoJSON Polygon text) of the place in scope; none for the whole district."""
    g, bg = m.Grid.__table__, m.BuildingGroup.__table__
    if f.building_group_id:
        where = g.c.id == select(bg.c.grid_id).where(bg.c.id == f.building_group_id).scalar_subquery()
    elif f.community_id:
        where = and_(g.c.level == 3, g.c.org_id == f.community_id)
    elif f.street_id:
        where = and_(g.c.level == 2, g.c.org_id == f.street_id)
    else:
        return []
    return [geometry for (geometry,) in conn.execute(select(g.c.geometry).where(where, g.c.geometry.is_not(None)))]


def volunteer_categories(conn: Connection) -> pd.DataFrame:
    """The 10 volunteer categories: id, code, name."""
    cat = m.VolunteerCategory.__table__
    return pd.read_sql_query(select(cat.c.id, cat.c.code, cat.c.name).order_by(cat.c.id), conn)
