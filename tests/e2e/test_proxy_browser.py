"""Two app processes behind nginx (the shipped deploy/nginx-erqi.conf), both on one PostgreSQL: viewers
spread over both, a stopped process's viewer reconnects to the other and sees the same view, and the
health route follows the database. Also the per-process session cap, seen from the browser."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest

from bench.viewer import Viewer
from seed.generator import SeedConfig

from ..conftest import seed_into
from ..pg_cluster import PrivateCluster
from .conftest import Server, wait_idle
from .nginx import NGINX, Nginx

STREET = "铭功路街道"  # S03
TILE = "基层党组织"  # the overview's first figure


def _health(base: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(base + "/healthz", timeout=10) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        body = e.read()
        return e.code, json.loads(body) if body.startswith(b"{") else {}  # nginx's own error page is HTML


def _in_thread(coro_fn):
    """asyncio.run in a thread of its own (Playwright's sync API keeps an event loop in this one)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: asyncio.run(coro_fn())).result()


async def _open_viewers(base: str, n: int) -> list[Viewer]:
    viewers = [Viewer(base) for _ in range(n)]
    for v in viewers:
        await v.open()
    await asyncio.gather(*(v.page("overview") for v in viewers))
    return viewers


@pytest.fixture()
def two_behind_nginx(tmp_path):
    if not shutil.which(NGINX):
        pytest.skip("nginx is not installed (apt-get install nginx; .ci/run installs it)")
    cluster = PrivateCluster()
    cluster.start()
    started: list = []
    try:
        seed_into(cluster.url, SeedConfig(scale=0.02))
        a = Server(cluster.url)
        started.append(a)
        b = Server(cluster.url)
        started.append(b)
        proxy = Nginx([a.port, b.port], tmp_path / "nginx")
        started.append(proxy)
        yield cluster, a, b, proxy
    finally:
        for s in reversed(started):
            s.stop()
        cluster.remove()


def test_two_processes_behind_nginx(browser, two_behind_nginx, shots):
    cluster, a, b, proxy = two_behind_nginx
    by_port = {a.port: a, b.port: b}

    # viewers through the proxy land on both processes, each session whole on one of them
    async def spread():
        viewers = await _open_viewers(proxy.base, 12)
        errors = [e for v in viewers for e in v.errors]
        sessions = {p: _health(s.base)[1]["sessions"] for p, s in by_port.items()}
        for v in viewers:
            await v.close()
        return errors, sessions

    errors, sessions = _in_thread(spread)
    assert errors == []
    assert all(n >= 1 for n in sessions.values()), sessions
    assert sum(sessions.values()) >= 12

    # two tabs of one browser with a place in their URLs: a page, and a wall screen cycling in kiosk mode
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = ctx.new_page()
    try:
        response = page.goto(f"{proxy.base}/volunteers?street=S03")
        assert response.ok
        wait_idle(page)
        page.wait_for_function(f"document.body.innerText.includes('{STREET}')", timeout=60_000)
        assert any(c["name"] == "erqi_node" for c in ctx.cookies())
        wall = ctx.new_page()
        wall.goto(f"{proxy.base}/briefing?kiosk=1&cycle=5&street=S03")
        wall.wait_for_selector("#kiosk-status", timeout=60_000)
        served = proxy.upstream_of("/volunteers?street=S03") + proxy.upstream_of("/briefing?kiosk=1")
        assert len(served) == 2 and served[0] == served[1], "one browser, one process (the node cookie)"
        port = int(served[0].rsplit(":", 1)[-1])
        gone, other = by_port[port], by_port[a.port if port == b.port else b.port]
        assert _health(other.base)[1]["connected"] == 0

        gone.stop()  # the process holding both tabs' sessions goes away mid-use
        step = int(wall.get_attribute("#kiosk-status", "data-step"))

        # both tabs reconnect through the proxy to the other process
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and _health(other.base)[1]["connected"] < 2:
            time.sleep(1)
        assert _health(other.base)[1]["connected"] == 2, "both tabs reconnected to the other process"
        # the wall keeps cycling there (its timer asks for a fragment the new session lacks: a full run)
        wall.wait_for_function(
            f"Number(document.querySelector('#kiosk-status')?.dataset.step) > {step}", timeout=90_000
        )
        assert wall.query_selector_all("[data-testid=stException]") == []
        # the page tab still shows its view; its next click is answered by the other process, which takes
        # the place from the URL (a new session there: it has nothing else to go on)
        assert "street=S03" in page.url
        page.get_by_text("English", exact=True).click()  # any click: the tab's first request there
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and _health(other.base)[1]["sessions"] < 2:
            time.sleep(0.5)
        assert _health(other.base)[1]["sessions"] == 2, "the page tab ran on the other process"
        wait_idle(page)
        assert STREET in page.inner_text("body")
        assert "street=S03" in page.url
        for tab in (page, wall):
            assert tab.query_selector_all("[data-testid=stException]") == []
            assert "Traceback" not in tab.inner_text("body")
        page.screenshot(path=str(shots / "proxy-after-failover.png"))
    finally:
        ctx.close()

    # the health route follows the database: the process and the proxy answer 503 while it is down
    assert _health(other.base)[0] == 200
    assert _health(proxy.base)[0] == 200
    cluster.stop()
    time.sleep(2.5)  # the last answer is kept for two seconds
    status, body = _health(other.base)
    assert status == 503 and body["status"] == "unavailable"
    assert _health(proxy.base)[0] in (502, 503)  # no process can read the database: nginx says so too
    cluster.start()
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and _health(other.base)[0] != 200:
        time.sleep(1)
    assert _health(other.base)[0] == 200


def test_session_cap_shows_busy_and_lets_in(browser, sqlite_url, shots):
    srv = Server(sqlite_url, ERQI_MAX_SESSIONS="1")
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        first = ctx.new_page()
        first.goto(f"{srv.base}/overview")
        wait_idle(first)
        first.wait_for_function(f"document.body.innerText.includes('{TILE}')", timeout=60_000)
        second = ctx.new_page()
        second.goto(f"{srv.base}/overview")
        second.wait_for_selector(":text('系统正在排队')", timeout=60_000)
        assert second.query_selector_all("[data-testid=stException]") == []
        second.screenshot(path=str(shots / "session-cap-busy.png"))
        assert _health(srv.base)[1]["waiting"] == 1
        first.close()  # a place frees: the waiting tab gets in by itself
        second.wait_for_function(f"document.body.innerText.includes('{TILE}')", timeout=60_000)
        assert "系统正在排队" not in second.inner_text("body")
    finally:
        ctx.close()
        srv.stop()
