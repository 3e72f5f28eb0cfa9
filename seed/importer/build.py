"""Turn validated tables into rows of the dashboard's tables: ids, place keys and derived fields."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime

from data_access import models as m
from data_access.dataset_format.spec import COMMUNITY_KINDS, STREET_KINDS
from seed import geo

from .check import Checked, Row, Table

STAGES = (("ordered_at", "ordered"), ("dispatched_at", "dispatched"), ("accepted_at", "accepted"))
STAGES += (("done_at", "done"), ("rated_at", "rated"))


class _Ids:
    """Row ids in file order, and code -> id for every entity that has a code."""

    def __init__(self, tables: dict[str, Table]) -> None:
        self.tables = tables
        self.ids: dict[str, dict[object, int]] = {}
        for key, t in tables.items():
            self.ids[key] = {r.v["code"]: i for i, r in enumerate(t.rows, start=1) if "code" in r.v}

    def of(self, entity: str, code: object) -> int | None:
        return None if code is None else self.ids[entity][code]

    def rows(self, entity: str) -> list[Row]:
        t = self.tables.get(entity)
        return t.rows if t else []

    def take(self, entity: str) -> Iterator[Row]:
        """The entity's rows, once: dropped when they have been built (the codes stay in ids)."""
        t = self.tables.get(entity)
        if t is None:
            return
        yield from t.rows
        t.rows, t.index = [], {}


def _org_places(ids: _Ids) -> dict[int, tuple[int | None, int | None, int]]:
    """org id -> (street id, community id, depth): the nearest street/town and community/village ancestor-or-self."""
    rows = {ids.of("org", r.v["code"]): r for r in ids.rows("org")}
    out: dict[int, tuple[int | None, int | None, int]] = {}

    def walk(oid: int) -> tuple[int | None, int | None, int]:
        if oid not in out:
            r = rows[oid]
            parent = ids.of("org", r.v["parent"])
            street, community, depth = walk(parent) if parent else (None, None, -1)
            if r.v["kind"] in STREET_KINDS:
                street = oid
            if r.v["kind"] in COMMUNITY_KINDS:
                community = oid
            out[oid] = (street, community, depth + 1)
        return out[oid]

    for oid in rows:
        walk(oid)
    return out


def build_rows(checked: Checked) -> Iterator[tuple[type, tuple]]:
    """(model, row) for every row the import writes, a table's rows together, tables in ENTITIES order (a
    tuple in the model's column order). Consumed in order, once: each table's parsed rows are let go when
    built, so the import never holds the parsed and the built dataset at once."""
    ids = _Ids(checked.tables)
    org_place = _org_places(ids)

    def place_of_org(code) -> tuple[int | None, int | None]:
        oid = ids.of("org", code)
        return (org_place[oid][0], org_place[oid][1]) if oid else (None, None)

    bg_place: dict[int, tuple] = {}  # id -> (street, community, lon, lat)
    st_place: dict[int, tuple] = {}
    team_of: dict[int, tuple[int, int]] = {}  # team id -> (category id, station id)
    item_need: dict[int, int] = {}

    for i, r in enumerate(ids.take("org"), 1):
        s, c, depth = org_place[i]
        v = r.v
        yield (
            m.Org,
            (
                i,
                v["code"],
                v["name"],
                v["kind"],
                ids.of("org", v["parent"]),
                depth,
                s,
                c,
                bool(v["is_joint"]),
                v["established_on"],
            ),
        )
    for i, r in enumerate(ids.take("grid"), 1):
        v = r.v
        s, c = place_of_org(v["org"])
        if v["level"] == 1:
            s = c = None
            if v["geometry"] is None:  # the district's own outline is known; the map draws the scope from it
                v["geometry"] = geo.ring_to_geojson(geo.district_outline())
        elif v["level"] == 2:
            c = None
        yield (
            m.Grid,
            (
                i,
                v["code"],
                v["name"],
                v["level"],
                ids.of("grid", v["parent"]),
                ids.of("org", v["org"]),
                s,
                c,
                v["geometry"],
                v["lon"],
                v["lat"],
            ),
        )
    for i, r in enumerate(ids.take("building_group"), 1):
        v = r.v
        s, c = place_of_org(v["org"])
        bg_place[i] = (s, c, v["lon"], v["lat"])
        yield (
            m.BuildingGroup,
            (
                i,
                v["code"],
                v["name"],
                ids.of("org", v["org"]),
                ids.of("grid", v["grid"]),
                s,
                c,
                v["lon"],
                v["lat"],
                v["households"] or 0,
                bool(v["is_demonstration"]),
                v["theme_name"],
            ),
        )
    for i, r in enumerate(ids.take("member"), 1):
        v = r.v
        s, c = place_of_org(v["org"])
        yield (
            m.Member,
            (
                i,
                v["code"],
                v["name"],
                v["gender"],
                v["birth_date"],
                v["education"],
                v["joined_on"],
                ids.of("org", v["org"]),
                s,
                c,
                ids.of("building_group", v["building_group"]),
                bool(v["is_employed"]),
                ids.of("org", v["reported"]),
                v["phone"],
                v["id_number"],
            ),
        )
    for i, r in enumerate(ids.take("grid_staff"), 1):
        yield (m.GridStaff, (i, ids.of("grid", r.v["grid"]), ids.of("member", r.v["member"]), r.v["role"]))
    for r in ids.take("org_points"):
        yield (m.OrgPoints, (ids.of("org", r.v["org"]), r.v["period"], r.v["points"]))
    for r in ids.take("member_points"):
        yield (m.MemberPoints, (ids.of("member", r.v["member"]), r.v["period"], r.v["points"]))
    for i, r in enumerate(ids.take("joint_meeting"), 1):
        yield (
            m.JointMeeting,
            (i, ids.of("org", r.v["org"]), *place_of_org(r.v["org"]), r.v["held_on"], r.v["attending_units"]),
        )
    for i, r in enumerate(ids.take("activity"), 1):
        v = r.v
        yield (
            m.Activity,
            (
                i,
                ids.of("org", v["org"]),
                *place_of_org(v["org"]),
                ids.of("building_group", v["building_group"]),
                v["kind"],
                v["title"],
                v["held_on"],
                v["participants"],
            ),
        )
    for i, r in enumerate(ids.take("volunteer_category"), 1):
        yield (m.VolunteerCategory, (i, r.v["code"], r.v["name"]))
    for i, r in enumerate(ids.take("station"), 1):
        v = r.v
        s, c = place_of_org(v["org"])
        st_place[i] = (s, c, v["lon"], v["lat"])
        yield (m.Station, (i, v["code"], v["name"], ids.of("org", v["org"]), s, c, v["lon"], v["lat"]))
    for i, r in enumerate(ids.take("team"), 1):
        v = r.v
        station = ids.of("station", v["station"])
        team_of[i] = (ids.of("volunteer_category", v["category"]), station)
        yield (m.Team, (i, v["code"], v["name"], team_of[i][0], station, *st_place[station][:2], v["founded_on"]))
    for r in ids.take("grid_team"):
        yield (m.GridTeam, (ids.of("grid", r.v["grid"]), ids.of("team", r.v["team"])))
    for i, r in enumerate(ids.take("volunteer"), 1):
        v = r.v
        station = ids.of("station", v["station"])
        yield (
            m.Volunteer,
            (
                i,
                v["name"],
                v["gender"],
                v["birth_year"],
                v["phone"],
                ids.of("team", v["team"]),
                station,
                *st_place[station][:2],
                ids.of("building_group", v["building_group"]),
                v["registered_on"],
            ),
        )

    def where(bg_code, station: int) -> tuple:
        bg = ids.of("building_group", bg_code)
        return (bg, *(bg_place[bg] if bg else st_place[station]))

    for i, r in enumerate(ids.take("service_event"), 1):
        v = r.v
        station = ids.of("station", v["station"])
        bg, s, c, _x, _y = where(v["building_group"], station)
        yield (
            m.ServiceEvent,
            (i, v["title"], ids.of("volunteer_category", v["category"]), station, s, c, bg, v["held_on"]),
        )
    for i, r in enumerate(ids.take("service_record"), 1):
        v = r.v
        category, station = team_of[ids.of("team", v["team"])]
        bg, s, c, x, y = where(v["building_group"], station)
        if v["lon"] is not None:
            x, y = v["lon"], v["lat"]
        yield (
            m.ServiceRecord,
            (
                i,
                ids.of("team", v["team"]),
                category,
                station,
                ids.of("service_event", v["event"]),
                s,
                c,
                bg,
                v["started_at"],
                v["volunteers"],
                v["hours"],
                v["people_served"],
                x,
                y,
            ),
        )
    for i, r in enumerate(ids.take("need_category"), 1):
        yield (m.NeedCategory, (i, r.v["code"], r.v["name"]))
    for i, r in enumerate(ids.take("service_item"), 1):
        item_need[i] = ids.of("need_category", r.v["need_category"])
        yield (m.ServiceItem, (i, r.v["code"], r.v["name"], item_need[i]))
    for i, r in enumerate(ids.take("service_request"), 1):
        v = r.v
        station, item = ids.of("station", v["station"]), ids.of("service_item", v["service_item"])
        bg, s, c, _x, _y = where(v["building_group"], station)
        status = [name for f, name in STAGES if v[f] is not None][-1]
        yield (
            m.ServiceRequest,
            (
                i,
                item,
                item_need[item],
                station,
                s,
                c,
                bg,
                ids.of("team", v["team"]),
                ids.of("volunteer", v["volunteer"]),
                status,
                *(v[f] for f, _n in STAGES),
                v["rating"],
            ),
        )
    for i, r in enumerate(ids.take("facility"), 1):
        v = r.v
        yield (
            m.Facility,
            (
                i,
                v["code"],
                v["kind"],
                v["name"],
                ids.of("org", v["org"]),
                *place_of_org(v["org"]),
                v["lon"],
                v["lat"],
                v["opened_on"],
                v["people_fed"],
            ),
        )
    for i, r in enumerate(ids.take("micro_wish"), 1):
        v = r.v
        yield (
            m.MicroWish,
            (
                i,
                v["title"],
                *place_of_org(v["org"]),
                ids.of("building_group", v["building_group"]),
                v["posted_on"],
                ids.of("member", v["claimed_by"]),
                v["claimed_on"],
                v["fulfilled_on"],
            ),
        )
    for i, r in enumerate(ids.take("supervision_task"), 1):
        v = r.v
        yield (
            m.SupervisionTask,
            (
                i,
                v["code"],
                v["title"],
                v["aspect"],
                ids.of("org", v["org"]),
                *place_of_org(v["org"]),
                v["assigned_on"],
                v["due_on"],
                v["completed_on"],
            ),
        )


EVENT_DATES = ("held_on", "started_at", "ordered_at", "posted_on", "assigned_on", "registered_on")


def latest_date(checked: Checked) -> date | None:
    """The last day any dated event of the import happened: the default data-as-of date."""
    last: date | None = None
    for t in checked.tables.values():
        for name in EVENT_DATES:
            if name in t.entity.by_field:
                values = [d for r in t.rows if (d := r[name]) is not None]
                if values:
                    top = max(values)
                    top = top.date() if isinstance(top, datetime) else top
                    last = max(last or top, top)
    return last


def latest_cell(checked: Checked) -> tuple[str, int, str, object] | None:
    """Where latest_date comes from: the file (or sheet), row, column header and value of the first row
    holding the latest event date (what a refused data-date jump points at)."""
    best: tuple[date, str, int, str, object] | None = None
    for t in checked.tables.values():
        for name in EVENT_DATES:
            if name not in t.entity.by_field:
                continue
            for r in t.rows:
                v = r[name]
                if v is None:
                    continue
                d = v.date() if isinstance(v, datetime) else v
                if best is None or d > best[0]:
                    best = (d, t.label, r.n, t.entity.by_field[name].header, v)
    return best[1:] if best else None
