"""The production entry point: `streamlit run serve.py` serves app.py with a health check that asks the
database, a per-process session cap, the process's long-lived objects kept out of the collector's way,
no framing by other sites and no metrics endpoint.

`streamlit run app.py` still works for development; serve.py is what a deployment runs (README
"Many viewers").
"""

import streamlit as st

from serving import health_routes, lifespan, security_middleware

app = st.App("app.py", routes=health_routes(), lifespan=lifespan, middleware=security_middleware())

if __name__ == "__main__":
    app.run()
