"""GET /healthz: 200 when this process can reach the database, 503 (with the reason) when it cannot.

Streamlit's own /_stcore/health only says the process is up; a proxy or a service manager should stop
sending viewers to a process that cannot read its data. The answer is kept for a couple of seconds, so a
health check every second costs the database one `SELECT 1` at most every two.
"""

from __future__ import annotations

import threading
import time

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import Route

from data_access.health import database_reachable

from .admission import load

KEEP_SECONDS = 2.0
_lock = threading.Lock()
_last: tuple[float, bool, str] | None = None


def check() -> tuple[bool, str]:
    """(reachable, reason); at most one database round trip per KEEP_SECONDS."""
    global _last
    with _lock:
        now = time.monotonic()
        if _last is None or now - _last[0] > KEEP_SECONDS:
            ok, reason = database_reachable()
            _last = (now, ok, reason)
        return _last[1], _last[2]


async def healthz(_request) -> JSONResponse:
    ok, reason = await run_in_threadpool(check)
    body = {"status": "ok" if ok else "unavailable", "database": "ok" if ok else reason, **load()}
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})


def health_routes() -> list[Route]:
    return [Route("/healthz", healthz, methods=["GET", "HEAD"])]
