"""AppTest: the app starts, the overview shows the data's own figures, the URL carries the filters."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_access.db import read_engine
from seed.generator import SeedConfig

from .conftest import PROJECT, clear_caches, point_app_at, seed_into

APP = str(PROJECT / "app.py")


def run_app(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, at.exception
    return at


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_overview_shows_published_figures(app_env):
    t = tiles(run_app({"range": "all"}))  # the report's flows cover the data's whole span
    assert t["基层党组织"] == "631"
    assert t["党员"] == "25,218"
    assert t["楼院党小组"] == "838"
    assert t["志愿服务队"] == "264"
    assert t["志愿服务站"] == "166"
    assert t["党群服务中心"] == "56"
    assert t["社区小厨房"] == "30"
    assert t["党内活动"] == "3,677"
    assert t["大工委 / 大党委"] == "14 / 107"
    assert t["联席会议"] == "251"


def test_every_page_runs(app_env):
    at = run_app()
    from ui.chrome.shell import PAGES

    for path, _key in PAGES:
        at.switch_page(path).run()
        assert not at.exception, path
        assert not at.error, path


def test_bad_url_values_are_dropped_with_a_notice(app_env):
    at = run_app({"street": "S99", "from": "not-a-date", "lang": "xx"})
    notices = " ".join(w.value for w in at.warning)
    assert "S99" in notices and "not-a-date" in notices and "lang=xx" in notices
    assert tiles(at)["基层党组织"] == "631"  # fell back to the whole district
    assert "street" not in at.query_params and "from" not in at.query_params


def test_filter_choice_goes_to_the_url_and_narrows_tiles(app_env):
    at = run_app()
    engine = read_engine(app_env)
    with engine.connect() as conn:
        sid, code = conn.execute(text("SELECT id, code FROM org WHERE code = 'S03'")).one()
        members = conn.execute(text("SELECT count(*) FROM member WHERE street_id = :s"), {"s": sid}).scalar()
    engine.dispose()
    at.selectbox(key="_w_street").set_value(sid).run()
    assert at.query_params["street"] == [code] or at.query_params["street"] == code
    assert tiles(at)["党员"] == f"{members:,}"


def test_deep_link_matches_navigation(app_env):
    linked = run_app({"community": "S03C02", "from": "2016-01-01"})
    at = run_app()
    at.selectbox(key="_w_street").set_value(int(linked.session_state["_filters"].street_id)).run()
    at.selectbox(key="_w_community").set_value(int(linked.session_state["_filters"].community_id)).run()
    at.date_input(key="_w_dates").set_value(
        (linked.session_state["_filters"].start, linked.session_state["_filters"].end)
    ).run()
    assert tiles(at) == tiles(linked)


def test_english_labels(app_env):
    t = tiles(run_app({"lang": "en"}))
    assert t["Grassroots party orgs"] == "631"


def test_demo_badge_and_as_of(app_env):
    at = run_app()
    html = " ".join(str(h.proto.body) for h in at.get("html"))
    assert "示例数据" in html and "2017-09-30" in html


def test_tiles_follow_a_different_database(tmp_path, monkeypatch):
    """A smaller, differently seeded database: the tiles show its own counts, nothing hard-coded."""
    url = f"sqlite:///{tmp_path / 'small.sqlite'}"
    seed_into(url, SeedConfig(scale=0.05, seed=7))
    point_app_at(monkeypatch, url)
    t = tiles(run_app({"range": "all"}))  # the flows below are summed over every row
    engine = read_engine(url)
    with engine.connect() as conn:
        q = lambda sql: conn.execute(text(sql)).scalar()  # noqa: E731
        assert t["党员"] == f"{q('SELECT count(*) FROM member'):,}"
        assert t["志愿者"] == f"{q('SELECT count(*) FROM volunteer'):,}"
        assert t["党内活动"] == f"{q('SELECT count(*) FROM activity'):,}"
        assert t["服务人次"] == f"{q('SELECT sum(people_served) FROM service_record'):,}"
    engine.dispose()
    clear_caches()


@pytest.mark.parametrize("url", ["postgresql+psycopg://nobody@127.0.0.1:1/none", "sqlite:////nonexistent/dir/x.sqlite"])
def test_unreachable_database_shows_a_message_not_a_traceback(monkeypatch, url):
    import streamlit as st

    point_app_at(monkeypatch, url)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert at.error and ("数据库" in at.error[0].value)
    assert "127.0.0.1" not in at.error[0].value and "nonexistent" not in at.error[0].value
    st.cache_resource.clear()


def test_recovers_when_the_database_comes_back(tmp_path, monkeypatch, sqlite_url):
    import shutil

    from sqlalchemy import make_url

    target = tmp_path / "later.sqlite"
    point_app_at(monkeypatch, f"sqlite:///{target}")
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception and at.error and not at.metric
    shutil.copy(make_url(sqlite_url).database, target)  # the database returns
    at.button(key="db_retry").click().run()
    assert not at.exception and not at.error
    assert tiles(at)["基层党组织"] == "631"
    clear_caches()


def test_page_texts_do_not_collide():
    """Each room keeps its labels in its own ui/<room>/text.py module (the chrome in ui/chrome/*_text.py); a
    key two modules define differently would silently relabel the other page."""
    import importlib
    import pkgutil

    import ui

    seen: dict[str, tuple[str, tuple[str, str]]] = {}
    modules = {
        info.name: importlib.import_module(info.name)
        for info in pkgutil.walk_packages(ui.__path__, "ui.")
        if info.name.rsplit(".", 1)[-1] == "text" or info.name.endswith("_text")
    }
    modules = {name: module for name, module in modules.items() if hasattr(module, "TEXT")}  # not safe_text
    assert len(modules) >= 7, sorted(modules)
    for name, module in modules.items():
        for key, value in module.TEXT.items():
            assert key not in seen or seen[key][1] == value, f"{key}: {seen[key][0]} and {name} differ"
            seen[key] = (name, value)
