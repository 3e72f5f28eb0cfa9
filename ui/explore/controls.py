"""The explore page's controls: measure, two breakdowns, the chart, the places compared; and the 口径
and the wording of each measure and breakdown."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from data_access.filters import Filters, Places
from data_access.queries.explore import MEASURES, PLACE_BY, TIME_BY, offered, pairs_with

from .. import numbers
from ..kpi import fmt_number
from ..labels import t
from .question import Question, charts_for, place_by

_W = "_xw_"  # widget keys (shadows of the question)
NONE = "-"
DEFINITION = {  # the 口径 of each measure: the overview's text where the overview shows it
    "hours": "def_hours",
    "served": "def_served",
    "activities": "def_activities",
    "requests": "def_requests",
    "wishes": "def_wishes",
    "members": "def_members",
    "orgs": "def_orgs",
    "building_groups": "def_building_groups",
    "volunteers": "def_volunteers",
    "teams": "def_teams",
    "stations": "def_stations",
    "overdue": "def_overdue",
    "compliance": "def_compliance",
}
DIGITS = {"wait_median": 1, "org_points": 1, "member_points": 1, "compliance": 3}  # shown decimals (else whole)
RATES = frozenset({"compliance"})  # shares: shown in %, their changes in 百分点


def shown_value(measure: str, v) -> str:
    if v is None or pd.isna(v):
        return t("na")
    if measure in RATES:
        return numbers.percent(v)
    return numbers.decimal(v, 1) if measure in DIGITS else fmt_number(v)


def definition(measure: str) -> str:
    return t(DEFINITION.get(measure, f"x_def_{measure}"))


def _set(**changes) -> None:
    q: Question = st.session_state["_explore_q"]
    st.session_state["_explore_q"] = replace(q, **changes)


def _on_measure() -> None:
    _set(measure=st.session_state[_W + "measure"], chart=None)


def _on_by() -> None:
    first, second = st.session_state[_W + "by1"], st.session_state.get(_W + "by2", NONE)
    by = tuple(b for b in (first, second) if b != NONE)
    _set(by=by, chart=None, places=())


def _on_chart() -> None:
    _set(chart=st.session_state[_W + "chart"])


def _on_places() -> None:
    _set(places=tuple(st.session_state[_W + "places"]))


def controls(q: Question, f: Filters, places: Places) -> Question:
    """Measure, two breakdowns and the chart, side by side; breakdowns the measure cannot take are not
    offered, and the caption says which and why."""
    c1, c2, c3, c4 = st.columns([3, 2, 2, 3], vertical_alignment="bottom")
    st.session_state[_W + "measure"] = q.measure
    c1.selectbox(
        t("x_measure"), list(MEASURES), key=_W + "measure", on_change=_on_measure, format_func=lambda k: t(f"x_m_{k}")
    )
    allowed = offered(q.measure, f)
    first = q.by[0] if q.by else NONE
    st.session_state[_W + "by1"] = first
    c2.selectbox(t("x_by1"), [NONE, *allowed], key=_W + "by1", on_change=_on_by, format_func=_by_label)
    if first != NONE:
        seconds = pairs_with(first, q.measure, f)
        st.session_state[_W + "by2"] = q.by[1] if len(q.by) > 1 else NONE
        c3.selectbox(t("x_by2"), [NONE, *seconds], key=_W + "by2", on_change=_on_by, format_func=_by_label)
    options = charts_for(q.by)
    st.session_state[_W + "chart"] = q.chart or options[0]
    c4.segmented_control(
        t("x_chart"), list(options), key=_W + "chart", on_change=_on_chart, format_func=lambda c: t(f"x_chart_{c}")
    )
    missing = [b for b in MEASURES[q.measure].by if b not in allowed] + [
        b for b in _ALL if b not in MEASURES[q.measure].by
    ]
    st.caption(t("x_definition_line", text=definition(q.measure)))
    if missing:
        st.caption(t("x_not_offered", items=_why_not(q.measure, missing)))
    pb = place_by(q)
    if pb:
        frame = {"street": places.streets, "community": places.communities, "building_group": places.groups}[pb]
        if len(frame) > 1:
            names = dict(zip(frame["id"], frame["name"]))
            st.session_state[_W + "places"] = list(q.places)
            st.multiselect(
                t("x_places", level=_by_label(pb)),
                frame["id"].tolist(),
                key=_W + "places",
                on_change=_on_places,
                format_func=lambda i: names.get(i, str(i)),
                placeholder=t("x_places_all"),
            )
    return st.session_state["_explore_q"]


_ALL = (
    *PLACE_BY,
    *TIME_BY,
    "org_kind",
    "activity_kind",
    "category",
    "need",
    "stage",
    "team",
    "station",
    "demonstration",
)


def _why_not(measure: str, missing: list[str]) -> str:
    """The breakdowns not offered, grouped by why: 月、季度、年（…）；活动类型、需求类别（…）."""
    spec = MEASURES[measure]
    reasons: dict[str, list[str]] = {}
    for b in missing:
        if b in TIME_BY and spec.stock:
            reason = "x_why_stock"
        elif b in PLACE_BY and b in spec.by:
            reason = "x_why_scope"
        elif b in PLACE_BY:
            reason = "x_why_place"
        else:
            reason = "x_why_source"
        reasons.setdefault(reason, []).append(_by_label(b))
    return t("x_semi").join(t("x_because", items=t("x_comma").join(names), why=t(r)) for r, names in reasons.items())


def _by_label(b: str) -> str:
    return t("x_by_none") if b == NONE else t(f"x_by_{b}")
