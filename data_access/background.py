"""Processes the app keeps running beside itself for the embedded demo file: its summary refresher and, in
the live demo, the simulated feeding systems. Each is a child process (`python -m ...`), so its work never
holds the viewers' interpreter lock, and it ends with the app however the app is stopped:

- SIGTERM or SIGINT (the service manager, Ctrl+C): the server's shutdown (serving.startup's lifespan) ends
  them before the process goes, even if some thread would keep the process alive;
- the interpreter exiting otherwise: an exit handler ends them;
- the process killed outright (SIGKILL, a crash): Linux sends each child SIGTERM (PR_SET_PDEATHSIG);
- they stay in the app's process group, so a signal to the group reaches them too.
"""

from __future__ import annotations

import atexit
import ctypes
import os
import signal
import subprocess
import sys
import threading

import streamlit as st

from .db import PROJECT_DIR

EMBEDDED_INTERVAL = 5.0  # seconds between the embedded refresher's turns
STOP_SECONDS = 5.0  # how long a child may take to end after SIGTERM before it is killed
_children: dict[str, subprocess.Popen] = {}  # name -> the running child
_stops: list[threading.Event] = []
_children_lock = threading.Lock()
_stopping = threading.Event()


@st.cache_resource(show_spinner=False)
def embedded_refresher(url: str) -> threading.Event:
    """The refresher of the embedded demo file, started by the app (which owns that file) as its own child
    process (`python -m refresher`), so its work never holds the viewers' interpreter lock; it writes through
    its own connection, the pages' stays read-only. One per app process; it ends with the app."""
    return _keep_child("erqi-refresher", ["refresher", "run", "--url", url, "--interval", str(EMBEDDED_INTERVAL)])


@st.cache_resource(show_spinner=False)
def live_demo_simulator(url: str) -> threading.Event:
    """ERQI_LIVE_DEMO=1: the feeding systems, played by `python -m seed.simulate` in a process of its own
    (a separate writer, as the real systems are), which ends with the app."""
    return _keep_child("erqi-simulator", ["seed.simulate", "--url", url])


def _keep_child(name: str, args: list[str]) -> threading.Event:
    """Run `python -m <args>` for as long as the app runs, starting it again should it end. The child is
    started from a thread that lives as long as the app: Linux ends a child when the thread that started it
    ends (PR_SET_PDEATHSIG). Returns the event that stops it (tests)."""
    cmd = [sys.executable, "-m", *args]
    parent = os.getpid()

    def start() -> subprocess.Popen | None:
        with _children_lock:
            if _stopping.is_set():
                return None
            proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, preexec_fn=lambda: _end_with_parent(parent))
            _children[name] = proc
            return proc

    def keep(stop: threading.Event) -> None:
        proc = start()
        while proc is not None and not stop.wait(5):
            if proc.poll() is not None:
                proc = start()
        if proc is not None:
            _end(proc)

    stop = threading.Event()
    with _children_lock:
        _stops.append(stop)
    threading.Thread(target=keep, args=(stop,), name=name, daemon=True).start()
    return stop


def _end(proc: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL if it has not ended within STOP_SECONDS; reaped either way."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(STOP_SECONDS)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def stop_children() -> None:
    """End every child this process keeps running, and start no new one (the app is stopping)."""
    with _children_lock:
        _stopping.set()
        procs = list(_children.values())
        _children.clear()
        for stop in _stops:
            stop.set()
    for proc in procs:
        _end(proc)


atexit.register(stop_children)


_PR_SET_PDEATHSIG = 1


def _libc():
    try:
        return ctypes.CDLL(None)  # the C library already loaded in the process: no dlopen of a new one
    except OSError:  # pragma: no cover - not Linux
        return None


_LIBC = _libc()  # looked up before any fork: the forked child only calls into it


def _end_with_parent(parent: int) -> None:  # pragma: no cover - runs in the child, before exec
    """Linux: the child gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG); should the
    parent have gone already (before the setting took), the child ends at once."""
    if _LIBC is not None:
        try:
            _LIBC.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        except (AttributeError, OSError):
            pass
    if os.getppid() != parent:
        os._exit(0)
