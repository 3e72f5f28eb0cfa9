"""总览 Overview: headline figures, trends, area ranking and supervision warnings under the filters."""

import streamlit as st

from data_access import cached
from data_access.prefetch import fetch
from ui import charts
from ui.export import download_csv
from ui.kpi import Tile, fmt_number, tile_row
from ui.labels import kind_label, t
from ui.shell import page_setup

ctx = page_setup()
f = ctx.filters
data = fetch(  # the page's data, side by side
    kpis=(cached.kpis, f),
    overdue=(cached.overdue_tasks, f, ctx.as_of),
    trend=(cached.monthly_trend, f),
    kinds=(cached.orgs_by_kind, f),
    ranking=(cached.area_ranking, f),
)
k, overdue = data.kpis, data.overdue

st.markdown(f"#### {t('sec_org')}")
tile_row(
    [
        Tile("kpi_orgs", k["orgs"], "def_orgs"),
        Tile("kpi_members", k["members"], "def_members"),
        Tile(
            "kpi_building_groups",
            k["building_groups"],
            "def_building_groups",
            sub=t("sub_demonstration", n=fmt_number(k["demonstration"] or 0)),
        ),
        Tile("kpi_grids", k["grids"], "def_grids"),
        Tile(
            "kpi_joint",
            None if k["street_joint"] is None else f"{k['street_joint']} / {k['community_joint']}",
            "def_joint",
        ),
        Tile(
            "kpi_activities",
            k["activities"],
            "def_activities",
            sub=t("sub_participations", n=fmt_number(k["participations"])),
        ),
    ]
)
st.markdown(f"#### {t('sec_service')}")
tile_row(
    [
        Tile("kpi_teams", k["teams"], "def_teams"),
        Tile("kpi_stations", k["stations"], "def_stations"),
        Tile("kpi_volunteers", k["volunteers"], "def_volunteers"),
        Tile("kpi_hours", k["hours"], "def_hours", unit_key="unit_hours"),
        Tile("kpi_served", k["served"], "def_served"),
        Tile("kpi_events", k["events"], "def_events"),
    ]
)
st.markdown(f"#### {t('sec_work')}")
tile_row(
    [
        Tile("kpi_centers", k["service_centers"], "def_centers"),
        Tile(
            "kpi_kitchens",
            k["kitchens"],
            "def_kitchens",
            sub=None if k["people_fed"] is None else t("sub_people_fed", n=fmt_number(k["people_fed"])),
        ),
        Tile("kpi_meetings", k["joint_meetings"], "def_meetings"),
        Tile("kpi_requests", k["requests"], "def_requests"),
        Tile("kpi_wishes", k["wishes"], "def_wishes"),
        Tile("kpi_overdue", len(overdue), "def_overdue"),
    ]
)

left, right = st.columns([2, 1])
with left:
    st.markdown(f"#### {t('trend')}")
    trend = data.trend
    charts.show(trend, charts.monthly_lines, "activities", t("trend_activities"))
    charts.show(trend, charts.monthly_lines, "hours", t("trend_hours"), color="#1565c0")
    if ctx.live and f.end >= ctx.as_of.replace(day=1):  # the last point is a month still under way
        st.caption(t("trend_month_so_far", d=ctx.as_of.isoformat()))
with right:
    st.markdown(f"#### {t('orgs_by_kind')}")
    kinds = data.kinds
    if kinds.empty:
        st.info(t("na_help"))
    else:
        kinds = kinds.assign(kind=kinds["kind"].map(kind_label))
        charts.show(kinds, charts.composition, "kind", "orgs")

ranking = data.ranking
st.markdown(f"#### {t('ranking_streets' if f.level == 'district' else 'ranking_communities')}")
if ranking.empty:
    st.info(t("ranking_none"))
else:
    measures = ["hours", "members", "building_groups", "volunteers", "served", "activities", "requests"]
    measure = (
        st.segmented_control(
            t("ranking_measure"), measures, default="hours", key="rank_measure", format_func=lambda c: t(f"col_{c}")
        )
        or "hours"
    )
    chart_col, table_col = st.columns([3, 2])
    with chart_col:
        charts.show(ranking, charts.bar_ranking, "area", measure, t(f"col_{measure}"))
    table = ranking.drop(columns="area_id").sort_values(measure, ascending=False)
    table = table.rename(columns={c: t(f"col_{c}") for c in table.columns})
    whole = {c: st.column_config.NumberColumn(format="localized") for c in table.columns[1:]}
    shown = table.copy()
    shown[table.columns[1:]] = shown[table.columns[1:]].round(0).astype("Int64")  # whole hours, like the tiles
    table_col.dataframe(shown, hide_index=True, placeholder=t("na"), width="stretch", column_config=whole)
    download_csv(table_col, table, "ranking.csv", "ranking_csv")

st.markdown(f"#### {t('warnings')}")
if overdue.empty:
    st.success(t("warnings_none"))
else:
    shown = overdue[["title", "aspect", "org", "due_on", "days_overdue"]]
    st.dataframe(
        shown.rename(columns={c: t(f"col_{c if c != 'due_on' else 'due'}") for c in shown.columns}),
        hide_index=True,
        placeholder=t("na"),
        width="stretch",
    )
st.caption(t("schematic"))
