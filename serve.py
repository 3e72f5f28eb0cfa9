"""The production entry point: `streamlit run serve.py` serves app.py with a health check that asks the
database, a per-process session cap, and the process's long-lived objects kept out of the collector's way.

`streamlit run app.py` still works for development; serve.py is what a deployment runs (README
"Many viewers").
"""

import streamlit as st

from serving import health_routes, lifespan

app = st.App("app.py", routes=health_routes(), lifespan=lifespan)

if __name__ == "__main__":
    app.run()
