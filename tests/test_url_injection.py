"""SQL injection and markup in every URL parameter: nothing executed, nothing rendered, a clear notice,
and the filters stay at their defaults."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, text
from streamlit.testing.v1 import AppTest

from seed.generator import SeedConfig
from ui.chrome.shell import PAGES

from .conftest import PROJECT, clear_caches, point_app_at, seed_into
from .test_bad_rows import assert_nothing_rendered_as_markup

APP = str(PROJECT / "app.py")
PAYLOADS = [
    "' OR 1=1 --",
    "1; DROP TABLE org",
    "S03'; DELETE FROM member; --",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "![x](http://example.com/x.png)",
]
# every parameter the app reads: the shared filters, language, kiosk, and each page's own
SHARED = ("street", "community", "bg", "from", "to", "lang", "cmp")
PAGE_PARAMS = {
    "pages/overview.py": (),
    "pages/organization.py": ("org", "kind"),
    "pages/grid_map.py": ("sel",),
    "pages/volunteers.py": ("vcat",),
    "pages/data.py": (),
    "pages/briefing.py": (),
    "pages/explore.py": ("measure", "by", "chart", "places"),
}


@pytest.fixture(scope="module")
def small_url(tmp_path_factory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('inj') / 'small.sqlite'}"
    seed_into(url, SeedConfig(scale=0.02))
    return url


def table_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar_one()
                for t in ("org", "member", "service_record")
            }
    finally:
        engine.dispose()


@pytest.fixture()
def env(small_url, monkeypatch):
    point_app_at(monkeypatch, small_url)
    yield small_url
    clear_caches()


@pytest.mark.parametrize("payload", PAYLOADS)
@pytest.mark.parametrize("path", [path for path, _key in PAGES])
def test_hostile_url_values_change_nothing(env, path, payload):
    before = table_counts(env)
    at = AppTest.from_file(APP, default_timeout=120)
    at.run()  # the router, then the page with every parameter poisoned
    default = at.session_state["_filters"]
    at = AppTest.from_file(APP, default_timeout=120)
    for key in (*SHARED, *PAGE_PARAMS[path]):  # KeyError for a new page: add its parameters above
        at.query_params[key] = payload
    at.run()
    shared_notices = " ".join(w.value for w in at.warning)
    for key in SHARED:
        assert f"{key}=" in shared_notices, f"no notice for {key}: {shared_notices}"
    assert_nothing_rendered_as_markup(at)
    at.switch_page(path).run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.error, [e.value for e in at.error]
    assert at.session_state["_filters"] == default, "a bad value changed the filters"
    if PAGE_PARAMS[path]:  # a page missing from PAGE_PARAMS fails here: list its own parameters there
        assert at.warning, f"no notice for {PAGE_PARAMS[path]} on {path}"
    assert_nothing_rendered_as_markup(at)
    assert table_counts(env) == before


@pytest.mark.parametrize("payload", PAYLOADS[:2] + PAYLOADS[3:5])
def test_hostile_kiosk_cycle(env, payload):
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params["kiosk"] = "1"
    at.query_params["cycle"] = payload
    at.run()
    assert not at.exception
    # the first stop is the wall: a dropped value is a toast over the layout there, not a warning
    assert not at.warning
    assert "cycle=" in " ".join(n.value for n in at.toast)
    assert at.session_state["_kiosk"]["cycle"] == 30  # the playlist's default
    assert_nothing_rendered_as_markup(at)
