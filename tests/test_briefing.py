"""Briefing wall and kiosk: figures, warnings against independent SQL, playlist parsing, URL handling."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import text

from data_access.filters import Filters
from data_access.queries import overview as q
from ui import maps
from ui.screen import playlist

from .test_app import run_app


def test_warning_counts_match_independent_sql(engine):
    with engine.connect() as conn:
        first, as_of = q.date_bounds(q.dataset_info(conn))
        got = q.warning_counts(conn, Filters(first, as_of), as_of)
        d = as_of.isoformat()
        overdue = conn.execute(
            text(
                "SELECT count(*) FROM supervision_task WHERE street_id IS NOT NULL AND due_on < :d "
                "AND (completed_on IS NULL OR completed_on > :d)"
            ),
            {"d": d},
        ).scalar()
        gaps = conn.execute(
            text(
                "SELECT count(*) FROM org o WHERE o.kind IN ('community','village') AND NOT EXISTS ("
                " SELECT 1 FROM activity a WHERE a.org_id = o.id AND a.kind IN "
                " ('branch_meeting','committee_meeting','group_meeting','party_lecture')"
                " AND a.held_on > :lo AND a.held_on <= :d)"
            ),
            {"d": d, "lo": (as_of - timedelta(days=90)).isoformat()},
        ).scalar()
        staffing = conn.execute(
            text(
                "SELECT count(*) FROM grid g WHERE g.level = 4 AND ("
                " NOT EXISTS (SELECT 1 FROM grid_staff s WHERE s.grid_id = g.id AND s.role = 'leader')"
                " OR NOT EXISTS (SELECT 1 FROM grid_staff s WHERE s.grid_id = g.id AND s.role = 'member')"
                " OR NOT EXISTS (SELECT 1 FROM grid_team t WHERE t.grid_id = g.id))"
            )
        ).scalar()
    assert got["overdue_tasks"].sum() == overdue
    assert got["meeting_gaps"].sum() == gaps
    assert got["staffing_gaps"].sum() == staffing
    assert len(got) == 17


def _html(at) -> str:
    return " ".join(str(h.proto.body) for h in at.get("html"))


def test_briefing_shows_the_data(app_env):
    at = run_app({"range": "all"})  # the report's flows (3,677 activities) cover the data's whole span
    at.switch_page("pages/briefing.py").run()
    assert not at.exception
    body = _html(at)
    kpis = dict(re.findall(r'data-kpi="(\w+)"><div class="v">([^<]+)<', body))
    assert kpis["kpi_orgs"] == "631" and kpis["kpi_members"] == "25,218" and kpis["kpi_building_groups"] == "838"
    assert kpis["kpi_teams"] == "264" and kpis["kpi_activities"] == "3,677"
    assert kpis["kpi_hours"].endswith("万")
    assert "示例数据" in body and "2017-09-30" in body
    assert 'data-warning="overdue_tasks"' in body


def test_briefing_deep_link_scope(app_env):
    at = run_app({"street": "S02"})
    at.switch_page("pages/briefing.py").run()
    body = _html(at)
    assert "解放路街道" in body
    kpis = dict(re.findall(r'data-kpi="(\w+)"><div class="v">([^<]+)<', body))
    assert kpis["kpi_orgs"] != "631"


@pytest.mark.parametrize("params", [{}, {"street": "S05"}])
def test_briefing_maps_are_fitted_to_their_panels(app_env, params):
    """The maps are fitted to the wall's panels (not the grid map page's larger frame): a street whole; the
    district's grid map on its built-up streets with a small map of the whole district over its corner, and
    its heat map on the same streets."""
    import json

    from pages.briefing import BRIEF_MAP_HEIGHT, HEAT_HEIGHT, INSET_SIZE, PANEL_WIDTH
    from ui.grid import deck as grid_map
    from ui.placement import any_overlap
    from ui.volunteers import service_map as vol_map

    at = run_app(params)
    at.switch_page("pages/briefing.py").run()
    decks = [json.loads(d.proto.json) for d in at.get("deck_gl_json_chart")]
    district = maps.bounds_of(vol_map.base_geojson()[1]["features"][0]["geometry"])

    def shown(deck, size):
        v = deck["initialViewState"]
        view = grid_map.pdk.ViewState(longitude=v["longitude"], latitude=v["latitude"], zoom=v["zoom"])
        return view, maps.visible_box(view, *size)

    def contains(box, inner):
        (x0, y0), (x1, y1) = box
        return all(x0 <= a0 and a1 <= x1 and y0 <= b0 and b1 <= y1 for (a0, b0), (a1, b1) in inner)

    ids = [{layer["id"] for layer in deck["layers"]} for deck in decks]
    grid = [d for d, i in zip(decks, ids) if "areas" in i and "mark_box" not in i]
    inset = [d for d, i in zip(decks, ids) if "mark_box" in i]
    heat = [d for d, i in zip(decks, ids) if "areas" not in i]
    assert len(grid) == 1 and len(heat) == 1 and len(inset) == (0 if params else 1)
    main_size = (PANEL_WIDTH, BRIEF_MAP_HEIGHT)
    view, box = shown(grid[0], main_size)
    layers = {layer["id"]: layer for layer in grid[0]["layers"]}
    labels = [
        b for k in layers if k.endswith("_labels") for b in grid_map.layer_label_boxes(layers[k], view, main_size)
    ]
    assert labels and any_overlap(labels) is None
    if params:
        outline = [maps.bounds_of(f["geometry"]) for f in layers["scope"]["data"]["features"]]
        assert contains(box, outline)
        assert contains(shown(heat[0], (PANEL_WIDTH, HEAT_HEIGHT))[1], outline)
    else:
        inner = [
            maps.bounds_of(f["geometry"])
            for f in layers["areas"]["data"]["features"]
            if f["properties"]["tt"].split("（")[0] not in ("马寨镇", "侯寨街道", "齐礼阎街道", "长江路街道")
        ]
        assert len(inner) == 13 and contains(box, inner) and not contains(box, [district])
        assert contains(shown(inset[0], INSET_SIZE)[1], [district])
        ring = {layer["id"]: layer for layer in inset[0]["layers"]}["mark_box"]["data"][0]["path"]
        assert ring[0] == pytest.approx(list(box[0])) and ring[2] == pytest.approx(list(box[1]))
        # the heat map beside it opens on the same streets, not the whole district; its title says so, and
        # how many of the ringed slow stations lie beyond its edge
        heat_view, heat_box = shown(heat[0], (PANEL_WIDTH, HEAT_HEIGHT))
        assert contains(heat_box, inner) and heat_view.zoom > maps.fit_view(*district, PANEL_WIDTH, HEAT_HEIGHT).zoom
        rings = {layer["id"]: layer for layer in heat[0]["layers"]}["slow_stations"]["data"]
        (x0, y0), (x1, y1) = heat_box
        away = sum(not (x0 <= r["lon"] <= x1 and y0 <= r["lat"] <= y1) for r in rings)
        title = [h.proto.body for h in at.get("html") if "志愿服务热力" in h.proto.body]
        said = f"另 {away} 个慢站在外" if away else "（建成区）"
        assert len(rings) == 10 and title and said in title[0], (away, title)


def test_kiosk_bad_cycle_is_reported_and_replaced(app_env):
    at = run_app({"kiosk": "1", "cycle": "fast"})
    # the first stop is a wall: its notices float as a toast (a page would show a warning)
    assert any("cycle=fast" in n.value for n in [*at.warning, *at.toast])
    assert "kiosk-status" in _html(at)


@pytest.fixture()
def places(engine):
    with engine.connect() as conn:
        return q.places(conn)


def test_playlist_expands_streets(tmp_path, places):
    f = tmp_path / "p.toml"
    f.write_text(
        'cycle_seconds = 20\n[[view]]\npage = "briefing"\nscope = "each_street"\n'
        '[[view]]\npage = "overview"\nscope = "S03C02"\n',
        encoding="utf-8",
    )
    stops, cycle = playlist.load_playlist(f, ["pages/briefing.py", "pages/overview.py"], places)
    assert cycle == 20 and len(stops) == 18
    assert stops[-1].community_id and stops[-1].page == "pages/overview.py"


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("", "no [[view]]"),
        ("cycle_seconds = 1\n[[view]]\npage='briefing'\n", "cycle_seconds"),
        ("[[view]]\npage = 'nowhere'\n", "unknown page"),
        ("[[view]]\npage = 'briefing'\nscope = 'S99'\n", "unknown scope"),
        ("[[view\n", "p.toml"),
    ],
)
def test_playlist_errors_say_what_is_wrong(tmp_path, places, content, fragment):
    f = tmp_path / "p.toml"
    f.write_text(content, encoding="utf-8")
    with pytest.raises(playlist.PlaylistError, match=re.escape(fragment)):
        playlist.load_playlist(f, ["pages/briefing.py"], places)


def test_the_shipped_playlist_is_valid(places):
    stops, cycle = playlist.load_playlist(playlist.DEFAULT_PLAYLIST, ["pages/briefing.py", "pages/overview.py"], places)
    assert stops and cycle >= playlist.MIN_CYCLE


def test_parse_cycle():
    assert playlist.parse_cycle("45", 30) == (45, True)
    assert playlist.parse_cycle(None, 30) == (30, True)
    assert playlist.parse_cycle("2", 30) == (30, False)
    assert playlist.parse_cycle("x", 30) == (30, False)
