"""Processes the app keeps running beside itself for the embedded demo file: its summary refresher and, in
the live demo, the simulated feeding systems. Each is a child process (`python -m ...`), so its work never
holds the viewers' interpreter lock, and it ends with the app."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import threading

import streamlit as st

from .db import PROJECT_DIR

EMBEDDED_INTERVAL = 5.0  # seconds between the embedded refresher's turns


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

    def keep(stop: threading.Event) -> None:
        proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, preexec_fn=_end_with_parent)
        while not stop.wait(5):
            if proc.poll() is not None:
                proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, preexec_fn=_end_with_parent)
        proc.terminate()

    stop = threading.Event()
    threading.Thread(target=keep, args=(stop,), name=name, daemon=True).start()
    return stop


def _end_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the child gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)
    except OSError:
        pass
