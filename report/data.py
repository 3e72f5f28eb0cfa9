"""What the briefing is made of: its place, its period and every frame it shows (build.gather fills it in,
the HTML composes it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

import pandas as pd

from data_access.filters import Filters

from .period import Period

RANK_MEASURE = "hours"  # the overview's default ranking measure, and the wall's


@dataclass(frozen=True)
class Place:
    """The report's scope: the district, one street/town or one community/village."""

    level: str  # district, street, community
    code: str | None
    path: tuple[str, ...]  # names from the district down
    street_id: int | None = None
    community_id: int | None = None


@dataclass(frozen=True)
class MapData:
    """What the two maps draw (frames as the grid and volunteer queries return them)."""

    district: dict  # the district outline (GeoJSON geometry)
    scope: str | None  # the scope's own outline (GeoJSON text), None at district level or when missing
    areas: pd.DataFrame  # grid areas one level down: name, geometry, center_lon, center_lat
    groups: pd.DataFrame  # building groups: lon, lat, is_demonstration, street, community
    siblings: pd.DataFrame  # areas beside the scope: drawn faintly, never named
    cells: pd.DataFrame  # service hours per ~400 m cell (the district's heat map): lon, lat, value
    area_hours: pd.DataFrame  # service hours per area one level down (code, hours): a street's, a community's
    group_hours: pd.DataFrame  # building groups with service (lon, lat, hours): a street's circles


@dataclass(frozen=True)
class ReportData:
    """Everything the briefing shows."""

    place: Place
    period: Period
    mode: str
    lang: str
    filters: Filters
    previous: Filters | None
    first_day: date
    as_of: date
    is_demo: bool
    live: bool
    generated: datetime
    kpis: dict
    kpis_before: dict
    ranking: pd.DataFrame
    ranking_before: pd.DataFrame | None
    warnings: pd.DataFrame
    overdue: pd.DataFrame
    meeting_gaps: pd.DataFrame
    staffing_gaps: pd.DataFrame
    maps: MapData
