"""The explore page's charts: a line over time, bars for one category, a heat table for two, a map for
places (outlines coloured by value, or building groups as points). Each takes the prepared answer
(`label`, optionally `label2` or `period`, and `value`)."""

from __future__ import annotations

import json

import altair as alt
import pandas as pd
import pydeck as pdk

from .. import maps
from ..charts import PALETTE, PARTY_RED
from ..numbers import D3_COUNT, D3_DECIMAL

TOP_SERIES = 5  # series drawn one by one at most (the largest by total); the rest summed as 其他 (view.fold_series)
TOP_BARS = 40  # bars drawn at most
COMPARED = "#9e9e9e"  # the compared period's line: grey, dashed
COMPARED_BAR = "#eeb1b1"  # the compared period's bar: party red, lighter
OTHER = "#b0b0b0"  # 其他, the series summed beyond the largest
FACET_COLUMNS, FACET_WIDTH, FACET_HEIGHT = 3, 228, 170  # small multiples: one panel a series


def _compare_tips(cmp: tuple[str, str, str] | None) -> list:
    """The compared value and the change (preformatted by view.with_change_text: a rate's in 百分点)."""
    if cmp is None:
        return []
    return [alt.Tooltip("previous:Q", title=cmp[1], format=D3_DECIMAL), alt.Tooltip("change_text:N", title=cmp[2])]


def _series_scale(cmp: tuple[str, str, str], light: str) -> alt.Scale:
    return alt.Scale(domain=[cmp[0], cmp[1]], range=[PARTY_RED, light])


def line(df: pd.DataFrame, value_title: str, series: bool, cmp: tuple[str, str, str] | None = None) -> alt.Chart:
    """value over `period`; with a comparison (cmp: the current and compared periods' names and the change's
    title) the compared period's value drawn on the same x as a grey dashed line. Several series (`label2`,
    at most TOP_SERIES and 其他) as small multiples, one panel each, largest first (`order`)."""
    tips = [
        alt.Tooltip("period_label:N", title=""),
        *([alt.Tooltip("label2:N", title="")] if series else []),
        alt.Tooltip("value:Q", title=cmp[0] if cmp else value_title, format=D3_DECIMAL),
        *_compare_tips(cmp),
    ]
    # a tick a month (every other month in a panel), the compared period's points under the current ones
    ticks = {"interval": "month", "step": 2 if series else 1}
    x = alt.X("period:T", title=None, axis=alt.Axis(format="%Y-%m", labelAngle=0, tickCount=ticks, labelOverlap=True))
    y = alt.Y("value:Q", title=value_title)
    base = alt.Chart(df).encode(x=x, tooltip=tips)
    if cmp:
        legend = alt.Legend(title=None, orient="top", symbolType="stroke", symbolStrokeWidth=2.5, symbolSize=500)
        styles = {  # one legend: the colour and the dash of each period
            "color": alt.Color("series:N", scale=_series_scale(cmp, COMPARED), legend=legend),
            "strokeDash": alt.StrokeDash(
                "series:N", scale=alt.Scale(domain=[cmp[0], cmp[1]], range=[[1, 0], [6, 4]]), legend=legend
            ),
        }
        now = base.transform_calculate(series=json.dumps(cmp[0])).encode(y=y, **styles)
        then = (
            base.transform_filter("isValid(datum.previous)")
            .transform_calculate(series=json.dumps(cmp[1]))
            .encode(y=alt.Y("previous:Q", title=value_title), **styles)
        )
        if "partial" in df.columns:  # a partial period's compared value (the same days) stands apart like its own
            then = alt.layer(
                then.transform_filter("!datum.partial").mark_line(
                    point=alt.OverlayMarkDef(size=25, color=COMPARED), strokeWidth=1.8
                ),
                then.transform_filter("datum.partial")
                .mark_point(filled=False, size=50, strokeWidth=1.8)
                .encode(strokeDash=alt.value([1, 0])),  # a whole ring, not a dashed one
            )
        else:
            then = then.mark_line(point=alt.OverlayMarkDef(size=25, color=COMPARED), strokeWidth=1.8)
        marks: dict = {}
    else:
        now, then, marks = base.encode(y=y), None, {"color": PARTY_RED}
    if "partial" in df.columns:
        # a period the range holds only in part (view._mark_partial: its days in its label) stands apart as a
        # hollow point, not joined to the whole periods' line (a few days drawn as the next step read as a fall)
        whole = now.transform_filter("!datum.partial").mark_line(point=True, strokeWidth=2.5, **marks)
        hollow = now.transform_filter("datum.partial").mark_point(filled=False, size=80, strokeWidth=2.5, **marks)
        layers = [whole, hollow]
    else:
        layers = [now.mark_line(point=True, strokeWidth=2.5, **marks)]
    chart = alt.layer(*([then] if then is not None else []), *layers)
    if not series:
        return chart.properties(height=460)
    return (
        chart.properties(width=FACET_WIDTH, height=FACET_HEIGHT)
        .facet(
            facet=alt.Facet(
                "label2:N",
                title=None,
                sort=alt.EncodingSortField("order", op="min"),
                header=alt.Header(labelFontSize=13, labelFontWeight="bold"),
            ),
            columns=FACET_COLUMNS,
        )
        .resolve_axis(x="independent")
    )


def bars(
    df: pd.DataFrame,
    value_title: str,
    by_time: bool,
    stacked: bool,
    cmp: tuple[str, str, str] | None = None,
    other: bool = False,
) -> alt.Chart:
    """Horizontal bars, largest first (or columns in time order); stacked by label2 for two breakdowns. With a
    comparison (cmp) each bar has the compared period's beside it, lighter; stacked bars carry it in the
    tooltip. other: the last stacked series is 其他 (the rest summed), drawn grey."""
    if cmp and not stacked:
        return _paired(df, value_title, by_time, cmp)
    if by_time:
        return (
            alt.Chart(df)
            .mark_bar(color=PARTY_RED)
            .encode(
                x=alt.X("period_label:O", title=None, sort=None, axis=alt.Axis(labelAngle=-45)),
                y=alt.Y("value:Q", title=value_title),
                tooltip=[
                    alt.Tooltip("period_label:N", title=""),
                    alt.Tooltip("value:Q", format=D3_DECIMAL, title=value_title),
                ],
            )
            .properties(height=460)
        )
    enc = {
        "y": alt.Y("label:N", sort="-x", title=None, axis=alt.Axis(labelLimit=220)),
        "x": alt.X("sum(value):Q", title=value_title),
        "tooltip": [
            alt.Tooltip("label:N", title=""),
            *([alt.Tooltip("label2:N", title="")] if stacked else []),
            alt.Tooltip("value:Q", format=D3_DECIMAL, title=value_title),
            *_compare_tips(cmp),
        ],
    }
    if stacked:
        enc["color"] = alt.Color(
            "label2:N",
            title=None,
            scale=alt.Scale(range=[*PALETTE[:TOP_SERIES], OTHER] if other else PALETTE),
            sort=alt.EncodingSortField("order", op="min"),
            legend=alt.Legend(orient="bottom", columns=6, labelLimit=180),
        )
        enc["order"] = alt.Order("order:Q")
        return alt.Chart(df).mark_bar().encode(**enc).properties(height=alt.Step(22))
    return alt.Chart(df).mark_bar(color=PARTY_RED, cornerRadiusEnd=3).encode(**enc).properties(height=alt.Step(22))


def _paired(df: pd.DataFrame, value_title: str, by_time: bool, cmp: tuple[str, str, str]) -> alt.Chart:
    """Each bar with the compared period's beside it (lighter): the frame's value and previous folded into two
    bars a row."""
    colour = alt.Color("series:N", scale=_series_scale(cmp, COMPARED_BAR), legend=alt.Legend(title=None, orient="top"))
    tips = [
        alt.Tooltip("period_label:N" if by_time else "label:N", title=""),
        alt.Tooltip("value:Q", title=cmp[0], format=D3_DECIMAL),
        *_compare_tips(cmp),
    ]
    base = (
        alt.Chart(df)
        .transform_fold(["value", "previous"], as_=["which", "drawn"])
        .transform_calculate(series=f"datum.which == 'value' ? {json.dumps(cmp[0])} : {json.dumps(cmp[1])}")
        .encode(color=colour, tooltip=tips)
    )
    order = [cmp[0], cmp[1]]
    if by_time:
        return (
            base.mark_bar()
            .encode(
                x=alt.X("period_label:O", title=None, sort=None, axis=alt.Axis(labelAngle=-45)),
                xOffset=alt.XOffset("series:N", sort=order),
                y=alt.Y("drawn:Q", title=value_title),
            )
            .properties(height=460)
        )
    return (
        base.mark_bar(cornerRadiusEnd=3)
        .encode(
            y=alt.Y(
                "label:N",
                sort=alt.EncodingSortField("value", op="max", order="descending"),
                title=None,
                axis=alt.Axis(labelLimit=220),
            ),
            yOffset=alt.YOffset("series:N", sort=order),
            x=alt.X("drawn:Q", title=value_title),
        )
        .properties(height=alt.Step(13))  # a step per bar of the pair: a row about 32 px
    )


def heat(
    df: pd.DataFrame,
    value_title: str,
    x_title: str,
    y_title: str,
    numbers: bool,
    cmp: tuple[str, str, str] | None = None,
) -> alt.Chart:
    """label (rows) × label2 (columns) as coloured cells, the value written in each when they are few."""
    base = alt.Chart(df).encode(
        x=alt.X("label2:O", title=x_title, sort=None, axis=alt.Axis(labelAngle=-45, labelLimit=120)),
        y=alt.Y("label:O", title=y_title, sort=None, axis=alt.Axis(labelLimit=200)),
    )
    cells = base.mark_rect(stroke="white", strokeWidth=0.5).encode(
        color=alt.Color("value:Q", title=value_title, scale=alt.Scale(scheme="orangered")),
        tooltip=[
            alt.Tooltip("label:N", title=y_title),
            alt.Tooltip("label2:N", title=x_title),
            alt.Tooltip("value:Q", title=value_title, format=D3_DECIMAL),
            *_compare_tips(cmp),
        ],
    )
    if not numbers:
        return cells.properties(height=alt.Step(18))
    text = base.mark_text(fontSize=11).encode(
        text=alt.Text("value:Q", format=D3_COUNT),
        color=alt.condition("datum.value > 0", alt.value("#222"), alt.value("#999")),
    )
    return (cells + text).properties(height=alt.Step(22))


def _ramp(values: pd.Series, from_zero: bool = True) -> list[list[int]]:
    """A light-to-party-red colour per value (grey where the value is withheld): from 0 to the largest for a
    count, from the smallest to the largest for a mean or a share (which differ little across places)."""
    v = pd.to_numeric(values, errors="coerce")
    top = float(v.max()) if v.notna().any() and v.max() > 0 else 1.0
    low = 0.0 if from_zero or not v.notna().any() else float(v.min())
    span = top - low or 1.0
    out = []
    for x in v:
        if pd.isna(x):
            out.append([200, 200, 200, 160])
            continue
        s = max(0.0, min(1.0, (float(x) - low) / span))
        out.append([int(255 - 57 * s), int(236 - 196 * s), int(214 - 174 * s), 210])
    return out


def place_map(
    df: pd.DataFrame,
    shapes: pd.DataFrame,
    key: str,
    value_title: str,
    width: int,
    height: int,
    from_zero: bool = True,
    backdrop: pd.DataFrame | None = None,
) -> pdk.Deck | None:
    """Streets or communities as outlines coloured by value, or building groups as points sized and
    coloured by it over their communities' outlines (backdrop); None when nothing in the answer has a shape."""
    joined = shapes.merge(df[[key, "value", "value_text"]], on=key, how="inner")
    if joined.empty:
        return None
    tip = {"html": "<b>{name}</b><br/>" + value_title + ": {value_text}"}
    if "geometry" in joined:
        geoms = [json.loads(g) for g in joined["geometry"]]
        colours = _ramp(joined["value"], from_zero)
        features = [
            {"type": "Feature", "geometry": g, "properties": {"name": n, "value_text": vt, "fill": c}}
            for g, n, vt, c in zip(geoms, joined["name"], joined["value_text"], colours)
        ]
        lo = [min(maps.bounds_of(g)[0][i] for g in geoms) for i in (0, 1)]
        hi = [max(maps.bounds_of(g)[1][i] for g in geoms) for i in (0, 1)]
        layer = pdk.Layer(
            "GeoJsonLayer",
            {"type": "FeatureCollection", "features": features},
            get_fill_color="properties.fill",
            get_line_color=[120, 30, 30, 200],
            line_width_min_pixels=1,
            pickable=True,
        )
        labels = [
            {"pos": [float(x), float(y)], "label": f"{n}\n{vt}"}
            for x, y, n, vt in zip(joined["center_lon"], joined["center_lat"], joined["name"], joined["value_text"])
            if pd.notna(x) and pd.notna(y)
        ]
        extra = [maps.text_layer("labels", labels, 12 if len(labels) > 40 else 14, [33, 37, 41, 255], pickable=False)]
    else:
        extra = []
        if backdrop is not None and not backdrop.empty:
            outlines = [{"type": "Feature", "geometry": json.loads(g), "properties": {}} for g in backdrop["geometry"]]
            extra.append(
                pdk.Layer(
                    "GeoJsonLayer",
                    {"type": "FeatureCollection", "features": outlines},
                    get_fill_color=[245, 240, 235, 120],
                    get_line_color=[150, 120, 110, 200],
                    line_width_min_pixels=1,
                    pickable=False,
                )
            )
        joined = joined.assign(fill=_ramp(joined["value"], from_zero))
        v = pd.to_numeric(joined["value"], errors="coerce").fillna(0)
        top = float(v.max()) or 1.0
        joined = joined.assign(radius=(5 + 11 * (v / top) ** 0.5).round(1))  # pixels: legible at any zoom
        lo = [float(joined["lon"].min()), float(joined["lat"].min())]
        hi = [float(joined["lon"].max()), float(joined["lat"].max())]
        layer = pdk.Layer(
            "ScatterplotLayer",
            joined[["lon", "lat", "fill", "radius", "name", "value_text"]],
            get_position=["lon", "lat"],
            get_fill_color="fill",
            get_radius="radius",
            radius_units="'pixels'",  # quoted: a literal, not an accessor
            line_width_min_pixels=1,
            stroked=True,
            get_line_color=[120, 30, 30, 200],
            pickable=True,
        )
    view = maps.fit_view(tuple(lo), tuple(hi), width, height)
    layers = [*extra, layer] if "geometry" not in joined else [layer, *extra]  # outlines under points, labels on top
    return maps.CompactDeck(layers=layers, initial_view_state=view, map_provider=None, tooltip=tip)
