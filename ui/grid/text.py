"""UI text of the grid map page (网格地图), Chinese first; merged into ui.labels.TEXT. Keys start with grid_."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "grid_page": ("网格地图", "Grid map"),
    "grid_title": ("四级网格与楼院党小组", "The four-level grid and building party groups"),
    "grid_color_by": ("着色", "Colour by"),
    "grid_layers": ("阵地图层", "Facility layers"),
    "grid_tiles_toggle": ("瓦片底图", "Tile basemap"),
    "grid_tiles_help": (
        "使用配置的内网瓦片服务作为底图；关闭时仅用离线区划轮廓。",
        "Draw the configured intranet tiles under the map; off, only the offline outlines are drawn.",
    ),
    "grid_tiles_shifted": (
        "瓦片为 GCJ-02 坐标，图层已按 GCJ-02 偏移显示（数据仍以 WGS-84 存储）。",
        "The tiles use GCJ-02; layers are shifted for display (data stay in WGS-84).",
    ),
    "grid_map_alt": (
        "二七区网格地图：网格范围、楼院党小组、示范楼院与阵地位置",
        "Erqi grid map: grid areas, building party groups, demonstration buildings and facilities",
    ),
    "grid_empty": ("当前范围内没有楼院党小组。", "No building party groups in the current scope."),
    "grid_schematic": (
        "示意：街道、社区、楼院网格范围为示意，非测绘边界；区界与相邻区县为真实轮廓。",
        "Schematic: street, community and building areas are not surveyed; the district and its neighbours "
        "are real outlines.",
    ),
    "grid_schematic_short": ("示意范围", "schematic"),
    # colour measures and legend
    "grid_color_street": ("街道/社区", "Street/community"),
    "grid_color_per_group": ("每楼院党员数", "Members per building group"),
    "grid_color_completeness": ("1+X+Y 配齐率", "1+X+Y completeness"),
    "grid_color_points": ("先锋积分", "Member points"),
    "grid_color_help": (
        "街道/社区：全区按街道、街道内按社区着色。每楼院党员数：居住在楼院的党员（片区为平均数）。"
        "1+X+Y 配齐率：网格长、网格员、志愿服务队三项配齐的比例（片区为所辖楼院网格的平均）。"
        "先锋积分：居住党员在日期范围截止年度的平均先锋积分。",
        "Street/community: by street at district scope, by community inside a street. Members per building "
        "group: members living there (areas: the mean). 1+X+Y completeness: share of leader, grid members and "
        "volunteer team in place (areas: mean over their building areas). Member points: residents' mean "
        "points in the year the date range ends.",
    ),
    "grid_legend_complete": ("100% 配齐", "100% complete"),
    "grid_legend_90": ("90–99%", "90–99%"),
    "grid_legend_60": ("60–89%", "60–89%"),
    "grid_legend_below_60": ("低于 60%", "below 60%"),
    "grid_legend_no_data": ("无数据", "no data"),
    "grid_legend_demo": ("主题示范楼院", "Demonstration building"),
    "grid_legend_selected": ("已选楼院", "Selected"),
    "grid_level_1": ("区", "district"),
    "grid_level_2": ("街道/镇", "street/town"),
    "grid_level_3": ("社区/村", "community/village"),
    "grid_level_4": ("楼院片区", "building area"),
    "grid_facility_service_center": ("党群服务中心", "Party-mass service centre"),
    "grid_facility_station": ("志愿服务站", "Volunteer station"),
    "grid_facility_kitchen": ("社区小厨房", "Community kitchen"),
    # tooltips
    "grid_tip_grid_staff": (
        "网格长 {leader}　网格员 {members} 名　志愿服务队 {teams} 支",
        "Leader {leader}  Grid members {members}  Teams {teams}",
    ),
    "grid_tip_area_groups": ("楼院党小组 {n} 个，其中示范楼院 {d} 个", "{n} building groups, {d} demonstration"),
    "grid_tip_area_residents": ("居住党员 {r} 人，每楼院平均 {p} 人", "{r} resident members, {p} per group"),
    "grid_tip_area_quality": ("1+X+Y 配齐率 {c}　先锋积分 {p}", "1+X+Y {c}  Points {p}"),
    "grid_tip_demo": ("主题示范楼院：{theme}", "demonstration: {theme}"),
    "grid_tip_group_people": (
        "居住党员 {r} 人　住户 {h} 户　先锋积分 {p}",
        "{r} resident members  {h} households  Points {p}",
    ),
    "grid_tip_people_fed": ("免费供餐 {n} 人", "{n} people fed"),
    # scope summary beside the map
    "grid_sum_title": ("当前范围", "In scope"),
    "grid_sum_groups": ("楼院党小组", "Building groups"),
    "grid_sum_demo": ("主题示范楼院", "Demonstration"),
    "grid_sum_residents": ("居住党员", "Resident members"),
    "grid_sum_complete": ("1+X+Y 配齐楼院", "Fully staffed"),
    "grid_sum_complete_share": ("占 {p}", "{p}"),
    "grid_sum_gaps": ("有缺口的网格", "Grids with gaps"),
    "grid_pick_hint": (
        "点击地图上的楼院圆点，在此查看楼院详情。",
        "Click a building group on the map to see its detail here.",
    ),
    "grid_demo_list": ("主题示范楼院名单（{n} 个）", "Demonstration buildings ({n})"),
    "grid_col_building": ("楼院", "Building group"),
    "grid_col_theme": ("示范主题", "Theme"),
    # one building group
    "grid_detail_missing": ("所选楼院不在当前范围内。", "The selected building group is outside the scope."),
    "grid_detail_close": ("关闭详情", "Close"),
    "grid_demo_building": ("主题示范楼院", "Demonstration building"),
    "grid_detail_theme": ("示范主题", "Theme"),
    "grid_detail_residents": ("居住党员", "Resident members"),
    "grid_def_detail_residents": (
        "居住在本楼院的党员（含在职党员），不论组织关系所在。",
        "Members living in this building group, whatever their own organisation.",
    ),
    "grid_detail_employed": ("其中在职党员", "of whom employed"),
    "grid_detail_volunteers": ("居民志愿者", "Resident volunteers"),
    "grid_detail_households": ("住户", "Households"),
    "grid_detail_complete": ("✓ 配齐", "✓ complete"),
    "grid_detail_gaps": ("✗ 有缺口", "✗ gaps"),
    "grid_detail_leader": ("网格长", "Grid leader"),
    "grid_detail_members": ("网格员 {n} 名", "{n} grid members"),
    "grid_detail_teams": ("志愿服务队 {n} 支", "{n} volunteer teams"),
    "grid_detail_points": ("居住党员平均先锋积分", "Residents' mean member points"),
    "grid_detail_activities": ("近期活动", "Recent activities"),
    "grid_detail_no_activities": ("日期范围内本楼院没有活动记录。", "No activities here within the dates."),
    "grid_none_yet": ("暂无", "none"),
    "grid_act_people": ("{n} 人参加", "{n} attended"),
    "grid_act_event": ("志愿服务活动", "Service event"),
    "grid_act_service": ("志愿服务", "Volunteer service"),
    "grid_act_service_numbers": ("志愿者 {v} 人次，服务 {s} 人", "{v} volunteers, {s} served"),
    "grid_act_branch_meeting": ("支部党员大会", "Branch meeting"),
    "grid_act_committee_meeting": ("支委会", "Committee meeting"),
    "grid_act_group_meeting": ("党小组会", "Party group meeting"),
    "grid_act_party_lecture": ("党课", "Party lecture"),
    "grid_act_theme_day": ("主题党日", "Theme day"),
    "grid_act_life_meeting": ("组织生活会", "Organisational life meeting"),
    "grid_act_democratic_review": ("民主评议党员", "Democratic review"),
    "grid_act_study": ("学习教育", "Study"),
    "grid_act_dues": ("党费收缴", "Dues"),
    "grid_act_visit": ("走访慰问", "Visits"),
    "grid_act_talk": ("谈心谈话", "Talks"),
    "grid_act_volunteer": ("志愿服务", "Volunteering"),
    "grid_act_report_service": ("在职党员报到服务", "Service by employed members"),
    # 1+X+Y gaps
    "grid_gaps_title": ("1+X+Y 配置缺口", "1+X+Y staffing gaps"),
    "grid_def_gaps": (
        "每个党建网格应有 1 名网格长、若干名（至少 1 名）网格员、若干支志愿服务队（本网格或下级网格的服务队）。"
        "列出当前范围内缺任一项的网格，按街道排列。",
        "Each grid needs 1 leader, grid members (at least 1) and volunteer teams (its own or its sub-grids'). "
        "Grids in scope missing any of them, by street.",
    ),
    "grid_gaps_none": ("当前范围内所有网格 1+X+Y 均已配齐。", "Every grid in scope is fully staffed."),
    "grid_col_street_name": ("街道/镇", "Street/town"),
    "grid_col_community_name": ("社区/村", "Community/village"),
    "grid_col_grids": ("网格数", "Grids"),
    "grid_col_with_gaps": ("有缺口", "With gaps"),
    "grid_col_no_leader": ("缺网格长", "No leader"),
    "grid_col_few_members": ("缺网格员", "No grid member"),
    "grid_col_no_team": ("缺志愿队", "No team"),
    "grid_col_grid": ("网格", "Grid"),
    "grid_col_level": ("层级", "Level"),
    "grid_col_leader": ("网格长", "Leaders"),
    "grid_col_grid_members": ("网格员", "Grid members"),
    "grid_col_teams": ("志愿服务队", "Teams"),
    "grid_col_missing": ("缺口", "Missing"),
    "grid_gap_leader": ("网格长", "leader"),
    "grid_gap_members": ("网格员", "grid members"),
    "grid_gap_team": ("志愿服务队", "volunteer team"),
    "grid_download_gaps": ("下载缺口清单 CSV", "Download gaps CSV"),
    # dropped URL values and settings
    "grid_notice_unknown": (
        "链接参数 sel={value} 不是有效的楼院，已忽略。",
        "URL parameter sel={value} is not a known building group; ignored.",
    ),
    "grid_notice_outside": (
        "链接参数 sel={value} 不在当前筛选范围内，已取消选择。",
        "URL parameter sel={value} is outside the current scope; selection cleared.",
    ),
    "grid_notice_bad_url": (
        "瓦片底图地址无效（需 http(s):// 开头并含 {z}/{x}/{y}），已使用离线底图。",
        "The tile URL is invalid (http(s):// with {z}/{x}/{y}); using the offline base.",
    ),
    "grid_notice_bad_crs": (
        "瓦片坐标系设置无效（应为 wgs84 或 gcj02），已使用离线底图。",
        "The tile coordinate system must be wgs84 or gcj02; using the offline base.",
    ),
}
