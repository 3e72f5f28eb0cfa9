"""A production process keeps few malloc arenas (serving/memory.py): threads that each allocate share them
instead of glibc opening one per thread up to eight per core, each keeping its own high-water mark."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from serving.memory import DEFAULT_ARENAS, arenas_wanted

PROJECT = Path(__file__).resolve().parents[1]

# Twelve threads, each holding a 100 kB block (malloc, below its mmap threshold) until all twelve have one;
# then the heaps of glibc's extra arenas, as the soak reads them (bench.load.arena_mappings).
PROBE = textwrap.dedent(
    """
    import json, os, sys, threading
    from bench.load import arena_mappings, arena_mb, rss_mb
    from serving.memory import cap_malloc_arenas

    capped = cap_malloc_arenas()
    barrier = threading.Barrier(13)
    blocks = []

    def work():
        blocks.append(bytearray(100_000))
        barrier.wait()
        barrier.wait()

    threads = [threading.Thread(target=work) for _ in range(12)]
    for th in threads:
        th.start()
    barrier.wait()  # every thread holds its block now
    arenas = len(arena_mappings(os.getpid()))
    in_arenas, rss = arena_mb(os.getpid()), rss_mb(os.getpid(), children=False)
    barrier.wait()
    for th in threads:
        th.join()
    print(json.dumps({"capped": capped, "arenas": arenas, "arena_mb": in_arenas, "rss_mb": rss}))
    """
)


def _probe(value: str) -> dict:
    env = {"ERQI_MALLOC_ARENAS": value, "PATH": "/usr/bin:/bin", "PYTHONPATH": str(PROJECT)}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, cwd=PROJECT, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(not Path("/proc/self/maps").exists() or not sys.platform.startswith("linux"), reason="Linux only")
def test_the_cap_keeps_threads_to_few_arenas():
    uncapped = _probe("0")
    if uncapped["arenas"] < 4:
        pytest.skip(f"this C library opened {uncapped['arenas']} arenas for twelve threads: nothing to cap")
    capped = _probe("2")
    assert uncapped["capped"] is None and capped["capped"] == 2
    # at most one arena besides the main one (which lives in the brk heap, not on a 64 MB boundary)
    assert capped["arenas"] <= 1, (capped, uncapped)
    # the soak's reading of the same mappings from outside (bench.load.arena_mb): twelve blocks of 100 kB
    # resident in the threads' arenas, and less than the whole process
    assert 1.1 <= uncapped["arena_mb"] < uncapped["rss_mb"], uncapped


def test_the_setting_is_read_and_a_bad_value_falls_back():
    assert arenas_wanted({}) == DEFAULT_ARENAS
    assert arenas_wanted({"ERQI_MALLOC_ARENAS": "4"}) == 4
    assert arenas_wanted({"ERQI_MALLOC_ARENAS": "0"}) == 0
    assert arenas_wanted({"ERQI_MALLOC_ARENAS": "many"}) == DEFAULT_ARENAS
    assert arenas_wanted({"ERQI_MALLOC_ARENAS": "-3"}) == DEFAULT_ARENAS


def test_serve_caps_before_the_server_starts():
    """serve.py calls the cap at import, before `st.App(...)` builds the server."""
    text = (PROJECT / "serve.py").read_text(encoding="utf-8")
    assert text.index("cap_malloc_arenas()") < text.index("st.App(")
