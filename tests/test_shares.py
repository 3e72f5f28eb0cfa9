"""Issue 35, item 4: "a share never above 100 %". The shares the pages show, computed from the data, stay within
0–100 % at every street's scope and over this year and a past one: 1+X+Y completeness, unanswered requests
per area and per station, each stage of the request funnel against the requests ordered."""

from __future__ import annotations

from datetime import date

import pytest

from data_access.filters import Filters
from data_access.queries import grid, volunteers
from data_access.queries import overview as q


@pytest.fixture()
def db_url(sqlite_url):
    """One backend: what is checked is the arithmetic of the shares, proven per backend elsewhere."""
    return sqlite_url


def _scopes(conn) -> list[Filters]:
    streets = q.places(conn).streets["id"].tolist()
    out = []
    for start, end in ((date(2017, 1, 1), date(2017, 9, 30)), (date(2015, 1, 1), date(2015, 12, 31))):
        out.append(Filters(start, end))
        out += [Filters(start, end, street_id=s) for s in streets]
    return out


def _within(values, name: str, f: Filters) -> int:
    shown = [float(v) for v in values if v == v]  # NaN: nothing to share (no requests, no grids)
    assert all(0 <= v <= 1 for v in shown), (name, f, [v for v in shown if not 0 <= v <= 1][:5])
    return len(shown)


def test_every_share_shown_stays_within_0_and_100_percent(engine):
    checked = 0
    with engine.connect() as conn:
        for f in _scopes(conn):
            checked += _within(grid.grid_areas(conn, f)["completeness"], "1+X+Y completeness", f)
            checked += _within(volunteers.requests_by_area(conn, f)["unmet_share"], "unanswered by area", f)
            checked += _within(volunteers.station_supply_demand(conn, f)["unmet_share"], "unanswered by station", f)
            funnel = volunteers.request_funnel(conn, f)["requests"].tolist()
            assert funnel == sorted(funnel, reverse=True), (f, funnel)  # a stage reached by no more than the one before
            if funnel[0]:
                checked += _within([n / funnel[0] for n in funnel], "funnel", f)
    assert checked > 500  # every street, two years: the check ran over real rows
