"""What pages call: every query function declared once as a cached, guarded query.

`query(fn, ...)` turns a query function `fn(conn, ...)` into the function a page calls: it opens a
connection of the app's read-only engine, caches the result (ttl, size; one copy per process, shared by all
sessions: see `_handout`), and tells the access guard how to
treat it (`access`: scoped by default; `persons`: columns that name a person). The guard (guard.install,
last in this file) then wraps each one: Filters clamped to the session's scope before the cache is
consulted, node codes and building-group ids checked, names masked, small counts suppressed. A query whose
argument the guard does not know stops the import (deny by default).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import sys
from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import streamlit as st
from sqlalchemy import Connection, Engine

from . import guard, offload
from .db import database_url, read_engine
from .filters import Filters
from .guard import EXISTENCE, OPEN, PLACES, SCOPED, WHOLE_DISTRICT, Policy
from .live import refresh
from .queries import datasets, explore, grid, org, overview, quality, volunteers
from .queries import first_records as records
from .visible import visible

TTL_SECONDS = 300  # a backstop: results are dropped as soon as the data version moves (ui.chrome.freshness)
FRESHNESS_TTL_SECONDS = 2  # how long a process may take to notice a refresh
PER_FILTER = 256  # results kept per query (one per filter combination, node or slot)
_declared: list[Callable[..., Any]] = []  # every cached query, to drop all their results at once


def _handout(value: Any) -> Any:
    """A cached result as one caller gets it: a new object over the shared data. Results are kept as live
    objects (st.cache_resource), not pickled: st.cache_data unpickles a fresh copy on every hit, the largest
    single cost of a warm page run under load. pandas' copy-on-write keeps a shared frame intact whatever
    the caller does to its shallow copy. Containers are copied one level deep (frames inside them handed
    out the same way); what lies deeper (a GeoJSON geometry's coordinates) is shared and read-only by rule."""
    if isinstance(value, pd.DataFrame | pd.Series):
        return value.copy(deep=False)
    if isinstance(value, dict):
        return {k: _handout(v) if isinstance(v, pd.DataFrame | pd.Series) else v for k, v in value.items()}
    if isinstance(value, list):
        return list(value)
    if isinstance(value, tuple):
        items = [_handout(v) for v in value]
        return type(value)(*items) if hasattr(value, "_fields") else tuple(items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {f.name: _handout(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
        return dataclasses.replace(value, **changes)
    return value


def clear_results() -> None:
    """Drop every cached query result (and Streamlit's other data caches); engines stay."""
    for fn in _declared:
        fn.clear()
    st.cache_data.clear()


@st.cache_resource(show_spinner=False)
def engine() -> Engine:
    """The app's read-only engine (DATABASE_URL or the embedded SQLite file)."""
    return read_engine(database_url())


def query(
    fn: Callable[..., Any],
    *,
    name: str | None = None,
    ttl: float = TTL_SECONDS,
    max_entries: int | None = PER_FILTER,
    access: str = SCOPED,
    persons: Iterable[str] = (),
    hidden: Iterable[str] = (),
    connection: bool = True,
) -> Callable[..., Any]:
    """The cached query a page calls for fn(conn, *args): args are fn's parameters after the connection,
    except those in `hidden` (which keep fn's defaults). `connection=False` for a function that reads files,
    not the database. The cache keys on the given name (each declaration has its own cache)."""
    name = name or fn.__name__
    params = list(inspect.signature(fn).parameters.values())[1 if connection else 0 :]
    params = [p for p in params if p.name not in set(hidden)]

    home, attr = sys.modules[fn.__module__], fn.__name__
    by_name = getattr(home, attr, None) is fn  # looked up when called, as a written-out call would be

    def run(*args: Any, **kwargs: Any) -> Any:
        target = getattr(home, attr) if by_name else fn
        if not connection:
            return target(*args, **kwargs)
        if by_name and offload.remote(home.__name__, database_url()):
            try:  # in a worker process, on the other core (data_access.offload)
                return offload.call(home.__name__, attr, args, kwargs)
            except offload.WorkerLost:
                pass  # no worker could answer (it is being replaced): this call runs here
        with engine().connect() as conn:
            return visible(target(conn, *args, **kwargs))

    run.__name__ = run.__qualname__ = name  # Streamlit keys a function's cache on its module and name
    run.__module__ = __name__
    run.__doc__ = fn.__doc__
    run.__signature__ = inspect.Signature(params)  # what the guard and the cache's argument hashing read
    shared = st.cache_resource(ttl=ttl, max_entries=max_entries, show_spinner=False)(run)

    @functools.wraps(run)
    def cached(*args: Any, **kwargs: Any) -> Any:
        return _handout(shared(*args, **kwargs))

    cached.__signature__ = run.__signature__
    cached.clear = shared.clear
    cached.guard_policy = Policy(access, frozenset(persons))
    _declared.append(cached)
    return cached


# ---------------------------------------------------------------- dataset, freshness, overview

freshness = query(refresh.freshness, ttl=FRESHNESS_TTL_SECONDS, max_entries=None, access=OPEN)
refresh_runs = query(refresh.recent_runs, max_entries=None, access=WHOLE_DISTRICT, hidden=("limit",))
dataset_info = query(overview.dataset_info, max_entries=None, access=OPEN)
# the day each flow was first recorded, district-wide (dates only): comparisons reach no further back
first_records = query(records.first_records, name="first_records", max_entries=None, access=OPEN)
places = query(overview.places, max_entries=None, access=PLACES)
kpis = query(overview.kpis)
orgs_by_kind = query(overview.orgs_by_kind)
monthly_trend = query(overview.monthly_trend)
area_ranking = query(overview.area_ranking)
overdue_tasks = query(overview.overdue_tasks)
warning_counts = query(overview.warning_counts)

# ---------------------------------------------------------------- organisation page

org_root = query(org.root_code, name="org_root", max_entries=64)
# internal (not guarded, never called by a page): the whole district's org counts, which no filter changes;
# org_tree cuts its scope out of them
_org_stock = query(org.org_stock, name="_org_stock", max_entries=2)


def _org_tree(conn: Connection, f: Filters) -> pd.DataFrame:
    return org.org_tree(conn, f, _org_stock())


org_tree = query(_org_tree, name="org_tree", max_entries=64)
org_kinds_under = query(org.kinds_under, name="org_kinds_under")
org_member_composition = query(org.member_composition, name="org_member_composition")
org_employed_members = query(org.employed_members, name="org_employed_members")
org_meeting_compliance = query(org.meeting_compliance, name="org_meeting_compliance")
org_points_trend = query(org.points_trend, name="org_points_trend")
org_wishes_claimed = query(org.wishes_claimed, name="org_wishes_claimed", hidden=("limit",), persons={"claimant"})
org_open_tasks = query(org.open_tasks, name="org_open_tasks")
org_points_quarter = query(org.points_quarter, name="org_points_quarter")
org_points_year = query(org.points_year, name="org_points_year")
member_points_histogram = query(org.member_points_histogram)
member_points_top = query(org.member_points_top, hidden=("limit",), persons={"name"})


def _node_known(conn: Connection, code: str) -> bool:
    return org.resolve_node(conn, code) is not None


# says only whether a node code exists (to word a notice), so the code is not checked against the scope
org_node_known = query(_node_known, name="org_node_known", access=EXISTENCE)

# ---------------------------------------------------------------- volunteer page

vol_categories = query(volunteers.volunteer_categories, name="vol_categories", max_entries=None, access=OPEN)
vol_totals = query(volunteers.totals, name="vol_totals")
vol_service_cells = query(volunteers.service_cells, name="vol_service_cells")
vol_month_category = query(volunteers.month_category, name="vol_month_category")
vol_weekday_hour = query(volunteers.weekday_hour, name="vol_weekday_hour")
vol_request_funnel = query(volunteers.request_funnel, name="vol_request_funnel")
vol_stage_durations = query(volunteers.stage_durations, name="vol_stage_durations")
vol_request_backlog = query(volunteers.request_backlog, name="vol_request_backlog")
vol_requests_by_area = query(volunteers.requests_by_area, name="vol_requests_by_area")
vol_requests_by_need = query(volunteers.requests_by_need, name="vol_requests_by_need")
vol_station_supply_demand = query(volunteers.station_supply_demand, name="vol_station_supply_demand")
vol_teams_by_category = query(volunteers.teams_by_category, name="vol_teams_by_category")
vol_top_teams = query(volunteers.top_teams, name="vol_top_teams", hidden=("limit",))
vol_kitchens = query(volunteers.kitchens, name="vol_kitchens")
vol_scope_outline = query(volunteers.scope_outline, name="vol_scope_outline")

# ---------------------------------------------------------------- grid map (网格地图)

grid_base = query(grid.base_outlines, name="grid_base", max_entries=None, access=OPEN, connection=False)
grid_scope_area = query(grid.scope_area, name="grid_scope_area")
grid_sibling_areas = query(grid.sibling_areas, name="grid_sibling_areas")
grid_areas = query(grid.grid_areas)
grid_building_groups = query(grid.building_groups, name="grid_building_groups")
grid_facilities = query(grid.facilities, name="grid_facilities")
grid_gaps = query(grid.grid_staffing, name="grid_gaps", hidden=("gaps_only",))
grid_gap_summary = query(grid.gap_summary, name="grid_gap_summary")
grid_group_profile = query(grid.group_profile, name="grid_group_profile", max_entries=512)
grid_group_staff = query(grid.group_staff, name="grid_group_staff", max_entries=512, persons={"name"})
grid_group_teams = query(grid.group_teams, name="grid_group_teams", max_entries=512)
grid_group_activities = query(grid.group_activities, name="grid_group_activities", max_entries=512, hidden=("limit",))

# ---------------------------------------------------------------- explore page (自助分析)

explore_answer = query(explore.explore, name="explore_answer", max_entries=1024)
explore_shapes = query(explore.place_shapes, name="explore_shapes", max_entries=64)

# ---------------------------------------------------------------- data page (数据说明) and data quality

import_runs = query(datasets.import_runs, max_entries=None, access=WHOLE_DISTRICT, hidden=("limit",))
last_rejections = query(datasets.last_rejections, max_entries=None, access=WHOLE_DISTRICT)
table_rows = query(datasets.table_rows, max_entries=8, access=WHOLE_DISTRICT)
published_figures = query(datasets.published_figures, max_entries=None, access=OPEN, connection=False)
org_tree_problems = query(quality.org_tree_problems, max_entries=None, access=OPEN)
unmapped_counts = query(quality.unmapped_counts, max_entries=None, access=OPEN)

# ---------------------------------------------------------------- access guard (keep last)
# Every query above is replaced by its guarded form; queries added above are covered automatically.
guard.install(globals())
