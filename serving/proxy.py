"""The connection's own address reaches the app unchanged.

uvicorn, which serves `streamlit run serve.py`, would otherwise replace the address of a connection from
this machine with whatever its X-Forwarded-For header says (its FORWARDED_ALLOW_IPS defaults to the
loopback addresses), before the app sees it. Behind the shipped nginx every connection comes from this
machine, so a browser could name any address and move the sign-in limits onto someone else. The app
decides itself whom to believe (ui.access.gate.client_address): only a proxy named in
ERQI_TRUSTED_PROXIES may name the client.
"""

from __future__ import annotations

import os


def keep_peer_addresses() -> None:
    """Turn uvicorn's forwarding-header rewrite off for this process: for a server configured from now on
    (FORWARDED_ALLOW_IPS empty: no peer is trusted) and for the one loading this module right now (serve.py
    is imported after uvicorn read its settings, before it wraps the app in the rewriting middleware)."""
    os.environ["FORWARDED_ALLOW_IPS"] = ""
    try:
        import uvicorn.config
    except ImportError:  # pragma: no cover - no uvicorn: nothing rewrites
        return
    uvicorn.config.ProxyHeadersMiddleware = _unchanged


def _unchanged(app, **_settings):
    return app
