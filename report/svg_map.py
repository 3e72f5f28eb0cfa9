"""The report's two maps as inline SVG: no tiles, no network, no script, so Chromium prints them as they are.

Longitude/latitude are projected equirectangularly, x scaled by cos(latitude) at the map's centre: at a
district's size (20 km) that is indistinguishable from Web-Mercator. Names that do not fit inside their
area are set in a column beside the map with a leader line, so no name is clipped or drawn over another.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from html import escape

import numpy as np
import pandas as pd

from data_access.queries.volunteers import CELL_DEG
from ui.data_quality import has_shape
from ui.grid.deck import CATEGORY, DEMO_FILL, DEMO_LINE
from ui.maps import bounds_of
from ui.placement import CENTRED, Label, Placed, marker_box, place
from ui.placement import text_width as text_width
from ui.volunteers.service_map import HEAT_COLORS

FONT = "'Noto Sans CJK SC', 'Noto Sans SC', sans-serif"
PAD = 10  # px kept free around the fitted shape
POINT_R = {"district": 1.7, "street": 3.2, "community": 5.0}
LABEL_SIZE = {"district": 10.5, "street": 12, "community": 11}
SCOPE_LINE, SIBLING_LINE, AREA_LINE = "#b3261e", "#a4abb3", "#5a626c"
NO_DATA = "#b0b6bc"
KM_DEG = 1 / 111.32  # degrees of latitude in a kilometre


@dataclass(frozen=True)
class Frame:
    """The projection of a lon/lat box onto a width × height drawing."""

    lon0: float
    lat1: float
    k: float  # cos(latitude) at the box's centre
    scale: float  # px per degree of latitude
    ox: float
    oy: float
    width: int
    height: int

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return self.ox + (lon - self.lon0) * self.k * self.scale, self.oy + (self.lat1 - lat) * self.scale


def fit(box: tuple[tuple[float, float], tuple[float, float]], width: int, max_height: int) -> Frame:
    """The largest drawing of box that fits width × max_height (the height shrinks to the box's shape)."""
    (x0, y0), (x1, y1) = box
    k = math.cos(math.radians((y0 + y1) / 2))
    w_deg, h_deg = max((x1 - x0) * k, 1e-6), max(y1 - y0, 1e-6)
    scale = min((width - 2 * PAD) / w_deg, (max_height - 2 * PAD) / h_deg)
    height = math.ceil(h_deg * scale + 2 * PAD)
    ox = (width - w_deg * scale) / 2
    return Frame(x0, y1, k, scale, ox, PAD, width, height)


def _rings(geometry: dict) -> list[list]:
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for poly in geometry["coordinates"] for ring in poly]
    return []


def path_d(geometry: dict, frame: Frame) -> str:
    """An SVG path (even-odd holes) of a GeoJSON Polygon or MultiPolygon."""
    parts = []
    for ring in _rings(geometry):
        pts = [frame.xy(float(p[0]), float(p[1])) for p in ring]
        if len(pts) >= 3:
            parts.append("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in pts) + "Z")
    return "".join(parts)


def _ground(frame: Frame, district: dict, shapes: pd.DataFrame, cls: str) -> list[str]:
    """A map's first layers: the background, the district's outline, and the given shapes in class cls."""
    body = [f'<rect class="sea" width="{frame.width}" height="{frame.height}"/>']
    body.append(f'<path class="district" d="{path_d(district, frame)}"/>')
    for g in shapes["geometry"] if len(shapes) else []:
        geom = _shape(g)
        if geom:
            body.append(f'<path class="{cls}" d="{path_d(geom, frame)}"/>')
    return body


def _shape(text: object) -> dict | None:
    """A stored GeoJSON text as a geometry, None when it is not one (a bad row is left off, not fatal)."""
    try:
        geometry = json.loads(str(text))
    except (TypeError, ValueError):
        return None
    return geometry if isinstance(geometry, dict) and _rings(geometry) else None


def _label(x: float, y: float, text: str, size: float, anchor: str = "middle", cls: str = "lbl") -> str:
    return (
        f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" '
        f'dominant-baseline="central">{escape(text)}</text>'
    )


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@dataclass(frozen=True)
class AreaLabel:
    name: str
    x: float  # anchor: the area's centre
    y: float
    box: tuple[float, float, float, float]  # the area's own drawn bounding box
    rings: tuple = ()  # the area's outline in px: a name set inside stays inside
    weight: float = 0.0  # building groups: the fuller areas are named first
    lon: float = 0.0  # the anchor on the ground
    lat: float = 0.0


def place_labels(
    items: list[AreaLabel],
    size: float,
    width: int,
    below: float = 0,
    markers: list[tuple] = (),
    height: float | None = None,
    taken: list[tuple] = (),
) -> tuple[list[Placed], list[AreaLabel]]:
    """Names set inside their area where they touch no other name and no marker (ui.placement); the rest
    are returned to be set beside the map. Fuller areas choose first. below: px between a building area's
    dot (which sits at its centre) and its name, set under the dot first, never over it."""
    labels = []
    for item in items:
        if below:
            where = ("below", "above", "right", "left")
            labels.append(Label(item.name, item.x, item.y, size, item.weight, below, where, item))
        else:
            labels.append(Label(item.name, item.x, item.y, size, item.weight, 4, CENTRED, item, item.rings))
    bounds = (1.0, 1.0, width - 1.0, height - 1.0) if height else (1.0, -1e9, width - 1.0, 1e9)
    placed = place(labels, markers, bounds, taken)
    kept = {id(p.label.key) for p in placed}
    return placed, [item for item in items if id(item) not in kept]


def callouts(items: list[AreaLabel], size: float, x: float, height: int) -> str:
    """Names in a column at x, each near its area's height, joined to the area by a leader line."""
    if not items:
        return ""
    gap = size * 1.45
    items = sorted(items, key=lambda a: a.y)
    ys: list[float] = []
    for item in items:
        ys.append(max(item.y, (ys[-1] + gap) if ys else size))
    overflow = ys[-1] - (height - size)
    if overflow > 0:  # pushed past the bottom: move the column up, keeping the order and the gaps
        ys = [y - overflow for y in ys]
        for i in range(len(ys) - 2, -1, -1):
            ys[i] = min(ys[i], ys[i + 1] - gap)
    out = []
    for item, y in zip(items, ys):
        out.append(
            f'<polyline class="leader" points="{item.x:.1f},{item.y:.1f} {x - 14:.1f},{y:.1f} {x - 4:.1f},{y:.1f}"/>'
            f'<circle class="anchor" cx="{item.x:.1f}" cy="{item.y:.1f}" r="1.8"/>'
        )
        out.append(_label(x, y, item.name, size, "start"))
    return "".join(out)


def scale_bar(frame: Frame, y: float) -> str:
    """A bar of a round number of kilometres, about a fifth of the map's width."""
    px_km = frame.scale * KM_DEG  # a km east-west is the same px as north-south here (x is scaled by k)
    target = frame.width / 5 / px_km
    km = next(v for v in (0.1, 0.2, 0.5, 1, 2, 5, 10, 20) if v >= target * 0.6)
    w, x = km * px_km, PAD
    text = f"{km:g} km"
    return f'<path class="bar" d="M{x:.1f},{y - 4:.1f}V{y:.1f}H{x + w:.1f}V{y - 4:.1f}"/>' + _label(
        x + w + 4, y - 3, text, 9, "start", "small"
    )


def _svg(width: int, height: int, body: str, title: str) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="map" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{escape(title)}" font-family="{FONT}">'
        f"<title>{escape(title)}</title>{body}</svg>"
    )


def _colours(names: list[str]) -> dict[str, str]:
    """The grid map's categorical colours, in the order the query returns the areas."""
    return {n: CATEGORY[i % len(CATEGORY)] for i, n in enumerate(names)}


def grid_map(
    level: str,
    district: dict,
    scope: str | None,
    areas: pd.DataFrame,
    groups: pd.DataFrame,
    siblings: pd.DataFrame,
    title: str,
    stamp: str,
    width: int = 640,
    max_height: int = 700,
    focus: tuple[tuple[float, float], tuple[float, float]] | None = None,
    mark: tuple[tuple[float, float], tuple[float, float]] | None = None,
) -> str:
    """Scope outline, its grid areas in colour with their names, building groups as points and the
    demonstration buildings marked. Siblings are drawn faintly and never named. focus: a lon/lat box the
    map is fitted to instead of the scope (the district's built-up streets, drawn large). mark: a box
    outlined (the part a focus map shows); names inside it that do not fit are left to that map."""
    scope_geom = _shape(scope) if scope else None
    frame_geom = scope_geom or district
    areas = areas[has_shape(areas[["geometry", "center_lon", "center_lat"]])] if len(areas) else areas
    groups = groups[has_shape(groups[["lon", "lat"]])] if len(groups) else groups
    size = LABEL_SIZE.get(level, 11)
    box = focus or bounds_of(frame_geom)
    frame = fit(box, width, max_height)
    inside, outside = _names(level, areas, groups, frame, size, frame.width, stamp)
    if mark is not None:  # names in the outlined part are the focus map's to set
        outside = [a for a in outside if not _in_box(a, mark)]
    if focus is not None:  # names of the areas beyond the focus are the whole map's
        outside = [a for a in outside if _in_box(a, focus)]
    column = 0
    if outside:  # make room for a column of names on the right and fit the map again
        column = int(max(text_width(a.name, size) for a in outside) + 24)
        frame = fit(box, width - column, max_height)
        frame = Frame(frame.lon0, frame.lat1, frame.k, frame.scale, frame.ox, frame.oy, width, frame.height)
        inside, outside = _names(level, areas, groups, frame, size, width - column, stamp)
        outside = [
            a for a in outside if (mark is None or not _in_box(a, mark)) and (focus is None or _in_box(a, focus))
        ]
    colours = _colours([str(n) for n in areas["name"]]) if len(areas) else {}
    body = _ground(frame, district, siblings, "sibling")
    for row in areas.itertuples():
        geom = _shape(row.geometry)
        if geom:
            colour = colours.get(str(row.name), NO_DATA)
            body.append(f'<path class="area" fill="{colour}" d="{path_d(geom, frame)}"/>')
    if scope_geom is not None:
        body.append(f'<path class="scope" d="{path_d(scope_geom, frame)}"/>')
    body.append(_points(level, groups, colours, frame))
    if mark is not None:
        (mx0, my0), (mx1, my1) = mark
        (x0, y0), (x1, y1) = frame.xy(mx0, my1), frame.xy(mx1, my0)
        body.append(f'<rect class="focus" x="{x0:.1f}" y="{y0:.1f}" width="{x1 - x0:.1f}" height="{y1 - y0:.1f}"/>')
    body.append("".join(_label(p.x, p.y, p.label.text, size) for p in inside))
    body.append(callouts(outside, size, width - column + 10, frame.height))
    body.append(_label(PAD, PAD + 6, stamp, 10, "start", "stamp"))
    body.append(scale_bar(frame, frame.height - PAD))
    return _svg(width, frame.height, "".join(body), title)


def _in_box(item: AreaLabel, box) -> bool:
    (x0, y0), (x1, y1) = box
    return x0 <= item.lon <= x1 and y0 <= item.lat <= y1


def _names(
    level: str, areas: pd.DataFrame, groups: pd.DataFrame, frame: Frame, size: float, width: float, stamp: str
) -> tuple[list[Placed], list[AreaLabel]]:
    """The area names set on the map (clear of each other, the demonstration buildings, the stamp and the
    scale bar; at community scope of every dot) and those left over."""
    r = POINT_R.get(level, 3)
    markers = []
    for row in groups.itertuples() if len(groups) else ():
        if row.is_demonstration or level == "community":
            x, y = frame.xy(float(row.lon), float(row.lat))
            markers.append(marker_box(x, y, r + (3.4 if row.is_demonstration else 1)))
    taken = [
        (0.0, 0.0, PAD + text_width(stamp, 10) + 6, PAD + 14),  # the stamp, top left
        (0.0, frame.height - PAD - 16, frame.width / 4 + 60, float(frame.height)),  # the scale bar
    ]
    below = r + 3.4 if level == "community" else 0
    return place_labels(_area_labels(areas, frame), size, int(width), below, markers, frame.height, taken)


def _area_labels(areas: pd.DataFrame, frame: Frame) -> list[AreaLabel]:
    out = []
    weights = areas["building_groups"] if "building_groups" in areas else pd.Series(0, index=areas.index)
    for row, weight in zip(areas.itertuples(), weights):
        geom = _shape(row.geometry)
        if geom is None:
            continue
        rings = tuple(tuple(frame.xy(float(p[0]), float(p[1])) for p in ring) for ring in _rings(geom))
        pts = np.array([p for ring in rings for p in ring])
        x, y = frame.xy(float(row.center_lon), float(row.center_lat))
        box = (*pts.min(axis=0), *pts.max(axis=0))
        w = 0.0 if pd.isna(weight) else float(weight)
        out.append(AreaLabel(str(row.name), x, y, box, rings, w, float(row.center_lon), float(row.center_lat)))
    return out


def _points(level: str, groups: pd.DataFrame, colours: dict[str, str], frame: Frame) -> str:
    """Every building group a dot in its area's colour; demonstration buildings larger, ringed, on top."""
    if groups.empty:
        return ""
    key = {"district": "street", "street": "community"}.get(level, "name")
    r = POINT_R.get(level, 3)
    dots, demos = [], []
    for row in groups.itertuples():
        x, y = frame.xy(float(row.lon), float(row.lat))
        if row.is_demonstration:
            demos.append(
                f'<circle class="demo" fill="{DEMO_FILL}" stroke="{DEMO_LINE}" cx="{x:.1f}" cy="{y:.1f}" r="{r + 2.2:.1f}"/>'
            )
        else:
            fill = colours.get(str(getattr(row, key)), NO_DATA)
            dots.append(f'<circle class="grp" fill="{fill}" cx="{x:.1f}" cy="{y:.1f}" r="{r}"/>')
    return "".join(dots) + "".join(demos)


def heat_bins(values: pd.Series, classes: int = len(HEAT_COLORS)) -> list[tuple[str, float, float]]:
    """(colour, lowest, highest) per class: quantile classes of the cells' values, as many as there are
    distinct edges (at most classes, at most the heat map's six colours)."""
    v = values.dropna().to_numpy(dtype=float)
    if v.size == 0:
        return []
    n = max(1, min(classes, len(HEAT_COLORS)))
    edges = sorted(set(np.round(np.quantile(v, np.linspace(0, 1, n + 1)[1:-1]), 0).tolist()))
    lows, highs = [float(v.min()), *edges], [*edges, float(v.max())]
    pairs = [(lo, hi) for lo, hi in zip(lows, highs) if hi >= lo]
    step = len(HEAT_COLORS) - len(pairs)  # fewer classes use the hotter end of the ramp
    return [("#{:02x}{:02x}{:02x}".format(*HEAT_COLORS[i + step][:3]), lo, hi) for i, (lo, hi) in enumerate(pairs)]


def heat_map(
    district: dict,
    scope: str | None,
    areas: pd.DataFrame,
    cells: pd.DataFrame,
    bins: list[tuple[str, float, float]],
    title: str,
    stamp: str,
    width: int = 530,
    max_height: int = 380,
) -> str:
    """Service hours per ~400 m cell as coloured squares over the scope's outline (its areas faint)."""
    scope_geom = _shape(scope) if scope else None
    frame_geom = scope_geom or district
    frame = fit(bounds_of(frame_geom), width, max_height)
    body = _ground(frame, district, areas, "faint")
    clip = path_d(frame_geom, frame)  # service inside the scope only: a 400 m cell overhangs its edge
    body.append(f'<defs><clipPath id="heat-clip"><path d="{clip}"/></clipPath></defs><g clip-path="url(#heat-clip)">')
    edges = [lo for _c, lo, _h in bins[1:]]
    side_x, side_y = CELL_DEG * frame.k * frame.scale, CELL_DEG * frame.scale
    cells = cells.dropna(subset=["lon", "lat", "value"])
    for row in cells.itertuples():
        colour = bins[int(np.searchsorted(edges, row.value, side="right"))][0]
        x, y = frame.xy(float(row.lon) - CELL_DEG / 2, float(row.lat) + CELL_DEG / 2)
        body.append(
            f'<rect class="cell" fill="{colour}" x="{x:.1f}" y="{y:.1f}" width="{side_x:.1f}" height="{side_y:.1f}"/>'
        )
    body.append("</g>")
    if scope_geom is not None:
        body.append(f'<path class="scope" d="{path_d(scope_geom, frame)}"/>')
    body.append(_label(PAD, PAD + 6, stamp, 10, "start", "stamp"))
    body.append(scale_bar(frame, frame.height - PAD))
    return _svg(frame.width, frame.height, "".join(body), title)


GROUP_R = 9.0  # px: the circle of the building group with the most hours
GROUP_FILL, GROUP_LINE = "#1d3557", "#ffffff"
NO_SERVICE = "#f1f1ec"  # an area without service in the period


def group_radius(hours: float, most: float) -> float:
    """A building group's circle: its area in proportion to its hours, the most hours GROUP_R."""
    return max(1.4, GROUP_R * math.sqrt(max(hours, 0.0) / most)) if most > 0 else 0.0


def bin_colour(bins: list[tuple[str, float, float]], value: float) -> str:
    """The colour of the class a value falls in."""
    edges = [lo for _c, lo, _h in bins[1:]]
    return bins[int(np.searchsorted(edges, value, side="right"))][0]


def area_heat_map(
    level: str,
    district: dict,
    scope: str | None,
    areas: pd.DataFrame,
    area_hours: pd.DataFrame,
    groups: pd.DataFrame,
    bins: list[tuple[str, float, float]],
    title: str,
    stamp: str,
    width: int = 530,
    max_height: int = 380,
) -> str:
    """Service hours at the scope's own scale, where ~400 m cells are too coarse: the areas one level down
    (a street's communities, a community's building areas) shaded by their hours in the classes of bins
    (area_hours: code, hours; an area without service left pale), each building group with service a
    circle whose area is its hours (groups: lon, lat, hours; empty: none drawn), and the areas named
    inside themselves clear of each other and of the circles, or beside the map."""
    scope_geom = _shape(scope) if scope else None
    box = bounds_of(scope_geom or district)
    areas = areas[has_shape(areas[["geometry", "center_lon", "center_lat"]])] if len(areas) else areas
    groups = groups.dropna(subset=["lon", "lat", "hours"]) if len(groups) else groups
    hours = dict(zip(area_hours["code"].astype(str), area_hours["hours"].astype(float))) if len(area_hours) else {}
    most = float(groups["hours"].max()) if len(groups) else 0.0
    size = LABEL_SIZE.get(level, 11) - 1

    def circles(frame: Frame) -> list[tuple[float, float, float]]:
        out = []
        for row in groups.itertuples() if len(groups) else ():
            x, y = frame.xy(float(row.lon), float(row.lat))
            out.append((x, y, group_radius(float(row.hours), most)))
        return out

    def names(frame: Frame, room: float) -> tuple[list[Placed], list[AreaLabel]]:
        markers = [marker_box(x, y, r + 0.5) for x, y, r in circles(frame)]
        taken = [
            (0.0, 0.0, PAD + text_width(stamp, 10) + 6, PAD + 14),
            (0.0, frame.height - PAD - 16, frame.width / 4 + 60, float(frame.height)),
        ]
        return place_labels(_area_labels(areas, frame), size, int(room), 0, markers, frame.height, taken)

    frame = fit(box, width, max_height)
    inside, outside = names(frame, width)
    column = 0
    if outside:  # a column of names on the right, as the grid map sets them
        column = int(max(text_width(a.name, size) for a in outside) + 24)
        frame = fit(box, width - column, max_height)
        frame = Frame(frame.lon0, frame.lat1, frame.k, frame.scale, frame.ox, frame.oy, width, frame.height)
        inside, outside = names(frame, width - column)
    body = _ground(frame, district, pd.DataFrame(), "sibling")
    for row in areas.itertuples():
        geom = _shape(row.geometry)
        if geom is None:
            continue
        value = hours.get(str(row.code))
        fill = bin_colour(bins, value) if value is not None and bins else NO_SERVICE
        body.append(f'<path class="heat-area" fill="{fill}" d="{path_d(geom, frame)}"/>')
    if scope_geom is not None:
        body.append(f'<path class="scope" d="{path_d(scope_geom, frame)}"/>')
    for x, y, r in sorted(circles(frame), key=lambda c: -c[2]):  # the small ones on top of the large
        body.append(
            f'<circle class="svc" fill="{GROUP_FILL}" stroke="{GROUP_LINE}" cx="{x:.1f}" cy="{y:.1f}" r="{r:.1f}"/>'
        )
    body.append("".join(_label(p.x, p.y, p.label.text, size) for p in inside))
    body.append(callouts(outside, size, width - column + 10, frame.height))
    body.append(_label(PAD, PAD + 6, stamp, 10, "start", "stamp"))
    body.append(scale_bar(frame, frame.height - PAD))
    return _svg(width, frame.height, "".join(body), title)


def size_key(most: float) -> list[tuple[float, float]]:
    """(hours, radius) of up to three round reference circles for the legend, the largest at most `most`."""
    if most < 1:
        return []
    out: list[tuple[float, float]] = []
    for value in (_round_down(most), _round_down(most / 4), _round_down(most / 16)):
        if value >= 1 and group_radius(value, most) >= 2 and value not in [v for v, _r in out]:
            out.append((value, group_radius(value, most)))
    return out


def _round_down(value: float) -> float:
    """The largest of 1, 2, 5, 10, 20, 50 … not above value (value ≥ 1)."""
    if value < 1:
        return 0.0
    power = 10 ** math.floor(math.log10(value))
    return float(max(m * power for m in (1, 2, 5) if m * power <= value))


def circle_chip(radius: float) -> str:
    """A legend's circle, as the map draws a building group."""
    side = math.ceil(2 * GROUP_R + 2)
    c = side / 2
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chip" width="{side}" height="{side}" viewBox="0 0 {side} {side}">'
        f'<circle fill="{GROUP_FILL}" stroke="{GROUP_LINE}" cx="{c}" cy="{c}" r="{radius:.1f}"/></svg>'
    )
