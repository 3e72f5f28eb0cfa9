"""The day each flow was first recorded. A flow compared with a period before its first record would read
a system not yet in use as a rise (三会一课 are recorded from the month the information system went live,
long after the data's first day): data_access.compare leaves such a comparison out."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy import Connection, func, select

from .. import models as m
from ..rollup_models import RuOrgPoints

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


def _day(value) -> date | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    return pd.Timestamp(value).date()


def first_records(conn: Connection) -> dict[str, date | None]:
    """Per flow (SOURCE's keys), the first day of the whole district with a record of it (None: none yet):
    the smallest date of its register, read off an index (the large event tables) or a small table."""
    cols = {
        "service": m.ServiceRecord.__table__.c.started_at,
        "activities": m.Activity.__table__.c.held_on,
        "requests": m.ServiceRequest.__table__.c.ordered_at,
        "wishes": m.MicroWish.__table__.c.fulfilled_on,
        "events": m.ServiceEvent.__table__.c.held_on,
        "joint_meetings": m.JointMeeting.__table__.c.held_on,
        "points": RuOrgPoints.__table__.c.period,
    }
    first = {k: _day(conn.execute(select(func.min(c))).scalar()) for k, c in cols.items()}
    return {measure: first[source] for measure, source in SOURCE.items()}
