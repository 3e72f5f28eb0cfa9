"""A query that misses the cache runs in a worker process, on the other core (`ERQI_QUERY_PROCESSES`).

Why: one process runs Python on one core at a time (the interpreter's lock). A page whose place nobody has
drawn yet (a street at a fresh start, any place after the live data moved) spends about half its time in
the Python around its queries: SQLAlchemy compiling them, pandas building, merging and reshaping the
frames. While that runs, every other viewer of the process waits, and the machine's second core mostly
idles. A worker process does that work there instead; the page's run gives its turn up while it waits
(`waiting`, below: serving.run_gate.outside), so other viewers' pages draw meanwhile. Only the finished
frame crosses back (pickled: a few kilobytes).

What stays the same: the cache (a result is still kept once per process and shared, data_access.cached),
the access guard (it clamps a query's arguments before the cache is consulted, so the worker only ever runs
what the guard let through), the read-only engine (the worker makes its own with db.read_engine, statement
timeout included) and a failure: the worker's exception is raised again in the caller, so a database that
is down reads as it always did (data_access.failures). A worker that dies is replaced; the call that was
in it runs again in the process itself.

Off (0) by default: the tests and `streamlit run app.py` run every query in the process. serve.py starts one
worker (`start`), after its own imports and before the server listens.
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import multiprocessing.context
import multiprocessing.spawn as mp_spawn
import os
import pickle
import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from sqlalchemy.engine import URL

from .visible import visible

log = logging.getLogger(__name__)

DEFAULT_PROCESSES = 1
# the query functions a worker may run: the pure (connection, arguments) -> result functions of these packages
REMOTE_PACKAGES = ("data_access.queries.",)

_lock = threading.Lock()
_pool: ProcessPoolExecutor | None = None
_url: str | None = None
_replaced = 0
_answered = 0  # calls a worker answered (the health answer shows it)
_local = threading.local()  # a prefetch's notice that one of its calls went to a worker
# how a run waits for a worker without holding its turn (set by serving: run_gate.outside); nothing by default
waiting: Callable[[], AbstractContextManager[Any]] = nullcontext


def processes_wanted(environ=os.environ) -> int:
    """ERQI_QUERY_PROCESSES: worker processes for queries that miss the cache (default 1; 0: none)."""
    raw = environ.get("ERQI_QUERY_PROCESSES", "").strip()
    if not raw:
        return DEFAULT_PROCESSES
    try:
        value = int(raw)
    except ValueError:
        value = -1
    if value < 0:
        log.warning("ERQI_QUERY_PROCESSES=%r is not a whole number ≥ 0; using %d", raw, DEFAULT_PROCESSES)
        return DEFAULT_PROCESSES
    return value


def _text(url: URL) -> str:
    return url.render_as_string(hide_password=False)


WORKER_NAME = "erqi-query-worker"


class _WorkerProcess(multiprocessing.context.SpawnProcess):
    """A spawned worker, named so that it starts without the server's main module (below)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name = WORKER_NAME


class _Context(multiprocessing.context.SpawnContext):
    Process = _WorkerProcess


def _without_main(get: Callable[[str], dict]) -> Callable[[str], dict]:
    """A spawned process normally runs its parent's main module first. In a server that is Streamlit's, and
    while a page runs Streamlit puts the page's script there: a worker would run the app. Ours run nothing
    but the query modules."""

    def preparation_data(name: str) -> dict:
        data = get(name)
        if name == WORKER_NAME:
            data.pop("init_main_from_path", None)
            data.pop("init_main_from_name", None)
        return data

    preparation_data._erqi_without_main = True
    return preparation_data


def _new_pool(processes: int, url: str) -> ProcessPoolExecutor:
    # spawn, not fork: the server has threads (a forked copy of a lock one of them held would never open)
    if not getattr(mp_spawn.get_preparation_data, "_erqi_without_main", False):
        mp_spawn.get_preparation_data = _without_main(mp_spawn.get_preparation_data)
    return ProcessPoolExecutor(processes, mp_context=_Context(), initializer=_init, initargs=(url,))


def start(url: URL, processes: int) -> bool:
    """Start the workers for the database at url; True once they have loaded the query modules and can take
    calls (until then every query runs in this process). False: none started (0 asked for, or they failed)."""
    global _pool, _url
    if processes <= 0:
        return False
    with _lock:
        if _pool is not None:
            return True
    pool = _new_pool(processes, _text(url))
    try:
        for f in [pool.submit(_ready) for _ in range(processes)]:
            f.result(timeout=120)
    except Exception:  # noqa: BLE001 - no worker: every query runs here, as without the setting
        log.exception("the query workers did not start; queries run in the server process")
        _end(pool)
        return False
    with _lock:
        if _pool is not None:  # started by another caller meanwhile
            _end(pool)
            return True
        _pool, _url = pool, _text(url)
    log.info("%d query worker process(es) started", processes)
    return True


def stop() -> None:
    global _pool, _url
    with _lock:
        pool, _pool, _url = _pool, None, None
    if pool is not None:
        _end(pool)


def _end(pool: ProcessPoolExecutor) -> None:
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for p in processes:
        if p.is_alive():
            p.terminate()


def children() -> list[int]:
    """The workers' process ids."""
    pool = _pool
    return [p.pid for p in (getattr(pool, "_processes", None) or {}).values()] if pool else []


def status() -> dict:
    """For the health answer on this machine: the worker processes alive, how many were replaced, and how
    many queries they answered."""
    return {"query_processes": len(children()), "query_processes_replaced": _replaced, "queries_in_workers": _answered}


def remote(module: str, url: URL) -> bool:
    """Whether a query of this module against this database goes to a worker."""
    return _pool is not None and module.startswith(REMOTE_PACKAGES) and _text(url) == _url


def _backstop() -> float:
    """How long a caller waits for a worker's answer before it gives the worker up: the statement timeout
    twice over (a worker aborts its own statement after one), and a queue of calls before it."""
    from .db import query_timeout_ms

    return 2 * query_timeout_ms() / 1000 + 30


def call(module: str, name: str, args: tuple, kwargs: dict) -> Any:
    """fn(conn, *args, **kwargs) run in a worker (fn = module.name), its result made visible there; its
    exception raised here. BrokenProcessPool: no worker could answer (the caller runs the query itself)."""
    pool = _pool
    if pool is None:
        raise BrokenProcessPool("no query worker")
    try:
        future = pool.submit(_run, module, name, args, kwargs)
    except RuntimeError as exc:  # a worker died (BrokenProcessPool), or the pool was shut down meanwhile
        replace(pool)
        raise BrokenProcessPool(str(exc)) from exc
    global _answered
    notice = getattr(_local, "notice", None)
    try:
        if notice is not None:
            notice()  # the prefetch waiting on this call gives its turn up
            result = future.result(timeout=_backstop())
        else:
            with waiting():  # a call of the page's own thread
                result = future.result(timeout=_backstop())
        _answered += 1
        return result
    except FutureTimeout:
        log.error("a query worker did not answer %s.%s in %.0f s; it is replaced", module, name, _backstop())
        replace(pool)
        raise BrokenProcessPool("the query worker did not answer") from None
    except BrokenProcessPool:
        replace(pool)
        raise


def noticing(notice: Callable[[], None] | None) -> None:
    """This thread's calls call `notice` when one goes to a worker (prefetch's pool threads; None: stop)."""
    _local.notice = notice


def replace(pool: ProcessPoolExecutor) -> None:
    """pool's worker died (killed, out of memory) or hangs: a new pool takes the next calls (once, however
    many callers saw it)."""
    global _pool, _replaced
    with _lock:
        if _pool is not pool:
            return
        _pool = _new_pool(pool._max_workers, _url)
        _pool.submit(_ready)  # started now, not by the next caller
        _replaced += 1
    log.warning("a query worker was lost; a new one takes its place")
    _end(pool)


# ---------------------------------------------------------------- in the worker

_engine = None


def _init(url: str) -> None:
    global _engine
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server's Ctrl-C is the server's to handle
    _end_with(os.getppid())
    from .db import read_engine

    _engine = read_engine(url)
    for name in ("overview", "org", "volunteers", "grid", "explore", "datasets", "quality", "first_records"):
        importlib.import_module(f"data_access.queries.{name}")


def _end_with(parent: int) -> None:
    """The worker ends when the server does, however the server ended (killed included): it is then handed
    to another parent. (Not Linux's parent-death signal: that one fires when the thread that started the
    worker ends, and a page's thread ends after every run.)"""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="erqi-parent-watch", daemon=True).start()


def _ready() -> int:
    return os.getpid()


def _run(module: str, name: str, args: tuple, kwargs: dict) -> Any:
    fn = getattr(importlib.import_module(module), name)
    try:
        with _engine.connect() as conn:
            return visible(fn(conn, *args, **kwargs))
    except Exception as exc:
        try:
            pickle.dumps(exc)
        except Exception:  # noqa: BLE001 - an error that cannot cross back: its class and message do
            raise RuntimeError(f"{type(exc).__name__}: {exc}") from None
        raise
