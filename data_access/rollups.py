"""Build the rollup tables (data_access.rollup_models) from the raw fact tables.

`rebuild(conn)` empties and refills every rollup inside the caller's transaction; the seed and the
importer call it after writing raw rows, so the two can never disagree. `refill(conn, touched)` serves
the live refresher (data_access.live.refresh): for the month × place groups a set of changes touched, it
recomputes the finest rows from the raw rows with the same source queries, then moves each coarser level
(community, street, district) by the difference between the old and the new finest rows, so its cost
follows the groups touched, not the tables. The finest rows are kept for that: level 3 (with a building
group, which the pages read) and level 4 (without one, which no page reads). Tests compare each rollup
with the same aggregate computed from the raw rows, and a refill with a rebuild.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import pandas as pd
from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Integer,
    Select,
    Table,
    and_,
    case,
    cast,
    delete,
    func,
    insert,
    inspect,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)

from . import models as m
from .live.capture import dataset_tables
from .queries.volunteers import (
    AGE_BOUNDS_H,
    CELL_DEG,
    GRID_LAT0,
    GRID_LAT1,
    GRID_LON0,
    GRID_LON1,
    STAGES,
    TRANSITIONS,
    data_cutoff,
    duration_bucket,
    floor_of,
    hour_of,
    hours_between,
    weekday_of,
)
from .rollup_models import (
    POINTS_BAND,
    ROLLUPS,
    RuGroupPoints,
    RuMeeting,
    RuOrgPoints,
    RuPlaceMonth,
    RuRequest,
    RuRequestStage,
    RuRequestStation,
    RuRequestWait,
    RuServiceCell,
    RuServiceMonth,
    RuServiceSlot,
    RuServiceTeam,
    RuTableRows,
)

PLACE = ("street_id", "community_id", "building_group_id")
FINE = (3, 4)  # the finest rows kept: with a building group (3, which pages read) and without one (4, no page)

Triple = tuple[int | None, int | None, int | None]  # street_id, community_id, building_group_id of a raw row
Months = dict[date, set[Triple]]  # the fine groups a change touched: month -> place keys


@dataclass
class Touched:
    """What a set of changes touched, per source of the summaries."""

    records: Months = field(default_factory=dict)
    activities: Months = field(default_factory=dict)
    requests: Months = field(default_factory=dict)
    orgs: set[int] = field(default_factory=set)  # members' points: organisations whose members changed
    groups: set[int] = field(default_factory=set)  # … and building groups lived in

    def empty(self) -> bool:
        return not (self.records or self.activities or self.requests or self.orgs or self.groups)

    def groups_count(self) -> int:
        """Month × place groups touched (the finest level), for the refresher's log."""
        n = sum(len(v) for months in (self.records, self.activities, self.requests) for v in months.values())
        return n + len(self.orgs) + len(self.groups)


def touch(months: Months, month: date, street: int | None, community: int | None, group: int | None) -> None:
    months.setdefault(month, set()).add((_opt(street), _opt(community), _opt(group)))


def _opt(value) -> int | None:
    return None if value is None or value != value else int(value)  # NaN != NaN


def _merged(*parts: Months) -> Months:
    out: Months = {}
    for part in parts:
        for month, triples in part.items():
            out.setdefault(month, set()).update(triples)
    return out


def month_start(col, conn: Connection):
    """The first day of the month of a date/datetime column, as a date, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return cast(func.date_trunc("month", col), Date)
    return func.date(col, "start of month")


def _next_month(d: date) -> date:
    return date(d.year + d.month // 12, d.month % 12 + 1, 1)


def _in_month(col, month: date) -> ColumnElement[bool]:
    """col (a date or datetime column) within one month, as a range on the raw column (its index serves)."""
    lo, hi = month, _next_month(month)
    if isinstance(col.type, DateTime):
        lo, hi = datetime.combine(lo, datetime.min.time()), datetime.combine(hi, datetime.min.time())
    return (col >= lo) & (col < hi)


def _place_in(table: Table, triples: Iterable[Triple]) -> ColumnElement[bool]:
    """Rows whose place keys are among triples, or a few more: the triples grouped by which keys are null,
    each group as `key IN (…)` / `key IS NULL` (index-friendly, and one compiled statement whatever the
    number of places; callers keep the exact ones)."""
    patterns: dict[tuple[bool, ...], list[set[int]]] = {}
    for triple in triples:
        sets = patterns.setdefault(tuple(v is None for v in triple), [set(), set(), set()])
        for ids, v in zip(sets, triple):
            if v is not None:
                ids.add(v)
    return or_(
        *[
            and_(
                *[
                    table.c[k].is_(None) if null else table.c[k].in_(sorted(ids))
                    for k, null, ids in zip(PLACE, nulls, sets)
                ]
            )
            for nulls, sets in patterns.items()
        ]
    )


def _in_months(col, months: Iterable[date]) -> ColumnElement[bool]:
    return or_(*[_in_month(col, mo) for mo in sorted(months)])


Where = Callable[[Table, Column], ColumnElement[bool]]  # (raw table, its time column) -> rows to read


def _everything(_table: Table, _time: Column) -> ColumnElement[bool]:
    return true()


def _fine_where(months: Months) -> Where:
    """The raw rows of the touched fine groups' months and places (a superset: the caller keeps the exact)."""

    def where(table: Table, time_col: Column) -> ColumnElement[bool]:
        return or_(*[_in_month(time_col, mo) & _place_in(table, ts) for mo, ts in sorted(months.items())])

    return where


def _exactly(frame: pd.DataFrame, months: Months) -> pd.DataFrame:
    """The rows of frame that belong to exactly the touched (month, place) groups."""
    if frame.empty:
        return frame
    keys = zip(frame["month"], *[frame[k] for k in PLACE])
    keep = [(_opt(s), _opt(c), _opt(b)) in months.get(mo, ()) for mo, s, c, b in keys]
    return frame[keep]


@dataclass(frozen=True)
class Cube:
    """A levelled rollup: its model, dimensions (month first), measures, the measures that count rows (a
    row whose counts are all zero holds nothing; none: all measures zero) and its source over the raw rows."""

    model: type
    dims: tuple[str, ...]
    measures: tuple[str, ...]
    counts: tuple[str, ...]
    source: Callable[[Connection, Where], Select]


def _cube(conn: Connection, model, source, dims: tuple[str, ...], measures: tuple[str, ...]) -> int:
    """Fill an empty `lvl` rollup from a source subquery (place keys, dims, measures): the finest rows
    first, each already at its level — with a building group (FINE[0], which pages read) or without one
    (FINE[1]: kept so a refresh can take a group's old contribution out of the coarser levels without reading
    the raw rows again) — then each coarser level summed from them; returns the rows written. On SQLite the
    table's index is built once, after the rows are in (cheaper than keeping it current row by row)."""
    t = model.__table__
    s = source
    later = list(t.indexes) if conn.dialect.name == "sqlite" else []
    for index in later:
        index.drop(conn)
    lvl = case((s.c.building_group_id.is_not(None), literal(FINE[0], Integer)), else_=literal(FINE[1], Integer))
    fine = select(
        lvl,
        *[s.c[k] for k in PLACE],
        *[s.c[d] for d in dims],
        *[func.sum(s.c[x]) for x in measures],
    ).group_by(*[s.c[k] for k in PLACE], *[s.c[d] for d in dims])
    written = conn.execute(insert(t).from_select(["lvl", *PLACE, *dims, *measures], fine)).rowcount
    finest = t.c.lvl.in_(FINE)
    for level, keys in ((0, ()), (1, PLACE[:1]), (2, PLACE[:2])):
        coarse = (
            select(
                literal(level, Integer),
                *[t.c[k] for k in keys],
                *[t.c[d] for d in dims],
                *[func.sum(t.c[x]) for x in measures],
            )
            .where(finest, *[t.c[k].is_not(None) for k in keys])
            .group_by(*[t.c[k] for k in keys], *[t.c[d] for d in dims])
        )
        written += conn.execute(insert(t).from_select(["lvl", *keys, *dims, *measures], coarse)).rowcount
    for index in later:
        index.create(conn)
    return written


def _refill_cube(conn: Connection, cube: Cube, months: Months) -> int:
    """Replace the fine rows of the touched groups from the raw rows, and move every coarser row they sum
    into by the difference (old fine rows out, new ones in); returns the rows written."""
    t = cube.model.__table__
    keys, measures = [*PLACE, *cube.dims], list(cube.measures)
    src = cube.source(conn, _fine_where(months)).subquery()
    new = select(*[src.c[k] for k in keys], *[func.sum(src.c[x]).label(x) for x in measures])
    new = _exactly(_frame(conn, new.group_by(*[src.c[k] for k in keys]), keys + measures), months)
    old = select(t.c.id, *[t.c[k] for k in keys], *[t.c[x] for x in measures]).where(
        t.c.lvl.in_(FINE), or_(*[(t.c.month == mo) & _place_in(t, ts) for mo, ts in sorted(months.items())])
    )
    old = _exactly(_frame(conn, old, ["id", *keys, *measures]), months)
    _delete_ids(conn, t, old["id"])
    written = _insert(conn, t, new.assign(lvl=np.where(new["building_group_id"].notna(), FINE[0], FINE[1])))
    delta = pd.concat([new[keys + measures], old[keys + measures].assign(**{x: -old[x] for x in measures})])
    for lvl in range(3):
        written += _move_level(conn, cube, lvl, delta)
    return written


def _move_level(conn: Connection, cube: Cube, lvl: int, delta: pd.DataFrame) -> int:
    """Add the fine rows' difference to the rows of one coarser level; rows left holding nothing go."""
    t, lk, dims, measures = cube.model.__table__, list(PLACE[:lvl]), list(cube.dims), list(cube.measures)
    sub = delta.dropna(subset=lk) if lk else delta
    if sub.empty:
        return 0
    d = sub.groupby(lk + dims, dropna=False)[measures].sum().reset_index()
    d = d[(d[measures].abs() > 1e-12).any(axis=1)]
    if d.empty:
        return 0
    per_month = []
    for mo, part in d.groupby("month"):
        places = [t.c[k].in_(sorted({int(v) for v in part[k]})) for k in lk]
        per_month.append(and_(t.c.month == mo, *places))
    where = [t.c.lvl == lvl, or_(*per_month), *[t.c[k].is_(None) for k in PLACE[lvl:]]]
    for k in dims[1:]:  # only the rows the difference reaches (a superset: the merge keeps the exact)
        within = t.c[k].in_(sorted({v for v in d[k] if v == v}))
        where.append(or_(within, t.c[k].is_(None)) if d[k].isna().any() else within)
    cur = _frame(
        conn,
        select(t.c.id, *[t.c[k] for k in lk + dims], *[t.c[x] for x in measures]).where(*where),
        ["id", *lk, *dims, *measures],
    )
    if cur.empty:
        merged = d.rename(columns={x: f"{x}_d" for x in measures}).assign(id=np.nan, **{x: 0.0 for x in measures})
    else:
        for k in lk + dims:  # the same dtype on both sides, so the keys match
            cur[k] = cur[k].astype(d[k].dtype) if d[k].dtype != object else cur[k]
        merged = d.merge(cur, on=lk + dims, how="left", suffixes=("_d", ""))
    for x in measures:
        merged[x] = merged[x].fillna(0) + merged[f"{x}_d"]
    _delete_ids(conn, t, merged["id"].dropna())
    counts = list(cube.counts) or measures
    keep = merged[(merged[counts].abs() > 1e-9).any(axis=1)]
    return _insert(conn, t, keep[lk + dims + measures].assign(lvl=lvl))


def _frame(conn: Connection, stmt, columns: list[str]) -> pd.DataFrame:
    rows = conn.execute(stmt).cursor.fetchall()  # the driver's tuples: no Row objects for thousands of rows
    frame = pd.DataFrame(rows, columns=columns)
    if "month" in frame and not frame.empty:
        frame["month"] = [v if isinstance(v, date) else date.fromisoformat(str(v)[:10]) for v in frame["month"]]
    return frame


def _delete_ids(conn: Connection, t: Table, ids) -> None:
    ids = [int(i) for i in ids]
    for i in range(0, len(ids), 5_000):
        conn.execute(delete(t).where(t.c.id.in_(ids[i : i + 5_000])))


def _insert(conn: Connection, t: Table, frame: pd.DataFrame) -> int:
    """Insert a frame's rows (missing values as NULL, whole numbers as int for integer columns)."""
    if frame.empty:
        return 0
    ints = {c.name for c in t.c if isinstance(c.type, Integer)}
    cols = list(frame.columns)
    rows = [
        {c: (None if v is None or v != v else int(v) if c in ints else v) for c, v in zip(cols, values)}
        for values in frame.itertuples(index=False, name=None)
    ]
    conn.execute(insert(t), rows)
    return len(rows)


def stale_tables(conn: Connection) -> list[str]:
    """The rollup tables that are missing or laid out differently from this version's models (a
    database built by an older version): the pages cannot read those until rebuild runs."""
    found = inspect(conn)
    names = set(found.get_table_names())
    return [
        r.__tablename__
        for r in ROLLUPS
        if r.__tablename__ not in names
        or {c["name"] for c in found.get_columns(r.__tablename__)} != set(r.__table__.c.keys())
    ]


def _fresh_tables(conn: Connection) -> None:
    """Empty rollup tables, created where missing and recreated where an older layout is found. Emptied
    rather than dropped otherwise, so a live PostgreSQL keeps serving the old figures until the commit."""
    names = set(inspect(conn).get_table_names())
    stale = set(stale_tables(conn))
    for r in ROLLUPS:
        table = r.__table__
        if table.name in names and table.name not in stale:
            conn.execute(delete(table))
            continue
        if table.name in names:  # an older layout
            table.drop(conn)
        table.create(conn)


def rebuild(conn: Connection) -> dict[str, int]:
    """Recreate and fill every rollup from the raw rows; returns the rows written per rollup."""
    _fresh_tables(conn)
    for cube in CUBES:
        _cube(conn, cube.model, cube.source(conn, _everything).subquery(), cube.dims, cube.measures)
    _meetings(conn, None)
    _points(conn, None, None)
    _table_rows(conn)
    return {r.__tablename__: conn.execute(select(func.count()).select_from(r.__table__)).scalar_one() for r in ROLLUPS}


def refill(conn: Connection, touched: Touched) -> int:
    """Recompute the rollup rows the touched groups feed (the live refresher); returns the rows written.
    Row counts (ru_table_rows) are the caller's: the refresher adds the journal's."""
    fed = {
        "records": touched.records,
        "activities": touched.activities,
        "requests": touched.requests,
    }
    n = 0
    for cube in CUBES:
        months = _merged(*[fed[name] for name in SOURCES[cube.model.__tablename__]])
        if months:
            n += _refill_cube(conn, cube, months)
    if touched.activities:
        n += _meetings(conn, set(touched.activities))
    if touched.orgs or touched.groups:
        n += _points(conn, touched.orgs, touched.groups)
    return n


# ---------------------------------------------------------------- the sources of the levelled rollups


def _record_keys(conn: Connection):
    rec = m.ServiceRecord.__table__
    return rec, [rec.c[k] for k in PLACE] + [month_start(rec.c.started_at, conn).label("month")]


def _place_month(conn: Connection, where: Where) -> Select:
    rec, keys = _record_keys(conn)
    act, req = m.Activity.__table__, m.ServiceRequest.__table__
    zero, zf = literal(0, Integer), literal(0.0)
    service = select(
        *keys,
        rec.c.hours,
        rec.c.people_served.label("served"),
        literal(1, Integer).label("sessions"),
        zero.label("activities"),
        zero.label("participants"),
        zero.label("requests"),
    ).where(where(rec, rec.c.started_at))
    activities = select(
        *[act.c[k] for k in PLACE],
        month_start(act.c.held_on, conn).label("month"),
        zf.label("hours"),
        zero.label("served"),
        zero.label("sessions"),
        literal(1, Integer).label("activities"),
        act.c.participants,
        zero.label("requests"),
    ).where(where(act, act.c.held_on))
    requests = select(
        *[req.c[k] for k in PLACE],
        month_start(req.c.ordered_at, conn).label("month"),
        zf.label("hours"),
        zero.label("served"),
        zero.label("sessions"),
        zero.label("activities"),
        zero.label("participants"),
        literal(1, Integer).label("requests"),
    ).where(where(req, req.c.ordered_at))
    return union_all(service, activities, requests)


def _by_category(conn: Connection, where: Where) -> Select:
    rec, keys = _record_keys(conn)
    return select(
        *keys,
        rec.c.category_id,
        rec.c.hours,
        rec.c.people_served.label("served"),
        literal(1, Integer).label("sessions"),
    ).where(where(rec, rec.c.started_at))


def _by_slot(conn: Connection, where: Where) -> Select:
    rec, keys = _record_keys(conn)
    return select(
        *keys,
        rec.c.category_id,
        weekday_of(rec.c.started_at, conn).label("weekday"),
        hour_of(rec.c.started_at, conn).label("hour"),
        rec.c.hours,
        rec.c.people_served.label("served"),
        literal(1, Integer).label("sessions"),
    ).where(where(rec, rec.c.started_at))


def _by_cell(conn: Connection, where: Where) -> Select:
    rec, keys = _record_keys(conn)
    inside = [rec.c.lon >= GRID_LON0, rec.c.lon < GRID_LON1, rec.c.lat >= GRID_LAT0, rec.c.lat < GRID_LAT1]
    return select(
        *keys,
        rec.c.category_id,
        floor_of((rec.c.lon - GRID_LON0) / CELL_DEG, conn).label("ix"),
        floor_of((rec.c.lat - GRID_LAT0) / CELL_DEG, conn).label("iy"),
        rec.c.hours,
        rec.c.people_served.label("served"),
    ).where(where(rec, rec.c.started_at), *inside)


def _by_team(conn: Connection, where: Where) -> Select:
    rec, keys = _record_keys(conn)
    return select(
        *keys,
        rec.c.team_id,
        rec.c.station_id,
        rec.c.category_id,
        rec.c.hours,
        rec.c.people_served.label("served"),
        literal(1, Integer).label("sessions"),
    ).where(where(rec, rec.c.started_at))


class _RequestParts:
    """The expressions every request rollup shares: stages reached, age and wait, judged at the cutoff."""

    def __init__(self, conn: Connection, where: Where):
        req = self.req = m.ServiceRequest.__table__
        self.conn = conn
        self.cutoff = literal(data_cutoff(conn), DateTime())
        self.within = where(req, req.c.ordered_at)
        self.furthest = case(
            *[(self.reached(s), i) for i, s in reversed(list(enumerate(STAGES))) if i > 0], else_=0
        ).label("stage")
        age = hours_between(req.c.ordered_at, self.cutoff, conn)
        self.age_bucket = case(
            (self.reached("done"), -1),
            *[(age < bound, i) for i, bound in enumerate(AGE_BOUNDS_H)],
            else_=len(AGE_BOUNDS_H),
        ).label("age_bucket")
        waited = case((self.reached("accepted"), self.at("accepted")), else_=self.cutoff)
        self.wait = self.bucket(req.c.ordered_at, waited).label("bucket")
        self.answered = case((self.reached("accepted"), 1), else_=0).label("answered")
        self.keys = [req.c[k] for k in PLACE] + [month_start(req.c.ordered_at, conn).label("month")]
        self.one = literal(1, Integer).label("requests")

    def at(self, stage: str):
        return self.req.c[f"{stage}_at"]

    def reached(self, stage: str):
        return (self.at(stage).is_not(None)) & (self.at(stage) < self.cutoff)

    def bucket(self, start, end):
        hours = hours_between(start, end, self.conn)
        return duration_bucket(case((hours < 0, 0.0), else_=hours), self.conn)


def _requests(conn: Connection, where: Where) -> Select:
    p = _RequestParts(conn, where)
    return select(*p.keys, p.req.c.need_category_id, p.furthest, p.age_bucket, p.one).where(p.within)


def _request_wait(conn: Connection, where: Where) -> Select:
    p = _RequestParts(conn, where)
    return select(*p.keys, p.req.c.need_category_id, p.answered, p.wait, p.one).where(p.within)


def _request_stage(conn: Connection, where: Where) -> Select:
    p = _RequestParts(conn, where)
    parts = [
        select(
            *p.keys,
            literal(i, Integer).label("transition"),
            p.bucket(p.at(a), p.at(b)).label("bucket"),
            p.one,
        ).where(p.reached(b), p.at(a).is_not(None), p.within)
        for i, (a, b) in enumerate(TRANSITIONS)
    ]
    return union_all(*parts)


def _request_station(conn: Connection, where: Where) -> Select:
    p = _RequestParts(conn, where)
    return select(*p.keys, p.req.c.station_id, p.furthest, p.wait, p.one).where(p.within)


_SVC = ("hours", "served", "sessions")
CUBES = (
    Cube(
        RuPlaceMonth,
        ("month",),
        ("hours", "served", "sessions", "activities", "participants", "requests"),
        ("sessions", "activities", "requests"),
        _place_month,
    ),
    Cube(RuServiceMonth, ("month", "category_id"), _SVC, ("sessions",), _by_category),
    Cube(RuServiceSlot, ("month", "category_id", "weekday", "hour"), _SVC, ("sessions",), _by_slot),
    Cube(RuServiceCell, ("month", "category_id", "ix", "iy"), ("hours", "served"), (), _by_cell),
    Cube(RuServiceTeam, ("month", "team_id", "station_id", "category_id"), _SVC, ("sessions",), _by_team),
    Cube(RuRequest, ("month", "need_category_id", "stage", "age_bucket"), ("requests",), ("requests",), _requests),
    Cube(RuRequestWait, ("month", "need_category_id", "answered", "bucket"), ("requests",), ("requests",), _request_wait),
    Cube(RuRequestStage, ("month", "transition", "bucket"), ("requests",), ("requests",), _request_stage),
    Cube(RuRequestStation, ("month", "station_id", "stage", "bucket"), ("requests",), ("requests",), _request_station),
)
# which raw tables (Touched's fields) feed each levelled rollup
SOURCES = {
    "ru_place_month": ("records", "activities", "requests"),
    "ru_service_month": ("records",),
    "ru_service_slot": ("records",),
    "ru_service_cell": ("records",),
    "ru_service_team": ("records",),
    "ru_request": ("requests",),
    "ru_request_wait": ("requests",),
    "ru_request_stage": ("requests",),
    "ru_request_station": ("requests",),
}


def _table_rows(conn: Connection) -> None:
    """Rows of every dataset table (the rollups, the import history and the live bookkeeping are not the
    dataset)."""
    conn.execute(delete(RuTableRows.__table__))
    tables = {t.name: t for t in m.Base.metadata.sorted_tables}
    rows = [
        {"table_name": name, "row_count": conn.execute(select(func.count()).select_from(tables[name])).scalar_one()}
        for name in dataset_tables()
    ]
    conn.execute(insert(RuTableRows.__table__), rows)


def add_table_rows(conn: Connection, deltas: dict[str, int]) -> None:
    """Move the stored row counts by what the journal says was inserted and deleted."""
    t = RuTableRows.__table__
    for name, delta in deltas.items():
        if (
            delta
            and conn.execute(update(t).where(t.c.table_name == name).values(row_count=t.c.row_count + delta)).rowcount
            == 0
        ):
            conn.execute(insert(t).values(table_name=name, row_count=delta))


def _points(conn: Connection, orgs: set[int] | None, groups: set[int] | None) -> int:
    """Members' 先锋积分 per year and band, per organisation and per building group lived in (only the
    given organisations and building groups when the refresher names them)."""
    mp, mem = m.MemberPoints.__table__, m.Member.__table__
    n = 0
    band = (floor_of(mp.c.points / POINTS_BAND, conn) * POINTS_BAND).label("band_start")
    for model, key, only in ((RuOrgPoints, mem.c.org_id, orgs), (RuGroupPoints, mem.c.building_group_id, groups)):
        t = model.__table__
        if only is not None:
            if not only:
                continue
            conn.execute(delete(t).where(t.c[key.name].in_(sorted(only))))
        keys = [mp.c.period, key, band]
        rows = (
            select(*keys, func.count(), func.sum(mp.c.points))
            .select_from(mp.join(mem, mem.c.id == mp.c.member_id))
            .where(key.is_not(None), true() if only is None else key.in_(sorted(only)))
            .group_by(*keys)
        )
        cols = ["period", key.name, "band_start", "members", "points_sum"]
        n += conn.execute(insert(t).from_select(cols, rows)).rowcount
    return n


def _meetings(conn: Connection, months: set[date] | None) -> int:
    """Party activities per organisation, kind and month (only the given months when the refresher names
    them: a month's rows are few, whatever the size of the activity table)."""
    act, t = m.Activity.__table__, RuMeeting.__table__
    within = true()
    if months is not None:
        conn.execute(delete(t).where(t.c.month.in_(sorted(months))))
        within = _in_months(act.c.held_on, months)
    keys = [act.c.org_id, act.c.building_group_id, act.c.kind, month_start(act.c.held_on, conn)]
    rows = select(*keys, func.count(), func.min(act.c.held_on), func.max(act.c.held_on)).where(within).group_by(*keys)
    cols = ["org_id", "building_group_id", "kind", "month", "meetings", "first_held_on", "last_held_on"]
    return conn.execute(insert(t).from_select(cols, rows)).rowcount
