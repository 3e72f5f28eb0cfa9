"""自助分析 (explore): one measure under the filters, broken down by up to two dimensions.

Flows (hours, requests, activities …) come from the monthly summary tables, never from the raw events;
stocks (members, organisations, building groups …) are counted in their own (small) registers as of the
data date. `explore(conn, f, measure, by)` returns one row per combination of the breakdowns: for each
breakdown a column of its key (a place's or team's id with its name beside it in `<by>_name`, a code for
coded dimensions, the first day of the period for a time grain) and `value`.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, select

from ... import models as m
from ...filters import Filters
from ..overview import _place
from .flows import _place_month, _requests, _service, _wait, _wishes
from .measures import BREAKDOWNS, MEASURES, PLACE_BY, TIME_BY, Measure, offered, pairs_with
from .registers import _compliance, _member_points, _org_points, _stock
from .shared import _finish, _grain


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
