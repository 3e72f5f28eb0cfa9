"""Sign-in for the dashboard: password hashes, the users file, settings and the audit log (no Streamlit)."""
