"""GET /healthz: 200 when this process can reach the database, 503 when it cannot.

Anyone is told only `{"status": "ok"}` or `{"status": "unavailable"}`. The details (the database's error,
which names its role, host and port, and the session counts) go to this machine only: a connection from
a loopback address that no proxy forwarded (no X-Forwarded-For), or one a proxy named in
ERQI_TRUSTED_PROXIES forwarded for a loopback client.

Streamlit's own /_stcore/health only says the process is up; a proxy or a service manager should stop
sending viewers to a process that cannot read its data. The answer is kept for a couple of seconds, so a
health check every second costs the database one `SELECT 1` at most every two.
"""

from __future__ import annotations

import ipaddress
import threading
import time

from starlette.concurrency import run_in_threadpool
from starlette.responses import JSONResponse
from starlette.routing import Route

from auth.clients import client_from, is_trusted
from auth.settings import load as load_settings
from data_access import offload
from data_access.health import database_reachable

from . import predraw, run_gate
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


def from_this_machine(peer: str | None, forwarded: str | None) -> bool:
    """True for a request whose client is on this machine: straight from a loopback address, or through a
    configured proxy that says so. A forwarding header from a proxy not named counts as another machine."""
    if peer is None:
        return False
    if forwarded and forwarded.strip():
        trusted = load_settings().trusted_proxies
        if not is_trusted(peer, trusted):
            return False
        peer = client_from(peer, forwarded, trusted)
    try:
        ip = ipaddress.ip_address(peer)
    except ValueError:
        return False
    # a dual-stack server names an IPv4 client as ::ffff:127.0.0.1, which Python does not call loopback
    return (getattr(ip, "ipv4_mapped", None) or ip).is_loopback


async def healthz(request) -> JSONResponse:
    ok, reason = await run_in_threadpool(check)
    body = {"status": "ok" if ok else "unavailable"}
    peer = request.client.host if request.client else None
    if from_this_machine(peer, request.headers.get("x-forwarded-for")):
        body |= {"database": "ok" if ok else reason, **load(), **predraw.status(), **run_gate.status(), **offload.status()}
    return JSONResponse(body, status_code=200 if ok else 503, headers={"Cache-Control": "no-store"})


def health_routes() -> list[Route]:
    return [Route("/healthz", healthz, methods=["GET", "HEAD"])]
