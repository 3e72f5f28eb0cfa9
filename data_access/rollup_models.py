"""Rollup tables: monthly summaries of the big fact tables, rebuilt by data_access.rollups.rebuild.

Pages read these instead of scanning service records, requests and activities, so a page costs the
same whatever the number of raw rows. The date filter is whole months (data_access.filters), which is
why a month is the finest time grain here.

Tables with a `lvl` column hold every level of the place hierarchy at once: lvl 0 is the district
(no place keys), 1 a street/town (street_id), 2 a community/village (street_id, community_id), 3 a
building group (all three keys). A query for a scope reads only that scope's level, so the district
figure is a handful of rows rather than the sum of all building groups.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, Float, Index, Integer, String
from sqlalchemy.orm import Mapped, declared_attr, mapped_column

from .base import Base

LEVELS = {"district": 0, "street": 1, "community": 2, "building_group": 3}


class _Levelled:
    """A rollup holding every level of the place hierarchy, per month: the place keys (null above the
    row's level), the level and the month."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    building_group_id: Mapped[int | None] = mapped_column(Integer)
    lvl: Mapped[int] = mapped_column(Integer)
    month: Mapped[date] = mapped_column(Date)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        """A query reads one level of one place over a range of months."""
        return (Index(f"ix_{cls.__tablename__}", "lvl", "street_id", "community_id", "building_group_id", "month"),)


class RuPlaceMonth(_Levelled, Base):
    """Per level, place and month: volunteer service, party activities and resident requests."""

    __tablename__ = "ru_place_month"
    hours: Mapped[float] = mapped_column(Float, default=0)
    served: Mapped[int] = mapped_column(Integer, default=0)
    sessions: Mapped[int] = mapped_column(Integer, default=0)
    activities: Mapped[int] = mapped_column(Integer, default=0)
    participants: Mapped[int] = mapped_column(Integer, default=0)
    requests: Mapped[int] = mapped_column(Integer, default=0)


class RuServiceMonth(_Levelled, Base):
    """Per level, place, month and volunteer category: hours, people served, sessions."""

    __tablename__ = "ru_service_month"
    category_id: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)
    served: Mapped[int] = mapped_column(Integer)
    sessions: Mapped[int] = mapped_column(Integer)


class RuServiceSlot(_Levelled, Base):
    """Per level, place, month, category and week slot (weekday 0 = Sunday, hour): the time heat map."""

    __tablename__ = "ru_service_slot"
    category_id: Mapped[int] = mapped_column(Integer)
    weekday: Mapped[int] = mapped_column(Integer)
    hour: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)
    served: Mapped[int] = mapped_column(Integer)
    sessions: Mapped[int] = mapped_column(Integer)


class RuServiceCell(_Levelled, Base):
    """Per level, place, month, category and map cell (ix, iy of the volunteer heat map's grid)."""

    __tablename__ = "ru_service_cell"
    category_id: Mapped[int] = mapped_column(Integer)
    ix: Mapped[int] = mapped_column(Integer)
    iy: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)
    served: Mapped[int] = mapped_column(Integer)


class RuServiceTeam(_Levelled, Base):
    """Per level, place, month and team: the work of each team (its station and category follow)."""

    __tablename__ = "ru_service_team"
    team_id: Mapped[int] = mapped_column(Integer)
    station_id: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)
    served: Mapped[int] = mapped_column(Integer)
    sessions: Mapped[int] = mapped_column(Integer)


class RuRequest(_Levelled, Base):
    """Resident requests per level, place, order month and need, by the furthest stage reached as of the
    data date (0 ordered … 4 rated) and, for requests not done, the age bucket they have reached."""

    __tablename__ = "ru_request"
    need_category_id: Mapped[int] = mapped_column(Integer)
    stage: Mapped[int] = mapped_column(Integer)
    age_bucket: Mapped[int] = mapped_column(Integer)  # index into AGE_BOUNDS_H; -1 when done
    requests: Mapped[int] = mapped_column(Integer)


class RuRequestWait(_Levelled, Base):
    """Histogram of the wait for a volunteer per level, place, order month and need; `bucket` is a duration
    bucket (queries.volunteers.duration_bucket). answered 1: order → accepted, the wait the pages show;
    answered 0: never accepted by the data date, order → data date (how long it has been open, which is
    not a wait: an order left unanswered for years would read as a wait of years)."""

    __tablename__ = "ru_request_wait"
    need_category_id: Mapped[int] = mapped_column(Integer)
    answered: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[int] = mapped_column(Integer)
    requests: Mapped[int] = mapped_column(Integer)


class RuRequestStage(_Levelled, Base):
    """Histogram of the time between two stages (queries.volunteers.TRANSITIONS index) per level, place and month."""

    __tablename__ = "ru_request_stage"
    transition: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[int] = mapped_column(Integer)
    requests: Mapped[int] = mapped_column(Integer)


class RuRequestStation(_Levelled, Base):
    """Requests per level, place, station, order month, furthest stage and wait bucket."""

    __tablename__ = "ru_request_station"
    station_id: Mapped[int] = mapped_column(Integer)
    stage: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[int] = mapped_column(Integer)
    requests: Mapped[int] = mapped_column(Integer)


class RuMeeting(Base):
    """Party activities per organisation (and building group), kind and month: how many, and the first and
    last day one was held. Bounded by organisations × kinds × months, whatever the number of activities."""

    __tablename__ = "ru_meeting"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    org_id: Mapped[int] = mapped_column(Integer)
    building_group_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(30))
    month: Mapped[date] = mapped_column(Date)
    meetings: Mapped[int] = mapped_column(Integer)
    first_held_on: Mapped[date] = mapped_column(Date)
    last_held_on: Mapped[date] = mapped_column(Date)
    __table_args__ = (
        Index("ix_ru_meeting_org", "org_id", "kind", "month"),
        Index("ix_ru_meeting_bg", "building_group_id", "kind", "month"),
        Index("ix_ru_meeting_month", "month", "kind"),
        Index("ix_ru_meeting_last", "last_held_on"),
    )


POINTS_BAND = 10  # width of a 先锋积分 band in the member-points rollups (and the organisation page's histogram)


class _PointBands:
    """Members' 先锋积分 per year (period), KEY and band of POINTS_BAND points: how many members, and the
    sum of their points."""

    KEY: str
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    period: Mapped[date] = mapped_column(Date)
    band_start: Mapped[int] = mapped_column(Integer)
    members: Mapped[int] = mapped_column(Integer)
    points_sum: Mapped[float] = mapped_column(Float)

    @declared_attr.directive
    def __table_args__(cls) -> tuple:
        """A query reads one year of some organisations or building groups."""
        return (Index(f"ix_{cls.__tablename__}", "period", cls.KEY),)


class RuOrgPoints(_PointBands, Base):
    """Per organisation: a node's histogram sums its organisations' rows."""

    __tablename__ = "ru_org_points"
    KEY = "org_id"
    org_id: Mapped[int] = mapped_column(Integer)


class RuGroupPoints(_PointBands, Base):
    """Per building group lived in: the grid map's mean points per group and a group's histogram."""

    __tablename__ = "ru_group_points"
    KEY = "building_group_id"
    building_group_id: Mapped[int] = mapped_column(Integer)


class RuTableRows(Base):
    """Rows of every dataset table when the rollups were built (the data page lists them without counting)."""

    __tablename__ = "ru_table_rows"
    table_name: Mapped[str] = mapped_column(String(40), primary_key=True)
    row_count: Mapped[int] = mapped_column(Integer)


ROLLUPS = (
    RuPlaceMonth,
    RuServiceMonth,
    RuServiceSlot,
    RuServiceCell,
    RuServiceTeam,
    RuRequest,
    RuRequestWait,
    RuRequestStage,
    RuRequestStation,
    RuMeeting,
    RuOrgPoints,
    RuGroupPoints,
    RuTableRows,
)
