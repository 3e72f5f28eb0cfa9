"""The processes the app starts end with it: the live demo's simulator and the embedded refresher are gone
once the app's process is stopped with SIGTERM (a service manager) or SIGINT (Ctrl+C) (issue 34, item 8)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path

import pytest

from seed.generator import SeedConfig

from ..conftest import PROJECT, seed_into
from .conftest import _free_port, stop_process, wait_idle

# the app as `streamlit run serve.py` runs it, its live demo file (ERQI_LIVE_DEMO=1, no DATABASE_URL) moved
# to the test's folder instead of the project's data/
LAUNCH = """
import sys
from pathlib import Path
import data_access.db as db, data_access.bootstrap as bootstrap
db.LIVE_DEMO_PATH = bootstrap.LIVE_DEMO_PATH = Path(sys.argv[1])
from streamlit.web.cli import main
sys.argv = ["streamlit", "run", "serve.py", "--server.port", sys.argv[2], "--server.address", "127.0.0.1",
            "--server.headless", "true", "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"]
main()
"""


def _children(pid: int) -> dict[int, str]:
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError):
            continue
        if int(stat[1]) == pid:
            found[int(entry)] = cmd
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_stopping_the_app_ends_the_live_simulator(tmp_path, browser, sig):
    live = tmp_path / "live.sqlite"
    seed_into(f"sqlite:///{live}", SeedConfig(scale=0.05, as_of=date.today() - timedelta(days=1), live=True))
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "ERQI_OPEN_DEMO", "ERQI_USERS_FILE")}
    env |= {"ERQI_LIVE_DEMO": "1", "PYTHONPATH": str(PROJECT), "ERQI_PREDRAW": "off"}  # no sign-in: the live demo
    app = subprocess.Popen(
        [sys.executable, "-c", LAUNCH, str(live), str(port)],
        cwd=PROJECT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2):
                    break
            except OSError:
                assert time.monotonic() < deadline and app.poll() is None, "the app did not start"
                time.sleep(0.5)
        page = browser.new_page()
        page.goto(f"http://127.0.0.1:{port}/")
        wait_idle(page)  # the first run starts the refresher and the simulator
        deadline = time.monotonic() + 30
        while not any("seed.simulate" in c for c in _children(app.pid).values()):
            assert time.monotonic() < deadline, f"no simulator started: {_children(app.pid)}"
            time.sleep(0.5)
        kids = {pid: cmd for pid, cmd in _children(app.pid).items() if "seed.simulate" in cmd or "refresher" in cmd}
        assert len(kids) == 2, kids

        app.send_signal(sig)
        app.wait(timeout=60)
        page.close()
        deadline = time.monotonic() + 20
        while any(_alive(pid) for pid in kids) and time.monotonic() < deadline:
            time.sleep(0.25)
        assert not [cmd for pid, cmd in kids.items() if _alive(pid)], "a child outlived the app"
    finally:
        if app.poll() is None:
            stop_process(app)
