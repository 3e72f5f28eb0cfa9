"""The global filter bar: place scope and date range, kept in the session and mirrored in the URL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import streamlit as st

from data_access.filters import (
    PRESETS,
    URL_KEYS,
    Filters,
    Places,
    default_filters,
    filters_to_params,
    parse_filters,
    preset_of,
    preset_range,
    whole_months,
)

from .. import compare
from ..labels import LANG_STATE, LANGS, current_lang, t

STATE = "_filters"  # the current Filters value, shared by every page of the session
_W = "_w_"  # widget keys are shadows of the state, so values survive page switches
ALL = 0  # the "whole scope" choice of a place selector (ids start at 1)


def _notice_text(n) -> str:
    return t(f"notice_{n.reason}", key=n.key, value=n.value)


def current_filters(places: Places, first: date, last: date) -> Filters:
    """On a session's first run, read the URL (dropping bad values with a notice); later, the session's value."""
    if STATE not in st.session_state:
        params = {k: st.query_params.get(k) for k in URL_KEYS if st.query_params.get(k)}
        f, notices = parse_filters(params, places, first, last)
        st.session_state[STATE] = f
        st.session_state["_notices"] = [_notice_text(n) for n in notices]
        lang = st.query_params.get("lang")
        if lang and lang not in LANGS:
            st.session_state["_notices"].append(t("notice_bad_lang", value=lang))
            del st.query_params["lang"]
    return st.session_state[STATE]


def _set(**changes) -> None:
    f: Filters = st.session_state[STATE]
    st.session_state[STATE] = Filters(**{**f.__dict__, **changes})


def _on_street() -> None:
    _set(street_id=st.session_state[_W + "street"] or None, community_id=None, building_group_id=None)


def _on_community() -> None:
    _set(community_id=st.session_state[_W + "community"] or None, building_group_id=None)


def _on_group() -> None:
    _set(building_group_id=st.session_state[_W + "bg"] or None)


def _on_dates(first: date, last: date) -> None:
    picked = st.session_state[_W + "dates"]
    if isinstance(picked, (tuple, list)) and len(picked) == 2:  # half-picked ranges wait for the second click
        start, end = whole_months(picked[0], picked[1], first, last)
        _set(start=start, end=end)


def _on_preset(first: date, last: date) -> None:
    preset = st.session_state[_W + "range"]
    if preset:  # a click on the chosen preset unselects it: the dates stay as they are
        start, end = preset_range(preset, first, last)
        _set(start=start, end=end)


def _on_reset(first: date, last: date) -> None:
    st.session_state[STATE] = default_filters(first, last)


def _on_cmp() -> None:
    st.session_state[compare.STATE] = st.session_state[_W + "cmp"]


def _on_lang() -> None:
    st.session_state[LANG_STATE] = st.session_state[_W + "lang"]


def _place_choice(label: str, frame, key: str, current: int | None, may_all: bool, on_change, everything: str) -> None:
    """One level of the place hierarchy in the sidebar: its places by name, "all" (everything) first unless
    the viewer's scope fixes the level, the current one chosen."""
    names = dict(zip(frame["id"], frame["name"]))
    st.session_state[_W + key] = current or ALL
    st.sidebar.selectbox(
        label,
        ([ALL] if may_all else []) + frame["id"].tolist(),
        key=_W + key,
        on_change=on_change,
        format_func=lambda i: everything if i == ALL else names[i],
    )


def render(places: Places, first: date, last: date, clamp: Callable[[Filters], Filters] | None = None) -> Filters:
    """Draw the filter bar in the sidebar and return the Filters it sets; the URL follows.

    clamp narrows a value to the viewer's scope; a level the scope fixes offers no "all" choice."""
    f = current_filters(places, first, last)
    fixed = Filters(first, last)
    if clamp is not None:
        f = st.session_state[STATE] = clamp(f)
        fixed = clamp(fixed)
    sb = st.sidebar
    sb.subheader(t("filters"))

    _place_choice(t("street"), places.streets, "street", f.street_id, not fixed.street_id, _on_street, t("district"))
    if f.street_id:
        comms = places.communities[places.communities["street_id"] == f.street_id]
        may_all = not fixed.community_id
        _place_choice(t("community"), comms, "community", f.community_id, may_all, _on_community, t("all_communities"))
    if f.community_id:
        groups = places.groups[places.groups["community_id"] == f.community_id]
        _place_choice(t("building_group"), groups, "bg", f.building_group_id, True, _on_group, t("all_groups"))
    st.session_state[_W + "range"] = preset_of(f, first, last)
    sb.segmented_control(
        t("range"),
        list(PRESETS),
        key=_W + "range",
        on_change=_on_preset,
        args=(first, last),
        format_func=lambda p: t(f"range_{p}"),
        help=t("range_help"),
    )
    st.session_state[_W + "dates"] = (f.start, f.end)
    sb.date_input(
        t("dates"),
        min_value=first,
        max_value=last,
        key=_W + "dates",
        on_change=_on_dates,
        args=(first, last),
        help=t("dates_help"),
    )
    st.session_state[_W + "cmp"] = compare.mode()
    sb.radio(
        t("cmp_setting"),
        list(compare.MODES),
        key=_W + "cmp",
        on_change=_on_cmp,
        horizontal=True,
        format_func=lambda m: t(f"cmp_setting_{m}"),
        help=t("cmp_help"),
    )
    sb.button(t("reset"), on_click=_on_reset, args=(first, last), width="stretch")
    sb.caption(t("share_hint"))
    sb.divider()
    st.session_state[_W + "lang"] = current_lang()
    sb.radio(
        t("language"),
        list(LANGS),
        key=_W + "lang",
        on_change=_on_lang,
        horizontal=True,
        format_func=lambda x: {"zh": "中文", "en": "English"}[x],
    )

    f = st.session_state[STATE]
    _sync_url(f, places, first, last)
    return f


def _sync_url(f: Filters, places: Places, first: date, last: date) -> None:
    """Make the address bar describe f, so copying it shares the view."""
    want = filters_to_params(f, places, first, last)
    if current_lang() != "zh":
        want["lang"] = current_lang()
    if compare.url_value():
        want[compare.URL_KEY] = compare.url_value()
    for key in (*URL_KEYS, "lang", compare.URL_KEY):
        if key in want:
            if st.query_params.get(key) != want[key]:
                st.query_params[key] = want[key]
        elif key in st.query_params:
            del st.query_params[key]


def scope_path(f: Filters, places: Places) -> list[str]:
    """Names from the district down to the current scope, for the breadcrumb."""
    path = [t("district")]
    for frame, ident in (("streets", f.street_id), ("communities", f.community_id), ("groups", f.building_group_id)):
        if ident:
            df = getattr(places, frame)
            path.append(str(df.loc[df["id"] == ident, "name"].iloc[0]))
    return path
