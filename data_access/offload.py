"""A query that misses the cache runs in a worker process, on the other core (`ERQI_QUERY_PROCESSES`).

Why: one process runs Python on one core at a time (the interpreter's lock). A page whose place nobody has
drawn yet (a street at a fresh start, any place after the live data moved) spends a large part of its time
in the Python around its queries: SQLAlchemy compiling them, pandas building, merging and reshaping the
frames. While that runs, every other viewer of the process waits, and the machine's second core mostly
idles. A worker process does that work there instead; the page's run gives its turn up while it waits
(`waiting`, below: serving.run_gate.outside), so other viewers' pages draw meanwhile. Only the finished
result crosses back (pickled: a few kilobytes).

The worker is `python -m data_access.offload` with two pipes: calls go in, answers come out, each a pickle
with its number. It answers several calls at once (`THREADS`, as many as the server's own query threads),
so a query waiting for the database never holds up the next one.

What stays the same: the cache (a result is still kept once per process and shared, data_access.cached),
the access guard (it clamps a query's arguments before the cache is consulted, so the worker only ever runs
what the guard let through), the read-only engine (the worker makes its own with db.read_engine, statement
timeout included) and a failure: the worker's exception is raised again in the caller, so a database that
is down reads as it always did (data_access.failures). A worker that dies or stops answering is replaced,
and the calls it held run again in the server itself. A worker ends with its server however the server
ends: its input pipe closes.

Off unless started: the tests and `streamlit run app.py` run every query in the process. serve.py starts
the workers (serving.startup) beside its own start-up.
"""

from __future__ import annotations

import importlib
import itertools
import logging
import os
import pickle
import signal
import struct
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable
from concurrent.futures import BrokenExecutor, Future, InvalidStateError, ThreadPoolExecutor, wait
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, BinaryIO

from sqlalchemy.engine import URL

from .visible import visible

log = logging.getLogger(__name__)

DEFAULT_PROCESSES = 1
# calls one worker answers at once: as many as the server's own query threads (data_access.prefetch)
THREADS = int(os.environ.get("ERQI_QUERY_THREADS", "4")) if os.environ.get("ERQI_QUERY_THREADS", "").strip().isdigit() else 4
# the query functions a worker may run: the pure (connection, arguments) -> result functions of these packages
REMOTE_PACKAGES = ("data_access.queries.",)
QUERY_MODULES = ("overview", "org", "volunteers", "grid", "explore", "datasets", "quality", "first_records")
PROJECT_DIR = Path(__file__).resolve().parent.parent
_HEADER = struct.Struct("!Q")
_READY = "__ready__"


class WorkerLost(BrokenExecutor):
    """No worker could answer this call (it died, stopped answering or was stopped): the caller runs it."""


_lock = threading.Lock()
_workers: list[_Worker] = []
_next = itertools.count()
_url: str | None = None
_environ: dict[str, str] = {}  # added to a worker's environment (serving.startup: its malloc arenas)
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


class _Worker:
    """One worker process and the calls it holds."""

    def __init__(self, url: str) -> None:
        from_parent, to_child = os.pipe()
        from_child, to_parent = os.pipe()
        # the URL (a password perhaps) by the environment, not the command line every user can list; the
        # server's own working directory (a relative SQLite path names the same file), the project importable
        env = {**os.environ, **_environ, "ERQI_OFFLOAD_URL": url}
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(PROJECT_DIR), env.get("PYTHONPATH", "")) if p)
        try:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "data_access.offload", str(from_parent), str(to_parent)],
                env=env,
                pass_fds=(from_parent, to_parent),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
            )
        except OSError:
            for fd in (from_parent, to_child, from_child, to_parent):
                os.close(fd)
            raise
        os.close(from_parent)
        os.close(to_parent)
        self._out: BinaryIO = os.fdopen(to_child, "wb")
        self._in: BinaryIO = os.fdopen(from_child, "rb")
        self._send = threading.Lock()  # one call written at a time
        self._book = threading.Lock()  # the calls held, and whether the worker is lost
        self._held: dict[int, Future] = {}
        self._numbers = itertools.count(1)
        self.lost = False
        threading.Thread(target=self._read, name="erqi-query-answers", daemon=True).start()

    def submit(self, *call: Any) -> Future:
        future: Future = Future()
        number = next(self._numbers)
        try:
            data = _frame((number, *call))
        except Exception as exc:  # noqa: BLE001 - arguments that cannot cross: the caller runs the query itself
            raise WorkerLost(f"the call cannot be sent: {exc}") from exc
        with self._book:
            if self.lost:
                raise WorkerLost("the query worker is gone")
            self._held[number] = future
        try:
            with self._send:
                self._out.write(data)
                self._out.flush()
        except (OSError, ValueError) as exc:  # the pipe broke or was closed: the worker is gone
            self._lose()
            raise WorkerLost(str(exc)) from exc
        return future

    def _read(self) -> None:
        try:
            while (message := _read_one(self._in)) is not None:
                number, ok, value = message
                with self._book:
                    future = self._held.pop(number, None)
                if future is not None and not future.done():
                    future.set_result(value) if ok else future.set_exception(value)
        except Exception:  # noqa: BLE001 - a broken answer ends this worker like a dead one
            log.exception("a query worker's answer could not be read")
        self._lose()
        try:
            self.proc.wait(timeout=5)  # reaped, not left a zombie
        except subprocess.TimeoutExpired:
            pass

    def _lose(self) -> None:
        with self._book:
            self.lost = True
            held, self._held = self._held, {}
        for future in held.values():
            try:
                future.set_exception(WorkerLost("the query worker ended"))
            except InvalidStateError:  # answered meanwhile
                pass

    @property
    def alive(self) -> bool:
        return not self.lost and self.proc.poll() is None

    def end(self) -> None:
        """Stop the worker: ended first, so that a caller stuck writing to a full pipe gets its error, then its
        input closed."""
        if self.proc.poll() is None:
            self.proc.terminate()
        self._lose()
        try:
            self._out.close()
        except (OSError, ValueError):
            pass

    @property
    def pid(self) -> int:
        return self.proc.pid


def _frame(message: Any) -> bytes:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    return _HEADER.pack(len(data)) + data


def _read_one(inp: BinaryIO) -> Any:
    head = inp.read(_HEADER.size)
    if len(head) < _HEADER.size:
        return None  # the other side closed its end
    (size,) = _HEADER.unpack(head)
    data = inp.read(size)
    if len(data) < size:
        return None
    return pickle.loads(data)


def start(url: URL, processes: int, environ: dict[str, str] | None = None, within: float = 120) -> bool:
    """Start the workers for the database at url (with environ added to theirs); True once they have loaded
    the query modules and can take calls (until then every query runs in this process). False: none started
    (0 asked for, or they failed)."""
    global _url
    if processes <= 0:
        return False
    _environ.update(environ or {})
    with _lock:
        if _workers:
            return True
    text = _text(url)
    workers = [_Worker(text) for _ in range(processes)]
    try:
        for w in workers:
            w.submit(_READY, "", (), {}).result(timeout=within)
    except Exception:  # noqa: BLE001 - no worker: every query runs here, as without the setting
        log.exception("the query workers did not start; queries run in the server process")
        for w in workers:
            w.end()
        return False
    with _lock:
        if _workers:  # started by another caller meanwhile
            for w in workers:
                w.end()
            return True
        _workers[:], _url = workers, text
    log.info("%d query worker process(es) started", processes)
    return True


def stop() -> None:
    global _url, _replaced, _answered
    with _lock:
        workers, _url, _replaced, _answered = list(_workers), None, 0, 0
        _workers.clear()
    for w in workers:
        w.end()
        try:
            w.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            w.proc.kill()


def children() -> list[int]:
    """The workers' process ids."""
    return [w.pid for w in list(_workers)]


def status() -> dict:
    """For the health answer on this machine: the worker processes alive, how many were replaced, and how
    many queries they answered."""
    alive = sum(w.alive for w in list(_workers))
    return {"query_processes": alive, "query_processes_replaced": _replaced, "queries_in_workers": _answered}


def remote(module: str, url: URL) -> bool:
    """Whether a query of this module against this database goes to a worker."""
    return bool(_workers) and module.startswith(REMOTE_PACKAGES) and _text(url) == _url


def _backstop() -> float:
    """How long a caller waits for a worker's answer before it gives the worker up: the statement timeout
    twice over (a worker aborts its own statement after one), and a queue of calls before it."""
    from .db import query_timeout_ms

    return 2 * query_timeout_ms() / 1000 + 30


def call(module: str, name: str, args: tuple, kwargs: dict) -> Any:
    """fn(conn, *args, **kwargs) run in a worker (fn = module.name), its result made visible there; its
    exception raised here. WorkerLost: no worker could answer (the caller runs the query itself)."""
    global _answered
    workers = list(_workers)
    if not workers:
        raise WorkerLost("no query worker")
    worker = workers[next(_next) % len(workers)]
    notice = getattr(_local, "notice", None)
    try:
        future = worker.submit(module, name, args, kwargs)
    except WorkerLost:
        if worker.lost:  # not when only this call's arguments could not be sent
            replace(worker)
        raise
    # A prefetched call's page gives its turn up meanwhile (prefetch, told by `notice`). A call of the page's
    # own thread keeps it: it runs inside Streamlit's lock on this cache entry, and a run waiting there for its
    # turn back would hold up any run that asks for the same entry while holding the turn.
    if notice is not None:
        notice()
    done, _ = wait([future], timeout=_backstop())
    if not done:
        log.error("a query worker did not answer %s.%s in %.0f s; it is replaced", module, name, _backstop())
        replace(worker)
        raise WorkerLost("the query worker did not answer")
    error = future.exception()
    if isinstance(error, WorkerLost):  # the worker ended while it held this call
        replace(worker)
        raise error
    if error is not None:
        raise error  # the query's own failure (a database that is down reads as in the server)
    _answered += 1
    return future.result()


def noticing(notice: Callable[[], None] | None) -> None:
    """This thread's calls call `notice` when one goes to a worker (prefetch's pool threads; None: stop)."""
    _local.notice = notice


def replace(worker: _Worker) -> None:
    """worker died (killed, out of memory) or hangs: a new one takes the next calls (once, however many
    callers saw it go)."""
    global _replaced
    with _lock:
        if worker not in _workers:
            return
        try:
            _workers[_workers.index(worker)] = _Worker(_url)
        except OSError:  # no process can start now (no memory, no file descriptors): queries run here
            log.exception("a query worker was lost and none could take its place; queries run in the server")
            _workers.remove(worker)
        _replaced += 1
    log.warning("a query worker was lost; a new one takes its place")
    worker.end()


# ---------------------------------------------------------------- in the worker

_engine = None


def _run(module: str, name: str, args: tuple, kwargs: dict) -> Any:
    if module == _READY:
        return os.getpid()
    if not module.startswith(REMOTE_PACKAGES):  # only the query functions, whoever writes to the pipe
        raise PermissionError(f"not a query module: {module}")
    fn = getattr(importlib.import_module(module), name)
    with _engine.connect() as conn:
        return visible(fn(conn, *args, **kwargs))


def _answer(out: BinaryIO, lock: threading.Lock, number: int, call: tuple) -> None:
    try:
        message = (number, True, _run(*call))
    except Exception as exc:  # noqa: BLE001 - every failure goes back to the caller, who raises it
        exc.add_note(f"in the query worker:\n{traceback.format_exc()}")  # the traceback does not cross
        message = (number, False, exc)
    try:
        data = _frame(message)
    except Exception as exc:  # noqa: BLE001 - an answer that cannot cross: its class and message do
        data = _frame((number, False, RuntimeError(f"{type(exc).__name__}: {exc}")))
    with lock:
        try:
            out.write(data)
            out.flush()
        except (OSError, ValueError):  # the server is gone
            os._exit(0)


def _serve(from_parent: int, to_parent: int) -> None:
    global _engine
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C in a terminal is the server's to handle
    url = os.environ.pop("ERQI_OFFLOAD_URL")
    from .db import read_engine

    _engine = read_engine(url)
    for name in QUERY_MODULES:
        importlib.import_module(f"data_access.queries.{name}")
    inp, out = os.fdopen(from_parent, "rb"), os.fdopen(to_parent, "wb")
    lock = threading.Lock()
    pool = ThreadPoolExecutor(THREADS, thread_name_prefix="erqi-worker")
    while (message := _read_one(inp)) is not None:
        number, *call = message
        pool.submit(_answer, out, lock, number, call)
    os._exit(0)  # the server closed its end (stopped, or gone): nothing left to answer


if __name__ == "__main__":
    _serve(int(sys.argv[1]), int(sys.argv[2]))
