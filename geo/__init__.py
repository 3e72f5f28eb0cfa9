"""Shared geography, used by the importer, the demo generator, the queries and the maps alike.

- `geo.REFERENCE_DIR`: the project's reference files (`reference/`): the district outlines (WGS-84) and the
  report's published figures, copied from the shared source material;
- `geo.outline(name)`: one of those outlines as GeoJSON;
- `geo.gcj02`: the WGS-84 <-> GCJ-02 conversion (Chinese web maps draw in GCJ-02).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"
DISTRICT = "erqi-district.geojson"  # 二七区 and its streets
CITY = "zhengzhou-districts.geojson"  # the city's districts around it


@cache
def _read(name: str) -> str:
    return (REFERENCE_DIR / name).read_text(encoding="utf-8")


def outline(name: str) -> dict:
    """A fresh copy of a reference outline (callers may change it)."""
    return json.loads(_read(name))
