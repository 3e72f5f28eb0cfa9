"""What fits its column but not reality, and what would change too much: an import stops on these unless the
operator confirms them (`--confirm-unusual`), because one typo can take over every page (an activity in 2071
moves the data date; one session of a billion hours becomes the hours tile) and a partial export would wipe
what it leaves out.

- Values outside a column's usual range (the `usual` bounds in the format spec: hours per session, people
  served, participants, households, points …).
- Dates before the Party existed (1921-07-01; birth dates before 1900) or after the import's own time
  (deadlines may lie up to ten years ahead).
- Against the dataset being replaced: a table that had rows and would have none, one that would lose more
  than half of at least MIN_ROWS_FOR_SHARE rows, and a data date that moves back or more than a year ahead.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import Engine, func, inspect, select

from data_access import models as m
from data_access.dataset_format.spec import ENTITIES

from .check import Checked
from .problems import Problem

EARLIEST = date(1921, 7, 1)
EARLIEST_BIRTH = date(1900, 1, 1)
AHEAD = {"due_on": timedelta(days=3653)}  # a deadline may lie ahead
MIN_ROWS_FOR_SHARE = 20
MAX_AS_OF_STEP = timedelta(days=366)


def _day(v: object) -> date | None:
    return v.date() if isinstance(v, datetime) else v if isinstance(v, date) else None


def unusual_values(checked: Checked, now: datetime) -> list[Problem]:
    found = []
    today = now.date()
    for t in checked.tables.values():
        for col in t.entity.cols:
            dated = col.kind in ("date", "datetime")
            if not dated and col.usual is None:
                continue
            earliest = EARLIEST_BIRTH if col.field == "birth_date" else EARLIEST
            latest = today + AHEAD.get(col.field, timedelta(0))  # after the import's own day: flagged
            for row in t.rows:
                v = row.v.get(col.field)
                if v is None or col.field in row.bad:
                    continue
                if dated:
                    d = _day(v)
                    if d is not None and not earliest <= d <= latest:
                        zh = f"日期不合常理（早于 {earliest} 或晚于 {latest}）"
                        en = f"implausible date (before {earliest} or after {latest})"
                        found.append(Problem(t.label, row.n, col.header, str(v), zh, en))
                elif not col.usual[0] <= float(v) <= col.usual[1]:
                    lo, hi = col.usual
                    zh = f"数值不合常理（通常在 {lo:,.0f}–{hi:,.0f} 之间）"
                    en = f"implausible value (usually {lo:,.0f}–{hi:,.0f})"
                    found.append(Problem(t.label, row.n, col.header, str(v), zh, en))
    return found


def current_dataset(engine: Engine) -> tuple[dict[str, int], date | None, bool]:
    """Rows per entity of the dataset now in the database (empty when there is none), its data date, and
    whether it is the generated demo (whose data date says nothing about an import's)."""
    have = set(inspect(engine).get_table_names())
    counts: dict[str, int] = {}
    meta: dict[str, str] = {}
    with engine.connect() as conn:
        for e in ENTITIES:
            if e.model.__tablename__ in have:
                counts[e.key] = conn.execute(select(func.count()).select_from(e.model.__table__)).scalar() or 0
        if m.DatasetMeta.__tablename__ in have:
            meta = dict(conn.execute(select(m.DatasetMeta.key, m.DatasetMeta.value)).tuples().all())
    try:
        as_of = date.fromisoformat(meta["as_of"]) if meta.get("as_of") else None
    except ValueError:
        as_of = None
    return counts, as_of, meta.get("is_demo") == "1"


def unusual_changes(
    before: dict[str, int],
    after: dict[str, int],
    as_of_before: date | None,
    as_of_after: date | None,
    as_of_from: tuple[str, int, str, object] | None = None,
) -> list[Problem]:
    """as_of_from: the cell the new data date was taken from (file, row, column, value), named when the
    date's jump is refused; None when the operator gave the date (--as-of)."""
    found = []
    for e in ENTITIES:
        old, new = before.get(e.key, 0), after.get(e.key, 0)
        if old and not new:
            zh = f"导入后「{e.sheet}」将被清空（现有 {old:,} 行）：是否只导出了部分数据？"
            found.append(
                Problem(e.key, None, None, None, zh, f"{e.key} would be emptied ({old:,} rows now): a partial export?")
            )
        elif old >= MIN_ROWS_FOR_SHARE and new < old / 2:
            zh = f"「{e.sheet}」将从 {old:,} 行减少到 {new:,} 行（减少一半以上）"
            en = f"{e.key} would shrink from {old:,} to {new:,} rows (by more than half)"
            found.append(Problem(e.key, None, None, None, zh, en))
    if as_of_before and as_of_after and not as_of_before <= as_of_after <= as_of_before + MAX_AS_OF_STEP:
        zh = f"数据截至日期将从 {as_of_before} 变为 {as_of_after}（倒退或前进超过一年）"
        en = f"the data date would move from {as_of_before} to {as_of_after} (back, or more than a year ahead)"
        if as_of_from is None:
            found.append(
                Problem("--as-of", None, None, str(as_of_after), zh + "，由 --as-of 指定", en + ", as --as-of says")
            )
        else:
            label, row, header, value = as_of_from
            found.append(
                Problem(
                    label,
                    row,
                    header,
                    str(value),
                    f"{zh}：数据中最晚的日期在这一行",
                    f"{en}: the latest date of the data is on this row",
                )
            )
    return found
