"""The one Filters value every page honours, and its parsing from URL parameters."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

# URL parameter names; values are place codes and ISO dates, so links are short and stable.
URL_KEYS = ("street", "community", "bg", "from", "to")


@dataclass(frozen=True)
class Filters:
    """Place scope (district → street/town → community/village → building group) and date range."""

    start: date
    end: date
    street_id: int | None = None
    community_id: int | None = None
    building_group_id: int | None = None
    categories: tuple[int, ...] = ()

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


def whole_months(start: date, end: date, first_day: date, last_day: date) -> tuple[date, date]:
    """The range widened to whole months (as far as the data goes): figures come from monthly rollups,
    so a range always means whole months."""
    return max(month_floor(start), first_day), min(month_end(end), last_day)


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

    start, end = first_day, last_day
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
    start, end = parsed.get("from", start), parsed.get("to", end)
    if start > end:
        notices.append(Notice("from", params.get("from", ""), "reversed"))
        start, end = first_day, last_day
    start, end = whole_months(start, end, first_day, last_day)
    return Filters(start, end, street_id, community_id, group_id), notices


def filters_to_params(f: Filters, places: Places, first_day: date, last_day: date) -> dict[str, str]:
    """The URL parameters that reproduce f (defaults are left out to keep links short)."""
    out: dict[str, str] = {}
    if f.building_group_id:
        out["bg"] = places.code_of("groups", f.building_group_id) or ""
    elif f.community_id:
        out["community"] = places.code_of("communities", f.community_id) or ""
    elif f.street_id:
        out["street"] = places.code_of("streets", f.street_id) or ""
    if f.start != first_day:
        out["from"] = f.start.isoformat()
    if f.end != last_day:
        out["to"] = f.end.isoformat()
    return {k: v for k, v in out.items() if v}
