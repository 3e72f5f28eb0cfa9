"""No page reads the big raw tables (service records, requests, activities) when it renders: the default
view and a filter change are answered from the rollups. (A clicked weekday × hour cell on the volunteer
page and a building group's own latest activities on the grid map are drill-downs that do read raw rows.)"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from bench.measure import _streets, recorded_statements
from ui.chrome.shell import PAGES

from .conftest import PROJECT

RAW = re.compile(r"\b(?:FROM|JOIN)\s+(service_record|service_request|activity)\b", re.IGNORECASE)


@pytest.mark.parametrize("page", [path for path, _key in PAGES])
def test_page_renders_from_rollups(app_env, page):
    street = _streets(app_env)[2]
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=180)
    with recorded_statements() as seen:
        at.run()
        at.switch_page(page).run()
        at.selectbox(key="_w_street").set_value(street).run()
    assert not at.exception, page
    assert len(seen) > 0  # the recorder saw the page's queries
    raw = sorted({m.group(1) for sql, _params in seen for m in RAW.finditer(sql)})
    assert raw == [], f"{page} read raw tables {raw}"
