"""Pre-drawing: a fresh process draws its pages once, by itself, before viewers ask for them.

A page's first drawing for a place costs far more than every later one: its queries, maps and chart specs
are computed once per place and data version and then shared by every session (data_access.cached,
ui.prebuilt). Thirty people opening the link together at a fresh process would wait for all of that at
once. So this module opens sessions inside the process (no socket, no browser) and runs each page as a
newcomer would see it: the district's pages while the process starts (it listens once they are drawn, or
after START_SECONDS), then each street's pages in the background, between viewers' clicks. When the data
version moves (a refresh dropped every cached result), the district's pages are drawn again (the version
is looked at every `ERQI_PREDRAW_REDRAW_SECONDS`).

The sessions go through the sign-in gate like any other: they are admitted only where a newcomer is
admitted without signing in (the open demo, a public screen). Behind a sign-in the gate shows them the
sign-in screen and they draw nothing: no identity is made up here, so nothing here can grant access.

ERQI_PREDRAW: `all` (default: the district, then every street), `district`, or `off`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time

from streamlit.proto.Alert_pb2 import Alert
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

log = logging.getLogger(__name__)

DISTRICT_PAGES = ("overview", "grid_map", "volunteers", "organization", "explore", "briefing", "data")
PLACE_PAGES = ("overview", "grid_map", "volunteers", "organization", "explore")  # with the filter bar's place
PAGE_SECONDS = 120.0  # a page that takes longer is left (its session closed) and the next one drawn
VIEWER_WAIT_SECONDS = 30.0  # the longest a street's drawing waits for viewers' pages to finish
START_SECONDS = 30.0  # the longest a starting process waits for the district's pages before it listens
MODES = ("all", "district", "off")
# what /healthz tells this machine: "waiting" (for the server or the database), "drawing", "done", "off"
# (ERQI_PREDRAW=off) or "sign-in" (a viewer must sign in first: nothing is pre-drawn)
_district_drawn = asyncio.Event()
_state: dict[str, object] = {"state": "waiting", "pages": 0, "failed": 0, "seconds": None, "version": None}


def mode() -> str:
    raw = os.environ.get("ERQI_PREDRAW", "").strip().lower()
    return raw if raw in MODES else "all"


def redraw_seconds() -> float:
    try:
        return max(5.0, float(os.environ.get("ERQI_PREDRAW_REDRAW_SECONDS", "60")))
    except ValueError:
        return 60.0


def status() -> dict:
    """What /healthz tells this machine: where the first drawing is, how many pages it drew, how long it took."""
    state = "off" if mode() == "off" else _state["state"]
    return {
        "predraw": state,
        "predrawn_pages": _state["pages"],
        "predraw_failed": _state["failed"],
        "predraw_seconds": _state["seconds"],
    }


class _Sink:
    """The session's client: nothing is sent anywhere; the end of each run is noted, and whatever says the
    page was not drawn (an error, an error message such as the database's, the queue's busy notice)."""

    def __init__(self, busy: tuple[str, ...]) -> None:
        self.finished: asyncio.Queue = asyncio.Queue()
        self.errors = 0
        self.busy = busy

    def write_forward_msg(self, msg: ForwardMsg) -> None:
        kind = msg.WhichOneof("type")
        if kind == "script_finished":
            self.finished.put_nowait(msg.script_finished)
        elif kind == "page_not_found":
            self.errors += 1
        elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
            element = msg.delta.new_element
            what = element.WhichOneof("type")
            if what == "exception":
                self.errors += 1
            elif what == "alert" and (element.alert.format == Alert.ERROR or element.alert.body in self.busy):
                self.errors += 1

    @property
    def client_context(self):
        return None


def targets(street_codes: list[str], which: str) -> list[tuple[str, str]]:
    """(page, query string) in drawing order: the district's pages, then (for `all`) each street's."""
    out = [(page, "") for page in DISTRICT_PAGES]
    if which == "all":
        out += [(page, f"street={code}") for code in street_codes for page in PLACE_PAGES]
    return out


async def draw(runtime, page: str, query: str) -> bool:
    """Run page (with query) once in a session of its own; True when it was drawn (finished, no error)."""
    from ui.labels import TEXT

    sink = _Sink(TEXT["busy_retrying"])
    session_id = runtime.connect_session(client=sink, user_info={"is_logged_in": False})
    try:
        back = BackMsg()
        cs = back.rerun_script
        cs.page_name = page
        cs.query_string = query
        cs.context_info.timezone = "Asia/Shanghai"
        cs.context_info.locale = "zh-CN"
        cs.widget_states.SetInParent()
        runtime.handle_backmsg(session_id, back)
        deadline = time.monotonic() + PAGE_SECONDS
        while True:
            status = await asyncio.wait_for(sink.finished.get(), max(0.1, deadline - time.monotonic()))
            if status != ForwardMsg.FINISHED_EARLY_FOR_RERUN:  # a switch or rerun: the real end follows
                return status == ForwardMsg.FINISHED_SUCCESSFULLY and not sink.errors
    except TimeoutError:
        return False
    finally:
        runtime.close_session(session_id)


def newcomers_admitted() -> bool:
    """True when the gate lets a newcomer in without signing in (a public screen, the open demo): only then
    do the pre-drawing's sessions see the pages."""
    from ui.access import gate

    cfg = gate.settings()
    return bool(cfg.public) or (not gate.secured(cfg) and gate.open_demo_allowed(cfg))


def _streets_and_version() -> tuple[list[str], object]:
    """The street codes and the data version, read from the database (in a worker thread)."""
    from data_access import cached
    from data_access.live import refresh
    from data_access.queries import overview

    with cached.engine().connect() as conn:
        return overview.places(conn).streets["code"].astype(str).tolist(), refresh.freshness(conn).get("version")


async def _runtime():
    from streamlit.runtime import Runtime
    from streamlit.runtime.runtime import RuntimeState

    ready = (RuntimeState.NO_SESSIONS_CONNECTED, RuntimeState.ONE_OR_MORE_SESSIONS_CONNECTED)
    while not (Runtime.exists() and Runtime.instance().state in ready):
        await asyncio.sleep(0.1)
    return Runtime.instance()


def _room() -> bool:
    """True when a pre-drawing session would take no seat a viewer needs: nobody waits for one, and one
    is left free beside it (serving.admission)."""
    from .admission import load

    now = load()
    return now["waiting"] == 0 and (now["max_sessions"] == 0 or now["sessions"] + 1 < now["max_sessions"])


async def _viewers_idle(most: float = VIEWER_WAIT_SECONDS) -> None:
    """Wait (up to most seconds) until no viewer's page is being drawn: the streets are drawn between their
    clicks, not against them."""
    from ui.chrome.shell import runs_in_progress

    deadline = time.monotonic() + most
    while runs_in_progress() and time.monotonic() < deadline:
        await asyncio.sleep(0.2)


async def _draw_all(
    runtime, pages: list[tuple[str, str]], behind_viewers: bool = False, first: bool = False
) -> tuple[int, int]:
    """Draw each page in turn, never while viewers wait for a seat (nor, behind_viewers, while a viewer's
    page is being drawn); (drawn, failed)."""
    from streamlit.runtime.runtime import RuntimeState

    drawn = failed = 0
    for page, query in pages:
        while not _room():
            await asyncio.sleep(1.0)
        if behind_viewers:
            await _viewers_idle()
        if runtime.state in (RuntimeState.STOPPING, RuntimeState.STOPPED):
            break
        ok = await draw(runtime, page, query)
        drawn, failed = drawn + ok, failed + (not ok)
        if first:  # the first drawing's progress, as /healthz tells it
            _state["pages" if ok else "failed"] += 1
        if not ok:
            log.warning("pre-drawing: %s?%s was not drawn", page, query)
        await asyncio.sleep(0)  # let the loop serve what came in meanwhile
    return drawn, failed


async def run() -> None:
    """The first drawing, then a redraw of the district's pages whenever the data version moved."""
    which = mode()
    if which == "off":
        return
    runtime = await _runtime()
    while True:  # the database may be away, or still being built by the app: try again a little later
        try:
            if not await asyncio.to_thread(newcomers_admitted):
                log.info("pre-drawing off: a viewer must sign in first, and no identity is made up here")
                _state["state"] = "sign-in"
                _district_drawn.set()
                return
            streets, version = await asyncio.to_thread(_streets_and_version)
            break
        except Exception:  # noqa: BLE001 - the pages will say what is wrong to whoever comes
            log.warning("pre-drawing waits: the database could not be read", exc_info=True)
            _district_drawn.set()  # nothing to wait for at start: the process listens, and draws later
            await asyncio.sleep(redraw_seconds())
    started = time.perf_counter()
    _state["state"] = "drawing"
    district = targets([], "district")
    drawn, failed = await _draw_all(runtime, district, first=True)
    _district_drawn.set()  # the server may listen now (lifespan): the streets follow between viewers' clicks
    if which == "all":
        more, missed = await _draw_all(
            runtime, targets(streets, "all")[len(district) :], behind_viewers=True, first=True
        )
        drawn, failed = drawn + more, failed + missed
    _state.update(state="done", seconds=round(time.perf_counter() - started, 1))
    _state["version"] = version
    log.info("pre-drew %d pages in %.1f s", drawn, time.perf_counter() - started)
    while True:
        await asyncio.sleep(redraw_seconds())
        try:
            _streets, now = await asyncio.to_thread(_streets_and_version)
        except Exception:  # noqa: BLE001 - the database is away for now: try again next time
            continue
        if now != _state["version"]:
            _state["version"] = now
            await _draw_all(runtime, district, behind_viewers=True)


async def district_drawn(most: float = START_SECONDS) -> None:
    """Return when the district's pages are drawn, or pre-drawing has nothing to draw, or after most seconds."""
    try:
        await asyncio.wait_for(_district_drawn.wait(), most)
    except TimeoutError:
        log.warning("pre-drawing: the district's pages took over %.0f s; serving before they are done", most)


def start() -> asyncio.Task | None:
    """Start pre-drawing on the server's event loop (from its lifespan); None when turned off."""
    if mode() == "off":
        return None
    task = asyncio.get_running_loop().create_task(run(), name="erqi-predraw")
    task.add_done_callback(_ended)
    return task


def _ended(task: asyncio.Task) -> None:
    if not task.cancelled() and task.exception() is not None:
        log.error("pre-drawing stopped", exc_info=task.exception())
