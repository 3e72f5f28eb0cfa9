"""总览 Overview: headline figures, trends, area ranking and supervision warnings under the filters."""

import streamlit as st

from data_access import cached
from data_access.filters import month_in_progress
from data_access.prefetch import fetch
from ui import charts, compare, prebuilt
from ui.chrome.export import download_csv
from ui.chrome.shell import page_setup
from ui.kpi import Tile, fmt_number, tile_row
from ui.labels import kind_label, t
from ui.numbers import TABLE_COUNT

ctx = page_setup()
f = ctx.filters
before = compare.compared(f, ctx.first_day)  # the period the figures are compared with
data = fetch(  # the page's data, side by side
    kpis=(cached.kpis, f),
    overdue=(cached.overdue_tasks, f, ctx.as_of),
    trend=(cached.monthly_trend, f),
    kinds=(cached.orgs_by_kind, f),
    ranking=(cached.area_ranking, f),
    **({"kpis_before": (cached.kpis, before), "ranking_before": (cached.area_ranking, before)} if before else {}),
)
k, overdue = data.kpis, data.overdue
so_far = month_in_progress(f, ctx.as_of)  # the range ends in a month not yet over: drawn as such
trend = charts.month_in_progress(data.trend.fillna(0), so_far)
k0 = getattr(data, "kpis_before", {})
FLOWS = {"activities": "kpi_activities", "hours": "kpi_hours", "served": "kpi_served", "events": "kpi_events"}
FLOWS |= {"joint_meetings": "kpi_meetings", "requests": "kpi_requests", "wishes": "kpi_wishes"}
unrecorded = compare.unrecorded(FLOWS, before, cached.first_records())  # compared before their first record


SPARKS = ("activities", "hours", "served", "requests")  # the flows drawn month by month in their tiles
sparks = dict(zip(SPARKS, charts.spark_months(trend, SPARKS)))


def flow(label: str, key: str, help_key: str, spark: str | None = None, **kw) -> Tile:
    """A tile of a figure of the date range, with its change and its months as a sparkline."""
    months = sparks[spark] if spark else None
    return Tile(
        label,
        k[key],
        help_key,
        comparable=True,
        previous=k0.get(key),
        spark=months,
        unrecorded=unrecorded.get(key),
        **kw,
    )


def stock(label: str, key: str, help_key: str, **kw) -> Tile:
    """A tile of a stock with a past: its number on the range's last day, against the compared period's."""
    return Tile(label, k[key], help_key, comparable=True, stock=True, previous=k0.get(key), **kw)


st.caption(compare.period_caption(f, before, ctx.first_day, ctx.as_of if ctx.live else None))
if unknown := compare.stock_history_note(f, before, ctx):
    st.caption(unknown)
if why := compare.unrecorded_note(unrecorded, lambda key: t(FLOWS[key])):
    st.caption(why)

st.markdown(f"#### {t('sec_org')}")
tile_row(
    [
        stock("kpi_orgs", "orgs", "def_orgs"),
        stock("kpi_members", "members", "def_members"),
        stock(
            "kpi_building_groups",
            "building_groups",
            "def_building_groups",
            sub=t("sub_demonstration", n=fmt_number(k["demonstration"] or 0)),
        ),
        Tile("kpi_grids", k["grids"], "def_grids", fixed="cmp_no_past"),
        Tile(
            "kpi_joint",
            None if k["street_joint"] is None else f"{k['street_joint']} / {k['community_joint']}",
            "def_joint",
            fixed="cmp_no_past",
        ),
        flow(
            "kpi_activities",
            "activities",
            "def_activities",
            "activities",
            sub=t("sub_participations", n=fmt_number(k["participations"])),
        ),
    ],
    compared=True,
)
st.markdown(f"#### {t('sec_service')}")
tile_row(
    [
        stock("kpi_teams", "teams", "def_teams"),
        Tile("kpi_stations", k["stations"], "def_stations", fixed="cmp_no_past"),
        stock("kpi_volunteers", "volunteers", "def_volunteers"),
        flow("kpi_hours", "hours", "def_hours", "hours", unit_key="unit_hours"),
        flow("kpi_served", "served", "def_served", "served"),
        flow("kpi_events", "events", "def_events"),
    ],
    compared=True,
)
st.markdown(f"#### {t('sec_work')}")
tile_row(
    [
        stock("kpi_centers", "service_centers", "def_centers"),
        stock(
            "kpi_kitchens",
            "kitchens",
            "def_kitchens",
            sub=None  # the people fed: today's figure only, beside a count on a past day it would mislead
            if k["people_fed"] is None or f.end < ctx.as_of
            else t("sub_people_fed", n=fmt_number(k["people_fed"])),
        ),
        flow("kpi_meetings", "joint_meetings", "def_meetings"),
        flow("kpi_requests", "requests", "def_requests", "requests"),
        flow("kpi_wishes", "wishes", "def_wishes"),
        Tile("kpi_overdue", len(overdue), "def_overdue", fixed="cmp_now"),
    ],
    compared=True,
)

left, right = st.columns([2, 1])
with left:
    st.markdown(f"#### {t('trend')}")
    charts.show(trend, charts.monthly_lines, "activities", t("trend_activities"))
    charts.show(trend, charts.monthly_lines, "hours", t("trend_hours"), color="#1565c0")
    if so_far:  # the last point is a month still under way
        st.caption(t("trend_month_so_far", d=so_far.isoformat()))
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
    rounded, table, numbers = compare.ranking_table(ranking, getattr(data, "ranking_before", None), measure)
    with chart_col:
        charts.show(rounded, charts.bar_ranking, "area", measure, t(f"col_{measure}"))
    formats = {c: st.column_config.NumberColumn(format=TABLE_COUNT) for c in numbers}
    table_col.dataframe(
        prebuilt.arrow(table), hide_index=True, placeholder=t("na"), width="stretch", column_config=formats
    )
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
