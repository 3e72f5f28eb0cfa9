"""The heat map's feature count is bounded by the grid, not by the data: scale the database up and look.

By default the suite compares a scale-0.1 database with the suite's own scale-1 one (ten times the rows;
only the small one is seeded here). `VOL_SCALE_TEST=10 python -m pytest tests/test_vol_scale.py`
runs the same test against a scale-10 database (a few minutes). SQLite only: the PostgreSQL test
database holds the scale-1 set the rest of the suite relies on.
"""

from __future__ import annotations

import json
import os

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_access.db import read_engine
from data_access.queries.volunteers import MAX_CELLS, MEASURES
from seed.generator import SeedConfig

from .conftest import PROJECT, clear_caches, point_app_at, seed_into

SMALL, LARGE = 0.1, float(os.environ.get("VOL_SCALE_TEST", "1"))


@pytest.fixture(scope="module")
def scaled_urls(tmp_path_factory, sqlite_url) -> dict[float, str]:
    urls = {1.0: sqlite_url}
    for scale in [s for s in (SMALL, LARGE) if s not in urls]:
        url = f"sqlite:///{tmp_path_factory.mktemp('scaled') / f'erqi-{scale}.sqlite'}"
        seed_into(url, SeedConfig(scale=scale))
        urls[scale] = url
    return urls


def _heat_features(at: AppTest) -> int:
    spec = json.loads(at.get("deck_gl_json_chart")[0].proto.json)
    (heat,) = [ly for ly in spec["layers"] if ly["@@type"] == "HeatmapLayer"]
    return len(heat["data"])


def _features_per_measure(url: str, monkeypatch) -> tuple[dict[str, int], int, int]:
    point_app_at(monkeypatch, url)
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=600)
    at.switch_page("pages/volunteers.py")
    at.query_params["range"] = "all"  # the whole span, as the row counts below: not the default 今年以来
    at.run()
    assert not at.exception, at.exception
    counts = {}
    for measure in MEASURES:
        at.segmented_control(key="vol_measure").set_value(measure).run()
        assert not at.exception, at.exception
        counts[measure] = _heat_features(at)
    engine = read_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT count(*) FROM service_record")).scalar()
        rows += conn.execute(text("SELECT count(*) FROM service_request")).scalar()
        # requests sit at a building group or a station: their cells can never outnumber those places' cells
        places = conn.execute(
            text(
                """SELECT count(*) FROM (SELECT DISTINCT CAST((lon - 113.49) / 0.004 AS INTEGER) AS ix,
                                                 CAST((lat - 34.59) / 0.004 AS INTEGER) AS iy
                   FROM (SELECT lon, lat FROM building_group UNION ALL SELECT lon, lat FROM station) AS p) AS c"""
            )
        ).scalar()
    engine.dispose()
    clear_caches()
    return counts, rows, places


def test_heat_layer_stays_bounded_as_the_database_grows(scaled_urls, monkeypatch):
    small, small_rows, _ = _features_per_measure(scaled_urls[SMALL], monkeypatch)
    large, large_rows, places = _features_per_measure(scaled_urls[LARGE], monkeypatch)
    growth = large_rows / small_rows
    assert growth >= 0.9 * LARGE / SMALL  # the data really grew
    for measure in MEASURES:
        assert 0 < small[measure] <= MAX_CELLS and 0 < large[measure] <= MAX_CELLS, measure
        # more rows land in the same places: the feature count grows far slower than the data
        assert large[measure] / small[measure] < growth / 4, (measure, small, large, places)
    assert large["requests"] <= places and large["unmet"] <= places
    # service records sit next to the same places: already near their ceiling at the small scale
    assert large["hours"] <= 1.3 * small["hours"] and large["served"] <= 1.3 * small["served"]
