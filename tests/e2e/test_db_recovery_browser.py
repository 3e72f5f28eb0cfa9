"""A wall screen in kiosk mode while its PostgreSQL server stops and starts again: the plain message
appears by itself, with no traceback or address, and the screen recovers without anyone reloading it."""

from __future__ import annotations

import pytest

from seed.generator import SeedConfig

from ..conftest import seed_into
from ..pg_cluster import PrivateCluster
from .conftest import Server, wait_idle

MESSAGE = "暂时无法连接数据库"


@pytest.fixture()
def pg_server():
    cluster = PrivateCluster()
    cluster.start()
    srv = None
    try:
        seed_into(cluster.url, SeedConfig(scale=0.02))
        srv = Server(cluster.url)
        yield cluster, srv
    finally:
        if srv is not None:
            srv.stop()
        cluster.remove()


def test_kiosk_survives_a_database_restart(browser, pg_server, shots):
    cluster, srv = pg_server
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    errors: list[str] = []  # what the page's scripts threw: said with a timeout below (a blank screen once)
    page.on("pageerror", lambda exc: errors.append(str(exc)[:300]))
    page.on("crash", lambda _page: errors.append("the page crashed"))
    try:
        # a cycle long enough for a view to be drawn between steps even when four test workers share two
        # cores (at 5 s a loaded machine's views took longer than the cycle: the script never went idle)
        page.goto(f"{srv.base}/briefing?kiosk=1&cycle=15")
        page.wait_for_selector(".brief-kpi", timeout=180_000)
        cluster.stop()
        # nobody touches the page: the rotation reaches a view it has not cached and finds no database (on a
        # test machine whose cores four test workers share, that took longer than 90 s once)
        try:
            page.wait_for_selector(f"[data-testid=stAlertContentError]:has-text('{MESSAGE}')", timeout=180_000)
        except Exception:  # noqa: BLE001 - Playwright's timeout: keep what the screen showed, to see why
            page.screenshot(path=str(shots / "db-down-kiosk-timeout.png"))
            status = page.inner_text("body")[-600:]
            pytest.fail(f"no database message within 180 s; the screen's last text: {status!r}; errors: {errors[-3:]}")
        body = page.inner_text("body")
        for leak in ("Traceback", "postgresql", "psycopg", "127.0.0.1", str(cluster.port)):
            assert leak not in body, leak
        assert page.query_selector_all("[data-testid=stException]") == []
        page.screenshot(path=str(shots / "db-down-kiosk.png"))
        cluster.start()
        # the background re-check (every 15 s) brings the rotation back by itself (the next view then drawn
        # while four test workers share two cores: once more than 120 s after the restart)
        try:
            page.wait_for_function(
                f"!document.body.innerText.includes('{MESSAGE}') && document.querySelector('.kiosk-status') !== null",
                timeout=180_000,
            )
        except Exception:  # noqa: BLE001 - Playwright's timeout: keep what the screen showed, to see why
            page.screenshot(path=str(shots / "db-back-kiosk-timeout.png"))
            status = page.inner_text("body")[-600:]
            pytest.fail(
                f"the rotation did not come back within 180 s of the restart; the screen's last text: {status!r}; "
                f"errors: {errors[-3:]}"
            )
        wait_idle(page, timeout=180_000)
        assert page.query_selector_all("[data-testid=stException]") == []
        step = int(page.get_attribute("#kiosk-status", "data-step"))
        page.wait_for_function(
            f"Number(document.querySelector('#kiosk-status')?.dataset.step) > {step}", timeout=120_000
        )
        wait_idle(page, timeout=180_000)  # the next view drawn, not the moment it was switched in
        assert page.query_selector_all("[data-testid=stException], [data-testid=stAlertContentError]") == []
        page.screenshot(path=str(shots / "db-back-kiosk.png"))
    finally:
        ctx.close()
