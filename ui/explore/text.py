"""Texts of the explore page and of the comparisons (同比 / 环比) shown on every page."""

TEXT: dict[str, tuple[str, str]] = {
    "cmp_yoy": ("同比", "YoY"),
    "cmp_pop": ("环比", "vs prev."),
    "cmp_setting": ("对比方式", "Compare with"),
    "cmp_setting_yoy": ("同比（上年同期）", "Same period last year"),
    "cmp_setting_pop": ("环比（上一等长时段）", "Previous period"),
    "cmp_help": (
        "同比：与上年同期的相同月份比较；环比：与紧邻的前一段等长时间比较。本期止于未满的月份时，"
        "对比期也止于同一日，其最后一月的流量按天数折算（近似值）。"
        "对比时段早于数据起始、或对比值为零时，显示“—”。红色▲为上升，绿色▼为下降。",
        "YoY: the same months a year earlier; previous: the months of equal length just before. A range "
        "ending inside a month is compared with the same days, the compared last month's flows prorated by day. "
        "Shown as — when the compared period starts before the data or its value is zero. Red ▲ up, green ▼ down.",
    ),
    "cmp_none_before": (
        "{mode}：对比时段（{start} — {end}）早于数据起始（{first}），本时段的流量指标无法比较，显示“—”。缩短日期范围即可显示变化。",
        "{mode}: the compared period ({start} — {end}) begins before the data ({first}); changes show as —. "
        "Shorten the date range to see them.",
    ),
    "cmp_period": (
        "{mode}：各指标与 {start} — {end} 比较（红色▲上升，绿色▼下降；存量指标比较两期期末的数量）。",
        "{mode}: figures compared with {start} — {end} (red ▲ up, green ▼ down; stocks compare the two "
        "periods' last days).",
    ),
    "cmp_period_days": (
        "{mode}：{cur} 对 {prev}（{m}按天折算：对比期{m}的流量按 {d}/{n} 个月计，为近似值；"
        "红色▲上升，绿色▼下降；存量指标比较两期最后一天的数量）。",
        "{mode}: {cur} against {prev} ({m} prorated by day: the compared {m}'s flows counted as {d}/{n} of "
        "the month, an approximation; red ▲ up, green ▼ down; stocks compare the two periods' last days).",
    ),
    "cmp_month_so_far": (
        " 注意：本期最后一个月截至 {d} 尚未结束，对比期的同一月为整月。",
        " Note: the range's last month is still under way (to {d}); the compared month is whole.",
    ),
    "cmp_stock_help": (
        "存量指标：本期末（或数据日期）的数量，与对比时段期末的数量比较；过去的数量由入党、转入转出、"
        "成立撤销、注册注销等带日期的记录推算（口径见 docs/stock-history.md）。",
        "A stock: its number on the range's last day (or the data date), compared with its number on the "
        "compared period's last day, reconstructed from dated joins, transfers, foundings and leavings.",
    ),
    "cmp_no_past": ("无历史", "no history"),
    "cmp_from_zero": ("新增{n}", "new: +{n}"),  # from 0 in the compared period: no share of nothing, the count
    "cmp_no_past_help": (
        "该指标在数据中没有带日期的历史记录（只有当前名册），无法推算过去的数量，始终按数据日期显示，不计算同比/环比。",
        "The data holds no dated history of this figure (only today's register): it is shown as of the data "
        "date and never compared.",
    ),
    "cmp_now": ("按数据日期", "as of data date"),
    "cmp_now_help": (
        "按数据日期判断的当前情况，不随日期范围变化，不计算同比/环比。",
        "Judged as of the data date, whatever the range; not compared.",
    ),
    "cmp_not_compared": ("不作比较", "not compared"),
    "cmp_since_system": ("— {first}起", "— from {first}"),  # the wall: room for 同比 — 2016-09起, no more
    "cmp_before_records": (
        "{items}：对比期早于系统启用（{first}，此前无记录），不作比较。",
        "{items}: the compared period begins before the system's first record ({first}); not compared.",
    ),
    "cmp_before_records_time": (
        "{items}自 {first} 起才有记录（系统启用）：对比期早于此的各期不作比较。",
        "{items} recorded from {first} only (the system's start): periods compared with earlier ones show no change.",
    ),
    "cmp_stock_unknown": (
        "存量历史自 {d} 起记录：此前的存量无法推算，显示“—”。",
        "Stocks have a dated history from {d} only: before it they show as —.",
    ),
    "notice_bad_cmp": (
        "链接参数 cmp={value} 无效（应为 yoy 或 pop），已使用同比。",
        "URL parameter cmp={value} is invalid (yoy or pop); using YoY.",
    ),
    "x_period_to": ("{m}（截至{md}，不完整）", "{m} (to {md}, incomplete)"),
    "x_period_from": ("{m}（自{md}起，不完整）", "{m} (from {md}, incomplete)"),
    "rank_same": ("持平", "same"),
    "brief_rank_moved": ("{mode}名次变化", "rank change, {mode}"),
    "brief_rank_none_short": ("{mode}：对比期早于数据", "{mode}: before the data"),  # the panel's one line
    "brief_rank_none": (
        "{mode}：对比时段早于数据起始，名次变化为“—”",
        "{mode}: the compared period is before the data (—)",
    ),
    "col_rank_change": ("名次变化", "Rank change"),
}

TEXT.update(
    {
        "page_explore": ("自助分析", "Explore"),
        "x_title": ("自助分析：任选指标、维度与对比", "Explore: any measure, any breakdown, compared"),
        "x_measure": ("指标", "Measure"),
        "x_by1": ("维度一", "Breakdown"),
        "x_by2": ("维度二", "Second breakdown"),
        "x_chart": ("图表", "Chart"),
        "x_definition_line": ("**口径**：{text}", "**Definition**: {text}"),
        "x_comma": ("、", ", "),
        "x_semi": ("；", "; "),
        "x_because": ("{items}（{why}）", "{items} ({why})"),
        "x_places": ("对比{level}（不选为全部）", "Compare {level} (none: all)"),
        "x_places_all": ("全部", "All"),
        "x_empty": ("所选条件下没有数据。", "Nothing under these filters."),
        "x_no_shapes": ("这些地点没有可绘制的范围或坐标。", "These places have no outline or position to draw."),
        "x_top_series": (
            "图中分别画出合计最大的 {n} 项，其余 {m} 项（{items}）合计为「其他」；各项见右表。",
            "The {n} largest are drawn one by one, the other {m} ({items}) summed as 'Other'; the table has each.",
        ),
        "x_top_series_apart": (
            "图中只画合计最大的 {n} 项；其余 {m} 项（{items}）不能相加合并，见右表。",
            "The {n} largest are drawn; the other {m} ({items}) cannot be summed: see the table.",
        ),
        "x_other_series": ("其他", "Other"),
        "x_series_now": ("本期", "This period"),
        "x_series_yoy": ("上年同期", "Same period last year"),
        "x_series_pop": ("上一期", "Previous period"),
        "x_axis_percent": ("{name}（%）", "{name} (%)"),
        "x_top_bars": ("图中只画最大的 {n} 项，全部数据见右表。", "The {n} largest are drawn; the table has all."),
        "x_not_offered": ("不可按以下维度拆分：{items}。", "Not offered for this measure: {items}."),
        "x_why_stock": ("存量指标按期末的数量统计，不按时间拆分", "a stock is counted on a day, not over time"),
        "x_why_scope": ("已选定该层级或更细的地点", "the scope is already this fine"),
        "x_why_place": ("数据未细到该层级", "not recorded at this level"),
        "x_why_source": ("该指标的数据不含这些属性", "its data has no such attribute"),
        "x_stock_note": (
            "该存量指标在数据中只有当前名册、没有带日期的历史，按数据日期统计，不做同比/环比。",
            "This stock has only today's register in the data, no dated history: it is as of the data date "
            "and never compared.",
        ),
        "x_time_last_days": (
            "最后一期截至{md}，与对比期的相同日期比较（{m}按天折算，近似值）。",
            "The last period runs to {md}: compared with the same days ({m} prorated by day, an approximation).",
        ),
        "x_time_compare": (
            "{mode}：按时间拆分时，每一期与上年同期（同比）或上一期（环比）比较；对比期早于数据起始的显示“—”。",
            "{mode}: each period against the same period a year earlier (YoY) or the one before; — where that "
            "lies before the data.",
        ),
        "x_remainder": (
            "分项合计 {shown}，总计 {total}：其中 {rest} 未落到所选层级（如区直机关、未标注楼院的记录），不在分项中。",
            "The rows add up to {shown} of {total}: {rest} are placed at no unit of this level and are not listed.",
        ),
        "x_col_previous": ("{mode}对比值", "{mode} value"),
        "x_col_change": ("增减", "Change"),
        "x_col_change_pp": ("增减（百分点）", "Change (pp)"),
        "x_col_pct": ("{mode}增幅", "{mode} %"),
        "x_demo_yes": ("示范楼院", "Demonstration"),
        "x_demo_no": ("普通楼院", "Ordinary"),
        "x_by_none": ("（无）", "(none)"),
        "x_by_street": ("街道/镇", "Street/town"),
        "x_by_community": ("社区/村", "Community/village"),
        "x_by_building_group": ("楼院党小组", "Building group"),
        "x_by_month": ("月", "Month"),
        "x_by_quarter": ("季度", "Quarter"),
        "x_by_year": ("年", "Year"),
        "x_by_org_kind": ("党组织类型", "Org kind"),
        "x_by_activity_kind": ("活动类型", "Activity kind"),
        "x_by_category": ("志愿服务类别", "Volunteer category"),
        "x_by_need": ("需求类别", "Need category"),
        "x_by_stage": ("办理环节", "Stage"),
        "x_by_team": ("志愿服务队", "Team"),
        "x_by_station": ("志愿服务站", "Station"),
        "x_by_demonstration": ("是否示范楼院", "Demonstration or not"),
        "x_chart_line": ("折线", "Line"),
        "x_chart_bar": ("条形", "Bars"),
        "x_chart_heat": ("热力表", "Heat table"),
        "x_chart_map": ("地图", "Map"),
        "x_chart_table": ("仅表格", "Table only"),
        "x_m_hours": ("志愿服务时数", "Volunteer hours"),
        "x_m_served": ("服务人次", "People served"),
        "x_m_sessions": ("服务场次", "Service sessions"),
        "x_m_activities": ("党内活动", "Party activities"),
        "x_m_participations": ("活动参与人次", "Activity participations"),
        "x_m_requests": ("居民点单", "Resident requests"),
        "x_m_unanswered": ("未接单点单", "Unanswered requests"),
        "x_m_requests_done": ("已完成点单", "Requests done"),
        "x_m_wait_median": ("接单等待中位数（小时）", "Median wait (hours)"),
        "x_m_wishes": ("微心愿实现", "Micro-wishes fulfilled"),
        "x_m_members": ("党员", "Party members"),
        "x_m_orgs": ("基层党组织", "Grassroots organisations"),
        "x_m_building_groups": ("楼院党小组", "Building party groups"),
        "x_m_volunteers": ("志愿者", "Volunteers"),
        "x_m_teams": ("志愿服务队", "Volunteer teams"),
        "x_m_stations": ("志愿服务站", "Volunteer stations"),
        "x_m_people_fed": ("小厨房供餐人数", "People fed by kitchens"),
        "x_m_overdue": ("督查任务逾期", "Overdue supervision tasks"),
        "x_m_compliance": ("三会一课达标率", "三会一课 compliance"),
        "x_m_org_points": ("堡垒积分均值", "Mean org points"),
        "x_m_member_points": ("先锋积分均值", "Mean member points"),
        "x_def_org_points": (
            "日期范围内各季度组织堡垒积分的平均值（每个组织每季度一个分数）。",
            "The mean of organisations' quarterly 堡垒积分 in the range (one score per organisation and quarter).",
        ),
        "x_def_member_points": (
            "日期范围内各年度党员先锋积分的平均值（按党员所在组织归属地点；按楼院拆分时为居住在该楼院的党员）。",
            "The mean of members' yearly 先锋积分 in the range (placed by their organisation; by building group: "
            "the members living there).",
        ),
        "x_def_sessions": (
            "日期范围内志愿服务队的服务场次（每条服务记录为一场）。",
            "Volunteer team service sessions within the dates (one per service record).",
        ),
        "x_def_participations": (
            "日期范围内党内活动的参与人次（每次活动的参与人数之和）。",
            "Attendance at party activities within the dates (the sum of each activity's participants).",
        ),
        "x_def_unanswered": (
            "日期范围内下单、截至数据日期仍无志愿者接单的居民点单。",
            "Requests ordered within the dates that no volunteer had accepted by the data date.",
        ),
        "x_def_requests_done": (
            "日期范围内下单、截至数据日期已完成服务的居民点单。",
            "Requests ordered within the dates whose service was done by the data date.",
        ),
        "x_def_wait_median": (
            "日期范围内下单、截至数据日期已接单的居民点单，从点单到志愿者接单的等待时间中位数（小时；仍未接单的计入“未接单”，"
            "不算作等待），按汇总分桶计算，误差在一个分桶内。",
            "Median hours from order to acceptance for requests ordered within the dates and accepted by the data "
            "date (those still unanswered count as unanswered, not as waits), from the summary buckets, exact to "
            "one bucket.",
        ),
        "x_def_people_fed": (
            "数据日期时各社区小厨房/爱心就餐点的供餐人数之和。",
            "Residents given free meals by community kitchens, as of the data date.",
        ),
        "x_notice_measure": (
            "链接参数 measure={value} 不是可用的指标，已使用默认指标。",
            "URL parameter measure={value} is not a measure; default used.",
        ),
        "x_notice_by": (
            "维度 {value} 不适用于“{measure}”或当前范围，已去掉。",
            "Breakdown {value} does not apply to {measure} here; dropped.",
        ),
        "x_notice_chart": (
            "链接参数 chart={value} 不适用于所选维度，已改用合适的图表。",
            "URL parameter chart={value} does not fit; the fitting chart is used.",
        ),
        "x_notice_places": (
            "部分对比地点不在当前范围内，已去掉。",
            "Some compared places are outside the scope; dropped.",
        ),
        "x_notice_places_codes": (
            "链接参数 places 中的 {value} 不是有效的地点，已忽略。",
            "URL parameter places: {value} not known; ignored.",
        ),
        "download_xlsx": ("下载 Excel", "Download Excel"),
    }
)
