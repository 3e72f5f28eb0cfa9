"""A fresh process pre-draws its pages through the real sign-in gate and page code (serving.predraw), and
behind a sign-in draws nothing."""

from __future__ import annotations

import json
import time
import urllib.request

from auth.passwords import hash_password

from .conftest import Server


def _predraw(srv: Server, wait: float = 180) -> dict:
    """/healthz as this machine is told it, once the pre-drawing has left the waiting and drawing states."""
    deadline = time.monotonic() + wait
    while True:
        with urllib.request.urlopen(srv.base + "/healthz", timeout=10) as r:
            body = json.load(r)
        if body["predraw"] not in ("waiting", "drawing") or time.monotonic() > deadline:
            return body
        time.sleep(0.5)


def test_a_fresh_process_draws_the_district_pages_before_it_listens(sqlite_url):
    srv = Server(sqlite_url, ERQI_PREDRAW="district")  # returns once the server answers
    try:
        with urllib.request.urlopen(srv.base + "/healthz", timeout=10) as r:
            first = json.load(r)
        body = _predraw(srv)
    finally:
        srv.stop()
    assert first["predrawn_pages"] == 7, first  # drawn before the first viewer could connect
    # every page finished without an error element (a failed page is not counted)
    assert body["predraw"] == "done" and body["predrawn_pages"] == 7 and body["predraw_failed"] == 0, body


def test_behind_a_sign_in_nothing_is_drawn(sqlite_url, tmp_path):
    users = tmp_path / "users.toml"
    users.write_text(
        f'[users.zhang]\nrole = "district"\nplace = ""\npassword = "{hash_password("pw-123456", n=2**10)}"\n',
        encoding="utf-8",
    )
    srv = Server(sqlite_url, ERQI_PREDRAW="all", ERQI_USERS_FILE=str(users))
    try:
        body = _predraw(srv)
    finally:
        srv.stop()
    assert body["predraw"] == "sign-in" and body["predrawn_pages"] == 0, body
