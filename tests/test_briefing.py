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
    """Both maps show the whole scope inside the wall's panels (not the grid map page's larger frame)."""
    import json

    from pages.briefing import BRIEF_MAP_HEIGHT, HEAT_HEIGHT, PANEL_WIDTH
    from ui.grid import deck as grid_map
    from ui.volunteers import service_map as vol_map

    at = run_app(params)
    at.switch_page("pages/briefing.py").run()
    decks = [json.loads(d.proto.json) for d in at.get("deck_gl_json_chart")]
    assert len(decks) == 2
    district = maps.bounds_of(vol_map.base_geojson()[1]["features"][0]["geometry"])
    for deck, height in zip(decks, (BRIEF_MAP_HEIGHT, HEAT_HEIGHT)):
        v = deck["initialViewState"]
        view = grid_map.pdk.ViewState(longitude=v["longitude"], latitude=v["latitude"], zoom=v["zoom"])
        (x0, y0), (x1, y1) = maps.visible_box(view, PANEL_WIDTH, height)
        outline = (
            [f["geometry"] for layer in deck["layers"] if layer["id"] == "scope" for f in layer["data"]["features"]]
            if params
            else []
        )
        boxes = [maps.bounds_of(g) for g in outline] or [district]
        for (a0, b0), (a1, b1) in boxes:
            assert x0 <= a0 and a1 <= x1 and y0 <= b0 and b1 <= y1, (deck["layers"][0]["id"], v)


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
