"""What an import file looks like: one entity per CSV file or .xlsx sheet, Chinese column headers.

Each entity names its file stem (``org.csv``) and its sheet name (``组织``); either is accepted as the
name of a CSV file or of a sheet. Columns are declared once here; the reader, the validator, the
templates and the data page all read these declarations.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from data_access import models as m

ORG_KIND_LABELS = {
    "区委": "district",
    "镇党委": "town",
    "街道党工委": "street",
    "园区党工委": "park",
    "景区党工委": "scenic",
    "社区党组织": "community",
    "村党组织": "village",
    "非公企业党组织": "enterprise",
    "机关党组织": "agency",
    "事业单位党组织": "institution",
    "社会组织党组织": "social_org",
}
# Characters no text value may hold: bidirectional embeddings, overrides, isolates and marks (they reorder
# what is shown: a name that reads backwards) and C0/C1 controls other than tab, newline and carriage return
# (a CRLF line break in a cell is ordinary text; NUL is not).
# The importer refuses them; the screen drops them from data written by other systems (ui.safe_text).
HIDDEN_CHARACTERS = re.compile("[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
GENDER_LABELS = {"男": "M", "女": "F"}
ROLE_LABELS = {"网格长": "leader", "网格员": "member"}
FACILITY_LABELS = {"党群服务中心": "service_center", "社区小厨房": "kitchen", "爱心就餐点": "kitchen"}
ACTIVITY_LABELS = {label: code for code, label in m.ACTIVITY_TYPES}
CRS_LABELS = {"WGS-84": "wgs84", "WGS84": "wgs84", "GCJ-02": "gcj02", "GCJ02": "gcj02"}
LEVEL_LABELS = {"1": 1, "2": 2, "3": 3, "4": 4}


ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # GB 11643-1999


def id_check_digit(first17: str) -> str:
    """The 18th character of a citizen identity number (GB 11643-1999) from its first 17 digits."""
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS)) % 11]

COMMUNITY_KINDS = ("community", "village")
STREET_KINDS = ("street", "town")


@dataclass(frozen=True, eq=False)
class Col:
    """One column: its Chinese header, the field it fills, its type and rules."""

    header: str
    field: str
    kind: str  # text, int, float, date, datetime, bool, choice, ref, lon, lat, crs, geojson
    required: bool = False
    ref: str | None = None  # the entity a ref column points at (by its key)
    ref_kinds: tuple[str, ...] = ()  # a ref to org must be one of these org kinds
    choices: dict | None = None  # label -> stored value; the stored values themselves are accepted too
    max_len: int | None = None
    lo: float | None = None
    hi: float | None = None
    example_note: str = ""
    usual: tuple[float, float] | None = None  # outside: implausible (a typo?), imported only when confirmed
    # a number kept as text, which a spreadsheet mangles when it takes it for a number (scientific notation,
    # a trailing .0, digits past the 15th zeroed): "id_number" (身份证号) or "phone"; refused with advice
    digits: str | None = None


@dataclass(frozen=True, eq=False)
class Entity:
    """One entity of the import set and the table it fills."""

    key: str  # file stem
    sheet: str  # Chinese sheet / file name
    model: type
    cols: tuple[Col, ...]
    key_fields: tuple[str, ...] = ()  # duplicates are checked on these
    required: bool = False  # must be present in every import
    note: str = ""
    by_field: dict[str, Col] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_field.update({c.field: c for c in self.cols})


def _len(model: type, column: str) -> int | None:
    return getattr(model.__table__.c[column].type, "length", None)


def text(
    header: str, fld: str, model: type, required: bool = False, column: str | None = None, digits: str | None = None
) -> Col:
    return Col(header, fld, "text", required, max_len=_len(model, column or fld), digits=digits)


def ref(header: str, fld: str, target: str, required: bool = False, kinds: tuple[str, ...] = ()) -> Col:
    return Col(header, fld, "ref", required, ref=target, ref_kinds=kinds)


def coords() -> tuple[Col, ...]:
    return (
        Col("经度", "lon", "lon"),
        Col("纬度", "lat", "lat"),
        Col("坐标系", "crs", "crs", choices=CRS_LABELS),
    )


ENTITIES: tuple[Entity, ...] = (
    Entity(
        "org",
        "组织",
        m.Org,
        (
            text("组织编码", "code", m.Org, True),
            text("组织名称", "name", m.Org, True),
            Col("组织类型", "kind", "choice", True, choices=ORG_KIND_LABELS),
            ref("上级组织编码", "parent", "org"),
            Col("是否大工委大党委", "is_joint", "bool"),
            Col("成立日期", "established_on", "date"),
        ),
        ("code",),
        required=True,
        note="恰有一个无上级的组织（区委）；上级关系不得成环。",
    ),
    Entity(
        "grid",
        "网格",
        m.Grid,
        (
            text("网格编码", "code", m.Grid, True),
            text("网格名称", "name", m.Grid, True),
            Col("网格层级", "level", "choice", True, choices=LEVEL_LABELS),
            ref("上级网格编码", "parent", "grid"),
            ref("所属组织编码", "org", "org", True),
            Col("中心经度", "lon", "lon"),
            Col("中心纬度", "lat", "lat"),
            Col("范围GeoJSON", "geometry", "geojson"),
            Col("坐标系", "crs", "crs", choices=CRS_LABELS),
        ),
        ("code",),
        required=True,
        note="层级 1 区、2 街道/镇、3 社区/村、4 楼院片区；每个街道/镇和社区/村组织各有一个对应网格；第1级网格不填范围时取二七区边界。",
    ),
    Entity(
        "building_group",
        "楼院党小组",
        m.BuildingGroup,
        (
            text("楼院编码", "code", m.BuildingGroup, True),
            text("楼院名称", "name", m.BuildingGroup, True),
            ref("所属社区组织编码", "org", "org", True, COMMUNITY_KINDS),
            ref("网格编码", "grid", "grid"),
            *coords(),
            Col("户数", "households", "int", lo=0, usual=(0, 5_000)),
            Col("是否示范楼院", "is_demonstration", "bool"),
            text("示范主题", "theme_name", m.BuildingGroup),
        ),
        ("code",),
    ),
    Entity(
        "member",
        "党员",
        m.Member,
        (
            text("党员编号", "code", m.Member, True),
            text("姓名", "name", m.Member, True),
            Col("性别", "gender", "choice", True, choices=GENDER_LABELS),
            Col("出生日期", "birth_date", "date", True),
            text("学历", "education", m.Member, True),
            Col("入党日期", "joined_on", "date", True),
            ref("所属组织编码", "org", "org", True),
            ref("居住楼院编码", "building_group", "building_group"),
            Col("是否在职党员", "is_employed", "bool"),
            ref("报到社区组织编码", "reported", "org", kinds=COMMUNITY_KINDS),
            text("手机号码", "phone", m.Member, digits="phone"),
            text("身份证号", "id_number", m.Member, digits="id_number"),
        ),
        ("code",),
    ),
    Entity(
        "grid_staff",
        "网格员",
        m.GridStaff,
        (
            ref("网格编码", "grid", "grid", True),
            ref("党员编号", "member", "member", True),
            Col("角色", "role", "choice", True, choices=ROLE_LABELS),
        ),
        ("grid", "member"),
    ),
    Entity(
        "org_points",
        "堡垒积分",
        m.OrgPoints,
        (
            ref("组织编码", "org", "org", True),
            Col("期间", "period", "date", True),
            Col("积分", "points", "float", True, usual=(0, 1_000)),
        ),
        ("org", "period"),
        note="期间填季度首日，如 2017-07-01。",
    ),
    Entity(
        "member_points",
        "先锋积分",
        m.MemberPoints,
        (
            ref("党员编号", "member", "member", True),
            Col("期间", "period", "date", True),
            Col("积分", "points", "float", True, usual=(0, 1_000)),
        ),
        ("member", "period"),
        note="期间填年度首日，如 2017-01-01。",
    ),
    Entity(
        "joint_meeting",
        "联席会议",
        m.JointMeeting,
        (
            ref("组织编码", "org", "org", True, (*STREET_KINDS, *COMMUNITY_KINDS)),
            Col("召开日期", "held_on", "date", True),
            Col("参会单位数", "attending_units", "int", True, lo=0, usual=(0, 500)),
        ),
    ),
    Entity(
        "activity",
        "党内活动",
        m.Activity,
        (
            ref("组织编码", "org", "org", True),
            ref("楼院编码", "building_group", "building_group"),
            Col("活动类型", "kind", "choice", True, choices=ACTIVITY_LABELS),
            text("活动名称", "title", m.Activity, True),
            Col("活动日期", "held_on", "date", True),
            Col("参加人数", "participants", "int", True, lo=0, usual=(0, 5_000)),
        ),
        note="逐人参加记录不导入；参与人次按“参加人数”合计。",
    ),
    Entity(
        "volunteer_category",
        "志愿服务类别",
        m.VolunteerCategory,
        (text("类别编码", "code", m.VolunteerCategory, True), text("类别名称", "name", m.VolunteerCategory, True)),
        ("code",),
    ),
    Entity(
        "station",
        "志愿服务站",
        m.Station,
        (
            text("站点编码", "code", m.Station, True),
            text("站点名称", "name", m.Station, True),
            ref("所属社区组织编码", "org", "org", True, COMMUNITY_KINDS),
            *coords(),
        ),
        ("code",),
    ),
    Entity(
        "team",
        "志愿服务队",
        m.Team,
        (
            text("队伍编码", "code", m.Team, True),
            text("队伍名称", "name", m.Team, True),
            ref("类别编码", "category", "volunteer_category", True),
            ref("站点编码", "station", "station", True),
            Col("成立日期", "founded_on", "date", True),
        ),
        ("code",),
    ),
    Entity(
        "grid_team",
        "网格志愿服务队",
        m.GridTeam,
        (ref("网格编码", "grid", "grid", True), ref("队伍编码", "team", "team", True)),
        ("grid", "team"),
    ),
    Entity(
        "volunteer",
        "志愿者",
        m.Volunteer,
        (
            Col("志愿者编号", "code", "text", True, max_len=24),
            text("姓名", "name", m.Volunteer, True),
            Col("性别", "gender", "choice", True, choices=GENDER_LABELS),
            Col("出生年份", "birth_year", "int", True, lo=1900, hi=2100),
            text("手机号码", "phone", m.Volunteer, digits="phone"),
            ref("所属队伍编码", "team", "team"),
            ref("站点编码", "station", "station", True),
            ref("居住楼院编码", "building_group", "building_group"),
            Col("注册日期", "registered_on", "date", True),
        ),
        ("code",),
        note="志愿者编号只用于本次导入中的引用（居民点单的接单志愿者）。",
    ),
    Entity(
        "service_event",
        "志愿服务活动",
        m.ServiceEvent,
        (
            Col("活动编号", "code", "text", True, max_len=24),
            text("活动名称", "title", m.ServiceEvent, True),
            ref("类别编码", "category", "volunteer_category", True),
            ref("站点编码", "station", "station", True),
            ref("楼院编码", "building_group", "building_group"),
            Col("活动日期", "held_on", "date", True),
        ),
        ("code",),
    ),
    Entity(
        "service_record",
        "志愿服务记录",
        m.ServiceRecord,
        (
            ref("队伍编码", "team", "team", True),
            ref("活动编号", "event", "service_event"),
            ref("楼院编码", "building_group", "building_group"),
            Col("开始时间", "started_at", "datetime", True),
            Col("志愿者人数", "volunteers", "int", True, lo=0, usual=(0, 1_000)),
            Col("志愿服务时数", "hours", "float", True, lo=0, usual=(0, 10_000)),
            Col("服务人次", "people_served", "int", True, lo=0, usual=(0, 50_000)),
            *coords(),
        ),
        note="志愿服务时数为本次服务全部志愿者的时数合计；未填坐标时取楼院或站点的坐标。",
    ),
    Entity(
        "need_category",
        "需求类别",
        m.NeedCategory,
        (text("类别编码", "code", m.NeedCategory, True), text("类别名称", "name", m.NeedCategory, True)),
        ("code",),
    ),
    Entity(
        "service_item",
        "服务项目",
        m.ServiceItem,
        (
            text("项目编码", "code", m.ServiceItem, True),
            text("项目名称", "name", m.ServiceItem, True),
            ref("需求类别编码", "need_category", "need_category", True),
        ),
        ("code",),
    ),
    Entity(
        "service_request",
        "居民点单",
        m.ServiceRequest,
        (
            ref("服务项目编码", "service_item", "service_item", True),
            ref("站点编码", "station", "station", True),
            ref("楼院编码", "building_group", "building_group"),
            ref("接单队伍编码", "team", "team"),
            ref("接单志愿者编号", "volunteer", "volunteer"),
            Col("点单时间", "ordered_at", "datetime", True),
            Col("派单时间", "dispatched_at", "datetime"),
            Col("接单时间", "accepted_at", "datetime"),
            Col("完成时间", "done_at", "datetime"),
            Col("评价时间", "rated_at", "datetime"),
            Col("评分", "rating", "int", lo=1, hi=5),
        ),
        note="各环节时间须依次不早于前一环节，且不得跳过环节；状态取最后到达的环节。",
    ),
    Entity(
        "facility",
        "服务设施",
        m.Facility,
        (
            text("设施编码", "code", m.Facility, True),
            Col("设施类型", "kind", "choice", True, choices=FACILITY_LABELS),
            text("设施名称", "name", m.Facility, True),
            ref("所属组织编码", "org", "org"),
            *coords(),
            Col("启用日期", "opened_on", "date"),
            Col("就餐人数", "people_fed", "int", lo=0, usual=(0, 100_000)),
        ),
        ("code",),
    ),
    Entity(
        "micro_wish",
        "微心愿",
        m.MicroWish,
        (
            text("心愿内容", "title", m.MicroWish, True),
            ref("社区组织编码", "org", "org", True, COMMUNITY_KINDS),
            ref("楼院编码", "building_group", "building_group"),
            Col("发布日期", "posted_on", "date", True),
            ref("认领党员编号", "claimed_by", "member"),
            Col("认领日期", "claimed_on", "date"),
            Col("实现日期", "fulfilled_on", "date"),
        ),
    ),
    Entity(
        "supervision_task",
        "督查任务",
        m.SupervisionTask,
        (
            text("任务编码", "code", m.SupervisionTask, True),
            text("任务名称", "title", m.SupervisionTask, True),
            text("工作方面", "aspect", m.SupervisionTask, True),
            ref("责任组织编码", "org", "org", True),
            Col("交办日期", "assigned_on", "date", True),
            Col("截止日期", "due_on", "date", True),
            Col("完成日期", "completed_on", "date"),
        ),
        ("code",),
    ),
)

BY_KEY = {e.key: e for e in ENTITIES}
BY_SHEET = {e.sheet: e for e in ENTITIES}
IGNORED_SHEETS = ("说明", "readme", "README")


def entity_named(name: str) -> Entity | None:
    """The entity a file stem or sheet name stands for (``org``, ``组织``), if any."""
    return BY_KEY.get(name) or BY_SHEET.get(name) or BY_KEY.get(name.lower())
