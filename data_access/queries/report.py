"""Queries the briefing report (python -m report) needs beyond the pages': which organisations the
warnings name. Same rules as the other query modules: (connection, filters, ...) -> DataFrame, bound
parameters, summary tables rather than raw event rows."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, and_, case, func, select
from sqlalchemy.orm import aliased

from .. import models as m
from ..filters import Filters
from ..rollup_models import RuMeeting
from .overview import MEETING_KINDS, meeting_gap


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
