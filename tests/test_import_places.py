"""Where imported things lie (issue 18, items 1 and 8): a point a few metres outside the drawn district
outline is inside (the outline is small-scale public data; tolerance BOUNDARY_TOLERANCE_M); one far away
is refused, with the GCJ-02 hint only when converting it would bring it in; a GCJ-02 grid row has its
outline converted as well as its centre, and an outline outside the district is refused."""

from __future__ import annotations

import json
import shutil

import numpy as np

from data_access.dataset_format.template_files import TEMPLATE_DIR
from geo.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from seed import geo
from seed.importer.check import BOUNDARY_TOLERANCE_M

from .test_importer import _edit, do_import, query


def _outward(metres: float) -> tuple[float, float]:
    """A point `metres` outside the district outline, off the middle of its longest edge."""
    ring = np.asarray(geo.district_outline(), dtype=float)
    a, b = ring[:-1], ring[1:]
    i = int(np.argmax(np.hypot(*(b - a).T)))
    mid = (a[i] + b[i]) / 2
    centre = ring.mean(axis=0)
    away = (mid - centre) / np.hypot(*(mid - centre))
    lo, hi = 0.0, 0.1  # walk out along `away` until the distance is right
    for _ in range(60):
        step = (lo + hi) / 2
        p = mid + away * step
        inside = geo.points_in_ring(np.array([p[0]]), np.array([p[1]]), ring)[0]
        d = 0.0 if inside else geo.metres_to_ring(np.array([p[0]]), np.array([p[1]]), ring)[0]
        lo, hi = (step, hi) if d < metres else (lo, step)
    return round(float(p[0]), 6), round(float(p[1]), 6)


def _set_point(folder, lon, lat, crs="") -> None:
    def change(h, rows):
        rows[0][h.index("经度")], rows[0][h.index("纬度")], rows[0][h.index("坐标系")] = str(lon), str(lat), crs

    _edit(folder, "service_record", change)


def test_a_point_just_outside_the_drawn_line_is_inside_and_a_far_one_is_refused(tmp_path):
    folder = tmp_path / "near"
    shutil.copytree(TEMPLATE_DIR, folder)
    _set_point(folder, *_outward(BOUNDARY_TOLERANCE_M / 2))
    result = do_import(folder, f"sqlite:///{tmp_path / 'near.sqlite'}")
    assert result.status == "imported", [p.line() for p in result.problems]

    far = tmp_path / "far"
    shutil.copytree(TEMPLATE_DIR, far)
    _set_point(far, *_outward(3000))  # GCJ-02 shifts ~500 m: converting would not bring this one in
    result = do_import(far, f"sqlite:///{tmp_path / 'far.sqlite'}")
    assert [(p.file, p.row, p.column) for p in result.problems] == [("service_record.csv", 2, "经度")]
    assert "GCJ-02" not in result.problems[0].zh  # converting would not bring it in: no such advice


def test_a_gcj02_grid_row_has_its_outline_converted_too(tmp_path):
    folder = tmp_path / "gcj"
    shutil.copytree(TEMPLATE_DIR, folder)
    captured = {}

    def to_gcj(h, rows):
        row = rows[1]  # GS01, with an outline
        outline = json.loads(row[h.index("范围GeoJSON")])
        captured["wgs"] = outline["coordinates"][0][0]
        outline["coordinates"] = [[list(wgs84_to_gcj02(*p)) for p in outline["coordinates"][0]]]
        captured["gcj"] = outline["coordinates"][0][0]
        row[h.index("范围GeoJSON")] = json.dumps(outline)
        lon, lat = wgs84_to_gcj02(float(row[h.index("中心经度")]), float(row[h.index("中心纬度")]))
        row[h.index("中心经度")], row[h.index("中心纬度")], row[h.index("坐标系")] = str(lon), str(lat), "GCJ-02"

    _edit(folder, "grid", to_gcj)
    url = f"sqlite:///{tmp_path / 'g.sqlite'}"
    result = do_import(folder, url)
    assert result.status == "imported", [p.line() for p in result.problems]
    stored = json.loads(query(url, "SELECT geometry FROM grid WHERE code = 'GS01'")[0][0])
    first = stored["coordinates"][0][0]
    assert np.allclose(first, gcj02_to_wgs84(*captured["gcj"]), atol=1e-6)
    assert np.allclose(first, captured["wgs"], atol=2e-5)  # back where it was drawn, not ~570 m off


def test_an_outline_outside_the_district_is_refused(tmp_path):
    folder = tmp_path / "away"
    shutil.copytree(TEMPLATE_DIR, folder)

    def move(h, rows):
        outline = json.loads(rows[1][h.index("范围GeoJSON")])
        outline["coordinates"] = [[[x + 0.3, y] for x, y in outline["coordinates"][0]]]  # ~27 km east
        rows[1][h.index("范围GeoJSON")] = json.dumps(outline)

    _edit(folder, "grid", move)
    result = do_import(folder, f"sqlite:///{tmp_path / 'a.sqlite'}")
    assert [(p.file, p.row, p.column) for p in result.problems] == [("grid.csv", 3, "范围GeoJSON")]
