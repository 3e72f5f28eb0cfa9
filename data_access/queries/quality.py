"""Rows the pages must leave out, counted so the pages can say what was left out and why."""

from __future__ import annotations

from sqlalchemy import Connection, func, or_, select

from .. import models as m
from .org import subtree

o_t = m.Org.__table__
bg_t = m.BuildingGroup.__table__


def org_tree_problems(conn: Connection) -> dict[str, int]:
    """Orgs the tree cannot show: under a missing parent (with their descendants), caught in a cycle of
    parents, or a second top-level org; and names that are empty."""
    root = conn.execute(select(func.min(o_t.c.id)).where(o_t.c.parent_id.is_(None))).scalar()
    reach = subtree(o_t.c.id == root, "reach")
    total = conn.execute(select(func.count()).select_from(o_t)).scalar_one()
    reached = conn.execute(select(func.count()).select_from(reach)).scalar_one()
    parent = o_t.alias("p")
    orphan_anchor = o_t.c.parent_id.is_not(None) & ~select(parent.c.id).where(parent.c.id == o_t.c.parent_id).exists()
    orphaned = conn.execute(select(func.count()).select_from(subtree(orphan_anchor, "orphans"))).scalar_one()
    extra_roots = conn.execute(select(func.count()).where(o_t.c.parent_id.is_(None), o_t.c.id != root)).scalar_one()
    unnamed_orgs = conn.execute(select(func.count()).where(func.trim(func.coalesce(o_t.c.name, "")) == "")).scalar_one()
    unnamed_groups = conn.execute(
        select(func.count()).where(func.trim(func.coalesce(bg_t.c.name, "")) == "")
    ).scalar_one()
    return {
        "orphaned": int(orphaned),
        "cycle": max(0, int(total - reached - orphaned - extra_roots)),
        "extra_roots": int(extra_roots),
        "unnamed": int(unnamed_orgs + unnamed_groups),
    }


def unmapped_counts(conn: Connection) -> dict[str, int]:
    """Building groups, facilities and stations without usable coordinates (left off the maps)."""

    def missing(table) -> int:
        bad = or_(table.c.lon.is_(None), table.c.lat.is_(None))
        return int(conn.execute(select(func.count()).select_from(table).where(bad)).scalar_one())

    return {
        "groups": missing(bg_t),
        "facilities": missing(m.Facility.__table__),
        "stations": missing(m.Station.__table__),
    }
