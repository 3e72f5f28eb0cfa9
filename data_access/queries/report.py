"""Queries the briefing report (python -m report) needs beyond the pages': which organisations the
warnings name, and the service hours its heat map draws at a street's or a community's own scale. Same rules as the other query modules: (connection, filters, ...) -> DataFrame, bound
parameters, summary tables rather than raw event rows."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, and_, case, func, select, true
from sqlalchemy.orm import aliased

from .. import models as m
from ..filters import Filters
from ..rollup_models import LEVELS, RuMeeting, RuServiceMonth
from .overview import MEETING_KINDS, _months, _place, meeting_gap


def meeting_gap_orgs(conn: Connection, f: Filters, as_of: date) -> pd.DataFrame:
    """The community/village organisations in scope with no 三会一课 in the MEETING_GAP_DAYS up to as_of
    (the orgs overview.warning_counts counts as meeting_gaps, by the same test): code, org, street,
    community, and last_meeting (the last day one was held up to as_of, None when never), by code."""
    o, g, a = m.Org.__table__, m.Grid.__table__, RuMeeting.__table__
    sg, cg = aliased(g, name="sg"), aliased(g, name="cg")
    # a month's rollup row straddling as_of (a live dataset) says only that one was held by its first day
    held = case((a.c.last_held_on <= as_of, a.c.last_held_on), else_=a.c.first_held_on)
    last = (
        select(a.c.org_id, func.max(held).label("last_meeting"))
        .where(a.c.kind.in_(MEETING_KINDS), a.c.first_held_on <= as_of)
        .group_by(a.c.org_id)
        .subquery()
    )
    stmt = (
        select(
            o.c.code,
            o.c.name.label("org"),
            sg.c.name.label("street"),
            cg.c.name.label("community"),
            last.c.last_meeting,
        )
        .select_from(
            o.outerjoin(sg, and_(sg.c.level == 2, sg.c.org_id == o.c.street_id))
            .outerjoin(cg, and_(cg.c.level == 3, cg.c.org_id == o.c.community_id))
            .outerjoin(last, last.c.org_id == o.c.id)
        )
        .where(meeting_gap(o, f, as_of))
        .order_by(o.c.code)
    )
    out = pd.read_sql_query(stmt, conn)
    out["last_meeting"] = pd.to_datetime(out["last_meeting"]).dt.date
    return out


def _service(f: Filters, lvl: str, key):  # noqa: ANN001, ANN202 - a column, a subquery
    """Volunteer hours in the range (the filters' categories) per key, from the rollup rows of level lvl
    inside the filters' place."""
    ru = RuServiceMonth.__table__
    cats = ru.c.category_id.in_(f.categories) if f.categories else true()
    return (
        select(ru.c[key].label("key"), func.sum(ru.c.hours).label("hours"))
        .where(ru.c.lvl == LEVELS[lvl], _place(ru, f), _months(ru.c.month, f), cats)
        .group_by(ru.c[key])
        .having(func.sum(ru.c.hours) > 0)
        .subquery()
    )


def group_service(conn: Connection, f: Filters) -> pd.DataFrame:
    """The building groups in scope with volunteer hours in the range: id, code, name, lon, lat, hours,
    the most first. One row per building group (at most the 838 of the district), summed in SQL from the
    monthly rollup; service recorded at no building group is not here (area_service holds it)."""
    bg = m.BuildingGroup.__table__
    s = _service(f, "building_group", "building_group_id")
    stmt = (
        select(bg.c.id, bg.c.code, bg.c.name, bg.c.lon, bg.c.lat, s.c.hours)
        .select_from(s.join(bg, bg.c.id == s.c.key))
        .order_by(s.c.hours.desc(), bg.c.code)
    )
    out = pd.read_sql_query(stmt, conn)
    out["hours"] = out["hours"].astype(float)
    return out


def area_service(conn: Connection, f: Filters) -> pd.DataFrame:
    """Volunteer hours in the range per area one level below the scope, keyed as grid.grid_areas keys its
    areas (code): streets/towns at district scope and communities/villages inside a street (by their
    organisation's code, every hour of the area), building groups inside a community (by the group's
    code; service recorded at no building group is left out). At most a few hundred rows."""
    if f.level == "community":
        bg = m.BuildingGroup.__table__
        s = _service(f, "building_group", "building_group_id")
        stmt = select(bg.c.code, s.c.hours).select_from(s.join(bg, bg.c.id == s.c.key))
    else:
        o = m.Org.__table__
        lvl, key = ("street", "street_id") if f.level == "district" else ("community", "community_id")
        s = _service(f, lvl, key)
        stmt = select(o.c.code, s.c.hours).select_from(s.join(o, o.c.id == s.c.key))
    out = pd.read_sql_query(stmt.order_by("code"), conn)
    out["hours"] = out["hours"].astype(float)
    return out
