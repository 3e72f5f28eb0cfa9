"""A served process answers its pages' queries from a worker process (data_access.offload) and the worker
ends with it, also when the server is killed outright."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.viewer import Viewer

from .conftest import Server
from .test_children_end import _alive


def _health(srv: Server) -> dict:
    with urllib.request.urlopen(srv.base + "/healthz", timeout=10) as r:
        return json.load(r)


def _workers(pid: int) -> list[int]:
    """The server's children that run the query worker."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            ppid = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            cmd = Path(f"/proc/{entry}/cmdline").read_bytes()
        except (OSError, IndexError):
            continue
        if ppid == pid and b"data_access.offload" in cmd:
            found.append(int(entry))
    return found


async def _open(base: str, pages: list[tuple[str, str]]) -> list[str]:
    v = Viewer(base)
    await v.open()
    try:
        for name, query in pages:
            await v.page(name, query)  # raises on an error element or the database's message
        return v.errors
    finally:
        await v.close()


def test_pages_are_answered_by_the_worker_which_ends_with_a_killed_server(sqlite_url):
    srv = Server(sqlite_url)
    try:
        deadline = time.monotonic() + 60
        while _health(srv)["query_processes"] < 1:  # started beside the server's own start-up
            assert time.monotonic() < deadline, _health(srv)
            time.sleep(0.5)
        (worker,) = _workers(srv.proc.pid)
        # the database's address goes by the environment, not the command line every user can list; the
        # worker's malloc arenas are capped as the server's are (serving.memory, default 4)
        assert sqlite_url.encode() not in Path(f"/proc/{worker}/cmdline").read_bytes()
        assert b"MALLOC_ARENA_MAX=4" in Path(f"/proc/{worker}/environ").read_bytes().split(b"\0")
        pages = [("overview", ""), ("volunteers", "street=S03"), ("grid_map", "")]
        with ThreadPoolExecutor(1) as own_loop:  # a loop of its own: the browser tests' may run in this thread
            errors = own_loop.submit(asyncio.run, _open(srv.base, pages)).result(timeout=180)
        assert errors == []
        body = _health(srv)
        assert body["queries_in_workers"] >= 20, body  # the three pages' queries, not the process's own
        assert body["query_processes_replaced"] == 0, body
    finally:
        srv.proc.send_signal(signal.SIGKILL)  # no clean-up of its own: the worker must notice by itself
        srv.proc.wait()
    deadline = time.monotonic() + 10
    while _alive(worker):
        assert time.monotonic() < deadline, "the query worker outlived its killed server"
        time.sleep(0.2)
