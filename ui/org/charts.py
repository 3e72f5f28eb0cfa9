"""Altair builders of the organisation page: the icicle tree, 三会一课 by month, points, member composition."""

from __future__ import annotations

import altair as alt
import pandas as pd

from ..charts import PARTY_RED
from ..numbers import D3_COUNT, D3_DECIMAL, D3_SHARE, D3_SHARE_AXIS

TREE_PARAM = "node"  # the icicle's point selection: {"node": [{"code": ...}]}
# light tints so black labels stay readable on every kind
KIND_COLOURS = {
    "district": "#e57373",
    "town": "#f06292",
    "street": "#ff8a65",
    "park": "#ba68c8",
    "scenic": "#4db6ac",
    "community": "#ffb74d",
    "village": "#aed581",
    "enterprise": "#64b5f6",
    "agency": "#9575cd",
    "institution": "#7986cb",
    "social_org": "#4dd0e1",
    "building_group": "#fff176",
}
STATUS_COLOURS = {"green": "#43a047", "amber": "#fbc02d", "red": "#e53935", "none": "#e0e0e0"}
MEASURE_RANGE = ["#e57373", "#fff59d", "#81c784"]  # low → high, light enough for black labels
MEASURE_DOMAIN = {"points": [60, 100], "compliance": [0, 1]}


def icicle_frame(rects: pd.DataFrame, colour: str, kind_names: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """What the icicle draws: the blocks with their kind's name (and, coloured by a measure, the measure
    with missing values filled), and the kinds present, in legend order."""
    data = rects.assign(kind_label=rects["kind"].map(kind_names))
    if colour != "kind":
        # missing values (building groups have no points) get grey; a null in a quantitative channel would
        # make Vega-Lite drop the whole block, so the scale reads a filled copy and a flag picks the grey
        data = data.assign(measure=data[colour].astype(float).fillna(0.0), has_measure=data[colour].notna())
    return data, [k for k in KIND_COLOURS if k in set(data["kind"])]


def icicle(
    data: pd.DataFrame,
    colour: str,
    height: int,
    kind_names: dict[str, str],
    titles: dict[str, str],
    shown: list[str],
) -> alt.LayerChart:
    """The tree as an icicle (data from icicle_frame): levels left to right, sizes top to bottom;
    clicking a block selects its code.

    colour is "kind", "points" or "compliance"; titles name the tooltip fields; flagged blocks get a red
    dashed outline, the selected one a dark outline.
    """
    pick = alt.selection_point(name=TREE_PARAM, fields=["code"], on="click", clear=False, empty=False)
    if colour == "kind":
        fill = alt.Color(
            "kind_label:N",
            title=titles["kind"],
            scale=alt.Scale(domain=[kind_names[k] for k in shown], range=[KIND_COLOURS[k] for k in shown]),
            legend=alt.Legend(orient="bottom", columns=6, labelFontSize=13, titleFontSize=13, symbolType="square"),
        )
    else:
        fill = (
            alt.when(alt.datum.has_measure)
            .then(
                alt.Color(
                    "measure:Q",
                    title=titles[colour],
                    scale=alt.Scale(domain=MEASURE_DOMAIN[colour], range=MEASURE_RANGE, clamp=True),
                    legend=alt.Legend(
                        orient="bottom",
                        format=D3_SHARE_AXIS if colour == "compliance" else ".0f",
                        gradientLength=320,
                        labelFontSize=12,
                        titleFontSize=13,
                    ),
                )
            )
            .otherwise(alt.value("#cfcfcf"))
        )
    stroke = (
        alt.when(alt.datum.flagged)
        .then(alt.value("#b71c1c"))
        .when(alt.datum.selected)
        .then(alt.value("#212121"))
        .otherwise(alt.value("#ffffff"))
    )
    width = alt.when(alt.datum.flagged | alt.datum.selected).then(alt.value(3)).otherwise(alt.value(1))
    dash = alt.when(alt.datum.flagged).then(alt.value([6, 3])).otherwise(alt.value([1, 0]))
    tooltip = [
        alt.Tooltip("name:N", title=titles["name"]),
        alt.Tooltip("kind_label:N", title=titles["kind"]),
        alt.Tooltip("members:Q", title=titles["members"], format=D3_COUNT),
        alt.Tooltip("sub_orgs:Q", title=titles["sub_orgs"], format=D3_COUNT),
        alt.Tooltip("building_groups:Q", title=titles["building_groups"], format=D3_COUNT),
        alt.Tooltip("points:Q", title=titles["points"], format=D3_DECIMAL),
        alt.Tooltip("compliance:Q", title=titles["compliance"], format=D3_SHARE),
        alt.Tooltip("issue_text:N", title=titles["check"]),
    ]
    base = alt.Chart(data)
    rect = (
        base.mark_rect(cursor="pointer")
        .encode(
            x=alt.X("x0:Q", scale=alt.Scale(domain=[0, 1], nice=False, zero=True), axis=None),
            x2="x1:Q",
            y=alt.Y("y0:Q", scale=alt.Scale(domain=[0, 1], nice=False, reverse=True), axis=None),
            y2="y1:Q",
            color=fill,
            stroke=stroke,
            strokeWidth=width,
            strokeDash=dash,
            opacity=alt.when(pick).then(alt.value(0.75)).otherwise(alt.value(1.0)),
            tooltip=tooltip,
        )
        .add_params(pick)
    )
    text = base.mark_text(align="left", baseline="middle", dx=6, fontSize=12, limit=250, color="#1b1b1b").encode(
        x="x0:Q", y="ym:Q", text="label:N", tooltip=tooltip
    )
    return alt.layer(rect, text).properties(height=height)


def meeting_frame(df: pd.DataFrame, item_names: dict[str, str], status_names: dict[str, str]) -> pd.DataFrame:
    """The heat map's cells with the item's and the status's names."""
    return df.assign(item=df["kind"].map(item_names), status_label=df["status"].map(status_names))


def meeting_heatmap(data: pd.DataFrame, item_names: dict[str, str], status_names: dict[str, str], titles) -> alt.Chart:
    """三会一课 per month and item (data from meeting_frame), coloured red/amber/green by status (grey: no org
    due yet, before the system reached the node)."""
    keys = [s for s in ("green", "amber", "red", "none") if s in status_names]
    order = [status_names[s] for s in keys]
    return (
        alt.Chart(data)
        .mark_rect(stroke="#ffffff", strokeWidth=1)
        .encode(
            x=alt.X("yearmonth(month):O", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=-90, labelFontSize=10)),
            y=alt.Y("item:N", title=None, sort=[item_names[k] for k in item_names], axis=alt.Axis(labelLimit=220)),
            color=alt.Color(
                "status_label:N",
                title=None,
                scale=alt.Scale(domain=order, range=[STATUS_COLOURS[s] for s in keys]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("yearmonth(month):T", title=titles["month"], format="%Y-%m"),
                alt.Tooltip("item:N", title=titles["item"]),
                alt.Tooltip("met:Q", title=titles["met"]),
                alt.Tooltip("due:Q", title=titles["due"]),
                alt.Tooltip("share:Q", title=titles["share"], format=D3_SHARE_AXIS),
                alt.Tooltip("status_label:N", title=titles["status"]),
            ],
        )
        .properties(height=alt.Step(30))
    )


def points_frame(df: pd.DataFrame, series_names: dict[str, str]) -> tuple[pd.DataFrame, list[str]]:
    """The points with their series' names, and the series present."""
    return df.assign(series_label=df["series"].map(series_names)), [s for s in series_names if s in set(df["series"])]


def points_lines(data: pd.DataFrame, series_names: dict[str, str], titles, shown: list[str]) -> alt.Chart:
    """堡垒积分 per quarter (data from points_frame), one line per series (the org, the orgs below, peers
    of its kind)."""
    colours = {"own": PARTY_RED, "subtree": "#1565c0", "peers": "#9e9e9e"}
    return (
        alt.Chart(data)
        .mark_line(point=True, strokeWidth=2)
        .encode(
            x=alt.X("period:T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=0)),
            y=alt.Y("points:Q", title=titles["points"], scale=alt.Scale(zero=False)),
            color=alt.Color(
                "series_label:N",
                title=None,
                scale=alt.Scale(domain=[series_names[s] for s in shown], range=[colours[s] for s in shown]),
                legend=alt.Legend(orient="top"),
            ),
            tooltip=[
                alt.Tooltip("period:T", title=titles["quarter"], format="%Y-%m"),
                alt.Tooltip("series_label:N", title=titles["series"]),
                alt.Tooltip("points:Q", title=titles["points"], format=D3_DECIMAL),
            ],
        )
        .properties(height=260)
    )


def ordered_bars(df: pd.DataFrame, label: str, value: str, order: list[str], colour: str = PARTY_RED) -> alt.Chart:
    """Counts by category in a fixed order (age bands, years since joining …), value printed at the end."""
    base = alt.Chart(df).encode(
        y=alt.Y(f"{label}:N", sort=order, title=None, axis=alt.Axis(labelLimit=140)),
        x=alt.X(f"{value}:Q", title=None, axis=alt.Axis(tickCount=4)),
        tooltip=[alt.Tooltip(f"{label}:N"), alt.Tooltip(f"{value}:Q", format=D3_COUNT)],
    )
    bars = base.mark_bar(color=colour, cornerRadiusEnd=3)
    text = base.mark_text(align="left", dx=4, fontSize=12).encode(text=alt.Text(f"{value}:Q", format=D3_COUNT))
    return (bars + text).properties(height=alt.Step(26))


def histogram_frame(df: pd.DataFrame, width: int) -> pd.DataFrame:
    """Members per band with each band's end and its name."""
    return df.assign(
        band_end=df["band_start"] + width,
        band=df["band_start"].astype(str) + "–" + (df["band_start"] + width).astype(str),
    )


def points_histogram(data: pd.DataFrame, titles) -> alt.Chart:
    """Members per band of 先锋积分 (data from histogram_frame)."""
    return (
        alt.Chart(data)
        .mark_bar(color=PARTY_RED, opacity=0.85)
        .encode(
            x=alt.X("band_start:Q", bin="binned", title=titles["points"]),
            x2="band_end:Q",
            y=alt.Y("members:Q", title=titles["members"]),
            tooltip=[
                alt.Tooltip("band:N", title=titles["band"]),
                alt.Tooltip("members:Q", title=titles["members"], format=D3_COUNT),
            ],
        )
        .properties(height=360)
    )
