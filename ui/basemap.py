"""The optional tile basemap: off unless configured, for intranet tile servers (Tianditu, AMap …).

Configuration, environment first, then `.streamlit/secrets.toml`:

    MAP_TILE_URL          template with {z}, {x}, {y}, e.g. http://tiles.intra/amap/{z}/{x}/{y}.png
    MAP_TILE_CRS          wgs84 (default) or gcj02 — the coordinate system the tiles are drawn in
    MAP_TILE_ATTRIBUTION  text shown under the map

    [map_tiles]
    url = "…"; crs = "gcj02"; attribution = "…"

The tiles are drawn by the chart's own map layer through an inline style document, so the only
requests they add go to the configured server.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from urllib.parse import quote

import streamlit as st

CRS_CHOICES = ("wgs84", "gcj02")


@dataclass(frozen=True)
class TileConfig:
    url: str
    crs: str = "wgs84"
    attribution: str = ""

    @property
    def shift(self) -> bool:
        """True when our WGS-84 layers must be moved onto GCJ-02 tiles."""
        return self.crs == "gcj02"


def _secrets_section() -> dict:
    try:
        section = st.secrets.get("map_tiles", {})
    except Exception:  # noqa: BLE001 - no secrets file at all is the normal case
        return {}
    return dict(section) if section else {}


def tile_config() -> tuple[TileConfig | None, str | None]:
    """The configured tile basemap, or None; with the reason when a configured value had to be ignored."""
    sec = _secrets_section()
    url = (os.environ.get("MAP_TILE_URL") or str(sec.get("url", ""))).strip()
    crs = (os.environ.get("MAP_TILE_CRS") or str(sec.get("crs", "wgs84"))).strip().lower()
    attribution = (os.environ.get("MAP_TILE_ATTRIBUTION") or str(sec.get("attribution", ""))).strip()
    if not url:
        return None, None
    if not url.startswith(("http://", "https://", "/")) or not all(k in url for k in ("{z}", "{x}", "{y}")):
        return None, "bad_url"
    if crs not in CRS_CHOICES:
        return None, "bad_crs"
    return TileConfig(url, crs, attribution), None


def map_style(cfg: TileConfig, background: str) -> str:
    """An inline raster style document (data URL) drawing the configured tiles under the layers."""
    style = {
        "version": 8,
        "sources": {"tiles": {"type": "raster", "tiles": [cfg.url], "tileSize": 256}},
        "layers": [
            {"id": "background", "type": "background", "paint": {"background-color": background}},
            {"id": "tiles", "type": "raster", "source": "tiles"},
        ],
    }
    return "data:application/json;charset=utf-8," + quote(json.dumps(style, separators=(",", ":")), safe="")
