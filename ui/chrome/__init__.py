"""The chrome: the frame every page is drawn in (page_setup, the filter bar, freshness, the database's state,
downloads and 导出 PNG/PDF, and their texts). Every room may use it; it is not a room."""
