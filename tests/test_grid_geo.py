"""WGS-84 -> GCJ-02 against published conversion values, the tile-basemap setting, view fitting and labels."""

from __future__ import annotations

import json
from urllib.parse import unquote

import numpy as np
import pandas as pd
import pytest

from data_access.filters import Filters, Places
from geo.gcj02 import shift_geometry, wgs84_to_gcj02, wgs84_to_gcj02_arrays
from ui import basemap, maps
from ui.grid import deck as grid_map
from ui.grid import selection as grid_selection

# (WGS-84 lon, lat) -> (GCJ-02 lon, lat): the test vectors published with the open `eviltransform`
# implementations (Shanghai, Shenzhen, Beijing) and a Zhengzhou point from a widely used Java utility
KNOWN = [
    ((121.5272106, 31.1774276), (121.531541859215, 31.17530398364597)),
    ((113.912316, 22.543847), (113.9171764808363, 22.540796131694766)),
    ((116.377817, 39.911954), (116.38404722455657, 39.91334545536069)),
    ((113.647881, 34.829793), (113.65396374215176, 34.8287280094783)),
]


@pytest.mark.parametrize(("wgs", "gcj"), KNOWN)
def test_wgs84_to_gcj02_known_values(wgs, gcj):
    lon, lat = wgs84_to_gcj02(*wgs)
    assert lon == pytest.approx(gcj[0], abs=1e-7) and lat == pytest.approx(gcj[1], abs=1e-7)


def test_gcj02_shift_is_hundreds_of_metres_in_zhengzhou_and_nothing_abroad():
    lon, lat = wgs84_to_gcj02(113.65, 34.75)
    east_m = (lon - 113.65) * 111_320 * np.cos(np.radians(34.75))
    north_m = (lat - 34.75) * 110_574
    assert 400 < np.hypot(east_m, north_m) < 800
    assert wgs84_to_gcj02(-0.1276, 51.5072) == (-0.1276, 51.5072)  # London: outside China, unchanged
    xs, ys = wgs84_to_gcj02_arrays(np.array([k[0][0] for k in KNOWN]), np.array([k[0][1] for k in KNOWN]))
    assert xs == pytest.approx([k[1][0] for k in KNOWN], abs=1e-7)
    assert ys == pytest.approx([k[1][1] for k in KNOWN], abs=1e-7)


def test_shift_geometry_moves_every_position_and_keeps_the_input():
    geom = {"type": "Polygon", "coordinates": [[[113.6, 34.7], [113.7, 34.7], [113.7, 34.8], [113.6, 34.7]]]}
    moved = shift_geometry(geom)
    assert geom["coordinates"][0][0] == [113.6, 34.7]
    assert moved["coordinates"][0][1] == pytest.approx(list(wgs84_to_gcj02(113.7, 34.7)), abs=1e-6)


def test_tile_basemap_is_off_unless_configured(monkeypatch):
    for key in ("MAP_TILE_URL", "MAP_TILE_CRS", "MAP_TILE_ATTRIBUTION"):
        monkeypatch.delenv(key, raising=False)
    assert basemap.tile_config() == (None, None)
    monkeypatch.setenv("MAP_TILE_URL", "http://tiles.intra/amap/{z}/{x}/{y}.png")
    monkeypatch.setenv("MAP_TILE_CRS", "GCJ02")
    cfg, problem = basemap.tile_config()
    assert problem is None and cfg.crs == "gcj02" and cfg.shift
    style = json.loads(unquote(basemap.map_style(cfg, "#ffffff").split(",", 1)[1]))
    assert style["sources"]["tiles"]["tiles"] == ["http://tiles.intra/amap/{z}/{x}/{y}.png"]
    monkeypatch.setenv("MAP_TILE_CRS", "bd09")
    assert basemap.tile_config() == (None, "bad_crs")
    monkeypatch.setenv("MAP_TILE_URL", "javascript:alert(1)")
    assert basemap.tile_config() == (None, "bad_url")


@pytest.mark.parametrize(
    ("lo", "hi"),
    [
        ((113.498, 34.601), (113.670, 34.768)),
        ((113.63, 34.73), (113.66, 34.745)),
        ((113.6401, 34.7301), (113.6412, 34.7309)),
    ],
)
def test_fit_view_contains_the_box_and_is_tight(lo, hi):
    view = maps.fit_view(lo, hi)
    (x0, y0), (x1, y1) = maps.visible_box(view)
    assert x0 <= lo[0] and y0 <= lo[1] and x1 >= hi[0] and y1 >= hi[1]
    if view.zoom < maps.MAX_ZOOM:  # one step closer would cut the box
        closer = maps.fit_view(lo, hi)
        closer.zoom += 0.5
        (a0, b0), (a1, b1) = maps.visible_box(closer)
        assert a0 > lo[0] or b0 > lo[1] or a1 < hi[0] or b1 < hi[1]


def test_colour_scales():
    groups = pd.DataFrame({"per_group": [1.0, 5, 10, 20, 40, np.nan], "completeness": [1, 2 / 3, 1 / 3, 0, 1, 1]})
    areas = pd.DataFrame({"name": ["甲街道", "乙街道"]})
    seq = grid_map.colour_scale("per_group", groups, areas, "district")
    assert seq.colour(1.0) == grid_map.SEQUENTIAL[0] and seq.colour(40.0) == grid_map.SEQUENTIAL[-1]
    assert seq.colour(np.nan) == grid_map.NO_DATA and len(seq.legend) == len(seq.edges) + 1
    comp = grid_map.colour_scale("completeness", groups, areas, "district")
    assert [comp.colour(v) for v in (1.0, 0.95, 2 / 3, 1 / 3)] == [c for _, c, _ in grid_map.COMPLETENESS]
    cat = grid_map.colour_scale("street", groups, areas, "district")
    assert cat.colour("甲街道") != cat.colour("乙街道") and cat.colour("丙") == grid_map.NO_DATA


def _places() -> Places:
    streets = pd.DataFrame({"id": [1, 2], "code": ["S01", "S02"], "name": ["甲", "乙"]})
    comms = pd.DataFrame({"id": [11, 21], "code": ["S01C01", "S02C01"], "name": ["甲一", "乙一"], "street_id": [1, 2]})
    groups = pd.DataFrame(
        {
            "id": [101, 102, 201],
            "code": ["S01C01B01", "S01C01B02", "S02C01B01"],
            "name": ["a", "b", "c"],
            "community_id": [11, 11, 21],
            "street_id": [1, 1, 2],
        }
    )
    return Places(streets, comms, groups)


def test_selection_validation():
    p = _places()
    d = Filters(pd.Timestamp("2017-01-01").date(), pd.Timestamp("2017-09-30").date())
    assert grid_selection.validate_selection("S01C01B02", p, d) == (102, None)
    assert grid_selection.validate_selection("S09C01B01", p, d) == (None, "unknown")
    assert grid_selection.validate_selection("<script>", p, d) == (None, "unknown")
    street = Filters(d.start, d.end, street_id=2)
    assert grid_selection.validate_selection("S01C01B02", p, street) == (None, "outside")
    one = Filters(d.start, d.end, 1, 11, 101)
    assert grid_selection.validate_selection("S01C01B02", p, one) == (None, "outside")
    assert grid_selection.validate_selection(None, p, d) == (None, None)


def test_picked_code_reads_points_and_areas():
    pick = {"selection": {"indices": {"groups": [3]}, "objects": {"groups": [{"code": "S01C01B02"}]}}}
    assert grid_selection.picked_code(pick) == "S01C01B02"
    area = {"selection": {"objects": {"areas": [{"type": "Feature", "properties": {"code": "S01C01B01"}}]}}}
    assert grid_selection.picked_code(area) == "S01C01B01"
    assert grid_selection.picked_code({"selection": {"objects": {"station": [{"tt": "x"}]}}}) is None
    assert grid_selection.picked_code(None) is None and grid_selection.picked_code({}) is None
