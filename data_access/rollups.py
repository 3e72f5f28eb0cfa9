"""Build the rollup tables (data_access.rollup_models) from the raw fact tables.

`rebuild(conn)` empties and refills every rollup inside the caller's transaction; the seed and the
importer call it after writing raw rows, so the two can never disagree. Tests compare each rollup
with the same aggregate computed from the raw rows.
"""

from __future__ import annotations

from sqlalchemy import (
    Connection,
    Date,
    DateTime,
    Integer,
    case,
    cast,
    delete,
    func,
    insert,
    inspect,
    literal,
    select,
    union_all,
    update,
)

from . import models as m
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
from .vol_queries import (
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

PLACE = ("street_id", "community_id", "building_group_id")
_WORK = 9  # the finest rows, before they are split into levels


def month_start(col, conn: Connection):
    """The first day of the month of a date/datetime column, as a date, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return cast(func.date_trunc("month", col), Date)
    return func.date(col, "start of month")


def _cube(conn: Connection, model, source, dims: tuple[str, ...], measures: tuple[str, ...]) -> None:
    """Fill a `lvl` rollup from a source subquery (place keys, dims, measures): the finest rows first,
    then each coarser level summed from them."""
    t = model.__table__
    s = source
    fine = select(
        literal(_WORK, Integer),
        *[s.c[k] for k in PLACE],
        *[s.c[d] for d in dims],
        *[func.sum(s.c[x]) for x in measures],
    ).group_by(*[s.c[k] for k in PLACE], *[s.c[d] for d in dims])
    conn.execute(insert(t).from_select(["lvl", *PLACE, *dims, *measures], fine))
    work = t.c.lvl == _WORK
    for lvl, keys in ((0, ()), (1, PLACE[:1]), (2, PLACE[:2])):
        coarse = (
            select(
                literal(lvl, Integer),
                *[t.c[k] for k in keys],
                *[t.c[d] for d in dims],
                *[func.sum(t.c[x]) for x in measures],
            )
            .where(work, *[t.c[k].is_not(None) for k in keys])
            .group_by(*[t.c[k] for k in keys], *[t.c[d] for d in dims])
        )
        conn.execute(insert(t).from_select(["lvl", *keys, *dims, *measures], coarse))
    conn.execute(update(t).where(work, t.c.building_group_id.is_not(None)).values(lvl=3))
    conn.execute(delete(t).where(t.c.lvl == _WORK))


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


def _records(conn: Connection):
    rec = m.ServiceRecord.__table__
    return rec, [rec.c[k] for k in PLACE] + [month_start(rec.c.started_at, conn).label("month")]


def rebuild(conn: Connection) -> dict[str, int]:
    """Recreate and fill every rollup from the raw rows; returns the rows written per rollup."""
    _fresh_tables(conn)
    rec, keys = _records(conn)
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
    )
    activities = select(
        *[act.c[k] for k in PLACE],
        month_start(act.c.held_on, conn).label("month"),
        zf.label("hours"),
        zero.label("served"),
        zero.label("sessions"),
        literal(1, Integer).label("activities"),
        act.c.participants,
        zero.label("requests"),
    )
    requests = select(
        *[req.c[k] for k in PLACE],
        month_start(req.c.ordered_at, conn).label("month"),
        zf.label("hours"),
        zero.label("served"),
        zero.label("sessions"),
        zero.label("activities"),
        zero.label("participants"),
        literal(1, Integer).label("requests"),
    )
    place_measures = ("hours", "served", "sessions", "activities", "participants", "requests")
    _cube(conn, RuPlaceMonth, union_all(service, activities, requests).subquery(), ("month",), place_measures)

    svc = ("hours", "served", "sessions")
    by_category = select(
        *keys,
        rec.c.category_id,
        rec.c.hours,
        rec.c.people_served.label("served"),
        literal(1, Integer).label("sessions"),
    )
    _cube(conn, RuServiceMonth, by_category.subquery(), ("month", "category_id"), svc)

    by_slot = select(
        *keys,
        rec.c.category_id,
        weekday_of(rec.c.started_at, conn).label("weekday"),
        hour_of(rec.c.started_at, conn).label("hour"),
        rec.c.hours,
        rec.c.people_served.label("served"),
        literal(1, Integer).label("sessions"),
    )
    _cube(conn, RuServiceSlot, by_slot.subquery(), ("month", "category_id", "weekday", "hour"), svc)

    inside = [rec.c.lon >= GRID_LON0, rec.c.lon < GRID_LON1, rec.c.lat >= GRID_LAT0, rec.c.lat < GRID_LAT1]
    by_cell = select(
        *keys,
        rec.c.category_id,
        floor_of((rec.c.lon - GRID_LON0) / CELL_DEG, conn).label("ix"),
        floor_of((rec.c.lat - GRID_LAT0) / CELL_DEG, conn).label("iy"),
        rec.c.hours,
        rec.c.people_served.label("served"),
    ).where(*inside)
    _cube(conn, RuServiceCell, by_cell.subquery(), ("month", "category_id", "ix", "iy"), ("hours", "served"))

    by_team = select(
        *keys,
        rec.c.team_id,
        rec.c.station_id,
        rec.c.category_id,
        rec.c.hours,
        rec.c.people_served.label("served"),
        literal(1, Integer).label("sessions"),
    )
    _cube(conn, RuServiceTeam, by_team.subquery(), ("month", "team_id", "station_id", "category_id"), svc)

    _requests(conn)
    _meetings(conn)
    _points(conn)
    _table_rows(conn)
    return {r.__tablename__: conn.execute(select(func.count()).select_from(r.__table__)).scalar_one() for r in ROLLUPS}


def _table_rows(conn: Connection) -> None:
    """Rows of every dataset table (the rollups and the import history are not the dataset)."""
    rollups = {r.__tablename__ for r in ROLLUPS}
    rows = [
        {"table_name": t.name, "row_count": conn.execute(select(func.count()).select_from(t)).scalar_one()}
        for t in m.Base.metadata.sorted_tables
        if t.name not in rollups and not t.name.startswith("import_")
    ]
    conn.execute(insert(RuTableRows.__table__), rows)


def _points(conn: Connection) -> None:
    """Members' 先锋积分 per year and band, per organisation and per building group lived in."""
    mp, mem = m.MemberPoints.__table__, m.Member.__table__
    band = (floor_of(mp.c.points / POINTS_BAND, conn) * POINTS_BAND).label("band_start")
    for model, key in ((RuOrgPoints, mem.c.org_id), (RuGroupPoints, mem.c.building_group_id)):
        keys = [mp.c.period, key, band]
        rows = (
            select(*keys, func.count(), func.sum(mp.c.points))
            .select_from(mp.join(mem, mem.c.id == mp.c.member_id))
            .where(key.is_not(None))
            .group_by(*keys)
        )
        cols = ["period", key.name, "band_start", "members", "points_sum"]
        conn.execute(insert(model.__table__).from_select(cols, rows))


def _meetings(conn: Connection) -> None:
    act, t = m.Activity.__table__, RuMeeting.__table__
    keys = [act.c.org_id, act.c.building_group_id, act.c.kind, month_start(act.c.held_on, conn)]
    rows = select(*keys, func.count(), func.min(act.c.held_on), func.max(act.c.held_on)).group_by(*keys)
    cols = ["org_id", "building_group_id", "kind", "month", "meetings", "first_held_on", "last_held_on"]
    conn.execute(insert(t).from_select(cols, rows))


def _requests(conn: Connection) -> None:
    req = m.ServiceRequest.__table__
    cutoff = literal(data_cutoff(conn), DateTime())

    def at(stage: str):
        return req.c[f"{stage}_at"]

    def reached(stage: str):
        return (at(stage).is_not(None)) & (at(stage) < cutoff)

    def nonneg(hours):
        return case((hours < 0, 0.0), else_=hours)

    furthest = case(*[(reached(s), i) for i, s in reversed(list(enumerate(STAGES))) if i > 0], else_=0)
    age = hours_between(req.c.ordered_at, cutoff, conn)
    age_bucket = case(
        (reached("done"), -1), *[(age < bound, i) for i, bound in enumerate(AGE_BOUNDS_H)], else_=len(AGE_BOUNDS_H)
    )
    waited = case((reached("accepted"), at("accepted")), else_=cutoff)
    wait = duration_bucket(nonneg(hours_between(req.c.ordered_at, waited, conn)), conn)
    keys = [req.c[k] for k in PLACE] + [month_start(req.c.ordered_at, conn).label("month")]
    one = literal(1, Integer).label("requests")

    rows = select(*keys, req.c.need_category_id, furthest.label("stage"), age_bucket.label("age_bucket"), one)
    _cube(conn, RuRequest, rows.subquery(), ("month", "need_category_id", "stage", "age_bucket"), ("requests",))
    rows = select(*keys, req.c.need_category_id, wait.label("bucket"), one)
    _cube(conn, RuRequestWait, rows.subquery(), ("month", "need_category_id", "bucket"), ("requests",))
    parts = [
        select(
            *keys,
            literal(i, Integer).label("transition"),
            duration_bucket(nonneg(hours_between(at(a), at(b), conn)), conn).label("bucket"),
            one,
        ).where(reached(b), at(a).is_not(None))
        for i, (a, b) in enumerate(TRANSITIONS)
    ]
    _cube(conn, RuRequestStage, union_all(*parts).subquery(), ("month", "transition", "bucket"), ("requests",))
    rows = select(*keys, req.c.station_id, furthest.label("stage"), wait.label("bucket"), one)
    _cube(conn, RuRequestStation, rows.subquery(), ("month", "station_id", "stage", "bucket"), ("requests",))
