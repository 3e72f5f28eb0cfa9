"""同比 / 环比: the period a figure is compared with, and the change, without SQL.

同比 (yoy) is the same months one year earlier; 环比 (pop) the months of equal length just before. A
period reaching before the data's first month has nothing to compare with (None), and a change against
nothing or against zero is no change at all (None): it is shown as —, never as 0 % or ∞. Nor has a period
reaching before a measure's own first record (queries.first_records: 三会一课 are recorded from the month the
information system went live): the system's start would read as a rise (recorded_from, before_records).

Like with like: a range ending inside a month (a live dataset's month in progress, to the data date) is
compared with the same days (1 January – 6 December against 1 January – 6 December a year earlier), not with
whole months. The compared period's last month is whole in the monthly summaries, so it is marked `prorate`
and its sums are counted by day (filters.last_month_share: 6/31 of December): an approximation of those
days' figure that the captions name. Stocks need no share: they are counted on the compared period's last day.
"""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pandas as pd

from .filters import Filters, month_end, month_floor

MODES = ("yoy", "pop")
DEFAULT_MODE = "yoy"
GRAIN_MONTHS = {"month": 1, "quarter": 3, "year": 12}


def add_months(day: date, n: int) -> date:
    """The first day of the month n months after day's (n may be negative)."""
    k = day.year * 12 + day.month - 1 + n
    return date(k // 12, k % 12 + 1, 1)


def months_in(f: Filters) -> int:
    """Whole months the filters' range covers (the range is always whole months)."""
    return (f.end.year - f.start.year) * 12 + f.end.month - f.start.month + 1


def shift_months(mode: str, f: Filters) -> int:
    """How many months back the compared period lies."""
    return 12 if mode == "yoy" else months_in(f)


def recorded_from(first_day: date, first_record: date | None) -> date:
    """The first day a measure may be compared from: the data's, or the measure's first recorded month when
    later (None: no record to go by)."""
    return first_day if first_record is None else max(first_day, month_floor(first_record))


def before_records(previous: Filters | None, first_record: date | None) -> bool:
    """Whether the compared period begins before the measure's first recorded month (so it is not compared)."""
    return previous is not None and first_record is not None and previous.start < month_floor(first_record)


def same_day(day: date, n: int) -> date:
    """day's day of the month n months later (n may be negative), or that month's last day when it is shorter
    (29 February a year back: 28 February)."""
    first = add_months(day, n)
    return first.replace(day=min(day.day, month_end(first).day))


def ends_inside_month(f: Filters) -> bool:
    """Whether f's last day is not its month's last (a live dataset's month in progress, to the data date)."""
    return f.end < month_end(f.end)


def _days_back(f: Filters, start: date, back: int) -> Filters:
    """f's dates set to start up to the same day as f's end, back months earlier; marked prorate when that
    day is not its month's last (the summaries hold that month whole: filters.last_month_share)."""
    end = same_day(f.end, -back) if ends_inside_month(f) else month_end(add_months(month_floor(f.end), -back))
    return replace(f, start=start, end=end, prorate=end < month_end(end))


def previous_period(f: Filters, mode: str, first_day: date) -> Filters | None:
    """The period f is compared with, or None when it begins before the data does. A range ending inside a
    month is compared with the same days (its compared month prorated by day)."""
    back = shift_months(mode, f)
    start = add_months(month_floor(f.start), -back)
    if start < month_floor(first_day):
        return None
    return _days_back(f, start, back)


def last_compared(f: Filters, grain: str, mode: str, first_day: date) -> Filters | None:
    """The same days a time grain's last period (partial: the range ends inside a month) is compared with —
    1–6 December a year or a month earlier, 1 October – 6 December for a quarter — or None when the range ends
    at a month's end (over_time's earlier frame holds whole periods, right for whole periods) or the compared
    days begin before the data. with_last puts its rows in place of the whole period's."""
    if not ends_inside_month(f):
        return None
    back = 12 if mode == "yoy" else GRAIN_MONTHS[grain]
    start = add_months(max(_grain_floor(f.end, grain), month_floor(f.start)), -back)
    if start < month_floor(first_day):
        return None
    return _days_back(f, start, back)


def with_last(earlier: pd.DataFrame, last: pd.DataFrame, grain: str, start: date) -> pd.DataFrame:
    """earlier (over_time's compared periods) with the period holding start replaced by last (the same
    question over last_compared's days)."""
    key = pd.Timestamp(_grain_floor(start, grain))
    kept = earlier[pd.to_datetime(earlier[grain]) != key]
    return pd.concat([kept, last], ignore_index=True) if len(last) else kept.reset_index(drop=True)


def day_span(start: date, end: date) -> str:
    """A span of days as captions print it: 2026-01-01—12-06 (the year once when both share it)."""
    return f"{start:%Y-%m-%d}—{end:%m-%d}" if start.year == end.year else f"{start:%Y-%m-%d}—{end:%Y-%m-%d}"


def _missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def change(current: float | int | None, previous: float | int | None) -> tuple[float | None, float | None]:
    """(difference, share of the previous value); None where it cannot be computed."""
    if _missing(current) or _missing(previous):
        return None, None
    diff = float(current) - float(previous)
    return diff, (None if previous == 0 else diff / float(previous))


def with_previous(current: pd.DataFrame, previous: pd.DataFrame | None, keys: list[str]) -> pd.DataFrame:
    """current's rows with `previous` (the same keys' value in the compared period), `change` and `pct`;
    NaN where the compared period has no value (or none at all)."""
    out = current.copy()
    if previous is None:
        out["previous"] = float("nan")
    elif keys:
        out = out.merge(previous[[*keys, "value"]].rename(columns={"value": "previous"}), on=keys, how="left")
    else:
        out["previous"] = previous["value"].iloc[0] if len(previous) else float("nan")
    return _changes(out)


def _changes(out: pd.DataFrame) -> pd.DataFrame:
    out["change"] = out["value"] - out["previous"]
    prev = out["previous"].where(out["previous"] != 0)
    out["pct"] = out["change"] / prev
    return out


def over_time(
    current: pd.DataFrame, earlier: pd.DataFrame, grain: str, mode: str, keys: list[str], first_day: date
) -> pd.DataFrame:
    """A series broken down by a time grain, each period beside the one it is compared with: the same
    period a year earlier (同比) or the period just before (环比: a month, quarter or year). `earlier` is the
    same question over a range reaching back far enough (reach_back); a period whose compared period
    begins before the data has none."""
    back = 12 if mode == "yoy" else GRAIN_MONTHS[grain]
    prev = earlier[[*keys, grain, "value"]].copy()
    prev[grain] = [pd.Timestamp(add_months(p.date(), back)) for p in pd.to_datetime(prev[grain])]
    out = current.merge(prev.rename(columns={"value": "previous"}), on=[*keys, grain], how="left")
    too_early = pd.to_datetime(out[grain]) < pd.Timestamp(add_months(_grain_ceil(first_day, grain), back))
    out.loc[too_early, "previous"] = float("nan")
    return _changes(out)


def _grain_ceil(day: date, grain: str) -> date:
    """The first whole period of the grain on or after day (a period begun before the data is partial)."""
    floor = _grain_floor(day, grain)
    return floor if floor == day else add_months(floor, GRAIN_MONTHS[grain])


def _grain_floor(day: date, grain: str) -> date:
    if grain == "year":
        return date(day.year, 1, 1)
    if grain == "quarter":
        return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    return month_floor(day)


def reach_back(f: Filters, grain: str, mode: str, first_day: date) -> Filters:
    """f widened back far enough to hold the compared period of every period in it (within the data)."""
    back = 12 if mode == "yoy" else GRAIN_MONTHS[grain]
    start = max(add_months(_grain_floor(f.start, grain), -back), month_floor(first_day))
    return f.with_dates(start, f.end)
