"""The request-flow figures of the volunteer page, read from the request rollups.

Same results as the raw-row versions in data_access.queries.volunteers (which serve a picked week slot),
with wait and stage times exact to within one duration bucket. A request is judged as it stands on
the data date; the date range picks requests by the month they were ordered. A wait is the time from
order to a volunteer accepting, of the requests accepted by the data date; those never accepted are
counted as unanswered (and in the backlog by age), not as waits.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, case, func, select

from ..filters import Filters
from ..models import REQUEST_STAGES as STAGES
from ..rollup_models import LEVELS, RuRequest, RuRequestStage, RuRequestStation, RuRequestWait
from .overview import _level, _months, _place

ACCEPTED, DONE = STAGES.index("accepted"), STAGES.index("done")


def _sum_if(cond, col):
    return func.coalesce(func.sum(case((cond, col), else_=0)), 0)


def totals(conn: Connection, f: Filters) -> tuple[int, int]:
    """Requests ordered in range and those no volunteer has accepted."""
    ru = RuRequest.__table__
    n, unmet = conn.execute(
        select(func.coalesce(func.sum(ru.c.requests), 0), _sum_if(ru.c.stage < ACCEPTED, ru.c.requests)).where(
            _level(ru, f), _months(ru.c.month, f)
        )
    ).one()
    return int(n), int(unmet)


def funnel(conn: Connection, f: Filters) -> pd.DataFrame:
    """stage, requests: how many requests ordered in range reached each stage."""
    ru = RuRequest.__table__
    cols = [_sum_if(ru.c.stage >= i, ru.c.requests) for i in range(len(STAGES))]
    row = conn.execute(select(*cols).where(_level(ru, f), _months(ru.c.month, f))).one()
    return pd.DataFrame({"stage": list(STAGES), "requests": [int(v) for v in row]})


def backlog(conn: Connection, f: Filters) -> pd.DataFrame:
    """bucket, stage, requests: requests not done, by age bucket and the stage they are at."""
    ru = RuRequest.__table__
    rows = pd.read_sql_query(
        select(ru.c.age_bucket.label("bucket"), ru.c.stage, func.sum(ru.c.requests).label("requests"))
        .where(_level(ru, f), _months(ru.c.month, f), ru.c.stage < DONE)
        .group_by(ru.c.age_bucket, ru.c.stage),
        conn,
    )
    rows["stage"] = [STAGES[int(s)] for s in rows["stage"]]
    rows = rows.sort_values(["bucket", "stage"]).reset_index(drop=True)
    return rows.astype({"bucket": int, "requests": int})


def stage_histogram(conn: Connection, f: Filters) -> pd.DataFrame:
    """grp (transition index), bin, k: the histogram of the time between stages."""
    ru = RuRequestStage.__table__
    return pd.read_sql_query(
        select(ru.c.transition.label("grp"), ru.c.bucket.label("bin"), func.sum(ru.c.requests).label("k"))
        .where(_level(ru, f), _months(ru.c.month, f))
        .group_by(ru.c.transition, ru.c.bucket)
        .order_by(ru.c.transition, ru.c.bucket),
        conn,
    )


def _area_rows(ru, f: Filters):
    """The level and key column of the areas one step below the scope (or the scope's own at the bottom)."""
    if f.level == "district":
        return ru.c.lvl == LEVELS["street"], ru.c.street_id
    if f.level == "building_group":
        return ru.c.lvl == LEVELS["building_group"], ru.c.community_id
    return ru.c.lvl == LEVELS["community"], ru.c.community_id


def _counts_and_hist(conn: Connection, ru, key, bucket_table, bucket_key, where, bucket_where):
    """Counts (key, requests, accepted, done) from ru and the wait histogram (grp, bin, k) from bucket_table."""
    counts = pd.read_sql_query(
        select(
            key.label("key"),
            func.sum(ru.c.requests).label("requests"),
            _sum_if(ru.c.stage >= ACCEPTED, ru.c.requests).label("accepted"),
            _sum_if(ru.c.stage >= DONE, ru.c.requests).label("done"),
        )
        .where(*where, key.is_not(None))
        .group_by(key),
        conn,
    )
    b = bucket_table
    hist = pd.read_sql_query(
        select(bucket_key.label("grp"), b.c.bucket.label("bin"), func.sum(b.c.requests).label("k"))
        .where(*bucket_where, bucket_key.is_not(None))
        .group_by(bucket_key, b.c.bucket)
        .order_by(bucket_key, b.c.bucket),
        conn,
    )
    return counts, hist


def groups(conn: Connection, f: Filters, by: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Counts (key, requests, accepted, done) and the wait histogram (grp, bin, k) per area or per need."""
    ru, wait = RuRequest.__table__, RuRequestWait.__table__
    if by == "area":
        lvl, key = _area_rows(ru, f)
        wlvl, wkey = _area_rows(wait, f)
        where, wwhere = [lvl, _place(ru, f)], [wlvl, _place(wait, f)]
    else:
        key, wkey = ru.c.need_category_id, wait.c.need_category_id
        where, wwhere = [_level(ru, f)], [_level(wait, f)]
    where.append(_months(ru.c.month, f))
    wwhere += [_months(wait.c.month, f), wait.c.answered == 1]
    return _counts_and_hist(conn, ru, key, wait, wkey, where, wwhere)


def stations(conn: Connection, f: Filters) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per station: counts (key, requests, accepted, done) and the wait histogram (grp, bin, k)."""
    ru = RuRequestStation.__table__
    where = [_level(ru, f), _months(ru.c.month, f)]
    answered = [*where, ru.c.stage >= ACCEPTED]  # waits: of the requests a volunteer accepted
    return _counts_and_hist(conn, ru, ru.c.station_id, ru, ru.c.station_id, where, answered)
