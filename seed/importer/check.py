"""Validate an import before anything is written; every problem is collected, none stops the others."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from data_access.dataset_format.spec import (
    COMMUNITY_KINDS,
    ENTITIES,
    IGNORED_SHEETS,
    STREET_KINDS,
    Col,
    Entity,
    entity_named,
)
from geo.gcj02 import gcj02_to_wgs84
from seed import geo

from .parse import CellError, parse_cell
from .problems import Problem
from .read import Sheet

# The district outline is public boundary data drawn at a small scale: a point on a street that forms the
# boundary can fall tens of metres outside it (the demo's own points: up to 110 m, median 15 m). Points and
# outline vertices within this distance of the line count as inside.
BOUNDARY_TOLERANCE_M = 200


def _inside(xs: np.ndarray, ys: np.ndarray, ring) -> np.ndarray:
    inside = geo.points_in_ring(xs, ys, ring)
    if not inside.all():
        out = ~inside
        inside[out] = geo.metres_to_ring(xs[out], ys[out], ring) <= BOUNDARY_TOLERANCE_M
    return inside


def _is_pair(node) -> bool:
    """A GeoJSON position: [lon, lat, …]."""
    return isinstance(node, list) and len(node) >= 2 and all(isinstance(v, int | float) for v in node[:2])


def _coords(node) -> list:
    if _is_pair(node):
        return [node]
    return [c for part in node for c in _coords(part)] if isinstance(node, list) else []


def _vertices(outline: str) -> tuple[np.ndarray, np.ndarray]:
    pts = _coords(json.loads(outline).get("coordinates"))
    return np.array([float(p[0]) for p in pts]), np.array([float(p[1]) for p in pts])


def _outline_to_wgs84(outline: str) -> str:
    """A GCJ-02 outline's every vertex in WGS-84, as its centre is."""

    def conv(node):
        if _is_pair(node):
            lon, lat = gcj02_to_wgs84(float(node[0]), float(node[1]))
            return [round(lon, 6), round(lat, 6)]
        return [conv(part) for part in node] if isinstance(node, list) else node

    geo_ = json.loads(outline)
    geo_["coordinates"] = conv(geo_.get("coordinates"))
    return json.dumps(geo_, separators=(",", ":"), ensure_ascii=False)


GRID_LEVEL_KINDS = {1: ("district",), 2: STREET_KINDS, 3: COMMUNITY_KINDS, 4: COMMUNITY_KINDS}


_NOTHING_BAD: frozenset[str] = frozenset()


class Row(list):
    """One data row: its values (a list in the entity's column order, read by field: row["code"]; r.v is the
    row itself, kept for reading), the row number Excel shows and the fields already rejected (no second
    complaint about them). The row is its own value list, the field positions belong to its entity's
    subclass (row_class): an import at a city's volume holds millions of these. Rows compare by identity."""

    __slots__ = ("n", "_bad")
    _at: dict[str, int] = {}
    __eq__ = object.__eq__
    __ne__ = object.__ne__
    __hash__ = object.__hash__

    @property
    def v(self) -> Row:
        return self

    @property
    def bad(self) -> frozenset[str] | set[str]:
        return self._bad or _NOTHING_BAD

    def mark_bad(self, fld: str) -> None:
        if self._bad is None:
            self._bad = set()
        self._bad.add(fld)

    def __getitem__(self, fld: str) -> object:
        return list.__getitem__(self, self._at[fld])

    def __setitem__(self, fld: str, value: object) -> None:
        list.__setitem__(self, self._at[fld], value)

    def get(self, fld: str, default: object = None) -> object:
        i = self._at.get(fld)
        return default if i is None else list.__getitem__(self, i)

    def __contains__(self, fld: str) -> bool:
        return fld in self._at


def row_class(entity: Entity) -> type[Row]:
    """The Row subclass of an entity: its field positions held once, not on every row."""
    return type(f"Row_{entity.key}", (Row,), {"__slots__": (), "_at": {c.field: i for i, c in enumerate(entity.cols)}})


def new_row(cls: type[Row], n: int, values: list, bad: list[str] | None = None) -> Row:
    """A row of cls at row number n; bad: the fields already rejected."""
    row = cls(values)
    row.n, row._bad = n, set(bad) if bad else None
    return row


@dataclass
class Table:
    entity: Entity
    label: str
    rows: list[Row] = field(default_factory=list)
    index: dict[object, Row] = field(default_factory=dict)  # a one-field key (a code) -> the first row with it

    def by_code(self, code: object) -> Row | None:
        return self.index.get(code)


@dataclass
class Checked:
    """The parsed tables (entity key -> Table) and every problem found."""

    tables: dict[str, Table]
    problems: list[Problem]

    def counts(self) -> dict[str, int]:
        return {e.key: len(self.tables[e.key].rows) for e in ENTITIES if e.key in self.tables}


class _Checker:
    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.tables: dict[str, Table] = {}

    def bad(self, label: str, n: int | None, col: str | None, value: object, zh: str, en: str) -> None:
        shown = None if value is None or value == "" else str(value)[:200]
        self.problems.append(Problem(label, n, col, shown, zh, en))

    def row_bad(self, t: Table, row: Row, fld: str, zh: str, en: str) -> None:
        col = t.entity.by_field[fld]
        row.mark_bad(fld)
        self.bad(t.label, row.n, col.header, row.v.get(fld), zh, en)

    # ------------------------------------------------------------ sheets, headers, cells

    def take_sheets(self, sheets: list[Sheet]) -> None:
        for sheet in sheets:
            if sheet.name in IGNORED_SHEETS or not sheet.headers:
                continue  # the guide sheet, and an empty sheet (Excel's Sheet1 left in the workbook)
            entity = entity_named(sheet.name)
            if entity is None:
                known = "、".join(f"{e.key}/{e.sheet}" for e in ENTITIES)
                self.bad(
                    sheet.label,
                    None,
                    None,
                    None,
                    f"无法识别的文件或工作表名（可用：{known}）",
                    "unknown file or sheet name",
                )
                continue
            if entity.key in self.tables:
                self.bad(sheet.label, None, None, None, "同一类数据出现了两次", "the same entity appears twice")
                continue
            self.tables[entity.key] = self.parse_sheet(entity, sheet)
        for entity in ENTITIES:
            if entity.required and entity.key not in self.tables:
                self.bad(
                    f"{entity.key}.csv / {entity.sheet}",
                    None,
                    None,
                    None,
                    "缺少必需的数据文件",
                    "required file missing",
                )

    def parse_sheet(self, entity: Entity, sheet: Sheet) -> Table:
        t = Table(entity, sheet.label)
        by_header = {c.header: c for c in entity.cols}
        position: dict[int, Col] = {}
        top = sheet.header_row
        unnamed = [i for i, header in enumerate(sheet.headers) if not header]
        for i, header in enumerate(sheet.headers):
            if not header:
                continue
            if header not in by_header:
                self.bad(sheet.label, top, header, None, "无法识别的列名", "unknown column")
            elif by_header[header] in position.values():
                self.bad(sheet.label, top, header, None, "列名重复", "column appears twice")
            else:
                position[i] = by_header[header]
        present = set(position.values())
        for col in entity.cols:
            if col.required and col not in present:
                self.bad(sheet.label, top, col.header, None, "缺少必需的列", "required column missing")
        cls = row_class(entity)
        slots = [(i, cls._at[col.field], col) for i, col in position.items()]
        width, blank = len(sheet.headers), len(entity.cols) * [None]
        stray: set[int] = set()  # columns holding data under no header
        for n, cells in sheet.rows:
            if unnamed or len(cells) > width:
                stray.update(i for i in (*unnamed, *range(width, len(cells))) if i < len(cells) and cells[i])
            values = blank.copy()
            bad: list[str] = []
            for i, j, col in slots:
                raw = cells[i] if i < len(cells) else ""
                if not raw:
                    if col.required:
                        self.bad(sheet.label, n, col.header, None, "必填项为空", "required value is empty")
                    continue
                try:
                    values[j] = parse_cell(col, raw)
                except CellError as err:
                    bad.append(col.field)
                    self.bad(sheet.label, n, col.header, raw, err.zh, err.en)
            t.rows.append(new_row(cls, n, values, bad))
        for i in sorted(stray):
            self.bad(
                sheet.label,
                top,
                f"第{i + 1}列",
                None,
                "该列有数据但没有列名（合并的表头单元格？），请补上列名",
                "this column holds data but has no header (a merged header cell?); name it",
            )
        return t

    # ------------------------------------------------------------ keys and references

    def keys(self) -> None:
        for t in self.tables.values():
            fields = t.entity.key_fields
            if not fields:
                continue
            # a code is its own key (and the index that references look up); a key of several fields is
            # kept as its hash only, the rare different key with the same hash in a dict of its own
            seen: dict[object, Row] = t.index if len(fields) == 1 else {}
            clashes: dict[tuple, Row] = {}
            for row in t.rows:
                key = tuple(row[f] for f in fields)
                if any(k is None for k in key):
                    continue
                first = seen.setdefault(key[0] if len(fields) == 1 else hash(key), row)
                if first is not row and len(fields) > 1 and tuple(first[f] for f in fields) != key:
                    first = clashes.setdefault(key, row)
                if first is not row:
                    self.row_bad(t, row, fields[-1], f"与第{first.n}行重复", f"duplicates row {first.n}")

    def refs(self) -> None:
        orgs = self.tables.get("org")
        for t in self.tables.values():
            for col in t.entity.cols:
                if col.kind != "ref":
                    continue
                target = self.tables.get(col.ref)
                target_name = next(e.sheet for e in ENTITIES if e.key == col.ref)
                if target is None and any(row.v[col.field] is not None for row in t.rows):
                    # one message for the cause, not one per row that could not be looked up
                    self.bad(
                        t.label,
                        None,
                        col.header,
                        None,
                        f"该列引用「{target_name}」，但导入中没有该文件",
                        f"this column refers to {col.ref}, which the import does not contain",
                    )
                    for row in t.rows:
                        row.v[col.field] = None
                        row.mark_bad(col.field)
                    continue
                for row in t.rows:
                    code = row.v[col.field]
                    if code is None:
                        continue
                    hit = target.by_code(code) if target else None
                    if hit is None:
                        self.row_bad(
                            t, row, col.field, f"在「{target_name}」中找不到该编码", f"no such code in {col.ref}"
                        )
                        row.v[col.field] = None
                    elif col.ref_kinds and orgs and hit.v["kind"] not in col.ref_kinds:
                        what = "社区/村" if col.ref_kinds == COMMUNITY_KINDS else "街道/镇或社区/村"
                        self.row_bad(t, row, col.field, f"该组织不是{what}党组织", "wrong kind of organisation")
                        row.v[col.field] = None

    # ------------------------------------------------------------ trees

    def org_tree(self) -> None:
        t = self.tables.get("org")
        if t is None:
            return
        roots = [r for r in t.rows if r.v["parent"] is None and "parent" not in r.bad and r.v["code"] is not None]
        if len(roots) != 1:
            for r in roots[1:] or t.rows[:1]:
                self.row_bad(
                    t, r, "parent", "须恰有一个无上级的组织（区委）", "exactly one organisation must have no parent"
                )
        for r in t.rows:
            if (
                r.v["kind"] is not None
                and "parent" not in r.bad
                and (r.v["kind"] == "district") != (r.v["parent"] is None)
            ):
                self.row_bad(t, r, "kind", "只有区委没有上级组织", "only the district committee has no parent")
        self._cycles(t, "上级组织")

    def _cycles(self, t: Table, what: str) -> None:
        """Report every row of every loop in the parent chains (each loop once, on all its rows)."""
        done: set[int] = set()  # rows whose chain is known to end (or whose loop was reported)
        for start in t.rows:
            path: list[Row] = []
            on_path: dict[int, int] = {}
            row: Row | None = start
            while row is not None and id(row) not in done:
                if id(row) in on_path:
                    loop = path[on_path[id(row)] :]
                    chain = " → ".join(str(r.v["code"]) for r in [*loop, row])
                    for member in loop:
                        self.row_bad(
                            t, member, "parent", f"{what}关系成环：{chain}", f"the parent chain loops: {chain}"
                        )
                    break
                on_path[id(row)] = len(path)
                path.append(row)
                row = t.by_code(row.v["parent"]) if row.v["parent"] is not None else None
            done.update(id(r) for r in path)

    def grid_tree(self) -> None:
        t, orgs = self.tables.get("grid"), self.tables.get("org")
        if t is None or orgs is None:
            return
        owner: dict[tuple[int, object], Row] = {}
        for r in t.rows:
            level, org_code = r.v["level"], r.v["org"]
            if level is None:
                continue
            parent = t.by_code(r.v["parent"]) if r.v["parent"] else None
            if level == 1 and r.v["parent"] is not None:
                self.row_bad(t, r, "parent", "第1级（区）网格没有上级网格", "a level-1 grid has no parent")
            elif level > 1 and r.v["parent"] is None and "parent" not in r.bad:
                self.row_bad(t, r, "parent", "第2–4级网格须填上级网格", "levels 2–4 need a parent grid")
            elif parent is not None and parent.v["level"] is not None and parent.v["level"] != level - 1:
                self.row_bad(
                    t, r, "parent", f"上级网格应为第{level - 1}级", f"the parent must be a level-{level - 1} grid"
                )
            org = orgs.by_code(org_code) if org_code else None
            if org is not None and org.v["kind"] not in GRID_LEVEL_KINDS[level]:
                self.row_bad(
                    t, r, "org", "所属组织的类型与网格层级不符", "the organisation's kind does not fit the grid level"
                )
            elif org is not None and level in (2, 3):
                first = owner.setdefault((level, org_code), r)
                if first is not r:
                    self.row_bad(
                        t,
                        r,
                        "org",
                        f"该组织已有第{level}级网格（第{first.n}行）",
                        "the organisation already has a grid at this level",
                    )
        for r in orgs.rows:
            level = 2 if r.v["kind"] in STREET_KINDS else 3 if r.v["kind"] in COMMUNITY_KINDS else None
            if level and (level, r.v["code"]) not in owner and r.v["code"] is not None:
                self.row_bad(
                    orgs,
                    r,
                    "code",
                    f"该组织在「网格」中没有第{level}级网格",
                    f"no level-{level} grid for this organisation",
                )

    # ------------------------------------------------------------ places, coordinates, dates

    def building_groups(self) -> None:
        t, grids = self.tables.get("building_group"), self.tables.get("grid")
        for r in t.rows if t else []:
            grid = grids.by_code(r.v["grid"]) if grids and r.v["grid"] else None
            if grid is not None and "org" not in r.bad and (grid.v["level"] != 4 or grid.v["org"] != r.v["org"]):
                self.row_bad(
                    t, r, "grid", "应为本社区/村的第4级（楼院片区）网格", "must be a level-4 grid of the same community"
                )
        wishes, groups = self.tables.get("micro_wish"), t
        for r in wishes.rows if wishes and groups else []:
            bg = groups.by_code(r.v["building_group"]) if r.v["building_group"] else None
            if bg is not None and r.v["org"] is not None and "org" not in bg.bad and bg.v["org"] != r.v["org"]:
                self.row_bad(
                    wishes,
                    r,
                    "building_group",
                    "该楼院不属于所填社区/村",
                    "the building group is not in that community",
                )

    def coordinates(self) -> None:
        """Points (and grid outlines) inside the district, within BOUNDARY_TOLERANCE_M of its outline; GCJ-02
        rows converted to WGS-84 first, outlines included. One vectorised test per table."""
        ring = geo.district_outline()
        for t in self.tables.values():
            if "lon" not in t.entity.by_field:
                continue
            placed = []
            for r in t.rows:
                lon, lat = r.v["lon"], r.v["lat"]
                if (lon is None) != (lat is None):
                    field_ = "lat" if lat is None else "lon"
                    self.row_bad(t, r, field_, "经度和纬度须同时填写", "give both longitude and latitude")
                    r.v["lon"] = r.v["lat"] = None
                elif lon is not None:
                    if r.v.get("crs") == "gcj02":
                        lon, lat = gcj02_to_wgs84(float(lon), float(lat))
                        r.v["lon"], r.v["lat"] = round(lon, 6), round(lat, 6)
                    placed.append(r)
                if r.v.get("geometry") and r.v.get("crs") == "gcj02":
                    r.v["geometry"] = _outline_to_wgs84(r.v["geometry"])
            if placed:
                xs = np.array([float(r.v["lon"]) for r in placed])
                ys = np.array([float(r.v["lat"]) for r in placed])
                out = np.flatnonzero(~_inside(xs, ys, ring))
                shifted = [gcj02_to_wgs84(float(xs[i]), float(ys[i])) for i in out]
                helps = _inside(np.array([p[0] for p in shifted]), np.array([p[1] for p in shifted]), ring)
                for i, converted_inside in zip(out, helps):
                    r = placed[i]
                    hint = ""
                    if not r.v.get("crs") and converted_inside:
                        hint = "；该点按高德/腾讯坐标（GCJ-02）换算后落在区内，若是，请在「坐标系」填 GCJ-02"
                    where = f"（{xs[i]}, {ys[i]}）"
                    zh = f"坐标{where}不在二七区范围内（含边界外 {BOUNDARY_TOLERANCE_M} 米）{hint}"
                    self.row_bad(t, r, "lon", zh, "the point lies outside the district")
                    r.v["lon"] = r.v["lat"] = None
            outlined = [r for r in t.rows if r.v.get("geometry") and "geometry" not in r.bad]
            if outlined:  # every vertex of every outline in one test
                vertices = [_vertices(r.v["geometry"]) for r in outlined]
                owner = np.repeat(np.arange(len(outlined)), [len(vx) for vx, _vy in vertices])
                vx, vy = np.concatenate([p[0] for p in vertices]), np.concatenate([p[1] for p in vertices])
                for i in np.unique(owner[~_inside(vx, vy, ring)]):
                    r = outlined[i]
                    self.row_bad(
                        t,
                        r,
                        "geometry",
                        f"范围超出二七区（含边界外 {BOUNDARY_TOLERANCE_M} 米）；高德/腾讯坐标请在「坐标系」填 GCJ-02",
                        "the outline reaches outside the district",
                    )
                    r.v["geometry"] = None

    def in_order(self, key: str, fields: tuple[str, ...], no_gaps: bool = False) -> None:
        t = self.tables.get(key)
        for r in t.rows if t else []:
            last, gap = None, None
            for f in fields:
                value = r.v[f]
                if value is None:
                    gap = gap or f
                    continue
                if no_gaps and gap is not None:
                    self.row_bad(
                        t,
                        r,
                        f,
                        f"已填本环节，但缺少「{t.entity.by_field[gap].header}」",
                        "a stage is filled but an earlier one is missing",
                    )
                if last is not None and value < r.v[last]:
                    earlier = t.entity.by_field[last].header
                    self.row_bad(t, r, f, f"早于「{earlier}」", f"earlier than {last}")
                last = f
        if key == "service_request" and t:
            for r in t.rows:
                if r.v["rating"] is not None and r.v["rated_at"] is None:
                    self.row_bad(t, r, "rating", "有评分但没有评价时间", "a rating without a rating time")


def validate(sheets: list[Sheet]) -> Checked:
    """Parse and check every sheet; the tables are only fit to write when no problem was found."""
    c = _Checker()
    c.take_sheets(sheets)
    c.keys()
    c.refs()
    c.org_tree()
    c.grid_tree()
    c.building_groups()
    c.coordinates()
    c.in_order("member", ("birth_date", "joined_on"))
    c.in_order("service_request", ("ordered_at", "dispatched_at", "accepted_at", "done_at", "rated_at"), no_gaps=True)
    c.in_order("micro_wish", ("posted_on", "claimed_on", "fulfilled_on"))
    c.in_order("supervision_task", ("assigned_on", "due_on"))
    c.in_order("supervision_task", ("assigned_on", "completed_on"))
    c.problems.sort(key=lambda p: (p.row is not None, p.column is not None, p.file, p.row or 0))  # causes first
    return Checked(c.tables, c.problems)
