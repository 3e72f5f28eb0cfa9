"""Map labels: the placement helper (no overlaps, the important names kept, markers left uncovered), the
grid map's deck and the report's SVG maps built from the query layer (no two names overlap at the opening
view, none covers a demonstration building), and the district opening on its built-up streets."""

from __future__ import annotations

import json
import math
import random
import re
from datetime import date
from html import unescape

import pandas as pd
import pytest

from data_access.db import read_engine
from data_access.filters import Filters
from data_access.queries import grid as gq
from data_access.queries import overview as ov
from report import svg_map
from ui import maps
from ui.grid import deck as grid_map
from ui.placement import CENTRED, Label, any_overlap, marker_box, overlaps, place, text_box_size

# ---------------------------------------------------------------- the helper


@pytest.mark.parametrize("seed", range(6))
def test_place_never_returns_overlapping_boxes(seed):
    rng = random.Random(seed)
    labels = [
        Label(
            rng.choice(["淮河路街道", "马寨镇", "连心胡同", "Area 7", "香榭丽79号院"]),
            rng.uniform(0, 600),
            rng.uniform(0, 400),
            rng.choice([10, 12, 15]),
            rng.random(),
            rng.choice([0, 6]),
            rng.choice([CENTRED, ("right", "left", "above", "below")]),
        )
        for _ in range(250)
    ]
    markers = [marker_box(rng.uniform(0, 600), rng.uniform(0, 400), 7) for _ in range(40)]
    bounds = (0, 0, 600, 400)
    placed = place(labels, markers, bounds)
    boxes = [p.box for p in placed]
    assert 10 < len(placed) < len(labels)  # crowded: some kept, some dropped
    assert any_overlap(boxes) is None
    assert not any(overlaps(b, m) for b in boxes for m in markers)
    assert all(bounds[0] <= b[0] and b[2] <= bounds[2] and bounds[1] <= b[1] and b[3] <= bounds[3] for b in boxes)
    # the boxes are where the text is drawn: the anchor plus the offset, the text's own size
    for p in placed:
        w, h = text_box_size(p.label.text, p.label.size)
        assert p.box == pytest.approx((p.x - w / 2, p.y - h / 2, p.x + w / 2, p.y + h / 2))


def test_place_keeps_the_most_important_and_tries_the_other_sides():
    low = Label("低优先级", 100, 100, 14, priority=1, positions=("center",))
    high = Label("高优先级", 104, 100, 14, priority=9, positions=("center",))
    assert [p.label for p in place([low, high])] == [high]  # the order given does not matter
    # a point's name goes right of its marker, else left, above, below; never on the marker
    dot = marker_box(300, 300, 6)
    blocker = (300 + 7, 290, 400, 310)  # the right side taken
    got = place([Label("楼院", 300, 300, 12, gap=7)], [dot], None, [blocker])
    assert got[0].position == "left" and got[0].box[2] <= 300 - 7
    # an area's name is nudged off a marker on its centre, but its centre stays inside the area
    square = (((90, 90), (110, 90), (110, 110), (90, 110)),)
    area = Label("街道", 100, 100, 14, positions=CENTRED, region=square)
    assert place([area])[0].position == "center"
    assert place([area], [marker_box(100, 100, 30)]) == []  # every position inside is on the marker
    wide = (((0, 0), (400, 0), (400, 400), (0, 400)),)
    moved = place([Label("街道", 100, 100, 14, positions=CENTRED, region=wide)], [marker_box(100, 100, 4)])
    assert moved and moved[0].position != "center"
    # labels wholly outside the bounds are kept only when asked (a map that pans shows them later)
    far = Label("远处", 900, 100, 14, positions=("center",))
    assert place([far], bounds=(0, 0, 600, 400)) == []
    assert len(place([far], bounds=(0, 0, 600, 400), outside_ok=True)) == 1
    cut = Label("被截断", 598, 100, 14, positions=("center",))
    assert place([cut], bounds=(0, 0, 600, 400), outside_ok=True) == []


# ---------------------------------------------------------------- the maps, from the query layer


@pytest.fixture(scope="module")
def grid_inputs(sqlite_url):
    """The grid map's frames at district, street (S05) and community (S05C03) scope."""
    engine = read_engine(sqlite_url)
    out = {}
    try:
        with engine.connect() as conn:
            places = ov.places(conn)
            sid = int(places.streets.loc[places.streets["code"] == "S05", "id"].iloc[0])
            cid = int(places.communities.loc[places.communities["code"] == "S05C03", "id"].iloc[0])
            d0, d1 = date(2017, 1, 1), date(2017, 9, 30)
            for level, f in (
                ("district", Filters(d0, d1)),
                ("street", Filters(d0, d1, street_id=sid)),
                ("community", Filters(d0, d1, street_id=sid, community_id=cid)),
            ):
                out[level] = grid_map.MapInput(
                    level,
                    gq.base_outlines(),
                    gq.scope_area(conn, f),
                    gq.grid_areas(conn, f),
                    gq.building_groups(conn, f),
                    gq.facilities(conn, f),
                    gq.sibling_areas(conn, f),
                )
    finally:
        engine.dispose()
    return out


def deck_label_check(spec: dict, size: tuple[int, int]) -> list[str]:
    """Every name the deck draws at its opening view: none overlaps another or a demonstration building."""
    v = spec["initialViewState"]
    view = grid_map.pdk.ViewState(longitude=v["longitude"], latitude=v["latitude"], zoom=v["zoom"])
    layers = {layer["id"]: layer for layer in spec["layers"]}
    boxes, names = [], []
    for layer_id in ("area_labels", "demonstration_labels", "sibling_labels", "neighbour_labels"):
        boxes += grid_map.layer_label_boxes(layers[layer_id], view, size)
        names += [row["label"] for row in layers[layer_id]["data"]]
    assert any_overlap(boxes) is None
    radius = layers["demonstration"]["getRadius"]
    demos = [maps.to_pixels(*row["pos"], view, *size) for row in layers["demonstration"]["data"]]
    assert not any(overlaps(b, marker_box(x, y, radius)) for b in boxes for x, y in demos)
    return names


@pytest.mark.parametrize("level", ["district", "street", "community"])
@pytest.mark.parametrize("size", [(maps.MAP_WIDTH, maps.MAP_HEIGHT), (640, 771)])
def test_deck_labels_do_not_collide_at_the_opening_view(grid_inputs, level, size):
    data, _ = grid_map.mappable(grid_inputs[level])
    scale = grid_map.colour_scale("street", data.groups, data.areas, level)
    spec = json.loads(grid_map.build_deck(data, scale, grid_map.FACILITY_KINDS, None, None, size).to_json())
    names = deck_label_check(spec, size)
    areas = set(data.areas["name"])
    assert len(areas & set(names)) >= len(areas) * 0.6, names  # most areas named, the fullest first
    biggest = data.areas.sort_values("building_groups", ascending=False)["name"].iloc[0]
    assert biggest in names


def test_district_opens_on_its_built_up_streets(grid_inputs):
    data, _ = grid_map.mappable(grid_inputs["district"])
    dense = maps.built_up(data.areas)
    assert dense is not None and sum(dense) == 13  # the 13 inner-city streets of 17
    rural = set(data.areas.loc[[not d for d in dense], "name"])
    assert {"马寨镇", "侯寨街道"} <= rural
    view = grid_map.initial_view(data, (maps.MAP_WIDTH, maps.MAP_HEIGHT))
    whole = maps.fit_view(*maps.bounds_of(json.loads(data.scope["geometry"].iloc[0])))
    assert view.zoom > whole.zoom + 0.7  # the dense part at well over one and a half times the scale
    (x0, y0), (x1, y1) = maps.visible_box(view)
    (a0, b0), (a1, b1) = maps.built_up_box(data.areas)
    assert x0 <= a0 and y0 <= b0 and a1 <= x1 and b1 <= y1
    # the wall, never panned, gets a small map of the whole district with that part outlined
    size = (640, 771)
    assert grid_map.opens_on_part(data, size)
    scale = grid_map.colour_scale("street", data.groups, data.areas, "district")
    inset = json.loads(grid_map.locator_deck(data, scale, (210, 240), size).to_json())
    layers = {layer["id"]: layer for layer in inset["layers"]}
    ring = layers["mark_box"]["data"][0]["path"]
    shown = maps.visible_box(grid_map.initial_view(data, size), *size)
    assert ring[0] == pytest.approx(list(shown[0])) and ring[2] == pytest.approx(list(shown[1]))
    small = grid_map.pdk.ViewState(**{k: inset["initialViewState"][k] for k in ("longitude", "latitude", "zoom")})
    (c0, d0), (c1, d1) = maps.visible_box(small, 210, 240)
    (e0, f0), (e1, f1) = maps.bounds_of(json.loads(data.scope["geometry"].iloc[0]))
    assert c0 <= e0 and d0 <= f0 and e1 <= c1 and f1 <= d1
    assert not opens_on_part_at(grid_inputs["street"], size)


OLD_CITY = {"解放路街道", "一马路街道", "德化街街道", "福华街街道"}  # small streets in the densest part


@pytest.mark.parametrize("size", [(maps.MAP_WIDTH, maps.MAP_HEIGHT), (640, 771)])  # the page's map, the wall's
def test_district_map_names_every_street_it_opens_on(grid_inputs, size):
    """At district zoom the old city's streets are too small for their names: each is named beside it, a
    leader line from its centre to the name, and no name overlaps another or a demonstration building."""
    data, _ = grid_map.mappable(grid_inputs["district"])
    scale = grid_map.colour_scale("street", data.groups, data.areas, "district")
    spec = json.loads(grid_map.build_deck(data, scale, grid_map.FACILITY_KINDS, None, None, size).to_json())
    names = deck_label_check(spec, size)
    v = spec["initialViewState"]
    view = grid_map.pdk.ViewState(longitude=v["longitude"], latitude=v["latitude"], zoom=v["zoom"])
    dense = data.areas[maps.built_up(data.areas)]
    assert OLD_CITY <= set(dense["name"]) and set(dense["name"]) <= set(names), set(dense["name"]) - set(names)
    layers = {layer["id"]: layer for layer in spec["layers"]}
    leaders = layers["area_leaders"]["data"]
    labels = {row["label"]: row for row in layers["area_labels"]["data"]}
    assert 1 <= len(leaders) <= len(OLD_CITY) + 3  # a callout only where a name has no room inside
    boxes = dict(zip(labels, grid_map.layer_label_boxes(layers["area_labels"], view, size)))
    for leader in leaders:  # from the area's centre to the edge of its name's box
        start, end = (maps.to_pixels(*point, view, *size) for point in leader["path"])
        x0, y0, x1, y1 = boxes[leader["label"]]
        assert x0 - 1 <= end[0] <= x1 + 1 and y0 - 1 <= end[1] <= y1 + 1, (leader, end, boxes[leader["label"]])
        assert not (x0 < start[0] < x1 and y0 < start[1] < y1)  # the name sits off the area's centre
        assert 10 <= math.dist(start, end) <= 170  # near its area: CALLOUT_DISTANCES, a diagonal at most


def test_the_walls_heat_map_opens_on_the_built_up_streets_beside_its_grid_map(grid_inputs):
    """The wall's two maps at district scope show the same part: the heat map fitted to the built-up streets
    (where the service is), not the whole district; a ringed station beyond its edge is counted (`beyond`,
    said in the panel's title), one inside is not."""
    from ui.volunteers.service_map import beyond, service_deck

    data, _ = grid_map.mappable(grid_inputs["district"])
    focus = maps.built_up_box(data.areas)
    rings = pd.DataFrame(  # a slow station in the rural south-west, one in the old city
        {"lon": [113.56, 113.655], "lat": [34.69, 34.75], "station": ["s", "t"], "community": ["c", "c"],
         "requests": [3, 3], "unmet": [1, 1], "median_wait_h": [50.0, 40.0]}
    )  # fmt: skip
    cells = pd.DataFrame({"lon": [113.65, 113.64], "lat": [34.74, 34.73], "value": [5.0, 3.0]})
    kitchens = pd.DataFrame({"lon": [], "lat": [], "name": [], "people_fed": []})
    w, h = 640, 468
    tight = service_deck(cells, rings, kitchens, True, "{station}", "{name}", None, h, w, focus=focus)
    (x0, y0), (x1, y1) = maps.visible_box(tight.initial_view_state, w, h)
    assert x0 <= focus[0][0] and y0 <= focus[0][1] and focus[1][0] <= x1 and focus[1][1] <= y1
    assert not x0 <= 113.56 <= x1 and beyond(rings, focus, w, h) == 1 and beyond(rings.iloc[1:], focus, w, h) == 0
    whole = service_deck(cells, rings, kitchens, True, "{station}", "{name}", None, h, w)
    assert tight.initial_view_state.zoom > whole.initial_view_state.zoom + 0.7
    assert beyond(rings, None, w, h) == 0  # no focus (a street's map shows its whole scope)


def opens_on_part_at(data, size) -> bool:
    return grid_map.opens_on_part(grid_map.mappable(data)[0], size)


# ---------------------------------------------------------------- the report's SVG


TEXT_RE = re.compile(
    r'<text class="(lbl)" x="([\d.-]+)" y="([\d.-]+)" font-size="([\d.]+)" text-anchor="(\w+)"[^>]*>([^<]*)<'
)
DEMO_RE = re.compile(r'<circle class="demo"[^>]*cx="([\d.-]+)" cy="([\d.-]+)" r="([\d.]+)"')


def svg_label_boxes(svg: str) -> tuple[list[tuple], list[str]]:
    boxes, names = [], []
    for _cls, x, y, size, anchor, name in TEXT_RE.findall(svg):
        w, h = text_box_size(unescape(name), float(size))
        left = float(x) - w / 2 if anchor == "middle" else float(x) - 2
        boxes.append((left, float(y) - h / 2, left + w, float(y) + h / 2))
        names.append(unescape(name))
    return boxes, names


@pytest.mark.parametrize("level", ["district", "street", "community"])
def test_report_map_names_do_not_overlap(grid_inputs, level):
    data = grid_inputs[level]
    district = data.base[0]["features"][0]["geometry"]
    scope = None if level == "district" else data.scope["geometry"].iloc[0]
    focus = maps.built_up_box(data.areas) if level == "district" else None
    maps_drawn = [
        svg_map.grid_map(level, district, scope, data.areas, data.groups, data.siblings, "t", "示意", mark=focus)
    ]
    if focus is not None:
        maps_drawn.append(
            svg_map.grid_map(level, district, scope, data.areas, data.groups, data.siblings, "t", "示意", focus=focus)
        )
    named = set()
    for svg in maps_drawn:
        boxes, names = svg_label_boxes(svg)
        assert boxes and any_overlap(boxes) is None, names
        demos = [marker_box(float(x), float(y), float(r)) for x, y, r in DEMO_RE.findall(svg)]
        assert not any(overlaps(b, d) for b in boxes for d in demos), names
        named |= set(names)
    assert set(data.areas["name"]) <= named  # every area named, on one map or the other


def test_the_built_up_box_leaves_out_areas_without_a_shape(grid_inputs):
    """An imported grid may have no outline: the wall's focus is read from the areas that have one."""
    data, _ = grid_map.mappable(grid_inputs["district"])
    box = maps.built_up_box(data.areas)
    shapeless = data.areas.copy()
    shapeless.loc[shapeless.index[0], "geometry"] = None
    assert maps.built_up_box(shapeless) is not None
    assert maps.built_up_box(data.areas.iloc[:0]) is None
    assert box is not None
