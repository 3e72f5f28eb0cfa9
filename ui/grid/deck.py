"""The grid map's pydeck chart: offline base, grid areas, building groups, facilities, colours and view.

Builders only: frames in, a `pdk.Deck` (and its legend) out. No basemap service is ever contacted:
`map_provider=None`, and the district with its neighbours is drawn from the reference outlines.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
import pydeck as pdk

from geo.gcj02 import shift_geometry, wgs84_to_gcj02_arrays

from ..basemap import TileConfig, map_style
from ..data_quality import has_shape
from ..kpi import fmt_number
from ..labels import t
from ..maps import (
    MAP_HEIGHT,
    MAP_WIDTH,
    CompactDeck,
    bounds_of,
    built_up_box,
    fit_view,
    focus_view,
    from_pixels,
    positions,
    rgb,
    rings_to_pixels,
    to_pixels,
    visible_box,
)
from ..maps import text_layer as _text_layer
from ..numbers import decimal, percent
from ..placement import AROUND, CENTRED, Label, callouts, leader_end, marker_box, place
from ..safe_text import esc

BACKGROUND = "#dde3e9"
COLOR_BY = ("street", "per_group", "completeness", "points")
FACILITY_KINDS = ("service_center", "station", "kitchen")

# 20 distinguishable colours for areas (17 streets, up to ~24 communities in a street)
CATEGORY = [
    "#c62828", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#ad1457", "#827717", "#4e342e",
    "#283593", "#d84315", "#00695c", "#8e24aa", "#f9a825", "#0277bd", "#558b2f", "#5d4037", "#c2185b",
    "#455a64", "#7cb342",
]  # fmt: skip
SEQUENTIAL = ["#fde0c5", "#facba6", "#f59e72", "#e8613c", "#b3261e"]
COMPLETENESS = [  # (lowest share, colour, legend key)
    (1.0, "#2e7d32", "grid_legend_complete"),
    (0.9, "#9ccc65", "grid_legend_90"),
    (0.6, "#ffb300", "grid_legend_60"),
    (0.0, "#d84315", "grid_legend_below_60"),
]
NO_DATA = "#b0b6bc"
FACILITY_STYLE = {  # glyph, colour
    "service_center": ("■", "#c62828"),
    "station": ("◆", "#1565c0"),
    "kitchen": ("▲", "#ef6c00"),
}
DEMO_FILL, DEMO_LINE = "#ffc107", "#b3261e"
POINT_RADIUS = {"district": 4, "street": 6, "community": 9, "building_group": 9}
AREA_LABEL_SIZE = {"district": 15, "street": 14, "community": 13, "building_group": 13}


# ---------------------------------------------------------------- colours


@dataclass
class ColourScale:
    """How a measure maps to colours, with the legend that explains it."""

    measure: str
    legend: list[tuple[str, str]] = field(default_factory=list)  # (hex colour, label)
    categories: dict[str, str] = field(default_factory=dict)  # category -> colour (measure "street")
    edges: list[float] = field(default_factory=list)  # lower bounds of bins 2..n (sequential measures)

    def colour(self, value) -> str:
        if self.measure == "street":
            return self.categories.get(str(value), NO_DATA)
        if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
            return NO_DATA
        if self.measure == "completeness":
            for low, colour, _ in COMPLETENESS:
                if value >= low - 1e-9:
                    return colour
            return COMPLETENESS[-1][1]
        return SEQUENTIAL[int(np.searchsorted(self.edges, value, side="right"))]


def _area_level_of(level: str) -> int:
    """The grid level drawn as areas at a scope (as the query layer chooses it)."""
    return {"district": 2, "street": 3}.get(level, 4)


def category_key(level: str) -> str:
    """Which column names the area a building group is coloured by at this scope."""
    return {"district": "street", "street": "community"}.get(level, "name")


def colour_scale(measure: str, groups: pd.DataFrame, areas: pd.DataFrame, level: str) -> ColourScale:
    """The scale for a measure, fitted to the building groups shown (quantile bins for counts and points)."""
    if measure == "street":
        names = list(areas["name"])
        cats = {n: CATEGORY[i % len(CATEGORY)] for i, n in enumerate(names)}
        return ColourScale(measure, [(c, n) for n, c in cats.items()], categories=cats)
    if measure == "completeness":
        return ColourScale(measure, [(c, t(k)) for _, c, k in COMPLETENESS])
    values = groups[measure].dropna().to_numpy(dtype=float)
    if values.size == 0:
        return ColourScale(measure, [(NO_DATA, t("grid_legend_no_data"))])
    edges = sorted(set(np.round(np.quantile(values, [0.2, 0.4, 0.6, 0.8]), 1).tolist()))
    lows = [float(values.min()), *edges]
    highs = [*edges, float(values.max())]
    digits = 0 if measure == "per_group" else 1
    legend = [
        (SEQUENTIAL[i], f"{decimal(lo, digits)} – {decimal(hi, digits)}") for i, (lo, hi) in enumerate(zip(lows, highs))
    ]
    return ColourScale(measure, legend, edges=edges)


# ---------------------------------------------------------------- labels

EDGE = 24  # px left free at the map's sides: the map column may be a little narrower than it is fitted for


def label_bounds(size: tuple[int, int]) -> tuple[float, float, float, float]:
    """Where a label may lie in a map of size (width, height) without being cut by its edge."""
    return EDGE, 0.0, size[0] - EDGE, float(size[1])


def layer_label_boxes(layer: dict, view, size: tuple[int, int]) -> list[tuple]:
    """The boxes a deck spec's text layer draws at a view (pos, label, offset per row; the layer's size)."""
    from ..placement import text_box_size

    boxes = []
    for row in layer["data"]:
        x, y = to_pixels(row["pos"][0], row["pos"][1], view, *size)
        dx, dy = row.get("offset", (0, 0))
        w, h = text_box_size(row["label"], layer["getSize"])
        boxes.append((x + dx - w / 2, y + dy - h / 2, x + dx + w / 2, y + dy + h / 2))
    return boxes


def _rows(placed) -> list[dict]:
    """What a text layer reads: the anchor, the name and its pixel offset from the anchor."""
    return [
        {"pos": list(p.label.key[1:]), "label": p.label.text, "offset": [round(p.dx, 1), round(p.dy, 1)]}
        for p in placed
    ]


# ---------------------------------------------------------------- tooltips


def _n(value) -> str:
    if value is None or pd.isna(value):
        return t("na")
    return fmt_number(value)


def _pct(value) -> str:
    return percent(value, 0, na=t("na"))


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def _area_tip(row) -> dict[str, str]:
    staffed = t(
        "grid_tip_grid_staff",
        leader=_mark(row["leaders"] > 0),
        members=_n(row["grid_members"]),
        teams=_n(row["teams"]),
    )
    level = t(f"grid_level_{row['level']}")
    return {
        "tt": f"{esc(row['name'])}（{level}，{t('grid_schematic_short')}）",
        "t1": t("grid_tip_area_groups", n=_n(row["building_groups"]), d=_n(row["demonstration"])),
        "t2": t("grid_tip_area_residents", r=_n(row["residents"]), p=_n(round(row["per_group"], 1))),
        "t3": t("grid_tip_area_quality", c=_pct(row["completeness"]), p=_n(row["points"])) + "　" + staffed,
    }


def _group_tip(row) -> dict[str, str]:
    title = esc(row["name"])
    if row["is_demonstration"]:
        title = f"★ {title}（{t('grid_tip_demo', theme=esc(row['theme_name'] or ''))}）"
    return {
        "tt": title,
        "t1": f"{esc(row['street'])} · {esc(row['community'])}",
        "t2": t("grid_tip_group_people", r=_n(row["residents"]), h=_n(row["households"]), p=_n(row["points"])),
        "t3": t(
            "grid_tip_grid_staff",
            leader=_mark(row["leaders"] > 0),
            members=_n(row["grid_members"]),
            teams=_n(row["teams"]),
        ),
    }


def _facility_tip(row) -> dict[str, str]:
    fed = "" if pd.isna(row["people_fed"]) else t("grid_tip_people_fed", n=_n(row["people_fed"]))
    return {
        "tt": esc(row["name"]),
        "t1": t(f"grid_facility_{row['kind']}"),
        "t2": esc(row["community"] or ""),
        "t3": fed,
    }


TOOLTIP = {
    "html": "<div class='grid-tip'><b>{tt}</b><br/>{t1}<br/>{t2}<br/>{t3}</div>",
    "style": {
        "backgroundColor": "rgba(255,255,255,0.97)",
        "color": "#1f2328",
        "border": "1px solid #c9ced4",
        "borderRadius": "6px",
        "fontSize": "14px",
        "lineHeight": "1.55",
        "padding": "8px 10px",
        "boxShadow": "0 2px 8px rgba(0,0,0,.15)",
    },
}


# ---------------------------------------------------------------- the deck


@dataclass(frozen=True)
class MapInput:
    """What the map shows; frames come from data_access.cached, as returned."""

    level: str  # the filter scope: district, street, community, building_group
    base: tuple[dict, dict]  # district outline, neighbouring districts (GeoJSON FeatureCollections)
    scope: pd.DataFrame  # the scope's own grid (one row)
    areas: pd.DataFrame
    groups: pd.DataFrame
    facilities: pd.DataFrame
    siblings: pd.DataFrame  # areas beside the scope, for orientation (name, geometry, centre)


def mappable(data: MapInput) -> tuple[MapInput, dict[str, int]]:
    """The map's input without the rows it cannot place, and how many of each were left out."""
    kept: dict[str, pd.DataFrame] = {}
    dropped: dict[str, int] = {}
    for name in ("areas", "groups", "facilities", "siblings"):
        frame = getattr(data, name)
        ok = has_shape(frame)
        kept[name] = frame[ok]
        dropped[name] = int((~ok).sum())
    scope = data.scope
    if scope.empty or not has_shape(scope[["geometry"]]).all():
        # the scope's own shape is missing: frame the map on the district outline instead
        outline = json.dumps(data.base[0]["features"][0]["geometry"])
        scope = pd.DataFrame({"geometry": [outline]})
        dropped["scope"] = 1
    dropped.pop("siblings")  # faint context only; not worth a line of its own
    return replace(data, scope=scope, **kept), dropped


def _display(lon: np.ndarray, lat: np.ndarray, tiles: TileConfig | None) -> tuple[np.ndarray, np.ndarray]:
    if tiles is not None and tiles.shift:
        return wgs84_to_gcj02_arrays(lon, lat)
    return np.asarray(lon, float), np.asarray(lat, float)


def _geometry(geom: dict, tiles: TileConfig | None) -> dict:
    return shift_geometry(geom) if tiles is not None and tiles.shift else geom


def _within(pos, box) -> bool:
    (x0, y0), (x1, y1) = box
    return x0 <= pos[0] <= x1 and y0 <= pos[1] <= y1


def _label_point(feature: dict, box) -> list[float] | None:
    """Where to name a neighbouring district: the mean of its vertices near our district, if any."""
    (x0, y0), (x1, y1) = box
    pts = np.array(list(positions(feature["geometry"]["coordinates"])), dtype=float)
    near = pts[(pts[:, 0] >= x0) & (pts[:, 0] <= x1) & (pts[:, 1] >= y0) & (pts[:, 1] <= y1)]
    if len(near) == 0:
        return None
    return [round(float(near[:, 0].mean()), 6), round(float(near[:, 1].mean()), 6)]


def initial_view(
    data: MapInput, size: tuple[int, int], frame: str = "built_up", tiles: TileConfig | None = None
) -> pdk.ViewState:
    """The map's opening view: the scope fitted to the map, or at district scope with frame "built_up"
    the densely built streets, with as much of the rest of the district as the map has room for."""
    scope_box = bounds_of(_geometry(json.loads(data.scope["geometry"].iloc[0]), tiles))
    dense = built_up_box(data.areas) if frame == "built_up" and data.level == "district" else None
    if dense is None:
        return fit_view(*scope_box, *size)
    if tiles is not None and tiles.shift:
        xs, ys = _display(np.array([dense[0][0], dense[1][0]]), np.array([dense[0][1], dense[1][1]]), tiles)
        dense = ((float(xs[0]), float(ys[0])), (float(xs[1]), float(ys[1])))
    return focus_view(dense, scope_box, *size)


def placed_deck(
    data: MapInput,
    scale: ColourScale,
    shown_facilities: tuple[str, ...] = FACILITY_KINDS,
    selected_code: str | None = None,
    tiles: TileConfig | None = None,
) -> tuple[pdk.Deck, dict[str, int]]:
    """The page's map of what can be placed (mappable), and how many rows of each kind it left off."""
    drawn, left_out = mappable(data)
    return build_deck(drawn, scale, shown_facilities, selected_code, tiles), left_out


def build_deck(
    data: MapInput,
    scale: ColourScale,
    shown_facilities: tuple[str, ...] = FACILITY_KINDS,
    selected_code: str | None = None,
    tiles: TileConfig | None = None,
    size: tuple[int, int] = (MAP_WIDTH, MAP_HEIGHT),
    frame: str = "built_up",
    mark_box: tuple[tuple[float, float], tuple[float, float]] | None = None,
    detail: bool = True,
) -> pdk.Deck:
    """The whole map as one deck, fitted to a map of size (width, height) CSS pixels; every layer has a
    stable id so selections survive reruns. frame "built_up" opens the district on its densely built
    streets (the rest a pan or a zoom away), "whole" on the whole scope; mark_box: a lon/lat box outlined
    on the map (the part another map shows); detail False: areas and their names only (a locator map)."""
    district, neighbours = data.base
    level = data.level
    layers: list[pdk.Layer] = []
    view = initial_view(data, size, frame, tiles)

    # offline base: neighbouring districts and their names, then our district
    (dx0, dy0), (dx1, dy1) = bounds_of(district["features"][0]["geometry"])
    box = ((dx0 - 0.06, dy0 - 0.06), (dx1 + 0.06, dy1 + 0.06))
    near_feats, near_labels = [], []
    for feat in neighbours["features"]:
        near_feats.append({**feat, "geometry": _geometry(feat["geometry"], tiles)})
        pos = _label_point(feat, box)
        if pos is not None:
            x, y = _display(np.array([pos[0]]), np.array([pos[1]]), tiles)
            near_labels.append({"pos": [float(x[0]), float(y[0])], "label": feat["properties"]["name"]})
    layers.append(
        pdk.Layer(
            "GeoJsonLayer",
            id="neighbours",
            data={"type": "FeatureCollection", "features": near_feats},
            filled=tiles is None,
            get_fill_color=[234, 237, 240, 255],
            get_line_color=[160, 168, 178, 255],
            line_width_units="'pixels'",
            get_line_width=1,
            pickable=False,
        )
    )
    outline = {**district["features"][0], "geometry": _geometry(district["features"][0]["geometry"], tiles)}
    layers.append(
        pdk.Layer(
            "GeoJsonLayer",
            id="district",
            data={"type": "FeatureCollection", "features": [outline]},
            filled=tiles is None,
            get_fill_color=[250, 248, 243, 255],
            get_line_color=[179, 38, 30, 255],
            line_width_units="'pixels'",
            get_line_width=3,
            pickable=False,
        )
    )

    # the areas beside the scope, faint, for orientation
    sibling_features, sibling_labels = [], []
    for _, row in data.siblings.iterrows():
        sibling_features.append({"type": "Feature", "geometry": _geometry(json.loads(row["geometry"]), tiles)})
        x, y = _display(np.array([row["center_lon"]]), np.array([row["center_lat"]]), tiles)
        sibling_labels.append({"pos": [round(float(x[0]), 6), round(float(y[0]), 6)], "label": row["name"]})
    layers.append(
        pdk.Layer(
            "GeoJsonLayer",
            id="siblings",
            data={"type": "FeatureCollection", "features": sibling_features},
            filled=False,
            get_line_color=[150, 156, 164, 255],
            line_width_units="'pixels'",
            get_line_width=1.5,
            pickable=False,
        )
    )

    # grid areas of the scope's level, coloured by the measure
    area_features, area_labels = [], []
    for _, row in data.areas.iterrows():
        value = row["name"] if scale.measure == "street" else row[scale.measure]
        props = {
            "code": row["code"],
            "fill": rgb(scale.colour(value), 96 if level == "district" else 110),
            **_area_tip(row),
        }
        geom = _geometry(json.loads(row["geometry"]), tiles)
        area_features.append({"type": "Feature", "geometry": geom, "properties": props})
        x, y = _display(np.array([row["center_lon"]]), np.array([row["center_lat"]]), tiles)
        area_labels.append({"pos": [round(float(x[0]), 6), round(float(y[0]), 6)], "label": row["name"], "geom": geom})
    layers.append(
        pdk.Layer(
            "GeoJsonLayer",
            id="areas",
            data={"type": "FeatureCollection", "features": area_features},
            filled=True,
            stroked=True,
            get_fill_color="properties.fill",
            get_line_color=[90, 98, 108, 220],
            line_width_units="'pixels'",
            get_line_width=1.2,
            pickable=True,
            auto_highlight=True,
            highlight_color=[255, 255, 255, 60],
        )
    )
    if level != "district" and len(data.scope):
        scope_geom = _geometry(json.loads(data.scope["geometry"].iloc[0]), tiles)
        layers.append(
            pdk.Layer(
                "GeoJsonLayer",
                id="scope",
                data={"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": scope_geom}]},
                filled=False,
                get_line_color=[179, 38, 30, 255],
                line_width_units="'pixels'",
                get_line_width=3,
                pickable=False,
            )
        )

    # building groups: every group a dot in its colour; demonstration buildings marked and named
    groups = data.groups
    gx, gy = _display(groups["lon"].to_numpy(), groups["lat"].to_numpy(), tiles)
    key = category_key(level)
    group_rows, demo_rows, demo_labels = [], [], []
    for i, row in enumerate(groups.to_dict("records")):  # plain dicts: iterrows built a Series per group
        value = row[key] if scale.measure == "street" else row[scale.measure]
        item = {
            "code": row["code"],
            "pos": [round(float(gx[i]), 6), round(float(gy[i]), 6)],
            "fill": rgb(scale.colour(value)),
            **_group_tip(row),
        }
        group_rows.append(item)
        if row["is_demonstration"]:
            demo_rows.append(item)
            demo_labels.append({"pos": item["pos"], "label": row["name"], "weight": row["residents"]})
    radius = POINT_RADIUS.get(level, 6)
    if not detail:
        group_rows, demo_rows, demo_labels, near_labels = [], [], [], []
    layers.append(
        pdk.Layer(
            "ScatterplotLayer",
            id="groups",
            data=group_rows,
            get_position="pos",
            get_fill_color="fill",
            get_line_color=[255, 255, 255, 255],
            stroked=True,
            line_width_units="'pixels'",
            get_line_width=1,
            radius_units="'pixels'",
            get_radius=radius,
            pickable=True,
            auto_highlight=True,
        )
    )
    layers.append(
        pdk.Layer(
            "ScatterplotLayer",
            id="demonstration",
            data=demo_rows,
            get_position="pos",
            get_fill_color=rgb(DEMO_FILL),
            get_line_color=rgb(DEMO_LINE),
            stroked=True,
            line_width_units="'pixels'",
            get_line_width=2.5,
            radius_units="'pixels'",
            get_radius=radius + 3,
            pickable=True,
            auto_highlight=True,
        )
    )

    # facilities, each kind its own toggleable layer, drawn as glyphs so they read apart from the dots
    fac = data.facilities
    facility_rows: list[dict] = []
    for kind in FACILITY_KINDS:
        if kind not in shown_facilities:
            continue
        part = fac[fac["kind"] == kind]
        fx, fy = _display(part["lon"].to_numpy(), part["lat"].to_numpy(), tiles)
        glyph, colour = FACILITY_STYLE[kind]
        rows = [
            {"pos": [round(float(fx[i]), 6), round(float(fy[i]), 6)], "label": glyph, **_facility_tip(r)}
            for i, r in enumerate(part.to_dict("records"))
        ]
        facility_rows += rows
        layers.append(_text_layer(kind, rows, 10 if level == "district" else 17, rgb(colour), pickable=True))

    if selected_code is not None:
        hit = [r for r in group_rows if r["code"] == selected_code]
        layers.append(
            pdk.Layer(
                "ScatterplotLayer",
                id="selected",
                data=[{"pos": h["pos"]} for h in hit],
                get_position="pos",
                filled=False,
                stroked=True,
                get_line_color=[20, 24, 28, 255],
                line_width_units="'pixels'",
                get_line_width=3,
                radius_units="'pixels'",
                get_radius=radius + 9,
                pickable=False,
            )
        )

    if mark_box is not None:
        (mx0, my0), (mx1, my1) = mark_box
        ring = [[mx0, my0], [mx1, my0], [mx1, my1], [mx0, my1], [mx0, my0]]
        layers.append(
            pdk.Layer(
                "PathLayer",
                id="mark_box",
                data=[{"path": ring}],
                get_path="path",
                get_color=[20, 24, 28, 255],
                width_units="'pixels'",
                get_width=2,
                pickable=False,
            )
        )

    # names on top, placed together so none covers another or a demonstration building: areas first
    # (larger ones first), then demonstration buildings, then the areas and districts around the scope
    area_size, demo_size = AREA_LABEL_SIZE.get(level, 13), 12 if level == "district" else 14
    px = lambda pos: to_pixels(pos[0], pos[1], view, *size)  # noqa: E731
    # building areas are named beside their group's dot, and then carry the demonstration names too
    names_at_dots = _area_level_of(level) == 4
    labels: list[Label] = []
    for item, n in zip(area_labels, data.areas["building_groups"].to_numpy()):
        if mark_box is not None and _within(item["pos"], mark_box):
            continue  # a locator names only what the main map leaves out
        x, y = px(item["pos"])
        if names_at_dots:
            labels.append(
                Label(item["label"], x, y, area_size, 3e6 + float(n), radius + 3, AROUND, ("area", *item["pos"]))
            )
        else:
            region = rings_to_pixels(item["geom"], view, *size)
            labels.append(
                Label(item["label"], x, y, area_size, 3e6 + float(n), 4, CENTRED, ("area", *item["pos"]), region)
            )
    if not names_at_dots:
        for item in demo_labels:
            x, y = px(item["pos"])
            weight = 0.0 if pd.isna(item["weight"]) else float(item["weight"])
            labels.append(
                Label(item["label"], x, y, demo_size, 2e6 + weight, radius + 5, AROUND, ("demo", *item["pos"]))
            )
    for item in sibling_labels:
        x, y = px(item["pos"])
        labels.append(Label(item["label"], x, y, 14, 1e6, 4, CENTRED, ("sibling", *item["pos"])))
    for item in near_labels:
        x, y = px(item["pos"])
        labels.append(Label(item["label"], x, y, 15, 0, 0, ("center",), ("near", *item["pos"])))
    # no name covers a demonstration building, the selected one or (but at district scope, hundreds) a
    # facility; a building area's name beside its dot covers no other dot; demonstration names keep off
    # every dot and glyph too (a name over the dots of a dense street hides them)
    markers = [marker_box(*px(r["pos"]), radius + 4) for r in demo_rows]
    markers += [marker_box(*px(r["pos"]), radius + 10) for r in group_rows if r["code"] == selected_code]
    glyphs = [marker_box(*px(r["pos"]), 5 if level == "district" else 9) for r in facility_rows]
    dots = [marker_box(*px(r["pos"]), radius + 1) for r in group_rows]
    names = [lb for lb in labels if lb.key[0] != "demo"]
    near = markers + (glyphs if level != "district" else []) + (dots if names_at_dots else [])
    placed = place(names, near, label_bounds(size), outside_ok=True)
    # an area with no room for its name inside (the old city's small streets at district zoom) is named
    # beside it, a leader line back to its centre; the name is pinned to the map there, the line with it
    got = {p.label.key for p in placed}
    lost = [lb for lb in names if lb.key[0] == "area" and lb.key not in got and not names_at_dots]
    called: list = []
    for avoid in (near + dots, near):  # off every dot where there is room (outside the crowd), else off the marks
        left = [lb for lb in lost if lb.key not in {p.label.key for p in called}]
        if left:
            called += callouts(left, avoid, label_bounds(size), [p.box for p in placed + called])
    demos = [lb for lb in labels if lb.key[0] == "demo"]
    taken = [p.box for p in placed + called]
    placed += place(demos, markers + glyphs + dots, label_bounds(size), taken, outside_ok=True)
    kind = lambda k: [p for p in placed if p.label.key[0] == k]  # noqa: E731
    geo = lambda x, y: [round(v, 6) for v in from_pixels(x, y, view, *size)]  # noqa: E731
    if called:
        layers += _leader_layers(called, geo)
    called_rows = [{"pos": geo(p.x, p.y), "label": p.label.text, "offset": [0, 0]} for p in called]
    for layer_id, k, text_size, colour in (
        ("neighbour_labels", "near", 15, [105, 113, 122, 255]),
        ("sibling_labels", "sibling", 14, [112, 118, 126, 255]),
        ("area_labels", "area", area_size, [33, 37, 41, 255]),
        ("demonstration_labels", "demo", demo_size, rgb(DEMO_LINE)),
    ):
        rows = _rows(kind(k)) + (called_rows if k == "area" else [])
        layers.append(_text_layer(layer_id, rows, text_size, colour, pickable=False, get_pixel_offset="offset"))

    style = {"map_style": map_style(tiles, BACKGROUND)} if tiles is not None else {}
    return CompactDeck(layers=layers, initial_view_state=view, map_provider=None, tooltip=TOOLTIP, **style)


def _leader_layers(called, geo) -> list[pdk.Layer]:
    """The callouts' leader lines, from each area's centre (a dot) to the edge of its name (geo: px -> lon/lat)."""
    ink = [33, 37, 41, 255]
    return [
        pdk.Layer(
            "PathLayer",
            id="area_leaders",
            data=[{"path": [geo(p.label.x, p.label.y), geo(*leader_end(p))], "label": p.label.text} for p in called],
            get_path="path",
            get_color=ink,
            width_units="'pixels'",
            get_width=1.5,
            pickable=False,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            id="area_leader_feet",
            data=[{"pos": geo(p.label.x, p.label.y)} for p in called],
            get_position="pos",
            get_fill_color=ink,
            radius_units="'pixels'",
            get_radius=2.5,
            pickable=False,
        ),
    ]


def opens_on_part(data: MapInput, size: tuple[int, int]) -> bool:
    """True when a map of this size opens on part of its scope (the district's built-up streets)."""
    whole = fit_view(*bounds_of(json.loads(data.scope["geometry"].iloc[0])), *size)
    return initial_view(data, size).zoom > whole.zoom + 0.05


def locator_deck(data: MapInput, scale: ColourScale, size: tuple[int, int], main_size: tuple[int, int]) -> pdk.Deck:
    """A small map of the whole scope with the part a main map of main_size opens on outlined, for a map
    that is never panned (the wall): the streets the main map leaves out stay in sight."""
    shown = visible_box(initial_view(data, main_size), *main_size)
    return build_deck(data, scale, (), None, None, size, "whole", shown, detail=False)


def legend_html(scale: ColourScale, shown_facilities: tuple[str, ...], tiles: TileConfig | None) -> str:
    """A compact legend under the map: the colour measure, the markers, and the basemap's attribution."""
    chips = "".join(
        f'<span class="lg-item"><i style="background:{c}"></i>{html.escape(label)}</span>' for c, label in scale.legend
    )
    marks = [
        f'<span class="lg-item"><i class="lg-demo"></i>{html.escape(t("grid_legend_demo"))}</span>',
        f'<span class="lg-item"><i class="lg-sel"></i>{html.escape(t("grid_legend_selected"))}</span>',
    ]
    for kind in FACILITY_KINDS:
        if kind in shown_facilities:
            glyph, colour = FACILITY_STYLE[kind]
            marks.append(
                f'<span class="lg-item"><b style="color:{colour}">{glyph}</b>{html.escape(t(f"grid_facility_{kind}"))}</span>'
            )
    attribution = ""
    if tiles is not None and tiles.attribution:
        attribution = f'<span class="lg-attr">{html.escape(tiles.attribution)}</span>'
    title = html.escape(t(f"grid_color_{scale.measure}"))
    return (
        f'<div class="grid-legend"><div><span class="lg-title">{title}</span>{chips}</div>'
        f"<div>{''.join(marks)}{attribution}</div></div>"
    )


LEGEND_CSS = """
.grid-legend { font-size: .9rem; color: #333; line-height: 1.9; }
.grid-legend .lg-title { font-weight: 600; margin-right: .6rem; }
.grid-legend .lg-item { display: inline-flex; align-items: center; margin-right: .9rem; white-space: nowrap; }
.grid-legend .lg-item i { display: inline-block; width: .95rem; height: .95rem; border-radius: 3px;
  margin-right: .3rem; border: 1px solid rgba(0,0,0,.15); }
.grid-legend .lg-item b { margin-right: .3rem; font-size: 1.05rem; }
.grid-legend i.lg-demo { border-radius: 50%; background: #ffc107; border: 2.5px solid #b3261e; }
.grid-legend i.lg-sel { border-radius: 50%; background: transparent; border: 3px solid #14181c; }
.grid-legend .lg-attr { color: #777; font-size: .8rem; }
.st-key-grid_map_box [data-testid="stDeckGlJsonChart"], .st-key-grid_map_box .static-map { background: #dde3e9; border-radius: 8px; }
"""
