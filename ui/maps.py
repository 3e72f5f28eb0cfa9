"""What every map shares (the grid map, the volunteer heat map, the wall): a compact pydeck Deck, colours as
RGBA, and the view arithmetic that fits a box into a map of a given size (deck.gl's Web-Mercator world)."""

from __future__ import annotations

import json
import math

import numpy as np
import pydeck as pdk
from pydeck.bindings.json_tools import default_serialize

MAP_HEIGHT = 750
MAP_WIDTH = 1120  # the map column's width in CSS pixels at 1920 wide with the sidebar open; used to fit the view
FIT_PADDING = 0.05  # share of each side left free around the fitted scope
MAX_ZOOM = 16.5


class CompactDeck(pdk.Deck):
    """A deck whose JSON is compact (no indentation, UTF-8 kept): a third of pydeck's own output size."""

    def to_json(self) -> str:
        # pydeck's own serialiser indents, which keeps json on its slow pure-Python encoder; one compact
        # pass with the same key handling runs on the C encoder (about five times faster on the grid map)
        return json.dumps(self, sort_keys=True, default=default_serialize, separators=(",", ":"), ensure_ascii=False)


def rgb(hex_colour: str, alpha: int = 255) -> list[int]:
    h = hex_colour.lstrip("#")
    return [int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), alpha]


def bounds_of(geometry: dict) -> tuple[tuple[float, float], tuple[float, float]]:
    """(min lon, min lat), (max lon, max lat) of a GeoJSON geometry."""
    pts = np.array(list(positions(geometry["coordinates"])), dtype=float)
    return (float(pts[:, 0].min()), float(pts[:, 1].min())), (float(pts[:, 0].max()), float(pts[:, 1].max()))


def positions(c):
    if c and isinstance(c[0], (int, float)):
        yield c[:2]
    else:
        for part in c:
            yield from positions(part)


def _merc_y(lat: float) -> float:
    """Web-Mercator y of a latitude, as a share of the world's height (0 at the equator)."""
    return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) / (2 * math.pi)


def fit_view(
    lo: tuple[float, float], hi: tuple[float, float], width: int = MAP_WIDTH, height: int = MAP_HEIGHT
) -> pdk.ViewState:
    """The view that shows the box lo-hi whole inside a width x height map (deck.gl's 512-px world at zoom 0)."""
    usable_w, usable_h = width * (1 - 2 * FIT_PADDING), height * (1 - 2 * FIT_PADDING)
    dx = max(hi[0] - lo[0], 1e-6) / 360
    y_lo, y_hi = _merc_y(lo[1]), _merc_y(hi[1])
    dy = max(y_hi - y_lo, 1e-6)
    zoom = min(math.log2(usable_w / (512 * dx)), math.log2(usable_h / (512 * dy)), MAX_ZOOM)
    y_mid = (y_lo + y_hi) / 2
    lat_mid = math.degrees(2 * math.atan(math.exp(y_mid * 2 * math.pi)) - math.pi / 2)
    return pdk.ViewState(
        longitude=round((lo[0] + hi[0]) / 2, 6),
        latitude=round(lat_mid, 6),
        zoom=round(zoom, 3),
        min_zoom=8,
        max_zoom=18,
        pitch=0,
        bearing=0,
    )


def _lat_of(y: float) -> float:
    return math.degrees(2 * math.atan(math.exp(y * 2 * math.pi)) - math.pi / 2)


def focus_view(
    focus: tuple[tuple[float, float], tuple[float, float]],
    context: tuple[tuple[float, float], tuple[float, float]],
    width: int = MAP_WIDTH,
    height: int = MAP_HEIGHT,
) -> pdk.ViewState:
    """The view fitted to the focus box, moved towards the context box's centre as far as the focus stays
    whole in view: the dense part fills the map and the rest of the context fills what room is left."""
    view = fit_view(*focus, width, height)
    world = 512 * 2**view.zoom
    (f0, g0), (f1, g1) = focus
    (c0, d0), (c1, d1) = context
    pad_x, pad_y = width * FIT_PADDING / world * 360, height * FIT_PADDING / world
    half_w, half_h = width / 2 / world * 360, height / 2 / world
    lon = min(max((c0 + c1) / 2, f1 + pad_x - half_w), f0 - pad_x + half_w)
    y_lo, y_hi = _merc_y(g0), _merc_y(g1)
    y = min(max((_merc_y(d0) + _merc_y(d1)) / 2, y_hi + pad_y - half_h), y_lo - pad_y + half_h)
    view.longitude, view.latitude = round(lon, 6), round(_lat_of(y), 6)
    return view


def built_up(areas) -> list[bool] | None:
    """Which areas are densely built (building groups per km² of an area's box at least a quarter of the
    median area's): at district scope the 13 inner-city streets, without the rural 马寨镇, 侯寨, 齐礼阎 and
    长江路 that make up most of the district's extent. None when no area stands out."""
    density = []
    for geom, n in zip(areas["geometry"], areas["building_groups"]):
        (x0, y0), (x1, y1) = bounds_of(json.loads(geom) if isinstance(geom, str) else geom)
        km2 = max((x1 - x0) * math.cos(math.radians((y0 + y1) / 2)) * (y1 - y0), 1e-12) * 111.32**2
        density.append(float(n) / km2)
    if len(density) < 3:
        return None
    floor = float(np.median(density)) / 4
    dense = [d >= floor for d in density]
    return dense if 2 <= sum(dense) < len(dense) else None


def built_up_box(areas) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The lon/lat box of the densely built areas (built_up), or None; areas without a shape are left out."""
    areas = areas[areas["geometry"].map(lambda g: isinstance(g, (str, dict)) and bool(g)).astype(bool)]
    dense = built_up(areas)
    if dense is None:
        return None
    boxes = [bounds_of(json.loads(g) if isinstance(g, str) else g) for g, d in zip(areas["geometry"], dense) if d]
    return (
        (min(b[0][0] for b in boxes), min(b[0][1] for b in boxes)),
        (max(b[1][0] for b in boxes), max(b[1][1] for b in boxes)),
    )


def visible_box(view: pdk.ViewState, width: int = MAP_WIDTH, height: int = MAP_HEIGHT):
    """The lon/lat box a view shows in a width x height map (to check that a fit contains its scope)."""
    world = 512 * 2**view.zoom
    half_w = width / 2 / world * 360
    y_mid = _merc_y(view.latitude)
    half_h = height / 2 / world
    lat = lambda y: math.degrees(2 * math.atan(math.exp(y * 2 * math.pi)) - math.pi / 2)  # noqa: E731
    return (view.longitude - half_w, lat(y_mid - half_h)), (view.longitude + half_w, lat(y_mid + half_h))


def to_pixels(lon: float, lat: float, view: pdk.ViewState, width: int = MAP_WIDTH, height: int = MAP_HEIGHT):
    """Where a point lands in a width x height map showing view (x right, y down, in CSS pixels)."""
    world = 512 * 2**view.zoom
    x = (lon - view.longitude) / 360 * world + width / 2
    y = (_merc_y(view.latitude) - _merc_y(lat)) * world + height / 2
    return x, y


def from_pixels(x: float, y: float, view: pdk.ViewState, width: int = MAP_WIDTH, height: int = MAP_HEIGHT):
    """The lon/lat at pixel (x, y) of a width x height map showing view: the inverse of to_pixels."""
    world = 512 * 2**view.zoom
    lon = view.longitude + (x - width / 2) / world * 360
    merc = _merc_y(view.latitude) - (y - height / 2) / world
    return lon, math.degrees(2 * math.atan(math.exp(merc * 2 * math.pi)) - math.pi / 2)


def rings_to_pixels(geometry: dict, view: pdk.ViewState, width: int = MAP_WIDTH, height: int = MAP_HEIGHT):
    """A Polygon's or MultiPolygon's rings as pixel points in a width x height map showing view."""
    coords = geometry.get("coordinates") or []
    polys = [coords] if geometry.get("type") == "Polygon" else coords if geometry.get("type") == "MultiPolygon" else []
    world = 512 * 2**view.zoom
    y0 = _merc_y(view.latitude)
    out = []
    for poly in polys:
        for ring in poly:
            pts = np.asarray([p[:2] for p in ring], dtype=float)
            if len(pts) < 3:
                continue
            xs = (pts[:, 0] - view.longitude) / 360 * world + width / 2
            ys = (y0 - np.log(np.tan(np.pi / 4 + np.radians(pts[:, 1]) / 2)) / (2 * np.pi)) * world + height / 2
            out.append(tuple(zip(xs.tolist(), ys.tolist())))
    return tuple(out)


FONT = "'Noto Sans CJK SC', 'Source Han Sans SC', 'Microsoft YaHei', 'PingFang SC', sans-serif"


def text_layer(layer_id: str, data: list[dict], size: int, colour: list[int], **extra) -> pdk.Layer:
    return pdk.Layer(
        "TextLayer",
        id=layer_id,
        data=data,
        get_position="pos",
        get_text="label",
        get_size=size,
        size_units="'pixels'",
        get_color=colour,
        character_set="'auto'",
        font_family=f'"{FONT}"',  # quoted: a literal, not an accessor
        font_weight=600,
        font_settings={"sdf": True},
        outline_width=4,
        outline_color=[255, 255, 255, 235],
        get_text_anchor="'middle'",
        get_alignment_baseline="'center'",
        billboard=True,
        **extra,
    )
