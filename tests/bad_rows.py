"""Rows that break the generator's promises, written into a seeded database the way a careless import
or a hand edit would: names with markup and emoji, empty names, missing coordinates, orphan orgs, a cycle
in the org tree, and extreme values."""

from __future__ import annotations

from sqlalchemy import text

from data_access import rollups
from data_access.db import write_engine

SCRIPT = "<script>alert(1)</script>"
BOLD = "<b>x</b>"
IMG = "<img src=x onerror=alert(1)>"
MARKDOWN = "**粗** [链接](http://example.com) ![图](http://example.com/x.png)"
EMOJI = "🏠幸福楼院🎉"
HOSTILE = (SCRIPT, BOLD, IMG, MARKDOWN)
ORPHANS, CYCLE = 3, 3  # orgs whose parent is missing; orgs in a loop of parents (2-cycle and a self-loop)


def write_bad_rows(url: str, street_code: str = "S03") -> dict[str, object]:
    """Damage the database at url; returns the codes of the damaged places for the tests to open."""
    engine = write_engine(url)
    try:
        with engine.begin() as conn:
            q = lambda sql, **p: conn.execute(text(sql), p)  # noqa: E731
            street_id = q("SELECT id FROM org WHERE code = :c", c=street_code).scalar_one()
            comm = q(
                "SELECT id, code FROM org WHERE parent_id = :s AND kind = 'community' ORDER BY code LIMIT 2",
                s=street_id,
            ).all()
            groups = q("SELECT id, code FROM building_group WHERE org_id = :o ORDER BY code", o=comm[0].id).all()
            # names with markup, markdown and emoji; an empty name
            q("UPDATE org SET name = :n WHERE id = :i", n=SCRIPT, i=comm[0].id)
            q("UPDATE org SET name = :n WHERE id = :i", n="", i=comm[1].id)
            q("UPDATE grid SET name = :n WHERE org_id = :i", n=IMG, i=comm[0].id)
            for (gid, _code), name in zip(groups, [IMG, BOLD, MARKDOWN, EMOJI, ""]):
                q("UPDATE building_group SET name = :n WHERE id = :i", n=name, i=gid)
            q("UPDATE building_group SET is_demonstration = 1, theme_name = :n WHERE id = :i", n=SCRIPT, i=groups[0].id)
            q("UPDATE org SET name = :n WHERE id = :i", n=f"{EMOJI}{BOLD}", i=street_id)
            q("UPDATE facility SET name = :n WHERE street_id = :s AND kind = 'kitchen'", n=IMG, s=street_id)
            q("UPDATE facility SET name = :n WHERE street_id = :s AND kind <> 'kitchen'", n=SCRIPT, s=street_id)
            q("UPDATE station SET name = :n WHERE street_id = :s", n=BOLD, s=street_id)
            q("UPDATE team SET name = :n WHERE street_id = :s", n=MARKDOWN, s=street_id)
            q("UPDATE supervision_task SET title = :n WHERE street_id = :s", n=SCRIPT, s=street_id)
            q("UPDATE member SET name = :n WHERE street_id = :s", n=IMG, s=street_id)
            # missing coordinates
            q("UPDATE building_group SET lon = NULL, lat = NULL WHERE id IN (:a, :b)", a=groups[1].id, b=groups[2].id)
            q("UPDATE facility SET lon = NULL, lat = NULL WHERE street_id = :s AND kind = 'kitchen'", s=street_id)
            q("UPDATE station SET lon = NULL WHERE street_id = :s", s=street_id)
            q("UPDATE grid SET center_lon = NULL, center_lat = NULL, geometry = NULL WHERE org_id = :i", i=comm[1].id)
            # orphans and a cycle among new orgs
            top = q("SELECT max(id) FROM org").scalar_one()
            rows = [(top + 1 + k, f"BADO{k}", f"孤儿组织{k}", top + 1000) for k in range(ORPHANS)]
            rows += [(top + 10, "BADC0", "循环组织甲", top + 11), (top + 11, "BADC1", "循环组织乙", top + 10)]
            rows += [(top + 12, "BADC2", "自指组织", top + 12)]
            for ident, code, name, parent in rows:
                q(
                    "INSERT INTO org (id, code, name, kind, parent_id, depth, street_id, is_joint_committee)"
                    " VALUES (:i, :c, :n, 'enterprise', :p, 2, :s, :j)",
                    i=ident,
                    c=code,
                    n=name,
                    p=parent,
                    s=street_id,
                    j=False,
                )
            # extreme values
            rec = q("SELECT min(id) FROM service_record WHERE street_id = :s", s=street_id).scalar_one()
            q("UPDATE service_record SET hours = 1e12, people_served = -5 WHERE id = :i", i=rec)
            q("UPDATE service_record SET started_at = '2999-01-01 09:00:00' WHERE id = :i", i=rec + 1)
            q("UPDATE service_record SET volunteers = -3, hours = -40 WHERE id = :i", i=rec + 2)
            act = q("SELECT min(id) FROM activity WHERE street_id = :s", s=street_id).scalar_one()
            q("UPDATE activity SET held_on = '2999-12-31', participants = -7 WHERE id = :i", i=act)
            q("UPDATE org_points SET points = -1e9 WHERE org_id = :i", i=comm[0].id)
            q(
                "UPDATE member_points SET points = 1e15 WHERE member_id IN (SELECT id FROM member WHERE street_id = :s)",
                s=street_id,
            )
            q("UPDATE facility SET people_fed = -100 WHERE street_id = :s", s=street_id)
            q("UPDATE building_group SET households = 2000000000 WHERE id = :i", i=groups[3].id)
            rollups.rebuild(conn)  # as an import would: the summary tables carry the damage too
    finally:
        engine.dispose()
    return {
        "street": street_code,
        "community": comm[0].code,
        "empty_community": comm[1].code,
        "groups": [g.code for g in groups[:5]],
    }
