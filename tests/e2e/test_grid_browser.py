"""In the browser: the grid map draws offline (only the app's own server is contacted) and a click opens a group.

Needs Debian's Chromium and the playwright package (never `playwright install`); without them the test
is skipped with the reason shown. The app is served on GRID_E2E_PORT (default 8522).
"""

from __future__ import annotations

import json
import time
from urllib.parse import urlparse

import pytest
from sqlalchemy import text

from data_access.db import read_engine
from ui.grid.deck import bounds_of, fit_view, to_pixels

IDLE = "[data-testid=stApp][data-test-script-state=notRunning]"
CANVAS = "[data-testid=stDeckGlJsonChart] canvas"


@pytest.fixture()
def page(browser):
    """A 1920×1080 page of the shared browser that records every request it makes."""
    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    pg = context.new_page()
    pg.requested = []
    pg.on("request", lambda r: pg.requested.append(r.url))
    yield pg
    context.close()


def _open(pg, url: str) -> None:
    pg.goto(url)
    pg.wait_for_selector(IDLE, timeout=120_000)
    pg.wait_for_selector(CANVAS, timeout=60_000)
    time.sleep(3)  # let deck.gl finish drawing and any late request show up


def test_district_map_contacts_only_the_app(server, page):
    _open(page, f"{server.base}/grid_map")
    app_host = urlparse(server.base).netloc
    network = [u for u in page.requested if urlparse(u).scheme not in ("data", "blob")]
    assert network and {urlparse(u).netloc for u in network} == {app_host}, network
    body = page.inner_text("[data-testid=stMain]")
    assert "838" in body and "47" in body and "示意" in body
    # the canvas really draws: many distinct colours (areas, dots, outlines), not a blank box
    from io import BytesIO

    from PIL import Image

    shot = Image.open(BytesIO(page.locator(CANVAS).first.screenshot())).convert("RGB")
    assert len(set(shot.resize((200, 140)).getdata())) > 50


def test_clicking_a_building_group_opens_its_detail(server, page, sqlite_url):
    engine = read_engine(sqlite_url)
    with engine.connect() as conn:
        geom = conn.execute(
            text("SELECT g.geometry FROM grid g JOIN org o ON o.id = g.org_id WHERE g.level = 3 AND o.code = 'S01C02'")
        ).scalar()
        name, lon, lat = conn.execute(text("SELECT name, lon, lat FROM building_group WHERE code = 'S01C02B02'")).one()
    engine.dispose()
    _open(page, f"{server.base}/grid_map?community=S01C02")
    box = page.locator(CANVAS).first.bounding_box()
    x, y = to_pixels(lon, lat, fit_view(*bounds_of(json.loads(geom))), box["width"], box["height"])
    for _attempt in range(3):  # a click that lands while the page is still settling is lost: try again
        page.mouse.move(box["x"] + x - 40, box["y"] + y - 40)
        page.mouse.move(box["x"] + x, box["y"] + y, steps=5)  # hover first, as a hand does
        time.sleep(1)
        page.mouse.click(box["x"] + x, box["y"] + y)
        for _ in range(120):  # the app rewrites the address without a navigation: poll it (a busy machine is slow)
            if "sel=S01C02B02" in page.url:
                break
            time.sleep(0.5)
        if "sel=S01C02B02" in page.url:
            break
    assert "sel=S01C02B02" in page.url, page.url
    page.get_by_role("heading", name=name).wait_for(timeout=60_000)
    assert {urlparse(u).netloc for u in page.requested if urlparse(u).scheme in ("http", "https")} == {
        urlparse(server.base).netloc
    }
