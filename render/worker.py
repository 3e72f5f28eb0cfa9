"""Running the renderer from a server process: a worker process per export, a few at a time, with a
deadline, and its peak memory measured.

A viewer's session thread waits on the worker (it holds no lock the other sessions need, and the GIL is
released while it waits), so the renderer never blocks other viewers. At most ERQI_EXPORT_WORKERS exports
run at once per server process (default 2); a click beyond that waits up to QUEUE_SECONDS for a free
slot, then is told the exporter is busy. A worker that runs past ERQI_EXPORT_TIMEOUT_SECONDS (default 60)
is killed with its browser."""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
log = logging.getLogger("erqi.export")
QUEUE_SECONDS = 30.0
DEFAULT_WORKERS, DEFAULT_TIMEOUT = 2, 60.0


def _setting(name: str, default: float, low: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        return max(low, float(raw)) if raw else default
    except ValueError:
        return default


_slots: queue.Queue[int] = queue.Queue()  # free worker slots; each has its own browser profile (its cache)
for _n in range(int(_setting("ERQI_EXPORT_WORKERS", DEFAULT_WORKERS, 1))):
    _slots.put(_n)


class ExportFailed(RuntimeError):
    """Why no file came out: reason is one of busy, timeout, missing, refused, failed."""

    def __init__(self, reason: str, detail: str = ""):
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


@dataclass(frozen=True)
class Rendered:
    """A finished export: the file's bytes, how long it took and the worker's peak memory (its process tree)."""

    data: bytes
    seconds: float
    peak_mb: float


def timeout_seconds() -> float:
    return _setting("ERQI_EXPORT_TIMEOUT_SECONDS", DEFAULT_TIMEOUT, 5)


def _tree_rss_kb(root: int) -> int:
    """Resident memory of a process and all its descendants (Chromium runs as several processes)."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
            with open(f"/proc/{entry}/statm", encoding="ascii") as fh:
                rss[int(entry)] = int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total


def run(url: str, kind: str, *, wall: bool = False) -> Rendered:
    """Render url as kind in a worker process; raises ExportFailed with the reason."""
    try:
        slot = _slots.get(timeout=QUEUE_SECONDS)
    except queue.Empty:
        raise ExportFailed("busy") from None
    try:
        return _run(url, kind, wall, _profile(slot))
    finally:
        _slots.put(slot)


def _profile(slot: int) -> Path:
    """The slot's browser profile, kept between exports (per user of the machine, never in the project)."""
    return Path(tempfile.gettempdir()) / f"erqi-render-{os.getuid()}" / f"slot-{slot}"


def _run(url: str, kind: str, wall: bool, profile: Path) -> Rendered:
    limit = timeout_seconds()
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="erqi-export-") as tmp:
        out = Path(tmp) / f"export.{kind}"
        cmd = [sys.executable, "-m", "render", "page", "--url", url, "--kind", kind, "--out", str(out)]
        cmd += ["--timeout", str(max(5.0, limit - 10)), "--profile", str(profile)] + (["--wall"] if wall else [])
        errors = open(Path(tmp) / "stderr.txt", "wb")  # a file, not a pipe: a chatty browser cannot stall it
        proc = subprocess.Popen(
            cmd,
            cwd=PROJECT,
            stdout=subprocess.DEVNULL,
            stderr=errors,
            start_new_session=True,  # its own process group: a timeout kills the browser with it
            env={**os.environ, "HOME": tmp},  # Chromium's profile and caches stay in the temporary folder
        )
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _tree_rss_kb(proc.pid))
            if time.monotonic() - started > limit:
                _kill(proc)
                errors.close()
                raise ExportFailed("timeout", f"{limit:.0f} s")
            time.sleep(0.1)
        errors.close()
        err = (Path(tmp) / "stderr.txt").read_text("utf-8", "replace").strip()
        print("export worker", kind, proc.returncode, err.replace("\n", "; "), file=sys.stderr)
        if proc.returncode == 3:
            raise ExportFailed("missing", err)
        if proc.returncode != 0 or not out.exists():
            raise ExportFailed("refused" if "refused" in err else "failed", err[-300:])
        return Rendered(out.read_bytes(), time.monotonic() - started, peak / 1024)


def _kill(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()
