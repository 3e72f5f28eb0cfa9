"""大屏 Briefing wall: one 16:9 composition for a meeting room, refreshing itself."""

from datetime import datetime

import streamlit as st

from data_access import cached
from ui import briefing, charts, filter_bar
from ui.labels import t
from ui.shell import page_setup

REFRESH_SECONDS = 300  # data caches live no longer than this (cached.TTL_SECONDS)

ctx = page_setup()


@st.fragment(run_every=REFRESH_SECONDS)
def wall() -> None:
    f = ctx.filters
    k = cached.kpis(f)
    overdue = cached.overdue_tasks(f, ctx.as_of)
    scope = " › ".join(filter_bar.scope_path(f, ctx.places))
    st.html(briefing.title_bar(scope, ctx.as_of, ctx.is_demo, datetime.now()))
    st.html(
        briefing.kpi_strip(
            [
                ("kpi_orgs", k["orgs"]),
                ("kpi_members", k["members"]),
                ("kpi_building_groups", k["building_groups"]),
                ("kpi_teams", k["teams"]),
                ("kpi_volunteers", k["volunteers"]),
                ("kpi_hours", k["hours"]),
                ("kpi_served", k["served"]),
                ("kpi_activities", k["activities"]),
            ]
        )
    )
    left, middle, right = st.columns([5, 4, 4], gap="medium")
    with left:
        trend = cached.monthly_trend(f)
        st.html(f'<div class="brief-panel-title">{t("trend_hours")}</div>')
        charts.show(trend, briefing.dark_lines, "hours", t("trend_hours"), "#4fc3f7", 300)
        st.html(f'<div class="brief-panel-title">{t("trend_activities")}</div>')
        charts.show(trend, briefing.dark_lines, "activities", t("trend_activities"), "#ff8a80", 300)
    with middle:
        ranking = cached.area_ranking(f)
        st.html(
            f'<div class="brief-panel-title">{t("ranking_streets" if f.level == "district" else "ranking_communities")} · {t("col_hours")}</div>'
        )
        if ranking.empty:
            st.info(t("ranking_none"))
        else:
            charts.show(ranking, briefing.dark_ranking, "area", "hours", t("col_hours"), 660)
    with right:
        st.html(f'<div class="brief-panel-title">{t("warnings_now")}</div>')
        st.html(briefing.warnings_panel(cached.warning_counts(f, ctx.as_of), overdue))


wall()
