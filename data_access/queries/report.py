"""Queries the briefing report (python -m report) needs beyond the pages': which organisations the
warnings name. Same rules as the other query modules: (connection, filters, ...) -> DataFrame, bound
parameters, summary tables rather than raw event rows."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Connection, and_, select
from sqlalchemy.orm import aliased

from .. import models as m
from ..filters import Filters
from ..rollup_models import RuMeeting
from .overview import MEETING_GAP_DAYS, MEETING_KINDS, _place_or_community


def meeting_gap_orgs(conn: Connection, f: Filters, as_of: date) -> pd.DataFrame:
    """The community/village organisations in scope with no 三会一课 in the MEETING_GAP_DAYS up to as_of
    (the orgs overview.warning_counts counts as meeting_gaps): code, org, street, community, by code."""
    o, a, g = m.Org.__table__, RuMeeting.__table__, m.Grid.__table__
    recent = select(a.c.org_id).where(  # the same window test as warning_counts: a month's first/last day
        a.c.kind.in_(MEETING_KINDS),
        a.c.last_held_on > as_of - timedelta(days=MEETING_GAP_DAYS),
        a.c.first_held_on <= as_of,
    )
    sg, cg = aliased(g, name="sg"), aliased(g, name="cg")
    stmt = (
        select(o.c.code, o.c.name.label("org"), sg.c.name.label("street"), cg.c.name.label("community"))
        .select_from(
            o.outerjoin(sg, and_(sg.c.level == 2, sg.c.org_id == o.c.street_id)).outerjoin(
                cg, and_(cg.c.level == 3, cg.c.org_id == o.c.community_id)
            )
        )
        .where(_place_or_community(o, f), o.c.kind.in_(("community", "village")), o.c.id.not_in(recent))
        .order_by(o.c.code)
    )
    return pd.read_sql_query(stmt, conn)
