"""The explore page's answer: the labelled frame with its comparison, and the chart and table that show it."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data_access import cached
from data_access.compare import (
    GRAIN_MONTHS,
    add_months,
    last_compared,
    over_time,
    previous_period,
    reach_back,
    recorded_from,
    with_last,
    with_previous,
)
from data_access.filters import Filters, month_end
from data_access.guard import smallest_count
from data_access.queries.explore import MEASURES, TIME_BY
from data_access.scope import PEOPLE_COUNTS

from .. import charts as base_charts
from .. import compare, numbers
from ..chrome.export import download_csv, download_xlsx
from ..labels import TEXT, current_lang, kind_label, t
from ..maps import MAP_WIDTH
from . import charts
from .controls import DIGITS, RATES, _by_label, shown_value
from .question import Question, charts_for, place_by

MAP_HEIGHT = 620


def _label(frame: pd.DataFrame, b: str) -> pd.Series:
    if b in TIME_BY:
        p = pd.to_datetime(frame[b])
        if b == "month":
            return p.dt.strftime("%Y-%m")
        if b == "quarter":
            return p.dt.year.astype(str) + "Q" + p.dt.quarter.astype(str)
        return p.dt.year.astype(str)
    if f"{b}_name" in frame:
        return frame[f"{b}_name"].astype(str)
    if b == "org_kind":
        return frame[b].map(kind_label)
    if b == "activity_kind":
        return frame[b].map(lambda k: t(f"grid_act_{k}") if f"grid_act_{k}" in TEXT else str(k))
    if b == "stage":
        return frame[b].map(lambda s: t(f"stage_{s}"))
    if b == "demonstration":
        return frame[b].map(lambda v: t(f"x_demo_{v}"))
    return frame[b].astype(str)


def answer(q: Question, f: Filters, first_day: date) -> tuple[pd.DataFrame, Filters | None, bool]:
    """The answer with a `label` per breakdown (label, label2; period for a time grain) and, for a flow,
    its comparison (previous, change, pct); the compared period; whether a comparison was possible."""
    spec = MEASURES[q.measure]
    cur = cached.explore_answer(f, q.measure, q.by)
    grain = next((b for b in q.by if b in TIME_BY), None)
    others = [b for b in q.by if b not in TIME_BY]
    mode = compare.mode()
    since = compared_from(q, first_day)  # nothing compared with a period before the measure's first record
    fixed = spec.stock and spec.past is None  # a stock with no dated history: as of the data date, never compared
    before = None if fixed else previous_period(f, mode, since)
    if fixed:
        out = cur.assign(previous=float("nan"), change=float("nan"), pct=float("nan"))
    elif grain:
        earlier = cached.explore_answer(reach_back(f, grain, mode, since), q.measure, q.by)
        last = last_compared(f, grain, mode, since) if spec.additive else None
        if last is not None:  # the last period ends inside a month: compared with the same days (a sum prorated)
            earlier = with_last(earlier, cached.explore_answer(last, q.measure, q.by), grain, last.start)
        out = over_time(cur, earlier, grain, mode, others, since)
    else:
        prev = cached.explore_answer(before, q.measure, q.by) if before else None
        out = with_previous(cur, prev, list(q.by))
    if q.places and place_by(q):
        out = out[out[place_by(q)].isin(q.places)]
    ordered = [*others, *([grain] if grain else [])]
    for i, b in enumerate(ordered):
        out[("label", "label2")[i]] = _label(out, b)
    if grain:
        out["period"] = pd.to_datetime(out[grain])
        out["period_label"] = _label(out, grain)
        out = _mark_partial(out, grain, f)
        if not others:
            out["label"] = out["period_label"]
    out["value_text"] = [shown_value(q.measure, v) for v in out["value"]]
    comparable = not fixed and (grain is not None or before is not None)
    return out.reset_index(drop=True), before, comparable


def compared_from(q: Question, first_day: date) -> date:
    """The first day q's measure may be compared from: the data's, or its first recorded month when later."""
    return recorded_from(first_day, cached.first_records().get(q.measure))


def _mark_partial(out: pd.DataFrame, grain: str, f: Filters) -> pd.DataFrame:
    """Periods the range covers only in part (the month in progress on a live dataset, the year to date):
    `partial`, with the days they hold in their label, so that none is read as a whole period that fell."""
    starts = [p.date() for p in out["period"]]
    ends = [month_end(add_months(s, GRAIN_MONTHS[grain] - 1)) for s in starts]
    late = pd.Series([e > f.end for e in ends], index=out.index, dtype=bool)
    early = pd.Series([s < f.start for s in starts], index=out.index, dtype=bool)
    out["partial"] = late | early
    if late.any():
        key = "month_so_far" if grain == "month" else "x_period_to"
        out.loc[late, "period_label"] = [
            t(key, m=p, d=f.end.day, md=f"{f.end.month}月{f.end.day}日" if current_lang() == "zh" else f"{f.end:%d %b}")
            for p in out.loc[late, "period_label"]
        ]
    if early.any():
        since = f"{f.start.month}月{f.start.day}日" if current_lang() == "zh" else f"{f.start:%d %b}"
        out.loc[early, "period_label"] = [t("x_period_from", m=p, md=since) for p in out.loc[early, "period_label"]]
    return out


def remainder(q: Question, f: Filters, out: pd.DataFrame) -> dict[str, float] | None:
    """What the rows of a breakdown leave out of the whole scope's figure (rows placed at no street, say):
    total, shown and rest, or None when nothing is left out. Never a people count the session may not see:
    not when a row is withheld (the rest would give it away), nor when the rest itself is that small."""
    if not q.by or q.places or not MEASURES[q.measure].additive or out.empty or out["value"].isna().any():
        return None
    whole = cached.explore_answer(f, q.measure, ())
    if whole.empty or pd.isna(whole["value"].iloc[0]):
        return None
    total, shown = float(whole["value"].iloc[0]), float(out["value"].sum())
    rest = total - shown
    if abs(rest) < 1e-6 or (q.measure in PEOPLE_COUNTS and 0 < rest < smallest_count()):
        return None
    return {"total": total, "shown": shown, "rest": rest}


def with_change_text(out: pd.DataFrame, rate: bool) -> pd.DataFrame:
    """`change_text`, each row's change as its tooltip says it (ui.numbers): a share of the compared value
    (+12.3%), a rate's difference in 百分点 (+1.2个百分点); — where there is none."""
    lang = current_lang()
    if rate:
        text = [numbers.points(c, lang, na=t("na")) for c in out["change"]]
    else:
        text = [numbers.signed_percent(p, na=t("na")) for p in out["pct"]]
    return out.assign(change_text=text)


def fold_series(
    data: pd.DataFrame, key: str, along: list[str], additive: bool, n: int = charts.TOP_SERIES
) -> tuple[pd.DataFrame, list[str]]:
    """At most n + 1 series of `key`: the n largest by total, the rest summed into one named 其他 (value and
    compared value summed along the other breakdown, the change recomputed), or, where the measure cannot be
    summed (a median, a rate), left out. Each row has `order` (largest 0, 其他 last). Returns the frame and
    the series folded into 其他 or left out (empty: all drawn)."""
    totals = data.groupby(key)["value"].sum().sort_values(ascending=False, kind="stable")
    rank = {name: i for i, name in enumerate(totals.index)}
    if len(totals) <= n + 1:  # folding one series into 其他 would hide its name for nothing
        return data.assign(order=data[key].map(rank)), []
    keep = list(totals.index[:n])
    rest = data[~data[key].isin(keep)]
    folded = [name for name in totals.index[n:]]
    shown = data[data[key].isin(keep)].assign(order=lambda d: d[key].map(rank))
    if not additive:
        return shown, folded
    sums = {c: pd.NamedAgg(c, lambda v: v.sum(min_count=1)) for c in ("value", "previous") if c in rest}
    other = rest.groupby(along, as_index=False, dropna=False).agg(**sums)
    other[key] = t("x_other_series")
    other["order"] = n
    if "previous" in other:
        other["change"] = other["value"] - other["previous"]
        other["pct"] = other["change"] / other["previous"].where(other["previous"] != 0)
    return pd.concat([shown, other], ignore_index=True), folded


def _fold_caption(folded: list[str], additive: bool) -> str:
    key = "x_top_series" if additive else "x_top_series_apart"
    return t(key, n=charts.TOP_SERIES, m=len(folded), items=t("x_comma").join(folded))


def draw(q: Question, out: pd.DataFrame, f: Filters) -> None:
    """The chosen chart of the answer, with its comparison drawn where there is one: the compared period as
    a grey dashed line on the same x (time), a lighter bar beside each bar (a breakdown), the change in each
    tooltip. Many series: the largest TOP_SERIES and the rest summed as 其他 (fold_series), said so."""
    chart = q.chart or charts_for(q.by)[0]
    title = t(f"x_m_{q.measure}")
    if out.empty:
        st.info(t("x_empty"))
        return
    if chart == "table" or not q.by:
        return
    rate, additive = q.measure in RATES, MEASURES[q.measure].additive
    grain = next((b for b in q.by if b in TIME_BY), None)
    two = len(q.by) == 2
    compared = "previous" in out and bool(out["previous"].notna().any())
    mode = t(f"cmp_{compare.mode()}")
    cmp = (
        (
            t("x_series_now"),
            t(f"x_series_{compare.mode()}"),
            t("x_col_change_pp") if rate else t("x_col_pct", mode=mode),
        )
        if compared
        else None
    )
    kept = ["previous", "change_text"] if compared else []

    def ready(data: pd.DataFrame) -> pd.DataFrame:
        """The change in words; a share drawn in %: its axis runs 0–100 (%), not 0–1."""
        data = with_change_text(data, rate) if compared else data
        if rate:
            data = data.assign(value=data["value"] * 100, **({"previous": data["previous"] * 100} if compared else {}))
        return data

    if rate:
        title = t("x_axis_percent", name=title)
    if chart == "line":
        data = out.sort_values("period")
        if two:
            data, folded = fold_series(data, "label", ["period", "period_label", "partial"], additive)
            if folded:
                st.caption(_fold_caption(folded, additive))
            data = data.assign(label2=data["label"])
        cols = ["period", "period_label", "label2", "value", "partial", "order", *kept]
        data = ready(data)
        base_charts.show(data[[c for c in cols if c in data.columns]], charts.line, title, two, cmp)
    elif chart == "bar":
        data = out if grain else out.sort_values("value", ascending=False)
        if not grain and data["label"].nunique() > charts.TOP_BARS:
            st.caption(t("x_top_bars", n=charts.TOP_BARS))
            keep = data.groupby("label")["value"].sum().nlargest(charts.TOP_BARS).index
            data = data[data["label"].isin(keep)]
        folded = []
        if two:
            data, folded = fold_series(data, "label2", ["label"], additive)
            if folded:
                st.caption(_fold_caption(folded, additive))
        data = ready(data)
        cols = [c for c in ("label", "label2", "period_label", "value", "order", *kept) if c in data.columns]
        other = bool(folded) and additive
        base_charts.show(data[cols], charts.bars, title, grain is not None and not two, two, cmp, other)
    elif chart == "heat":
        data = ready(out)
        if grain:
            data = data.assign(label2=data["period_label"])
        names = [b for b in q.by if b not in TIME_BY] + ([grain] if grain else [])
        many = data["label"].nunique() * data["label2"].nunique() <= 300
        base_charts.show(
            data[["label", "label2", "value", *kept]],
            charts.heat,
            title,
            _by_label(names[1]),
            _by_label(names[0]),
            many,
            cmp,
        )
    elif chart == "map":
        pb = place_by(q)
        shapes = cached.explore_shapes(f, pb)
        backdrop = cached.explore_shapes(f, "community") if pb == "building_group" else None
        deck = charts.place_map(ready(out), shapes, pb, title, MAP_WIDTH, MAP_HEIGHT, additive, backdrop)
        if deck is None:
            st.info(t("x_no_shapes"))
        else:
            st.pydeck_chart(deck, height=MAP_HEIGHT)
            st.caption(t("schematic"))


def table(q: Question, out: pd.DataFrame, comparable: bool, container) -> None:
    """The answer as a sortable table with its comparison, downloadable as CSV and .xlsx."""
    grain = next((b for b in q.by if b in TIME_BY), None)
    others = [b for b in q.by if b not in TIME_BY]
    cols = {}
    for i, b in enumerate(others):
        cols[("label", "label2")[i]] = _by_label(b)
    if grain:
        cols["period_label"] = _by_label(grain)
    name = t(f"x_m_{q.measure}")
    cols["value"] = name
    mode = t(f"cmp_{compare.mode()}")
    rate = q.measure in RATES  # a share: in %, its change in 百分点 (a rate's change in % of itself misleads)
    if comparable:
        cols.update(
            {"previous": t("x_col_previous", mode=mode), "change": t("x_col_change"), "pct": t("x_col_pct", mode=mode)}
        )
        if rate:
            cols["change"] = t("x_col_change_pp")
            del cols["pct"]
    shown = out if grain else out.sort_values("value", ascending=False, kind="stable")  # largest first
    shown = shown[[c for c in cols if c in out.columns]].rename(columns=cols)
    digits = DIGITS.get(q.measure, 0)  # whole hours and counts, like the tiles
    for c in (name, cols.get("previous"), cols.get("change"), cols.get("pct")):
        if c in shown:
            scaled = rate or c == cols.get("pct")  # shares and relative changes as the number a % column shows
            shown[c] = pd.array(
                [numbers.percent_points(v) if scaled else numbers.round_half_up(v, digits) for v in shown[c]], "Float64"
            )
    number = numbers.TABLE_PERCENT if rate else numbers.TABLE_DECIMAL if digits else numbers.TABLE_COUNT
    config = {c: st.column_config.NumberColumn(format=number) for c in (name, cols.get("previous")) if c}
    if comparable:
        change = numbers.TABLE_POINTS if rate else numbers.TABLE_SIGNED_DECIMAL if digits else numbers.TABLE_SIGNED_COUNT
        config[cols["change"]] = st.column_config.NumberColumn(format=change)
        if "pct" in cols:
            config[cols["pct"]] = st.column_config.NumberColumn(format=numbers.TABLE_SIGNED_PERCENT)
    container.dataframe(shown, hide_index=True, width="stretch", column_config=config, placeholder=t("na"), height=520)
    stem = f"explore-{q.measure}" + ("-" + "-".join(q.by) if q.by else "")
    left, right = container.columns(2)
    download_csv(left, shown, f"{stem}.csv", "x_csv")
    download_xlsx(right, shown, f"{stem}.xlsx", "x_xlsx")


def comparison_note(q: Question, f: Filters, before: Filters | None, first_day: date, month_so_far) -> str:
    """What the answer's changes are against: none for a stock without a dated history; each period against
    its own for a time breakdown; else the compared period (or why there is none; a stock compares the two
    periods' last days)."""
    if MEASURES[q.measure].stock and MEASURES[q.measure].past is None:
        return t("x_stock_note")
    since, name = compared_from(q, first_day), t(f"x_m_{q.measure}")
    grain = next((b for b in q.by if b in TIME_BY), None)
    if grain:
        note = t("x_time_compare", mode=t(f"cmp_{compare.mode()}"))
        if reach_back(f, grain, compare.mode(), first_day).start < since:  # some periods' compared ones unrecorded
            note += " " + t("cmp_before_records_time", items=name, first=f"{since:%Y-%m}")
        last = last_compared(f, grain, compare.mode(), since) if MEASURES[q.measure].additive else None
        if last is not None and last.prorate:  # the last period against the same days, its month prorated
            zh = current_lang() == "zh"
            md = f"{f.end.month}月{f.end.day}日" if zh else f"{f.end:%d %b}"
            note += " " + t("x_time_last_days", md=md, m=f"{last.end.month}月" if zh else f"{last.end:%b}")
        return note
    if before is None and since > first_day and previous_period(f, compare.mode(), first_day) is not None:
        return t("cmp_before_records", items=name, first=f"{since:%Y-%m}")
    return compare.period_caption(f, before, first_day, month_so_far)
