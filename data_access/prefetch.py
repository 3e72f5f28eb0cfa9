"""A page's data, named once and fetched side by side.

`data = fetch(kpis=(cached.kpis, f), ranking=(cached.area_ranking, f), ...)` is the one list of what a page
reads: the calls run together (prefetch, below) and their results are handed back by name (`data.kpis`,
`data.ranking`).

How prefetch works:

A page asks for its figures one after another; on a cache miss each waits for the database in turn.
`prefetch((cached.kpis, f), (cached.area_ranking, f), ...)` starts those calls together on a small
pool of threads that share the session's script context (so the access guard sees the session) and
returns their results when all have finished; the page's later calls of the same are cache hits. A call
that goes to a query worker (data_access.offload) gives the page's turn up until all have finished. Nothing
is drawn here; a call that fails re-raises its error in the page's own thread, where the usual
database-failure handling turns it into the plain message.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, InvalidStateError, ThreadPoolExecutor, wait
from types import SimpleNamespace
from typing import Any

from streamlit.runtime.scriptrunner import add_script_run_ctx, get_script_run_ctx

from . import guard, offload

WORKERS = int(os.environ.get("ERQI_QUERY_THREADS", "4"))  # shared by all sessions; the engine pools 4+4 connections
_pool = ThreadPoolExecutor(max_workers=max(WORKERS, 1), thread_name_prefix="erqi-query")


def prefetch(*calls: tuple[Callable[..., Any], ...]) -> list[Any] | None:
    """Run each (function, *args) concurrently; return their results, in order, when all are done. With one
    thread, or outside a Streamlit run, the calls are left to the page: None (nothing runs twice)."""
    ctx = get_script_run_ctx(suppress_warning=True)
    if ctx is None or WORKERS <= 1 or len(calls) < 2:
        return None

    went = Future()  # done once a call goes to a query worker (data_access.offload)

    def gone() -> None:
        try:
            went.set_result(None)
        except InvalidStateError:  # another call went first
            pass

    def run(call: tuple) -> Any:
        add_script_run_ctx(ctx=ctx)  # this pool thread now acts for the session
        offload.noticing(gone)
        try:
            fn, *args = call
            return fn(*args)  # as the session's own call: guarded, and handed out as its copy
        finally:
            offload.noticing(None)

    futures = [_pool.submit(run, call) for call in calls]
    pending = set(futures)
    while pending and not went.done():
        pending -= wait([*pending, went], return_when=FIRST_COMPLETED).done
    if pending:
        with offload.waiting():  # a worker computes: other viewers' pages draw meanwhile
            wait(pending)
    for future in futures:
        error = future.exception()
        if error is not None:
            raise error  # in the page's own thread, where the database-failure handling turns it into the message
    return [future.result() for future in futures]


def fetch(**calls: tuple[Callable[..., Any], ...]) -> SimpleNamespace:
    """Each name=(function, *args) run side by side and handed back by name; a failure raises in the page's
    thread as the page's own call would (and the database-failure handling turns it into the plain message).
    The results are the pool threads' own calls, made for the session: not asked for a second time."""
    results = prefetch(*calls.values())
    if results is None:
        results = [fn(*args) for fn, *args in calls.values()]
    else:
        guard.current()  # the session's access, checked once more in its own thread (ended: it reruns here)
    return SimpleNamespace(**dict(zip(calls, results, strict=True)))
