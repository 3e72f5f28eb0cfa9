"""Grid map queries: grid areas, building groups, facilities, 1+X+Y staffing gaps and one group's detail.

Every function takes (connection, filters, ...) and returns a DataFrame shaped for the map page; all
filtering and aggregation happen in SQL. Person names are masked here, before they leave this layer.
"""

from __future__ import annotations

from functools import lru_cache

import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    Integer,
    and_,
    case,
    cast,
    func,
    literal,
    or_,
    select,
    true,
    type_coerce,
    union,
)
from sqlalchemy.orm import aliased

import geo

from .. import models as m
from ..filters import Filters
from ..rollup_models import RuGroupPoints
from .overview import _day_range, _place, _time_range

MIN_GRID_MEMBERS = 1  # "若干名网格员": a grid needs at least one grid member besides its leader
NEIGHBOUR_MARGIN = 0.1  # degrees around the district's box within which a neighbouring district is drawn
RECENT_ACTIVITIES = 8

bg_t, grid_t, staff_t, gteam_t = (
    m.BuildingGroup.__table__,
    m.Grid.__table__,
    m.GridStaff.__table__,
    m.GridTeam.__table__,
)
mem_t, org_t = m.Member.__table__, m.Org.__table__


def mask_name(name: str | None) -> str:
    """张三明 -> 张*明, 李四 -> 李*: the first and last character stay, the rest become stars."""
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# ---------------------------------------------------------------- the offline base map


@lru_cache(maxsize=1)
def base_outlines() -> tuple[dict, dict]:
    """The district outline and the neighbouring districts near it (GeoJSON, WGS-84), from the reference files."""
    district = geo.outline(geo.DISTRICT)
    city = geo.outline(geo.CITY)
    lo, hi = _bbox(district["features"][0]["geometry"])
    near = []
    for feat in city["features"]:
        if feat["properties"].get("name") == district["features"][0]["properties"].get("name"):
            continue
        flo, fhi = _bbox(feat["geometry"])
        if (
            flo[0] <= hi[0] + NEIGHBOUR_MARGIN
            and fhi[0] >= lo[0] - NEIGHBOUR_MARGIN
            and flo[1] <= hi[1] + NEIGHBOUR_MARGIN
            and fhi[1] >= lo[1] - NEIGHBOUR_MARGIN
        ):
            near.append(feat)
    return district, {"type": "FeatureCollection", "features": near}


def _bbox(geometry: dict) -> tuple[tuple[float, float], tuple[float, float]]:
    xs, ys = [], []

    def walk(c) -> None:
        if c and isinstance(c[0], (int, float)):
            xs.append(c[0])
            ys.append(c[1])
        else:
            for part in c:
                walk(part)

    walk(geometry["coordinates"])
    return (min(xs), min(ys)), (max(xs), max(ys))


# ---------------------------------------------------------------- scope helpers


def _groups_in_scope(f: Filters) -> ColumnElement[bool]:
    """Building groups under the place filter (the building_group table has no building_group_id column)."""
    if f.building_group_id:
        return bg_t.c.id == f.building_group_id
    return _place(bg_t, f)


def _area_level(f: Filters) -> int:
    """Grid level drawn as areas: streets at district scope, communities in a street, building areas below."""
    return {"district": 2, "street": 3}.get(f.level, 4)


def _grid_staffing():
    """Per grid: leaders, grid members and volunteer teams (its own and those of the grids below it)."""
    staff = (
        select(
            staff_t.c.grid_id,
            func.sum(case((staff_t.c.role == "leader", 1), else_=0)).label("leaders"),
            func.sum(case((staff_t.c.role == "member", 1), else_=0)).label("grid_members"),
        )
        .group_by(staff_t.c.grid_id)
        .subquery("staff")
    )
    child, parent = aliased(grid_t), aliased(grid_t)
    pairs = union(
        select(gteam_t.c.grid_id, gteam_t.c.team_id),
        select(child.c.parent_id.label("grid_id"), gteam_t.c.team_id)
        .join(child, child.c.id == gteam_t.c.grid_id)
        .where(child.c.parent_id.is_not(None)),
        select(parent.c.parent_id.label("grid_id"), gteam_t.c.team_id)
        .join(child, child.c.id == gteam_t.c.grid_id)
        .join(parent, parent.c.id == child.c.parent_id)
        .where(parent.c.parent_id.is_not(None)),
    ).subquery("pairs")
    teams = select(pairs.c.grid_id, func.count().label("teams")).group_by(pairs.c.grid_id).subquery("teams")
    return staff, teams


def _score(leaders, grid_members, teams):
    """How many of the three 1+X+Y checks a grid meets (0-3)."""
    return (
        case((leaders > 0, 1), else_=0)
        + case((grid_members >= MIN_GRID_MEMBERS, 1), else_=0)
        + case((teams > 0, 1), else_=0)
    )


def _group_stats(f: Filters):
    """Per building group in scope: residents, 1+X+Y staffing, and 先锋积分 of its residents (a subquery)."""
    scope = _groups_in_scope(f)
    ids = select(bg_t.c.id).where(scope)
    residents = (
        select(mem_t.c.building_group_id.label("bg_id"), func.count().label("residents"))
        .where(mem_t.c.building_group_id.in_(ids))
        .group_by(mem_t.c.building_group_id)
        .subquery("residents")
    )
    # member points are yearly: the latest period that has started by the end of the date range, summed
    # per building group from the member-points rollup
    gp = RuGroupPoints.__table__
    period = select(func.max(gp.c.period)).where(gp.c.period <= f.end).scalar_subquery()
    points = (
        select(
            gp.c.building_group_id.label("bg_id"),
            func.sum(gp.c.points_sum).label("points_sum"),
            func.sum(gp.c.members).label("points_n"),
        )
        .where(gp.c.period == period, gp.c.building_group_id.in_(ids))
        .group_by(gp.c.building_group_id)
        .subquery("points")
    )
    staff, teams = _grid_staffing()
    leaders = func.coalesce(staff.c.leaders, 0)
    grid_members = func.coalesce(staff.c.grid_members, 0)
    n_teams = func.coalesce(teams.c.teams, 0)
    return (
        select(
            bg_t.c.id.label("bg_id"),
            bg_t.c.grid_id,
            bg_t.c.street_id,
            bg_t.c.community_id,
            cast(bg_t.c.is_demonstration, Integer).label("demo"),
            func.coalesce(residents.c.residents, 0).label("residents"),
            leaders.label("leaders"),
            grid_members.label("grid_members"),
            n_teams.label("teams"),
            _score(leaders, grid_members, n_teams).label("score"),
            points.c.points_sum,
            func.coalesce(points.c.points_n, 0).label("points_n"),
        )
        .select_from(
            bg_t.outerjoin(residents, residents.c.bg_id == bg_t.c.id)
            .outerjoin(points, points.c.bg_id == bg_t.c.id)
            .outerjoin(staff, staff.c.grid_id == bg_t.c.grid_id)
            .outerjoin(teams, teams.c.grid_id == bg_t.c.grid_id)
        )
        .where(scope)
        .subquery("gs")
    )


def _place_names():
    """Aliases of the grid table giving street and community place names (淮河路街道, 王庄社区)."""
    sg, cg = aliased(grid_t, name="sg"), aliased(grid_t, name="cg")
    return sg, cg


# ---------------------------------------------------------------- map layers


def scope_area(conn: Connection, f: Filters) -> pd.DataFrame:
    """The grid of the current scope itself (district, street, community or building area): one row."""
    g = grid_t
    if f.building_group_id:
        where = g.c.id == select(bg_t.c.grid_id).where(bg_t.c.id == f.building_group_id).scalar_subquery()
    elif f.community_id:
        where = and_(g.c.level == 3, g.c.org_id == f.community_id)
    elif f.street_id:
        where = and_(g.c.level == 2, g.c.org_id == f.street_id)
    else:
        where = g.c.level == 1
    stmt = select(g.c.id.label("grid_id"), g.c.name, g.c.level, g.c.geometry, g.c.center_lon, g.c.center_lat).where(
        where
    )
    return pd.read_sql_query(stmt, conn)


def sibling_areas(conn: Connection, f: Filters) -> pd.DataFrame:
    """The areas beside the scope, drawn faintly for orientation: other streets around a street, other
    communities of the street around a community (name, geometry, centre). Empty at district scope and
    for a single building group, whose neighbours are already the map's areas."""
    g = grid_t
    if f.level == "street":
        where = and_(g.c.level == 2, g.c.org_id != f.street_id)
    elif f.level == "community":
        where = and_(g.c.level == 3, g.c.street_id == f.street_id, g.c.org_id != f.community_id)
    else:
        where = literal(False)
    stmt = select(g.c.name, g.c.geometry, g.c.center_lon, g.c.center_lat).where(where).order_by(g.c.code)
    return pd.read_sql_query(stmt, conn)


def grid_areas(conn: Connection, f: Filters) -> pd.DataFrame:
    """The grid areas drawn for the scope, one row each, with the building groups' measures aggregated inside.

    Streets at district scope, communities/villages inside a street, building areas inside a community
    (and around a single building group). Measures: building groups, demonstration buildings, residents,
    residents per group, 1+X+Y completeness (share of the checks met by its building-area grids), 先锋积分
    of residents, and the area grid's own leaders, grid members and teams.
    """
    level = _area_level(f)
    gs = _group_stats(f if level != 4 or not f.building_group_id else _community_of(f))
    g = grid_t
    staff, teams = _grid_staffing()
    key = {2: gs.c.street_id, 3: gs.c.community_id, 4: gs.c.grid_id}[level]
    agg = (
        select(
            key.label("key"),
            func.count().label("building_groups"),
            func.sum(gs.c.demo).label("demonstration"),
            func.sum(gs.c.residents).label("residents"),
            func.avg(gs.c.score * 1.0).label("score"),
            func.sum(gs.c.points_sum).label("points_sum"),
            func.sum(gs.c.points_n).label("points_n"),
        )
        .group_by(key)
        .subquery("agg")
    )
    if level == 2:
        where, join_key, code, name = g.c.level == 2, g.c.org_id, org_t.c.code, g.c.name
    elif level == 3:
        where = and_(g.c.level == 3, g.c.street_id == f.street_id)
        join_key, code, name = g.c.org_id, org_t.c.code, g.c.name
    else:  # a building area carries its group's name (demonstration buildings have their own)
        where = and_(g.c.level == 4, g.c.community_id == f.community_id)
        join_key, code, name = g.c.id, bg_t.c.code, bg_t.c.name
    code_join = (org_t, org_t.c.id == g.c.org_id) if level in (2, 3) else (bg_t, bg_t.c.grid_id == g.c.id)
    sg, cg = _place_names()
    stmt = (
        select(
            g.c.id.label("grid_id"),
            code.label("code"),
            name.label("name"),
            g.c.level,
            sg.c.name.label("street"),
            g.c.geometry,
            g.c.center_lon,
            g.c.center_lat,
            func.coalesce(agg.c.building_groups, 0).label("building_groups"),
            func.coalesce(agg.c.demonstration, 0).label("demonstration"),
            func.coalesce(agg.c.residents, 0).label("residents"),
            agg.c.score,
            agg.c.points_sum,
            agg.c.points_n,
            func.coalesce(staff.c.leaders, 0).label("leaders"),
            func.coalesce(staff.c.grid_members, 0).label("grid_members"),
            func.coalesce(teams.c.teams, 0).label("teams"),
        )
        .select_from(
            g.join(*code_join)
            .outerjoin(agg, agg.c.key == join_key)
            .outerjoin(staff, staff.c.grid_id == g.c.id)
            .outerjoin(teams, teams.c.grid_id == g.c.id)
            .outerjoin(sg, and_(sg.c.level == 2, sg.c.org_id == g.c.street_id))
        )
        .where(where)
        .order_by(code)
    )
    return _finish_measures(pd.read_sql_query(stmt, conn)).drop(columns="score")


def _community_of(f: Filters) -> Filters:
    """The same filters widened from one building group to its community (its neighbours give context)."""
    return Filters(f.start, f.end, f.street_id, f.community_id, None, f.categories)


def _finish_measures(df: pd.DataFrame) -> pd.DataFrame:
    """Turn summed parts into the shown measures: residents per group, completeness share, mean points."""
    n = df["building_groups"].where(df["building_groups"] > 0)
    df["per_group"] = (df["residents"] / n).astype(float)
    df["completeness"] = (df["score"].astype(float) / 3).round(4)
    pn = df["points_n"].fillna(0)
    df["points"] = (df["points_sum"].astype(float) / pn.where(pn > 0)).round(2)
    df = df.drop(columns=["points_sum", "points_n"])
    ints = ["building_groups", "demonstration", "residents", "leaders", "grid_members", "teams"]
    return df.astype({c: int for c in ints})


def building_groups(conn: Connection, f: Filters) -> pd.DataFrame:
    """Every building group in scope with its position, place names, residents, 1+X+Y staffing and points."""
    gs = _group_stats(f)
    sg, cg = _place_names()
    stmt = (
        select(
            bg_t.c.id,
            bg_t.c.code,
            bg_t.c.name,
            sg.c.name.label("street"),
            cg.c.name.label("community"),
            bg_t.c.lon,
            bg_t.c.lat,
            bg_t.c.households,
            bg_t.c.is_demonstration,
            bg_t.c.theme_name,
            gs.c.residents,
            gs.c.leaders,
            gs.c.grid_members,
            gs.c.teams,
            gs.c.score,
            gs.c.points_sum,
            gs.c.points_n,
        )
        .select_from(
            bg_t.join(gs, gs.c.bg_id == bg_t.c.id)
            .outerjoin(sg, and_(sg.c.level == 2, sg.c.org_id == bg_t.c.street_id))
            .outerjoin(cg, and_(cg.c.level == 3, cg.c.org_id == bg_t.c.community_id))
        )
        .order_by(bg_t.c.code)
    )
    df = pd.read_sql_query(stmt, conn)
    df["is_demonstration"] = df["is_demonstration"].astype(bool)
    df["building_groups"] = 1
    df = _finish_measures(df.assign(demonstration=df["is_demonstration"].astype(int)))
    df["per_group"] = df["residents"].astype(float)
    return df.drop(columns=["building_groups", "demonstration"]).astype({"score": int})


def facilities(conn: Connection, f: Filters) -> pd.DataFrame:
    """Facility points in scope: 党群服务中心, 志愿服务站 and 社区小厨房 (kind, code, name, community, lon, lat)."""
    fac, st_t = m.Facility.__table__, m.Station.__table__
    scope = f if not f.building_group_id else _community_of(f)
    _, cg = _place_names()
    fac_q = (
        select(
            fac.c.kind,
            fac.c.code,
            fac.c.name,
            cg.c.name.label("community"),
            fac.c.lon,
            fac.c.lat,
            fac.c.people_fed,
        )
        .select_from(fac.outerjoin(cg, and_(cg.c.level == 3, cg.c.org_id == fac.c.community_id)))
        .where(_place(fac, scope), fac.c.lon.is_not(None))
    )
    st_q = (
        select(
            literal("station").label("kind"),
            st_t.c.code,
            st_t.c.name,
            cg.c.name.label("community"),
            st_t.c.lon,
            st_t.c.lat,
            literal(None, Integer).label("people_fed"),
        )
        .select_from(st_t.outerjoin(cg, and_(cg.c.level == 3, cg.c.org_id == st_t.c.community_id)))
        .where(_place(st_t, scope), st_t.c.lon.is_not(None))
    )
    u = union(fac_q, st_q).subquery("u")
    df = pd.read_sql_query(select(u).order_by(u.c.kind, u.c.code), conn)
    return df.astype({"people_fed": "Int64"})


# ---------------------------------------------------------------- 1+X+Y staffing gaps


def _grids_in_scope(f: Filters) -> ColumnElement[bool]:
    g = grid_t
    if f.building_group_id:
        return g.c.id == select(bg_t.c.grid_id).where(bg_t.c.id == f.building_group_id).scalar_subquery()
    if f.community_id:
        return and_(g.c.level >= 3, g.c.community_id == f.community_id)
    if f.street_id:
        return and_(g.c.level >= 2, g.c.street_id == f.street_id)
    return true()


def grid_staffing(conn: Connection, f: Filters, gaps_only: bool = True) -> pd.DataFrame:
    """Grids in scope (all four levels) with their 1+X+Y staffing; by default only those with a gap.

    A grid has its 1 when it has a leader, its X when it has at least MIN_GRID_MEMBERS grid members, and
    its Y when at least one volunteer team serves it or a grid below it.
    """
    g = grid_t
    staff, teams = _grid_staffing()
    sg, cg = _place_names()
    leaders = func.coalesce(staff.c.leaders, 0)
    grid_members = func.coalesce(staff.c.grid_members, 0)
    n_teams = func.coalesce(teams.c.teams, 0)
    gap = or_(leaders < 1, grid_members < MIN_GRID_MEMBERS, n_teams < 1)
    stmt = (
        select(
            g.c.code.label("grid_code"),
            func.coalesce(bg_t.c.name, g.c.name).label("name"),
            g.c.level,
            func.coalesce(sg.c.name, "").label("street"),
            func.coalesce(cg.c.name, "").label("community"),
            leaders.label("leaders"),
            grid_members.label("grid_members"),
            n_teams.label("teams"),
        )
        .select_from(
            g.outerjoin(staff, staff.c.grid_id == g.c.id)
            .outerjoin(teams, teams.c.grid_id == g.c.id)
            .outerjoin(sg, and_(sg.c.level == 2, sg.c.org_id == g.c.street_id))
            .outerjoin(cg, and_(cg.c.level == 3, cg.c.org_id == g.c.community_id))
            .outerjoin(bg_t, bg_t.c.grid_id == g.c.id)
        )
        .where(_grids_in_scope(f), gap if gaps_only else true())
        .order_by(g.c.street_id.is_(None).desc(), g.c.street_id, g.c.level, g.c.code)
    )
    df = pd.read_sql_query(stmt, conn)
    df = df.astype({"level": int, "leaders": int, "grid_members": int, "teams": int})
    df["no_leader"] = df["leaders"] < 1
    df["few_members"] = df["grid_members"] < MIN_GRID_MEMBERS
    df["no_team"] = df["teams"] < 1
    return df


def gap_summary(conn: Connection, f: Filters) -> pd.DataFrame:
    """Per street (district scope) or per community (below): grids, grids with a gap, and each kind of gap."""
    g = grid_t
    staff, teams = _grid_staffing()
    leaders = func.coalesce(staff.c.leaders, 0)
    grid_members = func.coalesce(staff.c.grid_members, 0)
    n_teams = func.coalesce(teams.c.teams, 0)
    no_leader = case((leaders < 1, 1), else_=0)
    few = case((grid_members < MIN_GRID_MEMBERS, 1), else_=0)
    no_team = case((n_teams < 1, 1), else_=0)
    any_gap = case((or_(leaders < 1, grid_members < MIN_GRID_MEMBERS, n_teams < 1), 1), else_=0)
    level = 2 if f.level == "district" else 3
    key = g.c.street_id if level == 2 else g.c.community_id
    inner = (
        select(
            key.label("area_id"),
            func.count().label("grids"),
            func.sum(any_gap).label("with_gaps"),
            func.sum(no_leader).label("no_leader"),
            func.sum(few).label("few_members"),
            func.sum(no_team).label("no_team"),
        )
        .select_from(g.outerjoin(staff, staff.c.grid_id == g.c.id).outerjoin(teams, teams.c.grid_id == g.c.id))
        .where(_grids_in_scope(f), key.is_not(None))
        .group_by(key)
        .subquery("inner")
    )
    names = aliased(grid_t, name="ng")
    stmt = (
        select(names.c.name.label("area"), inner)
        .join(names, and_(names.c.level == level, names.c.org_id == inner.c.area_id))
        .order_by(inner.c.area_id)
    )
    df = pd.read_sql_query(stmt, conn).drop(columns="area_id")
    return df.astype({c: int for c in ["grids", "with_gaps", "no_leader", "few_members", "no_team"]})


# ---------------------------------------------------------------- one building group


def group_profile(conn: Connection, f: Filters, bg_id: int) -> pd.DataFrame:
    """One building group: places, households, demonstration theme, residents, volunteers, staffing, points."""
    gs = _group_stats(Filters(f.start, f.end, building_group_id=bg_id))
    sg, cg = _place_names()
    vol = m.Volunteer.__table__
    employed = (
        select(func.count())
        .where(mem_t.c.building_group_id == bg_id, mem_t.c.is_employed)
        .scalar_subquery()
        .label("employed_residents")
    )
    volunteers = select(func.count()).where(vol.c.building_group_id == bg_id).scalar_subquery().label("volunteers")
    stmt = (
        select(
            bg_t.c.id,
            bg_t.c.code,
            bg_t.c.name,
            sg.c.name.label("street"),
            cg.c.name.label("community"),
            bg_t.c.households,
            bg_t.c.is_demonstration,
            bg_t.c.theme_name,
            bg_t.c.lon,
            bg_t.c.lat,
            gs.c.residents,
            employed,
            volunteers,
            gs.c.leaders,
            gs.c.grid_members,
            gs.c.teams,
            gs.c.score,
            gs.c.points_sum,
            gs.c.points_n,
        )
        .select_from(
            bg_t.join(gs, gs.c.bg_id == bg_t.c.id)
            .outerjoin(sg, and_(sg.c.level == 2, sg.c.org_id == bg_t.c.street_id))
            .outerjoin(cg, and_(cg.c.level == 3, cg.c.org_id == bg_t.c.community_id))
        )
        .where(_groups_in_scope(f), bg_t.c.id == bg_id)
    )
    df = pd.read_sql_query(stmt, conn)
    df["is_demonstration"] = df["is_demonstration"].astype(bool)
    pn = df["points_n"]
    df["points"] = (df["points_sum"].astype(float) / pn.where(pn > 0)).round(2)
    return df.drop(columns=["points_sum", "points_n"])


def group_staff(conn: Connection, f: Filters, bg_id: int) -> pd.DataFrame:
    """The building-area grid's leader and grid members (role, masked name), leader first."""
    stmt = (
        select(staff_t.c.role, mem_t.c.name)
        .join(mem_t, mem_t.c.id == staff_t.c.member_id)
        .join(bg_t, bg_t.c.grid_id == staff_t.c.grid_id)
        .where(bg_t.c.id == bg_id, _groups_in_scope(f))
        .order_by(case((staff_t.c.role == "leader", 0), else_=1), staff_t.c.id)
    )
    df = pd.read_sql_query(stmt, conn)
    df["name"] = df["name"].map(mask_name)
    return df


def group_teams(conn: Connection, f: Filters, bg_id: int) -> pd.DataFrame:
    """Volunteer teams serving the building-area grid (the Y of 1+X+Y): team, category."""
    team, cat = m.Team.__table__, m.VolunteerCategory.__table__
    stmt = (
        select(team.c.name.label("team"), cat.c.name.label("category"))
        .select_from(
            gteam_t.join(team, team.c.id == gteam_t.c.team_id)
            .join(cat, cat.c.id == team.c.category_id)
            .join(bg_t, bg_t.c.grid_id == gteam_t.c.grid_id)
        )
        .where(bg_t.c.id == bg_id, _groups_in_scope(f))
        .order_by(team.c.code)
    )
    return pd.read_sql_query(stmt, conn)


def _day_of(col, conn: Connection):
    """The calendar day of a timestamp column, typed as a date on either dialect."""
    if conn.dialect.name == "postgresql":
        return cast(col, Date)
    return type_coerce(func.date(col), Date)


def group_activities(conn: Connection, f: Filters, bg_id: int, limit: int = RECENT_ACTIVITIES) -> pd.DataFrame:
    """The latest party activities, service events and volunteer service sessions at the building group.

    Within the date range, newest first: day, source (party/event/service), kind, title, and the party
    participants or the volunteers and people served of a service session. Half of the rows are kept for
    party activities and events, so frequent service sessions do not crowd them out.
    """
    half = limit // 2
    act, ev, rec = m.Activity.__table__, m.ServiceEvent.__table__, m.ServiceRecord.__table__
    team, cat = m.Team.__table__, m.VolunteerCategory.__table__
    in_scope = select(bg_t.c.id).where(bg_t.c.id == bg_id, _groups_in_scope(f))
    none = literal(None, Integer)
    acts = select(
        act.c.held_on.label("day"),
        literal("party").label("source"),
        act.c.kind,
        act.c.title,
        act.c.participants.label("people"),
        none.label("served"),
    ).where(act.c.building_group_id.in_(in_scope), _day_range(act.c.held_on, f))
    events = (
        select(
            ev.c.held_on.label("day"),
            literal("event").label("source"),
            cat.c.name.label("kind"),
            ev.c.title,
            none.label("people"),
            none.label("served"),
        )
        .join(cat, cat.c.id == ev.c.category_id)
        .where(ev.c.building_group_id.in_(in_scope), _day_range(ev.c.held_on, f))
    )
    sessions = (
        select(
            _day_of(rec.c.started_at, conn).label("day"),
            literal("service").label("source"),
            cat.c.name.label("kind"),
            team.c.name.label("title"),
            rec.c.volunteers.label("people"),
            rec.c.people_served.label("served"),
        )
        .join(team, team.c.id == rec.c.team_id)
        .join(cat, cat.c.id == rec.c.category_id)
        .where(rec.c.building_group_id.in_(in_scope), _time_range(rec.c.started_at, f))
        .order_by(rec.c.started_at.desc())
        .limit(half)
        .subquery("sessions")
    )
    party = union(acts, events).subquery("party")
    party = select(party).order_by(party.c.day.desc(), party.c.title).limit(limit - half).subquery("latest_party")
    u = union(select(party), select(sessions)).subquery("u")
    df = pd.read_sql_query(select(u).order_by(u.c.day.desc(), u.c.source, u.c.title), conn)
    df["day"] = pd.to_datetime(df["day"]).dt.date
    return df.astype({"people": "Int64", "served": "Int64"})
