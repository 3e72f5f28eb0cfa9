"""KPI tiles: a row of bordered metrics, each with its definition (口径) as help."""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from .labels import t


@dataclass(frozen=True)
class Tile:
    label_key: str
    value: float | int | str | None
    help_key: str
    sub: str | None = None
    unit_key: str | None = None


def fmt_number(value: float | int | str | None) -> str:
    """Thousands separators; whole numbers without decimals; text passes through."""
    if isinstance(value, str):
        return value
    if value is None or value != value:  # a count suppressed on the public screen
        return t("na")
    if float(value).is_integer() or abs(value) >= 1000:  # large figures read as whole numbers
        return f"{round(value):,}"
    return f"{value:,.1f}"


def tile_row(tiles: list[Tile]) -> None:
    """Draw tiles side by side; a figure that does not apply at this scope shows a dash."""
    for col, tile in zip(st.columns(len(tiles)), tiles):
        if tile.value is None:
            col.metric(t(tile.label_key), t("na"), help=t("na_help"), border=True)
            continue
        value = fmt_number(tile.value)
        if tile.unit_key:
            value = f"{value} {t(tile.unit_key)}"
        col.metric(
            t(tile.label_key),
            value,
            delta=tile.sub,
            delta_color="off",
            delta_arrow="off",
            help=t(tile.help_key),
            border=True,
        )
