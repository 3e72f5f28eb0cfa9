"""/healthz tells the network only ok or unavailable; the database's error and the session counts go to
this machine alone (issue 34)."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor

import pytest
from starlette.requests import Request

from serving import health

REASON = "connection to server at 10.1.2.3, port 5432 failed: role erqi_reader"


@pytest.fixture()
def down(monkeypatch):
    monkeypatch.setattr(health, "check", lambda: (False, REASON))
    monkeypatch.delenv("ERQI_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("ERQI_TRUSTED_PROXY_ADDRESSES", raising=False)
    return health.healthz


def _get(route, host: str, **headers) -> tuple[int, dict]:
    scope = {
        "type": "http",
        "method": "GET",
        "path": "/healthz",
        "query_string": b"",
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "client": (host, 40000),
    }
    # a fresh loop in a thread of its own: in a test worker an earlier test may leave this thread's loop running
    with ThreadPoolExecutor(max_workers=1) as pool:
        answer = pool.submit(asyncio.run, route(Request(scope))).result()
    return answer.status_code, json.loads(answer.body)


def test_the_public_is_told_only_unavailable(down):
    assert _get(down, "203.0.113.7") == (503, {"status": "unavailable"})


def test_this_machine_is_told_why(down):
    code, body = _get(down, "127.0.0.1")
    assert code == 503 and body["database"] == REASON and "sessions" in body


def test_a_forwarded_request_is_told_only_what_the_public_is(down, monkeypatch):
    # through a proxy that is not named: whoever it forwarded for is not known to be this machine
    assert _get(down, "127.0.0.1", **{"X-Forwarded-For": "127.0.0.1"}) == (503, {"status": "unavailable"})
    monkeypatch.setenv("ERQI_TRUSTED_PROXIES", "127.0.0.1")
    assert _get(down, "127.0.0.1", **{"X-Forwarded-For": "203.0.113.7"}) == (503, {"status": "unavailable"})
    assert "database" in _get(down, "127.0.0.1", **{"X-Forwarded-For": "127.0.0.1"})[1]  # nginx, for this machine


def test_this_machine_over_a_dual_stack_socket_is_told_why(down):
    # a server listening on both stacks names an IPv4 client on this machine ::ffff:127.0.0.1
    code, body = _get(down, "::ffff:127.0.0.1")
    assert code == 503 and body["database"] == REASON and "predraw" in body
    assert _get(down, "::ffff:203.0.113.7") == (503, {"status": "unavailable"})
