"""The party-member information system: activities with their participants, members joining and moving."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from sqlalchemy import Connection, delete, func, insert, select, update

from data_access import models as m

from .. import names
from ..people import ACTIVITIES, ACTIVITY_WEIGHTS, EDUCATION, PARTICIPATIONS, identity_number, rng_digit
from .reference import Reference
from .tick import Tick, Writer

EXTRA_PARTICIPANTS = PARTICIPATIONS / ACTIVITIES - 1  # beyond the one every activity has
MEMBER_LIVES_IN_GROUP_P = 0.9
RESIDENTIAL = ("community", "village")


class MemberSystem(Writer):
    """The member system's writes: 三会一课 and other activities, attendance fixes, joins and transfers."""

    def _org_members(self, conn: Connection, org_id: int) -> list[int]:
        """Ids of an org's members now (joins and transfers change them)."""
        mem = m.Member.__table__
        return conn.execute(select(mem.c.id).where(mem.c.org_id == org_id).order_by(mem.c.id)).scalars().all()

    def _activities(self, conn: Connection, ref: Reference, tick: Tick) -> None:
        """Party activities held today (三会一课, 主题党日 …), with their participants."""
        if not tick.todo["activity"] or not len(ref.activity_orgs):
            return
        a, ap = m.Activity.__table__, m.ActivityParticipation.__table__
        today = tick.now.date()
        kind_p = ACTIVITY_WEIGHTS / ACTIVITY_WEIGHTS.sum()
        for _ in range(tick.todo["activity"]):
            org_id = int(self.rng.choice(ref.activity_orgs, p=ref.activity_org_p))
            code, label = names.ACTIVITY_TYPES[int(self.rng.choice(len(names.ACTIVITY_TYPES), p=kind_p))]
            size = ref.activity_org_size[org_id]
            want = 1 + int(self.rng.poisson(EXTRA_PARTICIPANTS * size / ref.weighted_size))
            members = self._org_members(conn, org_id)
            if not members:
                continue
            _, kind, street, community = ref.orgs[org_id]
            groups = ref.groups_of_org.get(org_id, [])
            group = None
            if code == "group_meeting" and kind in RESIDENTIAL and groups:
                group = groups[int(self.rng.integers(len(groups)))]
            chosen = self.rng.choice(members, min(want, len(members)), replace=False)
            activity_id = conn.execute(
                insert(a).values(
                    org_id=org_id,
                    street_id=street,
                    community_id=community,
                    building_group_id=group,
                    kind=code,
                    title=f"{today:%Y年%m月}{label}",
                    held_on=today,
                    participants=len(chosen),
                )
            ).inserted_primary_key[0]
            conn.execute(insert(ap), [{"activity_id": activity_id, "member_id": int(x)} for x in sorted(chosen)])
            tick.counts["activity+"] += 1
            tick.counts["activity_participation+"] += len(chosen)

    def _participation_fixes(self, conn: Connection, tick: Tick) -> None:
        """An activity of the past week has its attendance corrected: someone added or struck off."""
        a, ap = m.Activity.__table__, m.ActivityParticipation.__table__
        today = tick.now.date()
        for _ in range(tick.todo["participation_fix"]):
            recent = conn.execute(
                select(a.c.id, a.c.org_id)
                .where(a.c.held_on >= today - timedelta(days=7), a.c.held_on <= today)
                .order_by(a.c.id.desc())
                .limit(20)
            ).all()
            if not recent:
                return
            activity_id, org_id = recent[int(self.rng.integers(len(recent)))]
            present = set(conn.execute(select(ap.c.member_id).where(ap.c.activity_id == activity_id)).scalars().all())
            absent = [x for x in self._org_members(conn, org_id) if x not in present]
            if absent and (len(present) <= 1 or self.rng.random() < 0.5):
                who = absent[int(self.rng.integers(len(absent)))]
                conn.execute(insert(ap).values(activity_id=activity_id, member_id=who))
                tick.counts["activity_participation+"] += 1
            elif len(present) > 1:
                gone = sorted(present)[int(self.rng.integers(len(present)))]
                stmt = delete(ap).where(ap.c.activity_id == activity_id, ap.c.member_id == gone)
                tick.counts["activity_participation-"] += conn.execute(stmt).rowcount
            else:
                continue
            count = select(func.count()).select_from(ap).where(ap.c.activity_id == activity_id).scalar_subquery()
            conn.execute(update(a).where(a.c.id == activity_id).values(participants=count))
            tick.counts["activity~"] += 1

    def _home_group(self, ref: Reference, community: int | None, current: int | None) -> int | None:
        """Where a member lives: their building group if it is in their home community, else one there."""
        if community is None:
            return None
        if current is not None and ref.group_community.get(current) == community:
            return current
        groups = ref.groups_of_community.get(community, [])
        if not groups or self.rng.random() >= MEMBER_LIVES_IN_GROUP_P:
            return None
        return groups[int(self.rng.integers(len(groups)))]

    def _member_joins(self, conn: Connection, ref: Reference, tick: Tick) -> None:
        """New members admitted today, in an org drawn by the seed's members-per-kind weights."""
        if not tick.todo["member_join"] or not len(ref.member_orgs):
            return
        mem = m.Member.__table__
        today = tick.now.date()
        for i in range(tick.todo["member_join"]):
            org_id = int(self.rng.choice(ref.member_orgs, p=ref.member_org_p))
            _, kind, street, community = ref.orgs[org_id]
            residential = kind in RESIDENTIAL
            age = int(np.clip(self.rng.normal(34, 9), 18, 70))  # those admitted are younger than the members
            birth = date.fromordinal(today.toordinal() - int(age * 365.25) - int(self.rng.integers(0, 365)))
            edu_p = [0.25, 0.3, 0.2, 0.22, 0.03] if residential else [0.03, 0.1, 0.27, 0.48, 0.12]
            employed = not residential and age < 60
            reported = None
            if employed and self.rng.random() < 0.85 and ref.wish_communities:
                reported = ref.wish_communities[int(self.rng.integers(len(ref.wish_communities)))]
            serial = int(self.rng.integers(0, 10**9))
            values = {
                "code": f"~sim{serial:09d}{i}",  # replaced by M{id} below, once the id is known
                "name": names.person_names(self.rng, 1)[0],
                "gender": "M" if self.rng.random() < 0.63 else "F",
                "birth_date": birth,
                "education": EDUCATION[int(self.rng.choice(len(EDUCATION), p=edu_p))],
                "joined_on": today,
                "org_id": org_id,
                "street_id": street,
                "community_id": community,
                "building_group_id": self._home_group(ref, community or reported, None),
                "is_employed": employed,
                "reported_community_id": reported,
                "phone": f"1{rng_digit(serial)}{serial:09d}"[:11],
                "id_number": identity_number(f"410103{birth:%Y%m%d}{serial % 1000:03d}"),
            }
            member_id = conn.execute(insert(mem).values(**values)).inserted_primary_key[0]
            code = f"M{member_id:07d}"
            if conn.execute(select(mem.c.id).where(mem.c.code == code)).first() is not None:
                code = f"M{member_id:07d}S"  # an imported dataset may use other codes; keep ours apart
            conn.execute(update(mem).where(mem.c.id == member_id).values(code=code))
            _open_spell(conn, member_id, street, community, values["building_group_id"], today)
            tick.counts["member+"] += 1

    def _member_transfers(self, conn: Connection, ref: Reference, tick: Tick) -> None:
        """Members moving their relationship to another org: its place keys come with it."""
        if not tick.todo["member_transfer"] or len(ref.member_orgs) < 2:
            return
        mem = m.Member.__table__
        lo, hi = conn.execute(select(func.min(mem.c.id), func.max(mem.c.id))).one()
        if lo is None:
            return
        for _ in range(tick.todo["member_transfer"]):
            start = int(self.rng.integers(lo, hi + 1))
            row = conn.execute(
                select(mem.c.id, mem.c.org_id, mem.c.reported_community_id, mem.c.building_group_id)
                .where(mem.c.id >= start)
                .order_by(mem.c.id)
                .limit(1)
            ).one_or_none()
            if row is None:
                continue
            org_id = row.org_id
            for _ in range(10):  # another org than the member's own (a few draws always find one)
                org_id = int(self.rng.choice(ref.member_orgs, p=ref.member_org_p))
                if org_id != row.org_id:
                    break
            if org_id == row.org_id:
                continue
            _, _, street, community = ref.orgs[org_id]
            group = self._home_group(ref, community or row.reported_community_id, row.building_group_id)
            stmt = update(mem).where(mem.c.id == row.id, mem.c.org_id == row.org_id)
            stmt = stmt.values(org_id=org_id, street_id=street, community_id=community, building_group_id=group)
            moved = conn.execute(stmt).rowcount
            if moved:  # the old place's spell ends today, the new one begins (data_access.history)
                sp = m.StockSpell.__table__
                conn.execute(
                    update(sp)
                    .where(sp.c.stock == "member", sp.c.ref_id == row.id, sp.c.valid_to.is_(None))
                    .values(valid_to=tick.now.date())
                )
                _open_spell(conn, row.id, street, community, group, tick.now.date())
            tick.counts["member~"] += moved


def _open_spell(conn: Connection, member_id: int, street, community, group, day: date) -> None:
    """A member's spell at a place, from day on: the member system's dated record of a join or transfer."""
    conn.execute(
        insert(m.StockSpell.__table__).values(
            stock="member",
            ref_id=member_id,
            street_id=street,
            community_id=community,
            building_group_id=group,
            valid_from=day,
        )
    )
