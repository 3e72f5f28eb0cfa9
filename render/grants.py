"""One-off grants that let the export renderer open the app as the viewer who asked, and nobody else.

A viewer's click issues a grant in the server process: who the viewer is (the same identity their session
holds, so the renderer's session is scoped and masked exactly as theirs), the page and its URL parameters,
the widget values the URL does not hold, and who exported when. The renderer opens the app's own loopback
address with the grant's token; the first run of that session takes the grant (once: a token cannot be
used twice) within GRANT_SECONDS. Grants never leave the process: the token travels only to a browser on
this machine, and a grant is not a sign-in anyone can reuse."""

from __future__ import annotations

import secrets
import threading
import time
from dataclasses import dataclass, field

SESSION_KEY = "_export_grant"  # where the renderer's session keeps the grant it took
GRANT_SECONDS = 90.0  # from the click to the renderer's first run (the worker starts a browser in between)
_lock = threading.Lock()
_grants: dict[str, tuple[float, Grant]] = {}


@dataclass(frozen=True)
class Grant:
    """What the renderer's session may show: the viewer's identity and view, and the file's footer facts."""

    identity: object  # the viewer's ui.access.gate.Identity, as their session holds it
    slug: str  # the page's URL path
    params: dict[str, str]  # the page's URL parameters (filters, language, page-specific)
    state: dict[str, object] = field(default_factory=dict)  # widget values the URL does not hold
    kind: str = "png"  # png / pdf
    exporter: str = ""  # the viewer's name as the footer says it
    scope: str = ""  # the viewer's scope in words
    issued_at: float = 0.0  # epoch seconds (the footer's export time)


def issue(grant: Grant) -> str:
    """Keep a grant for the renderer and return its token."""
    token = secrets.token_urlsafe(32)
    now = time.monotonic()
    with _lock:
        for old in [k for k, (at, _g) in _grants.items() if now - at > GRANT_SECONDS]:
            del _grants[old]
        _grants[token] = (now, grant)
    return token


def take(token: str) -> Grant | None:
    """The grant for token, removed (single use); None when unknown or expired."""
    with _lock:
        held = _grants.pop(token, None)
    if held is None or time.monotonic() - held[0] > GRANT_SECONDS:
        return None
    return held[1]


def withdraw(token: str) -> None:
    """Forget a grant that was not used (the render failed before the page opened)."""
    with _lock:
        _grants.pop(token, None)
