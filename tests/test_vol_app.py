"""AppTest of the volunteer page: every panel's figures against independent SQL, clicks, URL, scopes."""

from __future__ import annotations

import json
import re
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import text
from streamlit.testing.v1 import AppTest

from data_access.db import read_engine
from data_access.queries.volunteers import MAX_CELLS, STAGES, bucket_bounds, bucket_of
from ui.labels import TEXT

from .conftest import PROJECT

APP = str(PROJECT / "app.py")
PAGE = "pages/volunteers.py"
HOURS, SERVED, REQUESTS, TEAMS = "服务时数（小时）", "服务人次", "居民点单", "志愿服务队"


def run_page(params: dict[str, str] | None = None, state: dict | None = None) -> AppTest:
    """The volunteer page opened directly (as a deep link would), with URL parameters and injected state;
    over the data's whole span (?range=all, not the default 今年以来): the checks sum every raw row."""
    at = AppTest.from_file(APP, default_timeout=180)
    at.switch_page(PAGE)
    for k, v in {"range": "all", **(params or {})}.items():
        at.query_params[k] = v
    for k, v in (state or {}).items():
        at.session_state[k] = v
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    return at


def tiles(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def deck(at: AppTest) -> dict:
    (chart,) = at.get("deck_gl_json_chart")
    return json.loads(chart.proto.json)


def heat_layer(at: AppTest) -> dict:
    (layer,) = [ly for ly in deck(at)["layers"] if ly["@@type"] == "HeatmapLayer"]
    return layer


def charts(at: AppTest) -> list[tuple[dict, pd.DataFrame]]:
    """Every Altair chart: its spec and its data."""
    out = []
    for el in at.get("vega_lite_chart"):
        arrow = el.proto.datasets[0].data.data if el.proto.datasets else el.proto.data.data  # named or plain data
        data = pa.ipc.open_stream(arrow).read_pandas()
        out.append((json.loads(el.proto.spec), data))
    return out


def funnel_chart(at: AppTest) -> pd.DataFrame:
    """The funnel's data with each bar's stage code (the chart is sent the stage's words only)."""
    funnel = chart_with(at, "label", "requests", "text")
    codes = {words: stage for stage in STAGES for words in TEXT[f"stage_{stage}"]}
    return funnel.assign(stage=funnel["label"].map(codes))


def chart_with(at: AppTest, *columns: str) -> pd.DataFrame:
    hits = [data for _spec, data in charts(at) if set(columns) <= set(data.columns)]
    assert len(hits) == 1, columns
    return hits[0]


def in_hours(table: pd.DataFrame, stem: str) -> tuple[pd.Series, float]:
    """A duration column (its header: stem（小时） or stem（天）) in hours, and the hours of its unit."""
    (col,) = [c for c in table.columns if c.startswith(stem + "（")]
    per = 24.0 if col.endswith("（天）") else 1.0
    assert col.endswith(("（天）", "（小时）")), col
    return table[col].astype(float) * per, per


def _unitless(column: str) -> str:
    """A duration header without its unit: 中位数（小时） -> 中位数; other headers as they are."""
    return re.sub(r"（(小时|天)）$", "", column)


def table_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first table holding these columns; a duration is asked for by its stem (its header names a unit)."""
    hits = [d.value for d in at.dataframe if set(columns) <= {_unitless(c) for c in d.value.columns}]
    assert hits, columns
    return hits[0]


@pytest.fixture()
def sql(app_env):
    engine = read_engine(app_env)
    with engine.connect() as conn:
        yield conn
    engine.dispose()


def _pg(conn) -> bool:
    return conn.dialect.name == "postgresql"


def one(conn, query: str, **params):
    return conn.execute(text(query), params).scalar() or 0


def fmt(n) -> str:
    """A raw sum as a tile prints it: rounded once, halves away from zero (253,260.5 -> 253,261; Python's
    round() would give the even 253,260); large figures read whole."""
    n = Decimal(float(n))
    whole = n == n.to_integral_value() or abs(n) >= 1000
    q = n.quantize(Decimal(1) if whole else Decimal("0.1"), rounding=ROUND_HALF_UP)
    return f"{q:,}"


def exact_percentile(values, p: float) -> float:
    return float(np.percentile(np.asarray(values, float), p * 100))


def test_default_view_matches_the_report_and_sql(sql):
    at = run_page()
    t = tiles(at)
    hours, served = sql.execute(text("SELECT sum(hours), sum(people_served) FROM service_record")).one()
    assert t[HOURS] == fmt(hours) and abs(float(hours) - 4_600_000) <= 230_000
    assert t[SERVED] == fmt(served) and abs(served - 500_000) <= 25_000
    assert (t[TEAMS], t["志愿服务站"], t["社区小厨房"]) == ("264", "166", "30")
    assert t[REQUESTS] == fmt(one(sql, "SELECT count(*) FROM service_request"))

    # the map: offline base, heat over SQL-aggregated cells, slow stations and kitchens
    spec = deck(at)
    assert "mapProvider" not in spec and spec["mapStyle"] == "__MAP_STYLE__"  # no basemap fetched
    ids = [ly["id"] for ly in spec["layers"]]
    assert ids[:2] == ["neighbours", "district"] and {"heat", "kitchens", "slow_stations"} <= set(ids)
    heat = heat_layer(at)
    floor = "FLOOR" if _pg(sql) else ""
    cast = (lambda e: f"FLOOR({e})") if floor else (lambda e: f"CAST({e} AS INTEGER)")
    cells = one(
        sql,
        f"""SELECT count(*) FROM (SELECT DISTINCT {cast("(lon - 113.49) / 0.004")}, {cast("(lat - 34.59) / 0.004")}
            FROM service_record) AS c""",
    )
    assert len(heat["data"]) == cells <= MAX_CELLS
    assert sum(row["value"] for row in heat["data"]) == pytest.approx(float(hours), rel=1e-6)
    kitchens = [ly for ly in spec["layers"] if ly["id"] == "kitchens"][0]
    assert len(kitchens["data"]) == 30

    # request funnel
    funnel = funnel_chart(at)
    for stage, n in zip(funnel["stage"], funnel["requests"]):
        col = "1 = 1" if stage == "ordered" else f"{stage}_at IS NOT NULL"
        assert n == one(sql, f"SELECT count(*) FROM service_request WHERE {col}"), stage

    # time between stages: order -> dispatch, to within the display's rounding and one bucket
    durations = table_with(at, "环节", "中位数", "90% 分位")
    hours_sql = (
        "EXTRACT(EPOCH FROM (dispatched_at - ordered_at)) / 3600.0"
        if _pg(sql)
        else "(julianday(dispatched_at) - julianday(ordered_at)) * 24"
    )
    gaps = pd.read_sql(text(f"SELECT {hours_sql} AS h FROM service_request WHERE dispatched_at IS NOT NULL"), sql)
    assert durations["点单数"].iloc[0] == len(gaps)
    for stem, p in (("中位数", 0.5), ("90% 分位", 0.9)):
        shown, per = in_hours(durations, stem)
        exact = exact_percentile(gaps["h"], p)
        lo, hi = bucket_bounds(bucket_of(exact))
        assert abs(shown.iloc[0] - exact) <= 0.05 * per + (hi - lo)

    # stations where requests wait longest: the first is the one with the largest median wait
    slowest = table_with(at, "服务站")
    median, per = in_hours(slowest, "中位等待")
    assert len(slowest) == 10 and median.is_monotonic_decreasing
    cut = "TIMESTAMP '2017-10-01 00:00:00'" if _pg(sql) else "'2017-10-01 00:00:00'"
    wait_sql = (  # a wait: order to a volunteer accepting; the unanswered are not waits
        "EXTRACT(EPOCH FROM (accepted_at - ordered_at)) / 3600.0"
        if _pg(sql)
        else "(julianday(accepted_at) - julianday(ordered_at)) * 24"
    )
    waits = pd.read_sql(
        text(
            f"""SELECT s.name, {wait_sql} AS w FROM service_request r JOIN station s ON s.id = r.station_id
                WHERE accepted_at < {cut}"""
        ),
        sql,
    )
    medians = waits.groupby("name")["w"].median().sort_values(ascending=False)
    first = medians[slowest["服务站"].iloc[0]]  # medians come from duration bands: exact to within one band
    lo, hi = bucket_bounds(bucket_of(first))
    assert abs(median.iloc[0] - first) <= 0.05 * per + (hi - lo)
    lo, hi = bucket_bounds(bucket_of(medians.iloc[0]))
    assert medians.iloc[0] - first <= 2 * (hi - lo)  # the slowest station, or one within a band of it
    assert len([ly for ly in spec["layers"] if ly["id"] == "slow_stations"][0]["data"]) == 10

    # by street: requests per street
    by_street = table_with(at, "地区", "已接单", "未接单率")
    per_street = pd.read_sql(
        text(
            """SELECT g.name, count(*) AS n FROM service_request r
               JOIN grid g ON g.org_id = r.street_id AND g.level = 2 GROUP BY g.name"""
        ),
        sql,
    )
    assert dict(zip(by_street["地区"], by_street["居民点单"])) == dict(zip(per_street["name"], per_street["n"]))

    # teams by category, most active team, kitchens and meals
    by_cat = chart_with(at, "category", "teams")
    assert by_cat["teams"].sum() == 264 and len(by_cat) == 10
    top = table_with(at, "服务队", "类别", "服务时数")
    best = sql.execute(
        text(
            """SELECT t.name, sum(r.hours) FROM service_record r JOIN team t ON t.id = r.team_id
               GROUP BY t.id, t.name ORDER BY 2 DESC LIMIT 1"""
        )
    ).one()
    assert top["服务队"].iloc[0] == best[0] and abs(top["服务时数"].iloc[0] - float(best[1])) <= 0.5  # whole hours
    meals = table_with(at, "名称", "供餐人数")
    assert meals["供餐人数"].sum() == one(sql, "SELECT sum(people_fed) FROM facility WHERE kind = 'kitchen'")


def test_category_filter_from_the_url(sql):
    at = run_page({"vcat": "VC01,XX,VC07"})
    notices = " ".join(w.value for w in at.warning)
    assert "XX" in notices
    assert at.query_params["vcat"] in ("VC01,VC07", ["VC01,VC07"])  # the bad code is gone from the URL
    t = tiles(at)
    cats = "(SELECT id FROM volunteer_category WHERE code IN ('VC01', 'VC07'))"
    assert t[HOURS] == fmt(one(sql, f"SELECT sum(hours) FROM service_record WHERE category_id IN {cats}"))
    assert t[TEAMS] == fmt(one(sql, f"SELECT count(*) FROM team WHERE category_id IN {cats}"))
    assert t[REQUESTS] == fmt(one(sql, "SELECT count(*) FROM service_request"))  # need categories: unaffected
    assert set(chart_with(at, "month", "category_id")["code"]) == {"VC01", "VC07"}
    assert at.multiselect(key="_w_vcat").value == [
        one(sql, "SELECT id FROM volunteer_category WHERE code = 'VC01'"),
        one(sql, "SELECT id FROM volunteer_category WHERE code = 'VC07'"),
    ]


def test_clicking_a_month_category_cell_narrows_the_page(sql):
    cat = one(sql, "SELECT id FROM volunteer_category WHERE code = 'VC03'")
    at = run_page(state={"vol_mc_0": {"selection": {"mc": [{"month": "2016-05", "category_id": cat}]}}})
    t = tiles(at)
    may = "started_at >= '2016-05-01' AND started_at < '2016-06-01'"
    assert t[HOURS] == fmt(one(sql, f"SELECT sum(hours) FROM service_record WHERE {may} AND category_id = :c", c=cat))
    assert t[REQUESTS] == fmt(
        one(sql, "SELECT count(*) FROM service_request WHERE ordered_at >= '2016-05-01' AND ordered_at < '2016-06-01'")
    )
    assert "2016-05" in " ".join(i.value for i in at.info)
    # the weekday × hour heatmap follows the click; the month × category one keeps every month
    week = chart_with(at, "weekday", "hour", "day")
    assert week["sessions"].sum() == one(
        sql, f"SELECT count(*) FROM service_record WHERE {may} AND category_id = :c", c=cat
    )
    assert chart_with(at, "month", "category_id")["month"].nunique() == 60
    # the map follows too
    assert sum(r["value"] for r in heat_layer(at)["data"]) == pytest.approx(
        float(one(sql, f"SELECT sum(hours) FROM service_record WHERE {may} AND category_id = :c", c=cat))
    )

    at.button(key="vol_clear").click().run()  # clear: back to the whole range
    assert tiles(at)[HOURS] == fmt(one(sql, "SELECT sum(hours) FROM service_record"))


def test_clicking_a_weekday_hour_cell_narrows_the_page(sql):
    at = run_page(state={"vol_wh_0": {"selection": {"wh": [{"weekday": 6, "hour": 9}]}}})
    if _pg(sql):
        slot = "CAST(EXTRACT(DOW FROM {c}) AS INTEGER) = 6 AND CAST(EXTRACT(HOUR FROM {c}) AS INTEGER) = 9"
    else:
        slot = "strftime('%w', {c}) = '6' AND strftime('%H', {c}) = '09'"
    t = tiles(at)
    records = f"FROM service_record WHERE {slot.format(c='started_at')}"
    assert t[HOURS] == fmt(one(sql, f"SELECT sum(hours) {records}"))
    assert t[REQUESTS] == fmt(one(sql, f"SELECT count(*) FROM service_request WHERE {slot.format(c='ordered_at')}"))
    funnel = funnel_chart(at)
    assert funnel["requests"].iloc[0] == one(
        sql, f"SELECT count(*) FROM service_request WHERE {slot.format(c='ordered_at')}"
    )
    # the month × category heatmap follows the slot
    assert chart_with(at, "month", "category_id")["sessions"].sum() == one(sql, f"SELECT count(*) {records}")

    # and the map's measure can be switched: unanswered requests in that slot
    at.segmented_control(key="vol_measure").set_value("unmet").run()
    unmet = one(
        sql, f"SELECT count(*) FROM service_request WHERE accepted_at IS NULL AND {slot.format(c='ordered_at')}"
    )
    assert sum(r["value"] for r in heat_layer(at)["data"]) == pytest.approx(unmet)


@pytest.mark.parametrize(
    "payload",
    [
        {"vol_mc_0": {"selection": {"mc": [{"month": "2016-13", "category_id": 999}]}}},
        {"vol_mc_0": {"selection": {"mc": [{"month": "'; DROP TABLE team; --", "category_id": "x"}]}}},
        {"vol_wh_0": {"selection": {"wh": [{"weekday": 9, "hour": 24.5}]}}},
        {"vol_wh_0": {"selection": {"wh": "garbage"}}},
    ],
)
def test_malformed_clicks_are_ignored(sql, payload):
    t = tiles(run_page(state=payload))
    assert t[HOURS] == fmt(one(sql, "SELECT sum(hours) FROM service_record"))


def test_a_slot_without_data_shows_messages(sql):
    at = run_page(state={"vol_wh_0": {"selection": {"wh": [{"weekday": 2, "hour": 3}]}}})
    t = tiles(at)
    assert t[HOURS] == "0" and t[REQUESTS] == "0"
    assert len(heat_layer(at)["data"]) == 0
    assert any("没有数据" in i.value for i in at.info)


def test_street_scope_english(sql):
    at = run_page({"street": "S03", "lang": "en"})
    sid = one(sql, "SELECT id FROM org WHERE code = 'S03'")
    t = tiles(at)
    assert t["Volunteer hours"] == fmt(one(sql, "SELECT sum(hours) FROM service_record WHERE street_id = :s", s=sid))
    assert t["Volunteer stations"] == fmt(one(sql, "SELECT count(*) FROM station WHERE street_id = :s", s=sid))
    by_area = table_with(at, "Area", "Accepted")
    communities = pd.read_sql(
        text(
            """SELECT g.name, count(*) AS n FROM service_request r
               JOIN grid g ON g.org_id = r.community_id AND g.level = 3 WHERE r.street_id = :s GROUP BY g.name"""
        ),
        sql,
        params={"s": sid},
    )
    assert dict(zip(by_area["Area"], by_area["Requests"])) == dict(zip(communities["name"], communities["n"]))
    scope = [ly for ly in deck(at)["layers"] if ly["id"] == "scope"][0]
    assert len(scope["data"]["features"]) == 1  # the street's outline drawn over the base
    english = {en for key, (_zh, en) in TEXT.items() if key.startswith("vcat_")}
    assert set(chart_with(at, "category", "teams")["category"]) <= english


def test_building_group_scope(sql):
    code, bg = sql.execute(text("SELECT code, id FROM building_group ORDER BY id LIMIT 1 OFFSET 100")).one()
    at = run_page({"bg": code})
    t = tiles(at)
    assert t["志愿服务站"] == "—" and t["社区小厨房"] == "—"
    assert t[HOURS] == fmt(one(sql, "SELECT sum(hours) FROM service_record WHERE building_group_id = :g", g=bg))
    assert t[REQUESTS] == fmt(one(sql, "SELECT count(*) FROM service_request WHERE building_group_id = :g", g=bg))
