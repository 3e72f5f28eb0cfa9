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
