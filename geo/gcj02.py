"""WGS-84 <-> GCJ-02: drawing stored (WGS-84) coordinates over Chinese tile services such as AMap, and
bringing GCJ-02 coordinates of an imported file back to WGS-84.

The database keeps WGS-84. GCJ-02 is the published obfuscation of the national survey
standard; the formula below is the widely used open implementation (Krasovsky ellipsoid constants).
Outside mainland China the coordinates are returned unchanged, as the services themselves do.
"""

from __future__ import annotations

import math

import numpy as np

_A = 6378245.0  # semi-major axis of the Krasovsky 1940 ellipsoid
_EE = 0.00669342162296594323  # its first eccentricity squared


def _out_of_china(lon, lat):
    return (lon < 72.004) | (lon > 137.8347) | (lat < 0.8293) | (lat > 55.8271)


def _d_lat(x, y):
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * math.pi) + 40.0 * np.sin(y / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * math.pi) + 320.0 * np.sin(y * math.pi / 30.0)) * 2.0 / 3.0
    return ret


def _d_lon(x, y):
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * math.pi) + 20.0 * np.sin(2.0 * x * math.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * math.pi) + 40.0 * np.sin(x / 3.0 * math.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * math.pi) + 300.0 * np.sin(x / 30.0 * math.pi)) * 2.0 / 3.0
    return ret


def wgs84_to_gcj02_arrays(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised WGS-84 -> GCJ-02 for arrays of longitudes and latitudes (degrees)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    d_lat = _d_lat(lon - 105.0, lat - 35.0)
    d_lon = _d_lon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * math.pi
    magic = 1 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    d_lat = (d_lat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrt_magic) * math.pi)
    d_lon = (d_lon * 180.0) / (_A / sqrt_magic * np.cos(rad) * math.pi)
    outside = _out_of_china(lon, lat)
    return np.where(outside, lon, lon + d_lon), np.where(outside, lat, lat + d_lat)


def wgs84_to_gcj02(lon: float, lat: float) -> tuple[float, float]:
    """One WGS-84 point (lon, lat) in GCJ-02."""
    x, y = wgs84_to_gcj02_arrays(np.array([lon]), np.array([lat]))
    return float(x[0]), float(y[0])


def shift_geometry(geometry: dict) -> dict:
    """A GeoJSON geometry with every position converted (a new object; the input is left alone)."""

    def walk(c):
        if c and isinstance(c[0], (int, float)):
            x, y = wgs84_to_gcj02(c[0], c[1])
            return [round(x, 6), round(y, 6)]
        return [walk(part) for part in c]

    return {**geometry, "coordinates": walk(geometry["coordinates"])}


def gcj02_to_wgs84(lon: float, lat: float) -> tuple[float, float]:
    """One GCJ-02 point back to WGS-84: the forward formula inverted by fixed-point iteration (< 1e-7°)."""
    x, y = lon, lat
    for _ in range(30):
        gx, gy = wgs84_to_gcj02(x, y)
        dx, dy = gx - lon, gy - lat
        x, y = x - dx, y - dy
        if abs(dx) < 1e-9 and abs(dy) < 1e-9:
            break
    return x, y
