"""No client takes every session seat without signing in: a per-client share of the seats for sessions not
signed in, and a sign-in screen left idle gives its seat up (issue 34)."""

from __future__ import annotations

import pytest

from serving import admission


@pytest.fixture()
def seats(monkeypatch):
    live: set[str] = set()
    monkeypatch.setattr(admission, "_connected", lambda: live)
    monkeypatch.setenv("ERQI_MAX_SESSIONS", "20")
    monkeypatch.delenv("ERQI_MAX_ANONYMOUS_PER_CLIENT", raising=False)
    monkeypatch.delenv("ERQI_SIGN_IN_IDLE_SECONDS", raising=False)
    for store in (admission._admitted, admission._waiting, admission._seats):
        store.clear()

    def ask(sid: str, client: str, anonymous: bool = True, idle_ends: bool = True, now: float = 0.0) -> bool:
        live.add(sid)
        return admission.admit(sid, client, anonymous, idle_ends, now=now)

    yield ask
    for store in (admission._admitted, admission._waiting, admission._seats):
        store.clear()


def test_one_client_gets_its_share_of_the_seats_not_all(seats):
    share = admission.DEFAULT_PER_CLIENT
    opened = [seats(f"a{i}", "198.51.100.7") for i in range(60)]  # one machine opens 60 tabs at once
    assert opened.count(True) == share
    assert seats("b0", "203.0.113.9")  # everyone else still gets in
    assert seats("signed", "198.51.100.7", anonymous=False, idle_ends=False)  # a signed-in session of that client


def test_an_idle_sign_in_screen_gives_its_seat_up(seats, monkeypatch):
    monkeypatch.setenv("ERQI_MAX_SESSIONS", "3")
    assert all(seats(f"idle{i}", f"10.0.0.{i}", now=0.0) for i in range(3))
    assert not seats("late", "10.0.1.1", now=10.0)  # full, and the three are not idle long yet
    later = admission.DEFAULT_SIGN_IN_IDLE + 1
    assert seats("late", "10.0.1.1", now=later)  # the idle sign-in screens went
    assert seats("idle0", "10.0.0.0", now=later)  # and come back when used, if a seat is free


def test_a_public_screen_does_not_lose_its_seat_for_being_idle(seats, monkeypatch):
    monkeypatch.setenv("ERQI_MAX_SESSIONS", "1")
    assert seats("wall", "10.0.0.5", idle_ends=False, now=0.0)
    assert not seats("other", "10.0.0.6", now=admission.DEFAULT_SIGN_IN_IDLE * 10)
