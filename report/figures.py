"""Section 2, headline figures: the overview page's tiles in its three groups, each flow and each stock with a
past with its 同比/环比 (data_access.compare.change), a figure without a dated history saying so, as on the
overview."""

from __future__ import annotations

from dataclasses import dataclass

from data_access.compare import change
from ui import numbers

from .page import Page
from .text import esc, missing, number


@dataclass(frozen=True)
class Tile:
    label_key: str
    value: object
    flow: str | None = None  # the kpis key compared with the compared period (a flow, or a stock with a past)
    unit_key: str | None = None
    sub: str | None = None
    fixed: str | None = None  # never compared: the text said in place of a change (cmp_no_past, cmp_now)


def tiles(page: Page) -> list[tuple[str, list[Tile]]]:
    """The overview's tiles (pages/overview.py), in its groups and order."""
    k = page.d.kpis

    def sub(key: str, n: object) -> str | None:
        return None if n is None else page.L(key, n=number(n, page.lang))

    joint = None if k.get("street_joint") is None else f"{k['street_joint']} / {k['community_joint']}"
    return [
        (
            "sec_org",
            [
                Tile("kpi_orgs", k["orgs"], "orgs"),
                Tile("kpi_members", k["members"], "members"),
                Tile(
                    "kpi_building_groups",
                    k["building_groups"],
                    "building_groups",
                    sub=sub("sub_demonstration", k["demonstration"] or 0),
                ),
                Tile("kpi_grids", k["grids"], fixed="cmp_no_past"),
                Tile("kpi_joint", joint, fixed="cmp_no_past"),
                Tile(
                    "kpi_activities", k["activities"], "activities", sub=sub("sub_participations", k["participations"])
                ),
            ],
        ),
        (
            "sec_service",
            [
                Tile("kpi_teams", k["teams"], "teams"),
                Tile("kpi_stations", k["stations"], fixed="cmp_no_past"),
                Tile("kpi_volunteers", k["volunteers"], "volunteers"),
                Tile("kpi_hours", k["hours"], "hours", "unit_hours"),
                Tile("kpi_served", k["served"], "served"),
                Tile("kpi_events", k["events"], "events"),
            ],
        ),
        (
            "sec_work",
            [
                Tile("kpi_centers", k["service_centers"], "service_centers"),
                Tile("kpi_kitchens", k["kitchens"], "kitchens", sub=sub("sub_people_fed", k.get("people_fed"))),
                Tile("kpi_meetings", k["joint_meetings"], "joint_meetings"),
                Tile("kpi_requests", k["requests"], "requests"),
                Tile("kpi_wishes", k["wishes"], "wishes"),
                Tile("kpi_overdue", len(page.d.overdue), fixed="cmp_now"),
            ],
        ),
    ]


def arrow(current: object, previous: object, na: str) -> tuple[str, str]:
    """A change as the wall shows it (ui.compare.arrow_text): ▲ 12.3%, ▼ 4.0%, 0.0% or na; and its class."""
    diff, share = change(current, previous)  # type: ignore[arg-type]
    if share is None or diff is None:
        return na, "flat"
    if diff == 0:
        return numbers.signed_percent(0.0), "flat"
    text = numbers.signed_percent(abs(share)).lstrip("+")
    return (f"▲ {text}", "up") if diff > 0 else (f"▼ {text}", "down")


def tile_html(page: Page, tile: Tile) -> str:
    shown = tile.value if isinstance(tile.value, str) else number(tile.value, page.lang)
    unit = (
        f'<span class="unit">{esc(page.L(tile.unit_key))}</span>' if tile.unit_key and not missing(tile.value) else ""
    )
    text, cls, was = page.L(tile.fixed or "na"), "flat", ""
    if tile.flow is not None and page.d.previous is not None:
        before = page.d.kpis_before.get(tile.flow)
        text, cls = arrow(tile.value, before, page.L("na"))
        was = f'<span class="was">{esc(page.L("rep_was", v=number(before, page.lang)))}</span>'
    sub = f'<div class="sub">{esc(tile.sub)}</div>' if tile.sub else ""
    mode = "" if tile.fixed else esc(page.L(f"cmp_{page.d.mode}")) + " "
    return (
        f'<div class="tile" data-kpi="{esc(tile.label_key)}"><div class="t-label">{esc(page.L(tile.label_key))}</div>'
        f'<div class="t-value">{esc(shown)}{unit}</div>{sub}'
        f'<div class="t-change {cls}">{mode}{esc(text)}{was}</div></div>'
    )


def figures_html(page: Page) -> str:
    """The comparison caption, then each group's tiles."""
    out = [f'<p class="caption">{esc(page.compared_caption())}</p>']
    for section, row in tiles(page):
        cells = "".join(tile_html(page, tile) for tile in row)
        out.append(f'<h3>{esc(page.L(section))}</h3><div class="tiles">{cells}</div>')
    return "".join(out)
