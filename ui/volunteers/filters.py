"""The volunteer page's own narrowing: a category filter (URL `vcat`) and clicks on the time heatmaps."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd
import streamlit as st

from data_access.filters import Filters

from ..labels import TEXT, current_lang, t
from ..safe_text import md

URL_KEY = "vcat"  # comma-separated category codes, e.g. vcat=VC01,VC07
STATE = "_vol_categories"  # chosen category ids, kept for the session like the global filters
_W = "_w_vcat"
_GEN = "_vol_sel_gen"  # bumping it gives the heatmaps fresh keys: the way to clear their selections
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def category_name(code: str, name: str) -> str:
    """A volunteer or need category in the UI language (the database holds the Chinese name)."""
    if current_lang() == "en":
        for prefix in ("vcat_", "need_"):
            if f"{prefix}{code}" in TEXT:
                return t(f"{prefix}{code}")
    return name


def parse_categories(raw: str | None, cats: pd.DataFrame) -> tuple[tuple[int, ...], list[str]]:
    """Category ids from a `vcat` value; unknown codes are returned separately, never used."""
    if not raw:
        return (), []
    ids = dict(zip(cats["code"], cats["id"].astype(int)))
    chosen, bad = [], []
    for code in (c.strip() for c in raw.split(",")):
        if not code:
            continue
        if code in ids:
            if ids[code] not in chosen:
                chosen.append(ids[code])
        else:
            bad.append(code)
    return tuple(sorted(chosen)), bad


def category_filter(cats: pd.DataFrame) -> tuple[int, ...]:
    """Draw the category multiselect; the choice lives in the session and in the URL (`vcat`)."""
    if STATE not in st.session_state:
        chosen, bad = parse_categories(st.query_params.get(URL_KEY), cats)
        st.session_state[STATE] = chosen
        for code in bad:
            st.warning(t("vol_notice_category", value=md(code[:40])))
    names = {int(i): category_name(c, n) for i, c, n in zip(cats["id"], cats["code"], cats["name"])}

    def _changed() -> None:
        st.session_state[STATE] = tuple(sorted(st.session_state[_W]))

    st.session_state[_W] = list(st.session_state[STATE])
    st.multiselect(
        t("vol_categories"),
        list(names),
        key=_W,
        on_change=_changed,
        format_func=lambda i: names[i],
        placeholder=t("vol_categories_all"),
    )
    chosen = st.session_state[STATE]
    codes = dict(zip(cats["id"].astype(int), cats["code"]))
    want = ",".join(codes[i] for i in chosen)
    if want and st.query_params.get(URL_KEY) != want:
        st.query_params[URL_KEY] = want
    elif not want and URL_KEY in st.query_params:
        del st.query_params[URL_KEY]
    return chosen


@dataclass(frozen=True)
class Picked:
    """What the viewer clicked on the time heatmaps (already validated)."""

    month: str | None = None  # 'YYYY-MM'
    category_id: int | None = None
    weekday: int | None = None  # 0 = Sunday
    hour: int | None = None

    @property
    def any(self) -> bool:
        return any(v is not None for v in (self.month, self.category_id, self.weekday, self.hour))


def chart_key(name: str) -> str:
    return f"vol_{name}_{st.session_state.get(_GEN, 0)}"


def clear_selections() -> None:
    st.session_state[_GEN] = st.session_state.get(_GEN, 0) + 1


def _first_point(name: str, param: str) -> dict:
    state = st.session_state.get(chart_key(name))
    try:
        points = state["selection"][param]
    except (KeyError, TypeError):
        return {}
    return points[0] if isinstance(points, list) and points and isinstance(points[0], dict) else {}


def _int_in(value, lo: int, hi: int) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if lo <= number <= hi and float(value) == number else None


def validate_pick(mc: dict, wh: dict, category_ids: set[int]) -> Picked:
    """Keep only well-formed values from the charts' selection payloads (they come from the browser)."""
    month = mc.get("month")
    if not (isinstance(month, str) and (hit := _MONTH.match(month)) and 1 <= int(hit.group(2)) <= 12):
        month = None
    cat = _int_in(mc.get("category_id"), 1, 10**9)
    return Picked(
        month=month,
        category_id=cat if cat in category_ids else None,
        weekday=_int_in(wh.get("weekday"), 0, 6),
        hour=_int_in(wh.get("hour"), 0, 23),
    )


def picked(category_ids: set[int]) -> Picked:
    """The current clicks on the month × category and weekday × hour heatmaps."""
    return validate_pick(_first_point("mc", "mc"), _first_point("wh", "wh"), category_ids)


def month_filters(f: Filters, month: str | None) -> Filters:
    """f narrowed to one month (intersected with its date range)."""
    if month is None:
        return f
    year, mon = int(month[:4]), int(month[5:])
    first = date(year, mon, 1)
    last = date(year + mon // 12, mon % 12 + 1, 1).toordinal() - 1
    start, end = max(f.start, first), min(f.end, date.fromordinal(last))
    return f if start > end else f.with_dates(start, end)


def narrowed(f: Filters, pick: Picked, *, month: bool = True, category: bool = True) -> Filters:
    """f narrowed by the month and category clicked (the weekday/hour slot is passed separately)."""
    if month:
        f = month_filters(f, pick.month)
    if category and pick.category_id is not None and (not f.categories or pick.category_id in f.categories):
        f = replace(f, categories=(pick.category_id,))
    return f
