"""Page runs take turns: at most ERQI_RUNS_AT_ONCE of them draw at the same moment in one process (default 1;
0: no turns), the others wait in order of arrival.

Why: a page run is Python work, and one process runs Python on one core at a time (the interpreter's lock).
Thirty runs drawing side by side share that core thirty ways, and the server's own thread, which sends the
finished pages to the browsers, gets a thirtieth of it: every viewer then waits for all of them. Taking turns
lets the first viewers have their page at once and leaves the second core to what runs outside that lock
(sending, the database, Arrow conversion): thirty viewers arriving together wait less, the last one too
(docs/performance.md, round four).

What keeps a turn from hurting:
- A run waits at most ERQI_RUN_WAIT_SECONDS for its turn (default 5), then draws anyway: a slow page never
  holds the others for longer than that, and nothing can wait on the turn for ever.
- A run that waits for work done elsewhere gives its turn up meanwhile (`outside`): the export, whose
  browser opens the page in a session of its own on this same server. It comes back ahead of the runs that
  arrived after it. So does a page whose prefetched queries went to a query worker (data_access.offload),
  until all have come back: there the worker's core does their work. (A query run in this process keeps the
  turn: giving it up while queries ran here made a fresh burst no faster, measured side by side;
  docs/performance.md, round five. So does a query the page's own thread sends to a worker: it waits inside
  Streamlit's lock on that cache entry, and must not wait there for its turn back.)
- A viewer who clicks again or closes the tab while waiting leaves the queue at once (Streamlit's own stop
  and rerun checks).
"""

from __future__ import annotations

import bisect
import itertools
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from .admission import setting

DEFAULT_AT_ONCE = 1
DEFAULT_WAIT_SECONDS = 5.0
_POLL = 0.05  # how often a waiting run looks whether its viewer moved on


def at_once() -> int:
    return int(setting("ERQI_RUNS_AT_ONCE", DEFAULT_AT_ONCE))


def wait_seconds() -> float:
    return setting("ERQI_RUN_WAIT_SECONDS", DEFAULT_WAIT_SECONDS)


class Gate:
    """Turns for page runs: `slots` at once, the rest in order (a run coming back from `outside` first)."""

    def __init__(self, slots: int, wait: float) -> None:
        self.slots = slots
        self.wait = wait
        self._cond = threading.Condition()
        self._queue: list[tuple[int, int]] = []  # (0 coming back / 1 new, arrival number), kept sorted
        self._running = 0
        self._numbers = itertools.count()
        self.bypassed = 0  # runs that drew without a turn after waiting `wait` seconds

    def _acquire(self, first: bool, check: Callable[[], None]) -> bool:
        """Wait for a turn; True when one was taken, False when the wait ran out (draw anyway)."""
        me = (0 if first else 1, next(self._numbers))
        deadline = time.monotonic() + self.wait
        with self._cond:
            bisect.insort(self._queue, me)
            try:
                while self._running >= self.slots or self._queue[0] != me:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        self.bypassed += 1
                        return False
                    self._cond.wait(min(_POLL, left))
                    check()  # the viewer clicked again or left: StopException / RerunException
            except BaseException:
                self._queue.remove(me)
                self._cond.notify_all()
                raise
            self._queue.remove(me)
            self._running += 1
            self._cond.notify_all()  # the next in line may also fit
            return True

    def _release(self) -> None:
        with self._cond:
            self._running -= 1
            self._cond.notify_all()

    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return len(self._queue)


_local = threading.local()  # the turn this thread holds, if any
_gate_lock = threading.Lock()
_gates: dict[tuple[int, float], Gate] = {}


def gate() -> Gate | None:
    """The process's gate as configured now (None: no turns)."""
    slots, wait = at_once(), wait_seconds()
    if slots <= 0:
        return None
    with _gate_lock:
        return _gates.setdefault((slots, wait), Gate(slots, wait))


def _check() -> Callable[[], None]:
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.yield_check if ctx is not None else (lambda: None)


@contextmanager
def turn() -> Iterator[None]:
    """Draw the page in turn (a run already holding a turn, or with no gate configured, just draws)."""
    g = gate()
    if g is None or getattr(_local, "held", None) is not None:
        yield
        return
    _local.held = g if g._acquire(False, _check()) else False
    try:
        yield
    finally:
        if _local.held is g:  # still held (outside may have lost it on its way back)
            g._release()
        _local.held = None


@contextmanager
def outside() -> Iterator[None]:
    """Give the turn up while this run waits for work done elsewhere; take it back, ahead of newcomers."""
    g = getattr(_local, "held", None)
    if not g:
        yield
        return
    g._release()
    _local.held = False
    try:
        yield
    finally:
        # no stop check here: the caller's own cleanup comes first, and the run stops at its next element
        _local.held = g if g._acquire(True, lambda: None) else False


def status() -> dict:
    """For the health answer on this machine: page runs drawing now, waiting for their turn, and drawn
    without one since the process started (their wait ran out: a sign that a page is slow)."""
    g = gate()
    if g is None:
        return {"runs_at_once": 0}
    return {"runs_at_once": g.slots, "runs_drawing": g.running, "runs_waiting": g.waiting, "runs_past_wait": g.bypassed}
