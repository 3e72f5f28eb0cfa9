"""What a production app process needs around the app itself (serve.py): the health route the proxy and
the service manager ask, the per-process session cap, a start-up that keeps the collector cheap, and the
headers every answer carries (no framing by other sites, no metrics endpoint), and the connection's own
address kept (no forwarding header believed before the sign-in gate decides)."""

from .headers import security_middleware
from .health import health_routes
from .proxy import keep_peer_addresses
from .startup import lifespan

__all__ = ["health_routes", "keep_peer_addresses", "lifespan", "security_middleware"]
