"""What a district's clerk really hands over (issue 18, items 5, 9 and 11): Excel date serials, thousands
separators, 年月日 with a time, a time in a date column, × for no, an empty Sheet1 left in the workbook, and a
workbook whose declared sheet size is stale: each is read as the clerk meant it."""

from __future__ import annotations

import csv
import io
import re
import shutil
import zipfile
from datetime import date, datetime

from openpyxl import load_workbook

from data_access.dataset_format.template_files import TEMPLATE_DIR, template_xlsx

from .test_importer import _edit, do_import, query, table_counts, template_rows


def test_what_a_clerk_types_is_read_as_meant(tmp_path):
    folder = tmp_path / "clerk"
    shutil.copytree(TEMPLATE_DIR, folder)

    def member(h, rows):
        rows[0][h.index("出生日期")] = "22748"  # 1962-04-12 as an unformatted Excel serial
        rows[0][h.index("入党日期")] = "1988年7月1日 09:30"  # a date column given a time, in 年月日

    _edit(folder, "member", member)
    _edit(folder, "service_record", lambda h, rows: rows[0].__setitem__(h.index("志愿服务时数"), "1,234"))
    _edit(folder, "service_record", lambda h, rows: rows[0].__setitem__(h.index("开始时间"), "2016年10月9日 9:00"))
    _edit(folder, "org", lambda h, rows: rows[1].__setitem__(h.index("是否大工委大党委"), "×"))
    url = f"sqlite:///{tmp_path / 'clerk.sqlite'}"
    result = do_import(folder, url)
    assert result.status == "imported", [p.line() for p in result.problems]
    first = template_rows("member")[0][0]
    birth, joined = query(url, f"SELECT birth_date, joined_on FROM member WHERE code = '{first}'")[0]
    assert (str(birth), str(joined)) == (str(date(1962, 4, 12)), str(date(1988, 7, 1)))
    hours, started = query(url, "SELECT hours, started_at FROM service_record ORDER BY id LIMIT 1")[0]
    assert hours == 1234 and str(started).startswith(str(datetime(2016, 10, 9, 9, 0)))
    assert query(url, "SELECT is_joint_committee FROM org WHERE code = 'S01'") == [(0,)]


def test_an_empty_sheet_is_ignored_and_a_stale_size_loses_no_row(tmp_path):
    book = load_workbook(io.BytesIO(template_xlsx()))
    book.create_sheet("Sheet1")  # what Excel leaves in a new workbook
    plain = io.BytesIO()
    book.save(plain)
    # every sheet now declares itself one row tall, as a file written by another program may
    stale = tmp_path / "stale.xlsx"
    with zipfile.ZipFile(plain) as src, zipfile.ZipFile(stale, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:B1"', data)
            dst.writestr(item, data)
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    result = do_import(stale, url)
    assert result.status == "imported", [p.line() for p in result.problems]
    from data_access.dataset_format.spec import ENTITIES

    assert table_counts(url) == {e.model.__tablename__: len(template_rows(e.key)) for e in ENTITIES}


def _rewrite(path, rows) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows(rows)


def _rows(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))


def test_header_problems_say_their_real_cause_once(tmp_path):
    """Item 9: a title row above the headers is passed over; data under an empty (merged) header cell is
    reported, not dropped; a header problem names the header's own row; a missing file is said once, first."""
    folder = tmp_path / "headers"
    shutil.copytree(TEMPLATE_DIR, folder)
    _rewrite(folder / "member.csv", [["二七区党员信息表"], *_rows(folder / "member.csv")])  # title row
    activity = _rows(folder / "activity.csv")
    activity[0].append("")
    activity[1].append("备注：补录")  # data under a header cell left empty
    _rewrite(folder / "activity.csv", [[], [], *activity])  # the header on row 3
    url = f"sqlite:///{tmp_path / 'h.sqlite'}"
    result = do_import(folder, url)
    assert result.status == "rejected"
    assert [(p.file, p.row, p.column) for p in result.problems] == [("activity.csv", 3, "第7列")], [
        p.line() for p in result.problems
    ]
    assert "没有列名" in result.problems[0].zh

    (folder / "activity.csv").unlink()
    (folder / "org.csv").unlink()  # what every other file refers to
    result = do_import(folder, url)
    assert result.problems[0].zh == "缺少必需的数据文件" and "org" in result.problems[0].file
    assert len(result.problems) <= 20, [p.line() for p in result.problems]  # one per referring column
    assert all(p.row is None for p in result.problems)


def test_numbers_a_spreadsheet_mangled_are_refused_at_their_cell(tmp_path):
    """Issue 34, item 5: 4.10103E+17 in 身份证号 imported (every member the same number) and phone numbers
    were damaged. An identity or phone number in scientific notation, with a trailing .0, or (identity) not
    18/15 characters, or (identity) ending in the zeros a spreadsheet writes past its 15 digits with a check digit
    that does not match, is refused at its cell with the way out; a workbook's number cell past Excel's 15 digits
    too. Well-formed ones import."""
    folder = tmp_path / "mangled"
    shutil.copytree(TEMPLATE_DIR, folder)

    def members(h, rows):
        rows[0][h.index("身份证号")] = "4.10103E+17"
        rows[1][h.index("身份证号")] = "41010319750930002"  # 17 digits: one lost
        rows[2][h.index("手机号码")] = "1.38E+10"
        rows[2][h.index("身份证号")] = "410103198701090000"  # ends in 000 with the right check digit: imports
        rows[3][h.index("身份证号")] = "410103199001011000"  # Excel's 15 digits and zeros: the check digit is 3

    _edit(folder, "member", members)
    _edit(folder, "volunteer", lambda h, rows: rows[0].__setitem__(h.index("手机号码"), "13812345678.0"))
    result = do_import(folder, f"sqlite:///{tmp_path / 'mangled.sqlite'}")
    assert result.status == "rejected"
    got = {(p.file, p.row, p.column): p.zh for p in result.problems}
    assert set(got) == {
        ("member.csv", 2, "身份证号"),
        ("member.csv", 3, "身份证号"),
        ("member.csv", 4, "手机号码"),
        ("member.csv", 5, "身份证号"),
        ("volunteer.csv", 2, "手机号码"),
    }, result.problems
    assert "校验位不符" in got[("member.csv", 5, "身份证号")] and "文本格式" in got[("member.csv", 5, "身份证号")]
    assert "单元格显示为科学计数法" in got[("member.csv", 2, "身份证号")]
    assert "请将该列设为文本格式后重新导出" in got[("member.csv", 4, "手机号码")]
    assert "18位" in got[("member.csv", 3, "身份证号")]
    assert ".0" in got[("volunteer.csv", 2, "手机号码")]

    book = load_workbook(io.BytesIO(template_xlsx()))
    sheet = book["党员"]
    column = [c.value for c in sheet[1]].index("身份证号") + 1
    sheet.cell(row=2, column=column, value=410103196204121234)  # typed into a number cell: Excel keeps 15 digits
    path = tmp_path / "mangled.xlsx"
    book.save(path)
    result = do_import(path, f"sqlite:///{tmp_path / 'mangled-xlsx.sqlite'}")
    assert [(p.file, p.row, p.column) for p in result.problems] == [("党员", 2, "身份证号")], result.problems
    assert "科学计数法" in result.problems[0].zh
