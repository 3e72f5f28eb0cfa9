"""The reference rows the simulator writes against (teams, stations, places, orgs, items), read once."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sqlalchemy import Connection, func, select

from data_access import models as m

from .. import geo
from ..people import MEMBER_WEIGHT

WISH_FALLBACK = ("米面油", "冬衣一套", "学习用品", "老花镜", "血压计")


@dataclass
class Reference:
    """The reference rows the simulator writes against, read once from the database."""

    team_ids: np.ndarray
    team_p: np.ndarray
    team_category: dict[int, int]
    team_station: dict[int, int]
    teams_of_station: dict[int, list[int]]
    station_place: dict[int, tuple[int | None, int | None]]
    station_xy: dict[int, tuple[float, float]]
    community_xy: dict[int, tuple[float, float]]
    groups_of_community: dict[int, list[int]]
    group_community: dict[int, int | None]
    group_xy: dict[int, tuple[float, float]]
    groups_of_org: dict[int, list[int]]
    volunteers_of_team: dict[int, list[int]]
    request_stations: np.ndarray
    request_station_p: np.ndarray
    items: list[tuple[int, int]]  # (service item, its need category)
    orgs: dict[int, tuple[str, str, int | None, int | None]]  # id -> code, kind, street_id, community_id
    activity_orgs: np.ndarray
    activity_org_p: np.ndarray
    activity_org_size: dict[int, int]
    weighted_size: float  # mean org size when orgs are picked by size
    member_orgs: np.ndarray
    member_org_p: np.ndarray
    task_orgs: list[int]
    wish_communities: list[int]
    place_label: dict[int, str]  # community id -> its place name (光华社区, 张庄村 …)
    wish_things: list[str]


def _usable_points(rows: list[tuple], outline: geo.Ring) -> dict[int, tuple[float, float]]:
    """key -> (lon, lat) of the (key, lon, lat) rows with both coordinates inside the district (bad rows are
    left out); one vectorised test for all, since the outline has hundreds of vertices."""
    rows = [(k, float(x), float(y)) for k, x, y in rows if k is not None and x is not None and y is not None]
    if not rows:
        return {}
    xs, ys = np.array([r[1] for r in rows]), np.array([r[2] for r in rows])
    inside = geo.points_in_ring(xs, ys, outline)
    return {k: (x, y) for (k, x, y), ok in zip(rows, inside) if ok}


def _place_name(org_name: str) -> str:
    """An org's place name, as the seed names teams and stations after it."""
    return org_name.replace("社区党委", "社区").replace("党支部", "")


def load_reference(conn: Connection) -> Reference:
    """Read the teams, stations, places, orgs and items the simulated rows refer to."""
    outline = geo.district_outline()
    team, st, bg = m.Team.__table__, m.Station.__table__, m.BuildingGroup.__table__
    grid, org, mem, vol = m.Grid.__table__, m.Org.__table__, m.Member.__table__, m.Volunteer.__table__

    stations = conn.execute(
        select(st.c.id, st.c.street_id, st.c.community_id, st.c.lon, st.c.lat).order_by(st.c.id)
    ).all()
    station_place = {sid: (street, comm) for sid, street, comm, _, _ in stations}
    station_xy = _usable_points([(sid, lon, lat) for sid, _, _, lon, lat in stations], outline)
    centres = select(grid.c.community_id, grid.c.center_lon, grid.c.center_lat).where(grid.c.level == 3)
    community_xy = _usable_points(conn.execute(centres.order_by(grid.c.id)).all(), outline)

    groups_of_community: dict[int, list[int]] = {}
    groups_of_org: dict[int, list[int]] = {}
    group_community = {}
    groups = conn.execute(select(bg.c.id, bg.c.org_id, bg.c.community_id, bg.c.lon, bg.c.lat).order_by(bg.c.id)).all()
    for gid, org_id, comm, _, _ in groups:
        group_community[gid] = comm
        groups_of_org.setdefault(org_id, []).append(gid)
        if comm is not None:
            groups_of_community.setdefault(comm, []).append(gid)
    group_xy = _usable_points([(gid, lon, lat) for gid, _, _, lon, lat in groups], outline)

    team_category, team_station, teams_of_station = {}, {}, {}
    for tid, cat, sid in conn.execute(select(team.c.id, team.c.category_id, team.c.station_id).order_by(team.c.id)):
        if sid in station_place:  # a team whose station is missing has no place to serve
            team_category[tid], team_station[tid] = cat, sid
            teams_of_station.setdefault(sid, []).append(tid)
    team_ids = np.array(sorted(team_station), dtype=int)

    volunteers_of_team: dict[int, list[int]] = {}
    for vid, tid in conn.execute(
        select(vol.c.id, vol.c.team_id).where(vol.c.team_id.is_not(None)).order_by(vol.c.team_id, vol.c.id)
    ):
        volunteers_of_team.setdefault(tid, []).append(vid)

    # requests come from stations in proportion to their building groups, as in the seed
    req_st = np.array(sorted(station_place), dtype=int)
    req_w = np.array([len(groups_of_community.get(station_place[s][1], ())) + 1 for s in req_st], float)

    it, nc = m.ServiceItem.__table__, m.NeedCategory.__table__
    items = [(i, c) for i, c in conn.execute(select(it.c.id, it.c.need_category_id).order_by(it.c.id))]
    if not items:
        items = [(0, c) for c in conn.execute(select(nc.c.id).order_by(nc.c.id)).scalars()]

    orgs, names_of = {}, {}
    for oid, code, name, kind, street, comm in conn.execute(
        select(org.c.id, org.c.code, org.c.name, org.c.kind, org.c.street_id, org.c.community_id).order_by(org.c.id)
    ):
        orgs[oid] = (code, kind, street, comm)
        names_of[oid] = name
    roots = [o for o, (_, kind, _, _) in orgs.items() if kind == "district"]
    task_orgs = roots[:1] + [o for o, (_, kind, _, _) in orgs.items() if kind in ("street", "town")]

    size = dict(conn.execute(select(mem.c.org_id, func.count()).group_by(mem.c.org_id)).all())
    act_orgs = np.array([o for o in sorted(size) if o in orgs and orgs[o][1] != "district"], dtype=int)
    act_size = np.array([size[o] for o in act_orgs], float)
    weighted_size = float((act_size**2).sum() / act_size.sum()) if len(act_size) else 1.0

    mem_orgs = np.array([o for o in sorted(orgs) if orgs[o][1] in MEMBER_WEIGHT], dtype=int)
    mem_w = np.array([MEMBER_WEIGHT[orgs[o][1]] for o in mem_orgs], float)

    wish_communities = sorted(c for c in groups_of_community if c in orgs)
    place_label = {c: _place_name(names_of[c]) for c in wish_communities}
    titles = conn.execute(select(m.MicroWish.title).distinct().order_by(m.MicroWish.title)).scalars().all()
    things = sorted({t.split("：", 1)[1] for t in titles if "：" in t} - {""}) or list(WISH_FALLBACK)

    return Reference(
        team_ids=team_ids,
        team_p=np.ones(len(team_ids)) / max(1, len(team_ids)),
        team_category=team_category,
        team_station=team_station,
        teams_of_station=teams_of_station,
        station_place=station_place,
        station_xy=station_xy,
        community_xy=community_xy,
        groups_of_community=groups_of_community,
        group_community=group_community,
        group_xy=group_xy,
        groups_of_org=groups_of_org,
        volunteers_of_team=volunteers_of_team,
        request_stations=req_st,
        request_station_p=req_w / req_w.sum() if len(req_w) else req_w,
        items=items,
        orgs=orgs,
        activity_orgs=act_orgs,
        activity_org_p=act_size / act_size.sum() if len(act_size) else act_size,
        activity_org_size={int(o): int(s) for o, s in zip(act_orgs, act_size)},
        weighted_size=weighted_size,
        member_orgs=mem_orgs,
        member_org_p=mem_w / mem_w.sum() if len(mem_w) else mem_w,
        task_orgs=task_orgs,
        wish_communities=wish_communities,
        place_label=place_label,
        wish_things=things,
    )
