"""同比 / 环比 as a viewer reads it: the session's comparison setting, a change as an arrow and a colour,
and a ranking's change in rank. The arithmetic is data_access.compare's."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from data_access.compare import (
    DEFAULT_MODE,
    MODES,
    add_months,
    before_records,
    change,
    day_span,
    previous_period,
    shift_months,
)
from data_access.filters import month_end

from . import numbers, prebuilt
from .labels import current_lang, t

STATE = "_cmp"  # the session's comparison: "yoy" (同比) or "pop" (环比)
URL_KEY = "cmp"
UP, DOWN = "red", "green"  # 红涨绿跌, as figures are read in China: the colour says the direction


def mode() -> str:
    """The session's comparison (the URL's on its first run; a bad value is dropped with a notice)."""
    if STATE not in st.session_state:
        raw = st.query_params.get(URL_KEY)
        if raw and raw not in MODES:
            st.session_state.setdefault("_notices", []).append(t("notice_bad_cmp", value=raw))
            del st.query_params[URL_KEY]
            raw = None
        st.session_state[STATE] = raw or DEFAULT_MODE
    return st.session_state[STATE]


def url_value() -> str | None:
    """What the URL carries for the setting (the default is left out)."""
    return None if mode() == DEFAULT_MODE else mode()


def fmt_pct(share: float | None) -> str:
    return numbers.signed_percent(share, na=t("na"))


def _change_text(diff: float, share: float | None, rate: bool) -> str:
    """A flow's or stock's change as a share of its previous value (+12.3%); a rate's as the difference
    in 百分点 (+1.2个百分点): a rate going from 40 % to 44 % rose 4 points, not 10 %."""
    return numbers.points(diff, current_lang()) if rate else numbers.signed_percent(share)


def metric_delta(current, previous, comparable: bool = True, rate: bool = False) -> dict:
    """st.metric's delta arguments for a change: "+12.3%" (a rate: "+1.2个百分点") with an arrow and the
    direction's colour, or "—" in grey when it cannot be computed (the page's caption says which
    comparison it is)."""
    diff, share = change(current, previous) if comparable else (None, None)
    if diff is not None and share is None and not rate and diff > 0:  # from nothing: no share, the count
        return {"delta": t("cmp_from_zero", n=numbers.number(diff)), "delta_arrow": "up", "delta_color": UP}
    if diff is None or (share is None and not rate):
        return {"delta": t("na"), "delta_arrow": "off", "delta_color": "gray"}
    if diff == 0:
        return {"delta": _change_text(0.0, 0.0, rate), "delta_arrow": "off", "delta_color": "gray"}
    return {
        "delta": _change_text(diff, share, rate),
        "delta_arrow": "up" if diff > 0 else "down",
        "delta_color": UP if diff > 0 else DOWN,
    }


def arrow_text(current, previous, rate: bool = False) -> tuple[str, str]:
    """(text, css class) of a change for HTML figures (the wall): "▲ 12.3%", "▼ 4.0%" (a rate: "▲ 1.2个百分点"),
    "—"."""
    diff, share = change(current, previous)
    if diff is not None and share is None and not rate and diff > 0:  # from nothing: no share, the count
        return f"▲ {t('cmp_from_zero', n=numbers.number(diff))}", "up"
    if diff is None or (share is None and not rate):
        return t("na"), "flat"
    if diff == 0:
        return _change_text(0.0, 0.0, rate), "flat"
    text = _change_text(abs(diff), abs(share) if share is not None else None, rate).lstrip("+")
    return (f"▲ {text}", "up") if diff > 0 else (f"▼ {text}", "down")


def named_change(current, previous) -> str:
    """A change with the comparison's name before it, as a figure's grey sub-line: "同比 ▲ 1.2%"."""
    return f"{t(f'cmp_{mode()}')} {arrow_text(current, previous)[0]}"


def rank_change(current: pd.DataFrame, previous: pd.DataFrame | None, key: str, measure: str) -> pd.Series:
    """Each row's change in rank by measure against the compared period (+2: two places up), NA where the
    place has no rank then (or no period to compare with). Ranks are 1 for the largest, ties share."""
    if previous is None or previous.empty or measure not in previous:
        return pd.Series(pd.NA, index=current.index, dtype="Int64")
    now = current[measure].rank(ascending=False, method="min")
    then = previous.set_index(key)[measure].rank(ascending=False, method="min")  # a withheld value: no rank
    return (current[key].map(then) - now).round().astype("Int64")


def ranking_table(
    ranking: pd.DataFrame, before: pd.DataFrame | None, measure: str
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The overview's ranking by measure, once per content: the figures rounded once (half away from zero, so
    the bar's label and the table print the same number), the table as shown (sorted, each place's change in
    rank against the compared period, headers in the session's language) and its number columns."""
    return prebuilt.memo(_ranking_table, ranking, before, measure)


def _ranking_table(ranking: pd.DataFrame, before: pd.DataFrame | None, measure: str) -> tuple:
    rounded = ranking.assign(**{c: pd.array(numbers.whole(ranking[c]), "Int64") for c in ranking.columns[2:]})
    moved = rank_change(ranking, before, "area_id", measure)
    table = rounded.assign(rank_change=moved.map(rank_text)).drop(columns="area_id")
    table = table.sort_values(measure, ascending=False)[
        ["area", measure, "rank_change", *ranking.columns[2:].drop(measure)]
    ]
    table = table.rename(columns={c: t(f"col_{c}") for c in table.columns})
    return rounded, table, [c for c in table.columns[1:] if c != t("col_rank_change")]


def rank_text(moved) -> str:
    if moved is pd.NA or moved is None or (isinstance(moved, float) and math.isnan(moved)):
        return t("na")
    moved = int(moved)
    return f"↑{moved}" if moved > 0 else (f"↓{-moved}" if moved < 0 else t("rank_same"))


def compared(f, first_day):
    """The period the session's figures are compared with (None: it would begin before the data)."""
    return previous_period(f, mode(), first_day)


def period_caption(f, previous, first_day, month_so_far=None) -> str:
    """What the changes on the page are against: the compared period, or why there is none. month_so_far:
    the data date when the range ends in a month still under way (a live dataset), said beside it."""
    name = t(f"cmp_{mode()}")
    if previous is None:
        start = add_months(f.start, -shift_months(mode(), f))
        end = add_months(f.end, -shift_months(mode(), f))
        return t("cmp_none_before", mode=name, start=f"{start:%Y-%m}", end=f"{end:%Y-%m}", first=f"{first_day:%Y-%m}")
    if previous.prorate:  # the range ends inside a month: compared with the same days
        return days_caption(t, current_lang(), name, f, previous)
    text = t("cmp_period", mode=name, start=f"{previous.start:%Y-%m}", end=f"{previous.end:%Y-%m}")
    if month_so_far is not None and f.end >= month_so_far.replace(day=1):
        text += t("cmp_month_so_far", d=month_so_far.isoformat())
    return text


def days_caption(say, lang: str, mode_name: str, f, previous) -> str:
    """What a range ending inside a month is compared with, day by day, and how the compared month is
    counted: 同比：2026-01-01—12-06 对 2025-01-01—12-06（12月按天折算：对比期12月的流量按 6/31 天计 …）.
    say: the text function (the app's t, the report's L)."""
    month = f"{previous.end.month}月" if lang == "zh" else f"{previous.end:%b}"
    return say(
        "cmp_period_days",
        mode=mode_name,
        cur=day_span(f.start, f.end),
        prev=day_span(previous.start, previous.end),
        m=month,
        d=previous.end.day,
        n=month_end(previous.end).day,
    )


def unrecorded(keys, previous, records: dict) -> dict:
    """The figures among keys whose compared period begins before their first record (records: cached.first_records),
    each with that month: they show no change (the system's start would read as a rise)."""
    return {k: records[k] for k in keys if before_records(previous, records.get(k))}


def unrecorded_note(found: dict, name) -> str | None:
    """Why the figures unrecorded() found show no change, those of one first month together (name: a figure's
    label): 党内活动：对比期早于系统启用（2016-09，此前无记录），不作比较。 None when there are none."""
    months: dict = {}
    for key, first in found.items():
        months.setdefault(first, []).append(name(key))
    notes = [t("cmp_before_records", items=t("x_comma").join(n), first=f"{m:%Y-%m}") for m, n in sorted(months.items())]
    return " ".join(notes) or None


def stock_history_note(f, previous, ctx) -> str | None:
    """Why the stocks show — (their dated history begins after the day they would be counted on), or None."""
    since = ctx.history_from
    days = [min(p.end, ctx.as_of) for p in (f, previous) if p is not None]
    if since is None or all(d >= since or d >= ctx.as_of for d in days):
        return None
    return t("cmp_stock_unknown", d=since.isoformat())
