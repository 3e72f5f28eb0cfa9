"""Map labels without collisions, for the pydeck maps and the report's SVG maps alike (pure Python).

The caller projects each label's anchor to screen pixels for the map's own view (x right, y down) and
says which markers must stay uncovered. `place` then takes the labels in order of importance (larger
priority first) and tries a few positions around each anchor (centred, right, left, above, below); a
label is kept at the first position whose box lies inside the map and touches neither a kept label nor
a marker, and dropped when none does. An area too small or too crowded for its own name (the old city's
streets at district zoom) gets a callout: `callouts` sets the name a little way off, where it is free,
and the caller draws a leader line from the area to it. Names still dropped show in tooltips and lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

Box = tuple[float, float, float, float]  # x0, y0, x1, y1 in pixels, y down

AROUND = ("right", "left", "above", "below")  # a point's name: beside its marker, never on it
# an area's name: on its centre if there is room, else nudged (in label widths, heights) within the area
CENTRED = ("center", "above", "below", (0.0, -2.0), (0.0, 2.0), (-0.4, 0.0), (0.4, 0.0), (-0.4, -1.0), (0.4, -1.0),
           (-0.4, 1.0), (0.4, 1.0), (0.0, -3.0), (0.0, 3.0))  # fmt: skip
HALO = 2.0  # px of white outline drawn around every letter


def text_width(text: str, size: float) -> float:
    """Width of a line of text: CJK characters are square, Latin letters, digits and spaces about 0.6 em."""
    return sum(size if ord(ch) > 0x2E80 else 0.6 * size for ch in text)


def text_box_size(text: str, size: float) -> tuple[float, float]:
    """Width and height of a label's box, its halo included."""
    return text_width(text, size) + 2 * HALO, size * 1.2 + 2 * HALO


@dataclass(frozen=True)
class Label:
    """A name to set near the anchor (x, y); gap: px kept free between the anchor and the name (a marker's
    radius and a little air) when it is set beside the anchor."""

    text: str
    x: float
    y: float
    size: float
    priority: float = 0.0
    gap: float = 0.0
    positions: tuple = AROUND  # names (right, left, above, below, center) or (x, y) in label widths, heights
    key: object = None
    region: tuple = ()  # rings of pixel points: when given, the name's centre stays inside them (an area's own)


@dataclass(frozen=True)
class Placed:
    """A kept label: where its centre lies relative to the anchor (dx, dy) and the box it takes."""

    label: Label
    position: str
    dx: float
    dy: float
    box: Box

    @property
    def x(self) -> float:
        return self.label.x + self.dx

    @property
    def y(self) -> float:
        return self.label.y + self.dy


def offset(position, w: float, h: float, gap: float) -> tuple[float, float]:
    """The label centre's offset from its anchor for a position."""
    if isinstance(position, tuple):
        return position[0] * w, position[1] * h
    if position == "center":
        return 0.0, 0.0
    if position == "right":
        return gap + w / 2, 0.0
    if position == "left":
        return -(gap + w / 2), 0.0
    if position == "above":
        return 0.0, -(gap + h / 2)
    if position == "below":
        return 0.0, gap + h / 2
    raise ValueError(f"unknown label position {position!r}")


def overlaps(a: Box, b: Box) -> bool:
    """True when two boxes share some area (touching edges do not count)."""
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def marker_box(x: float, y: float, radius: float) -> Box:
    """The box of a round marker (or a glyph) of a radius in px."""
    return x - radius, y - radius, x + radius, y + radius


def _inside(box: Box, bounds: Box) -> bool:
    return bounds[0] <= box[0] and bounds[1] <= box[1] and box[2] <= bounds[2] and box[3] <= bounds[3]


def inside_rings(x: float, y: float, rings: Sequence[Sequence[tuple[float, float]]]) -> bool:
    """Even-odd test of a point against polygon rings (holes and multipolygons alike)."""
    hit = False
    for ring in rings:
        n = len(ring)
        for i in range(n):
            x0, y0 = ring[i]
            x1, y1 = ring[i - 1]
            if (y0 > y) != (y1 > y) and x < x0 + (y - y0) * (x1 - x0) / (y1 - y0):
                hit = not hit
    return hit


def _outside(box: Box, bounds: Box) -> bool:
    return box[2] <= bounds[0] or box[0] >= bounds[2] or box[3] <= bounds[1] or box[1] >= bounds[3]


class _Grid:
    """Boxes bucketed by a coarse grid: a test against hundreds of markers looks at a few of them."""

    def __init__(self, cell: float = 64.0) -> None:
        self.cell = cell
        self.cells: dict[tuple[int, int], list[Box]] = {}

    def _keys(self, box: Box) -> Iterable[tuple[int, int]]:
        c = self.cell
        for i in range(int(box[0] // c), int(box[2] // c) + 1):
            for j in range(int(box[1] // c), int(box[3] // c) + 1):
                yield i, j

    def add(self, box: Box) -> None:
        for k in self._keys(box):
            self.cells.setdefault(k, []).append(box)

    def hits(self, box: Box) -> bool:
        return any(overlaps(box, other) for k in self._keys(box) for other in self.cells.get(k, ()))


def place(
    labels: Sequence[Label],
    markers: Iterable[Box] = (),
    bounds: Box | None = None,
    taken: Iterable[Box] = (),
    outside_ok: bool = False,
) -> list[Placed]:
    """The labels kept, most important first, each at its first free position; none overlaps another,
    a marker or a box already taken, and each lies inside bounds (when given; with outside_ok a label
    wholly outside them is kept too: a map that pans shows it later, and nothing cuts it now). Ties in
    priority keep the given order."""
    markers_grid, kept_grid = _Grid(), _Grid()
    for box in markers:
        markers_grid.add(box)
    for box in taken:
        kept_grid.add(box)
    out: list[Placed] = []
    for label in sorted(labels, key=lambda item: -item.priority):
        w, h = text_box_size(label.text, label.size)
        for position in label.positions:
            dx, dy = offset(position, w, h, label.gap)
            cx, cy = label.x + dx, label.y + dy
            box = (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)
            if bounds is not None and not _inside(box, bounds) and not (outside_ok and _outside(box, bounds)):
                continue
            if kept_grid.hits(box) or markers_grid.hits(box):
                continue
            if label.region and not inside_rings(cx, cy, label.region):
                continue
            kept_grid.add(box)
            out.append(Placed(label, position, dx, dy, box))
            break
    return out


# a callout's name: this many px between the area's centre and the name's box, nearest first, in eight
# directions (above and below first: a horizontal name is shortest away in y)
CALLOUT_DISTANCES = (22.0, 40.0, 62.0, 90.0, 120.0)
CALLOUT_DIRECTIONS = ((0.0, -1.0), (0.0, 1.0), (1.0, 0.0), (-1.0, 0.0), (0.7, -0.7), (-0.7, -0.7), (0.7, 0.7), (-0.7, 0.7))


def callouts(
    labels: Sequence[Label], markers: Iterable[Box] = (), bounds: Box | None = None, taken: Iterable[Box] = ()
) -> list[Placed]:
    """Names that found no room on their own area, set off it (the nearest free spot of CALLOUT_DISTANCES
    in CALLOUT_DIRECTIONS) under the same rules as `place`: none overlaps a kept label, a marker or a box
    taken. The caller draws a leader from each label's anchor to `leader_end`."""
    moved = []
    for label in labels:
        w, h = text_box_size(label.text, label.size)
        spots = []
        for d in CALLOUT_DISTANCES:
            for ux, uy in CALLOUT_DIRECTIONS:  # the box's nearest edge d px from the anchor along (ux, uy)
                spots.append((ux * (d + w / 2) / w, uy * (d + h / 2) / h))
        moved.append(replace(label, positions=tuple(spots), region=(), gap=0.0))
    return place(moved, markers, bounds, taken)


def leader_end(placed: Placed) -> tuple[float, float]:
    """The point of a placed label's box nearest its anchor: where a callout's leader line ends."""
    x0, y0, x1, y1 = placed.box
    x, y = placed.label.x, placed.label.y
    return min(max(x, x0), x1), min(max(y, y0), y1)


def any_overlap(boxes: Sequence[Box]) -> tuple[Box, Box] | None:
    """The first pair of overlapping boxes, or None (for tests and checks)."""
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            if overlaps(a, b):
                return a, b
    return None
