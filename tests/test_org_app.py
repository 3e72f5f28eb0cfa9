"""AppTest of the organisation page: counts by kind, drill-down by chart selection, table, masking, URL scope."""

from __future__ import annotations

import json
import re
import shutil

import pytest
from sqlalchemy import make_url, text
from streamlit.testing.v1 import AppTest

from data_access.db import read_engine, write_engine
from ui import compare

from .conftest import PROJECT, clear_caches, point_app_at

APP = str(PROJECT / "app.py")
PAGE = "pages/organization.py"


def open_page(params: dict[str, str] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=180)
    for k, v in (params or {}).items():
        at.query_params[k] = v
    at.switch_page(PAGE).run()  # a deep link: the page is the first thing the session runs
    assert not at.exception, at.exception
    return at


def click_block(at: AppTest, code: str) -> AppTest:
    """What a click on the tree chart sends: a point selection of the block's code."""
    at.session_state[f"org_tree:{at.session_state['_org_node']}"] = {"selection": {"node": [{"code": code}]}}
    at.run()
    assert not at.exception, at.exception
    return at


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def param(at: AppTest, key: str) -> str | None:
    value = at.query_params.get(key)
    return value[0] if isinstance(value, list) else value


def table(at: AppTest):
    """The organisations table (the frame with an 组织 column and a 类型 column)."""
    for df in at.dataframe:
        frame = df.value
        if {"组织", "类型", "上级组织"} <= set(frame.columns):
            return frame
    raise AssertionError("no organisation table on the page")


def sql(url: str, query: str, **params):
    engine = read_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(query), params).all()
    finally:
        engine.dispose()


def test_district_shows_the_631_orgs_by_kind_as_the_report_counts_them(app_env):
    at = open_page()
    t = tiles(at)
    counts = dict(sql(app_env, "SELECT kind, count(*) FROM org WHERE kind <> 'district' GROUP BY kind"))
    assert t["基层党组织"] == f"{sum(counts.values()):,}" == "631"
    expect = {
        "镇党委": "1",
        "街道党工委": "16",
        "园区党工委": "3",
        "景区党工委": "1",
        "社区党组织": "115",
        "村党组织": "51",
        "非公企业党组织": "248",
        "其他党组织": "196",
    }
    assert {k: t[k] for k in expect} == expect
    assert t["其他党组织"] == str(counts["agency"] + counts["institution"] + counts["social_org"])
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    params = spec.get("params", []) + [p for layer in spec.get("layer", []) for p in layer.get("params", [])]
    assert any(p["name"] == "node" and p["select"]["type"] == "point" for p in params)
    assert not at.warning
    # the total is compared with the same day a year before, from the dated spells of the grassroots orgs
    # (dissolved ones included); the kinds are the data date's and say so
    as_of = sql(app_env, "SELECT value FROM dataset_meta WHERE key = 'as_of'")[0][0]
    day = f"{int(as_of[:4]) - 1}{as_of[4:]}"
    ((before,),) = sql(
        app_env,
        "SELECT count(*) FROM stock_spell WHERE stock = 'org' AND valid_from <= :d AND (valid_to IS NULL OR valid_to > :d)",
        d=day,
    )
    assert before != 631
    [total] = [m for m in at.metric if m.label == "基层党组织"]
    assert total.delta == f"同比 {compare.arrow_text(631, before)[0]}"
    assert all(not m.delta for m in at.metric if m.label in expect and m.label != "其他党组织")  # its sub: the parts
    assert any(f"各类组织数为 {as_of} 现状" in c.value for c in at.caption)


def test_drill_from_district_to_a_building_group_in_three_clicks(app_env):
    at = open_page()
    (street_members,) = sql(
        app_env,
        """WITH RECURSIVE t(id) AS (SELECT id FROM org WHERE code = 'S03'
           UNION ALL SELECT o.id FROM org o JOIN t ON o.parent_id = t.id)
           SELECT count(*) FROM member WHERE org_id IN (SELECT id FROM t)""",
    )[0]
    click_block(at, "S03")
    assert at.session_state["_org_node"] == "S03" and param(at, "org") == "S03"
    assert tiles(at)["党员"] == f"{street_members:,}"
    click_block(at, "S03C02")
    assert param(at, "org") == "S03C02"
    ((bg_name,),) = sql(app_env, "SELECT name FROM building_group WHERE code = 'S03C02B01'")
    click_block(at, "S03C02B01")
    assert param(at, "org") == "S03C02B01"
    assert any(bg_name in m.value for m in at.markdown if m.value.startswith("####"))
    crumbs = [b.label for b in at.button if b.key and b.key.startswith("org_crumb:")]
    assert len(crumbs) == 3  # district › street › community, then the group itself in bold
    # clicking the current node goes up; a breadcrumb step jumps back
    click_block(at, "S03C02B01")
    assert param(at, "org") == "S03C02"
    at.button(key="org_crumb:D").click().run()
    assert at.session_state["_org_node"] == "D" and param(at, "org") is None


def test_a_folded_block_opens(app_env):
    at = open_page()
    click_block(at, "D~agency")
    assert param(at, "org") == "D~agency"
    (n,) = sql(
        app_env, "SELECT count(*) FROM org WHERE kind = 'agency' AND parent_id = (SELECT id FROM org WHERE code = 'D')"
    )[0]
    assert len(table(at)) == n


def test_table_search_kind_filter_and_download(app_env):
    at = open_page({"org": "S03"})
    frame = table(at)
    (n_orgs,) = sql(
        app_env,
        """WITH RECURSIVE t(id) AS (SELECT id FROM org WHERE code = 'S03'
           UNION ALL SELECT o.id FROM org o JOIN t ON o.parent_id = t.id)
           SELECT count(*) - 1 FROM t""",
    )[0]
    (n_groups,) = sql(
        app_env, "SELECT count(*) FROM building_group WHERE street_id = (SELECT id FROM org WHERE code = 'S03')"
    )[0]
    assert len(frame) == n_orgs + n_groups
    row = frame.set_index("编码").loc["S03C02"]
    (members,) = sql(
        app_env,
        "SELECT count(*) FROM member m JOIN org o ON o.id = m.org_id WHERE o.code = 'S03C02' OR o.parent_id = (SELECT id FROM org WHERE code = 'S03C02')",
    )[0]
    assert row["党员"] == members and row["类型"] == "社区党组织"

    name = row["组织"]
    at.text_input(key="org_search").input(name).run()
    assert table(at)["组织"].tolist() == [name]
    at.text_input(key="org_search").input("").run()

    at.multiselect(key="_w_org_kinds").set_value(["community"]).run()
    assert set(table(at)["类型"]) == {"社区党组织"}
    assert param(at, "kind") == "community"
    downloads = at.get("download_button")
    assert downloads, "no CSV download"


def test_names_are_masked_and_identifiers_never_shown(app_env):
    at = open_page({"org": "S03C02"})
    rows = sql(
        app_env,
        """SELECT m.name, m.phone, m.id_number FROM member m JOIN org o ON o.id = m.org_id
           WHERE o.code = 'S03C02' OR o.parent_id = (SELECT id FROM org WHERE code = 'S03C02')""",
    )
    names = {r[0] for r in rows if len(r[0]) > 1}
    secrets = {r[1] for r in rows} | {r[2] for r in rows}
    shown: set[str] = set()
    for df in at.dataframe:
        for col in df.value.columns:
            shown |= {str(v) for v in df.value[col].dropna()}
    shown |= {m.value for m in at.markdown} | {c.value for c in at.caption}
    page_text = " ".join(shown)
    assert not names & shown and not any(n in page_text for n in names if len(n) >= 3)
    assert not any(s and s in page_text for s in secrets)
    top = next(df.value for df in at.dataframe if "党员" in df.value.columns and "先锋积分" in df.value.columns)
    assert len(top) > 0 and all(re.fullmatch(r".\*.?", n) for n in top["党员"])


def test_scope_and_node_from_the_url(app_env):
    at = open_page({"street": "S03", "org": "S03C02"})
    assert at.session_state["_org_node"] == "S03C02" and not at.warning
    crumbs = [b.key for b in at.button if b.key and b.key.startswith("org_crumb:")]
    assert crumbs == ["org_crumb:S03"]  # the place scope is the tree's root

    at = open_page({"street": "S05", "org": "S03C02"})
    assert at.session_state["_org_node"] == "S05" and "org" not in at.query_params
    assert any("S03C02" in w.value and "不在当前筛选范围" in w.value for w in at.warning)

    at = open_page({"org": "S03C02'--", "kind": "community,bogus"})
    assert at.session_state["_org_node"] == "D"
    notices = " ".join(w.value for w in at.warning)
    assert "S03C02'--" in notices and "bogus" in notices
    assert at.session_state["_org_kinds"] == ["community"] and param(at, "kind") == "community"


def test_english(app_env):
    at = open_page({"lang": "en", "org": "S03"})
    (below,) = sql(
        app_env,
        """WITH RECURSIVE t(id) AS (SELECT id FROM org WHERE code = 'S03'
           UNION ALL SELECT o.id FROM org o JOIN t ON o.parent_id = t.id)
           SELECT count(*) - 1 FROM t""",
    )[0]
    assert tiles(at)["Grassroots party orgs"] == str(below)
    assert "Organisations below" in [m.value.strip("# ") for m in at.markdown]


def test_disagreeing_data_is_flagged_not_hidden(sqlite_url, tmp_path, monkeypatch):
    """A member moved to another street by place key only: both streets are flagged and still shown."""
    copy = tmp_path / "bad.sqlite"
    shutil.copy(make_url(sqlite_url).database, copy)
    engine = write_engine(f"sqlite:///{copy}")
    with engine.begin() as conn:
        conn.execute(
            text(
                """UPDATE member SET street_id = (SELECT id FROM org WHERE code = 'S05')
                   WHERE id = (SELECT min(id) FROM member WHERE street_id = (SELECT id FROM org WHERE code = 'S03'))"""
            )
        )
    engine.dispose()
    point_app_at(monkeypatch, f"sqlite:///{copy}")
    try:
        at = open_page()
        panel = [e for e in at.expander if "不一致" in e.label]
        assert panel and "2" in panel[0].label
        flagged = next(df.value for df in at.dataframe if "核对" in df.value.columns and len(df.value) == 2)
        assert all("属地" in v for v in flagged["核对"])
        spec = at.get("vega_lite_chart")[0].proto.spec
        assert "flagged" in spec
        frame = table(at).set_index("编码")
        assert "属地" in frame.loc["S03", "核对"] and "属地" in frame.loc["S05", "核对"]
    finally:
        clear_caches()


@pytest.mark.parametrize("colour", ["points", "compliance"])
def test_colour_measures(app_env, colour):
    at = open_page()
    at.segmented_control(key="org_colour").set_value(colour).run()
    assert not at.exception
    spec = json.loads(at.get("vega_lite_chart")[0].proto.spec)
    assert "measure" in json.dumps(spec["layer"][0]["encoding"]["color"])
    legend_title = {"points": "堡垒积分（平均）", "compliance": "三会一课达标率（平均）"}[colour]
    assert legend_title in json.dumps(spec["layer"][0]["encoding"]["color"], ensure_ascii=False)
