"""Numbers in one style (ui.numbers): separators, one rounding for charts and tables, durations a person
reads, changes in a rate in 百分点, shares shown as they are; and the pages that print them."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from streamlit.testing.v1 import AppTest

from ui import numbers as n

from .conftest import PROJECT

APP = str(PROJECT / "app.py")


def test_thousands_separators():
    assert n.count(25218) == "25,218"
    assert n.count(4_600_000) == "4,600,000"
    assert n.count(-1234) == "-1,234"
    assert n.number(417094.4) == "417,094"  # from 1,000 on, whole
    assert n.number(12.25) == "12.3"
    assert n.number(631) == "631"
    assert n.decimal(1234.56) == "1,234.6"
    assert n.count(None) == n.count(float("nan")) == "—"
    assert n.large(417094.5) == "41.7万" and n.large(417094.5, "en") == "417,095" and n.large(2_500_000, "en") == "2.50M"


def test_rounding_is_half_away_from_zero_like_the_charts():
    """d3-format (the charts) rounds with JavaScript's toFixed: halves away from zero on the exact binary
    value. Python's round() and pandas round halves to even: 417,094.5 gave 417,094 in the table beside a
    bar labelled 417,095."""
    assert round(417094.5) == 417094  # what the table did
    assert n.round_whole(417094.5) == 417095 and n.count(417094.5) == "417,095"
    assert n.round_whole(-2.5) == -3
    assert n.round_half_up(0.125, 2) == 0.13  # exact in binary: a true half, rounded up as toFixed does
    assert n.round_half_up(2.675, 2) == 2.67  # 2.67499999… in binary: toFixed gives 2.67 too
    assert n.whole([1.5, None, float("nan"), 2.4]) == [2, None, None, 2]


def test_durations_in_a_unit_a_person_reads():
    assert n.duration(27.5) == "27.5 小时"
    assert n.duration(48) == "2.0 天"
    assert n.duration(47.99) == "2.0 天"  # 48.0 小时 as shown: days
    assert n.duration(27828) == "1,159.5 天"
    assert n.duration(30, "en") == "30.0 h" and n.duration(72, "en") == "3.0 d"
    assert n.column_unit([3.0, 12.0, None]) == "h" and n.column_unit([3.0, 60.0]) == "d"
    assert n.in_unit(60.0, "d") == 2.5 and n.in_unit(None, "h") is None


def test_a_change_in_a_rate_is_in_percentage_points():
    assert n.points(0.44 - 0.40) == "+4.0个百分点"
    assert n.points(-0.004, "en") == "-0.4 pp"
    assert n.points(0.0) == "0.0个百分点"
    from ui.compare import arrow_text, metric_delta

    rate = metric_delta(0.44, 0.40, rate=True)
    assert rate["delta"] == "+4.0个百分点" and rate["delta_arrow"] == "up"  # not +10.0%
    assert metric_delta(0.44, 0.40)["delta"] == "+10.0%"  # a flow's change: relative
    assert arrow_text(0.40, 0.44, rate=True) == ("▼ 4.0个百分点", "down")


def test_signed_changes_and_shares():
    assert n.signed(1234.5) == "+1,235" and n.signed(-56) == "-56" and n.signed(0) == "0"
    assert n.signed_percent(0.1234) == "+12.3%" and n.signed_percent(0) == "0.0%"
    assert n.percent(0.9995) == "100.0%"
    # a share past 100 % is a fault in what was counted: shown as it is, never clipped to hide it
    assert n.percent(1.2) == "120.0%"


def _charts(at: AppTest) -> list[tuple[dict, object]]:
    out = []
    for el in at.get("vega_lite_chart"):
        arrow = el.proto.datasets[0].data.data if el.proto.datasets else el.proto.data.data
        out.append((json.loads(el.proto.spec), pa.ipc.open_stream(arrow).read_pandas()))
    return out


@pytest.fixture()
def overview(app_env) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page("pages/overview.py")
    at.run()
    assert not at.exception, at.exception
    return at


def test_overview_ranking_table_has_separators_and_the_charts_numbers(overview):
    """The ranking table prints with separators whatever the viewer's locale (printf %,d, not "localized"),
    and its hours are the very numbers the bar chart beside it labels."""
    table_el = [d for d in overview.dataframe if "服务时数" in d.value.columns and "地区" in d.value.columns]
    (table_el,) = table_el
    config = json.loads(table_el.proto.columns)
    formats = {k: v.get("type_config", {}).get("format") for k, v in config.items()}
    assert formats["服务时数"] == "%,d" and formats["党员"] == "%,d"
    table = table_el.value
    bars = [data for spec, data in _charts(overview) if {"area", "hours"} <= set(data.columns)]
    assert bars, "the ranking chart"
    chart = dict(zip(bars[0]["area"], bars[0]["hours"]))
    shown = dict(zip(table["地区"], table["服务时数"]))
    assert shown == chart
    assert all(float(v).is_integer() for v in shown.values())
