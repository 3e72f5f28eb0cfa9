"""Thin cached wrappers that pages call: one engine per process, query results cached with a ttl."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from . import queries
from .db import database_url, read_engine
from .filters import Filters, Places

TTL_SECONDS = 300  # the briefing refreshes every 300 s; no cache may outlive that


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """The app's read-only engine (DATABASE_URL or the embedded SQLite file)."""
    return read_engine(database_url())


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def dataset_info() -> dict[str, str]:
    with engine().connect() as conn:
        return queries.dataset_info(conn)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def places() -> Places:
    with engine().connect() as conn:
        return queries.places(conn)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def kpis(f: Filters) -> dict[str, float | int | None]:
    with engine().connect() as conn:
        return queries.kpis(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def orgs_by_kind(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return queries.orgs_by_kind(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def monthly_trend(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return queries.monthly_trend(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def area_ranking(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return queries.area_ranking(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def overdue_tasks(f: Filters, as_of: date) -> pd.DataFrame:
    with engine().connect() as conn:
        return queries.overdue_tasks(conn, f, as_of)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def warning_counts(f: Filters, as_of: date) -> pd.DataFrame:
    with engine().connect() as conn:
        return queries.warning_counts(conn, f, as_of)
