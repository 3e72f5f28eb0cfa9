"""Plane geometry for the demo dataset: the district outline, sampling inside it, schematic areas."""

from __future__ import annotations

import json
from functools import lru_cache

import numpy as np

import geo

Ring = list[tuple[float, float]]


@lru_cache(maxsize=1)
def district_outline() -> Ring:
    """The outer ring of 二七区 (WGS-84 lon/lat), without the closing vertex."""
    data = geo.outline(geo.DISTRICT)
    ring = data["features"][0]["geometry"]["coordinates"][0][0]
    pts = [(float(x), float(y)) for x, y in ring]
    return pts[:-1] if pts[0] == pts[-1] else pts


def points_in_ring(xs: np.ndarray, ys: np.ndarray, ring: Ring) -> np.ndarray:
    """Vectorised even-odd test: which (x, y) lie inside the ring."""
    poly = np.asarray(ring)
    x1, y1 = poly[:, 0], poly[:, 1]
    x2, y2 = np.roll(x1, -1), np.roll(y1, -1)
    inside = np.zeros(len(xs), dtype=bool)
    for ax, ay, bx, by in zip(x1, y1, x2, y2):
        crosses = (ay > ys) != (by > ys)
        with np.errstate(divide="ignore", invalid="ignore"):
            xint = ax + (ys - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (xs < xint)
    return inside


def metres_to_ring(xs: np.ndarray, ys: np.ndarray, ring: Ring) -> np.ndarray:
    """Each point's distance in metres to the ring's nearest edge (local flat approximation, fine at a
    district's size)."""
    poly = np.asarray(ring, dtype=float)
    lat0 = float(poly[:, 1].mean())
    kx, ky = 111_320.0 * np.cos(np.radians(lat0)), 110_540.0
    ax, ay = poly[:, 0] * kx, poly[:, 1] * ky
    bx, by = np.roll(ax, -1), np.roll(ay, -1)
    dx, dy = bx - ax, by - ay
    seg2 = np.where(dx * dx + dy * dy > 0, dx * dx + dy * dy, 1.0)
    px, py = np.asarray(xs, dtype=float) * kx, np.asarray(ys, dtype=float) * ky
    out = np.empty(len(px))
    for start in range(0, len(px), 512):  # 512 points × the ring's edges at a time
        qx, qy = px[start : start + 512, None], py[start : start + 512, None]
        u = np.clip(((qx - ax) * dx + (qy - ay) * dy) / seg2, 0.0, 1.0)
        out[start : start + 512] = np.sqrt((ax + u * dx - qx) ** 2 + (ay + u * dy - qy) ** 2).min(axis=1)
    return out


def sample_in_ring(rng: np.random.Generator, ring: Ring, n: int) -> np.ndarray:
    """n uniform random points inside the ring, as an (n, 2) array."""
    poly = np.asarray(ring)
    lo, hi = poly.min(axis=0), poly.max(axis=0)
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        cand = rng.uniform(lo, hi, size=(max(64, 3 * (n - have)), 2))
        ok = cand[points_in_ring(cand[:, 0], cand[:, 1], ring)]
        out.append(ok)
        have += len(ok)
    return np.concatenate(out)[:n]


def _clip_half_plane(poly: Ring, a: float, b: float, c: float) -> Ring:
    """Keep the part of poly where a*x + b*y <= c (Sutherland–Hodgman, one edge)."""
    out: Ring = []
    if not poly:
        return out
    prev = poly[-1]
    prev_in = a * prev[0] + b * prev[1] <= c
    for cur in poly:
        cur_in = a * cur[0] + b * cur[1] <= c
        if cur_in != prev_in:
            dp = a * prev[0] + b * prev[1] - c
            dc = a * cur[0] + b * cur[1] - c
            t = dp / (dp - dc)
            out.append((prev[0] + t * (cur[0] - prev[0]), prev[1] + t * (cur[1] - prev[1])))
        if cur_in:
            out.append(cur)
        prev, prev_in = cur, cur_in
    return out


def voronoi_partition(region: Ring, sites: np.ndarray) -> list[Ring]:
    """Split region into one piece per site: the part of region nearer to that site than to any other.

    Each piece is region clipped by the perpendicular bisectors to every other site, so it is a
    schematic area, not a surveyed boundary.
    """
    pieces: list[Ring] = []
    for i, (px, py) in enumerate(sites):
        poly = list(region)
        for j, (qx, qy) in enumerate(sites):
            if i == j:
                continue
            # nearer to p than to q  <=>  (q - p) . x <= (|q|^2 - |p|^2) / 2
            a, b = qx - px, qy - py
            c = (qx * qx + qy * qy - px * px - py * py) / 2
            poly = _clip_half_plane(poly, a, b, c)
            if not poly:
                break
        pieces.append([(round(x, 6), round(y, 6)) for x, y in poly])
    return pieces


def ring_area(ring: Ring) -> float:
    """Unsigned shoelace area in square degrees."""
    if len(ring) < 3:
        return 0.0
    arr = np.asarray(ring)
    x, y = arr[:, 0], arr[:, 1]
    return float(abs(np.dot(x, np.roll(y, -1)) - np.dot(y, np.roll(x, -1))) / 2)


def ring_to_geojson(ring: Ring) -> str:
    """A ring as a compact GeoJSON Polygon string (closed)."""
    coords = [[x, y] for x, y in ring]
    if coords and coords[0] != coords[-1]:
        coords.append(coords[0])
    return json.dumps({"type": "Polygon", "coordinates": [coords]}, separators=(",", ":"))
