"""Thin cached wrappers that pages call: one engine per process, query results cached with a ttl."""

from __future__ import annotations

import ctypes
import signal
import subprocess
import sys
import threading
from datetime import date

import pandas as pd
import streamlit as st
from sqlalchemy import Engine

from .db import PROJECT_DIR, database_url, read_engine
from .filters import Filters, Places
from .live import refresh
from .queries import overview as queries

TTL_SECONDS = 300  # a backstop: results are dropped as soon as the data version moves (ui.freshness)
FRESHNESS_TTL_SECONDS = 2  # how long a process may take to notice a refresh
EMBEDDED_INTERVAL = 5.0  # seconds between the embedded refresher's turns


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """The app's read-only engine (DATABASE_URL or the embedded SQLite file)."""
    return read_engine(database_url())


@st.cache_data(ttl=FRESHNESS_TTL_SECONDS, show_spinner=False)
def freshness() -> dict:
    """The data version and the refresher's times (ui.freshness drops every cached result when the version
    moves); cached briefly so one query a process serves every viewer."""
    with engine().connect() as conn:
        return refresh.freshness(conn)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def refresh_runs() -> pd.DataFrame:
    with engine().connect() as conn:
        return refresh.recent_runs(conn)


@st.cache_resource(show_spinner=False)
def embedded_refresher(url: str) -> threading.Event:
    """The refresher of the embedded demo file, started by the app (which owns that file) as its own child
    process (`python -m refresher`), so its work never holds the viewers' interpreter lock; it writes through
    its own connection, the pages' stays read-only. One per app process; it ends with the app."""
    return _keep_child("erqi-refresher", ["refresher", "run", "--url", url, "--interval", str(EMBEDDED_INTERVAL)])


@st.cache_resource(show_spinner=False)
def live_demo_simulator(url: str) -> threading.Event:
    """ERQI_LIVE_DEMO=1: the feeding systems, played by `python -m seed.simulate` in a process of its own
    (a separate writer, as the real systems are), which ends with the app."""
    return _keep_child("erqi-simulator", ["seed.simulate", "--url", url])


def _keep_child(name: str, args: list[str]) -> threading.Event:
    """Run `python -m <args>` for as long as the app runs, starting it again should it end. The child is
    started from a thread that lives as long as the app: Linux ends a child when the thread that started it
    ends (PR_SET_PDEATHSIG). Returns the event that stops it (tests)."""
    cmd = [sys.executable, "-m", *args]

    def keep(stop: threading.Event) -> None:
        proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, preexec_fn=_end_with_parent)
        while not stop.wait(5):
            if proc.poll() is not None:
                proc = subprocess.Popen(cmd, cwd=PROJECT_DIR, preexec_fn=_end_with_parent)
        proc.terminate()

    stop = threading.Event()
    threading.Thread(target=keep, args=(stop,), name=name, daemon=True).start()
    return stop


def _end_with_parent() -> None:  # pragma: no cover - runs in the child
    """Linux: the child gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL("libc.so.6").prctl(1, signal.SIGTERM)
    except OSError:
        pass


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


# ---------------------------------------------------------------- organisation page

from .queries import org as org_queries  # noqa: E402  (kept with its wrappers so parallel edits do not collide)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def org_root(f: Filters) -> str:
    with engine().connect() as conn:
        return org_queries.root_code(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=2, show_spinner=False)
def _org_stock() -> org_queries.OrgStock:
    """Internal (not guarded, never called by a page): the whole district's org counts, which no filter
    changes; org_tree cuts its scope out of them."""
    with engine().connect() as conn:
        return org_queries.org_stock(conn)


@st.cache_data(ttl=TTL_SECONDS, max_entries=64, show_spinner=False)
def org_tree(f: Filters) -> pd.DataFrame:
    stock = _org_stock()
    with engine().connect() as conn:
        return org_queries.org_tree(conn, f, stock)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def org_kinds_under(code: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return org_queries.kinds_under(conn, code)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def org_member_composition(code: str, as_of: date) -> pd.DataFrame:
    with engine().connect() as conn:
        return org_queries.member_composition(conn, code, as_of)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def org_employed_members(code: str) -> dict[str, int]:
    with engine().connect() as conn:
        return org_queries.employed_members(conn, code)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def org_meeting_compliance(f: Filters, code: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return org_queries.meeting_compliance(conn, f, code)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def org_points_trend(f: Filters, code: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return org_queries.points_trend(conn, f, code)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def org_wishes_claimed(f: Filters, code: str) -> tuple[dict[str, int], pd.DataFrame]:
    with engine().connect() as conn:
        return org_queries.wishes_claimed(conn, f, code)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def org_open_tasks(code: str, as_of: date) -> pd.DataFrame:
    with engine().connect() as conn:
        return org_queries.open_tasks(conn, code, as_of)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def org_points_quarter(f: Filters) -> date | None:
    with engine().connect() as conn:
        return org_queries.points_quarter(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def org_points_year(f: Filters) -> date | None:
    with engine().connect() as conn:
        return org_queries.points_year(conn, f)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def member_points_histogram(f: Filters, code: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return org_queries.member_points_histogram(conn, f, code)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def member_points_top(f: Filters, code: str) -> pd.DataFrame:
    with engine().connect() as conn:
        return org_queries.member_points_top(conn, f, code)


@st.cache_data(ttl=TTL_SECONDS, max_entries=256, show_spinner=False)
def org_node_known(code: str) -> bool:
    with engine().connect() as conn:
        return org_queries.resolve_node(conn, code) is not None


# ---------------------------------------------------------------- volunteer page

from .queries import volunteers as vol_queries  # noqa: E402


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


# ---------------------------------------------------------------- grid map (网格地图)
from .queries import grid as grid_queries  # noqa: E402  (beside its wrappers, so this section stands on its own)


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


# ---------------------------------------------------------------- data page (数据说明)

from .queries import datasets as data_queries  # noqa: E402  (kept beside its wrappers so the merge with other pages stays simple)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def import_runs() -> pd.DataFrame:
    with engine().connect() as conn:
        return data_queries.import_runs(conn)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def last_rejections() -> pd.DataFrame:
    with engine().connect() as conn:
        return data_queries.last_rejections(conn)


@st.cache_data(ttl=TTL_SECONDS, max_entries=8, show_spinner=False)
def table_rows(tables: tuple[str, ...]) -> dict[str, int]:
    with engine().connect() as conn:
        return data_queries.table_rows(conn, list(tables))


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def published_figures() -> pd.DataFrame:
    return data_queries.published_figures()


# ---------------------------------------------------------------- data quality (rows the pages leave out)

from .queries import quality as quality_queries  # noqa: E402


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def org_tree_problems() -> dict[str, int]:
    with engine().connect() as conn:
        return quality_queries.org_tree_problems(conn)


@st.cache_data(ttl=TTL_SECONDS, show_spinner=False)
def unmapped_counts() -> dict[str, int]:
    with engine().connect() as conn:
        return quality_queries.unmapped_counts(conn)


# ---------------------------------------------------------------- access guard (keep last)
# Every wrapper above is replaced by its guarded form: Filters clamped to the session's scope before the
# cache is consulted, ids checked, names masked, small counts suppressed. Wrappers added above are
# covered automatically; one with an argument the guard does not know stops the import.
from .guard import install  # noqa: E402

install(globals())
