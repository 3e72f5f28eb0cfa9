"""工作简报: the scheduled briefing report, an A4 PDF for the district, a street/town or a community/village.

`python -m report --place S03 --period 2017-09 --out reports/`, or `report.build(url, place, period, out_dir)`.
"""

from __future__ import annotations

from .build import build
from .errors import ReportError

__all__ = ["ReportError", "build"]
