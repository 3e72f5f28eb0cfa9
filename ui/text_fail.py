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
}
