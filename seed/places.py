"""The fixed structure of the district: org tree, four-level grids, building groups, stations.

Structure does not scale: the 631 organisations, 838 building groups and 166 stations are the same at
every --scale; only volumes (people, records, requests, activities) do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np

from . import geo, names

N_BUILDING_GROUPS = 838
N_DEMONSTRATION = 47
N_STREET_JOINT = 14
N_COMMUNITY_JOINT = 107
N_ENTERPRISE = 248
N_AGENCY = 41
N_INSTITUTION = 95
N_SOCIAL = 60
ENTERPRISES_IN_PARKS = 30


@dataclass
class OrgRow:
    id: int
    code: str
    name: str
    kind: str
    parent_id: int | None
    depth: int
    street_id: int | None
    community_id: int | None
    is_joint: bool = False
    established_on: date | None = None


@dataclass
class Structure:
    """Everything later generators need to know about places and organisations."""

    orgs: list[OrgRow] = field(default_factory=list)
    grids: list[tuple] = field(default_factory=list)  # rows for the grid table
    groups: list[tuple] = field(default_factory=list)  # rows for building_group
    stations: list[tuple] = field(default_factory=list)  # rows for station
    street_ids: list[int] = field(default_factory=list)
    community_ids: list[int] = field(default_factory=list)  # communities and villages, in order
    community_site: dict[int, tuple[float, float]] = field(default_factory=dict)
    community_ring: dict[int, geo.Ring] = field(default_factory=dict)
    community_street: dict[int, int] = field(default_factory=dict)
    urban: dict[int, bool] = field(default_factory=dict)  # community (True) or village (False)
    groups_of: dict[int, list[int]] = field(default_factory=dict)  # community id -> building group ids
    group_xy: dict[int, tuple[float, float]] = field(default_factory=dict)
    group_grid: dict[int, int] = field(default_factory=dict)
    grid_of_org: dict[int, int] = field(default_factory=dict)  # district/street/community org -> grid
    station_of: dict[int, int] = field(default_factory=dict)  # community id -> station id
    station_xy: dict[int, tuple[float, float]] = field(default_factory=dict)

    def org(self, org_id: int) -> OrgRow:
        return self.orgs[org_id - 1]


def _allocate(total: int, weights: np.ndarray, minimum: int) -> np.ndarray:
    """Split total into len(weights) integers >= minimum, proportional to weights (largest remainder)."""
    n = len(weights)
    rest = total - minimum * n
    share = weights / weights.sum() * rest
    out = np.floor(share).astype(int)
    short = rest - out.sum()
    order = np.argsort(-(share - out), kind="stable")
    out[order[:short]] += 1
    return out + minimum


def _date_between(rng: np.random.Generator, lo: date, hi: date) -> date:
    return date.fromordinal(int(rng.integers(lo.toordinal(), hi.toordinal() + 1)))


def near_inside(
    rng: np.random.Generator, xy: tuple[float, float], ring: geo.Ring, sd: float = 0.0004
) -> tuple[float, float]:
    """A point a few dozen metres from xy, kept inside ring (falls back to xy itself)."""
    x, y = xy[0] + rng.normal(0, sd), xy[1] + rng.normal(0, sd)
    if not geo.points_in_ring(np.array([x]), np.array([y]), ring)[0]:
        x, y = xy
    return round(float(x), 6), round(float(y), 6)


def build_structure(rng: np.random.Generator, as_of: date) -> Structure:
    """Generate orgs, grids, building groups and stations inside the real district outline."""
    s = Structure()
    outline = geo.district_outline()
    oldest = date(as_of.year - 40, 1, 1)

    def add_org(code, name, kind, parent_id, depth, street_id, community_id, established=None) -> OrgRow:
        row = OrgRow(
            len(s.orgs) + 1,
            code,
            name,
            kind,
            parent_id,
            depth,
            street_id,
            community_id,
            established_on=established or _date_between(rng, oldest, date(as_of.year - 1, 12, 31)),
        )
        if street_id == -1:
            row.street_id = row.id
        if community_id == -1:
            row.community_id = row.id
        s.orgs.append(row)
        return row

    def add_grid(code, name, level, parent, org_id, street_id, community_id, ring, center) -> int:
        gid = len(s.grids) + 1
        s.grids.append(
            (
                gid,
                code,
                name,
                level,
                parent,
                org_id,
                street_id,
                community_id,
                geo.ring_to_geojson(ring),
                round(center[0], 6),
                round(center[1], 6),
            )
        )
        return gid

    district = add_org("D", "中共郑州市二七区委员会", "district", None, 0, None, None, date(1955, 1, 1))
    district_grid = add_grid(
        "G",
        "二七区",
        1,
        None,
        district.id,
        None,
        None,
        outline,
        (float(np.mean([p[0] for p in outline])), float(np.mean([p[1] for p in outline]))),
    )
    s.grid_of_org[district.id] = district_grid

    # Streets and the town: Voronoi cells of their approximate centres, clipped to the outline.
    sites = np.array([(st[2], st[3]) for st in names.STREETS])
    inside = geo.points_in_ring(sites[:, 0], sites[:, 1], outline)
    if not inside.all():
        raise ValueError("a street centre lies outside the district outline")
    street_rings = geo.voronoi_partition(outline, sites)
    street_kinds = [st[1] for st in names.STREETS]
    joint_streets = set(
        rng.choice([i for i, k in enumerate(street_kinds) if k == "street"], N_STREET_JOINT, replace=False).tolist()
    )

    # How many building groups each community/village gets: more in town, fewer in villages.
    per_street_cv = [(st[4], st[5]) for st in names.STREETS]
    cv_weights = np.concatenate([np.r_[rng.uniform(0.8, 1.4, c), rng.uniform(0.35, 0.7, v)] for c, v in per_street_cv])
    bg_counts = _allocate(N_BUILDING_GROUPS, cv_weights, 1)

    community_orgs: list[OrgRow] = []
    used_words: set[str] = set()
    cv_index = 0
    for si, (sname, skind, sx, sy, n_comm, n_vill) in enumerate(names.STREETS):
        org_name = f"{sname}党工委" if skind == "street" else f"{sname}党委"
        street = add_org(f"S{si + 1:02d}", org_name, skind, district.id, 1, -1, None)
        street.is_joint = si in joint_streets
        s.street_ids.append(street.id)
        ring = street_rings[si]
        sgrid = add_grid(f"G{street.code}", sname, 2, district_grid, street.id, street.id, None, ring, (sx, sy))
        s.grid_of_org[street.id] = sgrid

        n_cv = n_comm + n_vill
        csites = geo.sample_in_ring(rng, ring, n_cv)
        crings = geo.voronoi_partition(ring, csites)
        for ci in range(n_cv):
            is_village = ci >= n_comm
            if is_village:
                word = rng.choice(names.VILLAGE_WORDS) + rng.choice(names.VILLAGE_SUFFIX)
                while word in used_words:
                    word = rng.choice(names.VILLAGE_WORDS) + rng.choice(names.VILLAGE_SUFFIX)
                cname, kind, code = f"{word}党支部", "village", f"{street.code}V{ci - n_comm + 1:02d}"
            else:
                word = str(rng.choice(names.COMMUNITY_WORDS))
                while word in used_words:
                    word = str(rng.choice(names.COMMUNITY_WORDS))
                cname, kind, code = f"{word}社区党委", "community", f"{street.code}C{ci + 1:02d}"
            used_words.add(word)
            comm = add_org(code, cname, kind, street.id, 2, street.id, -1)
            community_orgs.append(comm)
            s.community_ids.append(comm.id)
            s.community_street[comm.id] = street.id
            s.urban[comm.id] = not is_village
            site = (float(csites[ci, 0]), float(csites[ci, 1]))
            s.community_site[comm.id] = site
            cring = crings[ci] or [site]
            s.community_ring[comm.id] = cring
            place_name = word + ("社区" if not is_village else "")
            cgrid = add_grid(f"G{code}", place_name, 3, sgrid, comm.id, street.id, comm.id, cring, site)
            s.grid_of_org[comm.id] = cgrid

            # Building areas: Voronoi cells of the building groups' own sites inside the community.
            k = int(bg_counts[cv_index])
            cv_index += 1
            bsites = geo.sample_in_ring(rng, cring, k) if len(cring) >= 3 else np.array([site] * k)
            brings = geo.voronoi_partition(cring, bsites) if len(cring) >= 3 else [[site]] * k
            s.groups_of[comm.id] = []
            for bi in range(k):
                bid = len(s.groups) + 1
                bname = f"{word}{rng.choice(names.BUILDING_WORDS)}{bi + 1}号楼院"
                bx, by = round(float(bsites[bi, 0]), 6), round(float(bsites[bi, 1]), 6)
                bcode = f"{code}B{bi + 1:02d}"
                ggrid = add_grid(
                    f"G{bcode}", bname, 4, cgrid, comm.id, street.id, comm.id, brings[bi] or [(bx, by)], (bx, by)
                )
                households = int(rng.integers(60, 900) if not is_village else rng.integers(40, 300))
                s.groups.append(
                    [bid, bcode, bname, comm.id, ggrid, street.id, comm.id, bx, by, households, False, None]
                )
                s.groups_of[comm.id].append(bid)
                s.group_xy[bid] = (bx, by)
                s.group_grid[bid] = ggrid

    # 大党委: most communities (not villages) have a joint committee.
    comm_only = [c.id for c in community_orgs if c.kind == "community"]
    for cid in rng.choice(comm_only, N_COMMUNITY_JOINT, replace=False).tolist():
        s.org(cid).is_joint = True

    # 47 themed demonstration buildings, two of them named in the report.
    urban_groups = [g for g in s.groups if s.urban[g[3]]]
    demo_idx = rng.choice(len(urban_groups), N_DEMONSTRATION, replace=False)
    for n, gi in enumerate(sorted(demo_idx.tolist())):
        g = urban_groups[gi]
        g[10] = True
        if n < len(names.DEMO_THEMES_NAMED):
            g[2], g[11] = names.DEMO_THEMES_NAMED[n]
        else:
            g[11] = str(rng.choice(names.DEMO_THEMES))
    s.groups = [tuple(g) for g in s.groups]

    # Parks and the scenic area hang off the district; enterprises, agencies and others fill the rest.
    parks = [add_org(f"P{i + 1:02d}", n, "park", district.id, 1, None, None) for i, n in enumerate(names.PARKS)]
    add_org("J01", names.SCENIC, "scenic", district.id, 1, None, None)
    urban_streets = [sid for sid in s.street_ids if s.org(sid).kind == "street"]
    used: set[str] = set()

    def unique(make) -> str:
        """A fresh name from make(); after a few clashes, a numbered variant so it always ends."""
        name = make()
        for attempt in range(2, 50):
            if name not in used:
                break
            name = make() if attempt < 10 else name.replace("党支部", f"{attempt}党支部")
        used.add(name)
        return name

    def ent_name() -> str:
        return (
            str(rng.choice(names.ENTERPRISE_PREFIX))
            + "".join(rng.choice(names.ENTERPRISE_STEM, 2))
            + str(rng.choice(names.ENTERPRISE_TRADE))
            + "党支部"
        )

    for i in range(N_ENTERPRISE):
        if i < ENTERPRISES_IN_PARKS:
            parent = parks[i % len(parks)]
            add_org(f"E{i + 1:03d}", unique(ent_name), "enterprise", parent.id, 2, None, None)
        else:
            sid = int(rng.choice(s.street_ids))
            add_org(f"E{i + 1:03d}", unique(ent_name), "enterprise", sid, 2, sid, None)
    for i in range(N_AGENCY):
        add_org(f"A{i + 1:02d}", f"{names.AGENCIES[i]}机关党支部", "agency", district.id, 1, None, None)
    for i in range(N_INSTITUTION):
        kind_word = str(rng.choice(names.INSTITUTION_KINDS))
        if i < 40:
            add_org(
                f"I{i + 1:03d}",
                unique(lambda k=kind_word: f"二七区第{rng.integers(1, 60)}{k}党支部"),
                "institution",
                district.id,
                1,
                None,
                None,
            )
        else:
            sid = int(rng.choice(urban_streets))
            short = names.STREETS[s.street_ids.index(sid)][0].replace("街道", "").replace("镇", "")
            add_org(
                f"I{i + 1:03d}",
                unique(lambda k=kind_word, p=short: f"{p}{k}{rng.integers(1, 9)}党支部"),
                "institution",
                sid,
                2,
                sid,
                None,
            )
    for i in range(N_SOCIAL):
        kind_word = str(rng.choice(names.SOCIAL_ORG_KINDS))
        if i < N_SOCIAL // 2:
            sid = int(rng.choice(s.street_ids))
            short = names.STREETS[s.street_ids.index(sid)][0].replace("街道", "").replace("镇", "")
            add_org(
                f"O{i + 1:02d}",
                unique(lambda k=kind_word, p=short: f"{p}{k}{rng.integers(1, 9)}党支部"),
                "social_org",
                sid,
                2,
                sid,
                None,
            )
        else:
            cid = int(rng.choice(comm_only))
            cname = s.org(cid).name.replace("社区党委", "")
            add_org(
                f"O{i + 1:02d}",
                unique(lambda k=kind_word, p=cname: f"{p}{k}党支部"),
                "social_org",
                cid,
                3,
                s.community_street[cid],
                cid,
            )

    # One volunteer station per community/village, beside its centre.
    for cid in s.community_ids:
        x, y = near_inside(rng, s.community_site[cid], outline)
        stid = len(s.stations) + 1
        place = s.org(cid).name.replace("社区党委", "社区").replace("党支部", "")
        s.stations.append((stid, f"ST{s.org(cid).code}", f"{place}志愿服务站", cid, s.community_street[cid], cid, x, y))
        s.station_of[cid] = stid
        s.station_xy[stid] = (x, y)
    return s
