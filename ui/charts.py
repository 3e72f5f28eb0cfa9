"""Altair chart builders: each takes a prepared DataFrame and returns a chart, nothing else.

Pages draw them with show(): Altair builds and validates a chart's spec once per shape (columns,
dtypes, arguments), and later runs send that cached Vega-Lite spec with the new data — Altair's
per-run cost (~100-200 ms a chart) would otherwise dominate every rerun.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from datetime import date
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from .labels import current_lang, t
from .numbers import D3_COUNT
from .prebuilt import Once, arrow, digest, memo

_SPECS = Once()  # one spec per shape: a handful per page, kept for the life of the process
# Altair's check of a spec against the Vega-Lite schema (jsonschema) costs more than building it, on every
# new shape a fresh process meets; the tests run with ERQI_VALIDATE_CHARTS=1 (tests/conftest.py), so every
# chart a page draws is checked there, and a served process skips the check
VALIDATE = os.environ.get("ERQI_VALIDATE_CHARTS", "").strip() == "1"


def spec(df: pd.DataFrame, builder: Callable[..., alt.TopLevelMixin], *args: Any, **kwargs: Any) -> dict:
    """The Vega-Lite spec builder(df, *args, **kwargs) makes, without its data; cached per shape.

    Only for builders whose spec depends on their data through its columns alone: the spec is built
    from df.head(0), and df itself is sent beside it."""
    return _spec_and_words(df, builder, *args, **kwargs)[0]


def _spec_and_words(df: pd.DataFrame, builder: Callable, *args: Any, **kwargs: Any) -> tuple[dict, frozenset[str]]:
    """The spec, and every word its text holds (a field the chart reads is one of them)."""
    key = digest(
        current_lang(),  # a builder may word its axes itself
        builder.__module__,
        builder.__qualname__,
        list(df.columns),
        [str(d) for d in df.dtypes],
        args,
        kwargs,
    )

    def build() -> tuple[dict, frozenset[str]]:
        built = builder(df.head(0), *args, **kwargs).to_dict(validate=VALIDATE)
        built.pop("datasets", None)
        built.pop("data", None)
        return built, frozenset(re.findall(r"\w+", json.dumps(built, ensure_ascii=False)))

    return _SPECS.get(key, build)


def show(df: pd.DataFrame, builder: Callable[..., alt.TopLevelMixin], *args: Any, **kwargs: Any) -> None:
    """Draw builder's chart of df at full width, sending only the columns its spec names (a field, a
    tooltip, a calculation): converting and sending the others is work every viewer's run would repeat."""
    chart, words = _spec_and_words(df, builder, *args, **kwargs)
    used = [c for c in df.columns if not isinstance(c, str) or c in words or not re.fullmatch(r"\w+", c)]
    st.vega_lite_chart(arrow(df, used), chart, width="stretch")


PALETTE = ["#c62828", "#ef6c00", "#f9a825", "#2e7d32", "#1565c0", "#6a1b9a", "#00838f", "#8d6e63", "#546e7a", "#ad1457"]
PARTY_RED = "#c62828"
HEAT_SCHEME = "orangered"
WEEK_ORDER = [1, 2, 3, 4, 5, 6, 0]  # Monday first; SQL numbers Sunday 0


def bar_ranking(df: pd.DataFrame, label: str, value: str, value_title: str, step: int = 24) -> alt.Chart:
    """Horizontal bars, largest on top, with the value printed at the end of each bar."""
    # max: a layered domain sorts by max only
    largest_first = alt.EncodingSortField(field=value, op="max", order="descending")
    base = alt.Chart(df).encode(
        y=alt.Y(f"{label}:N", sort=largest_first, title=None, axis=alt.Axis(labelLimit=160)),
        x=alt.X(f"{value}:Q", title=value_title),
        tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{value}:Q", format=D3_COUNT, title=value_title)],
    )
    bars = base.mark_bar(color=PARTY_RED, cornerRadiusEnd=3)
    text = base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text(f"{value}:Q", format=D3_COUNT))
    # an invisible point 18 % past each bar widens the axis so the longest bar's label is never clipped
    room = (
        alt.Chart(df)
        .transform_calculate(room=f"datum['{value}'] * 1.18")
        .mark_point(opacity=0)
        .encode(y=alt.Y(f"{label}:N", sort=largest_first, title=None), x=alt.X("room:Q", title=value_title))
    )
    return (bars + text + room).properties(height=alt.Step(step))


def month_in_progress(df: pd.DataFrame, so_far: date | None, col: str = "month") -> pd.DataFrame:
    """df (a row per month in `col`, per series) marked for drawing: `partial` (the month still under way on
    the data date so_far, filters.month_in_progress), `month_text` (the month's name, its days counted when
    partial: 2025-12（截至6日，未满月）) and `note` (截至6日 beside its point). Once per content (a copy)."""
    return memo(_month_in_progress, df, so_far, col)


def _month_in_progress(df: pd.DataFrame, so_far: date | None, col: str) -> pd.DataFrame:
    out = df.copy()
    months = pd.to_datetime(out[col])
    out["partial"] = False if so_far is None else months == pd.Timestamp(so_far.replace(day=1))
    out["month_text"] = months.dt.strftime("%Y-%m")
    out["note"] = ""
    if so_far is not None:
        out.loc[out["partial"], "month_text"] = t("month_so_far", m=f"{so_far:%Y-%m}", d=so_far.day)
        out.loc[out["partial"], "note"] = t("month_so_far_short", d=so_far.day)
    return out


def _month_layers(base: alt.Chart, df: pd.DataFrame, color: str, width: float, note: bool) -> alt.LayerChart:
    """Area and line over the whole months; a month in progress (month_in_progress's columns) stands apart
    as a hollow point, not joined to the line (a few days' figure drawn as the line's next step would read
    as a fall), its days written beside it (note) or in its tooltip."""
    if "partial" not in df.columns:
        return alt.layer(base.mark_area(color=color, opacity=0.15), base.mark_line(color=color, strokeWidth=width))
    whole = base.transform_filter("!datum.partial")
    part = base.transform_filter("datum.partial")
    layers = [
        whole.mark_area(color=color, opacity=0.15),
        whole.mark_line(color=color, strokeWidth=width),
        # aria=False: with no month in progress the point's layer is empty, and Vega would leave an unnamed
        # graphics-symbol behind (axe-core: svg-img-alt); the chart's description (describe) says it instead
        part.mark_point(fill="white", stroke=color, filled=True, opacity=1, size=60, strokeWidth=2, aria=False),
    ]
    if note:
        layers.append(part.mark_text(color=color, align="right", dx=-8, dy=-10, fontSize=12).encode(text="note:N"))
    return alt.layer(*layers)


def describe(df: pd.DataFrame, title: str) -> str:
    """What a chart of title's months shows, for a screen reader (Vega names the chart with it)."""
    return t("chart_months_partial" if "partial" in df.columns else "chart_months", title=title)


def monthly_lines(df: pd.DataFrame, value: str, title: str, color: str = PARTY_RED, height: int = 240) -> alt.Chart:
    """One measure per month as an area with a line on top (a month in progress: see month_in_progress)."""
    month = (
        alt.Tooltip("month_text:N", title=t("col_month"))
        if "month_text" in df.columns
        else alt.Tooltip("yearmonth(month):T", title=t("col_month"), format="%Y-%m")
    )
    base = alt.Chart(df).encode(
        x=alt.X(
            "yearmonth(month):T",
            title=None,
            axis=alt.Axis(format="%Y-%m", labelAngle=0, tickCount=10),
            scale=alt.Scale(padding=10),  # the last month's point drawn whole, not cut by the edge
        ),
        y=alt.Y(f"{value}:Q", title=title),
        tooltip=[month, alt.Tooltip(f"{value}:Q", title=title, format=D3_COUNT)],
    )
    return _month_layers(base, df, color, 2, note=True).properties(height=height, description=describe(df, title))


def spark_months(trend: pd.DataFrame, columns: tuple[str, ...]) -> tuple[pd.DataFrame, ...]:
    """Per column, a KPI tile's months for sparkline (month, value and month_in_progress's marks), cut out of
    the page's monthly trend once per content."""
    return memo(_spark_months, trend, tuple(columns))


def _spark_months(trend: pd.DataFrame, columns: tuple[str, ...]) -> tuple[pd.DataFrame, ...]:
    keep = ["month", "partial", "month_text", "note"]
    return tuple(trend[[keep[0], c, *keep[1:]]].rename(columns={c: "value"}) for c in columns)


def sparkline(df: pd.DataFrame, value: str, title: str, color: str = PARTY_RED, height: int = 48) -> alt.Chart:
    """A KPI tile's months as a small area without axes (df from month_in_progress: the month in progress a
    hollow point apart from the line, its days counted in the tooltip)."""
    base = alt.Chart(df).encode(
        x=alt.X("month:T", axis=None, scale=alt.Scale(padding=5)),
        y=alt.Y(f"{value}:Q", axis=None, scale=alt.Scale(zero=True, padding=4)),
        tooltip=[
            alt.Tooltip("month_text:N", title=t("col_month")),
            alt.Tooltip(f"{value}:Q", title=title, format=D3_COUNT),
        ],
    )
    return (
        _month_layers(base, df, color, 1.5, note=False)
        .properties(
            height=height, padding={"left": 2, "right": 2, "top": 4, "bottom": 2}, description=describe(df, title)
        )
        .configure_view(stroke=None)
        .configure_mark(aria=False)  # a tile's sparkline is one picture, named by its description
    )


def composition(df: pd.DataFrame, label: str, value: str, step: int = 30) -> alt.Chart:
    """Counts by category as sorted horizontal bars in distinct colours."""
    base = alt.Chart(df).encode(
        y=alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=160)),
        x=alt.X(f"{value}:Q", title=None),
        tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{value}:Q", format=D3_COUNT)],
    )
    bars = base.mark_bar(cornerRadiusEnd=3).encode(
        color=alt.Color(f"{label}:N", legend=None, scale=alt.Scale(range=PALETTE))
    )
    text = base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text(f"{value}:Q", format=D3_COUNT))
    return (bars + text).properties(height=alt.Step(step))


# ---------------------------------------------------------------- the week's heat (volunteer page and wall)


def full_week(df: pd.DataFrame) -> pd.DataFrame:
    """Every weekday × hour cell, zeros where nothing happened, so the grid reads as a week."""
    grid = pd.MultiIndex.from_product([range(7), range(24)], names=["weekday", "hour"]).to_frame(index=False)
    out = grid.merge(df, on=["weekday", "hour"], how="left")
    return out.fillna({"hours": 0.0, "served": 0, "sessions": 0}).astype({"served": int, "sessions": int})


def week_grid(df: pd.DataFrame, day_names: tuple[str, ...]) -> tuple[pd.DataFrame, list[str]]:
    """The full week (full_week) with each weekday's name (day_names[weekday], Sunday 0) in `day`, and the
    names Monday first. Once per content."""
    out, order = memo(_week_grid, df, tuple(day_names))
    return out, list(order)


def _week_grid(df: pd.DataFrame, day_names: tuple[str, ...]) -> tuple[pd.DataFrame, tuple[str, ...]]:
    out = full_week(df)
    out["day"] = [day_names[w] for w in out["weekday"]]
    return out, tuple(day_names[w] for w in WEEK_ORDER)


def weekday_hour_heat(
    df: pd.DataFrame, value: str, value_title: str, labels: dict[str, str], order: list[str], height: int = 300
) -> alt.Chart:
    """Weekday × hour rectangles (order: the day labels, Monday first, on top); a click selects one cell
    (param "wh"). df needs weekday, hour, day (the weekday's label) and the value columns."""
    pick = alt.selection_point(name="wh", fields=["weekday", "hour"], on="click", clear="dblclick")
    return (
        alt.Chart(df)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X("hour:O", title=labels["hour"], axis=alt.Axis(labelAngle=0)),
            y=alt.Y("day:N", title=None, sort=order),
            color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme=HEAT_SCHEME)),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.3)),
            tooltip=[
                alt.Tooltip("day:N", title=labels["weekday"]),
                alt.Tooltip("hour:O", title=labels["hour"]),
                alt.Tooltip("hours:Q", title=labels["hours"], format=D3_COUNT),
                alt.Tooltip("served:Q", title=labels["served"], format=D3_COUNT),
                alt.Tooltip("sessions:Q", title=labels["sessions"], format=D3_COUNT),
            ],
        )
        .add_params(pick)
        .properties(height=height)
    )
