"""Query functions: (connection, filters) -> DataFrame. All filtering and aggregation in SQL, bound parameters.

No Streamlit here; the cached wrappers in data_access.cached are what pages call.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Table, and_, case, func, or_, select, true

from .. import history
from .. import models as m
from ..filters import Filters, Places, last_month_share, month_floor
from ..rollup_models import LEVELS, RuMeeting, RuPlaceMonth
from . import stocks

NOT_APPLICABLE = None  # a figure that has no meaning at the current scope (e.g. stations of one building)


# ---------------------------------------------------------------- scope helpers


def _place(table: Table, f: Filters) -> ColumnElement[bool] | None:
    """The WHERE clause putting a table's rows in scope; None when the table cannot be scoped that fine."""
    c = table.c
    if f.building_group_id:
        return c.building_group_id == f.building_group_id if "building_group_id" in c else None
    if f.community_id:
        return c.community_id == f.community_id
    if f.street_id:
        return c.street_id == f.street_id
    return true()


def _place_or_community(table: Table, f: Filters) -> ColumnElement[bool]:
    """Like _place, but a table without building-level rows is scoped to the building's community."""
    place = _place(table, f)
    return table.c.community_id == f.community_id if place is None else place


def _level(ru: Table, f: Filters) -> ColumnElement[bool]:
    """The rows of a levelled rollup that hold exactly the filters' place."""
    return and_(ru.c.lvl == LEVELS[f.level], _place(ru, f))


def _months(col, f: Filters) -> ColumnElement[bool]:
    """A rollup's month column inside the (whole-month) date range."""
    return and_(col >= month_floor(f.start), col <= month_floor(f.end))


def month_sum(value, month, f: Filters):
    """SUM(value) of a monthly summary over f's months (with _months); a prorated range's last month (a
    compared period ending on the same day as a month in progress) counted by day, value × days to f.end /
    days in the month (filters.last_month_share): an approximation of those days' figure, never a whole
    month set against a part of one. Without a share the plain SUM (whole months, whole numbers)."""
    share = last_month_share(f)
    if share is None:
        return func.sum(value)
    return func.sum(value * case((month == month_floor(f.end), share), else_=1.0))


def counted(f: Filters):
    """How a summed count is returned: a whole number, or a float where a prorated month makes it a part."""
    return int if last_month_share(f) is None else float


def _day_range(col, f: Filters) -> ColumnElement[bool]:
    return and_(col >= f.start, col <= f.end)


def _time_range(col, f: Filters) -> ColumnElement[bool]:
    return and_(col >= datetime.combine(f.start, time.min), col < datetime.combine(f.end + timedelta(days=1), time.min))


def month_of(col, conn: Connection):
    """'YYYY-MM' of a date/datetime column, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return func.to_char(col, "YYYY-MM")
    return func.strftime("%Y-%m", col)


def _scalar(conn: Connection, stmt) -> float | int:
    value = conn.execute(stmt).scalar()
    return value or 0


# ---------------------------------------------------------------- dataset facts and places


def dataset_info(conn: Connection) -> dict[str, str]:
    """The dataset_meta key/values (as_of, is_demo, seed, scale, source)."""
    rows = conn.execute(select(m.DatasetMeta.key, m.DatasetMeta.value)).all()
    return {k: v for k, v in rows}


def date_bounds(info: dict[str, str]) -> tuple[date, date]:
    """The five years before the as-of date: the data's whole span (the 全部 range; pages open on the year
    to the as-of date, filters.default_filters). A live dataset (other systems write it as things happen)
    is as of today."""
    as_of = date.today() if info.get("live") == "1" else date.fromisoformat(info["as_of"])
    first = date(as_of.year - 5, as_of.month, as_of.day) + timedelta(days=1)
    return first, as_of


def places(conn: Connection) -> Places:
    """Every selectable place: streets/town, communities/villages, building groups."""
    g, o, b = m.Grid.__table__, m.Org.__table__, m.BuildingGroup.__table__
    streets = pd.read_sql_query(
        select(o.c.id, o.c.code, g.c.name).join(g, and_(g.c.org_id == o.c.id, g.c.level == 2)).order_by(o.c.code),
        conn,
    )
    communities = pd.read_sql_query(
        select(o.c.id, o.c.code, g.c.name, o.c.street_id)
        .join(g, and_(g.c.org_id == o.c.id, g.c.level == 3))
        .order_by(o.c.code),
        conn,
    )
    groups = pd.read_sql_query(
        select(b.c.id, b.c.code, b.c.name, b.c.community_id, b.c.street_id).order_by(b.c.code), conn
    )
    return Places(streets, communities, groups)


# ---------------------------------------------------------------- overview


def kpis(conn: Connection, f: Filters) -> dict[str, float | int | None]:
    """Headline figures under the filters. Flows (hours, served, activities, wishes, events, requests) fall
    inside the date range (a prorated range's last month counted by day: month_sum); stocks (orgs, people,
    places) are counted on the range's last day (or the data
    date when the range runs past it): from the registers on the data date, from the dated spells before it
    (queries.stocks; None where the history does not reach). The figures without any dated history
    (history.NO_PAST) are as of the data date whatever the range."""
    o, mem, bg, grid = m.Org.__table__, m.Member.__table__, m.BuildingGroup.__table__, m.Grid.__table__
    team, station, vol = m.Team.__table__, m.Station.__table__, m.Volunteer.__table__
    wish, ev, fac, jm = m.MicroWish.__table__, m.ServiceEvent.__table__, m.Facility.__table__, m.JointMeeting.__table__
    out: dict[str, float | int | None] = {}
    info = dataset_info(conn)
    as_of = date_bounds(info)[1]
    day = stocks.stock_day(f, as_of)
    past = stocks.counts_on(conn, f, day, history.history_from(info)) if day < as_of else None

    def stock(key: str, table: Table, *conds) -> int | None:
        """A stock with a past: the register's count on the data date, else the spells' on day."""
        return past[key] if past is not None else count(table, *conds)

    def count(table: Table, *conds, what=None) -> int | None:
        place = _place(table, f)
        if place is None:
            return NOT_APPLICABLE
        return int(
            _scalar(conn, select(what if what is not None else func.count()).select_from(table).where(place, *conds))
        )

    grassroots = o.c.kind.in_(m.GRASSROOTS_KINDS)
    out["orgs"] = stock("orgs", o, grassroots)
    out["street_joint"] = count(o, o.c.kind == "street", o.c.is_joint_committee)
    out["community_joint"] = count(o, o.c.kind == "community", o.c.is_joint_committee)
    out["members"] = stock("members", mem)
    if f.building_group_id:
        out["building_groups"], out["demonstration"], out["grids"] = (
            1 if past is None else past["building_groups"],
            int(
                _scalar(
                    conn,
                    select(func.count()).select_from(bg).where(bg.c.id == f.building_group_id, bg.c.is_demonstration),
                )
            ),
            1,
        )
        out["teams"] = (
            None
            if past is not None
            else int(
                _scalar(
                    conn,
                    select(func.count())
                    .select_from(m.GridTeam.__table__)
                    .where(
                        m.GridTeam.grid_id
                        == select(bg.c.grid_id).where(bg.c.id == f.building_group_id).scalar_subquery()
                    ),
                )
            )
        )
    else:
        out["building_groups"] = stock("building_groups", bg)
        out["demonstration"] = count(bg, bg.c.is_demonstration)
        out["grids"] = int(
            _scalar(
                conn, select(func.count()).select_from(grid).where(_place(grid, f) if f.level != "district" else true())
            )
        )
        out["teams"] = stock("teams", team)
    out["stations"] = count(station)
    out["volunteers"] = stock("volunteers", vol)
    out["service_centers"] = stock("service_centers", fac, fac.c.kind == "service_center")
    out["kitchens"] = stock("kitchens", fac, fac.c.kind == "kitchen")
    out["people_fed"] = count(fac, fac.c.kind == "kitchen", what=func.coalesce(func.sum(fac.c.people_fed), 0))

    pm = RuPlaceMonth.__table__
    hours, served, n_act, n_part, n_req = conn.execute(
        select(
            *[
                func.coalesce(month_sum(pm.c[c], pm.c.month, f), 0)
                for c in ("hours", "served", "activities", "participants", "requests")
            ]
        ).where(_level(pm, f), _months(pm.c.month, f))
    ).one()
    whole = counted(f)
    out["hours"], out["served"] = float(hours), whole(served)
    out["activities"], out["participations"] = whole(n_act), whole(n_part)
    out["wishes"] = count(wish, _day_range(wish.c.fulfilled_on, f))
    out["events"] = count(ev, _day_range(ev.c.held_on, f))
    out["requests"] = whole(n_req)
    out["joint_meetings"] = count(jm, _day_range(jm.c.held_on, f))
    return out


def orgs_by_kind(conn: Connection, f: Filters) -> pd.DataFrame:
    """Grassroots organisations per kind in scope (kind, orgs)."""
    o = m.Org.__table__
    place = _place(o, f)
    if place is None:
        return pd.DataFrame({"kind": pd.Series(dtype=str), "orgs": pd.Series(dtype=int)})
    stmt = (
        select(o.c.kind, func.count().label("orgs"))
        .where(place, o.c.kind.in_(m.GRASSROOTS_KINDS))
        .group_by(o.c.kind)
        .order_by(func.count().desc())
    )
    return pd.read_sql_query(stmt, conn)


def monthly_trend(conn: Connection, f: Filters) -> pd.DataFrame:
    """Per month in range: activities, participations, volunteer hours, people served and requests."""
    pm = RuPlaceMonth.__table__
    rows = pd.read_sql_query(
        select(
            pm.c.month,
            func.sum(pm.c.activities).label("activities"),
            func.sum(pm.c.participants).label("participations"),
            func.sum(pm.c.hours).label("hours"),
            func.sum(pm.c.served).label("served"),
            func.sum(pm.c.requests).label("requests"),
        )
        .where(_level(pm, f), _months(pm.c.month, f))
        .group_by(pm.c.month),
        conn,
    )
    rows["month"] = pd.to_datetime(rows["month"]).dt.strftime("%Y-%m")
    months = pd.period_range(f.start, f.end, freq="M").strftime("%Y-%m")
    frame = pd.DataFrame({"month": months}).merge(rows, on="month", how="left").fillna(0)
    frame["month"] = pd.to_datetime(frame["month"] + "-01")
    return frame.astype({"activities": int, "participations": int, "served": int, "hours": float, "requests": int})


def area_ranking(conn: Connection, f: Filters) -> pd.DataFrame:
    """One row per street (district scope) or per community/village (street scope) with key measures: the
    flows of the date range and the stocks on its last day (as kpis)."""
    g = m.Grid.__table__
    if f.level == "district":
        key, level, where, lvl = "street_id", 2, true(), LEVELS["street"]
    elif f.level == "street":
        key, level, where, lvl = "community_id", 3, g.c.street_id == f.street_id, LEVELS["community"]
    else:
        return pd.DataFrame(
            columns=[
                "area_id",
                "area",
                "members",
                "building_groups",
                "volunteers",
                "hours",
                "served",
                "activities",
                "requests",
            ]
        )
    areas = pd.read_sql_query(
        select(g.c.org_id.label("area_id"), g.c.name.label("area")).where(g.c.level == level, where), conn
    )

    def per_area(table: Table, value, label: str, *conds) -> pd.DataFrame:
        col = table.c[key]
        return pd.read_sql_query(
            select(col.label("area_id"), value.label(label))
            .where(_place(table, f), col.is_not(None), *conds)
            .group_by(col),
            conn,
        )

    mem, bg, vol = m.Member.__table__, m.BuildingGroup.__table__, m.Volunteer.__table__
    pm = RuPlaceMonth.__table__
    col = pm.c[key]
    flows = pd.read_sql_query(
        select(
            col.label("area_id"),
            *[
                month_sum(pm.c[c], pm.c.month, f).label(label)
                for c, label in (
                    ("hours", "hours"),
                    ("served", "served"),
                    ("activities", "activities"),
                    ("requests", "requests"),
                )
            ],
        )
        .where(pm.c.lvl == lvl, _place(pm, f), _months(pm.c.month, f))
        .group_by(col),
        conn,
    )
    info = dataset_info(conn)
    as_of, since = date_bounds(info)[1], history.history_from(info)
    day = stocks.stock_day(f, as_of)
    held = {"member": "members", "building_group": "building_groups", "volunteer": "volunteers"}
    unknown = day < as_of and (since is None or day < since)  # before the history begins: no stock figures
    if day < as_of:  # the stocks on the range's last day, from the dated spells
        parts = [stocks.by_area(conn, f, day, key, held), flows]
    else:
        parts = [
            per_area(mem, func.count(), "members"),
            per_area(bg, func.count(), "building_groups"),
            per_area(vol, func.count(), "volunteers"),
            flows,
        ]
    for p in parts:
        areas = areas.merge(p, on="area_id", how="left")
    num = areas.columns.drop(["area_id", "area"])
    areas[num] = areas[num].fillna(0)
    flow = counted(f)  # a prorated month's flows are parts of whole numbers
    areas = areas.astype({c: (float if c == "hours" else flow if c in flows.columns else int) for c in num})
    if unknown:
        areas[list(held.values())] = pd.NA
        areas = areas.astype({c: "Int64" for c in held.values()})
    return areas


def overdue_tasks(conn: Connection, f: Filters, as_of: date) -> pd.DataFrame:
    """Supervision tasks past due and not completed on the as-of date, longest overdue first."""
    t, o = m.SupervisionTask.__table__, m.Org.__table__
    place = _place_or_community(t, f)  # a building group has no tasks of its own: show its community's
    stmt = (
        select(t.c.code, t.c.title, t.c.aspect, o.c.name.label("org"), t.c.due_on)
        .join(o, o.c.id == t.c.org_id)
        .where(place, t.c.due_on < as_of, or_(t.c.completed_on.is_(None), t.c.completed_on > as_of))
        .order_by(t.c.due_on, t.c.code)
    )
    frame = pd.read_sql_query(stmt, conn)
    frame["due_on"] = pd.to_datetime(frame["due_on"]).dt.date
    frame["days_overdue"] = [(as_of - d).days for d in frame["due_on"]]
    return frame


# ---------------------------------------------------------------- warnings (briefing, kiosk)

MEETING_KINDS = ("branch_meeting", "committee_meeting", "group_meeting", "party_lecture")  # 三会一课
MEETING_GAP_DAYS = 90


def meeting_gap(o: Table, f: Filters, as_of: date) -> ColumnElement[bool]:
    """The 三会一课 gap test on the org table: a community/village org in scope with no 三会一课 activity in
    the MEETING_GAP_DAYS up to as_of (a month's first and last day say whether any fell in the window)."""
    a = RuMeeting.__table__
    recent = select(a.c.org_id).where(
        a.c.kind.in_(MEETING_KINDS),
        a.c.last_held_on > as_of - timedelta(days=MEETING_GAP_DAYS),
        a.c.first_held_on <= as_of,
    )
    return and_(_place_or_community(o, f), o.c.kind.in_(("community", "village")), o.c.id.not_in(recent))


def warning_counts(conn: Connection, f: Filters, as_of: date) -> pd.DataFrame:
    """Per street/town: overdue supervision tasks, 三会一课 gaps and 1+X+Y staffing gaps in scope.

    A 三会一课 gap is a community/village org with no 三会一课 activity in the 90 days up to the as-of
    date; a staffing gap is a building-area grid without a leader, without grid members or without a
    volunteer team.
    """
    t, o = m.SupervisionTask.__table__, m.Org.__table__
    g, gs, gt = m.Grid.__table__, m.GridStaff.__table__, m.GridTeam.__table__
    streets = pd.read_sql_query(
        select(g.c.org_id.label("street_id"), g.c.name.label("street")).where(g.c.level == 2).order_by(g.c.code), conn
    )
    overdue = pd.read_sql_query(
        select(t.c.street_id, func.count().label("overdue_tasks"))
        .where(
            _place_or_community(t, f),
            t.c.due_on < as_of,
            or_(t.c.completed_on.is_(None), t.c.completed_on > as_of),
        )
        .group_by(t.c.street_id),
        conn,
    )
    gaps = pd.read_sql_query(
        select(o.c.street_id, func.count().label("meeting_gaps"))
        .where(meeting_gap(o, f, as_of))
        .group_by(o.c.street_id),
        conn,
    )
    leaders = select(gs.c.grid_id).where(gs.c.role == "leader")
    staffed = select(gs.c.grid_id).where(gs.c.role == "member")
    teamed = select(gt.c.grid_id)
    grid_scope = (
        g.c.id == select(m.BuildingGroup.grid_id).where(m.BuildingGroup.id == f.building_group_id).scalar_subquery()
        if f.building_group_id
        else _place(g, f)
    )
    staffing = pd.read_sql_query(
        select(g.c.street_id, func.count().label("staffing_gaps"))
        .where(grid_scope, g.c.level == 4, or_(g.c.id.not_in(leaders), g.c.id.not_in(staffed), g.c.id.not_in(teamed)))
        .group_by(g.c.street_id),
        conn,
    )
    out = streets
    for part in (overdue, gaps, staffing):
        out = out.merge(part, on="street_id", how="left")
    cols = ["overdue_tasks", "meeting_gaps", "staffing_gaps"]
    out[cols] = out[cols].fillna(0).astype(int)
    if f.street_id:
        out = out[out["street_id"] == f.street_id]
    return out.reset_index(drop=True)
