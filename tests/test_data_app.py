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
    result = run_import(tmp_path / "broken", engine)
    assert result.status == "rejected"
    engine.dispose()
    use_db(url)
    at = open_page()
    # over the demo, the few template rows would also shrink every table by more than half: those implausible
    # drops are listed in the same run as the broken set's errors, one per table, and the page shows them all
    shrinks = [p for p in result.problems if p.row is None and "减少一半以上" in p.zh]
    assert shrinks and len(result.problems) == len(expected) + len(shrinks)
    assert any(f"发现 {len(result.problems)} 处问题" in e.value and "未做任何更改" in e.value for e in at.error)
    shown = frame_with(at, "原因")
    assert len(shown) == len(result.problems)
    blank = lambda v: None if pd.isna(v) or v == "" else v  # noqa: E731 - file-level problems: no row, no column
    listed = {(f, blank(r), blank(c)) for f, r, c in zip(shown["文件 / 工作表"], shown["行号"], shown["列"])}
    assert listed == {(f, r, c) for f, r, c, _ in expected} | {(p.file, None, None) for p in shrinks}
    assert all(any(p.zh in reason for reason in shown["原因"]) for p in shrinks)
    assert any("示例数据" in i.value for i in at.info)  # the demo data is still what the dashboard shows


def test_each_import_shows_what_it_changed(tmp_path, use_db):
    """The templates imported, then again with one more service record, then the earlier set restored: each
    run lists rows before and after per entity and the data date it moved; the latest first, an earlier one
    on choosing it."""
    from seed.importer import restore_previous

    more = tmp_path / "more"
    shutil.copytree(TEMPLATE_DIR, more)
    records_csv = more / "service_record.csv"
    body = records_csv.read_text(encoding="utf-8-sig").rstrip("\n")
    records_csv.write_text(f"{body}\nT002,,S01C02B01,2017-09-28 08:00,3,6,9,,,\n", encoding="utf-8-sig")
    url = f"sqlite:///{tmp_path / 'imported.sqlite'}"
    engine = write_engine(url)
    first = run_import(TEMPLATE_DIR, engine)
    second = run_import(more, engine)
    assert first.status == second.status == "imported"
    assert restore_previous(engine).status == "imported"
    engine.dispose()
    records = first.row_counts["service_record"]
    assert second.row_counts["service_record"] == records + 1
    use_db(url)
    at = open_page()
    history = frame_with(at, "变化")
    assert list(history["方式"]) == ["恢复上一版", "导入", "导入"]
    assert list(history["数据截至"])[1:] == [second.as_of.isoformat(), first.as_of.isoformat()]
    assert history["变化"].iloc[1].startswith("志愿服务记录 +1")
    assert history["变化"].iloc[0].startswith("志愿服务记录 −1")
    if first.as_of != second.as_of:  # the data date it moved, as it moved
        assert f"截至日期 {first.as_of} → {second.as_of}" in history["变化"].iloc[1]
    latest = frame_with(at, "替换前行数").set_index("数据")  # the restore: back to the first set
    assert latest.loc["志愿服务记录", "替换前行数"] == records + 1 and latest.loc["志愿服务记录", "本次行数"] == records
    assert latest.loc["志愿服务记录", "增减"] == "−1"
    assert latest.loc["党员", "增减"] == "0" and pd.isna(latest.loc["党员", "增减幅度"])
    assert any("替换了原有数据" in c.value and "--restore-previous" in c.value for c in at.caption)
    at.selectbox(key="data_change_run").select_index(1).run()  # the second import
    assert not at.exception
    second_run = frame_with(at, "替换前行数").set_index("数据")
    assert second_run.loc["志愿服务记录", "增减"] == "+1"
    assert second_run.loc["志愿服务记录", "增减幅度"] == f"+{1 / records:.1%}"
    at.selectbox(key="data_change_run").select_index(2).run()  # the first import, into an empty database
    into_empty = frame_with(at, "替换前行数").set_index("数据")
    assert into_empty.loc["党员", "替换前行数"] == 0 and into_empty.loc["党员", "增减幅度"] == "新增"
    assert any("空数据库" in c.value for c in at.caption)
