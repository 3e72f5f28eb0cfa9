"""Texts of a live database: how fresh the figures are, the lag, the refresher's runs."""

TEXT: dict[str, tuple[str, str]] = {
    "fresh_refreshed": ("数据更新于 {t}", "Figures refreshed {t}"),
    "fresh_refreshed_help": (
        "汇总刷新服务最近一次把数据库中的新写入汇总进图表的时间。",
        "When the summary refresher last brought the database's new writes into the figures.",
    ),
    "fresh_lag": (
        "数据更新滞后：最早一条尚未汇总的数据库变更已等待 {m}，图表中的数字尚未包含此后的写入。",
        "Figures are behind: the oldest change not yet summarised has waited {m}; the figures do not include "
        "the writes since.",
    ),
    "fresh_stopped": (
        "数据更新滞后：汇总刷新服务已 {m} 未运行，等待时长、逾期与积压等按时间判断的数字停在 {t}。",
        "Figures are behind: the summary refresher has not run for {m}; waits, overdue tasks and backlog ages "
        "stand as of {t}.",
    ),
    "fresh_lag_short": ("数据更新滞后 {m}", "Behind by {m}"),
    "fresh_minutes": ("{n} 分钟", "{n} min"),
    "fresh_hours": ("{n} 小时", "{n} h"),
    "trend_month_so_far": (
        "最后一个月为本月截至 {d} 的数据（尚未满月），以空心点单独标出，不与前面的整月连线比较。",
        "The last month is this month so far (to {d}), not a whole month: a hollow point apart from the line.",
    ),
    "heat_month_so_far": (
        "最后一列为本月截至 {d} 的数据（尚未满月），以虚线框标出：颜色较浅是天数未满，并非下降。",
        "The last column is this month so far (to {d}), framed with a dashed line: paler for its missing days, "
        "not a fall.",
    ),
    "month_so_far": ("{m}（截至{d}日，未满月）", "{m} (to day {d}, month in progress)"),
    "month_so_far_short": ("截至{d}日", "to day {d}"),
    "data_refresh_runs": ("汇总刷新记录", "Summary refreshes"),
    "data_refresh_note": (
        "其他系统写入数据库后，汇总刷新服务只重算受影响的月份×地点分组（一个事务内完成）；每晚全量重建一次并核对差异。",
        "After other systems write to the database, the refresher recomputes only the month × place groups the "
        "changes touched (in one transaction); once a night it rebuilds everything and checks for drift.",
    ),
    "data_refresh_none": ("尚无刷新记录。", "No refreshes recorded yet."),
    "data_drift": (
        "最近一次全量重建发现增量结果与全量结果不一致：{d}（已以全量结果为准）。",
        "The last full rebuild found the incremental results differed from a full rebuild: {d} (the full "
        "results now stand).",
    ),
    "data_no_drift": ("最近一次全量重建（{t}）：增量结果与全量结果一致。", "Last full rebuild ({t}): no drift."),
    "data_col_kind": ("类型", "Kind"),
    "data_col_changes": ("变更行数", "Rows changed"),
    "data_col_groups": ("重算分组", "Groups recomputed"),
    "data_col_rows_written": ("写入汇总行", "Summary rows written"),
    "data_col_seconds": ("耗时（秒）", "Seconds"),
    "data_col_lag": ("滞后（秒）", "Lag (s)"),
    "data_kind_incremental": ("增量", "incremental"),
    "data_kind_full": ("全量", "full"),
    "data_kind_seed": ("生成示例数据", "seed"),
    "data_kind_import": ("导入", "import"),
}
