"""Flows from the monthly summaries: service, activities, requests, waits; and micro-wishes. Sums count a
prorated range's last month by day (overview.month_sum); the median wait reads whole months."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Table, case, func, select, true

from ... import models as m
from ...filters import Filters
from ...rollup_models import (
    RuMeeting,
    RuPlaceMonth,
    RuRequest,
    RuRequestWait,
    RuServiceMonth,
    RuServiceTeam,
)
from ..overview import _day_range, _months, _place, month_of, month_sum
from ..volunteers import hist_percentiles
from .measures import ACCEPTED, DONE, PLACE_BY, TIME_BY
from .shared import _PLACE_COL, _grain, _keys, _place_level, _read


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
    return _levelled(conn, f, ru, func.coalesce(month_sum(ru.c[measure], ru.c.month, f), 0), by, cols, where)


def _place_month(conn: Connection, f: Filters, measure: str, by) -> pd.DataFrame:
    if any(b in ("org_kind", "activity_kind") for b in by):
        return _meetings(conn, f, by)
    ru = RuPlaceMonth.__table__
    col = {"activities": "activities", "participations": "participants"}[measure]
    return _levelled(conn, f, ru, func.coalesce(month_sum(ru.c[col], ru.c.month, f), 0), by)


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
        select(*keys, func.coalesce(month_sum(ru.c.meetings, ru.c.month, f), 0).label("value"))
        .select_from(ru.join(o, o.c.id == ru.c.org_id))
        .where(place, _months(ru.c.month, f))
    )
    if keys:
        stmt = stmt.group_by(*[k.element for k in keys])
    return pd.read_sql_query(stmt, conn)


def _requests(conn: Connection, f: Filters, measure: str, by) -> pd.DataFrame:
    ru = RuRequest.__table__
    cond = {"requests": true(), "unanswered": ru.c.stage < ACCEPTED, "requests_done": ru.c.stage >= DONE}[measure]
    value = func.coalesce(month_sum(case((cond, ru.c.requests), else_=0), ru.c.month, f), 0)
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
        [ru.c.lvl == lvl, _place(ru, f), _months(ru.c.month, f), ru.c.answered == 1],  # accepted requests' waits
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
