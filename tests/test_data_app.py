"""AppTest of the data page: demo sources and the published figures; an imported dataset; a failed import's rejections."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from sqlalchemy import make_url
from streamlit.testing.v1 import AppTest

from data_access.dataset_format.spec import ENTITIES
from data_access.dataset_format.template_files import TEMPLATE_DIR
from data_access.db import write_engine
from seed.importer import run_import

from .conftest import PROJECT, clear_caches, point_app_at
from .test_importer import broken_set

APP = str(PROJECT / "app.py")
PAGES = ["pages/overview.py", "pages/organization.py", "pages/grid_map.py", "pages/volunteers.py", "pages/briefing.py"]


def open_page(page: str = "pages/data.py") -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def frame_with(at: AppTest, column: str):
    hits = [df.value for df in at.dataframe if column in df.value.columns]
    assert hits, f"no table with a {column} column"
    return hits[0]


@pytest.fixture()
def use_db(monkeypatch):
    yield lambda url: point_app_at(monkeypatch, url)
    clear_caches()


def test_demo_database_sources_and_published_figures(app_env):
    at = open_page()
    assert any("示例数据" in i.value for i in at.info)
    indicators = frame_with(at, "公开数字").set_index("指标")
    # the demo is calibrated to the report: exact figures agree, and the definitions are the overview's
    assert indicators.loc["基层党组织", "当前值"] == "631" == indicators.loc["基层党组织", "公开数字"]
    assert indicators.loc["党员", "当前值"] == "25,218" == indicators.loc["党员", "公开数字"]
    assert indicators.loc["党员", "核对方式"] == "应相等"
    assert indicators.loc["居民点单", "核对方式"] == "无对应公开数字"
    assert indicators.loc["基层党组织", "口径"].startswith("区委以下的基层党组织")
    rows = frame_with(at, "库中行数").set_index("数据")
    assert rows.loc["组织", "库中行数"] == 632 and rows.loc["党员", "库中行数"] == 25_218
    # templates: the workbook and one CSV per entity
    labels = [b.proto.label for b in at.get("download_button")]
    assert "下载全部模板（Excel）" in labels and sum(".csv" in x for x in labels) == len(ENTITIES)


def test_imported_templates_show_as_source_and_every_page_renders(tmp_path, use_db):
    url = f"sqlite:///{tmp_path / 'imported.sqlite'}"
    engine = write_engine(url)
    assert run_import(TEMPLATE_DIR, engine).status == "imported"
    engine.dispose()
    use_db(url)
    at = open_page()
    assert any("导入自「templates」" in i.value for i in at.info)
    rows = frame_with(at, "库中行数").set_index("数据")
    assert rows.loc["组织", "库中行数"] == 6 and rows.loc["组织", "最近一次导入行数"] == 6
    assert any("没有被拒绝的行" in s.value for s in at.success)
    for page in PAGES:  # the imported dataset is one the whole dashboard can show
        open_page(page)


def test_failed_import_shows_its_rejections(sqlite_url, tmp_path, use_db):
    copy = tmp_path / "demo-copy.sqlite"
    shutil.copy(make_url(sqlite_url).database, copy)
    url = f"sqlite:///{copy}"
    expected = broken_set(tmp_path / "broken")
    engine = write_engine(url)
    assert run_import(tmp_path / "broken", engine).status == "rejected"
    engine.dispose()
    use_db(url)
    at = open_page()
    assert any(f"发现 {len(expected)} 处问题" in e.value and "未做任何更改" in e.value for e in at.error)
    shown = frame_with(at, "原因")
    assert len(shown) == len(expected)
    blank = lambda v: None if pd.isna(v) or v == "" else v  # noqa: E731 - file-level problems: no row, no column
    listed = {(f, blank(r), blank(c)) for f, r, c in zip(shown["文件 / 工作表"], shown["行号"], shown["列"])}
    assert listed == {(f, r, c) for f, r, c, _ in expected}
    assert any("示例数据" in i.value for i in at.info)  # the demo data is still what the dashboard shows
