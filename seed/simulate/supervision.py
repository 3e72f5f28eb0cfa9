"""The supervision system: tasks assigned to the district and the streets, some completed, some slipping."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Connection, insert, select, update

from data_access import models as m

from .. import names
from .reference import Reference
from .tick import Tick, Writer


class Supervision(Writer):
    """The supervision system's writes."""

    def _task_code(self, conn: Connection, year: int, org_code: str, org_id: int) -> str:
        """The next free code T{year}{org}{nn}, as the seed numbers an org's tasks of a year."""
        t = m.SupervisionTask.__table__
        prefix = f"T{year}{org_code}"
        if len(prefix) > 21:  # a long imported org code: fall back to the org's id
            prefix = f"T{year}O{org_id}"
        taken = conn.execute(select(t.c.code).where(t.c.code.like(f"{prefix}%"))).scalars().all()
        # LIKE treats _ and % in an imported org code as wildcards: keep only true prefix matches
        numbers = [int(c[len(prefix) :]) for c in taken if c.startswith(prefix) and c[len(prefix) :].isdigit()]
        return f"{prefix}{max(numbers, default=0) + 1:02d}"

    def _tasks(self, conn: Connection, ref: Reference, tick: Tick) -> None:
        """Tasks assigned to the district and the streets/town with a due date ahead; some completed.

        Tasks are completed at random among the open ones, so some reach their due date undone and turn
        overdue as the days pass, which is the warning the pages show.
        """
        t = m.SupervisionTask.__table__
        today = tick.now.date()
        for _ in range(tick.todo["task_open"]):
            if not ref.task_orgs:
                break
            org_id = ref.task_orgs[int(self.rng.integers(len(ref.task_orgs)))]
            org_code, _, street, community = ref.orgs[org_id]
            k = int(self.rng.integers(len(names.TASK_TITLES)))
            # most are given weeks; a few are due within days, and those are the ones that slip
            days = int(self.rng.integers(0, 3)) if self.rng.random() < 0.15 else int(self.rng.integers(7, 91))
            conn.execute(
                insert(t).values(
                    code=self._task_code(conn, today.year, org_code, org_id),
                    title=f"{today:%Y年%m月}专项督查：{names.TASK_TITLES[k]}",
                    aspect=names.TASK_ASPECTS[k % len(names.TASK_ASPECTS)],
                    org_id=org_id,
                    street_id=street,
                    community_id=community,
                    assigned_on=today,
                    due_on=today + timedelta(days=days),
                )
            )
            tick.counts["supervision_task+"] += 1
        for _ in range(tick.todo["task_complete"]):
            rows = conn.execute(
                select(t.c.id, t.c.due_on).where(t.c.completed_on.is_(None), t.c.assigned_on <= today).order_by(t.c.id)
            ).all()
            if not rows:
                break
            on_time = [r.id for r in rows if r.due_on >= today]
            late = [r.id for r in rows if r.due_on < today]
            pool = late if (late and (not on_time or self.rng.random() < 0.15)) else on_time
            task_id = pool[int(self.rng.integers(len(pool)))]
            stmt = update(t).where(t.c.id == task_id, t.c.completed_on.is_(None)).values(completed_on=today)
            tick.counts["supervision_task~"] += conn.execute(stmt).rowcount
