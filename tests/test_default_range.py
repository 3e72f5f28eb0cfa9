"""Pages open on 今年以来 (the year to the data date) compared 同比; the data's whole span is one click
(the filter bar's 全部) and one link (?range=all) away."""

from __future__ import annotations

import json
import re
from datetime import date

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data_access.compare import DEFAULT_MODE, previous_period
from data_access.filters import Filters, Places, default_filters, filters_to_params, parse_filters

from .conftest import PROJECT

FIRST, LAST = date(2012, 10, 1), date(2017, 9, 30)  # the demo's span (as of 2017-09-30)
NO_PLACES = Places(*(pd.DataFrame({"id": [], "code": [], "name": []}) for _ in range(3)))
APP = str(PROJECT / "app.py")


def test_default_is_the_year_to_the_data_date_compared_with_last_year():
    f, notices = parse_filters({}, NO_PLACES, FIRST, LAST)
    assert not notices
    assert f == default_filters(FIRST, LAST) == Filters(date(2017, 1, 1), date(2017, 9, 30))
    assert DEFAULT_MODE == "yoy"
    assert previous_period(f, DEFAULT_MODE, FIRST) == Filters(date(2016, 1, 1), date(2016, 9, 30))
    assert filters_to_params(f, NO_PLACES, FIRST, LAST) == {}  # the default leaves the link bare


def test_live_dataset_opens_on_this_year_to_today():
    first, today = date(2020, 12, 7), date(2025, 12, 6)  # a live dataset's span ends today
    f, _ = parse_filters({}, NO_PLACES, first, today)
    assert (f.start, f.end) == (date(2025, 1, 1), today)


def test_the_whole_span_is_one_link_away():
    f, notices = parse_filters({"range": "all"}, NO_PLACES, FIRST, LAST)
    assert not notices and (f.start, f.end) == (FIRST, LAST)
    assert previous_period(f, "yoy", FIRST) is None  # five years have nothing before them to compare with
    assert filters_to_params(f, NO_PLACES, FIRST, LAST) == {"range": "all"}
    assert filters_to_params(Filters(date(2016, 1, 1), LAST), NO_PLACES, FIRST, LAST) == {"from": "2016-01-01"}
    for g in (Filters(FIRST, date(2015, 6, 30)), Filters(date(2016, 1, 1), date(2016, 12, 31)), f):
        assert parse_filters(filters_to_params(g, NO_PLACES, FIRST, LAST), NO_PLACES, FIRST, LAST)[0] == g


def test_dates_in_a_link_win_and_a_bad_range_is_reported():
    f, _ = parse_filters({"from": "2016-03-05", "range": "all"}, NO_PLACES, FIRST, LAST)
    assert (f.start, f.end) == (date(2016, 3, 1), LAST)  # a link from before the presets: to the data's end
    f, notices = parse_filters({"range": "<b>"}, NO_PLACES, FIRST, LAST)
    assert f == default_filters(FIRST, LAST)
    assert [(n.key, n.reason) for n in notices] == [("range", "bad_range")]


# ---------------------------------------------------------------- the app


def _run(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


# 党内活动 is not among them: the demo's activities are recorded from 2016-09 (docs/meetings.md), so the
# year before the data date's has no whole months of them to compare with and the tile says so
FLOWS = ("志愿服务时数", "服务人次", "志愿服务活动", "联席会议", "居民点单", "微心愿实现")


def test_overview_without_parameters_shows_changes_on_its_flows(app_env):
    at = _run()
    f = at.session_state["_filters"]
    assert (f.start, f.end) == (date(2017, 1, 1), date(2017, 9, 30))
    assert "2017-01-01 — 2017-09-30" in " ".join(c.value for c in at.caption)
    assert any("同比" in c.value and "2016-01 — 2016-09" in c.value for c in at.caption)
    deltas = {m.label: m.proto.delta for m in at.metric}
    for label in FLOWS:
        assert re.fullmatch(r"[+-]?[\d,]+\.\d%", deltas[label]), (label, deltas[label])
    assert at.segmented_control(key="_w_range").value == "ytd"
    assert "range" not in at.query_params and "from" not in at.query_params


def test_the_whole_span_by_link_and_by_one_click(app_env):
    linked = _run({"range": "all"})
    f = linked.session_state["_filters"]
    assert (f.start, f.end) == (FIRST, LAST)
    tiles = {m.label: m.value for m in linked.metric}
    assert tiles["党内活动"] == "3,677"  # the report's figure covers the whole span
    assert linked.segmented_control(key="_w_range").value == "all"

    at = _run()
    assert {m.label: m.value for m in at.metric}["党内活动"] != "3,677"
    at.segmented_control(key="_w_range").set_value("all").run()
    assert at.session_state["_filters"] == f
    assert at.query_params["range"] in ("all", ["all"])
    assert {m.label: m.value for m in at.metric} == tiles
    at.segmented_control(key="_w_range").set_value("ytd").run()
    assert "range" not in at.query_params


@pytest.mark.parametrize("page", ["pages/briefing.py", "pages/explore.py"])
def test_wall_and_explore_open_on_the_year_to_date(app_env, page):
    at = _run()
    at.switch_page(page).run()
    assert not at.exception
    f = at.session_state["_filters"]
    assert (f.start, f.end) == (date(2017, 1, 1), date(2017, 9, 30))
    if page == "pages/briefing.py":
        body = " ".join(str(h.proto.body) for h in at.get("html"))
        changes = re.findall(r'data-kpi="kpi_(hours|served)".*?data-change="(\w+)"', body)
        assert len(changes) == 2 and all(cls in ("up", "down") for _k, cls in changes), changes
    else:
        assert any("同比" in c.value and "2016-01 — 2016-09" in c.value for c in at.caption)


# ---------------------------------------------------------------- the wall holds no notices


def _first_start(monkeypatch) -> list[int]:
    """The app finds no database and builds one (instantly): its first-start progress box is drawn."""
    import ui.chrome.shell as shell

    built: list[int] = []
    monkeypatch.setattr(shell, "recently_checked", lambda url: False)
    monkeypatch.setattr(shell, "database_ready", lambda url: bool(built))
    monkeypatch.setattr(shell, "ensure_demo_database", lambda url, step: (step(1.0, "ok"), built.append(1)))
    return built


def _banners(at: AppTest) -> list[str]:
    return [s.label for s in at.status]


def test_the_wall_shows_no_first_start_banner(app_env, monkeypatch):
    built = _first_start(monkeypatch)
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page("pages/briefing.py").run()
    assert not at.exception and built == [1]
    assert _banners(at) == []
    body = " ".join(str(h.proto.body) for h in at.get("html"))
    assert 'class="brief-bar"' in body  # the wall itself was drawn


def test_a_page_keeps_its_first_start_banner(app_env, monkeypatch):
    built = _first_start(monkeypatch)
    at = _run()
    assert built == [1] and _banners(at) == ["示例数据库已生成"]


def test_a_bad_link_on_the_wall_is_a_toast_not_a_banner(app_env):
    assert any("range=forever" in w.value for w in _run({"range": "forever"}).warning)  # a page: a warning
    wall = AppTest.from_file(APP, default_timeout=120)
    wall.query_params["range"] = "forever"
    wall.switch_page("pages/briefing.py").run()
    assert not wall.exception
    assert not wall.warning
    assert any("range=forever" in toast.value for toast in wall.toast)


# ---------------------------------------------------------------- the month in progress


def _months(last: date, n: int) -> pd.DataFrame:
    months = pd.date_range(end=pd.Timestamp(last.replace(day=1)), periods=n, freq="MS")
    return pd.DataFrame({"month": months, "hours": [1000.0] * (n - 1) + [190.0]})


def _layers(spec: dict) -> list[dict]:
    return spec.get("layer", [])


def test_a_month_in_progress_is_drawn_apart_with_its_days():
    from data_access.filters import month_in_progress
    from ui import charts

    today = date(2025, 12, 6)  # a live dataset: the data ends today, six days into December
    f = default_filters(date(2020, 12, 7), today)
    assert month_in_progress(f, today) == today
    assert month_in_progress(Filters(date(2025, 1, 1), date(2025, 11, 30)), today) is None  # the range ends before
    assert month_in_progress(default_filters(FIRST, LAST), LAST) is None  # a month's last day: the month is whole

    df = charts.month_in_progress(_months(today, 12), today)
    assert df["partial"].tolist() == [False] * 11 + [True]
    assert df["month_text"].iloc[-1] == "2025-12（截至6日，未满月）" and df["month_text"].iloc[0] == "2025-01"
    for spec in (
        charts.monthly_lines(df, "hours", "时数").to_dict(),
        charts.sparkline(df.rename(columns={"hours": "value"}), "value", "时数").to_dict(),
    ):
        layers = _layers(spec)
        lines = [x for x in layers if x["mark"]["type"] in ("line", "area")]
        assert lines and all(x["transform"] == [{"filter": "!datum.partial"}] for x in lines)  # never joined
        points = [x for x in layers if x["mark"]["type"] == "point"]
        assert len(points) == 1 and points[0]["transform"] == [{"filter": "datum.partial"}]
        assert points[0]["mark"]["fill"] == "white"  # hollow
        assert '"field": "month_text"' in json.dumps(spec)  # the tooltip names the month with its days
    whole = charts.month_in_progress(_months(date(2025, 11, 30), 11), None)
    assert not whole["partial"].any()


def test_the_overview_marks_the_month_in_progress(app_env, monkeypatch):
    """A live-like dataset (its data date mid-month): the trends and sparklines say which month is partial."""
    import ui.chrome.shell as shell

    real = shell.date_bounds
    monkeypatch.setattr(shell, "date_bounds", lambda info: (real(info)[0], date(2017, 9, 15)))
    at = _run()
    f = at.session_state["_filters"]
    assert (f.start, f.end) == (date(2017, 1, 1), date(2017, 9, 15))
    assert any("截至 2017-09-15" in c.value and "未满月" in c.value for c in at.caption)
    charts = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    marked = [s for s in charts if any(x.get("transform") == [{"filter": "datum.partial"}] for x in _layers(s))]
    assert len(marked) >= 6  # two trends and four sparklines (activities, hours, served, requests)


def test_the_volunteer_page_frames_the_month_in_progress(app_env, monkeypatch):
    """The month × category heat map on a live-like dataset: the last month's column framed dashed (its pale
    cells are days still to come, not a fall), its days in the caption; a whole month is not framed."""
    import ui.chrome.shell as shell

    real = shell.date_bounds
    for last, framed in ((date(2017, 9, 15), True), (date(2017, 9, 30), False)):
        monkeypatch.setattr(shell, "date_bounds", lambda info, last=last: (real(info)[0], last))
        at = AppTest.from_file(APP, default_timeout=120)
        at.switch_page("pages/volunteers.py").run()
        assert not at.exception, at.exception
        specs = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
        heat = [s for s in specs if any(x.get("mark", {}).get("type") == "rect" for x in _layers(s))]
        frames = [
            x
            for s in heat
            for x in _layers(s)
            if x.get("transform") == [{"filter": "datum.partial"}] and x["mark"].get("strokeDash")
        ]
        assert len(frames) == (1 if framed else 0), frames
        said = any("2017-09-15" in c.value for c in at.caption)
        assert said == framed
