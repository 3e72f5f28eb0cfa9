"""What a production app process needs around the app itself (serve.py): the health route the proxy and
the service manager ask, the per-process session cap, a start-up that keeps the collector cheap, and the
headers every answer carries (no framing by other sites, no metrics endpoint)."""

from .headers import security_middleware
from .health import health_routes
from .startup import lifespan

__all__ = ["health_routes", "lifespan", "security_middleware"]
