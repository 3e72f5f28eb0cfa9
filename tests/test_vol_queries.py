"""Volunteer page queries, checked against independent SQL written here (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import math
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import literal, select, text, union_all

from data_access.filters import Filters
from data_access.queries import overview as q
from data_access.queries import volunteers as v
from geo import REFERENCE_DIR


@pytest.fixture()
def conn(engine):
    with engine.connect() as c:
        yield c


@pytest.fixture()
def full(conn) -> Filters:
    return Filters(*q.date_bounds(q.dataset_info(conn)))


def _pg(conn) -> bool:
    return conn.dialect.name == "postgresql"


def _one(conn, sql, **params):
    return conn.execute(text(sql), params).scalar() or 0


def _frame(conn, sql, **params) -> pd.DataFrame:
    return pd.read_sql(text(sql), conn, params=params)


def _weekday(conn, col: str) -> str:
    return f"CAST(EXTRACT(DOW FROM {col}) AS INTEGER)" if _pg(conn) else f"CAST(strftime('%w', {col}) AS INTEGER)"


def _hour(conn, col: str) -> str:
    return f"CAST(EXTRACT(HOUR FROM {col}) AS INTEGER)" if _pg(conn) else f"CAST(strftime('%H', {col}) AS INTEGER)"


def _hours(conn, a: str, b: str) -> str:
    """SQL for b - a in hours."""
    return f"EXTRACT(EPOCH FROM ({b} - {a})) / 3600.0" if _pg(conn) else f"(julianday({b}) - julianday({a})) * 24.0"


def _street(conn, code: str) -> int:
    return _one(conn, "SELECT id FROM org WHERE code = :c", c=code)


def _exact_percentile(values, p: float) -> float:
    return float(np.percentile(np.asarray(values, float), p * 100, method="linear"))  # = percentile_cont


# ---------------------------------------------------------------- totals


def test_district_totals_match_the_report(conn, full):
    k = v.totals(conn, full)
    assert abs(k["hours"] - 4_600_000) <= 0.05 * 4_600_000
    assert abs(k["served"] - 500_000) <= 0.05 * 500_000
    assert (k["teams"], k["stations"], k["kitchens"]) == (264, 166, 30)
    assert k["people_fed"] >= 20_000
    assert k["events"] == _one(conn, "SELECT count(*) FROM service_event")
    assert k["requests"] == _one(conn, "SELECT count(*) FROM service_request")
    assert k["unmet"] == _one(conn, "SELECT count(*) FROM service_request WHERE accepted_at IS NULL")


def test_totals_under_place_dates_categories_and_slot(conn):
    street = _street(conn, "S05")
    f = Filters(date(2015, 3, 1), date(2016, 8, 31), street_id=street, categories=(1, 7))
    k = v.totals(conn, f, weekday=6, hour=9)
    p = {"s": street, "a": "2015-03-01", "b": "2016-09-01"}
    where = (
        f"street_id = :s AND started_at >= :a AND started_at < :b AND category_id IN (1, 7) "
        f"AND {_weekday(conn, 'started_at')} = 6 AND {_hour(conn, 'started_at')} = 9"
    )
    hours, served, sessions = conn.execute(
        text(f"SELECT sum(hours), sum(people_served), count(*) FROM service_record WHERE {where}"), p
    ).one()
    assert sessions > 0
    assert k["hours"] == pytest.approx(float(hours))
    assert (k["served"], k["sessions"]) == (served, sessions)
    assert k["requests"] == _one(
        conn,
        f"""SELECT count(*) FROM service_request WHERE street_id = :s AND ordered_at >= :a AND ordered_at < :b
            AND {_weekday(conn, "ordered_at")} = 6 AND {_hour(conn, "ordered_at")} = 9""",
        **p,
    )
    assert k["teams"] == _one(conn, "SELECT count(*) FROM team WHERE street_id = :s AND category_id IN (1, 7)", **p)
    assert k["stations"] == _one(conn, "SELECT count(*) FROM station WHERE street_id = :s", **p)


def test_building_group_scope(conn, full):
    bg, comm, street, grid = conn.execute(
        text("SELECT id, community_id, street_id, grid_id FROM building_group ORDER BY id LIMIT 1 OFFSET 40")
    ).one()
    f = Filters(full.start, full.end, street, comm, bg)
    k = v.totals(conn, f)
    assert k["stations"] is None and k["kitchens"] is None
    assert k["teams"] == _one(conn, "SELECT count(*) FROM grid_team WHERE grid_id = :g", g=grid)
    assert k["hours"] == pytest.approx(
        float(_one(conn, "SELECT sum(hours) FROM service_record WHERE building_group_id = :g", g=bg))
    )
    supply = v.station_supply_demand(conn, f)
    assert len(supply) == 1 and supply["requests"].iloc[0] == _one(
        conn, "SELECT count(*) FROM service_request WHERE building_group_id = :g", g=bg
    )


# ---------------------------------------------------------------- heat map cells


def _cells_sql(conn) -> tuple[str, str]:
    if _pg(conn):
        return "FLOOR((lon - 113.49) / 0.004)", "FLOOR((lat - 34.59) / 0.004)"
    return "CAST((lon - 113.49) / 0.004 AS INTEGER)", "CAST((lat - 34.59) / 0.004 AS INTEGER)"


def test_grid_covers_the_district():
    data = json.loads((REFERENCE_DIR / "erqi-district.geojson").read_text(encoding="utf-8"))
    ring = np.asarray(data["features"][0]["geometry"]["coordinates"][0][0])
    assert v.GRID_LON0 < ring[:, 0].min() and ring[:, 0].max() < v.GRID_LON1
    assert v.GRID_LAT0 < ring[:, 1].min() and ring[:, 1].max() < v.GRID_LAT1
    assert v.MAX_CELLS == v.GRID_COLS * v.GRID_ROWS <= 3_000


def test_hours_cells_match_independent_sql(conn, full):
    cells = v.service_cells(conn, full, "hours")
    ix, iy = _cells_sql(conn)
    want = _frame(conn, f"SELECT {ix} AS ix, {iy} AS iy, sum(hours) AS value FROM service_record GROUP BY 1, 2")
    assert len(cells) == len(want) <= v.MAX_CELLS
    got = cells.set_index(["ix", "iy"])["value"]
    want = want.astype({"ix": int, "iy": int}).set_index(["ix", "iy"])["value"]
    pd.testing.assert_series_equal(got.sort_index(), want.sort_index().astype(float), check_names=False)
    assert cells["lon"].between(v.GRID_LON0, v.GRID_LON1).all() and cells["lat"].between(v.GRID_LAT0, v.GRID_LAT1).all()
    assert np.allclose(cells["lon"], v.GRID_LON0 + (cells["ix"] + 0.5) * v.CELL_DEG)


@pytest.mark.parametrize("measure", ["served", "requests", "unmet"])
def test_other_measures_add_up(conn, full, measure):
    street = _street(conn, "S02")
    f = Filters(date(2016, 1, 1), full.end, street_id=street)
    cells = v.service_cells(conn, f, measure)
    p = {"s": street, "a": "2016-01-01"}
    sql = {
        "served": "SELECT sum(people_served) FROM service_record WHERE street_id = :s AND started_at >= :a",
        "requests": "SELECT count(*) FROM service_request WHERE street_id = :s AND ordered_at >= :a",
        "unmet": """SELECT count(*) FROM service_request
                    WHERE street_id = :s AND ordered_at >= :a AND accepted_at IS NULL""",
    }[measure]
    assert cells["value"].sum() == pytest.approx(float(_one(conn, sql, **p)))
    assert 0 < len(cells) <= v.MAX_CELLS


def test_unknown_measure_is_refused(conn, full):
    with pytest.raises(ValueError):
        v.service_cells(conn, full, "hours; DROP TABLE x")


# ---------------------------------------------------------------- time heatmaps


def test_month_category_matches_sql(conn, full):
    f = Filters(full.start, full.end, categories=(2, 5))
    got = v.month_category(conn, f)
    month = "to_char(started_at, 'YYYY-MM')" if _pg(conn) else "strftime('%Y-%m', started_at)"
    want = _frame(
        conn,
        f"""SELECT {month} AS month, category_id, sum(hours) AS hours, count(*) AS sessions
            FROM service_record WHERE category_id IN (2, 5) GROUP BY 1, 2 ORDER BY 1, 2""",
    )
    assert set(got["category_id"]) == {2, 5}
    assert got["month"].tolist() == want["month"].tolist()
    assert got["sessions"].tolist() == want["sessions"].astype(int).tolist()
    assert np.allclose(got["hours"], want["hours"].astype(float))


def test_weekday_hour_matches_sql(conn, full):
    got = v.weekday_hour(conn, full)
    want = _frame(
        conn,
        f"""SELECT {_weekday(conn, "started_at")} AS weekday, {_hour(conn, "started_at")} AS hour,
                   sum(people_served) AS served FROM service_record GROUP BY 1, 2 ORDER BY 1, 2""",
    )
    assert got["weekday"].between(0, 6).all() and got["hour"].between(0, 23).all()
    assert got[["weekday", "hour", "served"]].values.tolist() == want.astype(int).values.tolist()
    # the seed puts more service on weekends: Saturday (6) beats Tuesday (2)
    per_day = got.groupby("weekday")["hours"].sum()
    assert per_day[6] > per_day[2]


# ---------------------------------------------------------------- request flow


DATA_CUTOFF = "2017-10-01"  # the day after the demo's data date: requests are judged as they stand then


def _within_a_bucket(value: float, exact: float) -> bool:
    lo, hi = v.bucket_bounds(v.bucket_of(exact))
    return abs(value - exact) <= (hi - lo) + 1e-6


@pytest.mark.parametrize("slot", [(None, None), (2, 10)])
def test_funnel_counts(conn, slot):
    """Requests ordered in the range, by the stage they reached by the data date (rollup, and raw for a slot)."""
    f = Filters(date(2014, 1, 1), date(2016, 12, 31))
    got = v.request_funnel(conn, f, *slot)
    assert got["stage"].tolist() == list(v.STAGES)
    in_slot = "1 = 1" if slot[0] is None else f"{_weekday(conn, 'ordered_at')} = 2 AND {_hour(conn, 'ordered_at')} = 10"
    for stage, n in zip(got["stage"], got["requests"]):
        cond = "1 = 1" if stage == "ordered" else f"{stage}_at IS NOT NULL AND {stage}_at < :c"
        sql = (
            "SELECT count(*) FROM service_request WHERE ordered_at >= '2014-01-01' AND ordered_at < '2017-01-01' "
            f"AND {in_slot} AND {cond}"
        )
        assert n == _one(conn, sql, c=DATA_CUTOFF)
    assert got["requests"].is_monotonic_decreasing and got["requests"].iloc[0] > 0


def test_backlog_by_age(conn, full):
    got = v.request_backlog(conn, full)
    cutoff = datetime.combine(full.end + timedelta(days=1), datetime.min.time())
    raw = _frame(
        conn,
        """SELECT ordered_at, dispatched_at, accepted_at FROM service_request
           WHERE done_at IS NULL OR done_at >= :c""",
        c=cutoff,
    )
    age_h = (cutoff - pd.to_datetime(raw["ordered_at"])).dt.total_seconds() / 3600
    raw["bucket"] = np.searchsorted(np.asarray(v.AGE_BOUNDS_H, float), age_h.to_numpy(), side="right")
    raw["stage"] = np.where(
        raw["accepted_at"].notna(), "accepted", np.where(raw["dispatched_at"].notna(), "dispatched", "ordered")
    )
    want = raw.groupby(["bucket", "stage"]).size().rename("requests").reset_index()
    assert got["requests"].sum() == len(raw) > 0
    merged = got.merge(want, on=["bucket", "stage"], how="outer", suffixes=("", "_want"))
    assert (merged["requests"] == merged["requests_want"]).all()


def test_stage_durations_within_one_bucket_of_exact(conn):
    street = _street(conn, "S07")
    f = Filters(date(2013, 1, 1), date(2017, 6, 30), street_id=street)
    got = v.stage_durations(conn, f)
    assert list(zip(got["from_stage"], got["to_stage"])) == list(v.TRANSITIONS)
    for row in got.itertuples():
        a, b = f"{row.from_stage}_at", f"{row.to_stage}_at"
        where = (
            f"street_id = :s AND ordered_at >= '2013-01-01' AND ordered_at < '2017-07-01' "
            f"AND {a} IS NOT NULL AND {b} IS NOT NULL AND {b} < '{DATA_CUTOFF}'"
        )
        if _pg(conn):  # the database's own percentile_cont
            n, med, p90 = conn.execute(
                text(
                    f"""SELECT count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY {_hours(conn, a, b)}),
                               percentile_cont(0.9) WITHIN GROUP (ORDER BY {_hours(conn, a, b)})
                        FROM service_request WHERE {where}"""
                ),
                {"s": street},
            ).one()
        else:
            durations = _frame(conn, f"SELECT {_hours(conn, a, b)} AS d FROM service_request WHERE {where}", s=street)
            n, med, p90 = len(durations), _exact_percentile(durations["d"], 0.5), _exact_percentile(durations["d"], 0.9)
        assert row.requests == n > 100
        for value, exact in ((row.median_h, float(med)), (row.p90_h, float(p90))):
            assert _within_a_bucket(value, exact), (row, exact)


def test_percentile_helpers_on_small_groups(conn):
    """n = 1, 2 and 5: percentile_cont's interpolation, exact (window) and within a bucket (binned)."""
    values = {0: [7.0], 1: [1.0, 3.0], 2: [5.0, 1.0, 4.0, 2.0, 3.0]}
    rows = [
        select(literal(g).label("grp"), literal(x).label("dur")) for g, xs in values.items() for x in xs
    ]  # a tiny (grp, dur) table made of literals
    sub = union_all(*rows).subquery()
    exact = v._percentiles(conn, sub).set_index("grp")
    binned = v._percentiles_binned(conn, union_all(*rows).subquery()).set_index("grp")
    for g, xs in values.items():
        for p, col in ((0.5, "p50"), (0.9, "p90")):
            want = _exact_percentile(xs, p)
            assert exact.loc[g, col] == pytest.approx(want)
            assert _within_a_bucket(binned.loc[g, col], want)
        assert exact.loc[g, "n"] == binned.loc[g, "n"] == len(xs)


def _waits(conn, where: str, cutoff: str, key: str, **params) -> pd.DataFrame:
    """Each request's key and its wait for a volunteer: hours from order to acceptance, NaN when no volunteer
    accepted it by the cutoff (unanswered: not a wait)."""
    answered = f"CASE WHEN accepted_at < '{cutoff}' THEN accepted_at END"
    if _pg(conn):
        answered = answered.replace(f"'{cutoff}'", f"TIMESTAMP '{cutoff}'")
    return _frame(
        conn,
        f"SELECT {key} AS key, {_hours(conn, 'ordered_at', answered)} AS wait FROM service_request WHERE {where}",
        **params,
    )


def test_requests_by_street_and_need(conn):
    f = Filters(date(2015, 1, 1), date(2017, 3, 31))
    where = "ordered_at >= '2015-01-01' AND ordered_at < '2017-04-01'"
    by_area = v.requests_by_area(conn, f)
    assert len(by_area) == 17 and by_area["area"].notna().all()
    waits = _waits(conn, where, f"{DATA_CUTOFF} 00:00:00", "street_id")
    for row in by_area.itertuples():
        w = waits.loc[waits["key"] == row.area_id, "wait"]
        assert row.requests == len(w) and row.unmet == w.isna().sum()
        w = w.dropna()
        assert _within_a_bucket(row.median_wait_h, _exact_percentile(w, 0.5))
        assert _within_a_bucket(row.p90_wait_h, _exact_percentile(w, 0.9))
    unmet = _frame(
        conn,
        f"""SELECT need_category_id AS key, count(*) AS n FROM service_request
            WHERE {where} AND (accepted_at IS NULL OR accepted_at >= '{DATA_CUTOFF}') GROUP BY 1""",
    )
    by_need = v.requests_by_need(conn, f)
    assert by_need["code"].tolist() == ["NC1", "NC2", "NC3", "NC4", "NC5"]
    assert by_need.set_index("need_id")["unmet"].to_dict() == dict(zip(unmet["key"], unmet["n"].astype(int)))
    assert by_need["requests"].sum() == by_area["requests"].sum()


def test_station_supply_and_demand(conn, full):
    street = _street(conn, "S04")
    f = Filters(full.start, full.end, street_id=street)
    got = v.station_supply_demand(conn, f)
    assert len(got) == _one(conn, "SELECT count(*) FROM station WHERE street_id = :s", s=street)
    ordered = got["median_wait_h"].dropna()
    assert ordered.is_monotonic_decreasing  # slowest first
    waits = _waits(conn, "street_id = :s", "2017-10-01 00:00:00", "station_id", s=street)
    hours = _frame(
        conn, "SELECT station_id, sum(hours) AS h FROM service_record WHERE street_id = :s GROUP BY 1", s=street
    )
    for row in got.itertuples():
        w = waits.loc[waits["key"] == row.station_id, "wait"]
        assert row.requests == len(w) and row.unmet == w.isna().sum()
        w = w.dropna()
        assert _within_a_bucket(row.median_wait_h, _exact_percentile(w, 0.5))
        assert row.hours == pytest.approx(float(hours.loc[hours["station_id"] == row.station_id, "h"].sum()))
        assert row.teams == _one(conn, "SELECT count(*) FROM team WHERE station_id = :t", t=row.station_id)


# ---------------------------------------------------------------- teams and kitchens


def test_teams_by_category_and_top_teams(conn, full):
    by_cat = v.teams_by_category(conn, full)
    assert len(by_cat) == 10 and by_cat["teams"].sum() == 264
    want = _frame(conn, "SELECT category_id, count(*) AS n FROM team GROUP BY 1")
    assert by_cat.set_index("category_id")["teams"].to_dict() == dict(zip(want["category_id"], want["n"].astype(int)))
    top = v.top_teams(conn, full)
    best = _frame(
        conn,
        """SELECT t.name, sum(r.hours) AS h FROM service_record r JOIN team t ON t.id = r.team_id
           GROUP BY t.id, t.name ORDER BY h DESC, t.id LIMIT 10""",
    )
    assert top["team"].tolist() == best["name"].tolist()
    assert np.allclose(top["hours"], best["h"].astype(float))


def test_kitchens(conn, full):
    got = v.kitchens(conn, full)
    assert len(got) == 30
    assert got["people_fed"].sum() == _one(conn, "SELECT sum(people_fed) FROM facility WHERE kind = 'kitchen'")
    assert got["community"].notna().all()
    street = _street(conn, "S01")
    assert len(v.kitchens(conn, Filters(full.start, full.end, street_id=street))) == _one(
        conn, "SELECT count(*) FROM facility WHERE kind = 'kitchen' AND street_id = :s", s=street
    )


def test_bucket_bounds_are_contiguous_and_hold_their_values():
    edges = [v.bucket_bounds(b) for b in range(0, v.BUCKETS + 100)]
    assert edges[0][0] == 0 and all(math.isfinite(hi) for _lo, hi in edges)
    assert all(a[1] == pytest.approx(b[0]) for a, b in zip(edges, edges[1:]))
    day = v.bucket_bounds(v.bucket_of(24.0))
    assert day[1] - day[0] < 1.0  # about an hour wide at a day
    for hours in (0.0, 0.1, 3.0, 24.0, 200.0, 2375.9, 2376.0, 5000.0, 43800.0):
        lo, hi = v.bucket_bounds(v.bucket_of(hours))
        assert lo <= hours < hi


def test_scope_outline(conn, full):
    assert v.scope_outline(conn, full) == []
    street = _street(conn, "S06")
    (outline,) = v.scope_outline(conn, Filters(full.start, full.end, street_id=street))
    assert outline == _one(conn, "SELECT geometry FROM grid WHERE level = 2 AND org_id = :s", s=street)
    assert json.loads(outline)["type"] == "Polygon"


@pytest.mark.parametrize("slot", [(None, None), (2, 10)])
def test_unanswered_requests_are_not_waits(conn, full, slot):
    """A wait is order → a volunteer accepting: a request never accepted is unanswered (its own column), not a
    wait growing until the data date (years on the demo data). No station's or street's wait passes the
    longest wait of an accepted request; rollups and the raw rows of a picked slot alike."""
    cutoff = f"{DATA_CUTOFF} 00:00:00"
    waits = _waits(conn, "1 = 1", cutoff, "station_id")
    longest = float(waits["wait"].max())
    stations = v.station_supply_demand(conn, full, *slot)
    areas = v.requests_by_area(conn, full, *slot)
    for frame in (stations, areas):
        assert frame["p90_wait_h"].dropna().max() <= longest + 1e-6
        assert frame["unmet"].sum() > 0  # the unanswered are still there, counted apart


def _percentiles_group_by_group(hist: pd.DataFrame, ps=(0.5, 0.9)) -> pd.DataFrame:
    """hist_percentiles as it was written before it worked on whole arrays: one group at a time."""

    def rank_value(bins, k, upto, rank):
        i = int(np.searchsorted(upto, rank))
        lo, hi = v.bucket_bounds(int(bins[i]))
        return lo + (rank - (upto[i] - k[i]) - 0.5) / k[i] * (hi - lo)

    out = []
    for grp, h in hist.groupby("grp"):
        h = h[h["k"] > 0].sort_values("bin")
        if h.empty:
            continue
        bins, k = h["bin"].to_numpy(int), h["k"].to_numpy(int)
        upto = np.cumsum(k)
        n = int(upto[-1])
        rec = {"grp": grp, "n": n}
        for p in ps:
            pos = 1 + p * (n - 1)
            lo = math.floor(pos)
            rec[f"p{round(p * 100)}"] = rank_value(bins, k, upto, lo) + (pos - lo) * (
                rank_value(bins, k, upto, min(lo + 1, n)) - rank_value(bins, k, upto, lo)
            )
        out.append(rec)
    return pd.DataFrame(out, columns=["grp", "n", *[f"p{round(p * 100)}" for p in ps]])


@pytest.mark.parametrize("seed", range(12))
def test_percentiles_from_histograms_match_the_group_by_group_reckoning(seed):
    """Groups of one row and of many, empty buckets, groups with nothing in them, the tail past 99 days,
    groups out of order: every percentile equal to the group-by-group reckoning, bit for bit."""
    rng = np.random.default_rng(seed)
    rows = []
    for grp in rng.permutation(40)[: rng.integers(1, 40)]:
        bins = rng.choice(v.BUCKETS + 20, size=rng.integers(1, 30), replace=False)
        for b in bins:
            rows.append((int(grp), int(b), int(rng.integers(0, 50)) if rng.random() < 0.9 else 0))
    hist = pd.DataFrame(rows, columns=["grp", "bin", "k"]).sample(frac=1, random_state=seed)
    for ps in ((0.5, 0.9), (0.5,), (0.25, 0.75, 0.99)):
        got, want = v.hist_percentiles(hist, ps), _percentiles_group_by_group(hist, ps)
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want, check_exact=True)


def test_percentiles_of_an_empty_histogram():
    empty = pd.DataFrame({"grp": pd.Series([], dtype=int), "bin": pd.Series([], dtype=int), "k": []})
    assert list(v.hist_percentiles(empty).columns) == ["grp", "n", "p50", "p90"]
    assert v.hist_percentiles(empty).empty
    zeros = pd.DataFrame({"grp": [1, 1], "bin": [3, 4], "k": [0, 0]})
    assert v.hist_percentiles(zeros).empty
