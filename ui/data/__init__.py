"""数据说明 (pages/data.py): dataset facts, imports, refresher runs, template downloads (view) and texts (text)."""
