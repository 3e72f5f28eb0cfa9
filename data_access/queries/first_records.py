"""The month each flow was first recorded. A flow compared with a period before its first record would read
a system not yet in use as a rise (三会一课 are recorded from the month the information system went live,
long after the data's first day): data_access.compare leaves such a comparison out, by month.

The big registers (service records, activities, requests) are never scanned for it: their first month is the
earliest month of the district's monthly summary (ru_place_month, level 0) holding one of them, which the
summaries' refresh keeps current on live writes."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, func, select

from .. import models as m
from ..filters import month_floor
from ..rollup_models import LEVELS, RuOrgPoints, RuPlaceMonth

# which first record each flow takes (the overview's keys and the explore page's measures alike)
SOURCE = {
    "hours": "service",
    "served": "service",
    "sessions": "service",
    "activities": "activities",
    "participations": "activities",
    "compliance": "activities",  # an organisation owes its meetings from its first recorded activity
    "requests": "requests",
    "unanswered": "requests",
    "requests_done": "requests",
    "wait_median": "requests",
    "wishes": "wishes",
    "events": "events",
    "joint_meetings": "joint_meetings",
    "org_points": "points",
    "member_points": "points",
}


def _month(value) -> date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return month_floor(pd.Timestamp(value).date())


def first_records(conn: Connection) -> dict[str, date | None]:
    """Per flow (SOURCE's keys), the first day of the first month of the whole district with a record of it
    (None: none yet): for the big registers the earliest month of the district's monthly summary counting
    one, for the small ones (wishes, events, joint meetings) and the points' summary their smallest date."""
    pm = RuPlaceMonth.__table__
    district = pm.c.lvl == LEVELS["district"]
    summed = {"service": pm.c.sessions, "activities": pm.c.activities, "requests": pm.c.requests}
    first = {k: _month(conn.execute(select(func.min(pm.c.month)).where(district, c > 0)).scalar()) for k, c in summed.items()}
    cols = {
        "wishes": m.MicroWish.__table__.c.fulfilled_on,
        "events": m.ServiceEvent.__table__.c.held_on,
        "joint_meetings": m.JointMeeting.__table__.c.held_on,
        "points": RuOrgPoints.__table__.c.period,
    }
    first |= {k: _month(conn.execute(select(func.min(c))).scalar()) for k, c in cols.items()}
    return {measure: first[source] for measure, source in SOURCE.items()}
