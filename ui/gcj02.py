"""Display-side name of the WGS-84 -> GCJ-02 conversion; the math lives once, in seed.gcj02."""

from seed.gcj02 import shift_geometry, wgs84_to_gcj02, wgs84_to_gcj02_arrays

__all__ = ["shift_geometry", "wgs84_to_gcj02", "wgs84_to_gcj02_arrays"]
