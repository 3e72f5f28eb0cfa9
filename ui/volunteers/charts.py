"""Altair builders and table shapers of the volunteer page: each takes a prepared frame, returns a chart/frame."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from .. import numbers, prebuilt
from ..charts import HEAT_SCHEME, PARTY_RED
from ..numbers import D3_COUNT, D3_DECIMAL

STAGE_COLORS = {"ordered": "#c62828", "dispatched": "#ef6c00", "accepted": "#f9a825"}


def month_category_height(df: pd.DataFrame) -> int:
    """The month × category heat map's height: a row per category."""
    return max(110, 27 * df["category_id"].nunique())


def month_category_heat(
    df: pd.DataFrame, value: str, value_title: str, labels: dict[str, str], height: int
) -> alt.Chart:
    """Month × category rectangles coloured by value; a click selects one cell (param "mc"). The spec
    depends on df's columns only (height from month_category_height), so it is built once per shape."""
    pick = alt.selection_point(name="mc", fields=["month", "category_id"], on="click", clear="dblclick")
    year_at_january = "substring(datum.value, 5, 7) == '01' ? substring(datum.value, 0, 4) : ''"
    so_far = "partial" in df.columns  # a month in progress (charts.month_in_progress): its days in the tooltip
    x = alt.X("month:O", title=None, axis=alt.Axis(labelExpr=year_at_january, labelAngle=0, ticks=False))
    y = alt.Y("category:N", title=None, sort=alt.SortField("category_id"), axis=alt.Axis(labelLimit=120))
    cells = (
        alt.Chart(df)
        .mark_rect(stroke="white", strokeWidth=0.5)
        .encode(
            x=x,
            y=y,
            color=alt.Color(f"{value}:Q", title=value_title, scale=alt.Scale(scheme=HEAT_SCHEME)),
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.3)),
            tooltip=[
                alt.Tooltip("month_text:N" if so_far else "month:O", title=labels["month"]),
                alt.Tooltip("category:N", title=labels["category"]),
                alt.Tooltip("hours:Q", title=labels["hours"], format=D3_COUNT),
                alt.Tooltip("served:Q", title=labels["served"], format=D3_COUNT),
                alt.Tooltip("sessions:Q", title=labels["sessions"], format=D3_COUNT),
            ],
        )
        .add_params(pick)
    )
    if so_far:  # the month in progress framed with a dashed line: its pale cells are days missing, not a fall
        frame = (
            alt.Chart(df)
            .transform_filter("datum.partial")
            .mark_rect(fill=None, stroke="#37474f", strokeWidth=1.5, strokeDash=[3, 2])
            .encode(x=x, y=y)
        )
        return alt.layer(cells, frame).properties(height=height)
    return cells.properties(height=height)


def funnel(df: pd.DataFrame, count_title: str, height: int = 230) -> alt.Chart:
    """Stages as centred bars narrowing downwards, each labelled with its count and share of orders.

    df: stage (label, in order), requests, share."""
    base = alt.Chart(df).transform_calculate(left="-datum.requests / 2", right="datum.requests / 2")
    y = alt.Y("label:N", sort=None, title=None, axis=alt.Axis(labelFontSize=13, ticks=False, domain=False))
    bars = base.mark_bar(color=PARTY_RED, opacity=0.85, cornerRadius=2).encode(
        y=y,
        x=alt.X("left:Q", axis=None),
        x2="right:Q",
        tooltip=[alt.Tooltip("label:N", title=None), alt.Tooltip("requests:Q", title=count_title, format=D3_COUNT)],
    )
    text = base.mark_text(color="white", fontWeight="bold", fontSize=13).encode(y=y, text="text:N")
    return (bars + text).properties(height=height)


def backlog_stages(df: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The stages present in a backlog frame, in flow order, and their labels."""
    stages = [s for s in STAGE_COLORS if s in set(df["stage"])]
    return stages, [df.loc[df["stage"] == s, "stage_label"].iloc[0] for s in stages]


def backlog_bars(
    df: pd.DataFrame, labels: dict[str, str], stages: list[str], names: list[str], height: int = 230
) -> alt.Chart:
    """Open requests per age bucket, stacked by the stage they wait at (stages and names from
    backlog_stages). df: age (label), age_order, stage_label, stage, requests."""
    return (
        alt.Chart(df)
        .mark_bar()
        .encode(
            x=alt.X("age:N", sort=alt.SortField("age_order"), title=labels["age"], axis=alt.Axis(labelAngle=0)),
            y=alt.Y("requests:Q", title=labels["requests"], stack=True),
            color=alt.Color(
                "stage_label:N",
                title=labels["stage"],
                scale=alt.Scale(domain=names, range=[STAGE_COLORS[s] for s in stages]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("age:N", title=labels["age"]),
                alt.Tooltip("stage_label:N", title=labels["stage"]),
                alt.Tooltip("requests:Q", title=labels["requests"], format=D3_COUNT),
            ],
        )
        .properties(height=height)
    )


def supply_scatter(df: pd.DataFrame, labels: dict[str, str], height: int = 300) -> alt.Chart:
    """One dot per station: service hours given (x) against requests received (y), coloured by median wait."""
    return (
        alt.Chart(df)
        .mark_circle(size=70, opacity=0.85, stroke="#555", strokeWidth=0.4)
        .encode(
            x=alt.X("hours:Q", title=labels["hours"]),
            y=alt.Y("requests:Q", title=labels["requests"]),
            color=alt.Color("median_wait_h:Q", title=labels["wait"], scale=alt.Scale(scheme=HEAT_SCHEME)),
            tooltip=[
                alt.Tooltip("station:N", title=labels["station"]),
                alt.Tooltip("requests:Q", title=labels["requests"], format=D3_COUNT),
                alt.Tooltip("unmet:Q", title=labels["unmet"], format=D3_COUNT),
                alt.Tooltip("hours:Q", title=labels["hours"], format=D3_COUNT),
                alt.Tooltip("median_wait_h:Q", title=labels["wait"], format=D3_DECIMAL),
            ],
        )
        .properties(height=height)
    )


def labelled(df: pd.DataFrame, columns: dict[str, str]) -> pd.DataFrame:
    """Only the given columns, renamed to their on-screen labels, in that order."""
    return df[list(columns)].rename(columns=columns)


def funnel_frame(df: pd.DataFrame, stage_label) -> pd.DataFrame:
    """The funnel's frame: label, requests, share of orders and the text printed on each bar."""
    first = max(int(df["requests"].iloc[0]), 1)
    out = df.assign(label=df["stage"].map(stage_label), share=df["requests"] / first)
    out["text"] = [f"{numbers.count(n)}（{numbers.percent(s, 0)}）" for n, s in zip(out["requests"], out["share"])]
    return out


def backlog_frame(df: pd.DataFrame, buckets: tuple[str, ...], age_label, stage_label) -> pd.DataFrame:
    """The backlog chart's frame: age label and order, stage label."""
    return df.assign(
        age=[age_label(buckets[b]) for b in df["bucket"]],
        age_order=df["bucket"],
        stage_label=df["stage"].map(stage_label),
    )


def for_display(df: pd.DataFrame, share: str | None = None, one_decimal: list[str] = ()) -> tuple[pd.DataFrame, dict]:
    """A table ready to show, and its column formats (ui.numbers): counts and hours as whole numbers with
    thousands separators, the share as a percentage with one decimal, waits with one decimal; rounded
    half away from zero, as the charts round.

    Column configs, not a pandas Styler: a Styler is re-rendered cell by cell on every rerun (~80 ms a table)."""
    out = df.copy()
    formats = {}
    for c in out.columns:
        if c == share:
            out[c] = pd.array([numbers.percent_points(v) for v in out[c]], dtype="Float64")
            formats[c] = st.column_config.NumberColumn(format=numbers.TABLE_PERCENT)
        elif c in one_decimal:
            out[c] = pd.array([None if numbers.missing(v) else numbers.round_half_up(v, 1) for v in out[c]], "Float64")
            formats[c] = st.column_config.NumberColumn(format=numbers.TABLE_DECIMAL)
        elif pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c]):
            out[c] = pd.array([None if numbers.missing(v) else numbers.round_whole(v) for v in out[c]], "Int64")
            formats[c] = st.column_config.NumberColumn(format=numbers.TABLE_COUNT)
    return out, formats


def table(
    df: pd.DataFrame,
    columns: dict[str, str],
    lang: str,
    share: str | None = None,
    waits: tuple[str, ...] = (),
    decimals: tuple[str, ...] = (),
) -> tuple[pd.DataFrame, dict]:
    """labelled(df, columns) ready to show (for_display) with its formats: the share column as a percentage,
    the wait columns (hours) in hours or days (in_duration_units, the unit in the header), decimals with one
    decimal, every other number whole. Prepared once per content (prebuilt.memo): the value-by-value
    rounding was a third of the page's time for each new viewer."""
    return prebuilt.memo(_table, df, columns, lang, share, tuple(waits), tuple(decimals))


def _table(
    df: pd.DataFrame, columns: dict[str, str], lang: str, share: str | None, waits: tuple[str, ...], decimals: tuple[str, ...]
) -> tuple[pd.DataFrame, dict]:
    frame, units = in_duration_units(df, {c: columns[c] for c in waits}, lang)
    names = {**columns, **units}
    return for_display(labelled(frame, names), share and names[share], [names[c] for c in (*waits, *decimals)])


def in_duration_units(df: pd.DataFrame, names: dict[str, str], lang: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Each duration column (hours) of names in the unit a person reads — days when a value reaches two days,
    else hours, one unit a column so it still sorts — and its header naming the unit (名称（天）)."""
    out, headers = df.copy(), {}
    for c, name in names.items():
        unit = numbers.column_unit(out[c].tolist())
        out[c] = pd.array([numbers.in_unit(v, unit) for v in out[c]], dtype="Float64")
        headers[c] = f"{name}（{numbers.unit_name(unit, lang)}）" if lang == "zh" else f"{name} ({unit})"
    return out, headers


def table_height(rows: int, most: int = 18) -> int:
    """Pixels for a dataframe showing up to `most` rows without an inner scrollbar."""
    return 35 * (min(rows, most) + 1) + 3
