"""Like with like: a range ending inside a month (a live dataset's month in progress, to the data date) is
compared with the same days a year (or a period) earlier. The compared period's last month is whole in the
monthly summaries, so its sums count it by day (days to the end / days in the month: an approximation the
captions name); the small registers (wishes, events, joint meetings) count the very days; stocks are counted
on the same day. A range ending on a month's last day (the demo, as of 2017-09-30) keeps whole months."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pandas as pd
import pytest
from sqlalchemy import Connection, and_, func, select
from streamlit.testing.v1 import AppTest

from data_access import history
from data_access import models as m
from data_access.compare import day_span, last_compared, previous_period, with_last
from data_access.db import read_engine
from data_access.filters import Filters, last_month_share, month_end
from data_access.queries import explore, overview, stocks
from report.text import label
from ui.compare import days_caption

from .conftest import PROJECT

FIRST, LAST = date(2012, 10, 1), date(2017, 9, 30)  # the demo's span
MID = Filters(date(2017, 1, 1), date(2017, 9, 15))  # the year to a data date in mid-September
SUMMED = ("hours", "served", "activities", "participations", "requests")  # from the monthly summaries
COUNTED = ("wishes", "events", "joint_meetings")  # from their registers, day by day


@pytest.fixture(scope="module")
def conn(db_url):
    engine = read_engine(db_url)
    with engine.connect() as c:
        yield c
    engine.dispose()


def _between(col, start: date, end: date, timed: bool):
    if timed:
        return and_(col >= datetime.combine(start, time.min), col < datetime.combine(end + timedelta(days=1), time.min))
    return and_(col >= start, col <= end)


def raw(conn: Connection, start: date, end: date, street: int | None = None) -> dict[str, float]:
    """Every flow of the overview summed from the raw rows of the days start..end (a street's, or all)."""
    rec, act, req = m.ServiceRecord.__table__, m.Activity.__table__, m.ServiceRequest.__table__
    wish, ev, jm = m.MicroWish.__table__, m.ServiceEvent.__table__, m.JointMeeting.__table__

    def one(table, when, *values, timed=False):
        place = [table.c.street_id == street] if street else []
        return conn.execute(select(*values).where(_between(when, start, end, timed), *place)).one()

    hours, served = one(rec, rec.c.started_at, func.sum(rec.c.hours), func.sum(rec.c.people_served), timed=True)
    acts, parts = one(act, act.c.held_on, func.count(), func.sum(act.c.participants))
    (requests,) = one(req, req.c.ordered_at, func.count(), timed=True)
    (wishes,) = one(wish, wish.c.fulfilled_on, func.count())
    (events,) = one(ev, ev.c.held_on, func.count())
    (meetings,) = one(jm, jm.c.held_on, func.count())
    values = (hours, served, acts, parts, requests, wishes, events, meetings)
    return {k: float(v or 0) for k, v in zip((*SUMMED, *COUNTED), values)}


def prorated(conn: Connection, start: date, month: date, end: date, share: float, street=None) -> dict[str, float]:
    """What the documented rule gives: the whole months start..month-1 from the raw rows, the last month's
    raw sum × share for a summed flow; a register's flow over the very days start..end."""
    before = raw(conn, start, month - timedelta(days=1), street) if month > start else dict.fromkeys(SUMMED, 0.0)
    last_month = raw(conn, month, month_end(month), street)
    days = raw(conn, start, end, street)
    return {k: before[k] + share * last_month[k] for k in SUMMED} | {k: days[k] for k in COUNTED}


# ---------------------------------------------------------------- the compared period


def test_a_range_ending_inside_a_month_is_compared_with_the_same_days():
    before = previous_period(MID, "yoy", FIRST)
    assert (before.start, before.end, before.prorate) == (date(2016, 1, 1), date(2016, 9, 15), True)
    assert last_month_share(before) == 15 / 30 and last_month_share(MID) is None  # the current month: as it is
    pop = Filters(date(2016, 4, 1), date(2016, 12, 15), prorate=True)  # nine months back, to the same day
    assert previous_period(MID, "pop", FIRST) == pop
    dec = Filters(date(2026, 12, 1), date(2026, 12, 6))  # a month in progress against the one before it
    nov = previous_period(dec, "pop", date(2021, 12, 7))
    assert (nov.start, nov.end, nov.prorate, last_month_share(nov)) == (date(2026, 11, 1), date(2026, 11, 6), True, 0.2)
    leap = previous_period(Filters(date(2028, 1, 1), date(2028, 2, 29)), "yoy", FIRST)
    assert (leap.end, leap.prorate) == (date(2027, 2, 28), False)  # a shorter month: the whole of it
    # the last period of a time breakdown against the same days: a month, a quarter, a year
    assert last_compared(MID, "month", "yoy", FIRST) == Filters(date(2016, 9, 1), date(2016, 9, 15), prorate=True)
    assert last_compared(MID, "month", "pop", FIRST) == Filters(date(2017, 8, 1), date(2017, 8, 15), prorate=True)
    assert last_compared(MID, "quarter", "yoy", FIRST) == Filters(date(2016, 7, 1), date(2016, 9, 15), prorate=True)
    assert last_compared(MID, "year", "yoy", FIRST) == before
    assert day_span(before.start, before.end) == "2016-01-01—09-15"
    assert day_span(date(2016, 12, 1), date(2017, 1, 6)) == "2016-12-01—2017-01-06"


def test_a_range_ending_on_a_month_end_keeps_whole_months():
    ytd = Filters(date(2017, 1, 1), LAST)  # the demo's default
    assert previous_period(ytd, "yoy", FIRST) == Filters(date(2016, 1, 1), date(2016, 9, 30))
    assert not previous_period(ytd, "yoy", FIRST).prorate
    assert last_compared(ytd, "month", "yoy", FIRST) is None
    assert last_month_share(Filters(date(2016, 1, 1), date(2016, 9, 15))) is None  # only a compared period prorates


def test_the_last_period_of_a_time_breakdown_is_replaced_by_its_same_days():
    months = pd.to_datetime(["2016-08-01", "2016-09-01"])
    earlier = pd.DataFrame({"month": months, "value": [31.0, 30.0]})
    last = pd.DataFrame({"month": pd.to_datetime(["2016-09-01"]), "value": [15.0]})
    out = with_last(earlier, last, "month", date(2016, 9, 1)).set_index("month")["value"]
    assert out.to_dict() == {pd.Timestamp("2016-08-01"): 31.0, pd.Timestamp("2016-09-01"): 15.0}
    gone = with_last(earlier, last.iloc[:0], "month", date(2016, 9, 1))  # nothing those days: no whole month
    assert gone["month"].tolist() == [pd.Timestamp("2016-08-01")]


def test_the_caption_says_what_is_compared_and_how():
    before = previous_period(MID, "yoy", FIRST)
    zh = days_caption(lambda k, **kw: label(k, "zh", **kw), "zh", "同比", MID, before)
    assert zh.startswith("同比：2017-01-01—09-15 对 2016-01-01—09-15（9月按天折算") and "15/30" in zh
    assert "近似" in zh
    en = days_caption(lambda k, **kw: label(k, "en", **kw), "en", "YoY", MID, before)
    assert "2017-01-01—09-15 against 2016-01-01—09-15 (Sep prorated by day" in en and "15/30" in en


# ---------------------------------------------------------------- the figures, against the raw rows


def test_compared_flows_are_the_prorated_month_and_the_registers_same_days(conn):
    before = previous_period(MID, "yoy", FIRST)
    got = overview.kpis(conn, before)
    want = prorated(conn, date(2016, 1, 1), date(2016, 9, 1), date(2016, 9, 15), 15 / 30)
    for key in (*SUMMED, *COUNTED):
        assert got[key] == pytest.approx(want[key], rel=1e-9), key
    whole = raw(conn, date(2016, 1, 1), date(2016, 9, 30))
    assert got["hours"] < whole["hours"] - 1  # not the whole of September any more


def test_compared_stocks_are_counted_on_the_same_day(conn):
    before = previous_period(MID, "yoy", FIRST)
    day = stocks.stock_day(before, LAST)
    assert day == date(2016, 9, 15)
    since = history.history_from(overview.dataset_info(conn))
    on_day = stocks.counts_on(conn, before, day, since)
    at_month_end = stocks.counts_on(conn, before, date(2016, 9, 30), since)
    assert on_day != at_month_end  # the day matters (members join and leave within a fortnight)
    got = overview.kpis(conn, before)
    assert {k: got[k] for k in on_day} == on_day


def test_the_ranking_and_explore_compare_the_same_days(conn):
    before = previous_period(MID, "yoy", FIRST)
    ranking = overview.area_ranking(conn, before).set_index("area_id")
    for street in ranking.index[:3]:
        want = prorated(conn, date(2016, 1, 1), date(2016, 9, 1), date(2016, 9, 15), 0.5, street=int(street))
        for key in ("hours", "served", "activities", "requests"):
            assert ranking.loc[street, key] == pytest.approx(want[key], rel=1e-9), (street, key)
    assert ranking["hours"].sum() > 0
    for measure in ("hours", "requests", "activities", "wishes"):
        got = explore.explore(conn, before, measure, ())["value"].iloc[0]
        want = prorated(conn, date(2016, 1, 1), date(2016, 9, 1), date(2016, 9, 15), 0.5)
        assert got == pytest.approx(want[measure], rel=1e-9), measure
    by_street = explore.explore(conn, before, "hours", ("street",)).set_index("street")["value"]
    assert by_street.loc[int(ranking.index[0])] == pytest.approx(ranking["hours"].iloc[0], rel=1e-9)
    # a month breakdown's last month (1–15 September) against 1–15 August: August × 15/31
    last = last_compared(MID, "month", "pop", FIRST)
    month = explore.explore(conn, last, "hours", ("month",))
    aug = raw(conn, date(2017, 8, 1), date(2017, 8, 31))["hours"]
    assert month["month"].tolist() == [pd.Timestamp("2017-08-01")]
    assert month["value"].iloc[0] == pytest.approx(aug * 15 / 31, rel=1e-9)


def test_a_month_end_range_compares_whole_months_of_raw_rows(conn):
    before = previous_period(Filters(date(2017, 1, 1), LAST), "yoy", FIRST)
    got = overview.kpis(conn, before)
    want = raw(conn, date(2016, 1, 1), date(2016, 9, 30))
    for key in (*SUMMED, *COUNTED):
        assert got[key] == pytest.approx(want[key], rel=1e-9), key
    assert all(isinstance(got[k], int) for k in ("served", "activities", "participations", "requests"))


# ---------------------------------------------------------------- the page


def test_the_overview_says_it_compares_the_same_days(app_env, monkeypatch):
    """A live-like dataset (its data date mid-month): the caption names both spans and the prorated month."""
    import ui.chrome.shell as shell

    real = shell.date_bounds
    monkeypatch.setattr(shell, "date_bounds", lambda info: (real(info)[0], date(2017, 9, 15)))
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception
    captions = [c.value for c in at.caption]
    assert any(c.startswith("同比：2017-01-01—09-15 对 2016-01-01—09-15（9月按天折算") for c in captions), captions
    assert not any("对比期的同一月为整月" in c for c in captions)
