"""Rows a page cannot draw (no coordinates, no shape, no place in the org tree): left out of the map or
tree, and counted in a short caption that says what was left out and why."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from .labels import t


def has_shape(frame: pd.DataFrame) -> pd.Series:
    """Which rows carry a usable shape (GeoJSON text) and coordinates, for the columns the frame has."""
    ok = pd.Series(True, index=frame.index)
    if "geometry" in frame:
        ok &= frame["geometry"].map(lambda g: isinstance(g, str) and g.strip().startswith("{"))
    for col in ("center_lon", "center_lat", "lon", "lat"):
        if col in frame:
            ok &= pd.to_numeric(frame[col], errors="coerce").notna()
    return ok


def drop_unplaced(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Points (lon, lat) without coordinates, and their count."""
    ok = has_shape(frame[["lon", "lat"]]) if len(frame) else pd.Series(dtype=bool)
    return frame[ok] if len(frame) else frame, int((~ok).sum()) if len(frame) else 0


def left_out(counts: dict[str, int]) -> None:
    """One caption naming each kind of row left out and why (nothing when nothing was)."""
    parts = [t(f"dq_{key}", n=n) for key, n in counts.items() if n]
    if parts:
        st.caption(t("dq_left_out", what="；".join(parts)))


def org_tree_notes(problems: dict[str, int]) -> None:
    """Orgs the tree cannot place, and names that are empty."""
    left_out({f"org_{k}": v for k, v in problems.items()})
