"""网格地图 Grid map: grid areas, the building party groups and facilities on an offline map; 1+X+Y gaps."""

import streamlit as st

from data_access import cached
from data_access.prefetch import fetch
from ui import basemap, compare, data_quality, prebuilt
from ui.chrome.shell import page_setup, stop_page
from ui.grid import deck as grid_map
from ui.grid import panels as grid_panels
from ui.grid import selection as grid_selection
from ui.labels import t
from ui.safe_text import md

ctx = page_setup()
f = ctx.filters
st.html(f"<style>{grid_map.LEGEND_CSS}</style>")
# the map is the data date's: its counts are compared when the range runs to that day (as the overview's)
before = compare.compared(f, ctx.first_day) if f.end >= ctx.as_of else None
data = fetch(  # the page's data, side by side
    **({"kpis": (cached.kpis, f), "kpis_before": (cached.kpis, before)} if before else {}),
    groups=(cached.grid_building_groups, f),
    areas=(cached.grid_areas, f),
    facilities=(cached.grid_facilities, f),
    gaps=(cached.grid_gaps, f),
    scope=(cached.grid_scope_area, f),
    siblings=(cached.grid_sibling_areas, f),
    gap_summary=(cached.grid_gap_summary, f),
    base=(cached.grid_base,),
)
groups, areas, facilities, gaps = data.groups, data.areas, data.facilities, data.gaps
if groups.empty:
    st.info(t("grid_empty"))
    stop_page()
tiles, tiles_problem = basemap.tile_config()
if tiles_problem:
    st.warning(t(f"grid_notice_{tiles_problem}"))

grid_selection.follow_map_pick(grid_selection.map_key(f), ctx.places)
bg_id, bg_code, dropped = grid_selection.current_selection(ctx.places, f)
if dropped:
    st.warning(t(f"grid_notice_{dropped[0]}", value=md(dropped[1])))

map_col, side_col = st.columns([3.2, 1.1])
with side_col:
    measure = (
        st.radio(
            t("grid_color_by"),
            grid_map.COLOR_BY,
            key="grid_color",
            horizontal=True,
            format_func=lambda m: t(f"grid_color_{m}"),
            help=t("grid_color_help"),
        )
        or "street"
    )
    shown = tuple(
        st.pills(
            t("grid_layers"),
            grid_map.FACILITY_KINDS,
            selection_mode="multi",
            default=list(grid_map.FACILITY_KINDS),
            key="grid_layers",
            format_func=lambda k: f"{grid_map.FACILITY_STYLE[k][0]} {t(f'grid_facility_{k}')}",
        )
    )
    use_tiles = tiles is not None and st.toggle(
        t("grid_tiles_toggle"), value=False, key="grid_tiles", help=t("grid_tiles_help")
    )

scale = grid_map.colour_scale(measure, groups, areas, f.level)
drawn = grid_map.MapInput(f.level, data.base, data.scope, areas, groups, facilities, data.siblings)
# rows without coordinates or shape are left off the map and counted below
deck, left_out = prebuilt.deck_with(grid_map.placed_deck, drawn, scale, shown, bg_code, tiles if use_tiles else None)

with map_col:
    with st.container(key="grid_map_box"):
        st.pydeck_chart(
            deck,
            on_select="rerun",
            selection_mode="single-object",
            key=grid_selection.map_key(f),
            height=grid_map.MAP_HEIGHT,
            alt=t("grid_map_alt"),
        )
    st.html(grid_map.legend_html(scale, shown, tiles if use_tiles else None))
    st.caption(t("grid_schematic") + ("　" + t("grid_tiles_shifted") if use_tiles and tiles.shift else ""))
    data_quality.left_out(left_out)
with side_col:
    if bg_id is None:
        shown_counts = grid_panels.shown_counts(groups, facilities)
        changes = grid_panels.changes(data.kpis, data.kpis_before, shown_counts) if before else {}
        grid_panels.scope_summary(groups, gaps, facilities, changes)
        if before and (unknown := compare.stock_history_note(f, before, ctx)):
            st.caption(unknown)
    else:
        group = fetch(
            profile=(cached.grid_group_profile, f, bg_id),
            staff=(cached.grid_group_staff, f, bg_id),
            teams=(cached.grid_group_teams, f, bg_id),
            activities=(cached.grid_group_activities, f, bg_id),
        )
        grid_panels.group_detail(
            group.profile, group.staff, group.teams, group.activities, closable=not f.building_group_id
        )

grid_panels.gaps_section(data.gap_summary, gaps, f.level)
