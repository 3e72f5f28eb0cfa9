"""The per-process session cap (ERQI_MAX_SESSIONS, default 60; 0 turns it off).

A session is admitted on its first run when fewer than the cap are admitted and still connected; beyond
that it waits: the page shows a plain "busy, retrying" notice and asks again every few seconds, so a
newcomer sees why instead of a page that crawls for everyone. Admission is kept for the session's life;
a closed tab frees its place at the next newcomer's check.
"""

from __future__ import annotations

import os
import threading

DEFAULT_CAP = 60
RETRY_SECONDS = 5
_lock = threading.Lock()
_admitted: set[str] = set()
_waiting: set[str] = set()


def cap() -> int:
    raw = os.environ.get("ERQI_MAX_SESSIONS", "").strip()
    try:
        return max(0, int(raw)) if raw else DEFAULT_CAP
    except ValueError:
        return DEFAULT_CAP


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


def admit(session_id: str) -> bool:
    """True when this session may run the app now."""
    limit = cap()
    if not limit:
        return True
    with _lock:
        if session_id in _admitted:
            return True
        live = _connected()
        if live is None:
            return True
        _forget_closed(live)
        if len(_admitted) < limit:
            _admitted.add(session_id)
            _waiting.discard(session_id)
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
