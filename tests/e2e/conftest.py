"""Browser tests: the app on a free loopback port, driven by Playwright with Debian's Chromium."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from render.chromium import RECIPE

from ..conftest import PROJECT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = RECIPE  # the renderer's own launch recipe (render.chromium)
SHOTS = PROJECT / "test-artifacts" / "screenshots"
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"  # `npm ci` installs it (package.json)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A streamlit server of this project on 127.0.0.1 with its own database, started as the README
    starts it (`streamlit run serve.py`)."""

    def __init__(self, db_url: str, script: str = "serve.py", **extra_env: str):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        # seeded demo data; no pre-drawing (test_predraw turns it on): it would only share the cores with the test
        env = {**os.environ, "DATABASE_URL": db_url, "ERQI_OPEN_DEMO": "1", "ERQI_PREDRAW": "off", **extra_env}
        self.proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                script,
                "--server.port",
                str(self.port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--server.fileWatcherType",
                "none",
                "--browser.gatherUsageStats",
                "false",
            ],
            cwd=PROJECT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.base + "/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        self.stop()
        raise RuntimeError("streamlit did not start")

    def stop(self) -> None:
        stop_process(self.proc)


def stop_process(proc: subprocess.Popen) -> None:
    """Terminate, and kill what does not end within 10 s."""
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="session")
def server(sqlite_url) -> Iterator[Server]:
    srv = Server(sqlite_url)
    yield srv
    srv.stop()


@pytest.fixture()
def fresh_server(sqlite_url) -> Iterator[Server]:
    srv = Server(sqlite_url)
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian chromium is not installed (apt-get install chromium fonts-noto-cjk)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture()
def shots() -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def wait_idle(page, timeout: float = 90_000) -> None:
    """Wait until the script has finished running (and give charts a moment to draw)."""
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)
    page.wait_for_timeout(1500)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=timeout)


def whole_page_shot(page, path: Path) -> None:
    """Enlarge the viewport to the main area's height (Streamlit scrolls inside stMain), then shoot."""
    height = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    size = page.viewport_size
    page.set_viewport_size({"width": size["width"], "height": max(size["height"], height)})
    page.wait_for_timeout(800)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(size)


# axe-core's rules for WCAG 2.0 and 2.1, levels A and AA (colour contrast among them)
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def wcag_violations(page) -> list[str]:
    """axe-core's WCAG 2.x A/AA rules over what the page shows: one line per failing element (rule, impact,
    element, why). Nothing is excluded: every finding so far was in our own markup and is fixed there.
    The script is injected as text, so the page still makes no request beyond the app."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `npm ci` in the project (package.json)")
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    found = page.evaluate(
        """async (tags) => {
            const r = await axe.run(document, {runOnly: {type: 'tag', values: tags}});
            return r.violations.flatMap(v => v.nodes.map(n =>
                v.id + ' (' + v.impact + ') ' + n.html.slice(0, 120) + ' :: '
                + [...n.any, ...n.all, ...n.none].map(a => a.message).join('; ')));
        }""",
        WCAG_AA,
    )
    return list(found)
