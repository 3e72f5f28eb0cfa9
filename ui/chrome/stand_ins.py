"""The renderer's stand-ins for two of Streamlit's elements, installed on the first export: in the session
that renders a file (it holds an export grant), st.dataframe draws a static table of every row
(ui.chrome.print_table) and st.pydeck_chart a picture of the map drawn on the server (ui.chrome.print_map).
Every other session's call passes straight through to Streamlit's own, so no page or builder needs to know
about exports."""

from __future__ import annotations

import functools
import types

import streamlit as st

from render import grants

from ..labels import t
from . import print_map, print_table


def _grant() -> grants.Grant | None:
    """The grant this session renders under (None for every viewer's own session)."""
    return st.session_state.get(grants.SESSION_KEY)


def install() -> None:
    print_tables()
    print_maps()


def print_tables() -> None:
    """In the renderer's session, st.dataframe draws a static table of every row (ui.chrome.print_table): the grid
    draws only the rows its scrolling box shows, on a canvas, so a file of it would hold ~10 rows of 17.

    One wrapper for the process, installed on the first export, so that no page or builder needs to know
    about exports; every other session's call passes straight through to Streamlit's own."""
    from streamlit.delta_generator import DeltaGenerator

    if getattr(DeltaGenerator.dataframe, "_whole_for_export", False):
        return
    original = DeltaGenerator.dataframe

    @functools.wraps(original)
    def dataframe(self, data=None, *args, **kwargs):  # noqa: ANN001, ANN202 - Streamlit's own signature
        if _grant() is None:
            return original(self, data, *args, **kwargs)
        return _static_table(self, data, **kwargs)

    dataframe._whole_for_export = True  # type: ignore[attr-defined]
    DeltaGenerator.dataframe = dataframe  # type: ignore[method-assign]
    st.dataframe = types.MethodType(dataframe, st._main)  # st.dataframe was bound when streamlit was imported


def print_maps() -> None:
    """In the renderer's session, st.pydeck_chart draws the deck as a picture made on the server
    (ui.chrome.print_map): the renderer has no GPU, and deck.gl's software WebGL took 3–9 s per page of
    maps. A deck print_map cannot draw (a tile basemap) is drawn by deck.gl as before. Installed once, like
    print_tables; every other session's call passes straight through."""
    from streamlit.delta_generator import DeltaGenerator

    if getattr(DeltaGenerator.pydeck_chart, "_drawn_for_export", False):
        return
    original = DeltaGenerator.pydeck_chart

    @functools.wraps(original)
    def pydeck_chart(self, pydeck_obj=None, *args, **kwargs):  # noqa: ANN001, ANN202 - Streamlit's own signature
        if _grant() is None or pydeck_obj is None:
            return original(self, pydeck_obj, *args, **kwargs)
        height = kwargs.get("height") if isinstance(kwargs.get("height"), int) else print_map.DEFAULT_HEIGHT
        drawn = print_map.html(pydeck_obj.to_json(), height, kwargs.get("alt") or "")
        if drawn is None:
            return original(self, pydeck_obj, *args, **kwargs)
        self.html(drawn)
        return {"selection": {"indices": {}, "objects": {}}}

    pydeck_chart._drawn_for_export = True  # type: ignore[attr-defined]
    DeltaGenerator.pydeck_chart = pydeck_chart  # type: ignore[method-assign]
    st.pydeck_chart = types.MethodType(pydeck_chart, st._main)


PICTURE_ROWS = 60  # a PNG shows a table's first rows (the organisation list's 1,469 made a 37,000-px picture)


def _static_table(dg, data, **kwargs) -> dict:  # noqa: ANN001 - a DeltaGenerator
    """The renderer's table: every row, as HTML; an empty selection for a table a viewer could click."""
    frame = print_table.frame_of(data)
    grant = _grant()
    picture = grant is not None and grant.kind == "png"  # a picture of the view: paper (PDF) holds every row
    if frame is not None:
        dg.html(
            print_table.html_table(
                frame,
                column_config=kwargs.get("column_config"),
                column_order=kwargs.get("column_order"),
                hide_index=kwargs.get("hide_index"),
                placeholder=kwargs.get("placeholder"),
                more_text=t("snap_table_more_png" if picture else "snap_table_more"),
                max_rows=PICTURE_ROWS if picture else print_table.MAX_ROWS,
            )
        )
    return {"selection": {"rows": [], "columns": [], "cells": []}}
