"""A page's data, named once and fetched side by side.

`data = fetch(kpis=(cached.kpis, f), ranking=(cached.area_ranking, f), ...)` is the one list of what a page
reads: the calls run together (prefetch, below), then each result is read in the page's own thread (a cache
hit) and handed back by name (`data.kpis`, `data.ranking`).

How prefetch works:

A page asks for its figures one after another; on a cache miss each waits for the database in turn.
`prefetch((cached.kpis, f), (cached.area_ranking, f), ...)` starts those calls together on a small
pool of threads that share the session's script context (so the access guard sees the session) and
returns when all have finished. The page's later calls are then cache hits. Nothing is drawn here; a
call that fails re-raises its error in the page's own thread, where the usual database-failure
handling turns it into the plain message.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from types import SimpleNamespace
from typing import Any

from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from . import offload

WORKERS = int(os.environ.get("ERQI_QUERY_THREADS", "4"))  # shared by all sessions; the engine pools 4+4 connections
_pool = ThreadPoolExecutor(max_workers=max(WORKERS, 1), thread_name_prefix="erqi-query")


def prefetch(*calls: tuple[Callable[..., Any], ...]) -> None:
    """Run each (function, *args) concurrently; return when all are done. With one worker, or outside
    a Streamlit run, the calls are left to the page (nothing runs twice)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or WORKERS <= 1 or len(calls) < 2:
        return

    went = Future()  # done once a call goes to a query worker (data_access.offload)

    def gone() -> None:
        if not went.done():
            went.set_result(None)

    def run(call: tuple) -> None:
        add_script_run_ctx(ctx=ctx)  # this pool thread now acts for the session
        offload.noticing(gone)
        try:
            fn, *args = call
            fn(*args)
        finally:
            offload.noticing(None)

    futures = [_pool.submit(run, call) for call in calls]
    pending = set(futures)
    while pending and not went.done():
        pending -= wait([*pending, went], return_when=FIRST_COMPLETED).done
    if pending:
        with offload.waiting():  # a worker computes: other viewers' pages draw meanwhile
            wait(pending)
    _raise_first(futures)


def _raise_first(futures: list[Future]) -> None:
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error


def fetch(**calls: tuple[Callable[..., Any], ...]) -> SimpleNamespace:
    """Each name=(function, *args) run side by side, then read in the page's thread, where a failure raises as
    the page's own call would (and the database-failure handling turns it into the plain message)."""
    prefetch(*calls.values())
    return SimpleNamespace(**{name: fn(*args) for name, (fn, *args) in calls.items()})
