"""志愿服务 (pages/volunteers.py): charts and table shapers (charts), the page's filters and chart selections
(filters), the service heat map (service_map) and texts (text)."""
