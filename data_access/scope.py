"""Who may see what: a viewer's place scope, clamping Filters to it, and the privacy rules for results.

Pure functions (no Streamlit): `guard.py` applies them under every cached query. The scope works on the
place ids every query is keyed by (street_id, community_id, building_group_id), so it holds whatever SQL
a query runs. Deny by default: a scope that names no place admits nothing.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace

import pandas as pd
from sqlalchemy import Connection, select

from . import models as m
from .filters import Filters, Places

# Result columns (and dict keys) that count people; in public/viewer mode a value 1..N-1 is suppressed.
PEOPLE_COUNTS = frozenset(
    {
        "members",
        "own_members",
        "place_members",
        "volunteers",
        "served",
        "participations",
        "participants",
        "people",
        "people_fed",
        "residents",
        "employed_residents",
        "employed",
        "reported",
        "reported_here",
        "leaders",  # grid staff: a count of people like any other
        "grid_members",
    }
)
# Values worked out from a people count (an average per building group, the residents' mean points): hidden
# wherever the count they come from is hidden, or one could read the count back (one group: the average
# is the count; one resident: the mean is that person's points).
DERIVED_FROM = {"per_group": "residents", "points": "residents", "value": "members"}  # value: explore's mean points
VALUE_COLUMN = "value"  # a generic measure column (the heat map's cells): a people count when its measure is
# Columns that hold a contact or identity number wherever they appear.
PHONE_COLUMNS = frozenset({"phone", "mobile"})
ID_COLUMNS = frozenset({"id_number", "id_no"})


class AccessDenied(Exception):
    """The viewer may not see this (no scope, a place outside the scope, or an expired session)."""


@dataclass(frozen=True)
class Scope:
    """The part of the district a viewer may see: everything, one street/town or one community/village."""

    everything: bool = False
    street_id: int | None = None
    community_id: int | None = None
    code: str = ""  # the place code, for labels and the audit log ("" for the whole district)

    @property
    def empty(self) -> bool:
        return not self.everything and self.street_id is None

    @property
    def label(self) -> str:
        return "district" if self.everything else (self.code or "none")


NOTHING = Scope()
DISTRICT = Scope(everything=True)


@dataclass(frozen=True)
class Privacy:
    """What results may carry: masked person names (or none at all), and the smallest count shown."""

    names: bool = True  # False: aggregates only, rows that name a person are withheld
    min_cell: int = 0  # people counts from 1 to min_cell-1 are suppressed; 0 shows every count


def scope_for(place_code: str | None, role: str, places: Places) -> Scope:
    """The scope a role and a place code grant; anything that does not resolve grants nothing."""
    code = (place_code or "").strip()
    role = "viewer" if role == "wall" else role  # a wall screen: a viewer's place rule
    if role == "district":
        return DISTRICT
    if role == "viewer" and code in ("", "district", "D"):
        return DISTRICT
    if role not in ("street", "community", "viewer") or not code:
        return NOTHING
    hit = places.streets[places.streets["code"] == code]
    if len(hit) and role in ("street", "viewer"):
        return Scope(street_id=int(hit.iloc[0]["id"]), code=code)
    hit = places.communities[places.communities["code"] == code]
    if len(hit) and role in ("community", "viewer"):
        row = hit.iloc[0]
        return Scope(street_id=int(row["street_id"]), community_id=int(row["id"]), code=code)
    return NOTHING


def _true_place(f: Filters, places: Places) -> tuple[int | None, int | None, int | None]:
    """The filter's place with its parents taken from the places table (unknown ids are dropped)."""
    if f.building_group_id:
        hit = places.groups[places.groups["id"] == f.building_group_id]
        if len(hit):
            row = hit.iloc[0]
            return int(row["street_id"]), int(row["community_id"]), int(row["id"])
    if f.community_id:
        hit = places.communities[places.communities["id"] == f.community_id]
        if len(hit):
            row = hit.iloc[0]
            return int(row["street_id"]), int(row["id"]), None
    if f.street_id and (places.streets["id"] == f.street_id).any():
        return int(f.street_id), None, None
    return None, None, None


def clamp(f: Filters, scope: Scope, places: Places) -> Filters:
    """f narrowed to the scope: a place outside it is replaced by the scope's own place."""
    if scope.empty:
        raise AccessDenied("no scope")
    street, community, group = _true_place(f, places)
    if not scope.everything:
        if street != scope.street_id:
            street, community, group = scope.street_id, None, None
        if scope.community_id is not None and community != scope.community_id:
            community, group = scope.community_id, None
    return replace(f, street_id=street, community_id=community, building_group_id=group)


def within(scope: Scope, street_id: int | None, community_id: int | None) -> bool:
    """True when a place (its street and community ids; None above that level) lies inside the scope."""
    if scope.everything:
        return True
    if scope.empty or street_id != scope.street_id:
        return False
    return scope.community_id is None or community_id == scope.community_id


RECORD_PLACE = ("record_street_id", "record_community_id")  # where a listed record (a wish, a request) lies


def restrict_records(result: object, scope: Scope) -> object:
    """Rows of a person-linked list whose record lies outside the scope are dropped, whatever the query
    asked for, and the place columns go (pages never see them). A query returns RECORD_PLACE columns
    for every list whose records can lie elsewhere than the people they name (a member claims a wish posted
    in another street)."""
    if isinstance(result, tuple):
        return (
            type(result)(*(restrict_records(r, scope) for r in result))
            if hasattr(result, "_fields")
            else tuple(restrict_records(r, scope) for r in result)
        )
    if not isinstance(result, pd.DataFrame) or RECORD_PLACE[0] not in result.columns:
        return result
    streets = result[RECORD_PLACE[0]]
    comms = result[RECORD_PLACE[1]] if RECORD_PLACE[1] in result.columns else pd.Series(None, index=result.index)
    keep = [
        within(scope, None if pd.isna(s) else int(s), None if pd.isna(c) else int(c)) for s, c in zip(streets, comms)
    ]
    return result.loc[keep].drop(columns=[c for c in RECORD_PLACE if c in result.columns]).reset_index(drop=True)


def restrict_places(places: Places, scope: Scope) -> Places:
    """Only the places inside the scope (so a filter bar cannot offer any other)."""
    if scope.everything:
        return places
    streets = places.streets[places.streets["id"] == scope.street_id]
    comms = places.communities[places.communities["street_id"] == scope.street_id]
    groups = places.groups[places.groups["street_id"] == scope.street_id]
    if scope.community_id is not None:
        comms = comms[comms["id"] == scope.community_id]
        groups = groups[groups["community_id"] == scope.community_id]
    if scope.empty:
        streets, comms, groups = streets.iloc[0:0], comms.iloc[0:0], groups.iloc[0:0]
    return Places(streets.reset_index(drop=True), comms.reset_index(drop=True), groups.reset_index(drop=True))


def node_place(conn: Connection, code: str) -> tuple[int | None, int | None] | None:
    """(street_id, community_id) of an organisation-tree node (org, building group or fold), None if unknown."""
    from .queries.org import resolve_node  # the tree's own reading of a node code

    ref = resolve_node(conn, code)
    if ref is None:
        return None
    if ref.type == "bg":
        t = m.BuildingGroup.__table__
    else:  # an org, or a fold: the place of its parent org
        t = m.Org.__table__
    row = conn.execute(select(t.c.street_id, t.c.community_id).where(t.c.id == ref.id)).first()
    return None if row is None else (row.street_id, row.community_id)


# ---------------------------------------------------------------- masking


def mask_name(name: object) -> object:
    """张三明 -> 张*明, 欧阳明华 -> 欧*华, 李四 -> 李*, 王 -> *: one star, so the length stays hidden too."""
    if not isinstance(name, str) or not name:
        return name
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" + name[-1]


def mask_phone(phone: object) -> object:
    """13812341234 -> 138****1234; anything shorter than 8 digits becomes stars."""
    if not isinstance(phone, str) or not phone:
        return phone
    digits = re.sub(r"\D", "", phone)
    if len(digits) < 8:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def mask_id_number(number: object) -> object:
    """410102198001011234 -> 410102********1234: the region code and the last four stay, the birth date goes."""
    if not isinstance(number, str) or not number:
        return number
    if len(number) < 11:
        return "*" * len(number)
    return number[:6] + "*" * (len(number) - 10) + number[-4:]


def _suppress_value(v: object, n: int) -> object:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or (isinstance(v, float) and math.isnan(v)):
        return v
    return None if 0 < v < n else v


def apply_privacy(
    result: object, privacy: Privacy, person_columns: frozenset[str] = frozenset(), measure: object = None
) -> object:
    """The result as a viewer may see it: contact numbers masked, person names masked (or the rows
    withheld when names are not allowed), small people counts suppressed (None / NaN), and what is derived
    from them (DERIVED_FROM). A query's `measure` argument says what a generic `value` column counts."""
    if isinstance(result, tuple):
        return tuple(apply_privacy(r, privacy, person_columns, measure) for r in result)
    if isinstance(result, dict):
        if not privacy.min_cell:
            return result
        return {k: _suppress_value(v, privacy.min_cell) if k in PEOPLE_COUNTS else v for k, v in result.items()}
    if not isinstance(result, pd.DataFrame):
        return result
    counts = PEOPLE_COUNTS | ({VALUE_COLUMN} if measure in PEOPLE_COUNTS else set())
    cols = set(result.columns)
    if not (cols & (PHONE_COLUMNS | ID_COLUMNS | person_columns)) and not (privacy.min_cell and cols & counts):
        return result  # nothing to mask: the cache already handed out a copy of its own
    df = result.copy()
    for col in PHONE_COLUMNS & set(df.columns):
        df[col] = df[col].map(mask_phone)
    for col in ID_COLUMNS & set(df.columns):
        df[col] = df[col].map(mask_id_number)
    persons = person_columns & set(df.columns)
    if persons and not privacy.names:
        df = df.iloc[0:0]
    for col in persons:
        df[col] = df[col].map(mask_name)
    if privacy.min_cell:
        n = privacy.min_cell
        for col in counts & set(df.columns):
            values = pd.to_numeric(df[col], errors="coerce")
            small = (values > 0) & (values < n)
            if not small.any():
                continue
            df[col] = values.astype("float64").where(~small)
            for derived in [d for d, source in DERIVED_FROM.items() if source == col and d in df.columns]:
                df[derived] = pd.to_numeric(df[derived], errors="coerce").astype("float64").where(~small)
    return df
