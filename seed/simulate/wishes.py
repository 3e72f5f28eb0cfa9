"""The micro-wish system: residents post wishes, members claim and fulfil them."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from data_access import models as m

from .reference import Reference
from .tick import Tick, Writer


class MicroWishes(Writer):
    """The micro-wish system's writes."""

    def _wishes(self, conn: Connection, ref: Reference, tick: Tick) -> None:
        """Residents post micro-wishes; members claim them and, days later, fulfil them."""
        w, mem = m.MicroWish.__table__, m.Member.__table__
        today = tick.now.date()
        for _ in range(tick.todo["wish_post"]):
            if not ref.wish_communities:
                break
            community = ref.wish_communities[int(self.rng.integers(len(ref.wish_communities)))]
            groups = ref.groups_of_community[community]
            thing = ref.wish_things[int(self.rng.integers(len(ref.wish_things)))]
            conn.execute(
                insert(w).values(
                    title=f"{ref.place_label[community]}居民微心愿：{thing}",
                    street_id=ref.orgs[community][2],
                    community_id=community,
                    building_group_id=groups[int(self.rng.integers(len(groups)))],
                    posted_on=today,
                )
            )
            tick.counts["micro_wish+"] += 1
        for _ in range(tick.todo["wish_claim"]):
            open_ = conn.execute(
                select(w.c.id, w.c.community_id)
                .where(w.c.claimed_by.is_(None), w.c.posted_on <= today)
                .order_by(w.c.id)
            ).all()
            if not open_:
                break
            wish_id, community = open_[int(self.rng.integers(len(open_)))]
            near = conn.execute(select(mem.c.id).where(mem.c.community_id == community).order_by(mem.c.id))
            pool = near.scalars().all() or conn.execute(select(mem.c.id).order_by(mem.c.id).limit(1000)).scalars().all()
            if not pool:
                break
            stmt = update(w).where(w.c.id == wish_id, w.c.claimed_by.is_(None))
            stmt = stmt.values(claimed_by=pool[int(self.rng.integers(len(pool)))], claimed_on=today)
            tick.counts["micro_wish~"] += conn.execute(stmt).rowcount
        for _ in range(tick.todo["wish_fulfil"]):
            claimed = (
                conn.execute(
                    select(w.c.id)
                    .where(w.c.claimed_by.is_not(None), w.c.fulfilled_on.is_(None), w.c.claimed_on <= today)
                    .order_by(w.c.id)
                )
                .scalars()
                .all()
            )
            if not claimed:
                break
            wish_id = claimed[int(self.rng.integers(len(claimed)))]
            stmt = update(w).where(w.c.id == wish_id, w.c.fulfilled_on.is_(None)).values(fulfilled_on=today)
            tick.counts["micro_wish~"] += conn.execute(stmt).rowcount
