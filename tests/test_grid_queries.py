"""Grid map queries, checked against independent SQL on each backend."""

from __future__ import annotations

import json
from datetime import date

import numpy as np
import pytest
from sqlalchemy import text

from data_access.filters import Filters
from data_access.queries import grid as gq
from data_access.queries import overview as q
from seed.geo import points_in_ring


@pytest.fixture()
def conn(engine):
    with engine.connect() as c:
        yield c


@pytest.fixture()
def bounds(conn):
    return q.date_bounds(q.dataset_info(conn))


def _rows(conn, sql, **params):
    return conn.execute(text(sql), params).all()


def _one(conn, sql, **params):
    return conn.execute(text(sql), params).scalar() or 0


def _place(conn, code):
    """(street_id, community_id, building_group_id) of a place code."""
    if "B" in code:
        return tuple(_rows(conn, "SELECT street_id, community_id, id FROM building_group WHERE code = :c", c=code)[0])
    row = _rows(conn, "SELECT id, kind, street_id FROM org WHERE code = :c", c=code)[0]
    return (row[2], row[0], None) if row[1] in ("community", "village") else (row[0], None, None)


# independent staffing: leaders, grid members, and teams of the grid or any grid below it
STAFFING_SQL = """
SELECT g.id, g.code, g.level,
  (SELECT count(*) FROM grid_staff s WHERE s.grid_id = g.id AND s.role = 'leader') AS leaders,
  (SELECT count(*) FROM grid_staff s WHERE s.grid_id = g.id AND s.role = 'member') AS members,
  (SELECT count(DISTINCT t.team_id) FROM grid_team t JOIN grid c ON c.id = t.grid_id
     LEFT JOIN grid p ON p.id = c.parent_id
   WHERE c.id = g.id OR c.parent_id = g.id OR p.parent_id = g.id) AS teams
FROM grid g
"""


def test_mask_name():
    assert gq.mask_name("张三明") == "张*明"
    assert gq.mask_name("李四") == "李*"
    assert gq.mask_name("欧阳晓明") == "欧**明"
    assert gq.mask_name("王") == "*"
    assert gq.mask_name(None) == ""


def test_base_outlines_are_the_reference_district_and_its_neighbours():
    district, near = gq.base_outlines()
    assert district["features"][0]["properties"]["name"] == "二七区"
    names = {f["properties"]["name"] for f in near["features"]}
    assert {"中原区", "管城回族区", "新郑市", "新密市"} <= names
    assert "二七区" not in names and "登封市" not in names and "巩义市" not in names


def test_district_scope_shows_every_building_group_inside_the_outline(conn, bounds):
    f = Filters(*bounds)
    groups = gq.building_groups(conn, f)
    assert len(groups) == _one(conn, "SELECT count(*) FROM building_group") == 838
    assert int(groups["is_demonstration"].sum()) == 47
    assert groups["theme_name"][groups["is_demonstration"]].notna().all()
    district, _ = gq.base_outlines()
    ring = district["features"][0]["geometry"]["coordinates"][0][0]
    inside = points_in_ring(groups["lon"].to_numpy(), groups["lat"].to_numpy(), [tuple(p) for p in ring])
    assert inside.all()


def test_building_group_measures_match_independent_sql(conn, bounds):
    f = Filters(*bounds)
    groups = gq.building_groups(conn, f).set_index("code")
    staffing = {r.code: r for r in _rows(conn, STAFFING_SQL)}
    residents = dict(
        _rows(
            conn,
            "SELECT b.code, count(m.id) FROM building_group b LEFT JOIN member m ON m.building_group_id = b.id "
            "GROUP BY b.code",
        )
    )
    for code, row in groups.iterrows():
        s = staffing["G" + code]
        assert (row["leaders"], row["grid_members"], row["teams"]) == (s.leaders, s.members, s.teams), code
        assert row["score"] == (s.leaders > 0) + (s.members >= gq.MIN_GRID_MEMBERS) + (s.teams > 0)
        assert row["residents"] == residents[code]
    assert set(groups["score"]) <= {0, 1, 2, 3} and (groups["score"] < 3).any()
    # 先锋积分: residents' mean in the latest period started by the end of the range
    code = groups.index[10]
    period = _one(conn, "SELECT max(period) FROM member_points WHERE period <= :d", d=bounds[1])
    want = _one(
        conn,
        "SELECT avg(p.points) FROM member_points p JOIN member m ON m.id = p.member_id "
        "JOIN building_group b ON b.id = m.building_group_id WHERE b.code = :c AND p.period = :p",
        c=code,
        p=period,
    )
    assert groups.loc[code, "points"] == pytest.approx(float(want), abs=0.006)


@pytest.mark.parametrize("scope", ["district", "S05", "S05C03", "S05C03B02"])
def test_areas_follow_the_scope(conn, bounds, scope):
    street, community, group = (None, None, None) if scope == "district" else _place(conn, scope)
    f = Filters(*bounds, street_id=street, community_id=community, building_group_id=group)
    areas = gq.grid_areas(conn, f)
    groups = gq.building_groups(conn, f)
    if scope == "district":
        want_areas = _one(conn, "SELECT count(*) FROM grid WHERE level = 2")
        want_groups = 838
    elif community is None:
        want_areas = _one(conn, "SELECT count(*) FROM grid WHERE level = 3 AND street_id = :s", s=street)
        want_groups = _one(conn, "SELECT count(*) FROM building_group WHERE street_id = :s", s=street)
    else:  # a community, or one building group among its neighbours
        want_areas = _one(conn, "SELECT count(*) FROM grid WHERE level = 4 AND community_id = :c", c=community)
        want_groups = (
            1 if group else _one(conn, "SELECT count(*) FROM building_group WHERE community_id = :c", c=community)
        )
    assert len(areas) == want_areas and len(groups) == want_groups
    if not group:
        assert areas["building_groups"].sum() == len(groups)
        assert areas["residents"].sum() == groups["residents"].sum()
    for geom in areas["geometry"]:
        assert json.loads(geom)["type"] == "Polygon"


def test_area_completeness_is_the_mean_of_its_building_areas(conn, bounds):
    f = Filters(*bounds)
    areas = gq.grid_areas(conn, f).set_index("code")
    groups = gq.building_groups(conn, f)
    street_code = {r[0]: r[1] for r in _rows(conn, "SELECT id, code FROM org WHERE kind IN ('street', 'town')")}
    sid = _rows(conn, "SELECT code, street_id FROM building_group")
    by_code = {c: street_code[s] for c, s in sid}
    groups["street_code"] = groups["code"].map(by_code)
    for code, part in groups.groupby("street_code"):
        assert areas.loc[code, "completeness"] == pytest.approx(part["score"].mean() / 3, abs=1e-4)
        assert areas.loc[code, "demonstration"] == int(part["is_demonstration"].sum())


def test_facilities_per_scope(conn, bounds):
    fac = gq.facilities(conn, Filters(*bounds))
    assert fac["kind"].value_counts().to_dict() == {"station": 166, "service_center": 56, "kitchen": 30}
    street, _, _ = _place(conn, "S03")
    fac = gq.facilities(conn, Filters(*bounds, street_id=street))
    want = _one(conn, "SELECT count(*) FROM facility WHERE street_id = :s", s=street) + _one(
        conn, "SELECT count(*) FROM station WHERE street_id = :s", s=street
    )
    assert len(fac) == want


@pytest.mark.parametrize("scope", ["district", "S02", "S01C02"])
def test_staffing_gaps_match_independent_sql(conn, bounds, scope):
    street, community, _ = (None, None, None) if scope == "district" else _place(conn, scope)
    f = Filters(*bounds, street_id=street, community_id=community)
    got = gq.grid_staffing(conn, f)
    where = "1 = 1"
    if community:
        where = f"g.level >= 3 AND g.community_id = {int(community)}"
    elif street:
        where = f"g.level >= 2 AND g.street_id = {int(street)}"
    want = {
        r.code
        for r in _rows(conn, f"SELECT x.* FROM ({STAFFING_SQL}) x JOIN grid g ON g.id = x.id WHERE {where}")
        if r.leaders < 1 or r.members < gq.MIN_GRID_MEMBERS or r.teams < 1
    }
    assert set(got["grid_code"]) == want and len(want) > 0
    assert (got["no_leader"] | got["few_members"] | got["no_team"]).all()
    summary = gq.gap_summary(conn, f)
    assert summary["with_gaps"].sum() == len(got[got["level"] >= 2])
    assert summary["no_leader"].sum() == int(got.loc[got["level"] >= 2, "no_leader"].sum())


def test_group_detail(conn, bounds):
    f = Filters(*bounds)
    bg_id = _one(conn, "SELECT id FROM building_group WHERE code = 'S01C02B04'")
    profile = gq.group_profile(conn, f, bg_id)
    assert len(profile) == 1 and profile["is_demonstration"].iloc[0]
    assert profile["residents"].iloc[0] == _one(
        conn, "SELECT count(*) FROM member WHERE building_group_id = :b", b=bg_id
    )
    staff = gq.group_staff(conn, f, bg_id)
    names = _rows(
        conn,
        "SELECT s.role, m.name FROM grid_staff s JOIN member m ON m.id = s.member_id "
        "JOIN building_group b ON b.grid_id = s.grid_id WHERE b.id = :b",
        b=bg_id,
    )
    assert sorted(zip(staff["role"], staff["name"])) == sorted((r, gq.mask_name(n)) for r, n in names)
    assert all("*" in n for n in staff["name"])
    assert not any(n in set(staff["name"]) for _, n in names)  # no real name leaves the query layer
    teams = gq.group_teams(conn, f, bg_id)
    assert len(teams) == _one(
        conn, "SELECT count(*) FROM grid_team t JOIN building_group b ON b.grid_id = t.grid_id WHERE b.id = :b", b=bg_id
    )
    acts = gq.group_activities(conn, Filters(date(2015, 1, 1), bounds[1]), bg_id)
    assert 0 < len(acts) <= gq.RECENT_ACTIVITIES
    assert (acts["day"] >= date(2015, 1, 1)).all() and list(acts["day"]) == sorted(acts["day"], reverse=True)


def test_group_outside_the_scope_is_not_shown(conn, bounds):
    bg_id = _one(conn, "SELECT id FROM building_group WHERE code = 'S01C02B04'")
    other, _, _ = _place(conn, "S05")
    f = Filters(*bounds, street_id=other)
    assert gq.group_profile(conn, f, bg_id).empty
    assert gq.group_staff(conn, f, bg_id).empty and gq.group_activities(conn, f, bg_id).empty


def test_scope_area_and_siblings(conn, bounds):
    street, community, group = _place(conn, "S05C03B02")
    assert gq.scope_area(conn, Filters(*bounds))["level"].tolist() == [1]
    assert gq.scope_area(conn, Filters(*bounds, street_id=street))["level"].tolist() == [2]
    assert gq.scope_area(conn, Filters(*bounds, street, community))["level"].tolist() == [3]
    assert gq.scope_area(conn, Filters(*bounds, street, community, group))["level"].tolist() == [4]
    assert len(gq.sibling_areas(conn, Filters(*bounds, street_id=street))) == 16
    siblings = gq.sibling_areas(conn, Filters(*bounds, street, community))
    assert len(siblings) == _one(conn, "SELECT count(*) FROM grid WHERE level = 3 AND street_id = :s", s=street) - 1
    assert np.isfinite(siblings["center_lon"]).all()
