"""The export worker's limits: no browser, a page that never comes up (killed at the deadline with its
browser), and more exports at once than it allows (busy)."""

from __future__ import annotations

import os
import socket
import threading
import time

import pytest

from render import worker


def _chromium_processes(homes: list[str] | None = None) -> set[int]:
    """Chromium processes on this machine; with homes, only those started by a worker of these folders
    (other people's browsers on a shared machine, or another test process's, are none of this test's)."""
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/cmdline", "rb") as fh:
                    if b"chromium" not in fh.read().split(b"\0")[0]:
                        continue
                if homes is not None:
                    with open(f"/proc/{entry}/environ", "rb") as fh:
                        if not {f"HOME={h}".encode() for h in homes} & set(fh.read().split(b"\0")):
                            continue
                found.add(int(entry))
            except OSError:
                pass
    return found


@pytest.fixture()
def no_spare():
    worker.shutdown()  # a warm worker started under other settings must not take these jobs
    yield
    worker.shutdown()


def test_a_missing_browser_is_said(no_spare, monkeypatch):
    monkeypatch.setenv("ERQI_CHROMIUM", "/nonexistent/chromium")
    with pytest.raises(worker.ExportFailed) as failed:
        worker.run("http://127.0.0.1:9/overview?export=x", "png")
    assert failed.value.reason == "missing" and "ERQI_CHROMIUM" in failed.value.detail


def test_a_page_that_never_comes_up_is_killed_at_the_deadline_with_its_browser(no_spare, monkeypatch):
    silent = socket.socket()  # accepts, never answers
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    held: list[socket.socket] = []
    stop = threading.Event()

    def hold() -> None:
        silent.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(silent.accept()[0])
            except OSError:
                pass

    threading.Thread(target=hold, daemon=True).start()
    monkeypatch.setenv("ERQI_EXPORT_TIMEOUT_SECONDS", "8")
    monkeypatch.setattr(worker, "PAGE_MARGIN_SECONDS", -60)  # a browser that hangs past its own timeout
    homes: list[str] = []
    start = worker._Worker.start.__func__

    def recorded(cls):
        started = start(cls)
        homes.append(started.folder.name)
        return started

    monkeypatch.setattr(worker._Worker, "start", classmethod(recorded))
    started = time.monotonic()
    try:
        with pytest.raises(worker.ExportFailed) as failed:
            worker.run(f"http://127.0.0.1:{silent.getsockname()[1]}/overview?export=x", "pdf")
        took = time.monotonic() - started
        worker.shutdown()  # the warm worker started after the failure
        assert failed.value.reason == "timeout", (failed.value.reason, failed.value.detail)
        assert 7.5 <= took <= 20
        time.sleep(0.5)
        assert homes and _chromium_processes(homes) == set()  # the browser went with its worker
    finally:
        stop.set()
        for conn in held:
            conn.close()
        silent.close()


def test_more_exports_than_slots_are_told_busy(no_spare, monkeypatch):
    monkeypatch.setattr(worker, "QUEUE_SECONDS", 0.2)
    monkeypatch.setattr(worker, "_slots", threading.BoundedSemaphore(1))
    worker._slots.acquire()  # one export running
    try:
        with pytest.raises(worker.ExportFailed) as failed:
            worker.run("http://127.0.0.1:9/overview?export=x", "png")
        assert failed.value.reason == "busy"
    finally:
        worker._slots.release()
