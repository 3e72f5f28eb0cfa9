"""The report's words: the app's own labels (ui.labels.TEXT, read as a table, so no Streamlit session is
needed) and the few texts only the printed briefing has, Chinese first."""

from __future__ import annotations

import math
from html import escape

from ui import numbers
from ui.labels import TEXT as APP_TEXT

LANGS = ("zh", "en")

TEXT: dict[str, tuple[str, str]] = {
    "rep_briefing": ("工作简报", " · Briefing"),
    "rep_place": ("范围", "Scope"),
    "rep_period": ("时段", "Period"),
    "rep_compare": ("对比", "Compared with"),
    "rep_generated": ("生成于 {t}", "Generated {t}"),
    "rep_demo_note": ("本简报使用示例数据", "This briefing uses demo data"),
    "rep_clipped": ("（数据自 {start} 至 {end}）", " (data {start} – {end})"),
    "rep_month": ("{y}年{m}月", "{y}-{m:02d}"),
    "rep_quarter": ("{y}年第{q}季度", "{y} Q{q}"),
    "rep_year": ("{y}年", "{y}"),
    "rep_cmp_with": ("{mode}（{period}）", "{mode} ({period})"),
    "rep_cmp_none": ("{mode}（无对比时段）", "{mode} (no compared period)"),
    "rep_sec_figures": ("主要指标", "Headline figures"),
    "rep_sec_maps": ("网格与志愿服务分布", "Grids and volunteer service"),
    "rep_sec_ranking": ("排名", "Ranking"),
    "rep_sec_warnings": ("当前预警", "Current warnings"),
    "rep_sec_defs": ("指标口径", "Definitions"),
    "rep_ranking_by": (
        "按本期志愿服务时数排序；名次变化为与对比时段相比。",
        "By volunteer hours of the period; rank change against the compared period.",
    ),
    "rep_rank": ("名次", "Rank"),
    "rep_heat_total": (
        "本期服务时数合计 {n} 小时，约 400 米网格汇总（{k} 个网格）。",
        "{n} volunteer hours in the period, summed on a ~400 m grid ({k} cells).",
    ),
    "rep_heat_areas": (
        "本期服务时数合计 {n} 小时，按{area}着色（{k} 个有服务）。",
        "{n} volunteer hours in the period, shaded by {area} ({k} with service).",
    ),
    "rep_heat_groups": (
        "圆点为 {k} 个有服务的楼院党小组，面积与其服务时数成正比（合计 {n} 小时）",
        "Circles: the {k} building groups with service, their area in proportion to their hours ({n} h in all)",
    ),
    "rep_heat_unplaced": (
        "；另有 {n} 小时未记录楼院，计入所在社区。",
        "; {n} h recorded at no building group count towards their community.",
    ),
    "rep_heat_unplaced_community": (
        "另有 {n} 小时未记录楼院（计入本社区合计，不在图中）。",
        "{n} h recorded at no building group are in the community's total, not on the map.",
    ),
    "rep_heat_area_community": ("社区（村）", "community/village"),
    "rep_heat_area_group": ("楼院网格", "building area"),
    "rep_legend_area_hours": ("{area}服务时数（小时）", "Hours per {area}"),
    "rep_legend_group_hours": ("楼院党小组服务时数", "Hours per building group"),
    "rep_legend_no_service": ("本期无服务", "No service"),
    "rep_heat_none": ("本期范围内没有志愿服务记录。", "No volunteer service recorded in scope in the period."),
    "rep_legend_groups": ("楼院党小组", "Building party group"),
    "rep_legend_scope": ("范围边界", "Scope outline"),
    "rep_legend_focus": ("城区（见放大图）", "Inner city (see the enlarged map)"),
    "rep_focus_map": ("城区放大：楼院密集的{n}个街道", "The inner city enlarged: the {n} densely built streets"),
    "rep_legend_hours": ("服务时数（小时）", "Volunteer hours"),
    "rep_as_of_judged": ("预警按 {d} 判定。", "Warnings judged as of {d}."),
    "rep_warn_by_area": ("各{area}预警数", "Warnings by {area}"),
    "rep_overdue_more": ("另有 {n} 项未列出。", "{n} more not listed."),
    "rep_meeting_orgs": ("三会一课90天未开展的组织", "Organisations without 三会一课 in 90 days"),
    "rep_staffing_by_org": (
        "1+X+Y 缺员楼院网格（按社区/村党组织）",
        "Building areas with 1+X+Y gaps (by community/village)",
    ),
    "rep_none": ("无。", "None."),
    "rep_count": ("{n} 个", "{n}"),
    "rep_missing": ("缺{what}", "no {what}"),
    "rep_def_meeting_gaps": (
        "社区/村党组织在截至判定日的 90 天内没有开展支部党员大会、支委会、党小组会或党课（三会一课）的，计为一处预警。",
        "A community/village organisation with no branch meeting, committee meeting, group meeting or party lecture "
        "(三会一课) in the 90 days up to the judging date.",
    ),
    "rep_def_rank": (
        "名次按本期志愿服务时数由高到低排列，并列者名次相同；↑/↓ 为与对比时段名次相比上升/下降的位数。",
        "Ranks by the period's volunteer hours, ties share a rank; ↑/↓: places moved since the compared period.",
    ),
    "rep_def_heat": (
        "志愿服务记录按服务地点汇总：全区按约 400 米的网格；街道按社区（村）着色，并以圆点大小表示各楼院党小组的时数；"
        "社区按楼院网格着色。颜色按时数的分位数分档。",
        "Service records summed by place: the district's on a ~400 m grid; a street's shaded by community/village, "
        "each building group a circle sized by its hours; a community's shaded by building area. Colours are "
        "quantile classes of the hours.",
    ),
    "rep_stock": ("存量指标", "Stocks"),
    "rep_heat_term": ("服务热力图", "Service heat map"),
    "rep_map_term": ("地图范围（示意）", "Map areas (schematic)"),
    "rep_page": ("第 {n} 页 / 共 {total} 页", "Page {n} of {total}"),
    "rep_was": ("对比期 {v}", "then {v}"),
    "rep_summary": ("数据解读", "In brief"),
    "rep_meeting_never": ("无开展记录", "none on record"),
    "rep_meeting_last": ("最近一次 {d}，已 {n} 天", "last {d}, {n} days ago"),
    "rep_more_items": ("及其他 {n} 个", " and {n} more"),
    "rep_more_places": ("及其他 {n} 个社区/村", " and {n} more communities/villages"),
    "rep_see_appendix": ("完整名单见附录。", "The full lists are in the appendix."),
    "rep_appendix": ("附录　预警名单", "Appendix: the warning lists"),
    "rep_col_last_meeting": ("最近一次三会一课", "Last 三会一课"),
    "rep_col_area": ("楼院网格", "Building area"),
    "rep_col_org": ("党组织", "Organisation"),
    "rep_col_lacks": ("缺员情况", "Lacking"),
    "rep_sum_changes": ("{span}：{items}。", "{span}: {items}."),
    "rep_sum_change_up": ("{what} {v}，增长 {pct}（对比期 {was}）", "{what} {v}, up {pct} (then {was})"),
    "rep_sum_change_down": ("{what} {v}，下降 {pct}（对比期 {was}）", "{what} {v}, down {pct} (then {was})"),
    "rep_sum_flat": ("{span}：各项对比指标均持平。", "{span}: every compared figure is unchanged."),
    "rep_sum_lead": ("按志愿服务时数排名，{who}居首（{v} 小时）", "By volunteer hours, {who} leads ({v} h)"),
    "rep_sum_end": ("。", "."),
    "rep_sum_rank_same": ("，各地名次与对比时段相同。", "; every rank is as in the compared period."),
    "rep_sum_movers": ("；{items}。", "; {items}."),
    "rep_sum_rose": ("名次上升最多的是{who}，上升 {n} 位", "{who} rose most, {n} places"),
    "rep_sum_fell": ("下降最多的是{who}，下降 {n} 位", "{who} fell most, {n} places"),
    "rep_sum_to_rank": ("{who}（现第 {rank} 名）", "{who} (now {rank})"),
    "rep_sum_more": ("等（另 {n} 个）", " and {n} more"),
    "rep_sum_no_warnings": ("当前没有预警。", "There are no warnings."),
    "rep_sum_warnings": ("需研究解决：{items}。", "For decision: {items}."),
    "rep_sum_overdue": ("督查任务逾期 {n} 项", "{n} supervision tasks overdue"),
    "rep_sum_overdue_worst": (
        "，逾期最久的是“{title}”（{org}，{days} 天）",
        ', the longest "{title}" ({org}, {days} days)',
    ),
    "rep_sum_meetings": (
        "{n} 个社区/村党组织 90 天未开展三会一课",
        "{n} community/village organisations without 三会一课 in 90 days",
    ),
    "rep_sum_staffing": ("{n} 个楼院网格 1+X+Y 缺员", "{n} building-area grids short of 1+X+Y staff"),
    "rep_sum_staffing_most": ("，最多的是{who}（{n} 个）", ", most in {who} ({n})"),
}


def label(key: str, lang: str = "zh", **fmt: object) -> str:
    """The text for key (the report's own, else the app's) in lang, formatted with fmt."""
    zh, en = TEXT.get(key) or APP_TEXT[key]
    text = en if lang == "en" else zh
    return text.format(**fmt) if fmt else text


def missing(value: object) -> bool:
    """None, NaN or pandas' NA: a figure that does not apply or cannot be computed."""
    if value is None:
        return True
    try:
        return bool(value != value) or (isinstance(value, float) and math.isnan(value))
    except TypeError:  # pd.NA refuses truth tests
        return True


def number(value: object, lang: str = "zh") -> str:
    """Thousands separators as the app's tiles show them (ui.numbers.number); — where there is no figure."""
    return numbers.number(value, na=label("na", lang))


def esc(value: object) -> str:
    """Any value as HTML text (quotes too, for attributes): names from the database are data, not markup."""
    return escape(str(value), quote=True)
