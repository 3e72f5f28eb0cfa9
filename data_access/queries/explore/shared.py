"""What the explore queries share: the rollup level to read, GROUP BY keys, time grains, names beside ids."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection, Table, select, true

from ... import models as m
from ...filters import Filters
from ...rollup_models import (
    LEVELS,
)
from ..overview import _place
from .measures import NAMED, PLACE_BY, TIME_BY


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
