"""KPI tiles: a row of bordered metrics, each with its definition (口径) as help, and where the row is
compared (the overview), its 同比/环比 as an arrow and a colour, with a sparkline of the range."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd
import streamlit as st

from . import charts
from .compare import metric_delta
from .labels import t
from .numbers import number


@dataclass(frozen=True)
class Tile:
    label_key: str
    value: float | int | str | None
    help_key: str
    sub: str | None = None
    unit_key: str | None = None
    comparable: bool = False  # a flow of the range, or a stock with a past: compared with the compared period's
    previous: float | int | None = None  # the compared period's value (None: none to compare with)
    fixed: str | None = None  # a figure never compared: the text key said in place of a change (cmp_no_past …)
    stock: bool = False  # counted on a day (the range's last), not summed over the range: its help says how
    unrecorded: date | None = None  # the figure's first recorded month, when the compared period begins before
    # it (the system not yet in use): no change shown, its help says why (compare.unrecorded)
    spark: pd.DataFrame | None = None  # the figure month by month over the range: month, value (and the
    # month in progress marked by charts.month_in_progress)


def fmt_number(value: float | int | str | None) -> str:
    """Thousands separators; whole numbers without decimals; text passes through (ui.numbers.number)."""
    return number(value, na=t("na"))  # None/NaN: a count suppressed on the public screen


def tile_row(tiles: list[Tile], compared: bool = False) -> None:
    """Draw tiles side by side; a figure that does not apply at this scope shows a dash. compared: each
    tile shows its change against the compared period (— where none can be computed), or, for a figure that
    is never compared, why (its `fixed` text, explained in its help)."""
    for col, tile in zip(st.columns(len(tiles)), tiles):
        if tile.value is None:
            col.metric(
                t(tile.label_key), t("na"), help=t("na_help"), border=True, height="stretch" if compared else "content"
            )
            continue
        value = fmt_number(tile.value)
        if tile.unit_key:
            value = f"{value} {t(tile.unit_key)}"
        if compared:
            if tile.fixed:
                change = {"delta": t(tile.fixed), "delta_arrow": "off", "delta_color": "gray"}
                helptext = t(tile.help_key) + "\n\n" + t(f"{tile.fixed}_help")
            elif tile.unrecorded:
                change = {"delta": t("cmp_not_compared"), "delta_arrow": "off", "delta_color": "gray"}
                why = t("cmp_before_records", items=t(tile.label_key), first=f"{tile.unrecorded:%Y-%m}")
                helptext = t(tile.help_key) + "\n\n" + why
            else:
                change = metric_delta(tile.value, tile.previous, comparable=tile.comparable)
                helptext = t(tile.help_key) + ("\n\n" + t("cmp_stock_help") if tile.stock else "")
            # one bordered box per tile, as tall as the row's tallest: the metric, then its months drawn by
            # charts.sparkline (st.metric's own sparkline would draw a month in progress as a fall)
            box = col.container(border=True, height="stretch", gap=None)
            box.metric(t(tile.label_key), value, help=helptext, delta_description=tile.sub, **change)
            if tile.spark is not None and len(tile.spark) > 1:
                spark = tile.spark
                spec = charts.spec(spark, charts.sparkline, "value", t(tile.label_key))
                box.vega_lite_chart(charts.arrow(spark), spec, width="stretch")  # converted once per content
            continue
        col.metric(
            t(tile.label_key),
            value,
            delta=tile.sub,
            delta_color="off",
            delta_arrow="off",
            help=t(tile.help_key),
            border=True,
        )
