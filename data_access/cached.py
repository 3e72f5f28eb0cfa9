"""Thin cached wrappers that pages call: one engine per process, query results cached with a ttl."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from . import queries
from .db import database_url, read_engine
from .filters import Filters, Places

TTL_SECONDS = 600


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


# ---------------------------------------------------------------- grid map (网格地图)
from . import grid_queries  # noqa: E402  (beside its wrappers, so this section stands on its own)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def grid_base() -> tuple[dict, dict]:
    return grid_queries.base_outlines()


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def grid_scope_area(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return grid_queries.scope_area(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def grid_sibling_areas(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return grid_queries.sibling_areas(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def grid_areas(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return grid_queries.grid_areas(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def grid_building_groups(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return grid_queries.building_groups(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def grid_facilities(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return grid_queries.facilities(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def grid_gaps(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return grid_queries.grid_staffing(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def grid_gap_summary(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return grid_queries.gap_summary(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=512, show_spinner=False)
def grid_group_profile(f: Filters, bg_id: int) -> pd.DataFrame:
    with engine().connect() as conn:
        return grid_queries.group_profile(conn, f, bg_id)


@st.cache_data(ttl=TTL_SECONDS, max_entries=512, show_spinner=False)
def grid_group_staff(f: Filters, bg_id: int) -> pd.DataFrame:
    with engine().connect() as conn:
        return grid_queries.group_staff(conn, f, bg_id)


@st.cache_data(ttl=TTL_SECONDS, max_entries=512, show_spinner=False)
def grid_group_teams(f: Filters, bg_id: int) -> pd.DataFrame:
    with engine().connect() as conn:
        return grid_queries.group_teams(conn, f, bg_id)


@st.cache_data(ttl=TTL_SECONDS, max_entries=512, show_spinner=False)
def grid_group_activities(f: Filters, bg_id: int) -> pd.DataFrame:
    with engine().connect() as conn:
        return grid_queries.group_activities(conn, f, bg_id)
