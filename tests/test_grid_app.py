"""AppTest of the grid map page: the deck spec per scope, the fitted view, selection and detail, gaps."""

from __future__ import annotations

import json
from urllib.parse import unquote

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_access.db import read_engine
from geo.gcj02 import wgs84_to_gcj02
from ui import compare, maps
from ui.grid import deck as grid_map
from ui.placement import any_overlap

from .conftest import PROJECT

APP = str(PROJECT / "app.py")
PAGE = "pages/grid_map.py"
MAP_SIZE = (maps.MAP_WIDTH, maps.MAP_HEIGHT)
RURAL = ("马寨镇", "侯寨街道", "齐礼阎街道", "长江路街道")  # the large outer streets; the other 13 are built up


def open_page(params: dict[str, str] | None = None, state: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.switch_page(PAGE).run()  # straight to the page, as a deep link does
    for k, v in (state or {}).items():
        at.session_state[k] = v
    if state:
        at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def deck(at: AppTest) -> dict:
    charts = at.get("deck_gl_json_chart")
    assert len(charts) == 1
    return json.loads(charts[0].proto.json)


def layers(spec: dict) -> dict[str, dict]:
    return {layer["id"]: layer for layer in spec["layers"]}


def count(layer: dict) -> int:
    data = layer["data"]
    return len(data["features"]) if isinstance(data, dict) else len(data)


def query(url: str, sql: str, **params):
    engine = read_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql), params).all()
    finally:
        engine.dispose()


def scalar(url: str, sql: str, **params):
    return query(url, sql, **params)[0][0]


def bbox(geometry: dict):
    return maps.bounds_of(geometry)


def assert_view_fits(spec: dict, geometry: dict, tight: bool = True) -> None:
    view = spec["initialViewState"]
    (lo, hi) = bbox(geometry)

    class V:  # the spec's view as the fitting code sees it
        longitude, latitude, zoom = view["longitude"], view["latitude"], view["zoom"]

    (x0, y0), (x1, y1) = maps.visible_box(V)
    assert x0 <= lo[0] and y0 <= lo[1] and x1 >= hi[0] and y1 >= hi[1]
    if not tight:  # the box in view, the view free to show what lies around it
        return
    assert lo[0] <= view["longitude"] <= hi[0] and lo[1] <= view["latitude"] <= hi[1]
    V.zoom += 0.5
    (a0, b0), (a1, b1) = maps.visible_box(V)
    assert view["zoom"] >= maps.MAX_ZOOM or a0 > lo[0] or b0 > lo[1] or a1 < hi[0] or b1 < hi[1]


def test_district_map_shows_every_building_group_offline(app_env):
    at = open_page()
    spec = deck(at)
    ls = layers(spec)
    # no basemap provider, no style: nothing to fetch from the internet
    assert spec.get("mapStyle") in (None, "__MAP_STYLE__") and spec.get("mapProvider") in (None, "")
    assert not any("Tile" in layer["@@type"] for layer in spec["layers"])
    assert count(ls["groups"]) == 838 and count(ls["demonstration"]) == 47
    assert count(ls["areas"]) == 17 and count(ls["district"]) == 1
    assert (count(ls["service_center"]), count(ls["station"]), count(ls["kitchen"])) == (56, 166, 30)
    names = {f["properties"]["name"] for f in ls["neighbours"]["data"]["features"]}
    assert {"中原区", "管城回族区"} <= names
    demo_codes = {row["code"] for row in ls["demonstration"]["data"]}
    assert demo_codes == {r[0] for r in query(app_env, "SELECT code FROM building_group WHERE is_demonstration")}
    assert all(row["tt"].startswith("★") for row in ls["demonstration"]["data"])
    # the district opens on its built-up streets (the rural south-west a pan away), no two names overlapping
    areas = ls["areas"]["data"]["features"]
    inner = [f["geometry"] for f in areas if f["properties"]["tt"].split("（")[0] not in RURAL]
    assert_view_fits(
        spec, {"type": "GeometryCollection", "coordinates": [g["coordinates"] for g in inner]}, tight=False
    )
    outline = ls["district"]["data"]["features"][0]["geometry"]
    whole = maps.fit_view(*bbox(outline))
    assert spec["initialViewState"]["zoom"] > whole.zoom + 0.7
    view = grid_map.pdk.ViewState(**{k: spec["initialViewState"][k] for k in ("longitude", "latitude", "zoom")})
    boxes = [b for k in ls if k.endswith("_labels") for b in grid_map.layer_label_boxes(ls[k], view, MAP_SIZE)]
    assert len(boxes) > 20 and any_overlap(boxes) is None
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["楼院党小组"] == "838" and metrics["主题示范楼院"] == "47"
    # the default range runs to the data date: the counts with a past are compared with the same day a year
    # before, counted from the dated spells (the demonstration count has no past: no change beside it)
    as_of = scalar(app_env, "SELECT value FROM dataset_meta WHERE key = 'as_of'")
    year_before = f"{int(as_of[:4]) - 1}{as_of[4:]}"
    spells = "SELECT count(*) FROM stock_spell WHERE stock = :s AND valid_from <= :d AND (valid_to IS NULL OR valid_to > :d)"
    deltas = {m.label: m.delta for m in at.metric}
    for label, stock, now in (("楼院党小组", "building_group", 838), ("党群服务中心", "service_center", 56),
                              ("社区小厨房", "kitchen", 30)):  # fmt: skip
        before = scalar(app_env, spells, s=stock, d=year_before)
        assert before <= now, (label, before)  # kitchens opened within the year: "新增 30"
        assert deltas[label] == f"同比 {compare.arrow_text(now, before)[0]}", (label, deltas[label], before)
    assert not deltas["主题示范楼院"]
    assert "示意" in " ".join(c.value for c in at.caption)


@pytest.mark.parametrize("scope", ["S05", "S05C03", "S05C03B02"])
def test_feature_counts_and_view_follow_the_scope(app_env, scope):
    key = "bg" if "B" in scope else "community" if "C" in scope else "street"
    at = open_page({key: scope})
    spec = deck(at)
    ls = layers(spec)
    district_zoom = deck(open_page())["initialViewState"]["zoom"]
    if key == "street":
        sid = scalar(app_env, "SELECT id FROM org WHERE code = :c", c=scope)
        want_areas = scalar(app_env, "SELECT count(*) FROM grid WHERE level = 3 AND street_id = :s", s=sid)
        want_groups = scalar(app_env, "SELECT count(*) FROM building_group WHERE street_id = :s", s=sid)
        want_fac = scalar(app_env, "SELECT count(*) FROM facility WHERE street_id = :s", s=sid) + scalar(
            app_env, "SELECT count(*) FROM station WHERE street_id = :s", s=sid
        )
        geom = scalar(app_env, "SELECT geometry FROM grid WHERE level = 2 AND org_id = :s", s=sid)
    else:
        code = scope if key == "community" else scope[: scope.index("B")]
        cid = scalar(app_env, "SELECT id FROM org WHERE code = :c", c=code)
        want_areas = scalar(app_env, "SELECT count(*) FROM grid WHERE level = 4 AND community_id = :c", c=cid)
        want_groups = (
            1 if key == "bg" else scalar(app_env, "SELECT count(*) FROM building_group WHERE community_id = :c", c=cid)
        )
        want_fac = scalar(app_env, "SELECT count(*) FROM facility WHERE community_id = :c", c=cid) + 1
        geom = (
            scalar(app_env, "SELECT geometry FROM grid WHERE level = 3 AND org_id = :c", c=cid)
            if key == "community"
            else scalar(
                app_env,
                "SELECT g.geometry FROM grid g JOIN building_group b ON b.grid_id = g.id WHERE b.code = :c",
                c=scope,
            )
        )
    assert count(ls["areas"]) == want_areas and count(ls["groups"]) == want_groups
    assert sum(count(ls[k]) for k in grid_map.FACILITY_KINDS if k in ls) == want_fac
    assert count(ls["scope"]) == 1
    assert_view_fits(spec, json.loads(geom))
    assert spec["initialViewState"]["zoom"] > district_zoom + 1


def test_injected_map_pick_opens_the_detail_and_goes_to_the_url(app_env):
    code = "S01C02B04"
    pick = {"selection": {"indices": {"groups": [0]}, "objects": {"groups": [{"code": code}]}}}
    at = open_page(state={"grid_map_district_0": pick})
    assert at.query_params["sel"] in (code, [code])
    name, theme = query(app_env, "SELECT name, theme_name FROM building_group WHERE code = :c", c=code)[0]
    md = " ".join(m.value for m in at.markdown)
    assert f"#### {name}" in md and theme in md
    leader = query(
        app_env,
        "SELECT m.name FROM grid_staff s JOIN member m ON m.id = s.member_id JOIN building_group b "
        "ON b.grid_id = s.grid_id WHERE b.code = :c AND s.role = 'leader'",
        c=code,
    )[0][0]
    masked = leader[0] + "\\*" * (len(leader) - 2) + leader[-1] if len(leader) > 2 else leader[0] + "\\*"
    assert masked in md and leader not in md
    teams = [
        r[0]
        for r in query(
            app_env,
            "SELECT t.name FROM grid_team gt JOIN team t ON t.id = gt.team_id JOIN building_group b ON b.grid_id = gt.grid_id WHERE b.code = :c",
            c=code,
        )
    ]
    assert all(team in md for team in teams)
    residents = scalar(
        app_env,
        "SELECT count(*) FROM member m JOIN building_group b ON b.id = m.building_group_id WHERE b.code = :c",
        c=code,
    )
    assert {m.label: m.value for m in at.metric}["居住党员"] == f"{residents:,}"
    ring = layers(deck(at))["selected"]["data"]
    assert len(ring) == 1


def test_selection_from_a_shared_link(app_env):
    at = open_page({"street": "S05", "sel": "S05C03B02"})
    name = scalar(app_env, "SELECT name FROM building_group WHERE code = 'S05C03B02'")
    assert f"#### {name}" in " ".join(m.value for m in at.markdown)
    assert not at.warning


@pytest.mark.parametrize(
    ("params", "value"), [({"sel": "S99C01B01"}, "S99C01B01"), ({"street": "S05", "sel": "S01C02B04"}, "S01C02B04")]
)
def test_bad_selection_is_dropped_with_a_notice(app_env, params, value):
    at = open_page(params)
    assert any(f"sel={value}" in w.value for w in at.warning)
    assert "sel" not in at.query_params
    assert any(m.label == "楼院党小组" for m in at.metric)  # the scope summary, not a detail


def test_facility_layers_toggle_and_colour_by(app_env):
    at = open_page()
    at.pills(key="grid_layers").set_value(["service_center"]).run()
    at.radio(key="grid_color").set_value("completeness").run()
    ls = layers(deck(at))
    assert "service_center" in ls and "station" not in ls and "kitchen" not in ls
    complete = {r[0] for r in query(app_env, "SELECT code FROM building_group")} - {
        r[0]
        for r in query(
            app_env,
            "SELECT b.code FROM building_group b WHERE NOT EXISTS (SELECT 1 FROM grid_staff s WHERE s.grid_id = b.grid_id AND s.role = 'leader') "
            "OR NOT EXISTS (SELECT 1 FROM grid_staff s WHERE s.grid_id = b.grid_id AND s.role = 'member') "
            "OR NOT EXISTS (SELECT 1 FROM grid_team t WHERE t.grid_id = b.grid_id)",
        )
    }
    green = maps.rgb(grid_map.COMPLETENESS[0][1])
    shown_green = {row["code"] for row in ls["groups"]["data"] if row["fill"] == green}
    assert shown_green == complete
    legend = " ".join(str(h.proto.body) for h in at.get("html"))
    assert "1+X+Y 配齐率" in legend and "100% 配齐" in legend


def test_gap_list_and_download(app_env):
    at = open_page()
    frames = {df.proto.id: df for df in at.dataframe}
    assert frames
    gaps = at.dataframe[-1].value
    want = scalar(
        app_env,
        "SELECT count(*) FROM grid g WHERE NOT EXISTS (SELECT 1 FROM grid_staff s WHERE s.grid_id = g.id AND s.role = 'leader') "
        "OR NOT EXISTS (SELECT 1 FROM grid_staff s WHERE s.grid_id = g.id AND s.role = 'member') "
        "OR NOT EXISTS (SELECT 1 FROM grid_team t JOIN grid c ON c.id = t.grid_id LEFT JOIN grid p ON p.id = c.parent_id "
        "WHERE c.id = g.id OR c.parent_id = g.id OR p.parent_id = g.id)",
    )
    assert len(gaps) == want > 0
    assert {"街道/镇", "网格", "缺口"} <= set(gaps.columns)
    assert at.get("download_button")


def test_english_page(app_env):
    at = open_page({"lang": "en"})
    assert {m.label for m in at.metric} >= {"Building groups", "Demonstration"}
    assert "Schematic" in " ".join(c.value for c in at.caption)


def test_gcj02_tiles_shift_the_layers(app_env, monkeypatch):
    monkeypatch.setenv("MAP_TILE_URL", "http://tiles.intra/amap/{z}/{x}/{y}.png")
    monkeypatch.setenv("MAP_TILE_CRS", "gcj02")
    plain = layers(deck(open_page()))["groups"]["data"][0]["pos"]
    at = open_page()
    at.toggle(key="grid_tiles").set_value(True).run()
    spec = deck(at)
    assert "tiles.intra" in unquote(spec["mapStyle"])
    shifted = layers(spec)["groups"]["data"][0]["pos"]
    assert shifted == pytest.approx(list(wgs84_to_gcj02(*plain)), abs=2e-6)


def test_bad_tile_setting_is_ignored_with_a_notice(app_env, monkeypatch):
    monkeypatch.setenv("MAP_TILE_URL", "ftp://example/{z}/{x}/{y}")
    at = open_page()
    assert any("瓦片" in w.value for w in at.warning)
    assert deck(at).get("mapStyle") in (None, "__MAP_STYLE__")


def test_a_change_is_shown_only_beside_the_overviews_own_count():
    """A facility without a place is on the overview but not on the map: the map's count is then another
    count, and no change is set beside it (the others keep theirs)."""
    from ui.grid import panels

    now = {"building_groups": 838, "service_centers": 56, "kitchens": 30}
    before = {"building_groups": 659, "service_centers": 44, "kitchens": 0}
    shown = {"grid_sum_groups": 838, "grid_facility_service_center": 50, "grid_facility_kitchen": 30}
    got = panels.changes(now, before, shown)
    assert set(got) == {"grid_sum_groups", "grid_facility_kitchen"}
    assert got["grid_sum_groups"] == f"同比 {compare.arrow_text(838, 659)[0]}"
