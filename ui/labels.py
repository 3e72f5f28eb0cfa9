"""Every piece of UI text, Chinese first, English for visitors. t("key") looks one up."""

from __future__ import annotations

import streamlit as st

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "app_title": ("二七区城市基层党建", "Erqi District Party Building"),
    "page_overview": ("总览", "Overview"),
    "page_briefing": ("大屏", "Briefing wall"),
    "briefing_title": ("二七区城市基层党建态势", "Erqi party building at a glance"),
    "refreshed": ("更新于 {t}", "updated {t}"),
    "wan": ("万", "wan"),
    "warnings_now": ("当前预警", "Current warnings"),
    "brief_grid_map": ("四级网格与楼院党小组（示意）", "Grids and building party groups (schematic)"),
    "brief_heat": ("志愿服务热力 · 服务时数", "Where volunteers serve · hours"),
    "brief_heat_focus": ("（建成区）", " (built-up streets)"),
    "brief_heat_focus_away": ("（建成区，另 {n} 个慢站在外）", " (built-up; slow stations beyond: {n})"),
    "warn_overdue_tasks": ("督查任务逾期", "overdue tasks"),
    "warn_meeting_gaps": ("三会一课90天未开展", "三会一课 gaps (90 days)"),
    "warn_staffing_gaps": ("楼院网格1+X+Y缺员", "1+X+Y staffing gaps"),
    "days_overdue": ("逾期{n}天", "{n} days late"),
    "notice_bad_cycle": (
        "链接参数 cycle={value} 无效（应为5–3600秒），已使用 {default} 秒。",
        "URL parameter cycle={value} is invalid (5–3600 s); using {default} s.",
    ),
    "kiosk_bad_playlist": (
        "轮播清单有误，暂停轮播：{reason}",
        "The kiosk playlist is invalid, rotation stopped: {reason}",
    ),
    "kiosk_paused": ("⏸ 已暂停", "⏸ paused"),
    "demo_badge": ("示例数据", "Demo data"),
    "demo_help": (
        "本页数据为按报告公开数字校准的示例数据：人名虚构，街道名称真实，街道/社区/楼院范围为示意。",
        "Synthetic data calibrated to the report's published figures: invented names, real street "
        "names, schematic areas.",
    ),
    "as_of": ("数据截至 {d}", "Data as of {d}"),
    "scope": ("范围", "Scope"),
    "district": ("全区", "Whole district"),
    "all_streets": ("全部街道/镇", "All streets/town"),
    "all_communities": ("全部社区/村", "All communities/villages"),
    "all_groups": ("全部楼院", "All building groups"),
    "street": ("街道/镇", "Street/town"),
    "community": ("社区/村", "Community/village"),
    "building_group": ("楼院党小组", "Building party group"),
    "dates": ("日期范围", "Date range"),
    "dates_help": (
        "统计按整月进行：所选起止日期会扩展到所在月份的第一天和最后一天（不超出数据范围）。",
        "Figures are by whole months: the dates you pick widen to the first and last day of their months "
        "(within the data's span).",
    ),
    "reset": ("重置筛选", "Reset filters"),
    "range": ("时段", "Period"),
    "range_ytd": ("今年以来", "Year to date"),
    "range_all": ("全部", "All data"),
    "range_help": (
        "今年以来：数据日期所在年份的1月1日至数据日期（默认，各指标与上年同期比较）；全部：数据的完整时段（约五年，早于数据起始的对比期无法比较）。",
        "Year to date: 1 January of the data date's year to the data date (the default, compared with the same "
        "months last year); All data: the data's whole span (about five years, too long to compare).",
    ),
    "notice_bad_range": (
        "链接参数 range={value} 无效（应为 ytd 或 all），已使用今年以来。",
        "URL parameter range={value} is invalid (ytd or all); using the year to date.",
    ),
    "language": ("语言 Language", "Language 语言"),
    "filters": ("筛选", "Filters"),
    "share_hint": ("地址栏中的链接即当前视图，可直接复制分享。", "The address bar holds this view; copy it to share."),
    "notice_unknown_place": (
        "链接参数 {key}={value} 不是有效的地点，已忽略。",
        "URL parameter {key}={value} is not a known place; ignored.",
    ),
    "notice_outside_parent": (
        "链接参数 {key}={value} 不在所选上级范围内，已忽略。",
        "URL parameter {key}={value} is outside the chosen parent; ignored.",
    ),
    "notice_bad_date": (
        "链接参数 {key}={value} 不是日期（应为 YYYY-MM-DD），已忽略。",
        "URL parameter {key}={value} is not a date (YYYY-MM-DD); ignored.",
    ),
    "notice_out_of_range": (
        "链接参数 {key}={value} 超出数据时间范围，已忽略。",
        "URL parameter {key}={value} is outside the data's time span; ignored.",
    ),
    "notice_reversed": (
        "链接中的开始日期晚于结束日期，已恢复默认日期范围（今年以来）。",
        "The URL's start date is after its end date; default dates (year to date) restored.",
    ),
    "notice_bad_lang": (
        "链接参数 lang={value} 无效，已使用中文。",
        "URL parameter lang={value} is invalid; using Chinese.",
    ),
    "busy_retrying": (
        "当前访问人数较多，系统正在排队，几秒后自动重试，请勿关闭页面。",
        "Many people are using the dashboard right now; you are queued and it retries in a few seconds.",
    ),
    "db_first_start": ("首次启动：正在生成示例数据库…", "First start: building the demo database…"),
    "db_first_done": ("示例数据库已生成", "Demo database ready"),
    "db_demo_failed": (
        "示例数据库生成失败，原因已记录在服务器日志中。请稍后重试或联系管理员。",
        "The demo database could not be built; the cause is in the server log. Retry later or ask the administrator.",
    ),
    "db_unreachable": (
        "暂时无法连接数据库，请稍后重试。若持续出现，请联系管理员检查数据库服务。",
        "The database cannot be reached right now. Please retry; if it persists, ask the administrator.",
    ),
    "db_not_ready": (
        "所配置的数据库中还没有看板数据。请先运行 `python -m seed --url …` 导入数据。",
        "The configured database holds no dashboard data yet. Run `python -m seed --url …` first.",
    ),
    "db_rollups_outdated": (
        "数据库中的汇总表缺失或来自旧版本，看板暂无法显示。请管理员运行 `python -m seed --rollups-only --url …`"
        "（仅由原始数据重建汇总表，不改动数据），或重新导入数据。",
        "The database's summary tables are missing or from an older version. Ask the administrator to run "
        "`python -m seed --rollups-only --url …` (rebuilds them from the raw rows; the data is not changed) "
        "or to import the data again.",
    ),
    "db_schema_outdated": (
        "数据库结构来自旧版本（缺少本版本所需的表或触发器），看板暂无法显示。请管理员运行 "
        "`python -m refresher migrate --url …`（按版本迁移结构并重建汇总表，不改动数据）。",
        "The database's schema is from an older version (tables or triggers this version needs are missing). "
        "Ask the administrator to run `python -m refresher migrate --url …` (versioned migrations, then the "
        "summaries rebuilt; the data is not changed).",
    ),
    "db_schema_start": ("正在升级示例数据库的结构…", "Upgrading the demo database's schema…"),
    "db_schema_done": ("数据库结构已升级", "Schema upgraded"),
    "db_rollups_start": ("正在更新示例数据库的汇总表…", "Updating the demo database's summary tables…"),
    "db_rollups_done": ("汇总表已更新", "Summary tables updated"),
    "db_config": ("DATABASE_URL 配置无效，请检查。", "DATABASE_URL is not valid; please check it."),
    "retry": ("重试", "Retry"),
    "db_auto_retry": (
        "页面每 {s} 秒自动重试，数据库恢复后自动刷新。",
        "This page retries every {s} s and refreshes by itself once the database is back.",
    ),
    "empty": ("当前筛选条件下没有数据。", "No data under the current filters."),
    # overview
    "sec_org": ("组织体系", "Organisation"),
    "sec_service": ("志愿服务", "Volunteer service"),
    "sec_work": ("阵地与工作", "Facilities and work"),
    "kpi_orgs": ("基层党组织", "Grassroots party orgs"),
    "kpi_members": ("党员", "Party members"),
    "kpi_building_groups": ("楼院党小组", "Building party groups"),
    "kpi_grids": ("四级网格", "Grids (4 levels)"),
    "kpi_joint": ("大工委 / 大党委", "Joint committees"),
    "kpi_activities": ("党内活动", "Party activities"),
    "kpi_teams": ("志愿服务队", "Volunteer teams"),
    "kpi_stations": ("志愿服务站", "Volunteer stations"),
    "kpi_volunteers": ("志愿者", "Volunteers"),
    "kpi_hours": ("志愿服务时数", "Volunteer hours"),
    "kpi_served": ("服务人次", "People served"),
    "kpi_wishes": ("微心愿实现", "Micro-wishes fulfilled"),
    "kpi_events": ("志愿服务活动", "Service events"),
    "kpi_centers": ("党群服务中心", "Party-mass service centres"),
    "kpi_kitchens": ("社区小厨房", "Community kitchens"),
    "kpi_meetings": ("联席会议", "Joint meetings"),
    "kpi_requests": ("居民点单", "Resident requests"),
    "kpi_overdue": ("督查预警", "Overdue tasks"),
    "sub_demonstration": ("其中示范楼院 {n}", "{n} demonstration"),
    "sub_participations": ("参与 {n} 人次", "{n} participations"),
    "sub_people_fed": ("供餐 {n} 人", "{n} people fed"),
    "unit_hours": ("小时", "h"),
    "na": ("—", "—"),
    "na_help": ("此范围下不适用。", "Not applicable at this scope."),
    "def_orgs": (
        "区委以下的基层党组织：镇党委、街道党工委、园区党工委、景区党工委、社区、村、非公企业、机关、事业单位和社会组织党组织（不含楼院党小组）。",
        "Grassroots orgs under the district committee (town, street, park, scenic-area, community, village, enterprise, agency, institution, social-organisation); building groups not included.",
    ),
    "def_members": (
        "在范围内党组织的党员人数（楼院范围：居住在该楼院的党员）；按期末（或数据日期）当日的人数。",
        "Members of orgs in scope (building scope: members living there); on the range's last day (or the data date).",
    ),
    "def_building_groups": (
        "楼院党小组（党支部）数，每个楼院片区网格一个。",
        "Building party groups, one per building-area grid.",
    ),
    "def_grids": (
        "区、街道（镇）、社区（村）、楼院片区四级网格的数量。",
        "Grids of all four levels: district, street/town, community/village, building area.",
    ),
    "def_joint": (
        "设有街道大工委的街道党工委数 / 设有大党委的社区党组织数。",
        "Street committees with a joint committee / community orgs with a joint committee.",
    ),
    "def_activities": (
        "日期范围内依托党建信息系统开展的各类党内活动次数；副标题为参与党员人次。",
        "Party activities recorded in the information system within the dates; subtitle: participations.",
    ),
    "def_teams": (
        "志愿服务队数（10大类）；楼院范围为服务该楼院网格的队伍（1+X+Y 中的 Y）。",
        "Volunteer teams (10 categories); building scope: teams serving its grid (the Y of 1+X+Y).",
    ),
    "def_stations": ("志愿服务站数，每个社区/村一个。", "Volunteer stations, one per community/village."),
    "def_volunteers": (
        "在范围内志愿服务站注册的居民志愿者（楼院范围：居住在该楼院）。",
        "Resident volunteers registered at stations in scope (building scope: living there).",
    ),
    "def_hours": (
        "日期范围内志愿服务记录的志愿者服务时数之和。",
        "Sum of volunteer-hours in service records within the dates.",
    ),
    "def_served": (
        "日期范围内志愿服务记录的服务人次之和。",
        "Sum of people served in service records within the dates.",
    ),
    "def_wishes": ("日期范围内实现（完成）的微心愿数。", "Micro-wishes fulfilled within the dates."),
    "def_events": ("日期范围内组织开展的志愿服务活动场次。", "Organised volunteer service events within the dates."),
    "def_centers": ("社区党群服务中心数量。", "Party-mass service centres."),
    "def_kitchens": (
        "社区小厨房、爱心就餐点数量；副标题为免费供餐人数（数据中只有当前数，故只在截至数据日期时显示）。",
        "Community kitchens and charity canteens; subtitle: people given free meals (only today's figure is "
        "in the data, so it is shown only for a range reaching the data date).",
    ),
    "def_meetings": (
        "日期范围内街道大工委、社区大党委召开的联席会议次数。",
        "Joint meetings of joint committees within the dates.",
    ),
    "def_requests": ("日期范围内居民点单（服务需求）数量。", "Resident service requests ordered within the dates."),
    "def_overdue": (
        "截至数据日期已过期限仍未完成的督查任务数。",
        "Supervision tasks past due and not completed on the data date.",
    ),
    "orgs_by_kind": ("基层党组织构成", "Grassroots orgs by kind"),
    "trend": ("月度趋势", "Monthly trend"),
    "trend_activities": ("党内活动（次）", "Party activities"),
    # what a chart of months shows, said to a screen reader (charts.describe: the chart's aria-label)
    "chart_months": ("{title}逐月走势图", "{title} month by month"),
    "chart_months_partial": (
        "{title}逐月走势图（如有未满月，以空心点单独标出）",
        "{title} month by month (a month still in progress, if any, a hollow point apart)",
    ),
    "trend_hours": ("志愿服务时数（小时）", "Volunteer hours"),
    "ranking_streets": ("街道（镇）排名", "Streets ranked"),
    "ranking_communities": ("社区（村）排名", "Communities ranked"),
    "ranking_measure": ("排名指标", "Rank by"),
    "ranking_none": (
        "当前范围为单个社区或楼院，无下级排名。",
        "The scope is a single community or building; nothing below to rank.",
    ),
    "warnings": ("督查预警（逾期未完成）", "Supervision warnings (overdue)"),
    "warnings_none": ("当前范围内没有逾期督查任务。", "No overdue supervision tasks in scope."),
    "download_csv": ("下载 CSV", "Download CSV"),
    "col_area": ("地区", "Area"),
    "col_members": ("党员", "Members"),
    "col_building_groups": ("楼院党小组", "Building groups"),
    "col_volunteers": ("志愿者", "Volunteers"),
    "col_hours": ("服务时数", "Hours"),
    "col_served": ("服务人次", "Served"),
    "col_activities": ("党内活动", "Activities"),
    "col_requests": ("居民点单", "Requests"),
    "col_title": ("任务", "Task"),
    "col_aspect": ("方面", "Aspect"),
    "col_org": ("责任组织", "Responsible org"),
    "col_due": ("期限", "Due"),
    "col_days_overdue": ("逾期天数", "Days overdue"),
    "col_kind": ("类型", "Kind"),
    "col_orgs": ("数量", "Count"),
    "col_month": ("月份", "Month"),
    "kind_town": ("镇党委", "Town"),
    "kind_street": ("街道党工委", "Street"),
    "kind_park": ("园区党工委", "Park"),
    "kind_scenic": ("景区党工委", "Scenic area"),
    "kind_community": ("社区党组织", "Community"),
    "kind_village": ("村党组织", "Village"),
    "kind_enterprise": ("非公企业党组织", "Non-public enterprise"),
    "kind_agency": ("机关党组织", "Agency"),
    "kind_institution": ("事业单位党组织", "Public institution"),
    "kind_social_org": ("社会组织党组织", "Social organisation"),
    "schematic": (
        "街道、社区、楼院范围为示意，非测绘边界。",
        "Street, community and building areas are schematic, not surveyed.",
    ),
}


LANG_STATE = "_lang"


def current_lang() -> str:
    """The UI language of the session: taken from the `lang` URL parameter on its first run, else Chinese."""
    lang = st.session_state.get(LANG_STATE)  # one look-up: t() asks for every text it draws
    if lang is None:
        lang = st.query_params.get("lang", "zh")
        lang = lang if lang in LANGS else "zh"
        st.session_state[LANG_STATE] = lang
    return lang


def t(_key: str, **fmt: object) -> str:
    """The text for key in the current language, formatted with fmt."""
    zh, en = TEXT[_key]
    text = en if current_lang() == "en" else zh
    return text.format(**fmt) if fmt else text


def kind_label(kind: str) -> str:
    return t(f"kind_{kind}")


# Each room keeps its own texts (ui/<room>/text.py) and the chrome its own (ui/chrome/: db_status_text,
# freshness_text, snapshot_text); they are gathered here once, so t() knows every key wherever it is called.
def _gather() -> None:
    from importlib import import_module

    for module in (
        "ui.chrome.db_status_text",
        "ui.chrome.freshness_text",
        "ui.chrome.snapshot_text",
        "ui.access.text",
        "ui.data.text",
        "ui.explore.text",
        "ui.grid.text",
        "ui.org.text",
        "ui.volunteers.text",
    ):
        for key, texts in import_module(module).TEXT.items():
            if key in TEXT:
                raise KeyError(f"text key {key!r} defined twice ({module})")
            TEXT[key] = texts


_gather()
