"""Query layer: figures under filters, checked against independent SQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text

from data_access.filters import Filters, filters_to_params, parse_filters
from data_access.queries import overview as q


@pytest.fixture()
def conn(engine):
    with engine.connect() as c:
        yield c


@pytest.fixture()
def bounds(conn):
    return q.date_bounds(q.dataset_info(conn))


def _one(conn, sql, **params):
    return conn.execute(text(sql), params).scalar() or 0


def test_district_defaults_show_published_figures(conn, bounds):
    k = q.kpis(conn, Filters(*bounds))
    assert (k["orgs"], k["members"], k["building_groups"], k["demonstration"]) == (631, 25_218, 838, 47)
    assert (k["teams"], k["stations"], k["service_centers"], k["kitchens"]) == (264, 166, 56, 30)
    assert (k["activities"], k["participations"], k["joint_meetings"]) == (3_677, 17_807, 251)
    assert (k["street_joint"], k["community_joint"]) == (14, 107)
    assert k["grids"] == _one(conn, "SELECT count(*) FROM grid")
    assert k["volunteers"] >= 80_000 and k["wishes"] >= 2_100
    assert abs(k["hours"] - 4_600_000) <= 230_000 and abs(k["served"] - 500_000) <= 25_000


def test_street_scope_matches_independent_sql(conn, bounds):
    street = _one(conn, "SELECT id FROM org WHERE code = 'S05'")
    f = Filters(date(2015, 1, 1), date(2016, 6, 30), street_id=street)
    k = q.kpis(conn, f)
    p = {"s": street, "a": "2015-01-01", "b": "2016-06-30"}
    # stocks on the range's last day: the spells open then (members who moved since count where they were)
    held = (
        "SELECT count(*) FROM stock_spell WHERE stock = :k AND street_id = :s"
        " AND valid_from <= :b AND (valid_to IS NULL OR valid_to > :b)"
    )
    assert k["members"] == _one(conn, held, k="member", **p)
    assert k["members"] != _one(
        conn, "SELECT count(*) FROM member m JOIN org o ON o.id = m.org_id WHERE o.street_id = :s", **p
    )  # not today's register
    assert k["orgs"] == _one(conn, held, k="org", **p)
    assert k["activities"] == _one(
        conn, "SELECT count(*) FROM activity WHERE street_id = :s AND held_on BETWEEN :a AND :b", **p
    )
    hours = _one(
        conn,
        """SELECT sum(r.hours) FROM service_record r JOIN station s ON s.id = r.station_id
                          WHERE s.street_id = :s AND r.started_at >= :a AND r.started_at < '2016-07-01'""",
        **p,
    )
    assert k["hours"] == pytest.approx(float(hours))
    assert k["building_groups"] == _one(conn, held, k="building_group", **p)


def test_building_group_scope(conn, bounds):
    bg, comm, street = conn.execute(
        text("SELECT id, community_id, street_id FROM building_group WHERE is_demonstration ORDER BY id LIMIT 1")
    ).one()
    k = q.kpis(conn, Filters(*bounds, street_id=street, community_id=comm, building_group_id=bg))
    assert k["building_groups"] == 1 and k["demonstration"] == 1
    assert k["orgs"] is None and k["stations"] is None  # not meaningful for one building
    assert k["members"] == _one(conn, "SELECT count(*) FROM member WHERE building_group_id = :g", g=bg)


def test_ranking_adds_up_to_the_district(conn, bounds):
    f = Filters(*bounds)
    ranking = q.area_ranking(conn, f)
    assert len(ranking) == 17
    assert ranking["building_groups"].sum() == 838
    assert ranking["hours"].sum() == pytest.approx(q.kpis(conn, f)["hours"])
    assert ranking["members"].sum() == _one(conn, "SELECT count(*) FROM member WHERE street_id IS NOT NULL")


def test_trend_covers_every_month_and_sums(conn, bounds):
    f = Filters(*bounds)
    trend = q.monthly_trend(conn, f)
    assert len(trend) == 60
    assert trend["activities"].sum() == 3_677
    assert trend["hours"].sum() == pytest.approx(q.kpis(conn, f)["hours"])


def test_overdue_tasks(conn, bounds):
    first, as_of = bounds
    got = q.overdue_tasks(conn, Filters(first, as_of), as_of)
    want = _one(
        conn,
        "SELECT count(*) FROM supervision_task WHERE due_on < :d AND (completed_on IS NULL OR completed_on > :d)",
        d=as_of.isoformat(),
    )
    assert len(got) == want > 0
    assert (got["days_overdue"] > 0).all()


def test_parse_filters_drops_bad_values(conn, bounds):
    places = q.places(conn)
    first, last = bounds
    f, notices = parse_filters(
        {"street": "S02", "community": "S05C01", "bg": "<script>", "from": "2099-01-01", "to": "2016-13-45"},
        places,
        first,
        last,
    )
    street = int(places.streets.set_index("code").loc["S02", "id"])
    assert f == Filters(date(last.year, 1, 1), last, street_id=street)  # the dropped dates: the default range
    assert {(n.key, n.reason) for n in notices} == {
        ("community", "outside_parent"),
        ("bg", "unknown_place"),
        ("from", "out_of_range"),
        ("to", "bad_date"),
    }


def test_parse_filters_round_trips(conn, bounds):
    places = q.places(conn)
    first, last = bounds
    code = places.groups["code"].iloc[100]
    f, notices = parse_filters({"bg": code, "from": "2016-01-01"}, places, first, last)
    assert not notices and f.level == "building_group" and f.street_id and f.community_id
    assert filters_to_params(f, places, first, last) == {"bg": code, "from": "2016-01-01"}
    assert parse_filters(filters_to_params(f, places, first, last), places, first, last)[0] == f
