"""UI text of the volunteer page (志愿服务), Chinese first; merged into ui.labels.TEXT."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "page_volunteers": ("志愿服务", "Volunteer service"),
    # page filter and selections
    "vol_categories": ("志愿服务类别", "Volunteer categories"),
    "vol_categories_all": ("全部类别", "All categories"),
    "vol_notice_category": (
        "链接参数 vcat 中的 {value} 不是有效的志愿服务类别，已忽略。",
        "URL parameter vcat: {value} is not a volunteer category; ignored.",
    ),
    "vol_selected": (
        "已选：{what}（双击图中空白处或点“清除选择”取消）",
        "Selected: {what} (double-click the chart or press Clear)",
    ),
    "vol_clear": ("清除选择", "Clear selection"),
    "vol_requests_note": (
        "居民点单按 5 大需求类别统计，不受志愿服务类别筛选影响；月份、星期和时段选择同样作用于点单。",
        "Requests have their own 5 need categories, so the volunteer-category filter does not apply to them; "
        "month, weekday and hour selections do.",
    ),
    # tiles
    "vol_kpi_hours": ("服务时数（小时）", "Volunteer hours"),
    "vol_kpi_served": ("服务人次", "People served"),
    "vol_kpi_events": ("志愿服务活动", "Service events"),
    "vol_kpi_requests": ("居民点单", "Resident requests"),
    "vol_kpi_teams": ("志愿服务队", "Volunteer teams"),
    "vol_kpi_stations": ("志愿服务站", "Volunteer stations"),
    "vol_kpi_kitchens": ("社区小厨房", "Community kitchens"),
    "vol_sub_sessions": ("{n} 次服务", "{n} sessions"),
    "vol_sub_unmet": ("未接单 {n}", "{n} unanswered"),
    "vol_def_hours": (
        "日期范围内、所选类别与时段的志愿服务记录时数之和；副标题为服务场次。",
        "Volunteer-hours of service records in the dates, categories and slot; subtitle: sessions.",
    ),
    "vol_def_served": ("同上范围内服务人次之和。", "People served in the same records."),
    "vol_def_events": (
        "日期范围内举办的志愿服务活动场次（按活动类别筛选）；活动只记日期，选中星期×时段时不适用。",
        "Organised service events held in the dates (in the chosen categories); events carry a day, not an hour, "
        "so a picked weekday × hour slot does not apply.",
    ),
    "vol_def_requests": (
        "日期范围内居民点单数；未接单：截至数据日期仍无志愿者接单。",
        "Requests ordered in the dates; unanswered: no volunteer had accepted by the data date.",
    ),
    "vol_def_teams": (
        "所选类别的志愿服务队数；楼院范围为服务该楼院网格的队伍。",
        "Teams of the chosen categories; building scope: teams serving its grid.",
    ),
    "vol_def_stations": ("志愿服务站数，每个社区/村一个。", "Volunteer stations, one per community/village."),
    "vol_def_kitchens": (
        "社区小厨房、爱心就餐点数量；副标题为免费供餐人数（数据中只有当前数，故只在截至数据日期时显示）。",
        "Community kitchens and charity canteens; subtitle: people given free meals (only today's figure is "
        "in the data, so it is shown only for a range reaching the data date).",
    ),
    # sections
    "vol_sec_where": ("服务分布热力图", "Where service happens"),
    "vol_sec_when": ("服务时间热力图", "When service happens"),
    "vol_sec_flow": ("居民点单流程", "Request flow"),
    "vol_sec_supply": ("供需对照：各志愿服务站", "Supply and demand by station"),
    "vol_sec_teams": ("服务队、服务站与小厨房", "Teams, stations and kitchens"),
    # map
    "vol_measure": ("热力指标", "Heat measure"),
    "measure_hours": ("服务时数", "Volunteer hours"),
    "measure_served": ("服务人次", "People served"),
    "measure_requests": ("居民点单", "Requests"),
    "measure_unmet": ("未接单", "Unanswered requests"),
    "vol_map_caption": (
        "约 400 米网格汇总（{n} 个网格）；红圈：等待接单最久的 {k} 个服务站；绿点：社区小厨房。底图为区界（离线）。",
        "Summed on a ~400 m grid ({n} cells); red rings: the {k} stations with the longest waits; "
        "green dots: kitchens. Base: district outlines (offline).",
    ),
    "vol_tip_station": (
        "{station}（{community}）<br/>点单 {requests} · 未接单 {unmet}<br/>等待接单中位数 {median}",
        "{station} ({community})<br/>{requests} requests · {unmet} unanswered<br/>median wait {median}",
    ),
    "vol_tip_kitchen": ("{name}<br/>供餐 {fed} 人", "{name}<br/>{fed} people fed"),
    # time heatmaps
    "vol_month_category": ("月份 × 服务类别（服务时数）", "Month × category (hours)"),
    "vol_weekday_hour": ("星期 × 开始时段（服务时数）", "Weekday × hour started (hours)"),
    "vol_click_hint": ("点击格子可将本页其余部分限定到该格。", "Click a cell to narrow the rest of the page to it."),
    "col_weekday": ("星期", "Weekday"),
    "col_hour": ("时段", "Hour"),
    "col_category": ("类别", "Category"),
    "col_sessions": ("服务场次", "Sessions"),
    "wd_0": ("周日", "Sun"),
    "wd_1": ("周一", "Mon"),
    "wd_2": ("周二", "Tue"),
    "wd_3": ("周三", "Wed"),
    "wd_4": ("周四", "Thu"),
    "wd_5": ("周五", "Fri"),
    "wd_6": ("周六", "Sat"),
    # request flow
    "vol_funnel": ("各环节点单数", "Requests reaching each stage"),
    "stage_ordered": ("居民点单", "Ordered"),
    "stage_dispatched": ("社区下单", "Dispatched"),
    "stage_accepted": ("志愿者接单", "Accepted"),
    "stage_done": ("服务完成", "Done"),
    "stage_rated": ("居民评价", "Rated"),
    "vol_durations": ("环节用时", "Time between stages"),
    "col_transition": ("环节", "Between"),
    "col_requests_n": ("点单数", "Requests"),
    "col_median_h": ("中位数", "Median"),
    "col_p90_h": ("90% 分位", "90th pct"),
    "vol_backlog": ("未完成点单积压（按已等待时长）", "Open requests by age"),
    "vol_backlog_caption": (
        "日期范围内点单、截至数据日期 {d} 尚未完成的 {n} 件，按已等待时长分组、按所处环节着色。",
        "{n} requests ordered in the dates and not done by the data date {d}, by age, coloured by their stage.",
    ),
    "age_lt1d": ("<1天", "<1 d"),
    "age_1to3d": ("1–3天", "1–3 d"),
    "age_3to7d": ("3–7天", "3–7 d"),
    "age_1to4w": ("1–4周", "1–4 wk"),
    "age_1to3m": ("1–3月", "1–3 mo"),
    "age_3to12m": ("3–12月", "3–12 mo"),
    "age_gt1y": (">1年", ">1 yr"),
    "col_age": ("已等待", "Age"),
    "col_stage": ("所处环节", "Stage"),
    "vol_by_area_streets": ("按街道（镇）", "By street/town"),
    "vol_by_area_communities": ("按社区（村）", "By community/village"),
    "vol_by_need": ("按需求类别", "By need category"),
    "col_need": ("需求类别", "Need"),
    "col_accepted": ("已接单", "Accepted"),
    "col_done": ("已完成", "Done"),
    "col_unmet": ("未接单", "Unanswered"),
    "col_open": ("未完成", "Open"),
    "col_unmet_share": ("未接单率", "Unanswered share"),
    "col_median_wait_h": ("等待接单中位数(时)", "Median wait (h)"),
    "col_median_wait": ("等待接单中位数", "Median wait"),  # tables: the unit (小时 or 天) follows
    "col_p90_wait": ("等待接单90%分位", "90th pct wait"),
    # the stations table's narrow column: its caption says the waits are 等待接单
    "col_median_wait_short": ("中位等待", "Median wait"),
    "col_p90_wait_short": ("90%分位等待", "90th pct wait"),
    "col_p90_wait_h": ("等待接单90%分位(时)", "90th pct wait (h)"),
    "vol_wait_help": (
        "等待接单：点单到志愿者接单的时长，只计截至数据日期已接单的点单；仍未接单的计入“未接单”，"
        "不算作等待（否则多年前无人接的点单会被算成几年的等待）。48 小时以上以天计。按时长分档汇总，"
        "中位数与 90% 分位精确到所在档（一天左右的等待约 1 小时一档）。",
        "Wait: time from order to a volunteer accepting, of the requests accepted by the data date; those still "
        "unanswered count as unanswered, not as waits (an order left unanswered for years would read as a wait "
        "of years). From 48 hours on, in days. Summed in duration bands, so medians and 90th percentiles are "
        "exact to their band (about an hour near a day).",
    ),
    # supply and demand
    "vol_slowest": ("等待接单最久的服务站", "Stations where requests wait longest"),
    "vol_supply_caption": (
        "需求：本社区居民点单；供给：本站服务队的服务时数（同一社区）。点单不少于 {m} 件的服务站按等待接单中位数排序，"
        "前 {k} 名在地图上以红圈标出。",
        "Demand: requests from the station's community; supply: hours given by the station's teams (same "
        "community). Stations with at least {m} requests, by median wait; the top {k} are ringed on the map.",
    ),
    "col_station": ("服务站", "Station"),
    "col_community": ("社区/村", "Community"),
    "col_street": ("街道/镇", "Street"),
    "col_teams": ("服务队", "Teams"),
    "col_requests_per_1k_hours": ("每千服务时点单", "Requests per 1k hours"),
    "vol_supply_chart": ("点单与服务时数（每点一个服务站）", "Requests against service hours (one dot per station)"),
    # teams
    "vol_teams_by_category": ("各类别服务队", "Teams by category"),
    "vol_top_teams": ("最活跃的服务队（按服务时数）", "Most active teams (by hours)"),
    "vol_top_stations": ("最活跃的服务站（按服务时数）", "Most active stations (by hours)"),
    "vol_kitchens": ("社区小厨房供餐人数", "Community kitchens: people fed"),
    "vol_kitchens_bg": ("楼院范围：显示所在社区的小厨房。", "Building scope: kitchens of its community."),
    "vol_kitchens_none": ("当前范围内没有社区小厨房。", "No community kitchens in scope."),
    "col_team": ("服务队", "Team"),
    "vol_col_name": ("名称", "Name"),
    "col_people_fed": ("供餐人数", "People fed"),
    "col_opened_on": ("开办日期", "Opened"),
    # category names for English viewers (Chinese names come from the database)
    "vcat_VC01": ("孝老关爱", "Elderly care"),
    "vcat_VC02": ("扶贫济困", "Poverty relief"),
    "vcat_VC03": ("文明宣传", "Civic promotion"),
    "vcat_VC04": ("环境保护", "Environment"),
    "vcat_VC05": ("治安巡逻", "Safety patrol"),
    "vcat_VC06": ("文体服务", "Culture and sport"),
    "vcat_VC07": ("医疗健康", "Health care"),
    "vcat_VC08": ("法律服务", "Legal aid"),
    "vcat_VC09": ("助学帮教", "Tutoring"),
    "vcat_VC10": ("应急救援", "Emergency response"),
    "need_NC1": ("生活照料", "Daily care"),
    "need_NC2": ("医疗健康", "Health"),
    "need_NC3": ("文化教育", "Culture and education"),
    "need_NC4": ("法律与政策", "Law and policy"),
    "need_NC5": ("环境与安全", "Environment and safety"),
}
