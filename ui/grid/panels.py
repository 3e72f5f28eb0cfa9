"""Panels beside and under the grid map: scope summary, one building group's detail, 1+X+Y gaps."""

from __future__ import annotations

import html

import pandas as pd
import streamlit as st

from data_access.guard import names_allowed
from data_access.queries.grid import MIN_GRID_MEMBERS

from .. import compare
from ..chrome.export import download_csv
from ..kpi import fmt_number
from ..labels import TEXT, t
from ..numbers import percent
from .selection import clear_selection

_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>#|~"})


def _md(text: object) -> str:
    """Plain text made safe inside Markdown (masked names carry stars: 张*明)."""
    return str(text).translate(_MD_SPECIAL)


def _n(value) -> str:
    return t("na") if value is None or pd.isna(value) else fmt_number(value)


# the summary's figures with a past (their kpis keys): compared as the overview compares them
COMPARED = {"grid_sum_groups": "building_groups", "grid_facility_service_center": "service_centers",
            "grid_facility_kitchen": "kitchens"}  # fmt: skip


def changes(now: dict, before: dict, shown: dict[str, int]) -> dict[str, str]:
    """Each compared figure's change against the compared period ("同比 ▲ 1.2%"), by its label key: only where
    the count shown (shown, by label key: the map's rows) is the overview's own (a facility without a place
    is on the overview, not on the map: its change would be of another count)."""
    return {
        label: compare.named_change(now.get(k), before.get(k))
        for label, k in COMPARED.items()
        if now.get(k) is not None and now.get(k) == shown.get(label)
    }


def shown_counts(groups: pd.DataFrame, facilities: pd.DataFrame) -> dict[str, int]:
    """The counts the summary shows of the compared figures, by label key."""
    counts = facilities["kind"].value_counts()
    return {"grid_sum_groups": len(groups)} | {
        f"grid_facility_{k}": int(counts.get(k, 0)) for k in ("service_center", "kitchen")
    }


def scope_summary(
    groups: pd.DataFrame, gaps: pd.DataFrame, facilities: pd.DataFrame, changes: dict[str, str] | None = None
) -> None:
    """Key figures of the map's scope, shown beside the map until a building group is picked; the ones with
    a past carry their change (changes, by label key) when the range runs to the data date."""
    changes = changes or {}
    complete = int((groups["score"] == 3).sum())
    figures = [
        ("grid_sum_groups", len(groups), changes.get("grid_sum_groups")),
        ("grid_sum_demo", int(groups["is_demonstration"].sum()), None),
        ("grid_sum_residents", int(groups["residents"].sum()), None),
        (
            "grid_sum_complete",
            complete,
            t("grid_sum_complete_share", p=percent(complete / len(groups), 0)) if len(groups) else None,
        ),
        ("grid_sum_gaps", len(gaps), None),
    ]
    counts = facilities["kind"].value_counts()
    figures += [
        (f"grid_facility_{k}", int(counts.get(k, 0)), changes.get(f"grid_facility_{k}"))
        for k in ("service_center", "station", "kitchen")
    ]
    with st.container(border=True, key="grid_summary"):
        st.markdown(f"**{t('grid_sum_title')}**")
        left, right = st.columns(2)
        for i, (key, value, sub) in enumerate(figures):
            (left if i % 2 == 0 else right).metric(
                t(key), fmt_number(value), delta=sub, delta_color="off", delta_arrow="off"
            )
        st.caption(t("grid_pick_hint"))
    demo = groups[groups["is_demonstration"]]
    if len(demo):
        with st.expander(t("grid_demo_list", n=len(demo))):
            st.dataframe(
                pd.DataFrame(
                    {
                        t("grid_col_building"): demo["name"],
                        t("grid_col_theme"): demo["theme_name"],
                        t("grid_col_community_name"): demo["community"],
                    }
                ),
                hide_index=True,
                placeholder=t("na"),
                width="stretch",
                key="grid_demo_table",
            )


def _staff_line(staff: pd.DataFrame) -> tuple[str, str]:
    if not names_allowed():  # aggregates only: the query layer withheld the names
        return t("auth_names_hidden"), t("auth_names_hidden")
    leaders = staff.loc[staff["role"] == "leader", "name"].tolist()
    members = staff.loc[staff["role"] == "member", "name"].tolist()
    return ("、".join(leaders) or t("grid_none_yet")), ("、".join(members) or t("grid_none_yet"))


def _activity_line(row) -> str:
    day = row["day"].isoformat() if hasattr(row["day"], "isoformat") else str(row["day"])
    if row["source"] == "party":
        key = f"grid_act_{row['kind']}"
        kind = t(key) if key in TEXT else row["kind"]
        what = f"{kind} · {row['title']}" + (
            "" if pd.isna(row["people"]) else f" · {t('grid_act_people', n=_n(row['people']))}"
        )
    elif row["source"] == "event":
        what = f"{t('grid_act_event')} · {row['title']}"
    else:
        what = f"{t('grid_act_service')} · {row['kind']} · {row['title']} · " + t(
            "grid_act_service_numbers", v=_n(row["people"]), s=_n(row["served"])
        )
    return f"`{day}` {_md(what)}"


def group_detail(
    profile: pd.DataFrame,
    staff: pd.DataFrame,
    teams: pd.DataFrame,
    activities: pd.DataFrame,
    closable: bool,
) -> None:
    """One building group beside the map: place, 1+X+Y staffing, residents, recent activities, theme."""
    if profile.empty:
        st.info(t("grid_detail_missing"))
        return
    p = profile.iloc[0]
    with st.container(border=True, key="grid_detail"):
        head, close = st.columns([5, 1], vertical_alignment="top")
        head.markdown(f"#### {_md(p['name'])}")
        if closable:
            close.button("✕", key="grid_clear", help=t("grid_detail_close"), on_click=clear_selection)
        st.caption(_md(f"{p['street']} › {p['community']} · {p['code']}"))
        if p["is_demonstration"]:
            st.markdown(
                f'<span class="demo-badge">★ {html.escape(t("grid_demo_building"))}</span>　'
                f"{html.escape(t('grid_detail_theme'))}：**{html.escape(str(p['theme_name'] or ''))}**",
                unsafe_allow_html=True,
            )
        a, b = st.columns(2)
        a.metric(t("grid_detail_residents"), _n(p["residents"]), help=t("grid_def_detail_residents"))
        b.metric(t("grid_detail_employed"), _n(p["employed_residents"]))
        a.metric(t("grid_detail_volunteers"), _n(p["volunteers"]))
        b.metric(t("grid_detail_households"), _n(p["households"]))

        leader, members = _staff_line(staff)
        ok = [p["leaders"] > 0, p["grid_members"] >= MIN_GRID_MEMBERS, p["teams"] > 0]
        status = t("grid_detail_complete") if all(ok) else t("grid_detail_gaps")
        st.markdown(f"**1+X+Y**　{status}")
        team_text = "、".join(f"{r.team}（{r.category}）" for r in teams.itertuples()) or t("grid_none_yet")
        st.markdown(
            "\n".join(
                [
                    f"- {'✓' if ok[0] else '✗'} {t('grid_detail_leader')}：{_md(leader)}",
                    f"- {'✓' if ok[1] else '✗'} {t('grid_detail_members', n=_n(p['grid_members']))}：{_md(members)}",
                    f"- {'✓' if ok[2] else '✗'} {t('grid_detail_teams', n=_n(p['teams']))}：{_md(team_text)}",
                ]
            )
        )
        st.markdown(f"**{t('grid_detail_points')}**　{_n(p['points'])}")
        st.markdown(f"**{t('grid_detail_activities')}**")
        if activities.empty:
            st.caption(t("grid_detail_no_activities"))
        else:
            st.markdown("\n".join(f"- {_activity_line(r)}" for _, r in activities.iterrows()))


def gaps_section(summary: pd.DataFrame, gaps: pd.DataFrame, level: str) -> None:
    """Which grids lack their leader, grid members or a volunteer team: by area, and the full list to download."""
    st.markdown(f"#### {t('grid_gaps_title')}", help=t("grid_def_gaps"))
    if gaps.empty:
        st.success(t("grid_gaps_none"))
        return
    area_col = t("grid_col_street_name") if level == "district" else t("grid_col_community_name")
    left, right = st.columns([2, 3])
    shown = summary[summary["with_gaps"] > 0].sort_values("with_gaps", ascending=False)
    left.dataframe(
        shown.rename(
            columns={
                "area": area_col,
                "grids": t("grid_col_grids"),
                "with_gaps": t("grid_col_with_gaps"),
                "no_leader": t("grid_col_no_leader"),
                "few_members": t("grid_col_few_members"),
                "no_team": t("grid_col_no_team"),
            }
        ),
        hide_index=True,
        placeholder=t("na"),
        width="stretch",
        height=min(38 + 35 * len(shown), 420),
        key="grid_gap_summary",
    )
    table = pd.DataFrame(
        {
            t("grid_col_street_name"): gaps["street"].replace("", t("district")),
            t("grid_col_community_name"): gaps["community"],
            t("grid_col_grid"): gaps["name"],
            t("grid_col_level"): [t(f"grid_level_{lv}") for lv in gaps["level"]],
            t("grid_col_leader"): gaps["leaders"],
            t("grid_col_grid_members"): gaps["grid_members"],
            t("grid_col_teams"): gaps["teams"],
            t("grid_col_missing"): [
                "、".join(
                    t(k) for k, flag in (("grid_gap_leader", a), ("grid_gap_members", b), ("grid_gap_team", c)) if flag
                )
                for a, b, c in zip(gaps["no_leader"], gaps["few_members"], gaps["no_team"])
            ],
        }
    )
    right.dataframe(
        table,
        hide_index=True,
        placeholder=t("na"),
        width="stretch",
        height=min(38 + 35 * len(table), 420),
        key="grid_gap_list",
    )
    download_csv(right, table, "grid-gaps.csv", "grid_gap_download", t("grid_download_gaps"))
