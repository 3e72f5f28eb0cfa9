"""The explore page's question — measure, breakdowns, chart, places compared — kept in the session and
mirrored in the URL, so a pasted link asks the same question. Invalid URL values are dropped with a notice."""

from __future__ import annotations

from dataclasses import dataclass, replace

import streamlit as st

from data_access.filters import Filters, Places
from data_access.queries.explore import MEASURES, PLACE_BY, TIME_BY, offered, pairs_with

from ..labels import t

STATE = "_explore_q"
URL_KEYS = ("measure", "by", "chart", "places")
DEFAULT_MEASURE = "hours"
CHARTS = ("line", "bar", "heat", "map", "table")


@dataclass(frozen=True)
class Question:
    measure: str = DEFAULT_MEASURE
    by: tuple[str, ...] = ("street",)
    chart: str | None = None  # None: the fitting chart (charts_for()[0])
    places: tuple[int, ...] = ()  # places of the place breakdown compared side by side (none: all)


def charts_for(by: tuple[str, ...]) -> tuple[str, ...]:
    """The charts that fit the breakdowns, the fitting one first."""
    times = [b for b in by if b in TIME_BY]
    if not by:
        return ("table",)
    if len(by) == 1:
        if times:
            return ("line", "bar", "table")
        if by[0] in ("street", "community", "building_group"):
            return ("bar", "map", "table")
        return ("bar", "table")
    return ("line", "heat", "table") if times else ("heat", "bar", "table")


def place_by(q: Question) -> str | None:
    return next((b for b in q.by if b in PLACE_BY), None)


def _frame(places: Places, by: str):
    return {"street": places.streets, "community": places.communities, "building_group": places.groups}[by]


def fit(q: Question, f: Filters, places: Places) -> tuple[Question, list[str]]:
    """q made valid under f (the scope may have narrowed since it was asked): what no longer fits is
    dropped, and said why."""
    notes: list[str] = []
    if q.measure not in MEASURES:
        notes.append(t("x_notice_measure", value=q.measure))
        q = Question()
    allowed = offered(q.measure, f)
    by: list[str] = []
    for b in q.by:
        ok = b in allowed and (not by or b in pairs_with(by[0], q.measure, f))
        if ok and len(by) < 2:
            by.append(b)
        else:
            notes.append(t("x_notice_by", value=b, measure=t(f"x_m_{q.measure}")))
    q = replace(q, by=tuple(by))
    if q.chart is not None and q.chart not in charts_for(q.by):
        notes.append(t("x_notice_chart", value=q.chart))
        q = replace(q, chart=None)
    pb = place_by(q)
    if q.places and pb is None:
        q = replace(q, places=())
    elif q.places:
        known = set(_frame(places, pb)["id"])
        if not set(q.places) <= known:
            notes.append(t("x_notice_places"))
            q = replace(q, places=tuple(p for p in q.places if p in known))
    return q, notes


def from_url(places: Places) -> tuple[Question, list[str]]:
    """The question a link asks (codes for places); unknown values are reported by fit() or here."""
    p = st.query_params
    q = Question()
    if p.get("measure"):
        q = replace(q, measure=p["measure"])
    if "by" in p:
        q = replace(q, by=tuple(b for b in p["by"].split(",") if b))
    if p.get("chart"):
        q = replace(q, chart=p["chart"])
    notes: list[str] = []
    if p.get("places") and q.by:
        pb = next((b for b in q.by if b in PLACE_BY), None)
        if pb is not None:
            frame = _frame(places, pb)
            ids = dict(zip(frame["code"], frame["id"]))
            codes = [c for c in p["places"].split(",") if c]
            bad = [c for c in codes if c not in ids]
            if bad:
                notes.append(t("x_notice_places_codes", value=",".join(bad)))
            q = replace(q, places=tuple(int(ids[c]) for c in codes if c in ids))
    return q, notes


def current(f: Filters, places: Places) -> tuple[Question, list[str]]:
    """The session's question, read from the URL on the first visit of the page."""
    notes: list[str] = []
    if STATE not in st.session_state:
        q, notes = from_url(places)
    else:
        q = st.session_state[STATE]
    q, more = fit(q, f, places)
    st.session_state[STATE] = q
    return q, notes + more


def to_url(q: Question, places: Places) -> None:
    """Make the address bar ask q (the defaults are left out)."""
    want: dict[str, str] = {}
    if q.measure != DEFAULT_MEASURE:
        want["measure"] = q.measure
    if q.by != Question().by:
        want["by"] = ",".join(q.by)
    if q.chart:
        want["chart"] = q.chart
    pb = place_by(q)
    if q.places and pb:
        frame = _frame(places, pb)
        codes = dict(zip(frame["id"], frame["code"]))
        want["places"] = ",".join(str(codes[i]) for i in q.places if i in codes)
    for key in URL_KEYS:
        if key in want:
            if st.query_params.get(key) != want[key]:
                st.query_params[key] = want[key]
        elif key in st.query_params:
            del st.query_params[key]
