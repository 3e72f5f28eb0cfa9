"""志愿服务 Volunteer service: where and when service happens, how requests flow, where demand is unmet."""

from dataclasses import replace

import streamlit as st

from data_access import cached
from data_access.filters import month_in_progress
from data_access.prefetch import fetch
from data_access.queries.volunteers import AGE_BUCKETS, MEASURES
from ui import charts, compare, data_quality, prebuilt
from ui.chrome.export import download_csv
from ui.chrome.shell import page_setup
from ui.kpi import Tile, fmt_number, tile_row
from ui.labels import current_lang, t
from ui.volunteers import charts as vol_charts
from ui.volunteers.filters import category_filter, category_name, chart_key, clear_selections, narrowed, picked
from ui.volunteers.service_map import service_deck

SLOWEST = 10  # stations ringed on the map and listed as waiting longest
MIN_REQUESTS = 5  # fewer requests than this make a median too noisy to rank a station by
DEFAULT_MEASURE = "hours"  # what the heat map shows until another measure is picked

ctx = page_setup()
cats = cached.vol_categories()
cat_names = {int(i): category_name(c, n) for i, c, n in zip(cats["id"], cats["code"], cats["name"])}

filter_col, pick_col = st.columns([2, 3], vertical_alignment="bottom")
with filter_col:
    base = replace(ctx.filters, categories=category_filter(cats))
pick = picked(set(cat_names))
f = narrowed(base, pick)  # everything below the time heatmaps follows the clicked cells
wd, hr = pick.weekday, pick.hour
measure = st.session_state.get("vol_measure") or DEFAULT_MEASURE  # the heat map's measure (its control below)
before = compare.compared(f, ctx.first_day)  # the period the headline figures are compared with
data = fetch(  # the page's data, side by side
    totals=(cached.vol_totals, f, wd, hr),
    **({"totals_before": (cached.vol_totals, before, wd, hr)} if before else {}),
    supply=(cached.vol_station_supply_demand, f, wd, hr),
    kitchens=(cached.vol_kitchens, f),
    cells=(cached.vol_service_cells, f, measure, wd, hr),
    outline=(cached.vol_scope_outline, ctx.filters),
    month_category=(cached.vol_month_category, base, wd, hr),  # not narrowed by its own click
    week=(cached.vol_weekday_hour, narrowed(base, pick)),  # narrowed by the month/category click, not its own
    funnel=(cached.vol_request_funnel, f, wd, hr),
    durations=(cached.vol_stage_durations, f, wd, hr),
    backlog=(cached.vol_request_backlog, f, wd, hr),
    by_area=(cached.vol_requests_by_area, f, wd, hr),
    by_need=(cached.vol_requests_by_need, f, wd, hr),
    teams_by_category=(cached.vol_teams_by_category, f),
    top_teams=(cached.vol_top_teams, f, wd, hr),
)
with pick_col:
    if pick.any:
        what = [
            pick.month or "",
            cat_names.get(pick.category_id, ""),
            t(f"wd_{wd}") if wd is not None else "",
            f"{hr}:00" if hr is not None else "",
        ]
        st.info(t("vol_selected", what=" · ".join(w for w in what if w)))
        st.button(t("vol_clear"), on_click=clear_selections, key="vol_clear")

k, k0 = data.totals, getattr(data, "totals_before", {})
FLOWS = {
    "hours": "vol_kpi_hours",
    "served": "vol_kpi_served",
    "events": "vol_kpi_events",
    "requests": "vol_kpi_requests",
}
unrecorded = compare.unrecorded(FLOWS, before, cached.first_records())  # compared before their first record


def flow(label: str, key: str, help_key: str, **kw) -> Tile:
    """A figure of the date range with its change against the compared period."""
    return Tile(label, k[key], help_key, comparable=True, previous=k0.get(key), unrecorded=unrecorded.get(key), **kw)


def stock(label: str, key: str, help_key: str, **kw) -> Tile:
    """A stock with a past: its number on the range's last day, against the compared period's."""
    return Tile(label, k[key], help_key, comparable=True, stock=True, previous=k0.get(key), **kw)


st.caption(compare.period_caption(f, before, ctx.first_day, ctx.as_of if ctx.live else None))
for note in (compare.stock_history_note(f, before, ctx), compare.unrecorded_note(unrecorded, lambda c: t(FLOWS[c]))):
    if note:
        st.caption(note)
tile_row(
    [
        flow("vol_kpi_hours", "hours", "vol_def_hours", sub=t("vol_sub_sessions", n=fmt_number(k["sessions"]))),
        flow("vol_kpi_served", "served", "vol_def_served"),
        flow("vol_kpi_events", "events", "vol_def_events"),
        flow("vol_kpi_requests", "requests", "vol_def_requests", sub=t("vol_sub_unmet", n=fmt_number(k["unmet"]))),
        stock("vol_kpi_teams", "teams", "vol_def_teams"),
        Tile("vol_kpi_stations", k["stations"], "vol_def_stations", fixed="cmp_no_past"),
        stock(
            "vol_kpi_kitchens",
            "kitchens",
            "vol_def_kitchens",
            sub=None  # the people fed: today's figure only, beside a count on a past day it would mislead
            if k["people_fed"] is None or f.end < ctx.as_of
            else t("sub_people_fed", n=fmt_number(k["people_fed"])),
        ),
    ],
    compared=True,
)

# ---------------------------------------------------------------- where
st.markdown(f"#### {t('vol_sec_where')}")
supply = data.supply
slowest = supply[supply["requests"] >= MIN_REQUESTS].dropna(subset=["median_wait_h"]).head(SLOWEST)
kitchens = data.kitchens
map_kitchens, kitchens_unplaced = data_quality.drop_unplaced(kitchens)  # the tables keep them all
map_slowest, stations_unplaced = data_quality.drop_unplaced(slowest)
map_col, list_col = st.columns([3, 2])
with map_col:
    st.segmented_control(  # its value is the measure read above (session state "vol_measure")
        t("vol_measure"),
        MEASURES,
        default=DEFAULT_MEASURE,
        key="vol_measure",
        format_func=lambda m: t(f"measure_{m}"),
    )
    cells = data.cells
    st.pydeck_chart(
        prebuilt.deck(
            service_deck,
            cells,
            map_slowest,
            map_kitchens,
            f.level == "district",
            t("vol_tip_station"),  # templates: filled per point by the builder
            t("vol_tip_kitchen"),
            data.outline,
            lang=current_lang(),
        ),
        height=600,
    )
    st.caption(t("vol_map_caption", n=fmt_number(len(cells)), k=len(slowest)) + " " + t("schematic"))
    data_quality.left_out({"stations": stations_unplaced, "kitchens": kitchens_unplaced})
with list_col:
    st.markdown(f"##### {t('vol_slowest')}")
    st.caption(t("vol_supply_caption", k=len(slowest), m=MIN_REQUESTS))
    if slowest.empty:
        st.info(t("empty"))
    else:
        cols = {
            "station": t("col_station"),
            "requests": t("col_requests"),
            "unmet": t("col_unmet"),
            "median_wait_h": t("col_median_wait_short"),  # the whole header shown in the narrow column
            "p90_wait_h": t("col_p90_wait_short"),
        }
        shown, formats = vol_charts.table(slowest, cols, current_lang(), waits=("median_wait_h", "p90_wait_h"))
        st.dataframe(
            prebuilt.arrow(shown),
            column_config=formats,
            hide_index=True,
            placeholder=t("na"),
            width="stretch",
            height=vol_charts.table_height(len(slowest)),
        )
        st.caption(t("vol_wait_help"))

# ---------------------------------------------------------------- when
st.markdown(f"#### {t('vol_sec_when')}")
st.caption(t("vol_click_hint"))
heat_labels = {
    "month": t("col_month"),
    "category": t("col_category"),
    "hours": t("col_hours"),
    "served": t("col_served"),
    "sessions": t("col_sessions"),
    "weekday": t("col_weekday"),
    "hour": t("col_hour"),
}
mc_col, wh_col = st.columns([3, 2])
with mc_col:
    st.markdown(f"##### {t('vol_month_category')}")
    mc = data.month_category
    if mc.empty:
        st.info(t("empty"))
    else:
        mc = mc.assign(category=mc["category_id"].astype(int).map(cat_names))
        so_far = month_in_progress(base, ctx.as_of)  # the last column is a month not yet over: framed as such
        mc = charts.month_in_progress(mc, so_far) if so_far else mc
        height = vol_charts.month_category_height(mc)
        chart = charts.spec(mc, vol_charts.month_category_heat, "hours", t("col_hours"), heat_labels, height)
        st.vega_lite_chart(prebuilt.arrow(mc), chart, on_select="rerun", key=chart_key("mc"), width="stretch")
        if so_far:
            st.caption(t("heat_month_so_far", d=so_far.isoformat()))
with wh_col:
    st.markdown(f"##### {t('vol_weekday_hour')}")
    wh = data.week
    if wh.empty:
        st.info(t("empty"))
    else:
        wh, order = charts.week_grid(wh, tuple(t(f"wd_{w}") for w in range(7)))
        chart = charts.spec(wh, charts.weekday_hour_heat, "hours", t("col_hours"), heat_labels, order)
        st.vega_lite_chart(prebuilt.arrow(wh), chart, on_select="rerun", key=chart_key("wh"), width="stretch")

# ---------------------------------------------------------------- request flow
st.markdown(f"#### {t('vol_sec_flow')}")
st.caption(t("vol_requests_note"))
stage = lambda s: t(f"stage_{s}")  # noqa: E731
funnel = data.funnel
if int(funnel["requests"].iloc[0]) == 0:
    st.info(t("empty"))
else:
    fun_col, dur_col, age_col = st.columns([4, 4, 5])
    with fun_col:
        st.markdown(f"##### {t('vol_funnel')}")
        charts.show(vol_charts.funnel_frame(funnel, stage), vol_charts.funnel, t("col_requests"))
    with dur_col:
        st.markdown(f"##### {t('vol_durations')}")
        durations = data.durations
        durations["transition"] = [
            f"{stage(a)} → {stage(b)}" for a, b in zip(durations["from_stage"], durations["to_stage"])
        ]
        cols = {
            "transition": t("col_transition"),
            "requests": t("col_requests_n"),
            "median_h": t("col_median_h"),
            "p90_h": t("col_p90_h"),
        }
        shown, formats = vol_charts.table(durations, cols, current_lang(), waits=("median_h", "p90_h"))
        st.dataframe(
            prebuilt.arrow(shown),
            column_config=formats,
            hide_index=True,
            placeholder=t("na"),
            width="stretch",
        )
    with age_col:
        st.markdown(f"##### {t('vol_backlog')}")
        backlog = data.backlog
        st.caption(t("vol_backlog_caption", n=fmt_number(int(backlog["requests"].sum())), d=ctx.as_of.isoformat()))
        if not backlog.empty:
            frame = vol_charts.backlog_frame(backlog, AGE_BUCKETS, lambda b: t(f"age_{b}"), stage)
            labels = {"age": t("col_age"), "requests": t("col_requests"), "stage": t("col_stage")}
            charts.show(frame, vol_charts.backlog_bars, labels, *vol_charts.backlog_stages(frame))

    flow_cols = {
        "requests": t("col_requests"),
        "accepted": t("col_accepted"),
        "done": t("col_done"),
        "unmet": t("col_unmet"),
        "unmet_share": t("col_unmet_share"),
        "median_wait_h": t("col_median_wait"),
        "p90_wait_h": t("col_p90_wait"),
    }
    waits = ("median_wait_h", "p90_wait_h")
    area_col, need_col = st.columns(2)
    with area_col:
        st.markdown(f"##### {t('vol_by_area_streets' if f.level == 'district' else 'vol_by_area_communities')}")
        by_area = data.by_area
        shown, formats = vol_charts.table(
            by_area, {"area": t("col_area"), **flow_cols}, current_lang(), "unmet_share", waits
        )
        st.dataframe(
            prebuilt.arrow(shown),
            column_config=formats,
            hide_index=True,
            placeholder=t("na"),
            width="stretch",
            height=vol_charts.table_height(len(by_area)),
        )
    with need_col:
        st.markdown(f"##### {t('vol_by_need')}")
        by_need = data.by_need
        by_need["need"] = [category_name(c, n) for c, n in zip(by_need["code"], by_need["need"])]
        shown, formats = vol_charts.table(
            by_need, {"need": t("col_need"), **flow_cols}, current_lang(), "unmet_share", waits
        )
        st.dataframe(
            prebuilt.arrow(shown),
            column_config=formats,
            hide_index=True,
            placeholder=t("na"),
            width="stretch",
        )
        st.caption(t("vol_wait_help"))

# ---------------------------------------------------------------- supply and demand
st.markdown(f"#### {t('vol_sec_supply')}")
if supply.empty:
    st.info(t("empty"))
else:
    scatter_col, table_col = st.columns([2, 3])
    with scatter_col:
        st.markdown(f"##### {t('vol_supply_chart')}")
        labels = {
            "hours": t("col_hours"),
            "requests": t("col_requests"),
            "wait": t("col_median_wait_h"),
            "station": t("col_station"),
            "unmet": t("col_unmet"),
        }
        charts.show(supply, vol_charts.supply_scatter, labels)
    with table_col:
        cols = {
            "station": t("col_station"),
            "street": t("col_street"),
            "requests": t("col_requests"),
            "unmet": t("col_unmet"),
            "unmet_share": t("col_unmet_share"),
            "median_wait_h": t("col_median_wait"),
            "hours": t("col_hours"),
            "teams": t("col_teams"),
            "requests_per_1k_hours": t("col_requests_per_1k_hours"),
        }
        shown, formats = vol_charts.table(
            supply, cols, current_lang(), "unmet_share", ("median_wait_h",), ("requests_per_1k_hours",)
        )
        st.dataframe(
            prebuilt.arrow(shown),
            column_config=formats,
            hide_index=True,
            placeholder=t("na"),
            width="stretch",
            height=340,
        )
        download_csv(st, shown, "stations.csv", "vol_download_stations")  # as the table shows it

# ---------------------------------------------------------------- teams, stations, kitchens
st.markdown(f"#### {t('vol_sec_teams')}")
cat_col, team_col, station_col, kitchen_col = st.columns([2, 4, 3, 3])
with cat_col:
    st.markdown(f"##### {t('vol_teams_by_category')}")
    by_cat = data.teams_by_category
    if by_cat.empty:
        st.info(t("empty"))
    else:
        by_cat["category"] = [category_name(c, n) for c, n in zip(by_cat["code"], by_cat["category"])]
        charts.show(by_cat, charts.composition, "category", "teams", step=26)
with team_col:
    st.markdown(f"##### {t('vol_top_teams')}")
    teams = data.top_teams
    if teams.empty:
        st.info(t("empty"))
    else:
        teams["category"] = [category_name(c, n) for c, n in zip(teams["category_code"], teams["category"])]
        cols = {
            "team": t("col_team"),
            "category": t("col_category"),
            "hours": t("col_hours"),
            "served": t("col_served"),
        }
        shown, formats = vol_charts.table(teams, cols, current_lang())
        st.dataframe(
            prebuilt.arrow(shown),
            column_config=formats,
            hide_index=True,
            placeholder=t("na"),
            width="stretch",
            height=vol_charts.table_height(len(teams)),
        )
with station_col:
    st.markdown(f"##### {t('vol_top_stations')}")
    busiest = supply[supply["hours"] > 0].nlargest(10, "hours")
    if busiest.empty:
        st.info(t("empty"))
    else:
        charts.show(busiest, charts.bar_ranking, "station", "hours", t("col_hours"), step=30)
with kitchen_col:
    st.markdown(f"##### {t('vol_kitchens')}")
    if f.building_group_id:
        st.caption(t("vol_kitchens_bg"))
    if kitchens.empty:
        st.info(t("vol_kitchens_none"))
    else:
        cols = {
            "name": t("vol_col_name"),
            "community": t("col_community"),
            "people_fed": t("col_people_fed"),
            "opened_on": t("col_opened_on"),
        }
        shown, formats = vol_charts.table(kitchens, cols, current_lang())
        st.dataframe(
            prebuilt.arrow(shown),
            column_config=formats,
            hide_index=True,
            placeholder=t("na"),
            width="stretch",
            height=390,
        )
st.caption(t("schematic"))
