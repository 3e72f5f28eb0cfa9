"""自助分析 (explore): one measure under the filters, broken down by up to two dimensions.

Flows (hours, requests, activities …) come from the monthly summary tables, never from the raw events;
stocks (members, organisations, building groups …) are counted in their own (small) registers as of the
data date. `explore(conn, f, measure, by)` returns one row per combination of the breakdowns: for each
breakdown a column of its key (a place's or team's id with its name beside it in `<by>_name`, a code for
coded dimensions, the first day of the period for a time grain) and `value`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
from sqlalchemy import Connection, Table, case, func, or_, select, true

from .. import models as m
from ..filters import Filters
from ..rollup_models import (
    LEVELS,
    RuGroupPoints,
    RuMeeting,
    RuOrgPoints,
    RuPlaceMonth,
    RuRequest,
    RuRequestWait,
    RuServiceMonth,
    RuServiceTeam,
)
from .org import quarter_of
from .overview import _day_range, _months, _place, dataset_info, date_bounds, month_of
from .volunteers import hist_percentiles

PLACE_BY = ("street", "community", "building_group")
TIME_BY = ("month", "quarter", "year")
OTHER_BY = ("org_kind", "activity_kind", "category", "need", "stage", "team", "station", "demonstration")
BREAKDOWNS = (*PLACE_BY, *TIME_BY, *OTHER_BY)
NAMED = frozenset({*PLACE_BY, "team", "station", "category", "need"})  # ids, with a name column beside them
ACCEPTED, DONE = m.REQUEST_STAGES.index("accepted"), m.REQUEST_STAGES.index("done")
PLACES = PLACE_BY
SERVICE_BY = (*PLACES, *TIME_BY, "category", "team", "station")


@dataclass(frozen=True)
class Measure:
    """One measure the explore page offers: where it comes from and how it may be broken down."""

    key: str
    by: tuple[str, ...]  # the breakdowns it supports
    stock: bool = False  # as of the data date: no time breakdown and no period comparison
    additive: bool = True  # a sum (a median is not: its total is not the sum of its parts)
    unit: str | None = None  # a text key for the unit


MEASURES: dict[str, Measure] = {
    m_.key: m_
    for m_ in (
        Measure("hours", SERVICE_BY, unit="unit_hours"),
        Measure("served", SERVICE_BY),
        Measure("sessions", SERVICE_BY),
        Measure("activities", (*PLACES, *TIME_BY, "org_kind", "activity_kind")),
        Measure("participations", (*PLACES, *TIME_BY)),
        Measure("requests", (*PLACES, *TIME_BY, "need", "stage")),
        Measure("unanswered", (*PLACES, *TIME_BY, "need")),
        Measure("requests_done", (*PLACES, *TIME_BY, "need")),
        Measure("wait_median", (*PLACES, *TIME_BY, "need"), additive=False, unit="unit_hours_short"),
        Measure("wishes", (*PLACES, *TIME_BY)),
        Measure("compliance", ("street", "community", "org_kind"), additive=False),
        Measure("org_points", ("street", "community", "org_kind", "quarter", "year"), additive=False),
        Measure("member_points", (*PLACES, "org_kind", "year"), additive=False),
        Measure("members", (*PLACES, "org_kind"), stock=True),
        Measure("orgs", ("street", "community", "org_kind"), stock=True),
        Measure("building_groups", (*PLACES, "demonstration"), stock=True),
        Measure("volunteers", (*PLACES, "station"), stock=True),
        Measure("teams", ("street", "community", "category", "station"), stock=True),
        Measure("stations", ("street", "community"), stock=True),
        Measure("people_fed", ("street", "community"), stock=True),
        Measure("overdue", ("street", "community", "org_kind"), stock=True),
    )
}


def offered(measure: str, f: Filters) -> tuple[str, ...]:
    """The breakdowns the measure supports under f: a place level at or above the scope's own is not a
    breakdown (it is one row), so only finer ones are offered."""
    here = LEVELS[f.level]
    return tuple(b for b in MEASURES[measure].by if b not in PLACE_BY or LEVELS[b] > here)


def pairs_with(first: str, measure: str, f: Filters) -> tuple[str, ...]:
    """The second breakdowns that go with `first`: one place level and one time grain at most (a finer
    place already names its street)."""
    clash = lambda b: b == first or (b in PLACE_BY and first in PLACE_BY) or (b in TIME_BY and first in TIME_BY)  # noqa: E731
    return tuple(b for b in offered(measure, f) if not clash(b))


# ---------------------------------------------------------------- helpers


def _place_level(f: Filters, by: tuple[str, ...]) -> int:
    """The rollup level to read: the finest of the scope and the place breakdowns."""
    return max([LEVELS[f.level], *[LEVELS[b] for b in by if b in PLACE_BY]])


_PLACE_COL = {"street": "street_id", "community": "community_id", "building_group": "building_group_id"}


def _keys(table: Table, by: tuple[str, ...], cols: dict[str, object], month=None) -> list:
    """The GROUP BY columns for the breakdowns: places, the month for a time grain, the others from cols."""
    out = []
    for b in by:
        if b in PLACE_BY:
            out.append(table.c[_PLACE_COL[b]].label(b))
        elif b in TIME_BY:
            out.append((month if month is not None else table.c.month).label("month"))
        else:
            out.append(cols[b].label(b))
    return out


def _read(conn: Connection, keys: list, value, where: list, group_extra: tuple = ()) -> pd.DataFrame:
    stmt = select(*keys, *group_extra, value.label("value")).where(*where)
    if keys or group_extra:
        stmt = stmt.group_by(*[k.element if hasattr(k, "element") else k for k in (*keys, *group_extra)])
    return pd.read_sql_query(stmt, conn)


def _grain(frame: pd.DataFrame, by: tuple[str, ...], additive: bool = True) -> pd.DataFrame:
    """Months turned into the requested time grain (the first day of each quarter or year), summed."""
    grain = next((b for b in by if b in TIME_BY), None)
    if grain is None:
        return frame
    month = pd.to_datetime(frame.pop("month"))
    if grain == "month":
        frame[grain] = month
    elif grain == "quarter":
        frame[grain] = month.dt.to_period("Q").dt.start_time
    else:
        frame[grain] = month.dt.to_period("Y").dt.start_time
    if not additive:
        return frame
    keys = [b for b in by]
    return frame.groupby(keys, as_index=False, dropna=False)["value"].sum()


def _in_scope_names(conn: Connection, b: str, f: Filters) -> pd.DataFrame:
    """id and name of every place, team or station of breakdown b inside the scope."""
    g, bg = m.Grid.__table__, m.BuildingGroup.__table__
    if b in ("street", "community"):
        level = 2 if b == "street" else 3
        stmt = select(g.c.org_id.label(b), g.c.name.label(f"{b}_name")).where(g.c.level == level, _place(g, f))
    elif b == "building_group":
        stmt = select(bg.c.id.label(b), bg.c.name.label(f"{b}_name")).where(
            _place(bg, f) if not f.building_group_id else bg.c.id == f.building_group_id
        )
    elif b in ("category", "need"):
        t = (m.VolunteerCategory if b == "category" else m.NeedCategory).__table__
        stmt = select(t.c.id.label(b), t.c.name.label(f"{b}_name"))
    else:
        t = (m.Team if b == "team" else m.Station).__table__
        place = _place(t, f)
        stmt = select(t.c.id.label(b), t.c.name.label(f"{b}_name")).where(place if place is not None else true())
    return pd.read_sql_query(stmt, conn)


def _finish(
    conn: Connection, f: Filters, frame: pd.DataFrame, by: tuple[str, ...], additive: bool = True
) -> pd.DataFrame:
    """Names beside ids, places and teams with nothing to count listed with 0 (a flow) so a place without
    activity is seen, rows in a stable order."""
    for b in by:
        if b in NAMED:
            frame = frame.dropna(subset=[b])
            frame[b] = frame[b].astype(int)
            names = _in_scope_names(conn, b, f)
            frame = frame.merge(names, on=b, how="inner")
    if len(by) == 1 and by[0] in NAMED and additive:  # every place or team in scope, 0 where nothing happened
        names = _in_scope_names(conn, by[0], f)
        frame = names.merge(frame.drop(columns=f"{by[0]}_name"), on=by[0], how="left").fillna({"value": 0.0})
    cols = [*by, *[f"{b}_name" for b in by if b in NAMED], "value", *(["members"] if "members" in frame else [])]
    frame = frame[cols]
    return frame.sort_values(list(by)).reset_index(drop=True) if by else frame.reset_index(drop=True)


# ---------------------------------------------------------------- flows from the summaries


def _levelled(conn: Connection, f: Filters, ru: Table, value, by, cols=None, where=()) -> pd.DataFrame:
    """A measure of a levelled rollup (one row per level, place and month) grouped by the breakdowns."""
    lvl = _place_level(f, by)
    keys = _keys(ru, by, cols or {})
    return _read(conn, keys, value, [ru.c.lvl == lvl, _place(ru, f), _months(ru.c.month, f), *where])


def _service(conn: Connection, f: Filters, measure: str, by) -> pd.DataFrame:
    per_team = any(b in ("team", "station") for b in by)
    ru = (RuServiceTeam if per_team else RuServiceMonth).__table__
    cols = {"category": ru.c.category_id, "team": ru.c.get("team_id"), "station": ru.c.get("station_id")}
    where = [ru.c.category_id.in_(f.categories)] if f.categories else []
    return _levelled(conn, f, ru, func.coalesce(func.sum(ru.c[measure]), 0), by, cols, where)


def _place_month(conn: Connection, f: Filters, measure: str, by) -> pd.DataFrame:
    if any(b in ("org_kind", "activity_kind") for b in by):
        return _meetings(conn, f, by)
    ru = RuPlaceMonth.__table__
    col = {"activities": "activities", "participations": "participants"}[measure]
    return _levelled(conn, f, ru, func.coalesce(func.sum(ru.c[col]), 0), by)


def _meetings(conn: Connection, f: Filters, by) -> pd.DataFrame:
    """Activities by the kind of organisation that held them or by activity kind, from the meeting rollup
    (per organisation and month): placed where the organisation is, or in the activity's building group."""
    ru, o = RuMeeting.__table__, m.Org.__table__
    keys = []
    for b in by:
        if b == "building_group":
            keys.append(ru.c.building_group_id.label(b))
        elif b in PLACE_BY:
            keys.append(o.c[_PLACE_COL[b]].label(b))
        elif b in TIME_BY:
            keys.append(ru.c.month.label("month"))
        else:
            keys.append((o.c.kind if b == "org_kind" else ru.c.kind).label(b))
    place = ru.c.building_group_id == f.building_group_id if f.building_group_id else _place(o, f)
    stmt = (
        select(*keys, func.coalesce(func.sum(ru.c.meetings), 0).label("value"))
        .select_from(ru.join(o, o.c.id == ru.c.org_id))
        .where(place, _months(ru.c.month, f))
    )
    if keys:
        stmt = stmt.group_by(*[k.element for k in keys])
    return pd.read_sql_query(stmt, conn)


def _requests(conn: Connection, f: Filters, measure: str, by) -> pd.DataFrame:
    ru = RuRequest.__table__
    cond = {"requests": true(), "unanswered": ru.c.stage < ACCEPTED, "requests_done": ru.c.stage >= DONE}[measure]
    value = func.coalesce(func.sum(case((cond, ru.c.requests), else_=0)), 0)
    frame = _levelled(conn, f, ru, value, by, {"need": ru.c.need_category_id, "stage": ru.c.stage})
    if "stage" in by:
        frame["stage"] = [m.REQUEST_STAGES[int(s)] for s in frame["stage"]]
    return frame


def _wait(conn: Connection, f: Filters, by) -> pd.DataFrame:
    """The median wait for a volunteer (hours, to within one duration bucket) per group, from the wait
    histogram: the buckets are summed per group and time grain, then the median read off."""
    ru = RuRequestWait.__table__
    lvl = _place_level(f, by)
    keys = _keys(ru, by, {"need": ru.c.need_category_id})
    hist = _read(
        conn,
        keys,
        func.sum(ru.c.requests),
        [ru.c.lvl == lvl, _place(ru, f), _months(ru.c.month, f)],
        (ru.c.bucket,),
    )
    hist = _grain(hist, by, additive=False)
    if hist.empty:
        return pd.DataFrame(columns=[*by, "value"])
    group = list(by)
    hist = hist.groupby([*group, "bucket"], as_index=False, dropna=False)["value"].sum()
    if group:
        hist["grp"] = list(zip(*[hist[c] for c in group]))
    else:
        hist["grp"] = 0
    pct = hist_percentiles(hist.rename(columns={"bucket": "bin", "value": "k"})[["grp", "bin", "k"]], (0.5,))
    out = pd.DataFrame({"grp": pct["grp"], "value": pct["p50"]})
    for i, c in enumerate(group):
        out[c] = [g[i] for g in out["grp"]]
    return out.drop(columns="grp")


def _wishes(conn: Connection, f: Filters, by) -> pd.DataFrame:
    """Micro-wishes fulfilled in range (the register is small: one row per wish)."""
    w = m.MicroWish.__table__
    place = _place(w, f)
    mon = month_of(w.c.fulfilled_on, conn)
    keys = _keys(w, by, {}, month=mon)
    frame = _read(conn, keys, func.count(), [place, _day_range(w.c.fulfilled_on, f)])
    if "month" in frame:
        frame["month"] = pd.to_datetime(frame["month"] + "-01")
    return frame


# ---------------------------------------------------------------- organisations' work: 三会一课 and points

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
    meetings and party lectures quarterly, every period the range touches), the share it held."""
    o, ru = m.Org.__table__, RuMeeting.__table__
    period = case((ru.c.kind.in_(MONTHLY), month_of(ru.c.month, conn)), else_=quarter_of(ru.c.month, conn))
    held = (
        select(ru.c.org_id, ru.c.kind, period.label("period"))
        .where(ru.c.kind.in_(THREE_MEETINGS), _months(ru.c.month, f))
        .distinct()
        .subquery()
    )
    scope = [_org_place(o, f), o.c.kind != "district"]
    keys = _org_keys(o, by)
    group = [k.element for k in keys]
    met = select(*keys, func.count().label("met")).select_from(held.join(o, o.c.id == held.c.org_id)).where(*scope)
    due = select(*keys, func.count().label("orgs")).where(*scope)
    met, due = (pd.read_sql_query(s.group_by(*group) if group else s, conn) for s in (met, due))
    months = len(pd.period_range(f.start, f.end, freq="M"))
    quarters = len(pd.period_range(f.start, f.end, freq="Q"))
    out = due.merge(met, on=list(by), how="left") if by else due.join(met)
    out["met"] = out["met"].fillna(0)
    out["value"] = out["met"] / (out["orgs"] * (2 * months + 2 * quarters))
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


# ---------------------------------------------------------------- stocks, as of the data date


def _stock(conn: Connection, f: Filters, measure: str, by) -> pd.DataFrame:
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


def explore(conn: Connection, f: Filters, measure: str, by: tuple[str, ...]) -> pd.DataFrame:
    """The measure under f broken down by `by` (at most two of explore.BREAKDOWNS that the measure
    supports; anything else raises ValueError — the page offers only what is valid)."""
    spec = MEASURES.get(measure)
    if spec is None:
        raise ValueError(f"unknown measure {measure!r}")
    by = tuple(by)
    if len(by) > 2 or len(set(by)) != len(by) or any(b not in offered(measure, f) for b in by):
        raise ValueError(f"{measure} cannot be broken down by {by}")
    if sum(b in TIME_BY for b in by) > 1 or sum(b in PLACE_BY for b in by) > 1:
        raise ValueError("one time grain and one place level at most")
    if measure in ("hours", "served", "sessions"):
        frame = _service(conn, f, measure, by)
    elif measure in ("activities", "participations"):
        frame = _place_month(conn, f, measure, by)
    elif measure in ("requests", "unanswered", "requests_done"):
        frame = _requests(conn, f, measure, by)
    elif measure == "wait_median":
        return _finish(conn, f, _wait(conn, f, by), by, additive=False)
    elif measure == "wishes":
        frame = _wishes(conn, f, by)
    elif measure in ("compliance", "org_points", "member_points"):
        fn = {"compliance": _compliance, "org_points": _org_points, "member_points": _member_points}[measure]
        frame = fn(conn, f, by)
        frame["value"] = pd.to_numeric(frame["value"]).astype(float)
        return _finish(conn, f, frame, by, additive=False)
    else:
        frame = _stock(conn, f, measure, by)
    frame = _grain(frame, by)
    frame["value"] = pd.to_numeric(frame["value"]).astype(float)
    return _finish(conn, f, frame, by)


def place_shapes(conn: Connection, f: Filters, by: str) -> pd.DataFrame:
    """What the explore map draws for a place breakdown in scope: streets' and communities' outlines
    (id, name, geometry as GeoJSON text), building groups' positions (id, name, lon, lat)."""
    g, bg = m.Grid.__table__, m.BuildingGroup.__table__
    if by == "building_group":
        where = bg.c.id == f.building_group_id if f.building_group_id else _place(bg, f)
        stmt = select(bg.c.id.label(by), bg.c.name, bg.c.lon, bg.c.lat).where(where, bg.c.lon.is_not(None))
    elif by in ("street", "community"):
        level = 2 if by == "street" else 3
        stmt = select(g.c.org_id.label(by), g.c.name, g.c.geometry, g.c.center_lon, g.c.center_lat).where(
            g.c.level == level, _place(g, f), g.c.geometry.is_not(None)
        )
    else:
        raise ValueError(f"no shapes for {by!r}")
    return pd.read_sql_query(stmt, conn)


__all__ = [
    "BREAKDOWNS",
    "MEASURES",
    "Measure",
    "PLACE_BY",
    "TIME_BY",
    "explore",
    "offered",
    "pairs_with",
    "place_shapes",
]
