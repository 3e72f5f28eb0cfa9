"""工作简报: the scheduled briefing report, an A4 PDF for the district, a street/town or a community/village.

`python -m report --place S03 --period 2017-09 --out reports/`, or `report.build(url, place, period, out_dir)`.
"""

from __future__ import annotations

from streamlit.logger import get_logger

# the query layer's caches are declared with Streamlit's decorators, which warn "No runtime found" when
# imported outside the app: a command's stderr holds one line for a bad input, not that
get_logger("streamlit.runtime.caching.cache_data_api").setLevel("ERROR")

from .build import build  # noqa: E402 - after the logger is quiet
from .errors import ReportError  # noqa: E402

__all__ = ["ReportError", "build"]
