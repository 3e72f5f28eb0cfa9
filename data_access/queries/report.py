"""Queries the briefing report (python -m report) needs beyond the pages': which organisations the
warnings name. Same rules as the other query modules: (connection, filters, ...) -> DataFrame, bound
parameters, summary tables rather than raw event rows."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, and_, select
from sqlalchemy.orm import aliased

from .. import models as m
from ..filters import Filters
from .overview import meeting_gap


def meeting_gap_orgs(conn: Connection, f: Filters, as_of: date) -> pd.DataFrame:
    """The community/village organisations in scope with no 三会一课 in the MEETING_GAP_DAYS up to as_of
    (the orgs overview.warning_counts counts as meeting_gaps, by the same test): code, org, street,
    community, by code."""
    o, g = m.Org.__table__, m.Grid.__table__
    sg, cg = aliased(g, name="sg"), aliased(g, name="cg")
    stmt = (
        select(o.c.code, o.c.name.label("org"), sg.c.name.label("street"), cg.c.name.label("community"))
        .select_from(
            o.outerjoin(sg, and_(sg.c.level == 2, sg.c.org_id == o.c.street_id)).outerjoin(
                cg, and_(cg.c.level == 3, cg.c.org_id == o.c.community_id)
            )
        )
        .where(meeting_gap(o, f, as_of))
        .order_by(o.c.code)
    )
    return pd.read_sql_query(stmt, conn)
