"""Texts of the explore page and of the comparisons (同比 / 环比) shown on every page."""

TEXT: dict[str, tuple[str, str]] = {
    "cmp_yoy": ("同比", "YoY"),
    "cmp_pop": ("环比", "vs prev."),
    "cmp_setting": ("对比方式", "Compare with"),
    "cmp_setting_yoy": ("同比（上年同期）", "Same period last year"),
    "cmp_setting_pop": ("环比（上一等长时段）", "Previous period"),
    "cmp_help": (
        "同比：与上年同期的相同月份比较；环比：与紧邻的前一段等长时间比较。"
        "对比时段早于数据起始、或对比值为零时，显示“—”。红色▲为上升，绿色▼为下降。",
        "YoY: the same months a year earlier; previous: the months of equal length just before. "
        "Shown as — when the compared period starts before the data or its value is zero. Red ▲ up, green ▼ down.",
    ),
    "cmp_none_before": (
        "{mode}：对比时段（{start} — {end}）早于数据起始（{first}），本时段的流量指标无法比较，显示“—”。缩短日期范围即可显示变化。",
        "{mode}: the compared period ({start} — {end}) begins before the data ({first}); changes show as —. "
        "Shorten the date range to see them.",
    ),
    "cmp_period": (
        "{mode}：各指标与 {start} — {end} 比较（红色▲上升，绿色▼下降；存量指标无历史快照，显示“—”）。",
        "{mode}: figures compared with {start} — {end} (red ▲ up, green ▼ down; stocks have no past snapshot: —).",
    ),
    "cmp_stock_help": (
        "存量指标为数据日期的名册，没有历史快照，不计算同比/环比。",
        "A stock as of the data date: there is no past snapshot to compare with.",
    ),
    "notice_bad_cmp": (
        "链接参数 cmp={value} 无效（应为 yoy 或 pop），已使用同比。",
        "URL parameter cmp={value} is invalid (yoy or pop); using YoY.",
    ),
    "rank_same": ("持平", "same"),
    "col_rank_change": ("名次变化", "Rank change"),
}
