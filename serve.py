"""The production entry point: `streamlit run serve.py` serves app.py with a health check that asks the
database, a per-process session cap, few malloc arenas (memory held down when live), the process's
long-lived objects kept out of the collector's way, no framing by other sites and no metrics endpoint, and
each connection's own address (no forwarding header believed but a configured proxy's, by the sign-in gate).

`streamlit run app.py` still works for development; serve.py is what a deployment runs (README
"Many viewers").
"""

import streamlit as st

from serving import health_routes, keep_peer_addresses, lifespan, security_middleware
from serving.memory import cap_malloc_arenas

cap_malloc_arenas()  # before the server starts its page threads (each would get an arena of its own)
keep_peer_addresses()  # before uvicorn wraps the app: it would rewrite the peer from X-Forwarded-For
app = st.App("app.py", routes=health_routes(), lifespan=lifespan, middleware=security_middleware())

if __name__ == "__main__":
    app.run()
