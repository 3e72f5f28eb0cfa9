"""A map drawn on the server: a pydeck deck's own JSON as SVG, for the exporter's session.

The renderer (render.page) has no GPU: deck.gl's WebGL runs in software there, and the first frames of a
page's maps cost 3–9 s of CPU before a picture can be taken (the wall has two, the volunteer heat map's
aggregation is the worst). An export needs a picture, not a map one can pan, so its session draws each deck
here instead (ui.chrome.snapshot wraps st.pydeck_chart as it wraps st.dataframe for print_table): the same layers, colours, sizes and view, in deck.gl's Web-Mercator
projection at 1 CSS pixel per pixel, shown as an image (st.html keeps no inline SVG). Polygons, lines, dots and labels stay vectors (sharp on paper, the
labels real text in the PDF); a heat layer is computed as deck.gl computes it (its Gaussian kernel, the
maximum weight in view, intensity, threshold and colour range) and embedded as one PNG.

The picture is drawn DRAW_WIDTH wide around the view's centre and shown in a box of the chart's height that
clips to its column, so whatever the column's width it shows what deck.gl would show there. The layers
understood are those this app builds (GeoJsonLayer, ScatterplotLayer, TextLayer, PathLayer, HeatmapLayer);
a deck with another layer or with a tile basemap returns None and is drawn by deck.gl as before."""

from __future__ import annotations

import base64
import io
import json
import math
from html import escape
from typing import Any

import numpy as np

DEFAULT_HEIGHT = 500  # st.pydeck_chart's own
DRAW_WIDTH = 1920  # wider than any map column at the layouts' 1920 px
EARTH_CIRCUMFERENCE_M = 40_075_016.686
LAYERS = {"GeoJsonLayer", "ScatterplotLayer", "TextLayer", "PathLayer", "HeatmapLayer"}
HEAT_CELL = 2  # the heat layer is computed on 2 x 2 px cells (deck.gl's own weights texture is coarser)


class _View:
    """deck.gl's Web-Mercator viewport: 512 * 2**zoom pixels for the world, the view's centre in the middle."""

    def __init__(self, state: dict, width: int, height: int) -> None:
        self.lon, self.lat, self.zoom = float(state["longitude"]), float(state["latitude"]), float(state["zoom"])
        self.width, self.height = width, height
        self.world = 512 * 2**self.zoom
        self.y0 = self._merc(self.lat)
        self.metre = self.world / (EARTH_CIRCUMFERENCE_M * math.cos(math.radians(self.lat)))  # px per metre

    @staticmethod
    def _merc(lat):  # noqa: ANN001, ANN205 - a float or an array
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) / (2 * np.pi)

    def px(self, lon, lat):  # noqa: ANN001, ANN201 - floats or arrays alike
        x = (np.asarray(lon, dtype=float) - self.lon) / 360 * self.world + self.width / 2
        y = (self.y0 - self._merc(np.asarray(lat, dtype=float))) * self.world + self.height / 2
        return x, y


def _get(row: Any, expr: Any) -> Any:
    """A deck.gl accessor as pydeck writes it: a constant, or "@@=" and a field path or a list of them."""
    if not (isinstance(expr, str) and expr.startswith("@@=")):
        return expr
    body = expr[3:].strip()
    if body.startswith("[") and body.endswith("]"):
        return [_get(row, "@@=" + part.strip()) for part in body[1:-1].split(",")]
    value = row
    for key in body.split("."):
        value = value.get(key) if isinstance(value, dict) else None
    return value


def _rows(layer: dict) -> list:
    data = layer.get("data") or []
    if isinstance(data, dict):
        return data.get("features") or []
    return data if isinstance(data, list) else []


def _paint(colour: Any, kind: str) -> str:
    """fill="…" fill-opacity="…" for an RGBA list (none for a missing or transparent colour)."""
    if not isinstance(colour, (list, tuple)) or len(colour) < 3:
        return f'{kind}="none"'
    r, g, b = (int(c) for c in colour[:3])
    a = (float(colour[3]) if len(colour) > 3 else 255.0) / 255
    if a <= 0:
        return f'{kind}="none"'
    return f'{kind}="#{r:02x}{g:02x}{b:02x}"' + (f' {kind}-opacity="{a:.3f}"' if a < 1 else "")


def _width(layer: dict, value: Any, view: _View, units: str, lo: str, hi: str, default_units: str = "meters") -> float:
    """A width or radius in pixels: in the layer's units (deck.gl's default: metres), within its pixel bounds."""
    w = float(value if isinstance(value, (int, float)) else 1)
    w *= 1.0 if layer.get(units, default_units) == "pixels" else view.metre
    return min(max(w, float(layer.get(lo, 0))), float(layer.get(hi, 1e9)))


def _ring_d(points: list, view: _View) -> str:
    pts = np.asarray([p[:2] for p in points], dtype=float)
    if len(pts) < 2:
        return ""
    x, y = view.px(pts[:, 0], pts[:, 1])
    return "M" + "L".join(f"{a:.1f} {b:.1f}" for a, b in zip(x, y))


def _geometry_d(geometry: dict, view: _View) -> tuple[str, bool]:
    """An SVG path for a GeoJSON geometry, and whether it is an area (closed, filled)."""
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    if kind == "Polygon":
        return "".join(_ring_d(r, view) + "Z" for r in coords), True
    if kind == "MultiPolygon":
        return "".join(_ring_d(r, view) + "Z" for poly in coords for r in poly), True
    if kind == "LineString":
        return _ring_d(coords, view), False
    if kind == "MultiLineString":
        return "".join(_ring_d(line, view) for line in coords), False
    return "", False


def _geojson(layer: dict, view: _View) -> str:
    filled, stroked = layer.get("filled", True), layer.get("stroked", True)
    out = []
    for feature in _rows(layer):
        d, area = _geometry_d(feature.get("geometry") or {}, view)
        if not d:
            continue
        fill = (
            _paint(_get(feature, layer.get("getFillColor", [0, 0, 0, 255])), "fill")
            if filled and area
            else 'fill="none"'
        )
        stroke = 'stroke="none"'
        if stroked or not area:
            width = _width(
                layer,
                _get(feature, layer.get("getLineWidth", 1)),
                view,
                "lineWidthUnits",
                "lineWidthMinPixels",
                "lineWidthMaxPixels",
            )
            stroke = (
                _paint(_get(feature, layer.get("getLineColor", [0, 0, 0, 255])), "stroke")
                + f' stroke-width="{width:.2f}"'
            )
        out.append(f'<path d="{d}" {fill} {stroke} fill-rule="evenodd" stroke-linejoin="round"/>')
    return "".join(out)


def _positions(layer: dict, rows: list, view: _View):
    """Each row's position (getPosition) in pixels of the view: (xs, ys)."""
    pos = np.asarray([_get(r, layer.get("getPosition", "@@=position"))[:2] for r in rows], dtype=float)
    return view.px(pos[:, 0], pos[:, 1])


def _scatter(layer: dict, view: _View) -> str:
    rows = _rows(layer)
    if not rows:
        return ""
    xs, ys = _positions(layer, rows, view)
    filled, stroked = layer.get("filled", True), layer.get("stroked", False)
    out = []
    for row, x, y in zip(rows, xs, ys):
        r = _width(
            layer, _get(row, layer.get("getRadius", 1)), view, "radiusUnits", "radiusMinPixels", "radiusMaxPixels"
        )
        fill = _paint(_get(row, layer.get("getFillColor", [0, 0, 0, 255])), "fill") if filled else 'fill="none"'
        stroke = 'stroke="none"'
        if stroked:
            w = _width(
                layer,
                _get(row, layer.get("getLineWidth", 1)),
                view,
                "lineWidthUnits",
                "lineWidthMinPixels",
                "lineWidthMaxPixels",
            )
            stroke = _paint(_get(row, layer.get("getLineColor", [0, 0, 0, 255])), "stroke") + f' stroke-width="{w:.2f}"'
        out.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{max(r, 0.5):.2f}" {fill} {stroke}/>')
    return "".join(out)


def _path(layer: dict, view: _View) -> str:
    out = []
    for row in _rows(layer):
        d = _ring_d(_get(row, layer.get("getPath", "@@=path")) or [], view)
        if d:
            w = _width(
                layer, _get(row, layer.get("getWidth", 1)), view, "widthUnits", "widthMinPixels", "widthMaxPixels"
            )
            colour = _paint(_get(row, layer.get("getColor", [0, 0, 0, 255])), "stroke")
            out.append(f'<path d="{d}" fill="none" {colour} stroke-width="{w:.2f}" stroke-linejoin="round"/>')
    return "".join(out)


_ANCHOR = {"start": "start", "middle": "middle", "end": "end"}
_BASELINE = {"top": "hanging", "center": "central", "bottom": "alphabetic"}


def _text(layer: dict, view: _View) -> str:
    rows = _rows(layer)
    if not rows:
        return ""
    xs, ys = _positions(layer, rows, view)
    family = escape(str(layer.get("fontFamily", "sans-serif")), quote=True)
    outline = float(layer.get("outlineWidth", 0))
    halo = (
        _paint(layer.get("outlineColor", [0, 0, 0, 255]), "stroke") + f' stroke-width="{outline * 0.75:.1f}"'
        if outline
        else ""
    )
    out = [
        f'<g font-family="{family}" font-weight="{layer.get("fontWeight", "normal")}" paint-order="stroke" stroke-linejoin="round">'
    ]
    for row, x, y in zip(rows, xs, ys):
        label = str(_get(row, layer.get("getText", "@@=text")) or "")
        if not label:
            continue
        size = float(_get(row, layer.get("getSize", 32)))
        dx, dy = (_get(row, layer.get("getPixelOffset", [0, 0])) or [0, 0])[:2]
        anchor = _ANCHOR.get(str(_get(row, layer.get("getTextAnchor", "middle"))), "middle")
        baseline = _BASELINE.get(str(_get(row, layer.get("getAlignmentBaseline", "center"))), "central")
        lines = label.split("\n")
        top = y + dy - (len(lines) - 1) * size / 2  # the block of lines centred as deck.gl centres it
        spans = "".join(
            f'<tspan x="{x + dx:.1f}" y="{top + i * size:.1f}">{escape(line)}</tspan>' for i, line in enumerate(lines)
        )
        colour = _paint(_get(row, layer.get("getColor", [0, 0, 0, 255])), "fill")
        out.append(
            f'<text font-size="{size:g}" text-anchor="{anchor}" dominant-baseline="{baseline}" {colour} {halo}>{spans}</text>'
        )
    return "".join(out) + "</g>"


def heat_rgba(layer: dict, view: _View, cell: int = HEAT_CELL) -> np.ndarray | None:
    """The heat layer as deck.gl draws it (RGBA, one pixel per cell): each point's weight spread by the
    kernel exp(-u²/0.05555) over radiusPixels (u the distance as a share of the radius), summed; the
    colour range read at weight × intensity / the maximum in view, faded below threshold × the maximum."""
    rows = _rows(layer)
    if not rows:
        return None
    pos = np.asarray([_get(r, layer.get("getPosition", "@@=position"))[:2] for r in rows], dtype=float)
    weight = np.asarray([float(_get(r, layer.get("getWeight", 1)) or 0) for r in rows])
    xs, ys = view.px(pos[:, 0], pos[:, 1])
    w, h = math.ceil(view.width / cell), math.ceil(view.height / cell)
    radius = float(layer.get("radiusPixels", 50)) / cell
    reach = int(math.ceil(radius))
    offs = np.arange(-reach, reach + 1, dtype=float)
    u2 = (offs[None, :] ** 2 + offs[:, None] ** 2) / radius**2
    kernel = np.where(u2 <= 1, np.exp(-u2 / 0.05555), 0.0)
    size = 2 * reach + 1
    grid = np.zeros((h + 2 * reach, w + 2 * reach))  # a margin of the kernel's reach around the view
    for x, y, wt in zip(xs / cell, ys / cell, weight):
        cx, cy = int(round(x)), int(round(y))  # the kernel covers grid[cy : cy + size, cx : cx + size]
        if wt <= 0:
            continue
        x0, y0, x1, y1 = max(cx, 0), max(cy, 0), min(cx + size, grid.shape[1]), min(cy + size, grid.shape[0])
        if x0 >= x1 or y0 >= y1:  # wholly off the view and its margin (a point beyond a focused map's edge)
            continue
        grid[y0:y1, x0:x1] += wt * kernel[y0 - cy : y1 - cy, x0 - cx : x1 - cx]
    grid = grid[reach : reach + h, reach : reach + w]
    top = float(grid.max())
    if top <= 0:
        return None
    intensity = float(layer.get("intensity", 1))
    factor = np.clip(grid * intensity / top, 0, 1)
    colours = np.asarray(layer.get("colorRange") or [[255, 255, 178], [189, 0, 38]], dtype=float)[:, :3]
    n = len(colours)
    at = np.clip(factor * n - 0.5, 0, n - 1)  # the colour texture's texels, read with linear filtering
    lo = np.floor(at).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    frac = (at - lo)[..., None]
    rgb = colours[lo] * (1 - frac) + colours[hi] * frac
    threshold = max(float(layer.get("threshold", 0.05)), 1e-6)
    alpha = np.minimum(grid * intensity / (top * threshold), 1.0) * float(layer.get("opacity", 1))
    alpha[grid <= 0] = 0
    return np.dstack([rgb, alpha * 255]).round().clip(0, 255).astype(np.uint8)


def _heat(layer: dict, view: _View) -> str:
    rgba = heat_rgba(layer, view)
    if rgba is None:
        return ""
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(buf, format="PNG", optimize=False, compress_level=3)
    src = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    return f'<image href="{src}" x="0" y="0" width="{view.width}" height="{view.height}" preserveAspectRatio="none"/>'


DRAW = {
    "GeoJsonLayer": _geojson,
    "ScatterplotLayer": _scatter,
    "TextLayer": _text,
    "PathLayer": _path,
    "HeatmapLayer": _heat,
}


def drawable(spec: dict) -> bool:
    """Whether this module draws the deck: only the layers above, no tile basemap (a style document)."""
    style = spec.get("mapStyle")
    return (style in (None, "", "__MAP_STYLE__")) and all(
        layer.get("@@type") in LAYERS for layer in spec.get("layers") or []
    )


def svg(deck_json: str, height: int, label: str = "") -> str | None:
    """The deck as an SVG DRAW_WIDTH x height, or None when it is not drawable here."""
    spec = json.loads(deck_json)
    if not drawable(spec) or "initialViewState" not in spec:
        return None
    view = _View(spec["initialViewState"], DRAW_WIDTH, height)
    body = []
    for layer in spec.get("layers") or []:
        if layer.get("visible", True) is False:
            continue
        part = DRAW[layer["@@type"]](layer, view)
        opacity = float(layer.get("opacity", 1)) if layer["@@type"] != "HeatmapLayer" else 1.0  # heat: in its alpha
        if part:
            body.append(f'<g opacity="{opacity:g}">{part}</g>' if opacity < 1 else part)
    title = f"<title>{escape(label)}</title>" if label else ""
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{DRAW_WIDTH}" height="{height}" '
        f'viewBox="0 0 {DRAW_WIDTH} {height}" role="img"{f" aria-label={chr(34)}{escape(label)}{chr(34)}" if label else ""}>'
        f"{title}{''.join(body)}</svg>"
    )


def html(deck_json: str, height: int, label: str = "") -> str | None:
    """The map as a block of the chart's height, its picture centred and clipped to the column's width. The
    SVG is an image (a data URL): st.html keeps HTML only, and an image's SVG still draws its text in the
    page's fonts."""
    picture = svg(deck_json, height, label)
    if picture is None:
        return None
    src = "data:image/svg+xml;base64," + base64.b64encode(picture.encode()).decode()
    return (
        f'<div class="static-map" style="position:relative;overflow:hidden;width:100%;height:{height}px">'
        f'<img src="{src}" alt="{escape(label, quote=True)}" width="{DRAW_WIDTH}" height="{height}" '
        f'style="position:absolute;top:0;left:50%;margin-left:-{DRAW_WIDTH // 2}px;max-width:none"></div>'
    )
