"""同比 / 环比 arithmetic: the compared period and the change, at the data's edges."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from data_access.compare import add_months, change, over_time, previous_period, reach_back, with_previous
from data_access.filters import Filters

FIRST = date(2012, 10, 1)


def test_compared_periods():
    f = Filters(date(2016, 10, 1), date(2017, 9, 30))
    assert previous_period(f, "yoy", FIRST) == Filters(date(2015, 10, 1), date(2016, 9, 30))
    assert previous_period(f, "pop", FIRST) == Filters(date(2015, 10, 1), date(2016, 9, 30))
    q = Filters(date(2017, 7, 1), date(2017, 9, 30))
    assert previous_period(q, "yoy", FIRST) == Filters(date(2016, 7, 1), date(2016, 9, 30))
    assert previous_period(q, "pop", FIRST) == Filters(date(2017, 4, 1), date(2017, 6, 30))
    feb = Filters(date(2016, 3, 1), date(2016, 3, 31))
    assert previous_period(feb, "pop", FIRST) == Filters(date(2016, 2, 1), date(2016, 2, 29))  # a leap February
    assert previous_period(Filters(FIRST, date(2017, 9, 30)), "yoy", FIRST) is None  # before the data
    assert previous_period(Filters(date(2013, 9, 1), date(2013, 9, 30)), "yoy", FIRST) is None
    assert previous_period(Filters(date(2013, 10, 1), date(2013, 10, 31)), "yoy", FIRST) is not None
    assert add_months(date(2017, 1, 15), -1) == date(2016, 12, 1)


def test_a_change_that_cannot_be_computed_is_none_never_zero_or_infinite():
    assert change(120, 100) == (20.0, 0.2)
    assert change(5, 0) == (5.0, None)
    assert change(5, None) == (None, None)
    assert change(float("nan"), 3) == (None, None)
    assert change(0, 0) == (0.0, None)


def test_rows_meet_their_compared_rows_by_key():
    cur = pd.DataFrame({"street": [1, 2, 3], "value": [10.0, 20.0, 5.0]})
    prev = pd.DataFrame({"street": [1, 2], "value": [5.0, 0.0]})
    out = with_previous(cur, prev, ["street"]).set_index("street")
    assert out.loc[1, "pct"] == 1.0 and out.loc[1, "change"] == 5.0
    assert math.isnan(out.loc[2, "pct"])  # against zero: no percentage
    assert math.isnan(out.loc[3, "previous"])  # nothing then


def test_each_period_against_a_year_before_or_the_one_before():
    months = pd.date_range("2012-10-01", "2014-12-01", freq="MS")
    frame = pd.DataFrame({"month": months, "value": [float(i) for i in range(len(months))]})
    f = Filters(date(2013, 10, 1), date(2014, 12, 31))
    current = frame[frame["month"] >= "2013-10-01"]
    earlier = frame[frame["month"] >= pd.Timestamp(reach_back(f, "month", "yoy", FIRST).start)]
    yoy = over_time(current, earlier, "month", "yoy", [], FIRST).set_index("month")
    assert yoy.loc["2013-10-01", "previous"] == 0.0 and yoy.loc["2014-12-01", "change"] == 12.0
    pop = over_time(current, frame, "month", "pop", [], FIRST).set_index("month")
    assert pop.loc["2013-10-01", "change"] == 1.0
    years = pd.DataFrame({"year": pd.to_datetime(["2012-01-01", "2013-01-01", "2014-01-01"]), "value": [3.0, 40, 50]})
    by_year = over_time(years, years, "year", "yoy", [], FIRST).set_index("year")
    assert math.isnan(by_year.loc["2013-01-01", "previous"])  # 2012 holds only the data's first quarter
    assert by_year.loc["2014-01-01", "previous"] == 40


def test_the_excel_download_holds_the_table_and_no_formula():
    """The explore table's .xlsx: the same rows, and a name that looks like a formula stays text."""
    import io

    from ui.chrome.export import xlsx_bytes

    frame = pd.DataFrame({"社区/村": ["向阳社区", '=HYPERLINK("x")'], "志愿服务时数": [12.0, 3.5]})
    back = pd.read_excel(io.BytesIO(xlsx_bytes(frame)), engine="openpyxl")
    assert list(back.columns) == ["社区/村", "志愿服务时数"]
    assert back["志愿服务时数"].tolist() == [12.0, 3.5]
    assert back["社区/村"].tolist() == ["向阳社区", '\'=HYPERLINK("x")']
