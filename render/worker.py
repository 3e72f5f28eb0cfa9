"""Running the renderer from a server process: a worker process per export, a few at a time, with a
deadline, and its memory measured.

A viewer's session thread waits on the worker (it holds no lock the other sessions need, and the GIL is
released while it waits), so the renderer never blocks other viewers. At most ERQI_EXPORT_WORKERS exports
run at once per server process (default 2); a click beyond that waits up to QUEUE_SECONDS for a free
slot, then is told the exporter is busy. A worker that runs past ERQI_EXPORT_TIMEOUT_SECONDS (default 60)
is killed with its browser.

Every export gets a fresh browser (nothing of one viewer's export is left in the next), but not a cold
one: the process keeps one warm worker (`python -m render serve`: Python and the browser started,
waiting for its one job on stdin), taken by the next click and replaced after that export ends. An idle
warm worker exits by itself after SPARE_IDLE_SECONDS, and when its server goes away."""

from __future__ import annotations

import json
import logging
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
log = logging.getLogger("erqi.export")
QUEUE_SECONDS = 30.0
PAGE_MARGIN_SECONDS = 10.0  # the page must come up this long before the deadline: its own clean failure first
SPARE_IDLE_SECONDS = 600.0
DEFAULT_WORKERS, DEFAULT_TIMEOUT = 2, 60.0


def _setting(name: str, default: float, low: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return max(low, float(raw)) if raw else default
    except ValueError:
        return default


_slots = threading.BoundedSemaphore(int(_setting("ERQI_EXPORT_WORKERS", DEFAULT_WORKERS, 1)))


class ExportFailed(RuntimeError):
    """Why no file came out: reason is one of busy, yours (this viewer's other export runs), timeout, missing,
    refused, failed."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Rendered:
    """A finished export: the file's bytes, how long it took, and the worker's peak memory (the proportional
    share of its process tree: Chromium's processes share much of their memory)."""

    data: bytes
    seconds: float
    peak_mb: float


def timeout_seconds() -> float:
    return _setting("ERQI_EXPORT_TIMEOUT_SECONDS", DEFAULT_TIMEOUT, 5)


def _descendants(root: int) -> list[int]:
    """Every process under root (children, their children, ...), from /proc."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, todo = [], list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += children.get(pid, [])
    return found


def tree_memory_kb(root: int) -> int:
    """Memory of a process and all its descendants: the sum of their proportional set sizes (PSS: shared
    pages divided among the processes sharing them, where RSS would count Chromium's shared memory again
    in each of its processes)."""
    return sum(_pss_kb(pid) for pid in [root, *_descendants(root)])


def _pss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


@dataclass
class _Worker:
    """A `python -m render serve` process: its browser starting or started, waiting for one job."""

    proc: subprocess.Popen
    folder: tempfile.TemporaryDirectory
    errors: object
    started: float = field(default_factory=time.monotonic)

    @classmethod
    def start(cls) -> _Worker:
        folder = tempfile.TemporaryDirectory(prefix="erqi-export-")
        errors = open(Path(folder.name) / "stderr.txt", "wb")  # a file, not a pipe: a chatty browser cannot stall
        proc = subprocess.Popen(
            [sys.executable, "-m", "render", "serve", "--idle", str(SPARE_IDLE_SECONDS)],
            cwd=PROJECT,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,  # its own process group: a timeout kills the browser with it
            env=_worker_env(folder.name),
        )
        return cls(proc, folder, errors)

    @property
    def usable(self) -> bool:
        return self.proc.poll() is None and time.monotonic() - self.started < SPARE_IDLE_SECONDS - 30

    def discard(self) -> None:
        """End the worker and every process under it (Playwright starts the browser in a process group of its
        own, so the worker's group alone would leave Chromium running), and remove its folder."""
        for pid in [*_descendants(self.proc.pid), self.proc.pid]:
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc.wait()
        self.errors.close()
        self.folder.cleanup()


# what the worker needs of the server's environment: never its database address or mail password
_PASSED = ("PATH", "LANG", "LC_ALL", "TZ", "PYTHONPATH", "VIRTUAL_ENV", "ERQI_CHROMIUM", "TMPDIR")


def _worker_env(home: str) -> dict[str, str]:
    """Chromium's profile and caches stay in the worker's own folder (HOME)."""
    return {**{k: os.environ[k] for k in _PASSED if k in os.environ}, "HOME": home}


_spare: queue.Queue[_Worker] = queue.Queue(maxsize=1)
_refill = threading.Lock()


def _take() -> _Worker:
    """The warm worker when there is a live one, else a new one."""
    try:
        spare = _spare.get_nowait()
    except queue.Empty:
        return _Worker.start()
    if spare.usable:
        return spare
    spare.discard()
    return _Worker.start()


def shutdown() -> None:
    """End the waiting warm worker (a server shutting down, a test changing the settings it was started with)."""
    while True:
        try:
            _spare.get_nowait().discard()
        except queue.Empty:
            return


def _replenish() -> None:
    """Start the next warm worker unless one is waiting (one at a time: two exports ending together)."""
    with _refill:
        if not _spare.empty():
            return
        try:
            _spare.put_nowait(_Worker.start())
        except OSError as exc:  # pragma: no cover - cannot start a process: the next click starts its own
            log.warning("no warm export worker: %s", exc)


_running_for: set[str] = set()
_running_lock = threading.Lock()


@contextmanager
def one_per_viewer(viewer: str):
    """One export at a time per viewer in this process (each takes a browser of hundreds of MB): a second
    click while the first renders is refused at once (ExportFailed 'yours') instead of taking a slot."""
    with _running_lock:
        if viewer in _running_for:
            raise ExportFailed("yours")
        _running_for.add(viewer)
    try:
        yield
    finally:
        with _running_lock:
            _running_for.discard(viewer)


def run(url: str, kind: str, *, wall: bool = False, allow: tuple[str, ...] = ()) -> Rendered:
    """Render url as kind in a worker process (allow: further origins the page may load, such as an intranet
    tile server); raises ExportFailed with the reason."""
    if not _slots.acquire(timeout=QUEUE_SECONDS):
        raise ExportFailed("busy")
    try:
        return _run(url, kind, wall, allow)
    finally:
        _slots.release()
        _replenish()  # after the export, not during it: a browser starting would slow it down


def _run(url: str, kind: str, wall: bool, allow: tuple[str, ...]) -> Rendered:
    limit = timeout_seconds()
    started = time.monotonic()
    worker = _take()
    try:
        out = Path(worker.folder.name) / f"export.{kind}"
        job = {
            "url": url,
            "kind": kind,
            "out": str(out),
            "wall": wall,
            "timeout": max(5.0, limit - PAGE_MARGIN_SECONDS),
            "allow": allow,
        }
        try:
            worker.proc.stdin.write((json.dumps(job) + "\n").encode())
            worker.proc.stdin.close()
        except OSError as exc:  # the worker died before its job came (no browser, killed)
            log.warning("export worker gone before its job: %s", exc)
        peak = 0
        while worker.proc.poll() is None:
            peak = max(peak, tree_memory_kb(worker.proc.pid))
            if time.monotonic() - started > limit:
                raise ExportFailed("timeout", f"{limit:.0f} s")
            time.sleep(0.25)
        worker.errors.flush()
        err = (Path(worker.folder.name) / "stderr.txt").read_text("utf-8", "replace").strip()
        log.debug("export worker %s (%s): %s", kind, worker.proc.returncode, err.replace("\n", "; "))
        if worker.proc.returncode == 3:
            raise ExportFailed("missing", err)
        if worker.proc.returncode != 0 or not out.exists():
            raise ExportFailed("refused" if "refused" in err else "failed", err[-300:])
        return Rendered(out.read_bytes(), time.monotonic() - started, peak / 1024)
    finally:
        worker.discard()
