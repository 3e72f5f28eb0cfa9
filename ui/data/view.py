"""Builders of the data page: summary refreshes, indicator definitions, templates (imports: ui/data/imports.py)."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from data_access.dataset_format.spec import ENTITIES
from data_access.dataset_format.template_files import readme_rows, template_csv, template_xlsx

from ..chrome.freshness import local_time
from ..kpi import fmt_number
from ..labels import t
from ..numbers import TABLE_COUNT, TABLE_SECONDS

# (tile label, its definition (口径) as on the overview, the kpis() field, the published figures it reconciles with)
INDICATORS: list[tuple[str, str, str, tuple[str, ...]]] = [
    ("kpi_orgs", "def_orgs", "orgs", ("party_orgs_total",)),
    ("kpi_members", "def_members", "members", ("party_members",)),
    ("kpi_building_groups", "def_building_groups", "building_groups", ("building_party_groups",)),
    ("data_ind_demonstration", "data_def_demonstration", "demonstration", ("demonstration_buildings",)),
    ("kpi_grids", "def_grids", "grids", ()),  # the report gives the grid's four levels, not a count of grids
    ("data_ind_street_joint", "def_joint", "street_joint", ("street_joint_committees",)),
    ("data_ind_community_joint", "def_joint", "community_joint", ("community_joint_committees",)),
    ("kpi_activities", "def_activities", "activities", ("system_activities",)),
    ("data_ind_participations", "data_def_participations", "participations", ("system_activity_participations",)),
    ("kpi_teams", "def_teams", "teams", ("volunteer_teams",)),
    ("kpi_stations", "def_stations", "stations", ("volunteer_stations",)),
    ("kpi_volunteers", "def_volunteers", "volunteers", ("resident_volunteers",)),
    ("kpi_hours", "def_hours", "hours", ("volunteer_hours",)),
    ("kpi_served", "def_served", "served", ("people_served",)),
    ("kpi_events", "def_events", "events", ("volunteer_events",)),
    ("kpi_centers", "def_centers", "service_centers", ("party_mass_service_centers",)),
    ("kpi_kitchens", "def_kitchens", "kitchens", ("community_kitchens",)),
    ("data_ind_people_fed", "data_def_people_fed", "people_fed", ("free_meal_recipients",)),
    ("kpi_meetings", "def_meetings", "joint_meetings", ("joint_meetings",)),
    ("kpi_requests", "def_requests", "requests", ()),
    ("kpi_wishes", "def_wishes", "wishes", ("micro_wishes_fulfilled",)),
]
TEMPLATE_TTL = 3600


def refreshes(runs: pd.DataFrame, fresh: dict) -> None:
    """The summary refresher's latest runs (changes consumed, groups recomputed, time, lag) and what the
    last full rebuild found."""
    st.markdown(f"##### {t('data_refresh_runs')}")
    st.caption(t("data_refresh_note"))
    if fresh.get("drift"):
        st.warning(t("data_drift", d=fresh["drift"]), icon="⚠️")
    elif fresh.get("full_at") is not None:
        st.caption(t("data_no_drift", t=f"{local_time(pd.Timestamp(fresh['full_at']).to_pydatetime()):%Y-%m-%d %H:%M}"))
    if runs.empty:
        st.caption(t("data_refresh_none"))
        return
    table = pd.DataFrame(
        {
            t("data_col_started"): [
                local_time(pd.Timestamp(v).to_pydatetime()) for v in pd.to_datetime(runs["started_at"])
            ],
            t("data_col_kind"): [t(f"data_kind_{v}") for v in runs["kind"]],
            t("data_col_changes"): runs["changes"],
            t("data_col_groups"): runs["groups"],
            t("data_col_rows_written"): runs["rows_written"],
            t("data_col_seconds"): pd.to_numeric(runs["seconds"]).round(2),
            t("data_col_lag"): pd.to_numeric(runs["lag_seconds"]).round(0),
        }
    )
    formats = {c: st.column_config.NumberColumn(format=TABLE_COUNT) for c in table.columns[2:]}
    formats[t("data_col_seconds")] = st.column_config.NumberColumn(format=TABLE_SECONDS)
    st.dataframe(table, hide_index=True, placeholder=t("na"), width="stretch", column_config=formats)


def indicators(kpis: dict[str, float | int | None], figures: pd.DataFrame) -> None:
    """Each headline figure's definition (口径), its current value and the published figure it reconciles with."""
    st.markdown(f"#### {t('data_indicators')}")
    st.caption(t("data_indicators_help"))
    fig = figures.set_index("key")
    rows = []
    for label, definition, field, keys in INDICATORS:
        hits = [fig.loc[k] for k in keys if k in fig.index]
        value = kpis.get(field)
        rows.append(
            {
                t("data_col_indicator"): t(label),
                t("data_col_definition"): t(definition),
                t("data_col_current"): "—" if value is None else fmt_number(value),
                t("data_col_published"): "；".join(fmt_number(float(h["value"])) for h in hits) or "—",
                t("data_col_match"): "；".join(t(f"data_match_{h['match']}") for h in hits) or t("data_match_none"),
                t("data_col_quote"): "；".join(h["quote"] for h in hits),
            }
        )
    st.dataframe(
        pd.DataFrame(rows), hide_index=True, placeholder=t("na"), width="stretch", height=35 * (len(rows) + 1) + 3
    )


@st.cache_data(ttl=TEMPLATE_TTL, show_spinner=False)
def _workbook() -> bytes:
    return template_xlsx()


def templates() -> None:
    """Download buttons: the whole workbook, then one CSV per entity; and the columns of each file."""
    st.markdown(f"#### {t('data_templates')}")
    st.caption(t("data_templates_help"))
    st.download_button(
        t("data_download_xlsx"),
        _workbook(),
        file_name="erqi-import-template.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        type="primary",
        key="tpl_xlsx",
    )
    per_row = 6
    for start in range(0, len(ENTITIES), per_row):
        cols = st.columns(per_row)
        for col, e in zip(cols, ENTITIES[start : start + per_row]):
            col.download_button(
                f"{e.sheet} · {e.key}.csv",
                template_csv(e),
                file_name=f"{e.key}.csv",
                mime="text/csv",
                key=f"tpl_{e.key}",
                width="stretch",
            )
    with st.expander(t("data_columns_of_files")):
        head, *body = readme_rows()
        st.dataframe(pd.DataFrame(body, columns=head), hide_index=True, placeholder=t("na"), width="stretch")
