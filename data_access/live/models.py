"""Bookkeeping of a live database: the change journal the triggers write, the refresher's state and its runs.

Other programs write the dataset tables; triggers (data_access.live.capture) append what they touched to
`change_journal`; the refresher (data_access.live.refresh) consumes it, recomputes the summary rows those
changes touch and moves `refresh_state` on. The sign-in attempts every server process counts live here too.
None of these tables is part of the dataset: an import leaves them alone and the row counts skip them.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, DateTime, Float, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base


class ChangeJournal(Base):
    """What a write touched: the table, the kind of change and the keys the summaries are grouped by.

    op: I insert, D delete, O / N the old and new image of an update. `n` is the number of rows the
    entry stands for (1 on SQLite's row triggers; PostgreSQL's statement triggers group a statement's
    rows by their keys). `changed_at` is UTC, set by the database.
    """

    __tablename__ = "change_journal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    table_name: Mapped[str] = mapped_column(String(40))
    op: Mapped[str] = mapped_column(String(1))
    month: Mapped[date | None] = mapped_column(Date)
    street_id: Mapped[int | None] = mapped_column(Integer)
    community_id: Mapped[int | None] = mapped_column(Integer)
    building_group_id: Mapped[int | None] = mapped_column(Integer)
    org_id: Mapped[int | None] = mapped_column(Integer)
    member_id: Mapped[int | None] = mapped_column(Integer)
    n: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(DateTime)


class RefreshState(Base):
    """One row (id 1): how far the summaries are. `version` moves whenever a refresh changed something
    (pages compare it to drop their caches); times are UTC except `cutoff`, the instant requests are
    judged at (naive local time, like the data)."""

    __tablename__ = "refresh_state"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
    refreshed_at: Mapped[datetime] = mapped_column(DateTime)  # the last refresh that changed something
    heartbeat_at: Mapped[datetime] = mapped_column(DateTime)  # the last time a refresher looked
    cutoff: Mapped[datetime | None] = mapped_column(DateTime)
    full_at: Mapped[datetime | None] = mapped_column(DateTime)  # the last full rebuild
    drift: Mapped[str | None] = mapped_column(Text)  # what the last full rebuild found different, or null


class RefreshRun(Base):
    """One refresher run that did something (the data page lists the latest; older ones are pruned)."""

    __tablename__ = "refresh_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(12))  # incremental / full / import / seed
    started_at: Mapped[datetime] = mapped_column(DateTime)  # UTC
    seconds: Mapped[float] = mapped_column(Float)
    changes: Mapped[int] = mapped_column(Integer)  # journal rows consumed (rows written by others)
    groups: Mapped[int] = mapped_column(Integer)  # month × place groups recomputed
    rows_written: Mapped[int] = mapped_column(Integer)  # summary rows replaced
    lag_seconds: Mapped[float | None] = mapped_column(Float)  # oldest change consumed → commit
    drift: Mapped[str | None] = mapped_column(Text)


class SignInAttempt(Base):
    """One password sign-in attempt (data_access.attempts): kept in the shared database, so every server
    process counts the same attempts. `at` is epoch seconds; `client` the address the attempt came from."""

    __tablename__ = "sign_in_attempt"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[float] = mapped_column(Float)
    login: Mapped[str] = mapped_column(String(254))
    client: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    __table_args__ = (Index("ix_attempt_login", "login", "at"), Index("ix_attempt_client", "client", "at"))


# Not part of the dataset: no change capture, left alone by an import, not in the row counts.
BOOKKEEPING = ("change_journal", "refresh_state", "refresh_run", "sign_in_attempt")
