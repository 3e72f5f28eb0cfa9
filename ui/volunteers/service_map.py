"""The volunteer heat map: pydeck over the offline district base, no tiles, nothing fetched from outside."""

from __future__ import annotations

import json
from functools import lru_cache
from html import escape

import pandas as pd
import pydeck as pdk

import geo

from .. import numbers
from ..maps import CompactDeck, bounds_of, fit_view, visible_box

Box = tuple[tuple[float, float], tuple[float, float]]  # (lon, lat) of the south-west and north-east corners

DISTRICT_VIEW = pdk.ViewState(longitude=113.585, latitude=34.684, zoom=10.95, pitch=0, bearing=0)
HEAT_COLORS = [[255, 255, 204], [254, 217, 118], [254, 178, 76], [253, 141, 60], [240, 59, 32], [189, 0, 38]]


def _rounded(geometry: dict, places: int = 5) -> dict:
    """Coordinates rounded (about 1 m): the base outlines stay small on the wire."""

    def walk(c):
        return [walk(x) for x in c] if isinstance(c[0], list) else [round(c[0], places), round(c[1], places)]

    return {**geometry, "coordinates": walk(geometry["coordinates"])}


@lru_cache(maxsize=1)
def base_geojson() -> tuple[dict, dict]:
    """(neighbouring districts, 二七区 outline) as GeoJSON FeatureCollections, WGS-84."""
    districts = geo.outline(geo.CITY)
    erqi = geo.outline(geo.DISTRICT)
    neighbours = [
        {"type": "Feature", "properties": {}, "geometry": _rounded(ft["geometry"], 4)}
        for ft in districts["features"]
        if ft["properties"].get("name") != "二七区"
    ]
    outline = [{"type": "Feature", "properties": {}, "geometry": _rounded(ft["geometry"])} for ft in erqi["features"]]
    return (
        {"type": "FeatureCollection", "features": neighbours},
        {"type": "FeatureCollection", "features": outline},
    )


def base_layers() -> list[pdk.Layer]:
    """Neighbouring districts in grey and the district outline in party red: the offline base map."""
    neighbours, outline = base_geojson()
    return [
        pdk.Layer(
            "GeoJsonLayer",
            neighbours,
            id="neighbours",
            filled=True,
            stroked=True,
            get_fill_color=[236, 236, 236, 255],
            get_line_color=[170, 170, 170, 255],
            line_width_min_pixels=1,
        ),
        pdk.Layer(
            "GeoJsonLayer",
            outline,
            id="district",
            filled=True,
            stroked=True,
            get_fill_color=[255, 252, 248, 255],
            get_line_color=[198, 40, 40, 255],
            line_width_min_pixels=2,
        ),
    ]


def _view(
    points: pd.DataFrame,
    whole_district: bool,
    width: int | None,
    height: int,
    outline: list[str] | None = None,
    focus: Box | None = None,
) -> pdk.ViewState:
    """The district's view at district scope, else the points' box. Given the map's width (the
    briefing's panels), the view is fitted to width x height, around the points and the scope's outline,
    instead of the volunteer page's column; at district scope around focus (the built-up streets, where
    the service is) when given."""
    points = points.dropna(subset=["lon", "lat"])
    if width is not None:
        if whole_district and focus is not None:
            return fit_view(*focus, width, height)
        if whole_district or len(points) < 2:
            return fit_view(*bounds_of(base_geojson()[1]["features"][0]["geometry"]), width, height)
        boxes = [bounds_of(json.loads(g)) for g in outline or []]
        lons = [*points["lon"], *[b[0][0] for b in boxes], *[b[1][0] for b in boxes]]
        lats = [*points["lat"], *[b[0][1] for b in boxes], *[b[1][1] for b in boxes]]
        return fit_view((float(min(lons)), float(min(lats))), (float(max(lons)), float(max(lats))), width, height)
    if whole_district or len(points) < 2:
        return DISTRICT_VIEW
    view = pdk.data_utils.compute_view(points[["lon", "lat"]].to_numpy().tolist(), view_proportion=1)
    view.zoom = min(float(view.zoom) - 0.3, 15.5)
    return view


def beyond(points: pd.DataFrame, focus: Box | None, width: int, height: int) -> int:
    """How many of the points (lon, lat) lie beyond the edge of a width x height map opened on focus: the
    ringed stations a focused map leaves out."""
    if focus is None or points.empty:
        return 0
    (x0, y0), (x1, y1) = visible_box(fit_view(*focus, width, height), width, height)
    inside = points["lon"].between(x0, x1) & points["lat"].between(y0, y1)
    return int((~inside & points["lon"].notna()).sum())


def service_deck(
    cells: pd.DataFrame,
    highlight: pd.DataFrame,
    kitchens: pd.DataFrame,
    whole_district: bool,
    station_tip: str,
    kitchen_tip: str,
    outline: list[str] | None = None,
    height: int = 600,
    width: int | None = None,
    lang: str = "zh",
    focus: Box | None = None,
) -> pdk.Deck:
    """Heat of cells (lon, lat, value), rings on highlighted stations, dots on kitchens, and the
    outline of the street/community/building area in scope (GeoJSON Polygon texts).

    station_tip / kitchen_tip are format strings filled per row (names are escaped); they become
    each point's tooltip. focus: the lon/lat box a district map of a given width opens on (the wall's
    built-up streets, as its grid map beside it); the rest of the district, and any ringed station there
    (`beyond` counts them for the panel's title), lies beyond the panel's edge.
    """
    cells = cells.dropna(subset=["value"])  # a cell whose count is withheld (public screen) is not drawn
    heat = pdk.Layer(
        "HeatmapLayer",
        cells[["lon", "lat", "value"]].round({"lon": 5, "lat": 5, "value": 2}),
        id="heat",
        get_position=["lon", "lat"],
        get_weight="value",
        aggregation="SUM",
        radius_pixels=38,
        intensity=1.2,
        threshold=0.04,
        color_range=HEAT_COLORS,
        opacity=0.85,
    )
    highlight = highlight.dropna(subset=["lon", "lat"])  # pages count what they leave out
    kitchens = kitchens.dropna(subset=["lon", "lat"])
    cells = cells.dropna(subset=["lon", "lat"])
    rings = highlight.assign(
        tip=[
            station_tip.format(
                station=escape(str(r.station)),
                community=escape(str(r.community)),
                requests=numbers.count(r.requests),
                unmet=numbers.count(r.unmet),
                median=numbers.duration(r.median_wait_h, lang),  # 小时, or 天 from two days
            )
            for r in highlight.itertuples()
        ]
    )[["lon", "lat", "tip"]]
    dots = kitchens.assign(
        tip=[kitchen_tip.format(name=escape(str(r.name)), fed=numbers.count(r.people_fed)) for r in kitchens.itertuples()]
    )[["lon", "lat", "tip"]]
    scope = {
        "type": "FeatureCollection",
        "features": [{"type": "Feature", "properties": {}, "geometry": json.loads(g)} for g in outline or []],
    }
    layers = [
        *base_layers(),
        pdk.Layer(
            "GeoJsonLayer",
            scope,
            id="scope",
            filled=False,
            stroked=True,
            get_line_color=[21, 101, 192, 255],
            line_width_min_pixels=2,
        ),
        heat,
        pdk.Layer(
            "ScatterplotLayer",
            dots,
            id="kitchens",
            get_position=["lon", "lat"],
            get_radius=40,
            radius_min_pixels=4,
            radius_max_pixels=7,
            get_fill_color=[46, 125, 50, 230],
            get_line_color=[255, 255, 255, 255],
            stroked=True,
            line_width_min_pixels=1,
            pickable=True,
        ),
        pdk.Layer(
            "ScatterplotLayer",
            rings,
            id="slow_stations",
            get_position=["lon", "lat"],
            get_radius=60,
            radius_min_pixels=10,
            radius_max_pixels=14,
            filled=True,
            get_fill_color=[198, 40, 40, 40],
            stroked=True,
            get_line_color=[198, 40, 40, 255],
            line_width_min_pixels=3,
            pickable=True,
        ),
    ]
    points = pd.concat([cells[["lon", "lat"]], rings[["lon", "lat"]]], ignore_index=True)
    return CompactDeck(
        layers=layers,
        initial_view_state=_view(points, whole_district, width, height, outline, focus),
        map_provider=None,
        height=height,
        tooltip={"html": "{tip}", "style": {"fontSize": "14px", "backgroundColor": "#fff", "color": "#222"}},
    )
