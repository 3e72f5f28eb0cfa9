"""Altair chart builders: each takes a prepared DataFrame and returns a chart, nothing else.

Pages draw them with show(): Altair builds and validates a chart's spec once per shape (columns,
dtypes, arguments), and later runs send that cached Vega-Lite spec with the new data — Altair's
per-run cost (~100-200 ms a chart) would otherwise dominate every rerun.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import altair as alt
import pandas as pd
import streamlit as st

from .labels import current_lang
from .numbers import D3_COUNT
from .prebuilt import Once, digest

_SPECS = Once()  # one spec per shape: a handful per page, kept for the life of the process


def spec(df: pd.DataFrame, builder: Callable[..., alt.TopLevelMixin], *args: Any, **kwargs: Any) -> dict:
    """The Vega-Lite spec builder(df, *args, **kwargs) makes, without its data; cached per shape.

    Only for builders whose spec depends on their data through its columns alone: the spec is built
    from df.head(0), and df itself is sent beside it."""
    key = digest(
        current_lang(),  # a builder may word its axes itself
        builder.__module__,
        builder.__qualname__,
        list(df.columns),
        [str(d) for d in df.dtypes],
        args,
        kwargs,
    )

    def build() -> dict:
        built = builder(df.head(0), *args, **kwargs).to_dict()
        built.pop("datasets", None)
        built.pop("data", None)
        return built

    return _SPECS.get(key, build)


def show(df: pd.DataFrame, builder: Callable[..., alt.TopLevelMixin], *args: Any, **kwargs: Any) -> None:
    """Draw builder's chart of df at full width."""
    st.vega_lite_chart(df, spec(df, builder, *args, **kwargs), width="stretch")


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


def monthly_lines(df: pd.DataFrame, value: str, title: str, color: str = PARTY_RED, height: int = 240) -> alt.Chart:
    """One measure per month as an area with a line on top."""
    base = alt.Chart(df).encode(
        x=alt.X("yearmonth(month):T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=0, tickCount=10)),
        y=alt.Y(f"{value}:Q", title=title),
        tooltip=[
            alt.Tooltip("yearmonth(month):T", title="月份", format="%Y-%m"),
            alt.Tooltip(f"{value}:Q", title=title, format=D3_COUNT),
        ],
    )
    return (base.mark_area(color=color, opacity=0.15) + base.mark_line(color=color, strokeWidth=2)).properties(
        height=height
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


def week_grid(df: pd.DataFrame, day_name: Callable[[int], str]) -> tuple[pd.DataFrame, list[str]]:
    """The full week (full_week) with each weekday's name in `day`, and the names Monday first."""
    out = full_week(df)
    out["day"] = [day_name(w) for w in out["weekday"]]
    return out, [day_name(w) for w in WEEK_ORDER]


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
