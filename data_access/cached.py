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


# ---------------------------------------------------------------- volunteer page

from . import vol_queries  # noqa: E402


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def vol_categories() -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.volunteer_categories(conn)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_totals(f: Filters, weekday: int | None, hour: int | None) -> dict:
    with engine().connect() as conn:
        return vol_queries.totals(conn, f, weekday, hour)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_service_cells(f: Filters, measure: str, weekday: int | None, hour: int | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.service_cells(conn, f, measure, weekday, hour)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_month_category(f: Filters, weekday: int | None, hour: int | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.month_category(conn, f, weekday, hour)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_weekday_hour(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.weekday_hour(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_request_funnel(f: Filters, weekday: int | None, hour: int | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.request_funnel(conn, f, weekday, hour)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_stage_durations(f: Filters, weekday: int | None, hour: int | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.stage_durations(conn, f, weekday, hour)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_request_backlog(f: Filters, weekday: int | None, hour: int | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.request_backlog(conn, f, weekday, hour)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_requests_by_area(f: Filters, weekday: int | None, hour: int | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.requests_by_area(conn, f, weekday, hour)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_requests_by_need(f: Filters, weekday: int | None, hour: int | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.requests_by_need(conn, f, weekday, hour)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_station_supply_demand(f: Filters, weekday: int | None, hour: int | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.station_supply_demand(conn, f, weekday, hour)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_teams_by_category(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.teams_by_category(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_top_teams(f: Filters, weekday: int | None, hour: int | None) -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.top_teams(conn, f, weekday, hour)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_kitchens(f: Filters) -> pd.DataFrame:
    with engine().connect() as conn:
        return vol_queries.kitchens(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def vol_scope_outline(f: Filters) -> list[str]:
    with engine().connect() as conn:
        return vol_queries.scope_outline(conn, f)
