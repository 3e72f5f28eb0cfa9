"""An export's maps drawn on the server (ui.chrome.print_map): deck.gl's projection, sizes and colours, the
heat layer as deck.gl computes it, text escaped; and the renderer's session drawing every map page's decks
this way (no deck.gl chart left for the software WebGL)."""

from __future__ import annotations

import base64
import json
import re
import time

import pydeck as pdk
import pytest

from auth.settings import load
from render import grants
from ui import maps
from ui.access import gate
from ui.chrome import print_map

from .conftest import PASSWORD
from .test_access_app import new_app, sign_in

VIEW = pdk.ViewState(longitude=113.62, latitude=34.74, zoom=13)
H = 600


def _svg(*layers, view=VIEW, height=H) -> str:
    deck = maps.CompactDeck(layers=list(layers), initial_view_state=view, map_provider=None)
    out = print_map.svg(deck.to_json(), height, "地图")
    assert out is not None
    return out


def _circles(svg: str) -> list[dict[str, str]]:
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', c)) for c in re.findall(r"<circle [^>]*/>", svg)]


def test_points_land_where_deck_gl_puts_them():
    """The view's centre is the picture's centre; any point sits where maps.to_pixels (deck.gl's Web-Mercator
    arithmetic) puts it, the picture being DRAW_WIDTH wide."""
    pts = [{"pos": [113.62, 34.74]}, {"pos": [113.64, 34.73]}, {"pos": [113.60, 34.76]}]
    svg = _svg(pdk.Layer("ScatterplotLayer", data=pts, get_position="pos", get_radius=5, radius_units="'pixels'"))
    got = [(float(c["cx"]), float(c["cy"])) for c in _circles(svg)]
    assert got[0] == pytest.approx((print_map.DRAW_WIDTH / 2, H / 2), abs=0.06)
    for (x, y), p in zip(got, pts):
        ex, ey = maps.to_pixels(*p["pos"], VIEW, print_map.DRAW_WIDTH, H)
        assert (x, y) == pytest.approx((ex, ey), abs=0.06)


def test_radius_and_line_width_in_their_units():
    """Pixels as given; metres at the view's scale, held within the layer's pixel bounds; colours with their
    alpha as opacity."""
    one = [{"pos": [113.62, 34.74]}]
    px = _circles(
        _svg(
            pdk.Layer(
                "ScatterplotLayer",
                data=one,
                get_position="pos",
                get_radius=7,
                radius_units="'pixels'",
                get_fill_color=[198, 40, 40, 128],
                stroked=True,
                get_line_color=[255, 255, 255, 255],
                line_width_units="'pixels'",
                get_line_width=2,
            )
        )
    )[0]
    assert (px["r"], px["fill"], px["stroke"], px["stroke-width"]) == ("7.00", "#c62828", "#ffffff", "2.00")
    assert float(px["fill-opacity"]) == pytest.approx(128 / 255, abs=0.001)
    metres = print_map._View(
        json.loads(maps.CompactDeck(layers=[], initial_view_state=VIEW).to_json())["initialViewState"], 1920, H
    ).metre
    m = _circles(_svg(pdk.Layer("ScatterplotLayer", data=one, get_position="pos", get_radius=40)))[0]
    assert float(m["r"]) == pytest.approx(40 * metres, abs=0.01)
    clamped = _circles(
        _svg(pdk.Layer("ScatterplotLayer", data=one, get_position="pos", get_radius=40, radius_min_pixels=9))
    )[0]
    assert clamped["r"] == "9.00"


def test_polygons_rings_and_their_colours():
    """A GeoJSON polygon (a hole included) becomes one path of closed rings, filled by its feature's own
    colour (an accessor) and outlined at the minimum pixel width."""
    square = [[113.61, 34.73], [113.63, 34.73], [113.63, 34.75], [113.61, 34.75], [113.61, 34.73]]
    hole = [[113.615, 34.735], [113.62, 34.735], [113.62, 34.74], [113.615, 34.735]]
    feature = {
        "type": "Feature",
        "geometry": {"type": "Polygon", "coordinates": [square, hole]},
        "properties": {"fill": [21, 101, 192, 255]},
    }
    svg = _svg(
        pdk.Layer(
            "GeoJsonLayer",
            {"type": "FeatureCollection", "features": [feature]},
            get_fill_color="properties.fill",
            get_line_color=[90, 98, 108, 220],
            line_width_min_pixels=2,
        )
    )
    path = re.search(r"<path [^>]*/>", svg).group(0)
    assert 'fill="#1565c0"' in path and 'stroke="#5a626c"' in path and 'stroke-width="2.00"' in path
    assert path.count("M") == 2 and path.count("Z") == 2 and 'fill-rule="evenodd"' in path
    x0, y1 = maps.to_pixels(113.61, 34.73, VIEW, print_map.DRAW_WIDTH, H)
    assert f"M{x0:.1f} {y1:.1f}" in path


def test_labels_are_text_escaped_offset_and_split_into_lines():
    """A label is real text (searchable in the PDF), escaped, moved by its pixel offset, one line per line."""
    rows = [
        {"pos": [113.62, 34.74], "label": "<script>alert(1)</script>", "offset": [10, -4]},
        {"pos": [113.62, 34.74], "label": "淮河路街道\n1,234", "offset": [0, 0]},
    ]
    svg = _svg(maps.text_layer("labels", rows, 14, [33, 37, 41, 255], get_pixel_offset="offset"))
    assert "<script>" not in svg and "&lt;script&gt;alert(1)&lt;/script&gt;" in svg
    spans = re.findall(r'<tspan x="([\d.]+)" y="([\d.]+)">([^<]*)</tspan>', svg)
    cx, cy = print_map.DRAW_WIDTH / 2, H / 2
    assert (float(spans[0][0]), float(spans[0][1])) == pytest.approx((cx + 10, cy - 4), abs=0.06)
    assert [s[2] for s in spans[1:]] == ["淮河路街道", "1,234"]
    assert float(spans[2][1]) - float(spans[1][1]) == pytest.approx(14)  # one size per line, centred together
    assert 'font-size="14"' in svg and 'paint-order="stroke"' in svg


def test_heat_as_deck_gl_computes_it():
    """Each point's weight spread over radiusPixels by deck.gl's kernel and summed; the colour range read at
    weight × intensity / the maximum in view: the heaviest point's place takes the range's top colour, a
    lighter point's a lower one, and nothing is drawn beyond the radius."""
    colours = [[255, 255, 204], [254, 217, 118], [254, 178, 76], [253, 141, 60], [240, 59, 32], [189, 0, 38]]
    cells = [{"lon": 113.62, "lat": 34.74, "value": 100.0}, {"lon": 113.64, "lat": 34.74, "value": 25.0}]
    layer = pdk.Layer(
        "HeatmapLayer",
        cells,
        get_position=["lon", "lat"],
        get_weight="value",
        radius_pixels=38,
        intensity=1.0,
        threshold=0.05,
        color_range=colours,
    )
    spec = json.loads(maps.CompactDeck(layers=[layer], initial_view_state=VIEW, map_provider=None).to_json())
    view = print_map._View(spec["initialViewState"], print_map.DRAW_WIDTH, H)
    rgba = print_map.heat_rgba(spec["layers"][0], view, cell=1)
    heavy = rgba[H // 2, print_map.DRAW_WIDTH // 2]
    assert list(heavy[:3]) == colours[-1] and heavy[3] == 255
    lx, ly = maps.to_pixels(113.64, 34.74, VIEW, print_map.DRAW_WIDTH, H)
    light = rgba[round(ly), round(lx)]
    assert light[3] == 255 and list(light[:3]) != colours[-1]  # a quarter of the weight: lower in the range
    assert rgba[H // 2, print_map.DRAW_WIDTH // 2 + 45][3] == 0  # past the 38-px radius
    assert rgba[0, 0][3] == 0 and rgba[:, :, 3].any()
    svg = _svg(layer)
    png = base64.b64decode(re.search(r'href="data:image/png;base64,([^"]+)"', svg).group(1))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_heat_beyond_the_views_edge_spreads_in_and_no_further():
    """A map opened on part of the district (the wall's heat map) has points past its edges: a point just
    beyond the left edge spreads its heat into the view as it would on screen, one far off adds nothing."""
    edge = maps.to_pixels(113.62, 34.74, VIEW, print_map.DRAW_WIDTH, H)[1]
    lon_off = 113.62 - (print_map.DRAW_WIDTH / 2 + 20) / (512 * 2**VIEW.zoom) * 360  # 20 px left of the edge
    cells = [{"lon": lon_off, "lat": 34.74, "value": 50.0}, {"lon": 112.0, "lat": 30.0, "value": 1e6}]
    layer = pdk.Layer("HeatmapLayer", cells, get_position=["lon", "lat"], get_weight="value", radius_pixels=38)
    spec = json.loads(maps.CompactDeck(layers=[layer], initial_view_state=VIEW, map_provider=None).to_json())
    view = print_map._View(spec["initialViewState"], print_map.DRAW_WIDTH, H)
    rgba = print_map.heat_rgba(spec["layers"][0], view, cell=1)
    y = round(edge)
    assert rgba[y, 0][3] > 0 and rgba[y, 10][3] > 0  # the near point's heat, within its radius of the edge
    assert rgba[y, 25][3] == 0  # 45 px from it: beyond the radius
    assert rgba[:, 40:, 3].sum() == 0  # the far point (its weight a million) draws nothing


def test_what_it_cannot_draw_is_left_to_deck_gl():
    """A layer type it does not know, or a tile basemap (a style document), returns None: the page draws
    the deck itself."""
    odd = pdk.Layer("HexagonLayer", data=[{"pos": [113.62, 34.74]}], get_position="pos")
    assert (
        print_map.html(maps.CompactDeck(layers=[odd], initial_view_state=VIEW, map_provider=None).to_json(), H) is None
    )
    tiles = maps.CompactDeck(
        layers=[], initial_view_state=VIEW, map_provider=None, map_style="data:application/json,{}"
    )
    assert print_map.html(tiles.to_json(), H) is None
    shown = print_map.html(maps.CompactDeck(layers=[], initial_view_state=VIEW, map_provider=None).to_json(), H, "图")
    assert shown.startswith('<div class="static-map"') and f"height:{H}px" in shown and 'alt="图"' in shown


@pytest.fixture()
def db_url(sqlite_url):
    """One backend: the drawing reads the decks the pages build (the pages are proven on both)."""
    return sqlite_url


@pytest.mark.parametrize("page, maps_drawn", [("grid_map", 1), ("volunteers", 1), ("briefing", 3), ("explore", 1)])
def test_the_renderers_session_draws_every_map_on_the_server(users_env, page, maps_drawn):
    """In the renderer's session no deck.gl chart is left (the software WebGL took 3–9 s a page): each map is
    a picture of the same layers; a viewer's own session still gets deck.gl's maps."""
    who = gate.check_password(load(), "office", PASSWORD)
    view = {"by": "street", "chart": "map"} if page == "explore" else {}
    grant = grants.Grant(who, page, view, kind="pdf", exporter=who.name, issued_at=time.time())
    at = new_app({"export": grants.issue(grant), **view})
    at.switch_page(f"pages/{page}.py").run()
    assert not at.exception
    assert not at.get("deck_gl_json_chart"), page
    drawn = [h.proto.body for h in at.get("html") if 'class="static-map"' in h.proto.body]
    assert len(drawn) == maps_drawn, (page, len(drawn))
    for body in drawn:
        svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', body).group(1)).decode()
        assert svg.startswith("<svg") and ("<path" in svg or "<image" in svg)
    if page == "grid_map":  # the street names on the map are text in the picture
        svg = base64.b64decode(re.search(r'base64,([^"]+)"', drawn[0]).group(1)).decode()
        assert "淮河路街道" in svg and len(_circles(svg)) >= 838
    viewer = sign_in(new_app(view), "office")
    viewer.switch_page(f"pages/{page}.py").run()
    assert not viewer.exception and viewer.get("deck_gl_json_chart"), page
    assert not [h for h in viewer.get("html") if 'class="static-map"' in h.proto.body]
