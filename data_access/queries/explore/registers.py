"""Registers: organisations' 三会一课 and points, and stocks counted on the range's last day (the registers on
the data date, the dated spells before it)."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, Table, case, func, or_, select

from ... import history
from ... import models as m
from ...filters import Filters
from ...rollup_models import (
    RuGroupPoints,
    RuMeeting,
    RuOrgPoints,
)
from .. import stocks
from ..org import due_since, quarter_of, system_since
from ..overview import _months, _place, dataset_info, date_bounds, month_of
from .measures import MEASURES, PLACE_BY, TIME_BY
from .shared import _PLACE_COL

THREE_MEETINGS = ("branch_meeting", "committee_meeting", "group_meeting", "party_lecture")  # 三会一课
MONTHLY = ("committee_meeting", "group_meeting")  # the other two are due once a quarter


def _org_keys(o: Table, by) -> list:
    return [(o.c.kind if b == "org_kind" else o.c[_PLACE_COL[b]]).label(b) for b in by]


def _org_place(o: Table, f: Filters):
    place = _place(o, f)
    return o.c.community_id == f.community_id if place is None else place  # a building group: its community's


def _compliance(conn: Connection, f: Filters, by) -> pd.DataFrame:
    """三会一课 compliance as the organisation page counts it: of the periods each organisation (all but the
    district committee) was due to hold each of the four (committee and group meetings monthly, branch
    meetings and party lectures quarterly, every period the range touches from the month the organisation
    joined the information system), the share it held; no value where nothing was due."""
    o, ru = m.Org.__table__, RuMeeting.__table__
    period = case((ru.c.kind.in_(MONTHLY), month_of(ru.c.month, conn)), else_=quarter_of(ru.c.month, conn))
    held = (
        select(ru.c.org_id, ru.c.kind, period.label("period"))
        .where(ru.c.kind.in_(THREE_MEETINGS), _months(ru.c.month, f))
        .distinct()
        .subquery()
    )
    orgs = pd.read_sql_query(
        select(o.c.id.label("org_id"), *_org_keys(o, by)).where(_org_place(o, f), o.c.kind != "district"), conn
    )
    met = pd.read_sql_query(select(held.c.org_id, func.count().label("met")).group_by(held.c.org_id), conn)
    orgs = orgs.merge(system_since(conn), on="org_id", how="left").merge(met, on="org_id", how="left")
    orgs["met"] = orgs["met"].fillna(0)
    orgs["due"] = due_since(orgs["since"], f)
    if by:
        out = orgs.groupby(list(by), dropna=False, as_index=False)[["met", "due"]].sum()
    else:
        out = pd.DataFrame({"met": [orgs["met"].sum()], "due": [orgs["due"].sum()]})
    out["value"] = out["met"] / out["due"].where(out["due"] > 0)
    return out[[*by, "value"]]


def _org_points(conn: Connection, f: Filters, by) -> pd.DataFrame:
    """堡垒积分: the mean over the organisations in scope and the quarters in range (the register holds one
    score per organisation and quarter)."""
    o, op = m.Org.__table__, m.OrgPoints.__table__
    keys = _org_keys(o, [b for b in by if b not in TIME_BY])
    if any(b in TIME_BY for b in by):
        keys.append(op.c.period.label("month"))
    stmt = (
        select(*keys, func.avg(op.c.points).label("value"), func.count().label("n"))
        .select_from(op.join(o, o.c.id == op.c.org_id))
        .where(_org_place(o, f), op.c.period >= _quarter_floor(f.start), op.c.period <= f.end)
    )
    frame = pd.read_sql_query(stmt.group_by(*[k.element for k in keys]) if keys else stmt, conn)
    return _mean_grain(frame, by)


def _member_points(conn: Connection, f: Filters, by) -> pd.DataFrame:
    """先锋积分: the mean over the members and years in range (the points rollups: per organisation, placed
    where it is; per building group lived in, for that breakdown). `members` is the count the mean is over."""
    o = m.Org.__table__
    if "building_group" in by:
        ru, bg = RuGroupPoints.__table__, m.BuildingGroup.__table__
        join = ru.join(bg, bg.c.id == ru.c.building_group_id).join(o, o.c.id == bg.c.org_id)
        place = ru.c.building_group_id == f.building_group_id if f.building_group_id else _place(bg, f)
        cols = {"building_group": ru.c.building_group_id, "org_kind": o.c.kind}
    else:
        ru = RuOrgPoints.__table__
        join = ru.join(o, o.c.id == ru.c.org_id)
        place = _org_place(o, f)
        cols = {"street": o.c.street_id, "community": o.c.community_id, "org_kind": o.c.kind}
    keys = [cols[b].label(b) for b in by if b not in TIME_BY]
    if any(b in TIME_BY for b in by):
        keys.append(ru.c.period.label("year"))
    stmt = (
        select(*keys, func.sum(ru.c.points_sum).label("points"), func.sum(ru.c.members).label("members"))
        .select_from(join)
        .where(place, ru.c.period >= date(f.start.year, 1, 1), ru.c.period <= f.end)
    )
    frame = pd.read_sql_query(stmt.group_by(*[k.element for k in keys]) if keys else stmt, conn)
    frame["value"] = frame["points"] / frame["members"].where(frame["members"] > 0)
    if "year" in frame:
        frame["year"] = pd.to_datetime(frame["year"])
    return frame.drop(columns="points")


def _quarter_floor(day):
    return day.replace(month=3 * ((day.month - 1) // 3) + 1, day=1)


def _mean_grain(frame: pd.DataFrame, by) -> pd.DataFrame:
    """Means per quarter (with the rows `n` each is over) turned into the requested grain: a year's mean is
    its quarters' means weighted by their rows."""
    if "month" not in frame:
        return frame.drop(columns="n")
    grain = next(b for b in by if b in TIME_BY)
    month = pd.to_datetime(frame.pop("month"))
    frame[grain] = month.dt.to_period("Q" if grain == "quarter" else "Y").dt.start_time
    frame["total"] = frame["value"] * frame["n"]
    out = frame.groupby(list(by), as_index=False)[["total", "n"]].sum()
    return out.assign(value=out["total"] / out["n"])[[*by, "value"]]


# ---------------------------------------------------------------- stocks, on the range's last day


def _stock(conn: Connection, f: Filters, measure: str, by) -> pd.DataFrame:
    """A stock in scope, broken down: counted on the range's last day. On the data date (or a range running
    past it) from the registers; before it, for a stock with a dated history, from the spells open that day
    (as the overview counts it); a stock without one is the register's whatever the range."""
    past = MEASURES[measure].past
    if past is not None:
        info = dataset_info(conn)
        day = stocks.stock_day(f, date_bounds(info)[1])
        if day < date_bounds(info)[1]:
            return _spells(conn, f, past, by, day, history.history_from(info))
    o = m.Org.__table__
    if measure == "members":
        t = m.Member.__table__
        return _count(conn, f, t, by, {"org_kind": o.c.kind}, join=(o, o.c.id == t.c.org_id))
    if measure == "orgs":
        return _count(conn, f, o, by, {"org_kind": o.c.kind}, where=[o.c.kind.in_(m.GRASSROOTS_KINDS)])
    if measure == "building_groups":
        t = m.BuildingGroup.__table__
        demo = case((t.c.is_demonstration, "yes"), else_="no")
        where = [t.c.id == f.building_group_id] if f.building_group_id else []
        return _count(conn, f, t, by, {"demonstration": demo}, where=where, place_key=_bg_place)
    if measure == "volunteers":
        t = m.Volunteer.__table__
        return _count(conn, f, t, by, {"station": t.c.station_id})
    if measure == "teams":
        t = m.Team.__table__
        return _count(conn, f, t, by, {"category": t.c.category_id, "station": t.c.station_id})
    if measure == "stations":
        return _count(conn, f, m.Station.__table__, by, {})
    if measure == "people_fed":
        t = m.Facility.__table__
        return _count(
            conn, f, t, by, {}, where=[t.c.kind == "kitchen"], value=func.coalesce(func.sum(t.c.people_fed), 0)
        )
    if measure == "overdue":
        t = m.SupervisionTask.__table__
        as_of = date_bounds(dataset_info(conn))[1]
        late = [t.c.due_on < as_of, or_(t.c.completed_on.is_(None), t.c.completed_on > as_of)]
        return _count(conn, f, t, by, {"org_kind": o.c.kind}, where=late, join=(o, o.c.id == t.c.org_id))
    raise KeyError(measure)


# the registers the spells' ref_id points into, and what a non-place breakdown reads there (as today: an
# organisation's kind, a group's demonstration mark, a volunteer's station, a team's category and station)
_SPELL_REGISTER = {
    "member": m.Member.__table__,
    "org": m.Org.__table__,
    "building_group": m.BuildingGroup.__table__,
    "volunteer": m.Volunteer.__table__,
    "team": m.Team.__table__,
}


def _spells(conn: Connection, f: Filters, stock: str, by, day: date, since: date | None) -> pd.DataFrame:
    """A stock as of a past day, from its spells, grouped by the breakdowns: places as the spell held them
    that day (a member who moved counts where they were); the other breakdowns read from the register's row
    (spells of things gone before the data have none and are left out of such a breakdown). Empty when day
    is before the history begins."""
    sp = m.StockSpell.__table__
    if since is None or day < since:
        return pd.DataFrame(columns=[*by, "value"])
    t, o = _SPELL_REGISTER[stock], m.Org.__table__
    attrs = {
        "org_kind": o.c.kind,
        "demonstration": case((t.c.is_demonstration, "yes"), else_="no") if "is_demonstration" in t.c else None,
        "station": t.c.station_id if "station_id" in t.c else None,
        "category": t.c.category_id if "category_id" in t.c else None,
    }
    keys = [(sp.c[f"{b}_id"] if b in PLACE_BY else attrs[b]).label(b) for b in by]
    source = sp
    if any(b not in PLACE_BY for b in by):
        source = sp.join(t, t.c.id == sp.c.ref_id)
        if "org_kind" in by and t is not o:  # a member's organisation's kind
            source = source.join(o, o.c.id == t.c.org_id)
    place = stocks._place(f)
    if f.building_group_id and stock not in history.BY_BUILDING_GROUP:  # its community's stand in, as _count
        place = sp.c.community_id == f.community_id
    stmt = select(*keys, func.count().label("value")).select_from(source)
    stmt = stmt.where(sp.c.stock == stock, stocks.open_on(day), place)
    if keys:
        stmt = stmt.group_by(*[k.element for k in keys])
    return pd.read_sql_query(stmt, conn)


def _bg_place(t: Table, b: str):
    return t.c.id if b == "building_group" else t.c[_PLACE_COL[b]]


def _count(conn, f, t: Table, by, cols, where=(), join=None, value=None, place_key=None) -> pd.DataFrame:
    """A count (or sum) of a register's rows in scope, grouped by the breakdowns."""
    place = _place(t, f)
    if place is None:  # the register is not kept per building group: its community's rows stand in
        place = t.c.community_id == f.community_id
    keys = []
    for b in by:
        if b in PLACE_BY:
            keys.append((place_key(t, b) if place_key else t.c[_PLACE_COL[b]]).label(b))
        else:
            keys.append(cols[b].label(b))
    needs_join = join is not None and any(b == "org_kind" for b in by)
    stmt = select(*keys, (value if value is not None else func.count()).label("value"))
    if needs_join:
        stmt = stmt.select_from(t.join(*join))
    else:
        stmt = stmt.select_from(t)
    stmt = stmt.where(place, *where)
    if keys:
        stmt = stmt.group_by(*[k.element for k in keys])
    return pd.read_sql_query(stmt, conn)


# ---------------------------------------------------------------- the entry point
