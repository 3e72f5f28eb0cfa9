"""Texts of the PNG/PDF export (ui.chrome.snapshot)."""

TEXT: dict[str, tuple[str, str]] = {
    "snap_title": ("导出当前视图", "Export this view"),
    "snap_png": ("导出 PNG", "Export PNG"),
    "snap_pdf": ("导出 PDF", "Export PDF"),
    "snap_help": (
        "生成与屏幕一致的图片或 PDF（相同的筛选、范围、语言与选中对象），页脚注明筛选条件、数据日期和导出人。",
        "A picture or PDF of exactly what you see (filters, scope, language, selection), with a footer "
        "naming the filters, the data date and who exported it.",
    ),
    "snap_working": ("正在生成 {kind}，约需数秒……", "Making the {kind}, a few seconds…"),
    "snap_ready": ("{kind} 已生成（{s} 秒）", "{kind} ready ({s} s)"),
    "snap_download": ("下载 {name}", "Download {name}"),
    "snap_refused": (
        "导出被拒绝：当前视图超出您的权限范围，或您的登录已失效。",
        "Export refused: this view lies outside your scope, or your session is no longer valid.",
    ),
    "snap_busy": ("导出任务繁忙，请稍后再试。", "The exporter is busy; please try again shortly."),
    "snap_yours": (
        "您的上一个导出尚未完成，请完成后再试。",
        "Your previous export is still being made; try again when it is done.",
    ),
    "snap_timeout": ("导出超时（{s} 秒），请稍后再试。", "The export took too long ({s} s); please try again."),
    "snap_missing": (
        "本服务器未安装导出所需的浏览器（chromium），请联系管理员。",
        "This server has no browser to make exports with (chromium); ask the administrator.",
    ),
    "snap_failed": ("导出失败，请稍后再试。", "The export failed; please try again."),
    "snap_bad_link": ("导出链接无效或已过期。", "This export link is invalid or has expired."),
    "snap_foot_page": ("页面：{p}", "Page: {p}"),
    "snap_foot_scope": ("范围：{s}", "Scope: {s}"),
    "snap_foot_dates": ("日期：{a} — {b}", "Dates: {a} — {b}"),
    "snap_foot_cmp": ("对比：{m}", "Compared: {m}"),
    "snap_foot_more": ("页面设置：{v}", "Page settings: {v}"),
    "snap_foot_by": ("导出人：{who}（{role} · 权限范围 {scope}）", "Exported by {who} ({role} · scope {scope})"),
    "snap_foot_at": ("导出时间：{t}", "Exported at {t}"),
    "snap_table_more": ("另有 {n} 行未列出，请下载 CSV。", "{n} more rows not listed; download the CSV."),
    "snap_table_more_png": (
        "另有 {n} 行未列出：导出 PDF 或下载 CSV 可得完整表格。",
        "{n} more rows not listed: export the PDF or download the CSV for the whole table.",
    ),
    "snap_foot_pages": ("第 {n} 页 / 共 {total} 页", "Page {n} of {total}"),
    "snap_p_org": ("组织", "organisation"),
    "snap_p_kind": ("组织类型", "kinds"),
    "snap_p_sel": ("选中楼院", "building group"),
    "snap_p_measure": ("指标", "measure"),
    "snap_p_by": ("维度", "breakdown"),
    "snap_p_chart": ("图表", "chart"),
    "snap_p_places": ("对比地点", "places compared"),
    "snap_p_vcat": ("志愿服务类别", "volunteer categories"),
    "snap_demo_exporter": ("未启用登录（演示）", "no sign-in (demo)"),
}
