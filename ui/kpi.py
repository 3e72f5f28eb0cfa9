"""KPI tiles: a row of bordered metrics, each with its definition (口径) as help, and where the row is
compared (the overview), its 同比/环比 as an arrow and a colour, with a sparkline of the range."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

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
    flow: bool = False  # a figure of the date range: comparable with the compared period's
    previous: float | int | None = None  # the compared period's value (None: none to compare with)
    spark: tuple[float, ...] | None = None  # the figure month by month over the range


def fmt_number(value: float | int | str | None) -> str:
    """Thousands separators; whole numbers without decimals; text passes through (ui.numbers.number)."""
    return number(value, na=t("na"))  # None/NaN: a count suppressed on the public screen


def tile_row(tiles: list[Tile], compared: bool = False) -> None:
    """Draw tiles side by side; a figure that does not apply at this scope shows a dash. compared: each
    tile shows its change against the compared period (— for stocks and where none can be computed)."""
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
            change = metric_delta(tile.value, tile.previous, comparable=tile.flow)
            helptext = t(tile.help_key) + ("" if tile.flow else "\n\n" + t("cmp_stock_help"))
            col.metric(
                t(tile.label_key),
                value,
                help=helptext,
                border=True,
                delta_description=tile.sub,
                chart_data=list(tile.spark) if tile.spark else None,
                chart_type="area",
                height="stretch",  # tiles of a row as tall as the tallest (those with a sparkline)
                **change,
            )
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
