"""--period as the report reads it: a month (2017-09), a quarter (2017-Q3) or a year (2017), checked
against the data's span."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from data_access.filters import month_end, month_floor

from .errors import ReportError
from .text import label

_FORMS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), "month"),
    (re.compile(r"^(\d{4})-[Qq]([1-4])$"), "quarter"),
    (re.compile(r"^(\d{4})$"), "year"),
)


@dataclass(frozen=True)
class Period:
    """A calendar period (start..end whole months) and the part of it the data covers (start..end)."""

    text: str  # as given, normalised: 2017-09, 2017-Q3, 2017
    kind: str  # month, quarter, year
    year: int
    number: int  # month 1-12, quarter 1-4, or 0 for a year
    start: date  # inside the data
    end: date
    clipped: bool  # the data covers only part of the calendar period

    def name(self, lang: str) -> str:
        """2017年9月 / 2017年第三季度 / 2017年."""
        if self.kind == "month":
            return label("rep_month", lang, y=self.year, m=self.number)
        if self.kind == "quarter":
            q = "一二三四"[self.number - 1] if lang == "zh" else self.number
            return label("rep_quarter", lang, y=self.year, q=q)
        return label("rep_year", lang, y=self.year)


def calendar_bounds(text: str) -> tuple[str, int, int, date, date]:
    """(kind, year, number, first day, last day) of a period text; ReportError when it is malformed."""
    raw = text.strip()
    for pattern, kind in _FORMS:
        hit = pattern.match(raw)
        if not hit:
            continue
        year = int(hit.group(1))
        n = int(hit.group(2)) if kind != "year" else 0
        if kind == "month" and not 1 <= n <= 12:
            break
        if year < 1900:
            break
        first_month = {"month": n, "quarter": 3 * n - 2, "year": 1}[kind]
        last_month = {"month": n, "quarter": 3 * n, "year": 12}[kind]
        return kind, year, n, date(year, first_month, 1), month_end(date(year, last_month, 1))
    raise ReportError(
        f"时段格式不正确：{raw!r}（应为 YYYY-MM、YYYY-Qn 或 YYYY，如 2017-09、2017-Q3、2017）",
        f"malformed period {raw!r} (YYYY-MM, YYYY-Qn or YYYY, e.g. 2017-09, 2017-Q3, 2017)",
    )


def parse_period(text: str, first_day: date, as_of: date) -> Period:
    """The period within the data (first_day..as_of); ReportError when malformed or entirely outside it."""
    kind, year, n, start, end = calendar_bounds(text)
    if end < first_day or start > as_of:
        raise ReportError(
            f"时段 {text.strip()} 超出数据范围（{first_day:%Y-%m} 至 {as_of:%Y-%m}）",
            f"period {text.strip()} is outside the data ({first_day:%Y-%m} to {as_of:%Y-%m})",
        )
    # the app's rule (filters.whole_months): a range is whole months, as far as the data goes
    lo, hi = max(start, first_day), min(end, as_of)
    normal = {"month": f"{year}-{n:02d}", "quarter": f"{year}-Q{n}", "year": f"{year}"}[kind]
    return Period(normal, kind, year, n, lo, hi, (lo, hi) != (start, end))


def default_period(first_day: date, as_of: date) -> str:
    """The last whole month up to the as-of date (the as-of month itself when as_of is its last day)."""
    last = month_floor(as_of) if as_of == month_end(as_of) else date.fromordinal(month_floor(as_of).toordinal() - 1)
    last = max(month_floor(last), month_floor(first_day))
    return f"{last:%Y-%m}"
