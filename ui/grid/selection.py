"""Which building group the grid map's detail panel shows: picked on the map, kept in the URL (?sel=CODE)."""

from __future__ import annotations

from collections.abc import Mapping

import streamlit as st

from data_access.filters import Filters, Places

SEL = "sel"  # URL parameter: the selected building group's code, e.g. S01C02B04
_LAST = "_grid_last_pick"  # per map key, the pick already turned into the URL
PICK_LAYERS = ("groups", "demonstration", "areas")  # layers whose objects name a building group


def map_key(f: Filters) -> str:
    """The map widget's key: one per scope, so a stale pick from another scope can never come back."""
    place = f.building_group_id or f.community_id or f.street_id or 0
    return f"grid_map_{f.level}_{place}"


def picked_code(state: Mapping | None) -> str | None:
    """The code of the object picked in a pydeck selection state, if any (areas carry theirs in properties)."""
    objects = ((state or {}).get("selection") or {}).get("objects") or {}
    for layer in PICK_LAYERS:
        for obj in objects.get(layer) or []:
            code = obj.get("code") or (obj.get("properties") or {}).get("code")
            if code:
                return str(code)
    return None


def follow_map_pick(key: str, places: Places) -> None:
    """A new pick on the map becomes the URL's selection; a click on empty ground clears it.

    Only changes count: the widget keeps its last pick across reruns, and the URL may have been set
    since (a shared link, the clear button), so an unchanged pick is left alone.
    """
    code = picked_code(st.session_state.get(key))
    if code is not None and code not in set(places.groups["code"]):
        code = None  # a street or community area was clicked: not a building group
    last = st.session_state.setdefault(_LAST, {})
    if key not in last:
        last[key] = code
        if code is None:
            return
    elif last[key] == code:
        return
    last[key] = code
    if code:
        st.query_params[SEL] = code
    else:
        st.query_params.pop(SEL, None)


def validate_selection(raw: str | None, places: Places, f: Filters) -> tuple[int | None, str | None]:
    """(building group id, None) for a code inside the scope; (None, reason) for one that must be dropped."""
    if not raw:
        return None, None
    hit = places.groups[places.groups["code"] == raw]
    if hit.empty:
        return None, "unknown"
    row = hit.iloc[0]
    if (
        (f.building_group_id and int(row["id"]) != f.building_group_id)
        or (f.community_id and int(row["community_id"]) != f.community_id)
        or (f.street_id and int(row["street_id"]) != f.street_id)
    ):
        return None, "outside"
    return int(row["id"]), None


def current_selection(places: Places, f: Filters) -> tuple[int | None, str | None, tuple[str, str] | None]:
    """The selected building group (id, code) and, when the URL's value was dropped, (reason, value).

    At building-group scope the scope's own group is selected unless the URL names it already.
    """
    raw = st.query_params.get(SEL)
    bg_id, reason = validate_selection(raw, places, f)
    notice = None
    if reason:
        notice = (reason, raw)
        st.query_params.pop(SEL, None)
    if bg_id is None and f.building_group_id:
        bg_id = f.building_group_id
    if bg_id is None:
        return None, None, notice
    return bg_id, places.code_of("groups", bg_id), notice


def clear_selection() -> None:
    """Button callback: close the detail panel."""
    st.query_params.pop(SEL, None)
