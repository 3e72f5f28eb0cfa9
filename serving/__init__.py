"""What a production app process needs around the app itself (serve.py): the health route the proxy and
the service manager ask, the per-process session cap, and a start-up that keeps the collector cheap."""

from .health import health_routes
from .startup import lifespan

__all__ = ["health_routes", "lifespan"]
