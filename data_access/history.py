"""Stocks with a past: the dated spells (stock_spell) each counted thing spends at a place, and how a
database whose registers carry no such history starts keeping one.

A stock as of a day is the number of spells open on that day (valid_from <= day < valid_to), at the place
each held then: a member who moved from street A to street B on day T counts in A before T and in B from T.
The seed writes complete spells for the data's five years; the feeding systems write one with every join,
transfer and leaving. A database that had none (an older version's, or an import) gets one open spell per
current row, and its history is complete only from then on (dataset_meta `history_from`): before that day
a stock has no past and is shown as such.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, Date, Integer, cast, func, insert, literal, null, select

from . import models as m

# stock -> the overview's figure (kpis key) it is the past of
STOCKS: dict[str, str] = {
    "member": "members",
    "org": "orgs",
    "building_group": "building_groups",
    "team": "teams",
    "volunteer": "volunteers",
    "service_center": "service_centers",
    "kitchen": "kitchens",
}
# stocks whose register names a building group (the others have no past at a building group's scope)
BY_BUILDING_GROUP = ("member", "building_group", "volunteer")
# figures with no dated history anywhere in the data: always as of the data date, never compared
NO_PAST = ("grids", "street_joint", "community_joint", "stations", "demonstration", "people_fed")
HISTORY_FROM = "history_from"  # dataset_meta key: the first day the spells are complete


def history_from(info: dict[str, str]) -> date | None:
    """The first day every stock's spells are complete (None: no history kept)."""
    value = info.get(HISTORY_FROM)
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def _no_id():
    """A missing place id, typed: PostgreSQL reads a bare NULL in a subquery as text, which an integer
    column refuses."""
    return cast(null(), Integer)


def _registers(since: date):
    """(stock, select of ref_id, street_id, community_id, building_group_id, valid_from) over the current
    rows of each register; a row without a date of its own starts at `since`."""
    o, b, mem = m.Org.__table__, m.BuildingGroup.__table__, m.Member.__table__
    team, vol, fac = m.Team.__table__, m.Volunteer.__table__, m.Facility.__table__

    def dated(col):
        return func.coalesce(col, literal(since, Date))

    yield (
        "member",
        select(mem.c.id, mem.c.street_id, mem.c.community_id, mem.c.building_group_id, dated(mem.c.joined_on)),
    )
    yield (
        "org",
        select(o.c.id, o.c.street_id, o.c.community_id, _no_id(), dated(o.c.established_on)).where(
            o.c.kind.in_(m.GRASSROOTS_KINDS)
        ),
    )
    yield "building_group", select(b.c.id, b.c.street_id, b.c.community_id, b.c.id, literal(since, Date))
    yield "team", select(team.c.id, team.c.street_id, team.c.community_id, _no_id(), dated(team.c.founded_on))
    yield (
        "volunteer",
        select(vol.c.id, vol.c.street_id, vol.c.community_id, vol.c.building_group_id, dated(vol.c.registered_on)),
    )
    for kind in ("service_center", "kitchen"):
        yield (
            kind,
            select(fac.c.id, fac.c.street_id, fac.c.community_id, _no_id(), dated(fac.c.opened_on)).where(
                fac.c.kind == kind
            ),
        )


def backfill(conn: Connection, since: date) -> int:
    """Start keeping history where there is none: one open spell per current row of every register (its own
    date where it has one, else `since`), and history_from = since. Spells already there are kept, and
    history_from is left alone when set. Returns the spells written."""
    sp = m.StockSpell.__table__
    written = 0
    for stock, rows in _registers(since):
        if conn.execute(select(sp.c.id).where(sp.c.stock == stock).limit(1)).first() is not None:
            continue  # this register's history is kept already
        cols = ["stock", "ref_id", "street_id", "community_id", "building_group_id", "valid_from"]
        sub = rows.subquery()
        stmt = select(literal(stock), *sub.c)
        written += conn.execute(insert(sp).from_select(cols, stmt)).rowcount
    meta = m.DatasetMeta.__table__
    if conn.execute(select(meta.c.value).where(meta.c.key == HISTORY_FROM)).first() is None:
        conn.execute(insert(meta).values(key=HISTORY_FROM, value=since.isoformat()))
    return written


def start_of_history(info: dict[str, str]) -> date:
    """The day a history begun now is complete from: today on a live dataset, else its data date."""
    return date.today() if info.get("live") == "1" else date.fromisoformat(info["as_of"])
