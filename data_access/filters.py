"""The one Filters value every page honours, and its parsing from URL parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

# URL parameter names; values are place codes and ISO dates, so links are short and stable.
URL_KEYS = ("street", "community", "bg", "from", "to", "range")
RANGE_KEY = "range"
# Named date ranges (the filter bar's presets; ?range=all in a link): the year to the data date, the
# default, so every figure opens with its 同比; and the data's whole span.
PRESETS = ("ytd", "all")
DEFAULT_PRESET = "ytd"


@dataclass(frozen=True)
class Filters:
    """Place scope (district → street/town → community/village → building group) and date range."""

    start: date
    end: date
    street_id: int | None = None
    community_id: int | None = None
    building_group_id: int | None = None
    categories: tuple[int, ...] = ()
    # a compared period that ends on the same day as a range whose last month is still under way: its own
    # last month is whole in the monthly summaries, so their sums count that month by day (days to `end` /
    # days in the month, last_month_share); set by compare.previous_period only
    prorate: bool = False

    @property
    def level(self) -> str:
        if self.building_group_id:
            return "building_group"
        if self.community_id:
            return "community"
        if self.street_id:
            return "street"
        return "district"

    def with_dates(self, start: date, end: date) -> Filters:
        return replace(self, start=start, end=end)


@dataclass(frozen=True)
class Places:
    """Codes, names and parents of every selectable place, to validate and label the scope."""

    streets: pd.DataFrame  # id, code, name
    communities: pd.DataFrame  # id, code, name, street_id
    groups: pd.DataFrame  # id, code, name, community_id, street_id

    def code_of(self, frame: str, ident: int | None) -> str | None:
        df = getattr(self, frame)
        hit = df.loc[df["id"] == ident, "code"]
        return str(hit.iloc[0]) if len(hit) else None


@dataclass(frozen=True)
class Notice:
    """A URL value that was dropped, and why (shown to the viewer)."""

    key: str
    value: str
    reason: str


def month_floor(day: date) -> date:
    """The first day of day's month."""
    return day.replace(day=1)


def month_end(day: date) -> date:
    """The last day of day's month."""
    nxt = date(day.year + day.month // 12, day.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def last_month_share(f: Filters) -> float | None:
    """The share of its last month a prorated range covers (6 December: 6/31), or None: the monthly
    summaries' sums for that month are multiplied by it (an approximation of the same days' figure)."""
    if not f.prorate or f.end >= month_end(f.end):
        return None
    return f.end.day / month_end(f.end).day


def month_in_progress(f: Filters, as_of: date) -> date | None:
    """as_of when the range's last month is not over by the data date (a live dataset's month so far): its
    figures cover only as_of.day days and must not be read as a whole month; else None."""
    if f.end >= month_floor(as_of) and as_of < month_end(as_of):
        return as_of
    return None


def whole_months(start: date, end: date, first_day: date, last_day: date) -> tuple[date, date]:
    """The range widened to whole months (as far as the data goes): figures come from monthly rollups,
    so a range always means whole months."""
    return max(month_floor(start), first_day), min(month_end(end), last_day)


def preset_range(preset: str, first_day: date, last_day: date) -> tuple[date, date]:
    """The dates of a named range: 今年以来 (ytd) runs from 1 January of the data date's year (a live
    dataset's data date is today) to the data date; 全部 (all) is the data's whole span."""
    if preset == "all":
        return first_day, last_day
    return max(date(last_day.year, 1, 1), first_day), last_day


def default_filters(first_day: date, last_day: date) -> Filters:
    """What a page opens on without URL parameters: the whole district, the year to the data date."""
    return Filters(*preset_range(DEFAULT_PRESET, first_day, last_day))


def preset_of(f: Filters, first_day: date, last_day: date) -> str | None:
    """The named range f's dates are, if any (None: dates of the viewer's own choosing)."""
    return next((p for p in PRESETS if (f.start, f.end) == preset_range(p, first_day, last_day)), None)


def _lookup(df: pd.DataFrame, code: str) -> pd.Series | None:
    hit = df[df["code"] == code]
    return hit.iloc[0] if len(hit) else None


def parse_filters(
    params: Mapping[str, str], places: Places, first_day: date, last_day: date
) -> tuple[Filters, list[Notice]]:
    """Validate URL parameters into Filters; anything invalid is dropped and reported, never passed on."""
    notices: list[Notice] = []
    street_id = community_id = group_id = None

    code = params.get("street")
    if code:
        row = _lookup(places.streets, code)
        if row is None:
            notices.append(Notice("street", code, "unknown_place"))
        else:
            street_id = int(row["id"])
    code = params.get("community")
    if code:
        row = _lookup(places.communities, code)
        if row is None:
            notices.append(Notice("community", code, "unknown_place"))
        elif street_id and int(row["street_id"]) != street_id:
            notices.append(Notice("community", code, "outside_parent"))
        else:
            community_id, street_id = int(row["id"]), int(row["street_id"])
    code = params.get("bg")
    if code:
        row = _lookup(places.groups, code)
        if row is None:
            notices.append(Notice("bg", code, "unknown_place"))
        elif community_id and int(row["community_id"]) != community_id:
            notices.append(Notice("bg", code, "outside_parent"))
        elif street_id and not community_id and int(row["street_id"]) != street_id:
            notices.append(Notice("bg", code, "outside_parent"))
        else:
            group_id = int(row["id"])
            community_id, street_id = int(row["community_id"]), int(row["street_id"])

    start, end = preset_range(DEFAULT_PRESET, first_day, last_day)
    preset = params.get(RANGE_KEY)
    if preset:
        if preset in PRESETS:
            start, end = preset_range(preset, first_day, last_day)
        else:
            notices.append(Notice(RANGE_KEY, preset, "bad_range"))
    parsed: dict[str, date] = {}
    for key in ("from", "to"):
        raw = params.get(key)
        if not raw:
            continue
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            notices.append(Notice(key, raw, "bad_date"))
            continue
        if not first_day <= day <= last_day:
            notices.append(Notice(key, raw, "out_of_range"))
            continue
        parsed[key] = day
    if parsed:  # dates given: an end left out is the data's own (a link from before the presets reads alike)
        start, end = parsed.get("from", first_day), parsed.get("to", last_day)
    if start > end:
        notices.append(Notice("from", params.get("from", ""), "reversed"))
        start, end = preset_range(DEFAULT_PRESET, first_day, last_day)
    start, end = whole_months(start, end, first_day, last_day)
    return Filters(start, end, street_id, community_id, group_id), notices


def filters_to_params(f: Filters, places: Places, first_day: date, last_day: date) -> dict[str, str]:
    """The URL parameters that reproduce f (defaults are left out to keep links short): a named range by
    its name, other dates as from/to (each left out where it is the data's own edge)."""
    out: dict[str, str] = {}
    if f.building_group_id:
        out["bg"] = places.code_of("groups", f.building_group_id) or ""
    elif f.community_id:
        out["community"] = places.code_of("communities", f.community_id) or ""
    elif f.street_id:
        out["street"] = places.code_of("streets", f.street_id) or ""
    preset = preset_of(f, first_day, last_day)
    if preset is None:
        if f.start != first_day:
            out["from"] = f.start.isoformat()
        if f.end != last_day:
            out["to"] = f.end.isoformat()
    elif preset != DEFAULT_PRESET:
        out[RANGE_KEY] = preset
    return {k: v for k, v in out.items() if v}
