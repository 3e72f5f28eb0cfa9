"""How many malloc arenas a production process may keep (`ERQI_MALLOC_ARENAS`).

Streamlit runs every page run in a new thread, and glibc gives threads up to eight arenas per core (16
on two cores). Memory freed in one arena serves only the threads drawing from that arena, so each arena
keeps its own high-water mark: over a 30-minute live soak, 29 of the 34 MB that the server grew after
warm-up sat in those per-thread arenas, everything else flat (docs/performance.md). Page runs take turns
(serving/run_gate.py), so few threads allocate at the same moment and little is gained from many arenas:
measured side by side, four arenas held 40-62 MB where glibc's limit held 105-140 MB, with clicks no slower;
two were 5-10 % slower (docs/performance.md, round five).

The cap is set through glibc's `mallopt(M_ARENA_MAX)` as serve.py is loaded, before the server starts
its page threads; arenas that exist already stay. Elsewhere (not glibc) it does nothing.
"""

from __future__ import annotations

import ctypes
import logging
import os

log = logging.getLogger(__name__)

M_ARENA_MAX = -8  # glibc's malloc.h
DEFAULT_ARENAS = 4


def arenas_wanted(environ=os.environ) -> int:
    """ERQI_MALLOC_ARENAS: the cap (default 4); 0 leaves glibc's own limit. A value that is not a
    whole number ≥ 0 is logged and the default used."""
    raw = environ.get("ERQI_MALLOC_ARENAS", "").strip()
    if not raw:
        return DEFAULT_ARENAS
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        log.warning("ERQI_MALLOC_ARENAS=%r is not a whole number ≥ 0; using %d", raw, DEFAULT_ARENAS)
        return DEFAULT_ARENAS
    return value


def cap_malloc_arenas(environ=os.environ) -> int | None:
    """Cap this process's malloc arenas. Returns the cap set, or None when none was (0 asked for, or no
    glibc here)."""
    arenas = arenas_wanted(environ)
    if arenas == 0:
        return None
    try:
        mallopt = ctypes.CDLL(None).mallopt  # the C library already loaded (no library search at start-up)
    except (OSError, AttributeError):  # not glibc (macOS, musl without mallopt): nothing to cap
        return None
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    if mallopt(M_ARENA_MAX, arenas) != 1:
        log.warning("malloc arenas: mallopt(M_ARENA_MAX, %d) was refused", arenas)
        return None
    return arenas
