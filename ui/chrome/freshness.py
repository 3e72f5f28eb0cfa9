"""How fresh the figures are: caches that follow the data version, the refresher's stamp beside the
data-as-of, and the lag said plainly when the summaries are behind the database."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import streamlit as st

from data_access import cached
from data_access.guard import reset_places
from data_access.live.refresh import lag_limits

from .. import prebuilt
from ..labels import t

_seen: dict[str, int | None] = {"version": None}  # the data version this process's caches were filled at
_lock = threading.Lock()


def follow() -> dict:
    """The refresher's state; when the data version moved since this process last looked, every cached
    result is dropped first, so the run that notices reads the new figures (the state itself is cached
    for two seconds: one cheap query per process, whatever the number of viewers)."""
    fresh = cached.freshness()
    version = fresh.get("version")
    with _lock:
        moved = _seen["version"] is not None and version != _seen["version"]
        _seen["version"] = version
    if moved:
        cached.clear_results()
        reset_places()
        prebuilt.forget()
        fresh = cached.freshness()
    return fresh


def local_time(ts: datetime | None) -> datetime | None:
    """A naive UTC time of the refresher's, in the server's local time."""
    return ts.replace(tzinfo=UTC).astimezone().replace(tzinfo=None) if ts is not None else None


def refreshed_text(fresh: dict) -> str:
    """数据更新于 HH:MM:SS (with the date when it was not today)."""
    at = local_time(fresh.get("refreshed_at"))
    if at is None:
        return ""
    stamp = f"{at:%H:%M:%S}" if at.date() == datetime.now().date() else f"{at:%Y-%m-%d %H:%M}"
    return t("fresh_refreshed", t=stamp)


def _duration(seconds: float) -> str:
    minutes = max(1, round(seconds / 60))
    return t("fresh_minutes", n=minutes) if minutes < 120 else t("fresh_hours", n=round(minutes / 60))


def lag(fresh: dict, live: bool) -> tuple[str, str] | None:
    """(full sentence, short form) when the figures are behind the database, else None: a change has
    waited longer than the lag limit, or a live dataset's refresher has not looked for the stopped limit
    (data_access.live.refresh.lag_limits)."""
    warn, stopped = lag_limits()
    pending = fresh.get("pending_age")
    if pending is not None and pending > warn:
        return t("fresh_lag", m=_duration(pending)), t("fresh_lag_short", m=_duration(pending))
    beat = fresh.get("heartbeat_age")
    if live and beat is not None and beat > stopped:
        cut = fresh.get("cutoff")
        when = f"{cut:%H:%M}" if cut is not None else "—"
        return t("fresh_stopped", m=_duration(beat), t=when), t("fresh_lag_short", m=_duration(beat))
    return None


def notice(fresh: dict, live: bool) -> None:
    """The lag, said where a viewer reads the figures (nothing when they are current)."""
    behind = lag(fresh, live)
    if behind:
        st.warning(behind[0], icon="⏱️")
