"""大屏 Briefing wall: one 16:9 composition for a meeting room, refreshing itself."""

import html

import streamlit as st

from data_access import cached
from data_access.prefetch import fetch
from ui import charts, compare, prebuilt
from ui.chrome import filter_bar, freshness
from ui.chrome.db_status import fragment_guard
from ui.chrome.shell import page_setup
from ui.grid import deck as grid_map
from ui.labels import current_lang, t
from ui.maps import built_up_box
from ui.screen import wall
from ui.volunteers.service_map import beyond, service_deck

REFRESH_SECONDS = 30  # the wall redraws itself this often: a refresh of the figures shows within it
SLOWEST = 10  # stations ringed on the heat map: the longest median wait for an answer

ctx = page_setup()


def panel(key: str, extra: str = "", why: str = "") -> None:
    """A panel's title on one line (why: the full text of a shortened part, as its tooltip)."""
    tip = f' title="{html.escape(why)}"' if why else ""
    st.html(f'<div class="brief-panel-title"{tip}>{t(key)}{extra}</div>')


@st.fragment(run_every=REFRESH_SECONDS)
@fragment_guard
def draw_wall() -> None:
    f = ctx.filters
    fresh = freshness.follow()  # a moved data version drops the cached figures before they are read
    before = compare.compared(f, ctx.first_day)
    data = fetch(  # the wall's data, side by side
        kpis=(cached.kpis, f),
        **({"kpis_before": (cached.kpis, before), "ranking_before": (cached.area_ranking, before)} if before else {}),
        groups=(cached.grid_building_groups, f),
        areas=(cached.grid_areas, f),
        facilities=(cached.grid_facilities, f),
        scope=(cached.grid_scope_area, f),
        siblings=(cached.grid_sibling_areas, f),
        base=(cached.grid_base,),
        supply=(cached.vol_station_supply_demand, f, None, None),
        cells=(cached.vol_service_cells, f, "hours", None, None),
        kitchens=(cached.vol_kitchens, f),
        outline=(cached.vol_scope_outline, f),
        week=(cached.vol_weekday_hour, f),
        ranking=(cached.area_ranking, f),
        warnings=(cached.warning_counts, f, ctx.as_of),
        overdue=(cached.overdue_tasks, f, ctx.as_of),
    )
    k, k0 = data.kpis, getattr(data, "kpis_before", {})
    mode = t(f"cmp_{compare.mode()}")
    unrecorded = compare.unrecorded(("hours", "served", "activities"), before, cached.first_records())

    def figure(label: str, key: str) -> tuple:
        """Flows of the range and stocks on its last day alike, each against the compared period (a flow
        compared before its first record: not compared, the month it was first recorded beside it, the full
        reason in its tooltip)."""
        if key in unrecorded:
            first = f"{unrecorded[key]:%Y-%m}"
            why = t("cmp_before_records", items=t(label), first=first)
            return label, k[key], (f"{mode} {t('cmp_since_system', first=first)}", "flat", why)
        change, cls = compare.arrow_text(k[key], k0.get(key))
        return label, k[key], (f"{mode} {change}", cls)

    scope = " › ".join(filter_bar.scope_path(f, ctx.places))
    st.html(wall.title_bar(scope, ctx.as_of, ctx.is_demo, fresh, freshness.lag(fresh, ctx.live)))
    st.html(
        wall.kpi_strip(
            [
                figure(label, key)
                for label, key in (
                    ("kpi_orgs", "orgs"),
                    ("kpi_members", "members"),
                    ("kpi_building_groups", "building_groups"),
                    ("kpi_teams", "teams"),
                    ("kpi_volunteers", "volunteers"),
                    ("kpi_hours", "hours"),
                    ("kpi_served", "served"),
                    ("kpi_activities", "activities"),
                )
            ]
        )
    )
    left, middle, right = st.columns([5, 5, 4], gap="medium")
    with left:
        panel("brief_grid_map")
        groups, areas = data.groups, data.areas
        if groups.empty:
            st.info(t("empty"))
        else:
            drawn = grid_map.MapInput(f.level, data.base, data.scope, areas, groups, data.facilities, data.siblings)
            drawn, _left_out = grid_map.mappable(drawn)  # the wall shows no caption; the grid map page does
            scale = grid_map.colour_scale("street", groups, areas, f.level)
            deck = prebuilt.deck(grid_map.build_deck, drawn, scale, (), None, None, (PANEL_WIDTH, BRIEF_MAP_HEIGHT))
            inset = (  # the map opens on the built-up streets: the whole district beside them, small
                prebuilt.deck(grid_map.locator_deck, drawn, scale, INSET_SIZE, (PANEL_WIDTH, BRIEF_MAP_HEIGHT))
                if grid_map.opens_on_part(drawn, (PANEL_WIDTH, BRIEF_MAP_HEIGHT))
                else None
            )
            wall.map_with_inset(deck, BRIEF_MAP_HEIGHT, inset, INSET_SIZE)
    with middle:
        supply = data.supply
        slowest = supply.dropna(subset=["median_wait_h"]).head(SLOWEST)
        # at the district the heat map opens on the built-up streets, as the grid map beside it
        focus = built_up_box(data.areas) if f.level == "district" and len(data.areas) else None
        away = beyond(slowest, focus, PANEL_WIDTH, HEAT_HEIGHT)
        extra = (t("brief_heat_focus_away", n=away) if away else t("brief_heat_focus")) if focus else ""
        panel("brief_heat", extra)
        st.pydeck_chart(
            prebuilt.deck(
                service_deck,
                data.cells,
                slowest,
                data.kitchens,
                f.level == "district",
                t("vol_tip_station"),
                t("vol_tip_kitchen"),
                data.outline,
                height=HEAT_HEIGHT,
                width=PANEL_WIDTH,
                lang=current_lang(),
                focus=focus,
            ),
            height=HEAT_HEIGHT,
        )
        panel("vol_weekday_hour")
        wh = data.week
        if not wh.empty:
            wh, order = charts.week_grid(wh, tuple(t(f"wd_{w}") for w in range(7)))
            labels = {k: t(f"col_{k}") for k in ("hour", "weekday", "hours", "served", "sessions")}
            charts.show(wh, wall.dark_weekday_hour, "hours", t("col_hours"), labels, order, WEEK_HEIGHT)
    with right:
        ranking = data.ranking
        moved_by = t("brief_rank_moved", mode=mode) if before else t("brief_rank_none_short", mode=mode)
        panel(
            "ranking_streets" if f.level == "district" else "ranking_communities",
            f" · {t('col_hours')} · {moved_by}",
            "" if before else t("brief_rank_none", mode=mode),
        )
        if ranking.empty:
            st.info(t("ranking_none"))
        else:
            moved = compare.rank_change(ranking, getattr(data, "ranking_before", None), "area_id", "hours")
            ranking = ranking.assign(area=ranking["area"] + "  " + moved.map(compare.rank_text))
            charts.show(ranking, wall.dark_ranking, "area", "hours", t("col_hours"), RANK_HEIGHT)
        panel("warnings_now")
        st.html(wall.warnings_panel(data.warnings, data.overdue, top=6))


# CSS px of the panels: at 1920×1080 (and at device scale 2) the three columns run from the panel titles
# (299 px down) to 1070 px, the wall's foot, without scrolling: the map 771; the heat map, the weekday
# title (73) and the weekday × hour heat 468 + 73 + 230; the ranking, the warnings and six overdue tasks
BRIEF_MAP_HEIGHT, HEAT_HEIGHT, WEEK_HEIGHT, RANK_HEIGHT = 771, 468, 230, 448
PANEL_WIDTH = 640  # CSS px of the two map panels on a 1920-wide wall: the maps are fitted to it
INSET_SIZE = (210, 240)  # the whole district, over the grid map's bottom-left corner (rural, sparse streets)
draw_wall()
