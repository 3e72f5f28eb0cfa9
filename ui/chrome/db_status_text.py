"""Texts for database failures, left-out rows and rejected URL values (merged into labels.TEXT)."""

TEXT = {
    "db_busy": (
        "数据库正忙（被其他程序锁定），暂时无法读取。页面会自动重试，也可稍后点击“重试”。",
        "The database is busy (locked by another program) and cannot be read right now. The page retries by itself.",
    ),
    "db_slow": (
        "数据库响应过慢：查询超过 {s} 秒已中止。页面会自动重试；若持续出现，请联系管理员。",
        "The database is too slow: a query ran longer than {s} s and was stopped. The page retries by itself.",
    ),
    "page_failed": (
        "本页出现内部错误，已记录在服务器日志中。请刷新页面或联系管理员。",
        "This page hit an internal error; it has been logged on the server. Reload the page or ask the administrator.",
    ),
    "dq_left_out": ("数据问题：{what}。", "Data problems: {what}."),
    "dq_areas": ("{n} 个网格缺少范围或中心点，未在地图显示", "{n} grids without a shape or centre are not on the map"),
    "dq_groups": (
        "{n} 个楼院党小组缺少坐标，未在地图显示",
        "{n} building groups without coordinates are not on the map",
    ),
    "dq_facilities": ("{n} 处服务设施缺少坐标，未在地图显示", "{n} facilities without coordinates are not on the map"),
    "dq_scope": ("所选范围缺少边界，地图按全区显示", "the chosen area has no shape, so the map shows the district"),
    "dq_stations": ("{n} 个志愿服务站缺少坐标，未在地图显示", "{n} stations without coordinates are not on the map"),
    "dq_kitchens": ("{n} 个社区小厨房缺少坐标，未在地图显示", "{n} kitchens without coordinates are not on the map"),
    "dq_org_orphaned": ("{n} 个组织因上级缺失未显示", "{n} orgs are not shown: their parent is missing"),
    "dq_org_cycle": ("{n} 个组织的上级关系成环，未显示", "{n} orgs are not shown: their parents form a loop"),
    "dq_org_extra_roots": ("{n} 个组织没有上级，未显示", "{n} orgs without a parent are not shown"),
    "dq_org_unnamed": ("{n} 个组织或楼院名称为空", "{n} orgs or building groups have an empty name"),
}
