"""SQLAlchemy 2 models of the whole domain (DESIGN.md §2); one schema for SQLite and PostgreSQL.

Fact tables carry their place keys (street_id, community_id, building_group_id) so that the
global place filter is a plain indexed WHERE, whatever the table.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from . import rollup_models  # noqa: F401 - registers the rollup tables in Base.metadata
from .base import Base

# Kinds of organisation in the tree. The 631 grassroots organisations are every kind but "district".
ORG_KINDS = (
    "district",  # 区委 (root)
    "town",  # 镇党委
    "street",  # 街道党工委
    "park",  # 园区党工委
    "scenic",  # 景区党工委
    "community",  # 社区党组织
    "village",  # 村党组织
    "enterprise",  # 非公企业党组织
    "agency",  # 机关党组织
    "institution",  # 事业单位党组织
    "social_org",  # 社会组织党组织
)
GRASSROOTS_KINDS = ORG_KINDS[1:]
FACILITY_KINDS = ("service_center", "kitchen")
REQUEST_STAGES = ("ordered", "dispatched", "accepted", "done", "rated")
# 党组织活动: code and the label the party-member system writes (the import format accepts either)
ACTIVITY_TYPES: tuple[tuple[str, str], ...] = (
    ("branch_meeting", "支部党员大会"),
    ("committee_meeting", "支部委员会"),
    ("group_meeting", "党小组会"),
    ("party_lecture", "党课"),
    ("theme_day", "主题党日"),
    ("life_meeting", "组织生活会"),
    ("democratic_review", "民主评议党员"),
    ("study", "集中学习"),
    ("dues", "交纳党费"),
    ("report_service", "在职党员报到服务"),
    ("volunteer", "党员志愿服务"),
    ("visit", "走访慰问"),
    ("talk", "谈心谈话"),
)


class DatasetMeta(Base):
    """Key/value facts about the loaded dataset: as_of date, demo flag, seed, scale."""

    __tablename__ = "dataset_meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(200))


class Org(Base):
    """A party organisation; the tree is an adjacency list (parent_id)."""

    __tablename__ = "org"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    depth: Mapped[int] = mapped_column(Integer)
    # nearest street/town and community/village ancestor-or-self, for the place filter
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    is_joint_committee: Mapped[bool] = mapped_column(Boolean, default=False)  # 大工委 / 大党委
    established_on: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (
        Index("ix_org_parent", "parent_id"),
        Index("ix_org_kind", "kind"),
        Index("ix_org_street", "street_id", "community_id"),
    )


class Grid(Base):
    """A grid of the four-level network: 1 district, 2 street/town, 3 community/village, 4 building area."""

    __tablename__ = "grid"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    geometry: Mapped[str | None] = mapped_column(Text)  # GeoJSON Polygon, WGS-84, schematic
    center_lon: Mapped[float | None] = mapped_column(Float)
    center_lat: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (Index("ix_grid_level", "level", "street_id", "community_id"),)


class BuildingGroup(Base):
    """A building party group (楼院党小组/党支部), one per building-area grid."""

    __tablename__ = "building_group"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))  # its community/village org
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("grid.id"))
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    households: Mapped[int] = mapped_column(Integer, default=0)
    is_demonstration: Mapped[bool] = mapped_column(Boolean, default=False)
    theme_name: Mapped[str | None] = mapped_column(String(60))
    __table_args__ = (Index("ix_bg_place", "street_id", "community_id"),)


class Member(Base):
    """A party member. Phone and ID number never leave the query layer unmasked."""

    __tablename__ = "member"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    gender: Mapped[str] = mapped_column(String(1))  # M / F
    birth_date: Mapped[date] = mapped_column(Date)
    education: Mapped[str] = mapped_column(String(20))
    joined_on: Mapped[date] = mapped_column(Date)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    building_group_id: Mapped[int | None] = mapped_column(Integer)  # where the member lives
    is_employed: Mapped[bool] = mapped_column(Boolean, default=False)  # 在职党员
    reported_community_id: Mapped[int | None] = mapped_column(Integer)  # 在职党员报到社区
    phone: Mapped[str | None] = mapped_column(String(20))
    id_number: Mapped[str | None] = mapped_column(String(20))
    __table_args__ = (
        Index("ix_member_org", "org_id"),
        Index("ix_member_place", "street_id", "community_id"),
        Index("ix_member_bg", "building_group_id"),
        Index("ix_member_community", "community_id"),  # per-community counts read the index alone
    )


class GridStaff(Base):
    """1+X staffing of a grid: its leader (网格长) and members (网格员)."""

    __tablename__ = "grid_staff"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    role: Mapped[str] = mapped_column(String(10))  # leader / member
    __table_args__ = (Index("ix_grid_staff_grid", "grid_id"),)


class GridTeam(Base):
    """The Y of 1+X+Y: volunteer teams serving a grid."""

    __tablename__ = "grid_team"
    grid_id: Mapped[int] = mapped_column(ForeignKey("grid.id"), primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("team.id"), primary_key=True)


class OrgPoints(Base):
    """堡垒积分 of an organisation for one period (quarter start date)."""

    __tablename__ = "org_points"
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    points: Mapped[float] = mapped_column(Float)


class MemberPoints(Base):
    """先锋积分 of a member for one period (year start date)."""

    __tablename__ = "member_points"
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    period: Mapped[date] = mapped_column(Date, primary_key=True)
    points: Mapped[float] = mapped_column(Float)
    __table_args__ = (Index("ix_member_points_period", "period", "points"),)  # latest period, top points


class JointMeeting(Base):
    """A joint meeting (联席会议) of a street 大工委 or community 大党委."""

    __tablename__ = "joint_meeting"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    held_on: Mapped[date] = mapped_column(Date)
    attending_units: Mapped[int] = mapped_column(Integer)


class Activity(Base):
    """A party activity recorded in the information system (三会一课, 主题党日 …)."""

    __tablename__ = "activity"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    building_group_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(24))
    title: Mapped[str] = mapped_column(String(120))
    held_on: Mapped[date] = mapped_column(Date)
    participants: Mapped[int] = mapped_column(Integer)
    __table_args__ = (
        Index("ix_activity_held", "held_on"),
        Index("ix_activity_place", "street_id", "community_id", "held_on"),
        Index("ix_activity_org", "org_id", "held_on"),
    )


class ActivityParticipation(Base):
    """One member's attendance at one activity."""

    __tablename__ = "activity_participation"
    activity_id: Mapped[int] = mapped_column(ForeignKey("activity.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    __table_args__ = (Index("ix_participation_member", "member_id"),)


class VolunteerCategory(Base):
    """One of the 10 categories of volunteer team."""

    __tablename__ = "volunteer_category"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(40))


class Station(Base):
    """A volunteer service station (志愿服务站), one per community/village."""

    __tablename__ = "station"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)


class Team(Base):
    """A volunteer team (志愿服务队) of one category, based at one station."""

    __tablename__ = "team"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    category_id: Mapped[int] = mapped_column(ForeignKey("volunteer_category.id"))
    station_id: Mapped[int] = mapped_column(ForeignKey("station.id"))
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    founded_on: Mapped[date] = mapped_column(Date)
    __table_args__ = (Index("ix_team_place", "street_id", "community_id"),)


class Volunteer(Base):
    """A resident volunteer registered at a station."""

    __tablename__ = "volunteer"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(40))
    gender: Mapped[str] = mapped_column(String(1))
    birth_year: Mapped[int] = mapped_column(Integer)
    phone: Mapped[str | None] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(Integer)
    station_id: Mapped[int] = mapped_column(Integer)
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    building_group_id: Mapped[int | None] = mapped_column(Integer)
    registered_on: Mapped[date] = mapped_column(Date)
    __table_args__ = (
        Index("ix_volunteer_place", "street_id", "community_id"),
        Index("ix_volunteer_bg", "building_group_id"),
    )


class ServiceEvent(Base):
    """An organised volunteer service event (志愿服务活动)."""

    __tablename__ = "service_event"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    category_id: Mapped[int] = mapped_column(Integer)
    station_id: Mapped[int] = mapped_column(Integer)
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    building_group_id: Mapped[int | None] = mapped_column(Integer)
    held_on: Mapped[date] = mapped_column(Date)
    __table_args__ = (Index("ix_event_place", "street_id", "community_id", "held_on"),)


class ServiceRecord(Base):
    """A team's service session: volunteer hours and people served at a place and time."""

    __tablename__ = "service_record"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer)
    category_id: Mapped[int] = mapped_column(Integer)
    station_id: Mapped[int] = mapped_column(Integer)
    event_id: Mapped[int | None] = mapped_column(Integer)
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    building_group_id: Mapped[int | None] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    volunteers: Mapped[int] = mapped_column(Integer)
    hours: Mapped[float] = mapped_column(Float)  # volunteer-hours of the session
    people_served: Mapped[int] = mapped_column(Integer)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    __table_args__ = (
        Index("ix_record_started", "started_at"),
        Index("ix_record_place", "street_id", "community_id", "started_at"),
        Index("ix_record_bg", "building_group_id", "started_at"),
    )


class NeedCategory(Base):
    """One of the 5 categories of resident need."""

    __tablename__ = "need_category"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(40))


class ServiceItem(Base):
    """One of the 50 service items residents can order."""

    __tablename__ = "service_item"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(40))
    need_category_id: Mapped[int] = mapped_column(ForeignKey("need_category.id"))


class ServiceRequest(Base):
    """居民点单 → 社区下单 → 志愿者接单: a request and the time it reached each stage."""

    __tablename__ = "service_request"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    service_item_id: Mapped[int] = mapped_column(Integer)
    need_category_id: Mapped[int] = mapped_column(Integer)
    station_id: Mapped[int] = mapped_column(Integer)
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    building_group_id: Mapped[int | None] = mapped_column(Integer)
    team_id: Mapped[int | None] = mapped_column(Integer)
    volunteer_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # the last stage reached
    ordered_at: Mapped[datetime] = mapped_column(DateTime)
    dispatched_at: Mapped[datetime | None] = mapped_column(DateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(DateTime)
    done_at: Mapped[datetime | None] = mapped_column(DateTime)
    rated_at: Mapped[datetime | None] = mapped_column(DateTime)
    rating: Mapped[int | None] = mapped_column(Integer)
    __table_args__ = (
        Index("ix_request_ordered", "ordered_at"),
        Index("ix_request_place", "street_id", "community_id", "ordered_at"),
    )


class Facility(Base):
    """A point facility: 党群服务中心 or 社区小厨房/爱心就餐点."""

    __tablename__ = "facility"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(120))
    org_id: Mapped[int | None] = mapped_column(ForeignKey("org.id"))
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    lon: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    opened_on: Mapped[date | None] = mapped_column(Date)
    people_fed: Mapped[int | None] = mapped_column(Integer)  # kitchens: residents given free meals
    __table_args__ = (Index("ix_facility_place", "kind", "street_id", "community_id"),)


class MicroWish(Base):
    """A micro-wish (微心愿) posted by a resident in need and claimed by a member."""

    __tablename__ = "micro_wish"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(120))
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    building_group_id: Mapped[int | None] = mapped_column(Integer)
    posted_on: Mapped[date] = mapped_column(Date)
    claimed_by: Mapped[int | None] = mapped_column(Integer)  # member id
    claimed_on: Mapped[date | None] = mapped_column(Date)
    fulfilled_on: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (
        Index("ix_wish_place", "street_id", "community_id", "fulfilled_on"),
        Index("ix_wish_claimed", "claimed_by", "claimed_on"),
    )


class SupervisionTask(Base):
    """A supervision task (督查任务) assigned to an org with a due date; overdue raises a warning."""

    __tablename__ = "supervision_task"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(24), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    aspect: Mapped[str] = mapped_column(String(20))
    org_id: Mapped[int] = mapped_column(ForeignKey("org.id"))
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    assigned_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    completed_on: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (Index("ix_task_due", "due_on", "completed_on"),)


class StockSpell(Base):
    """A spell of one counted thing (a member, organisation, building group, team, volunteer or facility) at
    one place: from valid_from (joined, founded, registered, transferred in) until valid_to (left, dissolved,
    transferred out; null while it lasts). A stock as of a day D counts the spells with valid_from <= D and
    (valid_to null or valid_to > D), at the place they held then. The feeding systems write a spell with
    every join, transfer and leaving; dataset_meta's history_from says from when the spells are complete."""

    __tablename__ = "stock_spell"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    stock: Mapped[str] = mapped_column(String(20))  # data_access.history.STOCKS
    ref_id: Mapped[int | None] = mapped_column(Integer)  # its row in the register (None: gone before the data)
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    building_group_id: Mapped[int | None] = mapped_column(Integer)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (
        Index("ix_stock_spell_place", "stock", "street_id", "community_id", "valid_from", "valid_to"),
        Index("ix_stock_spell_bg", "stock", "building_group_id", "valid_from", "valid_to"),
        Index("ix_stock_spell_ref", "stock", "ref_id"),
    )


class ImportRun(Base):
    """One run of `python -m seed.importer`: when, from what, how many rows per entity, and the outcome."""

    __tablename__ = "import_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime)
    finished_at: Mapped[datetime] = mapped_column(DateTime)
    source: Mapped[str] = mapped_column(String(200))  # file or folder name, never a full path
    mode: Mapped[str] = mapped_column(String(10))  # import / dry_run / restore
    status: Mapped[str] = mapped_column(String(10))  # imported / valid / rejected / failed
    row_counts: Mapped[str] = mapped_column(Text)  # JSON: entity -> rows read
    error_count: Mapped[int] = mapped_column(Integer, default=0)
    # JSON: the dataset the run replaced (or would have): {"rows": entity -> rows, "as_of": date, "demo": bool}
    replaced: Mapped[str | None] = mapped_column(Text, nullable=True)
    as_of: Mapped[date | None] = mapped_column(Date, nullable=True)  # the data date it set (or would have)


class ImportRejection(Base):
    """A problem the last import found: the file (or sheet), row as Excel shows it, column and reason."""

    __tablename__ = "import_rejection"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("import_run.id"))
    source_file: Mapped[str] = mapped_column(String(120))
    row_number: Mapped[int | None] = mapped_column(Integer)  # None: the whole file or a column header
    column_name: Mapped[str | None] = mapped_column(String(60))
    value: Mapped[str | None] = mapped_column(String(200))
    reason_zh: Mapped[str] = mapped_column(String(300))
    reason_en: Mapped[str] = mapped_column(String(300))
    __table_args__ = (Index("ix_rejection_run", "run_id"),)
