"""The per-process session cap (ERQI_MAX_SESSIONS, default 60; 0 turns it off), and what one client may
hold of it.

A session is admitted on its first run when fewer than the cap are admitted and still connected; beyond
that it waits: the page shows a plain "busy, retrying" notice and asks again every few seconds, so a
newcomer sees why instead of a page that crawls for everyone. Admission is kept for the session's life;
a closed tab frees its place at the next newcomer's check.

Nobody can take every seat without signing in: sessions not signed in (the sign-in screen, the open demo,
the public screen) count against their client's share, ERQI_MAX_ANONYMOUS_PER_CLIENT (default 10; 0: no
share), and a session left on the sign-in screen loses its seat after ERQI_SIGN_IN_IDLE_SECONDS without a
run of its own (default 120): the next newcomer takes it, and the idle tab asks for a seat again when
it is used.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass

DEFAULT_CAP = 60
DEFAULT_PER_CLIENT = 10
DEFAULT_SIGN_IN_IDLE = 120.0
RETRY_SECONDS = 5
_lock = threading.Lock()
_admitted: set[str] = set()
_waiting: set[str] = set()


@dataclass
class _Seat:
    client: str
    anonymous: bool  # not signed in: counted against the client's share
    idle_ends: bool  # on the sign-in screen: the seat goes after ERQI_SIGN_IN_IDLE_SECONDS without a run
    seen: float


_seats: dict[str, _Seat] = {}


def cap() -> int:
    raw = os.environ.get("ERQI_MAX_SESSIONS", "").strip()
    try:
        return max(0, int(raw)) if raw else DEFAULT_CAP
    except ValueError:
        return DEFAULT_CAP


def setting(name: str, default: float) -> float:
    """A non-negative number from the environment; the default when unset or not a number."""
    raw = os.environ.get(name, "").strip()
    try:
        return max(0.0, float(raw)) if raw else default
    except ValueError:
        return default


def per_client_cap() -> int:
    return int(setting("ERQI_MAX_ANONYMOUS_PER_CLIENT", DEFAULT_PER_CLIENT))


def sign_in_idle_seconds() -> float:
    return setting("ERQI_SIGN_IN_IDLE_SECONDS", DEFAULT_SIGN_IN_IDLE) or DEFAULT_SIGN_IN_IDLE


def _connected() -> set[str] | None:
    """Ids of the sessions this process holds open, or None outside a running server (AppTest, scripts)."""
    from streamlit import runtime

    if not runtime.exists():
        return None
    # no public list of sessions; this is how the runtime counts. AppTest's stand-in runtime has none.
    mgr = getattr(runtime.get_instance(), "_session_mgr", None)
    if mgr is None or not hasattr(mgr, "list_active_sessions"):
        return None
    try:
        return {info.session.id for info in mgr.list_active_sessions()}
    except (AttributeError, TypeError):
        return None


def _forget_closed(live: set[str]) -> None:
    """Drop the sessions that are no longer connected (call with the lock held)."""
    _admitted.intersection_update(live)
    _waiting.intersection_update(live)
    for gone in [sid for sid in _seats if sid not in live]:
        del _seats[gone]


def _end_idle(now: float) -> None:
    """Take the seat of every session left on the sign-in screen too long (call with the lock held)."""
    limit = sign_in_idle_seconds()
    for sid in [sid for sid in _admitted if (seat := _seats.get(sid)) and seat.idle_ends and now - seat.seen > limit]:
        _admitted.discard(sid)
        del _seats[sid]


def admit(
    session_id: str, client: str = "", anonymous: bool = False, idle_ends: bool = False, now: float | None = None
) -> bool:
    """True when this session may run the app now. client: where it comes from (the sign-in gate's
    client_address); anonymous: not signed in; idle_ends: it shows the sign-in screen."""
    limit, share = cap(), per_client_cap()
    if not limit and not share:
        return True
    now = time.monotonic() if now is None else now
    with _lock:
        if session_id in _admitted:
            _seats[session_id] = _Seat(client, anonymous, idle_ends, now)
            return True
        live = _connected()
        if live is None:
            return True
        _forget_closed(live)
        _end_idle(now)
        full = bool(limit) and len(_admitted) >= limit
        held = sum(1 for sid in _admitted if (seat := _seats.get(sid)) and seat.anonymous and seat.client == client)
        if not full and not (anonymous and share and held >= share):
            _admitted.add(session_id)
            _waiting.discard(session_id)
            _seats[session_id] = _Seat(client, anonymous, idle_ends, now)
            return True
        _waiting.add(session_id)
        return False


def load() -> dict:
    """Connected, admitted and waiting sessions and the cap, for the health answer."""
    live = _connected()
    with _lock:
        if live is not None:
            _forget_closed(live)
        return {
            "connected": len(live or ()),
            "sessions": len(_admitted),
            "waiting": len(_waiting),
            "max_sessions": cap(),
        }
