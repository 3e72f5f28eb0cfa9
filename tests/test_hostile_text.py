"""Text from the data is shown as text (issue 18, items 6, 7 and 12): a web address in a name is never a link,
characters that reverse or hide a name are dropped on screen and refused by the importer, and a downloaded
CSV never hands Excel a formula.

The link rule was checked in Chromium against Streamlit's own Markdown renderer: backslash escapes do not
stop it from linking `https\\://…`; a word joiner after the scheme's colon (or after `www`, before `@`)
does. The unit tests below pin that form; the AppTest one shows it reaching the organisation page."""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_access.dataset_format.template_files import TEMPLATE_DIR
from data_access.db import write_engine
from seed.importer import run_import
from ui.chrome.export import csv_bytes
from ui.safe_text import esc, md

from .conftest import PROJECT, clear_caches, point_app_at

RLO, NUL = "\u202e", "\x00"
LINKABLE = re.compile(r"(?i)[a-z]://|www\.|[\w.+-]@[\w-]+\.")  # what a Markdown renderer would link


@pytest.mark.parametrize(
    "name",
    ["访问 https://evil.example/领奖 党支部", "见WWW.evil.cn党支部", "联系 boss@evil.cn", "http://a.b/c?d=e&f"],
)
def test_an_address_in_a_name_is_text_not_a_link(name):
    shown = md(name)
    assert not LINKABLE.search(shown), shown
    assert shown.replace("\u2060", "").replace("\\", "") == name  # the same letters, nothing removed


def test_characters_that_reorder_or_hide_a_name_are_dropped_on_screen():
    assert md(f"{RLO}支部党{NUL}员") == "支部党员"
    assert esc("\u2066<b>名称</b>\u2069\u200f") == "&lt;b&gt;名称&lt;/b&gt;"


def test_the_importer_refuses_hidden_characters_where_they_are(tmp_path):
    folder = tmp_path / "rlo"
    shutil.copytree(TEMPLATE_DIR, folder)
    path = folder / "org.csv"
    header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    rows[1][1] = f"淮河路{RLO}街道党工委"  # Excel row 3
    rows[2][1] = f"建中{NUL}街党工委"  # row 4
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])
    engine = write_engine(f"sqlite:///{tmp_path / 'i.sqlite'}")
    try:
        result = run_import(folder, engine)
    finally:
        engine.dispose()
    assert result.status == "rejected"
    found = {(p.file, p.row, p.column): p.zh for p in result.problems if "控制字符" in p.zh}
    assert set(found) == {("org.csv", 3, "组织名称"), ("org.csv", 4, "组织名称")}, result.problems[:5]
    assert "U+202E" in found[("org.csv", 3, "组织名称")] and "U+0000" in found[("org.csv", 4, "组织名称")]


def test_a_csv_never_hands_a_spreadsheet_a_formula():
    frame = pd.DataFrame(
        {
            "组织": ['=HYPERLINK("http://evil.cn","点击")', "+86 138", "-2+3", "@SUM(A1)", "普通党支部"],
            "党员": [-5, 3, 2, 1, 0],  # numbers stay numbers, negative ones included
        }
    )
    rows = list(csv.reader(io.StringIO(csv_bytes(frame).decode("utf-8-sig"))))
    assert rows[0] == ["组织", "党员"]
    assert [r[0] for r in rows[1:]] == ["'" + v for v in frame["组织"][:4]] + ["普通党支部"]
    assert [r[1] for r in rows[1:]] == ["-5", "3", "2", "1", "0"]


@pytest.fixture()
def hostile_db(sqlite_url, tmp_path, monkeypatch) -> Path:
    """A copy of the demo database in which another system renamed a street's party committee."""
    path = tmp_path / "hostile.sqlite"
    shutil.copy(sqlite_url.removeprefix("sqlite:///"), path)
    engine = write_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE org SET name = :n WHERE code = 'S03'"), {"n": f"{RLO}铭功路 https://evil.example/x 党工委"}
        )
    engine.dispose()
    point_app_at(monkeypatch, f"sqlite:///{path}")
    yield path
    clear_caches()


def test_the_organisation_page_shows_a_renamed_org_as_plain_text(hostile_db):
    at = AppTest.from_file(str(PROJECT / "app.py"), default_timeout=120)
    at.query_params["org"] = "S03"
    at.run()
    at.switch_page("pages/organization.py").run()
    assert not at.exception, at.exception
    bodies = [m.value for m in at.markdown if "evil" in m.value]
    assert bodies, "the renamed organisation is not shown"
    assert not [b for b in bodies if LINKABLE.search(b) or RLO in b], bodies
    # tables and chart data get the name without the override too (the query layer drops it once)
    tables = [df.value.to_csv() for df in at.dataframe]
    charts = [bytes(e.proto.data.data) for e in at.get("vega_lite_chart") if e.proto.HasField("data")]
    assert any("evil" in x for x in tables) and not [x for x in tables if RLO in x]
    assert not [c for c in charts if RLO.encode() in c]


def test_the_importer_refuses_an_integer_no_database_column_holds(tmp_path):
    """Issue 18 item 6: a number above 2³¹ passed the check and failed PostgreSQL's write without a location."""
    from .test_importer import _edit

    folder = tmp_path / "big"
    shutil.copytree(TEMPLATE_DIR, folder)
    _edit(folder, "building_group", lambda h, rows: rows[0].__setitem__(h.index("户数"), "3000000000"))
    engine = write_engine(f"sqlite:///{tmp_path / 'b.sqlite'}")
    try:
        result = run_import(folder, engine, confirm_unusual=True)
    finally:
        engine.dispose()
    assert result.status == "rejected"
    assert [(p.file, p.row, p.column) for p in result.problems] == [("building_group.csv", 2, "户数")]
    assert "超出整数范围" in result.problems[0].zh
