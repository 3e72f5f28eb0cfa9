"""UI text of the organisation page (组织体系), Chinese first; merged into ui.labels.TEXT."""

from __future__ import annotations

TEXT: dict[str, tuple[str, str]] = {
    "page_organization": ("组织体系", "Organisation"),
    "org_title": ("组织体系", "Party organisation"),
    "org_intro": (
        "点击图中的组织下钻，点击最左侧的当前组织返回上一级；上方路径可直接跳回任一级。",
        "Click an organisation to drill in; click the current one (left) to go up; the path above jumps back.",
    ),
    # kinds
    "kind_district": ("区委", "District committee"),
    "kind_building_group": ("楼院党小组", "Building party group"),
    "kind_others": ("其他党组织", "Other orgs"),
    "kind_others_sub": ("机关 {a} · 事业单位 {i} · 社会组织 {s}", "Agency {a} · Institution {i} · Social {s}"),
    "fold_name": ("{kind} ×{n}", "{kind} ×{n}"),
    "org_total": ("基层党组织", "Grassroots party orgs"),
    "org_total_help": (
        "当前组织以下（不含其本身）的党组织数，按报告口径分类：镇党委、街道党工委、园区党工委、景区党工委、社区、村、非公企业和其他（机关、事业单位、社会组织）。",
        "Orgs below the current one (not itself), in the report's categories: town, street, park, scenic area, "
        "community, village, non-public enterprise and others (agencies, institutions, social organisations).",
    ),
    "org_kinds_as_of": (
        "各类组织数为 {d} 现状（撤销的组织未记类别与上级，无法还原往年）。",
        "Kinds as of {d} (a dissolved org's kind and parent are not on record: no past).",
    ),
    "org_total_compared": ("合计的对比同总览。", "The total is compared as on the overview."),
    # URL notices
    "notice_unknown_org": (
        "链接参数 org={value} 不是有效的组织，已显示范围内的全部组织。",
        "URL parameter org={value} is not a known organisation; showing the whole scope.",
    ),
    "notice_org_outside": (
        "链接参数 org={value} 不在当前筛选范围内，已显示范围内的全部组织。",
        "URL parameter org={value} is outside the current scope; showing the whole scope.",
    ),
    "notice_unknown_kind": (
        "链接参数 kind 中的 {value} 不是有效的组织类型，已忽略。",
        "{value} in URL parameter kind is not an organisation kind; ignored.",
    ),
    # controls
    "org_kinds": ("组织类型", "Org kinds"),
    "org_kinds_help": (
        "只看所选类型的组织；上级组织作为路径保留。",
        "Show only these kinds; their parents stay as the path.",
    ),
    "org_size": ("大小表示", "Size by"),
    "org_colour": ("颜色表示", "Colour by"),
    "size_members": ("党员数", "Members"),
    "size_orgs": ("组织数", "Organisations"),
    "colour_kind": ("组织类型", "Kind"),
    "colour_points": ("堡垒积分", "Org points"),
    "colour_compliance": ("三会一课达标率", "三会一课 compliance"),
    "tree_caption": (
        "图中显示当前组织及以下两级；同一上级下数量较多的企业、机关、事业单位、社会组织合并为一块，点击展开。"
        "按党员数时，楼院党小组按居住党员比例分摊所属社区（村）党组织的党员，下级之外的空白为上级本级的党员。红色虚线框为合计与下级之和或属地口径不一致的组织。",
        "The chart shows the current org and two levels below; many enterprises, agencies, institutions or social "
        "organisations under one parent form one block (click to open). By members, building groups share their "
        "community's members in proportion to members living there; blank space below the children is the parent's own members. A red dashed outline marks an org whose totals "
        "disagree with its children or with the place counts.",
    ),
    "tree_empty": ("所选类型在当前范围内没有组织。", "No organisations of the chosen kinds in this scope."),
    "crumb_help": ("返回到该级", "Back to this level"),
    # tooltip / table columns
    "col_name": ("组织", "Organisation"),
    "col_code": ("编码", "Code"),
    "col_peers": ("同类数", "Peers"),
    "col_parent": ("上级组织", "Parent"),
    "col_sub_orgs": ("下级组织", "Sub-orgs"),
    "col_joint": ("大工委/大党委", "Joint committee"),
    "col_points": ("堡垒积分", "Org points"),
    "col_points_avg": ("堡垒积分（平均）", "Org points (avg)"),
    "col_rank": ("同类排名", "Rank in kind"),
    "col_compliance": ("三会一课达标率", "三会一课 compliance"),
    "col_compliance_avg": ("三会一课达标率（平均）", "三会一课 compliance (avg)"),
    "col_last_branch_meeting": ("最近支部党员大会", "Last branch meeting"),
    "col_last_committee_meeting": ("最近支委会", "Last committee meeting"),
    "col_last_group_meeting": ("最近党小组会", "Last group meeting"),
    "col_last_party_lecture": ("最近党课", "Last party lecture"),
    "col_check": ("核对", "Check"),
    "col_residents": ("居住党员", "Members living here"),
    "check_ok": ("一致", "OK"),
    # table
    "org_table": ("下属组织列表", "Organisations below"),
    "org_table_leaf": ("组织信息", "This organisation"),
    "org_search": ("搜索名称或编码", "Search name or code"),
    "org_table_hint": (
        "点击表头排序；勾选一行查看该组织详情。共 {n} 个。",
        "Click a header to sort; pick a row to open that organisation. {n} rows.",
    ),
    "org_table_none": ("没有符合条件的组织。", "No organisation matches."),
    # reconciliation
    "issues_title": (
        "{n} 个组织的合计数与下级之和或属地口径不一致（已标出，未隐藏）",
        "{n} orgs whose totals disagree (flagged, not hidden)",
    ),
    "issue_members_children": ("党员 {a} ≠ 本级 {b} + 下级之和 {c}", "members {a} ≠ own {b} + children {c}"),
    "issue_orgs_children": ("下级组织 {a} ≠ 下级之和 {c}", "sub-orgs {a} ≠ children {c}"),
    "issue_bgs_children": ("楼院党小组 {a} ≠ 本级 {b} + 下级之和 {c}", "building groups {a} ≠ own {b} + children {c}"),
    "issue_members_place": ("党员 {a}（组织树）≠ {b}（属地）", "members {a} (tree) ≠ {b} (place)"),
    "issue_orgs_place": ("组织 {a}（组织树）≠ {b}（属地）", "orgs {a} (tree) ≠ {b} (place)"),
    "issue_bgs_place": ("楼院党小组 {a}（组织树）≠ {b}（属地）", "building groups {a} (tree) ≠ {b} (place)"),
    # detail
    "detail_title": ("组织详情 · {name}", "Organisation · {name}"),
    "detail_fold": (
        "{n} 个{kind}合并显示；以下为它们的合计。",
        "{n} {kind} orgs shown together; figures below are their totals.",
    ),
    "kpi_employed": ("在职党员", "Employed members"),
    "sub_reported": ("已报到 {n}", "{n} reported"),
    "sub_reported_here": ("来本社区报到 {n}", "{n} reported here"),
    "def_employed": (
        "本组织（含下级）党员中的在职党员，及其中已到居住社区报到的人数；社区（村）另计到本社区报到的在职党员。",
        "Employed members of this org and below, and how many reported to their home community; for a community, "
        "employed members of any org who reported here.",
    ),
    "kpi_sub_orgs": ("下级党组织", "Sub-orgs"),
    "def_sub_orgs": (
        "组织树中本组织以下的党组织数（不含楼院党小组）。",
        "Orgs below this one in the tree (building groups not included).",
    ),
    "def_org_members": (
        "本组织及其下级组织的党员；楼院党小组为居住在该楼院的党员。截至数据日期。",
        "Members of this org and the orgs below it; for a building group, members living there. As of the data date.",
    ),
    "def_org_bgs": ("本组织以下的楼院党小组（党支部）数。", "Building party groups below this org."),
    "kpi_points": ("堡垒积分", "Org points"),
    "sub_rank": ("同类第 {r}/{n} 名", "rank {r}/{n} in kind"),
    "points_quarter": (
        "堡垒积分为 {q}（日期范围内最近一个季度）；三会一课达标率、微心愿按所选日期范围统计，党员与督查任务截至数据日期。",
        "Org points of {q} (the latest quarter in the range); compliance and wishes cover the date range; members "
        "and tasks are as of the data date.",
    ),
    "sub_avg": ("下级平均", "average below"),
    "def_points": (
        "日期范围内最近一个季度的堡垒积分；排名为全区同类组织中的名次。汇总节点（区委、合并块）显示其下组织的平均分。",
        "Org points of the latest quarter in the range; rank among all orgs of the same kind in the district. "
        "Aggregate nodes (district, merged blocks) show the average of the orgs below.",
    ),
    "kpi_compliance": ("三会一课达标率", "三会一课 compliance"),
    "def_compliance": (
        "口径：支部党员大会每季度1次、支委会每月1次、党小组会每月1次、党课每季度1次；自组织纳入党建信息系统之月"
        "（系统中首条活动记录所在月）起，日期范围内应开展的月/季中实际开展的比例。未纳入系统的组织不计入、显示为—；"
        "汇总节点为其下组织的合计。",
        "Rule: branch meeting and party lecture once a quarter, committee and group meeting once a month; of the "
        "months/quarters in the range from the month the org joined the information system (its first record), the "
        "share held. Orgs not yet in the system are not counted (shown as —); aggregate nodes: all orgs below.",
    ),
    "kpi_wishes_claimed": ("认领微心愿", "Micro-wishes claimed"),
    "sub_fulfilled": ("已实现 {n}", "{n} fulfilled"),
    "def_wishes_claimed": (
        "日期范围内由本组织党员认领的微心愿数，及其中已实现的数量。",
        "Micro-wishes claimed by this org's members in the range, and how many were fulfilled.",
    ),
    "kpi_open_tasks": ("未完成督查任务", "Open supervision tasks"),
    "sub_overdue": ("其中逾期 {n}", "{n} overdue"),
    "def_open_tasks": (
        "截至数据日期交办给本组织（含下级）且尚未完成的督查任务。",
        "Supervision tasks assigned to this org (and below) not completed on the data date.",
    ),
    "composition": ("党员构成", "Member composition"),
    "dim_age": ("年龄", "Age"),
    "dim_gender": ("性别", "Gender"),
    "dim_education": ("学历", "Education"),
    "dim_party_years": ("党龄", "Years since joining"),
    "band_le35": ("35岁及以下", "≤35"),
    "band_36_45": ("36–45岁", "36–45"),
    "band_46_55": ("46–55岁", "46–55"),
    "band_56_65": ("56–65岁", "56–65"),
    "band_ge66": ("66岁及以上", "≥66"),
    "band_M": ("男", "Male"),
    "band_F": ("女", "Female"),
    "band_lt5": ("不满5年", "<5 years"),
    "band_5_9": ("5–9年", "5–9 years"),
    "band_10_19": ("10–19年", "10–19 years"),
    "band_20_29": ("20–29年", "20–29 years"),
    "band_ge30": ("30年及以上", "≥30 years"),
    "band_初中及以下": ("初中及以下", "Junior middle or less"),
    "band_高中/中专": ("高中/中专", "Senior middle"),
    "band_大专": ("大专", "College"),
    "band_本科": ("本科", "Bachelor"),
    "band_研究生": ("研究生", "Postgraduate"),
    "meetings": ("三会一课落实情况（按月）", "三会一课 by month"),
    "meetings_caption": (
        "口径：支部党员大会每季度1次、支委会每月1次、党小组会每月1次、党课每季度1次（楼院党小组：党小组会每月1次）。"
        "应开展组织为当期已纳入党建信息系统的组织。绿：达标（≥90% 的组织按频次开展）；黄：部分达标（≥50%）或周期未结束；"
        "红：未达标；灰：尚未纳入系统。季度要求在该季度的三个月中显示同一结果。",
        "Rule: branch meeting and party lecture quarterly, committee and group meeting monthly (a building group: its "
        "group meeting monthly). Orgs due: those in the information system in that period. Green: met (≥90 % of orgs); "
        "amber: partly (≥50 %) or the period is still open; red: not met; grey: not yet in the system. Quarterly items "
        "show the quarter's result in each of its months.",
    ),
    "mt_branch_meeting": ("支部党员大会（每季度）", "Branch meeting (quarterly)"),
    "mt_committee_meeting": ("支委会（每月）", "Committee meeting (monthly)"),
    "mt_group_meeting": ("党小组会（每月）", "Group meeting (monthly)"),
    "mt_party_lecture": ("党课（每季度）", "Party lecture (quarterly)"),
    "status_green": ("达标", "Met"),
    "status_amber": ("部分/进行中", "Partly / open"),
    "status_red": ("未达标", "Not met"),
    "status_none": ("未纳入系统", "Not yet in the system"),
    "col_met": ("已开展组织", "Orgs met"),
    "col_due_orgs": ("应开展组织", "Orgs due"),
    "col_share": ("达标比例", "Share"),
    "col_item": ("项目", "Item"),
    "trend_points": ("堡垒积分走势（按季度）", "Org points by quarter"),
    "series_own": ("本组织", "This org"),
    "series_subtree": ("下级组织平均", "Orgs below (avg)"),
    "series_peers": ("全区同类平均", "Same kind, district avg"),
    "col_quarter": ("季度", "Quarter"),
    "col_series": ("系列", "Series"),
    "trend_none": ("楼院党小组没有堡垒积分。", "Building groups have no org points."),
    "wishes_recent": ("认领的微心愿（最近）", "Micro-wishes claimed (latest)"),
    "wishes_none": ("日期范围内没有本组织党员认领的微心愿。", "No micro-wishes claimed by these members in the range."),
    "col_wish": ("心愿", "Wish"),
    "col_claimant": ("认领党员", "Claimed by"),
    "col_claimed_on": ("认领日期", "Claimed"),
    "col_fulfilled_on": ("实现日期", "Fulfilled"),
    "tasks_open": ("未完成的督查任务", "Open supervision tasks"),
    "tasks_none": ("截至数据日期没有交办给本组织且未完成的督查任务。", "No open supervision tasks for this org."),
    "no_members": ("该组织没有党员记录。", "This organisation has no member records."),
    # member points
    "member_points": ("党员先锋积分（{y} 年度）", "Members' vanguard points ({y})"),
    "member_points_none": ("日期范围内没有先锋积分记录。", "No member points in the range."),
    "points_hist": ("积分分布", "Distribution"),
    "points_top": ("积分前 {n} 名", "Top {n}"),
    "points_top_hidden": ("积分排名", "Top members"),
    "col_band": ("积分段", "Points band"),
    "col_rank_no": ("名次", "#"),
    "col_member": ("党员", "Member"),
    "col_member_org": ("所在组织", "Org"),
    "col_member_points": ("先锋积分", "Points"),
    "masked_note": (
        "姓名已脱敏；电话、身份证号不在页面显示。",
        "Names are masked; phone and ID numbers are never shown.",
    ),
    "yes": ("是", "Yes"),
    "no": ("—", "—"),
}
