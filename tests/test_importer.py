"""The importer: shipped templates import (CSV folder and .xlsx), a broken set is rejected in full with
nothing written, a failed write leaves the database as it was, the CLI's exit codes."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from data_access import schema
from data_access.dataset_format.spec import ENTITIES
from data_access.dataset_format.template_files import TEMPLATE_DIR, template_xlsx
from data_access.db import write_engine
from geo.gcj02 import gcj02_to_wgs84, wgs84_to_gcj02
from seed.importer import run_import, write
from seed.importer.__main__ import main


def template_rows(key: str) -> list[list[str]]:
    """A template's data rows, read here with the csv module (independently of the importer)."""
    text_ = (TEMPLATE_DIR / f"{key}.csv").read_text(encoding="utf-8-sig")
    return [r for r in csv.reader(io.StringIO(text_))][1:]


def table_counts(url: str) -> dict[str, int]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {
                e.model.__tablename__: conn.execute(text(f"SELECT count(*) FROM {e.model.__tablename__}")).scalar()
                for e in ENTITIES
            }
    finally:
        engine.dispose()


def do_import(source: Path, url: str, **kw):
    engine = write_engine(url)
    try:
        return run_import(source, engine, **kw)
    finally:
        engine.dispose()


def query(url: str, sql: str) -> list[tuple]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(text(sql))]
    finally:
        engine.dispose()


def test_shipped_templates_import(fresh_url):
    result = do_import(TEMPLATE_DIR, fresh_url)
    assert result.status == "imported", [p.line() for p in result.problems]
    expected = {e.model.__tablename__: len(template_rows(e.key)) for e in ENTITIES}
    assert all(n > 0 for n in expected.values())
    assert table_counts(fresh_url) == expected
    # derived fields: place keys from the tree, a GCJ-02 point brought back to WGS-84, request status
    assert query(
        fresh_url,
        "SELECT o.code, s.code, c.code FROM member m JOIN org o ON o.id = m.org_id "
        "LEFT JOIN org s ON s.id = m.street_id LEFT JOIN org c ON c.id = m.community_id ORDER BY m.code",
    ) == [("S01C01", "S01", "S01C01"), ("S01C01", "S01", "S01C01"), ("E001", "S01", None), ("S01C02", "S01", "S01C02")]
    ((lon, lat),) = query(fresh_url, "SELECT lon, lat FROM building_group WHERE code = 'S01C01B02'")
    assert abs(lon - 113.639) < 2e-6 and abs(lat - 34.727) < 2e-6
    assert query(fresh_url, "SELECT status FROM service_request ORDER BY id") == [
        ("rated",),
        ("dispatched",),
        ("ordered",),
    ]
    meta = dict(query(fresh_url, "SELECT key, value FROM dataset_meta"))
    assert meta["is_demo"] == "0" and meta["as_of"] == "2017-09-29"
    runs = query(fresh_url, "SELECT mode, status, error_count FROM import_run")
    assert runs == [("import", "imported", 0)]
    # the import rebuilt the rollups the pages read: the district rows hold the imported rows
    (hours, sessions, requests, activities) = query(
        fresh_url,
        "SELECT sum(hours), sum(sessions), sum(requests), sum(activities) FROM ru_place_month WHERE lvl = 0",
    )[0]
    assert (sessions, requests, activities) == (
        expected["service_record"],
        expected["service_request"],
        expected["activity"],
    )
    assert hours == query(fresh_url, "SELECT sum(hours) FROM service_record")[0][0]
    assert (
        query(fresh_url, "SELECT sum(requests) FROM ru_request_station WHERE lvl = 0")[0][0]
        == expected["service_request"]
    )
    # change capture comes with the import: the newest schema, the journal empty, the refresher's state fresh
    assert query(fresh_url, "SELECT version_num FROM alembic_version") == [(schema.head(),)]
    assert query(fresh_url, "SELECT count(*) FROM change_journal") == [(0,)]
    assert query(fresh_url, "SELECT kind FROM refresh_run ORDER BY id DESC LIMIT 1") == [("import",)]


def test_xlsx_template_imports_the_same_rows(tmp_path):
    book = tmp_path / "erqi.xlsx"
    book.write_bytes(template_xlsx())
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    result = do_import(book, url)
    assert result.status == "imported", [p.line() for p in result.problems]
    assert table_counts(url) == {e.model.__tablename__: len(template_rows(e.key)) for e in ENTITIES}


def test_gcj02_round_trip():
    for lon, lat in [(113.62, 34.70), (113.55, 34.65), (113.667, 34.765)]:
        back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
        assert abs(back[0] - lon) < 1e-7 and abs(back[1] - lat) < 1e-7


def _edit(folder: Path, key: str, change) -> None:
    """Rewrite one CSV of folder: change(header, rows) edits the lists in place."""
    path = folder / f"{key}.csv"
    header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    change(header, rows)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        csv.writer(fh).writerows([header, *rows])


def broken_set(folder: Path) -> list[tuple[str, int | None, str | None, str]]:
    """Copy the templates into folder with every kind of error; returns what must be reported:
    (file, Excel row, column, a piece of the Chinese reason)."""
    shutil.copytree(TEMPLATE_DIR, folder)
    _edit(
        folder,
        "org",
        lambda h, rows: rows.extend(
            [
                ["S01", "重复的街道", "街道党工委", "D", "否", ""],  # row 8: duplicate code
                ["X1", "环甲党支部", "社会组织党组织", "X2", "否", ""],  # rows 9-10: a cycle
                ["X2", "环乙党支部", "社会组织党组织", "X1", "否", ""],
                ["B1", "类型有误党支部", "不存在的类型", "D", "否", ""],  # row 11: bad choice
                ["B2", "孤儿党支部", "机关党组织", "NOPE", "否", ""],  # row 12: unknown parent
                ["B3", "", "机关党组织", "D", "否", "2017-13-45"],  # row 13: empty name, bad date
                ["B4", "第二个区委", "区委", "", "否", ""],  # row 14: a second root
            ]
        ),
    )
    _edit(
        folder, "grid", lambda h, rows: rows.append(["GX", "第五级", "5", "GS01C01B01", "S01C01", "", "", "", ""])
    )  # row 9

    def bg(h, rows):
        rows[0][h.index("所属社区组织编码")] = "S01"  # row 2: a street, not a community
        rows[1][h.index("纬度")] = ""  # row 3: longitude without latitude
        rows[2][h.index("经度")], rows[2][h.index("纬度")] = "113.80", "34.80"  # row 4: outside the district
        rows[2][h.index("是否示范楼院")] = "也许"  # row 4: not yes/no

    _edit(folder, "building_group", bg)

    def member(h, rows):
        rows[0][h.index("性别")] = "X"  # row 2
        rows[1][h.index("入党日期")] = "1970-01-01"  # row 3: joined before born (1975)
        rows[2][h.index("出生日期")] = "1990/02/30"  # row 4: no such day

    _edit(folder, "member", member)

    def record(h, rows):
        rows[0][h.index("志愿服务时数")] = "abc"  # row 2
        rows[1][h.index("志愿者人数")] = "-3"  # row 3
        rows[2][h.index("开始时间")] = "明天"  # row 4

    _edit(folder, "service_record", record)

    def request(h, rows):
        rows[0][h.index("派单时间")] = "2017-08-31 08:00"  # row 2: dispatched before ordered
        rows[0][h.index("评分")] = "9"  # row 2: rating above 5
        rows[2][h.index("接单时间")] = "2017-09-30 08:00"  # row 4: accepted without being dispatched

    _edit(folder, "service_request", request)
    _edit(folder, "team", lambda h, rows: (h.append("备注"), [r.append("x") for r in rows]))  # unknown column

    def station(h, rows):
        i = h.index("所属社区组织编码")
        del h[i]
        for r in rows:
            del r[i]

    _edit(folder, "station", station)  # a required column missing
    _edit(folder, "micro_wish", lambda h, rows: rows[0].__setitem__(h.index("认领日期"), "2017-05-01"))  # before posted
    _edit(folder, "facility", lambda h, rows: rows[0].__setitem__(h.index("设施名称"), "长" * 130))
    _edit(folder, "supervision_task", lambda h, rows: rows[1].__setitem__(h.index("截止日期"), "2017-06-01"))
    (folder / "unknown.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    return [
        ("org.csv", 8, "组织编码", "重复"),
        ("org.csv", 9, "上级组织编码", "成环"),
        ("org.csv", 10, "上级组织编码", "成环"),
        ("org.csv", 11, "组织类型", "不是可选值"),
        ("org.csv", 12, "上级组织编码", "找不到"),
        ("org.csv", 13, "组织名称", "必填项为空"),
        ("org.csv", 13, "成立日期", "不是有效日期"),
        ("org.csv", 14, "上级组织编码", "恰有一个"),
        ("grid.csv", 9, "网格层级", "不是可选值"),
        ("building_group.csv", 2, "所属社区组织编码", "不是社区/村党组织"),
        ("building_group.csv", 3, "纬度", "同时填写"),
        ("building_group.csv", 4, "经度", "不在二七区范围内"),
        ("building_group.csv", 4, "是否示范楼院", "是”或“否"),
        ("member.csv", 2, "性别", "不是可选值"),
        ("member.csv", 3, "入党日期", "早于「出生日期」"),
        ("member.csv", 4, "出生日期", "不是有效日期"),
        ("service_record.csv", 2, "志愿服务时数", "不是数字"),
        ("service_record.csv", 3, "志愿者人数", "不能小于 0"),
        ("service_record.csv", 4, "开始时间", "不是有效时间"),
        ("service_request.csv", 2, "派单时间", "早于「点单时间」"),
        ("service_request.csv", 2, "评分", "不能大于 5"),
        ("service_request.csv", 4, "接单时间", "缺少「派单时间」"),
        ("team.csv", 1, "备注", "无法识别的列名"),
        ("station.csv", 1, "所属社区组织编码", "缺少必需的列"),
        ("micro_wish.csv", 2, "认领日期", "早于「发布日期」"),
        ("facility.csv", 2, "设施名称", "超过 120 个字符"),
        ("supervision_task.csv", 3, "截止日期", "早于「交办日期」"),
        ("unknown.csv", None, None, "无法识别的文件"),
    ]


def test_broken_set_reports_every_error_and_writes_nothing(fresh_url, tmp_path):
    assert do_import(TEMPLATE_DIR, fresh_url).status == "imported"
    before = table_counts(fresh_url)
    expected = broken_set(tmp_path / "broken")
    result = do_import(tmp_path / "broken", fresh_url)
    assert result.status == "rejected"
    found = {(p.file, p.row, p.column): p for p in result.problems}
    for file, row, column, reason in expected:
        assert (file, row, column) in found, (file, row, column)
        assert reason in found[(file, row, column)].zh, found[(file, row, column)].line()
        assert found[(file, row, column)].en  # the English reason alongside
    # nothing else: every problem reported is one of the planted ones
    planted = {(f, r, c) for f, r, c, _ in expected}
    assert set(found) - planted == set(), [p.line() for p in result.problems]
    assert len(result.problems) == len(expected)
    assert table_counts(fresh_url) == before
    # the run and its rejections are recorded for the data page
    runs = query(fresh_url, "SELECT mode, status, error_count FROM import_run ORDER BY id")
    assert runs == [("import", "imported", 0), ("import", "rejected", len(expected))]
    stored = query(fresh_url, "SELECT source_file, row_number, column_name FROM import_rejection")
    assert sorted(stored, key=str) == sorted(((f, r, c) for f, r, c, _ in expected), key=str)


def test_missing_required_file_is_reported(tmp_path):
    folder = tmp_path / "no-grid"
    shutil.copytree(TEMPLATE_DIR, folder)
    (folder / "grid.csv").unlink()
    url = f"sqlite:///{tmp_path / 'g.sqlite'}"
    result = do_import(folder, url)
    assert result.status == "rejected"
    assert any(p.row is None and "缺少必需的数据文件" in p.zh and "grid" in p.file for p in result.problems)
    # a rejected run on an empty database creates no dataset tables (the app would take it for loaded)
    assert query(url, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name") == [
        ("import_rejection",),
        ("import_run",),
    ]


NEW_MEMBER = ["M0000005", "周新", "女", "1995-05-04", "本科", "2019-07-01", "S01C02", "", "否", "", "", ""]


def test_dry_run_validates_and_writes_no_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'd.sqlite'}"
    assert do_import(TEMPLATE_DIR, url).status == "imported"
    _edit_copy = tmp_path / "changed"
    shutil.copytree(TEMPLATE_DIR, _edit_copy)
    _edit(_edit_copy, "member", lambda h, rows: rows.append(NEW_MEMBER))
    before = table_counts(url)
    result = do_import(_edit_copy, url, dry_run=True)
    assert result.status == "valid" and result.row_counts["member"] == before["member"] + 1
    assert table_counts(url) == before
    assert query(url, "SELECT mode, status FROM import_run ORDER BY id")[-1] == ("dry_run", "valid")


def test_a_failed_write_changes_nothing(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'f.sqlite'}"
    assert do_import(TEMPLATE_DIR, url).status == "imported"
    changed = tmp_path / "changed"
    shutil.copytree(TEMPLATE_DIR, changed)
    _edit(changed, "member", lambda h, rows: rows.append(NEW_MEMBER))
    assert do_import(changed, url).status == "imported"  # the templates' dataset is now the kept one
    kept = query(url, "SELECT count(*) FROM prev_member")
    before = table_counts(url)

    def boom(conn):
        raise RuntimeError("rollups could not be rebuilt")

    monkeypatch.setattr(write, "rebuild_rollups", boom)
    result = do_import(TEMPLATE_DIR, url)
    assert result.status == "failed" and "未做任何更改" in result.problems[0].zh
    assert table_counts(url) == before  # the deletes and inserts before the failure were rolled back
    assert query(url, "SELECT count(*) FROM prev_member") == kept  # the kept copy too (SQLite runs DDL in it)
    assert query(url, "SELECT status FROM import_run ORDER BY id")[-1] == ("failed",)


def test_cli_exit_codes(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'c.sqlite'}"
    assert main([str(TEMPLATE_DIR), "--url", url, "--dry-run"]) == 0
    broken_set(tmp_path / "broken")
    assert main([str(tmp_path / "broken"), "--url", url]) == 1
    err = capsys.readouterr().err
    assert "org.csv 第8行 列「组织编码」" in err and "nothing written" in err
    assert main([str(tmp_path / "missing"), "--url", url]) == 2
    out = tmp_path / "tpl"
    assert main(["--templates", str(out)]) == 0
    assert (out / "erqi-import-template.xlsx").stat().st_size > 0 and (out / "org.csv").exists()


def test_an_import_brings_an_older_database_to_the_newest_schema(fresh_url):
    """A database at 0003 (import runs without the changes they made): a dry run is recorded on it as it is,
    the import migrates it (0004) and records the dataset it replaced; the older run reads back without."""
    from data_access.queries.datasets import import_runs

    assert do_import(TEMPLATE_DIR, fresh_url).status == "imported"
    engine = write_engine(fresh_url)
    with engine.begin() as conn:
        for column in ("replaced", "as_of"):
            conn.execute(text(f"ALTER TABLE import_run DROP COLUMN {column}"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0003'"))
    try:
        assert run_import(TEMPLATE_DIR, engine, dry_run=True).status == "valid"
        assert query(fresh_url, "SELECT version_num FROM alembic_version") == [("0003",)]  # a dry run writes no schema
        result = run_import(TEMPLATE_DIR, engine)
        assert result.status == "imported"
        assert query(fresh_url, "SELECT version_num FROM alembic_version") == [(schema.head(),)]
        with engine.connect() as conn:
            runs = import_runs(conn)
    finally:
        engine.dispose()
    assert list(runs["mode"]) == ["import", "dry_run", "import"]
    assert runs["replaced"].iloc[0]["rows"] == result.row_counts  # it replaced the same templates
    assert runs["as_of"].iloc[0] == result.as_of.isoformat()
    assert runs["replaced"].iloc[1] is None and runs["as_of"].iloc[1] is None  # recorded before the migration


def _damage(folder: Path, how: str) -> None:
    """member.csv of folder written as a clerk's tools damage it (a sixth line, after four members)."""
    path = folder / "member.csv"
    text_ = path.read_text(encoding="utf-8-sig")
    extra = ",".join(NEW_MEMBER) + "\n"
    if how == "utf16":  # Excel's "Unicode text"
        path.write_bytes(text_.encode("utf-16"))
    elif how == "gbk_appended":  # UTF-8, and a row appended by a program writing GBK
        path.write_bytes(text_.encode("utf-8-sig") + extra.encode("gbk"))
    else:  # GBK (Excel's plain CSV), and a row appended in UTF-8
        path.write_bytes(text_.encode("gbk") + extra.encode("utf-8"))


@pytest.mark.parametrize("how", ["utf16", "gbk_appended", "utf8_appended"])
def test_an_encoding_it_cannot_read_fails_in_one_line(fresh_url, tmp_path, capsys, how):
    """Issue 34, item 6: a UTF-16 CSV, or UTF-8 with GBK rows appended (or the other way round), exited with
    a raw UnicodeDecodeError, no file named and the run not recorded. Now: one line naming the file (and the
    row where the encoding changes) with what to do, the run recorded as failed, exit 2, nothing written."""
    folder = tmp_path / how
    shutil.copytree(TEMPLATE_DIR, folder)
    _damage(folder, how)
    assert main([str(folder), "--url", fresh_url]) == 2
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("member.csv"), err
    assert "UnicodeDecodeError" not in err[0] and "CSV UTF-8" in err[0]
    if how != "utf16":
        assert err[0].startswith("member.csv 第6行") and "混用两种编码" in err[0], err
    assert query(fresh_url, "SELECT mode, status, error_count FROM import_run") == [("import", "failed", 1)]
    assert query(fresh_url, "SELECT source_file, row_number FROM import_rejection") == [
        ("member.csv", None if how == "utf16" else 6)
    ]


def test_a_nul_byte_is_refused_at_its_cell_and_recorded(fresh_url, tmp_path, capsys):
    """Issue 34, item 6: a NUL byte reached PostgreSQL (which cannot store it) as a raw DataError. It is
    refused at its cell like every hidden character, shown as <U+0000>, and the run recorded (both backends)."""
    folder = tmp_path / "nul"
    shutil.copytree(TEMPLATE_DIR, folder)
    _edit(folder, "member", lambda h, rows: rows[0].__setitem__(h.index("姓名"), "张\x00明"))
    _edit(folder, "activity", lambda h, rows: rows[0].__setitem__(h.index("参加人数"), "38\x00"))
    assert main([str(folder), "--url", fresh_url]) == 1
    err = capsys.readouterr().err
    assert "Error" not in err and "member.csv 第2行 列「姓名」" in err and "张<U+0000>明" in err
    assert query(fresh_url, "SELECT status, error_count FROM import_run") == [("rejected", 2)]
    assert sorted(query(fresh_url, "SELECT source_file, row_number, value FROM import_rejection")) == [
        ("activity.csv", 2, "38<U+0000>"),
        ("member.csv", 2, "张<U+0000>明"),
    ]
