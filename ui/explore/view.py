"""The explore page's answer: the labelled frame with its comparison, and the chart and table that show it."""

from __future__ import annotations

from datetime import date

import pandas as pd
import streamlit as st

from data_access import cached
from data_access.compare import GRAIN_MONTHS, add_months, over_time, previous_period, reach_back, with_previous
from data_access.filters import Filters, month_end
from data_access.guard import smallest_count
from data_access.queries.explore import MEASURES, TIME_BY
from data_access.scope import PEOPLE_COUNTS

from .. import charts as base_charts
from .. import compare, numbers
from ..export import download_csv, download_xlsx
from ..labels import TEXT, current_lang, kind_label, t
from ..maps import MAP_WIDTH
from . import charts
from .controls import DIGITS, RATES, _by_label, value_text
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
    before = None if spec.stock else previous_period(f, mode, first_day)
    if spec.stock:
        out = cur.assign(previous=float("nan"), change=float("nan"), pct=float("nan"))
    elif grain:
        earlier = cached.explore_answer(reach_back(f, grain, mode, first_day), q.measure, q.by)
        out = over_time(cur, earlier, grain, mode, others, first_day)
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
    out["value_text"] = [value_text(q.measure, v) for v in out["value"]]
    comparable = not spec.stock and (grain is not None or before is not None)
    return out.reset_index(drop=True), before, comparable


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


def draw(q: Question, out: pd.DataFrame, f: Filters) -> None:
    """The chosen chart of the answer."""
    chart = q.chart or charts_for(q.by)[0]
    title = t(f"x_m_{q.measure}")
    if q.measure in RATES:  # a share drawn in %: its axis runs 0–100 (%), not 0–1
        out = out.assign(value=out["value"] * 100)
        title = t("x_axis_percent", name=title)
    if out.empty:
        st.info(t("x_empty"))
        return
    if chart == "table" or not q.by:
        return
    grain = next((b for b in q.by if b in TIME_BY), None)
    two = len(q.by) == 2
    if chart == "line":
        data = out.sort_values("period")
        if two:
            keep = data.groupby("label")["value"].sum().nlargest(charts.TOP_SERIES).index
            if len(keep) < data["label"].nunique():
                st.caption(t("x_top_series", n=charts.TOP_SERIES))
            data = data[data["label"].isin(keep)].assign(label2=lambda d: d["label"])
        base_charts.show(
            data[[c for c in data.columns if c in ("period", "period_label", "label2", "value", "partial")]],
            charts.line,
            title,
            two,
        )
    elif chart == "bar":
        data = out if grain else out.sort_values("value", ascending=False)
        if not grain and data["label"].nunique() > charts.TOP_BARS:
            st.caption(t("x_top_bars", n=charts.TOP_BARS))
            keep = data.groupby("label")["value"].sum().nlargest(charts.TOP_BARS).index
            data = data[data["label"].isin(keep)]
        cols = [c for c in ("label", "label2", "period_label", "value") if c in data.columns]
        base_charts.show(data[cols], charts.bars, title, grain is not None and not two, two)
    elif chart == "heat":
        data = out.copy()
        if grain:
            data = data.assign(label2=data["period_label"])
        names = [b for b in q.by if b not in TIME_BY] + ([grain] if grain else [])
        numbers = data["label"].nunique() * data["label2"].nunique() <= 300
        base_charts.show(
            data[["label", "label2", "value"]], charts.heat, title, _by_label(names[1]), _by_label(names[0]), numbers
        )
    elif chart == "map":
        pb = place_by(q)
        shapes = cached.explore_shapes(f, pb)
        backdrop = cached.explore_shapes(f, "community") if pb == "building_group" else None
        additive = MEASURES[q.measure].additive
        deck = charts.place_map(out, shapes, pb, title, MAP_WIDTH, MAP_HEIGHT, additive, backdrop)
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
        change = numbers.TABLE_POINTS if rate else "%+,.1f" if digits else "%+,d"
        config[cols["change"]] = st.column_config.NumberColumn(format=change)
        if "pct" in cols:
            config[cols["pct"]] = st.column_config.NumberColumn(format="%+,.1f%%")
    container.dataframe(shown, hide_index=True, width="stretch", column_config=config, placeholder=t("na"), height=520)
    stem = f"explore-{q.measure}" + ("-" + "-".join(q.by) if q.by else "")
    left, right = container.columns(2)
    download_csv(left, shown, f"{stem}.csv", "x_csv")
    download_xlsx(right, shown, f"{stem}.xlsx", "x_xlsx")


def comparison_note(q: Question, f: Filters, before: Filters | None, first_day: date, month_so_far) -> str:
    """What the answer's changes are against: none for a stock; each period against its own for a time
    breakdown; else the compared period (or why there is none)."""
    if MEASURES[q.measure].stock:
        return t("x_stock_note")
    if any(b in TIME_BY for b in q.by):
        return t("x_time_compare", mode=t(f"cmp_{compare.mode()}"))
    return compare.period_caption(f, before, first_day, month_so_far)
