"""Start-up of a production process: load the app's modules once, then freeze what is alive.

Streamlit's full collection after every script run (`runner.postScriptGC`) walks every object the
process holds: cached frames, memoised chart and map specs. Under many viewers it took most of a run's
time, so the shipped configs turn it off and leave collection to Python's own generational collector,
which runs a full pass only when the long-lived objects have grown by a quarter. `gc.freeze()` after the
imports moves the start-up objects (tens of thousands of module and class objects that never die) out
of every later collection. The 30-minute soak in the README shows memory stays flat this way.
"""

from __future__ import annotations

import asyncio
import gc
import importlib
import logging
import threading
from contextlib import asynccontextmanager

from . import memory, predraw, run_gate

log = logging.getLogger(__name__)
# what the first script runs would import anyway (the chrome, then each page's own modules): loading it here
# makes the first viewers faster too (thirty arriving at a fresh process would otherwise wait for the imports)
WARM_MODULES = (
    "pandas",
    "pyarrow",
    "altair",
    "pydeck",
    "sqlalchemy",
    "ui.chrome.shell",
    "data_access.cached",
    "data_access.prefetch",
    "data_access.bootstrap",
    "data_access.schema",  # Alembic, for the first session's schema check
    "ui.kpi",
    "ui.compare",
    "ui.data_quality",
    "ui.grid.deck",
    "ui.grid.panels",
    "ui.grid.selection",
    "ui.org.view",
    "ui.org.tree",
    "ui.volunteers.charts",
    "ui.volunteers.filters",
    "ui.volunteers.service_map",
    "ui.explore.view",
    "ui.explore.controls",
    "ui.explore.question",
    "ui.data.view",
    "ui.data.imports",
    "ui.screen.wall",
)


def freeze_after_imports() -> int:
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except Exception:  # a module that cannot load will fail visibly on the first run instead
            log.exception("start-up import of %s failed", name)
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


@asynccontextmanager
async def lifespan(_app):
    full_run_after_reconnect()
    keep_compiled_pages()
    frozen = freeze_after_imports()
    log.info("start-up: %d objects frozen out of the collector's way", frozen)
    start_query_workers()
    drawing = predraw.start()  # the pages drawn once by the process itself, before viewers ask
    if drawing is not None:
        await predraw.district_drawn()  # the server listens once the district's pages are drawn
    try:
        yield None
    finally:
        if drawing is not None:
            drawing.cancel()
            await asyncio.wait({drawing}, timeout=5)  # its session closed before the children end
        end_children()


def start_query_workers() -> threading.Thread | None:
    """The query workers (data_access.offload, ERQI_QUERY_PROCESSES) start beside the district's pre-drawing,
    on the other core; until they are up, queries run in this process. A run waiting for a worker gives its
    turn up (run_gate.outside)."""
    from data_access import offload
    from data_access.db import database_url

    processes = offload.processes_wanted()
    if processes <= 0:
        return None
    offload.waiting = run_gate.outside
    try:
        url = database_url()
    except ValueError:
        return None  # a DATABASE_URL that does not parse: the pages say so, and nothing needs a worker
    # a worker answers calls on several threads: its arenas are capped as the server's are (glibc reads this)
    arenas = memory.arenas_wanted()
    environ = {"MALLOC_ARENA_MAX": str(arenas)} if arenas else {}
    thread = threading.Thread(
        target=offload.start, args=(url, processes, environ), name="erqi-query-workers", daemon=True
    )
    thread.start()
    return thread


def keep_compiled_pages() -> bool:
    """Streamlit compiles each page's script once and keeps it, but throws every compiled script away whenever
    its last session closes, in case a file changed while nobody watched: a lone viewer at a quiet moment then
    paid the parsing and compiling of app.py and the page again (8 % of the overview's run). A production
    process watches no files (`server.fileWatcherType = "none"`) and its code does not change under it (a new
    release is a new process), so there it keeps them. Returns whether it does."""
    from streamlit import config
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache

    if config.get_option("server.fileWatcherType") != "none":
        return False  # development: a changed file is picked up as Streamlit does
    if not getattr(ScriptCache.clear, "_erqi_kept", False):

        def clear(self) -> None:  # nothing changes under a production process
            return None

        clear._erqi_kept = True
        ScriptCache.clear = clear
    return True


def end_children() -> None:
    """The server is stopping (SIGTERM, SIGINT): the processes the app started end now, before the process
    does (the embedded refresher, the live demo's simulator, the warm export worker)."""
    from data_access import background, offload
    from render import worker

    background.stop_children()
    worker.shutdown()
    offload.stop()


def full_run_after_reconnect() -> None:
    """A tab whose process went away reconnects through the proxy to another process, as a new session
    there. It does not ask for a full run: a wall's timed fragments just keep asking for their own reruns,
    which the new session, not knowing those fragments, drops, so the wall would freeze on its last figures.
    A session whose first request is a fragment's gets a full run instead (same page, same URL)."""
    from streamlit.runtime.app_session import AppSession

    if getattr(AppSession.request_rerun, "_erqi_patched", False):
        return
    original = AppSession.request_rerun

    def request_rerun(self, client_state):
        if client_state is not None and client_state.fragment_id and not getattr(self, "_erqi_full_run", False):
            if not self.has_fragment(client_state.fragment_id):
                client_state = type(client_state).FromString(client_state.SerializeToString())
                client_state.fragment_id = ""
                client_state.is_auto_rerun = False
                log.info("a reconnected session asked for a fragment it does not have: full run instead")
        if client_state is None or not client_state.fragment_id:
            self._erqi_full_run = True
        return original(self, client_state)

    request_rerun._erqi_patched = True
    AppSession.request_rerun = request_rerun
