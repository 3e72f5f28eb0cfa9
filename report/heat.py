"""The briefing's service heat map, at the scope's own scale: the district's hours on the ~400 m grid; a
street's communities shaded by their hours with each building group a circle sized by its hours; a
community's building areas shaded by theirs. Each figure says what it sums and what it leaves out."""

from __future__ import annotations

from ui import numbers

from . import svg_map
from .page import Page
from .text import esc, number


def heat_figure(page: Page) -> str:
    """The heat map's figure: the map, its legend and a caption (or a line saying there was no service)."""
    level = page.d.place.level
    body = _district(page) if level == "district" else _local(page)
    title = esc(page.L("brief_heat"))
    return f'<figure class="map-figure"><figcaption>{title}</figcaption>{body}</figure>'


def _whole(page: Page, value: float) -> str:
    return number(numbers.round_whole(value), page.lang)


def _chips(page: Page, bins: list[tuple[str, float, float]]) -> str:
    return "".join(
        f'<span><i style="background:{c}"></i>{esc(_whole(page, lo))} – {esc(_whole(page, hi))}</span>'
        for c, lo, hi in bins
    )


def _none(page: Page) -> str:
    return f'<p class="empty">{esc(page.L("rep_heat_none"))}</p>'


def _district(page: Page) -> str:
    m = page.d.maps
    bins = svg_map.heat_bins(m.cells["value"]) if len(m.cells) else []
    if not bins:
        return _none(page)
    stamp = page.L("grid_schematic_short")
    svg = svg_map.heat_map(m.district, m.scope, m.areas, m.cells, bins, page.L("brief_heat"), stamp)
    note = page.L("rep_heat_total", n=_whole(page, float(m.cells["value"].sum())), k=number(len(m.cells), page.lang))
    return (
        f'<div class="heat-row">{svg}<div class="legend heat-legend"><b>'
        f"{esc(page.L('rep_legend_hours'))}</b>{_chips(page, bins)}</div></div>"
        f'<p class="caption">{esc(note)} {esc(page.L("schematic"))}</p>'
    )


def _local(page: Page) -> str:
    """A street's or a community's: its areas shaded, a street's building groups as circles."""
    m, level = page.d.maps, page.d.place.level
    shaded = m.area_hours[m.area_hours["hours"] > 0] if len(m.area_hours) else m.area_hours
    # a handful of areas: about two to a class, so a class says more than one area's rank
    bins = svg_map.heat_bins(shaded["hours"], classes=max(2, len(shaded) // 2)) if len(shaded) else []
    if not bins:
        return _none(page)
    area = page.L("rep_heat_area_community" if level == "street" else "rep_heat_area_group")
    circles = m.group_hours if level == "street" else m.group_hours.iloc[0:0]
    stamp = page.L("grid_schematic_short")
    svg = svg_map.area_heat_map(level, m.district, m.scope, m.areas, shaded, circles, bins, page.L("brief_heat"), stamp)
    legend = f"<b>{esc(page.L('rep_legend_area_hours', area=area))}</b>{_chips(page, bins)}"
    if len(shaded) < len(m.areas):  # an area without service is left pale
        legend += f'<span><i style="background:{svg_map.NO_SERVICE};border:1px solid #c9ccd0"></i>{esc(page.L("rep_legend_no_service"))}</span>'
    total = float(page.d.kpis.get("hours") or 0.0)
    placed = float(m.group_hours["hours"].sum()) if len(m.group_hours) else 0.0
    note = page.L("rep_heat_areas", n=_whole(page, total), area=area, k=number(len(shaded), page.lang))
    rest = numbers.round_whole(total - placed)
    if len(circles):
        most = float(circles["hours"].max())
        sizes = "".join(
            f"<span>{svg_map.circle_chip(r)}{esc(_whole(page, v))}</span>" for v, r in svg_map.size_key(most)
        )
        legend += f'<b class="second">{esc(page.L("rep_legend_group_hours"))}</b>{sizes}'
        note += page.L("rep_heat_groups", k=number(len(circles), page.lang), n=_whole(page, placed))
        note += page.L("rep_heat_unplaced", n=number(rest, page.lang)) if rest > 0 else page.L("rep_sum_end")
    elif rest > 0:
        note += page.L("rep_heat_unplaced_community", n=number(rest, page.lang))
    return (
        f'<div class="heat-row">{svg}<div class="legend heat-legend">{legend}</div></div>'
        f'<p class="caption">{esc(note)} {esc(page.L("schematic"))}</p>'
    )
